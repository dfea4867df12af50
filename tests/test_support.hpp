#pragma once
// Helpers shared by the tests: paths to the source tree and to ../shared/, file I/O,
// running external tools.
#include <istmo/crypto/keys.hpp>
#include <istmo/dsig/verify.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace istmo::test {

std::filesystem::path source_dir();
std::filesystem::path vectors_dir();  // <source>/test-vectors
// ../shared/reference next to the checkout, or std::nullopt when absent (a user's machine).
std::optional<std::filesystem::path> shared_reference_dir();

std::string read_file(const std::filesystem::path& path);
std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& content);

// A fresh temporary directory, removed by the destructor.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::string& name) const { return m_path / name; }
private:
    std::filesystem::path m_path;
};

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};
// Runs a shell command line, capturing stdout+stderr.
CommandResult run_command(const std::string& command_line);
// True when an executable is on PATH.
bool have_tool(const std::string& name);
// The python3 to run: the distribution's (/usr/bin/python3) when it exists, else the one on PATH.
// Debian's is the one with the python3-* packages the tests need (lxml, xmlsec), and it starts in
// ~0.1 s where a version manager's shim first on PATH (pyenv) takes ~1.2 s per start.
const std::string& python3();
// A python3 (the distribution's first) that can import every module in `modules` (comma-
// separated, as in an import statement), or empty when none can.
std::string python_with(const std::string& modules);

// ---- vector tables and signing helpers ----------------------------------------------------

// The rows of the Markdown tables in `markdown` that describe a vector file: the lines that
// start with "| `". Each cell is trimmed of spaces and of enclosing backquotes, so the first one
// is the file name. Used by every README-driven vector test.
std::vector<std::vector<std::string>> vector_table_rows(const std::string& markdown);

// The PEM key / certificate <name>.key.pem / <name>.cert.pem of the test PKI (a test failure
// when it does not load).
crypto::PrivateKey pki_key(const std::string& name);
crypto::Certificate pki_cert(const std::string& name);
// A trust store holding the test PKI's root (ca.cert.pem).
crypto::TrustStore pki_root_store();
// True when a report holds a finding with this code.
bool has_code(const dsig::VerificationReport& report, const std::string& code);
// "CODE (message) CODE (message) ..." of a report, for test failure messages.
std::string codes(const dsig::VerificationReport& report);
// istmo's verdict on a document signed by the test PKI (root anchor, intermediate as untrusted);
// total_failed when the report has no signature.
report::Indication verify_with_test_pki(const std::string& xml);
// The independent check: `xmlsec1 --verify` with the test PKI accepts the document (a test
// failure, never a skip, when xmlsec1 is missing: scripts/install-deps.sh installs it).
void expect_xmlsec1_verifies(const std::string& signed_xml, const std::string& name);

// ---- the istmo CLI -----------------------------------------------------------------------

// Single-quotes a word for /bin/sh.
std::string shell_quote(const std::string& word);
std::string shell_quote(const std::filesystem::path& path);
// The istmo CLI of this build, or "" when it is not part of it (ISTMO_BUILD_EXAMPLES=OFF).
std::string cli_path();
// Runs the CLI with arguments already quoted for /bin/sh; stdout and stderr together.
CommandResult run_cli(const std::string& arguments);
// A file of the test PKI (test-vectors/pki).
std::filesystem::path pki(const std::string& name);
// "--key <stem>.key.pem --cert <stem>.cert.pem --chain <chain>" of the test PKI, quoted.
std::string pki_key_args(const std::string& stem, const std::string& chain = "chain.pem");

// Skips a test (ctest: Not Run) when the CLI is not built.
#define ISTMO_SKIP_WITHOUT_CLI()                                                              \
    do {                                                                                      \
        if (::istmo::test::cli_path().empty())                                                \
            GTEST_SKIP() << "the istmo CLI target (istmo_cli) is not part of this build "     \
                            "(ISTMO_BUILD_EXAMPLES=OFF?)";                                    \
    } while (false)

}  // namespace istmo::test
