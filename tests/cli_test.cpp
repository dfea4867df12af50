// End-to-end tests of the istmo command-line program (examples/cli): exit codes, usage
// errors, and real sign/verify round trips with the test PKI.
#include "test_support.hpp"

#include <istmo/version.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace {

using istmo::test::CommandResult;
using istmo::test::pki;
using istmo::test::pki_key_args;
using istmo::test::run_cli;
using istmo::test::shell_quote;
using istmo::test::run_command;
using istmo::test::TempDir;
namespace fs = std::filesystem;

const std::string trust_ca = "--trust " + shell_quote(pki("ca.cert.pem"));

// A short Panamanian e-invoice-like document (shape of the DGI rFE, trimmed).
const char* const invoice_xml =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rFE xmlns=\"http://dgi-fep.mef.gob.pa\">\n"
    "  <dVerForm>1.00</dVerForm>\n"
    "  <dId>FE01200000000000029-29-2022-0000000000000001</dId>\n"
    "  <gDGen Id=\"gDGen\">\n"
    "    <iAmb>2</iAmb>\n"
    "    <dFechaEm>2026-01-02T09:00:00-05:00</dFechaEm>\n"
    "    <!-- emitted by the test suite -->\n"
    "  </gDGen>\n"
    "  <gTot>\n"
    "    <dVTot>100.00</dVTot>\n"
    "  </gTot>\n"
    "</rFE>\n";

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
    auto pos = text.find(from);
    if (pos != std::string::npos) text.replace(pos, from.size(), to);
    return text;
}

class CliTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (istmo::test::cli_path().empty()) return;
        invoice = dir / "invoice.xml";
        istmo::test::write_file(invoice, invoice_xml);
    }

    // Signs `input` with extra arguments into dir/<name>; asserts exit 0 and returns the path.
    fs::path sign_ok(const std::string& args, const std::string& name = "signed.xml") {
        const fs::path out = dir / name;
        CommandResult r = run_cli("sign " + args + " -o " + shell_quote(out) + " " + shell_quote(invoice));
        EXPECT_EQ(r.exit_code, 0) << r.output;
        EXPECT_TRUE(fs::exists(out)) << r.output;
        return out;
    }

    TempDir dir;
    fs::path invoice;
};

// ---- help and usage errors ---------------------------------------------------------------

TEST_F(CliTest, HelpOfEveryCommandExitsZeroAndListsExitCodes) {
    ISTMO_SKIP_WITHOUT_CLI();
    for (const char* args : {"--help", "help", "-h", "sign --help", "verify --help", "version --help",
                                   "help sign", "help verify", "sign -h"}) {
        CommandResult r = run_cli(args);
        EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.output;
        EXPECT_NE(r.output.find("Exit codes"), std::string::npos) << args << "\n" << r.output;
        for (const char* code : {" 64 ", " 65 ", " 66 ", " 69 ", " 70 ", " 74 ", "TOTAL_FAILED", "INDETERMINATE"})
            EXPECT_NE(r.output.find(code), std::string::npos) << args << ": missing '" << code << "'";
    }
    EXPECT_NE(run_cli("sign --help").output.find("usage: istmo sign"), std::string::npos);
    EXPECT_NE(run_cli("sign --help").output.find("--pass-file"), std::string::npos);
    EXPECT_NE(run_cli("verify --help").output.find("usage: istmo verify"), std::string::npos);
    EXPECT_NE(run_cli("verify --help").output.find("--trust-dir"), std::string::npos);
}

TEST_F(CliTest, NoArgumentsIsAUsageError) {
    ISTMO_SKIP_WITHOUT_CLI();
    CommandResult r = run_cli("");
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_NE(r.output.find("usage: istmo"), std::string::npos) << r.output;
    // Usage goes to stderr, nothing to stdout.
    CommandResult only_stdout = run_command("( " + shell_quote(istmo::test::cli_path()) + " 2>/dev/null )");
    EXPECT_EQ(only_stdout.exit_code, 64);
    EXPECT_EQ(only_stdout.output, "");
}

TEST_F(CliTest, UnknownOptionOrCommandIs64) {
    ISTMO_SKIP_WITHOUT_CLI();
    CommandResult r = run_cli("verify --bogus " + shell_quote(invoice));
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_NE(r.output.find("istmo: verify: unknown option '--bogus'"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("usage: istmo verify"), std::string::npos) << r.output;

    r = run_cli("sign " + pki_key_args("rsa2048", "chain.pem") + " --frobnicate " + shell_quote(invoice));
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_NE(r.output.find("unknown option '--frobnicate'"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("usage: istmo sign"), std::string::npos) << r.output;

    EXPECT_EQ(run_cli("sign -x " + shell_quote(invoice)).exit_code, 64);
    EXPECT_EQ(run_cli("frobnicate").exit_code, 64);
    EXPECT_EQ(run_cli("--frobnicate").exit_code, 64);
    EXPECT_EQ(run_cli("version extra").exit_code, 64);
    EXPECT_EQ(run_cli("verify --json=yes " + shell_quote(invoice)).exit_code, 64);
}

TEST_F(CliTest, MissingOptionValueOrArgumentIs64) {
    ISTMO_SKIP_WITHOUT_CLI();
    CommandResult r = run_cli("verify " + shell_quote(invoice) + " --trust");
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_NE(r.output.find("'--trust' needs a value"), std::string::npos) << r.output;

    r = run_cli("verify");
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_NE(r.output.find("missing input"), std::string::npos) << r.output;

    r = run_cli("sign --cert " + shell_quote(pki("rsa2048.cert.pem")) + " " + shell_quote(invoice));
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_NE(r.output.find("--key is required"), std::string::npos) << r.output;

    EXPECT_EQ(run_cli("sign " + pki_key_args("rsa2048", "chain.pem")).exit_code, 64);                        // no IN
    EXPECT_EQ(run_cli("verify " + shell_quote(invoice) + " " + shell_quote(invoice)).exit_code, 64);            // two INs
    EXPECT_EQ(run_cli("verify --at 2026-01-01T00:00:00Z --at 2026-01-01T00:00:00Z " + shell_quote(invoice)).exit_code,
              64);  // not repeatable
}

TEST_F(CliTest, BadSignOptionValuesAre64) {
    ISTMO_SKIP_WITHOUT_CLI();
    const std::string base = "sign " + pki_key_args("rsa2048", "chain.pem") + " ";
    CommandResult r = run_cli(base + "--mode detached " + shell_quote(invoice));
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_NE(r.output.find("--ref"), std::string::npos) << r.output;

    r = run_cli(base + "--ref gDGen " + shell_quote(invoice));  // --ref without detached mode
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_EQ(run_cli(base + "--mode enveloping --ref gDGen " + shell_quote(invoice)).exit_code, 64);
    EXPECT_EQ(run_cli(base + "--alg rsa-md5 " + shell_quote(invoice)).exit_code, 64);
    EXPECT_EQ(run_cli(base + "--c14n fancy " + shell_quote(invoice)).exit_code, 64);
    EXPECT_EQ(run_cli(base + "--mode sideways " + shell_quote(invoice)).exit_code, 64);
    EXPECT_EQ(run_cli(base + "--pass-env X --pass-file " + shell_quote(pki("password.txt")) + " " + shell_quote(invoice)).exit_code, 64);
    // Nothing was written to stdout for a usage error.
    EXPECT_EQ(run_command("( " + shell_quote(istmo::test::cli_path()) + " " + base + "--mode detached " + shell_quote(invoice) +
                          " 2>/dev/null )")
                  .output,
              "");
}

TEST_F(CliTest, BadAtTimeIs64) {
    ISTMO_SKIP_WITHOUT_CLI();
    for (const char* at : {"yesterday", "2026-01-02", "2026-01-02T03:04:05", "2026-13-01T00:00:00Z",
                                 "2026-02-29T00:00:00Z", "2026-01-02T24:00:00Z", "2026-01-02T03:04:05+2:00",
                                 "2026-01-02T03:04:05.Z", "2026-01-02T03:04:05Zjunk", ""}) {
        CommandResult r = run_cli("verify " + trust_ca + " --at " + shell_quote(std::string(at)) + " " + shell_quote(invoice));
        EXPECT_EQ(r.exit_code, 64) << "--at '" << at << "'\n" << r.output;
        EXPECT_NE(r.output.find("RFC 3339"), std::string::npos) << r.output;
    }
}

// ---- missing files and bad input ---------------------------------------------------------

TEST_F(CliTest, MissingFilesAre66) {
    ISTMO_SKIP_WITHOUT_CLI();
    const std::string missing = shell_quote(dir / "does-not-exist.xml");
    CommandResult r = run_cli("verify " + trust_ca + " " + missing);
    EXPECT_EQ(r.exit_code, 66) << r.output;
    EXPECT_NE(r.output.find("istmo: "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("does-not-exist.xml"), std::string::npos) << r.output;

    EXPECT_EQ(run_cli("sign " + pki_key_args("rsa2048", "chain.pem") + " " + missing).exit_code, 66);
    r = run_cli("sign --key " + shell_quote(dir / "nokey.pem") + " " + shell_quote(invoice));
    EXPECT_EQ(r.exit_code, 66) << r.output;
    EXPECT_NE(r.output.find("nokey.pem"), std::string::npos) << r.output;
    EXPECT_EQ(run_cli("sign --key " + shell_quote(pki("rsa2048.key.pem")) + " --cert " + shell_quote(dir / "nocert.pem") + " " +
                  shell_quote(invoice))
                  .exit_code,
              66);
    EXPECT_EQ(run_cli("sign --key " + shell_quote(pki("rsa2048.key.pem")) + " --chain " + shell_quote(dir / "nochain.pem") + " " +
                  shell_quote(invoice))
                  .exit_code,
              66);
    EXPECT_EQ(run_cli("verify --trust " + shell_quote(dir / "noca.pem") + " " + shell_quote(invoice)).exit_code, 66);
    EXPECT_EQ(run_cli("verify --trust-dir " + shell_quote(dir / "nodir") + " " + shell_quote(invoice)).exit_code, 66);
    EXPECT_EQ(run_cli("sign --key " + shell_quote(pki("rsa2048.key.enc.pem")) + " --pass-file " + shell_quote(dir / "nopass.txt") +
                  " " + shell_quote(invoice))
                  .exit_code,
              66);
}

TEST_F(CliTest, NotWellFormedInputIs65) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path broken = dir / "broken.xml";
    istmo::test::write_file(broken, "<rFE xmlns=\"http://dgi-fep.mef.gob.pa\"><dId>1</rFE>");
    CommandResult r = run_cli("verify " + trust_ca + " " + shell_quote(broken));
    EXPECT_EQ(r.exit_code, 65) << r.output;
    EXPECT_NE(r.output.find("not well-formed"), std::string::npos) << r.output;

    const fs::path garbage = dir / "garbage.xml";
    istmo::test::write_file(garbage, "this is not XML at all");
    EXPECT_EQ(run_cli("verify --json " + shell_quote(garbage)).exit_code, 65);

    // Signing refuses a broken document as bad data, not as an internal error.
    r = run_cli("sign " + pki_key_args("rsa2048", "chain.pem") + " " + shell_quote(broken));
    EXPECT_EQ(r.exit_code, 65) << r.output;
}

TEST_F(CliTest, DocumentWithoutSignatureIs65) {
    ISTMO_SKIP_WITHOUT_CLI();
    CommandResult r = run_cli("verify " + trust_ca + " " + shell_quote(invoice));
    EXPECT_EQ(r.exit_code, 65) << r.output;
    EXPECT_NE(r.output.find("no XML Signature"), std::string::npos) << r.output;
    r = run_cli("verify --json " + trust_ca + " " + shell_quote(invoice));
    EXPECT_EQ(r.exit_code, 65) << r.output;
    EXPECT_NE(r.output.find("\"indication\":"), std::string::npos) << r.output;  // the report is still printed
}

// ---- sign and verify round trips ---------------------------------------------------------

TEST_F(CliTest, SignThenVerifyWithTrustedCaPasses) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path signed_xml = sign_ok(pki_key_args("rsa2048", "chain.pem"));
    const std::string content = istmo::test::read_file(signed_xml);
    EXPECT_NE(content.find("SignatureValue"), std::string::npos);
    EXPECT_NE(content.find("X509Certificate"), std::string::npos);
    EXPECT_NE(content.find("http://www.w3.org/2001/10/xml-exc-c14n#"), std::string::npos);  // default c14n
    EXPECT_NE(content.find("rsa-sha256"), std::string::npos);  // default algorithm for RSA

    CommandResult r = run_cli("verify " + trust_ca + " " + shell_quote(signed_xml));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("TOTAL_PASSED"), std::string::npos) << r.output;

    r = run_cli("verify --json " + trust_ca + " " + shell_quote(signed_xml));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"indication\":\"TOTAL_PASSED\""), std::string::npos) << r.output;
    ASSERT_FALSE(r.output.empty());
    EXPECT_EQ(r.output.front(), '{') << r.output;
}

TEST_F(CliTest, SignedOutputGoesToStdoutByDefault) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path out = dir / "stdout.xml";
    CommandResult r = run_cli("sign " + pki_key_args("rsa2048", "chain.pem") + " " + shell_quote(invoice) + " > " + shell_quote(out));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(istmo::test::read_file(out).find("SignatureValue"), std::string::npos);
    EXPECT_EQ(run_cli("verify " + trust_ca + " " + shell_quote(out)).exit_code, 0);
}

TEST_F(CliTest, TamperedDocumentIs1) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path signed_xml = sign_ok(pki_key_args("rsa2048", "chain.pem"));
    const std::string original = istmo::test::read_file(signed_xml);
    ASSERT_NE(original.find("100.00"), std::string::npos);
    const fs::path tampered = dir / "tampered.xml";
    istmo::test::write_file(tampered, replace_once(original, "100.00", "900.00"));

    CommandResult r = run_cli("verify " + trust_ca + " " + shell_quote(tampered));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("TOTAL_FAILED"), std::string::npos) << r.output;
    r = run_cli("verify --json " + trust_ca + " " + shell_quote(tampered));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("\"indication\":\"TOTAL_FAILED\""), std::string::npos) << r.output;
}

// --untrusted: intermediates for path building only (VerifyOptions::extra_certificates).
TEST_F(CliTest, UntrustedIntermediatesBuildThePathButNeverAnchor) {
    ISTMO_SKIP_WITHOUT_CLI();
    // No --chain: the signature carries only the leaf certificate.
    const fs::path leaf_only = sign_ok("--key " + shell_quote(pki("rsa2048.key.pem")) + " --cert " + shell_quote(pki("rsa2048.cert.pem")),
                                       "leaf-only.xml");
    const std::string leaf_xml = istmo::test::read_file(leaf_only);
    std::size_t certificate_tags = 0;  // start and end tag of each X509Certificate
    for (std::size_t at = leaf_xml.find("X509Certificate>"); at != std::string::npos;
         at = leaf_xml.find("X509Certificate>", at + 1))
        ++certificate_tags;
    ASSERT_EQ(certificate_tags, 2u) << leaf_xml;
    const std::string intermediate = " --untrusted " + shell_quote(pki("intermediate.cert.pem"));

    CommandResult r = run_cli("verify " + trust_ca + " " + shell_quote(leaf_only));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("NO_CERTIFICATE_CHAIN_FOUND"), std::string::npos) << r.output;
    r = run_cli("verify " + trust_ca + intermediate + " " + shell_quote(leaf_only));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("TOTAL_PASSED"), std::string::npos) << r.output;
    // Repeatable, and a DER file works like PEM.
    const fs::path der = dir / "intermediate.der";
    ASSERT_EQ(run_command("openssl x509 -in " + shell_quote(pki("intermediate.cert.pem")) + " -outform DER -out " + shell_quote(der)).exit_code, 0);
    EXPECT_EQ(run_cli("verify " + trust_ca + " --untrusted " + shell_quote(pki("untrusted.cert.pem")) + " --untrusted " + shell_quote(der) + " " +
                  shell_quote(leaf_only))
                  .exit_code,
              0);

    // Never an anchor: without --trust, even the whole chain (root included) given as
    // untrusted leaves the signature INDETERMINATE.
    r = run_cli("verify" + intermediate + " " + shell_quote(leaf_only));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(run_cli("verify" + intermediate + " --untrusted " + shell_quote(pki("ca.cert.pem")) + " " + shell_quote(leaf_only)).exit_code, 2);
    // Nor does trusting only an unrelated certificate help.
    EXPECT_EQ(run_cli("verify --trust " + shell_quote(pki("untrusted.cert.pem")) + intermediate + " " + shell_quote(leaf_only)).exit_code, 2);

    // A missing file is a missing input (66); --help documents the option.
    EXPECT_EQ(run_cli("verify " + trust_ca + " --untrusted " + shell_quote(dir / "nope.pem") + " " + shell_quote(leaf_only)).exit_code, 66);
    EXPECT_NE(run_cli("verify --help").output.find("--untrusted FILE"), std::string::npos);
}

TEST_F(CliTest, UntrustedSignerIs2) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path signed_xml = sign_ok(pki_key_args("rsa2048", "chain.pem"));
    CommandResult r = run_cli("verify " + shell_quote(signed_xml));  // nothing trusted
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("INDETERMINATE"), std::string::npos) << r.output;
    // Trusting an unrelated certificate does not help either.
    EXPECT_EQ(run_cli("verify --trust " + shell_quote(pki("untrusted.cert.pem")) + " " + shell_quote(signed_xml)).exit_code, 2);
    // A self-signed signer nobody trusts.
    const fs::path self_signed = sign_ok("--key " + shell_quote(pki("untrusted.key.pem")) + " --cert " +
                                             shell_quote(pki("untrusted.cert.pem")),
                                         "self.xml");
    EXPECT_EQ(run_cli("verify " + trust_ca + " " + shell_quote(self_signed)).exit_code, 2);
}

TEST_F(CliTest, TrustDirectoryWorks) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path signed_xml = sign_ok(pki_key_args("rsa2048", "chain.pem"));
    const fs::path anchors = dir / "anchors";
    fs::create_directory(anchors);
    fs::copy_file(pki("ca.cert.pem"), anchors / "ca.pem");
    CommandResult r = run_cli("verify --trust-dir " + shell_quote(anchors) + " " + shell_quote(signed_xml));
    EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(CliTest, ValidationTimeFromAt) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path signed_xml = sign_ok(pki_key_args("rsa2048", "chain.pem"));
    // The rsa2048 signer is valid 2025-01-01 .. 2045-01-01.
    CommandResult r = run_cli("verify --json " + trust_ca + " --at 2030-06-01T12:00:00.5+02:00 " + shell_quote(signed_xml));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("2030-06-01T10:00:00"), std::string::npos) << r.output;  // shown in UTC
    EXPECT_EQ(run_cli("verify " + trust_ca + " --at 2046-01-01T00:00:00Z " + shell_quote(signed_xml)).exit_code, 2);
    EXPECT_EQ(run_cli("verify " + trust_ca + " --at 2024-12-31T23:00:00-05:00 " + shell_quote(signed_xml)).exit_code, 0);
    // Instants the clock cannot hold (it counts nanoseconds up to 2262) are a usage error.
    EXPECT_EQ(run_cli("verify " + trust_ca + " --at 9999-12-31T23:59:59Z " + shell_quote(signed_xml)).exit_code, 64);
    EXPECT_EQ(run_cli("verify " + trust_ca + " --at 2024-12-31t22:00:00z " + shell_quote(signed_xml)).exit_code, 2);
}

TEST_F(CliTest, EncryptedKeyWithPasswordFileOrEnv) {
    ISTMO_SKIP_WITHOUT_CLI();
    const std::string enc = "--key " + shell_quote(pki("rsa2048.key.enc.pem")) + " --cert " + shell_quote(pki("rsa2048.cert.pem")) +
                            " --chain " + shell_quote(pki("chain.pem"));
    const fs::path a = sign_ok(enc + " --pass-file " + shell_quote(pki("password.txt")), "a.xml");
    EXPECT_EQ(run_cli("verify " + trust_ca + " " + shell_quote(a)).exit_code, 0);

    const fs::path b = dir / "b.xml";
    CommandResult r = run_command("ISTMO_TEST_PW=istmo-test-pass " + shell_quote(istmo::test::cli_path()) + " sign " +
                                  enc + " --pass-env ISTMO_TEST_PW -o " + shell_quote(b) + " " + shell_quote(invoice));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(run_cli("verify " + trust_ca + " " + shell_quote(b)).exit_code, 0);
}

TEST_F(CliTest, WrongOrMissingPasswordFailsCleanly) {
    ISTMO_SKIP_WITHOUT_CLI();
    const std::string enc = "sign --key " + shell_quote(pki("rsa2048.key.enc.pem")) + " --cert " +
                            shell_quote(pki("rsa2048.cert.pem")) + " ";
    const fs::path wrong = dir / "wrong.txt";
    istmo::test::write_file(wrong, "not-the-password\n");
    const fs::path out = dir / "never.xml";

    CommandResult r = run_cli(enc + "--pass-file " + shell_quote(wrong) + " -o " + shell_quote(out) + " " + shell_quote(invoice));
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.exit_code, 70) << r.output;
    EXPECT_NE(r.output.find("istmo: cannot load key"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("password"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(out));
    EXPECT_EQ(r.output.find("not-the-password"), std::string::npos) << "the password leaked: " << r.output;

    // Nor through --pass-env, in any output (stdout and stderr are both captured).
    r = run_command("ISTMO_TEST_PW=Wr0ng-S3cret-Value " + shell_quote(istmo::test::cli_path()) + " " + enc +
                    "--pass-env ISTMO_TEST_PW -o " + shell_quote(out) + " " + shell_quote(invoice));
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output.find("Wr0ng-S3cret-Value"), std::string::npos) << "the password leaked: " << r.output;
    EXPECT_FALSE(fs::exists(out));

    r = run_cli(enc + "-o " + shell_quote(out) + " " + shell_quote(invoice));  // no password at all
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.exit_code, 70) << r.output;
    EXPECT_NE(r.output.find("--pass-file"), std::string::npos) << r.output;  // tells how to give one
    EXPECT_FALSE(fs::exists(out));

    r = run_command("env -u ISTMO_UNSET_PW " + shell_quote(istmo::test::cli_path()) + " " + enc +
                    "--pass-env ISTMO_UNSET_PW " + shell_quote(invoice));
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_NE(r.output.find("ISTMO_UNSET_PW"), std::string::npos) << r.output;
}

TEST_F(CliTest, Pkcs12KeyWithPassword) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path out = sign_ok("--key " + shell_quote(pki("rsa2048.p12")) + " --pass-file " + shell_quote(pki("password.txt")) +
                                 " --cert " + shell_quote(pki("rsa2048.cert.pem")) + " --chain " + shell_quote(pki("chain.pem")));
    EXPECT_EQ(run_cli("verify " + trust_ca + " " + shell_quote(out)).exit_code, 0);
}

TEST_F(CliTest, CertificateNotMatchingKeyIsRefused) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path out = dir / "never.xml";
    CommandResult r = run_cli("sign --key " + shell_quote(pki("rsa2048.key.pem")) + " --cert " + shell_quote(pki("ec-p256.cert.pem")) +
                          " -o " + shell_quote(out) + " " + shell_quote(invoice));
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.exit_code, 70) << r.output;
    EXPECT_NE(r.output.find("istmo: "), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(out));
}

TEST_F(CliTest, StdinInput) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path out = dir / "from-stdin.xml";
    CommandResult r = run_cli("sign " + pki_key_args("rsa2048", "chain.pem") + " - < " + shell_quote(invoice) + " > " + shell_quote(out));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run_cli("verify " + trust_ca + " - < " + shell_quote(out));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = run_cli("verify --json " + trust_ca + " - < " + shell_quote(invoice));
    EXPECT_EQ(r.exit_code, 65) << r.output;
    r = run_cli("verify " + trust_ca + " - < /dev/null");
    EXPECT_EQ(r.exit_code, 65) << r.output;
}

TEST_F(CliTest, OptionSpellings) {
    ISTMO_SKIP_WITHOUT_CLI();
    // --name=value, -oFILE, --output FILE and "--" before the input all work.
    const fs::path a = dir / "a.xml";
    const fs::path b = dir / "b.xml";
    CommandResult r = run_cli("sign --key=" + shell_quote(pki("rsa2048.key.pem")) + " --cert=" + shell_quote(pki("rsa2048.cert.pem")) +
                          " --chain " + shell_quote(pki("chain.pem")) + " -o" + shell_quote(a) + " -- " + shell_quote(invoice));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run_cli("sign " + pki_key_args("rsa2048", "chain.pem") + " --output " + shell_quote(b) + " " + shell_quote(invoice));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(run_cli("verify --trust=" + shell_quote(pki("ca.cert.pem")) + " -- " + shell_quote(a)).exit_code, 0);
    EXPECT_EQ(run_cli("verify " + trust_ca + " " + shell_quote(b)).exit_code, 0);
    // "help <command>" shows that command's help; an unknown one is a usage error.
    EXPECT_NE(run_cli("help sign").output.find("usage: istmo sign"), std::string::npos);
    EXPECT_EQ(run_cli("help frobnicate").exit_code, 64);
}

TEST_F(CliTest, OutputMayReplaceTheInput) {
    ISTMO_SKIP_WITHOUT_CLI();
    // The input is read completely before the output is written (via a temporary file).
    const fs::path copy = dir / "in-place.xml";
    fs::copy_file(invoice, copy);
    CommandResult r = run_cli("sign " + pki_key_args("rsa2048", "chain.pem") + " -o " + shell_quote(copy) + " " + shell_quote(copy));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(run_cli("verify " + trust_ca + " " + shell_quote(copy)).exit_code, 0);
    for (const auto& entry : fs::directory_iterator(dir.path()))
        EXPECT_EQ(entry.path().filename().string().find(".istmo-tmp-"), std::string::npos) << entry.path();
}

TEST_F(CliTest, UnwritableOutputIs74) {
    ISTMO_SKIP_WITHOUT_CLI();
    CommandResult r = run_cli("sign " + pki_key_args("rsa2048", "chain.pem") + " -o " + shell_quote(dir / "no-such-dir" / "out.xml") + " " +
                          shell_quote(invoice));
    EXPECT_EQ(r.exit_code, 74) << r.output;
    EXPECT_NE(r.output.find("cannot write"), std::string::npos) << r.output;
    if (fs::exists("/dev/full")) {
        r = run_cli("sign " + pki_key_args("rsa2048", "chain.pem") + " " + shell_quote(invoice) + " > /dev/full");
        EXPECT_EQ(r.exit_code, 74) << r.output;
    }
}

struct AlgCase {
    const char* alg;
    const char* key;         // stem in test-vectors/pki
    const char* uri_suffix;  // expected end of the SignatureMethod URI
};

class CliAlgorithmTest : public CliTest, public ::testing::WithParamInterface<AlgCase> {};

TEST_P(CliAlgorithmTest, SignsAndVerifies) {
    ISTMO_SKIP_WITHOUT_CLI();
    const AlgCase& c = GetParam();
    const fs::path out = sign_ok(pki_key_args(c.key, "chain.pem") + " --alg " + c.alg);
    const std::string content = istmo::test::read_file(out);
    EXPECT_NE(content.find(std::string(c.uri_suffix) + "\""), std::string::npos)
        << "SignatureMethod for " << c.alg << " not found in:\n" << content;
    CommandResult r = run_cli("verify --json " + trust_ca + " " + shell_quote(out));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"indication\":\"TOTAL_PASSED\""), std::string::npos) << r.output;

    const fs::path tampered = dir / "tampered.xml";
    istmo::test::write_file(tampered, replace_once(content, "100.00", "100.01"));
    EXPECT_EQ(run_cli("verify " + trust_ca + " " + shell_quote(tampered)).exit_code, 1);
}

INSTANTIATE_TEST_SUITE_P(
    CliAlg, CliAlgorithmTest,
    ::testing::Values(AlgCase{"rsa-sha256", "rsa2048", "#rsa-sha256"},
                      AlgCase{"rsa-sha384", "rsa2048", "#rsa-sha384"},
                      AlgCase{"rsa-sha512", "rsa3072", "#rsa-sha512"},
                      AlgCase{"rsa-pss-sha256", "rsa2048", "#sha256-rsa-MGF1"},
                      AlgCase{"rsa-pss-sha384", "rsa2048", "#sha384-rsa-MGF1"},
                      AlgCase{"rsa-pss-sha512", "rsa4096", "#sha512-rsa-MGF1"},
                      AlgCase{"ecdsa-sha256", "ec-p256", "#ecdsa-sha256"},
                      AlgCase{"ecdsa-sha384", "ec-p384", "#ecdsa-sha384"},
                      AlgCase{"ecdsa-sha512", "ec-p521", "#ecdsa-sha512"},
                      AlgCase{"ed25519", "ed25519", "ed25519"}),
    [](const ::testing::TestParamInfo<AlgCase>& param_info) {
        std::string name = param_info.param.alg;
        for (char& ch : name)
            if (ch == '-') ch = '_';
        return name;
    });

TEST_F(CliTest, AutomaticAlgorithmFollowsTheKey) {
    ISTMO_SKIP_WITHOUT_CLI();
    const std::string p384 = istmo::test::read_file(sign_ok(pki_key_args("ec-p384", "chain.pem"), "p384.xml"));
    EXPECT_NE(p384.find("#ecdsa-sha384\""), std::string::npos) << p384;
    const std::string ed = istmo::test::read_file(sign_ok(pki_key_args("ed25519", "chain.pem"), "ed.xml"));
    EXPECT_NE(ed.find("ed25519\""), std::string::npos) << ed;
}

TEST_F(CliTest, AlgorithmNotMatchingKeyIsRefused) {
    ISTMO_SKIP_WITHOUT_CLI();
    for (const auto& args : {pki_key_args("rsa2048", "chain.pem") + " --alg ed25519", pki_key_args("ec-p256", "chain.pem") + " --alg rsa-sha256",
                                   pki_key_args("ed25519", "chain.pem") + " --alg ecdsa-sha256"}) {
        CommandResult r = run_cli("sign " + args + " " + shell_quote(invoice));
        EXPECT_NE(r.exit_code, 0) << args << "\n" << r.output;
        EXPECT_NE(r.exit_code, 70) << args << "\n" << r.output;
        EXPECT_NE(r.output.find("istmo: "), std::string::npos) << r.output;
    }
}

TEST_F(CliTest, EveryCanonicalizationSignsAndVerifies) {
    ISTMO_SKIP_WITHOUT_CLI();
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"exc", "http://www.w3.org/2001/10/xml-exc-c14n#\""},
        {"exc-comments", "http://www.w3.org/2001/10/xml-exc-c14n#WithComments\""},
        {"inc", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315\""},
        {"inc-comments", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments\""},
        {"c14n11", "http://www.w3.org/2006/12/xml-c14n11\""},
        {"c14n11-comments", "http://www.w3.org/2006/12/xml-c14n11#WithComments\""},
    };
    for (const auto& [name, uri] : cases) {
        const fs::path out = sign_ok(pki_key_args("rsa2048", "chain.pem") + " --c14n " + name, name + ".xml");
        EXPECT_NE(istmo::test::read_file(out).find(uri), std::string::npos) << name;
        CommandResult r = run_cli("verify " + trust_ca + " " + shell_quote(out));
        EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.output;
    }
}

TEST_F(CliTest, EnvelopingAndDetachedModes) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path enveloping = sign_ok(pki_key_args("rsa2048", "chain.pem") + " --mode enveloping", "enveloping.xml");
    const std::string env_content = istmo::test::read_file(enveloping);
    EXPECT_NE(env_content.find("Object"), std::string::npos) << env_content;
    EXPECT_EQ(run_cli("verify " + trust_ca + " " + shell_quote(enveloping)).exit_code, 0);

    const fs::path detached = sign_ok(pki_key_args("rsa2048", "chain.pem") + " --mode detached --ref gDGen", "detached.xml");
    const std::string det_content = istmo::test::read_file(detached);
    EXPECT_NE(det_content.find("URI=\"#gDGen\""), std::string::npos) << det_content;
    CommandResult r = run_cli("verify " + trust_ca + " " + shell_quote(detached));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    // Changing the signed element breaks it.
    const fs::path tampered = dir / "detached-tampered.xml";
    istmo::test::write_file(tampered, replace_once(det_content, "<iAmb>2</iAmb>", "<iAmb>1</iAmb>"));
    EXPECT_EQ(run_cli("verify " + trust_ca + " " + shell_quote(tampered)).exit_code, 1);

    // A reference to an Id that does not exist is refused (not an internal error).
    r = run_cli("sign " + pki_key_args("rsa2048", "chain.pem") + " --mode detached --ref nowhere " + shell_quote(invoice));
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.exit_code, 70) << r.output;
}

TEST_F(CliTest, SignatureIdAndKeyValue) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path out = sign_ok(pki_key_args("rsa2048", "chain.pem") + " --id sig-istmo-1 --key-value");
    const std::string content = istmo::test::read_file(out);
    EXPECT_NE(content.find("Id=\"sig-istmo-1\""), std::string::npos) << content;
    EXPECT_NE(content.find("KeyValue"), std::string::npos) << content;
    EXPECT_EQ(run_cli("verify " + trust_ca + " " + shell_quote(out)).exit_code, 0);
}

TEST_F(CliTest, TrustedPublicKeyWithoutCertificate) {
    ISTMO_SKIP_WITHOUT_CLI();
    if (!istmo::test::have_tool("openssl")) GTEST_SKIP() << "the openssl CLI is needed to extract a public key";
    const fs::path pub = dir / "rsa2048.pub.pem";
    CommandResult r = run_command("openssl pkey -in " + shell_quote(pki("rsa2048.key.pem")) + " -pubout -out " + shell_quote(pub));
    ASSERT_EQ(r.exit_code, 0) << r.output;

    const fs::path out = sign_ok("--key " + shell_quote(pki("rsa2048.key.pem")));  // no certificate: KeyValue
    EXPECT_NE(istmo::test::read_file(out).find("KeyValue"), std::string::npos);
    r = run_cli("verify --pubkey " + shell_quote(pub) + " " + shell_quote(out));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(run_cli("verify " + shell_quote(out)).exit_code, 2);  // the key alone is not trusted
}

TEST_F(CliTest, LegacyFlagIsAccepted) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path out = sign_ok(pki_key_args("rsa2048", "chain.pem"));
    EXPECT_EQ(run_cli("verify --legacy " + trust_ca + " " + shell_quote(out)).exit_code, 0);
}

TEST_F(CliTest, VersionPrintsTheLibraryVersion) {
    ISTMO_SKIP_WITHOUT_CLI();
    CommandResult r = run_cli("version");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(std::string("istmo ") + istmo::version()), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("OpenSSL"), std::string::npos) << r.output;
    EXPECT_EQ(run_cli("--version").exit_code, 0);
}

}  // namespace
