#pragma once
// Internal: what the service makes of a request, without any socket: the route of a method and
// target, the document and profile of a POST /v1/validate, and the JSON of a refusal. Pure
// functions over strings (the fuzz harness tests/fuzz/fuzz_service_request.cpp drives them).
#include <istmo/batch/batch.hpp>
#include <istmo/crypto/revocation.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace istmo::service::detail {

// The largest request head the server reads (400 beyond).
inline constexpr std::size_t k_max_header_bytes = 16 * 1024;

enum class Route { validate, healthz, metrics, not_found, method_not_allowed };

// method as sent ("GET"), target the request-target ("/v1/validate?profile=xades").
[[nodiscard]] Route route(std::string_view method, std::string_view target) noexcept;

// A request the service refuses: the HTTP status and a stable code with its message in both
// languages.
struct Refusal {
    int status = 400;
    std::string code;
    std::string message;     // English
    std::string message_es;  // Spanish
};

// The refusals of the service, by code (SERVICE-*); the messages of docs/service.md.
[[nodiscard]] Refusal refusal(std::string_view code, std::string detail = {});

// {"error":{"code":..,"message":..,"message_es":..}}
[[nodiscard]] std::string refusal_json(const Refusal& refusal);

// The document of a POST /v1/validate and how to check it.
struct ValidateCall {
    std::string source;                  // label of the result
    std::string document;                // the bytes to validate
    std::optional<batch::Profile> profile;  // ?profile=; nullopt: the server's default
    // The per-request options of batch; nullopt / empty: the server's own.
    std::optional<crypto::RevocationPolicy> revocation;  // ?revocation=auto|require|off
    std::optional<bool> legacy;                          // ?legacy=true|false
    std::string trust_set;                               // ?trust=NAME, a set the operator named
};

// target: the request-target (its query gives profile, source, revocation, legacy and trust; the
// trust set's name is only read here, the server checks it is one it has); content_type: the header
// (application/json: the body is {"source","base64"}; anything else: the body is the document);
// max_document: the largest decoded base64 document accepted (larger: BATCH-TOO-LARGE refusal,
// 413). Unknown query parameters are refused, so that a typo never passes silently.
[[nodiscard]] std::variant<ValidateCall, Refusal> parse_validate(std::string_view target,
                                                                 std::string_view content_type, std::string body,
                                                                 std::size_t max_document);

// A result whose request, waiting included, took longer than `budget`: BATCH-TIME-BUDGET-EXCEEDED
// (once) and never TOTAL_PASSED, as batch does for its own budget.
void mark_over_budget(batch::DocumentResult& result, std::chrono::milliseconds budget);

// The value of one query parameter, percent-decoded; nullopt when absent or badly encoded
// (bad is set then).
struct QueryParameter {
    std::string name;
    std::string value;
};
// Splits and percent-decodes "a=1&b=x%20y"; nullopt when an escape is malformed.
[[nodiscard]] std::optional<std::vector<QueryParameter>> parse_query(std::string_view query);

}  // namespace istmo::service::detail
