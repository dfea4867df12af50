// The DGI web-service client over istmo::net, with safe resend: a feRecepFE whose answer was
// lost (deadline, broken connection, HTTP error without a SOAP answer, an unreadable answer) is
// followed by feConsFE for the rFE's CUFE before any resend, so that istmo never has one
// invoice authorised twice.
#include <istmo/invoice/dgi.hpp>
#include <istmo/invoice/panama.hpp>

#include "invoice/panama/services/services_internal.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>

namespace istmo::invoice::panama::dgi {

namespace {

using report::Severity;
using detail::finding;

// dId of a request: 15 digits at most, distinct within a process (time-seeded counter).
std::string control_id() {
    static std::atomic<std::uint64_t> counter{static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count()) % 100'000'000'000'000ULL};
    return std::to_string(counter.fetch_add(1) % 1'000'000'000'000'000ULL);
}

bool lost_answer(Errc code) noexcept {
    // invalid_argument is only returned before anything was sent; everything else after a POST
    // leaves the rFE's state unknown.
    return code != Errc::invalid_argument;
}

}  // namespace

Client::Client(ClientOptions options, net::HttpClient http, net::HttpClient document_http)
    : m_options(std::move(options)), m_http(std::move(http)), m_document_http(std::move(document_http)) {}

const ClientOptions& Client::options() const noexcept { return m_options; }

std::string Client::next_control_id() const { return control_id(); }

Result<Client> Client::create(ClientOptions options) {
    if (!options.environment || (*options.environment != Environment::production && *options.environment != Environment::test))
        return make_error(Errc::invalid_argument, "the environment (iAmb) must be given: 1 (production) or 2 (test)");
    if (options.base_url.empty()) options.base_url = default_base_url(*options.environment);
    if (options.base_url.rfind("http://", 0) != 0 && options.base_url.rfind("https://", 0) != 0)
        return make_error(Errc::invalid_argument, "the endpoint must be an http:// or https:// URL");
    if (options.max_resends < 0 || options.max_resends > 10)
        return make_error(Errc::invalid_argument, "resends must be 0 to 10");
    if (options.max_query_response_bytes == 0)
        return make_error(Errc::invalid_argument, "the response cap of feConsFE and feResultLoteFE must not be 0");
    auto http = net::HttpClient::create(options.http);
    if (!http) return std::move(http).error();
    net::HttpOptions documents = options.http;
    documents.max_response_bytes = options.max_query_response_bytes;
    auto document_http = net::HttpClient::create(std::move(documents));
    if (!document_http) return std::move(document_http).error();
    return Client(std::move(options), std::move(*http), std::move(*document_http));
}

Result<Response> Client::exchange(const Request& request, bool may_retry) const {
    net::HttpRequest h;
    h.method = "POST";
    h.url = service_url(m_options.base_url, request.operation);
    h.body.assign(request.envelope.begin(), request.envelope.end());
    h.content_type = request.content_type;
    if (!request.soap_action.empty()) h.headers.emplace_back("SOAPAction", request.soap_action);
    if (!may_retry) h.retries = 0;
    const bool documents = request.operation == Operation::cons_fe || request.operation == Operation::result_lote_fe;
    auto answer = (documents ? m_document_http : m_http).execute(std::move(h));
    if (!answer) return std::move(answer).error();
    const std::string_view body(reinterpret_cast<const char*>(answer->body.data()), answer->body.size());
    ParseOptions parse = m_options.parse;
    if (documents) parse.max_bytes = std::max(parse.max_bytes, m_options.max_query_response_bytes);
    auto parsed = parse_response(request.operation, body, parse);
    // A SOAP answer (a fault comes with HTTP 500) is an answer; anything else is not.
    if (!answer->ok() && (!parsed || parsed->outcome != Outcome::fault))
        return make_error(Errc::unavailable, service_url(m_options.base_url, request.operation) + " answered HTTP " +
                                                 std::to_string(answer->status) + " without a SOAP answer");
    if (!parsed) {
        Error e = std::move(parsed).error();
        e.message = "the answer of " + std::string(service_name(request.operation)) + " is not a DGI answer: " + e.message;
        e.code = Errc::parse_error;
        return e;
    }
    const std::string_view sent = iamb_text(*m_options.environment);
    if (!parsed->environment.empty() && parsed->environment != sent)
        parsed->findings.push_back(finding("FE-DGI-ENVIRONMENT-MISMATCH", Severity::warning,
                                           "the answer is for environment " + parsed->environment + ", the request for " + std::string(sent),
                                           "la respuesta es del ambiente " + parsed->environment + ", la solicitud del " + std::string(sent)));
    return parsed;
}

Result<Response> Client::send(std::string_view signed_rfe) const {
    auto invoice = panama::parse(signed_rfe);
    if (!invoice) return std::move(invoice).error();
    const std::string cufe(invoice->get("dId"));
    if (!detail::is_cufe_text(cufe)) return make_error(Errc::invalid_argument, "the rFE has no usable CUFE in dId");
    if (invoice->get("gDGen/iAmb") != iamb_text(*m_options.environment))
        return make_error(Errc::invalid_argument, "the rFE's iAmb is '" + std::string(invoice->get("gDGen/iAmb")) +
                                                      "' but the client sends to environment " +
                                                      std::string(iamb_text(*m_options.environment)));
    auto request = build_recep_fe({*m_options.environment, next_control_id(), m_options.soap}, signed_rfe);
    if (!request) return std::move(request).error();
    for (int sends = 1;; ++sends) {
        auto answer = exchange(*request, false);
        if (answer) {
            answer->sends = sends;
            for (const auto& p : answer->protocols)
                if (!p.cufe.empty() && p.cufe != cufe)
                    answer->findings.push_back(finding("FE-DGI-CUFE-MISMATCH", Severity::error,
                                                       "the protocol is for CUFE " + p.cufe + ", the rFE sent is " + cufe,
                                                       "el protocolo es del CUFE " + p.cufe + ", el rFE enviado es " + cufe));
            return answer;
        }
        if (!lost_answer(answer.error().code)) return answer;
        // The answer was lost: ask before sending again.
        auto known = query(cufe);
        if (!known) {
            return make_error(Errc::unavailable,
                              "the answer to feRecepFE was lost (" + answer.error().message + ") and feConsFE failed too (" +
                                  known.error().message + "): the state of " + cufe +
                                  " is unknown; query it later (istmo dgi query) rather than sending it again");
        }
        if (known->outcome == Outcome::found) {
            Response r = std::move(*known);
            r.operation = Operation::recep_fe;
            r.recovered_by_query = true;
            r.sends = sends;
            r.outcome = r.protocol().empty() ? Outcome::found : Outcome::authorised;
            r.findings.push_back(finding("FE-DGI-RECOVERED", Severity::info,
                                         "the answer to feRecepFE was lost; feConsFE shows " + cufe + " at the DGI: not sent again",
                                         "se perdió la respuesta a feRecepFE; feConsFE muestra " + cufe + " en la DGI: no se envía de nuevo"));
            return r;
        }
        if (sends > m_options.max_resends) return answer;
    }
}

Result<Response> Client::query(std::string_view cufe) const {
    auto request = build_cons_fe({*m_options.environment, next_control_id(), m_options.soap}, cufe);
    if (!request) return std::move(request).error();
    return exchange(*request, true);
}

Result<Response> Client::send_batch(const std::vector<std::string>& signed_rfes) const {
    auto request = build_recep_lote_fe({*m_options.environment, next_control_id(), m_options.soap}, signed_rfes);
    if (!request) return std::move(request).error();
    auto answer = exchange(*request, false);
    if (answer || !lost_answer(answer.error().code)) return answer;
    Error e = std::move(answer).error();
    e.message += " (a batch is never resent by istmo: query its invoices with feConsFE before sending again)";
    return e;
}

Result<Response> Client::batch_result(std::string_view batch_protocol) const {
    auto request = build_result_lote_fe({*m_options.environment, next_control_id(), m_options.soap}, batch_protocol);
    if (!request) return std::move(request).error();
    return exchange(*request, true);
}

Result<Response> Client::send_event(std::string_view signed_event) const {
    auto request = build_recep_evento({*m_options.environment, next_control_id(), m_options.soap}, signed_event);
    if (!request) return std::move(request).error();
    // An event sent twice is answered as a duplicate (0622 for an annulment): no resend here
    // either; the caller sees the lost answer and may send again knowingly.
    return exchange(*request, false);
}

Result<Response> Client::ruc(std::string_view ruc, int ruc_type) const {
    auto request = build_cons_ruc_dv({*m_options.environment, next_control_id(), m_options.soap}, ruc, ruc_type);
    if (!request) return std::move(request).error();
    return exchange(*request, true);
}

}  // namespace istmo::invoice::panama::dgi
