#include <istmo/core/result.hpp>

namespace istmo {

std::string_view errc_name(Errc code) noexcept {
    switch (code) {
        case Errc::invalid_argument: return "invalid_argument";
        case Errc::not_found: return "not_found";
        case Errc::permission_denied: return "permission_denied";
        case Errc::io_error: return "io_error";
        case Errc::parse_error: return "parse_error";
        case Errc::limit_exceeded: return "limit_exceeded";
        case Errc::unsupported: return "unsupported";
        case Errc::bad_password: return "bad_password";
        case Errc::key_error: return "key_error";
        case Errc::certificate_error: return "certificate_error";
        case Errc::crypto_error: return "crypto_error";
        case Errc::unavailable: return "unavailable";
        case Errc::deadline_exceeded: return "deadline_exceeded";
        case Errc::failed_precondition: return "failed_precondition";
        case Errc::internal: return "internal";
        case Errc::module_error: return "module_error";
        case Errc::token_not_present: return "token_not_present";
        case Errc::pin_locked: return "pin_locked";
    }
    return "unknown";
}

std::string Error::to_string() const {
    std::string out{errc_name(code)};
    out += ": ";
    out += message;
    if (line > 0) {
        out += " (line " + std::to_string(line);
        if (column > 0) out += ", column " + std::to_string(column);
        out += ")";
    }
    if (!cause.empty()) {
        out += ": ";
        out += cause;
    }
    return out;
}

}  // namespace istmo
