#pragma once
#include <istmo/export.hpp>

namespace istmo {
// The library version ("0.1.0") and the versions of the C libraries it runs on.
ISTMO_API const char* version() noexcept;
ISTMO_API const char* openssl_version() noexcept;
ISTMO_API const char* libxml2_version() noexcept;
}  // namespace istmo
