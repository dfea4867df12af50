#include <istmo/xades/xades.hpp>

#include "crypto/native.hpp"
#include "dsig/algorithms.hpp"
#include "dsig/sign_extension.hpp"
#include "dsig/signature_value.hpp"
#include "dsig/time_format.hpp"
#include "xades/xades_internal.hpp"
#include "xml/document_impl.hpp"

namespace istmo::xades {

using xml::xc;

std::optional<Profile> parse_profile(std::string_view name) {
    if (name == "xades-b-b" || name == "xades-bes" || name == "xades-b") return Profile::b_b;
    if (name == "xades-epes") return Profile::epes;
    if (name == "xades-b-t" || name == "xades-t") return Profile::b_t;
    return std::nullopt;
}

namespace {

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
        if (m_options.profile != Profile::b_t) return {};
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

}  // namespace

Result<Signer> Signer::create(crypto::PrivateKey key, crypto::Certificate certificate,
                              std::vector<crypto::Certificate> chain, SignOptions options) {
    if (options.profile == Profile::epes && !options.policy)
        return make_error(Errc::invalid_argument, "xades-epes needs a signature policy (identifier and digest, or implied)");
    if (options.policy && !options.policy->implied && (options.policy->identifier.empty() || options.policy->digest.empty()))
        return make_error(Errc::invalid_argument, "a signature policy needs an identifier and the digest of the policy document");
    if (options.profile == Profile::b_t && !options.timestamper)
        return make_error(Errc::invalid_argument, "xades-b-t needs a timestamp authority (timestamper)");
    auto core = dsig::Signer::create(std::move(key), std::move(certificate), std::move(chain), options.dsig);
    if (!core) return std::move(core).error();
    return Signer(std::move(*core), std::move(options));
}

Result<std::string> Signer::sign(std::string_view xml) const {
    XadesExtension extension(m_options);
    return dsig::sign_with_extension(m_core, xml, &extension);
}

Result<Signer> Signer::for_certificate(crypto::Certificate certificate, std::vector<crypto::Certificate> chain,
                                       SignOptions options) {
    if (options.profile == Profile::b_t)
        return make_error(Errc::unsupported, "xades-b-t cannot be prepared: its time-stamp covers the signature value "
                                             "(prepare xades-b-b, then add the time-stamp)");
    const crypto::PrivateKey key = dsig::certificate_only_key(certificate);
    return create(key, std::move(certificate), std::move(chain), std::move(options));
}

Result<dsig::PendingSignature> Signer::prepare(std::string_view xml) const {
    if (m_options.profile == Profile::b_t)
        return make_error(Errc::unsupported, "xades-b-t cannot be prepared: its time-stamp covers the signature value");
    XadesExtension extension(m_options);
    return dsig::prepare_with_extension(m_core, xml, &extension);
}

}  // namespace istmo::xades
