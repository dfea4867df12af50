#pragma once
// Validation reports as one self-contained HTML page for people: the verdict at a glance (colour
// and words), the signatures, the findings grouped by severity; for a batch, the counts and the
// failures. Inline CSS only: no script, no font, image or style fetched from anywhere. Every text
// taken from a document is HTML-escaped (a document is hostile input).
//
// The page model below is neutral: dsig, invoice and batch fill it from their reports
// (dsig::html_document, invoice::panama::html_document, batch::html_batch), this module only writes it.
//
// Thread safety: plain values and pure functions.
#include <istmo/export.hpp>
#include <istmo/report/report.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace istmo::report {

enum class Language { en, es };

// A label and its value, e.g. {"CUFE", "FE01..."}; labels are English, the writer translates
// the ones it knows (html_label) and keeps the others.
using HtmlFact = std::pair<std::string, std::string>;

struct HtmlSignature {
    std::string id;
    std::string level;                      // "XMLDSig", "B-B", "B-T", ...
    Indication indication = Indication::indeterminate;
    SubIndication sub_indication = SubIndication::none;
    std::string signer;                     // subject of the signer's certificate; "" when unknown
    std::string signing_time;               // claimed (XAdES SigningTime), "" when none
    std::vector<HtmlFact> certificates;     // the chain, signer first: {subject, status}
    std::vector<HtmlFact> timestamps;       // {time, "TSA subject — INDICATION"}
    std::vector<HtmlFact> signed_data;      // {reference URI, what it covers}
    std::string signature_method;
};

struct HtmlDocument {
    std::string name;                       // the input (file name)
    Indication indication = Indication::total_failed;
    SubIndication sub_indication = SubIndication::none;
    std::vector<HtmlFact> facts;            // e.g. CUFE, issuer RUC, total, validation time
    std::vector<HtmlSignature> signatures;
    std::vector<Finding> findings;
};

// A page with one section per document (verify and invoice validate take several files).
[[nodiscard]] ISTMO_API std::string write_html(const std::vector<HtmlDocument>& documents, Language language);

struct HtmlCount {
    std::string key;                        // an indication, a finding code or an issuer
    std::size_t count = 0;
};
struct HtmlFailedInput {
    std::string name;
    Indication indication = Indication::total_failed;
    SubIndication sub_indication = SubIndication::none;
    std::vector<Finding> first_findings;    // the first few errors (or warnings)
};
struct HtmlBatch {
    std::string title;                      // e.g. the input directory
    std::size_t total = 0;
    std::vector<HtmlCount> by_indication;   // keys "TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE", "ERROR"
    std::vector<HtmlCount> top_codes;       // most frequent first
    std::vector<HtmlCount> top_issuers;     // issuers with most failures first
    std::vector<HtmlFailedInput> failed;    // failed or indeterminate inputs (possibly capped)
    std::size_t failed_not_shown = 0;       // failures beyond the table's cap
};
[[nodiscard]] ISTMO_API std::string write_html(const HtmlBatch& batch, Language language);

// Appends text with &, <, >, " and ' escaped; bytes that are not UTF-8 become U+FFFD, control
// characters other than tab and newline are dropped.
ISTMO_API void append_html_escaped(std::string& out, std::string_view text);

}  // namespace istmo::report
