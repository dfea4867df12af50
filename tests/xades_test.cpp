// XAdES B-B / EPES / B-T: our signatures validate with our validator and with xmlsec1 (core),
// and each XAdES rule fails on its own broken input.
#include <istmo/istmo.hpp>

#include "report_schema_check.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

namespace {

using namespace istmo;
using istmo::test::codes;
using istmo::test::has_code;
using report::Indication;
using report::SubIndication;

const char* const k_doc = "<rFE xmlns=\"http://dgi-fep.mef.gob.pa\"><gDGen><iAmb>2</iAmb></gDGen><gTot><dVTot>10.70</dVTot></gTot></rFE>";

std::filesystem::path pki(const std::string& name) { return test::vectors_dir() / "pki" / name; }

crypto::TrustStore root_store() {
    crypto::TrustStore store;
    EXPECT_TRUE(store.add_file(pki("ca.cert.pem").string()).has_value());
    return store;
}

std::string sign(xades::SignOptions options, const std::string& key = "rsa2048", const std::string& xml = k_doc) {
    auto k = crypto::PrivateKey::from_file(pki(key + ".key.pem").string());
    auto c = crypto::Certificate::from_file(pki(key + ".cert.pem").string());
    auto chain = crypto::Certificate::all_from_file(pki("intermediate.cert.pem").string());
    auto signer = xades::Signer::create(*k, *c, *chain, std::move(options));
    EXPECT_TRUE(signer.has_value()) << (signer ? "" : signer.error().to_string());
    if (!signer) return {};
    auto out = signer->sign(xml);
    EXPECT_TRUE(out.has_value()) << (out ? "" : out.error().to_string());
    return out ? *out : std::string();
}

dsig::VerificationReport verify(const std::string& xml, xades::VerifyOptions options = {}) {
    if (options.dsig.trust.size() == 0) options.dsig.trust = root_store();
    auto report = xades::Verifier(options).verify(xml);
    EXPECT_TRUE(report.has_value());
    return report ? *report : dsig::VerificationReport{};
}

// The first signature's typed properties and first time-stamp, by the names the report JSON uses.
std::string property(const dsig::VerificationReport& r, const std::string& name) {
    const dsig::SignatureResult& s = r.signatures.at(0);
    const auto first = [](const std::vector<std::string>& v) { return v.empty() ? std::string() : v.front(); };
    if (name == "signing_time") return s.properties.signing_time;
    if (name == "signer_roles") return first(s.properties.signer_roles);
    if (name == "commitment_types") return first(s.properties.commitment_types);
    if (name == "policy") return !s.properties.policy ? std::string() : s.properties.policy->implied ? "implied" : s.properties.policy->id;
    if (s.timestamps.empty()) return {};
    const dsig::TimestampResult& t = s.timestamps.front();
    if (name == "timestamps[0].indication") return std::string(report::to_string(t.indication));
    if (name == "timestamps[0].policy") return t.policy;
    if (name == "timestamps[0].tsa") return t.tsa;
    return {};
}

TEST(XadesBaseline, SignsAndValidatesBB) {
    for (const char* key : {"rsa2048", "ec-p256", "ed25519"}) {
        for (const char* mode : {"enveloped", "enveloping"}) {
            xades::SignOptions options;
            options.dsig.mode = *dsig::parse_sign_mode(mode);
            options.claimed_roles = {"Emisor"};
            options.commitment = "proof-of-origin";
            options.production_place = xades::ProductionPlace{"", "Panam\xc3\xa1", "Panam\xc3\xa1", "", "PA"};
            const std::string signed_xml = sign(options, key);
            for (const char* part : {"SigningCertificateV2", "IssuerSerialV2", "DataObjectFormat", "SignerRoleV2",
                                     "SignatureProductionPlaceV2", "Type=\"http://uri.etsi.org/01903#SignedProperties\""})
                EXPECT_NE(signed_xml.find(part), std::string::npos) << part;
            auto report = verify(signed_xml);
            EXPECT_EQ(report.indication, Indication::total_passed) << key << mode << codes(report);
            ASSERT_EQ(report.signatures.size(), 1u);
            EXPECT_EQ(report.signatures[0].level, "B-B");
            EXPECT_EQ(report.signatures[0].references.size(), 2u);
            EXPECT_EQ(property(report, "signer_roles"), "Emisor");
            EXPECT_EQ(property(report, "commitment_types"), "http://uri.etsi.org/01903/v1.2.2#ProofOfOrigin");
            EXPECT_FALSE(property(report, "signing_time").empty());
            EXPECT_NE(report.to_json().find("\"level\":\"B-B\""), std::string::npos);
        }
    }
}

TEST(XadesBaseline, CoreVerifiesWithXmlsec1) {
    if (!test::have_tool("xmlsec1")) GTEST_SKIP() << "xmlsec1 not installed: interop check did not run";
    test::TempDir dir;
    for (const char* mode : {"enveloped", "enveloping"}) {
        xades::SignOptions options;
        options.dsig.mode = *dsig::parse_sign_mode(mode);
        test::write_file(dir / "signed.xml", sign(options));
        auto r = test::run_command("xmlsec1 --verify --trusted-pem " + pki("ca.cert.pem").string() + " --untrusted-pem " +
                                   pki("intermediate.cert.pem").string() +
                                   " --id-attr:Id SignedProperties --id-attr:Id Object " + (dir / "signed.xml").string());
        EXPECT_EQ(r.exit_code, 0) << r.output;
        EXPECT_NE(r.output.find("OK"), std::string::npos) << r.output;
    }
}

TEST(XadesBaseline, PlainXmldsigStillVerifies) {
    auto k = crypto::PrivateKey::from_file(pki("rsa2048.key.pem").string());
    auto c = crypto::Certificate::from_file(pki("rsa2048.cert.pem").string());
    auto plain = dsig::Signer::create(*k, *c, {}, {})->sign(k_doc);
    ASSERT_TRUE(plain.has_value());
    auto chain = crypto::Certificate::all_from_file(pki("intermediate.cert.pem").string());
    auto with_chain = dsig::Signer::create(*k, *c, *chain, {})->sign(k_doc);
    auto report = verify(*with_chain);
    EXPECT_EQ(report.indication, Indication::total_passed) << codes(report);
    EXPECT_EQ(report.signatures[0].level, "XMLDSig");
}

TEST(XadesEpes, PolicyDigestIsCheckedWhenTheDocumentIsGiven) {
    const std::string policy_text = "Politica de firma de prueba";
    const std::vector<std::uint8_t> policy_bytes(policy_text.begin(), policy_text.end());
    xades::SignOptions options;
    options.profile = xades::Profile::epes;
    xades::SignaturePolicy policy;
    policy.identifier = "2.16.591.1.1.1";
    policy.spuri = "https://example.invalid/policy.pdf";
    auto digest_cmd = test::run_command("printf '%s' '" + policy_text + "' | openssl dgst -sha256 -binary | base64");
    ASSERT_EQ(digest_cmd.exit_code, 0);
    // The digest from the openssl CLI (independent), decoded by our base64.
    std::string b64 = digest_cmd.output;
    b64.erase(std::remove(b64.begin(), b64.end(), '\n'), b64.end());
    std::string raw = test::run_command("echo '" + b64 + "' | base64 -d | od -An -tx1 -v").output;
    std::istringstream hex(raw);
    unsigned int byte = 0;
    while (hex >> std::hex >> byte) policy.digest.push_back(static_cast<std::uint8_t>(byte));
    ASSERT_EQ(policy.digest.size(), 32u);
    options.policy = policy;
    const std::string signed_xml = sign(options);
    EXPECT_NE(signed_xml.find("urn:oid:2.16.591.1.1.1"), std::string::npos);

    auto unchecked = verify(signed_xml);
    EXPECT_EQ(unchecked.indication, Indication::total_passed) << codes(unchecked);
    EXPECT_EQ(unchecked.signatures[0].level, "EPES");
    EXPECT_TRUE(has_code(unchecked, "XADES-POLICY-NOT-CHECKED"));

    xades::VerifyOptions with_doc;
    with_doc.policy_documents["2.16.591.1.1.1"] = policy_bytes;
    EXPECT_EQ(verify(signed_xml, with_doc).indication, Indication::total_passed);

    xades::VerifyOptions wrong_doc;
    wrong_doc.policy_documents["2.16.591.1.1.1"] = {1, 2, 3};
    auto wrong = verify(signed_xml, wrong_doc);
    EXPECT_EQ(wrong.indication, Indication::indeterminate);
    EXPECT_EQ(wrong.sub_indication, SubIndication::policy_processing_error);
    EXPECT_TRUE(has_code(wrong, "XADES-POLICY-HASH"));
}

TEST(XadesEpes, ImpliedPolicyAndRequiredOptions) {
    xades::SignOptions options;
    options.profile = xades::Profile::epes;
    auto k = crypto::PrivateKey::from_file(pki("rsa2048.key.pem").string());
    auto c = crypto::Certificate::from_file(pki("rsa2048.cert.pem").string());
    EXPECT_FALSE(xades::Signer::create(*k, *c, {}, options).has_value());  // EPES without a policy
    options.policy = xades::SignaturePolicy{};
    options.policy->implied = true;
    auto report = verify(sign(options));
    EXPECT_EQ(report.indication, Indication::total_passed) << codes(report);
    EXPECT_EQ(property(report, "policy"), "implied");
    xades::SignOptions bt;
    bt.profile = xades::Profile::b_t;
    EXPECT_FALSE(xades::Signer::create(*k, *c, {}, bt).has_value());  // B-T without a TSA
}

TEST(XadesRules, SigningTimeOutsideTheCertificate) {
    xades::SignOptions options;
    options.signing_time = std::chrono::system_clock::from_time_t(1500000000);  // 2017, before the leaf
    auto report = verify(sign(options));
    EXPECT_EQ(report.indication, Indication::indeterminate);
    EXPECT_TRUE(has_code(report, "XADES-SIGNING-TIME-OUT-OF-CERT")) << codes(report);
}

TEST(XadesRules, OversizedBase64InAPropertyIsRefusedBeforeDecoding) {
    // IssuerSerialV2 holding 300 kB of (valid) base64: over VerifyOptions::max_base64_bytes.
    std::string signed_xml = sign({});
    signed_xml = std::regex_replace(signed_xml, std::regex("<xades:IssuerSerialV2>[^<]*</xades:IssuerSerialV2>"),
                                    "<xades:IssuerSerialV2>" + std::string(300'000, 'A') + "</xades:IssuerSerialV2>");
    auto report = verify(signed_xml);
    EXPECT_NE(report.indication, Indication::total_passed);
    EXPECT_TRUE(has_code(report, "DSIG-BASE64-TOO-LARGE")) << codes(report);
}

TEST(XadesRules, TargetMismatchIsCaughtThoughCoreIsValid) {
    std::string signed_xml = sign({});
    signed_xml = std::regex_replace(signed_xml, std::regex("Target=\"#[^\"]*\""), "Target=\"#someone-else\"");
    auto report = verify(signed_xml);
    EXPECT_TRUE(report.signatures[0].signature_value_ok);
    EXPECT_EQ(report.indication, Indication::total_failed);
    EXPECT_TRUE(has_code(report, "XADES-TARGET-MISMATCH")) << codes(report);
}

TEST(XadesRules, TargetDifferingOnlyInLetterCaseIsAcceptedWithAWarning) {
    const std::string signed_xml = sign({});
    std::smatch m;
    ASSERT_TRUE(std::regex_search(signed_xml, m, std::regex("Target=\"#([^\"]*)\"")));
    std::string upper = m[1].str();
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    ASSERT_NE(upper, m[1].str());
    const std::string attacked = std::regex_replace(signed_xml, std::regex("Target=\"#[^\"]*\""), "Target=\"#" + upper + "\"");
    auto report = verify(attacked);
    EXPECT_EQ(report.indication, Indication::total_passed) << codes(report);
    EXPECT_TRUE(has_code(report, "XADES-TARGET-CASE")) << codes(report);
    // When an element of the document carries exactly that Id, the Target names it: a mismatch.
    const std::string other = std::regex_replace(attacked, std::regex("<gTot>"), "<gTot Id=\"" + upper + "\">",
                                                 std::regex_constants::format_first_only);
    ASSERT_NE(other, attacked);
    auto mismatch = verify(other);
    EXPECT_EQ(mismatch.indication, Indication::total_failed) << codes(mismatch);
    EXPECT_TRUE(has_code(mismatch, "XADES-TARGET-MISMATCH")) << codes(mismatch);
}

TEST(XadesRules, UnsignedSignedPropertiesAndWrongType) {
    std::string signed_xml = sign({});
    // Drop the SignedProperties reference: the properties are no longer signed.
    std::string dropped = std::regex_replace(
        signed_xml, std::regex("<ds:Reference Type=\"http://uri.etsi.org/01903#SignedProperties\"[\\s\\S]*?</ds:Reference>"), "");
    ASSERT_NE(dropped, signed_xml);
    auto report = verify(dropped);
    EXPECT_EQ(report.indication, Indication::total_failed);
    EXPECT_TRUE(has_code(report, "XADES-SP-NOT-SIGNED")) << codes(report);

    std::string retyped = std::regex_replace(signed_xml, std::regex("Type=\"http://uri.etsi.org/01903#SignedProperties\""),
                                             "Type=\"http://www.w3.org/2000/09/xmldsig#Object\"");
    auto r2 = verify(retyped);
    EXPECT_TRUE(has_code(r2, "XADES-SP-TYPE")) << codes(r2);

    // A second (unsigned) SignedProperties hidden in another Object.
    std::string second = signed_xml;
    std::size_t end = second.find("</ds:Signature>");
    second.insert(end, "<ds:Object><xades:SignedProperties xmlns:xades=\"http://uri.etsi.org/01903/v1.3.2#\"/></ds:Object>");
    auto r3 = verify(second);
    EXPECT_EQ(r3.indication, Indication::total_failed);
    EXPECT_TRUE(has_code(r3, "XADES-SP-COUNT")) << codes(r3);
}

// ---- B-T with a local TSA made of the openssl CLI (an independent implementation) --------------

class XadesTimestamp : public ::testing::Test {
protected:
    void SetUp() override {
        if (!test::have_tool("openssl")) GTEST_SKIP() << "openssl CLI not installed: B-T test did not run";
        const std::string d = m_dir.path().string();
        write_config(true);
        auto r = test::run_command(
            "cd " + d + " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem "
            "-days 3650 -subj '/CN=Test TSA Root' -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign "
            "&& openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tsa.key -out tsa.csr -subj '/CN=Test TSA' "
            "&& printf 'extendedKeyUsage=critical,timeStamping\\nkeyUsage=critical,digitalSignature\\n' > ext.cnf "
            "&& openssl x509 -req -in tsa.csr -CA root.pem -CAkey root.key -CAcreateserial -days 3650 -extfile ext.cnf -out tsa.pem "
            "&& printf 'extendedKeyUsage=serverAuth\\nkeyUsage=critical,digitalSignature\\n' > bad.cnf "
            "&& openssl x509 -req -in tsa.csr -CA root.pem -CAkey root.key -CAcreateserial -days 3650 -extfile bad.cnf -out tsa-bad.pem "
            "&& echo 01 > serial");
        ASSERT_EQ(r.exit_code, 0) << r.output;
    }

    void write_config(bool) {
        test::write_file(m_dir / "ts.cnf",
                         "[tsa]\ndefault_tsa = t\n[t]\ndir = " + m_dir.path().string() +
                             "\nserial = $dir/serial\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\n"
                             "digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = no\ntsa_name = no\n"
                             "ess_cert_id_chain = no\ness_cert_id_alg = sha256\n");
    }

    // A timestamper that asks `openssl ts -reply` for a token over `data` (or over other bytes).
    // (OpenSSL's TSA refuses to sign with a certificate lacking the timeStamping EKU, so that case
    // is covered by the TSA module's own tests with a token built by hand.)
    xades::Timestamper timestamper(const std::string& signer_cert = "tsa.pem", bool wrong_data = false) {
        return [this, signer_cert, wrong_data](std::span<const std::uint8_t> data) -> Result<std::vector<std::uint8_t>> {
            const std::string d = m_dir.path().string();
            std::string bytes(data.begin(), data.end());
            if (wrong_data) bytes += "x";
            test::write_file(m_dir / "data.bin", bytes);
            auto r = test::run_command("cd " + d + " && openssl ts -query -data data.bin -sha256 -cert -out q.tsq && "
                                       "openssl ts -reply -config ts.cnf -queryfile q.tsq -inkey tsa.key -signer " + signer_cert +
                                       " -chain root.pem -token_out -out token.der");
            if (r.exit_code != 0) return make_error(Errc::unavailable, "openssl ts failed: " + r.output);
            return test::read_bytes(m_dir / "token.der");
        };
    }

    xades::VerifyOptions options_with_tsa_root() {
        xades::VerifyOptions options;
        options.dsig.trust = root_store();
        EXPECT_TRUE(options.tsa_trust.add_file((m_dir / "root.pem").string()).has_value());
        return options;
    }

    test::TempDir m_dir;
};

TEST_F(XadesTimestamp, BTSignsAndValidates) {
    xades::SignOptions options;
    options.profile = xades::Profile::b_t;
    options.timestamper = timestamper();
    const std::string signed_xml = sign(options);
    EXPECT_NE(signed_xml.find("EncapsulatedTimeStamp"), std::string::npos);
    auto report = verify(signed_xml, options_with_tsa_root());
    EXPECT_EQ(report.indication, Indication::total_passed) << codes(report);
    EXPECT_EQ(report.signatures[0].level, "B-T");
    EXPECT_EQ(property(report, "timestamps[0].indication"), "TOTAL_PASSED");
    EXPECT_EQ(property(report, "timestamps[0].policy"), "1.2.3.4.1");
    EXPECT_EQ(property(report, "timestamps[0].tsa"), "CN=Test TSA");
    test::expect_report_schema_valid(report.to_json(), "XAdES B-T report");

    // The TSA is not trusted: the timestamp cannot be relied on.
    auto untrusted = verify(signed_xml);
    EXPECT_EQ(untrusted.indication, Indication::indeterminate) << codes(untrusted);
    EXPECT_TRUE(has_code(untrusted, "XADES-TS-INVALID"));
    ASSERT_EQ(untrusted.signatures.at(0).timestamps.size(), 1u);
    EXPECT_EQ(untrusted.signatures[0].timestamps[0].indication, Indication::indeterminate);
    EXPECT_FALSE(untrusted.signatures[0].timestamps[0].findings.empty());
    test::expect_report_schema_valid(untrusted.to_json(), "XAdES B-T report, untrusted TSA");
}

// A time-stamp over other bytes is not this signature's: reported (its own result is
// TOTAL_FAILED / HASH_FAILURE, a warning on the signature), no proof of existence, no B-T level,
// and it does not fail an otherwise valid signature (EN 319 102-1 §5.5; anyone can append one).
TEST_F(XadesTimestamp, TimestampOverTheWrongBytes) {
    xades::SignOptions options;
    options.profile = xades::Profile::b_t;
    options.timestamper = timestamper("tsa.pem", true);
    auto report = verify(sign(options), options_with_tsa_root());
    EXPECT_EQ(report.indication, Indication::total_passed) << codes(report);
    ASSERT_EQ(report.signatures.size(), 1u);
    EXPECT_EQ(report.signatures[0].level, "B-B");
    ASSERT_EQ(report.signatures[0].timestamps.size(), 1u);
    EXPECT_EQ(report.signatures[0].timestamps[0].indication, Indication::total_failed);
    EXPECT_EQ(report.signatures[0].timestamps[0].sub_indication, SubIndication::hash_failure);
    const auto imprint = std::find_if(report.findings.begin(), report.findings.end(),
                                      [](const report::Finding& f) { return f.code == "XADES-TS-IMPRINT"; });
    ASSERT_NE(imprint, report.findings.end()) << codes(report);
    EXPECT_EQ(imprint->severity, report::Severity::warning);
}

}  // namespace
