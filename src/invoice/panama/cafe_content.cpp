// What a CAFE shows (DE 766/2020; SPEC §4.4, §10): the invoice's fields chosen and labelled in
// Spanish or English, the totals by ITBMS rate summed from the items, the QR payload, and the
// authorisation protocol when the input is an rContFe that carries one.
#include "invoice/panama/cafe_content.hpp"

#include "invoice/panama/dom.hpp"
#include "xml/document_impl.hpp"

#include <istmo/invoice/decimal.hpp>

#include <array>
#include <map>

namespace istmo::invoice::panama::detail {
namespace {

using report::Language;

// A label in the CAFE's language.
struct Text {
    Language language;
    [[nodiscard]] std::string operator()(std::string_view en, std::string_view es) const {
        return std::string(language == Language::es ? es : en);
    }
};

struct Code {
    std::string_view code, en, es;
};

std::string from_list(const Text& t, std::span<const Code> list, std::string_view code) {
    for (const Code& c : list)
        if (c.code == code) return t(c.en, c.es);
    return std::string(code);
}

constexpr Code k_document_types[] = {
    {"01", "INTERNAL OPERATION INVOICE", "FACTURA DE OPERACIÓN INTERNA"},
    {"02", "IMPORT INVOICE", "FACTURA DE IMPORTACIÓN"},
    {"03", "EXPORT INVOICE", "FACTURA DE EXPORTACIÓN"},
    {"04", "CREDIT NOTE (REFERRING TO AN E-INVOICE)", "NOTA DE CRÉDITO REFERENTE A UNA FACTURA ELECTRÓNICA"},
    {"05", "DEBIT NOTE (REFERRING TO AN E-INVOICE)", "NOTA DE DÉBITO REFERENTE A UNA FACTURA ELECTRÓNICA"},
    {"06", "GENERIC CREDIT NOTE", "NOTA DE CRÉDITO GENÉRICA"},
    {"07", "GENERIC DEBIT NOTE", "NOTA DE DÉBITO GENÉRICA"},
    {"08", "FREE-ZONE INVOICE", "FACTURA DE ZONA FRANCA"},
    {"09", "REIMBURSEMENT", "REEMBOLSO"},
};
constexpr Code k_emission_modes[] = {
    {"01", "prior authorisation, normal operation", "autorización de uso previa, operación normal"},
    {"02", "prior authorisation, contingency", "autorización de uso previa, operación en contingencia"},
    {"03", "later authorisation, normal operation", "autorización de uso posterior, operación normal"},
    {"04", "later authorisation, contingency", "autorización de uso posterior, operación en contingencia"},
};
constexpr Code k_receiver_types[] = {
    {"01", "Taxpayer", "Contribuyente"},
    {"02", "Final consumer", "Consumidor final"},
    {"03", "Government", "Gobierno"},
    {"04", "Foreign", "Extranjero"},
};
constexpr Code k_payment_forms[] = {
    {"01", "Credit", "Crédito"},
    {"02", "Cash", "Contado"},
    {"03", "Credit card", "Tarjeta de crédito"},
    {"04", "Debit card", "Tarjeta de débito"},
    {"05", "Loyalty card", "Tarjeta de fidelización"},
    {"06", "Return voucher", "Vale por devolución"},
    {"07", "Gift card", "Tarjeta de regalo"},
    {"08", "Transfer / bank deposit", "Transferencia / depósito bancario"},
    {"99", "Other", "Otro"},
};
// With a no-break space: "10 %" never splits across lines.
constexpr Code k_itbms_rates[] = {{"00", "0\u00A0%", "0\u00A0%"},
                                  {"01", "7\u00A0%", "7\u00A0%"},
                                  {"02", "10\u00A0%", "10\u00A0%"},
                                  {"03", "15\u00A0%", "15\u00A0%"}};
constexpr Code k_other_taxes[] = {{"01", "SUMA 911", "SUMA 911"}, {"02", "Number portability fee", "Tasa de portabilidad numérica"}};

// "2026-11-20T10:15:00-05:00" -> "20/11/2026 10:15:00" (es) or "2026-11-20 10:15:00" (en); the
// offset is shown only when it is not Panama's -05:00. Text of another shape is shown as it is.
std::string show_date(const Text& t, std::string_view iso) {
    if (iso.size() < 19 || iso[4] != '-' || iso[7] != '-' || iso[10] != 'T') return std::string(iso);
    const std::string_view date = iso.substr(0, 10), time = iso.substr(11, 8), offset = iso.substr(19);
    std::string out = t(std::string(date),
                        std::string(date.substr(8, 2)) + "/" + std::string(date.substr(5, 2)) + "/" +
                            std::string(date.substr(0, 4)));
    out += " ";
    out += time;
    if (!offset.empty() && offset != "-05:00") out += " (UTC" + std::string(offset) + ")";
    return out;
}

std::string joined(const std::vector<std::string_view>& parts, std::string_view separator) {
    std::string out;
    for (std::string_view p : parts) {
        if (p.empty()) continue;
        if (!out.empty()) out += separator;
        out += p;
    }
    return out;
}

std::vector<std::string_view> values(const Element& group, std::string_view name) {
    std::vector<std::string_view> out;
    for (const Element* e : group.all(name)) out.push_back(e->text);
    return out;
}

void add(std::vector<CafeLine>& lines, std::string label, std::string_view value) {
    if (!value.empty()) lines.emplace_back(std::move(label), std::string(value));
}

std::string ruc_text(const Text& t, const Element* ruc) {
    if (!ruc) return {};
    std::string out = t("RUC ", "RUC ") + std::string(ruc->value("dRuc"));
    if (!ruc->value("dDV").empty()) out += "  DV " + std::string(ruc->value("dDV"));
    return out;
}

std::string location_text(const Element* ubi) {
    if (!ubi) return {};
    return joined({ubi->value("dCorreg"), ubi->value("dDistr"), ubi->value("dProv")}, ", ");
}

void fill_issuer(const Text& t, const Element& emis, CafeContent& c) {
    c.issuer_name = std::string(emis.value("dNombEm"));
    c.issuer_lines.push_back(ruc_text(t, emis.child("gRucEmi")));
    c.issuer_lines.push_back(t("Branch ", "Sucursal ") + std::string(emis.value("dSucEm")));
    c.issuer_lines.push_back(joined({emis.value("dDirecEm"), location_text(emis.child("gUbiEm"))}, ", "));
    const std::string phones = joined(values(emis, "dTfnEm"), " / ");
    if (!phones.empty()) c.issuer_lines.push_back(t("Phone ", "Tel. ") + phones);
    const std::string mails = joined(values(emis, "dCorElectEmi"), " / ");
    if (!mails.empty()) c.issuer_lines.push_back(mails);
}

void fill_document(const Text& t, const Element& dgen, CafeContent& c) {
    add(c.document, t("Number", "Número"), dgen.value("dNroDF"));
    add(c.document, t("Point of sale", "Punto de facturación"), dgen.value("dPtoFacDF"));
    add(c.document, t("Issued", "Fecha de emisión"), show_date(t, dgen.value("dFechaEm")));
    if (!dgen.value("dFechaSalida").empty())
        add(c.document, t("Dispatched", "Fecha de salida"), show_date(t, dgen.value("dFechaSalida")));
    add(c.document, t("Emission", "Tipo de emisión"), from_list(t, k_emission_modes, dgen.value("iTpEmis")));
    if (!dgen.value("dFechaCont").empty())
        add(c.document, t("Contingency since", "Contingencia desde"), show_date(t, dgen.value("dFechaCont")));
    add(c.document, t("Contingency reason", "Motivo de contingencia"), dgen.value("dMotCont"));
}

void fill_receiver(const Text& t, const Element& rec, CafeContent& c) {
    c.receiver_heading = t("Customer", "Cliente");
    add(c.receiver, t("Type", "Tipo"), from_list(t, k_receiver_types, rec.value("iTipoRec")));
    add(c.receiver, t("Name", "Nombre"), rec.value("dNombRec"));
    add(c.receiver, t("Tax ID", "Identificación"), ruc_text(t, rec.child("gRucRec")));
    if (const Element* ext = rec.child("gIdExt"))
        add(c.receiver, t("Foreign ID", "Identificación extranjera"),
            joined({ext->value("dIdExt"), ext->value("dPaisExt")}, ", "));
    add(c.receiver, t("Address", "Dirección"), joined({rec.value("dDirecRec"), location_text(rec.child("gUbiRec"))}, ", "));
    if (rec.value("cPaisRec") != "PA")
        add(c.receiver, t("Country", "País"), joined({rec.value("cPaisRec"), rec.value("dPaisRecDesc")}, " "));
    add(c.receiver, t("Phone", "Teléfono"), joined(values(rec, "dTfnRec"), " / "));
    add(c.receiver, t("E-mail", "Correo"), joined(values(rec, "dCorElectRec"), " / "));
}

void fill_references(const Text& t, const Element& dgen, CafeContent& c) {
    for (const Element* ref : dgen.all("gDFRef")) {
        std::string what;
        if (std::string_view cufe = ref->value("gDFRefNum/gDFRefFE/dCUFERef"); !cufe.empty())
            what = "CUFE " + std::string(cufe);
        else if (std::string_view paper = ref->value("gDFRefNum/gDFRefFacPap/dNroFacPap"); !paper.empty())
            what = t("paper invoice ", "factura en papel ") + std::string(paper);
        else if (std::string_view fiscal = ref->value("gDFRefNum/gDFRefFacIE/dNroFacIE"); !fiscal.empty())
            what = t("fiscal printer invoice ", "factura de impresora fiscal ") + std::string(fiscal);
        what = joined({what, ref->value("dNombEmRef"), show_date(t, ref->value("dFechaDFRef"))}, ", ");
        add(c.references, t("Refers to", "Documento referenciado"), what);
    }
}

void fill_items(const Text& t, const Element& root, CafeContent& c) {
    c.columns = {"#", t("Code", "Código"), t("Description", "Descripción"), t("Qty", "Cant."),
                 t("Unit price", "Precio unit."), t("Discount", "Desc."), "ITBMS", t("Total", "Total")};
    for (const Element* item : root.all("gItem")) {
        CafeItem row;
        row.number = std::string(item->value("dSecItem"));
        row.code = std::string(item->value("dCodProd"));
        row.description = std::string(item->value("dDescProd"));
        row.quantity = joined({item->value("dCantCodInt"), item->value("cUnidad")}, " ");
        row.unit_price = std::string(item->value("gPrecios/dPrUnit"));
        row.discount = std::string(item->value("gPrecios/dPrUnitDesc"));
        row.itbms = std::string(item->value("gITBMSItem/dValITBMS"));
        const std::string rate = from_list(t, k_itbms_rates, item->value("gITBMSItem/dTasaITBMS"));
        if (!row.itbms.empty()) row.itbms += " (" + rate + ")";
        row.total = std::string(item->value("gPrecios/dValTotItem"));
        c.items.push_back(std::move(row));
    }
}

// Taxable base and ITBMS per rate code, summed from the items; empty when an amount is not a
// decimal (the CAFE then shows only the invoice's own totals).
std::map<std::string, std::pair<Decimal, Decimal>> itbms_by_rate(const Element& root) {
    std::map<std::string, std::pair<Decimal, Decimal>> out;
    for (const Element* item : root.all("gItem")) {
        auto base = Decimal::parse(item->value("gPrecios/dPrItem"));
        auto tax = Decimal::parse(item->value("gITBMSItem/dValITBMS"));
        if (!base || !tax) return {};
        auto& [sum_base, sum_tax] = out[std::string(item->value("gITBMSItem/dTasaITBMS"))];
        sum_base += *base;
        sum_tax += *tax;
    }
    for (const auto& [rate, sums] : out)
        if (!sums.first.valid() || !sums.second.valid()) return {};
    return out;
}

void fill_totals(const Text& t, const Element& root, CafeContent& c) {
    const Element* tot = root.child("gTot");
    if (!tot) return;
    add(c.totals, t("Net total", "Total neto"), tot->value("dTotNeto"));
    for (const auto& [rate, sums] : itbms_by_rate(root)) {
        const std::string label = rate == "00" ? t("Exempt (0\u00A0%), base ", "Exento (0\u00A0%), base ")
                                               : "ITBMS " + from_list(t, k_itbms_rates, rate) + t(", base ", ", base ");
        add(c.totals, label + sums.first.rounded(2).to_string(), sums.second.rounded(2).to_string());
    }
    add(c.totals, t("Total ITBMS", "Total ITBMS"), tot->value("dTotITBMS"));
    add(c.totals, t("Selective consumption tax (ISC)", "Impuesto selectivo al consumo (ISC)"), tot->value("dTotISC"));
    for (const Element* oti : tot->all("gOTITotal"))
        add(c.totals, from_list(t, k_other_taxes, oti->value("dCodOTITotal")), oti->value("dValOTITotal"));
    add(c.totals, t("Total taxes", "Total impuestos"), tot->value("dTotGravado"));
    add(c.totals, t("Discounts", "Descuentos"), tot->value("dTotDesc"));
    add(c.totals, t("Freight", "Acarreo"), tot->value("dTotAcar"));
    add(c.totals, t("Insurance", "Seguro"), tot->value("dTotSeg"));
    c.grand_total = {t("TOTAL", "TOTAL"), std::string(tot->value("dVTot"))};
}

void fill_payments(const Text& t, const Element& root, CafeContent& c) {
    const Element* tot = root.child("gTot");
    if (!tot) return;
    for (const Element* form : tot->all("gFormaPago")) {
        std::string name = from_list(t, k_payment_forms, form->value("iFormaPago"));
        if (!form->value("dFormaPagoDesc").empty()) name += " (" + std::string(form->value("dFormaPagoDesc")) + ")";
        add(c.payments, std::move(name), form->value("dVlrCuota"));
    }
    for (const Element* due : tot->all("gPagPlazo"))
        add(c.payments, t("Instalment ", "Cuota ") + std::string(due->value("dSecItem")) + " (" +
                            show_date(t, due->value("dFecItPlazo")).substr(0, 10) + ")",
            due->value("dValItPlazo"));
    if (const Element* ret = tot->child("gRetenc")) add(c.payments, t("Withholding", "Retención"), ret->value("cValRetenc"));
    add(c.payments, t("Received", "Total recibido"), tot->value("dTotRec"));
    const std::string_view change = tot->value("dVuelto");
    add(c.payments, t("Change", "Vuelto"), change.empty() ? std::string_view("0.00") : change);
}

Result<std::string_view> qr_payload_of(const Element& root) {
    std::string_view qr = root.value("gNoFirm/dQRCode");
    while (!qr.empty() && (qr.front() == ' ' || qr.front() == '\n' || qr.front() == '\r' || qr.front() == '\t'))
        qr.remove_prefix(1);
    while (!qr.empty() && (qr.back() == ' ' || qr.back() == '\n' || qr.back() == '\r' || qr.back() == '\t'))
        qr.remove_suffix(1);
    if (qr.empty())
        return make_error(Errc::invalid_argument,
                          "the invoice has no gNoFirm/dQRCode: a CAFE needs the signed invoice with its QR "
                          "(istmo invoice sign with the QR secret)");
    return qr;
}

CafeContent content_of(const Invoice& invoice, Language language, std::string_view qr) {
    const Text t{language};
    const Element& root = invoice.root;
    CafeContent c;
    c.language_tag = language == Language::es ? "es" : "en";
    c.title = from_list(t, k_document_types, root.value("gDGen/iDoc"));
    c.subtitle = t("Printed copy of an electronic invoice (CAFE)", "Comprobante Auxiliar de Factura Electrónica (CAFE)");
    c.notes_heading = t("Issuer's notes", "Información del emisor");
    if (const Element* emis = root.find("gDGen/gEmis")) fill_issuer(t, *emis, c);
    if (const Element* dgen = root.child("gDGen")) {
        fill_document(t, *dgen, c);
        if (const Element* rec = dgen->child("gDatRec")) fill_receiver(t, *rec, c);
        fill_references(t, *dgen, c);
        if (!dgen->value("dInfEmFE").empty()) c.notes.emplace_back(dgen->value("dInfEmFE"));
    }
    fill_items(t, root, c);
    fill_totals(t, root, c);
    fill_payments(t, root, c);
    c.cufe_label = "CUFE";
    c.cufe = std::string(root.value("dId"));
    c.qr_payload = std::string(qr);
    c.page_word = t("Page", "Página");
    c.of_word = t("of", "de");
    c.continued = t("continued on the next page", "continúa en la página siguiente");
    return c;
}

// The consultation text, and the legends for the test environment and a missing authorisation.
void fill_legends(const Text& t, const Element& root, bool authorised, CafeContent& c) {
    const bool test = root.value("gDGen/iAmb") == "2";
    c.consult_text = t("Check this invoice at the DGI with its CUFE, or scan the QR code:",
                       "Consulte esta factura en la DGI con su CUFE, o escanee el código QR:");
    c.consult_url = test ? "https://dgi-fep-test.mef.gob.pa:40001/Consultas/FacturasPorCUFE"
                         : "https://dgi-fep.mef.gob.pa/Consultas/FacturasPorCUFE";
    if (test)
        c.test_legend = t("E-invoice issued in the test environment - no commercial or fiscal value",
                          "FE generada en ambiente de pruebas - sin valor comercial ni fiscal");
    if (!authorised)
        c.unauthorised_legend = t("DOCUMENT NOT AUTHORISED: no DGI authorisation of use is known for it",
                                  "DOCUMENTO NO AUTORIZADO: no consta la autorización de uso de la DGI");
}

// ---- the authorisation protocol of an rContFe (SPEC §5.3, §10) ---------------------------------

// The first child element with this local name, whatever its namespace (PACs write the DGI's
// containers with and without one).
const xmlNode* child_named(const xmlNode* parent, std::string_view name) noexcept {
    for (const xmlNode* c = xml::first_element_child(parent); c; c = xml::next_element_sibling(c))
        if (xml::sv(c->name) == name) return c;
    return nullptr;
}

std::string child_text(const xmlNode* parent, std::string_view name) {
    const xmlNode* c = child_named(parent, name);
    return c ? xml::text_content(c) : std::string();
}

struct Protocol {
    bool authorised = false;
    std::string number, date;
};

// gInfProt of rProtFe: authorised when a gResProc answers 0260 ("Autorizado el uso de la FE")
// for this CUFE (dCUFE, when present, must be the invoice's dId).
Protocol read_gInfProt(const xmlNode* info, std::string_view cufe) {
    Protocol p;
    p.number = child_text(info, "dProAut");
    if (p.number.empty()) p.number = child_text(info, "dProtAut");
    p.date = child_text(info, "dFecProc");
    const std::string declared = child_text(info, "dCUFE");
    const bool same_invoice = declared.empty() || declared == cufe;
    for (const xmlNode* c = xml::first_element_child(info); c; c = xml::next_element_sibling(c))
        if (xml::sv(c->name) == "gResProc" && child_text(c, "dCodRes") == "0260") p.authorised = same_invoice;
    return p;
}

// rContFe/xProtFe: rProtFe as an element, or as escaped text (xs:any content written as a string).
Protocol read_protocol(const xmlNode* container, std::string_view cufe) {
    const xmlNode* xprot = child_named(container, "xProtFe");
    if (!xprot) return {};
    if (const xmlNode* prot = child_named(xprot, "rProtFe")) {
        const xmlNode* info = child_named(prot, "gInfProt");
        return info ? read_gInfProt(info, cufe) : Protocol{};
    }
    const std::string text = xml::text_content(xprot);
    if (text.find('<') == std::string::npos) return {};
    auto doc = xml::XmlDocument::parse(text);
    if (!doc) return {};
    const xmlNode* prot = xmlDocGetRootElement(xml::get(*doc));
    if (!prot || xml::sv(prot->name) != "rProtFe") return {};
    const xmlNode* info = child_named(prot, "gInfProt");
    return info ? read_gInfProt(info, cufe) : Protocol{};
}

}  // namespace

Result<CafeContent> cafe_content(std::string_view xml, Language language) {
    auto doc = xml::XmlDocument::parse(xml);
    if (!doc) return std::move(doc).error();
    auto located = locate_rfe(*doc, xml::ParseLimits{});
    if (!located) return std::move(located).error();
    const Invoice invoice = model_of(located->rfe);
    auto qr = qr_payload_of(invoice.root);
    if (!qr) return std::move(qr).error();
    const Text t{language};
    CafeContent content = content_of(invoice, language, *qr);
    Protocol protocol;
    if (located->wrapper == "rContFe")
        protocol = read_protocol(xmlDocGetRootElement(xml::get(*doc)), invoice.get("dId"));
    if (!protocol.number.empty()) {
        add(content.authorisation, t("Authorisation protocol", "Protocolo de autorización"), protocol.number);
        add(content.authorisation, t("Authorised on", "Fecha de autorización"), show_date(t, protocol.date));
    }
    fill_legends(t, invoice.root, protocol.authorised, content);
    return content;
}

}  // namespace istmo::invoice::panama::detail
