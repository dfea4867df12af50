// The data-driven attack suite (issue 8): every file of test-vectors/attacks/ listed in its
// README.md table must be rejected with its own finding code, never TOTAL_PASSED, within a time
// and memory budget (checked in a forked child), and - through the CLI - without opening any
// file it was not given and without any network connection (strace, and an empty network
// namespace when unshare is permitted).
#include <istmo/invoice/panama.hpp>
#include <istmo/tsa/timestamp.hpp>
#include <istmo/xades/xades.hpp>

#include "fuzz/pkcs11_pin_echo.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace istmo::test {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif
#else
constexpr bool sanitized = false;
#endif

// The issue's budget: under a second (of CPU) and under 100 MB (growth of the peak RSS) per case.
// Sanitizer builds (Debug, ASan shadow memory and quarantine) get ten times the time and no
// memory bound.
constexpr long time_budget_ms = sanitized ? 10'000 : 1'000;
constexpr long memory_budget_kb = 100 * 1024;

struct AttackCase {
    std::string dir;       // test-vectors/attacks or test-vectors/fuzz-regressions
    std::string file;
    std::string check;     // verify | invoice | invoice-json | tsa | tsa-nonce | tsa-skew | pkcs11-uri
    std::string expected;  // a finding code
    std::string what;
};

std::filesystem::path attacks_dir() { return vectors_dir() / "attacks"; }

std::vector<AttackCase> read_table(const std::filesystem::path& dir) {
    std::vector<AttackCase> cases;
    for (const auto& cells : vector_table_rows(read_file(dir / "README.md")))
        if (cells.size() >= 4) cases.push_back({dir.string(), cells[0], cells[1], cells[2], cells[3]});
    return cases;
}

// The bytes of a vector; *.gz files are decompressed (gzip -dc).
std::string input_of(const AttackCase& c) {
    const auto path = std::filesystem::path(c.dir) / c.file;
    if (path.extension() != ".gz") return read_file(path);
    CommandResult r = run_command("gzip -dc '" + path.string() + "' 2>/dev/null");
    EXPECT_EQ(r.exit_code, 0) << "gzip -dc " << path;
    return r.output;
}

std::string plain_name(const AttackCase& c) {
    std::string name = c.file;
    if (name.size() > 3 && name.substr(name.size() - 3) == ".gz") name.resize(name.size() - 3);
    return name;
}

// What one check found: the indication (or "valid"/"invalid" for time-stamps) and the codes.
struct Outcome {
    bool passed = false;
    std::set<std::string> codes;
};

Outcome run_check(const AttackCase& c, const std::string& bytes) {
    Outcome out;
    const auto pki = vectors_dir() / "pki";
    const auto at = std::chrono::system_clock::time_point{std::chrono::seconds{1893456000}};  // 2030-01-01
    if (c.check == "verify") {
        xades::VerifyOptions options;
        if (!options.dsig.trust.add_file((pki / "ca.cert.pem").string())) return out;
        options.dsig.validation_time = at;
        auto report = xades::Verifier(std::move(options)).verify(bytes);
        if (!report) {
            out.codes.insert("ERROR:" + report.error().message);
            return out;
        }
        out.passed = report->passed();
        for (const auto& f : report->findings) out.codes.insert(f.code);
    } else if (c.check == "invoice") {
        invoice::panama::ValidateOptions options;
        if (!options.verify.trust.add_file((pki / "chain.pem").string())) return out;
        options.verify.validation_time = at;
        auto report = invoice::panama::validate(bytes, options);
        if (!report) {
            out.codes.insert("ERROR:" + report.error().message);
            return out;
        }
        out.passed = report->passed();
        for (const auto& f : report->findings) out.codes.insert(f.code);
        if (report->signature)
            for (const auto& f : report->signature->findings) out.codes.insert(f.code);
    } else if (c.check == "invoice-json") {
        auto model = invoice::panama::from_json(bytes);
        if (!model) {
            out.codes.insert("JSON-REFUSED");
            return out;
        }
        const auto report = invoice::panama::validate(*model);
        out.passed = report.passed();
        for (const auto& f : report.findings) out.codes.insert(f.code);
    } else if (c.check == "tsa" || c.check == "tsa-nonce" || c.check == "tsa-skew") {
        tsa::VerifyOptions options;
        if (!options.trust.add_file((pki / "ca.cert.pem").string())) return out;
        if (c.check == "tsa-skew") {  // as fuzz_tsa_response: genTime within 300 s of 2030-01-01
            options.max_clock_skew = std::chrono::seconds{300};
            options.now = at;
        }
        tsa::TokenExpectations expect;
        const std::string data = read_file(attacks_dir() / "tsa-data.txt");
        expect.data = tsa::Bytes(data.begin(), data.end());
        if (c.check == "tsa-nonce") expect.nonce = tsa::Bytes{0x01, 0x02, 0x03, 0x04, 0x05};
        const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
        auto v = tsa::verify_response_or_token(std::span<const std::uint8_t>(p, bytes.size()), expect, options);
        out.passed = v.valid();
        for (const auto& f : v.findings) out.codes.insert(f.code);
    } else if (c.check == "pkcs11-uri") {
        // A key URI from a configuration file: refused with a message that neither repeats the
        // PIN's query attribute nor carries the URI's control bytes.
        auto uri = crypto::pkcs11::parse_uri(bytes);
        out.passed = uri.has_value();
        if (!uri) {
            const std::string message = uri.error().to_string();
            out.codes.insert("PKCS11-URI-REFUSED");
            if (std::any_of(message.begin(), message.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; }))
                out.codes.insert("MESSAGE-HAS-CONTROL-BYTES");
            if (fuzz::refusal_repeats_pin(bytes)) out.codes.insert("MESSAGE-REPEATS-PIN");
        }
    } else {
        out.codes.insert("UNKNOWN-CHECK:" + c.check);
    }
    return out;
}

std::string joined(const std::set<std::string>& codes) {
    std::string s;
    for (const auto& c : codes) s += (s.empty() ? "" : " ") + c;
    return s;
}

// Paths of every open/openat attempt in an strace log (successful or not).
std::vector<std::string> opened_paths(const std::string& log) {
    static const std::regex opened(R"re(open(?:at)?\((?:AT_FDCWD|\d+), "([^"]*)")re");
    std::vector<std::string> paths;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), opened); it != std::sregex_iterator(); ++it)
        paths.push_back((*it)[1]);
    return paths;
}

// The checker itself: strace sees a file open and an inet connect attempt of a control command.
TEST(AttackSuiteTable, StraceCheckSeesOpensAndConnects) {
    if (!have_tool("strace") || !have_tool(python3())) GTEST_SKIP() << "strace or python3 not installed";
    if (run_command("strace -f -e trace=openat -o /dev/null true").exit_code != 0) GTEST_SKIP() << "strace not permitted";
    TempDir dir;
    const auto trace = dir / "strace.log";
    run_command("strace -f -qq -e trace=open,openat,connect -o '" + trace.string() +
                "' " + python3() + " -c \"import socket; open('/etc/hostname'); s=socket.socket(); s.settimeout(0.2); s.connect_ex(('127.0.0.1', 9))\"");
    const std::string log = read_file(trace);
    const auto paths = opened_paths(log);
    EXPECT_NE(std::find(paths.begin(), paths.end(), "/etc/hostname"), paths.end()) << log;
    EXPECT_NE(log.find("connect("), std::string::npos);
    EXPECT_NE(log.find("AF_INET"), std::string::npos);
}

void PrintTo(const AttackCase& c, std::ostream* os) { *os << c.file << " (" << c.check << ", " << c.expected << ")"; }

class AttackSuite : public ::testing::TestWithParam<AttackCase> {};

TEST(AttackSuiteTable, ListsEveryFileOnce) {
    const auto cases = read_table(attacks_dir());
    ASSERT_GE(cases.size(), 40u) << "test-vectors/attacks/README.md has too few rows";
    std::set<std::string> listed;
    for (const auto& c : cases) EXPECT_TRUE(listed.insert(c.file).second) << "listed twice: " << c.file;
    for (const auto& entry : std::filesystem::directory_iterator(attacks_dir())) {
        const std::string name = entry.path().filename().string();
        if (name == "README.md" || name == "tsa-data.txt") continue;
        EXPECT_TRUE(listed.count(name)) << name << " has no README row";
    }
    for (const auto& name : listed) EXPECT_TRUE(std::filesystem::exists(attacks_dir() / name)) << name;
}

// In a forked child: the check, its wall time and the growth of the peak RSS.
TEST_P(AttackSuite, RejectedWithItsCodeWithinBudget) {
    const AttackCase& c = GetParam();
    const std::string bytes = input_of(c);
    ASSERT_FALSE(bytes.empty()) << c.file;

    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        close(fds[0]);
        rusage before{};
        getrusage(RUSAGE_SELF, &before);
        const auto start = std::chrono::steady_clock::now();
        Outcome outcome = run_check(c, bytes);
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
        rusage after{};
        getrusage(RUSAGE_SELF, &after);
        auto cpu_us = [](const rusage& u) {
            return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1'000'000L + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
        };
        std::ostringstream msg;
        msg << (outcome.passed ? "PASSED" : "REJECTED") << '\n' << ms << '\n' << (cpu_us(after) - cpu_us(before)) / 1000 << '\n'
            << (after.ru_maxrss - before.ru_maxrss) << '\n' << joined(outcome.codes) << '\n';
        const std::string text = msg.str();
        std::size_t written = 0;
        while (written < text.size()) {
            ssize_t n = write(fds[1], text.data() + written, text.size() - written);
            if (n <= 0) break;
            written += static_cast<std::size_t>(n);
        }
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    std::string text;
    char buffer[4096];
    for (;;) {
        ssize_t n = read(fds[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << c.file << ": the check crashed (status " << status << ")";

    std::istringstream lines(text);
    std::string verdict, ms_text, cpu_text, rss_text, codes;
    std::getline(lines, verdict);
    std::getline(lines, ms_text);
    std::getline(lines, cpu_text);
    std::getline(lines, rss_text);
    std::getline(lines, codes);
    ASSERT_FALSE(ms_text.empty()) << c.file << ": no result from the child";
    const long ms = std::stol(ms_text);
    const long cpu_ms = std::stol(cpu_text);
    const long rss_kb = std::stol(rss_text);

    EXPECT_EQ(verdict, "REJECTED") << c.file << " (" << c.what << ") was accepted";
    EXPECT_NE((" " + codes + " ").find(" " + c.expected + " "), std::string::npos)
        << c.file << ": expected " << c.expected << ", got: " << codes;
    EXPECT_EQ(codes.find("MESSAGE-"), std::string::npos) << c.file << ": the refusal's message is unsafe: " << codes;
    // The budget is CPU time (user + system): on a shared, loaded machine wall time measures the
    // neighbours. Wall time still catches a hang or a sleep (generous factor).
    EXPECT_LE(cpu_ms, time_budget_ms) << c.file << " used " << cpu_ms << " ms of CPU";
    EXPECT_LE(ms, 5 * time_budget_ms) << c.file << " took " << ms << " ms of wall time";
    if (!sanitized) {
        EXPECT_LE(rss_kb, memory_budget_kb) << c.file << " grew the peak RSS by " << rss_kb << " kB";
    }
    RecordProperty("ms", static_cast<int>(ms));
    RecordProperty("cpu_ms", static_cast<int>(cpu_ms));
    RecordProperty("rss_growth_kb", static_cast<int>(rss_kb));
}

// The CLI on the same file under strace (file opens and connects) and, when permitted, in an
// empty network namespace. It must not exit 0, must open no file besides its inputs, the trust
// anchors and the runtime's own files, and must attempt no inet/inet6 connection.
// The CLI runs the same files, except those of checks it cannot express (an expected nonce; a
// key URI holding NUL bytes): those are checked in-process only, and are not listed here.
class AttackSuiteCli : public AttackSuite {};

std::vector<AttackCase> cli_cases(std::vector<AttackCase> cases) {
    std::erase_if(cases, [](const AttackCase& c) { return c.check == "tsa-nonce" || c.check == "pkcs11-uri"; });
    return cases;
}

TEST_P(AttackSuiteCli, CliOpensNoOtherFileAndNoSocket) {
    const AttackCase& c = GetParam();
    const std::string cli = ISTMO_CLI_PATH;
    if (cli.empty()) GTEST_SKIP() << "the istmo CLI is not built: CLI check did not run";
    if (!have_tool("strace")) GTEST_SKIP() << "strace not installed: file/network check did not run";
    if (run_command("strace -f -e trace=openat -o /dev/null true").exit_code != 0)
        GTEST_SKIP() << "strace is not permitted here (ptrace): file/network check did not run";

    TempDir dir;
    const auto input = dir / plain_name(c);
    write_file(input, input_of(c));
    const auto pki = vectors_dir() / "pki";
    std::string args;
    if (c.check == "invoice-json")
        args = "invoice new --from '" + input.string() + "' -o '" + (dir / "out.xml").string() + "'";
    else if (c.check == "verify")
        args = "verify --trust '" + (pki / "ca.cert.pem").string() + "' --at 2030-01-01T00:00:00Z --json '" + input.string() + "'";
    else if (c.check == "invoice")
        args = "invoice validate --trust '" + (pki / "chain.pem").string() + "' --at 2030-01-01T00:00:00Z --json '" +
               input.string() + "'";
    else
        args = "timestamp verify --data '" + (attacks_dir() / "tsa-data.txt").string() + "' --trust '" +
               (pki / "ca.cert.pem").string() + "' --json '" + input.string() + "'";

    static const bool can_unshare = run_command("unshare -rn true").exit_code == 0;
    const auto trace = dir / "strace.log";
    // LeakSanitizer cannot run under ptrace: off for this run (the in-process check has it).
    const std::string command = std::string("ASAN_OPTIONS=detect_leaks=0 ") + (can_unshare ? "unshare -rn " : "") + "strace -f -qq -e trace=open,openat,connect -o '" +
                                trace.string() + "' '" + cli + "' " + args + " > /dev/null 2>&1";
    CommandResult r = run_command(command);
    // `invoice new` writes the model as XML even when validation findings exist: no exit check.
    if (c.check != "invoice-json") {
        EXPECT_NE(r.exit_code, 0) << c.file << ": the CLI accepted it";
    }

    const std::string log = read_file(trace);
    ASSERT_FALSE(log.empty()) << "no strace output";
    const std::vector<std::string> allowed_prefixes = {
        "/lib", "/usr/lib", "/etc/ld.so", "/proc/", "/sys/", "/dev/", "/etc/ssl/", "/usr/share/zoneinfo", "/etc/localtime",
        "/usr/share/locale", "/etc/locale", "/etc/gnutls/", "/usr/local/lib",
        input.string(), (dir / "out.xml").string(), (pki / "ca.cert.pem").string(), (pki / "chain.pem").string(),
        (attacks_dir() / "tsa-data.txt").string(), cli};
    const std::regex shared_library(R"re((^|/)lib[^/]*\.so(\.[0-9]+)*$)re");  // the loader's search, any rpath
    std::istringstream lines(log);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.find("connect(") != std::string::npos) {
            EXPECT_EQ(line.find("AF_INET"), std::string::npos) << c.file << ": network connection attempted: " << line;
        }
    }
    for (const auto& path : opened_paths(log)) {
        bool ok = std::regex_search(path, shared_library);
        for (const auto& prefix : allowed_prefixes)
            if (path.rfind(prefix, 0) == 0) ok = true;
        EXPECT_TRUE(ok) << c.file << ": opened an unexpected file: " << path;
    }
    if (!can_unshare) std::printf("note: unshare -rn is not permitted here: ran with the host network (strace still checks connect)\n");
}

std::string case_name(const ::testing::TestParamInfo<AttackCase>& p) {
    std::string name = p.param.file;
    for (char& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return name;
}

INSTANTIATE_TEST_SUITE_P(Files, AttackSuite, ::testing::ValuesIn(read_table(attacks_dir())), case_name);
INSTANTIATE_TEST_SUITE_P(FuzzRegressions, AttackSuite,
                         ::testing::ValuesIn(read_table(vectors_dir() / "fuzz-regressions")), case_name);
INSTANTIATE_TEST_SUITE_P(Files, AttackSuiteCli, ::testing::ValuesIn(cli_cases(read_table(attacks_dir()))), case_name);
INSTANTIATE_TEST_SUITE_P(FuzzRegressions, AttackSuiteCli,
                         ::testing::ValuesIn(cli_cases(read_table(vectors_dir() / "fuzz-regressions"))), case_name);

}  // namespace
}  // namespace istmo::test
