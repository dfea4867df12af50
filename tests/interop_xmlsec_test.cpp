// Interoperability with xmlsec1 (an independent XMLDSig implementation), both directions:
//   A: istmo signs  -> `xmlsec1 --verify` accepts; tampered copies are refused by both sides.
//   B: xmlsec1 signs a template -> istmo verifies (TOTAL_PASSED, digests, signer); tampered
//      copies are refused by both sides.
// Plus a cross-check with the Python `xmlsec` binding and the committed vectors of
// test-vectors/dsig/xmlsec1-signed/ (whose README.md table holds the expected results).
//
// xmlsec1 1.2.37 has no Ed25519 and no RSA-PSS for XMLDSig, so those are not covered here.
#include "test_support.hpp"

#include <istmo/crypto/keys.hpp>
#include <istmo/dsig/sign.hpp>
#include <istmo/dsig/verify.hpp>
#include <istmo/report/report.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace dsig = istmo::dsig;
namespace crypto = istmo::crypto;
namespace report = istmo::report;
using istmo::test::CommandResult;
using istmo::test::read_file;
using istmo::test::run_command;
using istmo::test::TempDir;
using istmo::test::vectors_dir;
using istmo::test::write_file;

constexpr const char* kNoXmlsec = "xmlsec1 not installed: interop test did not run";

// ------------------------------------------------------------------------------------------
// Small helpers
// ------------------------------------------------------------------------------------------

fs::path pki_dir() { return vectors_dir() / "pki"; }

std::string shell_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    out += "'";
    return out;
}

bool xmlsec1_available() {
    static const bool available = istmo::test::have_tool("xmlsec1");
    return available;
}

constexpr std::string_view kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(const std::vector<std::uint8_t>& data) {
    std::string out;
    std::size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        const unsigned v = (unsigned{data[i]} << 16) | (unsigned{data[i + 1]} << 8) | data[i + 2];
        out += kB64[(v >> 18) & 63];
        out += kB64[(v >> 12) & 63];
        out += kB64[(v >> 6) & 63];
        out += kB64[v & 63];
    }
    const std::size_t rest = data.size() - i;
    if (rest == 1) {
        const unsigned v = unsigned{data[i]} << 16;
        out += kB64[(v >> 18) & 63];
        out += kB64[(v >> 12) & 63];
        out += "==";
    } else if (rest == 2) {
        const unsigned v = (unsigned{data[i]} << 16) | (unsigned{data[i + 1]} << 8);
        out += kB64[(v >> 18) & 63];
        out += kB64[(v >> 12) & 63];
        out += kB64[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

// Decodes base64, skipping XML whitespace. nullopt on any other character or bad padding.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
    std::vector<std::uint8_t> out;
    unsigned acc = 0;
    int bits = 0;
    int padding = 0;
    for (char c : text) {
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        if (c == '=') {
            ++padding;
            continue;
        }
        if (padding > 0) return std::nullopt;
        const auto pos = kB64.find(c);
        if (pos == std::string_view::npos) return std::nullopt;
        acc = (acc << 6) | static_cast<unsigned>(pos);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFFu));
        }
    }
    if (padding > 2) return std::nullopt;
    return out;
}

// Flips one bit in the middle of the decoded content of the first element with this local name
// (any prefix) and writes it back as base64: the document stays well-formed and the value stays
// valid base64, only its bytes change. nullopt when the element is not found.
std::optional<std::string> flip_base64_element(const std::string& xml, const std::string& local_name) {
    const std::regex re("(<(?:[A-Za-z_][A-Za-z0-9_.-]*:)?" + local_name + "\\b[^>]*>)([^<]*)<");
    std::smatch m;
    if (!std::regex_search(xml, m, re)) return std::nullopt;
    auto bytes = base64_decode(m[2].str());
    if (!bytes || bytes->empty()) return std::nullopt;
    (*bytes)[bytes->size() / 2] ^= 0x01;
    const auto start = static_cast<std::size_t>(m.position(2));
    const auto length = static_cast<std::size_t>(m.length(2));
    std::string out = xml;
    out.replace(start, length, base64_encode(*bytes));
    return out;
}

// Replaces the one occurrence of `from` (nullopt unless it occurs exactly once).
std::optional<std::string> replace_once(const std::string& text, const std::string& from, const std::string& to) {
    const auto pos = text.find(from);
    if (pos == std::string::npos || text.find(from, pos + 1) != std::string::npos) return std::nullopt;
    std::string out = text;
    out.replace(pos, from.size(), to);
    return out;
}

bool has_finding(const dsig::VerificationReport& r, std::string_view code) {
    return std::any_of(r.findings.begin(), r.findings.end(),
                       [&](const report::Finding& f) { return f.code == code; });
}

std::string describe(const dsig::VerificationReport& r) {
    std::string out = std::string(report::to_string(r.indication));
    const auto sub = report::to_string(r.sub_indication);
    if (!sub.empty()) out += "/" + std::string(sub);
    out += " findings:";
    for (const auto& f : r.findings) out += " " + f.code + " (" + f.message + ")";
    return out;
}

// The payload everybody signs: unprefixed elements, a namespaced attribute and child, a comment
// (so the WithComments variants differ) and an element detached signatures leave unsigned.
constexpr std::string_view kPayload =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<doc xmlns:x=\"urn:istmo:test:x\" version=\"1\">\n"
    "  <!-- payload comment -->\n"
    "  <item Id=\"a\" x:flag=\"on\">Hello &amp; welcome</item>\n"
    "  <item Id=\"b\">World <x:b>bold</x:b></item>\n"
    "  <tail>unsigned in detached mode</tail>\n"
    "</doc>\n";
constexpr std::string_view kSignedText = ">Hello ";
constexpr std::string_view kTamperedText = ">Jello ";
constexpr std::string_view kUnsignedText = "unsigned in detached mode";

// ------------------------------------------------------------------------------------------
// The cases: algorithms x keys x canonicalizations x modes
// ------------------------------------------------------------------------------------------

constexpr std::string_view kDs = "http://www.w3.org/2000/09/xmldsig#";
constexpr std::string_view kMore = "http://www.w3.org/2001/04/xmldsig-more#";
constexpr std::string_view kEnc = "http://www.w3.org/2001/04/xmlenc#";

struct AlgInfo {
    std::string name;  // "rsa-sha256"
    dsig::SignatureAlgorithm alg;
    std::string method_uri;
    std::string digest_uri;
};

struct C14nInfo {
    std::string name;  // "exc"
    dsig::Canonicalization c14n;
    std::string uri;
};

struct ModeInfo {
    std::string name;
    dsig::SignMode mode;
};

AlgInfo alg_info(std::string_view name) {
    const std::string sha256 = std::string(kEnc) + "sha256";
    const std::string sha384 = std::string(kMore) + "sha384";
    const std::string sha512 = std::string(kEnc) + "sha512";
    const std::string more(kMore);
    static const std::map<std::string, AlgInfo, std::less<>> table = {
        {"rsa-sha256", {"rsa-sha256", dsig::SignatureAlgorithm::rsa_sha256, more + "rsa-sha256", sha256}},
        {"rsa-sha384", {"rsa-sha384", dsig::SignatureAlgorithm::rsa_sha384, more + "rsa-sha384", sha384}},
        {"rsa-sha512", {"rsa-sha512", dsig::SignatureAlgorithm::rsa_sha512, more + "rsa-sha512", sha512}},
        {"ecdsa-sha256", {"ecdsa-sha256", dsig::SignatureAlgorithm::ecdsa_sha256, more + "ecdsa-sha256", sha256}},
        {"ecdsa-sha384", {"ecdsa-sha384", dsig::SignatureAlgorithm::ecdsa_sha384, more + "ecdsa-sha384", sha384}},
        {"ecdsa-sha512", {"ecdsa-sha512", dsig::SignatureAlgorithm::ecdsa_sha512, more + "ecdsa-sha512", sha512}},
    };
    return table.find(name)->second;
}

const std::vector<C14nInfo>& all_c14n() {
    static const std::vector<C14nInfo> list = {
        {"exc", dsig::Canonicalization::exclusive, "http://www.w3.org/2001/10/xml-exc-c14n#"},
        {"exc-comments", dsig::Canonicalization::exclusive_comments,
         "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"},
        {"inc", dsig::Canonicalization::inclusive, "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"},
        {"inc-comments", dsig::Canonicalization::inclusive_comments,
         "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"},
        {"c14n11", dsig::Canonicalization::c14n11, "http://www.w3.org/2006/12/xml-c14n11"},
        {"c14n11-comments", dsig::Canonicalization::c14n11_comments,
         "http://www.w3.org/2006/12/xml-c14n11#WithComments"},
    };
    return list;
}

const C14nInfo& c14n_info(std::string_view name) {
    for (const auto& c : all_c14n())
        if (c.name == name) return c;
    return all_c14n().front();
}

const std::vector<ModeInfo>& all_modes() {
    static const std::vector<ModeInfo> list = {
        {"enveloped", dsig::SignMode::enveloped},
        {"enveloping", dsig::SignMode::enveloping},
        {"detached", dsig::SignMode::detached},
    };
    return list;
}

struct InteropCase {
    std::string key;  // leaf name in test-vectors/pki
    AlgInfo alg;
    C14nInfo c14n;
    ModeInfo mode;

    [[nodiscard]] std::string name() const {
        std::string out = alg.name + "_" + key + "_" + c14n.name + "_" + mode.name;
        for (char& c : out)
            if (c == '-') c = '_';
        return out;
    }
};

std::vector<InteropCase> interop_cases() {
    std::vector<InteropCase> cases;
    std::set<std::string> seen;
    auto add = [&](const std::string& key, std::string_view alg, std::string_view c14n, const ModeInfo& mode) {
        InteropCase c{key, alg_info(alg), c14n_info(c14n), mode};
        if (seen.insert(c.name()).second) cases.push_back(std::move(c));
    };
    const ModeInfo& enveloped = all_modes()[0];
    // Every RSA hash with every RSA key size.
    for (const char* alg : {"rsa-sha256", "rsa-sha384", "rsa-sha512"})
        for (const char* key : {"rsa2048", "rsa3072", "rsa4096"}) add(key, alg, "exc", enveloped);
    // Each RSA hash in every mode with its "natural" key size.
    for (const auto& mode : all_modes()) {
        add("rsa2048", "rsa-sha256", "exc", mode);
        add("rsa3072", "rsa-sha384", "exc", mode);
        add("rsa4096", "rsa-sha512", "exc", mode);
    }
    // ECDSA on the three curves (xmlsec1 1.2.37 accepts P-256, P-384 and P-521), every mode.
    for (const auto& mode : all_modes()) {
        add("ec-p256", "ecdsa-sha256", "exc", mode);
        add("ec-p384", "ecdsa-sha384", "exc", mode);
        add("ec-p521", "ecdsa-sha512", "exc", mode);
    }
    // Hash sizes that do not match the curve.
    add("ec-p256", "ecdsa-sha512", "exc", enveloped);
    add("ec-p521", "ecdsa-sha256", "exc", enveloped);
    add("ec-p384", "ecdsa-sha256", "inc", enveloped);
    // Every canonicalization in every mode with rsa-sha256, and a few with ECDSA.
    for (const auto& c14n : all_c14n()) {
        for (const auto& mode : all_modes()) add("rsa2048", "rsa-sha256", c14n.name, mode);
        add("ec-p256", "ecdsa-sha256", c14n.name, all_modes()[2]);
    }
    return cases;
}

// ------------------------------------------------------------------------------------------
// PKI, signing and verification helpers
// ------------------------------------------------------------------------------------------

struct Leaf {
    crypto::PrivateKey key;
    crypto::Certificate cert;
};

std::optional<Leaf> load_leaf(const std::string& name) {
    auto key = crypto::PrivateKey::from_file((pki_dir() / (name + ".key.pem")).string());
    if (!key) {
        ADD_FAILURE() << "cannot load key " << name << ": " << key.error().to_string();
        return std::nullopt;
    }
    auto cert = crypto::Certificate::from_file((pki_dir() / (name + ".cert.pem")).string());
    if (!cert) {
        ADD_FAILURE() << "cannot load certificate " << name << ": " << cert.error().to_string();
        return std::nullopt;
    }
    return Leaf{*key, *cert};
}

std::optional<crypto::Certificate> load_intermediate() {
    auto cert = crypto::Certificate::from_file((pki_dir() / "intermediate.cert.pem").string());
    if (!cert) {
        ADD_FAILURE() << "cannot load the intermediate: " << cert.error().to_string();
        return std::nullopt;
    }
    return *cert;
}

dsig::Verifier make_verifier(const fs::path& anchor) {
    dsig::VerifyOptions options;
    auto added = options.trust.add_file(anchor.string());
    EXPECT_TRUE(added.has_value()) << "cannot load trust anchor " << anchor;
    return dsig::Verifier(std::move(options));
}

std::optional<dsig::VerificationReport> istmo_verify(const dsig::Verifier& verifier, const std::string& xml) {
    auto result = verifier.verify(xml);
    if (!result) {
        ADD_FAILURE() << "Verifier::verify failed as an operation: " << result.error().to_string();
        return std::nullopt;
    }
    return std::move(result).value();
}

// `xmlsec1 --verify` with the test root as trusted and the intermediate as untrusted certificate.
CommandResult xmlsec1_verify(const fs::path& file, const fs::path& anchor = pki_dir() / "ca.cert.pem",
                             const std::string& extra = {}) {
    return run_command("xmlsec1 --verify --id-attr:Id item --trusted-pem " + shell_quote(anchor.string()) +
                       " --untrusted-pem " + shell_quote((pki_dir() / "intermediate.cert.pem").string()) + " " +
                       extra + " " + shell_quote(file.string()));
}

bool xmlsec1_ok(const CommandResult& r) {
    return r.exit_code == 0 && r.output.find("OK") != std::string::npos;
}

// Checks a report that must pass: TOTAL_PASSED, one signature, every reference found and intact.
void expect_passed(const dsig::VerificationReport& r, std::size_t references, const crypto::Certificate& leaf) {
    EXPECT_EQ(r.indication, report::Indication::total_passed) << describe(r);
    EXPECT_TRUE(r.well_formed);
    ASSERT_EQ(r.signatures.size(), 1u) << describe(r);
    const auto& sig = r.signatures[0];
    EXPECT_TRUE(sig.signature_value_ok) << describe(r);
    EXPECT_EQ(sig.indication, report::Indication::total_passed);
    EXPECT_EQ(sig.references.size(), references);
    for (const auto& ref : sig.references) {
        EXPECT_TRUE(ref.resolved) << "reference " << ref.uri;
        EXPECT_TRUE(ref.digest_ok) << "reference " << ref.uri;
    }
    ASSERT_TRUE(sig.signer.has_value()) << "no signer certificate reported";
    EXPECT_EQ(sig.signer->subject, leaf.subject());
    EXPECT_EQ(sig.signer->sha256, leaf.sha256_hex());
}

enum class Tamper { content, signature_value, digest_value };

const char* tamper_name(Tamper t) {
    switch (t) {
        case Tamper::content: return "signed content";
        case Tamper::signature_value: return "SignatureValue";
        case Tamper::digest_value: return "DigestValue";
    }
    return "?";
}

std::optional<std::string> tamper(const std::string& xml, Tamper t) {
    switch (t) {
        case Tamper::content: return replace_once(xml, std::string(kSignedText), std::string(kTamperedText));
        case Tamper::signature_value: return flip_base64_element(xml, "SignatureValue");
        case Tamper::digest_value: return flip_base64_element(xml, "DigestValue");
    }
    return std::nullopt;
}

// What istmo must report for each kind of tampering.
void expect_tamper_detected(const dsig::VerificationReport& r, Tamper t) {
    EXPECT_EQ(r.indication, report::Indication::total_failed) << tamper_name(t) << ": " << describe(r);
    ASSERT_EQ(r.signatures.size(), 1u) << describe(r);
    const auto& sig = r.signatures[0];
    const auto any_digest_bad = std::any_of(sig.references.begin(), sig.references.end(),
                                            [](const dsig::ReferenceResult& ref) { return !ref.digest_ok; });
    switch (t) {
        case Tamper::content:
            // SignedInfo is untouched: the signature value still verifies, a digest does not.
            EXPECT_EQ(r.sub_indication, report::SubIndication::hash_failure) << describe(r);
            EXPECT_TRUE(has_finding(r, "DSIG-REF-DIGEST-MISMATCH")) << describe(r);
            EXPECT_TRUE(any_digest_bad);
            EXPECT_TRUE(sig.signature_value_ok) << "content tampering must not break the SignatureValue";
            break;
        case Tamper::signature_value:
            EXPECT_EQ(r.sub_indication, report::SubIndication::sig_crypto_failure) << describe(r);
            EXPECT_TRUE(has_finding(r, "DSIG-SIGNATURE-INVALID")) << describe(r);
            EXPECT_FALSE(sig.signature_value_ok);
            for (const auto& ref : sig.references) EXPECT_TRUE(ref.digest_ok) << "reference " << ref.uri;
            break;
        case Tamper::digest_value:
            // The recorded digest no longer matches, and SignedInfo changed, so either check may
            // be the one reported first; at least one must be.
            EXPECT_TRUE(r.sub_indication == report::SubIndication::hash_failure ||
                        r.sub_indication == report::SubIndication::sig_crypto_failure)
                << describe(r);
            EXPECT_TRUE(has_finding(r, "DSIG-REF-DIGEST-MISMATCH") || has_finding(r, "DSIG-SIGNATURE-INVALID"))
                << describe(r);
            EXPECT_FALSE(sig.signature_value_ok && !any_digest_bad) << "DigestValue tampering went unnoticed";
            break;
    }
}

std::size_t reference_count(dsig::SignMode mode) { return mode == dsig::SignMode::detached ? 2 : 1; }

// ------------------------------------------------------------------------------------------
// Direction A: istmo signs, xmlsec1 verifies
// ------------------------------------------------------------------------------------------

// Readable parameter in gtest output.
void PrintTo(const InteropCase& c, std::ostream* os) {
    *os << c.alg.name << " " << c.key << " " << c.c14n.name << " " << c.mode.name;
}

std::string case_name(const ::testing::TestParamInfo<InteropCase>& param_info) { return param_info.param.name(); }

class InteropIstmoSigns : public ::testing::TestWithParam<InteropCase> {};

std::optional<std::string> istmo_sign(const InteropCase& c, const Leaf& leaf, const crypto::Certificate& intermediate) {
    dsig::SignOptions options;
    options.algorithm = c.alg.alg;
    options.canonicalization = c.c14n.c14n;
    options.mode = c.mode.mode;
    if (c.mode.mode == dsig::SignMode::detached) options.reference_ids = {"a", "b"};
    auto signer = dsig::Signer::create(leaf.key, leaf.cert, {intermediate}, options);
    if (!signer) {
        ADD_FAILURE() << "Signer::create: " << signer.error().to_string();
        return std::nullopt;
    }
    auto signed_xml = signer->sign(kPayload);
    if (!signed_xml) {
        ADD_FAILURE() << "Signer::sign: " << signed_xml.error().to_string();
        return std::nullopt;
    }
    return std::move(signed_xml).value();
}

TEST_P(InteropIstmoSigns, XmlsecVerifiesAndBothRejectTampering) {
    if (!xmlsec1_available()) GTEST_SKIP() << kNoXmlsec;
    const InteropCase& c = GetParam();
    const auto leaf = load_leaf(c.key);
    const auto intermediate = load_intermediate();
    ASSERT_TRUE(leaf && intermediate);

    // The URIs istmo advertises are the standard ones (checked against our own constants).
    EXPECT_EQ(dsig::signature_algorithm_uri(c.alg.alg), c.alg.method_uri);
    EXPECT_EQ(dsig::canonicalization_uri(c.c14n.c14n), c.c14n.uri);

    const auto signed_xml = istmo_sign(c, *leaf, *intermediate);
    ASSERT_TRUE(signed_xml.has_value());
    EXPECT_NE(signed_xml->find("Algorithm=\"" + c.alg.method_uri + "\""), std::string::npos);
    EXPECT_NE(signed_xml->find("Algorithm=\"" + c.alg.digest_uri + "\""), std::string::npos);
    EXPECT_NE(signed_xml->find("Algorithm=\"" + c.c14n.uri + "\""), std::string::npos);

    TempDir dir;
    const auto file = dir / "signed.xml";
    write_file(file, *signed_xml);

    const auto verifier = make_verifier(pki_dir() / "ca.cert.pem");
    const auto own = istmo_verify(verifier, *signed_xml);
    ASSERT_TRUE(own.has_value());
    expect_passed(*own, reference_count(c.mode.mode), leaf->cert);

    const auto accepted = xmlsec1_verify(file);
    EXPECT_TRUE(xmlsec1_ok(accepted)) << "xmlsec1 refused istmo's signature (exit " << accepted.exit_code
                                      << "):\n" << accepted.output << "\n--- document ---\n" << *signed_xml;
    const std::string refs_line =
        "SignedInfo References (ok/all): " + std::to_string(reference_count(c.mode.mode)) + "/" +
        std::to_string(reference_count(c.mode.mode));
    EXPECT_NE(accepted.output.find(refs_line), std::string::npos) << accepted.output;

    for (const Tamper t : {Tamper::content, Tamper::signature_value, Tamper::digest_value}) {
        SCOPED_TRACE(tamper_name(t));
        const auto bad = tamper(*signed_xml, t);
        ASSERT_TRUE(bad.has_value()) << "could not tamper with " << tamper_name(t);
        const auto bad_file = dir / "tampered.xml";
        write_file(bad_file, *bad);
        const auto refused = xmlsec1_verify(bad_file);
        EXPECT_NE(refused.exit_code, 0) << "xmlsec1 accepted a document with tampered " << tamper_name(t) << ":\n"
                                        << refused.output;
        const auto r = istmo_verify(verifier, *bad);
        ASSERT_TRUE(r.has_value());
        expect_tamper_detected(*r, t);
    }

    if (c.mode.mode == dsig::SignMode::detached) {
        // Changing what the detached references do not cover keeps both verifiers happy.
        const auto changed = replace_once(*signed_xml, std::string(kUnsignedText), "changed, still unsigned");
        ASSERT_TRUE(changed.has_value());
        const auto changed_file = dir / "unsigned-changed.xml";
        write_file(changed_file, *changed);
        const auto still = xmlsec1_verify(changed_file);
        EXPECT_TRUE(xmlsec1_ok(still)) << still.output;
        const auto r = istmo_verify(verifier, *changed);
        ASSERT_TRUE(r.has_value());
        expect_passed(*r, 2, leaf->cert);
    }
}

INSTANTIATE_TEST_SUITE_P(Interop, InteropIstmoSigns, ::testing::ValuesIn(interop_cases()),
                         case_name);

// ------------------------------------------------------------------------------------------
// Direction B: xmlsec1 signs, istmo verifies
// ------------------------------------------------------------------------------------------

std::string xmlsec1_reference(const std::string& uri, const InteropCase& c, bool enveloped) {
    std::string out = "<Reference URI=\"" + uri + "\"><Transforms>";
    if (enveloped) out += "<Transform Algorithm=\"" + std::string(kDs) + "enveloped-signature\"/>";
    out += "<Transform Algorithm=\"" + c.c14n.uri + "\"/></Transforms>";
    out += "<DigestMethod Algorithm=\"" + c.alg.digest_uri + "\"/><DigestValue/></Reference>";
    return out;
}

// An xmlsec1 signing template: empty DigestValue/SignatureValue, empty X509Data (xmlsec1 fills
// in the certificates given with --privkey-pem).
std::string xmlsec1_template(const InteropCase& c) {
    std::string refs;
    switch (c.mode.mode) {
        case dsig::SignMode::enveloped: refs = xmlsec1_reference("", c, true); break;
        case dsig::SignMode::enveloping: refs = xmlsec1_reference("#object", c, false); break;
        case dsig::SignMode::detached:
            refs = xmlsec1_reference("#a", c, false) + xmlsec1_reference("#b", c, false);
            break;
    }
    const std::string signature_start = "<Signature xmlns=\"" + std::string(kDs) + "\"><SignedInfo>" +
                                        "<CanonicalizationMethod Algorithm=\"" + c.c14n.uri + "\"/>" +
                                        "<SignatureMethod Algorithm=\"" + c.alg.method_uri + "\"/>" + refs +
                                        "</SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo>";
    std::string payload(kPayload);
    if (c.mode.mode == dsig::SignMode::enveloping) {
        const auto body = payload.substr(payload.find("<doc"));
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + signature_start + "<Object Id=\"object\">" + body +
               "</Object></Signature>\n";
    }
    const auto end = payload.rfind("</doc>");
    return payload.substr(0, end) + signature_start + "</Signature></doc>\n";
}

// The subject as the openssl CLI prints it (RFC 2253), as an independent cross-check; empty
// when the tool is missing.
std::string openssl_subject(const fs::path& cert) {
    if (!istmo::test::have_tool("openssl")) return {};
    auto r = run_command("openssl x509 -noout -subject -nameopt RFC2253 -in " + shell_quote(cert.string()));
    if (r.exit_code != 0) return {};
    std::string line = r.output.substr(0, r.output.find('\n'));
    const std::string prefix = "subject=";
    if (line.rfind(prefix, 0) == 0) line = line.substr(prefix.size());
    return line;
}

class InteropXmlsecSigns : public ::testing::TestWithParam<InteropCase> {};

TEST_P(InteropXmlsecSigns, IstmoVerifiesAndBothRejectTampering) {
    if (!xmlsec1_available()) GTEST_SKIP() << kNoXmlsec;
    const InteropCase& c = GetParam();
    const auto leaf = load_leaf(c.key);
    ASSERT_TRUE(leaf.has_value());

    TempDir dir;
    const auto tmpl = dir / "template.xml";
    const auto file = dir / "signed.xml";
    write_file(tmpl, xmlsec1_template(c));
    const auto signed_run = run_command(
        "xmlsec1 --sign --id-attr:Id item --privkey-pem " +
        shell_quote((pki_dir() / (c.key + ".key.pem")).string() + "," +
                    (pki_dir() / (c.key + ".cert.pem")).string() + "," +
                    (pki_dir() / "intermediate.cert.pem").string()) +
        " --output " + shell_quote(file.string()) + " " + shell_quote(tmpl.string()));
    ASSERT_EQ(signed_run.exit_code, 0) << "xmlsec1 could not sign:\n" << signed_run.output;
    const std::string signed_xml = read_file(file);
    // Sanity: xmlsec1 agrees with itself.
    const auto self = xmlsec1_verify(file);
    ASSERT_TRUE(xmlsec1_ok(self)) << self.output;

    const auto verifier = make_verifier(pki_dir() / "ca.cert.pem");
    const auto r = istmo_verify(verifier, signed_xml);
    ASSERT_TRUE(r.has_value());
    expect_passed(*r, reference_count(c.mode.mode), leaf->cert);
    ASSERT_EQ(r->signatures.size(), 1u);
    const auto& sig = r->signatures[0];
    EXPECT_EQ(sig.signature_method, c.alg.method_uri);
    EXPECT_EQ(sig.canonicalization_method, c.c14n.uri);
    for (const auto& ref : sig.references) EXPECT_EQ(ref.digest_method, c.alg.digest_uri);
    const auto expected_subject = openssl_subject(pki_dir() / (c.key + ".cert.pem"));
    if (!expected_subject.empty() && sig.signer) {
        EXPECT_EQ(sig.signer->subject, expected_subject);
    }

    for (const Tamper t : {Tamper::content, Tamper::signature_value, Tamper::digest_value}) {
        SCOPED_TRACE(tamper_name(t));
        const auto bad = tamper(signed_xml, t);
        ASSERT_TRUE(bad.has_value()) << "could not tamper with " << tamper_name(t);
        const auto bad_file = dir / "tampered.xml";
        write_file(bad_file, *bad);
        const auto refused = xmlsec1_verify(bad_file);
        EXPECT_NE(refused.exit_code, 0) << "xmlsec1 accepted its own document with tampered " << tamper_name(t);
        const auto tr = istmo_verify(verifier, *bad);
        ASSERT_TRUE(tr.has_value());
        expect_tamper_detected(*tr, t);
    }
}

INSTANTIATE_TEST_SUITE_P(Interop, InteropXmlsecSigns, ::testing::ValuesIn(interop_cases()),
                         case_name);

// ------------------------------------------------------------------------------------------
// Python `xmlsec` binding (python3-xmlsec) verifies istmo's signatures
// ------------------------------------------------------------------------------------------

constexpr std::string_view kPythonVerify = R"PY(import sys
import xmlsec
from lxml import etree
path, anchor, intermediate = sys.argv[1:4]
root = etree.parse(path).getroot()
xmlsec.tree.add_ids(root, ["Id"])
manager = xmlsec.KeysManager()
manager.load_cert(anchor, xmlsec.constants.KeyDataFormatPem, xmlsec.constants.KeyDataTypeTrusted)
manager.load_cert(intermediate, xmlsec.constants.KeyDataFormatPem, xmlsec.constants.KeyDataTypeNone)
node = xmlsec.tree.find_node(root, xmlsec.constants.NodeSignature)
if node is None:
    print("NO-SIGNATURE")
    sys.exit(2)
try:
    xmlsec.SignatureContext(manager).verify(node)
except xmlsec.Error as error:
    print("INVALID", error)
    sys.exit(1)
print("VALID")
)PY";

std::string python_with_xmlsec() {
    static const std::string found = istmo::test::python_with("xmlsec, lxml.etree");
    return found;
}

class InteropPythonXmlsec : public ::testing::TestWithParam<InteropCase> {};

TEST_P(InteropPythonXmlsec, VerifiesIstmoSignature) {
    const std::string python = python_with_xmlsec();
    if (python.empty()) GTEST_SKIP() << "python3 xmlsec module not available: python cross-check did not run";
    const InteropCase& c = GetParam();
    const auto leaf = load_leaf(c.key);
    const auto intermediate = load_intermediate();
    ASSERT_TRUE(leaf && intermediate);
    const auto signed_xml = istmo_sign(c, *leaf, *intermediate);
    ASSERT_TRUE(signed_xml.has_value());

    TempDir dir;
    const auto script = dir / "verify.py";
    write_file(script, std::string(kPythonVerify));
    auto run = [&](const std::string& xml) {
        const auto file = dir / "doc.xml";
        write_file(file, xml);
        return run_command(python + " " + shell_quote(script.string()) + " " + shell_quote(file.string()) + " " +
                           shell_quote((pki_dir() / "ca.cert.pem").string()) + " " +
                           shell_quote((pki_dir() / "intermediate.cert.pem").string()));
    };
    const auto good = run(*signed_xml);
    EXPECT_EQ(good.exit_code, 0) << good.output;
    EXPECT_NE(good.output.find("VALID"), std::string::npos) << good.output;

    for (const Tamper t : {Tamper::content, Tamper::signature_value}) {
        SCOPED_TRACE(tamper_name(t));
        const auto bad = tamper(*signed_xml, t);
        ASSERT_TRUE(bad.has_value());
        const auto refused = run(*bad);
        EXPECT_EQ(refused.exit_code, 1) << refused.output;
    }
}

std::vector<InteropCase> python_cases() {
    std::vector<InteropCase> cases;
    for (const auto& mode : all_modes()) {
        cases.push_back({"rsa2048", alg_info("rsa-sha256"), c14n_info("exc"), mode});
        cases.push_back({"ec-p256", alg_info("ecdsa-sha256"), c14n_info("exc"), mode});
    }
    cases.push_back({"rsa2048", alg_info("rsa-sha256"), c14n_info("c14n11"), all_modes()[0]});
    cases.push_back({"ec-p384", alg_info("ecdsa-sha384"), c14n_info("inc-comments"), all_modes()[0]});
    return cases;
}

INSTANTIATE_TEST_SUITE_P(Interop, InteropPythonXmlsec, ::testing::ValuesIn(python_cases()),
                         case_name);

// ------------------------------------------------------------------------------------------
// Committed vectors made by scripts/make-dsig-vectors.sh; README.md holds the expectations.
// ------------------------------------------------------------------------------------------

struct VectorRow {
    std::string file;
    std::string what;
    std::string indication;
    std::string sub_indication;  // empty = any
};

// Rows look like: | `file.xml` | what it is | TOTAL_FAILED/HASH_FAILURE |
std::vector<VectorRow> parse_vector_readme(const std::string& text) {
    std::vector<VectorRow> rows;
    for (const auto& cells : istmo::test::vector_table_rows(text)) {
        if (cells.size() != 3) {
            ADD_FAILURE() << "README row without 3 cells: " << cells.front();
            continue;
        }
        VectorRow row;
        row.file = cells[0];
        row.what = cells[1];
        const auto slash = cells[2].find('/');
        row.indication = cells[2].substr(0, slash);
        if (slash != std::string::npos) row.sub_indication = cells[2].substr(slash + 1);
        rows.push_back(row);
    }
    return rows;
}

// "2027-01-01T00:00:00Z" -> time point (UTC), nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_utc(const std::string& text) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    char z = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &z) != 7 || z != 'Z')
        return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                          std::chrono::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    return std::chrono::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{s};
}

TEST(InteropXmlsecVectors, ReadmeExpectations) {
    const fs::path dir = vectors_dir() / "dsig" / "xmlsec1-signed";
    const std::string readme = read_file(dir / "README.md");
    const auto rows = parse_vector_readme(readme);
    ASSERT_GE(rows.size(), 8u) << "README table not found or too short";

    std::smatch m;
    ASSERT_TRUE(std::regex_search(readme, m, std::regex("validation\\s+time\\s+`([^`]+)`")))
        << "README names no validation time";
    const auto at = parse_utc(m[1].str());
    ASSERT_TRUE(at.has_value()) << "bad validation time " << m[1].str();

    // Every document of the folder has exactly one row, and every row names a document.
    std::set<std::string> listed;
    for (const auto& row : rows) EXPECT_TRUE(listed.insert(row.file).second) << "listed twice: " << row.file;
    std::set<std::string> present;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().extension() == ".xml") present.insert(entry.path().filename().string());
    EXPECT_EQ(listed, present) << "README table and folder content differ";

    dsig::VerifyOptions options;
    ASSERT_TRUE(options.trust.add_file((dir / "ca.cert.pem").string()).has_value());
    options.validation_time = *at;
    const dsig::Verifier verifier(std::move(options));

    std::string xmlsec_time;
    {
        const std::string iso = m[1].str();  // YYYY-MM-DDTHH:MM:SSZ -> "YYYY-MM-DD HH:MM:SS"
        xmlsec_time = iso.substr(0, 10) + " " + iso.substr(11, 8);
    }

    for (const auto& row : rows) {
        SCOPED_TRACE(row.file + " (" + row.what + ")");
        if (!fs::exists(dir / row.file)) continue;  // already reported above
        const std::string xml = read_file(dir / row.file);
        const auto r = istmo_verify(verifier, xml);
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(report::to_string(r->indication), row.indication) << describe(*r);
        if (!row.sub_indication.empty()) {
            EXPECT_EQ(report::to_string(r->sub_indication), row.sub_indication) << describe(*r);
        }
        if (row.indication == "TOTAL_PASSED") {
            ASSERT_EQ(r->signatures.size(), 1u);
            for (const auto& ref : r->signatures[0].references) EXPECT_TRUE(ref.digest_ok) << ref.uri;
            EXPECT_TRUE(r->signatures[0].signer.has_value());
        }
        // xmlsec1 agrees with the README too (core validity and trust only).
        if (xmlsec1_available()) {
            const auto x = xmlsec1_verify(dir / row.file, dir / "ca.cert.pem",
                                          "--verification-time " + shell_quote(xmlsec_time));
            EXPECT_EQ(xmlsec1_ok(x), row.indication == "TOTAL_PASSED") << x.output;
        }
    }
}

}  // namespace
