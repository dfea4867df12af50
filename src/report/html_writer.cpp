// Validation reports as one HTML page (istmo/report/html.hpp): inline CSS, no script, nothing
// fetched; every text that comes from a document goes through append_html_escaped.
#include <istmo/report/html.hpp>
#include <istmo/report/messages.hpp>

#include <array>

namespace istmo::report {
namespace {

struct Words {
    Language language;
    [[nodiscard]] std::string_view operator()(std::string_view en, std::string_view es) const {
        return language == Language::es ? es : en;
    }
};

constexpr std::string_view k_style = R"(
*{box-sizing:border-box}
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;font-size:14px;color:#1a1a1a;background:#f4f5f7;margin:0;padding:24px}
main{max-width:1100px;margin:0 auto}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:0}h3{font-size:15px;margin:18px 0 6px;color:#1f3a5f}
.sub{color:#5c5c66;margin:0 0 18px}
section.doc{background:#fff;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.15);margin:0 0 24px;overflow:hidden}
.body{padding:4px 18px 18px}
.verdict{padding:14px 18px;color:#fff;display:flex;gap:16px;align-items:baseline;flex-wrap:wrap}
.verdict .word{font-size:24px;font-weight:bold;letter-spacing:.5px}
.verdict .name{font-family:"DejaVu Sans Mono",monospace;word-break:break-all;opacity:.95}
.passed{background:#1e7b34}.failed{background:#b00020}.indeterminate{background:#b26a00}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:bold}
dl{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:8px 0}
dt{color:#5c5c66}dd{margin:0;word-break:break-word}
table{border-collapse:collapse;width:100%;margin:4px 0 8px}
th{text-align:left;background:#eef1f5;color:#1f3a5f;padding:5px 8px;border-bottom:1px solid #1f3a5f}
td{padding:5px 8px;border-bottom:1px solid #e1e3e8;vertical-align:top;word-break:break-word}
td.num{text-align:right;white-space:nowrap}
code{font-family:"DejaVu Sans Mono",monospace;font-size:12px}
.sig{border:1px solid #d0d3d8;border-radius:4px;padding:8px 12px;margin:8px 0}
.error h3{color:#b00020}.warning h3{color:#b26a00}.info h3{color:#1f3a5f}
.none{color:#5c5c66;font-style:italic}
.counts{display:flex;gap:12px;flex-wrap:wrap;margin:10px 0}
.count{border-radius:6px;color:#fff;padding:10px 16px;min-width:150px}
.count b{display:block;font-size:26px}
.neutral{background:#5c5c66}
)";

void put(std::string& out, std::string_view text) { append_html_escaped(out, text); }

void tag(std::string& out, std::string_view name, std::string_view text, std::string_view cls = {}) {
    out += '<';
    out += name;
    if (!cls.empty()) out += " class=\"" + std::string(cls) + "\"";
    out += '>';
    put(out, text);
    out += "</";
    out += name;
    out += '>';
}

std::string_view css_class(Indication i) {
    switch (i) {
        case Indication::total_passed: return "passed";
        case Indication::total_failed: return "failed";
        case Indication::indeterminate: return "indeterminate";
    }
    return "failed";
}

std::string_view verdict_word(const Words& w, Indication i) {
    switch (i) {
        case Indication::total_passed: return w("VALID", "VÁLIDO");
        case Indication::total_failed: return w("NOT VALID", "NO VÁLIDO");
        case Indication::indeterminate: return w("INDETERMINATE", "INDETERMINADO");
    }
    return {};
}

// "TOTAL_FAILED / HASH_FAILURE" (the sub-indication only when there is one).
std::string indication_text(Indication i, SubIndication sub) {
    std::string text(to_string(i));
    if (sub != SubIndication::none) text += " / " + std::string(to_string(sub));
    return text;
}

void badge(std::string& out, Indication i, SubIndication sub) {
    out += "<span class=\"badge " + std::string(css_class(i)) + "\">";
    put(out, indication_text(i, sub));
    out += "</span>";
}

// The labels the fillers use (English), in the page's language; others are shown as they are.
std::string_view label(const Words& w, std::string_view key) {
    static constexpr std::array<std::array<std::string_view, 3>, 14> k_labels{{
        {"CUFE", "CUFE", "CUFE"},
        {"Computed CUFE", "Computed CUFE", "CUFE calculado"},
        {"Issuer RUC", "Issuer RUC", "RUC del emisor"},
        {"Total", "Total", "Total"},
        {"Container", "Container", "Contenedor"},
        {"Validation time", "Validation time", "Hora de validación"},
        {"Well-formed", "Well-formed XML", "XML bien formado"},
        {"Signatures", "Signatures", "Firmas"},
        {"yes", "yes", "sí"},
        {"no", "no", "no"},
        {"good", "good", "vigente"},
        {"revoked", "revoked", "revocado"},
        {"unknown", "unknown", "desconocido"},
        {"not_checked", "not checked", "no comprobado"},
    }};
    for (const auto& [k, en, es] : k_labels)
        if (k == key) return w(en, es);
    return key;
}

void facts(std::string& out, const Words& w, const std::vector<HtmlFact>& list) {
    if (list.empty()) return;
    out += "<dl>";
    for (const auto& [key, value] : list) {
        tag(out, "dt", label(w, key));
        tag(out, "dd", label(w, value));
    }
    out += "</dl>";
}

void fact_table(std::string& out, const Words& w, const std::vector<HtmlFact>& rows, std::string_view head1,
                std::string_view head2) {
    out += "<table><tr>";
    tag(out, "th", head1);
    tag(out, "th", head2);
    out += "</tr>";
    for (const auto& [a, b] : rows) {
        out += "<tr>";
        tag(out, "td", a);
        tag(out, "td", label(w, b));
        out += "</tr>";
    }
    out += "</table>";
}

void signature(std::string& out, const Words& w, const HtmlSignature& s, std::size_t number) {
    out += "<div class=\"sig\"><h3>";
    put(out, w("Signature ", "Firma "));
    put(out, std::to_string(number));
    if (!s.id.empty()) {
        out += " <code>";
        put(out, s.id);
        out += "</code>";
    }
    out += "</h3>";
    badge(out, s.indication, s.sub_indication);
    std::vector<HtmlFact> about;
    about.emplace_back(w("Level", "Nivel"), s.level);
    about.emplace_back(w("Signer", "Firmante"), s.signer.empty() ? std::string(w("unknown", "desconocido")) : s.signer);
    if (!s.signing_time.empty()) about.emplace_back(w("Claimed signing time", "Hora de firma declarada"), s.signing_time);
    if (!s.signature_method.empty()) about.emplace_back(w("Algorithm", "Algoritmo"), s.signature_method);
    facts(out, w, about);
    if (!s.certificates.empty()) {
        tag(out, "h4", w("Certificate chain (signer first)", "Cadena de certificados (primero el firmante)"));
        fact_table(out, w, s.certificates, w("Subject", "Sujeto"), w("Revocation status", "Estado de revocación"));
    }
    if (!s.timestamps.empty()) {
        tag(out, "h4", w("Time-stamps", "Sellos de tiempo"));
        fact_table(out, w, s.timestamps, w("Time", "Hora"), w("Authority and result", "Autoridad y resultado"));
    }
    if (!s.signed_data.empty()) {
        tag(out, "h4", w("What was signed", "Qué se firmó"));
        fact_table(out, w, s.signed_data, w("Reference", "Referencia"), w("Covers", "Cubre"));
    }
    out += "</div>";
}

void findings(std::string& out, const Words& w, const std::vector<Finding>& list) {
    if (list.empty()) {
        tag(out, "p", w("No findings.", "Sin hallazgos."), "none");
        return;
    }
    struct Group {
        Severity severity;
        std::string_view en, es;
    };
    for (const Group& g : {Group{Severity::error, "Errors", "Errores"}, Group{Severity::warning, "Warnings", "Avisos"},
                           Group{Severity::info, "Information", "Información"}}) {
        std::size_t n = 0;
        for (const Finding& f : list) n += f.severity == g.severity ? 1 : 0;
        if (n == 0) continue;
        out += "<div class=\"" + std::string(to_string(g.severity)) + "\">";
        tag(out, "h3", std::string(w(g.en, g.es)) + " (" + std::to_string(n) + ")");
        out += "<table><tr>";
        for (std::string_view h : {w("Code", "Código"), w("Field", "Campo"), w("Message", "Mensaje")}) tag(out, "th", h);
        out += "</tr>";
        for (const Finding& f : list) {
            if (f.severity != g.severity) continue;
            out += "<tr><td><code>";
            put(out, f.code);
            out += "</code>";
            if (!f.rule.empty()) {
                out += "<br>";
                put(out, f.rule);
            }
            out += "</td><td><code>";
            put(out, f.field.empty() ? f.location : f.field);
            if (f.line > 0) put(out, std::string(w(" (line ", " (línea ")) + std::to_string(f.line) + ")");
            out += "</code></td>";
            tag(out, "td", w.language == Language::es ? message_es_for(f) : f.message);
            out += "</tr>";
        }
        out += "</table></div>";
    }
}

void page_start(std::string& out, const Words& w, std::string_view title) {
    out += "<!DOCTYPE html><html lang=\"";
    out += w("en", "es");
    out += "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
    out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">";
    tag(out, "title", title);
    out += "<style>";
    out += k_style;
    out += "</style></head><body><main>";
    tag(out, "h1", title);
    tag(out, "p", w("Generated by istmo. This page loads nothing from the network.",
                    "Generado por istmo. Esta página no carga nada de la red."), "sub");
}

void document_section(std::string& out, const Words& w, const HtmlDocument& d) {
    out += "<section class=\"doc\"><div class=\"verdict " + std::string(css_class(d.indication)) + "\">";
    tag(out, "span", verdict_word(w, d.indication), "word");
    tag(out, "span", indication_text(d.indication, d.sub_indication));
    tag(out, "span", d.name, "name");
    out += "</div><div class=\"body\">";
    facts(out, w, d.facts);
    tag(out, "h3", w("Signatures", "Firmas"));
    if (d.signatures.empty()) tag(out, "p", w("No signature was verified.", "No se verificó ninguna firma."), "none");
    for (std::size_t i = 0; i < d.signatures.size(); ++i) signature(out, w, d.signatures[i], i + 1);
    tag(out, "h3", w("Findings", "Hallazgos"));
    findings(out, w, d.findings);
    out += "</div></section>";
}

}  // namespace

std::string write_html(const std::vector<HtmlDocument>& documents, Language language) {
    const Words w{language};
    std::string out;
    out.reserve(8192);
    page_start(out, w, w("Validation report", "Informe de validación"));
    for (const HtmlDocument& d : documents) document_section(out, w, d);
    out += "</main></body></html>\n";
    return out;
}

namespace {

std::string_view count_class(std::string_view key) {
    if (key == "TOTAL_PASSED") return "passed";
    if (key == "TOTAL_FAILED") return "failed";
    if (key == "INDETERMINATE") return "indeterminate";
    return "neutral";
}

void count_table(std::string& out, const std::vector<HtmlCount>& counts, std::string_view head, std::string_view count_head,
                 bool with_meaning, const Words& w) {
    out += "<table><tr>";
    tag(out, "th", head);
    if (with_meaning) tag(out, "th", w("Meaning", "Significado"));
    tag(out, "th", count_head);
    out += "</tr>";
    for (const HtmlCount& c : counts) {
        out += "<tr><td><code>";
        put(out, c.key);
        out += "</code></td>";
        if (with_meaning) {
            const CatalogEntry* entry = catalog_entry(c.key);
            tag(out, "td", entry ? (w.language == Language::es ? entry->es : entry->en) : std::string_view());
        }
        out += "<td class=\"num\">" + std::to_string(c.count) + "</td></tr>";
    }
    out += "</table>";
}

void failed_table(std::string& out, const Words& w, const HtmlBatch& b) {
    out += "<table><tr>";
    for (std::string_view h : {w("Input", "Entrada"), w("Result", "Resultado"), w("First findings", "Primeros hallazgos")})
        tag(out, "th", h);
    out += "</tr>";
    for (const HtmlFailedInput& f : b.failed) {
        out += "<tr><td><code>";
        put(out, f.name);
        out += "</code></td><td>";
        badge(out, f.indication, f.sub_indication);
        out += "</td><td>";
        for (const Finding& finding : f.first_findings) {
            out += "<div><code>";
            put(out, finding.code);
            out += "</code> ";
            put(out, w.language == Language::es ? message_es_for(finding) : finding.message);
            out += "</div>";
        }
        out += "</td></tr>";
    }
    out += "</table>";
    if (b.failed_not_shown > 0)
        tag(out, "p", std::string(w("Further failed inputs not shown: ", "Otras entradas fallidas no mostradas: ")) +
                          std::to_string(b.failed_not_shown), "none");
}

}  // namespace

std::string write_html(const HtmlBatch& b, Language language) {
    const Words w{language};
    std::string out;
    out.reserve(16384 + b.failed.size() * 512);
    page_start(out, w, w("Batch validation report", "Informe de validación por lotes"));
    if (!b.title.empty()) tag(out, "p", b.title, "sub");
    out += "<section class=\"doc\"><div class=\"body\"><div class=\"counts\">";
    out += "<div class=\"count neutral\"><b>" + std::to_string(b.total) + "</b>";
    put(out, w("documents", "documentos"));
    out += "</div>";
    for (const HtmlCount& c : b.by_indication) {
        out += "<div class=\"count " + std::string(count_class(c.key)) + "\"><b>" + std::to_string(c.count) + "</b>";
        put(out, c.key);
        out += "</div>";
    }
    out += "</div>";
    tag(out, "h3", w("Most frequent findings", "Hallazgos más frecuentes"));
    if (b.top_codes.empty()) tag(out, "p", w("No findings.", "Sin hallazgos."), "none");
    else count_table(out, b.top_codes, w("Code", "Código"), w("Documents", "Documentos"), true, w);
    tag(out, "h3", w("Issuers with most failures", "Emisores con más fallos"));
    if (b.top_issuers.empty()) tag(out, "p", w("None.", "Ninguno."), "none");
    else count_table(out, b.top_issuers, w("Issuer", "Emisor"), w("Failed", "Fallidos"), false, w);
    tag(out, "h3", w("Failed inputs", "Entradas fallidas"));
    if (b.failed.empty()) tag(out, "p", w("None.", "Ninguna."), "none");
    else failed_table(out, w, b);
    out += "</div></section></main></body></html>\n";
    return out;
}

}  // namespace istmo::report
