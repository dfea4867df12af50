#include "dsig/signature_text.hpp"

#include "core/utf8.hpp"
#include "dsig/algorithms.hpp"
#include "internal/c_ptr.hpp"
#include "xml/c14n_output.hpp"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/evp.h>

namespace istmo::dsig {
namespace {

// Start and end tags under one prefix, in libxml2's serialized form (an element without
// children as <a/>) or the canonical one (<a></a>). Attribute text comes already escaped.
class Tags {
public:
    Tags(std::string& out, std::string_view prefix, bool canonical) : m_out(out), m_prefix(prefix), m_canonical(canonical) {}
    void open(std::string_view name, std::string_view attributes = {}) {
        start(name, attributes);
        m_out += '>';
    }
    void close(std::string_view name) {
        m_out += "</";
        qname(name);
        m_out += '>';
    }
    void empty(std::string_view name, std::string_view attributes = {}) {
        start(name, attributes);
        if (!m_canonical) {
            m_out += "/>";
            return;
        }
        m_out += '>';
        close(name);
    }
    // An element holding `text` (already escaped); without text it is an empty element.
    void leaf(std::string_view name, std::string_view text) {
        if (text.empty()) return empty(name);
        open(name);
        m_out += text;
        close(name);
    }
    void newline() { m_out += '\n'; }

private:
    void start(std::string_view name, std::string_view attributes) {
        m_out += '<';
        qname(name);
        m_out += attributes;
    }
    void qname(std::string_view name) {
        if (!m_prefix.empty()) m_out.append(m_prefix).append(":");
        m_out += name;
    }
    std::string& m_out;
    std::string_view m_prefix;
    bool m_canonical;
};

// ` name="value"` for the values the signer writes itself (algorithm URIs, OIDs), which hold
// nothing either form escapes.
std::string attribute(std::string_view name, std::string_view value) {
    std::string out;
    out.append(" ").append(name).append("=\"").append(value).append("\"");
    return out;
}
std::string algorithm(std::string_view uri) { return attribute("Algorithm", uri); }

std::string namespace_declaration(std::string_view prefix, std::string_view uri) {
    return prefix.empty() ? attribute("xmlns", uri) : attribute("xmlns:" + std::string(prefix), uri);
}

// libxml2's escaping when it serializes (xmlEscapeContent for text, xmlBufAttrSerializeTxtContent
// for attribute values); other characters pass through (writes_exactly keeps the rest out).
std::string libxml2_escaped(std::string_view s, bool attribute_value) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '\r': out += "&#13;"; break;
            case '"': out += attribute_value ? "&quot;" : "\""; break;
            case '\n': out += attribute_value ? "&#10;" : "\n"; break;
            case '\t': out += attribute_value ? "&#9;" : "\t"; break;
            default: out += c;
        }
    }
    return out;
}

bool is_control(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

// Non-ASCII in an attribute value becomes a character reference or not depending on the
// document's declared encoding in libxml2; plain ASCII does not depend on it.
bool printable_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x80 && !is_control(c);
    });
}

bool plain_text(std::string_view s) {
    return core::utf8::is_valid(s) && std::none_of(s.begin(), s.end(), is_control);
}

void write_signature_method(std::string& out, const SignedInfoText& info, const CanonicalContext* canonical) {
    Tags ds(out, info.prefix, canonical != nullptr);
    if (!info.pss) return ds.empty("SignatureMethod", algorithm(info.method_uri));
    const std::string pss_declaration = namespace_declaration("pss", uri::more07_ns);
    // The DOM declares pss on SignatureMethod; the serialization writes it there.
    const PssNamespace where = canonical ? canonical->pss : PssNamespace::on_method;
    ds.open("SignatureMethod",
            (where == PssNamespace::on_method ? pss_declaration : std::string()) + algorithm(info.method_uri));
    Tags pss(out, "pss", canonical != nullptr);
    pss.open("RSAPSSParams", where == PssNamespace::on_params ? pss_declaration : std::string());
    ds.empty("DigestMethod", algorithm(info.pss->digest_uri));
    pss.open("MaskGenerationFunction", algorithm(uri::mgf1));
    ds.empty("DigestMethod", algorithm(info.pss->digest_uri));
    pss.close("MaskGenerationFunction");
    pss.leaf("SaltLength", std::to_string(info.pss->salt_length));
    pss.close("RSAPSSParams");
    ds.close("SignatureMethod");
}

// SignedInfo as the DOM path builds it; canonical == nullptr gives the serialized form.
void write_signed_info(std::string& out, const SignedInfoText& info, const CanonicalContext* canonical) {
    Tags ds(out, info.prefix, canonical != nullptr);
    ds.open("SignedInfo", canonical ? std::string_view(canonical->signed_info_attributes) : std::string_view());
    ds.newline();
    ds.empty("CanonicalizationMethod", algorithm(info.c14n_uri));
    ds.newline();
    write_signature_method(out, info, canonical);
    ds.newline();
    ds.open("Reference", attribute("URI", ""));
    ds.newline();
    ds.open("Transforms");
    ds.empty("Transform", algorithm(uri::enveloped));
    ds.empty("Transform", algorithm(info.c14n_uri));
    ds.close("Transforms");
    ds.newline();
    ds.empty("DigestMethod", algorithm(info.digest_uri));
    ds.newline();
    ds.leaf("DigestValue", info.digest_value);
    ds.newline();
    ds.close("Reference");
    ds.newline();
    ds.close("SignedInfo");
}

void write_key_value(std::string& out, Tags& ds, const KeyValueParts& parts) {
    if (!parts.modulus.empty()) {
        ds.open("KeyValue");
        ds.open("RSAKeyValue");
        ds.leaf("Modulus", parts.modulus);
        ds.leaf("Exponent", parts.exponent);
        ds.close("RSAKeyValue");
        ds.close("KeyValue");
    } else if (!parts.public_key.empty()) {
        ds.open("KeyValue", namespace_declaration("dsig11", uri::dsig11_ns));
        Tags ec(out, "dsig11", false);
        ec.open("ECKeyValue");
        ec.empty("NamedCurve", attribute("URI", parts.curve_oid));
        ec.leaf("PublicKey", parts.public_key);
        ec.close("ECKeyValue");
        ds.close("KeyValue");
    } else {
        ds.empty("KeyValue");
    }
}

// A certificate's base64 text, remembered per thread by its DER (content, not address, so a
// freed and reused certificate cannot return a stale text): a Signer writes the same
// certificates into every signature, and encoding them is ~2 % of a 3 KB RSA-2048 signing.
// The reference holds until the next call on this thread.
const std::string& certificate_base64(const crypto::Certificate& certificate) {
    struct Entry {
        crypto::Bytes der;
        std::string text;
    };
    thread_local std::vector<Entry> remembered;
    const crypto::Bytes& der = certificate.der();
    for (const Entry& entry : remembered)
        if (entry.der == der) return entry.text;
    if (remembered.size() >= 8) remembered.clear();  // a few signers per thread at most
    remembered.push_back(Entry{der, base64_lines(der)});
    return remembered.back().text;
}

void write_key_info(std::string& out, Tags& ds, const Signer& signer, const crypto::PrivateKey& key) {
    const SignOptions& options = signer.options();
    const auto& certificate = signer.certificate();
    ds.open("KeyInfo");
    if (certificate) {
        ds.open("X509Data");
        if (options.include_subject_name) ds.leaf("X509SubjectName", libxml2_escaped(certificate->subject(), false));
        if (options.include_issuer_serial) {
            ds.open("X509IssuerSerial");
            ds.leaf("X509IssuerName", libxml2_escaped(certificate->issuer(), false));
            ds.leaf("X509SerialNumber", libxml2_escaped(certificate->serial_decimal(), false));
            ds.close("X509IssuerSerial");
        }
        ds.leaf("X509Certificate", certificate_base64(*certificate));
        if (options.include_chain)
            for (const crypto::Certificate& c : signer.chain()) ds.leaf("X509Certificate", certificate_base64(c));
        ds.close("X509Data");
    }
    if (!certificate || options.include_key_value) write_key_value(out, ds, key_value_parts(key));
    ds.close("KeyInfo");
}

}  // namespace

std::string base64_lines(std::span<const std::uint8_t> bytes) { return crypto::base64_encode(bytes, 76); }

std::optional<CanonicalContext> canonical_context(const xml::StreamRoot& root, std::string_view prefix,
                                                  bool exclusive) {
    CanonicalContext context;
    xml::StringSink attributes;
    xml::C14nWriter out(attributes);
    if (exclusive) {
        // Only what SignedInfo visibly uses: its own prefix.
        xml::put_namespace(out, prefix, uri::ds_ns);
        out.flush();
        context.signed_info_attributes = std::move(attributes.text);
        return context;
    }
    // C14N 1.0: SignedInfo, the apex of the node-set, renders every namespace in scope (sorted
    // by prefix, the default first; xmlns="" is not rendered at the apex) and inherits the
    // document element's xml:* attributes (sorted by local name).
    std::map<std::string, std::string> in_scope;
    for (const auto& [ns_prefix, ns_uri] : root.namespaces) {
        if (ns_prefix == "xml") continue;
        if (!ns_prefix.empty() && ns_uri.empty()) return std::nullopt;  // XML 1.1 undeclaration
        in_scope[ns_prefix] = ns_uri;
    }
    in_scope[std::string(prefix)] = std::string(uri::ds_ns);
    for (const auto& [ns_prefix, ns_uri] : in_scope)
        if (!ns_uri.empty()) xml::put_namespace(out, ns_prefix, ns_uri);
    std::vector<std::pair<std::string, std::string>> xml_attributes = root.xml_attributes;
    std::sort(xml_attributes.begin(), xml_attributes.end());
    for (const auto& [local, value] : xml_attributes) {
        out.put(" xml:");
        out.put(local);
        out.put("=\"");
        xml::put_escaped(out, value, xml::Escape::attribute);
        out.put('"');
    }
    out.flush();
    context.signed_info_attributes = std::move(attributes.text);
    const auto pss = in_scope.find("pss");
    context.pss = pss != in_scope.end() && pss->second == uri::more07_ns ? PssNamespace::inherited
                                                                         : PssNamespace::on_method;
    return context;
}

std::string canonical_signed_info(const SignedInfoText& info, const CanonicalContext& context) {
    std::string out;
    out.reserve(1024);
    write_signed_info(out, info, &context);
    return out;
}

bool writes_exactly(const Signer& signer) {
    if (!printable_ascii(signer.options().signature_id)) return false;
    const auto& certificate = signer.certificate();
    if (!certificate) return true;
    const SignOptions& options = signer.options();
    return (!options.include_subject_name || plain_text(certificate->subject())) &&
           (!options.include_issuer_serial || plain_text(certificate->issuer()));
}

KeyValueParts key_value_parts(const crypto::PrivateKey& key) {
    KeyValueParts parts;
    EVP_PKEY* pkey = key.impl().key.get();
    const crypto::KeyType type = key.type();
    if (type == crypto::KeyType::rsa || type == crypto::KeyType::rsa_pss) {
        BIGNUM* n = nullptr;
        BIGNUM* e = nullptr;
        EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n);
        EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e);
        internal::BignumPtr n_owned(n), e_owned(e);
        if (!n || !e) return parts;
        auto to_base64 = [](const BIGNUM* bn) {
            crypto::Bytes bytes(static_cast<std::size_t>(BN_num_bytes(bn)));
            BN_bn2bin(bn, bytes.data());
            return base64_lines(bytes);
        };
        parts.modulus = to_base64(n);
        parts.exponent = to_base64(e);
    } else if (type == crypto::KeyType::ec) {
        std::size_t len = 0;
        if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0, &len) != 1) return parts;
        crypto::Bytes point(len);
        if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &len) != 1)
            return parts;
        const std::string curve = key.curve();
        parts.curve_oid = curve == "P-521"   ? "urn:oid:1.3.132.0.35"
                          : curve == "P-384" ? "urn:oid:1.3.132.0.34"
                                             : "urn:oid:1.2.840.10045.3.1.7";
        parts.public_key = base64_lines(point);
    }
    // Ed25519 has no KeyValue form in XMLDSig 1.1; the certificate carries the key.
    return parts;
}

std::string signature_text(const SignedInfoText& info, const Signer& signer, const crypto::PrivateKey& key,
                           std::string_view signature_value) {
    std::string out;
    out.reserve(4096);
    Tags ds(out, info.prefix, false);
    std::string attributes = namespace_declaration(info.prefix, uri::ds_ns);
    const std::string& id = signer.options().signature_id;
    if (!id.empty()) attributes += attribute("Id", libxml2_escaped(id, true));
    ds.open("Signature", attributes);
    ds.newline();
    write_signed_info(out, info, nullptr);
    ds.newline();
    ds.open("SignatureValue");
    out.append("\n").append(signature_value).append("\n");
    ds.close("SignatureValue");
    ds.newline();
    write_key_info(out, ds, signer, key);
    ds.newline();
    ds.close("Signature");
    return out;
}

}  // namespace istmo::dsig
