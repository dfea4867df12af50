// istmo verify: checks every XML Signature of a document and prints a report.
#include "args.hpp"
#include "common.hpp"
#include "exit_codes.hpp"

#include <istmo/istmo.hpp>
#include <istmo/xades/xades.hpp>

#include <filesystem>
#include <iostream>
#include <string>

namespace istmo_cli {

const char* const verify_usage =
    "usage: istmo verify [--trust FILE]... [--trust-dir DIR]... [--pubkey FILE]...\n"
    "                    [--untrusted FILE]... [--at RFC3339-TIME] [--legacy] [--json]\n"
    "                    [--tsa-trust FILE]... [--policy-doc ID=FILE]... [--report-xml FILE] IN\n"
    "Try 'istmo verify --help' for more information.\n";

const char* const verify_help =
    "usage: istmo verify [options] IN\n"
    "\n"
    "Verifies every XML Signature of the document IN (a file, or - for standard input): the\n"
    "references, the signature value and the signer's certificate path to a trust anchor.\n"
    "XAdES signatures are detected by themselves: their qualifying properties (signing\n"
    "certificate, signing time, policy, signature time-stamps) are validated too.\n"
    "Prints a short report (or JSON with --json) on standard output.\n"
    "\n"
    "Options:\n"
    "  --trust FILE        trust the certificate(s) of FILE (PEM bundle or DER); repeatable\n"
    "  --trust-dir DIR     trust every *.pem, *.crt, *.cer, *.der file of DIR; repeatable\n"
    "  --pubkey FILE       trust this public key (PEM or DER SubjectPublicKeyInfo); repeatable\n"
    "  --untrusted FILE    intermediate certificates (PEM bundle or DER) that help build the\n"
    "                      signer's and the TSA's path when the signature does not carry them;\n"
    "                      never trust anchors; repeatable\n"
    "  --at TIME           validate the certificate path at TIME instead of now, as RFC 3339,\n"
    "                      e.g. 2026-01-02T03:04:05Z or 2026-01-02T03:04:05.5-05:00\n"
    "  --legacy            accept SHA-1 and RSA keys from 1024 bits (reported as weak)\n"
    "  --json              print the report as one JSON object\n"
    "  --tsa-trust FILE    trust anchors for time-stamping authorities (XAdES SignatureTimeStamp);\n"
    "                      repeatable. Without it the --trust anchors are used\n"
    "  --policy-doc ID=FILE  the document of signature policy ID (an OID or URI as written in the\n"
    "                      signature): its digest is checked against SigPolicyHash; repeatable\n"
    "  --report-xml FILE   also write an ETSI TS 119 102-2 validation report (XML) to FILE\n"
    "  -h, --help          show this help\n"
    "\n"
    "Without --trust, --trust-dir or --pubkey nothing is trusted: a correct signature is then\n"
    "INDETERMINATE (exit 2), never valid.\n"
    "\n"
    "Example:\n"
    "  istmo verify --trust ca.cert.pem signed.xml\n"
    "\n";

int run_verify(std::span<const std::string> argv) {
    const ArgParser parser({
        {"trust", '\0', true, true},
        {"trust-dir", '\0', true, true},
        {"pubkey", '\0', true, true},
        {"untrusted", '\0', true, true},
        {"at", '\0', true, false},
        {"legacy", '\0', false, false},
        {"json", '\0', false, false},
        {"tsa-trust", '\0', true, true},
        {"policy-doc", '\0', true, true},
        {"report-xml", '\0', true, false},
    });
    ParseOutcome parsed = parser.parse(argv);
    if (!parsed.error.empty()) return usage_error("verify: " + parsed.error, verify_usage);
    const ParsedArgs& args = parsed.args;
    if (args.help()) {
        std::cout << verify_help << exit_codes_help;
        return exit_ok;
    }
    if (args.positionals().empty()) return usage_error("verify: missing input document (IN)", verify_usage);
    if (args.positionals().size() > 1)
        return usage_error("verify: more than one input document given", verify_usage);
    const std::string input_path = args.positionals().front();

    istmo::xades::VerifyOptions xades_options;
    istmo::dsig::VerifyOptions& options = xades_options.dsig;
    std::vector<std::pair<std::string, std::string>> policy_docs;
    for (const auto& spec : args.values("policy-doc")) {
        const std::size_t eq = spec.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
            return usage_error("verify: --policy-doc '" + spec + "' is not ID=FILE", verify_usage);
        policy_docs.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
    }
    const std::string report_xml_path = args.value("report-xml").value_or("");
    if (args.has("report-xml") && report_xml_path.empty())
        return usage_error("verify: --report-xml needs a file name", verify_usage);
    if (auto at = args.value("at")) {
        auto time = parse_rfc3339(*at);
        if (!time)
            return usage_error("verify: --at '" + *at +
                                   "' is not an RFC 3339 time (e.g. 2026-01-02T03:04:05Z)",
                               verify_usage);
        options.validation_time = *time;
    }
    options.allow_legacy = args.has("legacy");
    const bool json = args.has("json");

    for (const auto& file : args.values("trust")) {
        auto added = options.trust.add_file(file);
        if (!added) return report_error("cannot load trust anchors '" + file + "'", added.error());
    }
    for (const auto& dir : args.values("trust-dir")) {
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec)) {
            print_error("cannot open trust directory '" + dir + "': not a directory");
            return exit_no_input;
        }
        auto added = options.trust.add_directory(dir);
        if (!added) return report_error("cannot load trust directory '" + dir + "'", added.error());
    }
    for (const auto& file : args.values("pubkey")) {
        auto key = istmo::crypto::PublicKey::from_file(file);
        if (!key) return report_error("cannot load public key '" + file + "'", key.error());
        options.trusted_keys.push_back(std::move(*key));
    }

    // Path building only: these never become anchors, so without --trust/--trust-dir/--pubkey the
    // verdict stays INDETERMINATE.
    for (const auto& file : args.values("untrusted")) {
        auto certs = istmo::crypto::Certificate::all_from_file(file);
        if (!certs) return report_error("cannot load untrusted certificates '" + file + "'", certs.error());
        for (auto& cert : *certs) options.extra_certificates.push_back(std::move(cert));
    }

    for (const auto& file : args.values("tsa-trust")) {
        auto added = xades_options.tsa_trust.add_file(file);
        if (!added) return report_error("cannot load TSA trust anchors '" + file + "'", added.error());
    }

    int code = exit_ok;
    for (const auto& [id, file] : policy_docs) {
        auto content = read_input(file, code);
        if (!content) return code;
        xades_options.policy_documents[id] = std::vector<std::uint8_t>(content->begin(), content->end());
    }
    auto document = read_input(input_path, code);
    if (!document) return code;

    const istmo::xades::Verifier verifier(std::move(xades_options));
    auto result = verifier.verify(*document);
    if (!result) return report_error("cannot verify", result.error());
    const istmo::dsig::VerificationReport& report = *result;

    std::string out = json ? report.to_json() : report.to_text();
    if (out.empty() || out.back() != '\n') out += '\n';
    if (const int written = write_output("", out); written != exit_ok) return written;
    if (!report_xml_path.empty())
        if (const int written = write_output(report_xml_path, report.to_etsi_xml()); written != exit_ok) return written;

    const std::string shown = input_path == "-" ? "standard input" : "'" + input_path + "'";
    if (!report.well_formed) {
        // The first document-level finding says why (syntax error, DOCTYPE, a parser limit).
        const std::string why = report.findings.empty() ? std::string("not well-formed XML")
                                                        : report.findings.front().message;
        print_error(shown + ": " + why);
        return exit_data;
    }
    if (report.signatures.empty()) {
        print_error(shown + " holds no XML Signature");
        return exit_data;
    }
    switch (report.indication) {
        case istmo::report::Indication::total_passed: return exit_ok;
        case istmo::report::Indication::total_failed: return exit_total_failed;
        case istmo::report::Indication::indeterminate: return exit_indeterminate;
    }
    return exit_internal;
}

}  // namespace istmo_cli
