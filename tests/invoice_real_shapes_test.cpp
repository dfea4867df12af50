// Panama invoices as real documents are (SPEC §10): numbers with leading zeros, SHA-1 signatures
// (refused by default, accepted with the legacy switch), production QR JWTs, the rFE inside the
// containers of receivers and PACs (test-vectors/panama-fe/extra, built without istmo by
// scripts/make-panama-extra-vectors.py), a misplaced ds:Signature.
#include <istmo/invoice/panama.hpp>

#include "invoice/panama/qr_check.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <utility>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace istmo;
using namespace istmo::invoice::panama;
namespace fs = std::filesystem;

fs::path fe_dir() { return test::vectors_dir() / "panama-fe"; }

ValidateOptions trusted(bool legacy = false) {
    ValidateOptions o;
    EXPECT_TRUE(o.verify.trust.add_file((test::vectors_dir() / "pki" / "chain.pem").string()).has_value());
    o.legacy = legacy;
    return o;
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
    const auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) s.replace(pos, from.size(), to);
    return s;
}

std::size_t count_code(const InvoiceReport& r, std::string_view code) {
    std::size_t n = 0;
    for (const auto& f : r.findings) n += f.code == code ? 1 : 0;
    return n;
}

// ---- the README-driven vectors ----------------------------------------------------------------

struct ExtraLine {
    std::string path, wrapper, indication;
    bool legacy = false;
    std::vector<std::string> codes;
};

std::vector<ExtraLine> extra_lines() {
    std::vector<ExtraLine> lines;
    std::istringstream in(test::read_file(fe_dir() / "extra" / "README.md"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("- `", 0) != 0) continue;
        ExtraLine l;
        l.path = line.substr(3, line.find('`', 3) - 3);
        if (const auto w = line.find(" — wrapper "); w != std::string::npos)
            l.wrapper = line.substr(w + 13, line.find(" — ", w + 13) - w - 13);
        l.legacy = line.find(" — options legacy — ") != std::string::npos;
        std::istringstream expect(line.substr(line.rfind(" — expect ") + std::string(" — expect ").size()));
        expect >> l.indication;
        std::string word;
        while (expect >> word) {
            if (word == "with") continue;
            if (word.back() == ',') word.pop_back();
            l.codes.push_back(word);
        }
        lines.push_back(std::move(l));
    }
    return lines;
}

TEST(InvoiceRealShapes, EveryExtraVectorGivesItsExpectedResult) {
    const auto lines = extra_lines();
    ASSERT_GE(lines.size(), 13u);
    for (const auto& l : lines) {
        auto r = validate(test::read_file(fe_dir() / "extra" / l.path), trusted(l.legacy));
        ASSERT_TRUE(r.has_value()) << l.path << ": " << r.error().to_string();
        EXPECT_EQ(report::to_string(r->indication), l.indication) << l.path << "\n" << r->to_json();
        EXPECT_EQ(r->wrapper, l.wrapper) << l.path;
        for (const auto& code : l.codes) EXPECT_TRUE(r->has(code)) << l.path << " expected " << code << "\n" << r->to_json();
        if (l.indication != "TOTAL_PASSED") continue;
        for (const auto& f : r->findings) {
            EXPECT_EQ(f.severity, report::Severity::warning) << l.path << " " << f.code;
            EXPECT_NE(std::find(l.codes.begin(), l.codes.end(), f.code), l.codes.end()) << l.path << " unexpected " << f.code;
        }
    }
}

// The wrapped rFE's signature verifies as the standalone one: the same report of the signature.
TEST(InvoiceRealShapes, WrappedSignatureVerifiesAsStandalone) {
    const auto standalone = validate(test::read_file(fe_dir() / "valid" / "01-factura.xml"), trusted());
    const auto wrapped = validate(test::read_file(fe_dir() / "extra" / "wrapped" / "01-factura-soap12-rEnviFeDGI.xml"), trusted());
    ASSERT_TRUE(standalone.has_value());
    ASSERT_TRUE(wrapped.has_value());
    ASSERT_TRUE(standalone->signature && wrapped->signature);
    ASSERT_EQ(wrapped->signature->signatures.size(), 1u);
    const auto& a = standalone->signature->signatures.front().references;
    const auto& b = wrapped->signature->signatures.front().references;
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(a.front().signed_octets, b.front().signed_octets);
    EXPECT_NE(wrapped->to_json().find("\"wrapper\":\"soap12/rEnviFeDGI\""), std::string::npos);
    EXPECT_NE(standalone->to_json().find("\"wrapper\":null"), std::string::npos);
}

TEST(InvoiceRealShapes, ContainerWithoutAnRfeIsAStructureFinding) {
    for (const char* doc : {"<rContFe><dVerForm>1.00</dVerForm><xFe><other/></xFe></rContFe>",
                            "<rEnviFe><xFe>&lt;notxml</xFe></rEnviFe>",
                            "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body/></s:Envelope>",
                            "<rEnviFeDGI xmlns=\"http://dgi-fep.mef.gob.pa\"><dVerForm>1.00</dVerForm></rEnviFeDGI>"}) {
        auto r = validate(doc, trusted());
        ASSERT_TRUE(r.has_value()) << doc;
        EXPECT_EQ(r->indication, report::Indication::total_failed) << doc;
        EXPECT_EQ(r->sub_indication, report::SubIndication::format_failure) << doc;
        EXPECT_TRUE(r->has("FE-XSD-ROOT") || r->has("FE-XML-MALFORMED")) << doc << "\n" << r->to_json();
    }
}

// ---- numbers by value --------------------------------------------------------------------------

// dSecItem is xs:integer (SPEC §10: real invoices number items 001, 002, ...): 001 is item 1.
TEST(InvoiceRealShapes, IntegerFieldsCompareByValue) {
    auto inv = from_json(test::read_file(fe_dir() / "json" / "01-factura.json"));
    ASSERT_TRUE(inv.has_value());
    std::string xml = to_xml(*inv);
    ValidateOptions unsigned_doc;
    unsigned_doc.require_signature = false;
    xml = replace_once(xml, "<dSecItem>1</dSecItem>", "<dSecItem>001</dSecItem>");
    xml = replace_once(xml, "<dSecItem>2</dSecItem>", "<dSecItem>002</dSecItem>");
    xml = replace_once(xml, "<dNroItems>2</dNroItems>", "<dNroItems>02</dNroItems>");
    auto r = validate(xml, unsigned_doc);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->indication, report::Indication::total_passed) << r->to_json();
    EXPECT_TRUE(r->findings.empty()) << r->to_json();
    // A wrong number is still wrong, whatever its spelling.
    auto wrong = validate(replace_once(xml, "<dSecItem>002</dSecItem>", "<dSecItem>0003</dSecItem>"), unsigned_doc);
    ASSERT_TRUE(wrong.has_value());
    EXPECT_TRUE(wrong->has("FE-SECITEM")) << wrong->to_json();
    // iAmb is an integer code too: "02" is 2, and the CUFE is still computed (and matches).
    auto amb = validate(replace_once(xml, "<iAmb>2</iAmb>", "<iAmb>02</iAmb>"), unsigned_doc);
    ASSERT_TRUE(amb.has_value());
    EXPECT_EQ(amb->cufe_computed, amb->cufe_declared) << amb->to_json();
    EXPECT_FALSE(amb->has("FE-CUFE-MISMATCH")) << amb->to_json();
}

// ---- SHA-1 -------------------------------------------------------------------------------------

TEST(InvoiceRealShapes, Sha1IsRefusedByDefaultNamingTheSwitch) {
    const std::string xml = test::read_file(fe_dir() / "extra" / "legacy" / "01-factura-sha1.xml");
    auto strict = validate(xml, trusted());
    ASSERT_TRUE(strict.has_value());
    EXPECT_EQ(strict->indication, report::Indication::indeterminate) << strict->to_json();
    EXPECT_EQ(strict->sub_indication, report::SubIndication::crypto_constraints_failure);
    bool named = false;
    for (const auto& f : strict->findings)
        if (f.code == "FE-SIG-LEGACY-REFUSED")
            named = f.message.find("--legacy") != std::string::npos && f.message_es.find("--legacy") != std::string::npos;
    EXPECT_TRUE(named) << strict->to_json();
    auto legacy = validate(xml, trusted(true));
    ASSERT_TRUE(legacy.has_value());
    EXPECT_EQ(legacy->indication, report::Indication::total_passed) << legacy->to_json();
    EXPECT_TRUE(legacy->has("FE-SIG-LEGACY"));
    // The legacy switch does not excuse a changed document.
    auto tampered = validate(replace_once(xml, "<dVTot>327.81</dVTot>", "<dVTot>327.82</dVTot>"), trusted(true));
    ASSERT_TRUE(tampered.has_value());
    EXPECT_EQ(tampered->indication, report::Indication::total_failed);
    EXPECT_TRUE(tampered->has("FE-SIG-INVALID"));
}

// ---- QR ----------------------------------------------------------------------------------------

TEST(InvoiceRealShapes, QueryValuesArePercentDecodedPlusStaysLiteral) {
    const std::string url = "https://x/q?chFE=FE01&digestValue=ab+c%2Fd%3D&jwt=a.b.c&bad=%zz";
    EXPECT_EQ(detail::query_value(url, "digestValue"), "ab+c/d=");
    EXPECT_EQ(detail::query_value(url, "chFE"), "FE01");
    EXPECT_EQ(detail::query_value(url, "bad"), "%zz");
    EXPECT_EQ(detail::query_value(url, "missing"), "");
    EXPECT_EQ(detail::query_value(url, "jw"), "");
}

TEST(InvoiceRealShapes, MalformedJwtIsAFinding) {
    const std::string valid = test::read_file(fe_dir() / "valid" / "01-factura.xml");
    const auto jwt = valid.find("&amp;jwt=");
    ASSERT_NE(jwt, std::string::npos);
    const auto end = valid.find("</dQRCode>", jwt);
    // Each fault has its own code (one code, one meaning).
    const std::pair<const char*, const char*> cases[] = {
        {"", "FE-QR-JWT-MISSING"},        {"abc", "FE-QR-JWT-FORM"},        {"a.b", "FE-QR-JWT-FORM"},
        {"e30.e30.x.y", "FE-QR-JWT-FORM"}, {"!!!.e30.x", "FE-QR-JWT-DECODE"}, {"W10.W10.x", "FE-QR-JWT-DECODE"},
        {"e30.e30.x", "FE-QR-JWT-ALG"},    {"e30.e30.x", "FE-QR-JWT-CLAIM"},
    };
    for (const auto& [token, code] : cases) {
        std::string doc = valid;
        doc.replace(jwt + 9, end - jwt - 9, token);
        auto r = validate(doc, trusted());
        ASSERT_TRUE(r.has_value()) << token;
        EXPECT_TRUE(r->has(code)) << token << "\n" << r->to_json();
        EXPECT_EQ(r->indication, report::Indication::total_failed) << token;
    }
    // A JWT part that is not JSON: the reader's reason is in Spanish too.
    std::string doc = valid;
    doc.replace(jwt + 9, end - jwt - 9, "eyJh.e30.x");  // {"a
    auto r = validate(doc, trusted());
    ASSERT_TRUE(r.has_value());
    bool found = false;
    for (const auto& f : r->findings)
        if (f.code == "FE-QR-JWT-DECODE") {
            found = true;
            EXPECT_EQ(f.message_es.find("unexpected"), std::string::npos) << f.message_es;
            EXPECT_NE(f.message_es.find("JSON"), std::string::npos) << f.message_es;
        }
    EXPECT_TRUE(found) << r->to_json();
}

// With the issuer's QR secret the JWT's HS256 MAC is checked as well.
TEST(InvoiceRealShapes, QrMacIsCheckedWhenTheSecretIsGiven) {
    const std::string valid = test::read_file(fe_dir() / "valid" / "01-factura.xml");
    ValidateOptions right = trusted();
    right.qr_secret = crypto::Secret("istmo-test-qr-secret");
    auto ok = validate(valid, right);
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->indication, report::Indication::total_passed) << ok->to_json();
    // The production-shaped JWTs of the extra vectors were made by Python's hmac with that key.
    for (const char* name : {"01-factura-jwt-reordered.xml", "01-factura-jwt-key-space.xml"}) {
        auto r = validate(test::read_file(fe_dir() / "extra" / "qr" / name), right);
        ASSERT_TRUE(r.has_value());
        EXPECT_FALSE(r->has("FE-QR-JWT-MAC")) << name << "\n" << r->to_json();
    }
    ValidateOptions wrong = trusted();
    wrong.qr_secret = crypto::Secret("another-secret");
    auto bad = validate(valid, wrong);
    ASSERT_TRUE(bad.has_value());
    EXPECT_TRUE(bad->has("FE-QR-JWT-MAC")) << bad->to_json();
    EXPECT_EQ(bad->indication, report::Indication::total_failed);
}

// ---- a misplaced signature ---------------------------------------------------------------------

TEST(InvoiceRealShapes, MisplacedSignatureIsOneFinding) {
    const std::string valid = test::read_file(fe_dir() / "valid" / "01-factura.xml");
    const auto sig = valid.find("<Signature ");
    const auto sig_end = valid.find("</Signature>") + std::string("</Signature>").size();
    ASSERT_NE(sig, std::string::npos);
    const std::string signature = valid.substr(sig, sig_end - sig);
    std::string without = valid;
    without.erase(sig, sig_end - sig);
    // Early at rFE level (after dId), and inside a group.
    for (const auto& [doc, where] :
         {std::pair{replace_once(without, "<gDGen>", signature + "<gDGen>"), std::string("/rFE/Signature (after 'dId')")},
          std::pair{replace_once(without, "</gTot>", signature + "</gTot>"), std::string("/rFE/gTot/Signature")}}) {
        auto r = validate(doc, trusted());
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(count_code(*r, "FE-XSD-SIGNATURE-POSITION"), 1u) << where << "\n" << r->to_json();
        EXPECT_FALSE(r->has("FE-XSD-ORDER")) << where << "\n" << r->to_json();
        EXPECT_FALSE(r->has("FE-XSD-MISSING")) << where << "\n" << r->to_json();
        EXPECT_FALSE(r->has("FE-XSD-UNEXPECTED")) << where << "\n" << r->to_json();
        for (const auto& f : r->findings)
            if (f.code == "FE-XSD-SIGNATURE-POSITION") {
                EXPECT_NE(f.message.find(where), std::string::npos) << f.message;
                EXPECT_NE(f.message.find("before gNoFirm"), std::string::npos) << f.message;
            }
        EXPECT_EQ(r->sub_indication, report::SubIndication::format_failure);
    }
    // After gNoFirm.
    auto late = validate(replace_once(without, "</rFE>", signature + "</rFE>"), trusted());
    ASSERT_TRUE(late.has_value());
    EXPECT_EQ(count_code(*late, "FE-XSD-SIGNATURE-POSITION"), 1u) << late->to_json();
    EXPECT_FALSE(late->has("FE-XSD-ORDER")) << late->to_json();
}

}  // namespace
