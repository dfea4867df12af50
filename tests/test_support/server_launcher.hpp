#pragma once
// What the tests' throw-away servers (PostgresServer, RabbitBroker) share: a free loopback port,
// a temporary directory removed with the server, and "start, then ask until it answers".
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace istmo::test {

// A TCP port free on 127.0.0.1 a moment ago (another process may take it before the server
// binds it: callers retry a start that fails).
int free_loopback_port();

// mkdtemp("/tmp/<prefix>-XXXXXX"), removed (recursively) by the destructor unless kept.
class ServerDirectory {
public:
    // Throws std::runtime_error when the directory cannot be made.
    explicit ServerDirectory(const std::string& prefix);
    ~ServerDirectory();
    ServerDirectory(const ServerDirectory&) = delete;
    ServerDirectory& operator=(const ServerDirectory&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_path; }
    std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
    std::filesystem::path m_path;
};

// Calls `attempt` until it returns true, at most `attempts` times, sleeping `pause` between
// two calls; true when one succeeded. A loaded machine needs generous numbers.
bool start_and_wait(int attempts, std::chrono::milliseconds pause, const std::function<bool()>& attempt);

}  // namespace istmo::test
