// Panama e-invoice validation with the signer certificate's status checked from a warm cache,
// one thread (issue 14: >= 4,000 invoices/s/core with revocation on):
//
//   BM_InvoiceRevocation/off        InvoiceValidator::validate, revocation off (a warning says so)
//   BM_InvoiceRevocation/crl-warm   the signer publishes a CRL distribution point only: the CRL
//                                   (5,000 entries, ~140 KB) was fetched once from a loopback
//                                   server; every validation then takes the cached, already parsed
//                                   and verified CRL and looks the certificate up
//   BM_InvoiceRevocation/ocsp-warm  the signer publishes an OCSP URL only: the response was fetched
//                                   once (HTTP POST); every validation reuses the checked response
//       items_per_second = invoices per CPU second
//
// The CA is test-vectors/revocation/ca (EC P-256, the trust anchor); the signer, an RSA-2048 leaf
// with nonRepudiation, is issued here for each variant with the loopback server's URLs. The
// invoice: test-vectors/panama-fe/json/01-factura.json signed with the panama-fe profile (the
// same document as istmo_invoice_bench). Each benchmark checks its result once before timing
// (TOTAL_PASSED, the status source it expects) and stops with an error otherwise; the loopback
// server must have been asked exactly once.
//
//   build-bench/bench/istmo_revocation_bench [--benchmark_filter=...] [--benchmark_min_time=1]
#include <istmo/crypto/keys.hpp>
#include <istmo/crypto/revocation.hpp>
#include <istmo/dsig/sign.hpp>
#include <istmo/invoice/panama.hpp>

#include "bench_common.hpp"
#include "internal/c_ptr.hpp"
#include "net_test_server.hpp"

#include <benchmark/benchmark.h>

#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <string>

#pragma GCC diagnostic ignored "-Wold-style-cast"  // OpenSSL's macros

namespace {

namespace pa = istmo::invoice::panama;
using namespace istmo::internal;
using Bytes = std::vector<std::uint8_t>;
using Asn1TimePtr = CPtr<ASN1_TIME, ASN1_TIME_free>;

[[noreturn]] void die(const std::string& what) { istmo::bench::die("revocation_bench", what); }

std::string vectors(const std::string& relative) { return istmo::bench::vectors_file(relative); }

template <class T, int (*I2d)(const T*, unsigned char**)>
Bytes der_of(const T* object) {
    unsigned char* out = nullptr;
    const int len = I2d(object, &out);
    OsslBytesPtr owned(out);
    if (len <= 0) die("i2d failed");
    return Bytes(out, out + len);
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) die("cannot add " + value);
}

struct Ca {
    X509Ptr cert;
    EvpPkeyPtr key;
    Ca() {
        BioPtr c(BIO_new_file(vectors("revocation/ca.cert.pem").c_str(), "r"));
        BioPtr k(BIO_new_file(vectors("revocation/ca.key.pem").c_str(), "r"));
        if (c) cert.reset(PEM_read_bio_X509(c.get(), nullptr, nullptr, nullptr));
        if (k) key.reset(PEM_read_bio_PrivateKey(k.get(), nullptr, nullptr, nullptr));
        if (!cert || !key) die("cannot read test-vectors/revocation/ca");
    }
};

// An RSA-2048 signer issued by the CA with one status URL (extension nid, value).
X509Ptr issue_signer(const Ca& ca, EVP_PKEY* key, long serial, int url_nid, const std::string& url_value) {
    X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("Bench Invoice Signer"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.cert.get()));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -86400L);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 86400);
    X509_set_pubkey(cert.get(), key);
    add_ext(cert.get(), ca.cert.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), ca.cert.get(), NID_key_usage, "critical,digitalSignature,nonRepudiation");
    add_ext(cert.get(), ca.cert.get(), NID_authority_key_identifier, "keyid:always");
    add_ext(cert.get(), ca.cert.get(), url_nid, url_value);
    if (X509_sign(cert.get(), ca.key.get(), EVP_sha256()) <= 0) die("cannot sign the signer certificate");
    return cert;
}

// The CA's CRL with `entries` revoked serials (none of them the signers'), next update in a day.
Bytes big_crl(const Ca& ca, int entries) {
    CPtr<X509_CRL, X509_CRL_free> crl(X509_CRL_new());
    X509_CRL_set_version(crl.get(), 1);
    X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.cert.get()));
    const std::time_t now = std::time(nullptr);
    Asn1TimePtr last(ASN1_TIME_set(nullptr, now - 3600)), next(ASN1_TIME_set(nullptr, now + 86400));
    X509_CRL_set1_lastUpdate(crl.get(), last.get());
    X509_CRL_set1_nextUpdate(crl.get(), next.get());
    for (int i = 0; i < entries; ++i) {
        X509_REVOKED* r = X509_REVOKED_new();
        Asn1IntegerPtr serial(ASN1_INTEGER_new());
        ASN1_INTEGER_set(serial.get(), 1000000 + i);
        X509_REVOKED_set_serialNumber(r, serial.get());
        X509_REVOKED_set_revocationDate(r, last.get());
        X509_CRL_add0_revoked(crl.get(), r);
    }
    X509_CRL_sort(crl.get());
    if (X509_CRL_sign(crl.get(), ca.key.get(), EVP_sha256()) <= 0) die("cannot sign the CRL");
    return der_of<X509_CRL, i2d_X509_CRL>(crl.get());
}

// A "good" OCSPResponse for cert, signed by the CA, valid for a day (no nonce: RFC 5019).
Bytes good_ocsp(const Ca& ca, X509* cert) {
    CPtr<OCSP_BASICRESP, OCSP_BASICRESP_free> basic(OCSP_BASICRESP_new());
    OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha256(), cert, ca.cert.get());
    const std::time_t now = std::time(nullptr);
    Asn1TimePtr this_update(ASN1_TIME_set(nullptr, now - 60)), next_update(ASN1_TIME_set(nullptr, now + 86400));
    OCSP_basic_add1_status(basic.get(), id, V_OCSP_CERTSTATUS_GOOD, 0, nullptr, this_update.get(), next_update.get());
    OCSP_CERTID_free(id);
    if (OCSP_basic_sign(basic.get(), ca.cert.get(), ca.key.get(), EVP_sha256(), nullptr, 0) != 1)
        die("cannot sign the OCSP response");
    CPtr<OCSP_RESPONSE, OCSP_RESPONSE_free> response(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
    return der_of<OCSP_RESPONSE, i2d_OCSP_RESPONSE>(response.get());
}

enum class Variant { off, crl, ocsp };

// One variant: its loopback server, signed invoice and validator (caches warm after warm-up).
struct Setup {
    Ca ca;
    Bytes crl;
    Bytes ocsp;
    std::unique_ptr<istmo::test::ScriptedHttpServer> server;
    std::string signed_xml;
    std::unique_ptr<pa::InvoiceValidator> validator;

    explicit Setup(Variant variant) {
        crl = big_crl(ca, 5000);
        server = std::make_unique<istmo::test::ScriptedHttpServer>([this](const istmo::test::ScriptedRequest& r) {
            const bool post = r.head.rfind("POST ", 0) == 0;
            return istmo::test::http_reply(200, post ? std::string(ocsp.begin(), ocsp.end()) : std::string(crl.begin(), crl.end()));
        });
        EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
        const bool by_ocsp = variant == Variant::ocsp;
        X509Ptr cert = issue_signer(ca, key.get(), by_ocsp ? 42 : 41,
                                    by_ocsp ? NID_info_access : NID_crl_distribution_points,
                                    by_ocsp ? "OCSP;URI:" + server->url("/ocsp") : "URI:" + server->url("/ca.crl"));
        ocsp = good_ocsp(ca, cert.get());
        const Bytes cert_der = der_of<X509, i2d_X509>(cert.get());
        unsigned char* key_der = nullptr;
        const int key_len = i2d_PrivateKey(key.get(), &key_der);
        OsslBytesPtr key_owner(key_der);
        auto private_key = istmo::crypto::PrivateKey::from_memory(std::span<const std::uint8_t>(key_der, static_cast<std::size_t>(key_len)));
        auto certificate = istmo::crypto::Certificate::from_der(cert_der);
        if (!private_key || !certificate) die("cannot load the bench signer");
        auto signer = pa::make_signer(std::move(*private_key), std::move(*certificate));
        if (!signer) die(signer.error().to_string());
        auto invoice = pa::from_json(istmo::bench::read_text(vectors("panama-fe/json/01-factura.json")));
        if (!invoice) die(invoice.error().to_string());
        pa::QrOptions qr;
        qr.secret = istmo::crypto::Secret("istmo-test-qr-secret");
        auto signed_doc = pa::sign(*signer, *invoice, qr);
        if (!signed_doc) die(signed_doc.error().to_string());
        signed_xml = std::move(*signed_doc);
        pa::ValidateOptions options;
        if (!options.verify.trust.add_file(vectors("revocation/ca.cert.pem"))) die("cannot load the CA");
        options.verify.revocation =
            variant == Variant::off ? istmo::crypto::RevocationPolicy::off : istmo::crypto::RevocationPolicy::automatic;
        validator = std::make_unique<pa::InvoiceValidator>(std::move(options));
    }
};

void BM_InvoiceRevocation(benchmark::State& state, Variant variant) {
    const Setup setup(variant);
    {
        auto r = setup.validator->validate(setup.signed_xml);
        const char* source = variant == Variant::crl ? "crl" : variant == Variant::ocsp ? "ocsp" : "none";
        if (!r || !r->passed() || !r->signature || r->signature->signatures.empty() ||
            r->signature->signatures[0].chain.empty() || r->signature->signatures[0].chain[0].revocation.source != source) {
            state.SkipWithError(r ? ("not TOTAL_PASSED from " + std::string(source) + ": " + r->to_json()).c_str()
                                  : r.error().to_string().c_str());
            return;
        }
    }
    for (auto _ : state) {
        auto r = setup.validator->validate(setup.signed_xml);
        benchmark::DoNotOptimize(r);
    }
    const int fetched = setup.server->requests();
    if (fetched != (variant == Variant::off ? 0 : 1))
        state.SkipWithError(("the status was fetched " + std::to_string(fetched) + " times, not once").c_str());
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["crl_bytes"] = variant == Variant::crl ? static_cast<double>(setup.crl.size()) : 0.0;
}
BENCHMARK_CAPTURE(BM_InvoiceRevocation, off, Variant::off)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_InvoiceRevocation, crl-warm, Variant::crl)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_InvoiceRevocation, ocsp-warm, Variant::ocsp)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
