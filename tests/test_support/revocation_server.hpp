#pragma once
// The loopback CRL + OCSP server of tests/servers/ for GoogleTest: starts
// revocation_server.py (a subprocess) on a 127.0.0.1 port, puts the PKI of
// make_revocation_pki.sh for that port into the folder it serves (so every certificate's CRL and
// OCSP URLs point at it), and stops the server in its destructor. The PKI is made once per port
// and kept in the build tree for the day (revocation_server.cpp, "slots"), so that the test
// processes ctest starts one after another do not each run openssl some 60 times. What each file is:
// tests/servers/README.md.
//
//   ISTMO_SKIP_WITHOUT_REVOCATION_SERVER();          // Not Run without python3 / openssl
//   istmo::test::RevocationServer server;
//   server.file("good.cert.pem")                     // DIR/good.cert.pem
//   server.url("/ca.crl")                            // "http://127.0.0.1:PORT/ca.crl"
//   server.fault_url("slow=3", "/ocsp/ca")           // "http://127.0.0.1:PORT/_fault/slow=3/ocsp/ca"
//   server.set_mode("http500", "/ca.crl");           // every later request to /ca.crl
//   server.count("/ca.crl")                          // requests that path got
#include "test_support.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace istmo::test {

class RevocationServer {
public:
    // Throws std::runtime_error when the server does not start or the PKI is not generated.
    RevocationServer();
    ~RevocationServer();
    RevocationServer(const RevocationServer&) = delete;
    RevocationServer& operator=(const RevocationServer&) = delete;

    // Why the fixture cannot run here (python3 or openssl missing), or nullopt.
    static std::optional<std::string> unavailable_reason();

    [[nodiscard]] int port() const noexcept { return m_port; }
    [[nodiscard]] const std::filesystem::path& dir() const noexcept { return m_dir.path(); }
    [[nodiscard]] std::filesystem::path file(const std::string& name) const { return m_dir.path() / name; }
    // "http://127.0.0.1:PORT" + path (path starts with '/').
    [[nodiscard]] std::string url(std::string_view path) const;
    // The URL of path with a one-request fault mode: ".../_fault/<mode><path>".
    [[nodiscard]] std::string fault_url(std::string_view mode, std::string_view path) const;
    // The URLs the certificates of CA `ca` carry ("ca", "root", "revca", "other").
    [[nodiscard]] std::string crl_url(std::string_view ca) const { return url("/" + std::string(ca) + ".crl"); }
    [[nodiscard]] std::string ocsp_url(std::string_view ca) const { return url("/ocsp/" + std::string(ca)); }

    // Control requests (plain sockets, not istmo's client). An empty path: every path.
    void set_mode(std::string_view mode, std::string_view path = {}) const;
    void reset() const;  // every mode and count cleared
    [[nodiscard]] long count(std::string_view path) const;
    // Requests to every path starting with prefix (e.g. "/ocsp/ca", OCSP GETs included).
    [[nodiscard]] long count_prefix(std::string_view prefix) const;

    // The serial number (upper-case hex) of good / revoked / unknown / revca-leaf.
    [[nodiscard]] std::string serial(const std::string& stem) const;

    // Stops the server now (SIGTERM; SIGKILL after 5 s): later requests are refused. Returns its
    // exit status (0: it stopped cleanly), -1 when it was already stopped or had to be killed.
    int stop() noexcept;

private:
    std::string control(std::string_view method, std::string_view target, std::string_view body) const;
    bool start_server(int port);
    void take_slot();
    bool serve_kept_pki();
    void keep_pki() const;

    TempDir m_dir;
    pid_t m_pid = -1;
    int m_stdout = -1;
    int m_port = 0;
    int m_slot_lock = -1;          // flock'ed while this server runs; -1 without a slot
    std::filesystem::path m_slot;  // the kept PKI this process may use and replace
};

// Skips a test (ctest: Not Run) when python3 or openssl is not installed.
#define ISTMO_SKIP_WITHOUT_REVOCATION_SERVER()                                                \
    do {                                                                                      \
        if (auto why = ::istmo::test::RevocationServer::unavailable_reason())                \
            GTEST_SKIP() << *why;                                                             \
    } while (false)

}  // namespace istmo::test
