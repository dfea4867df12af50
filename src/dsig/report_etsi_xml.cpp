// VerificationReport::to_etsi_xml: the validation report in the structure of ETSI TS 119 102-2
// v1.2.1 (namespace http://uri.etsi.org/19102/v1.2.1#): ValidationReport /
// SignatureValidationReport+ / SignatureValidationObjects? / SignatureValidator, each
// SignatureValidationReport as SignatureIdentifier, ValidationTimeInfo, SignatureAttributes,
// SignerInformation, SignatureValidationProcess, SignatureValidationStatus in the order of the
// schema's sequence. What the schema has no element for goes, in the istmo namespace, only where
// the schema has a wildcard for another namespace:
//   - the findings and the signature level/method: after SignatureValidationStatus
//     (SignatureValidationReportType ends with xs:any);
//   - subject, issuer, serial and validity of the signer certificate: istmo:Certificate as the
//     one ##other element SignerInformationType allows after Signer (ValidationObjectType has
//     no wildcard; its certificate is represented by the SHA-256 DigestAlgAndValue only, as the
//     report holds the fingerprint, not the DER);
//   - the details of a signature time-stamp (TSA, policy, serial, status): istmo:TimeStampInfo
//     inside the `direct` representation (xs:anyType) of the time-stamp's ValidationObject, which
//     SignatureTimeStamp/AttributeObject points at. The report holds no copy of the token, so the
//     token itself (base64) cannot be given.
#include <istmo/dsig/verify.hpp>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace istmo::dsig {

namespace {

constexpr std::string_view k_etsi_ns = "http://uri.etsi.org/19102/v1.2.1#";
constexpr std::string_view k_ds_ns = "http://www.w3.org/2000/09/xmldsig#";
// DigitalIdentityType (SignatureValidator/DigitalId) comes from TS 119 612: its X509SubjectName
// is in the trusted-list namespace, not in ds.
constexpr std::string_view k_tsl_ns = "http://uri.etsi.org/02231/v2#";
constexpr std::string_view k_istmo_ns = "urn:istmo:validation-report:1";

// Character data and attribute values (quotes escaped too). Characters XML 1.0 cannot carry
// (C0 controls other than tab, newline, carriage return) become U+FFFD.
void escape(std::string& out, std::string_view text) {
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\r': out += "&#13;"; break;
            default:
                if (u < 0x20 && c != '\t' && c != '\n') out += "\xEF\xBF\xBD";
                else out += c;
        }
    }
}

void element(std::string& out, const std::string& indent, std::string_view name, std::string_view text) {
    out += indent;
    out += '<';
    out += name;
    out += '>';
    escape(out, text);
    out += "</";
    out += name;
    out += ">\n";
}

std::string main_indication_urn(report::Indication indication) {
    switch (indication) {
        case report::Indication::total_passed: return "urn:etsi:019102:mainindication:total-passed";
        case report::Indication::total_failed: return "urn:etsi:019102:mainindication:total-failed";
        case report::Indication::indeterminate: return "urn:etsi:019102:mainindication:indeterminate";
    }
    return "urn:etsi:019102:mainindication:indeterminate";
}

std::string sub_indication_urn(report::SubIndication sub) {
    return "urn:etsi:019102:subindication:" + std::string(report::to_string(sub));
}

// Lower-case hex to base64 (the certificate fingerprints of the summaries are hex).
std::string hex_to_base64(std::string_view hex) {
    std::vector<std::uint8_t> bytes;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        const int hi = nibble(hex[i]);
        const int lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return {};
        bytes.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::uint32_t b0 = bytes[i];
        const std::uint32_t b1 = i + 1 < bytes.size() ? bytes[i + 1] : 0u;
        const std::uint32_t b2 = i + 2 < bytes.size() ? bytes[i + 2] : 0u;
        const std::uint32_t group = (b0 << 16) | (b1 << 8) | b2;
        out += k_alphabet[(group >> 18) & 63u];
        out += k_alphabet[(group >> 12) & 63u];
        out += i + 1 < bytes.size() ? k_alphabet[(group >> 6) & 63u] : '=';
        out += i + 2 < bytes.size() ? k_alphabet[group & 63u] : '=';
    }
    return out;
}

void write_findings(std::string& out, const std::string& indent, const std::vector<report::Finding>& list) {
    if (list.empty()) return;
    out += indent + "<istmo:Findings>\n";
    for (const auto& f : list) {
        out += indent + "  <istmo:Finding code=\"";
        escape(out, f.code);
        out += "\" severity=\"";
        escape(out, report::to_string(f.severity));
        out += '"';
        if (!f.location.empty()) {
            out += " location=\"";
            escape(out, f.location);
            out += '"';
        }
        out += '>';
        escape(out, f.message);
        out += "</istmo:Finding>\n";
    }
    out += indent + "</istmo:Findings>\n";
}

void status(std::string& out, report::Indication indication, report::SubIndication sub) {
    out += "    <SignatureValidationStatus>\n";
    element(out, "      ", "MainIndication", main_indication_urn(indication));
    if (sub != report::SubIndication::none) element(out, "      ", "SubIndication", sub_indication_urn(sub));
    out += "    </SignatureValidationStatus>\n";
}

// A signature time-stamp with the id of its ValidationObject ("T-n").
struct TimeStamp {
    std::string id;
    const TimestampResult* result = nullptr;
    [[nodiscard]] bool valid() const { return result->passed(); }
    [[nodiscard]] const std::string& gen_time() const { return result->gen_time; }
};

std::vector<TimeStamp> time_stamps(const SignatureResult& s, std::size_t& counter) {
    std::vector<TimeStamp> out;
    for (const TimestampResult& t : s.timestamps) out.push_back(TimeStamp{"T-" + std::to_string(++counter), &t});
    return out;
}

// "valid", or the first error of a time-stamp that is not ("CODE: message").
std::string time_stamp_status(const TimestampResult& t) {
    if (t.passed()) return "valid";
    for (const auto& f : t.findings)
        if (f.severity == report::Severity::error) return f.code + ": " + f.message;
    return std::string(report::to_string(t.indication));
}

// SignatureAttributes is an unbounded choice in the schema (any order); the SA* types extend
// AttributeBaseType: AttributeObject* first, then their own element.
void signature_attributes(std::string& out, const SignatureResult& s, const std::vector<TimeStamp>& stamps) {
    std::string body;
    const SignatureProperties& props = s.properties;
    if (const std::string& time = props.signing_time; !time.empty()) {
        body += "      <SigningTime Signed=\"true\">\n";
        element(body, "        ", "Time", time);
        body += "      </SigningTime>\n";
    }
    if (const auto& roles = props.signer_roles; !roles.empty()) {
        body += "      <SignerRole Signed=\"true\">\n";
        for (const auto& role : roles) {
            body += "        <RoleDetails>\n";
            element(body, "          ", "Role", role);
            // SAOneSignerRoleType/EndorsementType: certified | claimed | signed. XAdES
            // ClaimedRole is claimed.
            element(body, "          ", "EndorsementType", "claimed");
            body += "        </RoleDetails>\n";
        }
        body += "      </SignerRole>\n";
    }
    for (const auto& commitment : props.commitment_types) {
        body += "      <CommitmentTypeIndication Signed=\"true\">\n";
        element(body, "        ", "CommitmentTypeIdentifier", commitment);
        body += "      </CommitmentTypeIndication>\n";
    }
    if (props.policy) {
        body += "      <SigPolicyIdentifier Signed=\"true\">\n";
        element(body, "        ", "SigPolicyId", props.policy->implied ? std::string("implied") : props.policy->id);
        body += "      </SigPolicyIdentifier>\n";
    }
    // SATimestampType: the token is the ValidationObject AttributeObject points at; the
    // element itself holds only TimeStampValue (the genTime).
    for (const TimeStamp& ts : stamps) {
        body += "      <SignatureTimeStamp Signed=\"false\">\n";
        body += "        <AttributeObject VOReference=\"" + ts.id + "\"/>\n";
        element(body, "        ", "TimeStampValue", ts.gen_time());
        body += "      </SignatureTimeStamp>\n";
    }
    if (body.empty()) return;
    out += "    <SignatureAttributes>\n" + body + "    </SignatureAttributes>\n";
}

// ValidationTimeInfo: ValidationTime and the (required) BestSignatureTime. The best-signature-time
// is the genTime of the earliest valid signature time-stamp (a POE derived during validation,
// pointing at the time-stamp's ValidationObject), else the validation time.
void validation_time_info(std::string& out, const std::string& validation_time, const std::vector<TimeStamp>& stamps) {
    const TimeStamp* best = nullptr;
    for (const TimeStamp& ts : stamps)
        // RFC 3339 UTC text with a fixed layout compares like the time.
        if (ts.valid() && (!best || ts.gen_time() < best->gen_time())) best = &ts;
    out += "    <ValidationTimeInfo>\n";
    element(out, "      ", "ValidationTime", validation_time);
    out += "      <BestSignatureTime>\n";
    element(out, "        ", "POETime", best ? best->gen_time() : validation_time);
    element(out, "        ", "TypeOfProof", "urn:etsi:019102:poetype:validation");
    if (best) out += "        <POEObject VOReference=\"" + best->id + "\"/>\n";
    out += "      </BestSignatureTime>\n";
    out += "    </ValidationTimeInfo>\n";
}

// istmo:Revocation: a certificate's status, the JSON report's "revocation" object.
void revocation_element(std::string& out, const std::string& indent, const RevocationSummary& r) {
    out += indent + "<istmo:Revocation status=\"";
    escape(out, r.status);
    out += "\" source=\"";
    escape(out, r.source);
    out += "\"";
    const std::pair<const char*, const std::string*> optional[] = {
        {"thisUpdate", &r.this_update}, {"nextUpdate", &r.next_update},
        {"revocationTime", &r.revocation_time}, {"reason", &r.reason}};
    for (const auto& [name, value] : optional) {
        if (value->empty()) continue;
        out += std::string(" ") + name + "=\"";
        escape(out, *value);
        out += "\"";
    }
    out += "/>\n";
}

// istmo:Certificate: the certificate's subject, issuer and serial, the attributes the caller names
// (XML name, value), and its status.
void istmo_certificate(std::string& out, const std::string& indent, const CertificateSummary& c,
                       std::initializer_list<std::pair<std::string_view, std::string_view>> more) {
    out += indent + "<istmo:Certificate";
    const auto attribute = [&](std::string_view name, std::string_view value) {
        out += ' ';
        out += name;
        out += "=\"";
        escape(out, value);
        out += '"';
    };
    attribute("subject", c.subject);
    attribute("issuer", c.issuer);
    attribute("serial", c.serial);
    for (const auto& [name, value] : more) attribute(name, value);
    out += ">\n";
    revocation_element(out, indent + "  ", c.revocation);
    out += indent + "</istmo:Certificate>\n";
}

// istmo:Chain: the path to the anchor with each certificate's status.
void chain_element(std::string& out, const std::vector<CertificateSummary>& chain) {
    if (chain.empty()) return;
    out += "    <istmo:Chain>\n";
    for (const CertificateSummary& c : chain) istmo_certificate(out, "      ", c, {{"sha256", c.sha256}});
    out += "    </istmo:Chain>\n";
}

void certificate_object(std::string& out, const std::string& id, const CertificateSummary& c) {
    out += "    <ValidationObject id=\"" + id + "\">\n";
    element(out, "      ", "ObjectType", "urn:etsi:019102:validationObject:certificate");
    out += "      <ValidationObjectRepresentation>\n";
    out += "        <DigestAlgAndValue>\n";
    out += "          <ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\n";
    element(out, "          ", "ds:DigestValue", hex_to_base64(c.sha256));
    out += "        </DigestAlgAndValue>\n";
    out += "      </ValidationObjectRepresentation>\n";
    out += "    </ValidationObject>\n";
}

void time_stamp_object(std::string& out, const TimeStamp& ts) {
    out += "    <ValidationObject id=\"" + ts.id + "\">\n";
    element(out, "      ", "ObjectType", "urn:etsi:019102:validationObject:timestamp");
    out += "      <ValidationObjectRepresentation>\n";
    out += "        <direct>\n";
    const TimestampResult& t = *ts.result;
    const std::pair<const char*, std::string> info[] = {
        {"gen_time", t.gen_time}, {"tsa", t.tsa}, {"policy", t.policy}, {"serial", t.serial}, {"status", time_stamp_status(t)}};
    for (const auto& [name, value] : info) {
        if (value.empty()) continue;
        out += "          <istmo:TimeStampInfo name=\"";
        escape(out, name);
        out += "\">";
        escape(out, value);
        out += "</istmo:TimeStampInfo>\n";
    }
    out += "        </direct>\n";
    out += "      </ValidationObjectRepresentation>\n";
    // A valid time-stamp provides proof of existence of the signature at its genTime.
    if (ts.valid()) {
        out += "      <POEProvisioning>\n";
        element(out, "        ", "POETime", ts.gen_time());
        out += "      </POEProvisioning>\n";
    }
    out += "    </ValidationObject>\n";
}

}  // namespace

std::string VerificationReport::to_etsi_xml() const {
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ValidationReport xmlns=\"";
    out += k_etsi_ns;
    out += "\" xmlns:ds=\"";
    out += k_ds_ns;
    out += "\" xmlns:tsl=\"";
    out += k_tsl_ns;
    out += "\" xmlns:istmo=\"";
    out += k_istmo_ns;
    out += "\">\n";

    std::string objects;  // SignatureValidationObjects content, in order of first reference
    std::size_t certificates = 0;
    std::size_t stamp_counter = 0;
    if (signatures.empty()) {
        // Nothing to identify (not well-formed, no signature): the document-level verdict.
        // ValidationTimeInfo needs a BestSignatureTime: with no signature and no POE, the
        // validation time.
        out += "  <SignatureValidationReport>\n";
        validation_time_info(out, validation_time, {});
        status(out, indication, sub_indication);
        write_findings(out, "    ", findings);
        out += "  </SignatureValidationReport>\n";
    }
    for (std::size_t n = 0; n < signatures.size(); ++n) {
        const SignatureResult& s = signatures[n];
        const std::vector<TimeStamp> stamps = time_stamps(s, stamp_counter);
        out += "  <SignatureValidationReport>\n";
        out += "    <SignatureIdentifier id=\"S-" + std::to_string(n + 1) + "\">\n";
        element(out, "      ", "HashOnly", "false");
        element(out, "      ", "DocHashOnly", "false");
        if (!s.id.empty()) element(out, "      ", "DAIdentifier", s.id);
        out += "    </SignatureIdentifier>\n";

        validation_time_info(out, validation_time, stamps);
        signature_attributes(out, s, stamps);
        for (const TimeStamp& ts : stamps) time_stamp_object(objects, ts);

        if (s.signer) {
            const std::string id = "C-" + std::to_string(++certificates);
            certificate_object(objects, id, *s.signer);
            const CertificateSummary& c = *s.signer;
            out += "    <SignerInformation Pseudonym=\"false\">\n";
            out += "      <SignerCertificate VOReference=\"" + id + "\"/>\n";
            element(out, "      ", "Signer", c.subject);
            istmo_certificate(out, "      ", c, {{"notBefore", c.not_before}, {"notAfter", c.not_after}});
            out += "    </SignerInformation>\n";
        }

        out += "    <SignatureValidationProcess>\n";
        element(out, "      ", "SignatureValidationProcessID", "urn:etsi:019102:validationprocess:Basic");
        out += "    </SignatureValidationProcess>\n";
        status(out, s.indication, s.sub_indication);

        out += "    <istmo:Signature level=\"";
        escape(out, s.level.to_string());
        out += "\" signatureMethod=\"";
        escape(out, s.signature_method);
        out += "\" signatureValueValid=\"";
        out += s.signature_value_ok ? "true" : "false";
        out += "\"/>\n";
        chain_element(out, s.chain);
        write_findings(out, "    ", s.findings);
        out += "  </SignatureValidationReport>\n";
    }

    if (!objects.empty()) out += "  <SignatureValidationObjects>\n" + objects + "  </SignatureValidationObjects>\n";
    out += "  <SignatureValidator>\n";
    out += "    <DigitalId>\n";
    element(out, "      ", "tsl:X509SubjectName", "istmo");
    out += "    </DigitalId>\n";
    out += "  </SignatureValidator>\n";
    out += "</ValidationReport>\n";
    return out;
}

}  // namespace istmo::dsig
