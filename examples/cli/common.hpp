#pragma once
// Things every subcommand needs: the entry points, error printing, reading the input
// document and writing the output.
#include <istmo/core/result.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <cstdint>
#include <vector>

namespace istmo_cli {

// "istmo: <message>" on stderr.
void print_error(std::string_view message);
// Prints a usage error with the short usage of a subcommand; returns exit_usage.
int usage_error(std::string_view message, std::string_view short_usage);
// Prints "istmo: <context>: <error message>[ (line L, column C)][: cause]"; returns the exit
// code of the error.
int report_error(std::string_view context, const istmo::Error& error);
// The text report_error prints after "istmo: ": "<context>: <message in the language of the
// messages> (line L, column C)", the lower-level cause only with ISTMO_DEBUG=1.
[[nodiscard]] std::string error_text(std::string_view context, const istmo::Error& error);

// The whole content of a file, or of stdin for "-". On failure prints the error and sets
// exit_code (66 when missing or unreadable, 74 when reading fails).
std::optional<std::string> read_input(const std::string& path, int& exit_code);

// Writes data to a file (via a temporary file renamed into place) or to stdout for an empty
// path or "-". Returns 0, or prints the error and returns exit_io.
int write_output(const std::string& path, std::string_view data);

// A byte count with an optional K, M or G suffix (1024-based); nullopt when malformed or too big.
std::optional<std::size_t> parse_size(const std::string& text);

// Standard base64 (RFC 4648 §4, padding optional, whitespace not allowed); nullopt when invalid.
std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text);

}  // namespace istmo_cli
