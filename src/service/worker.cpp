// The RabbitMQ worker (worker.hpp) on librabbitmq: one consumer connection (manual acks,
// prefetch) and one publisher connection in confirm mode, so that waiting for publisher
// confirms never has to step over deliveries. Deliveries are handled in batches (what has
// arrived, up to the prefetch): every verdict validated, then all stored in one transaction and
// published, then one wait for all the confirms, then one ack (multiple) -- one store commit and
// one broker round trip per batch instead of per message.
#include <istmo/service/worker.hpp>

#include <istmo/service/store.hpp>

#include "service/request.hpp"

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <variant>
#include <vector>

namespace istmo::service {

namespace {

constexpr amqp_channel_t k_channel = 1;
const char* const k_attempts_header = "x-istmo-attempts";
const char* const k_error_header = "x-istmo-error";

amqp_bytes_t bytes_of(std::string_view text) {
    return amqp_bytes_t{text.size(), const_cast<char*>(text.data())};
}

std::string text_of(const amqp_bytes_t& bytes) {
    return bytes.bytes == nullptr ? std::string() : std::string(static_cast<const char*>(bytes.bytes), bytes.len);
}

std::string reply_text(const amqp_rpc_reply_t& reply) {
    switch (reply.reply_type) {
        case AMQP_RESPONSE_NORMAL: return "ok";
        case AMQP_RESPONSE_NONE: return "no reply";
        case AMQP_RESPONSE_LIBRARY_EXCEPTION: return amqp_error_string2(reply.library_error);
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
                const auto* m = static_cast<const amqp_connection_close_t*>(reply.reply.decoded);
                return "connection closed by the broker: " + text_of(m->reply_text);
            }
            if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
                const auto* m = static_cast<const amqp_channel_close_t*>(reply.reply.decoded);
                return "channel closed by the broker: " + text_of(m->reply_text);
            }
            return "broker error";
    }
    return "unknown reply";
}

// One AMQP connection with channel 1 open.
class Connection {
public:
    Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection() { close(); }

    Result<void> open(const amqp_connection_info& info, bool confirms) {
        close();
        m_conn = amqp_new_connection();
        amqp_socket_t* socket = amqp_tcp_socket_new(m_conn);
        if (socket == nullptr) return fail("cannot create a socket");
        timeval timeout{10, 0};
        if (const int rc = amqp_socket_open_noblock(socket, info.host, info.port, &timeout); rc != AMQP_STATUS_OK)
            return fail(std::string("cannot connect to the broker: ") + amqp_error_string2(rc));
        const std::string vhost = info.vhost[0] == '\0' ? "/" : info.vhost;
        if (auto r = check(amqp_login(m_conn, vhost.c_str(), 0, 131072, 60, AMQP_SASL_METHOD_PLAIN, info.user,
                                      info.password), "login");
            !r)
            return r;
        amqp_channel_open(m_conn, k_channel);
        if (auto r = check(amqp_get_rpc_reply(m_conn), "channel.open"); !r) return r;
        if (confirms) {
            amqp_confirm_select(m_conn, k_channel);
            if (auto r = check(amqp_get_rpc_reply(m_conn), "confirm.select"); !r) return r;
        }
        return {};
    }

    void close() noexcept {
        m_published = 0;
        m_unconfirmed.clear();
        if (m_conn == nullptr) return;
        amqp_channel_close(m_conn, k_channel, AMQP_REPLY_SUCCESS);
        amqp_connection_close(m_conn, AMQP_REPLY_SUCCESS);
        amqp_destroy_connection(m_conn);
        m_conn = nullptr;
    }

    Result<void> check(const amqp_rpc_reply_t& reply, const std::string& what) {
        if (reply.reply_type == AMQP_RESPONSE_NORMAL) return {};
        return fail(what + ": " + reply_text(reply));
    }

    // Publishes without waiting; the broker's confirm is awaited by wait_for_confirms.
    Result<void> publish(const std::string& exchange, const std::string& routing_key, std::string_view body,
                         const amqp_basic_properties_t& props) {
        if (amqp_basic_publish(m_conn, k_channel, bytes_of(exchange), bytes_of(routing_key), 0, 0, &props,
                               bytes_of(body)) != AMQP_STATUS_OK)
            return fail("publish failed");
        m_unconfirmed.insert(++m_published);  // confirm mode numbers the publishes 1, 2, ...
        return {};
    }

    // Reads the broker's confirms (basic.ack, single or multiple) until every publish so far is
    // confirmed. A nack, a closed channel or no answer is an error (and closes the connection).
    Result<void> wait_for_confirms() {
        if (m_conn == nullptr)  // closed by a failure: what it published is not known to be confirmed
            return make_error(Errc::unavailable, "AMQP: the publisher connection is closed");
        amqp_maybe_release_buffers(m_conn);  // the frames of the previous wait
        while (!m_unconfirmed.empty()) {
            amqp_frame_t frame;
            timeval timeout{30, 0};
            const int rc = amqp_simple_wait_frame_noblock(m_conn, &frame, &timeout);
            if (rc != AMQP_STATUS_OK) return fail(std::string("no publisher confirm: ") + amqp_error_string2(rc));
            if (frame.frame_type != AMQP_FRAME_METHOD) continue;
            const amqp_method_number_t id = frame.payload.method.id;
            if (id == AMQP_BASIC_ACK_METHOD) {
                const auto* ack = static_cast<const amqp_basic_ack_t*>(frame.payload.method.decoded);
                if (ack->multiple != 0)
                    m_unconfirmed.erase(m_unconfirmed.begin(), m_unconfirmed.upper_bound(ack->delivery_tag));
                else
                    m_unconfirmed.erase(ack->delivery_tag);
            } else if (id == AMQP_BASIC_NACK_METHOD) {
                return fail("the broker refused a message (nack)");
            } else if (id == AMQP_CHANNEL_CLOSE_METHOD || id == AMQP_CONNECTION_CLOSE_METHOD) {
                return fail("the broker closed the channel while publishing");
            }
        }
        return {};
    }

    // A queue that exists is used as it is (e.g. a quorum queue declared by the operator: a
    // plain declaration with other arguments would be refused); a missing one is declared durable.
    Result<void> ensure_queue(const std::string& name) {
        amqp_queue_declare(m_conn, k_channel, bytes_of(name), 1, 0, 0, 0, amqp_empty_table);
        const amqp_rpc_reply_t passive = amqp_get_rpc_reply(m_conn);
        if (passive.reply_type == AMQP_RESPONSE_NORMAL) return {};
        if (passive.reply_type != AMQP_RESPONSE_SERVER_EXCEPTION || passive.reply.id != AMQP_CHANNEL_CLOSE_METHOD)
            return check(passive, "queue.declare " + name);
        // 404: the broker closed the channel; acknowledge, reopen, declare.
        amqp_channel_close_ok_t close_ok{};
        amqp_send_method(m_conn, k_channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &close_ok);
        amqp_channel_open(m_conn, k_channel);
        if (auto r = check(amqp_get_rpc_reply(m_conn), "channel.open"); !r) return r;
        amqp_queue_declare(m_conn, k_channel, bytes_of(name), 0, 1, 0, 0, amqp_empty_table);
        return check(amqp_get_rpc_reply(m_conn), "queue.declare " + name);
    }

    [[nodiscard]] amqp_connection_state_t get() const noexcept { return m_conn; }

private:
    Error fail(const std::string& message) {
        close();
        return make_error(Errc::unavailable, "AMQP: " + message);
    }
    amqp_connection_state_t m_conn = nullptr;
    std::uint64_t m_published = 0;          // publishes on this connection (confirm mode)
    std::set<std::uint64_t> m_unconfirmed;  // their numbers not yet confirmed
};

// The attempts recorded on a message (x-istmo-attempts), 0 when none.
long attempts_of(const amqp_basic_properties_t& props) {
    if ((props._flags & AMQP_BASIC_HEADERS_FLAG) == 0) return 0;
    for (int i = 0; i < props.headers.num_entries; ++i) {
        const amqp_table_entry_t& e = props.headers.entries[i];
        if (text_of(e.key) != k_attempts_header) continue;
        switch (e.value.kind) {
            case AMQP_FIELD_KIND_I8: return e.value.value.i8;
            case AMQP_FIELD_KIND_U8: return e.value.value.u8;
            case AMQP_FIELD_KIND_I16: return e.value.value.i16;
            case AMQP_FIELD_KIND_U16: return e.value.value.u16;
            case AMQP_FIELD_KIND_I32: return e.value.value.i32;
            case AMQP_FIELD_KIND_U32: return static_cast<long>(e.value.value.u32);
            case AMQP_FIELD_KIND_I64: return static_cast<long>(e.value.value.i64);
            default: return 0;
        }
    }
    return 0;
}

// The deliveries taken together (one batch): each envelope owned until the batch goes.
class Deliveries {
public:
    Deliveries() = default;
    Deliveries(const Deliveries&) = delete;
    Deliveries& operator=(const Deliveries&) = delete;
    ~Deliveries() {
        for (amqp_envelope_t& e : m_envelopes) amqp_destroy_envelope(&e);
    }
    void add(const amqp_envelope_t& envelope) { m_envelopes.push_back(envelope); }
    [[nodiscard]] std::size_t size() const noexcept { return m_envelopes.size(); }
    [[nodiscard]] const amqp_envelope_t& operator[](std::size_t i) const { return m_envelopes[i]; }

private:
    std::vector<amqp_envelope_t> m_envelopes;
};

// What became of one delivery of a batch.
enum class Outcome { verdict, duplicate, retried, dead_lettered };

// A batch is at most the prefetch, and never more than this (a bound on the publishes awaiting
// their confirms, and on the envelopes held).
constexpr std::size_t k_max_batch = 256;

}  // namespace

struct Worker::Impl {
    WorkerOptions options;
    std::string url_buffer;  // amqp_connection_info points into it
    amqp_connection_info info{};
    batch::Validator validator;
    WorkerStats stats;
    std::atomic<bool> stopping{false};
    std::mutex sleep_mutex;
    std::condition_variable wake;

    Connection consumer;
    Connection publisher;
    std::unique_ptr<VerdictStore> store;

    explicit Impl(WorkerOptions o) : options(std::move(o)), validator(options.batch) {}

    Result<void> connect();
    Result<void> consume_until_failure();
    Result<void> take_deliveries(Deliveries& batch);
    Result<void> process(const Deliveries& batch);
    Result<void> acknowledge(const Deliveries& batch, const std::vector<Outcome>& outcomes);
    std::variant<batch::DocumentResult, std::string> validate(const amqp_envelope_t& envelope);
    Result<Outcome> publish_verdict(const amqp_envelope_t& envelope, const StoredVerdict& stored);
    Result<Outcome> failed_attempt(const amqp_envelope_t& envelope, const std::string& why);
    void sleep(std::chrono::milliseconds how_long) {
        std::unique_lock lock(sleep_mutex);
        wake.wait_for(lock, how_long, [this] { return stopping.load(); });
    }
};

Result<void> Worker::Impl::connect() {
    if (!store) {
        auto opened = VerdictStore::open(options.store_url);
        if (!opened) return std::move(opened).error();
        store = std::move(*opened);
    }
    if (auto r = publisher.open(info, true); !r) return r;
    if (auto r = consumer.open(info, false); !r) return r;
    amqp_connection_state_t c = consumer.get();
    for (const std::string* q : {&options.queue, &options.dead_letter_queue})
        if (auto r = consumer.ensure_queue(*q); !r) return r;
    if (!options.results_exchange.empty()) {
        amqp_exchange_declare(c, k_channel, bytes_of(options.results_exchange), amqp_cstring_bytes("fanout"), 0, 1, 0, 0,
                              amqp_empty_table);
        if (auto r = consumer.check(amqp_get_rpc_reply(c), "exchange.declare"); !r) return r;
    }
    amqp_basic_qos(c, k_channel, 0, options.prefetch, 0);
    if (auto r = consumer.check(amqp_get_rpc_reply(c), "basic.qos"); !r) return r;
    amqp_basic_consume(c, k_channel, bytes_of(options.queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    return consumer.check(amqp_get_rpc_reply(c), "basic.consume");
}

// Publishes an unreadable message again with its attempts counted, or to the dead-letter queue
// after the last attempt; the confirm is awaited with the batch's.
Result<Outcome> Worker::Impl::failed_attempt(const amqp_envelope_t& envelope, const std::string& why) {
    const long attempts = attempts_of(envelope.message.properties) + 1;
    const bool dead = attempts >= static_cast<long>(options.max_attempts);
    amqp_basic_properties_t props = envelope.message.properties;
    amqp_table_entry_t entries[2];
    entries[0].key = amqp_cstring_bytes(k_attempts_header);
    entries[0].value.kind = AMQP_FIELD_KIND_I32;
    entries[0].value.value.i32 = static_cast<std::int32_t>(attempts);
    entries[1].key = amqp_cstring_bytes(k_error_header);
    entries[1].value.kind = AMQP_FIELD_KIND_UTF8;
    entries[1].value.value.bytes = bytes_of(why);
    props._flags |= AMQP_BASIC_HEADERS_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
    props.delivery_mode = 2;
    props.headers = amqp_table_t{2, entries};
    const std::string body = text_of(envelope.message.body);
    auto published = publisher.publish("", dead ? options.dead_letter_queue : options.queue, body, props);
    if (!published) return std::move(published).error();
    return dead ? Outcome::dead_lettered : Outcome::retried;
}

// Validates one delivery: its result, or why it cannot be read (it goes to failed_attempt).
std::variant<batch::DocumentResult, std::string> Worker::Impl::validate(const amqp_envelope_t& envelope) {
    const amqp_basic_properties_t& in = envelope.message.properties;
    const std::string content_type = (in._flags & AMQP_BASIC_CONTENT_TYPE_FLAG) ? text_of(in.content_type) : "";
    try {
        auto call = detail::parse_validate("", content_type, text_of(envelope.message.body), options.batch.max_size);
        if (auto* refused = std::get_if<detail::Refusal>(&call)) return refused->code + ": " + refused->message;
        auto& c = std::get<detail::ValidateCall>(call);
        std::string source = c.source;
        if (source == "request")  // parse_validate's default label
            source = (in._flags & AMQP_BASIC_MESSAGE_ID_FLAG) ? text_of(in.message_id) : "amqp:" + options.queue;
        return validator.validate(source, c.document);
    } catch (const std::exception& e) {
        return std::string("SERVICE-INTERNAL: ") + e.what();
    }
}

// Publishes a stored verdict to the results exchange (the confirm is awaited with the batch's).
Result<Outcome> Worker::Impl::publish_verdict(const amqp_envelope_t& envelope, const StoredVerdict& stored) {
    const amqp_basic_properties_t& in = envelope.message.properties;
    if (!options.results_exchange.empty()) {
        amqp_basic_properties_t props{};
        props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG;
        props.content_type = amqp_cstring_bytes("application/json");
        props.delivery_mode = 2;
        props.message_id = bytes_of(stored.sha256);
        if (in._flags & AMQP_BASIC_MESSAGE_ID_FLAG) {
            props._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
            props.correlation_id = in.message_id;
        }
        if (auto r = publisher.publish(options.results_exchange, options.queue, stored.report, props); !r)
            return std::move(r).error();
    }
    return stored.duplicate ? Outcome::duplicate : Outcome::verdict;
}

// Waits up to a second for a delivery, then takes those already arrived, up to the prefetch.
Result<void> Worker::Impl::take_deliveries(Deliveries& batch) {
    const std::size_t most = options.prefetch == 0 ? k_max_batch : std::min<std::size_t>(options.prefetch, k_max_batch);
    while (batch.size() < most) {
        amqp_envelope_t envelope;
        timeval timeout{batch.size() == 0 ? 1 : 0, 0};  // {0, 0}: only what has arrived
        const amqp_rpc_reply_t reply = amqp_consume_message(consumer.get(), &envelope, &timeout, 0);
        if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT) break;
        if (reply.reply_type != AMQP_RESPONSE_NORMAL)
            return make_error(Errc::unavailable, "AMQP: consuming failed: " + reply_text(reply));
        batch.add(envelope);
    }
    return {};
}

// Validates the batch, records every verdict in one store transaction (one commit per batch,
// not per message), publishes the results and the retries in order, then waits for the confirms
// of all those publishes and only then acknowledges the batch. When anything fails (the store or
// the broker is down) nothing of the batch is acknowledged: it is redelivered when the
// connection goes, and the store makes the redelivery yield what was recorded.
Result<void> Worker::Impl::process(const Deliveries& batch) {
    std::vector<std::variant<batch::DocumentResult, std::string>> validated;
    validated.reserve(batch.size());
    std::vector<batch::DocumentResult> results;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        validated.push_back(validate(batch[i]));
        if (auto* result = std::get_if<batch::DocumentResult>(&validated.back())) results.push_back(std::move(*result));
    }
    std::vector<StoredVerdict> stored;
    if (!results.empty()) {
        auto recorded = store->record(std::span<batch::DocumentResult>(results));
        if (!recorded) {
            store.reset();  // reopened on reconnection; the batch is redelivered meanwhile
            return std::move(recorded).error();
        }
        stored = std::move(*recorded);
    }
    std::vector<Outcome> outcomes;
    outcomes.reserve(batch.size());
    std::size_t next = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto* why = std::get_if<std::string>(&validated[i]);
        auto outcome = why ? failed_attempt(batch[i], *why) : publish_verdict(batch[i], stored[next++]);
        if (!outcome) return std::move(outcome).error();
        outcomes.push_back(*outcome);
    }
    return acknowledge(batch, outcomes);
}

// Acknowledges the batch (one basic.ack, multiple) once the broker has confirmed every publish
// made for it.
Result<void> Worker::Impl::acknowledge(const Deliveries& batch, const std::vector<Outcome>& outcomes) {
    if (auto r = publisher.wait_for_confirms(); !r) return r;
    if (amqp_basic_ack(consumer.get(), k_channel, batch[batch.size() - 1].delivery_tag, 1) != AMQP_STATUS_OK)
        return make_error(Errc::unavailable, "AMQP: ack failed");
    ++stats.batches;
    for (const Outcome outcome : outcomes) {
        switch (outcome) {
            case Outcome::verdict: ++stats.acked; break;
            case Outcome::duplicate:
                ++stats.duplicates;
                ++stats.acked;
                break;
            case Outcome::retried: ++stats.retried; break;
            case Outcome::dead_lettered: ++stats.dead_lettered; break;
        }
    }
    return {};
}

Result<void> Worker::Impl::consume_until_failure() {
    while (!stopping) {
        amqp_maybe_release_buffers(consumer.get());
        Deliveries batch;
        if (auto r = take_deliveries(batch); !r) return r;
        if (batch.size() == 0) continue;
        if (auto r = process(batch); !r) return r;
    }
    return {};
}

Worker::Worker(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Worker::~Worker() = default;

Result<std::unique_ptr<Worker>> Worker::create(WorkerOptions options) {
    if (options.queue.empty()) return make_error(Errc::invalid_argument, "the worker needs a queue name");
    if (options.store_url.empty()) return make_error(Errc::invalid_argument, "the worker needs a store URL");
    if (options.dead_letter_queue.empty()) options.dead_letter_queue = options.queue + ".dead";
    if (options.max_attempts == 0) options.max_attempts = 1;
    auto impl = std::make_unique<Impl>(std::move(options));
    impl->url_buffer = impl->options.amqp_url;
    amqp_default_connection_info(&impl->info);
    if (amqp_parse_url(impl->url_buffer.data(), &impl->info) != AMQP_STATUS_OK || impl->info.ssl)
        return make_error(Errc::invalid_argument, "the AMQP URL must be amqp://[USER:PASS@]HOST[:PORT][/VHOST]: " +
                                                      impl->options.amqp_url);
    return std::unique_ptr<Worker>(new Worker(std::move(impl)));
}

Result<void> Worker::run() {
    Impl& w = *m_impl;
    auto backoff = std::chrono::milliseconds(100);
    bool first = true;
    while (!w.stopping) {
        auto connected = w.connect();
        if (connected) {
            if (!first) ++w.stats.reconnects;
            first = false;
            backoff = std::chrono::milliseconds(100);
            auto consumed = w.consume_until_failure();
            if (consumed) break;  // stopped
        } else if (connected.error().code == Errc::invalid_argument) {
            return connected;
        }
        // Unacknowledged messages go back to the queue when the consumer connection closes.
        w.consumer.close();
        w.publisher.close();
        w.sleep(backoff);
        backoff = std::min(backoff * 2, w.options.max_backoff);
    }
    w.consumer.close();
    w.publisher.close();
    return {};
}

void Worker::stop() noexcept {
    m_impl->stopping = true;
    m_impl->wake.notify_all();
}

const WorkerStats& Worker::stats() const noexcept { return m_impl->stats; }

}  // namespace istmo::service
