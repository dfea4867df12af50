#pragma once
// A hand-made RFC 3161 TimeStampToken (CMS SignedData over a TSTInfo), for the tests that need
// tokens OpenSSL's TS_RESP API will not make: a chosen genTime, an ESSCertIDv2 that names
// another certificate, a signer without the timeStamping EKU.
#include "tsa_test_server.hpp"

#include <gtest/gtest.h>
#include <openssl/cms.h>
#include <openssl/ess.h>
#include <openssl/sha.h>

#include <cstdint>
#include <ctime>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // OpenSSL's stack and object macros

namespace istmo::test {

// Who signs a hand-made token: the TSA certificate and key, the certificates embedded beside
// it, the policy OID, and the certificate its SigningCertificateV2 names (the TSA's own for a
// correct token, as OpenSSL's TSA adds it).
struct TokenSigner {
    X509* certificate;
    EVP_PKEY* key;
    std::vector<X509*> embedded;
    X509* ess_target;
    const char* policy = tsa_test_policy;
};

// A token over `data` (SHA-256 imprint) with the given genTime and serial.
inline std::vector<std::uint8_t> make_test_token(const TokenSigner& by, const std::vector<std::uint8_t>& data,
                                                 std::time_t gen_time, long serial) {
    using namespace istmo::internal;
    TsTstInfoPtr tst(TS_TST_INFO_new());
    TS_TST_INFO_set_version(tst.get(), 1);
    Asn1ObjectPtr policy(OBJ_txt2obj(by.policy, 1));
    TS_TST_INFO_set_policy_id(tst.get(), policy.get());
    TsMsgImprintPtr imprint(TS_MSG_IMPRINT_new());
    X509AlgorPtr alg(X509_ALGOR_new());
    X509_ALGOR_set0(alg.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr);
    TS_MSG_IMPRINT_set_algo(imprint.get(), alg.get());
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(data.data(), data.size(), digest);
    TS_MSG_IMPRINT_set_msg(imprint.get(), digest, sizeof digest);
    TS_TST_INFO_set_msg_imprint(tst.get(), imprint.get());
    Asn1IntegerPtr serial_number(ASN1_INTEGER_new());
    ASN1_INTEGER_set(serial_number.get(), serial);
    TS_TST_INFO_set_serial(tst.get(), serial_number.get());
    CPtr<ASN1_GENERALIZEDTIME, ASN1_GENERALIZEDTIME_free> when(ASN1_GENERALIZEDTIME_set(nullptr, gen_time));
    TS_TST_INFO_set_time(tst.get(), when.get());
    unsigned char* tst_der = nullptr;
    const int tst_len = i2d_TS_TST_INFO(tst.get(), &tst_der);
    OsslBytesPtr tst_owner(tst_der);
    EXPECT_GT(tst_len, 0);
    BioPtr content(BIO_new_mem_buf(tst_der, tst_len));

    X509StackPtr extra(sk_X509_new_null());
    for (X509* c : by.embedded) {
        X509_up_ref(c);
        sk_X509_push(extra.get(), c);
    }
    CmsContentInfoPtr cms(CMS_sign(nullptr, nullptr, extra.get(), nullptr, CMS_PARTIAL | CMS_BINARY));
    EXPECT_TRUE(cms);
    EXPECT_EQ(CMS_set1_eContentType(cms.get(), OBJ_nid2obj(NID_id_smime_ct_TSTInfo)), 1);
    CMS_SignerInfo* signer =
        CMS_add1_signer(cms.get(), by.certificate, by.key, EVP_sha256(), CMS_BINARY | CMS_NOSMIMECAP);
    EXPECT_NE(signer, nullptr);
    CPtr<ESS_SIGNING_CERT_V2, ESS_SIGNING_CERT_V2_free> ess(
        OSSL_ESS_signing_cert_v2_new_init(EVP_sha256(), by.ess_target, nullptr, 0));
    EXPECT_TRUE(ess);
    unsigned char* ess_der = nullptr;
    const int ess_len = i2d_ESS_SIGNING_CERT_V2(ess.get(), &ess_der);
    OsslBytesPtr ess_owner(ess_der);
    CPtr<ASN1_STRING, ASN1_STRING_free> attribute(ASN1_STRING_new());
    ASN1_STRING_set(attribute.get(), ess_der, ess_len);
    EXPECT_EQ(CMS_signed_add1_attr_by_NID(signer, NID_id_smime_aa_signingCertificateV2, V_ASN1_SEQUENCE,
                                          attribute.get(), -1),
              1);
    EXPECT_EQ(CMS_final(cms.get(), content.get(), nullptr, CMS_BINARY), 1);
    unsigned char* der = nullptr;
    const int len = i2d_CMS_ContentInfo(cms.get(), &der);
    OsslBytesPtr owner(der);
    EXPECT_GT(len, 0);
    return len > 0 ? std::vector<std::uint8_t>(der, der + len) : std::vector<std::uint8_t>();
}

// A token of the test TSA: signed by pki.tsa with pki.root embedded, policy tsa_test_policy.
inline std::vector<std::uint8_t> tsa_test_token(const TsaTestPki& pki, const std::vector<std::uint8_t>& data,
                                                std::time_t gen_time, long serial, X509* ess_target) {
    return make_test_token(TokenSigner{pki.tsa.get(), pki.tsa_key.get(), {pki.root.get()}, ess_target}, data,
                           gen_time, serial);
}

}  // namespace istmo::test

#pragma GCC diagnostic pop
