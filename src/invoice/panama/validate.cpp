// rFE validation as a report: structure (istmo's own schema table), arithmetic (exact decimals,
// DGI rounding), cross-field rules, CUFE and RUC check digits, and the signature (gNoFirm removed
// first). Codes are documented in docs/panama-fe.md.
#include <istmo/invoice/panama.hpp>
#include <istmo/report/messages.hpp>

#include "core/time_math.hpp"
#include "dsig/verify_parsed.hpp"
#include "invoice/panama/arith.hpp"
#include "invoice/panama/collector.hpp"
#include "invoice/panama/dom.hpp"
#include "invoice/panama/qr_check.hpp"
#include "invoice/panama/schema.hpp"
#include "xml/document_impl.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace istmo::invoice::panama {

using detail::Collector;
using detail::Def;
using detail::Ty;
using report::Severity;

namespace {

std::string_view type_name_es(Ty ty) noexcept {
    switch (ty) {
        case Ty::monto01: case Ty::monto02: return "monto con exactamente 2 decimales";
        case Ty::monto06: return "monto con 2 a 6 decimales";
        case Ty::monto31: return "cantidad con hasta 6 decimales";
        case Ty::fecha_tz: return "fecha y hora con zona horaria (AAAA-MM-DDThh:mm:ss-05:00)";
        case Ty::fecha_ymd: return "fecha AAAA-MM-DD";
        case Ty::telefono: return "teléfono NNN-NNNN o NNNN-NNNN";
        case Ty::email: return "correo electrónico";
        case Ty::ruc: return "RUC";
        case Ty::str: return "texto con la longitud permitida";
        case Ty::enum_str: case Ty::enum_int: case Ty::tasa_isc: return "código de la lista de valores";
        case Ty::cat_ubi: case Ty::cat_pais: case Ty::cat_moneda: case Ty::cat_unidad: case Ty::cat_cpbs_abr:
        case Ty::cat_cpbs_cmp: return "código del catálogo";
        default: return "formato del campo";
    }
}

bool is_catalog(Ty ty) noexcept {
    return ty == Ty::cat_ubi || ty == Ty::cat_pais || ty == Ty::cat_moneda || ty == Ty::cat_unidad ||
           ty == Ty::cat_cpbs_abr || ty == Ty::cat_cpbs_cmp;
}

// ---- structure -------------------------------------------------------------------------------

// A ds:Signature among the children of `e` that is not where rFE 1.00 puts it: inside a group
// (no definition there) or at rFE level with an element after it that belongs before it (or the
// reverse). `k` is its index in the rFE definition, `pos` the highest index seen before it.
bool signature_out_of_place(const Element& e, const Def& def, const Element& sig, const Def* cd, std::size_t k,
                            std::size_t pos) {
    if (!cd) return true;
    if (k < pos) return true;
    for (const Element* c = &sig + 1; c != e.children.data() + e.children.size(); ++c) {
        std::size_t j = 0;
        if (c->ns.empty() && detail::find_child(def, c->name, &j) && j < k) return true;
    }
    return false;
}

// One finding for a misplaced signature, naming where it is and where it must be; the elements
// around it are then judged as if it were absent (no order errors after it).
void report_misplaced_signature(const Element& e, const Element& sig, const std::string& path, Collector& out) {
    const Element* before = &sig == e.children.data() ? nullptr : &sig - 1;
    const std::string where_es = before ? path + " (después de '" + before->name + "')" : path + " (primer hijo)";
    const std::string where_en = before ? path + " (after '" + before->name + "')" : path + " (first child)";
    out.signature_misplaced = true;
    out.add("FE-XSD-SIGNATURE-POSITION", Severity::error, path, "ZZ01", sig.line,
            "La firma ds:Signature está en " + where_es +
                "; debe ser hija de /rFE, después de gTot y de los grupos opcionales (gPedComGl, gInfoLog, gLcEntr) y "
                "antes de gNoFirm",
            "The ds:Signature is at " + where_en +
                "; it must be a child of /rFE, after gTot and the optional groups (gPedComGl, gInfoLog, gLcEntr) and "
                "before gNoFirm");
}

// A field: no child elements, and a value of its simple type.
void check_field(const Element& c, const Def& cd, const std::string& path, Collector& out) {
    if (!c.children.empty()) {
        out.add("FE-XSD-UNEXPECTED", Severity::error, path + "/" + c.children.front().name, cd.ficha, c.children.front().line,
                "El campo '" + c.name + "' no admite elementos hijos", "Field '" + c.name + "' cannot contain elements");
        return;
    }
    const std::string_view reason = detail::check_value(cd, c.text);
    if (reason.empty()) return;
    const bool catalog = is_catalog(cd.ty);
    const bool enumeration = cd.ty == Ty::enum_str || cd.ty == Ty::enum_int || cd.ty == Ty::tasa_isc;
    out.add(catalog ? "FE-XSD-CATALOG" : enumeration ? "FE-XSD-ENUM" : "FE-XSD-VALUE", Severity::error, path, cd.ficha,
            c.line, "El valor '" + c.text + "' de " + c.name + " no es válido: se espera " + std::string(type_name_es(cd.ty)),
            "Value '" + c.text + "' of " + c.name + " " + std::string(reason));
}

// Required children of a group that did not occur (`counts` per child definition).
void check_missing(const Element& e, const Def& def, const std::uint16_t* counts, const std::string& path, Collector& out,
                   bool require_signature) {
    for (std::size_t k = 0; k < def.kids.size(); ++k) {
        const Def& kd = def.kids[k];
        if (counts[k] >= kd.min) continue;
        if (!require_signature && (kd.ty == Ty::signature || kd.name == "gNoFirm")) continue;
        if (kd.ty == Ty::signature && out.signature_misplaced) continue;
        out.add("FE-XSD-MISSING", Severity::error, path + "/" + std::string(kd.name), kd.ficha, e.line,
                "Falta el elemento obligatorio '" + std::string(kd.name) + "' en " + path,
                "Required element '" + std::string(kd.name) + "' is missing in " + path);
    }
}

// `path` is the XPath of `e`; it is used as a buffer (children append their step and it is cut
// back), so no string is built per element unless a finding needs it.
void check_structure(const Element& e, const Def& def, std::string& path, Collector& out, bool require_signature) {
    std::uint16_t counts_small[64] = {};
    std::vector<std::uint16_t> counts_large;
    std::uint16_t* counts = counts_small;
    if (def.kids.size() > 64) {
        counts_large.assign(def.kids.size(), 0);
        counts = counts_large.data();
    }
    const std::size_t base = path.size();
    std::size_t pos = 0;
    std::size_t choice_count = 0;
    for (const Element& c : e.children) {
        std::size_t k = 0;
        const bool is_sig = c.name == "Signature" && c.ns == k_dsig_namespace;
        const Def* cd = (c.ns.empty() || is_sig) ? detail::find_child(def, c.name, &k) : nullptr;
        if (cd && cd->ty == Ty::signature && !is_sig) cd = nullptr;
        path.resize(base);
        path += '/';
        path += c.name;
        if (is_sig && signature_out_of_place(e, def, c, cd, k, pos)) {
            report_misplaced_signature(e, c, path, out);
            if (cd && counts[k] < 0xFFFF) ++counts[k];
            continue;
        }
        if (!cd) {
            const std::string parent = path.substr(0, base);
            out.add("FE-XSD-UNEXPECTED", Severity::error, path, def.ficha, c.line,
                    "Elemento no esperado '" + c.name + "'" + (c.ns.empty() ? "" : " (espacio de nombres " + c.ns + ")") + " en " + parent,
                    "Unexpected element '" + c.name + "'" + (c.ns.empty() ? "" : " (namespace " + c.ns + ")") + " in " + parent);
            continue;
        }
        if (cd->max > 1) {
            path += '[';
            path += std::to_string(counts[k] + 1);
            path += ']';
        }
        if (def.ty == Ty::choice) {
            if (++choice_count > 1) {
                const std::string parent = path.substr(0, base);
                out.add("FE-XSD-CHOICE", Severity::error, path, def.ficha, c.line,
                        "Solo se permite uno de los elementos alternativos en " + parent,
                        "Only one of the alternative elements is allowed in " + parent);
            }
        } else if (k < pos) {
            const std::string parent = path.substr(0, base);
            out.add("FE-XSD-ORDER", Severity::error, path, cd->ficha, c.line,
                    "El elemento '" + c.name + "' está fuera del orden del esquema en " + parent,
                    "Element '" + c.name + "' is out of the schema order in " + parent);
        }
        pos = k > pos ? k : pos;
        if (counts[k] < 0xFFFF) ++counts[k];
        if (counts[k] == static_cast<std::uint32_t>(cd->max) + 1)
            out.add("FE-XSD-OCCURS", Severity::error, path, cd->ficha, c.line,
                    "El elemento '" + c.name + "' aparece más de " + std::to_string(cd->max) + " veces",
                    "Element '" + c.name + "' occurs more than " + std::to_string(cd->max) + " times");
        if (cd->ty == Ty::signature) continue;
        if (cd->ty == Ty::group || cd->ty == Ty::choice) {
            bool has_text = false;
            for (char ch : c.text) has_text = has_text || !(ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r');
            if (has_text)
                out.add("FE-XSD-TEXT", Severity::error, path, cd->ficha, c.line,
                        "El grupo '" + c.name + "' no admite texto", "Group '" + c.name + "' cannot contain text");
            check_structure(c, *cd, path, out, require_signature);
            continue;
        }
        check_field(c, *cd, path, out);
    }
    path.resize(base);
    if (def.ty == Ty::choice) {
        if (choice_count == 0)
            out.add("FE-XSD-MISSING", Severity::error, path, def.ficha, e.line,
                    "Falta uno de los elementos alternativos en " + path, "One of the alternative elements is missing in " + path);
        return;
    }
    check_missing(e, def, counts, path, out, require_signature);
}

// ---- deadlines ---------------------------------------------------------------------------------

using Seconds = std::chrono::sys_seconds;

// Digits at [pos, pos + n) as a number; -1 when one is not a digit.
int number_at(std::string_view s, std::size_t pos, std::size_t n) noexcept {
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

// A fechaTZ value (YYYY-MM-DDThh:mm:ss+hh:mm): its local calendar date and its instant.
// nullopt when the text is not one (the structure check reports that).
struct FechaTz {
    std::chrono::sys_days local_date;  // the date as written, in its own offset
    Seconds instant;                   // UTC
};
std::optional<FechaTz> fecha_tz_of(std::string_view s) noexcept {
    using namespace std::chrono;
    if (s.size() != 25 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        (s[19] != '+' && s[19] != '-') || s[22] != ':')
        return std::nullopt;
    const int y = number_at(s, 0, 4), mo = number_at(s, 5, 2), d = number_at(s, 8, 2);
    const int hh = number_at(s, 11, 2), mi = number_at(s, 14, 2), ss = number_at(s, 17, 2);
    const int oh = number_at(s, 20, 2), om = number_at(s, 23, 2);
    if (y < 0 || mo < 0 || d < 0 || hh < 0 || mi < 0 || ss < 0 || oh < 0 || om < 0) return std::nullopt;
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!date.ok() || hh > 24 || mi > 59 || ss > 59 || om > 59) return std::nullopt;
    const sys_days days{date};
    const seconds offset = (s[19] == '-' ? -1 : 1) * (hours{oh} + minutes{om});
    return FechaTz{days, days + hours{hh} + minutes{mi} + seconds{ss} - offset};
}

// The periods SPEC §2.6 and §6 quote from PAC documentation ("SECONDARY", "UNVERIFIED in the
// law"): hence warnings, never errors.
constexpr std::chrono::hours k_contingency_limit{72};
constexpr std::chrono::days k_credit_note_limit{180};

// `at`: the validation time when the caller gave one (ValidateOptions::verify.validation_time,
// `--at`); without it the checks that compare with "now" do not run, so that an archived invoice
// validated years later is not reported as late.
void check_deadlines(const Element& dg, Collector& out, std::optional<Seconds> at) {
    using namespace std::chrono;
    namespace time_math = core::time_math;
    const std::string_view tp = dg.value("iTpEmis");
    const Element* cont = dg.child("dFechaCont");
    const auto start = cont && (tp == "02" || tp == "04") ? fecha_tz_of(cont->text) : std::nullopt;
    if (start) {
        const Element* em = dg.child("dFechaEm");
        const auto emitted = em ? fecha_tz_of(em->text) : std::nullopt;
        if (emitted && time_math::exceeds(emitted->instant, start->instant, k_contingency_limit)) {
            const auto h = duration_cast<hours>(time_math::saturating_difference(emitted->instant, start->instant)).count();
            out.add("FE-CONT-72H", Severity::warning, "/rFE/gDGen/dFechaEm", "B04", em->line,
                    "Emitido en contingencia " + std::to_string(h) +
                        " horas después de su inicio (dFechaCont): la operación normal debe reanudarse en 72 horas; "
                        "dMotCont debe explicar por qué no se reanudó (plazo no verificado en la norma)",
                    "Issued in contingency " + std::to_string(h) +
                        " hours after it began (dFechaCont): normal operation must resume within 72 hours; dMotCont "
                        "must explain why it did not (period unverified in the law)");
        }
        if (at && time_math::exceeds(*at, start->instant, k_contingency_limit)) {
            const auto h = duration_cast<hours>(time_math::saturating_difference(*at, start->instant)).count();
            out.add("FE-CONT-72H-AT", Severity::warning, "/rFE/gDGen/dFechaCont", "B04", cont->line,
                    "A la hora de validación han pasado " + std::to_string(h) +
                        " horas desde el inicio de la contingencia (dFechaCont): el documento debía transmitirse al "
                        "reanudarse la operación normal, dentro de 72 horas (plazo no verificado en la norma)",
                    "At the validation time " + std::to_string(h) +
                        " hours have passed since the contingency began (dFechaCont): the document was due for "
                        "transmission when normal operation resumed, within 72 hours (period unverified in the law)");
        }
    }
    if (dg.value("iDoc") == "04") {
        const Element* em = dg.child("dFechaEm");
        const auto emitted = em ? fecha_tz_of(em->text) : std::nullopt;
        std::size_t i = 0;
        for (const Element* ref : dg.all("gDFRef")) {
            ++i;
            const Element* date = ref->child("dFechaDFRef");
            if (!emitted || !date || !ref->find("gDFRefNum/gDFRefFE")) continue;
            const auto referenced = fecha_tz_of(date->text);
            if (!referenced || !time_math::exceeds(emitted->local_date, referenced->local_date, k_credit_note_limit)) continue;
            const auto n = time_math::saturating_difference(emitted->local_date, referenced->local_date).count();
            out.add("FE-NC-180D", Severity::warning, "/rFE/gDGen/gDFRef[" + std::to_string(i) + "]/dFechaDFRef", "B603",
                    date->line,
                    "La nota de crédito se emite " + std::to_string(n) +
                        " días después de la FE referenciada; el plazo es de 180 días (plazo no verificado en la norma)",
                    "The credit note is issued " + std::to_string(n) +
                        " days after the referenced FE; the limit is 180 days (period unverified in the law)");
        }
    }
}

// ---- rules -----------------------------------------------------------------------------------

std::string item_path(std::size_t i) { return "/rFE/gItem[" + std::to_string(i + 1) + "]"; }

void amount_rule(Collector& out, const Element& scope, std::string_view field, const std::string& xpath, std::string_view ficha,
                 const Decimal& expected, bool rounded, std::string code) {
    const Element* f = scope.find(field);
    if (!f || !expected.valid()) return;
    const auto d = Decimal::parse(f->text);
    if (!d) return;  // a format finding already covers it
    const bool ok = rounded ? detail::matches_rounded(*d, expected) : *d == expected;
    if (ok) return;
    const std::string exp = expected.rounded(rounded ? d->scale() : (expected.scale() > 6 ? 6 : expected.scale())).to_string();
    out.add(std::move(code), Severity::error, xpath, ficha, f->line,
            "El valor de " + std::string(field) + " (" + f->text + ") no coincide con el calculado (" + exp + ")",
            "The value of " + std::string(field) + " (" + f->text + ") does not match the computed value (" + exp + ")");
}

void ruc_rule(Collector& out, const Element* g, const std::string& xpath, std::string_view ficha, bool dv_required) {
    if (!g) return;
    const Element* ruc = g->child("dRuc");
    const Element* dv = g->child("dDV");
    if (!ruc || !dv || dv->text.size() != 2) return;
    (void)dv_required;
    const RucKind kind = detail::integer_equals(g->value("dTipoRuc"), 2) ? RucKind::juridical : RucKind::natural;
    auto expected = ruc_check_digits(ruc->text, kind);
    if (!expected) {
        out.add("FE-RUC-DV-UNCHECKED", Severity::warning, xpath + "/dDV", ficha, dv->line,
                "No se pudo calcular el dígito verificador del RUC " + ruc->text,
                "The check digits of RUC " + ruc->text + " could not be computed: " + expected.error().message);
        return;
    }
    if (*expected != dv->text)
        out.add("FE-RUC-DV", Severity::error, xpath + "/dDV", ficha, dv->line,
                "El DV " + dv->text + " no corresponde al RUC " + ruc->text + " (esperado " + *expected + ")",
                "Check digits " + dv->text + " do not match RUC " + ruc->text + " (expected " + *expected + ")");
}

// What every rule reads: the rFE, its gDGen and gTot (an empty element when absent), the amounts
// computed once from the items, where findings go, and the validation time (deadlines).
struct RuleContext {
    const Element& root;
    const Element& dg;
    const Element& tot;
    bool has_tot;
    const std::vector<detail::ItemAmounts>& items;
    const detail::TotalAmounts& totals;
    Collector& out;
    InvoiceReport& report;
    std::optional<Seconds> at;
};

// A02: the format version, by value (1.0 is 1.00).
void check_version(const RuleContext& ctx) {
    const Element& root = ctx.root;
    Collector& out = ctx.out;
    if (const Element* v = root.child("dVerForm")) {
        const auto d = Decimal::parse(v->text);
        if (!d || *d != *Decimal::parse("1.00"))
            out.add("FE-VERFORM", Severity::error, "/rFE/dVerForm", "A02", v->line,
                    "La versión del formato debe ser 1.00", "The format version must be 1.00");
    }
}

// A03: dId against the CUFE built from the fields, and its check digit.
void check_cufe(const RuleContext& ctx) {
    const Element& root = ctx.root;
    InvoiceReport& report = ctx.report;
    Collector& out = ctx.out;
    if (auto computed = detail::cufe_of_root(root); computed) {
        report.cufe_computed = *computed;
        if (const Element* id = root.child("dId"); id && id->text != *computed)
            out.add("FE-CUFE-MISMATCH", Severity::error, "/rFE/dId", "A03", id->line,
                    "El dId no coincide con el CUFE calculado de los campos (" + *computed + ")",
                    "dId does not match the CUFE built from the fields (" + *computed + ")");
    }
    if (const Element* id = root.child("dId"); id && id->text.size() == 66 && !cufe_check_digit_valid(id->text))
        out.add("FE-CUFE-CHECK-DIGIT", Severity::error, "/rFE/dId", "A03", id->line,
                "El dígito verificador del CUFE es incorrecto", "The CUFE check digit is wrong");
}

// B301 and the other RUC groups: the check digits (dDV) of every RUC.
void check_ruc_digits(const RuleContext& ctx) {
    const Element& root = ctx.root;
    const Element& dg = ctx.dg;
    Collector& out = ctx.out;
    ruc_rule(out, dg.find("gEmis/gRucEmi"), "/rFE/gDGen/gEmis/gRucEmi", "B301", true);
    ruc_rule(out, dg.find("gDatRec/gRucRec"), "/rFE/gDGen/gDatRec/gRucRec", "B402", false);
    {
        std::size_t i = 0;
        for (const Element* ref : dg.all("gDFRef")) {
            const std::string p = "/rFE/gDGen/gDFRef[" + std::to_string(++i) + "]";
            ruc_rule(out, ref->child("gRucEmDFRef"), p + "/gRucEmDFRef", "B601", true);
            if (const Element* c = ref->find("gDFRefNum/gDFRefFE/dCUFERef"); c && c->text.size() == 66 && !cufe_check_digit_valid(c->text))
                out.add("FE-CUFE-REF-CHECK-DIGIT", Severity::error, p + "/gDFRefNum/gDFRefFE/dCUFERef", "B606", c->line,
                        "El dígito verificador del CUFE referenciado es incorrecto", "The check digit of the referenced CUFE is wrong");
        }
        i = 0;
        for (const Element* a : dg.all("gAutXML"))
            ruc_rule(out, a->child("gRucAutXML"), "/rFE/gDGen/gAutXML[" + std::to_string(++i) + "]/gRucAutXML", "B701", true);
        ruc_rule(out, root.find("gInfoLog/gRucTransp"), "/rFE/gInfoLog/gRucTransp", "F206", true);
        ruc_rule(out, root.find("gLcEntr/gRucLcEntr"), "/rFE/gLcEntr/gRucLcEntr", "F251", true);
    }
}

// B04/B05: contingency data goes with iTpEmis 02/04 and only with them.
void check_contingency(const RuleContext& ctx) {
    const Element& dg = ctx.dg;
    Collector& out = ctx.out;
    const std::string_view tp = dg.value("iTpEmis");
    if (tp == "02" || tp == "04") {
        if (!dg.child("dFechaCont"))
            out.add("FE-CONT-REQUIRED", Severity::error, "/rFE/gDGen/dFechaCont", "B04", dg.line,
                    "La emisión en contingencia (iTpEmis 02/04) requiere dFechaCont",
                    "Contingency emission (iTpEmis 02/04) requires dFechaCont");
        if (!dg.child("dMotCont"))
            out.add("FE-CONT-REQUIRED", Severity::error, "/rFE/gDGen/dMotCont", "B05", dg.line,
                    "La emisión en contingencia (iTpEmis 02/04) requiere dMotCont",
                    "Contingency emission (iTpEmis 02/04) requires dMotCont");
    } else if (dg.child("dFechaCont") || dg.child("dMotCont")) {
        out.add("FE-CONT-UNEXPECTED", Severity::warning, "/rFE/gDGen/dFechaCont", "B04", dg.line,
                "Datos de contingencia con una emisión normal", "Contingency data on a normal-operation emission");
    }
}

// B04, B603: deadlines (warnings).
void check_deadline_rules(const RuleContext& ctx) { check_deadlines(ctx.dg, ctx.out, ctx.at); }

// B06: what each document type requires (references for notes, gFExp for exports).
void check_document_type(const RuleContext& ctx) {
    const Element& dg = ctx.dg;
    Collector& out = ctx.out;
    const std::string_view idoc = dg.value("iDoc");
    if ((idoc == "04" || idoc == "05") && dg.all("gDFRef").empty())
        out.add("FE-REF-REQUIRED", Severity::error, "/rFE/gDGen/gDFRef", "B60", dg.line,
                "Las notas de crédito/débito referentes a FE (iDoc 04/05) requieren gDFRef",
                "Credit/debit notes referring to an FE (iDoc 04/05) require gDFRef");
    if (idoc == "04" || idoc == "05") {
        std::size_t i = 0;
        for (const Element* ref : dg.all("gDFRef")) {
            ++i;
            if (ref->child("gDFRefNum") && !ref->find("gDFRefNum/gDFRefFE"))
                out.add("FE-REF-FE-REQUIRED", Severity::error, "/rFE/gDGen/gDFRef[" + std::to_string(i) + "]/gDFRefNum", "B605",
                        ref->line, "Las notas 04/05 deben referenciar una FE por su CUFE (gDFRefFE)",
                        "Notes 04/05 must reference an FE by its CUFE (gDFRefFE)");
        }
    }
    if (idoc == "03" && !dg.child("gFExp"))
        out.add("FE-EXPORT-REQUIRED", Severity::error, "/rFE/gDGen/gFExp", "B50", dg.line,
                "La factura de exportación (iDoc 03) requiere gFExp", "An export invoice (iDoc 03) requires gFExp");
}

// B40: the receiver by its type, destination and government codes.
void check_receiver(const RuleContext& ctx) {
    const Element& root = ctx.root;
    const Element& dg = ctx.dg;
    Collector& out = ctx.out;
    const Element* rec = dg.child("gDatRec");
    if (rec) {
        const std::string_view tipo = rec->value("iTipoRec");
        const Element* ruc = rec->child("gRucRec");
        if ((tipo == "01" || tipo == "03") && !ruc)
            out.add("FE-REC-RUC-REQUIRED", Severity::error, "/rFE/gDGen/gDatRec/gRucRec", "B402", rec->line,
                    "El receptor contribuyente o gobierno (01/03) requiere gRucRec",
                    "A taxpayer or government receiver (01/03) requires gRucRec");
        if (tipo == "02" && ruc && detail::integer_equals(ruc->value("dTipoRuc"), 2))
            out.add("FE-REC-RUC-TYPE", Severity::error, "/rFE/gDGen/gDatRec/iTipoRec", "B401", rec->line,
                    "Un RUC de persona jurídica no puede ser consumidor final (iTipoRec 02); use 01",
                    "A legal-person RUC cannot be a final consumer (iTipoRec 02); use 01");
        if (tipo == "04") {
            if (!rec->child("gIdExt"))
                out.add("FE-REC-FOREIGN", Severity::error, "/rFE/gDGen/gDatRec/gIdExt", "B406", rec->line,
                        "El receptor extranjero (04) requiere gIdExt", "A foreign receiver (04) requires gIdExt");
            if (ruc || rec->child("gUbiRec"))
                out.add("FE-REC-FOREIGN-LOCAL", Severity::error, "/rFE/gDGen/gDatRec", "B406", rec->line,
                        "El receptor extranjero (04) no lleva RUC ni ubicación", "A foreign receiver (04) has no RUC and no location");
        }
        if (detail::integer_equals(dg.value("iDest"), 1) && rec->child("cPaisRec") && rec->value("cPaisRec") != "PA")
            out.add("FE-DEST-PAIS", Severity::error, "/rFE/gDGen/gDatRec/cPaisRec", "B411", rec->child("cPaisRec")->line,
                    "Con destino Panamá (iDest 1) cPaisRec debe ser PA", "With destination Panama (iDest 1) cPaisRec must be PA");
        if (tipo == "03") {
            std::size_t i = 0;
            for (const Element& item : root.children) {
                if (item.name != "gItem" || !item.ns.empty()) continue;
                if (!item.child("dCodCPBSabr") || !item.child("dCodCPBScmp"))
                    out.add("FE-GOV-CPBS", Severity::error, item_path(i) + "/dCodCPBScmp", "C10", item.line,
                            "Con receptor gobierno (03) cada ítem requiere los códigos CPBS",
                            "With a government receiver (03) every item requires the CPBS codes");
                ++i;
            }
        }
    }
}

// C01: each item: numbering (by value), price, ITBMS, total, discount, CPBS family.
void check_items(const RuleContext& ctx) {
    const Element& root = ctx.root;
    const std::vector<detail::ItemAmounts>& items = ctx.items;
    Collector& out = ctx.out;
    std::size_t i = 0;
    for (const Element& item : root.children) {
        if (item.name != "gItem" || !item.ns.empty()) continue;
        const auto& a = items[i];
        const std::string p = item_path(i);
        if (const Element* sec = item.child("dSecItem");
            sec && detail::integer_value(sec->text) && !detail::integer_equals(sec->text, static_cast<std::int64_t>(i + 1)))
            out.add("FE-SECITEM", Severity::error, p + "/dSecItem", "C02", sec->line,
                    "dSecItem debe ser " + std::to_string(i + 1) + " (numeración consecutiva)",
                    "dSecItem must be " + std::to_string(i + 1) + " (consecutive numbering)");
        amount_rule(out, item, "gPrecios/dPrItem", p + "/gPrecios/dPrItem", "C203", a.pr_item_exact, true, "FE-CALC-PRITEM");
        amount_rule(out, item, "gITBMSItem/dValITBMS", p + "/gITBMSItem/dValITBMS", "C402", a.itbms_exact, true, "FE-CALC-ITBMS");
        amount_rule(out, item, "gPrecios/dValTotItem", p + "/gPrecios/dValTotItem", "C206", a.tot_item_exact, false, "FE-CALC-TOTITEM");
        if (const Element* d = item.find("gPrecios/dPrUnitDesc")) {
            const auto disc = Decimal::parse(d->text);
            const auto unit = Decimal::parse(item.value("gPrecios/dPrUnit"));
            if (disc && unit && *disc > *unit)
                out.add("FE-ITEM-DISCOUNT", Severity::error, p + "/gPrecios/dPrUnitDesc", "C202", d->line,
                        "El descuento unitario supera el precio unitario", "The unit discount exceeds the unit price");
        }
        const std::string_view abr = item.value("dCodCPBSabr");
        const std::string_view cmp = item.value("dCodCPBScmp");
        if (!abr.empty() && cmp.size() == 4 && cmp.substr(0, 2) != abr)
            out.add("FE-CPBS-FAMILY", Severity::warning, p + "/dCodCPBScmp", "C10", item.line,
                    "La familia CPBS no pertenece al segmento dCodCPBSabr", "The CPBS family is not in the dCodCPBSabr segment");
        ++i;
    }
}

// D01: the totals against the sums of the items (only with gTot).
void check_totals(const RuleContext& ctx) {
    const Element& tot = ctx.tot;
    const detail::TotalAmounts& t = ctx.totals;
    Collector& out = ctx.out;
    if (!ctx.has_tot) return;
    const auto total = [&](std::string_view f, std::string_view ficha, const Decimal& v, std::string code) {
        amount_rule(out, tot, f, "/rFE/gTot/" + std::string(f), ficha, v, false, std::move(code));
    };
    total("dTotNeto", "D02", t.neto, "FE-CALC-TOTNETO");
    total("dTotITBMS", "D03", t.itbms, "FE-CALC-TOTITBMS");
    if (t.any_isc || tot.child("dTotISC")) total("dTotISC", "D04", t.isc, "FE-CALC-TOTISC");
    total("dTotGravado", "D05", t.gravado, "FE-CALC-TOTGRAVADO");
    if (t.any_desc_groups && tot.child("dTotDesc")) {
        const auto d = Decimal::parse(tot.value("dTotDesc"));
        if (d && *d != t.desc_groups)
            out.add("FE-CALC-TOTDESC", Severity::warning, "/rFE/gTot/dTotDesc", "D06", tot.child("dTotDesc")->line,
                    "dTotDesc no coincide con la suma de gDescBonif/dValDesc (" + t.desc_groups.to_string() + ")",
                    "dTotDesc does not match the sum of gDescBonif/dValDesc (" + t.desc_groups.to_string() + ")");
    }
    total("dVTotItems", "D14", t.vtot_items, "FE-CALC-VTOTITEMS");
    total("dVTot", "D09", t.vtot, "FE-CALC-VTOT");
    total("dTotRec", "D10", t.rec, "FE-CALC-TOTREC");
    if (const Element* n = tot.child("dNroItems");
        n && detail::integer_value(n->text) && !detail::integer_equals(n->text, static_cast<std::int64_t>(t.items)))
        out.add("FE-CALC-NROITEMS", Severity::error, "/rFE/gTot/dNroItems", "D13", n->line,
                "dNroItems debe ser " + std::to_string(t.items), "dNroItems must be " + std::to_string(t.items));
    if (const Element* v = tot.child("dVuelto")) {
        const auto d = Decimal::parse(v->text);
        if (d && *d != t.vuelto && !(t.vuelto.is_zero() && d->is_zero()))
            out.add("FE-CALC-VUELTO", Severity::error, "/rFE/gTot/dVuelto", "D11", v->line,
                    "dVuelto debe ser dTotRec − dVTot (" + t.vuelto.to_string() + ")",
                    "dVuelto must be dTotRec − dVTot (" + t.vuelto.to_string() + ")");
    } else if (!t.vuelto.is_zero()) {
        const auto rec_declared = Decimal::parse(tot.value("dTotRec"));
        if (rec_declared && *rec_declared == t.rec)
            out.add("FE-CALC-VUELTO-MISSING", Severity::error, "/rFE/gTot/dVuelto", "D11", tot.line,
                    "Falta dVuelto (" + t.vuelto.to_string() + "): lo recibido supera el total",
                    "dVuelto (" + t.vuelto.to_string() + ") is missing: the amount received exceeds the total");
    }
    for (const Element* o : tot.all("gOTITotal")) {
        const std::string code(o->value("dCodOTITotal"));
        const auto it = t.oti.find(code);
        const Decimal expected = it == t.oti.end() ? Decimal::from_units(0, 2) : it->second;
        amount_rule(out, *o, "dValOTITotal", "/rFE/gTot/gOTITotal/dValOTITotal", "D602", expected, false, "FE-CALC-OTITOTAL");
    }
    if (t.any_item_acarreo && tot.child("dTotAcar"))
        out.add("FE-FREIGHT-TWICE", Severity::error, "/rFE/gTot/dTotAcar", "D07", tot.child("dTotAcar")->line,
                "El acarreo se declara por ítem o en el total, nunca en ambos",
                "Freight is declared per item or in the totals, never both");
    if (t.any_item_seguro && tot.child("dTotSeg"))
        out.add("FE-INSURANCE-TWICE", Severity::error, "/rFE/gTot/dTotSeg", "D08", tot.child("dTotSeg")->line,
                "El seguro se declara por ítem o en el total, nunca en ambos",
                "Insurance is declared per item or in the totals, never both");
}

// D30, D50: payment forms and instalments (only with gTot).
void check_payment(const RuleContext& ctx) {
    const Element& tot = ctx.tot;
    const detail::TotalAmounts& t = ctx.totals;
    Collector& out = ctx.out;
    if (!ctx.has_tot) return;
    const std::int64_t pz = detail::integer_value(tot.value("iPzPag")).value_or(0);
    const auto plazos = tot.all("gPagPlazo");
    if ((pz == 2 || pz == 3) && plazos.empty())
        out.add("FE-PLAZO-REQUIRED", Severity::error, "/rFE/gTot/gPagPlazo", "D50", tot.line,
                "El pago a plazo o mixto (iPzPag 2/3) requiere gPagPlazo", "Deferred or mixed payment (iPzPag 2/3) requires gPagPlazo");
    if (pz == 2 && !plazos.empty()) {
        Decimal sum = Decimal::from_units(0, 2);
        for (const Element* p : plazos) {
            const auto d = Decimal::parse(p->value("dValItPlazo"));
            sum += d ? *d : Decimal::invalid();
        }
        if (sum.valid() && sum != t.vtot_used)
            out.add("FE-CALC-PLAZO", Severity::warning, "/rFE/gTot/gPagPlazo", "D503", plazos.front()->line,
                    "La suma de las cuotas (" + sum.to_string() + ") no coincide con dVTot",
                    "The instalments (" + sum.to_string() + ") do not add up to dVTot");
    }
    std::size_t k = 0;
    for (const Element* f : tot.all("gFormaPago")) {
        ++k;
        if (detail::integer_equals(f->value("iFormaPago"), 99) && !f->child("dFormaPagoDesc"))
            out.add("FE-FORMAPAGO-DESC", Severity::error, "/rFE/gTot/gFormaPago[" + std::to_string(k) + "]/dFormaPagoDesc",
                    "D302", f->line, "La forma de pago 99 (otro) requiere dFormaPagoDesc",
                    "Payment form 99 (other) requires dFormaPagoDesc");
    }
}

// One row per rule: its main finding code (a check may also report the related codes listed next
// to it in docs/panama-fe.md), the Ficha Técnica group it belongs to, and the check.
struct Rule {
    std::string_view code;
    std::string_view ficha;
    void (*check)(const RuleContext&);
};

constexpr Rule k_rules[] = {
    {"FE-VERFORM", "A02", check_version},
    {"FE-CUFE-MISMATCH", "A03", check_cufe},
    {"FE-RUC-DV", "B301", check_ruc_digits},
    {"FE-CONT-REQUIRED", "B04", check_contingency},
    {"FE-CONT-72H", "B04", check_deadline_rules},
    {"FE-REF-REQUIRED", "B06", check_document_type},
    {"FE-REC-RUC-REQUIRED", "B40", check_receiver},
    {"FE-CALC-PRITEM", "C01", check_items},
    {"FE-CALC-TOTNETO", "D01", check_totals},
    {"FE-PLAZO-REQUIRED", "D50", check_payment},
};

void check_rules(const Element& root, Collector& out, InvoiceReport& report, std::optional<Seconds> at) {
    static const Element k_empty{};
    const Element* gdgen = root.child("gDGen");
    const Element* gtot = root.child("gTot");
    std::vector<detail::ItemAmounts> items;
    detail::TotalAmounts totals;
    detail::compute(root, items, totals);
    const RuleContext context{root, gdgen ? *gdgen : k_empty, gtot ? *gtot : k_empty, gtot != nullptr, items, totals,
                              out, report, at};
    for (const Rule& rule : k_rules) rule.check(context);
}

// The finding that explains an INDETERMINATE signature (SHA-1 refused by default) is not a fault
// of the invoice: it must not turn the verdict into TOTAL_FAILED.
bool explains_indeterminate(std::string_view code) noexcept { return code == "FE-SIG-LEGACY-REFUSED"; }

void finish(InvoiceReport& r) {
    bool structure_error = false, any_error = false;
    for (const auto& f : r.findings) {
        if (f.severity != Severity::error || explains_indeterminate(f.code)) continue;
        any_error = true;
        structure_error = structure_error || f.code.rfind("FE-XSD-", 0) == 0 || f.code.rfind("FE-XML-", 0) == 0;
    }
    // Worst wins; on a tie the first reason stays: a structure fault, then the signature's own
    // reason, then "the invoice has errors".
    report::Verdict verdict;
    if (structure_error) verdict.add(report::Indication::total_failed, report::SubIndication::format_failure);
    if (r.signature) verdict.add(r.signature->indication, r.signature->sub_indication);
    if (any_error) verdict.add(report::Indication::total_failed);
    r.indication = verdict.indication;
    r.sub_indication = verdict.sub_indication;
}

InvoiceReport validate_model(const Invoice& invoice, bool require_signature, std::optional<Seconds> at) {
    InvoiceReport r;
    r.well_formed = true;
    Collector out(r);
    std::string path = "/rFE";
    path.reserve(128);
    check_structure(invoice.root, detail::root_def(), path, out, require_signature);
    check_rules(invoice.root, out, r, at);
    r.cufe_declared = std::string(invoice.get("dId"));
    r.issuer_ruc = std::string(invoice.get("gDGen/gEmis/gRucEmi/dRuc"));
    r.total = std::string(invoice.get("gTot/dVTot"));
    return r;
}

bool report_has(const dsig::VerificationReport& v, std::string_view code) noexcept {
    for (const auto& f : v.findings)
        if (f.code == code) return true;
    return false;
}

// The verified signature judged against the panama-fe profile and the legacy switch.
void judge_signature(const dsig::VerificationReport& v, bool legacy, Collector& out) {
    if (v.indication == report::Indication::total_failed)
        out.add("FE-SIG-INVALID", Severity::error, "/rFE/Signature", "ZZ01", 0,
                "La firma electrónica no es válida (" + std::string(report::to_string(v.sub_indication)) + ")",
                "The electronic signature is not valid (" + std::string(report::to_string(v.sub_indication)) + ")");
    if (report_has(v, "DSIG-ALG-LEGACY-REFUSED"))
        out.add("FE-SIG-LEGACY-REFUSED", Severity::error, "/rFE/Signature", "ZZ01", 0,
                "La firma usa SHA-1, que la DGI acepta en producción pero istmo rechaza por omisión: valide con --legacy "
                "(ValidateOptions::legacy) para aceptarla con un aviso",
                "The signature uses SHA-1, which the DGI accepts in production but istmo refuses by default: validate "
                "with --legacy (ValidateOptions::legacy) to accept it with a warning");
    if (legacy && report_has(v, "DSIG-ALG-WEAK"))
        out.add("FE-SIG-LEGACY", Severity::warning, "/rFE/Signature", "ZZ01", 0,
                "La firma usa un algoritmo heredado (SHA-1 o RSA de menos de 2048 bits), aceptado por --legacy",
                "The signature uses a legacy algorithm (SHA-1 or RSA below 2048 bits), accepted by --legacy");
    if (v.signatures.empty()) return;
    const auto& s = v.signatures.front();
    if (s.signature_method != dsig::signature_algorithm_uri(dsig::SignatureAlgorithm::rsa_sha256))
        out.add("FE-SIG-PROFILE-ALG", Severity::warning, "/rFE/Signature", "ZZ01", 0,
                "La firma no usa RSA-SHA256 (perfil panama-fe)", "The signature does not use RSA-SHA256 (panama-fe profile)");
    const bool whole = s.references.size() == 1 && s.references.front().uri.empty();
    if (!whole)
        out.add("FE-SIG-PROFILE-REF", Severity::warning, "/rFE/Signature", "ZZ01", 0,
                "La firma debe tener una sola referencia URI=\"\"", "The signature must have a single Reference URI=\"\"");
}

// Verifies the rFE's signature as the DGI defines it: over the same DOM, gNoFirm left out.
Result<dsig::VerificationReport> verify_without_no_firm(const dsig::Verifier& verifier, const xml::XmlDocument& document,
                                                        const xmlNode* rfe) {
    return dsig::verify_parsed(verifier, document, detail::child_element(rfe, k_namespace, "gNoFirm"));
}

// The DigestValue (base64) of the verified signature's first Reference: what the QR repeats.
std::string signature_digest_value(const dsig::VerificationReport& v) {
    if (v.signatures.empty() || v.signatures.front().references.empty()) return {};
    return v.signatures.front().references.front().digest_value;
}

// The finding for a document that gives no rFE model: no rFE in it (FE-XSD-ROOT), or the XML
// parser refused it: not well-formed, a DOCTYPE or entity declaration, or over its limits.
InvoiceReport unreadable_report(const Error& e, bool well_formed) {
    InvoiceReport r;
    r.well_formed = well_formed;
    Collector out(r);
    const std::string message_es = report::translate_text(e.message).value_or(e.message);
    if (well_formed) {
        out.add("FE-XSD-ROOT", Severity::error, "/", "A01", e.line,
                "El documento no contiene rFE en el espacio de nombres http://dgi-fep.mef.gob.pa, ni como elemento raíz "
                "ni dentro de rContFe, rEnviFe, rEnviFeDGI o un sobre SOAP",
                e.message);
    } else if (e.code == Errc::parse_error) {
        out.add("FE-XML-MALFORMED", Severity::error, "/", "A01", e.line, "El documento no es XML bien formado: " + message_es,
                e.message);
    } else if (e.code == Errc::unsupported) {
        out.add("FE-XML-REFUSED", Severity::error, "/", "A01", e.line, "El documento usa XML que istmo rechaza: " + message_es,
                e.message);
    } else {
        out.add("FE-XML-LIMIT", Severity::error, "/", "A01", e.line,
                "El documento supera los límites del analizador XML: " + message_es, e.message);
    }
    r.indication = report::Indication::total_failed;
    r.sub_indication = report::SubIndication::format_failure;
    return r;
}

}  // namespace

bool InvoiceReport::has(std::string_view code) const noexcept {
    for (const auto& f : findings)
        if (f.code == code) return true;
    return false;
}

InvoiceReport validate(const Invoice& invoice) {
    InvoiceReport r = validate_model(invoice, false, std::nullopt);
    finish(r);
    return r;
}

namespace {
// The dsig options of a validator: --legacy lets dsig accept SHA-1 (reported as weak).
dsig::VerifyOptions verify_options_of(const ValidateOptions& options) {
    dsig::VerifyOptions v = options.verify;
    v.allow_legacy = v.allow_legacy || options.legacy;
    return v;
}
}  // namespace

Result<InvoiceReport> validate(std::string_view xml, const ValidateOptions& options) {
    return InvoiceValidator(options).validate(xml);
}

InvoiceValidator::InvoiceValidator(ValidateOptions options)
    : m_options(std::move(options)), m_verifier(std::make_unique<dsig::Verifier>(verify_options_of(m_options))) {}
InvoiceValidator::InvoiceValidator(InvoiceValidator&&) noexcept = default;
InvoiceValidator& InvoiceValidator::operator=(InvoiceValidator&&) noexcept = default;
InvoiceValidator::~InvoiceValidator() = default;

// One parse: the rFE is found in the document (or in its container), read into the model, and
// its signature verified over the same DOM.
Result<InvoiceReport> InvoiceValidator::validate(std::string_view xml) const {
    const ValidateOptions& options = m_options;
    auto document = xml::XmlDocument::parse(xml, options.verify.limits);
    if (!document) return unreadable_report(document.error(), false);
    auto located = detail::locate_rfe(*document, options.verify.limits);
    if (!located) return unreadable_report(located.error(), located.error().code == Errc::invalid_argument);
    const Invoice invoice = detail::model_of(located->source);
    std::optional<Seconds> at;
    if (options.verify.validation_time)
        at = std::chrono::time_point_cast<std::chrono::seconds>(*options.verify.validation_time);
    InvoiceReport r = validate_model(invoice, options.require_signature, at);
    r.wrapper = located->wrapper;
    Collector out(r);
    std::string digest;
    const bool has_sig = detail::child_element(located->rfe, k_dsig_namespace, "Signature") != nullptr;
    if (options.check_signature && has_sig) {
        const xml::XmlDocument& signed_document = located->own ? *located->own : *document;
        auto v = verify_without_no_firm(*m_verifier, signed_document, located->rfe);
        if (!v) return std::move(v).error();
        r.signature = std::move(*v);
        digest = signature_digest_value(*r.signature);
        judge_signature(*r.signature, options.legacy, out);
    }
    detail::check_qr(invoice.root, digest, options.qr_secret.view(), out);
    finish(r);
    return r;
}

}  // namespace istmo::invoice::panama
