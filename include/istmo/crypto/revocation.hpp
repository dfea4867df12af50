#pragma once
// Certificate status (revocation) for CertificateValidator: CRLs (RFC 5280) and OCSP responses
// (RFC 6960, RFC 5019 profile), from files, from what a document carries, or fetched from the
// URLs a certificate publishes (OCSP first, then the CRL distribution points), with a policy
// saying which certificates need a status.
//
// Thread safety: a RevocationChecker is safe to use from many threads at once; fetched CRLs and
// OCSP responses are cached until their nextUpdate and shared by all threads, with one download
// in flight per URL.
#include <istmo/core/result.hpp>
#include <istmo/crypto/validator.hpp>
#include <istmo/export.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::crypto {

enum class RevocationPolicy {
    // A status is required for every certificate that publishes a CRL distribution point or an
    // OCSP URL; one that publishes none is accepted on its validity with a warning finding.
    automatic,
    require,  // every certificate of the path but the anchor needs a status
    off,      // nothing is checked; a warning finding says so
};

// "auto", "require", "off".
ISTMO_API std::string_view revocation_policy_name(RevocationPolicy policy) noexcept;
// invalid_argument for anything but "auto", "require", "off".
ISTMO_API Result<RevocationPolicy> parse_revocation_policy(std::string_view name);

struct RevocationOptions {
    RevocationPolicy policy = RevocationPolicy::automatic;
    std::vector<std::string> crl_files;            // DER or PEM, read when the checker is made
    std::vector<std::string> ocsp_response_files;  // DER OCSPResponse, read when the checker is made
    bool offline = false;                          // never fetch: files and embedded evidence only
    std::string cache_dir;                         // fetched CRLs/responses kept here between runs
    // A CRL or OCSP response is current for a time T when nextUpdate >= T - tolerance and
    // thisUpdate <= now + tolerance (clock skew between us and the CA); without nextUpdate it
    // must have been issued at most max_age before T.
    std::chrono::seconds freshness_tolerance{300};
    std::chrono::seconds max_age{std::chrono::hours(24 * 7)};
    std::size_t max_crl_bytes = 16u << 20;
    std::size_t max_ocsp_response_bytes = 64u << 10;
    bool ocsp_sha1_cert_id = false;  // CertID hashed with SHA-1 (for responders that need it)
    bool ocsp_nonce = true;          // send a nonce; a response echoing a different one is refused
    // Fetching: deadline of one whole fetch (retries included) and the proxy ("http://h:p").
    std::chrono::milliseconds fetch_timeout{10000};
    std::string proxy;
};

class ISTMO_API RevocationChecker final : public CertificateStatusSource {
public:
    // io_error / parse_error when a CRL or OCSP response file cannot be read;
    // invalid_argument for an unusable option.
    static Result<std::shared_ptr<const RevocationChecker>> create(RevocationOptions options);

    [[nodiscard]] CertificateStatus status(const Certificate& certificate, const Certificate& issuer,
                                           TimePoint at) const override;
    [[nodiscard]] CertificateStatus status(const Certificate& certificate, const Certificate& issuer, TimePoint at,
                                           const RevocationEvidence& evidence) const override;

    [[nodiscard]] const RevocationOptions& options() const noexcept;

    struct Stats {
        std::uint64_t fetches = 0;        // HTTP requests made
        std::uint64_t cache_hits = 0;     // fetched bodies reused
        std::uint64_t verified_reused = 0;  // CRLs / responses whose checks were reused
    };
    [[nodiscard]] Stats stats() const;

    struct Impl;
    explicit RevocationChecker(std::unique_ptr<Impl> impl);
    ~RevocationChecker() override;

private:
    std::unique_ptr<Impl> m_impl;
};

}  // namespace istmo::crypto
