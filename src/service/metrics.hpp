#pragma once
// Internal: the counters behind GET /metrics and their Prometheus text (format 0.0.4). Updated
// and read from any thread: atomics only, so that counting an answer (once per request, on the
// validation threads) takes no lock; a scrape may see one answer counted in one series and not
// yet in another, as Prometheus allows.
#include <istmo/report/report.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace istmo::service::detail {

class Metrics {
public:
    // Upper bounds of the latency histogram, in seconds (the last bucket is +Inf).
    static constexpr std::array<double, 14> k_buckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                      0.25,  0.5,    1.0,   2.5,  5.0,   10.0, 30.0};

    // One answered request: its status and the time from its head to its answer.
    void answered(int status, std::chrono::steady_clock::duration latency) noexcept;
    void verdict(report::Indication indication) noexcept;
    void rejected_for_load() noexcept { m_rejected.fetch_add(1, std::memory_order_relaxed); }
    void rejected_for_budget() noexcept { m_rejected_budget.fetch_add(1, std::memory_order_relaxed); }
    void in_flight(std::int64_t delta) noexcept { m_in_flight.fetch_add(delta, std::memory_order_relaxed); }
    // One more request in flight unless `limit` are already (then false, nothing counted): the
    // check and the count are one step, for the several threads that read requests.
    [[nodiscard]] bool enter_in_flight(std::int64_t limit) noexcept {
        std::int64_t now = m_in_flight.load(std::memory_order_relaxed);
        do {
            if (now >= limit) return false;
        } while (!m_in_flight.compare_exchange_weak(now, now + 1, std::memory_order_relaxed));
        return true;
    }
    void connection(std::int64_t delta) noexcept { m_connections.fetch_add(delta, std::memory_order_relaxed); }

    [[nodiscard]] std::int64_t in_flight() const noexcept { return m_in_flight.load(std::memory_order_relaxed); }
    [[nodiscard]] std::string text() const;

private:
    // HTTP status codes 100-599 by code - 100 (the server answers no others).
    static constexpr int k_first_status = 100;
    std::array<std::atomic<std::uint64_t>, 500> m_by_status{};
    std::array<std::atomic<std::uint64_t>, k_buckets.size() + 1> m_bucket_counts{};
    std::atomic<std::uint64_t> m_latency_sum_ns{0};
    std::array<std::atomic<std::uint64_t>, 3> m_verdicts{};  // by indication_rank
    std::atomic<std::uint64_t> m_rejected{0};
    std::atomic<std::uint64_t> m_rejected_budget{0};
    std::atomic<std::int64_t> m_in_flight{0};
    std::atomic<std::int64_t> m_connections{0};
};

}  // namespace istmo::service::detail
