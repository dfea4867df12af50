// VerificationReport::to_etsi_xml (istmo verify --report-xml): the structure the header claims,
// checked element by element with libxml2. No XSD of ETSI TS 119 102-2 is available offline, so
// this is not a schema validation: the expectations (element names, namespaces, sequence order,
// required children, where a wildcard for another namespace exists) were taken from public
// code-generated models of the v1.2.1 schema and are written out here — ValidationReport /
// SignatureValidationReport+ / SignatureValidationObjects? / SignatureValidator, each
// SignatureValidationReport as SignatureIdentifier, ValidationTimeInfo (ValidationTime,
// BestSignatureTime: both required), SignatureAttributes, SignerInformation,
// SignatureValidationProcess, SignatureValidationStatus in that order, then the istmo
// extension elements only. istmo elements may appear only where the schema has an ##other/##any
// wildcard (after SignatureValidationStatus, the last child of SignerInformation, inside a
// ValidationObjectRepresentation/direct) — never in ValidationObject or SignatureTimeStamp.
#include <istmo/istmo.hpp>

#include "crypto/native.hpp"
#include "test_support.hpp"
#include "xml/document_impl.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace {

using namespace istmo;

constexpr std::string_view k_etsi = "http://uri.etsi.org/19102/v1.2.1#";
constexpr std::string_view k_ds = "http://www.w3.org/2000/09/xmldsig#";
constexpr std::string_view k_istmo = "urn:istmo:validation-report:1";
constexpr std::string_view k_tsl = "http://uri.etsi.org/02231/v2#";

const char* const k_doc = "<rFE xmlns=\"http://dgi-fep.mef.gob.pa\"><gDGen><iAmb>2</iAmb></gDGen></rFE>";

std::filesystem::path pki(const std::string& name) { return test::vectors_dir() / "pki" / name; }

std::string ns_of(const xmlNode* n) { return std::string(n && n->ns ? xml::sv(n->ns->href) : std::string_view()); }
std::string name_of(const xmlNode* n) { return std::string(xml::sv(n->name)); }

std::vector<const xmlNode*> elements(const xmlNode* parent) {
    std::vector<const xmlNode*> out;
    for (const xmlNode* c = xml::first_element_child(parent); c; c = xml::next_element_sibling(c)) out.push_back(c);
    return out;
}

// "Name Name ..." of the element children, for readable failures.
std::string names(const xmlNode* parent) {
    std::string out;
    for (const xmlNode* c : elements(parent)) out += (out.empty() ? "" : " ") + name_of(c);
    return out;
}

const xmlNode* only(const xmlNode* parent, std::string_view ns, std::string_view name) {
    const xmlNode* found = nullptr;
    int count = 0;
    for (const xmlNode* c : elements(parent))
        if (xml::is_element(c, ns, name)) {
            found = c;
            ++count;
        }
    EXPECT_EQ(count, 1) << name << " under " << (parent ? name_of(parent) : "?") << ": " << names(parent);
    return count == 1 ? found : nullptr;
}

std::string attr(const xmlNode* n, const char* name) {
    std::string v;
    xml::get_attribute(n, name, v);
    return v;
}

std::string signed_bb(const std::vector<std::string>& roles, const std::string& commitment) {
    auto k = crypto::PrivateKey::from_file(pki("rsa2048.key.pem").string());
    auto c = crypto::Certificate::from_file(pki("rsa2048.cert.pem").string());
    auto chain = crypto::Certificate::all_from_file(pki("intermediate.cert.pem").string());
    xades::SignOptions options;
    options.dsig.signature_id = "sig-etsi-1";
    options.claimed_roles = roles;
    options.commitment = commitment;
    auto signer = xades::Signer::create(*k, *c, *chain, options);
    EXPECT_TRUE(signer.has_value());
    auto out = signer->sign(k_doc);
    EXPECT_TRUE(out.has_value());
    return out ? *out : std::string();
}

dsig::VerificationReport verify(const std::string& xml, bool trusted) {
    xades::VerifyOptions options;
    if (trusted) {
        EXPECT_TRUE(options.dsig.trust.add_file(pki("ca.cert.pem").string()).has_value());
    }
    auto report = xades::Verifier(options).verify(xml);
    EXPECT_TRUE(report.has_value());
    return report ? *report : dsig::VerificationReport{};
}

// The order of the ETSI elements a SignatureValidationReport may hold (TS 119 102-2).
const std::map<std::string, int>& svr_order() {
    static const std::map<std::string, int> order = {
        {"SignatureIdentifier", 0}, {"ValidationConstraintsEvaluationReport", 1}, {"ValidationTimeInfo", 2},
        {"SignersDocument", 3},     {"SignatureAttributes", 4},                    {"SignerInformation", 5},
        {"SignatureQuality", 6},    {"SignatureValidationProcess", 7},            {"SignatureValidationStatus", 8},
    };
    return order;
}

// Every istmo element sits where the v1.2.1 schema has a wildcard for another namespace:
// SignatureValidationReport (after SignatureValidationStatus; checked by check_skeleton),
// SignerInformation (one element, after Signer), ValidationObjectRepresentation/direct
// (xs:anyType), or inside another istmo element. Every other element is ETSI, ds or tsl.
void check_extension_places(const xmlNode* node) {
    for (const xmlNode* c : elements(node)) {
        const std::string ns = ns_of(c);
        if (ns == k_istmo) {
            const bool allowed = ns_of(node) == k_istmo ||
                                 (ns_of(node) == k_etsi && (name_of(node) == "SignatureValidationReport" ||
                                                            name_of(node) == "direct"));
            if (ns_of(node) == k_etsi && name_of(node) == "SignerInformation") {
                EXPECT_EQ(c, elements(node).back()) << "istmo element not last in SignerInformation: " << names(node);
                int count = 0;
                for (const xmlNode* s : elements(node)) count += ns_of(s) == k_istmo ? 1 : 0;
                EXPECT_EQ(count, 1) << names(node);
            } else {
                EXPECT_TRUE(allowed) << "istmo:" << name_of(c) << " inside " << name_of(node) << " (no wildcard there)";
            }
        } else {
            EXPECT_TRUE(ns == k_etsi || ns == k_ds || ns == k_tsl) << "{" << ns << "}" << name_of(c);
        }
        check_extension_places(c);
    }
}

// Root and SignatureValidationReport ordering, namespaces and the status; returns the reports.
std::vector<const xmlNode*> check_skeleton(const xmlNode* root, std::size_t expected_reports) {
    check_extension_places(root);
    EXPECT_TRUE(xml::is_element(root, k_etsi, "ValidationReport")) << (root ? name_of(root) : "no root");
    std::vector<const xmlNode*> reports;
    // SignatureValidationReport+ SignatureValidationObjects? SignatureValidator?, all ETSI.
    int stage = 0;
    int counts[3] = {0, 0, 0};
    for (const xmlNode* c : elements(root)) {
        EXPECT_EQ(ns_of(c), k_etsi) << name_of(c);
        const std::string n = name_of(c);
        const int s = n == "SignatureValidationReport" ? 0 : n == "SignatureValidationObjects" ? 1 : n == "SignatureValidator" ? 2 : -1;
        if (s < 0) {
            ADD_FAILURE() << "unexpected " << n << " in ValidationReport";
            continue;
        }
        EXPECT_GE(s, stage) << n << " out of order: " << names(root);
        stage = s;
        ++counts[s];
        if (s == 0) reports.push_back(c);
    }
    EXPECT_EQ(reports.size(), expected_reports);
    EXPECT_LE(counts[1], 1) << names(root);
    EXPECT_EQ(counts[2], 1) << names(root);
    // SignatureValidator/DigitalId is DigitalIdentityType of TS 119 612 (tsl namespace).
    if (const xmlNode* validator = only(root, k_etsi, "SignatureValidator")) {
        const xmlNode* id = only(validator, k_etsi, "DigitalId");
        const auto kids = elements(id);
        EXPECT_EQ(kids.size(), 1u) << names(id);
        if (!kids.empty()) {
            EXPECT_TRUE(xml::is_element(kids[0], k_tsl, "X509SubjectName")) << "{" << ns_of(kids[0]) << "}" << name_of(kids[0]);
        }
    }

    for (const xmlNode* svr : reports) {
        int last = -1;
        bool status_seen = false;
        for (const xmlNode* c : elements(svr)) {
            if (ns_of(c) == k_istmo) {
                EXPECT_TRUE(status_seen) << "istmo extension before SignatureValidationStatus: " << names(svr);
                continue;
            }
            auto it = svr_order().find(name_of(c));
            if (ns_of(c) != k_etsi || it == svr_order().end()) {
                ADD_FAILURE() << "not a SignatureValidationReport element: {" << ns_of(c) << "}" << name_of(c);
                continue;
            }
            EXPECT_GT(it->second, last) << "order: " << names(svr);
            EXPECT_FALSE(status_seen) << "ETSI element after SignatureValidationStatus: " << names(svr);
            last = it->second;
            status_seen = it->first == "SignatureValidationStatus";
        }
        EXPECT_TRUE(status_seen) << names(svr);
        // ValidationTimeInfo is optional, but when present both children are required.
        for (const xmlNode* c : elements(svr))
            if (xml::is_element(c, k_etsi, "ValidationTimeInfo")) {
                EXPECT_EQ(names(c), "ValidationTime BestSignatureTime");
                const xmlNode* best = only(c, k_etsi, "BestSignatureTime");
                if (best) {
                    const auto kids = elements(best);
                    EXPECT_TRUE(names(best) == "POETime TypeOfProof" || names(best) == "POETime TypeOfProof POEObject")
                        << names(best);
                    const std::string proof = kids.size() > 1 ? xml::text_content(kids[1]) : std::string();
                    EXPECT_TRUE(proof == "urn:etsi:019102:poetype:validation" || proof == "urn:etsi:019102:poetype:provided" ||
                                proof == "urn:etsi:019102:poetype:policy")
                        << proof;
                }
            }
        const xmlNode* status = only(svr, k_etsi, "SignatureValidationStatus");
        if (!status) continue;
        const auto kids = elements(status);
        if (kids.empty()) {
            ADD_FAILURE() << "empty SignatureValidationStatus";
            continue;
        }
        EXPECT_TRUE(xml::is_element(kids[0], k_etsi, "MainIndication")) << names(status);
        const std::string main = xml::text_content(kids[0]);
        EXPECT_TRUE(main == "urn:etsi:019102:mainindication:total-passed" || main == "urn:etsi:019102:mainindication:total-failed" ||
                    main == "urn:etsi:019102:mainindication:indeterminate")
            << main;
        for (std::size_t i = 1; i < kids.size(); ++i) {
            EXPECT_TRUE(xml::is_element(kids[i], k_etsi, "SubIndication")) << names(status);
            EXPECT_EQ(xml::text_content(kids[i]).rfind("urn:etsi:019102:subindication:", 0), 0u);
        }
    }
    return reports;
}

TEST(XadesEtsiReportStructure, PassedBBHasTheClaimedStructure) {
    const auto report = verify(signed_bb({"Emisor <principal> & \"firma\""}, "proof-of-origin"), true);
    ASSERT_TRUE(report.passed());
    const std::string text = report.to_etsi_xml();
    auto doc = xml::XmlDocument::parse(text);
    ASSERT_TRUE(doc.has_value()) << text;
    const xmlNode* root = xmlDocGetRootElement(xml::get(*doc));
    const auto svrs = check_skeleton(root, 1);
    ASSERT_EQ(svrs.size(), 1u);
    const xmlNode* svr = svrs[0];
    // istmo:Chain (each certificate's status) and istmo:Findings: the test PKI's certificates
    // publish no CRL / OCSP URL, which revocation "auto" reports as a warning.
    EXPECT_EQ(names(svr),
              "SignatureIdentifier ValidationTimeInfo SignatureAttributes SignerInformation SignatureValidationProcess "
              "SignatureValidationStatus Signature Chain Findings");
    const dsig::SignatureResult& s = report.signatures.at(0);

    // SignatureIdentifier: HashOnly, DocHashOnly, DAIdentifier; id attribute.
    const xmlNode* id = only(svr, k_etsi, "SignatureIdentifier");
    ASSERT_NE(id, nullptr);
    EXPECT_EQ(names(id), "HashOnly DocHashOnly DAIdentifier");
    EXPECT_EQ(attr(id, "id"), "S-1");
    EXPECT_EQ(xml::text_content(only(id, k_etsi, "HashOnly")), "false");
    EXPECT_EQ(xml::text_content(only(id, k_etsi, "DAIdentifier")), "sig-etsi-1");

    // ValidationTimeInfo: ValidationTime, BestSignatureTime (POETime, TypeOfProof).
    const xmlNode* vti = only(svr, k_etsi, "ValidationTimeInfo");
    ASSERT_NE(vti, nullptr);
    EXPECT_EQ(names(vti), "ValidationTime BestSignatureTime");
    EXPECT_EQ(xml::text_content(only(vti, k_etsi, "ValidationTime")), report.validation_time);
    const xmlNode* best = only(vti, k_etsi, "BestSignatureTime");
    ASSERT_NE(best, nullptr);
    EXPECT_EQ(names(best), "POETime TypeOfProof");
    EXPECT_EQ(xml::text_content(only(best, k_etsi, "TypeOfProof")), "urn:etsi:019102:poetype:validation");

    // SignatureAttributes: signed attributes, the texts as the report has them (escaping).
    const xmlNode* attrs = only(svr, k_etsi, "SignatureAttributes");
    ASSERT_NE(attrs, nullptr);
    EXPECT_EQ(names(attrs), "SigningTime SignerRole CommitmentTypeIndication");
    for (const xmlNode* a : elements(attrs)) {
        EXPECT_EQ(ns_of(a), k_etsi);
        EXPECT_EQ(attr(a, "Signed"), "true") << name_of(a);
    }
    const std::string signing_time = s.properties.signing_time;
    EXPECT_EQ(xml::text_content(only(only(attrs, k_etsi, "SigningTime"), k_etsi, "Time")), signing_time);
    const xmlNode* role = only(only(attrs, k_etsi, "SignerRole"), k_etsi, "RoleDetails");
    ASSERT_NE(role, nullptr);
    EXPECT_EQ(names(role), "Role EndorsementType");
    EXPECT_EQ(xml::text_content(only(role, k_etsi, "Role")), "Emisor <principal> & \"firma\"");
    // SAOneSignerRoleType/EndorsementType is an enumeration: certified | claimed | signed.
    EXPECT_EQ(xml::text_content(only(role, k_etsi, "EndorsementType")), "claimed");
    EXPECT_EQ(xml::text_content(only(only(attrs, k_etsi, "CommitmentTypeIndication"), k_etsi, "CommitmentTypeIdentifier")),
              "http://uri.etsi.org/01903/v1.2.2#ProofOfOrigin");

    // SignerInformation points at a ValidationObject that describes the signer certificate.
    const xmlNode* si = only(svr, k_etsi, "SignerInformation");
    ASSERT_NE(si, nullptr);
    EXPECT_EQ(names(si), "SignerCertificate Signer Certificate");
    EXPECT_EQ(attr(si, "Pseudonym"), "false");
    const std::string vo_ref = attr(only(si, k_etsi, "SignerCertificate"), "VOReference");
    EXPECT_EQ(xml::text_content(only(si, k_etsi, "Signer")), s.signer->subject);
    // The certificate details the ValidationObject cannot hold: istmo:Certificate, the one
    // ##other element SignerInformationType allows.
    const xmlNode* cert = only(si, k_istmo, "Certificate");
    ASSERT_NE(cert, nullptr);
    EXPECT_EQ(attr(cert, "subject"), s.signer->subject);
    EXPECT_EQ(attr(cert, "issuer"), s.signer->issuer);
    EXPECT_EQ(attr(cert, "serial"), s.signer->serial);
    EXPECT_EQ(attr(cert, "notBefore"), s.signer->not_before);
    EXPECT_EQ(attr(cert, "notAfter"), s.signer->not_after);
    const xmlNode* objects = only(root, k_etsi, "SignatureValidationObjects");
    ASSERT_NE(objects, nullptr);
    const xmlNode* vo = nullptr;
    for (const xmlNode* o : elements(objects)) {
        EXPECT_TRUE(xml::is_element(o, k_etsi, "ValidationObject")) << name_of(o);
        if (attr(o, "id") == vo_ref) vo = o;
    }
    ASSERT_NE(vo, nullptr) << "no ValidationObject with id " << vo_ref;
    const auto vo_kids = elements(vo);
    // ValidationObjectType: ObjectType, ValidationObjectRepresentation, POE?, POEProvisioning?,
    // ValidationReport?; no wildcard.
    EXPECT_EQ(names(vo), "ObjectType ValidationObjectRepresentation");
    ASSERT_GE(vo_kids.size(), 2u);
    EXPECT_TRUE(xml::is_element(vo_kids[0], k_etsi, "ObjectType"));
    EXPECT_EQ(xml::text_content(vo_kids[0]), "urn:etsi:019102:validationObject:certificate");
    EXPECT_TRUE(xml::is_element(vo_kids[1], k_etsi, "ValidationObjectRepresentation"));
    EXPECT_EQ(names(vo_kids[1]), "DigestAlgAndValue");  // a choice: exactly one representation
    const xmlNode* dav = only(vo_kids[1], k_etsi, "DigestAlgAndValue");
    ASSERT_NE(dav, nullptr);
    EXPECT_EQ(names(dav), "DigestMethod DigestValue");
    EXPECT_EQ(attr(only(dav, k_ds, "DigestMethod"), "Algorithm"), "http://www.w3.org/2001/04/xmlenc#sha256");
    auto signer_cert = crypto::Certificate::from_file(pki("rsa2048.cert.pem").string());
    ASSERT_TRUE(signer_cert.has_value());
    EXPECT_EQ(xml::text_content(only(dav, k_ds, "DigestValue")),
              crypto::base64_encode(crypto::digest(crypto::DigestAlg::sha256, signer_cert->der())));

    EXPECT_EQ(xml::text_content(only(only(svr, k_etsi, "SignatureValidationProcess"), k_etsi, "SignatureValidationProcessID")),
              "urn:etsi:019102:validationprocess:Basic");
    const xmlNode* status = only(svr, k_etsi, "SignatureValidationStatus");
    EXPECT_EQ(names(status), "MainIndication");
    EXPECT_EQ(xml::text_content(only(status, k_etsi, "MainIndication")), "urn:etsi:019102:mainindication:total-passed");

    // The istmo extension: level and signature method of what was validated.
    const xmlNode* ext = only(svr, k_istmo, "Signature");
    ASSERT_NE(ext, nullptr);
    EXPECT_EQ(attr(ext, "level"), "B-B");
    EXPECT_EQ(attr(ext, "signatureValueValid"), "true");

    const xmlNode* validator = only(root, k_etsi, "SignatureValidator");
    EXPECT_EQ(xml::text_content(only(only(validator, k_etsi, "DigitalId"), k_tsl, "X509SubjectName")), "istmo");
}

TEST(XadesEtsiReportStructure, IndeterminateCarriesSubIndicationAndFindingsInOrder) {
    const auto report = verify(signed_bb({}, ""), false);  // nothing trusted
    ASSERT_EQ(report.indication, report::Indication::indeterminate);
    auto doc = xml::XmlDocument::parse(report.to_etsi_xml());
    ASSERT_TRUE(doc.has_value());
    const xmlNode* root = xmlDocGetRootElement(xml::get(*doc));
    const auto svrs = check_skeleton(root, 1);
    ASSERT_EQ(svrs.size(), 1u);
    const xmlNode* status = only(svrs[0], k_etsi, "SignatureValidationStatus");
    EXPECT_EQ(names(status), "MainIndication SubIndication");
    EXPECT_EQ(xml::text_content(only(status, k_etsi, "SubIndication")), "urn:etsi:019102:subindication:NO_CERTIFICATE_CHAIN_FOUND");
    // No claimed role, commitment or policy: SignatureAttributes holds only SigningTime.
    EXPECT_EQ(names(only(svrs[0], k_etsi, "SignatureAttributes")), "SigningTime");
    const xmlNode* findings = only(svrs[0], k_istmo, "Findings");
    ASSERT_NE(findings, nullptr);
    const auto list = elements(findings);
    const auto& expected = report.signatures.at(0).findings;
    ASSERT_EQ(list.size(), expected.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        EXPECT_TRUE(xml::is_element(list[i], k_istmo, "Finding"));
        EXPECT_EQ(attr(list[i], "code"), expected[i].code);
        EXPECT_EQ(attr(list[i], "severity"), std::string(report::to_string(expected[i].severity)));
        EXPECT_EQ(xml::text_content(list[i]), expected[i].message);
    }
}

TEST(XadesEtsiReportStructure, DocumentLevelFailureHasOneReportWithoutIdentifier) {
    const auto report = verify("<rFE><unclosed></rFE>", true);
    ASSERT_FALSE(report.well_formed);
    auto doc = xml::XmlDocument::parse(report.to_etsi_xml());
    ASSERT_TRUE(doc.has_value());
    const xmlNode* root = xmlDocGetRootElement(xml::get(*doc));
    const auto svrs = check_skeleton(root, 1);
    ASSERT_EQ(svrs.size(), 1u);
    EXPECT_EQ(names(svrs[0]), "ValidationTimeInfo SignatureValidationStatus Findings");
    // BestSignatureTime is required in ValidationTimeInfo: no signature, no POE, so the
    // validation time, derived during validation.
    const xmlNode* vti = only(svrs[0], k_etsi, "ValidationTimeInfo");
    EXPECT_EQ(names(vti), "ValidationTime BestSignatureTime");
    EXPECT_EQ(xml::text_content(only(only(vti, k_etsi, "BestSignatureTime"), k_etsi, "POETime")), report.validation_time);
    EXPECT_EQ(xml::text_content(only(only(vti, k_etsi, "BestSignatureTime"), k_etsi, "TypeOfProof")),
              "urn:etsi:019102:poetype:validation");
    const xmlNode* status = only(svrs[0], k_etsi, "SignatureValidationStatus");
    EXPECT_EQ(xml::text_content(only(status, k_etsi, "MainIndication")), "urn:etsi:019102:mainindication:total-failed");
    EXPECT_EQ(xml::text_content(only(status, k_etsi, "SubIndication")), "urn:etsi:019102:subindication:FORMAT_FAILURE");
    EXPECT_EQ(attr(elements(only(svrs[0], k_istmo, "Findings")).at(0), "code"), "XML-NOT-WELL-FORMED");
    EXPECT_NE(xml::first_element_child(only(root, k_etsi, "SignatureValidator")), nullptr);
}

TEST(XadesEtsiReportStructure, TwoSignaturesGiveTwoReportsAndTwoObjects) {
    // The XAdES document signed again (enveloped) by the P-256 key: two ds:Signature elements.
    const std::string first = signed_bb({}, "");
    auto k = crypto::PrivateKey::from_file(pki("ec-p256.key.pem").string());
    auto c = crypto::Certificate::from_file(pki("ec-p256.cert.pem").string());
    auto chain = crypto::Certificate::all_from_file(pki("intermediate.cert.pem").string());
    xades::SignOptions options;
    options.dsig.signature_id = "sig-etsi-2";
    auto second = xades::Signer::create(*k, *c, *chain, options)->sign(first);
    ASSERT_TRUE(second.has_value()) << second.error().to_string();
    const auto report = verify(*second, true);
    ASSERT_EQ(report.signatures.size(), 2u);
    auto doc = xml::XmlDocument::parse(report.to_etsi_xml());
    ASSERT_TRUE(doc.has_value());
    const xmlNode* root = xmlDocGetRootElement(xml::get(*doc));
    const auto svrs = check_skeleton(root, 2);
    ASSERT_EQ(svrs.size(), 2u);
    std::vector<std::string> refs;
    for (std::size_t i = 0; i < svrs.size(); ++i) {
        EXPECT_EQ(attr(only(svrs[i], k_etsi, "SignatureIdentifier"), "id"), "S-" + std::to_string(i + 1));
        refs.push_back(attr(only(only(svrs[i], k_etsi, "SignerInformation"), k_etsi, "SignerCertificate"), "VOReference"));
    }
    std::vector<std::string> ids;
    for (const xmlNode* o : elements(only(root, k_etsi, "SignatureValidationObjects"))) ids.push_back(attr(o, "id"));
    EXPECT_EQ(refs, ids);
}

TEST(XadesEtsiReportStructure, PolicyIsSigPolicyIdentifierWithSigPolicyId) {
    auto k = crypto::PrivateKey::from_file(pki("rsa2048.key.pem").string());
    auto c = crypto::Certificate::from_file(pki("rsa2048.cert.pem").string());
    auto chain = crypto::Certificate::all_from_file(pki("intermediate.cert.pem").string());
    xades::SignOptions options;
    options.profile = xades::Profile::epes;
    options.policy = xades::SignaturePolicy{};
    options.policy->identifier = "2.16.591.1.1.1";
    options.policy->digest.assign(32, 0x5a);
    auto signer = xades::Signer::create(*k, *c, *chain, options);
    ASSERT_TRUE(signer.has_value());
    auto signed_xml = signer->sign(k_doc);
    ASSERT_TRUE(signed_xml.has_value());
    const auto report = verify(*signed_xml, true);
    auto doc = xml::XmlDocument::parse(report.to_etsi_xml());
    ASSERT_TRUE(doc.has_value());
    const auto svrs = check_skeleton(xmlDocGetRootElement(xml::get(*doc)), 1);
    ASSERT_EQ(svrs.size(), 1u);
    const xmlNode* attrs = only(svrs[0], k_etsi, "SignatureAttributes");
    ASSERT_NE(attrs, nullptr);
    // SASigPolicyIdentifierType: AttributeObject*, SigPolicyId (the XAdES names
    // SignaturePolicyIdentifier / SignaturePolicyId are not the report's).
    const xmlNode* policy = only(attrs, k_etsi, "SigPolicyIdentifier");
    ASSERT_NE(policy, nullptr);
    EXPECT_EQ(attr(policy, "Signed"), "true");
    EXPECT_EQ(names(policy), "SigPolicyId");
    EXPECT_EQ(xml::text_content(only(policy, k_etsi, "SigPolicyId")), "urn:oid:2.16.591.1.1.1");
    for (const xmlNode* a : elements(attrs)) EXPECT_NE(name_of(a), "SignaturePolicyIdentifier");
}

// The time-stamp part, from a report built by hand (a B-T signature needs a TSA): the
// SignatureTimeStamp holds AttributeObject and TimeStampValue only; the details move to the
// time-stamp's ValidationObject; BestSignatureTime is the earliest valid genTime.
TEST(XadesEtsiReportStructure, TimeStampsAreValidationObjects) {
    dsig::VerificationReport report;
    report.indication = report::Indication::total_passed;
    report.sub_indication = report::SubIndication::none;
    report.well_formed = true;
    report.validation_time = "2026-11-28T12:00:00Z";
    dsig::SignatureResult s;
    s.id = "sig-t";
    s.level = dsig::SignatureLevel{dsig::SignatureLevel::Form::b_t};
    s.indication = report::Indication::total_passed;
    s.signature_value_ok = true;
    s.signer = dsig::CertificateSummary{"CN=Firmante", "CN=CA", "42", "2025-01-01T00:00:00Z", "2045-01-01T00:00:00Z",
                                        std::string(64, 'a')};
    s.properties.signing_time = "2026-11-28T11:00:00Z";
    dsig::TimestampResult first;
    first.gen_time = "2026-11-28T11:05:00Z";
    first.tsa = "CN=TSA <uno>";
    first.policy = "1.2.3.4.1";
    first.serial = "0a";
    first.indication = report::Indication::total_passed;
    dsig::TimestampResult second;
    second.gen_time = "2026-11-28T11:01:00Z";
    second.tsa = "CN=TSA dos";
    second.indication = report::Indication::indeterminate;
    second.sub_indication = report::SubIndication::no_certificate_chain_found;
    second.findings.push_back(report::Finding{"TSA-CERT-UNTRUSTED", report::Severity::error, "the TSA certificate is not trusted", {}});
    s.timestamps = {first, second};
    report.signatures.push_back(s);
    const std::string text = report.to_etsi_xml();
    auto doc = xml::XmlDocument::parse(text);
    ASSERT_TRUE(doc.has_value()) << text;
    const xmlNode* root = xmlDocGetRootElement(xml::get(*doc));
    const auto svrs = check_skeleton(root, 1);
    ASSERT_EQ(svrs.size(), 1u);

    const xmlNode* attrs = only(svrs[0], k_etsi, "SignatureAttributes");
    ASSERT_NE(attrs, nullptr);
    EXPECT_EQ(names(attrs), "SigningTime SignatureTimeStamp SignatureTimeStamp") << text;
    std::vector<std::string> refs;
    std::vector<std::string> values;
    for (const xmlNode* a : elements(attrs)) {
        if (name_of(a) != "SignatureTimeStamp") continue;
        EXPECT_EQ(attr(a, "Signed"), "false");
        EXPECT_EQ(names(a), "AttributeObject TimeStampValue") << text;  // AttributeBaseType first
        refs.push_back(attr(only(a, k_etsi, "AttributeObject"), "VOReference"));
        values.push_back(xml::text_content(only(a, k_etsi, "TimeStampValue")));
    }
    EXPECT_EQ(refs, (std::vector<std::string>{"T-1", "T-2"}));
    EXPECT_EQ(values, (std::vector<std::string>{"2026-11-28T11:05:00Z", "2026-11-28T11:01:00Z"}));

    // Only the first time-stamp is valid: it is the best signature time, a POE derived during
    // validation that points at its ValidationObject.
    const xmlNode* best = only(only(svrs[0], k_etsi, "ValidationTimeInfo"), k_etsi, "BestSignatureTime");
    ASSERT_NE(best, nullptr);
    EXPECT_EQ(names(best), "POETime TypeOfProof POEObject");
    EXPECT_EQ(xml::text_content(only(best, k_etsi, "POETime")), "2026-11-28T11:05:00Z");
    EXPECT_EQ(xml::text_content(only(best, k_etsi, "TypeOfProof")), "urn:etsi:019102:poetype:validation");
    EXPECT_EQ(attr(only(best, k_etsi, "POEObject"), "VOReference"), "T-1");

    std::map<std::string, const xmlNode*> objects;
    for (const xmlNode* o : elements(only(root, k_etsi, "SignatureValidationObjects"))) objects[attr(o, "id")] = o;
    ASSERT_EQ(objects.size(), 3u) << text;  // T-1, T-2, C-1
    for (const char* id : {"T-1", "T-2"}) {
        const xmlNode* vo = objects[id];
        ASSERT_NE(vo, nullptr) << id;
        EXPECT_EQ(xml::text_content(only(vo, k_etsi, "ObjectType")), "urn:etsi:019102:validationObject:timestamp");
        const xmlNode* repr = only(vo, k_etsi, "ValidationObjectRepresentation");
        EXPECT_EQ(names(repr), "direct");
    }
    EXPECT_EQ(names(objects["T-1"]), "ObjectType ValidationObjectRepresentation POEProvisioning");
    EXPECT_EQ(names(only(objects["T-1"], k_etsi, "POEProvisioning")), "POETime");
    EXPECT_EQ(xml::text_content(only(only(objects["T-1"], k_etsi, "POEProvisioning"), k_etsi, "POETime")),
              "2026-11-28T11:05:00Z");
    // An invalid time-stamp provides no POE.
    EXPECT_EQ(names(objects["T-2"]), "ObjectType ValidationObjectRepresentation");

    // Every detail the report had is kept, in order, inside direct.
    std::vector<std::pair<std::string, std::string>> info;
    for (const xmlNode* i : elements(only(only(objects["T-1"], k_etsi, "ValidationObjectRepresentation"), k_etsi, "direct"))) {
        EXPECT_TRUE(xml::is_element(i, k_istmo, "TimeStampInfo"));
        info.emplace_back(attr(i, "name"), xml::text_content(i));
    }
    EXPECT_EQ(info, (std::vector<std::pair<std::string, std::string>>{{"gen_time", "2026-11-28T11:05:00Z"},
                                                                        {"tsa", "CN=TSA <uno>"},
                                                                        {"policy", "1.2.3.4.1"},
                                                                        {"serial", "0a"},
                                                                        {"status", "valid"}}));
    ASSERT_NE(objects["C-1"], nullptr);
    EXPECT_EQ(attr(only(only(svrs[0], k_etsi, "SignerInformation"), k_etsi, "SignerCertificate"), "VOReference"), "C-1");
}

TEST(XadesEtsiReportStructure, NoSignatureReportHasBestSignatureTime) {
    const auto report = verify(k_doc, true);  // well-formed, no ds:Signature
    ASSERT_TRUE(report.well_formed);
    ASSERT_TRUE(report.signatures.empty());
    auto doc = xml::XmlDocument::parse(report.to_etsi_xml());
    ASSERT_TRUE(doc.has_value());
    const xmlNode* root = xmlDocGetRootElement(xml::get(*doc));
    const auto svrs = check_skeleton(root, 1);
    ASSERT_EQ(svrs.size(), 1u);
    EXPECT_EQ(names(svrs[0]).find("SignatureIdentifier"), std::string::npos) << names(svrs[0]);
    EXPECT_EQ(names(only(svrs[0], k_etsi, "ValidationTimeInfo")), "ValidationTime BestSignatureTime");
    EXPECT_EQ(elements(root).size(), 2u) << names(root);  // no SignatureValidationObjects
}

}  // namespace
