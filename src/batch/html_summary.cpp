// batch::HtmlSummary: the counts and tables of a batch's HTML page, gathered result by result.
#include <istmo/batch/html.hpp>
#include <istmo/invoice/cufe.hpp>

#include <algorithm>

namespace istmo::batch {

HtmlSummary::HtmlSummary(std::size_t max_failed_rows, std::size_t findings_per_row)
    : m_max_failed_rows(max_failed_rows), m_findings_per_row(findings_per_row) {}

std::string issuer_of_cufe(std::string_view cufe) {
    // "FE" iDoc(2) dTipoRuc(1) dRuc(20, zero-padded) "-" dDV(2) ... (invoice::panama::cufe).
    if (cufe.size() != 66 || cufe.substr(0, 2) != "FE" || cufe[25] != '-') return {};
    std::string_view ruc = cufe.substr(5, 20);
    while (ruc.size() > 1 && ruc.front() == '0') ruc.remove_prefix(1);
    return std::string(ruc) + " DV " + std::string(cufe.substr(26, 2));
}

void HtmlSummary::add(const DocumentResult& result) {
    ++m_total;
    ++m_indications[std::string(report::to_string(result.indication))];
    for (const std::string& code : result.codes) ++m_codes[code];
    if (result.indication == report::Indication::total_passed) return;
    if (const std::string issuer = issuer_of_cufe(result.cufe); !issuer.empty()) ++m_issuer_failures[issuer];
    if (m_failed.size() >= m_max_failed_rows) {
        ++m_failed_not_shown;
        return;
    }
    report::HtmlFailedInput row{result.source, result.indication, result.sub_indication, {}};
    for (const report::Severity severity : {report::Severity::error, report::Severity::warning})
        for (const report::Finding& f : result.findings)
            if (f.severity == severity && row.first_findings.size() < m_findings_per_row) row.first_findings.push_back(f);
    m_failed.push_back(std::move(row));
}

namespace {

// The `top` largest counts, largest first (ties by key).
std::vector<report::HtmlCount> top_counts(const std::map<std::string, std::size_t>& counts, std::size_t top) {
    std::vector<report::HtmlCount> out;
    out.reserve(counts.size());
    for (const auto& [key, n] : counts) out.push_back({key, n});
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
    if (out.size() > top) out.resize(top);
    return out;
}

}  // namespace

report::HtmlBatch HtmlSummary::page(std::string title, std::size_t top) const {
    report::HtmlBatch b;
    b.title = std::move(title);
    b.total = m_total;
    for (const char* key : {"TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"}) {
        const auto it = m_indications.find(key);
        b.by_indication.push_back({key, it == m_indications.end() ? 0 : it->second});
    }
    b.top_codes = top_counts(m_codes, top);
    b.top_issuers = top_counts(m_issuer_failures, top);
    b.failed = m_failed;
    b.failed_not_shown = m_failed_not_shown;
    return b;
}

}  // namespace istmo::batch
