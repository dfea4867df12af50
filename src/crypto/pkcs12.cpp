// A PKCS#12 file as a vendor receives it from a certification authority: key, certificate and
// the issuing chain in one password-protected file.
#include <istmo/crypto/keys.hpp>

#include "crypto/detail.hpp"

#include <openssl/pkcs12.h>

#include <climits>

namespace istmo::crypto {

namespace {

// The certificates of the file; the key was read (and the password checked) before.
Result<void> read_certificates(PKCS12* p12, const Secret* password, Pkcs12Contents& out) {
    // Secret::view() covers a whole std::string, so its data() is NUL-terminated.
    const char* pass = password != nullptr ? password->view().data() : "";
    EVP_PKEY* raw_key = nullptr;
    X509* raw_cert = nullptr;
    STACK_OF(X509)* raw_ca = nullptr;
    const int parsed = PKCS12_parse(p12, pass, &raw_key, &raw_cert, &raw_ca);
    internal::EvpPkeyPtr key(raw_key);  // already held by out.key
    internal::X509Ptr cert(raw_cert);
    internal::X509StackPtr ca(raw_ca);
    if (parsed != 1) return detail::openssl_error(Errc::parse_error, "cannot read the certificates of the PKCS#12 file");
    if (cert) {
        auto certificate = detail::make_certificate(std::move(cert));
        if (!certificate) return certificate.error();
        out.certificate = std::move(*certificate);
    }
    const int count = ca ? sk_X509_num(ca.get()) : 0;
    for (int i = 0; i < count; ++i) {
        internal::X509Ptr extra(X509_dup(sk_X509_value(ca.get(), i)));
        if (!extra) return detail::openssl_error(Errc::internal, "cannot copy a certificate of the PKCS#12 file");
        auto certificate = detail::make_certificate(std::move(extra));
        if (!certificate) return certificate.error();
        out.chain.push_back(std::move(*certificate));
    }
    return {};
}

}  // namespace

Result<Pkcs12Contents> load_pkcs12(std::span<const std::uint8_t> data, const Secret* password) {
    return detail::guarded("load_pkcs12", [&]() -> Result<Pkcs12Contents> {
        const detail::ErrorQueueGuard queue_guard;
        if (data.size() > static_cast<std::size_t>(LONG_MAX))
            return make_error(Errc::limit_exceeded, "PKCS#12 data too large");
        const unsigned char* p = data.data();
        internal::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(data.size())));
        if (!p12 || p != data.data() + data.size()) return make_error(Errc::parse_error, "not a PKCS#12 file");
        // The key with PrivateKey's password rules, errors and key policy.
        auto key = PrivateKey::from_memory(data, password);
        if (!key) return key.error();
        Pkcs12Contents out{std::move(*key), std::nullopt, {}};
        if (auto certificates = read_certificates(p12.get(), password, out); !certificates)
            return certificates.error();
        return out;
    });
}

Result<Pkcs12Contents> load_pkcs12_file(const std::string& path, const Secret* password) {
    auto data = detail::read_file_bytes(path);
    if (!data) return data.error();
    return load_pkcs12(*data, password);
}

}  // namespace istmo::crypto
