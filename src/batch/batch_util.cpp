#include "batch/batch_util.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdint>

namespace istmo::batch::detail {

namespace {

std::string hex(const unsigned char* md, unsigned int len) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2u * len);
    for (unsigned int i = 0; i < len; ++i) {
        out.push_back(digits[md[i] >> 4]);
        out.push_back(digits[md[i] & 0x0F]);
    }
    return out;
}

}  // namespace

std::optional<report::json::Value> parse_line_object(std::string_view line) {
    report::json::Limits limits;
    limits.max_bytes = line.size();
    limits.max_string_bytes = line.size();
    limits.max_depth = 4;
    auto value = report::json::parse(line, limits);
    if (!value || !value->is(report::json::Kind::object)) return std::nullopt;
    return std::move(*value);
}

std::optional<std::string> base64_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size() / 4 * 3 + 3);
    std::uint32_t acc = 0;
    int bits = 0;
    std::size_t symbols = 0;
    std::size_t padding = 0;
    for (const char c : text) {
        int v = -1;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '+') v = 62;
        else if (c == '/') v = 63;
        else if (c == '=') {
            ++padding;
            continue;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            continue;
        } else {
            return std::nullopt;
        }
        if (padding != 0) return std::nullopt;  // data after padding
        ++symbols;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    if (symbols % 4 == 1 || padding > 2) return std::nullopt;
    if (padding != 0 && (symbols + padding) % 4 != 0) return std::nullopt;
    return out;
}

Sha256::Sha256() {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(ctx);
        ctx = nullptr;
    }
    m_ctx = ctx;
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(m_ctx)); }

bool Sha256::update(std::string_view data) {
    if (!m_ctx) return false;
    return EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(m_ctx), data.data(), data.size()) == 1;
}

std::string Sha256::hex_final() {
    if (!m_ctx) return {};
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(m_ctx), md.data(), &len) != 1) return {};
    return hex(md.data(), len);
}

namespace {

// One digest context per thread, with SHA-256 fetched once: with OpenSSL 3, EVP_sha256() in
// every EVP_DigestInit_ex is an implicit fetch (a read lock on the shared method store and
// reference counts on the shared EVP_MD), which every worker would do once per document.
struct ThreadDigest {
    EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ThreadDigest() = default;
    ThreadDigest(const ThreadDigest&) = delete;
    ThreadDigest& operator=(const ThreadDigest&) = delete;
    ~ThreadDigest() {
        EVP_MD_CTX_free(ctx);
        EVP_MD_free(md);
    }
};

}  // namespace

std::string sha256_hex(std::string_view data) {
    thread_local ThreadDigest t;
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (t.md && t.ctx && EVP_DigestInit_ex(t.ctx, t.md, nullptr) == 1 &&
        EVP_DigestUpdate(t.ctx, data.data(), data.size()) == 1 && EVP_DigestFinal_ex(t.ctx, md.data(), &len) == 1)
        return hex(md.data(), len);
    Sha256 h;
    h.update(data);
    return h.hex_final();
}

}  // namespace istmo::batch::detail
