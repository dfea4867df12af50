// CRL checks (RFC 5280 §5, §6.3): parse with a size limit, verify against the issuing CA, look
// a certificate up. Delta CRLs and indirect CRLs are not supported and say so.
#include "crypto/detail.hpp"
#include "crypto/revocation_check.hpp"

#include <openssl/x509v3.h>

#include <ctime>

namespace istmo::crypto::detail {
namespace {

using IdpPtr = internal::CPtr<ISSUING_DIST_POINT, ISSUING_DIST_POINT_free>;
using Asn1EnumeratedPtr = internal::CPtr<ASN1_ENUMERATED, ASN1_ENUMERATED_free>;
using DistPointsPtr = internal::CPtr<CRL_DIST_POINTS, CRL_DIST_POINTS_free>;
using AiaPtr = internal::CPtr<AUTHORITY_INFO_ACCESS, AUTHORITY_INFO_ACCESS_free>;

StatusProblem problem(std::string code, std::string en, std::string es) {
    return StatusProblem{std::move(code), std::move(en), std::move(es)};
}

// Critical CRL extensions this code understands. issuingDistributionPoint only in its plain
// form (no onlySomeReasons, not indirect); anything else critical refuses the CRL (§5.2).
StatusProblem check_crl_extensions(X509_CRL* crl) {
    const int count = X509_CRL_get_ext_count(crl);
    for (int i = 0; i < count; ++i) {
        X509_EXTENSION* ext = X509_CRL_get_ext(crl, i);
        const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
        if (nid == NID_delta_crl)
            return problem("REV-CRL-DELTA-UNSUPPORTED", "the CRL is a delta CRL, which is not supported",
                           "la CRL es una CRL delta, que no se admite");
        if (nid == NID_issuing_distribution_point) {
            int critical = 0;
            IdpPtr idp(static_cast<ISSUING_DIST_POINT*>(X509_CRL_get_ext_d2i(crl, nid, &critical, nullptr)));
            if (!idp || idp->onlysomereasons != nullptr || idp->indirectCRL != 0)
                return problem("REV-CRL-UNSUPPORTED-EXTENSION",
                               "the CRL's issuingDistributionPoint (partial or indirect CRL) is not supported",
                               "el issuingDistributionPoint de la CRL (CRL parcial o indirecta) no se admite");
            continue;
        }
        if (X509_EXTENSION_get_critical(ext) != 0 && nid != NID_crl_number && nid != NID_authority_key_identifier)
            return problem("REV-CRL-UNSUPPORTED-EXTENSION", "the CRL has a critical extension that is not understood",
                           "la CRL tiene una extensión crítica que no se entiende");
    }
    ERR_clear_error();
    return {};
}

}  // namespace

std::optional<TimePoint> time_from_asn1(const ASN1_TIME* time) {
    std::tm tm{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
        ERR_clear_error();
        return std::nullopt;
    }
    return time_point_from_epoch_seconds(static_cast<std::int64_t>(timegm(&tm)));
}

std::string crl_reason_name(int reason) {
    switch (reason) {
        case 1: return "keyCompromise";
        case 2: return "cACompromise";
        case 3: return "affiliationChanged";
        case 4: return "superseded";
        case 5: return "cessationOfOperation";
        case 6: return "certificateHold";
        case 8: return "removeFromCRL";
        case 9: return "privilegeWithdrawn";
        case 10: return "aACompromise";
        default: return {};
    }
}

Result<X509CrlPtr> parse_crl(std::span<const std::uint8_t> data, std::size_t max_bytes) {
    ErrorQueueGuard guard;
    if (data.size() > max_bytes)
        return make_error(Errc::limit_exceeded, "REV-CRL-TOO-LARGE: the CRL has " + std::to_string(data.size()) +
                                                    " bytes, more than the limit of " + std::to_string(max_bytes));
    X509CrlPtr crl;
    if (looks_like_pem(data)) {
        internal::BioPtr bio = memory_bio(data);
        crl.reset(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    } else {
        const unsigned char* p = data.data();
        crl.reset(d2i_X509_CRL(nullptr, &p, static_cast<long>(data.size())));
        if (crl && p != data.data() + data.size()) crl.reset();  // trailing bytes
    }
    if (!crl) return openssl_error(Errc::parse_error, "REV-CRL-UNREADABLE: the data is not a DER or PEM CRL");
    return crl;
}

StatusProblem verify_crl(X509_CRL* crl, const Certificate& issuer) {
    ErrorQueueGuard guard;
    X509* ca = issuer.impl().cert.get();
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ca)) != 0)
        return problem("REV-CRL-WRONG-ISSUER", "the CRL was issued by another CA than the certificate's issuer",
                       "la CRL la emitió otra CA distinta del emisor del certificado");
    const std::uint32_t usage = X509_get_key_usage(ca);
    if (usage != UINT32_MAX && (usage & KU_CRL_SIGN) == 0)
        return problem("REV-CRL-NOT-AUTHORIZED", "the CRL issuer's keyUsage does not allow cRLSign",
                       "el keyUsage del emisor de la CRL no permite cRLSign");
    EVP_PKEY* key = X509_get0_pubkey(ca);
    if (key == nullptr || X509_CRL_verify(crl, key) != 1)
        return problem("REV-CRL-BAD-SIGNATURE", "the CRL's signature does not verify with the issuer's key",
                       "la firma de la CRL no se verifica con la clave del emisor");
    return check_crl_extensions(crl);
}

std::optional<TimePoint> crl_next_update(X509_CRL* crl) {
    if (X509_CRL_get0_nextUpdate(crl) == nullptr) return std::nullopt;
    return time_from_asn1(X509_CRL_get0_nextUpdate(crl));
}

SourceCheck crl_status(X509_CRL* crl, const Certificate& certificate, const Freshness& freshness) {
    ErrorQueueGuard guard;
    SourceCheck out;
    const std::optional<TimePoint> this_update = time_from_asn1(X509_CRL_get0_lastUpdate(crl));
    const std::optional<TimePoint> next_update = crl_next_update(crl);
    if (!this_update || (X509_CRL_get0_nextUpdate(crl) != nullptr && !next_update)) {
        out.problem = problem("REV-CRL-UNREADABLE", "the CRL's update times cannot be read",
                              "no se pueden leer las fechas de la CRL");
        return out;
    }
    if (*this_update > freshness.now + freshness.tolerance) {
        out.problem = problem("REV-CRL-NOT-YET-VALID", "the CRL's thisUpdate is in the future",
                              "el thisUpdate de la CRL está en el futuro");
        return out;
    }
    const bool stale = next_update ? *next_update + freshness.tolerance < freshness.at
                                   : *this_update + freshness.max_age < freshness.at;
    if (stale) {
        out.problem = problem("REV-CRL-STALE", "the CRL's nextUpdate has passed: it is no longer current",
                              "el nextUpdate de la CRL ya pasó: la CRL no está vigente");
        return out;
    }
    CertificateStatus status;
    status.source = StatusSource::crl;
    status.this_update = this_update;
    status.next_update = next_update;
    X509_REVOKED* entry = nullptr;
    const int found = X509_CRL_get0_by_serial(crl, &entry, X509_get0_serialNumber(certificate.impl().cert.get()));
    if (found == 1 && entry != nullptr) {
        for (int i = 0; i < X509_REVOKED_get_ext_count(entry); ++i) {
            X509_EXTENSION* ext = X509_REVOKED_get_ext(entry, i);
            const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
            if (X509_EXTENSION_get_critical(ext) != 0 && nid != NID_crl_reason && nid != NID_invalidity_date) {
                out.problem = problem("REV-CRL-UNSUPPORTED-EXTENSION",
                                      "the CRL entry has a critical extension that is not understood",
                                      "la entrada de la CRL tiene una extensión crítica que no se entiende");
                return out;
            }
        }
        status.status = RevocationStatus::revoked;
        status.revocation_time = time_from_asn1(X509_REVOKED_get0_revocationDate(entry));
        int critical = 0;
        Asn1EnumeratedPtr reason(
            static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, &critical, nullptr)));
        if (reason) status.reason = crl_reason_name(static_cast<int>(ASN1_ENUMERATED_get(reason.get())));
    } else {
        // Not listed (or listed with removeFromCRL, found == 2): not revoked as of thisUpdate.
        status.status = RevocationStatus::good;
    }
    out.status = std::move(status);
    return out;
}

std::vector<std::string> crl_distribution_urls(const Certificate& certificate) {
    ErrorQueueGuard guard;
    std::vector<std::string> urls;
    DistPointsPtr points(static_cast<CRL_DIST_POINTS*>(
        X509_get_ext_d2i(certificate.impl().cert.get(), NID_crl_distribution_points, nullptr, nullptr)));
    if (!points) return urls;
    for (int i = 0; i < sk_DIST_POINT_num(points.get()); ++i) {
        const DIST_POINT* point = sk_DIST_POINT_value(points.get(), i);
        if (point->distpoint == nullptr || point->distpoint->type != 0) continue;  // fullName only
        const GENERAL_NAMES* names = point->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
            const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, j);
            if (name->type != GEN_URI) continue;
            const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
            urls.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                              static_cast<std::size_t>(ASN1_STRING_length(uri)));
        }
    }
    return urls;
}

std::vector<std::string> ocsp_urls(const Certificate& certificate) {
    ErrorQueueGuard guard;
    std::vector<std::string> urls;
    AiaPtr aia(static_cast<AUTHORITY_INFO_ACCESS*>(
        X509_get_ext_d2i(certificate.impl().cert.get(), NID_info_access, nullptr, nullptr)));
    if (!aia) return urls;
    for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia.get()); ++i) {
        const ACCESS_DESCRIPTION* access = sk_ACCESS_DESCRIPTION_value(aia.get(), i);
        if (OBJ_obj2nid(access->method) != NID_ad_OCSP || access->location->type != GEN_URI) continue;
        const ASN1_IA5STRING* uri = access->location->d.uniformResourceIdentifier;
        urls.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                          static_cast<std::size_t>(ASN1_STRING_length(uri)));
    }
    return urls;
}

}  // namespace istmo::crypto::detail
