// XMLDSig vectors from the xmlsec project (W3C interop vectors by Merlin Hughes and Phaos, and
// xmlsec's own aleksey-xmldsig-01 files), read from ../shared/reference/xades-samples/xmlsec/.
// Expectations follow ../shared/reference/xades-samples/SOURCES.md ("xmlsec/" section) and
// docs/finding-codes.md. The folder is not part of the checkout: without it every case skips
// (ctest reports "Not Run", never "Passed").
#include "test_support.hpp"

#include <istmo/crypto/keys.hpp>
#include <istmo/crypto/public_key.hpp>
#include <istmo/dsig/verify.hpp>
#include <istmo/report/report.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <ostream>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace dsig = istmo::dsig;
namespace crypto = istmo::crypto;
namespace report = istmo::report;
using report::Indication;
using report::SubIndication;

constexpr const char* kNoShared = "../shared/reference not found: shared-vector test did not run";

// How the expected result is checked.
enum class Expect {
    exactly,     // indication (and sub-indication unless `any_sub`) as given
    not_passed,  // anything but TOTAL_PASSED
};

struct SharedCase {
    const char* name;           // test name
    const char* file;           // relative to xades-samples/xmlsec/
    const char* anchor;         // trust anchor relative to xmlsec/, or nullptr
    const char* trusted_key;    // "xmlsec:<path>" (public key PEM) or "pki:<leaf>" (test PKI cert), or nullptr
    const char* at;             // validation time (YYYY-MM-DD, 00:00 UTC) or nullptr = now
    bool allow_legacy;
    const char* tamper;         // "signature-value": flip one bit of the decoded SignatureValue
    Expect expect;
    Indication indication;
    std::vector<SubIndication> sub_indications;  // accepted sub-indications; empty = any
    std::vector<const char*> codes;              // each must be among the findings
    std::optional<bool> core_valid;              // signature_value_ok and every digest_ok
};

// The data table. Notes on the vectors themselves:
//  * merlin: key only in RSAKeyValue (RSA-1024, SHA-1): core-valid, but no certificate.
//  * phaos: X509Certificate "Test Client (RSA)" (RSA-1024, expired 2012) under
//    certs/rsa-ca-cert.der, hence validation time 2009-01-01 and legacy mode.
//  * phaos bad-sig: SOURCES.md calls it "SignatureValue altered", but its SignatureValue is the
//    valid file's; SignedInfo gained a second Reference (MD5 DigestMethod, *no* DigestValue). So
//    the SignatureValue does not verify over it (SIG_CRYPTO_FAILURE), and the Reference breaks the
//    schema (DSIG-STRUCTURE, FORMAT_FAILURE): both are accepted, TOTAL_FAILED is required. The
//    "phaos_sig_value_flipped" row checks a genuinely altered SignatureValue.
//  * aleksey-xmldsig-01: KeyName only, key given by the caller (trusted_keys). All three use an
//    XPath 1.0 transform `not(ancestor-or-self::dsig:Signature)` after the enveloped transform.
const std::vector<SharedCase>& shared_cases() {
    static const std::vector<SharedCase> cases = {
        {"merlin_enveloping_rsa_keyvalue_legacy", "merlin-xmldsig-twenty-three/signature-enveloping-rsa.xml",
         nullptr, nullptr, nullptr, true, nullptr, Expect::exactly, Indication::indeterminate,
         {SubIndication::no_certificate_chain_found}, {"DSIG-CERT-NO-CERTIFICATE"}, true},
        {"merlin_enveloping_rsa_keyvalue_no_legacy", "merlin-xmldsig-twenty-three/signature-enveloping-rsa.xml",
         nullptr, nullptr, nullptr, false, nullptr, Expect::exactly, Indication::indeterminate,
         {SubIndication::crypto_constraints_failure}, {"DSIG-ALG-LEGACY-REFUSED"}, std::nullopt},
        {"phaos_enveloped_rsa_legacy", "phaos-xmldsig-three/signature-rsa-enveloped.xml",
         "phaos-xmldsig-three/certs/rsa-ca-cert.der", nullptr, "2009-01-01", true, nullptr, Expect::exactly,
         Indication::total_passed, {SubIndication::none}, {"DSIG-ALG-WEAK"}, true},
        {"phaos_enveloped_rsa_no_legacy", "phaos-xmldsig-three/signature-rsa-enveloped.xml",
         "phaos-xmldsig-three/certs/rsa-ca-cert.der", nullptr, "2009-01-01", false, nullptr, Expect::exactly,
         Indication::indeterminate, {SubIndication::crypto_constraints_failure}, {"DSIG-ALG-LEGACY-REFUSED"},
         std::nullopt},
        {"phaos_enveloped_rsa_untrusted", "phaos-xmldsig-three/signature-rsa-enveloped.xml", nullptr, nullptr,
         "2009-01-01", true, nullptr, Expect::exactly, Indication::indeterminate,
         {SubIndication::no_certificate_chain_found}, {"DSIG-CERT-UNTRUSTED"}, true},
        {"phaos_bad_digest", "phaos-xmldsig-three/signature-rsa-enveloped-bad-digest-val.xml",
         "phaos-xmldsig-three/certs/rsa-ca-cert.der", nullptr, "2009-01-01", true, nullptr, Expect::exactly,
         Indication::total_failed, {SubIndication::hash_failure}, {"DSIG-REF-DIGEST-MISMATCH"}, false},
        {"phaos_bad_sig", "phaos-xmldsig-three/signature-rsa-enveloped-bad-sig.xml",
         "phaos-xmldsig-three/certs/rsa-ca-cert.der", nullptr, "2009-01-01", true, nullptr, Expect::exactly,
         Indication::total_failed, {SubIndication::sig_crypto_failure, SubIndication::format_failure}, {}, false},
        {"phaos_sig_value_flipped", "phaos-xmldsig-three/signature-rsa-enveloped.xml",
         "phaos-xmldsig-three/certs/rsa-ca-cert.der", nullptr, "2009-01-01", true, "signature-value",
         Expect::exactly, Indication::total_failed, {SubIndication::sig_crypto_failure},
         {"DSIG-SIGNATURE-INVALID"}, false},
        {"aleksey_ecdsa_p256", "aleksey-xmldsig-01/enveloped-sha256-ecdsa-sha256.xml", nullptr,
         "xmlsec:keys/ec/ec-prime256v1-pubkey.pem", nullptr, false, nullptr, Expect::exactly,
         Indication::total_passed, {SubIndication::none}, {"DSIG-KEY-TRUSTED"}, true},
        {"aleksey_ed25519", "aleksey-xmldsig-01/enveloped-sha256-eddsa-ed25519.xml", nullptr,
         "xmlsec:keys/eddsa/eddsa-ed25519-pubkey.pem", nullptr, false, nullptr, Expect::exactly,
         Indication::total_passed, {SubIndication::none}, {"DSIG-KEY-TRUSTED"}, true},
        {"aleksey_rsa_pss_sha256", "aleksey-xmldsig-01/enveloped-sha256-rsa-pss-sha256.xml", nullptr,
         "xmlsec:keys/rsa/rsa-4096-pubkey.pem", nullptr, false, nullptr, Expect::exactly,
         Indication::total_passed, {SubIndication::none}, {"DSIG-KEY-TRUSTED"}, true},
        // The same documents with a wrong trusted key (same key type, then another type).
        {"aleksey_ecdsa_p256_wrong_key", "aleksey-xmldsig-01/enveloped-sha256-ecdsa-sha256.xml", nullptr,
         "pki:ec-p256", nullptr, false, nullptr, Expect::not_passed, Indication::total_failed, {}, {}, std::nullopt},
        {"aleksey_ecdsa_p256_rsa_key", "aleksey-xmldsig-01/enveloped-sha256-ecdsa-sha256.xml", nullptr,
         "xmlsec:keys/rsa/rsa-4096-pubkey.pem", nullptr, false, nullptr, Expect::not_passed,
         Indication::total_failed, {}, {}, std::nullopt},
        {"aleksey_ed25519_wrong_key", "aleksey-xmldsig-01/enveloped-sha256-eddsa-ed25519.xml", nullptr,
         "pki:ed25519", nullptr, false, nullptr, Expect::not_passed, Indication::total_failed, {}, {}, std::nullopt},
        {"aleksey_rsa_pss_sha256_wrong_key", "aleksey-xmldsig-01/enveloped-sha256-rsa-pss-sha256.xml", nullptr,
         "pki:rsa4096", nullptr, false, nullptr, Expect::not_passed, Indication::total_failed, {}, {}, std::nullopt},
        {"aleksey_rsa_pss_sha256_ec_key", "aleksey-xmldsig-01/enveloped-sha256-rsa-pss-sha256.xml", nullptr,
         "xmlsec:keys/ec/ec-prime256v1-pubkey.pem", nullptr, false, nullptr, Expect::not_passed,
         Indication::total_failed, {}, {}, std::nullopt},
        // No key at all: KeyName only and nothing trusted.
        {"aleksey_ecdsa_p256_no_key", "aleksey-xmldsig-01/enveloped-sha256-ecdsa-sha256.xml", nullptr, nullptr,
         nullptr, false, nullptr, Expect::not_passed, Indication::indeterminate, {}, {"DSIG-KEY-NOT-FOUND"},
         std::nullopt},
    };
    return cases;
}

std::string describe(const dsig::VerificationReport& r) {
    std::string out = std::string(report::to_string(r.indication));
    const auto sub = report::to_string(r.sub_indication);
    if (!sub.empty()) out += "/" + std::string(sub);
    out += " findings:";
    for (const auto& f : r.findings) out += " " + f.code + " (" + f.message + ")";
    return out;
}

std::string base64_flip_middle_bit(const std::string& text) {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    // Work on the 6-bit symbols: flipping the low bit of a symbol in the middle changes exactly
    // one bit of the decoded bytes, and keeps the text valid base64 (padding untouched).
    std::vector<std::size_t> symbols;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (alphabet.find(text[i]) != std::string_view::npos) symbols.push_back(i);
    if (symbols.empty()) return text;
    std::string out = text;
    const std::size_t at = symbols[symbols.size() / 2];
    const auto value = alphabet.find(out[at]);
    out[at] = alphabet[value ^ 1u];
    return out;
}

// Flips one bit in the middle of the first SignatureValue's decoded bytes (stays base64).
std::string flip_signature_value(const std::string& xml) {
    const std::regex re("(<(?:[A-Za-z_][A-Za-z0-9_.-]*:)?SignatureValue\\b[^>]*>)([^<]*)<");
    std::smatch m;
    if (!std::regex_search(xml, m, re)) return xml;
    std::string out = xml;
    out.replace(static_cast<std::size_t>(m.position(2)), static_cast<std::size_t>(m.length(2)),
                base64_flip_middle_bit(m[2].str()));
    return out;
}

// Readable parameter in gtest output.
void PrintTo(const SharedCase& c, std::ostream* os) { *os << c.name << " (" << c.file << ")"; }

std::string shared_case_name(const ::testing::TestParamInfo<SharedCase>& param_info) {
    return param_info.param.name;
}

class SharedXmlsecVectors : public ::testing::TestWithParam<SharedCase> {};

TEST_P(SharedXmlsecVectors, MatchesSources) {
    const auto shared = istmo::test::shared_reference_dir();
    if (!shared) GTEST_SKIP() << kNoShared;
    const fs::path base = *shared / "xades-samples" / "xmlsec";
    if (!fs::is_directory(base)) GTEST_SKIP() << kNoShared;
    const SharedCase& c = GetParam();
    SCOPED_TRACE(std::string_view(c.file).rfind("aleksey", 0) == 0
                     ? "note: this vector uses the XPath 1.0 transform not(ancestor-or-self::dsig:Signature), which "
                       "docs/finding-codes.md lists as DSIG-TRANSFORM-FORBIDDEN; the expectation comes from "
                       "SOURCES.md / the test brief"
                     : "");

    dsig::VerifyOptions options;
    options.allow_legacy = c.allow_legacy;
    // Revocation off, explicitly: shared certificates may publish CRL / OCSP URLs that cannot
    // be reached here; these vectors are about the signatures.
    options.revocation = crypto::RevocationPolicy::off;
    if (c.anchor) {
        auto added = options.trust.add_file((base / c.anchor).string());
        ASSERT_TRUE(added.has_value()) << added.error().to_string();
    }
    if (c.trusted_key) {
        const std::string spec = c.trusted_key;
        if (spec.rfind("xmlsec:", 0) == 0) {
            auto key = crypto::PublicKey::from_file((base / spec.substr(7)).string());
            ASSERT_TRUE(key.has_value()) << spec << ": " << key.error().to_string();
            options.trusted_keys.push_back(*key);
        } else {
            const auto path = istmo::test::vectors_dir() / "pki" / (spec.substr(4) + ".cert.pem");
            auto cert = crypto::Certificate::from_file(path.string());
            ASSERT_TRUE(cert.has_value()) << spec << ": " << cert.error().to_string();
            options.trusted_keys.push_back(crypto::PublicKey::from_certificate(*cert));
        }
    }
    if (c.at) {
        const std::string day = c.at;
        const std::chrono::year_month_day ymd{std::chrono::year{std::stoi(day.substr(0, 4))},
                                              std::chrono::month{static_cast<unsigned>(std::stoi(day.substr(5, 2)))},
                                              std::chrono::day{static_cast<unsigned>(std::stoi(day.substr(8, 2)))}};
        ASSERT_TRUE(ymd.ok());
        options.validation_time = std::chrono::sys_days{ymd};
    }

    std::string xml = istmo::test::read_file(base / c.file);
    if (c.tamper) {
        const std::string before = xml;
        xml = flip_signature_value(xml);
        ASSERT_NE(xml, before) << "tampering did not change the document";
    }

    const dsig::Verifier verifier(std::move(options));
    auto result = verifier.verify(xml);
    ASSERT_TRUE(result.has_value()) << "operation error: " << result.error().to_string();
    const dsig::VerificationReport& r = *result;
    EXPECT_TRUE(r.well_formed) << describe(r);

    if (c.expect == Expect::not_passed) {
        EXPECT_NE(r.indication, Indication::total_passed) << describe(r);
        for (const auto& sig : r.signatures) {
            EXPECT_NE(sig.indication, Indication::total_passed);
            // No key but the right one can make the SignatureValue verify.
            EXPECT_FALSE(sig.signature_value_ok) << "SignatureValue verified with a wrong key: " << describe(r);
        }
    } else {
        EXPECT_EQ(report::to_string(r.indication), report::to_string(c.indication)) << describe(r);
        if (!c.sub_indications.empty()) {
            EXPECT_NE(std::find(c.sub_indications.begin(), c.sub_indications.end(), r.sub_indication),
                      c.sub_indications.end())
                << "unexpected sub-indication: " << describe(r);
        }
    }
    for (const char* code : c.codes) {
        EXPECT_TRUE(std::any_of(r.findings.begin(), r.findings.end(),
                                [&](const report::Finding& f) { return f.code == code; }))
            << "missing finding " << code << ": " << describe(r);
    }
    if (c.core_valid.has_value()) {
        ASSERT_EQ(r.signatures.size(), 1u) << describe(r);
        const auto& sig = r.signatures[0];
        bool digests_ok = !sig.references.empty();
        for (const auto& ref : sig.references) digests_ok = digests_ok && ref.digest_ok;
        if (*c.core_valid) {
            EXPECT_TRUE(sig.signature_value_ok) << describe(r);
            EXPECT_TRUE(digests_ok) << describe(r);
        } else {
            EXPECT_FALSE(sig.signature_value_ok && digests_ok) << "reported core-valid: " << describe(r);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Shared, SharedXmlsecVectors, ::testing::ValuesIn(shared_cases()),
                         shared_case_name);

}  // namespace
