// RFC 3161 client over net::HttpClient (RFC 3161 §3.4: POST application/timestamp-query).
//
// The HTTP client does the exchanges, the deadlines and the retries of transport failures and
// of HTTP 429/5xx (Retry-After included) for one URL; a Job per timestamp() call adds what is
// particular to time-stamps: failover across the URLs, the verification of every answer, and
// retries of a TSA that answered "busy" (waiting, systemFailure, timeNotAvailable).
#include <istmo/net/http.hpp>
#include <istmo/tsa/client.hpp>

#include "core/cancellation.hpp"
#include "core/time_math.hpp"
#include "net/net_internal.hpp"
#include "tsa/tsa_internal.hpp"

#include <algorithm>
#include <mutex>

namespace istmo::tsa {

using Clock = std::chrono::steady_clock;
using net::detail::Url;

// Its stop action cancels the job (thread-safe).
struct CancelHandle::State : core::Cancellation {};

void CancelHandle::cancel() const {
    if (m_state) m_state->cancel();
}

struct TimestampClient::Impl {
    ClientOptions options;
    // Verifies every answer; keeps the anchors, the TSA certificates and their path results.
    std::optional<TokenVerifier> verifier;
    std::vector<Url> urls;
    std::optional<net::HttpClient> http;
};

namespace {

// The error for an answer that is not a 200 (the redirect is reported with where it points).
Error status_error(const Url& url, const net::HttpResponse& response) {
    const int status = response.status;
    if (status >= 300 && status < 400) {
        // Redirects are not followed (docs/timestamps.md): the request, the credentials and
        // the client certificate would go to a server nobody configured, and 301/302/303
        // would turn the POST into a GET. The TSA that moved is reported with its new place.
        const std::string where = response.location.empty()
                                      ? std::string("no Location header")
                                      : "Location: " + net::detail::absolute_location(url, response.location);
        return make_error(Errc::unavailable,
                          url.text + " answered HTTP " + std::to_string(status) + " (a redirect, " + where +
                              "); redirects are not followed: configure the TSA URL it points to",
                          where);
    }
    const auto& body = response.body;
    std::string text(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(body.size(), 200)));
    std::string message = url.text + " answered HTTP " + std::to_string(status);
    if (response.retry_after) {
        const auto wait = std::max(std::chrono::system_clock::duration::zero(),
                                   core::time_math::saturating_difference(*response.retry_after,
                                                                          std::chrono::system_clock::now()));
        message += " (Retry-After: " + std::to_string(std::chrono::ceil<std::chrono::seconds>(wait).count()) + " s)";
    }
    return make_error(Errc::unavailable, std::move(message), text);
}

// A TSA that is busy ("waiting", timeNotAvailable, systemFailure) may succeed later.
bool busy(const TokenVerification& v) {
    const report::Finding* f = v.first_error();
    if (!f) return false;
    const auto has = [&](const char* info) {
        return std::find(v.fail_info.begin(), v.fail_info.end(), info) != v.fail_info.end();
    };
    return f->code == "TSA-STATUS-WAITING" ||
           (f->code == "TSA-STATUS-REJECTED" && (has("systemFailure") || has("timeNotAvailable")));
}

// Drives one timestamp() call: URLs in order, each through the HTTP client, every answer
// verified. Callbacks run on the HTTP client's I/O thread; cancel() on any thread.
class Job : public std::enable_shared_from_this<Job> {
public:
    Job(std::shared_ptr<const TimestampClient::Impl> impl, TimestampRequest request)
        : m_impl(std::move(impl)), m_request(std::move(request)) {}

    std::future<Result<Timestamp>> future() { return m_promise.get_future(); }

    void start() {
        std::lock_guard lock(m_mutex);
        m_deadline = core::time_math::saturating_add(Clock::now(), m_impl->options.total_timeout);
        attempt(std::chrono::milliseconds(0));
    }

    void cancel() {
        net::HttpCall call;
        {
            std::lock_guard lock(m_mutex);
            if (m_finished) return;
            complete(make_error(Errc::failed_precondition, "the time-stamp request was cancelled"));
            call = m_call;
        }
        call.cancel();
    }

private:
    // Under m_mutex.
    void attempt(std::chrono::milliseconds delay) {
        if (m_finished) return;
        if (m_url_index >= m_impl->urls.size())
            return complete(m_last_error ? *m_last_error : make_error(Errc::unavailable, "no TSA URL is configured"));
        net::HttpRequest http;
        http.method = "POST";
        http.url = m_impl->urls[m_url_index].text;
        http.body = m_request.der();
        http.content_type = "application/timestamp-query";
        http.accept = "application/timestamp-reply";
        http.retries = std::max(0, m_impl->options.retries - m_retries_used);
        http.deadline = m_deadline;
        http.delay = delay;
        m_call = m_impl->http->send(std::move(http), [self = shared_from_this()](Result<net::HttpResponse> r, int attempts) {
            self->on_answer(std::move(r), attempts);
        });
    }

    void on_answer(Result<net::HttpResponse> r, int attempts) {
        std::lock_guard lock(m_mutex);
        if (m_finished) return;
        m_attempts += attempts;
        m_retries_used += std::max(0, attempts - 1);
        const Url& url = m_impl->urls[m_url_index];
        if (!r) {
            Error e = std::move(r).error();
            if (e.code == Errc::failed_precondition) return complete(std::move(e));  // client destroyed
            if (e.code == Errc::deadline_exceeded && Clock::now() >= m_deadline) return complete(total_deadline(e));
            return next_url(std::move(e));
        }
        if (r->status != 200) return next_url(status_error(url, *r));
        if (net::detail::lower_ascii(r->content_type).rfind("text/html", 0) == 0)
            return next_url(make_error(Errc::unavailable, url.text + " answered with an HTML page, not a TimeStampResp"));
        TokenVerification v = m_impl->verifier->verify_response(r->body, m_request);
        if (!v.valid()) {
            const report::Finding* f = v.first_error();
            Error e = make_error(Errc::unavailable, url.text + ": " + v.summary(), f ? f->code : std::string());
            if (busy(v)) return retry_same_url(std::move(e));
            return next_url(std::move(e));
        }
        Timestamp t;
        t.response = std::move(r->body);
        t.token = v.token;
        t.verification = std::move(v);
        t.url = url.text;
        t.attempts = m_attempts;
        complete(std::move(t));
    }

    Error total_deadline(const Error& last) const {
        const Error& shown = m_last_error ? *m_last_error : last;
        return make_error(Errc::deadline_exceeded, "no verified time-stamp within " +
                                                        std::to_string(m_impl->options.total_timeout.count()) +
                                                        " ms (last: " + shown.message + ")");
    }

    // A busy TSA: the same URL after the backoff, while retries and time are left.
    void retry_same_url(Error e) {
        const auto wait =
            core::time_math::saturating_multiply(m_impl->options.backoff, std::int64_t{1} << std::min(m_retries_used, 10));
        if (m_retries_used >= m_impl->options.retries || core::time_math::saturating_add(Clock::now(), wait) >= m_deadline)
            return next_url(std::move(e));
        m_last_error = std::move(e);
        ++m_retries_used;
        attempt(wait);
    }

    void next_url(Error e) {
        m_last_error = std::move(e);
        ++m_url_index;
        m_retries_used = 0;
        attempt(std::chrono::milliseconds(0));
    }

    void complete(Result<Timestamp> r) {
        if (m_finished) return;
        m_finished = true;
        m_promise.set_value(std::move(r));
    }

    std::shared_ptr<const TimestampClient::Impl> m_impl;
    TimestampRequest m_request;
    std::mutex m_mutex;
    std::promise<Result<Timestamp>> m_promise;
    net::HttpCall m_call;
    std::optional<Error> m_last_error;
    Clock::time_point m_deadline;
    std::size_t m_url_index = 0;
    int m_retries_used = 0;
    int m_attempts = 0;
    bool m_finished = false;
};

net::HttpOptions http_options(const ClientOptions& options) {
    net::HttpOptions http;
    http.connect_timeout = options.connect_timeout;
    http.request_timeout = options.request_timeout;
    http.total_timeout = options.total_timeout;
    http.max_response_bytes = options.max_response_bytes;
    http.retries = options.retries;
    http.backoff = options.backoff;
    http.max_retry_after = options.max_retry_after;
    http.ca_file = options.ca_file;
    http.pinned_server_sha256 = options.pinned_server_sha256;
    http.client_cert_file = options.client_cert_file;
    http.client_key_file = options.client_key_file;
    http.client_key_password = std::string(options.client_key_password.view());
    http.user = options.user;
    http.password = std::string(options.password.view());  // the HTTP client keeps a plain copy
    http.proxy = options.proxy;
    http.user_agent = "istmo-tsa";
    return http;
}

}  // namespace

Result<TimestampClient> TimestampClient::create(ClientOptions options) {
    auto impl = std::make_shared<Impl>();
    for (const auto& text : options.urls) {
        auto u = net::detail::parse_url(text);
        if (!u) return std::move(u).error();
        impl->urls.push_back(std::move(*u));
    }
    if (impl->urls.empty()) return make_error(Errc::invalid_argument, "at least one TSA URL is needed");
    auto http = net::HttpClient::create(http_options(options));
    if (!http) return std::move(http).error();
    impl->http.emplace(std::move(*http));
    VerifyOptions verify = options.verify;
    if (!verify.max_clock_skew) verify.max_clock_skew = std::chrono::minutes(5);
    impl->verifier.emplace(std::move(verify));
    impl->options = std::move(options);
    return TimestampClient(std::move(impl));
}

TimestampClient::TimestampClient(std::shared_ptr<Impl> impl) : m_impl(std::move(impl)) {}
TimestampClient::TimestampClient(TimestampClient&&) noexcept = default;
TimestampClient& TimestampClient::operator=(TimestampClient&&) noexcept = default;
TimestampClient::~TimestampClient() = default;

AsyncTimestamp TimestampClient::timestamp_async(const TimestampRequest& request) const {
    auto state = std::make_shared<CancelHandle::State>();
    auto job = std::make_shared<Job>(m_impl, request);
    AsyncTimestamp out{job->future(), CancelHandle(state)};
    std::weak_ptr<Job> weak = job;
    state->set_stop([weak] {
        if (auto j = weak.lock()) j->cancel();
    });
    job->start();
    return out;
}

Result<Timestamp> TimestampClient::timestamp(const TimestampRequest& request) const {
    if (m_impl->http->on_io_thread())
        return make_error(Errc::failed_precondition, "timestamp() called on the client's own I/O thread");
    return timestamp_async(request).result.get();
}

Result<HttpReply> TimestampClient::post(const Bytes& body) const {
    if (m_impl->http->on_io_thread())
        return make_error(Errc::failed_precondition, "post() called on the client's own I/O thread");
    net::HttpRequest http;
    http.method = "POST";
    http.url = m_impl->urls.front().text;
    http.body = body;
    http.content_type = "application/timestamp-query";
    http.accept = "application/timestamp-reply";
    http.retries = 0;
    auto promise = std::make_shared<std::promise<Result<net::HttpResponse>>>();
    auto future = promise->get_future();
    (void)m_impl->http->send(std::move(http), [promise](Result<net::HttpResponse> r, int) { promise->set_value(std::move(r)); });
    auto r = future.get();
    if (!r) return std::move(r).error();
    return HttpReply{r->status, std::move(r->content_type), std::move(r->body), std::move(r->location)};
}

}  // namespace istmo::tsa
