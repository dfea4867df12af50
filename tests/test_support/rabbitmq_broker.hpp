#pragma once
// A throw-away RabbitMQ broker for the tests: rabbitmq-server on 127.0.0.1 at free ports (AMQP,
// Erlang distribution, its own epmd), its node name, database, logs, config and Erlang cookie in a
// temporary directory (RABBITMQ_* and ERL_EPMD_* in its environment; nothing of /etc/rabbitmq is
// read). restart() keeps the database (durable queues and persistent messages survive). The
// destructor stops the broker and its epmd and removes the directory.
//
//   ISTMO_SKIP_WITHOUT_RABBITMQ();               // Not Run without rabbitmq-server
//   istmo::test::RabbitBroker broker;
//   broker.url()                                 // "amqp://guest:guest@127.0.0.1:PORT/%2f"
#include "test_support/server_launcher.hpp"

#include <string>

namespace istmo::test {

class RabbitBroker {
public:
    static bool available();
    // Throws std::runtime_error when the broker does not start.
    RabbitBroker();
    ~RabbitBroker();
    RabbitBroker(const RabbitBroker&) = delete;
    RabbitBroker& operator=(const RabbitBroker&) = delete;
    [[nodiscard]] std::string url() const;
    [[nodiscard]] int port() const noexcept { return m_port; }
    // The broker's process id (its Erlang VM, from the pid file it writes), 0 when not known.
    [[nodiscard]] int pid() const;
    void stop();
    void start();

private:
    std::string environment() const;
    void cleanup() noexcept;
    ServerDirectory m_dir{"istmo-rmq"};  // removed after cleanup() stopped the broker
    int m_port = 0, m_dist_port = 0, m_epmd_port = 0;
    bool m_running = false;
    int m_starts = 0;
};

}  // namespace istmo::test

#define ISTMO_SKIP_WITHOUT_RABBITMQ()                                                 \
    do {                                                                              \
        if (!::istmo::test::RabbitBroker::available())                                \
            GTEST_SKIP() << "rabbitmq-server is not installed";                       \
    } while (0)
