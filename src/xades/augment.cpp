// Augmenter: B-T, B-LT and B-LTA added to existing XAdES signatures (EN 319 132-1 §6.3) by
// growing xades:UnsignedSignatureProperties only -- no signed byte changes.
#include <istmo/xades/xades.hpp>

#include "dsig/algorithms.hpp"
#include "dsig/reference.hpp"
#include "dsig/signature_value.hpp"
#include "xades/long_term.hpp"
#include "xades/xades_internal.hpp"
#include "xml/document_impl.hpp"

#include <algorithm>

namespace istmo::xades {

using dsig::uri::ds_ns;
using xml::xc;

std::optional<AugmentLevel> parse_augment_level(std::string_view name) {
    if (name == "b-t" || name == "B-T") return AugmentLevel::b_t;
    if (name == "b-lt" || name == "B-LT") return AugmentLevel::b_lt;
    if (name == "b-lta" || name == "B-LTA") return AugmentLevel::b_lta;
    return std::nullopt;
}

struct Augmenter::State {
    AugmentOptions options;
    detail::ValidationDataCollector collector;
};

namespace {

using detail::element_children;

// What one signature already carries (DER), so that nothing is embedded twice.
struct Carried {
    std::vector<crypto::Bytes> certificates;
    std::vector<crypto::Bytes> crls;
    std::vector<crypto::Bytes> ocsp;
    [[nodiscard]] static bool has(const std::vector<crypto::Bytes>& list, const crypto::Bytes& value) {
        return std::find(list.begin(), list.end(), value) != list.end();
    }
};

void decode_all(const xmlNode* parent, std::string_view ns, const char* name, std::vector<crypto::Bytes>& out) {
    for (xmlNodePtr n : element_children(parent, ns, name))
        if (auto der = crypto::base64_decode(xml::text_content(n))) out.push_back(std::move(*der));
}

// Certificates in KeyInfo (X509Data/X509Certificate) and every validation data container.
Carried carried_by(const xmlNode* signature, const xmlNode* usp) {
    Carried c;
    for (xmlNodePtr key_info : element_children(signature, ds_ns, "KeyInfo"))
        for (xmlNodePtr data : element_children(key_info, ds_ns, "X509Data")) decode_all(data, ds_ns, "X509Certificate", c.certificates);
    std::vector<const xmlNode*> holders{usp};
    for (xmlNodePtr tsvd : element_children(usp, detail::k_xades141_ns, "TimeStampValidationData")) holders.push_back(tsvd);
    for (const xmlNode* holder : holders) {
        for (xmlNodePtr cv : element_children(holder, detail::k_xades_ns, "CertificateValues"))
            decode_all(cv, detail::k_xades_ns, "EncapsulatedX509Certificate", c.certificates);
        for (xmlNodePtr rv : element_children(holder, detail::k_xades_ns, "RevocationValues")) {
            for (xmlNodePtr list : element_children(rv, detail::k_xades_ns, "CRLValues"))
                decode_all(list, detail::k_xades_ns, "EncapsulatedCRLValue", c.crls);
            for (xmlNodePtr list : element_children(rv, detail::k_xades_ns, "OCSPValues"))
                decode_all(list, detail::k_xades_ns, "EncapsulatedOCSPValue", c.ocsp);
        }
    }
    return c;
}

// Builds elements in the xades namespace of UnsignedSignatureProperties (in scope below it), in
// xades141 and in ds (declared on the element: the ds prefix of the document may be shadowed).
struct Builder {
    xmlNsPtr xades;
    xmlNodePtr xades_child(xmlNodePtr parent, const char* name, const std::string& text = {}) const {
        xmlNodePtr n = xmlNewChild(parent, xades, xc(name), nullptr);
        if (!text.empty()) xmlNodeAddContent(n, xc(text.c_str()));
        return n;
    }
    static xmlNodePtr own_ns(xmlNodePtr parent, std::string_view uri, const char* prefix, const char* name) {
        xmlNodePtr n = xmlNewChild(parent, nullptr, xc(name), nullptr);
        xmlSetNs(n, xmlNewNs(n, xc(std::string(uri).c_str()), xc(prefix)));
        return n;
    }
    // <ds:CanonicalizationMethod Algorithm="exc-c14n"/> + <xades:EncapsulatedTimeStamp>
    void time_stamp_body(xmlNodePtr ts, const crypto::Bytes& token) const {
        xmlNodePtr method = own_ns(ts, ds_ns, "ds", "CanonicalizationMethod");
        xmlNewProp(method, xc("Algorithm"), xc(std::string(detail::k_exclusive_c14n_uri).c_str()));
        xades_child(ts, "EncapsulatedTimeStamp", crypto::base64_encode(token, 76));
    }
};

bool is_validation_data(const xmlNode* n) {
    return xml::is_element(n, detail::k_xades_ns, "CertificateValues") || xml::is_element(n, detail::k_xades_ns, "RevocationValues") ||
           xml::is_element(n, detail::k_xades141_ns, "ArchiveTimeStamp") ||
           xml::is_element(n, detail::k_xades141_ns, "TimeStampValidationData");
}

// One signature being augmented.
class SignatureAugmentation {
public:
    SignatureAugmentation(const Augmenter::State& state, xmlDocPtr doc, const dsig::IdIndex& ids, xmlNodePtr signature,
                          xmlNodePtr qp)
        : m_state(state), m_doc(doc), m_ids(ids), m_signature(signature), m_qp(qp),
          m_usp(detail::ensure_unsigned_signature_properties(qp)), m_build{m_usp->ns} {}

    Result<void> run() {
        const AugmentLevel to = m_state.options.to;
        if (auto done = add_signature_timestamp(); !done) return done;
        if (to == AugmentLevel::b_t) return {};
        if (auto done = add_long_term_data(); !done) return done;
        if (to == AugmentLevel::b_lt) return {};
        return add_archive_timestamp();
    }

private:
    Result<crypto::Bytes> stamp(const std::string& octets) const {
        auto token = m_state.options.timestamper(
            std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(octets.data()), octets.size()));
        if (!token) return make_error(Errc::unavailable, "the time-stamp could not be had: " + token.error().message);
        return crypto::Bytes(token->begin(), token->end());
    }

    Result<void> add_signature_timestamp() {
        if (!element_children(m_usp, detail::k_xades_ns, "SignatureTimeStamp").empty()) return {};
        std::vector<xmlNodePtr> values = element_children(m_signature, ds_ns, "SignatureValue");
        if (values.empty()) return make_error(Errc::parse_error, "the signature has no SignatureValue");
        auto octets = dsig::compute_signed_info_octets(m_doc, values.front(), *dsig::c14n_from_uri(detail::k_exclusive_c14n_uri));
        if (!octets) return std::move(octets).error();
        auto token = stamp(*octets);
        if (!token) return std::move(token).error();
        xmlNodePtr ts = xmlNewNode(m_usp->ns, xc("SignatureTimeStamp"));
        xmlNodePtr before = nullptr;
        for (xmlNodePtr c = xml::first_element_child(m_usp); c && !before; c = xml::next_element_sibling(c))
            if (is_validation_data(c)) before = c;
        if (before) xmlAddPrevSibling(before, ts);
        else xmlAddChild(m_usp, ts);
        m_build.time_stamp_body(ts, *token);
        return {};
    }

    // Every certificate the signature or the caller has: KeyInfo, CertificateValues, extras.
    std::vector<crypto::Certificate> certificates_at_hand(const Carried& carried) const {
        std::vector<crypto::Certificate> out;
        for (const crypto::Bytes& der : carried.certificates)
            if (auto cert = crypto::Certificate::from_der(der)) out.push_back(std::move(*cert));
        for (const crypto::Certificate& c : m_state.options.long_term.extra_certificates) out.push_back(c);
        return out;
    }

    // The certificate SigningCertificate(V2) names, else KeyInfo's first.
    std::optional<crypto::Certificate> signer(const std::vector<crypto::Certificate>& at_hand) const {
        const xmlNode* sp = nullptr;
        for (xmlNodePtr c : element_children(m_qp, detail::k_xades_ns, "SignedProperties")) sp = c;
        for (xmlNodePtr ssp : element_children(sp, detail::k_xades_ns, "SignedSignatureProperties"))
            for (const char* holder_name : {"SigningCertificateV2", "SigningCertificate"})
                for (xmlNodePtr holder : element_children(ssp, detail::k_xades_ns, holder_name))
                    for (xmlNodePtr cert : element_children(holder, detail::k_xades_ns, "Cert"))
                        for (xmlNodePtr digest : element_children(cert, detail::k_xades_ns, "CertDigest")) {
                            std::string uri;
                            for (xmlNodePtr m : element_children(digest, ds_ns, "DigestMethod")) xml::get_attribute(m, "Algorithm", uri);
                            auto info = dsig::digest_from_uri(uri);
                            std::optional<crypto::Bytes> value;
                            for (xmlNodePtr v : element_children(digest, ds_ns, "DigestValue"))
                                if (auto d = crypto::base64_decode(xml::text_content(v))) value = std::move(*d);
                            if (!info || !value) continue;
                            for (const crypto::Certificate& c : at_hand)
                                if (crypto::digest(info->alg, c.der()) == *value) return c;
                        }
        if (!at_hand.empty()) return at_hand.front();
        return std::nullopt;
    }

    std::vector<crypto::Bytes> tokens_of(std::string_view ns, const char* name) const {
        std::vector<crypto::Bytes> out;
        for (xmlNodePtr ts : element_children(m_usp, ns, name))
            decode_all(ts, detail::k_xades_ns, "EncapsulatedTimeStamp", out);
        return out;
    }

    // CertificateValues and RevocationValues, or (after an ArchiveTimeStamp) a
    // TimeStampValidationData, with what `data` has that the signature does not carry yet.
    void embed(const detail::ValidationData& data, bool into_timestamp_validation_data) {
        const Carried carried = carried_by(m_signature, m_usp);
        std::vector<crypto::Bytes> certs, crls, ocsp;
        for (const crypto::Certificate& c : data.certificates)
            if (!Carried::has(carried.certificates, c.der()) && !Carried::has(certs, c.der())) certs.push_back(c.der());
        for (const crypto::Bytes& c : data.revocation.crls)
            if (!Carried::has(carried.crls, c)) crls.push_back(c);
        for (const crypto::Bytes& r : data.revocation.ocsp_responses)
            if (!Carried::has(carried.ocsp, r)) ocsp.push_back(r);
        if (certs.empty() && crls.empty() && ocsp.empty()) return;
        xmlNodePtr holder = m_usp;
        if (into_timestamp_validation_data)
            holder = Builder::own_ns(m_usp, detail::k_xades141_ns, "xades141", "TimeStampValidationData");
        if (!certs.empty()) {
            std::vector<xmlNodePtr> existing = element_children(holder, detail::k_xades_ns, "CertificateValues");
            xmlNodePtr cv = existing.empty() ? m_build.xades_child(holder, "CertificateValues") : existing.front();
            for (const crypto::Bytes& der : certs) m_build.xades_child(cv, "EncapsulatedX509Certificate", crypto::base64_encode(der, 76));
        }
        if (!crls.empty() || !ocsp.empty()) {
            std::vector<xmlNodePtr> existing = element_children(holder, detail::k_xades_ns, "RevocationValues");
            xmlNodePtr rv = existing.empty() ? m_build.xades_child(holder, "RevocationValues") : existing.front();
            const auto list = [&](const char* list_name, const char* item, const std::vector<crypto::Bytes>& values) {
                if (values.empty()) return;
                std::vector<xmlNodePtr> lists = element_children(rv, detail::k_xades_ns, list_name);
                xmlNodePtr l = lists.empty() ? m_build.xades_child(rv, list_name) : lists.front();
                for (const crypto::Bytes& der : values) m_build.xades_child(l, item, crypto::base64_encode(der, 76));
            };
            list("CRLValues", "EncapsulatedCRLValue", crls);
            list("OCSPValues", "EncapsulatedOCSPValue", ocsp);
        }
    }

    Result<void> add_long_term_data() {
        const std::vector<crypto::Certificate> at_hand = certificates_at_hand(carried_by(m_signature, m_usp));
        const std::optional<crypto::Certificate> signer_cert = signer(at_hand);
        if (!signer_cert) return make_error(Errc::invalid_argument, "the signature carries no signer certificate");
        detail::ValidationData data;
        const Carried carried = carried_by(m_signature, m_usp);
        data.known.crls = carried.crls;
        data.known.ocsp_responses = carried.ocsp;
        if (auto done = m_state.collector.add_signer_path(*signer_cert, at_hand, data); !done) return done;
        for (const crypto::Bytes& token : tokens_of(detail::k_xades_ns, "SignatureTimeStamp"))
            if (auto done = m_state.collector.add_tsa_path(token, data); !done) return done;
        const bool archived = !element_children(m_usp, detail::k_xades141_ns, "ArchiveTimeStamp").empty();
        embed(data, archived);
        return {};
    }

    Result<void> add_archive_timestamp() {
        // Renewal: the validation data of the last archive time-stamp's TSA, before the new one
        // covers it.
        std::vector<crypto::Bytes> archives = tokens_of(detail::k_xades141_ns, "ArchiveTimeStamp");
        if (!archives.empty()) {
            detail::ValidationData data;
            const Carried carried = carried_by(m_signature, m_usp);
            data.known.crls = carried.crls;
            data.known.ocsp_responses = carried.ocsp;
            if (auto done = m_state.collector.add_tsa_path(archives.back(), data); !done) return done;
            embed(data, true);
        }
        auto octets = detail::archive_timestamp_input(m_doc, m_ids, m_signature, nullptr,
                                                      *dsig::c14n_from_uri(detail::k_exclusive_c14n_uri), 8);
        if (!octets) return make_error(Errc::invalid_argument, "the ArchiveTimeStamp input cannot be computed: " + octets.error().message);
        auto token = stamp(*octets);
        if (!token) return std::move(token).error();
        xmlNodePtr ats = Builder::own_ns(m_usp, detail::k_xades141_ns, "xades141", "ArchiveTimeStamp");
        m_build.time_stamp_body(ats, *token);
        return {};
    }

    const Augmenter::State& m_state;
    xmlDocPtr m_doc;
    const dsig::IdIndex& m_ids;
    xmlNodePtr m_signature;
    xmlNodePtr m_qp;
    xmlNodePtr m_usp;
    Builder m_build;
};

// The signatures to augment: the one with the Id asked for, else every XAdES signature that is
// not a counter-signature.
std::vector<xmlNodePtr> targets(xmlDocPtr doc, const std::string& id) {
    std::vector<xmlNodePtr> out;
    xml::for_each_element(doc, [&](const xmlNode* n) {
        if (!xml::is_element(n, ds_ns, "Signature")) return xml::Walk::descend;
        std::string own;
        xml::get_attribute(n, "Id", own);
        const bool wanted = id.empty() ? !detail::inside_counter_signature(n) : own == id;
        if (wanted && detail::find_qualifying_properties(n)) out.push_back(const_cast<xmlNodePtr>(n));
        return xml::Walk::descend;
    });
    return out;
}

}  // namespace

Result<Augmenter> Augmenter::create(AugmentOptions options) {
    if (!options.timestamper) return make_error(Errc::invalid_argument, "augmenting needs a timestamp authority (timestamper)");
    auto collector = detail::ValidationDataCollector::create(options.long_term);
    if (!collector) return std::move(collector).error();
    return Augmenter(std::make_shared<const State>(State{std::move(options), std::move(*collector)}));
}

Result<std::string> Augmenter::augment(std::string_view input) const {
    try {
        auto parsed = xml::XmlDocument::parse(input);
        if (!parsed) return std::move(parsed).error();
        xmlDocPtr doc = xml::get(*parsed);
        const std::vector<xmlNodePtr> signatures = targets(doc, m_state->options.signature_id);
        if (signatures.empty())
            return make_error(Errc::invalid_argument, m_state->options.signature_id.empty()
                                                          ? "the document has no XAdES signature to augment"
                                                          : "no XAdES signature with Id \"" + m_state->options.signature_id + "\"");
        const dsig::IdIndex ids = dsig::build_id_index(doc);
        for (xmlNodePtr signature : signatures) {
            SignatureAugmentation one(*m_state, doc, ids, signature, detail::find_qualifying_properties(signature));
            if (auto done = one.run(); !done) return std::move(done).error();
        }
        if (auto text = xml::serialize_utf8(doc)) return std::move(*text);
        return make_error(Errc::internal, "cannot serialize the augmented document");
    } catch (const std::bad_alloc&) {
        return make_error(Errc::limit_exceeded, "out of memory while augmenting");
    }
}

}  // namespace istmo::xades
