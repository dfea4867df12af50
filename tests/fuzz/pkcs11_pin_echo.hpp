#pragma once
// Whether a refused PKCS#11 URI's message repeats the PIN of its query (pin-value). Asked by
// replacing the PIN with a marker and looking for the marker in that URI's refusal: comparing the
// PIN itself also matches text that merely equals it (the PIN "1 URI: " stands in the message's
// own prefix "PKCS#11 URI: ", a PIN's bytes may stand in the path that a refusal quotes).
// Used by fuzz_pkcs11_uri and by the attack suite's pkcs11-uri check.
#include "crypto/pkcs11_uri.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace istmo::fuzz {

// The value of query attribute `name` ("pkcs11:...?a=1&pin-value=2"), if the query has it.
inline std::optional<std::string_view> query_attribute(std::string_view text, std::string_view name) {
    const auto query = text.find('?');
    if (query == std::string_view::npos) return std::nullopt;
    std::string_view rest = text.substr(query + 1);
    while (true) {
        const auto amp = rest.find('&');
        const std::string_view part = rest.substr(0, amp);
        if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
            return part.substr(name.size() + 1);
        if (amp == std::string_view::npos) return std::nullopt;
        rest = rest.substr(amp + 1);
    }
}

inline bool refusal_repeats_pin(std::string_view text) {
    const auto pin = query_attribute(text, "pin-value");
    if (!pin || pin->empty()) return false;
    const std::string marker = "PiNmArKeR7";
    if (text.find(marker) != std::string_view::npos) return false;
    const std::size_t at = static_cast<std::size_t>(pin->data() - text.data());
    std::string marked(text.substr(0, at));
    marked += marker;
    marked += text.substr(at + pin->size());
    auto uri = crypto::pkcs11::parse_uri(marked);
    return !uri && uri.error().to_string().find(marker) != std::string::npos;
}

}  // namespace istmo::fuzz
