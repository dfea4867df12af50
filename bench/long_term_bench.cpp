// Long-term XAdES validation cost (issue 15): a B-LTA invoice validated offline from what it
// embeds (CertificateValues, RevocationValues, the signature and archive time-stamps) against
// the B-B signature of the same document, validated with the same OCSP response and CRL given as
// files. One verifier per case, reused across iterations (warm certificate, path and status
// caches). Benchmark names:
//   BM_LongTerm/b-b     xades::Verifier::verify of the B-B document (status from the files)
//   BM_LongTerm/b-lta   xades::Verifier::verify of the B-LTA document (--offline, embedded only)
// The program prints b-lta / b-b (CPU time per validation) after the benchmarks.
//
// The PKI is made at start by tests/revocation/make_pki.sh (the openssl CLI): root -> ca -> good,
// with good.ocsp and ca.crl.der; the time-stamps come from the in-process loopback TSA
// (tests/tsa_test_server.hpp). Each case checks TOTAL_PASSED (and the level) before timing.
//
//   build-bench/bench/istmo_long_term_bench [--benchmark_min_time=0.5]
#include <istmo/tsa/client.hpp>
#include <istmo/xades/xades.hpp>

#include "tsa_test_server.hpp"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace {

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "istmo_long_term_bench: %s\n", message.c_str());
    std::exit(2);
}

template <class T>
T need(istmo::Result<T> result, const std::string& what) {
    if (!result) die(what + ": " + result.error().to_string());
    return std::move(result).value();
}

struct Fixture {
    std::filesystem::path pki;
    std::unique_ptr<istmo::test::TsaTestServer> tsa;
    std::string bb, blta;
    std::unique_ptr<istmo::xades::Verifier> bb_verifier, blta_verifier;
};

std::string file(const Fixture& f, const std::string& name) { return (f.pki / name).string(); }

istmo::xades::Timestamper timestamper(const istmo::test::TsaTestServer& tsa, const istmo::crypto::TrustStore& trust) {
    istmo::tsa::ClientOptions options;
    options.urls = {tsa.url()};
    options.verify.trust = trust;
    auto client = std::make_shared<istmo::tsa::TimestampClient>(need(istmo::tsa::TimestampClient::create(options), "TSA client"));
    return [client](std::span<const std::uint8_t> data) -> istmo::Result<std::vector<std::uint8_t>> {
        auto request = istmo::tsa::TimestampRequest::for_data(data);
        if (!request) return request.error();
        auto stamp = client->timestamp(*request);
        if (!stamp) return stamp.error();
        return stamp->token;
    };
}

Fixture& fixture() {
    static Fixture f = [] {
        Fixture made;
        made.pki = std::filesystem::temp_directory_path() / ("istmo-lt-bench-" + std::to_string(::getpid()));
        const std::string script = std::string(ISTMO_SOURCE_DIR) + "/tests/revocation/make_pki.sh";
        if (std::system(("bash '" + script + "' '" + made.pki.string() + "' >/dev/null 2>&1").c_str()) != 0)
            die("tests/revocation/make_pki.sh failed (is the openssl CLI installed?)");
        made.tsa = std::make_unique<istmo::test::TsaTestServer>();
        istmo::crypto::TrustStore root, tsa_root;
        root.add(need(istmo::crypto::Certificate::from_file(file(made, "root.pem")), "root.pem"));
        tsa_root.add(need(istmo::crypto::Certificate::from_pem(made.tsa->pki().root_pem()), "TSA root"));

        istmo::xades::SignOptions sign;
        auto signer = need(istmo::xades::Signer::create(need(istmo::crypto::PrivateKey::from_file(file(made, "good.key")), "good.key"),
                                                        need(istmo::crypto::Certificate::from_file(file(made, "good.pem")), "good.pem"),
                                                        {need(istmo::crypto::Certificate::from_file(file(made, "ca.pem")), "ca.pem")},
                                                        sign),
                           "signer");
        std::string invoice = "<rFE><dId>FE01</dId><gTot>";
        for (int i = 0; i < 60; ++i) invoice += "<gItem><dDesc>item " + std::to_string(i) + "</dDesc><dValItem>10.00</dValItem></gItem>";
        invoice += "</gTot></rFE>";
        made.bb = need(signer.sign(invoice), "sign B-B");

        istmo::xades::AugmentOptions augment;
        augment.to = istmo::xades::AugmentLevel::b_lta;
        augment.timestamper = timestamper(*made.tsa, tsa_root);
        augment.long_term.trust = root;
        augment.long_term.tsa_trust = tsa_root;
        augment.long_term.revocation.offline = true;
        augment.long_term.revocation.ocsp_response_files = {file(made, "good.ocsp")};
        augment.long_term.revocation.crl_files = {file(made, "ca.crl.der")};
        made.blta = need(need(istmo::xades::Augmenter::create(augment), "augmenter").augment(made.bb), "extend to B-LTA");

        istmo::xades::VerifyOptions bb_options;
        bb_options.dsig.trust = root;
        bb_options.dsig.offline = true;
        bb_options.dsig.ocsp_response_files = {file(made, "good.ocsp")};
        bb_options.dsig.crl_files = {file(made, "ca.crl.der")};
        made.bb_verifier = std::make_unique<istmo::xades::Verifier>(bb_options);
        istmo::xades::VerifyOptions lta_options;
        lta_options.dsig.trust = root;
        lta_options.dsig.offline = true;
        lta_options.tsa_trust = tsa_root;
        made.blta_verifier = std::make_unique<istmo::xades::Verifier>(lta_options);
        const auto check = [](const istmo::xades::Verifier& v, const std::string& xml, const char* level) {
            auto r = need(v.verify(xml), "verify");
            if (!r.passed() || r.signatures.empty() || r.signatures[0].level != level)
                die(std::string(level) + " does not pass: " + r.to_text());
        };
        check(*made.bb_verifier, made.bb, "B-B");
        check(*made.blta_verifier, made.blta, "B-LTA");
        made.tsa.reset();  // validation is offline
        return made;
    }();
    return f;
}

std::map<std::string, double> g_cpu_ns;

void BM_LongTerm(benchmark::State& state, bool archive) {
    Fixture& f = fixture();
    const istmo::xades::Verifier& verifier = archive ? *f.blta_verifier : *f.bb_verifier;
    const std::string& xml = archive ? f.blta : f.bb;
    for (auto _ : state) {
        auto report = verifier.verify(xml);
        if (!report || !report->passed()) {
            state.SkipWithError("validation did not pass");
            break;
        }
        benchmark::DoNotOptimize(report->signatures.data());
    }
    state.counters["doc_bytes"] = static_cast<double>(xml.size());
}

class RatioReporter final : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& run : runs)
            if (!run.error_occurred && run.iterations > 0)
                g_cpu_ns[run.benchmark_name()] = run.GetAdjustedCPUTime();
        ConsoleReporter::ReportRuns(runs);
    }
};

}  // namespace

BENCHMARK_CAPTURE(BM_LongTerm, b-b, false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_LongTerm, b-lta, true)->Unit(benchmark::kMicrosecond);

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    // The median aggregate when repetitions were asked for, else the single run.
    const auto cpu = [](const std::string& name) {
        auto it = g_cpu_ns.find(name + "_median");
        if (it == g_cpu_ns.end()) it = g_cpu_ns.find(name);
        return it == g_cpu_ns.end() ? 0.0 : it->second;
    };
    const double bb = cpu("BM_LongTerm/b-b"), lta = cpu("BM_LongTerm/b-lta");
    if (bb > 0 && lta > 0) std::printf("B-LTA offline validation / B-B validation (CPU time): %.2f\n", lta / bb);
    std::error_code ec;
    std::filesystem::remove_all(fixture().pki, ec);
    return 0;
}
