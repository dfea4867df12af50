// The rFE 1.00 structure as native tables, and the simple-type checks. Facts from the DGI schema
// FE_v1.00.xsd (read, not copied): element order, occurrences, types, lengths, patterns.
#include "invoice/panama/schema.hpp"

#include "invoice/panama/catalogs.hpp"

#include <istmo/invoice/decimal.hpp>

#include <string>

namespace istmo::invoice::panama::detail {
namespace {

constexpr Def G(std::string_view name, std::uint16_t min, std::uint16_t max, std::string_view ficha,
                std::span<const Def> kids, Ty ty = Ty::group) {
    Def d;
    d.name = name;
    d.ty = ty;
    d.min = min;
    d.max = max;
    d.ficha = ficha;
    d.kids = kids;
    return d;
}
constexpr Def T(std::string_view name, Ty ty, std::uint16_t min, std::uint16_t max, std::string_view ficha) {
    Def d;
    d.name = name;
    d.ty = ty;
    d.min = min;
    d.max = max;
    d.ficha = ficha;
    return d;
}
constexpr Def S(std::string_view name, std::uint16_t min, std::uint16_t max, std::string_view ficha,
                std::uint16_t min_len, std::uint16_t max_len) {
    Def d = T(name, Ty::str, min, max, ficha);
    d.min_len = min_len;
    d.max_len = max_len;
    return d;
}
constexpr Def E(std::string_view name, std::uint16_t min, std::uint16_t max, std::string_view ficha,
                std::string_view values, Ty ty = Ty::enum_str) {
    Def d = T(name, ty, min, max, ficha);
    d.values = values;
    return d;
}
constexpr Def N(std::string_view name, std::uint16_t min, std::uint16_t max, std::string_view ficha,
                std::uint8_t total_digits, std::int64_t min_incl = INT64_MIN, std::int64_t max_incl = INT64_MAX) {
    Def d = T(name, Ty::integer, min, max, ficha);
    d.total_digits = total_digits;
    d.min_incl = min_incl;
    d.max_incl = max_incl;
    return d;
}

// RucType (dDV required) and RucRecType (dDV optional).
constexpr Def k_ruc[] = {
    E("dTipoRuc", 1, 1, "", "1|2", Ty::enum_int),
    T("dRuc", Ty::ruc, 1, 1, ""),
    T("dDV", Ty::dv, 1, 1, ""),
};
constexpr Def k_ruc_rec[] = {
    E("dTipoRuc", 1, 1, "", "1|2", Ty::enum_int),
    T("dRuc", Ty::ruc, 1, 1, ""),
    T("dDV", Ty::dv, 0, 1, ""),
};
constexpr Def k_ubi[] = {
    T("dCodUbi", Ty::cat_ubi, 1, 1, ""),
    S("dCorreg", 1, 1, "", 0, 50),
    S("dDistr", 1, 1, "", 0, 50),
    S("dProv", 1, 1, "", 0, 50),
};
constexpr Def k_gEmis[] = {
    G("gRucEmi", 1, 1, "B301", k_ruc),
    S("dNombEm", 1, 1, "B302", 0, 100),
    T("dSucEm", Ty::suc_em, 1, 1, "B303"),
    T("dCoordEm", Ty::coord, 1, 1, "B304"),
    S("dDirecEm", 1, 1, "B305", 0, 100),
    G("gUbiEm", 1, 1, "B306", k_ubi),
    T("dTfnEm", Ty::telefono, 1, 3, "B309"),
    T("dCorElectEmi", Ty::email, 0, 3, "B310"),
};
constexpr Def k_gIdExt[] = {
    S("dIdExt", 1, 1, "B406", 1, 50),
    S("dPaisExt", 0, 1, "B406", 2, 100),
};
constexpr Def k_gDatRec[] = {
    E("iTipoRec", 1, 1, "B401", "01|02|03|04"),
    G("gRucRec", 0, 1, "B402", k_ruc_rec),
    S("dNombRec", 0, 1, "B403", 2, 100),
    S("dDirecRec", 0, 1, "B404", 1, 100),
    G("gUbiRec", 0, 1, "B405", k_ubi),
    G("gIdExt", 0, 1, "B406", k_gIdExt),
    T("dTfnRec", Ty::telefono, 0, 3, "B408"),
    T("dCorElectRec", Ty::email, 0, 3, "B409"),
    T("cPaisRec", Ty::cat_pais, 1, 1, "B411"),
    S("dPaisRecDesc", 0, 1, "B411", 5, 50),
};
constexpr Def k_gFExp[] = {
    E("cCondEntr", 1, 1, "B501", "EXW|FCA|CPT|CIP|DAT|DAP|DDP|FAS|FOB|CFR|CIF"),
    T("cMoneda", Ty::cat_moneda, 0, 1, "B502"),
    S("cMonedaDesc", 0, 1, "B503", 0, 50),
    T("dCambio", Ty::cambio, 0, 1, "B504"),
    T("dVTotEst", Ty::vtotest, 0, 1, "B505"),
    S("dPuertoEmbarq", 0, 1, "B506", 5, 50),
};
constexpr Def k_gDFRefFE[] = {T("dCUFERef", Ty::cufe, 1, 1, "B606")};
constexpr Def k_gDFRefFacPap[] = {S("dNroFacPap", 1, 1, "B616", 0, 22)};
constexpr Def k_gDFRefFacIE[] = {S("dNroFacIE", 1, 1, "B621", 0, 22)};
constexpr Def k_gDFRefNum[] = {
    G("gDFRefFE", 1, 1, "B605", k_gDFRefFE),
    G("gDFRefFacPap", 1, 1, "B615", k_gDFRefFacPap),
    G("gDFRefFacIE", 1, 1, "B620", k_gDFRefFacIE),
};
constexpr Def k_gDFRef[] = {
    G("gRucEmDFRef", 1, 1, "B601", k_ruc),
    S("dNombEmRef", 1, 1, "B602", 2, 100),
    T("dFechaDFRef", Ty::fecha_tz, 1, 1, "B603"),
    G("gDFRefNum", 1, 1, "B604", k_gDFRefNum, Ty::choice),
};
constexpr Def k_gAutXML[] = {G("gRucAutXML", 1, 1, "B701", k_ruc)};
constexpr Def k_gDGen[] = {
    E("iAmb", 1, 1, "B02", "1|2", Ty::enum_int),
    E("iTpEmis", 1, 1, "B03", "01|02|03|04"),
    T("dFechaCont", Ty::fecha_tz, 0, 1, "B04"),
    S("dMotCont", 0, 1, "B05", 15, 250),
    E("iDoc", 1, 1, "B06", "01|02|03|04|05|06|07|08|09"),
    T("dNroDF", Ty::nro_df, 1, 1, "B07"),
    T("dPtoFacDF", Ty::pto_fac, 1, 1, "B08"),
    T("dSeg", Ty::seg, 1, 1, "B09"),
    T("dFechaEm", Ty::fecha_tz, 1, 1, "B10"),
    T("dFechaSalida", Ty::fecha_tz, 0, 1, "B11"),
    E("iNatOp", 1, 1, "B12", "01|02|10|11|12|13|14|20|21"),
    E("iTipoOp", 1, 1, "B13", "1|2", Ty::enum_int),
    E("iDest", 1, 1, "B14", "1|2", Ty::enum_int),
    E("iFormCAFE", 1, 1, "B15", "1|2|3", Ty::enum_int),
    E("iEntCAFE", 1, 1, "B16", "1|2|3", Ty::enum_int),
    E("dEnvFE", 1, 1, "B17", "1|2", Ty::enum_int),
    E("iProGen", 1, 1, "B18", "1|2|3|4", Ty::enum_int),
    E("iTipoTranVenta", 0, 1, "B19", "1|2|3|4", Ty::enum_int),
    E("iTipoSuc", 0, 1, "B20", "1|2", Ty::enum_int),
    S("dInfEmFE", 0, 1, "B29", 0, 5000),
    G("gEmis", 1, 1, "B30", k_gEmis),
    G("gDatRec", 1, 1, "B40", k_gDatRec),
    G("gFExp", 0, 1, "B50", k_gFExp),
    G("gDFRef", 0, 99, "B60", k_gDFRef),
    G("gAutXML", 0, 10, "B70", k_gAutXML),
};
constexpr Def k_gPrecios[] = {
    T("dPrUnit", Ty::monto06, 1, 1, "C201"),
    T("dPrUnitDesc", Ty::monto06, 0, 1, "C202"),
    T("dPrItem", Ty::monto06, 1, 1, "C203"),
    T("dPrAcarItem", Ty::monto02, 0, 1, "C204"),
    T("dPrSegItem", Ty::monto02, 0, 1, "C205"),
    T("dValTotItem", Ty::monto06, 1, 1, "C206"),
};
constexpr Def k_gCodItem[] = {
    T("dGTINCom", Ty::gtin, 1, 1, "C301"),
    T("dCantGTINCom", Ty::monto31, 1, 1, "C302"),
    T("dGTINInv", Ty::gtin, 1, 1, "C303"),
    T("dCantComInvent", Ty::monto31, 1, 1, "C304"),
};
constexpr Def k_gITBMSItem[] = {
    E("dTasaITBMS", 1, 1, "C401", "00|01|02|03"),
    T("dValITBMS", Ty::monto06, 1, 1, "C402"),
};
constexpr Def k_gISCItem[] = {
    T("dTasaISC", Ty::tasa_isc, 0, 1, "C501"),
    T("dValISC", Ty::monto06, 1, 1, "C502"),
};
constexpr Def k_gOTIItem[] = {
    E("dCodOTI", 1, 1, "C601", "01|02"),
    T("dValOTI", Ty::monto06, 1, 1, "C602"),
};
constexpr Def k_gVehicNuevo[] = {
    E("iModOpVN", 1, 1, "E050", "01|02|03|04|99"),
    S("dModOpVNDesc", 0, 1, "E051", 10, 50),
    S("dChasi", 1, 1, "E052", 17, 17),
    S("dColorCod", 1, 1, "E053", 1, 4),
    S("dColorNomb", 0, 1, "E054", 1, 40),
    N("dPotVeh", 0, 1, "E055", 4, 1),
    N("dCilin", 0, 1, "E056", 4, 1),
    T("dPesoNet", Ty::peso, 0, 1, "E057"),
    T("dPesoBruto", Ty::peso, 0, 1, "E058"),
    E("iCombust", 1, 1, "E060", "01|02|03|08|09|99"),
    S("dCombustDesc", 0, 1, "E061", 10, 50),
    S("dNroMotor", 1, 1, "E062", 1, 21),
    T("dCapTracc", Ty::peso, 0, 1, "E063"),
    T("dEntreEj", Ty::peso, 0, 1, "E064"),
    N("dAnoMod", 0, 1, "E065", 4),
    N("dAnoFab", 0, 1, "E067", 4),
    E("iTipoPintura", 0, 1, "E068", "1|2|3|4|9", Ty::enum_int),
    S("dTipoPinturaDesc", 0, 1, "E069", 10, 50),
    E("cTipoVehic", 1, 1, "E070", "1|2|3|4|5|6", Ty::enum_int),
    E("cUsoVehic", 1, 1, "E071", "1|2", Ty::enum_int),
    E("iCondVehic", 0, 1, "E072", "1|2|3", Ty::enum_int),
    N("dLotac", 0, 1, "E073", 3, 1),
};
constexpr Def k_gMedicina[] = {
    S("dNroLote", 1, 1, "E101", 5, 35),
    N("dCtLote", 1, 1, "E102", 0),
};
constexpr Def k_gPedComIr[] = {
    N("dNroPed", 1, 1, "E151", 9, 1),
    N("dSecItemPed", 1, 1, "E152", 3, 1),
    S("dInfEmPedIt", 1, 1, "E159", 0, 5000),
};
constexpr Def k_gItem[] = {
    N("dSecItem", 1, 1, "C02", 4, 1),
    S("dDescProd", 1, 1, "C03", 2, 500),
    S("dCodProd", 0, 1, "C04", 1, 20),
    T("cUnidad", Ty::cat_unidad, 0, 1, "C05"),
    T("dCantCodInt", Ty::monto31, 1, 1, "C06"),
    T("dFechaFab", Ty::fecha_ymd, 0, 1, "C07"),
    T("dFechaCad", Ty::fecha_ymd, 0, 1, "C08"),
    T("dCodCPBSabr", Ty::cat_cpbs_abr, 0, 1, "C09"),
    T("dCodCPBScmp", Ty::cat_cpbs_cmp, 0, 1, "C10"),
    T("cUnidadCPBS", Ty::cat_unidad, 0, 1, "C11"),
    S("dInfEmFE", 0, 1, "C19", 0, 5000),
    G("gPrecios", 1, 1, "C20", k_gPrecios),
    G("gCodItem", 0, 1, "C30", k_gCodItem),
    G("gITBMSItem", 1, 1, "C40", k_gITBMSItem),
    G("gISCItem", 0, 1, "C50", k_gISCItem),
    G("gOTIItem", 0, k_unbounded, "C60", k_gOTIItem),
    G("gVehicNuevo", 0, 1, "E05", k_gVehicNuevo),
    G("gMedicina", 0, 1, "E10", k_gMedicina),
    G("gPedComIr", 0, 1, "E15", k_gPedComIr),
};
constexpr Def k_gDescBonif[] = {
    S("dDetalDesc", 1, 1, "D200", 0, 500),
    T("dValDesc", Ty::monto01, 1, 1, "D201"),
};
constexpr Def k_gFormaPago[] = {
    E("iFormaPago", 1, 1, "D301", "01|02|03|04|05|06|07|08|99", Ty::enum_int),
    S("dFormaPagoDesc", 0, 1, "D302", 10, 100),
    T("dVlrCuota", Ty::monto01, 1, 1, "D303"),
};
constexpr Def k_gRetenc[] = {
    E("cCodRetenc", 1, 1, "D401", "1|2|3|4|7|8", Ty::enum_int),
    T("cValRetenc", Ty::monto01, 1, 1, "D402"),
};
constexpr Def k_gPagPlazo[] = {
    N("dSecItem", 1, 1, "D501", 2, 0, 99),
    T("dFecItPlazo", Ty::fecha_tz, 1, 1, "D502"),
    T("dValItPlazo", Ty::monto01, 1, 1, "D503"),
    S("dInfPagPlazo", 0, 1, "D504", 15, 1000),
};
constexpr Def k_gOTITotal[] = {
    E("dCodOTITotal", 1, 1, "D601", "01|02"),
    T("dValOTITotal", Ty::monto01, 1, 1, "D602"),
};
constexpr Def k_gTot[] = {
    T("dTotNeto", Ty::monto01, 1, 1, "D02"),
    T("dTotITBMS", Ty::monto01, 1, 1, "D03"),
    T("dTotISC", Ty::monto01, 0, 1, "D04"),
    T("dTotGravado", Ty::monto01, 1, 1, "D05"),
    T("dTotDesc", Ty::monto01, 0, 1, "D06"),
    T("dTotAcar", Ty::monto01, 0, 1, "D07"),
    T("dTotSeg", Ty::monto01, 0, 1, "D08"),
    T("dVTot", Ty::monto01, 1, 1, "D09"),
    T("dTotRec", Ty::monto01, 1, 1, "D10"),
    T("dVuelto", Ty::monto01, 0, 1, "D11"),
    E("iPzPag", 1, 1, "D12", "1|2|3", Ty::enum_int),
    N("dNroItems", 1, 1, "D13", 11, 0),
    T("dVTotItems", Ty::monto01, 1, 1, "D14"),
    G("gDescBonif", 0, 5, "D20", k_gDescBonif),
    G("gFormaPago", 1, 10, "D30", k_gFormaPago),
    G("gRetenc", 0, 1, "D40", k_gRetenc),
    G("gPagPlazo", 0, 99, "D50", k_gPagPlazo),
    G("gOTITotal", 0, k_unbounded, "D60", k_gOTITotal),
};
constexpr Def k_gPedComGl[] = {
    N("dNroPed", 1, 1, "F101", 12, 1),
    S("dNumAcept", 0, 50, "F102", 1, 12),
    S("dInfEmPedGl", 0, 1, "F119", 0, 5000),
};
constexpr Def k_gInfoLog[] = {
    N("dNroVols", 0, 1, "F201", 3, 1),
    T("dPesoTot", Ty::pesotot, 0, 1, "F202"),
    E("dUnPesoTot", 0, 1, "F203", "1|2|3|4", Ty::enum_int),
    S("dLicCamion", 0, 1, "F204", 6, 6),
    S("dNomTransp", 1, 1, "F205", 5, 100),
    G("gRucTransp", 1, 1, "F206", k_ruc),
    S("dInfEmLog", 0, 1, "F249", 0, 5000),
};
constexpr Def k_gLcEntr[] = {
    G("gRucLcEntr", 0, 1, "F251", k_ruc),
    S("dNombLcEntr", 1, 1, "F252", 2, 100),
    S("dDirecLcEntr", 1, 1, "F253", 0, 100),
    G("gUbiLcEntr", 1, 1, "F254", k_ubi),
    T("dTfnLcEntr", Ty::telefono, 0, 1, "F256"),
    T("dTfnAdLcEntr", Ty::telefono, 0, 1, "F257"),
};
constexpr Def k_gNoFirm[] = {S("dQRCode", 1, 1, "G101", 100, 600)};
constexpr Def k_rFE_kids[] = {
    T("dVerForm", Ty::verform, 1, 1, "A02"),
    T("dId", Ty::cufe, 1, 1, "A03"),
    G("gDGen", 1, 1, "B01", k_gDGen),
    G("gItem", 1, 1000, "C01", k_gItem),
    G("gTot", 1, 1, "D01", k_gTot),
    G("gPedComGl", 0, 1, "F10", k_gPedComGl),
    G("gInfoLog", 0, 1, "F20", k_gInfoLog),
    G("gLcEntr", 0, 1, "F25", k_gLcEntr),
    T("Signature", Ty::signature, 1, 1, "ZZ01"),
    G("gNoFirm", 1, 1, "G10", k_gNoFirm),
};
constexpr Def k_rFE = G("rFE", 1, 1, "A01", k_rFE_kids);

bool digits(std::string_view s, std::size_t min, std::size_t max) noexcept {
    if (s.size() < min || s.size() > max) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}
bool not_all_zero(std::string_view s) noexcept { return s.find_first_not_of('0') != std::string_view::npos; }

std::size_t code_points(std::string_view s) noexcept {
    std::size_t n = 0;
    for (char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    return n;
}

// XML Schema whitespace "collapse" for the numeric and date types: trim (inner spaces make the
// value invalid anyway).
std::string_view collapse(std::string_view s) noexcept {
    const auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && ws(s.front())) s.remove_prefix(1);
    while (!s.empty() && ws(s.back())) s.remove_suffix(1);
    return s;
}

// xs:decimal lexical form and its totalDigits/fractionDigits facets (0 = no facet).
bool xs_decimal(std::string_view s, int total, int fraction) noexcept {
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
    const std::size_t dot = s.find('.');
    std::string_view ip = s.substr(0, dot);
    std::string_view fp = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
    if (ip.empty() && fp.empty()) return false;
    if (!ip.empty() && !digits(ip, 1, ip.size())) return false;
    if (!fp.empty() && !digits(fp, 1, fp.size())) return false;
    while (!ip.empty() && ip.front() == '0') ip.remove_prefix(1);
    while (!fp.empty() && fp.back() == '0') fp.remove_suffix(1);
    if (fraction > 0 && static_cast<int>(fp.size()) > fraction) return false;
    if (total > 0 && static_cast<int>(ip.size() + fp.size()) > total) return false;
    return true;
}

// [0-9]{a,b}[.][0-9]{c,d}
bool amount(std::string_view s, std::size_t ia, std::size_t ib, std::size_t fa, std::size_t fb) noexcept {
    const std::size_t dot = s.find('.');
    if (dot == std::string_view::npos) return false;
    return digits(s.substr(0, dot), ia, ib) && digits(s.substr(dot + 1), fa, fb);
}

bool xs_integer(std::string_view s, std::int64_t& value) noexcept {
    bool neg = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s.remove_prefix(1);
    }
    if (!digits(s, 1, s.size())) return false;
    while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
    if (s.size() > 18) {
        value = neg ? INT64_MIN : INT64_MAX;
        return true;
    }
    std::int64_t v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    value = neg ? -v : v;
    return true;
}
std::size_t integer_digits(std::string_view s) noexcept {
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
    while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
    return s.size();
}

int days_in_month(int y, int m) noexcept {
    static constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return k_days[m - 1];
}
int num(std::string_view s) noexcept {
    int v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
}
bool ymd(std::string_view s) noexcept {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits(s.substr(0, 4), 4, 4) ||
        !digits(s.substr(5, 2), 2, 2) || !digits(s.substr(8, 2), 2, 2))
        return false;
    const int y = num(s.substr(0, 4)), m = num(s.substr(5, 2)), d = num(s.substr(8, 2));
    return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}
bool fecha_tz(std::string_view s) noexcept {
    // YYYY-MM-DDThh:mm:ss(+|-)hh:mm
    if (s.size() != 25 || !ymd(s.substr(0, 10)) || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        (s[19] != '+' && s[19] != '-') || s[22] != ':')
        return false;
    for (std::size_t i : {11u, 14u, 17u, 20u, 23u})
        if (!digits(s.substr(i, 2), 2, 2)) return false;
    const int hh = num(s.substr(11, 2)), mi = num(s.substr(14, 2)), ss = num(s.substr(17, 2));
    const int oh = num(s.substr(20, 2)), om = num(s.substr(23, 2));
    const bool midnight24 = hh == 24 && mi == 0 && ss == 0;
    if ((hh > 23 && !midnight24) || mi > 59 || ss > 59) return false;
    if (om > 59 || oh > 14 || (oh == 14 && om != 0)) return false;
    return true;
}

// The DGI RucType pattern (FE_v1.00.xsd), matched without a regular expression engine. Its
// alternatives, with D = [-0-9] and N = [0-9]:
//   PE-D{1,17} | N-D{1,18} | E-D{1,18} | D{5,20}
//   N-AV-D{1,15} | NN-AV-D{1,14} | N{1,2}-NT-D{1,15} (which contains N{1,2}-NT-D{1,14})
//   NT-D{1,14} | N{1,2}-PI-D{1,14} | PI-D{1,14} | N{1,2}PI-D{1,14}
// (the whole pattern is optional, so "" matches too; callers check the 5-20 length first).
// tests/invoice_cufe_test.cpp compares this with std::regex on the pattern text.
bool ruc_form(std::string_view v) noexcept {
    const auto run = [](std::string_view s, std::size_t min, std::size_t max) noexcept {
        if (s.size() < min || s.size() > max) return false;
        for (char c : s)
            if (!(c == '-' || (c >= '0' && c <= '9'))) return false;
        return true;
    };
    const auto after = [&](std::string_view prefix, std::size_t max) noexcept {
        return v.substr(0, prefix.size()) == prefix && run(v.substr(prefix.size()), 1, max);
    };
    if (v.empty() || run(v, 5, 20)) return true;
    if (after("PE-", 17) || after("N-", 18) || after("E-", 18) || after("NT-", 14) || after("PI-", 14)) return true;
    std::size_t lead = 0;
    while (lead < v.size() && v[lead] >= '0' && v[lead] <= '9') ++lead;
    if (lead < 1 || lead > 2) return false;
    const std::string_view rest = v.substr(lead);
    const auto tail = [&](std::string_view infix, std::size_t max) noexcept {
        return rest.substr(0, infix.size()) == infix && run(rest.substr(infix.size()), 1, max);
    };
    return tail("-AV-", lead == 1 ? 15 : 14) || tail("-NT-", 15) || tail("-PI-", 14) || tail("PI-", 14);
}

// The DGI e-mail pattern
//   [0-9a-zA-Z#$%]([-.\w]*[0-9a-zA-Z#$%'\\.\\-_])*@([0-9a-zA-Z][-\w]*[0-9a-zA-Z]\.)+[a-zA-Z]{2,9}
// matched in linear time (the nested quantifiers of the regex backtrack exponentially: 80 word
// characters and a '(' did not finish in over a minute; found by tests/fuzz/fuzz_invoice_json).
// In the class "\\-_" is the range '\'..'_'.
bool email_ok(std::string_view s) noexcept {
    auto alnum = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    auto word = [&](char c) { return alnum(c) || c == '_'; };
    auto tail_char = [&](char c) {  // [0-9a-zA-Z#$%'\\.\\-_]
        return alnum(c) || c == '#' || c == '$' || c == '%' || c == '\'' || c == '.' || (c >= '\\' && c <= '_');
    };
    const std::size_t at = s.find('@');
    if (at == std::string_view::npos || at == 0) return false;
    const std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
    // Local part: a first character, then any of [-.\w] or the tail class, ending in the tail class.
    const char first = local.front();
    if (!(alnum(first) || first == '#' || first == '$' || first == '%')) return false;
    for (char c : local.substr(1))
        if (!(word(c) || c == '-' || c == '.' || tail_char(c))) return false;
    if (local.size() > 1 && !tail_char(local.back())) return false;
    // Domain: one or more labels [0-9a-zA-Z][-\w]*[0-9a-zA-Z] each followed by '.', then 2-9 letters.
    const std::size_t last_dot = domain.rfind('.');
    if (last_dot == std::string_view::npos) return false;
    const std::string_view tld = domain.substr(last_dot + 1);
    if (tld.size() < 2 || tld.size() > 9) return false;
    for (char c : tld)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
    std::string_view labels = domain.substr(0, last_dot + 1);
    while (!labels.empty()) {
        const std::size_t dot = labels.find('.');
        const std::string_view label = labels.substr(0, dot);
        if (label.size() < 2 || !alnum(label.front()) || !alnum(label.back())) return false;
        for (char c : label)
            if (!(word(c) || c == '-')) return false;
        labels.remove_prefix(dot + 1);
    }
    return true;
}

bool coord(std::string_view s) noexcept {
    // [-+]?\d{1,2}\.\d{4,6},-\d{2}\.\d{4,6}
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
    const std::size_t comma = s.find(',');
    if (comma == std::string_view::npos) return false;
    const std::string_view lat = s.substr(0, comma);
    std::string_view lon = s.substr(comma + 1);
    if (lon.empty() || lon[0] != '-') return false;
    lon.remove_prefix(1);
    return amount(lat, 1, 2, 4, 6) && amount(lon, 2, 2, 4, 6);
}

bool in_values(std::string_view values, std::string_view v) noexcept {
    std::size_t start = 0;
    for (;;) {
        const std::size_t bar = values.find('|', start);
        if (values.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start) == v)
            return true;
        if (bar == std::string_view::npos) return false;
        start = bar + 1;
    }
}

}  // namespace

const Def& root_def() noexcept { return k_rFE; }

const Def* find_child(const Def& parent, std::string_view name, std::size_t* index) noexcept {
    // Called for every element parsed, built or validated: compare the length and the last
    // character (names share their first letters: dTot..., gRuc...) before the bytes.
    if (name.empty()) return nullptr;
    const char last = name.back();
    for (std::size_t i = 0; i < parent.kids.size(); ++i) {
        const std::string_view k = parent.kids[i].name;
        if (k.size() == name.size() && k.back() == last && k == name) {
            if (index) *index = i;
            return &parent.kids[i];
        }
    }
    return nullptr;
}

const Def* find_path(std::string_view path) noexcept {
    const Def* def = &k_rFE;
    while (!path.empty()) {
        const std::size_t slash = path.find('/');
        def = find_child(*def, path.substr(0, slash));
        if (!def) return nullptr;
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    }
    return def;
}

bool is_numeric_type(Ty ty) noexcept {
    switch (ty) {
        case Ty::enum_int: case Ty::integer: case Ty::verform: case Ty::monto01: case Ty::monto02:
        case Ty::monto06: case Ty::monto31: case Ty::peso: case Ty::cambio: case Ty::vtotest:
        case Ty::pesotot: case Ty::tasa_isc: case Ty::gtin: case Ty::fecha_tz: case Ty::fecha_ymd:
            return true;
        default: return false;
    }
}

std::optional<std::int64_t> integer_value(std::string_view text) noexcept {
    std::int64_t v = 0;
    if (!xs_integer(collapse(text), v)) return std::nullopt;
    return v;
}

bool integer_equals(std::string_view text, std::int64_t expected) noexcept {
    const auto v = integer_value(text);
    return v && *v == expected;
}

std::string_view canonical_enum(const Def& def, std::string_view value) noexcept {
    std::int64_t want = 0;
    const bool numeric = def.ty == Ty::enum_int && xs_integer(collapse(value), want);
    std::size_t start = 0;
    for (;;) {
        const std::size_t bar = def.values.find('|', start);
        const std::string_view v =
            def.values.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start);
        std::int64_t have = 0;
        if (v == value || (numeric && xs_integer(v, have) && have == want)) return v;
        if (bar == std::string_view::npos) return {};
        start = bar + 1;
    }
}

std::string_view check_value(const Def& def, std::string_view raw) {
    const std::string_view v = is_numeric_type(def.ty) ? collapse(raw) : raw;
    switch (def.ty) {
        case Ty::group: case Ty::choice: case Ty::signature: return {};
        case Ty::str: {
            const std::size_t n = code_points(v);
            if (n < def.min_len) return "is shorter than the minimum length";
            if (def.max_len != 0 && n > def.max_len) return "is longer than the maximum length";
            return {};
        }
        case Ty::enum_str: return in_values(def.values, v) ? std::string_view() : "is not one of the enumerated codes";
        case Ty::enum_int: return canonical_enum(def, v).empty() ? "is not one of the enumerated codes" : std::string_view();
        case Ty::integer: {
            std::int64_t x = 0;
            if (!xs_integer(v, x)) return "is not an integer";
            if (def.total_digits != 0 && integer_digits(v) > def.total_digits) return "has too many digits";
            if (x < def.min_incl || x > def.max_incl) return "is out of range";
            return {};
        }
        case Ty::verform: return xs_decimal(v, 4, 2) ? std::string_view() : "is not a decimal with at most 4 digits, 2 decimals";
        case Ty::monto01: return amount(v, 1, 11, 2, 2) ? std::string_view() : "must be an amount with exactly 2 decimals (montoTipo01)";
        case Ty::monto02:
            return amount(v, 0, 9, 2, 2) && xs_decimal(v, 11, 0) ? std::string_view()
                                                                  : "must be an amount with exactly 2 decimals (montoTipo02)";
        case Ty::monto06: return amount(v, 1, 9, 2, 6) ? std::string_view() : "must be an amount with 2 to 6 decimals (montoTipo06)";
        case Ty::monto31: {
            const std::size_t dot = v.find('.');
            const bool ok = dot == std::string_view::npos ? digits(v, 1, 9)
                                                          : digits(v.substr(0, dot), 1, 9) && digits(v.substr(dot + 1), 0, 6);
            return ok && xs_decimal(v, 0, 0) ? std::string_view() : "must be a quantity with at most 6 decimals (montoTipo31)";
        }
        case Ty::peso: {
            const bool pat = digits(v, 1, 11) || amount(v, 0, v.size(), 0, 4);
            return pat && xs_decimal(v, 11, 0) ? std::string_view() : "is not a valid weight";
        }
        case Ty::cambio: {
            const bool pat = v.size() >= 4 && amount(v, 1, 11, 2, 4);
            return pat && xs_decimal(v, 11, 4) ? std::string_view() : "is not a valid exchange rate";
        }
        case Ty::vtotest: return xs_decimal(v, 20, 4) ? std::string_view() : "is not a decimal (20 digits, 4 decimals)";
        case Ty::pesotot: {
            const bool pat = digits(v, 1, 4) || amount(v, 0, v.size(), 2, 6);
            return pat && xs_decimal(v, 10, 6) ? std::string_view() : "is not a valid total weight";
        }
        case Ty::tasa_isc: {
            if (!xs_decimal(v, 0, 0)) return "is not a decimal";
            const auto d = Decimal::parse(v.front() == '+' ? v.substr(1) : v);
            if (!d) return "is not one of the ISC rates";
            for (const char* r : {"0.05", "0.06", "0.00", "0.1325", "0.325", "0.035"})
                if (*d == *Decimal::parse(r)) return {};
            return "is not one of the ISC rates";
        }
        case Ty::fecha_tz: return fecha_tz(v) ? std::string_view() : "must be YYYY-MM-DDThh:mm:ss with an offset (fechaTZ)";
        case Ty::fecha_ymd: return ymd(v) ? std::string_view() : "must be a date YYYY-MM-DD";
        case Ty::telefono: {
            const std::size_t dash = v.find('-');
            const bool ok = dash != std::string_view::npos && digits(v.substr(0, dash), 3, 4) && digits(v.substr(dash + 1), 4, 4);
            return ok ? std::string_view() : "must be a phone number NNN-NNNN or NNNN-NNNN";
        }
        case Ty::email:
            return email_ok(v) ? std::string_view() : "is not a valid e-mail address";
        case Ty::ruc: {
            if (v.size() < 5 || v.size() > 20) return "must be 5 to 20 characters";
            return ruc_form(v) ? std::string_view() : "does not have a RUC form";
        }
        case Ty::dv: return digits(v, 2, 2) ? std::string_view() : "must be 2 digits";
        case Ty::nro_df: return digits(v, 10, 10) && not_all_zero(v) ? std::string_view() : "must be 10 digits, not all zero";
        case Ty::pto_fac: return digits(v, 3, 3) && not_all_zero(v) ? std::string_view() : "must be 3 digits, not all zero";
        case Ty::seg: return digits(v, 9, 9) && not_all_zero(v) ? std::string_view() : "must be 9 digits, not all zero";
        case Ty::suc_em: {
            bool ok = v.size() == 4;
            for (char c : v)
                ok = ok && ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
            return ok ? std::string_view() : "must be 4 letters or digits";
        }
        case Ty::coord: return v.size() <= 22 && coord(v) ? std::string_view() : "must be coordinates like +8.9876,-79.5432";
        case Ty::gtin: {
            std::int64_t x = 0;
            if (!xs_integer(v, x) || x < 0 || integer_digits(v) > 14) return "is not a GTIN";
            const bool ok = v == "0" || digits(v, 8, 8) || digits(v, 12, 14);
            return ok ? std::string_view() : "must be 0 or 8, 12, 13 or 14 digits";
        }
        case Ty::cufe: {
            if (v.size() != 66) return "must be 66 characters";
            if (v.substr(0, 2) != "FE") return "must start with FE";
            for (char c : v.substr(2)) {
                const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '|';
                if (!ok) return "has characters outside letters, digits and '-'";
            }
            return {};
        }
        case Ty::cat_ubi: return in_catalog(Catalog::ubicaciones, v) ? std::string_view() : "is not in the location catalogue";
        case Ty::cat_pais: return in_catalog(Catalog::paises, v) ? std::string_view() : "is not in the country catalogue";
        case Ty::cat_moneda: return in_catalog(Catalog::monedas, v) ? std::string_view() : "is not in the currency catalogue";
        case Ty::cat_unidad: return in_catalog(Catalog::unidades, v) ? std::string_view() : "is not in the unit catalogue";
        case Ty::cat_cpbs_abr: return in_catalog(Catalog::cpbs_abr, v) ? std::string_view() : "is not in the CPBS segment catalogue";
        case Ty::cat_cpbs_cmp: return in_catalog(Catalog::cpbs_cmp, v) ? std::string_view() : "is not in the CPBS family catalogue";
    }
    return {};
}

}  // namespace istmo::invoice::panama::detail
