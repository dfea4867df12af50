// VerificationReport::to_etsi_xml: the validation report in the structure of ETSI TS 119 102-2
// (ValidationReport / SignatureValidationReport / SignatureIdentifier / ValidationTimeInfo /
// SignatureAttributes / SignerInformation / SignatureValidationProcess / SignatureValidationStatus,
// plus SignatureValidationObjects for the signer certificates). The findings, which the ETSI
// schema has no place for, follow as an extension in the istmo namespace.
#include <istmo/dsig/verify.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::dsig {

namespace {

constexpr std::string_view k_etsi_ns = "http://uri.etsi.org/19102/v1.2.1#";
constexpr std::string_view k_ds_ns = "http://www.w3.org/2000/09/xmldsig#";
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

std::vector<std::string> properties_named(const SignatureResult& s, std::string_view name) {
    std::vector<std::string> out;
    for (const auto& [key, value] : s.properties)
        if (key == name) out.push_back(value);
    return out;
}

std::string property(const SignatureResult& s, std::string_view name) {
    auto all = properties_named(s, name);
    return all.empty() ? std::string() : all.front();
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

void signature_attributes(std::string& out, const SignatureResult& s) {
    std::string body;
    if (auto time = property(s, "signing_time"); !time.empty()) {
        body += "      <SigningTime Signed=\"true\">\n";
        element(body, "        ", "Time", time);
        body += "      </SigningTime>\n";
    }
    if (auto roles = properties_named(s, "claimed_role"); !roles.empty()) {
        body += "      <SignerRole Signed=\"true\">\n";
        for (const auto& role : roles) {
            body += "        <RoleDetails>\n";
            element(body, "          ", "Role", role);
            element(body, "          ", "EndorsementType", "urn:etsi:019102:endorsementtype:claimed");
            body += "        </RoleDetails>\n";
        }
        body += "      </SignerRole>\n";
    }
    for (const auto& commitment : properties_named(s, "commitment")) {
        body += "      <CommitmentTypeIndication Signed=\"true\">\n";
        element(body, "        ", "CommitmentTypeIdentifier", commitment);
        body += "      </CommitmentTypeIndication>\n";
    }
    if (auto policy = property(s, "policy"); !policy.empty()) {
        body += "      <SignaturePolicyIdentifier Signed=\"true\">\n";
        element(body, "        ", "SignaturePolicyID", policy);
        body += "      </SignaturePolicyIdentifier>\n";
    }
    // One SignatureTimeStamp per "timestamp.gen_time", with the properties that follow it.
    for (std::size_t i = 0; i < s.properties.size(); ++i) {
        if (s.properties[i].first != "timestamp.gen_time") continue;
        body += "      <SignatureTimeStamp Signed=\"false\">\n";
        element(body, "        ", "TimeStampValue", s.properties[i].second);
        for (std::size_t j = i + 1; j < s.properties.size() && s.properties[j].first != "timestamp.gen_time"; ++j) {
            const auto& [key, value] = s.properties[j];
            if (key.rfind("timestamp.", 0) != 0) continue;
            body += "        <istmo:TimeStampInfo name=\"";
            escape(body, key.substr(10));
            body += "\">";
            escape(body, value);
            body += "</istmo:TimeStampInfo>\n";
        }
        body += "      </SignatureTimeStamp>\n";
    }
    if (body.empty()) return;
    out += "    <SignatureAttributes>\n" + body + "    </SignatureAttributes>\n";
}

// The best-signature-time: the earliest valid signature time-stamp, else the validation time.
std::pair<std::string, std::string> best_signature_time(const SignatureResult& s, const std::string& validation_time) {
    std::string best;
    for (std::size_t i = 0; i < s.properties.size(); ++i) {
        if (s.properties[i].first != "timestamp.gen_time") continue;
        bool valid = false;
        for (std::size_t j = i + 1; j < s.properties.size() && s.properties[j].first != "timestamp.gen_time"; ++j)
            valid = valid || (s.properties[j].first == "timestamp.status" && s.properties[j].second == "valid");
        // RFC 3339 UTC text with a fixed layout compares like the time.
        if (valid && (best.empty() || s.properties[i].second < best)) best = s.properties[i].second;
    }
    if (best.empty()) return {validation_time, "urn:etsi:019102:poetype:validation"};
    return {best, "urn:etsi:019102:poetype:provided"};
}

}  // namespace

std::string VerificationReport::to_etsi_xml() const {
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ValidationReport xmlns=\"";
    out += k_etsi_ns;
    out += "\" xmlns:ds=\"";
    out += k_ds_ns;
    out += "\" xmlns:istmo=\"";
    out += k_istmo_ns;
    out += "\">\n";

    std::vector<const CertificateSummary*> objects;  // SignatureValidationObjects, in order
    if (signatures.empty()) {
        // Nothing to identify (not well-formed, no signature): the document-level verdict.
        out += "  <SignatureValidationReport>\n";
        out += "    <ValidationTimeInfo>\n";
        element(out, "      ", "ValidationTime", validation_time);
        out += "    </ValidationTimeInfo>\n";
        status(out, indication, sub_indication);
        write_findings(out, "    ", findings);
        out += "  </SignatureValidationReport>\n";
    }
    for (std::size_t n = 0; n < signatures.size(); ++n) {
        const SignatureResult& s = signatures[n];
        out += "  <SignatureValidationReport>\n";
        out += "    <SignatureIdentifier id=\"S-" + std::to_string(n + 1) + "\">\n";
        element(out, "      ", "HashOnly", "false");
        element(out, "      ", "DocHashOnly", "false");
        if (!s.id.empty()) element(out, "      ", "DAIdentifier", s.id);
        out += "    </SignatureIdentifier>\n";

        out += "    <ValidationTimeInfo>\n";
        element(out, "      ", "ValidationTime", validation_time);
        const auto [best, proof] = best_signature_time(s, validation_time);
        out += "      <BestSignatureTime>\n";
        element(out, "        ", "POETime", best);
        element(out, "        ", "TypeOfProof", proof);
        out += "      </BestSignatureTime>\n";
        out += "    </ValidationTimeInfo>\n";

        signature_attributes(out, s);

        if (s.signer) {
            objects.push_back(&*s.signer);
            out += "    <SignerInformation Pseudonym=\"false\">\n";
            out += "      <SignerCertificate VOReference=\"C-" + std::to_string(objects.size()) + "\"/>\n";
            element(out, "      ", "Signer", s.signer->subject);
            out += "    </SignerInformation>\n";
        }

        out += "    <SignatureValidationProcess>\n";
        element(out, "      ", "SignatureValidationProcessID", "urn:etsi:019102:validationprocess:Basic");
        out += "    </SignatureValidationProcess>\n";
        status(out, s.indication, s.sub_indication);

        out += "    <istmo:Signature level=\"";
        escape(out, s.level);
        out += "\" signatureMethod=\"";
        escape(out, s.signature_method);
        out += "\" signatureValueValid=\"";
        out += s.signature_value_ok ? "true" : "false";
        out += "\"/>\n";
        write_findings(out, "    ", s.findings);
        out += "  </SignatureValidationReport>\n";
    }

    if (!objects.empty()) {
        out += "  <SignatureValidationObjects>\n";
        for (std::size_t i = 0; i < objects.size(); ++i) {
            const CertificateSummary& c = *objects[i];
            out += "    <ValidationObject id=\"C-" + std::to_string(i + 1) + "\">\n";
            element(out, "      ", "ObjectType", "urn:etsi:019102:validationObject:certificate");
            out += "      <ValidationObjectRepresentation>\n";
            out += "        <DigestAlgAndValue>\n";
            out += "          <ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\n";
            element(out, "          ", "ds:DigestValue", hex_to_base64(c.sha256));
            out += "        </DigestAlgAndValue>\n";
            out += "      </ValidationObjectRepresentation>\n";
            out += "      <istmo:Certificate subject=\"";
            escape(out, c.subject);
            out += "\" issuer=\"";
            escape(out, c.issuer);
            out += "\" serial=\"";
            escape(out, c.serial);
            out += "\" notBefore=\"";
            escape(out, c.not_before);
            out += "\" notAfter=\"";
            escape(out, c.not_after);
            out += "\"/>\n";
            out += "    </ValidationObject>\n";
        }
        out += "  </SignatureValidationObjects>\n";
    }
    out += "  <SignatureValidator>\n";
    out += "    <DigitalId>\n";
    element(out, "      ", "ds:X509SubjectName", "istmo");
    out += "    </DigitalId>\n";
    out += "  </SignatureValidator>\n";
    out += "</ValidationReport>\n";
    return out;
}

}  // namespace istmo::dsig
