#include "test_support/simulator_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>

extern char** environ;

namespace istmo::test {

SimulatorProcess::SimulatorProcess(std::vector<std::string> extra) {
    const std::string cli = cli_path();
    if (cli.empty()) {
        m_why = "the istmo CLI is not built";
        return;
    }
    if (!have_tool("openssl")) {
        m_why = "the openssl CLI is not installed";
        return;
    }
    const auto made = run_command(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
        shell_quote(m_dir / "server.key") + " -out " + shell_quote(m_dir / "server.pem") + " 2>&1");
    if (made.exit_code != 0) {
        m_why = "openssl could not make the server certificate: " + made.output;
        return;
    }
    std::vector<std::string> words{cli, "dgi", "simulate", "--listen", "127.0.0.1:0", "--tls-cert", server_cert(),
                                   "--tls-key", (m_dir / "server.key").string(), "--client-ca", pki("chain.pem").string(),
                                   "--trust", pki("chain.pem").string(), "--lang", "en"};
    words.insert(words.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    const std::string log_path = (m_dir / "simulate.log").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int spawned = posix_spawn(&m_pid, cli.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        m_pid = -1;
        m_why = "posix_spawn failed";
        return;
    }
    // The port from its stderr (a generous wait: a loaded machine); gone early: it failed.
    static const std::regex line("listening on port ([0-9]+)");
    for (int i = 0; i < 1200 && m_port == 0; ++i) {
        std::smatch m;
        const std::string text = log();
        if (std::regex_search(text, m, line)) {
            m_port = std::stoi(m[1]);
            break;
        }
        if (::waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
            m_pid = -1;
            m_why = "istmo dgi simulate exited: " + text;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (m_port == 0) m_why = "no port in: " + log();
}

int SimulatorProcess::stop() {
    if (m_pid <= 0) return -1;
    ::kill(m_pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 1200; ++i) {  // up to a minute
        if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_pid = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
    m_pid = -1;
    return -1;
}

SimulatorProcess::~SimulatorProcess() { (void)stop(); }

}  // namespace istmo::test
