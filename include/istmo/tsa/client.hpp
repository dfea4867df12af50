#pragma once
// RFC 3161 client over HTTP/1.1 (RFC 3161 §3.4): POST application/timestamp-query, with
// deadlines, a response size cap, retries with backoff (Retry-After honoured on 429/503, as
// delta-seconds or an HTTP-date), redirects reported (3xx with the Location) but not followed,
// failover across an ordered list of TSA URLs, HTTPS (server verification, optional pinning
// and client certificate), basic auth and an HTTP proxy (CONNECT for https).
// Every token is verified (verify_response) before it is returned.
//
// Thread safety: a TimestampClient is safe to use from many threads at once. It owns one
// I/O thread (one io_context) on which all asynchronous requests run concurrently.
#include <istmo/core/result.hpp>
#include <istmo/crypto/keys.hpp>
#include <istmo/export.hpp>
#include <istmo/tsa/timestamp.hpp>

#include <chrono>
#include <cstddef>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace istmo::tsa {

struct ClientOptions {
    std::vector<std::string> urls;       // http:// or https://, tried in this order
    std::chrono::milliseconds connect_timeout{5000};   // per attempt: DNS + TCP + TLS
    std::chrono::milliseconds request_timeout{15000};  // per attempt: whole exchange
    std::chrono::milliseconds total_timeout{60000};    // the whole call, retries included
    std::size_t max_response_bytes = 1 << 20;
    int retries = 2;                     // extra attempts per URL for retryable failures
    std::chrono::milliseconds backoff{250};            // doubled after each retry
    // A longer Retry-After (seconds or a date), or one ending past total_timeout: give up on that
    // URL at once and try the next one.
    std::chrono::milliseconds max_retry_after{10000};
    // HTTPS
    std::string ca_file;                 // PEM bundle; empty: the system CAs
    std::string pinned_server_sha256;    // lower-case hex SHA-256 of the server leaf's DER
    std::string client_cert_file;        // PEM chain
    std::string client_key_file;         // PEM key
    crypto::Secret client_key_password;  // for an encrypted client key (never prompted for)
    // HTTP basic auth
    std::string user;
    crypto::Secret password;
    // HTTP proxy ("http://host:port"); https targets go through CONNECT.
    std::string proxy;
    // How responses are verified (trust anchors, skew, ...). max_clock_skew defaults to 5 min
    // for fresh tokens when unset here.
    VerifyOptions verify;
};

// One successful, verified time-stamp.
struct Timestamp {
    Bytes response;                 // the TimeStampResp
    Bytes token;                    // the TimeStampToken (what XAdES embeds)
    TokenVerification verification; // valid() is true
    std::string url;                // the TSA that answered
    int attempts = 0;               // HTTP exchanges made, all URLs together
};

// Cancels an asynchronous request (safe from any thread, any number of times).
class ISTMO_API CancelHandle {
public:
    struct State;
    CancelHandle() = default;
    explicit CancelHandle(std::shared_ptr<State> state) : m_state(std::move(state)) {}
    void cancel() const;
private:
    std::shared_ptr<State> m_state;
};

struct AsyncTimestamp {
    std::future<Result<Timestamp>> result;
    CancelHandle cancel;
};

// Raw HTTP outcome of one exchange (for diagnostics and tests).
struct HttpReply {
    int status = 0;
    std::string content_type;
    Bytes body;
    std::string location;  // the Location header of a 3xx answer (never followed)
};

class ISTMO_API TimestampClient {
public:
    // invalid_argument on an unusable URL, proxy or TLS file.
    static Result<TimestampClient> create(ClientOptions options);

    // Sends the request, verifies the answer, retries and fails over. Errors:
    // unavailable (no TSA reachable / HTTP error, a 3xx redirect included / rejected / token
    // failed verification),
    // deadline_exceeded (total_timeout), limit_exceeded (response too big),
    // failed_precondition (cancelled).
    [[nodiscard]] Result<Timestamp> timestamp(const TimestampRequest& request) const;
    [[nodiscard]] AsyncTimestamp timestamp_async(const TimestampRequest& request) const;

    // One HTTP exchange with the first URL, no verification and no retries.
    [[nodiscard]] Result<HttpReply> post(const Bytes& body) const;

    TimestampClient(TimestampClient&&) noexcept;
    TimestampClient& operator=(TimestampClient&&) noexcept;
    ~TimestampClient();

    struct Impl;
private:
    explicit TimestampClient(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> m_impl;
};

}  // namespace istmo::tsa
