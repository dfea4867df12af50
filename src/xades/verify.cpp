#include <istmo/xades/xades.hpp>
#include <istmo/tsa/timestamp.hpp>

#include "crypto/native.hpp"
#include "dsig/algorithms.hpp"
#include "dsig/signature_value.hpp"
#include "dsig/time_format.hpp"
#include "dsig/verify_extension.hpp"
#include "xades/xades_internal.hpp"
#include "xml/document_impl.hpp"

#include <algorithm>
#include <cctype>

namespace istmo::xades {

using report::Indication;
using report::Severity;
using report::SubIndication;

namespace {

using dsig::uri::ds_ns;
using detail::k_xades_ns;

std::string attribute(const xmlNode* node, const char* name) {
    std::string value;
    xml::get_attribute(node, name, value);
    return value;
}

const xmlNode* child(const xmlNode* parent, std::string_view ns, std::string_view name) {
    for (const xmlNode* c = xml::first_element_child(parent); c; c = xml::next_element_sibling(c))
        if (xml::is_element(c, ns, name)) return c;
    return nullptr;
}

std::vector<const xmlNode*> children(const xmlNode* parent, std::string_view ns, std::string_view name) {
    std::vector<const xmlNode*> out;
    for (const xmlNode* c = xml::first_element_child(parent); c; c = xml::next_element_sibling(c))
        if (xml::is_element(c, ns, name)) out.push_back(c);
    return out;
}

std::string trimmed(std::string text) {
    auto not_space = [](unsigned char c) { return !std::isspace(c); };
    text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
    text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
    return text;
}

// Case- and whitespace-insensitive comparison of distinguished names as text.
std::string normalized_dn(std::string_view dn) {
    std::string out;
    for (char c : dn)
        if (!std::isspace(static_cast<unsigned char>(c))) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    return out;
}

// Counts the elements below `node`, not looking into nested ds:Signature elements (a
// CounterSignature holds a whole signature with its own SignedProperties).
void count_elements(const xmlNode* node, std::string_view ns, std::string_view name, std::size_t& count) {
    for (const xmlNode* c = node ? node->children : nullptr; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (xml::is_element(c, ns, name)) ++count;
        if (xml::is_element(c, ds_ns, "Signature")) continue;
        count_elements(c, ns, name, count);
    }
}

constexpr std::string_view k_countersigned_type = "http://uri.etsi.org/01903#CountersignedSignature";

// The element a same-document "#id" reference URI points at, or null.
const xmlNode* referenced_element(const dsig::InspectContext& ctx, const std::string& uri) {
    if (uri.size() < 2 || uri[0] != '#') return nullptr;
    auto it = ctx.ids->elements.find(uri.substr(1));
    return it == ctx.ids->elements.end() ? nullptr : it->second;
}

class XadesChecks final : public dsig::VerifyExtension {
public:
    explicit XadesChecks(VerifyOptions options) : m_options(std::move(options)) {}

    void inspect(dsig::InspectContext& ctx) const override {
        const xmlNode* signed_info = child(ctx.signature, ds_ns, "SignedInfo");
        // ---- signature wrapping: a ds:Object only belongs directly under a ds:Signature. A
        // reference to a ds:Object hidden elsewhere (inside another Object's content) signs
        // data that a reader of the signature does not see as its content.
        for (const xmlNode* ref : children(signed_info, ds_ns, "Reference")) {
            const xmlNode* target = referenced_element(ctx, attribute(ref, "URI"));
            if (target && xml::is_element(target, ds_ns, "Object") &&
                !(target->parent && target->parent->type == XML_ELEMENT_NODE && xml::is_element(target->parent, ds_ns, "Signature")))
                ctx.fail("XADES-OBJECT-WRAPPED",
                         "Reference URI=\"" + attribute(ref, "URI") +
                             "\" points at a ds:Object that is not a child of a ds:Signature (signature wrapping)",
                         Indication::indeterminate, SubIndication::signed_data_not_found);
        }
        // ---- a counter-signature must sign its parent's SignatureValue
        if (ctx.signature->parent && xml::is_element(ctx.signature->parent, k_xades_ns, "CounterSignature")) {
            const xmlNode* parent = ctx.signature->parent;
            while (parent && !(parent->type == XML_ELEMENT_NODE && xml::is_element(parent, ds_ns, "Signature"))) parent = parent->parent;
            const xmlNode* parent_value = parent ? child(parent, ds_ns, "SignatureValue") : nullptr;
            bool covers_parent = false;
            for (const xmlNode* ref : children(signed_info, ds_ns, "Reference"))
                if (attribute(ref, "Type") == k_countersigned_type)
                    covers_parent = covers_parent || (parent_value && referenced_element(ctx, attribute(ref, "URI")) == parent_value);
            if (!covers_parent)
                ctx.fail("XADES-COUNTERSIG-TARGET",
                         "the counter-signature has no CountersignedSignature reference to its parent's ds:SignatureValue",
                         Indication::total_failed, SubIndication::hash_failure);
        }

        // ---- locate QualifyingProperties
        std::vector<const xmlNode*> qps;
        bool other_version = false;
        for (const xmlNode* object : children(ctx.signature, ds_ns, "Object"))
            for (const xmlNode* c = xml::first_element_child(object); c; c = xml::next_element_sibling(c)) {
                if (xml::is_element(c, k_xades_ns, "QualifyingProperties")) qps.push_back(c);
                else if (xml::is_element(c, detail::k_xades111_ns, "QualifyingProperties")) other_version = true;
            }
        if (qps.empty()) {
            if (other_version)
                ctx.note("XADES-VERSION-UNSUPPORTED", Severity::warning,
                         "XAdES 1.1.1 QualifyingProperties are not validated; only XMLDSig core was checked");
            return;
        }
        if (qps.size() > 1)
            return ctx.fail("XADES-QP-COUNT", "more than one xades:QualifyingProperties in the signature",
                            Indication::total_failed, SubIndication::format_failure);
        const xmlNode* qp = qps.front();
        const std::string signature_id = attribute(ctx.signature, "Id");
        if (signature_id.empty() || attribute(qp, "Target") != "#" + signature_id)
            ctx.fail("XADES-TARGET-MISMATCH", "QualifyingProperties Target \"" + attribute(qp, "Target") +
                         "\" does not name this signature (Id \"" + signature_id + "\")",
                     Indication::total_failed, SubIndication::format_failure);

        // ---- SignedProperties: exactly one, signed exactly once with the right Type
        std::size_t sp_total = 0;
        count_elements(ctx.signature, k_xades_ns, "SignedProperties", sp_total);
        const xmlNode* sp = child(qp, k_xades_ns, "SignedProperties");
        if (!sp || sp_total != 1)
            return ctx.fail("XADES-SP-COUNT", "the signature must hold exactly one xades:SignedProperties, found " +
                                std::to_string(sp_total),
                            Indication::total_failed, SubIndication::format_failure);
        std::size_t signing_refs = 0;
        std::string sp_type;
        for (const xmlNode* ref : children(signed_info, ds_ns, "Reference")) {
            std::string uri = attribute(ref, "URI");
            if (uri.size() < 2 || uri[0] != '#') continue;
            auto it = ctx.ids->elements.find(uri.substr(1));
            if (it != ctx.ids->elements.end() && it->second == sp) {
                ++signing_refs;
                sp_type = attribute(ref, "Type");
            }
        }
        if (signing_refs == 0)
            return ctx.fail("XADES-SP-NOT-SIGNED", "xades:SignedProperties is not referenced from SignedInfo: its content is not signed",
                            Indication::total_failed, SubIndication::format_failure);
        if (signing_refs > 1)
            ctx.fail("XADES-SP-MULTIPLE", "xades:SignedProperties is referenced more than once", Indication::total_failed,
                     SubIndication::format_failure);
        if (sp_type != k_signed_properties_type)
            ctx.fail("XADES-SP-TYPE", "the SignedProperties reference has Type \"" + sp_type + "\", expected " +
                         k_signed_properties_type,
                     Indication::total_failed, SubIndication::format_failure);

        dsig::SignatureResult& result = *ctx.result;
        std::string level = "B-B";
        const xmlNode* ssp = child(sp, k_xades_ns, "SignedSignatureProperties");

        // ---- signing certificate
        check_signing_certificate(ctx, ssp);

        // ---- signing time
        std::optional<crypto::TimePoint> signing_time;
        if (const xmlNode* st = child(ssp, k_xades_ns, "SigningTime")) {
            signing_time = detail::parse_xs_datetime(xml::text_content(st));
            if (!signing_time) {
                ctx.fail("XADES-SIGNING-TIME-INVALID", "SigningTime is not an xs:dateTime", Indication::total_failed,
                         SubIndication::format_failure);
            } else {
                result.properties.emplace_back("signing_time", dsig::format_rfc3339(*signing_time));
                if (ctx.signer && (*signing_time < ctx.signer->not_before() || *signing_time > ctx.signer->not_after()))
                    ctx.fail("XADES-SIGNING-TIME-OUT-OF-CERT",
                             "SigningTime " + dsig::format_rfc3339(*signing_time) + " is outside the signer certificate's validity",
                             Indication::indeterminate, SubIndication::sig_constraints_failure);
            }
        } else {
            ctx.note("XADES-NO-SIGNING-TIME", Severity::warning, "no SigningTime (required by the baseline profiles)");
        }

        // ---- policy
        if (const xmlNode* spi = child(ssp, k_xades_ns, "SignaturePolicyIdentifier")) {
            level = "EPES";
            if (child(spi, k_xades_ns, "SignaturePolicyImplied")) {
                result.properties.emplace_back("policy", "implied");
            } else if (const xmlNode* spid = child(spi, k_xades_ns, "SignaturePolicyId")) {
                check_policy(ctx, spid);
            }
        }
        // ---- claimed roles, commitment
        const xmlNode* role = child(ssp, k_xades_ns, "SignerRoleV2");
        if (!role) role = child(ssp, k_xades_ns, "SignerRole");
        if (const xmlNode* claimed = child(role, k_xades_ns, "ClaimedRoles"))
            for (const xmlNode* r : children(claimed, k_xades_ns, "ClaimedRole"))
                result.properties.emplace_back("claimed_role", trimmed(xml::text_content(r)));
        if (const xmlNode* sdop = child(sp, k_xades_ns, "SignedDataObjectProperties"))
            for (const xmlNode* cti : children(sdop, k_xades_ns, "CommitmentTypeIndication"))
                if (const xmlNode* id = child(child(cti, k_xades_ns, "CommitmentTypeId"), k_xades_ns, "Identifier"))
                    result.properties.emplace_back("commitment", trimmed(xml::text_content(id)));

        // ---- signature timestamps: they prove the signature existed at genTime
        const xmlNode* usp = child(child(qp, k_xades_ns, "UnsignedProperties"), k_xades_ns, "UnsignedSignatureProperties");
        // The level names the signature's form (as DSS's signature format does): a signature with a
        // SignatureTimeStamp is B-T even when that timestamp fails; the failure is a finding, and
        // only a valid timestamp gives the best-signature-time.
        for (const xmlNode* ts : children(usp, k_xades_ns, "SignatureTimeStamp")) {
            if (level == "B-B") level = "B-T";
            else if (level == "EPES") level = "EPES-T";
            if (auto gen_time = check_timestamp(ctx, ts, signing_time))
                if (!ctx.best_signature_time || *gen_time < *ctx.best_signature_time) ctx.best_signature_time = *gen_time;
        }
        result.level = level;
    }

private:
    void check_signing_certificate(dsig::InspectContext& ctx, const xmlNode* ssp) const {
        const xmlNode* v2 = child(ssp, k_xades_ns, "SigningCertificateV2");
        const xmlNode* v1 = child(ssp, k_xades_ns, "SigningCertificate");
        const xmlNode* holder = v2 ? v2 : v1;
        if (!holder)
            return ctx.fail("XADES-SIGNING-CERT-MISSING", "no SigningCertificate(V2): the signer is not bound to the signature",
                            Indication::indeterminate, SubIndication::no_signing_certificate_found);
        if (!ctx.signer)
            return ctx.fail("XADES-SIGNING-CERT-MISSING", "the signature carries no certificate to match SigningCertificate",
                            Indication::indeterminate, SubIndication::no_signing_certificate_found);
        if (!v2) ctx.note("XADES-SIGNING-CERT-V1", Severity::warning, "legacy SigningCertificate (v1) is used");
        const xmlNode* matched = nullptr;
        for (const xmlNode* cert : children(holder, k_xades_ns, "Cert")) {
            const xmlNode* digest = child(cert, k_xades_ns, "CertDigest");
            auto info = dsig::digest_from_uri(attribute(child(digest, ds_ns, "DigestMethod"), "Algorithm"));
            auto value = crypto::base64_decode(xml::text_content(child(digest, ds_ns, "DigestValue")));
            if (!info || info->status == dsig::AlgorithmStatus::forbidden || !value) continue;
            if (info->status == dsig::AlgorithmStatus::legacy && v2 && !ctx.options->allow_legacy) continue;
            if (crypto::digest(info->alg, ctx.signer->der()) == *value) {
                matched = cert;
                break;
            }
        }
        if (!matched)
            return ctx.fail("XADES-SIGNING-CERT-DIGEST",
                            "no CertDigest in SigningCertificate matches the certificate that verified the signature",
                            Indication::indeterminate, SubIndication::no_signing_certificate_found);
        if (const xmlNode* isv2 = child(matched, k_xades_ns, "IssuerSerialV2")) {
            auto der = crypto::base64_decode(xml::text_content(isv2));
            if (!der || *der != detail::issuer_serial_der(*ctx.signer))
                ctx.note("XADES-ISSUER-SERIAL-MISMATCH", Severity::warning,
                         "IssuerSerialV2 does not describe the signing certificate");
        }
        if (const xmlNode* is = child(matched, k_xades_ns, "IssuerSerial")) {
            const std::string serial = trimmed(xml::text_content(child(is, ds_ns, "X509SerialNumber")));
            const std::string issuer = xml::text_content(child(is, ds_ns, "X509IssuerName"));
            bool integer = !serial.empty();
            for (std::size_t i = 0; i < serial.size(); ++i)
                integer = integer && (std::isdigit(static_cast<unsigned char>(serial[i])) || (i == 0 && serial[i] == '-'));
            if (!integer)  // xs:integer in the schema: a malformed signed property, not a mismatch
                ctx.fail("XADES-ISSUER-SERIAL-INVALID", "IssuerSerial X509SerialNumber \"" + serial + "\" is not an integer",
                         Indication::total_failed, SubIndication::format_failure);
            else if (serial != ctx.signer->serial_decimal() || normalized_dn(issuer) != normalized_dn(ctx.signer->issuer()))
                ctx.note("XADES-ISSUER-SERIAL-MISMATCH", Severity::warning,
                         "IssuerSerial does not describe the signing certificate");
        }
    }

    void check_policy(dsig::InspectContext& ctx, const xmlNode* spid) const {
        std::string identifier = trimmed(xml::text_content(child(child(spid, k_xades_ns, "SigPolicyId"), k_xades_ns, "Identifier")));
        ctx.result->properties.emplace_back("policy", identifier);
        std::string key = identifier.rfind("urn:oid:", 0) == 0 ? identifier.substr(8) : identifier;
        auto doc = m_options.policy_documents.find(key);
        if (doc == m_options.policy_documents.end()) doc = m_options.policy_documents.find(identifier);
        if (doc == m_options.policy_documents.end()) {
            ctx.note("XADES-POLICY-NOT-CHECKED", Severity::info, "the policy document was not supplied: its digest was not checked");
            return;
        }
        const xmlNode* hash = child(spid, k_xades_ns, "SigPolicyHash");
        auto info = dsig::digest_from_uri(attribute(child(hash, ds_ns, "DigestMethod"), "Algorithm"));
        auto value = crypto::base64_decode(xml::text_content(child(hash, ds_ns, "DigestValue")));
        if (!info || info->status == dsig::AlgorithmStatus::forbidden || !value)
            return ctx.fail("XADES-POLICY-HASH", "SigPolicyHash is missing or unusable", Indication::indeterminate,
                            SubIndication::policy_processing_error);
        if (crypto::digest(info->alg, doc->second) != *value)
            ctx.fail("XADES-POLICY-HASH", "the policy document's digest differs from SigPolicyHash",
                     Indication::indeterminate, SubIndication::policy_processing_error);
    }

    std::optional<crypto::TimePoint> check_timestamp(dsig::InspectContext& ctx, const xmlNode* ts,
                                                     const std::optional<crypto::TimePoint>& signing_time) const {
        xml::C14nMethod method;  // inclusive C14N 1.0 when the property names none
        if (const xmlNode* cm = child(ts, ds_ns, "CanonicalizationMethod")) {
            auto named = dsig::c14n_from_uri(attribute(cm, "Algorithm"));
            if (!named) {
                ctx.fail("XADES-TS-INVALID", "unknown canonicalization method in SignatureTimeStamp",
                         Indication::total_failed, SubIndication::format_failure);
                return std::nullopt;
            }
            method = *named;
        }
        auto token = crypto::base64_decode(xml::text_content(child(ts, k_xades_ns, "EncapsulatedTimeStamp")));
        const xmlNode* value_node = child(ctx.signature, ds_ns, "SignatureValue");
        auto octets = dsig::compute_signed_info_octets(ctx.doc, value_node, method);
        if (!token || !octets) {
            ctx.fail("XADES-TS-INVALID", "SignatureTimeStamp has no readable EncapsulatedTimeStamp", Indication::total_failed,
                     SubIndication::format_failure);
            return std::nullopt;
        }
        tsa::TokenExpectations expect;
        expect.data = crypto::Bytes(octets->begin(), octets->end());
        tsa::VerifyOptions options;
        options.trust = m_options.tsa_trust.size() ? m_options.tsa_trust : m_options.dsig.trust;
        tsa::TokenVerification v = tsa::verify_token(*token, expect, options);
        auto& props = ctx.result->properties;
        props.emplace_back("timestamp.gen_time", dsig::format_rfc3339(v.info.gen_time));
        props.emplace_back("timestamp.tsa", v.info.signer_subject);
        props.emplace_back("timestamp.policy", v.info.policy);
        props.emplace_back("timestamp.serial", v.info.serial_hex);
        props.emplace_back("timestamp.status", v.valid() ? "valid" : v.summary());
        if (!v.valid()) {
            const report::Finding* first = v.first_error();
            const bool imprint = first && first->code == "TSA-IMPRINT-MISMATCH";
            // An untrusted TSA is the same missing trust as an untrusted signer certificate.
            const bool untrusted = first && first->code == "TSA-CERT-UNTRUSTED";
            ctx.fail(imprint ? "XADES-TS-IMPRINT" : "XADES-TS-INVALID",
                     "SignatureTimeStamp: " + v.summary(), imprint ? Indication::total_failed : Indication::indeterminate,
                     imprint     ? SubIndication::hash_failure
                     : untrusted ? SubIndication::no_certificate_chain_found
                                 : SubIndication::sig_constraints_failure);
            return std::nullopt;
        }
        if (signing_time && *signing_time > v.info.gen_time + std::chrono::minutes(5))
            ctx.fail("XADES-SIGNING-TIME-AFTER-TS", "SigningTime is later than the signature timestamp's genTime",
                     Indication::indeterminate, SubIndication::sig_constraints_failure);
        return v.info.gen_time;
    }

    VerifyOptions m_options;
};

}  // namespace

Verifier::Verifier(VerifyOptions options)
    : m_core(options.dsig, std::make_shared<const XadesChecks>(options)) {}

Result<dsig::VerificationReport> Verifier::verify(std::string_view xml) const { return m_core.verify(xml); }

}  // namespace istmo::xades
