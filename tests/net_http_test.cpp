// net::HttpClient against a scripted loopback server, and net::FetchCache (expiry, persistence
// across instances, single flight).
#include <istmo/net/http.hpp>

#include "net/net_internal.hpp"
#include "net_test_server.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

namespace istmo {
namespace {

using namespace std::chrono_literals;
using test::http_reply;
using test::ScriptedHttpServer;
using test::ScriptedRequest;
using SteadyClock = std::chrono::steady_clock;
using SysClock = std::chrono::system_clock;

net::HttpClient make_client(net::HttpOptions options = {}) {
    if (options.connect_timeout == net::HttpOptions{}.connect_timeout) options.connect_timeout = 2s;
    options.backoff = std::min<std::chrono::milliseconds>(options.backoff, 20ms);
    auto client = net::HttpClient::create(std::move(options));
    if (!client) throw std::runtime_error(client.error().to_string());
    return std::move(*client);
}

std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }
std::string text(const std::vector<std::uint8_t>& b) { return {b.begin(), b.end()}; }

TEST(NetHttp, GetReturnsBodyStatusAndContentType) {
    ScriptedHttpServer server([](const ScriptedRequest& r) {
        return r.request_line() == "GET /ca.crl HTTP/1.1" ? http_reply(200, "CRLBYTES", {}, "application/pkix-crl")
                                                          : http_reply(404, "no");
    });
    const auto client = make_client();
    auto r = client.get(server.url("/ca.crl"));
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(r->ok());
    EXPECT_EQ(r->content_type, "application/pkix-crl");
    EXPECT_EQ(text(r->body), "CRLBYTES");
    EXPECT_EQ(r->attempts, 1);
    EXPECT_FALSE(r->retry_after);
}

TEST(NetHttp, PostSendsBodyContentTypeAndBasicAuth) {
    ScriptedHttpServer server([](const ScriptedRequest& r) { return http_reply(200, "echo:" + r.body); });
    net::HttpOptions options;
    options.user = "ana";
    options.password = "s3cret";
    const auto client = make_client(options);
    auto r = client.post(server.url("/ocsp/ca"), bytes("REQ\x01\x02"), "application/ocsp-request");
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(text(r->body), "echo:REQ\x01\x02");
    const auto seen = server.seen();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].request_line(), "POST /ocsp/ca HTTP/1.1");
    EXPECT_EQ(seen[0].header("content-type"), "application/ocsp-request");
    EXPECT_EQ(seen[0].header("authorization"), "Basic YW5hOnMzY3JldA==");  // base64("ana:s3cret")
    EXPECT_EQ(seen[0].header("host"), "127.0.0.1:" + server.url().substr(17, server.url().size() - 18));
}

TEST(NetHttp, ExecuteTakesPerCallRetriesAcceptAndDeadline) {
    ScriptedHttpServer server([](const ScriptedRequest& r) {
        if (r.request_line().find("/slow") != std::string::npos) std::this_thread::sleep_for(1000ms);
        return http_reply(503, r.header("accept"));
    });
    const auto client = make_client();  // 2 retries by default
    net::HttpRequest request;
    request.url = server.url("/ocsp");
    request.accept = "application/ocsp-response";
    request.retries = 0;
    auto r = client.execute(request);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->attempts, 1);
    EXPECT_EQ(text(r->body), "application/ocsp-response");

    net::HttpRequest slow;
    slow.url = server.url("/slow");
    slow.deadline = SteadyClock::now() + 300ms;
    const auto start = SteadyClock::now();
    auto late = client.execute(slow);
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().code, Errc::deadline_exceeded) << late.error().to_string();
    EXPECT_LT(SteadyClock::now() - start, 900ms);
}

TEST(NetHttp, SlowServerEndsInDeadlineExceededWithinTheDeadline) {
    ScriptedHttpServer server([](const ScriptedRequest&) {
        std::this_thread::sleep_for(1500ms);
        return http_reply(200, "late");
    });
    net::HttpOptions options;
    options.request_timeout = 300ms;
    options.retries = 0;
    const auto client = make_client(options);
    const auto start = SteadyClock::now();
    auto r = client.get(server.url());
    const auto elapsed = SteadyClock::now() - start;
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::deadline_exceeded) << r.error().to_string();
    EXPECT_LT(elapsed, 1200ms);
}

TEST(NetHttp, TotalTimeoutBoundsTheRetries) {
    ScriptedHttpServer server([](const ScriptedRequest&) {
        std::this_thread::sleep_for(1000ms);
        return http_reply(200, "late");
    });
    net::HttpOptions options;
    options.request_timeout = 300ms;
    options.total_timeout = 500ms;
    options.retries = 5;
    const auto client = make_client(options);
    const auto start = SteadyClock::now();
    auto r = client.get(server.url());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::deadline_exceeded) << r.error().to_string();
    EXPECT_LT(SteadyClock::now() - start, 1000ms);
    EXPECT_LE(server.requests(), 2);
}

TEST(NetHttp, ResponseOverTheSizeCapIsLimitExceeded) {
    ScriptedHttpServer server([](const ScriptedRequest& r) {
        if (r.request_line().find("/chunked") != std::string::npos) {
            std::string chunks = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
            for (int i = 0; i < 4; ++i) chunks += "200\r\n" + std::string(0x200, 'c') + "\r\n";
            return chunks + "0\r\n\r\n";
        }
        return http_reply(200, std::string(2000, 'x'));
    });
    net::HttpOptions options;
    options.max_response_bytes = 1000;
    const auto client = make_client(options);
    for (const char* path : {"/declared", "/chunked"}) {
        auto r = client.get(server.url(path));
        ASSERT_FALSE(r) << path;
        EXPECT_EQ(r.error().code, Errc::limit_exceeded) << r.error().to_string();
    }
    EXPECT_EQ(server.requests(), 2);  // not retried
}

TEST(NetHttp, Http500IsRetriedThenReturnedWithItsStatus) {
    ScriptedHttpServer server([](const ScriptedRequest&) { return http_reply(500, "boom"); });
    net::HttpOptions options;
    options.retries = 2;
    const auto client = make_client(options);
    auto r = client.get(server.url());
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->status, 500);
    EXPECT_FALSE(r->ok());
    EXPECT_EQ(r->attempts, 3);
    EXPECT_EQ(server.requests(), 3);
}

TEST(NetHttp, Http500ThenSuccessCountsBothAttempts) {
    ScriptedHttpServer server([](const ScriptedRequest& r) {
        return r.index == 0 ? http_reply(500, "boom") : http_reply(200, "fine");
    });
    const auto client = make_client();
    auto r = client.get(server.url());
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->attempts, 2);
}

TEST(NetHttp, Http404IsNotRetried) {
    ScriptedHttpServer server([](const ScriptedRequest&) { return http_reply(404, "gone"); });
    const auto client = make_client();
    auto r = client.get(server.url());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(r->attempts, 1);
    EXPECT_EQ(server.requests(), 1);
}

TEST(NetHttp, RetryAfterSecondsIsWaitedFor) {
    ScriptedHttpServer server([](const ScriptedRequest& r) {
        return r.index == 0 ? http_reply(503, "busy", "Retry-After: 1\r\n") : http_reply(200, "fine");
    });
    const auto client = make_client();
    const auto start = SteadyClock::now();
    auto r = client.get(server.url());
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->attempts, 2);
    EXPECT_GE(SteadyClock::now() - start, 900ms);  // the 20 ms backoff was replaced by 1 s
}

TEST(NetHttp, RetryAfterBeyondTheLimitIsReturnedAtOnce) {
    const std::string date = "Retry-After: Fri, 31 Dec 2100 23:59:59 GMT\r\n";
    ScriptedHttpServer server([&](const ScriptedRequest& r) {
        return r.request_line().find("/date") != std::string::npos ? http_reply(429, "later", date)
                                                                    : http_reply(503, "later", "Retry-After: 120\r\n");
    });
    net::HttpOptions options;
    options.max_retry_after = 10s;
    const auto client = make_client(options);
    const auto before = SysClock::now();
    auto r = client.get(server.url("/seconds"));
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->attempts, 1);
    ASSERT_TRUE(r->retry_after);
    EXPECT_GE(*r->retry_after, before + 119s);
    EXPECT_LE(*r->retry_after, SysClock::now() + 121s);

    auto d = client.get(server.url("/date"));
    ASSERT_TRUE(d) << d.error().to_string();
    EXPECT_EQ(d->status, 429);
    EXPECT_EQ(d->attempts, 1);
    ASSERT_TRUE(d->retry_after);
    EXPECT_EQ(SysClock::to_time_t(*d->retry_after), 4133980799);  // 2100-12-31T23:59:59Z, to the second
}

TEST(NetHttp, RedirectIsReportedNotFollowed) {
    ScriptedHttpServer server([](const ScriptedRequest& r) {
        return r.request_line().find("/old") != std::string::npos ? http_reply(302, "", "Location: /new\r\n")
                                                                   : http_reply(200, "new place");
    });
    const auto client = make_client();
    auto r = client.get(server.url("/old"));
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->status, 302);
    EXPECT_EQ(r->location, "/new");
    EXPECT_EQ(r->attempts, 1);
    EXPECT_EQ(server.requests(), 1);
    auto url = net::detail::parse_url(server.url("/old"));
    ASSERT_TRUE(url);
    EXPECT_EQ(net::detail::absolute_location(*url, r->location), server.url("/new"));
}

TEST(NetHttp, ConnectionClosedOrRefusedIsUnavailable) {
    ScriptedHttpServer server([](const ScriptedRequest&) { return std::string(); });  // closes
    net::HttpOptions options;
    options.retries = 1;
    const auto client = make_client(options);
    auto r = client.get(server.url());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::unavailable) << r.error().to_string();
    EXPECT_EQ(server.requests(), 2);  // retried once

    // A port nobody listens on: bind one, then close it.
    std::string dead_url;
    { ScriptedHttpServer gone([](const ScriptedRequest&) { return std::string(); }); dead_url = gone.url(); }
    auto refused = client.get(dead_url);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::unavailable) << refused.error().to_string();
}

TEST(NetHttp, BadUrlsAndOptionsAreInvalidArgument) {
    const auto client = make_client();
    for (const char* url : {"ftp://x/", "ldap://ldap.example/cn=ca", "http://", "http://h:0/", "http://h:99999/",
                            "http://user:pw@h/", "http://h/a b"}) {
        auto r = client.get(url);
        ASSERT_FALSE(r) << url;
        EXPECT_EQ(r.error().code, Errc::invalid_argument) << url;
    }
    // Through send, the refusal still arrives on the I/O thread.
    std::promise<std::pair<Errc, bool>> refused;
    net::HttpRequest ldap;
    ldap.url = "ldap://ldap.example/cn=ca";
    (void)client.send(ldap, [&](Result<net::HttpResponse> r, int) {
        refused.set_value({r ? Errc::internal : r.error().code, client.on_io_thread()});
    });
    const auto [code, on_io_thread] = refused.get_future().get();
    EXPECT_EQ(code, Errc::invalid_argument);
    EXPECT_TRUE(on_io_thread);
    net::HttpOptions bad;
    bad.retries = -1;
    EXPECT_FALSE(net::HttpClient::create(bad));
    net::HttpOptions https_proxy;
    https_proxy.proxy = "https://proxy:3128";
    EXPECT_FALSE(net::HttpClient::create(https_proxy));
}

TEST(NetHttp, HttpThroughAProxyUsesTheAbsoluteForm) {
    ScriptedHttpServer proxy([](const ScriptedRequest&) { return http_reply(200, "via proxy"); });
    net::HttpOptions options;
    options.proxy = proxy.url();
    const auto client = make_client(options);
    auto r = client.get("http://crl.example.invalid:8080/ca.crl?x=1");  // never resolved: the proxy is
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(text(r->body), "via proxy");
    const auto seen = proxy.seen();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].request_line(), "GET http://crl.example.invalid:8080/ca.crl?x=1 HTTP/1.1");
    EXPECT_EQ(seen[0].header("host"), "crl.example.invalid:8080");
}

TEST(NetHttp, HttpsThroughAProxyAsksForATunnelAndReportsARefusal) {
    ScriptedHttpServer proxy([](const ScriptedRequest&) { return http_reply(403, "no tunnels"); });
    net::HttpOptions options;
    options.proxy = proxy.url();
    options.retries = 3;
    const auto client = make_client(options);
    auto r = client.get("https://ocsp.example.invalid/ocsp");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::unavailable);
    EXPECT_NE(r.error().message.find("refused CONNECT with HTTP 403"), std::string::npos) << r.error().message;
    const auto seen = proxy.seen();
    ASSERT_EQ(seen.size(), 1u);  // a refusal is not retried
    EXPECT_EQ(seen[0].request_line(), "CONNECT ocsp.example.invalid:443 HTTP/1.1");
}

TEST(NetHttp, CancelEndsACallInFlight) {
    ScriptedHttpServer server([](const ScriptedRequest&) {
        std::this_thread::sleep_for(1500ms);
        return http_reply(200, "late");
    });
    const auto client = make_client();
    std::promise<Result<net::HttpResponse>> promise;
    auto future = promise.get_future();
    net::HttpRequest request;
    request.url = server.url();
    const auto call = client.send(request, [&](Result<net::HttpResponse> r, int) { promise.set_value(std::move(r)); });
    std::this_thread::sleep_for(100ms);
    const auto start = SteadyClock::now();
    call.cancel();
    call.cancel();  // twice is fine
    auto r = future.get();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::failed_precondition);
    EXPECT_LT(SteadyClock::now() - start, 500ms);
}

TEST(NetHttp, TheLastCopyMayBeDroppedInItsOwnCallback) {
    ScriptedHttpServer server([](const ScriptedRequest&) { return http_reply(200, "x"); });
    auto holder = std::make_shared<std::optional<net::HttpClient>>(make_client());
    std::promise<int> done;
    net::HttpRequest request;
    request.url = server.url();
    (void)(*holder)->send(request, [holder, &done](Result<net::HttpResponse> r, int) {
        const int status = r ? r->status : -1;
        holder->reset();  // the last copy: the client goes away on its own I/O thread
        done.set_value(status);
    });
    holder.reset();
    EXPECT_EQ(done.get_future().get(), 200);
}

TEST(NetHttp, ManyThreadsShareOneClient) {
    ScriptedHttpServer server([](const ScriptedRequest& r) { return http_reply(200, r.request_line()); });
    const auto client = make_client();
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    for (int i = 0; i < 16; ++i) {
        threads.emplace_back([&, i] {
            const std::string path = "/t" + std::to_string(i);
            auto r = client.get(server.url(path));
            if (r && text(r->body) == "GET " + path + " HTTP/1.1") ++good;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(good.load(), 16);
}

// ---- FetchCache ---------------------------------------------------------------------------

net::CachedBody body_until(const std::string& content, SysClock::time_point expires) {
    return net::CachedBody{bytes(content), expires};
}

TEST(FetchCache, KeepsABodyUntilItExpires) {
    net::FetchCache cache({});
    const auto t0 = SysClock::now();
    int fetches = 0;
    auto fetch = [&]() -> Result<net::CachedBody> {
        ++fetches;
        return body_until("v" + std::to_string(fetches), t0 + 1h);
    };
    auto a = cache.get_or_fetch("http://x/ca.crl", t0, fetch);
    auto b = cache.get_or_fetch("http://x/ca.crl", t0 + 59min, fetch);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(text(b->body), "v1");
    EXPECT_EQ(fetches, 1);
    auto c = cache.get_or_fetch("http://x/ca.crl", t0 + 1h, fetch);  // now == expires: expired
    ASSERT_TRUE(c);
    EXPECT_EQ(text(c->body), "v2");
    EXPECT_EQ(fetches, 2);
    const auto stats = cache.stats();
    EXPECT_EQ(stats.hits, 1u);
    EXPECT_EQ(stats.misses, 2u);
    EXPECT_EQ(stats.fetches, 2u);
}

TEST(FetchCache, SharedHitsAreTheCachedEntryItself) {
    net::FetchCache cache({});
    const auto t0 = SysClock::now();
    int fetches = 0;
    auto fetch = [&]() -> Result<net::CachedBody> {
        ++fetches;
        return body_until(std::string(100000, 'c'), t0 + 1h);
    };
    auto a = cache.get_or_fetch_shared("k", t0, fetch);
    auto b = cache.get_or_fetch_shared("k", t0 + 1s, fetch);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->get(), b->get());  // no copy of the body
    EXPECT_EQ((*b)->body.size(), 100000u);
    auto copy = cache.get_or_fetch("k", t0 + 2s, fetch);
    ASSERT_TRUE(copy);
    EXPECT_EQ(copy->body, (*a)->body);
    EXPECT_EQ(fetches, 1);
}

TEST(FetchCache, FailuresAndAlreadyExpiredBodiesAreNotKept) {
    net::FetchCache cache({});
    const auto t0 = SysClock::now();
    int fetches = 0;
    auto failing = [&]() -> Result<net::CachedBody> {
        ++fetches;
        return make_error(Errc::unavailable, "down");
    };
    EXPECT_FALSE(cache.get_or_fetch("k", t0, failing));
    EXPECT_FALSE(cache.get_or_fetch("k", t0, failing));
    EXPECT_EQ(fetches, 2);
    auto stale = [&]() -> Result<net::CachedBody> {
        ++fetches;
        return body_until("old", t0 - 1s);
    };
    auto r = cache.get_or_fetch("s", t0, stale);
    ASSERT_TRUE(r);
    EXPECT_EQ(text(r->body), "old");  // returned: the caller judges it
    EXPECT_TRUE(cache.get_or_fetch("s", t0, stale));
    EXPECT_EQ(fetches, 4);
    EXPECT_FALSE(cache.lookup("s", t0));
}

TEST(FetchCache, PersistsAcrossInstances) {
    test::TempDir dir;
    const auto t0 = SysClock::now();
    int fetches = 0;
    auto fetch = [&]() -> Result<net::CachedBody> {
        ++fetches;
        return body_until(std::string("crl\0bytes", 9), t0 + 1h);
    };
    {
        net::FetchCache first({16, dir.path().string()});
        ASSERT_TRUE(first.get_or_fetch("http://x/ca.crl", t0, fetch));
    }
    std::size_t files = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir.path())) {
        ++files;
        EXPECT_EQ(f.path().extension(), ".cache") << f.path();  // no temporary left behind
    }
    EXPECT_EQ(files, 1u);
    net::FetchCache second({16, dir.path().string()});
    auto r = second.get_or_fetch("http://x/ca.crl", t0 + 30min, fetch);
    ASSERT_TRUE(r);
    EXPECT_EQ(text(r->body), std::string("crl\0bytes", 9));
    EXPECT_EQ(fetches, 1);
    EXPECT_EQ(second.stats().hits, 1u);
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(r->expires - (t0 + 1h)).count(), 0);

    // Expired on disk: ignored, fetched again, and the old file replaced.
    net::FetchCache third({16, dir.path().string()});
    auto later = third.get_or_fetch("http://x/ca.crl", t0 + 2h, fetch);
    ASSERT_TRUE(later);
    EXPECT_EQ(fetches, 2);
}

TEST(FetchCache, CorruptFilesAreIgnored) {
    test::TempDir dir;
    const auto t0 = SysClock::now();
    int fetches = 0;
    auto fetch = [&]() -> Result<net::CachedBody> {
        ++fetches;
        return body_until("fresh", t0 + 1h);
    };
    {
        net::FetchCache first({16, dir.path().string()});
        ASSERT_TRUE(first.get_or_fetch("key", t0, fetch));
    }
    std::filesystem::path file;
    for (const auto& f : std::filesystem::directory_iterator(dir.path())) file = f.path();
    ASSERT_FALSE(file.empty());
    const std::string good = test::read_file(file);
    for (const std::string& damaged : {good.substr(0, good.size() - 1), good + "x", std::string("garbage"),
                                       std::string()}) {
        test::write_file(file, damaged);
        net::FetchCache cache({16, dir.path().string()});
        const int before = fetches;
        auto r = cache.get_or_fetch("key", t0, fetch);
        ASSERT_TRUE(r);
        EXPECT_EQ(text(r->body), "fresh");
        EXPECT_EQ(fetches, before + 1);
    }
}

TEST(FetchCache, ConcurrentCallersShareOneFetch) {
    net::FetchCache cache({});
    const auto t0 = SysClock::now();
    std::atomic<int> fetches{0};
    auto fetch = [&]() -> Result<net::CachedBody> {
        ++fetches;
        std::this_thread::sleep_for(200ms);  // every other thread arrives while this runs
        return body_until("shared", t0 + 1h);
    };
    constexpr int kThreads = 32;
    std::atomic<int> ready{0};
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&] {
            ++ready;
            while (ready.load() < kThreads) std::this_thread::yield();
            auto r = cache.get_or_fetch("http://x/ca.crl", t0, fetch);
            if (r && text(r->body) == "shared") ++good;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(fetches.load(), 1);
    EXPECT_EQ(good.load(), kThreads);
    const auto stats = cache.stats();
    EXPECT_EQ(stats.fetches, 1u);
    EXPECT_EQ(stats.hits + stats.waits, static_cast<std::uint64_t>(kThreads - 1));
}

TEST(FetchCache, ASharedFailureReachesEveryWaiterAndIsNotKept) {
    net::FetchCache cache({});
    const auto t0 = SysClock::now();
    std::atomic<int> fetches{0};
    auto fetch = [&]() -> Result<net::CachedBody> {
        ++fetches;
        std::this_thread::sleep_for(200ms);
        return make_error(Errc::unavailable, "responder down");
    };
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            auto r = cache.get_or_fetch("k", t0, fetch);
            if (!r && r.error().code == Errc::unavailable) ++failed;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failed.load(), 8);
    EXPECT_LT(fetches.load(), 8);  // waiters shared a fetch
    const int before = fetches.load();
    EXPECT_FALSE(cache.get_or_fetch("k", t0, fetch));
    EXPECT_EQ(fetches.load(), before + 1);  // the failure was not cached
}

TEST(FetchCache, DropsTheEntryExpiringFirstWhenFull) {
    net::FetchCache cache({2, {}});
    const auto t0 = SysClock::now();
    int fetches = 0;
    auto fetch_until = [&](std::chrono::minutes life) {
        return [&fetches, t0, life]() -> Result<net::CachedBody> {
            ++fetches;
            return body_until("b", t0 + life);
        };
    };
    ASSERT_TRUE(cache.get_or_fetch("soon", t0, fetch_until(10min)));
    ASSERT_TRUE(cache.get_or_fetch("late", t0, fetch_until(60min)));
    ASSERT_TRUE(cache.get_or_fetch("third", t0, fetch_until(30min)));
    EXPECT_TRUE(cache.lookup("late", t0));
    EXPECT_TRUE(cache.lookup("third", t0));
    EXPECT_FALSE(cache.lookup("soon", t0));
}

}  // namespace
}  // namespace istmo
