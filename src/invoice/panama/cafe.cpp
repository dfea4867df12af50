// istmo::invoice::panama::render_cafe: the content of the CAFE, its QR, then PDF or HTML.
#include "invoice/panama/cafe_content.hpp"

namespace istmo::invoice::panama {

Result<std::string> render_cafe(std::string_view xml, const CafeOptions& options) {
    auto content = detail::cafe_content(xml, options.language);
    if (!content) return std::move(content).error();
    auto qr = detail::qr_matrix(content->qr_payload);
    if (!qr) return std::move(qr).error();
    if (options.format == CafeFormat::html) return detail::cafe_html(*content, *qr, options.paper);
    return detail::cafe_pdf(*content, *qr, options.paper);
}

bool parse_cafe_paper(std::string_view name, CafePaper& out) noexcept {
    if (name == "letter") out = CafePaper::letter;
    else if (name == "a4" || name == "A4") out = CafePaper::a4;
    else if (name == "80mm") out = CafePaper::roll_80mm;
    else return false;
    return true;
}

}  // namespace istmo::invoice::panama
