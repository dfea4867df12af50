// istmo cert status: the path of a certificate to the trust anchors and each certificate's
// status (CRL / OCSP), the tool a vendor runs when a signature comes back INDETERMINATE.
#include "commands.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "human.hpp"
#include "options.hpp"

#include <istmo/crypto/revocation.hpp>
#include <istmo/crypto/validator.hpp>
#include <istmo/report/json.hpp>

#include <chrono>
#include <ctime>
#include <iostream>

namespace istmo_cli {
namespace {

const char* const cert_usage =
    "usage: istmo cert status [--trust FILE]... [--trust-dir DIR]... [--untrusted FILE]... [--at TIME]\n"
    "                         [--revocation auto|require|off] [--crl FILE]... [--ocsp-response FILE]...\n"
    "                         [--offline] [--revocation-cache DIR] [--json] CERT\n";

const char* const cert_help =
    "istmo cert status: builds the path from CERT (PEM or DER) to a trust anchor at --at (default:\n"
    "now) and prints each certificate of it with its status (good, revoked, unknown, not_checked),\n"
    "where the status came from (ocsp, crl, embedded, none), its update times and, when no status\n"
    "could be used, why. Exit 0 when the path is valid and no required status is missing, 1 when a\n"
    "certificate is revoked, 2 otherwise.\n\n"
    "options:\n"
    "  --trust FILE, --trust-dir DIR, --untrusted FILE, --at TIME   as for 'istmo verify'\n"
    "  --json                one JSON object\n";

const char* const cert_help_es =
    "istmo cert status: construye la ruta de CERT (PEM o DER) hasta un ancla de confianza en --at\n"
    "(por defecto: ahora) y muestra cada certificado con su estado (good, revoked, unknown,\n"
    "not_checked), de dónde vino (ocsp, crl, embedded, none), sus fechas y, si no hubo estado\n"
    "utilizable, por qué. Sale con 0 si la ruta es válida y no falta ningún estado exigido, 1 si un\n"
    "certificado está revocado, 2 en otro caso.\n\n"
    "opciones:\n"
    "  --trust ARCHIVO, --trust-dir DIR, --untrusted ARCHIVO, --at HORA   como en 'istmo verify'\n"
    "  --json                un objeto JSON\n";

std::string time_text(const std::optional<std::chrono::system_clock::time_point>& t) {
    if (!t) return {};
    const std::time_t seconds = std::chrono::system_clock::to_time_t(*t);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

int exit_for(const istmo::crypto::CertificateValidation& v) {
    if (v.status != istmo::crypto::PathStatus::valid) return exit_indeterminate;
    int code = exit_ok;
    for (const auto& e : v.chain) {
        if (e.status.status == istmo::crypto::RevocationStatus::revoked) return exit_total_failed;
        if (e.status.required && e.status.status != istmo::crypto::RevocationStatus::good) code = exit_indeterminate;
    }
    return code;
}

void print_json(const istmo::crypto::CertificateValidation& v) {
    istmo::report::JsonWriter w;
    w.begin_object().member("path_status", std::string(istmo::crypto::path_status_name(v.status)));
    w.key("message").string_or_null(v.message);
    w.key("chain").begin_array();
    for (const auto& e : v.chain) {
        const auto& s = e.status;
        w.begin_object()
            .member("subject", e.certificate.subject())
            .member("issuer", e.certificate.issuer())
            .member("serial", e.certificate.serial_decimal())
            .member("sha256", e.certificate.sha256_hex())
            .member("anchor", e.anchor);
        w.key("revocation").begin_object()
            .member("status", std::string(istmo::crypto::revocation_status_name(s.status)))
            .member("source", std::string(istmo::crypto::status_source_name(s.source)));
        w.key("this_update").string_or_null(time_text(s.this_update));
        w.key("next_update").string_or_null(time_text(s.next_update));
        w.key("revocation_time").string_or_null(time_text(s.revocation_time));
        w.key("reason").string_or_null(s.reason);
        w.end_object();
        w.member("required", s.required);
        w.key("code").string_or_null(s.code);
        w.key("message").string_or_null(tr(s.message, s.message_es));
        w.end_object();
    }
    w.end_array().end_object();
    std::cout << std::move(w).take() << "\n";
}

void print_text(const istmo::crypto::CertificateValidation& v) {
    std::cout << tr("path: ", "ruta: ") << istmo::crypto::path_status_name(v.status);
    if (!v.message.empty()) std::cout << " (" << text_in_language(v.message) << ")";
    std::cout << "\n";
    for (std::size_t i = 0; i < v.chain.size(); ++i) {
        const auto& e = v.chain[i];
        const auto& s = e.status;
        std::cout << "  [" << i << "] " << e.certificate.subject() << (e.anchor ? tr(" (trust anchor)", " (ancla de confianza)") : "")
                  << "\n      " << tr("status: ", "estado: ") << istmo::crypto::revocation_status_name(s.status)
                  << tr(" from ", " de ") << istmo::crypto::status_source_name(s.source);
        if (s.this_update) std::cout << ", this_update " << time_text(s.this_update);
        if (s.next_update) std::cout << ", next_update " << time_text(s.next_update);
        if (s.revocation_time) std::cout << tr(", revoked at ", ", revocado el ") << time_text(s.revocation_time);
        if (!s.reason.empty()) std::cout << " (" << s.reason << ")";
        std::cout << "\n";
        if (!s.code.empty()) std::cout << "      " << s.code << ": " << tr(s.message, s.message_es) << "\n";
    }
}

}  // namespace

int run_cert(std::span<const std::string> argv) {
    if (argv.empty() || argv.front() != "status") {
        if (!argv.empty() && (argv.front() == "--help" || argv.front() == "-h")) {
            std::cout << tr(cert_help, cert_help_es);
            return exit_ok;
        }
        return usage_error("cert: " + tr("expected the subcommand 'status'", "se esperaba el subcomando 'status'"), cert_usage);
    }
    CommandSpec command{"cert status", trust_options(), cert_usage,
                        tr(cert_help, cert_help_es) + tr(revocation_help(), revocation_help_es())};
    command.options.push_back({"json", '\0', false, false});
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv.subspan(1), args)) return *done;
    if (args.positionals().size() != 1)
        return usage_error("cert status: " + tr("expected one certificate file", "se esperaba un archivo de certificado"),
                           command.usage);
    istmo::dsig::VerifyOptions options;
    if (const int code = apply_trust_options(command.name, args, options); code != exit_ok) return code;
    auto target = istmo::crypto::Certificate::from_file(args.positionals().front());
    if (!target) return report_error(tr("cannot read the certificate", "no se puede leer el certificado"), target.error());
    istmo::crypto::RevocationOptions r;
    r.policy = options.revocation;
    r.crl_files = options.crl_files;
    r.ocsp_response_files = options.ocsp_response_files;
    r.offline = options.offline;
    r.cache_dir = options.revocation_cache_dir;
    auto checker = istmo::crypto::RevocationChecker::create(std::move(r));
    if (!checker) return report_error(tr("cannot set up certificate status", "no se puede preparar el estado de los certificados"),
                                      checker.error());
    istmo::crypto::ValidatorOptions v;
    v.trust = options.trust;
    v.extra_certificates = options.extra_certificates;
    v.status_source = *checker;
    const istmo::crypto::CertificateValidator validator(std::move(v));
    const auto at = options.validation_time.value_or(std::chrono::system_clock::now());
    const auto result = validator.validate(*target, {}, istmo::crypto::CertificatePurpose::signature, at);
    if (args.has("json")) print_json(result);
    else print_text(result);
    return exit_for(result);
}

}  // namespace istmo_cli
