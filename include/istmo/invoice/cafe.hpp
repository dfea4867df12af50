#pragma once
// The CAFE (Comprobante Auxiliar de Factura Electrónica): the printed form of a Panama e-invoice
// that DE 766/2020 requires, carrying the verification QR (gNoFirm/dQRCode) as an image.
//
// Input: a signed rFE (with gNoFirm/dQRCode), or an rContFe (what the DGI and PACs hand to the
// receiver) whose xProtFe holds the authorisation protocol: then the protocol and its date are
// printed. The CAFE renders what the document says; it does not validate it (use validate() for
// that). It is marked "documento no autorizado" unless the container's protocol answers 0260
// (authorised) for this CUFE, and carries the test-environment legend when iAmb is 2.
//
// PDF: cairo + pango with DejaVu Sans embedded as a subset, so accents and ñ print anywhere; long
// invoices continue on further pages with the totals on the last. HTML: one self-contained page
// (inline CSS, the QR as inline SVG, no script, nothing fetched), text from the document escaped.
//
// Thread safety: a pure function; may be called from many threads at once.
#include <istmo/core/result.hpp>
#include <istmo/export.hpp>
#include <istmo/report/html.hpp>

#include <string>
#include <string_view>

namespace istmo::invoice::panama {

enum class CafeFormat { pdf, html };
// letter (216 x 279 mm) and A4 pages; roll_80mm: a receipt 80 mm wide, one page as long as the
// content (split into pages only beyond the 5 m that PDF viewers accept).
enum class CafePaper { letter, a4, roll_80mm };

struct CafeOptions {
    CafeFormat format = CafeFormat::pdf;
    CafePaper paper = CafePaper::letter;
    report::Language language = report::Language::es;  // the DGI's language by default
};

// The CAFE of a signed invoice as PDF bytes or UTF-8 HTML. Errors: Errc::parse_error /
// limit_exceeded (not XML), Errc::invalid_argument (no rFE, or an rFE without gNoFirm/dQRCode:
// sign it with a QR secret first), Errc::limit_exceeded (a QR payload too long for a QR code),
// Errc::internal (the PDF library failed).
ISTMO_API Result<std::string> render_cafe(std::string_view xml, const CafeOptions& options = {});

// Sets `out` from a paper name ("letter", "a4", "80mm"); false when the name is unknown.
ISTMO_API bool parse_cafe_paper(std::string_view name, CafePaper& out) noexcept;

}  // namespace istmo::invoice::panama
