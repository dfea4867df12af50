#include "test_support/postgres_server.hpp"

#include "test_support.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace istmo::test {

namespace fs = std::filesystem;


std::string PostgresServer::bin_dir() {
    std::vector<fs::path> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec))
        if (fs::exists(entry.path() / "bin" / "initdb") && fs::exists(entry.path() / "bin" / "pg_ctl"))
            found.push_back(entry.path() / "bin");
    if (found.empty()) return {};
    std::sort(found.begin(), found.end());
    return found.back().string();
}

std::string PostgresServer::as_server_user(const std::string& command) const {
    if (m_user.empty()) return command;
    return "runuser -u " + m_user + " -- " + command;
}

PostgresServer::PostgresServer() : m_bin(bin_dir()) {
    if (m_bin.empty()) throw std::runtime_error("no PostgreSQL server binaries");
    if (::geteuid() == 0) {
        m_user = ::getpwnam("postgres") != nullptr ? "postgres" : "nobody";
        const passwd* pw = ::getpwnam(m_user.c_str());
        if (pw == nullptr || ::chown(m_dir.path().c_str(), pw->pw_uid, pw->pw_gid) != 0)
            throw std::runtime_error("cannot hand " + m_dir.path().string() + " to " + m_user);
    }
    const std::string data = (m_dir / "data").string();
    auto init = run_command(as_server_user(shell_quote(m_bin + "/initdb") + " -D " + shell_quote(data) +
                                           " -U istmo --auth=trust -E UTF8 --no-sync --no-instructions"));
    if (init.exit_code != 0) throw std::runtime_error("initdb failed: " + init.output);
    // A free port can be taken between the probe and the start: try a few (pg_ctl -w itself waits
    // until the server answers).
    const bool started = start_and_wait(5, std::chrono::milliseconds(0), [&] {
        const int port = free_loopback_port();
        auto start = run_command(as_server_user(
            shell_quote(m_bin + "/pg_ctl") + " -D " + shell_quote(data) + " -l " + shell_quote((m_dir / "log").string()) +
            " -w -t 120 -o " +
            shell_quote("-p " + std::to_string(port) + " -k " + m_dir.path().string() +
                        " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50") +
            " start"));
        if (start.exit_code != 0) return false;
        m_url = "postgresql://istmo@127.0.0.1:" + std::to_string(port) + "/postgres";
        return true;
    });
    if (!started) throw std::runtime_error("pg_ctl start failed: " + read_file(m_dir / "log"));
}

PostgresServer::~PostgresServer() {
    (void)run_command(as_server_user(shell_quote(m_bin + "/pg_ctl") + " -D " + shell_quote((m_dir / "data").string()) +
                                     " -m immediate -w -t 120 stop"));
}

}  // namespace istmo::test
