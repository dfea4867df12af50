#pragma once
// A batch run as the page model of istmo/report/html.hpp: counts by indication, the most frequent
// finding codes, the issuers with most failures and a table of failed inputs.
//
// Thread safety: an HtmlSummary is fed from one thread (e.g. a Sink, which run() calls from the
// calling thread only).
#include <istmo/batch/batch.hpp>
#include <istmo/export.hpp>
#include <istmo/report/html.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace istmo::batch {

class ISTMO_API HtmlSummary {
public:
    // At most `max_failed_rows` failed inputs are listed (the others are counted); each with its
    // first `findings_per_row` errors (or warnings when it has no error).
    explicit HtmlSummary(std::size_t max_failed_rows = 1000, std::size_t findings_per_row = 3);

    void add(const DocumentResult& result);
    // `top` codes and issuers at most.
    [[nodiscard]] report::HtmlBatch page(std::string title, std::size_t top = 10) const;

private:
    std::size_t m_max_failed_rows;
    std::size_t m_findings_per_row;
    std::size_t m_total = 0;
    std::map<std::string, std::size_t> m_indications;
    std::map<std::string, std::size_t> m_codes;
    std::map<std::string, std::size_t> m_issuer_failures;
    std::vector<report::HtmlFailedInput> m_failed;
    std::size_t m_failed_not_shown = 0;
};

// The issuer of an invoice as its CUFE names it: "RUC DV dd" (the RUC without the CUFE's zero
// padding); "" when the text is not a CUFE.
[[nodiscard]] ISTMO_API std::string issuer_of_cufe(std::string_view cufe);

}  // namespace istmo::batch
