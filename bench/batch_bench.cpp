// Batch validation (istmo::batch::Validator::run) on signed Panama invoices.
//
// Without a mode, Google Benchmark runs:
//   BM_BatchValidate/panama-fe/jobs:N   full invoice validation (structure, arithmetic, CUFE,
//                                       signature, certificate path) on N worker threads
//   BM_BatchValidate/xmldsig/jobs:N     the same documents, signature only
//   BM_BatchVsXmlsec/istmo-batch        batch, xmldsig profile, 1 thread, over the "chain" corpus
//   BM_BatchVsXmlsec/xmlsec-loop        libxmlsec1 verifying the same documents in a loop
//       items_per_second = documents per second (wall clock: UseRealTime)
//
// Modes (first argument):
//   scaling [--profile panama-fe|xmldsig|both] [--rounds R] [--min-time S]
//       docs/s at 1 and 2 worker threads (rounds alternate 1, 2, 1, 2 ...; medians), their
//       ratio, CPU time per document and context switches per document, and the load average.
//   vs-xmlsec [--rounds R] [--min-time S]
//       batch xmldsig at 1 thread vs libxmlsec1 verify of the same documents in a loop, same
//       process, same trust (ca.cert.pem the only anchor; see below): docs/s and CPU us/doc.
//   generate-ndjson N [--pool P]
//       N signed invoices as NDJSON lines {"source":"inv-0000001.xml","base64":"..."} on stdout
//       (P distinct invoices, default 1000, repeated under distinct sources; P = N: all distinct).
//   rss COMMAND [ARG]...
//       runs COMMAND and prints its peak RSS (wait4 ru_maxrss) to stderr; exits with its status.
//   (bench/batch_memory.sh uses the last two: peak RSS of `istmo batch validate` for N = 10,000
//   and 100,000.)
//
// The corpora: 1,000 distinct invoices made from test-vectors/panama-fe/json/01-factura.json
// (distinct dNroDF, hence CUFE), ~2.9 KB unsigned.
//   panama-fe: signed with the panama-fe profile by test-vectors/pki/rsa2048 (the leaf in
//     KeyInfo), gNoFirm/dQRCode appended: ~5.7 KB. Trust: chain.pem (root + intermediate).
//   xmldsig: the same without gNoFirm (outside the signature), ~5.1 KB. Trust: chain.pem.
//   chain (vs-xmlsec): signed by dsig::Signer (enveloped, exc-c14n, rsa-sha256, X509Data = leaf +
//     intermediate), ~6.6 KB. istmo trusts ca.cert.pem only; libxmlsec1's keys manager trusts
//     ca.cert.pem and knows intermediate.cert.pem as untrusted (bench/xmlsec_baseline.cpp):
//     both anchor the path at the root and build it through the intermediate.
// Held in memory: the runs measure validation and the worker pool, not the disk. One Validator
// per configuration, built once and warmed up (its per-worker certificate-path caches are warm).
#include "bench_common.hpp"
#include "cpu_clock.hpp"

#include <istmo/batch/batch.hpp>
#include <istmo/crypto/keys.hpp>
#include <istmo/dsig/sign.hpp>
#include <istmo/invoice/panama.hpp>

#include <benchmark/benchmark.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

namespace batch = istmo::batch;
namespace pa = istmo::invoice::panama;

constexpr int k_documents = 1000;

using istmo::bench::read_text;
using istmo::bench::process_cpu_seconds;

std::string vectors(const std::string& relative) { return istmo::bench::vectors_file(relative); }

[[noreturn]] void die(const std::string& what) { istmo::bench::die("batch_bench", what); }

enum class Kind { panama_qr, panama_plain, chain };

// Invoice i (distinct dNroDF, hence CUFE), as rFE XML.
std::string unsigned_invoice(int i) {
    static const std::string json = read_text(vectors("panama-fe/json/01-factura.json"));
    static const std::string from = "\"dNroDF\": \"0000000001\"";
    std::string text = json;
    char number[32];
    std::snprintf(number, sizeof number, "\"dNroDF\": \"%010d\"", i + 1);
    const auto pos = text.find(from);
    if (pos == std::string::npos) die("01-factura.json has no dNroDF 0000000001");
    text.replace(pos, from.size(), number);
    auto inv = pa::from_json(text);
    if (!inv) die(inv.error().to_string());
    return pa::to_xml(*inv);
}

std::vector<std::string> make_corpus(Kind kind, int count) {
    auto key = istmo::crypto::PrivateKey::from_file(vectors("pki/rsa2048.key.pem"));
    auto cert = istmo::crypto::Certificate::from_file(vectors("pki/rsa2048.cert.pem"));
    auto intermediate = istmo::crypto::Certificate::from_file(vectors("pki/intermediate.cert.pem"));
    if (!key || !cert || !intermediate) die("cannot load the test PKI");
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(count));
    if (kind == Kind::chain) {
        istmo::dsig::SignOptions options;
        options.algorithm = istmo::dsig::SignatureAlgorithm::rsa_sha256;
        auto signer = istmo::dsig::Signer::create(std::move(*key), std::move(*cert), {*intermediate}, options);
        if (!signer) die(signer.error().to_string());
        for (int i = 0; i < count; ++i) {
            auto signed_xml = signer->sign(unsigned_invoice(i));
            if (!signed_xml) die(signed_xml.error().to_string());
            out.push_back(std::move(*signed_xml));
        }
        return out;
    }
    auto signer = pa::make_signer(std::move(*key), std::move(*cert));
    if (!signer) die(signer.error().to_string());
    for (int i = 0; i < count; ++i) {
        // gNoFirm/dQRCode is appended after signing (as rFE requires); the xmldsig profile needs
        // the documents without it (it is outside the signature; panama-fe removes it first).
        pa::QrOptions qr;
        if (kind == Kind::panama_qr) qr.secret = istmo::crypto::Secret("istmo-test-qr-secret");
        auto signed_xml = pa::sign(*signer, unsigned_invoice(i), qr);
        if (!signed_xml) die(signed_xml.error().to_string());
        out.push_back(std::move(*signed_xml));
    }
    return out;
}

const std::vector<std::string>& corpus(Kind kind) {
    static std::map<Kind, std::vector<std::string>> made;
    auto it = made.find(kind);
    if (it == made.end()) it = made.emplace(kind, make_corpus(kind, k_documents)).first;
    return it->second;
}

std::size_t average_size(const std::vector<std::string>& docs) {
    std::size_t bytes = 0;
    for (const auto& d : docs) bytes += d.size();
    return docs.empty() ? 0 : bytes / docs.size();
}

// The documents, `passes` times over, each under its own source label.
class MemorySource final : public batch::Source {
public:
    MemorySource(const std::vector<std::string>& docs, std::size_t passes) : m_docs(docs), m_total(docs.size() * passes) {}
    std::optional<batch::Input> next() override {
        if (m_next == m_total) return std::nullopt;
        const std::size_t i = m_next++;
        return batch::Input{"doc-" + std::to_string(i), m_docs[i % m_docs.size()], {}, {}};
    }

private:
    const std::vector<std::string>& m_docs;
    std::size_t m_total;
    std::size_t m_next = 0;
};

class CountingSink final : public batch::Sink {
public:
    istmo::Result<void> write(const batch::DocumentResult& r) override {
        ++written;
        if (r.indication != istmo::report::Indication::total_passed) {
            if (failures == 0) first_failure = r.to_ndjson();
            ++failures;
        }
        return {};
    }
    std::size_t written = 0;
    std::size_t failures = 0;
    std::string first_failure;
};

batch::Options options_for(batch::Profile profile, unsigned jobs, const std::string& trust_file) {
    batch::Options options;
    options.profile = profile;
    options.jobs = jobs;
    if (!options.verify.trust.add_file(trust_file)) die("cannot load " + trust_file);
    return options;
}

// ---- Google Benchmark ---------------------------------------------------------------------------

void BM_BatchValidate(benchmark::State& state, batch::Profile profile) {
    const auto& docs = corpus(profile == batch::Profile::panama_fe ? Kind::panama_qr : Kind::panama_plain);
    const batch::Validator validator(
        options_for(profile, static_cast<unsigned>(state.range(0)), vectors("pki/chain.pem")));
    for (auto _ : state) {
        MemorySource source(docs, 1);
        CountingSink sink;
        auto summary = validator.run(source, sink);
        if (!summary || sink.failures != 0 || sink.written != docs.size()) {
            state.SkipWithError("a document did not pass");
            return;
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(docs.size()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(docs.size() * average_size(docs)));
    state.SetLabel(std::to_string(docs.size()) + " docs, " + std::to_string(average_size(docs)) + " B avg signed");
}

void BM_BatchVsXmlsec_istmo(benchmark::State& state) {
    const auto& docs = corpus(Kind::chain);
    const batch::Validator validator(options_for(batch::Profile::xmldsig, 1, vectors("pki/ca.cert.pem")));
    for (auto _ : state) {
        MemorySource source(docs, 1);
        CountingSink sink;
        auto summary = validator.run(source, sink);
        if (!summary || sink.failures != 0) {
            state.SkipWithError(("istmo did not pass a document: " + sink.first_failure).c_str());
            return;
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(docs.size()));
    state.SetLabel(std::to_string(docs.size()) + " docs, " + std::to_string(average_size(docs)) + " B avg");
}

void BM_BatchVsXmlsec_xmlsec(benchmark::State& state) {
    const auto& docs = corpus(Kind::chain);
    std::string why;
    for (auto _ : state) {
        for (const auto& d : docs) {
            if (!istmo::bench::xmlsec_verify_once(d, why)) {
                state.SkipWithError(("libxmlsec1 did not verify a document: " + why).c_str());
                return;
            }
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(docs.size()));
    state.SetLabel(std::to_string(docs.size()) + " docs, " + std::to_string(average_size(docs)) + " B avg");
}

BENCHMARK_CAPTURE(BM_BatchValidate, panama-fe, batch::Profile::panama_fe)
    ->ArgName("jobs")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BatchValidate, xmldsig, batch::Profile::xmldsig)
    ->ArgName("jobs")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BatchVsXmlsec_istmo)->Name("BM_BatchVsXmlsec/istmo-batch/jobs:1")->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BatchVsXmlsec_xmlsec)->Name("BM_BatchVsXmlsec/xmlsec-loop")->UseRealTime()->Unit(benchmark::kMillisecond);

// ---- measurements outside Google Benchmark -----------------------------------------------------

struct Sample {
    double wall = 0;      // seconds
    double cpu = 0;       // seconds of process CPU time (all threads)
    long switches = 0;    // voluntary + involuntary context switches
    std::size_t docs = 0;
    [[nodiscard]] double rate() const { return wall > 0 ? static_cast<double>(docs) / wall : 0; }
    [[nodiscard]] double cpu_us_per_doc() const { return docs ? cpu * 1e6 / static_cast<double>(docs) : 0; }
    [[nodiscard]] double switches_per_doc() const { return docs ? static_cast<double>(switches) / static_cast<double>(docs) : 0; }
};

long context_switches() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_nvcsw + usage.ru_nivcsw;
}

template <class Body>
Sample measure(std::size_t docs, Body&& body) {
    Sample s;
    const long switches = context_switches();
    const double cpu = process_cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    body();
    s.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    s.cpu = process_cpu_seconds() - cpu;
    s.switches = context_switches() - switches;
    s.docs = docs;
    return s;
}

Sample batch_sample(const batch::Validator& validator, const std::vector<std::string>& docs, std::size_t passes) {
    CountingSink sink;
    const Sample s = measure(docs.size() * passes, [&] {
        MemorySource source(docs, passes);
        auto summary = validator.run(source, sink);
        if (!summary) die(summary.error().to_string());
    });
    if (sink.failures != 0 || sink.written != docs.size() * passes)
        die("a document did not pass: " + sink.first_failure);
    return s;
}

Sample xmlsec_sample(const std::vector<std::string>& docs, std::size_t passes) {
    std::string why;
    return measure(docs.size() * passes, [&] {
        for (std::size_t p = 0; p < passes; ++p)
            for (const auto& d : docs)
                if (!istmo::bench::xmlsec_verify_once(d, why)) die("libxmlsec1 did not verify a document: " + why);
    });
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string load_average() {
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) != 3) return "unknown";
    char text[64];
    std::snprintf(text, sizeof text, "%.2f %.2f %.2f", load[0], load[1], load[2]);
    return text;
}

// Passes over the corpus so that one measurement takes about min_time seconds.
std::size_t passes_for(double seconds_per_pass, double min_time) {
    if (seconds_per_pass <= 0) return 1;
    return std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(min_time / seconds_per_pass)));
}

struct Args {
    std::map<std::string, std::string> named;
    std::vector<std::string> positional;
};

Args parse_args(int argc, char** argv, int first) {
    Args a;
    for (int i = first; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--", 0) == 0) {
            if (i + 1 >= argc) die("missing value for " + arg);
            a.named[arg.substr(2)] = argv[++i];
        } else {
            a.positional.push_back(arg);
        }
    }
    return a;
}

double number(const Args& a, const std::string& name, double fallback) {
    auto it = a.named.find(name);
    if (it == a.named.end()) return fallback;
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    if (end == it->second.c_str() || *end != '\0' || v <= 0) die("--" + name + " needs a positive number");
    return v;
}

void print_sample_row(const char* label, unsigned jobs, const std::vector<Sample>& samples) {
    std::vector<double> rates, cpu, switches;
    for (const auto& s : samples) {
        rates.push_back(s.rate());
        cpu.push_back(s.cpu_us_per_doc());
        switches.push_back(s.switches_per_doc());
    }
    std::printf("%-10s %4u %12.0f %12.0f %12.1f %14.3f\n", label, jobs, median(rates),
                *std::max_element(rates.begin(), rates.end()), median(cpu), median(switches));
}

int scaling(const Args& args) {
    const int rounds = static_cast<int>(number(args, "rounds", 5));
    const double min_time = number(args, "min-time", 1.0);
    const std::string which = args.named.count("profile") ? args.named.at("profile") : "both";
    if (which != "both" && which != "panama-fe" && which != "xmldsig") die("--profile panama-fe|xmldsig|both");
    std::printf("batch scaling, 1 vs 2 worker threads: %d rounds alternating 1,2,1,2..., ~%.1f s each; %ld CPUs online\n",
                rounds, min_time, sysconf(_SC_NPROCESSORS_ONLN));
    std::printf("load average at start: %s\n", load_average().c_str());
    std::printf("%-10s %4s %12s %12s %12s %14s\n", "profile", "jobs", "docs/s(med)", "docs/s(best)", "CPU us/doc",
                "ctx-sw/doc");
    std::vector<std::string> summaries;
    for (const auto profile : {batch::Profile::panama_fe, batch::Profile::xmldsig}) {
        const std::string name(batch::to_string(profile));
        if (which != "both" && which != name) continue;
        const auto& docs = corpus(profile == batch::Profile::panama_fe ? Kind::panama_qr : Kind::panama_plain);
        const batch::Validator one(options_for(profile, 1, vectors("pki/chain.pem")));
        const batch::Validator two(options_for(profile, 2, vectors("pki/chain.pem")));
        // Warm-up (per-worker caches, allocator) and the size of one measurement.
        const Sample warm = batch_sample(one, docs, 1);
        batch_sample(two, docs, 1);
        const std::size_t passes = passes_for(warm.wall, min_time);
        std::vector<Sample> s1, s2;
        std::vector<double> ratios;
        for (int r = 0; r < rounds; ++r) {
            s1.push_back(batch_sample(one, docs, passes));
            s2.push_back(batch_sample(two, docs, passes));
            ratios.push_back(s2.back().rate() / s1.back().rate());
        }
        print_sample_row(name.c_str(), 1, s1);
        print_sample_row(name.c_str(), 2, s2);
        std::vector<double> r1, r2, c1, c2;
        for (const auto& s : s1) r1.push_back(s.rate()), c1.push_back(s.cpu_us_per_doc());
        for (const auto& s : s2) r2.push_back(s.rate()), c2.push_back(s.cpu_us_per_doc());
        const double cpu_ratio = median(c2) / median(c1);
        char line[320];
        std::snprintf(line, sizeof line,
                      "%s: 2 threads / 1 thread = %.2fx (medians; median of per-round ratios %.2fx); CPU per document "
                      "2 vs 1 thread %.3fx, i.e. %.2fx if both cores were free for it",
                      name.c_str(), median(r2) / median(r1), median(ratios), cpu_ratio, 2.0 / cpu_ratio);
        summaries.push_back(line);
    }
    for (const auto& s : summaries) std::printf("%s\n", s.c_str());
    std::printf("load average at end: %s\n", load_average().c_str());
    return 0;
}

int vs_xmlsec(const Args& args) {
    const int rounds = static_cast<int>(number(args, "rounds", 3));
    const double min_time = number(args, "min-time", 1.0);
    const auto& docs = corpus(Kind::chain);
    const batch::Validator validator(options_for(batch::Profile::xmldsig, 1, vectors("pki/ca.cert.pem")));
    // Both must accept every document before anything is timed.
    const Sample warm_istmo = batch_sample(validator, docs, 1);
    const Sample warm_xmlsec = xmlsec_sample(docs, 1);
    const std::size_t istmo_passes = passes_for(warm_istmo.wall, min_time);
    const std::size_t xmlsec_passes = passes_for(warm_xmlsec.wall, min_time);
    std::printf("xmldsig, 1 thread: istmo batch (Validator::run, profile xmldsig) vs libxmlsec1 verify in a loop, same "
                "process, same %zu documents (%zu B avg; leaf + intermediate in X509Data; anchor ca.cert.pem)\n",
                docs.size(), average_size(docs));
    std::printf("load average at start: %s\n", load_average().c_str());
    std::vector<Sample> istmo, xmlsec;
    for (int r = 0; r < rounds; ++r) {
        istmo.push_back(batch_sample(validator, docs, istmo_passes));
        xmlsec.push_back(xmlsec_sample(docs, xmlsec_passes));
    }
    std::printf("%-10s %4s %12s %12s %12s %14s\n", "impl", "jobs", "docs/s(med)", "docs/s(best)", "CPU us/doc",
                "ctx-sw/doc");
    print_sample_row("istmo", 1, istmo);
    print_sample_row("xmlsec", 1, xmlsec);
    std::vector<double> ri, rx, ci, cx;
    for (const auto& s : istmo) ri.push_back(s.rate()), ci.push_back(s.cpu_us_per_doc());
    for (const auto& s : xmlsec) rx.push_back(s.rate()), cx.push_back(s.cpu_us_per_doc());
    std::printf("istmo batch / libxmlsec1: %.2fx docs/s (wall, medians), %.2fx by CPU time per document\n",
                median(ri) / median(rx), median(cx) / median(ci));
    std::printf("load average at end: %s\n", load_average().c_str());
    return 0;
}

std::string base64(const std::string& data) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < data.size(); i += 3) {
        const auto b0 = static_cast<unsigned char>(data[i]);
        const unsigned b1 = i + 1 < data.size() ? static_cast<unsigned char>(data[i + 1]) : 0u;
        const unsigned b2 = i + 2 < data.size() ? static_cast<unsigned char>(data[i + 2]) : 0u;
        const unsigned v = (static_cast<unsigned>(b0) << 16) | (b1 << 8) | b2;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += i + 1 < data.size() ? alphabet[(v >> 6) & 63] : '=';
        out += i + 2 < data.size() ? alphabet[v & 63] : '=';
    }
    return out;
}

int generate_ndjson(const Args& args) {
    if (args.positional.size() != 1) die("usage: istmo_batch_bench generate-ndjson N [--pool P]");
    const double n_value = std::strtod(args.positional[0].c_str(), nullptr);
    if (!(n_value >= 1)) die("N must be a positive number");
    const auto n = static_cast<std::size_t>(n_value);
    const auto pool_size = std::min(n, static_cast<std::size_t>(number(args, "pool", 1000)));
    const auto pool = make_corpus(Kind::panama_qr, static_cast<int>(pool_size));
    std::vector<std::string> encoded;
    encoded.reserve(pool.size());
    for (const auto& d : pool) encoded.push_back(base64(d));
    std::string line;
    for (std::size_t i = 0; i < n; ++i) {
        char source[64];
        std::snprintf(source, sizeof source, "{\"source\":\"inv-%07zu.xml\",\"base64\":\"", i + 1);
        line.assign(source);
        line += encoded[i % encoded.size()];
        line += "\"}\n";
        if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size()) return 1;  // reader gone
    }
    return std::fflush(stdout) == 0 ? 0 : 1;
}

int rss(int argc, char** argv, int first) {
    if (first < argc && std::strcmp(argv[first], "--") == 0) ++first;
    if (first >= argc) die("usage: istmo_batch_bench rss COMMAND [ARG]...");
    std::fflush(nullptr);
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid < 0) die("fork failed");
    if (pid == 0) {
        execvp(argv[first], argv + first);
        std::fprintf(stderr, "batch_bench: cannot run %s: %s\n", argv[first], std::strerror(errno));
        _exit(127);
    }
    int status = 0;
    rusage usage{};
    if (wait4(pid, &status, 0, &usage) != pid) die("wait4 failed");
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::fprintf(stderr, "rss: peak_rss_kb=%ld exit=%d wall_s=%.2f user_s=%.2f sys_s=%.2f\n", usage.ru_maxrss, code, wall,
                 static_cast<double>(usage.ru_utime.tv_sec) + static_cast<double>(usage.ru_utime.tv_usec) * 1e-6,
                 static_cast<double>(usage.ru_stime.tv_sec) + static_cast<double>(usage.ru_stime.tv_usec) * 1e-6);
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 2) {
        const std::string mode = argv[1];
        if (mode == "scaling") return scaling(parse_args(argc, argv, 2));
        if (mode == "vs-xmlsec") return vs_xmlsec(parse_args(argc, argv, 2));
        if (mode == "generate-ndjson") return generate_ndjson(parse_args(argc, argv, 2));
        if (mode == "rss") return rss(argc, argv, 2);
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
