// libFuzzer harness: RFC 7512 PKCS#11 URI parsing (crypto/pkcs11_uri.cpp) over arbitrary text.
// Besides memory safety it checks two promises of the parser: a URI whose query carries a PIN
// (pin-value) is never accepted, and its refusal never repeats that PIN.
#include "crypto/pkcs11_uri.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

namespace {

// The value of query attribute `name` ("pkcs11:...?a=1&pin-value=2"), if the query has it.
std::optional<std::string_view> query_attribute(std::string_view text, std::string_view name) {
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

// Whether the PIN's text also stands in the URI outside its pin-value attribute (then a refusal
// that quotes, say, the path may contain those bytes without having repeated the PIN).
bool stands_elsewhere(std::string_view text, std::string_view pin) {
    const std::size_t own = static_cast<std::size_t>(pin.data() - text.data());
    for (std::size_t at = text.find(pin); at != std::string_view::npos; at = text.find(pin, at + 1))
        if (at != own) return true;
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto uri = istmo::crypto::pkcs11::parse_uri(text);
    const auto pin = query_attribute(text, "pin-value");
    if (uri && pin) std::abort();  // a URI carrying a PIN was accepted
    if (!uri && pin && pin->size() >= 6 && !stands_elsewhere(text, *pin) &&
        uri.error().to_string().find(*pin) != std::string::npos)
        std::abort();  // the refusal repeated the PIN
    return 0;
}
