// The DGI simulator's answers: reads the SOAP request, validates an rFE with istmo, keeps what it
// authorised, and writes the answer in the shapes SPEC §10 shows. Not the DGI: every answer's
// log line says so, and its own codes (9xxx) stand where the DGI's code is not known.
#include "service/dgi_simulator_logic.hpp"

#include <istmo/invoice/cufe.hpp>
#include <istmo/invoice/dgi.hpp>
#include <istmo/invoice/dgi_events.hpp>
#include <istmo/xml/document.hpp>

#include "internal/c_ptr.hpp"
#include "xml/document_impl.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>
#include <stdexcept>

namespace istmo::service {

namespace {

constexpr SimulatorCode k_codes[] = {
    {"0100", "the rFE is not well formed or breaks the schema (istmo's FE-XML-*, FE-XSD-*, FE-VERFORM)",
     "el rFE no está bien formado o no cumple el esquema (FE-XML-*, FE-XSD-*, FE-VERFORM de istmo)"},
    {"0260", "the rFE is authorised", "se autoriza el uso de la FE"},
    {"0422", "feConsFE found the CUFE", "feConsFE encontró el CUFE"},
    {"0600", "event registered", "evento registrado"},
    {"0622", "event already registered (and every answer of the duplicate fault)",
     "evento ya registrado (y toda respuesta del fallo duplicate)"},
    {"1601", "a RUC breaks its formation rule or check digits (FE-RUC-*, FE-REC-RUC-*)",
     "un RUC no cumple su regla de formación o su DV (FE-RUC-*, FE-REC-RUC-*)"},
    {"1602", "the reject fault's default code (RUC not in the register)",
     "el código por defecto del fallo reject (RUC inexistente)"},
    {"9001", "SIMULATOR's own: feConsFE does not know the CUFE", "propio del SIMULADOR: feConsFE no conoce el CUFE"},
    {"9002", "SIMULATOR's own: the rFE's iAmb is not the request's", "propio del SIMULADOR: el iAmb del rFE no es el de la solicitud"},
    {"9003", "SIMULATOR's own: the CUFE is not computed correctly (FE-CUFE-*)",
     "propio del SIMULADOR: el CUFE no está calculado correctamente (FE-CUFE-*)"},
    {"9004", "SIMULATOR's own: the signature does not verify (FE-SIG-*, or a failed signature)",
     "propio del SIMULADOR: la firma no es válida (FE-SIG-*, o una firma fallida)"},
    {"9005", "SIMULATOR's own: an amount or total is wrong (FE-CALC-*)",
     "propio del SIMULADOR: un monto o total es incorrecto (FE-CALC-*)"},
    {"9009", "SIMULATOR's own: another rule istmo checks failed (the finding's code follows)",
     "propio del SIMULADOR: falló otra regla que istmo comprueba (sigue el código del hallazgo)"},
    {"9010", "SIMULATOR's own, effect N: the signer was not checked against a trust list",
     "propio del SIMULADOR, efecto N: el firmante no se comprobó contra una lista de confianza"},
};

constexpr std::string_view k_soap12 = "http://www.w3.org/2003/05/soap-envelope";
constexpr std::string_view k_ns_attr = " xmlns=\"http://dgi-fep.mef.gob.pa/wsdl/FeRecepFE\"";

std::string escape(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '&') out += "&amp;";
        else out += c;
    }
    return out;
}

std::string code_xml(std::string_view code, std::string_view message) {
    return "<gResProc><dCodRes>" + std::string(code) + "</dCodRes><dMsgRes>" + escape(message) + "</dMsgRes></gResProc>";
}

// dFecProc: now in Panama's time (UTC-5, no daylight saving).
std::string processing_time() {
    const std::time_t now = std::time(nullptr) - 5 * 3600;
    std::tm parts{};
    gmtime_r(&now, &parts);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S-05:00", &parts);
    return text;
}

std::string current_year() { return processing_time().substr(0, 4); }

std::string http(int status, std::string_view reason, const std::string& body, std::string_view type) {
    return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\nContent-Type: " + std::string(type) +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nX-Simulator: istmo DGI SIMULATOR, not the DGI\r\n"
           "Connection: close\r\n\r\n" + body;
}

std::string without_declaration(std::string text) {
    const auto start = text.find('<');
    if (start != std::string::npos && text.compare(start, 5, "<?xml") == 0) text.erase(0, text.find("?>", start) + 2);
    return text;
}

std::optional<detail::DgiSimulatorLogic::Parsed> parse_request(const std::string& body) {
    auto doc = xml::XmlDocument::parse(body);
    if (!doc) return std::nullopt;
    const xmlNode* envelope = xmlDocGetRootElement(xml::get(*doc));
    detail::DgiSimulatorLogic::Parsed p;
    p.soap_ns = envelope->ns ? std::string(xml::sv(envelope->ns->href)) : std::string();
    const xmlNode* message = nullptr;
    xml::for_each_element_in(envelope, [&](const xmlNode* node) {
        if (xml::sv(node->name) != "feDatosMsg") return xml::Walk::descend;
        message = xml::first_element_child(node);
        return xml::Walk::stop;
    });
    if (!message) return std::nullopt;
    static const std::map<std::string, std::string, std::less<>> services = {
        {"rEnviFe", "feRecepFE"},      {"rEnviLoteFe", "feRecepLoteFE"}, {"rEnviConsLoteFe", "feResultLoteFE"},
        {"rEnviConsFe", "feConsFE"},   {"rEnviEventoFe", "feRecepEvento"}, {"rEnviConsRucDV", "feConsRucDV"}};
    auto it = services.find(xml::sv(message->name));
    if (it == services.end()) return std::nullopt;
    p.service = it->second;
    for (const xmlNode* c = xml::first_element_child(message); c; c = xml::next_element_sibling(c))
        p.fields[std::string(xml::sv(c->name))] = xml::text_content(c);
    p.iamb = p.fields["iAmb"];
    return p;
}

std::string envelope(const detail::DgiSimulatorLogic::Parsed& p, const std::string& content) {
    return "<s:Envelope xmlns:s=\"" + p.soap_ns + "\"><s:Body>" + content + "</s:Body></s:Envelope>";
}

std::string protocol_xml(const std::string& cufe, const std::string& iamb, const std::string& protocol,
                         const std::string& codes) {
    return "<rProtFe><dVerForm>1.00</dVerForm><gInfProt><iAmb>" + escape(iamb) + "</iAmb><dVerApl>1.00</dVerApl><dCUFE>" +
           escape(cufe) + "</dCUFE><dFecProc>" + processing_time() + "</dFecProc>" +
           (protocol.empty() ? std::string() : "<dProAut>" + protocol + "</dProAut>") + codes +
           "</gInfProt><Signature /></rProtFe>";
}

// The simulator's code for a finding of istmo's validation.
std::string_view code_of_finding(std::string_view finding) {
    const auto starts = [&](std::string_view prefix) { return finding.substr(0, prefix.size()) == prefix; };
    if (starts("FE-XML-") || starts("FE-XSD-") || finding == "FE-VERFORM") return "0100";
    if (starts("FE-RUC-") || starts("FE-REC-RUC-")) return "1601";
    if (starts("FE-CUFE-")) return "9003";
    if (starts("FE-SIG-")) return "9004";
    if (starts("FE-CALC-")) return "9005";
    return "9009";
}

// The gResProc of a validation report: one per error finding (codes in document order, each
// code once), the signature's verdict, and 9010 for an unchecked signer.
std::string codes_of_report(const invoice::panama::InvoiceReport& report, bool require_trusted_signer, bool& rejected) {
    std::string codes;
    std::set<std::string, std::less<>> seen;
    rejected = false;
    for (const auto& f : report.findings) {
        if (f.severity != report::Severity::error) continue;
        const std::string_view code = code_of_finding(f.code);
        rejected = true;
        if (!seen.insert(std::string(code)).second) continue;
        codes += code_xml(code, "SIMULADOR: " + f.code + ": " + (f.message_es.empty() ? f.message : f.message_es));
    }
    if (rejected || report.passed()) return codes;
    // Not passed without an error finding: the signature could not be judged (its signer does
    // not chain to a trust anchor, or none was given) or failed without a finding of its own.
    const bool failed = report.indication == report::Indication::total_failed;
    if (failed || require_trusted_signer) {
        rejected = true;
        return code_xml("9004", failed ? "SIMULADOR: la firma no es válida" : "SIMULADOR: el firmante no es de confianza");
    }
    return code_xml("9010", "SIMULADOR: firmante no comprobado contra una lista de confianza (efecto N)");
}

}  // namespace

std::span<const SimulatorCode> simulator_codes() noexcept { return k_codes; }

std::string_view dgi_fault_name(DgiFault fault) noexcept {
    switch (fault) {
        case DgiFault::none: return "none";
        case DgiFault::reject: return "reject";
        case DgiFault::duplicate: return "duplicate";
        case DgiFault::malformed: return "malformed";
        case DgiFault::http_error: return "http-error";
        case DgiFault::soap_fault: return "soap-fault";
        case DgiFault::slow: return "slow";
        case DgiFault::drop_after_processing: return "drop";
        case DgiFault::drop_unprocessed: return "drop-unprocessed";
        case DgiFault::hold_after_processing: return "hold";
    }
    return "none";
}

Result<DgiFault> parse_dgi_fault(std::string_view name) {
    if (name == "5xx") return DgiFault::http_error;
    for (const DgiFault f : {DgiFault::none, DgiFault::reject, DgiFault::duplicate, DgiFault::malformed, DgiFault::http_error,
                             DgiFault::soap_fault, DgiFault::slow, DgiFault::drop_after_processing,
                             DgiFault::drop_unprocessed, DgiFault::hold_after_processing})
        if (dgi_fault_name(f) == name) return f;
    // The names are listed in dgi_simulator.hpp and `istmo dgi simulate --help`.
    return make_error(Errc::invalid_argument, "unknown simulator fault '" + std::string(name) + "'");
}

namespace detail {

DgiSimulatorLogic::DgiSimulatorLogic(const DgiSimulatorOptions& options)
    : m_options(options), m_validator(options.validate) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    // Protocols and batch numbers differ between runs: seeded by the start time.
    m_next_protocol = static_cast<unsigned long long>(std::chrono::duration_cast<std::chrono::seconds>(now).count() %
                                                      1'000'000'000) * 10'000'000ULL;
    m_next_batch = m_next_protocol / 10'000'000ULL;
}

void DgiSimulatorLogic::release() {
    {
        std::lock_guard lock(m_mutex);
        m_released = true;
    }
    m_released_cv.notify_all();
}

bool DgiSimulatorLogic::wait_released(std::chrono::milliseconds delay) {
    std::unique_lock lock(m_mutex);
    return !m_released_cv.wait_for(lock, delay, [this] { return m_released; });
}

void DgiSimulatorLogic::script(std::vector<DgiFault> faults) {
    std::lock_guard lock(m_mutex);
    m_script.assign(faults.begin(), faults.end());
}

int DgiSimulatorLogic::requests(std::string_view service) const {
    std::lock_guard lock(m_mutex);
    auto it = m_requests.find(service);
    return it == m_requests.end() ? 0 : it->second;
}

int DgiSimulatorLogic::authorisations(std::string_view cufe) const {
    std::lock_guard lock(m_mutex);
    auto it = m_authorised_count.find(cufe);
    return it == m_authorised_count.end() ? 0 : it->second;
}

std::vector<std::string> DgiSimulatorLogic::seen_heads() const {
    std::lock_guard lock(m_mutex);
    return m_heads;
}

DgiFault DgiSimulatorLogic::next_fault() {  // m_mutex held
    ++m_count;
    if (!m_script.empty()) {
        const DgiFault f = m_script.front();
        m_script.pop_front();
        return f;
    }
    if (m_options.fault != DgiFault::none && m_count % static_cast<unsigned long long>(m_options.fault_every) == 0)
        return m_options.fault;
    return DgiFault::none;
}

// Validates outside the lock, then records an authorisation (the same rFE sent again gets the
// protocol it already has: the DGI does not authorise one CUFE twice).
DgiSimulatorLogic::Processed DgiSimulatorLogic::process_rfe(const std::string& rfe, const std::string& iamb, DgiFault fault) {
    auto invoice = invoice::panama::parse(rfe);
    if (!invoice) return {protocol_xml("", iamb, "", code_xml("0100", "SIMULADOR: rFE ilegible: " + invoice.error().message)), "", "0100"};
    const std::string cufe(invoice->get("dId"));
    if (fault == DgiFault::reject)
        return {protocol_xml(cufe, iamb, "", code_xml(m_options.reject_code, "SIMULADOR: rechazo pedido (fallo reject)")), cufe,
                m_options.reject_code};
    if (fault == DgiFault::duplicate)
        return {protocol_xml(cufe, iamb, "", code_xml("0622", "SIMULADOR: ya registrado (fallo duplicate)")), cufe, "0622"};
    if (invoice->get("gDGen/iAmb") != iamb)
        return {protocol_xml(cufe, iamb, "", code_xml("9002", "SIMULADOR: ambiente de destino del mensaje errado")), cufe, "9002"};
    bool rejected = true;
    std::string codes;
    if (auto report = m_validator.validate(rfe); report) codes = codes_of_report(*report, m_options.require_trusted_signer, rejected);
    else codes = code_xml("0100", "SIMULADOR: " + report.error().message);
    if (rejected) return {protocol_xml(cufe, iamb, "", codes), cufe, "rejected"};
    std::lock_guard lock(m_mutex);
    if (auto it = m_protocols.find(cufe); it != m_protocols.end()) return {it->second, cufe, "already authorised"};
    char digits[17];
    std::snprintf(digits, sizeof digits, "%016llu", ++m_next_protocol % 10'000'000'000'000'000ULL);
    const std::string number = current_year() + digits;
    std::string prot = protocol_xml(cufe, iamb, number, code_xml("0260", "Autorizado el uso de la FE") + codes);
    m_protocols[cufe] = prot;
    m_invoices[cufe] = rfe;
    m_cufe_of_protocol[number] = cufe;
    ++m_authorised_count[cufe];
    return {std::move(prot), cufe, "0260 " + number};
}

std::string DgiSimulatorLogic::serve_cons_fe(const Parsed& p, std::string& verdict) {
    const std::string head = "<dVerForm>1.00</dVerForm><iAmb>" + escape(p.iamb) + "</iAmb><dVerApl>1.00</dVerApl>";
    const std::string cufe = p.fields.at("dCufe");
    std::string rfe, prot;
    std::vector<std::string> events;
    {
        std::lock_guard lock(m_mutex);
        auto it = m_protocols.find(cufe);
        if (it != m_protocols.end()) {
            prot = it->second;
            rfe = m_invoices[cufe];
            if (auto ev = m_events_of.find(cufe); ev != m_events_of.end()) events = ev->second;
        }
    }
    if (prot.empty()) {
        verdict = "9001 not found";
        return "<rRetEnviConsFe" + std::string(k_ns_attr) + ">" + head + code_xml("9001", "SIMULADOR: CUFE no encontrado") +
               "</rRetEnviConsFe>";
    }
    auto container = invoice::panama::dgi::build_container(rfe, prot, events);
    const std::string content = container ? without_declaration(*container) : std::string();
    verdict = "0422 found";
    return "<rRetEnviConsFe" + std::string(k_ns_attr) + ">" + head + code_xml("0422", "Exito en la consulta") + "<xContenFE>" +
           content + "</xContenFE></rRetEnviConsFe>";
}

// The rFE of a batch: xFe holds the signed documents one after the other.
std::string DgiSimulatorLogic::serve_batch(const Parsed& p, DgiFault fault, std::string& verdict) {
    const std::string head = "<dVerForm>1.00</dVerForm><iAmb>" + escape(p.iamb) + "</iAmb><dVerApl>1.00</dVerApl>";
    std::string text = p.fields.at("xFe");
    for (auto at = text.find("<?xml"); at != std::string::npos; at = text.find("<?xml"))
        text.erase(at, text.find("?>", at) == std::string::npos ? std::string::npos : text.find("?>", at) + 2 - at);
    auto list = xml::XmlDocument::parse("<lote>" + text + "</lote>");
    std::vector<std::string> prots;
    if (list) {
        for (const xmlNode* c = xml::first_element_child(xmlDocGetRootElement(xml::get(*list))); c;
             c = xml::next_element_sibling(c)) {
            internal::CPtr<xmlBuffer, xmlBufferFree> buffer(xmlBufferCreate());
            if (!buffer || xmlNodeDump(buffer.get(), xml::get(*list), const_cast<xmlNode*>(c), 0, 0) < 0) continue;
            prots.push_back(process_rfe(std::string(xml::sv(xmlBufferContent(buffer.get()))), p.iamb, fault).protocol_xml);
        }
    }
    std::lock_guard lock(m_mutex);
    const std::string number = std::to_string(++m_next_batch);
    m_batches[number] = prots;
    verdict = "batch " + number + " of " + std::to_string(prots.size());
    return "<rRetEnviLoteFe" + std::string(k_ns_attr) + ">" + head + "<dProtLote>" + number + "</dProtLote></rRetEnviLoteFe>";
}

// An event is registered for the CUFE it names (annulment: dCufe; manifestation: the CUFE of
// its dProtAut), so that feConsFE's container carries it.
std::string DgiSimulatorLogic::serve_event(const Parsed& p, DgiFault fault, std::string& verdict) {
    const std::string head = "<dVerForm>1.00</dVerForm><iAmb>" + escape(p.iamb) + "</iAmb><dVerApl>1.00</dVerApl><dFecProc>" +
                             processing_time() + "</dFecProc>";
    const std::string event = p.fields.at("dEvReg");
    std::string code = "0600", message = "Evento registrado con exito";
    if (fault == DgiFault::reject) code = m_options.reject_code, message = "SIMULADOR: rechazo pedido (fallo reject)";
    else if (fault == DgiFault::duplicate) code = "0622", message = "SIMULADOR: ya registrado (fallo duplicate)";
    else if (auto doc = xml::XmlDocument::parse(event); !doc) code = "0100", message = "SIMULADOR: evento ilegible";
    else {
        std::string cufe, protocol;
        xml::for_each_element(xml::get(*doc), [&](const xmlNode* n) {
            if (xml::sv(n->name) == "dCufe") cufe = xml::text_content(n);
            if (xml::sv(n->name) == "dProtAut") protocol = xml::text_content(n);
            return xml::Walk::descend;
        });
        std::lock_guard lock(m_mutex);
        if (!m_events.insert(event).second) code = "0622", message = "Evento ya registrado";
        else {
            if (cufe.empty())
                if (auto it = m_cufe_of_protocol.find(protocol); it != m_cufe_of_protocol.end()) cufe = it->second;
            if (!cufe.empty()) m_events_of[cufe].push_back(event);
        }
    }
    verdict = code;
    return "<rRetEnviEventoFe" + std::string(k_ns_attr) + ">" + head + code_xml(code, message) + "</rRetEnviEventoFe>";
}

std::string DgiSimulatorLogic::serve_ruc(const Parsed& p, std::string& verdict) {
    const std::string head = "<dVerForm>1.00</dVerForm><iAmb>" + escape(p.iamb) + "</iAmb><dVerApl>1.00</dVerApl>";
    const std::string ruc = p.fields.at("dRuc");
    const auto kind = p.fields.count("dTipoRuc") && p.fields.at("dTipoRuc") == "1" ? invoice::panama::RucKind::natural
                                                                                   : invoice::panama::RucKind::juridical;
    auto dv = invoice::panama::ruc_check_digits(ruc, kind);
    verdict = dv ? "DV " + *dv : "1601";
    if (!dv)
        return "<rRetEnviConsRucDV" + std::string(k_ns_attr) + ">" + head +
               code_xml("1601", "SIMULADOR: regla de formacion del RUC invalida") + "</rRetEnviConsRucDV>";
    return "<rRetEnviConsRucDV" + std::string(k_ns_attr) + ">" + head + "<dRuc>" + escape(ruc) + "</dRuc><dDV>" + *dv +
           "</dDV><dNomb>SIMULADOR DGI</dNomb></rRetEnviConsRucDV>";
}

std::string DgiSimulatorLogic::serve(const Parsed& p, DgiFault fault, std::string& verdict) {
    if (p.service == "feRecepFE") {
        Processed done = process_rfe(p.fields.at("xFe"), p.iamb, fault);
        verdict = done.cufe + " " + done.verdict;
        return "<rRetEnviFe" + std::string(k_ns_attr) + "><dVerForm>1.00</dVerForm><iAmb>" + escape(p.iamb) +
               "</iAmb><dVerApl>1.00</dVerApl>" + done.protocol_xml + "</rRetEnviFe>";
    }
    if (p.service == "feConsFE") return serve_cons_fe(p, verdict);
    if (p.service == "feRecepLoteFE") return serve_batch(p, fault, verdict);
    if (p.service == "feResultLoteFE") {
        std::string all;
        {
            std::lock_guard lock(m_mutex);
            for (const auto& prot : m_batches[p.fields.at("dProtConsLote")]) all += prot;
        }
        verdict = "batch result";
        return "<rRetConsLoteFe" + std::string(k_ns_attr) + "><dVerForm>1.00</dVerForm><iAmb>" + escape(p.iamb) +
               "</iAmb><dVerApl>1.00</dVerApl>" + all + "</rRetConsLoteFe>";
    }
    if (p.service == "feRecepEvento") return serve_event(p, fault, verdict);
    return serve_ruc(p, verdict);
}

SimulatorReply DgiSimulatorLogic::answer(const std::string& head, const std::string& body) {
    DgiFault fault = DgiFault::none;
    {
        std::lock_guard lock(m_mutex);
        // Kept for the tests (seen_heads); bounded, so that a simulator left running does not grow.
        if (m_heads.size() >= 10'000) m_heads.erase(m_heads.begin(), m_heads.begin() + 5'000);
        m_heads.push_back(head);
        fault = next_fault();
    }
    const std::string line = "SIMULATOR/SIMULADOR (not the DGI / no es la DGI): ";
    auto parsed = parse_request(body);
    if (!parsed) return {http(400, "Bad Request", "not a DGI request (SIMULATOR)", "text/plain"), line + "400 not a DGI request"};
    {
        std::lock_guard lock(m_mutex);
        ++m_requests[parsed->service];
    }
    const std::string name = line + parsed->service + " [" + (parsed->soap_ns == k_soap12 ? "SOAP 1.2" : "SOAP 1.1") +
                             "] fault=" + std::string(dgi_fault_name(fault)) + ": ";
    const std::string type = parsed->soap_ns == k_soap12 ? "application/soap+xml; charset=utf-8" : "text/xml; charset=utf-8";
    switch (fault) {
        case DgiFault::malformed: return {http(200, "OK", "<html><body>Service Unavailable (SIMULATOR)", "text/html"), name + "malformed body"};
        case DgiFault::http_error: return {http(m_options.error_status, "Error", "", "text/html"), name + "HTTP " + std::to_string(m_options.error_status)};
        case DgiFault::soap_fault:
            return {http(500, "Internal Server Error",
                         envelope(*parsed, "<s:Fault><faultcode>s:Server</faultcode><faultstring>SIMULADOR: error interno</faultstring>"
                                           "<s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text>SIMULADOR: error interno"
                                           "</s:Text></s:Reason></s:Fault>"),
                         type),
                    name + "SOAP fault"};
        case DgiFault::drop_unprocessed: return {std::string(), name + "connection closed, not processed"};
        default: break;
    }
    std::string content, verdict;
    try {
        content = serve(*parsed, fault, verdict);
    } catch (const std::out_of_range&) {  // a request without a field the service needs
        return {http(400, "Bad Request", "incomplete DGI request (SIMULATOR)", "text/plain"), name + "400 incomplete request"};
    }
    if (fault == DgiFault::drop_after_processing) return {std::string(), name + verdict + ", connection closed without answer"};
    if (fault == DgiFault::hold_after_processing) {
        wait_released(std::chrono::hours(1));
        return {std::string(), name + verdict + ", held until stop"};
    }
    if (fault == DgiFault::slow && !wait_released(m_options.slow_delay)) return {std::string(), name + verdict + ", stopped while slow"};
    return {http(200, "OK", envelope(*parsed, content), type), name + verdict};
}

}  // namespace detail

}  // namespace istmo::service
