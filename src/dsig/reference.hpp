#pragma once
// Internal: dereferencing a ds:Reference and computing its digest. Signing and verification
// share this code, so what we sign is exactly what we check.
#include "crypto/native.hpp"
#include "internal/c_ptr.hpp"

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace istmo::dsig {

// Elements by Id value. Id attributes: unqualified Id, ID, id, and xml:id. Attributes in other
// namespaces never identify an element (signature-wrapping defence).
struct IdIndex {
    std::unordered_map<std::string, const xmlNode*> elements;
    std::unordered_set<std::string> duplicates;
};
IdIndex build_id_index(xmlDocPtr doc);

struct ReferenceOutcome {
    std::string failure_code;     // empty on success, else a finding code (docs/finding-codes.md)
    std::string failure_message;
    const xmlNode* target = nullptr;  // document node or element
    bool enveloped = false;
    bool exclude_all_signatures = false;  // the XPath form of the enveloped transform
    std::vector<std::string> transforms;
    crypto::Bytes digest;
    std::string octets;           // when keep_octets
};

// reference: the ds:Reference element; signature: its ds:Signature (for the enveloped
// transform). Never touches anything outside doc (no network, no files).
ReferenceOutcome process_reference(xmlDocPtr doc, const xmlNode* reference, const xmlNode* signature,
                                   const IdIndex& ids, crypto::DigestAlg digest, bool keep_octets,
                                   std::size_t max_transforms);

}  // namespace istmo::dsig
