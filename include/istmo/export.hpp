#pragma once
// Symbol visibility: the library is built with -fvisibility=hidden; only what is
// marked ISTMO_API is part of the ABI.
#if defined(_WIN32)
#  define ISTMO_API
#else
#  define ISTMO_API __attribute__((visibility("default")))
#endif
