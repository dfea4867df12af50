#pragma once
// Keys, certificates, trust stores and X.509 path validation.
//
// Thread safety: PrivateKey, Certificate and TrustStore are immutable after construction
// (TrustStore: after the last add_*), cheap to copy (shared ownership) and safe to use from
// many threads at once. Secret is a plain value: one thread at a time.
#include <istmo/core/result.hpp>
#include <istmo/export.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::crypto {

using Bytes = std::vector<std::uint8_t>;
using TimePoint = std::chrono::system_clock::time_point;

// A password or other secret. The buffer is wiped (OPENSSL_cleanse) on destruction.
class ISTMO_API Secret {
public:
    Secret() = default;
    explicit Secret(std::string_view text);
    Secret(const Secret& other);
    Secret& operator=(const Secret& other);
    Secret(Secret&& other) noexcept;
    Secret& operator=(Secret&& other) noexcept;
    ~Secret();

    [[nodiscard]] std::string_view view() const noexcept { return m_text; }
    [[nodiscard]] bool empty() const noexcept { return m_text.empty(); }

    // The value of an environment variable (not_found when unset).
    static Result<Secret> from_env(const std::string& variable);
    // The first line of a file, without the trailing newline (not_found / io_error).
    static Result<Secret> from_file(const std::string& path);

private:
    void wipe() noexcept;
    std::string m_text;
};

enum class KeyType { rsa, rsa_pss, ec, ed25519, other };

// Stable lower-case name: "rsa", "rsa-pss", "ec", "ed25519", "other".
ISTMO_API std::string_view key_type_name(KeyType type) noexcept;

// A private key (which also gives its public half). Accepted sizes: RSA 2048..16384 bits,
// EC on P-256/P-384/P-521, Ed25519; anything else loads with Errc::key_error.
class ISTMO_API PrivateKey {
public:
    struct Impl;
    // PEM (PKCS#8, traditional, encrypted PKCS#8), DER (PKCS#8 or traditional) or PKCS#12
    // (detected by content). A password is needed for encrypted PEM and PKCS#12
    // (Errc::bad_password when missing or wrong).
    static Result<PrivateKey> from_memory(std::span<const std::uint8_t> data,
                                          const Secret* password = nullptr);
    static Result<PrivateKey> from_file(const std::string& path, const Secret* password = nullptr);

    [[nodiscard]] KeyType type() const noexcept;
    [[nodiscard]] int bits() const noexcept;
    // "P-256", "P-384", "P-521" for EC keys, empty otherwise.
    [[nodiscard]] std::string curve() const;

    [[nodiscard]] const Impl& impl() const noexcept { return *m_impl; }
    explicit PrivateKey(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

private:
    std::shared_ptr<const Impl> m_impl;
};

// An X.509 certificate.
class ISTMO_API Certificate {
public:
    struct Impl;
    static Result<Certificate> from_der(std::span<const std::uint8_t> der);
    // The first certificate of a PEM text.
    static Result<Certificate> from_pem(std::string_view pem);
    // PEM or DER, detected by content.
    static Result<Certificate> from_file(const std::string& path);
    // Every certificate of a PEM bundle, or the single certificate of a DER file.
    static Result<std::vector<Certificate>> all_from_file(const std::string& path);
    static Result<std::vector<Certificate>> all_from_memory(std::span<const std::uint8_t> data);

    [[nodiscard]] std::string subject() const;      // RFC 2253, e.g. "CN=Signer,O=Test,C=PA"
    [[nodiscard]] std::string issuer() const;       // RFC 2253
    [[nodiscard]] std::string serial_decimal() const;  // may be negative for broken certs
    [[nodiscard]] std::string serial_hex() const;   // upper-case hex of the magnitude
    [[nodiscard]] TimePoint not_before() const;
    [[nodiscard]] TimePoint not_after() const;
    [[nodiscard]] const Bytes& der() const noexcept;
    [[nodiscard]] std::string sha256_hex() const;   // fingerprint of the DER, lower-case
    [[nodiscard]] KeyType key_type() const noexcept;
    [[nodiscard]] int key_bits() const noexcept;
    // True when the certificate's public key is the public half of key.
    [[nodiscard]] bool matches(const PrivateKey& key) const;

    [[nodiscard]] const Impl& impl() const noexcept { return *m_impl; }
    explicit Certificate(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

private:
    std::shared_ptr<const Impl> m_impl;
};

// What a PKCS#12 file (.p12/.pfx) holds: the private key, the certificate that matches it (when
// the file has one) and the other certificates (usually the issuing chain), in file order.
struct Pkcs12Contents {
    PrivateKey key;
    std::optional<Certificate> certificate;
    std::vector<Certificate> chain;
};
// Errc::parse_error when the data is not PKCS#12 (callers may then try another format); the
// password rules and errors of PrivateKey::from_memory otherwise.
ISTMO_API Result<Pkcs12Contents> load_pkcs12(std::span<const std::uint8_t> data, const Secret* password = nullptr);
ISTMO_API Result<Pkcs12Contents> load_pkcs12_file(const std::string& path, const Secret* password = nullptr);

// Trust anchors (self-signed roots or any certificate the caller decides to trust).
class ISTMO_API TrustStore {
public:
    struct Impl;
    TrustStore();
    // A PEM bundle or a DER certificate.
    Result<void> add_file(const std::string& path);
    // Every *.pem, *.crt, *.cer, *.der file in a directory (not recursive).
    Result<void> add_directory(const std::string& path);
    void add(const Certificate& anchor);
    [[nodiscard]] std::size_t size() const noexcept;
    [[nodiscard]] const std::vector<Certificate>& anchors() const noexcept;
    // A hash identifying the set of anchors (for caches keyed by trust set).
    [[nodiscard]] std::string fingerprint() const;

    [[nodiscard]] const Impl& impl() const noexcept { return *m_impl; }

private:
    std::shared_ptr<Impl> m_impl;
};

enum class PathStatus {
    valid,
    no_chain,          // no path to a trust anchor (untrusted, unknown issuer, empty store)
    expired,           // a certificate of the path had expired at the validation time
    not_yet_valid,     // a certificate of the path was not yet valid at the validation time
    bad_key_usage,     // the signer certificate may not be used for signatures
    bad_signature,     // a certificate signature in the path does not verify
    invalid,           // any other path problem (constraints, bad extension, ...)
};

// Stable lower-case name: "valid", "no_chain", ...
ISTMO_API std::string_view path_status_name(PathStatus status) noexcept;

struct PathValidationResult {
    PathStatus status = PathStatus::invalid;
    std::string message;              // human text ("certificate has expired", ...)
    std::vector<Certificate> chain;   // leaf first, anchor last, when a path was built
};

// Builds and checks the path leaf -> intermediates... -> anchor at time `at`.
// Key usage for signatures: digitalSignature or nonRepudiation (either alone is enough);
// no keyUsage extension at all is accepted. An extendedKeyUsage, when present, must not
// exclude document signing (anyExtendedKeyUsage, emailProtection, codeSigning,
// documentSigning and similar are accepted; only timeStamping/OCSP-signing-only certificates
// are refused). An operation error only when the inputs themselves are unusable.
[[nodiscard]] ISTMO_API PathValidationResult validate_path(const Certificate& leaf,
                                            std::span<const Certificate> intermediates,
                                            const TrustStore& trust, TimePoint at);

}  // namespace istmo::crypto
