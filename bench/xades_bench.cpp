// XAdES-B-B cost over plain XMLDSig on the 3 KB invoice (bench/document_generator), keys from
// test-vectors/pki. Benchmark names:
//   BM_XadesSign/istmo/<key>/3KB        xades::Signer::sign (B-B), Signer created once
//   BM_DsigSign/istmo/<key>/3KB         dsig::Signer::sign with the same dsig::SignOptions
//   BM_XadesValidate/istmo/<key>/3KB    xades::Verifier::verify of the B-B document
//   BM_DsigVerify/istmo/<key>/3KB       dsig::Verifier::verify of the plain document
//   BM_DsigVerifyBB/istmo/<key>/3KB     dsig::Verifier::verify of the B-B document: the XMLDSig
//                                       core share of the validation (both references, no
//                                       XAdES rules), to split validate(B-B) - verify(plain)
// Both verifiers get the same dsig::VerifyOptions (trust = ca.cert.pem, default limits) and are
// reused across iterations (warm certificate and path caches, as in istmo_bench).
//
// After the benchmarks, the program prints validate(B-B) / verify(plain) per key twice: from
// the benchmark results above, and from a paired measurement that alternates short blocks of
// the two operations and compares their thread CPU times (median of the rounds). The paired
// number is the one to quote on a shared machine: both sides see the same load.
//
//   build-xades-bench/bench/istmo_xades_bench [--benchmark_min_time=0.5] [--ratio_rounds=21]
#include "bench_common.hpp"
#include "cpu_clock.hpp"

#include <istmo/crypto/keys.hpp>
#include <istmo/dsig/sign.hpp>
#include <istmo/dsig/verify.hpp>
#include <istmo/xades/xades.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

using istmo::bench::KeySpec;
using istmo::bench::thread_cpu_seconds;

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "istmo_xades_bench: %s\n", message.c_str());
    std::exit(2);
}

template <class T>
T need(istmo::Result<T> result, const std::string& what) {
    if (!result) die(what + ": " + result.error().to_string());
    return std::move(result).value();
}

istmo::dsig::VerifyOptions dsig_verify_options() {
    istmo::dsig::VerifyOptions options;
    auto added = options.trust.add_file(istmo::bench::pki_file("ca.cert.pem"));
    if (!added) die("cannot load ca.cert.pem: " + added.error().to_string());
    return options;
}

// One key: both signers, both signed documents, both verifiers.
struct Case {
    const KeySpec* key = nullptr;
    std::optional<istmo::xades::Signer> xades_signer;
    std::optional<istmo::dsig::Signer> dsig_signer;
    std::optional<istmo::xades::Verifier> xades_verifier;
    std::optional<istmo::dsig::Verifier> dsig_verifier;
    std::string xades_signed;
    std::string plain_signed;
};

const std::string& unsigned_document() {
    static const std::string xml = istmo::bench::make_invoice(istmo::bench::items_for_size(3000));
    return xml;
}

// ---- benchmark bodies ----------------------------------------------------------------------

template <class SignerT>
void sign_body(benchmark::State& state, const SignerT& signer) {
    const std::string& xml = unsigned_document();
    for (auto _ : state) {
        auto out = signer.sign(xml);
        if (!out) {
            state.SkipWithError(out.error().to_string().c_str());
            break;
        }
        benchmark::DoNotOptimize(out->data());
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(xml.size()));
    state.counters["doc_bytes"] = static_cast<double>(xml.size());
}

template <class VerifierT>
void verify_body(benchmark::State& state, const VerifierT& verifier, const std::string& signed_xml) {
    for (auto _ : state) {
        auto report = verifier.verify(signed_xml);
        if (!report || !report->passed()) {
            state.SkipWithError(report ? ("did not pass: " + report->to_text()).c_str() : report.error().to_string().c_str());
            break;
        }
        benchmark::DoNotOptimize(report->signatures.data());
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(signed_xml.size()));
    state.counters["doc_bytes"] = static_cast<double>(signed_xml.size());
}

// ---- ratio from the benchmark results ------------------------------------------------------

// Prints like the console reporter and keeps, per benchmark name, the CPU time per iteration
// of each repetition (or the median aggregate when only aggregates are reported).
class RecordingReporter final : public benchmark::ConsoleReporter {
public:
    RecordingReporter() : benchmark::ConsoleReporter(OO_Tabular) {}

    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& run : runs) {
            const std::string name = run.run_name.function_name;
            if (run.error_occurred) {
                m_failed.push_back(name);
                continue;
            }
            if (run.run_type == Run::RT_Iteration) m_times[name].push_back(run.GetAdjustedCPUTime());
            else if (run.aggregate_name == "median") m_medians[name] = run.GetAdjustedCPUTime();
        }
        benchmark::ConsoleReporter::ReportRuns(runs);
    }

    // Median CPU µs per iteration, or nullopt when the benchmark did not run (filtered out).
    [[nodiscard]] std::optional<double> cpu_us(const std::string& name) const {
        auto it = m_times.find(name);
        if (it != m_times.end() && !it->second.empty()) {
            std::vector<double> v = it->second;
            std::sort(v.begin(), v.end());
            return v[v.size() / 2];
        }
        auto m = m_medians.find(name);
        if (m != m_medians.end()) return m->second;
        return std::nullopt;
    }
    [[nodiscard]] const std::vector<std::string>& failed() const { return m_failed; }

private:
    std::map<std::string, std::vector<double>> m_times;
    std::map<std::string, double> m_medians;
    std::vector<std::string> m_failed;
};

// ---- paired measurement --------------------------------------------------------------------

template <class VerifierT>
double block_cpu_us(const VerifierT& verifier, const std::string& xml, int operations) {
    const double start = thread_cpu_seconds();
    for (int i = 0; i < operations; ++i) {
        auto report = verifier.verify(xml);
        if (!report || !report->passed()) die("a verification in the paired measurement did not pass");
        benchmark::DoNotOptimize(report->signatures.data());
    }
    return (thread_cpu_seconds() - start) * 1e6 / operations;
}

struct Paired {
    double xades_us = 0;  // xades::Verifier, B-B document
    double plain_us = 0;  // dsig::Verifier, plain document
    double core_us = 0;   // dsig::Verifier, B-B document
    double ratio = 0;     // median of the per-round ratios xades / plain
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Rounds of one block of each operation, in an order that rotates every round.
Paired paired_ratio(const Case& c, int rounds, int operations) {
    std::vector<double> ratios, xades, plain, core;
    auto run = [&](int which) {
        switch (which) {
            case 0: return block_cpu_us(*c.xades_verifier, c.xades_signed, operations);
            case 1: return block_cpu_us(*c.dsig_verifier, c.plain_signed, operations);
            default: return block_cpu_us(*c.dsig_verifier, c.xades_signed, operations);
        }
    };
    for (int which = 0; which < 3; ++which) run(which);  // warm-up
    for (int r = 0; r < rounds; ++r) {
        double t[3] = {0, 0, 0};
        for (int k = 0; k < 3; ++k) {
            const int which = (r + k) % 3;
            t[which] = run(which);
        }
        xades.push_back(t[0]);
        plain.push_back(t[1]);
        core.push_back(t[2]);
        ratios.push_back(t[0] / t[1]);
    }
    return Paired{median(xades), median(plain), median(core), median(ratios)};
}

// --ratio_rounds=N (default 21; 0 skips the paired measurement) and --ratio_ops=N (default
// 200 verifications per block), removed from argv before Google Benchmark sees it.
void take_own_flags(int& argc, char** argv, int& rounds, int& operations) {
    int out = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--ratio_rounds=", 0) == 0) rounds = std::atoi(arg.c_str() + 15);
        else if (arg.rfind("--ratio_ops=", 0) == 0) operations = std::max(1, std::atoi(arg.c_str() + 12));
        else argv[out++] = argv[i];
    }
    argc = out;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace istmo;
    int rounds = 21;
    int operations = 200;
    take_own_flags(argc, argv, rounds, operations);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    const std::string& document = unsigned_document();
    const crypto::Certificate intermediate =
        need(crypto::Certificate::from_file(bench::pki_file("intermediate.cert.pem")), "intermediate.cert.pem");
    // A fixed signing time inside the test certificates' validity: the same bytes every run.
    const auto signing_time = std::chrono::sys_days{std::chrono::year{2026} / 1 / 15} + std::chrono::hours{10};

    std::vector<std::unique_ptr<Case>> cases;
    for (const KeySpec& key : bench::standard_keys()) {
        auto c = std::make_unique<Case>();
        c->key = &key;
        dsig::SignOptions dsig_options;
        dsig_options.algorithm = key.ecdsa ? dsig::SignatureAlgorithm::ecdsa_sha256 : dsig::SignatureAlgorithm::rsa_sha256;
        dsig_options.canonicalization = dsig::Canonicalization::exclusive;
        dsig_options.mode = dsig::SignMode::enveloped;
        dsig_options.include_chain = true;
        const crypto::PrivateKey private_key = need(crypto::PrivateKey::from_file(key.key_file), key.key_file);
        const crypto::Certificate certificate = need(crypto::Certificate::from_file(key.cert_file), key.cert_file);

        xades::SignOptions xades_options;
        xades_options.profile = xades::Profile::b_b;
        xades_options.dsig = dsig_options;
        xades_options.signing_time = std::chrono::system_clock::time_point(signing_time);
        c->xades_signer.emplace(need(xades::Signer::create(private_key, certificate, {intermediate}, xades_options),
                                     std::string("xades::Signer::create ") + key.label));
        c->dsig_signer.emplace(need(dsig::Signer::create(private_key, certificate, {intermediate}, dsig_options),
                                    std::string("dsig::Signer::create ") + key.label));
        c->xades_signed = need(c->xades_signer->sign(document), std::string("XAdES sign ") + key.label);
        c->plain_signed = need(c->dsig_signer->sign(document), std::string("plain sign ") + key.label);

        xades::VerifyOptions xades_verify;
        xades_verify.dsig = dsig_verify_options();
        c->xades_verifier.emplace(xades_verify);
        c->dsig_verifier.emplace(dsig_verify_options());

        // What is timed must be what we claim: B-B that passes, plain XMLDSig that passes.
        auto x = need(c->xades_verifier->verify(c->xades_signed), "XAdES validate");
        if (!x.passed() || x.signatures.size() != 1 || x.signatures[0].level != "B-B")
            die(std::string("the XAdES-B-B document does not validate as B-B: ") + x.to_text());
        auto p = need(c->dsig_verifier->verify(c->plain_signed), "plain verify");
        if (!p.passed() || p.signatures.size() != 1 || p.signatures[0].level != "XMLDSig")
            die(std::string("the plain document does not verify: ") + p.to_text());
        std::fprintf(stderr, "%-8s unsigned=%zu B  B-B=%zu B  plain=%zu B\n", key.label, document.size(),
                     c->xades_signed.size(), c->plain_signed.size());
        cases.push_back(std::move(c));
    }

    auto reg = [](const std::string& name, auto fn) {
        benchmark::RegisterBenchmark(name.c_str(), fn)->Unit(benchmark::kMicrosecond);
    };
    auto name = [](const char* op, const Case& c) { return std::string("BM_") + op + "/istmo/" + c.key->label + "/3KB"; };
    for (const auto& cp : cases) {
        const Case& c = *cp;
        reg(name("XadesValidate", c), [&c](benchmark::State& s) { verify_body(s, *c.xades_verifier, c.xades_signed); });
        reg(name("DsigVerify", c), [&c](benchmark::State& s) { verify_body(s, *c.dsig_verifier, c.plain_signed); });
        reg(name("DsigVerifyBB", c), [&c](benchmark::State& s) { verify_body(s, *c.dsig_verifier, c.xades_signed); });
        reg(name("XadesSign", c), [&c](benchmark::State& s) { sign_body(s, *c.xades_signer); });
        reg(name("DsigSign", c), [&c](benchmark::State& s) { sign_body(s, *c.dsig_signer); });
    }

    RecordingReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    if (!reporter.failed().empty()) die("benchmark failed: " + reporter.failed().front());

    std::printf("\nvalidate(B-B) / verify(plain), CPU time, target (issue 13) <= 1.25x\n");
    for (const auto& cp : cases) {
        const Case& c = *cp;
        const auto x = reporter.cpu_us(name("XadesValidate", c));
        const auto p = reporter.cpu_us(name("DsigVerify", c));
        if (x && p)
            std::printf("  %-8s benchmarks: %8.1f us / %8.1f us = %.2fx\n", c.key->label, *x, *p, *x / *p);
        const auto core = reporter.cpu_us(name("DsigVerifyBB", c));
        if (x && p && core)
            std::printf("  %-8s of the %.1f us extra: XMLDSig core on the larger document %.1f us, XAdES rules %.1f us\n",
                        c.key->label, *x - *p, *core - *p, *x - *core);
        if (rounds > 0) {
            const Paired paired = paired_ratio(c, rounds, operations);
            std::printf("  %-8s paired (%d rounds x %d ops): %8.1f us / %8.1f us = %.2fx\n", c.key->label, rounds,
                        operations, paired.xades_us, paired.plain_us, paired.ratio);
            std::printf("  %-8s paired split: XMLDSig core on the B-B document %.1f us (+%.1f), XAdES rules +%.1f us\n",
                        c.key->label, paired.core_us, paired.core_us - paired.plain_us, paired.xades_us - paired.core_us);
        }
        const auto xs = reporter.cpu_us(name("XadesSign", c));
        const auto ps = reporter.cpu_us(name("DsigSign", c));
        if (xs && ps)
            std::printf("  %-8s sign B-B / sign plain: %8.1f us / %8.1f us = %.2fx\n", c.key->label, *xs, *ps, *xs / *ps);
    }
    return 0;
}
