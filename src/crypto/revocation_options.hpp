#pragma once
// Internal: the certificate status settings a verifier's options carry. dsig::VerifyOptions and
// tsa::VerifyOptions hold the same five fields; both make their RevocationChecker from here.
#include <istmo/crypto/revocation.hpp>

#include <memory>

namespace istmo::crypto {

template <class VerifierOptions>
RevocationOptions revocation_options_from(const VerifierOptions& o) {
    RevocationOptions r;
    r.policy = o.revocation;
    r.crl_files = o.crl_files;
    r.ocsp_response_files = o.ocsp_response_files;
    r.offline = o.offline;
    r.cache_dir = o.revocation_cache_dir;
    return r;
}

// A checker made from those settings (an error when a CRL or OCSP response file cannot be read).
template <class VerifierOptions>
Result<std::shared_ptr<const CertificateStatusSource>> make_status_source(const VerifierOptions& o) {
    auto made = RevocationChecker::create(revocation_options_from(o));
    if (!made) return std::move(made).error();
    return std::shared_ptr<const CertificateStatusSource>(std::move(*made));
}

}  // namespace istmo::crypto
