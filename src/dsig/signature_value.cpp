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

// C14N 1.0 and exclusive C14N run the direct canonicalizer over SignedInfo in place (one walk,
// no copy). C14N 1.1 is libxml2's, whose node-set callback visits every node of the document:
// for it, the small SignedInfo subtree is copied into its own document and that whole document
// canonicalized, which gives the same octets at a fraction of the cost, unless an ancestor holds
// xml:* attributes that C14N 1.1 would inherit into the subset (then the reference path runs).
Result<std::string> compute_signed_info_octets(xmlDocPtr doc, const xmlNode* signed_info,
                                               const xml::C14nMethod& method) {
    if (method.algorithm != xml::C14nAlgorithm::inclusive_1_1) {
        xml::StringSink sink;
        const xml::NodeSubset subset{signed_info, nullptr, method.with_comments};
        auto done = xml::canonicalize_dom(doc, method, subset, sink);
        if (done) return std::move(sink.text);
        // Nodes the direct canonicalizer does not render (entity references): libxml2's path.
        if (done.error().code != Errc::unsupported) return std::move(done).error();
        return compute_signed_info_octets_by_filter(doc, signed_info, method);
    }
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
