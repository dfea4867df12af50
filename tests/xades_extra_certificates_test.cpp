// dsig::VerifyOptions::extra_certificates: untrusted certificates the caller supplies for path
// building when the document carries only the signer's certificate. They complete a path to an
// anchor, for plain XMLDSig and for XAdES (signer and TSA), and are never anchors themselves.
// Also: the per-certificate facts XAdES caches in its Verifier stay per certificate.
#include <istmo/istmo.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <regex>
#include <thread>

namespace {

using namespace istmo;
using istmo::test::codes;
using istmo::test::has_code;
using report::Indication;
using report::SubIndication;

const char* const k_doc =
    "<rFE xmlns=\"http://dgi-fep.mef.gob.pa\"><gDGen><iAmb>2</iAmb><dId>FE01</dId></gDGen><gTot><dVTot>10.70</dVTot></gTot></rFE>";

std::filesystem::path pki(const std::string& name) { return test::vectors_dir() / "pki" / name; }

crypto::Certificate cert(const std::string& name) {
    auto c = crypto::Certificate::from_file(pki(name + ".cert.pem").string());
    EXPECT_TRUE(c.has_value()) << name;
    return *c;
}

crypto::TrustStore store_of(const std::string& name) {
    crypto::TrustStore store;
    EXPECT_TRUE(store.add_file(pki(name + ".cert.pem").string()).has_value()) << name;
    return store;
}

// Signed by `key` with no chain: KeyInfo holds the leaf certificate only.
std::string sign_leaf_only(bool xades_bb, const std::string& key = "rsa2048") {
    auto k = crypto::PrivateKey::from_file(pki(key + ".key.pem").string());
    EXPECT_TRUE(k.has_value());
    Result<std::string> out = make_error(Errc::internal, "not signed");
    if (xades_bb) {
        auto signer = xades::Signer::create(*k, cert(key), {}, {});
        EXPECT_TRUE(signer.has_value());
        if (signer) out = signer->sign(k_doc);
    } else {
        auto signer = dsig::Signer::create(*k, cert(key), {}, {});
        EXPECT_TRUE(signer.has_value());
        if (signer) out = signer->sign(k_doc);
    }
    EXPECT_TRUE(out.has_value()) << (out ? "" : out.error().to_string());
    if (!out) return {};
    // The document really carries one certificate, the leaf.
    std::size_t count = 0;
    for (std::size_t at = out->find("X509Certificate>"); at != std::string::npos; at = out->find("X509Certificate>", at + 1)) ++count;
    EXPECT_EQ(count, 2u) << "one <ds:X509Certificate> element expected";
    return *out;
}

dsig::VerificationReport run(const dsig::Verifier& verifier, const std::string& xml) {
    auto report = verifier.verify(xml);
    EXPECT_TRUE(report.has_value());
    return report ? *report : dsig::VerificationReport{};
}

dsig::VerificationReport run(const xades::Verifier& verifier, const std::string& xml) {
    auto report = verifier.verify(xml);
    EXPECT_TRUE(report.has_value());
    return report ? *report : dsig::VerificationReport{};
}

void expect_no_chain(const dsig::VerificationReport& r) {
    EXPECT_EQ(r.indication, Indication::indeterminate) << codes(r);
    EXPECT_EQ(r.sub_indication, SubIndication::no_certificate_chain_found) << codes(r);
    EXPECT_TRUE(has_code(r, "DSIG-CERT-UNTRUSTED")) << codes(r);
    ASSERT_EQ(r.signatures.size(), 1u);
    EXPECT_TRUE(r.signatures[0].signature_value_ok);  // only the path is missing
}

void expect_full_chain(const dsig::VerificationReport& r) {
    EXPECT_EQ(r.indication, Indication::total_passed) << codes(r);
    ASSERT_EQ(r.signatures.size(), 1u);
    const auto& chain = r.signatures[0].chain;
    ASSERT_EQ(chain.size(), 3u);  // leaf, the supplied intermediate, the root anchor
    EXPECT_EQ(chain[0].sha256, cert("rsa2048").sha256_hex());
    EXPECT_EQ(chain[1].sha256, cert("intermediate").sha256_hex());
    EXPECT_EQ(chain[2].sha256, cert("ca").sha256_hex());
}

TEST(XadesExtraCertificates, PlainXmldsigLeafOnlyNeedsTheIntermediate) {
    const std::string signed_xml = sign_leaf_only(false);
    dsig::VerifyOptions options;
    options.trust = store_of("ca");
    expect_no_chain(run(dsig::Verifier(options), signed_xml));

    options.extra_certificates = {cert("intermediate")};
    const dsig::Verifier with(options);
    expect_full_chain(run(with, signed_xml));
    expect_full_chain(run(with, signed_xml));  // the cached path gives the same answer
}

TEST(XadesExtraCertificates, XadesLeafOnlyNeedsTheIntermediate) {
    const std::string signed_xml = sign_leaf_only(true);
    xades::VerifyOptions options;
    options.dsig.trust = store_of("ca");
    const auto without = run(xades::Verifier(options), signed_xml);
    expect_no_chain(without);
    EXPECT_EQ(without.signatures[0].level, "B-B");

    options.dsig.extra_certificates = {cert("intermediate")};
    const auto with = run(xades::Verifier(options), signed_xml);
    expect_full_chain(with);
    EXPECT_EQ(with.signatures[0].level, "B-B");
    EXPECT_FALSE(has_code(with, "XADES-ISSUER-SERIAL-MISMATCH")) << codes(with);
}

TEST(XadesExtraCertificates, StreamingPathUsesThemToo) {
    const std::string signed_xml = sign_leaf_only(false);
    dsig::VerifyOptions options;
    options.trust = store_of("ca");
    options.streaming_threshold_bytes = 1;  // every document takes the streaming path
    const auto without = run(dsig::Verifier(options), signed_xml);
    EXPECT_TRUE(without.streamed);
    expect_no_chain(without);

    options.extra_certificates = {cert("intermediate")};
    const auto with = run(dsig::Verifier(options), signed_xml);
    EXPECT_TRUE(with.streamed);
    expect_full_chain(with);
}

TEST(XadesExtraCertificates, NeverATrustAnchor) {
    for (bool xades_bb : {false, true}) {
        SCOPED_TRACE(xades_bb ? "XAdES-B-B" : "XMLDSig");
        const std::string signed_xml = sign_leaf_only(xades_bb);
        dsig::VerifyOptions options;
        // An anchor unrelated to the test PKI, so the store is not empty.
        options.trust = store_of("untrusted");
        // The intermediate that issued the leaf, and even the self-signed root above it, given
        // as extra certificates: they complete the path but anchor nothing.
        for (const auto& extras : std::vector<std::vector<crypto::Certificate>>{
                 {cert("intermediate")}, {cert("intermediate"), cert("ca")}, {cert("ca"), cert("intermediate"), cert("rsa2048")}}) {
            options.extra_certificates = extras;
            const auto r = xades_bb ? run(xades::Verifier(xades::VerifyOptions{options, {}, {}}), signed_xml)
                                    : run(dsig::Verifier(options), signed_xml);
            expect_no_chain(r);
        }
        // The same intermediate as an anchor (partial chain) is trusted: the difference between
        // the two lists is the point.
        options.trust = store_of("intermediate");
        options.extra_certificates.clear();
        const auto anchored = xades_bb ? run(xades::Verifier(xades::VerifyOptions{options, {}, {}}), signed_xml)
                                       : run(dsig::Verifier(options), signed_xml);
        EXPECT_EQ(anchored.indication, Indication::total_passed) << codes(anchored);
    }
}

TEST(XadesExtraCertificates, DoNotSupplyTheSignersCertificate) {
    // KeyValue only: the signer certificate given among the extra certificates does not make
    // the key a certified one.
    auto k = crypto::PrivateKey::from_file(pki("ec-p256.key.pem").string());
    ASSERT_TRUE(k.has_value());
    auto signer = dsig::Signer::create(*k, std::nullopt, {}, {});
    ASSERT_TRUE(signer.has_value());
    auto signed_xml = signer->sign(k_doc);
    ASSERT_TRUE(signed_xml.has_value());
    ASSERT_EQ(signed_xml->find("X509Certificate"), std::string::npos);
    dsig::VerifyOptions options;
    options.trust = store_of("ca");
    options.extra_certificates = {cert("ec-p256"), cert("intermediate")};
    const auto r = run(dsig::Verifier(options), *signed_xml);
    EXPECT_EQ(r.indication, Indication::indeterminate) << codes(r);
    EXPECT_EQ(r.sub_indication, SubIndication::no_certificate_chain_found);
    EXPECT_TRUE(has_code(r, "DSIG-CERT-NO-CERTIFICATE")) << codes(r);
}

// The XAdES verifier caches, per signer certificate, the IssuerSerial DER and the validity
// period. One verifier, two signers with the same issuer: each document is judged against its
// own certificate.
TEST(XadesExtraCertificates, CachedSignerFactsStayPerCertificate) {
    xades::VerifyOptions options;
    options.dsig.trust = store_of("ca");
    options.dsig.extra_certificates = {cert("intermediate")};
    const xades::Verifier verifier(options);
    const std::string rsa = sign_leaf_only(true, "rsa2048");
    const std::string ec = sign_leaf_only(true, "ec-p256");
    const std::regex issuer_serial("<xades:IssuerSerialV2>([^<]*)</xades:IssuerSerialV2>");
    std::smatch rsa_value;
    ASSERT_TRUE(std::regex_search(rsa, rsa_value, issuer_serial));

    for (int round = 0; round < 2; ++round) {
        const auto r1 = run(verifier, rsa);
        EXPECT_EQ(r1.indication, Indication::total_passed) << codes(r1);
        const auto r2 = run(verifier, ec);
        EXPECT_EQ(r2.indication, Indication::total_passed) << codes(r2);
        EXPECT_FALSE(has_code(r2, "XADES-ISSUER-SERIAL-MISMATCH")) << codes(r2);
    }
    // The EC document with the RSA certificate's IssuerSerialV2 (same issuer, other serial):
    // the signed properties no longer match their digest, and the property is reported as not
    // describing the EC signer, although the RSA certificate's facts are in the cache.
    const std::string swapped = std::regex_replace(ec, issuer_serial, rsa_value[0].str());
    ASSERT_NE(swapped, ec);
    const auto r3 = run(verifier, swapped);
    EXPECT_EQ(r3.indication, Indication::total_failed);
    EXPECT_TRUE(has_code(r3, "DSIG-REF-DIGEST-MISMATCH")) << codes(r3);
    EXPECT_TRUE(has_code(r3, "XADES-ISSUER-SERIAL-MISMATCH")) << codes(r3);

    // SigningTime against the cached validity of each signer (both 2025-01-01..2045-01-01).
    const std::regex signing_time("<xades:SigningTime>[^<]*</xades:SigningTime>");
    const auto r4 = run(verifier, std::regex_replace(ec, signing_time, "<xades:SigningTime>2024-12-31T23:59:59Z</xades:SigningTime>"));
    EXPECT_TRUE(has_code(r4, "XADES-SIGNING-TIME-OUT-OF-CERT")) << codes(r4);
    const auto r5 = run(verifier, std::regex_replace(rsa, signing_time, "<xades:SigningTime>2025-01-01T00:00:00Z</xades:SigningTime>"));
    EXPECT_FALSE(has_code(r5, "XADES-SIGNING-TIME-OUT-OF-CERT")) << codes(r5);
    EXPECT_FALSE(has_code(r5, "XADES-SIGNING-TIME-INVALID")) << codes(r5);
}

// The cached base64 forms are only a shortcut: CertDigest and IssuerSerialV2 written with line
// breaks (legal base64Binary) are decoded and still describe the signer. (Changing the text of
// the signed properties breaks their digest; the XAdES checks are judged on their own here.)
TEST(XadesExtraCertificates, NonCanonicalBase64StillMatchesTheSigner) {
    xades::VerifyOptions options;
    options.dsig.trust = store_of("ca");
    options.dsig.extra_certificates = {cert("intermediate")};
    const xades::Verifier verifier(options);
    const std::string signed_xml = sign_leaf_only(true);
    ASSERT_EQ(run(verifier, signed_xml).indication, Indication::total_passed);  // facts now cached

    std::string wrapped = signed_xml;
    for (const char* element : {"<xades:IssuerSerialV2>", "<xades:CertDigest>"}) {
        std::size_t at = wrapped.find(element);
        ASSERT_NE(at, std::string::npos) << element;
        if (std::string(element) == "<xades:CertDigest>") at = wrapped.find("<ds:DigestValue>", at) + 16;
        else at += std::string(element).size();
        wrapped.insert(at + 8, "\n");  // a line break inside the base64 text
    }
    const auto r = run(verifier, wrapped);
    EXPECT_TRUE(has_code(r, "DSIG-REF-DIGEST-MISMATCH")) << codes(r);
    EXPECT_FALSE(has_code(r, "XADES-SIGNING-CERT-DIGEST")) << codes(r);
    EXPECT_FALSE(has_code(r, "XADES-ISSUER-SERIAL-MISMATCH")) << codes(r);

    // A wrong value in the same place is still caught.
    std::string wrong = signed_xml;
    const std::size_t at = wrong.find("<ds:DigestValue>", wrong.find("<xades:CertDigest>")) + 16;
    wrong[at] = wrong[at] == 'A' ? 'B' : 'A';
    const auto r2 = run(verifier, wrong);
    EXPECT_TRUE(has_code(r2, "XADES-SIGNING-CERT-DIGEST")) << codes(r2);
}

// One xades::Verifier shared by threads that verify documents of two signers at once: every
// verification passes and none is reported against the other signer's cached facts.
TEST(XadesExtraCertificates, SharedVerifierAcrossThreads) {
    xades::VerifyOptions options;
    options.dsig.trust = store_of("ca");
    options.dsig.extra_certificates = {cert("intermediate")};
    const xades::Verifier verifier(options);
    const std::vector<std::string> documents = {sign_leaf_only(true, "rsa2048"), sign_leaf_only(true, "ec-p256")};
    std::atomic<int> passed{0};
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    constexpr int k_threads = 4;
    constexpr int k_rounds = 25;
    for (int t = 0; t < k_threads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < k_rounds; ++i) {
                auto r = verifier.verify(documents[static_cast<std::size_t>((t + i) % 2)]);
                if (r && r->passed()) ++passed;
                if (r && has_code(*r, "XADES-ISSUER-SERIAL-MISMATCH")) ++mismatches;
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(passed.load(), k_threads * k_rounds);
    EXPECT_EQ(mismatches.load(), 0);
}

// ---- B-T: a token that does not embed the TSA certificate, which the caller supplies ---------

class XadesExtraCertificatesTsa : public ::testing::Test {
protected:
    void SetUp() override {
        if (!test::have_tool("openssl")) GTEST_SKIP() << "openssl CLI not installed: TSA test did not run";
        const std::string d = m_dir.path().string();
        test::write_file(m_dir / "ts.cnf",
                         "[tsa]\ndefault_tsa = t\n[t]\ndir = " + d +
                             "\nserial = $dir/serial\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\n"
                             "digests = sha256\naccuracy = secs:1\nordering = no\ntsa_name = no\n"
                             "ess_cert_id_chain = no\ness_cert_id_alg = sha256\n");
        auto r = test::run_command(
            "cd " + d +
            " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem "
            "-days 3650 -subj '/CN=Extra Test TSA Root' -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign "
            "&& openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tsa.key -out tsa.csr -subj '/CN=Extra Test TSA' "
            "&& printf 'extendedKeyUsage=critical,timeStamping\\nkeyUsage=critical,digitalSignature\\n' > ext.cnf "
            "&& openssl x509 -req -in tsa.csr -CA root.pem -CAkey root.key -CAcreateserial -days 3650 -extfile ext.cnf -out tsa.pem "
            "&& echo 01 > serial");
        ASSERT_EQ(r.exit_code, 0) << r.output;
    }

    // A token over `data` requested without -cert: the TSA embeds no certificate.
    xades::Timestamper timestamper() {
        return [this](std::span<const std::uint8_t> data) -> Result<std::vector<std::uint8_t>> {
            test::write_file(m_dir / "data.bin", std::string(data.begin(), data.end()));
            auto r = test::run_command("cd " + m_dir.path().string() +
                                       " && openssl ts -query -data data.bin -sha256 -out q.tsq && "
                                       "openssl ts -reply -config ts.cnf -queryfile q.tsq -inkey tsa.key -signer tsa.pem "
                                       "-token_out -out token.der");
            if (r.exit_code != 0) return make_error(Errc::unavailable, "openssl ts failed: " + r.output);
            return test::read_bytes(m_dir / "token.der");
        };
    }

    test::TempDir m_dir;
};

TEST_F(XadesExtraCertificatesTsa, TokenWithoutCertificatesNeedsTheTsaCertificate) {
    auto k = crypto::PrivateKey::from_file(pki("rsa2048.key.pem").string());
    ASSERT_TRUE(k.has_value());
    xades::SignOptions sign_options;
    sign_options.profile = xades::Profile::b_t;
    sign_options.timestamper = timestamper();
    auto signer = xades::Signer::create(*k, cert("rsa2048"), {}, sign_options);
    ASSERT_TRUE(signer.has_value());
    auto signed_xml = signer->sign(k_doc);
    ASSERT_TRUE(signed_xml.has_value()) << signed_xml.error().to_string();

    xades::VerifyOptions options;
    options.dsig.trust = store_of("ca");
    ASSERT_TRUE(options.tsa_trust.add_file((m_dir / "root.pem").string()).has_value());
    options.dsig.extra_certificates = {cert("intermediate")};
    const auto without = run(xades::Verifier(options), *signed_xml);
    EXPECT_EQ(without.signatures.at(0).level, "B-T");
    EXPECT_TRUE(has_code(without, "XADES-TS-INVALID")) << codes(without);
    EXPECT_NE(without.indication, Indication::total_passed);

    auto tsa = crypto::Certificate::from_file((m_dir / "tsa.pem").string());
    ASSERT_TRUE(tsa.has_value());
    options.dsig.extra_certificates.push_back(*tsa);
    const auto with = run(xades::Verifier(options), *signed_xml);
    EXPECT_EQ(with.indication, Indication::total_passed) << codes(with);
    EXPECT_EQ(with.signatures.at(0).level, "B-T");
    const auto& stamps = with.signatures.at(0).timestamps;
    EXPECT_TRUE(std::any_of(stamps.begin(), stamps.end(), [](const dsig::TimestampResult& t) { return t.passed(); }))
        << codes(with);

    // The TSA certificate as an extra certificate is not a trust anchor for it either.
    options.tsa_trust = store_of("untrusted");
    const auto unanchored = run(xades::Verifier(options), *signed_xml);
    EXPECT_TRUE(has_code(unanchored, "XADES-TS-INVALID")) << codes(unanchored);
    EXPECT_NE(unanchored.indication, Indication::total_passed);
}

}  // namespace
