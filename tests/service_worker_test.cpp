// The RabbitMQ worker (istmo::service::Worker, `istmo worker`) against a broker the test starts
// on loopback (Not Run without rabbitmq-server): every message gets exactly one stored verdict,
// poison messages end in the dead-letter queue after their attempts, and a worker killed with
// SIGKILL in the middle plus a broker restart lose nothing (two workers finish the queue).
#include <istmo/batch/batch.hpp>
#include <istmo/invoice/panama.hpp>
#include <istmo/service/store.hpp>
#include <istmo/service/worker.hpp>

#include "test_support.hpp"
#include "test_support/signed_invoices.hpp"
#include "test_support/postgres_server.hpp"
#include "test_support/rabbitmq_broker.hpp"

#include <gtest/gtest.h>

#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

using namespace istmo;
namespace pa = istmo::invoice::panama;

std::string signed_invoice(int n) { return test::signed_panama_invoice(n); }

// A small AMQP client for the test side: declare, bind, publish persistent messages, count.
class Amqp {
public:
    explicit Amqp(int port) : m_conn(amqp_new_connection()) {
        amqp_socket_t* socket = amqp_tcp_socket_new(m_conn);
        if (amqp_socket_open(socket, "127.0.0.1", port) != AMQP_STATUS_OK) throw std::runtime_error("connect");
        if (amqp_login(m_conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest").reply_type !=
            AMQP_RESPONSE_NORMAL)
            throw std::runtime_error("login");
        amqp_channel_open(m_conn, 1);
        ok("channel.open");
    }
    ~Amqp() {
        amqp_channel_close(m_conn, 1, AMQP_REPLY_SUCCESS);
        amqp_connection_close(m_conn, AMQP_REPLY_SUCCESS);
        amqp_destroy_connection(m_conn);
    }
    Amqp(const Amqp&) = delete;
    Amqp& operator=(const Amqp&) = delete;

    // Declares the queue (durable) unless it exists; returns its ready messages.
    std::uint32_t queue(const std::string& name) {
        auto* r = amqp_queue_declare(m_conn, 1, amqp_cstring_bytes(name.c_str()), 0, 1, 0, 0, amqp_empty_table);
        ok("queue.declare");
        return r->message_count;
    }
    // Ready messages of an existing queue (whatever its type).
    std::uint32_t count(const std::string& name) {
        auto* r = amqp_queue_declare(m_conn, 1, amqp_cstring_bytes(name.c_str()), 1, 0, 0, 0, amqp_empty_table);
        ok("queue.declare passive");
        return r->message_count;
    }
    // A replicated (quorum) queue, as an operator declares it for a cluster.
    void quorum_queue(const std::string& name) {
        amqp_table_entry_t type;
        type.key = amqp_cstring_bytes("x-queue-type");
        type.value.kind = AMQP_FIELD_KIND_UTF8;
        type.value.value.bytes = amqp_cstring_bytes("quorum");
        amqp_queue_declare(m_conn, 1, amqp_cstring_bytes(name.c_str()), 0, 1, 0, 0, amqp_table_t{1, &type});
        ok("queue.declare quorum");
    }
    void bind_to_fanout(const std::string& queue_name, const std::string& exchange) {
        amqp_exchange_declare(m_conn, 1, amqp_cstring_bytes(exchange.c_str()), amqp_cstring_bytes("fanout"), 0, 1, 0, 0,
                              amqp_empty_table);
        ok("exchange.declare");
        queue(queue_name);
        amqp_queue_bind(m_conn, 1, amqp_cstring_bytes(queue_name.c_str()), amqp_cstring_bytes(exchange.c_str()),
                        amqp_empty_bytes, amqp_empty_table);
        ok("queue.bind");
    }
    void publish(const std::string& queue_name, const std::string& body, const std::string& content_type = {},
                 const std::string& id = {}) {
        amqp_basic_properties_t props{};
        props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
        props.delivery_mode = 2;
        if (!content_type.empty()) {
            props._flags |= AMQP_BASIC_CONTENT_TYPE_FLAG;
            props.content_type = amqp_cstring_bytes(content_type.c_str());
        }
        if (!id.empty()) {
            props._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
            props.message_id = amqp_cstring_bytes(id.c_str());
        }
        const amqp_bytes_t bytes{body.size(), const_cast<char*>(body.data())};
        if (amqp_basic_publish(m_conn, 1, amqp_empty_bytes, amqp_cstring_bytes(queue_name.c_str()), 0, 0, &props, bytes) !=
            AMQP_STATUS_OK)
            throw std::runtime_error("publish");
    }
    // Takes every ready message of a queue (acknowledged), returns their message-ids.
    std::vector<std::string> drain_ids(const std::string& queue_name) {
        std::vector<std::string> ids;
        for (;;) {
            auto reply = amqp_basic_get(m_conn, 1, amqp_cstring_bytes(queue_name.c_str()), 1);
            if (reply.reply_type != AMQP_RESPONSE_NORMAL || reply.reply.id == AMQP_BASIC_GET_EMPTY_METHOD) break;
            amqp_message_t message;
            if (amqp_read_message(m_conn, 1, &message, 0).reply_type != AMQP_RESPONSE_NORMAL) break;
            if (message.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG)
                ids.emplace_back(static_cast<const char*>(message.properties.message_id.bytes),
                                 message.properties.message_id.len);
            amqp_destroy_message(&message);
        }
        return ids;
    }

private:
    void ok(const char* what) {
        if (amqp_get_rpc_reply(m_conn).reply_type != AMQP_RESPONSE_NORMAL) throw std::runtime_error(what);
    }
    amqp_connection_state_t m_conn;
};

std::size_t stored(const std::string& store_url) {
    auto store = service::VerdictStore::open(store_url);
    if (!store) return 0;
    auto n = (*store)->count();
    return n ? *n : 0;
}

// Polls until cond() holds (generous: a loaded machine), false on giving up.
template <class Cond>
bool eventually(Cond cond, int seconds = 300) {
    for (int i = 0; i < seconds * 10; ++i) {
        if (cond()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return cond();
}

service::WorkerOptions worker_options(const test::RabbitBroker& broker, const std::string& store_url) {
    service::WorkerOptions o;
    o.amqp_url = broker.url();
    o.queue = "invoices";
    o.results_exchange = "verdicts";
    o.store_url = store_url;
    o.max_attempts = 2;
    o.prefetch = 8;
    o.max_backoff = std::chrono::milliseconds(2000);
    EXPECT_TRUE(o.batch.verify.trust.add_file(test::pki("chain.pem").string()).has_value());
    return o;
}

TEST(ServiceWorker, EveryMessageOneVerdictPoisonDeadLettered) {
    ISTMO_SKIP_WITHOUT_RABBITMQ();
    test::TempDir dir;
    const std::string store_url = "sqlite:" + (dir / "v.db").string();
    test::RabbitBroker broker;
    Amqp client(broker.port());
    client.quorum_queue("invoices");  // the worker uses it as it is
    client.bind_to_fanout("verdicts-seen", "verdicts");
    constexpr int n = 30;
    for (int i = 0; i < n; ++i) client.publish("invoices", signed_invoice(i), "application/xml", "inv-" + std::to_string(i));
    client.publish("invoices", signed_invoice(0), "application/xml", "inv-0-again");  // the same bytes again
    client.publish("invoices", "{not json", "application/json", "poison-1");
    client.publish("invoices", R"({"base64":"***"})", "application/json", "poison-2");

    auto worker = service::Worker::create(worker_options(broker, store_url));
    ASSERT_TRUE(worker.has_value()) << worker.error().to_string();
    istmo::Result<void> ran{};
    std::thread thread([&] { ran = (*worker)->run(); });
    const bool done = eventually([&] {
        return (*worker)->stats().acked == n + 1 && (*worker)->stats().dead_lettered == 2;
    });
    (*worker)->stop();
    thread.join();
    ASSERT_TRUE(done) << "acked " << (*worker)->stats().acked << ", dead-lettered " << (*worker)->stats().dead_lettered;
    EXPECT_TRUE(ran.has_value());
    EXPECT_EQ(stored(store_url), static_cast<std::size_t>(n));
    EXPECT_EQ((*worker)->stats().duplicates, 1u);
    EXPECT_EQ((*worker)->stats().retried, 2u);  // each poison message was tried twice
    EXPECT_EQ(client.count("invoices"), 0u);
    EXPECT_EQ(client.count("invoices.dead"), 2u);
    const auto verdicts = client.drain_ids("verdicts-seen");  // message-id = the document's sha256
    EXPECT_EQ(verdicts.size(), static_cast<std::size_t>(n + 1));
    EXPECT_EQ(std::set<std::string>(verdicts.begin(), verdicts.end()).size(), static_cast<std::size_t>(n));
}

// The pipelined path: with 100 messages waiting and prefetch 16, deliveries are taken in
// batches (every verdict stored and published, the confirms awaited, one ack per batch): exactly
// 100 verdicts, 100 published results, every message acknowledged, fewer acks than messages.
TEST(ServiceWorker, BatchesOfDeliveriesOneVerdictEachAllAcked) {
    ISTMO_SKIP_WITHOUT_RABBITMQ();
    test::TempDir dir;
    const std::string store_url = "sqlite:" + (dir / "v.db").string();
    test::RabbitBroker broker;
    Amqp client(broker.port());
    client.queue("invoices");
    client.bind_to_fanout("verdicts-seen", "verdicts");
    constexpr int n = 100;
    for (int i = 0; i < n; ++i)
        client.publish("invoices", signed_invoice(2000 + i), "application/xml", "batch-" + std::to_string(i));

    auto options = worker_options(broker, store_url);
    options.prefetch = 16;
    auto worker = service::Worker::create(options);
    ASSERT_TRUE(worker.has_value()) << worker.error().to_string();
    istmo::Result<void> ran{};
    std::thread thread([&] { ran = (*worker)->run(); });
    const bool done = eventually([&] { return (*worker)->stats().acked == n; });
    (*worker)->stop();
    thread.join();
    ASSERT_TRUE(done) << "acked " << (*worker)->stats().acked;
    EXPECT_TRUE(ran.has_value());
    const auto& stats = (*worker)->stats();
    EXPECT_EQ(stats.acked, static_cast<std::uint64_t>(n));
    EXPECT_EQ(stats.duplicates, 0u);
    EXPECT_EQ(stats.retried + stats.dead_lettered, 0u);
    EXPECT_LT(stats.batches, static_cast<std::uint64_t>(n)) << "no batch held more than one delivery";
    EXPECT_GE(stats.batches, static_cast<std::uint64_t>((n + 15) / 16));  // none larger than the prefetch
    EXPECT_EQ(stored(store_url), static_cast<std::size_t>(n));
    EXPECT_EQ(client.count("invoices"), 0u);  // with the worker gone, nothing un-acked came back
    EXPECT_EQ(client.count("invoices.dead"), 0u);
    const auto verdicts = client.drain_ids("verdicts-seen");
    EXPECT_EQ(verdicts.size(), static_cast<std::size_t>(n));
    EXPECT_EQ(std::set<std::string>(verdicts.begin(), verdicts.end()).size(), static_cast<std::size_t>(n));
}

pid_t spawn_worker(const test::RabbitBroker& broker, const std::string& store_url, const std::string& log) {
    std::vector<std::string> words{test::cli_path(), "worker", "--amqp", broker.url(), "--queue", "invoices",
                                   "--results", "verdicts", "--store", store_url, "--prefetch", "4",
                                   "--trust", test::pki("chain.pem").string(), "--lang", "en"};
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0 ? pid : -1;
}

int stop_worker(pid_t pid) {
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void kill_restart_and_finish(const std::string& store_url) {
    test::TempDir dir;
    const std::string log = (dir / "workers.log").string();
    test::RabbitBroker broker;
    constexpr int n = 200;  // enough that the first worker is still busy when it is killed
    {
        Amqp client(broker.port());
        client.queue("invoices");
        client.bind_to_fanout("verdicts-seen", "verdicts");
        for (int i = 0; i < n; ++i) client.publish("invoices", signed_invoice(1000 + i), "application/xml");
    }
    const pid_t first = spawn_worker(broker, store_url, log);
    ASSERT_GT(first, 0);
    const bool some = eventually([&] { return stored(store_url) >= 5; });
    ::kill(first, SIGKILL);  // in the middle: messages in hand are neither acked nor lost
    ::waitpid(first, nullptr, 0);
    ASSERT_TRUE(some) << test::read_file(log);
    EXPECT_LT(stored(store_url), static_cast<std::size_t>(n)) << "the first worker finished before it was killed";
    broker.stop();
    broker.start();
    const pid_t a = spawn_worker(broker, store_url, log);
    const pid_t b = spawn_worker(broker, store_url, log);
    ASSERT_GT(a, 0);
    ASSERT_GT(b, 0);
    const bool all = eventually([&] { return stored(store_url) == static_cast<std::size_t>(n); });
    // Every message acknowledged: nothing left ready once the consumers are gone.
    bool drained = false;
    if (all) drained = eventually([&] { Amqp c(broker.port()); return c.queue("invoices") == 0; });
    EXPECT_EQ(stop_worker(a), 0);
    EXPECT_EQ(stop_worker(b), 0);
    ASSERT_TRUE(all) << stored(store_url) << " of " << n << "\n" << test::read_file(log);
    EXPECT_TRUE(drained);
    Amqp client(broker.port());
    EXPECT_EQ(client.queue("invoices"), 0u);
    EXPECT_EQ(client.queue("invoices.dead"), 0u);
    const auto verdicts = client.drain_ids("verdicts-seen");
    EXPECT_GE(verdicts.size(), static_cast<std::size_t>(n));  // at least once
    EXPECT_EQ(std::set<std::string>(verdicts.begin(), verdicts.end()).size(), static_cast<std::size_t>(n));
    EXPECT_EQ(stored(store_url), static_cast<std::size_t>(n));
}

TEST(ServiceWorker, KilledWorkerAndBrokerRestartLoseNothingSqlite) {
    ISTMO_SKIP_WITHOUT_RABBITMQ();
    ISTMO_SKIP_WITHOUT_CLI();
    test::TempDir dir;
    kill_restart_and_finish("sqlite:" + (dir / "v.db").string());
}

TEST(ServiceWorker, KilledWorkerAndBrokerRestartLoseNothingPostgres) {
    ISTMO_SKIP_WITHOUT_RABBITMQ();
    ISTMO_SKIP_WITHOUT_POSTGRES();
    ISTMO_SKIP_WITHOUT_CLI();
    test::PostgresServer pg;
    kill_restart_and_finish(pg.url());
}

TEST(ServiceWorker, BadOptions) {
    service::WorkerOptions o;
    o.store_url = "sqlite:/tmp/x.db";
    EXPECT_EQ(service::Worker::create(o).error().code, Errc::invalid_argument);  // no queue
    o.queue = "q";
    o.amqp_url = "http://x";
    EXPECT_EQ(service::Worker::create(o).error().code, Errc::invalid_argument);
}

}  // namespace
