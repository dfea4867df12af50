#pragma once
#include <chrono>
#include <string>

namespace istmo::dsig {
// "2026-11-28T08:38:24Z" (UTC, whole seconds).
std::string format_rfc3339(std::chrono::system_clock::time_point at);
}  // namespace istmo::dsig
