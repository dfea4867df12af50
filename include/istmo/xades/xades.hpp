#pragma once
// XAdES baseline signatures (ETSI EN 319 132-1): B-B, EPES (B with a signature policy) and B-T
// (B plus a SignatureTimeStamp), and their validation (EN 319 102-1 basic signature validation
// plus timestamp validation), built on the XMLDSig core.
//
// Thread safety: Signer and Verifier are immutable after creation and usable from many threads
// (the timestamper callback must be thread-safe if signing happens concurrently).
#include <istmo/core/result.hpp>
#include <istmo/crypto/keys.hpp>
#include <istmo/crypto/revocation.hpp>
#include <istmo/dsig/sign.hpp>
#include <istmo/dsig/verify.hpp>
#include <istmo/export.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace istmo::xades {

inline constexpr const char* k_namespace = "http://uri.etsi.org/01903/v1.3.2#";
inline constexpr const char* k_signed_properties_type = "http://uri.etsi.org/01903#SignedProperties";

enum class Profile { b_b, epes, b_t, b_lt, b_lta };

// "xades-b-b", "xades-epes", "xades-b-t", "xades-b-lt", "xades-b-lta"; nullopt when unknown.
ISTMO_API std::optional<Profile> parse_profile(std::string_view name);

struct SignaturePolicy {
    bool implied = false;            // SignaturePolicyImplied: the policy is implied by context
    std::string identifier;          // an OID ("2.16.724.1.3.1.1.2.1.9") or a URI
    std::string description;
    dsig::DigestAlgorithm digest_algorithm = dsig::DigestAlgorithm::sha256;
    std::vector<std::uint8_t> digest;  // digest of the policy document
    std::string spuri;               // SigPolicyQualifier/SPURI, optional
};

struct ProductionPlace {
    std::string street, city, state, postal_code, country;
};

// Returns the DER TimeStampToken for `data` (the canonical ds:SignatureValue element).
using Timestamper = std::function<Result<std::vector<std::uint8_t>>(std::span<const std::uint8_t> data)>;

// Where the validation data of B-LT / B-LTA comes from: the anchors the signer's and the TSAs'
// paths end in, untrusted intermediates, and how certificate status is had (the same
// RevocationOptions as verification: policy, CRL / OCSP files, offline, cache).
struct LongTermOptions {
    crypto::TrustStore trust;                         // anchors of the signer's path
    crypto::TrustStore tsa_trust;                     // anchors of TSA paths; empty: trust
    std::vector<crypto::Certificate> extra_certificates;  // intermediates (never anchors)
    crypto::RevocationOptions revocation;
    // The time the paths are checked at and the status must be current for; nullopt: now.
    std::optional<std::chrono::system_clock::time_point> at;
};

struct SignOptions {
    Profile profile = Profile::b_b;
    dsig::SignOptions dsig;                       // algorithm, c14n, mode, references, KeyInfo
    std::optional<std::chrono::system_clock::time_point> signing_time;  // default: now
    std::string mime_type = "text/xml";           // DataObjectFormat of each data reference
    std::vector<std::string> claimed_roles;       // SignerRoleV2/ClaimedRoles
    // CommitmentTypeIndication: "proof-of-origin", "proof-of-receipt", "proof-of-delivery",
    // "proof-of-sender", "proof-of-approval", "proof-of-creation", or a full URI. Empty: none.
    std::string commitment;
    std::optional<ProductionPlace> production_place;
    std::optional<SignaturePolicy> policy;        // required for EPES
    Timestamper timestamper;                      // required for B-T, B-LT and B-LTA
    LongTermOptions long_term;                    // B-LT and B-LTA: where validation data comes from
};

class ISTMO_API Signer {
public:
    static Result<Signer> create(crypto::PrivateKey key, crypto::Certificate certificate,
                                 std::vector<crypto::Certificate> chain, SignOptions options);
    // Two-step signing (see dsig::PendingSignature): SigningTime and the signed properties are
    // fixed here. Not for xades-b-t (its time-stamp covers the value: Errc::unsupported).
    static Result<Signer> for_certificate(crypto::Certificate certificate, std::vector<crypto::Certificate> chain,
                                          SignOptions options);
    [[nodiscard]] Result<std::string> sign(std::string_view xml) const;
    [[nodiscard]] Result<dsig::PendingSignature> prepare(std::string_view xml) const;
    // A xades:CounterSignature (EN 319 132-1 §5.2.7) of the signature with Id `target_id` (empty:
    // the document's only signature that is not a counter-signature): a signature over that
    // signature's ds:SignatureValue (Reference Type CountersignedSignature), itself XAdES with this
    // Signer's properties, placed in the target's UnsignedSignatureProperties. A counter-signature
    // may be the target (nested). The target's SignatureValue gets an Id when it has none.
    // invalid_argument: no such signature, or the target is not XAdES; unsupported: time-stamps
    // cover the target's SignatureValue and it has no Id (an Id would break them).
    [[nodiscard]] Result<std::string> countersign(std::string_view xml, std::string_view target_id = {}) const;

private:
    Signer(dsig::Signer core, SignOptions options) : m_core(std::move(core)), m_options(std::move(options)) {}
    dsig::Signer m_core;
    SignOptions m_options;
};

// The level an Augmenter brings a signature to (EN 319 132-1 §6.3).
enum class AugmentLevel { b_t, b_lt, b_lta };
// "b-t", "b-lt", "b-lta"; nullopt when unknown.
ISTMO_API std::optional<AugmentLevel> parse_augment_level(std::string_view name);

struct AugmentOptions {
    AugmentLevel to = AugmentLevel::b_lt;
    // Makes the SignatureTimeStamp of a signature that has none, and (B-LTA) ArchiveTimeStamps.
    Timestamper timestamper;
    LongTermOptions long_term;
    // Only the signature with this Id; empty: every XAdES signature of the document that is not
    // a counter-signature.
    std::string signature_id;
};

// Augments existing XAdES signatures -- made by istmo or anyone else -- to B-T, B-LT or B-LTA
// without changing a signed byte: only xades:UnsignedSignatureProperties grows.
// - B-T: a SignatureTimeStamp over the canonical ds:SignatureValue, unless there is one.
// - B-LT: xades:CertificateValues with the certificates of the signer's path and of each
//   signature time-stamp's TSA path that the signature does not carry yet, and
//   xades:RevocationValues with an OCSP response or a CRL for each certificate of those paths
//   that publishes a status source (or for every one with RevocationPolicy::require). Status that
//   is required but cannot be had is an error (unavailable): such a signature is not B-LT.
// - B-LTA: a xades141:ArchiveTimeStamp (EN 319 132-1 §5.5.2); a B-LTA is renewed by another one,
//   the validation data of the previous archive time-stamp's TSA first added in a
//   xades141:TimeStampValidationData.
// Thread safety: like Signer.
class ISTMO_API Augmenter {
public:
    // invalid_argument: no timestamper; a status source that cannot be set up.
    static Result<Augmenter> create(AugmentOptions options);
    // The augmented document. invalid_argument: no XAdES signature to augment (or none with the
    // Id asked for); certificate_error: the signer's or a TSA's path is not valid at the time;
    // unavailable: a time-stamp or required status could not be had.
    [[nodiscard]] Result<std::string> augment(std::string_view xml) const;

    struct State;

private:
    explicit Augmenter(std::shared_ptr<const State> state) : m_state(std::move(state)) {}
    std::shared_ptr<const State> m_state;
};

struct VerifyOptions {
    // Trust anchors, untrusted extra certificates for path building (signer and TSA paths;
    // never anchors), time, limits, legacy.
    dsig::VerifyOptions dsig;
    crypto::TrustStore tsa_trust;                  // anchors for timestamp authorities; empty: dsig.trust
    // Policy documents the caller has, by identifier (OID or URI as written in the signature):
    // their digest is checked against SigPolicyHash.
    std::map<std::string, std::vector<std::uint8_t>> policy_documents;
};

// Verifies XMLDSig signatures and, where a signature carries XAdES QualifyingProperties, the
// XAdES rules too: a drop-in replacement for dsig::Verifier.
class ISTMO_API Verifier {
public:
    explicit Verifier(VerifyOptions options = {});
    [[nodiscard]] Result<dsig::VerificationReport> verify(std::string_view xml) const;

private:
    friend struct VerifierAccess;  // internal: the verification of an already parsed document
    dsig::Verifier m_core;
};

}  // namespace istmo::xades
