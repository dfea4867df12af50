// The response caps of the DGI client: feConsFE answers carry a whole rContFe (the signed rFE,
// its protocol, every event), so their cap (ClientOptions::max_query_response_bytes, 16 MiB) is
// not the other services' (net::HttpOptions::max_response_bytes, 1 MiB); both follow
// `istmo dgi --max-response BYTES`. A loopback server answers with a 3 MiB container.
#include <istmo/invoice/dgi.hpp>

#include "loopback_http_server.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace istmo;
using namespace istmo::invoice::panama::dgi;

constexpr const char* kCufe = "FE0120000155704849-2-2021-3200001120260101000000000100100123456789";

// An rRetEnviConsFe (0422) whose rContFe holds an rFE padded to about 3 MiB, or an
// rRetEnviConsRucDV padded the same way, as the request asks.
std::string large_answer(const test::LoopbackRequest& request) {
    const std::string padding(3u * 1024 * 1024, 'x');
    const bool ruc = request.body.find("rEnviConsRucDV") != std::string::npos;
    const std::string content =
        ruc ? "<rRetEnviConsRucDV><iAmb>2</iAmb><dRuc>155704849-2-2021</dRuc><dDV>32</dDV><dNomb>" + padding +
                  "</dNomb></rRetEnviConsRucDV>"
            : std::string("<rRetEnviConsFe><dVerForm>1.00</dVerForm><iAmb>2</iAmb><dVerApl>1.00</dVerApl><gResProc><dCodRes>0422"
                          "</dCodRes><dMsgRes>Exito</dMsgRes></gResProc><xContenFE><rContFe><dVerForm>1.00</dVerForm><xFe>"
                          "<rFE xmlns=\"http://dgi-fep.mef.gob.pa\"><dId>") +
                  kCufe + "</dId><dPad>" + padding +
                  "</dPad></rFE></xFe><xProtFe><rProtFe><dVerForm>1.00</dVerForm><gInfProt><iAmb>2</iAmb><dCUFE>" + kCufe +
                  "</dCUFE><dProAut>20260000000000000001</dProAut><gResProc><dCodRes>0260</dCodRes><dMsgRes>a</dMsgRes>"
                  "</gResProc></gInfProt></rProtFe></xProtFe></rContFe></xContenFE></rRetEnviConsFe>";
    const std::string body = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>" + content +
                             "</s:Body></s:Envelope>";
    return "HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
}

ClientOptions options_for(const test::LoopbackHttpServer& server) {
    ClientOptions options;
    options.environment = Environment::test;
    options.base_url = server.url("");
    options.http.retries = 0;
    options.http.request_timeout = std::chrono::seconds(60);
    options.http.total_timeout = std::chrono::seconds(120);
    return options;
}

TEST(DgiResponseCap, ALargeContainerFitsTheQueryCapAndNotTheOthers) {
    test::LoopbackHttpServer server(large_answer);
    auto client = Client::create(options_for(server));
    ASSERT_TRUE(client) << client.error().message;
    auto found = client->query(kCufe);
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_EQ(found->outcome, Outcome::found);
    EXPECT_GT(found->container_xml.size(), 3u * 1024 * 1024);
    EXPECT_EQ(found->protocol(), "20260000000000000001");
    // The same size on a service without documents is over its (smaller) cap.
    auto ruc = client->ruc("155704849-2-2021", 2);
    ASSERT_FALSE(ruc);
    EXPECT_EQ(ruc.error().code, Errc::limit_exceeded) << ruc.error().message;

    // A smaller query cap refuses the container; a larger general cap lets the RUC answer in.
    ClientOptions small = options_for(server);
    small.max_query_response_bytes = 1024 * 1024;
    small.http.max_response_bytes = 8u * 1024 * 1024;
    auto capped = Client::create(small);
    ASSERT_TRUE(capped);
    auto refused = capped->query(kCufe);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::limit_exceeded) << refused.error().message;
    auto ruc_fits = capped->ruc("155704849-2-2021", 2);
    ASSERT_TRUE(ruc_fits) << ruc_fits.error().message;
    EXPECT_EQ(ruc_fits->dv, "32");

    small.max_query_response_bytes = 0;
    EXPECT_FALSE(Client::create(small));
}

TEST(DgiResponseCap, CliMaxResponse) {
    ISTMO_SKIP_WITHOUT_CLI();
    test::LoopbackHttpServer server(large_answer);
    const std::string conn = "--env test --lang en --endpoint " + test::shell_quote(server.url(""));
    auto fits = test::run_cli("dgi query " + conn + " " + kCufe);
    EXPECT_EQ(fits.exit_code, 0) << fits.output.substr(0, 2000);
    EXPECT_NE(fits.output.find("FOUND"), std::string::npos) << fits.output.substr(0, 2000);
    auto capped = test::run_cli("dgi query " + conn + " --max-response 1M " + kCufe);
    EXPECT_NE(capped.exit_code, 0);
    EXPECT_NE(capped.output.find("larger than 1048576 bytes"), std::string::npos) << capped.output.substr(0, 2000);
    auto raised = test::run_cli("dgi ruc " + conn + " --max-response 8M 155704849-2-2021");
    EXPECT_EQ(raised.exit_code, 0) << raised.output.substr(0, 2000);
    auto bad = test::run_cli("dgi query " + conn + " --max-response 12 " + kCufe);
    EXPECT_EQ(bad.exit_code, 64) << bad.output;
    EXPECT_NE(bad.output.find("--max-response must be 1K to 1G"), std::string::npos) << bad.output;
}

}  // namespace
