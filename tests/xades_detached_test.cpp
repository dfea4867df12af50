// Detached signatures with caller-supplied content (VerifyOptions::detached_content): the shared
// samples whose SOURCES.md says "valid with the detached file". istmo never fetches anything: the
// resolver is the only way in, and it is asked only for the URIs the signature names.
#include <istmo/istmo.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using namespace istmo;
using report::Indication;
using report::SubIndication;

struct DetachedSample {
    const char* signature;  // relative to xades-samples/
    const char* uri;        // the Reference URI
    const char* content;    // a file relative to xades-samples/, or literal bytes after "bytes:"
};

const DetachedSample k_samples[] = {
    {"esig-dss/xades-detached.xml", "sample.xml", "esig-dss/sample.xml"},
    {"esig-dss/Signature-X-HU_MIC-1.xml", "doc.txt", "bytes:test doc"},
    {"xmldsigjs/valid_signature_asic.xml", "ping.xml", "xmldsigjs/ping.xml"},
};

class XadesDetached : public ::testing::TestWithParam<DetachedSample> {};

TEST_P(XadesDetached, CoreIsIntactWithTheContentAndBrokenWithout) {
    auto reference = test::shared_reference_dir();
    if (!reference || !std::filesystem::exists(*reference / "xades-samples"))
        GTEST_SKIP() << "../shared/reference not found: did not run";
    const auto dir = *reference / "xades-samples";
    const DetachedSample& s = GetParam();
    const std::string xml = test::read_file(dir / s.signature);
    std::string content = s.content;
    content = content.rfind("bytes:", 0) == 0 ? content.substr(6) : test::read_file(dir / s.content);

    std::vector<std::string> asked;
    auto verify_with = [&](std::string bytes) {
        xades::VerifyOptions options;
        options.dsig.detached_content = [&asked, bytes, &s](std::string_view uri) -> std::optional<std::vector<std::uint8_t>> {
            asked.emplace_back(uri);
            if (uri != s.uri) return std::nullopt;
            return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
        };
        auto report = xades::Verifier(options).verify(xml);
        EXPECT_TRUE(report.has_value());
        return *report;
    };

    auto good = verify_with(content);
    ASSERT_FALSE(good.signatures.empty());
    const auto& sig = good.signatures[0];
    EXPECT_TRUE(sig.signature_value_ok);
    bool saw_detached = false;
    for (const auto& ref : sig.references) {
        EXPECT_TRUE(ref.resolved) << ref.uri;
        EXPECT_TRUE(ref.digest_ok) << ref.uri;
        if (ref.uri == s.uri) {
            saw_detached = true;
            EXPECT_EQ(ref.signed_node, std::string("detached:") + s.uri);
            EXPECT_EQ(ref.signed_octets, content);
        }
    }
    EXPECT_TRUE(saw_detached);
    EXPECT_EQ(asked, std::vector<std::string>{s.uri});
    // No anchors were given: never TOTAL_PASSED, and not a digest failure either.
    EXPECT_EQ(good.indication, Indication::indeterminate);
    EXPECT_NE(good.sub_indication, SubIndication::signed_data_not_found);

    auto wrong = verify_with(content + "x");
    EXPECT_EQ(wrong.indication, Indication::total_failed);
    EXPECT_EQ(wrong.sub_indication, SubIndication::hash_failure);
}

INSTANTIATE_TEST_SUITE_P(Samples, XadesDetached, ::testing::ValuesIn(k_samples), [](const auto& p) {
    std::string name = p.param.uri;
    std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
    return name;
});

}  // namespace
