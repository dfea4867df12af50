#pragma once
// Internal: a small strict JSON parser (RFC 8259) for invoice input. Numbers are kept as their
// decimal text (never converted to binary floating point); objects keep their member order and
// refuse duplicate names; depth and size are limited. Errors carry line and column.
#include <istmo/core/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::invoice::json {

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
};

struct Member {
    std::string name;
    Value value;
};

struct Limits {
    std::size_t max_bytes = 8u * 1024 * 1024;
    std::size_t max_depth = 64;
};

// Errc::parse_error (with line and column) or Errc::limit_exceeded.
Result<Value> parse(std::string_view text, const Limits& limits = {});

[[nodiscard]] std::string_view kind_name(Kind kind) noexcept;

}  // namespace istmo::invoice::json
