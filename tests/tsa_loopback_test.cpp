// The project's own loopback TSA: an in-process HTTP server on 127.0.0.1 (free port) that signs
// with OpenSSL's TS_RESP API (not our code) using a throw-away EC PKI made in memory. Started and
// stopped by the fixture; every fault is chosen by the URL path. Runs everywhere (no ../shared).
#include "test_support.hpp"

#include <istmo/tsa/client.hpp>
#include <istmo/tsa/timestamp.hpp>

#include "internal/c_ptr.hpp"
#include "tsa/tsa_internal.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#pragma GCC diagnostic ignored "-Wold-style-cast"

namespace istmo::tsa {
namespace {

using namespace istmo::internal;
using Ms = std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

EvpPkeyPtr ec_key() { return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

void add_ext(X509* x, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
    X509ExtensionPtr e(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    ASSERT_TRUE(e) << value;
    X509_add_ext(x, e.get(), -1);
}

X509Ptr make_cert(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, bool ca, long valid_secs) {
    static std::atomic<long> serial{1};
    X509Ptr x(X509_new());
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial++);
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("istmo test"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), -86400);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), valid_secs);
    X509_set_pubkey(x.get(), key);
    X509* iss = issuer ? issuer : x.get();
    if (ca) {
        add_ext(x.get(), iss, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x.get(), iss, NID_basic_constraints, "CA:FALSE");
        add_ext(x.get(), iss, NID_key_usage, "critical,digitalSignature,nonRepudiation");
        add_ext(x.get(), iss, NID_ext_key_usage, "critical,timeStamping");
    }
    X509_sign(x.get(), issuer_key ? issuer_key : key, EVP_sha256());
    return x;
}

crypto::Certificate to_cert(X509* x) {
    unsigned char* der = nullptr;
    const int len = i2d_X509(x, &der);
    auto c = crypto::Certificate::from_der(std::span<const std::uint8_t>(der, static_cast<std::size_t>(len)));
    OPENSSL_free(der);
    return *c;
}

struct Unit {
    EvpPkeyPtr key;
    X509Ptr cert;
    X509* ca = nullptr;
};

const char* kPolicy = "1.3.6.1.4.1.99999.42.1";

// An IMF-fixdate (RFC 9110 §5.6.7), written without the C locale's help.
std::string imf_fixdate(std::chrono::system_clock::time_point at) {
    static const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t t = std::chrono::system_clock::to_time_t(at);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
                  months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

int skew_time_cb(TS_RESP_CTX*, void*, long* sec, long* usec) {
    *sec = static_cast<long>(std::time(nullptr)) - 7200;
    *usec = 0;
    return 1;
}

class LoopbackTsa {
public:
    LoopbackTsa() {
        root_key = ec_key();
        root = make_cert("Loopback Root", root_key.get(), nullptr, nullptr, true, 86400L * 365);
        good.key = ec_key();
        good.cert = make_cert("Loopback TSA", good.key.get(), root.get(), root_key.get(), false, 86400L * 30);
        good.ca = root.get();
        rogue_root_key = ec_key();
        rogue_root = make_cert("Rogue Root", rogue_root_key.get(), nullptr, nullptr, true, 86400L * 365);
        rogue.key = ec_key();
        rogue.cert = make_cert("Rogue TSA", rogue.key.get(), rogue_root.get(), rogue_root_key.get(), false, 86400L * 30);
        rogue.ca = rogue_root.get();

        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(m_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        if (::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(m_fd, 128) != 0)
            throw std::runtime_error("cannot listen on 127.0.0.1");
        socklen_t len = sizeof addr;
        ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len);
        port = ntohs(addr.sin_port);
        m_thread = std::thread([this] { serve(); });
    }
    ~LoopbackTsa() {
        m_stop = true;
        m_thread.join();
        ::close(m_fd);
    }

    std::string url(const std::string& path = "") const { return "http://127.0.0.1:" + std::to_string(port) + "/" + path; }

    EvpPkeyPtr root_key, rogue_root_key;
    X509Ptr root, rogue_root;
    Unit good, rogue;
    int port = 0;
    std::atomic<int> requests{0};
    std::atomic<int> count_503{0};

    // Requests seen per path (without the leading '/'), with their arrival times.
    int hits(const std::string& path) {
        std::lock_guard lock(m_mutex);
        return static_cast<int>(m_arrivals[path].size());
    }
    std::vector<std::chrono::system_clock::time_point> arrivals(const std::string& path) {
        std::lock_guard lock(m_mutex);
        return m_arrivals[path];
    }
    // The Retry-After date sent on a "503-date:SECS" path (whole seconds).
    std::chrono::system_clock::time_point retry_date(const std::string& path) {
        std::lock_guard lock(m_mutex);
        return m_retry_dates[path];
    }

private:
    // Signs the (possibly edited) request with OpenSSL's TSA.
    std::string sign(std::string body, const std::string& fault) {
        const unsigned char* p = reinterpret_cast<const unsigned char*>(body.data());
        TsReqPtr req(d2i_TS_REQ(nullptr, &p, static_cast<long>(body.size())));
        if (!req) return "";
        if (fault == "wrong-nonce") {
            Asn1IntegerPtr n(ASN1_INTEGER_new());
            ASN1_INTEGER_set(n.get(), 12345);
            TS_REQ_set_nonce(req.get(), n.get());
        } else if (fault == "no-nonce") {
            // A copy of the request without its nonce.
            TsReqPtr copy(TS_REQ_new());
            TS_REQ_set_version(copy.get(), 1);
            TS_REQ_set_msg_imprint(copy.get(), TS_REQ_get_msg_imprint(req.get()));
            TS_REQ_set_cert_req(copy.get(), TS_REQ_get_cert_req(req.get()));
            if (const ASN1_OBJECT* pol = TS_REQ_get_policy_id(req.get())) TS_REQ_set_policy_id(copy.get(), pol);
            req = std::move(copy);
        } else if (fault == "no-certs") {
            TS_REQ_set_cert_req(req.get(), 0);
        }
        BioPtr in(BIO_new(BIO_s_mem()));
        i2d_TS_REQ_bio(in.get(), req.get());
        const Unit& unit = fault == "rogue" ? rogue : good;
        CPtr<TS_RESP_CTX, TS_RESP_CTX_free> ctx(TS_RESP_CTX_new());
        TS_RESP_CTX_set_signer_cert(ctx.get(), unit.cert.get());
        TS_RESP_CTX_set_signer_key(ctx.get(), unit.key.get());
        X509StackPtr chain(sk_X509_new_null());
        X509_up_ref(unit.ca);
        sk_X509_push(chain.get(), unit.ca);
        TS_RESP_CTX_set_certs(ctx.get(), chain.get());
        Asn1ObjectPtr policy(OBJ_txt2obj(kPolicy, 1));
        TS_RESP_CTX_set_def_policy(ctx.get(), policy.get());
        TS_RESP_CTX_add_md(ctx.get(), EVP_sha256());
        TS_RESP_CTX_add_md(ctx.get(), EVP_sha384());
        TS_RESP_CTX_add_md(ctx.get(), EVP_sha512());
        TS_RESP_CTX_set_accuracy(ctx.get(), 1, 0, 0);
        TS_RESP_CTX_add_flags(ctx.get(), TS_TSA_NAME);
        TS_RESP_CTX_set_signer_digest(ctx.get(), EVP_sha256());
        TS_RESP_CTX_set_ess_cert_id_digest(ctx.get(), EVP_sha256());
        if (fault == "skew") TS_RESP_CTX_set_time_cb(ctx.get(), skew_time_cb, nullptr);
        CPtr<TS_RESP, TS_RESP_free> resp(TS_RESP_create_response(ctx.get(), in.get()));
        if (!resp) return "";
        unsigned char* der = nullptr;
        const int len = i2d_TS_RESP(resp.get(), &der);
        std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
        OPENSSL_free(der);
        if (fault == "bad-sig") out.back() = static_cast<char>(out.back() ^ 0x01);
        if (fault == "trailing") out += std::string("\0\0", 2);
        return out;
    }

    static void send_all(int fd, const std::string& s) {
        std::size_t off = 0;
        while (off < s.size()) {
            const auto n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
            if (n <= 0) return;
            off += static_cast<std::size_t>(n);
        }
    }

    static std::string http(int status, const std::string& type, const std::string& body, const std::string& extra = "") {
        return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + type + "\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n" + extra + "Connection: close\r\n\r\n" + body;
    }

    void handle(int fd) {
        ++requests;
        timeval tv{2, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        std::string data;
        char buf[8192];
        std::size_t header_end = std::string::npos;
        std::size_t need = 0;
        for (int i = 0; i < 1000; ++i) {
            const auto n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) return;
            data.append(buf, static_cast<std::size_t>(n));
            if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != std::string::npos) {
                const auto cl = data.find("Content-Length: ");
                need = cl == std::string::npos ? 0 : std::stoul(data.substr(cl + 16));
            }
            if (header_end != std::string::npos && data.size() >= header_end + 4 + need) break;
        }
        if (header_end == std::string::npos) return;
        const auto sp = data.find(' ');
        const std::string path = data.substr(sp + 2, data.find(' ', sp + 1) - sp - 2);
        const std::string body = data.substr(header_end + 4, need);
        const std::string fault = path;
        std::size_t seen = 0;
        {
            std::lock_guard lock(m_mutex);
            auto& list = m_arrivals[path];
            list.push_back(std::chrono::system_clock::now());
            seen = list.size();
        }
        // "503-date:SECS": the first request gets 503 with Retry-After as an IMF-fixdate SECS
        // seconds ahead (whole seconds); the next ones are answered.
        if (fault.rfind("503-date:", 0) == 0 && seen == 1) {
            const auto date = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) +
                              std::chrono::seconds(std::stol(fault.substr(9)));
            {
                std::lock_guard lock(m_mutex);
                m_retry_dates[path] = date;
            }
            return send_all(fd, http(503, "text/plain", "busy", "Retry-After: " + imf_fixdate(date) + "\r\n"));
        }
        // "redirect:CODE" points at "target-CODE" on this server; "redirect-relative" at "/target-relative".
        if (fault.rfind("redirect:", 0) == 0)
            return send_all(fd, http(std::stoi(fault.substr(9)), "text/plain", "moved",
                                     "Location: " + url("target-" + fault.substr(9)) + "\r\n"));
        if (fault == "redirect-relative")
            return send_all(fd, http(302, "text/plain", "moved", "Location: /target-relative\r\n"));
        if (fault == "close") return;
        if (fault == "slow") {
            for (int i = 0; i < 30 && !m_stop; ++i) std::this_thread::sleep_for(Ms(100));
        }
        if (fault == "503" && count_503++ == 0)
            return send_all(fd, http(503, "text/plain", "busy", "Retry-After: 1\r\n"));
        if (fault == "html") return send_all(fd, http(200, "text/html", "<html>bad request</html>"));
        if (fault == "big") return send_all(fd, http(200, "application/timestamp-reply", std::string(65536, '\x30')));
        if (fault == "reject") {
            // TimeStampResp { PKIStatusInfo { rejection, failInfo badAlg } }
            const std::string der("\x30\x09\x30\x07\x02\x01\x02\x03\x02\x07\x80", 11);
            return send_all(fd, http(200, "application/timestamp-reply", der));
        }
        const std::string resp = sign(body, fault);
        if (fault == "chunked") {
            const std::size_t half = resp.size() / 2;
            auto hex = [](std::size_t n) {
                char b[32];
                std::snprintf(b, sizeof b, "%zx", n);
                return std::string(b);
            };
            return send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nTransfer-Encoding: chunked\r\n"
                                "Connection: close\r\n\r\n" +
                                    hex(half) + "\r\n" + resp.substr(0, half) + "\r\n" + hex(resp.size() - half) + "\r\n" +
                                    resp.substr(half) + "\r\n0\r\n\r\n");
        }
        send_all(fd, http(200, "application/timestamp-reply", resp));
    }

    void serve() {
        while (!m_stop) {
            pollfd pfd{m_fd, POLLIN, 0};
            if (::poll(&pfd, 1, 50) <= 0) continue;
            const int fd = ::accept(m_fd, nullptr, nullptr);
            if (fd < 0) continue;
            // One thread per connection so that a slow answer does not block the others.
            ++m_active;
            std::thread([this, fd] {
                handle(fd);
                ::shutdown(fd, SHUT_RDWR);
                ::close(fd);
                --m_active;
            }).detach();
        }
        // Let detached handlers (bounded by their own timeouts) finish before members go.
        while (m_active > 0) std::this_thread::sleep_for(Ms(10));
    }

    std::mutex m_mutex;
    std::map<std::string, std::vector<std::chrono::system_clock::time_point>> m_arrivals;
    std::map<std::string, std::chrono::system_clock::time_point> m_retry_dates;
    int m_fd = -1;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_active{0};
};

class TsaLoopback : public ::testing::Test {
protected:
    static void SetUpTestSuite() { s_tsa = std::make_unique<LoopbackTsa>(); }
    static void TearDownTestSuite() {
        std::this_thread::sleep_for(Ms(200));
        s_tsa.reset();
    }

    static ClientOptions options(const std::string& path, int retries = 0) {
        ClientOptions o;
        o.urls = {s_tsa->url(path)};
        o.retries = retries;
        o.backoff = Ms(50);
        o.connect_timeout = Ms(1000);
        o.request_timeout = Ms(2000);
        o.total_timeout = Ms(5000);
        o.verify.trust.add(to_cert(s_tsa->root.get()));
        return o;
    }
    static TimestampRequest request(std::string_view data = "invoice", const RequestOptions& ro = {}) {
        auto r = TimestampRequest::for_data(
            std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()), ro);
        EXPECT_TRUE(r);
        return *r;
    }
    static Result<Timestamp> run(const ClientOptions& o, const TimestampRequest& req) {
        auto c = TimestampClient::create(o);
        if (!c) return std::move(c).error();
        return c->timestamp(req);
    }
    static std::string outcome(const Result<Timestamp>& r) {
        if (r) return "ok";
        if (r.error().cause.rfind("TSA-", 0) == 0) return r.error().cause;
        return std::string(errc_name(r.error().code));
    }
    static inline std::unique_ptr<LoopbackTsa> s_tsa;
};

TEST_F(TsaLoopback, GrantedTokenIsVerifiedAndDescribed) {
    RequestOptions ro;
    ro.hash = HashAlg::sha384;
    const auto req = request("invoice", ro);
    auto r = run(options(""), req);
    ASSERT_TRUE(r) << r.error().to_string();
    const auto& info = r->verification.info;
    EXPECT_EQ(info.policy, kPolicy);
    EXPECT_EQ(info.imprint_algorithm, "sha384");
    EXPECT_EQ(info.imprint, req.imprint());
    ASSERT_TRUE(info.accuracy);
    EXPECT_EQ(info.accuracy->seconds, 1);
    EXPECT_FALSE(info.ordering);
    ASSERT_TRUE(info.nonce_hex);
    EXPECT_EQ(info.ess_version, "v2");
    EXPECT_EQ(info.signature_algorithm, "ecdsa");
    EXPECT_NE(info.signer_subject.find("CN=Loopback TSA"), std::string::npos);
    EXPECT_NE(info.tsa_name.find("Loopback TSA"), std::string::npos) << info.tsa_name;
    EXPECT_EQ(info.embedded_certificates, 2u);
    EXPECT_LT(std::chrono::abs(info.gen_time - std::chrono::system_clock::now()), std::chrono::seconds(30));
    // The token verifies offline as a bare token, bound to the data.
    TokenExpectations e;
    e.data = Bytes{'i', 'n', 'v', 'o', 'i', 'c', 'e'};
    VerifyOptions vo;
    vo.trust.add(to_cert(s_tsa->root.get()));
    EXPECT_TRUE(verify_token(r->token, e, vo).valid());
    e.data = Bytes{'o', 't', 'h', 'e', 'r'};
    EXPECT_EQ(verify_token(r->token, e, vo).first_error()->code, "TSA-IMPRINT-MISMATCH");
    // Chain checked at genTime by default; a validation time after expiry fails.
    vo.validation_time = std::chrono::system_clock::now() + std::chrono::hours(24 * 60);
    e.data = Bytes{'i', 'n', 'v', 'o', 'i', 'c', 'e'};
    EXPECT_EQ(verify_token(r->token, e, vo).first_error()->code, "TSA-CERT-EXPIRED");
    // No anchors: never trusted.
    EXPECT_EQ(verify_token(r->token, e, VerifyOptions{}).first_error()->code, "TSA-CERT-UNTRUSTED");
}

struct LoopCase {
    std::string path;
    std::string expected;
};

class TsaLoopbackFaults : public TsaLoopback, public ::testing::WithParamInterface<LoopCase> {};

TEST_P(TsaLoopbackFaults, EndsInTheRightOutcome) {
    const auto start = SteadyClock::now();
    auto o = options(GetParam().path);
    o.max_response_bytes = 16 * 1024;
    o.request_timeout = Ms(1000);
    auto r = run(o, request());
    EXPECT_EQ(outcome(r), GetParam().expected) << (r ? "" : r.error().to_string());
    EXPECT_LT(std::chrono::duration_cast<Ms>(SteadyClock::now() - start).count(), 2500);
}

INSTANTIATE_TEST_SUITE_P(TsaLoop, TsaLoopbackFaults,
                         ::testing::Values(LoopCase{"wrong-nonce", "TSA-NONCE-MISMATCH"},
                                           LoopCase{"no-nonce", "TSA-NONCE-MISSING"},
                                           LoopCase{"no-certs", "TSA-CERTS-MISSING"},
                                           LoopCase{"rogue", "TSA-CERT-UNTRUSTED"},
                                           LoopCase{"skew", "TSA-GENTIME-SKEW"},
                                           LoopCase{"bad-sig", "TSA-SIGNATURE-INVALID"},
                                           LoopCase{"trailing", "TSA-TRAILING-DATA"},
                                           LoopCase{"reject", "TSA-STATUS-REJECTED"},
                                           LoopCase{"html", "unavailable"},
                                           LoopCase{"big", "limit_exceeded"},
                                           LoopCase{"chunked", "ok"},
                                           LoopCase{"close", "unavailable"},
                                           LoopCase{"slow", "deadline_exceeded"}),
                         [](const ::testing::TestParamInfo<LoopCase>& param_info) {  // a stable name per case
                             std::string name = param_info.param.path;
                             for (char& ch : name)
                                 if (ch == '-') ch = '_';
                             return name;
                         });

TEST_F(TsaLoopback, PolicyRequestedAndEchoed) {
    RequestOptions ro;
    ro.policy = kPolicy;
    auto r = run(options(""), request("x", ro));
    EXPECT_TRUE(r) << r.error().to_string();
    RequestOptions other;
    other.policy = "1.2.3.4.5";  // OpenSSL's TSA rejects an unknown policy (unacceptedPolicy)
    auto rejected = run(options(""), request("x", other));
    EXPECT_EQ(outcome(rejected), "TSA-STATUS-REJECTED");
    EXPECT_NE(rejected.error().message.find("unacceptedPolicy"), std::string::npos) << rejected.error().message;
}

TEST_F(TsaLoopback, RetryAfter503ThenSuccess) {
    s_tsa->count_503 = 0;
    auto r = run(options("503", 1), request());
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->attempts, 2);
}

// milliseconds::max() as timeouts and backoff: the deadlines now() + timeout and the doubled
// backoff saturate (core/time_math.hpp) instead of overflowing the steady clock's nanoseconds.
TEST_F(TsaLoopback, LargestTimeoutsAndBackoffSaturate) {
    auto o = options("");
    o.connect_timeout = o.request_timeout = o.total_timeout = Ms::max();
    auto r = run(o, request());
    ASSERT_TRUE(r) << r.error().to_string();
    // A retryable 503 whose backoff would end past the total deadline is not waited for: the
    // call ends at once (no URL left) instead of sleeping or overflowing.
    s_tsa->count_503 = 0;
    auto busy = options("503", 1);
    busy.backoff = Ms::max();
    const auto start = SteadyClock::now();
    EXPECT_FALSE(run(busy, request()));
    EXPECT_LT(SteadyClock::now() - start, Ms(4000));
}

TEST_F(TsaLoopback, SkewLimitIsConfigurable) {
    auto r = run(options("skew"), request());
    ASSERT_FALSE(r);
    auto o = options("skew");
    o.verify.max_clock_skew = std::chrono::hours(3);
    EXPECT_TRUE(run(o, request()));
}

// ---- Retry-After as an HTTP-date ----

TEST(TsaRetryAfter, ParsesDeltaSecondsAndAllThreeDateForms) {
    using detail::parse_retry_after;
    using std::chrono::seconds;
    // 1994-11-06T08:49:37Z, the example of RFC 9110 §5.6.7.
    const auto date = std::chrono::sys_days(std::chrono::year(1994) / 11 / 6) + std::chrono::hours(8) +
                      std::chrono::minutes(49) + seconds(37);
    const auto before = date - seconds(90);
    EXPECT_EQ(parse_retry_after("120", before), seconds(120));
    EXPECT_EQ(parse_retry_after(" 0\t", before), seconds(0));
    EXPECT_EQ(parse_retry_after("99999999999999999999", before), seconds(std::int64_t{1} << 31));
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", before), seconds(90));
    EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", before), seconds(90));
    EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", before), seconds(90));
    EXPECT_EQ(parse_retry_after("Wed Nov 16 08:49:37 1994", before), seconds(90 + 10 * 86400));
    // Sub-second "now": the wait still reaches the date (rounded up to the millisecond).
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", before + std::chrono::microseconds(1500)),
              std::chrono::milliseconds(89999));
    // A date already past is no wait.
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", date + seconds(5)), seconds(0));
    // Leap year: 29 Feb exists in 2024 only.
    EXPECT_TRUE(detail::parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT", before));
    EXPECT_FALSE(detail::parse_http_date("Wed, 29 Feb 2023 00:00:00 GMT", before));
}

TEST(TsaRetryAfter, Rfc850TwoDigitYearsAreReadRelativeToNow) {
    using std::chrono::sys_days;
    using std::chrono::year;
    const auto in_2030 = sys_days(year(2030) / 6 / 1);
    // 2099 is more than 50 years after 2030: the most recent past year ending in 99 is 1999.
    EXPECT_EQ(detail::parse_http_date("Friday, 01-Jan-99 00:00:00 GMT", in_2030), sys_days(year(1999) / 1 / 1));
    // 2079 is within 50 years: kept.
    EXPECT_EQ(detail::parse_http_date("Sunday, 01-Jan-79 00:00:00 GMT", in_2030), sys_days(year(2079) / 1 / 1));
    EXPECT_EQ(detail::parse_http_date("Tuesday, 01-Jan-30 00:00:00 GMT", in_2030), sys_days(year(2030) / 1 / 1));
}

TEST(TsaRetryAfter, RejectsWhatTheGrammarDoesNotAllow) {
    const auto now = std::chrono::system_clock::now();
    for (const char* bad : {"", "  ", "-1", "1.5", "+3", "10 s", "0x10",
                            "Sun, 06 Nov 1994 08:49:37 gmt",    // case-sensitive
                            "Sun, 06 Nov 1994 08:49:37 UTC",    // only GMT
                            "Sun, 6 Nov 1994 08:49:37 GMT",     // day is 2DIGIT in IMF-fixdate
                            "Sun, 06 Nov 94 08:49:37 GMT",      // year is 4DIGIT
                            "Sun, 31 Nov 1994 08:49:37 GMT",    // no 31 November
                            "Sun, 06 Nov 1994 24:00:00 GMT",    // hour 0-23
                            "Sun, 06 Nov 1994 08:60:00 GMT",    // minute 0-59
                            "Sun, 06 Nov 1994 08:49:37 GMT x",  // trailing text
                            "Sun,06 Nov 1994 08:49:37 GMT",     // SP after the comma
                            "Son, 06 Nov 1994 08:49:37 GMT",    // day name
                            "Sun, 06 Nvm 1994 08:49:37 GMT",    // month name
                            "Sunday, 06-Nov-1994 08:49:37 GMT", // rfc850 has a 2-digit year
                            "Sun Nov 6 08:49:37 1994",          // asctime pads the day with SP
                            "Sun Nov  6 08:49:37 1994 GMT"}) {
        EXPECT_FALSE(detail::parse_retry_after(bad, now)) << "'" << bad << "'";
    }
}

TEST_F(TsaLoopback, RetryAfterHttpDateIsWaitedForThenTheSameUrlAnswers) {
    auto o = options("503-date:2", 1);
    o.backoff = Ms(10);  // far shorter than the date: only Retry-After can make the client wait
    o.max_retry_after = Ms(10000);
    auto r = run(o, request());
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->attempts, 2);
    const auto arrivals = s_tsa->arrivals("503-date:2");
    ASSERT_EQ(arrivals.size(), 2u);
    // The retry did not come before the date the server gave (allowing for the two clocks).
    EXPECT_GE(arrivals[1], s_tsa->retry_date("503-date:2") - Ms(50));
}

TEST_F(TsaLoopback, RetryAfterHttpDateBeyondTheLimitMovesToTheNextUrlAtOnce) {
    auto o = options("503-date:30", 3);
    o.max_retry_after = Ms(5000);
    o.urls.push_back(s_tsa->url(""));
    auto r = run(o, request());
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->url, s_tsa->url(""));
    EXPECT_EQ(r->attempts, 2);
    EXPECT_EQ(s_tsa->hits("503-date:30"), 1);  // no retry on the busy URL
}

TEST_F(TsaLoopback, RetryAfterHttpDateBeyondTheTotalDeadlineIsNotWaitedFor) {
    auto o = options("503-date:20", 3);
    o.max_retry_after = Ms(60000);  // allowed by the limit, but not by the deadline
    o.total_timeout = Ms(4000);
    auto r = run(o, request());
    ASSERT_FALSE(r);
    // unavailable, not deadline_exceeded: the client gave up instead of sleeping into the deadline.
    EXPECT_EQ(r.error().code, Errc::unavailable) << r.error().to_string();
    EXPECT_NE(r.error().message.find("HTTP 503 (Retry-After: "), std::string::npos) << r.error().message;
    EXPECT_EQ(s_tsa->hits("503-date:20"), 1);
}

// ---- redirects: reported with their status and Location, never followed ----

class TsaLoopbackRedirects : public TsaLoopback, public ::testing::WithParamInterface<int> {};

TEST_P(TsaLoopbackRedirects, AreAClearErrorWithStatusAndLocation) {
    const std::string code = std::to_string(GetParam());
    auto r = run(options("redirect:" + code, 2), request());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::unavailable);
    EXPECT_NE(r.error().message.find("answered HTTP " + code + " (a redirect, Location: " +
                                     s_tsa->url("target-" + code) + ")"),
              std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("redirects are not followed"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().cause, "Location: " + s_tsa->url("target-" + code));
    EXPECT_EQ(s_tsa->hits("redirect:" + code), 1);  // not retried either
    EXPECT_EQ(s_tsa->hits("target-" + code), 0);     // and not followed
}

INSTANTIATE_TEST_SUITE_P(TsaLoop, TsaLoopbackRedirects, ::testing::Values(301, 302, 303, 307, 308));

TEST_F(TsaLoopback, RedirectFailsOverToTheNextConfiguredUrlAndPostShowsTheLocation) {
    auto o = options("redirect-relative");
    o.urls.push_back(s_tsa->url(""));
    auto r = run(o, request());
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->url, s_tsa->url(""));
    EXPECT_EQ(r->attempts, 2);
    EXPECT_EQ(s_tsa->hits("target-relative"), 0);
    // A relative Location is reported against the URL that sent it.
    auto single = run(options("redirect-relative"), request());
    ASSERT_FALSE(single);
    EXPECT_EQ(single.error().cause, "Location: " + s_tsa->url("target-relative"));
    // The raw exchange keeps the header as sent.
    auto c = TimestampClient::create(options("redirect-relative"));
    ASSERT_TRUE(c);
    auto reply = c->post(request().der());
    ASSERT_TRUE(reply) << reply.error().to_string();
    EXPECT_EQ(reply->status, 302);
    EXPECT_EQ(reply->location, "/target-relative");
    EXPECT_EQ(s_tsa->hits("target-relative"), 0);
}

TEST_F(TsaLoopback, BenchSequentialAndConcurrent) {
    auto c = TimestampClient::create(options(""));
    ASSERT_TRUE(c);
    const int n = 50;
    auto start = SteadyClock::now();
    for (int i = 0; i < n; ++i) ASSERT_TRUE(c->timestamp(request("seq")));
    const double seq_ms = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start).count()) / 1000.0;
    start = SteadyClock::now();
    std::vector<AsyncTimestamp> pending;
    for (int i = 0; i < 64; ++i) pending.push_back(c->timestamp_async(request("par")));
    int ok = 0;
    for (auto& p : pending) {
        ASSERT_EQ(p.result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
        if (p.result.get()) ++ok;
    }
    EXPECT_EQ(ok, 64);
    const double par_ms = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start).count()) / 1000.0;
    // The client's own CPU per request: building the request + verifying the response.
    auto resp = c->timestamp(request("cpu"));
    ASSERT_TRUE(resp);
    const auto req = request("cpu");
    VerifyOptions vo;
    vo.trust.add(to_cert(s_tsa->root.get()));
    const std::clock_t c0 = std::clock();
    const int m = 200;
    for (int i = 0; i < m; ++i) {
        auto q = request("cpu");
        auto v = verify_token(resp->token, TokenExpectations{}, vo);
        ASSERT_TRUE(v.valid());
    }
    const double cpu_us = 1e6 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC / m;
    std::printf("[ bench ] loopback TSA: 1 at a time %.0f req/s; 64 concurrent on one io_context %.0f req/s; "
                "client CPU (request + full verification) %.0f us/request\n",
                n / (seq_ms / 1000.0), 64 / (par_ms / 1000.0), cpu_us);
    (void)req;
}

}  // namespace
}  // namespace istmo::tsa
