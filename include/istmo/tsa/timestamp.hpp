#pragma once
// RFC 3161 time-stamps: building a TimeStampReq and verifying a TimeStampResp or a bare
// TimeStampToken (CMS SignedData over TSTInfo). Verification always runs every check; each
// failed check is one report::Finding with a stable code (docs/finding-codes.md, "Timestamps").
//
// Thread safety: plain values; the free functions and a shared TokenVerifier are safe to call
// from many threads.
#include <istmo/core/result.hpp>
#include <istmo/crypto/keys.hpp>
#include <istmo/crypto/revocation.hpp>
#include <istmo/crypto/validator.hpp>
#include <istmo/export.hpp>
#include <istmo/report/report.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::tsa {

using Bytes = crypto::Bytes;
using TimePoint = crypto::TimePoint;

// Message-imprint algorithms a request may use.
enum class HashAlg { sha256, sha384, sha512 };

// "sha256", "sha384", "sha512".
ISTMO_API std::string_view hash_alg_name(HashAlg alg) noexcept;
// Accepts "sha256"/"SHA-256"/... (invalid_argument otherwise).
ISTMO_API Result<HashAlg> hash_alg_from_name(std::string_view name);

struct RequestExtension {
    std::string oid;   // dotted form
    bool critical = false;
    Bytes value;       // the DER placed in extnValue
};

struct RequestOptions {
    HashAlg hash = HashAlg::sha256;
    bool cert_req = true;            // ask the TSA to embed its certificate
    std::string policy;              // reqPolicy (dotted OID); empty: none
    // The nonce as a big-endian unsigned integer. Empty: 127 fresh random bits (the default;
    // only tests should set it). A given nonce must be at least 8 bytes and not all zero.
    Bytes nonce;
    std::vector<RequestExtension> extensions;
};

// A DER TimeStampReq plus what the response must echo.
class ISTMO_API TimestampRequest {
public:
    // Hashes the data with options.hash.
    static Result<TimestampRequest> for_data(std::span<const std::uint8_t> data,
                                             const RequestOptions& options = {});
    // Streams the file through the hash (not_found / io_error).
    static Result<TimestampRequest> for_file(const std::string& path,
                                             const RequestOptions& options = {});
    // A precomputed digest of options.hash (invalid_argument when its size does not fit).
    static Result<TimestampRequest> for_digest(std::span<const std::uint8_t> digest,
                                               const RequestOptions& options = {});

    [[nodiscard]] const Bytes& der() const noexcept { return m_der; }
    [[nodiscard]] HashAlg hash() const noexcept { return m_hash; }
    [[nodiscard]] const Bytes& imprint() const noexcept { return m_imprint; }
    // Big-endian magnitude, DER-minimal (no leading zero byte).
    [[nodiscard]] const Bytes& nonce() const noexcept { return m_nonce; }
    [[nodiscard]] bool cert_req() const noexcept { return m_cert_req; }
    [[nodiscard]] const std::string& policy() const noexcept { return m_policy; }

private:
    TimestampRequest() = default;
    Bytes m_der;
    HashAlg m_hash = HashAlg::sha256;
    Bytes m_imprint;
    Bytes m_nonce;
    bool m_cert_req = true;
    std::string m_policy;
};

struct Accuracy {
    long seconds = 0;
    long millis = 0;
    long micros = 0;
};

// What a token says, filled as far as the token could be parsed.
struct TokenInfo {
    long version = 0;
    std::string policy;                 // dotted OID
    std::string imprint_algorithm;      // "sha256", ... or the dotted OID when unknown
    Bytes imprint;
    std::string serial_hex;             // upper-case hex, "-" prefix when negative
    TimePoint gen_time{};               // to the millisecond
    std::string gen_time_text;          // as encoded, e.g. "20250311085208.123Z"
    std::optional<Accuracy> accuracy;
    bool ordering = false;
    std::optional<std::string> nonce_hex;  // upper-case hex, "-" prefix when negative
    std::string tsa_name;               // the GeneralName as text, empty when absent
    std::string ess_version;            // "v1", "v2", "v1+v2" or "" (no attribute)
    std::size_t embedded_certificates = 0;
    // The signer (when found).
    std::string signer_subject;
    std::string signer_issuer;
    std::string signer_serial_hex;
    std::string signer_sha256;
    TimePoint signer_not_before{};
    TimePoint signer_not_after{};
    std::string signature_algorithm;    // e.g. "rsa-pkcs1", "rsa-pss", "ecdsa"
};

struct VerifyOptions {
    // Trust anchors for the TSA certificate. Every certificate here is an anchor (a root or
    // an intermediate the caller trusts). Empty: the token cannot be trusted (TSA-CERT-UNTRUSTED).
    crypto::TrustStore trust;
    // Certificates to use when the token does not embed them (the TSA cert, intermediates).
    // Never anchors.
    std::vector<crypto::Certificate> extra_certificates;
    // When set, the signer must be exactly this certificate (TSA-CERT-PIN-MISMATCH).
    std::optional<crypto::Certificate> pinned_tsa_certificate;
    // Fresh tokens only: |genTime - now| must not exceed this (TSA-GENTIME-SKEW).
    std::optional<std::chrono::seconds> max_clock_skew;
    // "now" for the skew check; the system clock when unset.
    std::optional<TimePoint> now;
    // Chain validation time; genTime when unset (TSA certificates often expire after issuing).
    std::optional<TimePoint> validation_time;
    // Certificate status (CRL / OCSP) of the TSA certificate and its CAs, judged at the
    // validation time, with the CRLs and OCSP responses the token carries (SignedData crls:
    // CRLs and id-ri-ocsp-response values) used first (docs/revocation.md, "Time-stamps").
    // The same meaning as in dsig::VerifyOptions: `revocation` auto (default) requires a status
    // for each certificate that publishes a CRL or OCSP URL (TSA-CERT-REVOCATION-UNKNOWN when
    // none can be had), require: for every one; off: nothing checked (a warning says so).
    crypto::RevocationPolicy revocation = crypto::RevocationPolicy::automatic;
    std::vector<std::string> crl_files;            // DER or PEM CRLs
    std::vector<std::string> ocsp_response_files;  // DER OCSP responses
    bool offline = false;                          // never fetch CRLs / OCSP responses
    std::string revocation_cache_dir;              // fetched CRLs / responses kept between runs
    // A status source to use instead of one made from the options above (e.g. the checker a
    // signature verifier uses, with its cache). Null: made from the options.
    std::shared_ptr<const crypto::CertificateStatusSource> status_source;
};

// What a bare token must match (the request fields for verify_response come from the request).
struct TokenExpectations {
    // The time-stamped data (hashed with the token's imprint algorithm), or a digest.
    std::optional<Bytes> data;
    std::optional<HashAlg> digest_alg;
    Bytes digest;
    std::optional<Bytes> nonce;   // big-endian magnitude; must be present and equal when set
    std::string policy;           // must be equal when set
    bool require_certificates = false;
    // CRLs / OCSP responses the caller has for this token's certificates (e.g. those of the
    // signature a time-stamp is part of), offered after the token's own.
    crypto::RevocationEvidence revocation_evidence;
};

struct TokenVerification {
    // PKIStatus of a TimeStampResp (0 granted, 1 grantedWithMods, ...), -1 for a bare token
    // or an unparseable response.
    int status = -1;
    std::string status_text;              // PKIFreeText, joined with "; "
    std::vector<std::string> fail_info;   // e.g. {"badAlg"}
    TokenInfo info;
    Bytes token;                          // the TimeStampToken (ContentInfo) bytes, when present
    // The TSA certificate's path as validated (TSA certificate first, anchor last), each with
    // its certificate status; empty when no path was verified.
    std::vector<crypto::ChainElement> tsa_path;
    std::vector<report::Finding> findings;

    // True when no finding has severity error.
    [[nodiscard]] ISTMO_API bool valid() const noexcept;
    // The first error finding, or nullptr.
    [[nodiscard]] ISTMO_API const report::Finding* first_error() const noexcept;
    // "TSA-NONCE-MISMATCH: the nonce ..." of the first error, or "" when valid.
    [[nodiscard]] ISTMO_API std::string summary() const;
};

// Verifies many responses or tokens with one set of options. Every check runs for every token,
// exactly as the free functions below do; what is kept between calls is only what does not
// depend on the token: the anchors as an OpenSSL store (built once), certificates seen in
// tokens (parsed once, keyed by the SHA-256 of their DER), and the outcome of the TSA
// certificate path validation, keyed by (the signer's and every other candidate certificate's
// SHA-256 in order, the trust anchors' identity, the validation-time segment). A segment is an
// interval in which no certificate involved (signer, candidates, anchors) changes between
// not-yet-valid, valid and expired, so a cached outcome is the one a fresh validation would give
// at that time. Both caches are bounded (cleared when full).
//
// The options, the trust anchors included, are copied at construction: anchors added to the
// caller's TrustStore afterwards do not reach an existing verifier (make a new one).
// Thread safety: const methods may be called from many threads at once; copies share the caches.
class ISTMO_API TokenVerifier {
public:
    explicit TokenVerifier(VerifyOptions options);

    [[nodiscard]] TokenVerification verify_response(std::span<const std::uint8_t> response,
                                                    const TimestampRequest& request) const;
    [[nodiscard]] TokenVerification verify_token(std::span<const std::uint8_t> token,
                                                 const TokenExpectations& expect) const;
    [[nodiscard]] TokenVerification verify_response_or_token(std::span<const std::uint8_t> bytes,
                                                             const TokenExpectations& expect) const;

    [[nodiscard]] const VerifyOptions& options() const noexcept;

    // Cache counters since construction (diagnostics and tests).
    using CacheStats = crypto::CacheStats;
    [[nodiscard]] CacheStats cache_stats() const noexcept;

    struct Impl;
private:
    std::shared_ptr<Impl> m_impl;
};

// The free functions verify once, with nothing cached between calls (a TokenVerifier is the
// faster choice for more than one token with the same options).
// Verifies a complete TimeStampResp (HTTP body) against the request that produced it.
[[nodiscard]] ISTMO_API TokenVerification verify_response(std::span<const std::uint8_t> response,
                                                          const TimestampRequest& request,
                                                          const VerifyOptions& options);

// Verifies a bare TimeStampToken (DER or BER CMS ContentInfo).
[[nodiscard]] ISTMO_API TokenVerification verify_token(std::span<const std::uint8_t> token,
                                                       const TokenExpectations& expect,
                                                       const VerifyOptions& options);

// A TimeStampResp or a bare token, detected by content (verify_token's rules).
[[nodiscard]] ISTMO_API TokenVerification verify_response_or_token(
    std::span<const std::uint8_t> bytes, const TokenExpectations& expect,
    const VerifyOptions& options);

// Names of PKIFailureInfo bits: 0 "badAlg", 2 "badRequest", 5 "badDataFormat",
// 14 "timeNotAvailable", 15 "unacceptedPolicy", 16 "unacceptedExtension",
// 17 "addInfoNotAvailable", 25 "systemFailure"; others "bit<N>".
ISTMO_API std::string fail_info_name(int bit);

}  // namespace istmo::tsa
