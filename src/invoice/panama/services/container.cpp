// rContFe (ContenedorFE_v1.00.xsd, ContenedorEvento_v1.00.xsd): the signed rFE, its protocol and
// the events, as the receiver gets them; built from the parts, and checked for agreement.
#include <istmo/invoice/dgi_events.hpp>
#include <istmo/invoice/panama.hpp>

#include "invoice/panama/services/services_internal.hpp"
#include "xml/document_impl.hpp"

#include <istmo/report/json.hpp>
#include <istmo/xml/document.hpp>

namespace istmo::invoice::panama::dgi {

namespace {

using report::Severity;
using detail::finding;

// The document's text without its XML declaration, after checking its document element.
Result<std::string> part(std::string_view text, std::initializer_list<std::string_view> roots, std::string_view what) {
    auto doc = xml::XmlDocument::parse(text);
    if (!doc) {
        Error e = std::move(doc).error();
        e.message = std::string(what) + " is not XML: " + e.message;
        return e;
    }
    const std::string root = doc->root_name();
    bool known = false;
    for (const auto r : roots) known = known || root == r;
    if (!known) return make_error(Errc::invalid_argument, std::string(what) + " has the wrong document element (" + root + ")");
    std::string_view body = text;
    if (const auto start = body.find('<'); start != std::string_view::npos && body.substr(start, 5) == "<?xml") {
        const auto end = body.find("?>", start);
        if (end != std::string_view::npos) body.remove_prefix(end + 2);
    }
    return std::string(body);
}

const xmlNode* child_named(const xmlNode* parent, std::string_view name) {
    for (const xmlNode* c = parent ? xml::first_element_child(parent) : nullptr; c; c = xml::next_element_sibling(c))
        if (xml::sv(c->name) == name) return c;
    return nullptr;
}

std::string text_at(const xmlNode* node, std::initializer_list<std::string_view> path) {
    for (const auto name : path) node = child_named(node, name);
    if (!node) return {};
    std::string t = xml::text_content(node);
    const auto a = t.find_first_not_of(" \t\r\n");
    return a == std::string::npos ? std::string() : t.substr(a, t.find_last_not_of(" \t\r\n") - a + 1);
}

void structure(ContainerReport& r, const std::string& en, const std::string& es) {
    r.findings.push_back(finding("FE-CONT-STRUCTURE", Severity::error, en, es));
}

void mismatch(ContainerReport& r, const std::string& en, const std::string& es) {
    r.findings.push_back(finding("FE-CONT-MISMATCH", Severity::error, en, es));
}

void check_events(const xmlNode* events, ContainerReport& r) {
    if (!xml::first_element_child(events))
        structure(r, "xContEv holds no rContEv (the schema requires at least one)",
                  "xContEv no contiene ningún rContEv (el esquema exige al menos uno)");
    for (const xmlNode* ev = xml::first_element_child(events); ev; ev = xml::next_element_sibling(ev)) {
        const xmlNode* event = xml::first_element_child(child_named(ev, "xEvento"));
        if (xml::sv(ev->name) != "rContEv" || !event) {
            structure(r, "xContEv holds an element that is not rContEv with an event in xEvento",
                      "xContEv contiene un elemento que no es rContEv con un evento en xEvento");
            continue;
        }
        const std::string kind(xml::sv(event->name));
        // The authorisation as an event is an rProtFe: dCUFE, and the protocol under dProAut.
        const bool authorisation = kind == "rProtFe";
        const std::string cufe = text_at(event, {"gInfProt", authorisation ? "dCUFE" : "dCufe"});
        std::string prot = text_at(event, {"gInfProt", "dProtAut"});
        if (authorisation && prot.empty()) prot = text_at(event, {"gInfProt", "dProAut"});
        if (authorisation) prot = normalise_protocol(prot).value_or(prot);
        if (!cufe.empty() && cufe != r.cufe)
            mismatch(r, kind + " refers to CUFE " + cufe + ", the rFE is " + r.cufe,
                     kind + " se refiere al CUFE " + cufe + ", el rFE es " + r.cufe);
        if (!prot.empty() && prot != r.protocol)
            mismatch(r, kind + " refers to protocol " + prot + ", the container's is " + r.protocol,
                     kind + " se refiere al protocolo " + prot + ", el del contenedor es " + r.protocol);
    }
}

}  // namespace

Result<std::string> build_container(std::string_view signed_rfe, std::string_view protocol,
                                    const std::vector<std::string>& events) {
    auto rfe = part(signed_rfe, {"rFE"}, "the rFE");
    if (!rfe) return std::move(rfe).error();
    auto prot = part(protocol, {"rProtFe"}, "the protocol");
    if (!prot) return std::move(prot).error();
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rContFe><dVerForm>1.00</dVerForm><xFe>" + *rfe +
                      "</xFe><xProtFe>" + *prot + "</xProtFe><xContEv>";
    for (const auto& e : events) {
        auto event = part(e, {"rEvManifRecep", "rEvAnulaFe", "rEvReferenciada"}, "an event");
        if (!event) return std::move(event).error();
        out += "<rContEv><dVerForm>1.00</dVerForm><xEvento>" + *event + "</xEvento></rContEv>";
    }
    // The schema requires at least one rContEv. Without other events the authorisation is the
    // invoice's one event (the DGI portal lists its events starting with it, SPEC §10): its
    // protocol goes in xEvento. UNVERIFIED: no real rContFe without events was seen.
    if (events.empty()) out += "<rContEv><dVerForm>1.00</dVerForm><xEvento>" + *prot + "</xEvento></rContEv>";
    out += "</xContEv></rContFe>\n";
    return out;
}

Result<ContainerReport> validate_container(std::string_view text) {
    auto doc = xml::XmlDocument::parse(text);
    if (!doc) return std::move(doc).error();
    ContainerReport r;
    const xmlNode* root = xmlDocGetRootElement(xml::get(*doc));
    if (xml::sv(root->name) != "rContFe") {
        structure(r, "the document element is not rContFe", "el elemento raíz no es rContFe");
        return r;
    }
    const xmlNode* rfe = xml::first_element_child(child_named(root, "xFe"));
    const xmlNode* prot = xml::first_element_child(child_named(root, "xProtFe"));
    const xmlNode* events = child_named(root, "xContEv");
    if (!rfe || !xml::is_element(rfe, "http://dgi-fep.mef.gob.pa", "rFE"))
        structure(r, "rContFe/xFe holds no rFE", "rContFe/xFe no contiene un rFE");
    if (!prot || xml::sv(prot->name) != "rProtFe")
        structure(r, "rContFe/xProtFe holds no rProtFe", "rContFe/xProtFe no contiene un rProtFe");
    if (!events) structure(r, "rContFe has no xContEv", "rContFe no tiene xContEv");
    if (!rfe || !prot) return r;
    r.cufe = text_at(rfe, {"dId"});
    const std::string prot_cufe = text_at(prot, {"gInfProt", "dCUFE"});
    const xmlNode* info = child_named(prot, "gInfProt");
    std::string number = text_at(info, {"dProAut"});
    if (number.empty()) number = text_at(info, {"dProtAut"});
    r.protocol = normalise_protocol(number).value_or(number);
    if (prot_cufe != r.cufe)
        mismatch(r, "the protocol is for CUFE " + prot_cufe + ", the rFE is " + r.cufe,
                 "el protocolo es del CUFE " + prot_cufe + ", el rFE es " + r.cufe);
    bool authorised = false;
    for (const xmlNode* c = xml::first_element_child(info); c; c = xml::next_element_sibling(c))
        authorised = authorised || (xml::sv(c->name) == "gResProc" && text_at(c, {"dCodRes"}) == "0260");
    if (!authorised || r.protocol.empty())
        r.findings.push_back(finding("FE-CONT-NOT-AUTHORISED", Severity::error,
                                     "the container's protocol does not authorise the rFE (no 0260 with a protocol number)",
                                     "el protocolo del contenedor no autoriza el rFE (no hay 0260 con número de protocolo)"));
    if (events) check_events(events, r);
    return r;
}

bool ContainerReport::passed() const noexcept {
    for (const auto& f : findings)
        if (f.severity == report::Severity::error) return false;
    return true;
}

std::string ContainerReport::to_json() const {
    report::JsonWriter w;
    w.begin_object().member("passed", passed());
    w.key("cufe").string_or_null(cufe);
    w.key("protocol").string_or_null(protocol);
    w.key("findings");
    report::write_findings(w, findings);
    w.end_object();
    return std::move(w).take();
}

}  // namespace istmo::invoice::panama::dgi
