#pragma once
// Internal: the output side shared by the canonicalizers (DOM and streaming): a buffered writer
// in front of a ByteSink, and the one escaping loop of canonical XML.
#include "xml/c14n.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace istmo::xml {

// Buffers output so the sink (often a digest) sees large chunks.
class C14nWriter {
public:
    // The buffer grows to k_size only for output that large: a small document (a SignedInfo, a
    // 3 KB invoice) does not pay for a 64 KB allocation on every canonicalization.
    explicit C14nWriter(ByteSink& sink) : m_sink(sink) { m_buffer.reserve(k_initial_size); }
    C14nWriter(const C14nWriter&) = delete;
    C14nWriter& operator=(const C14nWriter&) = delete;
    ~C14nWriter() { flush(); }

    void put(std::string_view s) {
        if (m_buffer.size() + s.size() > k_size) flush();
        if (s.size() > k_size) m_sink.write(s.data(), s.size());
        else m_buffer.append(s);
    }
    void put(char c) {
        if (m_buffer.size() + 1 > k_size) flush();
        m_buffer.push_back(c);
    }
    void flush() {
        if (!m_buffer.empty()) m_sink.write(m_buffer.data(), m_buffer.size());
        m_buffer.clear();
    }

private:
    static constexpr std::size_t k_size = 64 * 1024;
    static constexpr std::size_t k_initial_size = 4 * 1024;
    ByteSink& m_sink;
    std::string m_buffer;
};

// What a character becomes (C14N 1.0 §2.3): text nodes escape & < > CR; attribute values
// & < " TAB LF CR; comments and processing instructions only CR (as libxml2 does).
enum class Escape { text, attribute, comment_or_pi };

namespace detail {
struct EscapeTable {
    std::array<const char*, 256> text{};
    std::array<const char*, 256> attribute{};
    std::array<const char*, 256> comment_or_pi{};
    constexpr EscapeTable() {
        text['&'] = attribute['&'] = "&amp;";
        text['<'] = attribute['<'] = "&lt;";
        text['>'] = "&gt;";
        attribute['"'] = "&quot;";
        attribute['\t'] = "&#x9;";
        attribute['\n'] = "&#xA;";
        text['\r'] = attribute['\r'] = comment_or_pi['\r'] = "&#xD;";
    }
};
inline constexpr EscapeTable k_escape_table{};
}  // namespace detail

inline void put_escaped(C14nWriter& out, std::string_view s, Escape mode) {
    const auto& table = mode == Escape::text        ? detail::k_escape_table.text
                        : mode == Escape::attribute ? detail::k_escape_table.attribute
                                                    : detail::k_escape_table.comment_or_pi;
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char* replacement = table[static_cast<unsigned char>(s[i])];
        if (!replacement) continue;
        out.put(s.substr(start, i - start));
        out.put(std::string_view(replacement));
        start = i + 1;
    }
    out.put(s.substr(start));
}

// A namespace declaration as libxml2's canonicalizer writes it (xmlC14NPrintNamespaces), which
// the DOM and streaming canonicalizers and the signer's SignedInfo writer all follow: the URI
// unescaped, in '' when it holds " but not ' (an empty prefix is the default namespace).
inline void put_namespace(C14nWriter& out, std::string_view prefix, std::string_view uri) {
    if (prefix.empty()) {
        out.put(" xmlns=");
    } else {
        out.put(" xmlns:");
        out.put(prefix);
        out.put('=');
    }
    const bool has_double = uri.find('"') != std::string_view::npos;
    if (has_double && uri.find('\'') == std::string_view::npos) {
        out.put('\'');
        out.put(uri);
        out.put('\'');
        return;
    }
    out.put('"');
    std::size_t start = 0;
    for (std::size_t i = has_double ? uri.find('"') : std::string_view::npos; i != std::string_view::npos;
         i = uri.find('"', start)) {
        out.put(uri.substr(start, i - start));
        out.put("&quot;");
        start = i + 1;
    }
    out.put(uri.substr(start));
    out.put('"');
}

}  // namespace istmo::xml
