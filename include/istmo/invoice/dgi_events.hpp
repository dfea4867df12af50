#pragma once
// Events of the Panama e-invoice and the receiver's container (SPEC §5.3):
//   rEvManifRecep  the receiver's manifestation (evManifRecep_v1.00.xsd): codes 1001-1005,
//                  motive 15-500 characters, referring to the invoice by its protocol (dProtAut);
//   rEvAnulaFe     the issuer's annulment: its schema was NOT FOUND (the file named
//                  evAnulaFE_v1.00.xsd is a mislabelled copy), so its structure is istmo's table
//                  from the examples SPEC §5.3 quotes (docs/dgi.md "Annulment");
//   rContFe        the container a receiver gets (ContenedorFE_v1.00.xsd): the signed rFE, its
//                  protocol and the events.
// Events are built unsigned, signed with the panama-fe signer (an enveloped XML signature as the
// last child; the gNoFirm/QR rules of the rFE do not apply to events) and validated.
#include <istmo/core/result.hpp>
#include <istmo/dsig/sign.hpp>
#include <istmo/dsig/verify.hpp>
#include <istmo/export.hpp>
#include <istmo/invoice/dgi.hpp>
#include <istmo/report/report.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::invoice::panama::dgi {

struct ManifestationInput {
    std::optional<Environment> environment;  // iAmb: required
    std::string protocol;                    // dProtAut: the invoice's 20-digit protocol
    std::string receiver_ruc;                // dRucRec
    int code = 0;                            // dManifRecep: 1001..1005
    std::string motive;                      // dMotManif (optional; 15..500 characters)
    std::string signature_id;                // dIdFirma (optional; 22 characters)
};

struct AnnulmentInput {
    std::optional<Environment> environment;  // iAmb: required
    std::string cufe;                        // dCufe
    int issuer_ruc_type = 0;                 // gRucEm/dTipContEm: 1 natural, 2 legal person
    std::string issuer_ruc;                  // gRucEm/dRucEm
    std::string issuer_dv;                   // gRucEm/dDvEm (2 digits)
    std::string motive;                      // dMotivoAn
    std::string signature_id;                // dIdFirma (optional; "ID" + 20 characters)
};

// The meaning of a manifestation code in English and Spanish (SECONDARY, SPEC §5.3); empty for
// another code.
[[nodiscard]] ISTMO_API std::string_view manifestation_meaning(int code, bool spanish) noexcept;

// The unsigned event (UTF-8, namespace http://dgi-fep.mef.gob.pa). Errc::invalid_argument naming
// the field for a value the event's rules refuse.
ISTMO_API Result<std::string> build_manifestation(const ManifestationInput& input);
ISTMO_API Result<std::string> build_annulment(const AnnulmentInput& input);

// JSON with the DGI field names: {"iAmb": 2, "dProtAut": "...", "dRucRec": "...",
// "dManifRecep": 1002, "dMotManif": "..."} and {"iAmb": 2, "dCufe": "...", "gRucEm":
// {"dTipContEm": 2, "dRucEm": "...", "dDvEm": "32"}, "dMotivoAn": "..."}. Unknown names refused.
ISTMO_API Result<ManifestationInput> manifestation_from_json(std::string_view json);
ISTMO_API Result<AnnulmentInput> annulment_from_json(std::string_view json);

// Signs an unsigned event with a panama-fe signer (invoice::panama::make_signer).
ISTMO_API Result<std::string> sign_event(const dsig::Signer& signer, std::string_view event_xml);

struct EventValidateOptions {
    bool check_signature = true;
    dsig::VerifyOptions verify;
    // The invoice's emission time (dFechaEm), when known, and the time of the annulment: an
    // annulment more than 7 days after emission is a warning (FE-EVENT-ANNUL-WINDOW; the window
    // is SECONDARY, SPEC §2.6). Without emitted_at nothing is compared.
    std::optional<std::chrono::system_clock::time_point> emitted_at;
    std::optional<std::chrono::system_clock::time_point> now;
};

struct ISTMO_API EventReport {
    std::string kind;      // "rEvManifRecep", "rEvAnulaFe" (or the root found)
    std::string cufe;      // annulment: dCufe
    std::string protocol;  // manifestation: dProtAut
    std::vector<report::Finding> findings;
    std::optional<dsig::VerificationReport> signature;
    [[nodiscard]] bool passed() const noexcept;  // no error finding, and the signature verified when checked
    [[nodiscard]] std::string to_json() const;
};

// Structure, values and signature of an event. Errors only when the job cannot be done (not
// XML within the limits: parse_error / limit_exceeded / unsupported).
ISTMO_API Result<EventReport> validate_event(std::string_view xml, const EventValidateOptions& options = {});

// rContFe from the signed rFE, its protocol (rProtFe, e.g. Protocol::xml) and the signed events,
// each placed as an element (XML declarations dropped). Errc::invalid_argument when a part is
// not XML or not what its place needs.
ISTMO_API Result<std::string> build_container(std::string_view signed_rfe, std::string_view protocol,
                                              const std::vector<std::string>& events);

struct ISTMO_API ContainerReport {
    std::string cufe;      // the rFE's dId
    std::string protocol;  // the protocol's 20 digits
    std::vector<report::Finding> findings;  // FE-CONT-* and the parts' own findings
    [[nodiscard]] bool passed() const noexcept;
    [[nodiscard]] std::string to_json() const;
};

// Each part (the rFE's structure; the protocol's codes; the events' structure) and that the CUFE
// agrees across the rFE, the protocol (dCUFE) and the annulments (dCufe), and the protocol across
// the protocol and the manifestations (dProtAut). Signatures are not verified here (use
// invoice::panama::validate on the container for the rFE's, validate_event for an event's).
ISTMO_API Result<ContainerReport> validate_container(std::string_view xml);

}  // namespace istmo::invoice::panama::dgi
