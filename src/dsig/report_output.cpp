#include <istmo/dsig/verify.hpp>
#include <istmo/report/json.hpp>

#include "dsig/time_format.hpp"


namespace istmo::dsig {

std::string_view SignatureLevel::to_string() const noexcept {
    switch (form) {
        case Form::xmldsig: return "XMLDSig";
        case Form::b_b: return "B-B";
        case Form::b_t: return "B-T";
        case Form::epes: return "EPES";
        case Form::epes_t: return "EPES-T";
        case Form::b_lt: return "B-LT";
        case Form::b_lta: return "B-LTA";
    }
    return "XMLDSig";
}

SignatureLevel SignatureLevel::with_timestamp() const noexcept {
    if (form == Form::b_b) return SignatureLevel{Form::b_t};
    if (form == Form::epes) return SignatureLevel{Form::epes_t};
    return *this;
}

SignatureLevel SignatureLevel::with_long_term_data() const noexcept {
    if (form == Form::b_t || form == Form::epes_t) return SignatureLevel{Form::b_lt};
    return *this;
}

SignatureLevel SignatureLevel::with_archive_timestamp() const noexcept {
    if (form == Form::b_lt) return SignatureLevel{Form::b_lta};
    return *this;
}

namespace {

void certificate(report::JsonWriter& w, const CertificateSummary& c) {
    w.begin_object()
        .member("subject", c.subject)
        .member("issuer", c.issuer)
        .member("serial", c.serial)
        .member("not_before", c.not_before)
        .member("not_after", c.not_after)
        .member("sha256", c.sha256);
    const RevocationSummary& r = c.revocation;
    w.key("revocation").begin_object().member("status", r.status).member("source", r.source);
    w.key("this_update").string_or_null(r.this_update);
    w.key("next_update").string_or_null(r.next_update);
    w.key("revocation_time").string_or_null(r.revocation_time);
    w.key("reason").string_or_null(r.reason);
    w.end_object().end_object();
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

void properties(report::JsonWriter& w, const SignatureProperties& p) {
    w.begin_object();
    w.key("signing_time").string_or_null(p.signing_time);
    w.key("signer_roles").strings(p.signer_roles);
    w.key("commitment_types").strings(p.commitment_types);
    w.key("policy");
    if (p.policy) {
        w.begin_object();
        w.key("id").string_or_null(p.policy->id);
        w.key("uri").string_or_null(p.policy->uri);
        w.member("implied", p.policy->implied);
        w.key("digest_ok");
        if (p.policy->digest_ok) w.value(*p.policy->digest_ok);
        else w.null();
        w.end_object();
    } else {
        w.null();
    }
    w.key("production_place");
    if (const auto& place = p.production_place) {
        w.begin_object();
        w.key("street_address").string_or_null(place->street_address);
        w.key("city").string_or_null(place->city);
        w.key("state_or_province").string_or_null(place->state_or_province);
        w.key("postal_code").string_or_null(place->postal_code);
        w.key("country_name").string_or_null(place->country_name);
        w.end_object();
    } else {
        w.null();
    }
    w.end_object();
}

void timestamp(report::JsonWriter& w, const TimestampResult& t) {
    w.begin_object().member("type", t.type);
    w.key("gen_time").string_or_null(t.gen_time);
    w.key("tsa").string_or_null(t.tsa);
    w.key("policy").string_or_null(t.policy);
    w.key("serial").string_or_null(t.serial);
    w.member("indication", report::to_string(t.indication));
    w.key("sub_indication").string_or_null(report::to_string(t.sub_indication));
    w.key("findings");
    report::write_findings(w, t.findings);
    w.end_object();
}

void signature(report::JsonWriter& w, const SignatureResult& s) {
    w.begin_object().key("id").string_or_null(s.id);
    w.member("location", s.location).member("level", s.level.to_string());
    if (s.counter_signature) {
        w.member("counter_signature", true);
        w.key("countersigns").string_or_null(s.countersigns);
    }
    w.key("properties");
    properties(w, s.properties);
    w.key("timestamps").begin_array();
    for (const TimestampResult& t : s.timestamps) timestamp(w, t);
    w.end_array();
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

namespace {

void text_properties(std::string& out, const SignatureResult& s) {
    const SignatureProperties& p = s.properties;
    if (!p.signing_time.empty()) out += "  signing time: " + p.signing_time + "\n";
    for (const auto& role : p.signer_roles) out += "  signer role: " + role + "\n";
    for (const auto& commitment : p.commitment_types) out += "  commitment: " + commitment + "\n";
    if (p.policy) out += "  policy: " + (p.policy->implied ? std::string("implied") : p.policy->id) + "\n";
    if (p.production_place && !p.production_place->city.empty()) out += "  production place: " + p.production_place->city + "\n";
    for (const TimestampResult& t : s.timestamps) {
        out += "  " + t.type + ": " + std::string(report::to_string(t.indication));
        if (!t.gen_time.empty()) out += ", genTime " + t.gen_time;
        if (!t.tsa.empty()) out += ", TSA " + t.tsa;
        out += "\n";
    }
}

}  // namespace

std::string VerificationReport::to_text() const {
    std::string out;
    out += std::string(report::to_string(indication));
    if (sub_indication != report::SubIndication::none) out += " / " + std::string(report::to_string(sub_indication));
    out += "\n";
    for (const SignatureResult& s : signatures) {
        out += "signature " + (s.id.empty() ? s.location : s.id) + ": " + std::string(report::to_string(s.indication));
        if (s.sub_indication != report::SubIndication::none) out += " / " + std::string(report::to_string(s.sub_indication));
        out += "\n  level: " + std::string(s.level.to_string()) + ", algorithm: " + s.signature_method + "\n";
        text_properties(out, s);
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
