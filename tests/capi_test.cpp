// The C API (bindings/c/istmo.h) as a C caller sees it: every entry point, every error path
// (NULL handles and out-parameters, bad lengths, bad passwords, malformed XML, missing files,
// handles of the wrong kind) and ownership (run under ASan/LSan: nothing may leak).
#include <istmo/istmo.h>

#include <istmo/invoice/panama.hpp>

#include "tsa_test_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <ostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

const std::string k_pki = std::string(ISTMO_SOURCE_DIR) + "/test-vectors/pki/";
const std::string k_fe = std::string(ISTMO_SOURCE_DIR) + "/test-vectors/panama-fe/";
const char* const k_password = "istmo-test-pass";
const std::string k_document =
    "<Invoice xmlns=\"urn:example:invoice\"><Number>0001</Number><Total>100.00</Total></Invoice>";

struct KeyFree { void operator()(istmo_key* p) const { istmo_key_free(p); } };
struct CertFree { void operator()(istmo_cert* p) const { istmo_cert_free(p); } };
struct TrustFree { void operator()(istmo_trust* p) const { istmo_trust_free(p); } };
struct ReportFree { void operator()(istmo_report* p) const { istmo_report_free(p); } };
struct BufferFree { void operator()(void* p) const { istmo_free(p); } };
using Key = std::unique_ptr<istmo_key, KeyFree>;
using Cert = std::unique_ptr<istmo_cert, CertFree>;
using Trust = std::unique_ptr<istmo_trust, TrustFree>;
using Report = std::unique_ptr<istmo_report, ReportFree>;

std::string last_error() { return istmo_last_error_message(); }

Key load_key(const std::string& file, const char* password = nullptr) {
    istmo_key* key = nullptr;
    const int rc = istmo_key_load_file(&key, (k_pki + file).c_str(), password);
    EXPECT_EQ(rc, ISTMO_OK) << file << ": " << last_error();
    return Key(key);
}

Cert load_cert(const std::string& path) {
    istmo_cert* cert = nullptr;
    const int rc = istmo_cert_load_file(&cert, path.c_str());
    EXPECT_EQ(rc, ISTMO_OK) << path << ": " << last_error();
    return Cert(cert);
}

Trust make_trust(const std::vector<std::string>& files) {
    istmo_trust* trust = nullptr;
    EXPECT_EQ(istmo_trust_new(&trust), ISTMO_OK) << last_error();
    for (const auto& file : files)
        EXPECT_EQ(istmo_trust_add_file(trust, (k_pki + file).c_str()), ISTMO_OK) << file << ": " << last_error();
    return Trust(trust);
}

// Signs k_document (or xml) with the xmldsig profile; empty string on failure.
std::string sign(const istmo_key* key, const istmo_cert* cert, const std::string& xml = k_document) {
    char* out = nullptr;
    std::size_t len = 0;
    const int rc = istmo_sign(&out, &len, xml.data(), xml.size(), key, cert, "xmldsig");
    EXPECT_EQ(rc, ISTMO_OK) << last_error();
    if (rc != ISTMO_OK) return {};
    std::unique_ptr<char, BufferFree> owned(out);
    EXPECT_EQ(out[len], '\0');
    EXPECT_EQ(std::strlen(out), len);
    return std::string(out, len);
}

Report verify(const std::string& xml, const istmo_trust* trust) {
    istmo_report* report = nullptr;
    EXPECT_EQ(istmo_verify(&report, xml.data(), xml.size(), trust), ISTMO_OK) << last_error();
    return Report(report);
}

// A pointer that a failing call must overwrite with NULL (never dereferenced).
template <class T>
T* poison() {
    static unsigned char byte;
    return reinterpret_cast<T*>(&byte);
}

// A buffer that is no handle at all (all zero bytes), for the tag checks.
struct Junk {
    alignas(16) unsigned char bytes[256] = {};
    template <class T> T* as() { return reinterpret_cast<T*>(bytes); }
};

// A file with the rsa2048 certificate followed by its intermediate CA (signer + chain).
std::string write_bundle() {
    const auto path = std::filesystem::temp_directory_path() /
                      ("istmo-capi-bundle-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                       ".pem");
    std::ofstream out(path, std::ios::binary);
    for (const char* file : {"rsa2048.cert.pem", "intermediate.cert.pem"}) {
        std::ifstream in(k_pki + file, std::ios::binary);
        out << in.rdbuf();
    }
    return path.string();
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << path;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
    return n;
}

// istmo_invoice_from_json; empty string on failure.
std::string invoice_from_json(const std::string& json) {
    char* out = nullptr;
    std::size_t len = 0;
    const int rc = istmo_invoice_from_json(&out, &len, json.data(), json.size());
    EXPECT_EQ(rc, ISTMO_OK) << last_error();
    if (rc != ISTMO_OK) return {};
    std::unique_ptr<char, BufferFree> owned(out);
    EXPECT_EQ(out[len], '\0');
    EXPECT_EQ(std::strlen(out), len);
    return std::string(out, len);
}

// The text of the first <name>...</name> of xml, "" when absent.
std::string element_text(const std::string& xml, const std::string& name) {
    const std::string open = "<" + name + ">";
    const auto begin = xml.find(open);
    if (begin == std::string::npos) return {};
    const auto end = xml.find("</" + name + ">", begin);
    if (end == std::string::npos) return {};
    return xml.substr(begin + open.size(), end - begin - open.size());
}

constexpr int k_all_codes[] = {
    ISTMO_OK, ISTMO_E_INVALID_ARGUMENT, ISTMO_E_INVALID_OBJECT, ISTMO_E_NOT_FOUND,
    ISTMO_E_PERMISSION_DENIED, ISTMO_E_IO, ISTMO_E_PARSE, ISTMO_E_LIMIT_EXCEEDED,
    ISTMO_E_UNSUPPORTED, ISTMO_E_BAD_PASSWORD, ISTMO_E_KEY, ISTMO_E_CERTIFICATE, ISTMO_E_CRYPTO,
    ISTMO_E_UNAVAILABLE, ISTMO_E_DEADLINE_EXCEEDED, ISTMO_E_FAILED_PRECONDITION,
    ISTMO_E_OUT_OF_MEMORY, ISTMO_E_INTERNAL, ISTMO_E_MODULE, ISTMO_E_TOKEN_NOT_PRESENT, ISTMO_E_PIN_LOCKED};

// ---- library ------------------------------------------------------------------------------

TEST(CapiLibrary, VersionNumberMatchesVersionString) {
    const char* text = istmo_version_string();
    ASSERT_NE(text, nullptr);
    int major = -1, minor = -1, patch = -1;
    ASSERT_EQ(std::sscanf(text, "%d.%d.%d", &major, &minor, &patch), 3) << text;
    EXPECT_EQ(istmo_version(), major * 10000 + minor * 100 + patch);
    EXPECT_GT(istmo_version(), 0);
}

TEST(CapiLibrary, InitIsIdempotentAndThreadSafe) {
    EXPECT_EQ(istmo_init(), ISTMO_OK);
    EXPECT_EQ(istmo_init(), ISTMO_OK);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] { if (istmo_init() != ISTMO_OK) ++failures; });
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(last_error(), "");
}

TEST(CapiLibrary, StrerrorNamesEveryCodeDistinctly) {
    std::set<std::string> texts;
    for (const int code : k_all_codes) {
        const char* text = istmo_strerror(code);
        ASSERT_NE(text, nullptr);
        EXPECT_STRNE(text, "unknown error code") << code;
        texts.insert(text);
    }
    EXPECT_EQ(texts.size(), std::size(k_all_codes));
    EXPECT_STREQ(istmo_strerror(1), "unknown error code");
    EXPECT_STREQ(istmo_strerror(-999), "unknown error code");
    EXPECT_STREQ(istmo_strerror(std::numeric_limits<int>::min()), "unknown error code");
}

TEST(CapiLibrary, ErrorCodeValuesAreStable) {
    // The numbers are ABI: they may never change.
    EXPECT_EQ(ISTMO_OK, 0);
    EXPECT_EQ(ISTMO_E_INVALID_ARGUMENT, -1);
    EXPECT_EQ(ISTMO_E_INVALID_OBJECT, -2);
    EXPECT_EQ(ISTMO_E_NOT_FOUND, -3);
    EXPECT_EQ(ISTMO_E_PERMISSION_DENIED, -4);
    EXPECT_EQ(ISTMO_E_IO, -5);
    EXPECT_EQ(ISTMO_E_PARSE, -6);
    EXPECT_EQ(ISTMO_E_LIMIT_EXCEEDED, -7);
    EXPECT_EQ(ISTMO_E_UNSUPPORTED, -8);
    EXPECT_EQ(ISTMO_E_BAD_PASSWORD, -9);
    EXPECT_EQ(ISTMO_E_KEY, -10);
    EXPECT_EQ(ISTMO_E_CERTIFICATE, -11);
    EXPECT_EQ(ISTMO_E_CRYPTO, -12);
    EXPECT_EQ(ISTMO_E_UNAVAILABLE, -13);
    EXPECT_EQ(ISTMO_E_DEADLINE_EXCEEDED, -14);
    EXPECT_EQ(ISTMO_E_FAILED_PRECONDITION, -15);
    EXPECT_EQ(ISTMO_E_OUT_OF_MEMORY, -16);
    EXPECT_EQ(ISTMO_E_INTERNAL, -17);
    EXPECT_EQ(ISTMO_E_MODULE, -18);
    EXPECT_EQ(ISTMO_E_TOKEN_NOT_PRESENT, -19);
    EXPECT_EQ(ISTMO_E_PIN_LOCKED, -20);
    EXPECT_EQ(ISTMO_INDICATION_TOTAL_PASSED, 0);
    EXPECT_EQ(ISTMO_INDICATION_TOTAL_FAILED, 1);
    EXPECT_EQ(ISTMO_INDICATION_INDETERMINATE, 2);
}

TEST(CapiLibrary, LastErrorIsSetOnFailureAndClearedOnSuccess) {
    istmo_trust* trust = nullptr;
    EXPECT_EQ(istmo_trust_new(nullptr), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(last_error().rfind("istmo_trust_new: ", 0), 0u) << last_error();
    ASSERT_EQ(istmo_trust_new(&trust), ISTMO_OK);
    Trust owned(trust);
    EXPECT_EQ(last_error(), "");
    EXPECT_NE(istmo_last_error_message(), nullptr);
}

// Every message of the C API exists in Spanish too (issue 12): the library's errors and the C
// layer's own checks.
TEST(CapiLibrary, LastErrorHasItsSpanishTwin) {
    istmo_key* key = nullptr;
    EXPECT_EQ(istmo_key_load_file(&key, (k_pki + "rsa2048.key.enc.pem").c_str(), "wrong"), ISTMO_E_BAD_PASSWORD);
    const std::string english = istmo_last_error_message();
    const std::string spanish = istmo_last_error_message_es();
    EXPECT_NE(english.find("wrong password"), std::string::npos) << english;
    EXPECT_EQ(spanish.rfind("istmo_key_load_file: bad_password: no se puede descifrar la clave privada PEM: contraseña incorrecta", 0),
              0u)
        << spanish;
    EXPECT_NE(spanish.find("rsa2048.key.enc.pem"), std::string::npos) << spanish;  // the path stays
    EXPECT_EQ(istmo_trust_new(nullptr), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(istmo_last_error_message_es()), "istmo_trust_new: out es NULL");
    istmo_trust* trust = nullptr;
    ASSERT_EQ(istmo_trust_new(&trust), ISTMO_OK);
    Trust owned(trust);
    EXPECT_EQ(std::string(istmo_last_error_message_es()), "");
    // Thread-local like the English one.
    EXPECT_EQ(istmo_trust_add_file(nullptr, "x"), ISTMO_E_INVALID_ARGUMENT);
    std::string there = "unset";
    std::thread([&] { there = istmo_last_error_message_es(); }).join();
    EXPECT_EQ(there, "");
    EXPECT_EQ(std::string(istmo_last_error_message_es()), "istmo_trust_add_file: trust es NULL");
}

TEST(CapiLibrary, LastErrorIsPerThread) {
    EXPECT_EQ(istmo_trust_add_file(nullptr, "x"), ISTMO_E_INVALID_ARGUMENT);
    const std::string here = last_error();
    EXPECT_NE(here, "");
    std::string there = "unset";
    std::thread([&] { there = istmo_last_error_message(); }).join();
    EXPECT_EQ(there, "");  // another thread sees its own (empty) message
    EXPECT_EQ(last_error(), here);
}

TEST(CapiLibrary, FreeFunctionsAcceptNull) {
    istmo_free(nullptr);
    istmo_key_free(nullptr);
    istmo_cert_free(nullptr);
    istmo_trust_free(nullptr);
    istmo_report_free(nullptr);
    SUCCEED();
}

// ---- keys ---------------------------------------------------------------------------------

struct KeyCase {
    const char* name;
    const char* file;
    const char* password;
    int expected;
};

// gtest prints the case name instead of the raw bytes of the struct.
void PrintTo(const KeyCase& c, std::ostream* os) { *os << c.name; }

class CapiKeyLoad : public ::testing::TestWithParam<KeyCase> {};

TEST_P(CapiKeyLoad, ReturnsTheDocumentedCode) {
    const KeyCase& c = GetParam();
    istmo_key* key = poison<istmo_key>();  // must be overwritten
    const int rc = istmo_key_load_file(&key, (k_pki + c.file).c_str(), c.password);
    Key owned(rc == ISTMO_OK ? key : nullptr);
    EXPECT_EQ(rc, c.expected) << last_error();
    if (c.expected == ISTMO_OK) {
        EXPECT_NE(key, nullptr);
        EXPECT_EQ(last_error(), "");
    } else {
        EXPECT_EQ(key, nullptr);
        EXPECT_EQ(last_error().rfind("istmo_key_load_file: ", 0), 0u) << last_error();
    }
}

INSTANTIATE_TEST_SUITE_P(
    Files, CapiKeyLoad,
    ::testing::Values(
        KeyCase{"pem", "rsa2048.key.pem", nullptr, ISTMO_OK},
        KeyCase{"pem_password_ignored", "rsa2048.key.pem", "unused", ISTMO_OK},
        KeyCase{"der", "rsa2048.key.der", nullptr, ISTMO_OK},
        KeyCase{"encrypted_pem", "rsa2048.key.enc.pem", k_password, ISTMO_OK},
        KeyCase{"encrypted_pem_no_password", "rsa2048.key.enc.pem", nullptr, ISTMO_E_BAD_PASSWORD},
        KeyCase{"encrypted_pem_wrong_password", "rsa2048.key.enc.pem", "wrong", ISTMO_E_BAD_PASSWORD},
        KeyCase{"encrypted_pem_empty_password", "rsa2048.key.enc.pem", "", ISTMO_E_BAD_PASSWORD},
        KeyCase{"pkcs12", "rsa2048.p12", k_password, ISTMO_OK},
        KeyCase{"pkcs12_no_password", "rsa2048.p12", nullptr, ISTMO_E_BAD_PASSWORD},
        KeyCase{"pkcs12_wrong_password", "rsa2048.p12", "wrong", ISTMO_E_BAD_PASSWORD},
        KeyCase{"ec_p256", "ec-p256.key.pem", nullptr, ISTMO_OK},
        KeyCase{"ed25519", "ed25519.key.pem", nullptr, ISTMO_OK},
        KeyCase{"rsa1024_too_small", "rsa1024.key.pem", nullptr, ISTMO_E_KEY},
        KeyCase{"secp256k1_refused", "ec-secp256k1.key.pem", nullptr, ISTMO_E_KEY},
        KeyCase{"certificate_not_key", "rsa2048.cert.pem", nullptr, ISTMO_E_PARSE},
        KeyCase{"text_not_key", "README.md", nullptr, ISTMO_E_PARSE},
        KeyCase{"missing_file", "does-not-exist.pem", nullptr, ISTMO_E_NOT_FOUND},
        KeyCase{"directory", "", nullptr, ISTMO_E_IO}),
    [](const ::testing::TestParamInfo<KeyCase>& p) { return std::string(p.param.name); });

TEST(CapiKey, NullArgumentsAreInvalid) {
    EXPECT_EQ(istmo_key_load_file(nullptr, (k_pki + "rsa2048.key.pem").c_str(), nullptr),
              ISTMO_E_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("out is NULL"), std::string::npos) << last_error();
    istmo_key* key = poison<istmo_key>();
    EXPECT_EQ(istmo_key_load_file(&key, nullptr, nullptr), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(key, nullptr);
    EXPECT_NE(last_error().find("path is NULL"), std::string::npos) << last_error();
}

// ---- certificates -------------------------------------------------------------------------

TEST(CapiCert, LoadsPemDerAndBundles) {
    for (const char* file : {"rsa2048.cert.pem", "rsa2048.cert.der", "chain.pem"}) {
        Cert cert = load_cert(k_pki + file);
        EXPECT_NE(cert, nullptr) << file;
    }
}

TEST(CapiCert, ErrorPaths) {
    istmo_cert* cert = poison<istmo_cert>();
    EXPECT_EQ(istmo_cert_load_file(&cert, (k_pki + "missing.pem").c_str()), ISTMO_E_NOT_FOUND);
    EXPECT_EQ(cert, nullptr);
    EXPECT_EQ(istmo_cert_load_file(&cert, (k_pki + "rsa2048.key.pem").c_str()), ISTMO_E_PARSE);
    EXPECT_EQ(cert, nullptr);
    EXPECT_EQ(istmo_cert_load_file(&cert, (k_pki + "README.md").c_str()), ISTMO_E_PARSE);
    EXPECT_EQ(istmo_cert_load_file(&cert, nullptr), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(cert, nullptr);
    EXPECT_EQ(istmo_cert_load_file(nullptr, (k_pki + "rsa2048.cert.pem").c_str()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(last_error().rfind("istmo_cert_load_file: ", 0), 0u) << last_error();
}

// ---- trust --------------------------------------------------------------------------------

TEST(CapiTrust, ErrorPathsLeaveTheStoreUsable) {
    Trust trust = make_trust({});
    ASSERT_NE(trust, nullptr);
    EXPECT_EQ(istmo_trust_add_file(trust.get(), (k_pki + "missing.pem").c_str()), ISTMO_E_NOT_FOUND);
    EXPECT_EQ(istmo_trust_add_file(trust.get(), (k_pki + "rsa2048.key.pem").c_str()), ISTMO_E_PARSE);
    EXPECT_EQ(istmo_trust_add_file(trust.get(), nullptr), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_trust_add_file(nullptr, (k_pki + "ca.cert.pem").c_str()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_trust_new(nullptr), ISTMO_E_INVALID_ARGUMENT);
    // Still usable after the failures: the chain file adds two anchors.
    EXPECT_EQ(istmo_trust_add_file(trust.get(), (k_pki + "chain.pem").c_str()), ISTMO_OK) << last_error();
    Key key = load_key("rsa2048.key.pem");
    Cert cert = load_cert(k_pki + "rsa2048.cert.pem");
    Report report = verify(sign(key.get(), cert.get()), trust.get());
    EXPECT_EQ(istmo_report_indication(report.get()), ISTMO_INDICATION_TOTAL_PASSED);
}

TEST(CapiTrust, EmptyStoreTrustsNothing) {
    Trust trust = make_trust({});
    Key key = load_key("rsa2048.key.pem");
    Cert cert = load_cert(k_pki + "rsa2048.cert.pem");
    Report report = verify(sign(key.get(), cert.get()), trust.get());
    EXPECT_EQ(istmo_report_indication(report.get()), ISTMO_INDICATION_INDETERMINATE);
    EXPECT_STREQ(istmo_report_sub_indication(report.get()), "NO_CERTIFICATE_CHAIN_FOUND");
}

// ---- signing and verification ---------------------------------------------------------------

class CapiSign : public ::testing::Test {
protected:
    void SetUp() override {
        key = load_key("rsa2048.key.pem");
        cert = load_cert(k_pki + "rsa2048.cert.pem");
        trust = make_trust({"ca.cert.pem", "intermediate.cert.pem"});
        ASSERT_TRUE(key && cert && trust);
    }
    Key key;
    Cert cert;
    Trust trust;
};

TEST_F(CapiSign, SignsAndVerifiesAsTotalPassed) {
    const std::string signed_xml = sign(key.get(), cert.get());
    ASSERT_FALSE(signed_xml.empty());
    EXPECT_NE(signed_xml.find("<ds:Signature"), std::string::npos);
    Report report = verify(signed_xml, trust.get());
    ASSERT_NE(report, nullptr);
    EXPECT_EQ(istmo_report_indication(report.get()), ISTMO_INDICATION_TOTAL_PASSED);
    EXPECT_STREQ(istmo_report_sub_indication(report.get()), "");
    const std::string json = istmo_report_json(report.get());
    EXPECT_EQ(json.rfind("{\"indication\":\"TOTAL_PASSED\"", 0), 0u) << json;
    // One finding only, the warning of revocation "auto": the test PKI's signer certificate
    // publishes no CRL / OCSP URL.
    EXPECT_NE(json.find("\"findings\":[{\"code\":\"DSIG-CERT-REVOCATION-NOT-CHECKED\",\"severity\":\"warning\""),
              std::string::npos)
        << json;
    EXPECT_EQ(json.find("\"severity\":\"error\""), std::string::npos) << json;
    // The JSON is owned by the report: the same pointer on every call.
    EXPECT_EQ(istmo_report_json(report.get()), istmo_report_json(report.get()));
    EXPECT_EQ(last_error(), "");
}

TEST_F(CapiSign, NullProfileIsXmldsig) {
    char* out = nullptr;
    std::size_t len = 0;
    ASSERT_EQ(istmo_sign(&out, &len, k_document.data(), k_document.size(), key.get(), cert.get(), nullptr),
              ISTMO_OK) << last_error();
    const std::string signed_xml(out, len);
    istmo_free(out);
    Report report = verify(signed_xml, trust.get());
    EXPECT_EQ(istmo_report_indication(report.get()), ISTMO_INDICATION_TOTAL_PASSED);
}

TEST_F(CapiSign, CertificateBundleEmbedsTheChain) {
    // Signer + intermediate in one file: only the root needs to be trusted.
    const std::string bundle = write_bundle();
    Cert with_chain = load_cert(bundle);
    std::filesystem::remove(bundle);
    Trust root_only = make_trust({"ca.cert.pem"});
    Report with = verify(sign(key.get(), with_chain.get()), root_only.get());
    EXPECT_EQ(istmo_report_indication(with.get()), ISTMO_INDICATION_TOTAL_PASSED) << istmo_report_json(with.get());
    // Without the intermediate in the signature the path cannot be built.
    Report without = verify(sign(key.get(), cert.get()), root_only.get());
    EXPECT_EQ(istmo_report_indication(without.get()), ISTMO_INDICATION_INDETERMINATE);
}

TEST_F(CapiSign, WithoutCertificateKeyInfoHoldsTheKeyValue) {
    const std::string signed_xml = sign(key.get(), nullptr);
    EXPECT_NE(signed_xml.find("KeyValue"), std::string::npos);
    Report report = verify(signed_xml, trust.get());
    EXPECT_EQ(istmo_report_indication(report.get()), ISTMO_INDICATION_INDETERMINATE);
}

TEST_F(CapiSign, EncryptedAndPkcs12KeysSignToo) {
    for (const char* file : {"rsa2048.key.enc.pem", "rsa2048.p12"}) {
        Key other = load_key(file, k_password);
        Report report = verify(sign(other.get(), cert.get()), trust.get());
        EXPECT_EQ(istmo_report_indication(report.get()), ISTMO_INDICATION_TOTAL_PASSED) << file;
    }
}

TEST_F(CapiSign, UsesOnlyLenBytesOfTheInput) {
    // The input needs no NUL and nothing after len is read.
    const std::string padded = k_document + "<garbage";
    char* out = nullptr;
    std::size_t len = 0;
    ASSERT_EQ(istmo_sign(&out, &len, padded.data(), k_document.size(), key.get(), cert.get(), "xmldsig"),
              ISTMO_OK) << last_error();
    const std::string signed_xml(out, len);
    istmo_free(out);
    EXPECT_EQ(signed_xml.find("garbage"), std::string::npos);
    const std::string trailing = signed_xml + "<junk>";
    istmo_report* report = nullptr;
    ASSERT_EQ(istmo_verify(&report, trailing.data(), signed_xml.size(), trust.get()), ISTMO_OK);
    Report owned(report);
    EXPECT_EQ(istmo_report_indication(report), ISTMO_INDICATION_TOTAL_PASSED);
}

TEST_F(CapiSign, NullArgumentsAndBadLengthsAreInvalid) {
    const char* xml = k_document.data();
    const std::size_t n = k_document.size();
    char* out = poison<char>();
    std::size_t len = 42;
    auto check = [&](int rc, const char* what) {
        EXPECT_EQ(rc, ISTMO_E_INVALID_ARGUMENT) << what << ": " << last_error();
        EXPECT_EQ(last_error().rfind("istmo_sign: ", 0), 0u) << what << ": " << last_error();
    };
    check(istmo_sign(nullptr, &len, xml, n, key.get(), cert.get(), "xmldsig"), "out_xml");
    EXPECT_EQ(len, 0u);
    check(istmo_sign(&out, nullptr, xml, n, key.get(), cert.get(), "xmldsig"), "out_len");
    EXPECT_EQ(out, nullptr);
    out = poison<char>();
    len = 42;
    check(istmo_sign(&out, &len, nullptr, n, key.get(), cert.get(), "xmldsig"), "xml");
    EXPECT_EQ(out, nullptr);
    EXPECT_EQ(len, 0u);
    check(istmo_sign(&out, &len, nullptr, 0, key.get(), cert.get(), "xmldsig"), "xml, 0");
    check(istmo_sign(&out, &len, xml, n, nullptr, cert.get(), "xmldsig"), "key");
    check(istmo_sign(&out, &len, xml, static_cast<std::size_t>(-1), key.get(), cert.get(), "xmldsig"),
          "len SIZE_MAX");
    check(istmo_sign(&out, &len, xml,
                     static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max()) + 1u, key.get(),
                     cert.get(), "xmldsig"),
          "len PTRDIFF_MAX + 1");
    check(istmo_sign(&out, &len, xml, n, key.get(), cert.get(), "no-such-profile"), "profile");
    check(istmo_sign(&out, &len, xml, n, key.get(), cert.get(), ""), "empty profile");
    check(istmo_sign(&out, &len, xml, n, key.get(), cert.get(), "XMLDSIG"), "profile is case-sensitive");
    EXPECT_EQ(out, nullptr);
}

TEST_F(CapiSign, MalformedXmlIsAParseError) {
    for (const std::string bad : {"<Invoice>", "not xml", "", "<a></b>", "<a>\xff\xfe</a>"}) {
        char* out = poison<char>();
        std::size_t len = 42;
        EXPECT_EQ(istmo_sign(&out, &len, bad.data(), bad.size(), key.get(), cert.get(), "xmldsig"), ISTMO_E_PARSE)
            << bad << ": " << last_error();
        EXPECT_EQ(out, nullptr);
        EXPECT_EQ(len, 0u);
        EXPECT_EQ(last_error().rfind("istmo_sign: parse_error", 0), 0u) << last_error();
    }
}

TEST_F(CapiSign, DoctypeIsRefused) {
    const std::string doctype = "<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>";
    char* out = nullptr;
    std::size_t len = 0;
    EXPECT_EQ(istmo_sign(&out, &len, doctype.data(), doctype.size(), key.get(), cert.get(), nullptr),
              ISTMO_E_UNSUPPORTED) << last_error();
    EXPECT_EQ(out, nullptr);
}

TEST_F(CapiSign, CertificateOfAnotherKeyIsAKeyError) {
    Cert other = load_cert(k_pki + "ec-p256.cert.pem");
    char* out = nullptr;
    std::size_t len = 0;
    EXPECT_EQ(istmo_sign(&out, &len, k_document.data(), k_document.size(), key.get(), other.get(), nullptr),
              ISTMO_E_KEY) << last_error();
    EXPECT_EQ(out, nullptr);
}

TEST_F(CapiSign, XadesBaselineProfileSignsAndVerifies) {
    char* out = nullptr;
    std::size_t len = 0;
    ASSERT_EQ(istmo_sign(&out, &len, k_document.data(), k_document.size(), key.get(), cert.get(), "xades-b-b"), ISTMO_OK)
        << last_error();
    const std::string signed_xml(out, len);
    istmo_free(out);
    EXPECT_NE(signed_xml.find("QualifyingProperties"), std::string::npos);
    EXPECT_NE(signed_xml.find("SigningCertificateV2"), std::string::npos);
    istmo_trust* anchors = nullptr;
    ASSERT_EQ(istmo_trust_new(&anchors), ISTMO_OK);
    ASSERT_EQ(istmo_trust_add_file(anchors, (k_pki + "ca.cert.pem").c_str()), ISTMO_OK);
    // The fixture's certificate comes without its chain: trust the issuing CA directly.
    ASSERT_EQ(istmo_trust_add_file(anchors, (k_pki + "intermediate.cert.pem").c_str()), ISTMO_OK);
    istmo_report* report = nullptr;
    ASSERT_EQ(istmo_verify(&report, signed_xml.data(), signed_xml.size(), anchors), ISTMO_OK) << last_error();
    EXPECT_EQ(istmo_report_indication(report), 0) << istmo_report_json(report);
    EXPECT_NE(std::string(istmo_report_json(report)).find("\"level\":\"B-B\""), std::string::npos);
    istmo_report_free(report);
    // Without a certificate there is nothing to bind in SigningCertificateV2.
    out = poison<char>();
    EXPECT_EQ(istmo_sign(&out, &len, k_document.data(), k_document.size(), key.get(), nullptr, "xades-b-b"),
              ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(out, nullptr);
    istmo_trust_free(anchors);
}

TEST_F(CapiSign, PanamaFeProfileSignsAnInvoiceThatVerifies) {
    const std::string json = read_text(k_fe + "json/01-factura.json");
    const std::string unsigned_xml = invoice_from_json(json);
    ASSERT_FALSE(unsigned_xml.empty());
    char* out = poison<char>();
    std::size_t len = 42;
    ASSERT_EQ(istmo_sign(&out, &len, unsigned_xml.data(), unsigned_xml.size(), key.get(), cert.get(), "panama-fe"),
              ISTMO_OK) << last_error();
    const std::string signed_xml(out, len);
    EXPECT_EQ(out[len], '\0');
    istmo_free(out);
    // Unprefixed ds:Signature, signer certificate and subject name (docs/panama-fe.md).
    EXPECT_NE(signed_xml.find("<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\""), std::string::npos);
    EXPECT_NE(signed_xml.find("X509SubjectName"), std::string::npos);
    EXPECT_EQ(signed_xml.find("gNoFirm"), std::string::npos) << "no QR without a secret";
    // The XML Signature itself is valid and trusted.
    Report report = verify(signed_xml, trust.get());
    EXPECT_EQ(istmo_report_indication(report.get()), ISTMO_INDICATION_TOTAL_PASSED) << istmo_report_json(report.get());
    // As an invoice, everything but the QR (gNoFirm, which the C API cannot add) is accepted.
    istmo_report* invoice_report = nullptr;
    ASSERT_EQ(istmo_invoice_validate(&invoice_report, signed_xml.data(), signed_xml.size(), trust.get()), ISTMO_OK)
        << last_error();
    Report owned(invoice_report);
    const std::string json_report = istmo_report_json(invoice_report);
    EXPECT_EQ(istmo_report_indication(invoice_report), ISTMO_INDICATION_TOTAL_FAILED) << json_report;
    EXPECT_EQ(count(json_report, "\"severity\":\"error\""), 1u) << json_report;
    EXPECT_NE(json_report.find("\"code\":\"FE-XSD-MISSING\""), std::string::npos) << json_report;
    EXPECT_NE(json_report.find("gNoFirm"), std::string::npos) << json_report;
    EXPECT_EQ(json_report.find("FE-SIG"), std::string::npos) << json_report;
    // Without a certificate there is no X509Data to write.
    out = poison<char>();
    len = 42;
    EXPECT_EQ(istmo_sign(&out, &len, unsigned_xml.data(), unsigned_xml.size(), key.get(), nullptr, "panama-fe"),
              ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(out, nullptr);
    EXPECT_EQ(len, 0u);
    EXPECT_NE(last_error().find("panama-fe"), std::string::npos) << last_error();
    // The profile is RSA-SHA256 only: another key type is refused.
    Key ec_key = load_key("ec-p256.key.pem");
    Cert ec_cert = load_cert(k_pki + "ec-p256.cert.pem");
    out = poison<char>();
    EXPECT_EQ(istmo_sign(&out, &len, unsigned_xml.data(), unsigned_xml.size(), ec_key.get(), ec_cert.get(),
                         "panama-fe"),
              ISTMO_E_INVALID_ARGUMENT) << last_error();
    EXPECT_EQ(out, nullptr);
    // A document that is not XML is a parse error, as with the other profiles.
    const std::string bad = "<rFE";
    EXPECT_EQ(istmo_sign(&out, &len, bad.data(), bad.size(), key.get(), cert.get(), "panama-fe"), ISTMO_E_PARSE)
        << last_error();
    EXPECT_EQ(out, nullptr);
}

TEST_F(CapiSign, HandlesOfTheWrongKindAreInvalidObjects) {
    char* out = nullptr;
    std::size_t len = 0;
    const char* xml = k_document.data();
    const std::size_t n = k_document.size();
    Junk junk;
    // A certificate where a key is expected, and the other way round.
    EXPECT_EQ(istmo_sign(&out, &len, xml, n, reinterpret_cast<const istmo_key*>(cert.get()), cert.get(), nullptr),
              ISTMO_E_INVALID_OBJECT);
    EXPECT_NE(last_error().find("key is not an istmo_key handle"), std::string::npos) << last_error();
    EXPECT_EQ(istmo_sign(&out, &len, xml, n, key.get(), reinterpret_cast<const istmo_cert*>(key.get()), nullptr),
              ISTMO_E_INVALID_OBJECT);
    EXPECT_EQ(istmo_sign(&out, &len, xml, n, junk.as<istmo_key>(), cert.get(), nullptr), ISTMO_E_INVALID_OBJECT);
    EXPECT_EQ(istmo_sign(&out, &len, xml, n, key.get(), junk.as<istmo_cert>(), nullptr), ISTMO_E_INVALID_OBJECT);
    EXPECT_EQ(out, nullptr);
    EXPECT_EQ(istmo_trust_add_file(reinterpret_cast<istmo_trust*>(key.get()), (k_pki + "ca.cert.pem").c_str()),
              ISTMO_E_INVALID_OBJECT);
    EXPECT_EQ(istmo_trust_add_file(junk.as<istmo_trust>(), (k_pki + "ca.cert.pem").c_str()),
              ISTMO_E_INVALID_OBJECT);
    istmo_report* report = nullptr;
    EXPECT_EQ(istmo_verify(&report, xml, n, reinterpret_cast<const istmo_trust*>(cert.get())),
              ISTMO_E_INVALID_OBJECT);
    EXPECT_EQ(report, nullptr);
    EXPECT_EQ(istmo_report_indication(reinterpret_cast<const istmo_report*>(trust.get())), ISTMO_E_INVALID_OBJECT);
    EXPECT_EQ(istmo_report_json(junk.as<istmo_report>()), nullptr);
    EXPECT_NE(last_error().find("report is not an istmo_report handle"), std::string::npos) << last_error();
    EXPECT_EQ(istmo_report_sub_indication(junk.as<istmo_report>()), nullptr);
}

TEST_F(CapiSign, FreeingAHandleOfTheWrongKindIsIgnored) {
    // The free functions check the tag too: a wrong pointer is not freed (nor crashed on).
    istmo_key_free(reinterpret_cast<istmo_key*>(cert.get()));
    istmo_cert_free(reinterpret_cast<istmo_cert*>(trust.get()));
    istmo_trust_free(reinterpret_cast<istmo_trust*>(key.get()));
    istmo_report_free(reinterpret_cast<istmo_report*>(key.get()));
    Junk junk;
    istmo_key_free(junk.as<istmo_key>());
    // Everything is still alive and usable.
    Report report = verify(sign(key.get(), cert.get()), trust.get());
    EXPECT_EQ(istmo_report_indication(report.get()), ISTMO_INDICATION_TOTAL_PASSED);
}

TEST_F(CapiSign, TamperedDocumentIsTotalFailed) {
    std::string signed_xml = sign(key.get(), cert.get());
    const auto at = signed_xml.find("100.00");
    ASSERT_NE(at, std::string::npos);
    signed_xml.replace(at, 6, "900.00");
    Report report = verify(signed_xml, trust.get());
    EXPECT_EQ(istmo_report_indication(report.get()), ISTMO_INDICATION_TOTAL_FAILED);
    EXPECT_STREQ(istmo_report_sub_indication(report.get()), "HASH_FAILURE");
    EXPECT_NE(std::string(istmo_report_json(report.get())).find("\"severity\":\"error\""), std::string::npos);
}

TEST_F(CapiSign, BrokenDocumentsGiveReportsNotErrors) {
    struct Case { std::string xml; const char* finding; };
    for (const Case& c : {Case{"<a", "XML-NOT-WELL-FORMED"}, Case{"", "XML-NOT-WELL-FORMED"},
                          Case{"<a/>", "DSIG-NO-SIGNATURE"}}) {
        Report report = verify(c.xml, trust.get());
        ASSERT_NE(report, nullptr) << c.xml;
        EXPECT_EQ(istmo_report_indication(report.get()), ISTMO_INDICATION_TOTAL_FAILED) << c.xml;
        EXPECT_STREQ(istmo_report_sub_indication(report.get()), "FORMAT_FAILURE") << c.xml;
        EXPECT_NE(std::string(istmo_report_json(report.get())).find(c.finding), std::string::npos) << c.xml;
    }
}

TEST_F(CapiSign, VerifyNullArgumentsAndBadLengthsAreInvalid) {
    const char* xml = k_document.data();
    const std::size_t n = k_document.size();
    istmo_report* report = poison<istmo_report>();
    EXPECT_EQ(istmo_verify(nullptr, xml, n, trust.get()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_verify(&report, nullptr, n, trust.get()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(report, nullptr);
    EXPECT_EQ(istmo_verify(&report, xml, n, nullptr), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("trust is NULL"), std::string::npos) << last_error();
    EXPECT_EQ(istmo_verify(&report, xml, static_cast<std::size_t>(-1), trust.get()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("PTRDIFF_MAX"), std::string::npos) << last_error();
    EXPECT_EQ(report, nullptr);
}

TEST(CapiReport, NullReportIsInvalid) {
    EXPECT_EQ(istmo_report_indication(nullptr), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "istmo_report_indication: report is NULL");
    EXPECT_EQ(istmo_report_json(nullptr), nullptr);
    EXPECT_EQ(last_error(), "istmo_report_json: report is NULL");
    EXPECT_EQ(istmo_report_sub_indication(nullptr), nullptr);
    EXPECT_EQ(last_error(), "istmo_report_sub_indication: report is NULL");
}

TEST_F(CapiSign, SharedKeyCertAndTrustFromManyThreads) {
    std::atomic<int> passed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            for (int j = 0; j < 3; ++j) {
                char* out = nullptr;
                std::size_t len = 0;
                if (istmo_sign(&out, &len, k_document.data(), k_document.size(), key.get(), cert.get(), nullptr) !=
                    ISTMO_OK)
                    return;
                istmo_report* report = nullptr;
                const int rc = istmo_verify(&report, out, len, trust.get());
                istmo_free(out);
                if (rc == ISTMO_OK && istmo_report_indication(report) == ISTMO_INDICATION_TOTAL_PASSED) ++passed;
                istmo_report_free(report);
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(passed.load(), 12);
}

// ---- e-invoices ---------------------------------------------------------------------------------

class CapiInvoice : public ::testing::Test {
protected:
    void SetUp() override {
        // test-vectors/panama-fe/README.md: the vectors chain to the test CA.
        trust = make_trust({"ca.cert.pem", "intermediate.cert.pem"});
        ASSERT_TRUE(trust);
    }
    Report validate(const std::string& xml) {
        istmo_report* report = poison<istmo_report>();
        EXPECT_EQ(istmo_invoice_validate(&report, xml.data(), xml.size(), trust.get()), ISTMO_OK) << last_error();
        return Report(report);
    }
    Trust trust;
};

TEST_F(CapiInvoice, ValidVectorsAreTotalPassed) {
    for (const char* name : {"01-factura", "01-factura-completa", "03-exportacion", "04-nota-credito-fe",
                             "09-reembolso-gobierno"}) {
        const std::string xml = read_text(k_fe + "valid/" + name + ".xml");
        Report report = validate(xml);
        ASSERT_NE(report, nullptr) << name;
        const std::string json = istmo_report_json(report.get());
        EXPECT_EQ(istmo_report_indication(report.get()), ISTMO_INDICATION_TOTAL_PASSED) << name << ": " << json;
        EXPECT_STREQ(istmo_report_sub_indication(report.get()), "") << name;
        EXPECT_EQ(json.rfind("{\"indication\":\"TOTAL_PASSED\"", 0), 0u) << json;
        EXPECT_NE(json.find("\"cufe\":\"" + element_text(xml, "dId") + "\""), std::string::npos) << json;
        // The JSON is owned by the report: the same pointer on every call.
        EXPECT_EQ(istmo_report_json(report.get()), istmo_report_json(report.get()));
    }
}

TEST_F(CapiInvoice, InvalidVectorsReportTheirCode) {
    struct Case { const char* file; const char* code; };
    for (const Case& c : {Case{"x47-cufe-mismatch.xml", "FE-CUFE-MISMATCH"}, Case{"x49-issuer-dv.xml", "FE-RUC-DV"},
                          Case{"x57-dvtot.xml", "FE-CALC-VTOT"}, Case{"x75-signed-content-changed.xml", "FE-SIG-INVALID"},
                          Case{"x81-not-well-formed.xml", "FE-XML-MALFORMED"}, Case{"x82-wrong-root.xml", "FE-XSD-ROOT"}}) {
        Report report = validate(read_text(k_fe + "invalid/" + c.file));
        ASSERT_NE(report, nullptr) << c.file;
        const std::string json = istmo_report_json(report.get());
        EXPECT_EQ(istmo_report_indication(report.get()), ISTMO_INDICATION_TOTAL_FAILED) << c.file << ": " << json;
        EXPECT_NE(json.find(std::string("\"code\":\"") + c.code + "\""), std::string::npos) << c.file << ": " << json;
    }
}

TEST_F(CapiInvoice, UntrustedSignerIsNotTotalPassed) {
    Trust empty = make_trust({});
    const std::string xml = read_text(k_fe + "valid/01-factura.xml");
    istmo_report* report = nullptr;
    ASSERT_EQ(istmo_invoice_validate(&report, xml.data(), xml.size(), empty.get()), ISTMO_OK) << last_error();
    Report owned(report);
    EXPECT_NE(istmo_report_indication(report), ISTMO_INDICATION_TOTAL_PASSED) << istmo_report_json(report);
}

TEST_F(CapiInvoice, ValidateErrorPaths) {
    const std::string xml = read_text(k_fe + "valid/01-factura.xml");
    istmo_report* report = poison<istmo_report>();
    EXPECT_EQ(istmo_invoice_validate(nullptr, xml.data(), xml.size(), trust.get()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "istmo_invoice_validate: out is NULL");
    EXPECT_EQ(istmo_invoice_validate(&report, nullptr, xml.size(), trust.get()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(report, nullptr);
    report = poison<istmo_report>();
    EXPECT_EQ(istmo_invoice_validate(&report, xml.data(), xml.size(), nullptr), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(report, nullptr);
    EXPECT_EQ(istmo_invoice_validate(&report, xml.data(), static_cast<std::size_t>(-1), trust.get()),
              ISTMO_E_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("PTRDIFF_MAX"), std::string::npos) << last_error();
    Junk junk;
    EXPECT_EQ(istmo_invoice_validate(&report, xml.data(), xml.size(), junk.as<istmo_trust>()), ISTMO_E_INVALID_OBJECT);
    EXPECT_EQ(report, nullptr);
    // Garbage is a report, not an error.
    Report garbage = validate("not xml");
    ASSERT_NE(garbage, nullptr);
    EXPECT_EQ(istmo_report_indication(garbage.get()), ISTMO_INDICATION_TOTAL_FAILED);
}

// SHA-1 (the DGI accepts it in production): refused by istmo_invoice_validate, accepted with a
// warning by istmo_invoice_validate_ex and ISTMO_INVOICE_LEGACY; unknown flag bits are refused.
TEST_F(CapiInvoice, LegacyFlagAcceptsSha1WithAWarning) {
    const std::string xml = read_text(k_fe + "extra/legacy/01-factura-sha1.xml");
    istmo_report* strict = nullptr;
    ASSERT_EQ(istmo_invoice_validate(&strict, xml.data(), xml.size(), trust.get()), ISTMO_OK) << last_error();
    Report owned_strict(strict);
    EXPECT_EQ(istmo_report_indication(strict), ISTMO_INDICATION_INDETERMINATE) << istmo_report_json(strict);
    EXPECT_STREQ(istmo_report_sub_indication(strict), "CRYPTO_CONSTRAINTS_FAILURE");
    EXPECT_NE(std::string(istmo_report_json(strict)).find("FE-SIG-LEGACY-REFUSED"), std::string::npos);
    istmo_report* same = nullptr;
    ASSERT_EQ(istmo_invoice_validate_ex(&same, xml.data(), xml.size(), trust.get(), 0u), ISTMO_OK) << last_error();
    Report owned_same(same);
    EXPECT_EQ(istmo_report_indication(same), ISTMO_INDICATION_INDETERMINATE);
    istmo_report* legacy = nullptr;
    ASSERT_EQ(istmo_invoice_validate_ex(&legacy, xml.data(), xml.size(), trust.get(), ISTMO_INVOICE_LEGACY), ISTMO_OK)
        << last_error();
    Report owned_legacy(legacy);
    EXPECT_EQ(istmo_report_indication(legacy), ISTMO_INDICATION_TOTAL_PASSED) << istmo_report_json(legacy);
    EXPECT_NE(std::string(istmo_report_json(legacy)).find("\"FE-SIG-LEGACY\""), std::string::npos);
    istmo_report* refused = poison<istmo_report>();
    EXPECT_EQ(istmo_invoice_validate_ex(&refused, xml.data(), xml.size(), trust.get(), 0x80u), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(refused, nullptr);
    EXPECT_EQ(last_error(), "istmo_invoice_validate_ex: unknown flag bits");
}

TEST_F(CapiInvoice, FromJsonBuildsAnInvoiceTheValidatorAccepts) {
    const std::string xml = invoice_from_json(read_text(k_fe + "json/01-factura.json"));
    ASSERT_FALSE(xml.empty());
    EXPECT_NE(xml.find("<rFE xmlns=\"http://dgi-fep.mef.gob.pa\""), std::string::npos) << xml;
    // The derived dId is the one of the signed vector made from the same JSON.
    const std::string signed_vector = read_text(k_fe + "valid/01-factura.xml");
    EXPECT_EQ(element_text(xml, "dId"), element_text(signed_vector, "dId"));
    EXPECT_EQ(element_text(xml, "dVTot"), element_text(signed_vector, "dVTot"));
    // Structurally valid: the only errors are the missing signature and QR of an unsigned document.
    Report report = validate(xml);
    ASSERT_NE(report, nullptr);
    const std::string json = istmo_report_json(report.get());
    EXPECT_EQ(istmo_report_indication(report.get()), ISTMO_INDICATION_TOTAL_FAILED) << json;
    EXPECT_EQ(count(json, "\"severity\":\"error\""), count(json, "\"code\":\"FE-XSD-MISSING\"")) << json;
    EXPECT_GE(count(json, "\"code\":\"FE-XSD-MISSING\""), 1u) << json;
    EXPECT_LE(count(json, "\"code\":\"FE-XSD-MISSING\""), 2u) << json;
    EXPECT_EQ(json.find("FE-CALC"), std::string::npos) << json;
    EXPECT_EQ(json.find("FE-CUFE"), std::string::npos) << json;
}

TEST_F(CapiInvoice, FromJsonErrorPaths) {
    char* out = poison<char>();
    std::size_t len = 42;
    const std::string json = "{\"dVerForm\": \"1.00\"}";
    EXPECT_EQ(istmo_invoice_from_json(nullptr, &len, json.data(), json.size()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(len, 0u);
    EXPECT_EQ(istmo_invoice_from_json(&out, nullptr, json.data(), json.size()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(out, nullptr);
    EXPECT_EQ(istmo_invoice_from_json(&out, &len, nullptr, 0), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_invoice_from_json(&out, &len, json.data(), static_cast<std::size_t>(-1)),
              ISTMO_E_INVALID_ARGUMENT);
    for (const std::string bad : {"", "{", "not json", "{\"gDGen\": [1,}"}) {
        out = poison<char>();
        len = 42;
        EXPECT_EQ(istmo_invoice_from_json(&out, &len, bad.data(), bad.size()), ISTMO_E_PARSE) << bad << ": " << last_error();
        EXPECT_EQ(out, nullptr);
        EXPECT_EQ(len, 0u);
    }
    const std::string unknown = "{\"dVerForm\": \"1.00\", \"noSuchField\": \"x\"}";
    EXPECT_EQ(istmo_invoice_from_json(&out, &len, unknown.data(), unknown.size()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("noSuchField"), std::string::npos) << last_error();
    EXPECT_EQ(out, nullptr);
}

TEST_F(CapiInvoice, CufeOfAValidInvoiceIsItsDId) {
    for (const char* name : {"01-factura", "02-importacion", "08-zona-franca-contingencia"}) {
        const std::string xml = read_text(k_fe + "valid/" + name + ".xml");
        char* out = poison<char>();
        ASSERT_EQ(istmo_invoice_cufe(&out, xml.data(), xml.size()), ISTMO_OK) << name << ": " << last_error();
        const std::string cufe(out);
        istmo_free(out);
        EXPECT_EQ(cufe.size(), 66u) << cufe;
        EXPECT_EQ(cufe, element_text(xml, "dId")) << name;
    }
    // The CUFE comes from the fields: a changed dSeg gives another CUFE than the declared dId.
    const std::string mismatch = read_text(k_fe + "invalid/x47-cufe-mismatch.xml");
    char* out = nullptr;
    ASSERT_EQ(istmo_invoice_cufe(&out, mismatch.data(), mismatch.size()), ISTMO_OK) << last_error();
    EXPECT_NE(std::string(out), element_text(mismatch, "dId"));
    istmo_free(out);
}

TEST_F(CapiInvoice, CufeErrorPaths) {
    const std::string xml = read_text(k_fe + "valid/01-factura.xml");
    char* out = poison<char>();
    EXPECT_EQ(istmo_invoice_cufe(nullptr, xml.data(), xml.size()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_invoice_cufe(&out, nullptr, 1), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(out, nullptr);
    out = poison<char>();
    EXPECT_EQ(istmo_invoice_cufe(&out, xml.data(), static_cast<std::size_t>(-1)), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(out, nullptr);
    for (const std::string bad : {"", "<rFE", "<a></b>"}) {
        out = poison<char>();
        EXPECT_EQ(istmo_invoice_cufe(&out, bad.data(), bad.size()), ISTMO_E_PARSE) << bad << ": " << last_error();
        EXPECT_EQ(out, nullptr);
    }
    // Well-formed, but not an rFE in the DGI namespace.
    for (const std::string other : {"<a/>", "<rFE/>"}) {
        out = poison<char>();
        EXPECT_EQ(istmo_invoice_cufe(&out, other.data(), other.size()), ISTMO_E_INVALID_ARGUMENT)
            << other << ": " << last_error();
        EXPECT_NE(last_error().find("rFE"), std::string::npos) << last_error();
        EXPECT_EQ(out, nullptr);
    }
    // Well-formed rFE without the CUFE fields.
    const std::string empty = "<rFE xmlns=\"http://dgi-fep.mef.gob.pa\"><dVerForm>1.00</dVerForm></rFE>";
    out = poison<char>();
    EXPECT_EQ(istmo_invoice_cufe(&out, empty.data(), empty.size()), ISTMO_E_INVALID_ARGUMENT) << last_error();
    EXPECT_EQ(out, nullptr);
}

// istmo_invoice_sign: the panama-fe profile plus the QR, whose secret comes in as bytes.

// What the C++ API makes of the same input: invoice::panama::sign with the secret in QrOptions.
std::string cxx_sign_with_qr(const std::string& unsigned_xml, std::string_view secret, const std::string& base_url = {}) {
    namespace pa = istmo::invoice::panama;
    auto key = istmo::crypto::PrivateKey::from_file(k_pki + "rsa2048.key.pem");
    auto cert = istmo::crypto::Certificate::from_file(k_pki + "rsa2048.cert.pem");
    EXPECT_TRUE(key && cert);
    if (!key || !cert) return {};
    auto signer = pa::make_signer(std::move(*key), std::move(*cert));
    EXPECT_TRUE(signer.has_value());
    if (!signer) return {};
    pa::QrOptions qr;
    qr.secret = istmo::crypto::Secret(secret);
    qr.base_url = base_url;
    auto signed_xml = pa::sign(*signer, unsigned_xml, qr);
    EXPECT_TRUE(signed_xml.has_value()) << signed_xml.error().to_string();
    return signed_xml ? *signed_xml : std::string();
}

// istmo_invoice_sign with the rsa2048 test key; "" (and the code in *rc) on failure.
std::string c_sign_with_qr(const std::string& unsigned_xml, const void* secret, std::size_t secret_len,
                           const char* base_url = nullptr, int* rc_out = nullptr) {
    Key key = load_key("rsa2048.key.pem");
    Cert cert = load_cert(k_pki + "rsa2048.cert.pem");
    char* out = poison<char>();
    std::size_t len = 42;
    const int rc = istmo_invoice_sign(&out, &len, unsigned_xml.data(), unsigned_xml.size(), key.get(), cert.get(),
                                      static_cast<const unsigned char*>(secret), secret_len, base_url);
    if (rc_out) *rc_out = rc;
    if (rc != ISTMO_OK) {
        EXPECT_EQ(out, nullptr);
        EXPECT_EQ(len, 0u);
        return {};
    }
    std::unique_ptr<char, BufferFree> owned(out);
    EXPECT_EQ(out[len], '\0');
    return std::string(out, len);
}

TEST_F(CapiInvoice, SignWithQrSecretAddsTheQrOfTheCxxApi) {
    const std::string unsigned_xml = invoice_from_json(read_text(k_fe + "json/01-factura.json"));
    ASSERT_FALSE(unsigned_xml.empty());
    const std::string secret = "istmo-test-qr-secret";  // test-vectors/panama-fe/README.md
    const std::string c_signed = c_sign_with_qr(unsigned_xml, secret.data(), secret.size());
    ASSERT_FALSE(c_signed.empty()) << last_error();
    const std::string cxx_signed = cxx_sign_with_qr(unsigned_xml, secret);
    // gNoFirm/dQRCode is there, after the Signature, and it is the C++ API's, byte for byte
    // (RSA PKCS#1 v1.5 is deterministic, so the whole documents are equal too).
    const std::string qr = element_text(c_signed, "dQRCode");
    ASSERT_FALSE(qr.empty()) << c_signed;
    EXPECT_EQ(qr, element_text(cxx_signed, "dQRCode"));
    EXPECT_EQ(c_signed, cxx_signed);
    EXPECT_GT(c_signed.find("<gNoFirm><dQRCode>"), c_signed.find("</Signature>"));
    EXPECT_EQ(qr.rfind("https://dgi-fep-test.mef.gob.pa:40001/Consultas/FacturasPorQR?chFE=" + element_text(c_signed, "dId") +
                           "&amp;iAmb=2&amp;digestValue=" + element_text(c_signed, "DigestValue") + "&amp;jwt=",
                       0),
              0u)
        << qr;
    // The signed vector was made from the same JSON with the same key and secret.
    EXPECT_EQ(c_signed, read_text(k_fe + "valid/01-factura.xml"));
    // And the invoice validator now accepts it as a whole (the QR included).
    Report report = validate(c_signed);
    ASSERT_NE(report, nullptr);
    EXPECT_EQ(istmo_report_indication(report.get()), ISTMO_INDICATION_TOTAL_PASSED) << istmo_report_json(report.get());
}

TEST_F(CapiInvoice, SignWithQrTakesSecretBytesByLengthAndABaseUrl) {
    const std::string unsigned_xml = invoice_from_json(read_text(k_fe + "json/01-factura.json"));
    ASSERT_FALSE(unsigned_xml.empty());
    // A binary secret with a NUL inside: all qr_secret_len bytes are the key, not a C string.
    const unsigned char binary[] = {0x01, 0x00, 0xFF, 0x7F, 0x00, 0x42};
    const std::string_view as_text(reinterpret_cast<const char*>(binary), sizeof binary);
    const std::string with_nul = c_sign_with_qr(unsigned_xml, binary, sizeof binary);
    ASSERT_FALSE(with_nul.empty()) << last_error();
    EXPECT_EQ(element_text(with_nul, "dQRCode"), element_text(cxx_sign_with_qr(unsigned_xml, as_text), "dQRCode"));
    const std::string truncated = c_sign_with_qr(unsigned_xml, binary, 1);
    EXPECT_NE(element_text(with_nul, "dQRCode"), element_text(truncated, "dQRCode")) << "the length must count";
    // Only the JWT depends on the secret: same URL up to jwt=.
    const std::string a = element_text(with_nul, "dQRCode"), b = element_text(truncated, "dQRCode");
    EXPECT_EQ(a.substr(0, a.find("jwt=")), b.substr(0, b.find("jwt=")));
    // A caller's base URL replaces the DGI one.
    const char* base = "https://pac.example/qr";
    const std::string own = c_sign_with_qr(unsigned_xml, binary, sizeof binary, base);
    EXPECT_EQ(element_text(own, "dQRCode").rfind(std::string(base) + "?chFE=", 0), 0u) << own;
    EXPECT_EQ(element_text(own, "dQRCode"), element_text(cxx_sign_with_qr(unsigned_xml, as_text, base), "dQRCode"));
}

TEST_F(CapiInvoice, SignWithQrErrorPathsNeverShowTheSecret) {
    const std::string unsigned_xml = invoice_from_json(read_text(k_fe + "json/01-factura.json"));
    ASSERT_FALSE(unsigned_xml.empty());
    Key key = load_key("rsa2048.key.pem");
    Cert cert = load_cert(k_pki + "rsa2048.cert.pem");
    const std::string secret = "do-not-print-this-secret";
    const auto* bytes = reinterpret_cast<const unsigned char*>(secret.data());
    char* out = poison<char>();
    std::size_t len = 42;
    const auto call = [&](const std::string& xml, const istmo_key* k, const istmo_cert* c, const unsigned char* s,
                          std::size_t n) {
        out = poison<char>();
        len = 42;
        const int rc = istmo_invoice_sign(&out, &len, xml.data(), xml.size(), k, c, s, n, nullptr);
        EXPECT_EQ(out, nullptr);
        EXPECT_EQ(len, 0u);
        EXPECT_EQ(last_error().find(secret), std::string::npos) << last_error();
        return rc;
    };
    EXPECT_EQ(call(unsigned_xml, key.get(), cert.get(), nullptr, secret.size()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "istmo_invoice_sign: qr_secret is NULL");
    EXPECT_EQ(call(unsigned_xml, key.get(), cert.get(), bytes, 0), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("empty"), std::string::npos) << last_error();
    EXPECT_EQ(call(unsigned_xml, key.get(), cert.get(), bytes, static_cast<std::size_t>(-1)), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(call(unsigned_xml, key.get(), nullptr, bytes, secret.size()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(call(unsigned_xml, nullptr, cert.get(), bytes, secret.size()), ISTMO_E_INVALID_ARGUMENT);
    Junk junk;
    EXPECT_EQ(call(unsigned_xml, junk.as<istmo_key>(), cert.get(), bytes, secret.size()), ISTMO_E_INVALID_OBJECT);
    EXPECT_EQ(call(unsigned_xml, key.get(), junk.as<istmo_cert>(), bytes, secret.size()), ISTMO_E_INVALID_OBJECT);
    EXPECT_EQ(call("<rFE", key.get(), cert.get(), bytes, secret.size()), ISTMO_E_PARSE);
    EXPECT_EQ(call("<a/>", key.get(), cert.get(), bytes, secret.size()), ISTMO_E_INVALID_ARGUMENT);
    Key ec_key = load_key("ec-p256.key.pem");
    Cert ec_cert = load_cert(k_pki + "ec-p256.cert.pem");
    EXPECT_EQ(call(unsigned_xml, ec_key.get(), ec_cert.get(), bytes, secret.size()), ISTMO_E_INVALID_ARGUMENT);
    // Signing a signed invoice again is refused.
    const std::string signed_xml = read_text(k_fe + "valid/01-factura.xml");
    EXPECT_EQ(call(signed_xml, key.get(), cert.get(), bytes, secret.size()), ISTMO_E_FAILED_PRECONDITION);
    EXPECT_EQ(istmo_invoice_sign(nullptr, &len, unsigned_xml.data(), unsigned_xml.size(), key.get(), cert.get(), bytes,
                                 secret.size(), nullptr),
              ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_invoice_sign(&out, nullptr, unsigned_xml.data(), unsigned_xml.size(), key.get(), cert.get(), bytes,
                                 secret.size(), nullptr),
              ISTMO_E_INVALID_ARGUMENT);
}

// ---- timestamps ----------------------------------------------------------------------------------

// A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).
int closed_port() {
    istmo::test::TsaTestServer probe;  // takes a free port...
    const std::string url = probe.url();
    const auto colon = url.rfind(':');
    return std::stoi(url.substr(colon + 1));  // ...released when probe is destroyed
}

TEST(CapiTimestamp, UnreachableTsaIsUnavailableQuickly) {
    const std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/tsa";
    Trust trust = make_trust({"ca.cert.pem"});
    const unsigned char data[] = {1, 2, 3};
    unsigned char* der = poison<unsigned char>();
    std::size_t len = 42;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(istmo_timestamp_request(&der, &len, data, sizeof data, url.c_str(), trust.get()), ISTMO_E_UNAVAILABLE)
        << last_error();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
    EXPECT_EQ(der, nullptr);
    EXPECT_EQ(len, 0u);
    EXPECT_EQ(last_error().rfind("istmo_timestamp_request: unavailable", 0), 0u) << last_error();
    EXPECT_STREQ(istmo_strerror(ISTMO_E_UNAVAILABLE), "service unavailable");
}

TEST(CapiTimestamp, LoopbackTsaGivesAVerifiedToken) {
    istmo::test::TsaTestServer tsa;
    const auto anchor = std::filesystem::temp_directory_path() /
                        ("istmo-capi-tsa-root-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                         ".pem");
    {
        std::ofstream out(anchor, std::ios::binary);
        out << tsa.pki().root_pem();
    }
    istmo_trust* trust = nullptr;
    ASSERT_EQ(istmo_trust_new(&trust), ISTMO_OK);
    Trust owned(trust);
    ASSERT_EQ(istmo_trust_add_file(trust, anchor.string().c_str()), ISTMO_OK) << last_error();
    std::filesystem::remove(anchor);

    const std::string data = "istmo capi timestamp";
    unsigned char* der = nullptr;
    std::size_t len = 0;
    ASSERT_EQ(istmo_timestamp_request(&der, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                                      tsa.url().c_str(), trust),
              ISTMO_OK) << last_error();
    std::unique_ptr<unsigned char, BufferFree> token(der);
    ASSERT_GT(len, 100u);
    EXPECT_EQ(der[0], 0x30);  // a DER SEQUENCE (ContentInfo)
    EXPECT_EQ(der[len], 0);
    EXPECT_EQ(last_error(), "");

    // The same TSA against anchors that do not cover it: the token is refused.
    Trust other = make_trust({"ca.cert.pem"});
    unsigned char* refused = poison<unsigned char>();
    std::size_t refused_len = 42;
    EXPECT_EQ(istmo_timestamp_request(&refused, &refused_len, reinterpret_cast<const unsigned char*>(data.data()),
                                      data.size(), tsa.url().c_str(), other.get()),
              ISTMO_E_UNAVAILABLE) << last_error();
    EXPECT_EQ(refused, nullptr);
    EXPECT_EQ(refused_len, 0u);
}

TEST(CapiTimestamp, ErrorPaths) {
    Trust trust = make_trust({"ca.cert.pem"});
    const unsigned char data[] = {1, 2, 3};
    const char* url = "http://127.0.0.1:9/tsa";
    unsigned char* der = poison<unsigned char>();
    std::size_t len = 42;
    EXPECT_EQ(istmo_timestamp_request(nullptr, &len, data, sizeof data, url, trust.get()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(len, 0u);
    EXPECT_EQ(istmo_timestamp_request(&der, nullptr, data, sizeof data, url, trust.get()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(der, nullptr);
    EXPECT_EQ(istmo_timestamp_request(&der, &len, nullptr, 0, url, trust.get()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_timestamp_request(&der, &len, data, static_cast<std::size_t>(-1), url, trust.get()),
              ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_timestamp_request(&der, &len, data, sizeof data, nullptr, trust.get()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "istmo_timestamp_request: tsa_url is NULL");
    EXPECT_EQ(istmo_timestamp_request(&der, &len, data, sizeof data, url, nullptr), ISTMO_E_INVALID_ARGUMENT);
    Junk junk;
    EXPECT_EQ(istmo_timestamp_request(&der, &len, data, sizeof data, url, junk.as<istmo_trust>()),
              ISTMO_E_INVALID_OBJECT);
    for (const char* bad : {"", "ftp://127.0.0.1/tsa", "not a url"}) {
        der = poison<unsigned char>();
        len = 42;
        EXPECT_EQ(istmo_timestamp_request(&der, &len, data, sizeof data, bad, trust.get()), ISTMO_E_INVALID_ARGUMENT)
            << bad << ": " << last_error();
        EXPECT_EQ(der, nullptr);
        EXPECT_EQ(len, 0u);
    }
}

// The CAFE through the C API: PDF by default, HTML and English by flags, typed refusals.
TEST(CApi, InvoiceCafeRendersPdfAndHtml) {
    const std::string xml = read_text(k_fe + "valid/01-factura.xml");
    char* out = nullptr;
    size_t len = 0;
    ASSERT_EQ(istmo_invoice_cafe(&out, &len, xml.data(), xml.size(), 0), ISTMO_OK) << istmo_last_error_message();
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(std::string(out, std::min<size_t>(len, 5)), "%PDF-");
    istmo_free(out);
    ASSERT_EQ(istmo_invoice_cafe(&out, &len, xml.data(), xml.size(), ISTMO_CAFE_HTML | ISTMO_CAFE_ENGLISH | ISTMO_CAFE_PAPER_80MM),
              ISTMO_OK);
    const std::string html(out, len);
    istmo_free(out);
    EXPECT_NE(html.find("INTERNAL OPERATION INVOICE"), std::string::npos);
    EXPECT_NE(html.find("class=\"roll\""), std::string::npos);
    EXPECT_EQ(istmo_invoice_cafe(&out, &len, xml.data(), xml.size(), 0x100u), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(out, nullptr);
    EXPECT_EQ(istmo_invoice_cafe(&out, &len, xml.data(), xml.size(), ISTMO_CAFE_PAPER_A4 | ISTMO_CAFE_PAPER_80MM),
              ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_invoice_cafe(nullptr, &len, xml.data(), xml.size(), 0), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_invoice_cafe(&out, &len, nullptr, 0, 0), ISTMO_E_INVALID_ARGUMENT);
    const std::string unsigned_xml = *istmo::invoice::panama::strip_no_firm(xml);
    EXPECT_EQ(istmo_invoice_cafe(&out, &len, unsigned_xml.data(), unsigned_xml.size(), 0), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_NE(std::string(istmo_last_error_message()).find("dQRCode"), std::string::npos);
    EXPECT_EQ(istmo_invoice_cafe(&out, &len, "<a", 2, 0), ISTMO_E_PARSE);
}

}  // namespace
