// The `istmo invoice` subcommands, run as a process.
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace {

using namespace istmo;

std::string cli() {
    const std::string path = ISTMO_CLI_PATH;
    return path;
}

#define REQUIRE_CLI()                                                                              \
    do {                                                                                           \
        if (cli().empty() || !std::filesystem::exists(cli()))                                      \
            GTEST_SKIP() << "the istmo CLI is not built: the invoice CLI test did not run";        \
    } while (0)

TEST(InvoiceCli, RucDvAndCufe) {
    REQUIRE_CLI();
    auto dv = test::run_command(cli() + " invoice ruc-dv 155596713-2-2015");
    EXPECT_EQ(dv.exit_code, 0) << dv.output;
    EXPECT_EQ(dv.output, "59\n");
    auto bad = test::run_command(cli() + " invoice ruc-dv X-1");
    EXPECT_EQ(bad.exit_code, 64) << bad.output;
    const auto vec = test::vectors_dir() / "panama-fe";
    auto c = test::run_command(cli() + " invoice cufe " + (vec / "valid" / "01-factura.xml").string());
    EXPECT_EQ(c.exit_code, 0) << c.output;
    EXPECT_EQ(c.output, "FE0120000155596713-2-2015-5900002026112000000000010010121234567899\n");
}

TEST(InvoiceCli, NewSignValidate) {
    REQUIRE_CLI();
    test::TempDir dir;
    const auto vec = test::vectors_dir() / "panama-fe";
    const auto pki = test::vectors_dir() / "pki";
    auto made = test::run_command(cli() + " invoice new --from " + (vec / "json" / "01-factura.json").string() + " -o " +
                                  (dir / "u.xml").string());
    ASSERT_EQ(made.exit_code, 0) << made.output;
    auto signed_ = test::run_command("ISTMO_TEST_QR=s3cret " + cli() + " invoice sign --key " + (pki / "rsa2048.key.pem").string() +
                                     " --cert " + (pki / "rsa2048.cert.pem").string() + " --qr-secret-env ISTMO_TEST_QR -o " +
                                     (dir / "s.xml").string() + " " + (dir / "u.xml").string());
    ASSERT_EQ(signed_.exit_code, 0) << signed_.output;
    auto ok = test::run_command(cli() + " invoice validate --json --trust " + (pki / "chain.pem").string() + " " + (dir / "s.xml").string());
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_NE(ok.output.find("\"indication\":\"TOTAL_PASSED\""), std::string::npos) << ok.output;
    auto untrusted = test::run_command(cli() + " invoice validate " + (dir / "s.xml").string());
    EXPECT_EQ(untrusted.exit_code, 2) << untrusted.output;
    auto bad = test::run_command(cli() + " invoice validate --trust " + (pki / "chain.pem").string() + " " +
                                 (vec / "invalid" / "x57-dvtot.xml").string());
    EXPECT_EQ(bad.exit_code, 1) << bad.output;
    EXPECT_NE(bad.output.find("FE-CALC-VTOT"), std::string::npos) << bad.output;
}

}  // namespace
