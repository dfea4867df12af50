// X.509 certificates: parsing (PEM / DER / bundles) and field access.
#include "crypto/detail.hpp"
#include "crypto/native.hpp"

#include <climits>
#include <ctime>

namespace istmo::crypto {
namespace {

using detail::openssl_error;

std::string name_rfc2253(const X509_NAME* name) {
    if (name == nullptr) return {};
    internal::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) return {};
    // RFC 2253 order and escaping, but UTF-8 kept as is (not "\C3\A9"), like
    // `openssl x509 -nameopt RFC2253,-esc_msb`.
    const unsigned long flags = XN_FLAG_RFC2253 & ~static_cast<unsigned long>(ASN1_STRFLGS_ESC_MSB);
    if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) {
        ERR_clear_error();
        return {};
    }
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    if (length <= 0 || data == nullptr) return {};
    return std::string(data, static_cast<std::size_t>(length));
}

std::optional<std::int64_t> asn1_seconds(const ASN1_TIME* time) {
    std::tm tm{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
        ERR_clear_error();
        return std::nullopt;
    }
    return static_cast<std::int64_t>(timegm(&tm));
}

TimePoint asn1_time_point(const ASN1_TIME* time) {
    const auto seconds = asn1_seconds(time);
    return seconds ? time_point_from_epoch_seconds(*seconds) : TimePoint{};
}

internal::BignumPtr serial_bn(const X509* cert) {
    internal::BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
    if (!bn) ERR_clear_error();
    return bn;
}

Result<std::vector<Certificate>> all_from_pem(std::span<const std::uint8_t> data) {
    auto bio = detail::memory_bio(data);
    if (!bio) return openssl_error(Errc::internal, "cannot create a memory BIO");
    std::vector<Certificate> out;
    for (;;) {
        internal::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!cert) {
            const unsigned long err = ERR_peek_last_error();
            if (!out.empty() && ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
                ERR_clear_error();  // normal end of the bundle
                break;
            }
            if (out.empty() && ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE)
                return openssl_error(Errc::parse_error, "no certificate in the PEM data");
            return openssl_error(Errc::parse_error,
                                 "unreadable certificate number " + std::to_string(out.size() + 1) +
                                     " in the PEM data");
        }
        auto certificate = detail::make_certificate(std::move(cert));
        if (!certificate) return std::move(certificate).error();
        out.push_back(std::move(*certificate));
    }
    return out;
}

}  // namespace

const CertificateFacts& Certificate::Impl::facts() const {
    std::call_once(m_facts_once, [this] {
        const Certificate view(std::shared_ptr<const Impl>(std::shared_ptr<const Impl>(), this));  // non-owning
        m_facts.sha256 = digest(DigestAlg::sha256, der);
        m_facts.sha256_hex = hex_lower(m_facts.sha256);
        m_facts.not_before_seconds = asn1_seconds(X509_get0_notBefore(cert.get()));
        m_facts.not_after_seconds = asn1_seconds(X509_get0_notAfter(cert.get()));
        m_facts.subject = view.subject();
        m_facts.issuer = view.issuer();
        m_facts.serial_hex = view.serial_hex();
        m_facts.not_before = view.not_before();
        m_facts.not_after = view.not_after();
    });
    return m_facts;
}

Certificate certificate_from_parsed(X509* cert, Bytes der) {
    auto impl = std::make_shared<Certificate::Impl>();
    X509_up_ref(cert);
    impl->cert.reset(cert);
    impl->der = std::move(der);
    return Certificate(std::shared_ptr<const Certificate::Impl>(std::move(impl)));
}

namespace detail {

Result<Certificate> make_certificate(internal::X509Ptr cert) {
    if (!cert) return make_error(Errc::internal, "no certificate");
    unsigned char* raw = nullptr;
    const int length = i2d_X509(cert.get(), &raw);
    internal::OsslBytesPtr der(raw);
    if (length <= 0 || !der) return openssl_error(Errc::certificate_error, "cannot encode the certificate");
    auto impl = std::make_shared<Certificate::Impl>();
    impl->der.assign(der.get(), der.get() + length);
    impl->cert = std::move(cert);
    return Certificate(std::shared_ptr<const Certificate::Impl>(std::move(impl)));
}

}  // namespace detail

Result<Certificate> Certificate::from_der(std::span<const std::uint8_t> der) {
    return detail::guarded("reading a certificate", [&]() -> Result<Certificate> {
        detail::ErrorQueueGuard queue_guard;
        if (der.empty()) return make_error(Errc::parse_error, "empty certificate data");
        if (der.size() > static_cast<std::size_t>(LONG_MAX))
            return make_error(Errc::limit_exceeded, "certificate data too large");
        const unsigned char* p = der.data();
        internal::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
        if (!cert) return openssl_error(Errc::parse_error, "not a DER certificate");
        if (p != der.data() + der.size())
            return make_error(Errc::parse_error, "trailing bytes after the DER certificate");
        auto impl = std::make_shared<Certificate::Impl>();
        impl->der.assign(der.begin(), der.end());
        impl->cert = std::move(cert);
        return Certificate(std::shared_ptr<const Impl>(std::move(impl)));
    });
}

Result<Certificate> Certificate::from_pem(std::string_view pem) {
    return detail::guarded("reading a certificate", [&]() -> Result<Certificate> {
        detail::ErrorQueueGuard queue_guard;
        const std::span<const std::uint8_t> data(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size());
        auto bio = detail::memory_bio(data);
        if (!bio) return openssl_error(Errc::internal, "cannot create a memory BIO");
        internal::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!cert) return openssl_error(Errc::parse_error, "no readable certificate in the PEM data");
        return detail::make_certificate(std::move(cert));
    });
}

Result<std::vector<Certificate>> Certificate::all_from_memory(std::span<const std::uint8_t> data) {
    return detail::guarded("reading certificates", [&]() -> Result<std::vector<Certificate>> {
        detail::ErrorQueueGuard queue_guard;
        if (detail::looks_like_pem(data)) return all_from_pem(data);
        auto cert = from_der(data);
        if (!cert) return std::move(cert).error();
        return std::vector<Certificate>{std::move(*cert)};
    });
}

Result<Certificate> Certificate::from_file(const std::string& path) {
    return detail::guarded("reading a certificate", [&]() -> Result<Certificate> {
        auto bytes = detail::read_file_bytes(path);
        if (!bytes) return std::move(bytes).error();
        Result<Certificate> cert = detail::looks_like_pem(*bytes)
            ? from_pem(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()))
            : from_der(*bytes);
        if (!cert) {
            Error error = std::move(cert).error();
            error.message += " (" + path + ")";
            return error;
        }
        return cert;
    });
}

Result<std::vector<Certificate>> Certificate::all_from_file(const std::string& path) {
    return detail::guarded("reading certificates", [&]() -> Result<std::vector<Certificate>> {
        auto bytes = detail::read_file_bytes(path);
        if (!bytes) return std::move(bytes).error();
        auto certs = all_from_memory(*bytes);
        if (!certs) {
            Error error = std::move(certs).error();
            error.message += " (" + path + ")";
            return error;
        }
        return certs;
    });
}

std::string Certificate::subject() const { return name_rfc2253(X509_get_subject_name(m_impl->cert.get())); }
std::string Certificate::issuer() const { return name_rfc2253(X509_get_issuer_name(m_impl->cert.get())); }

std::string Certificate::serial_decimal() const {
    auto bn = serial_bn(m_impl->cert.get());
    if (!bn) return {};
    detail::OsslCharsPtr text(BN_bn2dec(bn.get()));
    if (!text) {
        ERR_clear_error();
        return {};
    }
    return std::string(text.get());
}

std::string Certificate::serial_hex() const {
    auto bn = serial_bn(m_impl->cert.get());
    if (!bn) return {};
    BN_set_negative(bn.get(), 0);
    detail::OsslCharsPtr text(BN_bn2hex(bn.get()));
    if (!text) {
        ERR_clear_error();
        return {};
    }
    return std::string(text.get());
}

TimePoint Certificate::not_before() const { return asn1_time_point(X509_get0_notBefore(m_impl->cert.get())); }
TimePoint Certificate::not_after() const { return asn1_time_point(X509_get0_notAfter(m_impl->cert.get())); }

const Bytes& Certificate::der() const noexcept { return m_impl->der; }

std::string Certificate::sha256_hex() const { return m_impl->facts().sha256_hex; }

KeyType Certificate::key_type() const noexcept { return key_type_of(X509_get0_pubkey(m_impl->cert.get())); }
int Certificate::key_bits() const noexcept { return key_bits_of(X509_get0_pubkey(m_impl->cert.get())); }

bool Certificate::matches(const PrivateKey& key) const {
    const EVP_PKEY* pub = X509_get0_pubkey(m_impl->cert.get());
    const EVP_PKEY* priv = key.impl().key.get();
    const bool same = pub != nullptr && priv != nullptr && EVP_PKEY_eq(pub, priv) == 1;
    ERR_clear_error();
    return same;
}

EVP_PKEY* get0_public_key(const Certificate& cert) noexcept {
    EVP_PKEY* key = X509_get0_pubkey(cert.impl().cert.get());
    if (key == nullptr) ERR_clear_error();
    return key;
}

}  // namespace istmo::crypto
