// istmo dgi simulate: the DGI SIMULATOR (istmo::service::DgiSimulator) for vendors testing their
// integration offline. Not the DGI, and it says so on start and in every log line. Uses the
// public C++ API only.
#include "commands.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "options.hpp"

#include <istmo/service/dgi_simulator.hpp>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>
#include <iostream>
#include <mutex>
#include <string>

namespace istmo_cli {

int run_dgi_simulate(std::span<const std::string> argv);

namespace {

int g_stop_pipe[2] = {-1, -1};  // written by the SIGTERM/SIGINT handler

const char* const simulate_usage =
    "usage: istmo dgi simulate [--listen ADDR:PORT] (--tls-cert FILE --tls-key FILE --client-ca FILE |\n"
    "                          --insecure-http) [--trust FILE]... [--legacy] [--require-trusted-signer]\n"
    "                          [--fault MODE] [--fault-every N] [--reject-code CODE] [--slow-ms MS]\n"
    "                          [--error-status N]\n"
    "Try 'istmo dgi simulate --help' for more information.\n";

const char* const simulate_help =
    "usage: istmo dgi simulate [options]\n"
    "\n"
    "A DGI SIMULATOR -- NOT THE DGI: nothing sent to it is authorised or has fiscal value. It\n"
    "answers the six DGI web services (BASE/FepWcfService/<service>.svc, SOAP 1.1 and 1.2) as\n"
    "real traffic shows them (docs/dgi.md, \"The simulator\"), so that a vendor can test an\n"
    "integration offline: feRecepFE validates the rFE with istmo and answers 0260 with a 20-digit\n"
    "protocol or the result codes of the rules that failed; feConsFE answers 0422 with the\n"
    "container (rContFe) of what it authorised, with the events registered for it; feRecepLoteFE\n"
    "and feResultLoteFE handle batches; feRecepEvento answers 0600 (0622 when repeated);\n"
    "feConsRucDV computes the check digits. Everything is kept in memory until it stops.\n"
    "Every answer is logged on stderr in a line starting \"SIMULATOR/SIMULADOR\".\n"
    "SIGTERM or Ctrl-C stops it (exit 0).\n"
    "\n"
    "  --listen ADDR:PORT    where to listen (default 127.0.0.1:40010; port 0: any free port;\n"
    "                        the port is printed on stderr: \"listening on port N\")\n"
    "  --tls-cert FILE       HTTPS: the simulator's PEM certificate chain\n"
    "  --tls-key FILE        its PEM private key\n"
    "  --client-ca FILE      PEM CAs a client certificate must chain to; a client without a\n"
    "                        certificate from them is refused at the handshake, as the DGI\n"
    "                        refuses a PAC without its transmission certificate\n"
    "  --insecure-http       plain HTTP instead (no TLS, no client certificate): explicit only\n"
    "  --trust FILE, --trust-dir DIR, --untrusted FILE, --at TIME, revocation options\n"
    "                        how the rFE's signature is judged (as for invoice validate)\n"
    "  --legacy              accept SHA-1 signatures (the DGI does in production) with a warning\n"
    "  --require-trusted-signer\n"
    "                        reject (9004) an rFE whose signer does not chain to --trust; by\n"
    "                        default it is authorised with the notification 9010\n"
    "  --fault MODE          a fault for testing error handling: reject (--reject-code, default\n"
    "                        1602), duplicate (0622), malformed (HTTP 200 with HTML), http-error\n"
    "                        or 5xx (--error-status, default 503), soap-fault (HTTP 500), slow\n"
    "                        (answers after --slow-ms, default 5000), drop (processed, no answer),\n"
    "                        drop-unprocessed, hold (processed, no answer until it stops)\n"
    "  --fault-every N       the fault hits every N-th request (default 1: all)\n"
    "  --lang es|en          language of the messages (default: LC_ALL/LC_MESSAGES/LANG)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Result codes: 0100 schema, 1601 RUC, 0260, 0422, 0600, 0622 as SPEC 5.4 knows them; the\n"
    "simulator's own where the DGI's code is unknown: 9001 CUFE not found, 9002 wrong environment,\n"
    "9003 CUFE wrong, 9004 signature, 9005 amounts, 9009 another rule, 9010 (N) signer unchecked.\n"
    "\n";

const char* const simulate_help_es =
    "uso: istmo dgi simulate [opciones]\n"
    "\n"
    "Un SIMULADOR de la DGI -- NO ES LA DGI: nada de lo que se le envía queda autorizado ni tiene\n"
    "valor fiscal. Responde los seis servicios web de la DGI (BASE/FepWcfService/<servicio>.svc,\n"
    "SOAP 1.1 y 1.2) como los muestra el tráfico real (docs/dgi.md, \"El simulador\"), para que un\n"
    "proveedor pruebe su integración sin conexión: feRecepFE valida el rFE con istmo y responde\n"
    "0260 con un protocolo de 20 dígitos o los códigos de las reglas que fallaron; feConsFE\n"
    "responde 0422 con el contenedor (rContFe) de lo que autorizó y sus eventos; feRecepLoteFE y\n"
    "feResultLoteFE tratan lotes; feRecepEvento responde 0600 (0622 si se repite); feConsRucDV\n"
    "calcula el DV. Todo se guarda en memoria hasta que se detiene.\n"
    "Cada respuesta se anota en stderr en una línea que empieza por \"SIMULATOR/SIMULADOR\".\n"
    "SIGTERM o Ctrl-C lo detienen (salida 0).\n"
    "\n"
    "  --listen DIR:PUERTO   dónde escuchar (127.0.0.1:40010 por defecto; puerto 0: uno libre;\n"
    "                        el puerto se imprime en stderr: \"escuchando en el puerto N\")\n"
    "  --tls-cert ARCHIVO    HTTPS: la cadena de certificados PEM del simulador\n"
    "  --tls-key ARCHIVO     su clave privada PEM\n"
    "  --client-ca ARCHIVO   las CA (PEM) de las que debe venir el certificado de cliente; un\n"
    "                        cliente sin certificado de ellas se rechaza en el saludo TLS, como la\n"
    "                        DGI rechaza a un PAC sin su certificado de transmisión\n"
    "  --insecure-http       HTTP sin TLS ni certificado de cliente: solo si se pide\n"
    "  --trust ARCHIVO, --trust-dir DIR, --untrusted ARCHIVO, --at FECHA, opciones de revocación\n"
    "                        cómo se juzga la firma del rFE (como en invoice validate)\n"
    "  --legacy              acepta firmas SHA-1 (la DGI lo hace en producción) con una advertencia\n"
    "  --require-trusted-signer\n"
    "                        rechaza (9004) un rFE cuyo firmante no encadena con --trust; por\n"
    "                        defecto se autoriza con la notificación 9010\n"
    "  --fault MODO          un fallo para probar el manejo de errores: reject (--reject-code, 1602\n"
    "                        por defecto), duplicate (0622), malformed (HTTP 200 con HTML),\n"
    "                        http-error o 5xx (--error-status, 503 por defecto), soap-fault (HTTP\n"
    "                        500), slow (responde tras --slow-ms, 5000 por defecto), drop (procesa,\n"
    "                        sin respuesta), drop-unprocessed, hold (procesa, sin respuesta hasta\n"
    "                        que se detiene)\n"
    "  --fault-every N       el fallo afecta a una de cada N solicitudes (1 por defecto: todas)\n"
    "  --lang es|en          idioma de los mensajes (por defecto: LC_ALL/LC_MESSAGES/LANG)\n"
    "  -h, --help            muestra esta ayuda\n"
    "\n"
    "Códigos: 0100 esquema, 1601 RUC, 0260, 0422, 0600, 0622 como los conoce SPEC 5.4; propios del\n"
    "simulador donde no se conoce el de la DGI: 9001 CUFE no encontrado, 9002 ambiente errado,\n"
    "9003 CUFE incorrecto, 9004 firma, 9005 montos, 9009 otra regla, 9010 (N) firmante sin comprobar.\n"
    "\n";

std::optional<long> number_in(const std::optional<std::string>& text, long low, long high) {
    if (!text || text->empty() || text->size() > 9 || text->find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    const long value = std::stol(*text);
    if (value < low || value > high) return std::nullopt;
    return value;
}

// Reads the fault options; 0 or the usage error's exit code.
int read_fault_options(const ParsedArgs& args, istmo::service::DgiSimulatorOptions& options) {
    const auto usage = [](const std::string& en, const std::string& es) {
        return usage_error("dgi simulate: " + tr(en, es), simulate_usage);
    };
    if (auto mode = args.value("fault")) {
        auto fault = istmo::service::parse_dgi_fault(*mode);
        if (!fault) return usage("unknown --fault '" + *mode + "'", "--fault desconocido '" + *mode + "'");
        options.fault = *fault;
    }
    if (args.has("fault-every")) {
        const auto n = number_in(args.value("fault-every"), 1, 1'000'000);
        if (!n) return usage("--fault-every must be 1 or more", "--fault-every debe ser 1 o más");
        options.fault_every = static_cast<int>(*n);
    }
    if (args.has("slow-ms")) {
        const auto n = number_in(args.value("slow-ms"), 0, 600'000);
        if (!n) return usage("--slow-ms must be 0 to 600000", "--slow-ms debe estar entre 0 y 600000");
        options.slow_delay = std::chrono::milliseconds(*n);
    }
    if (args.has("error-status")) {
        const auto n = number_in(args.value("error-status"), 400, 599);
        if (!n) return usage("--error-status must be 400 to 599", "--error-status debe estar entre 400 y 599");
        options.error_status = static_cast<int>(*n);
    }
    options.reject_code = args.value("reject-code").value_or(options.reject_code);
    return exit_ok;
}

}  // namespace

int run_dgi_simulate(std::span<const std::string> argv) {
    CommandSpec command{"dgi simulate", trust_options(), simulate_usage, tr(simulate_help, simulate_help_es)};
    for (const char* name : {"listen", "tls-cert", "tls-key", "client-ca", "fault", "fault-every", "reject-code", "slow-ms",
                             "error-status"})
        command.options.push_back({name, '\0', true, false});
    for (const char* name : {"insecure-http", "legacy", "require-trusted-signer"}) command.options.push_back({name, '\0', false, false});
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (!args.positionals().empty())
        return usage_error("dgi simulate: " + tr("unexpected argument '", "argumento inesperado '") + args.positionals().front() + "'",
                           simulate_usage);
    istmo::service::DgiSimulatorOptions options;
    options.listen = args.value("listen").value_or("127.0.0.1:40010");
    options.tls_cert_file = args.value("tls-cert").value_or("");
    options.tls_key_file = args.value("tls-key").value_or("");
    options.client_ca_file = args.value("client-ca").value_or("");
    options.insecure_http = args.has("insecure-http");
    options.require_trusted_signer = args.has("require-trusted-signer");
    options.validate.legacy = args.has("legacy");
    options.validate.verify.allow_legacy = options.validate.legacy;
    if (const int code = apply_trust_options("dgi simulate", args, options.validate.verify); code != exit_ok) return code;
    if (const int code = read_fault_options(args, options); code != exit_ok) return code;
    auto log_mutex = std::make_shared<std::mutex>();
    options.log = [log_mutex](const std::string& line) {
        std::lock_guard lock(*log_mutex);
        std::cerr << line << "\n" << std::flush;
    };
    // SIGTERM and SIGINT stop it. A handler (process-wide, whatever thread the signal reaches)
    // writes to a pipe the main thread waits on.
    if (::pipe2(g_stop_pipe, O_CLOEXEC) != 0)
        return report_error("dgi simulate", istmo::Error{istmo::Errc::io_error, "pipe() failed", {}, 0, 0});
    struct sigaction on_stop {};
    on_stop.sa_handler = [](int) {
        const char byte = 1;
        [[maybe_unused]] const auto written = ::write(g_stop_pipe[1], &byte, 1);
    };
    sigemptyset(&on_stop.sa_mask);
    ::sigaction(SIGTERM, &on_stop, nullptr);
    ::sigaction(SIGINT, &on_stop, nullptr);
    auto simulator = istmo::service::DgiSimulator::start(std::move(options));
    if (!simulator) return report_error("dgi simulate", simulator.error());
    std::cerr << istmo::service::DgiSimulator::banner() << "\n"
              << "istmo dgi simulate: " << tr("listening on port ", "escuchando en el puerto ") << (*simulator)->port() << " ("
              << (*simulator)->base_url() << ")\n"
              << std::flush;
    char byte = 0;
    while (::read(g_stop_pipe[0], &byte, 1) < 0 && errno == EINTR) {
    }
    (*simulator)->stop();
    ::close(g_stop_pipe[0]);
    ::close(g_stop_pipe[1]);
    std::cerr << "istmo dgi simulate: " << tr("stopped (SIMULATOR, not the DGI)\n", "detenido (SIMULADOR, no es la DGI)\n");
    return exit_ok;
}

}  // namespace istmo_cli
