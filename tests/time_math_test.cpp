// The saturating time helpers of src/core/time_math.hpp at the extremes (year 1, year 9999,
// time_point::min()/max(), duration::max()), and the places that use them: the TSA clock-skew
// check with a genTime saturated to either end, Retry-After dates outside system_clock's range,
// certificate dates, and time budgets of milliseconds::max().
#include "core/time_math.hpp"
#include "crypto/native.hpp"
#include "net/net_internal.hpp"
#include "tsa_test_token.hpp"

#include <istmo/batch/batch.hpp>
#include <istmo/dsig/sign.hpp>
#include <istmo/dsig/verify.hpp>
#include <istmo/net/http.hpp>
#include <istmo/tsa/timestamp.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

namespace {

using namespace std::chrono;
namespace tm_ = istmo::core::time_math;
using SysTime = system_clock::time_point;
using SysNs = system_clock::duration;

constexpr sys_seconds k_year_1 = sys_days{year{1} / January / 1};
constexpr sys_seconds k_year_9999 = sys_days{year{9999} / December / 31} + 23h + 59min + 59s;
constexpr sys_seconds k_2030 = sys_days{year{2030} / January / 1};

// Compile time: the helpers are constexpr, and these hold without any overflow.
static_assert(tm_::saturating_cast<nanoseconds>(milliseconds::max()) == nanoseconds::max());
static_assert(tm_::saturating_cast<nanoseconds>(milliseconds::min()) == nanoseconds::min());
static_assert(tm_::saturating_cast<seconds>(nanoseconds::min()) == seconds{nanoseconds::min().count() / 1'000'000'000});
static_assert(tm_::saturating_cast<milliseconds>(seconds{42}) == milliseconds{42'000});
static_assert(tm_::saturating_time_point_cast<SysNs>(k_year_1) == SysTime::min());
static_assert(tm_::saturating_time_point_cast<SysNs>(k_year_9999) == SysTime::max());
static_assert(tm_::saturating_difference(SysTime::max(), SysTime::min()) == SysNs::max());
static_assert(tm_::saturating_difference(SysTime::min(), SysTime::max()) == SysNs::min());
static_assert(tm_::saturating_add(SysTime::max(), nanoseconds{1}) == SysTime::max());
static_assert(tm_::saturating_add(SysTime::min(), -hours{1}) == SysTime::min());
static_assert(tm_::compare(milliseconds::max(), nanoseconds{0}) > 0);

TEST(TimeMath, DifferenceIsExactInsideTheRangeAndSaturatesOutside) {
    const SysTime a = SysTime{seconds{1'893'456'000}};  // 2030-01-01
    EXPECT_EQ(tm_::saturating_difference(a, SysTime{}), seconds{1'893'456'000});
    EXPECT_EQ(tm_::saturating_difference(SysTime{}, a), -seconds{1'893'456'000});
    // now - min: 2030 is ~1.9e18 ns after the epoch, min() is -2^63: beyond int64 nanoseconds.
    EXPECT_EQ(tm_::saturating_difference(a, SysTime::min()), SysNs::max());
    EXPECT_EQ(tm_::saturating_difference(SysTime::min(), a), SysNs::min());
    EXPECT_EQ(tm_::saturating_difference(SysTime::max(), SysTime::max()), SysNs::zero());
    EXPECT_EQ(tm_::saturating_difference(SysTime::min(), SysTime::min()), SysNs::zero());
    // One step inside the range on each side.
    EXPECT_EQ(tm_::saturating_difference(SysTime::max(), SysTime{}), SysNs::max());
    EXPECT_EQ(tm_::saturating_difference(SysTime{}, SysTime::max()), SysNs{-SysNs::max().count()});
    EXPECT_EQ(tm_::saturating_difference(SysTime{} - nanoseconds{1}, SysTime::max()), SysNs::min());
    // Seconds across the whole calendar (int64 seconds hold it: exact).
    EXPECT_EQ(tm_::saturating_difference(k_year_9999, k_year_1), k_year_9999 - k_year_1);
    EXPECT_EQ(tm_::saturating_difference(sys_days{year{9999} / 12 / 31}, sys_days{year{1} / 1 / 1}).count(), 3'652'058);
    // Mixed units: the common (finer) unit, exact.
    EXPECT_EQ(tm_::saturating_difference(time_point_cast<milliseconds>(a), SysTime{a - nanoseconds{1}}), nanoseconds{1});
}

TEST(TimeMath, AddSaturatesAtTheEndsOfTheTimePoint) {
    const SysTime a = SysTime{seconds{1'893'456'000}};
    EXPECT_EQ(tm_::saturating_add(a, seconds{5}), a + seconds{5});
    EXPECT_EQ(tm_::saturating_add(a, -seconds{5}), a - seconds{5});
    EXPECT_EQ(tm_::saturating_add(a, milliseconds::max()), SysTime::max());
    EXPECT_EQ(tm_::saturating_add(a, milliseconds::min()), SysTime::min());
    EXPECT_EQ(tm_::saturating_add(SysTime::max(), -nanoseconds{1}), SysTime::max() - nanoseconds{1});
    EXPECT_EQ(tm_::saturating_add(SysTime::min(), nanoseconds::max()), SysTime{nanoseconds{-1}});
    EXPECT_EQ(tm_::saturating_subtract(SysTime::min(), seconds{1}), SysTime::min());
    EXPECT_EQ(tm_::saturating_subtract(SysTime::max(), milliseconds::min()), SysTime::max());
    EXPECT_EQ(tm_::saturating_subtract(a, hours{24}), a - hours{24});
    // A steady-clock deadline with an unbounded budget.
    const auto now = steady_clock::now();
    EXPECT_EQ(tm_::saturating_add(now, milliseconds::max()), steady_clock::time_point::max());
    EXPECT_GT(tm_::saturating_add(now, milliseconds{1}), now);
    // Seconds: year 9999 plus a day is still exact in int64 seconds.
    EXPECT_EQ(tm_::saturating_add(k_year_9999, days{1}), k_year_9999 + days{1});
    EXPECT_EQ(tm_::saturating_add(sys_seconds::max(), seconds{1}), sys_seconds::max());
    EXPECT_EQ(tm_::saturating_add(sys_seconds::min(), -seconds{1}), sys_seconds::min());
}

TEST(TimeMath, CastsSaturateAndTruncateTowardZero) {
    EXPECT_EQ(tm_::saturating_time_point_cast<SysNs>(k_2030), SysTime{seconds{1'893'456'000}});
    EXPECT_EQ(tm_::saturating_time_point_cast<SysNs>(k_year_1), SysTime::min());
    EXPECT_EQ(tm_::saturating_time_point_cast<SysNs>(k_year_9999), SysTime::max());
    // system_clock's nanoseconds end in 2262-04-11T23:47:16.854775807Z.
    const sys_seconds last = sys_days{year{2262} / April / 11} + 23h + 47min + 16s;
    EXPECT_EQ(tm_::saturating_time_point_cast<SysNs>(last), SysTime{last.time_since_epoch()});
    EXPECT_EQ(tm_::saturating_time_point_cast<SysNs>(last + seconds{1}), SysTime::max());
    const sys_seconds first = sys_days{year{1677} / September / 21} + 0h + 12min + 44s;
    EXPECT_EQ(tm_::saturating_time_point_cast<SysNs>(first), SysTime{first.time_since_epoch()});
    EXPECT_EQ(tm_::saturating_time_point_cast<SysNs>(first - seconds{1}), SysTime::min());
    EXPECT_EQ(tm_::saturating_cast<seconds>(nanoseconds{-1'500'000'000}), seconds{-1});
    EXPECT_EQ(tm_::saturating_cast<seconds>(nanoseconds{1'500'000'000}), seconds{1});
    EXPECT_EQ(tm_::saturating_cast<std::chrono::duration<std::int32_t>>(seconds{std::int64_t{1} << 40}).count(),
              std::numeric_limits<std::int32_t>::max());
}

TEST(TimeMath, CompareAndExceedsAreExactAtTheExtremes) {
    EXPECT_TRUE(tm_::compare(milliseconds::max(), nanoseconds::max()) > 0);
    EXPECT_TRUE(tm_::compare(seconds::min(), milliseconds::min()) < 0);
    EXPECT_TRUE(tm_::compare(hours{1}, minutes{60}) == 0);
    EXPECT_TRUE(tm_::compare(nanoseconds{1'000'000}, milliseconds{2}) < 0);
    const SysTime now = SysTime{seconds{1'893'456'000}};
    // A genTime saturated to min() is far more than 300 s from now; the distance itself
    // (~2.1e18 s) does not fit in nanoseconds, the comparison is still exact.
    EXPECT_TRUE(tm_::apart_by_more_than(SysTime::min(), now, seconds{300}));
    EXPECT_TRUE(tm_::apart_by_more_than(now, SysTime::max(), seconds{300}));
    EXPECT_TRUE(tm_::exceeds(now, SysTime::min(), seconds{300}));
    EXPECT_FALSE(tm_::exceeds(SysTime::min(), now, seconds{300}));
    EXPECT_TRUE(tm_::exceeds(SysTime::max(), SysTime::min(), nanoseconds::max()));
    EXPECT_FALSE(tm_::apart_by_more_than(SysTime::min(), SysTime::max(), seconds::max()));
    // Exactly at the limit is not beyond it.
    EXPECT_FALSE(tm_::apart_by_more_than(now, now + seconds{300}, seconds{300}));
    EXPECT_TRUE(tm_::apart_by_more_than(now, now + seconds{300} + nanoseconds{1}, seconds{300}));
    EXPECT_FALSE(tm_::apart_by_more_than(now, now, seconds::max()));
    // Calendar extremes in seconds and days, as the invoice deadline rules use them.
    EXPECT_TRUE(tm_::exceeds(k_year_9999, k_year_1, hours{72}));
    EXPECT_FALSE(tm_::exceeds(k_year_1, k_year_9999, hours{72}));
    EXPECT_TRUE(tm_::exceeds(sys_days{k_year_9999.time_since_epoch() / days{1} * days{1}}, sys_days{year{1} / 1 / 1},
                             days{180}));
}

TEST(TimeMath, MultiplySaturates) {
    EXPECT_EQ(tm_::saturating_multiply(milliseconds{250}, 1024), milliseconds{256'000});
    EXPECT_EQ(tm_::saturating_multiply(milliseconds::max() / 2, 1024), milliseconds::max());
    EXPECT_EQ(tm_::saturating_multiply(milliseconds::min(), 2), milliseconds::min());
    EXPECT_EQ(tm_::saturating_multiply(milliseconds{-3}, 2), milliseconds{-6});
}

TEST(TimeMath, CertificateSecondsBecomeTimePointsSaturating) {
    using istmo::crypto::TimePoint;
    using istmo::crypto::time_point_from_epoch_seconds;
    EXPECT_EQ(time_point_from_epoch_seconds(0), TimePoint{});
    EXPECT_EQ(time_point_from_epoch_seconds(1'893'456'000), TimePoint{seconds{1'893'456'000}});
    EXPECT_EQ(time_point_from_epoch_seconds(k_year_9999.time_since_epoch().count()), TimePoint::max());
    EXPECT_EQ(time_point_from_epoch_seconds(k_year_1.time_since_epoch().count()), TimePoint::min());
    EXPECT_EQ(time_point_from_epoch_seconds(std::numeric_limits<std::int64_t>::max()), TimePoint::max());
    EXPECT_EQ(time_point_from_epoch_seconds(std::numeric_limits<std::int64_t>::min()), TimePoint::min());
}

// Retry-After with an HTTP-date outside system_clock's nanoseconds (a server sets it).
TEST(TimeMath, RetryAfterDatesOutsideTheClockRangeSaturate) {
    using istmo::net::detail::parse_http_date;
    using istmo::net::detail::parse_retry_after;
    const SysTime now = SysTime{seconds{1'893'456'000}};
    EXPECT_EQ(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT", now), SysTime::max());
    EXPECT_EQ(parse_http_date("Mon, 01 Jan 0001 00:00:00 GMT", now), SysTime::min());
    EXPECT_EQ(parse_http_date("Mon Jan  1 00:00:00 0001", now), SysTime::min());
    const auto far = parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now);
    ASSERT_TRUE(far);
    EXPECT_EQ(*far, ceil<milliseconds>(SysTime::max() - now));
    EXPECT_EQ(parse_retry_after("Mon, 01 Jan 0001 00:00:00 GMT", now), milliseconds{0});
    EXPECT_EQ(parse_retry_after("Tue, 01 Jan 2030 00:00:10 GMT", now), milliseconds{10'000});
}

istmo::crypto::Certificate certificate_of(X509* x) {
    const std::string der = istmo::test::tsa_test_der(x);
    auto c = istmo::crypto::Certificate::from_der(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(der.data()), der.size()));
    EXPECT_TRUE(c);
    return *c;
}

const std::vector<std::uint8_t> k_token_data = {'t', 'i', 'm', 'e'};

// A token with the given genTime, verified with a 300 s skew allowed around 2030-01-01.
istmo::tsa::TokenVerification verify_with_gen_time(const istmo::test::TsaTestPki& pki, std::time_t gen_time) {
    const auto token = istmo::test::tsa_test_token(pki, k_token_data, gen_time, 7, pki.tsa.get());
    istmo::tsa::VerifyOptions options;
    options.trust.add(certificate_of(pki.root.get()));
    options.max_clock_skew = seconds{300};
    options.now = SysTime{k_2030.time_since_epoch()};
    istmo::tsa::TokenExpectations expect;
    expect.data = k_token_data;
    return istmo::tsa::verify_response_or_token(token, expect, options);
}

const istmo::report::Finding* finding(const istmo::tsa::TokenVerification& v, const std::string& code) {
    for (const auto& f : v.findings)
        if (f.code == code) return &f;
    return nullptr;
}

// The fuzz finding of issue 20, made in memory: a genTime of year 1 saturates to
// TimePoint::min(); the skew check must report it, not overflow (see also
// test-vectors/fuzz-regressions/, which keeps a file of the same shape for the sanitizer runs).
TEST(TsaGenTimeExtremes, YearOneGenTimeIsReportedAsSkewedWithoutOverflow) {
    const istmo::test::TsaTestPki pki;
    const auto v = verify_with_gen_time(pki, k_year_1.time_since_epoch().count());
    EXPECT_EQ(v.info.gen_time, SysTime::min()) << v.info.gen_time_text;
    EXPECT_EQ(v.info.gen_time_text, "00010101000000Z");
    const auto* skew = finding(v, "TSA-GENTIME-SKEW");
    ASSERT_NE(skew, nullptr) << v.summary();
    // The distance, saturated to nanoseconds::max(), in seconds.
    EXPECT_NE(skew->message.find("is 9223372036 s away"), std::string::npos) << skew->message;
    EXPECT_FALSE(v.valid());
}

TEST(TsaGenTimeExtremes, YearNineThousandGenTimeIsReportedAsSkewedWithoutOverflow) {
    const istmo::test::TsaTestPki pki;
    const auto v = verify_with_gen_time(pki, k_year_9999.time_since_epoch().count());
    EXPECT_EQ(v.info.gen_time, SysTime::max()) << v.info.gen_time_text;
    const auto* skew = finding(v, "TSA-GENTIME-SKEW");
    ASSERT_NE(skew, nullptr) << v.summary();
    EXPECT_FALSE(v.valid());
}

TEST(TsaGenTimeExtremes, GenTimeInsideTheSkewHasNoSkewFinding) {
    const istmo::test::TsaTestPki pki;
    const auto v = verify_with_gen_time(pki, k_2030.time_since_epoch().count() + 299);
    EXPECT_EQ(finding(v, "TSA-GENTIME-SKEW"), nullptr) << v.summary();
    const auto late = verify_with_gen_time(pki, k_2030.time_since_epoch().count() + 301);
    EXPECT_NE(finding(late, "TSA-GENTIME-SKEW"), nullptr) << late.summary();
}

// A FetchCache file stores its expiry as 64-bit milliseconds: a damaged or hostile file may say
// anything, which saturates to the clock's range (live until time_point::max(), or expired).
TEST(TimeMath, FetchCacheExpiryFromAFileSaturates) {
    istmo::test::TempDir dir;
    const SysTime t0 = system_clock::now();
    const std::string key = "http://x/ca.crl";
    {
        istmo::net::FetchCache first({16, dir.path().string()});
        ASSERT_TRUE(first.get_or_fetch(key, t0, [&]() -> istmo::Result<istmo::net::CachedBody> {
            return istmo::net::CachedBody{{'c', 'r', 'l'}, t0 + hours{1}};
        }));
    }
    std::filesystem::path file;
    for (const auto& f : std::filesystem::directory_iterator(dir.path())) file = f.path();
    ASSERT_FALSE(file.empty());
    const std::string good = istmo::test::read_file(file);
    const std::size_t at = 8 + 4 + key.size();  // "ISTMOFC1", u32 key length, key, i64 expiry
    ASSERT_GT(good.size(), at + 8);
    for (const bool latest : {true, false}) {
        std::string damaged = good;
        for (std::size_t i = 0; i < 8; ++i) damaged[at + i] = static_cast<char>(i == 0 ? (latest ? 0x7F : 0x80) : (latest ? 0xFF : 0x00));
        istmo::test::write_file(file, damaged);
        istmo::net::FetchCache cache({16, dir.path().string()});
        const auto entry = cache.lookup(key, t0);
        if (latest) {
            ASSERT_TRUE(entry);
            EXPECT_EQ(entry->expires, SysTime::max());
        } else {
            EXPECT_FALSE(entry);  // expired at time_point::min()
        }
    }
}

// A caller's time budget of milliseconds::max() means "no practical limit": the deadline
// now() + budget saturates instead of overflowing (it wrapped to the past before: the budget
// was reported as used up at once).
std::string signed_document() {
    auto key = istmo::crypto::PrivateKey::from_file((istmo::test::vectors_dir() / "pki" / "rsa2048.key.pem").string());
    auto cert = istmo::crypto::Certificate::from_file((istmo::test::vectors_dir() / "pki" / "rsa2048.cert.pem").string());
    EXPECT_TRUE(key && cert);
    auto signer = istmo::dsig::Signer::create(std::move(*key), std::move(*cert), {});
    EXPECT_TRUE(signer.has_value());
    auto signed_xml = signer->sign("<doc xmlns=\"urn:istmo:test\"><item>time budget</item></doc>");
    EXPECT_TRUE(signed_xml.has_value());
    return signed_xml ? *signed_xml : std::string();
}

TEST(TimeBudgetExtremes, VerifierWithTheLargestBudgetIsNotStopped) {
    istmo::dsig::VerifyOptions options;
    ASSERT_TRUE(options.trust.add_file((istmo::test::vectors_dir() / "pki" / "chain.pem").string()).has_value());
    options.time_budget = milliseconds::max();
    auto report = istmo::dsig::Verifier(std::move(options)).verify(signed_document());
    ASSERT_TRUE(report.has_value());
    EXPECT_EQ(report->indication, istmo::report::Indication::total_passed) << report->to_text();
}

TEST(TimeBudgetExtremes, BatchWithTheLargestBudgetIsNotOverBudget) {
    istmo::batch::Options o;
    o.jobs = 1;
    ASSERT_TRUE(o.verify.trust.add_file((istmo::test::vectors_dir() / "pki" / "chain.pem").string()).has_value());
    o.profile = istmo::batch::Profile::xmldsig;
    o.time_budget = milliseconds::max();
    const istmo::batch::Validator validator(o);
    const auto r = validator.validate("doc", signed_document());
    EXPECT_EQ(r.indication, istmo::report::Indication::total_passed) << r.to_ndjson();
    EXPECT_EQ(std::find(r.codes.begin(), r.codes.end(), std::string(istmo::batch::k_code_time_budget)), r.codes.end())
        << r.to_ndjson();
}

}  // namespace
