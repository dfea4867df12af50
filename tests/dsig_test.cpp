// XMLDSig sign/verify: round trips over every algorithm, c14n method and mode; tampering;
// trust outcomes; and the attack inputs the foundation issue lists, each with its own code.
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

const char* const k_invoice =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rFE xmlns=\"http://dgi-fep.mef.gob.pa\" xmlns:x=\"urn:extra\">\n"
    "  <dVerForm>1.00</dVerForm>\n"
    "  <gDGen Id=\"gen\"><iAmb>2</iAmb><!-- a comment --><dFechaEm>2026-11-28T09:00:00-05:00</dFechaEm></gDGen>\n"
    "  <gItem Id=\"item-1\"><dDescProd>Caf\xc3\xa9 &amp; t\xc3\xa9</dDescProd><dCantCodInt>1.00</dCantCodInt></gItem>\n"
    "  <gTot><dVTot>10.70</dVTot></gTot>\n"
    "</rFE>\n";

std::filesystem::path pki(const std::string& name) { return test::vectors_dir() / "pki" / name; }

crypto::PrivateKey load_key(const std::string& name) {
    auto key = crypto::PrivateKey::from_file(pki(name + ".key.pem").string());
    EXPECT_TRUE(key.has_value()) << name << ": " << (key ? "" : key.error().to_string());
    return *key;
}

crypto::Certificate load_cert(const std::string& name) {
    auto cert = crypto::Certificate::from_file(pki(name + ".cert.pem").string());
    EXPECT_TRUE(cert.has_value()) << name;
    return *cert;
}

crypto::TrustStore root_store() {
    crypto::TrustStore store;
    EXPECT_TRUE(store.add_file(pki("ca.cert.pem").string()).has_value());
    return store;
}

std::vector<crypto::Certificate> intermediates() {
    auto all = crypto::Certificate::all_from_file(pki("intermediate.cert.pem").string());
    EXPECT_TRUE(all.has_value());
    return *all;
}

std::string sign_with(const std::string& key_name, dsig::SignOptions options, const std::string& xml = k_invoice) {
    auto signer = dsig::Signer::create(load_key(key_name), load_cert(key_name), intermediates(), options);
    EXPECT_TRUE(signer.has_value()) << (signer ? "" : signer.error().to_string());
    if (!signer) return {};
    auto signed_xml = signer->sign(xml);
    EXPECT_TRUE(signed_xml.has_value()) << (signed_xml ? "" : signed_xml.error().to_string());
    return signed_xml ? *signed_xml : std::string();
}

dsig::VerificationReport verify(const std::string& xml, dsig::VerifyOptions options = {}) {
    if (options.trust.size() == 0) options.trust = root_store();
    dsig::Verifier verifier(std::move(options));
    auto report = verifier.verify(xml);
    EXPECT_TRUE(report.has_value());
    return report ? *report : dsig::VerificationReport{};
}

// ---- round trips -----------------------------------------------------------------------------

struct AlgCase {
    const char* key;
    const char* alg;
};

class DsigAlgorithm : public ::testing::TestWithParam<AlgCase> {};

TEST_P(DsigAlgorithm, SignsAndVerifiesEnveloped) {
    dsig::SignOptions options;
    options.algorithm = *dsig::parse_signature_algorithm(GetParam().alg);
    std::string signed_xml = sign_with(GetParam().key, options);
    ASSERT_FALSE(signed_xml.empty());
    EXPECT_NE(signed_xml.find(std::string(dsig::signature_algorithm_uri(options.algorithm))), std::string::npos);
    auto report = verify(signed_xml);
    EXPECT_EQ(report.indication, Indication::total_passed) << codes(report);
    ASSERT_EQ(report.signatures.size(), 1u);
    EXPECT_TRUE(report.signatures[0].signature_value_ok);
    ASSERT_TRUE(report.signatures[0].signer.has_value());
    EXPECT_EQ(report.signatures[0].signer->subject, load_cert(GetParam().key).subject());
    EXPECT_EQ(report.signatures[0].chain.size(), 3u);
}

TEST_P(DsigAlgorithm, TamperedSignatureValueFails) {
    dsig::SignOptions options;
    options.algorithm = *dsig::parse_signature_algorithm(GetParam().alg);
    std::string signed_xml = sign_with(GetParam().key, options);
    // Flip the first base64 character of the SignatureValue to another valid one.
    std::size_t pos = signed_xml.find("<ds:SignatureValue>");
    ASSERT_NE(pos, std::string::npos);
    pos += std::string("<ds:SignatureValue>\n").size();
    signed_xml[pos] = signed_xml[pos] == 'A' ? 'B' : 'A';
    auto report = verify(signed_xml);
    EXPECT_EQ(report.indication, Indication::total_failed);
    EXPECT_EQ(report.sub_indication, SubIndication::sig_crypto_failure);
    EXPECT_TRUE(has_code(report, "DSIG-SIGNATURE-INVALID")) << codes(report);
}

INSTANTIATE_TEST_SUITE_P(All, DsigAlgorithm,
                         ::testing::Values(AlgCase{"rsa2048", "rsa-sha256"}, AlgCase{"rsa2048", "rsa-sha384"},
                                           AlgCase{"rsa3072", "rsa-sha512"}, AlgCase{"rsa4096", "rsa-sha256"},
                                           AlgCase{"rsa2048", "rsa-pss-sha256"}, AlgCase{"rsa3072", "rsa-pss-sha384"},
                                           AlgCase{"rsa4096", "rsa-pss-sha512"}, AlgCase{"ec-p256", "ecdsa-sha256"},
                                           AlgCase{"ec-p384", "ecdsa-sha384"}, AlgCase{"ec-p521", "ecdsa-sha512"},
                                           AlgCase{"ec-p256", "ecdsa-sha512"}, AlgCase{"ed25519", "ed25519"},
                                           AlgCase{"nonrep-only", "rsa-sha256"}),
                         [](const auto& p) {
                             std::string name = std::string(p.param.key) + "_" + p.param.alg;
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

class DsigCanonicalization : public ::testing::TestWithParam<std::tuple<const char*, const char*>> {};

TEST_P(DsigCanonicalization, SignsAndVerifiesInEveryMode) {
    dsig::SignOptions options;
    options.canonicalization = *dsig::parse_canonicalization(std::get<0>(GetParam()));
    options.mode = *dsig::parse_sign_mode(std::get<1>(GetParam()));
    if (options.mode == dsig::SignMode::detached) options.reference_ids = {"gen", "item-1"};
    std::string signed_xml = sign_with("rsa2048", options);
    auto report = verify(signed_xml);
    EXPECT_EQ(report.indication, Indication::total_passed) << codes(report) << signed_xml;
    ASSERT_EQ(report.signatures.size(), 1u);
    const auto& refs = report.signatures[0].references;
    if (options.mode == dsig::SignMode::detached) {
        ASSERT_EQ(refs.size(), 2u);
        EXPECT_EQ(refs[0].signed_node, "/rFE[1]/gDGen[1]");
        EXPECT_FALSE(refs[0].covers_document_element);
        EXPECT_EQ(refs[1].signed_node, "/rFE[1]/gItem[1]");
    } else if (options.mode == dsig::SignMode::enveloped) {
        ASSERT_EQ(refs.size(), 1u);
        EXPECT_EQ(refs[0].signed_node, "/");
        EXPECT_TRUE(refs[0].covers_document_element);
        EXPECT_TRUE(refs[0].excludes_signature);
        // The signed octets are the canonical document without the signature and comments.
        EXPECT_EQ(refs[0].signed_octets.find("Signature"), std::string::npos);
        EXPECT_EQ(refs[0].signed_octets.find("a comment"), std::string::npos);
        EXPECT_NE(refs[0].signed_octets.find("<dVTot>10.70</dVTot>"), std::string::npos);
    } else {
        ASSERT_EQ(refs.size(), 1u);
        EXPECT_EQ(refs[0].signed_node, "/ds:Signature[1]/ds:Object[1]");
        EXPECT_NE(refs[0].signed_octets.find("<dVTot>10.70</dVTot>"), std::string::npos);
    }
}

TEST_P(DsigCanonicalization, TamperedContentFailsWithHashFailure) {
    dsig::SignOptions options;
    options.canonicalization = *dsig::parse_canonicalization(std::get<0>(GetParam()));
    options.mode = *dsig::parse_sign_mode(std::get<1>(GetParam()));
    if (options.mode == dsig::SignMode::detached) options.reference_ids = {"gen", "item-1"};
    std::string signed_xml = sign_with("ec-p256", options);
    std::size_t pos = signed_xml.find("10.70");
    if (options.mode == dsig::SignMode::detached) pos = signed_xml.find("<iAmb>2") + 6;
    ASSERT_NE(pos, std::string::npos);
    signed_xml[pos] = '9';
    auto report = verify(signed_xml);
    EXPECT_EQ(report.indication, Indication::total_failed);
    EXPECT_EQ(report.sub_indication, SubIndication::hash_failure);
    EXPECT_TRUE(has_code(report, "DSIG-REF-DIGEST-MISMATCH")) << codes(report);
}

INSTANTIATE_TEST_SUITE_P(All, DsigCanonicalization,
                         ::testing::Combine(::testing::Values("exc", "exc-comments", "inc", "inc-comments", "c14n11",
                                                              "c14n11-comments"),
                                            ::testing::Values("enveloped", "enveloping", "detached")),
                         [](const auto& p) {
                             std::string name = std::string(std::get<0>(p.param)) + "_" + std::get<1>(p.param);
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

TEST(DsigPss, GenericUriWithRsaPssParamsRoundTrips) {
    for (const char* alg : {"rsa-pss-sha256", "rsa-pss-sha384", "rsa-pss-sha512"}) {
        dsig::SignOptions options;
        options.algorithm = *dsig::parse_signature_algorithm(alg);
        options.rsa_pss_params_form = true;
        std::string signed_xml = sign_with("rsa3072", options);
        EXPECT_NE(signed_xml.find("http://www.w3.org/2007/05/xmldsig-more#rsa-pss\""), std::string::npos);
        EXPECT_NE(signed_xml.find("RSAPSSParams"), std::string::npos);
        auto report = verify(signed_xml);
        EXPECT_EQ(report.indication, Indication::total_passed) << alg << codes(report);
        // A salt length that differs from the one used makes the signature fail.
        std::string salt = std::regex_replace(signed_xml, std::regex("SaltLength>[0-9]+<"), "SaltLength>20<");
        EXPECT_EQ(verify(salt).indication, Indication::total_failed) << alg;
    }
}

// ---- trust ----------------------------------------------------------------------------------

TEST(DsigTrust, UntrustedSignerIsIndeterminate) {
    auto signer = dsig::Signer::create(load_key("untrusted"), load_cert("untrusted"), {}, {});
    ASSERT_TRUE(signer.has_value());
    auto signed_xml = signer->sign(k_invoice);
    ASSERT_TRUE(signed_xml.has_value());
    auto report = verify(*signed_xml);
    EXPECT_EQ(report.indication, Indication::indeterminate);
    EXPECT_EQ(report.sub_indication, SubIndication::no_certificate_chain_found);
    EXPECT_TRUE(report.signatures[0].signature_value_ok);
    EXPECT_TRUE(has_code(report, "DSIG-CERT-UNTRUSTED"));
}

TEST(DsigTrust, EmptyTrustStoreIsIndeterminateNeverValid) {
    std::string signed_xml = sign_with("rsa2048", {});
    dsig::VerifyOptions options;
    options.trust = crypto::TrustStore();
    dsig::Verifier verifier(options);
    auto report = verifier.verify(signed_xml);
    ASSERT_TRUE(report.has_value());
    EXPECT_EQ(report->indication, Indication::indeterminate);
    EXPECT_EQ(report->sub_indication, SubIndication::no_certificate_chain_found);
}

TEST(DsigTrust, ExpiredAndNotYetValid) {
    for (const auto& [name, sub, code] :
         {std::tuple{"expired", SubIndication::expired, "DSIG-CERT-EXPIRED"},
          std::tuple{"not-yet-valid", SubIndication::not_yet_valid, "DSIG-CERT-NOT-YET-VALID"}}) {
        std::string signed_xml = sign_with(name, {});
        auto report = verify(signed_xml);
        EXPECT_EQ(report.indication, Indication::indeterminate) << name;
        EXPECT_EQ(report.sub_indication, sub) << name << codes(report);
        EXPECT_TRUE(has_code(report, code)) << name;
    }
    // At a time inside the expired certificate's validity the same signature passes.
    std::string signed_xml = sign_with("expired", {});
    dsig::VerifyOptions options;
    options.validation_time = std::chrono::system_clock::from_time_t(1590969600);  // 2020-06-01
    EXPECT_EQ(verify(signed_xml, options).indication, Indication::total_passed);
}

TEST(DsigTrust, TimestampingOnlyCertificateCannotSign) {
    std::string signed_xml = sign_with("tsa-only", {});
    auto report = verify(signed_xml);
    EXPECT_EQ(report.indication, Indication::indeterminate);
    EXPECT_TRUE(has_code(report, "DSIG-CERT-KEY-USAGE")) << codes(report);
}

TEST(DsigTrust, KeyValueOnlyNeedsAnExplicitlyTrustedKey) {
    auto signer = dsig::Signer::create(load_key("ec-p384"), std::nullopt, {}, {});
    ASSERT_TRUE(signer.has_value());
    auto signed_xml = signer->sign(k_invoice);
    ASSERT_TRUE(signed_xml.has_value());
    EXPECT_NE(signed_xml->find("ECKeyValue"), std::string::npos);
    auto report = verify(*signed_xml);
    EXPECT_EQ(report.indication, Indication::indeterminate);
    EXPECT_TRUE(report.signatures[0].signature_value_ok);
    EXPECT_TRUE(has_code(report, "DSIG-CERT-NO-CERTIFICATE"));

    dsig::VerifyOptions options;
    options.trusted_keys.push_back(crypto::PublicKey::from_certificate(load_cert("ec-p384")));
    EXPECT_EQ(verify(*signed_xml, options).indication, Indication::total_passed);
}

TEST(DsigTrust, RsaKeyValueRoundTrip) {
    dsig::SignOptions so;
    so.include_key_value = true;
    std::string signed_xml = sign_with("rsa2048", so);
    EXPECT_NE(signed_xml.find("RSAKeyValue"), std::string::npos);
    EXPECT_EQ(verify(signed_xml).indication, Indication::total_passed);
}

// ---- attacks ----------------------------------------------------------------------------------

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
    std::size_t pos = text.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) text.replace(pos, from.size(), to);
    return text;
}

TEST(DsigAttack, KeyValueThatDoesNotMatchTheCertificate) {
    dsig::SignOptions so;
    so.include_key_value = true;
    std::string with_rsa = sign_with("rsa2048", so);
    std::string other = sign_with("rsa3072", so);
    // Splice rsa3072's KeyValue into the rsa2048 signature.
    auto kv = [](const std::string& s) {
        std::size_t a = s.find("<ds:KeyValue>");
        std::size_t b = s.find("</ds:KeyValue>") + std::string("</ds:KeyValue>").size();
        return s.substr(a, b - a);
    };
    std::string attacked = replace_once(with_rsa, kv(with_rsa), kv(other));
    auto report = verify(attacked);
    EXPECT_EQ(report.indication, Indication::total_failed);
    EXPECT_TRUE(has_code(report, "DSIG-KEYVALUE-MISMATCH")) << codes(report);
}

TEST(DsigAttack, DuplicateIdIsRejected) {
    dsig::SignOptions so;
    so.mode = dsig::SignMode::detached;
    so.reference_ids = {"item-1"};
    std::string signed_xml = sign_with("rsa2048", so);
    // Wrapping: a second, different element with the same Id placed first.
    std::string attacked = replace_once(signed_xml, "<gDGen Id=\"gen\">",
                                        "<gItem Id=\"item-1\"><dDescProd>Evil</dDescProd></gItem><gDGen Id=\"gen\">");
    auto report = verify(attacked);
    EXPECT_EQ(report.indication, Indication::total_failed);
    EXPECT_TRUE(has_code(report, "DSIG-ID-DUPLICATE")) << codes(report);
}

TEST(DsigAttack, SignedElementMovedAndReplaced) {
    // Signed item moved into a wrapper under a foreign-namespace Id, an evil copy takes its place.
    dsig::SignOptions so;
    so.mode = dsig::SignMode::detached;
    so.reference_ids = {"item-1"};
    std::string signed_xml = sign_with("rsa2048", so);
    std::string attacked = replace_once(signed_xml, "<gItem Id=\"item-1\">", "<gItem x:Id=\"item-1\">");
    auto report = verify(attacked);
    EXPECT_EQ(report.indication, Indication::indeterminate);
    EXPECT_EQ(report.sub_indication, SubIndication::signed_data_not_found);
    EXPECT_TRUE(has_code(report, "DSIG-REF-NOT-FOUND")) << codes(report);
}

TEST(DsigAttack, ReportTellsWhatWasSigned) {
    // Detached signature over one item: the report must say the document element is NOT covered,
    // so a caller does not trust the totals.
    dsig::SignOptions so;
    so.mode = dsig::SignMode::detached;
    so.reference_ids = {"item-1"};
    auto report = verify(sign_with("rsa2048", so));
    ASSERT_EQ(report.indication, Indication::total_passed);
    EXPECT_FALSE(report.signatures[0].references[0].covers_document_element);
    EXPECT_EQ(report.signatures[0].references[0].signed_octets.find("dVTot"), std::string::npos);
}

struct UriCase {
    const char* uri;
    const char* code;
};
class DsigExternalUri : public ::testing::TestWithParam<UriCase> {};

TEST_P(DsigExternalUri, IsNeverFetched) {
    std::string signed_xml = sign_with("rsa2048", {});
    std::string attacked = replace_once(signed_xml, "URI=\"\"", std::string("URI=\"") + GetParam().uri + "\"");
    auto report = verify(attacked);
    EXPECT_NE(report.indication, Indication::total_passed);
    EXPECT_TRUE(has_code(report, GetParam().code)) << codes(report);
}

INSTANTIATE_TEST_SUITE_P(All, DsigExternalUri,
                         ::testing::Values(UriCase{"file:///etc/passwd", "DSIG-REF-EXTERNAL"},
                                           UriCase{"http://127.0.0.1:1/x.xml", "DSIG-REF-EXTERNAL"},
                                           UriCase{"../secret.xml", "DSIG-REF-EXTERNAL"},
                                           UriCase{"#xpointer(//*)", "DSIG-REF-UNSUPPORTED-URI"},
                                           UriCase{"#nope", "DSIG-REF-NOT-FOUND"}));

struct TransformCase {
    const char* algorithm;
    const char* code;
};
class DsigTransform : public ::testing::TestWithParam<TransformCase> {};

TEST_P(DsigTransform, DangerousTransformsAreRefused) {
    std::string signed_xml = sign_with("rsa2048", {});
    std::string attacked = replace_once(
        signed_xml, "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>",
        std::string("<ds:Transform Algorithm=\"") + GetParam().algorithm + "\"/>");
    auto report = verify(attacked);
    EXPECT_NE(report.indication, Indication::total_passed);
    EXPECT_TRUE(has_code(report, GetParam().code)) << codes(report);
}

INSTANTIATE_TEST_SUITE_P(All, DsigTransform,
                         ::testing::Values(TransformCase{"http://www.w3.org/TR/1999/REC-xslt-19991116", "DSIG-TRANSFORM-FORBIDDEN"},
                                           TransformCase{"http://www.w3.org/TR/1999/REC-xpath-19991116", "DSIG-TRANSFORM-FORBIDDEN"},
                                           TransformCase{"http://www.w3.org/2002/06/xmldsig-filter2", "DSIG-TRANSFORM-FORBIDDEN"},
                                           TransformCase{"urn:example:unknown", "DSIG-TRANSFORM-UNKNOWN"}));

struct AlgorithmCase {
    const char* uri;
    const char* code;
};
class DsigAlgorithmAttack : public ::testing::TestWithParam<AlgorithmCase> {};

TEST_P(DsigAlgorithmAttack, IsRefusedWithItsOwnCode) {
    std::string signed_xml = sign_with("rsa2048", {});
    std::string attacked = replace_once(signed_xml, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", GetParam().uri);
    auto report = verify(attacked);
    EXPECT_NE(report.indication, Indication::total_passed);
    EXPECT_TRUE(has_code(report, GetParam().code)) << codes(report);
}

INSTANTIATE_TEST_SUITE_P(All, DsigAlgorithmAttack,
                         ::testing::Values(AlgorithmCase{"http://www.w3.org/2000/09/xmldsig#hmac-sha1", "DSIG-ALG-HMAC"},
                                           AlgorithmCase{"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256", "DSIG-ALG-HMAC"},
                                           AlgorithmCase{"http://www.w3.org/2001/04/xmldsig-more#rsa-md5", "DSIG-ALG-FORBIDDEN"},
                                           AlgorithmCase{"http://www.w3.org/2000/09/xmldsig#rsa-sha1", "DSIG-ALG-LEGACY-REFUSED"},
                                           AlgorithmCase{"urn:none", "DSIG-ALG-UNKNOWN"},
                                           AlgorithmCase{"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", "DSIG-KEY-ALG-MISMATCH"}));

TEST(DsigAttack, HmacOutputLengthTruncation) {
    std::string signed_xml = sign_with("rsa2048", {});
    std::string attacked = replace_once(
        signed_xml, "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>",
        "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#hmac-sha1\"><ds:HMACOutputLength>8</ds:HMACOutputLength></ds:SignatureMethod>");
    auto report = verify(attacked);
    EXPECT_NE(report.indication, Indication::total_passed);
    EXPECT_TRUE(has_code(report, "DSIG-ALG-HMAC"));
}

TEST(DsigAttack, Md5DigestIsForbiddenAndSha1NeedsLegacy) {
    std::string signed_xml = sign_with("rsa2048", {});
    auto md5 = verify(replace_once(signed_xml, "http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2001/04/xmldsig-more#md5"));
    EXPECT_TRUE(has_code(md5, "DSIG-ALG-FORBIDDEN")) << codes(md5);
    auto sha1 = verify(replace_once(signed_xml, "http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2000/09/xmldsig#sha1"));
    EXPECT_TRUE(has_code(sha1, "DSIG-ALG-LEGACY-REFUSED")) << codes(sha1);
}

TEST(DsigAttack, TamperedDigestValue) {
    std::string signed_xml = sign_with("rsa2048", {});
    std::size_t pos = signed_xml.find("<ds:DigestValue>") + std::string("<ds:DigestValue>").size();
    signed_xml[pos] = signed_xml[pos] == 'A' ? 'B' : 'A';
    auto report = verify(signed_xml);
    EXPECT_EQ(report.indication, Indication::total_failed);
    // The digest no longer matches, and SignedInfo changed so the signature fails too.
    EXPECT_TRUE(has_code(report, "DSIG-REF-DIGEST-MISMATCH"));
    EXPECT_TRUE(has_code(report, "DSIG-SIGNATURE-INVALID"));
}

TEST(DsigAttack, HostileXmlNeverPasses) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>", "XML-DTD-FORBIDDEN"},
        {"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><r>&b;</r>", "XML-DTD-FORBIDDEN"},
        {"<!DOCTYPE r SYSTEM \"http://127.0.0.1:1/evil.dtd\"><r/>", "XML-DTD-FORBIDDEN"},
        {std::string(300, '<'), "XML-NOT-WELL-FORMED"},
        {"<r><unclosed></r>", "XML-NOT-WELL-FORMED"},
        {"", "XML-NOT-WELL-FORMED"},
        {"<r/>", "DSIG-NO-SIGNATURE"},
    };
    for (const auto& [xml, code] : cases) {
        auto report = verify(xml);
        EXPECT_EQ(report.indication, Indication::total_failed) << code;
        EXPECT_TRUE(has_code(report, code)) << code << ": " << codes(report);
    }
    std::string deep;
    for (int i = 0; i < 300; ++i) deep += "<a>";
    for (int i = 0; i < 300; ++i) deep += "</a>";
    auto report = verify(deep);
    EXPECT_EQ(report.indication, Indication::total_failed);
    EXPECT_TRUE(has_code(report, "XML-LIMIT-EXCEEDED") || has_code(report, "XML-NOT-WELL-FORMED")) << codes(report);
}

TEST(DsigAttack, StructureViolations) {
    std::string signed_xml = sign_with("rsa2048", {});
    auto no_value = verify(std::regex_replace(signed_xml, std::regex("<ds:SignatureValue>[^<]*</ds:SignatureValue>"), ""));
    EXPECT_TRUE(has_code(no_value, "DSIG-STRUCTURE")) << codes(no_value);
    auto bad_base64 = verify(std::regex_replace(signed_xml, std::regex("<ds:DigestValue>[^<]*</ds:DigestValue>"),
                                                "<ds:DigestValue>!!notbase64!!</ds:DigestValue>"));
    EXPECT_TRUE(has_code(bad_base64, "DSIG-BASE64-INVALID")) << codes(bad_base64);
}

TEST(DsigReport, JsonHasTheDocumentedFields) {
    auto report = verify(sign_with("rsa2048", {}));
    std::string json = report.to_json();
    for (const char* key : {"\"indication\":\"TOTAL_PASSED\"", "\"sub_indication\":null", "\"signatures\":[",
                            "\"algorithm\":\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"", "\"signer\":{\"subject\":",
                            "\"not_before\":", "\"references\":[{\"uri\":\"\"", "\"digest_ok\":true", "\"findings\":["})
        EXPECT_NE(json.find(key), std::string::npos) << key << "\n" << json;
    EXPECT_NE(report.to_text().find("TOTAL_PASSED"), std::string::npos);
}

TEST(DsigSign, RefusesMismatchedCertificateAndBadOptions) {
    auto mismatch = dsig::Signer::create(load_key("rsa2048"), load_cert("rsa3072"), {}, {});
    ASSERT_FALSE(mismatch.has_value());
    EXPECT_EQ(mismatch.error().code, Errc::key_error);
    dsig::SignOptions so;
    so.algorithm = dsig::SignatureAlgorithm::ecdsa_sha256;
    auto wrong_alg = dsig::Signer::create(load_key("rsa2048"), load_cert("rsa2048"), {}, so);
    EXPECT_FALSE(wrong_alg.has_value());
    so = {};
    so.mode = dsig::SignMode::detached;
    EXPECT_FALSE(dsig::Signer::create(load_key("rsa2048"), load_cert("rsa2048"), {}, so).has_value());
    so.reference_ids = {"missing"};
    auto signer = dsig::Signer::create(load_key("rsa2048"), load_cert("rsa2048"), {}, so);
    ASSERT_TRUE(signer.has_value());
    auto out = signer->sign(k_invoice);
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, Errc::invalid_argument);
    auto bad_xml = dsig::Signer::create(load_key("rsa2048"), load_cert("rsa2048"), {}, {})->sign("<a>");
    ASSERT_FALSE(bad_xml.has_value());
    EXPECT_EQ(bad_xml.error().code, Errc::parse_error);
}

}  // namespace

namespace {

// One Verifier shared by several threads (its caches are internally synchronised): every result
// is right, valid and tampered documents interleaved.
TEST(DsigThreads, OneVerifierManyThreads) {
    const std::string good = sign_with("rsa2048", {});
    std::string bad = good;
    bad[bad.find("10.70")] = '9';
    dsig::VerifyOptions options;
    options.trust = root_store();
    const dsig::Verifier verifier(options);
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                const bool tampered = (i + t) % 3 == 0;
                auto report = verifier.verify(tampered ? bad : good);
                const Indication expected = tampered ? Indication::total_failed : Indication::total_passed;
                if (!report || report->indication != expected) ++wrong;
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(wrong.load(), 0);
}

}  // namespace

namespace {

// XPath-Filter 2.0 "subtract every signature" is the enveloped transform in another form; any
// other filter, or the name() form where the prefix could mean something else, is refused.
TEST(DsigFilter2, SubtractOfSignaturesIsTheEnvelopedTransform) {
    const std::string signed_xml = sign_with("rsa2048", {});
    const std::string enveloped = "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>";
    auto filter = [](const std::string& attrs, const std::string& expr) {
        return "<ds:Transform Algorithm=\"http://www.w3.org/2002/06/xmldsig-filter2\"><f:XPath "
               "xmlns:f=\"http://www.w3.org/2002/06/xmldsig-filter2\" " + attrs + ">" + expr + "</f:XPath></ds:Transform>";
    };
    for (const std::string& expr : {std::string("//ds:Signature"), std::string("/descendant::ds:Signature"),
                                    std::string("/descendant::*[name()='ds:Signature']")}) {
        // Changing a transform changes SignedInfo, so only the reference digest is meaningful.
        auto report = verify(replace_once(signed_xml, enveloped, filter("Filter=\"subtract\"", expr)));
        ASSERT_EQ(report.signatures.size(), 1u);
        ASSERT_EQ(report.signatures[0].references.size(), 1u);
        EXPECT_TRUE(report.signatures[0].references[0].digest_ok) << expr << codes(report);
        EXPECT_FALSE(has_code(report, "DSIG-TRANSFORM-FORBIDDEN")) << expr;
    }
    auto intersect = verify(replace_once(signed_xml, enveloped, filter("Filter=\"intersect\"", "//ds:Signature")));
    EXPECT_TRUE(has_code(intersect, "DSIG-TRANSFORM-FORBIDDEN")) << codes(intersect);
    // An element named ds:Signature in another namespace makes the name() form ambiguous.
    std::string ambiguous = replace_once(signed_xml, enveloped, filter("Filter=\"subtract\"", "/descendant::*[name()='ds:Signature']"));
    ambiguous = replace_once(ambiguous, "<gTot>", "<ds:Signature xmlns:ds=\"urn:not-xmldsig\"/><gTot>");
    auto r = verify(ambiguous);
    EXPECT_TRUE(has_code(r, "DSIG-TRANSFORM-FORBIDDEN")) << codes(r);
}

}  // namespace

namespace {

TEST(DsigSign, UnprefixedSignatureElementsRoundTrip) {
    dsig::SignOptions options;
    options.signature_prefix = "";
    for (const char* c14n : {"exc", "inc"}) {
        options.canonicalization = *dsig::parse_canonicalization(c14n);
        const std::string signed_xml = sign_with("rsa2048", options);
        EXPECT_NE(signed_xml.find("<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">"), std::string::npos) << signed_xml;
        EXPECT_EQ(signed_xml.find("ds:"), std::string::npos);
        auto report = verify(signed_xml);
        EXPECT_EQ(report.indication, Indication::total_passed) << c14n << codes(report);
        dsig::VerifyOptions streaming;
        streaming.streaming_threshold_bytes = 1;
        auto streamed = verify(signed_xml, streaming);
        EXPECT_TRUE(streamed.streamed);
        EXPECT_EQ(streamed.indication, Indication::total_passed) << c14n << codes(streamed);
    }
    options.signature_prefix = "xmlns";
    EXPECT_FALSE(dsig::Signer::create(load_key("rsa2048"), load_cert("rsa2048"), {}, options).has_value());
    options.signature_prefix = "a:b";
    EXPECT_FALSE(dsig::Signer::create(load_key("rsa2048"), load_cert("rsa2048"), {}, options).has_value());
}

}  // namespace

// ---- wrapping through the signature's own ds:Object, base64 and time limits ------------------

namespace {

// The signed gItem of a detached signature over #item-1.
std::string signed_item(const std::string& signed_xml) {
    const std::size_t a = signed_xml.find("<gItem Id=\"item-1\">");
    const std::size_t b = signed_xml.find("</gItem>", a) + std::string("</gItem>").size();
    return a == std::string::npos ? std::string() : signed_xml.substr(a, b - a);
}

// Moves the signed element into a new ds:Object of the signature (the digest still matches).
std::string hide_in_object(std::string signed_xml, const std::string& item, const std::string& replacement) {
    signed_xml = replace_once(signed_xml, item, replacement);
    return replace_once(signed_xml, "</ds:Signature>", "<ds:Object>" + item + "</ds:Object></ds:Signature>");
}

TEST(DsigAttack, OriginalHiddenInTheSignaturesObjectIsSuspected) {
    dsig::SignOptions so;
    so.mode = dsig::SignMode::detached;
    so.reference_ids = {"item-1"};
    const std::string signed_xml = sign_with("rsa2048", so);
    const std::string item = signed_item(signed_xml);
    ASSERT_FALSE(item.empty());
    std::string edited = replace_once(item, " Id=\"item-1\"", "");
    edited = replace_once(edited, "<dCantCodInt>1.00", "<dCantCodInt>9.00");
    for (bool dom : {true, false}) {
        dsig::VerifyOptions options;
        options.streaming_threshold_bytes = dom ? 0 : 1;  // the streaming path must hand over to the DOM
        auto report = verify(hide_in_object(signed_xml, item, edited), options);
        EXPECT_EQ(report.indication, Indication::indeterminate) << codes(report);
        EXPECT_EQ(report.sub_indication, SubIndication::sig_constraints_failure);
        EXPECT_TRUE(has_code(report, "DSIG-WRAPPING-SUSPECTED")) << codes(report);
        ASSERT_EQ(report.signatures.size(), 1u);
        ASSERT_EQ(report.signatures[0].references.size(), 1u);
        EXPECT_TRUE(report.signatures[0].references[0].digest_ok);  // valid over what it names
        EXPECT_FALSE(report.streamed);
    }
    // Control: the same signature over content kept only in its Object, with no element of that
    // kind left in the document, is a legitimate signature and passes.
    auto legit = verify(hide_in_object(signed_xml, item, ""));
    EXPECT_EQ(legit.indication, Indication::total_passed) << codes(legit);
    EXPECT_FALSE(has_code(legit, "DSIG-WRAPPING-SUSPECTED"));
}

std::string text_of(const std::string& xml, const std::string& element) {
    const std::size_t a = xml.find("<" + element + ">") + element.size() + 2;
    const std::size_t b = xml.find("</" + element + ">", a);
    return xml.substr(a, b - a);
}

TEST(DsigLimits, OversizedBase64IsRefusedBeforeDecoding) {
    const std::string signed_xml = sign_with("rsa2048", {});
    const std::string huge(300'000, 'A');  // valid base64 (a multiple of 4), 225 kB decoded
    for (const char* element : {"ds:DigestValue", "ds:SignatureValue", "ds:X509Certificate"}) {
        const std::string attacked = replace_once(signed_xml, text_of(signed_xml, element), huge);
        auto report = verify(attacked);
        EXPECT_EQ(report.indication, Indication::total_failed) << element;
        EXPECT_EQ(report.sub_indication, SubIndication::format_failure) << element;
        EXPECT_TRUE(has_code(report, "DSIG-BASE64-TOO-LARGE")) << element << ": " << codes(report);
        // With a higher limit the value is decoded and fails for what it is.
        dsig::VerifyOptions relaxed;
        relaxed.max_base64_bytes = 1u << 20;
        auto decoded = verify(attacked, relaxed);
        EXPECT_NE(decoded.indication, Indication::total_passed) << element;
        EXPECT_FALSE(has_code(decoded, "DSIG-BASE64-TOO-LARGE")) << element;
    }
}

TEST(DsigLimits, TimeBudgetStopsVerificationBetweenSteps) {
    std::string big = "<doc xmlns=\"urn:istmo:test\">";
    for (int i = 0; i < 50'000; ++i) big += "<item n=\"" + std::to_string(i) + "\">forty bytes of text in each item</item>";
    big += "</doc>";  // ~3 MB: parsing or canonicalizing it takes far more than 1 ms
    const std::string signed_xml = sign_with("rsa2048", {}, big);
    for (std::size_t streaming_threshold : {std::size_t{0}, std::size_t{1}}) {
        dsig::VerifyOptions options;
        options.streaming_threshold_bytes = streaming_threshold;
        EXPECT_EQ(verify(signed_xml, options).indication, Indication::total_passed);
        options.time_budget = std::chrono::milliseconds(1);
        auto report = verify(signed_xml, options);
        EXPECT_EQ(report.indication, Indication::indeterminate) << codes(report);
        EXPECT_TRUE(has_code(report, "DSIG-TIME-BUDGET-EXCEEDED")) << codes(report);
    }
}

}  // namespace
