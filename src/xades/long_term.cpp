#include "xades/long_term.hpp"

#include <istmo/tsa/timestamp.hpp>

#include "dsig/algorithms.hpp"
#include "dsig/signature_value.hpp"
#include "xades/xades_internal.hpp"
#include "xml/document_impl.hpp"

namespace istmo::xades::detail {

using dsig::uri::ds_ns;

xmlNodePtr find_qualifying_properties(const xmlNode* signature) {
    for (xmlNodePtr o = xml::first_element_child(signature); o; o = xml::next_element_sibling(o))
        if (xml::is_element(o, ds_ns, "Object"))
            for (xmlNodePtr c = xml::first_element_child(o); c; c = xml::next_element_sibling(c))
                if (xml::is_element(c, k_xades_ns, "QualifyingProperties")) return c;
    return nullptr;
}

std::vector<xmlNodePtr> element_children(const xmlNode* parent, std::string_view ns, std::string_view name) {
    std::vector<xmlNodePtr> out;
    for (xmlNodePtr c = parent ? xml::first_element_child(parent) : nullptr; c; c = xml::next_element_sibling(c))
        if (xml::is_element(c, ns, name)) out.push_back(c);
    return out;
}

xmlNodePtr find_unsigned_signature_properties(const xmlNode* qp) {
    for (xmlNodePtr up : element_children(qp, k_xades_ns, "UnsignedProperties"))
        for (xmlNodePtr usp : element_children(up, k_xades_ns, "UnsignedSignatureProperties")) return usp;
    return nullptr;
}

xmlNodePtr ensure_unsigned_signature_properties(xmlNodePtr qp) {
    if (xmlNodePtr usp = find_unsigned_signature_properties(qp)) return usp;
    std::vector<xmlNodePtr> ups = element_children(qp, k_xades_ns, "UnsignedProperties");
    xmlNodePtr up = ups.empty() ? xmlNewChild(qp, qp->ns, xml::xc("UnsignedProperties"), nullptr) : ups.front();
    xmlNodePtr usp = xmlNewNode(qp->ns, xml::xc("UnsignedSignatureProperties"));
    if (xmlNodePtr first = xml::first_element_child(up)) xmlAddPrevSibling(first, usp);  // before UnsignedDataObjectProperties
    else xmlAddChild(up, usp);
    return usp;
}

namespace {

Result<void> append_canonical(xmlDocPtr doc, const xmlNode* node, const xml::C14nMethod& method, std::string& out) {
    auto octets = dsig::compute_signed_info_octets(doc, node, method);
    if (!octets) return std::move(octets).error();
    out += *octets;
    return {};
}

}  // namespace

Result<std::string> archive_timestamp_input(xmlDocPtr doc, const dsig::IdIndex& ids, const xmlNode* signature,
                                            const xmlNode* stop, const xml::C14nMethod& method,
                                            std::size_t max_transforms, const dsig::DetachedContent* detached,
                                            const std::vector<std::string_view>* reference_octets) {
    std::string out;
    const xmlNode* signed_info = nullptr;
    for (xmlNodePtr c = xml::first_element_child(signature); c && !signed_info; c = xml::next_element_sibling(c))
        if (xml::is_element(c, ds_ns, "SignedInfo")) signed_info = c;
    if (!signed_info) return make_error(Errc::parse_error, "the signature has no SignedInfo");
    // (1) the references' data, as digested
    if (reference_octets)
        for (std::string_view octets : *reference_octets) out += octets;
    for (xmlNodePtr ref : element_children(signed_info, ds_ns, "Reference")) {
        if (reference_octets) break;
        dsig::ReferenceOutcome outcome = dsig::process_reference(doc, ref, signature, ids, crypto::DigestAlg::sha256, true,
                                                                 max_transforms, nullptr, detached);
        if (!outcome.failure_code.empty())
            return make_error(Errc::parse_error, outcome.failure_code + ": " + outcome.failure_message);
        out += outcome.octets;
    }
    // (2) SignedInfo, SignatureValue, KeyInfo
    for (const char* name : {"SignedInfo", "SignatureValue", "KeyInfo"})
        for (xmlNodePtr node : element_children(signature, ds_ns, name))
            if (auto done = append_canonical(doc, node, method, out); !done) return std::move(done).error();
    // (3) the unsigned signature properties before this time-stamp
    const xmlNode* qp = find_qualifying_properties(signature);
    if (const xmlNode* usp = find_unsigned_signature_properties(qp)) {
        for (xmlNodePtr c = xml::first_element_child(usp); c && c != stop; c = xml::next_element_sibling(c))
            if (auto done = append_canonical(doc, c, method, out); !done) return std::move(done).error();
    }
    // (4) the other ds:Object elements
    for (xmlNodePtr object : element_children(signature, ds_ns, "Object")) {
        if (qp && qp->parent == object) continue;
        if (auto done = append_canonical(doc, object, method, out); !done) return std::move(done).error();
    }
    return out;
}

// ---- ValidationDataCollector -----------------------------------------------------------------

Result<ValidationDataCollector> ValidationDataCollector::create(const LongTermOptions& options) {
    ValidationDataCollector made;
    made.m_at = options.at.value_or(std::chrono::system_clock::now());
    crypto::ValidatorOptions signer;
    signer.trust = options.trust;
    signer.extra_certificates = options.extra_certificates;
    made.m_signer_paths = std::make_shared<const crypto::CertificateValidator>(std::move(signer));
    tsa::VerifyOptions tsa;
    tsa.trust = options.tsa_trust.size() ? options.tsa_trust : options.trust;
    tsa.extra_certificates = options.extra_certificates;
    tsa.revocation = crypto::RevocationPolicy::off;  // the status is collected below, with its bytes
    made.m_tsa = std::make_shared<const tsa::TokenVerifier>(std::move(tsa));
    auto checker = crypto::detail::CollectingChecker::create(options.revocation);
    if (!checker) return make_error(Errc::invalid_argument, "certificate status cannot be set up: " + checker.error().message);
    made.m_status = std::make_shared<const crypto::detail::CollectingChecker>(std::move(*checker));
    return made;
}

namespace {

void add_unique(std::vector<crypto::Bytes>& list, crypto::Bytes value) {
    for (const crypto::Bytes& have : list)
        if (have == value) return;
    list.push_back(std::move(value));
}

}  // namespace

Result<void> ValidationDataCollector::add_path(const std::vector<crypto::ChainElement>& path, crypto::TimePoint at,
                                               const char* whose, ValidationData& out) const {
    for (std::size_t i = 0; i < path.size(); ++i) {
        const crypto::Certificate& cert = path[i].certificate;
        bool known = false;
        for (const crypto::Certificate& have : out.certificates) known = known || have.der() == cert.der();
        if (!known) out.certificates.push_back(cert);
        if (path[i].anchor || i + 1 >= path.size()) continue;
        crypto::detail::CollectedStatus got = m_status->collect(cert, path[i + 1].certificate, at, out.known);
        const bool conclusive =
            got.status.status == crypto::RevocationStatus::good || got.status.status == crypto::RevocationStatus::revoked;
        if (!conclusive && got.status.required)
            return make_error(Errc::unavailable, std::string("no certificate status for ") + whose + " " + cert.subject() +
                                                     ": [" + got.status.code + "] " + got.status.message);
        for (crypto::Bytes& r : got.used.ocsp_responses) add_unique(out.revocation.ocsp_responses, std::move(r));
        for (crypto::Bytes& c : got.used.crls) add_unique(out.revocation.crls, std::move(c));
    }
    return {};
}

Result<void> ValidationDataCollector::add_signer_path(const crypto::Certificate& target,
                                                      const std::vector<crypto::Certificate>& candidates,
                                                      ValidationData& out) const {
    crypto::CertificateValidation v =
        m_signer_paths->validate(target, candidates, crypto::CertificatePurpose::signature, m_at);
    if (v.status != crypto::PathStatus::valid)
        return make_error(Errc::certificate_error, "the signer's certificate path is not valid: " + v.message);
    return add_path(v.chain, m_at, "the signer's path certificate", out);
}

Result<void> ValidationDataCollector::add_tsa_path(std::span<const std::uint8_t> token, ValidationData& out) const {
    tsa::TokenVerification v = m_tsa->verify_token(token, tsa::TokenExpectations{});
    if (v.tsa_path.empty())
        return make_error(Errc::certificate_error, "the time-stamp's TSA path is not valid: " + v.summary());
    return add_path(v.tsa_path, m_at, "the TSA path certificate", out);
}

}  // namespace istmo::xades::detail
