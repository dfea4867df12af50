// RevocationChecker fetching from the loopback CRL + OCSP server (tests/servers/): good, revoked
// and unknown via OCSP and via CRL, a delegated responder, each fault mode ending in its
// finding within the deadline, and one fetch for many threads.
#include "test_support/revocation_server.hpp"

#include <istmo/crypto/revocation.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace {

using namespace istmo;
using crypto::RevocationStatus;
using test::RevocationServer;

class RevocationLoopback : public ::testing::Test {
protected:
    void SetUp() override {
        ISTMO_SKIP_WITHOUT_REVOCATION_SERVER();
        server = std::make_unique<RevocationServer>();
    }
    crypto::Certificate cert(const std::string& stem) const {
        auto c = crypto::Certificate::from_file(server->file(stem + ".cert.pem").string());
        if (!c) throw std::runtime_error(c.error().to_string());
        return *c;
    }
    std::shared_ptr<const crypto::RevocationChecker> checker(crypto::RevocationOptions o = {}) const {
        o.fetch_timeout = std::chrono::milliseconds(1500);
        auto made = crypto::RevocationChecker::create(std::move(o));
        EXPECT_TRUE(made) << made.error().to_string();
        return *made;
    }
    crypto::CertificateStatus leaf_status(const std::shared_ptr<const crypto::RevocationChecker>& c,
                                          const std::string& stem, const std::string& ca = "ca") const {
        return c->status(cert(stem), cert(ca), std::chrono::system_clock::now());
    }
    std::unique_ptr<RevocationServer> server;
};

TEST_F(RevocationLoopback, GoodRevokedUnknownViaOcsp) {
    auto c = checker();
    const auto good = leaf_status(c, "good");
    EXPECT_EQ(good.status, RevocationStatus::good) << good.code << " " << good.message;
    EXPECT_EQ(good.source, crypto::StatusSource::ocsp);
    const auto revoked = leaf_status(c, "revoked");
    EXPECT_EQ(revoked.status, RevocationStatus::revoked) << revoked.code;
    EXPECT_EQ(revoked.reason, "keyCompromise");
    server->set_mode("http500", "/ca.crl");  // OCSP only: unknown stays unknown
    const auto unknown = leaf_status(c, "unknown");
    EXPECT_EQ(unknown.status, RevocationStatus::unknown) << unknown.code;
    EXPECT_EQ(unknown.code, "REV-STATUS-UNKNOWN");
    EXPECT_GE(server->count_prefix("/ocsp/ca"), 3);
}

TEST_F(RevocationLoopback, GoodAndRevokedViaCrlWhenTheResponderIsDown) {
    server->set_mode("down", "/ocsp/ca");
    auto c = checker();
    const auto good = leaf_status(c, "good");
    EXPECT_EQ(good.status, RevocationStatus::good) << good.code << " " << good.message;
    EXPECT_EQ(good.source, crypto::StatusSource::crl);
    const auto revoked = leaf_status(c, "revoked");
    EXPECT_EQ(revoked.status, RevocationStatus::revoked) << revoked.code;
    EXPECT_EQ(revoked.source, crypto::StatusSource::crl);
    EXPECT_EQ(server->count("/ca.crl"), 1);  // cached until its nextUpdate
}

TEST_F(RevocationLoopback, DelegatedResponderWithoutNocheckIsCheckedByCrl) {
    server->set_mode("signer=responder-check", "/ocsp/ca");
    const auto s = leaf_status(checker(), "good");
    EXPECT_EQ(s.status, RevocationStatus::good) << s.code << " " << s.message;
    EXPECT_EQ(s.source, crypto::StatusSource::ocsp);
    EXPECT_GE(server->count("/ca.crl"), 1);  // the responder's own status
}

struct Fault {
    const char* ocsp_mode;  // on /ocsp/ca (empty: down)
    const char* crl_mode;   // on /ca.crl (empty: down)
    const char* code;
};

TEST_F(RevocationLoopback, EachFaultEndsInItsFindingWithinTheDeadline) {
    const Fault faults[] = {
        {"down", "down", "REV-FETCH-FAILED"},
        {"slow=20", "slow=20", "REV-FETCH-FAILED"},
        {"http500", "http500", "REV-FETCH-FAILED"},
        {"garbage", "down", "REV-OCSP-UNREADABLE"},
        {"wrongkey", "down", "REV-OCSP-UNAUTHORIZED-RESPONDER"},
        {"wrongid", "down", "REV-OCSP-WRONG-CERTID"},
        {"nonce-mismatch", "down", "REV-OCSP-NONCE-MISMATCH"},
        {"down", "file=ca-stale.crl", "REV-CRL-STALE"},
        {"down", "file=ca-by-other.crl", "REV-CRL-BAD-SIGNATURE"},
        {"down", "file=other.crl", "REV-CRL-WRONG-ISSUER"},
        {"down", "garbage", "REV-CRL-UNREADABLE"},
        {"down", "file=ca-big.crl", "REV-RESPONSE-TOO-LARGE"},
    };
    for (const Fault& f : faults) {
        server->reset();
        server->set_mode(f.ocsp_mode, "/ocsp/ca");
        server->set_mode(f.crl_mode, "/ca.crl");
        crypto::RevocationOptions o;
        o.max_crl_bytes = 100 * 1024;  // ca-big.crl is about 135 KB
        const auto started = std::chrono::steady_clock::now();
        const auto s = leaf_status(checker(o), "good");
        const auto took = std::chrono::steady_clock::now() - started;
        EXPECT_EQ(s.status, RevocationStatus::not_checked) << f.ocsp_mode << " / " << f.crl_mode;
        EXPECT_TRUE(s.required);
        EXPECT_EQ(s.code, f.code) << f.ocsp_mode << " / " << f.crl_mode << ": " << s.message;
        EXPECT_FALSE(s.message_es.empty());
        // Two fetches of at most the deadline each (1.5 s): never the server's 20 s.
        EXPECT_LT(took, std::chrono::seconds(10)) << f.ocsp_mode << " / " << f.crl_mode;
    }
}

TEST_F(RevocationLoopback, OfflineNeverFetchesAndNonHttpUrlsAreNotFetched) {
    crypto::RevocationOptions o;
    o.offline = true;
    const auto s = leaf_status(checker(o), "good");
    EXPECT_EQ(s.status, RevocationStatus::not_checked);
    EXPECT_EQ(s.code, "REV-UNAVAILABLE");
    EXPECT_EQ(server->count_prefix("/"), 0);
}

TEST_F(RevocationLoopback, ManyThreadsOneFetch) {
    auto c = checker();
    const auto good = cert("good");
    const auto ca = cert("ca");
    std::atomic<int> goods{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 20; ++i)
                if (c->status(good, ca, std::chrono::system_clock::now()).status == RevocationStatus::good) ++goods;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(goods.load(), 16 * 20);
    EXPECT_EQ(server->count("/ocsp/ca"), 1);
    EXPECT_EQ(c->stats().fetches, 1u);
}

TEST_F(RevocationLoopback, CacheDirSurvivesTheChecker) {
    test::TempDir cache;
    crypto::RevocationOptions o;
    o.cache_dir = cache.path().string();
    EXPECT_EQ(leaf_status(checker(o), "good").status, RevocationStatus::good);
    EXPECT_EQ(leaf_status(checker(o), "good").status, RevocationStatus::good);  // a new checker
    EXPECT_EQ(server->count("/ocsp/ca"), 1);
}

}  // namespace
