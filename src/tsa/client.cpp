// RFC 3161 HTTP transport on Boost.Asio + Boost.Beast (header-only), callback style so that it
// builds with both g++ 12 and clang 14 (no Asio coroutines on clang 14 + libstdc++).
//
// One Job per timestamp() call drives the attempts (retries, Retry-After, failover) under a
// total deadline; one Exchange per HTTP attempt (resolve, connect, [CONNECT], [TLS], POST,
// read) under a watchdog timer: the connect deadline first, then the request deadline.
#include <istmo/tsa/client.hpp>

#include "core/time_math.hpp"
#include "crypto/native.hpp"
#include "internal/c_ptr.hpp"
#include "tsa/tsa_internal.hpp"

// g++ 12 -O2 reports Asio's scheduler internals (inlined into this file) as a "potential null
// pointer dereference"; a false positive in the header code, silenced for this file only.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <mutex>
#include <thread>

namespace istmo::tsa {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using error_code = boost::system::error_code;

namespace {

struct Url {
    bool https = false;
    std::string host;
    std::string port;
    std::string target;  // path?query
    std::string text;
};

Result<Url> parse_url(const std::string& text) {
    Url u;
    u.text = text;
    std::string rest;
    if (text.rfind("http://", 0) == 0) {
        rest = text.substr(7);
    } else if (text.rfind("https://", 0) == 0) {
        u.https = true;
        rest = text.substr(8);
    } else {
        return make_error(Errc::invalid_argument, "the URL '" + text + "' is not http:// or https://");
    }
    const auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    u.target = slash == std::string::npos ? "/" : rest.substr(slash);
    if (authority.find('@') != std::string::npos)
        return make_error(Errc::invalid_argument, "credentials in the URL are not supported: use the user/password options");
    if (!authority.empty() && authority[0] == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos) return make_error(Errc::invalid_argument, "bad IPv6 address in '" + text + "'");
        u.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':') u.port = authority.substr(close + 2);
    } else {
        const auto colon = authority.rfind(':');
        u.host = authority.substr(0, colon);
        if (colon != std::string::npos) u.port = authority.substr(colon + 1);
    }
    if (u.port.empty()) u.port = u.https ? "443" : "80";
    if (u.host.empty()) return make_error(Errc::invalid_argument, "no host in '" + text + "'");
    int port_num = 0;
    const auto [ptr, ec] = std::from_chars(u.port.data(), u.port.data() + u.port.size(), port_num);
    if (ec != std::errc() || ptr != u.port.data() + u.port.size() || port_num <= 0 || port_num > 65535)
        return make_error(Errc::invalid_argument, "bad port in '" + text + "'");
    return u;
}

std::string host_header(const Url& u) {
    const bool v6 = u.host.find(':') != std::string::npos;
    std::string h = v6 ? "[" + u.host + "]" : u.host;
    if ((u.https && u.port != "443") || (!u.https && u.port != "80")) h += ":" + u.port;
    return h;
}

// At most `limit` characters of a header value, control characters replaced (it ends up in
// error messages and logs).
std::string printable(boost::beast::string_view value, std::size_t limit) {
    std::string out;
    for (const char c : value.substr(0, limit)) {
        const auto u = static_cast<unsigned char>(c);
        out += u < 0x20 || u == 0x7F ? '?' : c;
    }
    if (value.size() > limit) out += "...";
    return out;
}

// A Location that is an absolute path ("/tsa") made absolute against the URL that sent it.
std::string absolute_location(const Url& base, const std::string& location) {
    if (location.size() >= 1 && location[0] == '/' && location.rfind("//", 0) != 0)
        return (base.https ? "https://" : "http://") + host_header(base) + location;
    return location;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    return s;
}

// Outcome of one HTTP exchange.
struct ExchangeResult {
    std::optional<Error> error;
    HttpReply reply;
    std::optional<std::chrono::milliseconds> retry_after;
    bool retryable = false;
};

}  // namespace

struct CancelHandle::State {
    std::mutex mutex;
    bool cancelled = false;
    std::function<void()> on_cancel;  // posts the cancellation to the I/O thread
};

void CancelHandle::cancel() const {
    if (!m_state) return;
    std::function<void()> fn;
    {
        std::lock_guard lock(m_state->mutex);
        if (m_state->cancelled) return;
        m_state->cancelled = true;
        fn = m_state->on_cancel;
    }
    if (fn) fn();
}

struct TimestampClient::Impl {
    ClientOptions options;
    // Verifies every answer; keeps the anchors, the TSA certificates and their path results.
    std::optional<TokenVerifier> verifier;
    std::vector<Url> urls;
    std::optional<Url> proxy;
    // mutable: the const client methods start work on them (both are thread-safe here).
    mutable asio::ssl::context ssl{asio::ssl::context::tls_client};
    mutable asio::io_context ioc{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
    std::thread thread;

    ~Impl() {
        guard.reset();
        ioc.stop();
        if (thread.joinable()) thread.join();
    }
};

namespace {

using Impl = TimestampClient::Impl;

class Exchange : public std::enable_shared_from_this<Exchange> {
public:
    using Callback = std::function<void(ExchangeResult)>;

    Exchange(const Impl& impl, const Url& url, const Bytes& body, Clock::time_point hard_deadline)
        : m_impl(impl), m_url(url), m_body(body), m_resolver(impl.ioc.get_executor()),
          m_watchdog(impl.ioc.get_executor()) {
        const auto now = Clock::now();
        m_request_deadline = std::min(core::time_math::saturating_add(now, impl.options.request_timeout), hard_deadline);
        m_connect_deadline = std::min(core::time_math::saturating_add(now, impl.options.connect_timeout), m_request_deadline);
        if (url.https) m_tls.emplace(impl.ioc.get_executor(), impl.ssl);
        else m_plain.emplace(impl.ioc.get_executor());
    }

    void run(Callback cb) {
        m_callback = std::move(cb);
        arm(m_connect_deadline);
        const Url& first_hop = m_impl.proxy ? *m_impl.proxy : m_url;
        m_resolver.async_resolve(first_hop.host, first_hop.port,
                                 [self = shared_from_this()](error_code ec, tcp::resolver::results_type r) {
                                     self->on_resolve(ec, std::move(r));
                                 });
    }

    // Stops whatever is in flight (deadline or cancellation); the pending handler completes.
    void abort() {
        m_resolver.cancel();
        error_code ignored;
        socket().cancel(ignored);
        socket().close(ignored);
    }

private:
    tcp::socket& socket() { return m_tls ? m_tls->next_layer() : *m_plain; }

    void arm(Clock::time_point at) {
        m_watchdog.expires_at(at);
        m_watchdog.async_wait([self = shared_from_this()](error_code ec) {
            if (ec == asio::error::operation_aborted) return;  // re-armed or finished
            if (self->m_done) return;
            self->m_timed_out = true;
            self->abort();
        });
    }

    void fail(Errc code, std::string message, bool retryable, std::string cause = {}) {
        ExchangeResult r;
        r.error = make_error(code, std::move(message), std::move(cause));
        r.retryable = retryable;
        finish(std::move(r));
    }

    // A failed asynchronous step: a deadline, a cancellation, or a network error.
    void fail_io(const char* step, const error_code& ec) {
        if (m_timed_out) {
            const bool connecting = !m_connected;
            fail(Errc::deadline_exceeded,
                 std::string(connecting ? "connecting to " : "waiting for ") + m_url.text + " took too long (" + step + ")",
                 true);
            return;
        }
        fail(Errc::unavailable, std::string(step) + " failed for " + m_url.text + ": " + ec.message(), true);
    }

    void finish(ExchangeResult r) {
        if (m_done) return;
        m_done = true;
        m_watchdog.cancel();
        error_code ignored;
        socket().close(ignored);
        auto cb = std::move(m_callback);
        cb(std::move(r));
    }

    void on_resolve(error_code ec, tcp::resolver::results_type results) {
        if (ec) return fail_io("name resolution", ec);
        asio::async_connect(socket(), results, [self = shared_from_this()](error_code e, const tcp::endpoint&) {
            self->on_connect(e);
        });
    }

    void on_connect(error_code ec) {
        if (ec) return fail_io("connect", ec);
        if (m_impl.proxy && m_url.https) return send_connect();
        after_tunnel();
    }

    void send_connect() {
        auto req = std::make_shared<http::request<http::empty_body>>(http::verb::connect, m_url.host + ":" + m_url.port, 11);
        req->set(http::field::host, m_url.host + ":" + m_url.port);
        req->set(http::field::user_agent, "istmo-tsa");
        http::async_write(socket(), *req, [self = shared_from_this(), req](error_code ec, std::size_t) {
            if (ec) return self->fail_io("proxy CONNECT", ec);
            self->m_connect_parser.emplace();
            self->m_connect_parser->skip(true);  // a CONNECT answer has no body
            http::async_read_header(self->socket(), self->m_buffer, *self->m_connect_parser,
                                    [self](error_code e, std::size_t) {
                                        if (e) return self->fail_io("proxy CONNECT", e);
                                        const unsigned status = self->m_connect_parser->get().result_int();
                                        if (status != 200)
                                            return self->fail(Errc::unavailable,
                                                              "the proxy refused CONNECT with HTTP " + std::to_string(status),
                                                              false);
                                        self->after_tunnel();
                                    });
        });
    }

    void after_tunnel() {
        if (!m_tls) {
            m_connected = true;
            arm(m_request_deadline);
            return send_request(*m_plain);
        }
        // SNI and host name verification.
        if (SSL_ctrl(m_tls->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     static_cast<void*>(const_cast<char*>(m_url.host.c_str()))) != 1) {
            return fail(Errc::internal, "cannot set the TLS server name", false, crypto::drain_openssl_errors());
        }
        m_tls->set_verify_mode(asio::ssl::verify_peer);
        m_tls->set_verify_callback(asio::ssl::host_name_verification(m_url.host));
        m_tls->async_handshake(asio::ssl::stream_base::client, [self = shared_from_this()](error_code ec) {
            if (ec) {
                if (self->m_timed_out) return self->fail_io("TLS handshake", ec);
                return self->fail(Errc::unavailable, "TLS handshake with " + self->m_url.text + " failed: " + ec.message(),
                                  false);
            }
            if (!self->check_pin()) return;
            self->m_connected = true;
            self->arm(self->m_request_deadline);
            self->send_request(*self->m_tls);
        });
    }

    bool check_pin() {
        const std::string& pin = m_impl.options.pinned_server_sha256;
        if (pin.empty()) return true;
        internal::X509Ptr peer(SSL_get1_peer_certificate(m_tls->native_handle()));
        std::string got;
        if (peer) {
            unsigned char* der = nullptr;
            const int len = i2d_X509(peer.get(), &der);
            internal::OsslBytesPtr owned(der);
            if (len > 0) got = crypto::hex_lower(crypto::digest(crypto::DigestAlg::sha256,
                                                                std::span<const std::uint8_t>(der, static_cast<std::size_t>(len))));
        }
        if (lower(pin) != got) {
            fail(Errc::unavailable, "the TLS certificate of " + m_url.text + " does not match the pinned SHA-256", false);
            return false;
        }
        return true;
    }

    template <class Stream>
    void send_request(Stream& stream) {
        m_request.emplace(http::verb::post, m_impl.proxy && !m_url.https ? m_url.text : m_url.target, 11);
        m_request->set(http::field::host, host_header(m_url));
        m_request->set(http::field::user_agent, "istmo-tsa");
        m_request->set(http::field::content_type, "application/timestamp-query");
        m_request->set(http::field::accept, "application/timestamp-reply");
        m_request->set(http::field::connection, "close");
        if (!m_impl.options.user.empty()) {
            const std::string cred = m_impl.options.user + ":" + std::string(m_impl.options.password.view());
            m_request->set(http::field::authorization,
                           "Basic " + crypto::base64_encode(std::span<const std::uint8_t>(
                                          reinterpret_cast<const std::uint8_t*>(cred.data()), cred.size())));
        }
        m_request->body() = m_body;
        m_request->prepare_payload();
        http::async_write(stream, *m_request, [self = shared_from_this(), &stream](error_code ec, std::size_t) {
            if (ec) return self->fail_io("sending the request", ec);
            self->read_response(stream);
        });
    }

    template <class Stream>
    void read_response(Stream& stream) {
        m_parser.emplace();
        m_parser->body_limit(m_impl.options.max_response_bytes);
        m_parser->header_limit(16 * 1024);
        // Beast 1.74 does not apply body_limit to a Content-Length body (it does to chunks), so
        // the header is read first and the declared length checked here.
        http::async_read_header(stream, m_buffer, *m_parser, [self = shared_from_this(), &stream](error_code ec, std::size_t) {
            if (ec) return self->on_response(ec);
            const auto declared = self->m_parser->content_length();
            if (declared && *declared > self->m_impl.options.max_response_bytes)
                return self->on_response(http::error::body_limit);
            http::async_read(stream, self->m_buffer, *self->m_parser, [self](error_code e, std::size_t) {
                self->on_response(e);
            });
        });
    }

    void on_response(error_code ec) {
        if (ec == http::error::body_limit) {
            return fail(Errc::limit_exceeded, m_url.text + " sent a response larger than " +
                                                  std::to_string(m_impl.options.max_response_bytes) + " bytes",
                        false);
        }
        if (ec && !m_timed_out && (ec == http::error::partial_message || ec == http::error::end_of_stream ||
                                   ec == asio::error::eof || ec == asio::error::connection_reset)) {
            return fail(Errc::unavailable, m_url.text + " closed the connection before a complete response", true,
                        ec.message());
        }
        if (ec) return fail_io("reading the response", ec);
        if (m_parser->get().body().size() > m_impl.options.max_response_bytes) return on_response(http::error::body_limit);
        auto msg = m_parser->release();
        ExchangeResult r;
        r.reply.status = static_cast<int>(msg.result_int());
        r.reply.content_type = std::string(msg[http::field::content_type]);
        r.reply.body = std::move(msg.body());
        if (r.reply.status >= 300 && r.reply.status < 400) r.reply.location = printable(msg[http::field::location], 512);
        if (r.reply.status == 429 || r.reply.status == 503) {
            const auto ra = msg[http::field::retry_after];
            r.retry_after = detail::parse_retry_after(std::string_view(ra.data(), ra.size()),
                                                      std::chrono::system_clock::now());
        }
        finish(std::move(r));
    }

    const Impl& m_impl;
    Url m_url;
    Bytes m_body;
    tcp::resolver m_resolver;
    asio::steady_timer m_watchdog;
    std::optional<tcp::socket> m_plain;
    std::optional<asio::ssl::stream<tcp::socket>> m_tls;
    beast::flat_buffer m_buffer;
    std::optional<http::response_parser<http::empty_body>> m_connect_parser;
    std::optional<http::request<http::vector_body<std::uint8_t>>> m_request;
    std::optional<http::response_parser<http::vector_body<std::uint8_t>>> m_parser;
    Clock::time_point m_connect_deadline;
    Clock::time_point m_request_deadline;
    Callback m_callback;
    bool m_done = false;
    bool m_timed_out = false;
    bool m_connected = false;
};

// Drives one timestamp() call: attempts, retries, failover, verification.
class Job : public std::enable_shared_from_this<Job> {
public:
    Job(const Impl& impl, TimestampRequest request, std::shared_ptr<CancelHandle::State> cancel)
        : m_impl(impl), m_request(std::move(request)), m_cancel(std::move(cancel)),
          m_total_timer(impl.ioc.get_executor()), m_backoff_timer(impl.ioc.get_executor()) {}

    ~Job() {
        if (!m_finished) m_promise.set_value(make_error(Errc::failed_precondition, "the time-stamp client was destroyed"));
    }

    std::future<Result<Timestamp>> future() { return m_promise.get_future(); }

    void start() {
        m_deadline = core::time_math::saturating_add(Clock::now(), m_impl.options.total_timeout);
        m_total_timer.expires_at(m_deadline);
        m_total_timer.async_wait([self = shared_from_this()](error_code ec) {
            if (ec == asio::error::operation_aborted || self->m_finished) return;
            self->complete(make_error(Errc::deadline_exceeded,
                                      "no verified time-stamp within " +
                                          std::to_string(self->m_impl.options.total_timeout.count()) + " ms" +
                                          (self->m_last_error ? " (last: " + self->m_last_error->message + ")" : std::string())));
        });
        attempt();
    }

    void cancel() {
        if (m_finished) return;
        complete(make_error(Errc::failed_precondition, "the time-stamp request was cancelled"));
    }

private:
    void attempt() {
        if (m_finished) return;
        if (m_url_index >= m_impl.urls.size()) {
            return complete(m_last_error ? *m_last_error
                                         : make_error(Errc::unavailable, "no TSA URL is configured"));
        }
        const Url& url = m_impl.urls[m_url_index];
        ++m_attempts;
        m_exchange = std::make_shared<Exchange>(m_impl, url, m_request.der(), m_deadline);
        m_exchange->run([self = shared_from_this(), url](ExchangeResult r) { self->on_exchange(url, std::move(r)); });
    }

    void on_exchange(const Url& url, ExchangeResult r) {
        m_exchange.reset();
        if (m_finished) return;
        if (r.error) return retry_or_next(*r.error, r.retryable, std::nullopt);
        const int status = r.reply.status;
        if (status >= 300 && status < 400) {
            // Redirects are not followed (docs/timestamps.md): the request, the credentials and
            // the client certificate would go to a server nobody configured, and 301/302/303
            // would turn the POST into a GET. The TSA that moved is reported with its new place.
            const std::string where = r.reply.location.empty() ? std::string("no Location header")
                                                              : "Location: " + absolute_location(url, r.reply.location);
            Error e = make_error(Errc::unavailable,
                                 url.text + " answered HTTP " + std::to_string(status) + " (a redirect, " + where +
                                     "); redirects are not followed: configure the TSA URL it points to",
                                 where);
            return retry_or_next(std::move(e), false, std::nullopt);
        }
        if (status != 200) {
            std::string text(r.reply.body.begin(), r.reply.body.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(r.reply.body.size(), 200)));
            std::string message = url.text + " answered HTTP " + std::to_string(status);
            if (r.retry_after)
                message += " (Retry-After: " + std::to_string(std::chrono::ceil<std::chrono::seconds>(*r.retry_after).count()) + " s)";
            Error e = make_error(Errc::unavailable, std::move(message), text);
            const bool retryable = status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
            return retry_or_next(std::move(e), retryable, r.retry_after);
        }
        if (lower(r.reply.content_type).rfind("text/html", 0) == 0) {
            return retry_or_next(make_error(Errc::unavailable, url.text + " answered with an HTML page, not a TimeStampResp"),
                                 false, std::nullopt);
        }
        TokenVerification v = m_impl.verifier->verify_response(r.reply.body, m_request);
        if (!v.valid()) {
            const report::Finding* f = v.first_error();
            Error e = make_error(Errc::unavailable, url.text + ": " + v.summary(), f ? f->code : std::string());
            // A TSA that is busy ("waiting", timeNotAvailable, systemFailure) may succeed later.
            const bool busy = f && (f->code == "TSA-STATUS-WAITING" ||
                                    (f->code == "TSA-STATUS-REJECTED" &&
                                     (std::find(v.fail_info.begin(), v.fail_info.end(), "systemFailure") != v.fail_info.end() ||
                                      std::find(v.fail_info.begin(), v.fail_info.end(), "timeNotAvailable") != v.fail_info.end())));
            return retry_or_next(std::move(e), busy, std::nullopt);
        }
        Timestamp t;
        t.response = std::move(r.reply.body);
        t.token = v.token;
        t.verification = std::move(v);
        t.url = url.text;
        t.attempts = m_attempts;
        complete(std::move(t));
    }

    // Retry-After (delta-seconds or an HTTP-date, already turned into a delay) replaces the
    // backoff when longer; a wait beyond max_retry_after, or one that would end past the total
    // deadline, is not waited for: the next URL is tried at once (or the call fails at once).
    void retry_or_next(Error e, bool retryable, std::optional<std::chrono::milliseconds> retry_after) {
        m_last_error = e;
        std::chrono::milliseconds wait =
            core::time_math::saturating_multiply(m_impl.options.backoff, std::int64_t{1} << std::min(m_tries_this_url, 10));
        bool same_url = retryable && m_tries_this_url < m_impl.options.retries;
        if (retry_after) {
            if (*retry_after > m_impl.options.max_retry_after) same_url = false;
            else wait = std::max(wait, *retry_after);
        }
        if (same_url && core::time_math::saturating_add(Clock::now(), wait) >= m_deadline) same_url = false;
        if (same_url) {
            ++m_tries_this_url;
        } else {
            ++m_url_index;
            m_tries_this_url = 0;
            wait = std::chrono::milliseconds(0);
        }
        if (wait.count() == 0) return attempt();
        m_backoff_timer.expires_at(core::time_math::saturating_add(Clock::now(), wait));
        m_backoff_timer.async_wait([self = shared_from_this()](error_code ec) {
            if (ec == asio::error::operation_aborted) return;
            self->attempt();
        });
    }

    void complete(Result<Timestamp> r) {
        if (m_finished) return;
        m_finished = true;
        m_total_timer.cancel();
        m_backoff_timer.cancel();
        // Abort the exchange in flight and drop our reference to it: the exchange's pending
        // handler holds this job (its completion callback), so keeping the exchange here would
        // make a cycle that outlives a cancelled request (LeakSanitizer found it).
        if (m_exchange) m_exchange->abort();
        m_exchange.reset();
        {
            std::lock_guard lock(m_cancel->mutex);
            m_cancel->on_cancel = nullptr;
        }
        m_promise.set_value(std::move(r));
    }

    const Impl& m_impl;
    TimestampRequest m_request;
    std::shared_ptr<CancelHandle::State> m_cancel;
    asio::steady_timer m_total_timer;
    asio::steady_timer m_backoff_timer;
    std::promise<Result<Timestamp>> m_promise;
    std::shared_ptr<Exchange> m_exchange;
    std::optional<Error> m_last_error;
    Clock::time_point m_deadline;
    std::size_t m_url_index = 0;
    int m_tries_this_url = 0;
    int m_attempts = 0;
    bool m_finished = false;
};

}  // namespace

Result<TimestampClient> TimestampClient::create(ClientOptions options) {
    auto impl = std::make_shared<Impl>();
    for (const auto& text : options.urls) {
        auto u = parse_url(text);
        if (!u) return std::move(u).error();
        impl->urls.push_back(std::move(*u));
    }
    if (impl->urls.empty()) return make_error(Errc::invalid_argument, "at least one TSA URL is needed");
    if (!options.proxy.empty()) {
        auto p = parse_url(options.proxy);
        if (!p || p->https) return make_error(Errc::invalid_argument, "the proxy must be an http:// URL");
        impl->proxy = std::move(*p);
    }
    if (options.retries < 0 || options.max_response_bytes == 0 || options.request_timeout.count() <= 0 ||
        options.connect_timeout.count() <= 0 || options.total_timeout.count() <= 0)
        return make_error(Errc::invalid_argument, "timeouts, retries and the size cap must be positive");
    error_code ec;
    impl->ssl.set_verify_mode(asio::ssl::verify_peer, ec);
    if (options.ca_file.empty()) impl->ssl.set_default_verify_paths(ec);
    else impl->ssl.load_verify_file(options.ca_file, ec);
    if (ec) return make_error(Errc::invalid_argument, "cannot load the CA bundle '" + options.ca_file + "'", ec.message());
    if (!options.client_cert_file.empty()) {
        impl->ssl.use_certificate_chain_file(options.client_cert_file, ec);
        if (!ec) impl->ssl.use_private_key_file(options.client_key_file, asio::ssl::context::pem, ec);
        if (ec) return make_error(Errc::invalid_argument, "cannot load the TLS client certificate or key", ec.message());
    }
    VerifyOptions verify = options.verify;
    if (!verify.max_clock_skew) verify.max_clock_skew = std::chrono::minutes(5);
    impl->verifier.emplace(std::move(verify));
    impl->options = std::move(options);
    impl->thread = std::thread([raw = impl.get()] { raw->ioc.run(); });
    return TimestampClient(std::move(impl));
}

TimestampClient::TimestampClient(std::shared_ptr<Impl> impl) : m_impl(std::move(impl)) {}
TimestampClient::TimestampClient(TimestampClient&&) noexcept = default;
TimestampClient& TimestampClient::operator=(TimestampClient&&) noexcept = default;
TimestampClient::~TimestampClient() = default;

AsyncTimestamp TimestampClient::timestamp_async(const TimestampRequest& request) const {
    auto state = std::make_shared<CancelHandle::State>();
    auto job = std::make_shared<Job>(*m_impl, request, state);
    AsyncTimestamp out{job->future(), CancelHandle(state)};
    {
        std::lock_guard lock(state->mutex);
        std::weak_ptr<Job> weak = job;
        auto* ioc = &m_impl->ioc;
        state->on_cancel = [weak, ioc] {
            asio::post(*ioc, [weak] {
                if (auto j = weak.lock()) j->cancel();
            });
        };
    }
    asio::post(m_impl->ioc, [job] { job->start(); });
    return out;
}

Result<Timestamp> TimestampClient::timestamp(const TimestampRequest& request) const {
    if (m_impl->thread.get_id() == std::this_thread::get_id())
        return make_error(Errc::failed_precondition, "timestamp() called on the client's own I/O thread");
    return timestamp_async(request).result.get();
}

Result<HttpReply> TimestampClient::post(const Bytes& body) const {
    std::promise<Result<HttpReply>> promise;
    auto fut = promise.get_future();
    asio::post(m_impl->ioc, [this, &body, &promise] {
        auto ex = std::make_shared<Exchange>(*m_impl, m_impl->urls.front(), body,
                                             core::time_math::saturating_add(Clock::now(), m_impl->options.total_timeout));
        ex->run([&promise](ExchangeResult r) {
            if (r.error) promise.set_value(std::move(*r.error));
            else promise.set_value(std::move(r.reply));
        });
    });
    return fut.get();
}

}  // namespace istmo::tsa
