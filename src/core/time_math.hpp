#pragma once
// Internal: time arithmetic that cannot overflow. std::chrono's operators on integer durations
// are plain signed arithmetic: `now - gen_time` with a genTime saturated to time_point::min(), or
// `now + timeout` with a timeout of milliseconds::max() (converted to nanoseconds first), is
// undefined behaviour. Every place where an input (a document, a token, a server's header, a
// caller's option) sets either side of a time subtraction or addition goes through these.
//
// Each result is the exact mathematical value when the result type can hold it, else the nearest
// end of its range (saturation). Conversions to a coarser unit truncate toward zero, as
// std::chrono::duration_cast does. Integer representations of at most 64 bits only; the exact
// value is computed in 128 bits.
#include <chrono>
#include <compare>
#include <cstdint>
#include <limits>
#include <ratio>
#include <type_traits>

namespace istmo::core::time_math {

namespace detail {

__extension__ typedef __int128 Wide;

template <class Rep>
inline constexpr bool k_supported_rep = std::is_integral_v<Rep> && sizeof(Rep) <= sizeof(std::int64_t);

// The count of `d` in units of ToPeriod, exactly (truncated toward zero when ToPeriod is coarser).
template <class ToPeriod, class Rep, class Period>
constexpr Wide count_in(std::chrono::duration<Rep, Period> d) noexcept {
    static_assert(k_supported_rep<Rep>, "integer durations of at most 64 bits only");
    using Factor = std::ratio_divide<Period, ToPeriod>;
    // |count| < 2^64 and a factor below 2^62 keep the product inside 128 bits.
    static_assert(Factor::num < (std::intmax_t{1} << 62) && Factor::den < (std::intmax_t{1} << 62),
                  "unit ratio too large for exact arithmetic");
    return static_cast<Wide>(d.count()) * Factor::num / Factor::den;
}

template <class Rep>
constexpr Rep clamp_to(Wide v) noexcept {
    static_assert(k_supported_rep<Rep>, "integer durations of at most 64 bits only");
    if (v > static_cast<Wide>(std::numeric_limits<Rep>::max())) return std::numeric_limits<Rep>::max();
    if (v < static_cast<Wide>(std::numeric_limits<Rep>::min())) return std::numeric_limits<Rep>::min();
    return static_cast<Rep>(v);
}

}  // namespace detail

// `d` in the unit of ToDuration, saturating (duration_cast without overflow).
template <class ToDuration, class Rep, class Period>
constexpr ToDuration saturating_cast(std::chrono::duration<Rep, Period> d) noexcept {
    using ToRep = typename ToDuration::rep;
    return ToDuration{detail::clamp_to<ToRep>(detail::count_in<typename ToDuration::period>(d))};
}

// `t` in the unit of ToDuration, saturating (time_point_cast without overflow): a sys_seconds of
// year 1 or 9999 becomes system_clock::time_point::min() or max() (nanoseconds: 1677-2262).
template <class ToDuration, class Clock, class Duration>
constexpr std::chrono::time_point<Clock, ToDuration> saturating_time_point_cast(
    std::chrono::time_point<Clock, Duration> t) noexcept {
    return std::chrono::time_point<Clock, ToDuration>{saturating_cast<ToDuration>(t.time_since_epoch())};
}

// t + d in t's unit, saturating at time_point::min() / max().
template <class Clock, class Duration, class Rep, class Period>
constexpr std::chrono::time_point<Clock, Duration> saturating_add(std::chrono::time_point<Clock, Duration> t,
                                                                  std::chrono::duration<Rep, Period> d) noexcept {
    using Unit = typename Duration::period;
    const detail::Wide sum = detail::count_in<Unit>(t.time_since_epoch()) + detail::count_in<Unit>(d);
    return std::chrono::time_point<Clock, Duration>{Duration{detail::clamp_to<typename Duration::rep>(sum)}};
}

// t - d in t's unit, saturating.
template <class Clock, class Duration, class Rep, class Period>
constexpr std::chrono::time_point<Clock, Duration> saturating_subtract(std::chrono::time_point<Clock, Duration> t,
                                                                       std::chrono::duration<Rep, Period> d) noexcept {
    using Unit = typename Duration::period;
    const detail::Wide rest = detail::count_in<Unit>(t.time_since_epoch()) - detail::count_in<Unit>(d);
    return std::chrono::time_point<Clock, Duration>{Duration{detail::clamp_to<typename Duration::rep>(rest)}};
}

// d * factor in d's unit, saturating (a backoff doubled after each retry).
template <class Rep, class Period>
constexpr std::chrono::duration<Rep, Period> saturating_multiply(std::chrono::duration<Rep, Period> d,
                                                                 std::int64_t factor) noexcept {
    static_assert(detail::k_supported_rep<Rep>, "integer durations of at most 64 bits only");
    return std::chrono::duration<Rep, Period>{detail::clamp_to<Rep>(static_cast<detail::Wide>(d.count()) * factor)};
}

// a - b in the common unit of both, saturating: time_point::max() - time_point::min() is
// duration::max(), not undefined.
template <class Clock, class Duration1, class Duration2>
constexpr std::common_type_t<Duration1, Duration2> saturating_difference(
    std::chrono::time_point<Clock, Duration1> a, std::chrono::time_point<Clock, Duration2> b) noexcept {
    using Result = std::common_type_t<Duration1, Duration2>;
    using Unit = typename Result::period;
    const detail::Wide diff =
        detail::count_in<Unit>(a.time_since_epoch()) - detail::count_in<Unit>(b.time_since_epoch());
    return Result{detail::clamp_to<typename Result::rep>(diff)};
}

// a <=> b for durations of any two units, exactly (no conversion to a common unit that could
// overflow, as the built-in comparison does: milliseconds::max() > nanoseconds{0} is UB there).
template <class Rep1, class Period1, class Rep2, class Period2>
constexpr std::strong_ordering compare(std::chrono::duration<Rep1, Period1> a,
                                       std::chrono::duration<Rep2, Period2> b) noexcept {
    using Unit = typename std::common_type_t<std::chrono::duration<Rep1, Period1>,
                                             std::chrono::duration<Rep2, Period2>>::period;
    const detail::Wide x = detail::count_in<Unit>(a);
    const detail::Wide y = detail::count_in<Unit>(b);
    return x < y ? std::strong_ordering::less : x > y ? std::strong_ordering::greater : std::strong_ordering::equal;
}

// later - earlier > limit, exactly: the exact difference is compared, never a saturated one.
template <class Clock, class Duration1, class Duration2, class Rep, class Period>
constexpr bool exceeds(std::chrono::time_point<Clock, Duration1> later, std::chrono::time_point<Clock, Duration2> earlier,
                       std::chrono::duration<Rep, Period> limit) noexcept {
    using Unit = typename std::common_type_t<Duration1, Duration2, std::chrono::duration<Rep, Period>>::period;
    const detail::Wide diff =
        detail::count_in<Unit>(later.time_since_epoch()) - detail::count_in<Unit>(earlier.time_since_epoch());
    return diff > detail::count_in<Unit>(limit);
}

// |a - b| > limit, exactly (a clock-skew check).
template <class Clock, class Duration1, class Duration2, class Rep, class Period>
constexpr bool apart_by_more_than(std::chrono::time_point<Clock, Duration1> a,
                                  std::chrono::time_point<Clock, Duration2> b,
                                  std::chrono::duration<Rep, Period> limit) noexcept {
    return exceeds(a, b, limit) || exceeds(b, a, limit);
}

}  // namespace istmo::core::time_math
