#pragma once
// XAdES baseline signatures (ETSI EN 319 132-1): B-B, EPES (B with a signature policy) and B-T
// (B plus a SignatureTimeStamp), and their validation (EN 319 102-1 basic signature validation
// plus timestamp validation), built on the XMLDSig core.
//
// Thread safety: Signer and Verifier are immutable after creation and usable from many threads
// (the timestamper callback must be thread-safe if signing happens concurrently).
#include <istmo/core/result.hpp>
#include <istmo/crypto/keys.hpp>
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

enum class Profile { b_b, epes, b_t };

// "xades-b-b", "xades-epes", "xades-b-t"; nullopt when unknown.
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
    Timestamper timestamper;                      // required for B-T
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

private:
    Signer(dsig::Signer core, SignOptions options) : m_core(std::move(core)), m_options(std::move(options)) {}
    dsig::Signer m_core;
    SignOptions m_options;
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
