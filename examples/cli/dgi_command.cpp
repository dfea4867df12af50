// istmo dgi: the DGI web services of the Panama e-invoice: send, query, send-batch,
// batch-result, event, ruc. Uses the public C++ API only.
#include "commands.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "options.hpp"

#include <istmo/invoice/dgi.hpp>
#include <istmo/invoice/dgi_events.hpp>
#include <istmo/invoice/dgi_journal.hpp>
#include <istmo/invoice/panama.hpp>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <unistd.h>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace istmo_cli {

int run_dgi(std::span<const std::string> argv);
int run_dgi_simulate(std::span<const std::string> argv);  // dgi_simulate_command.cpp

namespace {

namespace dgi = istmo::invoice::panama::dgi;

// An answer that says "already registered" (0622 for an event): neither success nor a plain rejection.
constexpr int exit_duplicate = 3;

const char* const dgi_usage =
    "usage: istmo dgi send --env test|production [CONNECTION] [-o PROTOCOL.xml] [--json] SIGNED.xml\n"
    "       istmo dgi send --env test|production [CONNECTION] --pending DIR [--queue-only] [SIGNED.xml...]\n"
    "       istmo dgi query --env test|production [CONNECTION] [-o CONTAINER.xml] [--json] CUFE\n"
    "       istmo dgi send-batch --env test|production [CONNECTION] [--json] SIGNED.xml...\n"
    "       istmo dgi batch-result --env test|production [CONNECTION] [--json] BATCH\n"
    "       istmo dgi event --env test|production [CONNECTION] [--json] SIGNED-EVENT.xml\n"
    "       istmo dgi ruc --env test|production [CONNECTION] [--natural | --juridical] [--json] RUC\n"
    "       istmo dgi annul (--from ANNUL.json | --env E --cufe CUFE --issuer-ruc RUC --issuer-dv DV\n"
    "                       [--natural] --motive TEXT) --key FILE [--cert FILE] [-o OUT] [--send [CONNECTION]]\n"
    "       istmo dgi manifest (--from MANIF.json | --env E --protocol N --receiver-ruc RUC --code 1001..1005\n"
    "                       [--motive TEXT]) --key FILE [--cert FILE] [-o OUT] [--send [CONNECTION]]\n"
    "       istmo dgi container [--event FILE]... [-o OUT] SIGNED.xml PROTOCOL.xml | --check CONTAINER.xml\n"
    "       istmo dgi simulate [--listen ADDR:PORT] (--tls-cert F --tls-key F --client-ca F | --insecure-http)\n"
    "                       [--fault MODE]   (a DGI SIMULATOR, not the DGI: see istmo dgi simulate --help)\n"
    "CONNECTION: [--endpoint URL] [--soap 1.2|1.1] [--cacert FILE] [--client-cert FILE --client-key FILE |\n"
    "            --client-p12 FILE] [--pass-env VAR | --pass-file FILE] [--proxy URL] [--timeout SECONDS]\n"
    "            [--resends N] [--max-response BYTES]\n"
    "Try 'istmo dgi --help' for more information.\n";

const char* const dgi_help =
    "usage: istmo dgi <send|query|send-batch|batch-result|event|ruc|annul|manifest|container|simulate> [options]\n"
    "\n"
    "The DGI web services of the Panama e-invoice (SOAP, FepWcfService). Only authorised PACs talk\n"
    "to the DGI itself; several PACs expose the same services. The environment (iAmb) is always\n"
    "given: --env test (2) or --env production (1).\n"
    "\n"
    "  send SIGNED.xml       feRecepFE: sends one signed rFE for authorisation; prints the 20-digit\n"
    "                        protocol. When the answer is lost (deadline, broken connection, HTTP\n"
    "                        error, unreadable answer) the rFE is looked up with feConsFE before it\n"
    "                        is sent again: istmo never has an invoice authorised twice.\n"
    "                        -o FILE writes the protocol (rProtFe) received.\n"
    "  send --pending DIR [SIGNED.xml...] [--queue-only]\n"
    "                        contingency: adds the files to the journal DIR (fsync'd), then sends\n"
    "                        every pending entry in order (done/ and rejected/ keep the answers); an\n"
    "                        entry past 72 hours is flagged. A crash at any point loses none and\n"
    "                        sends none twice (an entry caught mid-send is looked up first).\n"
    "  query CUFE            feConsFE: the DGI's record of an rFE; -o FILE writes the container\n"
    "                        (rContFe: rFE, protocol, events) that the receiver gets.\n"
    "  send-batch FILE...    feRecepLoteFE: sends several signed rFE; prints the batch number\n"
    "                        (never resent when the answer is lost).\n"
    "  batch-result BATCH    feResultLoteFE: the protocols of a batch.\n"
    "  event FILE            feRecepEvento: sends a signed event (annulment, receiver manifestation).\n"
    "  ruc RUC               feConsRucDV: the RUC's check digits (DV) and name; --natural or\n"
    "                        --juridical (default) gives dTipoRuc 1 or 2.\n"
    "  annul                 builds the annulment rEvAnulaFe (from --from JSON, or --cufe, --issuer-ruc,\n"
    "                        --issuer-dv, --natural, --motive; structure from SPEC 5.3's examples: its\n"
    "                        schema was not found), signs it with --key/--cert (panama-fe profile),\n"
    "                        checks it and writes it (-o); --send also sends it with feRecepEvento.\n"
    "  manifest              the receiver's manifestation rEvManifRecep (--protocol, --receiver-ruc,\n"
    "                        --code 1001..1005, --motive of 15 to 500 characters), as annul.\n"
    "  container             builds the receiver's rContFe from the signed rFE, its protocol (what\n"
    "                        send -o wrote) and --event files, checks that the CUFE and protocol agree\n"
    "                        across them and writes it (-o); --check CONTAINER.xml checks one.\n"
    "  simulate              a DGI SIMULATOR (not the DGI) for testing an integration offline: HTTPS\n"
    "                        with a client-certificate check, validates with istmo, fault modes\n"
    "                        (istmo dgi simulate --help).\n"
    "\n"
    "  --from FILE           annul/manifest: the event's fields as JSON with the DGI names\n"
    "  --motive TEXT         annul: dMotivoAn; manifest: dMotManif\n"
    "  --signature-id ID     annul/manifest: dIdFirma (22 characters), optional\n"
    "  --key FILE, --cert FILE, --chain FILE, --pass-env VAR, --pass-file FILE\n"
    "                        annul/manifest: the signer (as for invoice sign); the TLS client's\n"
    "                        password is then --client-pass-env VAR / --client-pass-file FILE\n"
    "  --send                annul/manifest: also send the signed event\n"
    "  --event FILE          container: a signed event to include; repeatable\n"
    "  --check               container: check CONTAINER.xml instead of building one\n"
    "\n"
    "  --env test|production the environment (iAmb 2 or 1), required\n"
    "  --endpoint URL        base URL (the service path /FepWcfService/<service>.svc is added);\n"
    "                        default: https://dgi-fepws-test.mef.gob.pa:40010 (test) or\n"
    "                        https://dgi-fepws.mef.gob.pa:40100 (production), as SPEC 5.2 reports them\n"
    "  --soap 1.2|1.1        SOAP version (default 1.2)\n"
    "  --cacert FILE         PEM bundle to verify the server with (default: the system CAs)\n"
    "  --client-cert FILE / --client-key FILE\n"
    "                        the transmission certificate (PEM) as TLS client certificate\n"
    "  --client-p12 FILE     the transmission certificate as PKCS#12\n"
    "  --pass-env VAR / --pass-file FILE\n"
    "                        the password of the client key or PKCS#12 (never on the command line)\n"
    "  --proxy URL           an HTTP proxy (http://host:port; https goes through CONNECT)\n"
    "  --timeout SECONDS     time for one request (default 30; 1 to 600)\n"
    "  --resends N           sends after a lost answer that feConsFE did not find (default 1, 0 to 5)\n"
    "  --max-response BYTES  largest answer accepted (K, M or G; 1K to 1G), for every service;\n"
    "                        default 1M, and 16M for feConsFE and feResultLoteFE, whose answers\n"
    "                        carry whole documents (rContFe, a batch's protocols)\n"
    "  -o, --output FILE     send: the protocol (rProtFe); query: the container (rContFe)\n"
    "  --json                print the answer as one JSON object\n"
    "  --lang es|en          language of the messages (default: LC_ALL/LC_MESSAGES/LANG)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit codes of dgi: 0 authorised, registered or found; 1 rejected (the result codes are printed)\n"
    "or a SOAP fault; 3 duplicate (already registered, e.g. code 0622); 65 the answer is not a DGI\n"
    "answer; 69 the service cannot be reached or did not answer in time (for send: query the CUFE\n"
    "before sending again).\n"
    "\n";

const char* const dgi_help_es =
    "uso: istmo dgi <send|query|send-batch|batch-result|event|ruc|annul|manifest|container|simulate> [opciones]\n"
    "\n"
    "Los servicios web de la DGI para la factura electrónica de Panamá (SOAP, FepWcfService). Solo\n"
    "los PAC autorizados hablan con la DGI; varios PAC ofrecen los mismos servicios. El ambiente\n"
    "(iAmb) se indica siempre: --env test (2) o --env production (1).\n"
    "\n"
    "  send FIRMADO.xml      feRecepFE: envía un rFE firmado para su autorización; imprime el\n"
    "                        protocolo de 20 dígitos. Si se pierde la respuesta (plazo, conexión\n"
    "                        rota, error HTTP, respuesta ilegible) se consulta el rFE con feConsFE\n"
    "                        antes de enviarlo de nuevo: istmo nunca hace autorizar dos veces una\n"
    "                        factura. -o ARCHIVO escribe el protocolo (rProtFe) recibido.\n"
    "  send --pending DIR [FIRMADO.xml...] [--queue-only]\n"
    "                        contingencia: añade los archivos al diario DIR (con fsync) y envía cada\n"
    "                        entrada pendiente en orden (done/ y rejected/ guardan las respuestas);\n"
    "                        se señala la que pasó las 72 horas. Una caída en cualquier punto no\n"
    "                        pierde ninguna ni envía ninguna dos veces (la sorprendida a mitad de\n"
    "                        envío se consulta antes).\n"
    "  query CUFE            feConsFE: el registro de la DGI de un rFE; -o ARCHIVO escribe el\n"
    "                        contenedor (rContFe: rFE, protocolo, eventos) que recibe el receptor.\n"
    "  send-batch ARCHIVO... feRecepLoteFE: envía varios rFE firmados; imprime el número de lote\n"
    "                        (nunca se reenvía si se pierde la respuesta).\n"
    "  batch-result LOTE     feResultLoteFE: los protocolos de un lote.\n"
    "  event ARCHIVO         feRecepEvento: envía un evento firmado (anulación, manifestación del receptor).\n"
    "  ruc RUC               feConsRucDV: el DV y el nombre de un RUC; --natural o --juridical (por\n"
    "                        defecto) da dTipoRuc 1 o 2.\n"
    "  annul                 construye la anulación rEvAnulaFe (desde --from JSON, o --cufe,\n"
    "                        --issuer-ruc, --issuer-dv, --natural, --motive; estructura tomada de los\n"
    "                        ejemplos de SPEC 5.3: no se encontró su esquema), la firma con --key/--cert\n"
    "                        (perfil panama-fe), la comprueba y la escribe (-o); --send además la envía\n"
    "                        con feRecepEvento.\n"
    "  manifest              la manifestación del receptor rEvManifRecep (--protocol, --receiver-ruc,\n"
    "                        --code 1001..1005, --motive de 15 a 500 caracteres), como annul.\n"
    "  container             construye el rContFe del receptor con el rFE firmado, su protocolo (lo que\n"
    "                        escribió send -o) y los archivos --event, comprueba que el CUFE y el\n"
    "                        protocolo coinciden entre ellos y lo escribe (-o); --check CONTENEDOR.xml\n"
    "                        comprueba uno.\n"
    "  simulate              un SIMULADOR de la DGI (no es la DGI) para probar una integración sin\n"
    "                        conexión: HTTPS con comprobación del certificado de cliente, valida con\n"
    "                        istmo, modos de fallo (istmo dgi simulate --help).\n"
    "\n"
    "  --from ARCHIVO        annul/manifest: los campos del evento en JSON con los nombres de la DGI\n"
    "  --motive TEXTO        annul: dMotivoAn; manifest: dMotManif\n"
    "  --signature-id ID     annul/manifest: dIdFirma (22 caracteres), opcional\n"
    "  --key ARCHIVO, --cert ARCHIVO, --chain ARCHIVO, --pass-env VAR, --pass-file ARCHIVO\n"
    "                        annul/manifest: el firmante (como en invoice sign); la contraseña del\n"
    "                        cliente TLS es entonces --client-pass-env VAR / --client-pass-file ARCHIVO\n"
    "  --send                annul/manifest: además envía el evento firmado\n"
    "  --event ARCHIVO       container: un evento firmado que incluir; repetible\n"
    "  --check               container: comprueba CONTENEDOR.xml en lugar de construir uno\n"
    "\n"
    "  --env test|production el ambiente (iAmb 2 o 1), obligatorio\n"
    "  --endpoint URL        URL base (se añade la ruta /FepWcfService/<servicio>.svc); por defecto\n"
    "                        https://dgi-fepws-test.mef.gob.pa:40010 (pruebas) o\n"
    "                        https://dgi-fepws.mef.gob.pa:40100 (producción), según SPEC 5.2\n"
    "  --soap 1.2|1.1        versión de SOAP (1.2 por defecto)\n"
    "  --cacert ARCHIVO      CA (PEM) para verificar el servidor (por defecto: las del sistema)\n"
    "  --client-cert ARCHIVO / --client-key ARCHIVO\n"
    "                        el certificado de transmisión (PEM) como certificado de cliente TLS\n"
    "  --client-p12 ARCHIVO  el certificado de transmisión como PKCS#12\n"
    "  --pass-env VAR / --pass-file ARCHIVO\n"
    "                        la contraseña de la clave o del PKCS#12 (nunca en la línea de órdenes)\n"
    "  --proxy URL           un proxy HTTP (http://host:puerto; https pasa por CONNECT)\n"
    "  --timeout SEGUNDOS    tiempo de una solicitud (30 por defecto; de 1 a 600)\n"
    "  --resends N           envíos tras una respuesta perdida que feConsFE no encontró (1; de 0 a 5)\n"
    "  --max-response BYTES  la mayor respuesta aceptada (K, M o G; de 1K a 1G), para todo servicio;\n"
    "                        por defecto 1M, y 16M para feConsFE y feResultLoteFE, cuyas respuestas\n"
    "                        llevan documentos enteros (rContFe, los protocolos de un lote)\n"
    "  -o, --output ARCHIVO  send: el protocolo (rProtFe); query: el contenedor (rContFe)\n"
    "  --json                imprime la respuesta como un objeto JSON\n"
    "  --lang es|en          idioma de los mensajes (por defecto: LC_ALL/LC_MESSAGES/LANG)\n"
    "  -h, --help            muestra esta ayuda\n"
    "\n"
    "Códigos de salida de dgi: 0 autorizado, registrado o encontrado; 1 rechazado (se imprimen los\n"
    "códigos de resultado) o fallo SOAP; 3 duplicado (ya registrado, p. ej. código 0622); 65 la\n"
    "respuesta no es de la DGI; 69 no se puede contactar el servicio o no respondió a tiempo (en\n"
    "send: consulte el CUFE antes de enviar de nuevo).\n"
    "\n";

// The connection options; with a signing key (annul, manifest) the TLS client's password is
// --client-pass-env / --client-pass-file, --pass-env / --pass-file being the key's.
std::vector<OptionSpec> connection_options(std::vector<OptionSpec> own, bool signing = false) {
    const std::vector<OptionSpec> shared = {
        {"env", '\0', true, false},         {"endpoint", '\0', true, false},    {"soap", '\0', true, false},
        {"cacert", '\0', true, false},      {"client-cert", '\0', true, false}, {"client-key", '\0', true, false},
        {"client-p12", '\0', true, false},  {"timeout", '\0', true, false},     {"resends", '\0', true, false},
        {"json", '\0', false, false},       {"proxy", '\0', true, false},      {"max-response", '\0', true, false}};
    own.insert(own.end(), shared.begin(), shared.end());
    if (signing) {
        own.push_back({"client-pass-env", '\0', true, false});
        own.push_back({"client-pass-file", '\0', true, false});
        own.insert(own.end(), key_options().begin(), key_options().end());
    } else {
        own.push_back({"pass-env", '\0', true, false});
        own.push_back({"pass-file", '\0', true, false});
    }
    return own;
}

CommandSpec dgi_command(const char* sub, std::vector<OptionSpec> own, bool signing = false) {
    return CommandSpec{std::string("dgi ") + sub, connection_options(std::move(own), signing), dgi_usage,
                       tr(dgi_help, dgi_help_es)};
}

std::optional<int> small_number(const std::optional<std::string>& text, int low, int high) {
    if (!text || text->empty() || text->size() > 4) return std::nullopt;
    int value = 0;
    for (const char c : *text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    if (value < low || value > high) return std::nullopt;
    return value;
}

// The client from --env and the connection options; nullopt after printing the problem.
std::optional<dgi::Client> make_client(const std::string& name, const ParsedArgs& args, int& code) {
    const auto usage = [&](const std::string& en, const std::string& es) {
        code = usage_error(name + ": " + tr(en, es), dgi_usage);
        return std::nullopt;
    };
    dgi::ClientOptions options;
    const std::string env = args.value("env").value_or("");
    if (env == "test" || env == "2") options.environment = dgi::Environment::test;
    else if (env == "production" || env == "1") options.environment = dgi::Environment::production;
    else return usage("--env test|production is required (the environment is never assumed)",
                      "--env test|production es obligatorio (el ambiente nunca se supone)");
    options.base_url = args.value("endpoint").value_or("");
    const std::string soap = args.value("soap").value_or("1.2");
    if (soap != "1.2" && soap != "1.1") return usage("--soap must be 1.2 or 1.1", "--soap debe ser 1.2 o 1.1");
    options.soap = soap == "1.1" ? dgi::SoapVersion::soap11 : dgi::SoapVersion::soap12;
    const auto timeout = args.has("timeout") ? small_number(args.value("timeout"), 1, 600) : std::optional<int>(30);
    if (!timeout) return usage("--timeout must be 1 to 600 seconds", "--timeout debe estar entre 1 y 600 segundos");
    options.http.request_timeout = std::chrono::seconds(*timeout);
    options.http.total_timeout = std::chrono::seconds(*timeout * 3);
    const auto resends = args.has("resends") ? small_number(args.value("resends"), 0, 5) : std::optional<int>(1);
    if (!resends) return usage("--resends must be 0 to 5", "--resends debe estar entre 0 y 5");
    options.max_resends = *resends;
    if (auto cap = args.value("max-response")) {
        const auto bytes = parse_size(*cap);
        if (!bytes || *bytes < 1024 || *bytes > (std::size_t{1} << 30))
            return usage("--max-response must be 1K to 1G", "--max-response debe estar entre 1K y 1G");
        options.http.max_response_bytes = *bytes;
        options.max_query_response_bytes = *bytes;
    }
    options.http.ca_file = args.value("cacert").value_or("");
    options.http.proxy = args.value("proxy").value_or("");
    options.http.client_cert_file = args.value("client-cert").value_or("");
    options.http.client_key_file = args.value("client-key").value_or("");
    options.http.client_p12_file = args.value("client-p12").value_or("");
    if (options.http.client_cert_file.empty() != options.http.client_key_file.empty())
        return usage("--client-cert and --client-key go together", "--client-cert y --client-key van juntos");
    const bool signing = args.has("client-pass-env") || args.has("client-pass-file") || args.has("key");
    auto password = signing ? read_secret(args, "client-pass-env", "client-pass-file", code)
                            : read_secret(args, "pass-env", "pass-file", code);
    if (!password) return std::nullopt;
    options.http.client_key_password = std::string(password->view());
    options.http.user_agent = "istmo-dgi";
    auto client = dgi::Client::create(std::move(options));
    if (!client) {
        code = report_error(name, client.error());
        return std::nullopt;
    }
    return std::move(*client);
}

std::string effect_text(dgi::Effect e) {
    switch (e) {
        case dgi::Effect::success: return tr("success", "éxito");
        case dgi::Effect::notification: return tr("N notification", "N notificación");
        case dgi::Effect::error: return tr("E rejection", "E rechazo");
        case dgi::Effect::unknown: return tr("unknown code", "código desconocido");
    }
    return {};
}

std::string outcome_text(dgi::Outcome o) {
    switch (o) {
        case dgi::Outcome::authorised: return tr("AUTHORISED", "AUTORIZADA");
        case dgi::Outcome::registered: return tr("REGISTERED", "REGISTRADO");
        case dgi::Outcome::found: return tr("FOUND", "ENCONTRADO");
        case dgi::Outcome::accepted: return tr("ACCEPTED", "ACEPTADO");
        case dgi::Outcome::duplicate: return tr("DUPLICATE (already registered)", "DUPLICADO (ya registrado)");
        case dgi::Outcome::rejected: return tr("REJECTED", "RECHAZADO");
        case dgi::Outcome::fault: return tr("SOAP FAULT", "FALLO SOAP");
    }
    return {};
}

void print_human(const dgi::Response& r) {
    std::cout << service_name(r.operation) << ": " << outcome_text(r.outcome) << "\n";
    if (const std::string p = r.protocol(); !p.empty()) std::cout << tr("  protocol: ", "  protocolo: ") << p << "\n";
    if (!r.batch_protocol.empty()) std::cout << tr("  batch: ", "  lote: ") << r.batch_protocol << "\n";
    if (!r.dv.empty()) std::cout << "  RUC: " << r.ruc << "  DV: " << r.dv << (r.name.empty() ? "" : "  " + r.name) << "\n";
    for (const auto& p : r.protocols)
        if (!p.cufe.empty()) std::cout << "  CUFE: " << p.cufe << (p.protocol.empty() ? "" : "  " + p.protocol) << "\n";
    for (const dgi::ResultCode* c : r.all_codes()) {
        std::cout << "  " << c->code << " [" << effect_text(c->effect) << "] " << c->message;
        const std::string meaning = tr(c->meaning_en, c->meaning_es);
        if (!meaning.empty()) std::cout << " (" << meaning << ")";
        std::cout << "\n";
    }
    if (r.fault) std::cout << "  " << r.fault->code << ": " << r.fault->reason << "\n";
    for (const auto& f : r.findings) std::cout << "  " << f.code << ": " << tr(f.message, f.message_es) << "\n";
}

int exit_for(dgi::Outcome o) {
    switch (o) {
        case dgi::Outcome::authorised:
        case dgi::Outcome::registered:
        case dgi::Outcome::found:
        case dgi::Outcome::accepted: return exit_ok;
        case dgi::Outcome::duplicate: return exit_duplicate;
        case dgi::Outcome::rejected:
        case dgi::Outcome::fault: return exit_total_failed;
    }
    return exit_internal;
}

// Prints the answer (or the error) and returns the exit code; writes `file_content` to -o.
int finish(const std::string& name, const ParsedArgs& args, const istmo::Result<dgi::Response>& r,
           const std::string& file_content = {}) {
    if (!r) return report_error(name, r.error());
    if (args.has("json")) std::cout << r->to_json() << "\n";
    else print_human(*r);
    if (auto out = args.value("output"); out && !file_content.empty())
        if (const int written = write_output(*out, file_content); written != exit_ok) return written;
    return exit_for(r->outcome);
}

int one_positional(const std::string& name, const ParsedArgs& args, const char* what_en, const char* what_es) {
    if (args.positionals().size() == 1) return exit_ok;
    return usage_error(name + ": " + tr(std::string("exactly one ") + what_en, std::string("exactamente un ") + what_es), dgi_usage);
}

// The contingency journal: --pending DIR [FILE...] adds the files, then (unless --queue-only)
// sends every pending entry in order. ISTMO_DGI_CRASH_AT=N (tests) kills this process with
// SIGKILL at the journal's N-th durable step.
int send_pending(const ParsedArgs& args) {
    auto journal = dgi::PendingJournal::open(*args.value("pending"));
    if (!journal) return report_error("dgi send --pending", journal.error());
    int code = exit_ok;
    for (const auto& path : args.positionals()) {
        auto input = read_input(path, code);
        if (!input) return code;
        auto added = journal->add(*input);
        if (!added) return report_error("dgi send --pending: " + path, added.error());
        std::cout << tr("queued: ", "en cola: ") << *added << "\n";
    }
    if (args.has("queue-only")) return exit_ok;
    auto client = make_client("dgi send --pending", args, code);
    if (!client) return code;
    int crash_at = 0;
    if (const char* env = std::getenv("ISTMO_DGI_CRASH_AT")) crash_at = std::atoi(env);
    auto results = journal->send_all(*client, [crash_at](int step) {
        if (step == crash_at) ::kill(::getpid(), SIGKILL);
    });
    if (!results) return report_error("dgi send --pending", results.error());
    int worst = exit_ok;
    for (const auto& r : *results) {
        std::cout << r.entry << ": ";
        if (!r.outcome) {
            std::cout << tr("no answer, kept pending: ", "sin respuesta, sigue pendiente: ") << r.error << "\n";
            worst = exit_unavailable;
            continue;
        }
        std::cout << outcome_text(*r.outcome) << (r.protocol.empty() ? "" : " " + r.protocol)
                  << (r.queried_first ? tr(" (looked up first: sent before a crash)", " (consultada antes: enviada antes de una caída)") : "")
                  << (r.late ? tr(" WARNING: past the 72-hour contingency window", " ADVERTENCIA: fuera del plazo de contingencia de 72 horas") : "")
                  << "\n";
        if (worst == exit_ok) worst = exit_for(*r.outcome);
    }
    return worst;
}

int cmd_send(std::span<const std::string> argv) {
    const CommandSpec command =
        dgi_command("send", {{"output", 'o', true, false}, {"pending", '\0', true, false}, {"queue-only", '\0', false, false}});
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (args.has("pending")) return send_pending(args);
    if (const int bad = one_positional("dgi send", args, "SIGNED.xml", "FIRMADO.xml"); bad != exit_ok) return bad;
    int code = exit_ok;
    auto client = make_client("dgi send", args, code);
    if (!client) return code;
    auto input = read_input(args.positionals().front(), code);
    if (!input) return code;
    auto r = client->send(*input);
    return finish("dgi send", args, r, r && !r->protocols.empty() ? r->protocols.front().xml : std::string());
}

int cmd_query(std::span<const std::string> argv) {
    const CommandSpec command = dgi_command("query", {{"output", 'o', true, false}});
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (const int bad = one_positional("dgi query", args, "CUFE", "CUFE"); bad != exit_ok) return bad;
    int code = exit_ok;
    auto client = make_client("dgi query", args, code);
    if (!client) return code;
    auto r = client->query(args.positionals().front());
    return finish("dgi query", args, r, r ? r->container_xml : std::string());
}

int cmd_send_batch(std::span<const std::string> argv) {
    const CommandSpec command = dgi_command("send-batch", {});
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (args.positionals().empty())
        return usage_error("dgi send-batch: " + tr("at least one SIGNED.xml", "al menos un FIRMADO.xml"), dgi_usage);
    int code = exit_ok;
    auto client = make_client("dgi send-batch", args, code);
    if (!client) return code;
    std::vector<std::string> documents;
    for (const auto& path : args.positionals()) {
        auto input = read_input(path, code);
        if (!input) return code;
        documents.push_back(std::move(*input));
    }
    return finish("dgi send-batch", args, client->send_batch(documents));
}

int cmd_batch_result(std::span<const std::string> argv) {
    const CommandSpec command = dgi_command("batch-result", {});
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (const int bad = one_positional("dgi batch-result", args, "BATCH", "LOTE"); bad != exit_ok) return bad;
    int code = exit_ok;
    auto client = make_client("dgi batch-result", args, code);
    if (!client) return code;
    return finish("dgi batch-result", args, client->batch_result(args.positionals().front()));
}

int cmd_event(std::span<const std::string> argv) {
    const CommandSpec command = dgi_command("event", {});
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (const int bad = one_positional("dgi event", args, "SIGNED-EVENT.xml", "EVENTO-FIRMADO.xml"); bad != exit_ok) return bad;
    int code = exit_ok;
    auto client = make_client("dgi event", args, code);
    if (!client) return code;
    auto input = read_input(args.positionals().front(), code);
    if (!input) return code;
    return finish("dgi event", args, client->send_event(*input));
}

int cmd_ruc(std::span<const std::string> argv) {
    const CommandSpec command = dgi_command("ruc", {{"natural", '\0', false, false}, {"juridical", '\0', false, false}});
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (const int bad = one_positional("dgi ruc", args, "RUC", "RUC"); bad != exit_ok) return bad;
    int code = exit_ok;
    auto client = make_client("dgi ruc", args, code);
    if (!client) return code;
    return finish("dgi ruc", args, client->ruc(args.positionals().front(), args.has("natural") ? 1 : 2));
}


// ---- events and the container ----------------------------------------------------------------

std::optional<dgi::Environment> environment_from(const ParsedArgs& args) {
    const std::string env = args.value("env").value_or("");
    if (env == "test" || env == "2") return dgi::Environment::test;
    if (env == "production" || env == "1") return dgi::Environment::production;
    return std::nullopt;
}

void print_event_findings(const istmo::invoice::panama::dgi::EventReport& report) {
    for (const auto& f : report.findings) std::cerr << "  " << f.code << ": " << tr(f.message, f.message_es) << "\n";
}

// Signs the unsigned event, checks its structure and values, then writes it (-o, default
// standard output) or, with --send, sends it with feRecepEvento.
int sign_and_deliver(const std::string& name, const ParsedArgs& args, const istmo::Result<std::string>& built) {
    if (!built) return report_error(name, built.error());
    SigningMaterial material;
    if (const int loaded = load_signing_material(args, material); loaded != exit_ok) return loaded;
    if (!material.certificate)
        return usage_error(name + ": " + tr("the signer certificate is required: --cert FILE, or a PKCS#12 --key",
                                            "se necesita el certificado del firmante: --cert ARCHIVO, o una --key PKCS#12"),
                           dgi_usage);
    auto signer = istmo::invoice::panama::make_signer(std::move(*material.key), std::move(*material.certificate));
    if (!signer) return report_error(name, signer.error());
    auto signed_event = dgi::sign_event(*signer, *built);
    if (!signed_event) return report_error(name, signed_event.error());
    dgi::EventValidateOptions check;
    check.check_signature = false;  // just made; the receiver's side verifies it against its anchors
    auto report = dgi::validate_event(*signed_event, check);
    if (!report) return report_error(name, report.error());
    if (!report->passed()) {
        print_event_findings(*report);
        print_error(name + ": " + tr("the event is not valid (findings above)", "el evento no es válido (hallazgos arriba)"));
        return exit_total_failed;
    }
    if (!args.has("send")) return write_output(args.value("output").value_or(""), *signed_event);
    if (auto out = args.value("output"))
        if (const int written = write_output(*out, *signed_event); written != exit_ok) return written;
    int code = exit_ok;
    auto client = make_client(name, args, code);
    if (!client) return code;
    return finish(name, args, client->send_event(*signed_event));
}

std::vector<OptionSpec> event_options(std::vector<OptionSpec> own) {
    own.push_back({"from", '\0', true, false});
    own.push_back({"output", 'o', true, false});
    own.push_back({"send", '\0', false, false});
    own.push_back({"motive", '\0', true, false});
    own.push_back({"signature-id", '\0', true, false});
    return own;
}

int cmd_annul(std::span<const std::string> argv) {
    const CommandSpec command = dgi_command(
        "annul", event_options({{"cufe", '\0', true, false}, {"issuer-ruc", '\0', true, false}, {"issuer-dv", '\0', true, false},
                                {"natural", '\0', false, false}, {"juridical", '\0', false, false}}),
        true);
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (!args.positionals().empty()) return usage_error("dgi annul: " + tr("no FILE is taken", "no se toma ningún ARCHIVO"), dgi_usage);
    dgi::AnnulmentInput in;
    if (auto from = args.value("from")) {
        int code = exit_ok;
        auto text = read_input(*from, code);
        if (!text) return code;
        auto parsed = dgi::annulment_from_json(*text);
        if (!parsed) return report_error("dgi annul: " + *from, parsed.error());
        in = std::move(*parsed);
    } else {
        in.environment = environment_from(args);
        if (!in.environment)
            return usage_error("dgi annul: " + tr("--env test|production is required", "--env test|production es obligatorio"), dgi_usage);
        in.cufe = args.value("cufe").value_or("");
        in.issuer_ruc = args.value("issuer-ruc").value_or("");
        in.issuer_dv = args.value("issuer-dv").value_or("");
        in.issuer_ruc_type = args.has("natural") ? 1 : 2;
        in.motive = args.value("motive").value_or("");
        in.signature_id = args.value("signature-id").value_or("");
    }
    return sign_and_deliver("dgi annul", args, dgi::build_annulment(in));
}

int cmd_manifest(std::span<const std::string> argv) {
    const CommandSpec command = dgi_command(
        "manifest", event_options({{"protocol", '\0', true, false}, {"receiver-ruc", '\0', true, false}, {"code", '\0', true, false}}),
        true);
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (!args.positionals().empty()) return usage_error("dgi manifest: " + tr("no FILE is taken", "no se toma ningún ARCHIVO"), dgi_usage);
    dgi::ManifestationInput in;
    if (auto from = args.value("from")) {
        int code = exit_ok;
        auto text = read_input(*from, code);
        if (!text) return code;
        auto parsed = dgi::manifestation_from_json(*text);
        if (!parsed) return report_error("dgi manifest: " + *from, parsed.error());
        in = std::move(*parsed);
    } else {
        in.environment = environment_from(args);
        if (!in.environment)
            return usage_error("dgi manifest: " + tr("--env test|production is required", "--env test|production es obligatorio"), dgi_usage);
        in.protocol = args.value("protocol").value_or("");
        in.receiver_ruc = args.value("receiver-ruc").value_or("");
        const auto code = small_number(args.value("code"), 1001, 1005);
        if (!code) return usage_error("dgi manifest: " + tr("--code must be 1001 to 1005", "--code debe ser de 1001 a 1005"), dgi_usage);
        in.code = *code;
        in.motive = args.value("motive").value_or("");
        in.signature_id = args.value("signature-id").value_or("");
    }
    return sign_and_deliver("dgi manifest", args, dgi::build_manifestation(in));
}

// container [--event FILE]... -o OUT SIGNED.xml PROTOCOL.xml  |  container --check CONTAINER.xml
int cmd_container(std::span<const std::string> argv) {
    const CommandSpec command{"dgi container",
                              {{"event", '\0', true, true}, {"output", 'o', true, false}, {"check", '\0', false, false},
                               {"json", '\0', false, false}},
                              dgi_usage,
                              tr(dgi_help, dgi_help_es)};
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    const auto& files = args.positionals();
    int code = exit_ok;
    std::string container;
    if (args.has("check")) {
        if (files.size() != 1) return usage_error("dgi container --check: " + tr("exactly one CONTAINER.xml", "exactamente un CONTENEDOR.xml"), dgi_usage);
        auto text = read_input(files.front(), code);
        if (!text) return code;
        container = std::move(*text);
    } else {
        if (files.size() != 2)
            return usage_error("dgi container: " + tr("SIGNED.xml and PROTOCOL.xml", "FIRMADO.xml y PROTOCOLO.xml"), dgi_usage);
        auto rfe = read_input(files[0], code);
        if (!rfe) return code;
        auto prot = read_input(files[1], code);
        if (!prot) return code;
        std::vector<std::string> events;
        for (const auto& path : args.values("event")) {
            auto ev = read_input(path, code);
            if (!ev) return code;
            events.push_back(std::move(*ev));
        }
        auto built = dgi::build_container(*rfe, *prot, events);
        if (!built) return report_error("dgi container", built.error());
        container = std::move(*built);
    }
    auto report = dgi::validate_container(container);
    if (!report) return report_error("dgi container", report.error());
    if (args.has("json")) std::cout << report->to_json() << "\n";
    else {
        std::cout << "rContFe: " << (report->passed() ? tr("consistent", "coherente") : tr("NOT consistent", "NO coherente"))
                  << "  CUFE " << report->cufe << tr("  protocol ", "  protocolo ") << report->protocol << "\n";
        for (const auto& f : report->findings) std::cout << "  " << f.code << ": " << tr(f.message, f.message_es) << "\n";
    }
    if (!report->passed()) return exit_total_failed;
    if (!args.has("check")) return write_output(args.value("output").value_or(""), container);
    return exit_ok;
}

}  // namespace

int run_dgi(std::span<const std::string> argv) {
    if (argv.empty()) {
        std::cerr << dgi_usage;
        return exit_usage;
    }
    const std::string& sub = argv.front();
    if (sub == "-h" || sub == "--help" || sub == "help") {
        std::cout << tr(dgi_help, dgi_help_es) << exit_codes_text();
        return exit_ok;
    }
    static constexpr std::pair<std::string_view, int (*)(std::span<const std::string>)> subcommands[] = {
        {"send", cmd_send},   {"query", cmd_query}, {"send-batch", cmd_send_batch}, {"batch-result", cmd_batch_result},
        {"event", cmd_event}, {"ruc", cmd_ruc},   {"annul", cmd_annul},     {"manifest", cmd_manifest},
        {"container", cmd_container}, {"simulate", run_dgi_simulate},
    };
    for (const auto& [name, run] : subcommands)
        if (sub == name) return run(argv.subspan(1));
    return usage_error("dgi: " + tr("unknown subcommand '", "subcomando desconocido '") + sub + "'", dgi_usage);
}

}  // namespace istmo_cli
