// The validation service: Boost.Beast HTTP/1.1 (optionally over TLS) on jobs + 1 threads that run
// one io_context; each connection on its own strand (docs/service.md). A request is validated on
// the thread that read it when one of the `jobs` validation slots is free, so that a request costs
// no thread hop; otherwise it waits in a queue that the next thread freeing a slot takes from.
// At most `jobs` validations run at once, so one thread is always left for the network (health
// checks, 503s, draining). Callback style, as in src/net, so that it builds with g++ 12 and clang 14.
#include <istmo/service/server.hpp>

#include "dsig/status_source.hpp"
#include "service/metrics.hpp"
#include "service/request.hpp"
#include "service/status_policy.hpp"
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
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <csignal>
#include <deque>
#include <functional>
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
    // Called when the server starts stopping (from any thread; the work runs on the connection's
    // strand): an idle connection closes now, a busy one after its answer.
    virtual void drain() = 0;
};

namespace detail {

// A POST /v1/validate read in full, with what its answer needs.
struct ValidationJob {
    std::string target;
    std::string content_type;
    std::string body;
    Clock::time_point started;  // its head arrived (the time budget counts from here)
};

// A job waiting for a validation slot, and where its answer goes.
struct QueuedJob {
    ValidationJob job;
    std::function<void(Reply)> answer;
};

// Everything the server holds; Server::Impl is this (the sessions see it under this name).
struct ServerCore {
    ServerOptions options;
    std::uint16_t port = 0;
    std::size_t max_body = 0;
    std::size_t max_in_flight = 0;
    Clock::duration timer_tick{};  // the shortest of the connection timeouts (Session::arm_timer)
    std::array<std::unique_ptr<batch::Validator>, k_all_profiles.size()> validators;  // the defaults
    // Made here: one per revocation policy. Otherwise the embedder's source, asked under each
    // request's policy (PolicyStatusSource; docs/service.md, "Per-request options").
    bool own_status_source = true;
    std::shared_ptr<const crypto::CertificateStatusSource> embedder_status_source;

    // The validators of the other combinations of per-request options, made at their first
    // request and kept (at most 4 profiles x (trust sets + 1) x 3 policies x 2).
    struct OptionsKey {
        batch::Profile profile;
        std::string trust_set;
        crypto::RevocationPolicy revocation;
        bool legacy;
        auto operator<=>(const OptionsKey&) const = default;
    };
    mutable std::mutex other_mutex;
    mutable std::map<OptionsKey, std::unique_ptr<batch::Validator>> other_validators;
    mutable std::map<crypto::RevocationPolicy, std::shared_ptr<const crypto::CertificateStatusSource>> status_sources;
    // One certificate validator (trust, caches, status source) per trust set ("" = the server's
    // own) and revocation policy, shared by every profile and legacy setting: the same path
    // cache serves them all, as in batch.
    mutable std::map<std::pair<std::string, crypto::RevocationPolicy>, std::shared_ptr<const crypto::CertificateValidator>>
        certificate_validators;
    mutable Metrics metrics;

    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> io_work{io.get_executor()};
    // Accepting, the list of sessions, signals and stopping run on this strand.
    asio::strand<asio::io_context::executor_type> control{asio::make_strand(io)};
    tcp::acceptor acceptor{control};
    asio::steady_timer accept_retry{control};
    std::optional<asio::ssl::context> tls;
    std::optional<asio::signal_set> signals;
    std::vector<std::thread> threads;
    std::mutex wait_mutex;

    std::atomic<bool> draining{false};
    std::list<std::weak_ptr<SessionBase>> sessions;  // on `control` only

    // The validation slots: `slots_busy` of options.jobs are taken; jobs beyond wait in order.
    std::mutex slots_mutex;
    unsigned slots_busy = 0;
    std::deque<QueuedJob> waiting;

    Result<void> configure(ServerOptions given);
    Result<void> listen();
    void accept();
    void start_session(tcp::socket socket);
    void begin_stop();
    void run_io() noexcept;

    // True: a validation slot is the caller's (validate, then release_slot). False: the job was
    // queued and `answer` will get its reply, called from the thread that validates it.
    bool take_slot_or_queue(ValidationJob& job, std::function<void(Reply)>& answer);
    // Gives the slot to the next waiting job (validated on another turn of the io_context) or frees it.
    void release_slot() noexcept;
    std::optional<QueuedJob> next_or_free_slot() noexcept;
    void run_queued(QueuedJob queued) noexcept;

    // Never throws.
    Reply validate(ValidationJob& job) const noexcept;
    Reply route(const http::request<http::string_body>& request, bool& to_validate);
    // The validator for a request's options (the trust set, when named, exists).
    [[nodiscard]] const batch::Validator& validator(const ValidateCall& call) const;
    // Under other_mutex: the status source of a policy, and the certificate validator of a trust
    // set and policy (`verify`: the options it is made from when there is none yet).
    [[nodiscard]] std::shared_ptr<const crypto::CertificateStatusSource> status_source(crypto::RevocationPolicy policy) const;
    [[nodiscard]] std::shared_ptr<const crypto::CertificateValidator> certificate_validator(const std::string& trust_set,
                                                                                            dsig::VerifyOptions verify) const;
};

}  // namespace detail

struct Server::Impl : detail::ServerCore {};

namespace {

template <class Stream>
constexpr bool k_is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

// A completion handler that Asio is told continues the current thread's work
// (asio_handler_is_continuation). A connection's next request is read from the end of a short
// handler (its answer just written, its connection accepted): when the request is already in
// the socket, Asio's speculative read completes at once and posts the completion. Posted as a
// continuation, it goes to this thread's own queue and runs as soon as the handler returns;
// otherwise it goes to the shared queue, whose post wakes the thread waiting in epoll_wait (an
// epoll_ctl on the reactor's eventfd) and finds the strand still held, so the strand posts
// itself once more (a second epoll_ctl), and the two threads contend for the scheduler's lock
// (futexes). With one connection that was about 1 epoll_ctl and 4 futex calls per request, 13
// system calls in all, 7 now (bench/README.md).
template <class Handler>
struct Continuation {
    Handler handler;
    template <class... Args>
    void operator()(Args&&... args) {
        handler(std::forward<Args>(args)...);
    }
    friend bool asio_handler_is_continuation(Continuation*) { return true; }
};
template <class Handler>
Continuation(Handler) -> Continuation<Handler>;

// One client connection: read a request, answer it, again while keep-alive holds.
template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
public:
    template <class... StreamArgs>
    Session(detail::ServerCore& server, StreamArgs&&... stream_args)
        : m_server(server), m_stream(std::forward<StreamArgs>(stream_args)...), m_timer(m_stream.get_executor()) {
        m_server.metrics.connection(+1);
        // Room for a whole request head and a usual document, so that one read takes both.
        m_buffer.reserve(k_read_chunk);
    }
    ~Session() override { m_server.metrics.connection(-1); }

    void start() {
        if constexpr (k_is_tls<Stream>) {
            set_deadline(Phase::other, m_server.options.read_timeout);
            m_stream.async_handshake(asio::ssl::stream_base::server,
                                     [self = this->shared_from_this()](const error_code& ec) {
                                         if (ec) return self->close();
                                         self->read_head();
                                     });
        } else {
            error_code ec;
            lowest().socket().non_blocking(true, ec);  // for answer()'s direct write
            m_direct_write = !ec;
            read_head();
        }
    }

    void drain() override {
        asio::post(m_stream.get_executor(), [self = this->shared_from_this()] { self->drain_now(); });
    }

private:
    static constexpr std::size_t k_read_chunk = 16 * 1024;

    // What the connection is waiting for, which says what its deadline does when it passes.
    enum class Phase {
        idle,   // the next request's head: close
        body,   // the body of a request: cancel the read, so that the client gets its 408
        other,  // the TLS handshake, an answer being written: close
        none,   // a validation: no deadline
    };

    // The connection's deadlines are one timer that is never cancelled on the way: moving the
    // deadline is a store, and the timer, armed at most `timer_tick` ahead (the shortest
    // timeout, so that any deadline set later falls after it), checks it when it fires. Beast's
    // own stream timeouts would arm and cancel a timer around every read and write, and each
    // cancelled wait is a handler that wakes another thread of the pool (futex, context switch)
    // for nothing: measured as a large part of the service's CPU per request (bench/README.md).
    void set_deadline(Phase phase, std::chrono::milliseconds timeout) {
        m_phase = phase;
        m_deadline = Clock::now() + timeout;
        arm_timer();
    }
    void clear_deadline() {
        m_phase = Phase::none;
        m_deadline = Clock::time_point::max();
    }
    void arm_timer() {
        if (m_timer_armed || m_closed) return;
        m_timer_armed = true;
        const auto tick = Clock::now() + m_server.timer_tick;
        m_timer.expires_at(std::min(m_deadline, tick));
        m_timer.async_wait([self = this->shared_from_this()](const error_code& ec) {
            self->m_timer_armed = false;
            if (!ec) self->on_timer();
        });
    }
    void on_timer() {
        if (m_closed) return;
        if (m_deadline != Clock::time_point::max() && Clock::now() >= m_deadline) {
            m_deadline = Clock::time_point::max();
            error_code ignored;
            if (m_phase == Phase::body) {
                m_body_timed_out = true;
                lowest().socket().cancel(ignored);
            } else {
                // The pending operation fails and its handler closes the connection.
                lowest().socket().close(ignored);
            }
        }
        arm_timer();
    }

    void drain_now() {
        if (m_busy || m_closed) return;
        // Idle (waiting for a request or in the TLS handshake): drop the socket, which ends the
        // pending read; no TLS close_notify beside a pending handshake.
        m_closed = true;
        m_timer.cancel();
        error_code ignored;
        lowest().socket().close(ignored);
    }

    beast::tcp_stream& lowest() { return beast::get_lowest_layer(m_stream); }

    void read_head() {
        m_busy = false;
        if (m_server.draining) return close();
        m_parser.emplace();
        m_parser->body_limit(m_server.max_body);
        m_parser->header_limit(static_cast<std::uint32_t>(detail::k_max_header_bytes));
        set_deadline(Phase::idle, m_server.options.idle_timeout);
        http::async_read_header(m_stream, m_buffer, *m_parser,
                                Continuation{[self = this->shared_from_this()](const error_code& ec, std::size_t) {
                                    self->on_head(ec);
                                }});
    }

    void on_head(const error_code& ec) {
        m_started = Clock::now();
        if (ec) return on_read_error(ec);
        m_busy = true;
        // The body's deadline cancels the read rather than closing the socket, so that the
        // client still gets its 408.
        set_deadline(Phase::body, m_server.options.read_timeout);
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
        // The body usually came in the same read as the head: parsed here, it costs no
        // completion handler (posted, often run by another thread after a wake-up).
        if (const auto length = m_parser->content_length(); m_parser->is_done() || (length && m_buffer.size() >= *length)) {
            m_parser->eager(true);
            error_code ec;
            while (!ec && !m_parser->is_done()) {
                const std::size_t used = m_parser->put(m_buffer.data(), ec);
                m_buffer.consume(used);
                if (used == 0) break;
            }
            if (m_parser->is_done() || (ec && ec != http::error::need_more)) return on_body(ec);
        }
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
        clear_deadline();
        if (ec && m_body_timed_out) return answer(refusal_reply("SERVICE-TIMEOUT"), true);
        if (ec) return on_read_error(ec);
        m_request = m_parser->release();
        m_keep_alive = m_request.keep_alive();
        m_version = m_request.version();
        bool to_validate = false;
        Reply reply = m_server.route(m_request, to_validate);
        if (!to_validate) return answer(std::move(reply), false);
        detail::ValidationJob job;
        job.target.assign(m_request.target().data(), m_request.target().size());
        const auto content_type = m_request[http::field::content_type];
        job.content_type.assign(content_type.data(), content_type.size());
        job.body = std::move(m_request.body());
        job.started = m_started;
        std::function<void(Reply)> queued_answer = [self = this->shared_from_this()](Reply validated) {
            asio::post(self->m_stream.get_executor(), [self, validated = std::move(validated)]() mutable {
                self->validated(std::move(validated));
            });
        };
        if (!m_server.take_slot_or_queue(job, queued_answer)) return;
        // A slot is free: validate here, on this connection's turn, and answer at once.
        Reply validated_now = m_server.validate(job);
        validated(std::move(validated_now));
        m_server.release_slot();
    }

    void validated(Reply reply) {
        m_server.metrics.in_flight(-1);
        m_request = {};
        answer(std::move(reply), false);
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
        response->keep_alive(m_keep_alive && !close_after && !reply.close && !m_server.draining.load());
        response->body() = std::move(reply.body);
        response->prepare_payload();
        auto serializer = std::make_shared<http::response_serializer<http::string_body>>(*response);
        if (!k_is_tls<Stream> && m_direct_write) {
            // An answer usually fits the socket's send buffer: written here (the socket is
            // non-blocking), the connection goes on to its next request in this same handler,
            // without a completion handler and the wake-up of another thread in between. What
            // does not fit goes on asynchronously from where it stopped.
            error_code ec;
            http::write(lowest().socket(), *serializer, ec);
            if (ec != asio::error::would_block && ec != asio::error::try_again) return written(*response, ec);
        }
        set_deadline(Phase::other, m_server.options.read_timeout);
        http::async_write(m_stream, *serializer,
                          [self = this->shared_from_this(), response, serializer](const error_code& ec, std::size_t) {
                              self->written(*response, ec);
                          });
    }

    void written(const http::response<http::string_body>& response, const error_code& ec) {
        m_server.metrics.answered(static_cast<int>(response.result_int()), Clock::now() - m_started);
        if (ec || !response.keep_alive()) return close();
        read_head();
    }

    void close() {
        if (m_closed) return;
        m_closed = true;
        m_busy = false;
        m_timer.cancel();
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
    asio::steady_timer m_timer;  // the deadlines (set_deadline)
    Clock::time_point m_deadline = Clock::time_point::max();
    Phase m_phase = Phase::none;
    bool m_timer_armed = false;
    bool m_direct_write = false;  // plain TCP on a non-blocking socket: answer() may write at once
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
    timer_tick = std::max<Clock::duration>(std::min(options.read_timeout, options.idle_timeout), std::chrono::milliseconds(1));
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
    // One certificate status source (one revocation checker and cache) and one certificate
    // validator for every profile's validator.
    own_status_source = options.batch.verify.status_source == nullptr;
    if (!own_status_source) {
        embedder_status_source = std::move(options.batch.verify.status_source);
        options.batch.verify.status_source =
            std::make_shared<const PolicyStatusSource>(embedder_status_source, options.batch.verify.revocation);
    }
    options.batch.verify = dsig::with_certificate_validator(std::move(options.batch.verify));
    status_sources[options.batch.verify.revocation] = options.batch.verify.status_source;
    certificate_validators[{std::string(), options.batch.verify.revocation}] = options.batch.verify.certificate_validator;
    for (const auto& [name, trust] : options.trust_sets)
        if (name.empty() || trust.size() == 0)
            return make_error(Errc::invalid_argument, "a trust set needs a name and at least one certificate: '" + name + "'");
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
    // Each connection's socket gets its own strand.
    acceptor.async_accept(asio::make_strand(io), [this](const error_code& ec, tcp::socket socket) {
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
    if (draining.exchange(true)) return;
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

Reply detail::ServerCore::route(const http::request<http::string_body>& request, bool& to_validate) {
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
    if (!metrics.enter_in_flight(static_cast<std::int64_t>(max_in_flight))) {
        metrics.rejected_for_load();
        Reply reply = refusal_reply("SERVICE-OVERLOADED");
        reply.retry_after = true;
        return reply;
    }
    to_validate = true;
    return {};
}

bool detail::ServerCore::take_slot_or_queue(ValidationJob& job, std::function<void(Reply)>& answer) {
    std::lock_guard lock(slots_mutex);
    if (slots_busy < options.jobs) {
        ++slots_busy;
        return true;
    }
    waiting.push_back(QueuedJob{std::move(job), std::move(answer)});
    return false;
}

std::optional<detail::QueuedJob> detail::ServerCore::next_or_free_slot() noexcept {
    std::lock_guard lock(slots_mutex);
    if (waiting.empty()) {
        --slots_busy;
        return std::nullopt;
    }
    std::optional<QueuedJob> next(std::move(waiting.front()));
    waiting.pop_front();
    return next;
}

void detail::ServerCore::release_slot() noexcept {
    auto next = next_or_free_slot();
    if (!next) return;
    // The slot passes to the waiting job, validated on its own turn of the io_context (not inside
    // the caller's connection handler, which would hold that connection's strand meanwhile).
    std::shared_ptr<QueuedJob> queued;
    try {
        queued = std::make_shared<QueuedJob>(std::move(*next));
        asio::post(io, [this, queued] { run_queued(std::move(*queued)); });
    } catch (...) {
        run_queued(queued ? std::move(*queued) : std::move(*next));  // here, then
    }
}

void detail::ServerCore::run_queued(QueuedJob queued) noexcept {
    // While jobs wait, this thread keeps its slot and takes the next one: no hop between them.
    for (;;) {
        try {
            queued.answer(validate(queued.job));
        } catch (...) {
            // Posting the answer failed (out of memory): that connection times out.
        }
        auto next = next_or_free_slot();
        if (!next) return;
        queued = std::move(*next);
    }
}

const batch::Validator& detail::ServerCore::validator(const ValidateCall& call) const {
    const batch::Options& base = options.batch;
    OptionsKey key{call.profile.value_or(base.profile), call.trust_set, call.revocation.value_or(base.verify.revocation),
                   call.legacy.value_or(base.legacy)};
    if (key.trust_set.empty() && key.revocation == base.verify.revocation && key.legacy == base.legacy)
        return *validators[profile_index(key.profile)];
    std::lock_guard lock(other_mutex);
    auto& slot = other_validators[key];
    if (slot) return *slot;
    batch::Options o = base;
    o.profile = key.profile;
    if (!key.trust_set.empty()) o.verify.trust = options.trust_sets.at(key.trust_set);
    o.legacy = key.legacy;
    if (key.legacy != base.legacy) o.verify.allow_legacy = key.legacy;
    if (key.revocation != base.verify.revocation) {
        o.verify.revocation = key.revocation;
        o.verify.status_source = status_source(key.revocation);
    }
    o.verify.certificate_validator = certificate_validator(key.trust_set, o.verify);
    slot = std::make_unique<batch::Validator>(std::move(o));
    return *slot;
}

std::shared_ptr<const crypto::CertificateStatusSource> detail::ServerCore::status_source(crypto::RevocationPolicy policy) const {
    auto& source = status_sources[policy];
    if (source) return source;
    const dsig::VerifyOptions& base = options.batch.verify;
    if (!own_status_source) {
        // The embedder's source says where statuses come from; the request's policy still
        // decides which ones are needed (docs/service.md, "Per-request options").
        source = std::make_shared<const PolicyStatusSource>(embedder_status_source, policy);
        return source;
    }
    dsig::VerifyOptions v = base;
    v.revocation = policy;
    v.status_source = nullptr;
    source = dsig::with_status_source(std::move(v)).status_source;  // null: each verifier reports why
    return source;
}

std::shared_ptr<const crypto::CertificateValidator> detail::ServerCore::certificate_validator(const std::string& trust_set,
                                                                                              dsig::VerifyOptions verify) const {
    auto& shared = certificate_validators[{trust_set, verify.revocation}];
    if (shared) return shared;
    if (const auto& own = options.batch.verify.certificate_validator; trust_set.empty() && own) {
        verify.trust = own->trust();  // the server's anchors, also when the embedder gave a validator
        verify.extra_certificates = own->extra_certificates();
    }
    verify.certificate_validator = nullptr;
    shared = dsig::with_certificate_validator(std::move(verify)).certificate_validator;  // null: see with_certificate_validator
    return shared;
}

Reply detail::ServerCore::validate(ValidationJob& job) const noexcept {
    try {
        // The budget counts from the request's head: one that spent it waiting for a validation
        // thread is not checked at all, and says so.
        const auto budget = options.batch.time_budget;
        if (budget.count() > 0 && Clock::now() - job.started >= budget) {
            metrics.rejected_for_budget();
            Reply reply = refusal_reply("SERVICE-TIME-BUDGET-EXCEEDED");
            reply.retry_after = true;
            return reply;
        }
        detail::run_test_validation_hook();
        auto parsed = detail::parse_validate(job.target, job.content_type, std::move(job.body), options.batch.max_size);
        if (auto* refused = std::get_if<detail::Refusal>(&parsed)) return refusal_reply(*refused);
        auto& call = std::get<detail::ValidateCall>(parsed);
        if (!call.trust_set.empty() && options.trust_sets.find(call.trust_set) == options.trust_sets.end())
            return refusal_reply("SERVICE-UNKNOWN-TRUST-SET");
        batch::DocumentResult result = validator(call).validate(call.source, call.document);
        // The batch validator counts its budget from when its checks start; the wait before
        // counts too.
        if (budget.count() > 0 && Clock::now() - job.started > budget) detail::mark_over_budget(result, budget);
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
            impl->signals.emplace(impl->control, SIGTERM, SIGINT);
            impl->signals->async_wait([raw = impl.get()](const error_code& ec, int) {
                if (!ec) raw->begin_stop();
            });
        }
        asio::post(impl->control, [raw = impl.get()] { raw->accept(); });
        // jobs threads for the validations and one more, so that the network is always served.
        for (unsigned i = 0; i <= impl->options.jobs; ++i)
            impl->threads.emplace_back([raw = impl.get()] { raw->run_io(); });
    } catch (const std::exception& e) {
        impl->io.stop();
        for (auto& t : impl->threads) t.join();
        return make_error(Errc::internal, "cannot start the server", e.what());
    }
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::uint16_t Server::port() const noexcept { return m_impl->port; }

void Server::stop() noexcept {
    try {
        asio::post(m_impl->control, [impl = m_impl.get()] { impl->begin_stop(); });
    } catch (...) {
    }
}

void Server::wait() noexcept {
    std::lock_guard lock(m_impl->wait_mutex);
    for (auto& t : m_impl->threads)
        if (t.joinable()) t.join();
}

std::string Server::metrics_text() const { return m_impl->metrics.text(); }

}  // namespace istmo::service
