#pragma once
// A public key given explicitly by the caller (e.g. to verify a signature that names its key
// only by KeyName, as in the W3C interop vectors).
//
// Thread safety: immutable, shareable.
#include <istmo/core/result.hpp>
#include <istmo/crypto/keys.hpp>
#include <istmo/export.hpp>

#include <memory>
#include <span>
#include <string>

namespace istmo::crypto {

class ISTMO_API PublicKey {
public:
    struct Impl;
    // PEM "PUBLIC KEY" (SubjectPublicKeyInfo) or DER SubjectPublicKeyInfo.
    static Result<PublicKey> from_memory(std::span<const std::uint8_t> data);
    static Result<PublicKey> from_file(const std::string& path);
    static PublicKey from_certificate(const Certificate& cert);

    [[nodiscard]] KeyType type() const noexcept;
    [[nodiscard]] int bits() const noexcept;

    [[nodiscard]] const Impl& impl() const noexcept { return *m_impl; }
    explicit PublicKey(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

private:
    std::shared_ptr<const Impl> m_impl;
};

}  // namespace istmo::crypto
