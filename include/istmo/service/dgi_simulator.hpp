#pragma once
// A DGI SIMULATOR, NOT THE DGI: the six web services of the Panama e-invoice (FepWcfService,
// SOAP 1.1 and 1.2) answered in the shapes SPEC §10 shows, for vendors to test their integration
// offline and for istmo's own tests (`istmo dgi simulate`, docs/dgi.md).
//
//   feRecepFE      the rFE is validated with istmo (structure, arithmetic, CUFE, RUC, signature);
//                  passed: rProtFe with 0260 and a 20-digit protocol ("2026" + 16 digits) and an
//                  empty <Signature /> (as production sends); failed: rProtFe without protocol
//                  and one gResProc per rule class that failed (simulator_codes()).
//   feConsFE       0422 with the rContFe of an authorised rFE (rFE, protocol, the events
//                  registered for it); an unknown CUFE gets the simulator's own 9001.
//   feRecepLoteFE  a batch number (dProtLote); every rFE of the batch processed as feRecepFE.
//   feResultLoteFE the protocols of that batch.
//   feRecepEvento  0600, or 0622 for an event already registered.
//   feConsRucDV    the RUC with the check digits istmo computes, name "SIMULADOR DGI".
//
// Transport: HTTPS that requires a TLS client certificate issued by client_ca_file (what the
// DGI asks of a PAC), or plain HTTP only when insecure_http says so. One thread per connection,
// every answer closes its connection; stop() (or the destructor) joins every thread.
//
// Faults, for testing a client's error handling: a standing mode applied to every
// `fault_every`-th request, and a script (one fault per request, in order) consumed first.
// Every answer is logged in one line that starts with "SIMULATOR/SIMULADOR".
//
// Thread safety: every member may be called from any thread.
#include <istmo/core/result.hpp>
#include <istmo/export.hpp>
#include <istmo/invoice/panama.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::service {

enum class DgiFault {
    none,
    reject,                 // the rFE / event rejected with reject_code
    duplicate,              // answered 0622 ("already registered") whatever was sent
    malformed,              // HTTP 200 with an HTML body that is no SOAP answer
    http_error,             // HTTP error_status (default 503) without a body
    soap_fault,             // HTTP 500 with a SOAP Fault
    slow,                   // processed, answered after slow_delay
    drop_after_processing,  // processed (an rFE is authorised), the connection closed without an answer
    drop_unprocessed,       // the connection closed without processing nor answer
    hold_after_processing,  // processed, no answer until the simulator stops (a client deadline)
};

// "none", "reject", "duplicate", "malformed", "http-error", "soap-fault", "slow", "drop",
// "drop-unprocessed", "hold"; parse_dgi_fault accepts these names (and "5xx" for http-error).
[[nodiscard]] ISTMO_API std::string_view dgi_fault_name(DgiFault fault) noexcept;
[[nodiscard]] ISTMO_API Result<DgiFault> parse_dgi_fault(std::string_view name);

// A result code of the simulator: the DGI's where SPEC §5.4 knows it, the simulator's own 9xxx
// otherwise (the DGI's full table was not found).
struct SimulatorCode {
    std::string_view code;
    std::string_view when_en;
    std::string_view when_es;
};
[[nodiscard]] ISTMO_API std::span<const SimulatorCode> simulator_codes() noexcept;

struct DgiSimulatorOptions {
    // "ADDR:PORT" ("127.0.0.1:0": a free port on loopback).
    std::string listen = "127.0.0.1:0";
    // HTTPS: the server's PEM certificate chain and key, and the CAs (PEM) a client certificate
    // must chain to. All three are required unless insecure_http is set.
    std::string tls_cert_file;
    std::string tls_key_file;
    std::string client_ca_file;
    bool insecure_http = false;
    // How an rFE is validated. A signature whose signer does not chain to verify's trust anchors
    // (none given: nothing to chain to) is accepted with the notification 9010 unless
    // require_trusted_signer; a signature that does not verify is always rejected.
    invoice::panama::ValidateOptions validate;
    bool require_trusted_signer = false;
    // Standing fault: applied to every fault_every-th request (1: every request).
    DgiFault fault = DgiFault::none;
    int fault_every = 1;
    std::string reject_code = "1602";  // DgiFault::reject: 1602 "RUC inexistente" by default
    std::chrono::milliseconds slow_delay{5000};
    int error_status = 503;
    // A connection that sends nothing for this long is closed.
    std::chrono::seconds receive_timeout{30};
    std::size_t max_request_bytes = 16u * 1024 * 1024;
    // One line per answer, called from the connection threads, several at once; empty: nothing
    // is logged.
    std::function<void(const std::string&)> log;
};

class ISTMO_API DgiSimulator {
public:
    // Errors: invalid_argument (bad listen address, TLS files missing without insecure_http,
    // bad fault_every/error_status/reject_code), io_error (cannot bind), certificate_error /
    // key_error (TLS files unusable).
    static Result<std::unique_ptr<DgiSimulator>> start(DgiSimulatorOptions options);

    DgiSimulator(const DgiSimulator&) = delete;
    DgiSimulator& operator=(const DgiSimulator&) = delete;
    ~DgiSimulator();  // stop()

    [[nodiscard]] std::uint16_t port() const noexcept;
    // "https://127.0.0.1:PORT" (or http://): the base URL a client is given.
    [[nodiscard]] std::string base_url() const;
    // Faults for the next requests, one each, before the standing mode applies again.
    void script(std::vector<DgiFault> faults);
    // Requests of a service ("feRecepFE", ...) received, and how often an rFE was authorised
    // (more than 1 would mean the DGI authorised it twice).
    [[nodiscard]] int requests(std::string_view service) const;
    [[nodiscard]] int authorisations(std::string_view cufe) const;
    // The request heads (request line and headers) in arrival order (the last 5,000 to 10,000).
    [[nodiscard]] std::vector<std::string> seen_heads() const;
    // Stops accepting, releases held answers, joins every thread. Idempotent.
    void stop() noexcept;

    // The banner printed on start: it is a simulator and not the DGI (English and Spanish).
    [[nodiscard]] static std::string banner();

    struct Impl;

private:
    explicit DgiSimulator(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace istmo::service
