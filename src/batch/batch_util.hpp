#pragma once
// Internal helpers of the batch module: NDJSON lines as JSON objects. Base64 and SHA-256 are
// crypto's (crypto/native.hpp).
#include "report/json_reader.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace istmo::batch::detail {

// One NDJSON line (an input line or a result line) read with the library's JSON reader: a JSON
// object, at most a few levels deep, no longer than the line itself; nullopt for anything else,
// including trailing garbage and duplicate member names.
std::optional<report::json::Value> parse_line_object(std::string_view line);

// Standard base64 (RFC 4648) of a document carried in an NDJSON line, padding optional,
// whitespace ignored, at most max_bytes decoded; nullopt when invalid or too large.
std::optional<std::string> decode_document_base64(std::string_view text, std::size_t max_bytes);

}  // namespace istmo::batch::detail
