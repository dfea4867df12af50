// The `istmo invoice` subcommands, run as a process.
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>

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
    // The hyphenated AV/PI forms of the DGI pattern give the compact forms' check digits.
    for (const auto& [hyphenated, compact] : {std::pair{"8-AV-1-196", "8AV-1-196"}, std::pair{"8-PI-1-80", "8PI-1-80"}}) {
        auto h = test::run_command(cli() + " invoice ruc-dv " + hyphenated);
        auto c = test::run_command(cli() + " invoice ruc-dv " + compact);
        EXPECT_EQ(h.exit_code, 0) << hyphenated << ": " << h.output;
        EXPECT_EQ(c.exit_code, 0) << compact << ": " << c.output;
        EXPECT_EQ(h.output, c.output) << hyphenated;
    }
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

TEST(InvoiceCli, ValidateAtTimeReportsTheContingencyDeadline) {
    REQUIRE_CLI();
    const auto pki = test::vectors_dir() / "pki";
    const auto file = test::vectors_dir() / "panama-fe" / "valid" / "08-zona-franca-contingencia.xml";
    const std::string base = cli() + " invoice validate --json --trust " + (pki / "chain.pem").string() + " ";
    // dFechaCont 2026-11-20T09:00:00-05:00: 96 hours later is past the 72-hour window (a warning).
    auto late = test::run_command(base + "--at 2026-11-24T14:00:00Z " + file.string());
    EXPECT_EQ(late.exit_code, 0) << late.output;
    EXPECT_NE(late.output.find("\"indication\":\"TOTAL_PASSED\""), std::string::npos) << late.output;
    EXPECT_NE(late.output.find("\"code\":\"FE-CONT-72H-AT\",\"severity\":\"warning\""), std::string::npos) << late.output;
    auto in_time = test::run_command(base + "--at 2026-11-21T14:00:00Z " + file.string());
    EXPECT_EQ(in_time.exit_code, 0) << in_time.output;
    EXPECT_EQ(in_time.output.find("FE-CONT-72H"), std::string::npos) << in_time.output;
    // Without --at nothing is compared with the clock.
    auto now = test::run_command(base + file.string());
    EXPECT_EQ(now.exit_code, 0) << now.output;
    EXPECT_EQ(now.output.find("FE-CONT-72H"), std::string::npos) << now.output;
}

}  // namespace

namespace {

// --legacy on `invoice validate` and `batch validate`: SHA-1 is INDETERMINATE (exit 2) without
// it and passes with a warning with it; a wrapped rFE is found and said where it came from.
TEST(InvoiceCli, LegacySwitchAndWrappedInvoices) {
    REQUIRE_CLI();
    const auto vec = test::vectors_dir();
    const std::string trust = " --trust " + (vec / "pki" / "chain.pem").string();
    const std::string sha1 = " " + (vec / "panama-fe" / "extra" / "legacy" / "01-factura-sha1.xml").string();
    auto strict = test::run_command(cli() + " invoice validate" + trust + sha1);
    EXPECT_EQ(strict.exit_code, 2) << strict.output;
    EXPECT_NE(strict.output.find("FE-SIG-LEGACY-REFUSED"), std::string::npos) << strict.output;
    auto legacy = test::run_command(cli() + " invoice validate --legacy" + trust + sha1);
    EXPECT_EQ(legacy.exit_code, 0) << legacy.output;
    EXPECT_NE(legacy.output.find("FE-SIG-LEGACY"), std::string::npos) << legacy.output;
    auto batch_strict = test::run_command(cli() + " batch validate --progress never" + trust + sha1);
    EXPECT_EQ(batch_strict.exit_code, 2) << batch_strict.output;
    auto batch_legacy = test::run_command(cli() + " batch validate --progress never --legacy" + trust + sha1);
    EXPECT_EQ(batch_legacy.exit_code, 0) << batch_legacy.output;
    EXPECT_NE(batch_legacy.output.find("\"indication\":\"TOTAL_PASSED\""), std::string::npos) << batch_legacy.output;
    const std::string wrapped = " " + (vec / "panama-fe" / "extra" / "wrapped" / "01-factura-rContFe.xml").string();
    auto in_container = test::run_command(cli() + " invoice validate" + trust + wrapped);
    EXPECT_EQ(in_container.exit_code, 0) << in_container.output;
    EXPECT_NE(in_container.output.find("rContFe"), std::string::npos) << in_container.output;
    auto batch_container = test::run_command(cli() + " batch validate --progress never" + trust + wrapped);
    EXPECT_EQ(batch_container.exit_code, 0) << batch_container.output;
}

}  // namespace
