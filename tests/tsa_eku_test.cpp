// The EKU rule of RFC 3161 §2.3 on tokens that OpenSSL's TSA would refuse to make: the
// TimeStampToken is built here by hand (TSTInfo DER + CMS_sign + SigningCertificateV2), signed
// by a TSA certificate without the timeStamping EKU, or with it but not critical. The same
// construction with a correct certificate must verify (so the failure is the EKU, nothing else).
#include "tsa_test_server.hpp"

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
    TsTstInfoPtr tst(TS_TST_INFO_new());
    TS_TST_INFO_set_version(tst.get(), 1);
    Asn1ObjectPtr policy(OBJ_txt2obj(istmo::test::tsa_test_policy, 1));
    TS_TST_INFO_set_policy_id(tst.get(), policy.get());
    TsMsgImprintPtr imprint(TS_MSG_IMPRINT_new());
    X509AlgorPtr algorithm(X509_ALGOR_new());
    X509_ALGOR_set0(algorithm.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr);
    TS_MSG_IMPRINT_set_algo(imprint.get(), algorithm.get());
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(kData.data(), kData.size(), digest);
    TS_MSG_IMPRINT_set_msg(imprint.get(), digest, sizeof digest);
    TS_TST_INFO_set_msg_imprint(tst.get(), imprint.get());
    Asn1IntegerPtr serial(ASN1_INTEGER_new());
    ASN1_INTEGER_set(serial.get(), 4242);
    TS_TST_INFO_set_serial(tst.get(), serial.get());
    CPtr<ASN1_GENERALIZEDTIME, ASN1_GENERALIZEDTIME_free> gen_time(
        ASN1_GENERALIZEDTIME_set(nullptr, std::time(nullptr)));
    TS_TST_INFO_set_time(tst.get(), gen_time.get());
    unsigned char* tst_der = nullptr;
    const int tst_len = i2d_TS_TST_INFO(tst.get(), &tst_der);
    EXPECT_GT(tst_len, 0);
    OsslBytesPtr tst_owner(tst_der);
    BioPtr content(BIO_new_mem_buf(tst_der, tst_len));

    X509StackPtr certs(sk_X509_new_null());
    X509_up_ref(pki.root.get());
    sk_X509_push(certs.get(), pki.root.get());
    CmsContentInfoPtr cms(CMS_sign(nullptr, nullptr, certs.get(), nullptr, CMS_PARTIAL | CMS_BINARY));
    EXPECT_TRUE(cms);
    EXPECT_EQ(CMS_set1_eContentType(cms.get(), OBJ_nid2obj(NID_id_smime_ct_TSTInfo)), 1);
    CMS_SignerInfo* signer =
        CMS_add1_signer(cms.get(), pki.tsa.get(), pki.tsa_key.get(), EVP_sha256(), CMS_BINARY | CMS_NOSMIMECAP);
    EXPECT_NE(signer, nullptr);
    // SigningCertificateV2 { ESSCertIDv2 { sha256(TSA cert) } }, as OpenSSL's own TSA adds it.
    CPtr<ESS_SIGNING_CERT_V2, ESS_SIGNING_CERT_V2_free> ess(
        OSSL_ESS_signing_cert_v2_new_init(EVP_sha256(), pki.tsa.get(), nullptr, 0));
    EXPECT_TRUE(ess);
    unsigned char* ess_der = nullptr;
    const int ess_len = i2d_ESS_SIGNING_CERT_V2(ess.get(), &ess_der);
    OsslBytesPtr ess_owner(ess_der);
    CPtr<ASN1_STRING, ASN1_STRING_free> sequence(ASN1_STRING_new());
    ASN1_STRING_set(sequence.get(), ess_der, ess_len);
    EXPECT_EQ(CMS_signed_add1_attr_by_NID(signer, NID_id_smime_aa_signingCertificateV2, V_ASN1_SEQUENCE,
                                          sequence.get(), -1),
              1);
    EXPECT_EQ(CMS_final(cms.get(), content.get(), nullptr, CMS_BINARY), 1);
    unsigned char* der = nullptr;
    const int len = i2d_CMS_ContentInfo(cms.get(), &der);
    EXPECT_GT(len, 0);
    Bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
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
