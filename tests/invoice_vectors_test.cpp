// Panama FE test vectors (test-vectors/panama-fe/): the generator (valid invoices from json/,
// invalid ones each breaking one rule), the data-driven check driven by the README, and the
// agreement of the structure check with xmllint on the DGI schema (libxml2 profile).
//
// The vectors are regenerated in memory on every run and must equal the files (the generation is
// deterministic: RSA PKCS#1 v1.5 signatures, fixed QR secret). ISTMO_REGENERATE_PANAMA_VECTORS=1
// writes them (and the README) instead.
#include <istmo/invoice/panama.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace istmo;
using namespace istmo::invoice::panama;
namespace fs = std::filesystem;

const char* const k_qr_secret = "istmo-test-qr-secret";

fs::path dir() { return test::vectors_dir() / "panama-fe"; }

struct Valid {
    const char* json;  // json/<name>.json -> valid/<name>.xml
    const char* what;
};
const Valid k_valid[] = {
    {"01-factura", "iDoc 01 internal-operation invoice, taxpayer receiver, two items (7 % and 10 % ITBMS), change"},
    {"01-factura-completa", "iDoc 01 with every optional group: gAutXML, GTIN, ISC, OTI, vehicle, medicine, orders, discounts, "
                            "withholding, instalments, gPedComGl, gInfoLog, gLcEntr"},
    {"02-importacion", "iDoc 02 import invoice"},
    {"03-exportacion", "iDoc 03 export invoice, foreign receiver (gIdExt), gFExp, 0 % ITBMS"},
    {"04-nota-credito-fe", "iDoc 04 credit note referring to an FE by CUFE"},
    {"05-nota-debito-fe", "iDoc 05 debit note referring to an FE by CUFE"},
    {"06-nota-credito-generica", "iDoc 06 generic credit note referring to a paper invoice"},
    {"07-nota-debito-generica", "iDoc 07 generic debit note referring to a fiscal-printer invoice (gDFRefFacIE)"},
    {"08-zona-franca-contingencia", "iDoc 08 free-zone invoice issued in contingency (iTpEmis 02)"},
    {"09-reembolso-gobierno", "iDoc 09 reimbursement to a government receiver with CPBS codes, payment form 99"},
};

enum class Stage { before_sign, after_sign, unsigned_doc, no_qr };

struct Invalid {
    const char* name;
    const char* source;  // a valid vector name
    const char* from;    // replaced once (empty: whole-document operation, see make_invalid)
    const char* to;
    const char* code;    // expected finding
    const char* what;
    Stage stage = Stage::before_sign;
};

const Invalid k_invalid[] = {
    {"x01-dverform-missing", "01-factura", "<dVerForm>1.00</dVerForm>", "", "FE-XSD-MISSING", "dVerForm (A02) removed"},
    {"x02-dnrodf-zero", "01-factura", "<dNroDF>0000000001</dNroDF>", "<dNroDF>0000000000</dNroDF>", "FE-XSD-VALUE", "dNroDF (B07) all zeros"},
    {"x03-dptofacdf-zero", "01-factura", "<dPtoFacDF>001</dPtoFacDF>", "<dPtoFacDF>000</dPtoFacDF>", "FE-XSD-VALUE", "dPtoFacDF (B08) 000"},
    {"x04-dseg-zero", "01-factura", "<dSeg>123456789</dSeg>", "<dSeg>000000000</dSeg>", "FE-XSD-VALUE", "dSeg (B09) all zeros"},
    {"x05-dnrodf-short", "01-factura", "<dNroDF>0000000001</dNroDF>", "<dNroDF>000000001</dNroDF>", "FE-XSD-VALUE", "dNroDF with 9 digits"},
    {"x06-iamb-3", "01-factura", "<iAmb>2</iAmb>", "<iAmb>3</iAmb>", "FE-XSD-ENUM", "iAmb 3 is not a code"},
    {"x07-itpemis-05", "01-factura", "<iTpEmis>01</iTpEmis>", "<iTpEmis>05</iTpEmis>", "FE-XSD-ENUM", "iTpEmis 05 is not a code"},
    {"x08-idoc-10", "01-factura", "<iDoc>01</iDoc>", "<iDoc>10</iDoc>", "FE-XSD-ENUM", "iDoc 10 is not a code"},
    {"x09-inatop-03", "01-factura", "<iNatOp>01</iNatOp>", "<iNatOp>03</iNatOp>", "FE-XSD-ENUM", "iNatOp 03 is not a code"},
    {"x10-fechaem-no-offset", "01-factura", "<dFechaEm>2026-11-20T10:15:00-05:00</dFechaEm>", "<dFechaEm>2026-11-20T10:15:00</dFechaEm>",
     "FE-XSD-VALUE", "dFechaEm (B10) without UTC offset"},
    {"x11-fechaem-fraction", "01-factura", "<dFechaEm>2026-11-20T10:15:00-05:00</dFechaEm>",
     "<dFechaEm>2026-11-20T10:15:00.5-05:00</dFechaEm>", "FE-XSD-VALUE", "dFechaEm with a fraction of a second"},
    {"x12-fechaem-feb-30", "01-factura", "<dFechaEm>2026-11-20T10:15:00-05:00</dFechaEm>", "<dFechaEm>2026-02-30T10:15:00-05:00</dFechaEm>",
     "FE-XSD-VALUE", "dFechaEm on 30 February"},
    {"x13-dsucem-dash", "01-factura", "<dSucEm>0000</dSucEm>", "<dSucEm>00-1</dSucEm>", "FE-XSD-VALUE", "dSucEm (B303) with a dash"},
    {"x14-dcoordem-positive-lon", "01-factura", "<dCoordEm>+8.9824,-79.5199</dCoordEm>", "<dCoordEm>+8.9824,79.5199</dCoordEm>",
     "FE-XSD-VALUE", "dCoordEm (B304) with a positive longitude"},
    {"x15-dcodubi-unknown", "01-factura", "<dCodUbi>8-8-7</dCodUbi>", "<dCodUbi>99-9-9</dCodUbi>", "FE-XSD-CATALOG", "dCodUbi not in the location catalogue"},
    {"x16-cpaisrec-pan", "01-factura", "<cPaisRec>PA</cPaisRec>", "<cPaisRec>PAN</cPaisRec>", "FE-XSD-CATALOG", "cPaisRec PAN (alpha-3) instead of PA"},
    {"x17-dtfnem-no-dash", "01-factura", "<dTfnEm>300-9200</dTfnEm>", "<dTfnEm>3009200</dTfnEm>", "FE-XSD-VALUE", "dTfnEm (B309) without the dash"},
    {"x18-email-invalid", "01-factura", "<dCorElectEmi>facturas@istmo.example</dCorElectEmi>", "<dCorElectEmi>no-es-correo</dCorElectEmi>",
     "FE-XSD-VALUE", "dCorElectEmi (B310) is not an e-mail address"},
    {"x19-druc-letters", "01-factura", "<dRuc>2679372-1-844914</dRuc>", "<dRuc>ABCDEFG</dRuc>", "FE-XSD-VALUE", "receiver dRuc with no RUC form"},
    {"x20-ddv-one-digit", "01-factura", "<dDV>73</dDV>", "<dDV>7</dDV>", "FE-XSD-VALUE", "receiver dDV with one digit"},
    {"x21-dnombem-too-long", "01-factura", "<dNombEm>Istmo Pruebas, S.A.</dNombEm>",
     "<dNombEm>Istmo Pruebas, S.A. con un nombre comercial tan largo que supera el máximo de cien caracteres del esquema DGI v1</dNombEm>",
     "FE-XSD-VALUE", "dNombEm (B302) longer than 100 characters"},
    {"x22-dnombrec-too-short", "01-factura", "<dNombRec>Cliente Contribuyente, S.A.</dNombRec>", "<dNombRec>C</dNombRec>", "FE-XSD-VALUE",
     "dNombRec (B403) shorter than 2 characters"},
    {"x23-ddescprod-too-short", "01-factura", "<dDescProd>Licor importado</dDescProd>", "<dDescProd>L</dDescProd>", "FE-XSD-VALUE",
     "dDescProd (C03) shorter than 2 characters"},
    {"x24-dprunit-no-decimals", "01-factura", "<dPrUnit>100.00</dPrUnit>", "<dPrUnit>100</dPrUnit>", "FE-XSD-VALUE",
     "dPrUnit (C201) without decimals (montoTipo06 needs 2-6)"},
    {"x25-dprunit-7-decimals", "01-factura", "<dPrUnit>12.333333</dPrUnit>", "<dPrUnit>12.3333333</dPrUnit>", "FE-XSD-VALUE",
     "dPrUnit with 7 decimals"},
    {"x26-dtotneto-1-decimal", "01-factura", "<dTotNeto>300.83</dTotNeto>", "<dTotNeto>300.8</dTotNeto>", "FE-XSD-VALUE",
     "dTotNeto (D02) with 1 decimal (montoTipo01 needs exactly 2)"},
    {"x27-dcantcodint-negative", "01-factura", "<dCantCodInt>3</dCantCodInt>", "<dCantCodInt>-3</dCantCodInt>", "FE-XSD-VALUE",
     "dCantCodInt (C06) negative"},
    {"x28-dtasaitbms-04", "01-factura", "<dTasaITBMS>02</dTasaITBMS>", "<dTasaITBMS>04</dTasaITBMS>", "FE-XSD-ENUM", "dTasaITBMS 04 is not a rate code"},
    {"x29-cunidad-unknown", "01-factura", "<cUnidad>und</cUnidad>", "<cUnidad>xyz</cUnidad>", "FE-XSD-CATALOG", "cUnidad not in the unit catalogue"},
    {"x30-cpbs-unknown", "01-factura-completa", "<dCodCPBScmp>5020</dCodCPBScmp>", "<dCodCPBScmp>9999</dCodCPBScmp>", "FE-XSD-CATALOG",
     "dCodCPBScmp not in the CPBS catalogue"},
    {"x31-iformapago-10", "01-factura", "<iFormaPago>02</iFormaPago>", "<iFormaPago>10</iFormaPago>", "FE-XSD-ENUM", "iFormaPago 10 is not a code"},
    {"x32-ipzpag-4", "01-factura", "<iPzPag>1</iPzPag>", "<iPzPag>4</iPzPag>", "FE-XSD-ENUM", "iPzPag 4 is not a code"},
    {"x33-order-swapped", "01-factura", "<dNroDF>0000000001</dNroDF>\n    <dPtoFacDF>001</dPtoFacDF>",
     "<dPtoFacDF>001</dPtoFacDF>\n    <dNroDF>0000000001</dNroDF>", "FE-XSD-ORDER", "dPtoFacDF before dNroDF"},
    {"x34-unknown-element", "01-factura", "<iProGen>1</iProGen>", "<iProGen>1</iProGen><dFoo>1</dFoo>", "FE-XSD-UNEXPECTED",
     "an element that rFE 1.00 does not define"},
    {"x35-gitbmsitem-missing", "01-factura", "<gITBMSItem>\n      <dTasaITBMS>02</dTasaITBMS>\n      <dValITBMS>3.08</dValITBMS>\n    </gITBMSItem>",
     "", "FE-XSD-MISSING", "gITBMSItem (C40) removed from an item"},
    {"x36-gformapago-missing", "01-factura", "<gFormaPago>\n      <iFormaPago>02</iFormaPago>\n      <dVlrCuota>350.00</dVlrCuota>\n    </gFormaPago>",
     "", "FE-XSD-MISSING", "gFormaPago (D30) removed"},
    {"x37-dtfnem-four-times", "01-factura", "<dTfnEm>300-9200</dTfnEm>",
     "<dTfnEm>300-9200</dTfnEm><dTfnEm>300-9201</dTfnEm><dTfnEm>300-9202</dTfnEm><dTfnEm>300-9203</dTfnEm>", "FE-XSD-OCCURS",
     "dTfnEm four times (max 3)"},
    {"x38-dfrefnum-two-choices", "04-nota-credito-fe", "</gDFRefFE>", "</gDFRefFE><gDFRefFacPap><dNroFacPap>A-1</dNroFacPap></gDFRefFacPap>",
     "FE-XSD-CHOICE", "gDFRefNum with both gDFRefFE and gDFRefFacPap"},
    {"x39-gtot-foreign-namespace", "01-factura", "<gTot>", "<gTot xmlns=\"urn:other\">", "FE-XSD-UNEXPECTED", "an element in another namespace"},
    {"x40-signature-missing", "01-factura", "", "", "FE-XSD-MISSING", "unsigned: ds:Signature (ZZ01) and gNoFirm missing", Stage::unsigned_doc},
    {"x41-gnofirm-missing", "01-factura", "", "", "FE-XSD-MISSING", "signed without the QR: gNoFirm (G10) missing", Stage::no_qr},
    {"x42-dqrcode-too-short", "01-factura", "re:<dQRCode>[^<]*</dQRCode>", "<dQRCode>https://dgi-fep.mef.gob.pa/Consultas/FacturasPorQR?chFE=FE01</dQRCode>", "FE-XSD-VALUE",
     "dQRCode (G101) shorter than 100 characters", Stage::after_sign},
    {"x43-gtin-3-digits", "01-factura-completa", "<dGTINCom>7501234567893</dGTINCom>", "<dGTINCom>123</dGTINCom>", "FE-XSD-VALUE",
     "dGTINCom (C301) with 3 digits"},
    {"x44-dchasi-16", "01-factura-completa", "<dChasi>1HGCM82633A004352</dChasi>", "<dChasi>1HGCM82633A00435</dChasi>", "FE-XSD-VALUE",
     "dChasi (E052) with 16 characters"},
    {"x45-dmotcont-short", "08-zona-franca-contingencia", "<dMotCont>Falla de conexión con el PAC desde las 9:00</dMotCont>",
     "<dMotCont>Falla</dMotCont>", "FE-XSD-VALUE", "dMotCont (B05) shorter than 15 characters"},
    {"x46-dverform-2", "01-factura", "<dVerForm>1.00</dVerForm>", "<dVerForm>2.00</dVerForm>", "FE-VERFORM", "dVerForm 2.00"},
    {"x47-cufe-mismatch", "01-factura", "<dSeg>123456789</dSeg>", "<dSeg>123456780</dSeg>", "FE-CUFE-MISMATCH", "dSeg changed: dId is not the CUFE"},
    {"x48-cufe-check-digit", "01-factura", "2026112000000000010010121234567899</dId>", "2026112000000000010010121234567898</dId>",
     "FE-CUFE-CHECK-DIGIT", "dId with a wrong check digit"},
    {"x49-issuer-dv", "01-factura", "<dDV>59</dDV>", "<dDV>58</dDV>", "FE-RUC-DV", "issuer dDV 58 for RUC 155596713-2-2015 (59)"},
    {"x50-receiver-dv", "01-factura", "<dDV>73</dDV>", "<dDV>74</dDV>", "FE-RUC-DV", "receiver dDV 74 for RUC 2679372-1-844914 (73)"},
    {"x51-dpritem", "01-factura", "<dPrItem>270.00</dPrItem>", "<dPrItem>270.01</dPrItem>", "FE-CALC-PRITEM", "dPrItem ≠ dCantCodInt × (dPrUnit − dPrUnitDesc)"},
    {"x52-dvalitbms", "01-factura", "<dValITBMS>18.90</dValITBMS>", "<dValITBMS>18.91</dValITBMS>", "FE-CALC-ITBMS", "dValITBMS ≠ 7 % × dPrItem"},
    {"x53-dvaltotitem", "01-factura", "<dValTotItem>288.90</dValTotItem>", "<dValTotItem>288.91</dValTotItem>", "FE-CALC-TOTITEM",
     "dValTotItem ≠ price + taxes"},
    {"x54-dtotneto", "01-factura", "<dTotNeto>300.83</dTotNeto>", "<dTotNeto>300.84</dTotNeto>", "FE-CALC-TOTNETO", "dTotNeto ≠ Σ dPrItem"},
    {"x55-dtotitbms", "01-factura", "<dTotITBMS>21.98</dTotITBMS>", "<dTotITBMS>21.99</dTotITBMS>", "FE-CALC-TOTITBMS", "dTotITBMS ≠ Σ dValITBMS"},
    {"x56-dtotgravado", "01-factura", "<dTotGravado>21.98</dTotGravado>", "<dTotGravado>300.83</dTotGravado>", "FE-CALC-TOTGRAVADO",
     "dTotGravado as the taxable base instead of the sum of taxes"},
    {"x57-dvtot", "01-factura", "<dVTot>327.81</dVTot>", "<dVTot>327.80</dVTot>", "FE-CALC-VTOT", "dVTot one cent off"},
    {"x58-dvtotitems", "01-factura", "<dVTotItems>327.81</dVTotItems>", "<dVTotItems>327.82</dVTotItems>", "FE-CALC-VTOTITEMS",
     "dVTotItems ≠ Σ dValTotItem"},
    {"x59-dtotrec", "01-factura", "<dTotRec>350.00</dTotRec>", "<dTotRec>351.00</dTotRec>", "FE-CALC-TOTREC", "dTotRec ≠ Σ dVlrCuota"},
    {"x60-dvuelto", "01-factura", "<dVuelto>22.19</dVuelto>", "<dVuelto>22.20</dVuelto>", "FE-CALC-VUELTO", "dVuelto ≠ dTotRec − dVTot"},
    {"x61-dnroitems", "01-factura", "<dNroItems>2</dNroItems>", "<dNroItems>3</dNroItems>", "FE-CALC-NROITEMS", "dNroItems 3 for 2 items"},
    {"x62-dsecitem", "01-factura", "<dSecItem>2</dSecItem>", "<dSecItem>3</dSecItem>", "FE-SECITEM", "items numbered 1, 3"},
    {"x63-contingency-fields", "01-factura", "<iTpEmis>01</iTpEmis>", "<iTpEmis>02</iTpEmis>", "FE-CONT-REQUIRED",
     "iTpEmis 02 without dFechaCont and dMotCont"},
    {"x64-note-without-reference", "01-factura", "<iDoc>01</iDoc>", "<iDoc>04</iDoc>", "FE-REF-REQUIRED", "iDoc 04 without gDFRef"},
    {"x65-note-paper-reference", "04-nota-credito-fe", "re:<gDFRefFE>[\\s\\S]*?</gDFRefFE>",
     "<gDFRefFacPap><dNroFacPap>A-1</dNroFacPap></gDFRefFacPap>", "FE-REF-FE-REQUIRED", "iDoc 04 referring to a paper invoice"},
    {"x66-export-without-gfexp", "01-factura", "<iDoc>01</iDoc>", "<iDoc>03</iDoc>", "FE-EXPORT-REQUIRED", "iDoc 03 without gFExp"},
    {"x67-legal-ruc-final-consumer", "01-factura", "<iTipoRec>01</iTipoRec>", "<iTipoRec>02</iTipoRec>", "FE-REC-RUC-TYPE",
     "legal-person RUC as final consumer (02)"},
    {"x68-taxpayer-without-ruc", "01-factura",
     "<gRucRec>\n        <dTipoRuc>2</dTipoRuc>\n        <dRuc>2679372-1-844914</dRuc>\n        <dDV>73</dDV>\n      </gRucRec>", "",
     "FE-REC-RUC-REQUIRED", "taxpayer receiver (01) without gRucRec"},
    {"x69-foreign-without-gidext", "03-exportacion", "re:<gIdExt>[\\s\\S]*?</gIdExt>", "", "FE-REC-FOREIGN", "foreign receiver (04) without gIdExt"},
    {"x70-idest-1-not-pa", "01-factura", "<cPaisRec>PA</cPaisRec>", "<cPaisRec>US</cPaisRec>", "FE-DEST-PAIS", "iDest 1 with cPaisRec US"},
    {"x71-government-without-cpbs", "09-reembolso-gobierno", "<dCodCPBScmp>8010</dCodCPBScmp>", "", "FE-GOV-CPBS",
     "government receiver (03) with an item without dCodCPBScmp"},
    {"x72-freight-twice", "01-factura", "<dTotGravado>21.98</dTotGravado>", "<dTotGravado>21.98</dTotGravado><dTotAcar>5.00</dTotAcar>",
     "FE-FREIGHT-TWICE", "freight per item and in dTotAcar"},
    {"x73-plazo-without-instalments", "01-factura", "<iPzPag>1</iPzPag>", "<iPzPag>2</iPzPag>", "FE-PLAZO-REQUIRED",
     "iPzPag 2 without gPagPlazo"},
    {"x74-formapago-99-without-desc", "01-factura", "<iFormaPago>02</iFormaPago>", "<iFormaPago>99</iFormaPago>", "FE-FORMAPAGO-DESC",
     "iFormaPago 99 without dFormaPagoDesc"},
    {"x75-signed-content-changed", "01-factura", "<dNombEm>Istmo Pruebas, S.A.</dNombEm>", "<dNombEm>Istmo Pruebas, S.A..</dNombEm>",
     "FE-SIG-INVALID", "signed field changed after signing", Stage::after_sign},
    {"x76-qr-digest", "01-factura", "&amp;digestValue=", "&amp;digestValue=X", "FE-QR-DIGEST", "QR digestValue ≠ signature DigestValue",
     Stage::after_sign},
    {"x77-qr-chfe", "01-factura", "chFE=FE01", "chFE=FE02", "FE-QR-CUFE", "QR chFE ≠ dId", Stage::after_sign},
    {"x78-unit-discount-above-price", "01-factura", "<dPrUnitDesc>10.00</dPrUnitDesc>", "<dPrUnitDesc>110.00</dPrUnitDesc>",
     "FE-ITEM-DISCOUNT", "dPrUnitDesc above dPrUnit"},
    {"x79-otitotal", "01-factura-completa", "<dValOTITotal>0.10</dValOTITotal>", "<dValOTITotal>0.11</dValOTITotal>", "FE-CALC-OTITOTAL",
     "gOTITotal ≠ Σ item OTI"},
    {"x80-dtotisc", "01-factura-completa", "<dTotISC>0.75</dTotISC>", "<dTotISC>0.76</dTotISC>", "FE-CALC-TOTISC", "dTotISC ≠ Σ dValISC"},
    {"x81-not-well-formed", "01-factura", "</rFE>", "</rFX>", "FE-XML-MALFORMED", "not well-formed XML", Stage::after_sign},
    {"x82-wrong-root", "01-factura", "xmlns=\"http://dgi-fep.mef.gob.pa\"", "xmlns=\"urn:not-dgi\"", "FE-XSD-ROOT",
     "rFE outside the DGI namespace", Stage::after_sign},
    {"x83-cuferef-check-digit", "04-nota-credito-fe", "1234567899</dCUFERef>", "1234567898</dCUFERef>", "FE-CUFE-REF-CHECK-DIGIT",
     "dCUFERef (B606) with a wrong check digit"},
};

Result<dsig::Signer> vector_signer() {
    auto key = crypto::PrivateKey::from_file((test::vectors_dir() / "pki" / "rsa2048.key.pem").string());
    auto cert = crypto::Certificate::from_file((test::vectors_dir() / "pki" / "rsa2048.cert.pem").string());
    if (!key) return std::move(key).error();
    if (!cert) return std::move(cert).error();
    return make_signer(std::move(*key), std::move(*cert));
}

std::string unsigned_xml(const std::string& name) {
    auto inv = from_json(test::read_file(dir() / "json" / (name + ".json")));
    EXPECT_TRUE(inv.has_value()) << name << ": " << (inv ? "" : inv.error().to_string());
    return inv ? to_xml(*inv) : std::string();
}

std::string signed_xml(const dsig::Signer& signer, const std::string& xml, bool qr_code) {
    QrOptions qr;
    if (qr_code) qr.secret = crypto::Secret(k_qr_secret);
    auto s = sign(signer, xml, qr);
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().to_string());
    return s ? *s : std::string();
}

// Replaces the first occurrence of `from`; "re:PATTERN" is an ECMAScript regular expression.
bool replace_once(std::string& s, const std::string& from, const std::string& to) {
    if (from.rfind("re:", 0) == 0) {
        const std::regex re(from.substr(3));
        std::smatch m;
        if (!std::regex_search(s, m, re)) return false;
        s.replace(static_cast<std::size_t>(m.position(0)), static_cast<std::size_t>(m.length(0)), to);
        return true;
    }
    const auto pos = s.find(from);
    if (pos == std::string::npos) return false;
    s.replace(pos, from.size(), to);
    return true;
}

// name -> content of every vector, and the README.
std::map<std::string, std::string> generate(std::string& readme) {
    std::map<std::string, std::string> out;
    auto signer = vector_signer();
    EXPECT_TRUE(signer.has_value());
    if (!signer) return out;
    readme =
        "# Panama FE (rFE 1.00) test vectors\n\n"
        "Generated by `tests/invoice_vectors_test.cpp` (set `ISTMO_REGENERATE_PANAMA_VECTORS=1` to rewrite them) from the\n"
        "JSON sources in `json/`: signed with `test-vectors/pki/rsa2048` (profile panama-fe), QR secret\n"
        "`istmo-test-qr-secret`. Validate with the anchors in `test-vectors/pki/chain.pem`. Each invalid file breaks one\n"
        "rule of a valid one (changing a CUFE field also changes the CUFE, so FE-CUFE-MISMATCH may come along); it is\n"
        "re-signed after the change unless the line says otherwise. One line per file: path — what — expected result\n"
        "(TOTAL_PASSED, or the finding code that must be reported). The data-driven test reads these lines.\n\n"
        "## Valid\n\n";
    std::map<std::string, std::string> unsigned_by_name;
    for (const auto& v : k_valid) {
        const std::string xml = unsigned_xml(v.json);
        unsigned_by_name[v.json] = xml;
        out[std::string("valid/") + v.json + ".xml"] = signed_xml(*signer, xml, true);
        readme += std::string("- `valid/") + v.json + ".xml` — " + v.what + " — expect TOTAL_PASSED\n";
    }
    readme += "\n## Invalid\n\n";
    for (const auto& x : k_invalid) {
        std::string xml = unsigned_by_name[x.source];
        std::string result;
        switch (x.stage) {
            case Stage::before_sign:
                EXPECT_TRUE(replace_once(xml, x.from, x.to)) << x.name;
                result = signed_xml(*signer, xml, true);
                break;
            case Stage::after_sign:
                result = signed_xml(*signer, xml, true);
                EXPECT_TRUE(replace_once(result, x.from, x.to)) << x.name;
                break;
            case Stage::unsigned_doc: result = xml; break;
            case Stage::no_qr: result = signed_xml(*signer, xml, false); break;
        }
        out[std::string("invalid/") + x.name + ".xml"] = result;
        readme += std::string("- `invalid/") + x.name + ".xml` — " + x.what + " (from " + x.source + ") — expect " + x.code + "\n";
    }
    return out;
}

TEST(InvoiceVectors, FilesAreWhatTheGeneratorProduces) {
    std::string readme;
    const auto vectors = generate(readme);
    ASSERT_GE(vectors.size(), 70u);
    const char* env = std::getenv("ISTMO_REGENERATE_PANAMA_VECTORS");
    if (env && std::string(env) == "1") {
        fs::create_directories(dir() / "valid");
        fs::create_directories(dir() / "invalid");
        for (const auto& [name, content] : vectors) test::write_file(dir() / name, content);
        test::write_file(dir() / "README.md", readme);
    }
    EXPECT_EQ(test::read_file(dir() / "README.md"), readme);
    for (const auto& [name, content] : vectors) {
        ASSERT_TRUE(fs::exists(dir() / name)) << name << " (run with ISTMO_REGENERATE_PANAMA_VECTORS=1)";
        EXPECT_EQ(test::read_file(dir() / name), content) << name;
    }
}

struct ReadmeLine {
    std::string path;
    std::string expect;
};

std::vector<ReadmeLine> readme_lines() {
    std::vector<ReadmeLine> lines;
    std::istringstream in(test::read_file(dir() / "README.md"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("- `", 0) != 0) continue;
        const auto end = line.find('`', 3);
        const auto expect = line.rfind(" — expect ");
        if (end == std::string::npos || expect == std::string::npos) continue;
        lines.push_back({line.substr(3, end - 3), line.substr(expect + std::string(" — expect ").size())});
    }
    return lines;
}

ValidateOptions vector_options() {
    ValidateOptions o;
    crypto::TrustStore trust;
    EXPECT_TRUE(trust.add_file((test::vectors_dir() / "pki" / "chain.pem").string()).has_value());
    o.verify.trust = trust;
    return o;
}

TEST(InvoiceVectors, EveryVectorGivesItsExpectedResult) {
    const auto lines = readme_lines();
    ASSERT_GE(lines.size(), 70u);
    std::size_t valid = 0, invalid = 0;
    const auto options = vector_options();
    for (const auto& l : lines) {
        auto r = validate(test::read_file(dir() / l.path), options);
        ASSERT_TRUE(r.has_value()) << l.path;
        if (l.expect == "TOTAL_PASSED") {
            ++valid;
            EXPECT_EQ(r->indication, report::Indication::total_passed) << l.path << "\n" << r->to_json();
            EXPECT_TRUE(r->findings.empty()) << l.path << "\n" << r->to_json();
        } else {
            ++invalid;
            EXPECT_TRUE(r->has(l.expect)) << l.path << " expected " << l.expect << "\n" << r->to_json();
            const bool warning_only = [&] {
                for (const auto& f : r->findings)
                    if (f.severity == report::Severity::error) return false;
                return true;
            }();
            EXPECT_FALSE(warning_only) << l.path;
            EXPECT_EQ(r->indication, report::Indication::total_failed) << l.path;
        }
    }
    EXPECT_GE(valid, 10u);
    EXPECT_GE(invalid, 60u);
}

TEST(InvoiceVectors, StructureAgreesWithXmllint) {
    const auto ref = test::shared_reference_dir();
    const fs::path xsd = ref ? *ref / "panama-fe" / "xsd-libxml2" / "FE_v1.00.xsd" : fs::path();
    if (!ref || !fs::exists(xsd)) GTEST_SKIP() << "../shared/reference/panama-fe/xsd-libxml2 absent: the xmllint agreement test did not run";
    if (!test::have_tool("xmllint")) GTEST_SKIP() << "xmllint not installed: the xmllint agreement test did not run";
    const auto options = vector_options();
    std::size_t compared = 0;
    for (const auto& l : readme_lines()) {
        const fs::path file = dir() / l.path;
        auto r = validate(test::read_file(file), options);
        ASSERT_TRUE(r.has_value());
        bool ours = true;
        for (const auto& f : r->findings)
            if (f.severity == report::Severity::error &&
                (f.code.rfind("FE-XSD-", 0) == 0 || f.code.rfind("FE-XML-", 0) == 0))
                ours = false;
        const auto x = test::run_command("xmllint --noout --nonet --schema '" + xsd.string() + "' '" + file.string() + "'");
        const bool theirs = x.exit_code == 0;
        EXPECT_EQ(ours, theirs) << l.path << "\nxmllint: " << x.output << "\nistmo: " << r->to_json();
        ++compared;
    }
    EXPECT_GE(compared, 70u);
}

}  // namespace
