// Tests of the crypto module against the test PKI in test-vectors/pki (made by
// scripts/make-test-pki.sh) and, where an independent implementation helps, the openssl CLI.
#include "crypto/native.hpp"
#include "test_support.hpp"

#include <istmo/crypto/keys.hpp>

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/err.h>

#include <algorithm>
#include <cstdlib>
#include <cctype>
#include <ctime>
#include <iomanip>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

namespace istmo::crypto {
namespace {

namespace fs = std::filesystem;
using istmo::test::read_bytes;
using istmo::test::read_file;
using istmo::test::run_command;
using istmo::test::TempDir;
using istmo::test::write_file;

fs::path pki() { return istmo::test::vectors_dir() / "pki"; }
std::string pki_file(const std::string& name) { return (pki() / name).string(); }
std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

Bytes to_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

Secret password() { return Secret("istmo-test-pass"); }

TimePoint utc(int year, int month, int day) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

bool have_openssl() { return istmo::test::have_tool("openssl"); }

// The value after "key=" in the one-line output of `openssl x509 -noout -KEY`.
std::string cli_field(const std::string& cert, const std::string& options) {
    auto r = run_command("openssl x509 -noout -in " + quote(cert) + " " + options);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::string out = r.output;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    const auto eq = out.find('=');
    return eq == std::string::npos ? out : out.substr(eq + 1);
}

std::string hex_to_decimal(const std::string& hex) {
    std::vector<int> digits{0};  // little-endian decimal digits
    for (char c : hex) {
        int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::toupper(c) - 'A' + 10;
        int carry = v;
        for (int& d : digits) {
            const int x = d * 16 + carry;
            d = x % 10;
            carry = x / 10;
        }
        while (carry > 0) {
            digits.push_back(carry % 10);
            carry /= 10;
        }
    }
    std::string out;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) out.push_back(static_cast<char>('0' + *it));
    const auto first = out.find_first_not_of('0');
    return first == std::string::npos ? "0" : out.substr(first);
}

Certificate load_cert(const std::string& name) {
    auto cert = Certificate::from_file(pki_file(name + ".cert.pem"));
    EXPECT_TRUE(cert) << (cert ? "" : cert.error().to_string());
    return std::move(cert).value();
}

PrivateKey load_key(const std::string& name) {
    auto key = PrivateKey::from_file(pki_file(name + ".key.pem"));
    EXPECT_TRUE(key) << (key ? "" : key.error().to_string());
    return std::move(key).value();
}

#define EXPECT_ERRC(result, errc)                                                          \
    do {                                                                                   \
        const auto& r_ = (result);                                                         \
        ASSERT_FALSE(r_.has_value());                                                      \
        EXPECT_EQ(r_.error().code, (errc)) << r_.error().to_string();                      \
        EXPECT_EQ(ERR_peek_error(), 0UL) << "OpenSSL error queue not drained";             \
    } while (0)

// ---- keys ------------------------------------------------------------------------------

struct KeyCase {
    std::string name;
    KeyType type;
    int bits;
    std::string curve;
};

void PrintTo(const KeyCase& c, std::ostream* os) { *os << c.name; }

const std::vector<KeyCase>& key_cases() {
    static const std::vector<KeyCase> cases = {
        {"rsa2048", KeyType::rsa, 2048, ""},       {"rsa3072", KeyType::rsa, 3072, ""},
        {"rsa4096", KeyType::rsa, 4096, ""},       {"ec-p256", KeyType::ec, 256, "P-256"},
        {"ec-p384", KeyType::ec, 384, "P-384"},    {"ec-p521", KeyType::ec, 521, "P-521"},
        {"ed25519", KeyType::ed25519, 256, ""},    {"nonrep-only", KeyType::rsa, 2048, ""},
        {"expired", KeyType::rsa, 2048, ""},       {"not-yet-valid", KeyType::rsa, 2048, ""},
        {"tsa-only", KeyType::rsa, 2048, ""},      {"untrusted", KeyType::rsa, 2048, ""},
    };
    return cases;
}

std::string case_name(const testing::TestParamInfo<KeyCase>& info) {
    std::string n = info.param.name;
    std::replace(n.begin(), n.end(), '-', '_');
    return n;
}

class CryptoKeyLoad : public testing::TestWithParam<KeyCase> {};

TEST_P(CryptoKeyLoad, PemKeyMatchesItsCertificate) {
    const KeyCase& c = GetParam();
    auto key = PrivateKey::from_file(pki_file(c.name + ".key.pem"));
    ASSERT_TRUE(key) << key.error().to_string();
    EXPECT_EQ(key->type(), c.type);
    EXPECT_EQ(key->bits(), c.bits);
    EXPECT_EQ(key->curve(), c.curve);
    const Certificate cert = load_cert(c.name);
    EXPECT_TRUE(cert.matches(*key));
    EXPECT_EQ(cert.key_type(), c.type);
    EXPECT_EQ(cert.key_bits(), c.bits);
    EXPECT_EQ(key_type_of(get0_public_key(cert)), c.type);
    EXPECT_EQ(curve_of(get0_public_key(cert)), c.curve);
    EXPECT_FALSE(load_cert(c.name == "rsa2048" ? "rsa3072" : "rsa2048").matches(*key));
    EXPECT_EQ(ERR_peek_error(), 0UL);
}

TEST_P(CryptoKeyLoad, TraditionalAndDerFormsFromTheCli) {
    if (!have_openssl()) GTEST_SKIP() << "openssl CLI not available";
    const KeyCase& c = GetParam();
    TempDir dir;
    const auto src = pki() / (c.name + ".key.pem");
    // Traditional PEM exists for RSA and EC only; Ed25519 has PKCS#8 only.
    struct Form { std::string file, args; };
    std::vector<Form> forms = {{"k.p8.der", "pkey -outform DER"}};
    if (c.type != KeyType::ed25519) {
        forms.push_back({"k.trad.pem", "pkey -traditional"});
        forms.push_back({"k.trad.der", "pkey -traditional -outform DER"});
    }
    for (const Form& f : forms) {
        auto r = run_command("openssl " + f.args + " -in " + quote(src) + " -out " + quote(dir / f.file));
        ASSERT_EQ(r.exit_code, 0) << r.output;
        auto key = PrivateKey::from_file((dir / f.file).string());
        ASSERT_TRUE(key) << f.file << ": " << key.error().to_string();
        EXPECT_EQ(key->type(), c.type) << f.file;
        EXPECT_TRUE(load_cert(c.name).matches(*key)) << f.file;
    }
    if (c.type != KeyType::ed25519) {
        const std::string head = read_file(dir / "k.trad.pem").substr(0, 40);
        EXPECT_TRUE(head.find("RSA PRIVATE KEY") != std::string::npos ||
                    head.find("EC PRIVATE KEY") != std::string::npos) << head;
    }
}

INSTANTIATE_TEST_SUITE_P(CryptoPki, CryptoKeyLoad, testing::ValuesIn(key_cases()), case_name);

TEST(CryptoKeys, EncryptedPemNeedsTheRightPassword) {
    const std::string path = pki_file("rsa2048.key.enc.pem");
    ASSERT_NE(read_file(path).find("ENCRYPTED PRIVATE KEY"), std::string::npos);
    auto pass = Secret::from_file(pki_file("password.txt"));
    ASSERT_TRUE(pass) << pass.error().to_string();
    EXPECT_EQ(pass->view(), "istmo-test-pass");

    auto key = PrivateKey::from_file(path, &*pass);
    ASSERT_TRUE(key) << key.error().to_string();
    EXPECT_TRUE(load_cert("rsa2048").matches(*key));

    const Secret wrong("not-the-password");
    EXPECT_ERRC(PrivateKey::from_file(path, &wrong), Errc::bad_password);
    EXPECT_ERRC(PrivateKey::from_file(path), Errc::bad_password);  // never prompts
    const Secret empty;
    EXPECT_ERRC(PrivateKey::from_file(path, &empty), Errc::bad_password);
}

TEST(CryptoCertificates, FarFutureNotAfterSaturatesInsteadOfOverflowing) {
    // RFC 5280 4.1.2.5: 99991231235959Z means "no well-defined expiration"; the clock counts
    // nanoseconds and ends in 2262, so such a date must become TimePoint::max(), not overflow.
    if (!have_openssl()) GTEST_SKIP() << "openssl CLI not available";
    TempDir dir;
    auto r = run_command("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=far -days 2900000 -keyout " +
                         quote(dir / "far.key") + " -out " + quote(dir / "far.pem"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto cert = Certificate::from_file((dir / "far.pem").string());
    ASSERT_TRUE(cert) << cert.error().to_string();
    EXPECT_EQ(cert->not_after(), TimePoint::max());
    EXPECT_LT(cert->not_before(), std::chrono::system_clock::now() + std::chrono::hours(1));
}

TEST(CryptoKeys, PasswordsNeverAppearInErrors) {
    // Neither the wrong password given nor the right one may show up in an error message or its
    // cause (which carries OpenSSL's error queue).
    const Secret wrong("Wr0ng-S3cret-Value");
    for (const char* file : {"rsa2048.key.enc.pem", "rsa2048.p12"}) {
        auto key = PrivateKey::from_file(pki_file(file), &wrong);
        ASSERT_FALSE(key) << file;
        const std::string text = key.error().to_string();
        EXPECT_EQ(text.find("Wr0ng-S3cret-Value"), std::string::npos) << file << ": " << text;
        EXPECT_EQ(text.find("istmo-test-pass"), std::string::npos) << file << ": " << text;
    }
}

TEST(CryptoKeys, EncryptedTraditionalPemAndEncryptedDer) {
    if (!have_openssl()) GTEST_SKIP() << "openssl CLI not available";
    TempDir dir;
    const auto src = pki() / "ec-p384.key.pem";
    auto r = run_command("openssl ec -aes256 -passout pass:istmo-test-pass -in " + quote(src) + " -out " +
                         quote(dir / "trad.enc.pem"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_NE(read_file(dir / "trad.enc.pem").find("Proc-Type: 4,ENCRYPTED"), std::string::npos);
    r = run_command("openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:istmo-test-pass -outform DER -in " +
                    quote(src) + " -out " + quote(dir / "p8.enc.der"));
    ASSERT_EQ(r.exit_code, 0) << r.output;

    const Secret pass = password();
    const Secret wrong("nope");
    for (const char* file : {"trad.enc.pem", "p8.enc.der"}) {
        const std::string path = (dir / file).string();
        auto key = PrivateKey::from_file(path, &pass);
        ASSERT_TRUE(key) << file << ": " << key.error().to_string();
        EXPECT_EQ(key->curve(), "P-384");
        EXPECT_ERRC(PrivateKey::from_file(path, &wrong), Errc::bad_password);
        EXPECT_ERRC(PrivateKey::from_file(path), Errc::bad_password);
    }
}

TEST(CryptoKeys, DerPkcs8) {
    auto key = PrivateKey::from_file(pki_file("rsa2048.key.der"));
    ASSERT_TRUE(key) << key.error().to_string();
    EXPECT_EQ(key->bits(), 2048);
    EXPECT_TRUE(load_cert("rsa2048").matches(*key));
    // A password given for an unencrypted key is simply not used.
    const Secret pass = password();
    EXPECT_TRUE(PrivateKey::from_file(pki_file("rsa2048.key.der"), &pass));
}

TEST(CryptoKeys, Pkcs12) {
    const Secret pass = password();
    auto key = PrivateKey::from_file(pki_file("rsa2048.p12"), &pass);
    ASSERT_TRUE(key) << key.error().to_string();
    EXPECT_TRUE(load_cert("rsa2048").matches(*key));
    const Secret wrong("wrong");
    EXPECT_ERRC(PrivateKey::from_file(pki_file("rsa2048.p12"), &wrong), Errc::bad_password);
    EXPECT_ERRC(PrivateKey::from_file(pki_file("rsa2048.p12")), Errc::bad_password);
}

TEST(CryptoKeys, RefusedKeys) {
    auto small = PrivateKey::from_file(pki_file("rsa1024.key.pem"));
    EXPECT_ERRC(small, Errc::key_error);
    EXPECT_NE(small.error().message.find("1024"), std::string::npos) << small.error().message;
    auto k1 = PrivateKey::from_file(pki_file("ec-secp256k1.key.pem"));
    EXPECT_ERRC(k1, Errc::key_error);
    EXPECT_NE(k1.error().message.find("secp256k1"), std::string::npos) << k1.error().message;

    if (have_openssl()) {
        TempDir dir;
        auto r = run_command("openssl genpkey -algorithm ED448 -out " + quote(dir / "ed448.pem"));
        ASSERT_EQ(r.exit_code, 0) << r.output;
        EXPECT_ERRC(PrivateKey::from_file((dir / "ed448.pem").string()), Errc::key_error);
    }
}

TEST(CryptoKeys, GarbageAndMissing) {
    EXPECT_ERRC(PrivateKey::from_memory(Bytes{}), Errc::parse_error);
    EXPECT_ERRC(PrivateKey::from_memory(to_bytes("hello, world")), Errc::parse_error);
    EXPECT_ERRC(PrivateKey::from_memory(to_bytes("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")),
                Errc::parse_error);
    Bytes der = read_bytes(pki() / "rsa2048.key.der");
    der.resize(der.size() / 2);
    EXPECT_ERRC(PrivateKey::from_memory(der), Errc::parse_error);
    std::mt19937 rng(42);
    for (int i = 0; i < 50; ++i) {
        Bytes junk(static_cast<std::size_t>(i * 7 + 1));
        for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
        EXPECT_FALSE(PrivateKey::from_memory(junk));
        EXPECT_EQ(ERR_peek_error(), 0UL);
    }
    // A certificate is not a private key.
    EXPECT_ERRC(PrivateKey::from_file(pki_file("rsa2048.cert.pem")), Errc::parse_error);
    EXPECT_ERRC(PrivateKey::from_file(pki_file("no-such-file.pem")), Errc::not_found);
}

TEST(CryptoKeys, Names) {
    EXPECT_EQ(key_type_name(KeyType::rsa), "rsa");
    EXPECT_EQ(key_type_name(KeyType::rsa_pss), "rsa-pss");
    EXPECT_EQ(key_type_name(KeyType::ec), "ec");
    EXPECT_EQ(key_type_name(KeyType::ed25519), "ed25519");
    EXPECT_EQ(key_type_name(KeyType::other), "other");
    EXPECT_EQ(path_status_name(PathStatus::valid), "valid");
    EXPECT_EQ(path_status_name(PathStatus::no_chain), "no_chain");
    EXPECT_EQ(path_status_name(PathStatus::bad_key_usage), "bad_key_usage");
}

// ---- secrets ---------------------------------------------------------------------------

TEST(CryptoSecret, FromFileEnvCopyMove) {
    TempDir dir;
    write_file(dir / "crlf.txt", "s3cret\r\nsecond line\n");
    auto s = Secret::from_file((dir / "crlf.txt").string());
    ASSERT_TRUE(s);
    EXPECT_EQ(s->view(), "s3cret");
    write_file(dir / "noeol.txt", "abc");
    EXPECT_EQ(Secret::from_file((dir / "noeol.txt").string())->view(), "abc");
    write_file(dir / "empty.txt", "");
    EXPECT_TRUE(Secret::from_file((dir / "empty.txt").string())->empty());
    EXPECT_ERRC(Secret::from_file((dir / "missing.txt").string()), Errc::not_found);

    ::setenv("ISTMO_CRYPTO_TEST_SECRET", "from-env", 1);
    EXPECT_EQ(Secret::from_env("ISTMO_CRYPTO_TEST_SECRET")->view(), "from-env");
    ::unsetenv("ISTMO_CRYPTO_TEST_SECRET");
    EXPECT_ERRC(Secret::from_env("ISTMO_CRYPTO_TEST_SECRET"), Errc::not_found);

    Secret a("short");
    Secret b(a);
    EXPECT_EQ(b.view(), "short");
    Secret c(std::move(a));
    EXPECT_EQ(c.view(), "short");
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): wiped on move
    Secret d("a much longer secret that does not fit the small string buffer");
    Secret e;
    e = std::move(d);
    EXPECT_TRUE(d.empty());  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(e.view(), "a much longer secret that does not fit the small string buffer");
    e = b;
    EXPECT_EQ(e.view(), "short");
}

// ---- certificates ----------------------------------------------------------------------

class CryptoCertificate : public testing::TestWithParam<std::string> {};

std::string cert_case_name(const testing::TestParamInfo<std::string>& param_info) {
    std::string n = param_info.param;
    std::replace(n.begin(), n.end(), '-', '_');
    return n;
}

TEST_P(CryptoCertificate, FieldsMatchTheOpensslCli) {
    if (!have_openssl()) GTEST_SKIP() << "openssl CLI not available";
    const std::string path = pki_file(GetParam() + ".cert.pem");
    auto cert = Certificate::from_file(path);
    ASSERT_TRUE(cert) << cert.error().to_string();
    EXPECT_EQ(cert->subject(), cli_field(path, "-subject -nameopt RFC2253,-esc_msb"));
    EXPECT_EQ(cert->issuer(), cli_field(path, "-issuer -nameopt RFC2253,-esc_msb"));
    const std::string serial = cli_field(path, "-serial");
    EXPECT_EQ(cert->serial_hex(), serial);
    EXPECT_EQ(cert->serial_decimal(), hex_to_decimal(serial));
    std::string fp = cli_field(path, "-fingerprint -sha256");
    fp.erase(std::remove(fp.begin(), fp.end(), ':'), fp.end());
    std::transform(fp.begin(), fp.end(), fp.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    EXPECT_EQ(cert->sha256_hex(), fp);
    // Dates: `-dateopt iso_8601` gives "2025-01-01 00:00:00Z".
    auto iso = [](const std::string& text) {
        std::tm tm{};
        std::istringstream in(text);
        in >> std::get_time(&tm, "%Y-%m-%d %H:%M:%S");
        return std::chrono::system_clock::from_time_t(timegm(&tm));
    };
    EXPECT_EQ(cert->not_before(), iso(cli_field(path, "-startdate -dateopt iso_8601")));
    EXPECT_EQ(cert->not_after(), iso(cli_field(path, "-enddate -dateopt iso_8601")));
}

INSTANTIATE_TEST_SUITE_P(CryptoPki, CryptoCertificate,
                         testing::Values("ca", "intermediate", "rsa2048", "ec-p521", "ed25519", "expired",
                                         "not-yet-valid", "untrusted"),
                         cert_case_name);

TEST(CryptoCertificate, KnownFields) {
    const Certificate leaf = load_cert("rsa2048");
    EXPECT_EQ(leaf.subject(), "CN=Istmo Test rsa2048,OU=Signers,O=Istmo Test,C=PA");
    EXPECT_EQ(leaf.issuer(), "CN=Istmo Test Intermediate CA,O=Istmo Test,C=PA");
    EXPECT_EQ(leaf.not_before(), utc(2025, 1, 1));
    EXPECT_EQ(leaf.not_after(), utc(2045, 1, 1));
    const Certificate root = load_cert("ca");
    EXPECT_EQ(root.not_after(), utc(2050, 1, 1));  // GeneralizedTime
    EXPECT_EQ(root.subject(), root.issuer());
    EXPECT_EQ(load_cert("expired").not_after(), utc(2021, 1, 1));
}

TEST(CryptoCertificate, DerPemAndBundles) {
    const Bytes der = read_bytes(pki() / "rsa2048.cert.der");
    auto from_der = Certificate::from_der(der);
    ASSERT_TRUE(from_der) << from_der.error().to_string();
    EXPECT_EQ(from_der->der(), der);
    auto from_pem = Certificate::from_pem(read_file(pki() / "rsa2048.cert.pem"));
    ASSERT_TRUE(from_pem);
    EXPECT_EQ(from_pem->der(), der);
    auto from_file = Certificate::from_file(pki_file("rsa2048.cert.der"));
    ASSERT_TRUE(from_file);
    EXPECT_EQ(from_file->sha256_hex(), from_der->sha256_hex());

    Bytes trailing = der;
    trailing.push_back(0);
    EXPECT_ERRC(Certificate::from_der(trailing), Errc::parse_error);
    EXPECT_ERRC(Certificate::from_der(Bytes(der.begin(), der.begin() + 100)), Errc::parse_error);
    EXPECT_ERRC(Certificate::from_der(Bytes{}), Errc::parse_error);
    EXPECT_ERRC(Certificate::from_pem("no pem here"), Errc::parse_error);
    EXPECT_ERRC(Certificate::from_file(pki_file("nothing.pem")), Errc::not_found);
    EXPECT_ERRC(Certificate::all_from_file(pki_file("rsa2048.key.pem")), Errc::parse_error);

    auto chain = Certificate::all_from_file(pki_file("chain.pem"));
    ASSERT_TRUE(chain) << chain.error().to_string();
    ASSERT_EQ(chain->size(), 2u);
    EXPECT_EQ((*chain)[0].der(), load_cert("intermediate").der());
    EXPECT_EQ((*chain)[1].der(), load_cert("ca").der());
    auto single = Certificate::all_from_memory(der);
    ASSERT_TRUE(single);
    EXPECT_EQ(single->size(), 1u);
}

TEST(CryptoCertificate, NegativeSerial) {
    if (!have_openssl()) GTEST_SKIP() << "openssl CLI not available";
    TempDir dir;
    auto r = run_command("openssl req -x509 -new -key " + quote(pki() / "rsa2048.key.pem") +
                         " -subj /CN=negative -days 2 -set_serial -4660 -out " + quote(dir / "neg.pem"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto cert = Certificate::from_file((dir / "neg.pem").string());
    ASSERT_TRUE(cert) << cert.error().to_string();
    EXPECT_EQ(cert->serial_decimal(), "-4660");
    EXPECT_EQ(cert->serial_hex(), "1234");
}

// ---- trust stores and path validation --------------------------------------------------

TrustStore root_store() {
    TrustStore store;
    auto ok = store.add_file(pki_file("ca.cert.pem"));
    EXPECT_TRUE(ok) << (ok ? "" : ok.error().to_string());
    return store;
}

std::vector<Certificate> intermediates() { return {load_cert("intermediate")}; }

TEST(CryptoTrustStore, FileDirectoryAndFingerprint) {
    TrustStore a = root_store();
    EXPECT_EQ(a.size(), 1u);
    a.add(load_cert("ca"));  // duplicates are ignored
    EXPECT_EQ(a.size(), 1u);

    TrustStore bundle;
    ASSERT_TRUE(bundle.add_file(pki_file("chain.pem")));
    EXPECT_EQ(bundle.size(), 2u);

    TempDir dir;
    fs::copy_file(pki() / "ca.cert.pem", dir / "root.crt");
    fs::copy_file(pki() / "rsa2048.cert.der", dir / "leaf.DER");
    write_file(dir / "readme.txt", "not a certificate");
    fs::create_directory(dir / "sub");
    fs::copy_file(pki() / "untrusted.cert.pem", dir / "sub" / "nested.pem");
    TrustStore from_dir;
    auto ok = from_dir.add_directory(dir.path().string());
    ASSERT_TRUE(ok) << ok.error().to_string();
    EXPECT_EQ(from_dir.size(), 2u);

    // The fingerprint depends on the set, not the order.
    TrustStore x, y;
    x.add(load_cert("ca"));
    x.add(load_cert("rsa2048"));
    y.add(load_cert("rsa2048"));
    y.add(load_cert("ca"));
    EXPECT_EQ(x.fingerprint(), y.fingerprint());
    EXPECT_EQ(x.fingerprint(), from_dir.fingerprint());
    EXPECT_NE(x.fingerprint(), a.fingerprint());
    EXPECT_EQ(x.fingerprint().size(), 64u);

    TrustStore bad;
    EXPECT_ERRC(bad.add_file(pki_file("missing.pem")), Errc::not_found);
    EXPECT_ERRC(bad.add_directory((dir / "nope").string()), Errc::not_found);
    EXPECT_EQ(bad.size(), 0u);
}

class CryptoPathValid : public testing::TestWithParam<KeyCase> {};

TEST_P(CryptoPathValid, LeafThroughIntermediateToRoot) {
    const Certificate leaf = load_cert(GetParam().name);
    const auto inter = intermediates();
    const auto result = validate_path(leaf, inter, root_store(), std::chrono::system_clock::now());
    EXPECT_EQ(result.status, PathStatus::valid) << result.message;
    ASSERT_EQ(result.chain.size(), 3u);
    EXPECT_EQ(result.chain[0].der(), leaf.der());
    EXPECT_EQ(result.chain[1].der(), inter[0].der());
    EXPECT_EQ(result.chain[2].der(), load_cert("ca").der());
    EXPECT_EQ(ERR_peek_error(), 0UL);
}

INSTANTIATE_TEST_SUITE_P(CryptoPki, CryptoPathValid,
                         testing::Values(KeyCase{"rsa2048", KeyType::rsa, 0, ""}, KeyCase{"rsa3072", KeyType::rsa, 0, ""},
                                         KeyCase{"rsa4096", KeyType::rsa, 0, ""}, KeyCase{"ec-p256", KeyType::ec, 0, ""},
                                         KeyCase{"ec-p384", KeyType::ec, 0, ""}, KeyCase{"ec-p521", KeyType::ec, 0, ""},
                                         KeyCase{"ed25519", KeyType::ed25519, 0, ""},
                                         KeyCase{"nonrep-only", KeyType::rsa, 0, ""}),
                         case_name);

TEST(CryptoPath, Failures) {
    const TrustStore store = root_store();
    const auto inter = intermediates();
    const auto now = std::chrono::system_clock::now();

    auto r = validate_path(load_cert("expired"), inter, store, now);
    EXPECT_EQ(r.status, PathStatus::expired) << r.message;
    EXPECT_NE(r.message.find("Istmo Test expired"), std::string::npos) << r.message;
    r = validate_path(load_cert("expired"), inter, store, utc(2020, 6, 1));
    EXPECT_EQ(r.status, PathStatus::valid) << r.message;

    r = validate_path(load_cert("not-yet-valid"), inter, store, now);
    EXPECT_EQ(r.status, PathStatus::not_yet_valid) << r.message;
    r = validate_path(load_cert("not-yet-valid"), inter, store, utc(2045, 6, 1));
    EXPECT_EQ(r.status, PathStatus::valid) << r.message;

    r = validate_path(load_cert("untrusted"), inter, store, now);
    EXPECT_EQ(r.status, PathStatus::no_chain) << r.message;
    r = validate_path(load_cert("rsa2048"), {}, store, now);
    EXPECT_EQ(r.status, PathStatus::no_chain) << r.message;
    r = validate_path(load_cert("tsa-only"), inter, store, now);
    EXPECT_EQ(r.status, PathStatus::bad_key_usage) << r.message;
    r = validate_path(load_cert("rsa2048"), inter, TrustStore{}, now);
    EXPECT_EQ(r.status, PathStatus::no_chain) << r.message;
    // Before the CAs existed.
    r = validate_path(load_cert("rsa2048"), inter, store, utc(2018, 1, 1));
    EXPECT_EQ(r.status, PathStatus::not_yet_valid) << r.message;
    EXPECT_EQ(ERR_peek_error(), 0UL);
}

TEST(CryptoPath, IntermediateAsAnchorAndSelfSignedAnchor) {
    TrustStore inter_only;
    inter_only.add(load_cert("intermediate"));
    auto r = validate_path(load_cert("ec-p256"), {}, inter_only, std::chrono::system_clock::now());
    EXPECT_EQ(r.status, PathStatus::valid) << r.message;
    EXPECT_EQ(r.chain.size(), 2u);

    TrustStore self;
    self.add(load_cert("untrusted"));
    r = validate_path(load_cert("untrusted"), {}, self, std::chrono::system_clock::now());
    EXPECT_EQ(r.status, PathStatus::valid) << r.message;
}

TEST(CryptoPath, TamperedCertificateSignature) {
    Bytes der = load_cert("rsa2048").der();
    der[der.size() - 5] ^= 0x01;  // inside the signature value
    auto tampered = Certificate::from_der(der);
    ASSERT_TRUE(tampered);
    auto r = validate_path(*tampered, intermediates(), root_store(), std::chrono::system_clock::now());
    EXPECT_EQ(r.status, PathStatus::bad_signature) << r.message;
}

// ---- base64, hex, digests --------------------------------------------------------------

TEST(CryptoBase64, Rfc4648Vectors) {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(base64_encode(to_bytes(plain)), encoded);
        auto decoded = base64_decode(encoded);
        ASSERT_TRUE(decoded) << encoded;
        EXPECT_EQ(*decoded, to_bytes(plain));
    }
}

TEST(CryptoBase64, RoundTripsAndWrapping) {
    std::mt19937 rng(7);
    for (std::size_t n = 0; n < 300; ++n) {
        Bytes data(n);
        for (auto& b : data) b = static_cast<std::uint8_t>(rng());
        for (std::size_t wrap : {std::size_t{0}, std::size_t{4}, std::size_t{64}, std::size_t{76}}) {
            const std::string text = base64_encode(data, wrap);
            if (wrap > 0) {
                std::istringstream lines(text);
                std::string line;
                while (std::getline(lines, line)) EXPECT_LE(line.size(), wrap);
                EXPECT_TRUE(text.empty() || text.back() != '\n');
            } else {
                EXPECT_EQ(text.find('\n'), std::string::npos);
            }
            auto back = base64_decode(text);
            ASSERT_TRUE(back) << text;
            EXPECT_EQ(*back, data);
        }
    }
}

TEST(CryptoBase64, SizeLimitAndOptionalPadding) {
    Base64DecodeOptions limited;
    limited.max_decoded_size = 5;
    auto five = base64_decode("Zm9vYmE=", limited);
    ASSERT_TRUE(five);
    EXPECT_EQ(*five, to_bytes("fooba"));
    for (const char* text : {"Zm9vYmFy", "Zm9vYmFyYg==", "Zm9vYmFyYmF6"}) {
        auto over = base64_decode(text, limited);
        ASSERT_FALSE(over) << text;
        EXPECT_EQ(over.error().code, Errc::limit_exceeded) << text;
    }
    // Unpadded input: refused by default (XML Schema base64Binary), accepted on request.
    EXPECT_FALSE(base64_decode("Zm9vYg"));
    Base64DecodeOptions unpadded;
    unpadded.padding_optional = true;
    for (const auto& [text, plain] : {std::pair{"Zm9vYg", "foob"}, {"Zm9vYmE", "fooba"}, {"Zm9vYmE=", "fooba"},
                                      {"Zm9v", "foo"}}) {
        auto decoded = base64_decode(text, unpadded);
        ASSERT_TRUE(decoded) << text;
        EXPECT_EQ(*decoded, to_bytes(plain)) << text;
    }
    EXPECT_FALSE(base64_decode("Zm9vY", unpadded));  // one character cannot end a group
}

TEST(CryptoDigest, Sha256HexIncrementalAndHmac) {
    // FIPS 180-2 "abc" and RFC 4231 test case 2.
    const std::string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    EXPECT_EQ(sha256_hex("abc"), abc);
    DigestContext ctx(DigestAlg::sha256);
    ctx.update(std::string_view("a"));
    ctx.update(std::string_view("bc"));
    EXPECT_EQ(ctx.finish_hex(), abc);
    auto mac = hmac(DigestAlg::sha256, to_bytes("Jefe"), to_bytes("what do ya want for nothing?"));
    ASSERT_TRUE(mac);
    EXPECT_EQ(hex_lower(*mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    auto mac512 = hmac(DigestAlg::sha512, to_bytes("Jefe"), to_bytes("what do ya want for nothing?"));
    ASSERT_TRUE(mac512);
    EXPECT_EQ(hex_lower(*mac512).substr(0, 32), "164b7a7bfcf819e2e395fbe73b56e0a3");
    EXPECT_ERRC(hmac(DigestAlg::sha256, {}, to_bytes("x")), Errc::invalid_argument);
}

TEST(CryptoBase64, WhitespaceAccepted) {
    for (const char* text : {"Zm9v\r\nYmFy", " Zm9v YmFy ", "\tZ m 9 v\nY m F y\r\n", "Zm9vYg\r\n==", "Zm9vYg= =\n"}) {
        auto decoded = base64_decode(text);
        ASSERT_TRUE(decoded) << text;
        EXPECT_EQ(std::string(decoded->begin(), decoded->end()).substr(0, 4), "foob") << text;
    }
    auto blank = base64_decode(" \r\n\t");
    ASSERT_TRUE(blank);
    EXPECT_TRUE(blank->empty());
}

TEST(CryptoBase64, StrictRejects) {
    for (const char* text : {"Zg=", "Zg===", "Z===", "=", "==", "Zm9v!", "Zg==Zg==", "Zm9", "Z", "Zh==",
                             "Zm9=", "Zm9v-", "Zm9v_", "Zm9v\v", "Zm9v\f", "Z=g=", "Zm9vYmFy="}) {
        EXPECT_ERRC(base64_decode(text), Errc::parse_error);
    }
    EXPECT_ERRC(base64_decode(std::string_view("Zm9v\0Zm9v", 9)), Errc::parse_error);
    EXPECT_ERRC(base64_decode("Zm9v\xc3\xa9"), Errc::parse_error);
}

TEST(CryptoDigest, KnownValuesAndCli) {
    const Bytes abc = to_bytes("abc");
    EXPECT_EQ(hex_lower(digest(DigestAlg::sha256, abc)),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hex_lower(digest(DigestAlg::sha1, abc)), "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(hex_lower(digest(DigestAlg::sha224, abc)),
              "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7");
    EXPECT_EQ(hex_lower(digest(DigestAlg::sha384, abc)),
              "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
              "8086072ba1e7cc2358baeca134c825a7");
    EXPECT_EQ(hex_lower(digest(DigestAlg::sha512, abc)),
              "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
              "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    for (DigestAlg alg : {DigestAlg::sha1, DigestAlg::sha224, DigestAlg::sha256, DigestAlg::sha384, DigestAlg::sha512})
        EXPECT_EQ(digest(alg, abc).size(), digest_size(alg));

    // Incremental == one shot.
    const Bytes data = read_bytes(pki() / "rsa4096.cert.pem");
    DigestContext ctx(DigestAlg::sha384);
    for (std::size_t i = 0; i < data.size(); i += 97)
        ctx.update(std::span<const std::uint8_t>(data).subspan(i, std::min<std::size_t>(97, data.size() - i)));
    EXPECT_EQ(ctx.finish(), digest(DigestAlg::sha384, data));

    if (have_openssl()) {
        auto r = run_command("openssl dgst -sha256 -r " + quote(pki() / "rsa4096.cert.pem"));
        ASSERT_EQ(r.exit_code, 0);
        EXPECT_EQ(r.output.substr(0, 64), hex_lower(digest(DigestAlg::sha256, data)));
    }
    EXPECT_EQ(hex_lower(Bytes{0x00, 0x0f, 0xa0, 0xff}), "000fa0ff");
}

// ---- signatures ------------------------------------------------------------------------

struct SignCase {
    std::string key;
    SigScheme scheme;
    DigestAlg digest;
    std::size_t length;  // expected signature length
};

void PrintTo(const SignCase& c, std::ostream* os) { *os << c.key; }

std::string sign_case_name(const testing::TestParamInfo<SignCase>& info) {
    const char* scheme[] = {"pkcs1", "pss", "ecdsa", "eddsa"};
    const char* alg[] = {"sha1", "sha224", "sha256", "sha384", "sha512"};
    std::string n = info.param.key + "_" + scheme[static_cast<int>(info.param.scheme)] + "_" +
                    alg[static_cast<int>(info.param.digest)];
    std::replace(n.begin(), n.end(), '-', '_');
    return n;
}

class CryptoSign : public testing::TestWithParam<SignCase> {};

TEST_P(CryptoSign, RoundTripTamperAndGarbage) {
    const SignCase& c = GetParam();
    const PrivateKey key = load_key(c.key);
    const Certificate cert = load_cert(c.key);
    SignatureParams params;
    params.scheme = c.scheme;
    params.digest = c.digest;
    params.mgf1_digest = c.digest;
    const Bytes message = to_bytes("<ds:SignedInfo>canonical octets</ds:SignedInfo>");

    auto signature = sign_message(key, params, message);
    ASSERT_TRUE(signature) << signature.error().to_string();
    EXPECT_EQ(signature->size(), c.length);
    EVP_PKEY* pub = get0_public_key(cert);
    ASSERT_NE(pub, nullptr);

    auto outcome = verify_message(pub, params, message, *signature);
    EXPECT_EQ(outcome.status, VerifyStatus::valid);
    EXPECT_FALSE(outcome.ecdsa_der_encoded);

    Bytes tampered_message = message;
    tampered_message[3] ^= 1;
    EXPECT_EQ(verify_message(pub, params, tampered_message, *signature).status, VerifyStatus::invalid);
    Bytes tampered_sig = *signature;
    tampered_sig[tampered_sig.size() / 2] ^= 0x40;
    EXPECT_EQ(verify_message(pub, params, message, tampered_sig).status, VerifyStatus::invalid);
    EXPECT_EQ(verify_message(pub, params, Bytes{}, *signature).status, VerifyStatus::invalid);

    // Empty, short, long and random signatures: invalid, never a crash.
    std::mt19937 rng(1);
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{8}, c.length - 1, c.length, c.length + 1,
                          2 * c.length, std::size_t{1000}}) {
        Bytes junk(n);
        for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
        EXPECT_EQ(verify_message(pub, params, message, junk).status, VerifyStatus::invalid) << n;
        Bytes zeros(n, 0);
        EXPECT_EQ(verify_message(pub, params, message, zeros).status, VerifyStatus::invalid) << n;
    }
    // A key of another type.
    const Certificate other = load_cert(c.scheme == SigScheme::ecdsa ? "ed25519" : "ec-p256");
    EXPECT_EQ(verify_message(get0_public_key(other), params, message, *signature).status,
              VerifyStatus::key_mismatch);
    EXPECT_EQ(verify_message(nullptr, params, message, *signature).status, VerifyStatus::invalid);
    EXPECT_EQ(ERR_peek_error(), 0UL);
}

INSTANTIATE_TEST_SUITE_P(
    CryptoPki, CryptoSign,
    testing::Values(SignCase{"rsa2048", SigScheme::rsa_pkcs1, DigestAlg::sha256, 256},
                    SignCase{"rsa2048", SigScheme::rsa_pkcs1, DigestAlg::sha384, 256},
                    SignCase{"rsa2048", SigScheme::rsa_pkcs1, DigestAlg::sha512, 256},
                    SignCase{"rsa3072", SigScheme::rsa_pkcs1, DigestAlg::sha256, 384},
                    SignCase{"rsa4096", SigScheme::rsa_pkcs1, DigestAlg::sha512, 512},
                    SignCase{"rsa2048", SigScheme::rsa_pkcs1, DigestAlg::sha1, 256},
                    SignCase{"rsa2048", SigScheme::rsa_pss, DigestAlg::sha256, 256},
                    SignCase{"rsa2048", SigScheme::rsa_pss, DigestAlg::sha384, 256},
                    SignCase{"rsa2048", SigScheme::rsa_pss, DigestAlg::sha512, 256},
                    SignCase{"rsa4096", SigScheme::rsa_pss, DigestAlg::sha256, 512},
                    SignCase{"ec-p256", SigScheme::ecdsa, DigestAlg::sha256, 64},
                    SignCase{"ec-p384", SigScheme::ecdsa, DigestAlg::sha384, 96},
                    SignCase{"ec-p521", SigScheme::ecdsa, DigestAlg::sha512, 132},
                    SignCase{"ec-p256", SigScheme::ecdsa, DigestAlg::sha512, 64},
                    SignCase{"ed25519", SigScheme::ed25519, DigestAlg::sha256, 64}),
    sign_case_name);

TEST(CryptoSignature, SchemeMustFitTheKey) {
    const Bytes message = to_bytes("m");
    SignatureParams p;
    p.scheme = SigScheme::ecdsa;
    EXPECT_ERRC(sign_message(load_key("rsa2048"), p, message), Errc::key_error);
    p.scheme = SigScheme::rsa_pkcs1;
    EXPECT_ERRC(sign_message(load_key("ec-p256"), p, message), Errc::key_error);
    p.scheme = SigScheme::rsa_pss;
    EXPECT_ERRC(sign_message(load_key("ed25519"), p, message), Errc::key_error);
    p.scheme = SigScheme::ed25519;
    EXPECT_ERRC(sign_message(load_key("rsa2048"), p, message), Errc::key_error);
}

TEST(CryptoSignature, PssParametersMatter) {
    const PrivateKey key = load_key("rsa2048");
    const Certificate pub_cert = load_cert("rsa2048");
    EVP_PKEY* pub = get0_public_key(pub_cert);
    const Bytes message = to_bytes("pss");
    SignatureParams p;
    p.scheme = SigScheme::rsa_pss;
    p.digest = DigestAlg::sha256;
    p.mgf1_digest = DigestAlg::sha512;
    p.pss_salt_length = 20;
    auto sig = sign_message(key, p, message);
    ASSERT_TRUE(sig);
    EXPECT_EQ(verify_message(pub, p, message, *sig).status, VerifyStatus::valid);
    SignatureParams other_mgf = p;
    other_mgf.mgf1_digest = DigestAlg::sha256;
    EXPECT_EQ(verify_message(pub, other_mgf, message, *sig).status, VerifyStatus::invalid);
    SignatureParams pkcs1 = p;
    pkcs1.scheme = SigScheme::rsa_pkcs1;
    EXPECT_EQ(verify_message(pub, pkcs1, message, *sig).status, VerifyStatus::invalid);
}

// One key signs with its per-parameter context templates (signature.cpp): signatures made in
// turn with different parameters, and from several threads at once, each verify with their
// own parameters only.
TEST(CryptoSignature, OneKeySignsWithManyParametersAndThreads) {
    const PrivateKey key = load_key("rsa2048");
    const Certificate pub_cert = load_cert("rsa2048");
    EVP_PKEY* pub = get0_public_key(pub_cert);
    std::vector<SignatureParams> params(4);
    params[1].digest = DigestAlg::sha512;
    params[2].scheme = params[3].scheme = SigScheme::rsa_pss;
    params[3].mgf1_digest = DigestAlg::sha384;
    params[3].pss_salt_length = 20;
    const Bytes message = to_bytes("templates");
    std::vector<std::vector<Bytes>> signatures(4);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < signatures.size(); ++t)
        threads.emplace_back([&, t] {
            for (int round = 0; round < 3; ++round)
                for (const SignatureParams& p : params) {
                    auto sig = sign_message(key, p, message);
                    signatures[t].push_back(sig ? *sig : Bytes{});
                }
        });
    for (std::thread& thread : threads) thread.join();
    for (const auto& made : signatures) {
        ASSERT_EQ(made.size(), 3 * params.size());
        for (std::size_t i = 0; i < made.size(); ++i)
            for (std::size_t j = 0; j < params.size(); ++j)
                EXPECT_EQ(verify_message(pub, params[j], message, made[i]).status,
                          j == i % params.size() ? VerifyStatus::valid : VerifyStatus::invalid)
                    << "signature " << i << " with parameters " << j;
    }
}

Bytes raw_to_der_in_test(const Bytes& raw) {
    const int w = static_cast<int>(raw.size() / 2);
    internal::EcdsaSigPtr sig(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(raw.data(), w, nullptr);
    BIGNUM* s = BN_bin2bn(raw.data() + w, w, nullptr);
    EXPECT_EQ(ECDSA_SIG_set0(sig.get(), r, s), 1);
    unsigned char* out = nullptr;
    const int n = i2d_ECDSA_SIG(sig.get(), &out);
    internal::OsslBytesPtr owned(out);
    return Bytes(out, out + n);
}

TEST(CryptoSignature, DerEncodedEcdsaIsAcceptedAndFlagged) {
    for (const char* name : {"ec-p256", "ec-p384", "ec-p521"}) {
        SignatureParams p;
        p.scheme = SigScheme::ecdsa;
        p.digest = DigestAlg::sha256;
        const Bytes message = to_bytes("der please");
        auto raw = sign_message(load_key(name), p, message);
        ASSERT_TRUE(raw);
        const Bytes der = raw_to_der_in_test(*raw);
        const Certificate pub_cert = load_cert(name);
        EVP_PKEY* pub = get0_public_key(pub_cert);
        auto outcome = verify_message(pub, p, message, der);
        EXPECT_EQ(outcome.status, VerifyStatus::valid) << name;
        EXPECT_TRUE(outcome.ecdsa_der_encoded) << name;
        Bytes longer = der;  // non-canonical: trailing byte
        longer.push_back(0);
        EXPECT_EQ(verify_message(pub, p, message, longer).status, VerifyStatus::invalid) << name;
    }
}

TEST(CryptoSignature, InteroperatesWithTheOpensslCli) {
    if (!have_openssl()) GTEST_SKIP() << "openssl CLI not available";
    TempDir dir;
    const Bytes message = to_bytes("interop message\n");
    write_file(dir / "msg", std::string(message.begin(), message.end()));
    auto r = run_command("openssl x509 -pubkey -noout -in " + quote(pki() / "rsa2048.cert.pem") + " > " +
                         quote(dir / "pub.pem"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const Certificate pub_cert = load_cert("rsa2048");
    EVP_PKEY* pub = get0_public_key(pub_cert);

    // Ours -> CLI (PKCS#1 v1.5 and PSS).
    SignatureParams p;
    auto sig = sign_message(load_key("rsa2048"), p, message);
    ASSERT_TRUE(sig);
    write_file(dir / "sig.bin", std::string(sig->begin(), sig->end()));
    r = run_command("openssl dgst -sha256 -verify " + quote(dir / "pub.pem") + " -signature " +
                    quote(dir / "sig.bin") + " " + quote(dir / "msg"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("Verified OK"), std::string::npos) << r.output;

    SignatureParams pss;
    pss.scheme = SigScheme::rsa_pss;
    auto pss_sig = sign_message(load_key("rsa2048"), pss, message);
    ASSERT_TRUE(pss_sig);
    write_file(dir / "pss.bin", std::string(pss_sig->begin(), pss_sig->end()));
    r = run_command("openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -verify " +
                    quote(dir / "pub.pem") + " -signature " + quote(dir / "pss.bin") + " " + quote(dir / "msg"));
    EXPECT_EQ(r.exit_code, 0) << r.output;

    // CLI -> ours.
    r = run_command("openssl dgst -sha256 -sign " + quote(pki() / "rsa2048.key.pem") + " -out " +
                    quote(dir / "cli.bin") + " " + quote(dir / "msg"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(verify_message(pub, p, message, read_bytes(dir / "cli.bin")).status, VerifyStatus::valid);

    // CLI ECDSA output is DER: accepted and flagged.
    r = run_command("openssl dgst -sha384 -sign " + quote(pki() / "ec-p384.key.pem") + " -out " +
                    quote(dir / "ec.bin") + " " + quote(dir / "msg"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    SignatureParams ec;
    ec.scheme = SigScheme::ecdsa;
    ec.digest = DigestAlg::sha384;
    auto outcome = verify_message(get0_public_key(load_cert("ec-p384")), ec, message, read_bytes(dir / "ec.bin"));
    EXPECT_EQ(outcome.status, VerifyStatus::valid);
    EXPECT_TRUE(outcome.ecdsa_der_encoded);

    // Ed25519 both ways.
    r = run_command("openssl pkeyutl -sign -rawin -inkey " + quote(pki() / "ed25519.key.pem") + " -in " +
                    quote(dir / "msg") + " -out " + quote(dir / "ed.bin"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    SignatureParams ed;
    ed.scheme = SigScheme::ed25519;
    EXPECT_EQ(verify_message(get0_public_key(load_cert("ed25519")), ed, message, read_bytes(dir / "ed.bin")).status,
              VerifyStatus::valid);
    auto ours = sign_message(load_key("ed25519"), ed, message);
    ASSERT_TRUE(ours);
    EXPECT_EQ(*ours, read_bytes(dir / "ed.bin"));  // Ed25519 is deterministic
}

// ---- public keys from components -------------------------------------------------------

Bytes bn_param(EVP_PKEY* key, const char* name) {
    BIGNUM* raw = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &raw), 1);
    internal::BignumPtr bn(raw);
    Bytes out(static_cast<std::size_t>(BN_num_bytes(bn.get())));
    BN_bn2bin(bn.get(), out.data());
    return out;
}

TEST(CryptoPublicKey, RsaFromComponents) {
    const Certificate cert_key_cert = load_cert("rsa3072");
    EVP_PKEY* cert_key = get0_public_key(cert_key_cert);
    Bytes n = bn_param(cert_key, OSSL_PKEY_PARAM_RSA_N);
    const Bytes e = bn_param(cert_key, OSSL_PKEY_PARAM_RSA_E);
    auto key = rsa_public_key(n, e);
    ASSERT_TRUE(key) << key.error().to_string();
    EXPECT_EQ(EVP_PKEY_eq(key->get(), cert_key), 1);
    EXPECT_EQ(key_type_of(key->get()), KeyType::rsa);
    EXPECT_EQ(key_bits_of(key->get()), 3072);

    SignatureParams p;
    const Bytes message = to_bytes("kv");
    auto sig = sign_message(load_key("rsa3072"), p, message);
    ASSERT_TRUE(sig);
    EXPECT_EQ(verify_message(key->get(), p, message, *sig).status, VerifyStatus::valid);

    Bytes padded = n;  // a leading zero octet (as in ds:CryptoBinary from sloppy producers)
    padded.insert(padded.begin(), 0);
    auto again = rsa_public_key(padded, e);
    ASSERT_TRUE(again);
    EXPECT_EQ(EVP_PKEY_eq(again->get(), cert_key), 1);

    EXPECT_ERRC(rsa_public_key(Bytes{}, e), Errc::key_error);
    EXPECT_ERRC(rsa_public_key(Bytes{0, 0}, e), Errc::key_error);
    Bytes even = n;
    even.back() &= 0xfe;
    EXPECT_ERRC(rsa_public_key(even, e), Errc::key_error);
    EXPECT_ERRC(rsa_public_key(n, Bytes{}), Errc::key_error);
    EXPECT_ERRC(rsa_public_key(n, Bytes{1}), Errc::key_error);
}

struct EcCase {
    const char* name;
    const char* curve;
};

TEST(CryptoPublicKey, EcFromPoint) {
    for (const EcCase c : {EcCase{"ec-p256", "P-256"}, EcCase{"ec-p384", "P-384"}, EcCase{"ec-p521", "P-521"}}) {
        const Certificate cert_key_cert = load_cert(c.name);
        EVP_PKEY* cert_key = get0_public_key(cert_key_cert);
        Bytes point(200);
        std::size_t len = 0;
        ASSERT_EQ(EVP_PKEY_get_octet_string_param(cert_key, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &len), 1);
        point.resize(len);
        ASSERT_EQ(point[0], 0x04);

        auto key = ec_public_key(c.curve, point);
        ASSERT_TRUE(key) << key.error().to_string();
        EXPECT_EQ(EVP_PKEY_eq(key->get(), cert_key), 1) << c.name;
        EXPECT_EQ(curve_of(key->get()), c.curve);

        SignatureParams p;
        p.scheme = SigScheme::ecdsa;
        const Bytes message = to_bytes("ec kv");
        auto sig = sign_message(load_key(c.name), p, message);
        ASSERT_TRUE(sig);
        EXPECT_EQ(verify_message(key->get(), p, message, *sig).status, VerifyStatus::valid);

        // Compressed form of the same point.
        const std::size_t w = (len - 1) / 2;
        Bytes compressed(point.begin(), point.begin() + 1 + static_cast<std::ptrdiff_t>(w));
        compressed[0] = static_cast<std::uint8_t>(0x02 | (point.back() & 1));
        auto from_compressed = ec_public_key(c.curve, compressed);
        ASSERT_TRUE(from_compressed) << from_compressed.error().to_string();
        EXPECT_EQ(EVP_PKEY_eq(from_compressed->get(), cert_key), 1);

        Bytes off_curve = point;
        off_curve.back() ^= 0x01;
        EXPECT_ERRC(ec_public_key(c.curve, off_curve), Errc::key_error);
        EXPECT_ERRC(ec_public_key(c.curve, Bytes(point.begin(), point.end() - 1)), Errc::key_error);
        EXPECT_ERRC(ec_public_key(c.curve, Bytes{}), Errc::key_error);
        EXPECT_ERRC(ec_public_key(c.curve, Bytes{0x00}), Errc::key_error);
    }
    EXPECT_ERRC(ec_public_key("secp256k1", Bytes(65, 4)), Errc::key_error);
}

}  // namespace
}  // namespace istmo::crypto

namespace istmo::crypto {
namespace {

TEST(CryptoSignature, RsaPssKeyType) {
    if (!istmo::test::have_tool("openssl")) GTEST_SKIP() << "openssl CLI not available";
    TempDir dir;
    auto r = run_command("openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out " +
                         quote(dir / "pss.pem"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto key = PrivateKey::from_file((dir / "pss.pem").string());
    ASSERT_TRUE(key) << key.error().to_string();
    EXPECT_EQ(key->type(), KeyType::rsa_pss);
    SignatureParams p;
    p.scheme = SigScheme::rsa_pss;
    const Bytes message = to_bytes("pss key");
    auto sig = sign_message(*key, p, message);
    ASSERT_TRUE(sig) << sig.error().to_string();
    EXPECT_EQ(verify_message(key->impl().key.get(), p, message, *sig).status, VerifyStatus::valid);
    p.scheme = SigScheme::rsa_pkcs1;
    EXPECT_ERRC(sign_message(*key, p, message), Errc::key_error);
    EXPECT_EQ(verify_message(key->impl().key.get(), p, message, *sig).status, VerifyStatus::key_mismatch);
}

}  // namespace
}  // namespace istmo::crypto
