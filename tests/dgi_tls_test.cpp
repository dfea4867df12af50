// The transmission certificate as TLS client certificate, end to end: a loopback HTTPS server
// (OpenSSL, a server certificate made with the openssl CLI for 127.0.0.1) that requires a client
// certificate from the test PKI answers feConsRucDV; the dgi::Client reaches it with the
// certificate as PKCS#12 and as PEM files, and is refused without one.
#include <istmo/invoice/dgi.hpp>

#include "internal/c_ptr.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace istmo;
using namespace istmo::invoice::panama::dgi;

using SslCtxPtr = internal::CPtr<SSL_CTX, SSL_CTX_free>;
using SslPtr = internal::CPtr<SSL, SSL_free>;

// One connection at a time on 127.0.0.1:port; each answered with a feConsRucDV answer naming the
// client certificate's subject, or closed when the handshake fails.
class TlsServer {
public:
    TlsServer(const std::string& cert, const std::string& key, const std::string& client_cas) {
        m_ctx.reset(SSL_CTX_new(TLS_server_method()));
        if (!m_ctx || SSL_CTX_use_certificate_chain_file(m_ctx.get(), cert.c_str()) != 1 ||
            SSL_CTX_use_PrivateKey_file(m_ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_load_verify_locations(m_ctx.get(), client_cas.c_str(), nullptr) != 1)
            throw std::runtime_error("TlsServer: cannot set up the TLS context");
        SSL_CTX_set_verify(m_ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(m_listen, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 || ::listen(m_listen, 16) != 0 ||
            ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&address), &length) != 0)
            throw std::runtime_error("TlsServer: cannot listen");
        m_port = ntohs(address.sin_port);
        m_thread = std::thread([this] { loop(); });
    }
    ~TlsServer() {
        m_stop = true;
        m_thread.join();
        ::close(m_listen);
    }
    [[nodiscard]] std::string base_url() const { return "https://127.0.0.1:" + std::to_string(m_port); }
    [[nodiscard]] std::vector<std::string> subjects() const {
        std::lock_guard lock(m_mutex);
        return m_subjects;
    }

private:
    void serve(int fd) {
        timeval timeout{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        SslPtr ssl(SSL_new(m_ctx.get()));
        SSL_set_fd(ssl.get(), fd);
        if (SSL_accept(ssl.get()) != 1) {
            ERR_clear_error();
            return;
        }
        std::string data;
        char buffer[8192];
        while (data.find("</soap:Envelope>") == std::string::npos) {
            const int n = SSL_read(ssl.get(), buffer, sizeof buffer);
            if (n <= 0) return;
            data.append(buffer, static_cast<std::size_t>(n));
        }
        std::string subject;
        if (X509* peer = SSL_get0_peer_certificate(ssl.get())) {
            char line[256];
            X509_NAME_oneline(X509_get_subject_name(peer), line, sizeof line);
            subject = line;
        }
        {
            std::lock_guard lock(m_mutex);
            m_subjects.push_back(subject);
        }
        const std::string body =
            "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><rRetEnviConsRucDV><iAmb>2</iAmb>"
            "<dRuc>155704849-2-2021</dRuc><dDV>32</dDV><dNomb>TLS</dNomb></rRetEnviConsRucDV></s:Body></s:Envelope>";
        const std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nContent-Length: " +
                                   std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
        SSL_write(ssl.get(), answer.data(), static_cast<int>(answer.size()));
        SSL_shutdown(ssl.get());
    }
    void loop() {
        while (!m_stop) {
            pollfd watched{m_listen, POLLIN, 0};
            if (::poll(&watched, 1, 20) <= 0) continue;
            const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            serve(fd);
            ::close(fd);
        }
    }

    SslCtxPtr m_ctx;
    int m_listen = -1;
    int m_port = 0;
    std::atomic<bool> m_stop{false};
    mutable std::mutex m_mutex;
    std::vector<std::string> m_subjects;
    std::thread m_thread;
};

TEST(DgiTls, TransmissionCertificateAsPkcs12AndPem) {
    if (!test::have_tool("openssl")) GTEST_SKIP() << "the openssl CLI is not installed: the TLS test did not run";
    test::TempDir dir;
    const auto made = test::run_command(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
        test::shell_quote(dir / "server.key") + " -out " + test::shell_quote(dir / "server.pem"));
    ASSERT_EQ(made.exit_code, 0) << made.output;
    TlsServer server((dir / "server.pem").string(), (dir / "server.key").string(), test::pki("chain.pem").string());

    ClientOptions options;
    options.environment = Environment::test;
    options.base_url = server.base_url();
    options.http.ca_file = (dir / "server.pem").string();
    options.http.retries = 0;
    options.http.client_p12_file = test::pki("rsa2048.p12").string();
    options.http.client_key_password = "istmo-test-pass";
    auto p12 = Client::create(options);
    ASSERT_TRUE(p12) << p12.error().message;
    auto r = p12->ruc("155704849-2-2021", 2);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->outcome, Outcome::found);
    EXPECT_EQ(r->dv, "32");

    options.http.client_p12_file.clear();
    options.http.client_key_password.clear();
    options.http.client_cert_file = test::pki("rsa2048.cert.pem").string();
    options.http.client_key_file = test::pki("rsa2048.key.pem").string();
    auto pem = Client::create(options);
    ASSERT_TRUE(pem) << pem.error().message;
    auto r2 = pem->ruc("155704849-2-2021", 2);
    ASSERT_TRUE(r2) << r2.error().message;
    EXPECT_EQ(r2->outcome, Outcome::found);

    // Without a client certificate the server refuses the handshake.
    options.http.client_cert_file.clear();
    options.http.client_key_file.clear();
    auto none = Client::create(options);
    ASSERT_TRUE(none);
    auto refused = none->ruc("155704849-2-2021", 2);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::unavailable);

    const auto subjects = server.subjects();
    ASSERT_EQ(subjects.size(), 2u);
    for (const auto& s : subjects) EXPECT_NE(s.find("Istmo Test rsa2048"), std::string::npos) << s;
}

}  // namespace
