// Batch validation throughput (istmo::batch::Validator::run) on signed Panama invoices.
//
//   BM_BatchValidate/panama-fe/jobs:N   full invoice validation (structure, arithmetic, CUFE,
//                                       signature, certificate path) on N worker threads
//   BM_BatchValidate/xmldsig/jobs:N     the same documents, signature only
//       items_per_second = documents per second (wall clock: UseRealTime)
//
// The corpus: 1,000 distinct invoices made from test-vectors/panama-fe/json/01-factura.json
// (distinct dNroDF, hence CUFE), ~2.9 KB unsigned, ~5.7 KB signed with the panama-fe profile by
// test-vectors/pki/rsa2048 (RSA 2048, the signer certificate in KeyInfo). Held in memory: the
// run measures validation and the worker pool, not the disk. One Validator per benchmark, built
// once (as a batch run does): its certificate-path cache is warm after the first document.
//
//   build-batch/bench/istmo_batch_bench [--benchmark_min_time=2]
#include <istmo/batch/batch.hpp>
#include <istmo/crypto/keys.hpp>
#include <istmo/invoice/panama.hpp>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace batch = istmo::batch;
namespace pa = istmo::invoice::panama;

constexpr int k_documents = 1000;

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "batch_bench: %s\n", what.c_str());
    std::exit(1);
}

// with_qr: gNoFirm/dQRCode appended after signing (as rFE requires); the xmldsig profile needs
// the documents without it (gNoFirm is outside the signature; panama-fe removes it first).
std::vector<std::string> make_corpus(bool with_qr) {
    {
        const std::string vectors = ISTMO_VECTORS_DIR;
        const std::string json = read_text(vectors + "/panama-fe/json/01-factura.json");
        auto key = istmo::crypto::PrivateKey::from_file(vectors + "/pki/rsa2048.key.pem");
        auto cert = istmo::crypto::Certificate::from_file(vectors + "/pki/rsa2048.cert.pem");
        if (!key || !cert) die("cannot load the test key");
        auto signer = pa::make_signer(std::move(*key), std::move(*cert));
        if (!signer) die("cannot make the signer");
        std::vector<std::string> out;
        const std::string from = "\"dNroDF\": \"0000000001\"";
        for (int i = 0; i < k_documents; ++i) {
            std::string text = json;
            char number[32];
            std::snprintf(number, sizeof number, "\"dNroDF\": \"%010d\"", i + 1);
            text.replace(text.find(from), from.size(), number);
            auto inv = pa::from_json(text);
            if (!inv) die(inv.error().to_string());
            pa::QrOptions qr;
            if (with_qr) qr.secret = istmo::crypto::Secret("istmo-test-qr-secret");
            auto signed_xml = pa::sign(*signer, pa::to_xml(*inv), qr);
            if (!signed_xml) die(signed_xml.error().to_string());
            out.push_back(std::move(*signed_xml));
        }
        return out;
    }
}

class MemorySource final : public batch::Source {
public:
    explicit MemorySource(const std::vector<std::string>& docs) : m_docs(docs) {}
    std::optional<batch::Input> next() override {
        if (m_next == m_docs.size()) return std::nullopt;
        const std::size_t i = m_next++;
        return batch::Input{"doc-" + std::to_string(i), m_docs[i], {}, {}};
    }

private:
    const std::vector<std::string>& m_docs;
    std::size_t m_next = 0;
};

class CountingSink final : public batch::Sink {
public:
    istmo::Result<void> write(const batch::DocumentResult& r) override {
        if (r.indication != istmo::report::Indication::total_passed) ++failures;
        return {};
    }
    std::size_t failures = 0;
};

void BM_BatchValidate(benchmark::State& state, batch::Profile profile) {
    static const std::vector<std::string> with_qr = make_corpus(true);
    static const std::vector<std::string> without_qr = make_corpus(false);
    const auto& docs = profile == batch::Profile::panama_fe ? with_qr : without_qr;
    batch::Options options;
    options.profile = profile;
    options.jobs = static_cast<unsigned>(state.range(0));
    if (!options.verify.trust.add_file(std::string(ISTMO_VECTORS_DIR) + "/pki/chain.pem")) die("cannot load chain.pem");
    const batch::Validator validator(std::move(options));
    std::size_t bytes = 0;
    for (const auto& d : docs) bytes += d.size();
    for (auto _ : state) {
        MemorySource source(docs);
        CountingSink sink;
        auto summary = validator.run(source, sink);
        if (!summary || sink.failures != 0) {
            state.SkipWithError("a document did not pass");
            return;
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(docs.size()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes));
    state.SetLabel(std::to_string(docs.size()) + " docs, " + std::to_string(bytes / docs.size()) + " B avg signed");
}

BENCHMARK_CAPTURE(BM_BatchValidate, panama-fe, batch::Profile::panama_fe)
    ->ArgName("jobs")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BatchValidate, xmldsig, batch::Profile::xmldsig)
    ->ArgName("jobs")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
