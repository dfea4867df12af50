#pragma once
// Helpers shared by the tests: paths to the source tree and to ../shared/, file I/O,
// running external tools.
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

}  // namespace istmo::test
