#include "test_support.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>

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

}  // namespace istmo::test
