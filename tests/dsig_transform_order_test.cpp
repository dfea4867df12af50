// The XMLDSig rule that octets feeding a node-set transform are parsed again: the order real
// PAC signatures (.NET SignedXml) use — exclusive C14N, then enveloped-signature — on a vector
// made without istmo (test-vectors/dsig/transform-order/, scripts/make-transform-order-vector.py).
#include <istmo/istmo.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using namespace istmo;
using report::Indication;
using report::SubIndication;

std::filesystem::path dir() { return test::vectors_dir() / "dsig" / "transform-order"; }

dsig::VerificationReport verify(const std::string& xml) {
    dsig::VerifyOptions o;
    EXPECT_TRUE(o.trust.add_file((test::vectors_dir() / "pki" / "chain.pem").string()).has_value());
    auto report = dsig::Verifier(std::move(o)).verify(xml);
    EXPECT_TRUE(report.has_value());
    return report ? *report : dsig::VerificationReport{};
}

bool has_code(const dsig::VerificationReport& r, const std::string& code) {
    return std::any_of(r.findings.begin(), r.findings.end(), [&](const auto& f) { return f.code == code; });
}

TEST(DsigTransformOrder, ExclusiveC14nThenEnvelopedVerifies) {
    const auto report = verify(test::read_file(dir() / "exc-c14n-then-enveloped.xml"));
    ASSERT_EQ(report.indication, Indication::total_passed) << report.to_json();
    ASSERT_EQ(report.signatures.size(), 1u);
    ASSERT_EQ(report.signatures[0].references.size(), 1u);
    const dsig::ReferenceResult& ref = report.signatures[0].references[0];
    EXPECT_TRUE(ref.excludes_signature);
    EXPECT_TRUE(ref.covers_document_element);
    ASSERT_EQ(ref.transforms.size(), 2u);
    EXPECT_EQ(ref.transforms[0], "http://www.w3.org/2001/10/xml-exc-c14n#");
    EXPECT_EQ(ref.transforms[1], "http://www.w3.org/2000/09/xmldsig#enveloped-signature");
    // The octets digested are the ones the independent computation produced.
    EXPECT_EQ(ref.signed_octets, test::read_file(dir() / "exc-c14n-then-enveloped.digested.xml"));
}

TEST(DsigTransformOrder, TamperedCopyFails) {
    const auto report = verify(test::read_file(dir() / "exc-c14n-then-enveloped-bad-content.xml"));
    EXPECT_EQ(report.indication, Indication::total_failed);
    EXPECT_EQ(report.sub_indication, SubIndication::hash_failure);
    EXPECT_TRUE(has_code(report, "DSIG-REF-DIGEST-MISMATCH"));
}

TEST(DsigTransformOrder, StreamingPathGivesTheSameVerdict) {
    // The streaming path serves "enveloped then one canonicalization" only; this order falls
    // back to the DOM and must give the same result.
    dsig::VerifyOptions o;
    EXPECT_TRUE(o.trust.add_file((test::vectors_dir() / "pki" / "chain.pem").string()).has_value());
    o.streaming_threshold_bytes = 1;
    auto report = dsig::Verifier(std::move(o)).verify(test::read_file(dir() / "exc-c14n-then-enveloped.xml"));
    ASSERT_TRUE(report.has_value());
    EXPECT_EQ(report->indication, Indication::total_passed) << report->to_json();
    EXPECT_FALSE(report->streamed);
}

TEST(DsigTransformOrder, TheSignatureIsFoundAgainByItsPlace) {
    // A second, foreign ds:Signature before ours: the enveloped transform after the re-parse must
    // remove ours (the same element), not the first one of the re-parsed document.
    std::string xml = test::read_file(dir() / "exc-c14n-then-enveloped.xml");
    const std::string foreign = "<gDGen>";
    const auto at = xml.find(foreign);
    ASSERT_NE(at, std::string::npos);
    xml.insert(at, "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"/>");
    const auto report = verify(xml);
    // The foreign element is signed content now (it changes the digest) and a broken signature.
    EXPECT_EQ(report.indication, Indication::total_failed);
    ASSERT_EQ(report.signatures.size(), 2u);
    EXPECT_TRUE(has_code(report, "DSIG-REF-DIGEST-MISMATCH"));
    ASSERT_EQ(report.signatures[1].references.size(), 1u);
    const std::string& octets = report.signatures[1].references[0].signed_octets;
    EXPECT_NE(octets.find("<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"></Signature>"), std::string::npos) << octets;
    EXPECT_EQ(octets.find("SignedInfo"), std::string::npos) << octets;
}

}  // namespace
