// istmo invoice: Panama electronic invoices (DGI rFE 1.00): new, sign, validate, cufe, ruc-dv, qr.
// Uses the public C++ API only.
#include "commands.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "human.hpp"
#include "options.hpp"

#include <istmo/crypto/keys.hpp>
#include <istmo/invoice/cafe.hpp>
#include <istmo/invoice/html.hpp>
#include <istmo/invoice/panama.hpp>
#include <istmo/report/json.hpp>
#include <istmo/report/messages.hpp>

#include <chrono>
#include <iostream>
#include <optional>
#include <vector>
#include <string>
#include <utility>

namespace istmo_cli {

int run_invoice(std::span<const std::string> argv);

namespace {

namespace pa = istmo::invoice::panama;

const char* const invoice_usage =
    "usage: istmo invoice new --from INVOICE.json [--no-validate] [-o OUT.xml]\n"
    "       istmo invoice sign --key FILE [--cert FILE] [--pass-env VAR | --pass-file FILE]\n"
    "                          (--qr-secret-env VAR | --qr-secret-file FILE | --no-qr) [-o OUT.xml] IN.xml\n"
    "       istmo invoice sign --prepare --cert FILE -o PENDING IN.xml\n"
    "       istmo invoice sign --complete --signature-value FILE|- (--qr-secret-env VAR | ... | --no-qr)\n"
    "                          [-o OUT.xml] PENDING\n"
    "       istmo invoice validate [--trust FILE]... [--trust-dir DIR]... [--untrusted FILE]... [--at TIME]\n"
    "                              [--revocation auto|require|off] [--crl FILE]... [--ocsp-response FILE]...\n"
    "                              [--offline] [--revocation-cache DIR]\n"
    "                              [--no-signature] [--legacy] [--json] [--report-html FILE] FILE...\n"
    "       istmo invoice cufe FILE\n"
    "       istmo invoice ruc-dv [--natural | --juridical] RUC\n"
    "       istmo invoice qr --qr-secret-env VAR | --qr-secret-file FILE SIGNED.xml\n"
    "       istmo invoice cafe [--format pdf|html] [--paper letter|a4|80mm] [--lang es|en] [-o OUT] SIGNED.xml\n"
    "Try 'istmo invoice --help' for more information.\n";

const char* const invoice_help =
    "usage: istmo invoice <new|sign|validate|cufe|ruc-dv|qr|cafe> [options]\n"
    "\n"
    "Panama electronic invoices (DGI format rFE 1.00). The vendor's path: new, sign, validate.\n"
    "\n"
    "  new --from INVOICE.json [--no-validate] [-o OUT.xml]\n"
    "      Builds the rFE from JSON that mirrors the XML with the DGI field names. Derived fields\n"
    "      (dId/CUFE, item amounts, ITBMS, totals, dNroItems, dTotRec, dVuelto) may be omitted and are\n"
    "      computed; when given they are checked. Then validates it (structure, catalogues,\n"
    "      arithmetic, RUC check digits) and refuses an invalid invoice with its findings (exit 1;\n"
    "      --no-validate skips this). Writes the unsigned XML (stdout without -o).\n"
    "  sign --key FILE [--cert FILE] [--pass-env VAR | --pass-file FILE]\n"
    "       (--qr-secret-env VAR | --qr-secret-file FILE | --no-qr) [--qr-base-url URL] [-o OUT] IN\n"
    "      Signs with the panama-fe profile (enveloped XMLDSig, RSA-SHA256, exclusive C14N,\n"
    "      X509SubjectName + X509Certificate) and appends gNoFirm/dQRCode with the QR secret\n"
    "      (the \"código de seguridad\" the DGI gives the issuer; required unless --no-qr).\n"
    "      A PKCS#12 --key gives the certificate (--cert overrides). --key 'pkcs11:...' signs with a\n"
    "      key on a PKCS#11 token or HSM (--pkcs11-module SO, PIN from --pin-env VAR or --pin-file\n"
    "      FILE; certificate from the token unless --cert; docs/keys.md). Two steps (remote key):\n"
    "      --prepare --cert FILE -o PENDING prints the digest to sign as JSON; --complete\n"
    "      --signature-value FILE|- PENDING checks the value and adds the QR. Refuses an invalid invoice\n"
    "      (exit 1, with its findings), an empty QR secret, and a certificate that is expired or\n"
    "      not yet valid now.\n"
    "  validate [--trust FILE]... [--trust-dir DIR]... [--untrusted FILE]... [--at TIME]\n"
    "           [--no-signature] [--json] FILE...\n"
    "      Structure, arithmetic, cross-field rules, CUFE, RUC check digits and the signature\n"
    "      (gNoFirm is outside it, as the DGI defines). --no-signature skips the signature (and does\n"
    "      not require it). The profile carries only the signer certificate: give the intermediate\n"
    "      CA with --untrusted (or --trust it). --json prints one JSON object per input, one per\n"
    "      line: {\"file\":...,\"report\":{...}} (or \"report\":null and \"error\":{...}). A missing or\n"
    "      unreadable FILE is reported and the other files are still validated. --legacy accepts\n"
    "      SHA-1 (the DGI accepts it in production) with a warning; without it a SHA-1 signature is\n"
    "      INDETERMINATE. FILE may hold the rFE inside rContFe, rEnviFe, rEnviFeDGI or a SOAP\n"
    "      envelope: the rFE is taken out and validated as it stands alone. The certificate status\n"
    "      (CRL / OCSP) of the signer's path is checked as the revocation options below say.\n"
    "      --report-html FILE also writes one self-contained HTML page with every input's verdict,\n"
    "      signature and findings.\n"
    "  cufe FILE       prints the CUFE computed from the fields of an rFE (XML) or of INVOICE.json\n"
    "  ruc-dv RUC      prints the two RUC check digits (dDV); --juridical for a legal-person NT RUC\n"
    "  qr SIGNED.xml   prints the gNoFirm/dQRCode URL for a signed invoice\n"
    "  cafe [--format pdf|html] [--paper letter|a4|80mm] [-o OUT] SIGNED.xml\n"
    "      Writes the CAFE, the printed invoice with its verification QR (gNoFirm/dQRCode), as PDF\n"
    "      (default; fonts embedded) or as one self-contained HTML page; stdout without -o (the\n"
    "      format follows an -o name ending in .html). Spanish unless --lang en. SIGNED.xml is a\n"
    "      signed rFE or an rContFe: then the authorisation protocol and its date are printed;\n"
    "      without a protocol answering 0260 the CAFE says \"documento no autorizado\". The CAFE\n"
    "      shows what the document says: validate it first.\n"
    "  --lang es|en    language of the messages (default: LC_ALL/LC_MESSAGES/LANG, es* = Spanish)\n"
    "\n"
    "Exit codes for validate: 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE (worst over the files);\n"
    "an input that could not be validated gives its code (65 empty, binary or not well-formed,\n"
    "66 missing, 74 unreadable) unless another file is TOTAL_FAILED.\n"
    "\n";

const char* const invoice_help_es =
    "uso: istmo invoice <new|sign|validate|cufe|ruc-dv|qr|cafe> [opciones]\n"
    "\n"
    "Facturas electrónicas de Panamá (formato DGI rFE 1.00). El camino del emisor: new, sign, validate.\n"
    "\n"
    "  new --from FACTURA.json [--no-validate] [-o SALIDA.xml]\n"
    "      Construye el rFE desde JSON con los nombres de campo de la DGI. Los campos derivados\n"
    "      (dId/CUFE, montos, ITBMS, totales...) pueden omitirse y se calculan; si se dan, se\n"
    "      comprueban. Luego lo valida (estructura, catálogos, aritmética, dígitos del RUC) y rechaza\n"
    "      una factura inválida con sus hallazgos (salida 1; --no-validate lo omite).\n"
    "  sign --key ARCHIVO [--cert ARCHIVO] [--pass-env VAR | --pass-file ARCHIVO]\n"
    "       (--qr-secret-env VAR | --qr-secret-file ARCHIVO | --no-qr) [--qr-base-url URL] [-o SALIDA] IN\n"
    "      Firma con el perfil panama-fe y añade gNoFirm/dQRCode con el secreto del QR (el código de\n"
    "      seguridad que la DGI da al emisor; obligatorio salvo --no-qr). --key 'pkcs11:...' firma con\n"
    "      una clave en un token o HSM PKCS#11 (--pkcs11-module SO, PIN con --pin-env o --pin-file;\n"
    "      el certificado del token salvo --cert; docs/keys.md). En dos pasos: --prepare --cert ARCHIVO\n"
    "      -o PENDIENTE imprime el resumen a firmar en JSON; --complete --signature-value ARCHIVO|-\n"
    "      PENDIENTE comprueba el valor y añade el QR. Una --key PKCS#12 aporta\n"
    "      el certificado (--cert lo reemplaza). Rechaza una factura inválida (salida 1), un secreto\n"
    "      vacío y un certificado vencido o aún no válido.\n"
    "  validate [--trust ARCHIVO]... [--trust-dir DIR]... [--untrusted ARCHIVO]... [--at HORA]\n"
    "           [--no-signature] [--json] ARCHIVO...\n"
    "      Estructura, aritmética, reglas entre campos, CUFE, dígitos del RUC y la firma (gNoFirm\n"
    "      queda fuera, como lo define la DGI). El perfil lleva solo el certificado del firmante:\n"
    "      indique la CA intermedia con --untrusted. --json: un objeto JSON por entrada y línea.\n"
    "      Un ARCHIVO ausente se informa y los demás se validan igual. --legacy acepta SHA-1 (la DGI\n"
    "      lo acepta en producción) con un aviso. ARCHIVO puede traer el rFE dentro de rContFe,\n"
    "      rEnviFe, rEnviFeDGI o un sobre SOAP: se extrae y se valida como si estuviera solo. El\n"
    "      estado (CRL / OCSP) de la ruta del firmante se comprueba según las opciones de revocación.\n"
    "      --report-html ARCHIVO escribe además una página HTML autónoma con el veredicto, la firma\n"
    "      y los hallazgos de cada entrada.\n"
    "  cufe ARCHIVO    muestra el CUFE calculado de un rFE (XML) o de FACTURA.json\n"
    "  ruc-dv RUC      muestra los dos dígitos verificadores del RUC (dDV)\n"
    "  qr FIRMADO.xml  muestra la URL de gNoFirm/dQRCode de una factura firmada\n"
    "  cafe [--format pdf|html] [--paper letter|a4|80mm] [-o SALIDA] FIRMADO.xml\n"
    "      Escribe el CAFE, la factura impresa con su QR de verificación (gNoFirm/dQRCode), en PDF\n"
    "      (por defecto; fuentes incrustadas) o en una página HTML autónoma; stdout sin -o (el\n"
    "      formato sigue a un nombre -o terminado en .html). En español salvo --lang en. FIRMADO.xml\n"
    "      es un rFE firmado o un rContFe: entonces se imprimen el protocolo de autorización y su\n"
    "      fecha; sin un protocolo con 0260 el CAFE dice \"documento no autorizado\". El CAFE muestra\n"
    "      lo que dice el documento: valídelo antes.\n"
    "  --lang es|en    idioma de los mensajes (por defecto: LC_ALL/LC_MESSAGES/LANG)\n"
    "\n"
    "Salida de validate: 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE (el peor de los archivos);\n"
    "una entrada que no se pudo validar da su código (65 vacía, binaria o mal formada, 66 ausente,\n"
    "74 ilegible) salvo que otro archivo sea TOTAL_FAILED.\n"
    "\n";

CommandSpec invoice_command(const char* sub, std::vector<OptionSpec> options) {
    return CommandSpec{std::string("invoice ") + sub, std::move(options), invoice_usage,
                       tr(invoice_help, invoice_help_es)};
}

std::vector<OptionSpec> joined(std::vector<OptionSpec> a, const std::vector<OptionSpec>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

int exit_for(istmo::report::Indication i) {
    switch (i) {
        case istmo::report::Indication::total_passed: return exit_ok;
        case istmo::report::Indication::total_failed: return exit_total_failed;
        case istmo::report::Indication::indeterminate: return exit_indeterminate;
    }
    return exit_internal;
}

// The invoice passes the model rules (structure, catalogues, arithmetic, RUC check digits)?
// Prints its findings and returns exit 1 when not.
int refuse_invalid(const std::string& command, const std::string& shown, const pa::Invoice& invoice) {
    const pa::InvoiceReport report = pa::validate(invoice);
    if (report.indication != istmo::report::Indication::total_failed) return exit_ok;
    std::cerr << invoice_text(shown, report);
    print_error(command + ": " + tr("the invoice is not valid (findings above); nothing was written",
                                    "la factura no es válida (hallazgos arriba); no se escribió nada"));
    return exit_total_failed;
}

int cmd_new(std::span<const std::string> argv) {
    const CommandSpec command = invoice_command(
        "new", {{"from", '\0', true, false}, {"output", 'o', true, false}, {"no-validate", '\0', false, false}});
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    auto from = args.value("from");
    if (!from) return usage_error("invoice new: " + tr("--from INVOICE.json is required", "--from FACTURA.json es obligatorio"), invoice_usage);
    int code = exit_ok;
    auto text = read_input(*from, code);
    if (!text) return code;
    auto invoice = pa::from_json(*text);
    if (!invoice) return report_error("invoice new: " + *from, invoice.error());
    if (!args.has("no-validate"))
        if (const int refused = refuse_invalid("invoice new", *from, *invoice); refused != exit_ok) return refused;
    return write_output(args.value("output").value_or(""), pa::to_xml(*invoice));
}

// The certificate must be valid now: the DGI rejects a signature made outside its validity.
int check_certificate_now(const istmo::crypto::Certificate& cert) {
    const auto now = std::chrono::system_clock::now();
    if (now < cert.not_before()) {
        print_error("invoice sign: " + tr("the certificate is not yet valid (", "el certificado aún no es válido (") +
                    cert.subject() + ")");
        return exit_usage;
    }
    if (now > cert.not_after()) {
        print_error("invoice sign: " + tr("the certificate has expired (", "el certificado está vencido (") +
                    cert.subject() + ")");
        return exit_usage;
    }
    return exit_ok;
}

// invoice sign --prepare --cert FILE -o PENDING IN: the panama-fe signature without the key; the
// JSON request on standard output (docs/keys.md). The QR comes at --complete.
int cmd_sign_prepare(const ParsedArgs& args) {
    const std::string pending_path = args.value("output").value_or("");
    if (args.has("key") || args.has("complete") || args.has("signature-value") || !args.has("cert") ||
        pending_path.empty() || pending_path == "-")
        return usage_error("invoice sign: " + tr("--prepare needs --cert and -o PENDING (no --key)",
                                                 "--prepare necesita --cert y -o PENDIENTE (sin --key)"),
                           invoice_usage);
    SigningMaterial material;
    if (const int loaded = load_certificates(args, material); loaded != exit_ok) return loaded;
    if (const int valid = check_certificate_now(*material.certificate); valid != exit_ok) return valid;
    const std::string& path = args.positionals().front();
    int code = exit_ok;
    auto input = read_input(path, code);
    if (!input) return code;
    auto invoice = pa::parse(*input);
    if (!invoice) return report_error("invoice sign: " + path, invoice.error());
    if (const int refused = refuse_invalid("invoice sign", path, *invoice); refused != exit_ok) return refused;
    auto pending = pa::prepare_signature(*material.certificate, *input);
    if (!pending) return report_error("invoice sign: " + path, pending.error());
    if (const int written = write_output(pending_path, pending->state()); written != exit_ok) return written;
    std::cout << pending->request_json() << "\n";
    return exit_ok;
}

// invoice sign --complete --signature-value FILE|- (QR options) [-o OUT] PENDING
int cmd_sign_complete(const ParsedArgs& args, const pa::QrOptions& qr) {
    const auto value_path = args.value("signature-value");
    if (args.has("key") || !value_path)
        return usage_error("invoice sign: " + tr("--complete needs --signature-value FILE|- (no --key)",
                                                 "--complete necesita --signature-value ARCHIVO|- (sin --key)"),
                           invoice_usage);
    int code = exit_ok;
    auto state = read_input(args.positionals().front(), code);
    if (!state) return code;
    auto value = read_input(*value_path, code);
    if (!value) return code;
    auto pending = istmo::dsig::PendingSignature::from_state(*state);
    if (!pending) return report_error("invoice sign", pending.error());
    const auto* raw = reinterpret_cast<const std::uint8_t*>(value->data());
    auto signed_xml = pa::complete_signature(*pending, std::span<const std::uint8_t>(raw, value->size()), qr);
    if (!signed_xml) {
        // Not raw bytes: maybe base64 text.
        std::string text = *value;
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
        if (auto decoded = decode_base64(text)) {
            auto again = pa::complete_signature(*pending, *decoded, qr);
            if (again) signed_xml = std::move(again);
        }
    }
    if (!signed_xml)
        return report_error(tr("invoice sign: the signature value was refused", "invoice sign: el valor de firma fue rechazado"),
                            signed_xml.error());
    return write_output(args.value("output").value_or(""), *signed_xml);
}

int cmd_sign(std::span<const std::string> argv) {
    const CommandSpec command = invoice_command("sign", joined({{"qr-secret-env", '\0', true, false},
                                                                {"qr-secret-file", '\0', true, false},
                                                                {"qr-base-url", '\0', true, false},
                                                                {"no-qr", '\0', false, false},
                                                                {"output", 'o', true, false},
                                                                {"prepare", '\0', false, false},
                                                                {"complete", '\0', false, false},
                                                                {"signature-value", '\0', true, false}},
                                                               key_options()));
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    const auto usage = [](const std::string& en, const std::string& es) {
        return usage_error("invoice sign: " + tr(en, es), invoice_usage);
    };
    if (args.positionals().size() != 1)
        return usage("exactly one input invoice (IN.xml)", "exactamente una factura de entrada (IN.xml)");
    if (args.has("prepare")) return cmd_sign_prepare(args);
    if (!args.has("key") && !args.has("complete")) return usage("--key FILE is required", "--key ARCHIVO es obligatorio");
    const bool has_secret = args.has("qr-secret-env") || args.has("qr-secret-file");
    if (args.has("qr-secret-env") && args.has("qr-secret-file"))
        return usage("--qr-secret-env and --qr-secret-file exclude each other", "--qr-secret-env y --qr-secret-file se excluyen");
    if (has_secret && args.has("no-qr"))
        return usage("--no-qr excludes a QR secret", "--no-qr excluye un secreto del QR");
    if (!has_secret && !args.has("no-qr"))
        return usage("the DGI requires dQRCode: give the QR secret with --qr-secret-env VAR or --qr-secret-file FILE "
                     "(or --no-qr to sign without it)",
                     "la DGI exige dQRCode: indique el secreto del QR con --qr-secret-env VAR o --qr-secret-file "
                     "ARCHIVO (o --no-qr para firmar sin él)");
    int code = exit_ok;
    auto qr_secret = read_secret(args, "qr-secret-env", "qr-secret-file", code);
    if (!qr_secret) return code;
    if (has_secret && qr_secret->empty())
        return usage("the QR secret is empty", "el secreto del QR está vacío");
    pa::QrOptions qr;
    qr.secret = *qr_secret;
    qr.base_url = args.value("qr-base-url").value_or("");
    if (args.has("complete")) return cmd_sign_complete(args, qr);
    SigningMaterial material;
    if (const int loaded = load_signing_material(args, material); loaded != exit_ok) return loaded;
    if (!material.certificate)
        return usage("the signer certificate is required: --cert FILE, or a PKCS#12 --key",
                     "se necesita el certificado del firmante: --cert ARCHIVO, o una --key PKCS#12");
    if (const int valid = check_certificate_now(*material.certificate); valid != exit_ok) return valid;
    auto signer = pa::make_signer(std::move(*material.key), std::move(*material.certificate));
    if (!signer) return report_error("invoice sign", signer.error());
    const std::string& path = args.positionals().front();
    auto input = read_input(path, code);
    if (!input) return code;
    auto invoice = pa::parse(*input);
    if (!invoice) return report_error("invoice sign: " + path, invoice.error());
    if (const int refused = refuse_invalid("invoice sign", path, *invoice); refused != exit_ok) return refused;
    auto signed_xml = pa::sign(*signer, *input, qr);
    if (!signed_xml) return report_error("invoice sign: " + path, signed_xml.error());
    return write_output(args.value("output").value_or(""), *signed_xml);
}

// One line of `invoice validate --json`: {"file":...,"report":{...}} or, for an input that could
// not be validated, {"file":...,"report":null,"error":{"code":...,"message":...,"message_es":...}}.
struct InputError {
    std::string_view code;  // an Errc name, e.g. "not_found"
    std::string message;
    std::string message_es;
};

std::string json_line(const std::string& path, const pa::InvoiceReport* report, const InputError& error) {
    istmo::report::JsonWriter w;
    w.begin_object().member("file", path).key("report");
    if (report != nullptr) {
        w.raw(report->to_json());
    } else {
        w.null().key("error").begin_object();
        w.member("code", error.code).member("message", error.message).member("message_es", error.message_es);
        w.end_object();
    }
    w.end_object();
    return std::move(w).take() + "\n";
}

// The exit code over several inputs: a verdict TOTAL_FAILED wins, then an input that could not be
// validated (its code: 65, 66, 74), then INDETERMINATE, then 0.
int worse(int current, int next) {
    auto rank = [](int code) {
        if (code == exit_total_failed) return 3;
        if (code != exit_ok && code != exit_indeterminate) return 2;
        return code == exit_indeterminate ? 1 : 0;
    };
    return rank(next) > rank(current) ? next : current;
}

// The HTML report's entry for an input that could not be validated at all.
istmo::report::HtmlDocument unreadable_document(const std::string& path, int code) {
    istmo::report::HtmlDocument d;
    d.name = path;
    d.indication = istmo::report::Indication::total_failed;
    d.sub_indication = istmo::report::SubIndication::format_failure;
    const bool missing = code == exit_no_input;
    d.findings.push_back(istmo::report::make_finding(missing ? "BATCH-IO-NOT-FOUND" : "BATCH-IO-UNREADABLE",
                                                     istmo::report::Severity::error,
                                                     missing ? "the file does not exist" : "the file cannot be read"));
    return d;
}

int validate_one(const std::string& path, const pa::InvoiceValidator& validator, bool json,
                 std::vector<istmo::report::HtmlDocument>* html) {
    int code = exit_ok;
    std::optional<std::string> input;
    if (json) {
        // The reason goes into the JSON line; stderr still names the file.
        input = read_input(path, code);
        if (!input)
            std::cout << json_line(path, nullptr,
                                   {code == exit_no_input ? "not_found" : "io_error", "cannot read the file",
                                    "no se puede leer el archivo"});
    } else {
        input = read_input(path, code);
    }
    if (!input) {
        if (html) html->push_back(unreadable_document(path, code));
        return code;
    }
    auto report = validator.validate(*input);
    if (!report) {
        if (json) {
            const std::string& message = report.error().message;
            std::cout << json_line(path, nullptr,
                                   {istmo::errc_name(report.error().code), message,
                                    istmo::report::translate_text(message).value_or(message)});
        }
        return report_error("invoice validate: " + path, report.error());
    }
    if (json) std::cout << json_line(path, &*report, {});
    else std::cout << invoice_text(path, *report);
    if (html) html->push_back(pa::html_document(*report, path, html_language()));
    if (!report->well_formed) {
        print_error(shown_path(path) + ": " +
                    tr("empty, binary or not well-formed XML", "vacío, binario o XML mal formado"));
        return exit_data;
    }
    return exit_for(report->indication);
}

int cmd_validate(std::span<const std::string> argv) {
    CommandSpec command = invoice_command(
        "validate", joined({{"no-signature", '\0', false, false},
                            {"legacy", '\0', false, false},
                            {"json", '\0', false, false},
                            {"report-html", '\0', true, false}},
                           trust_options()));
    command.help += tr(revocation_help(), revocation_help_es());
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (args.positionals().empty())
        return usage_error("invoice validate: " + tr("missing input FILE", "falta el ARCHIVO de entrada"), invoice_usage);
    pa::ValidateOptions options;
    if (args.has("no-signature")) {
        options.check_signature = false;
        options.require_signature = false;
    }
    options.legacy = args.has("legacy");
    if (const int code = apply_trust_options("invoice validate", args, options.verify); code != exit_ok) return code;
    const auto html_path = args.value("report-html");
    if (html_path && html_path->empty())
        return usage_error("invoice validate: " + tr("--report-html needs a file name", "--report-html necesita un nombre de archivo"),
                           invoice_usage);
    const pa::InvoiceValidator validator(std::move(options));
    std::vector<istmo::report::HtmlDocument> html;
    int worst = exit_ok;
    for (const auto& path : args.positionals()) {
        worst = worse(worst, validate_one(path, validator, args.has("json"), html_path ? &html : nullptr));
        std::cout.flush();
    }
    if (html_path)
        if (const int written = write_output(*html_path, istmo::report::write_html(html, html_language())); written != exit_ok)
            return written;
    return worst;
}

int cmd_cufe(std::span<const std::string> argv) {
    const CommandSpec command = invoice_command("cufe", {});
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (args.positionals().size() != 1)
        return usage_error("invoice cufe: " + tr("exactly one FILE", "exactamente un ARCHIVO"), invoice_usage);
    const std::string& path = args.positionals().front();
    int code = exit_ok;
    auto input = read_input(path, code);
    if (!input) return code;
    const auto first = input->find_first_not_of(" \t\r\n");
    const bool is_json = first != std::string::npos && (*input)[first] == '{';
    auto invoice = is_json ? pa::from_json(*input) : pa::parse(*input);
    if (!invoice) return report_error("invoice cufe: " + path, invoice.error());
    auto c = pa::cufe_of(*invoice);
    if (!c) return report_error("invoice cufe: " + path, c.error());
    std::cout << *c << "\n";
    return exit_ok;
}

int cmd_ruc_dv(std::span<const std::string> argv) {
    const CommandSpec command =
        invoice_command("ruc-dv", {{"natural", '\0', false, false}, {"juridical", '\0', false, false}});
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (args.positionals().size() != 1)
        return usage_error("invoice ruc-dv: " + tr("exactly one RUC", "exactamente un RUC"), invoice_usage);
    const auto kind = args.has("juridical") ? pa::RucKind::juridical
                      : args.has("natural") ? pa::RucKind::natural
                                            : pa::RucKind::automatic;
    auto dv = pa::ruc_check_digits(args.positionals().front(), kind);
    if (!dv) return report_error("invoice ruc-dv", dv.error());
    std::cout << *dv << "\n";
    return exit_ok;
}

// The DigestValue of the rFE signature's single Reference, as its verification read it from the
// document (gNoFirm left out, as the DGI defines the signature): never a text search, which a
// comment or a field's text could fool.
istmo::Result<std::string> signed_digest_value(std::string_view xml) {
    pa::ValidateOptions options;
    options.require_signature = true;
    auto report = pa::validate(xml, options);
    if (!report) return std::move(report).error();
    if (!report->signature || report->signature->signatures.empty())
        return istmo::make_error(istmo::Errc::invalid_argument, tr("the invoice is not signed (no ds:Signature)",
                                                                   "la factura no está firmada (no hay ds:Signature)"));
    const auto& references = report->signature->signatures.front().references;
    if (references.size() != 1 || references.front().digest_value.empty())
        return istmo::make_error(istmo::Errc::invalid_argument,
                                 tr("the signature does not have a single Reference with a DigestValue",
                                    "la firma no tiene una única Reference con DigestValue"));
    return references.front().digest_value;
}

int cmd_qr(std::span<const std::string> argv) {
    const CommandSpec command = invoice_command(
        "qr", {{"qr-secret-env", '\0', true, false}, {"qr-secret-file", '\0', true, false}, {"qr-base-url", '\0', true, false}});
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (args.positionals().size() != 1)
        return usage_error("invoice qr: " + tr("exactly one SIGNED.xml", "exactamente un FIRMADO.xml"), invoice_usage);
    int code = exit_ok;
    auto secret = read_secret(args, "qr-secret-env", "qr-secret-file", code);
    if (!secret) return code;
    if (secret->empty())
        return usage_error("invoice qr: " + tr("--qr-secret-env VAR or --qr-secret-file FILE is required (and not empty)",
                                               "--qr-secret-env VAR o --qr-secret-file ARCHIVO es obligatorio (y no vacío)"),
                           invoice_usage);
    auto input = read_input(args.positionals().front(), code);
    if (!input) return code;
    auto invoice = pa::parse(*input);
    if (!invoice) return report_error("invoice qr", invoice.error());
    auto digest = signed_digest_value(*input);
    if (!digest) return report_error("invoice qr", digest.error());
    auto url = pa::qr_url(invoice->get("dId"), invoice->get("gDGen/iAmb"), *digest, secret->view(),
                          args.value("qr-base-url").value_or(""));
    if (!url) return report_error("invoice qr", url.error());
    std::cout << *url << "\n";
    return exit_ok;
}

// The CAFE's format: --format, else html for an -o name ending in .html/.htm, else pdf.
bool cafe_format(const ParsedArgs& args, pa::CafeFormat& out) {
    const std::string output = args.value("output").value_or("");
    const auto ends_with = [&](std::string_view suffix) {
        return output.size() >= suffix.size() && output.compare(output.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    const std::string format = args.value("format").value_or(ends_with(".html") || ends_with(".htm") ? "html" : "pdf");
    if (format != "pdf" && format != "html") return false;
    out = format == "html" ? pa::CafeFormat::html : pa::CafeFormat::pdf;
    return true;
}

int cmd_cafe(std::span<const std::string> argv) {
    const CommandSpec command = invoice_command(
        "cafe", {{"format", '\0', true, false}, {"paper", '\0', true, false}, {"output", 'o', true, false}});
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    const auto usage = [](const std::string& en, const std::string& es) {
        return usage_error("invoice cafe: " + tr(en, es), invoice_usage);
    };
    if (args.positionals().size() != 1)
        return usage("exactly one signed invoice (SIGNED.xml)", "exactamente una factura firmada (FIRMADO.xml)");
    pa::CafeOptions options;
    if (!cafe_format(args, options.format)) return usage("--format must be pdf or html", "--format debe ser pdf o html");
    if (!pa::parse_cafe_paper(args.value("paper").value_or("letter"), options.paper))
        return usage("--paper must be letter, a4 or 80mm", "--paper debe ser letter, a4 u 80mm");
    options.language = lang_given() && lang() == Lang::en ? istmo::report::Language::en : istmo::report::Language::es;
    const std::string& path = args.positionals().front();
    int code = exit_ok;
    auto input = read_input(path, code);
    if (!input) return code;
    auto cafe = pa::render_cafe(*input, options);
    if (!cafe) return report_error("invoice cafe: " + path, cafe.error());
    return write_output(args.value("output").value_or(""), *cafe);
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
        std::cout << tr(invoice_help, invoice_help_es) << exit_codes_text();
        return exit_ok;
    }
    static constexpr std::pair<std::string_view, int (*)(std::span<const std::string>)> subcommands[] = {
        {"new", cmd_new},   {"sign", cmd_sign}, {"validate", cmd_validate},
        {"cufe", cmd_cufe}, {"ruc-dv", cmd_ruc_dv}, {"qr", cmd_qr},     {"cafe", cmd_cafe},
    };
    for (const auto& [name, run] : subcommands)
        if (sub == name) return run(rest);
    return usage_error("invoice: " + tr("unknown subcommand '", "subcomando desconocido '") + sub + "'", invoice_usage);
}

}  // namespace istmo_cli
