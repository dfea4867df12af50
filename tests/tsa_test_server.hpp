#pragma once
// An in-process RFC 3161 Time-Stamp Authority for tests and benchmarks: HTTP/1.1 on 127.0.0.1
// (a free port chosen by the kernel), signing with OpenSSL's TS_RESP API -- not istmo's code --
// under a throw-away EC P-256 PKI made in memory. Loopback only; the constructor starts it,
// the destructor stops it. Header-only, so that the test binary and the benchmarks can share it
// without build-file changes.
//
//   istmo::test::TsaTestServer tsa;           // listening
//   tsa.url()                                 // "http://127.0.0.1:PORT/"
//   tsa.pki().root_pem()                      // the trust anchor (PEM)
//
// Also used directly: TsaTestPki (a root and a TSA certificate, optionally without the
// timeStamping EKU) and tsa_test_sign (one TimeStampResp for one DER TimeStampReq).
#include "internal/c_ptr.hpp"
#include "loopback_http_server.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

// OpenSSL's macros expand to C casts.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"

namespace istmo::test {

// The policy the test TSA stamps with (and the only one it accepts in a request).
inline constexpr const char* tsa_test_policy = "1.3.6.1.4.1.99999.42.7";

enum class TsaTestCertKind {
    root,              // self-signed CA
    tsa,               // EKU timeStamping, critical (what RFC 3161 §2.3 requires)
    tsa_without_eku,   // no extended key usage at all
    tsa_eku_not_critical,
};

inline internal::EvpPkeyPtr tsa_test_ec_key() {
    internal::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!key) throw std::runtime_error("tsa_test_ec_key: EC key generation failed");
    return key;
}

inline void tsa_test_add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    internal::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
        throw std::runtime_error(std::string("tsa_test_add_extension: cannot add ") + value);
}

// A certificate for key, issued by issuer/issuer_key (self-signed when issuer is null), valid
// from a day ago for valid_seconds.
inline internal::X509Ptr tsa_test_certificate(const char* common_name, EVP_PKEY* key, X509* issuer,
                                              EVP_PKEY* issuer_key, TsaTestCertKind kind,
                                              long valid_seconds = 86400L * 30) {
    static std::atomic<long> next_serial{1000};
    internal::X509Ptr cert(X509_new());
    if (!cert) throw std::runtime_error("tsa_test_certificate: out of memory");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), next_serial++);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("istmo test TSA"),
                               -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name), -1,
                               -1, 0);
    X509* signer = issuer != nullptr ? issuer : cert.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -86400L);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), valid_seconds);
    X509_set_pubkey(cert.get(), key);
    if (kind == TsaTestCertKind::root) {
        tsa_test_add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
        tsa_test_add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
        tsa_test_add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
    } else {
        tsa_test_add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
        tsa_test_add_extension(cert.get(), signer, NID_key_usage, "critical,digitalSignature,nonRepudiation");
        tsa_test_add_extension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
        if (kind == TsaTestCertKind::tsa)
            tsa_test_add_extension(cert.get(), signer, NID_ext_key_usage, "critical,timeStamping");
        else if (kind == TsaTestCertKind::tsa_eku_not_critical)
            tsa_test_add_extension(cert.get(), signer, NID_ext_key_usage, "timeStamping");
    }
    if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) <= 0)
        throw std::runtime_error("tsa_test_certificate: signing failed");
    return cert;
}

inline std::string tsa_test_pem(X509* cert) {
    internal::BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), cert);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

inline std::string tsa_test_der(X509* cert) {
    unsigned char* der = nullptr;
    const int size = i2d_X509(cert, &der);
    if (size <= 0) return {};
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
    OPENSSL_free(der);
    return out;
}

// A root CA and a TSA certificate issued by it.
struct TsaTestPki {
    internal::EvpPkeyPtr root_key;
    internal::X509Ptr root;
    internal::EvpPkeyPtr tsa_key;
    internal::X509Ptr tsa;

    explicit TsaTestPki(TsaTestCertKind tsa_kind = TsaTestCertKind::tsa)
        : root_key(tsa_test_ec_key()),
          root(tsa_test_certificate("istmo Test TSA Root", root_key.get(), nullptr, nullptr, TsaTestCertKind::root,
                                    86400L * 365)),
          tsa_key(tsa_test_ec_key()),
          tsa(tsa_test_certificate("istmo Test TSA", tsa_key.get(), root.get(), root_key.get(), tsa_kind)) {}

    [[nodiscard]] std::string root_pem() const { return tsa_test_pem(root.get()); }
    [[nodiscard]] std::string tsa_pem() const { return tsa_test_pem(tsa.get()); }
};

// The DER TimeStampResp that OpenSSL's TSA gives for a DER TimeStampReq (a rejection with
// failInfo when the request asks for something it does not support); empty when the request
// cannot be parsed at all. The TSA certificate must carry the timeStamping EKU (OpenSSL checks).
inline std::string tsa_test_sign(const TsaTestPki& pki, std::string_view request_der) {
    internal::BioPtr in(BIO_new_mem_buf(request_der.data(), static_cast<int>(request_der.size())));
    internal::CPtr<TS_RESP_CTX, TS_RESP_CTX_free> ctx(TS_RESP_CTX_new());
    if (!in || !ctx) return {};
    if (TS_RESP_CTX_set_signer_cert(ctx.get(), pki.tsa.get()) != 1 ||
        TS_RESP_CTX_set_signer_key(ctx.get(), pki.tsa_key.get()) != 1)
        return {};
    internal::X509StackPtr chain(sk_X509_new_null());
    X509_up_ref(pki.root.get());
    sk_X509_push(chain.get(), pki.root.get());
    TS_RESP_CTX_set_certs(ctx.get(), chain.get());
    internal::Asn1ObjectPtr policy(OBJ_txt2obj(tsa_test_policy, 1));
    TS_RESP_CTX_set_def_policy(ctx.get(), policy.get());
    TS_RESP_CTX_add_md(ctx.get(), EVP_sha256());
    TS_RESP_CTX_add_md(ctx.get(), EVP_sha384());
    TS_RESP_CTX_add_md(ctx.get(), EVP_sha512());
    TS_RESP_CTX_set_accuracy(ctx.get(), 0, 500, 0);
    TS_RESP_CTX_add_flags(ctx.get(), TS_TSA_NAME);
    TS_RESP_CTX_set_signer_digest(ctx.get(), EVP_sha256());
    TS_RESP_CTX_set_ess_cert_id_digest(ctx.get(), EVP_sha256());
    internal::CPtr<TS_RESP, TS_RESP_free> response(TS_RESP_create_response(ctx.get(), in.get()));
    if (!response) return {};
    unsigned char* der = nullptr;
    const int size = i2d_TS_RESP(response.get(), &der);
    if (size <= 0) return {};
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
    OPENSSL_free(der);
    return out;
}

// The HTTP server (LoopbackHttpServer's loop): a POST whose body is a TimeStampReq gets a
// TimeStampResp; anything else a 400. Every answer closes the connection.
class TsaTestServer {
public:
    TsaTestServer() : m_server([this](const LoopbackRequest& request) { return answer(request); }) {}

    TsaTestServer(const TsaTestServer&) = delete;
    TsaTestServer& operator=(const TsaTestServer&) = delete;

    [[nodiscard]] std::string url() const { return m_server.url("/"); }
    [[nodiscard]] int port() const noexcept { return m_server.port(); }
    [[nodiscard]] const TsaTestPki& pki() const noexcept { return m_pki; }
    // Requests answered so far.
    [[nodiscard]] long requests() const noexcept { return m_requests.load(); }

private:
    static std::string reply(int status, std::string_view type, const std::string& body) {
        return "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Bad Request") +
               "\r\nContent-Type: " + std::string(type) + "\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\nConnection: close\r\n\r\n" + body;
    }

    std::string answer(const LoopbackRequest& request) {
        const std::string response =
            request.head.rfind("POST ", 0) == 0 ? tsa_test_sign(m_pki, request.body) : std::string();
        if (response.empty()) return reply(400, "text/plain", "not a TimeStampReq");
        ++m_requests;
        return reply(200, "application/timestamp-reply", response);
    }

    TsaTestPki m_pki;
    std::atomic<long> m_requests{0};
    LoopbackHttpServer m_server;  // last: stopped (its threads joined) before the members above go
};

}  // namespace istmo::test

#pragma GCC diagnostic pop
