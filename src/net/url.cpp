// URL parsing for the HTTP client: only what an http(s) fetch needs.
#include "net/net_internal.hpp"

#include <charconv>

namespace istmo::net::detail {

Result<Url> parse_url(std::string_view text_view) {
    const std::string text(text_view);
    Url u;
    u.text = text;
    std::string rest;
    if (text.rfind("http://", 0) == 0) {
        rest = text.substr(7);
    } else if (text.rfind("https://", 0) == 0) {
        u.https = true;
        rest = text.substr(8);
    } else {
        return make_error(Errc::invalid_argument, "the URL '" + text + "' is not http:// or https://");
    }
    for (const char c : text) {
        const auto b = static_cast<unsigned char>(c);
        if (b <= 0x20 || b == 0x7F) return make_error(Errc::invalid_argument, "the URL contains a space or a control character");
    }
    const auto slash = rest.find_first_of("/?");
    std::string authority = rest.substr(0, slash);
    u.target = slash == std::string::npos ? "/" : rest.substr(slash);
    if (!u.target.empty() && u.target[0] == '?') u.target.insert(0, "/");
    if (const auto hash = u.target.find('#'); hash != std::string::npos) u.target.erase(hash);
    if (authority.find('@') != std::string::npos)
        return make_error(Errc::invalid_argument, "credentials in the URL are not supported: use the user/password options");
    if (!authority.empty() && authority[0] == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos) return make_error(Errc::invalid_argument, "bad IPv6 address in '" + text + "'");
        u.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') return make_error(Errc::invalid_argument, "bad IPv6 address in '" + text + "'");
            u.port = authority.substr(close + 2);
        }
    } else {
        const auto colon = authority.rfind(':');
        u.host = authority.substr(0, colon);
        if (colon != std::string::npos) u.port = authority.substr(colon + 1);
    }
    if (u.port.empty()) u.port = u.https ? "443" : "80";
    if (u.host.empty()) return make_error(Errc::invalid_argument, "no host in '" + text + "'");
    int port_num = 0;
    const auto [ptr, ec] = std::from_chars(u.port.data(), u.port.data() + u.port.size(), port_num);
    if (ec != std::errc() || ptr != u.port.data() + u.port.size() || port_num <= 0 || port_num > 65535)
        return make_error(Errc::invalid_argument, "bad port in '" + text + "'");
    return u;
}

std::string host_header(const Url& u) {
    const bool v6 = u.host.find(':') != std::string::npos;
    std::string h = v6 ? "[" + u.host + "]" : u.host;
    if ((u.https && u.port != "443") || (!u.https && u.port != "80")) h += ":" + u.port;
    return h;
}

std::string absolute_location(const Url& base, const std::string& location) {
    if (!location.empty() && location[0] == '/' && location.rfind("//", 0) != 0)
        return (base.https ? "https://" : "http://") + host_header(base) + location;
    return location;
}

std::string lower_ascii(std::string text) {
    for (char& c : text)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return text;
}

}  // namespace istmo::net::detail
