// The verdict store (istmo::service::VerdictStore) on SQLite and on a PostgreSQL server the test
// starts itself (Not Run without the PostgreSQL binaries): one row per distinct SHA-256,
// duplicates, CUFE conflicts, several results in one transaction, persistence, two writers at
// once, batches in opposite orders, a deadlock victim run again; service::RecordingSink (a chunk
// of a batch run per transaction); `istmo batch validate --store`.
#include <istmo/batch/batch.hpp>
#include <istmo/invoice/panama.hpp>
#include <istmo/service/store.hpp>

#include "test_support.hpp"
#include "test_support/collecting_sink.hpp"
#include "test_support/signed_invoices.hpp"
#include "test_support/postgres_server.hpp"
#include "crypto/native.hpp"
#include "internal/c_ptr.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace istmo;
namespace pa = istmo::invoice::panama;
using report::Indication;

std::string signed_invoice(int n) { return test::signed_panama_invoice(n); }

const batch::Validator& validator() {
    static const batch::Validator v = [] {
        batch::Options o;
        EXPECT_TRUE(o.verify.trust.add_file((test::vectors_dir() / "pki" / "chain.pem").string()).has_value());
        return batch::Validator(std::move(o));
    }();
    return v;
}

std::vector<std::string> lines_of(const std::filesystem::path& path) {
    std::vector<std::string> out;
    std::istringstream in(test::read_file(path));
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

bool has_code(const std::vector<std::string>& codes, std::string_view code) {
    return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// The behaviour every backend must have; `reopen` gives a second connection to the same store.
void exercise(const std::string& url) {
    auto opened = service::VerdictStore::open(url);
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    auto& store = **opened;
    const std::string a = signed_invoice(100);
    // The same invoice (same dId, hence CUFE) with different bytes: a comment after the root.
    const std::string a_changed = a + "<!-- resent -->\n";
    const std::string c = signed_invoice(101);

    batch::DocumentResult first = validator().validate("a.xml", a);
    ASSERT_EQ(first.indication, Indication::total_passed);
    ASSERT_FALSE(first.cufe.empty());
    auto row = store.record(first);
    ASSERT_TRUE(row.has_value()) << row.error().to_string();
    EXPECT_FALSE(row->duplicate);
    EXPECT_EQ(row->sha256, first.sha256);
    EXPECT_EQ(row->source, "a.xml");
    EXPECT_EQ(row->cufe, first.cufe);
    EXPECT_EQ(row->issuer_ruc, "155596713-2-2015");
    EXPECT_EQ(row->indication, Indication::total_passed);
    EXPECT_EQ(row->codes, first.codes);
    EXPECT_EQ(row->report, first.to_ndjson());
    EXPECT_FALSE(row->first_seen.empty());

    // The same bytes again (another name): the first row, marked as a duplicate.
    batch::DocumentResult again = validator().validate("copy-of-a.xml", a);
    auto dup = store.record(again);
    ASSERT_TRUE(dup.has_value());
    EXPECT_TRUE(dup->duplicate);
    EXPECT_EQ(dup->source, "a.xml");
    EXPECT_EQ(dup->times_seen, 2u);
    EXPECT_EQ(dup->report, first.to_ndjson());
    EXPECT_TRUE(has_code(again.codes, service::k_code_duplicate));
    EXPECT_EQ(again.indication, Indication::total_passed);  // a warning only

    // A different document with the same CUFE: BATCH-CUFE-CONFLICT, TOTAL_FAILED, recorded.
    batch::DocumentResult conflict = validator().validate("a-changed.xml", a_changed);
    ASSERT_NE(conflict.sha256, first.sha256);
    ASSERT_EQ(conflict.cufe, first.cufe);
    auto conflicting = store.record(conflict);
    ASSERT_TRUE(conflicting.has_value());
    EXPECT_FALSE(conflicting->duplicate);
    EXPECT_EQ(conflict.indication, Indication::total_failed);
    EXPECT_TRUE(has_code(conflict.codes, service::k_code_cufe_conflict));
    EXPECT_EQ(conflicting->indication, Indication::total_failed);
    EXPECT_TRUE(has_code(conflicting->codes, service::k_code_cufe_conflict));
    const auto finding = std::find_if(conflict.findings.begin(), conflict.findings.end(),
                                      [](const report::Finding& f) { return f.code == service::k_code_cufe_conflict; });
    ASSERT_NE(finding, conflict.findings.end());
    EXPECT_NE(finding->message.find(first.sha256), std::string::npos);
    EXPECT_NE(finding->message_es.find("ya se registró"), std::string::npos);

    batch::DocumentResult other = validator().validate("c.xml", c);
    ASSERT_TRUE(store.record(other).has_value());
    EXPECT_EQ(other.indication, Indication::total_passed);
    EXPECT_EQ(*store.count(), 3u);

    auto found = store.find(first.sha256);
    ASSERT_TRUE(found.has_value() && found->has_value());
    EXPECT_EQ((*found)->times_seen, 2u);
    EXPECT_FALSE(store.find(std::string(64, '0'))->has_value());
    batch::DocumentResult unread;
    unread.source = "missing.xml";
    EXPECT_EQ(store.record(unread).error().code, Errc::invalid_argument);

    // A second connection sees the same rows; the conflict's row keeps its verdict.
    auto second = service::VerdictStore::open(url);
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(*(*second)->count(), 3u);
    batch::DocumentResult conflict_again = validator().validate("a-changed-2.xml", a_changed);
    auto stored = (*second)->record(conflict_again);
    ASSERT_TRUE(stored.has_value());
    EXPECT_TRUE(stored->duplicate);
    EXPECT_EQ(stored->indication, Indication::total_failed);
    // Those bytes again still conflict: the result fails as their stored verdict does.
    EXPECT_EQ(conflict_again.indication, Indication::total_failed);
    EXPECT_TRUE(has_code(conflict_again.codes, service::k_code_cufe_conflict));
    EXPECT_TRUE(has_code(conflict_again.codes, service::k_code_duplicate));
}

// Several results in one record() call (one transaction, as the worker records a batch): in
// order, a later one sees what an earlier one recorded; one that cannot be recorded (no sha256)
// leaves out the whole call.
void exercise_batch(const std::string& url) {
    auto opened = service::VerdictStore::open(url);
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    auto& store = **opened;
    const std::size_t before = *store.count();
    const std::string d = signed_invoice(300);
    std::vector<batch::DocumentResult> refused = {validator().validate("d.xml", d), batch::DocumentResult{}};
    EXPECT_EQ(store.record(std::span<batch::DocumentResult>(refused)).error().code, Errc::invalid_argument);
    EXPECT_EQ(*store.count(), before);

    std::vector<batch::DocumentResult> results = {
        validator().validate("d.xml", d), validator().validate("d-again.xml", d),
        validator().validate("d-changed.xml", d + "<!-- resent -->\n"), validator().validate("e.xml", signed_invoice(301)),
        validator().validate("d-changed-again.xml", d + "<!-- resent -->\n")};
    auto rows = store.record(std::span<batch::DocumentResult>(results));
    ASSERT_TRUE(rows.has_value()) << rows.error().to_string();
    ASSERT_EQ(rows->size(), 5u);
    EXPECT_FALSE((*rows)[0].duplicate);
    EXPECT_EQ((*rows)[0].source, "d.xml");
    EXPECT_TRUE((*rows)[1].duplicate);
    EXPECT_EQ((*rows)[1].source, "d.xml");
    EXPECT_EQ((*rows)[1].times_seen, 2u);
    EXPECT_TRUE(has_code(results[1].codes, service::k_code_duplicate));
    EXPECT_FALSE((*rows)[2].duplicate);
    EXPECT_EQ((*rows)[2].indication, Indication::total_failed);
    EXPECT_TRUE(has_code(results[2].codes, service::k_code_cufe_conflict));
    EXPECT_FALSE((*rows)[3].duplicate);
    EXPECT_EQ(results[3].indication, Indication::total_passed);
    // The conflicting bytes twice in one call: the second is their duplicate and fails too.
    EXPECT_TRUE((*rows)[4].duplicate);
    EXPECT_EQ((*rows)[4].source, "d-changed.xml");
    EXPECT_EQ(results[4].indication, Indication::total_failed);
    EXPECT_TRUE(has_code(results[4].codes, service::k_code_duplicate));
    EXPECT_TRUE(has_code(results[4].codes, service::k_code_cufe_conflict));
    EXPECT_EQ(*store.count(), before + 3);
}

// Two writers (two connections, two threads) record the same documents: one row each, and each
// document is new to exactly one of them.
void exercise_concurrent(const std::string& url) {
    std::vector<batch::DocumentResult> results;
    for (int i = 0; i < 20; ++i) results.push_back(validator().validate("doc-" + std::to_string(i), signed_invoice(200 + i)));
    std::atomic<int> fresh{0}, duplicates{0}, errors{0};
    const auto writer = [&] {
        auto store = service::VerdictStore::open(url);
        if (!store) {
            ADD_FAILURE() << "open: " << store.error().to_string();
            return ++errors, void();
        }
        for (auto r : results) {
            auto row = (*store)->record(r);
            if (!row) ADD_FAILURE() << "record: " << row.error().to_string(), ++errors;
            else if (row->duplicate) ++duplicates;
            else ++fresh;
        }
    };
    std::thread one(writer), two(writer);
    one.join();
    two.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(fresh.load(), 20);
    EXPECT_EQ(duplicates.load(), 20);
    auto store = service::VerdictStore::open(url);
    ASSERT_TRUE(store.has_value());
    EXPECT_EQ(*(*store)->count(), 20u);
}

using test::CollectingSink;

batch::DocumentResult not_found(const std::string& source) {
    batch::DocumentResult r;
    r.source = source;
    r.codes = {std::string(batch::k_code_not_found)};
    return r;
}

// A chunk written to a RecordingSink is recorded in one transaction at flush() (or when
// max_chunk results wait): the same bytes twice and a CUFE conflict inside it are found, the
// results reach the inner sink in order, as the store changed them.
void exercise_recording_sink(const std::string& url) {
    auto opened = service::VerdictStore::open(url);
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    auto& store = **opened;
    const std::size_t before = *store.count();
    const std::string a = signed_invoice(400);
    CollectingSink out;
    service::RecordingSink sink(store, out);
    const std::vector<batch::DocumentResult> inputs = {
        validator().validate("a.xml", a), validator().validate("copy-of-a.xml", a), not_found("missing.xml"),
        validator().validate("a-changed.xml", a + "<!-- resent -->\n"), validator().validate("b.xml", signed_invoice(401))};
    for (const auto& r : inputs) ASSERT_TRUE(sink.write(r).has_value());
    sink.skipped("done.xml", std::string(64, 'f'));
    EXPECT_EQ(out.skipped_sources, std::vector<std::string>{"done.xml"});
    EXPECT_TRUE(out.results.empty());  // nothing passed on before its chunk is recorded
    EXPECT_EQ(*store.count(), before);
    ASSERT_TRUE(sink.flush().has_value());

    ASSERT_EQ(out.results.size(), inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) EXPECT_EQ(out.results[i].source, inputs[i].source);
    EXPECT_EQ(out.results[0].codes, inputs[0].codes);
    EXPECT_TRUE(has_code(out.results[1].codes, service::k_code_duplicate));
    EXPECT_EQ(out.results[1].indication, Indication::total_passed);
    EXPECT_EQ(out.results[2].codes, inputs[2].codes);  // not recorded, passed on as it was
    EXPECT_TRUE(has_code(out.results[3].codes, service::k_code_cufe_conflict));
    EXPECT_EQ(out.results[3].indication, Indication::total_failed);
    EXPECT_EQ(out.results[4].indication, Indication::total_passed);
    EXPECT_EQ(*store.count(), before + 3);
    const auto row_a = *store.find(inputs[0].sha256);
    const auto row_changed = *store.find(inputs[3].sha256);
    const auto row_b = *store.find(inputs[4].sha256);
    ASSERT_TRUE(row_a && row_changed && row_b);
    EXPECT_EQ(row_a->source, "a.xml");
    EXPECT_EQ(row_a->times_seen, 2u);
    EXPECT_EQ(row_changed->indication, Indication::total_failed);
    EXPECT_TRUE(has_code(row_changed->codes, service::k_code_cufe_conflict));
    // One transaction: one time for all its rows.
    EXPECT_EQ(row_changed->first_seen, row_a->first_seen);
    EXPECT_EQ(row_b->first_seen, row_a->first_seen);
    ASSERT_TRUE(sink.flush().has_value());  // nothing waiting: nothing written again
    EXPECT_EQ(out.results.size(), inputs.size());

    // max_chunk results waiting are recorded and passed on by write() itself.
    CollectingSink small_out;
    service::RecordingSink small(store, small_out, 2);
    const auto c = validator().validate("c.xml", signed_invoice(402));
    ASSERT_TRUE(small.write(c).has_value());
    EXPECT_TRUE(small_out.results.empty());
    ASSERT_TRUE(small.write(c).has_value());
    ASSERT_EQ(small_out.results.size(), 2u);
    EXPECT_TRUE(has_code(small_out.results[1].codes, service::k_code_duplicate));
    EXPECT_EQ(*store.count(), before + 4);
}

// Two writers record overlapping batches at once, one in the other's reverse order, round after
// round: each batch holds new bytes (and CUFEs other rows own) and the bytes of the round
// before (rows to update). Every verdict is stored once and no transaction fails (on
// PostgreSQL, row locks taken in opposite orders would deadlock).
void exercise_opposite_orders(const std::string& url) {
    constexpr int k_invoices = 8, k_rounds = 25;
    std::vector<batch::DocumentResult> invoices;
    for (int k = 0; k < k_invoices; ++k)
        invoices.push_back(validator().validate("inv-" + std::to_string(k), signed_invoice(600 + k)));
    // Variant r of invoice k: other bytes (the store keys on sha256), the same CUFE.
    const auto variant = [&](int k, int r) {
        batch::DocumentResult v = invoices[static_cast<std::size_t>(k)];
        v.source = "inv-" + std::to_string(k) + "-round-" + std::to_string(r);
        v.sha256 = crypto::sha256_hex(v.source);
        return v;
    };
    std::atomic<int> fresh{0}, duplicates{0}, errors{0};
    std::barrier round_start(2);
    const auto writer = [&](bool reverse) {
        auto store = service::VerdictStore::open(url);
        if (!store) return ADD_FAILURE() << store.error().to_string(), ++errors, void();
        for (int r = 0; r < k_rounds; ++r) {
            std::vector<batch::DocumentResult> results;
            for (int k = 0; k < k_invoices; ++k) {
                results.push_back(variant(k, r));
                if (r > 0) results.push_back(variant(k, r - 1));
            }
            if (reverse) std::reverse(results.begin(), results.end());
            round_start.arrive_and_wait();
            auto rows = (*store)->record(std::span<batch::DocumentResult>(results));
            if (!rows) {
                ADD_FAILURE() << "round " << r << ": " << rows.error().to_string();
                ++errors;
                continue;
            }
            for (const auto& row : *rows) row.duplicate ? ++duplicates : ++fresh;
        }
    };
    std::thread one(writer, false), two(writer, true);
    one.join();
    two.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(fresh.load(), k_invoices * k_rounds);
    EXPECT_EQ(duplicates.load(), k_invoices * (k_rounds + 2 * (k_rounds - 1)));
    auto store = service::VerdictStore::open(url);
    ASSERT_TRUE(store.has_value());
    EXPECT_EQ(*(*store)->count(), static_cast<std::size_t>(k_invoices * k_rounds));
    // Each CUFE has one owner: one of its rows has no conflict.
    for (int k = 0; k < k_invoices; ++k) {
        int owners = 0;
        for (int r = 0; r < k_rounds; ++r) {
            const auto row = *(*store)->find(variant(k, r).sha256);
            ASSERT_TRUE(row.has_value());
            EXPECT_EQ(row->times_seen, r + 1 < k_rounds ? 4u : 2u);
            owners += has_code(row->codes, service::k_code_cufe_conflict) ? 0 : 1;
        }
        EXPECT_EQ(owners, 1) << "invoice " << k;
    }
}

TEST(VerdictStore, SqliteOneRowPerDistinctInput) {
    test::TempDir dir;
    exercise("sqlite:" + (dir / "verdicts.db").string());
    exercise_batch("sqlite:" + (dir / "verdicts.db").string());
}

TEST(VerdictStore, SqliteRecordingSinkOneTransactionPerChunk) {
    test::TempDir dir;
    exercise_recording_sink("sqlite:" + (dir / "verdicts.db").string());
}

// A chunk whose transaction fails: flush() says so and nothing of it is passed on or recorded.
TEST(VerdictStore, SqliteRecordingSinkStoreFailure) {
    test::TempDir dir;
    const std::string path = (dir / "verdicts.db").string();
    auto opened = service::VerdictStore::open(path);
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    {
        // Another connection takes the table away: the store's next statements fail.
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
        const internal::CPtr<sqlite3, sqlite3_close_v2> db(raw);
        ASSERT_EQ(sqlite3_exec(db.get(), "DROP TABLE istmo_cufes", nullptr, nullptr, nullptr), SQLITE_OK);
    }
    CollectingSink out;
    service::RecordingSink sink(**opened, out);
    ASSERT_TRUE(sink.write(validator().validate("a.xml", signed_invoice(410))).has_value());
    ASSERT_TRUE(sink.write(validator().validate("b.xml", signed_invoice(411))).has_value());
    const auto flushed = sink.flush();
    ASSERT_FALSE(flushed.has_value());
    EXPECT_EQ(flushed.error().code, Errc::io_error);
    EXPECT_TRUE(out.results.empty());
    EXPECT_EQ(*(*opened)->count(), 0u);
    ASSERT_TRUE(sink.flush().has_value());  // the failed chunk was dropped, not retried
    EXPECT_TRUE(out.results.empty());
}

TEST(VerdictStore, SqliteTwoWritersAtOnce) {
    test::TempDir dir;
    exercise_concurrent((dir / "verdicts.db").string());  // a plain path is SQLite too
}

TEST(VerdictStore, UrlsAndIssuerRuc) {
    EXPECT_EQ(service::VerdictStore::open("mysql://x").error().code, Errc::invalid_argument);
    EXPECT_EQ(service::VerdictStore::open("sqlite:").error().code, Errc::invalid_argument);
    EXPECT_EQ(service::VerdictStore::open("sqlite:/nonexistent-dir/x/verdicts.db").error().code, Errc::io_error);
    EXPECT_EQ(service::VerdictStore::open("postgresql://nobody@127.0.0.1:1/none").error().code, Errc::unavailable);
    EXPECT_EQ(service::issuer_ruc_from_cufe("FE0120000155596713-2-2015-5900002026112000000000110010121234567897"),
              "155596713-2-2015");
    EXPECT_EQ(service::issuer_ruc_from_cufe("FE01"), "");
}

TEST(VerdictStore, PostgresOneRowPerDistinctInput) {
    ISTMO_SKIP_WITHOUT_POSTGRES();
    test::PostgresServer pg;
    exercise(pg.url());
    exercise_batch(pg.url());
    exercise_recording_sink(pg.url());
}

TEST(VerdictStore, PostgresTwoWritersAtOnce) {
    ISTMO_SKIP_WITHOUT_POSTGRES();
    test::PostgresServer pg;
    exercise_concurrent(pg.url());
}

TEST(VerdictStore, PostgresBatchesInOppositeOrdersAtOnce) {
    ISTMO_SKIP_WITHOUT_POSTGRES();
    test::PostgresServer pg;
    exercise_opposite_orders(pg.url());
}

using PgConnection = internal::CPtr<PGconn, PQfinish>;
using PgResult = internal::CPtr<PGresult, PQclear>;

// The first column of the first row of `sql` ("" when it failed or gave none).
std::string pg_value(PGconn* conn, const std::string& sql) {
    const PgResult r(PQexec(conn, sql.c_str()));
    const auto status = PQresultStatus(r.get());
    if (status == PGRES_COMMAND_OK) return "ok";
    if (status != PGRES_TUPLES_OK || PQntuples(r.get()) == 0) return ADD_FAILURE() << sql << ": " << PQerrorMessage(conn), "";
    return PQgetvalue(r.get(), 0, 0);
}

// Another program holds a row a record() call needs, then waits for one the call holds:
// PostgreSQL ends the call's transaction as the deadlock victim (its sessions look for deadlocks
// after 3 s, the other program's after 60 s), and record() runs it again, successfully.
TEST(VerdictStore, PostgresDeadlockVictimIsRunAgain) {
    ISTMO_SKIP_WITHOUT_POSTGRES();
    test::PostgresServer pg;
    const PgConnection other(PQconnectdb(pg.url().c_str()));
    ASSERT_EQ(PQstatus(other.get()), CONNECTION_OK) << PQerrorMessage(other.get());
    ASSERT_EQ(pg_value(other.get(), "ALTER DATABASE postgres SET deadlock_timeout = '3s'"), "ok");
    auto opened = service::VerdictStore::open(pg.url());  // a session with the 3 s
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    auto& store = **opened;
    std::vector<batch::DocumentResult> results = {validator().validate("x.xml", signed_invoice(700)),
                                                  validator().validate("y.xml", signed_invoice(701))};
    ASSERT_TRUE(store.record(std::span<batch::DocumentResult>(results)).has_value());
    // x is written first (SHA-256 order), y second.
    std::sort(results.begin(), results.end(), [](const auto& a, const auto& b) { return a.sha256 < b.sha256; });
    const auto row_lock = [&](const batch::DocumentResult& r) {
        return "UPDATE istmo_verdicts SET times_seen = times_seen WHERE sha256 = '" + r.sha256 + "'";
    };
    ASSERT_EQ(pg_value(other.get(), "SET deadlock_timeout = '60s'"), "ok");
    ASSERT_EQ(pg_value(other.get(), "BEGIN"), "ok");
    ASSERT_EQ(pg_value(other.get(), row_lock(results[1])), "ok");

    std::vector<batch::DocumentResult> again = {results[1], results[0]};
    Result<std::vector<service::StoredVerdict>> recorded = make_error(Errc::internal, "not run");
    std::thread recorder([&] { recorded = store.record(std::span<batch::DocumentResult>(again)); });
    // Once the call waits for y's row (holding x's), the other program asks for x's.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (pg_value(other.get(), "SELECT count(*) FROM pg_locks WHERE NOT granted") == "0" &&
           std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(PQsendQuery(other.get(), row_lock(results[0]).c_str()), 1);
    const PgResult updated(PQgetResult(other.get()));  // once the call's transaction is ended
    EXPECT_EQ(PQresultStatus(updated.get()), PGRES_COMMAND_OK) << PQerrorMessage(other.get());
    while (PgResult(PQgetResult(other.get()))) {
    }
    EXPECT_EQ(pg_value(other.get(), "COMMIT"), "ok");
    recorder.join();

    ASSERT_TRUE(recorded.has_value()) << recorded.error().to_string();
    ASSERT_EQ(recorded->size(), 2u);
    for (const auto& row : *recorded) {
        EXPECT_TRUE(row.duplicate);
        EXPECT_EQ(row.times_seen, 2u);  // the failed attempt left nothing
    }
    for (const auto& r : again) {
        EXPECT_TRUE(has_code(r.codes, service::k_code_duplicate));
        EXPECT_EQ(std::count(r.codes.begin(), r.codes.end(), service::k_code_duplicate), 1);
    }
    EXPECT_EQ((*store.find(results[0].sha256))->times_seen, 2u);
    EXPECT_EQ((*store.find(results[1].sha256))->times_seen, 2u);
    // PostgreSQL did find the deadlock (its statistics arrive within a second or so).
    const std::string deadlocks = "SELECT deadlocks FROM pg_stat_database WHERE datname = 'postgres'";
    const auto stats_until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (pg_value(other.get(), deadlocks) == "0" && std::chrono::steady_clock::now() < stats_until)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_NE(pg_value(other.get(), deadlocks), "0");
}

TEST(VerdictStore, SqliteBatchesInOppositeOrdersAtOnce) {
    test::TempDir dir;
    exercise_opposite_orders("sqlite:" + (dir / "verdicts.db").string());
}

TEST(VerdictStoreCli, BatchValidateRecordsEveryInputOnce) {
    ISTMO_SKIP_WITHOUT_CLI();
    test::TempDir dir;
    const std::string a = signed_invoice(300);
    std::filesystem::create_directories(dir / "in");
    test::write_file(dir / "in" / "a.xml", a);
    test::write_file(dir / "in" / "copy-of-a.xml", a);
    test::write_file(dir / "in" / "a-changed.xml", a + "<!-- resent -->\n");
    test::write_file(dir / "in" / "b.xml", signed_invoice(301));
    const std::string db = (dir / "v.db").string();
    const auto run = test::run_cli("batch validate --jobs 1 --trust " + test::shell_quote(test::pki("chain.pem")) +
                                   " --store " + test::shell_quote("sqlite:" + db) + " --out " +
                                   test::shell_quote(dir / "out.ndjson") + " --progress never " +
                                   test::shell_quote(dir / "in"));
    EXPECT_EQ(run.exit_code, 1) << run.output;  // the CUFE conflict fails its input
    const std::string out = test::read_file(dir / "out.ndjson");
    EXPECT_NE(out.find("BATCH-DUPLICATE"), std::string::npos) << out;
    EXPECT_NE(out.find("BATCH-CUFE-CONFLICT"), std::string::npos) << out;
    auto store = service::VerdictStore::open(db);
    ASSERT_TRUE(store.has_value());
    EXPECT_EQ(*(*store)->count(), 3u);  // a (and its copy), a-changed, b
    const auto bad = test::run_cli("batch validate --store " + test::shell_quote(std::string("mysql://x")) + " " +
                                   test::shell_quote(dir / "in"));
    EXPECT_EQ(bad.exit_code, 64) << bad.output;
}

// One run holds the same bytes twice, a CUFE conflict and an input that cannot be read: on one
// thread they reach the store together (a chunk per transaction, as many as the run hands over
// at once); each line says what the store found, in input order, and a second run finds every
// input recorded.
TEST(VerdictStoreCli, BatchValidateStoresChunks) {
    ISTMO_SKIP_WITHOUT_CLI();
    test::TempDir dir;
    const std::string a = signed_invoice(420);
    test::write_file(dir / "a.xml", a);
    test::write_file(dir / "copy-of-a.xml", a);
    test::write_file(dir / "a-changed.xml", a + "<!-- resent -->\n");
    test::write_file(dir / "b.xml", signed_invoice(421));
    const std::vector<std::string> names = {"a.xml", "copy-of-a.xml", "missing.xml", "a-changed.xml", "b.xml"};
    const std::string db = (dir / "v.db").string();
    std::string command = "batch validate --jobs 1 --progress never --trust " + test::shell_quote(test::pki("chain.pem")) +
                          " --store " + test::shell_quote("sqlite:" + db) + " --out ";
    std::string inputs;
    for (const auto& name : names) inputs += " " + test::shell_quote(dir / name);
    const auto run = test::run_cli(command + test::shell_quote(dir / "first.ndjson") + inputs);
    EXPECT_EQ(run.exit_code, 1) << run.output;  // the CUFE conflict and the missing file fail

    std::vector<batch::DocumentResult> lines;
    for (const auto& line : lines_of(dir / "first.ndjson")) {
        auto parsed = batch::parse_result_line(line);
        ASSERT_TRUE(parsed.has_value()) << line;
        lines.push_back(std::move(*parsed));
    }
    ASSERT_EQ(lines.size(), names.size());
    for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(lines[i].source, (dir / names[i]).string());
    EXPECT_EQ(lines[0].indication, Indication::total_passed);
    EXPECT_FALSE(has_code(lines[0].codes, service::k_code_duplicate));
    EXPECT_EQ(lines[1].indication, Indication::total_passed);
    EXPECT_TRUE(has_code(lines[1].codes, service::k_code_duplicate));
    EXPECT_TRUE(has_code(lines[2].codes, batch::k_code_not_found));
    EXPECT_EQ(lines[3].indication, Indication::total_failed);
    EXPECT_TRUE(has_code(lines[3].codes, service::k_code_cufe_conflict));
    EXPECT_EQ(lines[4].indication, Indication::total_passed);

    auto store = service::VerdictStore::open(db);
    ASSERT_TRUE(store.has_value());
    EXPECT_EQ(*(*store)->count(), 3u);
    const auto row_a = *(*store)->find(lines[0].sha256);
    const auto row_changed = *(*store)->find(lines[3].sha256);
    ASSERT_TRUE(row_a && row_changed);
    EXPECT_EQ(row_a->source, (dir / "a.xml").string());
    EXPECT_EQ(row_a->times_seen, 2u);
    EXPECT_EQ(row_changed->indication, Indication::total_failed);

    // Idempotent: the same inputs again add no row, and every recorded one is a duplicate.
    const auto again = test::run_cli(command + test::shell_quote(dir / "second.ndjson") + inputs);
    EXPECT_EQ(again.exit_code, 1) << again.output;  // the missing file
    const auto second = lines_of(dir / "second.ndjson");
    ASSERT_EQ(second.size(), names.size());
    for (const std::size_t i : {0u, 1u, 3u, 4u}) EXPECT_NE(second[i].find("BATCH-DUPLICATE"), std::string::npos) << second[i];
    EXPECT_EQ(*(*store)->count(), 3u);
    EXPECT_EQ((*(*store)->find(lines[0].sha256))->times_seen, 4u);
}

}  // namespace
