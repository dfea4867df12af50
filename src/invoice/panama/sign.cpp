// Signing profile "panama-fe" (SPEC §4.2) and the QR code with its HS256 JWT (SPEC §4.4).
#include <istmo/invoice/panama.hpp>
#include <istmo/report/json.hpp>
#include <istmo/xml/document.hpp>

#include "crypto/native.hpp"
#include "dsig/sign_extension.hpp"
#include "invoice/panama/dom.hpp"
#include "xml/document_impl.hpp"

#include <string>

namespace istmo::invoice::panama {
namespace {

std::string base64url(std::string_view data) {
    std::string b64 = crypto::base64_encode(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
    while (!b64.empty() && b64.back() == '=') b64.pop_back();
    for (char& c : b64) {
        if (c == '+') c = '-';
        else if (c == '/') c = '_';
    }
    return b64;
}

// Removes every gNoFirm child of rFE (and the whitespace text node right before it).
void remove_no_firm(xmlNodePtr root) {
    for (xmlNodePtr c = xml::first_element_child(root); c;) {
        xmlNodePtr next = xml::next_element_sibling(c);
        if (xml::is_element(c, k_namespace, "gNoFirm")) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
        c = next;
    }
}

std::string serialize(const xml::XmlDocument& doc) { return doc.to_string(); }

// The rFE element of a document that may be signed: in the DGI namespace, without ds:Signature.
Result<xmlNodePtr> unsigned_invoice_root(const xml::XmlDocument& doc) {
    xmlNodePtr root = xmlDocGetRootElement(xml::get(doc));
    if (!root || !xml::is_element(root, k_namespace, "rFE"))
        return make_error(Errc::invalid_argument, "the document element is not rFE in namespace http://dgi-fep.mef.gob.pa");
    if (detail::child_element(root, k_dsig_namespace, "Signature"))
        return make_error(Errc::failed_precondition, "the invoice is already signed");
    return root;
}

}  // namespace

Result<dsig::Signer> make_signer(crypto::PrivateKey key, crypto::Certificate certificate) {
    dsig::SignOptions o;
    o.algorithm = dsig::SignatureAlgorithm::rsa_sha256;
    o.digest = dsig::DigestAlgorithm::sha256;
    o.canonicalization = dsig::Canonicalization::exclusive;
    o.mode = dsig::SignMode::enveloped;
    o.include_chain = false;
    o.include_subject_name = true;
    o.include_issuer_serial = false;
    o.include_key_value = false;
    o.signature_prefix = "";  // SPEC §4.2: <Signature xmlns="http://www.w3.org/2000/09/xmldsig#">, unprefixed
    return dsig::Signer::create(std::move(key), std::move(certificate), {}, o);
}

Result<std::string> qr_jwt(std::string_view cufe_value, std::string_view iamb, std::string_view digest_value,
                           std::string_view secret) {
    if (secret.empty()) return make_error(Errc::invalid_argument, "QR: the HMAC secret is empty");
    report::JsonWriter payload;
    payload.begin_object().member("chFE", cufe_value).member("iAmb", iamb).member("digestValue", digest_value).end_object();
    const std::string signing_input = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(payload.text());
    const auto bytes = [](std::string_view text) {
        return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    };
    auto mac = crypto::hmac(crypto::DigestAlg::sha256, bytes(secret), bytes(signing_input));
    if (!mac) return make_error(Errc::crypto_error, "QR: HMAC-SHA256 failed: " + mac.error().message);
    return signing_input + "." + base64url(std::string_view(reinterpret_cast<const char*>(mac->data()), mac->size()));
}

Result<std::string> qr_url(std::string_view cufe_value, std::string_view iamb, std::string_view digest_value,
                           std::string_view secret, std::string_view base_url) {
    auto jwt = qr_jwt(cufe_value, iamb, digest_value, secret);
    if (!jwt) return std::move(jwt).error();
    std::string url(base_url);
    if (url.empty())
        url = iamb == "1" ? "https://dgi-fep.mef.gob.pa/Consultas/FacturasPorQR"
                          : "https://dgi-fep-test.mef.gob.pa:40001/Consultas/FacturasPorQR";
    url += "?chFE=";
    url += cufe_value;
    url += "&iAmb=";
    url += iamb;
    url += "&digestValue=";
    url += digest_value;
    url += "&jwt=";
    url += *jwt;
    return url;
}

Result<std::string> strip_no_firm(std::string_view xml) {
    auto doc = xml::XmlDocument::parse(xml);
    if (!doc) return std::move(doc).error();
    xmlNodePtr root = xmlDocGetRootElement(xml::get(*doc));
    if (!root) return make_error(Errc::parse_error, "empty document");
    if (!detail::child_element(root, k_namespace, "gNoFirm")) return std::string(xml);
    remove_no_firm(root);
    return serialize(*doc);
}

namespace {

// The base64 DigestValue of the one Reference of a document's enveloped rFE signature, read from
// its DOM; Errc::internal when the signer did not write exactly one.
Result<std::string> reference_digest_value(std::string_view signed_xml) {
    auto doc = xml::XmlDocument::parse(signed_xml);
    if (!doc) return std::move(doc).error();
    const xmlNode* signed_info = detail::child_element(xmlDocGetRootElement(xml::get(*doc)), k_dsig_namespace, "Signature");
    signed_info = signed_info ? detail::child_element(signed_info, k_dsig_namespace, "SignedInfo") : nullptr;
    const xmlNode* reference = signed_info ? detail::child_element(signed_info, k_dsig_namespace, "Reference") : nullptr;
    const xmlNode* digest = reference ? detail::child_element(reference, k_dsig_namespace, "DigestValue") : nullptr;
    bool second = false;
    for (const xmlNode* n = reference ? xml::next_element_sibling(reference) : nullptr; n; n = xml::next_element_sibling(n))
        second = second || xml::is_element(n, k_dsig_namespace, "Reference");
    if (!digest || second)
        return make_error(Errc::internal, "signed invoice: no single Reference/DigestValue");
    std::string text = xml::text_content(digest);
    std::erase_if(text, [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
    return text;
}

// Appends gNoFirm/dQRCode right after ds:Signature (the last child of rFE), outside the signed
// content, to a document that sign() has just produced. The signer's bytes are kept as they are
// (the QR goes before the end tag of rFE) so that the signed text is exactly what was signed.
Result<void> append_qr(std::string& out, std::string_view id, std::string_view iamb, std::string_view digest_value,
                       const QrOptions& qr) {
    auto url = qr_url(id, iamb, digest_value, qr.secret.view(), qr.base_url);
    if (!url) return std::move(url).error();
    const std::size_t end_tag = out.rfind("</rFE>");
    if (end_tag == std::string::npos || out.find_first_not_of(" \t\r\n", end_tag + 6) != std::string::npos)
        return make_error(Errc::internal, "signed invoice does not end with </rFE>");
    std::string no_firm;
    no_firm.reserve(url->size() + 64);
    no_firm += "<gNoFirm><dQRCode>";
    for (char c : *url) {
        if (c == '&') no_firm += "&amp;";
        else if (c == '<') no_firm += "&lt;";
        else if (c == '>') no_firm += "&gt;";
        else no_firm += c;
    }
    no_firm += "</dQRCode></gNoFirm>";
    out.insert(end_tag, no_firm);
    return {};
}

// The same for a document whose DigestValue is known only from its text (two-step signing).
Result<void> append_qr(std::string& out, std::string_view id, std::string_view iamb, const QrOptions& qr) {
    auto digest_value = reference_digest_value(out);
    if (!digest_value) return std::move(digest_value).error();
    return append_qr(out, id, iamb, *digest_value, qr);
}

// Signs, and adds the QR code with the DigestValue the signer reports: the signed document is
// not read again.
Result<std::string> sign_with_qr(const dsig::Signer& signer, std::string_view xml, std::string_view id,
                                 std::string_view iamb, const QrOptions& qr) {
    if (qr.secret.empty()) return signer.sign(xml);
    auto signed_xml = dsig::sign_with_digests(signer, xml);
    if (!signed_xml) return std::move(signed_xml).error();
    // What reading the one Reference back found: an enveloping signature is not a child of rFE.
    if (signer.options().mode == dsig::SignMode::enveloping || signed_xml->digest_values.size() != 1)
        return make_error(Errc::internal, "signed invoice: no single Reference/DigestValue");
    std::string digest_value = std::move(signed_xml->digest_values.front());
    std::erase_if(digest_value, [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
    if (auto r = append_qr(signed_xml->document, id, iamb, digest_value, qr); !r) return std::move(r).error();
    return std::move(signed_xml->document);
}

}  // namespace

Result<dsig::PendingSignature> prepare_signature(const crypto::Certificate& certificate, std::string_view xml) {
    auto signer = make_signer(dsig::certificate_only_key(certificate), certificate);
    if (!signer) return std::move(signer).error();
    auto doc = xml::XmlDocument::parse(xml);
    if (!doc) return std::move(doc).error();
    auto checked_root = unsigned_invoice_root(*doc);
    if (!checked_root) return std::move(checked_root).error();
    xmlNodePtr root = *checked_root;
    if (detail::child_element(root, k_namespace, "gNoFirm") == nullptr) return signer->prepare(xml);
    remove_no_firm(root);
    return signer->prepare(serialize(*doc));
}

Result<std::string> complete_signature(const dsig::PendingSignature& pending, std::span<const std::uint8_t> signature_value,
                                       const QrOptions& qr) {
    auto signed_xml = pending.complete(signature_value);
    if (!signed_xml || qr.secret.empty()) return signed_xml;
    auto invoice = parse(*signed_xml);
    if (!invoice) return std::move(invoice).error();
    if (auto r = append_qr(*signed_xml, invoice->get("dId"), invoice->get("gDGen/iAmb"), qr); !r) return std::move(r).error();
    return signed_xml;
}

Result<std::string> sign(const dsig::Signer& signer, std::string_view xml, const QrOptions& qr) {
    // One parse: the checks, dId and iAmb for the QR, and gNoFirm (if any) removed in the DOM.
    auto doc = xml::XmlDocument::parse(xml);
    if (!doc) return std::move(doc).error();
    auto checked_root = unsigned_invoice_root(*doc);
    if (!checked_root) return std::move(checked_root).error();
    xmlNodePtr root = *checked_root;
    std::string id, iamb;
    if (xmlNodePtr n = detail::child_element(root, k_namespace, "dId")) id = xml::text_content(n);
    if (xmlNodePtr g = detail::child_element(root, k_namespace, "gDGen"))
        if (xmlNodePtr n = detail::child_element(g, k_namespace, "iAmb")) iamb = xml::text_content(n);
    const bool had_no_firm = detail::child_element(root, k_namespace, "gNoFirm") != nullptr;
    if (!had_no_firm) return sign_with_qr(signer, xml, id, iamb, qr);
    remove_no_firm(root);
    return sign_with_qr(signer, serialize(*doc), id, iamb, qr);
}

Result<std::string> sign(const dsig::Signer& signer, const Invoice& invoice, const QrOptions& qr) {
    // to_xml writes rFE in the DGI namespace without ds:Signature and gNoFirm: what the text
    // overload checks by parsing holds by construction, and dId/iAmb come from the model.
    for (const Element& c : invoice.root.children)
        if (c.name == "Signature" && c.ns == k_dsig_namespace)
            return make_error(Errc::failed_precondition, "the invoice is already signed");
    return sign_with_qr(signer, to_xml(invoice), invoice.get("dId"), invoice.get("gDGen/iAmb"), qr);
}

}  // namespace istmo::invoice::panama
