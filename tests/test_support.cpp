#include "test_support.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace istmo::test {

std::filesystem::path source_dir() { return ISTMO_SOURCE_DIR; }
std::filesystem::path vectors_dir() { return source_dir() / "test-vectors"; }

std::optional<std::filesystem::path> shared_reference_dir() {
    if (const char* env = std::getenv("ISTMO_SHARED_DIR")) {
        std::filesystem::path p = std::filesystem::path(env) / "reference";
        if (std::filesystem::is_directory(p)) return p;
        return std::nullopt;
    }
    std::filesystem::path p = source_dir().parent_path() / "shared" / "reference";
    if (std::filesystem::is_directory(p)) return p;
    return std::nullopt;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
    std::string s = read_file(path);
    return {s.begin(), s.end()};
}

void write_file(const std::filesystem::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

TempDir::TempDir() {
    std::random_device rd;
    auto base = std::filesystem::temp_directory_path();
    for (int i = 0; i < 100; ++i) {
        auto candidate = base / ("istmo-test-" + std::to_string(rd()));
        if (std::filesystem::create_directory(candidate)) {
            m_path = candidate;
            return;
        }
    }
    throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

CommandResult run_command(const std::string& command_line) {
    CommandResult result;
    std::string full = command_line + " 2>&1";
    FILE* pipe = popen(full.c_str(), "r");
    if (!pipe) return result;
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
    int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

bool have_tool(const std::string& name) {
    return run_command("command -v " + name + " >/dev/null").exit_code == 0;
}

const std::string& python3() {
    static const std::string chosen = ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    return chosen;
}

std::string python_with(const std::string& modules) {
    for (const std::string& candidate : {python3(), std::string("python3")})
        if (run_command(candidate + " -c 'import " + modules + "' 2>/dev/null").exit_code == 0) return candidate;
    return {};
}

std::vector<std::vector<std::string>> vector_table_rows(const std::string& markdown) {
    auto clean = [](std::string cell) {
        const auto first = cell.find_first_not_of(" \t\r");
        if (first == std::string::npos) return std::string();
        cell = cell.substr(first, cell.find_last_not_of(" \t\r") - first + 1);
        if (cell.size() >= 2 && cell.front() == '`' && cell.back() == '`') cell = cell.substr(1, cell.size() - 2);
        return cell;
    };
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(markdown);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("| `", 0) != 0) continue;
        std::vector<std::string> cells;
        std::size_t start = 1;
        for (std::size_t bar = line.find('|', start); bar != std::string::npos; bar = line.find('|', start)) {
            cells.push_back(clean(line.substr(start, bar - start)));
            start = bar + 1;
        }
        rows.push_back(std::move(cells));
    }
    return rows;
}

crypto::PrivateKey pki_key(const std::string& name) {
    auto key = crypto::PrivateKey::from_file(pki(name + ".key.pem").string());
    EXPECT_TRUE(key.has_value()) << name << ": " << (key ? "" : key.error().to_string());
    if (!key) throw std::runtime_error("cannot load test key " + name);
    return *key;
}

crypto::Certificate pki_cert(const std::string& name) {
    auto cert = crypto::Certificate::from_file(pki(name + ".cert.pem").string());
    EXPECT_TRUE(cert.has_value()) << name << ": " << (cert ? "" : cert.error().to_string());
    if (!cert) throw std::runtime_error("cannot load test certificate " + name);
    return *cert;
}

crypto::TrustStore pki_root_store() {
    crypto::TrustStore store;
    EXPECT_TRUE(store.add_file(pki("ca.cert.pem").string()).has_value());
    return store;
}

bool has_code(const dsig::VerificationReport& report, const std::string& code) {
    for (const auto& finding : report.findings)
        if (finding.code == code) return true;
    return false;
}

std::string codes(const dsig::VerificationReport& report) {
    std::string out;
    for (const auto& finding : report.findings) out += finding.code + " (" + finding.message + ") ";
    return out;
}

std::string shell_quote(const std::string& word) {
    std::string out = "'";
    for (char c : word) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

std::string shell_quote(const std::filesystem::path& path) { return shell_quote(path.string()); }

std::string cli_path() { return ISTMO_CLI_PATH; }

CommandResult run_cli(const std::string& arguments) { return run_command(shell_quote(cli_path()) + " " + arguments); }

std::filesystem::path pki(const std::string& name) { return vectors_dir() / "pki" / name; }

report::Indication verify_with_test_pki(const std::string& xml) {
    dsig::VerifyOptions options;
    EXPECT_TRUE(options.trust.add_file(pki("ca.cert.pem").string()).has_value());
    auto all = crypto::Certificate::all_from_file(pki("intermediate.cert.pem").string());
    if (all) options.extra_certificates = *all;
    auto report = dsig::Verifier(std::move(options)).verify(xml);
    EXPECT_TRUE(report.has_value());
    return report && !report->signatures.empty() ? report->indication : report::Indication::total_failed;
}

void expect_xmlsec1_verifies(const std::string& signed_xml, const std::string& name) {
    if (!have_tool("xmlsec1")) {
        ADD_FAILURE() << "xmlsec1 is not installed: the independent check did not run";
        return;
    }
    const auto file = std::filesystem::temp_directory_path() /
                      ("istmo-xmlsec1-" + std::to_string(::getpid()) + "-" + name + ".xml");
    write_file(file, signed_xml);
    const auto r = run_command("xmlsec1 --verify --trusted-pem " + shell_quote(pki("ca.cert.pem")) + " --untrusted-pem " +
                               shell_quote(pki("intermediate.cert.pem")) + " " + shell_quote(file) + " 2>&1");
    std::filesystem::remove(file);
    EXPECT_TRUE(r.exit_code == 0 && r.output.find("OK") != std::string::npos) << name << ": " << r.output << "\n"
                                                                               << signed_xml;
}

std::string pki_key_args(const std::string& stem, const std::string& chain) {
    return "--key " + shell_quote(pki(stem + ".key.pem")) + " --cert " + shell_quote(pki(stem + ".cert.pem")) +
           " --chain " + shell_quote(pki(chain));
}

}  // namespace istmo::test
