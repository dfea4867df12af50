// RFC 3161 request encoding (byte for byte) and token verification against the real
// public-TSA samples in ../shared/reference/tsa-samples/ (each at its genTime).
#include "test_support.hpp"
#include "tsa/tsa_internal.hpp"

#include <istmo/tsa/timestamp.hpp>

#include <gtest/gtest.h>
#include <openssl/cms.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <set>

#pragma GCC diagnostic ignored "-Wold-style-cast"

namespace istmo::tsa {
namespace {

namespace fs = std::filesystem;
using istmo::test::read_bytes;

Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes from_hex(std::string_view hex) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

std::set<std::string> error_codes(const TokenVerification& v) {
    std::set<std::string> out;
    for (const auto& f : v.findings)
        if (f.severity == report::Severity::error) out.insert(f.code);
    return out;
}

std::string dump(const TokenVerification& v) {
    std::string s;
    for (const auto& f : v.findings) s += "  [" + std::string(report::to_string(f.severity)) + "] " + f.code + ": " + f.message + "\n";
    return s;
}

// ---- request encoding -----------------------------------------------------------------

TEST(TsaRequest, DerIsByteExactWithFixedNonce) {
    RequestOptions o;
    o.nonce = from_hex("0102030405060708");
    auto r = TimestampRequest::for_data(to_bytes("hello"), o);
    ASSERT_TRUE(r) << r.error().to_string();
    // SEQUENCE { INTEGER 1, SEQUENCE { SEQUENCE { OID sha256, NULL }, OCTET STRING[32] },
    //            INTEGER 0x0102030405060708, BOOLEAN TRUE }
    const std::string expected_hex =
        "3043" "020101" "3031" "300d0609608648016503040201" "0500" "0420"
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        "02080102030405060708" "0101ff";
    EXPECT_EQ(r->der(), from_hex(expected_hex));
    EXPECT_EQ(r->nonce(), from_hex("0102030405060708"));
}

TEST(TsaRequest, PolicyNoCertReqAndSha512) {
    RequestOptions o;
    o.hash = HashAlg::sha512;
    o.cert_req = false;
    o.policy = "1.3.6.1.4.1.99999.3161.1";
    o.nonce = from_hex("00ff00000000000001");  // leading zero stripped: DER-minimal
    auto r = TimestampRequest::for_data(to_bytes("hello"), o);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->nonce(), from_hex("ff00000000000001"));
    const Bytes& d = r->der();
    // The nonce of a value with the top bit set gets one 0x00 (positive INTEGER).
    const Bytes nonce_tlv = from_hex("020900ff00000000000001");
    EXPECT_NE(std::search(d.begin(), d.end(), nonce_tlv.begin(), nonce_tlv.end()), d.end());
    const Bytes policy_tlv = from_hex("060b2b06010401868d1f985901");
    EXPECT_NE(std::search(d.begin(), d.end(), policy_tlv.begin(), policy_tlv.end()), d.end());
    EXPECT_EQ(std::count(d.begin(), d.end(), 0xff) >= 1, true);
    EXPECT_EQ(d.back(), 0x01);  // ends with the nonce, no certReq BOOLEAN
}

TEST(TsaRequest, RandomNoncesArePositiveMinimalAndLarge) {
    std::set<Bytes> seen;
    for (int i = 0; i < 64; ++i) {
        auto r = TimestampRequest::for_data(to_bytes("x"));
        ASSERT_TRUE(r);
        const Bytes& n = r->nonce();
        ASSERT_EQ(n.size(), 16u);
        EXPECT_EQ(n[0] & 0xC0, 0x40);  // positive, no leading zero, >= 2^126
        seen.insert(n);
    }
    EXPECT_EQ(seen.size(), 64u);
}

TEST(TsaRequest, RejectsBadInput) {
    RequestOptions o;
    o.nonce = from_hex("0000000000000001");
    EXPECT_EQ(TimestampRequest::for_data(to_bytes("x"), o).error().code, Errc::invalid_argument);
    RequestOptions p;
    p.policy = "not an oid";
    EXPECT_EQ(TimestampRequest::for_data(to_bytes("x"), p).error().code, Errc::invalid_argument);
    EXPECT_EQ(TimestampRequest::for_digest(Bytes(20, 1)).error().code, Errc::invalid_argument);
    EXPECT_EQ(TimestampRequest::for_file("/nonexistent/file").error().code, Errc::not_found);
    EXPECT_EQ(hash_alg_from_name("SHA-384").value(), HashAlg::sha384);
    EXPECT_FALSE(hash_alg_from_name("md5"));
}

TEST(TsaRequest, OpensslParsesOurRequest) {
    if (!istmo::test::have_tool("openssl")) GTEST_SKIP() << "openssl CLI missing: test did not run";
    istmo::test::TempDir dir;
    RequestOptions o;
    o.policy = "1.2.3.4";
    o.extensions.push_back({"1.2.3.4.5", false, from_hex("0500")});
    auto r = TimestampRequest::for_data(to_bytes("hello"), o);
    ASSERT_TRUE(r);
    std::string der(r->der().begin(), r->der().end());
    istmo::test::write_file(dir / "req.tsq", der);
    auto out = istmo::test::run_command("openssl ts -query -in '" + (dir / "req.tsq").string() + "' -text");
    ASSERT_EQ(out.exit_code, 0) << out.output;
    EXPECT_NE(out.output.find("Certificate required: yes"), std::string::npos) << out.output;
    EXPECT_NE(out.output.find("Policy OID: 1.2.3.4"), std::string::npos) << out.output;
    EXPECT_NE(out.output.find("2c f2 4d ba"), std::string::npos) << out.output;
}

// ---- DER reader ----------------------------------------------------------------------

TEST(TsaDer, ReadsDefiniteLengthsAndRejectsTheRest) {
    detail::TlvError err{};
    const Bytes ok = from_hex("3003020101");
    auto t = detail::read_tlv(ok, err);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->total(), 5u);
    EXPECT_FALSE(detail::read_tlv(from_hex("3080020101"), err));
    EXPECT_EQ(err, detail::TlvError::indefinite);
    EXPECT_FALSE(detail::read_tlv(from_hex("3005020101"), err));
    EXPECT_EQ(err, detail::TlvError::truncated);
    EXPECT_FALSE(detail::read_tlv(from_hex("308103020101"), err));  // non-minimal length
    EXPECT_EQ(err, detail::TlvError::bad_length);
    EXPECT_FALSE(detail::read_tlv(Bytes{}, err));
    EXPECT_EQ(err, detail::TlvError::empty);
}

// ---- real samples ------------------------------------------------------------------------

std::optional<fs::path> samples() {
    auto ref = istmo::test::shared_reference_dir();
    if (!ref) return std::nullopt;
    fs::path p = *ref / "tsa-samples";
    if (!fs::is_directory(p)) return std::nullopt;
    return p;
}

std::vector<crypto::Certificate> embedded_certs(const Bytes& token) {
    std::vector<crypto::Certificate> out;
    const unsigned char* p = token.data();
    CMS_ContentInfo* cms = d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(token.size()));
    if (!cms) return out;
    STACK_OF(X509)* certs = CMS_get1_certs(cms);
    for (int i = 0; certs && i < sk_X509_num(certs); ++i) {
        unsigned char* der = nullptr;
        const int len = i2d_X509(sk_X509_value(certs, i), &der);
        if (len > 0) {
            auto c = crypto::Certificate::from_der(std::span<const std::uint8_t>(der, static_cast<std::size_t>(len)));
            if (c) out.push_back(*c);
        }
        OPENSSL_free(der);
    }
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(cms);
    return out;
}

bool is_ca(const crypto::Certificate& c) { return X509_check_ca(c.impl().cert.get()) > 0; }

struct Sample {
    std::string file;
    std::string data;          // file with the time-stamped data, relative; empty: unknown
    std::string trust;         // certificate file(s) with anchors (self-signed ones are anchors,
                               // the rest become extra certificates); "embedded-ca": the
                               // token's own CA certificates are the anchors (partial chain)
    // Empty: must verify. The upstream-mutated tokens changed signed attributes without
    // re-signing, so their signature is (correctly) reported invalid as well.
    std::set<std::string> expected_errors;
    std::string extra;         // extra (non-anchor) certificate file
};

void load_trust(const fs::path& dir, const Sample& s, const Bytes& bytes, VerifyOptions& o) {
    if (s.trust == "embedded-ca" || s.trust.empty()) {
        // Take the token out of a response when needed.
        Bytes token = bytes;
        auto v = verify_response_or_token(bytes, {}, {});
        if (!v.token.empty()) token = v.token;
        // The token's CA certificates, or (when it embeds only the TSA certificate) that one:
        // what `-partial_chain -CAfile <embedded>` does.
        const auto certs = embedded_certs(token);
        for (const auto& c : certs)
            if (is_ca(c)) o.trust.add(c);
        if (o.trust.size() == 0)
            for (const auto& c : certs) o.trust.add(c);
    } else if (s.trust.rfind("anchor:", 0) == 0) {
        auto all = crypto::Certificate::all_from_file((dir / s.trust.substr(7)).string());
        ASSERT_TRUE(all) << s.trust;
        for (const auto& c : *all) o.trust.add(c);
    } else {
        auto all = crypto::Certificate::all_from_file((dir / s.trust).string());
        ASSERT_TRUE(all) << s.trust << ": " << all.error().to_string();
        for (const auto& c : *all) {
            if (c.subject() == c.issuer()) o.trust.add(c);
            else o.extra_certificates.push_back(c);
        }
    }
    if (!s.extra.empty()) {
        auto all = crypto::Certificate::all_from_file((dir / s.extra).string());
        ASSERT_TRUE(all) << s.extra;
        for (const auto& c : *all) o.extra_certificates.push_back(c);
    }
}

class TsaSamples : public ::testing::TestWithParam<Sample> {};

TEST_P(TsaSamples, VerifiesAtGenTime) {
    const auto dir = samples();
    if (!dir) GTEST_SKIP() << "../shared/reference/tsa-samples/ absent: test did not run";
    const Sample& s = GetParam();
    const Bytes bytes = read_bytes(*dir / s.file);
    ASSERT_FALSE(bytes.empty()) << s.file;
    VerifyOptions o;
    // Revocation off, explicitly: these TSAs publish CRL / OCSP URLs that cannot be reached here,
    // and the expectations are about the tokens and their paths
    // (TsaSamplesRevocation.AutoOfflineIsTryLater shows what auto gives).
    o.revocation = crypto::RevocationPolicy::off;
    load_trust(*dir, s, bytes, o);
    TokenExpectations e;
    if (!s.data.empty()) e.data = read_bytes(*dir / s.data);
    const auto v = verify_response_or_token(bytes, e, o);
    EXPECT_EQ(error_codes(v), s.expected_errors) << s.file << "\n" << dump(v);
    if (s.expected_errors.empty()) {
        EXPECT_TRUE(v.valid());
        EXPECT_FALSE(v.info.gen_time_text.empty());
        EXPECT_FALSE(v.info.signer_subject.empty());
    }
}

const std::string ti = "trailofbits-rfc3161-client/";
const std::string np = "notaryproject-tspclient-go/";
const std::string dss = "esig-dss/";

// "sigstage/response-sha256.tsr" -> "sigstage_response_sha256_tsr" (the source repository, the
// first path segment, left out).
std::string sample_name(const std::string& file) {
    std::string name = file.substr(file.find('/') + 1);
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return name;
}

INSTANTIATE_TEST_SUITE_P(
    TsaReal, TsaSamples,
    ::testing::Values(
        Sample{ti + "identrust/issue-104.tsr", ti + "identrust/timestamped-data.txt",
               ti + "identrust/IdenTrustCommercialRootCA1.der", {}, ""},
        Sample{ti + "sigstage/response-sha256.tsr", ti + "sigstage/timestamped-data.txt", ti + "sigstage/ts_chain.pem", {}, ""},
        Sample{ti + "sigstage/response-sha384.tsr", ti + "sigstage/timestamped-data.txt", ti + "sigstage/ts_chain.pem", {}, ""},
        Sample{ti + "sigstage/response-sha512.tsr", ti + "sigstage/timestamped-data.txt", ti + "sigstage/ts_chain.pem", {}, ""},
        Sample{ti + "sigstage/response-no-embedded-cert.tsr", ti + "sigstage/timestamped-data.txt",
               ti + "sigstage/ts_chain.pem", {}, ""},
        Sample{ti + "sigstage/response-invalid-signature.tsr", ti + "sigstage/timestamped-data.txt",
               ti + "sigstage/ts_chain.pem", {"TSA-SIGNATURE-INVALID"}, ""},
        Sample{ti + "sigstore-local-tsa/response.tsr", ti + "sigstore-local-tsa/timestamped-data.txt",
               ti + "sigstore-local-tsa/ts_chain.pem", {}, ""},
        Sample{ti + "sigstore-local-tsa/response-injected-certs.tsr", ti + "sigstore-local-tsa/timestamped-data.txt",
               ti + "sigstore-local-tsa/ts_chain.pem", {}, ""},
        Sample{np + "globalsign/TimeStampToken.p7s", np + "globalsign/timestamped-data.txt",
               np + "globalsign/GlobalSignRootCA.crt", {}, ""},
        Sample{np + "globalsign/granted.tsr", np + "globalsign/timestamped-data.txt",
               np + "globalsign/GlobalSignRootCA.crt", {}, ""},
        Sample{np + "globalsign/rejection.tsr", "", np + "globalsign/GlobalSignRootCA.crt", {"TSA-STATUS-REJECTED"}, ""},
        Sample{np + "globalsign/TimeStampTokenWithoutCertificate.p7s", np + "globalsign/timestamped-data.txt",
               np + "globalsign/GlobalSignRootCA.crt", {"TSA-CERT-NOT-FOUND"}, ""},
        Sample{np + "globalsign/TimeStampTokenWithInvalidSignature.p7s", np + "globalsign/timestamped-data.txt",
               np + "globalsign/GlobalSignRootCA.crt", {"TSA-SIGNATURE-INVALID"}, ""},
        Sample{np + "globalsign/TimeStampTokenWithMismatchCertHash.p7s", np + "globalsign/timestamped-data.txt",
               np + "globalsign/GlobalSignRootCA.crt", {"TSA-ESSCERTID-MISMATCH", "TSA-SIGNATURE-INVALID"}, ""},
        Sample{np + "globalsign/TimeStampTokenWithoutSigningCertificate.p7s", np + "globalsign/timestamped-data.txt",
               np + "globalsign/GlobalSignRootCA.crt", {"TSA-ESSCERTID-MISSING", "TSA-SIGNATURE-INVALID"}, ""},
        Sample{np + "globalsign/TimeStampTokenWithInvalidSigningCertificateV2.p7s", np + "globalsign/timestamped-data.txt",
               np + "globalsign/GlobalSignRootCA.crt", {"TSA-ESSCERTID-MALFORMED", "TSA-SIGNATURE-INVALID"}, ""},
        Sample{np + "globalsign/TimeStampTokenWithValidAndInvalidSignerInfos.p7s", np + "globalsign/timestamped-data.txt",
               np + "globalsign/GlobalSignRootCA.crt", {"TSA-SIGNER-COUNT", "TSA-SIGNATURE-INVALID"}, ""},
        Sample{np + "microsoft/TimeStampTokenNoRoot.p7s", "", "embedded-ca", {}, ""},
        Sample{np + "freetsa/TimeStampTokenWithSigningCertificateV1.p7s", np + "freetsa/timestamped-data.txt",
               "embedded-ca", {}, ""},
        Sample{np + "freetsa/validResponseWithSigningCertificateV1.tsr", np + "freetsa/timestamped-data.txt",
               "embedded-ca", {}, ""},
        Sample{np + "freetsa/TimeStampTokenWithSigningCertificateV1NoCert.p7s", np + "freetsa/timestamped-data.txt",
               "embedded-ca", {"TSA-ESSCERTID-MISMATCH", "TSA-SIGNATURE-INVALID"}, ""},
        Sample{dss + "tokens/d-trust.tsr", "", "embedded-ca", {}, ""},
        Sample{dss + "tokens/disig.tst", "", "embedded-ca", {}, ""},
        Sample{dss + "tokens/tst-two-refs.tst", "", "embedded-ca", {"TSA-ESSCERTID-MISMATCH"}, ""},
        Sample{dss + "tokens/archive_timestamp.tst", dss + "tokens/archive_timestamp.timestamped-data.xml",
               "embedded-ca", {}, ""},
        Sample{dss + "tokens/tst_with_broken_ocsp.tst", "", "embedded-ca", {}, ""},
        Sample{dss + "sk-demo-tsa-2014/with-certs.tst", dss + "sk-demo-tsa-2014/timestamped-data.txt",
               "anchor:" + dss + "sk-demo-tsa-2014/tsu-cert.der", {}, ""},
        Sample{dss + "sk-demo-tsa-2014/without-certs.tst", dss + "sk-demo-tsa-2014/timestamped-data.txt",
               "anchor:" + dss + "sk-demo-tsa-2014/tsu-cert.der", {}, ""},
        Sample{dss + "tokens/universign-unit025-2019.tst", "", "embedded-ca", {}, ""},
        Sample{dss + "tokens/universign-unit009-2013.tst", "", "embedded-ca", {}, ""},
        Sample{dss + "tokens/universign-unit009-2014-embedded-crl.tst", "", "embedded-ca", {}, ""},
        Sample{dss + "tokens/certum-qtst-2017.tst", "", "embedded-ca", {}, ""},
        Sample{dss + "tokens/reniec-tsu-2019-02-a.tst", "", "embedded-ca", {}, ""},
        Sample{dss + "tokens/reniec-tsu-2019-02-b-negative-nonce.tst", "", "embedded-ca", {}, ""}),
    [](const ::testing::TestParamInfo<Sample>& p) { return sample_name(p.param.file); });

// A CMS ContentInfo re-encoded (definite lengths) by OpenSSL.
Bytes reencoded_der(const Bytes& ber) {
    const unsigned char* p = ber.data();
    internal::CmsContentInfoPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(ber.size())));
    if (!cms) return {};
    unsigned char* der = nullptr;
    const int len = i2d_CMS_ContentInfo(cms.get(), &der);
    internal::OsslBytesPtr owned(der);
    return len > 0 ? Bytes(der, der + len) : Bytes();
}

// Real tokens under the default revocation policy (auto), offline: a TSA whose certificates
// publish CRL / OCSP URLs cannot be confirmed (TRY_LATER), and the revocation information a
// token carries in its SignedData crls field is found and used (never a crash on a broken one).
TEST(TsaSamplesRevocation, AutoOfflineIsTryLater) {
    const auto dir = samples();
    if (!dir) GTEST_SKIP() << "../shared/reference/tsa-samples/ absent: test did not run";
    const Sample s{np + "globalsign/granted.tsr", np + "globalsign/timestamped-data.txt",
                   np + "globalsign/GlobalSignRootCA.crt", {}, ""};
    const Bytes bytes = read_bytes(*dir / s.file);
    VerifyOptions o;
    o.offline = true;
    load_trust(*dir, s, bytes, o);
    TokenExpectations e;
    e.data = read_bytes(*dir / s.data);
    const auto v = verify_response_or_token(bytes, e, o);
    EXPECT_EQ(error_codes(v), (std::set<std::string>{"TSA-CERT-REVOCATION-UNKNOWN"})) << dump(v);
    ASSERT_FALSE(v.tsa_path.empty());
    EXPECT_EQ(v.tsa_path[0].status.status, crypto::RevocationStatus::not_checked);
    EXPECT_TRUE(v.tsa_path[0].status.required);
}

TEST(TsaSamplesRevocation, TheRevocationInfoATokenCarriesIsFound) {
    const auto dir = samples();
    if (!dir) GTEST_SKIP() << "../shared/reference/tsa-samples/ absent: test did not run";
    const Bytes with_crl = read_bytes(*dir / (dss + "tokens/universign-unit009-2014-embedded-crl.tst"));
    // A CAdES RevocationValues unsigned attribute with one CRL (openssl asn1parse shows it).
    const auto crl_evidence = detail::token_revocation_evidence(with_crl);
    ASSERT_EQ(crl_evidence.crls.size(), 1u);
    EXPECT_TRUE(crl_evidence.ocsp_responses.empty());
    test::TempDir tmp;
    test::write_file(tmp / "embedded.crl", std::string(crl_evidence.crls[0].begin(), crl_evidence.crls[0].end()));
    const auto read_by_openssl =
        test::run_command("openssl crl -inform DER -noout -issuer -in " + test::shell_quote(tmp / "embedded.crl"));
    EXPECT_EQ(read_by_openssl.exit_code, 0) << read_by_openssl.output;
    EXPECT_NE(read_by_openssl.output.find("Universign"), std::string::npos) << read_by_openssl.output;
    const Bytes with_ocsp = reencoded_der(read_bytes(*dir / (dss + "tokens/tst_with_broken_ocsp.tst")));  // BER
    // SignedData.crls: one CRL, an OCSP response as id-ri-ocsp-response and one as
    // id-pkix-ocsp-basic (openssl asn1parse shows the three).
    const auto ocsp_evidence = detail::token_revocation_evidence(with_ocsp);
    EXPECT_EQ(ocsp_evidence.crls.size(), 1u);
    EXPECT_EQ(ocsp_evidence.ocsp_responses.size(), 2u);
    EXPECT_TRUE(detail::token_revocation_evidence(read_bytes(*dir / (dss + "tokens/tst_with_broken_ocsp.tst"))).empty())
        << "BER is re-encoded by the verifier, not read here";
    // Verified offline with a status required: the ETSI plugtest TSA certificate (which
    // publishes OCSP and CRL URLs) gets its status from the token's own OCSP response.
    const Sample s{dss + "tokens/tst_with_broken_ocsp.tst", "", "embedded-ca", {}, ""};
    const Bytes token = read_bytes(*dir / s.file);
    VerifyOptions o;
    o.offline = true;
    o.revocation = crypto::RevocationPolicy::require;
    load_trust(*dir, s, token, o);
    const auto v = verify_response_or_token(token, {}, o);
    EXPECT_TRUE(v.valid()) << dump(v);
    ASSERT_EQ(v.tsa_path.size(), 2u) << dump(v);
    EXPECT_EQ(v.tsa_path[0].status.status, crypto::RevocationStatus::good);
    EXPECT_EQ(v.tsa_path[0].status.source, crypto::StatusSource::embedded);
    EXPECT_TRUE(v.tsa_path[1].anchor);
}

}  // namespace
}  // namespace istmo::tsa
