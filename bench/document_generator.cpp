#include "document_generator.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace istmo::bench {

namespace {

// Numerical Recipes LCG: tiny, fast and identical on every platform.
class Lcg {
public:
    explicit Lcg(std::uint32_t seed) : m_state(seed) {}
    std::uint32_t next() {
        m_state = m_state * 1664525u + 1013904223u;
        return m_state >> 8;
    }
    std::uint32_t below(std::uint32_t n) { return next() % n; }

private:
    std::uint32_t m_state;
};

constexpr std::array<std::string_view, 12> k_products = {
    "Arroz especial grano largo, saco de 25 libras",
    "Aceite vegetal de soya, galon de 3.78 litros",
    "Cafe molido de Boquete, paquete de 454 gramos",
    "Papel bond carta 75 g/m2, caja de 10 resmas",
    "Cemento gris tipo I, bolsa de 42.5 kilogramos",
    "Servicio de mantenimiento preventivo de aire acondicionado",
    "Cable electrico THHN calibre 12, rollo de 100 metros",
    "Tinta para impresora, cartucho negro de alto rendimiento",
    "Agua purificada, garrafon de 5 galones",
    "Licencia anual de software de facturacion electronica",
    "Tornillo galvanizado 1/4 x 2 pulgadas, caja de 100 unidades",
    "Transporte de mercancia Ciudad de Panama - Colon",
};
constexpr std::array<std::string_view, 4> k_units = {"und", "kg", "gal", "caja"};

// Money in cents -> "123.45".
void append_amount(std::string& out, std::int64_t cents) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(cents / 100),
                  static_cast<long long>(cents % 100));
    out += buf;
}

void element(std::string& out, std::string_view name, std::string_view value) {
    out += '<';
    out += name;
    out += '>';
    out += value;
    out += "</";
    out += name;
    out += '>';
}

void amount_element(std::string& out, std::string_view name, std::int64_t cents) {
    out += '<';
    out += name;
    out += '>';
    append_amount(out, cents);
    out += "</";
    out += name;
    out += '>';
}

void header(std::string& out) {
    out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<rFE xmlns=\"http://dgi-fep.mef.gob.pa\">\n";
    out += "  <dVerForm>1.00</dVerForm>\n";
    out += "  <dId>FE01200000155612345-2-2015-5900002025030100000012340010123456789</dId>\n";
    out += "  <gDGen>\n";
    out += "    <iAmb>2</iAmb><iTpEmis>01</iTpEmis><dFechaEm>2025-03-01T10:15:00-05:00</dFechaEm>\n";
    out += "    <iNatOp>01</iNatOp><iTipoOp>1</iTipoOp><iDest>1</iDest><iFormCAFE>1</iFormCAFE>\n";
    out += "    <iEntCAFE>1</iEntCAFE><dEnvFE>1</dEnvFE><iProGen>1</iProGen><iTipoTranVenta>1</iTipoTranVenta>\n";
    out += "    <gEmis>\n";
    out += "      <gRucEmi><dTipoRuc>2</dTipoRuc><dRuc>155612345-2-2015</dRuc><dDV>59</dDV></gRucEmi>\n";
    out += "      <dNombEm>Distribuidora del Istmo, S.A.</dNombEm><dSucEm>0000</dSucEm>\n";
    out += "      <dCoordEm>+8.9824,-79.5199</dCoordEm>\n";
    out += "      <dDirecEm>Via Espana, Edificio Torre Global, piso 12, oficina 1204</dDirecEm>\n";
    out += "      <gUbiEm><dCodUbi>8-8-7</dCodUbi><dCorreg>BELLA VISTA</dCorreg><dDistr>PANAMA</dDistr>"
           "<dProv>PANAMA</dProv></gUbiEm>\n";
    out += "      <dTfnEm>507-2101234</dTfnEm><dCorElectEmi>facturacion@istmo.example</dCorElectEmi>\n";
    out += "    </gEmis>\n";
    out += "    <gDatRec>\n";
    out += "      <iTipoRec>01</iTipoRec>\n";
    out += "      <gRucRec><dTipoRuc>2</dTipoRuc><dRuc>8-NT-1-12345</dRuc><dDV>34</dDV></gRucRec>\n";
    out += "      <dNombRec>Constructora Canal Norte, S.A.</dNombRec>\n";
    out += "      <dDirecRec>Calle 50, Obarrio, local 3</dDirecRec>\n";
    out += "      <gUbiRec><dCodUbi>8-8-8</dCodUbi><dCorreg>SAN FRANCISCO</dCorreg><dDistr>PANAMA</dDistr>"
           "<dProv>PANAMA</dProv></gUbiRec>\n";
    out += "      <cPaisRec>PA</cPaisRec>\n";
    out += "    </gDatRec>\n";
    out += "  </gDGen>\n";
}

struct Totals {
    std::int64_t net = 0;
    std::int64_t itbms = 0;
    std::int64_t taxed = 0;
};

void item(std::string& out, std::size_t index, Lcg& rng, Totals& totals) {
    const std::string_view product = k_products[rng.below(k_products.size())];
    const std::string_view unit = k_units[rng.below(k_units.size())];
    const std::int64_t quantity = 1 + rng.below(48);        // whole units
    const std::int64_t unit_price = 150 + rng.below(250000);  // cents
    const std::int64_t discount = rng.below(4) == 0 ? unit_price / 20 : 0;
    const std::int64_t line = (unit_price - discount) * quantity;
    // ITBMS rate codes: 00 exempt, 01 7%, 02 10%, 03 15%.
    static constexpr std::array<int, 4> k_rates = {0, 7, 10, 15};
    const std::uint32_t rate_code = rng.below(10) < 7 ? 1 : rng.below(4);
    const std::int64_t tax = (line * k_rates[rate_code] + 50) / 100;
    totals.net += line;
    totals.itbms += tax;
    if (rate_code != 0) totals.taxed += line;

    char code[40];
    std::snprintf(code, sizeof code, "PRD-%05u-%03u", static_cast<unsigned>(rng.below(100000)),
                  static_cast<unsigned>(rng.below(1000)));
    out += "  <gItem>";
    element(out, "dSecItem", std::to_string(index + 1));
    out += '<';
    out += "dDescProd>";
    out += product;
    out += " (lote ";
    out += std::to_string(1000 + rng.below(9000));
    out += ")</dDescProd>";
    element(out, "dCodProd", code);
    element(out, "cUnidad", unit);
    out += "<dCantCodInt>";
    out += std::to_string(quantity);
    out += ".00</dCantCodInt>";
    out += "\n    <gPrecios>";
    amount_element(out, "dPrUnit", unit_price);
    amount_element(out, "dPrUnitDesc", discount);
    amount_element(out, "dPrItem", line);
    amount_element(out, "dValTotItem", line + tax);
    out += "</gPrecios>\n    <gITBMSItem>";
    char rate[4];
    std::snprintf(rate, sizeof rate, "%02u", rate_code);
    element(out, "dTasaITBMS", rate);
    amount_element(out, "dValITBMS", tax);
    out += "</gITBMSItem></gItem>\n";
}

void footer(std::string& out, std::size_t items, const Totals& totals) {
    out += "  <gTot>";
    amount_element(out, "dTotNeto", totals.net);
    amount_element(out, "dTotITBMS", totals.itbms);
    amount_element(out, "dTotGravado", totals.taxed);
    amount_element(out, "dVTot", totals.net + totals.itbms);
    amount_element(out, "dTotRec", totals.net + totals.itbms);
    out += "<iPzPag>1</iPzPag>";
    element(out, "dNroItems", std::to_string(items));
    amount_element(out, "dVTotItems", totals.net + totals.itbms);
    out += "\n    <gFormaPago><iFormaPago>02</iFormaPago>";
    amount_element(out, "dVlrCuota", totals.net + totals.itbms);
    out += "</gFormaPago></gTot>\n";
    out += "</rFE>\n";
}

}  // namespace

std::string make_invoice(std::size_t items) {
    std::string out;
    out.reserve(2000 + items * 520);
    header(out);
    Lcg rng(20250301u);
    Totals totals;
    for (std::size_t i = 0; i < items; ++i) item(out, i, rng, totals);
    footer(out, items, totals);
    return out;
}

std::size_t items_for_size(std::size_t target_bytes) {
    // Estimate from two sample sizes, then walk to the exact count (sizes grow monotonically).
    const std::size_t base = make_invoice(1).size();
    const std::size_t per_item = (make_invoice(101).size() - base) / 100;
    const auto step = static_cast<long long>(per_item ? per_item : 1);
    long long n_est = target_bytes > base ? 1 + static_cast<long long>((target_bytes - base) / static_cast<std::size_t>(step)) : 1;
    for (int round = 0; round < 3 && n_est > 1; ++round) {
        const auto size = static_cast<long long>(make_invoice(static_cast<std::size_t>(n_est)).size());
        const long long correction = (static_cast<long long>(target_bytes) - size) / step;
        if (correction == 0) break;
        n_est = std::max(1LL, n_est + correction);
    }
    std::size_t n = static_cast<std::size_t>(n_est);
    while (n > 1 && make_invoice(n - 1).size() >= target_bytes) --n;
    while (make_invoice(n).size() < target_bytes) ++n;
    return n;
}

const std::vector<DocumentSize>& standard_sizes() {
    static const std::vector<DocumentSize> sizes = {
        {"3KB", 3000},
        {"60KB", 60000},
        {"5.7MB", 5700000},
    };
    return sizes;
}

}  // namespace istmo::bench
