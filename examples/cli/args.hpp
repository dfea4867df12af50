#pragma once
// A tiny command-line parser for the istmo CLI: long options (--name VALUE, --name=VALUE),
// single-letter aliases (-o VALUE), flags, repeatable options, positionals, "--" and "-".
#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace istmo_cli {

struct OptionSpec {
    std::string_view name;     // long name without dashes, e.g. "key"
    char short_name = '\0';    // e.g. 'o', or '\0'
    bool takes_value = false;  // false: a flag
    bool repeatable = false;   // may be given more than once
};

class ParsedArgs {
public:
    [[nodiscard]] bool has(std::string_view name) const;
    // The value of a single-valued option, nullopt when absent.
    [[nodiscard]] std::optional<std::string> value(std::string_view name) const;
    // Every value of a repeatable option, in command-line order.
    [[nodiscard]] std::vector<std::string> values(std::string_view name) const;
    [[nodiscard]] const std::vector<std::string>& positionals() const noexcept { return m_positionals; }
    [[nodiscard]] bool help() const noexcept { return m_help; }

private:
    friend class ArgParser;
    std::map<std::string, std::vector<std::string>, std::less<>> m_options;
    std::vector<std::string> m_positionals;
    bool m_help = false;
};

struct ParseOutcome {
    ParsedArgs args;
    std::string error;  // empty on success
};

class ArgParser {
public:
    explicit ArgParser(std::vector<OptionSpec> specs) : m_specs(std::move(specs)) {}
    // Parses the arguments after the subcommand name. "-h" and "--help" set help().
    [[nodiscard]] ParseOutcome parse(std::span<const std::string> argv) const;

private:
    [[nodiscard]] const OptionSpec* find_long(std::string_view name) const;
    [[nodiscard]] const OptionSpec* find_short(char name) const;
    std::vector<OptionSpec> m_specs;
};

// RFC 3339 date-time ("2026-01-02T03:04:05Z", "2026-01-02T03:04:05.25+02:00"); nullopt when
// the text is not one.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace istmo_cli
