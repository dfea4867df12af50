// Certificate status of time-stamp authorities and proof of existence (issue 14): TSA
// certificates checked through the one CertificateValidator / RevocationChecker with the CRLs and
// OCSP responses a token carries used first; RFC 3161 §4 for a TSA revoked after genTime; a
// signer revoked before vs after a B-T signature time-stamp's genTime (EN 319 102-1); the CLI's
// `timestamp verify` with the revocation options. The CAs, CRLs and OCSP responders are the
// loopback server's (tests/servers/); the TSA certificates, their CRL and the tokens are made
// here with OpenSSL (not istmo), and every status is cross-checked with the openssl CLI.
#include "internal/c_ptr.hpp"
#include "test_support.hpp"
#include "test_support/revocation_server.hpp"
#include "tsa_test_token.hpp"

#include <istmo/tsa/timestamp.hpp>
#include <istmo/xades/xades.hpp>

#include <gtest/gtest.h>
#include <openssl/cms.h>
#include <openssl/ess.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <map>
#include <memory>

#pragma GCC diagnostic ignored "-Wold-style-cast"  // OpenSSL's stack and object macros

namespace {

using namespace istmo;
using namespace istmo::internal;
using report::Indication;
using report::SubIndication;
using Bytes = std::vector<std::uint8_t>;
using Asn1TimePtr = CPtr<ASN1_TIME, ASN1_TIME_free>;

constexpr const char* k_policy = "1.3.6.1.4.1.99999.42.8";

X509Ptr load_cert(const std::filesystem::path& path) {
    BioPtr bio(BIO_new_file(path.c_str(), "r"));
    X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!cert) throw std::runtime_error("cannot read " + path.string());
    return cert;
}

EvpPkeyPtr load_key(const std::filesystem::path& path) {
    BioPtr bio(BIO_new_file(path.c_str(), "r"));
    EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!key) throw std::runtime_error("cannot read " + path.string());
    return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) throw std::runtime_error("cannot add " + value);
}

std::string pem_of(X509* cert) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), cert);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

template <class T, int (*I2d)(const T*, unsigned char**)>
Bytes der_of(const T* object) {
    unsigned char* out = nullptr;
    const int len = I2d(object, &out);
    OsslBytesPtr owned(out);
    if (len <= 0) throw std::runtime_error("i2d failed");
    return Bytes(out, out + len);
}

// A TSA certificate (EC P-256, EKU timeStamping critical) issued by the server's `ca`, valid from
// 10 days ago, with a CRL distribution point.
struct Tsa {
    X509Ptr cert;
    EvpPkeyPtr key;
};
Tsa issue_tsa(const char* name, long serial, X509* ca, EVP_PKEY* ca_key, const std::string& crl_url) {
    Tsa t;
    t.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    t.cert.reset(X509_new());
    X509_set_version(t.cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(t.cert.get()), serial);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(t.cert.get()), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(name), -1, -1, 0);
    X509_set_issuer_name(t.cert.get(), X509_get_subject_name(ca));
    X509_gmtime_adj(X509_getm_notBefore(t.cert.get()), -10L * 86400);
    X509_gmtime_adj(X509_getm_notAfter(t.cert.get()), 300L * 86400);
    X509_set_pubkey(t.cert.get(), t.key.get());
    add_ext(t.cert.get(), ca, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(t.cert.get(), ca, NID_key_usage, "critical,digitalSignature");
    add_ext(t.cert.get(), ca, NID_ext_key_usage, "critical,timeStamping");
    add_ext(t.cert.get(), ca, NID_authority_key_identifier, "keyid:always");
    add_ext(t.cert.get(), ca, NID_crl_distribution_points, "URI:" + crl_url);
    if (X509_sign(t.cert.get(), ca_key, EVP_sha256()) <= 0) throw std::runtime_error("cannot sign the TSA certificate");
    return t;
}

struct Revoked {
    X509* cert;
    std::time_t at;
    int reason;  // CRL_REASON_*
};

// A CRL of `ca` (thisUpdate an hour ago, nextUpdate in 7 days) listing `entries`.
Bytes make_crl(X509* ca, EVP_PKEY* ca_key, const std::vector<Revoked>& entries) {
    CPtr<X509_CRL, X509_CRL_free> crl(X509_CRL_new());
    X509_CRL_set_version(crl.get(), 1);
    X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca));
    const std::time_t now = std::time(nullptr);
    Asn1TimePtr last(ASN1_TIME_set(nullptr, now - 3600)), next(ASN1_TIME_set(nullptr, now + 7 * 86400));
    X509_CRL_set1_lastUpdate(crl.get(), last.get());
    X509_CRL_set1_nextUpdate(crl.get(), next.get());
    for (const Revoked& e : entries) {
        X509_REVOKED* r = X509_REVOKED_new();
        X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(e.cert));
        Asn1TimePtr when(ASN1_TIME_set(nullptr, e.at));
        X509_REVOKED_set_revocationDate(r, when.get());
        CPtr<ASN1_ENUMERATED, ASN1_ENUMERATED_free> reason(ASN1_ENUMERATED_new());
        ASN1_ENUMERATED_set(reason.get(), e.reason);
        X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, reason.get(), 0, 0);
        X509_CRL_add0_revoked(crl.get(), r);
    }
    X509_CRL_sort(crl.get());
    if (X509_CRL_sign(crl.get(), ca_key, EVP_sha256()) <= 0) throw std::runtime_error("cannot sign the CRL");
    return der_of<X509_CRL, i2d_X509_CRL>(crl.get());
}

// An OCSPResponse for `cert` signed by its CA (SHA-256 CertID), good or revoked.
Bytes make_ocsp(X509* cert, X509* ca, EVP_PKEY* ca_key, std::optional<std::time_t> revoked_at) {
    CPtr<OCSP_BASICRESP, OCSP_BASICRESP_free> basic(OCSP_BASICRESP_new());
    OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha256(), cert, ca);
    const std::time_t now = std::time(nullptr);
    Asn1TimePtr this_update(ASN1_TIME_set(nullptr, now - 60)), next_update(ASN1_TIME_set(nullptr, now + 86400));
    Asn1TimePtr revoked(ASN1_TIME_set(nullptr, revoked_at.value_or(now)));
    OCSP_basic_add1_status(basic.get(), id, revoked_at ? V_OCSP_CERTSTATUS_REVOKED : V_OCSP_CERTSTATUS_GOOD,
                           revoked_at ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : 0, revoked_at ? revoked.get() : nullptr,
                           this_update.get(), next_update.get());
    OCSP_CERTID_free(id);
    if (OCSP_basic_sign(basic.get(), ca, ca_key, EVP_sha256(), nullptr, 0) != 1)
        throw std::runtime_error("cannot sign the OCSP response");
    CPtr<OCSP_RESPONSE, OCSP_RESPONSE_free> response(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
    return der_of<OCSP_RESPONSE, i2d_OCSP_RESPONSE>(response.get());
}

// A DER TimeStampToken over SHA-256(data) at gen_time, signed by tsa, embedding `chain`.
Bytes make_token(const Bytes& data, std::time_t gen_time, const Tsa& tsa, const std::vector<X509*>& chain) {
    static long next_serial = 1;
    const Bytes token = istmo::test::make_test_token(
        istmo::test::TokenSigner{tsa.cert.get(), tsa.key.get(), chain, tsa.cert.get(), k_policy}, data, gen_time,
        next_serial++);
    if (token.empty()) throw std::runtime_error("cannot make the time-stamp token");
    return token;
}

// ---- DER surgery: a crls [1] field added to a token's SignedData (outside the signature) ----

void put_length(Bytes& out, std::size_t n) {
    if (n < 0x80) {
        out.push_back(static_cast<std::uint8_t>(n));
        return;
    }
    Bytes digits;
    for (; n != 0; n >>= 8) digits.insert(digits.begin(), static_cast<std::uint8_t>(n & 0xFF));
    out.push_back(static_cast<std::uint8_t>(0x80 | digits.size()));
    out.insert(out.end(), digits.begin(), digits.end());
}

Bytes tlv(std::uint8_t tag, const Bytes& content) {
    Bytes out{tag};
    put_length(out, content.size());
    out.insert(out.end(), content.begin(), content.end());
    return out;
}

// The content of the TLV at in[pos], and its end.
std::pair<Bytes, std::size_t> read(const Bytes& in, std::size_t pos) {
    std::size_t len = in[pos + 1], header = 2;
    if (len & 0x80) {
        const std::size_t n = len & 0x7F;
        len = 0;
        for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in[pos + 2 + i];
        header += n;
    }
    return {Bytes(in.begin() + static_cast<long>(pos + header), in.begin() + static_cast<long>(pos + header + len)),
            pos + header + len};
}

// RevocationInfoChoices: each CRL as is, each OCSP response as [1] { id-ri-ocsp-response, resp }.
Bytes with_revocation_info(const Bytes& token, const std::vector<Bytes>& crls, const std::vector<Bytes>& responses) {
    const auto [content_info, end0] = read(token, 0);
    const auto [oid_content, oid_end] = read(content_info, 0);
    const auto [wrapped, end1] = read(content_info, oid_end);
    const auto [fields, end2] = read(wrapped, 0);
    Bytes choices;
    for (const Bytes& crl : crls) choices.insert(choices.end(), crl.begin(), crl.end());
    const Bytes ocsp_oid = {0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x10, 0x02};
    for (const Bytes& r : responses) {
        Bytes other = ocsp_oid;
        other.insert(other.end(), r.begin(), r.end());
        const Bytes choice = tlv(0xA1, other);
        choices.insert(choices.end(), choice.begin(), choice.end());
    }
    // Every field but the last (signerInfos), then crls [1], then signerInfos.
    std::size_t pos = 0, last = 0;
    while (pos < fields.size()) {
        last = pos;
        pos = read(fields, pos).second;
    }
    Bytes new_fields(fields.begin(), fields.begin() + static_cast<long>(last));
    const Bytes crls_field = tlv(0xA1, choices);
    new_fields.insert(new_fields.end(), crls_field.begin(), crls_field.end());
    new_fields.insert(new_fields.end(), fields.begin() + static_cast<long>(last), fields.end());
    Bytes outer(content_info.begin(), content_info.begin() + static_cast<long>(oid_end));
    const Bytes wrapper = tlv(0xA0, tlv(0x30, new_fields));
    outer.insert(outer.end(), wrapper.begin(), wrapper.end());
    return tlv(0x30, outer);
}

// ---- the fixture ------------------------------------------------------------------------------

class RevocationTsa : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (test::RevocationServer::unavailable_reason()) return;
        server = new test::RevocationServer();
        ca = load_cert(server->file("ca.cert.pem")).release();
        ca_key = load_key(server->file("ca.key.pem")).release();
        const std::string crl_url = server->url("/tsa.crl");
        const std::time_t now = std::time(nullptr);
        tsas = new std::map<std::string, Tsa>();
        (*tsas)["good"] = issue_tsa("TSA Good", 7001, ca, ca_key, crl_url);
        (*tsas)["revoked"] = issue_tsa("TSA Revoked An Hour Ago", 7002, ca, ca_key, crl_url);
        (*tsas)["superseded"] = issue_tsa("TSA Superseded Yesterday", 7003, ca, ca_key, crl_url);
        (*tsas)["compromised"] = issue_tsa("TSA Compromised Yesterday", 7004, ca, ca_key, crl_url);
        tsa_crl = new Bytes(make_crl(ca, ca_key,
                                     {{(*tsas)["revoked"].cert.get(), now - 3600, CRL_REASON_KEY_COMPROMISE},
                                      {(*tsas)["superseded"].cert.get(), now - 86400, CRL_REASON_SUPERSEDED},
                                      {(*tsas)["compromised"].cert.get(), now - 86400, CRL_REASON_KEY_COMPROMISE}}));
        test::write_file(server->file("tsa.crl"), std::string(tsa_crl->begin(), tsa_crl->end()));
        for (auto& [stem, t] : *tsas) test::write_file(server->file("tsa-" + stem + ".cert.pem"), pem_of(t.cert.get()));
    }
    static void TearDownTestSuite() {
        delete tsa_crl;
        delete tsas;
        X509_free(ca);
        EVP_PKEY_free(ca_key);
        delete server;
        server = nullptr;
    }
    void SetUp() override {
        ISTMO_SKIP_WITHOUT_REVOCATION_SERVER();
        ASSERT_NE(server, nullptr);
        server->reset();
    }

    static crypto::Certificate cert(const std::string& stem) {
        auto c = crypto::Certificate::from_file(server->file(stem + ".cert.pem").string());
        if (!c) throw std::runtime_error(c.error().to_string());
        return *c;
    }
    static tsa::VerifyOptions options() {
        tsa::VerifyOptions o;
        o.trust.add(cert("root"));
        return o;
    }
    static Bytes token(const std::string& tsa, std::time_t gen_time, const Bytes& data = {'d', 'a', 't', 'a'}) {
        return make_token(data, gen_time, tsas->at(tsa), {ca});
    }
    static tsa::TokenVerification verify(const Bytes& token, const tsa::VerifyOptions& o,
                                         const Bytes& data = {'d', 'a', 't', 'a'}) {
        tsa::TokenExpectations expect;
        expect.data = data;
        return tsa::TokenVerifier(o).verify_token(token, expect);
    }
    static Bytes root_crl() { return test::read_bytes(server->file("root.crl")); }
    // `openssl verify -crl_check` of a TSA certificate with tsa.crl: true when it verifies.
    static bool openssl_accepts(const std::string& stem) {
        const auto crl_pem = server->file("tsa.crl.pem");
        test::run_command("openssl crl -inform DER -in " + test::shell_quote(server->file("tsa.crl")) + " -out " +
                          test::shell_quote(crl_pem));
        const auto r = test::run_command(
            "openssl verify -crl_check -purpose timestampsign -CAfile " + test::shell_quote(server->file("root.cert.pem")) +
            " -untrusted " + test::shell_quote(server->file("ca.cert.pem")) + " -CRLfile " + test::shell_quote(crl_pem) +
            " " + test::shell_quote(server->file("tsa-" + stem + ".cert.pem")));
        return r.exit_code == 0;
    }

    static inline test::RevocationServer* server = nullptr;
    static inline X509* ca = nullptr;
    static inline EVP_PKEY* ca_key = nullptr;
    static inline std::map<std::string, Tsa>* tsas = nullptr;
    static inline Bytes* tsa_crl = nullptr;
};

bool has(const tsa::TokenVerification& v, const std::string& code) {
    for (const auto& f : v.findings)
        if (f.code == code) return true;
    return false;
}

std::string codes(const tsa::TokenVerification& v) {
    std::string out;
    for (const auto& f : v.findings) out += f.code + " (" + f.message + ")\n";
    return out;
}

TEST_F(RevocationTsa, GoodTsaFetchedOnlineAndCrossChecked) {
    const auto v = verify(token("good", std::time(nullptr)), options());
    EXPECT_TRUE(v.valid()) << codes(v);
    EXPECT_TRUE(v.findings.empty()) << codes(v);
    ASSERT_EQ(v.tsa_path.size(), 3u);
    EXPECT_EQ(v.tsa_path[0].status.status, crypto::RevocationStatus::good);
    EXPECT_EQ(v.tsa_path[0].status.source, crypto::StatusSource::crl);
    EXPECT_EQ(v.tsa_path[1].status.status, crypto::RevocationStatus::good);  // ca, by the root's responder
    EXPECT_EQ(server->count("/tsa.crl"), 1);
    EXPECT_TRUE(openssl_accepts("good"));
}

TEST_F(RevocationTsa, TsaRevokedBeforeGenTimeVoidsTheToken) {
    const auto v = verify(token("revoked", std::time(nullptr)), options());
    EXPECT_FALSE(v.valid());
    EXPECT_TRUE(has(v, "TSA-CERT-REVOKED")) << codes(v);
    ASSERT_FALSE(v.tsa_path.empty());
    EXPECT_EQ(v.tsa_path[0].status.status, crypto::RevocationStatus::revoked);
    EXPECT_EQ(v.tsa_path[0].status.reason, "keyCompromise");
    for (const auto& f : v.findings) EXPECT_FALSE(f.message_es.empty()) << f.code;
    EXPECT_FALSE(openssl_accepts("revoked"));
}

TEST_F(RevocationTsa, TsaRevokedAfterGenTimeFollowsRfc3161Reasons) {
    const std::time_t two_days_ago = std::time(nullptr) - 2 * 86400;
    // superseded: the key stayed safe, tokens made before the revocation stay valid.
    const auto kept = verify(token("superseded", two_days_ago), options());
    EXPECT_TRUE(kept.valid()) << codes(kept);
    EXPECT_TRUE(has(kept, "TSA-CERT-REVOKED-AFTER-GENTIME")) << codes(kept);
    // keyCompromise: any token of that key may be forged, genTime included.
    const auto voided = verify(token("compromised", two_days_ago), options());
    EXPECT_FALSE(voided.valid());
    EXPECT_TRUE(has(voided, "TSA-CERT-REVOKED")) << codes(voided);
    EXPECT_FALSE(openssl_accepts("superseded"));
    EXPECT_FALSE(openssl_accepts("compromised"));
}

TEST_F(RevocationTsa, OfflineUsesTheCrlsTheTokenCarries) {
    auto o = options();
    o.offline = true;
    const Bytes bare = token("good", std::time(nullptr));
    const auto without = verify(bare, o);
    EXPECT_TRUE(has(without, "TSA-CERT-REVOCATION-UNKNOWN")) << codes(without);
    EXPECT_FALSE(without.valid());
    const auto with = verify(with_revocation_info(bare, {*tsa_crl, root_crl()}, {}), o);
    EXPECT_TRUE(with.valid()) << codes(with);
    ASSERT_EQ(with.tsa_path.size(), 3u);
    EXPECT_EQ(with.tsa_path[0].status.source, crypto::StatusSource::embedded);
    EXPECT_EQ(with.tsa_path[1].status.source, crypto::StatusSource::embedded);
    // Revoked, from the token's own CRL.
    const auto revoked = verify(with_revocation_info(token("revoked", std::time(nullptr)), {*tsa_crl, root_crl()}, {}), o);
    EXPECT_TRUE(has(revoked, "TSA-CERT-REVOKED")) << codes(revoked);
    EXPECT_EQ(server->count("/tsa.crl"), 0);
}

TEST_F(RevocationTsa, OfflineUsesTheOcspResponsesTheTokenCarries) {
    auto o = options();
    o.offline = true;
    const Tsa& good = tsas->at("good");
    const Bytes good_response = make_ocsp(good.cert.get(), ca, ca_key, std::nullopt);
    const Bytes revoked_response = make_ocsp(good.cert.get(), ca, ca_key, std::time(nullptr) - 600);
    // openssl agrees on both responses.
    test::write_file(server->file("tsa-good.ocsp"), std::string(good_response.begin(), good_response.end()));
    const auto r = test::run_command("openssl ocsp -respin " + test::shell_quote(server->file("tsa-good.ocsp")) +
                                     " -issuer " + test::shell_quote(server->file("ca.cert.pem")) + " -CAfile " +
                                     test::shell_quote(server->file("chain.pem")) + " -sha256 -cert " +
                                     test::shell_quote(server->file("tsa-good.cert.pem")) + " -no_nonce");
    EXPECT_NE(r.output.find("Response verify OK"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(": good"), std::string::npos) << r.output;

    const Bytes bare = token("good", std::time(nullptr));
    const auto v = verify(with_revocation_info(bare, {root_crl()}, {good_response}), o);
    EXPECT_TRUE(v.valid()) << codes(v);
    ASSERT_FALSE(v.tsa_path.empty());
    EXPECT_EQ(v.tsa_path[0].status.status, crypto::RevocationStatus::good);
    EXPECT_EQ(v.tsa_path[0].status.source, crypto::StatusSource::embedded);
    const auto revoked = verify(with_revocation_info(bare, {root_crl()}, {revoked_response}), o);
    EXPECT_TRUE(has(revoked, "TSA-CERT-REVOKED")) << codes(revoked);
}

TEST_F(RevocationTsa, OffIsOneWarningAndUnreadableFilesAreAFinding) {
    auto o = options();
    o.revocation = crypto::RevocationPolicy::off;
    const auto off = verify(token("revoked", std::time(nullptr)), o);
    EXPECT_TRUE(off.valid()) << codes(off);
    ASSERT_EQ(off.findings.size(), 1u) << codes(off);
    EXPECT_EQ(off.findings[0].code, "TSA-CERT-REVOCATION-OFF");
    auto bad = options();
    bad.crl_files = {server->file("no-such.crl").string()};
    const auto v = verify(token("good", std::time(nullptr)), bad);
    EXPECT_TRUE(has(v, "TSA-CERT-REVOCATION-UNAVAILABLE")) << codes(v);
    EXPECT_FALSE(v.valid());
}

// ---- XAdES B-T: proof of existence and the TSA's own status ----------------------------------

class RevocationBt : public RevocationTsa {
protected:
    // A B-T signature by the server PKI's `signer` leaf, time-stamped at gen_time by `tsa`.
    static std::string sign_bt(const std::string& signer, const std::string& tsa, std::time_t gen_time) {
        auto key = crypto::PrivateKey::from_file(server->file(signer + ".key.pem").string());
        EXPECT_TRUE(key) << key.error().to_string();
        xades::SignOptions o;
        o.profile = xades::Profile::b_t;
        o.signing_time = std::chrono::system_clock::from_time_t(gen_time - 60);
        o.timestamper = [tsa, gen_time](std::span<const std::uint8_t> data) -> Result<std::vector<std::uint8_t>> {
            return make_token(Bytes(data.begin(), data.end()), gen_time, tsas->at(tsa), {ca});
        };
        auto made = xades::Signer::create(*key, cert(signer), {cert("ca")}, std::move(o));
        EXPECT_TRUE(made) << made.error().to_string();
        auto xml = made->sign("<doc><a>1</a></doc>");
        EXPECT_TRUE(xml) << xml.error().to_string();
        return xml ? *xml : std::string();
    }
    static dsig::VerificationReport verify_xades(const std::string& xml) {
        xades::VerifyOptions o;
        o.dsig.trust.add(cert("root"));
        auto r = xades::Verifier(o).verify(xml);
        EXPECT_TRUE(r) << r.error().to_string();
        return r ? *r : dsig::VerificationReport{};
    }
};

TEST_F(RevocationBt, SignerRevokedAfterTheTimeStampStaysValid) {
    // "revoked" was revoked yesterday (keyCompromise); the time-stamp is two days old.
    const auto r = verify_xades(sign_bt("revoked", "good", std::time(nullptr) - 2 * 86400));
    EXPECT_EQ(r.indication, Indication::total_passed) << test::codes(r);
    EXPECT_TRUE(test::has_code(r, "DSIG-CERT-REVOKED-AFTER-POE")) << test::codes(r);
    ASSERT_FALSE(r.signatures.empty());
    EXPECT_EQ(r.signatures[0].chain[0].revocation.status, "revoked");
    ASSERT_EQ(r.signatures[0].timestamps.size(), 1u);
    EXPECT_TRUE(r.signatures[0].timestamps[0].passed());
}

TEST_F(RevocationBt, SignerRevokedBeforeTheTimeStampFails) {
    const auto r = verify_xades(sign_bt("revoked", "good", std::time(nullptr)));
    EXPECT_EQ(r.indication, Indication::total_failed) << test::codes(r);
    EXPECT_EQ(r.sub_indication, SubIndication::revoked) << test::codes(r);
    EXPECT_TRUE(test::has_code(r, "DSIG-CERT-REVOKED"));
}

TEST_F(RevocationBt, RevokedTsaGivesNoProofOfExistence) {
    const auto r = verify_xades(sign_bt("good", "revoked", std::time(nullptr)));
    EXPECT_EQ(r.indication, Indication::indeterminate) << test::codes(r);
    EXPECT_EQ(r.sub_indication, SubIndication::revoked_no_poe) << test::codes(r);
    EXPECT_TRUE(test::has_code(r, "XADES-TS-INVALID")) << test::codes(r);
    ASSERT_EQ(r.signatures[0].timestamps.size(), 1u);
    bool tsa_revoked = false;
    for (const auto& f : r.signatures[0].timestamps[0].findings) tsa_revoked |= f.code == "TSA-CERT-REVOKED";
    EXPECT_TRUE(tsa_revoked);
}

// ---- the CLI -----------------------------------------------------------------------------------

class RevocationTsaCli : public RevocationTsa {
protected:
    void SetUp() override {
        RevocationTsa::SetUp();
        if (IsSkipped()) return;
        ISTMO_SKIP_WITHOUT_CLI();
    }
};

TEST_F(RevocationTsaCli, TimestampVerifyTakesTheRevocationOptions) {
    test::TempDir dir;
    const Bytes data = {'i', 'n', 'v', 'o', 'i', 'c', 'e'};
    test::write_file(dir.path() / "data.bin", std::string(data.begin(), data.end()));
    const Bytes bare = token("good", std::time(nullptr), data);
    const Bytes carrying = with_revocation_info(bare, {*tsa_crl, root_crl()}, {});
    test::write_file(dir.path() / "bare.tst", std::string(bare.begin(), bare.end()));
    test::write_file(dir.path() / "carrying.tst", std::string(carrying.begin(), carrying.end()));
    const std::string common = "timestamp verify --data " + test::shell_quote(dir.path() / "data.bin") + " --trust " +
                               test::shell_quote(server->file("root.cert.pem")) + " ";
    const auto ok = test::run_cli(common + "--offline --json " + test::shell_quote(dir.path() / "carrying.tst"));
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_NE(ok.output.find("\"revocation\":{\"status\":\"good\",\"source\":\"embedded\""), std::string::npos) << ok.output;
    const auto unknown = test::run_cli(common + "--offline " + test::shell_quote(dir.path() / "bare.tst"));
    EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
    EXPECT_NE(unknown.output.find("TSA-CERT-REVOCATION-UNKNOWN"), std::string::npos) << unknown.output;
    const auto crl_file = test::run_cli(common + "--offline --crl " + test::shell_quote(server->file("tsa.crl")) +
                                        " --crl " + test::shell_quote(server->file("root.crl")) + " " +
                                        test::shell_quote(dir.path() / "bare.tst"));
    EXPECT_EQ(crl_file.exit_code, 0) << crl_file.output;
    const auto off = test::run_cli(common + "--revocation off " + test::shell_quote(dir.path() / "bare.tst"));
    EXPECT_EQ(off.exit_code, 0) << off.output;
    EXPECT_NE(off.output.find("TSA-CERT-REVOCATION-OFF"), std::string::npos) << off.output;
    const auto bad = test::run_cli(common + "--revocation sometimes " + test::shell_quote(dir.path() / "bare.tst"));
    EXPECT_EQ(bad.exit_code, 64) << bad.output;
}

TEST(RevocationCliHelp, EveryValidatingCommandListsTheRevocationOptions) {
    ISTMO_SKIP_WITHOUT_CLI();
    for (const char* command : {"verify", "timestamp verify", "invoice validate", "batch validate", "cert status"}) {
        const auto en = test::run_cli(std::string("--lang en ") + command + " --help");
        EXPECT_EQ(en.exit_code, 0) << command;
        for (const char* option : {"--revocation auto|require|off", "--crl FILE", "--ocsp-response FILE", "--offline",
                                   "--revocation-cache DIR"})
            EXPECT_NE(en.output.find(option), std::string::npos) << command << ": " << option;
        const auto es = test::run_cli(std::string("--lang es ") + command + " --help");
        EXPECT_NE(es.output.find("--crl ARCHIVO"), std::string::npos) << command;
        EXPECT_NE(es.output.find("estado de los certificados (CRL/OCSP)"), std::string::npos) << command;
    }
}

}  // namespace
