// libFuzzer harness: RFC 7512 PKCS#11 URI parsing (crypto/pkcs11_uri.cpp) over arbitrary text.
// Besides memory safety it checks two promises of the parser: a PIN in the URI is never accepted,
// and a refusal never repeats the PIN it saw.
#include "crypto/pkcs11_uri.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto uri = istmo::crypto::pkcs11::parse_uri(text);
    const auto query = text.find('?');
    if (uri && query != std::string_view::npos && text.find("pin-value=", query) != std::string_view::npos)
        std::abort();  // a URI carrying a PIN was accepted
    if (!uri) {
        const auto at = text.find("pin-value=");
        if (at != std::string_view::npos) {
            std::string_view pin = text.substr(at + 10);
            pin = pin.substr(0, pin.find_first_of("&;#"));
            if (pin.size() >= 6 && uri.error().to_string().find(pin) != std::string::npos)
                std::abort();  // the error message repeated the PIN
        }
    }
    return 0;
}
