// The CAFE as one self-contained HTML page: inline CSS (with the paper size for printing), the QR
// as inline SVG, no script and nothing fetched. Every text from the invoice is escaped.
#include "invoice/panama/cafe_content.hpp"

#include <istmo/report/html.hpp>

namespace istmo::invoice::panama::detail {
namespace {

using report::append_html_escaped;

constexpr std::string_view k_style = R"(
*{box-sizing:border-box}
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;font-size:12px;color:#1a1a1a;margin:0;background:#f4f5f7}
.sheet{background:#fff;margin:16px auto;padding:14mm;max-width:216mm;box-shadow:0 1px 4px rgba(0,0,0,.15)}
.roll .sheet{max-width:80mm;padding:4mm}
header{display:flex;gap:16px;justify-content:space-between;align-items:flex-start}
.issuer h1{font-size:20px;color:#1f3a5f;margin:0 0 6px}
.issuer p{margin:2px 0}
.doc{border:1px solid #1f3a5f;background:#eef1f5;padding:8px 10px;min-width:45%}
.doc h2{font-size:15px;color:#1f3a5f;margin:0 0 2px}
.muted{color:#5c5c66}
.small{font-size:11px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:6px 0}
dt{color:#5c5c66}dd{margin:0}
.legend{border:1px solid #b00020;background:#fff0f0;color:#b00020;font-weight:bold;text-align:center;padding:6px;margin:10px 0}
h3{font-size:13px;color:#1f3a5f;margin:12px 0 4px}
table{border-collapse:collapse;width:100%;margin-top:10px}
th{background:#eef1f5;color:#1f3a5f;text-align:left;border-bottom:1px solid #1f3a5f;padding:4px}
td{border-bottom:1px solid #d0d3d8;padding:4px;vertical-align:top}
.num{text-align:right;white-space:nowrap}
.closing{display:flex;gap:24px;justify-content:space-between;margin-top:14px}
.verify{display:flex;gap:10px;flex:1 1 55%}
.verify svg{width:40mm;height:40mm;flex:none}
.cufe{font-family:"DejaVu Sans Mono",monospace;word-break:break-all;font-size:11px}
.totals{flex:1 1 45%}
.totals table{margin:0}.totals td{border:none;padding:2px 0}
.grand td,.grand td.muted{color:#1f3a5f;font-size:16px;font-weight:bold;border-top:1.5px solid #1f3a5f;border-bottom:1.5px solid #1f3a5f;padding:4px 0}
.roll header,.roll .closing,.roll .verify{display:block}
.roll .verify svg{display:block;margin:8px auto;width:52mm;height:52mm}
.roll .items th:nth-child(2),.roll .items td:nth-child(2),.roll .items th:nth-child(6),.roll .items td:nth-child(6){display:none}
@media print{body{background:#fff}.sheet{margin:0;box-shadow:none;max-width:none}}
)";

void escaped(std::string& out, std::string_view text) { append_html_escaped(out, text); }

void element(std::string& out, std::string_view tag, std::string_view text, std::string_view cls = {}) {
    if (text.empty()) return;
    out += '<';
    out += tag;
    if (!cls.empty()) out += " class=\"" + std::string(cls) + "\"";
    out += '>';
    escaped(out, text);
    out += "</";
    out += tag;
    out += '>';
}

void definitions(std::string& out, const std::vector<CafeLine>& lines) {
    if (lines.empty()) return;
    out += "<dl>";
    for (const auto& [label, value] : lines) {
        element(out, "dt", label);
        element(out, "dd", value);
    }
    out += "</dl>";
}

// The QR as one SVG path of 1x1 squares, in module units with the 4-module quiet zone.
void qr_svg(std::string& out, const QrMatrix& qr) {
    const std::string side = std::to_string(qr.size + 8);
    out += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + side + " " + side +
           "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR\"><rect width=\"" + side + "\" height=\"" +
           side + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
    for (int y = 0; y < qr.size; ++y)
        for (int x = 0; x < qr.size; ++x)
            if (qr.at(x, y)) out += "M" + std::to_string(x + 4) + " " + std::to_string(y + 4) + "h1v1h-1z";
    out += "\"/></svg>";
}

void items_table(std::string& out, const CafeContent& c) {
    const CafeColumns& k = c.columns;
    out += "<table class=\"items\"><thead><tr>";
    for (std::string_view label : {k.number, k.code, k.description})
        element(out, "th", label);
    for (std::string_view label : {k.quantity, k.unit_price, k.discount, k.itbms, k.total})
        element(out, "th", label, "num");
    out += "</tr></thead><tbody>";
    for (const CafeItem& item : c.items) {
        out += "<tr>";
        for (std::string_view cell : {item.number, item.code, item.description}) {
            out += "<td>";
            escaped(out, cell);
            out += "</td>";
        }
        for (std::string_view cell : {item.quantity, item.unit_price, item.discount, item.itbms, item.total}) {
            out += "<td class=\"num\">";
            escaped(out, cell);
            out += "</td>";
        }
        out += "</tr>";
    }
    out += "</tbody></table>";
}

void totals_table(std::string& out, const CafeContent& c) {
    out += "<div class=\"totals\"><table>";
    const auto row = [&](const CafeLine& line, std::string_view cls) {
        out += "<tr";
        if (!cls.empty()) out += " class=\"" + std::string(cls) + "\"";
        out += "><td class=\"muted\">";
        escaped(out, line.first);
        out += "</td><td class=\"num\">";
        escaped(out, line.second);
        out += "</td></tr>";
    };
    for (const CafeLine& line : c.totals) row(line, {});
    row(c.grand_total, "grand");
    for (const CafeLine& line : c.payments) row(line, {});
    out += "</table></div>";
}

void head(std::string& out, const CafeContent& c, CafePaper paper) {
    out += "<!DOCTYPE html><html lang=\"" + c.language_tag + "\"><head><meta charset=\"utf-8\">";
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>";
    escaped(out, c.title + (c.document.empty() ? std::string() : " " + c.document.front().second));
    out += "</title><style>";
    out += k_style;
    out += paper == CafePaper::a4 ? "@page{size:A4;margin:0}" : paper == CafePaper::letter ? "@page{size:letter;margin:0}"
                                                                                         : "@page{size:80mm auto;margin:0}";
    out += "</style></head><body";
    if (paper == CafePaper::roll_80mm) out += " class=\"roll\"";
    out += "><div class=\"sheet\">";
}

}  // namespace

std::string cafe_html(const CafeContent& c, const QrMatrix& qr, CafePaper paper) {
    std::string out;
    out.reserve(16384 + c.items.size() * 256);
    head(out, c, paper);
    out += "<header><div class=\"issuer\">";
    element(out, "h1", c.issuer_name);
    for (const auto& line : c.issuer_lines) element(out, "p", line);
    out += "</div><div class=\"doc\">";
    element(out, "h2", c.title);
    element(out, "div", c.subtitle, "muted small");
    definitions(out, c.document);
    out += "</div></header>";
    element(out, "div", c.test_legend, "legend");
    element(out, "div", c.unauthorised_legend, "legend");
    element(out, "h3", c.receiver_heading);
    definitions(out, c.receiver);
    definitions(out, c.references);
    items_table(out, c);
    if (!c.notes.empty()) {
        element(out, "h3", c.notes_heading);
        for (const auto& note : c.notes) element(out, "p", note);
    }
    out += "<div class=\"closing\"><div class=\"verify\">";
    qr_svg(out, qr);
    out += "<div>";
    element(out, "h3", c.cufe_label);
    element(out, "div", c.cufe, "cufe");
    element(out, "p", c.consult_text, "muted small");
    element(out, "p", c.consult_url, "small");
    definitions(out, c.authorisation);
    out += "</div></div>";
    totals_table(out, c);
    out += "</div></div></body></html>\n";
    return out;
}

}  // namespace istmo::invoice::panama::detail
