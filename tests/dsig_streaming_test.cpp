// The large-document streaming path must give exactly the verdicts of the DOM path. Each case
// is verified twice: streaming forced on (threshold 1 byte) and off, and the reports compared.
#include <istmo/istmo.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using namespace istmo;
using report::Indication;

std::filesystem::path pki(const std::string& name) { return test::vectors_dir() / "pki" / name; }

std::string sign(const std::string& xml, const char* c14n, const std::string& key = "rsa2048",
                 dsig::DigestAlgorithm digest = dsig::DigestAlgorithm::automatic) {
    auto k = crypto::PrivateKey::from_file(pki(key + ".key.pem").string());
    auto c = crypto::Certificate::from_file(pki(key + ".cert.pem").string());
    auto chain = crypto::Certificate::all_from_file(pki("intermediate.cert.pem").string());
    dsig::SignOptions options;
    options.canonicalization = *dsig::parse_canonicalization(c14n);
    options.digest = digest;
    auto signer = dsig::Signer::create(*k, *c, *chain, options);
    EXPECT_TRUE(signer.has_value());
    auto out = signer->sign(xml);
    EXPECT_TRUE(out.has_value()) << (out ? "" : out.error().to_string());
    return out ? *out : std::string();
}

dsig::VerificationReport verify(const std::string& xml, bool streaming) {
    dsig::VerifyOptions options;
    EXPECT_TRUE(options.trust.add_file(pki("ca.cert.pem").string()).has_value());
    options.streaming_threshold_bytes = streaming ? 1 : 0;
    auto report = dsig::Verifier(options).verify(xml);
    EXPECT_TRUE(report.has_value());
    return *report;
}

void expect_same(const dsig::VerificationReport& streamed, const dsig::VerificationReport& dom) {
    EXPECT_EQ(streamed.indication, dom.indication);
    EXPECT_EQ(streamed.sub_indication, dom.sub_indication);
    ASSERT_EQ(streamed.signatures.size(), dom.signatures.size());
    for (std::size_t i = 0; i < dom.signatures.size(); ++i) {
        const auto& s = streamed.signatures[i];
        const auto& d = dom.signatures[i];
        EXPECT_EQ(s.location, d.location);
        EXPECT_EQ(s.signature_value_ok, d.signature_value_ok);
        ASSERT_EQ(s.references.size(), d.references.size());
        for (std::size_t j = 0; j < d.references.size(); ++j) {
            EXPECT_EQ(s.references[j].digest_ok, d.references[j].digest_ok);
            EXPECT_EQ(s.references[j].signed_node, d.references[j].signed_node);
            EXPECT_EQ(s.references[j].covers_document_element, d.references[j].covers_document_element);
            // The canonical octets are byte-identical to libxml2's C14N of the DOM.
            EXPECT_EQ(s.references[j].signed_octets, d.references[j].signed_octets);
        }
        std::vector<std::string> sc, dc;
        for (const auto& f : s.findings) sc.push_back(f.code);
        for (const auto& f : d.findings) dc.push_back(f.code);
        EXPECT_EQ(sc, dc);
    }
}

// Documents that exercise canonicalization: namespaces (default, prefixed, redeclared, unused,
// undeclared with xmlns=""), attribute order and escaping, character references, CDATA, PIs and
// comments inside and outside the root, whitespace, non-ASCII text.
const std::vector<std::string> k_documents = {
    "<r><a>1</a></r>",
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?pi-before data?>\n<!-- c0 -->\n<rFE xmlns=\"http://dgi-fep.mef.gob.pa\">\n"
    "  <gItem b=\"2\" a=\"1\" Id=\"i1\"><d>Caf\xc3\xa9 &amp; &lt;t&gt; &#13; &#x41;</d><!-- c1 --><?pi inside?></gItem>\n"
    "</rFE>\n<?pi-after?>\n<!-- c2 -->\n",
    "<x:r xmlns:x=\"urn:x\" xmlns:y=\"urn:y\" xmlns:unused=\"urn:unused\" y:b=\"&quot;q&quot;\" a=\"t&#9;ab&#10;nl&#13;cr\">"
    "<x:c xmlns:x=\"urn:x\"><d xmlns=\"urn:d\"><e xmlns=\"\">plain</e></d></x:c><y:z xmlns:y=\"urn:other\"/></x:r>",
    "<r xmlns=\"urn:a\" xmlns:p=\"urn:p\"><p:s p:attr=\"v\" xml:lang=\"es\"><![CDATA[<not & markup>]]></p:s><t>  spaced  </t>"
    "<u a=\"&lt;&amp;&gt;\"/></r>",
    "<root><empty/><empty></empty><n xmlns:a=\"urn:1\" xmlns:b=\"urn:2\" b:z=\"1\" a:z=\"2\" z=\"3\"/></root>",
};

class DsigStreaming : public ::testing::TestWithParam<std::tuple<std::size_t, const char*>> {};

TEST_P(DsigStreaming, MatchesTheDomPath) {
    const std::string& doc = k_documents[std::get<0>(GetParam())];
    const std::string signed_xml = sign(doc, std::get<1>(GetParam()));
    ASSERT_FALSE(signed_xml.empty());
    auto streamed = verify(signed_xml, true);
    auto dom = verify(signed_xml, false);
    EXPECT_TRUE(streamed.streamed);
    EXPECT_FALSE(dom.streamed);
    EXPECT_EQ(dom.indication, Indication::total_passed);
    expect_same(streamed, dom);

    // One changed character of content: both paths say HASH_FAILURE.
    std::string tampered = signed_xml;
    std::size_t pos = tampered.find('>', tampered.find("?>") + 2);
    pos = tampered.find_first_of("0123456789abcdefghijklmnopqrstuvwxyz", tampered.find('>', pos + 1) + 1);
    ASSERT_NE(pos, std::string::npos);
    if (pos < tampered.find("<ds:Signature")) {
        tampered[pos] = tampered[pos] == 'q' ? 'w' : 'q';
        auto s2 = verify(tampered, true);
        auto d2 = verify(tampered, false);
        expect_same(s2, d2);
    }
}

INSTANTIATE_TEST_SUITE_P(All, DsigStreaming,
                         ::testing::Combine(::testing::Range<std::size_t>(0, 5),
                                            ::testing::Values("exc", "inc", "c14n11", "exc-comments", "inc-comments")),
                         [](const auto& param_info) {  // stable names: "0_exc", not a pointer value
                             std::string name = std::to_string(std::get<0>(param_info.param)) + "_" +
                                                std::get<1>(param_info.param);
                             for (char& ch : name)
                                 if (ch == '-') ch = '_';
                             return name;
                         });

TEST(DsigStreamingShape, FallsBackToTheDomPathWhenNotApplicable) {
    // Detached references to elements outside the signature: not streamable, same verdict.
    auto k = crypto::PrivateKey::from_file(pki("ec-p256.key.pem").string());
    auto c = crypto::Certificate::from_file(pki("ec-p256.cert.pem").string());
    dsig::SignOptions options;
    options.mode = dsig::SignMode::detached;
    options.reference_ids = {"a"};
    auto signed_xml = dsig::Signer::create(*k, *c, {}, options)->sign("<r><x Id=\"a\">1</x></r>");
    ASSERT_TRUE(signed_xml.has_value());
    auto streamed = verify(*signed_xml, true);
    EXPECT_FALSE(streamed.streamed);
    expect_same(streamed, verify(*signed_xml, false));

    // Two signatures: DOM path.
    std::string once = sign("<r><v>1</v></r>", "exc");
    auto twice = dsig::Signer::create(*k, *c, {}, {})->sign(once);
    ASSERT_TRUE(twice.has_value());
    auto s2 = verify(*twice, true);
    EXPECT_FALSE(s2.streamed);
    expect_same(s2, verify(*twice, false));

    // Not well-formed, DOCTYPE: the DOM path reports the exact error.
    for (const std::string& bad : {std::string("<r><a></r>"), std::string("<!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>")}) {
        auto s3 = verify(bad, true);
        EXPECT_FALSE(s3.streamed);
        EXPECT_EQ(s3.indication, Indication::total_failed);
        ASSERT_FALSE(s3.findings.empty());
        EXPECT_EQ(s3.findings[0].code, verify(bad, false).findings[0].code);
    }
}

TEST(DsigStreamingShape, WrongGuessCostsASecondPassNotAWrongVerdict) {
    // SHA-512 digest with inclusive C14N: the guess reads the text; both combinations verify.
    const std::string doc = k_documents[1];
    for (auto digest : {dsig::DigestAlgorithm::sha384, dsig::DigestAlgorithm::sha512}) {
        const std::string signed_xml = sign(doc, "inc", "ec-p384", digest);
        auto s = verify(signed_xml, true);
        EXPECT_TRUE(s.streamed);
        EXPECT_EQ(s.indication, Indication::total_passed);
        expect_same(s, verify(signed_xml, false));
    }
}

TEST(DsigStreamingShape, DuplicateIdAcrossTheSignatureBoundaryUsesTheDomPath) {
    std::string signed_xml = sign("<r><v Id=\"sig\">1</v></r>", "exc");
    // Give the signature the same Id as an element outside it.
    std::size_t pos = signed_xml.find("<ds:Signature ");
    ASSERT_NE(pos, std::string::npos);
    signed_xml.insert(pos + std::string("<ds:Signature ").size(), "Id=\"sig\" ");
    auto s = verify(signed_xml, true);
    EXPECT_FALSE(s.streamed);
    expect_same(s, verify(signed_xml, false));
}

}  // namespace
