#pragma once
// Validation results as data (ETSI EN 319 102-1 vocabulary). A report is returned even for a
// broken document; an operation error (Result's Error) means the job itself could not be done.
//
// Thread safety: plain values.
#include <istmo/export.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace istmo::report {

enum class Indication { total_passed, total_failed, indeterminate };

enum class SubIndication {
    none,
    format_failure,
    hash_failure,
    sig_crypto_failure,
    signed_data_not_found,
    no_signing_certificate_found,
    no_certificate_chain_found,
    chain_constraints_failure,
    expired,
    not_yet_valid,
    crypto_constraints_failure,
    sig_constraints_failure,
    policy_processing_error,
    out_of_bounds_no_poe,
    // Certificate status (EN 319 102-1 §5.2.6): the signer's certificate revoked before a proof
    // of existence of the signature (TOTAL_FAILED), revoked with no such proof, an intermediate
    // CA revoked with no such proof, and a status that could not be obtained (try again later).
    revoked,
    revoked_no_poe,
    revoked_ca_no_poe,
    try_later,
};

enum class Severity { info, warning, error };

// "TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE".
ISTMO_API std::string_view to_string(Indication value) noexcept;
// "" for none, else e.g. "HASH_FAILURE".
ISTMO_API std::string_view to_string(SubIndication value) noexcept;
// "info", "warning", "error".
ISTMO_API std::string_view to_string(Severity value) noexcept;

// One finding about a document: the single type used by dsig, xades, tsa, invoice and batch.
// The first four members keep their order so that Finding{code, severity, message, location}
// still reads as before; the rest are optional (default member initializers, so shorter
// aggregate initialisations stay warning-free).
struct Finding {
    std::string code;        // stable ID, e.g. "DSIG-REF-DIGEST-MISMATCH" (docs/finding-codes.md)
    Severity severity = Severity::error;
    std::string message;     // English, for humans
    std::string location;    // an XPath-like path or a signature/reference Id, may be empty
    std::string message_es{};  // Spanish; empty = take it from the catalogue (message_es_for)
    std::string field{};     // field path when it differs from location (e.g. a JSON input path)
    std::string rule{};      // rule reference, e.g. the Ficha Técnica ID "C203"; may be empty
    int line = 0;            // 1-based source line, 0 when unknown
};

// ---- verdict ---------------------------------------------------------------------------------

// Order of indications for "worst wins": TOTAL_PASSED < INDETERMINATE < TOTAL_FAILED.
[[nodiscard]] constexpr int indication_rank(Indication value) noexcept {
    switch (value) {
        case Indication::total_passed: return 0;
        case Indication::indeterminate: return 1;
        case Indication::total_failed: return 2;
    }
    return 2;
}

// An indication with its sub-indication, combined by the one rule of the project: the worse
// indication wins; on a tie the reason already held stays (the first reason found is reported).
struct Verdict {
    Indication indication = Indication::total_passed;
    SubIndication sub_indication = SubIndication::none;

    // Takes (indication, sub) when it is strictly worse than what is held. True when it did.
    constexpr bool add(Indication other, SubIndication other_sub = SubIndication::none) noexcept {
        if (indication_rank(other) <= indication_rank(indication)) return false;
        indication = other;
        sub_indication = other_sub;
        return true;
    }
    constexpr bool add(const Verdict& other) noexcept { return add(other.indication, other.sub_indication); }
    [[nodiscard]] constexpr bool passed() const noexcept { return indication == Indication::total_passed; }
};

// Appends a JSON string literal (with quotes, RFC 8259 escaping; bytes that are not UTF-8 are
// written as U+FFFD) to out. Whole documents: JsonWriter (istmo/report/json.hpp).
ISTMO_API void append_json_string(std::string& out, std::string_view text);

}  // namespace istmo::report
