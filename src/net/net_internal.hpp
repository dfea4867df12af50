#pragma once
// Internal helpers of the net module, shared by src/net/*.cpp, the modules above (tsa) and the
// tests. Never included from include/.
#include <istmo/core/result.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace istmo::net::detail {

// An http:// or https:// URL taken apart (no user info, no fragment handling).
struct Url {
    bool https = false;
    std::string host;    // without the IPv6 brackets
    std::string port;    // always set (80 / 443 by default)
    std::string target;  // path?query, "/" at least
    std::string text;    // as given
};

// ASCII lower case (header values, hex digests); other bytes unchanged.
std::string lower_ascii(std::string text);

// invalid_argument unless http:// or https:// with a host and a port in 1..65535.
Result<Url> parse_url(std::string_view text);

// The Host header for a URL: brackets around IPv6, the port unless it is the scheme's default.
std::string host_header(const Url& url);

// A Location that is an absolute path ("/x") made absolute against the URL that sent it.
std::string absolute_location(const Url& base, const std::string& location);

// An HTTP-date (RFC 9110 §5.6.7): IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", or the obsolete
// rfc850 "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit year read relative to `now`) and asctime
// "Sun Nov  6 08:49:37 1994" forms. Case-sensitive, as the grammar is; nullopt otherwise.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text,
                                                                     std::chrono::system_clock::time_point now);

// A Retry-After value (RFC 9110 §10.2.3) as a delay from `now`: delta-seconds (saturating at
// 2^31 s) or an HTTP-date (a date not after `now` is no delay). nullopt when it is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

}  // namespace istmo::net::detail
