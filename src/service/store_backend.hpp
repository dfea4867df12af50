#pragma once
// Internal: what a database must do for the verdict store (store.cpp holds the logic, one file
// per database implements this).
#include <istmo/service/store.hpp>

#include <functional>
#include <mutex>
#include <string>

namespace istmo::service {

struct VerdictStore::Backend {
    virtual ~Backend() = default;
    // One transaction around each record() call (one result or a batch of them): a serialising
    // one where the database needs it.
    virtual Result<void> begin() = 0;
    virtual Result<void> commit() = 0;
    virtual void rollback() noexcept = 0;
    virtual Result<std::optional<StoredVerdict>> find(std::string_view sha256) = 0;
    // last_seen = now, times_seen + 1.
    virtual Result<void> touch(std::string_view sha256, const std::string& now) = 0;
    // Records sha256 as the owner of cufe unless the CUFE has one; returns the owner.
    virtual Result<std::string> claim_cufe(const std::string& cufe, const std::string& sha256) = 0;
    // Inserts the row unless one with its sha256 exists; false when it did.
    virtual Result<bool> insert(const StoredVerdict& row, const std::string& codes_json) = 0;
    virtual Result<std::size_t> count() = 0;
    // The last failure ended the transaction as a deadlock victim or a serialisation failure:
    // the same transaction may succeed when run again.
    virtual bool transient_failure() const noexcept { return false; }

    std::mutex mutex;  // one call at a time on the connection
};

namespace detail {
std::unique_ptr<VerdictStore::Backend> sqlite_backend(const std::string& path, Error& error);
std::unique_ptr<VerdictStore::Backend> postgres_backend(const std::string& url, Error& error);
// The codes of a row, from their JSON array text.
std::vector<std::string> codes_from_json(std::string_view json);
report::Indication indication_from_name(std::string_view name);
// The tables and index, the same text for both databases (BIGINT is an INTEGER column to
// SQLite). Each database runs it inside its own setup (PostgreSQL under an advisory lock).
inline constexpr const char* k_schema =
    "CREATE TABLE IF NOT EXISTS istmo_verdicts ("
    " sha256 TEXT PRIMARY KEY, source TEXT NOT NULL, cufe TEXT, issuer_ruc TEXT,"
    " indication TEXT NOT NULL, codes TEXT NOT NULL, report TEXT NOT NULL,"
    " first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, times_seen BIGINT NOT NULL DEFAULT 1);"
    "CREATE INDEX IF NOT EXISTS istmo_verdicts_cufe ON istmo_verdicts(cufe);"
    "CREATE TABLE IF NOT EXISTS istmo_cufes (cufe TEXT PRIMARY KEY, sha256 TEXT NOT NULL);";
// The statements, the same text for both databases: parameters are $1, $2, ... (SQLite binds
// them by name). k_insert_verdict returns a row only when it inserted.
inline constexpr const char* k_find_verdict =
    "SELECT sha256, source, coalesce(cufe, ''), coalesce(issuer_ruc, ''), indication, codes, report, first_seen,"
    " last_seen, times_seen FROM istmo_verdicts WHERE sha256 = $1";
inline constexpr const char* k_touch_verdict =
    "UPDATE istmo_verdicts SET last_seen = $2, times_seen = times_seen + 1 WHERE sha256 = $1";
inline constexpr const char* k_claim_cufe =
    "INSERT INTO istmo_cufes (cufe, sha256) VALUES ($1, $2) ON CONFLICT (cufe) DO NOTHING";
inline constexpr const char* k_cufe_owner = "SELECT sha256 FROM istmo_cufes WHERE cufe = $1";
inline constexpr const char* k_insert_verdict =
    "INSERT INTO istmo_verdicts (sha256, source, cufe, issuer_ruc, indication, codes, report, first_seen, last_seen,"
    " times_seen) VALUES ($1, $2, NULLIF($3, ''), NULLIF($4, ''), $5, $6, $7, $8, $9, 1)"
    " ON CONFLICT (sha256) DO NOTHING RETURNING sha256";
inline constexpr const char* k_count_verdicts = "SELECT COUNT(*) FROM istmo_verdicts";
// One row of k_find_verdict's columns, each as text (`cell(i)`, NULL as "").
StoredVerdict verdict_from_row(const std::function<std::string(int)>& cell);
}  // namespace detail

}  // namespace istmo::service
