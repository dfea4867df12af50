// The validation service: Boost.Beast HTTP/1.1 (optionally over TLS) on one I/O thread, the
// batch validators on a pool of `jobs` threads (docs/service.md). Callback style, as in
// src/net, so that it builds with g++ 12 and clang 14.
#include <istmo/service/server.hpp>

#include "dsig/status_source.hpp"
#include "service/metrics.hpp"
#include "service/request.hpp"
#include "service/test_hook.hpp"

// g++ 12 -O2 reports Asio's scheduler internals as a "potential null pointer dereference"
// (see src/net/http_client.cpp); a false positive in the header code, silenced for this file.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <csignal>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

namespace istmo::service {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using error_code = boost::system::error_code;

namespace {

// The answer to one request.
struct Reply {
    http::status status = http::status::ok;
    std::string content_type = "application/json";
    std::string body;
    bool retry_after = false;  // 503 for load: tell the client when to come back
    bool close = false;        // the connection cannot carry another request
};

Reply refusal_reply(const detail::Refusal& refusal) {
    Reply reply;
    reply.status = static_cast<http::status>(refusal.status);
    reply.body = detail::refusal_json(refusal);
    return reply;
}

Reply refusal_reply(std::string_view code) { return refusal_reply(detail::refusal(code)); }

std::size_t profile_index(batch::Profile profile) noexcept { return static_cast<std::size_t>(profile); }
constexpr std::array k_all_profiles{batch::Profile::panama_fe, batch::Profile::xmldsig, batch::Profile::xades,
                                    batch::Profile::automatic};

// "ADDR:PORT", "[V6]:PORT".
Result<tcp::endpoint> parse_listen(const std::string& text) {
    const auto bad = [&] {
        return make_error(Errc::invalid_argument, "listen address must be ADDR:PORT, e.g. 127.0.0.1:8080: '" + text + "'");
    };
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 >= text.size()) return bad();
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    unsigned long port = 0;
    for (std::size_t i = colon + 1; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9') return bad();
        port = port * 10 + static_cast<unsigned long>(text[i] - '0');
        if (port > 65535) return bad();
    }
    error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) return bad();
    return tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

}  // namespace

// A connection, whatever its stream: the server drains it through this.
class SessionBase {
public:
    virtual ~SessionBase() = default;
    // Called on the I/O thread when the server starts stopping: an idle connection closes now,
    // a busy one after its answer.
    virtual void drain() = 0;
};

namespace detail {

// Everything the server holds; Server::Impl is this (the sessions see it under this name).
struct ServerCore {
    ServerOptions options;
    std::uint16_t port = 0;
    std::size_t max_body = 0;
    std::size_t max_in_flight = 0;
    std::array<std::unique_ptr<batch::Validator>, k_all_profiles.size()> validators;
    mutable Metrics metrics;

    asio::io_context io{1};
    asio::executor_work_guard<asio::io_context::executor_type> io_work{io.get_executor()};
    tcp::acceptor acceptor{io};
    asio::steady_timer accept_retry{io};
    std::optional<asio::ssl::context> tls;
    std::optional<asio::signal_set> signals;
    std::unique_ptr<asio::thread_pool> pool;
    std::thread io_thread;
    std::mutex wait_mutex;

    bool draining = false;                           // I/O thread only
    std::atomic<bool> draining_seen{false};          // the same, for the pool and health checks
    std::list<std::weak_ptr<SessionBase>> sessions;  // I/O thread only

    Result<void> configure(ServerOptions given);
    Result<void> listen();
    void accept();
    void start_session(tcp::socket socket);
    void begin_stop();
    void run_io() noexcept;

    // Runs on a pool thread: never throws.
    Reply validate(const http::request<http::string_body>& request) const noexcept;
    Reply route(const http::request<http::string_body>& request, bool& to_pool);
    [[nodiscard]] const batch::Validator& validator(std::optional<batch::Profile> profile) const {
        return *validators[profile_index(profile.value_or(options.batch.profile))];
    }
};

}  // namespace detail

struct Server::Impl : detail::ServerCore {};

namespace {

template <class Stream>
constexpr bool k_is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

// One client connection: read a request, answer it, again while keep-alive holds.
template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
public:
    template <class... StreamArgs>
    Session(detail::ServerCore& server, StreamArgs&&... stream_args)
        : m_server(server), m_stream(std::forward<StreamArgs>(stream_args)...), m_body_deadline(server.io) {
        m_server.metrics.connection(+1);
    }
    ~Session() override { m_server.metrics.connection(-1); }

    void start() {
        if constexpr (k_is_tls<Stream>) {
            lowest().expires_after(m_server.options.read_timeout);
            m_stream.async_handshake(asio::ssl::stream_base::server,
                                     [self = this->shared_from_this()](const error_code& ec) {
                                         if (ec) return self->close();
                                         self->read_head();
                                     });
        } else {
            read_head();
        }
    }

    void drain() override {
        if (m_busy || m_closed) return;
        // Idle (waiting for a request or in the TLS handshake): drop the socket, which ends the
        // pending read; no TLS close_notify beside a pending handshake.
        m_closed = true;
        error_code ignored;
        lowest().socket().close(ignored);
    }

private:
    beast::tcp_stream& lowest() { return beast::get_lowest_layer(m_stream); }

    void read_head() {
        m_busy = false;
        if (m_server.draining) return close();
        m_parser.emplace();
        m_parser->body_limit(m_server.max_body);
        m_parser->header_limit(static_cast<std::uint32_t>(detail::k_max_header_bytes));
        lowest().expires_after(m_server.options.idle_timeout);
        http::async_read_header(m_stream, m_buffer, *m_parser,
                                [self = this->shared_from_this()](const error_code& ec, std::size_t) { self->on_head(ec); });
    }

    void on_head(const error_code& ec) {
        m_started = Clock::now();
        if (ec) return on_read_error(ec);
        m_busy = true;
        // The body's deadline cancels the read rather than closing the socket (as the stream's
        // own timeout does), so that the client still gets its 408.
        lowest().expires_never();
        m_body_deadline.expires_after(m_server.options.read_timeout);
        m_body_deadline.async_wait([self = this->shared_from_this()](const error_code& timer_ec) {
            if (timer_ec) return;
            self->m_body_timed_out = true;
            error_code ignored;
            self->lowest().socket().cancel(ignored);
        });
        const auto& head = m_parser->get();
        if (beast::iequals(head[http::field::expect], "100-continue")) {
            auto go_on = std::make_shared<http::response<http::empty_body>>(http::status::continue_, head.version());
            http::async_write(m_stream, *go_on,
                              [self = this->shared_from_this(), go_on](const error_code& write_ec, std::size_t) {
                                      if (write_ec) return self->close();
                                  self->read_body();
                              });
            return;
        }
        read_body();
    }

    void read_body() {
        http::async_read(m_stream, m_buffer, *m_parser,
                         [self = this->shared_from_this()](const error_code& ec, std::size_t) { self->on_body(ec); });
    }

    // A request that could not be read: answer what can be answered, then close.
    void on_read_error(const error_code& ec) {
        if (ec == http::error::body_limit) return answer(refusal_reply("SERVICE-BODY-TOO-LARGE"), true);
        if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message)
            return answer(refusal_reply("SERVICE-BAD-REQUEST"), true);
        close();
    }

    void on_body(const error_code& ec) {
        m_body_deadline.cancel();
        if (ec && m_body_timed_out) return answer(refusal_reply("SERVICE-TIMEOUT"), true);
        if (ec) return on_read_error(ec);
        m_request = m_parser->release();
        m_keep_alive = m_request.keep_alive();
        m_version = m_request.version();
        bool to_pool = false;
        Reply reply = m_server.route(m_request, to_pool);
        if (!to_pool) return answer(std::move(reply), false);
        m_server.metrics.in_flight(+1);
        asio::post(*m_server.pool, [self = this->shared_from_this(), work = asio::make_work_guard(m_server.io)]() {
            Reply validated = self->m_server.validate(self->m_request);
            asio::post(self->m_server.io, [self, validated = std::move(validated), work]() mutable {
                self->m_server.metrics.in_flight(-1);
                self->m_request = {};
                self->answer(std::move(validated), false);
            });
        });
    }

    void answer(Reply reply, bool close_after) {
        m_busy = true;
        auto response = std::make_shared<http::response<http::string_body>>(reply.status, m_version);
        response->set(http::field::server, "istmo");
        response->set(http::field::content_type, reply.content_type);
        if (reply.status == http::status::method_not_allowed)
            response->set(http::field::allow, m_request.target() == "/v1/validate" ? "POST" : "GET");
        if (reply.retry_after)
            response->set(http::field::retry_after, std::to_string(m_server.options.retry_after.count()));
        response->keep_alive(m_keep_alive && !close_after && !reply.close && !m_server.draining);
        response->body() = std::move(reply.body);
        response->prepare_payload();
        lowest().expires_after(m_server.options.read_timeout);
        http::async_write(m_stream, *response,
                          [self = this->shared_from_this(), response](const error_code& ec, std::size_t) {
                              self->m_server.metrics.answered(static_cast<int>(response->result_int()),
                                                              Clock::now() - self->m_started);
                              if (ec || !response->keep_alive()) return self->close();
                              self->read_head();
                          });
    }

    void close() {
        if (m_closed) return;
        m_closed = true;
        m_busy = false;
        if constexpr (k_is_tls<Stream>) {
            // close_notify, bounded; the socket closes when the last handler lets go.
            lowest().expires_after(std::chrono::seconds(2));
            m_stream.async_shutdown([self = this->shared_from_this()](const error_code&) {
                error_code ignored;
                self->lowest().socket().close(ignored);
            });
        } else {
            error_code ignored;
            lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
            lowest().socket().close(ignored);
        }
    }

    detail::ServerCore& m_server;
    Stream m_stream;
    beast::flat_buffer m_buffer;
    asio::steady_timer m_body_deadline;
    bool m_body_timed_out = false;
    std::optional<http::request_parser<http::string_body>> m_parser;
    http::request<http::string_body> m_request;
    Clock::time_point m_started = Clock::now();
    unsigned m_version = 11;
    bool m_keep_alive = false;
    bool m_busy = false;
    bool m_closed = false;
};

}  // namespace

Result<void> detail::ServerCore::configure(ServerOptions given) {
    options = std::move(given);
    if (options.jobs == 0) options.jobs = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t document = options.batch.max_size;
    max_body = options.max_body_bytes != 0 ? options.max_body_bytes
               : document > SIZE_MAX / 2   ? SIZE_MAX
                                           : document / 3 * 4 + 64 * 1024;
    max_in_flight = options.max_in_flight != 0 ? options.max_in_flight : std::size_t{4} * options.jobs;
    if (options.tls_cert_file.empty() != options.tls_key_file.empty())
        return make_error(Errc::invalid_argument, "HTTPS needs both a certificate file and a key file");
    if (!options.tls_cert_file.empty()) {
        tls.emplace(asio::ssl::context::tls_server);
        tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
        error_code ec;
        tls->use_certificate_chain_file(options.tls_cert_file, ec);
        if (ec) return make_error(Errc::certificate_error, "cannot use the TLS certificate '" + options.tls_cert_file + "'", ec.message());
        tls->use_private_key_file(options.tls_key_file, asio::ssl::context::pem, ec);
        if (ec) return make_error(Errc::key_error, "cannot use the TLS key '" + options.tls_key_file + "'", ec.message());
    }
    // One certificate status source (one revocation checker and cache) for every validator.
    options.batch.verify = dsig::with_status_source(std::move(options.batch.verify));
    options.batch.jobs = 1;
    options.batch.already_done = nullptr;
    for (const batch::Profile profile : k_all_profiles) {
        batch::Options o = options.batch;
        o.profile = profile;
        validators[profile_index(profile)] = std::make_unique<batch::Validator>(std::move(o));
    }
    return {};
}

Result<void> detail::ServerCore::listen() {
    auto endpoint = parse_listen(options.listen);
    if (!endpoint) return std::move(endpoint).error();
    error_code ec;
    acceptor.open(endpoint->protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(*endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return make_error(Errc::io_error, "cannot listen on " + options.listen, ec.message());
    port = acceptor.local_endpoint(ec).port();
    return {};
}

void detail::ServerCore::accept() {
    acceptor.async_accept([this](const error_code& ec, tcp::socket socket) {
        if (draining || !acceptor.is_open()) return;
        if (ec) {
            // Out of descriptors (or similar): try again shortly rather than spin.
            accept_retry.expires_after(std::chrono::milliseconds(50));
            accept_retry.async_wait([this](const error_code& timer_ec) {
                if (!timer_ec) accept();
            });
            return;
        }
        start_session(std::move(socket));
        accept();
    });
}

void detail::ServerCore::start_session(tcp::socket socket) {
    sessions.remove_if([](const std::weak_ptr<SessionBase>& s) { return s.expired(); });
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (tls) {
        using TlsStream = beast::ssl_stream<beast::tcp_stream>;
        auto session = std::make_shared<Session<TlsStream>>(*this, std::move(socket), *tls);
        sessions.push_back(session);
        session->start();
    } else {
        auto session = std::make_shared<Session<beast::tcp_stream>>(*this, std::move(socket));
        sessions.push_back(session);
        session->start();
    }
}

void detail::ServerCore::begin_stop() {
    if (draining) return;
    draining = true;
    draining_seen = true;
    error_code ignored;
    acceptor.close(ignored);
    accept_retry.cancel();
    if (signals) signals->cancel(ignored);
    io_work.reset();
    for (auto& weak : sessions)
        if (auto session = weak.lock()) session->drain();
    sessions.clear();
}

void detail::ServerCore::run_io() noexcept {
    for (;;) {
        try {
            io.run();
            return;
        } catch (...) {
            // A handler threw (it should not): keep serving the other connections.
        }
    }
}

Reply detail::ServerCore::route(const http::request<http::string_body>& request, bool& to_pool) {
    switch (detail::route(std::string_view(request.method_string().data(), request.method_string().size()),
                          std::string_view(request.target().data(), request.target().size()))) {
        case detail::Route::healthz: {
            Reply reply;
            reply.status = draining ? http::status::service_unavailable : http::status::ok;
            reply.body = draining ? R"({"status":"draining"})" : R"({"status":"ok"})";
            return reply;
        }
        case detail::Route::metrics: {
            Reply reply;
            reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
            reply.body = metrics.text();
            return reply;
        }
        case detail::Route::not_found: return refusal_reply("SERVICE-NOT-FOUND");
        case detail::Route::method_not_allowed: return refusal_reply("SERVICE-METHOD-NOT-ALLOWED");
        case detail::Route::validate: break;
    }
    if (draining) {
        Reply reply = refusal_reply("SERVICE-DRAINING");
        reply.close = true;
        return reply;
    }
    if (metrics.in_flight() >= static_cast<std::int64_t>(max_in_flight)) {
        metrics.rejected_for_load();
        Reply reply = refusal_reply("SERVICE-OVERLOADED");
        reply.retry_after = true;
        return reply;
    }
    to_pool = true;
    return {};
}

Reply detail::ServerCore::validate(const http::request<http::string_body>& request) const noexcept {
    try {
        detail::run_test_validation_hook();
        const auto content_type = request[http::field::content_type];
        auto parsed = detail::parse_validate(std::string_view(request.target().data(), request.target().size()),
                                             std::string_view(content_type.data(), content_type.size()),
                                             request.body(), options.batch.max_size);
        if (auto* refused = std::get_if<detail::Refusal>(&parsed)) return refusal_reply(*refused);
        auto& call = std::get<detail::ValidateCall>(parsed);
        const batch::DocumentResult result = validator(call.profile).validate(call.source, call.document);
        metrics.verdict(result.indication);
        Reply reply;
        reply.body = result.to_ndjson();
        return reply;
    } catch (...) {
        return refusal_reply("SERVICE-INTERNAL");
    }
}

Server::Server(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Server::~Server() {
    stop();
    wait();
}

Result<std::unique_ptr<Server>> Server::start(ServerOptions options) {
    auto impl = std::make_unique<Impl>();
    try {
        if (auto configured = impl->configure(std::move(options)); !configured) return std::move(configured).error();
        if (auto listening = impl->listen(); !listening) return std::move(listening).error();
        if (impl->options.handle_signals) {
            impl->signals.emplace(impl->io, SIGTERM, SIGINT);
            impl->signals->async_wait([raw = impl.get()](const error_code& ec, int) {
                if (!ec) raw->begin_stop();
            });
        }
        impl->pool = std::make_unique<asio::thread_pool>(impl->options.jobs);
        impl->accept();
        impl->io_thread = std::thread([raw = impl.get()] { raw->run_io(); });
    } catch (const std::exception& e) {
        if (impl->pool) impl->pool->join();
        return make_error(Errc::internal, "cannot start the server", e.what());
    }
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::uint16_t Server::port() const noexcept { return m_impl->port; }

void Server::stop() noexcept {
    try {
        asio::post(m_impl->io, [impl = m_impl.get()] { impl->begin_stop(); });
    } catch (...) {
    }
}

void Server::wait() noexcept {
    std::lock_guard lock(m_impl->wait_mutex);
    if (m_impl->io_thread.joinable()) m_impl->io_thread.join();
    if (m_impl->pool) m_impl->pool->join();
}

std::string Server::metrics_text() const { return m_impl->metrics.text(); }

}  // namespace istmo::service
