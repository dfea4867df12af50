// CUFE construction and check digit (SPEC §3).
#include <istmo/invoice/cufe.hpp>

#include "core/ascii.hpp"

#include <string>

namespace istmo::invoice::panama {
namespace {

using core::ascii::all_digits;

bool alnum(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

Error field_error(std::string_view field, std::string_view expected) {
    return make_error(Errc::invalid_argument,
                      "CUFE field " + std::string(field) + " must be " + std::string(expected));
}

}  // namespace

std::optional<char> cufe_check_digit(std::string_view body63) noexcept {
    if (body63.size() != 63) return std::nullopt;
    int sum = 0;
    // Luhn: from the rightmost digit, double every second digit starting with the rightmost.
    bool doubled = true;
    for (std::size_t i = body63.size(); i-- > 0;) {
        const auto c = static_cast<unsigned char>(body63[i]);
        if (c < 0x21 || c > 0x7e) return std::nullopt;
        int d = (c >= '0' && c <= '9') ? c - '0' : c % 10;  // non-digit: last digit of its code
        if (doubled) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
        doubled = !doubled;
    }
    return static_cast<char>('0' + (10 - sum % 10) % 10);
}

bool cufe_check_digit_valid(std::string_view text) noexcept {
    if (text.size() != 66 || text.substr(0, 2) != "FE") return false;
    const auto digit = cufe_check_digit(text.substr(2, 63));
    return digit && *digit == text[65];
}

Result<std::string> cufe(const CufeFields& f) {
    auto fixed_digits = [](std::string_view v, std::size_t n) { return v.size() == n && all_digits(v); };
    if (!fixed_digits(f.iDoc, 2)) return field_error("iDoc", "2 digits");
    if (!fixed_digits(f.dTipoRuc, 1)) return field_error("dTipoRuc", "1 digit");
    if (f.dRuc.empty() || f.dRuc.size() > 20) return field_error("dRuc", "1 to 20 characters");
    for (char c : f.dRuc)
        if (!alnum(c) && c != '-') return field_error("dRuc", "letters, digits and '-'");
    if (!fixed_digits(f.dDV, 2)) return field_error("dDV", "2 digits");
    if (f.dSucEm.size() != 4) return field_error("dSucEm", "4 letters or digits");
    for (char c : f.dSucEm)
        if (!alnum(c)) return field_error("dSucEm", "4 letters or digits");
    const std::string_view date = std::string_view(f.dFechaEm).substr(0, 10);
    if (date.size() != 10 || date[4] != '-' || date[7] != '-' || !all_digits(date.substr(0, 4)) ||
        !all_digits(date.substr(5, 2)) || !all_digits(date.substr(8, 2)))
        return field_error("dFechaEm", "a date YYYY-MM-DD...");
    if (!fixed_digits(f.dNroDF, 10)) return field_error("dNroDF", "10 digits");
    if (!fixed_digits(f.dPtoFacDF, 3)) return field_error("dPtoFacDF", "3 digits");
    if (!fixed_digits(f.iTpEmis, 2)) return field_error("iTpEmis", "2 digits");
    if (!fixed_digits(f.iAmb, 1)) return field_error("iAmb", "1 digit");
    if (!fixed_digits(f.dSeg, 9)) return field_error("dSeg", "9 digits");

    std::string out;
    out.reserve(66);
    out += "FE";
    out += f.iDoc;
    out += f.dTipoRuc;
    out.append(20 - f.dRuc.size(), '0');
    out += f.dRuc;
    out += '-';
    out += f.dDV;
    out += f.dSucEm;
    out += date.substr(0, 4);
    out += date.substr(5, 2);
    out += date.substr(8, 2);
    out += f.dNroDF;
    out += f.dPtoFacDF;
    out += f.iTpEmis;
    out += f.iAmb;
    out += f.dSeg;
    const auto digit = cufe_check_digit(std::string_view(out).substr(2));
    if (!digit) return make_error(Errc::internal, "CUFE body is not 63 characters");
    out += *digit;
    return out;
}

}  // namespace istmo::invoice::panama
