#pragma once
// XMLDSig verification. The result answers *what exactly was signed*: each reference lists the
// node it covers and (optionally) the exact canonical octets that were digested, so callers
// never act on unsigned parts of a file.
//
// Thread safety: a Verifier may verify from many threads at once; its certificate and
// path-validation caches are internally synchronised.
#include <istmo/core/result.hpp>
#include <istmo/crypto/keys.hpp>
#include <istmo/crypto/public_key.hpp>
#include <istmo/crypto/revocation.hpp>
#include <istmo/export.hpp>
#include <istmo/report/report.hpp>
#include <istmo/xml/document.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::dsig {

// Content of a detached reference (a Reference URI outside the document, e.g. "doc.txt"),
// supplied by the caller: return the octets, or nullopt when the caller has none. istmo itself
// never fetches anything; without a resolver such references are DSIG-REF-EXTERNAL.
using DetachedContentResolver = std::function<std::optional<std::vector<std::uint8_t>>(std::string_view uri)>;

struct VerifyOptions {
    crypto::TrustStore trust;  // anchors for the signer's certificate; empty = nothing trusted
    // Untrusted certificates offered for path building only, for documents whose KeyInfo does
    // not carry the intermediates: they are added to the KeyInfo certificates when a path from
    // the signer to an anchor in `trust` is built, and are never anchors themselves (a path
    // ending in one of them is NO_CERTIFICATE_CHAIN_FOUND). They pick no signer on their own:
    // the signer certificate comes from KeyInfo, where X509Data that only names a certificate
    // (X509IssuerSerial, X509SubjectName, X509SKI) is resolved against these and the anchors;
    // for XAdES, the certificate the signed SigningCertificate(V2) names may also be taken from
    // here (or the anchors) when KeyInfo lacks it or is ambiguous, and the signature value must
    // verify with it. XAdES also offers them for the path of a SignatureTimeStamp's TSA
    // certificate. Not counted against max_certificates.
    // Thread safety: like `trust`, fixed once a Verifier is built from these options (the
    // Verifier keeps its own copy; certificates are immutable and shared).
    std::vector<crypto::Certificate> extra_certificates;
    // Keys trusted directly (no certificate): a signature verified with one of them passes.
    std::vector<crypto::PublicKey> trusted_keys;
    // Validation time for the certificate path; nullopt = now.
    std::optional<std::chrono::system_clock::time_point> validation_time;
    DetachedContentResolver detached_content;
    bool allow_legacy = false;        // SHA-1 digests/signatures and RSA >= 1024 (reported as weak)
    bool keep_signed_content = true;  // fill ReferenceResult::signed_octets
    // Documents at least this large are verified by a streaming pass when they have the common
    // shape (one enveloped signature over URI=""): memory O(signature) instead of ~13x the
    // document. Anything else falls back to the DOM path. 0 disables streaming.
    std::size_t streaming_threshold_bytes = 1024 * 1024;
    std::size_t min_rsa_bits = 2048;
    std::size_t max_signatures = 16;
    std::size_t max_references = 64;
    std::size_t max_transforms = 8;
    std::size_t max_certificates = 16;
    // Longest base64 text accepted in one signature value (DigestValue, SignatureValue,
    // X509Certificate, KeyValue parts, XAdES digests and EncapsulatedTimeStamp): checked before
    // decoding; longer gives DSIG-BASE64-TOO-LARGE. Content under a Base64 transform is data and
    // is bounded by limits.max_text_bytes instead.
    std::size_t max_base64_bytes = 256u * 1024;
    // CPU-independent wall-clock budget for one verify() call; 0 = none. Checked between steps
    // (after parsing, before each reference and each signature), each of which is bounded by the
    // size limits; exceeding it gives DSIG-TIME-BUDGET-EXCEEDED and INDETERMINATE.
    std::chrono::milliseconds time_budget{0};
    xml::ParseLimits limits;
    // Certificate status (CRL / OCSP) of every certificate of the signer's path but the anchor.
    // `revocation`: auto (default) requires a status for each certificate that publishes a CRL
    // distribution point or an OCSP URL and accepts the others with a warning; require: every
    // one needs a status; off: nothing checked, a warning says so. A status that is required
    // but cannot be had gives INDETERMINATE / TRY_LATER.
    crypto::RevocationPolicy revocation = crypto::RevocationPolicy::automatic;
    std::vector<std::string> crl_files;            // DER or PEM CRLs
    std::vector<std::string> ocsp_response_files;  // DER OCSP responses
    bool offline = false;                          // never fetch CRLs / OCSP responses
    std::string revocation_cache_dir;              // fetched CRLs / responses kept between runs
    // A status source to use instead of one made from the options above (e.g. one checker,
    // with its cache, shared by several verifiers). Null: made from the options.
    std::shared_ptr<const crypto::CertificateStatusSource> status_source;
    // The certificate step's validator, shared (with its certificate and path caches) by every
    // verifier given the same one, e.g. all the profiles and worker threads of one batch. Null
    // (default): the verifier makes its own from the options above. When set, it decides the
    // signer's path: its trust anchors and extra certificates replace `trust` and
    // `extra_certificates` (Verifier::options() shows the validator's), and its status source
    // replaces `status_source`, `revocation` and the CRL / OCSP / offline / cache options for
    // that path (a validator without one gives DSIG-CERT-REVOCATION-UNAVAILABLE, INDETERMINATE /
    // TRY_LATER, on every signature; for no checking give a RevocationChecker with policy off).
    // Thread-safe: its caches are internally synchronised (crypto/validator.hpp). The XAdES
    // time-stamp (TSA) path is not this validator's: it is built from `tsa_trust` (or `trust`)
    // and `status_source` / the revocation options, so give those consistent values.
    std::shared_ptr<const crypto::CertificateValidator> certificate_validator;
};

// A certificate's status as the report shows it (docs/report-json.md, "revocation").
struct RevocationSummary {
    std::string status = "not_checked";  // good | revoked | unknown | not_checked
    std::string source = "none";         // ocsp | crl | embedded | none
    std::string this_update;             // RFC 3339 UTC; "" when unknown
    std::string next_update;
    std::string revocation_time;
    std::string reason;                  // e.g. "keyCompromise"; "" when none
};

struct CertificateSummary {
    std::string subject;
    std::string issuer;
    std::string serial;      // decimal
    std::string not_before;  // RFC 3339 UTC
    std::string not_after;
    std::string sha256;      // fingerprint, lower-case hex
    RevocationSummary revocation{};  // default member initializer: shorter aggregate inits stay warning-free
};

struct ReferenceResult {
    std::string uri;
    std::string id;
    std::string type;
    std::string digest_method;           // URI
    std::vector<std::string> transforms; // URIs, in order
    bool resolved = false;               // the URI pointed at data in this document
    bool digest_ok = false;
    std::string signed_node;             // "/" for the whole document, an element path, or
                                         // "detached:URI" for caller-supplied detached content
    bool covers_document_element = false;  // the document element is inside what was signed
    bool excludes_signature = false;     // enveloped transform applied
    std::string signed_octets;           // the canonical octets digested (keep_signed_content)
    std::string digest_value;            // the DigestValue as written (base64), whitespace removed
};

// The form of a signature, as DSS's signature format names it: a signature with a
// SignatureTimeStamp is B-T even when that timestamp fails (the failure is a finding). B-LT: B-T
// plus the validation data (CertificateValues and RevocationValues); B-LTA: B-LT plus at least one
// ArchiveTimeStamp (EN 319 132-1 §6.3; a policy, when present, is reported in the properties).
struct ISTMO_API SignatureLevel {
    enum class Form { xmldsig, b_b, b_t, epes, epes_t, b_lt, b_lta };
    Form form = Form::xmldsig;

    // "XMLDSig", "B-B", "B-T", "EPES", "EPES-T", "B-LT", "B-LTA".
    [[nodiscard]] std::string_view to_string() const noexcept;
    [[nodiscard]] bool is_xades() const noexcept { return form != Form::xmldsig; }
    // With a SignatureTimeStamp: B-B -> B-T, EPES -> EPES-T.
    [[nodiscard]] SignatureLevel with_timestamp() const noexcept;
    // With the validation data of B-LT: B-T / EPES-T -> B-LT; anything else unchanged.
    [[nodiscard]] SignatureLevel with_long_term_data() const noexcept;
    // With an ArchiveTimeStamp: B-LT -> B-LTA; anything else unchanged.
    [[nodiscard]] SignatureLevel with_archive_timestamp() const noexcept;
    friend bool operator==(const SignatureLevel& a, const SignatureLevel& b) noexcept { return a.form == b.form; }
    // Compares with the name, e.g. level == "B-T".
    friend bool operator==(const SignatureLevel& a, std::string_view name) noexcept { return a.to_string() == name; }
};

// XAdES SignaturePolicyIdentifier.
struct SignaturePolicy {
    std::string id;                  // SigPolicyId/Identifier (e.g. "urn:oid:2.16.724..."); "" when implied
    std::string uri;                 // the SPURI qualifier, "" when absent
    bool implied = false;            // SignaturePolicyImplied
    std::optional<bool> digest_ok;   // SigPolicyHash against the supplied policy document; nullopt = not checked
};

// XAdES SignatureProductionPlace(V2); empty members were absent.
struct ProductionPlace {
    std::string street_address;
    std::string city;
    std::string state_or_province;
    std::string postal_code;
    std::string country_name;
};

// The signed qualifying properties a report shows (XAdES; empty for plain XMLDSig).
struct SignatureProperties {
    std::string signing_time;                   // RFC 3339 UTC; "" when there is none
    std::vector<std::string> signer_roles;      // ClaimedRole texts, in order
    std::vector<std::string> commitment_types;  // CommitmentTypeId/Identifier, in order
    std::optional<SignaturePolicy> policy;
    std::optional<ProductionPlace> production_place;
};

// One time-stamp on the signature (XAdES SignatureTimeStamp), checked on its own.
struct TimestampResult {
    std::string type = "SignatureTimeStamp";  // or "ArchiveTimeStamp"
    std::string gen_time;  // RFC 3339 UTC; "" when the token could not be read
    std::string tsa;       // subject of the TSA certificate
    std::string policy;    // TSA policy OID
    std::string serial;    // serial number, hex
    report::Indication indication = report::Indication::indeterminate;
    report::SubIndication sub_indication = report::SubIndication::none;
    std::vector<report::Finding> findings;  // the token's own findings (TSA-*)

    [[nodiscard]] bool passed() const noexcept { return indication == report::Indication::total_passed; }
};

struct SignatureResult {
    std::string id;
    // A counter-signature (XAdES CounterSignature): the Id of the signature it counter-signs
    // ("" when that signature has none, or for a signature that counter-signs nothing).
    std::string countersigns;
    bool counter_signature = false;
    SignatureLevel level;               // XMLDSig unless XAdES qualifying properties were found
    SignatureProperties properties;
    std::vector<TimestampResult> timestamps;
    std::string location;               // path of the ds:Signature element
    std::string signature_method;       // URI
    std::string canonicalization_method;
    bool signature_value_ok = false;
    std::optional<CertificateSummary> signer;
    std::vector<CertificateSummary> chain;  // when a path to an anchor was built
    std::vector<ReferenceResult> references;
    report::Indication indication = report::Indication::indeterminate;
    report::SubIndication sub_indication = report::SubIndication::none;
    std::vector<report::Finding> findings;
};

struct VerificationReport {
    report::Indication indication = report::Indication::total_failed;
    report::SubIndication sub_indication = report::SubIndication::format_failure;
    bool well_formed = false;   // the input parsed as XML within the limits
    std::vector<SignatureResult> signatures;
    std::vector<report::Finding> findings;  // all findings, document-level and per signature
    std::string validation_time;            // RFC 3339 UTC
    bool streamed = false;                  // verified by the large-document streaming path

    [[nodiscard]] bool passed() const noexcept { return indication == report::Indication::total_passed; }
    // One JSON object (see docs/report-json.md).
    [[nodiscard]] ISTMO_API std::string to_json() const;
    // An XML validation report in the structure of ETSI TS 119 102-2 (ValidationReport /
    // SignatureValidationReport / SignatureValidationStatus with URN indications ...).
    [[nodiscard]] ISTMO_API std::string to_etsi_xml() const;
    // A few lines for humans.
    [[nodiscard]] ISTMO_API std::string to_text() const;
};

class ISTMO_API Verifier {
public:
    explicit Verifier(VerifyOptions options = {});
    Verifier(Verifier&&) noexcept;
    Verifier& operator=(Verifier&&) noexcept;
    ~Verifier();

    // Verifies every ds:Signature of the document. Always returns a report for document
    // problems (not well-formed, no signature, broken signature); an Error only when the job
    // itself could not be done (internal failure).
    [[nodiscard]] Result<VerificationReport> verify(std::string_view xml) const;

    [[nodiscard]] const VerifyOptions& options() const noexcept;

private:
    friend struct VerifierAccess;  // internal: profiles (XAdES) and already parsed documents
    struct State;
    std::unique_ptr<State> m_state;
};

}  // namespace istmo::dsig
