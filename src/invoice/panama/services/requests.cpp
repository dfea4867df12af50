// SOAP request bodies of the DGI web services (SPEC §5.2; feRecepFE_v1.00.xsd and siblings,
// feHeaderMsg.xsd). Each body is feDatosMsg in the web-service namespace; signed documents
// travel as text (xFe, dEvReg are xs:string), escaped.
#include <istmo/invoice/dgi.hpp>

#include "core/ascii.hpp"
#include "invoice/panama/services/services_internal.hpp"

#include <istmo/xml/document.hpp>

#include <string>

namespace istmo::invoice::panama::dgi {

namespace {

constexpr std::string_view k_soap12 = "http://www.w3.org/2003/05/soap-envelope";
constexpr std::string_view k_soap11 = "http://schemas.xmlsoap.org/soap/envelope/";

Result<void> check_control_id(std::string_view id) {
    if (id.size() > 15 || !core::ascii::all_digits(id))
        return make_error(Errc::invalid_argument, "the control id (dId) must be 1 to 15 digits");
    return {};
}

Result<void> check_environment(Environment environment) {
    if (environment != Environment::production && environment != Environment::test)
        return make_error(Errc::invalid_argument, "the environment (iAmb) must be 1 (production) or 2 (test)");
    return {};
}

// A signed document must at least be XML before it is put in a string field.
Result<void> check_xml(std::string_view document, std::string_view what) {
    if (auto parsed = xml::XmlDocument::parse(document); !parsed) {
        Error e = std::move(parsed).error();
        e.message = std::string(what) + " is not XML: " + e.message;
        return e;
    }
    return {};
}

// The text without a leading XML declaration (documents concatenated in one string).
std::string_view without_declaration(std::string_view document) {
    const auto start = document.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
    if (start == std::string_view::npos) return {};
    document.remove_prefix(start);
    if (document.substr(0, 5) == "<?xml") {
        const auto end = document.find("?>");
        if (end != std::string_view::npos) document.remove_prefix(end + 2);
    }
    return document;
}

std::string element(std::string_view name, std::string_view escaped_text) {
    std::string out;
    out.reserve(name.size() * 2 + escaped_text.size() + 5);
    out.append("<").append(name).append(">").append(escaped_text).append("</").append(name).append(">");
    return out;
}

// feDatosMsg/<message>{dVerForm, dId, iAmb, fields...} and the envelope around it.
Request assemble(Operation operation, const RequestHeader& header, std::string_view message, std::string_view fields) {
    const std::string ns(k_wsdl_namespace);
    Request r;
    r.operation = operation;
    r.body = "<feDatosMsg xmlns=\"" + ns + "\"><" + std::string(message) + ">" + element("dVerForm", "1.00") +
             element("dId", header.control_id) + element("iAmb", iamb_text(header.environment)) + std::string(fields) +
             "</" + std::string(message) + "></feDatosMsg>";
    r.header = "<feHeaderMsg xmlns=\"" + ns + "\">" + element("dVerForm", "1.00") + "</feHeaderMsg>";
    const bool v12 = header.soap == SoapVersion::soap12;
    // The action a WCF service expects is in its WSDL, which was not found (SPEC §8): namespace +
    // "/" + service is WCF's form for a contract in that namespace (UNVERIFIED).
    const std::string action = ns + "/" + std::string(service_name(operation));
    r.envelope = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<soap:Envelope xmlns:soap=\"" +
                 std::string(v12 ? k_soap12 : k_soap11) + "\"><soap:Header>" + r.header + "</soap:Header><soap:Body>" +
                 r.body + "</soap:Body></soap:Envelope>";
    if (v12) {
        r.content_type = "application/soap+xml; charset=utf-8; action=\"" + action + "\"";
    } else {
        r.content_type = "text/xml; charset=utf-8";
        r.soap_action = "\"" + action + "\"";
    }
    return r;
}

Result<void> check_header(const RequestHeader& header) {
    if (auto ok = check_environment(header.environment); !ok) return ok;
    return check_control_id(header.control_id);
}

}  // namespace

std::string_view service_name(Operation operation) noexcept {
    switch (operation) {
        case Operation::recep_fe: return "feRecepFE";
        case Operation::recep_lote_fe: return "feRecepLoteFE";
        case Operation::result_lote_fe: return "feResultLoteFE";
        case Operation::cons_fe: return "feConsFE";
        case Operation::recep_evento: return "feRecepEvento";
        case Operation::cons_ruc_dv: return "feConsRucDV";
    }
    return "feRecepFE";
}

std::string_view iamb_text(Environment environment) noexcept {
    return environment == Environment::production ? "1" : "2";
}

std::string default_base_url(Environment environment) {
    return environment == Environment::production ? "https://dgi-fepws.mef.gob.pa:40100"
                                                  : "https://dgi-fepws-test.mef.gob.pa:40010";
}

std::string service_url(std::string_view base_url, Operation operation) {
    while (!base_url.empty() && base_url.back() == '/') base_url.remove_suffix(1);
    return std::string(base_url) + "/FepWcfService/" + std::string(service_name(operation)) + ".svc";
}

bool detail::is_cufe_text(std::string_view cufe) noexcept {
    if (cufe.size() != 66 || cufe.substr(0, 2) != "FE") return false;
    for (const char c : cufe)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-')) return false;
    return true;
}

std::string detail::escape_text(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (const char c : text) {
        switch (c) {
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            case '\r': out += "&#13;"; break;  // kept through the receiver's line-end normalisation
            default: out += c;
        }
    }
    return out;
}

Result<Request> build_recep_fe(const RequestHeader& header, std::string_view signed_rfe) {
    if (auto ok = check_header(header); !ok) return std::move(ok).error();
    if (auto ok = check_xml(signed_rfe, "the rFE"); !ok) return std::move(ok).error();
    return assemble(Operation::recep_fe, header, "rEnviFe", element("xFe", detail::escape_text(signed_rfe)));
}

Result<Request> build_recep_lote_fe(const RequestHeader& header, const std::vector<std::string>& signed_rfes) {
    if (auto ok = check_header(header); !ok) return std::move(ok).error();
    if (signed_rfes.empty()) return make_error(Errc::invalid_argument, "a batch needs at least one rFE");
    std::string joined;
    for (const auto& rfe : signed_rfes) {
        if (auto ok = check_xml(rfe, "an rFE of the batch"); !ok) return std::move(ok).error();
        joined += without_declaration(rfe);
    }
    return assemble(Operation::recep_lote_fe, header, "rEnviLoteFe", element("xFe", detail::escape_text(joined)));
}

Result<Request> build_result_lote_fe(const RequestHeader& header, std::string_view batch_protocol) {
    if (auto ok = check_header(header); !ok) return std::move(ok).error();
    if (batch_protocol.size() > 15 || !core::ascii::all_digits(batch_protocol))
        return make_error(Errc::invalid_argument, "the batch protocol (dProtConsLote) must be 1 to 15 digits");
    return assemble(Operation::result_lote_fe, header, "rEnviConsLoteFe", element("dProtConsLote", batch_protocol));
}

Result<Request> build_cons_fe(const RequestHeader& header, std::string_view cufe) {
    if (auto ok = check_header(header); !ok) return std::move(ok).error();
    if (!detail::is_cufe_text(cufe))
        return make_error(Errc::invalid_argument, "the CUFE must be 66 characters: FE then letters, digits or '-'");
    return assemble(Operation::cons_fe, header, "rEnviConsFe", element("dCufe", cufe));
}

Result<Request> build_recep_evento(const RequestHeader& header, std::string_view signed_event) {
    if (auto ok = check_header(header); !ok) return std::move(ok).error();
    if (auto ok = check_xml(signed_event, "the event"); !ok) return std::move(ok).error();
    return assemble(Operation::recep_evento, header, "rEnviEventoFe", element("dEvReg", detail::escape_text(signed_event)));
}

Result<Request> build_cons_ruc_dv(const RequestHeader& header, std::string_view ruc, int ruc_type) {
    if (auto ok = check_header(header); !ok) return std::move(ok).error();
    if (ruc.size() < 5 || ruc.size() > 20)
        return make_error(Errc::invalid_argument, "the RUC must be 5 to 20 characters");
    for (const char c : ruc)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '-'))
            return make_error(Errc::invalid_argument, "the RUC holds a character other than digits, capitals and '-'");
    if (ruc_type != 1 && ruc_type != 2)
        return make_error(Errc::invalid_argument, "the RUC type (dTipoRuc) must be 1 (natural) or 2 (legal person)");
    return assemble(Operation::cons_ruc_dv, header, "rEnviConsRucDV",
                    element("dRuc", ruc) + element("dTipoRuc", std::to_string(ruc_type)));
}

}  // namespace istmo::invoice::panama::dgi
