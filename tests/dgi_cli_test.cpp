// istmo dgi (examples/cli/dgi_command.cpp) against the loopback DGI simulator: exit codes,
// human and JSON output, the protocol and container files, usage errors.
#include "dgi_simulator.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace {

using namespace istmo;
using Fault = test::DgiSimulator::Fault;

std::string invoice_path() { return test::shell_quote(test::vectors_dir() / "panama-fe" / "valid" / "01-factura.xml"); }

std::string cufe() {
    return std::string(invoice::panama::parse(test::read_file(test::vectors_dir() / "panama-fe" / "valid" / "01-factura.xml"))->get("dId"));
}

TEST(DgiCli, SendQueryAndRuc) {
    ISTMO_SKIP_WITHOUT_CLI();
    test::DgiSimulator sim;
    test::TempDir dir;
    const std::string conn = " --env test --endpoint " + test::shell_quote(sim.base_url()) + " --lang en ";
    auto sent = test::run_cli("dgi send" + conn + "-o " + test::shell_quote(dir / "prot.xml") + " " + invoice_path());
    EXPECT_EQ(sent.exit_code, 0) << sent.output;
    EXPECT_NE(sent.output.find("AUTHORISED"), std::string::npos) << sent.output;
    EXPECT_NE(sent.output.find("protocol: 20"), std::string::npos) << sent.output;
    EXPECT_NE(test::read_file(dir / "prot.xml").find("<rProtFe"), std::string::npos);

    auto query = test::run_cli("dgi query" + conn + "--json -o " + test::shell_quote(dir / "cont.xml") + " " + cufe());
    EXPECT_EQ(query.exit_code, 0) << query.output;
    EXPECT_NE(query.output.find("\"outcome\":\"found\""), std::string::npos) << query.output;
    EXPECT_NE(test::read_file(dir / "cont.xml").find("<rContFe"), std::string::npos);

    auto ruc = test::run_cli("dgi ruc --lang es --env test --endpoint " + test::shell_quote(sim.base_url()) + " 155704849-2-2021");
    EXPECT_EQ(ruc.exit_code, 0) << ruc.output;
    EXPECT_NE(ruc.output.find("ENCONTRADO"), std::string::npos) << ruc.output;
    EXPECT_NE(ruc.output.find("DV: 32"), std::string::npos) << ruc.output;
}

TEST(DgiCli, RejectionDuplicateAndUnreachable) {
    ISTMO_SKIP_WITHOUT_CLI();
    test::DgiSimulator sim;
    const std::string conn = " --env test --endpoint " + test::shell_quote(sim.base_url()) + " --lang es ";
    sim.script({Fault::reject});
    auto rejected = test::run_cli("dgi send" + conn + invoice_path());
    EXPECT_EQ(rejected.exit_code, 1) << rejected.output;
    EXPECT_NE(rejected.output.find("1602"), std::string::npos) << rejected.output;
    EXPECT_NE(rejected.output.find("RECHAZADO"), std::string::npos) << rejected.output;

    test::TempDir dir;
    test::write_file(dir / "ev.xml", "<rEvManifRecep xmlns=\"http://dgi-fep.mef.gob.pa\"><dVerForm>1.00</dVerForm></rEvManifRecep>");
    EXPECT_EQ(test::run_cli("dgi event" + conn + test::shell_quote(dir / "ev.xml")).exit_code, 0);
    auto again = test::run_cli("dgi event" + conn + test::shell_quote(dir / "ev.xml"));
    EXPECT_EQ(again.exit_code, 3) << again.output;

    sim.script({Fault::malformed});
    EXPECT_EQ(test::run_cli("dgi batch-result" + conn + "12").exit_code, 65);

    int port = 0;
    { test::DgiSimulator gone; port = std::stoi(gone.base_url().substr(gone.base_url().rfind(':') + 1)); }
    auto down = test::run_cli("dgi ruc --env test --timeout 5 --endpoint http://127.0.0.1:" + std::to_string(port) + " 155704849-2-2021");
    EXPECT_EQ(down.exit_code, 69) << down.output;
}

// manifest and annul: built from flags or JSON, signed, sent; container: built from what send -o
// wrote and checked.
TEST(DgiCli, EventsAndContainer) {
    ISTMO_SKIP_WITHOUT_CLI();
    test::DgiSimulator sim;
    test::TempDir dir;
    const std::string key = " --key " + test::shell_quote(test::pki("rsa2048.key.pem")) + " --cert " +
                            test::shell_quote(test::pki("rsa2048.cert.pem"));
    const std::string conn = " --env test --endpoint " + test::shell_quote(sim.base_url()) + " --lang en ";
    auto sent = test::run_cli("dgi send" + conn + "-o " + test::shell_quote(dir / "prot.xml") + " " + invoice_path());
    ASSERT_EQ(sent.exit_code, 0) << sent.output;
    const auto at = sent.output.find("protocol: ");
    ASSERT_NE(at, std::string::npos);
    const std::string protocol = sent.output.substr(at + 10, 20);

    auto manif = test::run_cli("dgi manifest" + conn + key + " --protocol " + protocol +
                               " --receiver-ruc 155704849-2-2021 --code 1002 --motive " +
                               test::shell_quote(std::string("Operación confirmada")) + " --send -o " +
                               test::shell_quote(dir / "manif.xml"));
    EXPECT_EQ(manif.exit_code, 0) << manif.output;
    EXPECT_NE(manif.output.find("REGISTERED"), std::string::npos) << manif.output;
    EXPECT_NE(test::read_file(dir / "manif.xml").find("<dManifRecep>1002</dManifRecep>"), std::string::npos);
    // The same event again: a duplicate (exit 3).
    auto again = test::run_cli("dgi event" + conn + test::shell_quote(dir / "manif.xml"));
    EXPECT_EQ(again.exit_code, 3) << again.output;

    test::write_file(dir / "annul.json", "{\"iAmb\": 2, \"dCufe\": \"" + cufe() +
                                             "\", \"gRucEm\": {\"dTipContEm\": 2, \"dRucEm\": \"155596713-2-2015\", \"dDvEm\": \"59\"},"
                                             " \"dMotivoAn\": \"Factura emitida por error\"}");
    auto annul = test::run_cli("dgi annul --lang en --from " + test::shell_quote(dir / "annul.json") + key + " -o " +
                               test::shell_quote(dir / "annul.xml"));
    EXPECT_EQ(annul.exit_code, 0) << annul.output;
    EXPECT_NE(test::read_file(dir / "annul.xml").find("rEvAnulaFe"), std::string::npos);
    auto bad_code = test::run_cli("dgi manifest" + conn + key + " --protocol " + protocol + " --receiver-ruc 155704849-2-2021 --code 1009");
    EXPECT_EQ(bad_code.exit_code, 64) << bad_code.output;
    auto short_motive = test::run_cli("dgi manifest" + conn + key + " --protocol " + protocol +
                                      " --receiver-ruc 155704849-2-2021 --code 1001 --motive corto");
    EXPECT_EQ(short_motive.exit_code, 64) << short_motive.output;

    auto container = test::run_cli("dgi container --lang en --event " + test::shell_quote(dir / "manif.xml") + " --event " +
                                   test::shell_quote(dir / "annul.xml") + " -o " + test::shell_quote(dir / "cont.xml") + " " +
                                   invoice_path() + " " + test::shell_quote(dir / "prot.xml"));
    EXPECT_EQ(container.exit_code, 0) << container.output;
    auto check = test::run_cli("dgi container --check --json " + test::shell_quote(dir / "cont.xml"));
    EXPECT_EQ(check.exit_code, 0) << check.output;
    EXPECT_NE(check.output.find("\"passed\":true"), std::string::npos) << check.output;
    // A container whose protocol is for another invoice is refused.
    std::string other = test::read_file(dir / "cont.xml");
    const auto p = other.find(protocol, other.find("<xProtFe>"));
    ASSERT_NE(p, std::string::npos);
    other.replace(p, 20, "20269999999999999999");
    test::write_file(dir / "other.xml", other);
    EXPECT_EQ(test::run_cli("dgi container --check " + test::shell_quote(dir / "other.xml")).exit_code, 1);
}

TEST(DgiCli, UsageErrors) {
    ISTMO_SKIP_WITHOUT_CLI();
    // The environment is never assumed.
    auto no_env = test::run_cli("dgi query --lang en FE0120000155704849-2-2021-3200001120260101000000000100100123456789");
    EXPECT_EQ(no_env.exit_code, 64) << no_env.output;
    EXPECT_NE(no_env.output.find("--env"), std::string::npos);
    EXPECT_EQ(test::run_cli("dgi query --env test FE123").exit_code, 64);
    EXPECT_EQ(test::run_cli("dgi send --env test --soap 2.0 x.xml").exit_code, 64);
    EXPECT_EQ(test::run_cli("dgi nothing").exit_code, 64);
    auto help = test::run_cli("--lang es dgi send --help");
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.output.find("ambiente"), std::string::npos);
}

}  // namespace

namespace {

std::string valid(const std::string& name) { return test::shell_quote(test::vectors_dir() / "panama-fe" / "valid" / name); }

std::size_t files_in(const std::filesystem::path& dir, const std::string& suffix) {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        n += name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    }
    return n;
}

// The contingency journal under SIGKILL at every durable step of a run over three invoices:
// after a restart every invoice is authorised exactly once and none is lost.
TEST(DgiCli, PendingJournalSurvivesKillAtEveryStep) {
    ISTMO_SKIP_WITHOUT_CLI();
    const std::vector<std::string> names = {"01-factura.xml", "08-zona-franca-contingencia.xml", "02-importacion.xml"};
    std::vector<std::string> cufes;
    for (const auto& n : names)
        cufes.emplace_back(invoice::panama::parse(test::read_file(test::vectors_dir() / "panama-fe" / "valid" / n))->get("dId"));
    int killed = 0;
    for (int crash_at = 1; crash_at <= 19; ++crash_at) {
        test::DgiSimulator sim;
        test::TempDir dir;
        const std::string journal = test::shell_quote(dir / "journal");
        const std::string conn = " --env test --endpoint " + test::shell_quote(sim.base_url()) + " --lang en ";
        auto queued = test::run_cli("dgi send --queue-only --pending " + journal + " " + valid(names[0]) + " " + valid(names[1]) +
                                    " " + valid(names[2]));
        ASSERT_EQ(queued.exit_code, 0) << queued.output;
        auto crashed = test::run_command("env ISTMO_DGI_CRASH_AT=" + std::to_string(crash_at) + " " +
                                         test::shell_quote(test::cli_path()) + " dgi send" + conn + "--pending " + journal);
        // Killed by SIGKILL: the shell reports 128 + 9. 19 is past the last step of three entries
        // (6 each): that run ends normally.
        if (crashed.exit_code == 137) ++killed;
        else EXPECT_EQ(crashed.exit_code, 0) << "crash at " << crash_at << "\n" << crashed.output;
        auto resumed = test::run_cli("dgi send" + conn + "--pending " + journal);
        EXPECT_EQ(resumed.exit_code, 0) << "crash at " << crash_at << "\n" << crashed.output << resumed.output;
        for (const auto& c : cufes) EXPECT_EQ(sim.authorisations(c), 1) << "crash at " << crash_at << " " << c;
        EXPECT_EQ(files_in(dir / "journal" / "done", ".xml"), 3u) << "crash at " << crash_at;
        EXPECT_EQ(files_in(dir / "journal", ".xml"), 0u) << "crash at " << crash_at;
        EXPECT_EQ(sim.requests("feRecepFE"), 3) << "crash at " << crash_at;  // never sent twice
    }
    EXPECT_EQ(killed, 18);
}

TEST(DgiCli, PendingJournalWaitsWhileTheDgiIsUnreachable) {
    ISTMO_SKIP_WITHOUT_CLI();
    test::TempDir dir;
    int port = 0;
    { test::DgiSimulator gone; port = std::stoi(gone.base_url().substr(gone.base_url().rfind(':') + 1)); }
    const std::string journal = test::shell_quote(dir / "journal");
    auto offline = test::run_cli("dgi send --env test --timeout 5 --resends 0 --endpoint http://127.0.0.1:" + std::to_string(port) +
                                 " --pending " + journal + " " + valid("08-zona-franca-contingencia.xml"));
    EXPECT_EQ(offline.exit_code, 69) << offline.output;
    EXPECT_EQ(files_in(dir / "journal", ".xml"), 1u);
    // The same invoice is not queued twice.
    EXPECT_NE(test::run_cli("dgi send --queue-only --pending " + journal + " " + valid("08-zona-franca-contingencia.xml")).exit_code, 0);
    test::DgiSimulator sim;
    auto online = test::run_cli("dgi send --lang en --env test --endpoint " + test::shell_quote(sim.base_url()) + " --pending " + journal);
    EXPECT_EQ(online.exit_code, 0) << online.output;
    EXPECT_NE(online.output.find("72-hour"), std::string::npos) << online.output;  // emitted in Nov 2026
    EXPECT_EQ(files_in(dir / "journal" / "done", ".xml"), 1u);
}

}  // namespace
