// libFuzzer harness: the safe XML parser (limits, DOCTYPE refusal) and the canonicalizer on
// whatever it accepts. Any crash, leak, UB or hang is a bug.
#include <istmo/xml/document.hpp>

#include "xml/c14n.hpp"
#include "xml/document_impl.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

void canonicalize_all(const istmo::xml::XmlDocument& document) {
    using istmo::xml::C14nAlgorithm;
    const xmlDocPtr doc = istmo::xml::get(document);
    for (C14nAlgorithm algorithm :
         {C14nAlgorithm::inclusive_1_0, C14nAlgorithm::exclusive_1_0, C14nAlgorithm::inclusive_1_1}) {
        for (bool comments : {false, true}) {
            istmo::xml::C14nMethod method;
            method.algorithm = algorithm;
            method.with_comments = comments;
            istmo::xml::NodeSubset subset;
            subset.apex = reinterpret_cast<const xmlNode*>(doc);
            subset.keep_comments = comments;
            subset.exclude_all_signatures = comments;
            istmo::xml::StringSink sink;
            (void)istmo::xml::canonicalize(doc, method, subset, sink);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    istmo::xml::ParseLimits limits;
    limits.max_depth = 64;
    limits.max_nodes = 100'000;
    if (auto document = istmo::xml::XmlDocument::parse(bytes, limits)) {
        (void)document->root_name();
        (void)document->root_namespace();
        const std::string text = document->to_string();
        canonicalize_all(*document);
        // What we serialise must parse again.
        (void)istmo::xml::XmlDocument::parse(text, limits);
    }
    // An internal subset is tolerated (never expanded) when the caller allows it.
    limits.allow_doctype = true;
    if (auto document = istmo::xml::XmlDocument::parse(bytes, limits)) canonicalize_all(*document);
    return 0;
}
