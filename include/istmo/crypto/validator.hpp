#pragma once
// One certificate validator for every signature kind: X.509 path building and checking for a
// purpose at a validation time, with the certificates parsed once and the path outcomes cached,
// and a per-certificate status step (revocation) that reports "not_checked" until a status
// source is plugged in.
//
// Thread safety: a CertificateValidator is immutable after construction apart from its caches,
// which are internally synchronised: validate() and certificate() may be called from many
// threads at once. Copies share the caches. A CertificateStatusSource must be thread-safe.
#include <istmo/core/result.hpp>
#include <istmo/crypto/keys.hpp>
#include <istmo/export.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::crypto {

// What the target certificate is to be used for.
enum class CertificatePurpose {
    // Document signatures: keyUsage absent or with digitalSignature or nonRepudiation (either
    // alone is enough); an extendedKeyUsage naming only timeStamping / OCSPSigning is refused.
    signature,
    // RFC 3161 time-stamping units: OpenSSL's timestamp-signing purpose along the path, and on
    // the target an extendedKeyUsage that is exactly id-kp-timeStamping and marked critical.
    time_stamping,
};

// Stable lower-case name: "signature", "time_stamping".
ISTMO_API std::string_view certificate_purpose_name(CertificatePurpose purpose) noexcept;

// Revocation status of one certificate of a path.
enum class RevocationStatus { not_checked, good, revoked, unknown };
// Where a status came from.
enum class StatusSource { none, ocsp, crl, embedded };

// Stable lower-case names: "not_checked", "good", "revoked", "unknown" / "none", "ocsp", ...
ISTMO_API std::string_view revocation_status_name(RevocationStatus status) noexcept;
ISTMO_API std::string_view status_source_name(StatusSource source) noexcept;

struct CertificateStatus {
    RevocationStatus status = RevocationStatus::not_checked;
    StatusSource source = StatusSource::none;
    std::optional<TimePoint> this_update;
    std::optional<TimePoint> next_update;
    std::optional<TimePoint> revocation_time;
    std::string reason;   // e.g. "keyCompromise"; empty when none
    std::string message;  // human text, empty when nothing to say
    std::string message_es;  // the same in Spanish
    // A stable finding code when something is worth reporting about this certificate's status
    // ("REV-NO-SOURCE", "REV-UNAVAILABLE", "REV-OFF", ...; docs/finding-codes.md), else empty.
    std::string code;
    // The policy needed a status for this certificate: a not_checked or unknown status then
    // means the validation cannot conclude (INDETERMINATE / TRY_LATER).
    bool required = false;
    // When a status may be obtainable (e.g. a responder's or CRL's next update), if known.
    std::optional<TimePoint> next_try;
};

// Revocation information that one document or token carries (XAdES RevocationValues, CMS
// revocation info of a time-stamp token), DER encoded. Offered for one validate() call only.
struct RevocationEvidence {
    std::vector<Bytes> crls;
    std::vector<Bytes> ocsp_responses;  // OCSPResponse or BasicOCSPResponse
    [[nodiscard]] bool empty() const noexcept { return crls.empty() && ocsp_responses.empty(); }
};

// The seam where CRL and OCSP checking plug in. Called for every certificate of a built path
// except the trust anchor, after the path checks, each time validate() runs (statuses are never
// taken from the path cache). Must be thread-safe; must not throw.
class ISTMO_API CertificateStatusSource {
public:
    virtual ~CertificateStatusSource();
    // `issuer` is the next certificate of the path (the one that signed `certificate`).
    [[nodiscard]] virtual CertificateStatus status(const Certificate& certificate, const Certificate& issuer,
                                                   TimePoint at) const = 0;
    // The same with the evidence one validate() call received; by default the evidence is not
    // used.
    [[nodiscard]] virtual CertificateStatus status(const Certificate& certificate, const Certificate& issuer,
                                                   TimePoint at, const RevocationEvidence& evidence) const;
};

struct ValidatorOptions {
    // Trust anchors: every certificate here is an anchor (a root or any certificate the caller
    // trusts). Copied at construction: anchors added to the store later do not reach the
    // validator.
    TrustStore trust;
    // Untrusted certificates offered to every path (intermediates), after the per-call ones.
    // Never anchors.
    std::vector<Certificate> extra_certificates;
    // Null: every certificate's status is "not_checked".
    std::shared_ptr<const CertificateStatusSource> status_source;
    // Cache bounds (entries); a full cache is emptied and refilled. 0 disables that cache.
    std::size_t max_cached_certificates = 512;
    std::size_t max_cached_paths = 1024;
};

// One certificate of a validated path, with its status slot.
struct ChainElement {
    Certificate certificate;
    bool anchor = false;  // the trust anchor that ends the path
    CertificateStatus status;
};

struct CertificateValidation {
    PathStatus status = PathStatus::invalid;
    // Human text ("certificate has expired (CN=...)", ...).
    std::string message;
    // The path checker's own reason alone ("certificate has expired"); empty for the usage
    // rules of the purpose checked after the path and for set-up failures.
    std::string reason;
    // Which certificate failed: 0 the target, 1 its issuer, ...; -1 when valid or not known.
    int error_depth = -1;
    // True when the path itself verified (signatures, validity, constraints up to an anchor);
    // a purpose rule on the target may still have failed (status bad_key_usage).
    bool path_verified = false;
    // Target first, anchor last; as far as a path was built (also when it failed).
    std::vector<ChainElement> chain;
};

// Counters of a validator's caches since construction (diagnostics and tests): certificates
// parsed once by DER hash, and path outcomes. tsa::TokenVerifier reports the same counters.
struct CacheStats {
    std::uint64_t certificate_hits = 0;
    std::uint64_t certificate_misses = 0;
    std::uint64_t path_hits = 0;
    std::uint64_t path_misses = 0;
};

class ISTMO_API CertificateValidator {
public:
    explicit CertificateValidator(ValidatorOptions options);

    // The certificate with this DER, parsed once and then taken from the cache (keyed by the
    // SHA-256 of the DER). parse_error when the bytes are not exactly one certificate.
    [[nodiscard]] Result<Certificate> certificate(std::span<const std::uint8_t> der) const;

    // Builds and checks the path target -> candidates... / extra certificates -> anchor at `at`
    // for `purpose`. The candidates (e.g. the certificates a signature or token carries) are
    // untrusted and tried in order. The path outcome is cached per (trust set, purpose, target,
    // candidates in order, validity segment of `at`): a segment is an interval in which no
    // certificate involved becomes valid or expires, so a cached outcome is the one a fresh
    // validation gives. Statuses come fresh from the status source each call.
    // `evidence` (optional) is handed to the status source for this call only.
    [[nodiscard]] CertificateValidation validate(const Certificate& target, std::span<const Certificate> candidates,
                                                 CertificatePurpose purpose, TimePoint at,
                                                 const RevocationEvidence* evidence = nullptr) const;

    // True when a status source is plugged in.
    [[nodiscard]] bool checks_status() const noexcept;

    [[nodiscard]] const TrustStore& trust() const noexcept;
    [[nodiscard]] const std::vector<Certificate>& extra_certificates() const noexcept;

    using CacheStats = crypto::CacheStats;
    [[nodiscard]] CacheStats cache_stats() const noexcept;

private:
    struct Impl;
    std::shared_ptr<Impl> m_impl;
};

}  // namespace istmo::crypto
