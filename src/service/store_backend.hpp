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
    // One transaction around each record(): a serialising one where the database needs it.
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

    std::mutex mutex;  // one call at a time on the connection
};

namespace detail {
std::unique_ptr<VerdictStore::Backend> sqlite_backend(const std::string& path, Error& error);
std::unique_ptr<VerdictStore::Backend> postgres_backend(const std::string& url, Error& error);
// The codes of a row, from their JSON array text.
std::vector<std::string> codes_from_json(std::string_view json);
report::Indication indication_from_name(std::string_view name);
// The columns both databases select for a verdict, in the order verdict_from_row reads them.
inline constexpr const char* k_verdict_columns =
    "sha256, source, coalesce(cufe, ''), coalesce(issuer_ruc, ''), indication, codes, report, first_seen, last_seen,"
    " times_seen";
// One row of those columns, each as text (`cell(i)`, NULL as "").
StoredVerdict verdict_from_row(const std::function<std::string(int)>& cell);
}  // namespace detail

}  // namespace istmo::service
