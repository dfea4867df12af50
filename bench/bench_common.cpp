#include "bench_common.hpp"

#ifndef ISTMO_PKI_DIR
#error "ISTMO_PKI_DIR must name test-vectors/pki (set by bench/CMakeLists.txt)"
#endif

namespace istmo::bench {

std::string pki_file(std::string_view name) {
    std::string path = ISTMO_PKI_DIR;
    path += '/';
    path += name;
    return path;
}

const std::vector<KeySpec>& standard_keys() {
    static const std::vector<KeySpec> keys = {
        {"rsa2048", pki_file("rsa2048.key.pem"), pki_file("rsa2048.cert.pem"), false},
        {"p256", pki_file("ec-p256.key.pem"), pki_file("ec-p256.cert.pem"), true},
    };
    return keys;
}

}  // namespace istmo::bench
