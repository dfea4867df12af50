#include "test_support/rabbitmq_broker.hpp"

#include "test_support.hpp"

#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace istmo::test {

namespace fs = std::filesystem;

namespace {

const char* const k_server = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const char* const k_ctl = "/usr/lib/rabbitmq/bin/rabbitmqctl";

}  // namespace

bool RabbitBroker::available() { return ::access(k_server, X_OK) == 0 && have_tool("epmd"); }

RabbitBroker::RabbitBroker() {
    m_port = free_loopback_port();
    m_dist_port = free_loopback_port();
    m_epmd_port = free_loopback_port();
    write_file(m_dir / "enabled_plugins", "[].\n");
    write_file(m_dir / "rabbitmq-env.conf", "");
    write_file(m_dir / "rabbitmq.conf", "listeners.tcp.default = 127.0.0.1:" + std::to_string(m_port) +
                                            "\nloopback_users = none\nlog.console = false\n");
    try {
        start();
    } catch (...) {
        cleanup();
        throw;
    }
}

void RabbitBroker::cleanup() noexcept {
    try {
        stop();
        // A node that never answered rabbitmqctl: its pid file (written once it runs) names it.
        const std::string pid = read_file(m_dir / "pid");
        if (!pid.empty()) (void)run_command("kill -9 " + pid + " 2>/dev/null");
    } catch (...) {
    }
    (void)run_command(environment() + " epmd -port " + std::to_string(m_epmd_port) + " -kill >/dev/null 2>&1");
}

RabbitBroker::~RabbitBroker() { cleanup(); }

int RabbitBroker::pid() const {
    try {
        return std::stoi(read_file(m_dir / "pid"));
    } catch (...) {
        return 0;
    }
}

std::string RabbitBroker::url() const { return "amqp://guest:guest@127.0.0.1:" + std::to_string(m_port) + "/%2f"; }

std::string RabbitBroker::environment() const {
    const std::string d = m_dir.path().string();
    return "env HOME=" + shell_quote(d) + " RABBITMQ_NODENAME=istmo" + std::to_string(m_port) +
           "@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=" + std::to_string(m_port) +
           " RABBITMQ_DIST_PORT=" + std::to_string(m_dist_port) + " ERL_EPMD_PORT=" + std::to_string(m_epmd_port) +
           " ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_MNESIA_BASE=" + shell_quote(d + "/mnesia") +
           " RABBITMQ_LOG_BASE=" + shell_quote(d + "/log") + " RABBITMQ_CONFIG_FILE=" + shell_quote(d + "/rabbitmq") +
           " RABBITMQ_ENABLED_PLUGINS_FILE=" + shell_quote(d + "/enabled_plugins") +
           " RABBITMQ_PID_FILE=" + shell_quote(d + "/pid") + " RABBITMQ_CONF_ENV_FILE=" + shell_quote(d + "/rabbitmq-env.conf") +
           " RABBITMQ_ADVANCED_CONFIG_FILE=" + shell_quote(d + "/advanced.config");
}

void RabbitBroker::start() {
    const std::string log = (m_dir / ("server-" + std::to_string(++m_starts) + ".log")).string();
    (void)run_command(environment() + " " + k_server + " >" + shell_quote(log) + " 2>&1 </dev/null &");
    m_running = true;
    // A loaded machine takes tens of seconds. `rabbitmqctl await_startup` waits for a node that
    // runs, but fails at once while the node has not registered with epmd yet: ask again.
    CommandResult waited;
    if (start_and_wait(150, std::chrono::seconds(2), [&] {
            waited = run_command(environment() + " timeout 120 " + k_ctl + " await_startup --timeout 100 2>&1");
            return waited.exit_code == 0;
        }))
        return;
    throw std::runtime_error("rabbitmq-server did not start: " + waited.output + "\n" + read_file(log));
}

void RabbitBroker::stop() {
    if (!m_running) return;
    m_running = false;
    // `stop` returns once the Erlang node is gone.
    (void)run_command(environment() + " timeout 300 " + k_ctl + " stop >/dev/null 2>&1");
}

}  // namespace istmo::test
