#include <istmo/dsig/verify.hpp>
#include <istmo/report/json.hpp>

#include "dsig/time_format.hpp"

#include <ctime>

namespace istmo::dsig {

std::string format_rfc3339(std::chrono::system_clock::time_point at) {
    const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(at);
    const std::time_t t = static_cast<std::time_t>(seconds.time_since_epoch().count());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

namespace {

void certificate(report::JsonWriter& w, const CertificateSummary& c) {
    w.begin_object()
        .member("subject", c.subject)
        .member("issuer", c.issuer)
        .member("serial", c.serial)
        .member("not_before", c.not_before)
        .member("not_after", c.not_after)
        .member("sha256", c.sha256)
        .end_object();
}

void references(report::JsonWriter& w, const std::vector<ReferenceResult>& list) {
    w.begin_array();
    for (const ReferenceResult& r : list) {
        w.begin_object().member("uri", r.uri).member("digest_method", r.digest_method);
        w.key("transforms").strings(r.transforms);
        w.member("resolved", r.resolved)
            .member("digest_ok", r.digest_ok)
            .member("signed_node", r.signed_node)
            .member("covers_document_element", r.covers_document_element)
            .member("excludes_signature", r.excludes_signature)
            .end_object();
    }
    w.end_array();
}

void signature(report::JsonWriter& w, const SignatureResult& s) {
    w.begin_object().key("id").string_or_null(s.id);
    w.member("location", s.location).member("level", s.level);
    w.key("properties").begin_object();
    for (const auto& [name, value] : s.properties) w.member(name, value);
    w.end_object();
    w.member("indication", report::to_string(s.indication));
    w.key("sub_indication").string_or_null(report::to_string(s.sub_indication));
    w.member("algorithm", s.signature_method)
        .member("canonicalization", s.canonicalization_method)
        .member("signature_value_ok", s.signature_value_ok);
    w.key("signer");
    if (s.signer) certificate(w, *s.signer);
    else w.null();
    w.key("chain").begin_array();
    for (const CertificateSummary& c : s.chain) certificate(w, c);
    w.end_array();
    w.key("references");
    references(w, s.references);
    w.key("findings");
    report::write_findings(w, s.findings);
    w.end_object();
}

}  // namespace

std::string VerificationReport::to_json() const {
    report::JsonWriter w;
    w.begin_object()
        .member("indication", report::to_string(indication));
    w.key("sub_indication").string_or_null(report::to_string(sub_indication));
    w.member("well_formed", well_formed)
        .member("validation_time", validation_time);
    w.key("signatures").begin_array();
    for (const SignatureResult& s : signatures) signature(w, s);
    w.end_array();
    w.key("findings");
    report::write_findings(w, findings);
    w.end_object();
    return std::move(w).take();
}

std::string VerificationReport::to_text() const {
    std::string out;
    out += std::string(report::to_string(indication));
    if (sub_indication != report::SubIndication::none) out += " / " + std::string(report::to_string(sub_indication));
    out += "\n";
    for (const SignatureResult& s : signatures) {
        out += "signature " + (s.id.empty() ? s.location : s.id) + ": " + std::string(report::to_string(s.indication));
        if (s.sub_indication != report::SubIndication::none) out += " / " + std::string(report::to_string(s.sub_indication));
        out += "\n  level: " + s.level + ", algorithm: " + s.signature_method + "\n";
        for (const auto& [name, value] : s.properties) out += "  " + name + ": " + value + "\n";
        if (s.signer) out += "  signer: " + s.signer->subject + " (issuer " + s.signer->issuer + ", valid " +
                             s.signer->not_before + " .. " + s.signer->not_after + ")\n";
        for (const ReferenceResult& r : s.references)
            out += "  reference \"" + r.uri + "\" -> " + (r.signed_node.empty() ? "(unresolved)" : r.signed_node) +
                   (r.digest_ok ? ": digest ok\n" : ": digest NOT ok\n");
    }
    for (const report::Finding& f : findings)
        out += std::string(report::to_string(f.severity)) + " " + f.code + ": " + f.message + "\n";
    return out;
}

}  // namespace istmo::dsig
