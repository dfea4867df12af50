#pragma once
// Internal helpers of the DGI web-service code (src/invoice/panama/services).
#include <istmo/invoice/dgi.hpp>

#include <string>
#include <string_view>

namespace istmo::invoice::panama::dgi::detail {

// 66 characters, "FE" then letters, digits and '-' (the alphabet of dId / dCufe).
bool is_cufe_text(std::string_view cufe) noexcept;
// Text escaped for element content (&, <, >, CR).
std::string escape_text(std::string_view text);
// A finding with both texts.
report::Finding finding(std::string code, report::Severity severity, std::string en, std::string es,
                        std::string location = {});

}  // namespace istmo::invoice::panama::dgi::detail
