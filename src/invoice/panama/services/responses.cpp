// Reading the DGI's answers (SPEC §5.2, §5.4, §10) with the safe parser, by element local names:
// the DGI and PACs write the same answers with and without namespaces (ProtProcesFE_v1.00.xsd
// has no target namespace; real rRetEnviFe uses the web-service namespace).
#include <istmo/invoice/dgi.hpp>

#include "core/ascii.hpp"
#include "invoice/panama/services/services_internal.hpp"
#include "xml/document_impl.hpp"

#include <istmo/xml/document.hpp>

#include <initializer_list>

namespace istmo::invoice::panama::dgi {

namespace {

using report::Severity;
using detail::finding;

constexpr std::string_view k_soap12 = "http://www.w3.org/2003/05/soap-envelope";
constexpr std::string_view k_soap11 = "http://schemas.xmlsoap.org/soap/envelope/";

std::string_view local(const xmlNode* node) noexcept { return xml::sv(node->name); }

const xmlNode* child(const xmlNode* parent, std::string_view name) noexcept {
    for (const xmlNode* c = xml::first_element_child(parent); c; c = xml::next_element_sibling(c))
        if (local(c) == name) return c;
    return nullptr;
}

std::string trimmed(std::string text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::string text_of(const xmlNode* parent, std::string_view name) {
    const xmlNode* c = child(parent, name);
    return c ? trimmed(xml::text_content(c)) : std::string();
}

// An element as the document element of a new document, serialised.
std::string standalone_xml(const xmlNode* node) {
    internal::XmlDocPtr doc(xmlNewDoc(xml::xc("1.0")));
    if (!doc) return {};
    xmlNode* copy = xmlDocCopyNode(const_cast<xmlNode*>(node), doc.get(), 1);
    if (!copy) return {};
    xmlDocSetRootElement(doc.get(), copy);
    auto impl = std::make_unique<xml::XmlDocument::Impl>();
    impl->doc = std::move(doc);
    return xml::XmlDocument(std::move(impl)).to_string();
}

std::vector<ResultCode> codes_of(const xmlNode* parent) {
    std::vector<ResultCode> out;
    for (const xmlNode* c = xml::first_element_child(parent); c; c = xml::next_element_sibling(c)) {
        if (local(c) != "gResProc") continue;
        ResultCode code;
        code.code = text_of(c, "dCodRes");
        code.message = text_of(c, "dMsgRes");
        if (const KnownCode* k = known_code(code.code)) {
            code.effect = k->effect;
            code.meaning_en = k->en;
            code.meaning_es = k->es;
        }
        out.push_back(std::move(code));
    }
    return out;
}

void read_protocol_number(Protocol& p, const xmlNode* info, std::vector<report::Finding>& findings) {
    const xmlNode* number = child(info, "dProAut");
    if (!number) number = child(info, "dProtAut");
    if (!number) return;
    p.protocol_as_sent = trimmed(xml::text_content(number));
    if (p.protocol_as_sent.empty()) return;  // nillable: no protocol (a rejection)
    const std::string where = xml::node_path(number);
    if (auto normal = normalise_protocol(p.protocol_as_sent)) {
        p.protocol = *normal;
        if (p.protocol_as_sent.size() == 40)
            findings.push_back(finding("FE-DGI-PROTOCOL-PAC-FORM", Severity::info,
                                       "the protocol " + p.protocol_as_sent + " is a PAC's 40-character form; the DGI protocol is " + p.protocol,
                                       "el protocolo " + p.protocol_as_sent + " es la forma de 40 caracteres de un PAC; el protocolo de la DGI es " + p.protocol,
                                       where));
        return;
    }
    findings.push_back(finding("FE-DGI-PROTOCOL-MALFORMED", Severity::error,
                               "the authorisation protocol '" + p.protocol_as_sent + "' is not 20 digits",
                               "el protocolo de autorización '" + p.protocol_as_sent + "' no tiene 20 dígitos", where));
}

void check_signature(Protocol& p, const xmlNode* prot, const ParseOptions& options,
                     std::vector<report::Finding>& findings) {
    const xmlNode* signature = child(prot, "Signature");
    const std::string where = xml::node_path(prot);
    if (!signature) {
        p.signature = ProtocolSignature::absent;
        findings.push_back(finding("FE-DGI-PROTOCOL-UNSIGNED", Severity::info,
                                   "the protocol carries no signature: it was not verified",
                                   "el protocolo no lleva firma: no se verificó", where));
        return;
    }
    if (!xml::first_element_child(signature) && trimmed(xml::text_content(signature)).empty()) {
        p.signature = ProtocolSignature::empty_unsigned;
        findings.push_back(finding("FE-DGI-PROTOCOL-UNSIGNED", Severity::info,
                                   "the protocol's Signature element is empty (unsigned, as production sends it): it was not verified",
                                   "el elemento Signature del protocolo está vacío (sin firma, como lo envía producción): no se verificó",
                                   where));
        return;
    }
    dsig::Verifier verifier(options.verify);
    auto verified = verifier.verify(p.xml);
    if (verified && verified->passed()) {
        p.signature = ProtocolSignature::valid;
    } else {
        p.signature = ProtocolSignature::not_valid;
        findings.push_back(finding("FE-DGI-PROTOCOL-SIGNATURE", Severity::error,
                                   "the protocol's signature did not verify",
                                   "la firma del protocolo no se pudo verificar", where));
    }
    if (verified) p.signature_report = std::move(*verified);
}

Protocol read_protocol(const xmlNode* prot, bool wrapped, const ParseOptions& options,
                       std::vector<report::Finding>& findings) {
    Protocol p;
    p.wrapped = wrapped;
    p.version = text_of(prot, "dVerForm");
    p.xml = standalone_xml(prot);
    if (const xmlNode* info = child(prot, "gInfProt")) {
        p.id = text_of(info, "dId");
        p.environment = text_of(info, "iAmb");
        p.app_version = text_of(info, "dVerApl");
        p.cufe = text_of(info, "dCUFE");
        p.processed_at = text_of(info, "dFecProc");
        p.digest_value = text_of(info, "dDigVal");
        read_protocol_number(p, info, findings);
        p.results = codes_of(info);
    }
    check_signature(p, prot, options, findings);
    return p;
}

// Every rProtFe below `top` (not inside the rFE of a container, nor inside another rProtFe).
void collect_protocols(const xmlNode* top, Response& r, const ParseOptions& options) {
    xml::for_each_element_in(top, [&](const xmlNode* node) {
        const std::string_view name = local(node);
        if (node != top && (name == "xFe" || name == "xContEv" || name == "rFE")) return xml::Walk::skip_children;
        if (name != "rProtFe") return xml::Walk::descend;
        const bool wrapped = node->parent && node->parent->type == XML_ELEMENT_NODE &&
                             local(node->parent) == "xProtFe";
        r.protocols.push_back(read_protocol(node, wrapped, options, r.findings));
        return xml::Walk::skip_children;
    });
}

// The answer element: the first element below `top` whose name starts with "rRet" (rRetEnviFe,
// rRetEnviConsFe, rRetEnviEventoFe, ...), or, for feRecepFE, a bare rProtFe / xProtFe.
const xmlNode* find_answer(const xmlNode* top, Operation operation) {
    const xmlNode* found = nullptr;
    xml::for_each_element_in(top, [&](const xmlNode* node) {
        const std::string_view name = local(node);
        if (name.substr(0, 4) == "rRet" ||
            (operation == Operation::recep_fe && (name == "rProtFe" || name == "xProtFe"))) {
            found = node;
            return xml::Walk::stop;
        }
        return xml::Walk::descend;
    });
    return found;
}

SoapFault read_fault(const xmlNode* fault) {
    SoapFault f;
    f.code = text_of(fault, "faultcode");
    f.reason = text_of(fault, "faultstring");
    if (const xmlNode* code = child(fault, "Code")) f.code = text_of(code, "Value");
    if (const xmlNode* reason = child(fault, "Reason")) f.reason = text_of(reason, "Text");
    return f;
}

bool has_code(const Response& r, std::string_view code) {
    for (const ResultCode* c : r.all_codes())
        if (c->code == code) return true;
    return false;
}

bool has_error(const Response& r) {
    for (const ResultCode* c : r.all_codes())
        if (c->effect == Effect::error) return true;
    return false;
}

// The outcome from the codes only (never from dMsgRes).
Outcome judge(const Response& r) {
    if (r.fault) return Outcome::fault;
    for (const ResultCode* c : r.all_codes())
        if (const KnownCode* k = known_code(c->code); k && k->duplicate) return Outcome::duplicate;
    switch (r.operation) {
        case Operation::recep_fe:
            return has_code(r, "0260") && !r.protocol().empty() ? Outcome::authorised : Outcome::rejected;
        case Operation::recep_evento: return has_code(r, "0600") ? Outcome::registered : Outcome::rejected;
        case Operation::cons_fe: return has_code(r, "0422") ? Outcome::found : Outcome::rejected;
        case Operation::recep_lote_fe:
            return !r.batch_protocol.empty() && !has_error(r) ? Outcome::accepted : Outcome::rejected;
        case Operation::result_lote_fe: return has_error(r) ? Outcome::rejected : Outcome::found;
        case Operation::cons_ruc_dv:
            return !has_error(r) && (!r.ruc.empty() || !r.dv.empty()) ? Outcome::found : Outcome::rejected;
    }
    return Outcome::rejected;
}

void note_codes(Response& r) {
    for (const ResultCode* c : r.all_codes()) {
        if (c->effect == Effect::unknown)
            r.findings.push_back(finding("FE-DGI-CODE-UNKNOWN", Severity::warning,
                                         "result code " + c->code + " is not among the codes istmo knows (SPEC 5.4): " + c->message,
                                         "el código de resultado " + c->code + " no está entre los que istmo conoce (SPEC 5.4): " + c->message));
        else if (c->effect == Effect::error)
            r.findings.push_back(finding("FE-DGI-REJECTED", Severity::error,
                                         "result code " + c->code + " (" + known_code(c->code)->en.data() + "): " + c->message,
                                         "código de resultado " + c->code + " (" + known_code(c->code)->es.data() + "): " + c->message));
    }
}

std::string first_text(const xmlNode* parent, std::initializer_list<std::string_view> names) {
    for (const auto name : names)
        if (auto t = text_of(parent, name); !t.empty()) return t;
    return {};
}

void read_answer(const xmlNode* answer, Response& r, const ParseOptions& options) {
    r.root = std::string(local(answer));
    r.environment = text_of(answer, "iAmb");
    r.app_version = text_of(answer, "dVerApl");
    r.processed_at = text_of(answer, "dFecProc");
    if (r.root == "rProtFe" || r.root == "xProtFe") r.root = "rRetEnviFe";  // the bare protocol
    else r.results = codes_of(answer);
    collect_protocols(answer, r, options);
    r.batch_protocol = first_text(answer, {"dProtLote", "dNroLote", "dProtConsLote"});
    r.ruc = first_text(answer, {"dRuc"});
    r.dv = first_text(answer, {"dDV", "dDv"});
    r.name = first_text(answer, {"dNomb", "dRazSoc", "dNombRec"});
    xml::for_each_element_in(answer, [&](const xmlNode* node) {
        if (local(node) != "rContFe") return xml::Walk::descend;
        r.container_xml = standalone_xml(node);
        return xml::Walk::stop;
    });
}

}  // namespace

std::optional<std::string> normalise_protocol(std::string_view text) {
    if (text.size() == 20 && core::ascii::all_digits(text)) return std::string(text);
    if (text.size() == 40 && core::ascii::all_digits(text.substr(20))) return std::string(text.substr(20));
    return std::nullopt;
}

Result<Response> parse_response(Operation operation, std::string_view bytes, const ParseOptions& options) {
    xml::ParseLimits limits;
    limits.max_input_bytes = options.max_bytes;
    auto document = xml::XmlDocument::parse(bytes, limits);
    if (!document) return std::move(document).error();
    Response r;
    r.operation = operation;
    const xmlNode* top = xmlDocGetRootElement(xml::get(*document));
    if (!top) return make_error(Errc::parse_error, "empty document");
    if (local(top) == "Envelope" && (xml::is_element(top, k_soap12, "Envelope") || xml::is_element(top, k_soap11, "Envelope"))) {
        r.soap = xml::is_element(top, k_soap11, "Envelope") ? SoapVersion::soap11 : SoapVersion::soap12;
        const xmlNode* body = child(top, "Body");
        if (!body) return make_error(Errc::invalid_argument, "the SOAP envelope has no Body");
        if (const xmlNode* fault = child(body, "Fault")) {
            r.root = "Fault";
            r.fault = read_fault(fault);
            r.outcome = Outcome::fault;
            r.findings.push_back(finding("FE-DGI-SOAP-FAULT", Severity::error,
                                         "the service answered a SOAP fault: " + r.fault->code + ": " + r.fault->reason,
                                         "el servicio respondió un fallo SOAP: " + r.fault->code + ": " + r.fault->reason));
            return r;
        }
        top = body;
    }
    const xmlNode* answer = find_answer(top, operation);
    if (!answer)
        return make_error(Errc::invalid_argument, "no answer of the DGI's " + std::string(service_name(operation)) +
                                                      " service in the document (its element is " +
                                                      std::string(local(xmlDocGetRootElement(xml::get(*document)))) + ")");
    read_answer(answer, r, options);
    note_codes(r);
    r.outcome = judge(r);
    return r;
}

}  // namespace istmo::invoice::panama::dgi
