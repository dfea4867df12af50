// istmo sign: XMLDSig- or XAdES-signs a document with a private key (and its certificate).
#include "args.hpp"
#include "common.hpp"
#include "exit_codes.hpp"

#include <istmo/istmo.hpp>
#include <istmo/tsa/client.hpp>
#include <istmo/xades/xades.hpp>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace istmo_cli {

const char* const sign_usage =
    "usage: istmo sign --key FILE [--cert FILE] [--chain FILE] [--pass-env VAR | --pass-file FILE]\n"
    "                  [--alg ALG] [--c14n C14N] [--mode enveloped|enveloping|detached --ref ID...]\n"
    "                  [--id SIGNATURE-ID] [--key-value] [-o OUT]\n"
    "                  [--profile xmldsig|xades-b-b|xades-epes|xades-b-t] [--role TEXT]...\n"
    "                  [--commitment TYPE] [--policy-id ID --policy-digest B64 [--policy-digest-alg ALG]\n"
    "                  [--policy-uri URL] | --policy-implied] [--tsa URL]... [--tsa-trust FILE]... IN\n"
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
    "XAdES (ETSI EN 319 132-1 baseline; needs --cert):\n"
    "  --profile PROFILE   xmldsig (default) | xades-b-b | xades-epes | xades-b-t\n"
    "  --role TEXT         a claimed role of the signer (SignerRoleV2); repeatable\n"
    "  --commitment TYPE   proof-of-origin | proof-of-receipt | proof-of-delivery | proof-of-sender |\n"
    "                      proof-of-approval | proof-of-creation, or a URI\n"
    "  --mime-type TYPE    MimeType of the signed data (DataObjectFormat; default text/xml)\n"
    "  --signing-time T    SigningTime as RFC 3339 (default: now)\n"
    "  --policy-id ID      signature policy: an OID (1.2.3) or a URI (xades-epes)\n"
    "  --policy-digest B64 base64 digest of the policy document (required with --policy-id)\n"
    "  --policy-digest-alg sha256 (default) | sha384 | sha512\n"
    "  --policy-uri URL    where the policy document can be found (SPURI qualifier)\n"
    "  --policy-implied    the policy is implied by the context (SignaturePolicyImplied)\n"
    "  --tsa URL           RFC 3161 time-stamping authority (xades-b-t); repeatable, tried in order\n"
    "  --tsa-trust FILE    trust anchors (PEM/DER) the TSA's answer is verified against before it\n"
    "                      is embedded (xades-b-t; required, repeatable)\n"
    "\n"
    "Example:\n"
    "  istmo sign --key signer.key.pem --cert signer.cert.pem --chain chain.pem -o signed.xml invoice.xml\n"
    "  istmo sign --profile xades-b-t --tsa http://tsa.example/tsr --tsa-trust tsa-root.pem \\\n"
    "             --key signer.key.pem --cert signer.cert.pem --role Emisor -o signed.xml invoice.xml\n"
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

// Standard base64 (RFC 4648 §4, padding optional, whitespace not allowed); nullopt when invalid.
std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text) {
    auto value_of = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    if (text.size() % 4 == 1) return std::nullopt;
    std::vector<std::uint8_t> out;
    unsigned int buffer = 0;
    int bits = 0;
    for (char c : text) {
        const int v = value_of(c);
        if (v < 0) return std::nullopt;
        buffer = (buffer << 6) | static_cast<unsigned int>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>((buffer >> bits) & 0xFFu));
        }
    }
    return out;
}

// The XAdES part of the command line, checked before any file is touched.
struct XadesRequest {
    std::optional<istmo::xades::Profile> profile;  // nullopt: plain XMLDSig
    istmo::xades::SignOptions options;             // without dsig options and timestamper
    std::vector<std::string> tsa_urls;
    std::vector<std::string> tsa_trust;
};

// Returns an error message (empty when the options are consistent).
std::string parse_xades_options(const ParsedArgs& args, XadesRequest& out) {
    const std::string profile = args.value("profile").value_or("xmldsig");
    if (profile != "xmldsig") {
        out.profile = istmo::xades::parse_profile(profile);
        if (!out.profile) return "unknown profile '" + profile + "' (xmldsig, xades-b-b, xades-epes, xades-b-t)";
    }
    const bool xades = out.profile.has_value();
    for (const char* option : {"role", "commitment", "mime-type", "signing-time", "policy-id", "policy-digest",
                               "policy-digest-alg", "policy-uri", "policy-implied", "tsa", "tsa-trust"})
        if (!xades && args.has(option))
            return std::string("--") + option + " needs a XAdES profile (--profile xades-b-b|xades-epes|xades-b-t)";
    if (!xades) return {};
    istmo::xades::SignOptions& o = out.options;
    o.profile = *out.profile;
    o.claimed_roles = args.values("role");
    for (const auto& role : o.claimed_roles)
        if (role.empty()) return "--role needs a non-empty text";
    if (auto commitment = args.value("commitment")) {
        static const char* const known[] = {"proof-of-origin", "proof-of-receipt", "proof-of-delivery",
                                            "proof-of-sender", "proof-of-approval", "proof-of-creation"};
        const bool is_known = std::find(std::begin(known), std::end(known), *commitment) != std::end(known);
        if (!is_known && commitment->find(':') == std::string::npos)
            return "unknown commitment type '" + *commitment + "' (proof-of-origin, proof-of-receipt, "
                   "proof-of-delivery, proof-of-sender, proof-of-approval, proof-of-creation, or a URI)";
        o.commitment = *commitment;
    }
    if (auto mime = args.value("mime-type")) {
        if (mime->empty()) return "--mime-type needs a value";
        o.mime_type = *mime;
    }
    if (auto when = args.value("signing-time")) {
        auto time = parse_rfc3339(*when);
        if (!time) return "--signing-time '" + *when + "' is not an RFC 3339 time (e.g. 2026-01-02T03:04:05Z)";
        o.signing_time = *time;
    }

    const bool implied = args.has("policy-implied");
    const auto policy_id = args.value("policy-id");
    const bool policy_details = args.has("policy-digest") || args.has("policy-digest-alg") || args.has("policy-uri");
    if (implied && (policy_id || policy_details)) return "--policy-implied excludes --policy-id and its options";
    if (!policy_id && policy_details) return "--policy-digest, --policy-digest-alg and --policy-uri need --policy-id";
    if (implied) {
        istmo::xades::SignaturePolicy policy;
        policy.implied = true;
        o.policy = policy;
    } else if (policy_id) {
        if (policy_id->empty()) return "--policy-id needs an OID or a URI";
        istmo::xades::SignaturePolicy policy;
        policy.identifier = *policy_id;
        const auto digest = args.value("policy-digest");
        if (!digest) return "--policy-id needs --policy-digest (base64 digest of the policy document)";
        const std::string alg = args.value("policy-digest-alg").value_or("sha256");
        std::size_t expected_size = 0;
        if (alg == "sha256") {
            policy.digest_algorithm = istmo::dsig::DigestAlgorithm::sha256;
            expected_size = 32;
        } else if (alg == "sha384") {
            policy.digest_algorithm = istmo::dsig::DigestAlgorithm::sha384;
            expected_size = 48;
        } else if (alg == "sha512") {
            policy.digest_algorithm = istmo::dsig::DigestAlgorithm::sha512;
            expected_size = 64;
        } else {
            return "--policy-digest-alg must be sha256, sha384 or sha512";
        }
        auto bytes = decode_base64(*digest);
        if (!bytes) return "--policy-digest '" + *digest + "' is not base64";
        if (bytes->size() != expected_size)
            return "--policy-digest has " + std::to_string(bytes->size()) + " bytes, " + alg + " gives " +
                   std::to_string(expected_size);
        policy.digest = std::move(*bytes);
        policy.spuri = args.value("policy-uri").value_or("");
        o.policy = policy;
    }
    if (o.profile == istmo::xades::Profile::epes && !o.policy)
        return "xades-epes needs --policy-id ... or --policy-implied";
    if (o.profile != istmo::xades::Profile::epes && o.policy)
        return "a signature policy needs --profile xades-epes";

    out.tsa_urls = args.values("tsa");
    out.tsa_trust = args.values("tsa-trust");
    const bool bt = o.profile == istmo::xades::Profile::b_t;
    if (!bt && (!out.tsa_urls.empty() || !out.tsa_trust.empty())) return "--tsa and --tsa-trust need --profile xades-b-t";
    if (bt && out.tsa_urls.empty()) return "xades-b-t needs at least one --tsa URL";
    if (bt && out.tsa_trust.empty())
        return "xades-b-t needs --tsa-trust FILE (every time-stamp is verified before it is embedded)";
    for (const auto& url : out.tsa_urls)
        if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
            return "--tsa '" + url + "' is not an http:// or https:// URL";
    return {};
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
        {"profile", '\0', true, false},
        {"role", '\0', true, true},
        {"commitment", '\0', true, false},
        {"mime-type", '\0', true, false},
        {"signing-time", '\0', true, false},
        {"policy-id", '\0', true, false},
        {"policy-digest", '\0', true, false},
        {"policy-digest-alg", '\0', true, false},
        {"policy-uri", '\0', true, false},
        {"policy-implied", '\0', false, false},
        {"tsa", '\0', true, true},
        {"tsa-trust", '\0', true, true},
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
    XadesRequest xades;
    if (const std::string problem = parse_xades_options(args, xades); !problem.empty())
        return usage_error("sign: " + problem, sign_usage);
    if (xades.profile && !args.has("cert"))
        return usage_error("sign: XAdES profiles need --cert (SigningCertificateV2 binds the signer)", sign_usage);

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

    auto document = read_input(input_path, code);
    if (!document) return code;

    istmo::Result<std::string> signed_xml = istmo::make_error(istmo::Errc::internal, "not signed");
    if (!xades.profile) {
        auto signer = istmo::dsig::Signer::create(std::move(*key), std::move(certificate), std::move(chain),
                                                  std::move(options));
        if (!signer) return report_error("cannot sign", signer.error());
        signed_xml = signer->sign(*document);
    } else {
        xades.options.dsig = std::move(options);
        if (*xades.profile == istmo::xades::Profile::b_t) {
            for (const auto& file : xades.tsa_trust)
                if (!check_exists("TSA trust file", file, code)) return code;
            istmo::tsa::ClientOptions client;
            client.urls = xades.tsa_urls;
            for (const auto& file : xades.tsa_trust) {
                auto certs = istmo::crypto::Certificate::all_from_file(file);
                if (!certs) return report_error("cannot load TSA trust anchors '" + file + "'", certs.error());
                for (const auto& cert : *certs) {
                    client.verify.trust.add(cert);
                    client.verify.extra_certificates.push_back(cert);
                }
            }
            auto created = istmo::tsa::TimestampClient::create(std::move(client));
            if (!created) return report_error("cannot use the TSA", created.error());
            auto tsa_client = std::make_shared<istmo::tsa::TimestampClient>(std::move(*created));
            xades.options.timestamper = [tsa_client](std::span<const std::uint8_t> data)
                -> istmo::Result<std::vector<std::uint8_t>> {
                auto request = istmo::tsa::TimestampRequest::for_data(data);
                if (!request) return request.error();
                auto stamped = tsa_client->timestamp(*request);
                if (!stamped) return stamped.error();
                return stamped->token;
            };
        }
        auto signer = istmo::xades::Signer::create(std::move(*key), std::move(*certificate), std::move(chain),
                                                   std::move(xades.options));
        if (!signer) return report_error("cannot sign", signer.error());
        signed_xml = signer->sign(*document);
    }
    if (!signed_xml) {
        const std::string shown = input_path == "-" ? "standard input" : "'" + input_path + "'";
        return report_error("cannot sign " + shown, signed_xml.error());
    }
    return write_output(output_path, *signed_xml);
}

}  // namespace istmo_cli
