// Signing profile "panama-fe" (SPEC §4.2) and the QR code with its HS256 JWT (SPEC §4.4).
#include <istmo/invoice/panama.hpp>
#include <istmo/xml/document.hpp>

#include "crypto/native.hpp"
#include "xml/document_impl.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

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

xmlNodePtr child_element(xmlNodePtr parent, std::string_view ns, std::string_view name) {
    for (xmlNodePtr c = xml::first_element_child(parent); c; c = xml::next_element_sibling(c))
        if (xml::is_element(c, ns, name)) return c;
    return nullptr;
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
    std::string payload = "{\"chFE\":";
    report::append_json_string(payload, cufe_value);
    payload += ",\"iAmb\":";
    report::append_json_string(payload, iamb);
    payload += ",\"digestValue\":";
    report::append_json_string(payload, digest_value);
    payload += '}';
    const std::string signing_input = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(payload);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
              reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac, &mac_len))
        return make_error(Errc::crypto_error, "QR: HMAC-SHA256 failed", crypto::drain_openssl_errors());
    return signing_input + "." + base64url(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
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
    // Fast path: one unprefixed gNoFirm right before the end tag of rFE, as sign() writes it.
    // Anything else goes through the DOM. A wrong cut can only make the signature fail.
    {
        const std::size_t open = xml.find("<gNoFirm>");
        const std::size_t close = xml.find("</gNoFirm>");
        if (open != std::string_view::npos && close != std::string_view::npos && open < close &&
            xml.find("<gNoFirm", open + 1) == std::string_view::npos && xml.find("gNoFirm") == open + 1) {
            std::size_t after = close + 10;
            std::size_t k = after;
            while (k < xml.size() && (xml[k] == ' ' || xml[k] == '\n' || xml[k] == '\r' || xml[k] == '\t')) ++k;
            if (xml.substr(k, 6) == "</rFE>") {
                std::string out;
                out.reserve(xml.size() - (after - open));
                out.append(xml.substr(0, open));
                out.append(xml.substr(after));
                return out;
            }
        }
    }
    if (xml.find("gNoFirm") == std::string_view::npos) return std::string(xml);
    auto doc = xml::XmlDocument::parse(xml);
    if (!doc) return std::move(doc).error();
    xmlNodePtr root = xmlDocGetRootElement(xml::get(*doc));
    if (!root) return make_error(Errc::parse_error, "empty document");
    bool found = false;
    for (xmlNodePtr c = xml::first_element_child(root); c; c = xml::next_element_sibling(c))
        found = found || xml::is_element(c, k_namespace, "gNoFirm");
    if (!found) return std::string(xml);
    remove_no_firm(root);
    return serialize(*doc);
}

namespace {

// Appends gNoFirm/dQRCode right after ds:Signature (the last child of rFE), outside the signed
// content, to a document that sign() has just produced.
Result<void> append_qr(std::string& out, std::string_view id, std::string_view iamb, const QrOptions& qr) {
    // The signer wrote one enveloped Signature with one Reference: its DigestValue is the only one.
    const std::size_t dv = out.find("DigestValue>");
    const std::size_t dv_end = dv == std::string::npos ? dv : out.find('<', dv);
    const std::size_t dv_close = dv_end == std::string::npos ? dv_end : out.find("DigestValue>", dv_end);
    if (dv_close == std::string::npos || out.find("DigestValue>", dv_close + 12) != std::string::npos)
        return make_error(Errc::internal, "signed invoice: no single Reference/DigestValue");
    const std::string_view digest_value = std::string_view(out).substr(dv + 12, dv_end - dv - 12);
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

}  // namespace

Result<std::string> sign(const dsig::Signer& signer, std::string_view xml, const QrOptions& qr) {
    auto unsigned_xml = strip_no_firm(xml);
    if (!unsigned_xml) return std::move(unsigned_xml).error();
    std::string id, iamb;
    {
        auto check = xml::XmlDocument::parse(*unsigned_xml);
        if (!check) return std::move(check).error();
        xmlNodePtr root = xmlDocGetRootElement(xml::get(*check));
        if (!root || !xml::is_element(root, k_namespace, "rFE"))
            return make_error(Errc::invalid_argument, "the document element is not rFE in namespace http://dgi-fep.mef.gob.pa");
        if (child_element(root, k_dsig_namespace, "Signature"))
            return make_error(Errc::failed_precondition, "the invoice is already signed");
        if (xmlNodePtr n = child_element(root, k_namespace, "dId")) id = xml::text_content(n);
        if (xmlNodePtr g = child_element(root, k_namespace, "gDGen"))
            if (xmlNodePtr n = child_element(g, k_namespace, "iAmb")) iamb = xml::text_content(n);
    }
    auto signed_xml = signer.sign(*unsigned_xml);
    if (!signed_xml) return std::move(signed_xml).error();
    if (qr.secret.empty()) return signed_xml;
    if (auto r = append_qr(*signed_xml, id, iamb, qr); !r) return std::move(r).error();
    return signed_xml;
}

Result<std::string> sign(const dsig::Signer& signer, const Invoice& invoice, const QrOptions& qr) {
    // to_xml writes rFE in the DGI namespace without ds:Signature and gNoFirm: what the text
    // overload checks by parsing holds by construction, and dId/iAmb come from the model.
    for (const Element& c : invoice.root.children)
        if (c.name == "Signature" && c.ns == k_dsig_namespace)
            return make_error(Errc::failed_precondition, "the invoice is already signed");
    auto signed_xml = signer.sign(to_xml(invoice));
    if (!signed_xml) return std::move(signed_xml).error();
    if (qr.secret.empty()) return signed_xml;
    if (auto r = append_qr(*signed_xml, invoice.get("dId"), invoice.get("gDGen/iAmb"), qr); !r) return std::move(r).error();
    return signed_xml;
}

}  // namespace istmo::invoice::panama
