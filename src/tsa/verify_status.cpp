// The certificate status step of time-stamp verification: the findings of the statuses the one
// CertificateValidator gave the TSA certificate's path (docs/revocation.md, "Time-stamps").
#include "tsa/tsa_internal.hpp"

#include "core/rfc3339.hpp"

#include <istmo/report/messages.hpp>

namespace istmo::tsa::detail {

namespace {

using report::Severity;

// RFC 3161 §4: a TSA certificate revoked for one of these reasons leaves the tokens made before
// the revocation valid (the key was not compromised). Without a reason (or "unspecified", which
// the checker does not tell apart from none) every token of that key is invalid.
bool keeps_earlier_tokens(const std::string& reason) {
    return reason == "affiliationChanged" || reason == "superseded" || reason == "cessationOfOperation";
}

void add(std::vector<report::Finding>& findings, const char* code, Severity severity, std::string en,
         std::string es = {}) {
    report::Finding f = report::make_finding(code, severity, std::move(en));
    if (!es.empty()) f.message_es = std::move(es);
    findings.push_back(std::move(f));
}

void add_revoked(std::vector<report::Finding>& findings, const crypto::CertificateStatus& st, bool is_tsa,
                 std::optional<TimePoint> gen_time) {
    const std::string who = is_tsa ? "the TSA certificate" : "a CA certificate of the TSA chain";
    const std::string when = st.revocation_time ? core::format_rfc3339(*st.revocation_time) : "an unknown time";
    const std::string why = st.reason.empty() ? "no reason given" : st.reason;
    const bool after = gen_time && st.revocation_time && *gen_time < *st.revocation_time;
    if (after && keeps_earlier_tokens(st.reason)) {
        add(findings, "TSA-CERT-REVOKED-AFTER-GENTIME", Severity::info,
            who + " was revoked at " + when + " (" + why + "), after the genTime " + core::format_rfc3339(*gen_time) +
                ": the token stays valid");
        return;
    }
    const char* code = is_tsa ? "TSA-CERT-REVOKED" : "TSA-CERT-CA-REVOKED";
    if (after) {
        add(findings, code, Severity::error,
            who + " was revoked at " + when + " (" + why + "), after the genTime " + core::format_rfc3339(*gen_time) +
                ", for a reason that voids the tokens made before");
    } else {
        add(findings, code, Severity::error, who + " was revoked at " + when + " (" + why + "), before the genTime");
    }
}

}  // namespace

void add_status_findings(std::vector<report::Finding>& findings, const crypto::CertificateValidation& path,
                         std::optional<TimePoint> gen_time, const std::optional<Error>& setup_error) {
    if (setup_error) {
        add(findings, "TSA-CERT-REVOCATION-UNAVAILABLE", Severity::error,
            "the TSA certificate's status could not be checked: " + setup_error->to_string(),
            "no se pudo comprobar el estado del certificado de la TSA: " + setup_error->message);
        return;
    }
    bool off_reported = false;
    for (std::size_t i = 0; i < path.chain.size(); ++i) {
        const crypto::ChainElement& element = path.chain[i];
        if (element.anchor) continue;
        const crypto::CertificateStatus& st = element.status;
        const std::string who = i == 0 ? "the TSA certificate" : "the CA certificate " + element.certificate.subject();
        const std::string quien =
            i == 0 ? "el certificado de la TSA" : "el certificado de CA " + element.certificate.subject();
        if (st.status == crypto::RevocationStatus::revoked) {
            add_revoked(findings, st, i == 0, gen_time);
        } else if (st.status != crypto::RevocationStatus::good && st.required) {
            const std::string retry = st.next_try ? " (try again after " + core::format_rfc3339(*st.next_try) + ")" : "";
            const std::string reintento = st.next_try ? " (reintentar después del " + core::format_rfc3339(*st.next_try) + ")" : "";
            add(findings, "TSA-CERT-REVOCATION-UNKNOWN", Severity::error,
                "no usable status for " + who + ": [" + st.code + "] " + st.message + retry,
                "no hay un estado utilizable para " + quien + ": [" + st.code + "] " + st.message_es + reintento);
        } else if (st.status == crypto::RevocationStatus::not_checked && st.code == "REV-OFF") {
            if (off_reported) continue;
            off_reported = true;
            add(findings, "TSA-CERT-REVOCATION-OFF", Severity::warning,
                "revocation checking is off: the TSA certificate's status was not checked");
        } else if (st.status == crypto::RevocationStatus::not_checked && !st.code.empty()) {
            add(findings, "TSA-CERT-REVOCATION-NOT-CHECKED", Severity::warning,
                "the status of " + who + " was not checked: " + st.message,
                "no se comprobó el estado (" + quien + "): " + st.message_es);
        }
    }
}

}  // namespace istmo::tsa::detail
