#include "test_support/postgres_server.hpp"

#include "test_support.hpp"

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace istmo::test {

namespace fs = std::filesystem;

namespace {

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

}  // namespace

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
    char pattern[] = "/tmp/istmo-pg-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    m_dir = pattern;
    if (::geteuid() == 0) {
        m_user = ::getpwnam("postgres") != nullptr ? "postgres" : "nobody";
        const passwd* pw = ::getpwnam(m_user.c_str());
        if (pw == nullptr || ::chown(m_dir.c_str(), pw->pw_uid, pw->pw_gid) != 0)
            throw std::runtime_error("cannot hand " + m_dir.string() + " to " + m_user);
    }
    const std::string data = (m_dir / "data").string();
    auto init = run_command(as_server_user(shell_quote(m_bin + "/initdb") + " -D " + shell_quote(data) +
                                           " -U istmo --auth=trust -E UTF8 --no-sync --no-instructions"));
    if (init.exit_code != 0) throw std::runtime_error("initdb failed: " + init.output);
    // A free port can be taken between the probe and the start: try a few.
    for (int attempt = 0; attempt < 5; ++attempt) {
        const int port = free_port();
        auto start = run_command(as_server_user(
            shell_quote(m_bin + "/pg_ctl") + " -D " + shell_quote(data) + " -l " + shell_quote((m_dir / "log").string()) +
            " -w -t 120 -o " +
            shell_quote("-p " + std::to_string(port) + " -k " + m_dir.string() +
                        " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50") +
            " start"));
        if (start.exit_code == 0) {
            m_url = "postgresql://istmo@127.0.0.1:" + std::to_string(port) + "/postgres";
            return;
        }
    }
    const std::string log = read_file(m_dir / "log");
    std::error_code ec;
    fs::remove_all(m_dir, ec);
    throw std::runtime_error("pg_ctl start failed: " + log);
}

PostgresServer::~PostgresServer() {
    (void)run_command(as_server_user(shell_quote(m_bin + "/pg_ctl") + " -D " + shell_quote((m_dir / "data").string()) +
                                     " -m immediate -w -t 120 stop"));
    std::error_code ec;
    fs::remove_all(m_dir, ec);
}

}  // namespace istmo::test
