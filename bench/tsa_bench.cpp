// RFC 3161 client benchmarks against the in-process loopback TSA (tests/tsa_test_server.hpp:
// OpenSSL's TS_RESP API signing with EC P-256 on 127.0.0.1, a thread per connection).
//
//   BM_TsaLoopback/concurrent:1    one synchronous TimestampClient::timestamp() at a time
//   BM_TsaLoopback/concurrent:64   64 timestamp_async() in flight on the client's one io_context
//       items_per_second = verified time-stamps per second, the TSA's signing included (the
//       TSA runs in the same process, on the same 2 cores).
//   BM_TsaClientCpu/build_request        TimestampRequest::for_data (SHA-256, random nonce, DER)
//   BM_TsaClientCpu/verify_response      the free verify_response on a recorded answer (every
//                                        check, nothing cached between calls)
//   BM_TsaClientCpu/verifier_warm        TokenVerifier::verify_response on the same answer, the
//                                        verifier reused (every check; the TSA certificates and
//                                        their path result come from its caches), as the client does
//   BM_TsaClientCpu/request_and_verify   build_request + verifier_warm: the client's own CPU per
//                                        request without the network and without the TSA's signing
//
//   build-tsa-bench/bench/istmo_tsa_bench [--benchmark_min_time=1]
#include "tsa_test_server.hpp"

#include <istmo/crypto/keys.hpp>
#include <istmo/tsa/client.hpp>
#include <istmo/tsa/timestamp.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace {

namespace tsa = istmo::tsa;

constexpr std::string_view kData = "<rFE><dId>FE01200000000000029-29-2022-0000000000000001</dId></rFE>";

std::span<const std::uint8_t> data_bytes() {
    return {reinterpret_cast<const std::uint8_t*>(kData.data()), kData.size()};
}

istmo::test::TsaTestServer& server() {
    static istmo::test::TsaTestServer instance;
    return instance;
}

tsa::VerifyOptions verify_options() {
    tsa::VerifyOptions options;
    auto root = istmo::crypto::Certificate::from_pem(server().pki().root_pem());
    if (!root) {
        std::fprintf(stderr, "tsa_bench: cannot load the test root: %s\n", root.error().to_string().c_str());
        std::exit(1);
    }
    options.trust.add(*root);
    return options;
}

const tsa::TimestampClient& client() {
    static const tsa::TimestampClient instance = [] {
        tsa::ClientOptions options;
        options.urls = {server().url()};
        options.retries = 0;
        options.connect_timeout = std::chrono::milliseconds(5000);
        options.request_timeout = std::chrono::milliseconds(20000);
        options.total_timeout = std::chrono::milliseconds(30000);
        options.verify = verify_options();
        auto created = tsa::TimestampClient::create(std::move(options));
        if (!created) {
            std::fprintf(stderr, "tsa_bench: %s\n", created.error().to_string().c_str());
            std::exit(1);
        }
        return std::move(*created);
    }();
    return instance;
}

tsa::TimestampRequest make_request() {
    auto request = tsa::TimestampRequest::for_data(data_bytes());
    if (!request) {
        std::fprintf(stderr, "tsa_bench: %s\n", request.error().to_string().c_str());
        std::exit(1);
    }
    return std::move(*request);
}

void BM_TsaLoopback(benchmark::State& state) {
    const auto concurrent = static_cast<int>(state.range(0));
    const tsa::TimestampClient& c = client();
    long failures = 0;
    for (auto _ : state) {
        if (concurrent == 1) {
            auto stamped = c.timestamp(make_request());
            if (!stamped) ++failures;
            benchmark::DoNotOptimize(stamped);
        } else {
            std::vector<tsa::AsyncTimestamp> pending;
            pending.reserve(static_cast<std::size_t>(concurrent));
            for (int i = 0; i < concurrent; ++i) pending.push_back(c.timestamp_async(make_request()));
            for (auto& p : pending)
                if (!p.result.get()) ++failures;
        }
    }
    if (failures != 0) state.SkipWithError("some time-stamps failed");
    state.SetItemsProcessed(state.iterations() * concurrent);
    state.counters["failures"] = static_cast<double>(failures);
}
BENCHMARK(BM_TsaLoopback)->ArgName("concurrent")->Arg(1)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);

// A recorded request and its answer from the loopback TSA.
struct Recorded {
    std::unique_ptr<tsa::TimestampRequest> request;
    tsa::Bytes response;
};

const Recorded& recorded() {
    static const Recorded instance = [] {
        Recorded r;
        r.request = std::make_unique<tsa::TimestampRequest>(make_request());
        auto stamped = client().timestamp(*r.request);
        if (!stamped) {
            std::fprintf(stderr, "tsa_bench: %s\n", stamped.error().to_string().c_str());
            std::exit(1);
        }
        r.response = stamped->response;
        return r;
    }();
    return instance;
}

void BM_TsaClientCpu_build_request(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(make_request());
}
BENCHMARK(BM_TsaClientCpu_build_request)->Name("BM_TsaClientCpu/build_request")->Unit(benchmark::kMicrosecond);

void BM_TsaClientCpu_verify_response(benchmark::State& state) {
    const Recorded& r = recorded();
    const tsa::VerifyOptions options = verify_options();
    for (auto _ : state) {
        auto v = tsa::verify_response(r.response, *r.request, options);
        if (!v.valid()) {
            state.SkipWithError(v.summary().c_str());
            break;
        }
        benchmark::DoNotOptimize(v);
    }
}
BENCHMARK(BM_TsaClientCpu_verify_response)->Name("BM_TsaClientCpu/verify_response")->Unit(benchmark::kMicrosecond);

void BM_TsaClientCpu_verifier_warm(benchmark::State& state) {
    const Recorded& r = recorded();
    const tsa::TokenVerifier verifier(verify_options());
    for (auto _ : state) {
        auto v = verifier.verify_response(r.response, *r.request);
        if (!v.valid()) {
            state.SkipWithError(v.summary().c_str());
            break;
        }
        benchmark::DoNotOptimize(v);
    }
    const auto stats = verifier.cache_stats();
    state.counters["path_hits"] = static_cast<double>(stats.path_hits);
    state.counters["path_misses"] = static_cast<double>(stats.path_misses);
}
BENCHMARK(BM_TsaClientCpu_verifier_warm)->Name("BM_TsaClientCpu/verifier_warm")->Unit(benchmark::kMicrosecond);

void BM_TsaClientCpu_request_and_verify(benchmark::State& state) {
    const Recorded& r = recorded();
    const tsa::TokenVerifier verifier(verify_options());
    for (auto _ : state) {
        auto request = make_request();
        benchmark::DoNotOptimize(request);
        // The recorded answer belongs to the recorded request (same nonce).
        auto v = verifier.verify_response(r.response, *r.request);
        if (!v.valid()) {
            state.SkipWithError(v.summary().c_str());
            break;
        }
        benchmark::DoNotOptimize(v);
    }
}
BENCHMARK(BM_TsaClientCpu_request_and_verify)
    ->Name("BM_TsaClientCpu/request_and_verify")
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
