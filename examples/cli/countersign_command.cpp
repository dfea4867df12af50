// istmo countersign: adds a XAdES counter-signature to a signature of a document.
#include "commands.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "options.hpp"

#include <istmo/xades/xades.hpp>

#include <filesystem>
#include <string>

namespace istmo_cli {

namespace {

const char* const countersign_usage =
    "usage: istmo countersign --key FILE [--cert FILE] [--chain FILE] [--pass-env VAR | --pass-file FILE]\n"
    "                         [--target SIGNATURE-ID] [--role TEXT]... [-o OUT] IN\n"
    "Try 'istmo countersign --help' for more information.\n";

const char* const countersign_help_en =
    "usage: istmo countersign --key FILE [options] IN\n"
    "\n"
    "Counter-signs a signature of IN (a file, or - for standard input): a xades:CounterSignature\n"
    "(ETSI EN 319 132-1) over the target's ds:SignatureValue, itself a XAdES B-B signature, placed in\n"
    "the target's unsigned properties. A counter-signature can be counter-signed in turn (--target\n"
    "its Id). `istmo verify` reports each counter-signature as its own signature, linked to its target.\n"
    "\n"
    "Options:\n"
    "  --key FILE          private key (PEM, DER or PKCS#12; a PKCS#12 also gives the certificate)\n"
    "  --cert FILE         the counter-signer's certificate (required unless the key file has it)\n"
    "  --chain FILE        intermediate certificates to embed\n"
    "  --pass-env VAR, --pass-file FILE  the key's password\n"
    "  --target ID         the Id of the signature to counter-sign (default: the document's only\n"
    "                      signature that is not a counter-signature)\n"
    "  --role TEXT         a claimed role of the counter-signer; repeatable\n"
    "  -o, --output OUT    write the document to OUT instead of standard output\n";

const char* const countersign_help_es =
    "uso: istmo countersign --key ARCHIVO [opciones] IN\n"
    "\n"
    "Contrafirma una firma de IN (un archivo, o - para la entrada estándar): una\n"
    "xades:CounterSignature (ETSI EN 319 132-1) sobre el ds:SignatureValue de la firma elegida,\n"
    "ella misma una firma XAdES B-B, puesta en sus propiedades no firmadas. Una contrafirma puede a\n"
    "su vez contrafirmarse (--target con su Id). `istmo verify` informa cada contrafirma como una\n"
    "firma propia, vinculada a la firma que contrafirma.\n"
    "\n"
    "Opciones:\n"
    "  --key ARCHIVO       clave privada (PEM, DER o PKCS#12; un PKCS#12 aporta el certificado)\n"
    "  --cert ARCHIVO      certificado del contrafirmante (obligatorio salvo que la clave lo traiga)\n"
    "  --chain ARCHIVO     certificados intermedios a incluir\n"
    "  --pass-env VAR, --pass-file ARCHIVO  la contraseña de la clave\n"
    "  --target ID         el Id de la firma a contrafirmar (por defecto: la única firma del\n"
    "                      documento que no es una contrafirma)\n"
    "  --role TEXTO        un rol declarado del contrafirmante; repetible\n"
    "  -o, --output OUT    escribe el documento en OUT\n";

}  // namespace

int run_countersign(std::span<const std::string> argv) {
    CommandSpec command{"countersign", key_options(), countersign_usage, tr(countersign_help_en, countersign_help_es)};
    for (const OptionSpec& option : std::initializer_list<OptionSpec>{
             {"target", '\0', true, false}, {"role", '\0', true, true}, {"output", 'o', true, false}})
        command.options.push_back(option);
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (args.positionals().size() != 1)
        return usage_error("countersign: " + tr("one input document (IN) is needed", "se necesita un documento de entrada (IN)"),
                           countersign_usage);
    if (!args.has("key")) return usage_error("countersign: " + tr("--key is required", "--key es obligatorio"), countersign_usage);
    const std::string input_path = args.positionals().front();
    if (input_path != "-" && !std::filesystem::exists(input_path)) {
        print_error(tr("cannot open input '", "no se puede abrir la entrada '") + input_path +
                    tr("': No such file or directory", "': no existe"));
        return exit_no_input;
    }
    SigningMaterial material;
    if (const int loaded = load_signing_material(args, material); loaded != exit_ok) return loaded;
    if (!material.certificate)
        return usage_error("countersign: " + tr("the counter-signer's certificate is needed: --cert, or a PKCS#12 --key",
                                                "se necesita el certificado del contrafirmante: --cert, o una --key PKCS#12"),
                           countersign_usage);
    istmo::xades::SignOptions options;
    options.claimed_roles = args.values("role");
    auto signer = istmo::xades::Signer::create(std::move(*material.key), std::move(*material.certificate),
                                               std::move(material.chain), std::move(options));
    if (!signer) return report_error(tr("cannot sign", "no se puede firmar"), signer.error());
    int code = exit_ok;
    auto document = read_input(input_path, code);
    if (!document) return code;
    auto out = signer->countersign(*document, args.value("target").value_or(""));
    if (!out) return report_error(tr("cannot counter-sign ", "no se puede contrafirmar ") + shown_path(input_path), out.error());
    return write_output(args.value("output").value_or(""), *out);
}

}  // namespace istmo_cli
