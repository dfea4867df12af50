#pragma once
// Internal: a RevocationChecker that also hands out the CRL or OCSP response (DER) a status came
// from -- what a long-term signature (XAdES B-LT RevocationValues) embeds. The checks, fetching
// and caching are RevocationChecker's own; nothing is fetched or verified twice.
#include <istmo/crypto/revocation.hpp>

#include <memory>

namespace istmo::crypto::detail {

struct CollectedStatus {
    CertificateStatus status;
    RevocationEvidence used;  // the OCSP response or CRL that gave a good / revoked status
};

class CollectingChecker {
public:
    static Result<CollectingChecker> create(RevocationOptions options);
    // The status of `certificate` (issued by `issuer`) current for `at`, with its source's DER.
    // `known`: what the document carries already, tried first (a status from it adds nothing).
    [[nodiscard]] CollectedStatus collect(const Certificate& certificate, const Certificate& issuer, TimePoint at,
                                          const RevocationEvidence& known) const;
    [[nodiscard]] const std::shared_ptr<const RevocationChecker>& checker() const noexcept { return m_checker; }

private:
    CollectingChecker(std::shared_ptr<const RevocationChecker> checker, const RevocationChecker::Impl* impl)
        : m_checker(std::move(checker)), m_impl(impl) {}
    std::shared_ptr<const RevocationChecker> m_checker;
    const RevocationChecker::Impl* m_impl;  // owned by m_checker
};

}  // namespace istmo::crypto::detail
