#pragma once
// Internal: the certificate status source VerifyOptions ask for, made once so that every
// verifier sharing those options (XAdES's time-stamp check, a batch's worker threads) shares one
// RevocationChecker: one cache, one download in flight per URL.
#include <istmo/crypto/revocation.hpp>
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

}  // namespace istmo::dsig
