// detail::parse_xs_datetime (SigningTime): the calendar arithmetic that replaced timegm() gives
// the same instants, including timegm's normalisation of out-of-range days and second 60.
#include "xades/xades_internal.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace {

using istmo::xades::detail::parse_xs_datetime;
using std::chrono::system_clock;

system_clock::time_point by_timegm(int y, int mo, int d, int h, int mi, int s, long offset_seconds) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return system_clock::from_time_t(timegm(&tm) - offset_seconds);
}

TEST(XadesTime, SameInstantsAsTimegm) {
    const int years[] = {1969, 1970, 2000, 2024, 2025, 2100, 2261};
    const int days[] = {1, 28, 29, 30, 31};
    const int seconds[] = {0, 59, 60};
    for (int y : years)
        for (int mo = 1; mo <= 12; ++mo)
            for (int d : days)
                for (int s : seconds) {
                    char text[64];
                    std::snprintf(text, sizeof text, "%04d-%02d-%02dT23:58:%02dZ", y, mo, d, s);
                    auto parsed = parse_xs_datetime(text);
                    ASSERT_TRUE(parsed.has_value()) << text;
                    EXPECT_EQ(*parsed, by_timegm(y, mo, d, 23, 58, s, 0)) << text;
                }
    // Instants system_clock cannot hold (it counts nanoseconds: years 1678-2261) are refused,
    // never overflowed.
    EXPECT_FALSE(parse_xs_datetime("9999-12-31T23:59:59Z").has_value());
    EXPECT_FALSE(parse_xs_datetime("2262-06-01T00:00:00Z").has_value());
    EXPECT_FALSE(parse_xs_datetime("1600-01-01T00:00:00Z").has_value());
    // Offsets, fractions and surrounding whitespace.
    EXPECT_EQ(*parse_xs_datetime(" 2026-03-01T00:30:00+05:30 "), by_timegm(2026, 3, 1, 0, 30, 0, 5 * 3600 + 1800));
    EXPECT_EQ(*parse_xs_datetime("2026-02-28T23:00:00-14:00"), by_timegm(2026, 2, 28, 23, 0, 0, -14 * 3600));
    EXPECT_EQ(*parse_xs_datetime("2026-11-28T08:38:24.25Z"),
              by_timegm(2026, 11, 28, 8, 38, 24, 0) + std::chrono::milliseconds(250));
    EXPECT_EQ(*parse_xs_datetime("2026-11-28T08:38:24"), by_timegm(2026, 11, 28, 8, 38, 24, 0));
}

TEST(XadesTime, RefusesWhatItRefusedBefore) {
    for (const char* text : {"", "2026-11-28", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-01-32T00:00:00Z",
                             "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z", "2026-01-01T00:00:61Z", "2026-01-01T00:00:00.Z",
                             "2026-01-01T00:00:00+15:00", "2026-01-01T00:00:00+0100", "2026-01-01 00:00:00Z", "20260101T000000Z"})
        EXPECT_FALSE(parse_xs_datetime(text).has_value()) << text;
}

}  // namespace
