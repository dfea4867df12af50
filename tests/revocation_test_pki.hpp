#pragma once
// The revocation tests' PKI: made once per test process by tests/revocation/make_pki.sh with
// the openssl CLI (a test is skipped, ctest "Not Run", when openssl is missing), plus the
// openssl cross-checks.
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace istmo::test {

class RevocationPki : public ::testing::Test {
public:
    static const std::filesystem::path& dir() { return state().pki; }
    static std::filesystem::path file(const std::string& name) { return dir() / name; }
    static crypto::Certificate cert(const std::string& name) {
        auto& cache = state().certs;
        auto it = cache.find(name);
        if (it == cache.end()) {
            auto loaded = crypto::Certificate::from_file(file(name + ".pem").string());
            if (!loaded) throw std::runtime_error("cannot load " + name + ": " + loaded.error().to_string());
            it = cache.emplace(name, *loaded).first;
        }
        return it->second;
    }
    static crypto::TrustStore root_store() {
        crypto::TrustStore store;
        store.add(cert("root"));
        return store;
    }
    // `openssl verify -crl_check` of a leaf with the CA's current CRL: true when it verifies.
    static bool openssl_verify_crl(const std::string& leaf) {
        const auto r = run_command("openssl verify -crl_check -CAfile " + shell_quote(file("root.pem")) + " -untrusted " +
                                   shell_quote(file("ca.pem")) + " -CRLfile " + shell_quote(file("ca.crl.pem")) + " " +
                                   shell_quote(file(leaf + ".pem")));
        return r.exit_code == 0;
    }
    // The status `openssl ocsp -respin` reports for a leaf in a response ("good", "revoked",
    // "unknown"), or "" when it refuses the response.
    static std::string openssl_ocsp_status(const std::string& response, const std::string& leaf,
                                           const std::string& digest = "-sha256") {
        const auto r = run_command("openssl ocsp -respin " + shell_quote(file(response + ".ocsp")) + " -issuer " +
                                   shell_quote(file("ca.pem")) + " -CAfile " + shell_quote(file("chain.pem")) + " " +
                                   digest + " -cert " + shell_quote(file(leaf + ".pem")) + " -no_nonce");
        if (r.output.find("Response verify OK") == std::string::npos) return {};
        for (const char* s : {"good", "revoked", "unknown"}) {
            if (r.output.find(leaf + ".pem: " + s) != std::string::npos) return s;
        }
        return {};
    }

protected:
    void SetUp() override {
        if (!state().ready) GTEST_SKIP() << "the openssl CLI could not make the test PKI: did not run";
    }

private:
    struct State {
        std::unique_ptr<TempDir> dir;
        std::filesystem::path pki;
        bool ready = false;
        std::map<std::string, crypto::Certificate> certs;
    };
    // One PKI per build tree and UTC day (its CRLs and OCSP responses last 7 days), shared by
    // the test processes ctest starts: made in a private directory, then renamed into place
    // (the first rename wins; a loser removes its copy).
    static State& state() {
        static State s = [] {
            State made;
            made.dir = std::make_unique<TempDir>();
            const std::time_t now = std::time(nullptr);
            const auto day = std::to_string(now / 86400);
            const std::string script = read_file(source_dir() / "tests/revocation/make_pki.sh");
            const auto root = std::filesystem::path(ISTMO_BINARY_DIR) / "revocation-pki";
            made.pki = root / (std::to_string(std::hash<std::string>{}(script)) + "-" + day);
            if (std::filesystem::exists(made.pki / "done")) {
                made.ready = true;
                return made;
            }
            if (!have_tool("openssl")) return made;
            const auto mine = made.dir->path() / "pki";
            const auto r = run_command("bash " + shell_quote(source_dir() / "tests/revocation/make_pki.sh") + " " +
                                       shell_quote(mine) + " && touch " + shell_quote(mine / "done"));
            if (r.exit_code != 0) return made;
            std::error_code ec;
            std::filesystem::create_directories(root, ec);
            std::filesystem::rename(mine, made.pki, ec);
            made.ready = std::filesystem::exists(made.pki / "done");
            return made;
        }();
        return s;
    }
};

}  // namespace istmo::test
