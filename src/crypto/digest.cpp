// Message digests and hex output.
#include "crypto/detail.hpp"

#include <openssl/hmac.h>

#include <array>
#include <limits>
#include <stdexcept>

namespace istmo::crypto {

const EVP_MD* evp_md(DigestAlg alg) noexcept {
    switch (alg) {
        case DigestAlg::sha1: return EVP_sha1();  // legacy verification only
        case DigestAlg::sha224: return EVP_sha224();
        case DigestAlg::sha256: return EVP_sha256();
        case DigestAlg::sha384: return EVP_sha384();
        case DigestAlg::sha512: return EVP_sha512();
    }
    return nullptr;
}

std::size_t digest_size(DigestAlg alg) noexcept {
    switch (alg) {
        case DigestAlg::sha1: return 20;
        case DigestAlg::sha224: return 28;
        case DigestAlg::sha256: return 32;
        case DigestAlg::sha384: return 48;
        case DigestAlg::sha512: return 64;
    }
    return 0;
}

// A digest failure can only come from memory exhaustion or a broken OpenSSL configuration.
// It is reported with an exception (never with an empty value, which could compare equal
// to an empty DigestValue); the public entry points catch it.
Bytes digest(DigestAlg alg, std::span<const std::uint8_t> data) {
    DigestContext ctx(alg);
    ctx.update(data);
    return ctx.finish();
}

namespace {

// The digests fetched from the default provider once: with OpenSSL 3, EVP_sha256() in every
// EVP_DigestInit_ex is an implicit fetch (a lock on the shared method store and reference
// counts on a shared EVP_MD). Kept for the life of the process.
const EVP_MD* fetched_md(DigestAlg alg) noexcept {
    static const std::array<EVP_MD*, 5> fetched = [] {
        std::array<EVP_MD*, 5> out{};
        const char* names[] = {"SHA1", "SHA224", "SHA256", "SHA384", "SHA512"};
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = EVP_MD_fetch(nullptr, names[i], nullptr);
        ERR_clear_error();
        return out;
    }();
    const auto index = static_cast<std::size_t>(alg);
    return index < fetched.size() && fetched[index] != nullptr ? fetched[index] : evp_md(alg);
}

}  // namespace

DigestContext::DigestContext(DigestAlg alg) : m_ctx(EVP_MD_CTX_new()) {
    const EVP_MD* md = fetched_md(alg);
    if (!m_ctx || md == nullptr || EVP_DigestInit_ex(m_ctx.get(), md, nullptr) != 1) {
        const std::string cause = drain_openssl_errors();
        throw std::runtime_error("digest initialisation failed: " + cause);
    }
}

void DigestContext::update(std::span<const std::uint8_t> data) { update(data.data(), data.size()); }

void DigestContext::update(const void* data, std::size_t size) {
    if (size == 0) return;
    if (!m_ctx) throw std::logic_error("DigestContext used after finish()");
    if (EVP_DigestUpdate(m_ctx.get(), data, size) != 1) {
        const std::string cause = drain_openssl_errors();
        throw std::runtime_error("digest update failed: " + cause);
    }
}

Bytes DigestContext::finish() {
    if (!m_ctx) throw std::logic_error("DigestContext::finish() called twice");
    Bytes out(static_cast<std::size_t>(EVP_MAX_MD_SIZE));
    unsigned int length = 0;
    const int ok = EVP_DigestFinal_ex(m_ctx.get(), out.data(), &length);
    m_ctx.reset();
    if (ok != 1) {
        const std::string cause = drain_openssl_errors();
        throw std::runtime_error("digest finalisation failed: " + cause);
    }
    out.resize(length);
    return out;
}

std::string DigestContext::finish_hex() { return hex_lower(finish()); }

std::string sha256_hex(std::string_view data) {
    thread_local internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (ctx && EVP_DigestInit_ex(ctx.get(), fetched_md(DigestAlg::sha256), nullptr) == 1 &&
        EVP_DigestUpdate(ctx.get(), data.data(), data.size()) == 1 && EVP_DigestFinal_ex(ctx.get(), md, &length) == 1)
        return hex_lower(std::span<const std::uint8_t>(md, length));
    DigestContext fallback(DigestAlg::sha256);  // throws with the cause
    fallback.update(data);
    return fallback.finish_hex();
}

Result<Bytes> hmac(DigestAlg alg, std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) {
    return detail::guarded("HMAC", [&]() -> Result<Bytes> {
        if (key.empty()) return make_error(Errc::invalid_argument, "the HMAC key is empty");
        if (key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
            return make_error(Errc::limit_exceeded, "the HMAC key is too long");
        Bytes out(EVP_MAX_MD_SIZE);
        unsigned int length = 0;
        if (HMAC(fetched_md(alg), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
                 &length) == nullptr)
            return detail::openssl_error(Errc::crypto_error, "HMAC failed");
        out.resize(length);
        return out;
    });
}

std::string hex_lower(std::span<const std::uint8_t> data) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.resize(data.size() * 2);
    std::size_t i = 0;
    for (const std::uint8_t byte : data) {
        out[i++] = digits[byte >> 4];
        out[i++] = digits[byte & 0x0f];
    }
    return out;
}

}  // namespace istmo::crypto
