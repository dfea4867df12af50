#include "service/metrics.hpp"

#include <algorithm>
#include <cstdio>

namespace istmo::service::detail {

namespace {

std::string number(double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
}

// HELP lines carry both languages: whoever reads the scrape reads one of them.
void header(std::string& out, const char* name, const char* type, const char* help_en, const char* help_es) {
    out.append("# HELP ").append(name).append(" ").append(help_en).append(" / ").append(help_es).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

void Metrics::answered(int status, std::chrono::steady_clock::duration latency) noexcept {
    const double seconds = std::chrono::duration<double>(latency).count();
    const auto index = static_cast<std::size_t>(status - k_first_status);
    if (index < m_by_status.size()) m_by_status[index].fetch_add(1, std::memory_order_relaxed);
    std::size_t bucket = 0;
    while (bucket < k_buckets.size() && seconds > k_buckets[bucket]) ++bucket;
    m_bucket_counts[bucket].fetch_add(1, std::memory_order_relaxed);
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count();
    m_latency_sum_ns.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(ns, 0)), std::memory_order_relaxed);
}

void Metrics::verdict(report::Indication indication) noexcept {
    m_verdicts[static_cast<std::size_t>(report::indication_rank(indication))].fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::text() const {
    std::string out;
    header(out, "istmo_http_requests_total", "counter", "HTTP requests answered, by status code",
           "solicitudes HTTP respondidas, por código de estado");
    for (std::size_t i = 0; i < m_by_status.size(); ++i)
        if (const auto n = m_by_status[i].load(std::memory_order_relaxed); n != 0)
            out.append("istmo_http_requests_total{code=\"").append(std::to_string(static_cast<int>(i) + k_first_status))
                .append("\"} ").append(std::to_string(n)).append("\n");
    header(out, "istmo_http_request_duration_seconds", "histogram",
           "time from a request's head to its answer", "tiempo desde la cabecera de una solicitud hasta su respuesta");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= k_buckets.size(); ++i) {
        cumulative += m_bucket_counts[i].load(std::memory_order_relaxed);
        out.append("istmo_http_request_duration_seconds_bucket{le=\"")
            .append(i < k_buckets.size() ? number(k_buckets[i]) : std::string("+Inf"))
            .append("\"} ").append(std::to_string(cumulative)).append("\n");
    }
    const auto sum_ns = m_latency_sum_ns.load(std::memory_order_relaxed);
    out.append("istmo_http_request_duration_seconds_sum ").append(number(static_cast<double>(sum_ns) / 1e9)).append("\n");
    out.append("istmo_http_request_duration_seconds_count ").append(std::to_string(cumulative)).append("\n");
    header(out, "istmo_verdicts_total", "counter", "documents validated, by indication",
           "documentos validados, por indicación");
    for (const auto indication : {report::Indication::total_passed, report::Indication::total_failed,
                                  report::Indication::indeterminate}) {
        const auto n = m_verdicts[static_cast<std::size_t>(report::indication_rank(indication))].load(std::memory_order_relaxed);
        out.append("istmo_verdicts_total{indication=\"").append(report::to_string(indication)).append("\"} ")
            .append(std::to_string(n)).append("\n");
    }
    header(out, "istmo_http_requests_in_flight", "gauge", "validations running or waiting for a thread",
           "validaciones en curso o esperando un hilo");
    out.append("istmo_http_requests_in_flight ").append(std::to_string(in_flight())).append("\n");
    header(out, "istmo_http_requests_rejected_total", "counter",
           "requests refused (503): for load, or their time budget spent waiting for a thread",
           "solicitudes rechazadas (503): por carga, o con su tiempo agotado esperando un hilo");
    out.append("istmo_http_requests_rejected_total{reason=\"load\"} ")
        .append(std::to_string(m_rejected.load(std::memory_order_relaxed))).append("\n");
    out.append("istmo_http_requests_rejected_total{reason=\"time_budget\"} ")
        .append(std::to_string(m_rejected_budget.load(std::memory_order_relaxed))).append("\n");
    header(out, "istmo_http_connections_open", "gauge", "open client connections", "conexiones de clientes abiertas");
    out.append("istmo_http_connections_open ").append(std::to_string(m_connections.load(std::memory_order_relaxed)))
        .append("\n");
    return out;
}

}  // namespace istmo::service::detail
