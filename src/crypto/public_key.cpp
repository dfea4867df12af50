#include <istmo/crypto/public_key.hpp>

#include "crypto/native.hpp"
#include "crypto/public_key_impl.hpp"

#include <openssl/pem.h>

#include <fstream>
#include <iterator>

namespace istmo::crypto {

Result<PublicKey> PublicKey::from_memory(std::span<const std::uint8_t> data) {
    if (data.empty()) return make_error(Errc::parse_error, "empty public key input");
    internal::BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    if (!bio) return make_error(Errc::internal, "cannot allocate a BIO");
    EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (!key) {
        drain_openssl_errors();
        const unsigned char* p = data.data();
        key = d2i_PUBKEY(nullptr, &p, static_cast<long>(data.size()));
        if (key && p != data.data() + data.size()) {
            EVP_PKEY_free(key);
            key = nullptr;
        }
    }
    if (!key) return make_error(Errc::parse_error, "not a PEM or DER public key", drain_openssl_errors());
    auto impl = std::make_shared<Impl>();
    impl->key.reset(key);  // owned by impl from here
    return PublicKey(std::move(impl));
}

Result<PublicKey> PublicKey::from_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::not_found, "cannot open public key file " + path);
    std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return from_memory(data);
}

PublicKey PublicKey::from_certificate(const Certificate& cert) {
    auto impl = std::make_shared<Impl>();
    EVP_PKEY* key = get0_public_key(cert);
    if (key && EVP_PKEY_up_ref(key) == 1) impl->key.reset(key);
    return PublicKey(std::move(impl));
}

KeyType PublicKey::type() const noexcept { return m_impl->key ? key_type_of(m_impl->key.get()) : KeyType::other; }
int PublicKey::bits() const noexcept { return m_impl->key ? key_bits_of(m_impl->key.get()) : 0; }

}  // namespace istmo::crypto
