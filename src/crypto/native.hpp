#pragma once
// Internal: the OpenSSL objects behind the public crypto types, and the signature
// primitives used by dsig. Never included from include/istmo/.
#include <istmo/crypto/keys.hpp>

#include "core/time_math.hpp"
#include "internal/c_ptr.hpp"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace istmo::crypto {

struct SignatureParams;

// A private key held outside this process (a PKCS#11 token or HSM): it signs digests and
// never hands out the key. Implementations are safe to call from many threads at once.
class KeyBackend {
public:
    virtual ~KeyBackend() = default;
    // Signs `digest` (the hash of the message with params.digest; the message itself for
    // Ed25519) and returns the value as XMLDSig writes it (ECDSA: fixed-width r||s).
    virtual Result<Bytes> sign_digest(const SignatureParams& params, std::span<const std::uint8_t> digest) const = 0;
};

// The signing contexts of one key in memory, set up once per set of parameters: setting up
// a new EVP_MD_CTX (EVP_DigestSignInit) costs ~3 % of an RSA-2048 signature, copying a set-up
// one does not. Thread-safe: a key is shared by threads that sign at once, so each signature
// gets its own copy, and the templates are read (copied) and added only under the mutex.
class SignContextCache {
public:
    using Setup = bool (*)(EVP_MD_CTX* ctx, EVP_PKEY* key, const SignatureParams& params);
    // A context ready to sign with `key` and `params` (EVP_DigestSign), copied from the
    // template that `setup` made on first use; null when neither copying nor setting up works.
    internal::EvpMdCtxPtr context_for(EVP_PKEY* key, const SignatureParams& params, Setup setup);

private:
    std::mutex m_mutex;
    std::vector<std::pair<std::uint64_t, internal::EvpMdCtxPtr>> m_templates;  // by params; under m_mutex
};

struct PrivateKey::Impl {
    // The private key itself for keys in memory; only the public half when `backend` is set.
    internal::EvpPkeyPtr key;
    std::shared_ptr<const KeyBackend> backend;  // null for keys in memory (the fast path)
    mutable SignContextCache sign_contexts;     // for `key`; unused with a backend
};

// What caches and reports need of a certificate, computed once per parsed certificate.
struct CertificateFacts {
    Bytes sha256;                                    // of the DER
    std::string sha256_hex;
    std::optional<std::int64_t> not_before_seconds;  // since the epoch; nullopt when unreadable
    std::optional<std::int64_t> not_after_seconds;
    std::string subject;                             // RFC 2253
    std::string issuer;
    std::string serial_hex;
    TimePoint not_before{};
    TimePoint not_after{};
};

struct Certificate::Impl {
    internal::X509Ptr cert;
    Bytes der;

    // Computed on first use (thread-safe); cert and der must be set before.
    const CertificateFacts& facts() const;

private:
    mutable std::once_flag m_facts_once;
    mutable CertificateFacts m_facts;
};

// A Certificate over an X509 that is already parsed and its DER (no second parse).
Certificate certificate_from_parsed(X509* cert, Bytes der);

// Drains the OpenSSL error queue of this thread into one line of text (empty when none).
std::string drain_openssl_errors();

// ---- digests --------------------------------------------------------------------------
enum class DigestAlg { sha1, sha224, sha256, sha384, sha512 };

const EVP_MD* evp_md(DigestAlg alg) noexcept;
std::size_t digest_size(DigestAlg alg) noexcept;
Bytes digest(DigestAlg alg, std::span<const std::uint8_t> data);

// Incremental digest (RAII over an EVP_MD_CTX), for streaming data into a hash without
// buffering it. The algorithm is fetched from the provider once per process. Failures (memory
// exhaustion, a broken OpenSSL configuration) throw std::runtime_error.
class DigestContext {
public:
    explicit DigestContext(DigestAlg alg);
    void update(std::span<const std::uint8_t> data);
    void update(std::string_view data) { update(data.data(), data.size()); }
    void update(const void* data, std::size_t size);
    Bytes finish();
    std::string finish_hex();  // lower-case hex of finish()
private:
    internal::EvpMdCtxPtr m_ctx;
};

// SHA-256 of the data as lower-case hex (one reused context per thread).
std::string sha256_hex(std::string_view data);

// HMAC (RFC 2104) with a SHA-2 digest. Errc::invalid_argument for an empty key,
// Errc::crypto_error when OpenSSL fails.
Result<Bytes> hmac(DigestAlg alg, std::span<const std::uint8_t> key, std::span<const std::uint8_t> data);

// ---- base64 (XML Schema base64Binary: whitespace and CR/LF between characters allowed) ----
std::string base64_encode(std::span<const std::uint8_t> data, std::size_t line_length = 0);
// Errc::parse_error on anything but base64 characters, whitespace and correct padding.
Result<Bytes> base64_decode(std::string_view text);

struct Base64DecodeOptions {
    // Errc::limit_exceeded once the decoded data would exceed this many bytes.
    std::size_t max_decoded_size = std::numeric_limits<std::size_t>::max();
    // RFC 4648 §3.2: input without the final '=' padding is accepted too.
    bool padding_optional = false;
};
Result<Bytes> base64_decode(std::string_view text, const Base64DecodeOptions& options);

std::string hex_lower(std::span<const std::uint8_t> data);

// ---- signature primitives ---------------------------------------------------------------
enum class SigScheme { rsa_pkcs1, rsa_pss, ecdsa, ed25519 };

struct SignatureParams {
    SigScheme scheme = SigScheme::rsa_pkcs1;
    DigestAlg digest = DigestAlg::sha256;       // ignored for ed25519 (pure EdDSA)
    DigestAlg mgf1_digest = DigestAlg::sha256;  // RSA-PSS only
    int pss_salt_length = -1;                   // RSA-PSS only; -1 = digest length
};

// Signs `message` (the canonical SignedInfo octets; hashing happens inside).
// ECDSA output is the fixed-width r||s concatenation that XMLDSig uses.
Result<Bytes> sign_message(const PrivateKey& key, const SignatureParams& params,
                           std::span<const std::uint8_t> message);

enum class VerifyStatus { valid, invalid, key_mismatch /* key type does not fit scheme */ };

struct VerifyOutcome {
    VerifyStatus status = VerifyStatus::invalid;
    bool ecdsa_der_encoded = false;  // the value was DER, not r||s (accepted, to be flagged)
};

// Verifies with a public key (EVP_PKEY from a certificate or KeyValue). ECDSA accepts r||s
// (width given by the curve) and, as a fallback, DER.
VerifyOutcome verify_message(EVP_PKEY* public_key, const SignatureParams& params,
                             std::span<const std::uint8_t> message,
                             std::span<const std::uint8_t> signature);

// Public keys from ds:KeyValue components (big-endian unsigned integers / an uncompressed
// or compressed EC point). Errc::key_error when the values do not form a valid key.
Result<internal::EvpPkeyPtr> rsa_public_key(std::span<const std::uint8_t> modulus,
                                            std::span<const std::uint8_t> exponent);
// curve: "P-256", "P-384", "P-521".
Result<internal::EvpPkeyPtr> ec_public_key(const std::string& curve,
                                           std::span<const std::uint8_t> point);

// The public half of a certificate (borrowed, valid as long as the certificate).
EVP_PKEY* get0_public_key(const Certificate& cert) noexcept;
// Key type and size of any public key.
KeyType key_type_of(const EVP_PKEY* key) noexcept;
int key_bits_of(const EVP_PKEY* key) noexcept;
// "P-256"... for EC keys, empty otherwise.
std::string curve_of(const EVP_PKEY* key);

// Seconds since 1970 (from timegm of an ASN.1 time) to a TimePoint, saturating: system_clock
// counts nanoseconds (years 1678-2261), and certificates say "never expires" with 9999-12-31
// (RFC 5280 4.1.2.5), so later instants become TimePoint::max() and earlier ones min().
inline TimePoint time_point_from_epoch_seconds(std::int64_t seconds) noexcept {
    return core::time_math::saturating_time_point_cast<TimePoint::duration>(
        std::chrono::sys_seconds{std::chrono::seconds{seconds}});
}

}  // namespace istmo::crypto
