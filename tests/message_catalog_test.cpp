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

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

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

// ---- Operation errors: every message src/ writes with make_error (or a helper that calls it),
// and every message of the C API's own checks, has a Spanish phrase (src/report/catalog_errors.cpp)

// A function that builds an Error's message: the argument that carries the message, the text the
// helper writes around it ("{}" is the argument) and, for a common name, the only file it is in.
struct ErrorMaker {
    std::string_view name;
    std::size_t message_arg;
    std::string_view around;
    std::string_view file;
};

constexpr ErrorMaker k_error_makers[] = {
    {"make_error", 1, "{}", ""},
    {"openssl_error", 1, "{}", ""},
    {"rv_error", 1, "{}", ""},
    {"fail", 1, "{}", "http_client.cpp"},
    {"fail", 1, "{}", "c14n_dom.cpp"},
    {"fail", 0, "JSON: {} at line 3, column 9", "json_reader.cpp"},
    {"uri_error", 0, "PKCS#11 URI: {}", ""},
    {"bad_base64", 0, "{} at offset 7", ""},
    {"io_error", 0, "{} '/srv/lote/resultados.jsonl'", "results_file.cpp"},
    {"bad_ruc", 1, "RUC '8-1-2': {}", ""},
    {"field_error", 1, "CUFE field dRuc must be {}", ""},
    {"json_error", 1, "{} (JSON line 3, column 9)", ""},
    {"state_error", 0, "not a usable pending signature state: {}", ""},
    {"no_rfe", 0, "no rFE in namespace http://dgi-fep.mef.gob.pa inside {}", ""},
    {"limit_error", 0, "XML limit exceeded: {} (limit 10)", ""},
    {"guarded", 0, "{}: out of memory", ""},
    {"set_error", 2, "{}", "istmo_c.cpp"},
};

// Messages that need no phrase of their own, each with the reason.
const std::map<std::string, std::string>& untranslated_allowed() {
    static const std::map<std::string, std::string> allowed = {
        {"{1}/xFe", "an element path inside a no_rfe message, no words"},
        {"{1}{2}", "rv_error's body: its callers' texts and the reasons appended are checked"},
        {"{1} '{2}'", "io_error's body: its callers are checked with a path"},
        {"{1}: {2}", "a TSA URL and a time-stamp finding 'CODE: message' (tsa/client.cpp): checked below"},
    };
    return allowed;
}

// The text of the C++ string literal starting at text[at] (a quote); `end` is set past it.
std::string read_literal(std::string_view text, std::size_t at, std::size_t& end) {
    std::string out;
    std::size_t i = at + 1;
    for (; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] != '\\' || i + 1 >= text.size()) {
            out += text[i];
            continue;
        }
        const char c = text[++i];
        out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
    }
    end = i + 1;
    return out;
}

// Skips a string or character literal or a comment at text[i]; false when there is none.
bool skip_token(std::string_view text, std::size_t& i) {
    if (text[i] == '"') {
        read_literal(text, i, i);
        return true;
    }
    if (text[i] == '\'') {
        for (++i; i < text.size() && text[i] != '\''; ++i)
            if (text[i] == '\\') ++i;
        ++i;
        return true;
    }
    if (text.substr(i, 2) == "//") {
        i = text.find('\n', i);
        if (i == std::string_view::npos) i = text.size();
        return true;
    }
    return false;
}

// The arguments of the call whose '(' is at text[open], split at the commas of depth 0.
std::vector<std::string> call_arguments(std::string_view text, std::size_t open) {
    std::vector<std::string> args(1);
    int depth = 0;
    for (std::size_t i = open + 1; i < text.size();) {
        const std::size_t start = i;
        if (skip_token(text, i)) {
            args.back() += text.substr(start, i - start);
            continue;
        }
        const char c = text[i++];
        if (c == '(' || c == '[' || c == '{') ++depth;
        if (c == ')' || c == ']' || c == '}') {
            if (depth-- == 0) return args;
        }
        if (c == ',' && depth == 0) {
            args.emplace_back();
            continue;
        }
        args.back() += c;
    }
    return args;
}

std::string trimmed(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\n");
    if (b == std::string_view::npos) return {};
    return std::string(s.substr(b, s.find_last_not_of(" \t\n") + 1 - b));
}

// `expr` split at `sep` where it stands at depth 0 outside literals ("::" never splits at ':').
std::vector<std::string> split_top(std::string_view expr, char sep) {
    std::vector<std::string> parts(1);
    int depth = 0;
    for (std::size_t i = 0; i < expr.size();) {
        const std::size_t start = i;
        if (skip_token(expr, i)) {
            parts.back() += expr.substr(start, i - start);
            continue;
        }
        const char c = expr[i++];
        if (c == '(' || c == '[' || c == '{') ++depth;
        if (c == ')' || c == ']' || c == '}') --depth;
        const bool scope = c == ':' && ((i < expr.size() && expr[i] == ':') || (i >= 2 && expr[i - 2] == ':'));
        if (c == sep && depth == 0 && !scope) {
            parts.emplace_back();
            continue;
        }
        parts.back() += c;
    }
    for (auto& p : parts) p = trimmed(p);
    return parts;
}

// A message expression as template texts: literals kept, anything else a parameter "{n}"; a
// conditional (a ? "x" : "y") gives one text per branch. Empty when the expression has no literal
// (a message passed on, checked where it is made).
struct Shape {
    std::string text;
    bool has_literal = false;
};

std::vector<Shape> shapes_of_raw(const std::string& expr);

std::vector<Shape> shapes_of_term(const std::string& term) {
    std::size_t i = 0;
    std::string literal;
    while (i < term.size() && term[i] == '"') {
        literal += read_literal(term, i, i);
        while (i < term.size() && std::isspace(static_cast<unsigned char>(term[i]))) ++i;
    }
    if (i > 0 && i == term.size()) return {Shape{literal, true}};
    for (std::string_view wrap : {"std::string(", "std::string_view(", "("}) {
        if (term.rfind(wrap, 0) == 0 && term.back() == ')') {
            auto inner = shapes_of_raw(term.substr(wrap.size(), term.size() - wrap.size() - 1));
            bool any = false;
            for (const auto& s : inner) any = any || s.has_literal;
            if (any) return inner;
        }
    }
    if (term.empty() || term == "std::string()" || term == "std::string{}" || term == "{}") return {Shape{}};
    return {Shape{"\x01", false}};  // a parameter, numbered later
}

// The shapes with "\x01" for each parameter.
std::vector<Shape> shapes_of_raw(const std::string& expr) {
    if (const auto ask = split_top(expr, '?'); ask.size() == 2) {
        const auto branches = split_top(ask[1], ':');
        std::vector<Shape> out;
        for (const auto& b : branches) {
            auto more = shapes_of_raw(b);
            out.insert(out.end(), more.begin(), more.end());
        }
        return out;
    }
    std::vector<Shape> out{Shape{}};
    for (const auto& term : split_top(expr, '+')) {
        std::vector<Shape> next;
        for (const auto& left : out)
            for (const auto& right : shapes_of_term(term))
                next.push_back(Shape{left.text + right.text, left.has_literal || right.has_literal});
        out = std::move(next);
    }
    return out;
}

std::vector<Shape> shapes_of(const std::string& expr) {
    std::vector<Shape> out = shapes_of_raw(expr);
    for (auto& s : out) {  // number the parameters
        int n = 0;
        std::string numbered;
        for (char c : s.text) numbered += c == '\x01' ? "{" + std::to_string(++n) + "}" : std::string(1, c);
        s.text = numbered;
    }
    return out;
}

// "{1}" -> "x1" ...: the message as a user could meet it.
std::string sample_of(const std::string& shape) {
    static const std::regex placeholder(R"(\{([0-9]+)\})");
    return std::regex_replace(shape, placeholder, "x$1");
}

// Literal runs of a shape that are English prose (two words of three letters or more).
std::vector<std::string> prose_runs(const std::string& shape) {
    static const std::regex placeholder(R"(\{[0-9]+\})");
    static const std::regex word(R"(\b[a-z]{3,}\b)");
    std::vector<std::string> runs;
    std::sregex_token_iterator it(shape.begin(), shape.end(), placeholder, -1), end;
    for (; it != end; ++it) {
        const std::string run = it->str();
        const auto words = std::distance(std::sregex_iterator(run.begin(), run.end(), word), std::sregex_iterator());
        if (words >= 2) runs.push_back(trimmed(run));
    }
    return runs;
}

struct ErrorMessage {
    std::string shape;  // "cannot open {1}"
    std::string where;  // file:line
    std::string around;
};

std::vector<ErrorMessage> error_messages_in_sources() {
    std::vector<ErrorMessage> found;
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(k_root / "src")) files.push_back(entry.path());
    files.push_back(k_root / "bindings" / "c" / "istmo_c.cpp");  // the C API's own messages
    for (const fs::path& path : files) {
        const auto ext = path.extension();
        if (!fs::is_regular_file(path) || (ext != ".cpp" && ext != ".hpp")) continue;
        const std::string text = istmo::test::read_file(path);
        const std::string file = path.filename().string();
        for (const ErrorMaker& maker : k_error_makers) {
            if (!maker.file.empty() && file != maker.file) continue;
            const std::regex call("\\b" + std::string(maker.name) + "\\s*\\(");
            for (std::sregex_iterator it(text.begin(), text.end(), call), end; it != end; ++it) {
                const auto at = static_cast<std::size_t>(it->position());
                const std::string before = text.substr(at >= 40 ? at - 40 : 0, at >= 40 ? 40 : at);
                if (std::regex_search(before, std::regex(R"((Error|void|bool|auto|int)\s+$)"))) continue;  // a definition
                if (at > 0 && (text[at - 1] == '.' || text[at - 1] == '>')) continue;  // another class's member
                const auto args = call_arguments(text, at + static_cast<std::size_t>(it->length()) - 1);
                if (args.size() <= maker.message_arg) continue;
                const std::string where = fs::relative(path, k_root).string() + ":" +
                                          std::to_string(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n') + 1);
                for (const auto& shape : shapes_of(trimmed(args[maker.message_arg])))
                    if (shape.has_literal) found.push_back({shape.text, where, std::string(maker.around)});
            }
        }
    }
    return found;
}

TEST(MessageCatalog, EveryOperationErrorOfTheSourcesHasSpanish) {
    const auto messages = error_messages_in_sources();
    ASSERT_GT(messages.size(), 250u) << "the source scan found too few error messages";
    std::set<std::string> shapes;
    for (const auto& m : messages) {
        if (untranslated_allowed().count(m.shape) || m.shape.empty()) continue;
        const std::string inner = sample_of(m.shape);
        std::string full(m.around);
        full.replace(full.find("{}"), 2, inner);
        shapes.insert(m.shape);
        const auto spanish = report::translate_text(full);
        if (!spanish) {
            ADD_FAILURE() << m.where << ": the error message \"" << full
                          << "\" has no Spanish phrase (src/report/catalog_errors.cpp)";
            continue;
        }
        for (const auto& run : prose_runs(m.shape))
            EXPECT_EQ(spanish->find(run), std::string::npos)
                << m.where << ": \"" << full << "\" keeps the English \"" << run << "\" in Spanish: " << *spanish;
    }
    EXPECT_GT(shapes.size(), 250u);
}

TEST(MessageCatalog, OperationErrorsQuotingOtherTextsTranslateThem) {
    EXPECT_EQ(report::translate_text("https://tsa.example/ts: TSA-STATUS-REJECTED: the TSA rejected the request"),
              "https://tsa.example/ts: TSA-STATUS-REJECTED: la TSA rechazó la solicitud");
    EXPECT_EQ(report::translate_text("rFE/gDGen/dFechaEm: expected a string or a number, got array (JSON line 4, column 17)"),
              "rFE/gDGen/dFechaEm: se esperaba una cadena o un número, se recibió un arreglo (JSON, línea 4, columna 17)");
    EXPECT_EQ(report::translate_text("RUC '8-AV-1': expected 3 parts separated by '-' (or 4 for NT)"),
              "RUC '8-AV-1': se esperan 3 partes separadas por '-' (o 4 para NT)");
    EXPECT_EQ(report::translate_text("cannot log in to the token: wrong PIN"),
              "no se puede iniciar sesión en el token: PIN incorrecto");
    EXPECT_EQ(report::translate_text("no rFE in namespace http://dgi-fep.mef.gob.pa inside SOAP 1.2 Envelope (no Body)"),
              "no hay ningún rFE en el espacio de nombres http://dgi-fep.mef.gob.pa dentro de un Envelope SOAP 1.2 sin Body");
    EXPECT_EQ(report::translate_text("cannot open the results file '/tmp/r.jsonl'"),
              "no se puede abrir el archivo de resultados '/tmp/r.jsonl'");
    // A loader's path in parentheses stays as it is.
    EXPECT_EQ(report::translate_text("not a DER certificate (/tmp/c.der)"), "no es un certificado DER (/tmp/c.der)");
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
