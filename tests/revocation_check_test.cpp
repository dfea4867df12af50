// CRL and OCSP checks (src/crypto/crl.cpp, ocsp.cpp) on a PKI the openssl CLI makes at test
// time (tests/revocation/make_pki.sh); each status is cross-checked with `openssl verify
// -crl_check` / `openssl ocsp`.
#include "revocation_test_pki.hpp"

#include "crypto/revocation_check.hpp"

#include <gtest/gtest.h>

namespace {

using namespace istmo;
using istmo::test::RevocationPki;
using crypto::RevocationStatus;

crypto::detail::Freshness now_freshness() {
    crypto::detail::Freshness f;
    f.now = std::chrono::system_clock::now();
    f.at = f.now;
    return f;
}

class CrlCheck : public RevocationPki {};
class OcspCheck : public RevocationPki {};

crypto::detail::SourceCheck crl_check(const std::string& crl_file, const crypto::Certificate& cert,
                                      const crypto::Certificate& issuer, std::string* refused = nullptr) {
    auto crl = crypto::detail::parse_crl(test::read_bytes(RevocationPki::file(crl_file)), 1 << 20);
    EXPECT_TRUE(crl) << crl.error().to_string();
    crypto::detail::SourceCheck out;
    if (!crl) return out;
    crypto::detail::StatusProblem problem = crypto::detail::verify_crl(crl->get(), issuer);
    if (!problem.code.empty()) {
        if (refused) *refused = problem.code;
        out.problem = problem;
        return out;
    }
    return crypto::detail::crl_status(crl->get(), cert, now_freshness());
}

TEST_F(CrlCheck, GoodAndRevokedAgreeWithOpensslVerify) {
    for (const std::string crl : {"ca.crl.der", "ca.crl.pem"}) {
        auto good = crl_check(crl, cert("good"), cert("ca"));
        ASSERT_TRUE(good.status) << good.problem.code;
        EXPECT_EQ(good.status->status, RevocationStatus::good);
        EXPECT_EQ(good.status->source, crypto::StatusSource::crl);
        ASSERT_TRUE(good.status->next_update);
        auto revoked = crl_check(crl, cert("revoked"), cert("ca"));
        ASSERT_TRUE(revoked.status) << revoked.problem.code;
        EXPECT_EQ(revoked.status->status, RevocationStatus::revoked);
        EXPECT_EQ(revoked.status->reason, "keyCompromise");
        ASSERT_TRUE(revoked.status->revocation_time);
    }
    EXPECT_TRUE(openssl_verify_crl("good"));
    EXPECT_FALSE(openssl_verify_crl("revoked"));
}

TEST_F(CrlCheck, RefusesACrlOfAnotherCa) {
    std::string code;
    auto other = crl_check("other.crl.der", cert("good"), cert("ca"), &code);
    EXPECT_FALSE(other.status);
    EXPECT_EQ(code, "REV-CRL-BAD-SIGNATURE");  // same issuer name, another key
    auto by_root = crl_check("ca.crl.der", cert("ca"), cert("root"), &code);
    EXPECT_FALSE(by_root.status);
    EXPECT_EQ(code, "REV-CRL-WRONG-ISSUER");
}

TEST_F(CrlCheck, RefusesAnIssuerWithoutCrlSign) {
    std::string code;
    // The CA's CRL checked as if "nosign-ca" had issued it: its name differs, so first the name.
    auto crl = crypto::detail::parse_crl(test::read_bytes(file("ca.crl.der")), 1 << 20);
    ASSERT_TRUE(crl);
    EXPECT_EQ(crypto::detail::verify_crl(crl->get(), cert("nosign-ca")).code, "REV-CRL-WRONG-ISSUER");
}

TEST_F(CrlCheck, StaleDeltaTooLargeAndGarbage) {
    auto stale = crl_check("stale.crl.der", cert("good"), cert("ca"));
    EXPECT_FALSE(stale.status);
    EXPECT_EQ(stale.problem.code, "REV-CRL-STALE");
    std::string code;
    crl_check("delta.crl.der", cert("good"), cert("ca"), &code);
    EXPECT_EQ(code, "REV-CRL-DELTA-UNSUPPORTED");
    const auto bytes = test::read_bytes(file("ca.crl.der"));
    auto small = crypto::detail::parse_crl(bytes, bytes.size() - 1);
    ASSERT_FALSE(small);
    EXPECT_EQ(small.error().code, Errc::limit_exceeded);
    const std::vector<std::uint8_t> garbage = {0x30, 0x03, 0x02, 0x01, 0x01, 0xff};
    EXPECT_FALSE(crypto::detail::parse_crl(garbage, 1 << 20));
}

TEST_F(CrlCheck, StaleForTheTimeItIsJudgedAt) {
    auto crl = crypto::detail::parse_crl(test::read_bytes(file("stale.crl.der")), 1 << 20);
    ASSERT_TRUE(crl);
    crypto::detail::Freshness then = now_freshness();
    then.at = crypto::TimePoint(std::chrono::seconds(1578096000));  // 2020-01-04, inside its window
    auto check = crypto::detail::crl_status(crl->get(), cert("good"), then);
    ASSERT_TRUE(check.status) << check.problem.code;
    EXPECT_EQ(check.status->status, RevocationStatus::good);
}

crypto::detail::SourceCheck ocsp(const std::string& name, const std::string& leaf) {
    return crypto::detail::check_ocsp_response(test::read_bytes(RevocationPki::file(name + ".ocsp")),
                                               RevocationPki::cert(leaf), RevocationPki::cert("ca"), nullptr,
                                               now_freshness());
}

TEST_F(OcspCheck, GoodRevokedUnknownAgreeWithOpensslOcsp) {
    const std::pair<const char*, RevocationStatus> cases[] = {
        {"good", RevocationStatus::good}, {"revoked", RevocationStatus::revoked}, {"unknown", RevocationStatus::unknown}};
    for (const auto& [name, expected] : cases) {
        auto check = ocsp(name, name);
        ASSERT_TRUE(check.status) << name << ": " << check.problem.code;
        EXPECT_EQ(check.status->status, expected) << name;
        EXPECT_EQ(check.status->source, crypto::StatusSource::ocsp);
        EXPECT_FALSE(check.responder_to_check);
        EXPECT_EQ(openssl_ocsp_status(name, name), std::string(crypto::revocation_status_name(expected))) << name;
    }
    EXPECT_EQ(ocsp("revoked", "revoked").status->reason, "keyCompromise");
    ASSERT_TRUE(ocsp("good-sha1", "good").status);  // a SHA-1 CertID is matched with SHA-1
    EXPECT_EQ(openssl_ocsp_status("good-sha1", "good", "-sha1"), "good");
}

TEST_F(OcspCheck, DelegatedResponders) {
    auto nocheck = ocsp("good-by-responder", "good");
    ASSERT_TRUE(nocheck.status) << nocheck.problem.code;
    EXPECT_FALSE(nocheck.responder_to_check);  // id-pkix-ocsp-nocheck
    auto check = ocsp("good-by-responder-check", "good");
    ASSERT_TRUE(check.status) << check.problem.code;
    ASSERT_TRUE(check.responder_to_check);  // its own status must be checked by the caller
    EXPECT_EQ(check.responder_to_check->subject(), cert("responder-check").subject());
    EXPECT_EQ(openssl_ocsp_status("good-by-responder", "good"), "good");
}

TEST_F(OcspCheck, RefusesUnauthorizedSignersAndOtherCertificates) {
    auto plain = ocsp("good-by-plain", "good");  // issued by the CA, but no id-kp-OCSPSigning
    EXPECT_FALSE(plain.status);
    EXPECT_EQ(plain.problem.code, "REV-OCSP-UNAUTHORIZED-RESPONDER");
    auto other = ocsp("good-by-other", "good");  // the CA's name, another key
    EXPECT_FALSE(other.status);
    EXPECT_EQ(other.problem.code, "REV-OCSP-BAD-SIGNATURE");
    EXPECT_EQ(openssl_ocsp_status("good-by-other", "good"), "");  // openssl refuses it too
    auto wrong = ocsp("good", "revoked");  // answers for another certificate
    EXPECT_FALSE(wrong.status);
    EXPECT_EQ(wrong.problem.code, "REV-OCSP-WRONG-CERTID");
    std::vector<std::uint8_t> garbage = test::read_bytes(file("good.ocsp"));
    garbage.resize(garbage.size() / 2);
    EXPECT_EQ(crypto::detail::check_ocsp_response(garbage, cert("good"), cert("ca"), nullptr, now_freshness()).problem.code,
              "REV-OCSP-UNREADABLE");
    // One digit of the signed thisUpdate changed (the first GeneralizedTime: tag 0x18, length 15).
    std::vector<std::uint8_t> tampered = test::read_bytes(file("good.ocsp"));
    std::size_t at = 0;
    while (at + 2 < tampered.size() && !(tampered[at] == 0x18 && tampered[at + 1] == 0x0f)) ++at;
    ASSERT_LT(at + 10, tampered.size());
    tampered[at + 2 + 9] = tampered[at + 2 + 9] == '0' ? '1' : '0';
    EXPECT_FALSE(crypto::detail::check_ocsp_response(tampered, cert("good"), cert("ca"), nullptr, now_freshness()).status);
}

TEST_F(OcspCheck, NonceIsCheckedWhenSent) {
    const auto request_der = test::read_bytes(file("good-nonce.req"));
    const unsigned char* p = request_der.data();
    crypto::detail::OcspRequestPtr sent(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(request_der.size())));
    ASSERT_TRUE(sent);
    const auto response = test::read_bytes(file("good-nonce.ocsp"));
    auto same = crypto::detail::check_ocsp_response(response, cert("good"), cert("ca"), sent.get(), now_freshness());
    ASSERT_TRUE(same.status) << same.problem.code;
    // Another request of ours (another random nonce) does not match the response's nonce.
    auto ours = crypto::detail::make_ocsp_request(cert("good"), cert("ca"), crypto::DigestAlg::sha256, true);
    ASSERT_TRUE(ours);
    auto mismatch = crypto::detail::check_ocsp_response(response, cert("good"), cert("ca"), ours->request.get(), now_freshness());
    EXPECT_FALSE(mismatch.status);
    EXPECT_EQ(mismatch.problem.code, "REV-OCSP-NONCE-MISMATCH");
}

TEST_F(OcspCheck, FreshnessAgainstTheValidationTime) {
    crypto::detail::Freshness later = now_freshness();
    later.at = later.now + std::chrono::hours(24 * 30);  // past the 7-day nextUpdate
    auto stale = crypto::detail::check_ocsp_response(test::read_bytes(file("good.ocsp")), cert("good"), cert("ca"),
                                                     nullptr, later);
    EXPECT_EQ(stale.problem.code, "REV-OCSP-STALE");
    crypto::detail::Freshness early = now_freshness();
    early.now -= std::chrono::hours(48);  // our clock 2 days behind (the PKI is at most a day old)
    auto future = crypto::detail::check_ocsp_response(test::read_bytes(file("good.ocsp")), cert("good"), cert("ca"),
                                                      nullptr, early);
    EXPECT_EQ(future.problem.code, "REV-OCSP-NOT-YET-VALID");
}

TEST_F(OcspCheck, RequestsCarryTheCertIdOpensslExpects) {
    auto request = crypto::detail::make_ocsp_request(cert("good"), cert("ca"), crypto::DigestAlg::sha256, false);
    ASSERT_TRUE(request);
    const auto path = dir() / "ours.req";
    test::write_file(path, std::string(request->der.begin(), request->der.end()));
    const auto text = test::run_command("openssl ocsp -reqin " + test::shell_quote(path) + " -req_text");
    EXPECT_NE(text.output.find("Hash Algorithm: sha256"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("Serial Number: " + cert("good").serial_hex()), std::string::npos) << text.output;
}

TEST_F(OcspCheck, PublishedUrls) {
    EXPECT_EQ(crypto::detail::ocsp_urls(cert("good")), std::vector<std::string>{"http://127.0.0.1:9/ocsp"});
    EXPECT_EQ(crypto::detail::crl_distribution_urls(cert("good")), std::vector<std::string>{"http://127.0.0.1:9/ca.crl"});
    EXPECT_TRUE(crypto::detail::ocsp_urls(cert("bare")).empty());
    EXPECT_TRUE(crypto::detail::crl_distribution_urls(cert("bare")).empty());
}

}  // namespace
