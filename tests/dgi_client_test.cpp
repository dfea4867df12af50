// The DGI client (dgi::Client) against the loopback DGI simulator (tests/dgi_simulator.hpp):
// every service, SOAP 1.1 and 1.2, and the faults: rejection, malformed answer, HTTP 503, SOAP
// fault, an answer lost after or before processing, a held answer (client deadline), duplicate
// events. The safe-resend rule is checked by counting what the simulator authorised.
#include <istmo/invoice/dgi.hpp>
#include <istmo/invoice/panama.hpp>

#include "dgi_simulator.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace istmo;
using namespace istmo::invoice::panama::dgi;
using Fault = test::DgiSimulator::Fault;

std::string invoice(const std::string& name = "01-factura.xml") {
    return test::read_file(test::vectors_dir() / "panama-fe" / "valid" / name);
}

std::string cufe_of(const std::string& rfe) { return std::string(invoice::panama::parse(rfe)->get("dId")); }

TEST(DgiClient, SendAuthorisesAndQueryFindsTheProtocol) {
    test::DgiSimulator sim;
    const Client client = test::simulator_client(sim);
    const std::string rfe = invoice();
    auto sent = client.send(rfe);
    ASSERT_TRUE(sent) << sent.error().message;
    EXPECT_EQ(sent->outcome, Outcome::authorised) << sent->to_json();
    EXPECT_EQ(sent->protocol().size(), 20u);
    EXPECT_GE(sent->protocol().substr(0, 4), "2026");  // the simulator writes the current year
    EXPECT_EQ(sent->sends, 1);
    EXPECT_FALSE(sent->recovered_by_query);
    EXPECT_EQ(sent->protocols[0].signature, ProtocolSignature::empty_unsigned);
    auto found = client.query(cufe_of(rfe));
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_EQ(found->outcome, Outcome::found);
    EXPECT_EQ(found->protocol(), sent->protocol());
    EXPECT_NE(found->container_xml.find("rContFe"), std::string::npos);
    // The client posted SOAP 1.2 to the service's own path.
    const auto heads = sim.seen_heads();
    ASSERT_FALSE(heads.empty());
    EXPECT_NE(heads[0].find("POST /FepWcfService/feRecepFE.svc"), std::string::npos) << heads[0];
    EXPECT_NE(heads[0].find("application/soap+xml"), std::string::npos);
}

TEST(DgiClient, Soap11SendsSoapAction) {
    test::DgiSimulator sim;
    const Client client = test::simulator_client(sim, SoapVersion::soap11);
    auto sent = client.send(invoice());
    ASSERT_TRUE(sent) << sent.error().message;
    EXPECT_EQ(sent->outcome, Outcome::authorised);
    EXPECT_EQ(sent->soap, SoapVersion::soap11);
    const auto heads = sim.seen_heads();
    EXPECT_NE(heads[0].find("SOAPAction: \"http://dgi-fep.mef.gob.pa/wsdl/FeRecepFE/feRecepFE\""), std::string::npos)
        << heads[0];
}

TEST(DgiClient, RejectionAndUnknownCufe) {
    test::DgiSimulator sim;
    const Client client = test::simulator_client(sim);
    sim.script({Fault::reject});
    auto rejected = client.send(invoice());
    ASSERT_TRUE(rejected) << rejected.error().message;
    EXPECT_EQ(rejected->outcome, Outcome::rejected);
    ASSERT_FALSE(rejected->all_codes().empty());
    EXPECT_EQ(rejected->all_codes()[0]->code, "1602");
    auto missing = client.query(cufe_of(invoice("02-importacion.xml")));
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->outcome, Outcome::rejected);
}

TEST(DgiClient, AnswerLostAfterProcessingIsRecoveredByQueryNotResent) {
    test::DgiSimulator sim;
    const Client client = test::simulator_client(sim);
    const std::string rfe = invoice();
    sim.script({Fault::drop_after_processing});
    auto sent = client.send(rfe);
    ASSERT_TRUE(sent) << sent.error().message;
    EXPECT_EQ(sent->outcome, Outcome::authorised);
    EXPECT_TRUE(sent->recovered_by_query);
    EXPECT_EQ(sent->sends, 1);
    EXPECT_EQ(sim.requests("feRecepFE"), 1);
    EXPECT_EQ(sim.requests("feConsFE"), 1);
    EXPECT_EQ(sim.authorisations(cufe_of(rfe)), 1);
}

TEST(DgiClient, AnswerLostBeforeProcessingIsResentOnceAfterTheQuery) {
    test::DgiSimulator sim;
    const Client client = test::simulator_client(sim);
    const std::string rfe = invoice();
    sim.script({Fault::drop_unprocessed});
    auto sent = client.send(rfe);
    ASSERT_TRUE(sent) << sent.error().message;
    EXPECT_EQ(sent->outcome, Outcome::authorised);
    EXPECT_FALSE(sent->recovered_by_query);
    EXPECT_EQ(sent->sends, 2);
    EXPECT_EQ(sim.requests("feRecepFE"), 2);
    EXPECT_EQ(sim.requests("feConsFE"), 1);
    EXPECT_EQ(sim.authorisations(cufe_of(rfe)), 1);
}

TEST(DgiClient, DeadlineThenQuery) {
    test::DgiSimulator sim;
    // The held answer never comes: the client's per-attempt deadline ends the send; the query
    // that follows is answered at once.
    const Client client = test::simulator_client(sim, SoapVersion::soap12, std::chrono::milliseconds(3000));
    const std::string rfe = invoice();
    sim.script({Fault::hold_after_processing});
    auto sent = client.send(rfe);
    ASSERT_TRUE(sent) << sent.error().message;
    EXPECT_TRUE(sent->recovered_by_query);
    EXPECT_EQ(sim.requests("feRecepFE"), 1);
    EXPECT_EQ(sim.authorisations(cufe_of(rfe)), 1);
}

TEST(DgiClient, LostAnswerAndFailedQueryLeaveTheStateUnknown) {
    test::DgiSimulator sim;
    const Client client = test::simulator_client(sim);
    // The send's answer is lost, then the query meets 503 three times (its retries): no resend.
    sim.script({Fault::drop_unprocessed, Fault::http_error, Fault::http_error, Fault::http_error});
    auto sent = client.send(invoice());
    ASSERT_FALSE(sent);
    EXPECT_EQ(sent.error().code, Errc::unavailable);
    EXPECT_NE(sent.error().message.find("unknown"), std::string::npos) << sent.error().message;
    EXPECT_EQ(sim.requests("feRecepFE"), 1);
}

TEST(DgiClient, MalformedAnswerAndSoapFault) {
    test::DgiSimulator sim;
    const Client client = test::simulator_client(sim);
    sim.script({Fault::malformed, Fault::http_error, Fault::http_error, Fault::http_error});
    auto ruc = client.ruc("155704849-2-2021", 2);  // an idempotent query: retried on 503 only
    ASSERT_FALSE(ruc);
    EXPECT_EQ(ruc.error().code, Errc::parse_error);
    // HTTP 500 is retried for a query (the transport's rule); the last fault is the answer.
    sim.script({Fault::soap_fault, Fault::soap_fault, Fault::soap_fault});
    auto fault = client.ruc("155704849-2-2021", 2);
    ASSERT_TRUE(fault) << fault.error().message;
    EXPECT_EQ(fault->outcome, Outcome::fault);
    ASSERT_TRUE(fault->fault);
    EXPECT_NE(fault->fault->reason.find("SIMULADOR"), std::string::npos);
    auto ok = client.ruc("155704849-2-2021", 2);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->outcome, Outcome::found);
    EXPECT_EQ(ok->dv, "32");
}

TEST(DgiClient, BatchAndItsResult) {
    test::DgiSimulator sim;
    const Client client = test::simulator_client(sim);
    auto batch = client.send_batch({invoice(), invoice("02-importacion.xml")});
    ASSERT_TRUE(batch) << batch.error().message;
    EXPECT_EQ(batch->outcome, Outcome::accepted);
    ASSERT_FALSE(batch->batch_protocol.empty());
    auto result = client.batch_result(batch->batch_protocol);
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->outcome, Outcome::found);
    ASSERT_EQ(result->protocols.size(), 2u);
    EXPECT_EQ(result->protocols[1].cufe, cufe_of(invoice("02-importacion.xml")));
    // A batch whose answer is lost is not resent.
    sim.script({Fault::drop_unprocessed});
    auto lost = client.send_batch({invoice()});
    ASSERT_FALSE(lost);
    EXPECT_NE(lost.error().message.find("never resent"), std::string::npos);
}

TEST(DgiClient, EventRegisteredThenDuplicate) {
    test::DgiSimulator sim;
    const Client client = test::simulator_client(sim);
    const std::string event = "<rEvManifRecep xmlns=\"http://dgi-fep.mef.gob.pa\"><dVerForm>1.00</dVerForm></rEvManifRecep>";
    auto first = client.send_event(event);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->outcome, Outcome::registered);
    auto again = client.send_event(event);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->outcome, Outcome::duplicate);
}

TEST(DgiClient, EnvironmentIsCheckedAgainstTheInvoice) {
    test::DgiSimulator sim;
    ClientOptions options;
    options.environment = Environment::production;
    options.base_url = sim.base_url();
    auto client = Client::create(options);
    ASSERT_TRUE(client);
    auto sent = client->send(invoice());  // the test vectors are iAmb 2
    ASSERT_FALSE(sent);
    EXPECT_EQ(sent.error().code, Errc::invalid_argument);
    EXPECT_EQ(sim.requests("feRecepFE"), 0);
    options.base_url = "ftp://x";
    EXPECT_FALSE(Client::create(options));
}

TEST(DgiClient, UnreachableIsUnavailable) {
    int port = 0;
    { test::DgiSimulator gone; port = std::stoi(gone.base_url().substr(gone.base_url().rfind(':') + 1)); }
    ClientOptions options;
    options.environment = Environment::test;
    options.base_url = "http://127.0.0.1:" + std::to_string(port);
    options.http.retries = 0;
    auto client = Client::create(options);
    ASSERT_TRUE(client);
    auto r = client->ruc("155704849-2-2021", 2);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::unavailable);
}

}  // namespace

namespace {

// The transmission certificate as PKCS#12 (net::HttpOptions::client_p12_file): loaded with its
// password, refused with a wrong one or beside PEM files. (The handshake itself is TLS as for
// the PEM client certificate.)
TEST(DgiClient, TransmissionCertificateAsPkcs12) {
    using namespace istmo;
    invoice::panama::dgi::ClientOptions options;
    options.environment = invoice::panama::dgi::Environment::test;
    options.http.client_p12_file = test::pki("rsa2048.p12").string();
    options.http.client_key_password = "istmo-test-pass";
    EXPECT_TRUE(invoice::panama::dgi::Client::create(options));
    options.http.client_key_password = "wrong";
    auto wrong = invoice::panama::dgi::Client::create(options);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, Errc::invalid_argument);
    options.http.client_key_password = "istmo-test-pass";
    options.http.client_cert_file = test::pki("rsa2048.cert.pem").string();
    options.http.client_key_file = test::pki("rsa2048.key.pem").string();
    EXPECT_FALSE(invoice::panama::dgi::Client::create(options));
}

}  // namespace
