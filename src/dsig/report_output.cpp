#include <istmo/dsig/verify.hpp>

#include "dsig/time_format.hpp"

#include <ctime>

namespace istmo::dsig {

using report::append_json_string;

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

void field(std::string& out, const char* name, std::string_view value, bool comma = true) {
    if (comma) out += ',';
    append_json_string(out, name);
    out += ':';
    append_json_string(out, value);
}

void boolean(std::string& out, const char* name, bool value) {
    out += ',';
    append_json_string(out, name);
    out += value ? ":true" : ":false";
}

void certificate(std::string& out, const CertificateSummary& c) {
    out += '{';
    field(out, "subject", c.subject, false);
    field(out, "issuer", c.issuer);
    field(out, "serial", c.serial);
    field(out, "not_before", c.not_before);
    field(out, "not_after", c.not_after);
    field(out, "sha256", c.sha256);
    out += '}';
}

void append_findings(std::string& out, const std::vector<report::Finding>& list) {
    out += ",\"findings\":[";
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (i) out += ',';
        out += '{';
        field(out, "code", list[i].code, false);
        field(out, "severity", report::to_string(list[i].severity));
        field(out, "message", list[i].message);
        field(out, "location", list[i].location);
        out += '}';
    }
    out += ']';
}

}  // namespace

std::string VerificationReport::to_json() const {
    std::string out = "{";
    field(out, "indication", report::to_string(indication), false);
    field(out, "sub_indication", report::to_string(sub_indication));
    boolean(out, "well_formed", well_formed);
    field(out, "validation_time", validation_time);
    out += ",\"signatures\":[";
    for (std::size_t i = 0; i < signatures.size(); ++i) {
        const SignatureResult& s = signatures[i];
        if (i) out += ',';
        out += '{';
        field(out, "id", s.id, false);
        field(out, "location", s.location);
        field(out, "level", s.level);
        out += ",\"properties\":{";
        for (std::size_t j = 0; j < s.properties.size(); ++j) {
            if (j) out += ',';
            append_json_string(out, s.properties[j].first);
            out += ':';
            append_json_string(out, s.properties[j].second);
        }
        out += '}';
        field(out, "indication", report::to_string(s.indication));
        field(out, "sub_indication", report::to_string(s.sub_indication));
        field(out, "algorithm", s.signature_method);
        field(out, "canonicalization", s.canonicalization_method);
        boolean(out, "signature_value_ok", s.signature_value_ok);
        out += ",\"signer\":";
        if (s.signer) certificate(out, *s.signer);
        else out += "null";
        out += ",\"chain\":[";
        for (std::size_t j = 0; j < s.chain.size(); ++j) {
            if (j) out += ',';
            certificate(out, s.chain[j]);
        }
        out += "],\"references\":[";
        for (std::size_t j = 0; j < s.references.size(); ++j) {
            const ReferenceResult& r = s.references[j];
            if (j) out += ',';
            out += '{';
            field(out, "uri", r.uri, false);
            field(out, "digest_method", r.digest_method);
            out += ",\"transforms\":[";
            for (std::size_t k = 0; k < r.transforms.size(); ++k) {
                if (k) out += ',';
                append_json_string(out, r.transforms[k]);
            }
            out += ']';
            boolean(out, "resolved", r.resolved);
            boolean(out, "digest_ok", r.digest_ok);
            field(out, "signed_node", r.signed_node);
            boolean(out, "covers_document_element", r.covers_document_element);
            boolean(out, "excludes_signature", r.excludes_signature);
            out += '}';
        }
        out += ']';
        append_findings(out, s.findings);
        out += '}';
    }
    out += ']';
    append_findings(out, findings);
    out += "}";
    return out;
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
