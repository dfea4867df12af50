#pragma once
// Internal: the X.509 path check itself (OpenSSL's X509_verify_cert plus the usage rules of a
// purpose), with nothing cached. Shared by CertificateValidator and validate_path.
#include <istmo/crypto/validator.hpp>

#include "crypto/native.hpp"

#include <openssl/x509_vfy.h>

#include <span>

namespace istmo::crypto::detail {

// The outcome of one check, and whether it may be cached (false for set-up failures, which
// say nothing about the certificates).
struct PathCheck {
    CertificateValidation validation;
    bool cacheable = true;
};

// Checks target -> untrusted... -> an anchor of `store` at `at` for `purpose`. Every
// certificate of the store is an anchor; `anchors` are the Certificates the store was built
// from, so that the chain shares them (and their computed facts) instead of copies. Statuses are
// left "not_checked".
PathCheck check_path(X509_STORE* store, std::span<const Certificate> anchors, const Certificate& target,
                     std::span<const Certificate> untrusted, CertificatePurpose purpose, TimePoint at);

// RFC 3161 §2.3 on a time-stamping unit's certificate: extendedKeyUsage exactly
// id-kp-timeStamping, marked critical.
enum class TimestampingEkuProblem { none, missing, not_exactly_timestamping, not_critical };
TimestampingEkuProblem timestamping_eku_problem(X509* cert);

// An X509_STORE over the anchors (every one of them an anchor). Errc::internal on failure.
Result<internal::X509StorePtr> make_anchor_store(std::span<const Certificate> anchors);

}  // namespace istmo::crypto::detail
