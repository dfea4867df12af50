#include "options.hpp"

#include "common.hpp"
#include "exit_codes.hpp"

#include <filesystem>
#include <iostream>

namespace istmo_cli {

const std::vector<OptionSpec>& trust_options() {
    static const std::vector<OptionSpec> group = [] {
        std::vector<OptionSpec> options{
            {"trust", '\0', true, true},
            {"trust-dir", '\0', true, true},
            {"untrusted", '\0', true, true},
            {"at", '\0', true, false},
        };
        const auto& status = revocation_options();
        options.insert(options.end(), status.begin(), status.end());
        return options;
    }();
    return group;
}

// Certificate status (CRL / OCSP): every command that validates takes these.
const std::vector<OptionSpec>& revocation_options() {
    static const std::vector<OptionSpec> group{
        {"revocation", '\0', true, false},
        {"crl", '\0', true, true},
        {"ocsp-response", '\0', true, true},
        {"offline", '\0', false, false},
        {"revocation-cache", '\0', true, false},
    };
    return group;
}

int read_revocation_options(const std::string& command, const ParsedArgs& args, RevocationArgs& out) {
    if (auto policy = args.value("revocation")) {
        auto parsed = istmo::crypto::parse_revocation_policy(*policy);
        if (!parsed) {
            print_error(command + ": " + tr("--revocation must be auto, require or off",
                                            "--revocation debe ser auto, require u off"));
            return exit_usage;
        }
        out.policy = *parsed;
    }
    for (const auto& file : args.values("crl")) out.crl_files.push_back(file);
    for (const auto& file : args.values("ocsp-response")) out.ocsp_response_files.push_back(file);
    if (args.has("offline")) out.offline = true;
    if (auto dir = args.value("revocation-cache")) out.cache_dir = *dir;
    return exit_ok;
}

const char* revocation_help() {
    return "  --revocation auto|require|off  certificate status (CRL/OCSP): auto (default) requires it for\n"
           "                        certificates that publish a CRL or OCSP URL; require: for every one;\n"
           "                        off: not checked (a warning says so)\n"
           "  --crl FILE            a CRL (DER or PEM) to use; repeatable\n"
           "  --ocsp-response FILE  an OCSP response (DER) to use; repeatable\n"
           "  --offline             never fetch CRLs or OCSP responses\n"
           "  --revocation-cache DIR  keep fetched CRLs / OCSP responses in DIR between runs\n";
}

const char* revocation_help_es() {
    return "  --revocation auto|require|off  estado de los certificados (CRL/OCSP): auto (por defecto) lo\n"
           "                        exige a los certificados que publican una URL de CRL u OCSP; require: a\n"
           "                        todos; off: no se comprueba (un aviso lo indica)\n"
           "  --crl ARCHIVO         una CRL (DER o PEM) a usar; repetible\n"
           "  --ocsp-response ARCHIVO  una respuesta OCSP (DER) a usar; repetible\n"
           "  --offline             no descargar nunca CRL ni respuestas OCSP\n"
           "  --revocation-cache DIR  guardar en DIR las CRL / respuestas OCSP descargadas entre ejecuciones\n";
}

const std::vector<OptionSpec>& key_options() {
    static const std::vector<OptionSpec> group{
        {"key", '\0', true, false},      {"cert", '\0', true, false},      {"chain", '\0', true, false},
        {"pass-env", '\0', true, false}, {"pass-file", '\0', true, false},
        // Keys on PKCS#11 tokens (--key pkcs11:...): the module and the PIN.
        {"pkcs11-module", '\0', true, false}, {"pin-env", '\0', true, false}, {"pin-file", '\0', true, false},
    };
    return group;
}

namespace {

// --lang is read before the other options, so that their errors are in the language asked for.
std::optional<std::string> lang_argument(std::span<const std::string> argv) {
    std::optional<std::string> found;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        if (argv[i] == "--") break;
        if (argv[i] == "--lang" && i + 1 < argv.size()) found = argv[i + 1];
        else if (argv[i].rfind("--lang=", 0) == 0) found = argv[i].substr(7);
    }
    return found;
}

}  // namespace

void set_lang_from_arguments(std::span<const std::string> argv) {
    const auto requested = lang_argument(argv);
    if (requested == "es") set_lang(Lang::es);
    if (requested == "en") set_lang(Lang::en);
}

namespace {
std::vector<CommandSpec>* g_spec_sink = nullptr;
}  // namespace

void set_spec_sink(std::vector<CommandSpec>* sink) noexcept { g_spec_sink = sink; }

std::optional<int> parse_command_line(const CommandSpec& command, std::span<const std::string> argv,
                                      ParsedArgs& args) {
    if (g_spec_sink != nullptr) {
        g_spec_sink->push_back(command);
        return exit_ok;
    }
    set_lang_from_arguments(argv);
    std::vector<OptionSpec> specs = command.options;
    specs.push_back({"lang", '\0', true, false});
    ParseOutcome parsed = ArgParser(std::move(specs)).parse(argv);
    if (!parsed.error.empty()) return usage_error(command.name + ": " + parsed.error, command.usage);
    args = std::move(parsed.args);
    if (auto value = args.value("lang"); value && *value != "es" && *value != "en")
        return usage_error(command.name + ": " + tr("--lang must be es or en", "--lang debe ser es o en"),
                           command.usage);
    if (args.help()) {
        std::cout << command.help << exit_codes_text();
        return exit_ok;
    }
    if (args.has("pass-env") && args.has("pass-file"))
        return usage_error(command.name + ": " +
                               tr("--pass-env and --pass-file exclude each other",
                                  "--pass-env y --pass-file se excluyen"),
                           command.usage);
    if (args.has("pin-env") && args.has("pin-file"))
        return usage_error(command.name + ": " +
                               tr("--pin-env and --pin-file exclude each other", "--pin-env y --pin-file se excluyen"),
                           command.usage);
    return std::nullopt;
}

int apply_trust_options(const std::string& command, const ParsedArgs& args, istmo::dsig::VerifyOptions& options) {
    if (auto at = args.value("at")) {
        auto time = parse_rfc3339(*at);
        if (!time) {
            print_error(command + ": " +
                        tr("--at '" + *at + "' is not an RFC 3339 time (e.g. 2026-01-02T03:04:05Z)",
                           "--at '" + *at + "' no es una hora RFC 3339 (p. ej. 2026-01-02T03:04:05Z)"));
            return exit_usage;
        }
        options.validation_time = *time;
    }
    for (const auto& file : args.values("trust")) {
        auto added = options.trust.add_file(file);
        if (!added)
            return report_error(tr("cannot load trust anchors '", "no se pueden cargar los anclajes de confianza '") +
                                    file + "'",
                                added.error());
    }
    for (const auto& dir : args.values("trust-dir")) {
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec)) {
            print_error(tr("cannot open trust directory '" + dir + "': not a directory",
                           "no se puede abrir el directorio de confianza '" + dir + "': no es un directorio"));
            return exit_no_input;
        }
        auto added = options.trust.add_directory(dir);
        if (!added)
            return report_error(tr("cannot load trust directory '", "no se puede cargar el directorio de confianza '") +
                                    dir + "'",
                                added.error());
    }
    if (const int code = apply_revocation_options(command, args, options); code != exit_ok) return code;
    // Path building only: these never become anchors, so without --trust/--trust-dir the verdict
    // stays INDETERMINATE.
    for (const auto& file : args.values("untrusted")) {
        auto certs = istmo::crypto::Certificate::all_from_file(file);
        if (!certs)
            return report_error(
                tr("cannot load untrusted certificates '", "no se pueden cargar los certificados intermedios '") +
                    file + "'",
                certs.error());
        for (auto& cert : *certs) options.extra_certificates.push_back(std::move(cert));
    }
    return exit_ok;
}

std::optional<istmo::crypto::Secret> read_secret(const ParsedArgs& args, const char* env_option,
                                                 const char* file_option, int& code) {
    if (auto variable = env_option != nullptr ? args.value(env_option) : std::nullopt) {
        auto secret = istmo::crypto::Secret::from_env(*variable);
        if (!secret) {
            // An unset variable is a mistake on the command line, not a missing file.
            print_error(tr("environment variable '" + *variable + "' is not set",
                           "la variable de entorno '" + *variable + "' no está definida"));
            code = exit_usage;
            return std::nullopt;
        }
        return std::move(*secret);
    }
    if (auto file = file_option != nullptr ? args.value(file_option) : std::nullopt) {
        auto secret = istmo::crypto::Secret::from_file(*file);
        if (!secret) {
            code = report_error(tr("cannot read the file '", "no se puede leer el archivo '") + *file + "'",
                                secret.error());
            return std::nullopt;
        }
        return std::move(*secret);
    }
    return istmo::crypto::Secret();
}

namespace {

// The library reports a missing file as not_found already; this only makes the message name
// the option when the path does not exist at all.
bool check_exists(const std::string& what, const std::string& path, int& code) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return true;
    print_error(tr("cannot open " + what + " '" + path + "': No such file or directory",
                   "no se puede abrir '" + path + "' (" + what + "): no existe"));
    code = exit_no_input;
    return false;
}

// --key pkcs11:...: the key on a token, its certificate from the token unless --cert is given.
int load_token_key(const ParsedArgs& args, const std::string& uri, SigningMaterial& out) {
    int code = exit_ok;
    auto pin = read_secret(args, "pin-env", "pin-file", code);
    if (!pin) return code;
    istmo::crypto::Pkcs11Options options;
    options.module_path = args.value("pkcs11-module").value_or("");
    if (args.has("pin-env") || args.has("pin-file")) options.pin = std::move(*pin);
    auto loaded = istmo::crypto::load_pkcs11_key(uri, options);
    if (!loaded) {
        // The message names the failure; the URI is shown, never the PIN (it is not in the URI).
        return report_error(tr("cannot use the key on the PKCS#11 token '", "no se puede usar la clave del token PKCS#11 '") +
                                uri + "' (" + std::string(istmo::errc_name(loaded.error().code)) + ")",
                            loaded.error());
    }
    out.key = std::move(loaded->key);
    if (!args.has("cert")) out.certificate = std::move(loaded->certificate);
    return exit_ok;
}

}  // namespace

int load_signing_material(const ParsedArgs& args, SigningMaterial& out) {
    const auto key_path = args.value("key");
    const auto cert_path = args.value("cert");
    const auto chain_path = args.value("chain");
    int code = exit_ok;
    if (key_path && istmo::crypto::is_pkcs11_uri(*key_path)) {
        if (cert_path && !check_exists(tr("certificate file", "archivo de certificado"), *cert_path, code)) return code;
        if (chain_path && !check_exists(tr("chain file", "archivo de cadena"), *chain_path, code)) return code;
        if (int loaded = load_token_key(args, *key_path, out); loaded != exit_ok) return loaded;
        return load_certificates(args, out);
    }
    if (args.has("pin-env") || args.has("pin-file") || args.has("pkcs11-module")) {
        print_error(tr("--pkcs11-module, --pin-env and --pin-file go with a --key 'pkcs11:...' URI",
                       "--pkcs11-module, --pin-env y --pin-file van con una --key 'pkcs11:...'"));
        return exit_usage;
    }
    if (!key_path || !check_exists(tr("key file", "archivo de clave"), *key_path, code)) return key_path ? code : exit_usage;
    if (cert_path && !check_exists(tr("certificate file", "archivo de certificado"), *cert_path, code)) return code;
    if (chain_path && !check_exists(tr("chain file", "archivo de cadena"), *chain_path, code)) return code;

    auto password = read_secret(args, "pass-env", "pass-file", code);
    if (!password) return code;
    const istmo::crypto::Secret* pass = args.has("pass-env") || args.has("pass-file") ? &*password : nullptr;
    auto key = istmo::crypto::PrivateKey::from_file(*key_path, pass);
    if (!key) {
        if (key.error().code == istmo::Errc::bad_password && pass == nullptr)
            return report_error(tr("cannot load key '" + *key_path +
                                       "' (encrypted: give the password with --pass-env or --pass-file)",
                                   "no se puede cargar la clave '" + *key_path +
                                       "' (cifrada: indique la contraseña con --pass-env o --pass-file)"),
                                key.error());
        return report_error(tr("cannot load key '", "no se puede cargar la clave '") + *key_path + "'", key.error());
    }
    out.key = std::move(*key);
    // A PKCS#12 carries the certificate and usually its chain: use them unless overridden.
    if (auto p12 = istmo::crypto::load_pkcs12_file(*key_path, pass)) {
        out.from_pkcs12 = true;
        if (!cert_path) out.certificate = std::move(p12->certificate);
        if (!chain_path) out.chain = std::move(p12->chain);
    }
    return load_certificates(args, out);
}

int load_certificates(const ParsedArgs& args, SigningMaterial& out) {
    const auto cert_path = args.value("cert");
    const auto chain_path = args.value("chain");
    if (cert_path) {
        auto cert = istmo::crypto::Certificate::from_file(*cert_path);
        if (!cert)
            return report_error(tr("cannot load certificate '", "no se puede cargar el certificado '") + *cert_path + "'",
                                cert.error());
        out.certificate = std::move(*cert);
    }
    if (chain_path) {
        auto certs = istmo::crypto::Certificate::all_from_file(*chain_path);
        if (!certs)
            return report_error(tr("cannot load chain '", "no se puede cargar la cadena '") + *chain_path + "'",
                                certs.error());
        out.chain = std::move(*certs);
    }
    return exit_ok;
}

std::string shown_path(const std::string& path) {
    return path == "-" ? tr("standard input", "la entrada estándar") : "'" + path + "'";
}

}  // namespace istmo_cli
