// crypto::load_pkcs12: the key, its certificate and the chain of a .p12, checked against what
// the openssl CLI reads from the same file.
#include <istmo/crypto/keys.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace {

using namespace istmo;

const std::string p12_path = test::pki("rsa2048.p12").string();

crypto::Secret test_password() { return crypto::Secret("istmo-test-pass"); }

// The SHA-256 fingerprints (lower-case hex, no colons) of the certificates `openssl pkcs12`
// finds in the file, in file order.
std::vector<std::string> openssl_fingerprints() {
    const test::TempDir dir;
    // Split the PEM output into one file per certificate, then fingerprint each.
    const std::string command = "cd " + test::shell_quote(dir.path()) + " && openssl pkcs12 -in " +
                                test::shell_quote(p12_path) +
                                " -passin pass:istmo-test-pass -nokeys 2>/dev/null | "
                                "awk '/BEGIN CERT/{n++} n>0{print > (\"cert-\" n \".pem\")}' && "
                                "for f in cert-*.pem; do openssl x509 -in \"$f\" -noout -fingerprint -sha256; done";
    const test::CommandResult r = test::run_command(command);
    std::vector<std::string> out;
    std::string line;
    for (std::size_t start = 0; start < r.output.size();) {
        const std::size_t end = r.output.find('\n', start);
        line = r.output.substr(start, end == std::string::npos ? std::string::npos : end - start);
        start = end == std::string::npos ? r.output.size() : end + 1;
        const auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        std::string hex;
        for (char c : line.substr(eq + 1))
            if (c != ':') hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.push_back(hex);
    }
    return out;
}

TEST(Pkcs12, GivesKeyCertificateAndChainAsOpensslReadsThem) {
    if (!test::have_tool("openssl")) GTEST_SKIP() << "no openssl CLI: did not run";
    const crypto::Secret password = test_password();
    auto contents = crypto::load_pkcs12_file(p12_path, &password);
    ASSERT_TRUE(contents.has_value()) << contents.error().to_string();
    ASSERT_TRUE(contents->certificate.has_value());
    EXPECT_TRUE(contents->certificate->matches(contents->key));
    EXPECT_EQ(contents->certificate->sha256_hex(), test::pki_cert("rsa2048").sha256_hex());

    const auto expected = openssl_fingerprints();
    ASSERT_EQ(expected.size(), 3u) << "signer, intermediate and root";
    std::vector<std::string> ours{contents->certificate->sha256_hex()};
    for (const auto& cert : contents->chain) ours.push_back(cert.sha256_hex());
    std::vector<std::string> sorted_expected = expected;
    std::sort(ours.begin(), ours.end());
    std::sort(sorted_expected.begin(), sorted_expected.end());
    EXPECT_EQ(ours, sorted_expected);
}

TEST(Pkcs12, PasswordErrorsAndOtherFormats) {
    const crypto::Secret wrong("not-the-password");
    auto bad = crypto::load_pkcs12_file(p12_path, &wrong);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code, Errc::bad_password);
    auto none = crypto::load_pkcs12_file(p12_path);
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code, Errc::bad_password);
    // A PEM key is not PKCS#12: parse_error, so a caller can try another format.
    auto pem = crypto::load_pkcs12_file(test::pki("rsa2048.key.pem").string());
    ASSERT_FALSE(pem.has_value());
    EXPECT_EQ(pem.error().code, Errc::parse_error);
    auto missing = crypto::load_pkcs12_file(test::pki("does-not-exist.p12").string());
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, Errc::not_found);
    const std::vector<std::uint8_t> garbage{0x30, 0x03, 0x02, 0x01};
    EXPECT_FALSE(crypto::load_pkcs12(garbage).has_value());
}

}  // namespace
