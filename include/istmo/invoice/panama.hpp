#pragma once
// Panama electronic invoice (DGI "rFE" format 1.00): model, generation from a builder or JSON,
// parsing with line numbers, validation as a report, the "panama-fe" signing profile and the QR.
//
// The model is the rFE element tree itself: every group and field of rFE 1.00 by its DGI name
// (gDGen, gEmis, gItem, gTot, ...), checked against istmo's own table of the schema (order,
// occurrences, types, Ficha Técnica IDs). Amounts are read as exact decimals (invoice::Decimal).
//
// Thread safety: plain values and pure functions; a Signer/Verifier may be shared.
#include <istmo/core/result.hpp>
#include <istmo/dsig/sign.hpp>
#include <istmo/dsig/verify.hpp>
#include <istmo/export.hpp>
#include <istmo/invoice/cufe.hpp>
#include <istmo/invoice/decimal.hpp>
#include <istmo/report/report.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::invoice::panama {

inline constexpr std::string_view k_namespace = "http://dgi-fep.mef.gob.pa";
inline constexpr std::string_view k_dsig_namespace = "http://www.w3.org/2000/09/xmldsig#";

// One element of the rFE tree. Groups have children, fields have text.
struct ISTMO_API Element {
    std::string name;                // local name
    std::string text;                // field value (exact text), empty for groups
    std::vector<Element> children;   // in document order
    int line = 0;                    // source line when parsed, 0 when built
    std::string ns;                  // namespace URI when not the DGI namespace (parsed input)

    [[nodiscard]] const Element* child(std::string_view child_name) const noexcept;
    [[nodiscard]] Element* child(std::string_view child_name) noexcept;
    [[nodiscard]] std::vector<const Element*> all(std::string_view child_name) const;
    // '/'-separated path of first occurrences ("gEmis/gRucEmi/dRuc"); nullptr when absent.
    [[nodiscard]] const Element* find(std::string_view path) const noexcept;
    // Text at path, "" when absent.
    [[nodiscard]] std::string_view value(std::string_view path) const noexcept;
};

struct ISTMO_API Invoice {
    Element root{"rFE", {}, {}, 0, {}};  // children in schema order once generated
    [[nodiscard]] std::string_view get(std::string_view path) const noexcept { return root.value(path); }
};

// ---- building ------------------------------------------------------------------------------

// Sets a field below rFE, creating missing groups (first occurrences), e.g.
// set(inv, "gDGen/gEmis/dNombEm", "ACME"). Errc::invalid_argument for a path that is not a field
// of rFE 1.00.
ISTMO_API Result<void> set(Invoice& invoice, std::string_view path, std::string value);
// Appends a new occurrence of a group: "gItem", "gTot/gFormaPago", "gDGen/gDFRef", ...; the
// returned pointer stays valid until the next append to the same parent.
ISTMO_API Result<Element*> append(Invoice& invoice, std::string_view path);
// Sets a field below a given group (path relative to it, e.g. "gPrecios/dPrUnit").
ISTMO_API Result<void> set(Element& group, std::string_view group_path, std::string_view path, std::string value);

// A line item in typed form, for the common case.
struct ItemInput {
    std::string description;          // dDescProd
    std::string code;                 // dCodProd (optional)
    std::string unit;                 // cUnidad (optional)
    Decimal quantity = Decimal::from_int(1);
    Decimal unit_price;               // dPrUnit
    std::optional<Decimal> unit_discount;  // dPrUnitDesc
    std::string itbms_rate = "01";    // dTasaITBMS: 00, 01 (7 %), 02 (10 %), 03 (15 %)
    std::string cpbs_abr, cpbs_cmp;   // dCodCPBSabr, dCodCPBScmp (optional)
};
ISTMO_API Result<void> add_item(Invoice& invoice, const ItemInput& item);

// Fills what can be derived and is absent: dVerForm, dSecItem, dPrItem, dValITBMS, dValTotItem,
// gTot amounts (dTotNeto, dTotITBMS, dTotISC, dTotGravado, dTotDesc, dVTot, dVTotItems, dTotRec,
// dVuelto, dNroItems, gOTITotal), dVlrCuota of a single payment form, and dId (CUFE). Values
// that are given are checked; a mismatch is Errc::invalid_argument naming the field.
// Amounts are normalised to the schema formats (2 decimals for totals, 2-6 for items).
ISTMO_API Result<void> complete(Invoice& invoice);

// JSON input mirroring the XML with the DGI field names:
// {"dVerForm": "1.00", "gDGen": {"iAmb": 2, ..., "gEmis": {...}}, "gItem": [{...}], "gTot": {...}}
// Objects are groups, arrays are repeated elements, strings and numbers are field values (numbers
// keep their decimal text). Unknown names are refused with their JSON position. complete() is
// applied. Errors: Errc::parse_error / limit_exceeded (JSON), Errc::invalid_argument (content).
ISTMO_API Result<Invoice> from_json(std::string_view json);

// XML in the schema's element order, UTF-8, default namespace http://dgi-fep.mef.gob.pa.
// Without ds:Signature and gNoFirm unless include_no_firm and gNoFirm is present.
[[nodiscard]] ISTMO_API std::string to_xml(const Invoice& invoice, bool include_no_firm = false);

// Parses an rFE document into the model, keeping line numbers and document order (structure is
// judged by validate, not here). ds:Signature is kept as an element named "Signature" (ns =
// XMLDSig) without its content. Errors: not XML, or a root that is not rFE in the DGI namespace.
ISTMO_API Result<Invoice> parse(std::string_view xml);

// The CUFE computed from the fields of an invoice.
ISTMO_API Result<std::string> cufe_of(const Invoice& invoice);

// ---- validation ----------------------------------------------------------------------------

// The project's one finding type: location = the element path (e.g.
// "/rFE/gItem[2]/gPrecios/dPrItem"), rule = the Ficha Técnica ID (e.g. "C203"), message = English,
// message_es = Spanish, line = source line (0 when unknown).
using InvoiceFinding = report::Finding;

struct ValidateOptions {
    bool check_signature = true;     // verify ds:Signature (gNoFirm removed first)
    bool require_signature = true;   // a missing ds:Signature / gNoFirm is a structure error
    // Accept SHA-1 digests and signatures (and RSA keys of 1024 bits or more) with a warning
    // (FE-SIG-LEGACY): the DGI accepts SHA-1 in production (SPEC §10). Off: such a signature is
    // INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE with FE-SIG-LEGACY-REFUSED, which names this
    // switch (`--legacy` in the CLI). The same as verify.allow_legacy.
    bool legacy = false;
    // The issuer's "código QR" HMAC key: when given, the HS256 MAC of the QR's JWT is checked
    // (FE-QR-JWT-MAC). Empty (the usual case: a validator does not hold issuers' secrets): the
    // JWT's content is compared with the invoice, its MAC is not checked.
    crypto::Secret qr_secret;
    // Trust anchors, validation time, ... An explicit verify.validation_time (e.g. the time of
    // transmission) also enables the deadline check that compares with it (FE-CONT-72H-AT);
    // without one nothing is compared with the clock.
    dsig::VerifyOptions verify;
};

struct ISTMO_API InvoiceReport {
    report::Indication indication = report::Indication::total_failed;
    report::SubIndication sub_indication = report::SubIndication::format_failure;
    bool well_formed = false;
    std::string cufe_declared;  // dId
    std::string cufe_computed;
    std::string issuer_ruc;     // gRucEmi/dRuc
    std::string total;          // gTot/dVTot
    // Where the rFE was found: empty when it is the document element; otherwise its container,
    // "rContFe", "rEnviFe", "rEnviLoteFe" or "rEnviFeDGI", with "soap11/" or "soap12/" in front
    // when inside a SOAP envelope. Its signature is verified as if the rFE stood alone.
    std::string wrapper;
    std::vector<InvoiceFinding> findings;
    std::optional<dsig::VerificationReport> signature;

    [[nodiscard]] bool passed() const noexcept { return indication == report::Indication::total_passed; }
    [[nodiscard]] bool has(std::string_view code) const noexcept;
    [[nodiscard]] std::string to_json() const;
};

// Validates a document: an rFE, or an rFE inside a container (InvoiceReport::wrapper says which):
// structure (order, occurrences, types, lengths, patterns, catalogues),
// arithmetic, cross-field rules, CUFE, deadlines (warnings), and the signature. Always a report; an Error only when
// the job itself could not be done. For many documents use InvoiceValidator (it keeps one
// dsig::Verifier, whose certificate-path cache then serves every document).
ISTMO_API Result<InvoiceReport> validate(std::string_view xml, const ValidateOptions& options = {});

// Reusable validator; may validate from many threads at once.
class ISTMO_API InvoiceValidator {
public:
    explicit InvoiceValidator(ValidateOptions options = {});
    InvoiceValidator(InvoiceValidator&&) noexcept;
    InvoiceValidator& operator=(InvoiceValidator&&) noexcept;
    ~InvoiceValidator();
    [[nodiscard]] Result<InvoiceReport> validate(std::string_view xml) const;

private:
    ValidateOptions m_options;
    std::unique_ptr<dsig::Verifier> m_verifier;
};
// Validates a model (no signature check; require_signature is ignored).
[[nodiscard]] ISTMO_API InvoiceReport validate(const Invoice& invoice);

// ---- signing profile "panama-fe" and QR -----------------------------------------------------

// Signer for the panama-fe profile: enveloped XMLDSig, RSA-SHA256, SHA-256, exclusive C14N,
// X509SubjectName + X509Certificate (signer certificate only).
ISTMO_API Result<dsig::Signer> make_signer(crypto::PrivateKey key, crypto::Certificate certificate);

struct QrOptions {
    crypto::Secret secret;  // the "código QR" HMAC key; empty = no gNoFirm is added
    std::string base_url;   // empty = DGI consultation URL for the invoice's iAmb
};

// Signs an unsigned rFE (gNoFirm, if any, is removed first), places ds:Signature as the last
// signed child, then appends gNoFirm/dQRCode when a secret is given.
ISTMO_API Result<std::string> sign(const dsig::Signer& signer, std::string_view xml, const QrOptions& qr = {});
// The same for a model: signs to_xml(invoice) and takes dId and iAmb for the QR from the model,
// without parsing the generated text again (the generation path: from_json or the builder, then
// sign). Errc::failed_precondition when the model carries a ds:Signature (a parsed signed invoice).
ISTMO_API Result<std::string> sign(const dsig::Signer& signer, const Invoice& invoice, const QrOptions& qr = {});

// Two-step signing of an invoice (docs/keys.md): the panama-fe signature prepared for the
// certificate without the key (the same checks and placement as sign()), then completed with the
// value; the QR (gNoFirm/dQRCode, over the reference digest fixed at prepare) is added at
// complete when a secret is given.
ISTMO_API Result<dsig::PendingSignature> prepare_signature(const crypto::Certificate& certificate, std::string_view xml);
ISTMO_API Result<std::string> complete_signature(const dsig::PendingSignature& pending,
                                                 std::span<const std::uint8_t> signature_value, const QrOptions& qr = {});

// HS256 JWT over {"chFE","iAmb","digestValue"} (all strings, in this order).
ISTMO_API Result<std::string> qr_jwt(std::string_view cufe, std::string_view iamb, std::string_view digest_value,
                                     std::string_view secret);
// The consultation URL with chFE, iAmb, digestValue and jwt.
ISTMO_API Result<std::string> qr_url(std::string_view cufe, std::string_view iamb, std::string_view digest_value,
                                     std::string_view secret, std::string_view base_url = {});

// The document with gNoFirm removed (what the signature covers).
ISTMO_API Result<std::string> strip_no_firm(std::string_view xml);

}  // namespace istmo::invoice::panama
