#include <istmo/report/report.hpp>


namespace istmo::report {

std::string_view to_string(Indication value) noexcept {
    switch (value) {
        case Indication::total_passed: return "TOTAL_PASSED";
        case Indication::total_failed: return "TOTAL_FAILED";
        case Indication::indeterminate: return "INDETERMINATE";
    }
    return "INDETERMINATE";
}

std::string_view to_string(SubIndication value) noexcept {
    switch (value) {
        case SubIndication::none: return "";
        case SubIndication::format_failure: return "FORMAT_FAILURE";
        case SubIndication::hash_failure: return "HASH_FAILURE";
        case SubIndication::sig_crypto_failure: return "SIG_CRYPTO_FAILURE";
        case SubIndication::signed_data_not_found: return "SIGNED_DATA_NOT_FOUND";
        case SubIndication::no_signing_certificate_found: return "NO_SIGNING_CERTIFICATE_FOUND";
        case SubIndication::no_certificate_chain_found: return "NO_CERTIFICATE_CHAIN_FOUND";
        case SubIndication::chain_constraints_failure: return "CHAIN_CONSTRAINTS_FAILURE";
        case SubIndication::expired: return "EXPIRED";
        case SubIndication::not_yet_valid: return "NOT_YET_VALID";
        case SubIndication::crypto_constraints_failure: return "CRYPTO_CONSTRAINTS_FAILURE";
        case SubIndication::sig_constraints_failure: return "SIG_CONSTRAINTS_FAILURE";
        case SubIndication::policy_processing_error: return "POLICY_PROCESSING_ERROR";
        case SubIndication::out_of_bounds_no_poe: return "OUT_OF_BOUNDS_NO_POE";
        case SubIndication::revoked: return "REVOKED";
        case SubIndication::revoked_no_poe: return "REVOKED_NO_POE";
        case SubIndication::revoked_ca_no_poe: return "REVOKED_CA_NO_POE";
        case SubIndication::try_later: return "TRY_LATER";
    }
    return "";
}

std::string_view to_string(Severity value) noexcept {
    switch (value) {
        case Severity::info: return "info";
        case Severity::warning: return "warning";
        case Severity::error: return "error";
    }
    return "error";
}

}  // namespace istmo::report
