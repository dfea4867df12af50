// The verdict store on PostgreSQL (libpq): several machines share it. Each record() call is one
// READ COMMITTED transaction; INSERT ... ON CONFLICT DO NOTHING makes the first writer of a
// SHA-256 (and of a CUFE) win, and a concurrent second one wait for it and see its row. The
// rows of a call are written in key order (store.cpp), so concurrent calls do not deadlock.
#include "internal/c_ptr.hpp"
#include "service/store_backend.hpp"

#include <libpq-fe.h>

#include <string>
#include <string_view>
#include <vector>

namespace istmo::service::detail {

namespace {

using Connection = internal::CPtr<PGconn, PQfinish>;
using PgResult = internal::CPtr<PGresult, PQclear>;

// Created under an advisory lock: two workers starting together must not race on CREATE TABLE.
// The statements run as one implicit transaction, so the lock is a transaction lock, released at
// its commit: a session-level lock released by the last statement let the second writer in
// before the first one's tables were committed ("type istmo_verdicts already exists").
constexpr const char* k_setup = "SET client_min_messages TO warning; SELECT pg_advisory_xact_lock(7374686);";

class PostgresBackend final : public VerdictStore::Backend {
public:
    explicit PostgresBackend(Connection conn) : m_conn(std::move(conn)) {}

    Result<void> setup() { return exec((std::string(k_setup) + k_schema).c_str(), "creating the tables"); }
    Result<void> begin() override {
        m_transient = false;
        return exec("BEGIN", "BEGIN");
    }
    Result<void> commit() override { return exec("COMMIT", "COMMIT"); }
    void rollback() noexcept override { (void)exec("ROLLBACK", "ROLLBACK"); }

    Result<std::optional<StoredVerdict>> find(std::string_view sha256) override {
        auto r = query(k_find_verdict, {std::string(sha256)}, "reading a verdict");
        if (!r) return std::move(r).error();
        if (PQntuples(r->get()) == 0) return std::optional<StoredVerdict>();
        StoredVerdict v = verdict_from_row([&](int column) { return std::string(PQgetvalue(r->get(), 0, column)); });
        return std::optional<StoredVerdict>(std::move(v));
    }

    Result<void> touch(std::string_view sha256, const std::string& now) override {
        auto r = query(k_touch_verdict, {std::string(sha256), now}, "updating a verdict");
        if (!r) return std::move(r).error();
        return {};
    }

    Result<std::string> claim_cufe(const std::string& cufe, const std::string& sha256) override {
        auto r = query(k_claim_cufe, {cufe, sha256}, "recording a CUFE");
        if (!r) return std::move(r).error();
        auto owner = query(k_cufe_owner, {cufe}, "reading a CUFE");
        if (!owner) return std::move(owner).error();
        if (PQntuples(owner->get()) != 1) return make_error(Errc::internal, "PostgreSQL store: a CUFE has no owner");
        return std::string(PQgetvalue(owner->get(), 0, 0));
    }

    Result<bool> insert(const StoredVerdict& row, const std::string& codes_json) override {
        auto r = query(k_insert_verdict,
                       {row.sha256, row.source, row.cufe, row.issuer_ruc, std::string(report::to_string(row.indication)),
                        codes_json, row.report, row.first_seen, row.last_seen},
                       "recording a verdict");
        if (!r) return std::move(r).error();
        return PQntuples(r->get()) == 1;
    }

    Result<std::size_t> count() override {
        auto r = query(k_count_verdicts, {}, "counting verdicts");
        if (!r) return std::move(r).error();
        return static_cast<std::size_t>(std::stoull(PQgetvalue(r->get(), 0, 0)));
    }

    bool transient_failure() const noexcept override { return m_transient; }

private:
    Error failure(const std::string& what, const PGresult* result) {
        // 40P01 deadlock_detected, 40001 serialization_failure: the transaction was ended for
        // another one and may be run again.
        const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
        const std::string_view code = state ? state : "";
        m_transient = code == "40P01" || code == "40001";
        const bool lost = PQstatus(m_conn.get()) != CONNECTION_OK;
        return make_error(lost ? Errc::unavailable : Errc::io_error, "PostgreSQL store: " + what + " failed",
                          PQerrorMessage(m_conn.get()));
    }
    Result<void> exec(const char* sql, const std::string& what) {
        PgResult r(PQexec(m_conn.get(), sql));
        const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return failure(what, r.get());
        return {};
    }
    Result<PgResult> query(const char* sql, const std::vector<std::string>& params, const std::string& what) {
        std::vector<const char*> values;
        for (const auto& p : params) values.push_back(p.c_str());
        PgResult r(PQexecParams(m_conn.get(), sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                                nullptr, 0));
        const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return failure(what, r.get());
        return r;
    }

    Connection m_conn;
    bool m_transient = false;  // the last failure was 40P01 or 40001
};

}  // namespace

std::unique_ptr<VerdictStore::Backend> postgres_backend(const std::string& url, Error& error) {
    Connection conn(PQconnectdb(url.c_str()));
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        error = make_error(Errc::unavailable, "cannot connect to the PostgreSQL store",
                           conn ? PQerrorMessage(conn.get()) : "out of memory");
        return nullptr;
    }
    auto backend = std::make_unique<PostgresBackend>(std::move(conn));
    if (auto ready = backend->setup(); !ready) {
        error = std::move(ready).error();
        return nullptr;
    }
    return backend;
}

}  // namespace istmo::service::detail
