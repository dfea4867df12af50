// istmo verify: checks every XML Signature of a document and prints a report.
#include "commands.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "human.hpp"
#include "options.hpp"

#include <istmo/dsig/html.hpp>

#include <istmo/istmo.hpp>
#include <istmo/invoice/panama.hpp>
#include <istmo/xades/xades.hpp>
#include <istmo/xml/document.hpp>

#include <filesystem>
#include <iostream>
#include <string>

namespace istmo_cli {

namespace {

const char* const verify_usage =
    "usage: istmo verify [--trust FILE]... [--trust-dir DIR]... [--pubkey FILE]...\n"
    "                    [--untrusted FILE]... [--at RFC3339-TIME] [--legacy] [--json] [--lang es|en]\n"
    "                    [--tsa-trust FILE]... [--policy-doc ID=FILE]... [--report-xml FILE]\n"
    "                    [--report-html FILE] IN\n"
    "Try 'istmo verify --help' for more information.\n";

const char* const verify_help =
    "usage: istmo verify [options] IN\n"
    "\n"
    "Verifies every XML Signature of the document IN (a file, or - for standard input): the\n"
    "references, the signature value and the signer's certificate path to a trust anchor.\n"
    "XAdES signatures are detected by themselves: their qualifying properties (signing\n"
    "certificate, signing time, policy, signature time-stamps) are validated too.\n"
    "A Panama rFE is verified as the DGI defines its signature (gNoFirm is outside it).\n"
    "Prints a short report (or JSON with --json) on standard output; for every result that is\n"
    "not TOTAL_PASSED, the reason (code, field, message).\n"
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
    "  --report-html FILE  also write the report as one self-contained HTML page (in --lang)\n"
    "  --lang es|en        language of the messages (default: LC_ALL/LC_MESSAGES/LANG, es* = Spanish)\n"
    "  -h, --help          show this help\n"
    "\n"
    "Without --trust, --trust-dir or --pubkey nothing is trusted: a correct signature is then\n"
    "INDETERMINATE (exit 2), never valid.\n"
    "\n"
    "Example:\n"
    "  istmo verify --trust ca.cert.pem signed.xml\n"
    "\n";

const char* const verify_help_es =
    "uso: istmo verify [opciones] IN\n"
    "\n"
    "Verifica cada firma XML del documento IN (un archivo, o - para la entrada estándar): las\n"
    "referencias, el valor de la firma y la ruta del certificado del firmante hasta un ancla de\n"
    "confianza. Las firmas XAdES se detectan solas y se validan sus propiedades. Un rFE de Panamá\n"
    "se verifica como la DGI define su firma (gNoFirm queda fuera). Muestra un informe breve (o\n"
    "JSON con --json); para cada resultado que no es TOTAL_PASSED, el motivo (código, campo, mensaje).\n"
    "\n"
    "Opciones:\n"
    "  --trust ARCHIVO     confía en los certificados de ARCHIVO (PEM o DER); repetible\n"
    "  --trust-dir DIR     confía en cada *.pem, *.crt, *.cer, *.der de DIR; repetible\n"
    "  --pubkey ARCHIVO    confía en esta clave pública (PEM o DER); repetible\n"
    "  --untrusted ARCHIVO certificados intermedios para construir la ruta; nunca anclas; repetible\n"
    "  --at HORA           valida la ruta del certificado en HORA (RFC 3339) en lugar de ahora\n"
    "  --legacy            acepta SHA-1 y claves RSA desde 1024 bits (informadas como débiles)\n"
    "  --json              imprime el informe como un objeto JSON\n"
    "  --tsa-trust ARCHIVO anclas para autoridades de sellado de tiempo; repetible\n"
    "  --policy-doc ID=ARCHIVO  el documento de la política de firma ID; repetible\n"
    "  --report-xml ARCHIVO  escribe además un informe de validación ETSI TS 119 102-2 (XML)\n"
    "  --report-html ARCHIVO escribe además el informe como una página HTML autónoma (en --lang)\n"
    "  --lang es|en        idioma de los mensajes (por defecto: LC_ALL/LC_MESSAGES/LANG)\n"
    "  -h, --help          muestra esta ayuda\n"
    "\n"
    "Sin --trust, --trust-dir ni --pubkey no se confía en nada: una firma correcta es entonces\n"
    "INDETERMINATE (salida 2), nunca válida.\n"
    "\n"
    "Ejemplo:\n"
    "  istmo verify --trust ca.cert.pem firmado.xml\n"
    "\n";

}  // namespace

namespace {

// A Panama rFE (root rFE in the DGI namespace): the DGI defines its signature over the document
// without gNoFirm (the QR block is added after signing), so that is what is verified.
bool is_panama_invoice(std::string_view document) {
    // Looking at the root builds a DOM: only below the size where verification streams (1 MB;
    // real invoices are a few KB). A larger document is verified as it stands.
    constexpr std::size_t sniff_limit = 1024 * 1024;
    if (document.size() >= sniff_limit) return false;
    auto parsed = istmo::xml::XmlDocument::parse(document);
    return parsed && parsed->root_name() == "rFE" && parsed->root_namespace() == "http://dgi-fep.mef.gob.pa";
}

// The command line into verifier options. Returns 0 or the printed problem's exit code.
int read_verify_options(const CommandSpec& command, const ParsedArgs& args, istmo::xades::VerifyOptions& xades_options,
                        std::vector<std::pair<std::string, std::string>>& policy_docs) {
    istmo::dsig::VerifyOptions& options = xades_options.dsig;
    for (const auto& spec : args.values("policy-doc")) {
        const std::size_t eq = spec.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
            return usage_error("verify: --policy-doc '" + spec + tr("' is not ID=FILE", "' no es ID=ARCHIVO"),
                               command.usage);
        policy_docs.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
    }
    if (args.has("report-html") && args.value("report-html").value_or("").empty())
        return usage_error("verify: " + tr("--report-html needs a file name", "--report-html necesita un nombre de archivo"),
                           verify_usage);
    if (args.has("report-xml") && args.value("report-xml").value_or("").empty())
        return usage_error("verify: " + tr("--report-xml needs a file name", "--report-xml necesita un nombre de archivo"),
                           command.usage);
    if (auto at = args.value("at"); at && !parse_rfc3339(*at))
        return usage_error("verify: --at '" + *at +
                               tr("' is not an RFC 3339 time (e.g. 2026-01-02T03:04:05Z)",
                                  "' no es una hora RFC 3339 (p. ej. 2026-01-02T03:04:05Z)"),
                           command.usage);
    options.allow_legacy = args.has("legacy");
    if (const int code = apply_trust_options("verify", args, options); code != exit_ok) return code;
    for (const auto& file : args.values("pubkey")) {
        auto key = istmo::crypto::PublicKey::from_file(file);
        if (!key) return report_error(tr("cannot load public key '", "no se puede cargar la clave pública '") + file + "'", key.error());
        options.trusted_keys.push_back(std::move(*key));
    }
    for (const auto& file : args.values("tsa-trust")) {
        auto added = xades_options.tsa_trust.add_file(file);
        if (!added)
            return report_error(tr("cannot load TSA trust anchors '", "no se pueden cargar los anclajes de la TSA '") + file + "'",
                                added.error());
    }
    int code = exit_ok;
    for (const auto& [id, file] : policy_docs) {
        auto content = read_input(file, code);
        if (!content) return code;
        xades_options.policy_documents[id] = std::vector<std::uint8_t>(content->begin(), content->end());
    }
    return exit_ok;
}

}  // namespace

int run_verify(std::span<const std::string> argv) {
    CommandSpec command{"verify", trust_options(), verify_usage,
                        tr(verify_help, verify_help_es) + tr(revocation_help(), revocation_help_es())};
    for (const OptionSpec& option : std::initializer_list<OptionSpec>{{"pubkey", '\0', true, true},
                                                                      {"legacy", '\0', false, false},
                                                                      {"json", '\0', false, false},
                                                                      {"tsa-trust", '\0', true, true},
                                                                      {"policy-doc", '\0', true, true},
                                                                      {"report-xml", '\0', true, false},
                                                                      {"report-html", '\0', true, false}})
        command.options.push_back(option);
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (args.positionals().empty())
        return usage_error("verify: " + tr("missing input document (IN)", "falta el documento de entrada (IN)"),
                           command.usage);
    if (args.positionals().size() > 1)
        return usage_error("verify: " + tr("more than one input document given", "se dio más de un documento de entrada"),
                           command.usage);
    const std::string input_path = args.positionals().front();
    const bool json = args.has("json");
    const std::string report_xml_path = args.value("report-xml").value_or("");

    istmo::xades::VerifyOptions xades_options;
    std::vector<std::pair<std::string, std::string>> policy_docs;
    if (const int code = read_verify_options(command, args, xades_options, policy_docs); code != exit_ok) return code;

    int code = exit_ok;
    auto document = read_input(input_path, code);
    if (!document) return code;

    std::string note;
    std::string_view to_verify = *document;
    std::string without_no_firm;
    if (is_panama_invoice(*document)) {
        // A document the invoice library cannot cut is verified as it stands (its findings say why).
        auto stripped = istmo::invoice::panama::strip_no_firm(*document);
        if (stripped) without_no_firm = std::move(*stripped);
        if (stripped) to_verify = without_no_firm;
        if (stripped) note = tr("Panama rFE: verified as the DGI defines its signature (gNoFirm, the QR block, is outside it); "
                  "'istmo invoice validate' checks the invoice rules too\n",
                  "rFE de Panamá: verificado como la DGI define su firma (gNoFirm, el bloque del QR, queda fuera); "
                  "'istmo invoice validate' revisa también las reglas de la factura\n");
    }

    const istmo::xades::Verifier verifier(std::move(xades_options));
    auto result = verifier.verify(to_verify);
    if (!result) return report_error(tr("cannot verify", "no se puede verificar"), result.error());
    const istmo::dsig::VerificationReport& report = *result;

    std::string out = json ? report.to_json() : note + verification_text(report);
    if (out.empty() || out.back() != '\n') out += '\n';
    // --json prints the report alone (scripts parse it); the note is for people.
    if (const int written = write_output("", out); written != exit_ok) return written;
    if (!report_xml_path.empty())
        if (const int written = write_output(report_xml_path, report.to_etsi_xml()); written != exit_ok) return written;
    if (const auto html_path = args.value("report-html")) {
        const istmo::report::Language language = html_language();
        const std::string page =
            istmo::report::write_html({istmo::dsig::html_document(report, args.positionals().front(), language)}, language);
        if (const int written = write_output(*html_path, page); written != exit_ok) return written;
    }

    const std::string shown = shown_path(input_path);
    if (!report.well_formed) {
        // The first document-level finding says why (syntax error, DOCTYPE, a parser limit).
        const std::string why = report.findings.empty() ? tr("not well-formed XML", "XML mal formado")
                                                        : message_in_language(report.findings.front());
        print_error(shown + ": " + why);
        return exit_data;
    }
    if (report.signatures.empty()) {
        print_error(shown + tr(" holds no XML Signature", " no contiene ninguna firma XML"));
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
