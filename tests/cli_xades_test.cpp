// XAdES through the istmo CLI (sign --profile ..., verify with --tsa-trust / --policy-doc /
// --report-xml) and the ETSI TS 119 102-2 XML report of the library (to_etsi_xml).
#include <istmo/istmo.hpp>
#include <istmo/xades/xades.hpp>

#include "test_support.hpp"
#include "xml/document_impl.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace {

using namespace istmo;
using istmo::test::CommandResult;
using istmo::test::pki;
using istmo::test::pki_key_args;
using istmo::test::run_cli;
using istmo::test::shell_quote;
using istmo::test::run_command;
using istmo::test::TempDir;
namespace fs = std::filesystem;

constexpr std::string_view k_etsi = "http://uri.etsi.org/19102/v1.2.1#";

const char* const k_doc = "<rFE xmlns=\"http://dgi-fep.mef.gob.pa\"><gDGen><iAmb>2</iAmb></gDGen></rFE>\n";

// The element children of `parent` with the given local name in the ETSI namespace.
std::vector<const xmlNode*> etsi_children(const xmlNode* parent, std::string_view name) {
    std::vector<const xmlNode*> out;
    for (const xmlNode* c = xml::first_element_child(parent); c; c = xml::next_element_sibling(c))
        if (xml::is_element(c, k_etsi, name)) out.push_back(c);
    return out;
}
const xmlNode* etsi_child(const xmlNode* parent, std::string_view name) {
    auto all = etsi_children(parent, name);
    return all.empty() ? nullptr : all.front();
}
std::string text_at(const xmlNode* node, std::initializer_list<std::string_view> path) {
    for (std::string_view step : path) node = node ? etsi_child(node, step) : nullptr;
    return node ? xml::text_content(node) : std::string("<missing>");
}

// ---- the library's ETSI report -------------------------------------------------------------

std::string sign_xades(xades::SignOptions options) {
    auto k = crypto::PrivateKey::from_file(pki("rsa2048.key.pem").string());
    auto c = crypto::Certificate::from_file(pki("rsa2048.cert.pem").string());
    auto chain = crypto::Certificate::all_from_file(pki("intermediate.cert.pem").string());
    auto signer = xades::Signer::create(*k, *c, *chain, std::move(options));
    EXPECT_TRUE(signer.has_value());
    if (!signer) return {};
    auto out = signer->sign(k_doc);
    EXPECT_TRUE(out.has_value());
    return out ? *out : std::string();
}

TEST(XadesEtsiReport, ParsesAndHoldsTheEtsiStructure) {
    xades::SignOptions options;
    options.profile = xades::Profile::epes;
    options.policy = xades::SignaturePolicy{};
    options.policy->identifier = "2.16.591.1.1.1";
    options.policy->digest.assign(32, 0x5a);
    options.claimed_roles = {"Emisor & <firmante>"};
    options.commitment = "proof-of-origin";
    const std::string signed_xml = sign_xades(options);

    xades::VerifyOptions verify_options;
    ASSERT_TRUE(verify_options.dsig.trust.add_file(pki("ca.cert.pem").string()).has_value());
    auto report = xades::Verifier(verify_options).verify(signed_xml);
    ASSERT_TRUE(report.has_value());
    ASSERT_EQ(report->indication, report::Indication::total_passed) << report->to_text();
    // Our IssuerSerialV2 describes our certificate (it was once written empty).
    for (const auto& f : report->findings) EXPECT_NE(f.code, "XADES-ISSUER-SERIAL-MISMATCH") << f.message;

    const std::string etsi = report->to_etsi_xml();
    auto doc = xml::XmlDocument::parse(etsi);
    ASSERT_TRUE(doc.has_value()) << doc.error().to_string() << "\n" << etsi;
    EXPECT_EQ(doc->root_name(), "ValidationReport");
    EXPECT_EQ(doc->root_namespace(), k_etsi);
    const xmlNode* root = xmlDocGetRootElement(xml::get(*doc));
    auto reports = etsi_children(root, "SignatureValidationReport");
    ASSERT_EQ(reports.size(), 1u) << etsi;
    const xmlNode* svr = reports.front();
    for (const char* name : {"SignatureIdentifier", "ValidationTimeInfo", "SignatureAttributes", "SignerInformation",
                             "SignatureValidationProcess", "SignatureValidationStatus"})
        EXPECT_NE(etsi_child(svr, name), nullptr) << name << "\n" << etsi;
    EXPECT_EQ(text_at(svr, {"SignatureValidationStatus", "MainIndication"}), "urn:etsi:019102:mainindication:total-passed");
    EXPECT_EQ(etsi_child(etsi_child(svr, "SignatureValidationStatus"), "SubIndication"), nullptr);
    EXPECT_EQ(text_at(svr, {"ValidationTimeInfo", "ValidationTime"}), report->validation_time);
    EXPECT_EQ(text_at(svr, {"SignerInformation", "Signer"}), report->signatures[0].signer->subject);
    const xmlNode* attributes = etsi_child(svr, "SignatureAttributes");
    EXPECT_NE(text_at(attributes, {"SigningTime", "Time"}), "<missing>");
    EXPECT_EQ(text_at(attributes, {"SignerRole", "RoleDetails", "Role"}), "Emisor & <firmante>");
    EXPECT_EQ(text_at(attributes, {"CommitmentTypeIndication", "CommitmentTypeIdentifier"}),
              "http://uri.etsi.org/01903/v1.2.2#ProofOfOrigin");
    EXPECT_EQ(text_at(attributes, {"SigPolicyIdentifier", "SigPolicyId"}), "urn:oid:2.16.591.1.1.1");
    EXPECT_NE(etsi_child(root, "SignatureValidationObjects"), nullptr);
}

TEST(XadesEtsiReport, FailuresCarryTheUrnSubIndication) {
    const std::string signed_xml = sign_xades({});
    // Untrusted: INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND.
    auto untrusted = xades::Verifier().verify(signed_xml);
    ASSERT_TRUE(untrusted.has_value());
    auto doc = xml::XmlDocument::parse(untrusted->to_etsi_xml());
    ASSERT_TRUE(doc.has_value());
    const xmlNode* svr = etsi_child(xmlDocGetRootElement(xml::get(*doc)), "SignatureValidationReport");
    EXPECT_EQ(text_at(svr, {"SignatureValidationStatus", "MainIndication"}), "urn:etsi:019102:mainindication:indeterminate");
    EXPECT_EQ(text_at(svr, {"SignatureValidationStatus", "SubIndication"}),
              "urn:etsi:019102:subindication:NO_CERTIFICATE_CHAIN_FOUND");

    // Not XML at all: one report with the document-level verdict.
    auto broken = xades::Verifier().verify("<a><b></a>");
    ASSERT_TRUE(broken.has_value());
    auto doc2 = xml::XmlDocument::parse(broken->to_etsi_xml());
    ASSERT_TRUE(doc2.has_value());
    const xmlNode* svr2 = etsi_child(xmlDocGetRootElement(xml::get(*doc2)), "SignatureValidationReport");
    ASSERT_NE(svr2, nullptr);
    EXPECT_EQ(text_at(svr2, {"SignatureValidationStatus", "MainIndication"}), "urn:etsi:019102:mainindication:total-failed");
    EXPECT_EQ(text_at(svr2, {"SignatureValidationStatus", "SubIndication"}), "urn:etsi:019102:subindication:FORMAT_FAILURE");
}

// ---- the CLI ---------------------------------------------------------------------------------

TEST(CliXades, SignBBAndVerifyWithReportXml) {
    ISTMO_SKIP_WITHOUT_CLI();
    TempDir dir;
    test::write_file(dir / "in.xml", k_doc);
    for (const char* key : {"rsa2048", "ec-p256"}) {
        auto signed_run = run_cli("sign --profile xades-b-b " + pki_key_args(key, "intermediate.cert.pem") +
                              " --role Emisor --role 'Jefe de ventas' --commitment proof-of-approval -o " +
                              shell_quote(dir / "signed.xml") + " " + shell_quote(dir / "in.xml"));
        ASSERT_EQ(signed_run.exit_code, 0) << signed_run.output;
        const std::string signed_xml = test::read_file(dir / "signed.xml");
        EXPECT_NE(signed_xml.find("SigningCertificateV2"), std::string::npos);
        EXPECT_NE(signed_xml.find("Jefe de ventas"), std::string::npos);

        auto verified = run_cli("verify --json --trust " + shell_quote(pki("ca.cert.pem")) + " --report-xml " + shell_quote(dir / "report.xml") + " " +
                            shell_quote(dir / "signed.xml"));
        EXPECT_EQ(verified.exit_code, 0) << verified.output;
        EXPECT_NE(verified.output.find("\"level\":\"B-B\""), std::string::npos) << verified.output;
        EXPECT_NE(verified.output.find("ProofOfApproval"), std::string::npos) << verified.output;
        const std::string report_xml = test::read_file(dir / "report.xml");
        auto doc = xml::XmlDocument::parse(report_xml);
        ASSERT_TRUE(doc.has_value()) << report_xml;
        EXPECT_EQ(doc->root_name(), "ValidationReport");
        EXPECT_NE(report_xml.find("urn:etsi:019102:mainindication:total-passed"), std::string::npos);
        EXPECT_NE(report_xml.find("<Role>Jefe de ventas</Role>"), std::string::npos);

        // Untrusted: exit 2, and the report still written, INDETERMINATE.
        auto untrusted = run_cli("verify --report-xml " + shell_quote(dir / "report2.xml") + " " + shell_quote(dir / "signed.xml"));
        EXPECT_EQ(untrusted.exit_code, 2) << untrusted.output;
        EXPECT_NE(test::read_file(dir / "report2.xml").find("urn:etsi:019102:subindication:NO_CERTIFICATE_CHAIN_FOUND"),
                  std::string::npos);
    }
}

TEST(CliXades, EpesWithPolicyDocument) {
    ISTMO_SKIP_WITHOUT_CLI();
    if (!test::have_tool("openssl")) GTEST_SKIP() << "openssl CLI not installed: did not run";
    TempDir dir;
    test::write_file(dir / "in.xml", k_doc);
    test::write_file(dir / "policy.pdf", "Politica de firma de prueba\n");
    test::write_file(dir / "other.pdf", "another policy\n");
    // The digest from the openssl CLI (independent of our code).
    auto digest = run_command("openssl dgst -sha256 -binary " + shell_quote(dir / "policy.pdf") + " | base64");
    ASSERT_EQ(digest.exit_code, 0) << digest.output;
    std::string b64 = digest.output;
    while (!b64.empty() && (b64.back() == '\n' || b64.back() == '\r')) b64.pop_back();

    auto signed_run = run_cli("sign --profile xades-epes " + pki_key_args("rsa2048", "intermediate.cert.pem") + " --policy-id 2.16.591.1.1.1 --policy-digest " +
                          shell_quote(b64) + " --policy-digest-alg sha256 --policy-uri https://example.invalid/policy.pdf -o " +
                          shell_quote(dir / "signed.xml") + " " + shell_quote(dir / "in.xml"));
    ASSERT_EQ(signed_run.exit_code, 0) << signed_run.output;
    const std::string signed_xml = test::read_file(dir / "signed.xml");
    EXPECT_NE(signed_xml.find("urn:oid:2.16.591.1.1.1"), std::string::npos);
    EXPECT_NE(signed_xml.find("https://example.invalid/policy.pdf"), std::string::npos);

    const std::string trust = " --trust " + shell_quote(pki("ca.cert.pem")) + " ";
    auto good = run_cli("verify --json" + trust + "--policy-doc 2.16.591.1.1.1=" + shell_quote(dir / "policy.pdf") + " " + shell_quote(dir / "signed.xml"));
    EXPECT_EQ(good.exit_code, 0) << good.output;
    EXPECT_NE(good.output.find("\"level\":\"EPES\""), std::string::npos) << good.output;
    EXPECT_EQ(good.output.find("XADES-POLICY-NOT-CHECKED"), std::string::npos) << good.output;

    auto wrong = run_cli("verify --json" + trust + "--policy-doc 2.16.591.1.1.1=" + shell_quote(dir / "other.pdf") + " " + shell_quote(dir / "signed.xml"));
    EXPECT_EQ(wrong.exit_code, 2) << wrong.output;
    EXPECT_NE(wrong.output.find("XADES-POLICY-HASH"), std::string::npos) << wrong.output;
    EXPECT_NE(wrong.output.find("POLICY_PROCESSING_ERROR"), std::string::npos) << wrong.output;

    auto implied = run_cli("sign --profile xades-epes --policy-implied " + pki_key_args("rsa2048", "intermediate.cert.pem") + " -o " + shell_quote(dir / "implied.xml") +
                       " " + shell_quote(dir / "in.xml"));
    ASSERT_EQ(implied.exit_code, 0) << implied.output;
    EXPECT_NE(test::read_file(dir / "implied.xml").find("SignaturePolicyImplied"), std::string::npos);
    EXPECT_EQ(run_cli("verify" + trust + shell_quote(dir / "implied.xml")).exit_code, 0);
}

TEST(CliXades, PlainXmldsigStillTheDefault) {
    ISTMO_SKIP_WITHOUT_CLI();
    TempDir dir;
    test::write_file(dir / "in.xml", k_doc);
    auto signed_run = run_cli("sign " + pki_key_args("rsa2048", "intermediate.cert.pem") + " -o " + shell_quote(dir / "signed.xml") + " " + shell_quote(dir / "in.xml"));
    ASSERT_EQ(signed_run.exit_code, 0) << signed_run.output;
    EXPECT_EQ(test::read_file(dir / "signed.xml").find("QualifyingProperties"), std::string::npos);
    auto verified = run_cli("verify --json --trust " + shell_quote(pki("ca.cert.pem")) + " " + shell_quote(dir / "signed.xml"));
    EXPECT_EQ(verified.exit_code, 0) << verified.output;
    EXPECT_NE(verified.output.find("\"level\":\"XMLDSig\""), std::string::npos) << verified.output;
}

TEST(CliXades, UsageErrors) {
    ISTMO_SKIP_WITHOUT_CLI();
    TempDir dir;
    test::write_file(dir / "in.xml", k_doc);
    const std::string in = " " + shell_quote(dir / "in.xml");
    const std::string keys = " " + pki_key_args("rsa2048", "intermediate.cert.pem");
    struct Case {
        std::string args;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"sign --profile xades-z" + keys + in, "unknown profile"},
        {"sign --role Emisor" + keys + in, "needs a XAdES profile"},
        {"sign --profile xades-epes" + keys + in, "xades-epes needs"},
        {"sign --profile xades-epes --policy-id 1.2.3" + keys + in, "--policy-digest"},
        {"sign --profile xades-epes --policy-id 1.2.3 --policy-digest '!!'" + keys + in, "not base64"},
        {"sign --profile xades-epes --policy-id 1.2.3 --policy-digest AAAA" + keys + in, "bytes"},
        {"sign --profile xades-epes --policy-id 1.2.3 --policy-digest-alg md5 --policy-digest AAAA" + keys + in, "sha256"},
        {"sign --profile xades-epes --policy-implied --policy-id 1.2.3" + keys + in, "excludes"},
        {"sign --profile xades-b-b --policy-implied" + keys + in, "xades-epes"},
        {"sign --profile xades-b-b --commitment proof-of-nothing" + keys + in, "unknown commitment"},
        {"sign --profile xades-b-t" + keys + in, "--tsa"},
        {"sign --profile xades-b-t --tsa http://127.0.0.1:9/" + keys + in, "--tsa-trust"},
        {"sign --profile xades-b-t --tsa ftp://x --tsa-trust x.pem" + keys + in, "not an http"},
        {"sign --profile xades-b-b --tsa http://127.0.0.1:9/" + keys + in, "need --profile xades-b-t"},
        {"sign --profile xades-b-b --key " + shell_quote(pki("rsa2048.key.pem")) + in, "--cert"},
        {"verify --policy-doc nofile" + in, "ID=FILE"},
    };
    for (const auto& c : cases) {
        auto r = run_cli(c.args);
        EXPECT_EQ(r.exit_code, 64) << c.args << "\n" << r.output;
        EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
    }
    // A TSA that cannot be reached: no signature, exit 69 (unavailable).
    auto r = run_cli("sign --profile xades-b-t --tsa http://127.0.0.1:9/tsr --tsa-trust " + shell_quote(pki("ca.cert.pem")) + keys + " -o " +
                 shell_quote(dir / "out.xml") + in);
    EXPECT_EQ(r.exit_code, 69) << r.output;
    EXPECT_FALSE(fs::exists(dir / "out.xml"));
}

// B-T through the CLI with a local RFC 3161 TSA made of the openssl CLI, served over HTTP by
// python3's http.server (both independent of our code).
TEST(CliXades, BTWithALocalTsa) {
    ISTMO_SKIP_WITHOUT_CLI();
    if (!test::have_tool("openssl") || !test::have_tool(test::python3()))
        GTEST_SKIP() << "openssl or python3 not installed: B-T CLI test did not run";
    TempDir dir;
    const std::string d = dir.path().string();
    auto setup = run_command(
        "cd " + shell_quote(d) + " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem "
        "-days 3650 -subj '/CN=CLI TSA Root' -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign "
        "&& openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tsa.key -out tsa.csr -subj '/CN=CLI TSA' "
        "&& printf 'extendedKeyUsage=critical,timeStamping\\nkeyUsage=critical,digitalSignature\\n' > ext.cnf "
        "&& openssl x509 -req -in tsa.csr -CA root.pem -CAkey root.key -CAcreateserial -days 3650 -extfile ext.cnf -out tsa.pem "
        "&& echo 01 > serial");
    ASSERT_EQ(setup.exit_code, 0) << setup.output;
    test::write_file(dir / "ts.cnf", "[tsa]\ndefault_tsa = t\n[t]\ndir = " + d +
                                         "\nserial = $dir/serial\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\n"
                                         "digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = no\ntsa_name = no\n"
                                         "ess_cert_id_chain = no\ness_cert_id_alg = sha256\n");
    test::write_file(dir / "tsa.py",
                     "import http.server, subprocess, sys, os\n"
                     "os.chdir(sys.argv[1])\n"
                     "class H(http.server.BaseHTTPRequestHandler):\n"
                     "    def do_POST(self):\n"
                     "        body = self.rfile.read(int(self.headers['Content-Length']))\n"
                     "        open('q.tsq', 'wb').write(body)\n"
                     "        subprocess.run(['openssl', 'ts', '-reply', '-config', 'ts.cnf', '-queryfile', 'q.tsq', '-inkey',\n"
                     "                        'tsa.key', '-signer', 'tsa.pem', '-chain', 'root.pem', '-out', 'r.tsr'], check=True,\n"
                     "                       capture_output=True)\n"
                     "        data = open('r.tsr', 'rb').read()\n"
                     "        self.send_response(200)\n"
                     "        self.send_header('Content-Type', 'application/timestamp-reply')\n"
                     "        self.send_header('Content-Length', str(len(data)))\n"
                     "        self.end_headers()\n"
                     "        self.wfile.write(data)\n"
                     "    def log_message(self, *a):\n"
                     "        pass\n"
                     "s = http.server.HTTPServer(('127.0.0.1', 0), H)\n"
                     "open('port', 'w').write(str(s.server_port))\n"
                     "s.handle_request()\n");
    auto server = run_command("cd " + shell_quote(d) + " && (" + test::python3() + " tsa.py " + shell_quote(d) + " > server.log 2>&1 & echo $! > server.pid) && "
                              "for i in $(seq 1 50); do [ -s port ] && break; sleep 0.1; done; cat port");
    ASSERT_EQ(server.exit_code, 0) << server.output;
    const std::string port = test::read_file(dir / "port");
    ASSERT_FALSE(port.empty()) << test::read_file(dir / "server.log");
    test::write_file(dir / "in.xml", k_doc);

    auto signed_run = run_cli("sign --profile xades-b-t --tsa http://127.0.0.1:" + port + "/tsr --tsa-trust " + shell_quote(dir / "root.pem") + " " +
                          pki_key_args("rsa2048", "intermediate.cert.pem") + " -o " + shell_quote(dir / "signed.xml") + " " + shell_quote(dir / "in.xml"));
    run_command("kill $(cat " + shell_quote(dir / "server.pid") + ") 2>/dev/null");
    ASSERT_EQ(signed_run.exit_code, 0) << signed_run.output << test::read_file(dir / "server.log");
    EXPECT_NE(test::read_file(dir / "signed.xml").find("EncapsulatedTimeStamp"), std::string::npos);

    auto verified = run_cli("verify --json --trust " + shell_quote(pki("ca.cert.pem")) + " --tsa-trust " + shell_quote(dir / "root.pem") +
                        " --report-xml " + shell_quote(dir / "report.xml") + " " + shell_quote(dir / "signed.xml"));
    EXPECT_EQ(verified.exit_code, 0) << verified.output;
    EXPECT_NE(verified.output.find("\"level\":\"B-T\""), std::string::npos) << verified.output;
    const std::string report_xml = test::read_file(dir / "report.xml");
    EXPECT_NE(report_xml.find("<SignatureTimeStamp"), std::string::npos) << report_xml;
    // The genTime of the valid time-stamp is a POE derived during validation.
    EXPECT_NE(report_xml.find("<POEObject VOReference=\"T-1\"/>"), std::string::npos) << report_xml;
    EXPECT_EQ(report_xml.find("urn:etsi:019102:poetype:provided"), std::string::npos) << report_xml;

    // Without the TSA anchor the timestamp cannot be relied on.
    auto untrusted_tsa = run_cli("verify --json --trust " + shell_quote(pki("ca.cert.pem")) + " " + shell_quote(dir / "signed.xml"));
    EXPECT_EQ(untrusted_tsa.exit_code, 2) << untrusted_tsa.output;
    EXPECT_NE(untrusted_tsa.output.find("XADES-TS-INVALID"), std::string::npos) << untrusted_tsa.output;
}

}  // namespace
