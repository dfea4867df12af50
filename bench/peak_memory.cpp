// Peak memory of one verification of the ~5.7 MB document, one library per process run.
//
//   istmo_peak_memory prepare FILE        write the signed (istmo, RSA-2048) 5.7 MB document
//   istmo_peak_memory istmo FILE          verify it once with istmo (default options)
//   istmo_peak_memory istmo-nokeep FILE   ... with VerifyOptions::keep_signed_content = false
//   istmo_peak_memory xmlsec FILE         verify it once with libxmlsec1
//
// Prints one line: max RSS before and after the verification (getrusage ru_maxrss), the
// growth, the document size and growth / document size, and the wall time of that one run.
// istmo verifies documents above VerifyOptions::streaming_threshold in one SAX pass without a
// DOM (keep_signed_content = false is needed for that path); xmlsec always builds the DOM.
#include "bench_common.hpp"

#include <istmo/crypto/keys.hpp>
#include <istmo/dsig/sign.hpp>
#include <istmo/dsig/verify.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

namespace {

long max_rss_kb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;  // kilobytes on Linux
}

int usage() {
    std::fprintf(stderr, "usage: istmo_peak_memory prepare|istmo|istmo-nokeep|xmlsec FILE\n");
    return 2;
}

int prepare(const std::string& path) {
    using namespace istmo;
    const auto& key = bench::standard_keys()[0];
    std::string xml;
    for (const auto& size : bench::standard_sizes())
        if (std::string(size.label) == "5.7MB") xml = bench::make_invoice(bench::items_for_size(size.target_bytes));
    auto k = crypto::PrivateKey::from_file(key.key_file);
    auto cert = crypto::Certificate::from_file(key.cert_file);
    auto intermediate = crypto::Certificate::from_file(bench::pki_file("intermediate.cert.pem"));
    if (!k || !cert || !intermediate) {
        std::fprintf(stderr, "cannot load the test PKI\n");
        return 1;
    }
    dsig::SignOptions options;
    options.algorithm = dsig::SignatureAlgorithm::rsa_sha256;
    auto signer = dsig::Signer::create(*k, *cert, {*intermediate}, options);
    if (!signer) {
        std::fprintf(stderr, "%s\n", signer.error().to_string().c_str());
        return 1;
    }
    auto out = signer->sign(xml);
    if (!out) {
        std::fprintf(stderr, "%s\n", out.error().to_string().c_str());
        return 1;
    }
    std::ofstream file(path, std::ios::binary);
    file.write(out->data(), static_cast<std::streamsize>(out->size()));
    if (!file) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        return 1;
    }
    std::printf("wrote %s (%zu bytes)\n", path.c_str(), out->size());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) return usage();
    const std::string mode = argv[1];
    const std::string path = argv[2];
    if (mode == "prepare") return prepare(path);
    if (mode != "istmo" && mode != "istmo-nokeep" && mode != "xmlsec") return usage();

    std::string xml;
    {
        std::ifstream file(path, std::ios::binary);
        if (!file) {
            std::fprintf(stderr, "cannot read %s\n", path.c_str());
            return 1;
        }
        // Read straight into one buffer of the final size: no transient copies that would
        // raise the "before" peak and hide part of the verification's growth.
        file.seekg(0, std::ios::end);
        const auto length = static_cast<std::size_t>(file.tellg());
        file.seekg(0, std::ios::beg);
        xml.resize(length);
        file.read(xml.data(), static_cast<std::streamsize>(length));
        if (!file) {
            std::fprintf(stderr, "cannot read %s\n", path.c_str());
            return 1;
        }
    }

    // Everything that is set up once per process happens before the "before" sample.
    std::optional<istmo::dsig::Verifier> verifier;
    if (mode == "xmlsec") {
        istmo::bench::xmlsec_global_init();
    } else {
        istmo::dsig::VerifyOptions options;
        if (!options.trust.add_file(istmo::bench::pki_file("ca.cert.pem"))) {
            std::fprintf(stderr, "cannot load ca.cert.pem\n");
            return 1;
        }
        options.keep_signed_content = mode == "istmo";
        verifier.emplace(std::move(options));
    }

    const long before = max_rss_kb();
    const auto start = std::chrono::steady_clock::now();
    bool ok = false;
    std::string why;
    if (mode == "xmlsec") {
        ok = istmo::bench::xmlsec_verify_once(xml, why);
    } else {
        auto report = verifier->verify(xml);
        ok = report && report->passed();
        if (!ok) why = report ? report->to_text() : report.error().to_string();
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    const long after = max_rss_kb();
    if (!ok) {
        std::fprintf(stderr, "%s: verification failed: %s\n", mode.c_str(), why.c_str());
        return 1;
    }
    const double doc_kb = static_cast<double>(xml.size()) / 1024.0;
    const long growth = after - before;
    std::printf("peak_memory impl=%s doc_bytes=%zu maxrss_before_kb=%ld maxrss_after_kb=%ld growth_kb=%ld "
                "growth_over_doc=%.2f peak_over_doc=%.2f verify_ms=%.1f\n",
                mode.c_str(), xml.size(), before, after, growth, static_cast<double>(growth) / doc_kb,
                static_cast<double>(after) / doc_kb,
                std::chrono::duration<double, std::milli>(elapsed).count());
    return 0;
}
