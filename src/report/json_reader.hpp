#pragma once
// Internal: the one strict JSON reader (RFC 8259) of the library: invoice JSON input, NDJSON
// batch input and result lines, QR payloads. Numbers are kept as their decimal text (never
// converted to binary floating point); objects keep their member order and refuse duplicate
// names; input size, depth and string length are limited. Errors carry line and column.
#include <istmo/core/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::report::json {

enum class Kind { null, boolean, number, string, array, object };

struct Member;

struct Value {
    Kind kind = Kind::null;
    bool boolean = false;
    std::string text;  // number text (as written) or string contents (UTF-8, unescaped)
    std::vector<Value> items;                            // array
    std::vector<Member> members;                         // object, in document order
    int line = 0;                                        // where the value starts
    int column = 0;

    [[nodiscard]] const Value* find(std::string_view name) const noexcept;
    [[nodiscard]] bool is(Kind k) const noexcept { return kind == k; }
};

struct Member {
    std::string name;
    Value value;
};

struct Limits {
    std::size_t max_bytes = 8u * 1024 * 1024;
    std::size_t max_depth = 64;
    std::size_t max_string_bytes = 8u * 1024 * 1024;  // one string (or member name), decoded
};

// Errc::parse_error (with line and column) or Errc::limit_exceeded.
Result<Value> parse(std::string_view text, const Limits& limits = {});

[[nodiscard]] std::string_view kind_name(Kind kind) noexcept;

}  // namespace istmo::report::json
