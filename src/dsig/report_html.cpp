// dsig::VerificationReport -> report::HtmlDocument (the HTML page is written by report).
#include <istmo/dsig/html.hpp>

namespace istmo::dsig {
namespace {

std::string pick(report::Language language, std::string_view en, std::string_view es) {
    return std::string(language == report::Language::es ? es : en);
}

// "good (ocsp)", "not_checked": the writer translates the bare status words.
std::string status_text(const RevocationSummary& r, report::Language language) {
    if (r.status == "not_checked" || r.source == "none") return r.status;
    std::string text = pick(language, r.status == "good" ? "good" : r.status == "revoked" ? "revoked" : r.status,
                            r.status == "good" ? "vigente" : r.status == "revoked" ? "revocado" : r.status);
    text += " (" + r.source;
    if (!r.revocation_time.empty()) text += ", " + r.revocation_time;
    if (!r.reason.empty()) text += ", " + r.reason;
    return text + ")";
}

// What one reference covers, in words.
std::string covers(const ReferenceResult& ref, report::Language language) {
    std::string text = ref.signed_node == "/" ? pick(language, "the whole document", "el documento completo")
                                              : ref.signed_node;
    if (ref.excludes_signature) text += pick(language, ", without the signature", ", sin la firma");
    if (!ref.resolved) text = pick(language, "not found", "no encontrado");
    else if (!ref.digest_ok) text += pick(language, " - DIGEST DOES NOT MATCH", " - EL RESUMEN NO COINCIDE");
    return text;
}

report::HtmlSignature html_signature(const SignatureResult& s, report::Language language) {
    report::HtmlSignature h;
    h.id = s.id;
    h.level = std::string(s.level.to_string());
    h.indication = s.indication;
    h.sub_indication = s.sub_indication;
    if (s.signer) h.signer = s.signer->subject;
    h.signing_time = s.properties.signing_time;
    h.signature_method = s.signature_method;
    if (!s.chain.empty()) {
        for (const CertificateSummary& c : s.chain) h.certificates.emplace_back(c.subject, status_text(c.revocation, language));
    } else if (s.signer) {
        h.certificates.emplace_back(s.signer->subject, status_text(s.signer->revocation, language));
    }
    for (const TimestampResult& t : s.timestamps)
        h.timestamps.emplace_back(t.gen_time, t.tsa + " - " + std::string(report::to_string(t.indication)));
    for (const ReferenceResult& r : s.references)
        h.signed_data.emplace_back(r.uri.empty() ? "URI=\"\"" : r.uri, covers(r, language));
    return h;
}

}  // namespace

std::vector<report::HtmlSignature> html_signatures(const VerificationReport& report, report::Language language) {
    std::vector<report::HtmlSignature> out;
    out.reserve(report.signatures.size());
    for (const SignatureResult& s : report.signatures) out.push_back(html_signature(s, language));
    return out;
}

report::HtmlDocument html_document(const VerificationReport& report, std::string name, report::Language language) {
    report::HtmlDocument d;
    d.name = std::move(name);
    d.indication = report.indication;
    d.sub_indication = report.sub_indication;
    if (!report.validation_time.empty()) d.facts.emplace_back("Validation time", report.validation_time);
    d.facts.emplace_back("Well-formed", report.well_formed ? "yes" : "no");
    d.signatures = html_signatures(report, language);
    d.findings = report.findings;
    return d;
}

}  // namespace istmo::dsig
