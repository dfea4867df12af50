// istmo_dgi_send / istmo_dgi_query and the reusable client istmo_dgi_client_* (C API node
// ISTMO_C_0.2) against the shipped DGI simulator (`istmo dgi simulate`, its own process, HTTPS
// with the transmission certificate as TLS client certificate): an authorisation with its
// 20-digit protocol and codes, the query's container, a rejection with its codes, one client
// serving many calls and threads; and the error paths (options, NULLs, handles, indexes), each
// with its English and Spanish message.
#include <istmo/istmo.h>

#include "test_support.hpp"
#include "test_support/simulator_process.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Free {
    void operator()(istmo_dgi_options* p) const { istmo_dgi_options_free(p); }
    void operator()(istmo_dgi_answer* p) const { istmo_dgi_answer_free(p); }
    void operator()(istmo_dgi_client* p) const { istmo_dgi_client_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

std::string vector_file(const std::string& path) {
    return istmo::test::read_file(istmo::test::vectors_dir() / "panama-fe" / path);
}

Owned<istmo_dgi_options> options_for(const istmo::test::SimulatorProcess& sim) {
    istmo_dgi_options* raw = nullptr;
    EXPECT_EQ(istmo_dgi_options_new(&raw, 2), ISTMO_OK) << istmo_last_error_message();
    Owned<istmo_dgi_options> options(raw);
    const std::vector<std::pair<std::string, std::string>> settings = {
        {"endpoint", sim.base_url()},
        {"cacert", sim.server_cert()},
        {"client-p12", istmo::test::pki("rsa2048.p12").string()},
        {"password", "istmo-test-pass"},
        {"timeout", "60"},
    };
    for (const auto& [name, value] : settings)
        EXPECT_EQ(istmo_dgi_options_set(options.get(), name.c_str(), value.c_str()), ISTMO_OK)
            << name << ": " << istmo_last_error_message();
    return options;
}

std::vector<std::string> codes_of(const istmo_dgi_answer* answer) {
    std::vector<std::string> out;
    const int count = istmo_dgi_answer_code_count(answer);
    for (int i = 0; i < count; ++i) {
        const char* code = nullptr;
        const char* message = nullptr;
        EXPECT_EQ(istmo_dgi_answer_code(answer, static_cast<size_t>(i), &code, &message), ISTMO_OK);
        EXPECT_NE(message, nullptr);
        out.emplace_back(code ? code : "");
    }
    return out;
}

TEST(CapiDgi, SendAndQueryThroughTheSimulatorOverHttps) {
    istmo::test::SimulatorProcess sim;
    if (!sim.started()) GTEST_SKIP() << "istmo dgi simulate did not run: " << sim.why();
    const auto options = options_for(sim);

    const std::string rfe = vector_file("valid/01-factura.xml");
    istmo_dgi_answer* raw = nullptr;
    ASSERT_EQ(istmo_dgi_send(&raw, rfe.data(), rfe.size(), options.get()), ISTMO_OK) << istmo_last_error_message();
    Owned<istmo_dgi_answer> sent(raw);
    EXPECT_EQ(istmo_dgi_answer_outcome(sent.get()), ISTMO_DGI_AUTHORISED) << istmo_dgi_answer_json(sent.get());
    const std::string protocol = istmo_dgi_answer_protocol(sent.get());
    EXPECT_EQ(protocol.size(), 20u);
    EXPECT_EQ(protocol.find_first_not_of("0123456789"), std::string::npos) << protocol;
    EXPECT_EQ(codes_of(sent.get()), std::vector<std::string>{"0260"});
    EXPECT_NE(std::string(istmo_dgi_answer_json(sent.get())).find("\"authorised\""), std::string::npos);
    size_t container_len = 1;
    EXPECT_STREQ(istmo_dgi_answer_container(sent.get(), &container_len), "");
    EXPECT_EQ(container_len, 0u);

    const std::string cufe = "FE" + rfe.substr(rfe.find("<dId>FE") + 7, 64);
    ASSERT_EQ(istmo_dgi_query(&raw, cufe.c_str(), options.get()), ISTMO_OK) << istmo_last_error_message();
    Owned<istmo_dgi_answer> found(raw);
    EXPECT_EQ(istmo_dgi_answer_outcome(found.get()), ISTMO_DGI_FOUND) << istmo_dgi_answer_json(found.get());
    EXPECT_EQ(std::string(istmo_dgi_answer_protocol(found.get())), protocol);
    const char* container = istmo_dgi_answer_container(found.get(), &container_len);
    ASSERT_NE(container, nullptr);
    EXPECT_EQ(std::string(container).size(), container_len);
    EXPECT_NE(std::string(container).find("<rContFe"), std::string::npos);

    const std::string changed = vector_file("invalid/x75-signed-content-changed.xml");
    ASSERT_EQ(istmo_dgi_send(&raw, changed.data(), changed.size(), options.get()), ISTMO_OK) << istmo_last_error_message();
    Owned<istmo_dgi_answer> rejected(raw);
    EXPECT_EQ(istmo_dgi_answer_outcome(rejected.get()), ISTMO_DGI_REJECTED);
    EXPECT_STREQ(istmo_dgi_answer_protocol(rejected.get()), "");
    const auto codes = codes_of(rejected.get());
    EXPECT_NE(std::find(codes.begin(), codes.end(), "9004"), codes.end());
    const char* code = "x";
    EXPECT_EQ(istmo_dgi_answer_code(rejected.get(), codes.size(), &code, nullptr), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(code, nullptr);
    EXPECT_NE(std::string(istmo_last_error_message_es()).find("fuera de rango"), std::string::npos)
        << istmo_last_error_message_es();
    EXPECT_EQ(sim.stop(), 0);
}

// One client handle for many calls, on several threads at once, outliving the options it was
// made from: the same answers as the per-call functions.
TEST(CapiDgi, OneClientServesManyCallsAndThreads) {
    istmo::test::SimulatorProcess sim;
    if (!sim.started()) GTEST_SKIP() << "istmo dgi simulate did not run: " << sim.why();
    istmo_dgi_client* raw_client = nullptr;
    {
        const auto options = options_for(sim);
        ASSERT_EQ(istmo_dgi_client_new(&raw_client, options.get()), ISTMO_OK) << istmo_last_error_message();
    }  // the options are freed: the client keeps its own copy
    const Owned<istmo_dgi_client> client(raw_client);

    const std::string rfe = vector_file("valid/02-importacion.xml");
    istmo_dgi_answer* raw = nullptr;
    ASSERT_EQ(istmo_dgi_client_send(&raw, client.get(), rfe.data(), rfe.size()), ISTMO_OK) << istmo_last_error_message();
    Owned<istmo_dgi_answer> sent(raw);
    EXPECT_EQ(istmo_dgi_answer_outcome(sent.get()), ISTMO_DGI_AUTHORISED) << istmo_dgi_answer_json(sent.get());
    EXPECT_EQ(codes_of(sent.get()), std::vector<std::string>{"0260"});
    const std::string protocol = istmo_dgi_answer_protocol(sent.get());
    EXPECT_EQ(protocol.size(), 20u);

    const std::string cufe = "FE" + rfe.substr(rfe.find("<dId>FE") + 7, 64);
    constexpr int threads = 4;
    constexpr int queries_each = 3;
    std::vector<std::vector<std::string>> seen(threads);  // protocol found, or the error
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (int i = 0; i < queries_each; ++i) {
                istmo_dgi_answer* answer = nullptr;
                if (istmo_dgi_client_query(&answer, client.get(), cufe.c_str()) != ISTMO_OK) {
                    seen[static_cast<std::size_t>(t)].push_back(std::string("error: ") + istmo_last_error_message());
                    continue;
                }
                const Owned<istmo_dgi_answer> found(answer);
                const bool ok = istmo_dgi_answer_outcome(found.get()) == ISTMO_DGI_FOUND &&
                                std::string(istmo_dgi_answer_container(found.get(), nullptr)).find("<rContFe") !=
                                    std::string::npos;
                seen[static_cast<std::size_t>(t)].push_back(ok ? istmo_dgi_answer_protocol(found.get())
                                                                : std::string("not found"));
            }
        });
    for (auto& thread : pool) thread.join();
    for (const auto& protocols : seen)
        EXPECT_EQ(protocols, std::vector<std::string>(queries_each, protocol));

    // The same document again: the simulator answers as for a second send of it.
    ASSERT_EQ(istmo_dgi_client_send(&raw, client.get(), rfe.data(), rfe.size()), ISTMO_OK) << istmo_last_error_message();
    Owned<istmo_dgi_answer> again(raw);
    istmo_dgi_answer* per_call = nullptr;
    const auto options = options_for(sim);
    ASSERT_EQ(istmo_dgi_send(&per_call, rfe.data(), rfe.size(), options.get()), ISTMO_OK) << istmo_last_error_message();
    Owned<istmo_dgi_answer> again_per_call(per_call);
    EXPECT_EQ(istmo_dgi_answer_outcome(again.get()), istmo_dgi_answer_outcome(again_per_call.get()));
    EXPECT_EQ(codes_of(again.get()), codes_of(again_per_call.get()));
    EXPECT_EQ(sim.stop(), 0);
}

TEST(CapiDgi, ClientErrorPaths) {
    istmo_dgi_options* raw = nullptr;
    ASSERT_EQ(istmo_dgi_options_new(&raw, 2), ISTMO_OK);
    Owned<istmo_dgi_options> options(raw);
    istmo_dgi_client* client = reinterpret_cast<istmo_dgi_client*>(1);
    EXPECT_EQ(istmo_dgi_client_new(&client, nullptr), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(client, nullptr);
    EXPECT_EQ(istmo_dgi_client_new(nullptr, options.get()), ISTMO_E_INVALID_ARGUMENT);
    // The client certificate is read when the client is made: a wrong password fails here.
    ASSERT_EQ(istmo_dgi_options_set(options.get(), "client-p12", istmo::test::pki("rsa2048.p12").string().c_str()),
              ISTMO_OK);
    ASSERT_EQ(istmo_dgi_options_set(options.get(), "password", "not-the-password"), ISTMO_OK);
    EXPECT_EQ(istmo_dgi_client_new(&client, options.get()), ISTMO_E_INVALID_ARGUMENT) << istmo_last_error_message();
    EXPECT_NE(std::string(istmo_last_error_message()).find("wrong password"), std::string::npos)
        << istmo_last_error_message();
    EXPECT_EQ(client, nullptr);
    ASSERT_EQ(istmo_dgi_options_set(options.get(), "password", "istmo-test-pass"), ISTMO_OK);
    ASSERT_EQ(istmo_dgi_options_set(options.get(), "endpoint", "ftp://127.0.0.1:1"), ISTMO_OK);
    EXPECT_EQ(istmo_dgi_client_new(&client, options.get()), ISTMO_E_INVALID_ARGUMENT);
    // Nothing listens on loopback port 1: unavailable, from the call, not from making the client.
    ASSERT_EQ(istmo_dgi_options_set(options.get(), "endpoint", "http://127.0.0.1:1"), ISTMO_OK);
    ASSERT_EQ(istmo_dgi_options_set(options.get(), "timeout", "5"), ISTMO_OK);
    ASSERT_EQ(istmo_dgi_client_new(&client, options.get()), ISTMO_OK) << istmo_last_error_message();
    const Owned<istmo_dgi_client> owned(client);
    istmo_dgi_answer* answer = reinterpret_cast<istmo_dgi_answer*>(1);
    EXPECT_EQ(istmo_dgi_client_query(&answer, client, "FE0120000155704849-2-2021-3200001120260101000000000100100123456789"),
              ISTMO_E_UNAVAILABLE);
    EXPECT_EQ(answer, nullptr);
    EXPECT_EQ(istmo_dgi_client_send(&answer, client, "not xml", 7), ISTMO_E_PARSE);  // refused before sending
    EXPECT_EQ(istmo_dgi_client_send(nullptr, client, "x", 1), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_dgi_client_send(&answer, client, nullptr, 1), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_dgi_client_send(&answer, nullptr, "x", 1), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_dgi_client_query(&answer, client, nullptr), ISTMO_E_INVALID_ARGUMENT);
    // A handle of another kind (the options are not a client).
    EXPECT_EQ(istmo_dgi_client_query(&answer, reinterpret_cast<const istmo_dgi_client*>(options.get()), "FE01"),
              ISTMO_E_INVALID_OBJECT);
    EXPECT_NE(std::string(istmo_last_error_message()).find("istmo_dgi_client"), std::string::npos)
        << istmo_last_error_message();
    istmo_dgi_client_free(reinterpret_cast<istmo_dgi_client*>(options.get()));  // ignored: not a client
    istmo_dgi_client_free(nullptr);
}

TEST(CapiDgi, UnreachableServiceIsUnavailable) {
    istmo_dgi_options* raw = nullptr;
    ASSERT_EQ(istmo_dgi_options_new(&raw, 2), ISTMO_OK);
    Owned<istmo_dgi_options> options(raw);
    // Port 1 on loopback: nothing listens there.
    ASSERT_EQ(istmo_dgi_options_set(options.get(), "endpoint", "http://127.0.0.1:1"), ISTMO_OK);
    ASSERT_EQ(istmo_dgi_options_set(options.get(), "timeout", "5"), ISTMO_OK);
    istmo_dgi_answer* answer = reinterpret_cast<istmo_dgi_answer*>(&raw);
    EXPECT_EQ(istmo_dgi_query(&answer, "FE0120000155704849-2-2021-3200001120260101000000000100100123456789", options.get()),
              ISTMO_E_UNAVAILABLE)
        << istmo_last_error_message();
    EXPECT_EQ(answer, nullptr);
}

TEST(CapiDgi, ErrorPaths) {
    istmo_dgi_options* raw = reinterpret_cast<istmo_dgi_options*>(1);
    EXPECT_EQ(istmo_dgi_options_new(&raw, 3), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(raw, nullptr);
    EXPECT_NE(std::string(istmo_last_error_message()).find("environment must be 1"), std::string::npos);
    EXPECT_NE(std::string(istmo_last_error_message_es()).find("el ambiente debe ser 1"), std::string::npos)
        << istmo_last_error_message_es();
    EXPECT_EQ(istmo_dgi_options_new(nullptr, 2), ISTMO_E_INVALID_ARGUMENT);

    ASSERT_EQ(istmo_dgi_options_new(&raw, 1), ISTMO_OK);
    Owned<istmo_dgi_options> options(raw);
    EXPECT_EQ(istmo_dgi_options_set(options.get(), "colour", "blue"), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_NE(std::string(istmo_last_error_message_es()).find("opción de DGI desconocida"), std::string::npos)
        << istmo_last_error_message_es();
    EXPECT_EQ(istmo_dgi_options_set(options.get(), "timeout", "0"), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_dgi_options_set(options.get(), "timeout", "ten"), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_dgi_options_set(options.get(), "max-response", "100"), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_dgi_options_set(options.get(), "max-response", "33554432"), ISTMO_OK);
    EXPECT_EQ(istmo_dgi_options_set(options.get(), "soap", "1.0"), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_dgi_options_set(options.get(), "soap", "1.1"), ISTMO_OK);
    EXPECT_EQ(istmo_dgi_options_set(options.get(), nullptr, "1"), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_dgi_options_set(options.get(), "soap", nullptr), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_dgi_options_set(nullptr, "soap", "1.1"), ISTMO_E_INVALID_ARGUMENT);

    istmo_dgi_answer* answer = nullptr;
    EXPECT_EQ(istmo_dgi_send(nullptr, "x", 1, options.get()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_dgi_send(&answer, nullptr, 1, options.get()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_dgi_send(&answer, "x", 1, nullptr), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_dgi_query(&answer, nullptr, options.get()), ISTMO_E_INVALID_ARGUMENT);
    // Not XML: refused before anything is sent (no endpoint needed).
    EXPECT_EQ(istmo_dgi_send(&answer, "not xml", 7, options.get()), ISTMO_E_PARSE);
    // A bad CUFE: refused before anything is sent.
    EXPECT_EQ(istmo_dgi_query(&answer, "FE01", options.get()), ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(answer, nullptr);
    // A handle of another kind.
    istmo_trust* trust = nullptr;
    ASSERT_EQ(istmo_trust_new(&trust), ISTMO_OK);
    EXPECT_EQ(istmo_dgi_query(&answer, "FE01", reinterpret_cast<const istmo_dgi_options*>(trust)), ISTMO_E_INVALID_OBJECT);
    EXPECT_EQ(istmo_dgi_answer_outcome(reinterpret_cast<const istmo_dgi_answer*>(trust)), ISTMO_E_INVALID_OBJECT);
    EXPECT_EQ(istmo_dgi_answer_protocol(reinterpret_cast<const istmo_dgi_answer*>(trust)), nullptr);
    EXPECT_EQ(istmo_dgi_answer_json(nullptr), nullptr);
    EXPECT_EQ(istmo_dgi_answer_code_count(nullptr), ISTMO_E_INVALID_ARGUMENT);
    size_t len = 7;
    EXPECT_EQ(istmo_dgi_answer_container(nullptr, &len), nullptr);
    EXPECT_EQ(len, 0u);
    istmo_dgi_answer_free(reinterpret_cast<istmo_dgi_answer*>(trust));  // ignored: not an answer
    istmo_trust_free(trust);
    istmo_dgi_answer_free(nullptr);
    istmo_dgi_options_free(nullptr);
}

}  // namespace
