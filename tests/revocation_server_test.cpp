// The loopback revocation server and its PKI (tests/servers/) through istmo::net::HttpClient,
// every answer checked with the openssl CLI; and the concurrency proof: many threads
// on one FetchCache + HttpClient cause one download of a CRL (counted by the server).
#include <istmo/net/http.hpp>

#include "test_support.hpp"
#include "test_support/revocation_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

namespace istmo {
namespace {

using namespace std::chrono_literals;
using test::RevocationServer;
using test::shell_quote;
using SteadyClock = std::chrono::steady_clock;
using SysClock = std::chrono::system_clock;

class RevocationServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        ISTMO_SKIP_WITHOUT_REVOCATION_SERVER();
        server = std::make_unique<RevocationServer>();
    }

    static net::HttpClient client(net::HttpOptions options = {}) {
        if (options.retries == net::HttpOptions{}.retries) options.retries = 0;
        auto c = net::HttpClient::create(std::move(options));
        if (!c) throw std::runtime_error(c.error().to_string());
        return std::move(*c);
    }

    // A DER OCSP request for certificate `stem` (issuer: ca), with a nonce, made by openssl.
    std::vector<std::uint8_t> ocsp_request(const std::string& stem) const {
        const auto out = server->file(stem + ".req.der");
        const auto r = test::run_command("openssl ocsp -issuer " + shell_quote(server->file("ca.cert.pem")) + " -cert " +
                                         shell_quote(server->file(stem + ".cert.pem")) + " -reqout " + shell_quote(out));
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return test::read_bytes(out);
    }

    // What `openssl ocsp -respin` says of a response to the request for `stem`: first against
    // the request sent (signature, responder, nonce), then about `stem`'s status (given
    // -issuer/-cert, openssl builds a request of its own, so the nonce is not compared there).
    std::string openssl_ocsp_check(const std::string& stem, const std::vector<std::uint8_t>& response) const {
        const auto resp = server->file(stem + ".resp.der");
        test::write_file(resp, std::string(response.begin(), response.end()));
        const std::string common = "openssl ocsp -respin " + shell_quote(resp) + " -CAfile " +
                                   shell_quote(server->file("root.cert.pem")) + " -verify_other " +
                                   shell_quote(server->file("chain.pem"));
        const auto against_request = test::run_command(common + " -reqin " + shell_quote(server->file(stem + ".req.der")));
        const auto status = test::run_command(common + " -no_nonce -issuer " + shell_quote(server->file("ca.cert.pem")) +
                                              " -cert " + shell_quote(server->file(stem + ".cert.pem")));
        return against_request.output + "\n" + status.output;
    }

    Result<net::HttpResponse> post_ocsp(const net::HttpClient& c, const std::string& url, const std::string& stem) const {
        return c.post(url, ocsp_request(stem), "application/ocsp-request");
    }

    std::unique_ptr<RevocationServer> server;
};

TEST_F(RevocationServerTest, CrlIsServedAndSaysWhatOpensslSays) {
    const auto c = client();
    auto r = c.get(server->crl_url("ca"));
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->content_type, "application/pkix-crl");
    EXPECT_EQ(r->body, test::read_bytes(server->file("ca.crl")));
    EXPECT_EQ(server->count("/ca.crl"), 1);

    // The CRL fetched over HTTP, checked by openssl: revoked is on it, good is not.
    const auto fetched = server->file("fetched.crl");
    test::write_file(fetched, std::string(r->body.begin(), r->body.end()));
    const auto verify = [&](const std::string& stem) {
        return test::run_command("openssl verify -crl_check -CAfile " + shell_quote(server->file("root.cert.pem")) +
                                 " -untrusted " + shell_quote(server->file("ca.cert.pem")) + " -CRLfile " +
                                 shell_quote(fetched) + " " + shell_quote(server->file(stem + ".cert.pem")));
    };
    EXPECT_EQ(verify("good").exit_code, 0) << verify("good").output;
    const auto revoked = verify("revoked");
    EXPECT_NE(revoked.exit_code, 0);
    EXPECT_NE(revoked.output.find("certificate revoked"), std::string::npos) << revoked.output;

    // The certificates point at this server.
    const auto text = test::run_command("openssl x509 -noout -text -in " + shell_quote(server->file("good.cert.pem")));
    EXPECT_NE(text.output.find("URI:" + server->crl_url("ca")), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("OCSP - URI:" + server->ocsp_url("ca")), std::string::npos) << text.output;
}

TEST_F(RevocationServerTest, OcspPostIsAnsweredGoodRevokedUnknown) {
    const auto c = client();
    for (const std::string stem : {"good", "revoked", "unknown"}) {
        auto r = post_ocsp(c, server->ocsp_url("ca"), stem);
        ASSERT_TRUE(r) << r.error().to_string();
        EXPECT_EQ(r->status, 200);
        EXPECT_EQ(r->content_type, "application/ocsp-response");
        const std::string said = openssl_ocsp_check(stem, r->body);
        EXPECT_NE(said.find("Response verify OK"), std::string::npos) << said;
        EXPECT_NE(said.find(stem + ".cert.pem: " + stem), std::string::npos) << said;  // nonce checked too
    }
    EXPECT_EQ(server->count("/ocsp/ca"), 3);
}

TEST_F(RevocationServerTest, TransportFaultsAreTheRightErrorWithinTheDeadline) {
    net::HttpOptions options;
    options.request_timeout = 700ms;
    options.max_response_bytes = 1 << 20;
    const auto c = client(options);

    auto down = c.get(server->fault_url("down", "/ca.crl"));
    ASSERT_FALSE(down);
    EXPECT_EQ(down.error().code, Errc::unavailable) << down.error().to_string();

    const auto start = SteadyClock::now();
    auto slow = c.get(server->fault_url("slow=3", "/ca.crl"));
    ASSERT_FALSE(slow);
    EXPECT_EQ(slow.error().code, Errc::deadline_exceeded) << slow.error().to_string();
    EXPECT_LT(SteadyClock::now() - start, 2500ms);

    auto failed = c.get(server->fault_url("http500", "/ca.crl"));
    ASSERT_TRUE(failed) << failed.error().to_string();
    EXPECT_EQ(failed->status, 500);

    auto garbage = post_ocsp(c, server->fault_url("garbage", "/ocsp/ca"), "good");
    ASSERT_TRUE(garbage) << garbage.error().to_string();
    EXPECT_EQ(garbage->status, 200);
    EXPECT_NE(openssl_ocsp_check("good", garbage->body).find("Error"), std::string::npos);

    auto big = c.get(server->fault_url("oversized=3000000", "/ca.crl"));
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().code, Errc::limit_exceeded) << big.error().to_string();

    // The oversized CRL of the PKI (a real CRL) against a smaller cap.
    net::HttpOptions small = options;
    small.max_response_bytes = 64 * 1024;
    auto big_crl = client(small).get(server->crl_url("ca-big"));
    ASSERT_FALSE(big_crl);
    EXPECT_EQ(big_crl.error().code, Errc::limit_exceeded);

    auto fixed = c.get(server->fault_url("file=ca-stale.crl", "/ca.crl"));
    ASSERT_TRUE(fixed) << fixed.error().to_string();
    EXPECT_EQ(fixed->body, test::read_bytes(server->file("ca-stale.crl")));
}

TEST_F(RevocationServerTest, OcspFaultModesAreWhatOpensslReports) {
    const auto c = client();
    struct Case {
        const char* mode;
        const char* openssl_says;
    };
    for (const Case& k : {Case{"wrongkey", "Response Verify Failure"}, Case{"wrongid", "No Status found"},
                          Case{"nonce-mismatch", "Nonce Verify error"},
                          Case{"signer=responder-check", "good.cert.pem: good"},
                          Case{"signer=ca", "good.cert.pem: good"}}) {
        auto r = post_ocsp(c, server->fault_url(k.mode, "/ocsp/ca"), "good");
        ASSERT_TRUE(r) << k.mode << ": " << r.error().to_string();
        EXPECT_EQ(r->status, 200) << k.mode;
        const std::string said = openssl_ocsp_check("good", r->body);
        EXPECT_NE(said.find(k.openssl_says), std::string::npos) << k.mode << ":\n" << said;
    }
    if (!test::have_tool("faketime")) GTEST_SKIP() << "faketime is not installed: the stale OCSP mode did not run";
    auto stale = post_ocsp(c, server->fault_url("stale", "/ocsp/ca"), "good");
    ASSERT_TRUE(stale) << stale.error().to_string();
    const std::string said = openssl_ocsp_check("good", stale->body);
    EXPECT_NE(said.find("Status times invalid"), std::string::npos) << said;
}

TEST_F(RevocationServerTest, ModeSetForOnePathAppliesToThatPathOnly) {
    const auto c = client();
    server->set_mode("http500", "/ca.crl");
    auto failing = c.get(server->crl_url("ca"));
    auto other = c.get(server->crl_url("root"));
    ASSERT_TRUE(failing && other);
    EXPECT_EQ(failing->status, 500);
    EXPECT_EQ(other->status, 200);
    server->set_mode("ok", "/ca.crl");
    auto back = c.get(server->crl_url("ca"));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->status, 200);
    EXPECT_EQ(server->count("/ca.crl"), 2);
    server->reset();
    EXPECT_EQ(server->count("/ca.crl"), 0);
}

TEST_F(RevocationServerTest, StopsCleanlyOnSigtermAndIsThenRefused) {
    const auto c = client();
    ASSERT_TRUE(c.get(server->crl_url("ca")));
    EXPECT_EQ(server->stop(), 0);
    auto refused = c.get(server->crl_url("ca"));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::unavailable) << refused.error().to_string();
}

TEST_F(RevocationServerTest, OcspGetWithTheRequestInThePathIsAnswered) {
    // RFC 6960 A.1: GET {url}/{url-encoding of base-64 encoding of the DER OCSPRequest}.
    ASSERT_FALSE(ocsp_request("revoked").empty());
    const auto b64 = test::run_command("base64 -w0 " + shell_quote(server->file("revoked.req.der")));
    ASSERT_EQ(b64.exit_code, 0);
    std::string encoded;
    for (const char ch : b64.output) {
        if (ch == '+') encoded += "%2B";
        else if (ch == '/') encoded += "%2F";
        else if (ch == '=') encoded += "%3D";
        else if (ch != '\n') encoded += ch;
    }
    auto r = client().get(server->ocsp_url("ca") + "/" + encoded);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->status, 200);
    const std::string said = openssl_ocsp_check("revoked", r->body);
    EXPECT_NE(said.find("Response verify OK"), std::string::npos) << said;
    EXPECT_NE(said.find("revoked.cert.pem: revoked"), std::string::npos) << said;
    EXPECT_EQ(server->count("/ocsp/ca"), 0);
    EXPECT_EQ(server->count_prefix("/ocsp/ca"), 1);
}

// The concurrency requirement, at the transport level: 64 threads asking one
// FetchCache for one CRL URL (the server holds the answer back 0.5 s, so they all arrive while
// the download is in flight) make ONE request; without the cache the same threads make 64.
TEST_F(RevocationServerTest, SixtyFourThreadsOneCacheOneDownload) {
    const auto c = client();
    const std::string url = server->crl_url("ca");
    constexpr int kThreads = 64;
    const auto run_threads = [&](const std::function<bool()>& work) {
        std::atomic<int> ready{0};
        std::atomic<int> good{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back([&] {
                ++ready;
                while (ready.load() < kThreads) std::this_thread::yield();
                if (work()) ++good;
            });
        }
        for (auto& t : threads) t.join();
        return good.load();
    };

    server->set_mode("slow=0.5", "/ca.crl");
    net::FetchCache cache({});
    const auto expected = test::read_bytes(server->file("ca.crl"));
    const int cached_ok = run_threads([&] {
        auto r = cache.get_or_fetch(url, SysClock::now(), [&]() -> Result<net::CachedBody> {
            auto got = c.get(url);
            if (!got) return std::move(got).error();
            if (!got->ok()) return make_error(Errc::unavailable, "HTTP " + std::to_string(got->status));
            return net::CachedBody{std::move(got->body), SysClock::now() + 1h};
        });
        return r && r->body == expected;
    });
    EXPECT_EQ(cached_ok, kThreads);
    EXPECT_EQ(server->count("/ca.crl"), 1);
    const auto stats = cache.stats();
    EXPECT_EQ(stats.fetches, 1u);
    EXPECT_EQ(stats.hits + stats.waits, static_cast<std::uint64_t>(kThreads - 1));
    EXPECT_GT(stats.waits, 0u);

    // The control: the counter counts every request.
    server->set_mode("ok", "/ca.crl");
    server->reset();
    const int direct_ok = run_threads([&] {
        auto r = c.get(url);
        return r && r->ok();
    });
    EXPECT_EQ(direct_ok, kThreads);
    EXPECT_EQ(server->count("/ca.crl"), kThreads);
}

}  // namespace
}  // namespace istmo
