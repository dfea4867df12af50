// The C API's verification options (istmo_verify_options_*, istmo_verify_with_options,
// istmo_invoice_validate_with_options): every option changes a real verdict the way the CLI
// option of the same name does, and every error path leaves the object usable.
#include <istmo/istmo.h>

#include <istmo/invoice/panama.hpp>

#include "test_support.hpp"
#include "test_support/revocation_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using istmo::test::read_file;
using istmo::test::RevocationServer;
using istmo::test::TempDir;

const std::string k_pki = std::string(ISTMO_SOURCE_DIR) + "/test-vectors/pki/";
const std::string k_fe = std::string(ISTMO_SOURCE_DIR) + "/test-vectors/panama-fe/";
const std::string k_document = "<Invoice xmlns=\"urn:example:invoice\"><Total>100.00</Total></Invoice>";

struct OptionsFree { void operator()(istmo_verify_options* p) const { istmo_verify_options_free(p); } };
struct ReportFree { void operator()(istmo_report* p) const { istmo_report_free(p); } };
struct TrustFree { void operator()(istmo_trust* p) const { istmo_trust_free(p); } };
using Options = std::unique_ptr<istmo_verify_options, OptionsFree>;
using Trust = std::unique_ptr<istmo_trust, TrustFree>;

std::string last_error() { return istmo_last_error_message(); }

Options new_options() {
    istmo_verify_options* options = nullptr;
    EXPECT_EQ(istmo_verify_options_new(&options), ISTMO_OK) << last_error();
    return Options(options);
}

// What a verification said: the indication, the sub-indication and the JSON.
struct Verdict {
    int indication = -1;
    std::string sub;
    std::string json;
    bool has(const std::string& code) const { return json.find("\"code\":\"" + code + "\"") != std::string::npos; }
};

Verdict take(istmo_report* report) {
    std::unique_ptr<istmo_report, ReportFree> owned(report);
    Verdict v;
    if (report == nullptr) return v;
    v.indication = istmo_report_indication(report);
    v.sub = istmo_report_sub_indication(report);
    v.json = istmo_report_json(report);
    return v;
}

Verdict verify(const std::string& xml, const istmo_verify_options* options, const istmo_trust* trust = nullptr) {
    istmo_report* report = nullptr;
    EXPECT_EQ(istmo_verify_with_options(&report, xml.data(), xml.size(), trust, options), ISTMO_OK) << last_error();
    return take(report);
}

Verdict validate_invoice(const std::string& xml, const istmo_verify_options* options) {
    istmo_report* report = nullptr;
    EXPECT_EQ(istmo_invoice_validate_with_options(&report, xml.data(), xml.size(), nullptr, options), ISTMO_OK)
        << last_error();
    return take(report);
}

// Signs k_document with the xmldsig profile (KeyInfo: the certificate file's certificates).
std::string sign_with(const std::string& key_file, const std::string& cert_file) {
    istmo_key* key = nullptr;
    istmo_cert* cert = nullptr;
    EXPECT_EQ(istmo_key_load_file(&key, key_file.c_str(), nullptr), ISTMO_OK) << last_error();
    EXPECT_EQ(istmo_cert_load_file(&cert, cert_file.c_str()), ISTMO_OK) << last_error();
    char* out = nullptr;
    std::size_t len = 0;
    const int rc = istmo_sign(&out, &len, k_document.data(), k_document.size(), key, cert, "xmldsig");
    EXPECT_EQ(rc, ISTMO_OK) << last_error();
    std::string signed_xml = rc == ISTMO_OK ? std::string(out, len) : std::string();
    istmo_free(out);
    istmo_cert_free(cert);
    istmo_key_free(key);
    return signed_xml;
}

constexpr long long k_2020_06_01 = 1590969600LL;  // 2020-06-01T00:00:00Z
constexpr long long k_2045_06_01 = 2379888000LL;  // 2045-06-01T00:00:00Z
constexpr long long k_2047_01_01 = 2429913600LL;  // 2047-01-01T00:00:00Z

// ---- defaults and errors ----------------------------------------------------------------------

TEST(CapiOptions, DefaultsGiveTheSameReportAsIstmoVerify) {
    const std::string xml = sign_with(k_pki + "rsa2048.key.pem", k_pki + "rsa2048.cert.pem");
    istmo_trust* raw = nullptr;
    ASSERT_EQ(istmo_trust_new(&raw), ISTMO_OK);
    Trust trust(raw);
    ASSERT_EQ(istmo_trust_add_file(trust.get(), (k_pki + "chain.pem").c_str()), ISTMO_OK);
    istmo_report* plain = nullptr;
    ASSERT_EQ(istmo_verify(&plain, xml.data(), xml.size(), trust.get()), ISTMO_OK) << last_error();
    const Verdict expected = take(plain);
    EXPECT_EQ(expected.indication, ISTMO_INDICATION_TOTAL_PASSED) << expected.json;
    Options options = new_options();
    for (const istmo_verify_options* o : {static_cast<const istmo_verify_options*>(nullptr),
                                          static_cast<const istmo_verify_options*>(options.get())}) {
        const Verdict v = verify(xml, o, trust.get());
        EXPECT_EQ(v.indication, expected.indication);
        // The same report but for the time it was made ("validation_time": now).
        const std::regex time("\"validation_time\":\"[^\"]*\"");
        EXPECT_EQ(std::regex_replace(v.json, time, ""), std::regex_replace(expected.json, time, ""));
    }
    // Nothing trusted at all (no trust handle, no anchors in the options): never TOTAL_PASSED.
    EXPECT_EQ(verify(xml, options.get()).indication, ISTMO_INDICATION_INDETERMINATE);
}

TEST(CapiOptions, ErrorPathsLeaveTheObjectUnchanged) {
    istmo_verify_options* out = reinterpret_cast<istmo_verify_options*>(&out);
    EXPECT_EQ(istmo_verify_options_new(nullptr), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_verify_options_set_legacy(nullptr, 1), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "istmo_verify_options_set_legacy: options is NULL");
    istmo_verify_options_free(nullptr);

    Options options = new_options();
    EXPECT_EQ(istmo_verify_options_set_revocation(options.get(), "sometimes"), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("\"auto\", \"require\", \"off\""), std::string::npos) << last_error();
    EXPECT_EQ(istmo_verify_options_set_revocation(options.get(), nullptr), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_verify_options_add_trust_file(options.get(), (k_pki + "missing.pem").c_str()), ISTMO_E_NOT_FOUND);
    EXPECT_EQ(istmo_verify_options_add_trust_file(options.get(), nullptr), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_verify_options_add_trust_dir(options.get(), (k_pki + "ca.cert.pem").c_str()), ISTMO_E_NOT_FOUND);
    EXPECT_LT(istmo_verify_options_add_untrusted_file(options.get(), (k_pki + "password.txt").c_str()), 0);
    EXPECT_EQ(istmo_verify_options_add_crl_file(options.get(), (k_pki + "missing.crl").c_str()), ISTMO_E_NOT_FOUND);
    EXPECT_EQ(istmo_verify_options_add_crl_file(options.get(), (k_pki + "ca.cert.pem").c_str()), ISTMO_E_PARSE)
        << last_error();
    EXPECT_EQ(istmo_verify_options_add_ocsp_response_file(options.get(), (k_pki + "missing.ocsp").c_str()),
              ISTMO_E_NOT_FOUND);
    EXPECT_EQ(istmo_verify_options_set_time(options.get(), 253402300800LL), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_verify_options_set_time(options.get(), -62135596801LL), ISTMO_E_INVALID_ARGUMENT);

    // None of the failures above changed anything: the anchors below make it pass, now.
    ASSERT_EQ(istmo_verify_options_add_trust_file(options.get(), (k_pki + "chain.pem").c_str()), ISTMO_OK);
    const Verdict v = verify(sign_with(k_pki + "rsa2048.key.pem", k_pki + "rsa2048.cert.pem"), options.get());
    EXPECT_EQ(v.indication, ISTMO_INDICATION_TOTAL_PASSED) << v.json;

    // Handles of the wrong kind.
    istmo_trust* trust = nullptr;
    ASSERT_EQ(istmo_trust_new(&trust), ISTMO_OK);
    Trust owned(trust);
    EXPECT_EQ(istmo_verify_options_set_offline(reinterpret_cast<istmo_verify_options*>(trust), 1),
              ISTMO_E_INVALID_OBJECT);
    istmo_report* report = reinterpret_cast<istmo_report*>(&out);
    EXPECT_EQ(istmo_verify_with_options(&report, k_document.data(), k_document.size(),
                                        reinterpret_cast<const istmo_trust*>(options.get()), nullptr),
              ISTMO_E_INVALID_OBJECT);
    EXPECT_EQ(report, nullptr);
    EXPECT_EQ(istmo_invoice_validate_with_options(&report, k_document.data(), k_document.size(), nullptr,
                                                  reinterpret_cast<const istmo_verify_options*>(trust)),
              ISTMO_E_INVALID_OBJECT);
    EXPECT_EQ(istmo_verify_with_options(nullptr, k_document.data(), k_document.size(), nullptr, nullptr),
              ISTMO_E_INVALID_ARGUMENT);
}

// ---- validation time, trust, untrusted intermediates, legacy ---------------------------------

TEST(CapiOptions, ValidationTimeChangesTheVerdict) {
    Options options = new_options();
    ASSERT_EQ(istmo_verify_options_add_trust_file(options.get(), (k_pki + "chain.pem").c_str()), ISTMO_OK);
    // expired.cert.pem: valid 2020-01-01..2021-01-01.
    const std::string expired = sign_with(k_pki + "expired.key.pem", k_pki + "expired.cert.pem");
    const Verdict now = verify(expired, options.get());
    EXPECT_NE(now.indication, ISTMO_INDICATION_TOTAL_PASSED) << now.json;
    ASSERT_EQ(istmo_verify_options_set_time(options.get(), k_2020_06_01), ISTMO_OK);
    const Verdict then = verify(expired, options.get());
    EXPECT_EQ(then.indication, ISTMO_INDICATION_TOTAL_PASSED) << then.json;
    // not-yet-valid.cert.pem: valid 2045-01-01..2046-01-01.
    const std::string future = sign_with(k_pki + "not-yet-valid.key.pem", k_pki + "not-yet-valid.cert.pem");
    EXPECT_NE(verify(future, options.get()).indication, ISTMO_INDICATION_TOTAL_PASSED);
    ASSERT_EQ(istmo_verify_options_set_time(options.get(), k_2045_06_01), ISTMO_OK);
    const Verdict in_2045 = verify(future, options.get());
    EXPECT_EQ(in_2045.indication, ISTMO_INDICATION_TOTAL_PASSED) << in_2045.json;
    // rsa2048 (valid until 2045-01-01) passes now, not in 2047.
    const std::string current = sign_with(k_pki + "rsa2048.key.pem", k_pki + "rsa2048.cert.pem");
    ASSERT_EQ(istmo_verify_options_set_time(options.get(), k_2047_01_01), ISTMO_OK);
    EXPECT_NE(verify(current, options.get()).indication, ISTMO_INDICATION_TOTAL_PASSED);
}

TEST(CapiOptions, TrustDirectoryAndUntrustedIntermediates) {
    // The signature carries the leaf only: its path needs the intermediate.
    const std::string xml = sign_with(k_pki + "rsa2048.key.pem", k_pki + "rsa2048.cert.pem");
    TempDir dir;
    fs::copy_file(k_pki + "ca.cert.pem", dir / "root.pem");
    Options options = new_options();
    ASSERT_EQ(istmo_verify_options_add_trust_dir(options.get(), dir.path().c_str()), ISTMO_OK) << last_error();
    const Verdict no_path = verify(xml, options.get());
    EXPECT_EQ(no_path.indication, ISTMO_INDICATION_INDETERMINATE) << no_path.json;
    EXPECT_EQ(no_path.sub, "NO_CERTIFICATE_CHAIN_FOUND");
    ASSERT_EQ(istmo_verify_options_add_untrusted_file(options.get(), (k_pki + "intermediate.cert.pem").c_str()),
              ISTMO_OK);
    const Verdict with_path = verify(xml, options.get());
    EXPECT_EQ(with_path.indication, ISTMO_INDICATION_TOTAL_PASSED) << with_path.json;

    // Untrusted certificates are never anchors: without the directory nothing is trusted.
    Options untrusted_only = new_options();
    ASSERT_EQ(istmo_verify_options_add_untrusted_file(untrusted_only.get(), (k_pki + "chain.pem").c_str()), ISTMO_OK);
    EXPECT_EQ(verify(xml, untrusted_only.get()).indication, ISTMO_INDICATION_INDETERMINATE);
    // An empty directory adds nothing.
    TempDir empty;
    Options empty_dir = new_options();
    ASSERT_EQ(istmo_verify_options_add_trust_dir(empty_dir.get(), empty.path().c_str()), ISTMO_OK);
    EXPECT_EQ(verify(xml, empty_dir.get()).indication, ISTMO_INDICATION_INDETERMINATE);
}

TEST(CapiOptions, LegacyAcceptsSha1InVerifyAndInvoiceValidation) {
    const std::string invoice = read_file(k_fe + "extra/legacy/01-factura-sha1.xml");
    Options strict = new_options();
    ASSERT_EQ(istmo_verify_options_add_trust_file(strict.get(), (k_pki + "chain.pem").c_str()), ISTMO_OK);
    const Verdict refused = validate_invoice(invoice, strict.get());
    EXPECT_EQ(refused.indication, ISTMO_INDICATION_INDETERMINATE) << refused.json;
    EXPECT_EQ(refused.sub, "CRYPTO_CONSTRAINTS_FAILURE");
    EXPECT_TRUE(refused.has("FE-SIG-LEGACY-REFUSED"));
    Options legacy = new_options();
    ASSERT_EQ(istmo_verify_options_add_trust_file(legacy.get(), (k_pki + "chain.pem").c_str()), ISTMO_OK);
    ASSERT_EQ(istmo_verify_options_set_legacy(legacy.get(), 1), ISTMO_OK);
    const Verdict accepted = validate_invoice(invoice, legacy.get());
    EXPECT_EQ(accepted.indication, ISTMO_INDICATION_TOTAL_PASSED) << accepted.json;
    EXPECT_TRUE(accepted.has("FE-SIG-LEGACY"));

    // The same signature through istmo_verify_with_options (the DGI signs the rFE without gNoFirm).
    auto stripped = istmo::invoice::panama::strip_no_firm(invoice);
    ASSERT_TRUE(stripped) << stripped.error().to_string();
    const Verdict plain_strict = verify(*stripped, strict.get());
    EXPECT_EQ(plain_strict.indication, ISTMO_INDICATION_INDETERMINATE) << plain_strict.json;
    EXPECT_EQ(plain_strict.sub, "CRYPTO_CONSTRAINTS_FAILURE");
    const Verdict plain_legacy = verify(*stripped, legacy.get());
    EXPECT_EQ(plain_legacy.indication, ISTMO_INDICATION_TOTAL_PASSED) << plain_legacy.json;
    // Switched off again: refused again.
    ASSERT_EQ(istmo_verify_options_set_legacy(legacy.get(), 0), ISTMO_OK);
    EXPECT_EQ(verify(*stripped, legacy.get()).indication, ISTMO_INDICATION_INDETERMINATE);
}

TEST(CapiOptions, InvoiceValidationUsesTrustUntrustedAndTime) {
    const std::string invoice = read_file(k_fe + "valid/01-factura.xml");
    Options options = new_options();
    ASSERT_EQ(istmo_verify_options_add_trust_file(options.get(), (k_pki + "ca.cert.pem").c_str()), ISTMO_OK);
    const Verdict no_path = validate_invoice(invoice, options.get());
    EXPECT_EQ(no_path.indication, ISTMO_INDICATION_INDETERMINATE) << no_path.json;
    ASSERT_EQ(istmo_verify_options_add_untrusted_file(options.get(), (k_pki + "intermediate.cert.pem").c_str()),
              ISTMO_OK);
    const Verdict passed = validate_invoice(invoice, options.get());
    EXPECT_EQ(passed.indication, ISTMO_INDICATION_TOTAL_PASSED) << passed.json;
    ASSERT_EQ(istmo_verify_options_set_time(options.get(), k_2047_01_01), ISTMO_OK);
    EXPECT_NE(validate_invoice(invoice, options.get()).indication, ISTMO_INDICATION_TOTAL_PASSED);
}

// One object, set up once, shared by many verifying threads (the documented use).
TEST(CapiOptions, OneObjectServesManyThreads) {
    const std::string xml = sign_with(k_pki + "rsa2048.key.pem", k_pki + "rsa2048.cert.pem");
    Options options = new_options();
    ASSERT_EQ(istmo_verify_options_add_trust_file(options.get(), (k_pki + "ca.cert.pem").c_str()), ISTMO_OK);
    ASSERT_EQ(istmo_verify_options_add_untrusted_file(options.get(), (k_pki + "intermediate.cert.pem").c_str()),
              ISTMO_OK);
    std::atomic<int> passed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 5; ++i) {
                istmo_report* report = nullptr;
                if (istmo_verify_with_options(&report, xml.data(), xml.size(), nullptr, options.get()) == ISTMO_OK &&
                    istmo_report_indication(report) == ISTMO_INDICATION_TOTAL_PASSED)
                    ++passed;
                istmo_report_free(report);
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(passed.load(), 40);
}

// ---- certificate status (CRL / OCSP) ----------------------------------------------------------

TEST(CapiOptions, RevocationPolicyOnCertificatesWithoutUrls) {
    // The test PKI's certificates publish no CRL or OCSP URL.
    const std::string xml = sign_with(k_pki + "rsa2048.key.pem", k_pki + "rsa2048.cert.pem");
    Options options = new_options();
    ASSERT_EQ(istmo_verify_options_add_trust_file(options.get(), (k_pki + "chain.pem").c_str()), ISTMO_OK);
    const Verdict automatic = verify(xml, options.get());
    EXPECT_EQ(automatic.indication, ISTMO_INDICATION_TOTAL_PASSED) << automatic.json;
    EXPECT_TRUE(automatic.has("DSIG-CERT-REVOCATION-NOT-CHECKED"));
    ASSERT_EQ(istmo_verify_options_set_revocation(options.get(), "require"), ISTMO_OK);
    const Verdict required = verify(xml, options.get());
    EXPECT_EQ(required.indication, ISTMO_INDICATION_INDETERMINATE) << required.json;
    EXPECT_EQ(required.sub, "TRY_LATER");
    ASSERT_EQ(istmo_verify_options_set_revocation(options.get(), "off"), ISTMO_OK);
    const Verdict off = verify(xml, options.get());
    EXPECT_EQ(off.indication, ISTMO_INDICATION_TOTAL_PASSED) << off.json;
    EXPECT_TRUE(off.has("DSIG-CERT-REVOCATION-OFF"));
}

class CapiOptionsRevocation : public ::testing::Test {
protected:
    void SetUp() override {
        ISTMO_SKIP_WITHOUT_REVOCATION_SERVER();
        server = std::make_unique<RevocationServer>();
        good = sign_with(file("good.key.pem"), file("good.cert.pem"));
        revoked = sign_with(file("revoked.key.pem"), file("revoked.cert.pem"));
    }
    std::string file(const std::string& name) const { return server->file(name).string(); }
    // Trust root, ca as the untrusted intermediate.
    Options options() const {
        Options o = new_options();
        EXPECT_EQ(istmo_verify_options_add_trust_file(o.get(), file("root.cert.pem").c_str()), ISTMO_OK);
        EXPECT_EQ(istmo_verify_options_add_untrusted_file(o.get(), file("ca.cert.pem").c_str()), ISTMO_OK);
        return o;
    }
    std::unique_ptr<RevocationServer> server;
    std::string good;
    std::string revoked;
};

TEST_F(CapiOptionsRevocation, OfflineUsesOnlyTheCrlsGiven) {
    Options o = options();
    ASSERT_EQ(istmo_verify_options_set_offline(o.get(), 1), ISTMO_OK);
    const Verdict nothing = verify(good, o.get());
    EXPECT_EQ(nothing.indication, ISTMO_INDICATION_INDETERMINATE) << nothing.json;
    EXPECT_EQ(nothing.sub, "TRY_LATER");
    ASSERT_EQ(istmo_verify_options_add_crl_file(o.get(), file("ca.crl").c_str()), ISTMO_OK) << last_error();
    ASSERT_EQ(istmo_verify_options_add_crl_file(o.get(), file("root.crl.pem").c_str()), ISTMO_OK) << last_error();
    const Verdict passed = verify(good, o.get());
    EXPECT_EQ(passed.indication, ISTMO_INDICATION_TOTAL_PASSED) << passed.json;
    EXPECT_NE(passed.json.find("\"revocation\":{\"status\":\"good\",\"source\":\"crl\""), std::string::npos)
        << passed.json;
    const Verdict refused = verify(revoked, o.get());
    EXPECT_EQ(refused.indication, ISTMO_INDICATION_INDETERMINATE) << refused.json;
    EXPECT_EQ(refused.sub, "REVOKED_NO_POE");
    EXPECT_EQ(server->count_prefix("/"), 0) << "offline fetched something";
}

TEST_F(CapiOptionsRevocation, OfflineUsesTheOcspResponsesGiven) {
    // A response for `good` fetched with the openssl CLI (the independent client).
    const std::string response = file("good.ocsp");
    const auto fetched = istmo::test::run_command(
        "openssl ocsp -issuer " + istmo::test::shell_quote(file("ca.cert.pem")) + " -cert " +
        istmo::test::shell_quote(file("good.cert.pem")) + " -url " + server->ocsp_url("ca") + " -no_nonce -respout " +
        istmo::test::shell_quote(response) + " -noverify");
    ASSERT_EQ(fetched.exit_code, 0) << fetched.output;
    Options o = options();
    ASSERT_EQ(istmo_verify_options_set_offline(o.get(), 1), ISTMO_OK);
    ASSERT_EQ(istmo_verify_options_add_ocsp_response_file(o.get(), response.c_str()), ISTMO_OK) << last_error();
    ASSERT_EQ(istmo_verify_options_add_crl_file(o.get(), file("root.crl").c_str()), ISTMO_OK) << last_error();
    const long before = server->count_prefix("/");
    const Verdict passed = verify(good, o.get());
    EXPECT_EQ(passed.indication, ISTMO_INDICATION_TOTAL_PASSED) << passed.json;
    EXPECT_NE(passed.json.find("\"revocation\":{\"status\":\"good\",\"source\":\"ocsp\""), std::string::npos)
        << passed.json;
    EXPECT_EQ(server->count_prefix("/"), before);
}

TEST_F(CapiOptionsRevocation, OnlineFetchesAndTheCacheDirectoryKeepsWhatWasFetched) {
    TempDir cache;
    {
        Options o = options();
        ASSERT_EQ(istmo_verify_options_set_revocation_cache_dir(o.get(), cache.path().c_str()), ISTMO_OK);
        const Verdict passed = verify(good, o.get());
        EXPECT_EQ(passed.indication, ISTMO_INDICATION_TOTAL_PASSED) << passed.json;
        const Verdict refused = verify(revoked, o.get());
        EXPECT_EQ(refused.sub, "REVOKED_NO_POE") << refused.json;
    }
    const long fetched = server->count_prefix("/");
    EXPECT_GT(fetched, 0);
    EXPECT_FALSE(fs::is_empty(cache.path()));
    // A new object with the same directory: what was fetched is read from the directory.
    Options again = options();
    ASSERT_EQ(istmo_verify_options_set_revocation_cache_dir(again.get(), cache.path().c_str()), ISTMO_OK);
    const Verdict passed = verify(good, again.get());
    EXPECT_EQ(passed.indication, ISTMO_INDICATION_TOTAL_PASSED) << passed.json;
    EXPECT_EQ(server->count_prefix("/"), fetched) << "the cache directory was not used";
    // Without a cache directory a new object fetches again.
    Options fresh = options();
    EXPECT_EQ(verify(good, fresh.get()).indication, ISTMO_INDICATION_TOTAL_PASSED);
    EXPECT_GT(server->count_prefix("/"), fetched);
}

TEST_F(CapiOptionsRevocation, OffNeverFetches) {
    Options o = options();
    ASSERT_EQ(istmo_verify_options_set_revocation(o.get(), "off"), ISTMO_OK);
    const Verdict revoked_but_off = verify(revoked, o.get());
    EXPECT_EQ(revoked_but_off.indication, ISTMO_INDICATION_TOTAL_PASSED) << revoked_but_off.json;
    EXPECT_TRUE(revoked_but_off.has("DSIG-CERT-REVOCATION-OFF"));
    EXPECT_EQ(server->count_prefix("/"), 0);
}

}  // namespace
