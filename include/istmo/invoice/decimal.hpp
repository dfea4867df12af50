#pragma once
// Exact decimal numbers for invoice amounts: a signed 64-bit coefficient and a decimal scale
// (value = units / 10^scale). Never binary floating point. Arithmetic that would overflow, or a
// parse of a malformed text, yields an invalid Decimal (valid() == false) that stays invalid
// through further arithmetic, like a quiet NaN, so formulas can be written plainly and checked
// once at the end.
//
// Thread safety: plain value type.
#include <istmo/export.hpp>

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace istmo::invoice {

class ISTMO_API Decimal {
public:
    static constexpr int max_scale = 12;

    constexpr Decimal() noexcept = default;
    // units / 10^scale; scale in [0, max_scale].
    static Decimal from_units(std::int64_t units, int scale) noexcept;
    static Decimal from_int(std::int64_t value) noexcept { return from_units(value, 0); }
    static Decimal invalid() noexcept;

    // Strict decimal text: optional '-', digits, optional '.' followed by digits
    // ("12", "12.50", "-0.5", ".5" is refused, "1e3" is refused). nullopt when malformed, longer
    // than max_scale decimals, or out of range.
    static std::optional<Decimal> parse(std::string_view text) noexcept;

    [[nodiscard]] bool valid() const noexcept { return m_valid; }
    [[nodiscard]] std::int64_t units() const noexcept { return m_units; }
    [[nodiscard]] int scale() const noexcept { return m_scale; }
    [[nodiscard]] bool is_zero() const noexcept { return m_valid && m_units == 0; }
    [[nodiscard]] bool is_negative() const noexcept { return m_valid && m_units < 0; }

    // Round to `scale` decimals, half away from zero (the DGI rounding of amounts); extends the
    // scale with zeros when the value has fewer decimals.
    [[nodiscard]] Decimal rounded(int scale) const noexcept;
    // Same value at a larger or equal scale; invalid when that would lose digits.
    [[nodiscard]] Decimal rescaled(int scale) const noexcept;
    // The smallest scale that represents the value exactly, but at least min_scale.
    [[nodiscard]] Decimal normalized(int min_scale) const noexcept;
    // Number of significant decimals (trailing zeros ignored).
    [[nodiscard]] int significant_decimals() const noexcept;

    // Text with exactly scale() decimals ("-12.50"); "NaN" when invalid.
    [[nodiscard]] std::string to_string() const;

    friend ISTMO_API Decimal operator+(const Decimal& a, const Decimal& b) noexcept;
    friend ISTMO_API Decimal operator-(const Decimal& a, const Decimal& b) noexcept;
    // Exact product (scale = sum of scales); invalid when the scale would exceed max_scale after
    // dropping only trailing zeros, or on overflow.
    friend ISTMO_API Decimal operator*(const Decimal& a, const Decimal& b) noexcept;
    Decimal& operator+=(const Decimal& other) noexcept { return *this = *this + other; }
    Decimal& operator-=(const Decimal& other) noexcept { return *this = *this - other; }

    // Numeric comparison (1.5 == 1.50). Invalid values compare equal only to each other and
    // are ordered before every valid value.
    friend ISTMO_API bool operator==(const Decimal& a, const Decimal& b) noexcept;
    friend ISTMO_API std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) noexcept;

private:
    std::int64_t m_units = 0;
    int m_scale = 0;
    bool m_valid = true;
};

// Rounds a product to `scale` decimals without intermediate overflow: round(a*b, scale).
ISTMO_API Decimal multiply_rounded(const Decimal& a, const Decimal& b, int scale) noexcept;

}  // namespace istmo::invoice
