// HTTP/1.1 client on Boost.Asio + Boost.Beast (header-only), callback style so that it builds
// with both g++ 12 and clang 14 (no Asio coroutines on clang 14 + libstdc++).
//
// One Call per request drives the attempts (retries, Retry-After) under the call's deadline;
// one Exchange per HTTP attempt (resolve, connect, [CONNECT], [TLS], request, read) under a
// watchdog timer: the connect deadline first, then the request deadline.
#include <istmo/net/http.hpp>

#include "core/ascii.hpp"
#include "core/cancellation.hpp"
#include "core/time_math.hpp"
#include "internal/c_ptr.hpp"
#include "net/net_internal.hpp"

// g++ 12 -O2 reports Asio's scheduler internals (inlined into this file) as a "potential null
// pointer dereference"; a false positive in the header code, silenced for this file only.
#pragma GCC diagnostic ignored "-Wnull-dereference"
// g++ 12 also reports a moved Result<HttpResponse> (std::variant) as "maybe uninitialized" once
// HttpRequest carries a header list (inlining changes); the same kind of false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <thread>

namespace istmo::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using error_code = boost::system::error_code;
using detail::Url;

namespace {

// A header value as error messages and logs may show it.
std::string printable(beast::string_view value, std::size_t limit) {
    return core::ascii::printable(std::string_view(value.data(), value.size()), limit);
}

std::string sha256_hex(const unsigned char* data, std::size_t size) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (EVP_Digest(data, size, md, &md_len, EVP_sha256(), nullptr) != 1) return {};
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < md_len; ++i) {
        out += digits[md[i] >> 4];
        out += digits[md[i] & 0x0F];
    }
    return out;
}

std::string base64(const std::string& text) {
    std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return out;
}

std::string openssl_errors() {
    std::string out;
    while (const unsigned long code = ERR_get_error()) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        if (!out.empty()) out += "; ";
        out += buffer;
    }
    return out;
}

bool retryable_status(int status) {
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

// Outcome of one HTTP exchange.
struct ExchangeResult {
    std::optional<Error> error;
    HttpResponse response;
    std::optional<std::chrono::milliseconds> retry_after;
    bool retryable = false;
};

}  // namespace

// Its stop action posts the cancellation to the I/O thread.
struct HttpCall::State : core::Cancellation {};

void HttpCall::cancel() const {
    if (m_state) m_state->cancel();
}

namespace {

// What the I/O thread runs on. Shared by the client (through Impl) and by the I/O thread
// itself, so that the last copy of a client may be dropped on that thread (by a callback):
// the thread is then detached and the engine dies when run() returns.
struct Engine {
    HttpOptions options;
    std::optional<Url> proxy;
    // mutable: the const client methods start work on them (both are thread-safe here).
    mutable asio::ssl::context ssl{asio::ssl::context::tls_client};
    mutable asio::io_context ioc{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
    std::thread::id thread_id;
};

}  // namespace

struct HttpClient::Impl {
    std::shared_ptr<Engine> engine;
    std::thread thread;

    ~Impl() {
        engine->guard.reset();
        engine->ioc.stop();
        if (!thread.joinable()) return;
        if (thread.get_id() == std::this_thread::get_id()) thread.detach();
        else thread.join();
    }
};

namespace {

using Impl = Engine;

class Exchange : public std::enable_shared_from_this<Exchange> {
public:
    using Callback = std::function<void(ExchangeResult)>;

    Exchange(const Impl& impl, const Url& url, std::shared_ptr<const HttpRequest> request, Clock::time_point hard_deadline)
        : m_impl(impl), m_url(url), m_req(std::move(request)), m_resolver(impl.ioc.get_executor()),
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
        req->set(http::field::user_agent, m_impl.options.user_agent);
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
                     static_cast<void*>(const_cast<char*>(m_url.host.c_str()))) != 1)
            return fail(Errc::internal, "cannot set the TLS server name", false, openssl_errors());
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
            if (len > 0) got = sha256_hex(der, static_cast<std::size_t>(len));
        }
        if (detail::lower_ascii(pin) != got) {
            fail(Errc::unavailable, "the TLS certificate of " + m_url.text + " does not match the pinned SHA-256", false);
            return false;
        }
        return true;
    }

    template <class Stream>
    void send_request(Stream& stream) {
        const bool post = m_req->method == "POST";
        m_request.emplace(post ? http::verb::post : http::verb::get,
                          m_impl.proxy && !m_url.https ? m_url.text : m_url.target, 11);
        m_request->set(http::field::host, detail::host_header(m_url));
        m_request->set(http::field::user_agent, m_impl.options.user_agent);
        if (!m_req->content_type.empty()) m_request->set(http::field::content_type, m_req->content_type);
        if (!m_req->accept.empty()) m_request->set(http::field::accept, m_req->accept);
        for (const auto& [name, value] : m_req->headers) {
            if (name.empty() || name.find_first_of("\r\n: ") != std::string::npos ||
                value.find_first_of("\r\n") != std::string::npos)
                return fail(Errc::invalid_argument, "a request header holds a line break or a bad name", false);
            m_request->set(name, value);
        }
        m_request->set(http::field::connection, "close");
        if (!m_impl.options.user.empty())
            m_request->set(http::field::authorization, "Basic " + base64(m_impl.options.user + ":" + m_impl.options.password));
        if (post) m_request->body() = m_req->body;
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
        r.response.status = static_cast<int>(msg.result_int());
        r.response.content_type = printable(msg[http::field::content_type], 256);
        r.response.body = std::move(msg.body());
        if (r.response.status >= 300 && r.response.status < 400)
            r.response.location = printable(msg[http::field::location], 512);
        if (r.response.status == 429 || r.response.status == 503) {
            const auto ra = msg[http::field::retry_after];
            r.retry_after = detail::parse_retry_after(std::string_view(ra.data(), ra.size()),
                                                      std::chrono::system_clock::now());
        }
        finish(std::move(r));
    }

    const Impl& m_impl;
    Url m_url;
    std::shared_ptr<const HttpRequest> m_req;
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

// A callback run exactly once: by the call, or else (the client destroyed before the posted
// handler ran) with failed_precondition when the last reference goes.
struct OnceCallback {
    HttpClient::Callback fn;
    explicit OnceCallback(HttpClient::Callback f) : fn(std::move(f)) {}
    OnceCallback(const OnceCallback&) = delete;
    OnceCallback& operator=(const OnceCallback&) = delete;
    ~OnceCallback() {
        if (fn) fn(make_error(Errc::failed_precondition, "the HTTP client was destroyed"), 0);
    }
    void operator()(Result<HttpResponse> r, int attempts) {
        auto f = std::move(fn);
        fn = nullptr;
        f(std::move(r), attempts);
    }
};

// Drives one call: attempts and retries under the call's deadline.
class Call : public std::enable_shared_from_this<Call> {
public:
    Call(const Impl& impl, Url url, HttpRequest request, std::shared_ptr<HttpCall::State> cancel, HttpClient::Callback done)
        : m_impl(impl), m_url(std::move(url)), m_request(std::make_shared<const HttpRequest>(std::move(request))),
          m_cancel(std::move(cancel)), m_done(std::move(done)), m_total_timer(impl.ioc.get_executor()),
          m_backoff_timer(impl.ioc.get_executor()) {
        m_retries = m_request->retries.value_or(impl.options.retries);
    }

    ~Call() {
        if (!m_finished && m_done) m_done(make_error(Errc::failed_precondition, "the HTTP client was destroyed"), m_attempts);
    }

    void start() {
        m_deadline = core::time_math::saturating_add(Clock::now(), m_impl.options.total_timeout);
        if (m_request->deadline) m_deadline = std::min(m_deadline, *m_request->deadline);
        m_total_timer.expires_at(m_deadline);
        m_total_timer.async_wait([self = shared_from_this()](error_code ec) {
            if (ec == asio::error::operation_aborted || self->m_finished) return;
            self->complete(make_error(Errc::deadline_exceeded,
                                      "no answer from " + self->m_url.text + " within the deadline" +
                                          (self->m_last_error ? " (last: " + self->m_last_error->message + ")" : std::string())));
        });
        if (m_request->delay.count() > 0) return wait_then_attempt(m_request->delay);
        attempt();
    }

    void cancel() {
        if (m_finished) return;
        complete(make_error(Errc::failed_precondition, "the HTTP request to " + m_url.text + " was cancelled"));
    }

private:
    void attempt() {
        if (m_finished) return;
        ++m_attempts;
        m_exchange = std::make_shared<Exchange>(m_impl, m_url, m_request, m_deadline);
        m_exchange->run([self = shared_from_this()](ExchangeResult r) { self->on_exchange(std::move(r)); });
    }

    void on_exchange(ExchangeResult r) {
        m_exchange.reset();
        if (m_finished) return;
        if (r.error) {
            m_last_error = r.error;
            if (r.retryable && retry(std::nullopt)) return;
            return complete(std::move(*r.error));
        }
        r.response.attempts = m_attempts;
        if (r.retry_after)
            r.response.retry_after = core::time_math::saturating_add(std::chrono::system_clock::now(), *r.retry_after);
        if (retryable_status(r.response.status)) {
            m_last_error = make_error(Errc::unavailable, m_url.text + " answered HTTP " + std::to_string(r.response.status));
            if (retry(r.retry_after)) return;
        }
        complete(std::move(r.response));
    }

    // Schedules the next attempt unless the retries are used up or the wait cannot be afforded:
    // Retry-After (already a delay) replaces the backoff when longer; one beyond max_retry_after,
    // or one that would end past the deadline, is not waited for.
    bool retry(std::optional<std::chrono::milliseconds> retry_after) {
        if (m_tries >= m_retries) return false;
        std::chrono::milliseconds wait =
            core::time_math::saturating_multiply(m_impl.options.backoff, std::int64_t{1} << std::min(m_tries, 10));
        if (retry_after) {
            if (*retry_after > m_impl.options.max_retry_after) return false;
            wait = std::max(wait, *retry_after);
        }
        if (core::time_math::saturating_add(Clock::now(), wait) >= m_deadline) return false;
        ++m_tries;
        if (wait.count() == 0) {
            attempt();
            return true;
        }
        wait_then_attempt(wait);
        return true;
    }

    void wait_then_attempt(std::chrono::milliseconds wait) {
        m_backoff_timer.expires_at(core::time_math::saturating_add(Clock::now(), wait));
        m_backoff_timer.async_wait([self = shared_from_this()](error_code ec) {
            if (ec == asio::error::operation_aborted) return;
            self->attempt();
        });
    }

    void complete(Result<HttpResponse> r) {
        if (m_finished) return;
        m_finished = true;
        m_total_timer.cancel();
        m_backoff_timer.cancel();
        // Abort the exchange in flight and drop our reference to it: its pending handler holds
        // this call, so keeping it here would make a cycle that outlives a cancelled request.
        if (m_exchange) m_exchange->abort();
        m_exchange.reset();
        m_cancel->withdraw();
        auto done = std::move(m_done);
        m_done = nullptr;
        done(std::move(r), m_attempts);
    }

    const Impl& m_impl;
    Url m_url;
    std::shared_ptr<const HttpRequest> m_request;
    std::shared_ptr<HttpCall::State> m_cancel;
    HttpClient::Callback m_done;
    asio::steady_timer m_total_timer;
    asio::steady_timer m_backoff_timer;
    std::shared_ptr<Exchange> m_exchange;
    std::optional<Error> m_last_error;
    Clock::time_point m_deadline;
    int m_retries = 0;
    int m_tries = 0;
    int m_attempts = 0;
    bool m_finished = false;
};

}  // namespace

namespace {

// The key, certificate and chain of a PKCS#12 file as the TLS client identity.
Result<void> load_client_pkcs12(SSL_CTX* ctx, const std::string& file, const std::string& password) {
    const auto fail = [&](const std::string& what) {
        return make_error(Errc::invalid_argument, "cannot load the TLS client PKCS#12 '" + file + "': " + what,
                          openssl_errors());
    };
    internal::BioPtr bio(BIO_new_file(file.c_str(), "rb"));
    if (!bio) return fail("cannot read the file");
    internal::Pkcs12Ptr p12(d2i_PKCS12_bio(bio.get(), nullptr));
    if (!p12) return fail("not a PKCS#12 file");
    EVP_PKEY* key_raw = nullptr;
    X509* cert_raw = nullptr;
    STACK_OF(X509)* chain_raw = nullptr;
    if (PKCS12_parse(p12.get(), password.c_str(), &key_raw, &cert_raw, &chain_raw) != 1)
        return fail("wrong password or unreadable content");
    internal::EvpPkeyPtr key(key_raw);
    internal::X509Ptr cert(cert_raw);
    internal::X509StackPtr chain(chain_raw);
    if (!key || !cert) return fail("no key and certificate in it");
    if (SSL_CTX_use_certificate(ctx, cert.get()) != 1 || SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1)
        return fail("the key and certificate are not usable together");
    for (int i = 0; chain && i < sk_X509_num(chain.get()); ++i)
        if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(chain.get(), i)) != 1) return fail("cannot add its chain");
    return {};
}

}  // namespace

Result<HttpClient> HttpClient::create(HttpOptions options) {
    auto impl = std::make_shared<Engine>();
    if (!options.proxy.empty()) {
        auto p = detail::parse_url(options.proxy);
        if (!p || p->https) return make_error(Errc::invalid_argument, "the proxy must be an http:// URL");
        impl->proxy = std::move(*p);
    }
    if (options.retries < 0 || options.max_response_bytes == 0 || options.request_timeout.count() <= 0 ||
        options.connect_timeout.count() <= 0 || options.total_timeout.count() <= 0 || options.backoff.count() < 0)
        return make_error(Errc::invalid_argument, "timeouts, retries and the size cap must be positive");
    error_code ec;
    impl->ssl.set_verify_mode(asio::ssl::verify_peer, ec);
    if (options.ca_file.empty()) impl->ssl.set_default_verify_paths(ec);
    else impl->ssl.load_verify_file(options.ca_file, ec);
    if (ec) return make_error(Errc::invalid_argument, "cannot load the CA bundle '" + options.ca_file + "'", ec.message());
    if (!options.client_cert_file.empty()) {
        // Always a callback: OpenSSL's default one would prompt on the terminal for an encrypted key.
        impl->ssl.set_password_callback(
            [password = options.client_key_password](std::size_t, asio::ssl::context::password_purpose) {
                return password;
            },
            ec);
        if (!ec) impl->ssl.use_certificate_chain_file(options.client_cert_file, ec);
        if (!ec) impl->ssl.use_private_key_file(options.client_key_file, asio::ssl::context::pem, ec);
        // The key is loaded: the callback (and its copy of the password) is not needed any more.
        error_code ignored;
        impl->ssl.set_password_callback([](std::size_t, asio::ssl::context::password_purpose) { return std::string(); },
                                        ignored);
        if (ec) return make_error(Errc::invalid_argument, "cannot load the TLS client certificate or key", ec.message());
    }
    if (!options.client_p12_file.empty()) {
        if (!options.client_cert_file.empty())
            return make_error(Errc::invalid_argument, "give the TLS client certificate as PEM files or as PKCS#12, not both");
        if (auto loaded = load_client_pkcs12(impl->ssl.native_handle(), options.client_p12_file, options.client_key_password); !loaded)
            return std::move(loaded).error();
    }
    // Nor is the client's own copy of the key password kept.
    OPENSSL_cleanse(options.client_key_password.data(), options.client_key_password.size());
    options.client_key_password.clear();
    impl->options = std::move(options);
    auto owner = std::make_shared<HttpClient::Impl>();
    owner->engine = impl;
    owner->thread = std::thread([engine = std::move(impl)] { engine->ioc.run(); });
    owner->engine->thread_id = owner->thread.get_id();
    return HttpClient(std::move(owner));
}

HttpClient::HttpClient(std::shared_ptr<Impl> impl) : m_impl(std::move(impl)) {}
HttpClient::HttpClient(const HttpClient&) noexcept = default;
HttpClient& HttpClient::operator=(const HttpClient&) noexcept = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

const HttpOptions& HttpClient::options() const noexcept { return m_impl->engine->options; }

bool HttpClient::on_io_thread() const noexcept { return m_impl->engine->thread_id == std::this_thread::get_id(); }

HttpCall HttpClient::send(HttpRequest request, Callback done) const {
    auto state = std::make_shared<HttpCall::State>();
    HttpCall handle(state);
    Engine& engine = *m_impl->engine;
    // Even a request refused at once is answered on the I/O thread, as documented (a caller
    // may hold a lock that its callback takes).
    const auto refuse = [&](Error e) {
        auto once = std::make_shared<OnceCallback>(std::move(done));
        asio::post(engine.ioc, [e = std::move(e), once]() mutable { (*once)(std::move(e), 0); });
        return handle;
    };
    if (request.method != "GET" && request.method != "POST")
        return refuse(make_error(Errc::invalid_argument, "only GET and POST are supported"));
    auto url = detail::parse_url(request.url);
    if (!url) return refuse(std::move(url).error());
    auto call = std::make_shared<Call>(engine, std::move(*url), std::move(request), state, std::move(done));
    std::weak_ptr<Call> weak = call;
    auto* ioc = &engine.ioc;
    state->set_stop([weak, ioc] {
        asio::post(*ioc, [weak] {
            if (auto c = weak.lock()) c->cancel();
        });
    });
    asio::post(engine.ioc, [call] { call->start(); });
    return handle;
}

namespace {

Result<HttpResponse> wait_for(const HttpClient& client, std::thread::id io_thread, HttpRequest request) {
    if (io_thread == std::this_thread::get_id())
        return make_error(Errc::failed_precondition, "a synchronous HTTP call was made on the client's own I/O thread");
    auto promise = std::make_shared<std::promise<Result<HttpResponse>>>();
    auto future = promise->get_future();
    (void)client.send(std::move(request), [promise](Result<HttpResponse> r, int) { promise->set_value(std::move(r)); });
    return future.get();
}

}  // namespace

Result<HttpResponse> HttpClient::execute(HttpRequest request) const {
    return wait_for(*this, m_impl->engine->thread_id, std::move(request));
}

Result<HttpResponse> HttpClient::get(std::string_view url) const {
    HttpRequest request;
    request.url = std::string(url);
    return wait_for(*this, m_impl->engine->thread_id, std::move(request));
}

Result<HttpResponse> HttpClient::post(std::string_view url, std::span<const std::uint8_t> body,
                                      std::string_view content_type) const {
    HttpRequest request;
    request.method = "POST";
    request.url = std::string(url);
    request.body.assign(body.begin(), body.end());
    request.content_type = std::string(content_type);
    return wait_for(*this, m_impl->engine->thread_id, std::move(request));
}

}  // namespace istmo::net
