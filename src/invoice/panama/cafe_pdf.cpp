// The CAFE as PDF: cairo's PDF surface (fonts embedded as subsets) with text set by pango in
// DejaVu Sans, the QR drawn as vector squares. Every part of the page is written by one function
// that both measures and draws (Pen::drawing), so the page plan and the drawing cannot disagree.
#include "invoice/panama/cafe_content.hpp"

#include "internal/c_ptr.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <array>

namespace istmo::invoice::panama::detail {
namespace {

using CairoSurfacePtr = internal::CPtr<cairo_surface_t, cairo_surface_destroy>;
using CairoPtr = internal::CPtr<cairo_t, cairo_destroy>;
using LayoutPtr = internal::CPtr<PangoLayout, g_object_unref>;
using FontPtr = internal::CPtr<PangoFontDescription, pango_font_description_free>;

constexpr double k_mm = 72.0 / 25.4;
// The tallest page PDF viewers accept (200 in, the PDF 1.x implementation limit): a receipt roll
// longer than this continues on a second page.
constexpr double k_max_page_height = 14400.0;

struct Ink {
    double r, g, b;
};
constexpr Ink k_text{0.10, 0.10, 0.10};
constexpr Ink k_muted{0.36, 0.36, 0.40};
constexpr Ink k_accent{0.12, 0.23, 0.37};
constexpr Ink k_rule{0.80, 0.82, 0.85};
constexpr Ink k_band{0.93, 0.95, 0.97};
constexpr Ink k_alert{0.69, 0.00, 0.13};
constexpr Ink k_alert_band{1.00, 0.94, 0.94};
constexpr Ink k_white{1.0, 1.0, 1.0};
constexpr Ink k_black{0.0, 0.0, 0.0};

struct Font {
    double size = 8;
    bool bold = false;
    bool mono = false;
};

struct Box {
    double x = 0, width = 0;
    PangoAlignment align = PANGO_ALIGN_LEFT;
};

// Text and shapes on the current page; in the measuring pass (drawing == false) only measures.
class Pen {
public:
    // Font sizes in PDF points: pango's default of 96 dpi would scale every size by 4/3.
    explicit Pen(cairo_t* cr) : m_cr(cr), m_layout(pango_cairo_create_layout(cr)) {
        pango_cairo_context_set_resolution(pango_layout_get_context(m_layout.get()), 72.0);
        pango_layout_context_changed(m_layout.get());
    }

    bool drawing = false;

    // Height of `text` set in `box`; drawn with its top at y when drawing. Long words (a CUFE,
    // a URL) break between characters instead of running out of the box.
    double text(std::string_view text, Font font, Box box, double y, Ink ink = k_text) {
        if (text.empty()) return 0;
        PangoLayout* layout = m_layout.get();
        pango_layout_set_font_description(layout, font_of(font));
        pango_layout_set_width(layout, pango_units_from_double(std::max(box.width, 1.0)));
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
        pango_layout_set_alignment(layout, box.align);
        pango_layout_set_text(layout, text.data(), static_cast<int>(text.size()));
        int w = 0, h = 0;
        pango_layout_get_size(layout, &w, &h);
        if (drawing) {
            cairo_set_source_rgb(m_cr, ink.r, ink.g, ink.b);
            cairo_move_to(m_cr, box.x, y);
            pango_cairo_show_layout(m_cr, layout);
        }
        return pango_units_to_double(h);
    }

    double measure(std::string_view text, Font font, Box box) {
        const bool was = drawing;
        drawing = false;
        const double h = this->text(text, font, box, 0);
        drawing = was;
        return h;
    }

    void rule(double x1, double x2, double y, Ink ink = k_rule, double width = 0.5) {
        if (!drawing) return;
        cairo_set_source_rgb(m_cr, ink.r, ink.g, ink.b);
        cairo_set_line_width(m_cr, width);
        cairo_move_to(m_cr, x1, y);
        cairo_line_to(m_cr, x2, y);
        cairo_stroke(m_cr);
    }

    void fill(double x, double y, double w, double h, Ink ink) {
        if (!drawing) return;
        cairo_set_source_rgb(m_cr, ink.r, ink.g, ink.b);
        cairo_rectangle(m_cr, x, y, w, h);
        cairo_fill(m_cr);
    }

    void frame(double x, double y, double w, double h, Ink ink, double width = 0.8) {
        if (!drawing) return;
        cairo_set_source_rgb(m_cr, ink.r, ink.g, ink.b);
        cairo_set_line_width(m_cr, width);
        cairo_rectangle(m_cr, x, y, w, h);
        cairo_stroke(m_cr);
    }

    // The QR with its 4-module quiet zone, `side` points square, top-left at (x, y). One path
    // for all dark modules, filled once: no seams between neighbouring squares.
    void qr(const QrMatrix& m, double x, double y, double side) {
        if (!drawing || m.size == 0) return;
        const double module = side / (m.size + 8);
        fill(x, y, side, side, k_white);
        cairo_set_source_rgb(m_cr, k_black.r, k_black.g, k_black.b);
        for (int row = 0; row < m.size; ++row)
            for (int col = 0; col < m.size;) {
                if (!m.at(col, row)) { ++col; continue; }
                int run = col;
                while (run < m.size && m.at(run, row)) ++run;
                cairo_rectangle(m_cr, x + (col + 4) * module, y + (row + 4) * module, (run - col) * module, module);
                col = run;
            }
        cairo_set_fill_rule(m_cr, CAIRO_FILL_RULE_WINDING);
        cairo_fill(m_cr);
    }

private:
    PangoFontDescription* font_of(Font font) {
        const std::size_t index = (font.bold ? 1u : 0u) + (font.mono ? 2u : 0u);
        FontPtr& slot = m_fonts[index];
        if (!slot) slot.reset(pango_font_description_from_string(font.mono ? "DejaVu Sans Mono" : "DejaVu Sans"));
        pango_font_description_set_weight(slot.get(), font.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
        pango_font_description_set_size(slot.get(), pango_units_from_double(font.size));
        return slot.get();
    }

    cairo_t* m_cr;
    LayoutPtr m_layout;
    std::array<FontPtr, 4> m_fonts;
};

// ---- geometry ------------------------------------------------------------------------------

struct Sheet {
    double width = 0, height = 0;  // height 0: as long as the content (a roll)
    double margin = 0;
    bool roll = false;
    Font body{8};
    [[nodiscard]] double left() const { return margin; }
    [[nodiscard]] double right() const { return width - margin; }
    [[nodiscard]] double inner() const { return width - 2 * margin; }
};

Sheet sheet_for(CafePaper paper) {
    switch (paper) {
        case CafePaper::a4: return {595.28, 841.89, 14 * k_mm, false, {9}};
        case CafePaper::roll_80mm: return {80 * k_mm, 0, 4 * k_mm, true, {8.5}};
        case CafePaper::letter: break;
    }
    return {612, 792, 14 * k_mm, false, {9}};
}

Font bigger(Font f, double by, bool bold = true) { return {f.size + by, bold, f.mono}; }
Font smaller(Font f, double by) { return {f.size - by, f.bold, f.mono}; }

// Label/value lines in two columns (label muted); returns the height.
double label_lines(Pen& pen, const std::vector<CafeLine>& lines, Font font, double x, double label_width,
                   double width, double y) {
    const double top = y;
    for (const auto& [label, value] : lines) {
        const double h1 = pen.text(label, font, {x, label_width - 4}, y, k_muted);
        const double h2 = pen.text(value, font, {x + label_width, width - label_width}, y);
        y += std::max(h1, h2) + 1.5;
    }
    return y - top;
}

// Label left, value right-aligned, across `width`.
double amount_lines(Pen& pen, const std::vector<CafeLine>& lines, Font font, double x, double width, double y) {
    const double top = y;
    const double value_width = std::min(90.0, width * 0.4);
    for (const auto& [label, value] : lines) {
        const double h1 = pen.text(label, font, {x, width - value_width - 4}, y, k_muted);
        const double h2 = pen.text(value, font, {x + width - value_width, value_width, PANGO_ALIGN_RIGHT}, y);
        y += std::max(h1, h2) + 1.5;
    }
    return y - top;
}

// A warning across the page: red text on a pale band with a red frame.
double legend(Pen& pen, std::string_view text, Font font, const Sheet& s, double y) {
    if (text.empty()) return 0;
    const double pad = 4;
    const Font f = bigger(font, 0.5);
    const Box box{s.left() + pad, s.inner() - 2 * pad, PANGO_ALIGN_CENTER};
    const double h = pen.measure(text, f, box);
    pen.fill(s.left(), y, s.inner(), h + 2 * pad, k_alert_band);
    pen.frame(s.left(), y, s.inner(), h + 2 * pad, k_alert);
    pen.text(text, f, box, y + pad, k_alert);
    return h + 2 * pad + 5;
}

// ---- the parts of a page ---------------------------------------------------------------------

// Roll: one centred column with the issuer, then the document's title and data.
double header_roll(Pen& pen, const CafeContent& c, const Sheet& s, double y) {
    const Box centre{s.left(), s.inner(), PANGO_ALIGN_CENTER};
    const double top = y;
    y += pen.text(c.issuer_name, bigger(s.body, 2.5), centre, y, k_accent) + 2;
    for (const auto& line : c.issuer_lines) y += pen.text(line, smaller(s.body, 0.5), centre, y) + 0.5;
    y += 4;
    pen.rule(s.left(), s.right(), y);
    y += 4;
    y += pen.text(c.title, bigger(s.body, 1), centre, y, k_accent) + 1;
    y += pen.text(c.subtitle, smaller(s.body, 1), centre, y, k_muted) + 4;
    y += label_lines(pen, c.document, s.body, s.left(), 72, s.inner(), y) + 4;
    return y - top;
}

// Page: the issuer on the left; on the right a framed box with the document's title and data.
double header(Pen& pen, const CafeContent& c, const Sheet& s, double y) {
    if (s.roll) return header_roll(pen, c, s, y);
    const double split = s.inner() * 0.5;
    const Box issuer{s.left(), split - 12};
    double left = pen.text(c.issuer_name, bigger(s.body, 5), issuer, y, k_accent) + 4;
    for (const auto& line : c.issuer_lines) left += pen.text(line, s.body, issuer, y + left) + 1;
    const double bx = s.left() + split, bw = s.inner() - split, pad = 6;
    const Box inside{bx + pad, bw - 2 * pad};
    const auto document_box = [&] {
        double h = pad;
        h += pen.text(c.title, bigger(s.body, 2.5), inside, y + h, k_accent) + 2;
        h += pen.text(c.subtitle, smaller(s.body, 0.5), inside, y + h, k_muted) + 5;
        return h + label_lines(pen, c.document, s.body, inside.x, 112, inside.width, y + h) + pad - 1.5;
    };
    // The band goes under the text, and its height is the text's: measure, paint, then write.
    const bool drawing = pen.drawing;
    pen.drawing = false;
    const double right = document_box();
    pen.drawing = drawing;
    pen.fill(bx, y, bw, right, k_band);
    pen.frame(bx, y, bw, right, k_accent);
    document_box();
    return std::max(left, right) + 10;
}

double receiver(Pen& pen, const CafeContent& c, const Sheet& s, double y) {
    const double top = y;
    y += pen.text(c.receiver_heading, bigger(s.body, 0.5), {s.left(), s.inner()}, y, k_accent) + 2;
    const double label_width = s.roll ? 74 : 110;
    y += label_lines(pen, c.receiver, s.body, s.left(), label_width, s.inner(), y);
    if (!c.references.empty()) y += 3 + label_lines(pen, c.references, s.body, s.left(), label_width, s.inner(), y);
    y += 4;
    pen.rule(s.left(), s.right(), y);
    return y - top + 6;
}

double first_page_head(Pen& pen, const CafeContent& c, const Sheet& s, double y) {
    const double top = y;
    y += header(pen, c, s, y);
    y += legend(pen, c.test_legend, s.body, s, y);
    y += legend(pen, c.unauthorised_legend, s.body, s, y);
    y += receiver(pen, c, s, y);
    return y - top;
}

// Continuation pages: who and which document, in one line.
double continuation_head(Pen& pen, const CafeContent& c, const Sheet& s, double y) {
    std::string number;
    if (!c.document.empty()) number = " " + c.document.front().second;
    const double h = pen.text(c.issuer_name + " - " + c.title + number, bigger(s.body, 0.5), {s.left(), s.inner()}, y,
                              k_accent);
    pen.rule(s.left(), s.right(), y + h + 3);
    return h + 8;
}

// Column positions of the items table on a page (the description takes what is left).
struct Grid {
    std::array<double, 8> x{}, w{};
};
Grid grid_for(const Sheet& s) {
    const std::array<double, 8> fixed{18, 54, 0, 46, 58, 54, 72, 60};
    double rest = s.inner();
    for (double f : fixed) rest -= f;
    Grid g;
    double x = s.left();
    for (std::size_t i = 0; i < fixed.size(); ++i) {
        g.x[i] = x;
        g.w[i] = i == 2 ? rest : fixed[i];
        x += g.w[i];
    }
    return g;
}

// One row of cells, the numbers right-aligned; returns its height.
double cells(Pen& pen, const std::array<std::string_view, 8>& text, const Grid& g, Font font, double y, Ink ink) {
    double h = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const PangoAlignment align = i >= 3 ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT;
        h = std::max(h, pen.text(text[i], font, {g.x[i] + 3, g.w[i] - 6, align}, y, ink));
    }
    return h;
}

double table_head(Pen& pen, const CafeContent& c, const Sheet& s, double y) {
    const CafeColumns& k = c.columns;
    const Font font{s.body.size - 0.5, true};
    if (s.roll) {
        const double h = pen.text(k.description, font, {s.left(), s.inner()}, y + 2, k_accent);
        pen.text(k.total, font, {s.left(), s.inner(), PANGO_ALIGN_RIGHT}, y + 2, k_accent);
        pen.rule(s.left(), s.right(), y + h + 4, k_accent);
        return h + 6;
    }
    const Grid g = grid_for(s);
    const std::array<std::string_view, 8> labels{k.number, k.code, k.description, k.quantity,
                                                 k.unit_price, k.discount, k.itbms, k.total};
    const double h = pen.measure(k.unit_price, font, {0, g.w[4] - 6}) + 6;
    pen.fill(s.left(), y, s.inner(), h, k_band);
    cells(pen, labels, g, font, y + 3, k_accent);
    pen.rule(s.left(), s.right(), y + h, k_accent);
    return h + 1;
}

double item_row(Pen& pen, const CafeContent& c, const CafeItem& item, const Sheet& s, double y) {
    double h = 0;
    if (s.roll) {
        std::string first = item.number + ". " + item.description;
        if (!item.code.empty()) first += " (" + item.code + ")";
        h = pen.text(first, s.body, {s.left(), s.inner()}, y + 2) + 1;
        std::string second = item.quantity + " x " + item.unit_price;
        if (!item.discount.empty()) second += "  " + c.columns.discount + " " + item.discount;
        if (!item.itbms.empty()) second += "  ITBMS " + item.itbms;
        const Font small = smaller(s.body, 0.5);
        const double h2 = pen.text(second, small, {s.left() + 8, s.inner() - 60}, y + 2 + h, k_muted);
        pen.text(item.total, s.body, {s.left(), s.inner(), PANGO_ALIGN_RIGHT}, y + 2 + h);
        h += h2 + 4;
    } else {
        const std::array<std::string_view, 8> text{item.number, item.code, item.description, item.quantity,
                                                   item.unit_price, item.discount, item.itbms, item.total};
        h = cells(pen, text, grid_for(s), s.body, y + 3, k_text) + 6;
    }
    pen.rule(s.left(), s.right(), y + h);
    return h;
}

double notes(Pen& pen, const CafeContent& c, const Sheet& s, double y) {
    const double top = y;
    y += 6;
    y += pen.text(c.notes_heading, {s.body.size, true}, {s.left(), s.inner()}, y, k_accent) + 2;
    for (const auto& note : c.notes) y += pen.text(note, s.body, {s.left(), s.inner()}, y) + 3;
    return y - top;
}

// Totals, the grand total and the payments, in a column `width` wide.
double totals(Pen& pen, const CafeContent& c, const Sheet& s, double x, double width, double y) {
    const double top = y;
    y += amount_lines(pen, c.totals, s.body, x, width, y) + 2;
    pen.rule(x, x + width, y, k_accent, 0.8);
    y += 3;
    y += amount_lines(pen, {c.grand_total}, bigger(s.body, 3), x, width, y) + 2;
    pen.rule(x, x + width, y, k_accent, 0.8);
    y += 4;
    y += amount_lines(pen, c.payments, s.body, x, width, y);
    return y - top;
}

// The QR with the CUFE, the consultation text and URL, and the authorisation.
double verification(Pen& pen, const CafeContent& c, const QrMatrix& qr, const Sheet& s, Box box, double y) {
    const double top = y;
    const double side = s.roll ? std::min(52 * k_mm, box.width) : 40 * k_mm;
    const Font small = smaller(s.body, 0.5);
    if (s.roll) {
        pen.qr(qr, box.x + (box.width - side) / 2, y, side);
        y += side + 4;
    } else {
        pen.qr(qr, box.x, y, side);
        box = {box.x + side + 8, box.width - side - 8, box.align};
    }
    y += pen.text(c.cufe_label, {s.body.size, true}, box, y, k_accent) + 1;
    y += pen.text(c.cufe, {s.body.size - 1, false, true}, box, y) + 5;
    y += pen.text(c.consult_text, small, box, y, k_muted) + 1;
    y += pen.text(c.consult_url, small, box, y, k_accent) + 5;
    for (const auto& [label, value] : c.authorisation) y += pen.text(label + ": " + value, small, box, y) + 1;
    return std::max(y - top, s.roll ? 0.0 : side);
}

double closing(Pen& pen, const CafeContent& c, const QrMatrix& qr, const Sheet& s, double y) {
    y += 8;
    if (s.roll) {
        const double h = totals(pen, c, s, s.left(), s.inner(), y) + 8;
        pen.rule(s.left(), s.right(), y + h - 4);
        return 8 + h + verification(pen, c, qr, s, {s.left(), s.inner(), PANGO_ALIGN_CENTER}, y + h) + 4;
    }
    const double split = s.inner() * 0.54;
    const double left = verification(pen, c, qr, s, {s.left(), split - 14}, y);
    const double right = totals(pen, c, s, s.left() + split, s.inner() - split, y);
    return 8 + std::max(left, right) + 4;
}

// ---- pages ----------------------------------------------------------------------------------

// What goes on one page: the units [begin, end) (items, then the notes), and the closing part
// (totals, QR) when it is the last page.
struct Page {
    bool first = false;
    std::size_t begin = 0, end = 0;
    bool closing = false;
    double height = 0;  // the page's height (a roll's page is as long as its content)
};

struct Heights {
    double first_head = 0, continuation_head = 0, table_head = 0, closing = 0, footer = 0;
    std::vector<double> units;  // item rows, then the notes block when there are notes
};

constexpr double k_footer_height = 20;

Heights measure_all(Pen& pen, const CafeContent& c, const QrMatrix& qr, const Sheet& s) {
    pen.drawing = false;
    Heights h;
    h.first_head = first_page_head(pen, c, s, 0);
    h.continuation_head = continuation_head(pen, c, s, 0);
    h.table_head = table_head(pen, c, s, 0);
    h.closing = closing(pen, c, qr, s, 0);
    h.footer = k_footer_height;
    for (const CafeItem& item : c.items) h.units.push_back(item_row(pen, c, item, s, 0));
    if (!c.notes.empty()) h.units.push_back(notes(pen, c, s, 0));
    return h;
}

// Fills pages top to bottom: a unit that does not fit opens a new page (never leaving a page
// without any unit), the closing part goes where it fits whole.
std::vector<Page> plan_pages(const Heights& h, std::size_t items, const Sheet& s) {
    const double page_height = s.roll ? k_max_page_height : s.height;
    const double bottom = page_height - s.margin - h.footer;
    std::vector<Page> pages(1);
    pages.back().first = true;
    double y = s.margin + h.first_head + h.table_head;
    const auto next_page = [&](std::size_t unit) {
        pages.back().height = s.roll ? y + h.footer + s.margin : s.height;
        pages.push_back({false, unit, unit, false, 0});
        y = s.margin + h.continuation_head + (unit < items ? h.table_head : 0);
    };
    for (std::size_t u = 0; u < h.units.size(); ++u) {
        if (y + h.units[u] > bottom && pages.back().end > pages.back().begin) next_page(u);
        y += h.units[u];
        pages.back().end = u + 1;
    }
    if (y + h.closing > bottom) next_page(h.units.size());
    y += h.closing;
    pages.back().closing = true;
    pages.back().height = s.roll ? y + h.footer + s.margin : s.height;
    return pages;
}

void footer(Pen& pen, const CafeContent& c, const Sheet& s, const Page& page, std::size_t number, std::size_t count) {
    const Font small = smaller(s.body, 1);
    const double y = page.height - s.margin - k_footer_height + 8;
    if (!page.closing) pen.text(c.continued, small, {s.left(), s.inner(), PANGO_ALIGN_RIGHT}, y - 6, k_muted);
    if (s.roll && count == 1) return;
    const std::string text = c.page_word + " " + std::to_string(number) + " " + c.of_word + " " + std::to_string(count);
    pen.text(text, small, {s.left(), s.inner(), PANGO_ALIGN_RIGHT}, y + 4, k_muted);
    if (!s.roll) pen.text("CUFE " + c.cufe, small, {s.left(), s.inner() - 80}, y + 4, k_muted);
}

void draw_page(Pen& pen, const CafeContent& c, const QrMatrix& qr, const Sheet& s, const Page& page) {
    double y = s.margin;
    y += page.first ? first_page_head(pen, c, s, y) : continuation_head(pen, c, s, y);
    if (page.begin < c.items.size() && page.end > page.begin) y += table_head(pen, c, s, y);
    for (std::size_t u = page.begin; u < page.end; ++u)
        y += u < c.items.size() ? item_row(pen, c, c.items[u], s, y) : notes(pen, c, s, y);
    if (page.closing) closing(pen, c, qr, s, y);
}

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
}

}  // namespace

Result<std::string> cafe_pdf(const CafeContent& c, const QrMatrix& qr, CafePaper paper) {
    const Sheet s = sheet_for(paper);
    std::string out;
    CairoSurfacePtr surface(cairo_pdf_surface_create_for_stream(append_to_string, &out, s.width,
                                                                s.roll ? k_max_page_height : s.height));
    std::string title = c.title;
    if (!c.document.empty()) title += " " + c.document.front().second;
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, title.c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_AUTHOR, c.issuer_name.c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "istmo");
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_SUBJECT, ("CUFE " + c.cufe).c_str());
    CairoPtr cr(cairo_create(surface.get()));
    Pen pen(cr.get());
    const std::vector<Page> pages = plan_pages(measure_all(pen, c, qr, s), c.items.size(), s);
    pen.drawing = true;
    for (std::size_t i = 0; i < pages.size(); ++i) {
        cairo_pdf_surface_set_size(surface.get(), s.width, pages[i].height);
        draw_page(pen, c, qr, s, pages[i]);
        footer(pen, c, s, pages[i], i + 1, pages.size());
        cairo_show_page(cr.get());
    }
    const cairo_status_t drawn = cairo_status(cr.get());
    cr.reset();
    cairo_surface_finish(surface.get());
    const cairo_status_t finished = cairo_surface_status(surface.get());
    if (drawn != CAIRO_STATUS_SUCCESS || finished != CAIRO_STATUS_SUCCESS)
        return make_error(Errc::internal, "the PDF could not be written",
                          cairo_status_to_string(drawn != CAIRO_STATUS_SUCCESS ? drawn : finished));
    return out;
}

}  // namespace istmo::invoice::panama::detail
