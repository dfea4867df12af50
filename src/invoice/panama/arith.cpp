#include "invoice/panama/arith.hpp"

namespace istmo::invoice::panama::detail {
namespace {

Decimal or_zero(const std::optional<Decimal>& d) { return d ? *d : Decimal::from_units(0, 2); }
Decimal used(const std::optional<Decimal>& declared_value, const Decimal& computed) {
    return declared_value && declared_value->valid() ? *declared_value : computed;
}

}  // namespace

std::optional<Decimal> declared(const Element& e, std::string_view path) {
    const Element* f = e.find(path);
    if (!f) return std::nullopt;
    const auto d = Decimal::parse(f->text);
    return d ? *d : Decimal::invalid();
}

Decimal itbms_rate(std::string_view code) noexcept {
    if (code == "00") return Decimal::from_units(0, 2);
    if (code == "01") return Decimal::from_units(7, 2);
    if (code == "02") return Decimal::from_units(10, 2);
    if (code == "03") return Decimal::from_units(15, 2);
    return Decimal::invalid();
}

bool matches_rounded(const Decimal& declared_value, const Decimal& exact) noexcept {
    if (!declared_value.valid() || !exact.valid()) return false;
    return declared_value == exact.rounded(declared_value.scale());
}

void compute(const Element& root, std::vector<ItemAmounts>& items, TotalAmounts& t) {
    items.clear();
    t = TotalAmounts{};
    const Decimal zero = Decimal::from_units(0, 2);
    t.neto = t.itbms = t.isc = t.desc_groups = t.vtot_items = t.rec = zero;
    std::size_t index = 0;
    for (const Element& item : root.children) {
        if (item.name != "gItem" || !item.ns.empty()) continue;
        ItemAmounts a;
        a.index = index++;
        const auto qty = declared(item, "dCantCodInt");
        const auto unit = declared(item, "gPrecios/dPrUnit");
        const auto disc = declared(item, "gPrecios/dPrUnitDesc");
        const Decimal q = qty ? *qty : Decimal::invalid();
        const Decimal u = unit ? *unit : Decimal::invalid();
        a.pr_item_exact = q * (u - (disc ? *disc : zero));
        a.pr_item = used(declared(item, "gPrecios/dPrItem"), a.pr_item_exact.rounded(6));
        a.itbms_exact = itbms_rate(item.value("gITBMSItem/dTasaITBMS")) * a.pr_item;
        a.itbms = used(declared(item, "gITBMSItem/dValITBMS"), a.itbms_exact.rounded(2));
        const auto acar = declared(item, "gPrecios/dPrAcarItem");
        const auto seg = declared(item, "gPrecios/dPrSegItem");
        const auto isc = declared(item, "gISCItem/dValISC");
        a.acarreo = or_zero(acar);
        a.seguro = or_zero(seg);
        a.isc = or_zero(isc);
        t.any_item_acarreo = t.any_item_acarreo || acar.has_value();
        t.any_item_seguro = t.any_item_seguro || seg.has_value();
        t.any_isc = t.any_isc || isc.has_value();
        Decimal oti_sum = zero;
        for (const Element* oti : item.all("gOTIItem")) {
            const auto v = or_zero(declared(*oti, "dValOTI"));
            const std::string code(oti->value("dCodOTI"));
            auto it = a.oti.find(code);
            if (it == a.oti.end()) a.oti.emplace(code, v);
            else it->second += v;
            oti_sum += v;
        }
        a.tot_item_exact = a.pr_item + a.acarreo + a.seguro + a.itbms + a.isc + oti_sum;
        a.tot_item = used(declared(item, "gPrecios/dValTotItem"), a.tot_item_exact);

        t.neto += a.pr_item;
        t.itbms += a.itbms;
        t.isc += a.isc;
        t.vtot_items += a.tot_item;
        for (const auto& [code, v] : a.oti) {
            auto it = t.oti.find(code);
            if (it == t.oti.end()) t.oti.emplace(code, v);
            else it->second += v;
        }
        items.push_back(std::move(a));
    }
    t.items = static_cast<std::int64_t>(items.size());
    t.neto = t.neto.rounded(2);
    t.itbms = t.itbms.rounded(2);
    t.isc = t.isc.rounded(2);
    t.vtot_items = t.vtot_items.rounded(2);
    Decimal oti_total = zero;
    for (auto& [code, v] : t.oti) {
        v = v.rounded(2);
        oti_total += v;
    }
    const Element* tot = root.child("gTot");
    static const Element k_empty{};
    const Element& g = tot ? *tot : k_empty;
    // dTotGravado is the sum of the taxes (SPEC §2.6), from the totals as declared.
    t.gravado = (used(declared(g, "dTotITBMS"), t.itbms) + used(declared(g, "dTotISC"), t.any_isc ? t.isc : zero) +
                 oti_total)
                    .rounded(2);
    for (const Element* d : g.all("gDescBonif")) {
        t.any_desc_groups = true;
        t.desc_groups += or_zero(declared(*d, "dValDesc"));
    }
    t.desc_groups = t.desc_groups.rounded(2);
    t.acar = or_zero(declared(g, "dTotAcar"));
    t.seg = or_zero(declared(g, "dTotSeg"));
    t.desc = used(declared(g, "dTotDesc"), t.any_desc_groups ? t.desc_groups : zero);
    t.vtot_items_used = used(declared(g, "dVTotItems"), t.vtot_items);
    t.vtot = (t.vtot_items_used + t.acar + t.seg - t.desc).rounded(2);
    t.vtot_used = used(declared(g, "dVTot"), t.vtot);
    for (const Element* p : g.all("gFormaPago")) t.rec += or_zero(declared(*p, "dVlrCuota"));
    t.rec = t.rec.rounded(2);
    const Decimal change = t.rec - t.vtot_used;
    t.vuelto = change.is_negative() ? zero : change.rounded(2);
}

}  // namespace istmo::invoice::panama::detail
