// The validation service (istmo::service::Server) under a bounded load on loopback, against the
// in-process batch validator on the same documents, in the same run (bench/README.md, "Service").
//
//   BM_BatchInProcess/jobs:N          batch::Validator::run over the corpus on N = min(C, J) threads,
//                                     run again before each service run (vs_batch compares the two
//                                     at the same parallelism: C connections keep at most C
//                                     documents in flight); each result is written as its JSON
//                                     line, as `batch validate` writes it
//   BM_ValidateCalls/threads:N        the service's work without HTTP: N threads call
//                                     Validator::validate on one shared Validator and make each
//                                     result's JSON (between the two rows above and below)
//   BM_ServiceLoad/connections:C/jobs:J  C keep-alive connections, one request outstanding on
//                                     each (the load is bounded: at most C requests in flight),
//                                     the server with J validation threads
//       items_per_second  documents (requests) per second, wall clock
//       p50_ms, p99_ms    request latency seen by the client (send to full answer)
//       vs_batch          items_per_second / the batch rate measured just before, in this run
//       cpu_vs_batch      the batch run's CPU per document / the server's (cpu_us_per_doc): the
//                         share of the batch rate the server would reach on cores of its own
//       rejected          503 answers (none expected: max_in_flight is above C)
//       cpu_us_per_doc    CPU time of the process per document (validators, I/O), the load
//                         generator's own thread time taken out: on a shared, loaded machine the
//                         steadier measure of the HTTP path's cost
//       client_cpu_us_per_doc  the load generator's thread time per document
//
// The corpus: 200 distinct signed Panama invoices (panama-fe profile, ~5.7 KB, test PKI), every
// one TOTAL_PASSED; any other answer stops the benchmark with an error. The load generator is one
// thread of this process (the benchmark's own), with the requests serialized once and answers
// read without an HTTP library. Two sets of rows:
//   J = the cores of the machine: the generator shares the cores with the server, so its CPU
//       slows the server's wall-clock rate (vs_batch);
//   J = the cores - 1 (when there are 2 or more): batch and the server validate on one core
//       fewer, which leaves one to the generator, as a deployment has its clients on other
//       machines (the server's network thread still shares the cores).
#include <istmo/batch/batch.hpp>
#include <istmo/crypto/keys.hpp>
#include <istmo/invoice/panama.hpp>
#include <istmo/service/server.hpp>

#include <benchmark/benchmark.h>

#include "baseline_reporter.hpp"
#include "cpu_clock.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace batch = istmo::batch;
namespace pa = istmo::invoice::panama;
using istmo::bench::process_cpu_seconds;
using istmo::bench::thread_cpu_seconds;
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

batch::Options validation_options(unsigned threads) {
    batch::Options options;
    options.profile = batch::Profile::panama_fe;
    options.jobs = threads;
    if (!options.verify.trust.add_file(vectors("pki/chain.pem"))) die("cannot load chain.pem");
    return options;
}


  // documents per second of BM_BatchInProcess, for vs_batch

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

// Each result as the line `istmo batch validate` writes (NdjsonFileSink, without the file), the
// way the service writes each result as its answer, so that both sides pay for the JSON.
class CheckingSink final : public batch::Sink {
public:
    istmo::Result<void> write(const batch::DocumentResult& r) override {
        failed += r.indication != istmo::report::Indication::total_passed ? 1 : 0;
        bytes += r.to_ndjson().size();
        return {};
    }
    std::size_t failed = 0;
    std::size_t bytes = 0;
};

void BM_BatchInProcess(benchmark::State& state) {
    const auto& docs = corpus();
    const auto threads = static_cast<unsigned>(state.range(0));
    const batch::Validator validator(validation_options(threads));
    const double cpu_start = process_cpu_seconds();
    for (auto _ : state) {
        MemorySource source(docs);
        CheckingSink sink;
        auto summary = validator.run(source, sink);
        if (!summary || sink.failed != 0 || sink.bytes == 0) return state.SkipWithError("a document did not pass");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * k_requests));
    state.counters["cpu_us_per_doc"] =
        (process_cpu_seconds() - cpu_start) * 1e6 / static_cast<double>(state.iterations() * k_requests);
    state.counters["jobs"] = threads;
}

// What the service does per request without HTTP: Validator::validate (one Validator shared by
// the calling threads, as the server shares it) and the JSON of the result, on N threads that
// take the documents in turn. Between BM_BatchInProcess and BM_ServiceLoad: its distance to the
// first is the cost of validating one document at a time through validate(), its distance to
// the second the cost of HTTP.
void BM_ValidateCalls(benchmark::State& state) {
    const auto& docs = corpus();
    const auto threads = static_cast<unsigned>(state.range(0));
    const batch::Validator validator(validation_options(threads));
    const double cpu_start = process_cpu_seconds();
    std::atomic<std::size_t> failed{0};
    for (auto _ : state) {
        std::atomic<std::size_t> next{0};
        std::vector<std::thread> workers;
        for (unsigned t = 0; t < threads; ++t)
            workers.emplace_back([&] {
                for (std::size_t i = next++; i < k_requests; i = next++) {
                    const auto result = validator.validate("doc-" + std::to_string(i), docs[i % docs.size()]);
                    const std::string json = result.to_ndjson();
                    if (result.indication != istmo::report::Indication::total_passed || json.empty()) ++failed;
                }
            });
        for (auto& w : workers) w.join();
        if (failed != 0) return state.SkipWithError("a document did not pass");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * k_requests));
    state.counters["cpu_us_per_doc"] =
        (process_cpu_seconds() - cpu_start) * 1e6 / static_cast<double>(state.iterations() * k_requests);
    state.counters["jobs"] = threads;
}

// A file descriptor, closed with its owner.
class Fd {
public:
    explicit Fd(int fd = -1) noexcept : m_fd(fd) {}
    Fd(Fd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset();
            m_fd = std::exchange(other.m_fd, -1);
        }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    [[nodiscard]] int get() const noexcept { return m_fd; }
    void reset() noexcept {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
    }

private:
    int m_fd;
};

// The load generator: one thread drives every connection with plain sockets and one epoll set
// (one keep-alive connection per simulated client, one request outstanding on each, so at most
// C requests in flight). The requests are serialized once, before the timing; an answer is read
// as its head (up to the blank line) and then Content-Length bytes, with no HTTP library, and
// must be 200 with TOTAL_PASSED (or 503, counted). Per request it costs a send, an epoll_wait
// (often shared by several answers) and a recv: what a client must do, so that as little of the
// machine as possible goes to it (it shares the cores with the server). Its CPU time is taken
// from its own thread clock and reported apart (client_cpu_us_per_doc), so that cpu_us_per_doc
// is the server's alone.
class LoadGenerator {
public:
    LoadGenerator(std::uint16_t port, std::size_t connections) : m_port(port), m_connections(connections) {
        for (const std::string& doc : corpus())
            m_requests.push_back("POST /v1/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/xml\r\n"
                                 "Content-Length: " + std::to_string(doc.size()) + "\r\n\r\n" + doc);
    }

    // Sends `total` requests spread over the connections; returns an error text, empty when every
    // answer was 200 TOTAL_PASSED (or 503, counted in `rejected`).
    std::string run(std::size_t total) {
        const double cpu_start = thread_cpu_seconds();
        std::string error = drive(total);
        cpu_seconds += thread_cpu_seconds() - cpu_start;
        return error;
    }

    std::vector<double> latencies_ms;
    std::size_t rejected = 0;
    double cpu_seconds = 0;

private:
    struct Client {
        Fd socket;
        std::size_t next_document = 0;
        std::string in;
        std::size_t head = 0;  // the head's length with its blank line, once it is in `in`
        Clock::time_point sent;
    };

    std::string connect(Client& client) const {
        client.socket = Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (client.socket.get() < 0) return "socket: " + std::string(std::strerror(errno));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(m_port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(client.socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
            return "connect: " + std::string(std::strerror(errno));
        const int one = 1;
        ::setsockopt(client.socket.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return {};
    }

    // The next request on `client` (blocking: a request fits the socket's send buffer).
    std::string send(Client& client) {
        --m_left;
        const std::string& request = m_requests[client.next_document % m_requests.size()];
        client.next_document += m_connections;
        client.in.clear();
        client.head = 0;
        client.sent = Clock::now();
        for (std::size_t done = 0; done < request.size();) {
            const ssize_t n = ::send(client.socket.get(), request.data() + done, request.size() - done, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return "send: " + std::string(std::strerror(errno));
            done += static_cast<std::size_t>(n);
        }
        return {};
    }

    // Reads what `client` has; sets `answered` when its answer is complete and checked.
    std::string receive(Client& client, bool& answered) {
        char chunk[16 * 1024];
        const ssize_t n = ::recv(client.socket.get(), chunk, sizeof chunk, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return {};
        if (n < 0) return "recv: " + std::string(std::strerror(errno));
        if (n == 0) return "the server closed a connection";
        client.in.append(chunk, static_cast<std::size_t>(n));
        if (client.head == 0) {
            const auto end = client.in.find("\r\n\r\n");
            if (end == std::string::npos) return {};
            client.head = end + 4;
        }
        const std::string_view head(client.in.data(), client.head);
        const auto length_at = head.find("Content-Length: ");
        if (head.size() < 12 || length_at == std::string_view::npos) return "answer without Content-Length";
        const std::size_t body = std::strtoull(client.in.c_str() + length_at + 16, nullptr, 10);
        if (client.in.size() - client.head < body) return {};
        latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - client.sent).count());
        const int status = std::atoi(client.in.c_str() + 9);
        if (status == 503) {
            ++rejected;
        } else if (status != 200 || client.in.find("\"TOTAL_PASSED\"", client.head) == std::string::npos) {
            return "unexpected answer " + std::to_string(status) + ": " + client.in.substr(client.head, 300);
        }
        answered = true;
        return {};
    }

    std::string drive(std::size_t total) {
        m_left = total;
        Fd epoll(::epoll_create1(EPOLL_CLOEXEC));
        if (epoll.get() < 0) return "epoll_create1: " + std::string(std::strerror(errno));
        std::vector<Client> clients(m_connections);
        std::size_t outstanding = 0;
        for (std::size_t c = 0; c < clients.size(); ++c) {
            clients[c].next_document = c;
            if (auto error = connect(clients[c]); !error.empty()) return error;
            epoll_event event{};
            event.events = EPOLLIN;
            event.data.u64 = c;
            if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, clients[c].socket.get(), &event) != 0)
                return "epoll_ctl: " + std::string(std::strerror(errno));
        }
        for (auto& client : clients) {
            if (m_left == 0) break;
            if (auto error = send(client); !error.empty()) return error;
            ++outstanding;
        }
        std::array<epoll_event, 64> events{};
        while (outstanding != 0) {
            const int ready = ::epoll_wait(epoll.get(), events.data(), static_cast<int>(events.size()), 60'000);
            if (ready < 0 && errno == EINTR) continue;
            if (ready <= 0) return ready == 0 ? "no answer within 60 s" : "epoll_wait: " + std::string(std::strerror(errno));
            for (int i = 0; i < ready; ++i) {
                Client& client = clients[events[static_cast<std::size_t>(i)].data.u64];
                bool answered = false;
                if (auto error = receive(client, answered); !error.empty()) return error;
                if (!answered) continue;
                --outstanding;
                if (m_left == 0) continue;
                if (auto error = send(client); !error.empty()) return error;
                ++outstanding;
            }
        }
        return {};
    }

    std::uint16_t m_port;
    std::size_t m_connections;
    std::vector<std::string> m_requests;
    std::size_t m_left = 0;
};

double percentile(std::vector<double>& values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
}

void BM_ServiceLoad(benchmark::State& state) {
    const auto connections = static_cast<std::size_t>(state.range(0));
    const auto threads = static_cast<unsigned>(state.range(1));
    istmo::service::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.batch = validation_options(threads);
    options.jobs = threads;
    options.max_in_flight = connections + 64;
    auto server = istmo::service::Server::start(std::move(options));
    if (!server) return state.SkipWithError(server.error().to_string().c_str());
    LoadGenerator load((*server)->port(), connections);
    const double cpu_start = process_cpu_seconds();
    for (auto _ : state) {
        const std::string error = load.run(k_requests);
        if (!error.empty()) return state.SkipWithError(error.c_str());
    }
    const double documents = static_cast<double>(state.iterations() * k_requests);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * k_requests));
    state.counters["p50_ms"] = percentile(load.latencies_ms, 0.50);
    state.counters["p99_ms"] = percentile(load.latencies_ms, 0.99);
    state.counters["rejected"] = static_cast<double>(load.rejected);
    state.counters["cpu_us_per_doc"] = (process_cpu_seconds() - cpu_start - load.cpu_seconds) * 1e6 / documents;
    state.counters["client_cpu_us_per_doc"] = load.cpu_seconds * 1e6 / documents;
    state.counters["jobs"] = threads;
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    (void)corpus();  // made once, outside the timings
    // Interleaved: each service run is compared with the batch run just before it, so that a
    // change of load on a shared machine moves both sides alike. J = the cores, then J = the
    // cores - 1 (a core left to the load generator).
    std::vector<int> validation_threads{static_cast<int>(jobs())};
    if (jobs() > 1) validation_threads.push_back(static_cast<int>(jobs()) - 1);
    for (const int threads : validation_threads) {
        for (const int connections : {1, 16, 64}) {
            // The same parallelism: C connections keep at most C documents in flight.
            const int batch_threads = std::min(connections, threads);
            benchmark::RegisterBenchmark("BM_BatchInProcess", BM_BatchInProcess)
                ->ArgName("jobs")->Arg(batch_threads)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
            benchmark::RegisterBenchmark("BM_ValidateCalls", BM_ValidateCalls)
                ->ArgName("threads")->Arg(batch_threads)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
            benchmark::RegisterBenchmark("BM_ServiceLoad", BM_ServiceLoad)
                ->ArgNames({"connections", "jobs"})->Args({connections, threads})->Unit(benchmark::kMillisecond)
                ->UseRealTime()->MinTime(2.0);
        }
    }
    // vs_batch and cpu_vs_batch: each run against the BM_BatchInProcess run just before it.
    istmo::bench::BaselineRatioReporter reporter("BM_BatchInProcess", {{"cpu_us_per_doc", "cpu_vs_batch"}});
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    return 0;
}
