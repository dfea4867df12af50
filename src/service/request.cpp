#include "service/request.hpp"

#include "batch/batch_util.hpp"

#include <istmo/report/json.hpp>
#include <istmo/report/messages.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <vector>

namespace istmo::service::detail {

namespace {

struct RefusalText {
    std::string_view code;
    int status;
    std::string_view message;
    std::string_view message_es;
};

// Every refusal the service answers with (docs/service.md, "Errors").
constexpr std::array k_refusals{
    RefusalText{"SERVICE-BAD-REQUEST", 400, "the request is not a well-formed HTTP/1.1 request",
                "la solicitud no es una solicitud HTTP/1.1 bien formada"},
    RefusalText{"SERVICE-BAD-QUERY", 400, "the query string is malformed or names an unknown parameter",
                "la cadena de consulta está mal formada o nombra un parámetro desconocido"},
    RefusalText{"SERVICE-UNKNOWN-PROFILE", 400, "unknown profile (panama-fe, xmldsig, xades or auto)",
                "perfil desconocido (panama-fe, xmldsig, xades o auto)"},
    RefusalText{"SERVICE-UNKNOWN-REVOCATION", 400, "unknown revocation policy (auto, require or off)",
                "política de revocación desconocida (auto, require u off)"},
    RefusalText{"SERVICE-BAD-LEGACY", 400, "legacy must be true or false",
                "legacy debe ser true o false"},
    RefusalText{"SERVICE-UNKNOWN-TRUST-SET", 400, "no trust set of this name was configured on the server",
                "no se configuró en el servidor ningún conjunto de confianza con este nombre"},
    RefusalText{"BATCH-INPUT-BAD-JSON", 400, "the JSON body is not an object with a \"base64\" string member",
                "el cuerpo JSON no es un objeto con un miembro \"base64\" de tipo cadena"},
    RefusalText{"BATCH-INPUT-BAD-BASE64", 400, "the \"base64\" member is not base64",
                "el miembro \"base64\" no es base64"},
    RefusalText{"SERVICE-NOT-FOUND", 404, "no such resource (POST /v1/validate, GET /healthz, GET /metrics)",
                "no existe ese recurso (POST /v1/validate, GET /healthz, GET /metrics)"},
    RefusalText{"SERVICE-METHOD-NOT-ALLOWED", 405, "this method is not allowed on this resource",
                "este método no está permitido en este recurso"},
    RefusalText{"SERVICE-TIMEOUT", 408, "the request did not arrive in time",
                "la solicitud no llegó a tiempo"},
    RefusalText{"SERVICE-BODY-TOO-LARGE", 413, "the request body is larger than the server accepts",
                "el cuerpo de la solicitud es más grande de lo que el servidor acepta"},
    RefusalText{"BATCH-TOO-LARGE", 413, "the decoded document is larger than the server accepts",
                "el documento decodificado es más grande de lo que el servidor acepta"},
    RefusalText{"SERVICE-INTERNAL", 500, "the server failed on this request",
                "el servidor falló con esta solicitud"},
    RefusalText{"SERVICE-OVERLOADED", 503, "too many validations in progress; retry after the time given",
                "demasiadas validaciones en curso; reintente después del tiempo indicado"},
    RefusalText{"SERVICE-TIME-BUDGET-EXCEEDED", 503,
                "the request waited for a validation thread longer than its time budget; nothing was checked",
                "la solicitud esperó un hilo de validación más que su tiempo asignado; no se verificó nada"},
    RefusalText{"SERVICE-DRAINING", 503, "the server is stopping", "el servidor se está deteniendo"},
};

bool starts_with_icase(std::string_view text, std::string_view prefix) noexcept {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
    return true;
}

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            const int high = hex_digit(text[i + 1]);
            const int low = hex_digit(text[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

std::string_view path_of(std::string_view target) noexcept { return target.substr(0, target.find('?')); }

std::string_view query_of(std::string_view target) noexcept {
    const auto at = target.find('?');
    return at == std::string_view::npos ? std::string_view() : target.substr(at + 1);
}

// The document of a JSON body {"source", "base64"}; the label goes to call.source when given.
std::optional<Refusal> read_json_body(const std::string& body, std::size_t max_document, ValidateCall& call) {
    auto object = batch::detail::parse_line_object(body);
    if (!object) return refusal("BATCH-INPUT-BAD-JSON");
    if (const auto* s = object->find("source"); s && s->is(report::json::Kind::string) && !s->text.empty())
        call.source = s->text;
    const report::json::Value* data = nullptr;
    for (const char* name : {"base64", "content_base64", "data"})
        if ((data = object->find(name)) != nullptr) break;
    if (data == nullptr || !data->is(report::json::Kind::string)) return refusal("BATCH-INPUT-BAD-JSON");
    // One byte more than allowed tells "too large" from "invalid".
    auto bytes = batch::detail::decode_document_base64(data->text, max_document == SIZE_MAX ? max_document : max_document + 1);
    if (!bytes) {
        if (data->text.size() / 4 * 3 > max_document + 3) return refusal("BATCH-TOO-LARGE");
        return refusal("BATCH-INPUT-BAD-BASE64");
    }
    if (bytes->size() > max_document) return refusal("BATCH-TOO-LARGE");
    call.document = std::move(*bytes);
    return std::nullopt;
}

}  // namespace

Route route(std::string_view method, std::string_view target) noexcept {
    const std::string_view path = path_of(target);
    if (path == "/v1/validate") return method == "POST" ? Route::validate : Route::method_not_allowed;
    if (path == "/healthz" || path == "/metrics") {
        if (method != "GET") return Route::method_not_allowed;
        return path == "/healthz" ? Route::healthz : Route::metrics;
    }
    return Route::not_found;
}

Refusal refusal(std::string_view code, std::string detail) {
    for (const RefusalText& r : k_refusals) {
        if (r.code != code) continue;
        Refusal out{r.status, std::string(r.code), std::string(r.message), std::string(r.message_es)};
        if (!detail.empty()) {
            out.message += ": " + detail;
            out.message_es += ": " + detail;
        }
        return out;
    }
    return refusal("SERVICE-INTERNAL", "unknown refusal " + std::string(code));
}

std::string refusal_json(const Refusal& r) {
    report::JsonWriter w;
    w.begin_object().key("error").begin_object();
    w.member("code", r.code).member("message", r.message).member("message_es", r.message_es);
    w.end_object().end_object();
    return std::move(w).take();
}

void mark_over_budget(batch::DocumentResult& result, std::chrono::milliseconds budget) {
    const std::string code(batch::k_code_time_budget);
    if (std::find(result.codes.begin(), result.codes.end(), code) == result.codes.end()) {
        result.codes.push_back(code);
        // The batch form of the message (its Spanish twin is in the catalogue); here the input's
        // time counts from the request's head.
        result.findings.push_back(report::make_finding(
            code, report::Severity::error, "the input used up its time budget of " + std::to_string(budget.count()) + " ms"));
    }
    report::Verdict verdict{result.indication, result.sub_indication};
    verdict.add(report::Indication::indeterminate, report::SubIndication::none);
    result.indication = verdict.indication;
    result.sub_indication = verdict.sub_indication;
}

std::optional<std::vector<QueryParameter>> parse_query(std::string_view query) {
    std::vector<QueryParameter> out;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        auto name = percent_decode(pair.substr(0, eq));
        auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        if (!name || !value) return std::nullopt;
        out.push_back({std::move(*name), std::move(*value)});
    }
    return out;
}

std::variant<ValidateCall, Refusal> parse_validate(std::string_view target, std::string_view content_type,
                                                   std::string body, std::size_t max_document) {
    ValidateCall call;
    call.source = "request";
    auto query = parse_query(query_of(target));
    if (!query) return refusal("SERVICE-BAD-QUERY");
    for (auto& [name, value] : *query) {
        if (name == "profile") {
            call.profile = batch::parse_profile(value);
            if (!call.profile) return refusal("SERVICE-UNKNOWN-PROFILE");
        } else if (name == "source") {
            if (!value.empty()) call.source = std::move(value);
        } else if (name == "revocation") {
            auto policy = crypto::parse_revocation_policy(value);
            if (!policy) return refusal("SERVICE-UNKNOWN-REVOCATION");
            call.revocation = *policy;
        } else if (name == "legacy") {
            if (value != "true" && value != "false") return refusal("SERVICE-BAD-LEGACY");
            call.legacy = value == "true";
        } else if (name == "trust") {
            if (value.empty()) return refusal("SERVICE-UNKNOWN-TRUST-SET");
            call.trust_set = std::move(value);
        } else {
            return refusal("SERVICE-BAD-QUERY", "'" + name.substr(0, 64) + "'");
        }
    }
    if (starts_with_icase(content_type, "application/json")) {
        if (auto refused = read_json_body(body, max_document, call)) return std::move(*refused);
    } else {
        call.document = std::move(body);
    }
    return call;
}

}  // namespace istmo::service::detail

