#pragma once
// Internal: the ordered steps of one signature's verification, and how a profile built on
// XMLDSig (XAdES) adds its own named steps to them.
//
// dsig's steps run first, in this order: structure, algorithms, references, key, signer key,
// signature value. A profile's steps run next, in the order the profile lists them, over the
// typed view those steps read (SignatureView); then dsig's certificate step validates the
// signer's path at the best-signature-time a profile step proved (else the validation time).
#include <istmo/crypto/validator.hpp>
#include <istmo/dsig/verify.hpp>

#include "crypto/native.hpp"
#include "dsig/reference.hpp"
#include "internal/c_ptr.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace istmo::dsig {

// The signer's certificate as the verifier's cache holds it: with the SHA-256 of its DER and
// its summary (subject, issuer, decimal serial, ...), so that a profile does not compute them
// again on every call.
struct SignerCertificate {
    const crypto::Certificate& certificate;
    const crypto::Bytes& sha256;
    const CertificateSummary& summary;
};

// One signature as dsig's steps read it (read-only for a profile's steps).
struct SignatureView {
    xmlDocPtr doc = nullptr;
    const IdIndex* ids = nullptr;
    const xmlNode* signature = nullptr;
    const xmlNode* signed_info = nullptr;
    const xmlNode* signature_value = nullptr;
    std::span<const xmlNode* const> references;  // SignedInfo's ds:Reference elements, in order
    std::optional<SignerCertificate> signer;     // none when the key came without a certificate
    crypto::TimePoint validation_time{};
    const VerifyOptions* options = nullptr;
    // The streaming path's small DOM: it holds the signature only, not the document its
    // references cover (a step that needs the document sets StepRecord::needs_document).
    bool partial_document = false;
};

// Where a step records what it found about the signature. Failures follow the one "worst wins"
// rule (report::Verdict); notes do not change the verdict.
class StepRecord {
public:
    virtual ~StepRecord() = default;
    virtual void fail(const char* code, std::string message, report::Indication indication,
                      report::SubIndication sub) = 0;
    virtual void note(const char* code, report::Severity severity, std::string message) = 0;
    // The signature's result (level, properties, time-stamps) for a profile to fill in.
    virtual SignatureResult& result() = 0;
    // The time at which the signature is proven to have existed: the certificate step
    // validates the signer's path at the earliest time proved (a valid time-stamp).
    void prove_existence_at(crypto::TimePoint time) {
        if (!best_signature_time || time < *best_signature_time) best_signature_time = time;
    }
    std::optional<crypto::TimePoint> best_signature_time;
    // CRLs / OCSP responses the signature carries (XAdES RevocationValues), offered to the
    // certificate status step (which verifies each before use).
    crypto::RevocationEvidence revocation_evidence;
    // Set by a step that cannot decide on a partial document (SignatureView::partial_document):
    // the signature is then verified again on the whole document, and this run decides nothing.
    bool needs_document = false;
};

// What a profile's steps share while they check one signature (made per signature).
class ProfileRun {
public:
    virtual ~ProfileRun() = default;
};

// One named step of a profile. False: the profile's later steps do not apply to this signature
// (a plain XMLDSig signature for XAdES) or cannot run (the reason is recorded).
struct ProfileStep {
    std::string_view name;
    bool (*run)(ProfileRun& run, const SignatureView& view, StepRecord& record);
};

// What a profile knows about the signer before the signature value is checked (XAdES): the
// certificates the signature carries outside KeyInfo (CertificateValues) and the digests by which
// its signed properties name the signer's certificate (SigningCertificate(V2) CertDigest). KeyInfo
// is not signed: when it is ambiguous or lacks the signer, these pick the signer among every
// certificate at hand, and the signature value decides between several.
struct SignerClues {
    struct CertDigest {
        crypto::DigestAlg algorithm;
        crypto::Bytes value;
    };
    std::vector<crypto::Bytes> carried_certificates;  // DER, at most VerifyOptions::max_certificates
    std::vector<CertDigest> signer_digests;           // empty: the profile names no signer
};

class VerifyProfile {
public:
    virtual ~VerifyProfile() = default;
    // The signer clues of one signature (read-only; a malformed or absent property gives none).
    [[nodiscard]] virtual SignerClues signer_clues(const xmlNode* signature, const VerifyOptions& options) const {
        (void)signature;
        (void)options;
        return {};
    }
    // The profile's steps, in the order they run.
    [[nodiscard]] virtual std::span<const ProfileStep> steps() const = 0;
    // The state the steps share for one signature.
    [[nodiscard]] virtual std::unique_ptr<ProfileRun> start() const = 0;
    // Signed data the profile keeps inside the signature's own ds:Object by design (XAdES
    // SignedProperties): not the wrapping where a signed original is hidden in the Object.
    [[nodiscard]] virtual bool is_own_object_data(const xmlNode* target) const = 0;
};

// The internal side of a Verifier, for the module's own entry points (verify_parsed).
struct VerifierAccess {
    using State = Verifier::State;
    static const Verifier::State& state(const Verifier& verifier) noexcept { return *verifier.m_state; }
    // A verifier whose signatures also pass through a profile's steps (XAdES).
    static Verifier make(VerifyOptions options, std::shared_ptr<const VerifyProfile> profile);
};

}  // namespace istmo::dsig
