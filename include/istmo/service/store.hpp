#pragma once
// The verdict store: one row per distinct input (its SHA-256), shared by `istmo batch validate
// --store`, `istmo worker` and any number of processes (docs/service.md, "Verdict store").
//
//   auto store = istmo::service::VerdictStore::open("sqlite:/var/lib/istmo/verdicts.db");
//   auto stored = (*store)->record(result);   // result: a batch::DocumentResult
//   istmo::service::RecordingSink sink(**store, results_file);   // for batch::Validator::run
//
// A row holds the source, the CUFE, the issuer's RUC (read from the CUFE), the indication, the
// finding codes, the result line (batch::DocumentResult::to_ndjson()) and when it was first and
// last seen. Recording is idempotent: the same bytes again (same SHA-256) leave the row as it is
// and give it back marked as a duplicate (a redelivered message yields the stored verdict, never
// a second one). A different document with a CUFE already recorded for other bytes gets an error
// finding BATCH-CUFE-CONFLICT (TOTAL_FAILED) and is recorded with it. Both checks hold across
// processes sharing the store (one transaction per record() call).
//
// Backends, by URL:
//   sqlite:PATH, sqlite://PATH or a plain PATH   SQLite (one file; WAL; writers serialised)
//   postgresql://... or postgres://...           PostgreSQL (libpq connection URI)
//
// Thread safety: one VerdictStore may be used from many threads (calls are serialised); open one
// per process or thread for parallel writers (PostgreSQL) as needed.
#include <istmo/batch/batch.hpp>
#include <istmo/core/result.hpp>
#include <istmo/export.hpp>
#include <istmo/report/report.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::service {

inline constexpr std::string_view k_code_cufe_conflict = "BATCH-CUFE-CONFLICT";
inline constexpr std::string_view k_code_duplicate = "BATCH-DUPLICATE";

struct StoredVerdict {
    std::string sha256;
    std::string source;
    std::string cufe;        // "" when none
    std::string issuer_ruc;  // from the CUFE; "" when none
    report::Indication indication = report::Indication::total_failed;
    std::vector<std::string> codes;
    std::string report;      // the result line (JSON) as recorded
    std::string first_seen;  // RFC 3339 UTC
    std::string last_seen;
    std::size_t times_seen = 1;
    // Set by record(): these bytes were recorded before (this is that row, unchanged but for
    // last_seen and times_seen).
    bool duplicate = false;
};

class ISTMO_API VerdictStore {
public:
    // Opens (creating the file and the tables when missing). Errors: invalid_argument (URL),
    // unavailable (cannot connect), io_error (cannot open or create).
    static istmo::Result<std::unique_ptr<VerdictStore>> open(const std::string& url);

    struct Backend;  // internal: one per kind of database
    explicit VerdictStore(std::unique_ptr<Backend> backend);
    VerdictStore(const VerdictStore&) = delete;
    VerdictStore& operator=(const VerdictStore&) = delete;
    ~VerdictStore();

    // Records the verdict of one input (see above). `result` is changed when its CUFE conflicts
    // (the finding is added) or when it is a duplicate (a BATCH-DUPLICATE info finding naming the
    // first source), so that the caller reports what was stored. A result without sha256 (an
    // input that could not be read) is not recorded: invalid_argument.
    istmo::Result<StoredVerdict> record(batch::DocumentResult& result);
    // Records several results in one transaction, in order (a later one sees an earlier one's
    // row and CUFE): all or none are recorded. One commit for many rows is what makes a batch
    // of deliveries cheap to store (the worker). The rows are written in key order whatever
    // the order of `results` (concurrent calls do not deadlock); a transaction that PostgreSQL
    // ends as a deadlock victim or a serialisation failure is run again (3 attempts in all). On
    // an error the results are as they were given.
    istmo::Result<std::vector<StoredVerdict>> record(std::span<batch::DocumentResult> results);
    // The row of these bytes, nullopt when none.
    istmo::Result<std::optional<StoredVerdict>> find(std::string_view sha256);
    // Number of rows.
    istmo::Result<std::size_t> count();

private:
    istmo::Result<std::vector<StoredVerdict>> record_once(std::span<batch::DocumentResult> results);
    std::unique_ptr<Backend> m_backend;
};

// A batch::Sink that records each result in a store, then passes it on to `inner` (what
// `istmo batch validate --store` does). The results a run hands over together (up to
// max_chunk at a time) are recorded in one transaction, in order: within a chunk the same bytes
// twice are still a duplicate and a second document with one CUFE still a conflict. `inner`
// gets them, as the store changed them and in the order written, once their chunk is committed
// (a result without sha256, an input that could not be read, is passed on unrecorded at its
// place). A store error stops the run; that chunk's results are not passed on.
class ISTMO_API RecordingSink final : public batch::Sink {
public:
    static constexpr std::size_t k_max_chunk = 64;
    RecordingSink(VerdictStore& store, batch::Sink& inner, std::size_t max_chunk = k_max_chunk);
    istmo::Result<void> write(const batch::DocumentResult& result) override;
    void skipped(const std::string& source, const std::string& sha256) override;
    istmo::Result<void> flush() override;

private:
    VerdictStore& m_store;
    batch::Sink& m_inner;
    std::size_t m_max_chunk;
    std::vector<batch::DocumentResult> m_pending;
};

// The issuer's RUC of a Panama CUFE (its 20 characters after "FE", iDoc and dTipoRuc, without the
// left padding), "" when text is not a CUFE.
ISTMO_API std::string issuer_ruc_from_cufe(std::string_view cufe);

}  // namespace istmo::service
