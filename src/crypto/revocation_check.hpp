#pragma once
// Internal: the CRL and OCSP checks themselves (parse, verify, look up one certificate), with
// nothing fetched or cached. Used by RevocationChecker (crypto/revocation.cpp) and tests.
#include <istmo/crypto/validator.hpp>

#include "crypto/native.hpp"

#include <openssl/ocsp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace istmo::crypto::detail {

using X509CrlPtr = internal::CPtr<X509_CRL, X509_CRL_free>;
using OcspRequestPtr = internal::CPtr<OCSP_REQUEST, OCSP_REQUEST_free>;
using OcspResponsePtr = internal::CPtr<OCSP_RESPONSE, OCSP_RESPONSE_free>;
using OcspBasicPtr = internal::CPtr<OCSP_BASICRESP, OCSP_BASICRESP_free>;
using OcspCertIdPtr = internal::CPtr<OCSP_CERTID, OCSP_CERTID_free>;

// Why a CRL or OCSP response gave no status: a stable code and the text in both languages.
struct StatusProblem {
    std::string code;
    std::string message;
    std::string message_es;
};

// The times a status is judged at. A CRL or response is usable for `at` when it was issued no
// later than `now` + tolerance (not from the future) and its nextUpdate, when present, is no
// earlier than `at` - tolerance (not stale for the time the path is validated at). Without a
// nextUpdate it must have been issued no earlier than `at` - max_age.
struct Freshness {
    TimePoint at;
    TimePoint now;
    std::chrono::seconds tolerance{300};
    std::chrono::seconds max_age{std::chrono::hours(24 * 7)};
    // False: check_ocsp_response leaves freshness to the caller (who reuses the checked
    // outcome and applies ocsp_freshness on each use).
    bool enforce = true;
};

// One source's verdict on one certificate: a status (good / revoked / unknown) when the source
// verified, else the problem. A delegated OCSP responder without id-pkix-ocsp-nocheck needs its
// own status checked by the caller before the status is used (`responder_to_check`).
struct SourceCheck {
    std::optional<CertificateStatus> status;
    StatusProblem problem;
    std::optional<Certificate> responder_to_check;
};

// ---- CRL ----------------------------------------------------------------------------------
// DER or PEM, at most max_bytes (REV-CRL-TOO-LARGE, REV-CRL-UNREADABLE).
Result<X509CrlPtr> parse_crl(std::span<const std::uint8_t> data, std::size_t max_bytes);

// The time-independent checks of a CRL against the CA expected to have issued it: issuer name,
// cRLSign key usage, signature, critical extensions understood, not a delta CRL. Empty code
// when the CRL may be used.
StatusProblem verify_crl(X509_CRL* crl, const Certificate& issuer);

// Freshness and the look-up of `certificate` in a CRL that verify_crl accepted.
SourceCheck crl_status(X509_CRL* crl, const Certificate& certificate, const Freshness& freshness);

// The nextUpdate of a CRL, when it has one.
std::optional<TimePoint> crl_next_update(X509_CRL* crl);

// ---- OCSP ---------------------------------------------------------------------------------
struct OcspRequestMade {
    OcspRequestPtr request;
    Bytes der;
};
// An OCSP request for one certificate with a CertID hashed by `cert_id_digest` (SHA-256 by
// default, SHA-1 for responders that need it), with a random nonce when asked.
Result<OcspRequestMade> make_ocsp_request(const Certificate& certificate, const Certificate& issuer,
                                          DigestAlg cert_id_digest, bool with_nonce);

// Checks an OCSPResponse (or a bare BasicOCSPResponse) for `certificate`: response status,
// signature by the issuer or by a delegated responder issued by it with id-kp-OCSPSigning, the
// nonce of `sent` when it carried one, the CertID (with the hash the response used), the
// single response's status and its freshness.
SourceCheck check_ocsp_response(std::span<const std::uint8_t> data, const Certificate& certificate,
                                const Certificate& issuer, const OCSP_REQUEST* sent, const Freshness& freshness);

// The freshness rule on an OCSP status whose this_update is set.
StatusProblem ocsp_freshness(const CertificateStatus& status, const Freshness& freshness);

// ---- shared -------------------------------------------------------------------------------
std::optional<TimePoint> time_from_asn1(const ASN1_TIME* time);
// RFC 5280 CRLReason names ("keyCompromise", ...); empty for unspecified/absent.
std::string crl_reason_name(int reason);
// The URLs a certificate publishes: CRL distribution points (full names, URIs) and the AIA OCSP
// access locations, in certificate order.
std::vector<std::string> crl_distribution_urls(const Certificate& certificate);
std::vector<std::string> ocsp_urls(const Certificate& certificate);

// The statuses every status source words alike: checking is off (REV-OFF); the certificate
// publishes no CRL or OCSP URL and the policy does not require a status (REV-NO-SOURCE).
CertificateStatus revocation_off_status();
void mark_no_status_source(CertificateStatus& status);

}  // namespace istmo::crypto::detail
