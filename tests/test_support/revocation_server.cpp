#include "test_support/revocation_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace istmo::test {

namespace {

using Clock = std::chrono::steady_clock;

std::filesystem::path servers_dir() { return source_dir() / "tests" / "servers"; }

// The first line the child writes, within `timeout`; "" on timeout or end of file.
std::string read_first_line(int fd, std::chrono::milliseconds timeout) {
    std::string line;
    const auto until = Clock::now() + timeout;
    while (Clock::now() < until) {
        pollfd p{fd, POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
        if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) continue;
        char c = 0;
        const auto n = ::read(fd, &c, 1);
        if (n <= 0) return {};
        if (c == '\n') return line;
        line += c;
    }
    return {};
}

std::string percent_encode(std::string_view text) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '/' || c == '-' || c == '_' || c == '.' || c == '=') {
            out += c;
        } else {
            out += '%';
            out += digits[u >> 4];
            out += digits[u & 0x0F];
        }
    }
    return out;
}

}  // namespace

std::optional<std::string> RevocationServer::unavailable_reason() {
    if (!have_tool(python3())) return "python3 is not installed: the loopback revocation server cannot run";
    if (!have_tool("openssl")) return "the openssl CLI is not installed: the revocation PKI cannot be made";
    return std::nullopt;
}

RevocationServer::RevocationServer() {
    if (auto why = unavailable_reason()) throw std::runtime_error(*why);
    const std::string script = (servers_dir() / "revocation_server.py").string();
    const std::string dir = m_dir.path().string();
    std::vector<std::string> args = {python3(), script, "--dir", dir};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("RevocationServer: pipe() failed");
    m_pid = ::fork();
    if (m_pid < 0) throw std::runtime_error("RevocationServer: fork() failed");
    if (m_pid == 0) {
        ::dup2(pipe_fds[1], STDOUT_FILENO);
        ::execvp(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(pipe_fds[1]);
    m_stdout = pipe_fds[0];
    const std::string line = read_first_line(m_stdout, std::chrono::seconds(30));
    try {
        m_port = std::stoi(line);
    } catch (...) {
        (void)stop();
        throw std::runtime_error("RevocationServer: the server did not print its port (got '" + line + "')");
    }
    const auto made = run_command("bash " + shell_quote(servers_dir() / "make_revocation_pki.sh") + " " +
                                  shell_quote(m_dir.path()) + " " + std::to_string(m_port));
    if (made.exit_code != 0) {
        (void)stop();
        throw std::runtime_error("RevocationServer: make_revocation_pki.sh failed: " + made.output);
    }
}

RevocationServer::~RevocationServer() { (void)stop(); }

int RevocationServer::stop() noexcept {
    int result = -1;
    if (m_pid > 0) {
        ::kill(m_pid, SIGTERM);
        int status = 0;
        const auto until = Clock::now() + std::chrono::seconds(5);
        pid_t done = 0;
        while ((done = ::waitpid(m_pid, &status, WNOHANG)) == 0) {
            if (Clock::now() > until) {
                ::kill(m_pid, SIGKILL);
                ::waitpid(m_pid, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (done == m_pid && WIFEXITED(status)) result = WEXITSTATUS(status);
        m_pid = -1;
    }
    if (m_stdout >= 0) ::close(m_stdout);
    m_stdout = -1;
    return result;
}

std::string RevocationServer::url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(m_port) + std::string(path);
}

std::string RevocationServer::fault_url(std::string_view mode, std::string_view path) const {
    return url("/_fault/" + std::string(mode) + std::string(path));
}

std::string RevocationServer::control(std::string_view method, std::string_view target, std::string_view body) const {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("RevocationServer: socket() failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(m_port));
    timeval timeout{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        throw std::runtime_error("RevocationServer: cannot connect for a control request");
    }
    const std::string request = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                                "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
                                std::string(body);
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string answer;
    char buffer[4096];
    for (;;) {
        const auto n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    const auto end = answer.find("\r\n\r\n");
    if (answer.rfind("HTTP/1.1 200", 0) != 0 && answer.rfind("HTTP/1.0 200", 0) != 0)
        throw std::runtime_error("RevocationServer: control request " + std::string(target) + " failed: " + answer);
    return end == std::string::npos ? std::string() : answer.substr(end + 4);
}

void RevocationServer::set_mode(std::string_view mode, std::string_view path) const {
    const std::string target = path.empty() ? "/_mode" : "/_mode?path=" + percent_encode(path);
    control("POST", target, mode);
}

void RevocationServer::reset() const { control("POST", "/_reset", {}); }

long RevocationServer::count(std::string_view path) const {
    return std::stol(control("GET", "/_count?path=" + percent_encode(path), {}));
}

long RevocationServer::count_prefix(std::string_view prefix) const {
    return std::stol(control("GET", "/_count?prefix=" + percent_encode(prefix), {}));
}

std::string RevocationServer::serial(const std::string& stem) const {
    std::string s = read_file(file(stem + ".serial"));
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

}  // namespace istmo::test
