#pragma once
// Internal helpers of the batch module: a small JSON reader for flat objects (NDJSON input
// lines and result lines), base64 decoding and SHA-256.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::batch::detail {

struct JsonValue {
    enum class Kind { string, number, boolean, null, string_array };
    Kind kind = Kind::null;
    std::string text;                // string value, number text, "true"/"false"
    std::vector<std::string> items;  // string_array
};

// Parses one JSON object whose values are strings, numbers, booleans, null or arrays of strings
// (what batch lines contain). nullopt for anything else, including trailing garbage.
std::optional<std::map<std::string, JsonValue, std::less<>>> parse_flat_object(std::string_view text);

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
