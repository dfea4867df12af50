#pragma once
// Internal: the certificate status source VerifyOptions ask for, made once so that every
// verifier sharing those options (XAdES's time-stamp check, a batch's worker threads) shares one
// RevocationChecker: one cache, one download in flight per URL.
#include <istmo/crypto/revocation.hpp>
#include <istmo/crypto/validator.hpp>
#include <istmo/dsig/verify.hpp>

#include "crypto/revocation_options.hpp"

#include <memory>
#include <utility>

namespace istmo::dsig {

// options.status_source when set, else a RevocationChecker made from the revocation options
// (an error when a CRL / OCSP response file cannot be read, ...).
inline Result<std::shared_ptr<const crypto::CertificateStatusSource>> status_source_for(const VerifyOptions& options) {
    if (options.status_source) return options.status_source;
    return crypto::make_status_source(options);
}

// The options with their status source made, when it can be; otherwise unchanged (the
// verifier made from them then reports why, as a finding on each signature).
inline VerifyOptions with_status_source(VerifyOptions options) {
    if (auto made = status_source_for(options)) options.status_source = std::move(*made);
    return options;
}

// Entries of a verifier's certificate-path cache (and of its parsed-certificate cache).
inline constexpr std::size_t k_path_cache_capacity = 4096;

// The certificate step's validator made from the options' trust anchors and extra certificates,
// with `source` for the statuses (null: every status "not_checked"); options.certificate_validator
// is not looked at.
inline crypto::CertificateValidator certificate_validator_with(const VerifyOptions& options,
                                                               std::shared_ptr<const crypto::CertificateStatusSource> source) {
    crypto::ValidatorOptions v;
    v.trust = options.trust;
    v.extra_certificates = options.extra_certificates;  // candidates for every path, never anchors
    v.max_cached_paths = k_path_cache_capacity;
    v.status_source = std::move(source);
    return crypto::CertificateValidator(std::move(v));
}

// The options with one certificate validator for every verifier made from them (batch: every
// profile and worker thread; the service: every profile and legacy setting), unless they have
// one already. Only when their status source could be made: otherwise they are left as they are,
// so that each verifier reports why (a validator without a source would call every status
// "not_checked" without saying that the revocation set-up failed).
inline VerifyOptions with_certificate_validator(VerifyOptions options) {
    if (options.certificate_validator) return options;
    options = with_status_source(std::move(options));
    if (!options.status_source) return options;
    options.certificate_validator =
        std::make_shared<const crypto::CertificateValidator>(certificate_validator_with(options, options.status_source));
    return options;
}

}  // namespace istmo::dsig
