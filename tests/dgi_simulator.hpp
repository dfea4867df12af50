#pragma once
// A loopback DGI SIMULATOR for the tests (plain HTTP on 127.0.0.1, a port chosen by the kernel,
// threads joined by LoopbackHttpServer). It is not the DGI: it answers the six services in the
// shapes SPEC §10 shows (rRetEnviFe with rProtFe directly and an empty <Signature />, 20-digit
// protocols "2026" + 16 digits, 0260 / 0422 / 0600 / 0622), keeps what it authorised for
// feConsFE and batches for feResultLoteFE, and plays faults from a script, one per request:
// rejection (1602), malformed body, HTTP 503, SOAP fault, the answer dropped after or before
// processing (the connection closed without an answer), or held until the simulator stops (a
// client deadline). Its own code for "CUFE not known" is 9001 (the DGI's is not known).
#include "loopback_http_server.hpp"

#include <istmo/invoice/panama.hpp>
#include <istmo/xml/document.hpp>

#include "xml/document_impl.hpp"

#include <condition_variable>
#include <cstdio>
#include <optional>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace istmo::test {

class DgiSimulator {
public:
    enum class Fault { none, reject, malformed, http503, soap_fault, drop_after_processing, drop_unprocessed, hold_after_processing };

    DgiSimulator() : m_server([this](const LoopbackRequest& r) { return answer(r); }, 30) {}
    ~DgiSimulator() {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_released.notify_all();
    }
    DgiSimulator(const DgiSimulator&) = delete;
    DgiSimulator& operator=(const DgiSimulator&) = delete;

    // The base URL (the client appends /FepWcfService/<service>.svc).
    [[nodiscard]] std::string base_url() const { return m_server.url(""); }
    // Faults for the next requests, one each, in order; afterwards every request is answered.
    void script(std::vector<Fault> faults) {
        std::lock_guard lock(m_mutex);
        m_script.assign(faults.begin(), faults.end());
    }
    // How many requests of a service ("feRecepFE", ...) arrived, and how many rFE it authorised.
    [[nodiscard]] int requests(const std::string& service) const {
        std::lock_guard lock(m_mutex);
        auto it = m_requests.find(service);
        return it == m_requests.end() ? 0 : it->second;
    }
    [[nodiscard]] int authorisations(const std::string& cufe) const {
        std::lock_guard lock(m_mutex);
        auto it = m_authorised_count.find(cufe);
        return it == m_authorised_count.end() ? 0 : it->second;
    }
    [[nodiscard]] std::vector<std::string> seen_heads() const {
        std::lock_guard lock(m_mutex);
        return m_heads;
    }

private:
    struct Parsed {
        std::string service;   // feRecepFE ...
        std::string soap_ns;
        std::string iamb;
        std::map<std::string, std::string> fields;  // the message's children by local name
    };

    static std::string http(int status, const std::string& body, const std::string& type) {
        return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + type + "\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    }

    static std::optional<Parsed> parse(const std::string& body) {
        auto doc = xml::XmlDocument::parse(body);
        if (!doc) return std::nullopt;
        const xmlNode* envelope = xmlDocGetRootElement(xml::get(*doc));
        Parsed p;
        p.soap_ns = envelope->ns ? std::string(xml::sv(envelope->ns->href)) : std::string();
        const xmlNode* message = nullptr;
        xml::for_each_element_in(envelope, [&](const xmlNode* node) {
            if (xml::sv(node->name) != "feDatosMsg") return xml::Walk::descend;
            message = xml::first_element_child(node);
            return xml::Walk::stop;
        });
        if (!message) return std::nullopt;
        static const std::map<std::string, std::string, std::less<>> services = {
            {"rEnviFe", "feRecepFE"}, {"rEnviLoteFe", "feRecepLoteFE"}, {"rEnviConsLoteFe", "feResultLoteFE"},
            {"rEnviConsFe", "feConsFE"}, {"rEnviEventoFe", "feRecepEvento"}, {"rEnviConsRucDV", "feConsRucDV"}};
        auto it = services.find(xml::sv(message->name));
        if (it == services.end()) return std::nullopt;
        p.service = it->second;
        for (const xmlNode* c = xml::first_element_child(message); c; c = xml::next_element_sibling(c))
            p.fields[std::string(xml::sv(c->name))] = xml::text_content(c);
        p.iamb = p.fields["iAmb"];
        return p;
    }

    std::string envelope(const Parsed& p, const std::string& content) const {
        return "<s:Envelope xmlns:s=\"" + p.soap_ns + "\"><s:Body>" + content + "</s:Body></s:Envelope>";
    }
    static std::string code(const std::string& c, const std::string& message) {
        return "<gResProc><dCodRes>" + c + "</dCodRes><dMsgRes>" + message + "</dMsgRes></gResProc>";
    }
    std::string protocol_xml(const std::string& cufe, const std::string& iamb, const std::string& protocol,
                             const std::string& codes) const {
        return "<rProtFe><dVerForm>1.00</dVerForm><gInfProt><iAmb>" + iamb + "</iAmb><dVerApl>1.00</dVerApl><dCUFE>" + cufe +
               "</dCUFE><dFecProc>2026-12-07T08:00:00-05:00</dFecProc>" +
               (protocol.empty() ? std::string() : "<dProAut>" + protocol + "</dProAut>") + codes +
               "</gInfProt><Signature /></rProtFe>";
    }

    // Authorises one rFE text (m_mutex held); the rProtFe, or a rejection.
    std::string process_rfe(const std::string& rfe, const std::string& iamb, bool reject) {
        auto invoice = invoice::panama::parse(rfe);
        if (!invoice) return protocol_xml("", iamb, "", code("0100", "SIMULADOR: rFE ilegible"));
        const std::string cufe(invoice->get("dId"));
        if (reject) return protocol_xml(cufe, iamb, "", code("1602", "RUC inexistente en el Registro Unico de Contribuyentes"));
        if (auto it = m_protocols.find(cufe); it != m_protocols.end()) return it->second;
        char digits[17];
        std::snprintf(digits, sizeof digits, "%016llu", static_cast<unsigned long long>(++m_next_protocol));
        std::string prot = protocol_xml(cufe, iamb, "2026" + std::string(digits), code("0260", "Autorizado el uso de la FE"));
        m_protocols[cufe] = prot;
        m_invoices[cufe] = rfe;
        ++m_authorised_count[cufe];
        return prot;
    }

    std::string serve(const Parsed& p, Fault fault) {
        const bool reject = fault == Fault::reject;
        const std::string head = "<dVerForm>1.00</dVerForm><iAmb>" + p.iamb + "</iAmb><dVerApl>1.00</dVerApl>";
        const std::string ns = " xmlns=\"http://dgi-fep.mef.gob.pa/wsdl/FeRecepFE\"";
        if (p.service == "feRecepFE") {
            return "<rRetEnviFe" + ns + ">" + head + process_rfe(p.fields.at("xFe"), p.iamb, reject) + "</rRetEnviFe>";
        }
        if (p.service == "feConsFE") {
            const std::string cufe = p.fields.at("dCufe");
            auto it = m_protocols.find(cufe);
            if (it == m_protocols.end())
                return "<rRetEnviConsFe" + ns + ">" + head + code("9001", "SIMULADOR: CUFE no encontrado") + "</rRetEnviConsFe>";
            std::string rfe = m_invoices[cufe];
            if (rfe.rfind("<?xml", 0) == 0) rfe.erase(0, rfe.find("?>") + 2);
            return "<rRetEnviConsFe" + ns + ">" + head + code("0422", "Exito en la consulta") +
                   "<xContenFE><rContFe><dVerForm>1.00</dVerForm><xFe>" + rfe + "</xFe><xProtFe>" + it->second +
                   "</xProtFe><xContEv/></rContFe></xContenFE></rRetEnviConsFe>";
        }
        if (p.service == "feRecepLoteFE") {
            auto list = xml::XmlDocument::parse("<lote>" + p.fields.at("xFe") + "</lote>");
            std::vector<std::string> prots;
            if (list) {
                for (const xmlNode* c = xml::first_element_child(xmlDocGetRootElement(xml::get(*list))); c;
                     c = xml::next_element_sibling(c)) {
                    xmlBufferPtr buffer = xmlBufferCreate();
                    xmlNodeDump(buffer, xml::get(*list), const_cast<xmlNode*>(c), 0, 0);
                    prots.push_back(process_rfe(std::string(xml::sv(xmlBufferContent(buffer))), p.iamb, reject));
                    xmlBufferFree(buffer);
                }
            }
            const std::string number = std::to_string(++m_next_batch);
            m_batches[number] = prots;
            return "<rRetEnviLoteFe" + ns + ">" + head + "<dProtLote>" + number + "</dProtLote></rRetEnviLoteFe>";
        }
        if (p.service == "feResultLoteFE") {
            std::string all;
            for (const auto& prot : m_batches[p.fields.at("dProtConsLote")]) all += prot;
            return "<rRetConsLoteFe" + ns + ">" + head + all + "</rRetConsLoteFe>";
        }
        if (p.service == "feRecepEvento") {
            const bool repeated = !m_events.insert(p.fields.at("dEvReg")).second;
            return "<rRetEnviEventoFe" + ns + ">" + head + "<dFecProc>2026-12-07T08:00:00-05:00</dFecProc>" +
                   (reject ? code("1602", "RUC inexistente")
                    : repeated ? code("0622", "Evento ya registrado")
                               : code("0600", "Evento registrado con exito")) +
                   "</rRetEnviEventoFe>";
        }
        return "<rRetEnviConsRucDV" + ns + ">" + head + "<dRuc>" + p.fields.at("dRuc") +
               "</dRuc><dDV>32</dDV><dNomb>SIMULADOR DGI</dNomb></rRetEnviConsRucDV>";
    }

    std::string answer(const LoopbackRequest& request) {
        std::unique_lock lock(m_mutex);
        m_heads.push_back(request.head);
        Fault fault = Fault::none;
        if (!m_script.empty()) {
            fault = m_script.front();
            m_script.pop_front();
        }
        auto parsed = parse(request.body);
        if (!parsed) return http(400, "not a DGI request", "text/plain");
        ++m_requests[parsed->service];
        const std::string type = parsed->soap_ns == "http://www.w3.org/2003/05/soap-envelope" ? "application/soap+xml"
                                                                                             : "text/xml";
        switch (fault) {
            case Fault::malformed: return http(200, "<html><body>Service Unavailable", "text/html");
            case Fault::http503: return http(503, "", "text/html");
            case Fault::soap_fault:
                return http(500, envelope(*parsed, "<s:Fault><faultcode>s:Server</faultcode><faultstring>SIMULADOR: error interno</faultstring>"
                                                    "<s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text>SIMULADOR: error interno</s:Text></s:Reason></s:Fault>"),
                            type);
            case Fault::drop_unprocessed: return std::string();
            default: break;
        }
        std::string content;
        try {
            content = serve(*parsed, fault);
        } catch (const std::exception&) {  // a request without a field the service needs
            return http(400, "incomplete DGI request", "text/plain");
        }
        const std::string body = envelope(*parsed, content);
        if (fault == Fault::drop_after_processing) return std::string();
        if (fault == Fault::hold_after_processing) {
            m_released.wait_for(lock, std::chrono::seconds(20), [this] { return m_stopping; });
            return std::string();
        }
        return http(200, body, type + "; charset=utf-8");
    }

    mutable std::mutex m_mutex;
    std::condition_variable m_released;
    bool m_stopping = false;
    std::deque<Fault> m_script;
    std::map<std::string, int> m_requests;
    std::map<std::string, std::string> m_protocols;  // CUFE -> rProtFe
    std::map<std::string, std::string> m_invoices;   // CUFE -> rFE
    std::map<std::string, int> m_authorised_count;
    std::map<std::string, std::vector<std::string>> m_batches;
    std::set<std::string> m_events;
    std::vector<std::string> m_heads;
    unsigned long long m_next_protocol = 0;
    unsigned long long m_next_batch = 0;
    LoopbackHttpServer m_server;  // last: stopped (threads joined) first
};

}  // namespace istmo::test
