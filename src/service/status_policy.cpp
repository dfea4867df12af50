#include "service/status_policy.hpp"

#include "crypto/revocation_check.hpp"

namespace istmo::service::detail {

namespace {

bool conclusive(const crypto::CertificateStatus& status) noexcept {
    return status.status == crypto::RevocationStatus::good || status.status == crypto::RevocationStatus::revoked;
}

}  // namespace

crypto::CertificateStatus PolicyStatusSource::status(const crypto::Certificate& certificate,
                                                     const crypto::Certificate& issuer, crypto::TimePoint at) const {
    if (m_policy == crypto::RevocationPolicy::off) return crypto::detail::revocation_off_status();
    return apply(certificate, m_source->status(certificate, issuer, at));
}

crypto::CertificateStatus PolicyStatusSource::status(const crypto::Certificate& certificate,
                                                     const crypto::Certificate& issuer, crypto::TimePoint at,
                                                     const crypto::RevocationEvidence& evidence) const {
    if (m_policy == crypto::RevocationPolicy::off) return crypto::detail::revocation_off_status();
    return apply(certificate, m_source->status(certificate, issuer, at, evidence));
}

crypto::CertificateStatus PolicyStatusSource::apply(const crypto::Certificate& certificate,
                                                    crypto::CertificateStatus status) const {
    bool required = m_policy == crypto::RevocationPolicy::require;
    if (!required) {
        try {
            required = !crypto::detail::ocsp_urls(certificate).empty() ||
                       !crypto::detail::crl_distribution_urls(certificate).empty();
        } catch (...) {
            required = true;  // cannot tell: the stricter reading
        }
    }
    status.required = required;
    if (conclusive(status)) return status;
    // What the source's own policy said does not hold under this one.
    const bool source_waived = status.code.empty() || status.code == "REV-OFF" || status.code == "REV-NO-SOURCE";
    if (!required && source_waived) {
        status.status = crypto::RevocationStatus::not_checked;
        crypto::detail::mark_no_status_source(status);
    } else if (required && source_waived) {
        status.code = "REV-UNAVAILABLE";
        status.message = "no status could be obtained for the certificate from the server's status source";
        status.message_es = "no se pudo obtener el estado del certificado de la fuente de estado del servidor";
    }
    return status;
}

}  // namespace istmo::service::detail
