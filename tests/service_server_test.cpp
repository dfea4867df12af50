// The validation service (istmo::service::Server) on loopback, port 0: each endpoint, the
// same verdict as the batch validator, limits (body size, load, request time), malformed
// requests, keep-alive, draining on stop(), HTTPS, and `istmo serve` stopped by SIGTERM.
// Validations are held in flight with the internal test hook (service/test_hook.hpp), never by
// timing; every thread is joined.
#include <istmo/batch/batch.hpp>
#include <istmo/crypto/keys.hpp>
#include <istmo/crypto/revocation.hpp>
#include <istmo/crypto/validator.hpp>
#include <istmo/invoice/panama.hpp>
#include <istmo/service/server.hpp>

#include "service/request.hpp"
#include "service/test_hook.hpp"
#include "test_support.hpp"
#include "test_support/signed_invoices.hpp"

#include <gtest/gtest.h>

#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/evp.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <thread>

extern char** environ;

namespace {

using namespace istmo;
namespace pa = istmo::invoice::panama;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// ---- documents -------------------------------------------------------------------------------

std::string signed_invoice(int n) { return test::signed_panama_invoice(n); }

crypto::TrustStore test_trust() {
    crypto::TrustStore t;
    EXPECT_TRUE(t.add_file((test::vectors_dir() / "pki" / "chain.pem").string()).has_value());
    return t;
}

service::ServerOptions server_options() {
    service::ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.jobs = 2;
    o.batch.verify.trust = test_trust();
    return o;
}

std::unique_ptr<service::Server> start(service::ServerOptions options) {
    auto server = service::Server::start(std::move(options));
    EXPECT_TRUE(server.has_value()) << server.error().to_string();
    return server ? std::move(*server) : nullptr;
}

std::string base64(const std::string& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// ---- a blocking HTTP/1.1 client on one connection ----------------------------------------------

struct Answer {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    bool keep_alive = false;
};

class Client {
public:
    explicit Client(std::uint16_t port) : m_socket(m_io) {
        m_socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        // Never hang a test run on a server that does not answer.
        timeval tv{120, 0};
        ::setsockopt(m_socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    Answer request(const std::string& method, const std::string& target, const std::string& body = {},
                   const std::string& content_type = {}, bool keep_alive = true) {
        http::request<http::string_body> req(http::string_to_verb(method), target, 11);
        req.set(http::field::host, "127.0.0.1");
        if (!content_type.empty()) req.set(http::field::content_type, content_type);
        req.keep_alive(keep_alive);
        req.body() = body;
        req.prepare_payload();
        http::write(m_socket, req);
        return read();
    }
    void write_raw(const std::string& bytes) { asio::write(m_socket, asio::buffer(bytes)); }
    Answer read() {
        http::response_parser<http::string_body> parser;
        parser.body_limit(64u * 1024 * 1024);
        http::read(m_socket, m_buffer, parser);
        Answer a;
        const auto& res = parser.get();
        a.status = static_cast<int>(res.result_int());
        for (const auto& field : res) {
            std::string name(field.name_string());
            for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            a.headers[name] = std::string(field.value());
        }
        a.body = res.body();
        a.keep_alive = res.keep_alive();
        return a;
    }
    // True when the server closed the connection (a read gives end of file).
    bool closed_by_server() {
        char byte = 0;
        boost::system::error_code ec;
        if (m_buffer.size() != 0) return false;
        m_socket.read_some(asio::buffer(&byte, 1), ec);
        return ec == asio::error::eof || ec == asio::error::connection_reset;
    }

private:
    asio::io_context m_io;
    tcp::socket m_socket;
    beast::flat_buffer m_buffer;
};

// A request line's value in the metrics text, or -1.
double metric(const std::string& text, const std::string& series) {
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
}

std::string json_member(const std::string& json, const std::string& name) {
    const std::regex pattern("\"" + name + "\":(\"[^\"]*\"|null|[0-9.]+)");
    std::smatch m;
    if (!std::regex_search(json, m, pattern)) return {};
    std::string v = m[1];
    if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
    return v;
}

// Holds every validation at the hook until released; counts those waiting.
class ValidationGate {
public:
    ValidationGate() {
        service::detail::set_test_validation_hook([this] {
            std::unique_lock lock(m_mutex);
            ++m_waiting;
            m_changed.notify_all();
            m_changed.wait(lock, [this] { return m_open; });
        });
    }
    ~ValidationGate() {
        open();
        service::detail::set_test_validation_hook({});
    }
    ValidationGate(const ValidationGate&) = delete;
    ValidationGate& operator=(const ValidationGate&) = delete;
    void wait_for(int n) {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return m_waiting >= n; });
    }
    void open() {
        std::lock_guard lock(m_mutex);
        m_open = true;
        m_changed.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    int m_waiting = 0;
    bool m_open = false;
};

// ---- endpoints ---------------------------------------------------------------------------------

TEST(ServiceServer, ValidateAnswersWhatTheBatchValidatorSays) {
    auto options = server_options();
    const batch::Validator reference([&] {
        batch::Options o = options.batch;
        return o;
    }());
    auto server = start(options);
    ASSERT_TRUE(server);
    Client client(server->port());
    const std::string good = signed_invoice(1);
    std::string tampered = signed_invoice(2);
    tampered.replace(tampered.find("Istmo Pruebas"), 13, "Istmo Pruebaz");
    for (const std::string* document : {&good, static_cast<const std::string*>(&tampered)}) {
        Answer a = client.request("POST", "/v1/validate?source=inv.xml", *document, "application/xml");
        ASSERT_EQ(a.status, 200) << a.body;
        EXPECT_EQ(a.headers["content-type"], "application/json");
        const batch::DocumentResult expected = reference.validate("inv.xml", *document);
        auto got = batch::parse_result_line(a.body);
        ASSERT_TRUE(got.has_value()) << a.body;
        EXPECT_EQ(got->source, "inv.xml");
        EXPECT_EQ(got->sha256, expected.sha256);
        EXPECT_EQ(got->indication, expected.indication);
        EXPECT_EQ(got->codes, expected.codes);
        EXPECT_EQ(got->cufe, expected.cufe);
    }
    EXPECT_EQ(batch::parse_result_line(client.request("POST", "/v1/validate", good).body)->indication,
              report::Indication::total_passed);
    EXPECT_EQ(batch::parse_result_line(client.request("POST", "/v1/validate", tampered).body)->indication,
              report::Indication::total_failed);
}

TEST(ServiceServer, JsonBodyWithBase64AndProfile) {
    auto server = start(server_options());
    ASSERT_TRUE(server);
    Client client(server->port());
    const std::string doc = signed_invoice(3);
    const std::string body = R"({"source":"a/b.xml","base64":")" + base64(doc) + "\"}";
    Answer a = client.request("POST", "/v1/validate?profile=panama-fe", body, "application/json");
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(json_member(a.body, "source"), "a/b.xml");
    EXPECT_EQ(json_member(a.body, "indication"), "TOTAL_PASSED");
    // xmldsig profile: the signature is checked, the invoice rules are not (no CUFE read).
    a = client.request("POST", "/v1/validate?profile=xmldsig", body, "application/json");
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(json_member(a.body, "cufe"), "null");

    a = client.request("POST", "/v1/validate?profile=nope", doc, "application/xml");
    EXPECT_EQ(a.status, 400);
    EXPECT_EQ(json_member(a.body, "code"), "SERVICE-UNKNOWN-PROFILE");
    EXPECT_NE(json_member(a.body, "message_es"), "");
    a = client.request("POST", "/v1/validate?colour=red", doc, "application/xml");
    EXPECT_EQ(a.status, 400);
    EXPECT_EQ(json_member(a.body, "code"), "SERVICE-BAD-QUERY");
    a = client.request("POST", "/v1/validate", R"({"base64":"%%%"})", "application/json");
    EXPECT_EQ(a.status, 400);
    EXPECT_EQ(json_member(a.body, "code"), "BATCH-INPUT-BAD-BASE64");
    a = client.request("POST", "/v1/validate", R"({"source":"x"})", "application/json");
    EXPECT_EQ(json_member(a.body, "code"), "BATCH-INPUT-BAD-JSON");
    a = client.request("POST", "/v1/validate", "[1,2", "application/json; charset=utf-8");
    EXPECT_EQ(json_member(a.body, "code"), "BATCH-INPUT-BAD-JSON");
    // Not XML and empty bodies are verdicts, as in batch.
    a = client.request("POST", "/v1/validate", "\x01\x02\x03 binary", "application/octet-stream");
    ASSERT_EQ(a.status, 200);
    EXPECT_NE(a.body.find("BATCH-NOT-XML"), std::string::npos) << a.body;
    a = client.request("POST", "/v1/validate", "", "application/xml");
    ASSERT_EQ(a.status, 200);
    EXPECT_NE(a.body.find("BATCH-EMPTY"), std::string::npos) << a.body;
    EXPECT_TRUE(a.keep_alive);
}

TEST(ServiceServer, HealthMetricsNotFoundAndMethods) {
    auto server = start(server_options());
    ASSERT_TRUE(server);
    Client client(server->port());
    Answer a = client.request("GET", "/healthz");
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.body, R"({"status":"ok"})");
    const std::string doc = signed_invoice(4);
    std::string broken = doc;
    broken.replace(broken.find("Istmo Pruebas"), 13, "Istmo Pruebaz");
    EXPECT_EQ(client.request("POST", "/v1/validate", doc).status, 200);
    EXPECT_EQ(client.request("POST", "/v1/validate", doc).status, 200);
    EXPECT_EQ(client.request("POST", "/v1/validate", broken).status, 200);
    a = client.request("GET", "/nowhere");
    EXPECT_EQ(a.status, 404);
    EXPECT_EQ(json_member(a.body, "code"), "SERVICE-NOT-FOUND");
    a = client.request("DELETE", "/v1/validate");
    EXPECT_EQ(a.status, 405);
    EXPECT_EQ(a.headers["allow"], "POST");
    a = client.request("POST", "/metrics", "x");
    EXPECT_EQ(a.status, 405);

    a = client.request("GET", "/metrics");
    ASSERT_EQ(a.status, 200);
    EXPECT_EQ(a.headers["content-type"].rfind("text/plain; version=0.0.4", 0), 0u);
    const std::string& m = a.body;
    EXPECT_EQ(metric(m, "istmo_http_requests_total{code=\"200\"}"), 4);  // healthz + 3 validations
    EXPECT_EQ(metric(m, "istmo_http_requests_total{code=\"404\"}"), 1);
    EXPECT_EQ(metric(m, "istmo_http_requests_total{code=\"405\"}"), 2);
    EXPECT_EQ(metric(m, "istmo_verdicts_total{indication=\"TOTAL_PASSED\"}"), 2);
    EXPECT_EQ(metric(m, "istmo_verdicts_total{indication=\"TOTAL_FAILED\"}"), 1);
    EXPECT_EQ(metric(m, "istmo_verdicts_total{indication=\"INDETERMINATE\"}"), 0);
    EXPECT_EQ(metric(m, "istmo_http_request_duration_seconds_count"), 7);
    EXPECT_EQ(metric(m, "istmo_http_request_duration_seconds_bucket{le=\"+Inf\"}"), 7);
    EXPECT_EQ(metric(m, "istmo_http_requests_in_flight"), 0);
    EXPECT_EQ(metric(m, "istmo_http_requests_rejected_total{reason=\"load\"}"), 0);
    EXPECT_EQ(metric(m, "istmo_http_connections_open"), 1);
    EXPECT_NE(m.find("# TYPE istmo_http_request_duration_seconds histogram"), std::string::npos);
    // The same counters without HTTP (the /metrics answer itself may or may not be counted yet).
    EXPECT_EQ(metric(server->metrics_text(), "istmo_verdicts_total{indication=\"TOTAL_PASSED\"}"), 2);
}

// ---- limits and malformed requests ---------------------------------------------------------------

TEST(ServiceServer, BodyTooLargeIs413AndCloses) {
    auto options = server_options();
    options.max_body_bytes = 4096;
    auto server = start(options);
    ASSERT_TRUE(server);
    Client client(server->port());
    const Answer a = client.request("POST", "/v1/validate", std::string(10000, '<'), "application/xml");
    EXPECT_EQ(a.status, 413);
    EXPECT_EQ(json_member(a.body, "code"), "SERVICE-BODY-TOO-LARGE");
    EXPECT_FALSE(a.keep_alive);
    EXPECT_TRUE(client.closed_by_server());
    // A base64 document larger than max_size is refused too, before it is validated.
    options = server_options();
    options.batch.max_size = 1000;
    auto small = start(options);
    Client other(small->port());
    const Answer b = other.request("POST", "/v1/validate", R"({"base64":")" + base64(std::string(3000, 'x')) + "\"}",
                                   "application/json");
    EXPECT_EQ(b.status, 413);
    EXPECT_EQ(json_member(b.body, "code"), "BATCH-TOO-LARGE");
}

TEST(ServiceServer, OverloadIs503WithRetryAfter) {
    auto options = server_options();
    options.jobs = 1;
    options.max_in_flight = 1;
    options.retry_after = std::chrono::seconds(7);
    auto server = start(options);
    ASSERT_TRUE(server);
    const std::string doc = signed_invoice(5);
    Answer held;
    {
        ValidationGate gate;
        std::thread first([&] {
            Client c(server->port());
            held = c.request("POST", "/v1/validate", doc);
        });
        gate.wait_for(1);
        Client second(server->port());
        Answer a = second.request("POST", "/v1/validate", doc);
        EXPECT_EQ(a.status, 503);
        EXPECT_EQ(a.headers["retry-after"], "7");
        EXPECT_EQ(json_member(a.body, "code"), "SERVICE-OVERLOADED");
        EXPECT_TRUE(a.keep_alive);  // the client may retry on the same connection
        const std::string m = second.request("GET", "/metrics").body;
        EXPECT_EQ(metric(m, "istmo_http_requests_in_flight"), 1);
        EXPECT_EQ(metric(m, "istmo_http_requests_rejected_total{reason=\"load\"}"), 1);
        gate.open();
        first.join();
    }
    EXPECT_EQ(held.status, 200);
    EXPECT_EQ(json_member(held.body, "indication"), "TOTAL_PASSED");
}

TEST(ServiceServer, MalformedRequestsAre400AndClose) {
    auto server = start(server_options());
    ASSERT_TRUE(server);
    for (const std::string& raw : {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
                                  std::string("POST /v1/validate HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
                                  std::string("POST /v1/validate HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
                                  std::string("GET /healthz HTTP/1.1\r\nX: ") + std::string(20000, 'a') + "\r\n\r\n"}) {
        Client client(server->port());
        client.write_raw(raw);
        const Answer a = client.read();
        EXPECT_EQ(a.status, 400) << raw.substr(0, 60);
        EXPECT_EQ(json_member(a.body, "code"), "SERVICE-BAD-REQUEST");
        EXPECT_TRUE(client.closed_by_server());
    }
    // A chunked body is fine.
    Client client(server->port());
    const std::string doc = signed_invoice(6);
    std::string chunked = "POST /v1/validate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::size_t half = doc.size() / 2;
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", half);
    chunked += size + doc.substr(0, half) + "\r\n";
    std::snprintf(size, sizeof size, "%zx\r\n", doc.size() - half);
    chunked += size + doc.substr(half) + "\r\n0\r\n\r\n";
    client.write_raw(chunked);
    const Answer a = client.read();
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(json_member(a.body, "indication"), "TOTAL_PASSED");
}

TEST(ServiceServer, SlowBodyIs408) {
    auto options = server_options();
    options.read_timeout = std::chrono::milliseconds(300);
    auto server = start(options);
    ASSERT_TRUE(server);
    Client client(server->port());
    client.write_raw("POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n<rFE");
    const Answer a = client.read();  // the server gives up on the rest of the body
    EXPECT_EQ(a.status, 408);
    EXPECT_EQ(json_member(a.body, "code"), "SERVICE-TIMEOUT");
}

// ---- keep-alive and draining --------------------------------------------------------------------

TEST(ServiceServer, KeepAliveServesManyRequestsOnOneConnection) {
    auto server = start(server_options());
    ASSERT_TRUE(server);
    Client client(server->port());
    for (int i = 0; i < 5; ++i) {
        const Answer a = client.request("POST", "/v1/validate", signed_invoice(10 + i));
        ASSERT_EQ(a.status, 200);
        EXPECT_TRUE(a.keep_alive);
    }
    const std::string m = client.request("GET", "/metrics").body;
    EXPECT_EQ(metric(m, "istmo_http_connections_open"), 1);
    // Connection: close is honoured.
    const Answer last = client.request("GET", "/healthz", {}, {}, false);
    EXPECT_EQ(last.status, 200);
    EXPECT_FALSE(last.keep_alive);
    EXPECT_TRUE(client.closed_by_server());
}

TEST(ServiceServer, StopDrainsInFlightRequestsAndClosesIdleOnes) {
    auto server = start(server_options());
    ASSERT_TRUE(server);
    const std::uint16_t port = server->port();
    Client idle(port);
    ASSERT_EQ(idle.request("GET", "/healthz").status, 200);
    const std::string doc = signed_invoice(20);
    Answer held;
    {
        ValidationGate gate;
        std::thread busy([&] {
            Client c(port);
            held = c.request("POST", "/v1/validate", doc);
        });
        gate.wait_for(1);
        server->stop();
        EXPECT_TRUE(idle.closed_by_server());  // the idle keep-alive connection is closed
        // No new connections once stopping (the listening socket is closed).
        boost::system::error_code ec;
        asio::io_context io;
        tcp::socket probe(io);
        for (int attempt = 0; attempt < 100 && !ec; ++attempt) {
            probe.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
            if (!ec) {
                probe.close();
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
        EXPECT_TRUE(ec) << "the server still accepts connections";
        gate.open();
        busy.join();
    }
    EXPECT_EQ(held.status, 200);  // the request in flight was answered...
    EXPECT_EQ(json_member(held.body, "indication"), "TOTAL_PASSED");
    EXPECT_FALSE(held.keep_alive);  // ...and told the connection ends
    server->wait();
}

TEST(ServiceServer, Https) {
    auto options = server_options();
    options.tls_cert_file = test::pki("rsa2048.cert.pem").string();
    options.tls_key_file = test::pki("rsa2048.key.pem").string();
    auto server = start(options);
    ASSERT_TRUE(server);
    asio::io_context io;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_verify_mode(asio::ssl::verify_none);  // the test certificate names no host
    beast::ssl_stream<tcp::socket> stream(io, ctx);
    stream.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
    stream.handshake(asio::ssl::stream_base::client);
    for (int i = 0; i < 2; ++i) {  // keep-alive over TLS
        http::request<http::string_body> req(http::verb::post, "/v1/validate", 11);
        req.set(http::field::host, "localhost");
        req.body() = signed_invoice(30 + i);
        req.prepare_payload();
        http::write(stream, req);
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        http::read(stream, buffer, res);
        EXPECT_EQ(res.result_int(), 200u);
        EXPECT_EQ(json_member(res.body(), "indication"), "TOTAL_PASSED");
    }
    // Only one of the two files is an error; so is a key that is not a key.
    options = server_options();
    options.tls_cert_file = test::pki("rsa2048.cert.pem").string();
    auto half = service::Server::start(options);
    ASSERT_FALSE(half.has_value());
    EXPECT_EQ(half.error().code, Errc::invalid_argument);
    options.tls_key_file = test::pki("rsa2048.cert.pem").string();
    auto wrong = service::Server::start(options);
    ASSERT_FALSE(wrong.has_value());
    EXPECT_EQ(wrong.error().code, Errc::key_error);
}

TEST(ServiceServer, BadListenAddresses) {
    for (const char* listen : {"", "127.0.0.1", "127.0.0.1:x", "127.0.0.1:70000", "nohost:80"}) {
        auto options = server_options();
        options.listen = listen;
        auto server = service::Server::start(options);
        ASSERT_FALSE(server.has_value()) << listen;
        EXPECT_EQ(server.error().code, Errc::invalid_argument) << listen;
    }
    auto first = start(server_options());
    ASSERT_TRUE(first);
    auto options = server_options();
    options.listen = "127.0.0.1:" + std::to_string(first->port());
    auto taken = service::Server::start(options);
    ASSERT_FALSE(taken.has_value());
    EXPECT_EQ(taken.error().code, Errc::io_error);
}

// ---- per-request options -----------------------------------------------------------------------

crypto::TrustStore revocation_ca_trust() {
    crypto::TrustStore t;
    EXPECT_TRUE(t.add_file((test::vectors_dir() / "revocation" / "ca.cert.pem").string()).has_value());
    return t;
}

// The service's verdict for `target` equals batch's with the options `adjust` makes from the server's.
void expect_as_batch(Client& client, const service::ServerOptions& server, const std::string& target,
                     const std::string& document, const std::function<void(batch::Options&)>& adjust,
                     batch::DocumentResult* out = nullptr) {
    batch::Options o = server.batch;
    adjust(o);
    const batch::DocumentResult expected = batch::Validator(o).validate("request", document);
    const Answer a = client.request("POST", target, document, "application/xml");
    ASSERT_EQ(a.status, 200) << target << ": " << a.body;
    auto got = batch::parse_result_line(a.body);
    ASSERT_TRUE(got.has_value()) << a.body;
    EXPECT_EQ(got->indication, expected.indication) << target;
    EXPECT_EQ(got->codes, expected.codes) << target;
    if (out != nullptr) *out = *got;
}

TEST(ServiceServer, PerRequestTrustSetRevocationAndLegacy) {
    auto options = server_options();
    options.batch.verify.trust = revocation_ca_trust();  // the default trusts nothing of the test PKI
    options.trust_sets["istmo"] = test_trust();
    options.trust_sets["other"] = revocation_ca_trust();
    auto server = start(options);
    ASSERT_TRUE(server);
    Client client(server->port());
    const std::string doc = signed_invoice(30);
    const auto istmo_trust = [](batch::Options& o) { o.verify.trust = test_trust(); };
    batch::DocumentResult r;

    // Trust: the operator's named sets only.
    expect_as_batch(client, options, "/v1/validate", doc, [](batch::Options&) {}, &r);
    EXPECT_NE(r.indication, report::Indication::total_passed);
    expect_as_batch(client, options, "/v1/validate?trust=istmo", doc, istmo_trust, &r);
    EXPECT_EQ(r.indication, report::Indication::total_passed);
    expect_as_batch(client, options, "/v1/validate?trust=other", doc, [](batch::Options&) {}, &r);
    EXPECT_NE(r.indication, report::Indication::total_passed);

    // Revocation policy: off says so (DSIG-CERT-REVOCATION-OFF).
    expect_as_batch(client, options, "/v1/validate?trust=istmo&revocation=off", doc, [&](batch::Options& o) {
        istmo_trust(o);
        o.verify.revocation = crypto::RevocationPolicy::off;
    }, &r);
    EXPECT_NE(std::find(r.codes.begin(), r.codes.end(), "DSIG-CERT-REVOCATION-OFF"), r.codes.end());
    expect_as_batch(client, options, "/v1/validate?trust=istmo&revocation=require", doc, [&](batch::Options& o) {
        istmo_trust(o);
        o.verify.revocation = crypto::RevocationPolicy::require;
    });

    // Legacy: a SHA-1 invoice passes only with legacy=true (and says FE-SIG-LEGACY).
    const std::string sha1 = test::read_file(test::vectors_dir() / "panama-fe" / "extra" / "legacy" / "01-factura-sha1.xml");
    batch::DocumentResult strict;
    expect_as_batch(client, options, "/v1/validate?trust=istmo&legacy=false&profile=panama-fe", sha1,
                    [&](batch::Options& o) {
                        istmo_trust(o);
                        o.profile = batch::Profile::panama_fe;
                    }, &strict);
    expect_as_batch(client, options, "/v1/validate?trust=istmo&legacy=true&profile=panama-fe", sha1,
                    [&](batch::Options& o) {
                        istmo_trust(o);
                        o.profile = batch::Profile::panama_fe;
                        o.legacy = true;
                    }, &r);
    EXPECT_NE(std::find(r.codes.begin(), r.codes.end(), "FE-SIG-LEGACY"), r.codes.end());
    EXPECT_NE(r.indication, strict.indication);

    // Unknown values are refused with a code, in both languages; nothing is validated.
    for (const auto& [target, code] : std::vector<std::pair<std::string, std::string>>{
             {"/v1/validate?revocation=hard", "SERVICE-UNKNOWN-REVOCATION"},
             {"/v1/validate?legacy=yes", "SERVICE-BAD-LEGACY"},
             {"/v1/validate?trust=nope", "SERVICE-UNKNOWN-TRUST-SET"},
             {"/v1/validate?trust=", "SERVICE-UNKNOWN-TRUST-SET"}}) {
        const Answer a = client.request("POST", target, doc, "application/xml");
        EXPECT_EQ(a.status, 400) << target;
        EXPECT_EQ(json_member(a.body, "code"), code) << target;
        EXPECT_FALSE(json_member(a.body, "message_es").empty()) << target;
    }
}

// A status source that knows nothing (every certificate not_checked, no code, nothing
// required: no policy of its own) and counts how often it is asked.
class BlankStatusSource final : public crypto::CertificateStatusSource {
public:
    crypto::CertificateStatus status(const crypto::Certificate&, const crypto::Certificate&, crypto::TimePoint) const override {
        ++asked;
        return {};
    }
    mutable std::atomic<int> asked{0};
};

// The embedder's status source says where statuses come from; the revocation policy (the
// request's ?revocation=, else the server's) still decides what their absence means.
TEST(ServiceServer, EmbeddersStatusSourceIsAskedUnderTheRequestsPolicy) {
    auto source = std::make_shared<BlankStatusSource>();
    auto options = server_options();
    options.batch.verify.status_source = source;
    options.batch.verify.revocation = crypto::RevocationPolicy::require;
    auto server = start(options);
    ASSERT_TRUE(server);
    Client client(server->port());
    const std::string doc = signed_invoice(35);
    const auto codes_of = [&](const std::string& target) {
        const Answer a = client.request("POST", target, doc, "application/xml");
        EXPECT_EQ(a.status, 200) << target << ": " << a.body;
        auto r = batch::parse_result_line(a.body);
        EXPECT_TRUE(r.has_value()) << a.body;
        return r ? *r : batch::DocumentResult{};
    };
    const auto has = [](const batch::DocumentResult& r, const std::string& code) {
        return std::find(r.codes.begin(), r.codes.end(), code) != r.codes.end();
    };

    // The server's policy (require): a status nobody gave is INDETERMINATE, and says why.
    batch::DocumentResult r = codes_of("/v1/validate");
    EXPECT_EQ(r.indication, report::Indication::indeterminate) << r.to_ndjson();
    EXPECT_TRUE(has(r, "DSIG-CERT-REVOCATION-UNKNOWN")) << r.to_ndjson();
    EXPECT_NE(r.to_ndjson().find("REV-UNAVAILABLE"), std::string::npos) << r.to_ndjson();
    const int asked = source->asked.load();
    EXPECT_GT(asked, 0);

    // auto: the test certificates publish no CRL or OCSP URL, so they pass on their validity,
    // with the warning that says so.
    r = codes_of("/v1/validate?revocation=auto");
    EXPECT_EQ(r.indication, report::Indication::total_passed) << r.to_ndjson();
    EXPECT_TRUE(has(r, "DSIG-CERT-REVOCATION-NOT-CHECKED")) << r.to_ndjson();
    EXPECT_GT(source->asked.load(), asked);

    // off: the source is not asked at all, and the verdict says nothing was checked.
    const int before_off = source->asked.load();
    r = codes_of("/v1/validate?revocation=off");
    EXPECT_EQ(r.indication, report::Indication::total_passed) << r.to_ndjson();
    EXPECT_TRUE(has(r, "DSIG-CERT-REVOCATION-OFF")) << r.to_ndjson();
    EXPECT_EQ(source->asked.load(), before_off);

    r = codes_of("/v1/validate?revocation=require&profile=panama-fe");
    EXPECT_EQ(r.indication, report::Indication::indeterminate) << r.to_ndjson();
}

// One CertificateValidator per trust set and policy, whatever the profile and legacy setting:
// the embedder's here, so that its cache can be looked at. The same signature checked through
// four validators (auto and panama-fe, each with legacy off and on) is one path built, then
// cache hits.
TEST(ServiceServer, OneCertificateValidatorForEveryProfileAndLegacySetting) {
    auto checker = crypto::RevocationChecker::create(crypto::RevocationOptions{});
    ASSERT_TRUE(checker.has_value());
    crypto::ValidatorOptions vo;
    vo.trust = test_trust();
    vo.status_source = *checker;
    const auto shared = std::make_shared<const crypto::CertificateValidator>(std::move(vo));
    auto options = server_options();
    options.batch.verify.certificate_validator = shared;
    auto server = start(options);
    ASSERT_TRUE(server);
    Client client(server->port());
    const std::string doc = signed_invoice(36);
    int requests = 0;
    // (Not xmldsig: an rFE's QR element lies outside its signature.)
    for (const std::string target : {"/v1/validate", "/v1/validate?profile=panama-fe", "/v1/validate?legacy=true",
                                     "/v1/validate?profile=panama-fe&legacy=true", "/v1/validate?profile=auto&legacy=false"}) {
        const Answer a = client.request("POST", target, doc, "application/xml");
        EXPECT_EQ(a.status, 200) << target;
        EXPECT_EQ(json_member(a.body, "indication"), "TOTAL_PASSED") << target << ": " << a.body;
        ++requests;
    }
    const auto stats = shared->cache_stats();
    EXPECT_EQ(stats.path_misses, 1u);
    EXPECT_EQ(stats.path_hits, static_cast<std::uint64_t>(requests - 1));
}

TEST(ServiceServer, TrustSetsNeedANameAndCertificates) {
    auto options = server_options();
    options.trust_sets["empty"] = crypto::TrustStore();
    auto refused = service::Server::start(options);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, Errc::invalid_argument);
}

// The per-request budget counts the wait for a validation thread: a request still waiting when
// its budget is spent is answered 503 SERVICE-TIME-BUDGET-EXCEEDED without being checked; one
// whose wait and checks together went past it is never TOTAL_PASSED. The sleep below only makes
// sure the budget has passed (a lower bound); nothing asserts how long anything took.
TEST(ServiceServer, TimeBudgetCountsTheWaitForAThread) {
    auto options = server_options();
    options.jobs = 1;
    options.batch.time_budget = std::chrono::milliseconds(2000);
    auto server = start(options);
    ASSERT_TRUE(server);
    const std::uint16_t port = server->port();
    Answer held;
    Answer queued;
    {
        ValidationGate gate;
        std::thread first([&] {
            Client c(port);
            held = c.request("POST", "/v1/validate", signed_invoice(40));
        });
        gate.wait_for(1);
        std::thread second([&] {
            Client c(port);
            queued = c.request("POST", "/v1/validate", signed_invoice(41));
        });
        Client probe(port);
        while (metric(probe.request("GET", "/metrics").body, "istmo_http_requests_in_flight") < 2)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        std::this_thread::sleep_for(std::chrono::milliseconds(2100));
        gate.open();
        first.join();
        second.join();
        const std::string m = probe.request("GET", "/metrics").body;
        EXPECT_EQ(metric(m, "istmo_http_requests_rejected_total{reason=\"time_budget\"}"), 1);
        EXPECT_EQ(metric(m, "istmo_http_requests_in_flight"), 0);
    }
    EXPECT_EQ(queued.status, 503) << queued.body;
    EXPECT_EQ(json_member(queued.body, "code"), "SERVICE-TIME-BUDGET-EXCEEDED");
    EXPECT_EQ(queued.headers["retry-after"], "1");
    ASSERT_EQ(held.status, 200) << held.body;
    auto result = batch::parse_result_line(held.body);
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->indication, report::Indication::indeterminate);
    EXPECT_NE(std::find(result->codes.begin(), result->codes.end(), "BATCH-TIME-BUDGET-EXCEEDED"), result->codes.end());
}

TEST(ServiceRequest, QueryAndRoutes) {
    using service::detail::Route;
    EXPECT_EQ(service::detail::route("POST", "/v1/validate?profile=xades"), Route::validate);
    EXPECT_EQ(service::detail::route("GET", "/v1/validate"), Route::method_not_allowed);
    EXPECT_EQ(service::detail::route("GET", "/healthz"), Route::healthz);
    EXPECT_EQ(service::detail::route("GET", "/metrics?x"), Route::metrics);
    EXPECT_EQ(service::detail::route("GET", "/v1/validate/"), Route::not_found);
    auto q = service::detail::parse_query("source=a%20b+c&profile=auto&&x");
    ASSERT_TRUE(q.has_value());
    ASSERT_EQ(q->size(), 3u);
    EXPECT_EQ((*q)[0].value, "a b c");
    EXPECT_EQ((*q)[2].name, "x");
    EXPECT_FALSE(service::detail::parse_query("a=%4").has_value());
    EXPECT_FALSE(service::detail::parse_query("a=%zz").has_value());
}

// ---- the CLI -------------------------------------------------------------------------------------

TEST(ServiceCli, ServeAnswersAndStopsOnSigterm) {
    ISTMO_SKIP_WITHOUT_CLI();
    test::TempDir dir;
    const std::string log = (dir / "serve.log").string();
    const std::string cli = test::cli_path();
    const std::string trust = test::pki("chain.pem").string();
    std::vector<std::string> words{cli, "serve", "--listen", "127.0.0.1:0", "--jobs", "1", "--trust", trust, "--lang", "en"};
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, cli.c_str(), &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    // The port, from the first line on stderr (generous wait: a loaded machine).
    int port = 0;
    for (int i = 0; i < 1200 && port == 0; ++i) {
        std::smatch m;
        const std::string text = test::read_file(log);
        static const std::regex line("listening on port ([0-9]+)");
        if (std::regex_search(text, m, line)) port = std::stoi(m[1]);
        else std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (port == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        FAIL() << "no port in: " << test::read_file(log);
    }
    {
        Client client(static_cast<std::uint16_t>(port));
        const Answer a = client.request("POST", "/v1/validate", signed_invoice(40));
        EXPECT_EQ(a.status, 200);
        EXPECT_EQ(json_member(a.body, "indication"), "TOTAL_PASSED");
        ::kill(pid, SIGTERM);
        EXPECT_TRUE(client.closed_by_server());
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_NE(test::read_file(log).find("stopped"), std::string::npos);
}

}  // namespace
