// The verdict store on SQLite: one file, WAL journal, writers serialised by BEGIN IMMEDIATE
// (several processes may share the file; a busy database is waited for up to 60 s).
#include "internal/c_ptr.hpp"
#include "service/store_backend.hpp"

#include <sqlite3.h>

#include <chrono>
#include <thread>

namespace istmo::service::detail {

namespace {

using Database = internal::CPtr<sqlite3, sqlite3_close_v2>;
using Statement = internal::CPtr<sqlite3_stmt, sqlite3_finalize>;

constexpr const char* k_schema =
    "CREATE TABLE IF NOT EXISTS istmo_verdicts ("
    " sha256 TEXT PRIMARY KEY, source TEXT NOT NULL, cufe TEXT, issuer_ruc TEXT,"
    " indication TEXT NOT NULL, codes TEXT NOT NULL, report TEXT NOT NULL,"
    " first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, times_seen INTEGER NOT NULL DEFAULT 1);"
    "CREATE INDEX IF NOT EXISTS istmo_verdicts_cufe ON istmo_verdicts(cufe);"
    "CREATE TABLE IF NOT EXISTS istmo_cufes (cufe TEXT PRIMARY KEY, sha256 TEXT NOT NULL);";

class SqliteBackend final : public VerdictStore::Backend {
public:
    explicit SqliteBackend(Database db) : m_db(std::move(db)) {}

    // Switching a new file to WAL takes the exclusive lock. When another connection sets up the
    // same file at that moment (two workers starting), SQLite can answer SQLITE_BUSY at once,
    // without its busy handler (waiting there could deadlock): the setup is tried again within
    // the same 60 s a busy database is waited for.
    Result<void> setup() {
        sqlite3_busy_timeout(m_db.get(), static_cast<int>(k_busy_wait.count()));
        const auto until = std::chrono::steady_clock::now() + k_busy_wait;
        for (;;) {
            auto ready = setup_once();
            if (ready || !busy() || std::chrono::steady_clock::now() > until) return ready;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }

    Result<void> begin() override { return exec("BEGIN IMMEDIATE"); }
    Result<void> commit() override { return exec("COMMIT"); }
    void rollback() noexcept override { (void)exec("ROLLBACK"); }

    Result<std::optional<StoredVerdict>> find(std::string_view sha256) override {
        auto st = prepare((std::string("SELECT ") + k_verdict_columns + " FROM istmo_verdicts WHERE sha256 = ?1").c_str());
        if (!st) return std::move(st).error();
        bind(*st, 1, sha256);
        const int rc = sqlite3_step(st->get());
        if (rc == SQLITE_DONE) return std::optional<StoredVerdict>();
        if (rc != SQLITE_ROW) return failure("reading a verdict");
        StoredVerdict v = verdict_from_row([&](int column) { return this->column(*st, column); });
        return std::optional<StoredVerdict>(std::move(v));
    }

    Result<void> touch(std::string_view sha256, const std::string& now) override {
        auto st = prepare("UPDATE istmo_verdicts SET last_seen = ?2, times_seen = times_seen + 1 WHERE sha256 = ?1");
        if (!st) return std::move(st).error();
        bind(*st, 1, sha256);
        bind(*st, 2, now);
        return step_done(*st, "updating a verdict");
    }

    Result<std::string> claim_cufe(const std::string& cufe, const std::string& sha256) override {
        auto insert = prepare("INSERT INTO istmo_cufes (cufe, sha256) VALUES (?1, ?2) ON CONFLICT (cufe) DO NOTHING");
        if (!insert) return std::move(insert).error();
        bind(*insert, 1, cufe);
        bind(*insert, 2, sha256);
        if (auto done = step_done(*insert, "recording a CUFE"); !done) return std::move(done).error();
        auto owner = prepare("SELECT sha256 FROM istmo_cufes WHERE cufe = ?1");
        if (!owner) return std::move(owner).error();
        bind(*owner, 1, cufe);
        if (sqlite3_step(owner->get()) != SQLITE_ROW) return failure("reading a CUFE");
        return column(*owner, 0);
    }

    Result<bool> insert(const StoredVerdict& row, const std::string& codes_json) override {
        auto st = prepare("INSERT INTO istmo_verdicts (sha256, source, cufe, issuer_ruc, indication, codes, report,"
                          " first_seen, last_seen, times_seen) VALUES (?1, ?2, NULLIF(?3, ''), NULLIF(?4, ''), ?5, ?6,"
                          " ?7, ?8, ?9, 1) ON CONFLICT (sha256) DO NOTHING");
        if (!st) return std::move(st).error();
        const std::string indication(report::to_string(row.indication));
        const std::string* values[] = {&row.sha256, &row.source, &row.cufe, &row.issuer_ruc, &indication,
                                       &codes_json, &row.report, &row.first_seen, &row.last_seen};
        for (int i = 0; i < 9; ++i) bind(*st, i + 1, *values[i]);
        if (auto done = step_done(*st, "recording a verdict"); !done) return std::move(done).error();
        return sqlite3_changes(m_db.get()) == 1;
    }

    Result<std::size_t> count() override {
        auto st = prepare("SELECT COUNT(*) FROM istmo_verdicts");
        if (!st) return std::move(st).error();
        if (sqlite3_step(st->get()) != SQLITE_ROW) return failure("counting verdicts");
        return static_cast<std::size_t>(sqlite3_column_int64(st->get(), 0));
    }

private:
    static constexpr std::chrono::milliseconds k_busy_wait{60'000};

    Result<void> setup_once() {
        if (auto r = exec("PRAGMA journal_mode=WAL"); !r) return r;
        if (auto r = exec("PRAGMA synchronous=NORMAL"); !r) return r;
        return exec(k_schema);
    }
    bool busy() const noexcept {
        const int code = sqlite3_errcode(m_db.get()) & 0xff;
        return code == SQLITE_BUSY || code == SQLITE_LOCKED;
    }
    Error failure(const std::string& what) const {
        return make_error(Errc::io_error, "SQLite store: " + what + " failed", sqlite3_errmsg(m_db.get()));
    }
    Result<void> exec(const char* sql) {
        char* message = nullptr;
        if (sqlite3_exec(m_db.get(), sql, nullptr, nullptr, &message) == SQLITE_OK) return {};
        std::string cause = message ? message : "";
        sqlite3_free(message);
        return make_error(Errc::io_error, std::string("SQLite store: ") + sql, cause);
    }
    Result<Statement> prepare(const char* sql) {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v2(m_db.get(), sql, -1, &raw, nullptr) != SQLITE_OK) return failure("preparing a statement");
        return Statement(raw);
    }
    static void bind(Statement& st, int index, std::string_view text) {
        sqlite3_bind_text(st.get(), index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
    static std::string column(Statement& st, int index) {
        const auto* text = sqlite3_column_text(st.get(), index);
        return text ? std::string(reinterpret_cast<const char*>(text),
                                  static_cast<std::size_t>(sqlite3_column_bytes(st.get(), index)))
                    : std::string();
    }
    Result<void> step_done(Statement& st, const char* what) {
        if (sqlite3_step(st.get()) != SQLITE_DONE) return failure(what);
        return {};
    }

    Database m_db;
};

}  // namespace

std::unique_ptr<VerdictStore::Backend> sqlite_backend(const std::string& path, Error& error) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                   nullptr);
    Database db(raw);
    if (rc != SQLITE_OK) {
        error = make_error(Errc::io_error, "cannot open the SQLite store '" + path + "'",
                           db ? sqlite3_errmsg(db.get()) : "out of memory");
        return nullptr;
    }
    auto backend = std::make_unique<SqliteBackend>(std::move(db));
    if (auto ready = backend->setup(); !ready) {
        error = std::move(ready).error();
        return nullptr;
    }
    return backend;
}

}  // namespace istmo::service::detail
