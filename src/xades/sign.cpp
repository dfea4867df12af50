#include <istmo/xades/xades.hpp>

#include <algorithm>

#include "crypto/native.hpp"
#include "dsig/algorithms.hpp"
#include "dsig/sign_extension.hpp"
#include "dsig/signature_value.hpp"
#include "dsig/time_format.hpp"
#include "dsig/reference.hpp"
#include "xades/long_term.hpp"
#include "xades/xades_internal.hpp"
#include "xml/document_impl.hpp"

namespace istmo::xades {

using xml::xc;

std::optional<Profile> parse_profile(std::string_view name) {
    if (name == "xades-b-b" || name == "xades-bes" || name == "xades-b") return Profile::b_b;
    if (name == "xades-epes") return Profile::epes;
    if (name == "xades-b-t" || name == "xades-t") return Profile::b_t;
    if (name == "xades-b-lt") return Profile::b_lt;
    if (name == "xades-b-lta") return Profile::b_lta;
    return std::nullopt;
}

namespace {

// B-T and the levels above it carry a SignatureTimeStamp.
bool time_stamped(Profile profile) {
    return profile == Profile::b_t || profile == Profile::b_lt || profile == Profile::b_lta;
}

crypto::DigestAlg digest_of(dsig::DigestAlgorithm alg) {
    switch (alg) {
        case dsig::DigestAlgorithm::sha384: return crypto::DigestAlg::sha384;
        case dsig::DigestAlgorithm::sha512: return crypto::DigestAlg::sha512;
        default: return crypto::DigestAlg::sha256;
    }
}

bool is_oid(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text)
        if (!(c == '.' || (c >= '0' && c <= '9'))) return false;
    return true;
}

class XadesExtension final : public dsig::SignExtension {
public:
    explicit XadesExtension(const SignOptions& options) : m_options(options) {}

    Result<std::vector<dsig::ExtraReference>> add_objects(dsig::SignContext& ctx) const override {
        if (!ctx.certificate) return make_error(Errc::invalid_argument, "XAdES needs the signer's certificate");
        xmlNodePtr object = xmlNewChild(ctx.signature, ctx.ds, xc("Object"), nullptr);
        xmlNodePtr qp = xmlNewChild(object, nullptr, xc("QualifyingProperties"), nullptr);
        xmlNsPtr xa = xmlNewNs(qp, xc(std::string(detail::k_xades_ns).c_str()), xc("xades"));
        xmlSetNs(qp, xa);
        xmlNewProp(qp, xc("Target"), xc(("#" + ctx.signature_id).c_str()));
        auto child = [xa](xmlNodePtr parent, const char* name, const std::string& text = {}) {
            xmlNodePtr n = xmlNewChild(parent, xa, xc(name), nullptr);
            if (!text.empty()) xmlNodeAddContent(n, xc(text.c_str()));
            return n;
        };
        auto ds_child = [&ctx](xmlNodePtr parent, const char* name, const std::string& text = {}) {
            xmlNodePtr n = xmlNewChild(parent, ctx.ds, xc(name), nullptr);
            if (!text.empty()) xmlNodeAddContent(n, xc(text.c_str()));
            return n;
        };
        auto digest_pair = [&](xmlNodePtr parent, crypto::DigestAlg alg, std::span<const std::uint8_t> data) {
            xmlNodePtr method = ds_child(parent, "DigestMethod");
            xmlNewProp(method, xc("Algorithm"), xc(std::string(dsig::digest_uri(alg)).c_str()));
            ds_child(parent, "DigestValue", crypto::base64_encode(crypto::digest(alg, data)));
        };

        const std::string sp_id = ctx.signature_id + "-signedprops";
        xmlNodePtr sp = child(qp, "SignedProperties");
        xmlNewProp(sp, xc("Id"), xc(sp_id.c_str()));
        xmlNodePtr ssp = child(sp, "SignedSignatureProperties");
        child(ssp, "SigningTime", dsig::format_rfc3339(m_options.signing_time.value_or(std::chrono::system_clock::now())));
        xmlNodePtr cert = child(child(ssp, "SigningCertificateV2"), "Cert");
        digest_pair(child(cert, "CertDigest"), crypto::DigestAlg::sha256, ctx.certificate->der());
        child(cert, "IssuerSerialV2", crypto::base64_encode(detail::issuer_serial_der(*ctx.certificate)));

        if (m_options.policy) {
            const SignaturePolicy& policy = *m_options.policy;
            xmlNodePtr spi = child(ssp, "SignaturePolicyIdentifier");
            if (policy.implied) {
                child(spi, "SignaturePolicyImplied");
            } else {
                xmlNodePtr spid = child(spi, "SignaturePolicyId");
                xmlNodePtr id = child(spid, "SigPolicyId");
                xmlNodePtr identifier = child(id, "Identifier",
                                              is_oid(policy.identifier) ? "urn:oid:" + policy.identifier : policy.identifier);
                if (is_oid(policy.identifier)) xmlNewProp(identifier, xc("Qualifier"), xc("OIDAsURN"));
                if (!policy.description.empty()) child(id, "Description", policy.description);
                xmlNodePtr hash = child(spid, "SigPolicyHash");
                xmlNodePtr method = ds_child(hash, "DigestMethod");
                xmlNewProp(method, xc("Algorithm"),
                           xc(std::string(dsig::digest_uri(digest_of(policy.digest_algorithm))).c_str()));
                ds_child(hash, "DigestValue", crypto::base64_encode(policy.digest));
                if (!policy.spuri.empty())
                    child(child(child(spid, "SigPolicyQualifiers"), "SigPolicyQualifier"), "SPURI", policy.spuri);
            }
        }
        if (m_options.production_place) {
            const ProductionPlace& place = *m_options.production_place;
            xmlNodePtr p = child(ssp, "SignatureProductionPlaceV2");
            if (!place.city.empty()) child(p, "City", place.city);
            if (!place.street.empty()) child(p, "StreetAddress", place.street);
            if (!place.state.empty()) child(p, "StateOrProvince", place.state);
            if (!place.postal_code.empty()) child(p, "PostalCode", place.postal_code);
            if (!place.country.empty()) child(p, "CountryName", place.country);
        }
        if (!m_options.claimed_roles.empty()) {
            xmlNodePtr roles = child(child(ssp, "SignerRoleV2"), "ClaimedRoles");
            for (const std::string& role : m_options.claimed_roles) child(roles, "ClaimedRole", role);
        }

        xmlNodePtr sdop = child(sp, "SignedDataObjectProperties");
        for (const std::string& ref_id : ctx.data_reference_ids) {
            xmlNodePtr format = child(sdop, "DataObjectFormat");
            xmlNewProp(format, xc("ObjectReference"), xc(("#" + ref_id).c_str()));
            child(format, "MimeType", m_options.mime_type);
        }
        if (!m_options.commitment.empty()) {
            xmlNodePtr cti = child(sdop, "CommitmentTypeIndication");
            child(child(cti, "CommitmentTypeId"), "Identifier", detail::commitment_uri(m_options.commitment));
            child(cti, "AllSignedDataObjects");
        }
        return std::vector<dsig::ExtraReference>{{"#" + sp_id, k_signed_properties_type}};
    }

    Result<void> after_signing(dsig::SignContext& ctx) const override {
        if (!time_stamped(m_options.profile)) return {};
        // SignatureTimeStamp over the canonical ds:SignatureValue element (EN 319 132-1 5.3).
        const std::string_view c14n_uri = dsig::canonicalization_uri(ctx.canonicalization);
        auto octets = dsig::compute_signed_info_octets(ctx.doc, ctx.signature_value, *dsig::c14n_from_uri(c14n_uri));
        if (!octets) return std::move(octets).error();
        auto token = m_options.timestamper(std::span<const std::uint8_t>(
            reinterpret_cast<const std::uint8_t*>(octets->data()), octets->size()));
        if (!token) return std::move(token).error();
        xmlNodePtr qp = nullptr;
        for (xmlNodePtr o = xml::first_element_child(ctx.signature); o && !qp; o = xml::next_element_sibling(o))
            if (xml::is_element(o, dsig::uri::ds_ns, "Object"))
                for (xmlNodePtr c = xml::first_element_child(o); c; c = xml::next_element_sibling(c))
                    if (xml::is_element(c, detail::k_xades_ns, "QualifyingProperties")) qp = c;
        if (!qp) return make_error(Errc::internal, "QualifyingProperties not found after signing");
        xmlNsPtr xa = qp->ns;
        xmlNodePtr usp = xmlNewChild(xmlNewChild(qp, xa, xc("UnsignedProperties"), nullptr), xa,
                                     xc("UnsignedSignatureProperties"), nullptr);
        xmlNodePtr ts = xmlNewChild(usp, xa, xc("SignatureTimeStamp"), nullptr);
        xmlNewProp(ts, xc("Id"), xc((ctx.signature_id + "-sigtst").c_str()));
        xmlNodePtr method = xmlNewChild(ts, ctx.ds, xc("CanonicalizationMethod"), nullptr);
        xmlNewProp(method, xc("Algorithm"), xc(std::string(c14n_uri).c_str()));
        xmlNewChild(ts, xa, xc("EncapsulatedTimeStamp"), xc(crypto::base64_encode(*token, 76).c_str()));
        return {};
    }

private:
    const SignOptions& m_options;
};

// A counter-signature being made: moved into its target's UnsignedSignatureProperties (a
// xades:CounterSignature), its reference to the target's SignatureValue typed
// CountersignedSignature; its own XAdES objects as for any signature.
class CounterSignatureExtension final : public dsig::SignExtension {
public:
    CounterSignatureExtension(const SignOptions& options, std::string value_id) : m_xades(options), m_value_id(std::move(value_id)) {}

    Result<std::vector<dsig::ExtraReference>> add_objects(dsig::SignContext& ctx) const override {
        const dsig::IdIndex ids = dsig::build_id_index(ctx.doc);
        auto value = ids.elements.find(m_value_id);
        if (value == ids.elements.end() || !value->second->parent)
            return make_error(Errc::internal, "the counter-signed SignatureValue is gone");
        xmlNodePtr target = value->second->parent;
        xmlNodePtr qp = detail::find_qualifying_properties(target);
        if (!qp) return make_error(Errc::invalid_argument, "the target is not a XAdES signature (no QualifyingProperties)");
        xmlNodePtr usp = detail::ensure_unsigned_signature_properties(qp);
        xmlNodePtr holder = xmlNewChild(usp, usp->ns, xc("CounterSignature"), nullptr);
        xmlUnlinkNode(ctx.signature);
        xmlAddChild(holder, ctx.signature);
        for (xmlNodePtr si = xml::first_element_child(ctx.signature); si; si = xml::next_element_sibling(si)) {
            if (!xml::is_element(si, dsig::uri::ds_ns, "SignedInfo")) continue;
            for (xmlNodePtr ref = xml::first_element_child(si); ref; ref = xml::next_element_sibling(ref)) {
                std::string id;
                xml::get_attribute(ref, "Id", id);
                if (std::find(ctx.data_reference_ids.begin(), ctx.data_reference_ids.end(), id) != ctx.data_reference_ids.end())
                    xmlSetProp(ref, xc("Type"), xc("http://uri.etsi.org/01903#CountersignedSignature"));
            }
        }
        return m_xades.add_objects(ctx);
    }
    Result<void> after_signing(dsig::SignContext& ctx) const override { return m_xades.after_signing(ctx); }

private:
    XadesExtension m_xades;
    std::string m_value_id;
};

// The target of a counter-signature and its SignatureValue, which gets an Id when it has none.
Result<std::string> prepare_countersigned(xmlDocPtr doc, std::string_view target_id) {
    std::vector<xmlNodePtr> found;
    xml::for_each_element(doc, [&](const xmlNode* n) {
        if (!xml::is_element(n, dsig::uri::ds_ns, "Signature")) return xml::Walk::descend;
        std::string id;
        xml::get_attribute(n, "Id", id);
        if (target_id.empty() ? !detail::inside_counter_signature(n) : id == target_id) found.push_back(const_cast<xmlNodePtr>(n));
        return xml::Walk::descend;
    });
    if (found.size() != 1)
        return make_error(Errc::invalid_argument, target_id.empty() ? "the document must hold exactly one signature to counter-sign "
                                                                      "(or name it by its Id), found " + std::to_string(found.size())
                                                                    : "no signature with Id \"" + std::string(target_id) + "\"");
    xmlNodePtr value = nullptr;
    for (xmlNodePtr c = xml::first_element_child(found[0]); c && !value; c = xml::next_element_sibling(c))
        if (xml::is_element(c, dsig::uri::ds_ns, "SignatureValue")) value = c;
    if (!value) return make_error(Errc::invalid_argument, "the target signature has no SignatureValue");
    std::string value_id;
    if (xml::get_attribute(value, "Id", value_id) && !value_id.empty()) return value_id;
    // A new Id changes the canonical SignatureValue that time-stamps cover.
    const xmlNode* usp = detail::find_unsigned_signature_properties(detail::find_qualifying_properties(found[0]));
    for (const xmlNode* c = usp ? xml::first_element_child(usp) : nullptr; c; c = xml::next_element_sibling(c))
        if (xml::sv(c->name).find("TimeStamp") != std::string_view::npos)
            return make_error(Errc::unsupported, "the target's SignatureValue has no Id and time-stamps cover it: "
                                                         "an Id would break them");
    std::string base;
    xml::get_attribute(found[0], "Id", base);
    const dsig::IdIndex ids = dsig::build_id_index(doc);
    value_id = (base.empty() ? std::string("signature") : base) + "-value";
    for (int n = 2; ids.elements.count(value_id) || ids.duplicates.count(value_id); ++n)
        value_id = (base.empty() ? std::string("signature") : base) + "-value-" + std::to_string(n);
    xmlNewProp(value, xc("Id"), xc(value_id.c_str()));
    return value_id;
}

}  // namespace

Result<std::string> Signer::countersign(std::string_view xml, std::string_view target_id) const {
    auto parsed = xml::XmlDocument::parse(xml);
    if (!parsed) return std::move(parsed).error();
    xmlDocPtr doc = xml::get(*parsed);
    auto value_id = prepare_countersigned(doc, target_id);
    if (!value_id) return std::move(value_id).error();
    const std::optional<std::string> prepared = xml::serialize_utf8(doc);
    if (!prepared) return make_error(Errc::internal, "cannot serialize the document");
    dsig::SignOptions options = m_core.options();
    options.mode = dsig::SignMode::detached;
    options.reference_ids = {*value_id};
    auto core = dsig::Signer::create(dsig::SignerAccess::key(m_core), m_core.certificate(), m_core.chain(), options);
    if (!core) return std::move(core).error();
    CounterSignatureExtension extension(m_options, *value_id);
    return dsig::sign_with_extension(*core, *prepared, &extension);
}

Result<Signer> Signer::create(crypto::PrivateKey key, crypto::Certificate certificate,
                              std::vector<crypto::Certificate> chain, SignOptions options) {
    if (options.profile == Profile::epes && !options.policy)
        return make_error(Errc::invalid_argument, "xades-epes needs a signature policy (identifier and digest, or implied)");
    if (options.policy && !options.policy->implied && (options.policy->identifier.empty() || options.policy->digest.empty()))
        return make_error(Errc::invalid_argument, "a signature policy needs an identifier and the digest of the policy document");
    if (time_stamped(options.profile) && !options.timestamper)
        return make_error(Errc::invalid_argument, "xades-b-t, xades-b-lt and xades-b-lta need a timestamp authority (timestamper)");
    auto core = dsig::Signer::create(std::move(key), std::move(certificate), std::move(chain), options.dsig);
    if (!core) return std::move(core).error();
    return Signer(std::move(*core), std::move(options));
}

Result<std::string> Signer::sign(std::string_view xml) const {
    XadesExtension extension(m_options);
    auto signed_xml = dsig::sign_with_extension(m_core, xml, &extension);
    if (!signed_xml || (m_options.profile != Profile::b_lt && m_options.profile != Profile::b_lta)) return signed_xml;
    // B-LT / B-LTA: the B-T just made, augmented (the validation data, then the archive time-stamp).
    AugmentOptions augment;
    augment.to = m_options.profile == Profile::b_lt ? AugmentLevel::b_lt : AugmentLevel::b_lta;
    augment.timestamper = m_options.timestamper;
    augment.long_term = m_options.long_term;
    augment.signature_id = m_options.dsig.signature_id;
    auto augmenter = Augmenter::create(std::move(augment));
    if (!augmenter) return std::move(augmenter).error();
    return augmenter->augment(*signed_xml);
}

Result<Signer> Signer::for_certificate(crypto::Certificate certificate, std::vector<crypto::Certificate> chain,
                                       SignOptions options) {
    if (time_stamped(options.profile))
        return make_error(Errc::unsupported, "xades-b-t (and above) cannot be prepared: its time-stamp covers the signature value "
                                             "(prepare xades-b-b, then add the time-stamp)");
    const crypto::PrivateKey key = dsig::certificate_only_key(certificate);
    return create(key, std::move(certificate), std::move(chain), std::move(options));
}

Result<dsig::PendingSignature> Signer::prepare(std::string_view xml) const {
    if (time_stamped(m_options.profile))
        return make_error(Errc::unsupported, "xades-b-t (and above) cannot be prepared: its time-stamp covers the signature value");
    XadesExtension extension(m_options);
    return dsig::prepare_with_extension(m_core, xml, &extension);
}

}  // namespace istmo::xades
