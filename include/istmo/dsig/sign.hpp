#pragma once
// XMLDSig signing (W3C XML Signature 1.1).
//
// Thread safety: a Signer is immutable after construction and may sign from many threads.
#include <istmo/core/result.hpp>
#include <istmo/crypto/keys.hpp>
#include <istmo/export.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::dsig {

enum class SignatureAlgorithm {
    automatic,  // rsa-sha256 for RSA keys, ecdsa-sha256/384/512 by curve, ed25519
    rsa_sha256, rsa_sha384, rsa_sha512,
    rsa_pss_sha256, rsa_pss_sha384, rsa_pss_sha512,  // xmldsig-more#shaNNN-rsa-MGF1 URIs
    ecdsa_sha256, ecdsa_sha384, ecdsa_sha512,
    ed25519,
};

enum class Canonicalization {
    exclusive,             // http://www.w3.org/2001/10/xml-exc-c14n#
    exclusive_comments,    // ...#WithComments
    inclusive,             // http://www.w3.org/TR/2001/REC-xml-c14n-20010315
    inclusive_comments,    // ...#WithComments
    c14n11,                // http://www.w3.org/2006/12/xml-c14n11
    c14n11_comments,       // ...#WithComments
};

enum class DigestAlgorithm { automatic /* matches the signature hash */, sha256, sha384, sha512 };

enum class SignMode {
    enveloped,   // Signature appended to the document element, Reference URI="" + enveloped transform
    enveloping,  // the input document goes into ds:Object inside a new Signature document
    detached,    // Signature appended to the document element, References "#id" to elements
};

// Parse command-line style names ("rsa-sha256", "exc", "enveloped"...). nullopt when unknown.
ISTMO_API std::optional<SignatureAlgorithm> parse_signature_algorithm(std::string_view name);
ISTMO_API std::optional<Canonicalization> parse_canonicalization(std::string_view name);
ISTMO_API std::optional<SignMode> parse_sign_mode(std::string_view name);
// Algorithm URIs as written into the signature.
ISTMO_API std::string_view signature_algorithm_uri(SignatureAlgorithm alg) noexcept;
ISTMO_API std::string_view canonicalization_uri(Canonicalization c14n) noexcept;

struct SignOptions {
    SignatureAlgorithm algorithm = SignatureAlgorithm::automatic;
    Canonicalization canonicalization = Canonicalization::exclusive;
    DigestAlgorithm digest = DigestAlgorithm::automatic;
    SignMode mode = SignMode::enveloped;
    // Detached mode: the Id values of the elements to sign (each must exist exactly once).
    std::vector<std::string> reference_ids;
    std::string signature_id;                 // Id attribute of ds:Signature, empty = none
    // Namespace prefix of the signature elements: "ds" (<ds:Signature>), or empty for the
    // default namespace (<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">).
    std::string signature_prefix = "ds";
    bool include_chain = true;                // add the chain certificates to X509Data
    bool include_subject_name = false;        // add ds:X509SubjectName
    bool include_issuer_serial = false;       // add ds:X509IssuerSerial
    bool include_key_value = false;           // add ds:KeyValue (always when no certificate)
    // RSA-PSS only: write the generic URI xmldsig-more#rsa-pss with explicit RSAPSSParams
    // (RFC 9231 §2.3.10) instead of the shaNNN-rsa-MGF1 URI. Same signature bytes.
    bool rsa_pss_params_form = false;
};

// Two-step (remote) signing: Signer::prepare builds the whole signature without the private
// key and says what the key holder must sign; PendingSignature::complete inserts the value.
class ISTMO_API PendingSignature {
public:
    // Reads a state written by prepare (state()); Errc::invalid_argument when it is not one or
    // was edited (its fields are bound together and to the document and certificate by a
    // SHA-256 inside it).
    static Result<PendingSignature> from_state(std::string_view state);

    // The JSON to keep between the two steps (holds the prepared document and the certificate).
    [[nodiscard]] const std::string& state() const noexcept { return m_state; }
    [[nodiscard]] const std::string& signature_algorithm_uri() const noexcept { return m_signature_algorithm; }
    // The hash the value is computed over (xmlenc#sha256...); empty for Ed25519 (pure EdDSA).
    [[nodiscard]] const std::string& digest_algorithm_uri() const noexcept { return m_digest_algorithm; }
    // That hash of the canonical SignedInfo; empty for Ed25519.
    [[nodiscard]] const std::vector<std::uint8_t>& signed_info_digest() const noexcept { return m_digest; }
    // The canonical SignedInfo octets (what Ed25519 signs itself).
    [[nodiscard]] const std::string& canonical_signed_info() const noexcept { return m_signed_info; }
    // What the remote signer needs, as one JSON object: signature_algorithm, digest_algorithm
    // (null for Ed25519), digest (base64, null for Ed25519), signed_info (base64, Ed25519 only).
    [[nodiscard]] std::string request_json() const;

    // The signed document: the value (RSA: the PKCS#1 / PSS bytes; ECDSA: r||s or DER; Ed25519:
    // 64 bytes) is checked against the certificate over the canonical SignedInfo and every
    // reference is checked again before anything is returned. Errc::invalid_argument when the
    // value does not verify (wrong value, other key) or the document no longer matches.
    [[nodiscard]] Result<std::string> complete(std::span<const std::uint8_t> signature_value) const;

private:
    friend struct PendingAccess;
    std::string m_state;
    std::string m_signature_algorithm;
    std::string m_digest_algorithm;
    std::vector<std::uint8_t> m_digest;
    std::string m_signed_info;
    std::string m_document;
    std::vector<std::uint8_t> m_certificate_der;
};

class ISTMO_API Signer {
public:
    // A Signer for prepare() only, from the certificate (the private key is elsewhere: a remote
    // signing service, another machine). sign() on it fails with Errc::failed_precondition.
    static Result<Signer> for_certificate(crypto::Certificate certificate, std::vector<crypto::Certificate> chain,
                                          SignOptions options = {});

    // certificate may be absent (then KeyInfo carries KeyValue); it must match the key.
    static Result<Signer> create(crypto::PrivateKey key, std::optional<crypto::Certificate> certificate,
                                 std::vector<crypto::Certificate> chain, SignOptions options = {});

    // Signs an XML document (bytes in), returns the signed document (UTF-8).
    [[nodiscard]] Result<std::string> sign(std::string_view xml) const;
    // First step of two-step signing: the signed document with a placeholder value, and what
    // must be signed. Works with any Signer (the key is not used).
    [[nodiscard]] Result<PendingSignature> prepare(std::string_view xml) const;

    [[nodiscard]] const SignOptions& options() const noexcept { return m_options; }

    [[nodiscard]] const std::optional<crypto::Certificate>& certificate() const noexcept { return m_certificate; }
    [[nodiscard]] const std::vector<crypto::Certificate>& chain() const noexcept { return m_chain; }

private:
    friend struct SignerAccess;  // internal: lets the XAdES module sign with its extension
    Signer(crypto::PrivateKey key, std::optional<crypto::Certificate> certificate,
           std::vector<crypto::Certificate> chain, SignOptions options);
    crypto::PrivateKey m_key;
    std::optional<crypto::Certificate> m_certificate;
    std::vector<crypto::Certificate> m_chain;
    SignOptions m_options;
};

}  // namespace istmo::dsig
