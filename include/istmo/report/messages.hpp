#pragma once
// The message catalogue: every finding code istmo can emit, with its meaning in English and
// Spanish, and the message forms that give each English finding message its Spanish twin.
//
// A module makes a finding with its English message (parameters such as URIs, numbers or Ids
// written into it) and calls localize(); the form of that code whose English template matches
// the message gives the Spanish text, with the same parameters. Templates mark parameters as
// {1}, {2}, ...; in a Spanish template {t1} means "parameter 1, itself translated when the
// catalogue knows it" (e.g. a reason quoted from a lower layer). When no form matches, the
// Spanish text is the code's meaning, so message_es is never empty for a catalogued code.
//
// docs/finding-codes.md and docs/panama-fe.md list the codes; a test keeps the catalogue, the
// code literals of the sources and the forms in step.
//
// Thread safety: the catalogue is immutable; all functions may be called from any thread.
#include <istmo/export.hpp>
#include <istmo/report/report.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace istmo::report {

// A code with its meaning (one line each language), or a message form (English and Spanish
// templates) of a code. Forms with an empty code are phrases quoted inside other messages.
struct CatalogEntry {
    std::string_view code;
    std::string_view en;
    std::string_view es;
};

// Every finding code, sorted by code.
ISTMO_API std::span<const CatalogEntry> finding_catalog() noexcept;
// Every message form (grouped by code; phrases have an empty code).
ISTMO_API std::span<const CatalogEntry> message_forms() noexcept;

// The entry of a code; a code with a dynamic suffix ("BATCH-INTERNAL-PARSE_ERROR") finds its
// family ("BATCH-INTERNAL"). Null when the code is not catalogued.
ISTMO_API const CatalogEntry* catalog_entry(std::string_view code) noexcept;

// The Spanish text of an English finding message of `code`, from the first form that matches it;
// nullopt when none does.
ISTMO_API std::optional<std::string> translate_message(std::string_view code, std::string_view message_en);

// The Spanish text of any English text istmo writes that the catalogue knows (a phrase, such as
// a common operation error's message, or a message form of any code); nullopt otherwise.
ISTMO_API std::optional<std::string> translate_text(std::string_view text_en);

// The Spanish text of a finding: its message_es when set, else the translated message, else the
// code's meaning; empty only for a code the catalogue does not know.
ISTMO_API std::string message_es_for(const Finding& finding);
// Sets finding.message_es (when it is empty) to message_es_for(finding).
ISTMO_API void localize(Finding& finding);

// The finding with both texts: {code, severity, message_en, location} localized.
ISTMO_API Finding make_finding(std::string code, Severity severity, std::string message_en, std::string location = {});

}  // namespace istmo::report
