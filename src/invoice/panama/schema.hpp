#pragma once
// Internal: the structure of rFE 1.00, written from the DGI schema's facts (element order,
// occurrences, simple types, Ficha Técnica IDs) as native tables. One table drives generation
// order, parsing and structural validation.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace istmo::invoice::panama::detail {

enum class Ty : std::uint8_t {
    group,       // sequence of child elements
    choice,      // exactly one of its children (gDFRefNum)
    signature,   // ds:Signature (XMLDSig namespace, content checked by the signature verifier)
    str,         // xs:string with min_len/max_len (characters)
    enum_str,    // xs:string enumeration, values "a|b|c"
    enum_int,    // xs:integer enumeration (value-space comparison), values "1|2"
    integer,     // xs:integer with total_digits, min/max inclusive
    verform,     // xs:decimal totalDigits 4 fractionDigits 2
    monto01,     // [0-9]{1,11}[.][0-9]{2}
    monto02,     // [0-9]{0,9}[.][0-9]{2}, totalDigits 11
    monto06,     // [0-9]{1,9}[.][0-9]{2,6}
    monto31,     // [0-9]{1,9}([.][0-9]{0,6})?
    peso,        // [0-9]{1,11}|[0-9]*[.][0-9]{0,4}, totalDigits 11
    cambio,      // [0-9]{1,11}.[0-9]{2,4}, totalDigits 11, fractionDigits 4
    vtotest,     // xs:decimal totalDigits 20 fractionDigits 4
    pesotot,     // ([0-9]{1,4})|([0-9]*[.][0-9]{2,6}), totalDigits 10, fractionDigits 6
    tasa_isc,    // xs:decimal enumeration 0.05 0.06 0.00 0.1325 0.325 0.035
    fecha_tz,    // xs:dateTime with an offset, no fraction
    fecha_ymd,   // xs:date YYYY-MM-DD
    telefono,    // [0-9]{3,4}-[0-9]{4}
    email,       // emailType
    ruc,         // RUC, 5-20 characters, RUC pattern
    dv,          // [0-9]{2}
    nro_df,      // 10 digits, not all zero
    pto_fac,     // 3 digits, not all zero
    seg,         // 9 digits, not all zero
    suc_em,      // [a-zA-Z0-9]{4}
    coord,       // dCoordEm
    gtin,        // xs:integer >= 0, totalDigits 14, 0 | 8 digits | 12-14 digits
    cufe,        // length 66, FE + 64 of [A-Za-z0-9|-]
    cat_ubi, cat_pais, cat_moneda, cat_unidad, cat_cpbs_abr, cat_cpbs_cmp,
};

inline constexpr std::uint16_t k_unbounded = 0xFFFF;

struct Def {
    std::string_view name;
    Ty ty = Ty::str;
    std::uint16_t min = 1;
    std::uint16_t max = 1;
    std::string_view ficha;  // Ficha Técnica ID, e.g. "B07"
    std::uint16_t min_len = 0;
    std::uint16_t max_len = 0;  // 0 = no limit
    std::string_view values;    // enumerations, '|'-separated
    std::span<const Def> kids;
    std::uint8_t total_digits = 0;
    std::int64_t min_incl = INT64_MIN;
    std::int64_t max_incl = INT64_MAX;
};

const Def& root_def() noexcept;
// The child definition named `name` of a group (nullptr when none); index = its position.
const Def* find_child(const Def& parent, std::string_view name, std::size_t* index = nullptr) noexcept;
// Definition for a '/'-separated path below rFE ("gDGen/gEmis/dNombEm"); nullptr when unknown.
const Def* find_path(std::string_view path) noexcept;

// Value checks for a leaf. Returns an empty view when the value is valid, otherwise a short
// English reason ("must have exactly 2 decimals").
std::string_view check_value(const Def& def, std::string_view value);

bool is_numeric_type(Ty ty) noexcept;
// The value of an xs:integer text (whitespace collapsed; sign and leading zeros allowed, so "001"
// is 1); nullopt when the text is not an integer. Rules compare integer-typed fields with this,
// never by their spelling.
std::optional<std::int64_t> integer_value(std::string_view text) noexcept;
// True when `text` is an xs:integer equal to `expected`.
bool integer_equals(std::string_view text, std::int64_t expected) noexcept;
// Enumeration value matching `value` (for enum_int, by integer value): the canonical spelling.
std::string_view canonical_enum(const Def& def, std::string_view value) noexcept;

}  // namespace istmo::invoice::panama::detail
