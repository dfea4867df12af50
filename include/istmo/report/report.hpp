#pragma once
// Validation results as data (ETSI EN 319 102-1 vocabulary). A report is returned even for a
// broken document; an operation error (Result's Error) means the job itself could not be done.
//
// Thread safety: plain values.
#include <istmo/export.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace istmo::report {

enum class Indication { total_passed, total_failed, indeterminate };

enum class SubIndication {
    none,
    format_failure,
    hash_failure,
    sig_crypto_failure,
    signed_data_not_found,
    no_signing_certificate_found,
    no_certificate_chain_found,
    chain_constraints_failure,
    expired,
    not_yet_valid,
    crypto_constraints_failure,
    sig_constraints_failure,
    policy_processing_error,
    out_of_bounds_no_poe,
};

enum class Severity { info, warning, error };

// "TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE".
ISTMO_API std::string_view to_string(Indication value) noexcept;
// "" for none, else e.g. "HASH_FAILURE".
ISTMO_API std::string_view to_string(SubIndication value) noexcept;
// "info", "warning", "error".
ISTMO_API std::string_view to_string(Severity value) noexcept;

struct Finding {
    std::string code;      // stable ID, e.g. "DSIG-REF-DIGEST-MISMATCH" (docs/finding-codes.md)
    Severity severity = Severity::error;
    std::string message;   // English, for humans
    std::string location;  // an XPath-like path or a signature/reference Id, may be empty
};

// Appends a JSON string literal (with quotes, RFC 8259 escaping) to out.
ISTMO_API void append_json_string(std::string& out, std::string_view text);

}  // namespace istmo::report
