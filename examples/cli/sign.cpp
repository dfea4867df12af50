// istmo sign: XMLDSig-signs a document with a private key (and its certificate).
#include "args.hpp"
#include "common.hpp"
#include "exit_codes.hpp"

#include <istmo/istmo.hpp>

#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace istmo_cli {

const char* const sign_usage =
    "usage: istmo sign --key FILE [--cert FILE] [--chain FILE] [--pass-env VAR | --pass-file FILE]\n"
    "                  [--alg ALG] [--c14n C14N] [--mode enveloped|enveloping|detached --ref ID...]\n"
    "                  [--id SIGNATURE-ID] [--key-value] [-o OUT] IN\n"
    "Try 'istmo sign --help' for more information.\n";

const char* const sign_help =
    "usage: istmo sign --key FILE [options] IN\n"
    "\n"
    "Signs the XML document IN (a file, or - for standard input) with an XML Signature and\n"
    "writes the signed document to standard output or to OUT.\n"
    "\n"
    "Options:\n"
    "  --key FILE          private key: PEM (PKCS#8, traditional, encrypted), DER or PKCS#12\n"
    "  --cert FILE         signer certificate (PEM or DER); without it KeyInfo holds the key value\n"
    "  --chain FILE        PEM bundle of intermediate certificates to embed in X509Data\n"
    "  --pass-env VAR      read the key password from environment variable VAR\n"
    "  --pass-file FILE    read the key password from the first line of FILE\n"
    "                      (passwords are never accepted on the command line)\n"
    "  --alg ALG           rsa-sha256 | rsa-sha384 | rsa-sha512 | rsa-pss-sha256 | rsa-pss-sha384 |\n"
    "                      rsa-pss-sha512 | ecdsa-sha256 | ecdsa-sha384 | ecdsa-sha512 | ed25519 |\n"
    "                      auto (default: chosen from the key: rsa-sha256, ecdsa-shaNNN by curve,\n"
    "                      ed25519)\n"
    "  --c14n C14N         exc | exc-comments | inc | inc-comments | c14n11 | c14n11-comments\n"
    "                      (default: exc)\n"
    "  --mode MODE         enveloped (default) | enveloping | detached\n"
    "  --ref ID            detached mode: sign the element with Id=ID (repeatable, at least one)\n"
    "  --id SIGNATURE-ID   Id attribute of the ds:Signature element\n"
    "  --key-value         also put the public key (ds:KeyValue) into KeyInfo\n"
    "  -o, --output OUT    write the signed document to OUT instead of standard output\n"
    "  -h, --help          show this help\n"
    "\n"
    "Example:\n"
    "  istmo sign --key signer.key.pem --cert signer.cert.pem --chain chain.pem -o signed.xml invoice.xml\n"
    "\n";

namespace {

struct LoadedSecret {
    std::optional<istmo::crypto::Secret> secret;
    int exit_code = exit_ok;
};

LoadedSecret load_password(const ParsedArgs& args) {
    LoadedSecret out;
    if (auto var = args.value("pass-env")) {
        auto secret = istmo::crypto::Secret::from_env(*var);
        if (!secret) {
            // An unset variable is a mistake on the command line, not a missing file.
            print_error("environment variable '" + *var + "' is not set");
            out.exit_code = exit_usage;
            return out;
        }
        out.secret = std::move(*secret);
    } else if (auto file = args.value("pass-file")) {
        auto secret = istmo::crypto::Secret::from_file(*file);
        if (!secret) {
            out.exit_code = report_error("cannot read password file '" + *file + "'", secret.error());
            return out;
        }
        out.secret = std::move(*secret);
    }
    return out;
}

// The library reports a missing file as not_found already; this only makes the message name
// the option when the path does not exist at all.
bool check_exists(const std::string& what, const std::string& path, int& exit_code) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        print_error("cannot open " + what + " '" + path + "': No such file or directory");
        exit_code = exit_no_input;
        return false;
    }
    return true;
}

}  // namespace

int run_sign(std::span<const std::string> argv) {
    const ArgParser parser({
        {"key", '\0', true, false},
        {"cert", '\0', true, false},
        {"chain", '\0', true, false},
        {"pass-env", '\0', true, false},
        {"pass-file", '\0', true, false},
        {"alg", '\0', true, false},
        {"c14n", '\0', true, false},
        {"mode", '\0', true, false},
        {"ref", '\0', true, true},
        {"id", '\0', true, false},
        {"key-value", '\0', false, false},
        {"output", 'o', true, false},
    });
    ParseOutcome parsed = parser.parse(argv);
    if (!parsed.error.empty()) return usage_error("sign: " + parsed.error, sign_usage);
    const ParsedArgs& args = parsed.args;
    if (args.help()) {
        std::cout << sign_help << exit_codes_help;
        return exit_ok;
    }

    // ---- check the command line completely before touching any file ----------------------
    if (args.positionals().empty()) return usage_error("sign: missing input document (IN)", sign_usage);
    if (args.positionals().size() > 1)
        return usage_error("sign: more than one input document given", sign_usage);
    const std::string input_path = args.positionals().front();
    const auto key_path = args.value("key");
    if (!key_path) return usage_error("sign: --key is required", sign_usage);
    if (args.has("pass-env") && args.has("pass-file"))
        return usage_error("sign: --pass-env and --pass-file exclude each other", sign_usage);

    istmo::dsig::SignOptions options;
    if (auto alg = args.value("alg")) {
        auto parsed_alg = istmo::dsig::parse_signature_algorithm(*alg);
        if (!parsed_alg) return usage_error("sign: unknown signature algorithm '" + *alg + "'", sign_usage);
        options.algorithm = *parsed_alg;
    }
    if (auto c14n = args.value("c14n")) {
        auto parsed_c14n = istmo::dsig::parse_canonicalization(*c14n);
        if (!parsed_c14n) return usage_error("sign: unknown canonicalization '" + *c14n + "'", sign_usage);
        options.canonicalization = *parsed_c14n;
    }
    if (auto mode = args.value("mode")) {
        auto parsed_mode = istmo::dsig::parse_sign_mode(*mode);
        if (!parsed_mode) return usage_error("sign: unknown mode '" + *mode + "'", sign_usage);
        options.mode = *parsed_mode;
    }
    options.reference_ids = args.values("ref");
    if (options.mode == istmo::dsig::SignMode::detached && options.reference_ids.empty())
        return usage_error("sign: detached mode needs at least one --ref ID", sign_usage);
    if (options.mode != istmo::dsig::SignMode::detached && !options.reference_ids.empty())
        return usage_error("sign: --ref is only allowed with --mode detached", sign_usage);
    for (const auto& ref : options.reference_ids)
        if (ref.empty()) return usage_error("sign: --ref needs a non-empty ID", sign_usage);
    if (auto id = args.value("id")) options.signature_id = *id;
    options.include_key_value = args.has("key-value");
    const std::string output_path = args.value("output").value_or("");

    // ---- inputs --------------------------------------------------------------------------
    int code = exit_ok;
    if (input_path != "-" && !check_exists("input", input_path, code)) return code;
    if (!check_exists("key file", *key_path, code)) return code;
    const auto cert_path = args.value("cert");
    if (cert_path && !check_exists("certificate file", *cert_path, code)) return code;
    const auto chain_path = args.value("chain");
    if (chain_path && !check_exists("chain file", *chain_path, code)) return code;

    LoadedSecret password = load_password(args);
    if (password.exit_code != exit_ok) return password.exit_code;

    auto key = istmo::crypto::PrivateKey::from_file(
        *key_path, password.secret ? &*password.secret : nullptr);
    if (!key) {
        if (key.error().code == istmo::Errc::bad_password && !password.secret)
            return report_error("cannot load key '" + *key_path +
                                    "' (encrypted: give the password with --pass-env or --pass-file)",
                                key.error());
        return report_error("cannot load key '" + *key_path + "'", key.error());
    }

    std::optional<istmo::crypto::Certificate> certificate;
    if (cert_path) {
        auto cert = istmo::crypto::Certificate::from_file(*cert_path);
        if (!cert) return report_error("cannot load certificate '" + *cert_path + "'", cert.error());
        certificate = std::move(*cert);
    }
    std::vector<istmo::crypto::Certificate> chain;
    if (chain_path) {
        auto certs = istmo::crypto::Certificate::all_from_file(*chain_path);
        if (!certs) return report_error("cannot load chain '" + *chain_path + "'", certs.error());
        chain = std::move(*certs);
    }

    auto signer = istmo::dsig::Signer::create(std::move(*key), std::move(certificate), std::move(chain),
                                              std::move(options));
    if (!signer) return report_error("cannot sign", signer.error());

    auto document = read_input(input_path, code);
    if (!document) return code;

    auto signed_xml = signer->sign(*document);
    if (!signed_xml) {
        const std::string shown = input_path == "-" ? "standard input" : "'" + input_path + "'";
        return report_error("cannot sign " + shown, signed_xml.error());
    }
    return write_output(output_path, *signed_xml);
}

}  // namespace istmo_cli
