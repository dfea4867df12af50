// libFuzzer harness: RFC 7512 PKCS#11 URI parsing (crypto/pkcs11_uri.cpp) over arbitrary text.
// Besides memory safety it checks two promises of the parser: a URI whose query carries a PIN
// (pin-value) is never accepted, and its refusal never repeats that PIN.
#include "crypto/pkcs11_uri.hpp"
#include "pkcs11_pin_echo.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto uri = istmo::crypto::pkcs11::parse_uri(text);
    const auto pin = istmo::fuzz::query_attribute(text, "pin-value");
    if (uri && pin) std::abort();  // a URI carrying a PIN was accepted
    if (!uri && istmo::fuzz::refusal_repeats_pin(text)) std::abort();  // the refusal repeated the PIN
    return 0;
}
