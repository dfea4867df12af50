// Events (rEvManifRecep, rEvAnulaFe): built from inputs or JSON, signed, validated against
// istmo's structure tables. rEvManifRecep follows evManifRecep_v1.00.xsd; rEvAnulaFe follows the
// examples of SPEC §5.3 (its schema was not found).
#include <istmo/invoice/cufe.hpp>
#include <istmo/invoice/dgi_events.hpp>

#include "invoice/panama/services/services_internal.hpp"
#include "report/json_reader.hpp"
#include "xml/document_impl.hpp"

#include <istmo/report/json.hpp>
#include <istmo/xml/document.hpp>

#include <functional>

namespace istmo::invoice::panama::dgi {

namespace {

using report::Severity;
using detail::finding;
constexpr std::string_view k_dgi_namespace = "http://dgi-fep.mef.gob.pa";
constexpr std::string_view k_dsig = "http://www.w3.org/2000/09/xmldsig#";

bool digits(std::string_view t, std::size_t min, std::size_t max) noexcept {
    if (t.size() < min || t.size() > max) return false;
    for (const char c : t)
        if (c < '0' || c > '9') return false;
    return true;
}

std::size_t characters(std::string_view text) noexcept {
    std::size_t n = 0;
    for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

bool ruc_text(std::string_view ruc) noexcept {
    if (ruc.size() < 5 || ruc.size() > 20) return false;
    for (const char c : ruc)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '-')) return false;
    return true;
}

// One field of an event: its name, whether required, and the check of its value (an English and
// Spanish reason when refused; empty when fine).
struct Rule {
    std::string_view name;
    bool required;
    std::function<std::pair<std::string, std::string>(std::string_view)> check;
};

using Reason = std::pair<std::string, std::string>;
Reason ok() { return {}; }

Reason check_iamb(std::string_view v) {
    return v == "1" || v == "2" ? ok() : Reason{"must be 1 (production) or 2 (test)", "debe ser 1 (producción) o 2 (pruebas)"};
}
Reason check_protocol(std::string_view v) {
    return digits(v, 20, 20) ? ok() : Reason{"must be the 20-digit protocol", "debe ser el protocolo de 20 dígitos"};
}
Reason check_ruc(std::string_view v) {
    return ruc_text(v) ? ok() : Reason{"must be a RUC of 5 to 20 characters", "debe ser un RUC de 5 a 20 caracteres"};
}
Reason check_code(std::string_view v) {
    return v == "1001" || v == "1002" || v == "1003" || v == "1004" || v == "1005"
               ? ok()
               : Reason{"must be 1001 to 1005", "debe ser de 1001 a 1005"};
}
Reason check_motive(std::string_view v) {
    const auto n = characters(v);
    return n >= 15 && n <= 500 ? ok() : Reason{"must be 15 to 500 characters", "debe tener de 15 a 500 caracteres"};
}
Reason check_signature_id(std::string_view v) {
    return characters(v) == 22 ? ok() : Reason{"must be 22 characters", "debe tener 22 caracteres"};
}
Reason check_cufe(std::string_view v) {
    if (!detail::is_cufe_text(v)) return {"must be a 66-character CUFE", "debe ser un CUFE de 66 caracteres"};
    return cufe_check_digit_valid(v) ? ok() : Reason{"has a wrong check digit", "tiene un dígito verificador incorrecto"};
}
Reason check_ruc_type(std::string_view v) {
    return v == "1" || v == "2" ? ok() : Reason{"must be 1 (natural) or 2 (legal person)", "debe ser 1 (natural) o 2 (jurídico)"};
}
Reason check_dv(std::string_view v) {
    return digits(v, 2, 2) ? ok() : Reason{"must be 2 digits", "debe tener 2 dígitos"};
}
Reason check_text(std::string_view v) {
    return characters(v) >= 1 ? ok() : Reason{"must not be empty", "no debe estar vacío"};
}

const std::vector<Rule>& manifestation_rules() {
    static const std::vector<Rule> rules = {{"dIdFirma", false, check_signature_id}, {"iAmb", true, check_iamb},
                                            {"dProtAut", true, check_protocol},     {"dRucRec", true, check_ruc},
                                            {"dManifRecep", true, check_code},      {"dMotManif", false, check_motive}};
    return rules;
}

// rEvAnulaFe as SPEC §5.3's examples show it (SECONDARY; no schema).
const std::vector<Rule>& annulment_rules() {
    static const std::vector<Rule> rules = {{"dIdFirma", false, check_signature_id}, {"iAmb", true, check_iamb},
                                            {"dCufe", true, check_cufe},            {"gRucEm", true, nullptr},
                                            {"dMotivoAn", true, check_text}};
    return rules;
}

const std::vector<Rule>& issuer_rules() {
    static const std::vector<Rule> rules = {
        {"dTipContEm", true, check_ruc_type}, {"dRucEm", true, check_ruc}, {"dDvEm", true, check_dv}};
    return rules;
}

std::string trimmed_text(const xmlNode* node) {
    std::string t = xml::text_content(node);
    const auto a = t.find_first_not_of(" \t\r\n");
    if (a == std::string::npos) return {};
    return t.substr(a, t.find_last_not_of(" \t\r\n") - a + 1);
}

// The children of `group` against `rules`, in order (xs:sequence): missing, unexpected and
// out-of-order elements, and each value's check.
void check_sequence(const xmlNode* group, const std::vector<Rule>& rules, std::vector<report::Finding>& out,
                    const std::function<void(const xmlNode*)>& nested = {}) {
    std::size_t next = 0;
    const auto missing = [&](std::size_t upto) {
        for (; next < upto; ++next)
            if (rules[next].required)
                out.push_back(finding("FE-EVENT-MISSING", Severity::error,
                                      std::string(rules[next].name) + " is missing in " + xml::node_path(group),
                                      "falta " + std::string(rules[next].name) + " en " + xml::node_path(group),
                                      xml::node_path(group)));
    };
    for (const xmlNode* c = xml::first_element_child(group); c; c = xml::next_element_sibling(c)) {
        const std::string name(xml::sv(c->name));
        std::size_t at = next;
        while (at < rules.size() && rules[at].name != name) ++at;
        const bool in_ns = c->ns && xml::sv(c->ns->href) == k_dgi_namespace;
        if (at == rules.size() || !in_ns) {
            out.push_back(finding("FE-EVENT-UNEXPECTED", Severity::error,
                                  name + " is not expected here (wrong name, namespace or order)",
                                  name + " no se espera aquí (nombre, espacio de nombres u orden incorrecto)", xml::node_path(c)));
            continue;
        }
        missing(at);
        next = at + 1;
        if (!rules[at].check) {
            if (nested) nested(c);
            continue;
        }
        const auto [en, es] = rules[at].check(trimmed_text(c));
        if (!en.empty())
            out.push_back(finding("FE-EVENT-VALUE", Severity::error, name + " " + en, name + " " + es, xml::node_path(c)));
    }
    missing(rules.size());
}

const xmlNode* child_named(const xmlNode* parent, std::string_view name) {
    for (const xmlNode* c = xml::first_element_child(parent); c; c = xml::next_element_sibling(c))
        if (xml::sv(c->name) == name) return c;
    return nullptr;
}

void check_annulment_window(const EventValidateOptions& options, std::vector<report::Finding>& out) {
    if (!options.emitted_at) return;
    const auto now = options.now.value_or(std::chrono::system_clock::now());
    if (now - *options.emitted_at <= std::chrono::hours(24 * 7)) return;
    out.push_back(finding("FE-EVENT-ANNUL-WINDOW", Severity::warning,
                          "the annulment comes more than 7 days after the invoice's emission (a window PAC documentation states; unverified in the law)",
                          "la anulación llega más de 7 días después de la emisión de la factura (un plazo que indica la documentación de PAC; no verificado en la ley)"));
}

void check_event_signature(std::string_view xml, const xmlNode* root, const EventValidateOptions& options,
                           EventReport& report) {
    const xmlNode* last = nullptr;
    for (const xmlNode* c = xml::first_element_child(root); c; c = xml::next_element_sibling(c)) last = c;
    if (!last || !xml::is_element(last, k_dsig, "Signature")) {
        report.findings.push_back(finding("FE-EVENT-SIGNATURE", Severity::error,
                                          "the event has no ds:Signature as its last element",
                                          "el evento no tiene ds:Signature como último elemento"));
        return;
    }
    if (!options.check_signature) return;
    dsig::Verifier verifier(options.verify);
    auto verified = verifier.verify(xml);
    if (!verified || !verified->passed())
        report.findings.push_back(finding("FE-EVENT-SIGNATURE", Severity::error, "the event's signature did not verify",
                                          "la firma del evento no se pudo verificar"));
    if (verified) report.signature = std::move(*verified);
}

std::string field(std::string_view name, const std::string& value) {
    if (value.empty()) return {};
    return "<" + std::string(name) + ">" + detail::escape_text(value) + "</" + std::string(name) + ">";
}

// The built event must pass its own structure rules: a refused value is an input error.
Result<std::string> checked(std::string xml) {
    EventValidateOptions options;
    options.check_signature = false;
    auto report = validate_event(xml, options);
    if (!report) return std::move(report).error();
    for (const auto& f : report->findings)
        if (f.severity == Severity::error && f.code != "FE-EVENT-SIGNATURE")
            return make_error(Errc::invalid_argument, f.message);
    return xml;
}

}  // namespace

std::string_view manifestation_meaning(int code, bool spanish) noexcept {
    switch (code) {
        case 1001: return spanish ? "Confirmación de los Datos de la Operación" : "confirmation of the operation's data";
        case 1002: return spanish ? "Confirmación de la Operación" : "confirmation of the operation";
        case 1003: return spanish ? "Confirmación de la Transacción" : "confirmation of the transaction";
        case 1004: return spanish ? "Cancelación del Negocio" : "cancellation of the deal";
        case 1005: return spanish ? "Desconocimiento de la Operación" : "the operation is not recognised";
        default: return {};
    }
}

Result<std::string> build_manifestation(const ManifestationInput& in) {
    if (!in.environment) return make_error(Errc::invalid_argument, "iAmb (the environment) is required");
    return checked("<rEvManifRecep xmlns=\"" + std::string(k_dgi_namespace) + "\"><dVerForm>1.00</dVerForm><gInfProt>" +
                   field("dIdFirma", in.signature_id) + field("iAmb", std::string(iamb_text(*in.environment))) +
                   field("dProtAut", in.protocol) + field("dRucRec", in.receiver_ruc) +
                   field("dManifRecep", std::to_string(in.code)) + field("dMotManif", in.motive) +
                   "</gInfProt></rEvManifRecep>");
}

Result<std::string> build_annulment(const AnnulmentInput& in) {
    if (!in.environment) return make_error(Errc::invalid_argument, "iAmb (the environment) is required");
    return checked("<rEvAnulaFe xmlns=\"" + std::string(k_dgi_namespace) + "\"><dVerForm>1.00</dVerForm><gInfProt>" +
                   field("dIdFirma", in.signature_id) + field("iAmb", std::string(iamb_text(*in.environment))) +
                   field("dCufe", in.cufe) + "<gRucEm>" + field("dTipContEm", std::to_string(in.issuer_ruc_type)) +
                   field("dRucEm", in.issuer_ruc) + field("dDvEm", in.issuer_dv) + "</gRucEm>" +
                   field("dMotivoAn", in.motive) + "</gInfProt></rEvAnulaFe>");
}

Result<std::string> sign_event(const dsig::Signer& signer, std::string_view event_xml) {
    EventValidateOptions options;
    options.check_signature = false;
    auto report = validate_event(event_xml, options);
    if (!report) return std::move(report).error();
    for (const auto& f : report->findings)
        if (f.code == "FE-EVENT-ROOT") return make_error(Errc::invalid_argument, f.message);
    if (report->findings.empty() || report->findings.back().code != "FE-EVENT-SIGNATURE")
        return make_error(Errc::failed_precondition, "the event is already signed");
    return signer.sign(event_xml);
}

Result<EventReport> validate_event(std::string_view xml, const EventValidateOptions& options) {
    auto doc = xml::XmlDocument::parse(xml);
    if (!doc) return std::move(doc).error();
    EventReport report;
    const xmlNode* root = xmlDocGetRootElement(xml::get(*doc));
    report.kind = std::string(xml::sv(root->name));
    const bool manif = xml::is_element(root, k_dgi_namespace, "rEvManifRecep");
    const bool annul = xml::is_element(root, k_dgi_namespace, "rEvAnulaFe");
    if (!manif && !annul) {
        report.findings.push_back(finding("FE-EVENT-ROOT", Severity::error,
                                          "the document element is not rEvManifRecep nor rEvAnulaFe in namespace http://dgi-fep.mef.gob.pa",
                                          "el elemento raíz no es rEvManifRecep ni rEvAnulaFe en el espacio de nombres http://dgi-fep.mef.gob.pa"));
        return report;
    }
    const std::vector<Rule> top = {{"dVerForm", true, [](std::string_view v) {
                                        return v == "1.00" ? ok() : Reason{"must be 1.00", "debe ser 1.00"};
                                    }},
                                   {"gInfProt", true, nullptr}};
    std::vector<report::Finding> structure;
    // The signature is checked on its own below: the sequence check stops before it.
    internal::XmlDocPtr unsigned_copy(xmlCopyDoc(xml::get(*doc), 1));
    xmlNode* copy_root = xmlDocGetRootElement(unsigned_copy.get());
    for (xmlNode* c = xml::first_element_child(copy_root); c;) {
        xmlNode* next = xml::next_element_sibling(c);
        if (xml::is_element(c, k_dsig, "Signature")) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
        c = next;
    }
    check_sequence(copy_root, top, report.findings, [&](const xmlNode* info) {
        check_sequence(info, manif ? manifestation_rules() : annulment_rules(), report.findings, [&](const xmlNode* ruc) {
            check_sequence(ruc, issuer_rules(), report.findings);
        });
        if (const xmlNode* cufe = annul ? child_named(info, "dCufe") : nullptr) report.cufe = trimmed_text(cufe);
        if (const xmlNode* prot = manif ? child_named(info, "dProtAut") : nullptr) report.protocol = trimmed_text(prot);
    });
    if (annul) check_annulment_window(options, report.findings);
    check_event_signature(xml, root, options, report);
    return report;
}

bool EventReport::passed() const noexcept {
    for (const auto& f : findings)
        if (f.severity == report::Severity::error) return false;
    return true;
}

std::string EventReport::to_json() const {
    report::JsonWriter w;
    w.begin_object().member("event", kind).member("passed", passed());
    w.key("cufe").string_or_null(cufe);
    w.key("protocol").string_or_null(protocol);
    w.key("signature");
    if (signature) w.raw(signature->to_json());
    else w.null();
    w.key("findings");
    report::write_findings(w, findings);
    w.end_object();
    return std::move(w).take();
}

namespace {

Result<const report::json::Value*> member(const report::json::Value& object, std::string_view name, bool required) {
    const report::json::Value* v = object.find(name);
    if (!v && required) return make_error(Errc::invalid_argument, "the JSON has no \"" + std::string(name) + "\"");
    if (v && v->kind != report::json::Kind::string && v->kind != report::json::Kind::number)
        return make_error(Errc::invalid_argument, "\"" + std::string(name) + "\" must be a string or a number");
    return v;
}

Result<report::json::Value> json_object(std::string_view json, std::initializer_list<std::string_view> names) {
    auto value = report::json::parse(json);
    if (!value) return std::move(value).error();
    if (value->kind != report::json::Kind::object) return make_error(Errc::invalid_argument, "the JSON must be an object");
    for (const auto& m : value->members) {
        bool known = false;
        for (const auto n : names) known = known || m.name == n;
        if (!known)
            return make_error(Errc::invalid_argument, "unknown member \"" + m.name + "\" at line " + std::to_string(m.value.line));
    }
    return value;
}

Result<std::optional<Environment>> environment_of(const report::json::Value& object) {
    auto v = member(object, "iAmb", true);
    if (!v) return std::move(v).error();
    if ((*v)->text == "1") return std::optional<Environment>(Environment::production);
    if ((*v)->text == "2") return std::optional<Environment>(Environment::test);
    return make_error(Errc::invalid_argument, "iAmb must be 1 or 2");
}

std::string text_of(const report::json::Value& object, std::string_view name) {
    const auto* v = object.find(name);
    return v ? v->text : std::string();
}

int number_of(const report::json::Value& object, std::string_view name) {
    const std::string t = text_of(object, name);
    return digits(t, 1, 6) ? std::stoi(t) : -1;
}

}  // namespace

Result<ManifestationInput> manifestation_from_json(std::string_view json) {
    auto o = json_object(json, {"iAmb", "dProtAut", "dRucRec", "dManifRecep", "dMotManif", "dIdFirma"});
    if (!o) return std::move(o).error();
    ManifestationInput in;
    auto env = environment_of(*o);
    if (!env) return std::move(env).error();
    in.environment = *env;
    for (const auto name : {"dProtAut", "dRucRec", "dManifRecep"})
        if (auto m = member(*o, name, true); !m) return std::move(m).error();
    in.protocol = text_of(*o, "dProtAut");
    in.receiver_ruc = text_of(*o, "dRucRec");
    in.code = number_of(*o, "dManifRecep");
    in.motive = text_of(*o, "dMotManif");
    in.signature_id = text_of(*o, "dIdFirma");
    return in;
}

Result<AnnulmentInput> annulment_from_json(std::string_view json) {
    auto o = json_object(json, {"iAmb", "dCufe", "gRucEm", "dMotivoAn", "dIdFirma"});
    if (!o) return std::move(o).error();
    AnnulmentInput in;
    auto env = environment_of(*o);
    if (!env) return std::move(env).error();
    in.environment = *env;
    const auto* ruc = o->find("gRucEm");
    if (!ruc || ruc->kind != report::json::Kind::object)
        return make_error(Errc::invalid_argument, "the JSON needs \"gRucEm\" as an object");
    for (const auto& m : ruc->members)
        if (m.name != "dTipContEm" && m.name != "dRucEm" && m.name != "dDvEm")
            return make_error(Errc::invalid_argument, "unknown member \"gRucEm/" + m.name + "\"");
    in.cufe = text_of(*o, "dCufe");
    in.issuer_ruc_type = number_of(*ruc, "dTipContEm");
    in.issuer_ruc = text_of(*ruc, "dRucEm");
    in.issuer_dv = text_of(*ruc, "dDvEm");
    in.motive = text_of(*o, "dMotivoAn");
    in.signature_id = text_of(*o, "dIdFirma");
    return in;
}

}  // namespace istmo::invoice::panama::dgi
