// Panama FE: generation round trip, validation of good and broken invoices, the panama-fe
// signing profile (with xmlsec1 interop) and the QR/JWT.
#include <istmo/invoice/panama.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace istmo;
using namespace istmo::invoice;
using namespace istmo::invoice::panama;

std::string sample_json() { return test::read_file(test::vectors_dir() / "panama-fe" / "json" / "01-factura.json"); }

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
    const auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) s.replace(pos, from.size(), to);
    return s;
}

crypto::TrustStore test_trust() {
    // The profile puts only the signer certificate in KeyInfo, so the intermediate CA is given
    // with the anchors (as CA PANAMA CLASE 2 would be).
    crypto::TrustStore t;
    EXPECT_TRUE(t.add_file((test::vectors_dir() / "pki" / "chain.pem").string()).has_value());
    return t;
}

Result<dsig::Signer> test_signer(const std::string& name = "rsa2048") {
    auto key = crypto::PrivateKey::from_file((test::vectors_dir() / "pki" / (name + ".key.pem")).string());
    auto cert = crypto::Certificate::from_file((test::vectors_dir() / "pki" / (name + ".cert.pem")).string());
    if (!key) return std::move(key).error();
    if (!cert) return std::move(cert).error();
    return make_signer(std::move(*key), std::move(*cert));
}

ValidateOptions with_trust() {
    ValidateOptions o;
    o.verify.trust = test_trust();
    return o;
}

TEST(InvoiceGeneration, JsonToXmlToModelToXmlIsByteIdentical) {
    auto inv = from_json(sample_json());
    ASSERT_TRUE(inv.has_value()) << inv.error().to_string();
    const std::string xml = to_xml(*inv);
    auto parsed = parse(xml);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().to_string();
    EXPECT_EQ(to_xml(*parsed), xml);
    EXPECT_EQ(parsed->get("dId"), "FE0120000155596713-2-2015-5900002026112000000000010010121234567899");
    EXPECT_TRUE(cufe_check_digit_valid(parsed->get("dId")));
    // Derived amounts with exact decimals.
    EXPECT_EQ(parsed->get("gTot/dTotNeto"), "300.83");
    EXPECT_EQ(parsed->get("gTot/dTotITBMS"), "21.98");
    EXPECT_EQ(parsed->get("gTot/dVTot"), "327.81");
    EXPECT_EQ(parsed->get("gTot/dVuelto"), "22.19");
    // Line numbers are kept.
    EXPECT_GT(parsed->root.find("gTot/dVTot")->line, 1);
}

TEST(InvoiceGeneration, EveryJsonSourceRoundTripsByteIdentical) {
    std::size_t n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(test::vectors_dir() / "panama-fe" / "json")) {
        auto inv = from_json(test::read_file(entry.path()));
        ASSERT_TRUE(inv.has_value()) << entry.path() << ": " << inv.error().to_string();
        const std::string xml = to_xml(*inv);
        auto parsed = parse(xml);
        ASSERT_TRUE(parsed.has_value()) << entry.path();
        EXPECT_EQ(to_xml(*parsed), xml) << entry.path();
        const auto report = validate(*parsed);
        EXPECT_TRUE(report.findings.empty()) << entry.path() << "\n" << report.to_json();
        ++n;
    }
    EXPECT_GE(n, 10u);
}

TEST(InvoiceGeneration, ModelValidatesWithoutFindings) {
    auto inv = from_json(sample_json());
    ASSERT_TRUE(inv.has_value());
    const auto report = validate(*inv);
    EXPECT_EQ(report.indication, report::Indication::total_passed) << report.to_json();
    EXPECT_TRUE(report.findings.empty()) << report.to_json();
}

TEST(InvoiceGeneration, GivenDerivedValuesAreCheckedAndNamed) {
    auto bad = from_json(replace_once(sample_json(), "\"iPzPag\": 1,", "\"iPzPag\": 1, \"dVTot\": \"327.80\","));
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().message.find("gTot/dVTot"), std::string::npos) << bad.error().message;
    EXPECT_NE(bad.error().message.find("327.81"), std::string::npos);
    auto good = from_json(replace_once(sample_json(), "\"iPzPag\": 1,", "\"iPzPag\": 1, \"dVTot\": 327.81,"));
    EXPECT_TRUE(good.has_value());
    auto unknown = from_json(replace_once(sample_json(), "\"iPzPag\": 1,", "\"iPzPag\": 1, \"dTotal\": 1,"));
    ASSERT_FALSE(unknown.has_value());
    EXPECT_NE(unknown.error().message.find("rFE/gTot/dTotal"), std::string::npos) << unknown.error().message;
    EXPECT_GT(unknown.error().line, 0);
    auto rounding = from_json(replace_once(sample_json(), "\"dVlrCuota\": \"350.00\"", "\"dVlrCuota\": \"350.001\""));
    ASSERT_FALSE(rounding.has_value());
    EXPECT_NE(rounding.error().message.find("dVlrCuota"), std::string::npos);
}

TEST(InvoiceGeneration, BuilderApi) {
    Invoice inv;
    auto from = from_json(sample_json());
    ASSERT_TRUE(from.has_value());
    // Copy the general data, then build items and totals through the typed API.
    inv.root.children.push_back(*from->root.child("gDGen"));
    ItemInput item;
    item.description = "Café molido 1 lb";
    item.quantity = *Decimal::parse("2");
    item.unit_price = *Decimal::parse("4.25");
    ASSERT_TRUE(add_item(inv, item).has_value());
    ASSERT_TRUE(set(inv, "gTot/iPzPag", "1").has_value());
    auto pago = append(inv, "gTot/gFormaPago");
    ASSERT_TRUE(pago.has_value());
    ASSERT_TRUE(set(**pago, "gTot/gFormaPago", "iFormaPago", "02").has_value());
    EXPECT_FALSE(set(inv, "gTot/dNoExiste", "1").has_value());
    EXPECT_FALSE(set(inv, "gTot", "1").has_value());
    ASSERT_TRUE(complete(inv).has_value());
    EXPECT_EQ(inv.get("gTot/dVTot"), "9.10");  // 8.50 + 7 % ITBMS 0.595 -> 0.60
    EXPECT_EQ(inv.get("gTot/gFormaPago/dVlrCuota"), "9.10");
    const auto report = validate(inv);
    EXPECT_TRUE(report.passed()) << report.to_json();
}

TEST(InvoiceValidation, ArithmeticAndCufeFindings) {
    auto inv = from_json(sample_json());
    ASSERT_TRUE(inv.has_value());
    std::string xml = to_xml(*inv);
    ValidateOptions o;
    o.require_signature = false;
    auto tampered = replace_once(xml, "<dPrItem>270.00</dPrItem>", "<dPrItem>270.01</dPrItem>");
    auto r = validate(tampered, o);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->has("FE-CALC-PRITEM")) << r->to_json();
    EXPECT_EQ(r->indication, report::Indication::total_failed);
    for (const auto& f : r->findings) {
        if (f.code != "FE-CALC-PRITEM") continue;
        EXPECT_EQ(f.location, "/rFE/gItem[1]/gPrecios/dPrItem");
        EXPECT_EQ(f.rule, "C203");
        EXPECT_GT(f.line, 0);
        EXPECT_FALSE(f.message_es.empty());
        EXPECT_FALSE(f.message.empty());
    }
    auto wrong_seg = replace_once(xml, "<dSeg>123456789</dSeg>", "<dSeg>123456780</dSeg>");
    auto r2 = validate(wrong_seg, o);
    ASSERT_TRUE(r2.has_value());
    EXPECT_TRUE(r2->has("FE-CUFE-MISMATCH"));
    auto r3 = validate("<rFE", o);
    ASSERT_TRUE(r3.has_value());
    EXPECT_TRUE(r3->has("FE-XML-MALFORMED"));
    EXPECT_EQ(r3->sub_indication, report::SubIndication::format_failure);
}

// One code, one meaning: faults that once shared a code each have their own (issue 12).
TEST(InvoiceValidation, EachFaultHasItsOwnCode) {
    auto inv = from_json(sample_json());
    ASSERT_TRUE(inv.has_value());
    const std::string xml = to_xml(*inv);
    ValidateOptions o;
    o.require_signature = false;
    const auto codes = [&](const std::string& doc, const ValidateOptions& options) {
        std::set<std::string> out;
        auto r = validate(doc, options);
        EXPECT_TRUE(r.has_value());
        if (r)
            for (const auto& f : r->findings) {
                out.insert(f.code);
                EXPECT_FALSE(f.message_es.empty()) << f.code;
            }
        return out;
    };
    // dVuelto wrong vs dVuelto missing.
    ASSERT_NE(xml.find("<dVuelto>22.19</dVuelto>"), std::string::npos);
    auto c = codes(replace_once(xml, "<dVuelto>22.19</dVuelto>", "<dVuelto>22.20</dVuelto>"), o);
    EXPECT_TRUE(c.count("FE-CALC-VUELTO"));
    EXPECT_FALSE(c.count("FE-CALC-VUELTO-MISSING"));
    c = codes(replace_once(xml, "<dVuelto>22.19</dVuelto>", ""), o);
    EXPECT_TRUE(c.count("FE-CALC-VUELTO-MISSING"));
    EXPECT_FALSE(c.count("FE-CALC-VUELTO"));
    // Text inside a group is not a value fault.
    const auto rec_begin = xml.find("<gDatRec>");
    const auto rec_end = xml.find("</gDatRec>");
    ASSERT_NE(rec_begin, std::string::npos);
    std::string group_text = xml;
    group_text.replace(rec_begin, rec_end - rec_begin, "<gDatRec>texto");
    c = codes(group_text, o);
    EXPECT_TRUE(c.count("FE-XSD-TEXT"));
    EXPECT_FALSE(c.count("FE-XSD-VALUE"));
    // Not well-formed, refused, over the limits: three codes.
    c = codes(xml.substr(0, xml.size() / 2), o);
    EXPECT_TRUE(c.count("FE-XML-MALFORMED"));
    c = codes("<?xml version=\"1.0\"?>\n<!DOCTYPE rFE [<!ENTITY e \"x\">]>\n<rFE xmlns=\"http://dgi-fep.mef.gob.pa\">&e;</rFE>", o);
    EXPECT_TRUE(c.count("FE-XML-REFUSED"));
    EXPECT_FALSE(c.count("FE-XML-MALFORMED"));
    ValidateOptions small = o;
    small.verify.limits.max_nodes = 20;
    c = codes(xml, small);
    EXPECT_TRUE(c.count("FE-XML-LIMIT"));
    EXPECT_FALSE(c.count("FE-XML-MALFORMED"));
    // A foreign receiver without gIdExt vs with a location.
    auto exp = from_json(test::read_file(test::vectors_dir() / "panama-fe" / "json" / "03-exportacion.json"));
    ASSERT_TRUE(exp.has_value());
    const std::string foreign = to_xml(*exp);
    ASSERT_NE(foreign.find("<cPaisRec>US</cPaisRec>"), std::string::npos);
    c = codes(replace_once(foreign, "<cPaisRec>US</cPaisRec>",
                           "<cPaisRec>US</cPaisRec><gUbiRec><dCodUbi>8-8-8</dCodUbi></gUbiRec>"), o);
    EXPECT_TRUE(c.count("FE-REC-FOREIGN-LOCAL"));
    EXPECT_FALSE(c.count("FE-REC-FOREIGN"));
    const auto begin = foreign.find("<gIdExt>");
    const auto end = foreign.find("</gIdExt>");
    ASSERT_NE(begin, std::string::npos);
    std::string without = foreign;
    without.erase(begin, end + 9 - begin);
    c = codes(without, o);
    EXPECT_TRUE(c.count("FE-REC-FOREIGN"));
    EXPECT_FALSE(c.count("FE-REC-FOREIGN-LOCAL"));
}

TEST(InvoiceSigning, SignAddQrAndVerify) {
    auto inv = from_json(sample_json());
    ASSERT_TRUE(inv.has_value());
    auto signer = test_signer();
    ASSERT_TRUE(signer.has_value()) << signer.error().to_string();
    QrOptions qr;
    qr.secret = crypto::Secret("secreto-de-prueba");
    auto signed_xml = sign(*signer, to_xml(*inv), qr);
    ASSERT_TRUE(signed_xml.has_value()) << signed_xml.error().to_string();
    EXPECT_NE(signed_xml->find("X509SubjectName"), std::string::npos);
    EXPECT_NE(signed_xml->find("xml-exc-c14n#"), std::string::npos);
    EXPECT_NE(signed_xml->find("rsa-sha256"), std::string::npos);
    // SPEC §4.2: the Signature element is unprefixed, in the XMLDSig namespace.
    EXPECT_NE(signed_xml->find("<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">"), std::string::npos);
    EXPECT_EQ(signed_xml->find("<ds:"), std::string::npos);
    const auto sig = signed_xml->find("</Signature>");
    const auto nofirm = signed_xml->find("<gNoFirm>");
    ASSERT_NE(sig, std::string::npos);
    ASSERT_NE(nofirm, std::string::npos);
    EXPECT_LT(sig, nofirm);  // gNoFirm after the signature
    EXPECT_NE(signed_xml->find("https://dgi-fep-test.mef.gob.pa:40001/Consultas/FacturasPorQR?chFE=FE0120000155596713"),
              std::string::npos);

    auto r = validate(*signed_xml, with_trust());
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->indication, report::Indication::total_passed) << r->to_json();
    ASSERT_TRUE(r->signature.has_value());

    // Without anchors: the signature is intact but the signer is not trusted.
    ValidateOptions no_trust;
    auto r2 = validate(*signed_xml, no_trust);
    ASSERT_TRUE(r2.has_value());
    EXPECT_NE(r2->indication, report::Indication::total_passed);

    // A changed amount breaks the signature (and the arithmetic).
    auto tampered = replace_once(*signed_xml, "<dVTot>327.81</dVTot>", "<dVTot>327.82</dVTot>");
    auto r3 = validate(tampered, with_trust());
    ASSERT_TRUE(r3.has_value());
    EXPECT_EQ(r3->indication, report::Indication::total_failed);
    EXPECT_TRUE(r3->has("FE-SIG-INVALID"));
    EXPECT_TRUE(r3->has("FE-CALC-VTOT"));

    // A changed QR does not break the signature but is caught against the DigestValue.
    const auto dv = signed_xml->find("digestValue=");
    ASSERT_NE(dv, std::string::npos);
    std::string qr_changed = *signed_xml;
    qr_changed[dv + 12] = qr_changed[dv + 12] == 'A' ? 'B' : 'A';
    auto r4 = validate(qr_changed, with_trust());
    ASSERT_TRUE(r4.has_value());
    EXPECT_FALSE(r4->has("FE-SIG-INVALID")) << r4->to_json();
    EXPECT_TRUE(r4->has("FE-QR-DIGEST")) << r4->to_json();
}

TEST(InvoiceSigning, SigningTheModelEqualsSigningItsXml) {
    auto inv = from_json(sample_json());
    ASSERT_TRUE(inv.has_value());
    auto signer = test_signer();
    ASSERT_TRUE(signer.has_value());
    QrOptions qr;
    qr.secret = crypto::Secret("istmo-test-qr-secret");
    auto from_model = sign(*signer, *inv, qr);
    auto from_text = sign(*signer, to_xml(*inv), qr);
    ASSERT_TRUE(from_model.has_value()) << from_model.error().to_string();
    ASSERT_TRUE(from_text.has_value());
    EXPECT_EQ(*from_model, *from_text);  // RSA PKCS#1 v1.5 is deterministic
    EXPECT_EQ(*from_model, test::read_file(test::vectors_dir() / "panama-fe" / "valid" / "01-factura.xml"));
    // Without a secret: signed, no gNoFirm; a base URL replaces the DGI one in the QR.
    auto no_qr = sign(*signer, *inv);
    ASSERT_TRUE(no_qr.has_value());
    EXPECT_EQ(no_qr->find("gNoFirm"), std::string::npos);
    qr.base_url = "https://pac.example/qr";
    auto own = sign(*signer, *inv, qr);
    ASSERT_TRUE(own.has_value());
    EXPECT_NE(own->find("<dQRCode>https://pac.example/qr?chFE=" + std::string(inv->get("dId")) + "&amp;iAmb=2&amp;"),
              std::string::npos);
    // A parsed signed invoice carries ds:Signature: signing its model again is refused, as for text.
    auto signed_model = parse(*from_model);
    ASSERT_TRUE(signed_model.has_value());
    auto again = sign(*signer, *signed_model, qr);
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, Errc::failed_precondition);
    EXPECT_EQ(sign(*signer, *from_model, qr).error().code, Errc::failed_precondition);
}

TEST(InvoiceSigning, NonRepudiationOnlyCertificateIsAccepted) {
    auto inv = from_json(sample_json());
    ASSERT_TRUE(inv.has_value());
    auto signer = test_signer("nonrep-only");
    ASSERT_TRUE(signer.has_value()) << signer.error().to_string();
    QrOptions qr;
    qr.secret = crypto::Secret("k");
    auto signed_xml = sign(*signer, to_xml(*inv), qr);
    ASSERT_TRUE(signed_xml.has_value());
    auto r = validate(*signed_xml, with_trust());
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->indication, report::Indication::total_passed) << r->to_json();
}

TEST(InvoiceSigning, XmlsecVerifiesTheSignedInvoiceWithoutGNoFirm) {
    if (!test::have_tool("xmlsec1")) GTEST_SKIP() << "xmlsec1 not installed: the interop check did not run";
    auto inv = from_json(sample_json());
    ASSERT_TRUE(inv.has_value());
    auto signer = test_signer();
    ASSERT_TRUE(signer.has_value());
    QrOptions qr;
    qr.secret = crypto::Secret("secreto-de-prueba");
    auto signed_xml = sign(*signer, to_xml(*inv), qr);
    ASSERT_TRUE(signed_xml.has_value());
    auto stripped = strip_no_firm(*signed_xml);
    ASSERT_TRUE(stripped.has_value());
    EXPECT_EQ(stripped->find("gNoFirm"), std::string::npos);
    test::TempDir dir;
    test::write_file(dir / "fe.xml", *stripped);
    test::write_file(dir / "full.xml", *signed_xml);
    const std::string pki = (test::vectors_dir() / "pki").string();
    const std::string base = "xmlsec1 --verify --enabled-reference-uris empty --trusted-pem " + pki + "/ca.cert.pem --untrusted-pem " +
                             pki + "/intermediate.cert.pem ";
    auto ok = test::run_command(base + (dir / "fe.xml").string());
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    // With gNoFirm still in place the URI="" digest covers it: a generic verifier must fail.
    auto full = test::run_command(base + (dir / "full.xml").string());
    EXPECT_NE(full.exit_code, 0) << full.output;
}

TEST(InvoiceQr, Hs256JwtKnownAnswer) {
    // Expected value computed independently (Python hmac/hashlib) for these inputs.
    auto jwt = qr_jwt("FE012000000521-136-113133-0270062022051590000008910080125781091727", "2",
                      "6DAmQE2MHCLS5sCNiivAVTFcSVz4VcVcWkrEFIpT8RY=", "secreto-de-prueba");
    ASSERT_TRUE(jwt.has_value());
    EXPECT_EQ(*jwt,
              "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
              "eyJjaEZFIjoiRkUwMTIwMDAwMDA1MjEtMTM2LTExMzEzMy0wMjcwMDYyMDIyMDUxNTkwMDAwMDA4OTEwMDgwMTI1NzgxMDkxNzI3IiwiaUFtYiI6IjIiLC"
              "JkaWdlc3RWYWx1ZSI6IjZEQW1RRTJNSENMUzVzQ05paXZBVlRGY1NWejRWY1ZjV2tyRUZJcFQ4Ulk9In0."
              "Ed3X5_2lL3gBW9ih0BNl4AFQtbSi-HiMCdvt8bo_I8w");
    auto url = qr_url("FE01", "1", "d", "s");
    ASSERT_TRUE(url.has_value());
    EXPECT_EQ(url->rfind("https://dgi-fep.mef.gob.pa/Consultas/FacturasPorQR?chFE=FE01&iAmb=1&digestValue=d&jwt=", 0), 0u);
    EXPECT_FALSE(qr_jwt("a", "1", "d", "").has_value());
}

}  // namespace

namespace {

// Every prefix of a signed invoice and of its JSON source: a report or an error, never a crash.
TEST(InvoiceRobustness, TruncatedInputsGiveReportsOrErrors) {
    const std::string xml = test::read_file(test::vectors_dir() / "panama-fe" / "valid" / "01-factura-completa.xml");
    const std::string json = test::read_file(test::vectors_dir() / "panama-fe" / "json" / "01-factura-completa.json");
    InvoiceValidator validator;
    std::size_t reports = 0;
    for (std::size_t n = 0; n < xml.size(); n += 37) {
        auto r = validator.validate(std::string_view(xml).substr(0, n));
        ASSERT_TRUE(r.has_value()) << n;
        EXPECT_EQ(r->indication, report::Indication::total_failed) << n;
        ++reports;
    }
    EXPECT_GT(reports, 100u);
    for (std::size_t n = 0; n + 1 < json.size(); n += 11) EXPECT_FALSE(from_json(std::string_view(json).substr(0, n)).has_value()) << n;
}

}  // namespace

namespace {

TEST(InvoiceRobustness, OneValidatorManyThreads) {
    const std::string xml = test::read_file(test::vectors_dir() / "panama-fe" / "valid" / "01-factura-completa.xml");
    ValidateOptions o;
    ASSERT_TRUE(o.verify.trust.add_file((test::vectors_dir() / "pki" / "chain.pem").string()).has_value());
    const InvoiceValidator validator(o);
    std::atomic<int> passed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i) {
                auto r = validator.validate(xml);
                if (r && r->passed()) ++passed;
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(passed.load(), 40);
}

}  // namespace
