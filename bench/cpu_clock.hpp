#pragma once
// CPU clocks for the benchmarks' own counters (CPU per document, paired ratios): seconds of
// CPU time (user + system) as a double.
#include <time.h>

namespace istmo::bench {

inline double cpu_clock_seconds(clockid_t clock) {
    timespec ts{};
    ::clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Every thread of this process so far.
inline double process_cpu_seconds() { return cpu_clock_seconds(CLOCK_PROCESS_CPUTIME_ID); }

// The calling thread so far.
inline double thread_cpu_seconds() { return cpu_clock_seconds(CLOCK_THREAD_CPUTIME_ID); }

}  // namespace istmo::bench
