#pragma once
// Shared helpers of the libFuzzer harnesses (tests/fuzz). Built only with ISTMO_BUILD_FUZZ.
#include <istmo/crypto/keys.hpp>
#include <istmo/crypto/revocation.hpp>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <string>

namespace istmo::fuzz {

// The test PKI root: every signer of test-vectors/ chains to it.
inline crypto::TrustStore test_trust() {
    crypto::TrustStore trust;
    const std::string ca = std::string(ISTMO_SOURCE_DIR) + "/test-vectors/pki/ca.cert.pem";
    if (!trust.add_file(ca)) {
        std::fprintf(stderr, "fuzz: cannot load %s\n", ca.c_str());
        std::abort();
    }
    return trust;
}

// A fixed validation time (2030-01-01T00:00:00Z) so runs are reproducible.
inline std::chrono::system_clock::time_point fixed_time() {
    return std::chrono::system_clock::time_point{std::chrono::seconds{1893456000}};
}

// A certificate of test-vectors/revocation/ ("ca", "good", "revoked").
inline crypto::Certificate revocation_certificate(const std::string& stem) {
    const std::string path = std::string(ISTMO_SOURCE_DIR) + "/test-vectors/revocation/" + stem + ".cert.pem";
    auto cert = crypto::Certificate::from_file(path);
    if (!cert) {
        std::fprintf(stderr, "fuzz: cannot load %s\n", path.c_str());
        std::abort();
    }
    return *cert;
}

// A RevocationChecker that never fetches (offline, policy require): only what a harness offers.
inline std::shared_ptr<const crypto::RevocationChecker> offline_checker() {
    crypto::RevocationOptions options;
    options.policy = crypto::RevocationPolicy::require;
    options.offline = true;
    auto checker = crypto::RevocationChecker::create(std::move(options));
    if (!checker) {
        std::fprintf(stderr, "fuzz: cannot make the revocation checker\n");
        std::abort();
    }
    return *checker;
}

}  // namespace istmo::fuzz
