#pragma once
// Internal: what producing and verifying long-term XAdES (B-LT, B-LTA) share -- where the
// unsigned signature properties live, the input of an ArchiveTimeStamp (EN 319 132-1 §5.5.2.2),
// and how the validation data of a path (certificates, CRLs / OCSP responses) is gathered.
#include <istmo/tsa/timestamp.hpp>
#include <istmo/xades/xades.hpp>

#include "crypto/native.hpp"
#include "crypto/revocation_collect.hpp"
#include "dsig/reference.hpp"
#include "xml/c14n.hpp"

#include <libxml/tree.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::xades::detail {

inline constexpr std::string_view k_exclusive_c14n_uri = "http://www.w3.org/2001/10/xml-exc-c14n#";

// The xades (1.3.2) QualifyingProperties of a ds:Signature (in one of its ds:Object children), or
// null.
xmlNodePtr find_qualifying_properties(const xmlNode* signature);
// QualifyingProperties/UnsignedProperties/UnsignedSignatureProperties, or null.
xmlNodePtr find_unsigned_signature_properties(const xmlNode* qp);
// The same, made (UnsignedProperties and UnsignedSignatureProperties) when absent.
xmlNodePtr ensure_unsigned_signature_properties(xmlNodePtr qp);
// The element children of `parent` with this namespace and local name, in order.
std::vector<xmlNodePtr> element_children(const xmlNode* parent, std::string_view ns, std::string_view name);

// The octets an ArchiveTimeStamp covers (EN 319 132-1 §5.5.2.2): (1) each SignedInfo reference's
// data after its transforms (the octets its digest is computed over), in order; (2) SignedInfo,
// SignatureValue and KeyInfo (when present), each canonicalized with `method`; (3) each child of
// UnsignedSignatureProperties before `stop` (null: all of them), canonicalized; (4) each ds:Object
// of the signature but the one holding QualifyingProperties, canonicalized. Errors: a reference
// that cannot be processed (its finding code in the message).
// `reference_octets`: the references' data as the verifier already digested it (in SignedInfo
// order), used for (1) instead of processing the references again.
Result<std::string> archive_timestamp_input(xmlDocPtr doc, const dsig::IdIndex& ids, const xmlNode* signature,
                                            const xmlNode* stop, const xml::C14nMethod& method,
                                            std::size_t max_transforms,
                                            const dsig::DetachedContent* detached = nullptr,
                                            const std::vector<std::string_view>* reference_octets = nullptr);

// Certificates and revocation values for long-term signatures.
struct ValidationData {
    std::vector<crypto::Certificate> certificates;  // in path order, anchors included
    crypto::RevocationEvidence revocation;
    // What the signature carries already: a status found in it is not fetched again.
    crypto::RevocationEvidence known;
};

// Builds paths (signer: signature purpose; TSA: time-stamping) to the anchors of a
// LongTermOptions and fetches each non-anchor certificate's status with RevocationChecker.
class ValidationDataCollector {
public:
    static Result<ValidationDataCollector> create(const LongTermOptions& options);
    // The path of `target` (with `candidates` as untrusted intermediates) and its status data,
    // added to `out`. Errors: certificate_error (no valid path), unavailable (a required status).
    Result<void> add_signer_path(const crypto::Certificate& target, const std::vector<crypto::Certificate>& candidates,
                                 ValidationData& out) const;
    // The same for the TSA of a DER TimeStampToken (its path at the token's genTime).
    Result<void> add_tsa_path(std::span<const std::uint8_t> token, ValidationData& out) const;

private:
    ValidationDataCollector() = default;
    Result<void> add_path(const std::vector<crypto::ChainElement>& path, crypto::TimePoint at, const char* whose,
                          ValidationData& out) const;
    std::shared_ptr<const crypto::CertificateValidator> m_signer_paths;
    std::shared_ptr<const tsa::TokenVerifier> m_tsa;
    std::shared_ptr<const crypto::detail::CollectingChecker> m_status;
    crypto::TimePoint m_at{};
};

}  // namespace istmo::xades::detail
