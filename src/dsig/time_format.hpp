#pragma once
#include "core/rfc3339.hpp"

namespace istmo::dsig {
// "2026-11-28T08:38:24Z" (UTC, whole seconds): core's, the one the TSA's messages use too.
using core::format_rfc3339;
}  // namespace istmo::dsig
