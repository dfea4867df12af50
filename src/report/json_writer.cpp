#include <istmo/report/json.hpp>
#include <istmo/report/messages.hpp>

#include "core/utf8.hpp"

#include <cassert>
#include <cmath>
#include <cstdio>

namespace istmo::report {

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (std::size_t pos = 0; pos < text.size();) {
        const char c = text[pos];
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x80) {
            const std::size_t len = core::utf8::sequence_length(text, pos);
            if (len == 0) {
                out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
                ++pos;
            } else {
                out.append(text.substr(pos, len));
                pos += len;
            }
            continue;
        }
        ++pos;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (u < 0x20) {
                    out += "\\u00";
                    out += hex[u >> 4];
                    out += hex[u & 0x0F];
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

void JsonWriter::separate() {
    if (m_after_key) {
        m_after_key = false;
        return;
    }
    if (!m_has_item.empty()) {
        if (m_has_item.back()) m_out += ',';
        m_has_item.back() = true;
    }
}

JsonWriter& JsonWriter::begin_object() {
    separate();
    m_out += '{';
    m_has_item.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    assert(!m_has_item.empty() && !m_after_key);
    m_has_item.pop_back();
    m_out += '}';
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    separate();
    m_out += '[';
    m_has_item.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    assert(!m_has_item.empty() && !m_after_key);
    m_has_item.pop_back();
    m_out += ']';
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
    assert(!m_has_item.empty() && !m_after_key);
    separate();
    append_json_string(m_out, name);
    m_out += ':';
    m_after_key = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
    separate();
    append_json_string(m_out, text);
    return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
    separate();
    m_out += flag ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) {
    separate();
    m_out += std::to_string(number);
    return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t number) {
    separate();
    m_out += std::to_string(number);
    return *this;
}

JsonWriter& JsonWriter::value(double number, int decimals) {
    if (!std::isfinite(number)) return null();
    separate();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, number);
    m_out += buf;
    return *this;
}

JsonWriter& JsonWriter::null() {
    separate();
    m_out += "null";
    return *this;
}

JsonWriter& JsonWriter::string_or_null(std::string_view text) {
    return text.empty() ? null() : value(text);
}

JsonWriter& JsonWriter::raw(std::string_view json) {
    separate();
    m_out += json;
    return *this;
}

JsonWriter& JsonWriter::strings(const std::vector<std::string>& items) {
    begin_array();
    for (const auto& item : items) value(item);
    return end_array();
}

void write_finding(JsonWriter& w, const Finding& f) {
    w.begin_object()
        .member("code", f.code)
        .member("severity", to_string(f.severity))
        .member("message", f.message);
    // A finding made without localize() still gets its Spanish text from the catalogue.
    w.key("message_es").string_or_null(f.message_es.empty() ? message_es_for(f) : f.message_es);
    w.key("location").string_or_null(f.location);
    w.key("field").string_or_null(f.field);
    w.key("rule").string_or_null(f.rule);
    w.key("line");
    if (f.line > 0) w.value(f.line);
    else w.null();
    w.end_object();
}

void write_findings(JsonWriter& w, const std::vector<Finding>& findings) {
    w.begin_array();
    for (const Finding& f : findings) write_finding(w, f);
    w.end_array();
}

}  // namespace istmo::report
