// RUC check digits (dDV), the DGI/ANIP "DV_RUC" algorithm: the RUC is rewritten as a digit string
// (a marker and a two-digit code per cédula form), then two weighted mod-11 digits are computed,
// the second one over the string extended by the first.
#include <istmo/invoice/cufe.hpp>

#include "core/ascii.hpp"

#include <string>
#include <vector>

namespace istmo::invoice::panama {
namespace {

using core::ascii::all_digits;

std::string pad(std::string_view s, std::size_t width) {
    std::string out;
    if (s.size() < width) out.assign(width - s.size(), '0');
    out += s;
    return out;
}

std::vector<std::string_view> split(std::string_view s) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t dash = s.find('-', start);
        parts.push_back(s.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start));
        if (dash == std::string_view::npos) break;
        start = dash + 1;
    }
    return parts;
}

// Old legal-person RUCs: the two digits at positions 5-6 are mapped before weighting
// (index = the two-digit value 10..49).
constexpr char k_cross_reference[40][3] = {
    "01", "02", "03", "04", "05", "06", "07", "08", "09", "01",  // 10..19
    "02", "03", "04", "07", "08", "09", "02", "03", "04", "05",  // 20..29
    "06", "07", "08", "09", "01", "02", "03", "04", "05", "06",  // 30..39
    "07", "08", "09", "01", "02", "03", "04", "05", "06", "07",  // 40..49
};

// Weights 2, 3, 4, ... from the rightmost digit; for an old RUC the weight 11 is used twice.
char weighted_digit(std::string_view digits, bool old_ruc) noexcept {
    int weight = 2;
    long sum = 0;
    bool repeat_eleven = old_ruc;
    for (std::size_t i = digits.size(); i-- > 0;) {
        if (repeat_eleven && weight == 12) {
            repeat_eleven = false;
            weight = 11;
        }
        sum += static_cast<long>(weight) * (digits[i] - '0');
        ++weight;
    }
    const long r = sum % 11;
    return static_cast<char>('0' + (r > 1 ? 11 - r : 0));
}

std::string two_digits(const std::string& base, bool old_ruc) {
    const char first = weighted_digit(base, old_ruc);
    const char second = weighted_digit(base + first, old_ruc);
    return std::string{first, second};
}

Error bad_ruc(std::string_view ruc, std::string_view why) {
    return make_error(Errc::invalid_argument, "RUC '" + std::string(ruc) + "': " + std::string(why));
}

// Natural-person forms: "5" + province(2) + form code(2) + folio/tomo(3) + asiento(5), left-padded
// to 20 digits. Longer parts are kept whole.
std::string natural_base(std::string_view province, std::string_view code, std::string_view folio,
                         std::string_view asiento) {
    return pad("5" + pad(province, 2) + std::string(code) + pad(folio, 3) + pad(asiento, 5), 20);
}

}  // namespace

Result<std::string> ruc_check_digits(std::string_view ruc, RucKind kind) {
    if (ruc.size() < 3 || ruc.size() > 20) return bad_ruc(ruc, "must be 3 to 20 characters");
    auto parts = split(ruc);
    // The DGI pattern writes the AV and PI forms with a dash after the province too
    // ("8-AV-1-196", "8-PI-1-80"): the same RUC as "8AV-1-196", "8PI-1-80".
    std::string joined_head;
    if (parts.size() == 4 && (parts[1] == "AV" || parts[1] == "PI")) {
        if (parts[0].empty()) return bad_ruc(ruc, "the province before AV/PI must be 1 or 2 digits");
        joined_head = std::string(parts[0]) + std::string(parts[1]);
        parts = {joined_head, parts[2], parts[3]};
    }

    // NT forms: P-NT-folio-asiento (natural) or the same for a legal person.
    if (parts.size() == 4 && parts[1] == "NT") {
        if (!(parts[0].empty() || (all_digits(parts[0]) && parts[0].size() <= 2)) ||
            !all_digits(parts[2]) || parts[2].size() > 4 || !all_digits(parts[3]) || parts[3].size() > 9)
            return bad_ruc(ruc, "NT form is PROVINCE-NT-FOLIO-ASIENTO");
        if (kind == RucKind::juridical)
            return two_digits(pad(pad(parts[0], 2) + "43" + pad(parts[2], 3) + pad(parts[3], 5), 20), false);
        return two_digits(natural_base(parts[0], "43", parts[2], parts[3]), false);
    }
    if (parts.size() == 4 && parts[0] == "NT")
        return bad_ruc(ruc, "NT form needs a province: PROVINCE-NT-FOLIO-ASIENTO");
    if (parts.size() != 3) return bad_ruc(ruc, "expected 3 parts separated by '-' (or 4 for NT)");
    const std::string_view head = parts[0];
    const std::string_view folio = parts[1];
    const std::string_view asiento = parts[2];
    if (!all_digits(folio) || !all_digits(asiento)) return bad_ruc(ruc, "folio and asiento must be digits");

    std::string_view code;
    std::string_view province;
    if (head == "E") {
        code = "50";
    } else if (head == "N") {
        code = "40";
    } else if (head == "PE") {
        code = "75";
    } else if (head.size() >= 2 && (head.substr(head.size() - 2) == "AV" || head.substr(head.size() - 2) == "PI")) {
        province = head.substr(0, head.size() - 2);
        if (!province.empty() && (!all_digits(province) || province.size() > 2))
            return bad_ruc(ruc, "the province before AV/PI must be 1 or 2 digits");
        code = head.substr(head.size() - 2) == "AV" ? "15" : "79";
    } else if (all_digits(head)) {
        const bool juridical = kind == RucKind::juridical || (kind == RucKind::automatic && head.size() > 2);
        if (juridical) {
            if (head.size() > 10 || folio.size() > 4 || asiento.size() > 6)
                return bad_ruc(ruc, "legal-person RUC is TOMO(<=10)-FOLIO(<=4)-ASIENTO(<=6)");
            std::string base = pad(head, 10) + pad(folio, 4) + pad(asiento, 6);
            const bool old_ruc = base[3] == '0' && base[4] == '0' && base[5] < '5';
            if (old_ruc) {
                const int pair = (base[5] - '0') * 10 + (base[6] - '0');
                if (pair >= 10 && pair <= 49) base.replace(5, 2, k_cross_reference[pair - 10]);
            }
            return two_digits(base, old_ruc);
        }
        if (head.size() > 2) return bad_ruc(ruc, "province must be 1 or 2 digits");
        province = head;
        code = "00";
    } else {
        return bad_ruc(ruc, "unknown form");
    }
    if (folio.size() > 4 || asiento.size() > 9) return bad_ruc(ruc, "folio (<=4) or asiento (<=9) too long");
    return two_digits(natural_base(province, code, folio, asiento), false);
}

}  // namespace istmo::invoice::panama
