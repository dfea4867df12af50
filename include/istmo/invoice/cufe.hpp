#pragma once
// Panama DGI identifiers: the CUFE (Código Único de Factura Electrónica, the rFE dId) and the
// RUC check digits (dDV).
//
// Thread safety: pure functions.
#include <istmo/core/result.hpp>
#include <istmo/export.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace istmo::invoice::panama {

// The fields the CUFE is built from, as written in the rFE.
struct CufeFields {
    std::string iDoc;       // gDGen/iDoc, "01".."09"
    std::string dTipoRuc;   // gEmis/gRucEmi/dTipoRuc, "1" or "2"
    std::string dRuc;       // gEmis/gRucEmi/dRuc, up to 20 characters
    std::string dDV;        // gEmis/gRucEmi/dDV, 2 digits
    std::string dSucEm;     // gEmis/dSucEm, 4 characters
    std::string dFechaEm;   // gDGen/dFechaEm; only its date part YYYY-MM-DD is used
    std::string dNroDF;     // 10 digits
    std::string dPtoFacDF;  // 3 digits
    std::string iTpEmis;    // "01".."04"
    std::string iAmb;       // "1" or "2"
    std::string dSeg;       // 9 digits
};

// Builds the 66-character CUFE: "FE" + iDoc + dTipoRuc + dRuc left-padded with '0' to 20 + "-" +
// dDV + dSucEm + YYYYMMDD + dNroDF + dPtoFacDF + iTpEmis + iAmb + dSeg + check digit.
// Errc::invalid_argument names the first field with the wrong length or characters.
[[nodiscard]] ISTMO_API Result<std::string> cufe(const CufeFields& fields);

// Check digit over the 63 characters that follow "FE": every non-digit is replaced by the last
// digit of its ASCII code, then Luhn mod 10. nullopt when the input is not 63 printable ASCII
// characters.
[[nodiscard]] ISTMO_API std::optional<char> cufe_check_digit(std::string_view body63) noexcept;

// True when text is 66 characters, starts with "FE" and its last character is the check digit of
// the 63 characters in between.
[[nodiscard]] ISTMO_API bool cufe_check_digit_valid(std::string_view text) noexcept;

// How to read a RUC: natural persons (cédula forms: "8-123-456", "E-8-1234", "PE-1-19", "N-1-24",
// "8AV-1-196" or "8-AV-1-196", "8PI-1-80" or "8-PI-1-80", "PI-1-80", "8-NT-1-24") or legal persons ("155596713-2-2015",
// "8-NT-1-13656" for a legal NT). automatic: legal when the first part has 3 or more digits.
enum class RucKind { automatic, natural, juridical };

// The two RUC check digits (dDV) by the DGI "DV_RUC" weighted mod-11 algorithm, e.g. "59" for
// "155596713-2-2015". Errc::invalid_argument when the RUC has none of the forms above.
[[nodiscard]] ISTMO_API Result<std::string> ruc_check_digits(std::string_view ruc,
                                                             RucKind kind = RucKind::automatic);

}  // namespace istmo::invoice::panama
