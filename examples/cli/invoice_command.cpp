// istmo invoice: Panama electronic invoices (DGI rFE 1.00): new, sign, validate, cufe, ruc-dv, qr.
// Uses the public C++ API only.
#include "args.hpp"
#include "common.hpp"
#include "exit_codes.hpp"

#include <istmo/crypto/keys.hpp>
#include <istmo/invoice/panama.hpp>

#include <iostream>
#include <string>

namespace istmo_cli {

int run_invoice(std::span<const std::string> argv);

namespace {

namespace pa = istmo::invoice::panama;

const char* const invoice_usage =
    "usage: istmo invoice new --from INVOICE.json [-o OUT.xml]\n"
    "       istmo invoice sign --key FILE --cert FILE [--pass-env VAR] [--qr-secret-env VAR | --qr-secret-file FILE]\n"
    "                          [-o OUT.xml] IN.xml\n"
    "       istmo invoice validate [--trust FILE]... [--at TIME] [--no-signature] [--legacy] [--json] FILE...\n"
    "       istmo invoice cufe FILE\n"
    "       istmo invoice ruc-dv [--natural | --juridical] RUC\n"
    "       istmo invoice qr --qr-secret-env VAR | --qr-secret-file FILE SIGNED.xml\n"
    "Try 'istmo invoice --help' for more information.\n";

const char* const invoice_help =
    "usage: istmo invoice <new|sign|validate|cufe|ruc-dv|qr> [options]\n"
    "\n"
    "Panama electronic invoices (DGI format rFE 1.00).\n"
    "\n"
    "  new --from INVOICE.json [-o OUT.xml]\n"
    "      Builds the rFE from JSON that mirrors the XML with the DGI field names. Derived fields\n"
    "      (dId/CUFE, item amounts, ITBMS, totals, dNroItems, dTotRec, dVuelto) may be omitted and are\n"
    "      computed; when given they are checked. Writes the unsigned XML (stdout without -o).\n"
    "  sign --key FILE --cert FILE [--pass-env VAR] [--qr-secret-env VAR | --qr-secret-file FILE] [-o OUT] IN\n"
    "      Signs with the panama-fe profile (enveloped XMLDSig, RSA-SHA256, exclusive C14N,\n"
    "      X509SubjectName + X509Certificate) and, with a QR secret, appends gNoFirm/dQRCode.\n"
    "  validate [--trust FILE]... [--at TIME] [--no-signature] [--json] FILE...\n"
    "      Structure, arithmetic, cross-field rules, CUFE, RUC check digits and the signature\n"
    "      (gNoFirm removed first). --no-signature skips the signature (and does not require it).\n"
    "      --trust should include the intermediate CA: the profile carries only the signer certificate.\n"
    "      --legacy accepts SHA-1 (the DGI accepts it in production) with a warning; without it a SHA-1\n"
    "      signature is INDETERMINATE. FILE may hold the rFE inside rContFe, rEnviFe, rEnviFeDGI or a\n"
    "      SOAP envelope: the rFE is taken out and validated as it stands alone.\n"
    "  cufe FILE       prints the CUFE computed from the fields of an rFE (XML) or of INVOICE.json\n"
    "  ruc-dv RUC      prints the two RUC check digits (dDV); --juridical for a legal-person NT RUC\n"
    "  qr SIGNED.xml   prints the gNoFirm/dQRCode URL for a signed invoice\n"
    "\n"
    "Exit codes for validate: 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE (worst over the files).\n"
    "\n";

int exit_for(istmo::report::Indication i) {
    switch (i) {
        case istmo::report::Indication::total_passed: return exit_ok;
        case istmo::report::Indication::total_failed: return exit_total_failed;
        case istmo::report::Indication::indeterminate: return exit_indeterminate;
    }
    return exit_internal;
}

std::optional<istmo::crypto::Secret> load_secret(const ParsedArgs& args, const char* env_opt, const char* file_opt, int& code) {
    if (auto var = args.value(env_opt)) {
        auto s = istmo::crypto::Secret::from_env(*var);
        if (!s) {
            code = report_error(std::string("cannot read the secret from environment variable ") + *var, s.error());
            return std::nullopt;
        }
        return *s;
    }
    if (file_opt) {
        if (auto file = args.value(file_opt)) {
            auto s = istmo::crypto::Secret::from_file(*file);
            if (!s) {
                code = report_error("cannot read the secret file '" + *file + "'", s.error());
                return std::nullopt;
            }
            return *s;
        }
    }
    return istmo::crypto::Secret();
}

int cmd_new(std::span<const std::string> argv) {
    const ArgParser parser({{"from", '\0', true, false}, {"output", 'o', true, false}});
    ParseOutcome parsed = parser.parse(argv);
    if (!parsed.error.empty()) return usage_error("invoice new: " + parsed.error, invoice_usage);
    if (parsed.args.help()) {
        std::cout << invoice_help;
        return exit_ok;
    }
    auto from = parsed.args.value("from");
    if (!from) return usage_error("invoice new: --from INVOICE.json is required", invoice_usage);
    int code = exit_ok;
    auto text = read_input(*from, code);
    if (!text) return code;
    auto invoice = pa::from_json(*text);
    if (!invoice) return report_error("invoice new: " + *from, invoice.error());
    return write_output(parsed.args.value("output").value_or(""), pa::to_xml(*invoice));
}

int cmd_sign(std::span<const std::string> argv) {
    const ArgParser parser({{"key", '\0', true, false},
                            {"cert", '\0', true, false},
                            {"pass-env", '\0', true, false},
                            {"qr-secret-env", '\0', true, false},
                            {"qr-secret-file", '\0', true, false},
                            {"qr-base-url", '\0', true, false},
                            {"output", 'o', true, false}});
    ParseOutcome parsed = parser.parse(argv);
    if (!parsed.error.empty()) return usage_error("invoice sign: " + parsed.error, invoice_usage);
    const ParsedArgs& args = parsed.args;
    if (args.help()) {
        std::cout << invoice_help;
        return exit_ok;
    }
    if (args.positionals().size() != 1) return usage_error("invoice sign: exactly one input invoice (IN.xml)", invoice_usage);
    auto key_file = args.value("key");
    auto cert_file = args.value("cert");
    if (!key_file) return usage_error("invoice sign: --key FILE is required", invoice_usage);
    if (!cert_file) return usage_error("invoice sign: --cert FILE is required (the signer certificate)", invoice_usage);
    int code = exit_ok;
    auto password = load_secret(args, "pass-env", nullptr, code);
    if (!password) return code;
    auto qr_secret = load_secret(args, "qr-secret-env", "qr-secret-file", code);
    if (!qr_secret) return code;
    auto key = istmo::crypto::PrivateKey::from_file(*key_file, password->empty() ? nullptr : &*password);
    if (!key) return report_error("cannot load the key '" + *key_file + "'", key.error());
    auto cert = istmo::crypto::Certificate::from_file(*cert_file);
    if (!cert) return report_error("cannot load the certificate '" + *cert_file + "'", cert.error());
    auto signer = pa::make_signer(std::move(*key), std::move(*cert));
    if (!signer) return report_error("invoice sign", signer.error());
    auto input = read_input(args.positionals().front(), code);
    if (!input) return code;
    pa::QrOptions qr;
    qr.secret = *qr_secret;
    qr.base_url = args.value("qr-base-url").value_or("");
    auto signed_xml = pa::sign(*signer, *input, qr);
    if (!signed_xml) return report_error("invoice sign: " + args.positionals().front(), signed_xml.error());
    return write_output(args.value("output").value_or(""), *signed_xml);
}

int cmd_validate(std::span<const std::string> argv) {
    const ArgParser parser({{"trust", '\0', true, true},
                            {"trust-dir", '\0', true, true},
                            {"at", '\0', true, false},
                            {"no-signature", '\0', false, false},
                            {"legacy", '\0', false, false},
                            {"json", '\0', false, false}});
    ParseOutcome parsed = parser.parse(argv);
    if (!parsed.error.empty()) return usage_error("invoice validate: " + parsed.error, invoice_usage);
    const ParsedArgs& args = parsed.args;
    if (args.help()) {
        std::cout << invoice_help;
        return exit_ok;
    }
    if (args.positionals().empty()) return usage_error("invoice validate: missing input FILE", invoice_usage);
    pa::ValidateOptions options;
    if (args.has("no-signature")) {
        options.check_signature = false;
        options.require_signature = false;
    }
    options.legacy = args.has("legacy");
    if (auto at = args.value("at")) {
        auto time = parse_rfc3339(*at);
        if (!time) return usage_error("invoice validate: --at '" + *at + "' is not an RFC 3339 time", invoice_usage);
        options.verify.validation_time = *time;
    }
    for (const auto& file : args.values("trust")) {
        auto added = options.verify.trust.add_file(file);
        if (!added) return report_error("cannot load trust anchors '" + file + "'", added.error());
    }
    for (const auto& d : args.values("trust-dir")) {
        auto added = options.verify.trust.add_directory(d);
        if (!added) return report_error("cannot load trust anchors from '" + d + "'", added.error());
    }
    const bool json = args.has("json");
    int worst = exit_ok;
    if (json && args.positionals().size() > 1) std::cout << "[";
    bool first = true;
    for (const auto& path : args.positionals()) {
        int code = exit_ok;
        auto input = read_input(path, code);
        if (!input) return code;
        auto report = pa::validate(*input, options);
        if (!report) return report_error("invoice validate: " + path, report.error());
        const int this_exit = exit_for(report->indication);
        if (this_exit == exit_total_failed || (this_exit == exit_indeterminate && worst == exit_ok)) worst = this_exit;
        if (json) {
            if (args.positionals().size() > 1) {
                std::cout << (first ? "" : ",") << "{\"file\":";
                std::string f;
                istmo::report::append_json_string(f, path);
                std::cout << f << ",\"report\":" << report->to_json() << "}";
            } else {
                std::cout << report->to_json() << "\n";
            }
        } else {
            std::cout << path << ": " << istmo::report::to_string(report->indication);
            if (report->sub_indication != istmo::report::SubIndication::none)
                std::cout << " (" << istmo::report::to_string(report->sub_indication) << ")";
            if (!report->wrapper.empty()) std::cout << "\n  rFE en / in " << report->wrapper;
            std::cout << "\n  CUFE " << report->cufe_declared << "\n  RUC emisor " << report->issuer_ruc << ", total "
                      << report->total << "\n";
            for (const auto& f : report->findings)
                std::cout << "  " << istmo::report::to_string(f.severity) << " " << f.code << " " << f.location
                          << (f.rule.empty() ? "" : " [" + f.rule + "]")
                          << (f.line > 0 ? " line " + std::to_string(f.line) : "") << ": " << f.message << "\n";
        }
        first = false;
    }
    if (json && args.positionals().size() > 1) std::cout << "]\n";
    return worst;
}

int cmd_cufe(std::span<const std::string> argv) {
    const ArgParser parser({});
    ParseOutcome parsed = parser.parse(argv);
    if (!parsed.error.empty()) return usage_error("invoice cufe: " + parsed.error, invoice_usage);
    if (parsed.args.help()) {
        std::cout << invoice_help;
        return exit_ok;
    }
    if (parsed.args.positionals().size() != 1) return usage_error("invoice cufe: exactly one FILE", invoice_usage);
    const std::string& path = parsed.args.positionals().front();
    int code = exit_ok;
    auto input = read_input(path, code);
    if (!input) return code;
    const bool is_json = input->find_first_not_of(" \t\r\n") != std::string::npos &&
                         (*input)[input->find_first_not_of(" \t\r\n")] == '{';
    auto invoice = is_json ? pa::from_json(*input) : pa::parse(*input);
    if (!invoice) return report_error("invoice cufe: " + path, invoice.error());
    auto c = pa::cufe_of(*invoice);
    if (!c) return report_error("invoice cufe: " + path, c.error());
    std::cout << *c << "\n";
    return exit_ok;
}

int cmd_ruc_dv(std::span<const std::string> argv) {
    const ArgParser parser({{"natural", '\0', false, false}, {"juridical", '\0', false, false}});
    ParseOutcome parsed = parser.parse(argv);
    if (!parsed.error.empty()) return usage_error("invoice ruc-dv: " + parsed.error, invoice_usage);
    if (parsed.args.help()) {
        std::cout << invoice_help;
        return exit_ok;
    }
    if (parsed.args.positionals().size() != 1) return usage_error("invoice ruc-dv: exactly one RUC", invoice_usage);
    const auto kind = parsed.args.has("juridical") ? pa::RucKind::juridical
                      : parsed.args.has("natural") ? pa::RucKind::natural
                                                   : pa::RucKind::automatic;
    auto dv = pa::ruc_check_digits(parsed.args.positionals().front(), kind);
    if (!dv) return report_error("invoice ruc-dv", dv.error());
    std::cout << *dv << "\n";
    return exit_ok;
}

int cmd_qr(std::span<const std::string> argv) {
    const ArgParser parser({{"qr-secret-env", '\0', true, false}, {"qr-secret-file", '\0', true, false}, {"qr-base-url", '\0', true, false}});
    ParseOutcome parsed = parser.parse(argv);
    if (!parsed.error.empty()) return usage_error("invoice qr: " + parsed.error, invoice_usage);
    const ParsedArgs& args = parsed.args;
    if (args.help()) {
        std::cout << invoice_help;
        return exit_ok;
    }
    if (args.positionals().size() != 1) return usage_error("invoice qr: exactly one SIGNED.xml", invoice_usage);
    int code = exit_ok;
    auto secret = load_secret(args, "qr-secret-env", "qr-secret-file", code);
    if (!secret) return code;
    if (secret->empty()) return usage_error("invoice qr: --qr-secret-env VAR or --qr-secret-file FILE is required", invoice_usage);
    auto input = read_input(args.positionals().front(), code);
    if (!input) return code;
    auto invoice = pa::parse(*input);
    if (!invoice) return report_error("invoice qr", invoice.error());
    // The DigestValue of the signature's (single) Reference.
    const auto a = input->find("DigestValue>");
    const auto b = a == std::string::npos ? a : input->find('<', a);
    if (a == std::string::npos || b == std::string::npos)
        return report_error("invoice qr", istmo::make_error(istmo::Errc::invalid_argument, "the invoice is not signed (no DigestValue)"));
    auto url = pa::qr_url(invoice->get("dId"), invoice->get("gDGen/iAmb"), input->substr(a + 12, b - a - 12), secret->view(),
                          args.value("qr-base-url").value_or(""));
    if (!url) return report_error("invoice qr", url.error());
    std::cout << *url << "\n";
    return exit_ok;
}

}  // namespace

int run_invoice(std::span<const std::string> argv) {
    if (argv.empty()) {
        std::cerr << invoice_usage;
        return exit_usage;
    }
    const std::string& sub = argv.front();
    const std::span<const std::string> rest = argv.subspan(1);
    if (sub == "-h" || sub == "--help" || sub == "help") {
        std::cout << invoice_help << exit_codes_help;
        return exit_ok;
    }
    if (sub == "new") return cmd_new(rest);
    if (sub == "sign") return cmd_sign(rest);
    if (sub == "validate") return cmd_validate(rest);
    if (sub == "cufe") return cmd_cufe(rest);
    if (sub == "ruc-dv") return cmd_ruc_dv(rest);
    if (sub == "qr") return cmd_qr(rest);
    return usage_error("invoice: unknown subcommand '" + sub + "'", invoice_usage);
}

}  // namespace istmo_cli
