// OCSP (RFC 6960, RFC 5019 profile): make a request, check a response for one certificate. A
// response that fails any check gives a problem, never a status.
#include "crypto/detail.hpp"
#include "crypto/revocation_check.hpp"

#include <openssl/x509v3.h>

namespace istmo::crypto::detail {
namespace {

StatusProblem problem(std::string code, std::string en, std::string es) {
    return StatusProblem{std::move(code), std::move(en), std::move(es)};
}

// An OCSPResponse, or a bare BasicOCSPResponse (as XAdES OCSPValues may carry).
struct ParsedResponse {
    OcspBasicPtr basic;
    StatusProblem problem;
};

ParsedResponse parse_response(std::span<const std::uint8_t> data) {
    ParsedResponse out;
    const unsigned char* p = data.data();
    OcspResponsePtr response(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(data.size())));
    if (response) {
        const int status = OCSP_response_status(response.get());
        if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
            const std::string name = OCSP_response_status_str(status);
            out.problem = problem("REV-OCSP-ERROR-STATUS", "the OCSP responder answered \"" + name + "\"",
                                  "el respondedor OCSP contestó \"" + name + "\"");
            return out;
        }
        out.basic.reset(OCSP_response_get1_basic(response.get()));
    } else {
        p = data.data();
        out.basic.reset(d2i_OCSP_BASICRESP(nullptr, &p, static_cast<long>(data.size())));
    }
    if (!out.basic)
        out.problem = problem("REV-OCSP-UNREADABLE", "the data is not an OCSP response",
                              "los datos no son una respuesta OCSP");
    return out;
}

bool is_same(X509* a, X509* b) { return X509_cmp(a, b) == 0; }

// The responder is the issuer itself, or a certificate the issuer issued with id-kp-OCSPSigning
// (RFC 6960 §4.2.2.2). Sets needs_status when a delegated responder lacks id-pkix-ocsp-nocheck.
StatusProblem check_responder(X509* signer, X509* issuer, const Freshness& freshness, bool& needs_status) {
    needs_status = false;
    if (is_same(signer, issuer)) return {};
    const StatusProblem unauthorized = problem(
        "REV-OCSP-UNAUTHORIZED-RESPONDER",
        "the OCSP response is signed by a certificate that is neither the issuer nor a responder it authorized",
        "la respuesta OCSP la firma un certificado que no es el emisor ni un respondedor autorizado por él");
    EVP_PKEY* issuer_key = X509_get0_pubkey(issuer);
    if (X509_check_issued(issuer, signer) != X509_V_OK || issuer_key == nullptr || X509_verify(signer, issuer_key) != 1)
        return unauthorized;
    if ((X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) == 0 ||
        (X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN) == 0)
        return unauthorized;
    const std::optional<TimePoint> not_before = time_from_asn1(X509_get0_notBefore(signer));
    const std::optional<TimePoint> not_after = time_from_asn1(X509_get0_notAfter(signer));
    if (!not_before || !not_after || freshness.now < *not_before || freshness.now > *not_after)
        return problem("REV-OCSP-RESPONDER-EXPIRED", "the OCSP responder's certificate is not valid now",
                       "el certificado del respondedor OCSP no está vigente");
    needs_status = X509_get_ext_by_NID(signer, NID_id_pkix_OCSP_noCheck, -1) < 0;
    return {};
}

// The single response whose CertID is this certificate's, hashed the way the response did.
OCSP_SINGLERESP* find_single(OCSP_BASICRESP* basic, X509* cert, X509* issuer) {
    for (int i = 0; i < OCSP_resp_count(basic); ++i) {
        OCSP_SINGLERESP* single = OCSP_resp_get0(basic, i);
        const OCSP_CERTID* id = OCSP_SINGLERESP_get0_id(single);
        ASN1_OBJECT* md_oid = nullptr;
        if (OCSP_id_get0_info(nullptr, &md_oid, nullptr, nullptr, const_cast<OCSP_CERTID*>(id)) != 1) continue;
        const EVP_MD* md = EVP_get_digestbyobj(md_oid);
        if (md == nullptr) continue;
        OcspCertIdPtr ours(OCSP_cert_to_id(md, cert, issuer));
        if (ours && OCSP_id_cmp(ours.get(), id) == 0) return single;
    }
    return nullptr;
}

}  // namespace

StatusProblem ocsp_freshness(const CertificateStatus& status, const Freshness& freshness) {
    if (*status.this_update > freshness.now + freshness.tolerance)
        return problem("REV-OCSP-NOT-YET-VALID", "the OCSP response's thisUpdate is in the future",
                       "el thisUpdate de la respuesta OCSP está en el futuro");
    const bool stale = status.next_update ? *status.next_update + freshness.tolerance < freshness.at
                                          : *status.this_update + freshness.max_age < freshness.at;
    if (stale)
        return problem("REV-OCSP-STALE", "the OCSP response's nextUpdate has passed: it is no longer current",
                       "el nextUpdate de la respuesta OCSP ya pasó: la respuesta no está vigente");
    return {};
}

Result<OcspRequestMade> make_ocsp_request(const Certificate& certificate, const Certificate& issuer,
                                          DigestAlg cert_id_digest, bool with_nonce) {
    ErrorQueueGuard guard;
    OcspRequestMade made;
    made.request.reset(OCSP_REQUEST_new());
    OcspCertIdPtr id(
        OCSP_cert_to_id(evp_md(cert_id_digest), certificate.impl().cert.get(), issuer.impl().cert.get()));
    if (!made.request || !id) return openssl_error(Errc::crypto_error, "cannot build the OCSP CertID");
    if (OCSP_request_add0_id(made.request.get(), id.get()) == nullptr)
        return openssl_error(Errc::crypto_error, "cannot build the OCSP request");
    static_cast<void>(id.release());  // owned by the request now
    if (with_nonce && OCSP_request_add1_nonce(made.request.get(), nullptr, -1) != 1)
        return openssl_error(Errc::crypto_error, "cannot add the OCSP nonce");
    unsigned char* der = nullptr;
    const int size = i2d_OCSP_REQUEST(made.request.get(), &der);
    if (size <= 0) return openssl_error(Errc::crypto_error, "cannot encode the OCSP request");
    internal::OsslBytesPtr owned(der);
    made.der.assign(der, der + size);
    return made;
}

SourceCheck check_ocsp_response(std::span<const std::uint8_t> data, const Certificate& certificate,
                                const Certificate& issuer, const OCSP_REQUEST* sent, const Freshness& freshness) {
    ErrorQueueGuard guard;
    SourceCheck out;
    ParsedResponse parsed = parse_response(data);
    if (!parsed.basic) {
        out.problem = std::move(parsed.problem);
        return out;
    }
    OCSP_BASICRESP* basic = parsed.basic.get();
    X509* cert = certificate.impl().cert.get();
    X509* ca = issuer.impl().cert.get();
    // The signer among the response's certificates or the issuer (RFC 6960 §4.2.1 responderID).
    internal::X509StackPtr offered(sk_X509_new_null());
    if (!offered || sk_X509_push(offered.get(), ca) <= 0) {
        out.problem = problem("REV-OCSP-UNREADABLE", "out of memory", "memoria agotada");
        return out;
    }
    X509_up_ref(ca);
    X509* signer = nullptr;
    if (OCSP_resp_get0_signer(basic, &signer, offered.get()) != 1 || signer == nullptr) {
        out.problem = problem("REV-OCSP-UNAUTHORIZED-RESPONDER", "the OCSP response's signer certificate is not available",
                              "no se dispone del certificado firmante de la respuesta OCSP");
        return out;
    }
    // The signature only (OCSP_NOVERIFY: the responder's authority is checked below, by RFC 6960
    // rules, not by a chain to some store).
    if (OCSP_basic_verify(basic, offered.get(), nullptr, OCSP_NOVERIFY) != 1) {
        out.problem = problem("REV-OCSP-BAD-SIGNATURE", "the OCSP response's signature does not verify",
                              "la firma de la respuesta OCSP no se verifica");
        return out;
    }
    bool needs_status = false;
    out.problem = check_responder(signer, ca, freshness, needs_status);
    if (!out.problem.code.empty()) return out;
    if (sent != nullptr && OCSP_check_nonce(const_cast<OCSP_REQUEST*>(sent), basic) == 0) {
        out.problem = problem("REV-OCSP-NONCE-MISMATCH", "the OCSP response's nonce is not the one sent",
                              "el nonce de la respuesta OCSP no es el enviado");
        return out;
    }
    OCSP_SINGLERESP* single = find_single(basic, cert, ca);
    if (single == nullptr) {
        out.problem = problem("REV-OCSP-WRONG-CERTID", "the OCSP response does not answer for this certificate",
                              "la respuesta OCSP no responde por este certificado");
        return out;
    }
    int reason = -1;
    ASN1_GENERALIZEDTIME* revoked_at = nullptr;
    ASN1_GENERALIZEDTIME* this_update = nullptr;
    ASN1_GENERALIZEDTIME* next_update = nullptr;
    const int state = OCSP_single_get0_status(single, &reason, &revoked_at, &this_update, &next_update);
    CertificateStatus status;
    status.source = StatusSource::ocsp;
    status.this_update = time_from_asn1(this_update);
    if (next_update != nullptr) status.next_update = time_from_asn1(next_update);
    if (!status.this_update || (next_update != nullptr && !status.next_update)) {
        out.problem = problem("REV-OCSP-UNREADABLE", "the OCSP response's update times cannot be read",
                              "no se pueden leer las fechas de la respuesta OCSP");
        return out;
    }
    if (freshness.enforce) {
        out.problem = ocsp_freshness(status, freshness);
        if (!out.problem.code.empty()) return out;
    }
    if (state == V_OCSP_CERTSTATUS_GOOD) {
        status.status = RevocationStatus::good;
    } else if (state == V_OCSP_CERTSTATUS_REVOKED) {
        status.status = RevocationStatus::revoked;
        status.revocation_time = time_from_asn1(revoked_at);
        status.reason = crl_reason_name(reason);
    } else {
        status.status = RevocationStatus::unknown;
    }
    if (needs_status) {
        X509_up_ref(signer);
        auto responder = make_certificate(internal::X509Ptr(signer));
        if (!responder) {
            out.problem = problem("REV-OCSP-UNREADABLE", "the OCSP responder's certificate cannot be read",
                                  "no se puede leer el certificado del respondedor OCSP");
            return out;
        }
        out.responder_to_check = std::move(*responder);
    }
    out.status = std::move(status);
    return out;
}

}  // namespace istmo::crypto::detail
