#pragma once
// Internal helpers of the batch module: NDJSON lines as JSON objects, base64 decoding and SHA-256.
#include "report/json_reader.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::batch::detail {

// One NDJSON line (an input line or a result line) read with the library's JSON reader: a JSON
// object, at most a few levels deep, no longer than the line itself; nullopt for anything else,
// including trailing garbage and duplicate member names.
std::optional<report::json::Value> parse_line_object(std::string_view line);

// Standard base64 (RFC 4648), padding optional, whitespace ignored; nullopt when invalid.
std::optional<std::string> base64_decode(std::string_view text);

// Incremental SHA-256 (OpenSSL EVP).
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    bool update(std::string_view data);
    // Lower-case hex; "" on failure.
    std::string hex_final();

private:
    void* m_ctx = nullptr;
};

std::string sha256_hex(std::string_view data);

}  // namespace istmo::batch::detail
