#pragma once
// The one HTTP/1.1 server loop of the tests and benchmarks, on 127.0.0.1 (a free port chosen by
// the kernel): every request is read whole (head + Content-Length body) and handed to a handler
// that returns the raw bytes to send back (an empty string: close without answering). One thread
// per connection, so that concurrent requests are answered concurrently; every answer closes it.
//
// Connection threads are joined, never detached: a detached thread could still be running its
// exit handlers (OpenSSL's thread-local state) when the test process ends, which LeakSanitizer
// then reports as a leak, now and then. The destructor stops accepting and joins them all.
//
//   istmo::test::LoopbackHttpServer server([](const LoopbackRequest& r) { return std::string(); });
//   server.url("/path")   // "http://127.0.0.1:PORT/path"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace istmo::test {

struct LoopbackRequest {
    std::string head;  // request line and headers
    std::string body;

    [[nodiscard]] std::string request_line() const { return head.substr(0, head.find("\r\n")); }
    // A header value (case-insensitive name), "" when absent.
    [[nodiscard]] std::string header(std::string_view name) const {
        auto lower = [](std::string_view text) {
            std::string out(text);
            for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            return out;
        };
        const std::string lower_head = lower(head);
        const std::string key = "\r\n" + lower(name) + ":";
        const auto at = lower_head.find(key);
        if (at == std::string::npos) return {};
        auto start = at + key.size();
        while (start < head.size() && head[start] == ' ') ++start;
        return head.substr(start, head.find("\r\n", start) - start);
    }
};

class LoopbackHttpServer {
public:
    using Handler = std::function<std::string(const LoopbackRequest&)>;

    // RECEIVE_TIMEOUT_SECONDS bounds how long a connection may stay silent (a client that never
    // sends its request must not keep the destructor waiting for ever).
    explicit LoopbackHttpServer(Handler handler, int receive_timeout_seconds = 5)
        : m_handler(std::move(handler)), m_receive_timeout(receive_timeout_seconds) {
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (m_listen < 0) throw std::runtime_error("LoopbackHttpServer: socket() failed");
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
            throw std::runtime_error("LoopbackHttpServer: cannot listen on 127.0.0.1");
        }
        m_port = ntohs(address.sin_port);
        m_acceptor = std::thread([this] { accept_loop(); });
    }

    ~LoopbackHttpServer() {
        m_stop = true;
        m_acceptor.join();
        ::close(m_listen);
    }

    LoopbackHttpServer(const LoopbackHttpServer&) = delete;
    LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

    [[nodiscard]] std::string url(const std::string& path = "/") const {
        return "http://127.0.0.1:" + std::to_string(m_port) + path;
    }
    [[nodiscard]] int port() const noexcept { return m_port; }

private:
    struct Connection {
        std::thread thread;
        std::atomic<bool> done{false};
    };

    static void send_all(int fd, const std::string& data) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            const auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return;
            sent += static_cast<std::size_t>(n);
        }
    }

    void serve(int fd) {
        timeval timeout{m_receive_timeout, 0};
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
                LoopbackRequest probe;
                probe.head = data.substr(0, header_end + 2);
                const std::string length = probe.header("content-length");
                body_size = 0;
                for (const char c : length) {
                    if (c < '0' || c > '9' || body_size > (1u << 22)) break;
                    body_size = body_size * 10 + static_cast<std::size_t>(c - '0');
                }
            }
        }
        LoopbackRequest request;
        request.head = data.substr(0, header_end + 2);
        request.body = data.substr(header_end + 4, body_size);
        const std::string answer = m_handler(request);
        if (!answer.empty()) send_all(fd, answer);
    }

    // Joins the connection threads that have finished (all of them when STOPPING).
    void reap(bool stopping) {
        for (auto it = m_connections.begin(); it != m_connections.end();) {
            if (stopping || (*it)->done) {
                (*it)->thread.join();
                it = m_connections.erase(it);
            } else {
                ++it;
            }
        }
    }

    void accept_loop() {
        while (!m_stop) {
            reap(false);
            pollfd watched{m_listen, POLLIN, 0};
            if (::poll(&watched, 1, 20) <= 0) continue;
            const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            auto connection = std::make_unique<Connection>();
            Connection* raw = connection.get();
            raw->thread = std::thread([this, fd, raw] {
                serve(fd);
                ::shutdown(fd, SHUT_RDWR);
                ::close(fd);
                raw->done = true;
            });
            m_connections.push_back(std::move(connection));
        }
        reap(true);
    }

    Handler m_handler;
    int m_receive_timeout;
    int m_listen = -1;
    int m_port = 0;
    std::thread m_acceptor;
    std::atomic<bool> m_stop{false};
    std::list<std::unique_ptr<Connection>> m_connections;  // touched by the acceptor thread only
};

}  // namespace istmo::test
