// InvoiceReport -> report::HtmlDocument (the HTML page is written by report).
#include <istmo/dsig/html.hpp>
#include <istmo/invoice/html.hpp>

namespace istmo::invoice::panama {

report::HtmlDocument html_document(const InvoiceReport& r, std::string name, report::Language language) {
    report::HtmlDocument d;
    d.name = std::move(name);
    d.indication = r.indication;
    d.sub_indication = r.sub_indication;
    if (!r.cufe_declared.empty()) d.facts.emplace_back("CUFE", r.cufe_declared);
    if (!r.cufe_computed.empty() && r.cufe_computed != r.cufe_declared)
        d.facts.emplace_back("Computed CUFE", r.cufe_computed);
    if (!r.issuer_ruc.empty()) d.facts.emplace_back("Issuer RUC", r.issuer_ruc);
    if (!r.total.empty()) d.facts.emplace_back("Total", r.total);
    if (!r.wrapper.empty()) d.facts.emplace_back("Container", r.wrapper);
    if (!r.well_formed) d.facts.emplace_back("Well-formed", "no");
    if (r.signature) {
        if (!r.signature->validation_time.empty()) d.facts.emplace_back("Validation time", r.signature->validation_time);
        d.signatures = dsig::html_signatures(*r.signature, language);
    }
    d.findings = r.findings;
    return d;
}

}  // namespace istmo::invoice::panama
