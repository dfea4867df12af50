#pragma once
// A scripted HTTP/1.1 server on 127.0.0.1 (a free port chosen by the kernel) for the HTTP client
// tests: every request is read whole (head + Content-Length body) and handed to a handler that
// returns the raw bytes to send back (an empty string: close without answering). The handler
// may sleep to play a slow server. The loop itself is LoopbackHttpServer's.
//
//   istmo::test::ScriptedHttpServer server([](const ScriptedRequest& r) { return http_reply(200, "x"); });
//   server.url("/path")   // "http://127.0.0.1:PORT/path"
#include "loopback_http_server.hpp"

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace istmo::test {

// A request as the handler sees it: LoopbackRequest plus its arrival order.
struct ScriptedRequest : LoopbackRequest {
    int index = 0;  // 0 for the first request this server got, 1 for the second...
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

    explicit ScriptedHttpServer(Handler handler)
        : m_handler(std::move(handler)), m_server([this](const LoopbackRequest& raw) { return answer(raw); }) {}

    ScriptedHttpServer(const ScriptedHttpServer&) = delete;
    ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

    [[nodiscard]] std::string url(const std::string& path = "/") const { return m_server.url(path); }
    [[nodiscard]] int requests() const noexcept { return m_requests.load(); }
    [[nodiscard]] std::vector<ScriptedRequest> seen() const {
        std::lock_guard lock(m_mutex);
        return m_seen;
    }

private:
    std::string answer(const LoopbackRequest& raw) {
        ScriptedRequest request;
        request.head = raw.head;
        request.body = raw.body;
        request.index = m_requests++;
        {
            std::lock_guard lock(m_mutex);
            m_seen.push_back(request);
        }
        return m_handler(request);
    }

    Handler m_handler;
    std::atomic<int> m_requests{0};
    mutable std::mutex m_mutex;
    std::vector<ScriptedRequest> m_seen;
    LoopbackHttpServer m_server;  // last: stopped (its threads joined) before the members above go
};

}  // namespace istmo::test
