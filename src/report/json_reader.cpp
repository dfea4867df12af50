// Strict recursive-descent JSON parser (RFC 8259). No extensions: no comments, no trailing
// commas, no NaN/Infinity, no leading zeros, no unescaped control characters, valid UTF-8 only.
#include "report/json_reader.hpp"

#include "core/utf8.hpp"

#include <cstdint>

namespace istmo::report::json {
namespace {

class Parser {
public:
    Parser(std::string_view text, const Limits& limits) : m_text(text), m_limits(limits) {}

    Result<Value> run() {
        if (m_text.size() > m_limits.max_bytes)
            return make_error(Errc::limit_exceeded, "JSON input larger than max_bytes (" +
                                                        std::to_string(m_limits.max_bytes) + ")");
        if (m_text.size() >= 3 && m_text.substr(0, 3) == "\xEF\xBB\xBF") advance(3);  // UTF-8 BOM
        Value v;
        skip_ws();
        if (!value(v, 0)) return std::move(m_error);
        skip_ws();
        if (m_pos != m_text.size()) {
            fail("unexpected data after the JSON value");
            return std::move(m_error);
        }
        return v;
    }

private:
    std::string_view m_text;
    Limits m_limits;
    std::size_t m_pos = 0;
    int m_line = 1;
    int m_col = 1;
    Error m_error{};

    bool fail(std::string message, Errc code = Errc::parse_error) {
        m_error = make_error(code, "JSON: " + message + " at line " + std::to_string(m_line) +
                                       ", column " + std::to_string(m_col));
        m_error.line = m_line;
        m_error.column = m_col;
        return false;
    }
    [[nodiscard]] bool at_end() const noexcept { return m_pos >= m_text.size(); }
    [[nodiscard]] char peek() const noexcept { return at_end() ? '\0' : m_text[m_pos]; }
    void advance(std::size_t n = 1) noexcept {
        for (std::size_t i = 0; i < n && m_pos < m_text.size(); ++i, ++m_pos) {
            if (m_text[m_pos] == '\n') {
                ++m_line;
                m_col = 1;
            } else if ((static_cast<unsigned char>(m_text[m_pos]) & 0xC0) != 0x80) {
                ++m_col;  // count code points, not continuation bytes
            }
        }
    }
    void skip_ws() noexcept {
        while (!at_end()) {
            const char c = peek();
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            advance();
        }
    }
    bool literal(std::string_view word) {
        if (m_text.substr(m_pos, word.size()) != word) return fail("invalid literal");
        advance(word.size());
        return true;
    }

    bool value(Value& out, std::size_t depth) {
        if (depth > m_limits.max_depth)
            return fail("nesting deeper than max_depth (" + std::to_string(m_limits.max_depth) + ")",
                        Errc::limit_exceeded);
        out.line = m_line;
        out.column = m_col;
        switch (peek()) {
            case '{': return object(out, depth);
            case '[': return array(out, depth);
            case '"': out.kind = Kind::string; return string(out.text);
            case 't': out.kind = Kind::boolean; out.boolean = true; return literal("true");
            case 'f': out.kind = Kind::boolean; out.boolean = false; return literal("false");
            case 'n': out.kind = Kind::null; return literal("null");
            case '\0':
                if (at_end()) return fail("unexpected end of input");
                return fail("unexpected character");
            default:
                if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return number(out);
                return fail("unexpected character '" + std::string(1, peek()) + "'");
        }
    }

    bool object(Value& out, std::size_t depth) {
        out.kind = Kind::object;
        if (empty_container('}')) return true;
        for (;;) {
            if (peek() != '"') return fail("expected a member name (string)");
            std::string name;
            const int name_line = m_line;
            const int name_col = m_col;
            if (!string(name)) return false;
            for (const auto& m : out.members) {
                if (m.name == name) {
                    m_line = name_line;
                    m_col = name_col;
                    return fail("duplicate member name \"" + name + "\"");
                }
            }
            skip_ws();
            if (peek() != ':') return fail("expected ':' after a member name");
            advance();
            skip_ws();
            Value v;
            if (!value(v, depth + 1)) return false;
            out.members.push_back(Member{std::move(name), std::move(v)});
            const Next next = after_item('}', "object");
            if (next != Next::item) return next == Next::end;
        }
    }

    bool array(Value& out, std::size_t depth) {
        out.kind = Kind::array;
        if (empty_container(']')) return true;
        for (;;) {
            Value v;
            if (!value(v, depth + 1)) return false;
            out.items.push_back(std::move(v));
            const Next next = after_item(']', "array");
            if (next != Next::item) return next == Next::end;
        }
    }

    // Past the opening bracket; true (and past `close`) when the container is empty.
    bool empty_container(char close) {
        advance();
        skip_ws();
        if (peek() != close) return false;
        advance();
        return true;
    }

    // After an item of an object or array: another item follows, the container ended, or the
    // text is wrong (the failure is recorded).
    enum class Next { item, end, error };
    Next after_item(char close, const char* container) {
        skip_ws();
        if (peek() == ',') {
            advance();
            skip_ws();
            if (peek() != close) return Next::item;
            fail(std::string("trailing comma in ") + container);
            return Next::error;
        }
        if (peek() == close) {
            advance();
            return Next::end;
        }
        fail(std::string("expected ',' or '") + close + "' in " + container);
        return Next::error;
    }

    bool number(Value& out) {
        out.kind = Kind::number;
        const std::size_t start = m_pos;
        if (peek() == '-') advance();
        if (peek() == '0') {
            advance();
            if (peek() >= '0' && peek() <= '9') return fail("leading zero in number");
        } else if (peek() >= '1' && peek() <= '9') {
            while (peek() >= '0' && peek() <= '9') advance();
        } else {
            return fail("digit expected in number");
        }
        if (peek() == '.') {
            advance();
            if (!(peek() >= '0' && peek() <= '9')) return fail("digit expected after '.'");
            while (peek() >= '0' && peek() <= '9') advance();
        }
        if (peek() == 'e' || peek() == 'E') {
            advance();
            if (peek() == '+' || peek() == '-') advance();
            if (!(peek() >= '0' && peek() <= '9')) return fail("digit expected in exponent");
            while (peek() >= '0' && peek() <= '9') advance();
        }
        out.text.assign(m_text.substr(start, m_pos - start));
        return true;
    }

    bool hex4(std::uint32_t& cp) {
        cp = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = peek();
            std::uint32_t d = 0;
            if (c >= '0' && c <= '9') d = static_cast<std::uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f') d = static_cast<std::uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') d = static_cast<std::uint32_t>(c - 'A' + 10);
            else return fail("bad \\u escape");
            cp = cp * 16 + d;
            advance();
        }
        return true;
    }

    // One UTF-8 sequence copied as is, after checking it is well formed (no overlongs, no
    // surrogates, nothing above U+10FFFF).
    bool utf8(std::string& out) {
        const std::size_t len = core::utf8::sequence_length(m_text, m_pos);
        if (len == 0) return fail("invalid UTF-8");
        out.append(m_text.substr(m_pos, len));
        advance(len);
        return true;
    }

    bool string(std::string& out) {
        advance();  // opening quote
        for (;;) {
            if (at_end()) return fail("unterminated string");
            const auto c = static_cast<unsigned char>(peek());
            if (c == '"') {
                advance();
                return true;
            }
            if (out.size() >= m_limits.max_string_bytes)
                return fail("string longer than max_string_bytes (" + std::to_string(m_limits.max_string_bytes) + ")",
                            Errc::limit_exceeded);
            if (c < 0x20) return fail("control character in string (must be escaped)");
            if (c >= 0x80) {
                if (!utf8(out)) return false;
                continue;
            }
            if (c != '\\') {
                out += static_cast<char>(c);
                advance();
                continue;
            }
            advance();
            const char e = peek();
            advance();
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    std::uint32_t cp = 0;
                    if (!hex4(cp)) return false;
                    if (cp >= 0xDC00 && cp <= 0xDFFF) return fail("unpaired low surrogate");
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        if (m_text.substr(m_pos, 2) != "\\u") return fail("unpaired high surrogate");
                        advance(2);
                        std::uint32_t low = 0;
                        if (!hex4(low)) return false;
                        if (low < 0xDC00 || low > 0xDFFF) return fail("unpaired high surrogate");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    core::utf8::append(out, cp);
                    break;
                }
                default: return fail("invalid escape in string");
            }
        }
    }
};

}  // namespace

const Value* Value::find(std::string_view name) const noexcept {
    for (const auto& m : members)
        if (m.name == name) return &m.value;
    return nullptr;
}

Result<Value> parse(std::string_view text, const Limits& limits) { return Parser(text, limits).run(); }

std::string_view kind_name(Kind kind) noexcept {
    switch (kind) {
        case Kind::null: return "null";
        case Kind::boolean: return "boolean";
        case Kind::number: return "number";
        case Kind::string: return "string";
        case Kind::array: return "array";
        case Kind::object: return "object";
    }
    return "?";
}

}  // namespace istmo::report::json
