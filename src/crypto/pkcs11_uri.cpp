// RFC 7512 PKCS#11 URI parsing.
#include "crypto/pkcs11_uri.hpp"

#include <istmo/crypto/pkcs11.hpp>

#include "core/ascii.hpp"

#include <cctype>
#include <charconv>
#include <set>

namespace istmo::crypto {

bool is_pkcs11_uri(std::string_view text) noexcept {
    constexpr std::string_view scheme = "pkcs11:";
    if (text.size() < scheme.size()) return false;
    for (std::size_t i = 0; i < scheme.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != scheme[i]) return false;
    return true;
}

namespace pkcs11 {
namespace {

// A name or value of the URI as an error message shows it (control bytes replaced, cut at 64).
std::string shown(std::string_view text) { return core::ascii::printable(text, 64); }

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Result<std::string> percent_decode(std::string_view value, std::string_view name) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '%') {
            out += value[i];
            continue;
        }
        const int high = i + 2 < value.size() ? hex_value(value[i + 1]) : -1;
        const int low = i + 2 < value.size() ? hex_value(value[i + 2]) : -1;
        if (high < 0 || low < 0)
            return make_error(Errc::invalid_argument,
                              "PKCS#11 URI: bad percent-encoding in the value of " + shown(name));
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return out;
}

Error uri_error(std::string message) { return make_error(Errc::invalid_argument, "PKCS#11 URI: " + message); }

Result<void> set_path_attribute(Uri& uri, const std::string& name, std::string value) {
    auto assign = [&](std::optional<std::string>& field) -> Result<void> {
        field = std::move(value);
        return {};
    };
    if (name == "token") return assign(uri.token);
    if (name == "manufacturer") return assign(uri.manufacturer);
    if (name == "serial") return assign(uri.serial);
    if (name == "model") return assign(uri.model);
    if (name == "library-manufacturer") return assign(uri.library_manufacturer);
    if (name == "library-description") return assign(uri.library_description);
    if (name == "slot-description") return assign(uri.slot_description);
    if (name == "slot-manufacturer") return assign(uri.slot_manufacturer);
    if (name == "object") return assign(uri.object);
    if (name == "id") {
        uri.id = Bytes(value.begin(), value.end());
        return {};
    }
    if (name == "type") {
        static const std::set<std::string> types{"private", "public", "cert", "secret-key", "data"};
        if (!types.count(value)) return uri_error("unknown object type \"" + shown(value) + "\"");
        return assign(uri.type);
    }
    if (name == "slot-id") {
        unsigned long slot = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), slot);
        if (ec != std::errc() || end != value.data() + value.size() || value.empty())
            return uri_error("slot-id must be a decimal number");
        uri.slot_id = slot;
        return {};
    }
    return uri_error("the attribute \"" + shown(name) + "\" is not supported");
}

Result<void> set_query_attribute(Uri& uri, const std::string& name, std::string value) {
    if (name == "pin-value" || name == "pin-source")
        return uri_error("a PIN is not accepted inside the URI; give it with --pin-env or --pin-file");
    if (name == "module-path") uri.module_path = std::move(value);
    else if (name == "module-name") uri.module_name = std::move(value);
    else return uri_error("the query attribute \"" + shown(name) + "\" is not supported");
    return {};
}

// Splits "a=1;b=2" (or "&"-separated) and hands each decoded pair to set.
template <class Setter>
Result<void> parse_attributes(std::string_view text, char separator, std::set<std::string>& seen, Setter set) {
    while (!text.empty()) {
        const std::size_t end = text.find(separator);
        const std::string_view item = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        if (item.empty()) continue;
        const std::size_t equals = item.find('=');
        if (equals == std::string_view::npos || equals == 0)
            return uri_error("\"" + core::ascii::printable(item, 40) + "\" is not name=value");
        const std::string name(item.substr(0, equals));
        if (!seen.insert(name).second) return uri_error("the attribute \"" + shown(name) + "\" appears twice");
        auto value = percent_decode(item.substr(equals + 1), name);
        if (!value) return std::move(value).error();
        if (auto done = set(name, std::move(*value)); !done) return done;
    }
    return {};
}

}  // namespace

Result<Uri> parse_uri(std::string_view text) {
    if (!is_pkcs11_uri(text)) return uri_error("it must start with \"pkcs11:\"");
    text.remove_prefix(7);
    const std::size_t question = text.find('?');
    const std::string_view path = text.substr(0, question);
    const std::string_view query = question == std::string_view::npos ? std::string_view{} : text.substr(question + 1);
    Uri uri;
    std::set<std::string> seen;
    auto path_done = parse_attributes(path, ';', seen, [&](const std::string& n, std::string v) {
        return set_path_attribute(uri, n, std::move(v));
    });
    if (!path_done) return std::move(path_done).error();
    auto query_done = parse_attributes(query, '&', seen, [&](const std::string& n, std::string v) {
        return set_query_attribute(uri, n, std::move(v));
    });
    if (!query_done) return std::move(query_done).error();
    if (uri.type && *uri.type != "private")
        return uri_error("the object named must be a private key (type=private)");
    return uri;
}

}  // namespace pkcs11
}  // namespace istmo::crypto
