// base64 (RFC 4648 alphabet) with the XML Schema base64Binary rules for decoding:
// whitespace (space, tab, CR, LF) may appear anywhere; anything else outside the alphabet,
// misplaced or excessive padding, a length that is not a multiple of four characters, or
// non-zero bits in the last, padded group are errors.
#include "crypto/detail.hpp"

#include <algorithm>
#include <array>

namespace istmo::crypto {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::uint8_t kInvalid = 0xff;
constexpr std::uint8_t kSpace = 0xfe;
constexpr std::uint8_t kPad = 0xfd;

constexpr std::array<std::uint8_t, 256> make_table() {
    std::array<std::uint8_t, 256> table{};
    for (auto& entry : table) entry = kInvalid;
    for (std::size_t i = 0; i < 64; ++i)
        table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
    table[' '] = kSpace;
    table['\t'] = kSpace;
    table['\r'] = kSpace;
    table['\n'] = kSpace;
    table['='] = kPad;
    return table;
}

constexpr std::array<std::uint8_t, 256> kTable = make_table();

Error bad_base64(std::string message, std::size_t offset) {
    return make_error(Errc::parse_error, std::move(message) + " at offset " + std::to_string(offset));
}

Error too_large(std::size_t limit) {
    return make_error(Errc::limit_exceeded, "base64 data decodes to more than " + std::to_string(limit) + " bytes");
}

}  // namespace

std::string base64_encode(std::span<const std::uint8_t> data, std::size_t line_length) {
    const std::size_t encoded = (data.size() + 2) / 3 * 4;
    std::string out;
    out.reserve(encoded + (line_length > 0 ? encoded / line_length : 0));
    std::size_t column = 0;
    auto put = [&](char c) {
        if (line_length > 0 && column == line_length) {
            out.push_back('\n');
            column = 0;
        }
        out.push_back(c);
        ++column;
    };
    std::size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) |
                                std::uint32_t{data[i + 2]};
        put(kAlphabet[(v >> 18) & 63]);
        put(kAlphabet[(v >> 12) & 63]);
        put(kAlphabet[(v >> 6) & 63]);
        put(kAlphabet[v & 63]);
    }
    const std::size_t rest = data.size() - i;
    if (rest == 1) {
        const std::uint32_t v = std::uint32_t{data[i]} << 16;
        put(kAlphabet[(v >> 18) & 63]);
        put(kAlphabet[(v >> 12) & 63]);
        put('=');
        put('=');
    } else if (rest == 2) {
        const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
        put(kAlphabet[(v >> 18) & 63]);
        put(kAlphabet[(v >> 12) & 63]);
        put(kAlphabet[(v >> 6) & 63]);
        put('=');
    }
    return out;
}

Result<Bytes> base64_decode(std::string_view text) { return base64_decode(text, Base64DecodeOptions{}); }

Result<Bytes> base64_decode(std::string_view text, const Base64DecodeOptions& options) {
    return detail::guarded("base64 decoding", [&]() -> Result<Bytes> {
        Bytes out;
        out.reserve(std::min(text.size() / 4 * 3 + 3, options.max_decoded_size));
        std::uint32_t group = 0;   // accumulated 6-bit values of the current quantum
        int count = 0;             // characters in the current quantum (0..3)
        int padding = 0;           // '=' seen so far (only at the very end)
        for (std::size_t pos = 0; pos < text.size(); ++pos) {
            const std::uint8_t v = kTable[static_cast<unsigned char>(text[pos])];
            if (v < 64) {
                if (padding > 0) return bad_base64("base64 data after padding", pos);
                group = (group << 6) | v;
                if (++count == 4) {
                    if (options.max_decoded_size - out.size() < 3) return too_large(options.max_decoded_size);
                    out.push_back(static_cast<std::uint8_t>(group >> 16));
                    out.push_back(static_cast<std::uint8_t>(group >> 8));
                    out.push_back(static_cast<std::uint8_t>(group));
                    group = 0;
                    count = 0;
                }
            } else if (v == kSpace) {
                continue;
            } else if (v == kPad) {
                // "xx==" or "xxx=": padding completes a quantum of two or three characters.
                if (padding == 0 && count < 2) return bad_base64("misplaced base64 padding", pos);
                if (count + padding >= 4) return bad_base64("too much base64 padding", pos);
                ++padding;
            } else {
                return bad_base64("invalid base64 character", pos);
            }
        }
        if (padding == 0 && count > 1 && options.padding_optional) padding = 4 - count;  // implied
        if (padding > 0 && options.max_decoded_size - out.size() < static_cast<std::size_t>(count - 1))
            return too_large(options.max_decoded_size);
        if (padding > 0) {
            if (count + padding != 4) return bad_base64("incomplete base64 padding", text.size());
            if (count == 2) {
                if ((group & 0x0f) != 0) return bad_base64("non-zero base64 padding bits", text.size());
                out.push_back(static_cast<std::uint8_t>(group >> 4));
            } else {  // count == 3
                if ((group & 0x03) != 0) return bad_base64("non-zero base64 padding bits", text.size());
                out.push_back(static_cast<std::uint8_t>(group >> 10));
                out.push_back(static_cast<std::uint8_t>(group >> 2));
            }
        } else if (count != 0) {
            return bad_base64("base64 length is not a multiple of four", text.size());
        }
        return out;
    });
}

}  // namespace istmo::crypto
