#pragma once
// Internal helpers shared by XAdES signing and verification.
#include <istmo/core/result.hpp>
#include <istmo/crypto/keys.hpp>

#include <libxml/tree.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace istmo::xades::detail {

inline constexpr std::string_view k_xades_ns = "http://uri.etsi.org/01903/v1.3.2#";
inline constexpr std::string_view k_xades141_ns = "http://uri.etsi.org/01903/v1.4.1#";
inline constexpr std::string_view k_xades111_ns = "http://uri.etsi.org/01903/v1.1.1#";

// DER of IssuerSerial ::= SEQUENCE { issuer GeneralNames (directoryName), serialNumber INTEGER }
// as used by IssuerSerialV2 (RFC 5035).
crypto::Bytes issuer_serial_der(const crypto::Certificate& cert);

// xs:dateTime with optional fraction and Z / +hh:mm / -hh:mm (none = UTC).
std::optional<std::chrono::system_clock::time_point> parse_xs_datetime(std::string_view text);

// URI of a commitment short name ("proof-of-origin"), or the text itself when it is a URI.
std::string commitment_uri(std::string_view name);

// True when the ds:Signature element lies inside a xades:CounterSignature (it signs another
// signature's value, not the document).
bool inside_counter_signature(const xmlNode* signature);

}  // namespace istmo::xades::detail
