// Verification of an already parsed document with one subtree left out (dsig::verify_parsed,
// xades::verify_parsed): the Panama invoice's gNoFirm is verified as absent on the node-set,
// never by editing text; each reference result carries its DigestValue.
#include <istmo/istmo.hpp>
#include <istmo/invoice/panama.hpp>

#include "crypto/native.hpp"
#include "dsig/verify_parsed.hpp"
#include "test_support.hpp"
#include "xades/verify_parsed.hpp"
#include "xml/document_impl.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <regex>

namespace {

using namespace istmo;
using report::Indication;

std::filesystem::path pki(const std::string& name) { return test::vectors_dir() / "pki" / name; }

crypto::PrivateKey load_key(const std::string& name) {
    auto key = crypto::PrivateKey::from_file(pki(name + ".key.pem").string());
    EXPECT_TRUE(key.has_value()) << name;
    return *key;
}

crypto::Certificate load_cert(const std::string& name) {
    auto cert = crypto::Certificate::from_file(pki(name + ".cert.pem").string());
    EXPECT_TRUE(cert.has_value()) << name;
    return *cert;
}

dsig::VerifyOptions chain_options() {
    dsig::VerifyOptions o;
    EXPECT_TRUE(o.trust.add_file(pki("chain.pem").string()).has_value());
    // One instant for every run, so that two reports can be compared whole.
    o.validation_time = std::chrono::system_clock::now();
    return o;
}

std::string signed_invoice() {
    auto inv = invoice::panama::from_json(test::read_file(test::vectors_dir() / "panama-fe" / "json" / "01-factura.json"));
    EXPECT_TRUE(inv.has_value());
    auto signer = invoice::panama::make_signer(load_key("rsa2048"), load_cert("rsa2048"));
    EXPECT_TRUE(signer.has_value());
    invoice::panama::QrOptions qr;
    qr.secret = crypto::Secret("secreto-de-prueba");
    auto out = invoice::panama::sign(*signer, invoice::panama::to_xml(*inv), qr);
    EXPECT_TRUE(out.has_value()) << (out ? "" : out.error().to_string());
    return out ? *out : std::string();
}

xml::XmlDocument parse(const std::string& text) {
    auto doc = xml::XmlDocument::parse(text);
    EXPECT_TRUE(doc.has_value());
    return std::move(*doc);
}

// The first child element of the document element with this local name.
const xmlNode* root_child(const xml::XmlDocument& doc, std::string_view name) {
    const xmlNode* root = xmlDocGetRootElement(xml::get(doc));
    for (const xmlNode* c = xml::first_element_child(root); c; c = xml::next_element_sibling(c))
        if (xml::sv(c->name) == name) return c;
    return nullptr;
}

void set_text(const xmlNode* element, const char* text) {
    xmlNodeSetContent(const_cast<xmlNode*>(element), reinterpret_cast<const xmlChar*>(text));
}

bool has_code(const dsig::VerificationReport& r, const std::string& code) {
    return std::any_of(r.findings.begin(), r.findings.end(), [&](const auto& f) { return f.code == code; });
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
    const auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) s.replace(pos, from.size(), to);
    return s;
}

TEST(DsigVerifyParsed, InvoiceWithGNoFirmLeftOutEqualsTheStrippedText) {
    const std::string text = signed_invoice();
    const dsig::Verifier verifier(chain_options());
    auto stripped = invoice::panama::strip_no_firm(text);
    ASSERT_TRUE(stripped.has_value());
    auto expected = verifier.verify(*stripped);
    ASSERT_TRUE(expected.has_value());
    ASSERT_EQ(expected->indication, Indication::total_passed) << expected->to_json();

    xml::XmlDocument doc = parse(text);
    const std::string before = doc.to_string();
    const xmlNode* no_firm = root_child(doc, "gNoFirm");
    ASSERT_NE(no_firm, nullptr);
    auto left_out = dsig::verify_parsed(verifier, doc, no_firm);
    ASSERT_TRUE(left_out.has_value()) << left_out.error().to_string();
    EXPECT_EQ(left_out->to_json(), expected->to_json());
    EXPECT_EQ(doc.to_string(), before);  // the caller's document is not touched

    // With gNoFirm counted, the signed data differs (the DGI defines it as outside).
    auto whole = dsig::verify_parsed(verifier, doc, nullptr);
    ASSERT_TRUE(whole.has_value());
    EXPECT_EQ(whole->indication, Indication::total_failed);
    EXPECT_TRUE(has_code(*whole, "DSIG-REF-DIGEST-MISMATCH"));
}

TEST(DsigVerifyParsed, ReferenceResultCarriesTheDigestValueAsWritten) {
    const std::string text = signed_invoice();
    const dsig::Verifier verifier(chain_options());
    xml::XmlDocument doc = parse(text);
    auto report = dsig::verify_parsed(verifier, doc, root_child(doc, "gNoFirm"));
    ASSERT_TRUE(report.has_value());
    ASSERT_EQ(report->signatures.size(), 1u);
    ASSERT_EQ(report->signatures[0].references.size(), 1u);
    const dsig::ReferenceResult& ref = report->signatures[0].references[0];
    std::smatch m;
    ASSERT_TRUE(std::regex_search(text, m, std::regex("DigestValue>([^<]*)</")));
    EXPECT_EQ(ref.digest_value, m[1].str());
    // Independently: the SHA-256 of the octets that were digested, in base64.
    auto decoded = crypto::base64_decode(ref.digest_value);
    ASSERT_TRUE(decoded.has_value());
    const std::span<const std::uint8_t> octets(reinterpret_cast<const std::uint8_t*>(ref.signed_octets.data()),
                                               ref.signed_octets.size());
    EXPECT_EQ(*decoded, crypto::digest(crypto::DigestAlg::sha256, octets));

    // Whitespace inside a DigestValue (line-wrapped base64) is not part of the value.
    const std::string wrapped = replace_once(text, m[1].str(), m[1].str().substr(0, 10) + "\n  " + m[1].str().substr(10));
    xml::XmlDocument doc2 = parse(wrapped);
    auto report2 = dsig::verify_parsed(verifier, doc2, root_child(doc2, "gNoFirm"));
    ASSERT_TRUE(report2.has_value());
    EXPECT_EQ(report2->signatures[0].references[0].digest_value, m[1].str());
}

TEST(DsigVerifyParsed, TamperedLeftOutSubtreeDoesNotMatterTamperedSignedPartDoes) {
    const std::string text = signed_invoice();
    const dsig::Verifier verifier(chain_options());
    {
        xml::XmlDocument doc = parse(text);
        const xmlNode* no_firm = root_child(doc, "gNoFirm");
        ASSERT_NE(no_firm, nullptr);
        set_text(xml::first_element_child(no_firm), "https://example.invalid/?chFE=other");
        auto report = dsig::verify_parsed(verifier, doc, no_firm);
        ASSERT_TRUE(report.has_value());
        EXPECT_EQ(report->indication, Indication::total_passed) << report->to_json();
    }
    {
        xml::XmlDocument doc = parse(replace_once(text, "<dVTot>327.81</dVTot>", "<dVTot>327.82</dVTot>"));
        auto report = dsig::verify_parsed(verifier, doc, root_child(doc, "gNoFirm"));
        ASSERT_TRUE(report.has_value());
        EXPECT_EQ(report->indication, Indication::total_failed);
        EXPECT_TRUE(has_code(*report, "DSIG-REF-DIGEST-MISMATCH"));
    }
}

const char* const k_items =
    "<doc xmlns=\"urn:x\"><item Id=\"item-1\"><v>1</v></item><note>keep</note></doc>";

std::string sign_detached(const std::string& xml) {
    dsig::SignOptions so;
    so.mode = dsig::SignMode::detached;
    so.reference_ids = {"item-1"};
    auto signer = dsig::Signer::create(load_key("rsa2048"), load_cert("rsa2048"), {}, so);
    EXPECT_TRUE(signer.has_value());
    auto out = signer->sign(xml);
    EXPECT_TRUE(out.has_value());
    return out ? *out : std::string();
}

TEST(DsigVerifyParsed, IdsAndWrappingChecksIgnoreTheLeftOutSubtree) {
    // An unsigned copy of the signed element (same Id) inside the subtree left out.
    const std::string text = replace_once(sign_detached(k_items), "<note>keep</note>",
                                          "<note><item Id=\"item-1\"><v>2</v></item></note>");
    const dsig::Verifier verifier(chain_options());
    xml::XmlDocument doc = parse(text);
    auto counted = dsig::verify_parsed(verifier, doc, nullptr);
    ASSERT_TRUE(counted.has_value());
    EXPECT_TRUE(has_code(*counted, "DSIG-ID-DUPLICATE"));
    auto left_out = dsig::verify_parsed(verifier, doc, root_child(doc, "note"));
    ASSERT_TRUE(left_out.has_value());
    EXPECT_EQ(left_out->indication, Indication::total_passed) << left_out->to_json();

    // A reference to an element inside the left-out subtree finds nothing.
    xml::XmlDocument doc2 = parse(sign_detached(k_items));
    auto gone = dsig::verify_parsed(verifier, doc2, root_child(doc2, "item"));
    ASSERT_TRUE(gone.has_value());
    EXPECT_TRUE(has_code(*gone, "DSIG-REF-NOT-FOUND"));
}

TEST(DsigVerifyParsed, RefusesASubtreeOutsideTheDocumentOrInsideASignature) {
    const dsig::Verifier verifier(chain_options());
    xml::XmlDocument doc = parse(sign_detached(k_items));
    xml::XmlDocument other = parse(k_items);
    auto foreign = dsig::verify_parsed(verifier, doc, root_child(other, "note"));
    ASSERT_FALSE(foreign.has_value());
    EXPECT_EQ(foreign.error().code, Errc::invalid_argument);
    const xmlNode* signature = root_child(doc, "Signature");
    ASSERT_NE(signature, nullptr);
    auto inside = dsig::verify_parsed(verifier, doc, xml::first_element_child(signature));
    ASSERT_FALSE(inside.has_value());
    EXPECT_EQ(inside.error().code, Errc::invalid_argument);
}

TEST(XadesVerifyParsed, LeavesOutASubtreeWithTheXadesChecks) {
    xades::SignOptions so;
    auto chain = crypto::Certificate::all_from_file(pki("intermediate.cert.pem").string());
    ASSERT_TRUE(chain.has_value());
    auto signer = xades::Signer::create(load_key("rsa2048"), load_cert("rsa2048"), *chain, so);
    ASSERT_TRUE(signer.has_value());
    auto signed_xml = signer->sign("<doc xmlns=\"urn:x\"><a>1</a></doc>");
    ASSERT_TRUE(signed_xml.has_value());
    const std::string text = replace_once(*signed_xml, "</doc>", "<added>after signing</added></doc>");

    xades::VerifyOptions vo;
    ASSERT_TRUE(vo.dsig.trust.add_file(pki("ca.cert.pem").string()).has_value());
    const xades::Verifier verifier(vo);
    xml::XmlDocument doc = parse(text);
    auto left_out = xades::verify_parsed(verifier, doc, root_child(doc, "added"));
    ASSERT_TRUE(left_out.has_value());
    EXPECT_EQ(left_out->indication, Indication::total_passed) << left_out->to_json();
    ASSERT_EQ(left_out->signatures.size(), 1u);
    EXPECT_EQ(left_out->signatures[0].level, "B-B");
    auto counted = xades::verify_parsed(verifier, doc, nullptr);
    ASSERT_TRUE(counted.has_value());
    EXPECT_EQ(counted->indication, Indication::total_failed);
}

}  // namespace
