#pragma once
// Internal helpers shared by src/tsa/*.cpp (and the tests). Never included from include/.
#include <istmo/tsa/timestamp.hpp>

#include "crypto/native.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace istmo::tsa::detail {

crypto::DigestAlg digest_alg(HashAlg alg) noexcept;
int hash_nid(HashAlg alg) noexcept;

// One DER TLV: tag byte, header size, content span. Only single-byte tags and definite
// lengths (up to 4 length bytes); anything else is "not DER" for our purposes.
struct Tlv {
    std::uint8_t tag = 0;
    std::size_t header = 0;
    std::span<const std::uint8_t> content;
    [[nodiscard]] std::size_t total() const noexcept { return header + content.size(); }
};

enum class TlvError { none, empty, bad_tag, indefinite, bad_length, truncated };

// Reads the TLV at the start of `in`. On error returns std::nullopt and sets err.
std::optional<Tlv> read_tlv(std::span<const std::uint8_t> in, TlvError& err) noexcept;

}  // namespace istmo::tsa::detail
