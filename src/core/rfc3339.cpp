#include "core/rfc3339.hpp"

#include <cstdint>
#include <ctime>
#include <optional>

namespace istmo::core {

namespace {

// "YYYY-MM-DDTHH:MM:SSZ" for years 0-9999 from the civil calendar, without gmtime_r and
// strftime (a report formats several times per signature); nothing for other years.
std::optional<std::string> format_four_digit_year(std::int64_t t) {
    using namespace std::chrono;
    const std::int64_t day_count = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    const std::int64_t second_of_day = t - day_count * 86400;
    if (day_count < -719528 || day_count > 2932896) return std::nullopt;  // 0000-01-01 .. 9999-12-31
    const year_month_day ymd{sys_days{days{day_count}}};
    const int y = static_cast<int>(ymd.year());
    const unsigned fields[] = {static_cast<unsigned>(y) / 100, static_cast<unsigned>(y) % 100, static_cast<unsigned>(ymd.month()),
                               static_cast<unsigned>(ymd.day()), static_cast<unsigned>(second_of_day / 3600),
                               static_cast<unsigned>(second_of_day / 60 % 60), static_cast<unsigned>(second_of_day % 60)};
    std::string out = "0000-00-00T00:00:00Z";
    const std::size_t at[] = {0, 2, 5, 8, 11, 14, 17};
    for (std::size_t i = 0; i < 7; ++i) {
        out[at[i]] = static_cast<char>('0' + fields[i] / 10);
        out[at[i] + 1] = static_cast<char>('0' + fields[i] % 10);
    }
    return out;
}

}  // namespace

std::string format_rfc3339(std::chrono::system_clock::time_point at) {
    const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(at);
    if (auto fast = format_four_digit_year(seconds.time_since_epoch().count())) return std::move(*fast);
    const std::time_t t = static_cast<std::time_t>(seconds.time_since_epoch().count());
    std::tm tm{};
    if (gmtime_r(&t, &tm) == nullptr) return "?";
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace istmo::core
