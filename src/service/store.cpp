// The verdict store's logic, the same for every database (store_backend.hpp).
#include <istmo/service/store.hpp>

#include "report/json_reader.hpp"
#include "service/store_backend.hpp"

#include <istmo/report/json.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <optional>
#include <unordered_map>

namespace istmo::service {

namespace detail {

std::vector<std::string> codes_from_json(std::string_view json) {
    std::vector<std::string> out;
    auto value = report::json::parse(json);
    if (!value || !value->is(report::json::Kind::array)) return out;
    for (const auto& item : value->items)
        if (item.is(report::json::Kind::string)) out.push_back(item.text);
    return out;
}

report::Indication indication_from_name(std::string_view name) {
    for (const auto i : {report::Indication::total_passed, report::Indication::total_failed,
                         report::Indication::indeterminate})
        if (report::to_string(i) == name) return i;
    return report::Indication::total_failed;
}

StoredVerdict verdict_from_row(const std::function<std::string(int)>& cell) {
    StoredVerdict v;
    v.sha256 = cell(0);
    v.source = cell(1);
    v.cufe = cell(2);
    v.issuer_ruc = cell(3);
    v.indication = indication_from_name(cell(4));
    v.codes = codes_from_json(cell(5));
    v.report = cell(6);
    v.first_seen = cell(7);
    v.last_seen = cell(8);
    const std::string times = cell(9);
    v.times_seen = times.empty() ? 0 : static_cast<std::size_t>(std::stoull(times));
    return v;
}

}  // namespace detail

namespace {

std::string now_rfc3339() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[96];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
    return text;
}

bool has_code(const std::vector<std::string>& codes, std::string_view code) {
    return std::find(codes.begin(), codes.end(), code) != codes.end();
}

void add_code(batch::DocumentResult& r, const std::string& code) {
    if (!has_code(r.codes, code)) r.codes.push_back(code);
}

// BATCH-CUFE-CONFLICT with its message; the result fails.
void add_conflict_finding(batch::DocumentResult& r, std::string message, std::string message_es) {
    report::Finding f;
    f.code = std::string(k_code_cufe_conflict);
    f.severity = report::Severity::error;
    f.message = std::move(message);
    f.message_es = std::move(message_es);
    f.field = "dId";
    r.findings.push_back(std::move(f));
    add_code(r, std::string(k_code_cufe_conflict));
    if (report::indication_rank(r.indication) < report::indication_rank(report::Indication::total_failed)) {
        r.indication = report::Indication::total_failed;
        r.sub_indication = report::SubIndication::none;
    }
}

void add_cufe_conflict(batch::DocumentResult& r, const std::string& owner) {
    add_conflict_finding(r, "the CUFE " + r.cufe + " was already recorded for a different document (sha256 " + owner + ")",
                         "el CUFE " + r.cufe + " ya se registró para un documento diferente (sha256 " + owner + ")");
}

// Bytes seen again whose first recording had the CUFE conflict: the conflict still holds (their
// CUFE belongs to another document), so the result says so and fails, as the stored verdict does.
void carry_stored_conflict(batch::DocumentResult& r, const StoredVerdict& first) {
    if (!has_code(first.codes, k_code_cufe_conflict) || has_code(r.codes, k_code_cufe_conflict)) return;
    add_conflict_finding(r,
                         "the CUFE " + r.cufe + " belongs to a different document: these bytes were recorded with "
                         "that conflict as " + first.source + " (first seen " + first.first_seen + ")",
                         "el CUFE " + r.cufe + " pertenece a un documento diferente: estos bytes se registraron con "
                         "ese conflicto como " + first.source + " (visto por primera vez " + first.first_seen + ")");
}

void add_duplicate(batch::DocumentResult& r, const StoredVerdict& first) {
    report::Finding f;
    f.code = std::string(k_code_duplicate);
    f.severity = report::Severity::warning;
    f.message = "the same bytes were already recorded as " + first.source + " (first seen " + first.first_seen + ")";
    f.message_es = "los mismos bytes ya se registraron como " + first.source + " (visto por primera vez " +
                   first.first_seen + ")";
    r.findings.push_back(std::move(f));
    add_code(r, std::string(k_code_duplicate));
}

std::string codes_json(const std::vector<std::string>& codes) {
    report::JsonWriter w;
    w.strings(codes);
    return std::move(w).take();
}

StoredVerdict new_row(const batch::DocumentResult& result, const std::string& now) {
    StoredVerdict row;
    row.sha256 = result.sha256;
    row.source = result.source;
    row.cufe = result.cufe;
    row.issuer_ruc = issuer_ruc_from_cufe(result.cufe);
    row.indication = result.indication;
    row.codes = result.codes;
    row.report = result.to_ndjson();
    row.first_seen = row.last_seen = now;
    return row;
}

// One record() call's part of a transaction (begun by the caller). The outcome is that of
// recording the results one by one in their order (a later one sees an earlier one's row and
// CUFE), but the rows are written in one order whatever the order of `results`: the CUFEs
// claimed in CUFE order, then the verdicts inserted or updated in SHA-256 order. Two
// transactions writing the same keys (PostgreSQL: two workers' batches) therefore wait for each
// other's row locks in the same order and never deadlock. The results get the conflict
// findings here and the duplicate ones in record(), after the commit.
class Recording {
public:
    Recording(VerdictStore::Backend& backend, std::span<batch::DocumentResult> results, const std::string& now)
        : m_backend(backend), m_results(results), m_now(now), m_first(results.size()), m_found(results.size()),
          m_rows(results.size()) {}

    Result<std::vector<StoredVerdict>> run() {
        if (auto r = find_rows(); !r) return std::move(r).error();
        if (auto r = claim_cufes(); !r) return std::move(r).error();
        std::vector<std::size_t> order;  // each SHA-256 once: its first result
        for (std::size_t i = 0; i < m_results.size(); ++i)
            if (m_first[i] == i) order.push_back(i);
        std::sort(order.begin(), order.end(),
                  [&](std::size_t a, std::size_t b) { return m_results[a].sha256 < m_results[b].sha256; });
        for (const std::size_t i : order)
            if (auto r = write_verdict(i); !r) return std::move(r).error();
        return std::move(m_rows);
    }

private:
    // The rows already there (reads take no lock), each SHA-256 once.
    Result<void> find_rows() {
        std::unordered_map<std::string_view, std::size_t> first;
        for (std::size_t i = 0; i < m_results.size(); ++i) {
            const auto [it, added] = first.emplace(m_results[i].sha256, i);
            m_first[i] = it->second;
            if (!added) {
                m_repeats[it->second].push_back(i);
                continue;
            }
            auto found = m_backend.find(m_results[i].sha256);
            if (!found) return std::move(found).error();
            m_found[i] = std::move(*found);
        }
        return {};
    }
    // Each CUFE of new bytes is claimed once, for the first of its results, in CUFE order; a
    // result whose CUFE another SHA-256 owns gets the conflict before its row is written.
    Result<void> claim_cufes() {
        std::map<std::string_view, std::vector<std::size_t>> by_cufe;
        for (std::size_t i = 0; i < m_results.size(); ++i)
            if (m_first[i] == i && !m_found[i] && !m_results[i].cufe.empty())
                by_cufe[m_results[i].cufe].push_back(i);
        for (const auto& [cufe, claimers] : by_cufe) {
            auto owner = m_backend.claim_cufe(std::string(cufe), m_results[claimers.front()].sha256);
            if (!owner) return std::move(owner).error();
            for (const std::size_t i : claimers)
                if (*owner != m_results[i].sha256) add_cufe_conflict(m_results[i], *owner);
        }
        return {};
    }
    // The row of result i (inserted, or the one there updated), then those of its repeats.
    Result<void> write_verdict(std::size_t i) {
        if (!m_found[i]) {
            StoredVerdict row = new_row(m_results[i], m_now);
            auto inserted = m_backend.insert(row, codes_json(row.codes));
            if (!inserted) return std::move(inserted).error();
            if (*inserted) {
                m_rows[i] = std::move(row);
            } else {
                // Another process recorded the same bytes meanwhile: theirs is the row.
                auto found = m_backend.find(m_results[i].sha256);
                if (!found) return std::move(found).error();
                if (!*found) return make_error(Errc::internal, "a row vanished while recording");
                m_found[i] = std::move(*found);
            }
        }
        if (m_found[i]) {
            if (auto r = touch(*m_found[i]); !r) return r;
            m_rows[i] = *m_found[i];
        }
        const auto repeats = m_repeats.find(i);
        if (repeats == m_repeats.end()) return {};
        StoredVerdict current = m_rows[i];
        for (const std::size_t j : repeats->second) {
            if (auto r = touch(current); !r) return r;
            m_rows[j] = current;
        }
        return {};
    }
    // last_seen = now, times_seen + 1; `row` becomes what a later reader sees, as a duplicate.
    Result<void> touch(StoredVerdict& row) {
        if (auto touched = m_backend.touch(row.sha256, m_now); !touched) return touched;
        row.duplicate = true;
        row.last_seen = m_now;
        ++row.times_seen;
        return {};
    }

    VerdictStore::Backend& m_backend;
    std::span<batch::DocumentResult> m_results;
    const std::string& m_now;
    std::vector<std::size_t> m_first;                     // the first result with the same SHA-256
    std::vector<std::optional<StoredVerdict>> m_found;    // first results: the row found
    std::unordered_map<std::size_t, std::vector<std::size_t>> m_repeats;  // first -> the later ones
    std::vector<StoredVerdict> m_rows;
};

}  // namespace

std::string issuer_ruc_from_cufe(std::string_view cufe) {
    if (cufe.size() != 66 || cufe.substr(0, 2) != "FE") return {};
    std::string_view ruc = cufe.substr(5, 20);
    while (!ruc.empty() && ruc.front() == '0') ruc.remove_prefix(1);
    return std::string(ruc);
}

VerdictStore::VerdictStore(std::unique_ptr<Backend> backend) : m_backend(std::move(backend)) {}
VerdictStore::~VerdictStore() = default;

Result<std::unique_ptr<VerdictStore>> VerdictStore::open(const std::string& url) {
    Error error;
    std::unique_ptr<Backend> backend;
    if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
        backend = detail::postgres_backend(url, error);
    } else {
        std::string path = url;
        if (path.rfind("sqlite://", 0) == 0) path = path.substr(9);
        else if (path.rfind("sqlite:", 0) == 0) path = path.substr(7);
        else if (path.find("://") != std::string::npos)
            return make_error(Errc::invalid_argument, "unknown store URL (sqlite:PATH or postgresql://...): " + url);
        if (path.empty()) return make_error(Errc::invalid_argument, "the store URL names no file: " + url);
        backend = detail::sqlite_backend(path, error);
    }
    if (!backend) return error;
    return std::make_unique<VerdictStore>(std::move(backend));
}

Result<StoredVerdict> VerdictStore::record(batch::DocumentResult& result) {
    auto rows = record(std::span<batch::DocumentResult>(&result, 1));
    if (!rows) return std::move(rows).error();
    return std::move(rows->front());
}

Result<std::vector<StoredVerdict>> VerdictStore::record(std::span<batch::DocumentResult> results) {
    for (const auto& result : results)
        if (result.sha256.empty())
            return make_error(Errc::invalid_argument, "an input whose bytes could not be read is not recorded");
    // What a transaction adds to the results (conflict findings), taken back when it fails.
    struct Before {
        report::Indication indication;
        report::SubIndication sub_indication;
        std::size_t findings, codes;
    };
    std::vector<Before> before;
    before.reserve(results.size());
    for (const auto& r : results) before.push_back({r.indication, r.sub_indication, r.findings.size(), r.codes.size()});
    std::lock_guard lock(m_backend->mutex);
    // Rows are written in one order (Recording), so two record() calls do not deadlock each
    // other; a deadlock with another writer (or a serialisation failure) is retried a few times.
    constexpr int k_attempts = 3;
    for (int attempt = 1;; ++attempt) {
        auto rows = record_once(results);
        if (rows) {
            for (std::size_t i = 0; i < rows->size(); ++i)
                if ((*rows)[i].duplicate) {
                    add_duplicate(results[i], (*rows)[i]);
                    carry_stored_conflict(results[i], (*rows)[i]);
                }
            return rows;
        }
        for (std::size_t i = 0; i < results.size(); ++i) {
            results[i].indication = before[i].indication;
            results[i].sub_indication = before[i].sub_indication;
            results[i].findings.resize(before[i].findings);
            results[i].codes.resize(before[i].codes);
        }
        if (attempt == k_attempts || !m_backend->transient_failure()) return rows;
    }
}

// One transaction (the caller holds the backend's mutex).
Result<std::vector<StoredVerdict>> VerdictStore::record_once(std::span<batch::DocumentResult> results) {
    if (auto began = m_backend->begin(); !began) return std::move(began).error();
    const std::string now = now_rfc3339();
    auto rows = Recording(*m_backend, results, now).run();
    if (!rows) {
        m_backend->rollback();
        return rows;
    }
    if (auto committed = m_backend->commit(); !committed) {
        m_backend->rollback();
        return std::move(committed).error();
    }
    return rows;
}

Result<std::optional<StoredVerdict>> VerdictStore::find(std::string_view sha256) {
    std::lock_guard lock(m_backend->mutex);
    return m_backend->find(sha256);
}

Result<std::size_t> VerdictStore::count() {
    std::lock_guard lock(m_backend->mutex);
    return m_backend->count();
}

RecordingSink::RecordingSink(VerdictStore& store, batch::Sink& inner, std::size_t max_chunk)
    : m_store(store), m_inner(inner), m_max_chunk(std::max<std::size_t>(max_chunk, 1)) {}

Result<void> RecordingSink::write(const batch::DocumentResult& result) {
    m_pending.push_back(result);
    if (m_pending.size() >= m_max_chunk) return flush();
    return {};
}

void RecordingSink::skipped(const std::string& source, const std::string& sha256) { m_inner.skipped(source, sha256); }

Result<void> RecordingSink::flush() {
    if (m_pending.empty()) return {};
    std::vector<std::size_t> keyed;  // the results with a sha256 (record() refuses the others)
    for (std::size_t i = 0; i < m_pending.size(); ++i)
        if (!m_pending[i].sha256.empty()) keyed.push_back(i);
    Result<std::vector<StoredVerdict>> stored = std::vector<StoredVerdict>();
    if (keyed.size() == m_pending.size()) {
        stored = m_store.record(std::span<batch::DocumentResult>(m_pending));
    } else if (!keyed.empty()) {
        std::vector<batch::DocumentResult> rows;
        rows.reserve(keyed.size());
        for (const std::size_t i : keyed) rows.push_back(std::move(m_pending[i]));
        stored = m_store.record(std::span<batch::DocumentResult>(rows));
        for (std::size_t k = 0; k < keyed.size(); ++k) m_pending[keyed[k]] = std::move(rows[k]);
    }
    Result<void> written;
    if (!stored) written = std::move(stored).error();
    for (std::size_t i = 0; written && i < m_pending.size(); ++i) written = m_inner.write(m_pending[i]);
    m_pending.clear();
    return written;
}

}  // namespace istmo::service
