#include <istmo/dsig/verify.hpp>
#include <istmo/crypto/validator.hpp>
#include <istmo/report/messages.hpp>

#include "core/time_math.hpp"
#include "crypto/native.hpp"
#include "crypto/public_key_impl.hpp"
#include "dsig/algorithms.hpp"
#include "dsig/reference.hpp"
#include "dsig/status_source.hpp"
#include "dsig/signature_value.hpp"
#include "dsig/time_format.hpp"
#include "dsig/verify_steps.hpp"
#include "dsig/verify_parsed.hpp"
#include "xml/document_impl.hpp"
#include "xml/stream_c14n.hpp"

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

namespace istmo::dsig {

using report::Finding;
using report::Indication;
using report::Severity;
using report::SubIndication;

namespace {

constexpr std::size_t k_cache_capacity = k_path_cache_capacity;
// RetrievalMethod / KeyInfoReference pointers followed in one chain at most.
constexpr int k_max_key_info_hops = 4;

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// Case- and whitespace-insensitive comparison form of a distinguished name written as text.
std::string normalized_dn(std::string_view dn) {
    std::string out;
    for (char c : dn)
        if (!std::isspace(static_cast<unsigned char>(c))) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    return out;
}

// The end of one verify() call's time budget (VerifyOptions::time_budget); inactive when 0.
class Deadline {
public:
    explicit Deadline(std::chrono::milliseconds budget)
        : m_active(budget.count() > 0), m_end(core::time_math::saturating_add(std::chrono::steady_clock::now(), budget)) {}
    [[nodiscard]] bool passed() const { return m_active && std::chrono::steady_clock::now() > m_end; }
private:
    bool m_active;
    std::chrono::steady_clock::time_point m_end;
};

constexpr const char* k_time_budget_code = "DSIG-TIME-BUDGET-EXCEEDED";

std::string time_budget_message(std::chrono::milliseconds budget) {
    return "verification stopped: the time budget of " + std::to_string(budget.count()) + " ms per document was used up";
}

// Collects findings for one signature; its verdict follows the project's one "worst wins" rule
// (report::Verdict: the first reason stays on ties).
class Verdict {
public:
    explicit Verdict(SignatureResult& result) : m_result(result) {}
    void fail(const char* code, std::string message, Indication indication, SubIndication sub,
              std::string location = {}) {
        m_result.findings.push_back(report::make_finding(code, Severity::error, std::move(message), std::move(location)));
        m_verdict.add(indication, sub);
        m_failed = true;
        m_result.indication = m_verdict.indication;
        m_result.sub_indication = m_verdict.sub_indication;
    }
    void note(const char* code, Severity severity, std::string message, std::string location = {}) {
        m_result.findings.push_back(report::make_finding(code, severity, std::move(message), std::move(location)));
    }
    [[nodiscard]] bool failed() const { return m_failed; }
    // Every step ran: the verdict held (TOTAL_PASSED when nothing failed) is the signature's.
    void finish() {
        m_result.indication = m_verdict.indication;
        m_result.sub_indication = m_verdict.sub_indication;
    }
private:
    SignatureResult& m_result;
    report::Verdict m_verdict;
    bool m_failed = false;
};

CertificateSummary summarize(const crypto::Certificate& cert) {
    return CertificateSummary{cert.subject(), cert.issuer(), cert.serial_decimal(),
                              format_rfc3339(cert.not_before()), format_rfc3339(cert.not_after()),
                              cert.sha256_hex()};
}

std::string attribute(const xmlNode* node, const char* name) {
    std::string value;
    xml::get_attribute(node, name, value);
    return value;
}

const xmlNode* child_named(const xmlNode* parent, std::string_view ns, std::string_view name) {
    for (const xmlNode* c = xml::first_element_child(parent); c; c = xml::next_element_sibling(c))
        if (xml::is_element(c, ns, name)) return c;
    return nullptr;
}

bool pss_digest(const xmlNode* method_parent, crypto::DigestAlg& out) {
    const xmlNode* dm = child_named(method_parent, uri::ds_ns, "DigestMethod");
    if (!dm) return true;
    auto info = digest_from_uri(attribute(dm, "Algorithm"));
    if (!info || info->status == AlgorithmStatus::forbidden) return false;
    out = info->alg;
    return true;
}

// RSAPSSParams (RFC 9231 §2.3.10): DigestMethod, MaskGenerationFunction, SaltLength, TrailerField.
bool read_pss_params(const xmlNode* signature_method, crypto::SignatureParams& params, std::string& error) {
    params.digest = crypto::DigestAlg::sha256;
    params.mgf1_digest = crypto::DigestAlg::sha256;
    params.pss_salt_length = 32;
    const xmlNode* p = child_named(signature_method, uri::more07_ns, "RSAPSSParams");
    if (!p) return true;
    if (!pss_digest(p, params.digest)) { error = "RSAPSSParams DigestMethod is unknown or forbidden"; return false; }
    params.mgf1_digest = params.digest;
    if (const xmlNode* mgf = child_named(p, uri::more07_ns, "MaskGenerationFunction")) {
        std::string alg = attribute(mgf, "Algorithm");
        if (!alg.empty() && alg != uri::mgf1) { error = "unsupported mask generation function " + alg; return false; }
        if (!pss_digest(mgf, params.mgf1_digest)) { error = "MGF1 DigestMethod is unknown or forbidden"; return false; }
    }
    params.pss_salt_length = static_cast<int>(crypto::digest_size(params.digest));
    if (const xmlNode* salt = child_named(p, uri::more07_ns, "SaltLength")) {
        std::string text = xml::text_content(salt);
        try {
            std::size_t used = 0;
            int v = std::stoi(text, &used);
            if (v < 0 || v > 1024) throw std::out_of_range("salt");
            params.pss_salt_length = v;
        } catch (...) {
            error = "RSAPSSParams SaltLength is not a valid integer";
            return false;
        }
    }
    if (const xmlNode* trailer = child_named(p, uri::more07_ns, "TrailerField")) {
        if (xml::text_content(trailer) != "1") { error = "RSAPSSParams TrailerField must be 1"; return false; }
    }
    return true;
}

// A decoded certificate with what reports need of it, computed once.
struct CachedCertificate {
    crypto::Certificate certificate;
    CertificateSummary summary;
    crypto::Bytes sha256;  // SHA-256 of the DER (the cache key), for profile checks
};
using CertificatePtr = std::shared_ptr<const CachedCertificate>;

struct CachedPath {
    crypto::PathValidationResult result;
    std::vector<CertificateSummary> chain;
    std::vector<crypto::ChainElement> elements;  // with their statuses
};

RevocationSummary summarize_status(const crypto::CertificateStatus& status) {
    RevocationSummary out;
    out.status = std::string(crypto::revocation_status_name(status.status));
    out.source = std::string(crypto::status_source_name(status.source));
    if (status.this_update) out.this_update = format_rfc3339(*status.this_update);
    if (status.next_update) out.next_update = format_rfc3339(*status.next_update);
    if (status.revocation_time) out.revocation_time = format_rfc3339(*status.revocation_time);
    out.reason = status.reason;
    return out;
}

// The document a signature is verified in, and how.
struct DocumentView {
    xmlDocPtr doc = nullptr;
    const IdIndex* ids = nullptr;
    const xmlNode* leave_out = nullptr;  // a subtree treated as absent, or null
    bool may_edit_document = false;      // see ReferenceScope::may_edit_document
    const WholeDocumentDigester* whole_document = nullptr;  // the streaming path's digests
};

}  // namespace

struct Verifier::State {
    VerifyOptions options;
    std::shared_ptr<const VerifyProfile> profile;  // XAdES: its named steps run after dsig's own
    mutable std::shared_mutex cert_mutex;
    mutable std::unordered_map<std::string, CertificatePtr> certificates;  // by SHA-256 of DER
    // The certificate step: path building and checking for document signatures, with its own
    // caches (made when the options are set; the trust anchors are copied then).
    std::optional<crypto::CertificateValidator> validator;
    // Why the status source could not be made from the options (a CRL file unreadable, ...).
    std::optional<Error> status_source_error;

    void set_options(VerifyOptions o) {
        options = std::move(o);
        if (options.certificate_validator) {
            // The caller's validator (a copy shares its caches) decides the path: its anchors and
            // extra certificates are the ones at hand for KeyInfo names too.
            validator.emplace(*options.certificate_validator);
            options.trust = validator->trust();
            options.extra_certificates = validator->extra_certificates();
            // Without a status source nothing would be checked, silently: say so on each signature.
            if (!validator->checks_status())
                status_source_error = make_error(Errc::invalid_argument, "the certificate validator given has no status source");
            return;
        }
        auto source = status_source_for(options);
        if (!source) status_source_error = std::move(source).error();
        validator.emplace(certificate_validator_with(options, source ? std::move(*source) : nullptr));
    }

    Result<CertificatePtr> certificate(const crypto::Bytes& der) const {
        crypto::Bytes hash = crypto::digest(crypto::DigestAlg::sha256, der);
        std::string key(hash.begin(), hash.end());
        {
            std::shared_lock lock(cert_mutex);
            auto it = certificates.find(key);
            if (it != certificates.end()) return it->second;
        }
        auto parsed = crypto::Certificate::from_der(der);
        if (!parsed) return std::move(parsed).error();
        auto entry = std::make_shared<const CachedCertificate>(CachedCertificate{*parsed, summarize(*parsed), hash});
        std::unique_lock lock(cert_mutex);
        if (certificates.size() >= k_cache_capacity) certificates.clear();
        certificates.emplace(key, entry);
        return CertificatePtr(entry);
    }

    // A chain certificate's summary, from the certificate cache (computed once per certificate).
    CertificateSummary summary_of(const crypto::Certificate& cert) const {
        const crypto::Bytes& hash = cert.impl().facts().sha256;
        const std::string key(hash.begin(), hash.end());
        {
            std::shared_lock lock(cert_mutex);
            auto it = certificates.find(key);
            if (it != certificates.end()) return it->second->summary;
        }
        auto entry = std::make_shared<const CachedCertificate>(CachedCertificate{cert, summarize(cert), hash});
        std::unique_lock lock(cert_mutex);
        if (certificates.size() >= k_cache_capacity) certificates.clear();
        certificates.emplace(key, entry);
        return entry->summary;
    }

    // The certificate step: the signer's path at `at` (the validator caches the outcome).
    std::shared_ptr<const CachedPath> validate(const CachedCertificate& leaf, const std::vector<CertificatePtr>& others,
                                               crypto::TimePoint at, const crypto::RevocationEvidence* evidence) const {
        std::vector<crypto::Certificate> candidates;
        for (const auto& c : others) candidates.push_back(c->certificate);
        crypto::CertificateValidation checked =
            validator->validate(leaf.certificate, candidates, crypto::CertificatePurpose::signature, at, evidence);
        auto path = std::make_shared<CachedPath>();
        path->result.status = checked.status;
        path->result.message = checked.message;
        for (const auto& element : checked.chain) {
            path->result.chain.push_back(element.certificate);
            path->chain.push_back(summary_of(element.certificate));
            path->chain.back().revocation = summarize_status(element.status);
        }
        path->elements = std::move(checked.chain);
        return path;
    }

    // False only when the document's reference-digesting strategy (the streamed one) declined a
    // reference: then `result` decides nothing and the DOM strategy must verify the signature.
    bool verify_signature(const DocumentView& view, const xmlNode* sig, crypto::TimePoint at, const Deadline& deadline,
                          SignatureResult& result, const std::string& location = {}) const;
    // Every signature of doc, `leave_out` (an element of doc, or null) treated as absent.
    VerificationReport verify_document(xmlDocPtr doc, const xmlNode* leave_out, bool may_edit_document,
                                       crypto::TimePoint at, const Deadline& deadline) const;
    std::optional<VerificationReport> verify_streaming(std::string_view input, crypto::TimePoint at,
                                                       const Deadline& deadline) const;
};

namespace {

struct SignatureKey {
    EVP_PKEY* key = nullptr;  // borrowed
    CertificatePtr certificate;
    std::vector<CertificatePtr> others;
    bool trusted_directly = false;
};

X509* x509_of(const CertificatePtr& c) { return c->certificate.impl().cert.get(); }

// The subjectKeyIdentifier extension's value; empty when the certificate has none.
crypto::Bytes subject_key_id(const crypto::Certificate& cert) {
    const ASN1_OCTET_STRING* id = X509_get0_subject_key_id(cert.impl().cert.get());
    if (!id) return {};
    const unsigned char* data = ASN1_STRING_get0_data(id);
    return crypto::Bytes(data, data + ASN1_STRING_length(id));
}

std::string_view namespace_of(const xmlNode* node) { return node->ns ? xml::sv(node->ns->href) : std::string_view(); }

// True when node lies inside one of sig's own ds:Object children (sig is an ancestor).
bool inside_own_object(const xmlNode* node, const xmlNode* sig) {
    for (const xmlNode* n = node; n && n->type == XML_ELEMENT_NODE; n = n->parent)
        if (n->parent == sig) return xml::is_element(n, uri::ds_ns, "Object");
    return false;
}

// The element names a signature in an Object stands for: the target itself, or the element
// children when the target is the ds:Object.
std::vector<const xmlNode*> signed_element_kinds(const xmlNode* target) {
    std::vector<const xmlNode*> kinds;
    if (xml::is_element(target, uri::ds_ns, "Object")) {
        for (const xmlNode* c = xml::first_element_child(target); c; c = xml::next_element_sibling(c)) kinds.push_back(c);
    } else if (target && target->type == XML_ELEMENT_NODE) {
        kinds.push_back(target);
    }
    return kinds;
}

// An element of the document, outside every ds:Signature, with the namespace and local name of
// one of `kinds` — the replacement in the "original hidden in the signature's Object" wrapping.
// Nothing under `leave_out` counts.
const xmlNode* same_kind_outside_signatures(xmlDocPtr doc, const std::vector<const xmlNode*>& kinds,
                                            const xmlNode* leave_out) {
    const xmlNode* found = nullptr;
    xml::for_each_element(doc, [&](const xmlNode* node) {
        if (node == leave_out || xml::is_element(node, uri::ds_ns, "Signature")) return xml::Walk::skip_children;
        for (const xmlNode* k : kinds)
            if (xml::is_element(node, namespace_of(k), xml::sv(k->name))) {
                found = node;
                return xml::Walk::stop;
            }
        return xml::Walk::descend;
    });
    return found;
}


// A reference's path, for findings only: built on first use (most references have none).
struct ReferencePath {
    const xmlNode* reference;
    const std::string& signature_location;  // the streaming path's signature path, or empty
    std::string path;
    const std::string& operator()() {
        if (path.empty()) {
            path = xml::node_path(reference);
            if (!signature_location.empty())
                path = signature_location + path.substr(std::min(path.size(), path.find('/', 1)));
        }
        return path;
    }
};

// One signature checked in named steps (structure, algorithms, references, key, signature value,
// profile, certificate). The steps share what they found here; each returns false when the
// signature cannot be checked further (its verdict is then already recorded).
class SignatureCheck {
public:
    SignatureCheck(const VerifierAccess::State& owner, const VerifyOptions& verify_options, const DocumentView& document,
                   const xmlNode* signature, crypto::TimePoint time, const Deadline& budget, SignatureResult& out,
                   const std::string& streamed_location)
        : state(owner), options(verify_options), view(document), doc(document.doc), ids(*document.ids),
          whole_document(document.whole_document), sig(signature), at(time), deadline(budget), result(out), verdict(out),
          where(out.location), location(streamed_location), legacy_ok(verify_options.allow_legacy) {}

    bool read_structure();
    bool check_algorithms();
    bool check_references();
    bool read_key_info();
    bool choose_signer_key();
    bool check_signature_value();
    crypto::TimePoint run_profile();
    void check_certificate(crypto::TimePoint path_time);
    void check_revocation(const CachedPath& path);
    void finish() { verdict.finish(); }
    // The streamed reference-digesting strategy could not serve a reference: the check stopped
    // and decided nothing; the DOM strategy must run it.
    [[nodiscard]] bool declined() const { return strategy_declined; }

private:
    // One certificate that may be the signer (choose_signer_key), and whether the profile's
    // signed properties name it.
    struct SignerCandidate {
        CertificatePtr certificate;
        bool named = false;
    };
    bool read_key_info_children(const xmlNode* parent, int hops);
    bool read_key_info_item(const xmlNode* item, int hops);
    const xmlNode* follow_key_info_pointer(const xmlNode* pointer, int hops);
    const xmlNode* key_info_unresolved(const xmlNode* pointer, const char* why);
    bool add_key_info_certificate(CertificatePtr cert);
    bool read_x509_data(const xmlNode* data);
    bool resolve_certificate_name(const xmlNode* name);
    const std::vector<CertificatePtr>& known_certificates();
    bool read_key_value(const xmlNode* item);
    bool read_der_key_value(const xmlNode* item);
    CertificatePtr key_info_leaf(bool& ambiguous) const;
    [[nodiscard]] bool named_by_clues(const CachedCertificate& cert) const;
    void collect_signer_candidates(const CertificatePtr& leaf);
    void set_signer(const CertificatePtr& signer);
    bool keyvalue_mismatch();
    bool mark_trusted_key();
    bool verify_with_candidates(std::span<const std::uint8_t> message, std::span<const std::uint8_t> value,
                                crypto::VerifyOutcome& outcome);
    bool check_reference(const xmlNode* ref);
    std::optional<crypto::DigestAlg> reference_digest(const std::string& uri_text, ReferencePath& ref_where);
    [[nodiscard]] ReferenceScope reference_scope() const;
    bool check_hidden_original(const xmlNode* target, const ReferenceResult& rr, ReferencePath& ref_where);
    void check_key_size(EVP_PKEY* k);
    bool structure(std::string message) {
        verdict.fail("DSIG-STRUCTURE", std::move(message), Indication::total_failed, SubIndication::format_failure, where);
        return false;
    }
    // `at_where` is a finding's location, or a ReferencePath that builds one: a reference's
    // path is made only when a finding names it.
    static std::string location_of(const std::string& at_where) { return at_where; }
    static std::string location_of(ReferencePath& at_where) { return at_where(); }

    // Base64 values of the signature itself are checked for length before they are decoded.
    template <class Where>
    bool base64_too_large(const std::string& text, const char* what, Where& at_where) {
        if (text.size() <= options.max_base64_bytes) return false;
        verdict.fail("DSIG-BASE64-TOO-LARGE",
                     std::string(what) + " holds " + std::to_string(text.size()) + " characters of base64, more than the limit of " +
                         std::to_string(options.max_base64_bytes),
                     Indication::total_failed, SubIndication::format_failure, location_of(at_where));
        return true;
    }
    template <class Where>
    bool out_of_time(Where& at_where) {
        if (!deadline.passed()) return false;
        verdict.fail(k_time_budget_code, time_budget_message(options.time_budget), Indication::indeterminate,
                     SubIndication::none, location_of(at_where));
        return true;
    }

    const VerifierAccess::State& state;
    const VerifyOptions& options;
    const DocumentView& view;
    xmlDocPtr doc;
    const IdIndex& ids;
    const WholeDocumentDigester* whole_document;
    const xmlNode* sig;
    crypto::TimePoint at;
    const Deadline& deadline;
    SignatureResult& result;
    Verdict verdict;
    const std::string& where;
    const std::string& location;  // the streaming path's path of the signature, or empty
    const bool legacy_ok;
    // A proof of existence of the signature (a verified signature time-stamp's time), and the
    // revocation evidence the signature carries, both from the profile.
    std::optional<crypto::TimePoint> poe;
    crypto::RevocationEvidence evidence;
    // The typed view of the signature, filled by read_structure and check_algorithms.
    const xmlNode* signed_info = nullptr;
    const xmlNode* signature_value = nullptr;
    const xmlNode* key_info = nullptr;
    const xmlNode* c14n_node = nullptr;
    const xmlNode* method_node = nullptr;
    std::vector<const xmlNode*> references;
    std::optional<xml::C14nMethod> c14n;
    std::optional<SignatureInfo> sig_info;
    bool algorithms_usable = true;
    bool strategy_declined = false;
    // The signer's key, filled by read_key_info and choose_signer_key.
    SignatureKey key;
    std::vector<CertificatePtr> certs;
    EVP_PKEY* key_value = nullptr;
    internal::EvpPkeyPtr key_value_owned;
    std::optional<crypto::PublicKey> der_key;  // a DEREncodedKeyValue's key (key_value points into it)
    // What the profile says about the signer, the certificates the signature carries outside
    // KeyInfo, and the certificates at hand to resolve names (carried, then the caller's).
    SignerClues clues;
    std::vector<CertificatePtr> carried;
    std::vector<CertificatePtr> known;
    bool known_ready = false;
    std::vector<SignerCandidate> candidates;    // tried by the signature value, in order
    std::vector<const xmlNode*> followed;       // KeyInfo pointer targets already read
};

// ds:Signature = SignedInfo, SignatureValue, KeyInfo?, Object*; SignedInfo =
// CanonicalizationMethod, SignatureMethod, Reference+.
bool SignatureCheck::read_structure() {
    signed_info = xml::first_element_child(sig);
    if (!xml::is_element(signed_info, uri::ds_ns, "SignedInfo")) return structure("ds:Signature must start with ds:SignedInfo");
    signature_value = xml::next_element_sibling(signed_info);
    if (!xml::is_element(signature_value, uri::ds_ns, "SignatureValue"))
        return structure("ds:SignedInfo must be followed by ds:SignatureValue");
    for (const xmlNode* n = xml::next_element_sibling(signature_value); n; n = xml::next_element_sibling(n)) {
        if (xml::is_element(n, uri::ds_ns, "KeyInfo") && !key_info && n == xml::next_element_sibling(signature_value)) {
            key_info = n;
        } else if (!xml::is_element(n, uri::ds_ns, "Object")) {
            return structure("unexpected element " + std::string(xml::sv(n->name)) + " in ds:Signature");
        }
    }

    c14n_node = xml::first_element_child(signed_info);
    if (!xml::is_element(c14n_node, uri::ds_ns, "CanonicalizationMethod"))
        return structure("ds:SignedInfo must start with ds:CanonicalizationMethod");
    method_node = xml::next_element_sibling(c14n_node);
    if (!xml::is_element(method_node, uri::ds_ns, "SignatureMethod"))
        return structure("ds:CanonicalizationMethod must be followed by ds:SignatureMethod");
    references.reserve(4);  // one allocation for the usual one to four references (XAdES: two)
    for (const xmlNode* n = xml::next_element_sibling(method_node); n; n = xml::next_element_sibling(n)) {
        if (!xml::is_element(n, uri::ds_ns, "Reference")) return structure("ds:SignedInfo may only hold ds:Reference after SignatureMethod");
        references.push_back(n);
    }
    if (references.empty()) return structure("ds:SignedInfo has no ds:Reference");
    if (references.size() > options.max_references) {
        verdict.fail("DSIG-TOO-MANY", "more than " + std::to_string(options.max_references) + " references",
                     Indication::total_failed, SubIndication::format_failure, where);
        return false;
    }

    return true;
}

// An unusable algorithm stops the check only before the signature value: the references are
// still checked, so that their findings are reported too.
bool SignatureCheck::check_algorithms() {
    result.canonicalization_method = attribute(c14n_node, "Algorithm");
    result.signature_method = attribute(method_node, "Algorithm");
    c14n = c14n_from_uri(result.canonicalization_method);
    if (!c14n) {
        const bool dangerous = result.canonicalization_method == uri::xslt || result.canonicalization_method == uri::xpath;
        verdict.fail(dangerous ? "DSIG-TRANSFORM-FORBIDDEN" : "DSIG-ALG-UNKNOWN",
                     "unknown or refused canonicalization method " + result.canonicalization_method,
                     Indication::total_failed, SubIndication::format_failure, where);
        algorithms_usable = false;
    } else if (c14n->algorithm == xml::C14nAlgorithm::exclusive_1_0) {
        if (const xmlNode* inc = child_named(c14n_node, uri::exc_c14n_ns, "InclusiveNamespaces")) {
            std::string list = attribute(inc, "PrefixList");
            std::size_t pos = 0;
            while (pos < list.size()) {
                std::size_t end = list.find_first_of(" \t\r\n", pos);
                if (end == std::string::npos) end = list.size();
                if (end > pos) c14n->inclusive_prefixes.push_back(list.substr(pos, end - pos));
                pos = end + 1;
            }
        }
    }
    sig_info = signature_from_uri(result.signature_method);
    if (!sig_info) {
        verdict.fail("DSIG-ALG-UNKNOWN", "unknown signature method " + result.signature_method,
                     Indication::total_failed, SubIndication::format_failure, where);
        algorithms_usable = false;
    } else if (sig_info->family == SignatureFamily::hmac || child_named(method_node, uri::ds_ns, "HMACOutputLength")) {
        verdict.fail("DSIG-ALG-HMAC", "HMAC signature methods are refused (shared secrets; CVE-2009-0217 truncation)",
                     Indication::indeterminate, SubIndication::crypto_constraints_failure, where);
        algorithms_usable = false;
    } else if (sig_info->status == AlgorithmStatus::forbidden) {
        verdict.fail("DSIG-ALG-FORBIDDEN", "signature method " + result.signature_method + " is forbidden",
                     Indication::indeterminate, SubIndication::crypto_constraints_failure, where);
        algorithms_usable = false;
    } else if (sig_info->status == AlgorithmStatus::legacy) {
        if (legacy_ok) {
            verdict.note("DSIG-ALG-WEAK", Severity::warning, "signature method " + result.signature_method + " uses SHA-1 (accepted as legacy)", where);
        } else {
            verdict.fail("DSIG-ALG-LEGACY-REFUSED", "signature method " + result.signature_method + " uses SHA-1; enable legacy mode to accept it",
                         Indication::indeterminate, SubIndication::crypto_constraints_failure, where);
        }
    }
    if (sig_info && sig_info->generic_pss) {
        std::string error;
        if (!read_pss_params(method_node, sig_info->params, error)) {
            verdict.fail("DSIG-ALG-UNKNOWN", error, Indication::total_failed, SubIndication::format_failure, where);
            algorithms_usable = false;
        } else if (sig_info->params.digest == crypto::DigestAlg::sha1 && !legacy_ok) {
            verdict.fail("DSIG-ALG-LEGACY-REFUSED", "RSA-PSS with SHA-1 needs legacy mode",
                         Indication::indeterminate, SubIndication::crypto_constraints_failure, where);
        }
    }
    return true;
}

bool SignatureCheck::check_references() {
    result.references.reserve(result.references.size() + references.size());
    for (const xmlNode* ref : references)
        if (!check_reference(ref)) return false;
    return true;
}

std::optional<crypto::DigestAlg> SignatureCheck::reference_digest(const std::string& uri_text, ReferencePath& ref_where) {
    auto dinfo = digest_from_uri(uri_text);
    if (!dinfo) {
        verdict.fail("DSIG-ALG-UNKNOWN", "unknown digest method " + uri_text, Indication::total_failed,
                     SubIndication::format_failure, ref_where());
        return std::nullopt;
    }
    if (dinfo->status == AlgorithmStatus::forbidden) {
        verdict.fail("DSIG-ALG-FORBIDDEN", "digest method " + uri_text + " is forbidden",
                     Indication::indeterminate, SubIndication::crypto_constraints_failure, ref_where());
        return std::nullopt;
    }
    if (dinfo->status == AlgorithmStatus::legacy) {
        if (legacy_ok) verdict.note("DSIG-ALG-WEAK", Severity::warning, "digest method " + uri_text + " is SHA-1 (accepted as legacy)", ref_where());
        else verdict.fail("DSIG-ALG-LEGACY-REFUSED", "digest method " + uri_text + " is SHA-1; enable legacy mode to accept it",
                          Indication::indeterminate, SubIndication::crypto_constraints_failure, ref_where());
    }
    return dinfo->alg;
}

ReferenceScope SignatureCheck::reference_scope() const {
    ReferenceScope scope;
    scope.doc = doc;
    scope.signature = sig;
    scope.ids = &ids;
    scope.leave_out = view.leave_out;
    scope.may_edit_document = view.may_edit_document;
    scope.keep_octets = options.keep_signed_content;
    scope.max_transforms = options.max_transforms;
    scope.limits = &options.limits;
    scope.whole_document = whole_document;
    scope.detached = options.detached_content ? &options.detached_content : nullptr;
    return scope;
}

// Signed data inside this signature's own ds:Object while the signature sits in a larger
// document, and an element of the same kind in the document itself: the classic wrapping where
// the original is hidden in the signature and an edited copy takes its place. The signature is
// valid over what it names, but a consumer would read the copy. (The streaming path cannot see
// the document: the DOM path decides.) False when the streaming path must give way.
bool SignatureCheck::check_hidden_original(const xmlNode* target, const ReferenceResult& rr, ReferencePath& ref_where) {
    if (!inside_own_object(target, sig) || (state.profile && state.profile->is_own_object_data(target))) return true;
    if (whole_document) {
        strategy_declined = true;
        return false;
    }
    if (xmlDocGetRootElement(doc) == sig) return true;
    if (const xmlNode* copy = same_kind_outside_signatures(doc, signed_element_kinds(target), view.leave_out))
        verdict.fail("DSIG-WRAPPING-SUSPECTED",
                     "Reference URI=\"" + rr.uri + "\" signs " + rr.signed_node +
                         " inside the signature's own ds:Object, while the document holds an unsigned element of the same kind at " +
                         xml::node_path(copy) + ": the signed original may have been hidden and replaced",
                     Indication::indeterminate, SubIndication::sig_constraints_failure, ref_where());
    return true;
}

bool SignatureCheck::check_reference(const xmlNode* ref) {
    ReferenceResult rr;
    rr.uri = attribute(ref, "URI");
    rr.id = attribute(ref, "Id");
    rr.type = attribute(ref, "Type");
    ReferencePath ref_where{ref, location, {}};
    // Children: Transforms?, DigestMethod, DigestValue
    const xmlNode* c = xml::first_element_child(ref);
    if (xml::is_element(c, uri::ds_ns, "Transforms")) c = xml::next_element_sibling(c);
    const xmlNode* digest_method = c;
    const xmlNode* digest_value = xml::next_element_sibling(c);
    if (!xml::is_element(digest_method, uri::ds_ns, "DigestMethod") ||
        !xml::is_element(digest_value, uri::ds_ns, "DigestValue") || xml::next_element_sibling(digest_value)) {
        verdict.fail("DSIG-STRUCTURE", "ds:Reference must hold Transforms?, DigestMethod, DigestValue",
                     Indication::total_failed, SubIndication::format_failure, ref_where());
        result.references.push_back(std::move(rr));
        return true;
    }
    rr.digest_method = attribute(digest_method, "Algorithm");
    const std::optional<crypto::DigestAlg> digest_alg = reference_digest(rr.digest_method, ref_where);
    if (!digest_alg) {
        result.references.push_back(std::move(rr));
        return true;
    }
    if (out_of_time(ref_where)) return false;
    const std::string digest_text = xml::text_content(digest_value);
    for (char ch : digest_text)
        if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') rr.digest_value.push_back(ch);
    if (base64_too_large(digest_text, "DigestValue", ref_where)) {
        result.references.push_back(std::move(rr));
        return true;
    }
    auto expected = crypto::base64_decode(digest_text);
    if (!expected) {
        verdict.fail("DSIG-BASE64-INVALID", "DigestValue is not valid base64", Indication::total_failed,
                     SubIndication::format_failure, ref_where());
        result.references.push_back(std::move(rr));
        return true;
    }
    ReferenceOutcome outcome = process_reference(reference_scope(), ref, *digest_alg);
    if (outcome.needs_document) {
        strategy_declined = true;
        return false;
    }
    rr.transforms = outcome.transforms;
    if (!outcome.failure_code.empty()) {
        const std::string& code = outcome.failure_code;
        Indication ind = Indication::total_failed;
        SubIndication sub = SubIndication::format_failure;
        if (code == "DSIG-REF-EXTERNAL" || code == "DSIG-REF-NOT-FOUND" || code == "DSIG-REF-UNSUPPORTED-URI") {
            ind = Indication::indeterminate;
            sub = SubIndication::signed_data_not_found;
        }
        verdict.fail(code.c_str(), outcome.failure_message, ind, sub, ref_where());
        result.references.push_back(std::move(rr));
        return true;
    }
    rr.resolved = true;
    rr.excludes_signature = outcome.enveloped;
    if (outcome.filter_within_target)
        verdict.note("DSIG-XPATH-FILTER-WITHIN-TARGET", Severity::warning,
                     "Reference URI=\"" + rr.uri + "\" points inside a ds:Signature; its not(ancestor-or-self::Signature) "
                     "filter was applied within the referenced element (as .NET and Santuario do), not to the whole "
                     "document, where it would have removed everything",
                     ref_where());
    if (outcome.target) {
        // Signed data inside the signature (XAdES SignedProperties): below the signature's path.
        rr.signed_node = location.empty() && xml::is_within(outcome.target, sig) ? xml::node_path_below(outcome.target, sig, where)
                                                                         : xml::node_path(outcome.target);
        rr.covers_document_element = outcome.target->type == XML_DOCUMENT_NODE || outcome.target == xmlDocGetRootElement(doc);
        if (!check_hidden_original(outcome.target, rr, ref_where)) return false;
    } else {
        rr.signed_node = "detached:" + rr.uri;
    }
    rr.signed_octets = std::move(outcome.octets);
    rr.digest_ok = outcome.digest == *expected;
    if (!rr.digest_ok)
        verdict.fail("DSIG-REF-DIGEST-MISMATCH",
                     "the digest of Reference URI=\"" + rr.uri + "\" does not match: the signed data was changed",
                     Indication::total_failed, SubIndication::hash_failure, ref_where());
    result.references.push_back(std::move(rr));
    return true;
}

// KeyInfo (unsigned): certificates of X509Data (through the verifier's cache) and X509Data that
// only names a certificate (found among the certificates at hand), a KeyValue or
// DEREncodedKeyValue, and same-document pointers to more of them (RetrievalMethod,
// KeyInfoReference). The profile's clues (XAdES CertificateValues, SigningCertificate) are read
// first: the certificates they carry can be named by KeyInfo too.
bool SignatureCheck::read_key_info() {
    if (state.profile) clues = state.profile->signer_clues(sig, options);
    for (const crypto::Bytes& der : clues.carried_certificates)
        if (auto cert = state.certificate(der)) carried.push_back(*cert);
    return !key_info || read_key_info_children(key_info, 0);
}

bool SignatureCheck::read_key_info_children(const xmlNode* parent, int hops) {
    for (const xmlNode* item = xml::first_element_child(parent); item; item = xml::next_element_sibling(item))
        if (!read_key_info_item(item, hops)) return false;
    return true;
}

bool SignatureCheck::read_key_info_item(const xmlNode* item, int hops) {
    if (xml::is_element(item, uri::ds_ns, "X509Data")) return read_x509_data(item);
    if (xml::is_element(item, uri::ds_ns, "KeyValue")) return key_value || read_key_value(item);
    if (xml::is_element(item, uri::dsig11_ns, "DEREncodedKeyValue")) return key_value || read_der_key_value(item);
    const bool retrieval = xml::is_element(item, uri::ds_ns, "RetrievalMethod");
    if (!retrieval && !xml::is_element(item, uri::dsig11_ns, "KeyInfoReference")) return true;
    const xmlNode* target = follow_key_info_pointer(item, hops);
    if (!target) return true;
    if (xml::is_element(target, uri::ds_ns, "KeyInfo")) return read_key_info_children(target, hops + 1);
    if (!retrieval) {
        key_info_unresolved(item, "it does not point at a ds:KeyInfo");
        return true;
    }
    return read_key_info_item(target, hops + 1);
}

// The element a RetrievalMethod or KeyInfoReference names, or null (a warning says why). Only a
// same-document "#id" is followed, without transforms, at most k_max_key_info_hops pointers in a
// chain and never to an element already followed: nothing is fetched and no loop runs.
const xmlNode* SignatureCheck::follow_key_info_pointer(const xmlNode* pointer, int hops) {
    const std::string target_uri = attribute(pointer, "URI");
    if (target_uri.size() < 2 || target_uri[0] != '#')
        return key_info_unresolved(pointer, "only a same-document reference (\"#id\") is followed");
    if (child_named(pointer, uri::ds_ns, "Transforms"))
        return key_info_unresolved(pointer, "transforms are not applied to key information");
    if (hops >= k_max_key_info_hops)
        return key_info_unresolved(pointer, "too many references in a chain");
    const std::string id = target_uri.substr(1);
    const auto found = ids.elements.find(id);
    if (found == ids.elements.end()) return key_info_unresolved(pointer, "no element has this Id");
    if (ids.duplicates.count(id)) return key_info_unresolved(pointer, "the Id is not unique");
    const xmlNode* target = found->second;
    if (std::find(followed.begin(), followed.end(), target) != followed.end() || target == pointer)
        return key_info_unresolved(pointer, "it leads back to key information already read (a loop)");
    const std::string type = attribute(pointer, "Type");
    if (!type.empty() && type != std::string(uri::ds_ns) + "X509Data")
        return key_info_unresolved(pointer, "only the X509Data type is supported");
    if (!type.empty() && !xml::is_element(target, uri::ds_ns, "X509Data"))
        return key_info_unresolved(pointer, "its Type is X509Data but it points at another element");
    followed.push_back(target);
    return target;
}

const xmlNode* SignatureCheck::key_info_unresolved(const xmlNode* pointer, const char* why) {
    verdict.note("DSIG-KEYINFO-UNRESOLVED", Severity::warning,
                 std::string(xml::sv(pointer->name)) + " URI=\"" + attribute(pointer, "URI") + "\" is not used: " + why, where);
    return nullptr;
}

bool SignatureCheck::add_key_info_certificate(CertificatePtr cert) {
    if (certs.size() >= options.max_certificates) {
        verdict.fail("DSIG-TOO-MANY", "more than " + std::to_string(options.max_certificates) + " certificates in KeyInfo",
                     Indication::total_failed, SubIndication::format_failure, where);
        return false;
    }
    certs.push_back(std::move(cert));
    return true;
}

bool SignatureCheck::read_x509_data(const xmlNode* data) {
    // Names beside a certificate in the same X509Data describe that certificate (signers write
    // X509SubjectName or X509IssuerSerial next to X509Certificate): only a name standing alone
    // is looked up.
    const bool carries_certificate = child_named(data, uri::ds_ns, "X509Certificate") != nullptr;
    for (const xmlNode* x = xml::first_element_child(data); x; x = xml::next_element_sibling(x)) {
        if (xml::is_element(x, uri::ds_ns, "X509IssuerSerial") || xml::is_element(x, uri::ds_ns, "X509SubjectName") ||
            xml::is_element(x, uri::ds_ns, "X509SKI")) {
            if (!carries_certificate && !resolve_certificate_name(x)) return false;
            continue;
        }
        if (!xml::is_element(x, uri::ds_ns, "X509Certificate")) continue;
        const std::string der_text = xml::text_content(x);
        if (base64_too_large(der_text, "X509Certificate", where)) return false;
        auto der = crypto::base64_decode(der_text);
        if (!der) {
            verdict.fail("DSIG-BASE64-INVALID", "X509Certificate is not valid base64", Indication::total_failed,
                         SubIndication::format_failure, where);
            return false;
        }
        auto cert = state.certificate(*der);
        if (!cert) {
            verdict.fail("DSIG-CERT-UNREADABLE", "X509Certificate is not a DER certificate: " + cert.error().message,
                         Indication::total_failed, SubIndication::format_failure, where);
            return false;
        }
        if (!add_key_info_certificate(*cert)) return false;
    }
    return true;
}

// X509Data that names a certificate without carrying it: the certificate is taken from those
// the signature carries elsewhere or the caller supplies (extra certificates, anchors).
bool SignatureCheck::resolve_certificate_name(const xmlNode* name) {
    const std::string kind(xml::sv(name->name));
    std::optional<crypto::Bytes> ski;
    if (kind == "X509SKI") {
        const std::string text = xml::text_content(name);
        if (base64_too_large(text, "X509SKI", where)) return false;
        auto decoded = crypto::base64_decode(text);
        if (decoded) ski = std::move(*decoded);
    }
    const std::string issuer = normalized_dn(xml::text_content(child_named(name, uri::ds_ns, "X509IssuerName")));
    const std::string serial = trimmed(xml::text_content(child_named(name, uri::ds_ns, "X509SerialNumber")));
    const std::string subject = normalized_dn(xml::text_content(name));
    for (const CertificatePtr& cert : known_certificates()) {
        const bool match = kind == "X509SKI"            ? ski && subject_key_id(cert->certificate) == *ski
                           : kind == "X509SubjectName" ? !subject.empty() && normalized_dn(cert->summary.subject) == subject
                                                       : !serial.empty() && serial == cert->summary.serial &&
                                                             normalized_dn(cert->summary.issuer) == issuer;
        if (match) return add_key_info_certificate(cert);
    }
    verdict.note("DSIG-KEYINFO-UNRESOLVED", Severity::warning,
                 kind + " names a certificate that neither the signature nor the caller's certificates hold", where);
    return true;
}

// Certificates at hand besides KeyInfo's: the profile's carried ones, then the caller's extra
// certificates and anchors (made once per signature, only when needed).
const std::vector<CertificatePtr>& SignatureCheck::known_certificates() {
    if (known_ready) return known;
    known_ready = true;
    known = carried;
    const auto add = [&](const crypto::Certificate& c) {
        if (auto cert = state.certificate(c.der())) known.push_back(*cert);
    };
    for (const crypto::Certificate& c : options.extra_certificates) add(c);
    for (const crypto::Certificate& c : options.trust.anchors()) add(c);
    return known;
}

bool SignatureCheck::read_key_value(const xmlNode* item) {
    const xmlNode* kv = xml::first_element_child(item);
    Result<internal::EvpPkeyPtr> parsed = make_error(Errc::unsupported, "unsupported KeyValue");
    if (xml::is_element(kv, uri::ds_ns, "RSAKeyValue")) {
        const std::string n_text = xml::text_content(child_named(kv, uri::ds_ns, "Modulus"));
        const std::string e_text = xml::text_content(child_named(kv, uri::ds_ns, "Exponent"));
        if (base64_too_large(n_text, "RSAKeyValue/Modulus", where) || base64_too_large(e_text, "RSAKeyValue/Exponent", where))
            return false;
        auto n = crypto::base64_decode(n_text);
        auto e = crypto::base64_decode(e_text);
        if (n && e && child_named(kv, uri::ds_ns, "Modulus") && child_named(kv, uri::ds_ns, "Exponent"))
            parsed = crypto::rsa_public_key(*n, *e);
    } else if (xml::is_element(kv, uri::dsig11_ns, "ECKeyValue")) {
        const xmlNode* named = child_named(kv, uri::dsig11_ns, "NamedCurve");
        const xmlNode* point = child_named(kv, uri::dsig11_ns, "PublicKey");
        std::string oid = named ? attribute(named, "URI") : std::string();
        std::string curve = oid == "urn:oid:1.2.840.10045.3.1.7" ? "P-256"
                            : oid == "urn:oid:1.3.132.0.34" ? "P-384"
                            : oid == "urn:oid:1.3.132.0.35" ? "P-521" : "";
        const std::string point_text = point ? xml::text_content(point) : std::string();
        if (base64_too_large(point_text, "ECKeyValue/PublicKey", where)) return false;
        auto bytes = crypto::base64_decode(point_text);
        if (!curve.empty() && bytes) parsed = crypto::ec_public_key(curve, *bytes);
    }
    if (parsed) {
        key_value_owned = std::move(*parsed);
        key_value = key_value_owned.get();
    } else {
        verdict.note("DSIG-KEY-NOT-FOUND", Severity::warning, "KeyValue ignored: " + parsed.error().message, where);
    }
    return true;
}

// dsig11:DEREncodedKeyValue: a DER SubjectPublicKeyInfo.
bool SignatureCheck::read_der_key_value(const xmlNode* item) {
    const std::string text = xml::text_content(item);
    if (base64_too_large(text, "DEREncodedKeyValue", where)) return false;
    auto der = crypto::base64_decode(text);
    auto parsed = der ? crypto::PublicKey::from_memory(*der)
                      : Result<crypto::PublicKey>(make_error(Errc::parse_error, "not valid base64"));
    if (!parsed) {
        verdict.note("DSIG-KEY-NOT-FOUND", Severity::warning, "DEREncodedKeyValue ignored: " + parsed.error().message, where);
        return true;
    }
    der_key.emplace(std::move(*parsed));
    key_value = der_key->impl().key.get();
    return true;
}

// The signer certificate of KeyInfo alone: the single certificate that issued none of the others
// (duplicates count once). Null with `ambiguous` set when there are several.
CertificatePtr SignatureCheck::key_info_leaf(bool& ambiguous) const {
    ambiguous = false;
    if (certs.empty()) return nullptr;
    std::vector<std::size_t> leaves;
    bool first_differs = false;
    for (std::size_t i = 0; i < certs.size(); ++i) {
        bool issues_another = false;
        for (std::size_t j = 0; j < certs.size() && !issues_another; ++j)
            issues_another = i != j && X509_NAME_cmp(X509_get_issuer_name(x509_of(certs[j])), X509_get_subject_name(x509_of(certs[i]))) == 0 &&
                             X509_NAME_cmp(X509_get_subject_name(x509_of(certs[j])), X509_get_subject_name(x509_of(certs[i]))) != 0;
        if (!issues_another) leaves.push_back(i);
    }
    const CertificatePtr first = leaves.empty() ? nullptr : certs[leaves.front()];
    for (std::size_t i : leaves)
        if (certs[i]->summary.sha256 != first->summary.sha256) first_differs = true;
    ambiguous = !first || first_differs;
    return ambiguous ? nullptr : first;
}

// True when the profile's signed properties name `cert` as the signer (by any CertDigest).
bool SignatureCheck::named_by_clues(const CachedCertificate& cert) const {
    for (const SignerClues::CertDigest& d : clues.signer_digests) {
        const bool same = d.algorithm == crypto::DigestAlg::sha256 ? cert.sha256 == d.value
                                                                    : crypto::digest(d.algorithm, cert.certificate.der()) == d.value;
        if (same) return true;
    }
    return false;
}

// The certificates the signed properties name, from KeyInfo, the signature's carried ones and the
// caller's, each once; then KeyInfo's own signer (`leaf`) when it is not among them, as the last
// try (a substituted key then still verifies and the profile reports the mismatch).
void SignatureCheck::collect_signer_candidates(const CertificatePtr& leaf) {
    const auto add = [&](const CertificatePtr& cert, bool named) {
        for (const SignerCandidate& c : candidates)
            if (c.certificate->sha256 == cert->sha256) return;
        candidates.push_back(SignerCandidate{cert, named});
    };
    for (const CertificatePtr& cert : certs)
        if (named_by_clues(*cert)) add(cert, true);
    for (const CertificatePtr& cert : known_certificates())
        if (named_by_clues(*cert)) add(cert, true);
    if (leaf) add(leaf, false);
    if (!key_value) return;
    // A KeyValue in KeyInfo as well: only certificates of that key can be the signer.
    std::erase_if(candidates, [&](const SignerCandidate& c) {
        return EVP_PKEY_eq(key_value, crypto::get0_public_key(c.certificate->certificate)) != 1;
    });
}

void SignatureCheck::set_signer(const CertificatePtr& signer) {
    key.certificate = signer;
    key.key = crypto::get0_public_key(signer->certificate);
    key.others.clear();
    for (const auto* list : {&certs, &carried})
        for (const CertificatePtr& cert : *list)
            if (cert->sha256 != signer->sha256) key.others.push_back(cert);
}

bool SignatureCheck::choose_signer_key() {
    bool ambiguous = false;
    const CertificatePtr leaf = key_info_leaf(ambiguous);
    // The signed properties name the signer and KeyInfo's signer is not it (or KeyInfo has none,
    // or several): the signer is looked for among every certificate at hand.
    if (!clues.signer_digests.empty() && !(leaf && named_by_clues(*leaf))) {
        collect_signer_candidates(leaf);
        if (!candidates.empty()) {
            set_signer(candidates.front().certificate);
            return mark_trusted_key();
        }
        if (key_value && leaf) return keyvalue_mismatch();  // KeyInfo's own signer is not the KeyValue's
    }
    if (ambiguous) {
        verdict.fail("DSIG-KEYINFO-AMBIGUOUS", "KeyInfo holds several certificates and no single signer among them",
                     Indication::indeterminate, SubIndication::no_signing_certificate_found, where);
        return false;
    }
    if (leaf) {
        set_signer(leaf);
        if (key_value && EVP_PKEY_eq(key_value, key.key) != 1) return keyvalue_mismatch();
    } else if (key_value) {
        key.key = key_value;
        for (const CertificatePtr& cert : carried) key.others.push_back(cert);
    }
    return mark_trusted_key();
}

bool SignatureCheck::keyvalue_mismatch() {
    verdict.fail("DSIG-KEYVALUE-MISMATCH", "KeyValue is not the public key of the certificate in KeyInfo",
                 Indication::total_failed, SubIndication::sig_crypto_failure, where);
    return false;
}

// Keys the caller trusts explicitly: the embedded key must be one of them, or, when the
// signature carries no key, one of them must verify it.
bool SignatureCheck::mark_trusted_key() {
    for (const crypto::PublicKey& trusted : options.trusted_keys) {
        EVP_PKEY* t = trusted.impl().key.get();
        if (t && key.key && EVP_PKEY_eq(t, key.key) == 1) key.trusted_directly = true;
    }
    return true;
}

// Several certificates may be the signer (see choose_signer_key): the first whose key verifies
// the signature value is. None does: the first one the signed properties name stays (its
// failure is reported); when none is named, the signer's certificate is not at hand.
bool SignatureCheck::verify_with_candidates(std::span<const std::uint8_t> message, std::span<const std::uint8_t> value,
                                            crypto::VerifyOutcome& outcome) {
    for (const SignerCandidate& c : candidates) {
        if (c.certificate != key.certificate) set_signer(c.certificate);
        outcome = crypto::verify_message(key.key, sig_info->params, message, value);
        if (outcome.status == crypto::VerifyStatus::valid) {
            if (c.named)
                verdict.note("DSIG-SIGNER-IDENTIFIED", Severity::info,
                             "the signer's certificate was identified by the signed reference to it (XAdES "
                             "SigningCertificate) and the signature value, not by the unsigned KeyInfo",
                             where);
            return mark_trusted_key();
        }
    }
    const auto named = std::find_if(candidates.begin(), candidates.end(), [](const SignerCandidate& c) { return c.named; });
    if (named == candidates.end()) {
        verdict.fail("DSIG-KEY-NOT-FOUND",
                     "the certificate the signed properties name as the signer's is neither in the signature nor among the "
                     "caller's certificates, and no other certificate verifies the signature",
                     Indication::indeterminate, SubIndication::no_signing_certificate_found, where);
        return false;
    }
    set_signer(named->certificate);
    outcome = crypto::verify_message(key.key, sig_info->params, message, value);
    return mark_trusted_key();
}

void SignatureCheck::check_key_size(EVP_PKEY* k) {
    const crypto::KeyType type = crypto::key_type_of(k);
    if (type != crypto::KeyType::rsa && type != crypto::KeyType::rsa_pss) return;
    const int bits = crypto::key_bits_of(k);
    const int minimum = static_cast<int>(options.min_rsa_bits);
    if (bits >= minimum) return;
    if (legacy_ok && bits >= 1024) {
        verdict.note("DSIG-ALG-WEAK", Severity::warning, "RSA key of " + std::to_string(bits) + " bits accepted as legacy", where);
        return;
    }
    verdict.fail("DSIG-KEY-TOO-SMALL", "RSA key of " + std::to_string(bits) + " bits is below the minimum of " + std::to_string(minimum),
                 Indication::indeterminate, SubIndication::crypto_constraints_failure, where);
}

bool SignatureCheck::check_signature_value() {
    if (!algorithms_usable) return false;
    if (out_of_time(where)) return false;
    const std::string value_text = xml::text_content(signature_value);
    if (base64_too_large(value_text, "SignatureValue", where)) return false;
    auto value = crypto::base64_decode(value_text);
    if (!value) {
        verdict.fail("DSIG-BASE64-INVALID", "SignatureValue is not valid base64", Indication::total_failed,
                     SubIndication::format_failure, where);
        return false;
    }
    auto octets = compute_signed_info_octets(doc, signed_info, *c14n);
    if (!octets) {
        verdict.fail("DSIG-STRUCTURE", "SignedInfo cannot be canonicalized: " + octets.error().message,
                     Indication::total_failed, SubIndication::format_failure, where);
        return false;
    }
    const std::span<const std::uint8_t> message(reinterpret_cast<const std::uint8_t*>(octets->data()), octets->size());


    crypto::VerifyOutcome outcome;
    if (!key.key) {
        // No key in the signature: try the caller's trusted keys.
        for (const crypto::PublicKey& trusted : options.trusted_keys) {
            EVP_PKEY* t = trusted.impl().key.get();
            if (!t) continue;
            crypto::VerifyOutcome o = crypto::verify_message(t, sig_info->params, message, *value);
            if (o.status == crypto::VerifyStatus::valid) {
                key.key = t;
                key.trusted_directly = true;
                outcome = o;
                break;
            }
        }
        if (!key.key) {
            verdict.fail("DSIG-KEY-NOT-FOUND",
                         options.trusted_keys.empty() ? "the signature carries no usable key and no trusted key was given"
                                                      : "the signature carries no key and no trusted key verifies it",
                         options.trusted_keys.empty() ? Indication::indeterminate : Indication::total_failed,
                         options.trusted_keys.empty() ? SubIndication::no_signing_certificate_found : SubIndication::sig_crypto_failure,
                         where);
            return false;
        }
    } else if (!candidates.empty()) {
        if (!verify_with_candidates(message, *value, outcome)) return false;
    } else {
        outcome = crypto::verify_message(key.key, sig_info->params, message, *value);
    }
    check_key_size(key.key);
    if (outcome.status == crypto::VerifyStatus::key_mismatch) {
        verdict.fail("DSIG-KEY-ALG-MISMATCH", "the signer's key type does not fit " + result.signature_method,
                     Indication::total_failed, SubIndication::sig_crypto_failure, where);
        return false;
    }
    if (outcome.status != crypto::VerifyStatus::valid) {
        verdict.fail("DSIG-SIGNATURE-INVALID", "the SignatureValue does not verify with the signer's key",
                     Indication::total_failed, SubIndication::sig_crypto_failure, where);
    } else {
        result.signature_value_ok = true;
        if (outcome.ecdsa_der_encoded)
            verdict.note("DSIG-ECDSA-DER", Severity::warning, "ECDSA SignatureValue is DER-encoded, not r||s as XMLDSig requires", where);
    }

    return true;
}

// A profile's step records into the signature's verdict, at the signature's location.
class ProfileRecord final : public StepRecord {
public:
    ProfileRecord(Verdict& verdict, SignatureResult& result, const std::string& where)
        : m_verdict(verdict), m_result(result), m_where(where) {}
    void fail(const char* code, std::string message, Indication indication, SubIndication sub) override {
        m_verdict.fail(code, std::move(message), indication, sub, m_where);
    }
    void note(const char* code, Severity severity, std::string message) override {
        m_verdict.note(code, severity, std::move(message), m_where);
    }
    SignatureResult& result() override { return m_result; }
private:
    Verdict& m_verdict;
    SignatureResult& m_result;
    const std::string& m_where;
};

// The profile's steps (XAdES), in its order; one may prove an earlier time of existence: the
// time at which the certificate path is validated.
crypto::TimePoint SignatureCheck::run_profile() {
    if (!state.profile) return at;
    SignatureView signature{.doc = doc, .ids = &ids, .signature = sig, .signed_info = signed_info,
                            .signature_value = signature_value, .references = references, .signer = std::nullopt,
                            .validation_time = at, .options = &options, .partial_document = whole_document != nullptr};
    if (key.certificate)
        signature.signer.emplace(SignerCertificate{key.certificate->certificate, key.certificate->sha256, key.certificate->summary});
    ProfileRecord record(verdict, result, where);
    const std::unique_ptr<ProfileRun> run = state.profile->start();
    for (const ProfileStep& step : state.profile->steps())
        if (!step.run(*run, signature, record)) break;
    poe = record.best_signature_time;
    evidence = std::move(record.revocation_evidence);
    strategy_declined = strategy_declined || record.needs_document;
    return record.best_signature_time.value_or(at);
}

void SignatureCheck::check_certificate(crypto::TimePoint path_time) {
    if (key.certificate) result.signer = key.certificate->summary;
    if (key.trusted_directly) {
        verdict.note("DSIG-KEY-TRUSTED", Severity::info, "the signer's key is trusted explicitly by the caller", where);
    } else if (key.certificate) {
        const auto cached_path = state.validate(*key.certificate, key.others, path_time, &evidence);
        const crypto::PathValidationResult& path = cached_path->result;
        result.chain = cached_path->chain;
        if (result.signer && !result.chain.empty()) result.signer->revocation = result.chain.front().revocation;
        switch (path.status) {
            case crypto::PathStatus::valid: check_revocation(*cached_path); break;
            case crypto::PathStatus::no_chain:
                verdict.fail("DSIG-CERT-UNTRUSTED", "no path to a trust anchor: " + path.message, Indication::indeterminate,
                             SubIndication::no_certificate_chain_found, where);
                break;
            case crypto::PathStatus::expired:
                verdict.fail("DSIG-CERT-EXPIRED", path.message, Indication::indeterminate, SubIndication::expired, where);
                break;
            case crypto::PathStatus::not_yet_valid:
                verdict.fail("DSIG-CERT-NOT-YET-VALID", path.message, Indication::indeterminate, SubIndication::not_yet_valid, where);
                break;
            case crypto::PathStatus::bad_key_usage:
                verdict.fail("DSIG-CERT-KEY-USAGE", path.message, Indication::indeterminate,
                             SubIndication::chain_constraints_failure, where);
                break;
            case crypto::PathStatus::bad_signature:
            case crypto::PathStatus::invalid:
                verdict.fail("DSIG-CERT-INVALID", path.message, Indication::indeterminate,
                             SubIndication::chain_constraints_failure, where);
                break;
        }
    } else {
        verdict.fail("DSIG-CERT-NO-CERTIFICATE", "the key comes from KeyValue only and is not trusted", Indication::indeterminate,
                     SubIndication::no_certificate_chain_found, where);
    }
}

// The status step's verdicts (EN 319 102-1 §5.2.6 and §5.6.2.4): a revoked signer certificate
// fails (TOTAL_FAILED / REVOKED) when a proof of existence came after the revocation, is
// INDETERMINATE / REVOKED_NO_POE without one, and stays valid when the proof predates the
// revocation; a revoked CA likewise (REVOKED_CA_NO_POE); a status required but not obtained is
// INDETERMINATE / TRY_LATER. What was not checked is a warning.
void SignatureCheck::check_revocation(const CachedPath& path) {
    const auto add = [&](const char* code, Severity severity, std::string en, std::string es,
                         std::optional<std::pair<Indication, SubIndication>> fail) {
        if (fail) verdict.fail(code, std::move(en), fail->first, fail->second, where);
        else verdict.note(code, severity, std::move(en), where);
        result.findings.back().severity = severity;
        result.findings.back().message_es = std::move(es);
    };
    if (state.status_source_error) {
        add("DSIG-CERT-REVOCATION-UNAVAILABLE", Severity::error,
            "certificate status could not be set up: " + state.status_source_error->to_string(),
            "no se pudo preparar la comprobación del estado de los certificados: " + state.status_source_error->message,
            std::pair{Indication::indeterminate, SubIndication::try_later});
        return;
    }
    bool off_reported = false;
    for (std::size_t i = 0; i < path.elements.size(); ++i) {
        const crypto::ChainElement& element = path.elements[i];
        if (element.anchor) continue;
        const crypto::CertificateStatus& st = element.status;
        const std::string who = i == 0 ? "the signer's certificate" : "the CA certificate " + element.certificate.subject();
        const std::string quien = i == 0 ? "el certificado del firmante" : "el certificado de CA " + element.certificate.subject();
        if (st.status == crypto::RevocationStatus::revoked) {
            const std::string when = st.revocation_time ? format_rfc3339(*st.revocation_time) : "an unknown time";
            const std::string why = st.reason.empty() ? "" : " (" + st.reason + ")";
            if (poe && st.revocation_time && *poe < *st.revocation_time) {
                add("DSIG-CERT-REVOKED-AFTER-POE", Severity::info,
                    who + " was revoked at " + when + why + ", after the signature time-stamp of " + format_rfc3339(*poe) +
                        ": the signature existed before the revocation and stays valid",
                    quien + " fue revocado el " + when + why + ", después del sello de tiempo de la firma del " +
                        format_rfc3339(*poe) + ": la firma existía antes de la revocación y sigue siendo válida",
                    std::nullopt);
            } else if (i == 0) {
                const bool proven_after = poe.has_value() && st.revocation_time.has_value();
                add("DSIG-CERT-REVOKED", Severity::error,
                    who + " was revoked at " + when + why +
                        (proven_after ? ", before the signature time-stamp" : " and nothing proves the signature existed before"),
                    quien + " fue revocado el " + when + why +
                        (proven_after ? ", antes del sello de tiempo de la firma" : " y nada prueba que la firma existiera antes"),
                    proven_after ? std::pair{Indication::total_failed, SubIndication::revoked}
                                 : std::pair{Indication::indeterminate, SubIndication::revoked_no_poe});
            } else {
                add("DSIG-CERT-CA-REVOKED", Severity::error,
                    who + " was revoked at " + when + why + " and nothing proves the signature existed before",
                    quien + " fue revocado el " + when + why + " y nada prueba que la firma existiera antes",
                    std::pair{Indication::indeterminate, SubIndication::revoked_ca_no_poe});
            }
        } else if (st.status != crypto::RevocationStatus::good && st.required) {
            const std::string retry = st.next_try ? " (try again after " + format_rfc3339(*st.next_try) + ")" : "";
            const std::string reintento = st.next_try ? " (reintentar después del " + format_rfc3339(*st.next_try) + ")" : "";
            add("DSIG-CERT-REVOCATION-UNKNOWN", Severity::error,
                "no usable status for " + who + ": [" + st.code + "] " + st.message + retry,
                "no hay un estado utilizable para " + quien + ": [" + st.code + "] " + st.message_es + reintento,
                std::pair{Indication::indeterminate, SubIndication::try_later});
        } else if (st.status == crypto::RevocationStatus::not_checked && !st.code.empty()) {
            if (st.code == "REV-OFF") {
                if (off_reported) continue;
                off_reported = true;
            }
            add(st.code == "REV-OFF" ? "DSIG-CERT-REVOCATION-OFF" : "DSIG-CERT-REVOCATION-NOT-CHECKED", Severity::warning,
                st.code == "REV-OFF" ? st.message : who + ": " + st.message,
                st.code == "REV-OFF" ? st.message_es : quien + ": " + st.message_es, std::nullopt);
        }
    }
}

// dsig's own steps, in order; each false stops the signature's check (its verdict recorded).
// A profile's steps follow (run_profile), then the certificate step.
struct CoreStep {
    std::string_view name;
    bool (SignatureCheck::*run)();
};
constexpr CoreStep k_core_steps[] = {
    {"structure", &SignatureCheck::read_structure},
    {"algorithms", &SignatureCheck::check_algorithms},
    {"references", &SignatureCheck::check_references},
    {"key-info", &SignatureCheck::read_key_info},
    {"signer-key", &SignatureCheck::choose_signer_key},
    {"signature-value", &SignatureCheck::check_signature_value},
};

}  // namespace

bool Verifier::State::verify_signature(const DocumentView& view, const xmlNode* sig, crypto::TimePoint at,
                                       const Deadline& deadline, SignatureResult& result, const std::string& location) const {
    result.id = attribute(sig, "Id");
    result.location = location.empty() ? xml::node_path(sig) : location;
    SignatureCheck check(*this, options, view, sig, at, deadline, result, location);
    for (const CoreStep& step : k_core_steps)
        if (!(check.*step.run)()) return !check.declined();
    const crypto::TimePoint path_time = check.run_profile();
    if (check.declined()) return false;
    check.check_certificate(path_time);
    check.finish();
    return true;
}

namespace {

// A guess of the canonicalization and digest of the enveloped reference, read from the text
// near the last enveloped-signature transform. Only speed depends on it: a wrong guess costs a
// second streaming pass, never a wrong verdict.
std::pair<xml::C14nAlgorithm, crypto::DigestAlg> guess_reference_algorithms(std::string_view input) {
    xml::C14nAlgorithm c14n = xml::C14nAlgorithm::exclusive_1_0;
    crypto::DigestAlg digest = crypto::DigestAlg::sha256;
    const std::size_t at = input.rfind("enveloped-signature");
    if (at == std::string_view::npos) return {c14n, digest};
    const std::string_view window = input.substr(at, 1024);
    const std::size_t digest_at = window.find("DigestMethod");
    const std::string_view transforms = window.substr(0, digest_at);
    if (transforms.find("REC-xml-c14n-20010315") != std::string_view::npos ||
        transforms.find("xml-c14n11") != std::string_view::npos ||
        transforms.find("xml-exc-c14n") == std::string_view::npos)
        c14n = xml::C14nAlgorithm::inclusive_1_0;
    const std::string_view method = digest_at == std::string_view::npos ? std::string_view() : window.substr(digest_at, 120);
    if (method.find("sha384") != std::string_view::npos) digest = crypto::DigestAlg::sha384;
    else if (method.find("sha512") != std::string_view::npos) digest = crypto::DigestAlg::sha512;
    else if (method.find("#sha1\"") != std::string_view::npos) digest = crypto::DigestAlg::sha1;
    return {c14n, digest};
}

xml::C14nAlgorithm whole_document_class(xml::C14nAlgorithm a) {
    // For a whole document (no ancestors left out) C14N 1.0 and 1.1 give the same octets.
    return a == xml::C14nAlgorithm::inclusive_1_1 ? xml::C14nAlgorithm::inclusive_1_0 : a;
}

}  // namespace

std::optional<VerificationReport> Verifier::State::verify_streaming(std::string_view input, crypto::TimePoint at,
                                                                     const Deadline& deadline) const {
    struct Pass {
        xml::C14nAlgorithm c14n;
        crypto::DigestAlg digest;
        crypto::Bytes value;
        std::string octets;
    };
    std::vector<std::unique_ptr<Pass>> passes;
    const bool keep = options.keep_signed_content;

    auto [c14n_guess, digest_guess] = guess_reference_algorithms(input);
    auto first = std::make_unique<Pass>(Pass{c14n_guess, digest_guess, {}, {}});
    DigestSink sink(digest_guess, keep ? &first->octets : nullptr);
    xml::StreamOutcome outcome = xml::stream_canonicalize(input, options.limits, c14n_guess, uri::ds_ns, "Signature",
                                                          true, sink);
    if (!outcome.applicable || !outcome.capture.document) return std::nullopt;
    first->value = sink.finish();
    passes.push_back(std::move(first));

    bool stream_failed = false;
    WholeDocumentDigester digester = [&](const xml::C14nMethod& method,
                                         crypto::DigestAlg digest) -> std::optional<WholeDocumentDigest> {
        if (!method.inclusive_prefixes.empty() || stream_failed) return std::nullopt;
        const xml::C14nAlgorithm wanted = whole_document_class(method.algorithm);
        for (const auto& p : passes)
            if (p->c14n == wanted && p->digest == digest) return WholeDocumentDigest{p->value, keep ? &p->octets : nullptr};
        auto pass = std::make_unique<Pass>(Pass{wanted, digest, {}, {}});
        DigestSink again(digest, keep ? &pass->octets : nullptr);
        xml::StreamOutcome second = xml::stream_canonicalize(input, options.limits, wanted, uri::ds_ns, "Signature", false, again);
        if (!second.applicable) {
            stream_failed = true;
            return std::nullopt;
        }
        pass->value = again.finish();
        passes.push_back(std::move(pass));
        return WholeDocumentDigest{passes.back()->value, keep ? &passes.back()->octets : nullptr};
    };

    xmlDocPtr mini = outcome.capture.document.get();
    const xmlNode* sig = xmlDocGetRootElement(mini);
    IdIndex ids = build_id_index(mini);
    // An Id inside the signature that also appears outside it: the DOM path decides (duplicate).
    for (const auto& [id, node] : ids.elements)
        if (outcome.capture.outside_ids.count(id)) return std::nullopt;
    for (const std::string& id : outcome.capture.outside_ids) ids.duplicates.erase(id);
    // References to elements outside the signature cannot be served from the small DOM.
    for (const xmlNode* si = xml::first_element_child(sig); si; si = nullptr) {
        for (const xmlNode* ref = xml::first_element_child(si); ref; ref = xml::next_element_sibling(ref)) {
            if (!xml::is_element(ref, uri::ds_ns, "Reference")) continue;
            std::string ref_uri = attribute(ref, "URI");
            if (ref_uri.size() > 1 && ref_uri[0] == '#' && outcome.capture.outside_ids.count(ref_uri.substr(1)))
                return std::nullopt;
            if (ref_uri.rfind("#xpointer(", 0) == 0) return std::nullopt;
        }
    }
    // Nor can KeyInfo pointers (RetrievalMethod, KeyInfoReference) to elements outside it.
    bool points_outside = false;
    xml::for_each_element(mini, [&](const xmlNode* node) {
        if (!xml::is_element(node, uri::ds_ns, "RetrievalMethod") && !xml::is_element(node, uri::dsig11_ns, "KeyInfoReference"))
            return xml::Walk::descend;
        const std::string target = attribute(node, "URI");
        points_outside = target.size() > 1 && target[0] == '#' && outcome.capture.outside_ids.count(target.substr(1));
        return points_outside ? xml::Walk::stop : xml::Walk::descend;
    });
    if (points_outside) return std::nullopt;

    VerificationReport report;
    report.validation_time = format_rfc3339(at);
    report.well_formed = true;
    report.streamed = true;
    SignatureResult result;
    DocumentView view;
    view.doc = mini;
    view.ids = &ids;
    view.may_edit_document = true;
    view.whole_document = &digester;
    if (!verify_signature(view, sig, at, deadline, result, outcome.capture.location)) return std::nullopt;
    report.indication = result.indication;
    report.sub_indication = result.sub_indication;
    report.findings = result.findings;
    report.signatures.push_back(std::move(result));
    return report;
}

Verifier::Verifier(VerifyOptions options) : m_state(std::make_unique<State>()) {
    m_state->set_options(std::move(options));
}
Verifier VerifierAccess::make(VerifyOptions options, std::shared_ptr<const VerifyProfile> profile) {
    Verifier verifier(std::move(options));
    verifier.m_state->profile = std::move(profile);
    return verifier;
}
Verifier::Verifier(Verifier&&) noexcept = default;
Verifier& Verifier::operator=(Verifier&&) noexcept = default;
Verifier::~Verifier() = default;

const VerifyOptions& Verifier::options() const noexcept { return m_state->options; }

namespace {

Finding document_finding(const char* code, std::string message) {
    return report::make_finding(code, Severity::error, std::move(message));
}

VerificationReport document_failure(VerificationReport report, const char* code, std::string message) {
    report.indication = Indication::total_failed;
    report.sub_indication = SubIndication::format_failure;
    report.findings.push_back(document_finding(code, std::move(message)));
    return report;
}

// The outcome of a parse that failed, as a report.
VerificationReport parse_failure(VerificationReport report, const Error& e) {
    const char* code = e.code == Errc::limit_exceeded ? "XML-LIMIT-EXCEEDED"
                       : e.code == Errc::unsupported  ? "XML-DTD-FORBIDDEN" : "XML-NOT-WELL-FORMED";
    std::string message = e.message;
    if (e.line > 0) message += " (line " + std::to_string(e.line) + ", column " + std::to_string(e.column) + ")";
    return document_failure(std::move(report), code, std::move(message));
}

template <typename Body>
Result<VerificationReport> guarded(Body&& body) {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return make_error(Errc::limit_exceeded, "out of memory while verifying");
    } catch (const std::exception& ex) {
        return make_error(Errc::internal, std::string("unexpected failure while verifying: ") + ex.what());
    }
}

}  // namespace

VerificationReport Verifier::State::verify_document(xmlDocPtr doc, const xmlNode* leave_out, bool may_edit_document,
                                                    crypto::TimePoint at, const Deadline& deadline) const {
    VerificationReport report;
    report.validation_time = format_rfc3339(at);
    report.well_formed = true;
    std::vector<const xmlNode*> signatures;
    xml::for_each_element(doc, [&](const xmlNode* node) {
        if (node == leave_out) return xml::Walk::skip_children;
        if (xml::is_element(node, uri::ds_ns, "Signature")) signatures.push_back(node);
        return xml::Walk::descend;
    });
    if (signatures.empty()) return document_failure(std::move(report), "DSIG-NO-SIGNATURE", "the document holds no ds:Signature");
    if (signatures.size() > options.max_signatures)
        return document_failure(std::move(report), "DSIG-TOO-MANY", "more than " + std::to_string(options.max_signatures) + " signatures");

    const IdIndex ids = build_id_index(doc, leave_out);
    DocumentView view;
    view.doc = doc;
    view.ids = &ids;
    view.leave_out = leave_out;
    view.may_edit_document = may_edit_document;
    report::Verdict verdict;
    for (const xmlNode* sig : signatures) {
        if (deadline.passed()) {
            verdict.add(Indication::indeterminate);
            report.findings.push_back(document_finding(k_time_budget_code, time_budget_message(options.time_budget)));
            break;
        }
        SignatureResult result;
        verify_signature(view, sig, at, deadline, result);
        verdict.add(result.indication, result.sub_indication);
        report.findings.insert(report.findings.end(), result.findings.begin(), result.findings.end());
        report.signatures.push_back(std::move(result));
    }
    report.indication = verdict.indication;
    report.sub_indication = verdict.sub_indication;
    return report;
}

Result<VerificationReport> Verifier::verify(std::string_view input) const {
    return guarded([&]() -> Result<VerificationReport> {
        const VerifyOptions& options = m_state->options;
        const Deadline deadline(options.time_budget);
        const crypto::TimePoint at = options.validation_time.value_or(std::chrono::system_clock::now());
        const std::size_t threshold = options.streaming_threshold_bytes;
        if (threshold > 0 && input.size() >= threshold)
            if (auto streamed = m_state->verify_streaming(input, at, deadline)) return std::move(*streamed);
        auto parsed = xml::XmlDocument::parse(input, options.limits);
        if (!parsed) {
            VerificationReport report;
            report.validation_time = format_rfc3339(at);
            return parse_failure(std::move(report), parsed.error());
        }
        return m_state->verify_document(xml::get(*parsed), nullptr, true, at, deadline);
    });
}

Result<VerificationReport> verify_parsed(const Verifier& verifier, const xml::XmlDocument& document, const xmlNode* leave_out) {
    return guarded([&]() -> Result<VerificationReport> {
        const auto& state = VerifierAccess::state(verifier);
        xmlDocPtr doc = xml::get(document);
        if (leave_out && (leave_out->doc != doc || leave_out->type != XML_ELEMENT_NODE))
            return make_error(Errc::invalid_argument, "the subtree to leave out is not an element of the document");
        // A part of a signature cannot be absent while that signature is read.
        for (const xmlNode* n = leave_out ? leave_out->parent : nullptr; n; n = n->parent)
            if (xml::is_element(n, uri::ds_ns, "Signature"))
                return make_error(Errc::invalid_argument, "the subtree to leave out lies inside a ds:Signature");
        const Deadline deadline(state.options.time_budget);
        const crypto::TimePoint at = state.options.validation_time.value_or(std::chrono::system_clock::now());
        return state.verify_document(doc, leave_out, false, at, deadline);
    });
}

}  // namespace istmo::dsig
