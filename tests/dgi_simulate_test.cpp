// The shipped DGI simulator: `istmo dgi simulate` as its own process, driven by dgi::Client over
// HTTPS with the transmission certificate as TLS client certificate (SOAP 1.2 and 1.1, every
// service, validation codes, a client without certificate refused, its fault flags, its SIGTERM
// stop, its loud "SIMULATOR/SIMULADOR" log); and the in-process service::DgiSimulator's fault
// modes and validation codes that the client tests do not cover.
#include <istmo/invoice/dgi.hpp>
#include <istmo/invoice/dgi_events.hpp>
#include <istmo/invoice/panama.hpp>
#include <istmo/service/dgi_simulator.hpp>

#include "dgi_simulator.hpp"
#include "test_support.hpp"
#include "test_support/simulator_process.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>

namespace {

using namespace istmo;
using namespace istmo::invoice::panama::dgi;
using Fault = service::DgiFault;

std::string vector_file(const std::string& path) { return test::read_file(test::vectors_dir() / "panama-fe" / path); }
std::string cufe_of(const std::string& rfe) { return std::string(invoice::panama::parse(rfe)->get("dId")); }

ClientOptions https_options(const test::SimulatorProcess& sim, SoapVersion soap = SoapVersion::soap12) {
    ClientOptions options;
    options.environment = Environment::test;
    options.base_url = sim.base_url();
    options.soap = soap;
    options.http.ca_file = sim.server_cert();
    options.http.client_p12_file = test::pki("rsa2048.p12").string();
    options.http.client_key_password = "istmo-test-pass";
    options.http.request_timeout = std::chrono::seconds(60);
    options.http.total_timeout = std::chrono::seconds(120);
    options.http.backoff = std::chrono::milliseconds(1);
    return options;
}

std::vector<std::string> codes(const Response& r) {
    std::vector<std::string> out;
    for (const auto* c : r.all_codes()) out.push_back(c->code);
    return out;
}

TEST(DgiSimulate, HttpsWithClientCertificateEveryServiceAndStop) {
    test::SimulatorProcess sim;
    if (!sim.started()) GTEST_SKIP() << "istmo dgi simulate did not run: " << sim.why();
    auto client = Client::create(https_options(sim));
    ASSERT_TRUE(client) << client.error().message;

    const std::string rfe = vector_file("valid/01-factura.xml");
    auto sent = client->send(rfe);
    ASSERT_TRUE(sent) << sent.error().message;
    EXPECT_EQ(sent->outcome, Outcome::authorised) << sent->to_json();
    EXPECT_EQ(sent->protocol().size(), 20u);
    EXPECT_EQ(codes(*sent), std::vector<std::string>{"0260"}) << sent->to_json();  // trusted signer: no 9010
    EXPECT_EQ(sent->protocols.at(0).signature, ProtocolSignature::empty_unsigned);

    auto found = client->query(cufe_of(rfe));
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_EQ(found->outcome, Outcome::found);
    EXPECT_EQ(found->protocol(), sent->protocol());
    auto container = validate_container(found->container_xml);
    ASSERT_TRUE(container) << container.error().message;
    EXPECT_TRUE(container->passed()) << container->to_json();

    // SOAP 1.1, the same rFE: the protocol it already has (never authorised twice).
    auto client11 = Client::create(https_options(sim, SoapVersion::soap11));
    ASSERT_TRUE(client11);
    auto again = client11->send(rfe);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->soap, SoapVersion::soap11);
    EXPECT_EQ(again->protocol(), sent->protocol());

    // A signed field changed: rejected with the simulator's signature code.
    auto changed = client->send(vector_file("invalid/x75-signed-content-changed.xml"));
    ASSERT_TRUE(changed) << changed.error().message;
    EXPECT_EQ(changed->outcome, Outcome::rejected) << changed->to_json();
    EXPECT_TRUE(changed->protocol().empty());
    const auto changed_codes = codes(*changed);
    EXPECT_NE(std::find(changed_codes.begin(), changed_codes.end(), "9004"), changed_codes.end()) << changed->to_json();

    auto batch = client->send_batch({vector_file("valid/02-importacion.xml"), vector_file("valid/03-exportacion.xml")});
    ASSERT_TRUE(batch) << batch.error().message;
    EXPECT_EQ(batch->outcome, Outcome::accepted) << batch->to_json();
    auto result = client->batch_result(batch->batch_protocol);
    ASSERT_TRUE(result) << result.error().message;
    ASSERT_EQ(result->protocols.size(), 2u) << result->to_json();
    for (const auto& p : result->protocols) EXPECT_EQ(p.protocol.size(), 20u) << result->to_json();

    auto ruc = client->ruc("155704849-2-2021", 2);
    ASSERT_TRUE(ruc) << ruc.error().message;
    EXPECT_EQ(ruc->outcome, Outcome::found);
    EXPECT_EQ(ruc->dv, "32");  // the sandbox issuer's DV (SPEC §10)

    // Without a client certificate the handshake is refused.
    ClientOptions bare = https_options(sim);
    bare.http.client_p12_file.clear();
    bare.http.client_key_password.clear();
    bare.http.retries = 0;
    auto anonymous = Client::create(bare);
    ASSERT_TRUE(anonymous);
    auto refused = anonymous->ruc("155704849-2-2021", 2);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::unavailable);

    EXPECT_EQ(sim.stop(), 0);
    const std::string log = sim.log();
    EXPECT_NE(log.find("this is NOT the DGI"), std::string::npos) << log;
    EXPECT_NE(log.find("esto NO es la DGI"), std::string::npos) << log;
    EXPECT_NE(log.find("stopped"), std::string::npos) << log;
    // Every answer's line says it is the simulator.
    std::istringstream lines(log);
    int answered = 0;
    for (std::string line; std::getline(lines, line);) {
        if (line.find("feRecepFE") == std::string::npos && line.find("feConsFE") == std::string::npos) continue;
        ++answered;
        EXPECT_EQ(line.rfind("SIMULATOR/SIMULADOR (not the DGI / no es la DGI)", 0), 0u) << line;
    }
    EXPECT_GE(answered, 4) << log;
}

TEST(DgiSimulate, FaultFlagsRejectAndHttpError) {
    test::SimulatorProcess rejecting({"--fault", "reject", "--reject-code", "1601"});
    if (!rejecting.started()) GTEST_SKIP() << "istmo dgi simulate did not run: " << rejecting.why();
    auto client = Client::create(https_options(rejecting));
    ASSERT_TRUE(client);
    auto r = client->send(vector_file("valid/01-factura.xml"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->outcome, Outcome::rejected);
    EXPECT_EQ(codes(*r), std::vector<std::string>{"1601"}) << r->to_json();
    EXPECT_EQ(rejecting.stop(), 0);

    // Every second request answered 503: a query retried by the client gets through.
    test::SimulatorProcess failing({"--fault", "5xx", "--fault-every", "2"});
    ASSERT_TRUE(failing.started()) << failing.why();
    auto c2 = Client::create(https_options(failing));
    ASSERT_TRUE(c2);
    auto first = c2->ruc("155704849-2-2021", 2);  // request 1: answered
    ASSERT_TRUE(first) << first.error().message;
    auto second = c2->ruc("155704849-2-2021", 2);  // request 2: 503, retried as request 3
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ(second->dv, "32");
    EXPECT_EQ(failing.stop(), 0);
    EXPECT_NE(failing.log().find("fault=http-error: HTTP 503"), std::string::npos) << failing.log();
}

TEST(DgiSimulate, RefusesPlainHttpUnlessAskedAndBadFaults) {
    ISTMO_SKIP_WITHOUT_CLI();
    auto plain = test::run_cli("dgi simulate --listen 127.0.0.1:0 --lang en");
    EXPECT_EQ(plain.exit_code, 64) << plain.output;
    EXPECT_NE(plain.output.find("HTTPS"), std::string::npos) << plain.output;
    auto bad = test::run_cli("dgi simulate --insecure-http --fault sometimes --lang es");
    EXPECT_EQ(bad.exit_code, 64) << bad.output;
    EXPECT_NE(bad.output.find("--fault desconocido"), std::string::npos) << bad.output;
    auto help = test::run_cli("dgi simulate --help --lang es");
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.output.find("NO ES LA DGI"), std::string::npos) << help.output;
}

// ---- in process ------------------------------------------------------------------------------

Client plain_client(const test::DgiSimulator& sim) {
    ClientOptions options;
    options.environment = Environment::test;
    options.base_url = sim.base_url();
    options.http.backoff = std::chrono::milliseconds(1);
    options.http.request_timeout = std::chrono::seconds(60);
    options.http.total_timeout = std::chrono::seconds(120);
    auto client = Client::create(std::move(options));
    EXPECT_TRUE(client) << client.error().message;
    return std::move(*client);
}

TEST(DgiSimulator, ValidationCodesOfFailedRules) {
    test::DgiSimulator sim;
    const Client client = plain_client(sim);
    struct Case {
        const char* file;
        const char* code;
    };
    for (const Case c : {Case{"invalid/x75-signed-content-changed.xml", "9004"}, Case{"invalid/x40-signature-missing.xml", "0100"}}) {
        auto r = client.send(vector_file(c.file));
        ASSERT_TRUE(r) << c.file << ": " << r.error().message;
        EXPECT_EQ(r->outcome, Outcome::rejected) << c.file;
        const auto got = codes(*r);
        EXPECT_NE(std::find(got.begin(), got.end(), c.code), got.end()) << c.file << ": " << r->to_json();
        EXPECT_EQ(sim.authorisations(cufe_of(vector_file(c.file))), 0) << c.file;
    }
}

TEST(DgiSimulator, UntrustedSignerIsANotificationUnlessRequired) {
    service::DgiSimulatorOptions options;
    options.insecure_http = true;  // no trust anchors at all
    test::DgiSimulator lenient(options);
    auto r = plain_client(lenient).send(vector_file("valid/01-factura.xml"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->outcome, Outcome::authorised);
    EXPECT_EQ(codes(*r), (std::vector<std::string>{"0260", "9010"})) << r->to_json();

    options.require_trusted_signer = true;
    test::DgiSimulator strict(options);
    auto s = plain_client(strict).send(vector_file("valid/01-factura.xml"));
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->outcome, Outcome::rejected);
    EXPECT_EQ(codes(*s), std::vector<std::string>{"9004"}) << s->to_json();
}

TEST(DgiSimulator, DuplicateSlowAndStandingFaults) {
    auto options = test::DgiSimulator::default_options();
    options.slow_delay = std::chrono::milliseconds(1);
    test::DgiSimulator sim(options);
    const Client client = plain_client(sim);
    const std::string rfe = vector_file("valid/01-factura.xml");
    sim.script({Fault::duplicate, Fault::slow});
    auto dup = client.send(rfe);
    ASSERT_TRUE(dup) << dup.error().message;
    EXPECT_EQ(dup->outcome, Outcome::duplicate) << dup->to_json();
    auto slow = client.send(rfe);
    ASSERT_TRUE(slow) << slow.error().message;
    EXPECT_EQ(slow->outcome, Outcome::authorised) << slow->to_json();
    EXPECT_EQ(sim.authorisations(cufe_of(rfe)), 1);

    options.fault = Fault::malformed;
    test::DgiSimulator broken(options);
    auto bad = plain_client(broken).query(cufe_of(rfe));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::parse_error) << bad.error().message;
}

TEST(DgiSimulator, OptionsAreChecked) {
    service::DgiSimulatorOptions none;
    auto refused = service::DgiSimulator::start(none);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::invalid_argument);
    service::DgiSimulatorOptions bad_listen;
    bad_listen.insecure_http = true;
    bad_listen.listen = "localhost";
    EXPECT_FALSE(service::DgiSimulator::start(bad_listen));
    bad_listen.listen = "127.0.0.1:0";
    bad_listen.reject_code = "16";
    EXPECT_FALSE(service::DgiSimulator::start(bad_listen));
    EXPECT_EQ(*service::parse_dgi_fault("5xx"), Fault::http_error);
    EXPECT_FALSE(service::parse_dgi_fault("sometimes"));
    for (const Fault f : {Fault::none, Fault::reject, Fault::duplicate, Fault::malformed, Fault::http_error, Fault::soap_fault,
                          Fault::slow, Fault::drop_after_processing, Fault::drop_unprocessed, Fault::hold_after_processing})
        EXPECT_EQ(*service::parse_dgi_fault(service::dgi_fault_name(f)), f);
}

}  // namespace
