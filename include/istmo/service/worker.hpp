#pragma once
// A validation worker on RabbitMQ (AMQP 0-9-1, librabbitmq inside, nothing of it here): takes
// documents from a queue, validates them with the batch validator, records each verdict in the
// verdict store (store.hpp), publishes it to a results exchange with publisher confirms, and only
// then acknowledges the message (at-least-once; the store makes a redelivery yield the stored
// verdict, never a second row). Several workers on one queue are competing consumers; prefetch
// bounds what each holds. The deliveries that have arrived (up to the prefetch) are handled as
// one batch: each validated, their verdicts stored in one store transaction and published, then
// the confirms of all of them awaited, then one acknowledgement for the batch; a store failure,
// a broker nack or a lost connection leaves the whole batch unacknowledged (redelivered).
//
// A message's body is the document, or with content-type application/json
// {"source": ..., "base64": ...} (as POST /v1/validate); the source is that member, else the
// message-id, else "amqp:<queue>". A message that cannot be read (bad JSON, bad base64) or whose
// handling throws is a failed attempt: it is published again with header x-istmo-attempts + 1,
// and after max_attempts it goes to the dead-letter queue (<queue>.dead unless named) with
// header x-istmo-error. A store or broker that is down is not the message's fault: the worker
// reconnects with doubling backoff (up to max_backoff) and the unacknowledged messages are
// redelivered.
//
// Thread safety: run() blocks the calling thread; stop() may be called from any thread (or a
// signal handler through request_stop's flag).
#include <istmo/batch/batch.hpp>
#include <istmo/core/result.hpp>
#include <istmo/export.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace istmo::service {

struct WorkerOptions {
    std::string amqp_url = "amqp://guest:guest@127.0.0.1:5672/%2f";  // amqp://USER:PASS@HOST:PORT/VHOST
    std::string queue;              // declared durable when missing
    std::string results_exchange;   // "" = no publishing; declared (fanout, durable) when missing
    std::string dead_letter_queue;  // "" = queue + ".dead"
    std::string store_url;          // VerdictStore::open
    batch::Options batch;           // trust, revocation, legacy, profile, limits (jobs unused)
    std::uint16_t prefetch = 16;
    unsigned max_attempts = 3;
    std::chrono::milliseconds max_backoff{30'000};
};

struct WorkerStats {
    std::atomic<std::uint64_t> acked{0};          // messages done (verdict stored and published)
    std::atomic<std::uint64_t> duplicates{0};     // of which the store had seen the bytes
    std::atomic<std::uint64_t> retried{0};        // failed attempts published again
    std::atomic<std::uint64_t> dead_lettered{0};  // poison messages moved to the dead-letter queue
    std::atomic<std::uint64_t> reconnects{0};
    std::atomic<std::uint64_t> batches{0};        // acknowledgements sent (one per batch of deliveries)
};

class ISTMO_API Worker {
public:
    // Checks the options and builds the validator; connects nothing yet. invalid_argument for a
    // bad URL or a missing queue / store.
    static istmo::Result<std::unique_ptr<Worker>> create(WorkerOptions options);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Consumes until stop(); reconnects on its own. An Error only for what retrying cannot fix
    // (the store URL cannot be opened at all: invalid_argument; access refused by the broker).
    istmo::Result<void> run();
    // Ends run() after the batch in hand (at most about a second after it is done).
    void stop() noexcept;
    [[nodiscard]] const WorkerStats& stats() const noexcept;

private:
    struct Impl;
    explicit Worker(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace istmo::service
