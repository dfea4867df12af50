// XAdES counter-signatures made by istmo (xades::Signer::countersign): a xades:CounterSignature
// over the target's SignatureValue, itself XAdES B-B; nested; each reported as its own signature
// linked to its target; a changed target value breaks the counter-signature; xmlsec1 keeps the
// outer signature's core valid.
#include <istmo/xades/xades.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

namespace {

using namespace istmo;
using report::Indication;

const std::string k_document = "<invoice><total>7.00</total></invoice>";

xades::Signer signer(const std::string& key, const std::string& id = {}) {
    xades::SignOptions options;
    options.dsig.signature_id = id;
    auto made = xades::Signer::create(test::pki_key(key), test::pki_cert(key), {test::pki_cert("intermediate")}, options);
    EXPECT_TRUE(made) << made.error().to_string();
    return std::move(*made);
}

dsig::VerificationReport verify(const std::string& xml) {
    xades::VerifyOptions o;
    o.dsig.trust = test::pki_root_store();
    auto r = xades::Verifier(o).verify(xml);
    EXPECT_TRUE(r);
    return r ? *r : dsig::VerificationReport{};
}

TEST(XadesCountersign, CounterSignsAndNests) {
    auto signed_xml = signer("rsa2048", "main").sign(k_document);
    ASSERT_TRUE(signed_xml) << signed_xml.error().to_string();
    auto counter = signer("ec-p256", "counter-1").countersign(*signed_xml);
    ASSERT_TRUE(counter) << counter.error().to_string();
    const auto r = verify(*counter);
    EXPECT_EQ(r.indication, Indication::total_passed) << test::codes(r);
    ASSERT_EQ(r.signatures.size(), 2u);
    EXPECT_FALSE(r.signatures[0].counter_signature);
    EXPECT_TRUE(r.signatures[1].counter_signature);
    EXPECT_EQ(r.signatures[1].countersigns, "main");
    EXPECT_EQ(r.signatures[1].level, "B-B");
    EXPECT_FALSE(test::has_code(r, "XADES-COUNTERSIG-TYPE-MISSING"));
    EXPECT_NE(r.to_json().find("\"countersigns\":\"main\""), std::string::npos);

    // Nested: a counter-signature of the counter-signature.
    auto nested = signer("rsa2048", "counter-2").countersign(*counter, "counter-1");
    ASSERT_TRUE(nested) << nested.error().to_string();
    const auto n = verify(*nested);
    EXPECT_EQ(n.indication, Indication::total_passed) << test::codes(n);
    ASSERT_EQ(n.signatures.size(), 3u);
    EXPECT_EQ(n.signatures[2].countersigns, "counter-1");

    if (test::have_tool("xmlsec1")) {
        test::TempDir dir;
        test::write_file(dir / "cs.xml", *nested);
        const auto x = test::run_command("xmlsec1 --verify --insecure --id-attr:Id SignedProperties " +
                                         test::shell_quote(dir / "cs.xml"));
        EXPECT_EQ(x.exit_code, 0) << x.output;
    }
}

TEST(XadesCountersign, AChangedTargetValueBreaksTheCounterSignature) {
    auto signed_xml = signer("rsa2048", "main").sign(k_document);
    ASSERT_TRUE(signed_xml);
    auto counter = signer("ec-p256", "counter-1").countersign(*signed_xml);
    ASSERT_TRUE(counter);
    // Another value in place of the counter-signed one: the counter-signature's reference to it
    // no longer matches (the main signature fails too: its value is not its own any more).
    auto other = signer("rsa2048", "main").sign(k_document);
    ASSERT_TRUE(other);
    const auto value_of = [](const std::string& xml) {
        const std::size_t open = xml.find("<ds:SignatureValue");
        const std::size_t start = xml.find('>', open) + 1;
        return xml.substr(start, xml.find("</ds:SignatureValue>", start) - start);
    };
    std::string tampered = *counter;
    const std::string old_value = value_of(*counter);
    tampered.replace(tampered.find(old_value), old_value.size(), value_of(*other) + "AAAA");
    const auto r = verify(tampered);
    ASSERT_EQ(r.signatures.size(), 2u);
    EXPECT_EQ(r.signatures[1].indication, Indication::total_failed) << test::codes(r);
}

TEST(XadesCountersign, Refusals) {
    auto plain = signer("rsa2048").countersign(k_document);
    EXPECT_FALSE(plain);  // no signature at all
    auto missing = signer("rsa2048").countersign(*signer("rsa2048", "main").sign(k_document), "nope");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::invalid_argument);
}

}  // namespace
