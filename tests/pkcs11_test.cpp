// Keys on PKCS#11 tokens, against a SoftHSM2 token that the test initialises in a temporary
// directory (SOFTHSM2_CONF): keys imported from the test PKI and generated on the token, signed
// through RFC 7512 URIs, verified by xmlsec1 and by istmo. Without softhsm2 / pkcs11-tool the
// token tests are skipped (ctest: Not Run), never passed.
#include "test_support.hpp"

#include "crypto/native.hpp"
#include "crypto/pkcs11_uri.hpp"

#include <istmo/crypto/pkcs11.hpp>
#include <istmo/dsig/sign.hpp>
#include <istmo/dsig/verify.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <thread>

namespace istmo {
namespace {

namespace fs = std::filesystem;

const char* const k_document = "<Invoice xmlns=\"urn:test\"><Total>100.00</Total></Invoice>";
const char* const k_pin = "1234";

// ---- RFC 7512 URIs (no token needed) ----------------------------------------------------------

TEST(Pkcs11Uri, ParsesPathAndQueryAttributes) {
    auto uri = crypto::pkcs11::parse_uri("pkcs11:token=Firma%20DGI;object=signer;id=%01%a2;type=private?module-path=/x/y.so");
    ASSERT_TRUE(uri.has_value()) << uri.error().to_string();
    EXPECT_EQ(uri->token, "Firma DGI");
    EXPECT_EQ(uri->object, "signer");
    EXPECT_EQ(uri->id, (crypto::Bytes{0x01, 0xa2}));
    EXPECT_EQ(uri->module_path, "/x/y.so");
    EXPECT_TRUE(crypto::is_pkcs11_uri("PKCS11:object=a"));
    EXPECT_FALSE(crypto::is_pkcs11_uri("/keys/pkcs11:object=a"));
}

TEST(Pkcs11Uri, RefusesPinsUnknownAttributesAndDuplicates) {
    for (const char* bad : {"pkcs11:object=a?pin-value=1234", "pkcs11:object=a?pin-source=file:/p", "pkcs11:objekt=a",
                            "pkcs11:object=a;object=b", "pkcs11:object=%zz", "pkcs11:type=cert", "pkcs11:slot-id=x",
                            "pkcs11:object", "file:key.pem"}) {
        auto uri = crypto::pkcs11::parse_uri(bad);
        ASSERT_FALSE(uri.has_value()) << bad;
        EXPECT_EQ(uri.error().code, Errc::invalid_argument) << bad;
    }
    auto with_pin = crypto::pkcs11::parse_uri("pkcs11:object=a?pin-value=98765");
    ASSERT_FALSE(with_pin.has_value());
    EXPECT_EQ(with_pin.error().to_string().find("98765"), std::string::npos);  // never echoes a PIN
}

TEST(Pkcs11Key, ModuleThatDoesNotLoadOrIsNotPkcs11) {
    crypto::Pkcs11Options options;
    options.module_path = "/nonexistent/libnothing.so";
    auto missing = crypto::load_pkcs11_key("pkcs11:object=a", options);
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, Errc::module_error) << missing.error().to_string();
    for (const char* library : {"libz.so.1", "libxml2.so.2"}) {
        options.module_path = library;
        auto not_pkcs11 = crypto::load_pkcs11_key("pkcs11:object=a", options);
        ASSERT_FALSE(not_pkcs11.has_value());
        EXPECT_EQ(not_pkcs11.error().code, Errc::module_error) << not_pkcs11.error().to_string();
    }
}

TEST(Pkcs11Key, NoModuleGivenIsAUsageError) {
    ::unsetenv("ISTMO_PKCS11_MODULE");
    auto none = crypto::load_pkcs11_key("pkcs11:object=a", {});
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code, Errc::invalid_argument);
}

// ---- the SoftHSM2 token -----------------------------------------------------------------------

// One token directory per test process, set up before the module is first loaded (a module
// stays loaded for the life of the process and reads SOFTHSM2_CONF once).
struct SoftHsm {
    std::unique_ptr<test::TempDir> dir;
    std::string module;
    std::string skip_reason;  // non-empty: the token could not be made
};

std::string find_softhsm_module() {
    for (const char* path : {"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                             "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"})
        if (fs::exists(path)) return path;
    return {};
}

std::string q(const fs::path& path) { return test::shell_quote(path); }

// Runs a set-up command; false (and the reason) when it fails.
bool step(const std::string& command, std::string& reason) {
    auto result = test::run_command(command);
    if (result.exit_code != 0) reason = "token set-up failed: " + command + "\n" + result.output;
    return result.exit_code == 0;
}

// Imports a test-PKI key (private and public objects) and its certificate under one id.
bool import_pki_key(const SoftHsm& hsm, const std::string& stem, const std::string& id, std::string& reason) {
    const fs::path p8 = *hsm.dir / (stem + ".p8");
    const fs::path der = *hsm.dir / (stem + ".der");
    const std::string tool = "pkcs11-tool --module " + q(hsm.module) + " --token-label istmo-test --login --pin " + k_pin;
    return step("openssl pkcs8 -topk8 -nocrypt -in " + q(test::pki(stem + ".key.pem")) + " -out " + q(p8), reason) &&
           step("softhsm2-util --import " + q(p8) + " --token istmo-test --label " + stem + " --id " + id + " --pin " + k_pin, reason) &&
           step("openssl x509 -in " + q(test::pki(stem + ".cert.pem")) + " -outform DER -out " + q(der), reason) &&
           step(tool + " --write-object " + q(der) + " --type cert --id " + id + " --label " + stem, reason);
}

// A key generated on the token, and a certificate for it from a CA made here.
bool generate_key(const SoftHsm& hsm, const std::string& label, const std::string& id, const std::string& type,
                  std::string& reason) {
    const fs::path& d = hsm.dir->path();
    const std::string tool = "pkcs11-tool --module " + q(hsm.module) + " --token-label istmo-test --login --pin " + k_pin;
    const fs::path pub = d / (label + ".pub.der");
    return step(tool + " --keypairgen --key-type " + type + " --id " + id + " --label " + label, reason) &&
           step("pkcs11-tool --module " + q(hsm.module) + " --token-label istmo-test --read-object --type pubkey --id " + id +
                    " -o " + q(pub), reason) &&
           step("openssl pkey -pubin -inform DER -in " + q(pub) + " -out " + q(d / (label + ".pub.pem")), reason) &&
           step("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + q(d / "dummy.key") +
                    " -subj /CN=" + label + " -out " + q(d / "dummy.csr"), reason) &&
           step("openssl x509 -req -in " + q(d / "dummy.csr") + " -CA " + q(d / "ca.crt") + " -CAkey " + q(d / "ca.key") +
                    " -force_pubkey " + q(d / (label + ".pub.pem")) + " -days 30 -out " + q(d / (label + ".crt")), reason);
}

SoftHsm make_softhsm() {
    SoftHsm hsm;
    hsm.module = find_softhsm_module();
    if (hsm.module.empty() || !test::have_tool("softhsm2-util") || !test::have_tool("pkcs11-tool")) {
        hsm.skip_reason = "softhsm2 / opensc (pkcs11-tool) not installed: PKCS#11 token tests did not run";
        return hsm;
    }
    hsm.dir = std::make_unique<test::TempDir>();
    const fs::path& d = hsm.dir->path();
    fs::create_directories(d / "tokens");
    test::write_file(d / "softhsm2.conf", "directories.tokendir = " + (d / "tokens").string() +
                                              "\nobjectstore.backend = file\nlog.level = ERROR\n");
    ::setenv("SOFTHSM2_CONF", (d / "softhsm2.conf").c_str(), 1);
    std::string& why = hsm.skip_reason;
    const bool ok =
        step(std::string("softhsm2-util --init-token --free --label istmo-test --so-pin 87654321 --pin ") + k_pin, why) &&
        import_pki_key(hsm, "rsa2048", "01", why) && import_pki_key(hsm, "ec-p256", "02", why) &&
        import_pki_key(hsm, "ec-p384", "03", why) &&
        step("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + q(d / "ca.key") +
                 " -out " + q(d / "ca.crt") + " -subj /CN=Token-Test-CA -days 30", why) &&
        generate_key(hsm, "generated-ec", "04", "EC:prime256v1", why) &&
        generate_key(hsm, "generated-rsa", "05", "rsa:2048", why);
    if (!ok && why.empty()) why = "token set-up failed";
    return hsm;
}

const SoftHsm& softhsm() {
    static const SoftHsm instance = make_softhsm();
    return instance;
}

#define ISTMO_REQUIRE_SOFTHSM()                                                  \
    do {                                                                         \
        if (!softhsm().skip_reason.empty()) GTEST_SKIP() << softhsm().skip_reason; \
    } while (false)

crypto::Pkcs11Options options_with_pin(const char* pin = k_pin) {
    crypto::Pkcs11Options options;
    options.module_path = softhsm().module;
    if (pin != nullptr) options.pin = crypto::Secret(pin);
    return options;
}

crypto::Pkcs11Key token_key(const std::string& uri) {
    auto key = crypto::load_pkcs11_key(uri, options_with_pin());
    EXPECT_TRUE(key.has_value()) << uri << ": " << (key ? "" : key.error().to_string());
    if (!key) throw std::runtime_error("no key");
    return std::move(*key);
}

crypto::TrustStore trust_of(const fs::path& anchor) {
    crypto::TrustStore trust;
    EXPECT_TRUE(trust.add_file(anchor.string()).has_value());
    return trust;
}

report::Indication istmo_verdict(const std::string& xml, const crypto::TrustStore& trust) {
    dsig::VerifyOptions options;
    options.trust = trust;
    auto report = dsig::Verifier(std::move(options)).verify(xml);
    EXPECT_TRUE(report.has_value());
    return report ? report->indication : report::Indication::total_failed;
}

// xmlsec1 --verify with the test PKI root (and its intermediate), or a given anchor only.
bool xmlsec_verifies(const std::string& xml, const std::string& trust_args) {
    test::TempDir dir;
    test::write_file(dir / "signed.xml", xml);
    auto result = test::run_command("xmlsec1 --verify " + trust_args + " " + q(dir / "signed.xml"));
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return result.exit_code == 0;
}

std::string pki_trust_args() {
    return "--trusted-pem " + q(test::pki("ca.cert.pem")) + " --untrusted-pem " + q(test::pki("intermediate.cert.pem"));
}

std::string sign(const crypto::Pkcs11Key& key, dsig::SignOptions options = {}) {
    auto signer = dsig::Signer::create(key.key, key.certificate, {}, options);
    EXPECT_TRUE(signer.has_value()) << (signer ? "" : signer.error().to_string());
    if (!signer) return {};
    auto signed_xml = signer->sign(k_document);
    EXPECT_TRUE(signed_xml.has_value()) << (signed_xml ? "" : signed_xml.error().to_string());
    return signed_xml ? *signed_xml : std::string();
}

TEST(Pkcs11Token, ImportedKeysSignAndXmlsecAndIstmoVerify) {
    ISTMO_REQUIRE_SOFTHSM();
    const auto trust = trust_of(test::pki("ca.cert.pem"));
    struct Case {
        const char* uri;
        dsig::SignatureAlgorithm alg;
        bool xmlsec;  // xmlsec1 1.2.37 has no RSA-PSS
    };
    for (const Case& c : {Case{"pkcs11:token=istmo-test;object=rsa2048", dsig::SignatureAlgorithm::rsa_sha256, true},
                          Case{"pkcs11:token=istmo-test;id=%01", dsig::SignatureAlgorithm::rsa_sha512, true},
                          Case{"pkcs11:token=istmo-test;object=rsa2048", dsig::SignatureAlgorithm::rsa_pss_sha256, false},
                          Case{"pkcs11:token=istmo-test;object=ec-p256;type=private", dsig::SignatureAlgorithm::ecdsa_sha256, true},
                          Case{"pkcs11:token=istmo-test;object=ec-p384", dsig::SignatureAlgorithm::ecdsa_sha384, true}}) {
        SCOPED_TRACE(c.uri);
        const crypto::Pkcs11Key key = token_key(c.uri);
        ASSERT_TRUE(key.certificate.has_value()) << "the certificate is read from the token";
        dsig::SignOptions options;
        options.algorithm = c.alg;
        options.include_chain = false;
        const std::string xml = sign(key, options);
        if (c.xmlsec) {
            EXPECT_TRUE(xmlsec_verifies(xml, pki_trust_args()));
        }
        dsig::VerifyOptions verify_options;
        verify_options.trust = trust;
        verify_options.extra_certificates = {*crypto::Certificate::from_file(test::pki("intermediate.cert.pem").string())};
        auto report = dsig::Verifier(std::move(verify_options)).verify(xml);
        ASSERT_TRUE(report.has_value());
        EXPECT_EQ(report->indication, report::Indication::total_passed);
    }
}

TEST(Pkcs11Token, GeneratedKeysSignWithTheirCertificate) {
    ISTMO_REQUIRE_SOFTHSM();
    const fs::path& d = softhsm().dir->path();
    for (const char* label : {"generated-ec", "generated-rsa"}) {
        SCOPED_TRACE(label);
        crypto::Pkcs11Key key = token_key(std::string("pkcs11:token=istmo-test;object=") + label);
        EXPECT_FALSE(key.certificate.has_value());  // none stored on the token
        auto cert = crypto::Certificate::from_file((d / (std::string(label) + ".crt")).string());
        ASSERT_TRUE(cert.has_value());
        EXPECT_TRUE(cert->matches(key.key));
        key.certificate = *cert;
        const std::string xml = sign(key);
        EXPECT_TRUE(xmlsec_verifies(xml, "--trusted-pem " + q(d / "ca.crt")));
        EXPECT_EQ(istmo_verdict(xml, trust_of(d / "ca.crt")), report::Indication::total_passed);
    }
}

TEST(Pkcs11Token, SignsFromManyThreadsWithOneLogin) {
    ISTMO_REQUIRE_SOFTHSM();
    const crypto::Pkcs11Key key = token_key("pkcs11:token=istmo-test;object=ec-p256");
    auto signer = dsig::Signer::create(key.key, key.certificate, {}, {});
    ASSERT_TRUE(signer.has_value());
    const auto trust = trust_of(test::pki("chain.pem"));
    std::atomic<int> passed{0};
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                const std::string doc = "<d n=\"" + std::to_string(t * 100 + i) + "\"/>";
                auto signed_xml = signer->sign(doc);
                dsig::VerifyOptions options;
                options.trust = trust;
                auto report = signed_xml ? dsig::Verifier(std::move(options)).verify(*signed_xml)
                                         : Result<dsig::VerificationReport>(signed_xml.error());
                (report && report->passed() ? passed : failed)++;
            }
        });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(passed.load(), 80);
    EXPECT_EQ(failed.load(), 0);
}

TEST(Pkcs11Token, EachFailureHasItsOwnCode) {
    ISTMO_REQUIRE_SOFTHSM();
    auto expect_code = [](const std::string& uri, const crypto::Pkcs11Options& options, Errc code) {
        auto key = crypto::load_pkcs11_key(uri, options);
        ASSERT_FALSE(key.has_value()) << uri;
        EXPECT_EQ(key.error().code, code) << uri << ": " << key.error().to_string();
        EXPECT_EQ(key.error().to_string().find("9999"), std::string::npos);  // the PIN is never shown
    };
    expect_code("pkcs11:token=no-such-token;object=rsa2048", options_with_pin(), Errc::token_not_present);
    expect_code("pkcs11:token=istmo-test;object=rsa2048", options_with_pin("9999"), Errc::bad_password);
    expect_code("pkcs11:token=istmo-test;object=rsa2048", options_with_pin(nullptr), Errc::bad_password);
    expect_code("pkcs11:token=istmo-test;object=no-such-key", options_with_pin(), Errc::not_found);
    expect_code("pkcs11:token=istmo-test;id=%7f", options_with_pin(), Errc::not_found);
    expect_code("pkcs11:token=istmo-test", options_with_pin(), Errc::invalid_argument);  // several keys

    // A key type the algorithm does not fit: refused before the token is asked.
    const crypto::Pkcs11Key rsa = token_key("pkcs11:token=istmo-test;object=rsa2048");
    // While the token is logged in (the module then takes any PIN), another key still needs the
    // same PIN; with it, the login is shared.
    expect_code("pkcs11:token=istmo-test;object=ec-p256", options_with_pin("9999"), Errc::bad_password);
    expect_code("pkcs11:token=istmo-test;object=ec-p256", options_with_pin(nullptr), Errc::bad_password);
    EXPECT_TRUE(crypto::load_pkcs11_key("pkcs11:token=istmo-test;object=ec-p256", options_with_pin()).has_value());
    crypto::SignatureParams ecdsa;
    ecdsa.scheme = crypto::SigScheme::ecdsa;
    const std::string message = "data";
    auto value = crypto::sign_message(rsa.key, ecdsa, std::span(reinterpret_cast<const std::uint8_t*>(message.data()), message.size()));
    ASSERT_FALSE(value.has_value());
    EXPECT_EQ(value.error().code, Errc::key_error);
    dsig::SignOptions options;
    options.algorithm = dsig::SignatureAlgorithm::ecdsa_sha256;
    EXPECT_FALSE(dsig::Signer::create(rsa.key, rsa.certificate, {}, options).has_value());
}

TEST(Pkcs11Token, ModuleFromTheEnvironmentAndTheUri) {
    ISTMO_REQUIRE_SOFTHSM();
    crypto::Pkcs11Options options;
    options.pin = crypto::Secret(k_pin);
    auto from_uri = crypto::load_pkcs11_key("pkcs11:token=istmo-test;object=ec-p256?module-path=" + softhsm().module, options);
    EXPECT_TRUE(from_uri.has_value()) << (from_uri ? "" : from_uri.error().to_string());
    ::setenv("ISTMO_PKCS11_MODULE", softhsm().module.c_str(), 1);
    auto from_env = crypto::load_pkcs11_key("pkcs11:token=istmo-test;object=ec-p256", options);
    ::unsetenv("ISTMO_PKCS11_MODULE");
    EXPECT_TRUE(from_env.has_value()) << (from_env ? "" : from_env.error().to_string());
}

// ---- the CLI --------------------------------------------------------------------------------

std::string token_cli_args(const std::string& object) {
    return "--key " + test::shell_quote("pkcs11:token=istmo-test;object=" + object) + " --pkcs11-module " + q(softhsm().module);
}

TEST(Pkcs11Cli, SignsWithTheTokenCertificateAndExitCodes) {
    ISTMO_SKIP_WITHOUT_CLI();
    ISTMO_REQUIRE_SOFTHSM();
    test::TempDir dir;
    test::write_file(dir / "in.xml", k_document);
    test::write_file(dir / "pin.txt", std::string(k_pin) + "\n");
    auto ok = test::run_cli("sign " + token_cli_args("rsa2048") + " --pin-file " + q(dir / "pin.txt") + " -o " +
                            q(dir / "out.xml") + " " + q(dir / "in.xml"));
    ASSERT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_TRUE(xmlsec_verifies(test::read_file(dir / "out.xml"), pki_trust_args()));
    auto verified = test::run_cli("verify --trust " + q(test::pki("chain.pem")) + " " + q(dir / "out.xml"));
    EXPECT_EQ(verified.exit_code, 0) << verified.output;

    auto wrong_pin = test::run_cli("sign " + token_cli_args("rsa2048") + " --pin-env ISTMO_TEST_WRONG_PIN " + q(dir / "in.xml"));
    EXPECT_EQ(wrong_pin.exit_code, 64) << wrong_pin.output;  // variable unset: usage error
    auto bad = test::run_command("ISTMO_TEST_WRONG_PIN=9999 " + test::cli_path() + " sign " + token_cli_args("rsa2048") +
                                 " --pin-env ISTMO_TEST_WRONG_PIN " + q(dir / "in.xml"));
    EXPECT_EQ(bad.exit_code, 64) << bad.output;
    EXPECT_NE(bad.output.find("bad_password"), std::string::npos) << bad.output;
    EXPECT_EQ(bad.output.find("9999"), std::string::npos) << bad.output;
    auto missing = test::run_cli("sign " + token_cli_args("nothing") + " --pin-file " + q(dir / "pin.txt") + " " + q(dir / "in.xml"));
    EXPECT_EQ(missing.exit_code, 66) << missing.output;
    auto absent = test::run_cli("sign --key 'pkcs11:token=gone;object=x' --pkcs11-module " + q(softhsm().module) +
                                " --pin-file " + q(dir / "pin.txt") + " " + q(dir / "in.xml"));
    EXPECT_EQ(absent.exit_code, 69) << absent.output;
    auto no_module = test::run_cli("sign --key 'pkcs11:object=x' --pkcs11-module /nonexistent.so " + q(dir / "in.xml"));
    EXPECT_EQ(no_module.exit_code, 69) << no_module.output;
    auto unfit = test::run_cli("sign --alg ecdsa-sha256 " + token_cli_args("rsa2048") + " --pin-file " + q(dir / "pin.txt") +
                               " " + q(dir / "in.xml"));
    EXPECT_EQ(unfit.exit_code, 64) << unfit.output;
    auto pin_without_uri = test::run_cli("sign " + test::pki_key_args("rsa2048") + " --pin-file " + q(dir / "pin.txt") + " " +
                                         q(dir / "in.xml"));
    EXPECT_EQ(pin_without_uri.exit_code, 64) << pin_without_uri.output;
}

TEST(Pkcs11Cli, PanamaInvoiceSignedFromTheToken) {
    ISTMO_SKIP_WITHOUT_CLI();
    ISTMO_REQUIRE_SOFTHSM();
    test::TempDir dir;
    const auto vec = test::vectors_dir() / "panama-fe";
    auto made = test::run_cli("invoice new --from " + q(vec / "json" / "01-factura.json") + " -o " + q(dir / "u.xml"));
    ASSERT_EQ(made.exit_code, 0) << made.output;
    auto signed_ = test::run_command("ISTMO_TEST_PIN=1234 ISTMO_TEST_QR=s3cret " + test::cli_path() + " invoice sign " +
                                     token_cli_args("rsa2048") + " --pin-env ISTMO_TEST_PIN --qr-secret-env ISTMO_TEST_QR -o " +
                                     q(dir / "s.xml") + " " + q(dir / "u.xml"));
    ASSERT_EQ(signed_.exit_code, 0) << signed_.output;
    auto valid = test::run_cli("invoice validate --json --trust " + q(test::pki("chain.pem")) + " " + q(dir / "s.xml"));
    EXPECT_EQ(valid.exit_code, 0) << valid.output;
    EXPECT_NE(valid.output.find("\"indication\":\"TOTAL_PASSED\""), std::string::npos) << valid.output;
    // xmlsec1 does not know that gNoFirm (the QR, added after signing) is outside the signature:
    // it checks the document without it.
    std::string without_qr = test::read_file(dir / "s.xml");
    const auto begin = without_qr.find("<gNoFirm");
    const auto end = without_qr.find("</gNoFirm>");
    ASSERT_TRUE(begin != std::string::npos && end != std::string::npos);
    without_qr.erase(begin, end + std::string("</gNoFirm>").size() - begin);
    EXPECT_TRUE(xmlsec_verifies(without_qr, pki_trust_args()));
}

}  // namespace
}  // namespace istmo
