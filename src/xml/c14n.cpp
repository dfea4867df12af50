#include "xml/c14n.hpp"

#include "xml/document_impl.hpp"

#include <libxml/c14n.h>

namespace istmo::xml {
namespace {

int is_visible(void* user_data, xmlNodePtr node, xmlNodePtr parent) {
    const auto* subset = static_cast<const NodeSubset*>(user_data);
    // Namespace nodes are xmlNs structs: decide by the element that carries them.
    const xmlNode* anchor = node;
    if (node->type == XML_NAMESPACE_DECL || node->type == XML_ATTRIBUTE_NODE) anchor = parent;
    if (node->type == XML_COMMENT_NODE && !subset->keep_comments) return 0;
    if (!anchor) return 0;
    if (subset->excluded && is_within(anchor, subset->excluded)) return 0;
    if (subset->excluded_extra && is_within(anchor, subset->excluded_extra)) return 0;
    if (subset->exclude_all_signatures)
        for (const xmlNode* n = anchor; n; n = n->parent)
            if (n->type == XML_ELEMENT_NODE && n->ns && xmlStrEqual(n->name, reinterpret_cast<const xmlChar*>("Signature")) &&
                xmlStrEqual(n->ns->href, reinterpret_cast<const xmlChar*>("http://www.w3.org/2000/09/xmldsig#")))
                return 0;
    if (subset->apex && subset->apex->type != XML_DOCUMENT_NODE && !is_within(anchor, subset->apex)) return 0;
    return 1;
}

int sink_write(void* context, const char* buffer, int len) {
    if (len > 0) static_cast<ByteSink*>(context)->write(buffer, static_cast<std::size_t>(len));
    return len;
}

int sink_close(void*) { return 0; }

}  // namespace

Result<void> canonicalize(xmlDocPtr doc, const C14nMethod& method, const NodeSubset& subset, ByteSink& sink) {
    if (method.algorithm == C14nAlgorithm::inclusive_1_1) return canonicalize_libxml2(doc, method, subset, sink);
    return canonicalize_dom(doc, method, subset, sink);
}

Result<void> canonicalize_libxml2(xmlDocPtr doc, const C14nMethod& method, const NodeSubset& subset,
                                  ByteSink& sink) {
    int mode = XML_C14N_1_0;
    if (method.algorithm == C14nAlgorithm::exclusive_1_0) mode = XML_C14N_EXCLUSIVE_1_0;
    if (method.algorithm == C14nAlgorithm::inclusive_1_1) mode = XML_C14N_1_1;

    std::vector<xmlChar*> prefixes;
    for (const std::string& p : method.inclusive_prefixes)
        prefixes.push_back(const_cast<xmlChar*>(reinterpret_cast<const xmlChar*>(p.c_str())));
    prefixes.push_back(nullptr);

    xmlOutputBufferPtr raw = xmlOutputBufferCreateIO(sink_write, sink_close, &sink, nullptr);
    if (!raw) return make_error(Errc::internal, "cannot create a C14N output buffer");
    internal::XmlOutputBufferPtr out(raw);

    const bool whole_document = subset.excluded == nullptr && subset.excluded_extra == nullptr &&
                                !subset.exclude_all_signatures &&
                                (subset.apex == nullptr || subset.apex->type == XML_DOCUMENT_NODE) &&
                                subset.keep_comments == method.with_comments;
    int rc = xmlC14NExecute(doc, whole_document ? nullptr : is_visible,
                            const_cast<NodeSubset*>(&subset), mode,
                            mode == XML_C14N_EXCLUSIVE_1_0 && method.inclusive_prefixes.size() ? prefixes.data() : nullptr,
                            method.with_comments ? 1 : 0, out.get());
    if (rc < 0) return make_error(Errc::internal, "XML canonicalization failed");
    if (xmlOutputBufferFlush(out.get()) < 0) return make_error(Errc::internal, "XML canonicalization output failed");
    return {};
}

}  // namespace istmo::xml
