// Retry-After (RFC 9110 §10.2.3): delta-seconds or an HTTP-date (§5.6.7: IMF-fixdate, and the
// obsolete rfc850 and asctime forms that recipients must still accept).
#include "net/net_internal.hpp"

#include "core/time_math.hpp"

#include <array>
#include <cstdint>

namespace istmo::net::detail {

namespace {

using SysClock = std::chrono::system_clock;

constexpr std::array<std::string_view, 7> kDayNames = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kLongDayNames = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                           "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Reads an HTTP-date left to right; every method consumes only on success.
class Reader {
public:
    explicit Reader(std::string_view text) : m_text(text) {}

    bool literal(std::string_view expected) {
        if (m_text.substr(m_pos, expected.size()) != expected) return false;
        m_pos += expected.size();
        return true;
    }

    template <std::size_t N>
    std::optional<int> name(const std::array<std::string_view, N>& names) {
        for (std::size_t i = 0; i < N; ++i) {
            if (literal(names[i])) return static_cast<int>(i);
        }
        return std::nullopt;
    }

    // Exactly `count` digits.
    std::optional<int> digits(std::size_t count) {
        if (m_text.size() - m_pos < count) return std::nullopt;
        int value = 0;
        for (std::size_t i = 0; i < count; ++i) {
            const char c = m_text[m_pos + i];
            if (c < '0' || c > '9') return std::nullopt;
            value = value * 10 + (c - '0');
        }
        m_pos += count;
        return value;
    }

    [[nodiscard]] bool at_end() const noexcept { return m_pos == m_text.size(); }

private:
    std::string_view m_text;
    std::size_t m_pos = 0;
};

struct TimeOfDay {
    int hour = 0;
    int minute = 0;
    int second = 0;
};

// time-of-day = hour ":" minute ":" second (second 60 is a leap second)
std::optional<TimeOfDay> time_of_day(Reader& r) {
    const auto h = r.digits(2);
    if (!h || !r.literal(":")) return std::nullopt;
    const auto m = r.digits(2);
    if (!m || !r.literal(":")) return std::nullopt;
    const auto s = r.digits(2);
    if (!s || *h > 23 || *m > 59 || *s > 60) return std::nullopt;
    return TimeOfDay{*h, *m, *s};
}

std::optional<SysClock::time_point> make_time(int year, int month_index, int day, const TimeOfDay& t) {
    const std::chrono::year_month_day date{std::chrono::year(year),
                                           std::chrono::month(static_cast<unsigned>(month_index + 1)),
                                           std::chrono::day(static_cast<unsigned>(day))};
    if (!date.ok()) return std::nullopt;
    // Years 0000-9999 in seconds; system_clock counts nanoseconds (1677-2262): saturate.
    return core::time_math::saturating_time_point_cast<SysClock::duration>(
        std::chrono::sys_days(date) + std::chrono::hours(t.hour) + std::chrono::minutes(t.minute) +
        std::chrono::seconds(t.second));
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<SysClock::time_point> parse_http_date(std::string_view text, SysClock::time_point now) {
    text = trim(text);
    // rfc850-date = day-name-l "," SP day "-" month "-" 2DIGIT SP time-of-day SP "GMT"
    {
        Reader r(text);
        if (r.name(kLongDayNames) && r.literal(", ")) {
            const auto day = r.digits(2);
            if (!day || !r.literal("-")) return std::nullopt;
            const auto month = r.name(kMonthNames);
            if (!month || !r.literal("-")) return std::nullopt;
            const auto yy = r.digits(2);
            if (!yy || !r.literal(" ")) return std::nullopt;
            const auto t = time_of_day(r);
            if (!t || !r.literal(" GMT") || !r.at_end()) return std::nullopt;
            // A two-digit year more than 50 years ahead is the most recent past year with
            // those digits (RFC 9110 §5.6.7).
            const int this_year = static_cast<int>(std::chrono::year_month_day(
                                                       std::chrono::floor<std::chrono::days>(now))
                                                       .year());
            int year = this_year / 100 * 100 + *yy;
            if (year > this_year + 50) year -= 100;
            return make_time(year, *month, *day, *t);
        }
    }
    Reader r(text);
    if (!r.name(kDayNames)) return std::nullopt;
    if (r.literal(", ")) {
        // IMF-fixdate = day-name "," SP day SP month SP year SP time-of-day SP "GMT"
        const auto day = r.digits(2);
        if (!day || !r.literal(" ")) return std::nullopt;
        const auto month = r.name(kMonthNames);
        if (!month || !r.literal(" ")) return std::nullopt;
        const auto year = r.digits(4);
        if (!year || !r.literal(" ")) return std::nullopt;
        const auto t = time_of_day(r);
        if (!t || !r.literal(" GMT") || !r.at_end()) return std::nullopt;
        return make_time(*year, *month, *day, *t);
    }
    // asctime-date = day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP time-of-day SP year
    if (!r.literal(" ")) return std::nullopt;
    const auto month = r.name(kMonthNames);
    if (!month || !r.literal(" ")) return std::nullopt;
    std::optional<int> day = r.literal(" ") ? r.digits(1) : r.digits(2);
    if (!day || !r.literal(" ")) return std::nullopt;
    const auto t = time_of_day(r);
    if (!t || !r.literal(" ")) return std::nullopt;
    const auto year = r.digits(4);
    if (!year || !r.at_end()) return std::nullopt;
    return make_time(*year, *month, *day, *t);
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, SysClock::time_point now) {
    value = trim(value);
    if (value.empty()) return std::nullopt;
    if (value.find_first_not_of("0123456789") == std::string_view::npos) {
        // delta-seconds; absurdly long values saturate (they exceed any max_retry_after).
        constexpr std::int64_t kCap = std::int64_t{1} << 31;
        std::int64_t seconds = 0;
        for (const char c : value) seconds = std::min<std::int64_t>(kCap, seconds * 10 + (c - '0'));
        return std::chrono::seconds(seconds);
    }
    const auto date = parse_http_date(value, now);
    if (!date) return std::nullopt;
    if (*date <= now) return std::chrono::milliseconds(0);
    return std::chrono::ceil<std::chrono::milliseconds>(core::time_math::saturating_difference(*date, now));
}

}  // namespace istmo::net::detail
