#include "test_support/server_launcher.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace istmo::test {

int free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

ServerDirectory::ServerDirectory(const std::string& prefix) {
    std::string pattern = "/tmp/" + prefix + "-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    m_path = buffer.data();
}

ServerDirectory::~ServerDirectory() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

bool start_and_wait(int attempts, std::chrono::milliseconds pause, const std::function<bool()>& attempt) {
    for (int i = 0; i < attempts; ++i) {
        if (i != 0) std::this_thread::sleep_for(pause);
        if (attempt()) return true;
    }
    return false;
}

}  // namespace istmo::test
