// HTML validation reports (--report-html on verify, invoice validate, batch validate): parsed by
// lxml (tests/html/check_report.py) for the verdict, the findings and the signer, hostile text
// escaped, and rendered by headless Chromium when it is installed (Not Run otherwise).
#include "test_support.hpp"

#include <istmo/report/html.hpp>
#include <istmo/report/messages.hpp>

#include <gtest/gtest.h>

#include <filesystem>

namespace istmo::test {
namespace {

namespace fs = std::filesystem;

fs::path panama(const std::string& name) { return vectors_dir() / "panama-fe" / name; }

std::string python_with_lxml() {
    static const std::string found = test::python_with("lxml.html");
    return found;
}

// Runs the lxml checker; skips the test (Not Run) when no python3 has lxml.
#define ISTMO_CHECK_HTML(file, args)                                                                     \
    do {                                                                                                 \
        const std::string python = python_with_lxml();                                                  \
        if (python.empty()) GTEST_SKIP() << "python3-lxml is not installed: the HTML check did not run"; \
        const CommandResult checked = run_command(python + " " +                                        \
                                                  shell_quote(source_dir() / "tests" / "html" / "check_report.py") + \
                                                  " " + shell_quote(file) + " " + (args));               \
        EXPECT_EQ(checked.exit_code, 0) << checked.output;                                               \
    } while (false)

std::string q(const std::string& text) { return shell_quote(text); }

TEST(ReportHtml, EscapesEverythingFromTheDocument) {
    report::HtmlDocument d;
    d.name = "<img src=x onerror=alert(1)>.xml";
    d.indication = report::Indication::total_failed;
    d.facts.emplace_back("CUFE", "\"><script>alert(2)</script>");
    report::HtmlSignature s;
    s.signer = "CN=<b>Mallory</b> & Co";
    s.signed_data.emplace_back("#<id>", "</td></tr></table><script>x()</script>");
    d.signatures.push_back(s);
    d.findings.push_back(report::make_finding("DSIG-REF-DIGEST-MISMATCH", report::Severity::error,
                                              "digest of <script>evil()</script> ' \" \x01 \xff", "/a[1]/<b>"));
    const std::string html = report::write_html({d}, report::Language::en);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("<img"), std::string::npos);
    EXPECT_EQ(html.find("<b>"), std::string::npos);
    EXPECT_NE(html.find("CN=&lt;b&gt;Mallory&lt;/b&gt; &amp; Co"), std::string::npos);
    EXPECT_NE(html.find("&#39; &quot;  \xEF\xBF\xBD"), std::string::npos) << "control dropped, bad byte replaced";
    TempDir dir;
    write_file(dir / "page.html", html);
    ISTMO_CHECK_HTML(dir / "page.html", "--verdict failed --text " + q("CN=<b>Mallory</b> & Co") + " --text " +
                                            q("DSIG-REF-DIGEST-MISMATCH"));
}

TEST(ReportHtml, VerifyWritesVerdictSignerAndChain) {
    ISTMO_SKIP_WITHOUT_CLI();
    TempDir dir;
    write_file(dir / "doc.xml", "<doc><a>Año 2026</a></doc>");
    CommandResult r = run_cli("sign --key " + shell_quote(pki("rsa2048.p12")) + " --pass-file " +
                              shell_quote(pki("password.txt")) + " -o " + shell_quote(dir / "signed.xml") + " " +
                              shell_quote(dir / "doc.xml"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run_cli("verify --lang es --trust " + shell_quote(pki("ca.cert.pem")) + " --report-html " +
                shell_quote(dir / "ok.html") + " " + shell_quote(dir / "signed.xml"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ISTMO_CHECK_HTML(dir / "ok.html", "--verdict passed --text VÁLIDO --text " + q("CN=Istmo Test rsa2048") +
                                          " --text " + q("Cadena de certificados") + " --text " + q("Qué se firmó") +
                                          " --text " + q("el documento completo") +
                                          " --text DSIG-CERT-REVOCATION-NOT-CHECKED");
    // The same document, untrusted: INDETERMINATE with its finding, in English.
    r = run_cli("verify --lang en --report-html " + shell_quote(dir / "untrusted.html") + " " +
                shell_quote(dir / "signed.xml"));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    ISTMO_CHECK_HTML(dir / "untrusted.html", "--verdict indeterminate --text NO_CERTIFICATE_CHAIN_FOUND --text Findings --absent VÁLIDO");
}

TEST(ReportHtml, InvoiceValidateListsEachInputWithFindingsBySeverity) {
    ISTMO_SKIP_WITHOUT_CLI();
    TempDir dir;
    const CommandResult r =
        run_cli("invoice validate --lang es --trust " + shell_quote(pki("chain.pem")) + " --report-html " +
                shell_quote(dir / "inv.html") + " " + shell_quote(panama("valid/01-factura.xml")) + " " +
                shell_quote(panama("invalid/x26-dtotneto-1-decimal.xml")) + " " + shell_quote(dir / "missing.xml"));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    ISTMO_CHECK_HTML(dir / "inv.html",
                     "--verdict passed --verdict failed --verdict failed --text " +
                         q("FE0120000155596713-2-2015-5900002026112000000000010010121234567899") +
                         " --text " + q("RUC del emisor") + " --text FE-XSD-VALUE --text " +
                         q("/rFE/gTot/dTotNeto") + " --text Errores --text BATCH-IO-NOT-FOUND --text " +
                         q("CN=Istmo Test rsa2048"));
}

TEST(ReportHtml, BatchShowsCountsCodesIssuersAndFailures) {
    ISTMO_SKIP_WITHOUT_CLI();
    TempDir dir;
    const CommandResult r = run_cli("batch validate --lang en --progress never --trust " + shell_quote(pki("chain.pem")) +
                                    " -o " + shell_quote(dir / "out.ndjson") + " --report-html " +
                                    shell_quote(dir / "batch.html") + " " + shell_quote(panama("valid")) + " " +
                                    shell_quote(panama("invalid")));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    ISTMO_CHECK_HTML(dir / "batch.html", "--text " + q("Batch validation report") + " --text TOTAL_FAILED --text " +
                                             q("Most frequent findings") + " --text FE-XSD-VALUE --text " +
                                             q("155596713-2-2015 DV 59") + " --text x26-dtotneto-1-decimal.xml" +
                                             " --absent 01-factura-completa.xml");
}

// Headless Chromium renders the page (as a person's browser would) and its DOM holds the verdict
// and the signer; a screenshot is written for people to look at (ISTMO_KEEP_SCREENSHOTS=DIR).
TEST(ReportHtml, ChromiumRendersThePage) {
    ISTMO_SKIP_WITHOUT_CLI();
    std::string browser;
    for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
        if (have_tool(name)) browser = name;
    if (browser.empty()) GTEST_SKIP() << "chromium is not installed: the browser check did not run";
    TempDir dir;
    CommandResult r = run_cli("invoice validate --lang es --trust " + shell_quote(pki("chain.pem")) + " --report-html " +
                              shell_quote(dir / "inv.html") + " " + shell_quote(panama("valid/01-factura.xml")) + " " +
                              shell_quote(panama("invalid/x26-dtotneto-1-decimal.xml")));
    ASSERT_EQ(r.exit_code, 1) << r.output;
    const std::string flags = " --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions"
                              " --user-data-dir=" + shell_quote(dir / "profile") + " ";
    const std::string url = shell_quote("file://" + (dir / "inv.html").string());
    r = run_command("timeout 180 " + browser + flags + "--dump-dom " + url + " 2>/dev/null");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    for (const char* expected : {"VÁLIDO", "NO VÁLIDO", "FE-XSD-VALUE", "CN=Istmo Test rsa2048", "/rFE/gTot/dTotNeto"})
        EXPECT_NE(r.output.find(expected), std::string::npos) << expected;
    r = run_command("cd " + shell_quote(dir.path()) + " && timeout 180 " + browser + flags +
                    "--window-size=1200,1800 --screenshot=" + shell_quote(dir / "shot.png") + " " + url + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_TRUE(fs::exists(dir / "shot.png")) << r.output;
    EXPECT_GT(fs::file_size(dir / "shot.png"), 10000u);
    if (const char* keep = std::getenv("ISTMO_KEEP_SCREENSHOTS")) fs::copy_file(dir / "shot.png", fs::path(keep) / "report.png",
                                                                                fs::copy_options::overwrite_existing);
}

}  // namespace
}  // namespace istmo::test
