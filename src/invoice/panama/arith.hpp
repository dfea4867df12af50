#pragma once
// Internal: the rFE amount formulas (SPEC §2.6) over exact decimals. Each derived amount is
// computed from the values it depends on as declared (or as computed when not declared), so a
// wrong item does not cascade into findings on every total.
#include <istmo/invoice/panama.hpp>

#include <map>
#include <string>
#include <vector>

namespace istmo::invoice::panama::detail {

// Declared decimal at path below e: nullopt when absent, invalid Decimal when malformed.
std::optional<Decimal> declared(const Element& e, std::string_view path);
// ITBMS rate for dTasaITBMS (00, 01, 02, 03); invalid Decimal for any other code.
Decimal itbms_rate(std::string_view code) noexcept;
// True when declared equals exact rounded to declared's own number of decimals.
bool matches_rounded(const Decimal& declared_value, const Decimal& exact) noexcept;

struct ItemAmounts {
    std::size_t index = 0;           // 0-based position among gItem
    Decimal pr_item_exact;           // dCantCodInt × (dPrUnit − dPrUnitDesc)
    Decimal pr_item;                 // declared dPrItem, else pr_item_exact rounded to 6
    Decimal itbms_exact;             // rate × pr_item
    Decimal itbms;                   // declared dValITBMS, else itbms_exact rounded to 2
    Decimal tot_item_exact;          // pr_item + acarreo + seguro + itbms + isc + Σ oti
    Decimal tot_item;                // declared dValTotItem, else tot_item_exact
    Decimal acarreo, seguro, isc;
    std::map<std::string, Decimal> oti;  // dCodOTI -> sum
};

struct TotalAmounts {
    Decimal neto, itbms, isc, gravado, desc_groups, vtot_items, vtot, rec, vuelto;
    bool any_isc = false;
    bool any_desc_groups = false;
    bool any_item_acarreo = false;
    bool any_item_seguro = false;
    std::map<std::string, Decimal> oti;  // per code, rounded to 2
    std::int64_t items = 0;
    Decimal acar, seg, desc;              // declared dTotAcar, dTotSeg, dTotDesc (0 when absent)
    Decimal vtot_items_used, vtot_used;   // declared if valid, else computed
};

void compute(const Element& root, std::vector<ItemAmounts>& items, TotalAmounts& totals);

// The CUFE built from the fields below an rFE element (model.cpp).
Result<std::string> cufe_of_root(const Element& root);

}  // namespace istmo::invoice::panama::detail
