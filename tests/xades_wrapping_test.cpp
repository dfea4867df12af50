// XAdES verifier rules against signature wrapping, on our own signatures (the shared samples
// cover the same rules on files from EU DSS, but those are not present on every machine).
#include <istmo/istmo.hpp>
#include <istmo/xades/xades.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace {

using namespace istmo;

std::filesystem::path pki(const std::string& name) { return test::vectors_dir() / "pki" / name; }

std::string sign_enveloping() {
    auto k = crypto::PrivateKey::from_file(pki("rsa2048.key.pem").string());
    auto c = crypto::Certificate::from_file(pki("rsa2048.cert.pem").string());
    auto chain = crypto::Certificate::all_from_file(pki("intermediate.cert.pem").string());
    xades::SignOptions options;
    options.dsig.mode = dsig::SignMode::enveloping;
    auto signer = xades::Signer::create(*k, *c, *chain, options);
    EXPECT_TRUE(signer.has_value());
    if (!signer) return {};
    auto out = signer->sign("<pago><monto>10.70</monto></pago>");
    EXPECT_TRUE(out.has_value());
    return out ? *out : std::string();
}

dsig::VerificationReport verify(const std::string& xml) {
    xades::VerifyOptions options;
    EXPECT_TRUE(options.dsig.trust.add_file(pki("ca.cert.pem").string()).has_value());
    auto report = xades::Verifier(options).verify(xml);
    EXPECT_TRUE(report.has_value());
    return report ? *report : dsig::VerificationReport{};
}

bool has_code(const dsig::VerificationReport& r, const std::string& code) {
    return std::any_of(r.findings.begin(), r.findings.end(), [&](const auto& f) { return f.code == code; });
}

TEST(XadesWrapping, SignedObjectHiddenInsideAnotherObjectIsNotSignedData) {
    const std::string signed_xml = sign_enveloping();
    ASSERT_EQ(verify(signed_xml).indication, report::Indication::total_passed);

    // XSW: the signed ds:Object moves inside another Object's content, a fake Object takes
    // its place. Every digest still matches.
    const std::string open = "<ds:Object Id=\"object-1\">";
    const std::size_t begin = signed_xml.find(open);
    ASSERT_NE(begin, std::string::npos) << signed_xml;
    const std::size_t end = signed_xml.find("</ds:Object>", begin) + std::string("</ds:Object>").size();
    const std::string signed_object = signed_xml.substr(begin, end - begin);
    std::string wrapped = signed_xml;
    wrapped.replace(begin, end - begin,
                    "<ds:Object Id=\"evil\"><pago><monto>99999.00</monto></pago></ds:Object><ds:Object><wrapper>" +
                        signed_object + "</wrapper></ds:Object>");

    auto report = verify(wrapped);
    ASSERT_EQ(report.signatures.size(), 1u);
    EXPECT_TRUE(report.signatures[0].signature_value_ok);
    for (const auto& ref : report.signatures[0].references) EXPECT_TRUE(ref.digest_ok) << ref.uri;
    EXPECT_EQ(report.indication, report::Indication::indeterminate);
    EXPECT_EQ(report.sub_indication, report::SubIndication::signed_data_not_found);
    EXPECT_TRUE(has_code(report, "XADES-OBJECT-WRAPPED")) << report.to_text();
}

}  // namespace
