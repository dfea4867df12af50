// The verdict store on SQLite: one file, WAL journal, writers serialised by BEGIN IMMEDIATE
// (several processes may share the file; a busy database is waited for up to 60 s).
#include "internal/c_ptr.hpp"
#include "service/store_backend.hpp"

#include <sqlite3.h>

#include <chrono>
#include <initializer_list>
#include <unordered_map>
#include <utility>
#include <thread>

namespace istmo::service::detail {

namespace {

using Database = internal::CPtr<sqlite3, sqlite3_close_v2>;
using Statement = internal::CPtr<sqlite3_stmt, sqlite3_finalize>;

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
        auto st = statement(k_find_verdict, {sha256});
        if (!st) return std::move(st).error();
        const int rc = sqlite3_step(*st);
        if (rc == SQLITE_DONE) return std::optional<StoredVerdict>();
        if (rc != SQLITE_ROW) return failure("reading a verdict");
        StoredVerdict v = verdict_from_row([&](int column) { return this->column(*st, column); });
        return std::optional<StoredVerdict>(std::move(v));
    }

    Result<void> touch(std::string_view sha256, const std::string& now) override {
        auto st = statement(k_touch_verdict, {sha256, now});
        if (!st) return std::move(st).error();
        return step_done(*st, "updating a verdict");
    }

    Result<std::string> claim_cufe(const std::string& cufe, const std::string& sha256) override {
        auto insert = statement(k_claim_cufe, {cufe, sha256});
        if (!insert) return std::move(insert).error();
        if (auto done = step_done(*insert, "recording a CUFE"); !done) return std::move(done).error();
        auto owner = statement(k_cufe_owner, {cufe});
        if (!owner) return std::move(owner).error();
        if (sqlite3_step(*owner) != SQLITE_ROW) return failure("reading a CUFE");
        return column(*owner, 0);
    }

    Result<bool> insert(const StoredVerdict& row, const std::string& codes_json) override {
        const std::string indication(report::to_string(row.indication));
        auto st = statement(k_insert_verdict, {row.sha256, row.source, row.cufe, row.issuer_ruc, indication, codes_json,
                                               row.report, row.first_seen, row.last_seen});
        if (!st) return std::move(st).error();
        const int rc = sqlite3_step(*st);  // RETURNING: a row when inserted
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return failure("recording a verdict");
        return rc == SQLITE_ROW;
    }

    Result<std::size_t> count() override {
        auto st = statement(k_count_verdicts, {});
        if (!st) return std::move(st).error();
        if (sqlite3_step(*st) != SQLITE_ROW) return failure("counting verdicts");
        return static_cast<std::size_t>(sqlite3_column_int64(*st, 0));
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
    // The statement of `sql` (prepared once per connection and kept: the same few statements
    // run for every verdict) with $1, $2, ... bound to `values`. Reset when its Use goes, so
    // that a finished read does not keep its snapshot open.
    class Use {
    public:
        explicit Use(sqlite3_stmt* st) : m_st(st) {}
        Use(Use&& other) noexcept : m_st(std::exchange(other.m_st, nullptr)) {}
        Use& operator=(Use&&) = delete;
        ~Use() {
            if (m_st == nullptr) return;
            sqlite3_reset(m_st);
            sqlite3_clear_bindings(m_st);
        }
        operator sqlite3_stmt*() const noexcept { return m_st; }

    private:
        sqlite3_stmt* m_st;
    };
    Result<Use> statement(const char* sql, std::initializer_list<std::string_view> values) {
        auto& kept = m_statements[sql];
        if (!kept) {
            sqlite3_stmt* raw = nullptr;
            if (sqlite3_prepare_v3(m_db.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK)
                return failure("preparing a statement");
            kept = Statement(raw);
        }
        int number = 0;
        for (const std::string_view text : values) {
            const std::string name = "$" + std::to_string(++number);
            const int index = sqlite3_bind_parameter_index(kept.get(), name.c_str());
            sqlite3_bind_text(kept.get(), index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
        }
        return Use(kept.get());
    }
    static std::string column(sqlite3_stmt* st, int index) {
        const auto* text = sqlite3_column_text(st, index);
        return text ? std::string(reinterpret_cast<const char*>(text),
                                  static_cast<std::size_t>(sqlite3_column_bytes(st, index)))
                    : std::string();
    }
    Result<void> step_done(sqlite3_stmt* st, const char* what) {
        if (sqlite3_step(st) != SQLITE_DONE) return failure(what);
        return {};
    }

    Database m_db;  // declared first: closed after the statements are finalized
    std::unordered_map<const char*, Statement> m_statements;  // by the k_ text they run
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
