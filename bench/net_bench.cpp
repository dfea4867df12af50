// net module benchmarks: the FetchCache hit path certificate status will take for every
// certificate of every document (warm cache), and one loopback HTTP GET.
//
//   BM_FetchCacheHit/shared/<bytes>   get_or_fetch_shared on a cached body (a lookup + a
//                                     reference count); <bytes>: 2 KB (a small CRL or an OCSP
//                                     response) and 135 KB (the test PKI's ca-big.crl)
//   BM_FetchCacheHit/copy/<bytes>     get_or_fetch: the same with a copy of the body
//   BM_FetchCacheHitThreads           get_or_fetch_shared from 2 threads on one key
//   BM_HttpGetLoopback                HttpClient::get of 2 KB from the scripted loopback server
//                                     (tests/net_test_server.hpp, a thread per connection)
//
//   build/bench/istmo_net_bench [--benchmark_min_time=1]
#include "net_test_server.hpp"

#include <istmo/net/http.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace {

using namespace std::chrono_literals;
using SysClock = std::chrono::system_clock;

istmo::Result<istmo::net::CachedBody> make_body(std::size_t bytes) {
    return istmo::net::CachedBody{std::vector<std::uint8_t>(bytes, 0x30), SysClock::now() + 24h};
}

void BM_FetchCacheHitShared(benchmark::State& state) {
    const auto bytes = static_cast<std::size_t>(state.range(0));
    istmo::net::FetchCache cache({});
    const auto fetch = [bytes] { return make_body(bytes); };
    (void)cache.get_or_fetch_shared("http://127.0.0.1/ca.crl", SysClock::now(), fetch);
    for (auto _ : state) {
        auto r = cache.get_or_fetch_shared("http://127.0.0.1/ca.crl", SysClock::now(), fetch);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FetchCacheHitShared)->Name("BM_FetchCacheHit/shared")->Arg(2048)->Arg(135 * 1024);

void BM_FetchCacheHitCopy(benchmark::State& state) {
    const auto bytes = static_cast<std::size_t>(state.range(0));
    istmo::net::FetchCache cache({});
    const auto fetch = [bytes] { return make_body(bytes); };
    (void)cache.get_or_fetch("http://127.0.0.1/ca.crl", SysClock::now(), fetch);
    for (auto _ : state) {
        auto r = cache.get_or_fetch("http://127.0.0.1/ca.crl", SysClock::now(), fetch);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FetchCacheHitCopy)->Name("BM_FetchCacheHit/copy")->Arg(2048)->Arg(135 * 1024);

istmo::net::FetchCache& shared_cache() {
    static istmo::net::FetchCache cache({});
    return cache;
}

void BM_FetchCacheHitThreads(benchmark::State& state) {
    const auto fetch = [] { return make_body(2048); };
    for (auto _ : state) {
        auto r = shared_cache().get_or_fetch_shared("http://127.0.0.1/ca.crl", SysClock::now(), fetch);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FetchCacheHitThreads)->Threads(2)->UseRealTime();

void BM_HttpGetLoopback(benchmark::State& state) {
    const std::string body(2048, 'x');
    istmo::test::ScriptedHttpServer server([&](const istmo::test::ScriptedRequest&) {
        return istmo::test::http_reply(200, body);
    });
    auto client = istmo::net::HttpClient::create({});
    if (!client) throw std::runtime_error(client.error().to_string());
    const std::string url = server.url("/ca.crl");
    for (auto _ : state) {
        auto r = client->get(url);
        if (!r || r->body.size() != body.size()) state.SkipWithError("GET failed");
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HttpGetLoopback)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
