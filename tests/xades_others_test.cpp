// XAdES signatures shaped as other signers make them (test-vectors/xades-others/, made by
// scripts/make-xades-others-vectors.py with xmlsec1 and openssl): the README table holds every
// expectation. Extra certificates in the unsigned KeyInfo, a signer's certificate outside KeyInfo,
// the KeyInfo forms of XMLDSig 1.1, a signed Manifest hidden in a nested Object, a copied
// SignatureTimeStamp, a counter-signature without Type, a SHA-1 CertDigest.
#include <istmo/istmo.hpp>
#include <istmo/report/messages.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

namespace {

using namespace istmo;
using istmo::test::codes;
using istmo::test::has_code;
using istmo::test::pki_cert;
using report::Indication;
using report::SubIndication;
namespace fs = std::filesystem;

const fs::path& folder() {
    static const fs::path dir = test::vectors_dir() / "xades-others";
    return dir;
}

// 2027-01-01T00:00:00Z: every certificate of the test PKI is valid then.
std::chrono::system_clock::time_point validation_time() {
    return std::chrono::sys_days{std::chrono::year{2027} / 1 / 1};
}

struct Row {
    std::string file, what, options, expected, level, codes;
};

std::vector<Row> rows() {
    std::vector<Row> out;
    for (const auto& cells : test::vector_table_rows(test::read_file(folder() / "README.md"))) {
        if (cells.size() != 6) {
            ADD_FAILURE() << "README row without 6 cells: " << cells.front();
            continue;
        }
        out.push_back(Row{cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]});
    }
    return out;
}

std::vector<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

// The README's base options (CA anchor, intermediate, TSA anchor, 2027-01-01) and a row's own.
xades::VerifyOptions options_for(const std::string& row_options) {
    xades::VerifyOptions options;
    options.dsig.validation_time = validation_time();
    options.dsig.extra_certificates = {pki_cert("intermediate")};
    options.tsa_trust = test::pki_root_store();
    bool own_anchor = false;
    for (const std::string& option : words(row_options)) {
        if (option == "-") continue;
        if (option == "legacy") {
            options.dsig.allow_legacy = true;
        } else if (option.rfind("untrusted:", 0) == 0) {
            options.dsig.extra_certificates.push_back(pki_cert(option.substr(10)));
        } else if (option.rfind("anchor:", 0) == 0) {
            options.dsig.trust.add(pki_cert(option.substr(7)));
            own_anchor = true;
        } else {
            ADD_FAILURE() << "unknown option " << option;
        }
    }
    if (!own_anchor) options.dsig.trust = test::pki_root_store();
    return options;
}

const report::Finding* find_code(const dsig::VerificationReport& report, const std::string& code) {
    for (const auto& f : report.findings)
        if (f.code == code) return &f;
    return nullptr;
}

void expect_codes(const dsig::VerificationReport& report, const std::string& spec) {
    for (const std::string& item : words(spec)) {
        if (item[0] == '!') {
            EXPECT_FALSE(has_code(report, item.substr(1))) << item << ": " << codes(report);
            continue;
        }
        const auto at = item.find('@');
        const report::Finding* finding = find_code(report, item.substr(0, at));
        ASSERT_NE(finding, nullptr) << item << " missing: " << codes(report);
        if (at != std::string::npos) {
            EXPECT_EQ(report::to_string(finding->severity), item.substr(at + 1)) << item;
        }
    }
}

TEST(XadesOthersVectors, EveryFileHasARowAndEveryRowAFile) {
    std::set<std::string> listed, present;
    for (const Row& row : rows()) listed.insert(row.file);
    for (const auto& entry : fs::directory_iterator(folder()))
        if (entry.path().extension() == ".xml") present.insert(entry.path().filename().string());
    EXPECT_GE(present.size(), 20u);
    EXPECT_EQ(listed, present) << "README table and folder content differ";
}

TEST(XadesOthersVectors, ReadmeExpectations) {
    const auto table = rows();
    ASSERT_GE(table.size(), 25u);
    for (const Row& row : table) {
        SCOPED_TRACE(row.file + " [" + row.options + "] (" + row.what + ")");
        const auto r = xades::Verifier(options_for(row.options)).verify(test::read_file(folder() / row.file));
        ASSERT_TRUE(r.has_value()) << r.error().to_string();
        const auto slash = row.expected.find('/');
        EXPECT_EQ(report::to_string(r->indication), row.expected.substr(0, slash)) << codes(*r);
        if (slash != std::string::npos) {
            EXPECT_EQ(report::to_string(r->sub_indication), row.expected.substr(slash + 1)) << codes(*r);
        }
        ASSERT_FALSE(r->signatures.empty());
        if (!row.level.empty()) {
            EXPECT_EQ(r->signatures.front().level, row.level) << codes(*r);
        }
        expect_codes(*r, row.codes);
    }
}

// The signer chosen among KeyInfo's certificates is the one SigningCertificateV2 names, and its
// path is the one reported.
TEST(XadesOthersVectors, ExtraCertificateDoesNotReplaceTheSigner) {
    for (const char* file : {"extra-cert-after-signer.xml", "extra-cert-before-signer.xml"}) {
        const auto r = xades::Verifier(options_for("-")).verify(test::read_file(folder() / file));
        ASSERT_TRUE(r.has_value());
        ASSERT_TRUE(r->signatures.at(0).signer.has_value()) << file;
        EXPECT_EQ(r->signatures[0].signer->sha256, pki_cert("rsa2048").sha256_hex()) << file;
        EXPECT_TRUE(r->signatures[0].signature_value_ok) << file;
    }
}

// A copied SignatureTimeStamp is reported as a failed time-stamp and proves nothing: the
// signature keeps its B-B verdict and no time-stamp time becomes its proof of existence.
TEST(XadesOthersVectors, CopiedTimeStampIsReportedNotUsed) {
    const auto r = xades::Verifier(options_for("-")).verify(test::read_file(folder() / "copied-signature-time-stamp.xml"));
    ASSERT_TRUE(r.has_value());
    const auto& sig = r->signatures.at(0);
    ASSERT_EQ(sig.timestamps.size(), 1u);
    EXPECT_EQ(sig.timestamps[0].indication, Indication::total_failed);
    EXPECT_EQ(sig.timestamps[0].sub_indication, SubIndication::hash_failure);
    EXPECT_EQ(sig.indication, Indication::total_passed) << codes(*r);
}

// KeyInfo is unsigned: pointers in it are followed a bounded number of times, never to another
// document. A chain of RetrievalMethods longer than the bound stops with a finding; the signer
// given by the caller still verifies the signature.
TEST(XadesOthersVectors, RetrievalMethodChainIsBounded) {
    std::string xml = test::read_file(folder() / "base-b-b.xml");
    const auto key_info_at = xml.find("<ds:KeyInfo>");
    const auto key_info_end = xml.find("</ds:KeyInfo>") + std::string("</ds:KeyInfo>").size();
    ASSERT_NE(key_info_at, std::string::npos);
    std::string chain = "<ds:KeyInfo><ds:RetrievalMethod URI=\"#hop-1\"/></ds:KeyInfo><ds:Object>";
    for (int i = 1; i <= 8; ++i)
        chain += "<ds:RetrievalMethod Id=\"hop-" + std::to_string(i) + "\" URI=\"#hop-" + std::to_string(i + 1) + "\"/>";
    chain += "<ds:X509Data Id=\"hop-9\"/></ds:Object>";
    xml.replace(key_info_at, key_info_end - key_info_at, chain);

    const auto lost = xades::Verifier(options_for("-")).verify(xml);
    ASSERT_TRUE(lost.has_value());
    EXPECT_EQ(lost->indication, Indication::indeterminate) << codes(*lost);
    const report::Finding* unresolved = find_code(*lost, "DSIG-KEYINFO-UNRESOLVED");
    ASSERT_NE(unresolved, nullptr) << codes(*lost);
    EXPECT_NE(unresolved->message.find("too many references in a chain"), std::string::npos) << unresolved->message;
    EXPECT_NE(unresolved->message_es.find("demasiadas referencias"), std::string::npos) << unresolved->message_es;

    const auto found = xades::Verifier(options_for("untrusted:rsa2048")).verify(xml);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->indication, Indication::total_passed) << codes(*found);
}

// The streaming path (large documents; plain XMLDSig over URI="") holds only the signature: a
// KeyInfo pointer to an element outside it hands the document to the DOM path, which finds it;
// a pointer inside the signature is served by the streaming path itself.
TEST(XadesOthersVectors, KeyInfoPointersOnTheStreamingPath) {
    for (const char* file : {"xmldsig-key-info-reference-outside.xml", "xmldsig-retrieval-method.xml"}) {
        dsig::VerifyOptions options = options_for("-").dsig;
        options.streaming_threshold_bytes = 1;  // every document takes the streaming path
        const auto r = dsig::Verifier(options).verify(test::read_file(folder() / file));
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(r->indication, Indication::total_passed) << file << ": " << codes(*r);
        EXPECT_FALSE(has_code(*r, "DSIG-KEYINFO-UNRESOLVED")) << file << ": " << codes(*r);
        EXPECT_EQ(r->streamed, std::string(file) == "xmldsig-retrieval-method.xml") << file;
    }
}

// An unrelated certificate the caller supplies never becomes the signer of a signature it did
// not make: the signed properties name rsa2048, and only its key verifies.
TEST(XadesOthersVectors, CallerCertificatesDoNotPickAnotherSigner) {
    const auto r = xades::Verifier(options_for("untrusted:rsa3072 untrusted:ec-p256"))
                       .verify(test::read_file(folder() / "extra-cert-only.xml"));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->indication, Indication::indeterminate) << codes(*r);
    EXPECT_EQ(r->sub_indication, SubIndication::no_signing_certificate_found) << codes(*r);
    EXPECT_FALSE(r->signatures.at(0).signature_value_ok);
}

// The Spanish texts of the new findings come from the catalogue (no English fallback).
TEST(XadesOthersVectors, NewFindingsHaveSpanishText) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"copied-signature-time-stamp.xml", "XADES-TS-IMPRINT"},
        {"countersignature-without-type.xml", "XADES-COUNTERSIG-TYPE-MISSING"},
        {"sha1-cert-digest.xml", "DSIG-ALG-LEGACY-REFUSED"},
        {"manifest-nested-object.xml", "XADES-OBJECT-WRAPPED"},
        {"retrieval-method-loop.xml", "DSIG-KEYINFO-UNRESOLVED"},
        {"signer-in-certificate-values.xml", "DSIG-SIGNER-IDENTIFIED"},
    };
    for (const auto& [file, code] : cases) {
        const auto r = xades::Verifier(options_for("-")).verify(test::read_file(folder() / file));
        ASSERT_TRUE(r.has_value());
        const report::Finding* f = find_code(*r, code);
        ASSERT_NE(f, nullptr) << file << ": " << codes(*r);
        EXPECT_TRUE(report::translate_message(f->code, f->message).has_value()) << file << ": " << f->message;
        EXPECT_NE(f->message_es, f->message) << file;
    }
}

}  // namespace
