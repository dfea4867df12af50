#include "human.hpp"

#include "lang.hpp"

#include <istmo/report/messages.hpp>
#include <istmo/report/report.hpp>

namespace istmo_cli {

namespace {

namespace report = istmo::report;

std::string verdict(report::Indication indication, report::SubIndication sub) {
    std::string out(report::to_string(indication));
    if (sub != report::SubIndication::none) out += " / " + std::string(report::to_string(sub));
    return out;
}

// "  error CODE at FIELD: message"
std::string reason_line(report::Severity severity, const std::string& code, const std::string& field,
                        const std::string& message) {
    std::string out = "  " + severity_text(severity) + " " + code;
    if (!field.empty()) out += tr(" at ", " en ") + field;
    return out + ": " + message + "\n";
}


// Where the finding points: its field path when it has one, else its location.
const std::string& field_of(const report::Finding& finding) {
    return finding.field.empty() ? finding.location : finding.field;
}

}  // namespace

std::string severity_text(report::Severity severity) {
    switch (severity) {
        case report::Severity::info: return tr("info", "información");
        case report::Severity::warning: return tr("warning", "aviso");
        case report::Severity::error: return "error";
    }
    return "error";
}

std::string text_in_language(const std::string& text_en) {
    if (lang() != Lang::es) return text_en;
    return report::translate_text(text_en).value_or(text_en);
}

std::string message_in_language(const report::Finding& finding) {
    if (lang() != Lang::es) return finding.message;
    std::string es = report::message_es_for(finding);
    return es.empty() ? finding.message : es;
}

std::string verification_text(const istmo::dsig::VerificationReport& r) {
    std::string out = verdict(r.indication, r.sub_indication) + "\n";
    for (const auto& s : r.signatures) {
        out += tr("signature ", "firma ") + (s.id.empty() ? s.location : s.id) + ": " +
               verdict(s.indication, s.sub_indication) + "\n";
        out += tr("  level: ", "  nivel: ") + std::string(s.level.to_string()) + tr(", algorithm: ", ", algoritmo: ") +
               s.signature_method + "\n";
        const auto& p = s.properties;
        if (!p.signing_time.empty()) out += tr("  signing time: ", "  hora de firma: ") + p.signing_time + "\n";
        for (const auto& role : p.signer_roles) out += tr("  signer role: ", "  rol del firmante: ") + role + "\n";
        for (const auto& c : p.commitment_types) out += tr("  commitment: ", "  compromiso: ") + c + "\n";
        if (p.policy) out += tr("  policy: ", "  política: ") + (p.policy->implied ? tr("implied", "implícita") : p.policy->id) + "\n";
        if (s.counter_signature)
            out += tr("  counter-signature of: ", "  contrafirma de: ") + (s.countersigns.empty() ? "?" : s.countersigns) + "\n";
        for (const auto& t : s.timestamps)
            out += (t.type == "ArchiveTimeStamp" ? tr("  archive time-stamp: ", "  sello de archivo: ")
                                                 : tr("  time-stamp: ", "  sello de tiempo: ")) +
                   verdict(t.indication, t.sub_indication) +
                   (t.gen_time.empty() ? std::string() : " " + t.gen_time) + (t.tsa.empty() ? std::string() : ", TSA " + t.tsa) + "\n";
        if (s.signer)
            out += tr("  signer: ", "  firmante: ") + s.signer->subject + tr(" (issuer ", " (emisor ") + s.signer->issuer +
                   tr(", valid ", ", válido ") + s.signer->not_before + " .. " + s.signer->not_after + ")\n";
        for (const auto& ref : s.references)
            out += tr("  reference \"", "  referencia \"") + ref.uri + "\" -> " +
                   (ref.signed_node.empty() ? tr("(unresolved)", "(sin resolver)") : ref.signed_node) +
                   (ref.digest_ok ? tr(": digest ok\n", ": resumen correcto\n")
                                  : tr(": digest NOT ok\n", ": resumen NO coincide\n"));
    }
    if (r.indication != report::Indication::total_passed && !r.findings.empty())
        out += tr("Reasons:\n", "Motivos:\n");
    for (const auto& f : r.findings) out += reason_line(f.severity, f.code, field_of(f), message_in_language(f));
    return out;
}

std::string invoice_text(const std::string& path, const istmo::invoice::panama::InvoiceReport& r) {
    std::string out = path + ": " + std::string(report::to_string(r.indication));
    if (r.sub_indication != report::SubIndication::none)
        out += " (" + std::string(report::to_string(r.sub_indication)) + ")";
    if (!r.wrapper.empty()) out += tr("\n  rFE in ", "\n  rFE en ") + r.wrapper;
    out += "\n  CUFE " + r.cufe_declared + tr("\n  RUC emisor ", "\n  RUC emisor ") + r.issuer_ruc + ", total " +
           r.total + "\n";
    for (const auto& f : r.findings) {
        std::string field = field_of(f);
        if (!f.rule.empty()) field += " [" + f.rule + "]";
        if (f.line > 0) field += tr(" line ", " línea ") + std::to_string(f.line);
        out += reason_line(f.severity, f.code, field, message_in_language(f));
    }
    // The signature's own reasons (untrusted chain, expired certificate, ...) when it did not pass.
    if (r.signature && r.signature->indication != report::Indication::total_passed)
        for (const auto& f : r.signature->findings)
            out += reason_line(f.severity, f.code, field_of(f), message_in_language(f));
    return out;
}

}  // namespace istmo_cli
