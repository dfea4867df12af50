#pragma once
// The tests' DGI simulator: the shipped one (istmo::service::DgiSimulator, `istmo dgi simulate`)
// in this process, plain HTTP on 127.0.0.1 and a port chosen by the kernel, trusting the test
// PKI so that the signed vectors pass its validation. Its threads are joined when it goes.
#include <istmo/invoice/dgi.hpp>
#include <istmo/service/dgi_simulator.hpp>

#include "test_support.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace istmo::test {

class DgiSimulator {
public:
    using Fault = service::DgiFault;

    explicit DgiSimulator(service::DgiSimulatorOptions options = default_options()) {
        auto started = service::DgiSimulator::start(std::move(options));
        if (!started) throw std::runtime_error("DGI simulator: " + started.error().message);
        m_simulator = std::move(*started);
    }

    // Plain HTTP on loopback, the test PKI trusted.
    static service::DgiSimulatorOptions default_options() {
        service::DgiSimulatorOptions options;
        options.insecure_http = true;
        if (!options.validate.verify.trust.add_file(pki("chain.pem").string()))
            throw std::runtime_error("DGI simulator: the test PKI cannot be read");
        return options;
    }

    [[nodiscard]] std::string base_url() const { return m_simulator->base_url(); }
    void script(std::vector<Fault> faults) { m_simulator->script(std::move(faults)); }
    [[nodiscard]] int requests(const std::string& service) const { return m_simulator->requests(service); }
    [[nodiscard]] int authorisations(const std::string& cufe) const { return m_simulator->authorisations(cufe); }
    [[nodiscard]] std::vector<std::string> seen_heads() const { return m_simulator->seen_heads(); }
    [[nodiscard]] service::DgiSimulator& simulator() { return *m_simulator; }

private:
    std::unique_ptr<service::DgiSimulator> m_simulator;
};

// A DGI client of the test environment for this simulator: generous deadlines (a loaded
// machine), 1 ms between retries. Throws when the client cannot be made.
inline invoice::panama::dgi::Client simulator_client(
    const DgiSimulator& sim, invoice::panama::dgi::SoapVersion soap = invoice::panama::dgi::SoapVersion::soap12,
    std::chrono::milliseconds request_timeout = std::chrono::milliseconds(30000)) {
    invoice::panama::dgi::ClientOptions options;
    options.environment = invoice::panama::dgi::Environment::test;
    options.base_url = sim.base_url();
    options.soap = soap;
    options.http.request_timeout = request_timeout;
    options.http.total_timeout = std::chrono::milliseconds(60000);
    options.http.backoff = std::chrono::milliseconds(1);
    auto client = invoice::panama::dgi::Client::create(std::move(options));
    if (!client) throw std::runtime_error("DGI simulator client: " + client.error().message);
    return std::move(*client);
}

}  // namespace istmo::test
