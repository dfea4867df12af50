// Signatures per second with a key on a PKCS#11 token (SoftHSM2) against the same key from a
// file, on a small document. The program makes its own token in a temporary directory
// (SOFTHSM2_CONF) and imports test-vectors/pki keys into it; without softhsm2 / pkcs11-tool the
// token benchmarks report an error and only the file keys run. Benchmark names:
//   BM_Sign/file/<key>              dsig::Signer::sign with the key from its PEM file
//   BM_Sign/pkcs11/<key>            the same key on the token (the token signs the digest)
//   BM_Sign/pkcs11/<key>/threads:2  two threads sharing one Signer (one login, session pool)
//
//   build-bench/bench/istmo_pkcs11_bench [--benchmark_min_time=1]
#include <istmo/crypto/pkcs11.hpp>
#include <istmo/dsig/sign.hpp>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;

const char* const k_document = "<Invoice xmlns=\"urn:test\"><Total>100.00</Total><Items><Item>a</Item></Items></Invoice>";

std::string pki(const std::string& name) { return std::string(ISTMO_PKI_DIR) + "/" + name; }

bool run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

std::string softhsm_module() {
    for (const char* path : {"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"})
        if (fs::exists(path)) return path;
    return {};
}

// The token, made once; empty when it could not be made.
const std::string& token_module() {
    static const std::string module = [] {
        const std::string path = softhsm_module();
        if (path.empty()) return std::string();
        const fs::path dir = fs::temp_directory_path() / ("istmo-pkcs11-bench-" + std::to_string(::getpid()));
        fs::create_directories(dir / "tokens");
        std::ofstream(dir / "softhsm2.conf") << "directories.tokendir = " << (dir / "tokens").string()
                                              << "\nobjectstore.backend = file\nlog.level = ERROR\n";
        ::setenv("SOFTHSM2_CONF", (dir / "softhsm2.conf").c_str(), 1);
        static const fs::path made = dir;  // removed at exit
        std::atexit([] {
            std::error_code ec;
            fs::remove_all(made, ec);
        });
        bool ok = run("softhsm2-util --init-token --free --label bench --so-pin 87654321 --pin 1234");
        int id = 1;
        for (const char* stem : {"rsa2048", "ec-p256"}) {
            const std::string p8 = (dir / (std::string(stem) + ".p8")).string();
            ok = ok && run("openssl pkcs8 -topk8 -nocrypt -in " + pki(std::string(stem) + ".key.pem") + " -out " + p8) &&
                 run("softhsm2-util --import " + p8 + " --token bench --label " + stem + " --id 0" + std::to_string(id++) +
                     " --pin 1234");
        }
        return ok ? path : std::string();
    }();
    return module;
}

std::shared_ptr<const istmo::dsig::Signer> make_signer(const std::string& stem, bool on_token) {
    std::optional<istmo::crypto::PrivateKey> key;
    if (on_token) {
        if (token_module().empty()) return nullptr;
        istmo::crypto::Pkcs11Options options;
        options.module_path = token_module();
        options.pin = istmo::crypto::Secret("1234");
        auto loaded = istmo::crypto::load_pkcs11_key("pkcs11:token=bench;object=" + stem, options);
        if (!loaded) return nullptr;
        key = loaded->key;
    } else {
        auto loaded = istmo::crypto::PrivateKey::from_file(pki(stem + ".key.pem"));
        if (!loaded) return nullptr;
        key = *loaded;
    }
    auto cert = istmo::crypto::Certificate::from_file(pki(stem + ".cert.pem"));
    auto signer = istmo::dsig::Signer::create(*key, cert ? std::optional(*cert) : std::nullopt, {}, {});
    return signer ? std::make_shared<const istmo::dsig::Signer>(std::move(*signer)) : nullptr;
}

void sign(benchmark::State& state, const std::string& stem, bool on_token) {
    static std::map<std::pair<std::string, bool>, std::shared_ptr<const istmo::dsig::Signer>> signers;
    static std::mutex mutex;
    std::shared_ptr<const istmo::dsig::Signer> signer;
    {
        std::lock_guard lock(mutex);
        auto& slot = signers[{stem, on_token}];
        if (!slot) slot = make_signer(stem, on_token);
        signer = slot;
    }
    if (!signer) {
        state.SkipWithError(on_token ? "no SoftHSM2 token (softhsm2 / opensc installed?)" : "key not loaded");
        return;
    }
    for (auto _ : state) {
        auto signed_xml = signer->sign(k_document);
        if (!signed_xml) {
            state.SkipWithError(signed_xml.error().to_string().c_str());
            return;
        }
        benchmark::DoNotOptimize(signed_xml->data());
    }
    state.counters["signatures/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK_CAPTURE(sign, file/rsa2048, std::string("rsa2048"), false)->Name("BM_Sign/file/rsa2048")->UseRealTime();
BENCHMARK_CAPTURE(sign, pkcs11/rsa2048, std::string("rsa2048"), true)->Name("BM_Sign/pkcs11/rsa2048")->UseRealTime();
BENCHMARK_CAPTURE(sign, pkcs11/rsa2048, std::string("rsa2048"), true)->Name("BM_Sign/pkcs11/rsa2048")->Threads(2)->UseRealTime();
BENCHMARK_CAPTURE(sign, file/ec-p256, std::string("ec-p256"), false)->Name("BM_Sign/file/ec-p256")->UseRealTime();
BENCHMARK_CAPTURE(sign, pkcs11/ec-p256, std::string("ec-p256"), true)->Name("BM_Sign/pkcs11/ec-p256")->UseRealTime();
BENCHMARK_CAPTURE(sign, pkcs11/ec-p256, std::string("ec-p256"), true)->Name("BM_Sign/pkcs11/ec-p256")->Threads(2)->UseRealTime();

BENCHMARK_MAIN();
