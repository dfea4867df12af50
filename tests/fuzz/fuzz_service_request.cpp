// libFuzzer harness: what the validation service makes of the bytes of a connection. The bytes
// go through Beast's request parser with the server's limits (head 16 KiB, body 1 MiB here), one
// request after the other as on a keep-alive connection; each complete request is routed
// (service::detail::route) and a POST /v1/validate is read as the server reads it
// (service::detail::parse_validate: query, JSON/base64 body). The raw input also goes to the
// query parser and, as `istmo worker` reads an AMQP message body, to parse_validate with an
// empty target and content type application/json. Documents are not validated here
// (fuzz_batch_ndjson and fuzz_dsig_verify do that).
#include "service/request.hpp"

#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace {

namespace http = boost::beast::http;
namespace detail = istmo::service::detail;

constexpr std::size_t k_max_body = 1024 * 1024;

void handle(const http::request<http::string_body>& request) {
    const auto method = request.method_string();
    const auto target = request.target();
    const std::string_view target_view(target.data(), target.size());
    if (detail::route(std::string_view(method.data(), method.size()), target_view) != detail::Route::validate) return;
    const auto content_type = request[http::field::content_type];
    auto call = detail::parse_validate(target_view, std::string_view(content_type.data(), content_type.size()),
                                       request.body(), k_max_body);
    if (auto* refused = std::get_if<detail::Refusal>(&call)) (void)detail::refusal_json(*refused);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    (void)detail::parse_query(bytes);
    // An AMQP message body (the worker): JSON {"source","base64"} or the document itself.
    auto message = detail::parse_validate("", "application/json", std::string(bytes), k_max_body);
    if (auto* refused = std::get_if<detail::Refusal>(&message)) (void)detail::refusal_json(*refused);

    std::size_t offset = 0;
    for (int requests = 0; requests < 16 && offset < bytes.size(); ++requests) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(detail::k_max_header_bytes));
        parser.body_limit(k_max_body);
        parser.eager(true);
        boost::system::error_code ec;
        const std::size_t used = parser.put(boost::asio::buffer(bytes.data() + offset, bytes.size() - offset), ec);
        if (ec || used == 0) break;
        offset += used;
        if (!parser.is_done()) break;
        handle(parser.get());
    }
    return 0;
}
