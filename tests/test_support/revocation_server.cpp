#include "test_support/revocation_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace istmo::test {

namespace {

using Clock = std::chrono::steady_clock;

namespace fs = std::filesystem;

constexpr int k_slots = 4;  // kept PKIs: about as many as test processes with a server at once

fs::path servers_dir() { return source_dir() / "tests" / "servers"; }

long today() { return static_cast<long>(std::time(nullptr) / 86400); }

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
    take_slot();
    if (serve_kept_pki()) return;
    if (!start_server(0)) throw std::runtime_error("RevocationServer: the server did not print its port");
    const auto made = run_command("bash " + shell_quote(servers_dir() / "make_revocation_pki.sh") + " " +
                                  shell_quote(m_dir.path()) + " " + std::to_string(m_port));
    if (made.exit_code != 0) {
        (void)stop();
        throw std::runtime_error("RevocationServer: make_revocation_pki.sh failed: " + made.output);
    }
    keep_pki();
}

// Starts revocation_server.py on `port` (0: a free one): false, and nothing running, when it
// does not print its port (a kept port may be taken now).
bool RevocationServer::start_server(int port) {
    const std::string script = (servers_dir() / "revocation_server.py").string();
    std::vector<std::string> args = {python3(), script, "--dir", m_dir.path().string(), "--port", std::to_string(port)};
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
        return true;
    } catch (...) {
        (void)stop();
        return false;
    }
}

// Slots: the PKI names the server's port in every certificate, so a made PKI is kept with its
// port, per build tree, make_revocation_pki.sh text and UTC day (its CRLs last 7 days; "revoked"
// means yesterday), in a few slots. A process takes a free slot (flock, held while its server
// lives), copies the slot's PKI into its own folder (tests write there) and serves it on the
// slot's port; an empty slot, or one whose port is taken now, gets the PKI this process makes.
// With every slot taken (more test processes at once than slots) a process keeps nothing.
void RevocationServer::take_slot() {
    const std::string script = read_file(servers_dir() / "make_revocation_pki.sh");
    const fs::path root = fs::path(ISTMO_BINARY_DIR) / "revocation-server-pki" /
                          (std::to_string(std::hash<std::string>{}(script)) + "-" + std::to_string(today()));
    std::error_code ec;
    fs::create_directories(root, ec);
    for (int i = 0; i < k_slots && m_slot_lock < 0; ++i) {
        const fs::path lock = root / ("slot-" + std::to_string(i) + ".lock");
        const int fd = ::open(lock.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0) continue;
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd);
            continue;
        }
        m_slot_lock = fd;
        m_slot = root / ("slot-" + std::to_string(i));
    }
}

// Serves the slot's PKI on its port: false when the slot holds none or the port is taken.
bool RevocationServer::serve_kept_pki() {
    std::error_code ec;
    if (m_slot_lock < 0 || !fs::exists(m_slot / "done", ec)) return false;
    int port = 0;
    try {
        port = std::stoi(read_file(m_slot / "port"));
    } catch (...) {
        return false;
    }
    fs::copy(m_slot / "pki", m_dir.path(), fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    return !ec && start_server(port);
}

// Keeps the PKI just made for m_port in the slot (replacing what it held); the kept PKIs of
// days before yesterday go.
void RevocationServer::keep_pki() const {
    if (m_slot_lock < 0) return;
    std::error_code ec;
    fs::remove_all(m_slot, ec);
    fs::create_directories(m_slot, ec);
    fs::copy(m_dir.path(), m_slot / "pki", fs::copy_options::recursive, ec);
    if (ec) return;
    write_file(m_slot / "port", std::to_string(m_port));
    write_file(m_slot / "done", "");
    const fs::path kept = m_slot.parent_path().parent_path();
    for (const auto& entry : fs::directory_iterator(kept, ec)) {
        const std::string name = entry.path().filename().string();
        const auto dash = name.rfind('-');
        if (dash != std::string::npos && std::atol(name.c_str() + dash + 1) + 1 < today()) fs::remove_all(entry.path(), ec);
    }
}

RevocationServer::~RevocationServer() {
    (void)stop();
    if (m_slot_lock >= 0) ::close(m_slot_lock);  // the slot (and its port) is free for another process
}

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
