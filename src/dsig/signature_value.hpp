#pragma once
#include <istmo/core/result.hpp>

#include "xml/c14n.hpp"

#include <string>

namespace istmo::dsig {

// The canonical octets of ds:SignedInfo: its subtree as a document subset (comments per the
// method), the in-scope namespaces of its ancestors included as C14N requires.
Result<std::string> compute_signed_info_octets(xmlDocPtr doc, const xmlNode* signed_info,
                                               const xml::C14nMethod& method);

// Same result through libxml2's node-set filter over the whole document: the reference
// implementation, kept for tests and for the rare inputs the fast path does not take.
Result<std::string> compute_signed_info_octets_by_filter(xmlDocPtr doc, const xmlNode* signed_info,
                                                         const xml::C14nMethod& method);

}  // namespace istmo::dsig
