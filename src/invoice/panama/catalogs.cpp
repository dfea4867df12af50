// Code lists of rFE 1.00 (values only), as facts taken from the DGI catalogue schemas
// FE_ubicaciones, FE_paises, FE_monedas, FE_UnidadesMedida and FE_BienesServicios v1.00.
// Generated once by a throw-away script: each list sorted, duplicates removed.
#include "invoice/panama/catalogs.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace istmo::invoice::panama::detail {
namespace {

using namespace std::string_view_literals;

// dCodUbi: province-district-corregimiento codes (641 values)
constexpr std::array<std::string_view, 641> k_ubicaciones = {
    "1-1-1"sv, "1-1-2"sv, "1-1-3"sv, "1-1-4"sv, "1-1-5"sv, "1-2-1"sv, "1-2-2"sv, "1-2-3"sv,
    "1-2-4"sv, "1-2-5"sv, "1-2-6"sv, "1-2-7"sv, "1-3-1"sv, "1-3-2"sv, "1-3-3"sv, "1-3-4"sv,
    "1-3-5"sv, "10-1-1"sv, "10-1-2"sv, "10-1-3"sv, "10-1-4"sv, "11-1-1"sv, "11-1-2"sv, "11-1-3"sv,
    "11-2-1"sv, "11-2-2"sv, "12-1-1"sv, "12-1-2"sv, "12-1-3"sv, "12-1-4"sv, "12-1-5"sv, "12-1-6"sv,
    "12-1-7"sv, "12-1-8"sv, "12-2-1"sv, "12-2-2"sv, "12-2-3"sv, "12-2-4"sv, "12-2-5"sv, "12-2-6"sv,
    "12-2-7"sv, "12-2-8"sv, "12-3-1"sv, "12-3-10"sv, "12-3-11"sv, "12-3-12"sv, "12-3-2"sv,
    "12-3-3"sv, "12-3-4"sv, "12-3-5"sv, "12-3-6"sv, "12-3-7"sv, "12-3-8"sv, "12-3-9"sv, "12-4-1"sv,
    "12-4-2"sv, "12-4-3"sv, "12-4-4"sv, "12-4-5"sv, "12-5-1"sv, "12-5-2"sv, "12-5-3"sv, "12-5-4"sv,
    "12-5-5"sv, "12-5-6"sv, "12-5-7"sv, "12-5-8"sv, "12-5-9"sv, "12-6-1"sv, "12-6-2"sv, "12-6-3"sv,
    "12-6-4"sv, "12-6-5"sv, "12-6-6"sv, "12-6-7"sv, "12-6-8"sv, "12-6-9"sv, "12-7-1"sv, "12-7-2"sv,
    "12-7-3"sv, "12-7-4"sv, "12-7-5"sv, "12-7-6"sv, "12-7-7"sv, "12-8-1"sv, "12-8-2"sv, "12-8-3"sv,
    "12-8-4"sv, "12-8-5"sv, "12-9-1"sv, "12-9-2"sv, "12-9-3"sv, "12-9-4"sv, "12-9-5"sv, "13-1-1"sv,
    "13-1-2"sv, "13-1-3"sv, "13-1-4"sv, "13-1-5"sv, "13-1-6"sv, "13-1-7"sv, "13-1-8"sv, "13-2-1"sv,
    "13-2-10"sv, "13-2-11"sv, "13-2-12"sv, "13-2-13"sv, "13-2-2"sv, "13-2-3"sv, "13-2-4"sv,
    "13-2-5"sv, "13-2-6"sv, "13-2-7"sv, "13-2-8"sv, "13-2-9"sv, "13-3-1"sv, "13-3-10"sv,
    "13-3-11"sv, "13-3-2"sv, "13-3-3"sv, "13-3-4"sv, "13-3-5"sv, "13-3-6"sv, "13-3-7"sv, "13-3-8"sv,
    "13-3-9"sv, "13-4-1"sv, "13-4-10"sv, "13-4-11"sv, "13-4-12"sv, "13-4-13"sv, "13-4-14"sv,
    "13-4-15"sv, "13-4-16"sv, "13-4-17"sv, "13-4-18"sv, "13-4-2"sv, "13-4-3"sv, "13-4-4"sv,
    "13-4-5"sv, "13-4-6"sv, "13-4-7"sv, "13-4-8"sv, "13-4-9"sv, "13-5-1"sv, "13-5-2"sv, "13-5-3"sv,
    "13-5-4"sv, "13-5-5"sv, "13-5-6"sv, "13-5-7"sv, "13-5-8"sv, "13-5-9"sv, "2-1-1"sv, "2-1-2"sv,
    "2-1-3"sv, "2-1-4"sv, "2-1-5"sv, "2-2-1"sv, "2-2-10"sv, "2-2-2"sv, "2-2-3"sv, "2-2-4"sv,
    "2-2-5"sv, "2-2-6"sv, "2-2-7"sv, "2-2-8"sv, "2-2-9"sv, "2-3-1"sv, "2-3-2"sv, "2-3-3"sv,
    "2-3-4"sv, "2-3-5"sv, "2-3-6"sv, "2-4-1"sv, "2-4-2"sv, "2-4-3"sv, "2-4-4"sv, "2-4-5"sv,
    "2-4-6"sv, "2-5-1"sv, "2-5-2"sv, "2-5-3"sv, "2-5-4"sv, "2-5-5"sv, "2-6-1"sv, "2-6-10"sv,
    "2-6-2"sv, "2-6-3"sv, "2-6-4"sv, "2-6-5"sv, "2-6-6"sv, "2-6-7"sv, "2-6-8"sv, "2-6-9"sv,
    "3-1-1"sv, "3-1-10"sv, "3-1-11"sv, "3-1-12"sv, "3-1-13"sv, "3-1-14"sv, "3-1-15"sv, "3-1-2"sv,
    "3-1-3"sv, "3-1-4"sv, "3-1-5"sv, "3-1-6"sv, "3-1-7"sv, "3-1-8"sv, "3-1-9"sv, "3-2-1"sv,
    "3-2-2"sv, "3-2-3"sv, "3-2-4"sv, "3-2-5"sv, "3-2-6"sv, "3-2-7"sv, "3-3-1"sv, "3-3-2"sv,
    "3-3-3"sv, "3-3-4"sv, "3-3-5"sv, "3-3-6"sv, "3-4-1"sv, "3-4-2"sv, "3-4-3"sv, "3-4-4"sv,
    "3-4-5"sv, "3-5-1"sv, "3-5-2"sv, "3-5-3"sv, "3-5-4"sv, "3-5-5"sv, "3-5-6"sv, "3-5-7"sv,
    "3-5-8"sv, "4-1-1"sv, "4-1-2"sv, "4-1-3"sv, "4-1-4"sv, "4-1-5"sv, "4-1-6"sv, "4-1-7"sv,
    "4-1-8"sv, "4-1-9"sv, "4-10-1"sv, "4-10-2"sv, "4-10-3"sv, "4-10-4"sv, "4-10-5"sv, "4-10-6"sv,
    "4-10-7"sv, "4-10-8"sv, "4-11-1"sv, "4-11-2"sv, "4-11-3"sv, "4-11-4"sv, "4-11-5"sv, "4-12-1"sv,
    "4-12-2"sv, "4-12-3"sv, "4-12-4"sv, "4-12-5"sv, "4-13-1"sv, "4-13-2"sv, "4-13-3"sv, "4-13-4"sv,
    "4-13-5"sv, "4-13-6"sv, "4-13-7"sv, "4-13-8"sv, "4-13-9"sv, "4-2-1"sv, "4-2-2"sv, "4-2-3"sv,
    "4-2-4"sv, "4-2-5"sv, "4-3-1"sv, "4-3-2"sv, "4-3-3"sv, "4-3-4"sv, "4-3-5"sv, "4-3-6"sv,
    "4-3-7"sv, "4-3-8"sv, "4-4-1"sv, "4-4-2"sv, "4-4-3"sv, "4-4-4"sv, "4-4-5"sv, "4-4-6"sv,
    "4-5-1"sv, "4-5-10"sv, "4-5-11"sv, "4-5-12"sv, "4-5-13"sv, "4-5-2"sv, "4-5-3"sv, "4-5-4"sv,
    "4-5-5"sv, "4-5-6"sv, "4-5-7"sv, "4-5-8"sv, "4-5-9"sv, "4-6-1"sv, "4-6-10"sv, "4-6-2"sv,
    "4-6-3"sv, "4-6-4"sv, "4-6-5"sv, "4-6-6"sv, "4-6-7"sv, "4-6-8"sv, "4-6-9"sv, "4-7-1"sv,
    "4-7-2"sv, "4-7-3"sv, "4-7-4"sv, "4-7-5"sv, "4-7-6"sv, "4-7-7"sv, "4-7-8"sv, "4-8-1"sv,
    "4-8-2"sv, "4-8-3"sv, "4-8-4"sv, "4-8-5"sv, "4-9-1"sv, "4-9-2"sv, "4-9-3"sv, "4-9-4"sv,
    "4-9-5"sv, "5-1-1"sv, "5-1-10"sv, "5-1-11"sv, "5-1-12"sv, "5-1-13"sv, "5-1-14"sv, "5-1-15"sv,
    "5-1-16"sv, "5-1-2"sv, "5-1-3"sv, "5-1-4"sv, "5-1-5"sv, "5-1-6"sv, "5-1-7"sv, "5-1-8"sv,
    "5-1-9"sv, "5-2-1"sv, "5-2-2"sv, "5-2-3"sv, "5-2-4"sv, "5-2-5"sv, "5-2-6"sv, "5-2-7"sv,
    "5-2-8"sv, "5-2-9"sv, "6-1-1"sv, "6-1-2"sv, "6-1-3"sv, "6-1-4"sv, "6-1-5"sv, "6-2-1"sv,
    "6-2-2"sv, "6-2-3"sv, "6-2-4"sv, "6-2-5"sv, "6-2-6"sv, "6-2-7"sv, "6-3-1"sv, "6-3-2"sv,
    "6-3-3"sv, "6-3-4"sv, "6-3-5"sv, "6-3-6"sv, "6-3-7"sv, "6-3-8"sv, "6-3-9"sv, "6-4-1"sv,
    "6-4-2"sv, "6-4-3"sv, "6-4-4"sv, "6-4-5"sv, "6-4-6"sv, "6-4-7"sv, "6-5-1"sv, "6-5-2"sv,
    "6-5-3"sv, "6-5-4"sv, "6-5-5"sv, "6-5-6"sv, "6-5-7"sv, "6-6-1"sv, "6-6-2"sv, "6-6-3"sv,
    "6-6-4"sv, "6-6-5"sv, "6-6-6"sv, "6-6-7"sv, "6-6-8"sv, "6-7-1"sv, "6-7-2"sv, "6-7-3"sv,
    "6-7-4"sv, "6-7-5"sv, "7-1-1"sv, "7-1-10"sv, "7-1-2"sv, "7-1-3"sv, "7-1-4"sv, "7-1-5"sv,
    "7-1-6"sv, "7-1-7"sv, "7-1-8"sv, "7-1-9"sv, "7-2-1"sv, "7-2-10"sv, "7-2-11"sv, "7-2-12"sv,
    "7-2-13"sv, "7-2-14"sv, "7-2-15"sv, "7-2-16"sv, "7-2-17"sv, "7-2-18"sv, "7-2-19"sv, "7-2-2"sv,
    "7-2-20"sv, "7-2-21"sv, "7-2-22"sv, "7-2-23"sv, "7-2-24"sv, "7-2-3"sv, "7-2-4"sv, "7-2-5"sv,
    "7-2-6"sv, "7-2-7"sv, "7-2-8"sv, "7-2-9"sv, "7-3-1"sv, "7-3-10"sv, "7-3-11"sv, "7-3-12"sv,
    "7-3-13"sv, "7-3-14"sv, "7-3-2"sv, "7-3-3"sv, "7-3-4"sv, "7-3-5"sv, "7-3-6"sv, "7-3-7"sv,
    "7-3-8"sv, "7-3-9"sv, "7-4-1"sv, "7-4-10"sv, "7-4-11"sv, "7-4-2"sv, "7-4-3"sv, "7-4-4"sv,
    "7-4-5"sv, "7-4-6"sv, "7-4-7"sv, "7-4-8"sv, "7-4-9"sv, "7-5-1"sv, "7-5-2"sv, "7-5-3"sv,
    "7-5-4"sv, "7-5-5"sv, "7-6-1"sv, "7-6-2"sv, "7-6-3"sv, "7-6-4"sv, "7-6-5"sv, "7-7-1"sv,
    "7-7-10"sv, "7-7-11"sv, "7-7-2"sv, "7-7-3"sv, "7-7-4"sv, "7-7-5"sv, "7-7-6"sv, "7-7-7"sv,
    "7-7-8"sv, "7-7-9"sv, "8-10-1"sv, "8-10-2"sv, "8-10-3"sv, "8-10-4"sv, "8-10-5"sv, "8-10-6"sv,
    "8-10-7"sv, "8-10-8"sv, "8-10-9"sv, "8-11-1"sv, "8-11-2"sv, "8-11-3"sv, "8-2-1"sv, "8-2-2"sv,
    "8-2-3"sv, "8-2-4"sv, "8-2-5"sv, "8-2-6"sv, "8-5-1"sv, "8-5-2"sv, "8-5-3"sv, "8-5-4"sv,
    "8-5-5"sv, "8-5-6"sv, "8-5-7"sv, "8-5-8"sv, "8-6-1"sv, "8-6-2"sv, "8-6-3"sv, "8-6-4"sv,
    "8-6-5"sv, "8-8-1"sv, "8-8-10"sv, "8-8-11"sv, "8-8-12"sv, "8-8-13"sv, "8-8-14"sv, "8-8-15"sv,
    "8-8-16"sv, "8-8-17"sv, "8-8-18"sv, "8-8-19"sv, "8-8-2"sv, "8-8-20"sv, "8-8-21"sv, "8-8-22"sv,
    "8-8-23"sv, "8-8-24"sv, "8-8-25"sv, "8-8-26"sv, "8-8-3"sv, "8-8-4"sv, "8-8-5"sv, "8-8-6"sv,
    "8-8-7"sv, "8-8-8"sv, "8-8-9"sv, "9-1-1"sv, "9-1-2"sv, "9-1-3"sv, "9-1-4"sv, "9-1-5"sv,
    "9-10-1"sv, "9-10-10"sv, "9-10-11"sv, "9-10-12"sv, "9-10-2"sv, "9-10-3"sv, "9-10-4"sv,
    "9-10-5"sv, "9-10-6"sv, "9-10-7"sv, "9-10-8"sv, "9-10-9"sv, "9-11-1"sv, "9-11-10"sv, "9-11-2"sv,
    "9-11-3"sv, "9-11-4"sv, "9-11-5"sv, "9-11-6"sv, "9-11-7"sv, "9-11-8"sv, "9-11-9"sv, "9-12-1"sv,
    "9-12-2"sv, "9-12-3"sv, "9-12-4"sv, "9-12-5"sv, "9-2-1"sv, "9-2-10"sv, "9-2-11"sv, "9-2-12"sv,
    "9-2-2"sv, "9-2-3"sv, "9-2-4"sv, "9-2-5"sv, "9-2-6"sv, "9-2-7"sv, "9-2-8"sv, "9-2-9"sv,
    "9-3-1"sv, "9-3-2"sv, "9-3-3"sv, "9-3-4"sv, "9-3-5"sv, "9-3-6"sv, "9-3-7"sv, "9-3-8"sv,
    "9-4-1"sv, "9-4-2"sv, "9-4-3"sv, "9-4-4"sv, "9-4-5"sv, "9-4-6"sv, "9-5-1"sv, "9-5-10"sv,
    "9-5-11"sv, "9-5-12"sv, "9-5-13"sv, "9-5-2"sv, "9-5-3"sv, "9-5-4"sv, "9-5-5"sv, "9-5-6"sv,
    "9-5-7"sv, "9-5-8"sv, "9-5-9"sv, "9-6-1"sv, "9-6-10"sv, "9-6-2"sv, "9-6-3"sv, "9-6-4"sv,
    "9-6-5"sv, "9-6-6"sv, "9-6-7"sv, "9-6-8"sv, "9-6-9"sv, "9-7-1"sv, "9-7-2"sv, "9-7-3"sv,
    "9-7-4"sv, "9-7-5"sv, "9-8-1"sv, "9-8-2"sv, "9-8-3"sv, "9-8-4"sv, "9-8-5"sv, "9-8-6"sv,
    "9-9-1"sv, "9-9-2"sv, "9-9-3"sv, "9-9-4"sv, "9-9-5"sv, "9-9-6"sv, "9-9-7"sv,
};

// cPaisRec: ISO 3166 alpha-2 (247 values)
constexpr std::array<std::string_view, 247> k_paises = {
    "AD"sv, "AE"sv, "AF"sv, "AG"sv, "AI"sv, "AL"sv, "AM"sv, "AN"sv, "AO"sv, "AR"sv, "AS"sv, "AT"sv,
    "AU"sv, "AW"sv, "AX"sv, "AZ"sv, "BA"sv, "BB"sv, "BD"sv, "BE"sv, "BF"sv, "BG"sv, "BH"sv, "BI"sv,
    "BJ"sv, "BL"sv, "BM"sv, "BN"sv, "BO"sv, "BR"sv, "BS"sv, "BT"sv, "BV"sv, "BW"sv, "BY"sv, "BZ"sv,
    "CA"sv, "CC"sv, "CD"sv, "CF"sv, "CG"sv, "CH"sv, "CI"sv, "CK"sv, "CL"sv, "CM"sv, "CN"sv, "CO"sv,
    "CR"sv, "CU"sv, "CV"sv, "CW"sv, "CX"sv, "CY"sv, "CZ"sv, "DE"sv, "DJ"sv, "DK"sv, "DM"sv, "DO"sv,
    "DZ"sv, "EC"sv, "EE"sv, "EG"sv, "EH"sv, "ER"sv, "ES"sv, "ET"sv, "FI"sv, "FJ"sv, "FK"sv, "FM"sv,
    "FO"sv, "FR"sv, "GA"sv, "GB"sv, "GD"sv, "GE"sv, "GF"sv, "GG"sv, "GH"sv, "GI"sv, "GL"sv, "GM"sv,
    "GN"sv, "GP"sv, "GQ"sv, "GR"sv, "GS"sv, "GT"sv, "GU"sv, "GW"sv, "GY"sv, "HK"sv, "HM"sv, "HN"sv,
    "HR"sv, "HT"sv, "HU"sv, "ID"sv, "IE"sv, "IL"sv, "IM"sv, "IN"sv, "IO"sv, "IQ"sv, "IR"sv, "IS"sv,
    "IT"sv, "JE"sv, "JM"sv, "JO"sv, "JP"sv, "KE"sv, "KG"sv, "KH"sv, "KI"sv, "KM"sv, "KN"sv, "KP"sv,
    "KR"sv, "KW"sv, "KY"sv, "KZ"sv, "LA"sv, "LB"sv, "LC"sv, "LI"sv, "LK"sv, "LR"sv, "LS"sv, "LT"sv,
    "LU"sv, "LV"sv, "LY"sv, "MA"sv, "MC"sv, "MD"sv, "ME"sv, "MF"sv, "MG"sv, "MH"sv, "MK"sv, "ML"sv,
    "MM"sv, "MN"sv, "MO"sv, "MP"sv, "MQ"sv, "MR"sv, "MS"sv, "MT"sv, "MU"sv, "MV"sv, "MW"sv, "MX"sv,
    "MY"sv, "MZ"sv, "NA"sv, "NC"sv, "NE"sv, "NF"sv, "NG"sv, "NI"sv, "NL"sv, "NO"sv, "NP"sv, "NR"sv,
    "NU"sv, "NZ"sv, "OM"sv, "PA"sv, "PE"sv, "PF"sv, "PG"sv, "PH"sv, "PK"sv, "PL"sv, "PM"sv, "PN"sv,
    "PR"sv, "PS"sv, "PT"sv, "PW"sv, "PY"sv, "QA"sv, "RE"sv, "RO"sv, "RS"sv, "RU"sv, "RW"sv, "SA"sv,
    "SB"sv, "SC"sv, "SD"sv, "SE"sv, "SG"sv, "SH"sv, "SI"sv, "SJ"sv, "SK"sv, "SL"sv, "SM"sv, "SN"sv,
    "SO"sv, "SR"sv, "SS"sv, "ST"sv, "SV"sv, "SY"sv, "SZ"sv, "TC"sv, "TD"sv, "TF"sv, "TG"sv, "TH"sv,
    "TJ"sv, "TK"sv, "TL"sv, "TM"sv, "TN"sv, "TO"sv, "TR"sv, "TT"sv, "TV"sv, "TW"sv, "TZ"sv, "UA"sv,
    "UG"sv, "US"sv, "UY"sv, "UZ"sv, "VA"sv, "VC"sv, "VE"sv, "VG"sv, "VI"sv, "VN"sv, "VU"sv, "WF"sv,
    "WS"sv, "YE"sv, "YT"sv, "ZA"sv, "ZM"sv, "ZW"sv, "ZZ"sv,
};

// cMoneda: ISO 4217 (157 values)
constexpr std::array<std::string_view, 157> k_monedas = {
    "AED"sv, "AFN"sv, "ALL"sv, "AMD"sv, "ANG"sv, "AOA"sv, "ARS"sv, "AUD"sv, "AWG"sv, "AZN"sv,
    "BAM"sv, "BBD"sv, "BDT"sv, "BGN"sv, "BHD"sv, "BIF"sv, "BMD"sv, "BND"sv, "BOB"sv, "BRL"sv,
    "BSD"sv, "BTN"sv, "BWP"sv, "BYR"sv, "BZD"sv, "CAD"sv, "CDF"sv, "CHF"sv, "CLP"sv, "CNY"sv,
    "COP"sv, "CRC"sv, "CUP"sv, "CVE"sv, "CZK"sv, "DJF"sv, "DKK"sv, "DOP"sv, "DZD"sv, "EGP"sv,
    "ERN"sv, "ETB"sv, "EUR"sv, "FJD"sv, "FKP"sv, "GBP"sv, "GEL"sv, "GHS"sv, "GIP"sv, "GMD"sv,
    "GNF"sv, "GTQ"sv, "GYD"sv, "HKD"sv, "HNL"sv, "HRK"sv, "HTG"sv, "HUF"sv, "IDR"sv, "ILS"sv,
    "INR"sv, "IQD"sv, "IRR"sv, "ISK"sv, "JMD"sv, "JOD"sv, "JPY"sv, "KES"sv, "KGS"sv, "KHR"sv,
    "KMF"sv, "KPW"sv, "KRW"sv, "KWD"sv, "KYD"sv, "KZT"sv, "LAK"sv, "LBP"sv, "LKR"sv, "LRD"sv,
    "LSL"sv, "LYD"sv, "MAD"sv, "MDL"sv, "MGA"sv, "MKD"sv, "MMK"sv, "MNT"sv, "MOP"sv, "MRO"sv,
    "MUR"sv, "MVR"sv, "MWK"sv, "MXN"sv, "MYR"sv, "MZN"sv, "NAD"sv, "NGN"sv, "NIO"sv, "NOK"sv,
    "NPR"sv, "NZD"sv, "OMR"sv, "PAB"sv, "PEN"sv, "PGK"sv, "PHP"sv, "PKR"sv, "PLN"sv, "PYG"sv,
    "QAR"sv, "RON"sv, "RSD"sv, "RUB"sv, "RWF"sv, "SAR"sv, "SBD"sv, "SCR"sv, "SDG"sv, "SEK"sv,
    "SGD"sv, "SHP"sv, "SLL"sv, "SOS"sv, "SRD"sv, "SSP"sv, "STD"sv, "SVC"sv, "SYP"sv, "SZL"sv,
    "THB"sv, "TJS"sv, "TMT"sv, "TND"sv, "TOP"sv, "TRY"sv, "TTD"sv, "TWD"sv, "TZS"sv, "UAH"sv,
    "UGX"sv, "USD"sv, "UYU"sv, "UZS"sv, "VEF"sv, "VND"sv, "VUV"sv, "WST"sv, "XAF"sv, "XCD"sv,
    "XOF"sv, "XPF"sv, "YER"sv, "ZAR"sv, "ZMW"sv, "ZWL"sv, "ZZZ"sv,
};

// cUnidad / cUnidadCPBS (the empty value is listed by the schema) (165 values)
constexpr std::array<std::string_view, 165> k_unidades = {
    ""sv, "Actividad"sv, "Ano"sv, "Ano comun"sv, "BTU"sv, "Barrica"sv, "Barril"sv, "Blanco"sv,
    "Bobina"sv, "Bolso"sv, "Cabeza"sv, "Caja"sv, "Cesta"sv, "Ciento"sv, "Decena"sv, "Denier"sv,
    "Dia"sv, "Docena"sv, "Ebyte"sv, "Ft2"sv, "Ft3"sv, "GW"sv, "GWh"sv, "Gbit"sv, "Gbit/s"sv,
    "Gbyte"sv, "Gibit"sv, "Gibyte"sv, "Grupo"sv, "Hora"sv, "Hora extra"sv, "Hora trabajo"sv,
    "Kcaracter"sv, "Kibit"sv, "Kibyte"sv, "Kit"sv, "LTN"sv, "Lineas acceso"sv, "Lineas servicio"sv,
    "Llamada"sv, "MML"sv, "MPixel"sv, "MVA"sv, "MW"sv, "MWh"sv, "Madeja"sv, "Mbit"sv, "Mbit/s"sv,
    "Mbyte"sv, "Mes"sv, "Mes trabajo"sv, "Mibit"sv, "Mibyte"sv, "Min"sv, "Paquete"sv, "Pbit"sv,
    "Pbyte"sv, "Persona"sv, "Personas"sv, "Ping"sv, "Pixel"sv, "Puerto"sv, "Puesto"sv, "Seg"sv,
    "Semana"sv, "TN"sv, "TW"sv, "TWh"sv, "Tbit"sv, "Tbyte"sv, "Tibyte"sv, "VA"sv, "Viaje"sv,
    "Visita"sv, "W"sv, "Wh"sv, "acre"sv, "bit"sv, "bit/s"sv, "bu"sv, "bu UK"sv, "byte"sv, "cg"sv,
    "cl"sv, "cm"sv, "cm2"sv, "cm3"sv, "ct"sv, "cuarto seco"sv, "cuarto seco UK"sv, "cwt"sv, "dag"sv,
    "dal"sv, "dam"sv, "dg"sv, "dl"sv, "dm"sv, "dm2"sv, "dm3"sv, "dpi"sv, "dr"sv, "dwt"sv, "fl oz"sv,
    "fl oz UK"sv, "ft"sv, "g"sv, "gal"sv, "gal UK"sv, "galon seco"sv, "gill"sv, "gill UK"sv, "gr"sv,
    "ha"sv, "hg"sv, "hl"sv, "hm"sv, "in"sv, "in2"sv, "in3"sv, "kVA"sv, "kW"sv, "kWh"sv, "kbit"sv,
    "kbit/s"sv, "kbyte"sv, "kg"sv, "kl"sv, "km"sv, "km2"sv, "l"sv, "lb"sv, "lbb"sv, "lbt"sv, "m"sv,
    "m2"sv, "m3"sv, "mg"sv, "mi"sv, "mi2"sv, "ml"sv, "mm"sv, "mm2"sv, "mm3"sv, "nmi"sv, "oz"sv,
    "ozt"sv, "pint"sv, "pint UK"sv, "pinta seca"sv, "pinta seca UK"sv, "pk"sv, "pk UK"sv, "qr"sv,
    "quart"sv, "quart UK"sv, "st"sv, "t"sv, "ton"sv, "ug"sv, "ul"sv, "um"sv, "und"sv, "yd"sv,
    "yd2"sv, "yd3"sv,
};

// dCodCPBSabr: CPBS segments (56 values)
constexpr std::array<std::string_view, 56> k_cpbs_abr = {
    "10"sv, "11"sv, "12"sv, "13"sv, "14"sv, "15"sv, "20"sv, "21"sv, "22"sv, "23"sv, "24"sv, "25"sv,
    "26"sv, "27"sv, "30"sv, "31"sv, "32"sv, "39"sv, "40"sv, "41"sv, "42"sv, "43"sv, "44"sv, "45"sv,
    "46"sv, "47"sv, "48"sv, "49"sv, "50"sv, "51"sv, "52"sv, "53"sv, "54"sv, "55"sv, "56"sv, "60"sv,
    "70"sv, "71"sv, "72"sv, "73"sv, "76"sv, "77"sv, "78"sv, "80"sv, "81"sv, "82"sv, "83"sv, "84"sv,
    "85"sv, "86"sv, "90"sv, "91"sv, "92"sv, "93"sv, "94"sv, "95"sv,
};

// dCodCPBScmp: CPBS families (476 values)
constexpr std::array<std::string_view, 476> k_cpbs_cmp = {
    "1000"sv, "1010"sv, "1011"sv, "1012"sv, "1013"sv, "1014"sv, "1015"sv, "1016"sv, "1017"sv,
    "1019"sv, "1020"sv, "1021"sv, "1022"sv, "1023"sv, "1024"sv, "1025"sv, "1030"sv, "1031"sv,
    "1032"sv, "1033"sv, "1034"sv, "1035"sv, "1036"sv, "1040"sv, "1041"sv, "1042"sv, "1043"sv,
    "1044"sv, "1045"sv, "1050"sv, "1100"sv, "1110"sv, "1111"sv, "1112"sv, "1113"sv, "1114"sv,
    "1115"sv, "1116"sv, "1117"sv, "1118"sv, "1119"sv, "1200"sv, "1213"sv, "1214"sv, "1216"sv,
    "1217"sv, "1218"sv, "1219"sv, "1235"sv, "1300"sv, "1310"sv, "1311"sv, "1400"sv, "1410"sv,
    "1411"sv, "1412"sv, "1500"sv, "1510"sv, "1511"sv, "1512"sv, "1513"sv, "2000"sv, "2010"sv,
    "2011"sv, "2012"sv, "2013"sv, "2014"sv, "2100"sv, "2110"sv, "2111"sv, "2200"sv, "2210"sv,
    "2300"sv, "2310"sv, "2311"sv, "2312"sv, "2313"sv, "2314"sv, "2315"sv, "2316"sv, "2318"sv,
    "2319"sv, "2320"sv, "2321"sv, "2322"sv, "2323"sv, "2324"sv, "2325"sv, "2326"sv, "2327"sv,
    "2328"sv, "2329"sv, "2330"sv, "2400"sv, "2410"sv, "2411"sv, "2412"sv, "2413"sv, "2414"sv,
    "2500"sv, "2510"sv, "2511"sv, "2512"sv, "2513"sv, "2515"sv, "2516"sv, "2517"sv, "2518"sv,
    "2519"sv, "2520"sv, "2600"sv, "2610"sv, "2611"sv, "2612"sv, "2613"sv, "2614"sv, "2700"sv,
    "2711"sv, "2712"sv, "2713"sv, "2714"sv, "3000"sv, "3010"sv, "3011"sv, "3012"sv, "3013"sv,
    "3014"sv, "3015"sv, "3016"sv, "3017"sv, "3018"sv, "3019"sv, "3024"sv, "3025"sv, "3026"sv,
    "3100"sv, "3110"sv, "3111"sv, "3112"sv, "3113"sv, "3114"sv, "3115"sv, "3116"sv, "3117"sv,
    "3118"sv, "3119"sv, "3120"sv, "3121"sv, "3122"sv, "3123"sv, "3124"sv, "3125"sv, "3126"sv,
    "3127"sv, "3128"sv, "3129"sv, "3130"sv, "3131"sv, "3132"sv, "3133"sv, "3134"sv, "3135"sv,
    "3136"sv, "3137"sv, "3138"sv, "3139"sv, "3140"sv, "3141"sv, "3142"sv, "3200"sv, "3210"sv,
    "3211"sv, "3212"sv, "3213"sv, "3214"sv, "3215"sv, "3900"sv, "3910"sv, "3911"sv, "3912"sv,
    "3913"sv, "4000"sv, "4010"sv, "4014"sv, "4015"sv, "4016"sv, "4017"sv, "4018"sv, "4100"sv,
    "4110"sv, "4111"sv, "4112"sv, "4200"sv, "4212"sv, "4213"sv, "4214"sv, "4215"sv, "4216"sv,
    "4217"sv, "4218"sv, "4219"sv, "4220"sv, "4221"sv, "4222"sv, "4223"sv, "4224"sv, "4225"sv,
    "4226"sv, "4227"sv, "4228"sv, "4229"sv, "4230"sv, "4231"sv, "4232"sv, "4300"sv, "4319"sv,
    "4320"sv, "4321"sv, "4322"sv, "4323"sv, "4400"sv, "4410"sv, "4411"sv, "4412"sv, "4500"sv,
    "4510"sv, "4511"sv, "4512"sv, "4513"sv, "4514"sv, "4600"sv, "4610"sv, "4611"sv, "4612"sv,
    "4613"sv, "4614"sv, "4615"sv, "4616"sv, "4617"sv, "4618"sv, "4619"sv, "4620"sv, "4700"sv,
    "4710"sv, "4711"sv, "4712"sv, "4713"sv, "4800"sv, "4810"sv, "4811"sv, "4812"sv, "4813"sv,
    "4900"sv, "4910"sv, "4912"sv, "4913"sv, "4914"sv, "4915"sv, "4916"sv, "4917"sv, "4918"sv,
    "4920"sv, "4921"sv, "4922"sv, "4924"sv, "5000"sv, "5010"sv, "5011"sv, "5012"sv, "5013"sv,
    "5015"sv, "5016"sv, "5017"sv, "5018"sv, "5019"sv, "5020"sv, "5021"sv, "5022"sv, "5030"sv,
    "5031"sv, "5032"sv, "5033"sv, "5034"sv, "5035"sv, "5036"sv, "5037"sv, "5038"sv, "5040"sv,
    "5041"sv, "5042"sv, "5043"sv, "5044"sv, "5045"sv, "5046"sv, "5047"sv, "5100"sv, "5110"sv,
    "5111"sv, "5112"sv, "5113"sv, "5114"sv, "5115"sv, "5116"sv, "5117"sv, "5118"sv, "5119"sv,
    "5120"sv, "5121"sv, "5124"sv, "5125"sv, "5200"sv, "5210"sv, "5212"sv, "5213"sv, "5214"sv,
    "5215"sv, "5216"sv, "5217"sv, "5300"sv, "5310"sv, "5311"sv, "5312"sv, "5313"sv, "5314"sv,
    "5400"sv, "5410"sv, "5411"sv, "5412"sv, "5500"sv, "5510"sv, "5511"sv, "5512"sv, "5600"sv,
    "5610"sv, "5611"sv, "5612"sv, "5613"sv, "5614"sv, "6000"sv, "6010"sv, "6011"sv, "6012"sv,
    "6013"sv, "6014"sv, "7000"sv, "7010"sv, "7011"sv, "7012"sv, "7013"sv, "7014"sv, "7015"sv,
    "7016"sv, "7017"sv, "7100"sv, "7110"sv, "7111"sv, "7112"sv, "7113"sv, "7114"sv, "7115"sv,
    "7116"sv, "7200"sv, "7210"sv, "7211"sv, "7212"sv, "7214"sv, "7215"sv, "7300"sv, "7310"sv,
    "7311"sv, "7312"sv, "7313"sv, "7314"sv, "7315"sv, "7316"sv, "7317"sv, "7318"sv, "7600"sv,
    "7610"sv, "7611"sv, "7612"sv, "7613"sv, "7700"sv, "7710"sv, "7711"sv, "7712"sv, "7713"sv,
    "7800"sv, "7810"sv, "7811"sv, "7812"sv, "7813"sv, "7814"sv, "7818"sv, "8000"sv, "8010"sv,
    "8011"sv, "8012"sv, "8013"sv, "8014"sv, "8015"sv, "8016"sv, "8100"sv, "8110"sv, "8111"sv,
    "8112"sv, "8113"sv, "8114"sv, "8115"sv, "8116"sv, "8200"sv, "8210"sv, "8211"sv, "8212"sv,
    "8213"sv, "8214"sv, "8215"sv, "8300"sv, "8310"sv, "8311"sv, "8312"sv, "8400"sv, "8410"sv,
    "8411"sv, "8412"sv, "8413"sv, "8414"sv, "8500"sv, "8510"sv, "8511"sv, "8512"sv, "8513"sv,
    "8514"sv, "8515"sv, "8516"sv, "8517"sv, "8600"sv, "8610"sv, "8611"sv, "8612"sv, "8613"sv,
    "8614"sv, "9000"sv, "9010"sv, "9011"sv, "9012"sv, "9013"sv, "9014"sv, "9015"sv, "9100"sv,
    "9110"sv, "9111"sv, "9200"sv, "9210"sv, "9211"sv, "9212"sv, "9300"sv, "9310"sv, "9311"sv,
    "9312"sv, "9313"sv, "9314"sv, "9315"sv, "9316"sv, "9317"sv, "9400"sv, "9410"sv, "9411"sv,
    "9412"sv, "9413"sv, "9500"sv, "9510"sv, "9511"sv, "9512"sv, "9513"sv, "9514"sv,
};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view value) noexcept {
    return std::binary_search(list.begin(), list.end(), value);
}

}  // namespace

bool in_catalog(Catalog catalog, std::string_view value) noexcept {
    switch (catalog) {
        case Catalog::ubicaciones: return contains(k_ubicaciones, value);
        case Catalog::paises: return contains(k_paises, value);
        case Catalog::monedas: return contains(k_monedas, value);
        case Catalog::unidades: return contains(k_unidades, value);
        case Catalog::cpbs_abr: return contains(k_cpbs_abr, value);
        case Catalog::cpbs_cmp: return contains(k_cpbs_cmp, value);
    }
    return false;
}

std::size_t catalog_size(Catalog catalog) noexcept {
    switch (catalog) {
        case Catalog::ubicaciones: return k_ubicaciones.size();
        case Catalog::paises: return k_paises.size();
        case Catalog::monedas: return k_monedas.size();
        case Catalog::unidades: return k_unidades.size();
        case Catalog::cpbs_abr: return k_cpbs_abr.size();
        case Catalog::cpbs_cmp: return k_cpbs_cmp.size();
    }
    return 0;
}

}  // namespace istmo::invoice::panama::detail
