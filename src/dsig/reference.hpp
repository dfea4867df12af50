#pragma once
// Internal: dereferencing a ds:Reference and computing its digest. Signing and verification
// share this code, so what we sign is exactly what we check.
#include <istmo/xml/document.hpp>

#include "crypto/native.hpp"
#include "internal/c_ptr.hpp"
#include "xml/c14n.hpp"

#include <functional>
#include <optional>

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
// leave_out: a subtree whose Ids do not count (verified as absent), or null.
IdIndex build_id_index(xmlDocPtr doc, const xmlNode* leave_out = nullptr);

struct ReferenceOutcome {
    std::string failure_code;     // empty on success, else a finding code (docs/finding-codes.md)
    std::string failure_message;
    const xmlNode* target = nullptr;  // document node or element; null for detached content
    bool enveloped = false;
    bool exclude_all_signatures = false;  // the XPath / XPath-Filter2 form of the enveloped transform
    // The streamed strategy cannot digest this reference: nothing was decided, the DOM
    // strategy must (not a failure, never a finding).
    bool needs_document = false;
    bool filter_within_target = false;    // that form applied within a target inside a signature
    bool needs_dom = false;               // a transform whose check needs the whole DOM
    std::vector<std::string> transforms;
    crypto::Bytes digest;
    std::string octets;           // when keep_octets
};

// Streams canonical octets into a digest, optionally keeping a copy.
class DigestSink final : public xml::ByteSink {
public:
    DigestSink(crypto::DigestAlg alg, std::string* copy) : m_ctx(alg), m_copy(copy) {}
    void write(const char* data, std::size_t size) override {
        m_ctx.update(data, size);
        if (m_copy) m_copy->append(data, size);
    }
    crypto::Bytes finish() { return m_ctx.finish(); }
private:
    crypto::DigestContext m_ctx;
    std::string* m_copy;
};

// How same-document references are digested. The default strategy canonicalizes from the
// DOM. The large-document strategy has a DOM that holds only the signature and takes the
// digest of "the whole document minus the signature" from a streaming pass: the digester
// returns nullopt when it cannot serve a combination; the reference outcome then says
// needs_document and the verifier runs the signature again with the DOM strategy.
struct WholeDocumentDigest {
    crypto::Bytes digest;
    const std::string* octets = nullptr;  // canonical octets, when kept
};
using WholeDocumentDigester =
    std::function<std::optional<WholeDocumentDigest>(const xml::C14nMethod&, crypto::DigestAlg)>;

using DetachedContent = std::function<std::optional<crypto::Bytes>(std::string_view)>;

// What the references of one signature are dereferenced against.
struct ReferenceScope {
    xmlDocPtr doc = nullptr;
    const xmlNode* signature = nullptr;  // the ds:Signature (for the enveloped transform)
    const IdIndex* ids = nullptr;
    // A subtree verified as if it were absent (never digested, never found by Id), or null.
    const xmlNode* leave_out = nullptr;
    // The document belongs to this verification: nodes may be unlinked for a moment (and are
    // put back) to take libxml2's fast whole-document canonicalization. False for a caller's
    // document, which is never touched.
    bool may_edit_document = false;
    bool keep_octets = false;
    std::size_t max_transforms = 8;
    // Limits for parsing canonical octets again (a canonicalization followed by a node-set
    // transform); null = the defaults.
    const xml::ParseLimits* limits = nullptr;
    const WholeDocumentDigester* whole_document = nullptr;
    const DetachedContent* detached = nullptr;
};

// reference: a ds:Reference element of scope.signature. Never touches anything outside the
// document (no network, no files).
ReferenceOutcome process_reference(const ReferenceScope& scope, const xmlNode* reference, crypto::DigestAlg digest);

// The same for a signer's own document (no subtree left out).
ReferenceOutcome process_reference(xmlDocPtr doc, const xmlNode* reference, const xmlNode* signature,
                                   const IdIndex& ids, crypto::DigestAlg digest, bool keep_octets,
                                   std::size_t max_transforms,
                                   const WholeDocumentDigester* whole_document = nullptr,
                                   const std::function<std::optional<crypto::Bytes>(std::string_view)>* detached = nullptr);

}  // namespace istmo::dsig
