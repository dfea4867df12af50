// Integration with the independent local TSA in ../shared/tools/tsa/ (OpenSSL signs; fault
// modes chosen by URL path). Skipped, and reported as "did not run", when that folder is absent.
// Every instance is started in a temp dir on a free loopback port and stopped by its pid file.
// The modes that need libfaketime (`skew`: the server runs `openssl ts -reply` under faketime;
// `signer:expired`: mkpki.sh makes that certificate under faketime when the PKI is created) are
// reported as "did not run" when the faketime command is not installed.
#include "test_support.hpp"

#include <istmo/tsa/client.hpp>
#include <istmo/tsa/timestamp.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>

#include <cctype>
#include <ostream>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace istmo::tsa {
namespace {

namespace fs = std::filesystem;
using Ms = std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

std::optional<fs::path> tsa_tool_dir() {
    const char* env = std::getenv("ISTMO_SHARED_DIR");
    fs::path p = env ? fs::path(env) / "tools" / "tsa" : istmo::test::source_dir().parent_path() / "shared" / "tools" / "tsa";
    if (fs::exists(p / "start.sh") && fs::exists(p / "tsa_server.py")) return p;
    return std::nullopt;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// One running instance of the shared TSA.
struct SharedTsa {
    fs::path state;
    std::string url;
    fs::path tool;

    ~SharedTsa() {
        if (!url.empty())
            istmo::test::run_command("TSA_STATE='" + state.string() + "' '" + (tool / "stop.sh").string() + "'");
    }
};

std::unique_ptr<SharedTsa> start_tsa(const fs::path& tool, const fs::path& state, const std::string& args) {
    auto t = std::make_unique<SharedTsa>();
    t->state = state;
    t->tool = tool;
    // start.sh runs the python3 on PATH: the distribution's first (see test::python3).
    auto r = istmo::test::run_command("PATH=/usr/bin:\"$PATH\" TSA_STATE='" + state.string() + "' timeout 60 '" + (tool / "start.sh").string() +
                                      "' --port 0 --max-lifetime 600 " + args + " 2>&1");
    if (r.exit_code != 0) {
        ADD_FAILURE() << "cannot start the shared TSA: " << r.output;
        return nullptr;
    }
    const auto nl = trim(r.output).rfind('\n');
    t->url = trim(nl == std::string::npos ? trim(r.output) : trim(r.output).substr(nl + 1));
    return t;
}

// The TSA's PKI, made once an hour per build tree and copied into each instance's state dir:
// mkpki.sh runs openssl a few dozen times (seconds), ctest runs every test in its own process,
// and nothing in the PKI depends on the instance (its port is not in any certificate). Within
// the hour, because a test needs certificates issued less than two hours ago (a genTime two
// hours back must predate them). Older PKIs are removed when a new one is made. The lock
// keeps two test processes from making it at once; a PKI is used only when its `complete` marker
// exists. Empty when it could not be made (the caller lets start.sh make its own).
std::optional<fs::path> shared_pki(const fs::path& tool) {
    const auto hour = std::chrono::floor<std::chrono::hours>(std::chrono::system_clock::now());
    const fs::path dir = fs::path(ISTMO_BINARY_DIR) / "tests" /
                         ("tsa-pki-" + std::to_string(hour.time_since_epoch().count()));
    const fs::path lock_file = fs::path(ISTMO_BINARY_DIR) / "tests" / "tsa-pki.lock";
    const int fd = ::open(lock_file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) return std::nullopt;
    ::flock(fd, LOCK_EX);
    std::error_code ec;
    if (!fs::exists(dir / "complete", ec)) {
        for (const auto& entry : fs::directory_iterator(dir.parent_path(), ec))
            if (entry.path().filename().string().rfind("tsa-pki-", 0) == 0 && entry.is_directory(ec))
                fs::remove_all(entry.path(), ec);
        const auto made = istmo::test::run_command("'" + (tool / "mkpki.sh").string() + "' '" + dir.string() + "' 2>&1");
        if (made.exit_code == 0) istmo::test::write_file(dir / "complete", "");
    }
    const bool ready = fs::exists(dir / "complete", ec);
    ::close(fd);  // releases the lock
    if (!ready) return std::nullopt;
    return dir;
}

class TsaShared : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_tool = tsa_tool_dir();
        if (!s_tool) return;
        s_dir = std::make_unique<istmo::test::TempDir>();
        const fs::path state = s_dir->path() / "main";
        if (const auto pki = shared_pki(*s_tool)) {
            std::error_code ec;
            fs::copy(*pki, state, fs::copy_options::recursive, ec);
            if (ec) fs::remove_all(state, ec);  // start.sh then makes a PKI of its own
            else fs::remove(state / "complete", ec);
        }
        s_tsa = start_tsa(*s_tool, state, "");
    }
    static void TearDownTestSuite() {
        s_tsa.reset();
        s_dir.reset();
    }
    void SetUp() override {
        if (!s_tool) GTEST_SKIP() << "../shared/tools/tsa/ absent: integration test did not run";
        ASSERT_TRUE(s_tsa) << "shared TSA did not start";
    }

    static fs::path state() { return s_tsa->state; }

    static VerifyOptions verify_options() {
        VerifyOptions v;
        EXPECT_TRUE(v.trust.add_file((state() / "root.pem").string()));
        return v;
    }

    static ClientOptions options(const std::string& path, int retries = 0) {
        ClientOptions o;
        o.urls = {s_tsa->url + path};
        o.retries = retries;
        o.backoff = Ms(50);
        o.connect_timeout = Ms(2000);
        o.request_timeout = Ms(4000);
        o.total_timeout = Ms(8000);
        o.verify = verify_options();
        return o;
    }

    static TimestampRequest request(const std::string& policy = {}, std::string_view data = "invoice") {
        RequestOptions ro;
        ro.policy = policy;
        auto r = TimestampRequest::for_data(std::span<const std::uint8_t>(
                                                reinterpret_cast<const std::uint8_t*>(data.data()), data.size()),
                                            ro);
        EXPECT_TRUE(r);
        return *r;
    }

    static Result<Timestamp> run(const ClientOptions& o, const TimestampRequest& req) {
        auto c = TimestampClient::create(o);
        if (!c) return std::move(c).error();
        return c->timestamp(req);
    }

    // The finding code (Error.cause) or the errc name of a failed call.
    static std::string outcome(const Result<Timestamp>& r) {
        if (r) return "ok";
        if (!r.error().cause.empty() && r.error().cause.rfind("TSA-", 0) == 0) return r.error().cause;
        return std::string(errc_name(r.error().code));
    }

    static inline std::optional<fs::path> s_tool;
    static inline std::unique_ptr<istmo::test::TempDir> s_dir;
    static inline std::unique_ptr<SharedTsa> s_tsa;
};

TEST_F(TsaShared, GoodTokenVerifiesHereAndWithOpensslTsVerify) {
    const auto req = request();
    auto r = run(options(""), req);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_TRUE(r->verification.valid());
    EXPECT_EQ(r->attempts, 1);
    EXPECT_EQ(r->verification.info.policy, "1.3.6.1.4.1.99999.3161.1");
    ASSERT_TRUE(r->verification.info.accuracy);
    EXPECT_EQ(r->verification.info.accuracy->seconds, 1);
    EXPECT_EQ(r->verification.info.accuracy->millis, 500);
    EXPECT_EQ(r->verification.info.ess_version, "v2");
    EXPECT_EQ(r->verification.info.embedded_certificates, 3u);
    istmo::test::TempDir dir;
    istmo::test::write_file(dir / "req.tsq", std::string(req.der().begin(), req.der().end()));
    istmo::test::write_file(dir / "resp.tsr", std::string(r->response.begin(), r->response.end()));
    auto v = istmo::test::run_command("openssl ts -verify -queryfile '" + (dir / "req.tsq").string() + "' -in '" +
                                      (dir / "resp.tsr").string() + "' -CAfile '" + (state() / "root.pem").string() + "' 2>&1");
    EXPECT_EQ(v.exit_code, 0) << v.output;
    // The server saw exactly our DER.
    auto last = istmo::test::run_command("curl -sS --max-time 5 '" + s_tsa->url + "last-request.tsq' -o '" +
                                         (dir / "last.tsq").string() + "'");
    ASSERT_EQ(last.exit_code, 0) << last.output;
    EXPECT_EQ(istmo::test::read_bytes(dir / "last.tsq"), req.der());
}

struct FaultCase {
    std::string fault;
    std::string expected;   // "ok", a TSA-* code or an errc name
    std::string policy;     // reqPolicy to send
};

// gtest and ctest show the fault, not the struct's bytes.
void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.fault << " -> " << c.expected; }

class TsaSharedFaults : public TsaShared, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(TsaSharedFaults, EndsInTheRightOutcomeWithinTheDeadline) {
    const auto& c = GetParam();
    const auto start = SteadyClock::now();
    auto r = run(options("fault/" + c.fault), request(c.policy));
    const auto took = std::chrono::duration_cast<Ms>(SteadyClock::now() - start);
    EXPECT_EQ(outcome(r), c.expected) << c.fault << ": " << (r ? std::string("ok") : r.error().to_string());
    EXPECT_LT(took.count(), 8500) << c.fault;
}

INSTANTIATE_TEST_SUITE_P(
    TsaFaults, TsaSharedFaults,
    ::testing::Values(
        FaultCase{"wrong-nonce", "TSA-NONCE-MISMATCH", ""}, FaultCase{"no-nonce", "TSA-NONCE-MISSING", ""},
        FaultCase{"wrong-imprint", "TSA-IMPRINT-MISMATCH", ""},
        FaultCase{"wrong-policy", "TSA-POLICY-MISMATCH", "1.3.6.1.4.1.99999.3161.1"},
        FaultCase{"no-certs", "TSA-CERTS-MISSING", ""}, FaultCase{"signer:ec", "ok", ""},
        FaultCase{"signer:other", "ok", ""}, FaultCase{"signer:rogue", "TSA-CERT-UNTRUSTED", ""},
        FaultCase{"ess-v1", "ok", ""}, FaultCase{"reject:badAlg", "TSA-STATUS-REJECTED", ""},
        FaultCase{"reject", "TSA-STATUS-REJECTED", ""}, FaultCase{"waiting", "TSA-STATUS-WAITING", ""},
        FaultCase{"granted-with-mods", "ok", ""}, FaultCase{"rejection-with-token", "TSA-STATUS-REJECTED", ""},
        FaultCase{"granted-no-token", "TSA-TOKEN-MISSING", ""},
        FaultCase{"bad-signature", "TSA-SIGNATURE-INVALID", ""},
        FaultCase{"truncate", "unavailable", ""}, FaultCase{"short-der", "TSA-RESPONSE-MALFORMED", ""},
        FaultCase{"trailing-garbage", "TSA-TRAILING-DATA", ""}, FaultCase{"garbage", "TSA-RESPONSE-MALFORMED", ""},
        FaultCase{"empty", "TSA-RESPONSE-MALFORMED", ""}, FaultCase{"ct-octet", "ok", ""},
        FaultCase{"ct-legacy", "ok", ""}, FaultCase{"ct-params", "ok", ""}, FaultCase{"ct-missing", "ok", ""},
        FaultCase{"ct-html", "unavailable", ""}, FaultCase{"chunked", "ok", ""},
        FaultCase{"base64", "TSA-RESPONSE-MALFORMED", ""}, FaultCase{"http:500", "unavailable", ""},
        FaultCase{"http:401", "unavailable", ""}, FaultCase{"http:404", "unavailable", ""},
        FaultCase{"redirect", "unavailable", ""}, FaultCase{"close", "unavailable", ""},
        FaultCase{"slow:1", "ok", ""}),
    [](const auto& p) {
        std::string name = std::to_string(p.index) + "_" + p.param.fault;
        for (char& c : name)
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        return name;
    });

TEST_F(TsaShared, RedirectIsReportedWithItsLocationAndNotFollowed) {
    auto r = run(options("fault/redirect"), request());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::unavailable);
    // The server answers 307 with "Location: /" (a relative reference), reported absolute.
    EXPECT_NE(r.error().message.find("answered HTTP 307 (a redirect, Location: " + s_tsa->url + ")"), std::string::npos)
        << r.error().message;
    auto moved = run(options("fault/redirect:301"), request());
    ASSERT_FALSE(moved);
    EXPECT_NE(moved.error().message.find("HTTP 301"), std::string::npos) << moved.error().message;
    // With the target configured as the next URL the client gets its token there.
    auto o = options("fault/redirect");
    o.urls.push_back(s_tsa->url);
    auto ok = run(o, request());
    ASSERT_TRUE(ok) << ok.error().to_string();
    EXPECT_EQ(ok->attempts, 2);
}

// ---- modes that need libfaketime ----

#define ISTMO_REQUIRE_FAKETIME()                                                                            \
    do {                                                                                                    \
        if (!istmo::test::have_tool("faketime"))                                                            \
            GTEST_SKIP() << "faketime (libfaketime) is not installed: this fault mode did not run "         \
                            "(scripts/install-deps.sh installs it)";                                        \
    } while (0)

TEST_F(TsaShared, FaketimeExpiredTsaCertificateIsRefusedAtGenTime) {
    ISTMO_REQUIRE_FAKETIME();
    // mkpki.sh made this certificate under faketime (valid in January 2020 only).
    ASSERT_TRUE(fs::exists(state() / "tsa-expired.pem")) << "faketime is installed but the PKI has no expired TSA";
    auto expired = crypto::Certificate::from_file((state() / "tsa-expired.pem").string());
    ASSERT_TRUE(expired);
    EXPECT_LT(expired->not_after(), std::chrono::system_clock::now());
    auto r = run(options("fault/signer:expired"), request());
    EXPECT_EQ(outcome(r), "TSA-CERT-EXPIRED") << (r ? std::string("ok") : r.error().to_string());
    // Everything else about that token is right: the raw answer fails on the expiry alone.
    auto c = TimestampClient::create(options("fault/signer:expired"));
    ASSERT_TRUE(c);
    const auto req = request();
    auto reply = c->post(req.der());
    ASSERT_TRUE(reply) << reply.error().to_string();
    const auto v = verify_response(reply->body, req, verify_options());
    std::vector<std::string> errors;
    for (const auto& f : v.findings)
        if (f.severity == report::Severity::error) errors.push_back(f.code);
    EXPECT_EQ(errors, std::vector<std::string>{"TSA-CERT-EXPIRED"});
    EXPECT_NE(v.info.signer_subject.find("Expired"), std::string::npos) << v.info.signer_subject;
}

TEST_F(TsaShared, FaketimeClockSkewAheadIsRefusedUnlessAllowed) {
    ISTMO_REQUIRE_FAKETIME();
    // The server signs under `faketime -f +7200s`: genTime two hours ahead of our clock.
    auto r = run(options("fault/skew:7200"), request());
    EXPECT_EQ(outcome(r), "TSA-GENTIME-SKEW") << (r ? std::string("ok") : r.error().to_string());
    auto allowed = options("fault/skew:7200");
    allowed.verify.max_clock_skew = std::chrono::hours(3);
    auto ok = run(allowed, request());
    ASSERT_TRUE(ok) << ok.error().to_string();
    const auto ahead = ok->verification.info.gen_time - std::chrono::system_clock::now();
    EXPECT_GT(ahead, std::chrono::seconds(7000));
    EXPECT_LT(ahead, std::chrono::seconds(7400));
}

TEST_F(TsaShared, FaketimeClockSkewBehindPredatesTheTsaCertificate) {
    ISTMO_REQUIRE_FAKETIME();
    // genTime two hours back: before the TSA certificate of this fresh PKI (made when the suite
    // started) was valid, which is what the client reports first; the skew is reported too.
    auto r = run(options("fault/skew:-7200"), request());
    EXPECT_EQ(outcome(r), "TSA-CERT-NOT-YET-VALID") << (r ? std::string("ok") : r.error().to_string());
    auto c = TimestampClient::create(options("fault/skew:-7200"));
    ASSERT_TRUE(c);
    const auto req = request();
    auto reply = c->post(req.der());
    ASSERT_TRUE(reply) << reply.error().to_string();
    VerifyOptions vo = verify_options();
    vo.max_clock_skew = std::chrono::minutes(5);
    const auto v = verify_response(reply->body, req, vo);
    std::vector<std::string> errors;
    for (const auto& f : v.findings)
        if (f.severity == report::Severity::error) errors.push_back(f.code);
    EXPECT_EQ(errors, (std::vector<std::string>{"TSA-CERT-NOT-YET-VALID", "TSA-GENTIME-SKEW"}));
    // Checked at a time when the TSA certificate was valid, only the skew remains.
    vo.validation_time = std::chrono::system_clock::now();
    const auto at_now = verify_response(reply->body, req, vo);
    ASSERT_NE(at_now.first_error(), nullptr);
    EXPECT_EQ(at_now.first_error()->code, "TSA-GENTIME-SKEW");
    // Besides the skew only the revocation warnings of the default policy (auto: this PKI's
    // certificates publish no CRL / OCSP URL).
    for (const auto& f : at_now.findings)
        if (f.code != "TSA-GENTIME-SKEW") {
            EXPECT_EQ(f.code, "TSA-CERT-REVOCATION-NOT-CHECKED") << f.message;
        }
    EXPECT_EQ(std::count_if(at_now.findings.begin(), at_now.findings.end(),
                            [](const report::Finding& f) { return f.severity == report::Severity::error; }),
              1)
        << at_now.summary();
}

TEST_F(TsaShared, ReplayedTokenIsRefused) {
    ASSERT_TRUE(run(options(""), request({}, "first")));
    auto r = run(options("fault/replay"), request({}, "second"));
    EXPECT_EQ(outcome(r), "TSA-IMPRINT-MISMATCH");
}

TEST_F(TsaShared, PinnedTsaCertificateRefusesAnotherUnit) {
    auto o = options("fault/signer:other");
    auto pin = crypto::Certificate::from_file((state() / "tsa.pem").string());
    ASSERT_TRUE(pin);
    o.verify.pinned_tsa_certificate = *pin;
    EXPECT_EQ(outcome(run(o, request())), "TSA-CERT-PIN-MISMATCH");
    EXPECT_EQ(outcome(run(options(""), request())), "ok");
}

TEST_F(TsaShared, SlowTsaHitsTheRequestDeadline) {
    auto o = options("fault/slow:4");
    o.request_timeout = Ms(800);
    const auto start = SteadyClock::now();
    auto r = run(o, request());
    const auto took = std::chrono::duration_cast<Ms>(SteadyClock::now() - start).count();
    EXPECT_EQ(outcome(r), "deadline_exceeded");
    EXPECT_LT(took, 2000);
}

TEST_F(TsaShared, DripFeedingTsaHitsTheTotalDeadlineNotAPerReadOne) {
    auto o = options("fault/drip:6");
    o.request_timeout = Ms(1200);
    const auto start = SteadyClock::now();
    auto r = run(o, request());
    const auto took = std::chrono::duration_cast<Ms>(SteadyClock::now() - start).count();
    EXPECT_EQ(outcome(r), "deadline_exceeded");
    EXPECT_GE(took, 1100);
    EXPECT_LT(took, 2500);
}

TEST_F(TsaShared, RetryAfterIsHonouredThenGivesUp) {
    auto o = options("fault/http:503", 1);
    const auto start = SteadyClock::now();
    auto c = TimestampClient::create(o);
    ASSERT_TRUE(c);
    auto r = c->timestamp(request());
    const auto took = std::chrono::duration_cast<Ms>(SteadyClock::now() - start).count();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::unavailable);
    EXPECT_NE(r.error().message.find("503"), std::string::npos) << r.error().message;
    EXPECT_GE(took, 950);  // Retry-After: 1
    EXPECT_LT(took, 4000);
}

TEST_F(TsaShared, RetryAfterLongerThanAllowedMovesOnAtOnce) {
    // Retry-After: 1 with 8 retries allowed: honouring it would take at least 8 s, moving on at
    // once takes one round trip. The bound is far from both so a loaded machine cannot flip it.
    auto o = options("fault/http:429", 8);
    o.max_retry_after = Ms(500);
    const auto start = SteadyClock::now();
    auto r = run(o, request());
    EXPECT_EQ(outcome(r), "unavailable");
    EXPECT_LT(std::chrono::duration_cast<Ms>(SteadyClock::now() - start).count(), 4000);
}

TEST_F(TsaShared, FailoverToTheNextUrl) {
    auto o = options("fault/http:500");
    o.urls.push_back("http://127.0.0.1:1/");                 // refused
    o.urls.push_back(s_tsa->url + "fault/wrong-nonce");     // bad token
    o.urls.push_back(s_tsa->url);                            // good
    auto r = run(o, request());
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->url, s_tsa->url);
    EXPECT_EQ(r->attempts, 4);
}

TEST_F(TsaShared, RetriesWithBackoffOnServerErrors) {
    auto o = options("fault/http:500", 2);
    o.backoff = Ms(100);
    const auto start = SteadyClock::now();
    auto r = run(o, request());
    const auto took = std::chrono::duration_cast<Ms>(SteadyClock::now() - start).count();
    EXPECT_EQ(outcome(r), "unavailable");
    EXPECT_GE(took, 300);  // 100 + 200 ms of backoff
}

TEST_F(TsaShared, UnreachableTsaIsUnavailable) {
    auto o = options("");
    o.urls = {"http://127.0.0.1:1/"};
    auto r = run(o, request());
    EXPECT_EQ(outcome(r), "unavailable");
}

TEST_F(TsaShared, ResponseSizeCap) {
    auto o = options("");
    o.max_response_bytes = 200;
    EXPECT_EQ(outcome(run(o, request())), "limit_exceeded");
}

TEST_F(TsaShared, CancelStopsAnAsyncRequestAtOnce) {
    auto c = TimestampClient::create(options("fault/slow:5"));
    ASSERT_TRUE(c);
    auto a = c->timestamp_async(request());
    std::this_thread::sleep_for(Ms(100));
    const auto start = SteadyClock::now();
    a.cancel.cancel();
    // The TSA answers after 5 s; a cancelled request must end long before that.
    ASSERT_EQ(a.result.wait_for(std::chrono::seconds(2)), std::future_status::ready);
    EXPECT_LT(std::chrono::duration_cast<Ms>(SteadyClock::now() - start).count(), 2000);
    auto r = a.result.get();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::failed_precondition);
}

TEST_F(TsaShared, ManyConcurrentRequestsOnOneIoContext) {
    // The shared TSA answers each request with an openssl process: on a loaded machine 16 at once
    // take far longer than one, so this test allows generous deadlines (it checks concurrency,
    // not speed).
    auto o = options("");
    o.request_timeout = Ms(30000);
    o.total_timeout = Ms(60000);
    auto c = TimestampClient::create(o);
    ASSERT_TRUE(c);
    std::vector<AsyncTimestamp> pending;
    const auto start = SteadyClock::now();
    for (int i = 0; i < 16; ++i) pending.push_back(c->timestamp_async(request({}, "doc" + std::to_string(i))));
    int ok = 0;
    for (auto& p : pending) {
        ASSERT_EQ(p.result.wait_for(std::chrono::seconds(90)), std::future_status::ready);
        auto r = p.result.get();
        if (r) ++ok;
        else ADD_FAILURE() << r.error().to_string();
    }
    EXPECT_EQ(ok, 16);
    const auto took = std::chrono::duration_cast<Ms>(SteadyClock::now() - start).count();
    std::printf("[ info ] 16 concurrent time-stamps from the shared TSA in %lld ms\n", static_cast<long long>(took));
}

// A second instance with other server options, on a copy of the same PKI.
std::unique_ptr<SharedTsa> start_variant(const fs::path& tool, const fs::path& from, const fs::path& to,
                                         const std::string& args) {
    auto cp = istmo::test::run_command("mkdir -p '" + to.string() + "' && cp -r '" + from.string() + "/.' '" +
                                       to.string() + "/' && rm -f '" + to.string() + "/tsa.pid' '" + to.string() +
                                       "/tsa.port'");
    if (cp.exit_code != 0) {
        ADD_FAILURE() << cp.output;
        return nullptr;
    }
    return start_tsa(tool, to, args);
}

TEST_F(TsaShared, BasicAuth) {
    auto tsa = start_variant(*s_tool, state(), s_dir->path() / "auth", "--basic-auth alice:secret");
    ASSERT_TRUE(tsa);
    auto o = options("");
    o.urls = {tsa->url};
    auto no_auth = run(o, request());
    ASSERT_FALSE(no_auth);
    EXPECT_NE(no_auth.error().message.find("HTTP 401"), std::string::npos) << no_auth.error().message;
    o.user = "alice";
    o.password = crypto::Secret("secret");
    auto r = run(o, request());
    EXPECT_TRUE(r) << r.error().to_string();
}

TEST_F(TsaShared, HttpsWithServerVerificationPinningAndClientCertificate) {
    auto tsa = start_variant(*s_tool, state(), s_dir->path() / "tls", "--tls --tls-client-auth");
    ASSERT_TRUE(tsa);
    ASSERT_EQ(tsa->url.rfind("https://", 0), 0u) << tsa->url;
    const fs::path st = tsa->state;
    auto o = options("");
    o.urls = {tsa->url};
    o.ca_file = (st / "root.pem").string();
    o.client_cert_file = (st / "tls-client-chain.pem").string();
    o.client_key_file = (st / "tls-client.key").string();
    auto r = run(o, request());
    EXPECT_TRUE(r) << r.error().to_string();
    // Without the client certificate the TLS server refuses us.
    auto no_client = o;
    no_client.client_cert_file.clear();
    no_client.client_key_file.clear();
    EXPECT_EQ(outcome(run(no_client, request())), "unavailable");
    // With the system CAs only, the test CA is unknown: no connection.
    auto system_cas = o;
    system_cas.ca_file.clear();
    EXPECT_EQ(outcome(run(system_cas, request())), "unavailable");
    // Pinning: a wrong pin is refused, the right one accepted.
    auto pinned = o;
    pinned.pinned_server_sha256 = std::string(64, '0');
    EXPECT_EQ(outcome(run(pinned, request())), "unavailable");
    auto leaf = crypto::Certificate::from_file((st / "tls-server-chain.pem").string());
    ASSERT_TRUE(leaf);
    pinned.pinned_server_sha256 = leaf->sha256_hex();
    auto ok = run(pinned, request());
    EXPECT_TRUE(ok) << ok.error().to_string();
}

// An encrypted TLS client key: its password from ClientOptions (library) and from
// --client-key-pass-env / --client-key-pass-file (CLI); never prompted for on the terminal.
TEST_F(TsaShared, HttpsClientCertificateWithAnEncryptedKey) {
    if (!istmo::test::have_tool("openssl")) GTEST_SKIP() << "openssl not on PATH: the encrypted key cannot be made";
    auto tsa = start_variant(*s_tool, state(), s_dir->path() / "tls-enc", "--tls --tls-client-auth");
    ASSERT_TRUE(tsa);
    const fs::path st = tsa->state;
    const fs::path encrypted = st / "tls-client.enc.key";
    istmo::test::write_file(st / "password.txt", "cl1ent-k3y\n");
    const auto made = istmo::test::run_command("openssl pkey -in '" + (st / "tls-client.key").string() +
                                               "' -aes-256-cbc -passout pass:cl1ent-k3y -out '" + encrypted.string() + "' 2>&1");
    ASSERT_EQ(made.exit_code, 0) << made.output;
    ASSERT_NE(istmo::test::read_file(encrypted).find("ENCRYPTED"), std::string::npos);

    auto o = options("");
    o.urls = {tsa->url};
    o.ca_file = (st / "root.pem").string();
    o.client_cert_file = (st / "tls-client-chain.pem").string();
    o.client_key_file = encrypted.string();
    o.client_key_password = crypto::Secret("cl1ent-k3y");
    auto r = run(o, request());
    EXPECT_TRUE(r) << r.error().to_string();
    // A wrong or missing password is an error at once (no prompt, no hang).
    o.client_key_password = crypto::Secret("wrong");
    auto wrong = TimestampClient::create(o);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, Errc::invalid_argument) << wrong.error().to_string();
    o.client_key_password = crypto::Secret();
    EXPECT_FALSE(TimestampClient::create(o));

    if (istmo::test::cli_path().empty()) GTEST_SKIP() << "the istmo CLI is not part of this build: CLI half did not run";
    using istmo::test::shell_quote;
    istmo::test::write_file(st / "data.txt", "Factura FE-0002\n");
    const std::string common = "timestamp request --tsa " + shell_quote(tsa->url) + " --cacert " + shell_quote(st / "root.pem") +
                               " --trust " + shell_quote(st / "root.pem") + " --client-cert " +
                               shell_quote(st / "tls-client-chain.pem") + " --client-key " + shell_quote(encrypted) +
                               " --timeout 8 ";
    auto cli = istmo::test::run_cli(common + "--client-key-pass-file " + shell_quote(st / "password.txt") + " -o " +
                                    shell_quote(st / "file.tsr") + " " + shell_quote(st / "data.txt"));
    EXPECT_EQ(cli.exit_code, 0) << cli.output;
    EXPECT_TRUE(fs::exists(st / "file.tsr"));
    cli = istmo::test::run_command("ISTMO_TEST_KEY_PASS=cl1ent-k3y " + shell_quote(istmo::test::cli_path()) + " " + common +
                                   "--client-key-pass-env ISTMO_TEST_KEY_PASS -o " + shell_quote(st / "env.tsr") + " " +
                                   shell_quote(st / "data.txt") + " < /dev/null");
    EXPECT_EQ(cli.exit_code, 0) << cli.output;
    // Without the password: refused, nothing written, and no prompt (stdin is closed).
    cli = istmo::test::run_command("timeout 20 " + shell_quote(istmo::test::cli_path()) + " " + common + "-o " +
                                   shell_quote(st / "none.tsr") + " " + shell_quote(st / "data.txt") + " < /dev/null");
    EXPECT_NE(cli.exit_code, 0) << cli.output;
    EXPECT_NE(cli.exit_code, 124) << "timed out: the CLI waited for a password";
    EXPECT_NE(cli.output.find("client certificate or key"), std::string::npos) << cli.output;
    EXPECT_FALSE(fs::exists(st / "none.tsr"));
}

}  // namespace
}  // namespace istmo::tsa
