#pragma once
// Internal: the output side shared by the canonicalizers (DOM and streaming): a buffered writer
// in front of a ByteSink, and the one escaping loop of canonical XML.
#include "xml/c14n.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace istmo::xml {

// Buffers output so the sink (often a digest) sees large chunks. The canonicalizers call put
// for every tag, name and text run (~10 calls per element), so the fast path is a bounds check
// and a copy into a plain buffer, small enough to be inlined (a std::string append per call was
// ~15 % of streaming a 3 KB document).
class C14nWriter {
public:
    // The buffer grows to k_size only for output that large: a small document (a SignedInfo, a
    // 3 KB invoice) does not pay for a 64 KB allocation on every canonicalization.
    explicit C14nWriter(ByteSink& sink) : m_sink(sink), m_buffer(std::make_unique_for_overwrite<char[]>(k_initial_size)) {}
    C14nWriter(const C14nWriter&) = delete;
    C14nWriter& operator=(const C14nWriter&) = delete;
    ~C14nWriter() { flush(); }

    void put(std::string_view s) {
        if (s.empty()) return;  // (memcpy from an empty view's null data is undefined)
        if (s.size() > m_capacity - m_used) make_room(s.size());
        if (s.size() > k_size) {
            m_sink.write(s.data(), s.size());
            return;
        }
        std::memcpy(m_buffer.get() + m_used, s.data(), s.size());
        m_used += s.size();
    }
    void put(char c) {
        if (m_used == m_capacity) make_room(1);
        m_buffer[m_used++] = c;
    }
    void flush() {
        if (m_used > 0) m_sink.write(m_buffer.get(), m_used);
        m_used = 0;
    }

private:
    // Room for `size` more bytes: the buffer doubles up to k_size, then is flushed (output
    // longer than k_size goes to the sink directly).
    void make_room(std::size_t size) {
        if (m_capacity < k_size && m_used + size <= k_size) {
            std::size_t capacity = m_capacity;
            while (capacity < m_used + size) capacity *= 2;
            capacity = std::min(capacity, k_size);
            auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
            std::memcpy(bigger.get(), m_buffer.get(), m_used);
            m_buffer = std::move(bigger);
            m_capacity = capacity;
            return;
        }
        flush();
        if (m_capacity < k_size && size <= k_size) {
            m_buffer = std::make_unique_for_overwrite<char[]>(k_size);
            m_capacity = k_size;
        }
    }

    static constexpr std::size_t k_size = 64 * 1024;
    static constexpr std::size_t k_initial_size = 4 * 1024;
    ByteSink& m_sink;
    std::unique_ptr<char[]> m_buffer;
    std::size_t m_capacity = k_initial_size;
    std::size_t m_used = 0;
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
