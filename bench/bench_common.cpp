#include "bench_common.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

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

std::string vectors_file(std::string_view relative) {
    std::string path = ISTMO_VECTORS_DIR;
    path += '/';
    path += relative;
    return path;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void die(std::string_view program, const std::string& message) {
    std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(program.size()), program.data(), message.c_str());
    std::exit(2);
}

const std::vector<KeySpec>& standard_keys() {
    static const std::vector<KeySpec> keys = {
        {"rsa2048", pki_file("rsa2048.key.pem"), pki_file("rsa2048.cert.pem"), false},
        {"p256", pki_file("ec-p256.key.pem"), pki_file("ec-p256.cert.pem"), true},
    };
    return keys;
}

}  // namespace istmo::bench
