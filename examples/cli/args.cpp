#include "args.hpp"

#include "lang.hpp"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <limits>

namespace istmo_cli {

bool ParsedArgs::has(std::string_view name) const { return m_options.find(name) != m_options.end(); }

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
    auto it = m_options.find(name);
    if (it == m_options.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
}

std::vector<std::string> ParsedArgs::values(std::string_view name) const {
    auto it = m_options.find(name);
    if (it == m_options.end()) return {};
    return it->second;
}

const OptionSpec* ArgParser::find_long(std::string_view name) const {
    for (const auto& spec : m_specs)
        if (spec.name == name) return &spec;
    return nullptr;
}

const OptionSpec* ArgParser::find_short(char name) const {
    for (const auto& spec : m_specs)
        if (spec.short_name != '\0' && spec.short_name == name) return &spec;
    return nullptr;
}

ParseOutcome ArgParser::parse(std::span<const std::string> argv) const {
    ParseOutcome out;
    bool only_positionals = false;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        if (only_positionals || arg == "-" || arg.empty() || arg[0] != '-') {
            out.args.m_positionals.push_back(arg);
            continue;
        }
        if (arg == "--") {
            only_positionals = true;
            continue;
        }
        if (arg == "-h" || arg == "--help") {
            out.args.m_help = true;
            continue;
        }

        const OptionSpec* spec = nullptr;
        std::string shown;  // the option as the user wrote it, for messages
        std::optional<std::string> inline_value;
        if (arg.rfind("--", 0) == 0) {
            std::string_view body = std::string_view(arg).substr(2);
            auto eq = body.find('=');
            if (eq != std::string_view::npos) {
                inline_value = std::string(body.substr(eq + 1));
                body = body.substr(0, eq);
            }
            shown = "--" + std::string(body);
            spec = find_long(body);
        } else {
            shown = arg.substr(0, 2);
            spec = find_short(arg[1]);
            if (arg.size() > 2) inline_value = arg.substr(2);  // -oFILE
        }
        if (spec == nullptr) {
            out.error = tr("unknown option '", "opción desconocida '") + shown + "'";
            return out;
        }

        std::string value;
        if (spec->takes_value) {
            if (inline_value) {
                value = *inline_value;
            } else if (i + 1 < argv.size()) {
                value = argv[++i];
            } else {
                out.error = tr("option '" + shown + "' needs a value", "la opción '" + shown + "' necesita un valor");
                return out;
            }
        } else if (inline_value) {
            out.error = tr("option '" + shown + "' takes no value", "la opción '" + shown + "' no lleva valor");
            return out;
        }

        auto& slot = out.args.m_options[std::string(spec->name)];
        if (!slot.empty() && !spec->repeatable) {
            const std::string name = "--" + std::string(spec->name);
            out.error = tr("option '" + name + "' given more than once", "la opción '" + name + "' se dio más de una vez");
            return out;
        }
        slot.push_back(std::move(value));
    }
    return out;
}

namespace {

// Reads exactly `count` decimal digits at text[pos...]; advances pos.
bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& value) {
    if (pos + count > text.size()) return false;
    int v = 0;
    for (std::size_t i = 0; i < count; ++i) {
        char c = text[pos + i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    value = v;
    pos += count;
    return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
    if (pos >= text.size() || text[pos] != c) return false;
    ++pos;
    return true;
}

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && is_leap(year)) return 29;
    return days[month - 1];
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) {
    std::size_t pos = 0;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!read_digits(text, pos, 4, year) || !expect(text, pos, '-') ||
        !read_digits(text, pos, 2, month) || !expect(text, pos, '-') ||
        !read_digits(text, pos, 2, day))
        return std::nullopt;
    if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' '))
        return std::nullopt;
    ++pos;
    if (!read_digits(text, pos, 2, hour) || !expect(text, pos, ':') ||
        !read_digits(text, pos, 2, minute) || !expect(text, pos, ':') ||
        !read_digits(text, pos, 2, second))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
        minute > 59 || second > 60)
        return std::nullopt;

    // Fractional seconds: any number of digits, kept to nanoseconds.
    std::int64_t nanos = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::size_t digits = 0;
        std::int64_t scale = 100'000'000;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            nanos += (text[pos] - '0') * scale;
            scale /= 10;
            ++pos;
            ++digits;
        }
        if (digits == 0) return std::nullopt;
    }

    // Time zone: Z or +hh:mm / -hh:mm.
    long offset_seconds = 0;
    if (pos >= text.size()) return std::nullopt;
    if (text[pos] == 'Z' || text[pos] == 'z') {
        ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
        const bool negative = text[pos] == '-';
        ++pos;
        int off_h = 0, off_m = 0;
        if (!read_digits(text, pos, 2, off_h) || !expect(text, pos, ':') ||
            !read_digits(text, pos, 2, off_m) || off_h > 23 || off_m > 59)
            return std::nullopt;
        offset_seconds = (off_h * 3600L + off_m * 60L) * (negative ? -1 : 1);
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;

    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;  // a leap second (60) rolls over into the next minute
    // Every field was range-checked above and the year has four digits, so timegm cannot
    // overflow a 64-bit time_t.
    const std::time_t utc = timegm(&tm);
    // system_clock counts nanoseconds here (years 1678-2261): refuse what it cannot hold
    // rather than overflow.
    using clock = std::chrono::system_clock;
    constexpr std::int64_t ticks_per_second = clock::period::den / clock::period::num;
    constexpr std::int64_t limit = std::numeric_limits<clock::rep>::max() / ticks_per_second - 86'400;
    if (utc > limit || utc < -limit) return std::nullopt;

    // Local time = UTC + offset, so UTC = local time - offset.
    auto tp = std::chrono::system_clock::from_time_t(utc - offset_seconds);
    tp += std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(nanos));
    return tp;
}

}  // namespace istmo_cli
