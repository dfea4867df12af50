// The validation service (istmo::service::Server) under a bounded load on loopback, against the
// in-process batch validator on the same documents, in the same run (bench/README.md, "Service").
//
//   BM_BatchInProcess                 batch::Validator::run over the corpus on J threads (run
//                                     again before each service run: vs_batch compares the two)
//   BM_ServiceLoad/connections:C      C client threads, one keep-alive connection each, one request
//                                     outstanding per connection (the load is bounded: at most C
//                                     requests in flight), the server with J validation threads
//       items_per_second  documents (requests) per second, wall clock
//       p50_ms, p99_ms    request latency seen by the client (send to full answer)
//       vs_batch          items_per_second / the batch rate measured first in this run
//       rejected          503 answers (none expected: max_in_flight is above C)
//       cpu_us_per_doc    CPU time of the whole process (every thread: validators, I/O, and for
//                         the service the load generator too) per document: on a shared, loaded
//                         machine this is the steadier measure of the HTTP path's cost
//
// The corpus: 200 distinct signed Panama invoices (panama-fe profile, ~5.7 KB, test PKI), every
// one TOTAL_PASSED; any other answer stops the benchmark with an error. J = the cores of the
// machine. The load generator runs in the same process, on the same cores as the server.
#include <istmo/batch/batch.hpp>
#include <istmo/crypto/keys.hpp>
#include <istmo/invoice/panama.hpp>
#include <istmo/service/server.hpp>

#include <benchmark/benchmark.h>

#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace batch = istmo::batch;
namespace pa = istmo::invoice::panama;
namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr int k_documents = 200;
// Requests per benchmark iteration (split over the connections).
constexpr std::size_t k_requests = 400;

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "service_bench: %s\n", what.c_str());
    std::exit(1);
}

std::string vectors(const std::string& relative) { return std::string(ISTMO_VECTORS_DIR) + "/" + relative; }

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) die("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

const std::vector<std::string>& corpus() {
    static const std::vector<std::string> docs = [] {
        auto key = istmo::crypto::PrivateKey::from_file(vectors("pki/rsa2048.key.pem"));
        auto cert = istmo::crypto::Certificate::from_file(vectors("pki/rsa2048.cert.pem"));
        if (!key || !cert) die("cannot load the test PKI");
        auto signer = pa::make_signer(std::move(*key), std::move(*cert));
        if (!signer) die(signer.error().to_string());
        const std::string json = read_text(vectors("panama-fe/json/01-factura.json"));
        const std::string from = "\"dNroDF\": \"0000000001\"";
        std::vector<std::string> out;
        for (int i = 0; i < k_documents; ++i) {
            std::string text = json;
            char number[32];
            std::snprintf(number, sizeof number, "\"dNroDF\": \"%010d\"", i + 1);
            text.replace(text.find(from), from.size(), number);
            auto inv = pa::from_json(text);
            if (!inv) die(inv.error().to_string());
            pa::QrOptions qr;
            qr.secret = istmo::crypto::Secret("istmo-test-qr-secret");
            auto signed_xml = pa::sign(*signer, pa::to_xml(*inv), qr);
            if (!signed_xml) die(signed_xml.error().to_string());
            out.push_back(std::move(*signed_xml));
        }
        return out;
    }();
    return docs;
}

unsigned jobs() { return std::max(1u, std::thread::hardware_concurrency()); }

batch::Options validation_options() {
    batch::Options options;
    options.profile = batch::Profile::panama_fe;
    options.jobs = jobs();
    if (!options.verify.trust.add_file(vectors("pki/chain.pem"))) die("cannot load chain.pem");
    return options;
}

double g_batch_rate = 0;

// CPU seconds (user + system) of every thread of the process so far.
double process_cpu_seconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}  // documents per second of BM_BatchInProcess, for vs_batch

class MemorySource final : public batch::Source {
public:
    explicit MemorySource(const std::vector<std::string>& docs) : m_docs(docs) {}
    std::optional<batch::Input> next() override {
        if (m_next == k_requests) return std::nullopt;
        const std::size_t i = m_next++;
        return batch::Input{"doc-" + std::to_string(i), m_docs[i % m_docs.size()], {}, {}};
    }

private:
    const std::vector<std::string>& m_docs;
    std::size_t m_next = 0;
};

class CheckingSink final : public batch::Sink {
public:
    istmo::Result<void> write(const batch::DocumentResult& r) override {
        failed += r.indication != istmo::report::Indication::total_passed ? 1 : 0;
        return {};
    }
    std::size_t failed = 0;
};

void BM_BatchInProcess(benchmark::State& state) {
    const auto& docs = corpus();
    const batch::Validator validator(validation_options());
    const double cpu_start = process_cpu_seconds();
    for (auto _ : state) {
        MemorySource source(docs);
        CheckingSink sink;
        auto summary = validator.run(source, sink);
        if (!summary || sink.failed != 0) return state.SkipWithError("a document did not pass");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * k_requests));
    state.counters["cpu_us_per_doc"] =
        (process_cpu_seconds() - cpu_start) * 1e6 / static_cast<double>(state.iterations() * k_requests);
    state.counters["jobs"] = jobs();
}

// One keep-alive connection sending its share of the requests, one at a time.
struct Connection {
    std::vector<double> latencies_ms;
    std::size_t rejected = 0;
    std::string error;

    void run(std::uint16_t port, std::size_t first, std::size_t count, std::size_t stride) {
        try {
            asio::io_context io;
            tcp::socket socket(io);
            socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
            socket.set_option(tcp::no_delay(true));
            boost::beast::flat_buffer buffer;
            const auto& docs = corpus();
            for (std::size_t n = 0; n < count; ++n) {
                http::request<http::string_body> req(http::verb::post, "/v1/validate", 11);
                req.set(http::field::host, "127.0.0.1");
                req.set(http::field::content_type, "application/xml");
                req.body() = docs[(first + n * stride) % docs.size()];
                req.prepare_payload();
                const auto start = Clock::now();
                http::write(socket, req);
                http::response<http::string_body> res;
                http::read(socket, buffer, res);
                latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
                if (res.result_int() == 503) {
                    ++rejected;
                } else if (res.result_int() != 200 || res.body().find("\"TOTAL_PASSED\"") == std::string::npos) {
                    error = "unexpected answer " + std::to_string(res.result_int()) + ": " + res.body().substr(0, 300);
                    return;
                }
            }
        } catch (const std::exception& e) {
            error = e.what();
        }
    }
};

double percentile(std::vector<double>& values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
}

void BM_ServiceLoad(benchmark::State& state) {
    const auto connections = static_cast<std::size_t>(state.range(0));
    istmo::service::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.batch = validation_options();
    options.jobs = jobs();
    options.max_in_flight = connections + 64;
    auto server = istmo::service::Server::start(std::move(options));
    if (!server) return state.SkipWithError(server.error().to_string().c_str());
    const std::uint16_t port = (*server)->port();
    std::vector<double> latencies;
    std::size_t rejected = 0;
    const double cpu_start = process_cpu_seconds();
    for (auto _ : state) {
        std::vector<Connection> clients(connections);
        std::vector<std::thread> threads;
        for (std::size_t c = 0; c < connections; ++c) {
            const std::size_t share = k_requests / connections + (c < k_requests % connections ? 1 : 0);
            threads.emplace_back([&, c, share] { clients[c].run(port, c, share, connections); });
        }
        for (auto& t : threads) t.join();
        for (auto& client : clients) {
            if (!client.error.empty()) return state.SkipWithError(client.error.c_str());
            latencies.insert(latencies.end(), client.latencies_ms.begin(), client.latencies_ms.end());
            rejected += client.rejected;
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * k_requests));
    state.counters["p50_ms"] = percentile(latencies, 0.50);
    state.counters["p99_ms"] = percentile(latencies, 0.99);
    state.counters["rejected"] = static_cast<double>(rejected);
    state.counters["cpu_us_per_doc"] =
        (process_cpu_seconds() - cpu_start) * 1e6 / static_cast<double>(state.iterations() * k_requests);
    state.counters["jobs"] = jobs();
}

// Console output plus vs_batch: the service rate over the batch rate of the same run.
class RatioReporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        std::vector<Run> copy = runs;
        for (Run& run : copy) {
            const auto items = run.counters.find("items_per_second");
            if (items == run.counters.end()) continue;
            if (run.benchmark_name().rfind("BM_BatchInProcess", 0) == 0) g_batch_rate = items->second.value;
            else if (g_batch_rate > 0) run.counters["vs_batch"] = items->second.value / g_batch_rate;
        }
        ConsoleReporter::ReportRuns(copy);
    }
};


}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    (void)corpus();  // made once, outside the timings
    // Interleaved: each service run is compared with the batch run just before it, so that a
    // change of load on a shared machine moves both sides alike.
    for (const int connections : {1, 16, 64}) {
        benchmark::RegisterBenchmark("BM_BatchInProcess", BM_BatchInProcess)
            ->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
        benchmark::RegisterBenchmark("BM_ServiceLoad", BM_ServiceLoad)
            ->ArgName("connections")->Arg(connections)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
    }
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    return 0;
}
