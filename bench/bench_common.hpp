#pragma once
// Shared pieces of the benchmark programs: test keys, documents and the libxmlsec1 baseline
// entry points (declared here without any xmlsec header, so only xmlsec_baseline.cpp sees them).
#include "document_generator.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace benchmark {
class State;
}

namespace istmo::bench {

struct KeySpec {
    const char* label;      // "rsa2048", "p256": used in benchmark names
    std::string key_file;   // PEM private key (PKCS#8)
    std::string cert_file;  // PEM leaf certificate (issued by the intermediate)
    bool ecdsa;             // ecdsa-sha256 instead of rsa-sha256
};

// Absolute path of a file of test-vectors/pki/.
std::string pki_file(std::string_view name);
// Absolute path of a file under test-vectors/ ("panama-fe/json/01-factura.json").
std::string vectors_file(std::string_view relative);
// Whole file as bytes; empty when it cannot be read.
std::string read_text(const std::string& path);
// Prints "<program>: <message>" on stderr and exits with status 2 (a benchmark setup failed).
[[noreturn]] void die(std::string_view program, const std::string& message);
// RSA-2048 and P-256, in that order.
const std::vector<KeySpec>& standard_keys();

// ---- libxmlsec1 baseline (xmlsec_baseline.cpp) ---------------------------------------------

// xmlInitParser, xmlSecInit, xmlSecCryptoAppInit, xmlSecCryptoInit; once per process.
// Throws std::runtime_error when xmlsec cannot be initialised.
void xmlsec_global_init();

// Signs `xml` (enveloped, exc-c14n, rsa-sha256 / ecdsa-sha256, X509Data with leaf + intermediate)
// and returns the serialized result. Throws std::runtime_error on failure.
std::string xmlsec_sign_once(const KeySpec& key, std::string_view xml);

// Verifies the first ds:Signature of `xml` with a keys manager trusting ca.cert.pem (and
// knowing intermediate.cert.pem as untrusted). Returns true when the status is "succeeded";
// otherwise false with a reason in `why`.
bool xmlsec_verify_once(std::string_view xml, std::string& why);

// Benchmark bodies (registered by dsig_bench.cpp so that names pair up with istmo's).
// key_per_iteration: load key + certificates from the PEM files in every iteration (the
// "usual way"); otherwise load once and xmlSecKeyDuplicate per iteration.
void xmlsec_sign_benchmark(benchmark::State& state, const KeySpec& key, const std::string& xml,
                           bool key_per_iteration);
void xmlsec_verify_benchmark(benchmark::State& state, const std::string& signed_xml);
// xmlReadMemory + xmlFreeDoc: what libxmlsec1 users pay to parse.
void libxml2_parse_benchmark(benchmark::State& state, const std::string& xml);

// ---- documents signed by the xmlsec1 command-line tool (xmlsec_cli_cases.cpp) -------------
// A self-signed RSA-2048 signer (made by the openssl CLI) and `xml` signed by `xmlsec1 --sign`:
// enveloped, Reference URI="" with the enveloped-signature transform, rsa-sha256, the signer
// certificate in X509Data; exclusive or inclusive C14N 1.0 for SignedInfo and the reference.
// No chain: both verifiers trust the signer certificate itself.
struct CliSignedDocument {
    std::string signed_xml;
    std::string trusted_cert_file;  // the self-signed signer certificate (PEM)
};
// nullopt (with the reason on stderr) when openssl or xmlsec1 is missing or fails.
std::optional<CliSignedDocument> xmlsec_cli_sign(const std::string& xml, bool exclusive);

// libxmlsec1 verification with a keys manager that trusts only `trusted_cert_file`.
bool xmlsec_verify_once_trusting(std::string_view xml, const std::string& trusted_cert_file, std::string& why);
void xmlsec_verify_benchmark_trusting(benchmark::State& state, const std::string& signed_xml,
                                      const std::string& trusted_cert_file);

}  // namespace istmo::bench
