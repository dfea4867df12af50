#include "dsig/signature_value.hpp"

#include "internal/c_ptr.hpp"

#include <cstring>

namespace istmo::dsig {

Result<std::string> compute_signed_info_octets_by_filter(xmlDocPtr doc, const xmlNode* signed_info,
                                                         const xml::C14nMethod& method) {
    xml::StringSink sink;
    xml::NodeSubset subset{signed_info, nullptr, method.with_comments};
    if (auto done = xml::canonicalize(doc, method, subset, sink); !done) return std::move(done).error();
    return std::move(sink.text);
}

namespace {

bool ancestors_have_xml_attributes(const xmlNode* node) {
    for (const xmlNode* n = node->parent; n && n->type == XML_ELEMENT_NODE; n = n->parent)
        for (const xmlAttr* a = n->properties; a; a = a->next)
            if (a->ns && a->ns->prefix && std::strcmp(reinterpret_cast<const char*>(a->ns->prefix), "xml") == 0) return true;
    return false;
}

}  // namespace

// Why a copy: libxml2's C14N with a node-set callback visits every node of the document and
// asks the callback about each; copying the small SignedInfo subtree into its own document and
// canonicalizing that whole document gives the same octets at a fraction of the cost.
// C14N 1.0 would inherit xml:* attributes from ancestors into the subset: such inputs take the
// reference path.
Result<std::string> compute_signed_info_octets(xmlDocPtr doc, const xmlNode* signed_info,
                                               const xml::C14nMethod& method) {
    if (ancestors_have_xml_attributes(signed_info)) return compute_signed_info_octets_by_filter(doc, signed_info, method);
    internal::XmlDocPtr mini(xmlNewDoc(reinterpret_cast<const xmlChar*>("1.0")));
    if (!mini) return make_error(Errc::internal, "cannot allocate a document");
    xmlNodePtr copy = xmlDocCopyNode(const_cast<xmlNode*>(signed_info), mini.get(), 1);
    if (!copy) return make_error(Errc::internal, "cannot copy SignedInfo");
    xmlDocSetRootElement(mini.get(), copy);
    // Every namespace in scope at SignedInfo (nearest declaration wins), as on the original.
    if (xmlNsPtr* in_scope = xmlGetNsList(doc, signed_info)) {
        for (xmlNsPtr* ns = in_scope; *ns; ++ns) {
            bool declared = false;
            for (xmlNsPtr d = copy->nsDef; d && !declared; d = d->next)
                declared = xmlStrEqual(d->prefix, (*ns)->prefix) != 0;
            if (!declared) xmlNewNs(copy, (*ns)->href, (*ns)->prefix);
        }
        xmlFree(in_scope);
    }
    xml::StringSink sink;
    xml::NodeSubset whole{nullptr, nullptr, method.with_comments};
    if (auto done = xml::canonicalize(mini.get(), method, whole, sink); !done) return std::move(done).error();
    return std::move(sink.text);
}

}  // namespace istmo::dsig
