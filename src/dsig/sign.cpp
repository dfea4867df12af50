#include <istmo/dsig/sign.hpp>

#include "dsig/algorithms.hpp"
#include "dsig/reference.hpp"
#include "dsig/sign_extension.hpp"
#include "dsig/signature_text.hpp"
#include "dsig/signature_value.hpp"
#include "xml/c14n.hpp"
#include "xml/document_impl.hpp"
#include "xml/stream_c14n.hpp"

#include <cctype>

#include <openssl/rand.h>

namespace istmo::dsig {
namespace {

using xml::xc;

struct ChosenAlgorithms {
    SignatureAlgorithm signature;
    crypto::DigestAlg digest;
};

Result<ChosenAlgorithms> choose(const crypto::PrivateKey& key, const SignOptions& options) {
    SignatureAlgorithm alg = options.algorithm;
    const crypto::KeyType type = key.type();
    if (alg == SignatureAlgorithm::automatic) {
        if (type == crypto::KeyType::rsa) alg = SignatureAlgorithm::rsa_sha256;
        else if (type == crypto::KeyType::rsa_pss) alg = SignatureAlgorithm::rsa_pss_sha256;
        else if (type == crypto::KeyType::ed25519) alg = SignatureAlgorithm::ed25519;
        else if (type == crypto::KeyType::ec) {
            const std::string curve = key.curve();
            alg = curve == "P-521" ? SignatureAlgorithm::ecdsa_sha512
                  : curve == "P-384" ? SignatureAlgorithm::ecdsa_sha384 : SignatureAlgorithm::ecdsa_sha256;
        } else {
            return make_error(Errc::key_error, "unsupported key type for XMLDSig");
        }
    }
    auto info = signature_from_uri(signature_algorithm_uri(alg));
    if (!info) return make_error(Errc::internal, "signature algorithm without URI");
    const bool fits = (info->family == SignatureFamily::rsa && type == crypto::KeyType::rsa) ||
                      (info->family == SignatureFamily::rsa_pss &&
                       (type == crypto::KeyType::rsa || type == crypto::KeyType::rsa_pss)) ||
                      (info->family == SignatureFamily::ecdsa && type == crypto::KeyType::ec) ||
                      (info->family == SignatureFamily::ed25519 && type == crypto::KeyType::ed25519);
    if (!fits)
        return make_error(Errc::invalid_argument,
                          std::string("signature algorithm does not fit the key type ") +
                              std::string(crypto::key_type_name(type)));
    crypto::DigestAlg digest = info->params.digest;
    switch (options.digest) {
        case DigestAlgorithm::automatic:
            if (info->family == SignatureFamily::ed25519) digest = crypto::DigestAlg::sha256;
            break;
        case DigestAlgorithm::sha256: digest = crypto::DigestAlg::sha256; break;
        case DigestAlgorithm::sha384: digest = crypto::DigestAlg::sha384; break;
        case DigestAlgorithm::sha512: digest = crypto::DigestAlg::sha512; break;
    }
    return ChosenAlgorithms{alg, digest};
}

// Small DOM builder for the ds: namespace.
class Builder {
public:
    explicit Builder(xmlNsPtr ns) : m_ns(ns) {}
    xmlNodePtr child(xmlNodePtr parent, const char* name, const std::string& text = {}) const {
        xmlNodePtr node = xmlNewChild(parent, m_ns, xc(name), nullptr);
        if (node && !text.empty()) xmlNodeAddContent(node, xc(text.c_str()));
        return node;
    }
    static void newline(xmlNodePtr parent) { xmlAddChild(parent, xmlNewText(xc("\n"))); }
    xmlNodePtr with_algorithm(xmlNodePtr parent, const char* name, std::string_view algorithm) const {
        xmlNodePtr node = child(parent, name);
        xmlNewProp(node, xc("Algorithm"), xc(std::string(algorithm).c_str()));
        return node;
    }
private:
    xmlNsPtr m_ns;
};

void add_key_value(const Builder& b, xmlNodePtr key_info, const crypto::PrivateKey& key) {
    xmlNodePtr key_value = b.child(key_info, "KeyValue");
    const KeyValueParts parts = key_value_parts(key);
    if (!parts.modulus.empty()) {
        xmlNodePtr rsa = b.child(key_value, "RSAKeyValue");
        b.child(rsa, "Modulus", parts.modulus);
        b.child(rsa, "Exponent", parts.exponent);
    } else if (!parts.public_key.empty()) {
        xmlNsPtr ns11 = xmlNewNs(key_value, xc(std::string(uri::dsig11_ns).c_str()), xc("dsig11"));
        xmlNodePtr ec = xmlNewChild(key_value, ns11, xc("ECKeyValue"), nullptr);
        xmlNodePtr named = xmlNewChild(ec, ns11, xc("NamedCurve"), nullptr);
        xmlNewProp(named, xc("URI"), xc(parts.curve_oid.c_str()));
        xmlNewChild(ec, ns11, xc("PublicKey"), xc(parts.public_key.c_str()));
    }
}

}  // namespace

Signer::Signer(crypto::PrivateKey key, std::optional<crypto::Certificate> certificate,
               std::vector<crypto::Certificate> chain, SignOptions options)
    : m_key(std::move(key)), m_certificate(std::move(certificate)), m_chain(std::move(chain)),
      m_options(std::move(options)) {}

Result<Signer> Signer::create(crypto::PrivateKey key, std::optional<crypto::Certificate> certificate,
                              std::vector<crypto::Certificate> chain, SignOptions options) {
    if (certificate && !certificate->matches(key))
        return make_error(Errc::key_error, "the certificate does not belong to the private key");
    for (char c : options.signature_prefix)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
            return make_error(Errc::invalid_argument, "signature prefix \"" + options.signature_prefix + "\" is not an XML name");
    if (!options.signature_prefix.empty() &&
        (std::isdigit(static_cast<unsigned char>(options.signature_prefix[0])) || options.signature_prefix.rfind("xml", 0) == 0))
        return make_error(Errc::invalid_argument, "signature prefix \"" + options.signature_prefix + "\" is not allowed");
    if (options.mode == SignMode::detached && options.reference_ids.empty())
        return make_error(Errc::invalid_argument, "detached mode needs at least one reference Id");
    if (options.mode != SignMode::detached && !options.reference_ids.empty())
        return make_error(Errc::invalid_argument, "reference Ids are only used in detached mode");
    if (auto chosen = choose(key, options); !chosen) return std::move(chosen).error();
    return Signer(std::move(key), std::move(certificate), std::move(chain), std::move(options));
}

Result<std::string> Signer::sign(std::string_view input) const { return sign_with_extension(*this, input, nullptr); }

namespace {

// The signature being made: its place, its nodes, and what the extension learns about it.
struct Draft {
    Draft(const Signer& s, ChosenAlgorithms c) : signer(s), options(s.options()), chosen(c) {}
    const Signer& signer;
    const SignOptions& options;
    ChosenAlgorithms chosen;
    xmlDocPtr doc = nullptr;  // the parsed input
    internal::XmlDocPtr enveloping_doc;
    xmlDocPtr target_doc = nullptr;  // the document that holds the signature
    xmlNodePtr signature = nullptr;
    xmlNsPtr ds = nullptr;
    std::string signature_id;
    xmlNodePtr signed_info = nullptr;
    xmlNodePtr signature_value = nullptr;
    std::string_view c14n_uri;
    std::vector<xmlNodePtr> reference_nodes;
    SignContext context;
};

// ds:Signature, appended to the document element or as the root of a new document.
Result<void> create_signature(Draft& d, bool with_extension) {
    xmlNodePtr root = xmlDocGetRootElement(d.doc);
    if (d.options.mode == SignMode::enveloping) {
        d.enveloping_doc.reset(xmlNewDoc(xc("1.0")));
        if (!d.enveloping_doc) return make_error(Errc::internal, "cannot create a document");
        d.signature = xmlNewDocNode(d.enveloping_doc.get(), nullptr, xc("Signature"), nullptr);
        xmlDocSetRootElement(d.enveloping_doc.get(), d.signature);
    } else {
        d.signature = xmlNewChild(root, nullptr, xc("Signature"), nullptr);
    }
    if (!d.signature) return make_error(Errc::internal, "cannot create ds:Signature");
    d.ds = xmlNewNs(d.signature, xc(std::string(uri::ds_ns).c_str()),
                    d.options.signature_prefix.empty() ? nullptr : xc(d.options.signature_prefix.c_str()));
    xmlSetNs(d.signature, d.ds);
    d.signature_id = d.options.signature_id;
    if (d.signature_id.empty() && with_extension) {
        unsigned char salt[8];
        RAND_bytes(salt, sizeof salt);
        d.signature_id = "id-" + crypto::hex_lower(std::span<const std::uint8_t>(salt, sizeof salt));
    }
    if (!d.signature_id.empty()) xmlNewProp(d.signature, xc("Id"), xc(d.signature_id.c_str()));
    d.target_doc = d.options.mode == SignMode::enveloping ? d.enveloping_doc.get() : d.doc;
    return {};
}

// SignedInfo up to the references: CanonicalizationMethod and SignatureMethod.
void add_signed_info_head(Draft& d, const Builder& b) {
    Builder::newline(d.signature);
    d.signed_info = b.child(d.signature, "SignedInfo");
    Builder::newline(d.signed_info);
    d.c14n_uri = canonicalization_uri(d.options.canonicalization);
    b.with_algorithm(d.signed_info, "CanonicalizationMethod", d.c14n_uri);
    Builder::newline(d.signed_info);
    auto method_info = signature_from_uri(signature_algorithm_uri(d.chosen.signature));
    const bool pss_params = d.options.rsa_pss_params_form && method_info->family == SignatureFamily::rsa_pss;
    xmlNodePtr method = b.with_algorithm(d.signed_info, "SignatureMethod",
                                         pss_params ? uri::rsa_pss_generic : signature_algorithm_uri(d.chosen.signature));
    if (pss_params) {
        // RSAPSSParams: DigestMethod, MaskGenerationFunction(MGF1 + DigestMethod), SaltLength.
        xmlNsPtr pss = xmlNewNs(method, xc(std::string(uri::more07_ns).c_str()), xc("pss"));
        xmlNodePtr params = xmlNewChild(method, pss, xc("RSAPSSParams"), nullptr);
        const std::string_view md = digest_uri(method_info->params.digest);
        b.with_algorithm(params, "DigestMethod", md);
        xmlNodePtr mgf = xmlNewChild(params, pss, xc("MaskGenerationFunction"), nullptr);
        xmlNewProp(mgf, xc("Algorithm"), xc(std::string(uri::mgf1).c_str()));
        b.with_algorithm(mgf, "DigestMethod", md);
        xmlNewChild(params, pss, xc("SaltLength"), xc(std::to_string(crypto::digest_size(method_info->params.digest)).c_str()));
    }
    Builder::newline(d.signed_info);
}

// The data references: (URI, needs the enveloped transform).
Result<std::vector<std::pair<std::string, bool>>> data_references(Draft& d) {
    std::vector<std::pair<std::string, bool>> refs;
    if (d.options.mode == SignMode::enveloped) {
        refs.emplace_back("", true);
    } else if (d.options.mode == SignMode::enveloping) {
        Builder::newline(d.signature);  // Object comes after SignatureValue/KeyInfo; built below
        refs.emplace_back("#object-1", false);
    } else {
        IdIndex ids = build_id_index(d.doc);
        for (const std::string& id : d.options.reference_ids) {
            if (ids.duplicates.count(id)) return make_error(Errc::invalid_argument, "Id \"" + id + "\" is not unique");
            auto it = ids.elements.find(id);
            if (it == ids.elements.end()) return make_error(Errc::invalid_argument, "no element has Id \"" + id + "\"");
            bool contains_signature = false;
            for (const xmlNode* n = d.signature; n; n = n->parent)
                if (n == it->second) contains_signature = true;
            refs.emplace_back("#" + id, contains_signature);
        }
    }
    return refs;
}

void add_data_reference(Draft& d, const Builder& b, const std::string& ref_uri, bool enveloped, bool with_extension) {
    xmlNodePtr reference = b.child(d.signed_info, "Reference");
    if (with_extension) {
        d.context.data_reference_ids.push_back(d.signature_id + "-ref-" + std::to_string(d.reference_nodes.size()));
        xmlNewProp(reference, xc("Id"), xc(d.context.data_reference_ids.back().c_str()));
    }
    xmlNewProp(reference, xc("URI"), xc(ref_uri.c_str()));
    Builder::newline(reference);
    xmlNodePtr transforms = b.child(reference, "Transforms");
    if (enveloped) b.with_algorithm(transforms, "Transform", uri::enveloped);
    b.with_algorithm(transforms, "Transform", d.c14n_uri);
    Builder::newline(reference);
    b.with_algorithm(reference, "DigestMethod", digest_uri(d.chosen.digest));
    Builder::newline(reference);
    b.child(reference, "DigestValue");
    Builder::newline(reference);
    Builder::newline(d.signed_info);
    d.reference_nodes.push_back(reference);
}

void add_key_info(Draft& d, const Builder& b, const crypto::PrivateKey& key) {
    xmlNodePtr key_info = b.child(d.signature, "KeyInfo");
    const auto& certificate = d.signer.certificate();
    if (certificate) {
        xmlNodePtr x509 = b.child(key_info, "X509Data");
        if (d.options.include_subject_name) b.child(x509, "X509SubjectName", certificate->subject());
        if (d.options.include_issuer_serial) {
            xmlNodePtr is = b.child(x509, "X509IssuerSerial");
            b.child(is, "X509IssuerName", certificate->issuer());
            b.child(is, "X509SerialNumber", certificate->serial_decimal());
        }
        b.child(x509, "X509Certificate", base64_lines(certificate->der()));
        if (d.options.include_chain)
            for (const crypto::Certificate& c : d.signer.chain()) b.child(x509, "X509Certificate", base64_lines(c.der()));
    }
    if (!certificate || d.options.include_key_value) add_key_value(b, key_info, key);
    Builder::newline(d.signature);
}

Result<void> add_enveloping_object(Draft& d, const Builder& b) {
    xmlNodePtr object_node = b.child(d.signature, "Object");
    xmlNewProp(object_node, xc("Id"), xc("object-1"));
    xmlNodePtr copy = xmlDocCopyNode(xmlDocGetRootElement(d.doc), d.enveloping_doc.get(), 1);
    if (!copy) return make_error(Errc::internal, "cannot copy the document into ds:Object");
    xmlAddChild(object_node, copy);
    Builder::newline(d.signature);
    return {};
}

// The extension's objects, and a reference to each of them.
Result<void> add_extension_objects(Draft& d, const Builder& b, const SignExtension& extension) {
    d.context.doc = d.target_doc;
    d.context.signature = d.signature;
    d.context.ds = d.ds;
    d.context.signature_id = d.signature_id;
    d.context.signature_value = d.signature_value;
    d.context.certificate = d.signer.certificate() ? &*d.signer.certificate() : nullptr;
    d.context.canonicalization = d.options.canonicalization;
    d.context.digest = d.chosen.digest;
    auto extra = extension.add_objects(d.context);
    if (!extra) return std::move(extra).error();
    for (const ExtraReference& r : *extra) {
        xmlNodePtr reference = b.child(d.signed_info, "Reference");
        if (!r.type.empty()) xmlNewProp(reference, xc("Type"), xc(r.type.c_str()));
        xmlNewProp(reference, xc("URI"), xc(r.uri.c_str()));
        xmlNodePtr transforms = b.child(reference, "Transforms");
        b.with_algorithm(transforms, "Transform", d.c14n_uri);
        b.with_algorithm(reference, "DigestMethod", digest_uri(d.chosen.digest));
        b.child(reference, "DigestValue");
        Builder::newline(d.signed_info);
        d.reference_nodes.push_back(reference);
    }
    return {};
}

// A reference's ds:DigestValue (the builder writes one in every reference).
xmlNodePtr digest_value_of(xmlNodePtr reference) {
    xmlNodePtr digest_value = xml::first_element_child(reference);
    while (digest_value && !xml::is_element(digest_value, uri::ds_ns, "DigestValue"))
        digest_value = xml::next_element_sibling(digest_value);
    return digest_value;
}

void set_digest_value(xmlNodePtr reference, const crypto::Bytes& digest) {
    xmlNodeSetContent(digest_value_of(reference), xc(crypto::base64_encode(digest).c_str()));
}

// Digests, through the same code as verification.
Result<void> fill_digests(Draft& d) {
    IdIndex ids;
    if (d.options.mode != SignMode::enveloped || d.reference_nodes.size() > 1) ids = build_id_index(d.target_doc);
    for (xmlNodePtr reference : d.reference_nodes) {
        ReferenceOutcome outcome = process_reference(d.target_doc, reference, d.signature, ids, d.chosen.digest, false, 8);
        if (!outcome.failure_code.empty())
            return make_error(Errc::internal, "cannot digest reference: " + outcome.failure_message);
        set_digest_value(reference, outcome.digest);
    }
    return {};
}

// The canonical SignedInfo, as verification computes it (C14N 1.0 and exclusive C14N straight
// from the DOM, no copy).
Result<std::string> signed_info_octets(const Draft& d) {
    return compute_signed_info_octets(d.target_doc, d.signed_info, *c14n_from_uri(d.c14n_uri));
}

// The SignatureValue over the canonical SignedInfo octets, base64 (both paths).
Result<std::string> signature_value_of(const crypto::PrivateKey& key, SignatureAlgorithm algorithm,
                                       std::string_view octets) {
    auto info = signature_from_uri(signature_algorithm_uri(algorithm));
    auto sig = crypto::sign_message(
        key, info->params, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(octets.data()), octets.size()));
    if (!sig) return std::move(sig).error();
    return base64_lines(*sig);
}

Result<void> fill_signature_value(Draft& d, const crypto::PrivateKey& key) {
    auto octets = signed_info_octets(d);
    if (!octets) return std::move(octets).error();
    auto value = signature_value_of(key, d.chosen.signature, *octets);
    if (!value) return std::move(value).error();
    xmlNodeSetContent(d.signature_value, xc(("\n" + *value + "\n").c_str()));
    return {};
}

Result<std::string> serialize(xmlDocPtr doc) {
    if (auto text = xml::serialize_utf8(doc)) return std::move(*text);
    return make_error(Errc::internal, "cannot serialize the signed document");
}

// ds:Signature with its SignedInfo (DigestValues still empty), an empty SignatureValue, KeyInfo,
// the enveloping Object, and the extension's objects and references.
Result<void> build_signature(Draft& d, const crypto::PrivateKey& key, const SignExtension* extension) {
    if (auto done = create_signature(d, extension != nullptr); !done) return std::move(done).error();
    Builder b(d.ds);
    add_signed_info_head(d, b);
    auto refs = data_references(d);
    if (!refs) return std::move(refs).error();
    for (const auto& [ref_uri, enveloped] : *refs) add_data_reference(d, b, ref_uri, enveloped, extension != nullptr);
    Builder::newline(d.signature);
    d.signature_value = b.child(d.signature, "SignatureValue");
    Builder::newline(d.signature);
    add_key_info(d, b, key);
    if (d.options.mode == SignMode::enveloping)
        if (auto done = add_enveloping_object(d, b); !done) return std::move(done).error();
    if (extension)
        if (auto done = add_extension_objects(d, b, *extension); !done) return std::move(done).error();
    return {};
}

// The DigestValue text of each reference, in SignedInfo order.
std::vector<std::string> digest_value_texts(const Draft& d) {
    std::vector<std::string> values;
    for (xmlNodePtr reference : d.reference_nodes) {
        const xmlNode* digest_value = digest_value_of(reference);
        values.push_back(digest_value ? xml::text_content(digest_value) : std::string());
    }
    return values;
}

// The DOM path: parse the input, append the signature, digest every reference from the DOM.
Result<std::string> sign_parsed(const Signer& signer, const crypto::PrivateKey& key, std::string_view input,
                                ChosenAlgorithms chosen, const SignExtension* extension,
                                std::vector<std::string>* digest_values) {
    auto parsed = xml::XmlDocument::parse(input);
    if (!parsed) return std::move(parsed).error();
    Draft d(signer, chosen);
    d.doc = xml::get(*parsed);
    if (auto built = build_signature(d, key, extension); !built) return std::move(built).error();
    if (auto done = fill_digests(d); !done) return std::move(done).error();
    if (digest_values) *digest_values = digest_value_texts(d);
    if (auto done = fill_signature_value(d, key); !done) return std::move(done).error();
    if (extension)
        if (auto done = extension->after_signing(d.context); !done) return std::move(done).error();
    // The input's own bytes with the signature written into them, when that is exact; a full
    // serialization otherwise (and for enveloping signatures, a new document).
    if (d.options.mode != SignMode::enveloping)
        if (auto spliced = xml::splice_appended_child(input, d.doc, d.signature)) return std::move(*spliced);
    return serialize(d.target_doc);
}

// ---- the streamed path ---------------------------------------------------------------------
// An enveloped signature whose one reference is URI="" with C14N 1.0 or exclusive C14N (with or
// without comments: URI="" drops them) digests the canonical form of the input itself, the
// signature not being there yet. One streaming pass gives it without a DOM of the input. The
// signature is then written as text (signature_text.hpp: its canonical SignedInfo, signed, and
// its serialization, the bytes the DOM path writes) in front of the input's end tag: no libxml2
// nodes, no serializer. Whenever the pass, the writer or the splice could not be exact, nullopt:
// the DOM path signs and gives the authoritative errors.

std::optional<xml::C14nAlgorithm> streamed_c14n(Canonicalization c14n) {
    switch (c14n) {
        case Canonicalization::exclusive:
        case Canonicalization::exclusive_comments: return xml::C14nAlgorithm::exclusive_1_0;
        case Canonicalization::inclusive:
        case Canonicalization::inclusive_comments: return xml::C14nAlgorithm::inclusive_1_0;
        default: return std::nullopt;
    }
}

// The SignedInfo the DOM path builds (add_signed_info_head, add_data_reference) for these
// options, as text.
SignedInfoText signed_info_text(const SignOptions& options, ChosenAlgorithms chosen, const crypto::Bytes& digest) {
    SignedInfoText info;
    info.prefix = options.signature_prefix;
    info.c14n_uri = canonicalization_uri(options.canonicalization);
    info.method_uri = signature_algorithm_uri(chosen.signature);
    const auto method_info = signature_from_uri(info.method_uri);
    if (options.rsa_pss_params_form && method_info->family == SignatureFamily::rsa_pss) {
        info.method_uri = uri::rsa_pss_generic;
        info.pss = PssParamsText{digest_uri(method_info->params.digest), crypto::digest_size(method_info->params.digest)};
    }
    info.digest_uri = digest_uri(chosen.digest);
    info.digest_value = crypto::base64_encode(digest);
    return info;
}

std::optional<Result<std::string>> sign_streamed(const Signer& signer, const crypto::PrivateKey& key,
                                                 std::string_view input, ChosenAlgorithms chosen,
                                                 std::vector<std::string>* digest_values) {
    const SignOptions& options = signer.options();
    const auto algorithm = streamed_c14n(options.canonicalization);
    const xml::ParseLimits limits;  // what the DOM path's parse applies
    // Every node of a document takes at least two bytes of it, so below this size the DOM
    // path's node limit (the only limit the streaming pass counts differently) is out of reach.
    if (options.mode != SignMode::enveloped || !algorithm || input.size() / 2 > limits.max_nodes ||
        !writes_exactly(signer))
        return std::nullopt;
    DigestSink digest(chosen.digest, nullptr);
    const xml::StreamOutcome streamed = xml::stream_canonicalize_document(input, limits, *algorithm, digest);
    if (!streamed.applicable || !streamed.utf8 || streamed.relative_namespace) return std::nullopt;
    const auto context = canonical_context(streamed.root, options.signature_prefix,
                                           *algorithm == xml::C14nAlgorithm::exclusive_1_0);
    if (!context) return std::nullopt;
    const SignedInfoText info = signed_info_text(options, chosen, digest.finish());
    if (digest_values) *digest_values = {info.digest_value};
    auto value = signature_value_of(key, chosen.signature, canonical_signed_info(info, *context));
    if (!value) return Result<std::string>(std::move(value).error());
    const std::string root_qname =
        streamed.root.prefix.empty() ? streamed.root.local_name : streamed.root.prefix + ":" + streamed.root.local_name;
    auto spliced = xml::splice_text_before_root_end(input, root_qname, signature_text(info, signer, key, *value));
    if (!spliced) return std::nullopt;
    return Result<std::string>(std::move(*spliced));
}

Result<std::string> sign_document(const Signer& signer, const crypto::PrivateKey& key, std::string_view input,
                                  const SignExtension* extension, SignPath path,
                                  std::vector<std::string>* digest_values) {
    auto chosen = choose(key, signer.options());
    if (!chosen) return std::move(chosen).error();
    if (!extension && path != SignPath::dom)
        if (auto streamed = sign_streamed(signer, key, input, *chosen, digest_values)) return std::move(*streamed);
    if (path == SignPath::streamed) return make_error(Errc::unsupported, "the streamed signing path does not apply to this input");
    return sign_parsed(signer, key, input, *chosen, extension, digest_values);
}

Result<std::string> guarded_sign(const Signer& signer, const crypto::PrivateKey& key, std::string_view input,
                                 const SignExtension* extension, SignPath path, std::vector<std::string>* digest_values) {
    try {
        return sign_document(signer, key, input, extension, path, digest_values);
    } catch (const std::bad_alloc&) {
        return make_error(Errc::limit_exceeded, "out of memory while signing");
    } catch (const std::exception& ex) {
        return make_error(Errc::internal, std::string("unexpected failure while signing: ") + ex.what());
    }
}

}  // namespace

Result<std::string> sign_with_extension(const Signer& signer, std::string_view input, const SignExtension* extension) {
    return sign_with_key(signer, SignerAccess::key(signer), input, extension);
}

Result<std::string> sign_with_key(const Signer& signer, const crypto::PrivateKey& key, std::string_view input,
                                  const SignExtension* extension, SignPath path) {
    return guarded_sign(signer, key, input, extension, path, nullptr);
}

Result<SignedWithDigests> sign_with_digests(const Signer& signer, std::string_view input) {
    SignedWithDigests out;
    auto document = guarded_sign(signer, SignerAccess::key(signer), input, nullptr, SignPath::automatic, &out.digest_values);
    if (!document) return std::move(document).error();
    out.document = std::move(*document);
    return out;
}

}  // namespace istmo::dsig
