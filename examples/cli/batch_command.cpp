// istmo batch validate: validates many documents on all cores, one NDJSON line per input.
// Uses the public C++ API only.
#include "args.hpp"
#include "common.hpp"
#include "exit_codes.hpp"

#include <istmo/batch/batch.hpp>

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

namespace {

namespace batch = istmo::batch;
using istmo::report::Indication;

const char* const batch_usage =
    "usage: istmo batch validate [--trust FILE]... [--trust-dir DIR]... [--at TIME] [--legacy]\n"
    "                            [--profile panama-fe|xmldsig|xades|auto] [--jobs N] [--out RESULTS.ndjson]\n"
    "                            [--resume] [--progress auto|always|never] [--max-size BYTES]\n"
    "                            [--time-budget MS] [--ndjson FILE|-] [PATH|-]...\n"
    "Try 'istmo batch --help' for more information.\n";

const char* const batch_help =
    "usage: istmo batch validate [options] [PATH|-]...\n"
    "\n"
    "Validates many documents on N threads and writes exactly one NDJSON line per input:\n"
    "  {\"source\",\"sha256\",\"indication\",\"sub_indication\",\"codes\":[...],\"cufe\",\"ms\"}\n"
    "Inputs: files and directory trees (PATH, walked recursively), '-' for a list of paths on\n"
    "standard input (one per line), --ndjson for a stream of {\"source\":..,\"base64\":..} lines.\n"
    "An unreadable, empty, oversized or non-XML input gets a failing line with a BATCH-* code.\n"
    "\n"
    "Options:\n"
    "  --trust FILE          trust anchors (PEM bundle or DER); repeatable\n"
    "  --trust-dir DIR       trust every certificate file of DIR; repeatable\n"
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
    "  --progress WHEN       auto (on a terminal), always or never; progress goes to stderr\n"
    "  --max-size BYTES      larger inputs fail with BATCH-TOO-LARGE (suffix K, M or G; default 64M)\n"
    "  --time-budget MS      wall-clock budget per input (default 10000, 0 = none): the signature\n"
    "                        checks stop at their next step and the input gets\n"
    "                        BATCH-TIME-BUDGET-EXCEEDED, never TOTAL_PASSED\n"
    "  --ndjson FILE         read base64 documents from FILE ('-' for standard input)\n"
    "  -h, --help            show this help\n"
    "\n"
    "A summary (counts per indication, most frequent codes, throughput) goes to stderr.\n"
    "\n"
    "Exit codes: 0 all passed, 1 some TOTAL_FAILED, 2 some INDETERMINATE and none failed,\n"
    "64 usage error, 74 I/O error on the results file.\n"
    "\n";

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

// Writes results and keeps the counts for progress, summary and the exit code.
class CliSink final : public batch::Sink {
public:
    CliSink(batch::NdjsonFileSink& out, const batch::ResumeState& resume, bool progress, std::optional<std::size_t> total)
        : m_out(out), m_resume(resume), m_progress(progress), m_total(total), m_start(std::chrono::steady_clock::now()) {}

    istmo::Result<void> write(const batch::DocumentResult& result) override {
        auto written = m_out.write(result);
        if (!written) return written;
        // Validated although recorded: its content changed (or it could not be matched); the
        // file now has two lines for it until compact_results keeps the new one.
        if (m_resume.find(result.source) != nullptr) ++replaced;
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
        if (m_progress && m_printed) std::fputs("\n", stderr);
    }
    std::size_t failed = 0, indeterminate = 0, passed = 0;
    std::size_t replaced = 0;  // recorded sources validated again

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
    std::optional<std::size_t> m_total;
    std::chrono::steady_clock::time_point m_start, m_last{};
    std::size_t m_done = 0, m_resumed = 0;
    bool m_printed = false;
};

int cmd_validate(std::span<const std::string> argv) {
    const ArgParser parser({{"trust", '\0', true, true},
                            {"trust-dir", '\0', true, true},
                            {"at", '\0', true, false},
                            {"profile", '\0', true, false},
                            {"jobs", 'j', true, false},
                            {"out", 'o', true, false},
                            {"resume", '\0', false, false},
                            {"progress", '\0', true, false},
                            {"max-size", '\0', true, false},
                            {"time-budget", '\0', true, false},
                            {"legacy", '\0', false, false},
                            {"ndjson", '\0', true, false}});
    ParseOutcome parsed = parser.parse(argv);
    if (!parsed.error.empty()) return usage_error("batch validate: " + parsed.error, batch_usage);
    const ParsedArgs& args = parsed.args;
    if (args.help()) {
        std::cout << batch_help;
        return exit_ok;
    }
    if (args.positionals().empty() && !args.has("ndjson"))
        return usage_error("batch validate: no input (PATH, - or --ndjson)", batch_usage);

    batch::Options options;
    if (auto p = args.value("profile")) {
        auto profile = batch::parse_profile(*p);
        if (!profile) return usage_error("batch validate: unknown profile '" + *p + "'", batch_usage);
        options.profile = *profile;
    }
    if (auto j = args.value("jobs")) {
        auto n = parse_size(*j);
        if (!n || *n == 0 || *n > 4096 || (*j)[j->size() - 1] < '0' || (*j)[j->size() - 1] > '9')
            return usage_error("batch validate: --jobs needs a number from 1 to 4096", batch_usage);
        options.jobs = static_cast<unsigned>(*n);
    }
    if (auto m = args.value("max-size")) {
        auto n = parse_size(*m);
        if (!n || *n == 0) return usage_error("batch validate: --max-size '" + *m + "' is not a size", batch_usage);
        options.max_size = *n;
    }
    if (auto t = args.value("time-budget")) {
        auto n = parse_size(*t);
        if (!n || t->find_first_not_of("0123456789") != std::string::npos || *n > 86'400'000)
            return usage_error("batch validate: --time-budget needs milliseconds from 0 to 86400000", batch_usage);
        options.time_budget = std::chrono::milliseconds(static_cast<std::int64_t>(*n));
    }
    const std::string progress_mode = args.value("progress").value_or("auto");
    if (progress_mode != "auto" && progress_mode != "always" && progress_mode != "never")
        return usage_error("batch validate: --progress must be auto, always or never", batch_usage);
    options.legacy = args.has("legacy");
    if (auto at = args.value("at")) {
        auto time = parse_rfc3339(*at);
        if (!time) return usage_error("batch validate: --at '" + *at + "' is not an RFC 3339 time", batch_usage);
        options.verify.validation_time = *time;
    }
    for (const auto& file : args.values("trust")) {
        auto added = options.verify.trust.add_file(file);
        if (!added) return report_error("cannot load trust anchors '" + file + "'", added.error());
    }
    for (const auto& d : args.values("trust-dir")) {
        auto added = options.verify.trust.add_directory(d);
        if (!added) return report_error("cannot load trust anchors from '" + d + "'", added.error());
    }
    const std::string out_path = args.value("out").value_or("");
    const bool resume = args.has("resume");
    if (resume && (out_path.empty() || out_path == "-"))
        return usage_error("batch validate: --resume needs --out FILE", batch_usage);

    int stdin_users = 0;
    for (const auto& p : args.positionals()) stdin_users += p == "-" ? 1 : 0;
    if (args.value("ndjson") == std::optional<std::string>("-")) ++stdin_users;
    if (stdin_users > 1) return usage_error("batch validate: standard input can be used once", batch_usage);
    // std::cin is read line by line by the sources: synchronized with stdio, every character
    // is a locked getc/ungetc pair (a 7 KB NDJSON line: thousands). Nothing was read or
    // written on the standard streams yet.
    if (stdin_users != 0) std::ios::sync_with_stdio(false);

    batch::ResumeState resume_state;
    if (resume) {
        auto prepared = batch::prepare_resume(out_path);
        if (!prepared) {
            print_error("batch validate: " + prepared.error().to_string());
            return exit_io;
        }
        resume_state = std::move(*prepared);
        if (resume_state.dropped != 0)
            std::cerr << "istmo: batch validate: removed " << resume_state.dropped
                      << " incomplete line(s) from the results file\n";
        if (resume_state.duplicates != 0)
            std::cerr << "istmo: batch validate: removed " << resume_state.duplicates
                      << " older duplicate line(s) from the results file\n";
        options.already_done = [&resume_state](const std::string& source, const std::string& sha) {
            return resume_state.contains(source, sha);
        };
    }
    auto sink = batch::NdjsonFileSink::open(out_path, resume);
    if (!sink) {
        print_error("batch validate: " + sink.error().to_string());
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
                print_error("batch validate: cannot open '" + *nd + "'");
                return exit_no_input;
            }
            sources.push_back(batch::ndjson_source(*file, *nd, ndjson_line_limit));
            ndjson_file = std::move(file);
        }
    }
    auto source = batch::concat_sources(std::move(sources));

    const bool progress = progress_mode == "always" || (progress_mode == "auto" && ::isatty(STDERR_FILENO) == 1);
    const std::optional<std::size_t> total = progress ? source->count() : std::nullopt;
    CliSink cli_sink(**sink, resume_state, progress, total);
    const batch::Validator validator(std::move(options));
    auto summary = validator.run(*source, cli_sink);
    cli_sink.finish_progress();
    if (!summary) {
        print_error("batch validate: " + summary.error().to_string());
        return summary.error().code == istmo::Errc::internal ? exit_internal : exit_io;
    }
    if (auto synced = (*sink)->sync(); !synced) {
        print_error("batch validate: " + synced.error().to_string());
        return exit_io;
    }
    if (resume && cli_sink.replaced != 0) {
        // Inputs whose content changed were appended after their old lines: keep the new ones.
        // Until this is done (a kill now), the last line of each source is the valid one, and
        // the next --resume compacts the file first.
        sink->reset();
        auto compacted = batch::compact_results(out_path);
        if (!compacted) {
            print_error("batch validate: " + compacted.error().to_string());
            return exit_io;
        }
        std::cerr << "istmo: batch validate: replaced " << compacted->duplicates
                  << " stale line(s) of input(s) whose content changed\n";
    }

    const auto& s = *summary;
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.2f s, %.0f documents/s", s.seconds,
                  s.seconds > 0 ? static_cast<double>(s.validated()) / s.seconds : 0.0);
    std::cerr << "istmo batch: " << s.total << " input(s), " << s.validated() << " validated";
    if (s.skipped) std::cerr << ", " << s.skipped << " already recorded";
    std::cerr << " in " << rate << "\n"
              << "  TOTAL_PASSED " << cli_sink.passed << ", TOTAL_FAILED " << cli_sink.failed << ", INDETERMINATE "
              << cli_sink.indeterminate << "\n";
    const auto top = s.top_codes(5);
    if (!top.empty()) {
        std::cerr << "  most frequent codes:";
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
        if (argv.empty()) return usage_error("batch: missing subcommand", batch_usage);
        std::cout << batch_help;
        return exit_ok;
    }
    if (argv.front() == "validate") return cmd_validate(argv.subspan(1));
    return usage_error("batch: unknown subcommand '" + argv.front() + "'", batch_usage);
}

}  // namespace istmo_cli
