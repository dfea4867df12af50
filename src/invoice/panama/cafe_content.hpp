#pragma once
// Internal: what a CAFE shows, as text already chosen and translated, apart from how it is drawn.
// The PDF and the HTML writers take this and nothing else from the invoice.
#include <istmo/invoice/cafe.hpp>
#include <istmo/invoice/panama.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace istmo::invoice::panama::detail {

using CafeLine = std::pair<std::string, std::string>;  // label, value

struct CafeItem {
    std::string number, code, description, quantity, unit_price, discount, itbms, total;
};

// The labels of the items table, in column order (number, code, description, quantity, unit
// price, discount, ITBMS, total).
struct CafeColumns {
    std::string number, code, description, quantity, unit_price, discount, itbms, total;
};

struct CafeContent {
    std::string title;                       // "FACTURA DE OPERACIÓN INTERNA"
    std::string subtitle;                    // "Comprobante Auxiliar de Factura Electrónica"
    std::string issuer_name;
    std::vector<std::string> issuer_lines;   // RUC/DV, branch, address, phone, e-mail
    std::vector<CafeLine> document;          // number, point of sale, dates, emission mode
    std::string receiver_heading;
    std::vector<CafeLine> receiver;
    std::vector<CafeLine> references;        // referenced documents (credit/debit notes)
    CafeColumns columns;
    std::vector<CafeItem> items;
    std::vector<CafeLine> totals;            // net, taxes by rate, discounts ... (before the total)
    CafeLine grand_total;                    // "TOTAL", dVTot
    std::vector<CafeLine> payments;          // payment forms, received, change
    std::string notes_heading;
    std::vector<std::string> notes;          // dInfEmFE
    std::string cufe_label, cufe;
    std::string qr_payload;                  // gNoFirm/dQRCode, exactly
    std::string consult_text, consult_url;
    std::vector<CafeLine> authorisation;     // protocol and date, when known
    std::string test_legend;                 // iAmb 2; empty otherwise
    std::string unauthorised_legend;         // empty when the protocol says authorised
    std::string page_word, of_word;          // "Página", "de"
    std::string continued;                   // "continúa en la página siguiente"
    std::string language_tag;                // "es" / "en"
};

// Reads the invoice (the rFE located in a document, and the container's protocol when an
// rContFe) into the content of its CAFE. Errc::invalid_argument without gNoFirm/dQRCode.
Result<CafeContent> cafe_content(std::string_view xml, report::Language language);

// A QR code as modules: size x size, true = dark. Errc::limit_exceeded when the text does not
// fit a QR code (version 40).
struct QrMatrix {
    int size = 0;
    std::vector<std::uint8_t> dark;  // row-major
    [[nodiscard]] bool at(int x, int y) const noexcept { return dark[static_cast<std::size_t>(y * size + x)] != 0; }
};
Result<QrMatrix> qr_matrix(std::string_view text);

Result<std::string> cafe_pdf(const CafeContent& content, const QrMatrix& qr, CafePaper paper);
std::string cafe_html(const CafeContent& content, const QrMatrix& qr, CafePaper paper);

}  // namespace istmo::invoice::panama::detail
