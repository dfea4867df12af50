// istmo worker: validation worker on RabbitMQ with the verdict store (istmo::service::Worker).
// Uses the public C++ API only.
#include "commands.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "options.hpp"
#include "validation_options.hpp"

#include <istmo/service/worker.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace istmo_cli {

namespace {

const char* const worker_usage =
    "usage: istmo worker --amqp amqp://HOST:PORT/VHOST --queue NAME [--results EXCHANGE] --store URL\n"
    "                    [--jobs N] [--prefetch N] [--max-attempts N] [--dead-letter QUEUE]\n"
    "                    [--trust FILE]... [--legacy] [--profile P] [--max-size BYTES] [--time-budget MS]\n"
    "Try 'istmo worker --help' for more information.\n";

const char* const worker_help =
    "usage: istmo worker --amqp URL --queue NAME --store URL [options]\n"
    "\n"
    "Validates documents taken from a RabbitMQ queue (docs/service.md, \"Workers\"): each message's\n"
    "body is the document (or application/json {\"source\",\"base64\"}); its verdict is recorded in\n"
    "the verdict store, published to --results with publisher confirms, and only then the message\n"
    "is acknowledged. Several workers on one queue share the work. A message that cannot be read\n"
    "is tried --max-attempts times, then moved to the dead-letter queue. When the broker or the\n"
    "store goes away the worker reconnects with a growing pause (up to 30 s).\n"
    "SIGTERM or Ctrl-C stops after the messages in hand.\n"
    "\n"
    "Options:\n"
    "  --amqp URL            amqp://[USER:PASS@]HOST[:PORT][/VHOST] (default guest@127.0.0.1:5672)\n"
    "  --queue NAME          the queue to consume (declared durable when missing)\n"
    "  --results EXCHANGE    publish each verdict (JSON) to this fanout exchange\n"
    "  --store URL           the verdict store: sqlite:PATH, a PATH, or postgresql://...\n"
    "  --jobs N              consumers (threads, one connection each; default 1)\n"
    "  --prefetch N          unacknowledged messages per consumer (default 16)\n"
    "  --max-attempts N      tries of an unreadable message before dead-lettering (default 3)\n"
    "  --dead-letter QUEUE   where poison messages go (default NAME.dead)\n"
    "  --trust FILE, --trust-dir DIR, --untrusted FILE, --at TIME, --legacy, --profile P,\n"
    "  --max-size BYTES, --time-budget MS   as for batch validate\n"
    "  --lang es|en          language of the messages (default: LC_ALL/LC_MESSAGES/LANG)\n"
    "  -h, --help            show this help\n"
    "\n";

const char* const worker_help_es =
    "uso: istmo worker --amqp URL --queue NOMBRE --store URL [opciones]\n"
    "\n"
    "Valida documentos tomados de una cola de RabbitMQ (docs/service.md, \"Workers\"): el cuerpo de\n"
    "cada mensaje es el documento (o application/json {\"source\",\"base64\"}); su veredicto se\n"
    "registra en el almacén de veredictos, se publica en --results con confirmaciones del broker y\n"
    "solo entonces se confirma el mensaje. Varios workers en una cola se reparten el trabajo. Un\n"
    "mensaje ilegible se intenta --max-attempts veces y luego pasa a la cola de mensajes muertos.\n"
    "Si el broker o el almacén desaparecen, el worker se reconecta con pausas crecientes (hasta 30 s).\n"
    "SIGTERM o Ctrl-C detiene el worker tras los mensajes en curso.\n"
    "\n"
    "Opciones:\n"
    "  --amqp URL            el broker: amqp://USUARIO:CLAVE@HOST:PUERTO/VHOST\n"
    "                        (por defecto guest@127.0.0.1:5672)\n"
    "  --queue NOMBRE        la cola a consumir (se declara durable si falta)\n"
    "  --results EXCHANGE    publica cada veredicto (JSON) en este exchange fanout\n"
    "  --store URL           el almacén de veredictos: sqlite:RUTA, una RUTA o postgresql://...\n"
    "  --jobs N              consumidores (hilos, una conexión cada uno; 1 por defecto)\n"
    "  --prefetch N          mensajes sin confirmar por consumidor (16 por defecto)\n"
    "  --max-attempts N      intentos de un mensaje ilegible antes de descartarlo (3 por defecto)\n"
    "  --dead-letter COLA    adónde van los mensajes venenosos (NOMBRE.dead por defecto)\n"
    "  --trust ARCHIVO, --trust-dir DIR, --untrusted ARCHIVO, --at HORA, --legacy, --profile P,\n"
    "  --max-size BYTES, --time-budget MS   como en batch validate\n"
    "  --lang es|en          idioma de los mensajes (por defecto: LC_ALL/LC_MESSAGES/LANG)\n"
    "  -h, --help            muestra esta ayuda\n"
    "\n";

// Set by SIGTERM / SIGINT (a lock-free store is all a handler may do); a watcher thread passes
// it on to the workers.
std::atomic<bool> g_stop_requested{false};

extern "C" void on_stop_signal(int) { g_stop_requested.store(true); }

std::optional<unsigned> positive(const std::optional<std::string>& text, unsigned fallback) {
    if (!text) return fallback;
    auto n = parse_size(*text);
    if (!n || *n == 0 || *n > 65535 || text->find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return static_cast<unsigned>(*n);
}

}  // namespace

int run_worker(std::span<const std::string> argv) {
    CommandSpec command{"worker", validation_options(), worker_usage,
                        tr(worker_help, worker_help_es) + tr(revocation_help(), revocation_help_es())};
    for (const OptionSpec& option : std::initializer_list<OptionSpec>{{"amqp", '\0', true, false},
                                                                      {"queue", '\0', true, false},
                                                                      {"results", '\0', true, false},
                                                                      {"store", '\0', true, false},
                                                                      {"prefetch", '\0', true, false},
                                                                      {"max-attempts", '\0', true, false},
                                                                      {"dead-letter", '\0', true, false}})
        command.options.push_back(option);
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    istmo::service::WorkerOptions options;
    if (const int code = read_validation_options("worker", args, worker_usage, options.batch); code != exit_ok) return code;
    options.amqp_url = args.value("amqp").value_or(options.amqp_url);
    options.queue = args.value("queue").value_or("");
    options.results_exchange = args.value("results").value_or("");
    options.store_url = args.value("store").value_or("");
    options.dead_letter_queue = args.value("dead-letter").value_or("");
    if (options.queue.empty() || options.store_url.empty())
        return usage_error("worker: " + tr("--queue and --store are required", "--queue y --store son obligatorios"),
                           worker_usage);
    const auto prefetch = positive(args.value("prefetch"), 16);
    const auto attempts = positive(args.value("max-attempts"), 3);
    if (!prefetch || !attempts)
        return usage_error("worker: " + tr("--prefetch and --max-attempts need a number from 1 to 65535",
                                           "--prefetch y --max-attempts necesitan un número de 1 a 65535"),
                           worker_usage);
    options.prefetch = static_cast<std::uint16_t>(*prefetch);
    options.max_attempts = *attempts;
    const unsigned jobs = args.value("jobs") ? options.batch.jobs : 1;

    std::vector<std::unique_ptr<istmo::service::Worker>> workers;
    for (unsigned i = 0; i < jobs; ++i) {
        auto worker = istmo::service::Worker::create(options);
        if (!worker) return report_error("worker", worker.error());
        workers.push_back(std::move(*worker));
    }
    std::signal(SIGTERM, on_stop_signal);
    std::signal(SIGINT, on_stop_signal);
    std::vector<istmo::Result<void>> results(jobs, istmo::Result<void>{});
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < jobs; ++i) threads.emplace_back([&, i] { results[i] = workers[i]->run(); });
    std::atomic<bool> all_done{false};
    std::thread watcher([&] {
        while (!all_done.load()) {
            if (g_stop_requested.load()) {
                for (auto& w : workers) w->stop();
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
    std::cerr << "istmo worker: " << tr("consuming ", "consumiendo ") << options.queue << "\n" << std::flush;
    for (auto& t : threads) t.join();
    all_done.store(true);
    watcher.join();
    std::uint64_t acked = 0, dead = 0;
    for (const auto& w : workers) {
        acked += w->stats().acked;
        dead += w->stats().dead_lettered;
    }
    std::cerr << "istmo worker: " << acked << tr(" message(s) done, ", " mensaje(s) hechos, ") << dead
              << tr(" dead-lettered\n", " descartados\n");
    for (const auto& r : results)
        if (!r) return report_error("worker", r.error());
    return exit_ok;
}

}  // namespace istmo_cli
