#pragma once
// A scripted HTTP/1.1 server on 127.0.0.1 (a free port chosen by the kernel) for the HTTP client
// tests: every request is read whole (head + Content-Length body) and handed to a handler that
// returns the raw bytes to send back (an empty string: close without answering). The handler
// may sleep to play a slow server. One thread per connection; every answer closes it.
//
//   istmo::test::ScriptedHttpServer server([](const ScriptedRequest& r) { return http_reply(200, "x"); });
//   server.url("/path")   // "http://127.0.0.1:PORT/path"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace istmo::test {

struct ScriptedRequest {
    std::string head;  // request line and headers
    std::string body;
    int index = 0;     // 0 for the first request this server got, 1 for the second...

    [[nodiscard]] std::string request_line() const { return head.substr(0, head.find("\r\n")); }
    // A header value (case-insensitive name), "" when absent.
    [[nodiscard]] std::string header(std::string_view name) const {
        std::string lower_head = head;
        for (char& c : lower_head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string key = "\r\n";
        for (const char c : name) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        key += ":";
        const auto at = lower_head.find(key);
        if (at == std::string::npos) return {};
        auto start = at + key.size();
        while (start < head.size() && head[start] == ' ') ++start;
        return head.substr(start, head.find("\r\n", start) - start);
    }
};

inline std::string http_reply(int status, const std::string& body, const std::string& extra_headers = {},
                              const std::string& type = "application/octet-stream") {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers +
           "Connection: close\r\n\r\n" + body;
}

class ScriptedHttpServer {
public:
    using Handler = std::function<std::string(const ScriptedRequest&)>;

    explicit ScriptedHttpServer(Handler handler) : m_handler(std::move(handler)) {
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (m_listen < 0) throw std::runtime_error("ScriptedHttpServer: socket() failed");
        const int one = 1;
        ::setsockopt(m_listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(m_listen, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(m_listen, 256) != 0 ||
            ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            ::close(m_listen);
            throw std::runtime_error("ScriptedHttpServer: cannot listen on 127.0.0.1");
        }
        m_port = ntohs(address.sin_port);
        m_acceptor = std::thread([this] { accept_loop(); });
    }

    ~ScriptedHttpServer() {
        m_stop = true;
        m_acceptor.join();
        ::close(m_listen);
    }

    ScriptedHttpServer(const ScriptedHttpServer&) = delete;
    ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

    [[nodiscard]] std::string url(const std::string& path = "/") const {
        return "http://127.0.0.1:" + std::to_string(m_port) + path;
    }
    [[nodiscard]] int requests() const noexcept { return m_requests.load(); }
    [[nodiscard]] std::vector<ScriptedRequest> seen() const {
        std::lock_guard lock(m_mutex);
        return m_seen;
    }

private:
    static void send_all(int fd, const std::string& data) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            const auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return;
            sent += static_cast<std::size_t>(n);
        }
    }

    void serve(int fd) {
        timeval timeout{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        std::string data;
        char buffer[16384];
        std::size_t header_end = std::string::npos;
        std::size_t body_size = 0;
        while (header_end == std::string::npos || data.size() < header_end + 4 + body_size) {
            const auto n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0 || data.size() > (1u << 22)) return;
            data.append(buffer, static_cast<std::size_t>(n));
            if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != std::string::npos) {
                ScriptedRequest probe;
                probe.head = data.substr(0, header_end + 2);
                const std::string length = probe.header("content-length");
                body_size = length.empty() ? 0 : std::stoul(length);
            }
        }
        ScriptedRequest request;
        request.head = data.substr(0, header_end + 2);
        request.body = data.substr(header_end + 4, body_size);
        request.index = m_requests++;
        {
            std::lock_guard lock(m_mutex);
            m_seen.push_back(request);
        }
        const std::string answer = m_handler(request);
        if (!answer.empty()) send_all(fd, answer);
    }

    void accept_loop() {
        while (!m_stop) {
            pollfd watched{m_listen, POLLIN, 0};
            if (::poll(&watched, 1, 20) <= 0) continue;
            const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            ++m_active;
            std::thread([this, fd] {
                serve(fd);
                ::shutdown(fd, SHUT_RDWR);
                ::close(fd);
                --m_active;
            }).detach();
        }
        while (m_active > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }

    Handler m_handler;
    int m_listen = -1;
    int m_port = 0;
    std::thread m_acceptor;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_active{0};
    std::atomic<int> m_requests{0};
    mutable std::mutex m_mutex;
    std::vector<ScriptedRequest> m_seen;
};

}  // namespace istmo::test
