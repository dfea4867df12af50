#include "long_term.hpp"

#include "common.hpp"
#include "exit_codes.hpp"
#include "lang.hpp"
#include "options.hpp"

#include <istmo/tsa/client.hpp>

#include <filesystem>
#include <memory>

namespace istmo_cli {

int make_timestamper(const std::vector<std::string>& urls, const std::vector<std::string>& trust_files,
                     istmo::xades::Timestamper& out, istmo::crypto::TrustStore* anchors) {
    for (const auto& file : trust_files)
        if (!std::filesystem::exists(file)) {
            print_error(tr("cannot open TSA trust file '", "no se puede abrir el archivo de anclas de la TSA '") + file +
                        tr("': No such file or directory", "': no existe"));
            return exit_no_input;
        }
    istmo::tsa::ClientOptions client;
    client.urls = urls;
    for (const auto& file : trust_files) {
        auto certs = istmo::crypto::Certificate::all_from_file(file);
        if (!certs)
            return report_error(tr("cannot load TSA trust anchors '", "no se pueden cargar las anclas de la TSA '") + file + "'",
                                certs.error());
        for (const auto& cert : *certs) {
            client.verify.trust.add(cert);
            client.verify.extra_certificates.push_back(cert);
            if (anchors) anchors->add(cert);
        }
    }
    auto created = istmo::tsa::TimestampClient::create(std::move(client));
    if (!created) return report_error(tr("cannot use the TSA", "no se puede usar la TSA"), created.error());
    auto tsa_client = std::make_shared<istmo::tsa::TimestampClient>(std::move(*created));
    out = [tsa_client](std::span<const std::uint8_t> data) -> istmo::Result<std::vector<std::uint8_t>> {
        auto request = istmo::tsa::TimestampRequest::for_data(data);
        if (!request) return request.error();
        auto stamped = tsa_client->timestamp(*request);
        if (!stamped) return stamped.error();
        return stamped->token;
    };
    return exit_ok;
}

int read_long_term_options(const std::string& command, const ParsedArgs& args, istmo::xades::LongTermOptions& out) {
    istmo::dsig::VerifyOptions given;  // the verify command's reading of the same options
    if (const int code = apply_trust_options(command, args, given); code != exit_ok) return code;
    out.trust = given.trust;
    out.extra_certificates = given.extra_certificates;
    out.at = given.validation_time;
    out.revocation.policy = given.revocation;
    out.revocation.crl_files = given.crl_files;
    out.revocation.ocsp_response_files = given.ocsp_response_files;
    out.revocation.offline = given.offline;
    out.revocation.cache_dir = given.revocation_cache_dir;
    return exit_ok;
}

const char* long_term_help() {
    return "  --trust FILE        trust anchors (PEM/DER) the signer's path must end in; repeatable\n"
           "  --trust-dir DIR     every certificate file in DIR is an anchor; repeatable\n"
           "  --untrusted FILE    intermediate certificates for the paths (never anchors); repeatable\n"
           "  --at TIME           check the paths and statuses at TIME (RFC 3339; default: now)\n";
}

const char* long_term_help_es() {
    return "  --trust ARCHIVO     anclas de confianza (PEM/DER) en que debe terminar la ruta del firmante\n"
           "  --trust-dir DIR     cada certificado de DIR es un ancla; repetible\n"
           "  --untrusted ARCHIVO certificados intermedios para las rutas (nunca anclas); repetible\n"
           "  --at HORA           comprueba rutas y estados en HORA (RFC 3339; por defecto: ahora)\n";
}

}  // namespace istmo_cli
