// The EKU rule of RFC 3161 §2.3 on tokens that OpenSSL's TSA would refuse to make: the
// TimeStampToken is built here by hand (TSTInfo DER + CMS_sign + SigningCertificateV2), signed
// by a TSA certificate without the timeStamping EKU, or with it but not critical. The same
// construction with a correct certificate must verify (so the failure is the EKU, nothing else).
#include "tsa_test_token.hpp"

#include <istmo/crypto/keys.hpp>
#include <istmo/tsa/timestamp.hpp>

#include <gtest/gtest.h>
#include <openssl/cms.h>
#include <openssl/ess.h>
#include <openssl/sha.h>

#include <ctime>
#include <set>
#include <string>

#pragma GCC diagnostic ignored "-Wold-style-cast"

namespace istmo::tsa {
namespace {

using namespace istmo::internal;
using istmo::test::TsaTestCertKind;
using istmo::test::TsaTestPki;

const Bytes kData = {'F', 'E', '-', '0', '0', '0', '1'};

// A TimeStampToken over kData signed by pki.tsa, chain = TSA + root embedded.
Bytes hand_made_token(const TsaTestPki& pki) {
    return istmo::test::tsa_test_token(pki, kData, std::time(nullptr), 4242, pki.tsa.get());
}

std::set<std::string> errors_of(const TokenVerification& v) {
    std::set<std::string> out;
    for (const auto& f : v.findings)
        if (f.severity == report::Severity::error) out.insert(f.code);
    return out;
}

TokenVerification verify_hand_made(const TsaTestPki& pki) {
    const Bytes token = hand_made_token(pki);
    TokenExpectations expect;
    expect.data = kData;
    expect.policy = istmo::test::tsa_test_policy;
    expect.require_certificates = true;
    VerifyOptions options;
    auto root = crypto::Certificate::from_pem(pki.root_pem());
    EXPECT_TRUE(root);
    if (root) options.trust.add(*root);
    return verify_token(token, expect, options);
}

TEST(TsaWrongEku, HandMadeTokenWithTheRightEkuVerifies) {
    const TsaTestPki pki(TsaTestCertKind::tsa);
    const TokenVerification v = verify_hand_made(pki);
    EXPECT_TRUE(v.valid()) << v.summary();
    EXPECT_EQ(errors_of(v), std::set<std::string>{});
    EXPECT_EQ(v.info.ess_version, "v2");
    EXPECT_EQ(v.info.serial_hex, "1092");
}

TEST(TsaWrongEku, TsaCertificateWithoutEkuIsRefused) {
    const TsaTestPki pki(TsaTestCertKind::tsa_without_eku);
    const TokenVerification v = verify_hand_made(pki);
    EXPECT_FALSE(v.valid());
    EXPECT_EQ(errors_of(v), std::set<std::string>{"TSA-CERT-EKU"}) << v.summary();
    ASSERT_NE(v.first_error(), nullptr);
    EXPECT_NE(v.first_error()->message.find("no extended key usage"), std::string::npos) << v.first_error()->message;
}

TEST(TsaWrongEku, NonCriticalEkuIsRefused) {
    const TsaTestPki pki(TsaTestCertKind::tsa_eku_not_critical);
    const TokenVerification v = verify_hand_made(pki);
    EXPECT_FALSE(v.valid());
    EXPECT_EQ(errors_of(v), std::set<std::string>{"TSA-CERT-EKU"}) << v.summary();
    ASSERT_NE(v.first_error(), nullptr);
    EXPECT_NE(v.first_error()->message.find("not marked critical"), std::string::npos) << v.first_error()->message;
}

}  // namespace
}  // namespace istmo::tsa
