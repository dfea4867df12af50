// Signing keeps the signer's input bytes: the enveloped ds:Signature is written in front of the
// document element's end tag and nothing else changes (declaration, quotes, line ends, character
// references, CDATA). Inputs where that cannot be exact (another encoding, content after the
// document element, a self-closing document element) are serialized whole; every output verifies.
#include <istmo/istmo.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

namespace {

using namespace istmo;

struct SpliceCase {
    const char* name;
    std::string input;
    bool keeps_input_bytes;
};

void PrintTo(const SpliceCase& c, std::ostream* os) { *os << c.name; }

class DsigSplice : public ::testing::TestWithParam<SpliceCase> {};

std::string sign(const std::string& input, dsig::Canonicalization c14n) {
    auto key = crypto::PrivateKey::from_file(test::pki("rsa2048.key.pem").string());
    auto cert = crypto::Certificate::from_file(test::pki("rsa2048.cert.pem").string());
    EXPECT_TRUE(key && cert);
    dsig::SignOptions options;
    options.canonicalization = c14n;
    auto signer = dsig::Signer::create(*key, *cert, {}, options);
    EXPECT_TRUE(signer.has_value());
    auto signed_xml = signer->sign(input);
    EXPECT_TRUE(signed_xml.has_value()) << (signed_xml ? "" : signed_xml.error().to_string());
    return signed_xml ? *signed_xml : std::string();
}

TEST_P(DsigSplice, KeepsTheInputAroundTheSignature) {
    const SpliceCase& c = GetParam();
    for (auto c14n : {dsig::Canonicalization::exclusive, dsig::Canonicalization::inclusive}) {
        const std::string out = sign(c.input, c14n);
        ASSERT_FALSE(out.empty());
        EXPECT_EQ(test::verify_with_test_pki(out), report::Indication::total_passed) << out;
        test::expect_xmlsec1_verifies(out, c.name);
        const std::size_t start = out.find("<ds:Signature");
        ASSERT_NE(start, std::string::npos) << out;
        const std::size_t end = out.find("</ds:Signature>", start);
        ASSERT_NE(end, std::string::npos);
        const std::string around = out.substr(0, start) + out.substr(end + std::string("</ds:Signature>").size());
        if (c.keeps_input_bytes)
            EXPECT_EQ(around, c.input);
        else
            EXPECT_NE(around, c.input) << "expected the whole-document serialization for this input";
    }
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, DsigSplice,
    ::testing::Values(
        SpliceCase{"declaration_and_default_namespace",
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rFE xmlns=\"http://dgi-fep.mef.gob.pa\"><dId>1</dId></rFE>\n",
                   true},
        SpliceCase{"no_declaration_crlf_single_quotes",
                   "<doc a='1'  b=\"2\">\r\n  <x>caf\xc3\xa9 &#x41; &amp; <![CDATA[<raw>]]></x>\r\n</doc>\r\n", true},
        SpliceCase{"prefixed_root_spaced_end_tag",
                   "<p:doc xmlns:p=\"urn:p\" xmlns:q=\"urn:q\"><q:x/></p:doc >", true},
        SpliceCase{"lower_case_utf8_and_leading_comment",
                   "<?xml version='1.0' encoding='utf-8'?><!-- before --><doc><x/></doc>", true},
        SpliceCase{"trailing_comment_after_root", "<doc><x/></doc><!-- after -->\n", false},
        SpliceCase{"latin1_input",
                   "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<doc><x>caf\xe9</x></doc>\n", false},
        SpliceCase{"self_closing_root", "<doc a=\"1\"/>", false}),
    [](const ::testing::TestParamInfo<SpliceCase>& param_info) { return std::string(param_info.param.name); });

}  // namespace
