// istmo sign: XMLDSig- or XAdES-signs a document with a private key (and its certificate).
#include "commands.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "long_term.hpp"
#include "options.hpp"

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

namespace {

const char* const sign_usage =
    "usage: istmo sign --key FILE [--cert FILE] [--chain FILE] [--pass-env VAR | --pass-file FILE]\n"
    "                  [--alg ALG] [--c14n C14N] [--mode enveloped|enveloping|detached --ref ID...]\n"
    "                  [--id SIGNATURE-ID] [--key-value] [-o OUT]\n"
    "                  [--profile xmldsig|xades-b-b|xades-epes|xades-b-t|xades-b-lt|xades-b-lta]\n"
    "                  [--role TEXT]...\n"
    "                  [--commitment TYPE] [--policy-id ID --policy-digest B64 [--policy-digest-alg ALG]\n"
    "                  [--policy-uri URL] | --policy-implied] [--tsa URL]... [--tsa-trust FILE]...\n"
    "                  [--trust FILE]... [--untrusted FILE]... [--at TIME] [revocation options] IN\n"
    "       istmo sign --prepare --cert FILE [--chain FILE] [options] -o PENDING IN\n"
    "       istmo sign --complete --signature-value FILE|- [-o OUT] PENDING\n"
    "Try 'istmo sign --help' for more information.\n";

const char* const sign_help =
    "usage: istmo sign --key FILE [options] IN\n"
    "\n"
    "Signs the XML document IN (a file, or - for standard input) with an XML Signature and\n"
    "writes the signed document to standard output or to OUT.\n"
    "\n"
    "Options:\n"
    "  --key FILE          private key: PEM (PKCS#8, traditional, encrypted), DER or PKCS#12; a\n"
    "                      PKCS#12 (.p12) also gives the certificate and the chain it holds\n"
    "  --key 'pkcs11:...'  a key on a PKCS#11 token or HSM (RFC 7512 URI: token=, object=, id=);\n"
    "                      the certificate is read from the token unless --cert is given\n"
    "  --pkcs11-module PATH  the PKCS#11 module (default: ISTMO_PKCS11_MODULE)\n"
    "  --pin-env VAR       read the token PIN from environment variable VAR\n"
    "  --pin-file FILE     read the token PIN from the first line of FILE (never on the command line)\n"
    "  --cert FILE         signer certificate (PEM or DER; overrides the PKCS#12's); without any\n"
    "                      certificate KeyInfo holds the key value (a note says so)\n"
    "  --chain FILE        PEM bundle of intermediate certificates to embed in X509Data\n"
    "                      (overrides the PKCS#12's)\n"
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
    "  --lang es|en        language of the messages (default: LC_ALL/LC_MESSAGES/LANG, es* = Spanish)\n"
    "  -h, --help          show this help\n"
    "\n"
    "XAdES (ETSI EN 319 132-1 baseline; needs --cert):\n"
    "  --profile PROFILE   xmldsig (default) | xades-b-b | xades-epes | xades-b-t | xades-b-lt |\n"
    "                      xades-b-lta (B-T plus the validation data of the signer's and the TSA's\n"
    "                      paths; B-LTA also an ArchiveTimeStamp: see istmo extend)\n"
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
    "  --trust FILE, --trust-dir DIR, --untrusted FILE, --at TIME, --revocation, --crl,\n"
    "  --ocsp-response, --offline, --revocation-cache\n"
    "                      xades-b-lt / xades-b-lta: the anchors of the signer's path, its\n"
    "                      intermediates and how certificate status is had (as for istmo verify)\n"
    "\n"
    "Two-step (remote) signing: the private key is elsewhere (a signing service, an HSM):\n"
    "  --prepare           with --cert (no --key): write the signed document with a placeholder value\n"
    "                      and its state to PENDING (-o), and print as JSON what must be signed:\n"
    "                      signature_algorithm, digest_algorithm, digest (base64 of the hash of the\n"
    "                      canonical SignedInfo; for Ed25519 signed_info, the octets themselves).\n"
    "                      XAdES SigningTime is fixed here; not for xades-b-t\n"
    "  --complete          insert the value into PENDING and write the signed document; the value is\n"
    "                      checked against the certificate first and refused when it does not verify\n"
    "  --signature-value FILE|-  the value: raw bytes (RSA; ECDSA r||s or DER) or base64\n"
    "\n"
    "Example:\n"
    "  istmo sign --key signer.key.pem --cert signer.cert.pem --chain chain.pem -o signed.xml invoice.xml\n"
    "  istmo sign --key signer.p12 --pass-env P12_PASSWORD -o signed.xml invoice.xml\n"
    "  istmo sign --profile xades-b-t --tsa http://tsa.example/tsr --tsa-trust tsa-root.pem \\\n"
    "             --key signer.key.pem --cert signer.cert.pem --role Emisor -o signed.xml invoice.xml\n"
    "\n";

const char* const sign_help_es =
    "uso: istmo sign --key ARCHIVO [opciones] IN\n"
    "\n"
    "Firma el documento XML IN (un archivo, o - para la entrada estándar) con una firma XML y\n"
    "escribe el documento firmado en la salida estándar o en OUT.\n"
    "\n"
    "Opciones:\n"
    "  --key ARCHIVO       clave privada: PEM (PKCS#8, tradicional, cifrada), DER o PKCS#12; un\n"
    "                      PKCS#12 (.p12) aporta además el certificado y la cadena que contiene\n"
    "  --key 'pkcs11:...'  una clave en un token o HSM PKCS#11 (URI RFC 7512: token=, object=, id=);\n"
    "                      el certificado se lee del token salvo que se indique --cert\n"
    "  --pkcs11-module RUTA  el módulo PKCS#11 (por defecto: ISTMO_PKCS11_MODULE)\n"
    "  --pin-env VAR       lee el PIN del token de la variable de entorno VAR\n"
    "  --pin-file ARCHIVO  lee el PIN de la primera línea de ARCHIVO (nunca en la línea de comandos)\n"
    "  --cert ARCHIVO      certificado del firmante (PEM o DER; reemplaza al del PKCS#12); sin\n"
    "                      certificado KeyInfo lleva la clave pública (un aviso lo dice)\n"
    "  --chain ARCHIVO     certificados intermedios (PEM) para X509Data (reemplaza a los del PKCS#12)\n"
    "  --pass-env VAR      lee la contraseña de la clave de la variable de entorno VAR\n"
    "  --pass-file ARCHIVO lee la contraseña de la primera línea de ARCHIVO\n"
    "                      (nunca se aceptan contraseñas en la línea de comandos)\n"
    "  --alg ALG           rsa-sha256 | rsa-sha384 | rsa-sha512 | rsa-pss-sha256 | ... | ed25519 |\n"
    "                      auto (por defecto: según la clave)\n"
    "  --c14n C14N         exc | exc-comments | inc | inc-comments | c14n11 | c14n11-comments (exc)\n"
    "  --mode MODO         enveloped (por defecto) | enveloping | detached\n"
    "  --ref ID            modo detached: firma el elemento con Id=ID (repetible)\n"
    "  --id ID-FIRMA       atributo Id del elemento ds:Signature\n"
    "  --key-value         pone también la clave pública (ds:KeyValue) en KeyInfo\n"
    "  -o, --output OUT    escribe el documento firmado en OUT\n"
    "  --lang es|en        idioma de los mensajes (por defecto: LC_ALL/LC_MESSAGES/LANG)\n"
    "  -h, --help          muestra esta ayuda\n"
    "\n"
    "XAdES (ETSI EN 319 132-1; necesita el certificado):\n"
    "  --profile PERFIL    xmldsig (por defecto) | xades-b-b | xades-epes | xades-b-t | xades-b-lt |\n"
    "                      xades-b-lta (B-T más los datos de validación de las rutas del firmante\n"
    "                      y de la TSA; B-LTA además un ArchiveTimeStamp: ver istmo extend)\n"
    "  --role TEXTO        un rol declarado del firmante; repetible\n"
    "  --commitment TIPO   proof-of-origin | proof-of-receipt | ... o un URI\n"
    "  --mime-type TIPO    MimeType de los datos firmados (text/xml por defecto)\n"
    "  --signing-time T    SigningTime en RFC 3339 (por defecto: ahora)\n"
    "  --policy-id ID --policy-digest B64 [--policy-digest-alg ALG] [--policy-uri URL] | --policy-implied\n"
    "                      política de firma (xades-epes)\n"
    "  --tsa URL           autoridad de sellado de tiempo RFC 3161 (xades-b-t); repetible\n"
    "  --tsa-trust ARCHIVO anclas contra las que se verifica la respuesta de la TSA (obligatoria)\n"
    "  --trust ARCHIVO, --trust-dir DIR, --untrusted ARCHIVO, --at HORA, --revocation, --crl,\n"
    "  --ocsp-response, --offline, --revocation-cache\n"
    "                      xades-b-lt / xades-b-lta: anclas de la ruta del firmante, intermedios y\n"
    "                      cómo se obtiene el estado de los certificados (como en istmo verify)\n"
    "\n"
    "Firma en dos pasos (la clave privada está en otro lugar: un servicio de firma, un HSM):\n"
    "  --prepare           con --cert (sin --key): escribe en PENDIENTE (-o) el documento firmado con un\n"
    "                      valor provisional y su estado, e imprime en JSON lo que hay que firmar:\n"
    "                      signature_algorithm, digest_algorithm, digest (base64 del resumen del\n"
    "                      SignedInfo canónico; para Ed25519 signed_info, los octetos mismos).\n"
    "                      El SigningTime de XAdES se fija aquí; no para xades-b-t\n"
    "  --complete          inserta el valor en PENDIENTE y escribe el documento firmado; el valor se\n"
    "                      comprueba antes con el certificado y se rechaza si no verifica\n"
    "  --signature-value ARCHIVO|-  el valor: bytes (RSA; ECDSA r||s o DER) o base64\n"
    "\n"
    "Ejemplo:\n"
    "  istmo sign --key firmante.p12 --pass-env CLAVE_P12 -o firmado.xml factura.xml\n"
    "\n";

}  // namespace

namespace {

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
        if (!out.profile)
            return tr("unknown profile '", "perfil desconocido '") + profile +
                   "' (xmldsig, xades-b-b, xades-epes, xades-b-t, xades-b-lt, xades-b-lta)";
    }
    const bool xades = out.profile.has_value();
    for (const char* option : {"role", "commitment", "mime-type", "signing-time", "policy-id", "policy-digest",
                               "policy-digest-alg", "policy-uri", "policy-implied", "tsa", "tsa-trust"})
        if (!xades && args.has(option))
            return std::string("--") + option + tr(" needs a XAdES profile", " necesita un perfil XAdES") + " (--profile xades-b-b|xades-epes|xades-b-t)";
    if (!xades) return {};
    istmo::xades::SignOptions& o = out.options;
    o.profile = *out.profile;
    o.claimed_roles = args.values("role");
    for (const auto& role : o.claimed_roles)
        if (role.empty()) return tr("--role needs a non-empty text", "--role necesita un texto no vacío");
    if (auto commitment = args.value("commitment")) {
        static const char* const known[] = {"proof-of-origin", "proof-of-receipt", "proof-of-delivery",
                                            "proof-of-sender", "proof-of-approval", "proof-of-creation"};
        const bool is_known = std::find(std::begin(known), std::end(known), *commitment) != std::end(known);
        if (!is_known && commitment->find(':') == std::string::npos)
            return tr("unknown commitment type '", "tipo de compromiso desconocido '") + *commitment + "' (proof-of-origin, proof-of-receipt, "
                   "proof-of-delivery, proof-of-sender, proof-of-approval, proof-of-creation, or a URI)";
        o.commitment = *commitment;
    }
    if (auto mime = args.value("mime-type")) {
        if (mime->empty()) return tr("--mime-type needs a value", "--mime-type necesita un valor");
        o.mime_type = *mime;
    }
    if (auto when = args.value("signing-time")) {
        auto time = parse_rfc3339(*when);
        if (!time) return "--signing-time '" + *when + tr("' is not an RFC 3339 time (e.g. 2026-01-02T03:04:05Z)", "' no es una hora RFC 3339 (p. ej. 2026-01-02T03:04:05Z)");
        o.signing_time = *time;
    }

    const bool implied = args.has("policy-implied");
    const auto policy_id = args.value("policy-id");
    const bool policy_details = args.has("policy-digest") || args.has("policy-digest-alg") || args.has("policy-uri");
    if (implied && (policy_id || policy_details)) return tr("--policy-implied excludes --policy-id and its options", "--policy-implied excluye --policy-id y sus opciones");
    if (!policy_id && policy_details) return tr("--policy-digest, --policy-digest-alg and --policy-uri need --policy-id", "--policy-digest, --policy-digest-alg y --policy-uri necesitan --policy-id");
    if (implied) {
        istmo::xades::SignaturePolicy policy;
        policy.implied = true;
        o.policy = policy;
    } else if (policy_id) {
        if (policy_id->empty()) return tr("--policy-id needs an OID or a URI", "--policy-id necesita un OID o un URI");
        istmo::xades::SignaturePolicy policy;
        policy.identifier = *policy_id;
        const auto digest = args.value("policy-digest");
        if (!digest) return tr("--policy-id needs --policy-digest (base64 digest of the policy document)", "--policy-id necesita --policy-digest (resumen base64 del documento de la política)");
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
            return tr("--policy-digest-alg must be sha256, sha384 or sha512", "--policy-digest-alg debe ser sha256, sha384 o sha512");
        }
        auto bytes = decode_base64(*digest);
        if (!bytes) return "--policy-digest '" + *digest + tr("' is not base64", "' no es base64");
        if (bytes->size() != expected_size)
            return "--policy-digest: " + std::to_string(bytes->size()) + tr(" bytes, ", " bytes, ") + alg + " = " +
                   std::to_string(expected_size);
        policy.digest = std::move(*bytes);
        policy.spuri = args.value("policy-uri").value_or("");
        o.policy = policy;
    }
    if (o.profile == istmo::xades::Profile::epes && !o.policy)
        return tr("xades-epes needs --policy-id ... or --policy-implied", "xades-epes necesita --policy-id ... o --policy-implied");
    if (o.profile != istmo::xades::Profile::epes && o.policy)
        return tr("a signature policy needs --profile xades-epes", "una política de firma necesita --profile xades-epes");

    out.tsa_urls = args.values("tsa");
    out.tsa_trust = args.values("tsa-trust");
    const bool long_term = o.profile == istmo::xades::Profile::b_lt || o.profile == istmo::xades::Profile::b_lta;
    const bool bt = o.profile == istmo::xades::Profile::b_t || long_term;
    if (!bt && (!out.tsa_urls.empty() || !out.tsa_trust.empty())) return tr("--tsa and --tsa-trust need --profile xades-b-t", "--tsa y --tsa-trust necesitan --profile xades-b-t");
    for (const auto& option : trust_options())
        if (!long_term && args.has(std::string(option.name)))
            return "--" + std::string(option.name) +
                   tr(" needs --profile xades-b-lt or xades-b-lta", " necesita --profile xades-b-lt o xades-b-lta");
    if (bt && out.tsa_urls.empty()) return tr("xades-b-t needs at least one --tsa URL", "xades-b-t necesita al menos una --tsa URL");
    if (bt && out.tsa_trust.empty())
        return tr("xades-b-t needs --tsa-trust FILE (every time-stamp is verified before it is embedded)", "xades-b-t necesita --tsa-trust ARCHIVO (cada sello se verifica antes de incluirlo)");
    for (const auto& url : out.tsa_urls)
        if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
            return "--tsa '" + url + tr("' is not an http:// or https:// URL", "' no es una URL http:// o https://");
    return {};
}

// istmo sign --complete --signature-value FILE|- [-o OUT] PENDING
int run_complete(const ParsedArgs& args) {
    if (args.has("key") || args.has("prepare"))
        return usage_error("sign: " + tr("--complete takes no --key and no --prepare", "--complete no admite --key ni --prepare"), sign_usage);
    const auto value_path = args.value("signature-value");
    if (!value_path) return usage_error("sign: " + tr("--complete needs --signature-value FILE|-", "--complete necesita --signature-value ARCHIVO|-"), sign_usage);
    if (args.positionals().size() != 1)
        return usage_error("sign: " + tr("--complete needs one PENDING file", "--complete necesita un archivo PENDIENTE"), sign_usage);
    int code = exit_ok;
    auto state = read_input(args.positionals().front(), code);
    if (!state) return code;
    auto value = read_input(*value_path, code);
    if (!value) return code;
    auto pending = istmo::dsig::PendingSignature::from_state(*state);
    if (!pending) return report_error(tr("cannot read the pending signature", "no se puede leer la firma pendiente"), pending.error());
    const auto* raw = reinterpret_cast<const std::uint8_t*>(value->data());
    auto signed_xml = pending->complete(std::span<const std::uint8_t>(raw, value->size()));
    if (!signed_xml) {
        // Not raw bytes: maybe base64 text (with or without a final newline).
        std::string text = *value;
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
        if (auto decoded = decode_base64(text)) {
            auto again = pending->complete(*decoded);
            if (again) signed_xml = std::move(again);
        }
    }
    if (!signed_xml)
        return report_error(tr("the signature value was refused", "el valor de firma fue rechazado"), signed_xml.error());
    return write_output(args.value("output").value_or(""), *signed_xml);
}

// istmo sign --prepare --cert FILE [--chain FILE] [options] -o PENDING IN
int run_prepare(const ParsedArgs& args, const std::string& input_path, istmo::dsig::SignOptions options, XadesRequest& xades) {
    if (args.has("key") || args.has("signature-value"))
        return usage_error("sign: " + tr("--prepare takes --cert, not --key or --signature-value", "--prepare lleva --cert, no --key ni --signature-value"), sign_usage);
    if (!args.has("cert")) return usage_error("sign: " + tr("--prepare needs --cert", "--prepare necesita --cert"), sign_usage);
    const std::string pending_path = args.value("output").value_or("");
    if (pending_path.empty() || pending_path == "-")
        return usage_error("sign: " + tr("--prepare needs -o PENDING (standard output carries the JSON)",
                                         "--prepare necesita -o PENDIENTE (la salida estándar lleva el JSON)"), sign_usage);
    SigningMaterial material;
    if (const int loaded = load_certificates(args, material); loaded != exit_ok) return loaded;
    int code = exit_ok;
    auto document = read_input(input_path, code);
    if (!document) return code;
    istmo::Result<istmo::dsig::PendingSignature> pending = istmo::make_error(istmo::Errc::internal, "not prepared");
    if (!xades.profile) {
        auto signer = istmo::dsig::Signer::for_certificate(std::move(*material.certificate), std::move(material.chain), std::move(options));
        if (!signer) return report_error(tr("cannot sign", "no se puede firmar"), signer.error());
        pending = signer->prepare(*document);
    } else {
        xades.options.dsig = std::move(options);
        auto signer = istmo::xades::Signer::for_certificate(std::move(*material.certificate), std::move(material.chain),
                                                            std::move(xades.options));
        if (!signer) return report_error(tr("cannot sign", "no se puede firmar"), signer.error());
        pending = signer->prepare(*document);
    }
    if (!pending) return report_error(tr("cannot prepare ", "no se puede preparar ") + shown_path(input_path), pending.error());
    if (const int written = write_output(pending_path, pending->state()); written != exit_ok) return written;
    std::cout << pending->request_json() << "\n";
    return exit_ok;
}

}  // namespace

int run_sign(std::span<const std::string> argv) {
    CommandSpec command{"sign", key_options(), sign_usage, tr(sign_help, sign_help_es)};
    for (const OptionSpec& option : trust_options()) command.options.push_back(option);
    for (const OptionSpec& option : std::initializer_list<OptionSpec>{
             {"alg", '\0', true, false},          {"c14n", '\0', true, false},
             {"mode", '\0', true, false},         {"ref", '\0', true, true},
             {"id", '\0', true, false},           {"key-value", '\0', false, false},
             {"output", 'o', true, false},        {"profile", '\0', true, false},
             {"role", '\0', true, true},          {"commitment", '\0', true, false},
             {"mime-type", '\0', true, false},    {"signing-time", '\0', true, false},
             {"policy-id", '\0', true, false},    {"policy-digest", '\0', true, false},
             {"policy-digest-alg", '\0', true, false}, {"policy-uri", '\0', true, false},
             {"policy-implied", '\0', false, false}, {"tsa", '\0', true, true},
             {"tsa-trust", '\0', true, true},    {"prepare", '\0', false, false},
             {"complete", '\0', false, false},   {"signature-value", '\0', true, false}})
        command.options.push_back(option);
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;

    if (args.has("complete")) return run_complete(args);
    if (args.has("signature-value"))
        return usage_error("sign: " + tr("--signature-value goes with --complete", "--signature-value va con --complete"), sign_usage);

    // ---- check the command line completely before touching any file ----------------------
    if (args.positionals().empty()) return usage_error("sign: " + tr("missing input document (IN)", "falta el documento de entrada (IN)"), sign_usage);
    if (args.positionals().size() > 1)
        return usage_error("sign: " + tr("more than one input document given", "se dio más de un documento de entrada"), sign_usage);
    const std::string input_path = args.positionals().front();
    const auto key_path = args.value("key");
    if (!key_path && !args.has("prepare")) return usage_error("sign: " + tr("--key is required", "--key es obligatorio"), sign_usage);

    istmo::dsig::SignOptions options;
    if (auto alg = args.value("alg")) {
        auto parsed_alg = istmo::dsig::parse_signature_algorithm(*alg);
        if (!parsed_alg) return usage_error("sign: " + tr("unknown signature algorithm '", "algoritmo de firma desconocido '") + *alg + "'", sign_usage);
        options.algorithm = *parsed_alg;
    }
    if (auto c14n = args.value("c14n")) {
        auto parsed_c14n = istmo::dsig::parse_canonicalization(*c14n);
        if (!parsed_c14n) return usage_error("sign: " + tr("unknown canonicalization '", "canonicalización desconocida '") + *c14n + "'", sign_usage);
        options.canonicalization = *parsed_c14n;
    }
    if (auto mode = args.value("mode")) {
        auto parsed_mode = istmo::dsig::parse_sign_mode(*mode);
        if (!parsed_mode) return usage_error("sign: " + tr("unknown mode '", "modo desconocido '") + *mode + "'", sign_usage);
        options.mode = *parsed_mode;
    }
    options.reference_ids = args.values("ref");
    if (options.mode == istmo::dsig::SignMode::detached && options.reference_ids.empty())
        return usage_error("sign: " + tr("detached mode needs at least one --ref ID", "el modo detached necesita al menos una --ref ID"), sign_usage);
    if (options.mode != istmo::dsig::SignMode::detached && !options.reference_ids.empty())
        return usage_error("sign: " + tr("--ref is only allowed with --mode detached", "--ref solo se admite con --mode detached"), sign_usage);
    for (const auto& ref : options.reference_ids)
        if (ref.empty()) return usage_error("sign: " + tr("--ref needs a non-empty ID", "--ref necesita un ID no vacío"), sign_usage);
    if (auto id = args.value("id")) options.signature_id = *id;
    options.include_key_value = args.has("key-value");
    const std::string output_path = args.value("output").value_or("");
    XadesRequest xades;
    if (const std::string problem = parse_xades_options(args, xades); !problem.empty())
        return usage_error("sign: " + problem, sign_usage);

    // ---- inputs --------------------------------------------------------------------------
    int code = exit_ok;
    if (input_path != "-" && !std::filesystem::exists(input_path)) {
        print_error(tr("cannot open input '", "no se puede abrir la entrada '") + input_path +
                    tr("': No such file or directory", "': no existe"));
        return exit_no_input;
    }
    if (args.has("prepare")) return run_prepare(args, input_path, std::move(options), xades);
    SigningMaterial material;
    if (const int loaded = load_signing_material(args, material); loaded != exit_ok) return loaded;
    if (xades.profile && !material.certificate)
        return usage_error("sign: " + tr("XAdES profiles need the signer certificate: --cert, or a PKCS#12 --key "
                                         "(SigningCertificateV2 binds the signer)",
                                         "los perfiles XAdES necesitan el certificado del firmante: --cert, o una "
                                         "--key PKCS#12 (SigningCertificateV2 identifica al firmante)"),
                           sign_usage);
    if (!material.certificate && !options.include_key_value)
        // Not silent: a verifier can then trust this signature only by its public key.
        print_error(tr("sign: no certificate (give --cert, or a PKCS#12 --key): KeyInfo holds the public key only",
                       "sign: sin certificado (indique --cert, o una --key PKCS#12): KeyInfo lleva solo la clave pública"));
    std::optional<istmo::crypto::Certificate> certificate = std::move(material.certificate);
    std::vector<istmo::crypto::Certificate> chain = std::move(material.chain);
    istmo::crypto::PrivateKey key = std::move(*material.key);

    auto document = read_input(input_path, code);
    if (!document) return code;

    istmo::Result<std::string> signed_xml = istmo::make_error(istmo::Errc::internal, "not signed");
    if (!xades.profile) {
        auto signer = istmo::dsig::Signer::create(std::move(key), std::move(certificate), std::move(chain),
                                                  std::move(options));
        if (!signer) return report_error(tr("cannot sign", "no se puede firmar"), signer.error());
        signed_xml = signer->sign(*document);
    } else {
        xades.options.dsig = std::move(options);
        const istmo::xades::Profile profile = *xades.profile;
        if (profile == istmo::xades::Profile::b_lt || profile == istmo::xades::Profile::b_lta)
            if (const int read = read_long_term_options("sign", args, xades.options.long_term); read != exit_ok) return read;
        if (profile == istmo::xades::Profile::b_t || profile == istmo::xades::Profile::b_lt ||
            profile == istmo::xades::Profile::b_lta)
            if (const int made = make_timestamper(xades.tsa_urls, xades.tsa_trust, xades.options.timestamper,
                                                  &xades.options.long_term.tsa_trust);
                made != exit_ok)
                return made;
        auto signer = istmo::xades::Signer::create(std::move(key), std::move(*certificate), std::move(chain),
                                                   std::move(xades.options));
        if (!signer) return report_error(tr("cannot sign", "no se puede firmar"), signer.error());
        signed_xml = signer->sign(*document);
    }
    if (!signed_xml) {
        return report_error(tr("cannot sign ", "no se puede firmar ") + shown_path(input_path), signed_xml.error());
    }
    return write_output(output_path, *signed_xml);
}

}  // namespace istmo_cli
