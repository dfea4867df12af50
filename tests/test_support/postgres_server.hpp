#pragma once
// A throw-away PostgreSQL server for the tests: initdb in a temporary directory, pg_ctl start on
// 127.0.0.1 at a free port (trust authentication, fsync off), stopped and removed by the
// destructor. PostgreSQL refuses to run as root: when the tests run as root (CI), the server runs
// as the user `postgres` (or `nobody`) through runuser.
//
//   ISTMO_SKIP_WITHOUT_POSTGRES();               // Not Run without initdb/pg_ctl
//   istmo::test::PostgresServer pg;
//   pg.url()                                     // "postgresql://istmo@127.0.0.1:PORT/postgres"
#include "test_support/server_launcher.hpp"

#include <string>

namespace istmo::test {

class PostgresServer {
public:
    // The directory with initdb and pg_ctl (/usr/lib/postgresql/<newest>/bin), "" when none.
    static std::string bin_dir();
    // Throws std::runtime_error when the server does not start.
    PostgresServer();
    ~PostgresServer();
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;
    [[nodiscard]] const std::string& url() const noexcept { return m_url; }

private:
    std::string as_server_user(const std::string& command) const;
    ServerDirectory m_dir{"istmo-pg"};  // removed after the destructor stopped the server
    std::string m_bin;
    std::string m_user;  // "" when not root
    std::string m_url;
};

}  // namespace istmo::test

#define ISTMO_SKIP_WITHOUT_POSTGRES()                                                           \
    do {                                                                                        \
        if (::istmo::test::PostgresServer::bin_dir().empty())                                   \
            GTEST_SKIP() << "PostgreSQL server binaries (initdb, pg_ctl) are not installed";    \
    } while (0)
