// Batch validation: generated corpora of signed Panama invoices with broken, empty, binary,
// oversized, deeply nested and unreadable inputs among them; exactly one result per input; the
// NDJSON results file; resume after SIGKILL (CLI).
#include <istmo/batch/batch.hpp>
#include <istmo/crypto/keys.hpp>
#include <istmo/crypto/revocation.hpp>
#include <istmo/crypto/validator.hpp>
#include <istmo/invoice/panama.hpp>

#include "test_support.hpp"
#include "test_support/collecting_sink.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define ISTMO_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ISTMO_TEST_UNDER_ASAN 1
#endif
#endif

namespace {

using namespace istmo;
namespace pa = istmo::invoice::panama;

// The corpus sizes of the issue (10,000 documents) run in the normal build. The sanitizer run
// (scripts/sanitize.sh, 5-20x slower) is there to find memory errors and uses a fifth of each
// corpus, same mix, same checks.
#ifdef ISTMO_TEST_UNDER_ASAN
constexpr int k_corpus_divisor = 5;
#else
constexpr int k_corpus_divisor = 1;
#endif
namespace fs = std::filesystem;
using report::Indication;

dsig::Signer make_test_signer(const std::string& name) {
    auto key = crypto::PrivateKey::from_file((test::vectors_dir() / "pki" / (name + ".key.pem")).string());
    auto cert = crypto::Certificate::from_file((test::vectors_dir() / "pki" / (name + ".cert.pem")).string());
    EXPECT_TRUE(key.has_value() && cert.has_value());
    auto signer = pa::make_signer(std::move(*key), std::move(*cert));
    EXPECT_TRUE(signer.has_value());
    return std::move(*signer);
}

crypto::TrustStore test_trust() {
    crypto::TrustStore t;
    EXPECT_TRUE(t.add_file((test::vectors_dir() / "pki" / "chain.pem").string()).has_value());
    return t;
}

// The unsigned invoice number n (distinct dNroDF, hence a distinct CUFE).
std::string unsigned_invoice(int n) {
    static const std::string json = test::read_file(test::vectors_dir() / "panama-fe" / "json" / "01-factura.json");
    const std::string from = "\"dNroDF\": \"0000000001\"";
    char number[32];
    std::snprintf(number, sizeof number, "\"dNroDF\": \"%010d\"", n + 1);
    std::string text = json;
    const auto pos = text.find(from);
    EXPECT_NE(pos, std::string::npos);
    text.replace(pos, from.size(), number);
    auto inv = pa::from_json(text);
    EXPECT_TRUE(inv.has_value()) << inv.error().to_string();
    return pa::to_xml(*inv);
}

// With gNoFirm/dQRCode (rFE requires it; it is outside the signature) unless with_qr is false.
std::string signed_invoice(const dsig::Signer& signer, int n, bool with_qr = true) {
    pa::QrOptions qr;
    if (with_qr) qr.secret = crypto::Secret("istmo-test-qr-secret");
    auto s = pa::sign(signer, unsigned_invoice(n), qr);
    EXPECT_TRUE(s.has_value()) << s.error().to_string();
    return *s;
}

struct Expected {
    Indication indication = Indication::total_passed;
    std::string code;  // a code that must be among the result's codes ("" = none required)
};

struct Corpus {
    std::map<std::string, Expected> expected;  // by source path
    std::size_t passed = 0, failed = 0, indeterminate = 0;
};

constexpr std::size_t k_max_size = 8u * 1024 * 1024;

// n documents in dir (two sub-directories), about 5 % of them broken in assorted ways, plus a
// zero-byte, a binary, a 50 MB (oversized for k_max_size), a deeply nested and a dangling input.
Corpus make_corpus(const fs::path& dir, int n) {
    const dsig::Signer good = make_test_signer("rsa2048");
    const dsig::Signer untrusted = make_test_signer("untrusted");
    Corpus c;
    fs::create_directories(dir / "a");
    fs::create_directories(dir / "b" / "deep");
    const auto add = [&](const fs::path& path, const std::string& content, Indication ind, std::string code) {
        test::write_file(path, content);
        c.expected[path.string()] = Expected{ind, std::move(code)};
        switch (ind) {
            case Indication::total_passed: ++c.passed; break;
            case Indication::total_failed: ++c.failed; break;
            case Indication::indeterminate: ++c.indeterminate; break;
        }
    };
    for (int i = 0; i < n; ++i) {
        const fs::path path = dir / (i % 2 ? "a" : "b/deep") / ("inv-" + std::to_string(i) + ".xml");
        switch (i % 100) {
            case 7: {  // signed content changed after signing
                std::string x = signed_invoice(good, i);
                x.replace(x.find("Istmo Pruebas"), 13, "Istmo Pruebaz");
                add(path, x, Indication::total_failed, "FE-SIG-INVALID");
                break;
            }
            case 19: {  // truncated in the middle
                const std::string x = signed_invoice(good, i);
                add(path, x.substr(0, x.size() / 2), Indication::total_failed, "FE-XML-MALFORMED");
                break;
            }
            case 33:  // not signed at all
                add(path, unsigned_invoice(i), Indication::total_failed, "");
                break;
            case 58:  // signed by a certificate outside the trusted PKI
                add(path, signed_invoice(untrusted, i), Indication::indeterminate, "");
                break;
            case 91: {  // an amount changed after signing: arithmetic and signature
                std::string x = signed_invoice(good, i);
                const auto pos = x.find("<dVTot>");
                x.replace(pos + 7, 1, x[pos + 7] == '9' ? "8" : "9");
                add(path, x, Indication::total_failed, "FE-CALC-VTOT");
                break;
            }
            default:
                add(path, signed_invoice(good, i), Indication::total_passed, "");
        }
    }
    add(dir / "a" / "zero.xml", "", Indication::total_failed, std::string(batch::k_code_empty));
    std::string binary;
    for (int i = 0; i < 4096; ++i) binary.push_back(static_cast<char>((i * 37 + 11) % 256));
    add(dir / "a" / "binary.bin", binary, Indication::total_failed, std::string(batch::k_code_not_xml));
    std::string big = "<rFE xmlns=\"http://dgi-fep.mef.gob.pa\"><dVerForm>";
    big.append(50u * 1024 * 1024, 'x');
    big += "</dVerForm></rFE>";
    add(dir / "b" / "big.xml", big, Indication::total_failed, std::string(batch::k_code_too_large));
    std::string nested;
    for (int i = 0; i < 100000; ++i) nested += "<a>";
    for (int i = 0; i < 100000; ++i) nested += "</a>";
    add(dir / "b" / "nested.xml", nested, Indication::total_failed, "");
    add(dir / "b" / "not-xml.txt", "just some text, no markup", Indication::total_failed, std::string(batch::k_code_not_xml));
    fs::create_symlink(dir / "does-not-exist.xml", dir / "a" / "dangling.xml");
    c.expected[(dir / "a" / "dangling.xml").string()] = Expected{Indication::total_failed, std::string(batch::k_code_not_found)};
    ++c.failed;
    return c;
}

using test::CollectingSink;

std::vector<std::string> lines_of(const std::string& path) {
    std::vector<std::string> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

batch::Options corpus_options(unsigned jobs) {
    batch::Options o;
    o.jobs = jobs;
    o.max_size = k_max_size;
    o.verify.trust = test_trust();
    return o;
}

void expect_matches(const Corpus& corpus, const std::vector<batch::DocumentResult>& results) {
    ASSERT_EQ(results.size(), corpus.expected.size());
    std::set<std::string> seen;
    std::size_t passed = 0, failed = 0, indeterminate = 0;
    for (const auto& r : results) {
        EXPECT_TRUE(seen.insert(r.source).second) << "duplicate " << r.source;
        auto it = corpus.expected.find(r.source);
        ASSERT_NE(it, corpus.expected.end()) << "unexpected source " << r.source;
        EXPECT_EQ(r.indication, it->second.indication) << r.to_ndjson();
        if (!it->second.code.empty()) {
            EXPECT_NE(std::find(r.codes.begin(), r.codes.end(), it->second.code), r.codes.end())
                << it->second.code << " missing: " << r.to_ndjson();
        }
        if (r.indication != Indication::total_passed) {
            EXPECT_FALSE(r.codes.empty()) << r.to_ndjson();
        }
        if (r.source.find("dangling") == std::string::npos) {
            EXPECT_EQ(r.sha256.size(), 64u) << r.to_ndjson();
        }
        passed += r.indication == Indication::total_passed;
        failed += r.indication == Indication::total_failed;
        indeterminate += r.indication == Indication::indeterminate;
    }
    EXPECT_EQ(passed, corpus.passed);
    EXPECT_EQ(failed, corpus.failed);
    EXPECT_EQ(indeterminate, corpus.indeterminate);
}

// dsig::VerifyOptions::certificate_validator: one CertificateValidator (its path cache) serves
// every profile of a batch and every worker of run(). The invoices are distinct documents signed
// by the same certificate, so their paths are one cache entry: each worker misses it at most
// once, then every check is a hit, whatever the profile.
TEST(BatchValidate, OneCertificateValidatorServesEveryProfileAndWorker) {
    auto checker = crypto::RevocationChecker::create(crypto::RevocationOptions{});
    ASSERT_TRUE(checker.has_value()) << checker.error().to_string();
    crypto::ValidatorOptions vo;
    vo.trust = test_trust();
    vo.status_source = *checker;
    const auto shared = std::make_shared<const crypto::CertificateValidator>(std::move(vo));
    const dsig::Signer signer = make_test_signer("rsa2048");
    const std::string first = signed_invoice(signer, 1);

    std::uint64_t checks = 0;
    // (xmldsig is no profile for an rFE: its QR element lies outside the signature.)
    for (const batch::Profile profile : {batch::Profile::panama_fe, batch::Profile::automatic}) {
        batch::Options o;
        o.profile = profile;
        o.verify.certificate_validator = shared;  // no trust of its own: the validator's
        const batch::Validator validator(o);
        const batch::DocumentResult r = validator.validate("first.xml", first);
        EXPECT_EQ(r.indication, Indication::total_passed) << batch::to_string(profile) << ": " << r.to_ndjson();
        ++checks;
    }
    auto stats = shared->cache_stats();
    EXPECT_EQ(stats.path_misses, 1u);
    EXPECT_EQ(stats.path_hits, checks - 1);

    std::vector<std::string> docs;
    for (int i = 0; i < 24; ++i) docs.push_back(signed_invoice(signer, 100 + i));
    struct Documents final : batch::Source {
        const std::vector<std::string>& docs;
        std::size_t at = 0;
        explicit Documents(const std::vector<std::string>& d) : docs(d) {}
        std::optional<batch::Input> next() override {
            if (at == docs.size()) return std::nullopt;
            ++at;
            return batch::Input{"doc-" + std::to_string(at), docs[at - 1], {}, {}};
        }
    } documents(docs);
    batch::Options o;
    o.profile = batch::Profile::automatic;
    o.jobs = 3;
    o.verify.certificate_validator = shared;
    CollectingSink sink;
    auto summary = batch::Validator(o).run(documents, sink);
    ASSERT_TRUE(summary.has_value()) << summary.error().to_string();
    EXPECT_EQ(summary->passed, 24u);
    stats = shared->cache_stats();
    EXPECT_EQ(stats.path_misses + stats.path_hits, checks + 24);
    EXPECT_LE(stats.path_misses, 1u + 3u);  // a worker that started before the entry was made
}

// A validator given without a status source would check no status, silently: every signature
// says so and nothing passes.
TEST(BatchValidate, CertificateValidatorWithoutStatusSourceIsNeverPassed) {
    crypto::ValidatorOptions vo;
    vo.trust = test_trust();
    batch::Options o;
    o.profile = batch::Profile::panama_fe;
    o.verify.certificate_validator = std::make_shared<const crypto::CertificateValidator>(std::move(vo));
    const batch::DocumentResult r = batch::Validator(o).validate("doc.xml", signed_invoice(make_test_signer("rsa2048"), 2));
    EXPECT_EQ(r.indication, Indication::indeterminate) << r.to_ndjson();
    EXPECT_NE(std::find(r.codes.begin(), r.codes.end(), "DSIG-CERT-REVOCATION-UNAVAILABLE"), r.codes.end()) << r.to_ndjson();
}

TEST(BatchValidate, CorpusOfSignedInvoicesGivesExactlyOneRightResultPerInput) {
    test::TempDir dir;
    const int n = 10000 / k_corpus_divisor;
    if (k_corpus_divisor > 1) std::cout << "[ sanitizer build: " << n << " signed invoices instead of 10000 ]\n";
    const Corpus corpus = make_corpus(dir.path() / "corpus", n);
    const std::size_t inputs = static_cast<std::size_t>(n) + 6;  // + the hostile and broken files
    ASSERT_EQ(corpus.expected.size(), inputs);
    const batch::Validator validator(corpus_options(2));
    auto source = batch::paths_source({(dir.path() / "corpus").string()});
    EXPECT_EQ(source->count(), std::optional<std::size_t>(inputs));
    CollectingSink sink;
    auto summary = validator.run(*source, sink);
    ASSERT_TRUE(summary.has_value()) << summary.error().to_string();
    expect_matches(corpus, sink.results);
    EXPECT_EQ(summary->total, inputs);
    EXPECT_EQ(summary->passed, corpus.passed);
    EXPECT_EQ(summary->failed, corpus.failed);
    EXPECT_EQ(summary->indeterminate, corpus.indeterminate);
    EXPECT_EQ(summary->skipped, 0u);
    EXPECT_GE(summary->codes["FE-SIG-INVALID"], static_cast<std::size_t>(n / 100));
    // The invoices carry their CUFE.
    for (const auto& r : sink.results)
        if (r.indication == Indication::total_passed) {
            ASSERT_EQ(r.cufe.substr(0, 4), "FE01") << r.to_ndjson();
        }
}

TEST(BatchValidate, ResumeSkipsRecordedInputsAndValidatesTheRest) {
    test::TempDir dir;
    const Corpus corpus = make_corpus(dir.path() / "corpus", 300);
    const batch::Validator first(corpus_options(2));
    CollectingSink all;
    auto source = batch::paths_source({(dir.path() / "corpus").string()});
    ASSERT_TRUE(first.run(*source, all).has_value());
    ASSERT_EQ(all.results.size(), corpus.expected.size());

    // Pretend the first 100 were recorded, and one of them changed since (other sha256).
    batch::ResumeState state;
    for (std::size_t i = 0; i < 100; ++i)
        state.by_source[all.results[i].source] = {i == 5 ? std::string(64, '0') : all.results[i].sha256,
                                                  all.results[i].indication, i + 1};
    batch::Options o = corpus_options(2);
    o.already_done = [&state](const std::string& s, const std::string& sha) { return state.contains(s, sha); };
    const batch::Validator second(std::move(o));
    CollectingSink rest;
    auto again = batch::paths_source({(dir.path() / "corpus").string()});
    auto summary = second.run(*again, rest);
    ASSERT_TRUE(summary.has_value());
    EXPECT_EQ(rest.skipped_sources.size(), 99u);
    EXPECT_EQ(rest.results.size(), corpus.expected.size() - 99);
    EXPECT_EQ(summary->skipped, 99u);
    EXPECT_EQ(summary->total, corpus.expected.size());
}

TEST(BatchValidate, NdjsonStreamOfBase64Documents) {
    const dsig::Signer signer = make_test_signer("rsa2048");
    const std::string doc = signed_invoice(signer, 7);
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string b64;
    for (std::size_t i = 0; i < doc.size(); i += 3) {
        const auto b0 = static_cast<unsigned char>(doc[i]);
        const auto b1 = i + 1 < doc.size() ? static_cast<unsigned char>(doc[i + 1]) : 0u;
        const auto b2 = i + 2 < doc.size() ? static_cast<unsigned char>(doc[i + 2]) : 0u;
        const unsigned v = (b0 << 16) | (b1 << 8) | b2;
        b64 += alphabet[(v >> 18) & 63];
        b64 += alphabet[(v >> 12) & 63];
        b64 += i + 1 < doc.size() ? alphabet[(v >> 6) & 63] : '=';
        b64 += i + 2 < doc.size() ? alphabet[v & 63] : '=';
    }
    std::istringstream in("{\"source\":\"inv-7\",\"base64\":\"" + b64 + "\"}\n" +
                          "\n"
                          "{\"base64\":\"" + b64 + "\"}\n" +
                          "not json at all\n"
                          "{\"source\":\"bad\",\"base64\":\"@@@\"}\n"
                          "{\"source\":\"empty\",\"base64\":\"\"}\n"
                          "{\"source\":\"nodata\"}\n");
    auto source = batch::ndjson_source(in, "stream");
    CollectingSink sink;
    const batch::Validator validator(corpus_options(2));
    auto summary = validator.run(*source, sink);
    ASSERT_TRUE(summary.has_value());
    ASSERT_EQ(sink.results.size(), 6u);
    std::map<std::string, batch::DocumentResult> by;
    for (auto& r : sink.results) by[r.source] = r;
    ASSERT_EQ(by.size(), 6u);
    EXPECT_EQ(by["inv-7"].indication, Indication::total_passed) << by["inv-7"].to_ndjson();
    EXPECT_EQ(by["inv-7"].profile, "panama-fe");
    EXPECT_EQ(by["stream:3"].indication, Indication::total_passed) << by["stream:3"].to_ndjson();
    EXPECT_EQ(by["stream:4"].codes, std::vector<std::string>{std::string(batch::k_code_bad_json)});
    EXPECT_EQ(by["bad"].codes, std::vector<std::string>{std::string(batch::k_code_bad_base64)});
    EXPECT_EQ(by["empty"].codes, std::vector<std::string>{std::string(batch::k_code_empty)});
    EXPECT_EQ(by["nodata"].codes, std::vector<std::string>{std::string(batch::k_code_bad_json)});
}

TEST(BatchValidate, ProfilesAndHostileInputs) {
    const dsig::Signer signer = make_test_signer("rsa2048");
    const std::string inv = signed_invoice(signer, 3, false);  // plain XMLDSig: nothing after signing
    batch::Options o = corpus_options(1);
    o.profile = batch::Profile::xmldsig;
    const batch::Validator xmldsig(o);
    auto r = xmldsig.validate("x", inv);
    EXPECT_EQ(r.indication, Indication::total_passed) << r.to_ndjson();
    EXPECT_EQ(r.profile, "xmldsig");
    EXPECT_TRUE(r.cufe.empty());
    o.profile = batch::Profile::xades;
    const batch::Validator xades(o);
    r = xades.validate("x", inv);  // a plain XMLDSig signature is not XAdES
    EXPECT_EQ(r.indication, Indication::total_failed) << r.to_ndjson();
    EXPECT_NE(std::find(r.codes.begin(), r.codes.end(), std::string(batch::k_code_not_xades)), r.codes.end());
    // Hostile: entity declarations ("billion laughs") and a DOCTYPE; never a crash, always failed.
    const batch::Validator automatic(corpus_options(1));
    r = automatic.validate("lol", "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><r>&b;</r>");
    EXPECT_EQ(r.indication, Indication::total_failed) << r.to_ndjson();
    EXPECT_FALSE(r.codes.empty());
    r = automatic.validate("utf16", std::string("\xFF\xFE<\0r\0/\0>\0", 10));
    EXPECT_NE(r.indication, Indication::total_passed);
    EXPECT_EQ(batch::parse_profile("panama-fe"), batch::Profile::panama_fe);
    EXPECT_EQ(batch::parse_profile("auto"), batch::Profile::automatic);
    EXPECT_FALSE(batch::parse_profile("pdf").has_value());
}

TEST(BatchValidate, ResultLinesRoundTripAndResumeRepairsTheFile) {
    batch::DocumentResult r;
    r.source = "dir/\"quoted\" \xC3\xB1.xml";
    r.sha256 = std::string(64, 'a');
    r.indication = Indication::indeterminate;
    r.sub_indication = report::SubIndication::no_certificate_chain_found;
    r.codes = {"DSIG-CERT-NO-CHAIN", "FE-X"};
    r.ms = 1.25;
    const std::string line = r.to_ndjson();
    EXPECT_EQ(line.find('\n'), std::string::npos);
    auto back = batch::parse_result_line(line);
    ASSERT_TRUE(back.has_value()) << line;
    EXPECT_EQ(back->source, r.source);
    EXPECT_EQ(back->sha256, r.sha256);
    EXPECT_EQ(back->indication, r.indication);
    EXPECT_EQ(back->sub_indication, r.sub_indication);
    EXPECT_EQ(back->codes, r.codes);
    EXPECT_TRUE(back->cufe.empty());
    EXPECT_FALSE(batch::parse_result_line(line.substr(0, line.size() - 5)).has_value());

    test::TempDir dir;
    const auto path = (dir / "r.ndjson").string();
    batch::DocumentResult r2 = r;
    r2.source = "second";
    // Two good lines, one garbage line in the middle, a half-written last line.
    test::write_file(path, line + "\n" + "garbage\n" + r2.to_ndjson() + "\n" + line.substr(0, 20));
    auto state = batch::prepare_resume(path);
    ASSERT_TRUE(state.has_value()) << state.error().to_string();
    EXPECT_EQ(state->lines, 2u);
    EXPECT_EQ(state->dropped, 2u);
    EXPECT_TRUE(state->contains(r.source, r.sha256));
    EXPECT_TRUE(state->contains("second", r.sha256));
    EXPECT_FALSE(state->contains("second", std::string(64, 'b')));
    EXPECT_EQ(test::read_file(path), line + "\n" + r2.to_ndjson() + "\n");
    // Only a half-written tail: truncated in place.
    test::write_file(path, line + "\n" + line.substr(0, 30));
    state = batch::prepare_resume(path);
    ASSERT_TRUE(state.has_value());
    EXPECT_EQ(test::read_file(path), line + "\n");
    auto missing = batch::prepare_resume((dir / "none.ndjson").string());
    ASSERT_TRUE(missing.has_value());
    EXPECT_EQ(missing->lines, 0u);
}

batch::DocumentResult result_for(const std::string& source, char sha, Indication indication) {
    batch::DocumentResult r;
    r.source = source;
    r.sha256 = std::string(64, sha);
    r.indication = indication;
    r.sub_indication = indication == Indication::total_passed ? report::SubIndication::none
                                                               : report::SubIndication::hash_failure;
    if (indication != Indication::total_passed) r.codes = {"DSIG-REF-DIGEST"};
    r.ms = 0.5;
    return r;
}

TEST(BatchValidate, ResumeKeepsTheLastLineOfASourceRecordedTwice) {
    test::TempDir dir;
    const auto path = (dir / "r.ndjson").string();
    const std::string a_old = result_for("a.xml", '1', Indication::total_passed).to_ndjson();
    const std::string b = result_for("b.xml", '2', Indication::total_passed).to_ndjson();
    const std::string c = result_for("c.xml", '3', Indication::total_failed).to_ndjson();
    const std::string a_new = result_for("a.xml", '4', Indication::total_failed).to_ndjson();
    // a.xml recorded twice with different content (the newer line last), b.xml twice
    // identically, garbage and a half-written tail.
    test::write_file(path, a_old + "\n" + b + "\n" + c + "\n" + "not a result\n" + a_new + "\n" + b + "\n" +
                               b.substr(0, 25));
    auto state = batch::prepare_resume(path);
    ASSERT_TRUE(state.has_value()) << state.error().to_string();
    EXPECT_EQ(state->lines, 3u);
    EXPECT_EQ(state->duplicates, 2u);
    EXPECT_EQ(state->dropped, 2u);
    ASSERT_EQ(state->by_source.size(), 3u);
    // One line per source, each where its last occurrence was.
    EXPECT_EQ(test::read_file(path), c + "\n" + a_new + "\n" + b + "\n");
    ASSERT_NE(state->find("a.xml"), nullptr);
    EXPECT_EQ(state->find("a.xml")->sha256, std::string(64, '4'));
    EXPECT_EQ(state->find("a.xml")->indication, Indication::total_failed);
    EXPECT_EQ(state->find("a.xml")->line, 2u);
    EXPECT_EQ(state->find("c.xml")->line, 1u);
    EXPECT_EQ(state->find("b.xml")->line, 3u);
    EXPECT_TRUE(state->contains("a.xml", std::string(64, '4')));
    EXPECT_FALSE(state->contains("a.xml", std::string(64, '1')));  // the stale content
    EXPECT_EQ(state->find("d.xml"), nullptr);
    EXPECT_FALSE(fs::exists(path + ".compact.tmp"));

    // Compacting a clean file changes nothing.
    auto again = batch::compact_results(path);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->lines, 3u);
    EXPECT_EQ(again->duplicates, 0u);
    EXPECT_EQ(again->dropped, 0u);
    EXPECT_EQ(test::read_file(path), c + "\n" + a_new + "\n" + b + "\n");
}

TEST(BatchValidate, ResumedRunReplacesTheLineOfAnInputWhoseContentChanged) {
    const dsig::Signer signer = make_test_signer("rsa2048");
    test::TempDir dir;
    const fs::path corpus = dir.path() / "corpus";
    fs::create_directories(corpus);
    for (int i = 0; i < 6; ++i) test::write_file(corpus / ("inv-" + std::to_string(i) + ".xml"), signed_invoice(signer, i));
    const auto path = (dir / "r.ndjson").string();
    const batch::Validator validator(corpus_options(2));
    {
        auto sink = batch::NdjsonFileSink::open(path, false);
        ASSERT_TRUE(sink.has_value());
        auto source = batch::paths_source({corpus.string()});
        auto summary = validator.run(*source, **sink);
        ASSERT_TRUE(summary.has_value());
        EXPECT_EQ(summary->passed, 6u);
    }
    // inv-2 changes after it was recorded: now tampered.
    std::string tampered = signed_invoice(signer, 2);
    tampered.replace(tampered.find("Istmo Pruebas"), 13, "Istmo Pruebaz");
    const fs::path changed = corpus / "inv-2.xml";
    test::write_file(changed, tampered);

    auto state = batch::prepare_resume(path);
    ASSERT_TRUE(state.has_value());
    ASSERT_EQ(state->lines, 6u);
    batch::Options o = corpus_options(2);
    o.already_done = [&](const std::string& s, const std::string& sha) { return state->contains(s, sha); };
    const batch::Validator resumed(std::move(o));
    std::size_t replaced = 0;
    {
        auto sink = batch::NdjsonFileSink::open(path, true);
        ASSERT_TRUE(sink.has_value());
        CollectingSink collect;
        auto source = batch::paths_source({corpus.string()});
        auto summary = resumed.run(*source, collect);
        ASSERT_TRUE(summary.has_value());
        EXPECT_EQ(summary->skipped, 5u);
        ASSERT_EQ(collect.results.size(), 1u);
        EXPECT_EQ(collect.results[0].source, changed.string());
        EXPECT_EQ(collect.results[0].indication, Indication::total_failed);
        for (const auto& r : collect.results) {
            ASSERT_TRUE((*sink)->write(r).has_value());
            if (state->find(r.source) != nullptr) ++replaced;
        }
    }
    EXPECT_EQ(replaced, 1u);
    // Until compacted, two lines for inv-2; "the last line wins" already reads right.
    EXPECT_EQ(lines_of(path).size(), 7u);
    auto compacted = batch::compact_results(path);
    ASSERT_TRUE(compacted.has_value());
    EXPECT_EQ(compacted->duplicates, 1u);
    const auto lines = lines_of(path);
    ASSERT_EQ(lines.size(), 6u);
    std::set<std::string> sources;
    for (const auto& line : lines) {
        auto r = batch::parse_result_line(line);
        ASSERT_TRUE(r.has_value()) << line;
        EXPECT_TRUE(sources.insert(r->source).second) << "duplicate " << r->source;
        if (r->source == changed.string()) {
            EXPECT_EQ(r->indication, Indication::total_failed);
            EXPECT_EQ(r->sha256, validator.validate("x", tampered).sha256);
        } else {
            EXPECT_EQ(r->indication, Indication::total_passed) << line;
        }
    }
}

class FailingSink final : public batch::Sink {
public:
    istmo::Result<void> write(const batch::DocumentResult&) override {
        if (++calls == 3) return make_error(Errc::io_error, "disk full");
        return {};
    }
    int calls = 0;
};

TEST(BatchValidate, SinkFailureStopsTheRunWithAnError) {
    std::ostringstream lines;
    for (int i = 0; i < 500; ++i) lines << "{\"source\":\"s" << i << "\",\"base64\":\"PGEvPg==\"}\n";
    std::istringstream in(lines.str());
    auto source = batch::ndjson_source(in);
    FailingSink sink;
    const batch::Validator validator(corpus_options(2));
    auto summary = validator.run(*source, sink);
    ASSERT_FALSE(summary.has_value());
    EXPECT_EQ(summary.error().code, Errc::io_error);
    EXPECT_EQ(sink.calls, 3);
}

// ---- the CLI ------------------------------------------------------------------------------------

std::string cli() { return ISTMO_CLI_PATH; }

#define REQUIRE_BATCH_CLI()                                                                        \
    do {                                                                                           \
        if (cli().empty() || !fs::exists(cli()))                                                   \
            GTEST_SKIP() << "the istmo CLI is not built: the batch CLI test did not run";          \
    } while (0)

// (source, sha256, indication) of every line; fails on duplicates or unparsable lines.
std::set<std::string> result_set(const std::string& path) {
    std::set<std::string> out;
    std::set<std::string> sources;
    for (const auto& line : lines_of(path)) {
        auto r = batch::parse_result_line(line);
        EXPECT_TRUE(r.has_value()) << line;
        if (!r) continue;
        EXPECT_TRUE(sources.insert(r->source).second) << "duplicate line for " << r->source;
        out.insert(r->source + " " + r->sha256 + " " + std::string(report::to_string(r->indication)));
    }
    return out;
}

TEST(BatchCli, ValidatesADirectoryWithExitCodesAndSummary) {
    REQUIRE_BATCH_CLI();
    test::TempDir dir;
    const Corpus corpus = make_corpus(dir.path() / "corpus", 200);
    const std::string trust = " --trust " + (test::vectors_dir() / "pki" / "chain.pem").string();
    const std::string out = (dir / "r.ndjson").string();
    auto run = test::run_command(cli() + " batch validate" + trust + " --max-size 8M --jobs 2 --progress never --out " +
                                 out + " " + (dir.path() / "corpus").string());
    EXPECT_EQ(run.exit_code, 1) << run.output;
    EXPECT_NE(run.output.find("TOTAL_FAILED " + std::to_string(corpus.failed)), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("most frequent codes"), std::string::npos) << run.output;
    std::vector<batch::DocumentResult> results;
    for (const auto& line : lines_of(out)) {
        auto r = batch::parse_result_line(line);
        ASSERT_TRUE(r.has_value()) << line;
        results.push_back(*r);
    }
    expect_matches(corpus, results);

    // Only good invoices, listed on stdin: exit 0; untrusted: exit 2; results on stdout.
    std::string list;
    std::string one_good;
    for (const auto& [path, e] : corpus.expected)
        if (e.indication == Indication::total_passed) {
            list += path + "\n";
            one_good = path;
        }
    test::write_file(dir / "list.txt", list);
    auto ok = test::run_command("(" + cli() + " batch validate" + trust + " --progress never - < " +
                                (dir / "list.txt").string() + " > " + (dir / "ok.ndjson").string() + ")");
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_EQ(lines_of((dir / "ok.ndjson").string()).size(), corpus.passed);
    auto untrusted = test::run_command(cli() + " batch validate --progress never " + one_good);
    EXPECT_EQ(untrusted.exit_code, 2) << untrusted.output;
    EXPECT_NE(untrusted.output.find("\"indication\":\"INDETERMINATE\""), std::string::npos) << untrusted.output;
    // Progress on request goes to stderr only.
    auto progress = test::run_command("(" + cli() + " batch validate" + trust + " --progress always " + one_good + " 2>/dev/null)");
    EXPECT_EQ(progress.exit_code, 0);
    EXPECT_EQ(progress.output.find(" done, "), std::string::npos) << progress.output;
    // I/O error on the results file: 74; usage errors: 64.
    auto io = test::run_command(cli() + " batch validate --out " + (dir / "no" / "such" / "r.ndjson").string() + " " + one_good);
    EXPECT_EQ(io.exit_code, 74) << io.output;
    EXPECT_EQ(test::run_command(cli() + " batch validate --profile pdf " + one_good).exit_code, 64);
    EXPECT_EQ(test::run_command(cli() + " batch validate --resume " + one_good).exit_code, 64);
    EXPECT_EQ(test::run_command(cli() + " batch validate --jobs 0 " + one_good).exit_code, 64);
    EXPECT_EQ(test::run_command(cli() + " batch frobnicate").exit_code, 64);
    EXPECT_EQ(test::run_command(cli() + " batch --help").exit_code, 0);
}

TEST(BatchCli, RunKilledWithSigkillAndResumedGivesTheSameSetWithoutDuplicates) {
    REQUIRE_BATCH_CLI();
    test::TempDir dir;
    const Corpus corpus = make_corpus(dir.path() / "corpus", 2000 / (k_corpus_divisor > 1 ? 2 : 1));
    const std::string common = cli() + " batch validate --trust " + (test::vectors_dir() / "pki" / "chain.pem").string() +
                               " --max-size 8M --progress never --jobs 1 ";
    const std::string corpus_dir = (dir.path() / "corpus").string();
    const std::string reference = (dir / "reference.ndjson").string();
    auto full = test::run_command(common + "--out " + reference + " " + corpus_dir);
    ASSERT_EQ(full.exit_code, 1) << full.output;
    const auto expected = result_set(reference);
    ASSERT_EQ(expected.size(), corpus.expected.size());

    // Kill the run once a few hundred lines are written, then resume it.
    const std::string out = (dir / "r.ndjson").string();
    auto killed = test::run_command("(" + common + "--out " + out + " " + corpus_dir +
                                    " & pid=$!; while [ \"$(cat " + out + " 2>/dev/null | wc -l)\" -lt 300 ]; do "
                                    "kill -0 $pid 2>/dev/null || break; sleep 0.01; done; kill -9 $pid; wait $pid; "
                                    "echo status=$?)");
    EXPECT_NE(killed.output.find("status=137"), std::string::npos) << killed.output;
    const auto partial = lines_of(out).size();
    EXPECT_GE(partial, 300u);
    EXPECT_LT(partial, corpus.expected.size());
    // Power loss in the middle of a line.
    {
        std::ofstream append(out, std::ios::app);
        append << "{\"source\":\"" << corpus_dir << "/a/inv-1.xml\",\"sha2";
    }
    auto resumed = test::run_command(common + "--resume --out " + out + " " + corpus_dir);
    EXPECT_EQ(resumed.exit_code, 1) << resumed.output;
    EXPECT_NE(resumed.output.find("already recorded"), std::string::npos) << resumed.output;
    EXPECT_EQ(lines_of(out).size(), corpus.expected.size());
    EXPECT_EQ(result_set(out), expected);
    // Resuming a finished run validates nothing and changes nothing.
    auto again = test::run_command(common + "--resume --out " + out + " " + corpus_dir);
    EXPECT_EQ(again.exit_code, 1) << again.output;
    EXPECT_NE(again.output.find(" 0 validated"), std::string::npos) << again.output;
    EXPECT_EQ(result_set(out), expected);
}

TEST(BatchCli, ResumeRevalidatesChangedInputsAndDeduplicatesTheResultsFile) {
    REQUIRE_BATCH_CLI();
    test::TempDir dir;
    const dsig::Signer signer = make_test_signer("rsa2048");
    const fs::path corpus = dir.path() / "corpus";
    fs::create_directories(corpus);
    const auto file = [&](int i) { return (corpus / ("inv-" + std::to_string(i) + ".xml")).string(); };
    for (int i = 0; i < 20; ++i) test::write_file(file(i), signed_invoice(signer, i));
    const std::string common = cli() + " batch validate --trust " + (test::vectors_dir() / "pki" / "chain.pem").string() +
                               " --progress never --jobs 2 ";
    const std::string out = (dir / "r.ndjson").string();
    auto first = test::run_command(common + "--out " + out + " " + corpus.string());
    ASSERT_EQ(first.exit_code, 0) << first.output;
    const auto recorded = lines_of(out);
    ASSERT_EQ(recorded.size(), 20u);

    // Content changes after the run: inv-3 tampered (fails now), inv-4 another valid invoice.
    std::string tampered = signed_invoice(signer, 3);
    tampered.replace(tampered.find("Istmo Pruebas"), 13, "Istmo Pruebaz");
    test::write_file(file(3), tampered);
    test::write_file(file(4), signed_invoice(signer, 44));
    // A corrupted results file: inv-5 recorded twice identically, inv-6 recorded again with a
    // content it never had (that last line wins, so inv-6 is validated again).
    std::string inv5, inv6;
    for (const auto& line : recorded) {
        if (line.find("/inv-5.xml\"") != std::string::npos) inv5 = line;
        if (line.find("/inv-6.xml\"") != std::string::npos) inv6 = line;
    }
    ASSERT_FALSE(inv5.empty());
    ASSERT_FALSE(inv6.empty());
    auto bogus = batch::parse_result_line(inv6);
    ASSERT_TRUE(bogus.has_value());
    bogus->sha256 = std::string(64, 'f');
    {
        std::ofstream append(out, std::ios::app);
        append << inv5 << "\n" << bogus->to_ndjson() << "\n";
    }

    auto resumed = test::run_command(common + "--resume --out " + out + " " + corpus.string());
    EXPECT_EQ(resumed.exit_code, 1) << resumed.output;  // inv-3 fails now
    EXPECT_NE(resumed.output.find("removed 2 older duplicate line(s)"), std::string::npos) << resumed.output;
    EXPECT_NE(resumed.output.find(" 3 validated"), std::string::npos) << resumed.output;
    EXPECT_NE(resumed.output.find("17 already recorded"), std::string::npos) << resumed.output;
    EXPECT_NE(resumed.output.find("replaced 3 stale line(s)"), std::string::npos) << resumed.output;
    EXPECT_NE(resumed.output.find("TOTAL_PASSED 19, TOTAL_FAILED 1"), std::string::npos) << resumed.output;
    EXPECT_FALSE(fs::exists(out + ".compact.tmp"));
    // Exactly one line per input (result_set fails on duplicates), the same as a fresh run.
    EXPECT_EQ(lines_of(out).size(), 20u);
    const std::string fresh = (dir / "fresh.ndjson").string();
    auto reference = test::run_command(common + "--out " + fresh + " " + corpus.string());
    EXPECT_EQ(reference.exit_code, 1) << reference.output;
    EXPECT_EQ(result_set(out), result_set(fresh));
    bool found_tampered = false;
    for (const auto& line : lines_of(out)) {
        auto r = batch::parse_result_line(line);
        ASSERT_TRUE(r.has_value());
        if (r->source == file(3)) {
            found_tampered = true;
            EXPECT_EQ(r->indication, Indication::total_failed) << line;
        }
    }
    EXPECT_TRUE(found_tampered);

    // Resuming again validates nothing and leaves the file as it is.
    const std::string before = test::read_file(out);
    auto again = test::run_command(common + "--resume --out " + out + " " + corpus.string());
    EXPECT_EQ(again.exit_code, 1) << again.output;
    EXPECT_NE(again.output.find(" 0 validated"), std::string::npos) << again.output;
    EXPECT_EQ(again.output.find("replaced"), std::string::npos) << again.output;
    EXPECT_EQ(test::read_file(out), before);
}

}  // namespace

namespace {

TEST(BatchValidate, NdjsonLineLongerThanTheLimitIsOneTooLargeInput) {
    // The over-long line is skipped over without being held; the lines after it still count.
    std::istringstream in("{\"source\":\"big\",\"base64\":\"" + std::string(5000, 'A') + "\"}\n" +
                          "{\"source\":\"small\",\"base64\":\"\"}\n");
    auto source = batch::ndjson_source(in, "stream", 1000);
    auto first = source->next();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->source, "stream:1");
    EXPECT_FALSE(first->content.has_value());
    EXPECT_EQ(first->error_code, std::string(batch::k_code_too_large));
    auto second = source->next();
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->source, "small");
    EXPECT_FALSE(source->next().has_value());
}

TEST(BatchValidate, InputOverItsTimeBudgetIsNeverPassed) {
    auto key = crypto::PrivateKey::from_file((test::vectors_dir() / "pki" / "rsa2048.key.pem").string());
    auto cert = crypto::Certificate::from_file((test::vectors_dir() / "pki" / "rsa2048.cert.pem").string());
    ASSERT_TRUE(key && cert);
    auto signer = dsig::Signer::create(std::move(*key), std::move(*cert), {});
    ASSERT_TRUE(signer.has_value());
    std::string big = "<doc xmlns=\"urn:istmo:test\">";
    for (int i = 0; i < 50'000; ++i) big += "<item n=\"" + std::to_string(i) + "\">forty bytes of text in each item</item>";
    big += "</doc>";  // ~3 MB: validating it takes far more than 1 ms
    auto signed_xml = signer->sign(big);
    ASSERT_TRUE(signed_xml.has_value());

    batch::Options o = corpus_options(1);
    o.profile = batch::Profile::xmldsig;
    const batch::Validator unlimited(o);
    auto r = unlimited.validate("big", *signed_xml);
    EXPECT_EQ(r.indication, Indication::total_passed) << r.to_ndjson();

    o.time_budget = std::chrono::milliseconds(1);
    const batch::Validator limited(o);
    r = limited.validate("big", *signed_xml);
    EXPECT_EQ(r.indication, Indication::indeterminate) << r.to_ndjson();
    EXPECT_NE(std::find(r.codes.begin(), r.codes.end(), std::string(batch::k_code_time_budget)), r.codes.end())
        << r.to_ndjson();
    // The verifier stopped at its next step too.
    EXPECT_NE(std::find(r.codes.begin(), r.codes.end(), "DSIG-TIME-BUDGET-EXCEEDED"), r.codes.end()) << r.to_ndjson();
}

}  // namespace

namespace {

const report::Finding* finding_with(const batch::DocumentResult& r, std::string_view code) {
    for (const auto& f : r.findings)
        if (f.code == code) return &f;
    return nullptr;
}

TEST(BatchValidate, ResultLinesCarryEachFindingWithFieldAndBothLanguages) {
    const dsig::Signer signer = make_test_signer("rsa2048");
    std::string changed = signed_invoice(signer, 11);
    changed.replace(changed.find("Istmo Pruebas"), 13, "Istmo Pruebaz");
    const batch::Validator validator(corpus_options(1));
    const batch::DocumentResult r = validator.validate("changed.xml", changed);
    ASSERT_EQ(r.indication, Indication::total_failed) << r.to_ndjson();
    // One finding per code at least, in the same order as the codes, info findings left out.
    ASSERT_GE(r.findings.size(), r.codes.size()) << r.to_ndjson();
    EXPECT_EQ(r.findings.front().code, r.codes.front());
    for (const auto& f : r.findings) {
        EXPECT_NE(f.severity, report::Severity::info) << r.to_ndjson();
        EXPECT_FALSE(f.message.empty()) << f.code;
        EXPECT_FALSE(f.message_es.empty()) << f.code;
        EXPECT_NE(f.message, f.message_es) << f.code;
    }
    const report::Finding* sig = finding_with(r, "FE-SIG-INVALID");
    ASSERT_NE(sig, nullptr) << r.to_ndjson();
    EXPECT_EQ(sig->rule, "ZZ01");
    const report::Finding* digest = finding_with(r, "DSIG-REF-DIGEST-MISMATCH");
    ASSERT_NE(digest, nullptr) << r.to_ndjson();
    EXPECT_NE(digest->location.find("/SignedInfo[1]/Reference[1]"), std::string::npos) << r.to_ndjson();
    EXPECT_EQ(digest->message_es, "el resumen de la Reference URI=\"\" no coincide: los datos firmados fueron modificados");

    // The line as written: each finding with code, severity, field, rule and both messages.
    const std::string line = r.to_ndjson();
    EXPECT_NE(line.find("\"findings\":[{\"code\":\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"code\":\"DSIG-REF-DIGEST-MISMATCH\",\"severity\":\"error\",\"field\":\"/"), std::string::npos)
        << line;
    EXPECT_NE(line.find("\"message_es\":\"el resumen de la Reference"), std::string::npos) << line;
    EXPECT_NE(line.find("\"findings_omitted\":0"), std::string::npos) << line;
    const auto back = batch::parse_result_line(line);
    ASSERT_TRUE(back.has_value()) << line;
    ASSERT_EQ(back->findings.size(), r.findings.size());
    for (std::size_t i = 0; i < r.findings.size(); ++i) {
        EXPECT_EQ(back->findings[i].code, r.findings[i].code);
        EXPECT_EQ(back->findings[i].severity, r.findings[i].severity);
        EXPECT_EQ(back->findings[i].field, r.findings[i].field.empty() ? r.findings[i].location : r.findings[i].field);
        EXPECT_EQ(back->findings[i].message, r.findings[i].message);
        EXPECT_EQ(back->findings[i].message_es, r.findings[i].message_es);
    }
}

TEST(BatchValidate, InputsThatCannotBeValidatedCarryTheirFindingToo) {
    const batch::Validator validator(corpus_options(1));
    batch::DocumentResult r = validator.validate("empty.xml", "");
    ASSERT_EQ(r.findings.size(), 1u) << r.to_ndjson();
    EXPECT_EQ(r.findings[0].code, batch::k_code_empty);
    EXPECT_EQ(r.findings[0].message, "the input is empty");
    EXPECT_EQ(r.findings[0].message_es, "la entrada está vacía");

    std::istringstream in("not json at all\n{\"source\":\"nodata\"}\n");
    auto source = batch::ndjson_source(in, "stream");
    CollectingSink sink;
    ASSERT_TRUE(validator.run(*source, sink).has_value());
    ASSERT_EQ(sink.results.size(), 2u);
    for (const auto& result : sink.results) {
        ASSERT_EQ(result.findings.size(), 1u) << result.to_ndjson();
        EXPECT_EQ(result.findings[0].code, batch::k_code_bad_json);
        const bool first = result.source == "stream:1";
        EXPECT_EQ(result.findings[0].message, first ? "line 1 is not a JSON object" : "no \"base64\" string member");
        EXPECT_EQ(result.findings[0].message_es,
                  first ? "la línea 1 no es un objeto JSON" : "no hay un miembro \"base64\" de tipo cadena");
    }

    // A results file written before findings existed is still read (resume).
    const auto old = batch::parse_result_line(
        R"({"source":"a.xml","sha256":"","indication":"TOTAL_FAILED","sub_indication":"FORMAT_FAILURE","codes":["BATCH-EMPTY"],"cufe":null,"ms":0.1})");
    ASSERT_TRUE(old.has_value());
    EXPECT_TRUE(old->findings.empty());
}

}  // namespace

namespace {

TEST(BatchValidate, ALineHoldsAtMostAHundredFindingsAndOneOfEachCode) {
    std::string xml = test::read_file(test::vectors_dir() / "panama-fe" / "valid" / "01-factura-completa.xml");
    std::string unexpected;
    for (int i = 0; i < 150; ++i) unexpected += "<zz/>";
    xml.insert(xml.find("<dVerForm"), unexpected);  // 150 FE-XSD-UNEXPECTED, then the signature's findings
    batch::Options o = corpus_options(1);
    o.profile = batch::Profile::panama_fe;
    const batch::Validator validator(o);
    const batch::DocumentResult r = validator.validate("many.xml", xml);
    ASSERT_EQ(r.indication, Indication::total_failed);
    EXPECT_GE(r.findings.size(), batch::k_max_result_findings);
    EXPECT_LE(r.findings.size(), batch::k_max_result_findings + r.codes.size());
    EXPECT_GT(r.findings_omitted, 0u);
    for (const auto& code : r.codes)
        EXPECT_NE(finding_with(r, code), nullptr) << code << " has no finding in " << r.to_ndjson();
    const auto back = batch::parse_result_line(r.to_ndjson());
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->findings.size(), r.findings.size());
    EXPECT_EQ(back->findings_omitted, r.findings_omitted);
}

}  // namespace
