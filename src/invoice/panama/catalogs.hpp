#pragma once
// Internal: the DGI code lists (catalogues) of rFE 1.00.
#include <cstddef>
#include <string_view>

namespace istmo::invoice::panama::detail {

enum class Catalog { ubicaciones, paises, monedas, unidades, cpbs_abr, cpbs_cmp };

bool in_catalog(Catalog catalog, std::string_view value) noexcept;
std::size_t catalog_size(Catalog catalog) noexcept;

}  // namespace istmo::invoice::panama::detail
