#pragma once
// Internal: the QR of gNoFirm/dQRCode against the invoice (SPEC §4.4, §10).
#include "invoice/panama/collector.hpp"

#include <string>
#include <string_view>

namespace istmo::invoice::panama::detail {

// Compares the chFE, iAmb and digestValue of the QR URL, and of its JWT payload read as JSON
// (any key order, keys with stray spaces are a warning), with dId, gDGen/iAmb and
// `signature_digest` (the signature's Reference DigestValue; empty when unknown: no digest
// comparison). Percent-escapes in the URL values are decoded first ('+' stays literal).
// With a non-empty `secret` the JWT's HS256 MAC is checked too.
void check_qr(const Element& root, std::string_view signature_digest, std::string_view secret, Collector& out);

// The value of a query parameter of a URL, percent-escapes decoded ('+' is kept: the DGI's
// base64 digest values carry it unescaped). Empty when absent.
std::string query_value(std::string_view url, std::string_view name);

}  // namespace istmo::invoice::panama::detail
