// The message catalogue (istmo/report/messages.hpp): every finding code the sources can emit has
// an English and a Spanish text, every message form is well made, and the findings the library
// really makes on the test vectors all get their Spanish text from a form.
#include <istmo/invoice/panama.hpp>
#include <istmo/report/json.hpp>
#include <istmo/report/messages.hpp>
#include <istmo/tsa/timestamp.hpp>
#include <istmo/xades/xades.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>

namespace {

namespace fs = std::filesystem;
namespace report = istmo::report;

const fs::path k_root = ISTMO_SOURCE_DIR;

// Every string literal of src/, include/ and bindings/ that is a finding code of a known family.
std::map<std::string, std::string> code_literals_in_sources() {
    static const std::regex literal(R"re("((?:XML|DSIG|XADES|TSA|BATCH|FE|STREAM)(?:-[A-Z0-9]+)+)")re");
    std::map<std::string, std::string> found;  // code -> first file
    for (const char* top : {"src", "include", "bindings"}) {
        for (const auto& entry : fs::recursive_directory_iterator(k_root / top)) {
            const auto ext = entry.path().extension();
            if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp" && ext != ".h" && ext != ".c")) continue;
            if (entry.path().parent_path().filename() == "report" &&
                entry.path().filename().string().rfind("catalog_", 0) == 0)
                continue;  // the catalogue itself
            const std::string text = istmo::test::read_file(entry.path());
            for (std::sregex_iterator it(text.begin(), text.end(), literal), end; it != end; ++it)
                found.try_emplace((*it)[1].str(), fs::relative(entry.path(), k_root).string());
        }
    }
    return found;
}

TEST(MessageCatalog, EveryCodeInTheSourcesHasEnglishAndSpanish) {
    const auto codes = code_literals_in_sources();
    ASSERT_GT(codes.size(), 150u) << "the source scan found too few codes: is ISTMO_SOURCE_DIR right?";
    for (const auto& [code, file] : codes) {
        const report::CatalogEntry* entry = report::catalog_entry(code);
        ASSERT_NE(entry, nullptr) << code << " (" << file << ") is not in the message catalogue (src/report/catalog_*.cpp)";
        EXPECT_EQ(entry->code, code) << code << " (" << file << ") only matches the family " << entry->code;
        EXPECT_FALSE(entry->en.empty()) << code;
        EXPECT_FALSE(entry->es.empty()) << code;
        EXPECT_NE(entry->en, entry->es) << code << ": the Spanish text is the English one";
    }
}

TEST(MessageCatalog, EveryCatalogueCodeIsEmittedBySomeSource) {
    const auto codes = code_literals_in_sources();
    std::string previous;
    for (const auto& entry : report::finding_catalog()) {
        EXPECT_TRUE(codes.count(std::string(entry.code))) << entry.code << " is catalogued but no source emits it";
        EXPECT_LT(previous, entry.code) << "catalogue not sorted or duplicate code " << entry.code;
        previous = std::string(entry.code);
    }
}

// "{1}" -> "<p1>" etc.; {tN}/{sN} in es -> the Spanish of the sample phrase.
constexpr std::string_view k_phrase_en = "certificate has expired";
constexpr std::string_view k_phrase_es = "el certificado ha caducado";

std::string fill(std::string_view text, const std::set<int>& translated, bool spanish) {
    static const std::regex placeholder(R"(\{([ts]?)([0-9]+)\})");
    std::string out;
    std::string source(text);
    std::size_t last = 0;
    for (std::sregex_iterator it(source.begin(), source.end(), placeholder), end; it != end; ++it) {
        out += source.substr(last, static_cast<std::size_t>(it->position()) - last);
        const int n = std::stoi((*it)[2].str());
        if (translated.count(n)) out += spanish ? k_phrase_es : k_phrase_en;
        else out += "<p" + std::to_string(n) + ">";
        last = static_cast<std::size_t>(it->position() + it->length());
    }
    return out + source.substr(last);
}

std::map<int, std::string> params_of(std::string_view text) {
    static const std::regex placeholder(R"(\{([ts]?)([0-9]+)\})");
    std::map<int, std::string> out;
    std::string source(text);
    for (std::sregex_iterator it(source.begin(), source.end(), placeholder), end; it != end; ++it)
        out[std::stoi((*it)[2].str())] = (*it)[1].str();
    return out;
}

TEST(MessageCatalog, EveryFormTranslatesItsOwnMessage) {
    for (const auto& form : report::message_forms()) {
        const auto en = params_of(form.en);
        const auto es = params_of(form.es);
        EXPECT_FALSE(form.es.empty()) << form.en;
        EXPECT_EQ(en.size(), es.size()) << form.code << ": \"" << form.en << "\" and its Spanish use other parameters";
        std::set<int> translated;
        for (const auto& [n, flag] : es) {
            EXPECT_TRUE(en.count(n)) << form.code << ": {" << n << "} is not in \"" << form.en << "\"";
            if (!flag.empty()) translated.insert(n);
        }
        EXPECT_EQ(form.en.find("}{"), std::string_view::npos) << form.en << ": parameters need text between them";
        if (form.code.empty()) continue;  // phrases are checked through the forms quoting them
        EXPECT_NE(report::catalog_entry(form.code), nullptr) << form.code << " has forms but no meaning";
        const std::string message = fill(form.en, translated, false);
        const auto spanish = report::translate_message(form.code, message);
        ASSERT_TRUE(spanish) << form.code << ": \"" << message << "\" is not translated";
        EXPECT_EQ(*spanish, fill(form.es, translated, true)) << form.code << ": \"" << message
                                                            << "\" is taken by an earlier form";
    }
}

TEST(MessageCatalog, ParametersAreCarriedIntoTheSpanishText) {
    const auto es = report::translate_message(
        "DSIG-REF-DIGEST-MISMATCH", "the digest of Reference URI=\"#inv-1\" does not match: the signed data was changed");
    ASSERT_TRUE(es);
    EXPECT_EQ(*es, "el resumen de la Reference URI=\"#inv-1\" no coincide: los datos firmados fueron modificados");
    // A reason quoted from a lower layer is translated too, the certificate's name is kept.
    const auto expired = report::translate_message("DSIG-CERT-EXPIRED", "certificate has expired (CN=Vendedor S.A.)");
    ASSERT_TRUE(expired);
    EXPECT_EQ(*expired, "el certificado ha caducado (CN=Vendedor S.A.)");
    // A time-stamp's first error quoted inside a XAdES finding.
    const auto stamp = report::translate_message(
        "XADES-TS-INVALID", "SignatureTimeStamp: TSA-CERT-UNTRUSTED: no TSA trust anchors are configured, so the TSA cannot be trusted");
    ASSERT_TRUE(stamp);
    EXPECT_EQ(*stamp, "SignatureTimeStamp: TSA-CERT-UNTRUSTED: no hay anclas de confianza de TSA configuradas, así que no se "
                      "puede confiar en la TSA");
}

TEST(MessageCatalog, CommonOperationErrorsHaveSpanish) {
    EXPECT_EQ(report::translate_text("cannot decrypt the PEM private key: wrong password"),
              "no se puede descifrar la clave privada PEM: contraseña incorrecta");
    EXPECT_EQ(report::translate_text("cannot open /tmp/clave.pem"), "no se puede abrir /tmp/clave.pem");
    EXPECT_FALSE(report::translate_text("some text nobody catalogued"));
    // A form that matches any text is never used for a quoted text.
    EXPECT_FALSE(report::translate_text("x (y)"));
}

TEST(MessageCatalog, AnUnknownMessageGetsTheCodesMeaning) {
    report::Finding f{"DSIG-CERT-EXPIRED", report::Severity::error, "some reason OpenSSL may add one day", ""};
    EXPECT_FALSE(report::translate_message(f.code, f.message));
    EXPECT_EQ(report::message_es_for(f), "un certificado de la ruta había caducado");
    f = report::make_finding("BATCH-INTERNAL-PARSE_ERROR", report::Severity::error, "x");
    EXPECT_EQ(f.message_es, "el validador falló con esta entrada");
    EXPECT_EQ(report::message_es_for(report::Finding{"NOT-A-CODE", report::Severity::error, "x", ""}), "");
    // The JSON writer fills a missing Spanish text from the catalogue.
    report::JsonWriter w;
    report::write_finding(w, report::Finding{"DSIG-NO-SIGNATURE", report::Severity::error,
                                             "the document holds no ds:Signature", ""});
    EXPECT_NE(w.text().find("\"message_es\":\"el documento no contiene ninguna ds:Signature\""), std::string::npos)
        << w.text();
}

// Every finding the library makes on the test vectors matches one of its code's forms.
void expect_translated(const std::vector<report::Finding>& findings, const std::string& where, int& count) {
    for (const auto& f : findings) {
        ++count;
        EXPECT_FALSE(f.message_es.empty()) << where << ": " << f.code << " has no Spanish text";
        if (f.code.rfind("FE-", 0) == 0) continue;  // invoice findings carry their own Spanish text
        EXPECT_TRUE(report::translate_message(f.code, f.message))
            << where << ": " << f.code << " \"" << f.message << "\" matches no form of the catalogue";
    }
}

void expect_translated(const istmo::dsig::VerificationReport& r, const std::string& where, int& count) {
    expect_translated(r.findings, where, count);
    for (const auto& s : r.signatures) {
        expect_translated(s.findings, where, count);
        for (const auto& t : s.timestamps) expect_translated(t.findings, where, count);
    }
}

TEST(MessageCatalog, FindingsOnTheTestVectorsAreAllTranslated) {
    const istmo::xades::Verifier verifier;
    istmo::invoice::panama::ValidateOptions invoice_options;
    const istmo::invoice::panama::InvoiceValidator invoices(invoice_options);
    int documents = 0, findings = 0;
    for (const auto& entry : fs::recursive_directory_iterator(k_root / "test-vectors")) {
        if (!entry.is_regular_file() || entry.path().extension() != ".xml") continue;
        const std::string xml = istmo::test::read_file(entry.path());
        const std::string where = fs::relative(entry.path(), k_root).string();
        ++documents;
        if (auto r = verifier.verify(xml)) expect_translated(*r, where, findings);
        if (entry.path().string().find("panama") == std::string::npos) continue;
        if (auto r = invoices.validate(xml)) {
            expect_translated(r->findings, where, findings);
            if (r->signature) expect_translated(*r->signature, where, findings);
        }
    }
    for (const auto& entry : fs::recursive_directory_iterator(k_root / "test-vectors")) {
        const auto ext = entry.path().extension();
        if (!entry.is_regular_file() || (ext != ".tsr" && ext != ".tst" && ext != ".der")) continue;
        const auto bytes = istmo::test::read_bytes(entry.path());
        const auto v = istmo::tsa::verify_response_or_token(bytes, {}, {});
        expect_translated(v.findings, fs::relative(entry.path(), k_root).string(), findings);
        ++documents;
    }
    EXPECT_GT(documents, 100);
    EXPECT_GT(findings, 100);
}

}  // namespace
