// istmo extend: augments the XAdES signatures of a document to B-T, B-LT or B-LTA.
#include "commands.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "long_term.hpp"
#include "options.hpp"

#include <istmo/xades/xades.hpp>

#include <filesystem>
#include <string>

namespace istmo_cli {

namespace {

const char* const extend_usage =
    "usage: istmo extend --to b-t|b-lt|b-lta --tsa URL [--tsa URL]... --tsa-trust FILE...\n"
    "                    [--trust FILE]... [--trust-dir DIR]... [--untrusted FILE]... [--at TIME]\n"
    "                    [--revocation auto|require|off] [--crl FILE]... [--ocsp-response FILE]...\n"
    "                    [--offline] [--revocation-cache DIR] [--id SIGNATURE-ID] [-o OUT] IN\n"
    "Try 'istmo extend --help' for more information.\n";

const char* const extend_help_en =
    "usage: istmo extend --to LEVEL [options] IN\n"
    "\n"
    "Augments the XAdES signatures of IN (a file, or - for standard input) -- made by istmo or by\n"
    "anyone else -- to a long-term level (ETSI EN 319 132-1) and writes the document to standard\n"
    "output or OUT. No signed byte changes: only the unsigned signature properties grow.\n"
    "  b-t    a SignatureTimeStamp (unless there is one)\n"
    "  b-lt   B-T plus CertificateValues (the signer's and the TSAs' paths) and RevocationValues\n"
    "         (an OCSP response or a CRL for each certificate that publishes one)\n"
    "  b-lta  B-LT plus an ArchiveTimeStamp; on a B-LTA, a new one (renewal) after the validation\n"
    "         data of the last one (TimeStampValidationData)\n"
    "\n"
    "Options:\n"
    "  --to LEVEL          b-t | b-lt | b-lta (required)\n"
    "  --tsa URL           RFC 3161 time-stamping authority; repeatable, tried in order (required)\n"
    "  --tsa-trust FILE    anchors its answers are verified against, and the anchors of TSA paths\n"
    "                      (required, repeatable)\n"
    "  --id SIGNATURE-ID   only the signature with this Id (default: every XAdES signature that is\n"
    "                      not a counter-signature)\n"
    "  -o, --output OUT    write the document to OUT instead of standard output\n"
    "Where the validation data comes from (b-lt, b-lta):\n";

const char* const extend_help_es =
    "uso: istmo extend --to NIVEL [opciones] IN\n"
    "\n"
    "Amplía las firmas XAdES de IN (un archivo, o - para la entrada estándar) -- hechas por istmo\n"
    "o por cualquier otro -- a un nivel de largo plazo (ETSI EN 319 132-1) y escribe el documento\n"
    "en la salida estándar o en OUT. No cambia ningún byte firmado: solo crecen las propiedades\n"
    "no firmadas de la firma.\n"
    "  b-t    un SignatureTimeStamp (si no lo hay)\n"
    "  b-lt   B-T más CertificateValues (rutas del firmante y de las TSA) y RevocationValues\n"
    "         (una respuesta OCSP o una CRL por cada certificado que publique una)\n"
    "  b-lta  B-LT más un ArchiveTimeStamp; sobre un B-LTA, uno nuevo (renovación) tras los datos\n"
    "         de validación del último (TimeStampValidationData)\n"
    "\n"
    "Opciones:\n"
    "  --to NIVEL          b-t | b-lt | b-lta (obligatoria)\n"
    "  --tsa URL           autoridad de sellado de tiempo RFC 3161; repetible (obligatoria)\n"
    "  --tsa-trust ARCHIVO anclas contra las que se verifican sus respuestas y anclas de las rutas\n"
    "                      de las TSA (obligatoria, repetible)\n"
    "  --id ID-FIRMA       solo la firma con este Id (por defecto: toda firma XAdES que no sea\n"
    "                      una contrafirma)\n"
    "  -o, --output OUT    escribe el documento en OUT\n"
    "De dónde vienen los datos de validación (b-lt, b-lta):\n";

std::string extend_help() {
    if (tr("en", "es") == "es") return std::string(extend_help_es) + long_term_help_es() + revocation_help_es();
    return std::string(extend_help_en) + long_term_help() + revocation_help();
}

}  // namespace

int run_extend(std::span<const std::string> argv) {
    CommandSpec command{"extend", trust_options(), extend_usage, extend_help()};
    for (const OptionSpec& option : std::initializer_list<OptionSpec>{{"to", '\0', true, false},
                                                                      {"tsa", '\0', true, true},
                                                                      {"tsa-trust", '\0', true, true},
                                                                      {"id", '\0', true, false},
                                                                      {"output", 'o', true, false}})
        command.options.push_back(option);
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;

    if (args.positionals().size() != 1)
        return usage_error("extend: " + tr("one input document (IN) is needed", "se necesita un documento de entrada (IN)"),
                           extend_usage);
    const auto to = args.value("to");
    if (!to) return usage_error("extend: " + tr("--to b-t|b-lt|b-lta is required", "--to b-t|b-lt|b-lta es obligatoria"), extend_usage);
    istmo::xades::AugmentOptions options;
    const auto level = istmo::xades::parse_augment_level(*to);
    if (!level) return usage_error("extend: " + tr("unknown level '", "nivel desconocido '") + *to + "' (b-t, b-lt, b-lta)", extend_usage);
    options.to = *level;
    const std::vector<std::string> urls = args.values("tsa");
    const std::vector<std::string> tsa_trust = args.values("tsa-trust");
    if (urls.empty()) return usage_error("extend: " + tr("at least one --tsa URL is needed", "se necesita al menos una --tsa URL"), extend_usage);
    if (tsa_trust.empty())
        return usage_error("extend: " + tr("--tsa-trust FILE is needed (every time-stamp is verified before it is embedded)",
                                           "se necesita --tsa-trust ARCHIVO (cada sello se verifica antes de incluirlo)"),
                           extend_usage);
    for (const auto& url : urls)
        if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
            return usage_error("extend: --tsa '" + url + tr("' is not an http:// or https:// URL", "' no es una URL http:// o https://"),
                               extend_usage);
    options.signature_id = args.value("id").value_or("");
    const std::string input_path = args.positionals().front();
    if (input_path != "-" && !std::filesystem::exists(input_path)) {
        print_error(tr("cannot open input '", "no se puede abrir la entrada '") + input_path +
                    tr("': No such file or directory", "': no existe"));
        return exit_no_input;
    }
    if (const int code = read_long_term_options("extend", args, options.long_term); code != exit_ok) return code;
    if (const int code = make_timestamper(urls, tsa_trust, options.timestamper, &options.long_term.tsa_trust); code != exit_ok)
        return code;
    int code = exit_ok;
    auto document = read_input(input_path, code);
    if (!document) return code;
    auto augmenter = istmo::xades::Augmenter::create(std::move(options));
    if (!augmenter) return report_error(tr("cannot extend", "no se puede ampliar"), augmenter.error());
    auto extended = augmenter->augment(*document);
    if (!extended) return report_error(tr("cannot extend ", "no se puede ampliar ") + shown_path(input_path), extended.error());
    return write_output(args.value("output").value_or(""), *extended);
}

}  // namespace istmo_cli
