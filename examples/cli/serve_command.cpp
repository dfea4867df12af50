// istmo serve: validation as an HTTP service (istmo::service::Server). Uses the public C++ API only.
#include "commands.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "options.hpp"
#include "validation_options.hpp"

#include <istmo/service/server.hpp>

#include <filesystem>
#include <iostream>
#include <string>

namespace istmo_cli {

namespace {

const char* const serve_usage =
    "usage: istmo serve [--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE] [--jobs N]\n"
    "                   [--trust FILE]... [--trust-dir DIR]... [--untrusted FILE]... [--legacy]\n"
    "                   [--profile P] [--max-size BYTES] [--max-body BYTES] [--max-in-flight N]\n"
    "                   [--time-budget MS] [--trust-set NAME=PATH]...\n"
    "Try 'istmo serve --help' for more information.\n";

const char* const serve_help =
    "usage: istmo serve [options]\n"
    "\n"
    "Validates documents over HTTP with the batch validator (docs/service.md):\n"
    "  POST /v1/validate[?profile=P][&source=LABEL]  body: the XML, or application/json\n"
    "       {\"source\":..,\"base64\":..}; answer: the batch result line as one JSON object;\n"
    "       more options: revocation=auto|require|off, legacy=true|false, trust=NAME\n"
    "  GET  /healthz                                   {\"status\":\"ok\"}\n"
    "  GET  /metrics                                   Prometheus text: requests by status, latency\n"
    "                                                  histogram, verdicts by indication, in flight,\n"
    "                                                  rejected for load\n"
    "Refused requests get {\"error\":{\"code\",\"message\",\"message_es\"}} (400, 404, 405, 408, 413,\n"
    "503 with Retry-After when --max-in-flight validations are already running or waiting).\n"
    "SIGTERM or Ctrl-C stops accepting, answers the requests in progress, then exits 0.\n"
    "\n"
    "Options:\n"
    "  --listen ADDR:PORT    where to listen (default 127.0.0.1:8080; port 0: any free port,\n"
    "                        printed on stderr)\n"
    "  --tls-cert FILE       serve HTTPS with this PEM certificate chain (needs --tls-key)\n"
    "  --tls-key FILE        the PEM private key of --tls-cert\n"
    "  --jobs N              validation threads (default: all cores)\n"
    "  --max-in-flight N     validations running or waiting before 503 (default 4 x jobs)\n"
    "  --max-body BYTES      largest request body, 413 beyond (default 4/3 of --max-size + 64K)\n"
    "  --trust FILE          trust anchors (PEM bundle or DER); repeatable\n"
    "  --trust-dir DIR       trust every certificate file of DIR; repeatable\n"
    "  --untrusted FILE      intermediate certificates for path building; repeatable\n"
    "  --trust-set NAME=PATH anchors a request may choose with ?trust=NAME (PATH: a PEM/DER\n"
    "                        file or a directory); repeatable; without ?trust: --trust\n"
    "  --at TIME             validate certificate paths at TIME (RFC 3339) instead of now\n"
    "  --legacy              accept SHA-1 (the DGI accepts it in production) with a warning\n"
    "  --profile P           default profile when a request gives none: panama-fe, xmldsig,\n"
    "                        xades or auto (default)\n"
    "  --max-size BYTES      larger documents fail with BATCH-TOO-LARGE (K, M or G; default 64M)\n"
    "  --time-budget MS      validation time budget per request (default 10000, 0 = none): the\n"
    "                        checks stop and the verdict gets BATCH-TIME-BUDGET-EXCEEDED\n"
    "  --lang es|en          language of the messages (default: LC_ALL/LC_MESSAGES/LANG)\n"
    "  -h, --help            show this help\n"
    "\n";

const char* const serve_help_es =
    "uso: istmo serve [opciones]\n"
    "\n"
    "Valida documentos por HTTP con el validador por lotes (docs/service.md):\n"
    "  POST /v1/validate[?profile=P][&source=ETIQUETA]  cuerpo: el XML, o application/json\n"
    "       {\"source\":..,\"base64\":..}; respuesta: la línea de resultado del lote como un objeto JSON;\n"
    "       más opciones: revocation=auto|require|off, legacy=true|false, trust=NOMBRE\n"
    "  GET  /healthz                                      {\"status\":\"ok\"}\n"
    "  GET  /metrics                                      texto Prometheus: solicitudes por estado,\n"
    "                                                     histograma de latencia, veredictos por\n"
    "                                                     indicación, en curso, rechazadas por carga\n"
    "Las solicitudes rechazadas reciben {\"error\":{\"code\",\"message\",\"message_es\"}} (400, 404, 405,\n"
    "408, 413, 503 con Retry-After cuando ya hay --max-in-flight validaciones en curso o en espera).\n"
    "SIGTERM o Ctrl-C deja de aceptar, responde las solicitudes en curso y sale con 0.\n"
    "\n"
    "Opciones:\n"
    "  --listen DIR:PUERTO   dónde escuchar (127.0.0.1:8080 por defecto; puerto 0: uno libre,\n"
    "                        indicado en stderr)\n"
    "  --tls-cert ARCHIVO    sirve HTTPS con esta cadena de certificados PEM (necesita --tls-key)\n"
    "  --tls-key ARCHIVO     la clave privada PEM de --tls-cert\n"
    "  --jobs N              hilos de validación (por defecto: todos los núcleos)\n"
    "  --max-in-flight N     validaciones en curso o en espera antes de 503 (4 x jobs por defecto)\n"
    "  --max-body BYTES      cuerpo de solicitud más grande, 413 más allá (4/3 de --max-size + 64K)\n"
    "  --trust ARCHIVO       anclas de confianza; repetible\n"
    "  --trust-dir DIR       confía en cada certificado de DIR; repetible\n"
    "  --untrusted ARCHIVO   certificados intermedios para construir rutas; repetible\n"
    "  --trust-set NOMBRE=RUTA  anclas que una solicitud elige con ?trust=NOMBRE (RUTA:\n"
    "                        archivo PEM/DER o directorio); repetible; sin ?trust: --trust\n"
    "  --at HORA             valida las rutas en HORA (RFC 3339) en lugar de ahora\n"
    "  --legacy              acepta SHA-1 (la DGI lo acepta en producción) con un aviso\n"
    "  --profile P           perfil por defecto cuando la solicitud no da uno: panama-fe, xmldsig,\n"
    "                        xades o auto (por defecto)\n"
    "  --max-size BYTES      documentos más grandes fallan con BATCH-TOO-LARGE (K, M o G; 64M)\n"
    "  --time-budget MS      tiempo de validación por solicitud (10000 por defecto, 0 = sin límite)\n"
    "  --lang es|en          idioma de los mensajes (por defecto: LC_ALL/LC_MESSAGES/LANG)\n"
    "  -h, --help            muestra esta ayuda\n"
    "\n";

}  // namespace

int run_serve(std::span<const std::string> argv) {
    CommandSpec command{"serve", validation_options(), serve_usage,
                        tr(serve_help, serve_help_es) + tr(revocation_help(), revocation_help_es())};
    for (const OptionSpec& option : std::initializer_list<OptionSpec>{{"listen", '\0', true, false},
                                                                      {"tls-cert", '\0', true, false},
                                                                      {"tls-key", '\0', true, false},
                                                                      {"max-body", '\0', true, false},
                                                                      {"max-in-flight", '\0', true, false},
                                                                      {"trust-set", '\0', true, true}})
        command.options.push_back(option);
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (!args.positionals().empty())
        return usage_error("serve: " + tr("unexpected argument '", "argumento inesperado '") + args.positionals().front() + "'",
                           serve_usage);
    istmo::service::ServerOptions options;
    if (const int code = read_validation_options("serve", args, serve_usage, options.batch); code != exit_ok) return code;
    options.jobs = options.batch.jobs;
    options.listen = args.value("listen").value_or(options.listen);
    options.tls_cert_file = args.value("tls-cert").value_or("");
    options.tls_key_file = args.value("tls-key").value_or("");
    if (auto b = args.value("max-body")) {
        auto n = parse_size(*b);
        if (!n || *n == 0) return usage_error("serve: --max-body '" + *b + tr("' is not a size", "' no es un tamaño"), serve_usage);
        options.max_body_bytes = *n;
    }
    if (auto m = args.value("max-in-flight")) {
        auto n = parse_size(*m);
        if (!n || *n == 0 || m->find_first_not_of("0123456789") != std::string::npos)
            return usage_error("serve: " + tr("--max-in-flight needs a positive number", "--max-in-flight necesita un número positivo"),
                               serve_usage);
        options.max_in_flight = *n;
    }
    for (const std::string& spec : args.values("trust-set")) {
        const auto eq = spec.find('=');
        if (eq == 0 || eq == std::string::npos || eq + 1 == spec.size())
            return usage_error("serve: --trust-set " + tr("needs NAME=PATH", "necesita NOMBRE=RUTA") + ": '" + spec + "'",
                               serve_usage);
        const std::string path = spec.substr(eq + 1);
        auto& store = options.trust_sets[spec.substr(0, eq)];
        std::error_code ec;
        auto added = std::filesystem::is_directory(path, ec) ? store.add_directory(path) : store.add_file(path);
        if (!added) return report_error("serve", added.error());
    }
    options.handle_signals = true;
    auto server = istmo::service::Server::start(std::move(options));
    if (!server) return report_error("serve", server.error());
    std::cerr << "istmo serve: " << tr("listening on port ", "escuchando en el puerto ") << (*server)->port() << "\n"
              << std::flush;
    (*server)->wait();
    std::cerr << "istmo serve: " << tr("stopped\n", "detenido\n");
    return exit_ok;
}

}  // namespace istmo_cli
