// Certificate status in XMLDSig verdicts (EN 319 102-1): revoked signer -> INDETERMINATE /
// REVOKED_NO_POE, revoked CA -> REVOKED_CA_NO_POE, required but unobtainable -> TRY_LATER,
// not published -> a warning only, off -> a warning only; the JSON and ETSI XML reports carry
// each chain certificate's status.
#include "revocation_test_pki.hpp"

#include <istmo/dsig/sign.hpp>
#include <istmo/dsig/verify.hpp>

#include <gtest/gtest.h>

namespace {

using namespace istmo;
using istmo::test::RevocationPki;
using report::Indication;
using report::SubIndication;

class RevocationDsig : public RevocationPki {
protected:
    static std::string sign_as(const std::string& leaf) {
        auto key = crypto::PrivateKey::from_file(file(leaf + ".key").string());
        EXPECT_TRUE(key);
        auto signer = dsig::Signer::create(*key, cert(leaf), {cert("ca")});
        EXPECT_TRUE(signer) << signer.error().to_string();
        auto out = signer->sign("<doc><a>1</a></doc>");
        EXPECT_TRUE(out);
        return out ? *out : std::string();
    }
    static dsig::VerifyOptions options() {
        dsig::VerifyOptions o;
        o.trust = root_store();
        o.offline = true;
        return o;
    }
    static dsig::VerificationReport verify(const std::string& xml, const dsig::VerifyOptions& o) {
        auto r = dsig::Verifier(o).verify(xml);
        EXPECT_TRUE(r);
        return r ? *r : dsig::VerificationReport{};
    }
};

TEST_F(RevocationDsig, RevokedSignerWithoutPoeIsRevokedNoPoe) {
    auto o = options();
    o.crl_files = {file("ca.crl.der").string()};
    const auto good = verify(sign_as("good"), o);
    EXPECT_EQ(good.indication, Indication::total_passed) << test::codes(good);
    ASSERT_FALSE(good.signatures[0].chain.empty());
    EXPECT_EQ(good.signatures[0].chain[0].revocation.status, "good");
    EXPECT_EQ(good.signatures[0].chain[0].revocation.source, "crl");
    EXPECT_FALSE(good.signatures[0].chain[0].revocation.next_update.empty());
    EXPECT_TRUE(test::has_code(good, "DSIG-CERT-REVOCATION-NOT-CHECKED"));  // the CA publishes nothing
    const auto revoked = verify(sign_as("revoked"), o);
    EXPECT_EQ(revoked.indication, Indication::indeterminate);
    EXPECT_EQ(revoked.sub_indication, SubIndication::revoked_no_poe) << test::codes(revoked);
    EXPECT_TRUE(test::has_code(revoked, "DSIG-CERT-REVOKED"));
    EXPECT_EQ(revoked.signatures[0].chain[0].revocation.reason, "keyCompromise");
    const std::string json = revoked.to_json();
    EXPECT_NE(json.find("\"revocation\":{\"status\":\"revoked\",\"source\":\"crl\""), std::string::npos) << json;
    EXPECT_NE(json.find("REVOKED_NO_POE"), std::string::npos);
    const std::string etsi = revoked.to_etsi_xml();
    EXPECT_NE(etsi.find("<istmo:Revocation status=\"revoked\" source=\"crl\""), std::string::npos) << etsi;
    for (const auto& f : revoked.findings)
        if (f.code.rfind("DSIG-CERT-RE", 0) == 0) {
            EXPECT_FALSE(f.message_es.empty()) << f.code;
        }
}

TEST_F(RevocationDsig, RequiredButUnobtainableIsTryLater) {
    const auto r = verify(sign_as("good"), options());  // offline, nothing given, the leaf publishes URLs
    EXPECT_EQ(r.indication, Indication::indeterminate);
    EXPECT_EQ(r.sub_indication, SubIndication::try_later) << test::codes(r);
    EXPECT_TRUE(test::has_code(r, "DSIG-CERT-REVOCATION-UNKNOWN"));
    EXPECT_EQ(r.signatures[0].chain[0].revocation.status, "not_checked");
    auto o = options();
    o.ocsp_response_files = {file("unknown.ocsp").string()};
    const auto u = verify(sign_as("unknown"), o);
    EXPECT_EQ(u.sub_indication, SubIndication::try_later) << test::codes(u);
    EXPECT_EQ(u.signatures[0].chain[0].revocation.status, "unknown");
}

TEST_F(RevocationDsig, NoUrlsIsAWarningAndOffIsAWarning) {
    const auto bare = verify(sign_as("bare"), options());
    EXPECT_EQ(bare.indication, Indication::total_passed) << test::codes(bare);
    EXPECT_TRUE(test::has_code(bare, "DSIG-CERT-REVOCATION-NOT-CHECKED"));
    auto o = options();
    o.revocation = crypto::RevocationPolicy::off;
    const auto off = verify(sign_as("revoked"), o);
    EXPECT_EQ(off.indication, Indication::total_passed) << test::codes(off);
    EXPECT_TRUE(test::has_code(off, "DSIG-CERT-REVOCATION-OFF"));
    auto req = options();
    req.revocation = crypto::RevocationPolicy::require;
    req.crl_files = {file("ca.crl.der").string()};
    const auto required = verify(sign_as("bare"), req);  // the CA's status (by the root) is missing
    EXPECT_EQ(required.sub_indication, SubIndication::try_later) << test::codes(required);
}

TEST_F(RevocationDsig, UnreadableCrlFileIsAFindingNotACrash) {
    auto o = options();
    o.crl_files = {(dir() / "no-such.crl").string()};
    const auto r = verify(sign_as("bare"), o);
    EXPECT_EQ(r.indication, Indication::indeterminate);
    EXPECT_TRUE(test::has_code(r, "DSIG-CERT-REVOCATION-UNAVAILABLE")) << test::codes(r);
}

}  // namespace
