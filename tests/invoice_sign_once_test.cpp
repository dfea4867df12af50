// Signing a Panama invoice with its QR code reads the invoice once: the QR's digestValue comes
// from the signer, not from parsing the signed document again. The bytes are what the two-pass
// way gives: the signer's output for the invoice without gNoFirm, plus gNoFirm/dQRCode built from
// the DigestValue read back from that output (computed here independently, from the DOM of the
// signed document), over every valid Panama vector with its signature taken off, with and
// without a gNoFirm in the input, from the text and from the model.
#include <istmo/invoice/panama.hpp>
#include <istmo/istmo.hpp>

#include "test_support.hpp"
#include "xml/document_impl.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace {

using namespace istmo;
namespace pa = istmo::invoice::panama;

constexpr std::string_view k_dsig = "http://www.w3.org/2000/09/xmldsig#";
constexpr std::string_view k_dgi = "http://dgi-fep.mef.gob.pa";

std::filesystem::path pki(const std::string& name) { return test::vectors_dir() / "pki" / name; }

// The document without the children of the root that `drop` selects.
std::string without_children(const std::string& xml, std::string_view ns, std::string_view name) {
    auto doc = xml::XmlDocument::parse(xml);
    EXPECT_TRUE(doc.has_value());
    if (!doc) return {};
    xmlNodePtr root = xmlDocGetRootElement(xml::get(*doc));
    for (xmlNodePtr c = xml::first_element_child(root); c;) {
        xmlNodePtr next = xml::next_element_sibling(c);
        if (xml::is_element(c, ns, name)) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
        c = next;
    }
    return doc->to_string();
}

std::string digest_value_of(const std::string& signed_xml) {
    auto doc = xml::XmlDocument::parse(signed_xml);
    EXPECT_TRUE(doc.has_value());
    if (!doc) return {};
    std::string value;
    xml::for_each_element(xml::get(*doc), [&](const xmlNode* node) {
        if (!xml::is_element(node, k_dsig, "DigestValue")) return xml::Walk::descend;
        value = xml::text_content(node);
        return xml::Walk::stop;
    });
    return value;
}

// The two-pass way: sign, read the DigestValue back, append the QR before </rFE>.
std::string expected_output(const dsig::Signer& signer, const std::string& unsigned_xml, const std::string& id,
                            const std::string& iamb, const pa::QrOptions& qr) {
    auto stripped = pa::strip_no_firm(unsigned_xml);
    EXPECT_TRUE(stripped.has_value());
    auto signed_xml = signer.sign(*stripped);
    EXPECT_TRUE(signed_xml.has_value());
    if (!signed_xml) return {};
    auto url = pa::qr_url(id, iamb, digest_value_of(*signed_xml), qr.secret.view(), qr.base_url);
    EXPECT_TRUE(url.has_value());
    std::string escaped;
    for (char c : *url) escaped += c == '&' ? std::string("&amp;") : std::string(1, c);
    std::string out = *signed_xml;
    out.insert(out.rfind("</rFE>"), "<gNoFirm><dQRCode>" + escaped + "</dQRCode></gNoFirm>");
    return out;
}

TEST(InvoiceSignOnce, SameBytesAsSigningThenReadingTheDigestBack) {
    auto key = crypto::PrivateKey::from_file(pki("rsa2048.key.pem").string());
    auto cert = crypto::Certificate::from_file(pki("rsa2048.cert.pem").string());
    ASSERT_TRUE(key && cert);
    auto signer = pa::make_signer(*key, *cert);
    ASSERT_TRUE(signer.has_value());
    pa::QrOptions qr;
    qr.secret = crypto::Secret("istmo-test-qr-secret");
    std::size_t compared = 0;
    for (const auto& entry : std::filesystem::directory_iterator(test::vectors_dir() / "panama-fe" / "valid")) {
        if (entry.path().extension() != ".xml") continue;
        const std::string with_no_firm = without_children(test::read_file(entry.path()), k_dsig, "Signature");
        const std::string name = entry.path().filename().string();
        for (const std::string& input : {with_no_firm, without_children(with_no_firm, k_dgi, "gNoFirm")}) {
            auto invoice = pa::parse(input);
            ASSERT_TRUE(invoice.has_value()) << name;
            const std::string id(invoice->get("dId"));
            const std::string iamb(invoice->get("gDGen/iAmb"));
            auto from_text = pa::sign(*signer, input, qr);
            ASSERT_TRUE(from_text.has_value()) << name << ": " << from_text.error().to_string();
            EXPECT_EQ(*from_text, expected_output(*signer, input, id, iamb, qr)) << name;
            auto from_model = pa::sign(*signer, *invoice, qr);
            ASSERT_TRUE(from_model.has_value()) << name << ": " << from_model.error().to_string();
            EXPECT_EQ(*from_model, expected_output(*signer, pa::to_xml(*invoice), id, iamb, qr)) << name;
            ++compared;
        }
    }
    EXPECT_GE(compared, 20u);
}

}  // namespace
