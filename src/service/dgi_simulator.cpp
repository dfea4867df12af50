// The DGI simulator's network: a listening socket, one thread per connection (joined, never
// detached: LeakSanitizer would otherwise see OpenSSL's thread state of a thread still exiting),
// HTTPS with a required client certificate (OpenSSL on blocking sockets, so the receive and send
// timeouts of the socket bound every read and write) or plain HTTP when asked for explicitly.
#include <istmo/service/dgi_simulator.hpp>

#include "crypto/native.hpp"
#include "internal/c_ptr.hpp"
#include "service/dgi_simulator_logic.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <exception>
#include <list>
#include <thread>

namespace istmo::service {

namespace {

using SslCtxPtr = internal::CPtr<SSL_CTX, SSL_CTX_free>;
using SslPtr = internal::CPtr<SSL, SSL_free>;
using AddrInfoPtr = internal::CPtr<addrinfo, freeaddrinfo>;

constexpr std::size_t k_max_connections = 512;

Result<SslCtxPtr> tls_context(const DgiSimulatorOptions& o) {
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) return make_error(Errc::crypto_error, "cannot create a TLS context");
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), o.tls_cert_file.c_str()) != 1) {
        return Error{Errc::certificate_error, "the simulator's TLS certificate cannot be used: " + o.tls_cert_file, crypto::drain_openssl_errors(), 0, 0};
    }
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), o.tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx.get()) != 1) {
        return Error{Errc::key_error, "the simulator's TLS key cannot be used with its certificate: " + o.tls_key_file, crypto::drain_openssl_errors(), 0, 0};
    }
    if (SSL_CTX_load_verify_locations(ctx.get(), o.client_ca_file.c_str(), nullptr) != 1) {
        return Error{Errc::certificate_error, "the client CA file cannot be read: " + o.client_ca_file, crypto::drain_openssl_errors(), 0, 0};
    }
    // The DGI asks the PAC for its transmission certificate: no certificate, no connection.
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    return ctx;
}

Result<int> listen_on(const std::string& text, std::uint16_t& port) {
    const auto bad = [&] {
        return make_error(Errc::invalid_argument, "listen address must be ADDR:PORT, e.g. 127.0.0.1:8443: '" + text + "'");
    };
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size() || text.size() - colon > 6) return bad();
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const std::string service = text.substr(colon + 1);
    for (const char c : service)
        if (c < '0' || c > '9') return bad();
    if (std::stoul(service) > 65535) return bad();
    addrinfo hints{};
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* raw = nullptr;
    if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &raw) != 0 || !raw) return bad();
    AddrInfoPtr found(raw);
    const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return make_error(Errc::io_error, "socket() failed");
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, 256) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
        ::close(fd);
        return make_error(Errc::io_error, "cannot listen on " + text);
    }
    port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port
                                             : reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
    return fd;
}

// One connection's bytes, over TLS or not.
class Channel {
public:
    Channel(int fd, SSL* ssl) : m_fd(fd), m_ssl(ssl) {}
    long read(char* buffer, std::size_t size) {
        if (m_ssl) return SSL_read(m_ssl, buffer, static_cast<int>(size));
        return ::recv(m_fd, buffer, size, 0);
    }
    void write(const std::string& data) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            const long n = m_ssl ? SSL_write(m_ssl, data.data() + sent, static_cast<int>(data.size() - sent))
                                 : ::send(m_fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return;
            sent += static_cast<std::size_t>(n);
        }
    }

private:
    int m_fd;
    SSL* m_ssl;
};

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return text;
}

// Reads one request (head and Content-Length body); false when it did not come whole.
bool read_request(Channel& channel, std::size_t limit, std::string& head, std::string& body) {
    std::string data;
    char buffer[16384];
    std::size_t header_end = std::string::npos;
    std::size_t body_size = 0;
    while (header_end == std::string::npos || data.size() < header_end + 4 + body_size) {
        const long n = channel.read(buffer, sizeof buffer);
        if (n <= 0 || data.size() > limit) return false;
        data.append(buffer, static_cast<std::size_t>(n));
        if (header_end != std::string::npos || (header_end = data.find("\r\n\r\n")) == std::string::npos) continue;
        const std::string lower_head = lower(data.substr(0, header_end + 2));
        const auto at = lower_head.find("\r\ncontent-length:");
        if (at == std::string::npos) break;
        std::size_t i = at + 17;
        while (i < lower_head.size() && lower_head[i] == ' ') ++i;
        for (; i < lower_head.size() && lower_head[i] >= '0' && lower_head[i] <= '9'; ++i) {
            body_size = body_size * 10 + static_cast<std::size_t>(lower_head[i] - '0');
            if (body_size > limit) return false;
        }
    }
    head = data.substr(0, header_end + 2);
    body = data.substr(header_end + 4, body_size);
    return true;
}

}  // namespace

struct DgiSimulator::Impl {
    struct Connection {
        std::thread thread;
        std::atomic<bool> done{false};
    };

    DgiSimulatorOptions options;
    detail::DgiSimulatorLogic logic;
    SslCtxPtr tls;
    int listen_fd = -1;
    std::uint16_t port = 0;
    std::atomic<bool> stopping{false};
    std::thread acceptor;
    std::list<std::unique_ptr<Connection>> connections;  // the acceptor thread's only

    explicit Impl(DgiSimulatorOptions o) : options(std::move(o)), logic(options) {}

    void log(const std::string& line) const {
        if (options.log) options.log(line);
    }

    void serve(int fd) {
        timeval timeout{static_cast<time_t>(options.receive_timeout.count()), 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        SslPtr ssl;
        if (tls) {
            ssl.reset(SSL_new(tls.get()));
            if (!ssl || SSL_set_fd(ssl.get(), fd) != 1 || SSL_accept(ssl.get()) != 1) {
                log("SIMULATOR/SIMULADOR (not the DGI / no es la DGI): TLS handshake refused (no or untrusted client certificate?) " +
                    crypto::drain_openssl_errors());
                return;
            }
        }
        Channel channel(fd, ssl.get());
        std::string head, body;
        if (!read_request(channel, options.max_request_bytes, head, body)) return;
        const detail::SimulatorReply reply = logic.answer(head, body);
        log(reply.log_line);
        if (!reply.http.empty()) channel.write(reply.http);
        if (ssl) SSL_shutdown(ssl.get());
        ERR_clear_error();
    }

    void reap(bool all) {
        for (auto it = connections.begin(); it != connections.end();) {
            if (all || (*it)->done) {
                (*it)->thread.join();
                it = connections.erase(it);
            } else {
                ++it;
            }
        }
    }

    void accept_loop() {
        while (!stopping) {
            reap(false);
            pollfd watched{listen_fd, POLLIN, 0};
            if (::poll(&watched, 1, 50) <= 0) continue;
            const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            if (connections.size() >= k_max_connections) {  // one thread each: bounded
                log("SIMULATOR/SIMULADOR (not the DGI / no es la DGI): too many connections, one closed unanswered");
                ::close(fd);
                continue;
            }
            auto connection = std::make_unique<Connection>();
            Connection* raw = connection.get();
            raw->thread = std::thread([this, fd, raw] {
                try {
                    serve(fd);
                } catch (const std::exception& e) {  // never let one request end the process
                    log(std::string("SIMULATOR/SIMULADOR (not the DGI / no es la DGI): internal error: ") + e.what());
                }
                ::shutdown(fd, SHUT_RDWR);
                ::close(fd);
                raw->done = true;
            });
            connections.push_back(std::move(connection));
        }
        reap(true);
    }
};

std::string DgiSimulator::banner() {
    return "*** istmo DGI SIMULATOR: this is NOT the DGI. Nothing sent here is authorised, registered or has fiscal value. ***\n"
           "*** SIMULADOR de la DGI de istmo: esto NO es la DGI. Nada de lo enviado aquí queda autorizado, registrado ni tiene "
           "valor fiscal. ***";
}

Result<std::unique_ptr<DgiSimulator>> DgiSimulator::start(DgiSimulatorOptions options) {
    const bool some_tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty() || !options.client_ca_file.empty();
    const bool all_tls = !options.tls_cert_file.empty() && !options.tls_key_file.empty() && !options.client_ca_file.empty();
    if (options.insecure_http && some_tls)
        return make_error(Errc::invalid_argument, "plain HTTP was asked for together with TLS files: choose one");
    if (!options.insecure_http && !all_tls)
        return make_error(Errc::invalid_argument,
                          "the simulator serves HTTPS with a client-certificate check: give the TLS certificate, its key and "
                          "the client CA file (plain HTTP only when asked for explicitly)");
    if (options.fault_every < 1) return make_error(Errc::invalid_argument, "the fault interval must be 1 or more");
    if (options.error_status < 400 || options.error_status > 599)
        return make_error(Errc::invalid_argument, "the HTTP error status must be 400 to 599");
    if (options.reject_code.size() != 4 || options.reject_code.find_first_not_of("0123456789") != std::string::npos)
        return make_error(Errc::invalid_argument, "the rejection code must be 4 digits");
    if (options.receive_timeout.count() < 1) options.receive_timeout = std::chrono::seconds(1);
    auto impl = std::make_unique<Impl>(std::move(options));
    if (all_tls) {
        auto ctx = tls_context(impl->options);
        if (!ctx) return std::move(ctx).error();
        impl->tls = std::move(*ctx);
    }
    auto fd = listen_on(impl->options.listen, impl->port);
    if (!fd) return std::move(fd).error();
    impl->listen_fd = *fd;
    Impl* raw = impl.get();
    impl->acceptor = std::thread([raw] { raw->accept_loop(); });
    return std::unique_ptr<DgiSimulator>(new DgiSimulator(std::move(impl)));
}

DgiSimulator::DgiSimulator(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

DgiSimulator::~DgiSimulator() { stop(); }

void DgiSimulator::stop() noexcept {
    if (!m_impl || m_impl->stopping.exchange(true)) return;
    m_impl->logic.release();
    if (m_impl->acceptor.joinable()) m_impl->acceptor.join();
    ::close(m_impl->listen_fd);
}

std::uint16_t DgiSimulator::port() const noexcept { return m_impl->port; }

std::string DgiSimulator::base_url() const {
    std::string host = m_impl->options.listen.substr(0, m_impl->options.listen.rfind(':'));
    if (host == "0.0.0.0") host = "127.0.0.1";
    if (host == "[::]") host = "[::1]";
    return std::string(m_impl->tls ? "https://" : "http://") + host + ":" + std::to_string(m_impl->port);
}

void DgiSimulator::script(std::vector<DgiFault> faults) { m_impl->logic.script(std::move(faults)); }
int DgiSimulator::requests(std::string_view service) const { return m_impl->logic.requests(service); }
int DgiSimulator::authorisations(std::string_view cufe) const { return m_impl->logic.authorisations(cufe); }
std::vector<std::string> DgiSimulator::seen_heads() const { return m_impl->logic.seen_heads(); }

}  // namespace istmo::service
