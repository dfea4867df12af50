// The direct canonicalizer: C14N 1.0 and exclusive C14N 1.0 (with or without comments) of a
// document or an element subtree, minus left-out subtrees, in one iterative walk over the
// libxml2 DOM. It renders what libxml2's xmlC14NExecute renders for the same node-set (the
// tests compare both byte for byte), including libxml2's choices where the specs leave room:
// namespace values are written as libxml2 writes them (not escaped, quoted by
// xmlBufWriteQuotedString's rule), and comment/PI text escapes only CR.
#include "xml/c14n.hpp"
#include "xml/c14n_output.hpp"
#include "xml/document_impl.hpp"

#include <libxml/uri.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

namespace istmo::xml {
namespace {

constexpr std::string_view k_xml_ns_uri = "http://www.w3.org/XML/1998/namespace";
constexpr std::string_view k_ds_ns_uri = "http://www.w3.org/2000/09/xmldsig#";

// NULL and "" are the same string here, as in libxml2's C14N. Prefixes and URIs usually come
// from the same xmlNs (or the parser's dictionary): equal pointers are not measured.
bool same(const xmlChar* a, const xmlChar* b) noexcept { return a == b || sv(a) == sv(b); }
bool is_xml_ns(const xmlNs* ns) noexcept { return ns && sv(ns->prefix) == "xml" && sv(ns->href) == k_xml_ns_uri; }
bool is_empty_default(const xmlChar* prefix, const xmlChar* href) noexcept { return sv(prefix).empty() && sv(href).empty(); }

// xmlSearchNs without its special case for the "xml" prefix (that namespace is never rendered).
const xmlNs* find_in_scope(const xmlNode* element, const xmlChar* prefix) noexcept {
    const bool want_default = sv(prefix).empty();
    auto matches = [&](const xmlNs* ns) {
        if (!ns->href) return false;
        return want_default ? ns->prefix == nullptr : (ns->prefix && sv(ns->prefix) == sv(prefix));
    };
    for (const xmlNode* n = element; n; n = n->parent) {
        if (n->type == XML_ENTITY_REF_NODE || n->type == XML_ENTITY_NODE || n->type == XML_ENTITY_DECL) return nullptr;
        if (n->type != XML_ELEMENT_NODE) continue;
        for (const xmlNs* ns = n->nsDef; ns; ns = ns->next)
            if (matches(ns)) return ns;
        if (n != element && n->ns && matches(n->ns)) return n->ns;
    }
    return nullptr;
}

// libxml2's attribute order: unqualified first, then by namespace URI, then by local name.
bool attribute_less(const xmlAttr* a, const xmlAttr* b) noexcept {
    if (a->ns == b->ns) return sv(a->name) < sv(b->name);
    if (!a->ns) return true;
    if (!b->ns) return false;
    if (!a->ns->prefix) return true;
    if (!b->ns->prefix) return false;
    const int by_uri = sv(a->ns->href).compare(sv(b->ns->href));
    return by_uri != 0 ? by_uri < 0 : sv(a->name) < sv(b->name);
}

bool namespace_less(const xmlNs* a, const xmlNs* b) noexcept {
    if (!a->prefix) return b->prefix != nullptr;
    if (!b->prefix) return false;
    return sv(a->prefix) < sv(b->prefix);
}

enum class Position { before_document_element, inside_document_element, after_document_element };

class DomCanonicalizer {
public:
    DomCanonicalizer(const C14nMethod& method, const NodeSubset& subset, ByteSink& sink)
        : m_method(method), m_subset(subset), m_out(sink),
          m_exclusive(method.algorithm == C14nAlgorithm::exclusive_1_0),
          m_comments(method.with_comments && subset.keep_comments) {
        // One allocation each for the usual depth and attribute count, not one per doubling.
        m_frames.reserve(16);
        m_stack.reserve(16);
        m_attributes.reserve(8);
    }

    Result<void> run(xmlDocPtr doc) {
        const xmlNode* apex = m_subset.apex;
        if (!apex || apex->type == XML_DOCUMENT_NODE) {
            for (const xmlNode* n = doc->children; n && m_error.empty(); n = n->next) walk(n);
        } else if (apex->type == XML_ELEMENT_NODE) {
            for (const xmlNode* n = apex->parent; n && n->type == XML_ELEMENT_NODE; n = n->parent) check_namespaces(n);
            if (!apex_left_out(apex)) {
                m_element_apex = true;
                walk(apex);
            }
        } else {
            return make_error(Errc::unsupported, "canonicalization of this node type is not supported");
        }
        m_out.flush();
        if (!m_error.empty()) return make_error(m_error_code, m_error);
        return {};
    }

private:
    struct Frame {
        const xmlNode* element;
        std::size_t stack_size;
        std::size_t parent_begin;
        bool document_element;  // the element that moved the position to "inside"
    };
    struct Rendered {
        const xmlChar* prefix;
        const xmlChar* href;
    };

    bool left_out(const xmlNode* element) const noexcept {
        if (element == m_subset.excluded || element == m_subset.excluded_extra) return true;
        return m_subset.exclude_all_signatures && element->ns && sv(element->name) == "Signature" &&
               sv(element->ns->href) == k_ds_ns_uri;
    }
    // The apex itself lies inside a left-out subtree: the node-set is empty.
    bool apex_left_out(const xmlNode* apex) const noexcept {
        for (const xmlNode* n = apex; n && n->type == XML_ELEMENT_NODE; n = n->parent)
            if (left_out(n)) return true;
        return false;
    }

    void fail(Errc code, std::string message) {
        if (!m_error.empty()) return;
        m_error_code = code;
        m_error = std::move(message);
    }

    // C14N fails on relative namespace URIs; libxml2 checks every element it walks.
    void check_namespaces(const xmlNode* element) {
        for (const xmlNs* ns = element->nsDef; ns; ns = ns->next) {
            if (sv(ns->href).empty() || sv(ns->href) == m_last_absolute) continue;
            if (!known_absolute(sv(ns->href))) {
                xmlURIPtr uri = xmlParseURI(reinterpret_cast<const char*>(ns->href));
                const bool absolute = uri && uri->scheme && *uri->scheme;
                xmlFreeURI(uri);
                if (!absolute) return fail(Errc::invalid_argument, "relative namespace URI: canonicalization fails (C14N 1.0 section 2.3)");
                remember_absolute(sv(ns->href));
            }
            m_last_absolute = sv(ns->href);
        }
    }

    // The last few namespace URIs xmlParseURI found absolute on this thread: a signature's
    // ds, xades and document namespaces come back in every canonicalization (SignedInfo, each
    // reference, each document), and parsing one costs more than canonicalizing an element.
    struct AbsoluteUris {
        static constexpr std::size_t k_slots = 8;
        static constexpr std::size_t k_max_length = 256;
        std::array<std::string, k_slots> uris;
        std::size_t next = 0;
    };
    static AbsoluteUris& absolute_uris() {
        thread_local AbsoluteUris cache;
        return cache;
    }
    static bool known_absolute(std::string_view href) {
        const AbsoluteUris& cache = absolute_uris();
        return std::find(cache.uris.begin(), cache.uris.end(), href) != cache.uris.end();
    }
    static void remember_absolute(std::string_view href) {
        if (href.size() > AbsoluteUris::k_max_length) return;
        AbsoluteUris& cache = absolute_uris();
        cache.uris[cache.next].assign(href);
        cache.next = (cache.next + 1) % AbsoluteUris::k_slots;
    }
    void check_namespaces_below(const xmlNode* top) {
        for_each_element_in(top, [&](const xmlNode* e) {
            check_namespaces(e);
            return Walk::descend;
        });
    }

    // Iterative walk of one top-level node and its subtree (no recursion: any depth is safe).
    void walk(const xmlNode* top) {
        const xmlNode* node = top;
        while (m_error.empty()) {
            if (enter(node)) {
                node = node->children;
                continue;
            }
            while (node != top && !node->next) {
                node = node->parent;
                leave();
            }
            if (node == top) return;
            node = node->next;
        }
    }

    // Renders the node; returns true when it is an element whose children are to be walked.
    bool enter(const xmlNode* node) {
        switch (node->type) {
            case XML_ELEMENT_NODE:
                if (left_out(node)) {
                    check_namespaces_below(node);
                    return false;
                }
                check_namespaces(node);
                open_element(node);
                if (node->children) return true;
                leave();
                return false;
            case XML_TEXT_NODE:
            case XML_CDATA_SECTION_NODE:
                if (node->content) put_escaped(m_out, sv(node->content), Escape::text);
                return false;
            case XML_COMMENT_NODE:
                if (m_comments) put_outside_markup("<!--", node->content, "-->");
                return false;
            case XML_PI_NODE:
                put_processing_instruction(node);
                return false;
            case XML_DTD_NODE:
            case XML_DOCUMENT_TYPE_NODE:
            case XML_NOTATION_NODE:
            case XML_ELEMENT_DECL:
            case XML_ATTRIBUTE_DECL:
            case XML_ENTITY_DECL:
            case XML_XINCLUDE_START:
            case XML_XINCLUDE_END:
                return false;
            default:
                fail(Errc::unsupported, "canonicalization input holds an entity reference or an unexpected node");
                return false;
        }
    }

    void put_outside_markup(const char* open, const xmlChar* content, const char* close) {
        if (m_position == Position::after_document_element) m_out.put('\n');
        m_out.put(open);
        if (content) put_escaped(m_out, sv(content), Escape::comment_or_pi);
        m_out.put(close);
        if (m_position == Position::before_document_element) m_out.put('\n');
    }

    void put_processing_instruction(const xmlNode* node) {
        if (m_position == Position::after_document_element) m_out.put('\n');
        m_out.put("<?");
        m_out.put(sv(node->name));
        if (node->content && *node->content) {
            m_out.put(' ');
            put_escaped(m_out, sv(node->content), Escape::comment_or_pi);
        }
        m_out.put("?>");
        if (m_position == Position::before_document_element) m_out.put('\n');
    }

    void put_qname(const xmlNode* element) {
        if (element->ns && element->ns->prefix && *element->ns->prefix) {
            m_out.put(sv(element->ns->prefix));
            m_out.put(':');
        }
        m_out.put(sv(element->name));
    }

    void open_element(const xmlNode* element) {
        const bool top = m_frames.empty();
        Frame frame{element, m_stack.size(), m_parent_begin, false};
        if (m_parent_is_document) {
            m_parent_is_document = false;
            m_position = Position::inside_document_element;
            frame.document_element = true;
        }
        m_out.put('<');
        put_qname(element);
        if (m_exclusive) exclusive_namespaces(element);
        else inclusive_namespaces(element, top);
        m_parent_begin = frame.stack_size;
        put_attributes(element, top);
        m_out.put('>');
        m_frames.push_back(frame);
    }

    void leave() {
        const Frame frame = m_frames.back();
        m_frames.pop_back();
        m_out.put("</");
        put_qname(frame.element);
        m_out.put('>');
        if (frame.document_element) {
            m_parent_is_document = true;
            m_position = Position::after_document_element;
        }
        m_stack.resize(frame.stack_size);
        m_parent_begin = frame.parent_begin;
    }

    // ---- namespace axis ----------------------------------------------------------------------

    void put_namespace(const xmlChar* prefix, const xmlChar* href) { xml::put_namespace(m_out, sv(prefix), sv(href)); }

    void put_namespace_list() {
        std::sort(m_ns_list.begin(), m_ns_list.end(), namespace_less);
        for (const xmlNs* ns : m_ns_list) put_namespace(ns->prefix, ns->href);
    }

    // C14N 1.0: the element without an output parent renders every namespace in scope; any
    // other renders the declarations whose value differs from its parent's in-scope one.
    void inclusive_namespaces(const xmlNode* element, bool top) {
        m_ns_list.clear();
        if (top) {
            for (const xmlNode* n = element; n && n->type == XML_ELEMENT_NODE; n = n->parent)
                for (const xmlNs* ns = n->nsDef; ns; ns = ns->next) {
                    if (sv(ns->prefix) == "xml" || find_in_scope(element, ns->prefix) != ns) continue;
                    if (!is_empty_default(ns->prefix, ns->href)) m_ns_list.push_back(ns);
                }
        } else {
            for (const xmlNs* ns = element->nsDef; ns; ns = ns->next) {
                if (sv(ns->prefix) == "xml" || find_in_scope(element, ns->prefix) != ns) continue;
                const xmlNs* inherited = find_in_scope(element->parent, ns->prefix);
                const bool rendered = inherited ? same(inherited->href, ns->href) : is_empty_default(ns->prefix, ns->href);
                if (!rendered) m_ns_list.push_back(ns);
            }
        }
        put_namespace_list();
    }

    // libxml2's xmlC14NVisibleNsStackFind: among the output parent's and this element's entries.
    bool rendered_by_parent(const xmlChar* prefix, const xmlChar* href) const noexcept {
        const bool empty_default = is_empty_default(prefix, href);
        const std::size_t begin = empty_default ? 0 : m_parent_begin;
        for (std::size_t i = m_stack.size(); i-- > begin;)
            if (same(prefix, m_stack[i].prefix)) return same(href, m_stack[i].href);
        return empty_default;
    }
    // libxml2's xmlExcC14NVisibleNsStackFind: among every output ancestor's entries.
    bool rendered_by_ancestor(const xmlChar* prefix, const xmlChar* href) const noexcept {
        for (std::size_t i = m_stack.size(); i-- > 0;)
            if (same(prefix, m_stack[i].prefix)) return same(href, m_stack[i].href);
        return is_empty_default(prefix, href);
    }

    // Exclusive C14N: the namespaces visibly utilized by the element and its attributes, and
    // those of the InclusiveNamespaces PrefixList, unless an output ancestor rendered them.
    void exclusive_namespaces(const xmlNode* element) {
        m_ns_list.clear();
        bool has_default = false;
        bool uses_empty_default = false;
        bool default_in_prefix_list = false;
        for (const std::string& listed : m_method.inclusive_prefixes) {
            const xmlChar* prefix = xc(listed.c_str());
            if (listed == "#default" || listed.empty()) {
                prefix = nullptr;
                default_in_prefix_list = true;
            } else if (listed == "xml") {
                continue;
            }
            const xmlNs* ns = find_in_scope(element, prefix);
            if (!ns || is_xml_ns(ns)) continue;
            if (!rendered_by_parent(ns->prefix, ns->href)) m_ns_list.push_back(ns);
            m_stack.push_back({ns->prefix, ns->href});
            has_default = has_default || sv(ns->prefix).empty();
        }
        const xmlNs* own = element->ns;
        if (!own) {
            own = find_in_scope(element, nullptr);
            uses_empty_default = true;
        }
        if (own && !is_xml_ns(own)) {
            if (!rendered_by_ancestor(own->prefix, own->href)) m_ns_list.push_back(own);
            m_stack.push_back({own->prefix, own->href});
            has_default = has_default || sv(own->prefix).empty();
        }
        for (const xmlAttr* attr = element->properties; attr; attr = attr->next) {
            if (attr->ns && !is_xml_ns(attr->ns)) {
                if (!rendered_by_ancestor(attr->ns->prefix, attr->ns->href)) m_ns_list.push_back(attr->ns);
                m_stack.push_back({attr->ns->prefix, attr->ns->href});
                has_default = has_default || sv(attr->ns->prefix).empty();
            } else if (attr->ns && is_empty_default(attr->ns->prefix, attr->ns->href)) {
                uses_empty_default = true;
            }
        }
        if (!has_default && uses_empty_default && !default_in_prefix_list) {
            if (!rendered_by_ancestor(nullptr, nullptr)) put_namespace(nullptr, nullptr);
        } else if (!has_default && default_in_prefix_list) {
            if (!rendered_by_parent(nullptr, nullptr)) put_namespace(nullptr, nullptr);
        }
        put_namespace_list();
    }

    // ---- attribute axis ----------------------------------------------------------------------

    void put_attributes(const xmlNode* element, bool top) {
        m_attributes.clear();
        for (const xmlAttr* attr = element->properties; attr; attr = attr->next) m_attributes.push_back(attr);
        // C14N 1.0 document subset: the apex inherits the nearest xml:* attributes of its
        // ancestors that it does not carry itself (exclusive C14N omits this).
        if (!m_exclusive && top && m_element_apex) {
            for (const xmlNode* n = element->parent; n && n->type == XML_ELEMENT_NODE; n = n->parent)
                for (const xmlAttr* attr = n->properties; attr; attr = attr->next) {
                    if (!is_xml_ns(attr->ns)) continue;
                    const bool present = std::any_of(m_attributes.begin(), m_attributes.end(), [&](const xmlAttr* a) {
                        return !attribute_less(a, attr) && !attribute_less(attr, a);
                    });
                    if (!present) m_attributes.push_back(attr);
                }
        }
        // libxml2 puts an attribute before the earlier ones it compares equal to (the same
        // name and namespace URI under two prefixes, which its parser lets through).
        if (m_attributes.size() > 1) {  // (stable_sort takes a buffer even for one element)
            std::reverse(m_attributes.begin(), m_attributes.end());
            std::stable_sort(m_attributes.begin(), m_attributes.end(), attribute_less);
        }
        for (const xmlAttr* attr : m_attributes) {
            m_out.put(' ');
            if (attr->ns && attr->ns->prefix && *attr->ns->prefix) {
                m_out.put(sv(attr->ns->prefix));
                m_out.put(':');
            }
            m_out.put(sv(attr->name));
            m_out.put("=\"");
            put_attribute_value(attr);
            m_out.put('"');
        }
    }

    void put_attribute_value(const xmlAttr* attr) {
        for (const xmlNode* child = attr->children; child; child = child->next) {
            if (child->type != XML_TEXT_NODE) {
                fail(Errc::unsupported, "canonicalization input holds an entity reference in an attribute value");
                return;
            }
            if (child->content) put_escaped(m_out, sv(child->content), Escape::attribute);
        }
    }

    const C14nMethod& m_method;
    const NodeSubset& m_subset;
    C14nWriter m_out;
    const bool m_exclusive;
    const bool m_comments;
    bool m_element_apex = false;
    bool m_parent_is_document = true;
    Position m_position = Position::before_document_element;
    std::vector<Frame> m_frames;
    std::vector<Rendered> m_stack;  // exclusive C14N: namespaces pushed by output ancestors
    std::size_t m_parent_begin = 0;
    std::vector<const xmlNs*> m_ns_list;
    std::vector<const xmlAttr*> m_attributes;
    std::string_view m_last_absolute;
    Errc m_error_code = Errc::internal;
    std::string m_error;
};

}  // namespace

Result<void> canonicalize_dom(xmlDocPtr doc, const C14nMethod& method, const NodeSubset& subset, ByteSink& sink) {
    if (!doc) return make_error(Errc::invalid_argument, "no document to canonicalize");
    if (method.algorithm == C14nAlgorithm::inclusive_1_1)
        return make_error(Errc::unsupported, "C14N 1.1 is canonicalized by libxml2");
    DomCanonicalizer canonicalizer(method, subset, sink);
    return canonicalizer.run(doc);
}

}  // namespace istmo::xml
