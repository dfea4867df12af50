// The fuzzing findings reported in ../shared/reference/fuzz-findings/ (README.md table: file,
// harness, what happens), run as found through the same calls as their harness. Skipped, and
// reported by ctest as "Not Run", when that folder is absent. Each finding also has a regression
// input of this repository in test-vectors/fuzz-regressions/ (made by
// scripts/make-fuzz-regressions.sh), which the attack suite runs everywhere.
#include <istmo/tsa/timestamp.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct SharedFinding {
    fs::path file;
    std::string harness;
    std::string what;
};

std::optional<fs::path> findings_dir() {
    const auto shared = istmo::test::shared_reference_dir();
    if (!shared || !fs::is_regular_file(*shared / "fuzz-findings" / "README.md")) return std::nullopt;
    return *shared / "fuzz-findings";
}

std::vector<SharedFinding> shared_findings(const fs::path& dir) {
    std::vector<SharedFinding> out;
    for (const auto& cells : istmo::test::vector_table_rows(istmo::test::read_file(dir / "README.md")))
        if (cells.size() >= 3) out.push_back({dir / cells[0], cells[1], cells[2]});
    return out;
}

// What tests/fuzz/fuzz_tsa_response.cpp does with the bytes: no expectations, then strict ones,
// with a 300 s clock skew around 2030-01-01. Returns the codes of the first run, after checking
// that neither run calls the token valid.
std::vector<std::string> run_like_fuzz_tsa_response(const std::string& bytes) {
    istmo::tsa::VerifyOptions options;
    EXPECT_TRUE(options.trust.add_file((istmo::test::vectors_dir() / "pki" / "ca.cert.pem").string()).has_value());
    options.max_clock_skew = std::chrono::seconds{300};
    options.now = std::chrono::system_clock::time_point{std::chrono::seconds{1893456000}};
    const std::span<const std::uint8_t> input(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());

    const istmo::tsa::TokenExpectations none;
    const auto plain = istmo::tsa::verify_response_or_token(input, none, options);
    EXPECT_FALSE(plain.valid()) << plain.summary();

    istmo::tsa::TokenExpectations strict;
    strict.data = istmo::tsa::Bytes{'i', 's', 't', 'm', 'o'};
    strict.nonce = istmo::tsa::Bytes{0x01, 0x02, 0x03};
    strict.policy = "1.2.3.4.1";
    strict.require_certificates = true;
    const auto checked = istmo::tsa::verify_response_or_token(input, strict, options);
    EXPECT_FALSE(checked.valid()) << checked.summary();
    std::vector<std::string> codes;
    for (const auto& f : plain.findings) codes.push_back(f.code);
    return codes;
}

// Every finding of the shared folder: its harness is one this test knows, and its input now gives
// typed findings (under the sanitizers: without any report, which would abort the test).
TEST(FuzzRegressionShared, EveryReportedFindingRunsCleanThroughItsHarnessCalls) {
    const auto dir = findings_dir();
    if (!dir) GTEST_SKIP() << "../shared/reference/fuzz-findings is absent: the shared fuzz findings did not run";
    const auto findings = shared_findings(*dir);
    ASSERT_FALSE(findings.empty()) << "no rows in " << (*dir / "README.md");
    for (const auto& f : findings) {
        SCOPED_TRACE(f.file.filename().string());
        ASSERT_TRUE(fs::is_regular_file(f.file)) << f.file;
        const std::string bytes = istmo::test::read_file(f.file);
        ASSERT_FALSE(bytes.empty());
        if (f.harness.find("fuzz_tsa_response") != std::string::npos) {
            const auto codes = run_like_fuzz_tsa_response(bytes);
            EXPECT_FALSE(codes.empty());
        } else {
            ADD_FAILURE() << "harness " << f.harness << " has no runner in this test yet: add one";
        }
    }
}

// The finding of issue 20: genTime saturates to the earliest time point; the clock-skew check
// reports it instead of overflowing.
TEST(FuzzRegressionShared, TsaGenTimeOverflowIsAClockSkewFinding) {
    const auto dir = findings_dir();
    if (!dir || !fs::is_regular_file(*dir / "tsa_response-genTime-overflow.der"))
        GTEST_SKIP() << "../shared/reference/fuzz-findings/tsa_response-genTime-overflow.der is absent: did not run";
    const auto codes = run_like_fuzz_tsa_response(istmo::test::read_file(*dir / "tsa_response-genTime-overflow.der"));
    EXPECT_NE(std::find(codes.begin(), codes.end(), "TSA-GENTIME-SKEW"), codes.end());
}

}  // namespace
