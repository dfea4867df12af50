#pragma once
// Internal: a request's revocation policy (?revocation=) over a status source the embedder gave
// the server (ServerOptions::batch.verify.status_source). The source says where a certificate's
// status comes from; the policy says which certificates need one and what happens without it.
// The two are separable: the source is asked as it is, and its answer's `required` flag and
// finding code are those the policy gives, the way crypto::RevocationChecker applies its own:
//   off      the source is not asked; REV-OFF (nothing checked, a warning says so)
//   require  every certificate of the path but the anchor needs a good or revoked status
//   auto     those that publish a CRL distribution point or an OCSP URL need one; the others
//            are accepted on their validity with REV-NO-SOURCE
// A required status the source does not give is REV-UNAVAILABLE unless the source said more.
#include <istmo/crypto/validator.hpp>
#include <istmo/crypto/revocation.hpp>

#include <memory>

namespace istmo::service::detail {

class PolicyStatusSource final : public crypto::CertificateStatusSource {
public:
    PolicyStatusSource(std::shared_ptr<const crypto::CertificateStatusSource> source, crypto::RevocationPolicy policy)
        : m_source(std::move(source)), m_policy(policy) {}

    [[nodiscard]] crypto::CertificateStatus status(const crypto::Certificate& certificate, const crypto::Certificate& issuer,
                                                   crypto::TimePoint at) const override;
    [[nodiscard]] crypto::CertificateStatus status(const crypto::Certificate& certificate, const crypto::Certificate& issuer,
                                                   crypto::TimePoint at,
                                                   const crypto::RevocationEvidence& evidence) const override;

private:
    [[nodiscard]] crypto::CertificateStatus apply(const crypto::Certificate& certificate,
                                                  crypto::CertificateStatus status) const;

    std::shared_ptr<const crypto::CertificateStatusSource> m_source;
    crypto::RevocationPolicy m_policy;
};

}  // namespace istmo::service::detail
