#pragma once
// The shipped DGI simulator as a separate process (`istmo dgi simulate`), for tests that drive a
// client against it over HTTPS with a client certificate: a server certificate for 127.0.0.1
// made with the openssl CLI, the test PKI as client CA and as trust for the rFE signatures,
// port 0 (the kernel picks; the port is read from its stderr). The destructor stops it with
// SIGTERM and waits for it (SIGKILL if it does not exit), so no process outlives the test.
#include "test_support.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace istmo::test {

class SimulatorProcess {
public:
    // EXTRA: more arguments for `istmo dgi simulate` (e.g. "--fault", "reject").
    // Check started() (and why()) before using it: it may not start (no CLI, no openssl).
    explicit SimulatorProcess(std::vector<std::string> extra = {});
    ~SimulatorProcess();
    SimulatorProcess(const SimulatorProcess&) = delete;
    SimulatorProcess& operator=(const SimulatorProcess&) = delete;

    [[nodiscard]] bool started() const noexcept { return m_port != 0; }
    [[nodiscard]] const std::string& why() const noexcept { return m_why; }
    [[nodiscard]] std::string base_url() const { return "https://127.0.0.1:" + std::to_string(m_port); }
    [[nodiscard]] std::string server_cert() const { return (m_dir / "server.pem").string(); }
    [[nodiscard]] std::string log() const { return read_file(m_dir / "simulate.log"); }
    // SIGTERM, then the exit status (-1 when it had to be killed).
    int stop();

private:
    TempDir m_dir;
    pid_t m_pid = -1;
    int m_port = 0;
    std::string m_why;
};

}  // namespace istmo::test
