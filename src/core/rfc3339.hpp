#pragma once
// Internal: the one way istmo writes a time for reports and messages.
#include <chrono>
#include <string>

namespace istmo::core {
// "2026-11-28T08:38:24Z" (UTC, whole seconds); "?" for a time the C library cannot break down.
std::string format_rfc3339(std::chrono::system_clock::time_point at);
}  // namespace istmo::core
