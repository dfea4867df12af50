// Two-step (remote) signing: prepare builds the signature with a placeholder value through the
// normal signing code (a recording key captures the digest the key would sign), complete puts
// the real value in after checking it.
#include <istmo/dsig/sign.hpp>
#include <istmo/dsig/verify.hpp>

#include "dsig/algorithms.hpp"
#include "dsig/sign_extension.hpp"
#include "dsig/signature_value.hpp"
#include "report/json_reader.hpp"
#include "xml/document_impl.hpp"

#include <istmo/report/json.hpp>

#include <algorithm>

namespace istmo::dsig {

struct PendingAccess {
    static std::string& state(PendingSignature& p) { return p.m_state; }
    static std::string& signature_algorithm(PendingSignature& p) { return p.m_signature_algorithm; }
    static std::string& digest_algorithm(PendingSignature& p) { return p.m_digest_algorithm; }
    static std::vector<std::uint8_t>& digest(PendingSignature& p) { return p.m_digest; }
    static std::string& signed_info(PendingSignature& p) { return p.m_signed_info; }
    static std::string& document(PendingSignature& p) { return p.m_document; }
    static std::vector<std::uint8_t>& certificate(PendingSignature& p) { return p.m_certificate_der; }
    static const std::string& document(const PendingSignature& p) { return p.m_document; }
    static const std::vector<std::uint8_t>& certificate(const PendingSignature& p) { return p.m_certificate_der; }
};

namespace {

using xml::xc;
constexpr std::string_view k_format = "istmo-pending-signature/1";

class RefusingBackend final : public crypto::KeyBackend {
public:
    Result<crypto::Bytes> sign_digest(const crypto::SignatureParams&, std::span<const std::uint8_t>) const override {
        return make_error(Errc::failed_precondition,
                          "this signer has a certificate only: use prepare() and complete the signature elsewhere");
    }
};

// Keeps what the key would sign and answers with zeros of the value's size (the placeholder).
class RecordingBackend final : public crypto::KeyBackend {
public:
    explicit RecordingBackend(std::size_t value_size) : m_value_size(value_size) {}
    Result<crypto::Bytes> sign_digest(const crypto::SignatureParams& params, std::span<const std::uint8_t> digest) const override {
        recorded.assign(digest.begin(), digest.end());
        scheme = params.scheme;
        ++calls;
        return crypto::Bytes(m_value_size, 0);
    }
    mutable crypto::Bytes recorded;  // one prepare call owns this backend
    mutable crypto::SigScheme scheme = crypto::SigScheme::rsa_pkcs1;
    mutable int calls = 0;

private:
    std::size_t m_value_size;
};

crypto::PrivateKey key_with_backend(EVP_PKEY* public_key, std::shared_ptr<const crypto::KeyBackend> backend) {
    auto impl = std::make_shared<crypto::PrivateKey::Impl>();
    if (public_key != nullptr && EVP_PKEY_up_ref(public_key) == 1) impl->key.reset(public_key);
    impl->backend = std::move(backend);
    return crypto::PrivateKey(std::shared_ptr<const crypto::PrivateKey::Impl>(std::move(impl)));
}

// Bytes of a signature value with this key: RSA modulus, ECDSA r||s, Ed25519 64.
std::size_t value_size(const EVP_PKEY* key) {
    const int bits = crypto::key_bits_of(key);
    const std::size_t bytes = bits > 0 ? (static_cast<std::size_t>(bits) + 7) / 8 : 0;
    switch (crypto::key_type_of(key)) {
        case crypto::KeyType::ec: return 2 * bytes;
        case crypto::KeyType::ed25519: return 64;
        default: return bytes;
    }
}

// The pending signature of a prepared document: the one ds:Signature whose value is all zeros.
struct PendingNodes {
    xmlNodePtr signature = nullptr;
    xmlNodePtr signed_info = nullptr;
    xmlNodePtr signature_value = nullptr;
    std::string method_uri;
    std::string c14n_uri;
};

xmlNodePtr child_element(const xmlNode* parent, const char* name) {
    for (xmlNodePtr n = xml::first_element_child(parent); n; n = xml::next_element_sibling(n))
        if (xml::is_element(n, uri::ds_ns, name)) return n;
    return nullptr;
}

std::string algorithm_of(const xmlNode* node) {
    if (node == nullptr) return {};
    internal::XmlCharsPtr value(xmlGetProp(node, xc("Algorithm")));
    return value ? std::string(xml::sv(value.get())) : std::string();
}

bool is_placeholder(const xmlNode* signature_value) {
    internal::XmlCharsPtr text(xmlNodeGetContent(signature_value));
    if (!text) return false;
    auto bytes = crypto::base64_decode(xml::sv(text.get()));
    return bytes && !bytes->empty() && std::all_of(bytes->begin(), bytes->end(), [](std::uint8_t b) { return b == 0; });
}

Result<PendingNodes> locate_pending(xmlDocPtr doc) {
    std::vector<PendingNodes> found;
    xmlNodePtr node = xmlDocGetRootElement(doc);
    while (node != nullptr) {  // document order, without recursion
        if (xml::is_element(node, uri::ds_ns, "Signature")) {
            PendingNodes p{node, child_element(node, "SignedInfo"), child_element(node, "SignatureValue"), {}, {}};
            if (p.signed_info && p.signature_value && is_placeholder(p.signature_value)) found.push_back(p);
        }
        if (node->children && node->type == XML_ELEMENT_NODE) { node = node->children; continue; }
        while (node && !node->next) node = node->parent == reinterpret_cast<xmlNodePtr>(doc) ? nullptr : node->parent;
        if (node) node = node->next;
    }
    if (found.size() != 1)
        return make_error(Errc::invalid_argument, "the prepared document must hold exactly one pending signature (found " +
                                                      std::to_string(found.size()) + ")");
    PendingNodes& p = found.front();
    p.method_uri = algorithm_of(child_element(p.signed_info, "SignatureMethod"));
    p.c14n_uri = algorithm_of(child_element(p.signed_info, "CanonicalizationMethod"));
    return p;
}

Result<std::string> canonical_octets(xmlDocPtr doc, const PendingNodes& p) {
    auto method = c14n_from_uri(p.c14n_uri);
    if (!method) return make_error(Errc::invalid_argument, "unknown canonicalization in the pending signature");
    return compute_signed_info_octets(doc, p.signed_info, *method);
}

std::span<const std::uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// The SHA-256 that binds the fields of the state together and to the document and certificate.
std::string binding_of(const PendingSignature& p) {
    const auto& cert = PendingAccess::certificate(p);
    const std::string parts[] = {
        std::string(k_format), p.signature_algorithm_uri(), p.digest_algorithm_uri(),
        crypto::base64_encode(p.signed_info_digest()), crypto::sha256_hex(p.canonical_signed_info()),
        crypto::sha256_hex(PendingAccess::document(p)),
        crypto::sha256_hex(std::string_view(reinterpret_cast<const char*>(cert.data()), cert.size()))};
    std::string text;
    for (const std::string& part : parts) text += part + '\n';
    return crypto::sha256_hex(text);
}

std::string state_json(const PendingSignature& p) {
    report::JsonWriter w;
    w.begin_object().member("format", k_format);
    w.member("signature_algorithm", p.signature_algorithm_uri());
    w.key("digest_algorithm").string_or_null(p.digest_algorithm_uri());
    w.member("digest", crypto::base64_encode(p.signed_info_digest()));
    w.member("signed_info", crypto::base64_encode(bytes_of(p.canonical_signed_info())));
    w.member("certificate", crypto::base64_encode(PendingAccess::certificate(p)));
    w.member("document", crypto::base64_encode(bytes_of(PendingAccess::document(p))));
    w.member("binding", binding_of(p));
    w.end_object();
    return std::move(w).take();
}

Error state_error(const std::string& what) {
    return make_error(Errc::invalid_argument, "not a usable pending signature state: " + what);
}

Result<std::string> string_member(const report::json::Value& root, std::string_view name, bool nullable = false) {
    const report::json::Value* v = root.find(name);
    if (v && nullable && v->is(report::json::Kind::null)) return std::string();
    if (!v || !v->is(report::json::Kind::string)) return state_error("\"" + std::string(name) + "\" missing");
    return v->text;
}

Result<crypto::Bytes> base64_member(const report::json::Value& root, std::string_view name) {
    auto text = string_member(root, name);
    if (!text) return std::move(text).error();
    auto bytes = crypto::base64_decode(*text);
    if (!bytes) return state_error("\"" + std::string(name) + "\" is not base64");
    return bytes;
}

// ECDSA values may come as DER (openssl pkeyutl, most HSM APIs): XMLDSig wants r||s.
crypto::Bytes as_xmldsig_value(std::span<const std::uint8_t> value, const EVP_PKEY* key) {
    if (crypto::key_type_of(key) != crypto::KeyType::ec) return crypto::Bytes(value.begin(), value.end());
    const std::size_t width = value_size(key) / 2;
    if (value.size() == 2 * width) return crypto::Bytes(value.begin(), value.end());
    const unsigned char* p = value.data();
    internal::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(value.size())));
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    if (sig) ECDSA_SIG_get0(sig.get(), &r, &s);
    crypto::Bytes raw(2 * width);
    if (!sig || p != value.data() + value.size() || BN_bn2binpad(r, raw.data(), static_cast<int>(width)) < 0 ||
        BN_bn2binpad(s, raw.data() + width, static_cast<int>(width)) < 0)
        return crypto::Bytes(value.begin(), value.end());  // not DER either: the check refuses it
    return raw;
}

Result<std::string> serialize(xmlDocPtr doc) {
    if (auto text = xml::serialize_utf8(doc)) return std::move(*text);
    return make_error(Errc::internal, "cannot serialize the signed document");
}

// Every signature of the result verified again with the certificate's key: a document edited
// after prepare (references no longer matching) is refused here.
Result<void> check_result(const std::string& signed_xml, const crypto::Certificate& certificate) {
    VerifyOptions options;
    options.trusted_keys.push_back(crypto::PublicKey::from_certificate(certificate));
    options.revocation = crypto::RevocationPolicy::off;
    options.streaming_threshold_bytes = 0;
    auto report = Verifier(std::move(options)).verify(signed_xml);
    if (!report) return std::move(report).error();
    for (const SignatureResult& s : report->signatures)
        if (s.indication == report::Indication::total_failed)
            return make_error(Errc::invalid_argument,
                              "the completed signature does not verify (the document or the pending state was changed)");
    return {};
}

}  // namespace

crypto::PrivateKey certificate_only_key(const crypto::Certificate& certificate) {
    return key_with_backend(crypto::get0_public_key(certificate), std::make_shared<RefusingBackend>());
}

Result<Signer> Signer::for_certificate(crypto::Certificate certificate, std::vector<crypto::Certificate> chain,
                                       SignOptions options) {
    crypto::PrivateKey key = certificate_only_key(certificate);
    return create(std::move(key), std::move(certificate), std::move(chain), std::move(options));
}

Result<PendingSignature> Signer::prepare(std::string_view xml) const { return prepare_with_extension(*this, xml, nullptr); }

Result<PendingSignature> prepare_with_extension(const Signer& signer, std::string_view xml, const SignExtension* extension) {
    if (!signer.certificate())
        return make_error(Errc::invalid_argument, "two-step signing needs the signer certificate");
    if (signer.options().rsa_pss_params_form)
        return make_error(Errc::unsupported, "two-step signing does not write the RSAPSSParams form");
    EVP_PKEY* public_key = crypto::get0_public_key(*signer.certificate());
    auto recorder = std::make_shared<RecordingBackend>(value_size(public_key));
    const crypto::PrivateKey recording_key = key_with_backend(public_key, recorder);
    auto document = sign_with_key(signer, recording_key, xml, extension);
    if (!document) return std::move(document).error();
    if (recorder->calls != 1) return make_error(Errc::internal, "the prepared signature was not computed once");

    auto parsed = xml::XmlDocument::parse(*document);
    if (!parsed) return std::move(parsed).error();
    auto nodes = locate_pending(xml::get(*parsed));
    if (!nodes) return std::move(nodes).error();
    auto octets = canonical_octets(xml::get(*parsed), *nodes);
    if (!octets) return std::move(octets).error();
    auto info = signature_from_uri(nodes->method_uri);
    if (!info) return make_error(Errc::internal, "unknown signature method in the prepared signature");

    PendingSignature pending;
    PendingAccess::signature_algorithm(pending) = nodes->method_uri;
    if (info->family != SignatureFamily::ed25519) {
        PendingAccess::digest_algorithm(pending) = std::string(digest_uri(info->params.digest));
        PendingAccess::digest(pending) = crypto::digest(info->params.digest, bytes_of(*octets));
        if (PendingAccess::digest(pending) != recorder->recorded)
            return make_error(Errc::internal, "the prepared SignedInfo does not read back the same");
    }
    PendingAccess::signed_info(pending) = std::move(*octets);
    PendingAccess::document(pending) = std::move(*document);
    PendingAccess::certificate(pending) = signer.certificate()->der();
    PendingAccess::state(pending) = state_json(pending);
    return pending;
}

Result<PendingSignature> PendingSignature::from_state(std::string_view state) {
    auto root = report::json::parse(state, report::json::Limits{64u << 20, 8, 64u << 20});
    if (!root) return state_error(root.error().message);
    if (!root->is(report::json::Kind::object)) return state_error("not a JSON object");
    auto format = string_member(*root, "format");
    if (!format || *format != k_format) return state_error("unknown format");
    PendingSignature p;
    auto method = string_member(*root, "signature_algorithm");
    auto digest_alg = string_member(*root, "digest_algorithm", true);
    auto digest = base64_member(*root, "digest");
    auto signed_info = base64_member(*root, "signed_info");
    auto certificate = base64_member(*root, "certificate");
    auto document = base64_member(*root, "document");
    auto binding = string_member(*root, "binding");
    for (const Error* e : {method ? nullptr : &method.error(), digest_alg ? nullptr : &digest_alg.error(),
                           digest ? nullptr : &digest.error(), signed_info ? nullptr : &signed_info.error(),
                           certificate ? nullptr : &certificate.error(), document ? nullptr : &document.error(),
                           binding ? nullptr : &binding.error()})
        if (e != nullptr) return *e;
    p.m_signature_algorithm = std::move(*method);
    p.m_digest_algorithm = std::move(*digest_alg);
    p.m_digest = std::move(*digest);
    p.m_signed_info.assign(signed_info->begin(), signed_info->end());
    p.m_certificate_der = std::move(*certificate);
    p.m_document.assign(document->begin(), document->end());
    if (binding_of(p) != *binding) return state_error("it was changed after prepare (binding digest differs)");
    p.m_state = std::string(state);
    return p;
}

std::string PendingSignature::request_json() const {
    report::JsonWriter w;
    w.begin_object().member("signature_algorithm", m_signature_algorithm);
    w.key("digest_algorithm").string_or_null(m_digest_algorithm);
    w.key("digest").string_or_null(crypto::base64_encode(m_digest));
    if (m_digest_algorithm.empty()) w.member("signed_info", crypto::base64_encode(bytes_of(m_signed_info)));
    w.end_object();
    return std::move(w).take();
}

Result<std::string> PendingSignature::complete(std::span<const std::uint8_t> signature_value) const {
    auto certificate = crypto::Certificate::from_der(m_certificate_der);
    if (!certificate) return state_error("its certificate is unreadable");
    auto parsed = xml::XmlDocument::parse(m_document);
    if (!parsed) return std::move(parsed).error();
    xmlDocPtr doc = xml::get(*parsed);
    auto nodes = locate_pending(doc);
    if (!nodes) return std::move(nodes).error();
    auto octets = canonical_octets(doc, *nodes);
    if (!octets) return std::move(octets).error();
    auto info = signature_from_uri(nodes->method_uri);
    if (!info || nodes->method_uri != m_signature_algorithm || *octets != m_signed_info)
        return state_error("its document does not hold the SignedInfo that was prepared");
    EVP_PKEY* public_key = crypto::get0_public_key(*certificate);
    const crypto::Bytes value = as_xmldsig_value(signature_value, public_key);
    const crypto::VerifyOutcome outcome = crypto::verify_message(public_key, info->params, bytes_of(*octets), value);
    if (outcome.status != crypto::VerifyStatus::valid)
        return make_error(Errc::invalid_argument,
                          "the signature value does not verify with the certificate over the prepared SignedInfo "
                          "(wrong value, another key, or another document)");
    xmlNodeSetContent(nodes->signature_value, xc(("\n" + crypto::base64_encode(value, 76) + "\n").c_str()));
    auto signed_xml = serialize(doc);
    if (!signed_xml) return signed_xml;
    if (auto checked = check_result(*signed_xml, *certificate); !checked) return std::move(checked).error();
    return signed_xml;
}

}  // namespace istmo::dsig
