// The QR of a validated invoice: URL parameters and the HS256 JWT, read as JSON (production JWTs
// vary in key order and one spells "chFE " with a trailing space; SPEC §10), with the library's one
// strict JSON reader. The JWT's HMAC is
// keyed with the issuer's "código QR" secret, which a validator does not hold.
#include "invoice/panama/qr_check.hpp"

#include <istmo/report/messages.hpp>

#include "crypto/native.hpp"
#include "report/json_reader.hpp"
#include "invoice/panama/schema.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <optional>

namespace istmo::invoice::panama::detail {
namespace {

using report::Severity;

constexpr std::string_view k_path = "/rFE/gNoFirm/dQRCode";
constexpr std::string_view k_ficha = "G101";

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// %XX -> the byte; a '%' not followed by two hex digits stays as written.
std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

std::optional<std::string> base64url_decode(std::string_view s) {
    std::string b64;
    b64.reserve(s.size() + 3);
    for (char c : s) {
        if (c == '-') b64 += '+';
        else if (c == '_') b64 += '/';
        else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) b64 += c;
        else return std::nullopt;
    }
    if (b64.size() % 4 == 1) return std::nullopt;
    while (b64.size() % 4 != 0) b64 += '=';
    auto bytes = crypto::base64_decode(b64);
    if (!bytes) return std::nullopt;
    return std::string(bytes->begin(), bytes->end());
}

std::string_view trim(std::string_view s) noexcept {
    const auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && ws(s.front())) s.remove_prefix(1);
    while (!s.empty() && ws(s.back())) s.remove_suffix(1);
    return s;
}

// One JWT part as a JSON object; nullopt (and a finding) when it is not one.
std::optional<report::json::Value> jwt_object(std::string_view part, std::string_view what, int line, Collector& out) {
    const auto text = base64url_decode(part);
    auto value = text ? report::json::parse(*text) : Result<report::json::Value>(make_error(Errc::parse_error, "not base64url"));
    if (value && value->kind == report::json::Kind::object) return std::move(*value);
    const std::string why = !text ? "not base64url" : !value ? value.error().message : "not a JSON object";
    const std::string why_es = !text    ? std::string("no es base64url")
                               : !value ? report::translate_text(why).value_or(why)
                                        : std::string("no es un objeto JSON");
    out.add("FE-QR-JWT-DECODE", Severity::error, std::string(k_path), k_ficha, line,
            "El " + std::string(what == "header" ? "encabezado" : "contenido") + " del JWT del código QR no es válido: " + why_es,
            "The QR JWT " + std::string(what) + " is not valid: " + why);
    return std::nullopt;
}

// The members of a JWT object by trimmed name; a name with stray spaces is a warning.
const report::json::Value* member(const report::json::Value& object, std::string_view name, int line, Collector& out) {
    for (const auto& m : object.members) {
        if (trim(m.name) != name) continue;
        if (m.name != name)
            out.add("FE-QR-JWT-KEY", Severity::warning, std::string(k_path), k_ficha, line,
                    "La clave \"" + m.name + "\" del JWT del código QR tiene espacios sobrantes (se lee como \"" +
                        std::string(name) + "\")",
                    "The QR JWT key \"" + m.name + "\" has stray spaces (read as \"" + std::string(name) + "\")");
        return &m.value;
    }
    return nullptr;
}

// A JWT payload value as text (strings, and numbers as written: "iAmb": 2 occurs).
std::optional<std::string> scalar(const report::json::Value* v) {
    if (!v || (v->kind != report::json::Kind::string && v->kind != report::json::Kind::number)) return std::nullopt;
    return percent_decode(v->text);
}

void compare(std::string_view field, const std::optional<std::string>& have, bool matches, std::string_view against_es,
             std::string_view against_en, int line, Collector& out) {
    if (!have) {
        out.add("FE-QR-JWT-CLAIM", Severity::error, std::string(k_path), k_ficha, line,
                "El JWT del código QR no tiene el valor \"" + std::string(field) + "\" (texto)",
                "The QR JWT has no \"" + std::string(field) + "\" value (text)");
        return;
    }
    if (matches) return;
    out.add("FE-QR-JWT-MISMATCH", Severity::error, std::string(k_path), k_ficha, line,
            "El \"" + std::string(field) + "\" del JWT del código QR no coincide con " + std::string(against_es),
            "The QR JWT \"" + std::string(field) + "\" does not match " + std::string(against_en));
}

// HS256 over "header.payload" with the issuer's secret, compared in constant time.
void check_mac(std::string_view jwt, std::size_t dot2, std::string_view secret, int line, Collector& out) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    const auto given = base64url_decode(jwt.substr(dot2 + 1));
    const bool computed = HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                               reinterpret_cast<const unsigned char*>(jwt.data()), dot2, mac, &mac_len) != nullptr;
    if (computed && given && given->size() == mac_len && CRYPTO_memcmp(given->data(), mac, mac_len) == 0) return;
    out.add("FE-QR-JWT-MAC", Severity::error, std::string(k_path), k_ficha, line,
            "La firma HS256 del JWT del código QR no corresponde a la clave QR dada",
            "The HS256 MAC of the QR JWT does not match the given QR secret");
}

void check_jwt(std::string_view jwt, const Element& root, std::string_view signature_digest, std::string_view secret,
               int line, Collector& out) {
    const std::size_t dot1 = jwt.find('.');
    const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : jwt.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || jwt.find('.', dot2 + 1) != std::string_view::npos) {
        out.add("FE-QR-JWT-FORM", Severity::error, std::string(k_path), k_ficha, line,
                "El jwt del código QR no tiene la forma encabezado.contenido.firma",
                "The QR jwt is not of the form header.payload.signature");
        return;
    }
    if (!secret.empty()) check_mac(jwt, dot2, secret, line, out);
    const auto header = jwt_object(jwt.substr(0, dot1), "header", line, out);
    const auto payload = jwt_object(jwt.substr(dot1 + 1, dot2 - dot1 - 1), "payload", line, out);
    if (header) {
        const report::json::Value* alg = member(*header, "alg", line, out);
        if (!alg || alg->kind != report::json::Kind::string || alg->text != "HS256")
            out.add("FE-QR-JWT-ALG", Severity::error, std::string(k_path), k_ficha, line,
                    "El JWT del código QR debe tener \"alg\": \"HS256\"", "The QR JWT must have \"alg\": \"HS256\"");
    }
    if (!payload) return;
    const auto chfe = scalar(member(*payload, "chFE", line, out));
    compare("chFE", chfe, chfe && *chfe == root.value("dId"), "dId", "dId", line, out);
    const auto iamb = scalar(member(*payload, "iAmb", line, out));
    const auto declared = integer_value(root.value("gDGen/iAmb"));
    compare("iAmb", iamb, iamb && declared && integer_equals(*iamb, *declared), "gDGen/iAmb", "gDGen/iAmb", line, out);
    const auto digest = scalar(member(*payload, "digestValue", line, out));
    compare("digestValue", digest, digest && (signature_digest.empty() || *digest == signature_digest),
            "el DigestValue de la firma", "the signature DigestValue", line, out);
}

}  // namespace

std::string query_value(std::string_view url, std::string_view name) {
    std::size_t pos = url.find('?');
    while (pos != std::string_view::npos) {
        ++pos;
        const std::size_t end = url.find('&', pos);
        const std::string_view pair = url.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=')
            return percent_decode(pair.substr(name.size() + 1));
        pos = end;
    }
    return {};
}

void check_qr(const Element& root, std::string_view signature_digest, std::string_view secret, Collector& out) {
    const Element* qr_element = root.find("gNoFirm/dQRCode");
    if (!qr_element || qr_element->text.empty()) return;
    const std::string_view qr = qr_element->text;
    const int line = qr_element->line;
    if (query_value(qr, "chFE") != root.value("dId"))
        out.add("FE-QR-CUFE", Severity::error, std::string(k_path), k_ficha, line, "El chFE del código QR no coincide con dId",
                "The QR chFE does not match dId");
    if (!signature_digest.empty() && query_value(qr, "digestValue") != signature_digest)
        out.add("FE-QR-DIGEST", Severity::error, std::string(k_path), k_ficha, line,
                "El digestValue del código QR no coincide con el DigestValue de la firma",
                "The QR digestValue does not match the signature DigestValue");
    const std::string jwt = query_value(qr, "jwt");
    if (jwt.empty()) {
        out.add("FE-QR-JWT-MISSING", Severity::error, std::string(k_path), k_ficha, line, "El código QR no tiene el parámetro jwt",
                "The QR has no jwt parameter");
        return;
    }
    check_jwt(jwt, root, signature_digest, secret, line, out);
}

}  // namespace istmo::invoice::panama::detail
