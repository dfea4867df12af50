#pragma once
// Internal: one streaming (SAX) pass over a document that writes the canonical form of the whole
// document *minus one element subtree* (the enveloped signature) to a sink, without building a
// DOM, and captures that subtree as a small DOM of its own.
//
// This is the large-document path of signature verification: memory stays O(depth + captured
// subtree) instead of ~13x the document. It covers the common shape (one signature, reference
// URI="" with the enveloped-signature transform); whenever the input leaves that shape or
// anything is unusual (DOCTYPE, entity references, xml:* attributes on the way to the captured
// element, several captured elements, any parse problem), it reports `applicable == false` and
// the caller uses the DOM path, which gives the authoritative errors.
#include <istmo/xml/document.hpp>

#include "internal/c_ptr.hpp"
#include "xml/c14n.hpp"

#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace istmo::xml {

struct StreamCapture {
    internal::XmlDocPtr document;  // root = a copy of the captured element, in-scope namespaces declared on it
    std::string location;          // path of the captured element in the original document
    std::unordered_set<std::string> outside_ids;  // Id/ID/id/xml:id values outside the capture
};

// The document element's start tag as the parser read it: what an element appended to it
// inherits (the namespaces declared on it, its xml:* attributes).
struct StreamRoot {
    std::string local_name;
    std::string prefix;
    std::vector<std::pair<std::string, std::string>> namespaces;      // (prefix, URI) in document order
    std::vector<std::pair<std::string, std::string>> xml_attributes;  // (local name, value) of xml:*
};

struct StreamOutcome {
    bool applicable = false;
    std::string reason;  // why not applicable (for diagnostics)
    StreamCapture capture;
    StreamRoot root;
    // A namespace URI without a scheme was declared: C14N fails on it (the DOM canonicalizer
    // says so); the streaming pass does not, so a caller that must agree checks this.
    bool relative_namespace = false;
    // Neither a byte order mark nor the XML declaration names another encoding than UTF-8.
    bool utf8 = false;
};

// algorithm: inclusive_1_0 / inclusive_1_1 (identical for a whole document) or exclusive_1_0
// (no InclusiveNamespaces). Comments are never part of the output (URI="" semantics).
// capture: when false, the excluded element is skipped but not copied.
StreamOutcome stream_canonicalize(std::string_view input, const ParseLimits& limits, C14nAlgorithm algorithm,
                                  std::string_view excluded_ns, std::string_view excluded_name, bool capture,
                                  ByteSink& sink);

// The canonical form of the whole document (nothing left out, no comments): what a reference
// URI="" of a signature about to be appended digests. `applicable` is false whenever the pass
// could not be exact (the same conditions as above); `root` is filled when it is true.
StreamOutcome stream_canonicalize_document(std::string_view input, const ParseLimits& limits, C14nAlgorithm algorithm,
                                           ByteSink& sink);

}  // namespace istmo::xml
