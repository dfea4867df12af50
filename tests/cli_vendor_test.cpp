// The vendor's first hour through the istmo CLI: a PKCS#12 gives key, certificate and chain;
// invoice new/sign refuse what the DGI would refuse; verify and validate say why a result is not
// TOTAL_PASSED; data errors exit 65; messages in Spanish; batch Ctrl-C says how to resume.
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace {

using istmo::test::CommandResult;
using istmo::test::pki;
using istmo::test::run_cli;
using istmo::test::run_command;
using istmo::test::shell_quote;
using istmo::test::TempDir;
namespace fs = std::filesystem;


std::string cli_command() { return istmo::test::shell_quote(istmo::test::cli_path()); }

fs::path panama(const std::string& name) { return istmo::test::vectors_dir() / "panama-fe" / name; }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t count(const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (auto pos = text.find(part); pos != std::string::npos; pos = text.find(part, pos + part.size())) ++n;
    return n;
}

const std::string p12_args = "--key " + shell_quote(pki("rsa2048.p12")) + " --pass-file " + shell_quote(pki("password.txt"));

class CliVendorTest : public ::testing::Test {
protected:
    // invoice new from the JSON sample into dir/unsigned.xml.
    fs::path new_invoice() {
        const fs::path out = dir / "unsigned.xml";
        CommandResult r = run_cli("invoice new --from " + shell_quote(panama("json/01-factura.json")) + " -o " + shell_quote(out));
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return out;
    }
    // invoice sign with the PKCS#12 and a QR secret from the environment into dir/<name>.
    CommandResult sign_invoice(const fs::path& in, const std::string& extra, const std::string& name = "signed.xml") {
        return run_command("ISTMO_TEST_QR=s3cret " + cli_command() + " invoice sign " + extra + " -o " +
                           shell_quote(dir / name) + " " + shell_quote(in));
    }
    TempDir dir;
};

// ---- PKCS#12 ------------------------------------------------------------------------------

TEST_F(CliVendorTest, SignWithPkcs12EmbedsItsCertificateAndChain) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path doc = dir / "doc.xml";
    istmo::test::write_file(doc, "<doc><a>1</a></doc>\n");
    CommandResult r = run_cli("sign " + p12_args + " -o " + shell_quote(dir / "signed.xml") + " " + shell_quote(doc));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string signed_xml = istmo::test::read_file(dir / "signed.xml");
    // Signer, intermediate and root of the .p12 (openssl pkcs12 -nokeys lists these three).
    EXPECT_EQ(count(signed_xml, "X509Certificate>"), 6u) << signed_xml;
    // Trusting only the root works: the intermediate came from the .p12.
    r = run_cli("verify --trust " + shell_quote(pki("ca.cert.pem")) + " " + shell_quote(dir / "signed.xml"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "TOTAL_PASSED")) << r.output;

    // --cert and --chain override what the .p12 holds.
    r = run_cli("sign " + p12_args + " --cert " + shell_quote(pki("rsa2048.cert.pem")) + " --chain " +
                shell_quote(pki("intermediate.cert.pem")) + " -o " + shell_quote(dir / "override.xml") + " " + shell_quote(doc));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(count(istmo::test::read_file(dir / "override.xml"), "X509Certificate>"), 4u);
}

TEST_F(CliVendorTest, SignWithoutCertificateSaysSo) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path doc = dir / "doc.xml";
    istmo::test::write_file(doc, "<doc/>\n");
    CommandResult r = run_cli("sign --key " + shell_quote(pki("rsa2048.key.pem")) + " -o " + shell_quote(dir / "s.xml") + " " + shell_quote(doc));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "no certificate")) << r.output;
}

TEST_F(CliVendorTest, Pkcs12PasswordFromEnvironmentOrFileAndWrongPassword) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path unsigned_xml = new_invoice();
    CommandResult r = run_command("P12=istmo-test-pass ISTMO_TEST_QR=s3cret " + cli_command() +
                                  " invoice sign --key " + shell_quote(pki("rsa2048.p12")) +
                                  " --pass-env P12 --qr-secret-env ISTMO_TEST_QR -o " + shell_quote(dir / "a.xml") + " " +
                                  shell_quote(unsigned_xml));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = sign_invoice(unsigned_xml, p12_args + " --qr-secret-env ISTMO_TEST_QR", "b.xml");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = run_command("P12=wrong ISTMO_TEST_QR=s3cret " + cli_command() + " invoice sign --key " +
                    shell_quote(pki("rsa2048.p12")) + " --pass-env P12 --qr-secret-env ISTMO_TEST_QR " + shell_quote(unsigned_xml));
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_TRUE(contains(r.output, "password")) << r.output;
    // The library's message in Spanish (message catalogue).
    r = run_command("P12=wrong " + cli_command() + " sign --lang es --key " + shell_quote(pki("rsa2048.p12")) +
                    " --pass-env P12 " + shell_quote(unsigned_xml));
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_TRUE(contains(r.output, "no se puede abrir el archivo PKCS#12: contraseña incorrecta")) << r.output;
    r = run_cli("sign --lang es --key " + shell_quote(pki("rsa2048.key.enc.pem")) + " " + shell_quote(unsigned_xml));
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_FALSE(contains(r.output, "is encrypted")) << r.output;
}

// ---- invoice new / sign refuse what the DGI refuses ----------------------------------------

TEST_F(CliVendorTest, InvoiceNewRefusesAnInvalidInvoiceWithItsFindings) {
    ISTMO_SKIP_WITHOUT_CLI();
    std::string json = istmo::test::read_file(panama("json/01-factura.json"));
    const std::string good_dv = "\"dDV\": \"73\"";
    ASSERT_TRUE(contains(json, good_dv));
    json.replace(json.find(good_dv), good_dv.size(), "\"dDV\": \"11\"");  // wrong receiver check digits
    istmo::test::write_file(dir / "bad.json", json);
    CommandResult r = run_cli("invoice new --from " + shell_quote(dir / "bad.json") + " -o " + shell_quote(dir / "bad.xml"));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "dDV")) << r.output;  // the finding names the field
    EXPECT_FALSE(fs::exists(dir / "bad.xml"));
    r = run_cli("invoice new --no-validate --from " + shell_quote(dir / "bad.json") + " -o " + shell_quote(dir / "bad.xml"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(fs::exists(dir / "bad.xml"));
}

TEST_F(CliVendorTest, InvoiceSignNeedsTheQrSecretUnlessNoQr) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path unsigned_xml = new_invoice();
    CommandResult r = sign_invoice(unsigned_xml, p12_args);
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_TRUE(contains(r.output, "dQRCode")) << r.output;
    r = run_command("EMPTY= " + cli_command() + " invoice sign " + p12_args + " --qr-secret-env EMPTY " +
                    shell_quote(unsigned_xml));
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_TRUE(contains(r.output, "empty")) << r.output;
    r = sign_invoice(unsigned_xml, p12_args + " --no-qr");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_FALSE(contains(istmo::test::read_file(dir / "signed.xml"), "dQRCode"));
    r = sign_invoice(unsigned_xml, p12_args + " --qr-secret-env ISTMO_TEST_QR", "with-qr.xml");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(istmo::test::read_file(dir / "with-qr.xml"), "dQRCode"));
}

TEST_F(CliVendorTest, InvoiceQrTakesTheDigestValueFromTheSignatureNotFromTheText) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path in = new_invoice();
    CommandResult r = sign_invoice(in, p12_args + " --no-qr");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::string signed_xml = istmo::test::read_file(dir / "signed.xml");
    ASSERT_EQ(count(signed_xml, "DigestValue>"), 2u) << "one Reference expected";
    const auto open = signed_xml.find("DigestValue>") + 12;
    const std::string digest = signed_xml.substr(open, signed_xml.find('<', open) - open);
    // A comment that looks like a DigestValue before the signature: C14N drops comments, so the
    // signature still verifies, and a text search would take the fake value.
    signed_xml.insert(signed_xml.find("<dVerForm"), "<!-- <ds:DigestValue>FAKEFAKE</ds:DigestValue> -->");
    istmo::test::write_file(dir / "commented.xml", signed_xml);
    r = run_command("ISTMO_TEST_QR=s3cret " + cli_command() + " invoice qr --qr-secret-env ISTMO_TEST_QR " +
                    shell_quote(dir / "commented.xml"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "&digestValue=" + digest + "&jwt=")) << digest << "\n" << r.output;
    EXPECT_FALSE(contains(r.output, "FAKE")) << r.output;
    // An unsigned invoice has no DigestValue to repeat.
    r = run_command("ISTMO_TEST_QR=s3cret " + cli_command() + " invoice qr --qr-secret-env ISTMO_TEST_QR " + shell_quote(in));
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "not signed")) << r.output;
}

TEST_F(CliVendorTest, InvoiceSignRefusesAnInvalidInvoiceAndAnUnusableCertificate) {
    ISTMO_SKIP_WITHOUT_CLI();
    CommandResult r = sign_invoice(panama("invalid/x57-dvtot.xml"), p12_args + " --qr-secret-env ISTMO_TEST_QR");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "FE-CALC-VTOT")) << r.output;
    EXPECT_FALSE(fs::exists(dir / "signed.xml"));

    const fs::path unsigned_xml = new_invoice();
    for (const char* stem : {"expired", "not-yet-valid"}) {
        const std::string args = "--key " + shell_quote(pki(std::string(stem) + ".key.pem")) + " --cert " +
                                 shell_quote(pki(std::string(stem) + ".cert.pem")) + " --qr-secret-env ISTMO_TEST_QR";
        r = sign_invoice(unsigned_xml, args);
        EXPECT_EQ(r.exit_code, 64) << stem << "\n" << r.output;
        EXPECT_TRUE(contains(r.output, std::string(stem) == "expired" ? "expired" : "not yet valid")) << r.output;
    }
    // Without any certificate (a PEM key alone) the profile cannot sign.
    r = sign_invoice(unsigned_xml, "--key " + shell_quote(pki("rsa2048.key.pem")) + " --qr-secret-env ISTMO_TEST_QR");
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_TRUE(contains(r.output, "--cert")) << r.output;
}

// ---- verify and validate: the DGI's definition, and the reasons ----------------------------

TEST_F(CliVendorTest, VerifyGivenAnRfeVerifiesItAsTheDgiDefinesIt) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path unsigned_xml = new_invoice();
    ASSERT_EQ(sign_invoice(unsigned_xml, p12_args + " --qr-secret-env ISTMO_TEST_QR").exit_code, 0);
    CommandResult r = run_cli("verify --trust " + shell_quote(pki("ca.cert.pem")) + " --untrusted " +
                              shell_quote(pki("intermediate.cert.pem")) + " " + shell_quote(dir / "signed.xml"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "TOTAL_PASSED")) << r.output;
    EXPECT_TRUE(contains(r.output, "gNoFirm")) << r.output;  // it says how it verified
    // A changed signed field still fails.
    std::string changed = istmo::test::read_file(dir / "signed.xml");
    const auto pos = changed.find("Servicio de consultor");
    ASSERT_NE(pos, std::string::npos);
    changed.replace(pos, 8, "Servicia");
    istmo::test::write_file(dir / "changed.xml", changed);
    r = run_cli("verify --trust " + shell_quote(pki("chain.pem")) + " " + shell_quote(dir / "changed.xml"));
    EXPECT_EQ(r.exit_code, 1) << r.output;
}

TEST_F(CliVendorTest, IndeterminatePrintsItsReasons) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path unsigned_xml = new_invoice();
    ASSERT_EQ(sign_invoice(unsigned_xml, p12_args + " --qr-secret-env ISTMO_TEST_QR").exit_code, 0);
    CommandResult r = run_cli("verify " + shell_quote(dir / "signed.xml"));  // nothing trusted
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(contains(r.output, "DSIG-CERT-UNTRUSTED")) << r.output;
    r = run_cli("invoice validate " + shell_quote(dir / "signed.xml"));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(contains(r.output, "DSIG-CERT-UNTRUSTED")) << r.output;
    // --untrusted and --trust-dir as in verify: the root directory plus the intermediate pass.
    fs::create_directory(dir / "roots");
    fs::copy_file(pki("ca.cert.pem"), dir / "roots" / "ca.pem");
    r = run_cli("invoice validate --trust-dir " + shell_quote(dir / "roots") + " --untrusted " +
                shell_quote(pki("intermediate.cert.pem")) + " " + shell_quote(dir / "signed.xml"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(CliVendorTest, ValidateReportsAMissingFileAndValidatesTheOthers) {
    ISTMO_SKIP_WITHOUT_CLI();
    // A fixed validation time keeps the two JSON runs byte-comparable.
    const std::string trust = "--trust " + shell_quote(pki("chain.pem")) + " --at 2026-12-01T00:00:00Z ";
    const fs::path good = panama("valid/01-factura.xml");
    CommandResult r = run_cli("invoice validate " + trust + shell_quote(dir / "missing.xml") + " " + shell_quote(good));
    EXPECT_EQ(r.exit_code, 66) << r.output;
    EXPECT_TRUE(contains(r.output, "missing.xml")) << r.output;
    EXPECT_TRUE(contains(r.output, "01-factura.xml: TOTAL_PASSED")) << r.output;

    // --json: one object per input and per line, the same shape for one or many.
    r = run_command("( " + cli_command() + " invoice validate --json " + trust + shell_quote(dir / "missing.xml") + " " +
                    shell_quote(good) + " 2>/dev/null )");
    ASSERT_EQ(count(r.output, "\n"), 2u) << r.output;
    const std::string first = r.output.substr(0, r.output.find('\n'));
    const std::string second = r.output.substr(r.output.find('\n') + 1);
    EXPECT_EQ(first.rfind("{\"file\":", 0), 0u) << first;
    EXPECT_TRUE(contains(first, "\"report\":null")) << first;
    EXPECT_EQ(second.rfind("{\"file\":", 0), 0u) << second;
    EXPECT_TRUE(contains(second, "\"indication\":\"TOTAL_PASSED\"")) << second;
    CommandResult one = run_command(cli_command() + " invoice validate --json " + trust + shell_quote(good));
    EXPECT_EQ(one.exit_code, 0) << one.output;
    EXPECT_EQ(one.output, second);
}

TEST_F(CliVendorTest, EmptyBinaryAndNotWellFormedInputExit65InEveryCommand) {
    ISTMO_SKIP_WITHOUT_CLI();
    istmo::test::write_file(dir / "empty.xml", "");
    istmo::test::write_file(dir / "binary.xml", std::string("\x00\x01\xff\xfe\x80garbage", 11));
    istmo::test::write_file(dir / "broken.xml", "<rFE xmlns=\"http://dgi-fep.mef.gob.pa\"><dId>1</rFE>");
    for (const char* name : {"empty.xml", "binary.xml", "broken.xml"}) {
        const std::string in = shell_quote(dir / name);
        for (const std::string& command :
             {"verify " + in, "invoice validate " + in, "invoice cufe " + in, "invoice new --from " + in,
              "sign " + p12_args + " " + in,
              "invoice sign " + p12_args + " --no-qr " + in, "invoice qr --qr-secret-file " + shell_quote(pki("password.txt")) + " " + in}) {
            CommandResult r = run_cli(command);
            EXPECT_EQ(r.exit_code, 65) << name << ": " << command << "\n" << r.output;
        }
    }
}

// ---- languages, version, batch --------------------------------------------------------------

TEST_F(CliVendorTest, MessagesInSpanishFromLangOrTheEnvironment) {
    ISTMO_SKIP_WITHOUT_CLI();
    CommandResult r = run_cli("verify --lang es");
    EXPECT_EQ(r.exit_code, 64);
    EXPECT_TRUE(contains(r.output, "falta el documento")) << r.output;
    r = run_command("LANG=es_PA.UTF-8 LC_ALL= LC_MESSAGES= " + cli_command() + " verify");
    EXPECT_TRUE(contains(r.output, "falta el documento")) << r.output;
    r = run_command("LANG=es_PA.UTF-8 LC_ALL= " + cli_command() + " verify --lang en");
    EXPECT_TRUE(contains(r.output, "missing input")) << r.output;
    r = run_command("LANG=es_PA.UTF-8 LC_ALL=en_US.UTF-8 " + cli_command() + " verify");
    EXPECT_TRUE(contains(r.output, "missing input")) << r.output;  // LC_ALL wins
    r = run_cli("--lang es --help");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(contains(r.output, "Códigos de salida")) << r.output;
    r = run_cli("verify --lang fr x.xml");
    EXPECT_EQ(r.exit_code, 64) << r.output;
    // Every command takes --lang.
    for (const char* command : {"sign", "verify", "invoice new", "invoice sign", "invoice validate", "invoice cufe",
                                "invoice ruc-dv", "invoice qr", "batch validate", "timestamp request",
                                "timestamp verify", "version"}) {
        r = run_cli(std::string(command) + " --lang es --help");
        EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.output;
        EXPECT_TRUE(contains(r.output, "Códigos de salida")) << command << "\n" << r.output;
    }
    // The help body follows --lang wherever --lang stands, before or after --help (issue 12).
    for (const char* command : {"sign", "verify", "invoice", "invoice new", "invoice sign", "invoice validate",
                                "invoice cufe", "invoice ruc-dv", "invoice qr", "invoice cafe", "batch validate",
                                "timestamp", "timestamp request", "timestamp verify", "cert status", "version"}) {
        const CommandResult english = run_cli(std::string(command) + " --help --lang en");
        const CommandResult spanish = run_cli(std::string("--lang es ") + command + " --help");
        EXPECT_EQ(english.exit_code, 0) << command << "\n" << english.output;
        EXPECT_EQ(spanish.exit_code, 0) << command << "\n" << spanish.output;
        EXPECT_NE(english.output, spanish.output) << command << ": the help is the same in both languages";
        EXPECT_TRUE(contains(spanish.output, "Códigos de salida")) << command << "\n" << spanish.output;
        EXPECT_FALSE(contains(spanish.output, "usage: istmo")) << command << "\n" << spanish.output;
        for (const std::string order : {" --help --lang es", " --lang es --help", " --help --lang=es", " -h --lang es"})
            EXPECT_EQ(run_cli(command + order).output, spanish.output) << "istmo " << command << order;
        EXPECT_EQ(run_command("LANG=es_PA.UTF-8 LC_ALL= " + cli_command() + " " + command + " --help --lang en").output,
                  english.output)
            << command;
    }
    r = run_cli("help verify --lang es");
    EXPECT_TRUE(contains(r.output, "uso: istmo verify")) << r.output;
    // Texts of the library quoted by the CLI (a path validation's reason) in Spanish too.
    r = run_cli("cert status --lang es --trust " + shell_quote(pki("ca.cert.pem")) + " " + shell_quote(pki("rsa2048.cert.pem")));
    EXPECT_TRUE(contains(r.output, "ruta: no_chain (no se puede obtener el certificado del emisor local (CN=")) << r.output;
    // Invoice findings in Spanish.
    r = run_cli("invoice validate --lang es --trust " + shell_quote(pki("chain.pem")) + " " + shell_quote(panama("invalid/x57-dvtot.xml")));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "FE-CALC-VTOT")) << r.output;
    EXPECT_TRUE(contains(r.output, " en /rFE")) << r.output;
}

TEST_F(CliVendorTest, SignatureAndTimestampFindingsInSpanish) {
    ISTMO_SKIP_WITHOUT_CLI();
    const fs::path attacks = istmo::test::vectors_dir() / "attacks";
    const std::string md5 = shell_quote(attacks / "alg-02-md5-digest.xml");
    CommandResult r = run_cli("verify --lang es " + md5);
    EXPECT_TRUE(contains(r.output, "DSIG-ALG-FORBIDDEN")) << r.output;
    EXPECT_TRUE(contains(r.output, "el método de resumen http://www.w3.org/2001/04/xmldsig-more#md5 está prohibido")) << r.output;
    EXPECT_FALSE(contains(r.output, "is forbidden")) << r.output;
    r = run_cli("verify --lang en " + md5);
    EXPECT_TRUE(contains(r.output, "digest method http://www.w3.org/2001/04/xmldsig-more#md5 is forbidden")) << r.output;
    // JSON carries both, whatever the language.
    r = run_cli("verify --json " + md5);
    EXPECT_TRUE(contains(r.output, "\"message\":\"digest method http://www.w3.org/2001/04/xmldsig-more#md5 is forbidden\","
                                   "\"message_es\":\"el método de resumen http://www.w3.org/2001/04/xmldsig-more#md5 está "
                                   "prohibido\""))
        << r.output;
    EXPECT_FALSE(contains(r.output, "\"message_es\":null")) << r.output;
    // A time-stamp: its findings and the closing error line.
    const std::string garbage = "timestamp verify --data " + shell_quote(attacks / "tsa-data.txt") + " --trust " +
                                shell_quote(pki("ca.cert.pem")) + " " + shell_quote(attacks / "tsa-05-garbage.tsr");
    r = run_cli(garbage + " --lang es");
    EXPECT_EQ(r.exit_code, 65) << r.output;
    EXPECT_EQ(count(r.output, "la respuesta no es un TimeStampResp en DER"), 2u) << r.output;
    EXPECT_FALSE(contains(r.output, "not a DER TimeStampResp")) << r.output;
    r = run_cli(garbage + " --json");
    EXPECT_TRUE(contains(r.output, "\"message_es\":\"la respuesta no es un TimeStampResp en DER\"")) << r.output;
    // What the broken token does not have is null, never "".
    EXPECT_TRUE(contains(r.output, "\"gen_time\":null")) << r.output;
    EXPECT_TRUE(contains(r.output, "\"signer\":{\"subject\":null")) << r.output;
    EXPECT_FALSE(contains(r.output, ":\"\"")) << r.output;
}

TEST_F(CliVendorTest, VersionNamesEachLibraryOnce) {
    ISTMO_SKIP_WITHOUT_CLI();
    CommandResult r = run_cli("version");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(count(r.output, "OpenSSL"), 1u) << r.output;
    EXPECT_EQ(count(r.output, "libxml2"), 1u) << r.output;
    EXPECT_EQ(count(r.output, "istmo"), 1u) << r.output;
}

TEST_F(CliVendorTest, BatchProgressLineNeverMixesWithResultLinesOnATerminal) {
    ISTMO_SKIP_WITHOUT_CLI();
    if (!istmo::test::have_tool("script")) GTEST_SKIP() << "no script(1) to give the CLI a terminal";
    // Results and progress on one terminal (script(1) gives the CLI a pseudo-terminal).
    const std::string command = cli_command() + " batch validate --progress always --jobs 1 --trust " +
                                shell_quote(pki("chain.pem")) + " " + shell_quote(panama("valid"));
    CommandResult r = run_command("script -qec " + shell_quote(command) + " /dev/null");
    std::size_t results = 0;
    for (auto at = r.output.find("{\"source\""); at != std::string::npos; at = r.output.find("{\"source\"", at + 1)) {
        ++results;
        // Each result line starts a line of its own: after a newline or after the progress line
        // was cleared ("\r" + erase-line), never right after progress text.
        const bool at_line_start = at == 0 || r.output[at - 1] == '\n' ||
                                   (at >= 4 && r.output.compare(at - 4, 4, "\r\033[K") == 0);
        EXPECT_TRUE(at_line_start) << "result line glued to the progress line: ..."
                                   << r.output.substr(at >= 40 ? at - 40 : 0, 60);
    }
    EXPECT_GE(results, 10u) << r.output;
}

TEST_F(CliVendorTest, BatchCtrlCSaysHowToResume) {
    ISTMO_SKIP_WITHOUT_CLI();
    if (!istmo::test::have_tool("timeout")) GTEST_SKIP() << "no timeout(1)";
    // The run waits for paths on standard input; SIGINT arrives while it waits.
    CommandResult r = run_command("sleep 3 | timeout -s INT 1 " + cli_command() + " batch validate --progress never --out " +
                                  shell_quote(dir / "results.ndjson") + " -");
    EXPECT_EQ(r.exit_code, 124) << r.output;  // timeout(1): the command was interrupted
    EXPECT_TRUE(contains(r.output, "--resume")) << r.output;
    EXPECT_TRUE(contains(r.output, "results.ndjson")) << r.output;
    r = run_command("sleep 3 | timeout -s INT 1 " + cli_command() + " batch validate --lang es --progress never -");
    EXPECT_TRUE(contains(r.output, "--out ARCHIVO")) << r.output;
}

}  // namespace
