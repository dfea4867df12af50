// Finding the rFE inside the containers that receivers and PACs keep (SPEC §5.2, §5.3, §10):
// rContFe, rEnviFe, rEnviFeDGI, and SOAP envelopes around them.
#include "invoice/panama/dom.hpp"

#include "xml/document_impl.hpp"

#include <string>

namespace istmo::invoice::panama::detail {
namespace {

// Containers are matched by local name: PACs write them with and without the namespace of the
// DGI web services. The rFE itself must be in the DGI namespace.
xmlNode* child_named(const xmlNode* parent, std::string_view local_name) noexcept {
    for (xmlNode* c = xml::first_element_child(parent); c; c = xml::next_element_sibling(c))
        if (xml::sv(c->name) == local_name) return c;
    return nullptr;
}

bool is_rfe(const xmlNode* node) noexcept { return node && xml::is_element(node, k_namespace, "rFE"); }

Error no_rfe(const std::string& where) {
    return make_error(Errc::invalid_argument, where.empty()
                                                  ? "the document element is not rFE in namespace http://dgi-fep.mef.gob.pa"
                                                  : "no rFE in namespace http://dgi-fep.mef.gob.pa inside " + where);
}

// A copy of `rfe` as the document element of a new document. libxml2 declares on the copy each
// namespace the subtree uses but does not declare itself, and no other: the rFE as it stood alone.
Result<xml::XmlDocument> standalone_copy(const xmlNode* rfe) {
    internal::XmlDocPtr doc(xmlNewDoc(xml::xc("1.0")));
    if (!doc) return make_error(Errc::internal, "out of memory copying the rFE");
    xmlNode* copy = xmlDocCopyNode(const_cast<xmlNode*>(rfe), doc.get(), 1);
    if (!copy) return make_error(Errc::internal, "out of memory copying the rFE");
    xmlDocSetRootElement(doc.get(), copy);
    auto impl = std::make_unique<xml::XmlDocument::Impl>();
    impl->doc = std::move(doc);
    return xml::XmlDocument(std::move(impl));
}

Result<LocatedInvoice> from_element(const xmlNode* rfe, std::string wrapper) {
    auto own = standalone_copy(rfe);
    if (!own) return std::move(own).error();
    LocatedInvoice located;
    located.own = std::move(*own);
    located.rfe = xmlDocGetRootElement(xml::get(*located.own));
    located.source = rfe;
    located.wrapper = std::move(wrapper);
    return located;
}

// xFe: the rFE as an element (rContFe) or as text (rEnviFe, rEnviLoteFe: xs:string).
Result<LocatedInvoice> from_xfe(const xmlNode* xfe, std::string wrapper, const xml::ParseLimits& limits) {
    if (const xmlNode* element = xml::first_element_child(xfe)) {
        if (!is_rfe(element)) return no_rfe(wrapper + "/xFe");
        return from_element(element, std::move(wrapper));
    }
    auto own = xml::XmlDocument::parse(xml::text_content(xfe), limits);
    if (!own) {
        Error e = std::move(own).error();
        e.message = wrapper + "/xFe: " + e.message;
        return e;
    }
    LocatedInvoice located;
    located.own = std::move(*own);
    located.rfe = xmlDocGetRootElement(xml::get(*located.own));
    located.source = located.rfe;
    located.wrapper = std::move(wrapper);
    if (!is_rfe(located.rfe)) return no_rfe(located.wrapper + "/xFe");
    return located;
}

}  // namespace

xmlNode* child_element(const xmlNode* parent, std::string_view ns, std::string_view name) noexcept {
    for (xmlNode* c = xml::first_element_child(parent); c; c = xml::next_element_sibling(c))
        if (xml::is_element(c, ns, name)) return c;
    return nullptr;
}

Result<LocatedInvoice> locate_rfe(xml::XmlDocument& document, const xml::ParseLimits& limits) {
    xmlNode* root = xmlDocGetRootElement(xml::get(document));
    if (is_rfe(root)) {
        LocatedInvoice located;
        located.rfe = root;
        located.source = root;
        return located;
    }
    if (!root) return no_rfe("");
    std::string prefix;
    const xmlNode* node = root;
    for (const auto& [ns, name] : {std::pair{k_soap11_namespace, "soap11"}, std::pair{k_soap12_namespace, "soap12"}}) {
        if (!xml::is_element(root, ns, "Envelope")) continue;
        const xmlNode* body = child_element(root, ns, "Body");
        if (!body) return no_rfe(std::string(name) + " Envelope (no Body)");
        node = xml::first_element_child(body);
        if (node && xml::sv(node->name) == "feDatosMsg") node = xml::first_element_child(node);
        if (!node) return no_rfe(std::string(name) + " Body");
        prefix = std::string(name) + "/";
    }
    const std::string_view container = xml::sv(node->name);
    std::string wrapper = prefix + std::string(container);
    if (container == "rContFe" || container == "rEnviFe" || container == "rEnviLoteFe") {
        const xmlNode* xfe = child_named(node, "xFe");
        if (!xfe) return no_rfe(wrapper + " (no xFe)");
        return from_xfe(xfe, std::move(wrapper), limits);
    }
    if (container == "rEnviFeDGI") {
        const xmlNode* rfe = child_element(node, k_namespace, "rFE");
        if (!rfe) return no_rfe(wrapper);
        return from_element(rfe, std::move(wrapper));
    }
    if (prefix.empty()) return no_rfe("");
    return no_rfe(wrapper);
}

}  // namespace istmo::invoice::panama::detail
