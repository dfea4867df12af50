#include "xml/stream_c14n.hpp"

#include "core/utf8.hpp"
#include "xml/c14n_output.hpp"
#include "xml/document_impl.hpp"

#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/uri.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <mutex>
#include <vector>

namespace istmo::xml {
namespace {

constexpr std::string_view k_xml_ns = "http://www.w3.org/XML/1998/namespace";

struct NsBinding {
    std::string prefix;
    std::string uri;
    std::size_t depth;
};

struct Attribute {
    std::string_view uri;
    std::string_view local;
    std::string_view prefix;
    std::string value;
};

// Decodes the character references libxml2 leaves in SAX2 attribute values when entities are
// not substituted ("&#38;" for "&"), and the predefined entities.
bool decode_attribute(std::string_view raw, std::string& out) {
    out.clear();
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '&') {
            out.push_back(raw[i]);
            continue;
        }
        std::size_t end = raw.find(';', i);
        if (end == std::string_view::npos) return false;
        std::string_view name = raw.substr(i + 1, end - i - 1);
        i = end;
        if (name == "amp") { out.push_back('&'); continue; }
        if (name == "lt") { out.push_back('<'); continue; }
        if (name == "gt") { out.push_back('>'); continue; }
        if (name == "quot") { out.push_back('"'); continue; }
        if (name == "apos") { out.push_back('\''); continue; }
        if (name.size() < 2 || name[0] != '#') return false;
        unsigned long code = 0;
        try {
            code = name[1] == 'x' ? std::stoul(std::string(name.substr(2)), nullptr, 16)
                                  : std::stoul(std::string(name.substr(1)), nullptr, 10);
        } catch (...) {
            return false;
        }
        if (code == 0 || code > 0x10FFFF) return false;
        core::utf8::append(out, static_cast<std::uint32_t>(code));
    }
    return true;
}

struct LevelNames {
    std::vector<std::pair<std::string, int>> counts;  // qname -> occurrences so far at this level
    int next(const std::string& qname) {
        for (auto& [name, count] : counts)
            if (name == qname) return ++count;
        counts.emplace_back(qname, 1);
        return 1;
    }
};

class StreamState {
public:
    StreamState(const ParseLimits& limits, C14nAlgorithm algorithm, std::string_view excluded_ns,
                std::string_view excluded_name, bool capture, ByteSink& sink)
        : m_limits(limits), m_exclusive(algorithm == C14nAlgorithm::exclusive_1_0), m_excluded_ns(excluded_ns),
          m_excluded_name(excluded_name), m_capture_wanted(capture), m_out(sink) {}

    xmlParserCtxtPtr ctxt = nullptr;
    StreamOutcome outcome;

    void give_up(std::string reason) {
        if (m_failed) return;
        m_failed = true;
        outcome.reason = std::move(reason);
        if (ctxt) xmlStopParser(ctxt);
    }
    [[nodiscard]] bool failed() const { return m_failed; }
    [[nodiscard]] std::size_t captured() const { return m_captured_count; }

    void start_element(const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri, int nb_namespaces,
                       const xmlChar** namespaces, int nb_attributes, const xmlChar** attributes) {
        if (m_failed) return;
        ++m_depth;
        if (m_depth > m_limits.max_depth) return give_up("depth limit");
        if (++m_nodes > m_limits.max_nodes) return give_up("node limit");

        // Namespace declarations of this element.
        for (int i = 0; i < nb_namespaces; ++i) {
            const char* p = reinterpret_cast<const char*>(namespaces[2 * i]);
            const char* u = reinterpret_cast<const char*>(namespaces[2 * i + 1]);
            m_in_scope.push_back(NsBinding{p ? p : "", u ? u : "", m_depth});
            check_absolute(m_in_scope.back().uri);
            if (m_depth == 1) outcome.root.namespaces.emplace_back(m_in_scope.back().prefix, m_in_scope.back().uri);
        }
        std::string_view local = sv(localname);
        std::string_view ns_uri = sv(uri);
        std::string_view pfx = sv(prefix);
        if (m_depth == 1) {
            outcome.root.local_name = std::string(local);
            outcome.root.prefix = std::string(pfx);
        }
        std::string qname = pfx.empty() ? std::string(local) : std::string(pfx) + ":" + std::string(local);

        // The path of each open element, for the location of a captured one (nothing to capture
        // when no element is left out: the whole-document pass skips this bookkeeping).
        if (!m_excluded_name.empty()) {
            if (m_levels.size() < m_depth) m_levels.resize(m_depth);
            const int index = m_levels[m_depth - 1].next(qname);
            if (m_levels.size() > m_depth) m_levels.resize(m_depth);  // children of a finished sibling
            m_path.resize(m_depth - 1);
            m_path.push_back("/" + qname + "[" + std::to_string(index) + "]");
        }

        if (m_capture_depth == 0 && ns_uri == m_excluded_ns && local == m_excluded_name) {
            if (++m_captured_count > 1) return give_up("more than one excluded element");
            m_capture_depth = m_depth;
            outcome.capture.location.clear();
            for (const auto& step : m_path) outcome.capture.location += step;
            if (m_xml_attr_depth > 0) return give_up("xml:* attribute on an ancestor of the excluded element");
        }

        // Attributes.
        m_attributes.clear();
        for (int i = 0; i < nb_attributes; ++i) {
            const xmlChar** a = attributes + 5 * i;
            Attribute attr;
            attr.local = sv(a[0]);
            attr.prefix = sv(a[1]);
            attr.uri = sv(a[2]);
            const char* begin = reinterpret_cast<const char*>(a[3]);
            const char* end = reinterpret_cast<const char*>(a[4]);
            std::string_view raw(begin, static_cast<std::size_t>(end - begin));
            if (raw.size() > m_limits.max_attribute_bytes) return give_up("attribute size limit");
            if (!decode_attribute(raw, attr.value)) return give_up("undecodable attribute value");
            if (++m_nodes > m_limits.max_nodes) return give_up("node limit");
            if (attr.uri == k_xml_ns && m_capture_depth == 0 && m_xml_attr_depth == 0) m_xml_attr_depth = m_depth;
            const bool is_id = attr.uri.empty() ? (attr.local == "Id" || attr.local == "ID" || attr.local == "id")
                                                : (attr.uri == k_xml_ns && attr.local == "id");
            if (is_id && m_capture_depth == 0) outcome.capture.outside_ids.insert(attr.value);
            if (m_depth == 1 && attr.uri == k_xml_ns) outcome.root.xml_attributes.emplace_back(attr.local, attr.value);
            m_attributes.push_back(std::move(attr));
        }

        if (m_capture_depth > 0) {
            capture_start(localname, prefix, uri, nb_namespaces, namespaces);
            return;
        }
        write_start_tag(qname, pfx, ns_uri);
    }

    void end_element(const xmlChar* localname, const xmlChar* prefix) {
        if (m_failed) return;
        if (m_capture_depth > 0) {
            flush_captured_text();
            if (m_capture_node) m_capture_node = m_capture_node->parent;
            if (m_depth == m_capture_depth) m_capture_depth = 0;
        } else {
            m_out.put("</");
            if (prefix) {
                m_out.put(sv(prefix));
                m_out.put(':');
            }
            m_out.put(sv(localname));
            m_out.put('>');
        }
        while (!m_in_scope.empty() && m_in_scope.back().depth == m_depth) m_in_scope.pop_back();
        while (!m_rendered.empty() && m_rendered.back().depth == m_depth) m_rendered.pop_back();
        if (m_xml_attr_depth == m_depth) m_xml_attr_depth = 0;
        if (m_levels.size() > m_depth) m_levels.resize(m_depth);
        --m_depth;
        if (m_depth == 0) m_after_root = true;
    }

    void characters(const xmlChar* text, int len) {
        if (m_failed || m_depth == 0) return;
        if (static_cast<std::size_t>(len) > m_limits.max_text_bytes) return give_up("text size limit");
        std::string_view s(reinterpret_cast<const char*>(text), static_cast<std::size_t>(len));
        if (m_capture_depth > 0) {
            // Collected and added as one text node: appending each SAX chunk to the node would
            // copy the whole text again per chunk (quadratic in a multi-megabyte DigestValue).
            if (!m_capture_node) return;
            if (m_capture_text.size() + s.size() > m_limits.max_text_bytes) return give_up("text size limit");
            m_capture_text.append(s);
            return;
        }
        put_escaped(m_out, s, Escape::text);
    }

    void processing_instruction(const xmlChar* target, const xmlChar* data) {
        if (m_failed) return;
        if (m_capture_depth > 0) {
            flush_captured_text();
            if (m_capture_node) xmlAddChild(m_capture_node, xmlNewDocPI(outcome.capture.document.get(), target, data));
            return;
        }
        if (m_after_root) m_out.put('\n');
        m_out.put("<?");
        m_out.put(sv(target));
        if (data && *data) {
            m_out.put(' ');
            m_out.put(sv(data));
        }
        m_out.put("?>");
        if (m_depth == 0 && !m_after_root) m_out.put('\n');
    }

    void comment(const xmlChar* text) {
        if (m_failed) return;
        // Comments are not in the URI="" node-set, but they are part of a captured signature
        // (SignedInfo canonicalized WithComments keeps them).
        if (m_capture_depth > 0) flush_captured_text();
        if (m_capture_depth > 0 && m_capture_node)
            xmlAddChild(m_capture_node, xmlNewDocComment(outcome.capture.document.get(), text));
    }

    void finish() { m_out.flush(); }

private:
    // The DOM canonicalizer's test (c14n_dom.cpp): a non-empty URI needs a scheme. (The last
    // absolute URI is remembered per pass, not per thread: no mutable state outlives a call.)
    void check_absolute(const std::string& ns_uri) {
        if (ns_uri.empty() || ns_uri == m_last_absolute || outcome.relative_namespace) return;
        xmlURIPtr parsed = xmlParseURI(ns_uri.c_str());
        const bool absolute = parsed && parsed->scheme && *parsed->scheme;
        xmlFreeURI(parsed);
        if (absolute) m_last_absolute = ns_uri;
        else outcome.relative_namespace = true;
    }

    std::string_view lookup(const std::vector<NsBinding>& stack, std::string_view prefix) const {
        for (auto it = stack.rbegin(); it != stack.rend(); ++it)
            if (it->prefix == prefix) return it->uri;
        return {};
    }

    void write_start_tag(const std::string& qname, std::string_view element_prefix, std::string_view element_uri) {
        // Namespace declarations to render (prefix, uri), sorted by prefix ("" = default first).
        m_ns_out.clear();
        if (m_exclusive) {
            // Visibly utilized prefixes: the element's own, and its attributes' (not default).
            auto consider = [&](std::string_view prefix, std::string_view uri_value) {
                if (prefix == "xml") return;
                for (const auto& [p, u] : m_ns_out)
                    if (p == prefix) return;
                std::string_view rendered = lookup(m_rendered, prefix);
                bool rendered_any = false;
                for (auto it = m_rendered.rbegin(); it != m_rendered.rend(); ++it)
                    if (it->prefix == prefix) { rendered_any = true; break; }
                if (prefix.empty() && uri_value.empty() && (!rendered_any || rendered.empty())) return;
                if (rendered_any && rendered == uri_value) return;
                m_ns_out.emplace_back(std::string(prefix), std::string(uri_value));
            };
            consider(element_prefix, element_uri);
            for (const Attribute& a : m_attributes)
                if (!a.prefix.empty()) consider(a.prefix, a.uri);
        } else {
            // Inclusive: every in-scope namespace whose value differs from what the output
            // ancestors rendered. For a whole document that is the element's own declarations,
            // minus redundant ones.
            for (auto it = m_in_scope.rbegin(); it != m_in_scope.rend() && it->depth == m_depth; ++it) {
                const NsBinding& b = *it;
                if (b.prefix == "xml") continue;
                bool seen = false;
                for (const auto& [p, u] : m_ns_out) seen = seen || p == b.prefix;
                if (seen) continue;
                bool rendered_any = false;
                std::string_view rendered;
                for (auto r = m_rendered.rbegin(); r != m_rendered.rend(); ++r)
                    if (r->prefix == b.prefix) { rendered_any = true; rendered = r->uri; break; }
                if (b.prefix.empty() && b.uri.empty() && (!rendered_any || rendered.empty())) continue;
                if (rendered_any && rendered == b.uri) continue;
                m_ns_out.emplace_back(b.prefix, b.uri);
            }
        }
        std::sort(m_ns_out.begin(), m_ns_out.end());
        std::sort(m_attributes.begin(), m_attributes.end(), [](const Attribute& x, const Attribute& y) {
            if (x.uri != y.uri) return x.uri < y.uri;
            return x.local < y.local;
        });

        m_out.put('<');
        m_out.put(qname);
        for (const auto& [p, u] : m_ns_out) {
            put_namespace(m_out, p, u);  // as the DOM canonicalizer: not escaped like an attribute
            m_rendered.push_back(NsBinding{p, u, m_depth});
        }
        for (const Attribute& a : m_attributes) {
            m_out.put(' ');
            if (!a.prefix.empty()) {
                m_out.put(a.prefix);
                m_out.put(':');
            }
            m_out.put(a.local);
            m_out.put("=\"");
            put_attribute_value(a.value);
            m_out.put('"');
        }
        m_out.put('>');
    }

    void put_attribute_value(std::string_view s) { put_escaped(m_out, s, Escape::attribute); }

    void capture_start(const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri, int nb_namespaces,
                       const xmlChar** namespaces) {
        if (!m_capture_wanted) return;
        flush_captured_text();
        if (!outcome.capture.document) {
            outcome.capture.document.reset(xmlNewDoc(xc("1.0")));
            if (!outcome.capture.document) return give_up("out of memory");
        }
        xmlDocPtr doc = outcome.capture.document.get();
        xmlNodePtr node = xmlNewDocNode(doc, nullptr, localname, nullptr);
        if (!node) return give_up("out of memory");
        if (!m_capture_node) {
            xmlDocSetRootElement(doc, node);
            // Every namespace in scope at the captured element, so that inclusive C14N of its
            // descendants (SignedInfo) sees the same context as in the full document.
            std::vector<std::string> done;
            for (auto it = m_in_scope.rbegin(); it != m_in_scope.rend(); ++it) {
                if (std::find(done.begin(), done.end(), it->prefix) != done.end()) continue;
                done.push_back(it->prefix);
                if (it->prefix.empty() && it->uri.empty()) continue;
                xmlNewNs(node, xc(it->uri.c_str()), it->prefix.empty() ? nullptr : xc(it->prefix.c_str()));
            }
        } else {
            xmlAddChild(m_capture_node, node);
            for (int i = 0; i < nb_namespaces; ++i) {
                const xmlChar* u = namespaces[2 * i + 1];
                xmlNewNs(node, u ? u : xc(""), namespaces[2 * i]);
            }
        }
        if (uri) xmlSetNs(node, xmlSearchNs(doc, node, prefix));
        for (const Attribute& a : m_attributes) {
            std::string local(a.local);
            xmlNsPtr ns = nullptr;
            if (!a.uri.empty()) {
                std::string p(a.prefix);
                ns = xmlSearchNs(doc, node, p.empty() ? nullptr : xc(p.c_str()));
                if (a.uri == k_xml_ns) ns = xmlSearchNsByHref(doc, node, xc(std::string(k_xml_ns).c_str()));
            }
            xmlNewNsProp(node, ns, xc(local.c_str()), xc(a.value.c_str()));
        }
        m_capture_node = node;
    }

    const ParseLimits& m_limits;
    const bool m_exclusive;
    const std::string_view m_excluded_ns;
    const std::string_view m_excluded_name;
    const bool m_capture_wanted;
    C14nWriter m_out;
    bool m_failed = false;
    bool m_after_root = false;
    std::size_t m_depth = 0;
    std::size_t m_nodes = 0;
    std::size_t m_capture_depth = 0;
    std::size_t m_captured_count = 0;
    std::size_t m_xml_attr_depth = 0;
    xmlNodePtr m_capture_node = nullptr;
    std::string m_last_absolute;   // the last namespace URI found absolute
    std::string m_capture_text;  // text of the captured element being read, not yet added

    void flush_captured_text() {
        if (m_capture_text.empty()) return;
        if (m_capture_node)
            xmlNodeAddContentLen(m_capture_node, reinterpret_cast<const xmlChar*>(m_capture_text.data()),
                                 static_cast<int>(m_capture_text.size()));
        m_capture_text.clear();
    }
    std::vector<NsBinding> m_in_scope;
    std::vector<NsBinding> m_rendered;
    std::vector<std::pair<std::string, std::string>> m_ns_out;
    std::vector<Attribute> m_attributes;
    std::vector<LevelNames> m_levels;
    std::vector<std::string> m_path;
};

StreamState* state_of(void* user_data) { return static_cast<StreamState*>(user_data); }

void on_start(void* ud, const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri, int nb_namespaces,
              const xmlChar** namespaces, int nb_attributes, int, const xmlChar** attributes) {
    state_of(ud)->start_element(localname, prefix, uri, nb_namespaces, namespaces, nb_attributes, attributes);
}
void on_end(void* ud, const xmlChar* localname, const xmlChar* prefix, const xmlChar*) {
    state_of(ud)->end_element(localname, prefix);
}
void on_characters(void* ud, const xmlChar* text, int len) { state_of(ud)->characters(text, len); }
void on_pi(void* ud, const xmlChar* target, const xmlChar* data) { state_of(ud)->processing_instruction(target, data); }
void on_comment(void* ud, const xmlChar* text) { state_of(ud)->comment(text); }
void on_internal_subset(void* ud, const xmlChar*, const xmlChar*, const xmlChar*) { state_of(ud)->give_up("DOCTYPE"); }
void on_reference(void* ud, const xmlChar*) { state_of(ud)->give_up("entity reference"); }
xmlEntityPtr on_get_entity(void* ud, const xmlChar* name) {
    xmlEntityPtr predefined = xmlGetPredefinedEntity(name);
    if (!predefined) state_of(ud)->give_up("entity");
    return predefined;
}
void on_error(void* ud, const char*, ...) { state_of(ud)->give_up("parse error"); }
void on_structured_error(void* ud, xmlErrorPtr) { state_of(ud)->give_up("parse error"); }

struct MemoryReader {
    std::string_view data;
    std::size_t offset = 0;
};

int read_memory(void* context, char* buffer, int len) {
    auto* reader = static_cast<MemoryReader*>(context);
    const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(len), reader->data.size() - reader->offset);
    std::memcpy(buffer, reader->data.data() + reader->offset, n);
    reader->offset += n;
    return static_cast<int>(n);
}
int close_memory(void*) { return 0; }

// UTF-8 unless a byte order mark or the first bytes say UTF-16/UTF-32, or the XML declaration
// names another encoding (what the splice of the signer accepts, document.cpp).
bool read_as_utf8(std::string_view input, const xmlParserCtxt* ctxt) {
    if (!input.empty() && (input[0] == '\0' || static_cast<unsigned char>(input[0]) == 0xFE ||
                           static_cast<unsigned char>(input[0]) == 0xFF))
        return false;
    if (input.size() > 1 && input[1] == '\0') return false;
    const xmlChar* declared = ctxt->input && ctxt->input->encoding ? ctxt->input->encoding : ctxt->encoding;
    return !declared || xmlStrcasecmp(declared, reinterpret_cast<const xmlChar*>("UTF-8")) == 0;
}

// One pass; applicable when the parse succeeded, nothing made it inexact and exactly
// `expected_captures` elements were left out.
StreamOutcome run_stream(std::string_view input, const ParseLimits& limits, C14nAlgorithm algorithm,
                         std::string_view excluded_ns, std::string_view excluded_name, bool capture,
                         std::size_t expected_captures, ByteSink& sink) {
    static std::once_flag init_once;
    std::call_once(init_once, [] { xmlInitParser(); });
    StreamState state(limits, algorithm, excluded_ns, excluded_name, capture, sink);
    if (input.empty() || input.size() > limits.max_input_bytes) {
        state.outcome.reason = "input size";
        return std::move(state.outcome);
    }
    xmlSAXHandler sax;
    std::memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.characters = on_characters;
    sax.cdataBlock = on_characters;
    sax.ignorableWhitespace = on_characters;
    sax.processingInstruction = on_pi;
    sax.comment = on_comment;
    sax.internalSubset = on_internal_subset;
    sax.reference = on_reference;
    sax.getEntity = on_get_entity;
    sax.error = on_error;
    sax.fatalError = on_error;
    sax.serror = on_structured_error;

    MemoryReader reader{input, 0};
    internal::XmlParserCtxtPtr ctxt(
        xmlCreateIOParserCtxt(&sax, &state, read_memory, close_memory, &reader, XML_CHAR_ENCODING_NONE));
    if (!ctxt) {
        state.outcome.reason = "cannot create a parser";
        return std::move(state.outcome);
    }
    state.ctxt = ctxt.get();
    xmlCtxtUseOptions(ctxt.get(), XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    const int rc = xmlParseDocument(ctxt.get());
    state.finish();
    if (state.failed()) return std::move(state.outcome);
    if (rc != 0 || !ctxt->wellFormed) {
        state.outcome.reason = "not well-formed";
        return std::move(state.outcome);
    }
    if (state.captured() != expected_captures) {
        state.outcome.reason = expected_captures == 1 ? "no single excluded element" : "an element was left out";
        return std::move(state.outcome);
    }
    state.outcome.utf8 = read_as_utf8(input, ctxt.get());
    state.outcome.applicable = true;
    return std::move(state.outcome);
}

}  // namespace

StreamOutcome stream_canonicalize(std::string_view input, const ParseLimits& limits, C14nAlgorithm algorithm,
                                  std::string_view excluded_ns, std::string_view excluded_name, bool capture,
                                  ByteSink& sink) {
    return run_stream(input, limits, algorithm, excluded_ns, excluded_name, capture, 1, sink);
}

StreamOutcome stream_canonicalize_document(std::string_view input, const ParseLimits& limits, C14nAlgorithm algorithm,
                                           ByteSink& sink) {
    // No element has an empty local name: nothing is left out.
    return run_stream(input, limits, algorithm, {}, {}, false, 0, sink);
}

}  // namespace istmo::xml
