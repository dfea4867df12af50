#include "commands.hpp"

namespace istmo_cli {

namespace {

constexpr Command command_table[] = {
    {"sign", "sign an XML document (XML Signature: enveloped, enveloping or detached)",
     "firma un documento XML (XML Signature: envuelta, envolvente o separada)", run_sign},
    {"verify", "verify the XML Signatures of a document (an rFE as the DGI defines it)",
     "verifica las firmas XML de un documento (un rFE como lo define la DGI)", run_verify},
    {"countersign", "add a XAdES counter-signature to a signature of a document",
     "añade una contrafirma XAdES a una firma de un documento", run_countersign},
    {"extend", "augment XAdES signatures to B-T, B-LT or B-LTA (long-term validation data, archive time-stamps)",
     "amplía firmas XAdES a B-T, B-LT o B-LTA (datos de validación a largo plazo, sellos de archivo)", run_extend},
    {"timestamp", "request or verify an RFC 3161 time-stamp of a file",
     "pide o verifica un sello de tiempo RFC 3161 de un archivo", run_timestamp},
    {"invoice", "Panama electronic invoices (rFE 1.00): new, sign, validate, cufe, ruc-dv, qr",
     "facturas electrónicas de Panamá (rFE 1.00): new, sign, validate, cufe, ruc-dv, qr", run_invoice},
    {"batch", "validate many documents on all cores: one NDJSON line per input, resumable",
     "valida muchos documentos en todos los núcleos: una línea NDJSON por entrada, reanudable", run_batch},
    {"serve", "validate documents over HTTP(S): POST /v1/validate, /healthz, Prometheus /metrics",
     "valida documentos por HTTP(S): POST /v1/validate, /healthz, /metrics de Prometheus", run_serve},
    {"worker", "validate documents from a RabbitMQ queue into the verdict store",
     "valida documentos de una cola de RabbitMQ hacia el almacén de veredictos", run_worker},
    {"dgi", "DGI web services of the Panama invoice: send, query, send-batch, batch-result, event, ruc, simulate",
     "servicios web de la DGI para la factura de Panamá: send, query, send-batch, batch-result, event, ruc, simulate", run_dgi},
    {"cert", "certificate status: the path of a certificate and each certificate's CRL/OCSP status",
     "estado de certificados: la ruta de un certificado y el estado CRL/OCSP de cada uno", run_cert},
    {"version", "print the versions of istmo, OpenSSL and libxml2",
     "muestra las versiones de istmo, OpenSSL y libxml2", run_version},
};

}  // namespace

std::span<const Command> commands() noexcept { return command_table; }

const Command* find_command(std::string_view name) noexcept {
    for (const Command& command : command_table)
        if (command.name == name) return &command;
    return nullptr;
}

}  // namespace istmo_cli
