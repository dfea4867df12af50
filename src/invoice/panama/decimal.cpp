// Exact decimal arithmetic over a 64-bit coefficient; intermediate products in 128 bits.
#include <istmo/invoice/decimal.hpp>

#include <cstdint>
#include <limits>

namespace istmo::invoice {
namespace {

__extension__ typedef __int128 Wide;

constexpr std::int64_t k_pow10[] = {1,
                                    10,
                                    100,
                                    1000,
                                    10000,
                                    100000,
                                    1000000,
                                    10000000,
                                    100000000,
                                    1000000000,
                                    10000000000,
                                    100000000000,
                                    1000000000000,
                                    10000000000000,
                                    100000000000000,
                                    1000000000000000,
                                    10000000000000000,
                                    100000000000000000,
                                    1000000000000000000};

bool fits(Wide v) noexcept {
    return v <= static_cast<Wide>(std::numeric_limits<std::int64_t>::max()) &&
           v >= static_cast<Wide>(std::numeric_limits<std::int64_t>::min());
}

// value * 10^(to - from) for to >= from, in Wide.
Wide widen(std::int64_t units, int from, int to) noexcept {
    return static_cast<Wide>(units) * static_cast<Wide>(k_pow10[to - from]);
}

// Divides by 10^digits, rounding half away from zero.
Wide div_round(Wide v, int digits) noexcept {
    if (digits <= 0) return v;
    Wide p = 1;
    for (int i = 0; i < digits; ++i) p *= 10;
    const bool neg = v < 0;
    Wide a = neg ? -v : v;
    Wide q = a / p;
    const Wide r = a % p;
    if (r * 2 >= p) ++q;
    return neg ? -q : q;
}

}  // namespace

Decimal Decimal::from_units(std::int64_t units, int scale) noexcept {
    Decimal d;
    if (scale < 0 || scale > max_scale) return invalid();
    d.m_units = units;
    d.m_scale = scale;
    return d;
}

Decimal Decimal::invalid() noexcept {
    Decimal d;
    d.m_valid = false;
    return d;
}

std::optional<Decimal> Decimal::parse(std::string_view text) noexcept {
    std::size_t i = 0;
    bool neg = false;
    if (i < text.size() && text[i] == '-') {
        neg = true;
        ++i;
    }
    const std::size_t int_start = i;
    Wide v = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        v = v * 10 + (text[i] - '0');
        if (v > static_cast<Wide>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
        ++i;
    }
    if (i == int_start) return std::nullopt;
    int scale = 0;
    if (i < text.size() && text[i] == '.') {
        ++i;
        const std::size_t frac_start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            v = v * 10 + (text[i] - '0');
            if (v > static_cast<Wide>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
            ++i;
            if (++scale > max_scale) return std::nullopt;
        }
        if (i == frac_start) return std::nullopt;
    }
    if (i != text.size()) return std::nullopt;
    return from_units(static_cast<std::int64_t>(neg ? -v : v), scale);
}

Decimal Decimal::rounded(int scale) const noexcept {
    if (!m_valid || scale < 0 || scale > max_scale) return invalid();
    if (scale >= m_scale) return rescaled(scale);
    const Wide v = div_round(static_cast<Wide>(m_units), m_scale - scale);
    return from_units(static_cast<std::int64_t>(v), scale);
}

Decimal Decimal::rescaled(int scale) const noexcept {
    if (!m_valid || scale < m_scale || scale > max_scale) return invalid();
    const Wide v = widen(m_units, m_scale, scale);
    if (!fits(v)) return invalid();
    return from_units(static_cast<std::int64_t>(v), scale);
}

int Decimal::significant_decimals() const noexcept {
    if (!m_valid) return 0;
    int s = m_scale;
    std::int64_t u = m_units;
    while (s > 0 && u % 10 == 0) {
        u /= 10;
        --s;
    }
    return s;
}

Decimal Decimal::normalized(int min_scale) const noexcept {
    if (!m_valid) return invalid();
    const int s = significant_decimals();
    const int target = s > min_scale ? s : min_scale;
    if (target >= m_scale) return rescaled(target);
    return from_units(m_units / k_pow10[m_scale - target], target);
}

std::string Decimal::to_string() const {
    if (!m_valid) return "NaN";
    const bool neg = m_units < 0;
    // Avoid overflow on INT64_MIN by working on the unsigned magnitude.
    std::uint64_t mag = neg ? static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(m_units)
                            : static_cast<std::uint64_t>(m_units);
    std::string digits = std::to_string(mag);
    if (static_cast<int>(digits.size()) <= m_scale)
        digits.insert(0, static_cast<std::size_t>(m_scale) + 1 - digits.size(), '0');
    if (m_scale > 0) digits.insert(digits.size() - static_cast<std::size_t>(m_scale), 1, '.');
    if (neg) digits.insert(0, 1, '-');
    return digits;
}

Decimal operator+(const Decimal& a, const Decimal& b) noexcept {
    if (!a.m_valid || !b.m_valid) return Decimal::invalid();
    const int s = a.m_scale > b.m_scale ? a.m_scale : b.m_scale;
    const Wide v = widen(a.m_units, a.m_scale, s) + widen(b.m_units, b.m_scale, s);
    if (!fits(v)) return Decimal::invalid();
    return Decimal::from_units(static_cast<std::int64_t>(v), s);
}

Decimal operator-(const Decimal& a, const Decimal& b) noexcept {
    if (!b.m_valid) return Decimal::invalid();
    return a + Decimal::from_units(-b.m_units, b.m_scale);
}

Decimal operator*(const Decimal& a, const Decimal& b) noexcept {
    if (!a.m_valid || !b.m_valid) return Decimal::invalid();
    Wide v = static_cast<Wide>(a.m_units) * static_cast<Wide>(b.m_units);
    int s = a.m_scale + b.m_scale;
    while (s > Decimal::max_scale && v % 10 == 0) {
        v /= 10;
        --s;
    }
    if (s > Decimal::max_scale || !fits(v)) return Decimal::invalid();
    return Decimal::from_units(static_cast<std::int64_t>(v), s);
}

Decimal multiply_rounded(const Decimal& a, const Decimal& b, int scale) noexcept {
    if (!a.valid() || !b.valid() || scale < 0 || scale > Decimal::max_scale) return Decimal::invalid();
    const Wide v = static_cast<Wide>(a.units()) * static_cast<Wide>(b.units());
    const int s = a.scale() + b.scale();
    Wide r = 0;
    if (s >= scale) {
        r = div_round(v, s - scale);
    } else {
        r = v;
        for (int i = s; i < scale; ++i) r *= 10;
    }
    if (!fits(r)) return Decimal::invalid();
    return Decimal::from_units(static_cast<std::int64_t>(r), scale);
}

bool operator==(const Decimal& a, const Decimal& b) noexcept {
    return (a <=> b) == std::strong_ordering::equal;
}

std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) noexcept {
    if (!a.m_valid || !b.m_valid) {
        if (a.m_valid == b.m_valid) return std::strong_ordering::equal;
        return a.m_valid ? std::strong_ordering::greater : std::strong_ordering::less;
    }
    const int s = a.m_scale > b.m_scale ? a.m_scale : b.m_scale;
    const Wide x = widen(a.m_units, a.m_scale, s);
    const Wide y = widen(b.m_units, b.m_scale, s);
    if (x < y) return std::strong_ordering::less;
    if (x > y) return std::strong_ordering::greater;
    return std::strong_ordering::equal;
}

}  // namespace istmo::invoice
