// Workers on RabbitMQ (istmo::service::Worker) against direct batch validation of the same
// documents, in the same run (bench/README.md, "Workers on RabbitMQ").
//
//   BM_BatchDirect/jobs:W    batch::Validator::run over the N documents on W threads, each
//                            verdict recorded in a fresh SQLite verdict store by a
//                            service::RecordingSink, a chunk of results per transaction (what
//                            `istmo batch validate --jobs W --store sqlite:FILE` does)
//   BM_Workers/workers:W     the N documents published (persistent) to a durable queue of a
//                            broker started by this program, then W Worker objects (one
//                            connection and consumer each, prefetch 16) take them: validated,
//                            recorded in a fresh SQLite store, published to a results exchange
//                            with publisher confirms, acknowledged (a batch of deliveries at a
//                            time: one wait for the confirms and one ack per batch). Timed from the workers'
//                            start until all N are acknowledged (publishing is not timed).
//       items_per_second  documents per second
//       vs_batch          items_per_second / BM_BatchDirect at the same W, just before
//       cpu_us            BM_BatchDirect: CPU of the process (every thread) per document, µs
//       worker_us         BM_Workers: CPU of the worker threads per document, µs (validation,
//                         store, AMQP), each thread's own clock
//       broker_us         BM_Workers: CPU of the broker's Erlang VM per document, µs (/proc)
//       busy              BM_Workers: worker CPU / (W x the run's wall time): the share of the
//                         time the workers ran; the rest they waited (for the broker, or a core)
//       per_ack           messages per acknowledgement: the workers' mean batch (up to 16)
//   worker_us + broker_us is the CPU a document costs through the broker, to set beside cpu_us
//   (bench/README.md and docs/deployment.md, "Sizing").
//
// The broker is rabbitmq-server on loopback at free ports with its own directory, started the
// way the tests start it (tests/test_support/rabbitmq_broker.cpp). Without rabbitmq-server the
// program says so and exits 0 without measuring anything.
#include <istmo/batch/batch.hpp>
#include <istmo/service/store.hpp>
#include <istmo/service/worker.hpp>

#include "baseline_reporter.hpp"
#include "cpu_clock.hpp"
#include "test_support.hpp"
#include "test_support/rabbitmq_broker.hpp"
#include "test_support/signed_invoices.hpp"

#include <benchmark/benchmark.h>

#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace batch = istmo::batch;
namespace service = istmo::service;
using istmo::bench::process_cpu_seconds;
using istmo::bench::thread_cpu_seconds;
using Clock = std::chrono::steady_clock;

constexpr int k_documents = 400;

std::unique_ptr<istmo::test::RabbitBroker> g_broker;
std::unique_ptr<istmo::test::TempDir> g_dir;
int g_run = 0;

const std::vector<std::string>& corpus() {
    static const std::vector<std::string> docs = [] {
        std::vector<std::string> out;
        for (int i = 0; i < k_documents; ++i) out.push_back(istmo::test::signed_panama_invoice(i));
        return out;
    }();
    return docs;
}

batch::Options validation_options(unsigned jobs) {
    batch::Options o;
    o.profile = batch::Profile::panama_fe;
    o.jobs = jobs;
    if (!o.verify.trust.add_file(istmo::test::pki("chain.pem").string())) {
        std::fprintf(stderr, "worker_bench: cannot read chain.pem\n");
        std::exit(1);
    }
    return o;
}

// CPU seconds of process `pid` from /proc (user + system, in clock ticks).
double cpu_of(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    std::getline(in, text);
    const auto name_end = text.rfind(')');  // the command name may hold spaces
    if (pid <= 0 || name_end == std::string::npos) return 0;
    std::istringstream fields(text.substr(name_end + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i)  // fields 14 and 15: utime, stime
        if (i >= 14) ticks += std::stod(field);
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string fresh_store() { return "sqlite:" + (*g_dir / ("store-" + std::to_string(++g_run) + ".db")).string(); }

// Publishes persistent messages to the default exchange (routing key = queue), with librabbitmq.
void publish_all(const std::string& queue) {
    amqp_connection_state_t conn = amqp_new_connection();
    struct Closer {
        amqp_connection_state_t c;
        ~Closer() {
            amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
            amqp_connection_close(c, AMQP_REPLY_SUCCESS);
            amqp_destroy_connection(c);
        }
    } closer{conn};
    amqp_socket_t* socket = amqp_tcp_socket_new(conn);
    if (amqp_socket_open(socket, "127.0.0.1", g_broker->port()) != AMQP_STATUS_OK) throw std::runtime_error("connect");
    if (amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest").reply_type != AMQP_RESPONSE_NORMAL)
        throw std::runtime_error("login");
    amqp_channel_open(conn, 1);
    amqp_queue_declare(conn, 1, amqp_cstring_bytes(queue.c_str()), 0, 1, 0, 0, amqp_empty_table);
    if (amqp_get_rpc_reply(conn).reply_type != AMQP_RESPONSE_NORMAL) throw std::runtime_error("queue.declare");
    for (const std::string& doc : corpus()) {
        amqp_basic_properties_t props{};
        props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
        props.delivery_mode = 2;
        props.content_type = amqp_cstring_bytes("application/xml");
        const amqp_bytes_t body{doc.size(), const_cast<char*>(doc.data())};
        if (amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes(queue.c_str()), 0, 0, &props, body) !=
            AMQP_STATUS_OK)
            throw std::runtime_error("publish");
    }
}

class CountingSink final : public batch::Sink {
public:
    istmo::Result<void> write(const batch::DocumentResult& r) override {
        failed += r.indication != istmo::report::Indication::total_passed ? 1 : 0;
        return {};
    }
    std::size_t failed = 0;
};

class CorpusSource final : public batch::Source {
public:
    std::optional<batch::Input> next() override {
        if (m_next == corpus().size()) return std::nullopt;
        const std::size_t i = m_next++;
        return batch::Input{"doc-" + std::to_string(i), corpus()[i], {}, {}};
    }

private:
    std::size_t m_next = 0;
};

void BM_BatchDirect(benchmark::State& state) {
    const auto jobs = static_cast<unsigned>(state.range(0));
    const batch::Validator validator(validation_options(jobs));
    double cpu = 0;
    for (auto _ : state) {
        state.PauseTiming();
        auto store = service::VerdictStore::open(fresh_store());
        if (!store) return state.SkipWithError(store.error().to_string().c_str());
        CorpusSource source;
        CountingSink counted;
        service::RecordingSink sink(**store, counted);
        state.ResumeTiming();
        const double cpu_before = process_cpu_seconds();
        auto summary = validator.run(source, sink);
        cpu += process_cpu_seconds() - cpu_before;
        if (!summary) return state.SkipWithError(summary.error().to_string().c_str());
        if (counted.failed != 0) return state.SkipWithError("a document did not pass");
    }
    const auto documents = static_cast<double>(state.iterations() * k_documents);
    state.SetItemsProcessed(state.iterations() * k_documents);
    state.counters["cpu_us"] = cpu / documents * 1e6;
}

void BM_Workers(benchmark::State& state) {
    const auto workers = static_cast<std::size_t>(state.range(0));
    std::uint64_t acks = 0;
    double worker_cpu = 0, broker_cpu = 0, wall = 0;
    for (auto _ : state) {
        const std::string queue = "bench-" + std::to_string(++g_run);
        try {
            publish_all(queue);
        } catch (const std::exception& e) {
            return state.SkipWithError(e.what());
        }
        service::WorkerOptions o;
        o.amqp_url = g_broker->url();
        o.queue = queue;
        o.results_exchange = "bench-verdicts";
        o.store_url = fresh_store();
        o.batch = validation_options(1);
        std::vector<std::unique_ptr<service::Worker>> running;
        for (std::size_t w = 0; w < workers; ++w) {
            auto worker = service::Worker::create(o);
            if (!worker) return state.SkipWithError(worker.error().to_string().c_str());
            running.push_back(std::move(*worker));
        }
        std::vector<double> cpu(workers, 0.0);
        const double broker_before = cpu_of(g_broker->pid());
        const auto start = Clock::now();
        std::vector<std::thread> threads;
        for (std::size_t w = 0; w < workers; ++w)
            threads.emplace_back([&running, &cpu, w] {
                const double before = thread_cpu_seconds();
                (void)running[w]->run();
                cpu[w] = thread_cpu_seconds() - before;
            });
        const auto acked = [&] {
            std::uint64_t n = 0;
            for (const auto& worker : running) n += worker->stats().acked.load();
            return n;
        };
        while (acked() < k_documents) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        broker_cpu += cpu_of(g_broker->pid()) - broker_before;
        for (auto& worker : running) worker->stop();
        for (auto& t : threads) t.join();
        for (const double c : cpu) worker_cpu += c;  // stopping costs no CPU: run() sleeps then
        wall += seconds;
        state.SetIterationTime(seconds);
        std::uint64_t dead = 0;
        for (const auto& worker : running) {
            dead += worker->stats().dead_lettered.load();
            acks += worker->stats().batches.load();
        }
        if (dead != 0) return state.SkipWithError("a message was dead-lettered");
        auto store = service::VerdictStore::open(o.store_url);
        auto count = store ? (*store)->count() : istmo::Result<std::size_t>(std::size_t{0});
        if (!count || *count != static_cast<std::size_t>(k_documents))
            return state.SkipWithError("the store does not hold one verdict per document");
    }
    const auto documents = static_cast<double>(state.iterations() * k_documents);
    state.SetItemsProcessed(state.iterations() * k_documents);
    state.counters["worker_us"] = worker_cpu / documents * 1e6;
    state.counters["broker_us"] = broker_cpu / documents * 1e6;
    state.counters["busy"] = wall > 0 ? worker_cpu / (wall * static_cast<double>(workers)) : 0.0;
    state.counters["per_ack"] = acks == 0 ? 0.0 : static_cast<double>(state.iterations() * k_documents) / static_cast<double>(acks);
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    if (!istmo::test::RabbitBroker::available()) {
        std::printf("worker_bench: rabbitmq-server is not installed; nothing measured\n");
        return 0;
    }
    (void)corpus();  // signed once, outside the timings
    g_dir = std::make_unique<istmo::test::TempDir>();
    try {
        g_broker = std::make_unique<istmo::test::RabbitBroker>();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "worker_bench: the broker did not start: %s\n", e.what());
        return 1;
    }
    // Interleaved, each worker run right after the batch run it is compared with.
    for (const int workers : {1, 2}) {
        benchmark::RegisterBenchmark("BM_BatchDirect", BM_BatchDirect)
            ->ArgName("jobs")->Arg(workers)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(8);
        benchmark::RegisterBenchmark("BM_Workers", BM_Workers)
            ->ArgName("workers")->Arg(workers)->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(8);
    }
    istmo::bench::BaselineRatioReporter reporter("BM_BatchDirect");
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    g_broker.reset();
    g_dir.reset();
    return 0;
}
