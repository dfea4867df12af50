#pragma once
// Exit codes of the istmo CLI (the same for every subcommand). The values follow BSD
// sysexits.h where one fits, so shell scripts can tell "bad signature" from "bad call".
#include <istmo/core/result.hpp>

namespace istmo_cli {

inline constexpr int exit_ok = 0;             // valid signature / success
inline constexpr int exit_total_failed = 1;   // verify: TOTAL_FAILED
inline constexpr int exit_indeterminate = 2;  // verify: INDETERMINATE
inline constexpr int exit_usage = 64;         // bad command line, bad option value, bad key/password
inline constexpr int exit_data = 65;          // input not well-formed / not a signature / unsupported
inline constexpr int exit_no_input = 66;      // an input file (document, key, certificate) is missing
inline constexpr int exit_unavailable = 69;   // a remote service could not be reached
inline constexpr int exit_internal = 70;      // internal error (a bug)
inline constexpr int exit_io = 74;            // I/O error (cannot read or write)
inline constexpr int exit_no_permission = 77; // the token's PIN is locked

// The one place where library error codes become exit codes.
[[nodiscard]] inline int exit_code_for(istmo::Errc code) noexcept {
    switch (code) {
        case istmo::Errc::invalid_argument:
        case istmo::Errc::bad_password:
        case istmo::Errc::key_error:
        case istmo::Errc::certificate_error:
            return exit_usage;
        case istmo::Errc::parse_error:
        case istmo::Errc::limit_exceeded:
        case istmo::Errc::unsupported:
            return exit_data;
        case istmo::Errc::not_found:
        case istmo::Errc::permission_denied:
            return exit_no_input;
        case istmo::Errc::io_error:
            return exit_io;
        case istmo::Errc::unavailable:
        case istmo::Errc::deadline_exceeded:
        case istmo::Errc::module_error:
        case istmo::Errc::token_not_present:
            return exit_unavailable;
        case istmo::Errc::pin_locked:
            return exit_no_permission;
        case istmo::Errc::crypto_error:
        case istmo::Errc::failed_precondition:
        case istmo::Errc::internal:
            return exit_internal;
    }
    return exit_internal;
}

// The exit-code table as printed by every --help.
inline constexpr const char* exit_codes_help =
    "Exit codes:\n"
    "   0  success; verify: the signature is valid (TOTAL_PASSED)\n"
    "   1  verify: TOTAL_FAILED (tampered document, wrong signature)\n"
    "   2  verify: INDETERMINATE (e.g. signer not trusted, certificate expired)\n"
    "  64  usage error (bad option or value, unusable key, certificate, password or PIN)\n"
    "  65  input empty, binary, not well-formed XML, not a signature, or unsupported\n"
    "  66  input file missing or unreadable (document, key, certificate), or no such token object\n"
    "  69  remote service unavailable; PKCS#11 module does not load, or token absent\n"
    "  70  internal error\n"
    "  74  I/O error (cannot write the output)\n"
    "  77  the token's PIN is locked\n";

// The same table in Spanish.
inline constexpr const char* exit_codes_help_es =
    "Códigos de salida:\n"
    "   0  éxito; verify: la firma es válida (TOTAL_PASSED)\n"
    "   1  verify: TOTAL_FAILED (documento alterado, firma incorrecta)\n"
    "   2  verify: INDETERMINATE (p. ej. firmante no confiable, certificado vencido)\n"
    "  64  error de uso (opción o valor incorrecto, clave, certificado, contraseña o PIN inservible)\n"
    "  65  entrada vacía, binaria, XML mal formado, sin firma o no soportada\n"
    "  66  archivo de entrada ausente o ilegible (documento, clave, certificado), o no hay tal objeto en el token\n"
    "  69  servicio remoto no disponible; el módulo PKCS#11 no carga o el token no está\n"
    "  70  error interno\n"
    "  74  error de E/S (no se puede escribir la salida)\n"
    "  77  el PIN del token está bloqueado\n";

// The table in the language of the messages (lang.hpp).
[[nodiscard]] const char* exit_codes_text() noexcept;

}  // namespace istmo_cli
