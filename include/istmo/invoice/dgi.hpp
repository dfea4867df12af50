#pragma once
// The DGI web services of the Panama e-invoice (SPEC §5.2): SOAP request bodies, typed answers
// and a client over istmo::net with safe resend.
//
// Services (namespace http://dgi-fep.mef.gob.pa/wsdl/FeRecepFE, WCF "FepWcfService/*.svc"):
//   feRecepFE (one signed rFE), feRecepLoteFE + feResultLoteFE (batches), feConsFE (by CUFE),
//   feRecepEvento (annulment, receiver manifestation), feConsRucDV (RUC and DV lookup).
// Every request carries the environment (iAmb) explicitly: there is no default environment.
//
// Answers are read with istmo's safe XML parser, by element names, in the shapes real traffic
// shows (SPEC §10): rRetEnviFe with rProtFe directly or inside xProtFe, the protocol under
// dProAut or dProtAut, 20 digits (a PAC's 40-character form is accepted, its last 20 digits
// kept), an empty <Signature /> on rProtFe is "unsigned" (a finding, not an error). A result is
// judged by its codes (gResProc/dCodRes) and never by the words of dMsgRes.
//
// Thread safety: plain values and pure functions; a Client may be used by many threads.
#include <istmo/core/result.hpp>
#include <istmo/dsig/verify.hpp>
#include <istmo/export.hpp>
#include <istmo/net/http.hpp>
#include <istmo/report/report.hpp>

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::invoice::panama::dgi {

inline constexpr std::string_view k_wsdl_namespace = "http://dgi-fep.mef.gob.pa/wsdl/FeRecepFE";

enum class Environment { production = 1, test = 2 };  // iAmb
enum class SoapVersion { soap12, soap11 };
enum class Operation { recep_fe, recep_lote_fe, result_lote_fe, cons_fe, recep_evento, cons_ruc_dv };

// "feRecepFE", "feRecepLoteFE", "feResultLoteFE", "feConsFE", "feRecepEvento", "feConsRucDV".
[[nodiscard]] ISTMO_API std::string_view service_name(Operation operation) noexcept;
// iAmb as text: "1" or "2".
[[nodiscard]] ISTMO_API std::string_view iamb_text(Environment environment) noexcept;

// The DGI's base URL for an environment (SPEC §5.2, SECONDARY, unverified):
// test https://dgi-fepws-test.mef.gob.pa:40010, production https://dgi-fepws.mef.gob.pa:40100.
[[nodiscard]] ISTMO_API std::string default_base_url(Environment environment);
// The URL of a service below a base URL: BASE/FepWcfService/<service>.svc (a trailing '/' of
// BASE is ignored).
[[nodiscard]] ISTMO_API std::string service_url(std::string_view base_url, Operation operation);

// ---- requests ------------------------------------------------------------------------------

struct RequestHeader {
    Environment environment;   // iAmb, always given
    std::string control_id;    // dId: the sender's control number, 1..15 digits
    SoapVersion soap = SoapVersion::soap12;
};

struct Request {
    Operation operation{};
    std::string envelope;      // the whole SOAP envelope (what is POSTed)
    std::string body;          // feDatosMsg alone, as a document (what the DGI schema describes)
    std::string header;        // feHeaderMsg alone, as a document
    std::string content_type;  // SOAP 1.2: application/soap+xml with action; 1.1: text/xml
    std::string soap_action;   // the SOAPAction header of SOAP 1.1 (empty for 1.2)
};

// Errc::invalid_argument for a control id that is not 1..15 digits, a CUFE that is not 66
// characters of the CUFE alphabet, a RUC outside 5..20 characters, dTipoRuc other than 1/2, a
// batch protocol that is not 1..15 digits, or a document that is not XML (signed documents are
// carried as text in xFe / dEvReg and must parse).
ISTMO_API Result<Request> build_recep_fe(const RequestHeader& header, std::string_view signed_rfe);
// UNVERIFIED: the content of a batch's xFe is not described by any source found; istmo sends the
// signed rFE documents one after the other (without XML declarations) as the xFe string.
ISTMO_API Result<Request> build_recep_lote_fe(const RequestHeader& header, const std::vector<std::string>& signed_rfes);
ISTMO_API Result<Request> build_result_lote_fe(const RequestHeader& header, std::string_view batch_protocol);
ISTMO_API Result<Request> build_cons_fe(const RequestHeader& header, std::string_view cufe);
ISTMO_API Result<Request> build_recep_evento(const RequestHeader& header, std::string_view signed_event);
ISTMO_API Result<Request> build_cons_ruc_dv(const RequestHeader& header, std::string_view ruc, int ruc_type);

// ---- answers -------------------------------------------------------------------------------

// Effect of a result code (Ficha Técnica): E = error (rejection), N = notification.
enum class Effect { success, notification, error, unknown };

// A result code the DGI documents or real traffic shows (SPEC §5.4), with its meaning.
struct KnownCode {
    std::string_view code;
    Effect effect;
    std::string_view en;
    std::string_view es;
    bool duplicate;  // the code says "already registered" (e.g. 0622: an annulled CUFE annulled again)
};
// Null when the code is not one of SPEC §5.4.
[[nodiscard]] ISTMO_API const KnownCode* known_code(std::string_view code) noexcept;
[[nodiscard]] ISTMO_API std::span<const KnownCode> known_codes() noexcept;

struct ResultCode {
    std::string code;      // dCodRes as sent
    std::string message;   // dMsgRes as sent (shown to people, never interpreted)
    Effect effect = Effect::unknown;
    std::string meaning_en;  // from known_code(), empty when unknown
    std::string meaning_es;
};

enum class ProtocolSignature {
    absent,      // no Signature element
    empty_unsigned,  // an empty <Signature /> (what production sends): "unsigned"
    valid,       // an XML signature that verified (TOTAL_PASSED)
    not_valid,   // an XML signature that did not verify (see Protocol::signature_report)
};

// rProtFe: the authorisation (or processing) protocol of one rFE.
struct Protocol {
    std::string version;        // dVerForm
    std::string id;             // gInfProt/dId (optional)
    std::string environment;    // iAmb as sent
    std::string app_version;    // dVerApl
    std::string cufe;           // dCUFE
    std::string processed_at;   // dFecProc as sent
    std::string protocol;       // the 20 digits (from dProAut or dProtAut); empty when none
    std::string protocol_as_sent;
    std::string digest_value;   // dDigVal
    std::vector<ResultCode> results;
    bool wrapped = false;       // found inside xProtFe
    ProtocolSignature signature = ProtocolSignature::absent;
    std::optional<dsig::VerificationReport> signature_report;
    std::string xml;            // rProtFe as a document of its own (for the receiver's container)
};

enum class Outcome {
    authorised,  // feRecepFE: a protocol with 0260
    registered,  // feRecepEvento: 0600
    found,       // feConsFE 0422, feResultLoteFE / feConsRucDV answered without an error code
    accepted,    // feRecepLoteFE: a batch number without an error code
    duplicate,   // a code that means "already registered" (known_code(...)->duplicate)
    rejected,    // an error code, or an unknown code on an operation that needs a success code
    fault,       // a SOAP Fault
};
[[nodiscard]] ISTMO_API std::string_view outcome_name(Outcome outcome) noexcept;

struct SoapFault {
    std::string code;    // faultcode / Code/Value
    std::string reason;  // faultstring / Reason/Text
};

struct Response {
    Operation operation{};
    Outcome outcome = Outcome::rejected;
    SoapVersion soap = SoapVersion::soap12;
    std::string root;            // local name of the answer element (rRetEnviFe, rRetEnviConsFe, ...)
    std::string environment;     // iAmb of the answer, as sent
    std::string app_version;     // dVerApl
    std::string processed_at;    // dFecProc
    std::vector<ResultCode> results;   // the answer's own gResProc (not those inside rProtFe)
    std::vector<Protocol> protocols;   // rProtFe (one per rFE; several in a batch result)
    std::string batch_protocol;        // feRecepLoteFE: dProtLote / dProtConsLote / dNroLote
    std::string container_xml;         // feConsFE: rContFe as a document of its own
    std::string ruc, dv, name;         // feConsRucDV: dRuc, dDV, dNomb / dRazSoc when present
    std::optional<SoapFault> fault;
    std::vector<report::Finding> findings;  // FE-DGI-* (message in English and Spanish)
    bool recovered_by_query = false;   // Client::send: the protocol came from feConsFE after a lost answer
    int sends = 0;                     // Client::send: how many times the rFE was POSTed

    // Every result code (the answer's and its protocols'), in document order.
    [[nodiscard]] ISTMO_API std::vector<const ResultCode*> all_codes() const;
    // The first protocol's 20 digits, empty when none.
    [[nodiscard]] ISTMO_API std::string protocol() const;
    [[nodiscard]] ISTMO_API std::string to_json() const;
};

struct ParseOptions {
    std::size_t max_bytes = 8u * 1024 * 1024;
    // Verifies a present XML signature of rProtFe with these options (trust anchors ...).
    dsig::VerifyOptions verify;
};

// Reads a DGI answer (a SOAP 1.1/1.2 envelope, or the answer element alone). Errors:
// Errc::parse_error / limit_exceeded / unsupported (not XML within the limits), Errc::invalid_argument
// (XML but no DGI answer for this operation: the message names what was found).
ISTMO_API Result<Response> parse_response(Operation operation, std::string_view bytes,
                                          const ParseOptions& options = {});

// The 20-digit protocol of a dProAut/dProtAut value: 20 digits as they are, a PAC's 40-character
// form (the PAC's RUC padded to 20, then 20 digits) reduced to its last 20; nullopt otherwise.
[[nodiscard]] ISTMO_API std::optional<std::string> normalise_protocol(std::string_view text);

// ---- client --------------------------------------------------------------------------------

struct ClientOptions {
    // iAmb of every request: required (create() refuses none; there is no default environment).
    std::optional<Environment> environment;
    std::string base_url;            // empty: default_base_url(environment)
    SoapVersion soap = SoapVersion::soap12;
    // Transport: deadlines, retries (used for the queries only), size cap, CA file, the TLS
    // client certificate (PEM, or PKCS#12), proxy.
    net::HttpOptions http;
    // After a send whose answer was lost (deadline, broken connection, HTTP 5xx), the rFE is
    // looked up with feConsFE first; it is sent again only when that query says it is not
    // there, at most this many times.
    int max_resends = 1;
    // The answers that carry documents -- feConsFE (rContFe: the signed rFE, its protocol and
    // every event) and feResultLoteFE (a protocol per rFE of a batch) -- may be far larger than
    // the others: their cap is this (and parse.max_bytes is raised to it for them), every other
    // answer's http.max_response_bytes. An answer over its cap is Errc::limit_exceeded.
    std::size_t max_query_response_bytes = 16u * 1024 * 1024;
    ParseOptions parse;
};

class ISTMO_API Client {
public:
    // Errc::invalid_argument for an unusable base URL or transport option.
    static Result<Client> create(ClientOptions options);

    // feRecepFE with safe resend: a lost answer is followed by feConsFE for the rFE's CUFE (its
    // dId) before any resend, so istmo never has an invoice authorised twice. Errors:
    // unavailable / deadline_exceeded (the state of the rFE is then unknown: the message says
    // to query it), parse_error (not a DGI answer), invalid_argument (bad input).
    [[nodiscard]] Result<Response> send(std::string_view signed_rfe) const;
    [[nodiscard]] Result<Response> query(std::string_view cufe) const;
    // Batches are not resent on a lost answer (no CUFE identifies a batch): the error says so.
    [[nodiscard]] Result<Response> send_batch(const std::vector<std::string>& signed_rfes) const;
    [[nodiscard]] Result<Response> batch_result(std::string_view batch_protocol) const;
    [[nodiscard]] Result<Response> send_event(std::string_view signed_event) const;
    [[nodiscard]] Result<Response> ruc(std::string_view ruc, int ruc_type) const;

    [[nodiscard]] const ClientOptions& options() const noexcept;

private:
    Client(ClientOptions options, net::HttpClient http, net::HttpClient document_http);
    Result<Response> exchange(const Request& request, bool may_retry) const;
    std::string next_control_id() const;
    ClientOptions m_options;
    net::HttpClient m_http;
    net::HttpClient m_document_http;  // feConsFE and feResultLoteFE: max_query_response_bytes
};

}  // namespace istmo::invoice::panama::dgi
