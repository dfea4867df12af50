// End-to-end tests of 'istmo timestamp request|verify' (examples/cli/timestamp_command.cpp)
// against the in-process loopback TSA of tsa_test_server.hpp: exit codes, usage errors, the
// .tsr checked by 'openssl ts -verify' too, the JSON report, and an unreachable TSA.
#include "test_support.hpp"
#include "tsa_test_server.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace {

using istmo::test::CommandResult;
using istmo::test::run_cli;
using istmo::test::shell_quote;
using istmo::test::run_command;
using istmo::test::TempDir;
using istmo::test::TsaTestServer;
namespace fs = std::filesystem;

// A loopback port nobody listens on: bound (not listening) to learn a free number, then closed.
int closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        if (fd >= 0) ::close(fd);
        return 0;
    }
    const int port = ntohs(address.sin_port);
    ::close(fd);
    return port;
}

class CliTimestamp : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_tsa = std::make_unique<TsaTestServer>();
        s_dir = std::make_unique<TempDir>();
        istmo::test::write_file(root(), s_tsa->pki().root_pem());
        istmo::test::write_file(data(), "Factura FE-0001: 1.000,00 USD\n");
        // An unrelated root: a token checked against it has no path to a trust anchor.
        const istmo::test::TsaTestPki other;
        istmo::test::write_file(*s_dir / "other-root.pem", other.root_pem());
    }
    static void TearDownTestSuite() {
        s_tsa.reset();
        s_dir.reset();
    }

    static fs::path root() { return *s_dir / "root.pem"; }
    static fs::path data() { return *s_dir / "invoice.txt"; }
    static fs::path path(const std::string& name) { return *s_dir / name; }

    // 'timestamp request' against the loopback TSA, writing OUT.
    static CommandResult request(const fs::path& out, const std::string& extra = "") {
        return run_cli("timestamp request --tsa " + shell_quote(s_tsa->url()) + " --trust " + shell_quote(root()) + " --timeout 30 " +
                         extra + " -o " + shell_quote(out) + " " + shell_quote(data()));
    }

    // A token made once for the verify tests.
    static fs::path token() {
        const fs::path out = path("shared.tsr");
        if (!fs::exists(out)) {
            const CommandResult r = request(out);
            EXPECT_EQ(r.exit_code, 0) << r.output;
        }
        return out;
    }

    static inline std::unique_ptr<TsaTestServer> s_tsa;
    static inline std::unique_ptr<TempDir> s_dir;
};

TEST_F(CliTimestamp, RequestWritesAResponseThatOpensslAccepts) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path out = path("request.tsr");
    const CommandResult r = request(out);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("genTime"), std::string::npos) << r.output;
    ASSERT_TRUE(fs::exists(out));
    EXPECT_GT(fs::file_size(out), 500u);
    if (!istmo::test::have_tool("openssl")) GTEST_SKIP() << "openssl not on PATH: cross-check did not run";
    const CommandResult o = run_command("openssl ts -verify -in " + shell_quote(out) + " -data " + shell_quote(data()) + " -CAfile " +
                                        shell_quote(root()));
    EXPECT_EQ(o.exit_code, 0) << o.output;
    EXPECT_NE(o.output.find("Verification: OK"), std::string::npos) << o.output;
    // And openssl refuses it for other data.
    istmo::test::write_file(path("other.txt"), "other data\n");
    const CommandResult bad = run_command("openssl ts -verify -in " + shell_quote(out) + " -data " + shell_quote(path("other.txt")) +
                                          " -CAfile " + shell_quote(root()));
    EXPECT_NE(bad.exit_code, 0) << bad.output;
}

TEST_F(CliTimestamp, RequestHonoursDigestPolicyAndNoCertReq) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path out = path("sha512.tsr");
    CommandResult r = request(out, std::string("--digest sha512 --policy ") + istmo::test::tsa_test_policy);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run_cli("timestamp verify --json --data " + shell_quote(data()) + " --trust " + shell_quote(root()) + " " + shell_quote(out));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"imprint_algorithm\":\"sha512\""), std::string::npos) << r.output;

    // Without certReq the token embeds no certificate; the TSA certificate then comes from --trust.
    const fs::path bare = path("nocerts.tsr");
    istmo::test::write_file(path("root-and-tsa.pem"), s_tsa->pki().root_pem() + s_tsa->pki().tsa_pem());
    r = run_cli("timestamp request --tsa " + shell_quote(s_tsa->url()) + " --trust " + shell_quote(path("root-and-tsa.pem")) +
                  " --no-cert-req -o " + shell_quote(bare) + " " + shell_quote(data()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run_cli("timestamp verify --json --data " + shell_quote(data()) + " --trust " + shell_quote(path("root-and-tsa.pem")) + " " +
                  shell_quote(bare));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"embedded_certificates\":0"), std::string::npos) << r.output;
    // Only the root: the signer certificate cannot be found.
    r = run_cli("timestamp verify --data " + shell_quote(data()) + " --trust " + shell_quote(root()) + " " + shell_quote(bare));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("TSA-CERT-NOT-FOUND"), std::string::npos) << r.output;

    // A policy the TSA does not serve: rejected, so no TSA delivered a time-stamp.
    r = request(path("policy.tsr"), "--policy 1.2.3.4.5");
    EXPECT_EQ(r.exit_code, 69) << r.output;
    EXPECT_NE(r.output.find("unacceptedPolicy"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(path("policy.tsr")));
}

TEST_F(CliTimestamp, VerifyJsonReportsTheTokenFields) {
    ISTMO_SKIP_WITHOUT_CLI();
    const CommandResult r =
        run_cli("timestamp verify --data " + shell_quote(data()) + " --trust " + shell_quote(root()) + " --json " + shell_quote(token()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    for (const std::string& field : std::vector<std::string>{
             "\"indication\":\"TOTAL_PASSED\"", "\"valid\":true", "\"status\":0",
          std::string("\"policy\":\"") + istmo::test::tsa_test_policy + "\"", "\"imprint_algorithm\":\"sha256\"",
          "\"accuracy\":{\"seconds\":0,\"millis\":500,\"micros\":0}", "\"ess_version\":\"v2\"",
          "\"signature_algorithm\":\"ecdsa\"", "\"embedded_certificates\":2", "\"findings\":[", "\"gen_time\":\"20",
          "\"serial\":\"", "\"nonce\":\"", "CN=istmo Test TSA"})
        EXPECT_NE(r.output.find(field), std::string::npos) << field << "\n" << r.output;
    EXPECT_EQ(r.output.front(), '{');

    const CommandResult text = run_cli("timestamp verify --data " + shell_quote(data()) + " --trust " + shell_quote(root()) + " " +
                                         shell_quote(token()));
    EXPECT_EQ(text.exit_code, 0) << text.output;
    EXPECT_NE(text.output.find("TOTAL_PASSED"), std::string::npos) << text.output;
}

// The human report's labels follow --lang (issue 12: every message in Spanish and English).
TEST_F(CliTimestamp, HumanOutputFollowsLang) {
    ISTMO_SKIP_WITHOUT_CLI();
    const std::string args = " --data " + shell_quote(data()) + " --trust " + shell_quote(root()) + " " + shell_quote(token());
    const CommandResult es = run_cli("timestamp verify --lang es" + args);
    ASSERT_EQ(es.exit_code, 0) << es.output;
    for (const char* label : {"Sello de tiempo '", "TOTAL_PASSED", "\n  estado        0", "\n  precisión     ",
                              "\n  política      ", "\n  serie         ", "\n  huella        sha256 ",
                              "\n  firmante      ", "\n  emisor        ", "\n  firma         "})
        EXPECT_NE(es.output.find(label), std::string::npos) << label << "\n" << es.output;
    for (const char* english : {"Time-stamp '", "  status ", "  accuracy", "  policy", "  serial", "  imprint", "  signer",
                                "  issuer", "  signature", "TSA name"})
        EXPECT_EQ(es.output.find(english), std::string::npos) << english << "\n" << es.output;
    const CommandResult en = run_cli("timestamp verify --lang en" + args);
    ASSERT_EQ(en.exit_code, 0) << en.output;
    for (const char* label : {"Time-stamp '", "\n  status        0", "\n  policy        ", "\n  signer        "})
        EXPECT_NE(en.output.find(label), std::string::npos) << label << "\n" << en.output;
    // A finding line: severity and message in Spanish.
    const CommandResult untrusted = run_cli("timestamp verify --lang es --data " + shell_quote(data()) + " --trust " +
                                            shell_quote(path("other-root.pem")) + " " + shell_quote(token()));
    EXPECT_EQ(untrusted.exit_code, 2) << untrusted.output;
    EXPECT_NE(untrusted.output.find("error TSA-CERT-UNTRUSTED: "), std::string::npos) << untrusted.output;
    EXPECT_EQ(untrusted.output.find("Time-stamp '"), std::string::npos) << untrusted.output;
    EXPECT_NE(untrusted.output.find("sello de tiempo no válido: "), std::string::npos) << untrusted.output;
    // 'timestamp request' says what it wrote in the language asked for.
    const CommandResult request_es = request(path("es.tsr"), "--lang es");
    ASSERT_EQ(request_es.exit_code, 0) << request_es.output;
    for (const char* text : {"sello de tiempo de ", " intento", "genTime ", ", serie ", ", política ", "escrito en '"})
        EXPECT_NE(request_es.output.find(text), std::string::npos) << text << "\n" << request_es.output;
    EXPECT_EQ(request_es.output.find("written to"), std::string::npos) << request_es.output;
    // An unreachable TSA: the library's error in Spanish.
    const int port = closed_port();
    ASSERT_NE(port, 0);
    const CommandResult dead = run_cli("timestamp request --lang es --tsa http://127.0.0.1:" + std::to_string(port) +
                                       "/ --trust " + shell_quote(root()) + " --timeout 10 --retries 0 -o " +
                                       shell_quote(path("dead-es.tsr")) + " " + shell_quote(data()));
    EXPECT_EQ(dead.exit_code, 69) << dead.output;
    EXPECT_NE(dead.output.find("sin sello de tiempo: falló la conexión con http://127.0.0.1:"), std::string::npos)
        << dead.output;
}

TEST_F(CliTimestamp, TamperedDataFails) {
    ISTMO_SKIP_WITHOUT_CLI();
    istmo::test::write_file(path("tampered.txt"), "Factura FE-0001: 9.000,00 USD\n");
    const CommandResult r = run_cli("timestamp verify --json --data " + shell_quote(path("tampered.txt")) + " --trust " +
                                      shell_quote(root()) + " " + shell_quote(token()));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("\"indication\":\"TOTAL_FAILED\""), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("TSA-IMPRINT-MISMATCH"), std::string::npos) << r.output;
}

TEST_F(CliTimestamp, TamperedTokenFails) {
    ISTMO_SKIP_WITHOUT_CLI();
    std::string bytes = istmo::test::read_file(token());
    ASSERT_GT(bytes.size(), 100u);
    bytes[bytes.size() - 3] = static_cast<char>(bytes[bytes.size() - 3] ^ 0x20);  // in the signature
    istmo::test::write_file(path("tampered.tsr"), bytes);
    const CommandResult r = run_cli("timestamp verify --data " + shell_quote(data()) + " --trust " + shell_quote(root()) + " " +
                                      shell_quote(path("tampered.tsr")));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("TSA-SIGNATURE-INVALID"), std::string::npos) << r.output;
}

TEST_F(CliTimestamp, UntrustedTsaIsIndeterminate) {
    ISTMO_SKIP_WITHOUT_CLI();
    const CommandResult r = run_cli("timestamp verify --data " + shell_quote(data()) + " --trust " +
                                      shell_quote(path("other-root.pem")) + " " + shell_quote(token()));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("TSA-CERT-UNTRUSTED"), std::string::npos) << r.output;
    // request with the wrong anchor: the answer is refused, nothing is written.
    const CommandResult q = run_cli("timestamp request --tsa " + shell_quote(s_tsa->url()) + " --trust " +
                                      shell_quote(path("other-root.pem")) + " --retries 0 -o " + shell_quote(path("untrusted.tsr")) +
                                      " " + shell_quote(data()));
    EXPECT_EQ(q.exit_code, 69) << q.output;
    EXPECT_NE(q.output.find("TSA-CERT-UNTRUSTED"), std::string::npos) << q.output;
    EXPECT_FALSE(fs::exists(path("untrusted.tsr")));
}

TEST_F(CliTimestamp, NotATokenIsBadInput) {
    ISTMO_SKIP_WITHOUT_CLI();
    const CommandResult r =
        run_cli("timestamp verify --data " + shell_quote(data()) + " --trust " + shell_quote(root()) + " " + shell_quote(data()));
    EXPECT_EQ(r.exit_code, 65) << r.output;
}

TEST_F(CliTimestamp, UnreachableTsaExits69WithinTheTimeout) {
    ISTMO_SKIP_WITHOUT_CLI();
    const int port = closed_port();
    ASSERT_NE(port, 0);
    const std::string dead = "http://127.0.0.1:" + std::to_string(port) + "/";
    const auto start = std::chrono::steady_clock::now();
    const CommandResult r = run_cli("timestamp request --tsa " + shell_quote(dead) + " --trust " + shell_quote(root()) +
                                      " --timeout 3 --retries 1 -o " + shell_quote(path("dead.tsr")) + " " + shell_quote(data()));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.exit_code, 69) << r.output;
    EXPECT_LT(elapsed, std::chrono::seconds(4)) << r.output;
    EXPECT_FALSE(fs::exists(path("dead.tsr")));
    // Failover: the dead TSA first, then the loopback one.
    const CommandResult f = run_cli("timestamp request --tsa " + shell_quote(dead) + " --tsa " + shell_quote(s_tsa->url()) +
                                      " --trust " + shell_quote(root()) + " --retries 0 --timeout 5 -o " +
                                      shell_quote(path("failover.tsr")) + " " + shell_quote(data()));
    EXPECT_EQ(f.exit_code, 0) << f.output;
    EXPECT_NE(f.output.find(s_tsa->url()), std::string::npos) << f.output;
}

TEST_F(CliTimestamp, UsageErrorsExit64) {
    ISTMO_SKIP_WITHOUT_CLI();
    const std::string tsa = " --tsa " + shell_quote(s_tsa->url());
    const std::string trust = " --trust " + shell_quote(root());
    const std::string out = " -o " + shell_quote(path("usage.tsr"));
    const std::string in = " " + shell_quote(data());
    const std::string cases[] = {
        "timestamp",
        "timestamp stamp",
        "timestamp request" + trust + out + in,                              // no --tsa
        "timestamp request" + tsa + trust + in,                              // no -o
        "timestamp request" + tsa + trust + out,                             // no FILE
        "timestamp request" + tsa + out + in,                                // no --trust
        "timestamp request --tsa ftp://127.0.0.1/" + trust + out + in,       // not http(s)
        "timestamp request" + tsa + trust + " --digest md5" + out + in,
        "timestamp request" + tsa + trust + " --policy not-an-oid" + out + in,
        "timestamp request" + tsa + trust + " --timeout abc" + out + in,
        "timestamp request" + tsa + trust + " --timeout 0" + out + in,
        "timestamp request" + tsa + trust + " --retries -1" + out + in,
        "timestamp request" + tsa + trust + " --retries 99" + out + in,
        "timestamp request" + tsa + trust + " --user alice" + out + in,      // no password source
        "timestamp request" + tsa + trust + " --pass-env X" + out + in,      // no user
        "timestamp request" + tsa + trust + " --password secret" + out + in,  // never on the command line
        "timestamp request" + tsa + trust + " --client-cert x.pem" + out + in,
        "timestamp request" + tsa + trust + " --client-key-pass-env X" + out + in,   // no --client-key
        "timestamp request" + tsa + trust + " --client-cert x.pem --client-key x.key --client-key-pass-env X"
            " --client-key-pass-file y" + out + in,                                       // two password sources
        "timestamp request" + tsa + trust + out + in + in,                    // two files
        "timestamp verify" + trust + " " + shell_quote(data()),                        // no --data
        "timestamp verify --data " + shell_quote(data()) + " " + shell_quote(data()),           // no --trust
        "timestamp verify --data " + shell_quote(data()) + trust,                      // no token
        "timestamp verify --data " + shell_quote(data()) + trust + " --bogus " + shell_quote(data()),
    };
    for (const auto& arguments : cases) {
        const CommandResult r = run_cli(arguments);
        EXPECT_EQ(r.exit_code, 64) << arguments << "\n" << r.output;
        EXPECT_NE(r.output.find("usage:"), std::string::npos) << arguments << "\n" << r.output;
    }
    // An unset password variable is a mistake on the command line too (as for 'istmo sign').
    const CommandResult unset = run_cli("timestamp request" + tsa + trust +
                                          " --user a --pass-env ISTMO_TEST_UNSET_VARIABLE" + out + in);
    EXPECT_EQ(unset.exit_code, 64) << unset.output;
    EXPECT_NE(unset.output.find("'ISTMO_TEST_UNSET_VARIABLE' is not set"), std::string::npos) << unset.output;
    EXPECT_FALSE(fs::exists(path("usage.tsr")));
}

TEST_F(CliTimestamp, MissingFilesExit66) {
    ISTMO_SKIP_WITHOUT_CLI();
    const std::string missing = shell_quote(path("does-not-exist.bin"));
    const std::string cases[] = {
        "timestamp request --tsa " + shell_quote(s_tsa->url()) + " --trust " + shell_quote(root()) + " -o " + shell_quote(path("m.tsr")) + " " +
            missing,
        "timestamp request --tsa " + shell_quote(s_tsa->url()) + " --trust " + missing + " -o " + shell_quote(path("m.tsr")) + " " +
            shell_quote(data()),
        "timestamp verify --data " + shell_quote(data()) + " --trust " + shell_quote(root()) + " " + missing,
        "timestamp verify --data " + missing + " --trust " + shell_quote(root()) + " " + shell_quote(token()),
        "timestamp verify --data " + shell_quote(data()) + " --trust " + missing + " " + shell_quote(token()),
    };
    for (const auto& arguments : cases) {
        const CommandResult r = run_cli(arguments);
        EXPECT_EQ(r.exit_code, 66) << arguments << "\n" << r.output;
        EXPECT_NE(r.output.find("does-not-exist.bin"), std::string::npos) << arguments << "\n" << r.output;
    }
    EXPECT_FALSE(fs::exists(path("m.tsr")));
}

TEST_F(CliTimestamp, HelpListsUsageAndExitCodes) {
    ISTMO_SKIP_WITHOUT_CLI();
    for (const std::string arguments : {"timestamp --help", "timestamp request --help", "timestamp verify -h",
                                        "help timestamp"}) {
        const CommandResult r = run_cli(arguments);
        EXPECT_EQ(r.exit_code, 0) << arguments << "\n" << r.output;
        EXPECT_NE(r.output.find("istmo timestamp request --tsa URL"), std::string::npos) << r.output;
        EXPECT_NE(r.output.find("--pass-env VAR"), std::string::npos) << r.output;
        EXPECT_NE(r.output.find("Exit codes:"), std::string::npos) << r.output;
        EXPECT_NE(r.output.find("  69  "), std::string::npos) << r.output;
    }
    const CommandResult main_help = run_cli("--help");
    EXPECT_EQ(main_help.exit_code, 0);
    EXPECT_NE(main_help.output.find("timestamp"), std::string::npos) << main_help.output;
}

}  // namespace
