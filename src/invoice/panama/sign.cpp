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
                std::string out(xml.substr(0, open));
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

Result<std::string> sign(const dsig::Signer& signer, std::string_view xml, const QrOptions& qr) {
    auto unsigned_xml = strip_no_firm(xml);
    if (!unsigned_xml) return std::move(unsigned_xml).error();
    {
        auto check = xml::XmlDocument::parse(*unsigned_xml);
        if (!check) return std::move(check).error();
        xmlNodePtr root = xmlDocGetRootElement(xml::get(*check));
        if (!root || !xml::is_element(root, k_namespace, "rFE"))
            return make_error(Errc::invalid_argument, "the document element is not rFE in namespace http://dgi-fep.mef.gob.pa");
        if (child_element(root, k_dsig_namespace, "Signature"))
            return make_error(Errc::failed_precondition, "the invoice is already signed");
    }
    auto signed_xml = signer.sign(*unsigned_xml);
    if (!signed_xml) return std::move(signed_xml).error();
    if (qr.secret.empty()) return signed_xml;

    auto doc = xml::XmlDocument::parse(*signed_xml);
    if (!doc) return std::move(doc).error();
    xmlNodePtr root = xmlDocGetRootElement(xml::get(*doc));
    xmlNodePtr sig = child_element(root, k_dsig_namespace, "Signature");
    xmlNodePtr signed_info = sig ? child_element(sig, k_dsig_namespace, "SignedInfo") : nullptr;
    xmlNodePtr reference = signed_info ? child_element(signed_info, k_dsig_namespace, "Reference") : nullptr;
    xmlNodePtr digest = reference ? child_element(reference, k_dsig_namespace, "DigestValue") : nullptr;
    if (!digest) return make_error(Errc::internal, "signed invoice has no Reference/DigestValue");
    const std::string digest_value = xml::text_content(digest);
    std::string id, iamb;
    if (xmlNodePtr n = child_element(root, k_namespace, "dId")) id = xml::text_content(n);
    if (xmlNodePtr g = child_element(root, k_namespace, "gDGen"))
        if (xmlNodePtr n = child_element(g, k_namespace, "iAmb")) iamb = xml::text_content(n);
    auto url = qr_url(id, iamb, digest_value, qr.secret.view(), qr.base_url);
    if (!url) return std::move(url).error();
    // gNoFirm goes right after ds:Signature, outside the signed content.
    xmlNodePtr no_firm = xmlNewDocNode(xml::get(*doc), root->ns, xml::xc("gNoFirm"), nullptr);
    if (!no_firm) return make_error(Errc::internal, "out of memory");
    if (!xmlAddNextSibling(sig, no_firm)) {
        xmlFreeNode(no_firm);
        return make_error(Errc::internal, "could not add gNoFirm");
    }
    // no_firm is now owned by the document.
    if (!xmlNewTextChild(no_firm, root->ns, xml::xc("dQRCode"), xml::xc(url->c_str())))
        return make_error(Errc::internal, "could not add dQRCode");
    return serialize(*doc);
}

}  // namespace istmo::invoice::panama
