// Every JSON report shape istmo writes validates against docs/report.schema.json: signature
// reports (XMLDSig, XAdES B-B/EPES with every property, failures, not well-formed input),
// invoice reports (valid and invalid vectors), batch result lines, and what the CLI prints
// with --json over the test vectors. (B-T reports: XadesTimestamp.BTSignsAndValidates.)
#include <istmo/batch/batch.hpp>
#include <istmo/invoice/panama.hpp>
#include <istmo/istmo.hpp>

#include "report_schema_check.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using namespace istmo;
namespace fs = std::filesystem;

fs::path vectors(const std::string& sub) { return test::vectors_dir() / sub; }

std::vector<fs::path> files_in(const fs::path& dir, const std::string& ext = ".xml") {
    std::vector<fs::path> out;
    if (!fs::is_directory(dir)) return out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ext) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

crypto::TrustStore trust() {
    crypto::TrustStore store;
    EXPECT_TRUE(store.add_file((vectors("pki") / "ca.cert.pem").string()).has_value());
    return store;
}

TEST(ReportSchema, SignatureReportsOfTheDsigVectorsAndAttacks) {
    dsig::VerifyOptions options;
    options.trust = trust();
    EXPECT_TRUE(options.trust.add_file((vectors("dsig/xmlsec1-signed") / "ca.cert.pem").string()).has_value());
    const dsig::Verifier verifier(options);
    std::string lines;
    std::size_t count = 0;
    for (const auto& dir : {vectors("dsig/xmlsec1-signed"), vectors("attacks")}) {
        for (const auto& path : files_in(dir)) {
            auto report = verifier.verify(test::read_file(path));
            ASSERT_TRUE(report.has_value()) << path;
            lines += report->to_json() + "\n";
            ++count;
        }
    }
    auto broken = verifier.verify("<a><b></a>");
    ASSERT_TRUE(broken.has_value());
    EXPECT_FALSE(broken->well_formed);
    lines += broken->to_json() + "\n";
    EXPECT_GT(count, 20u);
    test::expect_report_schema_valid(lines, "dsig reports");
}

TEST(ReportSchema, XadesReportWithEveryProperty) {
    const fs::path pki = vectors("pki");
    auto key = crypto::PrivateKey::from_file((pki / "rsa2048.key.pem").string());
    auto cert = crypto::Certificate::from_file((pki / "rsa2048.cert.pem").string());
    auto chain = crypto::Certificate::all_from_file((pki / "intermediate.cert.pem").string());
    ASSERT_TRUE(key && cert && chain);
    xades::SignOptions options;
    options.profile = xades::Profile::epes;
    options.claimed_roles = {"Emisor", "Contador \"jefe\""};
    options.commitment = "proof-of-origin";
    options.production_place = xades::ProductionPlace{"Calle 50", "Panamá", "Panamá", "0801", "PA"};
    xades::SignaturePolicy policy;
    policy.identifier = "2.16.591.1.1";
    policy.digest.assign(32, 0x5a);
    policy.spuri = "https://dgi.mef.gob.pa/politica.pdf";
    options.policy = policy;
    auto signer = xades::Signer::create(*key, *cert, *chain, options);
    ASSERT_TRUE(signer.has_value()) << signer.error().to_string();
    auto signed_xml = signer->sign("<doc><a>1</a></doc>");
    ASSERT_TRUE(signed_xml.has_value());

    xades::VerifyOptions verify;
    verify.dsig.trust = trust();
    auto report = xades::Verifier(verify).verify(*signed_xml);
    ASSERT_TRUE(report.has_value());
    ASSERT_EQ(report->signatures.size(), 1u);
    const dsig::SignatureResult& s = report->signatures[0];
    EXPECT_EQ(s.level, "EPES");
    EXPECT_EQ(s.properties.signer_roles, (std::vector<std::string>{"Emisor", "Contador \"jefe\""}));
    ASSERT_EQ(s.properties.commitment_types.size(), 1u);
    ASSERT_TRUE(s.properties.policy.has_value());
    EXPECT_EQ(s.properties.policy->uri, "https://dgi.mef.gob.pa/politica.pdf");
    EXPECT_FALSE(s.properties.policy->digest_ok.has_value());  // no policy document supplied
    ASSERT_TRUE(s.properties.production_place.has_value());
    EXPECT_EQ(s.properties.production_place->city, "Panamá");
    const std::string json = report->to_json();
    EXPECT_EQ(json.find("timestamp."), std::string::npos) << json;  // no dotted keys any more
    EXPECT_NE(json.find(R"("signer_roles":["Emisor","Contador \"jefe\""])"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("digest_ok":null)"), std::string::npos) << json;

    // The policy document supplied: its digest is checked and reported (here: it differs).
    verify.policy_documents["2.16.591.1.1"] = {1, 2, 3};
    auto checked = xades::Verifier(verify).verify(*signed_xml);
    ASSERT_TRUE(checked.has_value());
    ASSERT_TRUE(checked->signatures.at(0).properties.policy->digest_ok.has_value());
    EXPECT_FALSE(*checked->signatures.at(0).properties.policy->digest_ok);
    test::expect_report_schema_valid(json + "\n" + checked->to_json() + "\n", "xades reports");
}

TEST(ReportSchema, InvoiceReportsAndBatchLines) {
    invoice::panama::ValidateOptions options;
    options.verify.trust = trust();
    EXPECT_TRUE(options.verify.trust.add_file((vectors("pki") / "intermediate.cert.pem").string()).has_value());
    batch::Options batch_options;
    batch_options.jobs = 1;
    batch_options.verify = options.verify;
    const batch::Validator validator(batch_options);
    std::string lines;
    std::size_t count = 0;
    for (const auto& dir : {vectors("panama-fe/valid"), vectors("panama-fe/invalid")}) {
        for (const auto& path : files_in(dir)) {
            const std::string xml = test::read_file(path);
            auto report = invoice::panama::validate(xml, options);
            ASSERT_TRUE(report.has_value()) << path;
            lines += report->to_json() + "\n";
            lines += validator.validate(path.string(), xml).to_ndjson() + "\n";
            ++count;
        }
    }
    EXPECT_GT(count, 50u);
    lines += validator.validate("empty", "").to_ndjson() + "\n";
    test::expect_report_schema_valid(lines, "invoice reports and batch lines");
}

// What the CLI prints with --json (verify, invoice validate) and batch validate's result lines.
// Only standard output is checked (messages go to standard error). Input the CLI refuses before
// reporting (a DOCTYPE, exit 65) prints no JSON; everything else must print one valid report.
std::string cli_stdout(const std::string& cli, const std::string& arguments, const test::TempDir& dir) {
    const auto out = dir / "stdout.json";
    test::run_command("('" + cli + "' " + arguments + " > '" + out.string() + "' 2>/dev/null)");
    return test::read_file(out);
}

TEST(ReportSchema, CliJsonOutputOverTheVectors) {
    const std::string cli = ISTMO_CLI_PATH;
    if (cli.empty()) GTEST_SKIP() << "the CLI is not built: its JSON output was not checked";
    const test::TempDir dir;
    const std::string ca = (vectors("pki") / "ca.cert.pem").string();
    std::string all;
    std::size_t reports = 0;
    const auto take = [&](const std::string& text) {
        if (text.find('{') == std::string::npos) return;
        all += text + "\n";
        ++reports;
    };
    for (const auto& dir_path : {vectors("dsig/xmlsec1-signed"), vectors("attacks")})
        for (const auto& path : files_in(dir_path))
            take(cli_stdout(cli, "verify --json --trust '" + ca + "' '" + path.string() + "'", dir));
    for (const auto& dir_path : {vectors("panama-fe/valid"), vectors("panama-fe/invalid")})
        for (const auto& path : files_in(dir_path))
            take(cli_stdout(cli, "invoice validate --json --trust '" + ca + "' '" + path.string() + "'", dir));
    const std::string batch = cli_stdout(cli, "batch validate --trust '" + ca + "' '" + vectors("panama-fe").string() + "'", dir);
    EXPECT_NE(batch.find("\"codes\""), std::string::npos) << batch;
    take(batch);
    EXPECT_GT(reports, 100u);
    test::expect_report_schema_valid(all, "CLI --json output");
}

}  // namespace
