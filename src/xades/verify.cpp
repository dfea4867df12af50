#include <istmo/xades/xades.hpp>
#include <istmo/tsa/timestamp.hpp>

#include "core/time_math.hpp"
#include "crypto/native.hpp"
#include "dsig/algorithms.hpp"
#include "dsig/signature_value.hpp"
#include "dsig/status_source.hpp"
#include "dsig/time_format.hpp"
#include "dsig/verify_steps.hpp"
#include "dsig/verify_parsed.hpp"
#include "xades/long_term.hpp"
#include "xades/verify_parsed.hpp"
#include "xades/xades_internal.hpp"
#include "xml/document_impl.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

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

// The value of an unqualified attribute without copying it: a view of the single text node
// that holds it, or (entity references, several nodes) of `scratch`, filled as
// xml::get_attribute would fill it. Empty when the attribute is absent.
std::string_view attribute_view(const xmlNode* node, const char* name, std::string& scratch) {
    if (!node || node->type != XML_ELEMENT_NODE) return {};
    for (const xmlAttr* a = node->properties; a; a = a->next) {
        if (a->ns || std::strcmp(reinterpret_cast<const char*>(a->name), name) != 0) continue;
        const xmlNode* t = a->children;
        if (!t) return {};
        if (t->type == XML_TEXT_NODE && !t->next) return xml::sv(t->content);
        scratch.clear();
        xml::get_attribute(node, name, scratch);
        return scratch;
    }
    return {};
}

// The text content of an element without copying it when it is one text node (the usual
// case); otherwise xml::text_content into `scratch`.
std::string_view text_view(const xmlNode* node, std::string& scratch) {
    if (!node) return {};
    const xmlNode* t = node->children;
    if (node->type == XML_ELEMENT_NODE && t && t->type == XML_TEXT_NODE && !t->next) return xml::sv(t->content);
    scratch = xml::text_content(node);
    return scratch;
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
// The local name is compared first, from its first letter (both names compared here start
// with 'S', few others do), the namespace only on a match.
void count_elements(const xmlNode* node, std::string_view ns, const char* name, std::size_t& count) {
    for (const xmlNode* c = node ? node->children : nullptr; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        const char* local = reinterpret_cast<const char*>(c->name);
        if (local[0] != name[0] && local[0] != 'S') {
            if (c->children) count_elements(c, ns, name, count);
            continue;
        }
        if (std::strcmp(local, name) == 0 && xml::is_element(c, ns, name)) ++count;
        if (std::strcmp(local, "Signature") == 0 && xml::is_element(c, ds_ns, "Signature")) continue;
        if (c->children) count_elements(c, ns, name, count);
    }
}

constexpr std::string_view k_countersigned_type = "http://uri.etsi.org/01903#CountersignedSignature";

bool equal_ignoring_ascii_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// The element a same-document "#id" reference URI points at, or null.
// One signature as the XAdES steps see it: dsig's typed view, and where findings go.
struct Ctx {
    const dsig::SignatureView& view;
    dsig::StepRecord& record;

    void fail(const char* code, std::string message, Indication indication, SubIndication sub) {
        record.fail(code, std::move(message), indication, sub);
    }
    void note(const char* code, Severity severity, std::string message) { record.note(code, severity, std::move(message)); }
    [[nodiscard]] dsig::SignatureResult& result() { return record.result(); }
    [[nodiscard]] const crypto::Certificate* signer() const { return view.signer ? &view.signer->certificate : nullptr; }
    [[nodiscard]] const crypto::Bytes* signer_sha256() const { return view.signer ? &view.signer->sha256 : nullptr; }
    [[nodiscard]] const dsig::CertificateSummary* signer_summary() const {
        return view.signer ? &view.signer->summary : nullptr;
    }
};

const xmlNode* referenced_element(Ctx& ctx, std::string_view uri) {
    if (uri.size() < 2 || uri[0] != '#') return nullptr;
    auto it = ctx.view.ids->elements.find(std::string(uri.substr(1)));
    return it == ctx.view.ids->elements.end() ? nullptr : it->second;
}

// One ds:Reference of SignedInfo, read once for all the checks below. The views point into
// the document, or into the storage strings when an attribute is not a single text node.
struct ReferenceView {
    std::string_view uri;
    std::string_view type;
    const xmlNode* target = nullptr;  // same-document "#id" target, or null
    std::string uri_storage;
    std::string type_storage;
};

// What XAdES needs of a signer certificate beyond the verifier's own cache, derived once per
// certificate: the DER of IssuerSerial (IssuerSerialV2) and the validity period, plus the
// canonical base64 of that DER and of the certificate's SHA-256, which let the usual
// (canonically encoded) CertDigest and IssuerSerialV2 texts match without decoding them.
struct SignerFacts {
    crypto::Bytes issuer_serial_der;
    crypto::TimePoint not_before;
    crypto::TimePoint not_after;
    std::string issuer_serial_base64;
    std::string sha256_base64;
};

using Sha256Key = std::array<std::uint8_t, 32>;
struct Sha256KeyHash {
    std::size_t operator()(const Sha256Key& k) const noexcept {
        std::size_t h = 0;
        std::memcpy(&h, k.data(), sizeof h);  // already a uniform hash
        return h;
    }
};

// Per-certificate facts keyed by the SHA-256 of the DER, shared by all threads of a Verifier.
class SignerFactsCache {
public:
    std::shared_ptr<const SignerFacts> get(const crypto::Certificate& cert, const crypto::Bytes& sha256) const {
        Sha256Key key{};
        if (sha256.size() != key.size()) return make(cert, sha256);
        std::copy(sha256.begin(), sha256.end(), key.begin());
        {
            std::shared_lock lock(m_mutex);
            auto it = m_facts.find(key);
            if (it != m_facts.end()) return it->second;
        }
        auto facts = make(cert, sha256);
        std::unique_lock lock(m_mutex);
        if (m_facts.size() >= k_capacity) m_facts.clear();
        m_facts.emplace(key, facts);
        return facts;
    }

private:
    static constexpr std::size_t k_capacity = 4096;
    static std::shared_ptr<const SignerFacts> make(const crypto::Certificate& cert, const crypto::Bytes& sha256) {
        auto facts = std::make_shared<SignerFacts>();
        facts->issuer_serial_der = detail::issuer_serial_der(cert);
        facts->not_before = cert.not_before();
        facts->not_after = cert.not_after();
        if (!facts->issuer_serial_der.empty()) facts->issuer_serial_base64 = crypto::base64_encode(facts->issuer_serial_der);
        facts->sha256_base64 = crypto::base64_encode(sha256);
        return facts;
    }
    mutable std::shared_mutex m_mutex;
    mutable std::unordered_map<Sha256Key, std::shared_ptr<const SignerFacts>, Sha256KeyHash> m_facts;
};

class XadesProfile;

// What the XAdES steps share while they check one signature.
struct XadesRun final : dsig::ProfileRun {
    explicit XadesRun(const XadesProfile& owner) : profile(owner) {}
    const XadesProfile& profile;
    std::vector<ReferenceView> refs;
    const xmlNode* qp = nullptr;   // QualifyingProperties
    const xmlNode* sp = nullptr;   // SignedProperties
    const xmlNode* ssp = nullptr;  // SignedSignatureProperties (may be null)
    std::shared_ptr<const SignerFacts> facts;  // of the signer certificate, when there is one
    std::optional<crypto::TimePoint> signing_time;
    dsig::SignatureLevel level{dsig::SignatureLevel::Form::b_b};
    const xmlNode* usp = nullptr;  // UnsignedSignatureProperties (may be null)
    bool long_term_data = false;   // CertificateValues or RevocationValues present
    std::vector<std::string_view> reference_octets;  // the references' digested data (archive time-stamps)
};

// The sub-indication of a signature time-stamp that failed on `code` (its first error), the one
// the same trouble gives the signer's certificate: an untrusted TSA is NO_CERTIFICATE_CHAIN_FOUND,
// a revoked TSA certificate REVOKED_NO_POE (a revoked CA of its chain REVOKED_CA_NO_POE), a
// status that could not be had TRY_LATER.
SubIndication timestamp_sub_indication(std::string_view code) {
    if (code == "TSA-CERT-UNTRUSTED") return SubIndication::no_certificate_chain_found;
    if (code == "TSA-CERT-REVOKED") return SubIndication::revoked_no_poe;
    if (code == "TSA-CERT-CA-REVOKED") return SubIndication::revoked_ca_no_poe;
    if (code == "TSA-CERT-REVOCATION-UNKNOWN" || code == "TSA-CERT-REVOCATION-UNAVAILABLE")
        return SubIndication::try_later;
    return SubIndication::sig_constraints_failure;
}

// XAdES (ETSI EN 319 132-1) as named steps after dsig's: signed properties, signing
// certificate, signing time, signed attributes, signature time-stamps (the best-signature-time).
class XadesProfile final : public dsig::VerifyProfile {
public:
    explicit XadesProfile(VerifyOptions options) : m_options(std::move(options)), m_tsa(tsa_options(m_options)) {}

    [[nodiscard]] std::span<const dsig::ProfileStep> steps() const override;
    [[nodiscard]] std::unique_ptr<dsig::ProfileRun> start() const override { return std::make_unique<XadesRun>(*this); }
    [[nodiscard]] bool is_own_object_data(const xmlNode* target) const override {
        return xml::is_element(target, k_xades_ns, "SignedProperties");
    }

    [[nodiscard]] dsig::SignerClues signer_clues(const xmlNode* signature, const dsig::VerifyOptions& options) const override;

    // ---- the steps, in the order of steps(); false: the later steps do not apply
    bool reference_targets(XadesRun& run, Ctx& ctx) const {
        run.refs = read_references(ctx);
        check_reference_targets(ctx, run.refs);
        return true;
    }
    // A signature without XAdES 1.3.2+ QualifyingProperties is plain XMLDSig: no later step.
    bool find_qualifying_properties(XadesRun& run, Ctx& ctx) const {
        run.qp = qualifying_properties(ctx);
        return run.qp != nullptr;
    }
    bool find_signed_properties(XadesRun& run, Ctx& ctx) const {
        run.sp = signed_properties(ctx, run.qp, run.refs);
        if (!run.sp) return false;
        run.ssp = child(run.sp, k_xades_ns, "SignedSignatureProperties");
        return true;
    }
    bool signing_certificate(XadesRun& run, Ctx& ctx) const;
    bool signing_time(XadesRun& run, Ctx& ctx) const;
    bool signed_attributes(XadesRun& run, Ctx& ctx) const;
    bool signature_time_stamps(XadesRun& run, Ctx& ctx) const;
    bool revocation_values(XadesRun& run, Ctx& ctx) const;
    bool archive_time_stamps(XadesRun& run, Ctx& ctx) const;
    bool level(XadesRun& run, Ctx& ctx) const;

private:
    // SignedInfo's references, read once (URI, Type, target) for every check below. The
    // vector never reallocates after the reserve, so views into its storage stay valid.
    static std::vector<ReferenceView> read_references(Ctx& ctx) {
        std::vector<ReferenceView> refs;
        refs.reserve(ctx.view.references.size());
        for (const xmlNode* ref : ctx.view.references) {
            ReferenceView& r = refs.emplace_back();
            r.uri = attribute_view(ref, "URI", r.uri_storage);
            r.type = attribute_view(ref, "Type", r.type_storage);
            r.target = referenced_element(ctx, r.uri);
        }
        return refs;
    }

    static void check_reference_targets(Ctx& ctx, const std::vector<ReferenceView>& refs) {
        // ---- signature wrapping: a ds:Object only belongs directly under a ds:Signature. A
        // reference to a ds:Object hidden elsewhere (inside another Object's content), or to
        // data inside such an Object (a signed ds:Manifest moved there, an unsigned decoy in its
        // place), signs data that a reader of the signature does not see as its content.
        for (const ReferenceView& r : refs) {
            const xmlNode* target = r.target;
            if (target && xml::is_element(target, ds_ns, "Object") && !directly_under_signature(target))
                ctx.fail("XADES-OBJECT-WRAPPED",
                         "Reference URI=\"" + std::string(r.uri) + "\" points at a ds:Object that is not a child of a ds:Signature (signature wrapping)",
                         Indication::indeterminate, SubIndication::signed_data_not_found);
            else if (target && inside_nested_object(target))
                ctx.fail("XADES-OBJECT-WRAPPED",
                         "Reference URI=\"" + std::string(r.uri) + "\" points into a ds:Object nested in another ds:Object's content (signature wrapping)",
                         Indication::indeterminate, SubIndication::signed_data_not_found);
        }
        check_countersigned_target(ctx, refs);
    }

    static bool directly_under_signature(const xmlNode* object) {
        return object->parent && object->parent->type == XML_ELEMENT_NODE && xml::is_element(object->parent, ds_ns, "Signature");
    }
    // True when an ancestor of `node` is a ds:Object that is not a child of a ds:Signature (up to
    // the nearest ds:Signature).
    static bool inside_nested_object(const xmlNode* node) {
        for (const xmlNode* n = node->parent; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
            if (xml::is_element(n, ds_ns, "Signature")) return false;
            if (xml::is_element(n, ds_ns, "Object") && !directly_under_signature(n)) return true;
        }
        return false;
    }

    // A counter-signature must sign its parent's SignatureValue. A reference to it without the
    // CountersignedSignature Type (xades4j's output until 2012) is accepted with a warning: the
    // digest was checked like any other reference's.
    static void check_countersigned_target(Ctx& ctx, const std::vector<ReferenceView>& refs) {
        if (!ctx.view.signature->parent || !xml::is_element(ctx.view.signature->parent, k_xades_ns, "CounterSignature")) return;
        const xmlNode* parent = ctx.view.signature->parent;
        while (parent && !(parent->type == XML_ELEMENT_NODE && xml::is_element(parent, ds_ns, "Signature"))) parent = parent->parent;
        // Reported as its own signature, linked to the one it counter-signs.
        ctx.result().counter_signature = true;
        if (parent) ctx.result().countersigns = attribute(parent, "Id");
        const xmlNode* parent_value = parent ? child(parent, ds_ns, "SignatureValue") : nullptr;
        bool covers_parent = false;
        bool covers_parent_untyped = false;
        for (const ReferenceView& r : refs) {
            if (!parent_value || r.target != parent_value) continue;
            covers_parent = covers_parent || r.type == k_countersigned_type;
            covers_parent_untyped = covers_parent_untyped || r.type.empty();
        }
        if (covers_parent) return;
        if (covers_parent_untyped)
            ctx.note("XADES-COUNTERSIG-TYPE-MISSING", Severity::warning,
                     "the counter-signature's reference to its parent's ds:SignatureValue has no Type attribute (expected " +
                         std::string(k_countersigned_type) + "); accepted");
        else
            ctx.fail("XADES-COUNTERSIG-TARGET",
                     "the counter-signature has no CountersignedSignature reference to its parent's ds:SignatureValue",
                     Indication::total_failed, SubIndication::hash_failure);
    }

    // The signature's one xades:QualifyingProperties naming it, or null (then either there is
    // none, a plain XMLDSig signature, or the failure is recorded).
    static const xmlNode* qualifying_properties(Ctx& ctx) {
        // ---- locate QualifyingProperties
        const xmlNode* qp = nullptr;
        std::size_t qp_count = 0;
        bool other_version = false;
        for (const xmlNode* object = xml::first_element_child(ctx.view.signature); object; object = xml::next_element_sibling(object)) {
            if (!xml::is_element(object, ds_ns, "Object")) continue;
            for (const xmlNode* c = xml::first_element_child(object); c; c = xml::next_element_sibling(c)) {
                if (xml::is_element(c, k_xades_ns, "QualifyingProperties")) {
                    if (qp_count++ == 0) qp = c;
                } else if (xml::is_element(c, detail::k_xades111_ns, "QualifyingProperties")) {
                    other_version = true;
                }
            }
        }
        if (qp_count == 0) {
            if (other_version)
                ctx.note("XADES-VERSION-UNSUPPORTED", Severity::warning,
                         "XAdES 1.1.1 QualifyingProperties are not validated; only XMLDSig core was checked");
            return nullptr;
        }
        if (qp_count > 1) {
            ctx.fail("XADES-QP-COUNT", "more than one xades:QualifyingProperties in the signature",
                     Indication::total_failed, SubIndication::format_failure);
            return nullptr;
        }
        std::string signature_id_scratch, target_scratch;
        const std::string_view signature_id = attribute_view(ctx.view.signature, "Id", signature_id_scratch);
        const std::string_view qp_target = attribute_view(qp, "Target", target_scratch);
        const std::string_view named = !qp_target.empty() && qp_target[0] == '#' ? qp_target.substr(1) : std::string_view();
        if (signature_id.empty() || named != signature_id) {
            // Interop leniency (EU DSS accepts it too): a Target that differs from the Id only in
            // letter case, and names no element of the document itself, still means this
            // signature. Anything else is a mismatch.
            const bool case_only = !signature_id.empty() && equal_ignoring_ascii_case(named, signature_id) &&
                                   ctx.view.ids->elements.find(std::string(named)) == ctx.view.ids->elements.end();
            if (case_only)
                ctx.note("XADES-TARGET-CASE", Severity::warning,
                         "QualifyingProperties Target \"" + std::string(qp_target) + "\" names this signature (Id \"" +
                             std::string(signature_id) + "\") only when letter case is ignored; accepted");
            else
                ctx.fail("XADES-TARGET-MISMATCH", "QualifyingProperties Target \"" + std::string(qp_target) +
                             "\" does not name this signature (Id \"" + std::string(signature_id) + "\")",
                         Indication::total_failed, SubIndication::format_failure);
        }

        return qp;
    }

    // xades:SignedProperties: exactly one, signed exactly once with the right Type; or null
    // (the failure recorded).
    static const xmlNode* signed_properties(Ctx& ctx, const xmlNode* qp, const std::vector<ReferenceView>& refs) {
        std::size_t sp_total = 0;
        count_elements(ctx.view.signature, k_xades_ns, "SignedProperties", sp_total);
        const xmlNode* sp = child(qp, k_xades_ns, "SignedProperties");
        if (!sp || sp_total != 1) {
            ctx.fail("XADES-SP-COUNT", "the signature must hold exactly one xades:SignedProperties, found " + std::to_string(sp_total),
                     Indication::total_failed, SubIndication::format_failure);
            return nullptr;
        }
        std::size_t signing_refs = 0;
        std::string_view sp_type;
        for (const ReferenceView& r : refs) {
            if (r.target != sp) continue;
            ++signing_refs;
            sp_type = r.type;
        }
        if (signing_refs == 0) {
            ctx.fail("XADES-SP-NOT-SIGNED", "xades:SignedProperties is not referenced from SignedInfo: its content is not signed",
                     Indication::total_failed, SubIndication::format_failure);
            return nullptr;
        }
        if (signing_refs > 1)
            ctx.fail("XADES-SP-MULTIPLE", "xades:SignedProperties is referenced more than once", Indication::total_failed,
                     SubIndication::format_failure);
        if (sp_type != k_signed_properties_type)
            ctx.fail("XADES-SP-TYPE", "the SignedProperties reference has Type \"" + std::string(sp_type) + "\", expected " +
                         k_signed_properties_type,
                     Indication::total_failed, SubIndication::format_failure);

        return sp;
    }

    // facts: the cached IssuerSerial DER and validity of ctx.signer() (null when there is none).
    void check_signing_certificate(Ctx& ctx, const xmlNode* ssp, const SignerFacts* facts) const {
        const xmlNode* v2 = child(ssp, k_xades_ns, "SigningCertificateV2");
        const xmlNode* v1 = child(ssp, k_xades_ns, "SigningCertificate");
        const xmlNode* holder = v2 ? v2 : v1;
        if (!holder)
            return ctx.fail("XADES-SIGNING-CERT-MISSING", "no SigningCertificate(V2): the signer is not bound to the signature",
                            Indication::indeterminate, SubIndication::no_signing_certificate_found);
        if (!ctx.signer() || !facts)
            return ctx.fail("XADES-SIGNING-CERT-MISSING", "the signature carries no certificate to match SigningCertificate",
                            Indication::indeterminate, SubIndication::no_signing_certificate_found);
        if (!v2) ctx.note("XADES-SIGNING-CERT-V1", Severity::warning, "legacy SigningCertificate (v1) is used");
        std::string scratch;
        const xmlNode* matched = nullptr;
        bool legacy_refused = false;  // a SHA-1 CertDigest of V2 names the signer, without legacy mode
        for (const xmlNode* cert = xml::first_element_child(holder); cert; cert = xml::next_element_sibling(cert)) {
            if (!xml::is_element(cert, k_xades_ns, "Cert")) continue;
            const xmlNode* digest = child(cert, k_xades_ns, "CertDigest");
            auto info = dsig::digest_from_uri(attribute_view(child(digest, ds_ns, "DigestMethod"), "Algorithm", scratch));
            if (!info || info->status == dsig::AlgorithmStatus::forbidden) continue;
            if (info->status == dsig::AlgorithmStatus::legacy && v2 && !ctx.view.options->allow_legacy) {
                const std::string_view text = text_view(child(digest, ds_ns, "DigestValue"), scratch);
                if (base64_too_large(ctx, text, "CertDigest/DigestValue")) return;
                auto value = crypto::base64_decode(text);
                legacy_refused = legacy_refused || (value && crypto::digest(info->alg, ctx.signer()->der()) == *value);
                continue;
            }
            const std::string_view text = text_view(child(digest, ds_ns, "DigestValue"), scratch);
            // The canonical base64 of the cached SHA-256: equal text, equal bytes.
            if (info->alg == crypto::DigestAlg::sha256 && text == facts->sha256_base64) {
                matched = cert;
                break;
            }
            if (base64_too_large(ctx, text, "CertDigest/DigestValue")) return;
            auto value = crypto::base64_decode(text);
            if (!value) continue;
            // SHA-256 of the DER is what the verifier keys its certificate cache by: not
            // computed again. Other digest algorithms are computed here.
            const bool same = info->alg == crypto::DigestAlg::sha256 && ctx.signer_sha256()
                                  ? *ctx.signer_sha256() == *value
                                  : crypto::digest(info->alg, ctx.signer()->der()) == *value;
            if (same) {
                matched = cert;
                if (v2 && info->status == dsig::AlgorithmStatus::legacy)
                    ctx.note("DSIG-ALG-WEAK", Severity::warning, "SigningCertificateV2 CertDigest uses SHA-1 (accepted as legacy)");
                break;
            }
        }
        if (!matched && legacy_refused)
            return ctx.fail("DSIG-ALG-LEGACY-REFUSED",
                            "SigningCertificateV2 names the signer's certificate only by a SHA-1 CertDigest; enable legacy mode to accept it",
                            Indication::indeterminate, SubIndication::crypto_constraints_failure);
        if (!matched)
            return ctx.fail("XADES-SIGNING-CERT-DIGEST",
                            "no CertDigest in SigningCertificate matches the certificate that verified the signature",
                            Indication::indeterminate, SubIndication::no_signing_certificate_found);
        if (const xmlNode* isv2 = child(matched, k_xades_ns, "IssuerSerialV2")) {
            const std::string_view text = text_view(isv2, scratch);
            if (base64_too_large(ctx, text, "IssuerSerialV2")) return;
            // The canonical base64 of the cached DER matches without decoding; any other text
            // is decoded and compared.
            auto decoded_matches = [&] {
                auto der = crypto::base64_decode(text);
                return der && *der == facts->issuer_serial_der;
            };
            const bool describes_signer =
                !facts->issuer_serial_der.empty() && (text == facts->issuer_serial_base64 || decoded_matches());
            if (!describes_signer)
                ctx.note("XADES-ISSUER-SERIAL-MISMATCH", Severity::warning,
                         "IssuerSerialV2 does not describe the signing certificate");
        }
        if (const xmlNode* is = child(matched, k_xades_ns, "IssuerSerial")) {
            const std::string serial = trimmed(xml::text_content(child(is, ds_ns, "X509SerialNumber")));
            const std::string issuer = xml::text_content(child(is, ds_ns, "X509IssuerName"));
            bool integer = !serial.empty();
            for (std::size_t i = 0; i < serial.size(); ++i)
                integer = integer && (std::isdigit(static_cast<unsigned char>(serial[i])) || (i == 0 && serial[i] == '-'));
            // The verifier's summary holds the same serial_decimal() and issuer() strings.
            const std::string signer_serial = ctx.signer_summary() ? ctx.signer_summary()->serial : ctx.signer()->serial_decimal();
            const std::string signer_issuer = ctx.signer_summary() ? ctx.signer_summary()->issuer : ctx.signer()->issuer();
            if (!integer)  // xs:integer in the schema: a malformed signed property, not a mismatch
                ctx.fail("XADES-ISSUER-SERIAL-INVALID", "IssuerSerial X509SerialNumber \"" + serial + "\" is not an integer",
                         Indication::total_failed, SubIndication::format_failure);
            else if (serial != signer_serial || normalized_dn(issuer) != normalized_dn(signer_issuer))
                ctx.note("XADES-ISSUER-SERIAL-MISMATCH", Severity::warning,
                         "IssuerSerial does not describe the signing certificate");
        }
    }
    // Base64 in a qualifying property is refused by its length before it is decoded
    // (dsig::VerifyOptions::max_base64_bytes), as the XMLDSig core does for its own values.
    static bool base64_too_large(Ctx& ctx, std::string_view text, const char* what) {
        if (text.size() <= ctx.view.options->max_base64_bytes) return false;
        ctx.fail("DSIG-BASE64-TOO-LARGE",
                 std::string(what) + " holds " + std::to_string(text.size()) + " characters of base64, more than the limit of " +
                     std::to_string(ctx.view.options->max_base64_bytes),
                 Indication::total_failed, SubIndication::format_failure);
        return true;
    }

    void check_policy(Ctx& ctx, const xmlNode* spid) const {
        std::string identifier = trimmed(xml::text_content(child(child(spid, k_xades_ns, "SigPolicyId"), k_xades_ns, "Identifier")));
        dsig::SignaturePolicy& policy = ctx.result().properties.policy.emplace();
        policy.id = identifier;
        policy.uri = trimmed(xml::text_content(child(child(child(spid, k_xades_ns, "SigPolicyQualifiers"), k_xades_ns, "SigPolicyQualifier"), k_xades_ns, "SPURI")));
        std::string key = identifier.rfind("urn:oid:", 0) == 0 ? identifier.substr(8) : identifier;
        auto doc = m_options.policy_documents.find(key);
        if (doc == m_options.policy_documents.end()) doc = m_options.policy_documents.find(identifier);
        if (doc == m_options.policy_documents.end()) {
            ctx.note("XADES-POLICY-NOT-CHECKED", Severity::info, "the policy document was not supplied: its digest was not checked");
            return;
        }
        const xmlNode* hash = child(spid, k_xades_ns, "SigPolicyHash");
        auto info = dsig::digest_from_uri(attribute(child(hash, ds_ns, "DigestMethod"), "Algorithm"));
        const std::string hash_text = xml::text_content(child(hash, ds_ns, "DigestValue"));
        if (base64_too_large(ctx, hash_text, "SigPolicyHash/DigestValue")) return;
        auto value = crypto::base64_decode(hash_text);
        policy.digest_ok = false;
        if (!info || info->status == dsig::AlgorithmStatus::forbidden || !value)
            return ctx.fail("XADES-POLICY-HASH", "SigPolicyHash is missing or unusable", Indication::indeterminate,
                            SubIndication::policy_processing_error);
        policy.digest_ok = crypto::digest(info->alg, doc->second) == *value;
        if (!*policy.digest_ok)
            ctx.fail("XADES-POLICY-HASH", "the policy document's digest differs from SigPolicyHash",
                     Indication::indeterminate, SubIndication::policy_processing_error);
    }

    // foreign: set when the time-stamp covers other data than this signature's value.
    std::optional<crypto::TimePoint> check_timestamp(Ctx& ctx, const xmlNode* ts, const std::optional<crypto::TimePoint>& signing_time,
                                                     bool& foreign) const {
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
        const std::string token_text = xml::text_content(child(ts, k_xades_ns, "EncapsulatedTimeStamp"));
        if (base64_too_large(ctx, token_text, "EncapsulatedTimeStamp")) return std::nullopt;
        auto token = crypto::base64_decode(token_text);
        const xmlNode* value_node = child(ctx.view.signature, ds_ns, "SignatureValue");
        auto octets = dsig::compute_signed_info_octets(ctx.view.doc, value_node, method);
        if (!token || !octets) {
            ctx.fail("XADES-TS-INVALID", "SignatureTimeStamp has no readable EncapsulatedTimeStamp", Indication::total_failed,
                     SubIndication::format_failure);
            return std::nullopt;
        }
        tsa::TokenExpectations expect;
        expect.data = crypto::Bytes(octets->begin(), octets->end());
        // The signature's RevocationValues may hold the TSA's CRLs / OCSP responses too.
        expect.revocation_evidence = ctx.record.revocation_evidence;
        tsa::TokenVerification v = m_tsa.verify_token(*token, expect);
        dsig::TimestampResult& stamp = ctx.result().timestamps.emplace_back();
        describe_token(stamp, v);
        const report::Finding* other_data = v.valid() ? nullptr : imprint_mismatch(v);
        foreign = other_data != nullptr;
        if (foreign) {
            // Not a time-stamp of this signature (copied from another, or over other bytes): it
            // proves nothing about it, and anyone can append one, so it cannot fail the signature
            // either (EN 319 102-1 §5.5 leaves a failed time-stamp out of the proofs of existence).
            stamp.indication = Indication::total_failed;
            stamp.sub_indication = SubIndication::hash_failure;
            ctx.note("XADES-TS-IMPRINT", Severity::warning,
                     "a SignatureTimeStamp does not cover this signature's ds:SignatureValue and is ignored (no proof of "
                     "existence): " + other_data->code + ": " + other_data->message);
            return std::nullopt;
        }
        if (!v.valid()) {
            const report::Finding* first = v.first_error();
            const bool imprint = first && first->code == "TSA-IMPRINT-MISMATCH";
            stamp.indication = imprint ? Indication::total_failed : Indication::indeterminate;
            stamp.sub_indication = imprint ? SubIndication::hash_failure
                                           : timestamp_sub_indication(first ? first->code : std::string_view());
            ctx.fail(imprint ? "XADES-TS-IMPRINT" : "XADES-TS-INVALID", "SignatureTimeStamp: " + v.summary(),
                     stamp.indication, stamp.sub_indication);
            return std::nullopt;
        }
        if (signing_time && core::time_math::exceeds(*signing_time, v.info.gen_time, std::chrono::minutes(5)))
            ctx.fail("XADES-SIGNING-TIME-AFTER-TS", "SigningTime is later than the signature timestamp's genTime",
                     Indication::indeterminate, SubIndication::sig_constraints_failure);
        return v.info.gen_time;
    }

    void check_archive_timestamp(Ctx& ctx, XadesRun& run, const xmlNode* ats) const {
        dsig::TimestampResult& stamp = ctx.result().timestamps.emplace_back();
        stamp.type = "ArchiveTimeStamp";
        const auto broken = [&](const char* code, std::string message, Indication indication, SubIndication sub) {
            stamp.indication = indication;
            stamp.sub_indication = sub;
            ctx.fail(code, "ArchiveTimeStamp: " + message, indication, sub);
        };
        xml::C14nMethod method;  // inclusive C14N 1.0 when the property names none
        if (const xmlNode* cm = child(ats, ds_ns, "CanonicalizationMethod")) {
            auto named = dsig::c14n_from_uri(attribute(cm, "Algorithm"));
            if (!named) return broken("XADES-ARCHIVE-TS-INVALID", "unknown canonicalization method", Indication::total_failed,
                                      SubIndication::format_failure);
            method = *named;
        }
        const std::string token_text = xml::text_content(child(ats, k_xades_ns, "EncapsulatedTimeStamp"));
        if (base64_too_large(ctx, token_text, "EncapsulatedTimeStamp")) return;
        auto token = crypto::base64_decode(token_text);
        if (!token || token->empty())
            return broken("XADES-ARCHIVE-TS-INVALID", "no readable EncapsulatedTimeStamp", Indication::total_failed,
                          SubIndication::format_failure);
        const dsig::DetachedContent detached = ctx.view.options->detached_content
                                                   ? dsig::DetachedContent(ctx.view.options->detached_content)
                                                   : dsig::DetachedContent();
        auto input = detail::archive_timestamp_input(ctx.view.doc, *ctx.view.ids, ctx.view.signature, ats, method,
                                                     ctx.view.options->max_transforms, detached ? &detached : nullptr,
                                                     run.reference_octets.empty() ? nullptr : &run.reference_octets);
        if (!input)
            return broken("XADES-ARCHIVE-TS-INVALID", "its input cannot be computed: " + input.error().message,
                          Indication::indeterminate, SubIndication::signed_data_not_found);
        tsa::TokenExpectations expect;
        expect.data = crypto::Bytes(input->begin(), input->end());
        expect.revocation_evidence = ctx.record.revocation_evidence;
        tsa::TokenVerification v = m_tsa.verify_token(*token, expect);
        describe_token(stamp, v);
        if (imprint_mismatch(v))
            return broken("XADES-ARCHIVE-TS-IMPRINT", "its message imprint is not the digest of its input: the signature or "
                                                      "its validation data changed after it was made",
                          Indication::total_failed, SubIndication::hash_failure);
        if (!v.valid()) {
            const report::Finding* first = v.first_error();
            return broken("XADES-ARCHIVE-TS-INVALID", v.summary(), Indication::indeterminate,
                          timestamp_sub_indication(first ? first->code : std::string_view()));
        }
        ctx.record.prove_existence_at(v.info.gen_time);
    }

    // What a verified token says of itself (time, TSA, policy, serial, findings); the caller lowers the
    // indication from passed when the token does not prove what this step needs.
    static void describe_token(dsig::TimestampResult& stamp, const tsa::TokenVerification& v) {
        stamp.gen_time = v.info.gen_time_text.empty() ? std::string() : dsig::format_rfc3339(v.info.gen_time);
        stamp.tsa = v.info.signer_subject;
        stamp.policy = v.info.policy;
        stamp.serial = v.info.serial_hex;
        stamp.findings = v.findings;
        stamp.indication = Indication::total_passed;
    }

    // The finding that says a token covers other data than expected, or null.
    static const report::Finding* imprint_mismatch(const tsa::TokenVerification& v) {
        for (const report::Finding& f : v.findings)
            if (f.code == "TSA-IMPRINT-MISMATCH") return &f;
        return nullptr;
    }

    // The TSA anchors (the signature's when none are given); the caller's untrusted certificates
    // help build the TSA's path too, never as anchors.
    // The TSA certificates' status is checked like the signer's: the same revocation options,
    // and the same status source (Verifier made one checker for both).
    static tsa::VerifyOptions tsa_options(const VerifyOptions& o) {
        tsa::VerifyOptions options;
        options.trust = o.tsa_trust.size() ? o.tsa_trust : o.dsig.trust;
        options.extra_certificates = o.dsig.extra_certificates;
        options.revocation = o.dsig.revocation;
        options.crl_files = o.dsig.crl_files;
        options.ocsp_response_files = o.dsig.ocsp_response_files;
        options.offline = o.dsig.offline;
        options.revocation_cache_dir = o.dsig.revocation_cache_dir;
        options.status_source = o.dsig.status_source;
        return options;
    }

    VerifyOptions m_options;
    SignerFactsCache m_signers;
    tsa::TokenVerifier m_tsa;  // signature time-stamps: certificates and TSA paths cached across documents
};


// SigningCertificate(V2)'s CertDigests and CertificateValues' certificates, read before the
// signature value is checked so that dsig can find the signer outside an unsigned, ambiguous or
// missing KeyInfo. Anything malformed is left out here (the steps below report it). A SHA-1
// CertDigest identifies; whether it is accepted is the signing-certificate step's decision.
dsig::SignerClues XadesProfile::signer_clues(const xmlNode* signature, const dsig::VerifyOptions& options) const {
    dsig::SignerClues clues;
    const xmlNode* qp = nullptr;
    for (const xmlNode* object = xml::first_element_child(signature); object && !qp; object = xml::next_element_sibling(object))
        if (xml::is_element(object, ds_ns, "Object")) qp = child(object, k_xades_ns, "QualifyingProperties");
    if (!qp) return clues;
    const xmlNode* ssp = child(child(qp, k_xades_ns, "SignedProperties"), k_xades_ns, "SignedSignatureProperties");
    const xmlNode* holder = child(ssp, k_xades_ns, "SigningCertificateV2");
    if (!holder) holder = child(ssp, k_xades_ns, "SigningCertificate");
    std::string scratch;
    for (const xmlNode* cert : children(holder, k_xades_ns, "Cert")) {
        const xmlNode* digest = child(cert, k_xades_ns, "CertDigest");
        auto info = dsig::digest_from_uri(attribute_view(child(digest, ds_ns, "DigestMethod"), "Algorithm", scratch));
        const std::string_view text = text_view(child(digest, ds_ns, "DigestValue"), scratch);
        if (!info || info->status == dsig::AlgorithmStatus::forbidden || text.size() > options.max_base64_bytes) continue;
        if (auto value = crypto::base64_decode(text)) clues.signer_digests.push_back({info->alg, std::move(*value)});
    }
    const xmlNode* usp = child(child(qp, k_xades_ns, "UnsignedProperties"), k_xades_ns, "UnsignedSignatureProperties");
    for (const xmlNode* value : children(child(usp, k_xades_ns, "CertificateValues"), k_xades_ns, "EncapsulatedX509Certificate")) {
        if (clues.carried_certificates.size() >= options.max_certificates) break;
        const std::string_view text = text_view(value, scratch);
        if (text.size() > options.max_base64_bytes) continue;
        if (auto der = crypto::base64_decode(text)) clues.carried_certificates.push_back(std::move(*der));
    }
    return clues;
}

bool XadesProfile::signing_certificate(XadesRun& run, Ctx& ctx) const {
    if (const crypto::Certificate* signer = ctx.signer())
        run.facts = m_signers.get(*signer, *ctx.signer_sha256());
    check_signing_certificate(ctx, run.ssp, run.facts.get());
    return true;
}

bool XadesProfile::signing_time(XadesRun& run, Ctx& ctx) const {
    const xmlNode* st = child(run.ssp, k_xades_ns, "SigningTime");
    if (!st) {
        ctx.note("XADES-NO-SIGNING-TIME", Severity::warning, "no SigningTime (required by the baseline profiles)");
        return true;
    }
    std::string scratch;
    run.signing_time = detail::parse_xs_datetime(text_view(st, scratch));
    if (!run.signing_time) {
        ctx.fail("XADES-SIGNING-TIME-INVALID", "SigningTime is not an xs:dateTime", Indication::total_failed,
                 SubIndication::format_failure);
        return true;
    }
    ctx.result().properties.signing_time = dsig::format_rfc3339(*run.signing_time);
    if (run.facts && (*run.signing_time < run.facts->not_before || *run.signing_time > run.facts->not_after))
        ctx.fail("XADES-SIGNING-TIME-OUT-OF-CERT",
                 "SigningTime " + dsig::format_rfc3339(*run.signing_time) + " is outside the signer certificate's validity",
                 Indication::indeterminate, SubIndication::sig_constraints_failure);
    return true;
}

// Policy, claimed roles, commitment types and production place.
bool XadesProfile::signed_attributes(XadesRun& run, Ctx& ctx) const {
    dsig::SignatureResult& result = ctx.result();
    const xmlNode* ssp = run.ssp;
    if (const xmlNode* spi = child(ssp, k_xades_ns, "SignaturePolicyIdentifier")) {
        run.level.form = dsig::SignatureLevel::Form::epes;
        if (child(spi, k_xades_ns, "SignaturePolicyImplied")) {
            result.properties.policy = dsig::SignaturePolicy{{}, {}, true, std::nullopt};
        } else if (const xmlNode* spid = child(spi, k_xades_ns, "SignaturePolicyId")) {
            check_policy(ctx, spid);
        }
    }
    const xmlNode* role = child(ssp, k_xades_ns, "SignerRoleV2");
    if (!role) role = child(ssp, k_xades_ns, "SignerRole");
    if (const xmlNode* claimed = child(role, k_xades_ns, "ClaimedRoles"))
        for (const xmlNode* r : children(claimed, k_xades_ns, "ClaimedRole"))
            result.properties.signer_roles.push_back(trimmed(xml::text_content(r)));
    if (const xmlNode* sdop = child(run.sp, k_xades_ns, "SignedDataObjectProperties"))
        for (const xmlNode* cti : children(sdop, k_xades_ns, "CommitmentTypeIndication"))
            if (const xmlNode* id = child(child(cti, k_xades_ns, "CommitmentTypeId"), k_xades_ns, "Identifier"))
                result.properties.commitment_types.push_back(trimmed(xml::text_content(id)));
    const xmlNode* place = child(ssp, k_xades_ns, "SignatureProductionPlaceV2");
    if (!place) place = child(ssp, k_xades_ns, "SignatureProductionPlace");
    if (place) {
        const auto part = [&](const char* name) { return trimmed(xml::text_content(child(place, k_xades_ns, name))); };
        result.properties.production_place = dsig::ProductionPlace{part("StreetAddress"), part("City"), part("StateOrProvince"),
                                                                   part("PostalCode"), part("CountryName")};
    }
    return true;
}

// Signature time-stamps prove the signature existed at their genTime: the earliest valid one is
// the best-signature-time. The level names the signature's form (as DSS's signature format
// does): a signature with a SignatureTimeStamp is B-T even when that time-stamp fails; the
// failure is a finding. A time-stamp over other data (copied from another signature) is not
// this signature's: a warning, and neither the level nor the verdict changes.
bool XadesProfile::signature_time_stamps(XadesRun& run, Ctx& ctx) const {
    const xmlNode* usp = child(child(run.qp, k_xades_ns, "UnsignedProperties"), k_xades_ns, "UnsignedSignatureProperties");
    for (const xmlNode* ts : children(usp, k_xades_ns, "SignatureTimeStamp")) {
        bool foreign = false;
        if (auto gen_time = check_timestamp(ctx, ts, run.signing_time, foreign)) ctx.record.prove_existence_at(*gen_time);
        // A time-stamp over other data is not this signature's: it does not make it B-T.
        if (!foreign) run.level = run.level.with_timestamp();
    }
    return true;
}

// XAdES RevocationValues (EN 319 132-1 §5.4.2), also those of xades141:TimeStampValidationData
// (§5.5.1): the CRLs and OCSP responses the signature carries, offered to the certificate status
// step (where each is verified before use). Values too large or not base64 are left out with a
// warning. Their certificates (CertificateValues) are path candidates already (signer_clues).
bool XadesProfile::revocation_values(XadesRun& run, Ctx& ctx) const {
    run.usp = child(child(run.qp, k_xades_ns, "UnsignedProperties"), k_xades_ns, "UnsignedSignatureProperties");
    if (!run.usp) return true;  // B-B, EPES: nothing below
    std::vector<const xmlNode*> holders{run.usp};
    for (const xmlNode* tsvd : children(run.usp, detail::k_xades141_ns, "TimeStampValidationData")) holders.push_back(tsvd);
    std::size_t certificates = 0;
    const std::size_t crls_before = ctx.record.revocation_evidence.crls.size();
    const std::size_t ocsp_before = ctx.record.revocation_evidence.ocsp_responses.size();
    for (const xmlNode* holder : holders) {
        for (const xmlNode* cv : children(holder, k_xades_ns, "CertificateValues")) {
            run.long_term_data = true;
            certificates += children(cv, k_xades_ns, "EncapsulatedX509Certificate").size();
        }
        const xmlNode* values = child(holder, k_xades_ns, "RevocationValues");
        if (!values) continue;
        run.long_term_data = true;
        const auto collect = [&](const char* list, const char* item, std::vector<crypto::Bytes>& out) {
            for (const xmlNode* v : children(child(values, k_xades_ns, list), k_xades_ns, item)) {
                const std::string text = xml::text_content(v);
                constexpr std::size_t k_max_text = (16u << 20) / 3 * 4 + 4096;  // a 16 MiB CRL in base64
                auto der = text.size() <= k_max_text ? crypto::base64_decode(text)
                                                     : Result<crypto::Bytes>(make_error(Errc::limit_exceeded, "too large"));
                if (der) out.push_back(std::move(*der));
                else ctx.note("XADES-REVOCATION-VALUE-UNREADABLE", Severity::warning,
                              std::string("a RevocationValues ") + item + " is not readable base64 and is not used");
            }
        };
        collect("CRLValues", "EncapsulatedCRLValue", ctx.record.revocation_evidence.crls);
        collect("OCSPValues", "EncapsulatedOCSPValue", ctx.record.revocation_evidence.ocsp_responses);
    }
    if (run.long_term_data)
        ctx.note("XADES-LT-DATA", Severity::info,
                 "the signature carries validation data: " + std::to_string(certificates) + " certificates, " +
                     std::to_string(ctx.record.revocation_evidence.crls.size() - crls_before) + " CRLs and " +
                     std::to_string(ctx.record.revocation_evidence.ocsp_responses.size() - ocsp_before) +
                     " OCSP responses (used before any other source)");
    return true;
}

// xades141:ArchiveTimeStamp (EN 319 132-1 §5.5.2): each one's imprint is checked over its exact
// input (the references' data, SignedInfo, SignatureValue, KeyInfo, the unsigned properties before
// it and the other ds:Objects) and its TSA path at its own genTime. A broken one fails the
// signature: HASH_FAILURE for another imprint, the TSA path's sub-indication otherwise.
bool XadesProfile::archive_time_stamps(XadesRun& run, Ctx& ctx) const {
    const std::vector<const xmlNode*> stamps = children(run.usp, detail::k_xades141_ns, "ArchiveTimeStamp");
    if (stamps.empty()) return true;
    // The references' data as the core step digested it (a subtree left out, the streaming
    // path's whole-document octets included), else processed again from this DOM.
    const std::vector<dsig::ReferenceResult>& done = ctx.result().references;
    bool kept = ctx.view.options->keep_signed_content && done.size() == ctx.view.references.size();
    for (const dsig::ReferenceResult& r : done) kept = kept && r.digest_ok;
    if (!kept && ctx.view.partial_document) {  // the references' data is not in this DOM
        ctx.record.needs_document = true;
        return false;
    }
    run.reference_octets.clear();
    if (kept)
        for (const dsig::ReferenceResult& r : done) run.reference_octets.push_back(r.signed_octets);
    for (const xmlNode* ats : stamps) check_archive_timestamp(ctx, run, ats);
    return true;
}

// The level reached (B-LT when validation data is embedded in a B-T, B-LTA with an archive
// time-stamp), and past signature validation made visible: a signer certificate that has expired
// by the validation time but not by the proof of existence.
bool XadesProfile::level(XadesRun& run, Ctx& ctx) const {
    if (run.long_term_data) run.level = run.level.with_long_term_data();
    if (!children(run.usp, detail::k_xades141_ns, "ArchiveTimeStamp").empty()) run.level = run.level.with_archive_timestamp();
    ctx.result().level = run.level;
    const std::optional<crypto::TimePoint>& poe = ctx.record.best_signature_time;
    if (run.facts && poe && run.facts->not_after < ctx.view.validation_time && *poe <= run.facts->not_after)
        ctx.note("XADES-CERT-EXPIRED-AFTER-POE", Severity::info,
                 "the signer's certificate expired at " + dsig::format_rfc3339(run.facts->not_after) +
                     ", after the proof of existence of " + dsig::format_rfc3339(*poe) +
                     ": its path is validated at that time (past signature validation)");
    return true;
}

template <bool (XadesProfile::*Step)(XadesRun&, Ctx&) const>
bool xades_step(dsig::ProfileRun& run, const dsig::SignatureView& view, dsig::StepRecord& record) {
    auto& xades_run = static_cast<XadesRun&>(run);
    Ctx ctx{view, record};
    return (xades_run.profile.*Step)(xades_run, ctx);
}

constexpr dsig::ProfileStep k_xades_steps[] = {
    {"xades-reference-targets", &xades_step<&XadesProfile::reference_targets>},
    {"xades-qualifying-properties", &xades_step<&XadesProfile::find_qualifying_properties>},
    {"xades-signed-properties", &xades_step<&XadesProfile::find_signed_properties>},
    {"xades-signing-certificate", &xades_step<&XadesProfile::signing_certificate>},
    {"xades-signing-time", &xades_step<&XadesProfile::signing_time>},
    {"xades-signed-attributes", &xades_step<&XadesProfile::signed_attributes>},
    {"xades-revocation-values", &xades_step<&XadesProfile::revocation_values>},
    {"xades-signature-time-stamps", &xades_step<&XadesProfile::signature_time_stamps>},
    {"xades-archive-time-stamps", &xades_step<&XadesProfile::archive_time_stamps>},
    {"xades-level", &xades_step<&XadesProfile::level>},
};

std::span<const dsig::ProfileStep> XadesProfile::steps() const { return k_xades_steps; }

}  // namespace

namespace {

VerifyOptions with_status_source(VerifyOptions options) {
    options.dsig = dsig::with_status_source(std::move(options.dsig));
    return options;
}

dsig::Verifier make_core(const VerifyOptions& options) {
    return dsig::VerifierAccess::make(options.dsig, std::make_shared<const XadesProfile>(options));
}

}  // namespace

// One status source for the signer's and the TSAs' certificates (one cache, one download per URL).
Verifier::Verifier(VerifyOptions options) : m_core(make_core(with_status_source(std::move(options)))) {}

Result<dsig::VerificationReport> Verifier::verify(std::string_view xml) const { return m_core.verify(xml); }

struct VerifierAccess {
    static const dsig::Verifier& core(const Verifier& verifier) noexcept { return verifier.m_core; }
};

Result<dsig::VerificationReport> verify_parsed(const Verifier& verifier, const xml::XmlDocument& document,
                                               const xmlNode* leave_out) {
    return dsig::verify_parsed(VerifierAccess::core(verifier), document, leave_out);
}

}  // namespace istmo::xades
