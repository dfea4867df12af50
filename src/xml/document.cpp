#include "xml/document_impl.hpp"

#include <libxml/parserInternals.h>
#include <libxml/xmlsave.h>

#include <climits>
#include <cstring>
#include <mutex>
#include <vector>

namespace istmo::xml {
namespace {

// Per-parse state reachable from SAX callbacks through ctxt->_private.
struct ParseGuard {
    bool allow_doctype = false;
    bool refused_doctype = false;
    bool refused_entity = false;
    internalSubsetSAXFunc original_internal_subset = nullptr;
};

ParseGuard* guard_of(void* user_data) {
    auto* ctxt = static_cast<xmlParserCtxtPtr>(user_data);
    return static_cast<ParseGuard*>(ctxt->_private);
}

void on_internal_subset(void* user_data, const xmlChar* name, const xmlChar* external_id,
                        const xmlChar* system_id) {
    ParseGuard* guard = guard_of(user_data);
    // An external subset (SYSTEM/PUBLIC id) is never allowed: it names a resource to load.
    if (!guard->allow_doctype || external_id != nullptr || system_id != nullptr) {
        guard->refused_doctype = true;
        xmlStopParser(static_cast<xmlParserCtxtPtr>(user_data));
        return;
    }
    if (guard->original_internal_subset)
        guard->original_internal_subset(user_data, name, external_id, system_id);
}

void on_entity_decl(void* user_data, const xmlChar*, int, const xmlChar*, const xmlChar*,
                    xmlChar*) {
    guard_of(user_data)->refused_entity = true;
    xmlStopParser(static_cast<xmlParserCtxtPtr>(user_data));
}

Error limit_error(const char* what, std::size_t limit, const xmlNode* node) {
    Error e = make_error(Errc::limit_exceeded,
                         std::string("XML limit exceeded: ") + what + " (limit " +
                             std::to_string(limit) + ")");
    e.line = line_of(node);
    return e;
}

// Walks the tree once (iteratively) to enforce the structural limits.
Result<void> check_limits(const xmlDoc* doc, const ParseLimits& limits) {
    std::size_t nodes = 0;
    std::size_t depth = 0;
    const xmlNode* node = doc->children;
    while (node) {
        ++nodes;
        if (nodes > limits.max_nodes) return limit_error("node count", limits.max_nodes, node);
        if (node->type == XML_ELEMENT_NODE) {
            if (depth + 1 > limits.max_depth) return limit_error("nesting depth", limits.max_depth, node);
            for (const xmlAttr* attr = node->properties; attr; attr = attr->next) {
                ++nodes;
                std::size_t size = 0;
                for (const xmlNode* t = attr->children; t; t = t->next)
                    if (t->content) size += std::strlen(reinterpret_cast<const char*>(t->content));
                if (size > limits.max_attribute_bytes)
                    return limit_error("attribute value size", limits.max_attribute_bytes, node);
            }
            if (nodes > limits.max_nodes) return limit_error("node count", limits.max_nodes, node);
        } else if ((node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) && node->content) {
            if (std::strlen(reinterpret_cast<const char*>(node->content)) > limits.max_text_bytes)
                return limit_error("text node size", limits.max_text_bytes, node);
        } else if (node->type == XML_ENTITY_REF_NODE) {
            return make_error(Errc::unsupported, "entity references are not allowed");
        }
        // Depth-first successor without recursion.
        if (node->type == XML_ELEMENT_NODE && node->children) {
            node = node->children;
            ++depth;
            continue;
        }
        while (node && !node->next) {
            node = node->parent;
            if (!node || node->type == XML_DOCUMENT_NODE) return {};
            --depth;
        }
        if (node) node = node->next;
    }
    return {};
}

}  // namespace

Result<XmlDocument> XmlDocument::parse(std::string_view bytes, const ParseLimits& limits) {
    // libxml2 must be initialised once before it is used from several threads.
    static std::once_flag init_once;
    std::call_once(init_once, [] { xmlInitParser(); });
    try {
        if (bytes.size() > limits.max_input_bytes || bytes.size() > static_cast<std::size_t>(INT_MAX))
            return make_error(Errc::limit_exceeded, "XML limit exceeded: input size (limit " +
                                                        std::to_string(limits.max_input_bytes) + " bytes)");
        if (bytes.empty()) return make_error(Errc::parse_error, "empty input: no XML document");

        internal::XmlParserCtxtPtr ctxt(xmlNewParserCtxt());
        if (!ctxt || !ctxt->sax) return make_error(Errc::internal, "cannot create an XML parser context");
        ParseGuard guard;
        guard.allow_doctype = limits.allow_doctype;
        guard.original_internal_subset = ctxt->sax->internalSubset;
        ctxt->_private = &guard;
        ctxt->sax->internalSubset = on_internal_subset;
        ctxt->sax->entityDecl = on_entity_decl;
        ctxt->sax->externalSubset = nullptr;
        ctxt->sax->resolveEntity = nullptr;

        // Not set on purpose: XML_PARSE_NOENT (expansion), XML_PARSE_DTDLOAD/DTDATTR/DTDVALID
        // (loading), XML_PARSE_HUGE (libxml2's own hard limits stay on), XML_PARSE_XINCLUDE.
        // XML_PARSE_COMPACT keeps short texts inside their nodes: fewer allocations per parse.
        const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                            XML_PARSE_BIG_LINES | XML_PARSE_NOXINCNODE | XML_PARSE_COMPACT;
        internal::XmlDocPtr doc(xmlCtxtReadMemory(ctxt.get(), bytes.data(), static_cast<int>(bytes.size()),
                                                  nullptr, nullptr, options));
        if (guard.refused_doctype)
            return make_error(Errc::unsupported, "a DOCTYPE declaration is not allowed in this input");
        if (guard.refused_entity)
            return make_error(Errc::unsupported, "entity declarations are not allowed (no entity expansion)");
        if (!doc || !ctxt->wellFormed) {
            const xmlError* err = xmlCtxtGetLastError(ctxt.get());
            std::string detail = err && err->message ? err->message : "not well-formed";
            while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
            Errc code = Errc::parse_error;
            if (err && (err->code == XML_ERR_INTERNAL_ERROR || detail.find("depth") != std::string::npos ||
                        detail.find("Huge input") != std::string::npos ||
                        detail.find("too long") != std::string::npos ||
                        detail.find("too big") != std::string::npos))
                code = Errc::limit_exceeded;
            Error e = make_error(code, "XML is not well-formed: " + detail);
            if (err) {
                e.line = err->line;
                e.column = err->int2;
            }
            return e;
        }
        if (!xmlDocGetRootElement(doc.get())) return make_error(Errc::parse_error, "XML has no document element");
        if (auto checked = check_limits(doc.get(), limits); !checked) return std::move(checked).error();

        auto impl = std::make_unique<Impl>();
        impl->doc = std::move(doc);
        return XmlDocument(std::move(impl));
    } catch (const std::bad_alloc&) {
        return make_error(Errc::limit_exceeded, "out of memory while parsing XML");
    } catch (const std::exception& ex) {
        return make_error(Errc::internal, std::string("unexpected failure while parsing XML: ") + ex.what());
    }
}

XmlDocument::XmlDocument(std::unique_ptr<Impl> impl) noexcept : m_impl(std::move(impl)) {}
XmlDocument::XmlDocument(XmlDocument&&) noexcept = default;
XmlDocument& XmlDocument::operator=(XmlDocument&&) noexcept = default;
XmlDocument::~XmlDocument() = default;

std::string XmlDocument::root_name() const {
    const xmlNode* root = xmlDocGetRootElement(m_impl->doc.get());
    return root ? std::string(sv(root->name)) : std::string();
}

std::string XmlDocument::root_namespace() const {
    const xmlNode* root = xmlDocGetRootElement(m_impl->doc.get());
    return root && root->ns ? std::string(sv(root->ns->href)) : std::string();
}

std::string XmlDocument::to_string() const { return serialize_utf8(m_impl->doc.get()).value_or(std::string()); }

std::optional<std::string> serialize_utf8(xmlDoc* doc) {
    xmlChar* mem = nullptr;
    int size = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
    internal::XmlCharsPtr owned(mem);
    if (!mem || size < 0) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(mem), static_cast<std::size_t>(size));
}

// ---- DOM helpers --------------------------------------------------------------------------

bool is_element(const xmlNode* node, std::string_view ns, std::string_view local_name) noexcept {
    if (!node || node->type != XML_ELEMENT_NODE) return false;
    // Most names differ in the first letter: that is tested before any string is measured.
    if (!local_name.empty() && (!node->name || node->name[0] != static_cast<unsigned char>(local_name[0]))) return false;
    if (sv(node->name) != local_name) return false;
    std::string_view actual = node->ns ? sv(node->ns->href) : std::string_view();
    return actual == ns;
}

xmlNodePtr first_element_child(const xmlNode* node) noexcept {
    if (!node) return nullptr;
    for (xmlNodePtr c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) return c;
    return nullptr;
}

xmlNodePtr next_element_sibling(const xmlNode* node) noexcept {
    if (!node) return nullptr;
    for (xmlNodePtr c = node->next; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) return c;
    return nullptr;
}

std::string text_content(const xmlNode* node) {
    internal::XmlCharsPtr content(xmlNodeGetContent(node));
    return content ? std::string(sv(content.get())) : std::string();
}

bool get_attribute(const xmlNode* node, const char* name, std::string& value) {
    if (!node || node->type != XML_ELEMENT_NODE) return false;
    // The usual value, one text node (or none: ""), is read in place: xmlNodeListGetString
    // would return a copy of the same characters. Anything else (entity references, a DTD
    // default) takes libxml2's way below.
    for (const xmlAttr* a = node->properties; a; a = a->next) {
        if (a->ns || !xmlStrEqual(a->name, xc(name))) continue;
        const xmlNode* t = a->children;
        if (t && (t->type != XML_TEXT_NODE || t->next)) break;
        value.assign(t ? sv(t->content) : std::string_view());
        return true;
    }
    xmlAttrPtr attr = xmlHasNsProp(node, xc(name), nullptr);
    if (!attr || attr->ns) return false;
    internal::XmlCharsPtr v(xmlNodeListGetString(node->doc, attr->children, 1));
    value = v ? std::string(sv(v.get())) : std::string();
    return true;
}

namespace {

// The steps from `node` up to (not including) `stop`, innermost first, each step's characters
// reversed: the path is this string reversed. No string per step (a report names every
// signature and signed element by its path).
std::string reversed_steps(const xmlNode* node, const xmlNode* stop) {
    std::string reversed;
    reversed.reserve(128);
    char digits[24];
    for (const xmlNode* n = node; n && n != stop && n->type == XML_ELEMENT_NODE; n = n->parent) {
        unsigned long index = 1;
        for (const xmlNode* s = n->prev; s; s = s->prev)
            if (s->type == XML_ELEMENT_NODE && xmlStrEqual(s->name, n->name)) ++index;
        std::size_t length = 0;
        do digits[length++] = static_cast<char>('0' + index % 10);
        while ((index /= 10) != 0);
        reversed += ']';
        reversed.append(digits, length);  // least significant digit first
        reversed += '[';
        const std::string_view name = sv(n->name);
        reversed.append(name.rbegin(), name.rend());
        if (n->ns && n->ns->prefix) {
            const std::string_view prefix = sv(n->ns->prefix);
            reversed += ':';
            reversed.append(prefix.rbegin(), prefix.rend());
        }
        reversed += '/';
    }
    return reversed;
}

}  // namespace

std::string node_path(const xmlNode* node) {
    if (!node) return {};
    if (node->type == XML_DOCUMENT_NODE) return "/";
    const std::string reversed = reversed_steps(node, nullptr);
    return std::string(reversed.rbegin(), reversed.rend());
}

bool is_within(const xmlNode* node, const xmlNode* ancestor) noexcept {
    for (const xmlNode* n = node; n; n = n->parent)
        if (n == ancestor) return true;
    return false;
}

std::string node_path_below(const xmlNode* node, const xmlNode* ancestor, std::string_view ancestor_path) {
    const std::string reversed = reversed_steps(node, ancestor);
    std::string path;
    path.reserve(ancestor_path.size() + reversed.size());
    path.append(ancestor_path).append(reversed.rbegin(), reversed.rend());
    return path;
}

int line_of(const xmlNode* node) noexcept {
    if (!node) return 0;
    long line = xmlGetLineNo(node);
    return line > 0 && line < INT_MAX ? static_cast<int>(line) : 0;
}

// ---- splicing a new last child into the input bytes ---------------------------------------

namespace {

bool is_utf8_input(std::string_view original, const xmlDoc* doc) {
    if (!original.empty() && (original[0] == '\0' || static_cast<unsigned char>(original[0]) == 0xFE ||
                              static_cast<unsigned char>(original[0]) == 0xFF))
        return false;  // UTF-16 or UTF-32
    if (original.size() > 1 && original[1] == '\0') return false;
    return !doc->encoding || xmlStrcasecmp(doc->encoding, xc("UTF-8")) == 0;
}

bool declared_within(const xmlNs* ns, const xmlNode* node, const xmlNode* top) {
    for (const xmlNode* n = node;; n = n->parent) {
        for (const xmlNs* d = n->nsDef; d; d = d->next)
            if (d == ns) return true;
        if (n == top) return false;
    }
}

// Every element of the subtree is in a namespace the subtree itself declares, and so is every
// prefixed attribute; serialized alone and read again inside its new parent, it means the same.
bool namespaces_closed(const xmlNode* top) {
    bool closed = true;
    for_each_element_in(top, [&](const xmlNode* node) {
        if (!node->ns || !declared_within(node->ns, node, top)) closed = false;
        for (const xmlAttr* a = node->properties; closed && a; a = a->next)
            if (a->ns && !xmlStrEqual(a->ns->href, XML_XML_NAMESPACE) && !declared_within(a->ns, node, top))
                closed = false;
        return closed ? Walk::descend : Walk::stop;
    });
    return closed;
}

// Offset of the document element's end tag "</name>" when only white space follows it.
std::optional<std::size_t> end_tag_offset(std::string_view original, std::string_view qname) {
    std::size_t end = original.size();
    while (end > 0 && (original[end - 1] == ' ' || original[end - 1] == '\t' || original[end - 1] == '\r' ||
                       original[end - 1] == '\n'))
        --end;
    if (end < 4 || original[end - 1] != '>') return std::nullopt;
    const std::size_t open = original.rfind('<', end - 1);
    if (open == std::string_view::npos || original[open + 1] != '/') return std::nullopt;
    std::string_view name = original.substr(open + 2, end - 1 - (open + 2));
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t' || name.back() == '\r' || name.back() == '\n'))
        name.remove_suffix(1);
    if (name != qname) return std::nullopt;
    return open;
}

struct SaveCtxtCloser {
    void operator()(xmlSaveCtxt* ctxt) const noexcept { xmlSaveClose(ctxt); }
};

}  // namespace

std::optional<std::string> splice_appended_child(std::string_view original, const xmlDoc* doc,
                                                 const xmlNode* appended) {
    const xmlNode* root = xmlDocGetRootElement(doc);
    if (!root || !appended || appended->parent != root || root->last != appended || root->next) return std::nullopt;
    if (!is_utf8_input(original, doc)) return std::nullopt;
    std::string qname;
    if (root->ns && root->ns->prefix) qname.append(sv(root->ns->prefix)).append(":");
    qname.append(sv(root->name));
    return splice_before_root_end(original, qname, appended);
}

std::optional<std::string> splice_before_root_end(std::string_view original, std::string_view root_qname,
                                                  const xmlNode* subtree) {
    // The end tag is looked up first: no serialization when there is nowhere to put it.
    if (!subtree || !namespaces_closed(subtree) || !end_tag_offset(original, root_qname)) return std::nullopt;
    internal::CPtr<xmlBuffer, xmlBufferFree> buffer(xmlBufferCreate());
    if (!buffer) return std::nullopt;
    {
        std::unique_ptr<xmlSaveCtxt, SaveCtxtCloser> save(xmlSaveToBuffer(buffer.get(), "UTF-8", 0));
        if (!save || xmlSaveTree(save.get(), const_cast<xmlNode*>(subtree)) < 0) return std::nullopt;
    }  // closing flushes into the buffer
    const std::string_view text(reinterpret_cast<const char*>(xmlBufferContent(buffer.get())),
                                static_cast<std::size_t>(xmlBufferLength(buffer.get())));
    return splice_text_before_root_end(original, root_qname, text);
}

std::optional<std::string> splice_text_before_root_end(std::string_view original, std::string_view root_qname,
                                                       std::string_view text) {
    const auto offset = end_tag_offset(original, root_qname);
    if (!offset) return std::nullopt;
    std::string out;
    out.reserve(original.size() + text.size());
    out.append(original.substr(0, *offset)).append(text).append(original.substr(*offset));
    return out;
}

}  // namespace istmo::xml
