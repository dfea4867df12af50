// istmo vs libxmlsec1 vs raw OpenSSL. Benchmark names pair up:
//   BM_Sign/istmo/rsa2048/3KB      BM_Sign/xmlsec/rsa2048/3KB      BM_Sign/xmlsec-keydup/rsa2048/3KB
//   BM_Verify/istmo/rsa2048/3KB    BM_Verify/xmlsec/rsa2048/3KB    BM_Verify/istmo-nocache/rsa2048/3KB
//   BM_Parse/istmo/3KB             BM_Parse/libxml2/3KB
//   BM_RawOpenSSL/rsa2048-sha256/sign32 ...
#include "bench_common.hpp"
#include "cpu_clock.hpp"

#include <istmo/crypto/keys.hpp>
#include <istmo/dsig/sign.hpp>
#include <istmo/dsig/verify.hpp>
#include <istmo/xml/document.hpp>

#include "dsig/sign_extension.hpp"

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using istmo::bench::DocumentSize;
using istmo::bench::KeySpec;
using istmo::bench::thread_cpu_seconds;

struct Document {
    DocumentSize size;
    std::size_t items = 0;
    std::string xml;
};

struct Case {
    const KeySpec* key = nullptr;
    const Document* document = nullptr;
    std::optional<istmo::dsig::Signer> signer;
    std::string signed_xml;  // signed by istmo once, verified by both libraries
    std::string label;
};

[[noreturn]] void die(const std::string& message) { istmo::bench::die("istmo_bench", message); }

template <class T>
T need(istmo::Result<T> result, const std::string& what) {
    if (!result) die(what + ": " + result.error().to_string());
    return std::move(result).value();
}

istmo::dsig::VerifyOptions verify_options() {
    istmo::dsig::VerifyOptions options;
    auto added = options.trust.add_file(istmo::bench::pki_file("ca.cert.pem"));
    if (!added) die("cannot load ca.cert.pem: " + added.error().to_string());
    return options;
}

std::string size_label(const std::string& unsigned_xml, const std::string& signed_xml) {
    return "unsigned=" + std::to_string(unsigned_xml.size()) + "B signed=" + std::to_string(signed_xml.size()) + "B";
}

// ---- istmo -------------------------------------------------------------------------------

void istmo_sign(benchmark::State& state, const Case& c,
                istmo::dsig::SignPath path = istmo::dsig::SignPath::automatic) {
    const istmo::crypto::PrivateKey& key = istmo::dsig::SignerAccess::key(*c.signer);
    for (auto _ : state) {
        // automatic: the public Signer::sign; dom: the DOM path forced (what sign() did before
        // the streamed path), for a before/after in one run.
        auto out = path == istmo::dsig::SignPath::automatic
                       ? c.signer->sign(c.document->xml)
                       : istmo::dsig::sign_with_key(*c.signer, key, c.document->xml, nullptr, path);
        if (!out) {
            state.SkipWithError(out.error().to_string().c_str());
            break;
        }
        benchmark::DoNotOptimize(out->data());
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(c.document->xml.size()));
    state.counters["doc_bytes"] = static_cast<double>(c.document->xml.size());
    state.SetLabel(c.label);
}

// One Verifier for all iterations: its certificate and path caches warm up in the first one.
// cached == false: a new Verifier per iteration (cold caches), to show what the caches save.
void istmo_verify(benchmark::State& state, const Case& c, bool cached) {
    std::optional<istmo::dsig::Verifier> shared;
    if (cached) shared.emplace(verify_options());
    const istmo::dsig::VerifyOptions cold_options = verify_options();
    for (auto _ : state) {
        std::optional<istmo::dsig::Verifier> fresh;
        if (!cached) fresh.emplace(cold_options);
        const istmo::dsig::Verifier& verifier = cached ? *shared : *fresh;
        auto report = verifier.verify(c.signed_xml);
        if (!report || !report->passed()) {
            state.SkipWithError(report ? ("istmo did not verify: " + report->to_text()).c_str()
                                       : report.error().to_string().c_str());
            break;
        }
        benchmark::DoNotOptimize(report->signatures.data());
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(c.signed_xml.size()));
    state.counters["doc_bytes"] = static_cast<double>(c.signed_xml.size());
    state.SetLabel(c.label);
}

void istmo_parse(benchmark::State& state, const Document& d) {
    for (auto _ : state) {
        auto doc = istmo::xml::XmlDocument::parse(d.xml);
        if (!doc) {
            state.SkipWithError(doc.error().to_string().c_str());
            break;
        }
        benchmark::DoNotOptimize(&*doc);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(d.xml.size()));
    state.counters["doc_bytes"] = static_cast<double>(d.xml.size());
}

// ---- documents signed by the xmlsec1 CLI, self-signed signer -----------------------------

struct CliCase {
    std::string key_label;  // "cli-exc" / "cli-inc": used in the benchmark names
    const Document* document = nullptr;
    istmo::bench::CliSignedDocument signed_document;
    std::string label;
};

istmo::dsig::VerifyOptions trusting(const std::string& cert_file) {
    istmo::dsig::VerifyOptions options;
    auto added = options.trust.add_file(cert_file);
    if (!added) die("cannot load " + cert_file + ": " + added.error().to_string());
    return options;
}

void istmo_verify_cli(benchmark::State& state, const CliCase& c) {
    const istmo::dsig::Verifier verifier(trusting(c.signed_document.trusted_cert_file));
    for (auto _ : state) {
        auto report = verifier.verify(c.signed_document.signed_xml);
        if (!report || !report->passed()) {
            state.SkipWithError(report ? ("istmo did not verify: " + report->to_text()).c_str()
                                       : report.error().to_string().c_str());
            break;
        }
        benchmark::DoNotOptimize(report->signatures.data());
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(c.signed_document.signed_xml.size()));
    state.counters["doc_bytes"] = static_cast<double>(c.signed_document.signed_xml.size());
    state.SetLabel(c.label);
}

// 3 KB and 60 KB with exclusive C14N, 60 KB with inclusive C14N; both verifiers must accept
// each document before it is timed. Missing tools: the cases are left out (said on stderr).
std::vector<std::unique_ptr<CliCase>> make_cli_cases(const std::vector<std::unique_ptr<Document>>& documents) {
    std::vector<std::unique_ptr<CliCase>> cases;
    const struct { std::size_t document; bool exclusive; } wanted[] = {{0, true}, {1, true}, {1, false}};
    for (const auto& w : wanted) {
        const Document& d = *documents.at(w.document);
        auto signed_document = istmo::bench::xmlsec_cli_sign(d.xml, w.exclusive);
        if (!signed_document) {
            std::fprintf(stderr, "xmlsec1-CLI case %s %s left out (openssl/xmlsec1 CLI unavailable)\n", d.size.label,
                         w.exclusive ? "exc" : "inc");
            continue;
        }
        auto c = std::make_unique<CliCase>();
        c->key_label = w.exclusive ? "cli-exc" : "cli-inc";
        c->document = &d;
        c->signed_document = std::move(*signed_document);
        c->label = size_label(d.xml, c->signed_document.signed_xml);
        const istmo::dsig::Verifier check(trusting(c->signed_document.trusted_cert_file));
        auto report = check.verify(c->signed_document.signed_xml);
        if (!report || !report->passed())
            die("istmo does not verify the xmlsec1-CLI-signed " + c->key_label + " " + d.size.label + ": " +
                (report ? report->to_text() : report.error().to_string()));
        std::string why;
        if (!istmo::bench::xmlsec_verify_once_trusting(c->signed_document.signed_xml,
                                                       c->signed_document.trusted_cert_file, why))
            die("libxmlsec1 does not verify the xmlsec1-CLI-signed " + c->key_label + " " + d.size.label + ": " + why);
        std::fprintf(stderr, "%-8s %-6s signed(xmlsec1 CLI)=%zu B\n", c->key_label.c_str(), d.size.label,
                     c->signed_document.signed_xml.size());
        cases.push_back(std::move(c));
    }
    return cases;
}

// ---- raw OpenSSL -------------------------------------------------------------------------

struct PkeyDeleter {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

PkeyPtr load_private_key(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "r");
    if (!f) die("cannot open " + path);
    PkeyPtr key(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
    std::fclose(f);
    if (!key) die("cannot read private key " + path);
    return key;
}

constexpr std::array<unsigned char, 32> k_message = {
    0x49, 0x73, 0x74, 0x6d, 0x6f, 0x20, 0x62, 0x65, 0x6e, 0x63, 0x68, 0x6d, 0x61, 0x72, 0x6b, 0x20,
    0x33, 0x32, 0x2d, 0x62, 0x79, 0x74, 0x65, 0x20, 0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x2e};

// EVP_DigestSignInit + EVP_DigestSign over 32 bytes (SHA-256 + the private-key operation).
bool raw_sign_once(EVP_MD_CTX* ctx, EVP_PKEY* key, std::vector<unsigned char>& sig) {
    std::size_t len = sig.size();
    const bool signed_ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                           EVP_DigestSign(ctx, sig.data(), &len, k_message.data(), k_message.size()) == 1;
    benchmark::DoNotOptimize(sig.data());
    return signed_ok;
}

void raw_sign(benchmark::State& state, const KeySpec& spec) {
    PkeyPtr key = load_private_key(spec.key_file);
    MdCtxPtr ctx(EVP_MD_CTX_new());
    std::vector<unsigned char> sig(static_cast<std::size_t>(EVP_PKEY_get_size(key.get())));
    for (auto _ : state) {
        if (!raw_sign_once(ctx.get(), key.get(), sig)) {
            state.SkipWithError("EVP_DigestSign failed");
            break;
        }
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(k_message.size()));
}

// The ratio "istmo sign rate / raw OpenSSL rate" from one benchmark: every iteration
// makes one raw signature (as BM_RawOpenSSL) and one Signer::sign of the document, each timed
// on this thread's CPU clock, so both halves see the same machine load at the same moment.
// Counters: raw_us and sign_us per operation, ratio = raw_us / sign_us.
void sign_vs_raw(benchmark::State& state, const Case& c) {
    PkeyPtr key = load_private_key(c.key->key_file);
    MdCtxPtr ctx(EVP_MD_CTX_new());
    std::vector<unsigned char> sig(static_cast<std::size_t>(EVP_PKEY_get_size(key.get())));
    double raw = 0;
    double sign = 0;
    for (auto _ : state) {
        const double t0 = thread_cpu_seconds();
        const bool raw_ok = raw_sign_once(ctx.get(), key.get(), sig);
        const double t1 = thread_cpu_seconds();
        auto out = c.signer->sign(c.document->xml);
        const double t2 = thread_cpu_seconds();
        if (!raw_ok || !out) {
            state.SkipWithError("signing failed");
            break;
        }
        benchmark::DoNotOptimize(out->data());
        raw += t1 - t0;
        sign += t2 - t1;
    }
    const auto n = static_cast<double>(state.iterations());
    state.counters["raw_us"] = n > 0 ? raw / n * 1e6 : 0;
    state.counters["sign_us"] = n > 0 ? sign / n * 1e6 : 0;
    state.counters["ratio"] = sign > 0 ? raw / sign : 0;
    state.SetLabel(c.label);
}

void raw_verify(benchmark::State& state, const KeySpec& spec) {
    PkeyPtr key = load_private_key(spec.key_file);
    MdCtxPtr ctx(EVP_MD_CTX_new());
    std::vector<unsigned char> sig(static_cast<std::size_t>(EVP_PKEY_get_size(key.get())));
    std::size_t len = sig.size();
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &len, k_message.data(), k_message.size()) != 1)
        die("EVP_DigestSign failed");
    // Verify with the public half only, as a verifier would.
    PkeyPtr pub;
    {
        unsigned char* der = nullptr;
        const int der_len = i2d_PUBKEY(key.get(), &der);
        const unsigned char* p = der;
        pub.reset(d2i_PUBKEY(nullptr, &p, der_len));
        OPENSSL_free(der);
    }
    if (!pub) die("cannot extract public key");
    for (auto _ : state) {
        if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pub.get()) != 1 ||
            EVP_DigestVerify(ctx.get(), sig.data(), len, k_message.data(), k_message.size()) != 1) {
            state.SkipWithError("EVP_DigestVerify failed");
            break;
        }
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(k_message.size()));
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    using namespace istmo;
    try {
        bench::xmlsec_global_init();
    } catch (const std::exception& e) {
        die(e.what());
    }

    // ---- documents, signers, signed documents (all outside the timed loops)
    std::vector<std::unique_ptr<Document>> documents;
    for (const DocumentSize& size : bench::standard_sizes()) {
        auto d = std::make_unique<Document>();
        d->size = size;
        d->items = bench::items_for_size(size.target_bytes);
        d->xml = bench::make_invoice(d->items);
        documents.push_back(std::move(d));
    }
    const crypto::Certificate intermediate =
        need(crypto::Certificate::from_file(bench::pki_file("intermediate.cert.pem")), "intermediate.cert.pem");
    std::vector<std::unique_ptr<Case>> cases;
    {
        const dsig::Verifier check(verify_options());
        for (const KeySpec& key : bench::standard_keys()) {
            dsig::SignOptions options;
            options.algorithm = key.ecdsa ? dsig::SignatureAlgorithm::ecdsa_sha256 : dsig::SignatureAlgorithm::rsa_sha256;
            options.canonicalization = dsig::Canonicalization::exclusive;
            options.mode = dsig::SignMode::enveloped;
            options.include_chain = true;
            auto signer = need(dsig::Signer::create(need(crypto::PrivateKey::from_file(key.key_file), key.key_file),
                                                    need(crypto::Certificate::from_file(key.cert_file), key.cert_file),
                                                    {intermediate}, options),
                               std::string("Signer::create ") + key.label);
            for (const auto& d : documents) {
                auto c = std::make_unique<Case>();
                c->key = &key;
                c->document = d.get();
                c->signer.emplace(signer);
                c->signed_xml = need(signer.sign(d->xml), std::string("sign ") + key.label + " " + d->size.label);
                c->label = size_label(d->xml, c->signed_xml);
                // Both libraries must accept the document before it is timed.
                auto report = check.verify(c->signed_xml);
                if (!report || !report->passed())
                    die(std::string("istmo does not verify its own ") + key.label + " " + d->size.label + ": " +
                        (report ? report->to_text() : report.error().to_string()));
                std::string why;
                if (!bench::xmlsec_verify_once(c->signed_xml, why))
                    die(std::string("libxmlsec1 does not verify the istmo-signed ") + key.label + " " + d->size.label +
                        " document: " + why);
                // And istmo must accept what libxmlsec1 signs (same template as the baseline).
                const std::string xmlsec_signed = bench::xmlsec_sign_once(key, d->xml);
                auto cross = check.verify(xmlsec_signed);
                if (!cross || !cross->passed())
                    die(std::string("istmo does not verify the libxmlsec1-signed ") + key.label + " " + d->size.label +
                        ": " + (cross ? cross->to_text() : cross.error().to_string()));
                std::fprintf(stderr, "%-8s %-6s items=%zu unsigned=%zu B signed(istmo)=%zu B signed(xmlsec)=%zu B\n",
                             key.label, d->size.label, d->items, d->xml.size(), c->signed_xml.size(),
                             xmlsec_signed.size());
                cases.push_back(std::move(c));
            }
        }
    }

    const std::vector<std::unique_ptr<CliCase>> cli_cases = make_cli_cases(documents);

    // ---- registration, in pairing order
    auto reg = [](const std::string& n, auto fn) {
        benchmark::RegisterBenchmark(n.c_str(), fn)->Unit(benchmark::kMicrosecond);
    };
    auto name = [](const char* op, const char* impl, const Case& c) {
        return std::string("BM_") + op + "/" + impl + "/" + c.key->label + "/" + c.document->size.label;
    };
    for (const auto& cp : cases) {
        const Case& c = *cp;
        reg(name("Verify", "istmo", c).c_str(),
                                     [&c](benchmark::State& s) { istmo_verify(s, c, true); });
        reg(name("Verify", "xmlsec", c).c_str(), [&c](benchmark::State& s) {
            bench::xmlsec_verify_benchmark(s, c.signed_xml);
            s.counters["doc_bytes"] = static_cast<double>(c.signed_xml.size());
            s.SetLabel(c.label);
        });
        reg(name("Verify", "istmo-nocache", c).c_str(),
                                     [&c](benchmark::State& s) { istmo_verify(s, c, false); });
    }
    for (const auto& cp : cli_cases) {
        const CliCase& c = *cp;
        const std::string suffix = "/" + c.key_label + "/" + c.document->size.label;
        reg("BM_Verify/istmo" + suffix, [&c](benchmark::State& s) { istmo_verify_cli(s, c); });
        reg("BM_Verify/xmlsec" + suffix, [&c](benchmark::State& s) {
            istmo::bench::xmlsec_verify_benchmark_trusting(s, c.signed_document.signed_xml,
                                                           c.signed_document.trusted_cert_file);
            s.counters["doc_bytes"] = static_cast<double>(c.signed_document.signed_xml.size());
            s.SetLabel(c.label);
        });
    }
    for (const auto& cp : cases) {
        const Case& c = *cp;
        reg(name("Sign", "istmo", c).c_str(), [&c](benchmark::State& s) { istmo_sign(s, c); });
        if (!c.key->ecdsa)
            reg(name("SignVsRaw", "istmo", c).c_str(), [&c](benchmark::State& s) { sign_vs_raw(s, c); });
        reg(name("Sign", "istmo-dom", c).c_str(),
            [&c](benchmark::State& s) { istmo_sign(s, c, istmo::dsig::SignPath::dom); });
        reg(name("Sign", "xmlsec", c).c_str(), [&c](benchmark::State& s) {
            bench::xmlsec_sign_benchmark(s, *c.key, c.document->xml, true);
            s.counters["doc_bytes"] = static_cast<double>(c.document->xml.size());
        });
        reg(name("Sign", "xmlsec-keydup", c).c_str(), [&c](benchmark::State& s) {
            bench::xmlsec_sign_benchmark(s, *c.key, c.document->xml, false);
            s.counters["doc_bytes"] = static_cast<double>(c.document->xml.size());
        });
    }
    for (const auto& dp : documents) {
        const Document& d = *dp;
        const std::string suffix = std::string("/") + d.size.label;
        reg(("BM_Parse/istmo" + suffix).c_str(), [&d](benchmark::State& s) { istmo_parse(s, d); });
        reg(("BM_Parse/libxml2" + suffix).c_str(), [&d](benchmark::State& s) {
            bench::libxml2_parse_benchmark(s, d.xml);
            s.counters["doc_bytes"] = static_cast<double>(d.xml.size());
        });
    }
    const KeySpec& rsa = bench::standard_keys()[0];
    const KeySpec& p256 = bench::standard_keys()[1];
    reg("BM_RawOpenSSL/rsa2048-sha256/sign32", [&rsa](benchmark::State& s) { raw_sign(s, rsa); });
    reg("BM_RawOpenSSL/rsa2048-sha256/verify32", [&rsa](benchmark::State& s) { raw_verify(s, rsa); });
    reg("BM_RawOpenSSL/p256-sha256/sign32", [&p256](benchmark::State& s) { raw_sign(s, p256); });
    reg("BM_RawOpenSSL/p256-sha256/verify32", [&p256](benchmark::State& s) { raw_verify(s, p256); });

    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
