// istmo batch validate: validates many documents on all cores, one NDJSON line per input.
// Uses the public C++ API only.
#include "commands.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "options.hpp"
#include "validation_options.hpp"

#include <istmo/batch/batch.hpp>
#include <istmo/batch/html.hpp>
#include <istmo/service/store.hpp>

#include <csignal>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace istmo_cli {

int run_batch(std::span<const std::string> argv);

std::optional<std::size_t> parse_size(const std::string& text) {
    if (text.empty()) return std::nullopt;
    std::size_t value = 0;
    std::size_t i = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        const auto digit = static_cast<std::size_t>(text[i] - '0');
        if (value > (SIZE_MAX - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    if (i == 0) return std::nullopt;
    std::size_t multiplier = 1;
    if (i < text.size()) {
        if (i + 1 != text.size()) return std::nullopt;
        switch (text[i]) {
            case 'k': case 'K': multiplier = 1024; break;
            case 'm': case 'M': multiplier = 1024 * 1024; break;
            case 'g': case 'G': multiplier = 1024 * 1024 * 1024; break;
            default: return std::nullopt;
        }
    }
    if (value > SIZE_MAX / multiplier) return std::nullopt;
    return value * multiplier;
}

namespace {

namespace batch = istmo::batch;
using istmo::report::Indication;

const char* const batch_usage =
    "usage: istmo batch validate [--trust FILE]... [--trust-dir DIR]... [--untrusted FILE]... [--at TIME] [--legacy]\n"
    "                            [--profile panama-fe|xmldsig|xades|auto] [--jobs N] [--out RESULTS.ndjson]\n"
    "                            [--resume] [--progress auto|always|never] [--max-size BYTES]\n"
    "                            [--time-budget MS] [--ndjson FILE|-] [--report-html FILE] [--store URL]\n"
    "                            [PATH|-]...\n"
    "Try 'istmo batch --help' for more information.\n";

const char* const batch_help =
    "usage: istmo batch validate [options] [PATH|-]...\n"
    "\n"
    "Validates many documents on N threads and writes exactly one NDJSON line per input:\n"
    "  {\"source\",\"sha256\",\"indication\",\"sub_indication\",\"codes\":[...],\"findings\":[...],\n"
    "   \"findings_omitted\",\"cufe\",\"ms\"}\n"
    "Each finding (warnings and errors) has its code, severity, field path, rule, message (English)\n"
    "and message_es (Spanish): what the issuer must fix.\n"
    "Inputs: files and directory trees (PATH, walked recursively), '-' for a list of paths on\n"
    "standard input (one per line), --ndjson for a stream of {\"source\":..,\"base64\":..} lines.\n"
    "An unreadable, empty, oversized or non-XML input gets a failing line with a BATCH-* code.\n"
    "\n"
    "Options:\n"
    "  --trust FILE          trust anchors (PEM bundle or DER); repeatable\n"
    "  --trust-dir DIR       trust every certificate file of DIR; repeatable\n"
    "  --untrusted FILE      intermediate certificates for path building (never anchors); repeatable\n"
    "  --at TIME             validate certificate paths at TIME (RFC 3339) instead of now\n"
    "  --legacy              accept SHA-1 (the DGI accepts it in production) with a warning\n"
    "  --profile P           panama-fe (full invoice validation), xmldsig, xades, or auto (by the\n"
    "                        root element: rFE -> panama-fe, else XMLDSig/XAdES); default auto\n"
    "  --jobs N              worker threads (default: all cores)\n"
    "  --out FILE            results file (default: standard output)\n"
    "  --resume              continue an interrupted run: inputs already in --out with the same\n"
    "                        source and sha256 are not validated again; an input whose content\n"
    "                        changed is validated again and its old line replaced; a half-written\n"
    "                        last line and duplicate lines are repaired\n"
    "  --progress WHEN       auto (on a terminal), always or never; progress goes to stderr and is\n"
    "                        cleared before a result line goes to the same terminal\n"
    "  --max-size BYTES      larger inputs fail with BATCH-TOO-LARGE (suffix K, M or G; default 64M)\n"
    "  --time-budget MS      wall-clock budget per input (default 10000, 0 = none): the signature\n"
    "                        checks stop at their next step and the input gets\n"
    "                        BATCH-TIME-BUDGET-EXCEEDED, never TOTAL_PASSED\n"
    "  --ndjson FILE         read base64 documents from FILE ('-' for standard input)\n"
    "  --report-html FILE    also write one self-contained HTML page: counts by indication, most\n"
    "                        frequent codes, issuers with most failures, the failed inputs (of this run)\n"
    "  --store URL           also record every verdict in the verdict store (sqlite:PATH, a PATH, or\n"
    "                        postgresql://...): one row per distinct SHA-256; a different document\n"
    "                        with a CUFE already recorded gets BATCH-CUFE-CONFLICT, the same bytes\n"
    "                        again BATCH-DUPLICATE (docs/service.md)\n"
    "  --lang es|en          language of the messages (default: LC_ALL/LC_MESSAGES/LANG)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Ctrl-C stops the run and prints the command that resumes it (with --out FILE).\n"
    "A summary (counts per indication, most frequent codes, throughput) goes to stderr.\n"
    "\n"
    "Exit codes: 0 all passed, 1 some TOTAL_FAILED, 2 some INDETERMINATE and none failed,\n"
    "64 usage error, 74 I/O error on the results file.\n"
    "\n";
const char* const batch_help_es =
    "uso: istmo batch validate [opciones] [RUTA|-]...\n"
    "\n"
    "Valida muchos documentos en N hilos y escribe exactamente una línea NDJSON por entrada, con\n"
    "source, sha256, indication, sub_indication, codes, findings, findings_omitted, cufe y ms.\n"
    "Cada hallazgo (avisos y errores) lleva su código, severidad, ruta del campo, regla, mensaje\n"
    "(message, en inglés) y message_es (en español): lo que el emisor debe corregir.\n"
    "Entradas: archivos y árboles de directorios (RUTA), '-' para una lista de rutas en la entrada\n"
    "estándar, --ndjson para líneas {\"source\":..,\"base64\":..}. Una entrada ilegible, vacía,\n"
    "demasiado grande o que no es XML recibe una línea fallida con un código BATCH-*.\n"
    "\n"
    "Opciones:\n"
    "  --trust ARCHIVO       anclas de confianza; repetible\n"
    "  --trust-dir DIR       confía en cada certificado de DIR; repetible\n"
    "  --untrusted ARCHIVO   certificados intermedios para construir rutas (nunca anclas); repetible\n"
    "  --at HORA             valida las rutas en HORA (RFC 3339) en lugar de ahora\n"
    "  --legacy              acepta SHA-1 (la DGI lo acepta en producción) con un aviso\n"
    "  --profile P           panama-fe, xmldsig, xades o auto (por el elemento raíz; por defecto)\n"
    "  --jobs N              hilos de trabajo (por defecto: todos los núcleos)\n"
    "  --out ARCHIVO         archivo de resultados (por defecto: la salida estándar)\n"
    "  --resume              continúa una ejecución interrumpida (necesita --out)\n"
    "  --progress CUÁNDO     auto (en una terminal), always o never; el progreso va a stderr y se\n"
    "                        borra antes de escribir una línea de resultado en la misma terminal\n"
    "  --max-size BYTES      entradas más grandes fallan con BATCH-TOO-LARGE (K, M o G; 64M)\n"
    "  --time-budget MS      tiempo por entrada (10000 por defecto, 0 = sin límite)\n"
    "  --ndjson ARCHIVO      lee documentos base64 de ARCHIVO ('-' para la entrada estándar)\n"
    "  --report-html ARCHIVO escribe además una página HTML autónoma: cuentas por indicación,\n"
    "                        códigos más frecuentes, emisores con más fallos, entradas fallidas (de esta corrida)\n"
    "  --store URL           registra además cada veredicto en el almacén de veredictos (sqlite:RUTA,\n"
    "                        una RUTA o postgresql://...): una fila por SHA-256 distinto; un documento\n"
    "                        diferente con un CUFE ya registrado recibe BATCH-CUFE-CONFLICT, los\n"
    "                        mismos bytes otra vez BATCH-DUPLICATE (docs/service.md)\n"
    "  --lang es|en          idioma de los mensajes (por defecto: LC_ALL/LC_MESSAGES/LANG)\n"
    "  -h, --help            muestra esta ayuda\n"
    "\n"
    "Ctrl-C detiene la ejecución y muestra el comando que la reanuda (con --out ARCHIVO).\n"
    "Un resumen (cuentas por indicación, códigos más frecuentes, rendimiento) va a stderr.\n"
    "\n"
    "Salida: 0 todo válido, 1 algún TOTAL_FAILED, 2 algún INDETERMINATE y ninguno fallido,\n"
    "64 error de uso, 74 error de E/S en el archivo de resultados.\n"
    "\n";


// Writes results and keeps the counts for progress, summary and the exit code.
class CliSink final : public batch::Sink {
public:
    // results_on_terminal: the result lines go to the terminal that shows the progress line.
    CliSink(batch::NdjsonFileSink& out, const batch::ResumeState& resume, bool progress, std::optional<std::size_t> total,
            bool results_on_terminal)
        : m_out(out), m_resume(resume), m_progress(progress), m_results_on_terminal(results_on_terminal), m_total(total),
          m_start(std::chrono::steady_clock::now()) {}

    istmo::Result<void> write(const batch::DocumentResult& result) override {
        // A result line never lands in the middle of the progress line: clear it first; the next
        // tick draws it again below the result.
        if (m_progress && m_results_on_terminal && m_printed) {
            std::fputs("\r\033[K", stderr);
            std::fflush(stderr);
            m_cleared = true;
        }
        auto written = m_out.write(result);
        if (!written) return written;
        // Validated although recorded: its content changed (or it could not be matched); the
        // file now has two lines for it until compact_results keeps the new one.
        if (m_resume.find(result.source) != nullptr) ++replaced;
        if (html) html->add(result);
        count(result.indication);
        tick();
        return {};
    }
    void skipped(const std::string& source, const std::string& sha256) override {
        const auto* recorded = m_resume.find(source);
        if (recorded != nullptr && recorded->sha256 == sha256) count(recorded->indication);
        ++m_resumed;
        tick();
    }
    void finish_progress() {
        if (m_progress && m_printed && !m_cleared) std::fputs("\n", stderr);
    }
    std::size_t failed = 0, indeterminate = 0, passed = 0;
    std::size_t replaced = 0;  // recorded sources validated again
    batch::HtmlSummary* html = nullptr;  // --report-html: results validated in this run

private:
    void count(Indication i) {
        ++m_done;
        switch (i) {
            case Indication::total_passed: ++passed; break;
            case Indication::total_failed: ++failed; break;
            case Indication::indeterminate: ++indeterminate; break;
        }
    }
    void tick() {
        if (!m_progress) return;
        const auto now = std::chrono::steady_clock::now();
        if (m_printed && now - m_last < std::chrono::milliseconds(200)) return;
        m_last = now;
        m_printed = true;
        m_cleared = false;
        const double seconds = std::chrono::duration<double>(now - m_start).count();
        const double validated = static_cast<double>(m_done - m_resumed);
        const double rate = seconds > 0 ? validated / seconds : 0;
        // Appends only: g++ 12 -O3 reports a false -Wrestrict on "literal" + std::string.
        std::string line = "\r";
        line += std::to_string(m_done);
        if (m_total) line.append("/").append(std::to_string(*m_total));
        line.append(" done, ").append(std::to_string(static_cast<long long>(rate))).append("/s");
        if (m_total && rate > 0 && *m_total > m_done)
            line.append(", ETA ")
                .append(std::to_string(static_cast<long long>(static_cast<double>(*m_total - m_done) / rate)))
                .append(" s");
        line.append(", ").append(std::to_string(failed)).append(" failed   ");
        std::fputs(line.c_str(), stderr);
    }

    batch::NdjsonFileSink& m_out;
    const batch::ResumeState& m_resume;
    bool m_progress;
    bool m_results_on_terminal;
    std::optional<std::size_t> m_total;
    std::chrono::steady_clock::time_point m_start, m_last{};
    std::size_t m_done = 0, m_resumed = 0;
    bool m_printed = false;
    bool m_cleared = false;  // the progress line was cleared for a result line
};

// ---- Ctrl-C ------------------------------------------------------------------------------

// Written by the SIGINT handler with write(2) (async-signal-safe); prepared before the run.
std::string g_interrupt_message;

extern "C" void on_interrupt(int signal_number) {
    const ssize_t ignored = ::write(STDERR_FILENO, g_interrupt_message.data(), g_interrupt_message.size());
    static_cast<void>(ignored);
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
}

// The message names the command that continues this run: the same arguments plus --resume.
void prepare_interrupt_message(std::span<const std::string> argv, bool has_out) {
    std::string command = "istmo batch validate";
    bool resume = false;
    for (const auto& arg : argv) {
        resume = resume || arg == "--resume";
        const bool plain = !arg.empty() && arg.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#~!") == std::string::npos;
        std::string quoted = "'";
        for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
        command += " " + (plain ? arg : quoted + "'");
    }
    if (!resume) command += " --resume";
    g_interrupt_message =
        has_out ? "\n" + tr("istmo: batch validate interrupted; the results so far are kept. To continue:\n  ",
                            "istmo: batch validate interrumpido; los resultados hasta ahora se conservan. Para seguir:\n  ") +
                      command + "\n"
                : "\n" + tr("istmo: batch validate interrupted. Results went to standard output, so this run cannot be "
                            "resumed; write them with --out FILE to be able to continue with --resume.\n",
                            "istmo: batch validate interrumpido. Los resultados iban a la salida estándar, así que no se "
                            "puede reanudar; escríbalos con --out ARCHIVO para poder seguir con --resume.\n");
    std::signal(SIGINT, on_interrupt);
}

int cmd_validate(std::span<const std::string> argv) {
    CommandSpec command{"batch validate", validation_options(), batch_usage,
                        tr(batch_help, batch_help_es) + tr(revocation_help(), revocation_help_es())};
    for (const OptionSpec& option : std::initializer_list<OptionSpec>{{"out", 'o', true, false},
                                                                      {"resume", '\0', false, false},
                                                                      {"progress", '\0', true, false},
                                                                      {"ndjson", '\0', true, false},
                                                                      {"report-html", '\0', true, false},
                                                                      {"store", '\0', true, false}})
        command.options.push_back(option);
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (args.positionals().empty() && !args.has("ndjson"))
        return usage_error("batch validate: " + tr("no input (PATH, - or --ndjson)", "no hay entrada (PATH, - o --ndjson)"), batch_usage);

    batch::Options options;
    const std::string progress_mode = args.value("progress").value_or("auto");
    if (const int code = read_validation_options("batch validate", args, batch_usage, options); code != exit_ok)
        return code;
    if (progress_mode != "auto" && progress_mode != "always" && progress_mode != "never")
        return usage_error("batch validate: " + tr("--progress must be auto, always or never", "--progress debe ser auto, always o never"), batch_usage);
    const std::string out_path = args.value("out").value_or("");
    const bool resume = args.has("resume");
    if (resume && (out_path.empty() || out_path == "-"))
        return usage_error("batch validate: " + tr("--resume needs --out FILE", "--resume necesita --out ARCHIVO"), batch_usage);

    int stdin_users = 0;
    for (const auto& p : args.positionals()) stdin_users += p == "-" ? 1 : 0;
    if (args.value("ndjson") == std::optional<std::string>("-")) ++stdin_users;
    if (stdin_users > 1) return usage_error("batch validate: " + tr("standard input can be used once", "la entrada estándar solo puede usarse una vez"), batch_usage);
    // std::cin is read line by line by the sources: synchronized with stdio, every character
    // is a locked getc/ungetc pair (a 7 KB NDJSON line: thousands). Nothing was read or
    // written on the standard streams yet.
    if (stdin_users != 0) std::ios::sync_with_stdio(false);

    batch::ResumeState resume_state;
    if (resume) {
        auto prepared = batch::prepare_resume(out_path);
        if (!prepared) {
            print_error(error_text("batch validate", prepared.error()));
            return exit_io;
        }
        resume_state = std::move(*prepared);
        if (resume_state.dropped != 0)
            std::cerr << "istmo: batch validate: " << tr("removed ", "se quitaron ") << resume_state.dropped
                      << tr(" incomplete line(s) from the results file\n", " línea(s) incompleta(s) del archivo de resultados\n");
        if (resume_state.duplicates != 0)
            std::cerr << "istmo: batch validate: " << tr("removed ", "se quitaron ") << resume_state.duplicates
                      << tr(" older duplicate line(s) from the results file\n",
                            " línea(s) duplicada(s) antigua(s) del archivo de resultados\n");
        options.already_done = [&resume_state](const std::string& source, const std::string& sha) {
            return resume_state.contains(source, sha);
        };
    }
    auto sink = batch::NdjsonFileSink::open(out_path, resume);
    if (!sink) {
        print_error(error_text("batch validate", sink.error()));
        return exit_io;
    }

    std::vector<std::unique_ptr<batch::Source>> sources;
    std::vector<std::string> paths;
    std::unique_ptr<std::istream> ndjson_file;
    for (const auto& p : args.positionals()) {
        if (p == "-") {
            if (!paths.empty()) sources.push_back(batch::paths_source(std::move(paths)));
            paths.clear();
            sources.push_back(batch::path_list_source(std::cin));
        } else {
            paths.push_back(p);
        }
    }
    if (!paths.empty()) sources.push_back(batch::paths_source(std::move(paths)));
    // A line holds the base64 of one document (4/3 of it) plus its JSON members.
    const std::size_t ndjson_line_limit =
        options.max_size > SIZE_MAX / 2 ? SIZE_MAX : options.max_size / 3 * 4 + 64 * 1024;
    if (auto nd = args.value("ndjson")) {
        if (*nd == "-") {
            sources.push_back(batch::ndjson_source(std::cin, "stdin", ndjson_line_limit));
        } else {
            auto file = std::make_unique<std::ifstream>(*nd, std::ios::binary);
            if (!*file) {
                print_error("batch validate: " + tr("cannot open '", "no se puede abrir '") + *nd + "'");
                return exit_no_input;
            }
            sources.push_back(batch::ndjson_source(*file, *nd, ndjson_line_limit));
            ndjson_file = std::move(file);
        }
    }
    auto source = batch::concat_sources(std::move(sources));

    const bool progress = progress_mode == "always" || (progress_mode == "auto" && ::isatty(STDERR_FILENO) == 1);
    const std::optional<std::size_t> total = progress ? source->count() : std::nullopt;
    const bool results_to_stdout = out_path.empty() || out_path == "-";
    CliSink cli_sink(**sink, resume_state, progress, total,
                     results_to_stdout && ::isatty(STDOUT_FILENO) == 1 && ::isatty(STDERR_FILENO) == 1);
    batch::HtmlSummary html_summary;
    const auto html_path = args.value("report-html");
    if (html_path) cli_sink.html = &html_summary;
    std::unique_ptr<istmo::service::VerdictStore> store;
    if (auto url = args.value("store")) {
        auto opened = istmo::service::VerdictStore::open(*url);
        if (!opened) return report_error("batch validate: --store", opened.error());
        store = std::move(*opened);
    }
    // --store: every result goes through the store first (CUFE conflicts and duplicates are
    // added to it), a chunk of results per transaction, then to the results file.
    std::optional<istmo::service::RecordingSink> storing;
    if (store) storing.emplace(*store, cli_sink);
    prepare_interrupt_message(argv, !results_to_stdout);
    const batch::Validator validator(std::move(options));
    auto summary = storing ? validator.run(*source, *storing) : validator.run(*source, cli_sink);
    cli_sink.finish_progress();
    if (!summary) {
        print_error(error_text("batch validate", summary.error()));
        return summary.error().code == istmo::Errc::internal ? exit_internal : exit_io;
    }
    if (auto synced = (*sink)->sync(); !synced) {
        print_error(error_text("batch validate", synced.error()));
        return exit_io;
    }
    if (resume && cli_sink.replaced != 0) {
        // Inputs whose content changed were appended after their old lines: keep the new ones.
        // Until this is done (a kill now), the last line of each source is the valid one, and
        // the next --resume compacts the file first.
        sink->reset();
        auto compacted = batch::compact_results(out_path);
        if (!compacted) {
            print_error(error_text("batch validate", compacted.error()));
            return exit_io;
        }
        std::cerr << "istmo: batch validate: " << tr("replaced ", "se reemplazaron ") << compacted->duplicates
                  << tr(" stale line(s) of input(s) whose content changed\n",
                        " línea(s) vieja(s) de entradas cuyo contenido cambió\n");
    }

    if (html_path) {
        std::string title;
        for (const auto& p : args.positionals()) title += (title.empty() ? "" : " ") + p;
        const std::string page = istmo::report::write_html(html_summary.page(title), html_language());
        if (const int written = write_output(*html_path, page); written != exit_ok) return written;
    }
    const auto& s = *summary;
    char rate[64];
    std::snprintf(rate, sizeof rate, lang() == Lang::es ? "%.2f s, %.0f documentos/s" : "%.2f s, %.0f documents/s", s.seconds,
                  s.seconds > 0 ? static_cast<double>(s.validated()) / s.seconds : 0.0);
    std::cerr << "istmo batch: " << s.total << tr(" input(s), ", " entrada(s), ") << s.validated()
              << tr(" validated", " validada(s)");
    if (s.skipped) std::cerr << ", " << s.skipped << tr(" already recorded", " ya registrada(s)");
    std::cerr << tr(" in ", " en ") << rate << "\n"
              << "  TOTAL_PASSED " << cli_sink.passed << ", TOTAL_FAILED " << cli_sink.failed << ", INDETERMINATE "
              << cli_sink.indeterminate << "\n";
    const auto top = s.top_codes(5);
    if (!top.empty()) {
        std::cerr << tr("  most frequent codes:", "  códigos más frecuentes:");
        for (const auto& [code, n] : top) std::cerr << " " << code << " (" << n << ")";
        std::cerr << "\n";
    }
    if (cli_sink.failed) return exit_total_failed;
    if (cli_sink.indeterminate) return exit_indeterminate;
    return exit_ok;
}

}  // namespace

int run_batch(std::span<const std::string> argv) {
    if (argv.empty() || argv.front() == "--help" || argv.front() == "-h") {
        if (argv.empty()) return usage_error("batch: " + tr("missing subcommand", "falta el subcomando"), batch_usage);
        std::cout << tr(batch_help, batch_help_es) << exit_codes_text();
        return exit_ok;
    }
    if (argv.front() == "validate") return cmd_validate(argv.subspan(1));
    return usage_error("batch: " + tr("unknown subcommand '", "subcomando desconocido '") + argv.front() + "'", batch_usage);
}

}  // namespace istmo_cli
