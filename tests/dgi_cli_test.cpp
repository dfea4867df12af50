// istmo dgi (examples/cli/dgi_command.cpp) against the loopback DGI simulator: exit codes,
// human and JSON output, the protocol and container files, usage errors.
#include "dgi_simulator.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <string>

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
    EXPECT_NE(sent.output.find("protocol: 2026"), std::string::npos) << sent.output;
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
