#pragma once
// A Panama invoice validation report as the page model of istmo/report/html.hpp.
//
// Thread safety: pure function.
#include <istmo/export.hpp>
#include <istmo/invoice/panama.hpp>
#include <istmo/report/html.hpp>

#include <string>

namespace istmo::invoice::panama {

// The verdict, CUFE (declared and, when it differs, computed), issuer RUC, total, container,
// the signature and the findings; `name` labels it (the input file).
[[nodiscard]] ISTMO_API report::HtmlDocument html_document(const InvoiceReport& report, std::string name,
                                                         report::Language language);

}  // namespace istmo::invoice::panama
