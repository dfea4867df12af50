#pragma once
// Shared helpers of the libFuzzer harnesses (tests/fuzz). Built only with ISTMO_BUILD_FUZZ.
#include <istmo/crypto/keys.hpp>

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

}  // namespace istmo::fuzz
