#pragma once
// Internal: XML canonicalization (C14N 1.0, exclusive C14N 1.0, C14N 1.1, each with or without
// comments) of a document or of a node subset, streamed into a sink.
#include <istmo/core/result.hpp>

#include "internal/c_ptr.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace istmo::xml {

enum class C14nAlgorithm { inclusive_1_0, exclusive_1_0, inclusive_1_1 };

struct C14nMethod {
    C14nAlgorithm algorithm = C14nAlgorithm::inclusive_1_0;
    bool with_comments = false;
    std::vector<std::string> inclusive_prefixes;  // exclusive C14N InclusiveNamespaces PrefixList
};

// Which nodes are in the node-set: the subtree of `apex` (the document node = everything),
// minus the subtree of `excluded` (the enveloped signature) and of `excluded_extra` (a second
// subtree left out by the caller), comments only when asked.
struct NodeSubset {
    const xmlNode* apex = nullptr;
    const xmlNode* excluded = nullptr;
    bool keep_comments = false;
    // Also leave out every ds:Signature subtree (the XPath transform
    // not(ancestor-or-self::ds:Signature) of XMLDSig §6.6.3).
    bool exclude_all_signatures = false;
    const xmlNode* excluded_extra = nullptr;
};

// Receives canonical octets in chunks.
class ByteSink {
public:
    virtual ~ByteSink() = default;
    virtual void write(const char* data, std::size_t size) = 0;
};

class StringSink final : public ByteSink {
public:
    void write(const char* data, std::size_t size) override { text.append(data, size); }
    std::string text;
};

// C14N 1.0 and exclusive C14N 1.0 run the direct canonicalizer over the DOM (c14n_dom.cpp);
// C14N 1.1 runs libxml2's xmlC14NExecute.
Result<void> canonicalize(xmlDocPtr doc, const C14nMethod& method, const NodeSubset& subset, ByteSink& sink);

// The direct canonicalizer: one walk over the subset, no copy of the tree, no per-node
// callback. Errc::unsupported for C14N 1.1 and for nodes it does not render (entity
// references); Errc::invalid_argument for a relative namespace URI (C14N 1.0 §2.3: failure).
Result<void> canonicalize_dom(xmlDocPtr doc, const C14nMethod& method, const NodeSubset& subset, ByteSink& sink);

// libxml2's xmlC14NExecute with a node-set callback: C14N 1.1, and the reference the direct
// canonicalizer is tested against byte for byte.
Result<void> canonicalize_libxml2(xmlDocPtr doc, const C14nMethod& method, const NodeSubset& subset,
                                  ByteSink& sink);

}  // namespace istmo::xml
