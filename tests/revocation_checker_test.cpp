// RevocationChecker offline (files and per-call evidence) under each policy, plugged into the
// CertificateValidator. The loopback fetching tests are in revocation_loopback_test.cpp.
#include "revocation_test_pki.hpp"

#include <istmo/crypto/revocation.hpp>

#include <gtest/gtest.h>

namespace {

using namespace istmo;
using istmo::test::RevocationPki;
using crypto::RevocationStatus;

class RevocationChecker : public RevocationPki {
protected:
    static std::shared_ptr<const crypto::RevocationChecker> make(crypto::RevocationOptions options) {
        options.offline = true;
        auto made = crypto::RevocationChecker::create(std::move(options));
        EXPECT_TRUE(made) << made.error().to_string();
        return made ? *made : nullptr;
    }
    static crypto::CertificateValidation validate(std::shared_ptr<const crypto::RevocationChecker> checker,
                                                  const std::string& leaf,
                                                  const crypto::RevocationEvidence* evidence = nullptr) {
        crypto::ValidatorOptions v;
        v.trust = root_store();
        v.extra_certificates = {cert("ca")};
        v.status_source = std::move(checker);
        crypto::CertificateValidator validator(std::move(v));
        return validator.validate(cert(leaf), {}, crypto::CertificatePurpose::signature,
                                  std::chrono::system_clock::now(), evidence);
    }
};

TEST_F(RevocationChecker, CrlFileGivesEachCertificateItsStatus) {
    crypto::RevocationOptions o;
    o.crl_files = {file("ca.crl.der").string()};
    auto checker = make(o);
    ASSERT_TRUE(checker);
    const auto good = validate(checker, "good");
    ASSERT_EQ(good.status, crypto::PathStatus::valid) << good.message;
    ASSERT_EQ(good.chain.size(), 3u);
    EXPECT_EQ(good.chain[0].status.status, RevocationStatus::good);
    EXPECT_EQ(good.chain[0].status.source, crypto::StatusSource::crl);
    EXPECT_TRUE(good.chain[0].status.required);  // it publishes a CDP and an OCSP URL
    // The intermediate publishes nothing and the root's CRL is not given: auto accepts it with
    // a warning code.
    EXPECT_EQ(good.chain[1].status.status, RevocationStatus::not_checked);
    EXPECT_FALSE(good.chain[1].status.required);
    EXPECT_EQ(good.chain[1].status.code, "REV-NO-SOURCE");
    EXPECT_FALSE(good.chain[1].status.message_es.empty());
    EXPECT_EQ(good.chain[2].status.status, RevocationStatus::not_checked);  // the anchor
    const auto revoked = validate(checker, "revoked");
    EXPECT_EQ(revoked.chain[0].status.status, RevocationStatus::revoked);
    EXPECT_EQ(revoked.chain[0].status.reason, "keyCompromise");
    EXPECT_FALSE(openssl_verify_crl("revoked"));
}

TEST_F(RevocationChecker, OcspFileAndEmbeddedEvidence) {
    crypto::RevocationOptions o;
    o.ocsp_response_files = {file("revoked.ocsp").string(), file("good.ocsp").string()};
    auto checker = make(o);
    ASSERT_TRUE(checker);
    EXPECT_EQ(validate(checker, "good").chain[0].status.status, RevocationStatus::good);
    EXPECT_EQ(validate(checker, "good").chain[0].status.source, crypto::StatusSource::ocsp);
    EXPECT_EQ(validate(checker, "revoked").chain[0].status.status, RevocationStatus::revoked);

    auto bare = make({});
    crypto::RevocationEvidence evidence;
    evidence.ocsp_responses.push_back(test::read_bytes(file("good.ocsp")));
    const auto with = validate(bare, "good", &evidence);
    EXPECT_EQ(with.chain[0].status.status, RevocationStatus::good);
    EXPECT_EQ(with.chain[0].status.source, crypto::StatusSource::embedded);
    crypto::RevocationEvidence crl_evidence;
    crl_evidence.crls.push_back(test::read_bytes(file("ca.crl.der")));
    EXPECT_EQ(validate(bare, "revoked", &crl_evidence).chain[0].status.status, RevocationStatus::revoked);
    // Without evidence and offline, the status the leaf requires cannot be had.
    const auto without = validate(bare, "good");
    EXPECT_EQ(without.chain[0].status.status, RevocationStatus::not_checked);
    EXPECT_TRUE(without.chain[0].status.required);
    EXPECT_EQ(without.chain[0].status.code, "REV-UNAVAILABLE");
}

TEST_F(RevocationChecker, UnusableSourcesAreNeverAStatus) {
    crypto::RevocationOptions o;
    o.crl_files = {file("other.crl.der").string(), file("stale.crl.der").string()};
    o.ocsp_response_files = {file("good-by-plain.ocsp").string()};
    auto checker = make(o);
    ASSERT_TRUE(checker);
    const auto s = validate(checker, "good").chain[0].status;
    EXPECT_EQ(s.status, RevocationStatus::not_checked);
    EXPECT_TRUE(s.required);
    EXPECT_TRUE(s.code == "REV-CRL-STALE" || s.code == "REV-CRL-BAD-SIGNATURE" ||
                s.code == "REV-OCSP-UNAUTHORIZED-RESPONDER")
        << s.code;
}

TEST_F(RevocationChecker, DelegatedResponderWithoutNocheckNeedsItsOwnStatus) {
    crypto::RevocationOptions o;
    o.ocsp_response_files = {file("good-by-responder-check.ocsp").string()};
    auto alone = make(o);
    EXPECT_EQ(validate(alone, "good").chain[0].status.code, "REV-OCSP-RESPONDER-STATUS");
    // With the CA's CRL (the responder is on it as not revoked) the response is used: OCSP
    // responses are tried before CRLs.
    o.crl_files = {file("ca.crl.der").string()};
    const auto s = validate(make(o), "good").chain[0].status;
    EXPECT_EQ(s.status, RevocationStatus::good);
    EXPECT_EQ(s.source, crypto::StatusSource::ocsp);
}

TEST_F(RevocationChecker, PoliciesRequireAndOff) {
    crypto::RevocationOptions require;
    require.policy = crypto::RevocationPolicy::require;
    require.crl_files = {file("ca.crl.der").string()};
    const auto r = validate(make(require), "bare");
    EXPECT_EQ(r.chain[0].status.status, RevocationStatus::good);  // listed nowhere, CRL given
    EXPECT_TRUE(r.chain[1].status.required);                        // the CA: no CRL of the root
    EXPECT_EQ(r.chain[1].status.code, "REV-UNAVAILABLE");
    crypto::RevocationOptions off;
    off.policy = crypto::RevocationPolicy::off;
    off.crl_files = {file("ca.crl.der").string()};
    const auto o = validate(make(off), "revoked");
    EXPECT_EQ(o.chain[0].status.status, RevocationStatus::not_checked);
    EXPECT_EQ(o.chain[0].status.code, "REV-OFF");
    EXPECT_FALSE(o.chain[0].status.required);
}

TEST_F(RevocationChecker, PolicyNamesAndBadFiles) {
    EXPECT_EQ(*crypto::parse_revocation_policy("auto"), crypto::RevocationPolicy::automatic);
    EXPECT_EQ(crypto::revocation_policy_name(crypto::RevocationPolicy::require), "require");
    EXPECT_FALSE(crypto::parse_revocation_policy("sometimes"));
    crypto::RevocationOptions o;
    o.crl_files = {file("good.pem").string()};
    auto bad = crypto::RevocationChecker::create(o);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::parse_error);
    o.crl_files = {(dir() / "missing.crl").string()};
    EXPECT_FALSE(crypto::RevocationChecker::create(o));
}

TEST_F(RevocationChecker, ChecksAreReusedAcrossCalls) {
    crypto::RevocationOptions o;
    o.crl_files = {file("ca.crl.der").string()};
    auto checker = make(o);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(validate(checker, "good").chain[0].status.status, RevocationStatus::good);
    EXPECT_GE(checker->stats().verified_reused, 2u);  // the CRL's signature verified once
}

}  // namespace
