// istmo timestamp: obtains an RFC 3161 time-stamp from a TSA ("request") and checks one
// against the time-stamped data ("verify"). Uses the public C++ API only.
#include "commands.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "human.hpp"
#include "options.hpp"

#include <istmo/crypto/keys.hpp>
#include <istmo/report/json.hpp>
#include <istmo/report/report.hpp>
#include <istmo/tsa/client.hpp>
#include <istmo/tsa/timestamp.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace istmo_cli {

int run_timestamp(std::span<const std::string> argv);

namespace {

namespace tsa = istmo::tsa;

constexpr const char* request_usage =
    "usage: istmo timestamp request --tsa URL [--tsa URL]... [--digest sha256|sha384|sha512]\n"
    "                               [--policy OID] [--no-cert-req] [--user NAME --pass-env VAR]\n"
    "                               [--cacert FILE] [--client-cert FILE --client-key FILE\n"
    "                               [--client-key-pass-env VAR | --client-key-pass-file FILE]]\n"
    "                               [--timeout SECONDS] [--retries N] --trust FILE [--trust FILE]...\n"
    "                               -o OUT.tsr FILE\n"
    "Try 'istmo timestamp --help' for more information.\n";

constexpr const char* verify_usage_text =
    "usage: istmo timestamp verify --data FILE --trust FILE [--trust FILE]... [--revocation auto|require|off]\n"
    "                              [--crl FILE]... [--ocsp-response FILE]... [--offline]\n"
    "                              [--revocation-cache DIR] [--json] TOKEN.tsr\n"
    "Try 'istmo timestamp --help' for more information.\n";

constexpr const char* timestamp_usage =
    "usage: istmo timestamp request [options] -o OUT.tsr FILE\n"
    "       istmo timestamp verify --data FILE --trust FILE [--json] TOKEN.tsr\n"
    "Try 'istmo timestamp --help' for more information.\n";

constexpr const char* timestamp_help =
    "usage: istmo timestamp request --tsa URL [options] -o OUT.tsr FILE\n"
    "       istmo timestamp verify --data FILE --trust FILE [--json] TOKEN.tsr\n"
    "\n"
    "request: asks one or more RFC 3161 Time-Stamp Authorities for a time-stamp on FILE (or - for\n"
    "standard input), verifies the answer completely (nonce, imprint, signature, ESSCertID, EKU,\n"
    "certificate path to --trust at genTime, genTime within 5 minutes of the local clock) and\n"
    "writes the DER TimeStampResp to OUT.tsr (what 'openssl ts -verify -in OUT.tsr' reads).\n"
    "\n"
    "  --tsa URL            http:// or https:// URL of a TSA; repeatable, tried in this order\n"
    "  --digest ALG         sha256 (default) | sha384 | sha512: the message imprint algorithm\n"
    "  --policy OID         request this TSA policy (dotted OID); the token must carry it\n"
    "  --no-cert-req        do not ask the TSA to embed its certificate (the --trust files must\n"
    "                       then hold the TSA certificate)\n"
    "  --user NAME          HTTP basic authentication user\n"
    "  --pass-env VAR       the basic authentication password from environment variable VAR\n"
    "  --pass-file FILE     the basic authentication password from the first line of FILE\n"
    "                       (passwords are never accepted on the command line)\n"
    "  --cacert FILE        PEM bundle to verify HTTPS servers with (default: the system CAs)\n"
    "  --client-cert FILE   PEM client certificate (chain) for HTTPS; needs --client-key\n"
    "  --client-key FILE    PEM private key of the client certificate\n"
    "  --client-key-pass-env VAR / --client-key-pass-file FILE\n"
    "                       the password of an encrypted --client-key (never asked on the terminal)\n"
    "  --timeout SECONDS    time budget of the whole request, retries included (default 60)\n"
    "  --retries N          extra attempts per TSA after a retryable failure (default 2, 0..10)\n"
    "  --trust FILE         trust anchors for the TSA certificate (PEM bundle or DER); repeatable,\n"
    "                       at least one: a token is never accepted unverified\n"
    "  -o, --output OUT     where to write the TimeStampResp (- for standard output)\n"
    "  --revocation, --crl, --ocsp-response, --offline, --revocation-cache\n"
    "                       the TSA certificate's status (CRL / OCSP), as for verify below\n"
    "\n"
    "verify: checks the time-stamp TOKEN.tsr (a TimeStampResp or a bare TimeStampToken, DER)\n"
    "against the data of FILE and the trust anchors, with the certificate path validated at the\n"
    "token's genTime, and the status (CRL / OCSP) of the TSA certificate and its CAs, the CRLs and\n"
    "OCSP responses the token carries used first. Prints a short report (or one JSON object with\n"
    "--json) on standard output.\n"
    "\n"
    "  --data FILE          the time-stamped data (hashed with the token's imprint algorithm)\n"
    "  --trust FILE         trust anchors for the TSA certificate (PEM bundle or DER); repeatable;\n"
    "                       their certificates may also stand in for ones the token does not embed\n"
    "  --json               print the report as one JSON object\n"
    "  --lang es|en         language of the messages (default: LC_ALL/LC_MESSAGES/LANG)\n"
    "  -h, --help           show this help\n"
    "%REVOCATION%"
    "\n"
    "Examples:\n"
    "  istmo timestamp request --tsa http://tsa.example/tsr --trust tsa-root.pem -o invoice.tsr invoice.xml\n"
    "  istmo timestamp verify --data invoice.xml --trust tsa-root.pem invoice.tsr\n"
    "\n"
    "request exits 69 when no TSA delivered a valid time-stamp (unreachable, HTTP error,\n"
    "rejection, timeout or a token that failed verification). verify exits 1 when the token does\n"
    "not match the data or is invalid, 2 when its TSA certificate cannot be trusted (no path to\n"
    "--trust, expired at genTime, its status required but not obtainable), 65 when TOKEN.tsr\n"
    "holds no time-stamp token.\n"
    "\n";
constexpr const char* timestamp_help_es =
    "uso: istmo timestamp request --tsa URL [opciones] -o OUT.tsr ARCHIVO\n"
    "     istmo timestamp verify --data ARCHIVO --trust ARCHIVO [--json] TOKEN.tsr\n"
    "\n"
    "request: pide a una o más autoridades de sellado de tiempo (RFC 3161) un sello sobre ARCHIVO\n"
    "(o - para la entrada estándar), verifica la respuesta por completo (nonce, huella, firma,\n"
    "ESSCertID, EKU, ruta del certificado hasta --trust en genTime, genTime a menos de 5 minutos\n"
    "del reloj local) y escribe el TimeStampResp DER en OUT.tsr.\n"
    "\n"
    "  --tsa URL            URL http:// o https:// de una TSA; repetible, se prueban en orden\n"
    "  --digest ALG         sha256 (por defecto) | sha384 | sha512\n"
    "  --policy OID         pide esta política de la TSA (OID con puntos)\n"
    "  --no-cert-req        no pide a la TSA que incluya su certificado\n"
    "  --user NOMBRE        usuario de autenticación HTTP básica\n"
    "  --pass-env VAR       su contraseña desde la variable de entorno VAR\n"
    "  --pass-file ARCHIVO  su contraseña desde la primera línea de ARCHIVO\n"
    "  --cacert ARCHIVO     CA (PEM) para verificar servidores HTTPS (por defecto: las del sistema)\n"
    "  --client-cert ARCHIVO / --client-key ARCHIVO  certificado y clave de cliente TLS\n"
    "  --client-key-pass-env VAR / --client-key-pass-file ARCHIVO\n"
    "                       la contraseña de una --client-key cifrada (nunca se pide en el terminal)\n"
    "  --timeout SEGUNDOS   tiempo total de la solicitud, reintentos incluidos (60)\n"
    "  --retries N          reintentos por TSA tras un fallo recuperable (2, de 0 a 10)\n"
    "  --trust ARCHIVO      anclas de confianza del certificado de la TSA; repetible, al menos una\n"
    "  -o, --output OUT     dónde escribir el TimeStampResp (- para la salida estándar)\n"
    "  --revocation, --crl, --ocsp-response, --offline, --revocation-cache\n"
    "                       el estado (CRL / OCSP) del certificado de la TSA, como en verify\n"
    "\n"
    "verify: comprueba el sello TOKEN.tsr contra los datos de ARCHIVO y las anclas, con la ruta\n"
    "del certificado validada en el genTime del sello, y el estado (CRL / OCSP) del certificado de\n"
    "la TSA y de sus CA, usando primero las CRL y respuestas OCSP que lleva el sello.\n"
    "\n"
    "  --data ARCHIVO       los datos sellados\n"
    "  --trust ARCHIVO      anclas de confianza del certificado de la TSA; repetible\n"
    "  --json               imprime el informe como un objeto JSON\n"
    "  --lang es|en         idioma de los mensajes (por defecto: LC_ALL/LC_MESSAGES/LANG)\n"
    "  -h, --help           muestra esta ayuda\n"
    "%REVOCATION%"
    "\n"
    "request sale con 69 si ninguna TSA entregó un sello válido. verify sale con 1 si el sello no\n"
    "corresponde a los datos o no es válido, 2 si no se puede confiar en el certificado de la TSA\n"
    "(o su estado es obligatorio y no se pudo obtener),\n"
    "65 si TOKEN.tsr no contiene un sello.\n"
    "\n";


// The help in the message language, with the revocation options (verify) where it says so.
std::string timestamp_help_text() {
    std::string text = tr(timestamp_help, timestamp_help_es);
    const std::string_view mark = "%REVOCATION%";
    if (const auto at = text.find(mark); at != std::string::npos)
        text.replace(at, mark.size(), tr(revocation_help(), revocation_help_es()));
    return text;
}

// ---- helpers ------------------------------------------------------------------------------

bool check_exists(const std::string& what, const std::string& path, int& exit_code) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        print_error(tr("cannot open " + what + " '" + path + "': No such file or directory", "no se puede abrir '" + path + "' (" + what + "): no existe"));
        exit_code = exit_no_input;
        return false;
    }
    return true;
}

// Loads every certificate of the --trust files. Returns exit_ok or the printed error's code.
int load_trust(const std::vector<std::string>& files, tsa::VerifyOptions& options) {
    for (const auto& file : files) {
        int code = exit_ok;
        if (!check_exists(tr("trust file", "archivo de confianza"), file, code)) return code;
        auto certs = istmo::crypto::Certificate::all_from_file(file);
        if (!certs) return report_error(tr("cannot load trust anchors '", "no se pueden cargar las anclas de confianza '") + file + "'", certs.error());
        if (certs->empty()) {
            print_error(tr("trust file '" + file + "' holds no certificate", "el archivo de confianza '" + file + "' no contiene ningún certificado"));
            return exit_usage;
        }
        for (const auto& cert : *certs) {
            options.trust.add(cert);
            // Lets tokens without embedded certificates (certReq false) find their signer.
            options.extra_certificates.push_back(cert);
        }
    }
    return exit_ok;
}

// Seconds as a decimal ("2", "0.5"), > 0 and at most a day.
std::optional<std::chrono::milliseconds> parse_seconds(const std::string& text) {
    if (text.empty()) return std::nullopt;
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (used != text.size() || !std::isfinite(value) || value <= 0 || value > 86400) return std::nullopt;
    const auto ms = static_cast<long long>(std::llround(value * 1000.0));
    return std::chrono::milliseconds(ms < 1 ? 1 : ms);
}

std::optional<int> parse_count(const std::string& text, int max) {
    if (text.empty() || text.size() > 3) return std::nullopt;
    int value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    if (value > max) return std::nullopt;
    return value;
}

std::string hex(const tsa::Bytes& bytes) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const std::uint8_t b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 0x0F];
    }
    return out;
}

// "2026-01-02T03:04:05.123Z" (UTC, milliseconds); "" for the epoch (unknown).
std::string format_time(const tsa::TimePoint& time) {
    if (time == tsa::TimePoint{}) return "";
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
    auto secs = static_cast<std::time_t>(ms / 1000);
    long long frac = ms % 1000;
    if (frac < 0) {
        frac += 1000;
        --secs;
    }
    std::tm tm{};
    if (gmtime_r(&secs, &tm) == nullptr) return "";
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    return buf;
}

std::string accuracy_text(const std::optional<tsa::Accuracy>& accuracy) {
    if (!accuracy) return "";
    char buf[96];
    std::snprintf(buf, sizeof buf, "%ld.%03ld%03ld s", accuracy->seconds, accuracy->millis, accuracy->micros);
    return buf;
}

// What a verification means for the exit code: 0, 1, 2, 65 or 70.
int verification_exit_code(const tsa::TokenVerification& v) {
    static const std::set<std::string, std::less<>> not_a_token = {
        "TSA-RESPONSE-MALFORMED", "TSA-TOKEN-MALFORMED", "TSA-TOKEN-MISSING", "TSA-STATUS-REJECTED",
        "TSA-STATUS-WAITING", "TSA-TSTINFO-MALFORMED", "TSA-CONTENT-TYPE"};
    static const std::set<std::string, std::less<>> indeterminate = {
        "TSA-CERT-UNTRUSTED", "TSA-CERT-EXPIRED", "TSA-CERT-NOT-YET-VALID", "TSA-CERT-NOT-FOUND",
        "TSA-IMPRINT-ALG-UNSUPPORTED", "TSA-CERT-REVOCATION-UNKNOWN", "TSA-CERT-REVOCATION-UNAVAILABLE"};
    bool internal = false;
    bool bad_input = false;
    bool failed = false;
    bool undecided = false;
    for (const auto& f : v.findings) {
        if (f.severity != istmo::report::Severity::error) continue;
        if (f.code == "TSA-INTERNAL") internal = true;
        else if (not_a_token.count(f.code) != 0) bad_input = true;
        else if (indeterminate.count(f.code) != 0) undecided = true;
        else failed = true;
    }
    if (internal) return exit_internal;
    if (bad_input) return exit_data;
    if (failed) return exit_total_failed;
    if (undecided) return exit_indeterminate;
    return exit_ok;
}

std::string_view indication_for(int code) {
    switch (code) {
        case exit_ok: return "TOTAL_PASSED";
        case exit_indeterminate: return "INDETERMINATE";
        default: return "TOTAL_FAILED";
    }
}

void write_accuracy(istmo::report::JsonWriter& w, const std::optional<tsa::Accuracy>& accuracy) {
    w.key("accuracy");
    if (!accuracy) {
        w.null();
        return;
    }
    w.begin_object()
        .member("seconds", static_cast<std::int64_t>(accuracy->seconds))
        .member("millis", static_cast<std::int64_t>(accuracy->millis))
        .member("micros", static_cast<std::int64_t>(accuracy->micros))
        .end_object();
}

void write_signer(istmo::report::JsonWriter& w, const tsa::TokenInfo& info) {
    w.key("signer").begin_object();
    w.key("subject").string_or_null(info.signer_subject);
    w.key("issuer").string_or_null(info.signer_issuer);
    w.key("serial").string_or_null(info.signer_serial_hex);
    w.key("sha256").string_or_null(info.signer_sha256);
    w.key("not_before").string_or_null(format_time(info.signer_not_before));
    w.key("not_after").string_or_null(format_time(info.signer_not_after));
    w.end_object();
}

std::string optional_time(const std::optional<tsa::TimePoint>& time) { return time ? format_time(*time) : ""; }

// The TSA certificate's validated path with each certificate's status (the shape of 'cert status').
void write_tsa_path(istmo::report::JsonWriter& w, const std::vector<istmo::crypto::ChainElement>& path) {
    w.key("tsa_path").begin_array();
    for (const auto& e : path) {
        const auto& s = e.status;
        w.begin_object().member("subject", e.certificate.subject()).member("anchor", e.anchor);
        w.key("revocation").begin_object()
            .member("status", std::string(istmo::crypto::revocation_status_name(s.status)))
            .member("source", std::string(istmo::crypto::status_source_name(s.source)));
        w.key("this_update").string_or_null(optional_time(s.this_update));
        w.key("next_update").string_or_null(optional_time(s.next_update));
        w.key("revocation_time").string_or_null(optional_time(s.revocation_time));
        w.key("reason").string_or_null(s.reason);
        w.end_object().end_object();
    }
    w.end_array();
}

// One JSON object; a value the token does not have (a broken token, no signer) is null, never "".
std::string to_json(const tsa::TokenVerification& v, int code, const std::string& token_path,
                    const std::string& data_path) {
    const tsa::TokenInfo& info = v.info;
    istmo::report::JsonWriter w;
    w.begin_object().member("indication", indication_for(code)).member("valid", v.valid());
    w.member("token", token_path).member("data", data_path);
    w.member("status", v.status);
    w.key("status_text").string_or_null(v.status_text);
    w.key("fail_info").strings(v.fail_info);
    w.key("gen_time").string_or_null(format_time(info.gen_time));
    w.key("gen_time_encoded").string_or_null(info.gen_time_text);
    write_accuracy(w, info.accuracy);
    w.member("ordering", info.ordering);
    w.key("policy").string_or_null(info.policy);
    w.key("serial").string_or_null(info.serial_hex);
    w.key("imprint_algorithm").string_or_null(info.imprint_algorithm);
    w.key("imprint").string_or_null(hex(info.imprint));
    w.key("nonce").string_or_null(info.nonce_hex ? std::string_view(*info.nonce_hex) : std::string_view());
    w.key("tsa_name").string_or_null(info.tsa_name);
    w.key("ess_version").string_or_null(info.ess_version);
    w.member("embedded_certificates", static_cast<std::int64_t>(info.embedded_certificates));
    w.key("signature_algorithm").string_or_null(info.signature_algorithm);
    write_signer(w, info);
    write_tsa_path(w, v.tsa_path);
    // The one finding shape of the reports (code, severity, message, message_es, ...).
    w.key("findings");
    istmo::report::write_findings(w, v.findings);
    w.end_object();
    return std::move(w).take() + "\n";
}

std::string to_text(const tsa::TokenVerification& v, int code, const std::string& token_path) {
    const tsa::TokenInfo& info = v.info;
    std::string out = tr("Time-stamp '", "Sello de tiempo '") + token_path + "': " + std::string(indication_for(code)) + "\n";
    // The labels are aligned on 14 columns; a Spanish label counts its characters, not its bytes.
    auto line = [&out](const std::string& label, const std::string& value) {
        if (value.empty()) return;
        std::size_t width = 0;
        for (unsigned char c : label) width += (c & 0xC0) != 0x80;
        out += "  " + label;
        out.append(width < 14 ? 14 - width : 1, ' ');
        out += value;
        out += '\n';
    };
    if (v.status >= 0) {
        std::string status = std::to_string(v.status);
        if (!v.status_text.empty()) status += " (" + v.status_text + ")";
        line(tr("status", "estado"), status);
    }
    line("genTime", format_time(info.gen_time));
    line(tr("accuracy", "precisión"), accuracy_text(info.accuracy));
    line(tr("policy", "política"), info.policy);
    line(tr("serial", "serie"), info.serial_hex);
    if (!info.imprint.empty()) line(tr("imprint", "huella"), info.imprint_algorithm + " " + hex(info.imprint));
    if (info.nonce_hex) line("nonce", *info.nonce_hex);
    line(tr("TSA name", "nombre de TSA"), info.tsa_name);
    line(tr("signer", "firmante"), info.signer_subject);
    line(tr("issuer", "emisor"), info.signer_issuer);
    line(tr("signature", "firma"), info.signature_algorithm);
    if (!info.ess_version.empty()) line("ESSCertID", info.ess_version);
    for (const auto& e : v.tsa_path) {
        if (e.anchor) continue;
        std::string status(istmo::crypto::revocation_status_name(e.status.status));
        if (e.status.source != istmo::crypto::StatusSource::none)
            status += std::string(tr(" from ", " de ")) + std::string(istmo::crypto::status_source_name(e.status.source));
        if (e.status.revocation_time) status += tr(", revoked at ", ", revocado el ") + optional_time(e.status.revocation_time);
        line(tr("status", "estado"), status + " (" + e.certificate.subject() + ")");
    }
    for (const auto& f : v.findings) out += "  " + severity_text(f.severity) + " " + f.code + ": " + message_in_language(f) + "\n";
    return out;
}

// ---- request ------------------------------------------------------------------------------

// The HTTPS and authentication files of 'timestamp request' (CA bundle, client certificate and
// key with its password, basic-auth password). Returns exit_ok or the printed error's code.
int load_client_files(const ParsedArgs& args, tsa::ClientOptions& client) {
    int exit_code = exit_ok;
    if (auto file = args.value("cacert")) {
        if (!check_exists(tr("CA bundle", "paquete de CA"), *file, exit_code)) return exit_code;
        client.ca_file = *file;
    }
    if (auto file = args.value("client-cert")) {
        if (!check_exists(tr("client certificate", "certificado de cliente"), *file, exit_code)) return exit_code;
        client.client_cert_file = *file;
    }
    if (auto file = args.value("client-key")) {
        if (!check_exists(tr("client key", "clave de cliente"), *file, exit_code)) return exit_code;
        client.client_key_file = *file;
        auto password = read_secret(args, "client-key-pass-env", "client-key-pass-file", exit_code);
        if (!password) return exit_code;
        client.client_key_password = std::move(*password);
    }
    if (auto user = args.value("user")) {
        client.user = *user;
        if (auto var = args.value("pass-env")) {
            auto secret = istmo::crypto::Secret::from_env(*var);
            if (!secret) {
                print_error(tr("environment variable '" + *var + "' is not set", "la variable de entorno '" + *var + "' no está definida"));
                return exit_usage;
            }
            client.password = std::move(*secret);
        } else if (auto file = args.value("pass-file")) {
            if (!check_exists(tr("password file", "archivo de contraseña"), *file, exit_code)) return exit_code;
            auto secret = istmo::crypto::Secret::from_file(*file);
            if (!secret) return report_error(tr("cannot read password file '", "no se puede leer el archivo de contraseña '") + *file + "'", secret.error());
            client.password = std::move(*secret);
        }
    }
    return exit_ok;
}

// What is wrong with --client-key-pass-env / --client-key-pass-file, if anything.
std::optional<std::string> client_key_password_problem(const ParsedArgs& args) {
    const bool env = args.has("client-key-pass-env"), file = args.has("client-key-pass-file");
    if (env && file)
        return tr("--client-key-pass-env and --client-key-pass-file exclude each other",
                  "--client-key-pass-env y --client-key-pass-file se excluyen");
    if ((env || file) && !args.has("client-key"))
        return tr("--client-key-pass-env / --client-key-pass-file need --client-key",
                  "--client-key-pass-env / --client-key-pass-file necesitan --client-key");
    return std::nullopt;
}

int run_request(std::span<const std::string> argv) {
    CommandSpec command{"timestamp request",
                              {
                                  {"tsa", '\0', true, true},
                                  {"digest", '\0', true, false},
                                  {"policy", '\0', true, false},
                                  {"no-cert-req", '\0', false, false},
                                  {"user", '\0', true, false},
                                  {"pass-env", '\0', true, false},
                                  {"pass-file", '\0', true, false},
                                  {"cacert", '\0', true, false},
                                  {"client-cert", '\0', true, false},
                                  {"client-key", '\0', true, false},
                                  {"client-key-pass-env", '\0', true, false},
                                  {"client-key-pass-file", '\0', true, false},
                                  {"timeout", '\0', true, false},
                                  {"retries", '\0', true, false},
                                  {"trust", '\0', true, true},
                                  {"output", 'o', true, false},
                              },
                              request_usage, timestamp_help_text()};
    command.options.insert(command.options.end(), revocation_options().begin(), revocation_options().end());
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;

    // ---- the command line, completely, before any file or network --------------------------
    if (args.positionals().empty())
        return usage_error("timestamp request: " + tr("missing the file to time-stamp (FILE)", "falta el archivo a sellar (FILE)"), request_usage);
    if (args.positionals().size() > 1)
        return usage_error("timestamp request: " + tr("more than one file given", "se dio más de un archivo"), request_usage);
    const std::string input_path = args.positionals().front();
    const auto output_path = args.value("output");
    if (!output_path || output_path->empty())
        return usage_error("timestamp request: " + tr("-o OUT.tsr is required", "-o OUT.tsr es obligatorio"), request_usage);

    tsa::ClientOptions client;
    client.urls = args.values("tsa");
    if (client.urls.empty()) return usage_error("timestamp request: " + tr("at least one --tsa URL is required", "se necesita al menos una --tsa URL"), request_usage);
    for (const auto& url : client.urls)
        if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
            return usage_error("timestamp request: --tsa '" + url + tr("' is not an http:// or https:// URL", "' no es una URL http:// o https://"),
                               request_usage);
    const auto trust_files = args.values("trust");
    if (trust_files.empty())
        return usage_error("timestamp request: " + tr("at least one --trust FILE is required (every answer is "
                                                     "verified against it before it is written)",
                                                     "se necesita al menos un --trust ARCHIVO (cada respuesta se "
                                                     "verifica con él antes de escribirla)"),
                           request_usage);

    tsa::RequestOptions request_options;
    if (auto digest = args.value("digest")) {
        if (*digest != "sha256" && *digest != "sha384" && *digest != "sha512")
            return usage_error("timestamp request: " + tr("--digest must be sha256, sha384 or sha512", "--digest debe ser sha256, sha384 o sha512"), request_usage);
        request_options.hash = *tsa::hash_alg_from_name(*digest);
    }
    if (auto policy = args.value("policy")) {
        bool dotted = !policy->empty() && policy->front() != '.' && policy->back() != '.' &&
                      policy->find("..") == std::string::npos;
        for (const char c : *policy) dotted = dotted && ((c >= '0' && c <= '9') || c == '.');
        if (!dotted || policy->find('.') == std::string::npos)
            return usage_error("timestamp request: --policy '" + *policy + tr("' is not a dotted OID", "' no es un OID con puntos"), request_usage);
        request_options.policy = *policy;
    }
    request_options.cert_req = !args.has("no-cert-req");

    if (args.has("pass-env") && args.has("pass-file"))
        return usage_error("timestamp request: " + tr("--pass-env and --pass-file exclude each other",
                                                     "--pass-env y --pass-file se excluyen"),
                           request_usage);
    const bool has_password = args.has("pass-env") || args.has("pass-file");
    if (args.has("user") != has_password)
        return usage_error("timestamp request: " + tr("--user needs --pass-env or --pass-file, and the other way round",
                                                     "--user necesita --pass-env o --pass-file, y al revés"),
                           request_usage);
    if (args.has("client-cert") != args.has("client-key"))
        return usage_error("timestamp request: " + tr("--client-cert and --client-key go together", "--client-cert y --client-key van juntos"), request_usage);
    if (auto problem = client_key_password_problem(args)) return usage_error("timestamp request: " + *problem, request_usage);
    if (auto timeout = args.value("timeout")) {
        auto ms = parse_seconds(*timeout);
        if (!ms) return usage_error("timestamp request: --timeout '" + *timeout +
                                        tr("' is not a number of seconds > 0", "' no es un número de segundos > 0"),
                                    request_usage);
        client.total_timeout = *ms;
        client.request_timeout = std::min(client.request_timeout, *ms);
        client.connect_timeout = std::min(client.connect_timeout, *ms);
    }
    if (auto retries = args.value("retries")) {
        auto n = parse_count(*retries, 10);
        if (!n) return usage_error("timestamp request: --retries '" + *retries +
                                       tr("' is not a number from 0 to 10", "' no es un número de 0 a 10"),
                                   request_usage);
        client.retries = *n;
    }

    // ---- files ---------------------------------------------------------------------------
    int code = exit_ok;
    if (input_path != "-" && !check_exists(tr("input", "entrada"), input_path, code)) return code;
    if (const int loaded = load_client_files(args, client); loaded != exit_ok) return loaded;
    if (const int given = apply_revocation_options("timestamp request", args, client.verify); given != exit_ok)
        return given;
    if (const int loaded = load_trust(trust_files, client.verify); loaded != exit_ok) return loaded;

    std::optional<tsa::TimestampRequest> request;
    if (input_path == "-") {
        auto data = read_input(input_path, code);
        if (!data) return code;
        auto built = tsa::TimestampRequest::for_data(
            std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data->data()), data->size()),
            request_options);
        if (!built) return report_error(tr("cannot build the time-stamp request", "no se puede construir la solicitud de sello"), built.error());
        request = std::move(*built);
    } else {
        auto built = tsa::TimestampRequest::for_file(input_path, request_options);
        if (!built) return report_error(tr("cannot read '", "no se puede leer '") + input_path + "'", built.error());
        request = std::move(*built);
    }

    // ---- the exchange -----------------------------------------------------------------------
    auto created = tsa::TimestampClient::create(std::move(client));
    if (!created) return report_error("timestamp request", created.error());
    auto stamped = created->timestamp(*request);
    if (!stamped) {
        const istmo::Error& error = stamped.error();
        std::string message =
            error.message.empty() ? std::string(istmo::errc_name(error.code)) : text_in_language(error.message);
        if (error.cause.rfind("TSA-", 0) == 0 && message.find(error.cause) == std::string::npos)
            message = error.cause + ": " + message;
        print_error(tr("no time-stamp: ", "sin sello de tiempo: ") + message);
        return exit_code_for(error.code);
    }

    const tsa::Bytes& response = stamped->response;
    const std::string_view body(reinterpret_cast<const char*>(response.data()), response.size());
    if (const int written = write_output(*output_path, body); written != exit_ok) return written;
    if (*output_path != "-") {
        const tsa::TokenInfo& info = stamped->verification.info;
        const std::string attempts =
            std::to_string(stamped->attempts) +
            (stamped->attempts == 1 ? tr(" attempt", " intento") : tr(" attempts", " intentos"));
        std::cout << tr("time-stamp from ", "sello de tiempo de ") << stamped->url << " (" << attempts << "): genTime "
                  << format_time(info.gen_time) << tr(", serial ", ", serie ") << info.serial_hex
                  << tr(", policy ", ", política ") << info.policy << tr("\nwritten to '", "\nescrito en '")
                  << *output_path << "'\n";
    }
    return exit_ok;
}

// ---- verify -------------------------------------------------------------------------------

int run_token_verify(std::span<const std::string> argv) {
    std::vector<OptionSpec> specs{{"data", '\0', true, false}, {"trust", '\0', true, true}, {"json", '\0', false, false}};
    specs.insert(specs.end(), revocation_options().begin(), revocation_options().end());
    const CommandSpec command{"timestamp verify", std::move(specs), verify_usage_text, timestamp_help_text()};
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (args.positionals().empty())
        return usage_error("timestamp verify: " + tr("missing the time-stamp (TOKEN.tsr)", "falta el sello de tiempo (TOKEN.tsr)"), verify_usage_text);
    if (args.positionals().size() > 1)
        return usage_error("timestamp verify: " + tr("more than one time-stamp given", "se dio más de un sello de tiempo"), verify_usage_text);
    const std::string token_path = args.positionals().front();
    const auto data_path = args.value("data");
    if (!data_path || data_path->empty())
        return usage_error("timestamp verify: " + tr("--data FILE is required", "--data ARCHIVO es obligatorio"), verify_usage_text);
    const auto trust_files = args.values("trust");
    if (trust_files.empty()) return usage_error("timestamp verify: " + tr("--trust FILE is required", "--trust ARCHIVO es obligatorio"), verify_usage_text);
    if (token_path == "-" && *data_path == "-")
        return usage_error("timestamp verify: " + tr("the token and the data cannot both be standard input",
                                                    "el sello y los datos no pueden ser ambos la entrada estándar"),
                           verify_usage_text);
    const bool json = args.has("json");

    int code = exit_ok;
    if (token_path != "-" && !check_exists(tr("time-stamp", "sello de tiempo"), token_path, code)) return code;
    if (*data_path != "-" && !check_exists(tr("data file", "archivo de datos"), *data_path, code)) return code;
    tsa::VerifyOptions options;
    if (const int given = apply_revocation_options("timestamp verify", args, options); given != exit_ok) return given;
    if (const int loaded = load_trust(trust_files, options); loaded != exit_ok) return loaded;
    // One verifier for both looks: the second reuses the first's certificate status.
    const tsa::TokenVerifier verifier(std::move(options));

    auto token_text = read_input(token_path, code);
    if (!token_text) return code;
    const std::span<const std::uint8_t> token(reinterpret_cast<const std::uint8_t*>(token_text->data()),
                                              token_text->size());

    // A first look tells the imprint algorithm, so a large data file is hashed as a stream.
    tsa::TokenExpectations expect;
    const tsa::TokenVerification first = verifier.verify_response_or_token(token, expect);
    auto alg = tsa::hash_alg_from_name(first.info.imprint_algorithm);
    if (alg && *data_path != "-") {
        tsa::RequestOptions hashing;
        hashing.hash = *alg;
        auto digest = tsa::TimestampRequest::for_file(*data_path, hashing);
        if (!digest) return report_error(tr("cannot read '", "no se puede leer '") + *data_path + "'", digest.error());
        expect.digest_alg = *alg;
        expect.digest = digest->imprint();
    } else {
        auto data = read_input(*data_path, code);
        if (!data) return code;
        expect.data = tsa::Bytes(data->begin(), data->end());
    }
    const tsa::TokenVerification verification = verifier.verify_response_or_token(token, expect);
    const int result = verification_exit_code(verification);

    const std::string shown = token_path == "-" ? tr("standard input", "entrada estándar") : token_path;
    const std::string out = json ? to_json(verification, result, shown, *data_path) : to_text(verification, result, shown);
    if (const int written = write_output("", out); written != exit_ok) return written;
    if (result == exit_data) {
        const istmo::report::Finding* first_error = verification.first_error();
        const std::string why = first_error ? first_error->code + ": " + message_in_language(*first_error) : std::string();
        print_error("'" + shown + tr("' holds no usable time-stamp token: ", "' no contiene un sello de tiempo utilizable: ") + why);
    }
    else if (result != exit_ok) print_error(tr("time-stamp not valid: ", "sello de tiempo no válido: ") + verification.summary());
    return result;
}

}  // namespace

int run_timestamp(std::span<const std::string> argv) {
    if (argv.empty()) return usage_error("timestamp: " + tr("missing the action (request or verify)", "falta la acción (request o verify)"), timestamp_usage);
    const std::string& action = argv.front();
    const std::span<const std::string> rest = argv.subspan(1);
    if (action == "--help" || action == "-h" || action == "help") {
        std::cout << timestamp_help_text() << exit_codes_text();
        return exit_ok;
    }
    if (action == "request") return run_request(rest);
    if (action == "verify") return run_token_verify(rest);
    return usage_error("timestamp: " + tr("unknown action '", "acción desconocida '") + action + "' (request, verify)", timestamp_usage);
}

}  // namespace istmo_cli
