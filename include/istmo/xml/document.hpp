#pragma once
// Safe XML parsing. This module is the only place in istmo that calls libxml2's parser.
//
// Every parse: no network (XML_PARSE_NONET), no DTD loading, no external entities, no entity
// expansion; a DOCTYPE is refused unless ParseLimits::allow_doctype is set, and entity
// declarations are always refused. Limits are checked during and after the parse.
//
// Thread safety: an XmlDocument is used by one thread at a time; parsing in many threads at
// once (each with its own document) is safe.
#include <istmo/core/result.hpp>
#include <istmo/export.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace istmo::xml {

struct ParseLimits {
    std::size_t max_input_bytes = 64u * 1024 * 1024;   // whole input
    std::size_t max_depth = 256;                         // element nesting
    std::size_t max_nodes = 4'000'000;                   // elements + attributes + text nodes
    std::size_t max_attribute_bytes = 1u * 1024 * 1024;  // one attribute value
    std::size_t max_text_bytes = 10u * 1024 * 1024;      // one text node
    bool allow_doctype = false;  // an internal DTD subset (never loaded, never expanded)
};

class ISTMO_API XmlDocument {
public:
    struct Impl;
    // Parses bytes. Errors: Errc::limit_exceeded (with the limit's name in the message),
    // Errc::parse_error (with line and column), Errc::unsupported (DOCTYPE / entities).
    static Result<XmlDocument> parse(std::string_view bytes, const ParseLimits& limits = {});

    XmlDocument(XmlDocument&&) noexcept;
    XmlDocument& operator=(XmlDocument&&) noexcept;
    ~XmlDocument();

    // Local name and namespace URI of the document element.
    [[nodiscard]] std::string root_name() const;
    [[nodiscard]] std::string root_namespace() const;
    // Serialization as UTF-8 with an XML declaration.
    [[nodiscard]] std::string to_string() const;

    [[nodiscard]] Impl& impl() noexcept { return *m_impl; }
    [[nodiscard]] const Impl& impl() const noexcept { return *m_impl; }
    explicit XmlDocument(std::unique_ptr<Impl> impl) noexcept;

private:
    std::unique_ptr<Impl> m_impl;
};

}  // namespace istmo::xml
