// Signature primitives: RSA PKCS#1 v1.5, RSA-PSS, ECDSA (XMLDSig r||s form) and Ed25519.
#include "crypto/detail.hpp"

#include <openssl/rsa.h>

#include <algorithm>

namespace istmo::crypto {
namespace {

using detail::openssl_error;

// A non-null pointer for empty inputs (some OpenSSL paths reject a null buffer).
const unsigned char* data_or_dummy(std::span<const std::uint8_t> data) noexcept {
    static const unsigned char dummy = 0;
    return data.empty() ? &dummy : data.data();
}

bool scheme_fits(SigScheme scheme, KeyType type) noexcept {
    switch (scheme) {
        case SigScheme::rsa_pkcs1: return type == KeyType::rsa;
        case SigScheme::rsa_pss: return type == KeyType::rsa || type == KeyType::rsa_pss;
        case SigScheme::ecdsa: return type == KeyType::ec;
        case SigScheme::ed25519: return type == KeyType::ed25519;
    }
    return false;
}

const char* scheme_name(SigScheme scheme) noexcept {
    switch (scheme) {
        case SigScheme::rsa_pkcs1: return "RSA PKCS#1 v1.5";
        case SigScheme::rsa_pss: return "RSA-PSS";
        case SigScheme::ecdsa: return "ECDSA";
        case SigScheme::ed25519: return "Ed25519";
    }
    return "?";
}

// Width in bytes of r and s for the key's curve.
std::size_t ecdsa_width(const EVP_PKEY* key) noexcept {
    const int bits = key_bits_of(key);
    return bits > 0 ? (static_cast<std::size_t>(bits) + 7) / 8 : 0;
}

// Sets up ctx for signing (verify=false) or verifying with the scheme's parameters.
bool init_context(EVP_MD_CTX* ctx, EVP_PKEY* key, const SignatureParams& params, bool verify) {
    const EVP_MD* md = params.scheme == SigScheme::ed25519 ? nullptr : evp_md(params.digest);
    if (params.scheme != SigScheme::ed25519 && md == nullptr) return false;
    EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
    const int ok = verify ? EVP_DigestVerifyInit(ctx, &pctx, md, nullptr, key)
                          : EVP_DigestSignInit(ctx, &pctx, md, nullptr, key);
    if (ok != 1 || pctx == nullptr) return false;
    if (params.scheme == SigScheme::rsa_pkcs1)
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
    if (params.scheme == SigScheme::rsa_pss) {
        const EVP_MD* mgf1 = evp_md(params.mgf1_digest);
        const int salt = params.pss_salt_length < 0 ? RSA_PSS_SALTLEN_DIGEST : params.pss_salt_length;
        return mgf1 != nullptr && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
               EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) == 1 &&
               EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf1) == 1;
    }
    return true;
}

bool init_signing(EVP_MD_CTX* ctx, EVP_PKEY* key, const SignatureParams& params) {
    return init_context(ctx, key, params, false);
}

// The parameters as one number, to find their template.
std::uint64_t params_key(const SignatureParams& p) noexcept {
    return static_cast<std::uint64_t>(p.scheme) | static_cast<std::uint64_t>(p.digest) << 8 |
           static_cast<std::uint64_t>(p.mgf1_digest) << 16 |
           static_cast<std::uint64_t>(static_cast<std::uint32_t>(p.pss_salt_length)) << 32;
}

// DER ECDSA-Sig-Value -> fixed-width r||s.
Result<Bytes> der_to_raw(std::span<const std::uint8_t> der, std::size_t width) {
    const unsigned char* p = der.data();
    internal::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig) return openssl_error(Errc::crypto_error, "cannot decode the ECDSA signature");
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    Bytes out(2 * width);
    if (r == nullptr || s == nullptr || BN_bn2binpad(r, out.data(), static_cast<int>(width)) < 0 ||
        BN_bn2binpad(s, out.data() + width, static_cast<int>(width)) < 0)
        return openssl_error(Errc::crypto_error, "ECDSA signature value too large for the curve");
    return out;
}

// Fixed-width r||s -> DER ECDSA-Sig-Value (empty when it cannot be built).
Bytes raw_to_der(std::span<const std::uint8_t> raw) {
    const std::size_t width = raw.size() / 2;
    internal::BignumPtr r(BN_bin2bn(raw.data(), static_cast<int>(width), nullptr));
    internal::BignumPtr s(BN_bin2bn(raw.data() + width, static_cast<int>(width), nullptr));
    internal::EcdsaSigPtr sig(ECDSA_SIG_new());
    if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return {};
    static_cast<void>(r.release());  // now owned by sig
    static_cast<void>(s.release());
    unsigned char* raw_der = nullptr;
    const int length = i2d_ECDSA_SIG(sig.get(), &raw_der);
    internal::OsslBytesPtr der(raw_der);
    if (length <= 0 || !der) return {};
    return Bytes(der.get(), der.get() + length);
}

// True when `der` is exactly one canonical DER ECDSA-Sig-Value.
bool is_canonical_der_ecdsa(std::span<const std::uint8_t> der) {
    if (der.empty()) return false;
    const unsigned char* p = der.data();
    internal::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig || p != der.data() + der.size()) return false;
    unsigned char* raw_der = nullptr;
    const int length = i2d_ECDSA_SIG(sig.get(), &raw_der);
    internal::OsslBytesPtr again(raw_der);
    return length > 0 && again && static_cast<std::size_t>(length) == der.size() &&
           std::equal(der.begin(), der.end(), again.get());
}

// 1 valid, 0 invalid (anything else, including errors, is invalid).
bool verify_raw(EVP_PKEY* key, const SignatureParams& params, std::span<const std::uint8_t> message,
                std::span<const std::uint8_t> signature) {
    internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || !init_context(ctx.get(), key, params, true)) return false;
    return EVP_DigestVerify(ctx.get(), data_or_dummy(signature), signature.size(), data_or_dummy(message),
                            message.size()) == 1;
}

VerifyOutcome verify_impl(EVP_PKEY* key, const SignatureParams& params, std::span<const std::uint8_t> message,
                          std::span<const std::uint8_t> signature) {
    VerifyOutcome outcome;
    if (key == nullptr) return outcome;
    if (!scheme_fits(params.scheme, key_type_of(key))) {
        outcome.status = VerifyStatus::key_mismatch;
        return outcome;
    }
    if (signature.empty() || signature.size() > 16384) return outcome;  // no valid signature is that big

    if (params.scheme == SigScheme::ecdsa) {
        const std::size_t width = ecdsa_width(key);
        if (width == 0) return outcome;
        if (signature.size() == 2 * width) {
            const Bytes der = raw_to_der(signature);
            if (!der.empty() && verify_raw(key, params, message, der)) {
                outcome.status = VerifyStatus::valid;
                return outcome;
            }
        }
        // Fallback: a DER ECDSA-Sig-Value (not what XMLDSig specifies; flagged to the caller).
        if (is_canonical_der_ecdsa(signature)) {
            outcome.ecdsa_der_encoded = true;
            if (verify_raw(key, params, message, signature)) outcome.status = VerifyStatus::valid;
        }
        return outcome;
    }
    if (params.scheme == SigScheme::ed25519 && signature.size() != 64) return outcome;
    if (verify_raw(key, params, message, signature)) outcome.status = VerifyStatus::valid;
    return outcome;
}

// A key outside the process signs the digest computed here (only the digest leaves).
Result<Bytes> sign_with_backend(const KeyBackend& backend, const SignatureParams& params,
                                std::span<const std::uint8_t> message) {
    if (params.scheme == SigScheme::ed25519) return backend.sign_digest(params, message);
    const Bytes hashed = digest(params.digest, message);
    if (hashed.empty()) return make_error(Errc::crypto_error, "cannot hash the data to sign");
    return backend.sign_digest(params, hashed);
}

}  // namespace

Result<Bytes> sign_message(const PrivateKey& key, const SignatureParams& params,
                           std::span<const std::uint8_t> message) {
    return detail::guarded("signing", [&]() -> Result<Bytes> {
        detail::ErrorQueueGuard queue_guard;
        EVP_PKEY* pkey = key.impl().key.get();
        const KeyType type = key_type_of(pkey);
        if (!scheme_fits(params.scheme, type))
            return make_error(Errc::key_error, std::string(scheme_name(params.scheme)) +
                                                   " signatures cannot be made with a " +
                                                   std::string(key_type_name(type)) + " key");
        if (key.impl().backend) return sign_with_backend(*key.impl().backend, params, message);
        internal::EvpMdCtxPtr ctx = key.impl().sign_contexts.context_for(pkey, params, init_signing);
        if (!ctx)
            return openssl_error(Errc::crypto_error,
                                 std::string("cannot set up ") + scheme_name(params.scheme) + " signing");
        std::size_t length = 0;
        if (EVP_DigestSign(ctx.get(), nullptr, &length, data_or_dummy(message), message.size()) != 1 ||
            length == 0)
            return openssl_error(Errc::crypto_error, "cannot size the signature");
        Bytes signature(length);
        if (EVP_DigestSign(ctx.get(), signature.data(), &length, data_or_dummy(message), message.size()) != 1)
            return openssl_error(Errc::crypto_error, std::string(scheme_name(params.scheme)) + " signing failed");
        signature.resize(length);
        if (params.scheme == SigScheme::ecdsa) return der_to_raw(signature, ecdsa_width(pkey));
        return signature;
    });
}

internal::EvpMdCtxPtr SignContextCache::context_for(EVP_PKEY* key, const SignatureParams& params, Setup setup) {
    constexpr std::size_t k_max_templates = 8;  // a key signs with one or two sets of parameters
    const std::uint64_t wanted = params_key(params);
    internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx) return ctx;
    const std::lock_guard lock(m_mutex);
    const auto found = std::find_if(m_templates.begin(), m_templates.end(),
                                    [&](const auto& entry) { return entry.first == wanted; });
    if (found != m_templates.end() && EVP_MD_CTX_copy_ex(ctx.get(), found->second.get()) == 1) return ctx;
    // No usable template: a context set up now, kept as the template when it can be copied.
    internal::EvpMdCtxPtr fresh(EVP_MD_CTX_new());
    if (!fresh || !setup(fresh.get(), key, params)) return nullptr;
    if (found != m_templates.end() || m_templates.size() >= k_max_templates ||
        EVP_MD_CTX_copy_ex(ctx.get(), fresh.get()) != 1)
        return fresh;
    m_templates.emplace_back(wanted, std::move(fresh));
    return ctx;
}

VerifyOutcome verify_message(EVP_PKEY* public_key, const SignatureParams& params,
                             std::span<const std::uint8_t> message, std::span<const std::uint8_t> signature) {
    detail::ErrorQueueGuard queue_guard;
    try {
        return verify_impl(public_key, params, message, signature);
    } catch (...) {
        return VerifyOutcome{};
    }
}

}  // namespace istmo::crypto
