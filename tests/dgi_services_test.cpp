// The DGI web services (include/istmo/invoice/dgi.hpp): request bodies (and their agreement with
// the DGI schemas through xmllint when ../shared/ is there), and the typed reading of answers
// in the shapes SPEC §10 shows (rProtFe with and without xProtFe, dProAut / dProtAut, the PAC's
// 40-character protocol, the empty <Signature />, codes judged by code and never by words).
#include <istmo/dsig/sign.hpp>
#include <istmo/invoice/dgi.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace {

using namespace istmo;
using namespace istmo::invoice::panama::dgi;
namespace fs = std::filesystem;

constexpr const char* kCufe = "FE0120000155704849-2-2021-3200001120260101000000000100100123456789";

std::string signed_invoice() { return test::read_file(test::vectors_dir() / "panama-fe" / "valid" / "01-factura.xml"); }

std::string envelope12(const std::string& body) {
    return "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>" + body + "</s:Body></s:Envelope>";
}

// rRetEnviFe as a PAC logged it (SPEC §10): rProtFe directly, empty Signature at the end.
std::string authorised_answer(const std::string& protocol_element = "dProAut",
                              const std::string& protocol = "20250000000000123456", bool wrapped = false,
                              const std::string& codes = "<gResProc><dCodRes>0260</dCodRes><dMsgRes>Autorizado el uso de la FE</dMsgRes></gResProc>") {
    std::string prot = std::string("<rProtFe><dVerForm>1.00</dVerForm><gInfProt><iAmb>2</iAmb><dVerApl>1.00</dVerApl>") +
                       "<dCUFE>" + kCufe + "</dCUFE><dFecProc>2025-05-15T01:03:00-05:00</dFecProc><" + protocol_element +
                       ">" + protocol + "</" + protocol_element + "><dDigVal>6DAmQE2MHCLS5sCNiivAVTFcSVz4VcVcWkrEFIpT8RY=</dDigVal>" +
                       codes + "</gInfProt><Signature /></rProtFe>";
    if (wrapped) prot = "<xProtFe>" + prot + "</xProtFe>";
    return envelope12("<rRetEnviFe xmlns=\"http://dgi-fep.mef.gob.pa/wsdl/FeRecepFE\"><dVerForm>1.00</dVerForm><iAmb>2</iAmb>"
                      "<dVerApl>1.00</dVerApl>" + prot + "</rRetEnviFe>");
}

bool has_finding(const Response& r, const std::string& code) {
    for (const auto& f : r.findings)
        if (f.code == code) return true;
    return false;
}

// ---- requests --------------------------------------------------------------------------------

TEST(DgiRequests, Soap12EnvelopeCarriesTheSignedInvoiceAsText) {
    auto r = build_recep_fe({Environment::test, "42"}, signed_invoice());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_NE(r->envelope.find("http://www.w3.org/2003/05/soap-envelope"), std::string::npos);
    EXPECT_NE(r->content_type.find("application/soap+xml"), std::string::npos);
    EXPECT_TRUE(r->soap_action.empty());
    // The rFE travels escaped, as a string: no rFE element in the body.
    EXPECT_EQ(r->body.find("<rFE"), std::string::npos);
    EXPECT_NE(r->body.find("&lt;rFE"), std::string::npos);
    EXPECT_NE(r->body.find("<iAmb>2</iAmb>"), std::string::npos);
    auto parsed = xml::XmlDocument::parse(r->envelope);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->root_name(), "Envelope");
}

TEST(DgiRequests, Soap11UsesTextXmlAndSoapAction) {
    auto r = build_cons_fe({Environment::production, "7", SoapVersion::soap11}, kCufe);
    ASSERT_TRUE(r);
    EXPECT_NE(r->envelope.find("http://schemas.xmlsoap.org/soap/envelope/"), std::string::npos);
    EXPECT_EQ(r->content_type, "text/xml; charset=utf-8");
    EXPECT_EQ(r->soap_action, "\"http://dgi-fep.mef.gob.pa/wsdl/FeRecepFE/feConsFE\"");
    EXPECT_NE(r->body.find("<iAmb>1</iAmb>"), std::string::npos);
}

TEST(DgiRequests, BadInputsAreRefused) {
    EXPECT_FALSE(build_cons_fe({Environment::test, "1234567890123456"}, kCufe));  // 16 digits
    EXPECT_FALSE(build_cons_fe({Environment::test, "12a"}, kCufe));
    EXPECT_FALSE(build_cons_fe({Environment::test, ""}, kCufe));
    EXPECT_FALSE(build_cons_fe({Environment::test, "1"}, "FE123"));
    EXPECT_FALSE(build_cons_fe({static_cast<Environment>(3), "1"}, kCufe));
    EXPECT_FALSE(build_recep_fe({Environment::test, "1"}, "<rFE"));
    EXPECT_FALSE(build_recep_evento({Environment::test, "1"}, "not xml"));
    EXPECT_FALSE(build_cons_ruc_dv({Environment::test, "1"}, "155704849-2-2021", 3));
    EXPECT_FALSE(build_cons_ruc_dv({Environment::test, "1"}, "1234", 2));
    EXPECT_FALSE(build_cons_ruc_dv({Environment::test, "1"}, "155<704849", 2));
    EXPECT_FALSE(build_result_lote_fe({Environment::test, "1"}, "12x"));
    EXPECT_FALSE(build_recep_lote_fe({Environment::test, "1"}, {}));
    EXPECT_EQ(build_cons_fe({Environment::test, "1"}, "FE123").error().code, Errc::invalid_argument);
}

TEST(DgiRequests, EndpointsFollowTheServiceNames) {
    EXPECT_EQ(service_url(default_base_url(Environment::test), Operation::recep_fe),
              "https://dgi-fepws-test.mef.gob.pa:40010/FepWcfService/feRecepFE.svc");
    EXPECT_EQ(service_url(default_base_url(Environment::production), Operation::cons_fe),
              "https://dgi-fepws.mef.gob.pa:40100/FepWcfService/feConsFE.svc");
    EXPECT_EQ(service_url("http://127.0.0.1:8080/", Operation::cons_ruc_dv), "http://127.0.0.1:8080/FepWcfService/feConsRucDV.svc");
}

// Every request body against its DGI schema, and the SOAP header against feHeaderMsg.xsd.
TEST(DgiRequests, BodiesValidateAgainstTheDgiSchemas) {
    const auto ref = test::shared_reference_dir();
    // xsd-libxml2/ holds the DGI's web-service schemas unchanged but for feRecepFE's encoding
    // (ISO-8859-1 without a declaration in the original, which libxml2 refuses; see its NOTES.md).
    const fs::path xsd = ref ? *ref / "panama-fe" / "xsd-libxml2" : fs::path();
    if (!ref || !fs::exists(xsd / "feRecepFE_v1.00.xsd"))
        GTEST_SKIP() << "../shared/reference/panama-fe/xsd-libxml2 absent: the request schema test did not run";
    if (!test::have_tool("xmllint")) GTEST_SKIP() << "xmllint not installed: the request schema test did not run";
    const std::string rfe = signed_invoice();
    const std::string event = test::read_file(test::vectors_dir() / "panama-fe" / "valid" / "01-factura.xml");
    struct Case { const char* xsd; Result<Request> request; };
    Case cases[] = {
        {"feRecepFE_v1.00.xsd", build_recep_fe({Environment::test, "123456789012345"}, rfe)},
        {"feRecepLoteFE_v1.00.xsd", build_recep_lote_fe({Environment::test, "1"}, {rfe, rfe})},
        {"feResultLoteFE_v1.00.xsd", build_result_lote_fe({Environment::production, "99"}, "123456789")},
        {"feConsFE_v1.00.xsd", build_cons_fe({Environment::test, "2", SoapVersion::soap11}, kCufe)},
        {"feRecepEvento_v1.00.xsd", build_recep_evento({Environment::test, "3"}, event)},
        {"feConsRucDV_v1.00.xsd", build_cons_ruc_dv({Environment::test, "4"}, "155704849-2-2021", 2)},
    };
    test::TempDir dir;
    for (auto& c : cases) {
        ASSERT_TRUE(c.request) << c.xsd << ": " << c.request.error().message;
        const fs::path body = dir / "body.xml";
        test::write_file(body, c.request->body);
        const auto x = test::run_command("xmllint --noout --nonet --schema " + test::shell_quote(xsd / c.xsd) + " " +
                                         test::shell_quote(body));
        EXPECT_EQ(x.exit_code, 0) << c.xsd << ": " << x.output;
        const fs::path header = dir / "header.xml";
        test::write_file(header, c.request->header);
        const auto h = test::run_command("xmllint --noout --nonet --schema " + test::shell_quote(xsd / "feHeaderMsg.xsd") +
                                         " " + test::shell_quote(header));
        EXPECT_EQ(h.exit_code, 0) << h.output;
    }
    // The check is not vacuous: a body with iAmb 3 is refused by the same schema.
    auto bad = build_cons_fe({Environment::test, "2"}, kCufe);
    std::string text = bad->body;
    text.replace(text.find("<iAmb>2</iAmb>"), 14, "<iAmb>3</iAmb>");
    test::write_file(dir / "bad.xml", text);
    EXPECT_NE(test::run_command("xmllint --noout --nonet --schema " + test::shell_quote(xsd / "feConsFE_v1.00.xsd") + " " +
                                test::shell_quote(dir / "bad.xml")).exit_code, 0);
}

// ---- answers ---------------------------------------------------------------------------------

TEST(DgiResponses, ProductionShapeIsAuthorisedAndUnsigned) {
    auto r = parse_response(Operation::recep_fe, authorised_answer());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->outcome, Outcome::authorised);
    EXPECT_EQ(r->root, "rRetEnviFe");
    EXPECT_EQ(r->soap, SoapVersion::soap12);
    EXPECT_EQ(r->app_version, "1.00");
    ASSERT_EQ(r->protocols.size(), 1u);
    const Protocol& p = r->protocols[0];
    EXPECT_EQ(p.protocol, "20250000000000123456");
    EXPECT_EQ(p.cufe, kCufe);
    EXPECT_FALSE(p.wrapped);
    EXPECT_EQ(p.signature, ProtocolSignature::empty_unsigned);
    EXPECT_TRUE(has_finding(*r, "FE-DGI-PROTOCOL-UNSIGNED"));
    ASSERT_EQ(p.results.size(), 1u);
    EXPECT_EQ(p.results[0].effect, Effect::success);
    EXPECT_EQ(p.results[0].meaning_es, "autorizado el uso de la FE");
    EXPECT_NE(p.xml.find("rProtFe"), std::string::npos);
    for (const auto& f : r->findings) EXPECT_FALSE(f.message_es.empty()) << f.code;
    EXPECT_NE(r->to_json().find("\"outcome\":\"authorised\""), std::string::npos) << r->to_json();
}

TEST(DgiResponses, WrappedShapeWithDProtAutAndThePacForm) {
    const std::string pac = "155704849-2-2021    20250000000000123456";
    ASSERT_EQ(pac.size(), 40u);
    auto r = parse_response(Operation::recep_fe, authorised_answer("dProtAut", pac, true));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->outcome, Outcome::authorised);
    ASSERT_EQ(r->protocols.size(), 1u);
    EXPECT_TRUE(r->protocols[0].wrapped);
    EXPECT_EQ(r->protocols[0].protocol, "20250000000000123456");
    EXPECT_EQ(r->protocols[0].protocol_as_sent, pac);
    EXPECT_TRUE(has_finding(*r, "FE-DGI-PROTOCOL-PAC-FORM"));
}

TEST(DgiResponses, ProtocolForms) {
    EXPECT_EQ(normalise_protocol("20250000000000123456"), "20250000000000123456");
    EXPECT_EQ(normalise_protocol("0000000000155704849220250000000000123456"), "20250000000000123456");
    EXPECT_FALSE(normalise_protocol("2025000000000012345"));
    EXPECT_FALSE(normalise_protocol("2025000000000012345x"));
    EXPECT_FALSE(normalise_protocol("155704849-2-2021    2025000000000012345x"));
    auto r = parse_response(Operation::recep_fe, authorised_answer("dProAut", "12AB"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->outcome, Outcome::rejected);  // no usable protocol
    EXPECT_TRUE(has_finding(*r, "FE-DGI-PROTOCOL-MALFORMED"));
}

TEST(DgiResponses, RejectionIsJudgedByCodeNeverByWords) {
    // 1602's message contains "existente" (inside "inexistente"): a rejection, not a duplicate.
    auto rejected = parse_response(Operation::recep_fe,
                                   authorised_answer("dProAut", "", false,
                                                     "<gResProc><dCodRes>1602</dCodRes><dMsgRes>RUC inexistente; documento existente</dMsgRes></gResProc>"));
    ASSERT_TRUE(rejected) << rejected.error().message;
    EXPECT_EQ(rejected->outcome, Outcome::rejected);
    EXPECT_TRUE(rejected->protocol().empty());
    EXPECT_TRUE(has_finding(*rejected, "FE-DGI-REJECTED"));
    // 0622 is the duplicate code whatever its words say.
    const std::string event_answer =
        envelope12("<rRetEnviEventoFe><dVerForm>1.00</dVerForm><iAmb>2</iAmb><dVerApl>1.00</dVerApl><dFecProc>2025-05-15T01:00:00-05:00</dFecProc>"
                   "<gResProc><dCodRes>0622</dCodRes><dMsgRes>inexistente</dMsgRes></gResProc></rRetEnviEventoFe>");
    auto duplicate = parse_response(Operation::recep_evento, event_answer);
    ASSERT_TRUE(duplicate);
    EXPECT_EQ(duplicate->outcome, Outcome::duplicate);
    // Notification codes (effect N) do not reject an authorisation.
    auto noted = parse_response(Operation::recep_fe, authorised_answer("dProAut", "20250000000000123456", false,
                                                                      "<gResProc><dCodRes>0260</dCodRes><dMsgRes>ok</dMsgRes></gResProc>"
                                                                      "<gResProc><dCodRes>1607</dCodRes><dMsgRes>x</dMsgRes></gResProc>"));
    ASSERT_TRUE(noted);
    EXPECT_EQ(noted->outcome, Outcome::authorised);
    EXPECT_EQ(noted->protocols[0].results[1].effect, Effect::notification);
    // An unknown code: reported, and no authorisation without 0260.
    auto unknown = parse_response(Operation::recep_fe, authorised_answer("dProAut", "20250000000000123456", false,
                                                                        "<gResProc><dCodRes>9999</dCodRes><dMsgRes>Autorizado</dMsgRes></gResProc>"));
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->outcome, Outcome::rejected);
    EXPECT_TRUE(has_finding(*unknown, "FE-DGI-CODE-UNKNOWN"));
}

TEST(DgiResponses, EventQueryRucAndBatchAnswers) {
    auto event = parse_response(Operation::recep_evento,
                                envelope12("<rRetEnviEventoFe><dVerForm>1.00</dVerForm><iAmb>2</iAmb><dFecProc>x</dFecProc>"
                                           "<gResProc><dCodRes>0600</dCodRes><dMsgRes>Evento registrado con éxito</dMsgRes></gResProc></rRetEnviEventoFe>"));
    ASSERT_TRUE(event);
    EXPECT_EQ(event->outcome, Outcome::registered);

    const std::string prot = "<rProtFe><dVerForm>1.00</dVerForm><gInfProt><iAmb>2</iAmb><dVerApl>1.00</dVerApl><dCUFE>" +
                             std::string(kCufe) + "</dCUFE><dFecProc>x</dFecProc><dProAut>20250000000000000077</dProAut>"
                             "<gResProc><dCodRes>0260</dCodRes><dMsgRes>a</dMsgRes></gResProc></gInfProt><Signature/></rProtFe>";
    auto query = parse_response(Operation::cons_fe,
                                envelope12("<rRetEnviConsFe><dVerForm>1.00</dVerForm><iAmb>2</iAmb><gResProc><dCodRes>0422</dCodRes>"
                                           "<dMsgRes>Éxito en la consulta</dMsgRes></gResProc><xContenFE><rContFe><dVerForm>1.00</dVerForm>"
                                           "<xFe><rFE xmlns=\"http://dgi-fep.mef.gob.pa\"><gNoFirm><rProtFe/></gNoFirm></rFE></xFe><xProtFe>" + prot +
                                           "</xProtFe><xContEv><rContEv/></xContEv></rContFe></xContenFE></rRetEnviConsFe>"));
    ASSERT_TRUE(query) << query.error().message;
    EXPECT_EQ(query->outcome, Outcome::found);
    ASSERT_EQ(query->protocols.size(), 1u);  // nothing taken from inside the rFE
    EXPECT_EQ(query->protocol(), "20250000000000000077");
    EXPECT_NE(query->container_xml.find("<rContFe>"), std::string::npos);

    auto batch = parse_response(Operation::recep_lote_fe,
                                envelope12("<rRetEnviLoteFe><dVerForm>1.00</dVerForm><iAmb>2</iAmb><dProtLote>123456</dProtLote></rRetEnviLoteFe>"));
    ASSERT_TRUE(batch);
    EXPECT_EQ(batch->outcome, Outcome::accepted);
    EXPECT_EQ(batch->batch_protocol, "123456");
    auto results = parse_response(Operation::result_lote_fe,
                                  envelope12("<rRetConsLoteFe><iAmb>2</iAmb>" + prot + prot + "</rRetConsLoteFe>"));
    ASSERT_TRUE(results);
    EXPECT_EQ(results->outcome, Outcome::found);
    EXPECT_EQ(results->protocols.size(), 2u);

    auto ruc = parse_response(Operation::cons_ruc_dv,
                              envelope12("<rRetEnviConsRucDV><iAmb>2</iAmb><dRuc>155704849-2-2021</dRuc><dDV>32</dDV><dNomb>ACME</dNomb></rRetEnviConsRucDV>"));
    ASSERT_TRUE(ruc);
    EXPECT_EQ(ruc->outcome, Outcome::found);
    EXPECT_EQ(ruc->dv, "32");
    EXPECT_EQ(ruc->name, "ACME");
}

TEST(DgiResponses, SoapFaultsAreTyped) {
    auto f12 = parse_response(Operation::recep_fe,
                              envelope12("<s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text xml:lang=\"es\">Error interno</s:Text></s:Reason></s:Fault>"));
    ASSERT_TRUE(f12);
    EXPECT_EQ(f12->outcome, Outcome::fault);
    ASSERT_TRUE(f12->fault);
    EXPECT_EQ(f12->fault->code, "s:Receiver");
    EXPECT_EQ(f12->fault->reason, "Error interno");
    auto f11 = parse_response(Operation::cons_fe,
                              "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><soap:Fault>"
                              "<faultcode>soap:Client</faultcode><faultstring>bad</faultstring></soap:Fault></soap:Body></soap:Envelope>");
    ASSERT_TRUE(f11);
    EXPECT_EQ(f11->soap, SoapVersion::soap11);
    EXPECT_EQ(f11->fault->reason, "bad");
    EXPECT_TRUE(has_finding(*f11, "FE-DGI-SOAP-FAULT"));
}

TEST(DgiResponses, MalformedAnswersAreTypedErrors) {
    EXPECT_EQ(parse_response(Operation::recep_fe, "").error().code, Errc::parse_error);
    EXPECT_EQ(parse_response(Operation::recep_fe, "<html><body>502 Bad Gateway").error().code, Errc::parse_error);
    EXPECT_EQ(parse_response(Operation::recep_fe, "<html><body>busy</body></html>").error().code, Errc::invalid_argument);
    EXPECT_EQ(parse_response(Operation::recep_fe, envelope12("")).error().code, Errc::invalid_argument);
    const std::string xxe = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><rRetEnviFe>&e;</rRetEnviFe>";
    auto refused = parse_response(Operation::recep_fe, xxe);
    ASSERT_FALSE(refused);
    ParseOptions small;
    small.max_bytes = 64;
    EXPECT_EQ(parse_response(Operation::recep_fe, authorised_answer(), small).error().code, Errc::limit_exceeded);
}

// A signed rProtFe is verified with the dsig verifier: valid with the signer trusted, not valid
// once its content changes.
TEST(DgiResponses, PresentProtocolSignatureIsVerified) {
    auto key = crypto::PrivateKey::from_file(test::pki("rsa2048.key.pem").string());
    auto cert = crypto::Certificate::from_file(test::pki("rsa2048.cert.pem").string());
    ASSERT_TRUE(key && cert);
    auto signer = dsig::Signer::create(std::move(*key), *cert, {});
    ASSERT_TRUE(signer);
    const std::string prot = "<rProtFe><dVerForm>1.00</dVerForm><gInfProt><iAmb>2</iAmb><dVerApl>1.00</dVerApl><dCUFE>" +
                             std::string(kCufe) + "</dCUFE><dFecProc>x</dFecProc><dProAut>20250000000000000077</dProAut>"
                             "<gResProc><dCodRes>0260</dCodRes><dMsgRes>a</dMsgRes></gResProc></gInfProt></rProtFe>";
    auto signed_prot = signer->sign(prot);
    ASSERT_TRUE(signed_prot) << signed_prot.error().message;
    std::string body = *signed_prot;
    body.erase(0, body.find("<rProtFe"));
    ParseOptions options;
    ASSERT_TRUE(options.verify.trust.add_file(test::pki("chain.pem").string()));
    auto good = parse_response(Operation::recep_fe, envelope12("<rRetEnviFe>" + body + "</rRetEnviFe>"), options);
    ASSERT_TRUE(good) << good.error().message;
    ASSERT_EQ(good->protocols.size(), 1u);
    EXPECT_EQ(good->protocols[0].signature, ProtocolSignature::valid)
        << (good->protocols[0].signature_report ? good->protocols[0].signature_report->to_text() : "");
    EXPECT_EQ(good->outcome, Outcome::authorised);
    std::string tampered = body;
    tampered.replace(tampered.find("20250000000000000077"), 20, "20250000000000000078");
    auto bad = parse_response(Operation::recep_fe, envelope12("<rRetEnviFe>" + tampered + "</rRetEnviFe>"), options);
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->protocols[0].signature, ProtocolSignature::not_valid);
    EXPECT_TRUE(has_finding(*bad, "FE-DGI-PROTOCOL-SIGNATURE"));
}

}  // namespace

namespace {

using namespace istmo;
using namespace istmo::invoice::panama::dgi;

Operation operation_named(const std::string& name) {
    for (Operation op : {Operation::recep_fe, Operation::recep_lote_fe, Operation::result_lote_fe, Operation::cons_fe,
                         Operation::recep_evento, Operation::cons_ruc_dv})
        if (service_name(op) == name) return op;
    ADD_FAILURE() << "unknown service " << name;
    return Operation::recep_fe;
}

// test-vectors/dgi/README.md: each row's file read as its service gives its outcome and protocol.
TEST(DgiVectors, EveryAnswerReadsAsItsRowSays) {
    const auto dir = test::vectors_dir() / "dgi";
    std::size_t rows = 0;
    for (const auto& row : test::vector_table_rows(test::read_file(dir / "README.md"))) {
        ASSERT_GE(row.size(), 4u);
        auto r = parse_response(operation_named(row[1]), test::read_file(dir / row[0]));
        ASSERT_TRUE(r) << row[0] << ": " << r.error().message;
        EXPECT_EQ(outcome_name(r->outcome), row[2]) << row[0] << "\n" << r->to_json();
        EXPECT_EQ(r->protocol(), row[3] == "-" ? "" : row[3]) << row[0];
        for (const auto& f : r->findings) EXPECT_FALSE(f.message_es.empty()) << row[0] << " " << f.code;
        ++rows;
    }
    EXPECT_EQ(rows, 7u);
}

}  // namespace
