// Private keys (PEM / DER / PKCS#12), the key policy, and public keys from raw components.
#include "crypto/detail.hpp"

#include <openssl/pkcs12.h>

#include <climits>
#include <cstring>

namespace istmo::crypto {
namespace {

using detail::openssl_error;

// PEM password callback that never prompts: it hands over the given password, or fails
// (and records that a password was wanted) when there is none.
struct PasswordRequest {
    const Secret* password = nullptr;
    bool asked = false;
};

int istmo_pem_password_cb(char* buffer, int size, int /*rwflag*/, void* user) {
    auto* request = static_cast<PasswordRequest*>(user);
    if (request == nullptr) return -1;
    request->asked = true;
    if (request->password == nullptr || buffer == nullptr || size <= 0) return -1;
    const std::string_view text = request->password->view();
    if (text.size() > static_cast<std::size_t>(size)) return -1;
    std::memcpy(buffer, text.data(), text.size());
    return static_cast<int>(text.size());
}

Error password_error(const PasswordRequest& request, const char* what) {
    const std::string cause = drain_openssl_errors();
    if (request.password == nullptr)
        return make_error(Errc::bad_password, std::string(what) + " is encrypted and no password was given",
                          cause);
    return make_error(Errc::bad_password,
                      std::string("cannot decrypt ") + what + ": wrong password", cause);
}

Result<PrivateKey> finish_key(internal::EvpPkeyPtr key) {
    if (!key) return openssl_error(Errc::key_error, "no private key found");
    if (auto ok = detail::check_key_policy(key.get()); !ok) return std::move(ok).error();
    auto impl = std::make_shared<PrivateKey::Impl>();
    impl->key = std::move(key);
    return PrivateKey(std::shared_ptr<const PrivateKey::Impl>(std::move(impl)));
}

Result<PrivateKey> from_pem(std::span<const std::uint8_t> data, const Secret* password) {
    auto bio = detail::memory_bio(data);
    if (!bio) return openssl_error(Errc::internal, "cannot create a memory BIO");
    PasswordRequest request{password, false};
    internal::EvpPkeyPtr key(
        PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, istmo_pem_password_cb, &request, nullptr, nullptr));
    if (!key) {
        if (request.asked) return password_error(request, "the PEM private key");
        return openssl_error(Errc::parse_error, "no readable private key in the PEM data");
    }
    return finish_key(std::move(key));
}

Result<PrivateKey> from_pkcs12(PKCS12* p12, const Secret* password) {
    // Secret::view() covers a whole std::string, so its data() is NUL-terminated.
    const char* pass = password != nullptr ? password->view().data() : "";
    const int pass_len = password != nullptr ? static_cast<int>(password->view().size()) : 0;
    if (PKCS12_mac_present(p12) == 1) {
        bool ok = PKCS12_verify_mac(p12, pass, pass_len) == 1;
        if (!ok && password == nullptr) ok = PKCS12_verify_mac(p12, nullptr, 0) == 1;
        if (!ok) {
            const std::string cause = drain_openssl_errors();
            if (password == nullptr)
                return make_error(Errc::bad_password, "the PKCS#12 file needs a password", cause);
            return make_error(Errc::bad_password, "cannot open the PKCS#12 file: wrong password", cause);
        }
    }
    EVP_PKEY* raw_key = nullptr;
    X509* raw_cert = nullptr;
    const int parsed = PKCS12_parse(p12, pass, &raw_key, &raw_cert, nullptr);
    internal::EvpPkeyPtr key(raw_key);
    internal::X509Ptr cert(raw_cert);
    if (parsed != 1) {
        const std::string cause = drain_openssl_errors();
        if (PKCS12_mac_present(p12) != 1)  // no integrity check: decryption is the only test
            return make_error(Errc::bad_password, "cannot decrypt the PKCS#12 file", cause);
        return make_error(Errc::parse_error, "cannot read the PKCS#12 file", cause);
    }
    if (!key) return make_error(Errc::key_error, "the PKCS#12 file holds no private key");
    return finish_key(std::move(key));
}

Result<PrivateKey> from_der(std::span<const std::uint8_t> data, const Secret* password) {
    if (data.size() > static_cast<std::size_t>(LONG_MAX))
        return make_error(Errc::limit_exceeded, "key data too large");
    const long length = static_cast<long>(data.size());

    // PKCS#12?
    {
        const unsigned char* p = data.data();
        internal::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, length));
        if (p12 && p == data.data() + data.size()) {
            ERR_clear_error();
            return from_pkcs12(p12.get(), password);
        }
        ERR_clear_error();
    }
    // Encrypted PKCS#8 (EncryptedPrivateKeyInfo)?
    {
        const unsigned char* p = data.data();
        detail::X509SigPtr sig(d2i_X509_SIG(nullptr, &p, length));
        if (sig && p == data.data() + data.size()) {
            ERR_clear_error();
            if (password == nullptr)
                return make_error(Errc::bad_password,
                                  "the DER private key is encrypted and no password was given");
            const std::string_view pass = password->view();
            detail::Pkcs8InfoPtr info(
                PKCS8_decrypt(sig.get(), pass.data(), static_cast<int>(pass.size())));
            if (!info) {
                const std::string cause = drain_openssl_errors();
                return make_error(Errc::bad_password, "cannot decrypt the DER private key: wrong password",
                                  cause);
            }
            internal::EvpPkeyPtr key(EVP_PKCS82PKEY(info.get()));
            if (!key) return openssl_error(Errc::parse_error, "cannot read the decrypted private key");
            return finish_key(std::move(key));
        }
        ERR_clear_error();
    }
    // Plain PKCS#8 or a traditional (RSA / EC) private key.
    const unsigned char* p = data.data();
    internal::EvpPkeyPtr key(d2i_AutoPrivateKey(nullptr, &p, length));
    if (!key) return openssl_error(Errc::parse_error, "not a PEM, DER or PKCS#12 private key");
    if (p != data.data() + data.size())
        return make_error(Errc::parse_error, "trailing bytes after the DER private key");
    return finish_key(std::move(key));
}

std::string group_name(const EVP_PKEY* key) {
    char name[80] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &length) != 1)
        return {};
    return std::string(name, length);
}

std::string normalise_curve(const std::string& group) {
    if (group == "prime256v1" || group == "secp256r1" || group == "P-256") return "P-256";
    if (group == "secp384r1" || group == "P-384") return "P-384";
    if (group == "secp521r1" || group == "P-521") return "P-521";
    return {};
}

}  // namespace

// ---- key properties ----------------------------------------------------------------------

KeyType key_type_of(const EVP_PKEY* key) noexcept {
    if (key == nullptr) return KeyType::other;
    if (EVP_PKEY_is_a(key, "RSA") == 1) return KeyType::rsa;
    if (EVP_PKEY_is_a(key, "RSA-PSS") == 1) return KeyType::rsa_pss;
    if (EVP_PKEY_is_a(key, "EC") == 1) return KeyType::ec;
    if (EVP_PKEY_is_a(key, "ED25519") == 1) return KeyType::ed25519;
    return KeyType::other;
}

int key_bits_of(const EVP_PKEY* key) noexcept {
    if (key == nullptr) return 0;
    const int bits = EVP_PKEY_get_bits(key);
    return bits > 0 ? bits : 0;
}

std::string curve_of(const EVP_PKEY* key) {
    if (key_type_of(key) != KeyType::ec) return {};
    std::string curve = normalise_curve(group_name(key));
    ERR_clear_error();
    return curve;
}

namespace detail {

Result<void> check_key_policy(const EVP_PKEY* key) {
    const KeyType type = key_type_of(key);
    switch (type) {
        case KeyType::rsa:
        case KeyType::rsa_pss: {
            const int bits = key_bits_of(key);
            if (bits < 2048 || bits > 16384)
                return make_error(Errc::key_error, "RSA key of " + std::to_string(bits) +
                                                       " bits refused (2048 to 16384 bits are accepted)");
            return {};
        }
        case KeyType::ec: {
            const std::string group = group_name(key);
            ERR_clear_error();
            if (normalise_curve(group).empty())
                return make_error(Errc::key_error,
                                  "EC key on curve " + (group.empty() ? std::string("(unknown)") : group) +
                                      " refused (P-256, P-384 and P-521 are accepted)");
            return {};
        }
        case KeyType::ed25519: return {};
        case KeyType::other: break;
    }
    const char* name = key != nullptr ? EVP_PKEY_get0_type_name(key) : nullptr;
    return make_error(Errc::key_error, std::string("unsupported key type ") +
                                           (name != nullptr ? name : "(unknown)") +
                                           " (RSA, EC P-256/P-384/P-521 and Ed25519 are accepted)");
}

}  // namespace detail

// ---- PrivateKey --------------------------------------------------------------------------

Result<PrivateKey> PrivateKey::from_memory(std::span<const std::uint8_t> data, const Secret* password) {
    return detail::guarded("loading a private key", [&]() -> Result<PrivateKey> {
        detail::ErrorQueueGuard queue_guard;
        ERR_clear_error();
        if (data.empty()) return make_error(Errc::parse_error, "empty private key data");
        if (detail::looks_like_pem(data)) return from_pem(data, password);
        return from_der(data, password);
    });
}

Result<PrivateKey> PrivateKey::from_file(const std::string& path, const Secret* password) {
    return detail::guarded("loading a private key", [&]() -> Result<PrivateKey> {
        auto bytes = detail::read_file_bytes(path);
        if (!bytes) return std::move(bytes).error();
        auto key = from_memory(*bytes, password);
        OPENSSL_cleanse(bytes->data(), bytes->size());
        if (!key) {
            Error error = std::move(key).error();
            error.message += " (" + path + ")";
            return error;
        }
        return key;
    });
}

KeyType PrivateKey::type() const noexcept { return key_type_of(m_impl->key.get()); }
int PrivateKey::bits() const noexcept { return key_bits_of(m_impl->key.get()); }
std::string PrivateKey::curve() const { return curve_of(m_impl->key.get()); }

// ---- public keys from components ---------------------------------------------------------

namespace {

std::span<const std::uint8_t> strip_leading_zeros(std::span<const std::uint8_t> value) {
    std::size_t i = 0;
    while (i < value.size() && value[i] == 0) ++i;
    return value.subspan(i);
}

Result<internal::EvpPkeyPtr> public_key_from_params(const char* type, const OSSL_PARAM* params,
                                                    const char* what) {
    internal::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1)
        return openssl_error(Errc::crypto_error, std::string("cannot build ") + what);
    EVP_PKEY* raw = nullptr;
    // EVP_PKEY_fromdata takes a non-const OSSL_PARAM array but does not modify it.
    const int ok = EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, const_cast<OSSL_PARAM*>(params));
    internal::EvpPkeyPtr key(raw);
    if (ok != 1 || !key) return openssl_error(Errc::key_error, std::string("invalid ") + what);
    return key;
}

}  // namespace

Result<internal::EvpPkeyPtr> rsa_public_key(std::span<const std::uint8_t> modulus,
                                            std::span<const std::uint8_t> exponent) {
    return detail::guarded("building an RSA public key", [&]() -> Result<internal::EvpPkeyPtr> {
        detail::ErrorQueueGuard queue_guard;
        const auto n_bytes = strip_leading_zeros(modulus);
        const auto e_bytes = strip_leading_zeros(exponent);
        if (n_bytes.empty()) return make_error(Errc::key_error, "RSA modulus is empty or zero");
        if ((n_bytes.back() & 1) == 0) return make_error(Errc::key_error, "RSA modulus is even");
        if (n_bytes.size() > 16384 / 8)
            return make_error(Errc::key_error, "RSA modulus larger than 16384 bits");
        if (e_bytes.empty()) return make_error(Errc::key_error, "RSA public exponent is empty or zero");
        if ((e_bytes.back() & 1) == 0 || (e_bytes.size() == 1 && e_bytes[0] == 1))
            return make_error(Errc::key_error, "invalid RSA public exponent");
        if (e_bytes.size() > n_bytes.size())
            return make_error(Errc::key_error, "RSA public exponent larger than the modulus");

        internal::BignumPtr n(BN_bin2bn(n_bytes.data(), static_cast<int>(n_bytes.size()), nullptr));
        internal::BignumPtr e(BN_bin2bn(e_bytes.data(), static_cast<int>(e_bytes.size()), nullptr));
        detail::ParamBldPtr builder(OSSL_PARAM_BLD_new());
        if (!n || !e || !builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
            OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
            return openssl_error(Errc::crypto_error, "cannot build an RSA public key");
        detail::ParamPtr params(OSSL_PARAM_BLD_to_param(builder.get()));
        if (!params) return openssl_error(Errc::crypto_error, "cannot build an RSA public key");
        return public_key_from_params("RSA", params.get(), "RSA public key");
    });
}

Result<internal::EvpPkeyPtr> ec_public_key(const std::string& curve, std::span<const std::uint8_t> point) {
    return detail::guarded("building an EC public key", [&]() -> Result<internal::EvpPkeyPtr> {
        detail::ErrorQueueGuard queue_guard;
        const char* group = nullptr;
        std::size_t width = 0;
        if (curve == "P-256") { group = "prime256v1"; width = 32; }
        else if (curve == "P-384") { group = "secp384r1"; width = 48; }
        else if (curve == "P-521") { group = "secp521r1"; width = 66; }
        else return make_error(Errc::key_error, "unsupported EC curve \"" + curve + "\"");

        const bool uncompressed = point.size() == 1 + 2 * width && point[0] == 0x04;
        const bool compressed = point.size() == 1 + width && (point[0] == 0x02 || point[0] == 0x03);
        if (!uncompressed && !compressed)
            return make_error(Errc::key_error, "EC point has a wrong encoding or length for " + curve);

        detail::ParamBldPtr builder(OSSL_PARAM_BLD_new());
        if (!builder ||
            OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
            OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                             point.size()) != 1)
            return openssl_error(Errc::crypto_error, "cannot build an EC public key");
        detail::ParamPtr params(OSSL_PARAM_BLD_to_param(builder.get()));
        if (!params) return openssl_error(Errc::crypto_error, "cannot build an EC public key");
        auto key = public_key_from_params("EC", params.get(), "EC public key (point not on the curve?)");
        if (!key) return key;
        internal::EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr));
        if (!check || EVP_PKEY_public_check(check.get()) != 1)
            return openssl_error(Errc::key_error, "EC public key point is not on the " + curve + " curve");
        return key;
    });
}

}  // namespace istmo::crypto
