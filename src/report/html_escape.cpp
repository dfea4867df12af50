// HTML escaping for every page istmo writes (reports, the CAFE): text from documents is hostile.
#include <istmo/report/html.hpp>

#include "core/utf8.hpp"

namespace istmo::report {

void append_html_escaped(std::string& out, std::string_view text) {
    out.reserve(out.size() + text.size());
    for (std::size_t pos = 0; pos < text.size();) {
        const std::size_t len = core::utf8::sequence_length(text, pos);
        if (len == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD for a byte that does not start a UTF-8 sequence
            ++pos;
            continue;
        }
        const char ch = text[pos];
        if (len > 1) {
            out.append(text, pos, len);
        } else if (ch == '&') {
            out += "&amp;";
        } else if (ch == '<') {
            out += "&lt;";
        } else if (ch == '>') {
            out += "&gt;";
        } else if (ch == '"') {
            out += "&quot;";
        } else if (ch == '\'') {
            out += "&#39;";
        } else if (static_cast<unsigned char>(ch) >= 0x20 || ch == '\t' || ch == '\n') {
            out += ch;
        }  // other C0 controls are not allowed in HTML text: dropped
        pos += len;
    }
}

}  // namespace istmo::report
