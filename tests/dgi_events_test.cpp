// Events (rEvManifRecep, rEvAnulaFe) and the receiver's container (rContFe):
// include/istmo/invoice/dgi_events.hpp. Signed events are verified by xmlsec1 too, the
// manifestation and the container are checked against the DGI schemas with xmllint when
// ../shared/ is there.
#include <istmo/invoice/dgi_events.hpp>
#include <istmo/invoice/panama.hpp>

#include "dgi_simulator.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace {

using namespace istmo;
using namespace istmo::invoice::panama::dgi;
namespace fs = std::filesystem;

const std::string kProtocol = "20260000000000000001";

dsig::Signer signer() {
    auto key = crypto::PrivateKey::from_file(test::pki("rsa2048.key.pem").string());
    auto cert = crypto::Certificate::from_file(test::pki("rsa2048.cert.pem").string());
    EXPECT_TRUE(key && cert);
    auto s = invoice::panama::make_signer(std::move(*key), std::move(*cert));
    EXPECT_TRUE(s) << s.error().message;
    return std::move(*s);
}

EventValidateOptions trusted() {
    EventValidateOptions o;
    EXPECT_TRUE(o.verify.trust.add_file(test::pki("chain.pem").string()));
    return o;
}

std::string invoice_text() { return test::read_file(test::vectors_dir() / "panama-fe" / "valid" / "01-factura.xml"); }
std::string invoice_cufe() { return std::string(invoice::panama::parse(invoice_text())->get("dId")); }

ManifestationInput manifestation() {
    ManifestationInput in;
    in.environment = Environment::test;
    in.protocol = kProtocol;
    in.receiver_ruc = "155704849-2-2021";
    in.code = 1002;
    in.motive = "Operación confirmada por el receptor";
    return in;
}

AnnulmentInput annulment() {
    AnnulmentInput in;
    in.environment = Environment::test;
    in.cufe = invoice_cufe();
    in.issuer_ruc_type = 2;
    in.issuer_ruc = "155596713-2-2015";
    in.issuer_dv = "59";
    in.motive = "Factura emitida por error";
    return in;
}

bool has(const std::vector<report::Finding>& findings, const std::string& code) {
    for (const auto& f : findings)
        if (f.code == code) return true;
    return false;
}

TEST(DgiEvents, ManifestationBuildsSignsAndVerifies) {
    auto unsigned_event = build_manifestation(manifestation());
    ASSERT_TRUE(unsigned_event) << unsigned_event.error().message;
    auto signed_event = sign_event(signer(), *unsigned_event);
    ASSERT_TRUE(signed_event) << signed_event.error().message;
    auto report = validate_event(*signed_event, trusted());
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->passed()) << report->to_json();
    EXPECT_EQ(report->kind, "rEvManifRecep");
    EXPECT_EQ(report->protocol, kProtocol);
    EXPECT_FALSE(sign_event(signer(), *signed_event));  // already signed
    // A changed value breaks the signature.
    std::string tampered = *signed_event;
    tampered.replace(tampered.find("1002"), 4, "1005");
    auto bad = validate_event(tampered, trusted());
    ASSERT_TRUE(bad);
    EXPECT_TRUE(has(bad->findings, "FE-EVENT-SIGNATURE"));
    // Unsigned: reported, never silently valid.
    auto bare = validate_event(*unsigned_event, trusted());
    ASSERT_TRUE(bare);
    EXPECT_FALSE(bare->passed());
    EXPECT_TRUE(has(bare->findings, "FE-EVENT-SIGNATURE"));
    EXPECT_EQ(manifestation_meaning(1005, true), "Desconocimiento de la Operación");
}

TEST(DgiEvents, ManifestationRules) {
    auto in = manifestation();
    in.code = 1006;
    EXPECT_EQ(build_manifestation(in).error().code, Errc::invalid_argument);
    in = manifestation();
    in.motive = std::string(14, 'x');
    EXPECT_FALSE(build_manifestation(in));
    in.motive = std::string(15, 'x');
    EXPECT_TRUE(build_manifestation(in));
    in.motive = std::string(499, 'x') + "ñ";  // 500 characters, 501 bytes
    EXPECT_TRUE(build_manifestation(in));
    in.motive = std::string(501, 'x');
    EXPECT_FALSE(build_manifestation(in));
    in = manifestation();
    in.motive.clear();  // optional
    EXPECT_TRUE(build_manifestation(in));
    in.protocol = "2026000000000000000";
    EXPECT_FALSE(build_manifestation(in));
    in = manifestation();
    in.environment.reset();
    EXPECT_FALSE(build_manifestation(in));
    // Structure: order and missing elements.
    auto swapped = validate_event(
        "<rEvManifRecep xmlns=\"http://dgi-fep.mef.gob.pa\"><dVerForm>1.00</dVerForm><gInfProt><dProtAut>" + kProtocol +
        "</dProtAut><iAmb>2</iAmb><dManifRecep>1001</dManifRecep></gInfProt></rEvManifRecep>");
    ASSERT_TRUE(swapped);
    EXPECT_TRUE(has(swapped->findings, "FE-EVENT-UNEXPECTED"));
    EXPECT_TRUE(has(swapped->findings, "FE-EVENT-MISSING"));
    auto other = validate_event("<rFE xmlns=\"http://dgi-fep.mef.gob.pa\"/>");
    ASSERT_TRUE(other);
    EXPECT_TRUE(has(other->findings, "FE-EVENT-ROOT"));
    EXPECT_FALSE(validate_event("<x"));
}

TEST(DgiEvents, AnnulmentAndItsWindow) {
    auto unsigned_event = build_annulment(annulment());
    ASSERT_TRUE(unsigned_event) << unsigned_event.error().message;
    auto signed_event = sign_event(signer(), *unsigned_event);
    ASSERT_TRUE(signed_event);
    auto options = trusted();
    options.now = std::chrono::system_clock::now();
    options.emitted_at = *options.now - std::chrono::hours(24 * 6);
    auto inside = validate_event(*signed_event, options);
    ASSERT_TRUE(inside);
    EXPECT_TRUE(inside->passed()) << inside->to_json();
    EXPECT_EQ(inside->cufe, invoice_cufe());
    EXPECT_FALSE(has(inside->findings, "FE-EVENT-ANNUL-WINDOW"));
    options.emitted_at = *options.now - std::chrono::hours(24 * 8);
    auto late = validate_event(*signed_event, options);
    ASSERT_TRUE(late);
    EXPECT_TRUE(has(late->findings, "FE-EVENT-ANNUL-WINDOW"));
    EXPECT_TRUE(late->passed());  // a warning (SECONDARY window), not an error
    auto in = annulment();
    in.cufe.back() = in.cufe.back() == '0' ? '1' : '0';  // wrong check digit
    EXPECT_FALSE(build_annulment(in));
    in = annulment();
    in.issuer_dv = "5";
    EXPECT_FALSE(build_annulment(in));
    in = annulment();
    in.motive.clear();
    EXPECT_FALSE(build_annulment(in));
}

TEST(DgiEvents, FromJson) {
    auto m = manifestation_from_json(R"({"iAmb": 2, "dProtAut": "20260000000000000001", "dRucRec": "155704849-2-2021",
                                         "dManifRecep": 1004, "dMotManif": "Negocio cancelado por el cliente"})");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->code, 1004);
    EXPECT_TRUE(build_manifestation(*m));
    EXPECT_FALSE(manifestation_from_json(R"({"iAmb": 2, "dProtAut": "1", "dRucRec": "x", "dManifRecep": 1004, "extra": 1})"));
    EXPECT_FALSE(manifestation_from_json(R"({"dProtAut": "1"})"));
    auto a = annulment_from_json(R"({"iAmb": "2", "dCufe": ")" + invoice_cufe() +
                                 R"(", "gRucEm": {"dTipContEm": 2, "dRucEm": "155596713-2-2015", "dDvEm": "59"},
                                     "dMotivoAn": "Factura emitida por error"})");
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_TRUE(build_annulment(*a));
    EXPECT_FALSE(annulment_from_json(R"({"iAmb": 2, "dCufe": "x", "gRucEm": {"zz": 1}, "dMotivoAn": "x"})"));
}

// xmlsec1 verifies the signed events; xmllint checks the manifestation against its schema.
TEST(DgiEvents, XmlsecVerifiesSignedEvents) {
    if (!test::have_tool("xmlsec1")) GTEST_SKIP() << "xmlsec1 not installed: the independent check did not run";
    test::TempDir dir;
    for (const auto& unsigned_event : {*build_manifestation(manifestation()), *build_annulment(annulment())}) {
        auto signed_event = sign_event(signer(), unsigned_event);
        ASSERT_TRUE(signed_event);
        test::write_file(dir / "event.xml", *signed_event);
        const auto r = test::run_command("xmlsec1 --verify --trusted-pem " + test::shell_quote(test::pki("ca.cert.pem")) +
                                         " --untrusted-pem " + test::shell_quote(test::pki("intermediate.cert.pem")) + " " +
                                         test::shell_quote(dir / "event.xml"));
        EXPECT_EQ(r.exit_code, 0) << r.output;
    }
}

TEST(DgiEvents, ManifestationAgreesWithItsSchema) {
    const auto ref = test::shared_reference_dir();
    const fs::path xsd = ref ? *ref / "panama-fe" / "xsd-libxml2" / "evManifRecep_v1.00.xsd" : fs::path();
    if (!ref || !fs::exists(xsd) || !test::have_tool("xmllint"))
        GTEST_SKIP() << "../shared/reference/panama-fe/xsd-libxml2 or xmllint absent: the schema check did not run";
    test::TempDir dir;
    test::write_file(dir / "manif.xml", *sign_event(signer(), *build_manifestation(manifestation())));
    const auto x = test::run_command("xmllint --noout --nonet --schema " + test::shell_quote(xsd) + " " +
                                     test::shell_quote(dir / "manif.xml"));
    EXPECT_EQ(x.exit_code, 0) << x.output;
}

TEST(DgiContainer, BuildAndValidate) {
    // The protocol as the simulator's feRecepFE gives it.
    test::DgiSimulator sim;
    const Client client = test::simulator_client(sim);
    auto sent = client.send(invoice_text());
    ASSERT_TRUE(sent && !sent->protocols.empty());
    const std::string protocol_xml = sent->protocols.front().xml;
    const std::string number = sent->protocol();

    auto manif_in = manifestation();
    manif_in.protocol = number;
    const std::string manif = *sign_event(signer(), *build_manifestation(manif_in));
    const std::string annul = *sign_event(signer(), *build_annulment(annulment()));
    auto container = build_container(invoice_text(), protocol_xml, {annul, manif});
    ASSERT_TRUE(container) << container.error().message;
    auto report = validate_container(*container);
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->passed()) << report->to_json();
    EXPECT_EQ(report->cufe, invoice_cufe());
    EXPECT_EQ(report->protocol, number);
    // The rFE inside keeps its signature: the invoice validator finds and verifies it there.
    invoice::panama::ValidateOptions vo;
    ASSERT_TRUE(vo.verify.trust.add_file(test::pki("chain.pem").string()));
    auto inv = invoice::panama::validate(*container, vo);
    ASSERT_TRUE(inv);
    EXPECT_EQ(inv->wrapper, "rContFe");
    EXPECT_TRUE(inv->signature && inv->signature->passed()) << inv->to_json();

    // A manifestation for another protocol, an annulment for another CUFE: mismatches.
    manif_in.protocol = "20269999999999999999";
    const std::string other_manif = *sign_event(signer(), *build_manifestation(manif_in));
    auto other_in = annulment();
    other_in.cufe = std::string(invoice::panama::parse(test::read_file(test::vectors_dir() / "panama-fe" / "valid" / "02-importacion.xml"))->get("dId"));
    const std::string other_annul = *sign_event(signer(), *build_annulment(other_in));
    auto mixed = validate_container(*build_container(invoice_text(), protocol_xml, {other_annul, other_manif}));
    ASSERT_TRUE(mixed);
    EXPECT_FALSE(mixed->passed());
    std::size_t mismatches = 0;
    for (const auto& f : mixed->findings) mismatches += f.code == "FE-CONT-MISMATCH";
    EXPECT_EQ(mismatches, 2u) << mixed->to_json();
    EXPECT_FALSE(build_container("<x/>", protocol_xml, {}));
    EXPECT_FALSE(build_container(invoice_text(), "<rProtFe", {}));
}

TEST(DgiContainer, AgreesWithItsSchema) {
    const auto ref = test::shared_reference_dir();
    const fs::path xsd = ref ? *ref / "panama-fe" / "xsd-libxml2" / "ContenedorFE_v1.00.xsd" : fs::path();
    if (!ref || !fs::exists(xsd) || !test::have_tool("xmllint"))
        GTEST_SKIP() << "../shared/reference/panama-fe/xsd-libxml2 or xmllint absent: the container schema check did not run";
    const std::string protocol_xml = "<rProtFe><dVerForm>1.00</dVerForm><gInfProt><iAmb>2</iAmb><dVerApl>1.00</dVerApl><dCUFE>" +
                                     invoice_cufe() + "</dCUFE><dFecProc>x</dFecProc><dProAut>" + kProtocol +
                                     "</dProAut><gResProc><dCodRes>0260</dCodRes><dMsgRes>a</dMsgRes></gResProc></gInfProt><Signature /></rProtFe>";
    auto container = build_container(invoice_text(), protocol_xml, {*sign_event(signer(), *build_manifestation(manifestation()))});
    ASSERT_TRUE(container);
    EXPECT_TRUE(validate_container(*container)->passed());
    test::TempDir dir;
    test::write_file(dir / "cont.xml", *container);
    const auto x = test::run_command("xmllint --noout --nonet --schema " + test::shell_quote(xsd) + " " +
                                     test::shell_quote(dir / "cont.xml"));
    EXPECT_EQ(x.exit_code, 0) << x.output;
}

std::string authorisation_protocol(const std::string& protocol = kProtocol) {
    return "<rProtFe><dVerForm>1.00</dVerForm><gInfProt><iAmb>2</iAmb><dVerApl>1.00</dVerApl><dCUFE>" + invoice_cufe() +
           "</dCUFE><dFecProc>x</dFecProc><dProAut>" + protocol +
           "</dProAut><gResProc><dCodRes>0260</dCodRes><dMsgRes>a</dMsgRes></gResProc></gInfProt><Signature /></rProtFe>";
}

// Without events the schema still wants one rContEv: the authorisation is that event.
TEST(DgiContainer, WithoutEventsHoldsTheAuthorisationAsItsEvent) {
    auto container = build_container(invoice_text(), authorisation_protocol(), {});
    ASSERT_TRUE(container) << container.error().message;
    EXPECT_NE(container->find("<xContEv><rContEv><dVerForm>1.00</dVerForm><xEvento><rProtFe>"), std::string::npos) << *container;
    auto report = validate_container(*container);
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->passed()) << report->to_json();

    // The authorisation event is checked like the others: another protocol is a mismatch.
    std::string other = *container;
    const auto event_at = other.find("<xEvento>");
    const auto number_at = other.find(kProtocol, event_at);
    ASSERT_NE(number_at, std::string::npos);
    other.replace(number_at, 20, "20269999999999999999");
    auto mismatched = validate_container(other);
    ASSERT_TRUE(mismatched);
    EXPECT_FALSE(mismatched->passed());
    EXPECT_NE(mismatched->to_json().find("FE-CONT-MISMATCH"), std::string::npos) << mismatched->to_json();

    // An empty xContEv (what istmo built before) breaks the schema: a structure finding.
    std::string empty = *container;
    const auto from = empty.find("<xContEv>") + 9;
    empty.erase(from, empty.find("</xContEv>") - from);
    auto refused = validate_container(empty);
    ASSERT_TRUE(refused);
    EXPECT_FALSE(refused->passed());
    EXPECT_NE(refused->to_json().find("FE-CONT-STRUCTURE"), std::string::npos) << refused->to_json();
}

TEST(DgiContainer, WithoutEventsAgreesWithItsSchema) {
    const auto ref = test::shared_reference_dir();
    const fs::path xsd = ref ? *ref / "panama-fe" / "xsd-libxml2" / "ContenedorFE_v1.00.xsd" : fs::path();
    if (!ref || !fs::exists(xsd) || !test::have_tool("xmllint"))
        GTEST_SKIP() << "../shared/reference/panama-fe/xsd-libxml2 or xmllint absent: the container schema check did not run";
    auto container = build_container(invoice_text(), authorisation_protocol(), {});
    ASSERT_TRUE(container);
    test::TempDir dir;
    test::write_file(dir / "cont.xml", *container);
    const auto x = test::run_command("xmllint --noout --nonet --schema " + test::shell_quote(xsd) + " " +
                                     test::shell_quote(dir / "cont.xml") + " 2>&1");
    EXPECT_EQ(x.exit_code, 0) << x.output;
    // What istmo built before (an empty xContEv) is refused by the same schema: the check bites.
    std::string empty = *container;
    const auto from = empty.find("<xContEv>") + 9;
    empty.erase(from, empty.find("</xContEv>") - from);
    test::write_file(dir / "empty.xml", empty);
    const auto y = test::run_command("xmllint --noout --nonet --schema " + test::shell_quote(xsd) + " " +
                                     test::shell_quote(dir / "empty.xml") + " 2>&1");
    EXPECT_NE(y.exit_code, 0) << y.output;
}

// The simulator's feConsFE container carries the events it registered for the invoice: the
// manifestation (by its protocol) and the annulment (by its CUFE); the container is consistent.
TEST(DgiContainer, SimulatorQueryCarriesTheRegisteredEvents) {
    test::DgiSimulator sim;
    const Client client = test::simulator_client(sim);
    auto sent = client.send(invoice_text());
    ASSERT_TRUE(sent) << sent.error().message;
    auto manif_in = manifestation();
    manif_in.protocol = sent->protocol();
    auto manif = client.send_event(*sign_event(signer(), *build_manifestation(manif_in)));
    ASSERT_TRUE(manif) << manif.error().message;
    EXPECT_EQ(manif->outcome, Outcome::registered) << manif->to_json();
    auto annul = client.send_event(*sign_event(signer(), *build_annulment(annulment())));
    ASSERT_TRUE(annul) << annul.error().message;
    EXPECT_EQ(annul->outcome, Outcome::registered) << annul->to_json();

    auto found = client.query(invoice_cufe());
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_NE(found->container_xml.find("rEvManifRecep"), std::string::npos) << found->container_xml.substr(0, 400);
    EXPECT_NE(found->container_xml.find("rEvAnulaFe"), std::string::npos);
    auto report = validate_container(found->container_xml);
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->passed()) << report->to_json();
    EXPECT_EQ(report->protocol, sent->protocol());
}

}  // namespace
