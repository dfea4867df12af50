// DGI web-service client against the in-process loopback DGI simulator (the shipped one,
// istmo::service::DgiSimulator: plain HTTP on 127.0.0.1, a thread per connection; it validates
// every rFE with istmo, signature included, the test PKI trusted).
//
//   BM_DgiSend/threads:1    one dgi::Client::send at a time: items_per_second = invoices sent
//                           and authorised per second (request built, posted, answer parsed,
//                           the simulator's parse of the rFE included: same process, same cores)
//   BM_DgiSend/threads:16   16 sends in flight (16 threads sharing one Client)
//   BM_DgiParseResponse     parse_response on a recorded rRetEnviFe (SOAP 1.2, unsigned rProtFe)
//
//   build-bench/bench/istmo_dgi_bench [--benchmark_min_time=1]
#include <istmo/invoice/dgi.hpp>
#include <istmo/service/dgi_simulator.hpp>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace {

namespace dgi = istmo::invoice::panama::dgi;

std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (!in) {
        std::fprintf(stderr, "dgi_bench: cannot read %s\n", path.c_str());
        std::exit(1);
    }
    return ss.str();
}

istmo::service::DgiSimulator& simulator() {
    static const std::unique_ptr<istmo::service::DgiSimulator> instance = [] {
        istmo::service::DgiSimulatorOptions options;
        options.insecure_http = true;
        auto trusted = options.validate.verify.trust.add_file(std::string(ISTMO_VECTORS_DIR) + "/pki/chain.pem");
        auto started = trusted ? istmo::service::DgiSimulator::start(std::move(options))
                               : istmo::Result<std::unique_ptr<istmo::service::DgiSimulator>>(trusted.error());
        if (!started) {
            std::fprintf(stderr, "dgi_bench: %s\n", started.error().to_string().c_str());
            std::exit(1);
        }
        return std::move(*started);
    }();
    return *instance;
}

const dgi::Client& client() {
    static const dgi::Client instance = [] {
        dgi::ClientOptions options;
        options.environment = dgi::Environment::test;
        options.base_url = simulator().base_url();
        auto created = dgi::Client::create(std::move(options));
        if (!created) {
            std::fprintf(stderr, "dgi_bench: %s\n", created.error().to_string().c_str());
            std::exit(1);
        }
        return std::move(*created);
    }();
    return instance;
}

void BM_DgiSend(benchmark::State& state) {
    static const std::string invoice = read(std::string(ISTMO_VECTORS_DIR) + "/panama-fe/valid/01-factura.xml");
    const dgi::Client& c = client();
    for (auto _ : state) {
        auto r = c.send(invoice);
        if (!r || r->outcome != dgi::Outcome::authorised) {
            state.SkipWithError("not authorised");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DgiSend)->Threads(1)->Threads(16)->UseRealTime();

void BM_DgiParseResponse(benchmark::State& state) {
    static const std::string answer = read(std::string(ISTMO_VECTORS_DIR) + "/dgi/authorised-soap12.xml");
    for (auto _ : state) {
        auto r = dgi::parse_response(dgi::Operation::recep_fe, answer);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DgiParseResponse);

}  // namespace

BENCHMARK_MAIN();
