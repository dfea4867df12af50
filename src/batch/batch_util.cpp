#include "batch/batch_util.hpp"

#include "crypto/native.hpp"

namespace istmo::batch::detail {

std::optional<report::json::Value> parse_line_object(std::string_view line) {
    report::json::Limits limits;
    limits.max_bytes = line.size();
    limits.max_string_bytes = line.size();
    limits.max_depth = 4;
    auto value = report::json::parse(line, limits);
    if (!value || !value->is(report::json::Kind::object)) return std::nullopt;
    return std::move(*value);
}

std::optional<std::string> decode_document_base64(std::string_view text, std::size_t max_bytes) {
    crypto::Base64DecodeOptions options;
    options.max_decoded_size = max_bytes;
    options.padding_optional = true;
    auto bytes = crypto::base64_decode(text, options);
    if (!bytes) return std::nullopt;
    return std::string(bytes->begin(), bytes->end());
}

}  // namespace istmo::batch::detail
