#pragma once
#include <istmo/core/result.hpp>

#include "xml/c14n.hpp"

#include <string>

namespace istmo::dsig {
// The canonical octets of ds:SignedInfo (its subtree; comments per the method).
inline Result<std::string> compute_signed_info_octets(xmlDocPtr doc, const xmlNode* signed_info,
                                                      const xml::C14nMethod& method) {
    xml::StringSink sink;
    xml::NodeSubset subset{signed_info, nullptr, method.with_comments};
    if (auto done = xml::canonicalize(doc, method, subset, sink); !done) return std::move(done).error();
    return std::move(sink.text);
}
}  // namespace istmo::dsig
