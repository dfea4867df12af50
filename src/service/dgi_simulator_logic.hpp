#pragma once
// The DGI simulator's answers (dgi_simulator_logic.cpp), apart from its network
// (dgi_simulator.cpp): one HTTP request in, the raw HTTP answer out.
#include <istmo/service/dgi_simulator.hpp>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace istmo::service::detail {

struct SimulatorReply {
    std::string http;      // the raw HTTP answer; empty: close the connection without one
    std::string log_line;  // what the simulator logs for this request
};

class DgiSimulatorLogic {
public:
    explicit DgiSimulatorLogic(const DgiSimulatorOptions& options);

    // HEAD: request line and headers; BODY: the request body. May wait (slow, hold) until
    // release() is called.
    SimulatorReply answer(const std::string& head, const std::string& body);
    void release();  // held and slow answers go now

    void script(std::vector<DgiFault> faults);
    [[nodiscard]] int requests(std::string_view service) const;
    [[nodiscard]] int authorisations(std::string_view cufe) const;
    [[nodiscard]] std::vector<std::string> seen_heads() const;

    struct Parsed {
        std::string service;  // feRecepFE ...
        std::string soap_ns;
        std::string iamb;
        std::map<std::string, std::string> fields;  // the message's children by local name
    };

private:
    struct Processed {
        std::string protocol_xml;  // rProtFe
        std::string cufe;
        std::string verdict;       // for the log: the protocol, or the codes
    };

    DgiFault next_fault();
    bool wait_released(std::chrono::milliseconds delay);  // false when released early
    Processed process_rfe(const std::string& rfe, const std::string& iamb, DgiFault fault);
    std::string serve(const Parsed& p, DgiFault fault, std::string& verdict);
    std::string serve_cons_fe(const Parsed& p, std::string& verdict);
    std::string serve_batch(const Parsed& p, DgiFault fault, std::string& verdict);
    std::string serve_event(const Parsed& p, DgiFault fault, std::string& verdict);
    std::string serve_ruc(const Parsed& p, std::string& verdict);

    DgiSimulatorOptions m_options;
    invoice::panama::InvoiceValidator m_validator;
    mutable std::mutex m_mutex;
    std::condition_variable m_released_cv;
    bool m_released = false;
    unsigned long long m_count = 0;  // requests received (for fault_every)
    std::deque<DgiFault> m_script;
    std::map<std::string, int, std::less<>> m_requests;
    std::map<std::string, std::string, std::less<>> m_protocols;  // CUFE -> rProtFe
    std::map<std::string, std::string, std::less<>> m_invoices;   // CUFE -> rFE
    std::map<std::string, std::string, std::less<>> m_cufe_of_protocol;
    std::map<std::string, int, std::less<>> m_authorised_count;
    std::map<std::string, std::vector<std::string>> m_batches;
    std::map<std::string, std::vector<std::string>, std::less<>> m_events_of;  // CUFE -> events
    std::set<std::string> m_events;
    std::vector<std::string> m_heads;
    unsigned long long m_next_protocol = 0;
    unsigned long long m_next_batch = 0;
};

}  // namespace istmo::service::detail
