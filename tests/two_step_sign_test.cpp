// Two-step signing: prepare without the key, sign the digest outside istmo (openssl pkeyutl, or
// OpenSSL called directly), complete; the result verifies with xmlsec1 and istmo; wrong values,
// values of another key and edited pending states are refused.
#include "test_support.hpp"

#include "crypto/native.hpp"
#include "report/json_reader.hpp"

#include <istmo/dsig/sign.hpp>
#include <istmo/dsig/verify.hpp>
#include <istmo/xades/xades.hpp>

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

namespace istmo {
namespace {

namespace fs = std::filesystem;

const char* const k_document = "<Invoice xmlns=\"urn:test\"><Total>100.00</Total><Item Id=\"i1\">a</Item></Invoice>";

std::string q(const fs::path& path) { return test::shell_quote(path); }

crypto::Bytes bytes_of(const std::string& text) { return crypto::Bytes(text.begin(), text.end()); }

// The digest of a prepared signature signed by OpenSSL itself (EVP_PKEY_sign over the hash:
// PKCS#1 v1.5 with DigestInfo, or DER ECDSA), with the key file istmo never sees.
crypto::Bytes openssl_sign_digest(const std::string& key_stem, const dsig::PendingSignature& pending) {
    const std::string pem = test::read_file(test::pki(key_stem + ".key.pem"));
    internal::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    internal::EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    EXPECT_TRUE(key);
    internal::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
    EXPECT_EQ(EVP_PKEY_sign_init(ctx.get()), 1);
    const EVP_MD* md = pending.signed_info_digest().size() == 48 ? EVP_sha384()
                       : pending.signed_info_digest().size() == 64 ? EVP_sha512() : EVP_sha256();
    EXPECT_EQ(EVP_PKEY_CTX_set_signature_md(ctx.get(), md), 1);
    std::size_t length = 0;
    const auto& digest = pending.signed_info_digest();
    EXPECT_EQ(EVP_PKEY_sign(ctx.get(), nullptr, &length, digest.data(), digest.size()), 1);
    crypto::Bytes value(length);
    EXPECT_EQ(EVP_PKEY_sign(ctx.get(), value.data(), &length, digest.data(), digest.size()), 1);
    value.resize(length);
    return value;
}

crypto::TrustStore pki_trust() {
    crypto::TrustStore trust;
    EXPECT_TRUE(trust.add_file(test::pki("chain.pem").string()).has_value());
    return trust;
}

report::Indication istmo_verdict(const std::string& xml) {
    dsig::VerifyOptions options;
    options.trust = pki_trust();
    auto report = dsig::Verifier(std::move(options)).verify(xml);
    EXPECT_TRUE(report.has_value());
    return report ? report->indication : report::Indication::total_failed;
}

bool xmlsec_verifies(const std::string& xml) {
    if (!test::have_tool("xmlsec1")) return true;  // the istmo verdict still checks the result
    test::TempDir dir;
    test::write_file(dir / "signed.xml", xml);
    auto result = test::run_command("xmlsec1 --verify --trusted-pem " + q(test::pki("ca.cert.pem")) + " --untrusted-pem " +
                                    q(test::pki("intermediate.cert.pem")) + " " + q(dir / "signed.xml"));
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return result.exit_code == 0;
}

dsig::PendingSignature prepare(const std::string& stem, dsig::SignOptions options = {}) {
    auto cert = crypto::Certificate::from_file(test::pki(stem + ".cert.pem").string());
    EXPECT_TRUE(cert.has_value());
    auto signer = dsig::Signer::for_certificate(*cert, {}, options);
    EXPECT_TRUE(signer.has_value()) << (signer ? "" : signer.error().to_string());
    auto pending = signer->prepare(k_document);
    EXPECT_TRUE(pending.has_value()) << (pending ? "" : pending.error().to_string());
    return *pending;
}

TEST(TwoStepSign, RsaAndEcdsaDigestsSignedByOpenSslComplete) {
    for (const char* stem : {"rsa2048", "ec-p256", "ec-p384"}) {
        SCOPED_TRACE(stem);
        const dsig::PendingSignature pending = prepare(stem);
        EXPECT_FALSE(pending.digest_algorithm_uri().empty());
        const crypto::Bytes expected = crypto::digest(pending.signed_info_digest().size() == 48 ? crypto::DigestAlg::sha384
                                                                                             : crypto::DigestAlg::sha256,
                                                      bytes_of(pending.canonical_signed_info()));
        EXPECT_EQ(pending.signed_info_digest(), expected);
        // Through the state, as a second process would see it.
        auto again = dsig::PendingSignature::from_state(pending.state());
        ASSERT_TRUE(again.has_value()) << again.error().to_string();
        auto signed_xml = again->complete(openssl_sign_digest(stem, *again));
        ASSERT_TRUE(signed_xml.has_value()) << signed_xml.error().to_string();
        EXPECT_TRUE(xmlsec_verifies(*signed_xml));
        EXPECT_EQ(istmo_verdict(*signed_xml), report::Indication::total_passed);
    }
}

TEST(TwoStepSign, Ed25519SignsTheCanonicalSignedInfo) {
    const dsig::PendingSignature pending = prepare("ed25519");
    EXPECT_TRUE(pending.digest_algorithm_uri().empty());
    EXPECT_NE(pending.request_json().find("\"signed_info\""), std::string::npos);
    const std::string pem = test::read_file(test::pki("ed25519.key.pem"));
    internal::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    internal::EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    ASSERT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()), 1);
    crypto::Bytes value(64);
    std::size_t length = value.size();
    const crypto::Bytes message = bytes_of(pending.canonical_signed_info());
    ASSERT_EQ(EVP_DigestSign(ctx.get(), value.data(), &length, message.data(), message.size()), 1);
    auto signed_xml = pending.complete(value);
    ASSERT_TRUE(signed_xml.has_value()) << signed_xml.error().to_string();
    EXPECT_EQ(istmo_verdict(*signed_xml), report::Indication::total_passed);
}

TEST(TwoStepSign, XadesBbSigningTimeIsFixedAtPrepare) {
    auto cert = crypto::Certificate::from_file(test::pki("rsa2048.cert.pem").string());
    ASSERT_TRUE(cert.has_value());
    xades::SignOptions options;
    options.profile = xades::Profile::b_b;
    options.signing_time = std::chrono::sys_days{std::chrono::year{2026} / 1 / 2} + std::chrono::hours{3};
    auto signer = xades::Signer::for_certificate(*cert, {}, options);
    ASSERT_TRUE(signer.has_value()) << signer.error().to_string();
    auto pending = signer->prepare(k_document);
    ASSERT_TRUE(pending.has_value()) << pending.error().to_string();
    auto signed_xml = pending->complete(openssl_sign_digest("rsa2048", *pending));
    ASSERT_TRUE(signed_xml.has_value()) << signed_xml.error().to_string();
    EXPECT_NE(signed_xml->find("2026-01-02T03:00:00Z"), std::string::npos);
    EXPECT_TRUE(xmlsec_verifies(*signed_xml));
    xades::VerifyOptions verify_options;
    verify_options.dsig.trust = pki_trust();
    auto report = xades::Verifier(verify_options).verify(*signed_xml);
    ASSERT_TRUE(report.has_value());
    EXPECT_EQ(report->indication, report::Indication::total_passed);

    options.profile = xades::Profile::b_t;
    options.timestamper = [](std::span<const std::uint8_t>) -> Result<std::vector<std::uint8_t>> { return crypto::Bytes{}; };
    auto bt = xades::Signer::for_certificate(*cert, {}, options);
    ASSERT_FALSE(bt.has_value());
    EXPECT_EQ(bt.error().code, Errc::unsupported);
}

TEST(TwoStepSign, RefusesWrongValuesOtherKeysAndEditedStates) {
    const dsig::PendingSignature pending = prepare("ec-p256");
    crypto::Bytes zeros(64, 0);
    crypto::Bytes wrong = openssl_sign_digest("ec-p256", pending);
    wrong[wrong.size() / 2] ^= 0x01;
    for (const crypto::Bytes& value : {zeros, wrong, openssl_sign_digest("ec-p384", pending), crypto::Bytes{}}) {
        auto refused = pending.complete(value);
        ASSERT_FALSE(refused.has_value());
        EXPECT_EQ(refused.error().code, Errc::invalid_argument) << refused.error().to_string();
    }
    // A certificate-only signer never signs by itself.
    auto cert = crypto::Certificate::from_file(test::pki("rsa2048.cert.pem").string());
    auto signer = dsig::Signer::for_certificate(*cert, {});
    ASSERT_TRUE(signer.has_value());
    auto direct = signer->sign(k_document);
    ASSERT_FALSE(direct.has_value());
    EXPECT_EQ(direct.error().code, Errc::failed_precondition);

    // A state edited by hand: any field, the document inside it, or another document.
    const std::string state = pending.state();
    auto root = report::json::parse(state);
    ASSERT_TRUE(root.has_value());
    const std::string document_b64 = root->find("document")->text;
    std::string other_doc = test::read_file(test::pki("chain.pem"));  // any other content
    const std::string replaced = crypto::base64_encode(bytes_of(std::string(k_document)));
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {document_b64, replaced}, {document_b64.substr(0, 40), document_b64.substr(0, 39) + (document_b64[39] == 'A' ? "B" : "A")},
             {"ecdsa-sha256", "ecdsa-sha384"}, {"\"binding\":\"", "\"binding\":\"0"}}) {
        std::string edited = state;
        const auto at = edited.find(from);
        ASSERT_NE(at, std::string::npos) << from;
        edited.replace(at, from.size(), to);
        auto parsed = dsig::PendingSignature::from_state(edited);
        EXPECT_FALSE(parsed.has_value()) << from;
        if (!parsed) {
            EXPECT_EQ(parsed.error().code, Errc::invalid_argument);
        }
    }
    EXPECT_FALSE(dsig::PendingSignature::from_state("{}").has_value());
    EXPECT_FALSE(dsig::PendingSignature::from_state(other_doc).has_value());
}

// ---- the CLI: prepare, openssl pkeyutl -sign, complete ----------------------------------------

TEST(TwoStepSignCli, PrepareOpensslPkeyutlComplete) {
    ISTMO_SKIP_WITHOUT_CLI();
    if (!test::have_tool("openssl")) GTEST_SKIP() << "openssl CLI not installed: two-step CLI test did not run";
    test::TempDir dir;
    test::write_file(dir / "in.xml", k_document);
    for (const char* stem : {"rsa2048", "ec-p256"}) {
        SCOPED_TRACE(stem);
        const std::string s(stem);
        auto prepared = test::run_command(test::cli_path() + " sign --prepare --cert " + q(test::pki(s + ".cert.pem")) +
                                          " --chain " + q(test::pki("intermediate.cert.pem")) + " -o " + q(dir / (s + ".pending")) +
                                          " " + q(dir / "in.xml") + " 2>/dev/null");
        ASSERT_EQ(prepared.exit_code, 0) << prepared.output;
        auto request = report::json::parse(prepared.output);
        ASSERT_TRUE(request.has_value()) << prepared.output;
        ASSERT_TRUE(request->find("digest") && request->find("signature_algorithm"));
        EXPECT_EQ(request->find("digest_algorithm")->text, "http://www.w3.org/2001/04/xmlenc#sha256");
        auto digest = crypto::base64_decode(request->find("digest")->text);
        ASSERT_TRUE(digest.has_value());
        test::write_file(dir / "digest.bin", std::string(digest->begin(), digest->end()));
        auto signed_digest = test::run_command("openssl pkeyutl -sign -inkey " + q(test::pki(s + ".key.pem")) + " -in " +
                                               q(dir / "digest.bin") + " -out " + q(dir / "value.bin") +
                                               " -pkeyopt digest:sha256");
        ASSERT_EQ(signed_digest.exit_code, 0) << signed_digest.output;
        auto completed = test::run_cli("sign --complete --signature-value " + q(dir / "value.bin") + " -o " +
                                       q(dir / (s + ".signed.xml")) + " " + q(dir / (s + ".pending")));
        ASSERT_EQ(completed.exit_code, 0) << completed.output;
        const std::string signed_xml = test::read_file(dir / (s + ".signed.xml"));
        EXPECT_TRUE(xmlsec_verifies(signed_xml));
        auto verified = test::run_cli("verify --trust " + q(test::pki("chain.pem")) + " " + q(dir / (s + ".signed.xml")));
        EXPECT_EQ(verified.exit_code, 0) << verified.output;
        // Base64 on standard input works too.
        auto from_stdin = test::run_command("base64 -w0 " + q(dir / "value.bin") + " | " + test::cli_path() +
                                            " sign --complete --signature-value - " + q(dir / (s + ".pending")));
        EXPECT_EQ(from_stdin.exit_code, 0) << from_stdin.output;
    }
    // A value from another key is refused and nothing is written.
    auto other = test::run_command("openssl pkeyutl -sign -inkey " + q(test::pki("rsa3072.key.pem")) + " -in " +
                                   q(dir / "digest.bin") + " -out " + q(dir / "other.bin") + " -pkeyopt digest:sha256");
    ASSERT_EQ(other.exit_code, 0) << other.output;
    auto refused = test::run_cli("sign --complete --signature-value " + q(dir / "other.bin") + " -o " + q(dir / "never.xml") +
                                 " " + q(dir / "rsa2048.pending"));
    EXPECT_EQ(refused.exit_code, 64) << refused.output;
    EXPECT_FALSE(fs::exists(dir / "never.xml"));
    auto usage = test::run_cli("sign --prepare --key " + q(test::pki("rsa2048.key.pem")) + " -o " + q(dir / "p") + " " + q(dir / "in.xml"));
    EXPECT_EQ(usage.exit_code, 64) << usage.output;
}

TEST(TwoStepSignCli, PanamaInvoicePreparedThenCompletedWithItsQr) {
    ISTMO_SKIP_WITHOUT_CLI();
    if (!test::have_tool("openssl")) GTEST_SKIP() << "openssl CLI not installed: two-step CLI test did not run";
    test::TempDir dir;
    auto made = test::run_cli("invoice new --from " + q(test::vectors_dir() / "panama-fe" / "json" / "01-factura.json") +
                              " -o " + q(dir / "u.xml"));
    ASSERT_EQ(made.exit_code, 0) << made.output;
    auto prepared = test::run_command(test::cli_path() + " invoice sign --prepare --cert " + q(test::pki("rsa2048.cert.pem")) +
                                      " -o " + q(dir / "inv.pending") + " " + q(dir / "u.xml") + " 2>/dev/null");
    ASSERT_EQ(prepared.exit_code, 0) << prepared.output;
    auto request = report::json::parse(prepared.output);
    ASSERT_TRUE(request.has_value() && request->find("digest")) << prepared.output;
    auto digest = crypto::base64_decode(request->find("digest")->text);
    ASSERT_TRUE(digest.has_value());
    test::write_file(dir / "digest.bin", std::string(digest->begin(), digest->end()));
    auto signed_digest = test::run_command("openssl pkeyutl -sign -inkey " + q(test::pki("rsa2048.key.pem")) + " -in " +
                                           q(dir / "digest.bin") + " -out " + q(dir / "value.bin") + " -pkeyopt digest:sha256");
    ASSERT_EQ(signed_digest.exit_code, 0) << signed_digest.output;
    auto completed = test::run_command("ISTMO_TEST_QR=s3cret " + test::cli_path() + " invoice sign --complete --signature-value " +
                                       q(dir / "value.bin") + " --qr-secret-env ISTMO_TEST_QR -o " + q(dir / "s.xml") + " " +
                                       q(dir / "inv.pending"));
    ASSERT_EQ(completed.exit_code, 0) << completed.output;
    EXPECT_NE(test::read_file(dir / "s.xml").find("dQRCode"), std::string::npos);
    auto valid = test::run_cli("invoice validate --json --trust " + q(test::pki("chain.pem")) + " " + q(dir / "s.xml"));
    EXPECT_EQ(valid.exit_code, 0) << valid.output;
    EXPECT_NE(valid.output.find("\"indication\":\"TOTAL_PASSED\""), std::string::npos) << valid.output;
    // The QR of the completed invoice is the one istmo computes for it.
    auto qr = test::run_command("ISTMO_TEST_QR=s3cret " + test::cli_path() + " invoice qr --qr-secret-env ISTMO_TEST_QR " +
                                q(dir / "s.xml"));
    ASSERT_EQ(qr.exit_code, 0) << qr.output;
    std::string url = qr.output;
    while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) url.pop_back();
    EXPECT_NE(test::read_file(dir / "s.xml").find(url.substr(0, 60)), std::string::npos) << url;
}

}  // namespace
}  // namespace istmo
