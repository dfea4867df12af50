#pragma once
// Internal: how the invoice checks add findings to a report (one place builds an InvoiceFinding).
#include <istmo/invoice/panama.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace istmo::invoice::panama::detail {

class Collector {
public:
    explicit Collector(InvoiceReport& r) : m_report(r) {}
    void add(std::string code, report::Severity sev, std::string xpath, std::string_view ficha, int line, std::string es,
             std::string en) {
        InvoiceFinding f;
        f.code = std::move(code);
        f.severity = sev;
        f.location = std::move(xpath);
        f.rule = std::string(ficha);
        f.line = line;
        f.message_es = std::move(es);
        f.message = std::move(en);
        m_report.findings.push_back(std::move(f));
    }
    [[nodiscard]] InvoiceReport& report() noexcept { return m_report; }

    // Set when a ds:Signature was reported out of place: its absence where it belongs is the
    // same fault and is not reported again.
    bool signature_misplaced = false;

private:
    InvoiceReport& m_report;
};

}  // namespace istmo::invoice::panama::detail
