#pragma once
// HTTP/1.1 client (Boost.Beast inside, nothing of it here) and a fetch cache with one download
// in flight per key. Used by the RFC 3161 client (tsa) and by certificate status (CRL, OCSP).
//
// HttpClient: deadlines (connect, per attempt, whole call), bounded retries with doubling
// backoff for retryable failures only (connection failures, timeouts, HTTP 429/500/502/503/504),
// Retry-After honoured (delta-seconds or an HTTP-date), redirects reported (3xx with the
// Location) but never followed, a response size cap, HTTPS (CA file, pinned leaf SHA-256,
// client certificate as PEM files or PKCS#12), extra request headers, basic auth, an HTTP proxy (CONNECT for https), cancellation.
// Thread safety: one HttpClient may be used by many threads at once (copies share it); it owns
// one I/O thread on which every request runs.
//
// Errors (Result's Error): invalid_argument (bad URL or option), unavailable (cannot connect,
// connection closed early, TLS failure or pin mismatch, proxy refused), deadline_exceeded
// (a deadline ran out), limit_exceeded (response larger than max_response_bytes),
// failed_precondition (cancelled, or a synchronous call made on the client's own I/O thread).
// A complete HTTP answer is a response whatever its status: check HttpResponse::ok().
#include <istmo/core/result.hpp>
#include <istmo/export.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace istmo::net {

struct HttpOptions {
    std::chrono::milliseconds connect_timeout{5000};   // per attempt: DNS + TCP + proxy + TLS
    std::chrono::milliseconds request_timeout{15000};  // per attempt: the whole exchange
    std::chrono::milliseconds total_timeout{60000};    // the whole call, retries included
    std::size_t max_response_bytes = 1 << 20;
    int retries = 2;                                   // extra attempts for retryable failures
    std::chrono::milliseconds backoff{250};            // doubled after each retry
    // A longer Retry-After, or one ending past total_timeout, is not waited for: the answer
    // that carried it is returned at once (with HttpResponse::retry_after set).
    std::chrono::milliseconds max_retry_after{10000};
    // HTTPS
    std::string ca_file;               // PEM bundle; empty: the system CAs
    std::string pinned_server_sha256;  // hex SHA-256 of the server leaf's DER (any case)
    std::string client_cert_file;      // PEM chain
    std::string client_key_file;       // PEM key
    std::string client_key_password;   // for an encrypted client key (or the PKCS#12); never prompted for
    std::string client_p12_file;       // PKCS#12 with the client key and certificate (instead of the two PEM files)
    // HTTP basic auth (sent on every request when user is not empty)
    std::string user;
    std::string password;
    // HTTP proxy ("http://host:port"); https targets go through CONNECT.
    std::string proxy;
    std::string user_agent = "istmo";
};

struct HttpResponse {
    int status = 0;
    std::string content_type;
    std::vector<std::uint8_t> body;
    std::string location;  // the Location header of a 3xx answer (never followed), printable
    int attempts = 0;      // HTTP exchanges made for this call
    // When the server asked to be asked again (Retry-After on 429/503), as an absolute time.
    std::optional<std::chrono::system_clock::time_point> retry_after;

    [[nodiscard]] bool ok() const noexcept { return status >= 200 && status < 300; }
};

// One request for HttpClient::send (the general, asynchronous form of get/post).
struct HttpRequest {
    std::string method = "GET";  // GET or POST
    std::string url;             // http:// or https://
    std::vector<std::uint8_t> body;
    std::string content_type;    // of the body (POST)
    std::string accept;          // Accept header; empty: none sent
    // Further headers (name, value), e.g. SOAPAction; CR and LF are refused (invalid_argument).
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<int> retries;  // overrides HttpOptions::retries for this call
    // Absolute end of the call (steady clock); the earlier of this and total_timeout applies.
    std::optional<std::chrono::steady_clock::time_point> deadline;
    std::chrono::milliseconds delay{0};  // wait this long before the first attempt
};

// Cancels a call started with HttpClient::send (any thread, any number of times): the callback
// then gets failed_precondition, unless it already ran.
class ISTMO_API HttpCall {
public:
    struct State;
    HttpCall() = default;
    explicit HttpCall(std::shared_ptr<State> state) : m_state(std::move(state)) {}
    void cancel() const;
private:
    std::shared_ptr<State> m_state;
};

class ISTMO_API HttpClient {
public:
    // invalid_argument on an unusable proxy, TLS file or option.
    static Result<HttpClient> create(HttpOptions options);

    [[nodiscard]] Result<HttpResponse> get(std::string_view url) const;
    [[nodiscard]] Result<HttpResponse> post(std::string_view url, std::span<const std::uint8_t> body,
                                            std::string_view content_type) const;

    // The general synchronous form (method, headers, per-call retries and deadline).
    [[nodiscard]] Result<HttpResponse> execute(HttpRequest request) const;

    // Starts a call; `done` runs exactly once, on the client's I/O thread (keep it short; never
    // call get/post from it), with the outcome and the number of HTTP exchanges made.
    using Callback = std::function<void(Result<HttpResponse> result, int attempts)>;
    HttpCall send(HttpRequest request, Callback done) const;

    [[nodiscard]] const HttpOptions& options() const noexcept;
    // True on the client's I/O thread (where send callbacks run).
    [[nodiscard]] bool on_io_thread() const noexcept;

    HttpClient(const HttpClient&) noexcept;
    HttpClient& operator=(const HttpClient&) noexcept;
    HttpClient(HttpClient&&) noexcept;
    HttpClient& operator=(HttpClient&&) noexcept;
    ~HttpClient();

    struct Impl;
private:
    explicit HttpClient(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> m_impl;
};

// A body fetched from somewhere (a CRL, an OCSP response) and how long it may be reused.
struct CachedBody {
    std::vector<std::uint8_t> body;
    std::chrono::system_clock::time_point expires;
};

// Cache of fetched bodies shared by all threads, with one fetch in flight per key, optionally
// persisted in a directory (one file per key, named by the SHA-256 of the key, written to a
// temporary file and renamed; expired or corrupt files are ignored and removed). A directory
// that cannot be created or written leaves the cache working in memory only.
//
//   net::FetchCache cache({.persist_dir = dir});
//   auto crl = cache.get_or_fetch_shared(url, now, [&]() -> Result<net::CachedBody> {
//       auto r = client.get(url);
//       if (!r) return std::move(r).error();
//       if (!r->ok()) return make_error(Errc::unavailable, url + " answered HTTP " + std::to_string(r->status));
//       return net::CachedBody{std::move(r->body), next_update_of(r->body)};
//   });
class ISTMO_API FetchCache {
public:
    struct Options {
        std::size_t max_entries = 4096;  // in memory; the entry expiring first is dropped
        std::string persist_dir;         // empty: memory only; created when missing
    };

    explicit FetchCache(Options options);
    FetchCache(const FetchCache&) = delete;
    FetchCache& operator=(const FetchCache&) = delete;
    ~FetchCache();

    // Returns the cached body while now < expires; otherwise calls fetch, with at most ONE
    // fetch in flight per key: concurrent callers for the same key wait for it and share its
    // result (a failure is shared by those waiters, not cached). A fetched body whose expires
    // is not after `now` is returned but not kept. `fetch` runs on the calling thread.
    Result<CachedBody> get_or_fetch(const std::string& key, std::chrono::system_clock::time_point now,
                                    const std::function<Result<CachedBody>()>& fetch);
    // The same without copying the body: the cached entry itself, shared and immutable (what a
    // hot path should use: a hit costs a lookup and a reference count).
    Result<std::shared_ptr<const CachedBody>> get_or_fetch_shared(const std::string& key,
                                                                  std::chrono::system_clock::time_point now,
                                                                  const std::function<Result<CachedBody>()>& fetch);

    // The entry for key while now < expires (memory, then the directory), without fetching.
    [[nodiscard]] std::optional<CachedBody> lookup(const std::string& key, std::chrono::system_clock::time_point now);
    // Drops every entry (memory and directory).
    void clear();

    struct Stats {
        std::uint64_t hits = 0;     // answered from memory or the directory
        std::uint64_t misses = 0;   // not cached (or expired) when asked
        std::uint64_t fetches = 0;  // fetch calls made
        std::uint64_t waits = 0;    // callers that waited for another caller's fetch
    };
    [[nodiscard]] Stats stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace istmo::net
