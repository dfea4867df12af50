// The CAFE (printed invoice): what a person reads in the PDF (pdftotext), what a phone reads from
// its QR (pdftoppm + zbarimg, compared byte for byte with gNoFirm/dQRCode), pages, fonts, the
// HTML form and the legends. Without poppler-utils / zbar-tools the tool checks report Not Run.
#include "test_support.hpp"

#include <istmo/invoice/cafe.hpp>
#include <istmo/invoice/panama.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>

namespace istmo::test {
namespace {

namespace pa = invoice::panama;
namespace fs = std::filesystem;

fs::path valid_dir() { return vectors_dir() / "panama-fe" / "valid"; }

std::vector<fs::path> valid_vectors() {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(valid_dir()))
        if (e.path().extension() == ".xml") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

std::string qr_of(const std::string& xml) {
    auto invoice = pa::parse(xml);
    EXPECT_TRUE(invoice.has_value());
    return invoice ? std::string(invoice->get("gNoFirm/dQRCode")) : std::string();
}

std::string cafe(const std::string& xml, pa::CafeOptions options = {}) {
    auto out = pa::render_cafe(xml, options);
    EXPECT_TRUE(out.has_value()) << (out ? "" : out.error().to_string());
    return out ? *out : std::string();
}

#define ISTMO_NEEDS_TOOLS(...)                                                                   \
    do {                                                                                         \
        for (const char* tool : {__VA_ARGS__})                                                   \
            if (!have_tool(tool))                                                                \
                GTEST_SKIP() << tool << " is not installed (poppler-utils / zbar-tools): did not run"; \
    } while (false)

// The text pdftotext reads from a PDF (pages first..last; 0 = all), in reading order, with every
// run of white space (line breaks of wrapped text, page breaks) made one space.
std::string pdf_text(const TempDir& dir, const std::string& pdf, int first = 0, int last = 0) {
    write_file(dir / "in.pdf", pdf);
    std::string range;
    if (first > 0) range = " -f " + std::to_string(first) + " -l " + std::to_string(last);
    const CommandResult r = run_command("pdftotext" + range + " " + shell_quote(dir / "in.pdf") + " -");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::string text = r.output;
    for (auto at = text.find("\xC2\xA0"); at != std::string::npos; at = text.find("\xC2\xA0", at))
        text.replace(at, 2, " ");  // the no-break space of "7 %"
    return std::regex_replace(text, std::regex("\\s+"), " ");
}

// True when the text shows `expected`, also when the layout wrapped it (a URL or a number broken
// across lines reads with a space inside).
bool shows(const std::string& text, const std::string& expected) {
    if (text.find(expected) != std::string::npos) return true;
    const auto squeeze = [](std::string t) {
        t.erase(std::remove_if(t.begin(), t.end(), [](unsigned char c) { return std::isspace(c) != 0; }), t.end());
        return t;
    };
    return squeeze(text).find(squeeze(expected)) != std::string::npos;
}

int pdf_pages(const TempDir& dir, const std::string& pdf) {
    write_file(dir / "pages.pdf", pdf);
    const CommandResult r = run_command("pdfinfo " + shell_quote(dir / "pages.pdf"));
    std::smatch m;
    if (!std::regex_search(r.output, m, std::regex("Pages:\\s+(\\d+)"))) return -1;
    return std::stoi(m[1].str());
}

// The QR codes zbarimg finds on the last page rendered at 150 dpi, one per line.
std::string decoded_qr(const TempDir& dir, const std::string& pdf) {
    write_file(dir / "qr.pdf", pdf);
    const int last = pdf_pages(dir, pdf);
    const std::string page = std::to_string(last);
    const CommandResult png = run_command("pdftoppm -r 150 -png -singlefile -f " + page + " -l " + page + " " +
                                          shell_quote(dir / "qr.pdf") + " " + shell_quote(dir / "page"));
    EXPECT_EQ(png.exit_code, 0) << png.output;
    // Only the QR decoder, and its diagnostics away from the captured output.
    const CommandResult r = run_command("{ zbarimg --nodbus --raw -q -Sdisable -Sqrcode.enable " +
                                        shell_quote(dir / "page.png") + " 2>/dev/null; }");
    EXPECT_EQ(r.exit_code, 0) << "no QR code found";
    std::string text = r.output;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

// A signed invoice with `items` items (from the 01-factura JSON, its items replaced), with QR.
std::string signed_invoice_with_items(std::size_t items) {
    std::string json = read_file(vectors_dir() / "panama-fe" / "json" / "01-factura.json");
    const auto begin = json.find("\"gItem\": [");
    const auto end = json.find("\"gTot\"");
    std::string list = "\"gItem\": [";
    for (std::size_t i = 1; i <= items; ++i) {
        if (i > 1) list += ",";
        list += "{\"dDescProd\": \"Artículo número " + std::to_string(i) + " con descripción de prueba\", "
                "\"dCodProd\": \"COD-" + std::to_string(i) + "\", \"dCantCodInt\": \"" + std::to_string(1 + i % 7) +
                "\", \"gPrecios\": {\"dPrUnit\": \"" + std::to_string(1 + i % 40) + ".25\"}, "
                "\"gITBMSItem\": {\"dTasaITBMS\": \"0" + std::to_string(i % 3) + "\"}}";
    }
    json.replace(begin, end - begin, list + "],\n  ");
    const auto pay = json.find(", \"dVlrCuota\": \"350.00\"");
    json.erase(pay, std::string(", \"dVlrCuota\": \"350.00\"").size());
    auto invoice = pa::from_json(json);
    EXPECT_TRUE(invoice.has_value()) << (invoice ? "" : invoice.error().to_string());
    auto signer = pa::make_signer(pki_key("rsa2048"), pki_cert("rsa2048"));
    EXPECT_TRUE(signer.has_value());
    pa::QrOptions qr;
    qr.secret = crypto::Secret("istmo-test-qr-secret");
    auto xml = pa::sign(*signer, *invoice, qr);
    EXPECT_TRUE(xml.has_value()) << (xml ? "" : xml.error().to_string());
    return xml ? *xml : std::string();
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

TEST(InvoiceCafe, PdfTextShowsCufeRucItemsAndTotals) {
    ISTMO_NEEDS_TOOLS("pdftotext");
    TempDir dir;
    const std::string xml = read_file(valid_dir() / "01-factura-completa.xml");
    const std::string text = pdf_text(dir, cafe(xml));
    for (const char* expected :
         {"FE0120000155596713-2-2015-5900002026112000000000110010121234567897", "155596713-2-2015", "2679372-1-844914",
          "Refresco 2 litros", "Vehículo sedán 1.6", "Amoxicilina 500 mg", "BEB-2L", "18500.00", "19915.00", "19933.90",
          "1296.05", "18527.00", "FACTURA DE OPERACIÓN INTERNA", "Istmo Pruebas, S.A.", "Calle 50, Ciudad de Panamá",
          "Vuelto", "Crédito", "autorización de uso previa, operación normal",
          "FE generada en ambiente de pruebas - sin valor comercial ni fiscal", "DOCUMENTO NO AUTORIZADO",
          "https://dgi-fep-test.mef.gob.pa:40001/", "Página 1 de"})
        EXPECT_TRUE(shows(text, expected)) << "missing: " << expected << "\n" << text;
    // Totals by rate: the 7 % base is the sum of the two 7 % items' dPrItem (15.00 + 18500.00).
    EXPECT_TRUE(shows(text, "ITBMS 7 %, base 18515.00")) << text;
}

TEST(InvoiceCafe, FontsAreEmbeddedSubsetsSoAccentsAndEnyePrint) {
    ISTMO_NEEDS_TOOLS("pdftotext", "pdffonts");
    TempDir dir;
    std::string xml = read_file(valid_dir() / "01-factura.xml");
    xml = replaced(xml, "<dNombRec>Cliente Contribuyente, S.A.</dNombRec>",
                   "<dNombRec>Compañía Añil Ñandú, S.A.</dNombRec>");
    const std::string pdf = cafe(xml);
    EXPECT_TRUE(shows(pdf_text(dir, pdf), "Compañía Añil Ñandú, S.A."));
    write_file(dir / "fonts.pdf", pdf);
    const CommandResult fonts = run_command("pdffonts " + shell_quote(dir / "fonts.pdf"));
    ASSERT_EQ(fonts.exit_code, 0) << fonts.output;
    // Every font line: a DejaVu subset (name prefixed ABCDEF+), embedded and subset ("yes yes").
    std::size_t lines = 0;
    const std::regex font_line("[A-Z]{6}\\+(\\S+).*\\n");
    for (std::sregex_iterator it(fonts.output.begin(), fonts.output.end(), font_line), end;
         it != end; ++it, ++lines) {
        EXPECT_NE((*it)[1].str().find("DejaVu"), std::string::npos) << fonts.output;
        EXPECT_TRUE(std::regex_search((*it)[0].str(), std::regex("yes\\s+yes"))) << fonts.output;
    }
    EXPECT_GE(lines, 2u) << fonts.output;
}

TEST(InvoiceCafe, QrDecodesExactlyAsDQRCodeOnEveryPaper) {
    ISTMO_NEEDS_TOOLS("pdftoppm", "pdfinfo", "zbarimg");
    TempDir dir;
    const std::string xml = read_file(valid_dir() / "01-factura-completa.xml");
    for (const pa::CafePaper paper : {pa::CafePaper::letter, pa::CafePaper::a4, pa::CafePaper::roll_80mm}) {
        pa::CafeOptions options;
        options.paper = paper;
        EXPECT_EQ(decoded_qr(dir, cafe(xml, options)), qr_of(xml)) << "paper " << static_cast<int>(paper);
    }
}

TEST(InvoiceCafe, EveryValidVectorRendersWithItsQr) {
    ISTMO_NEEDS_TOOLS("pdftoppm", "pdfinfo", "pdftotext", "zbarimg");
    TempDir dir;
    const auto vectors = valid_vectors();
    ASSERT_GE(vectors.size(), 10u);
    for (const fs::path& path : vectors) {
        SCOPED_TRACE(path.filename().string());
        const std::string xml = read_file(path);
        const std::string pdf = cafe(xml);
        ASSERT_EQ(pdf.rfind("%PDF-", 0), 0u);
        EXPECT_EQ(decoded_qr(dir, pdf), qr_of(xml));
        auto invoice = pa::parse(xml);
        ASSERT_TRUE(invoice.has_value());
        const std::string text = pdf_text(dir, pdf);
        EXPECT_TRUE(shows(text, std::string(invoice->get("gTot/dVTot"))));
        EXPECT_TRUE(shows(text, std::string(invoice->get("gDGen/gEmis/gRucEmi/dRuc"))));
        pa::CafeOptions html;
        html.format = pa::CafeFormat::html;
        EXPECT_NE(cafe(xml, html).find(std::string(invoice->get("dId"))), std::string::npos);
    }
}

TEST(InvoiceCafe, FiveHundredItemsContinueOnPagesWithTotalsOnTheLast) {
    ISTMO_NEEDS_TOOLS("pdftotext", "pdfinfo", "pdftoppm", "zbarimg");
    TempDir dir;
    const std::string xml = signed_invoice_with_items(500);
    for (const pa::CafePaper paper : {pa::CafePaper::letter, pa::CafePaper::a4, pa::CafePaper::roll_80mm}) {
        SCOPED_TRACE(static_cast<int>(paper));
        pa::CafeOptions options;
        options.paper = paper;
        const std::string pdf = cafe(xml, options);
        const int pages = pdf_pages(dir, pdf);
        ASSERT_GE(pages, 2);
        const std::string first = pdf_text(dir, pdf, 1, 1);
        const std::string last = pdf_text(dir, pdf, pages, pages);
        EXPECT_TRUE(shows(first, "Artículo número 1 con"));
        EXPECT_EQ(first.find("Total neto"), std::string::npos) << "totals only on the last page";
        EXPECT_TRUE(shows(last, "Total neto"));
        EXPECT_TRUE(shows(last, "Página " + std::to_string(pages) + " de " + std::to_string(pages)));
        // Every item is printed, once, in order.
        const std::string all = pdf_text(dir, pdf);
        std::size_t at = 0;
        for (int i = 1; i <= 500; ++i) {
            const std::string desc = "Artículo número " + std::to_string(i) + " con";
            const auto found = all.find(desc, at);
            ASSERT_NE(found, std::string::npos) << desc;
            at = found + desc.size();
        }
        EXPECT_EQ(decoded_qr(dir, pdf), qr_of(xml));
    }
}

TEST(InvoiceCafe, ContainerWithAuthorisationPrintsProtocolAndNoLegend) {
    ISTMO_NEEDS_TOOLS("pdftotext");
    TempDir dir;
    const std::string container = read_file(vectors_dir() / "panama-fe" / "extra" / "wrapped" / "01-factura-rContFe.xml");
    const std::string cufe = "FE0120000155596713-2-2015-5900002026112000000000010010121234567899";
    const auto protocol = [&](const std::string& declared_cufe, const std::string& code) {
        return replaced(container, "<xProtFe/>",
                        "<xProtFe><rProtFe><dVerForm>1.00</dVerForm><gInfProt><iAmb>2</iAmb><dVerApl>1.00</dVerApl>"
                        "<dCUFE>" + declared_cufe + "</dCUFE><dFecProc>2026-11-20T10:18:00-05:00</dFecProc>"
                        "<dProAut>20260000000000012345</dProAut><gResProc><dCodRes>" + code +
                        "</dCodRes><dMsgRes>Autorizado el uso de la FE</dMsgRes></gResProc></gInfProt></rProtFe></xProtFe>");
    };
    const std::string authorised = pdf_text(dir, cafe(protocol(cufe, "0260")));
    EXPECT_TRUE(shows(authorised, "Protocolo de autorización")) << authorised;
    EXPECT_TRUE(shows(authorised, "20260000000000012345"));
    EXPECT_TRUE(shows(authorised, "20/11/2026 10:18:00"));
    EXPECT_EQ(authorised.find("DOCUMENTO NO AUTORIZADO"), std::string::npos);
    // A protocol for another CUFE, or an answer other than 0260, does not authorise this one.
    const std::string other = pdf_text(dir, cafe(protocol(cufe.substr(0, 65) + "0", "0260")));
    EXPECT_TRUE(shows(other, "DOCUMENTO NO AUTORIZADO"));
    const std::string rejected = pdf_text(dir, cafe(protocol(cufe, "0100")));
    EXPECT_TRUE(shows(rejected, "DOCUMENTO NO AUTORIZADO"));
    // Without a protocol (the vector's empty xProtFe): not known to be authorised.
    EXPECT_TRUE(shows(pdf_text(dir, cafe(container)), "DOCUMENTO NO AUTORIZADO"));
}

TEST(InvoiceCafe, EnglishAndProductionEnvironment) {
    ISTMO_NEEDS_TOOLS("pdftotext");
    TempDir dir;
    const std::string xml = read_file(valid_dir() / "01-factura.xml");
    pa::CafeOptions en;
    en.language = report::Language::en;
    const std::string english = pdf_text(dir, cafe(xml, en));
    for (const char* expected : {"INTERNAL OPERATION INVOICE", "Net total", "Change", "test environment", "NOT AUTHORISED"})
        EXPECT_TRUE(shows(english, expected)) << expected << "\n" << english;
    const std::string production = pdf_text(dir, cafe(replaced(xml, "<iAmb>2</iAmb>", "<iAmb>1</iAmb>")));
    EXPECT_EQ(production.find("ambiente de pruebas"), std::string::npos);
    EXPECT_TRUE(shows(production, "https://dgi-fep.mef.gob.pa/Consultas/FacturasPorCUFE")) << production;
}

TEST(InvoiceCafe, HtmlIsSelfContainedAndEscapesTheDocument) {
    std::string xml = read_file(valid_dir() / "01-factura.xml");
    xml = replaced(xml, "<dNombEm>Istmo Pruebas, S.A.</dNombEm>",
                   "<dNombEm>&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &amp; \"q\"</dNombEm>");
    pa::CafeOptions options;
    options.format = pa::CafeFormat::html;
    const std::string html = cafe(xml, options);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("<img"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &amp; &quot;q&quot;"),
              std::string::npos);
    for (std::size_t open = html.find('<'); open != std::string::npos; open = html.find('<', open + 1)) {
        const std::string tag = html.substr(open, html.find('>', open) - open);
        EXPECT_EQ(tag.find(" src="), std::string::npos) << tag;
        EXPECT_EQ(tag.find(" href="), std::string::npos) << tag;
    }
    EXPECT_EQ(html.find("<link"), std::string::npos);
    EXPECT_EQ(html.find("url("), std::string::npos);
    EXPECT_NE(html.find("<svg"), std::string::npos);
    EXPECT_NE(html.find("FACTURA DE OPERACIÓN INTERNA"), std::string::npos);
}

TEST(InvoiceCafe, RefusesWhatIsNotASignedInvoice) {
    const std::string signed_xml = read_file(valid_dir() / "01-factura.xml");
    auto unsigned_invoice = pa::strip_no_firm(signed_xml);
    ASSERT_TRUE(unsigned_invoice.has_value());
    auto no_qr = pa::render_cafe(*unsigned_invoice);
    ASSERT_FALSE(no_qr.has_value());
    EXPECT_EQ(no_qr.error().code, Errc::invalid_argument);
    EXPECT_NE(no_qr.error().message.find("dQRCode"), std::string::npos);
    EXPECT_FALSE(pa::render_cafe("not xml").has_value());
    EXPECT_FALSE(pa::render_cafe("<other/>").has_value());
    // A dQRCode longer than a QR code holds is a typed error, not a crash.
    std::string huge = signed_xml;
    huge.replace(huge.find("<dQRCode>") + 9, 0, std::string(3000, 'A'));
    auto too_long = pa::render_cafe(huge);
    ASSERT_FALSE(too_long.has_value());
    EXPECT_EQ(too_long.error().code, Errc::limit_exceeded);
}

TEST(InvoiceCafe, CliWritesPdfAndHtml) {
    ISTMO_SKIP_WITHOUT_CLI();
    TempDir dir;
    const fs::path in = valid_dir() / "01-factura.xml";
    CommandResult r = run_cli("invoice cafe --paper a4 -o " + shell_quote(dir / "c.pdf") + " " + shell_quote(in));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(read_file(dir / "c.pdf").rfind("%PDF-", 0), 0u);
    r = run_cli("invoice cafe --lang en -o " + shell_quote(dir / "c.html") + " " + shell_quote(in));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(read_file(dir / "c.html").find("INTERNAL OPERATION INVOICE"), std::string::npos);
    r = run_cli("invoice cafe --paper a5 " + shell_quote(in));
    EXPECT_EQ(r.exit_code, 64) << r.output;
    r = run_cli("invoice cafe " + shell_quote(dir / "missing.xml"));
    EXPECT_EQ(r.exit_code, 66) << r.output;
}

}  // namespace
}  // namespace istmo::test
