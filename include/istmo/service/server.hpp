#pragma once
// Validation as a service: an HTTP/1.1 (optionally TLS) server over the batch validator.
//
//   POST /v1/validate[?profile=panama-fe|xmldsig|xades|auto][&source=LABEL]
//        [&revocation=auto|require|off][&legacy=true|false][&trust=NAME]
//        body: the XML document itself, or (Content-Type: application/json)
//        {"source": "...", "base64": "..."}  ->  200 and the batch result as one JSON object
//        (batch::DocumentResult::to_ndjson(), docs/batch.md), whatever the verdict.
//   GET  /healthz   ->  200 {"status":"ok"} (503 {"status":"draining"} while stopping)
//   GET  /metrics   ->  Prometheus text format 0.0.4 (docs/service.md)
//
// Requests the server refuses get a JSON error {"error":{"code","message","message_es"}}:
// 400 SERVICE-BAD-REQUEST (malformed HTTP), SERVICE-BAD-QUERY, SERVICE-UNKNOWN-PROFILE,
// SERVICE-UNKNOWN-REVOCATION, SERVICE-BAD-LEGACY, SERVICE-UNKNOWN-TRUST-SET, BATCH-INPUT-BAD-JSON and
// BATCH-INPUT-BAD-BASE64 (a JSON body that is not {"base64": ...}), 404, 405, 413
// SERVICE-BODY-TOO-LARGE, 503 SERVICE-OVERLOADED with Retry-After when max_in_flight
// validations are already running or waiting, 503 SERVICE-TIME-BUDGET-EXCEEDED (with Retry-After)
// when a request waited for a validation thread longer than its time budget, 503 SERVICE-DRAINING
// while stopping.
//
// Per-request options, as batch has them: the revocation policy, legacy on or off, and the trust
// anchors as one of the sets the operator named in ServerOptions::trust_sets (never trust
// material from the request). One batch::Validator per profile and combination of these serves
// every connection (the default ones made at start, the others at their first request), all with
// one certificate status source per revocation policy (one revocation checker and cache each).
// jobs + 1 threads run the network and validate: at most `jobs` validations at once, a request
// validated on the thread that read it when a slot is free, else queued for the next free slot.
//
// Stopping (stop(), or SIGTERM/SIGINT with handle_signals): the listening socket closes at once,
// idle keep-alive connections are closed, requests already being validated are answered (with
// Connection: close), then every thread is joined.
//
// Thread safety: start/stop/wait/port/metrics_text may be called from any thread.
#include <istmo/batch/batch.hpp>
#include <istmo/core/result.hpp>
#include <istmo/export.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace istmo::service {

struct ServerOptions {
    // "ADDR:PORT" ("127.0.0.1:8080", "[::1]:0", "0.0.0.0:8443"); port 0 picks a free port.
    std::string listen = "127.0.0.1:8080";
    // Both set: HTTPS (PEM certificate chain, PEM private key). Both empty: plain HTTP.
    std::string tls_cert_file;
    std::string tls_key_file;
    // Validation threads; 0 = all cores.
    unsigned jobs = 0;
    // Trust, revocation, legacy, default profile, max document size and the per-request time
    // budget (batch::Options::time_budget: the checks stop at their next step and the verdict
    // gets BATCH-TIME-BUDGET-EXCEEDED). The budget counts from a request's head: one that waited
    // past it for a validation thread gets 503 SERVICE-TIME-BUDGET-EXCEEDED, one whose wait and
    // checks together went past it gets BATCH-TIME-BUDGET-EXCEEDED. `jobs`, `queue_capacity` and
    // `already_done` are unused.
    batch::Options batch;
    // Trust anchors a request may choose with ?trust=NAME instead of batch.verify.trust (the
    // default). An embedder's own batch.verify.status_source says where statuses come from; the
    // revocation policy of each request (?revocation=, else batch.verify.revocation) still says
    // which certificates need one and what their absence means (off: the source is not asked;
    // auto: those publishing a CRL or OCSP URL; require: all but the anchor), as for the
    // server's own checker (docs/service.md, "Per-request options").
    std::map<std::string, crypto::TrustStore> trust_sets;
    // Largest request body (413 beyond); 0 = 4/3 of batch.max_size plus 64 KiB (a base64 JSON body).
    std::size_t max_body_bytes = 0;
    // Validations running or waiting for a thread; one more gets 503 + Retry-After. 0 = 4 x jobs.
    std::size_t max_in_flight = 0;
    std::chrono::seconds retry_after{1};
    // A request (head and body) must arrive within this time once its first byte came; an idle
    // keep-alive connection is closed after idle_timeout.
    std::chrono::milliseconds read_timeout{30'000};
    std::chrono::milliseconds idle_timeout{60'000};
    // Stop (draining) on SIGTERM and SIGINT. Off for embedders that handle signals themselves.
    bool handle_signals = false;
};

class ISTMO_API Server {
public:
    // Binds, builds the validators and starts the threads. Errors: invalid_argument (bad
    // listen address, only one of the TLS files), io_error (cannot bind), certificate_error /
    // key_error (TLS files unusable).
    static istmo::Result<std::unique_ptr<Server>> start(ServerOptions options);

    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server();  // stop() + wait()

    // The bound port (useful with port 0).
    [[nodiscard]] std::uint16_t port() const noexcept;
    // Starts draining; returns at once. Idempotent.
    void stop() noexcept;
    // Blocks until the server has stopped (after stop() or a handled signal) and joins its threads.
    void wait() noexcept;
    // What GET /metrics answers.
    [[nodiscard]] std::string metrics_text() const;

private:
    struct Impl;
    explicit Server(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace istmo::service
