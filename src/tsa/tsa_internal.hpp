#pragma once
// Internal helpers shared by src/tsa/*.cpp (and the tests). Never included from include/.
#include <istmo/tsa/timestamp.hpp>

#include "crypto/native.hpp"
#include "net/net_internal.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace istmo::tsa::detail {

crypto::DigestAlg digest_alg(HashAlg alg) noexcept;
int hash_nid(HashAlg alg) noexcept;

// One DER TLV: tag byte, header size, content span. Only single-byte tags and definite
// lengths (up to 4 length bytes); anything else is "not DER" for our purposes.
struct Tlv {
    std::uint8_t tag = 0;
    std::size_t header = 0;
    std::span<const std::uint8_t> content;
    [[nodiscard]] std::size_t total() const noexcept { return header + content.size(); }
};

enum class TlvError { none, empty, bad_tag, indefinite, bad_length, truncated };

// Reads the TLV at the start of `in`. On error returns std::nullopt and sets err.
std::optional<Tlv> read_tlv(std::span<const std::uint8_t> in, TlvError& err) noexcept;

// A DER ContentInfo(SignedData) taken apart: the same DER without the SignedData certificates
// field (lengths re-encoded), and the DER of every certificate that field held, in order.
// nullopt unless the token is definite-length DER with a non-empty certificates field holding
// X.509 certificates only (no other CertificateChoices) and nothing after it.
struct SplitToken {
    std::vector<std::uint8_t> without_certificates;
    std::vector<std::span<const std::uint8_t>> certificates;  // point into the input
};
std::optional<SplitToken> split_certificates(std::span<const std::uint8_t> token);

// The revocation information a token carries: in its SignedData crls field (RFC 5652
// RevocationInfoChoices) CRLs, and OCSP responses as OtherRevocationInfoFormat
// id-ri-ocsp-response (RFC 5940; id-pkix-ocsp-basic too, as EU DSS writes it); in its
// SignerInfos' unsigned attributes CAdES RevocationValues (CRLs and BasicOCSPResponses). Other
// formats are skipped, and so is everything past k_max_token_evidence of a kind. Empty when the
// token has none or is not definite-length DER (a BER token is re-encoded first by the caller).
inline constexpr std::size_t k_max_token_evidence = 32;
crypto::RevocationEvidence token_revocation_evidence(std::span<const std::uint8_t> token);

// The findings of the statuses of a validated TSA path (src/tsa/verify_status.cpp): a
// certificate revoked at or before genTime voids the token, as does one revoked later unless the
// reason says the key stayed safe (RFC 3161 §4); a status required but not obtained leaves the
// token undecided (try later); what was not checked is a warning. `setup_error`: why the status
// source could not be made from the options, if it could not.
void add_status_findings(std::vector<report::Finding>& findings, const crypto::CertificateValidation& path,
                         std::optional<TimePoint> gen_time, const std::optional<Error>& setup_error);

// Retry-After and HTTP-date parsing live in the net module (the HTTP client's own).
using net::detail::parse_http_date;
using net::detail::parse_retry_after;

}  // namespace istmo::tsa::detail
