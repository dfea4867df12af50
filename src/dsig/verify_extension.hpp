#pragma once
#include <istmo/crypto/validator.hpp>
// Internal: how a profile built on XMLDSig (XAdES) adds its checks to the verification of each
// signature. The extension runs after the signature value was checked and before the signer's
// certificate path is validated, so it can supply the best-signature-time (a timestamp).
#include <istmo/dsig/verify.hpp>

#include "dsig/reference.hpp"
#include "internal/c_ptr.hpp"

#include <functional>
#include <optional>

namespace istmo::dsig {

struct InspectContext {
    xmlDocPtr doc = nullptr;
    const xmlNode* signature = nullptr;
    const IdIndex* ids = nullptr;
    SignatureResult* result = nullptr;
    const crypto::Certificate* signer = nullptr;  // null when the key came without a certificate
    // What the verifier's certificate cache already holds for `signer` (null when signer is):
    // the SHA-256 of its DER and its summary (subject, issuer, decimal serial, ...), so that a
    // profile does not recompute them on every call.
    const crypto::Bytes* signer_sha256 = nullptr;
    const CertificateSummary* signer_summary = nullptr;
    crypto::TimePoint validation_time{};
    const VerifyOptions* options = nullptr;
    // Set by the extension: the time at which the signature is proven to have existed.
    std::optional<crypto::TimePoint> best_signature_time;
    // Set by the extension: CRLs / OCSP responses the signature carries (XAdES RevocationValues),
    // offered to the certificate status step.
    crypto::RevocationEvidence revocation_evidence;
    // Record a failure (worst verdict wins) or a non-failing finding.
    std::function<void(const char* code, std::string message, report::Indication, report::SubIndication)> fail;
    std::function<void(const char* code, report::Severity, std::string message)> note;
};

class VerifyExtension {
public:
    virtual ~VerifyExtension() = default;
    virtual void inspect(InspectContext& context) const = 0;
    // Signed data the profile keeps inside the signature's own ds:Object by design (XAdES
    // SignedProperties): not the wrapping where a signed original is hidden in the Object.
    [[nodiscard]] virtual bool is_own_object_data(const xmlNode* target) const = 0;
};

// The internal side of a Verifier, for the module's own entry points (verify_parsed).
struct VerifierAccess {
    using State = Verifier::State;
    static const Verifier::State& state(const Verifier& verifier) noexcept { return *verifier.m_state; }
    // A verifier whose signatures also pass through a profile's checks (XAdES).
    static Verifier make(VerifyOptions options, std::shared_ptr<const VerifyExtension> extension);
};

}  // namespace istmo::dsig
