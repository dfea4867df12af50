#pragma once
// Internal: character-class tests on ASCII text (codes, RUCs, protocols, dates), independent of the
// C locale.
#include <string>
#include <string_view>

namespace istmo::core::ascii {

inline bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// True for a non-empty text of the digits 0-9 only.
inline bool all_digits(std::string_view text) noexcept {
    if (text.empty()) return false;
    for (const char c : text)
        if (!is_digit(c)) return false;
    return true;
}

// At most `limit` bytes of a text from outside (a header, a fragment of a URI) for an error
// message or a log line: control characters become '?', a cut is marked with "...".
inline std::string printable(std::string_view text, std::size_t limit) {
    std::string out;
    for (const char c : text.substr(0, limit)) {
        const auto u = static_cast<unsigned char>(c);
        out += u < 0x20 || u == 0x7F ? '?' : c;
    }
    if (text.size() > limit) out += "...";
    return out;
}

}  // namespace istmo::core::ascii
