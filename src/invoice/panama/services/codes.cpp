// The DGI result codes known from SPEC §5.4 (the full table, Ficha Técnica §8 "Tabla 7", was not
// found), the outcome names and a Response as JSON.
#include <istmo/invoice/dgi.hpp>

#include "invoice/panama/services/services_internal.hpp"

#include <istmo/report/json.hpp>
#include <istmo/report/messages.hpp>

namespace istmo::invoice::panama::dgi {

namespace {

constexpr KnownCode k_codes[] = {
    {"0100", Effect::error, "schema error: the DGI's .NET validator message follows",
     "error de esquema: sigue el mensaje del validador .NET de la DGI", false},
    {"0260", Effect::success, "use of the FE authorised", "autorizado el uso de la FE", false},
    {"0422", Effect::success, "successful query (ConsultaFE)", "éxito en la consulta (ConsultaFE)", false},
    {"0600", Effect::success, "event registered", "evento registrado con éxito", false},
    {"0622", Effect::error, "the event is already registered (an annulled CUFE annulled again, seen in one PAC sandbox)",
     "el evento ya está registrado (anulación de un CUFE ya anulado, visto en el ambiente de pruebas de un PAC)", true},
    {"0761", Effect::success, "successful query (download by criteria)", "éxito en la consulta (descarga por criterios)",
     false},
    {"1601", Effect::error, "the RUC does not follow its formation rule", "regla de formación del RUC inválida", false},
    {"1602", Effect::error,
     "the RUC does not exist in the taxpayer register (the test environment checks receivers against the real register)",
     "RUC inexistente en el Registro Único de Contribuyentes (el ambiente de pruebas consulta el registro real)", false},
    {"1607", Effect::notification, "receiver location check (notification, not a rejection)",
     "comprobación de la ubicación del receptor (notificación, no rechazo)", false},
    {"1608", Effect::notification, "receiver location check (notification, not a rejection)",
     "comprobación de la ubicación del receptor (notificación, no rechazo)", false},
    {"1609", Effect::notification, "receiver location check (notification, not a rejection)",
     "comprobación de la ubicación del receptor (notificación, no rechazo)", false},
    {"1616", Effect::notification, "receiver location check (notification, not a rejection)",
     "comprobación de la ubicación del receptor (notificación, no rechazo)", false},
    {"1617", Effect::notification, "receiver location check (notification, not a rejection)",
     "comprobación de la ubicación del receptor (notificación, no rechazo)", false},
};

std::string_view effect_name(Effect effect) noexcept {
    switch (effect) {
        case Effect::success: return "success";
        case Effect::notification: return "N";
        case Effect::error: return "E";
        case Effect::unknown: return "unknown";
    }
    return "unknown";
}

void write_codes(report::JsonWriter& w, const std::vector<ResultCode>& codes) {
    w.begin_array();
    for (const auto& c : codes) {
        w.begin_object().member("code", c.code).member("message", c.message).member("effect", effect_name(c.effect));
        w.key("meaning").string_or_null(c.meaning_en);
        w.key("meaning_es").string_or_null(c.meaning_es);
        w.end_object();
    }
    w.end_array();
}

std::string_view signature_name(ProtocolSignature s) noexcept {
    switch (s) {
        case ProtocolSignature::absent: return "absent";
        case ProtocolSignature::empty_unsigned: return "unsigned";
        case ProtocolSignature::valid: return "valid";
        case ProtocolSignature::not_valid: return "not_valid";
    }
    return "absent";
}

void write_protocol(report::JsonWriter& w, const Protocol& p) {
    w.begin_object();
    w.key("protocol").string_or_null(p.protocol);
    w.key("protocol_as_sent").string_or_null(p.protocol_as_sent);
    w.key("cufe").string_or_null(p.cufe);
    w.key("processed_at").string_or_null(p.processed_at);
    w.key("environment").string_or_null(p.environment);
    w.key("app_version").string_or_null(p.app_version);
    w.key("digest_value").string_or_null(p.digest_value);
    w.member("wrapped", p.wrapped).member("signature", signature_name(p.signature));
    w.key("results");
    write_codes(w, p.results);
    w.end_object();
}

}  // namespace

const KnownCode* known_code(std::string_view code) noexcept {
    for (const auto& k : k_codes)
        if (k.code == code) return &k;
    return nullptr;
}

std::span<const KnownCode> known_codes() noexcept { return k_codes; }

std::string_view outcome_name(Outcome outcome) noexcept {
    switch (outcome) {
        case Outcome::authorised: return "authorised";
        case Outcome::registered: return "registered";
        case Outcome::found: return "found";
        case Outcome::accepted: return "accepted";
        case Outcome::duplicate: return "duplicate";
        case Outcome::rejected: return "rejected";
        case Outcome::fault: return "fault";
    }
    return "rejected";
}

report::Finding detail::finding(std::string code, report::Severity severity, std::string en, std::string es,
                                std::string location) {
    report::Finding f;
    f.code = std::move(code);
    f.severity = severity;
    f.message = std::move(en);
    f.message_es = std::move(es);
    f.location = std::move(location);
    return f;
}

std::vector<const ResultCode*> Response::all_codes() const {
    std::vector<const ResultCode*> out;
    for (const auto& c : results) out.push_back(&c);
    for (const auto& p : protocols)
        for (const auto& c : p.results) out.push_back(&c);
    return out;
}

std::string Response::protocol() const {
    for (const auto& p : protocols)
        if (!p.protocol.empty()) return p.protocol;
    return {};
}

std::string Response::to_json() const {
    report::JsonWriter w;
    w.begin_object();
    w.member("service", service_name(operation)).member("outcome", outcome_name(outcome));
    w.member("soap", soap == SoapVersion::soap12 ? "1.2" : "1.1");
    w.key("answer").string_or_null(root);
    w.key("protocol").string_or_null(protocol());
    w.key("environment").string_or_null(environment);
    w.key("app_version").string_or_null(app_version);
    w.key("processed_at").string_or_null(processed_at);
    w.key("results");
    write_codes(w, results);
    w.key("protocols").begin_array();
    for (const auto& p : protocols) write_protocol(w, p);
    w.end_array();
    w.key("batch_protocol").string_or_null(batch_protocol);
    w.key("ruc").string_or_null(ruc);
    w.key("dv").string_or_null(dv);
    w.key("name").string_or_null(name);
    w.member("container", !container_xml.empty());
    w.key("fault");
    if (fault) w.begin_object().member("code", fault->code).member("reason", fault->reason).end_object();
    else w.null();
    w.member("recovered_by_query", recovered_by_query).member("sends", sends);
    w.key("findings");
    report::write_findings(w, findings);
    w.end_object();
    return std::move(w).take();
}

}  // namespace istmo::invoice::panama::dgi
