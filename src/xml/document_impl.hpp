#pragma once
// Internal: the libxml2 document behind XmlDocument, and small DOM helpers.
#include <istmo/xml/document.hpp>

#include "internal/c_ptr.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace istmo::xml {

struct XmlDocument::Impl {
    internal::XmlDocPtr doc;
};

inline xmlDocPtr get(const XmlDocument& document) noexcept { return document.impl().doc.get(); }

// libxml2 strings are unsigned char; these views avoid casts all over the code.
inline const xmlChar* xc(const char* s) noexcept { return reinterpret_cast<const xmlChar*>(s); }
inline std::string_view sv(const xmlChar* s) noexcept {
    return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
}

// True when node is an element with this local name and namespace URI.
bool is_element(const xmlNode* node, std::string_view ns, std::string_view local_name) noexcept;
// First/next element child (skipping text, comments, PIs).
xmlNodePtr first_element_child(const xmlNode* node) noexcept;
xmlNodePtr next_element_sibling(const xmlNode* node) noexcept;
// Concatenated text content of a node (its descendants' text).
std::string text_content(const xmlNode* node);
// Attribute value without namespace, or nullopt-like empty + found flag.
bool get_attribute(const xmlNode* node, const char* name, std::string& value);
// True when `ancestor` is `node` or one of its ancestors.
bool is_within(const xmlNode* node, const xmlNode* ancestor) noexcept;
// "/Invoice[1]/Item[3]" style path, for reports.
std::string node_path(const xmlNode* node);
// node_path(node) when `ancestor` (an ancestor of node) has the path `ancestor_path`: the
// ancestor's own steps are not walked again (its preceding siblings can be many).
std::string node_path_below(const xmlNode* node, const xmlNode* ancestor, std::string_view ancestor_path);
// 1-based source line of a node (0 when unknown).
int line_of(const xmlNode* node) noexcept;

// The whole document in UTF-8 with its XML declaration; nothing when libxml2 cannot write it.
std::optional<std::string> serialize_utf8(xmlDoc* doc);

// The document as `original` with `appended` -- just added as the last child of the document
// element -- written in front of the document element's end tag, so every byte of the input
// stays as it was and only the new subtree is serialized. Nothing when that cannot be done
// exactly (input not in UTF-8, anything after the document element, a self-closing document
// element, a namespace the subtree uses without declaring it); the caller then serializes the
// whole document.
std::optional<std::string> splice_appended_child(std::string_view original, const xmlDoc* doc,
                                                 const xmlNode* appended);
// The same for a caller without a DOM of the original (the streaming signer, which checks the
// encoding itself): `subtree`, which declares every namespace it uses, serialized alone and
// written in front of the end tag of the document element named `root_qname` ("p:name").
std::optional<std::string> splice_before_root_end(std::string_view original, std::string_view root_qname,
                                                  const xmlNode* subtree);
// The same with the subtree's text already written (the streaming signer writes its signature
// without libxml2 nodes).
std::optional<std::string> splice_text_before_root_end(std::string_view original, std::string_view root_qname,
                                                       std::string_view text);

enum class Walk { descend, skip_children, stop };

// Visits the element `top` and every element below it in document order, iteratively (no
// recursion, so any nesting depth is safe). visit(const xmlNode*) returns whether to descend
// into the element, skip its subtree, or stop the walk.
template <class Visit>
void for_each_element_in(const xmlNode* top, Visit&& visit) {
    for (const xmlNode* node = top; node;) {
        if (node->type == XML_ELEMENT_NODE) {
            const Walk next = visit(node);
            if (next == Walk::stop) return;
            if (next == Walk::descend && node->children) {
                node = node->children;
                continue;
            }
        }
        while (node != top && !node->next) node = node->parent;
        node = node == top ? nullptr : node->next;
    }
}

// The same over the whole document (its root element is the only element at the top).
template <class Visit>
void for_each_element(const xmlDoc* doc, Visit&& visit) {
    if (const xmlNode* root = xmlDocGetRootElement(doc)) for_each_element_in(root, std::forward<Visit>(visit));
}

}  // namespace istmo::xml
