// InvoiceReport as JSON (docs/report-json.md, docs/report.schema.json).
#include <istmo/invoice/panama.hpp>
#include <istmo/report/json.hpp>

namespace istmo::invoice::panama {

std::string InvoiceReport::to_json() const {
    report::JsonWriter w;
    w.begin_object().member("indication", report::to_string(indication));
    w.key("sub_indication").string_or_null(report::to_string(sub_indication));
    w.member("well_formed", well_formed);
    w.key("cufe").string_or_null(cufe_declared);
    w.key("cufe_computed").string_or_null(cufe_computed);
    w.key("issuer_ruc").string_or_null(issuer_ruc);
    w.key("total").string_or_null(total);
    w.key("wrapper").string_or_null(wrapper);
    w.key("findings");
    report::write_findings(w, findings);
    w.key("signature");
    if (signature) w.raw(signature->to_json());
    else w.null();
    w.end_object();
    return std::move(w).take();
}

}  // namespace istmo::invoice::panama
