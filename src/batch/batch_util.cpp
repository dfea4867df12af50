#include "batch/batch_util.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdint>

namespace istmo::batch::detail {

namespace {

std::string hex(const unsigned char* md, unsigned int len) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2u * len);
    for (unsigned int i = 0; i < len; ++i) {
        out.push_back(digits[md[i] >> 4]);
        out.push_back(digits[md[i] & 0x0F]);
    }
    return out;
}

class Reader {
public:
    explicit Reader(std::string_view text) : m_text(text) {}

    void skip_ws() {
        while (m_pos < m_text.size() &&
               (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\r' || m_text[m_pos] == '\n'))
            ++m_pos;
    }
    bool eat(char c) {
        skip_ws();
        if (m_pos < m_text.size() && m_text[m_pos] == c) {
            ++m_pos;
            return true;
        }
        return false;
    }
    [[nodiscard]] bool at_end() {
        skip_ws();
        return m_pos == m_text.size();
    }
    [[nodiscard]] char peek() {
        skip_ws();
        return m_pos < m_text.size() ? m_text[m_pos] : '\0';
    }

    static void append_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }

    std::optional<std::uint32_t> hex4() {
        if (m_pos + 4 > m_text.size()) return std::nullopt;
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = m_text[m_pos++];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
            else return std::nullopt;
        }
        return v;
    }

    std::optional<std::string> string() {
        if (!eat('"')) return std::nullopt;
        std::string out;
        while (m_pos < m_text.size()) {
            const char c = m_text[m_pos++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (m_pos >= m_text.size()) return std::nullopt;
            const char e = m_text[m_pos++];
            switch (e) {
                case '"': out.push_back('"'); break;
                case '\\': out.push_back('\\'); break;
                case '/': out.push_back('/'); break;
                case 'b': out.push_back('\b'); break;
                case 'f': out.push_back('\f'); break;
                case 'n': out.push_back('\n'); break;
                case 'r': out.push_back('\r'); break;
                case 't': out.push_back('\t'); break;
                case 'u': {
                    auto cp = hex4();
                    if (!cp) return std::nullopt;
                    std::uint32_t code = *cp;
                    if (code >= 0xD800 && code <= 0xDBFF) {
                        if (m_pos + 2 > m_text.size() || m_text[m_pos] != '\\' || m_text[m_pos + 1] != 'u')
                            return std::nullopt;
                        m_pos += 2;
                        auto low = hex4();
                        if (!low || *low < 0xDC00 || *low > 0xDFFF) return std::nullopt;
                        code = 0x10000 + ((code - 0xD800) << 10) + (*low - 0xDC00);
                    } else if (code >= 0xDC00 && code <= 0xDFFF) {
                        return std::nullopt;
                    }
                    append_utf8(out, code);
                    break;
                }
                default: return std::nullopt;
            }
        }
        return std::nullopt;
    }

    std::optional<std::string> number() {
        skip_ws();
        const std::size_t start = m_pos;
        if (m_pos < m_text.size() && m_text[m_pos] == '-') ++m_pos;
        bool digits = false;
        while (m_pos < m_text.size()) {
            const char c = m_text[m_pos];
            if ((c >= '0' && c <= '9')) digits = true;
            else if (c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') break;
            ++m_pos;
        }
        if (!digits) return std::nullopt;
        return std::string(m_text.substr(start, m_pos - start));
    }

    bool literal(std::string_view word) {
        skip_ws();
        if (m_text.substr(m_pos, word.size()) != word) return false;
        m_pos += word.size();
        return true;
    }

private:
    std::string_view m_text;
    std::size_t m_pos = 0;
};

}  // namespace

std::optional<std::map<std::string, JsonValue, std::less<>>> parse_flat_object(std::string_view text) {
    Reader r(text);
    std::map<std::string, JsonValue, std::less<>> out;
    if (!r.eat('{')) return std::nullopt;
    if (!r.eat('}')) {
        do {
            auto name = r.string();
            if (!name || !r.eat(':')) return std::nullopt;
            JsonValue v;
            const char c = r.peek();
            if (c == '"') {
                auto s = r.string();
                if (!s) return std::nullopt;
                v.kind = JsonValue::Kind::string;
                v.text = std::move(*s);
            } else if (c == '[') {
                r.eat('[');
                v.kind = JsonValue::Kind::string_array;
                if (!r.eat(']')) {
                    do {
                        auto s = r.string();
                        if (!s) return std::nullopt;
                        v.items.push_back(std::move(*s));
                    } while (r.eat(','));
                    if (!r.eat(']')) return std::nullopt;
                }
            } else if (c == 'n') {
                if (!r.literal("null")) return std::nullopt;
                v.kind = JsonValue::Kind::null;
            } else if (c == 't' || c == 'f') {
                if (r.literal("true")) v.text = "true";
                else if (r.literal("false")) v.text = "false";
                else return std::nullopt;
                v.kind = JsonValue::Kind::boolean;
            } else {
                auto n = r.number();
                if (!n) return std::nullopt;
                v.kind = JsonValue::Kind::number;
                v.text = std::move(*n);
            }
            if (!out.emplace(std::move(*name), std::move(v)).second) return std::nullopt;  // duplicate name
        } while (r.eat(','));
        if (!r.eat('}')) return std::nullopt;
    }
    if (!r.at_end()) return std::nullopt;
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size() / 4 * 3 + 3);
    std::uint32_t acc = 0;
    int bits = 0;
    std::size_t symbols = 0;
    std::size_t padding = 0;
    for (const char c : text) {
        int v = -1;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '+') v = 62;
        else if (c == '/') v = 63;
        else if (c == '=') {
            ++padding;
            continue;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            continue;
        } else {
            return std::nullopt;
        }
        if (padding != 0) return std::nullopt;  // data after padding
        ++symbols;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    if (symbols % 4 == 1 || padding > 2) return std::nullopt;
    if (padding != 0 && (symbols + padding) % 4 != 0) return std::nullopt;
    return out;
}

Sha256::Sha256() {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(ctx);
        ctx = nullptr;
    }
    m_ctx = ctx;
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(m_ctx)); }

bool Sha256::update(std::string_view data) {
    if (!m_ctx) return false;
    return EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(m_ctx), data.data(), data.size()) == 1;
}

std::string Sha256::hex_final() {
    if (!m_ctx) return {};
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(m_ctx), md.data(), &len) != 1) return {};
    return hex(md.data(), len);
}

namespace {

// One digest context per thread, with SHA-256 fetched once: with OpenSSL 3, EVP_sha256() in
// every EVP_DigestInit_ex is an implicit fetch (a read lock on the shared method store and
// reference counts on the shared EVP_MD), which every worker would do once per document.
struct ThreadDigest {
    EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ThreadDigest() = default;
    ThreadDigest(const ThreadDigest&) = delete;
    ThreadDigest& operator=(const ThreadDigest&) = delete;
    ~ThreadDigest() {
        EVP_MD_CTX_free(ctx);
        EVP_MD_free(md);
    }
};

}  // namespace

std::string sha256_hex(std::string_view data) {
    thread_local ThreadDigest t;
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (t.md && t.ctx && EVP_DigestInit_ex(t.ctx, t.md, nullptr) == 1 &&
        EVP_DigestUpdate(t.ctx, data.data(), data.size()) == 1 && EVP_DigestFinal_ex(t.ctx, md.data(), &len) == 1)
        return hex(md.data(), len);
    Sha256 h;
    h.update(data);
    return h.hex_final();
}

}  // namespace istmo::batch::detail
