#pragma once
// Internal: RFC 7512 PKCS#11 URIs ("pkcs11:token=...;object=...;id=%01?module-path=...").
#include <istmo/core/result.hpp>
#include <istmo/crypto/keys.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace istmo::crypto::pkcs11 {

struct Uri {
    // Token (CK_TOKEN_INFO) and slot attributes.
    std::optional<std::string> token, manufacturer, serial, model;
    std::optional<std::string> library_manufacturer, library_description;
    std::optional<std::string> slot_description, slot_manufacturer;
    std::optional<unsigned long> slot_id;
    // Object attributes.
    std::optional<std::string> object;  // CKA_LABEL
    std::optional<Bytes> id;            // CKA_ID
    std::optional<std::string> type;    // "private", "public", "cert", "secret-key", "data"
    // Query attributes.
    std::optional<std::string> module_path, module_name;
};

// Percent-decoding, attribute names and duplicates checked. A PIN in the URI (pin-value,
// pin-source) is refused: the PIN comes from the caller only. Errc::invalid_argument.
Result<Uri> parse_uri(std::string_view text);

}  // namespace istmo::crypto::pkcs11
