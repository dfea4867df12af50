// Long-term XAdES (EN 319 132-1 B-LT / B-LTA): produced against the loopback OCSP/CRL server
// (tests/servers/) and the in-process TSA, then validated offline from what is embedded.
// Independent checks: xmlsec1 (the core signature stays valid after every augmentation), the
// openssl CLI (every embedded OCSP response and CRL reads; each archive time-stamp token verifies
// with `openssl ts -verify` over the bytes istmo says it covers).
#include "test_support/revocation_server.hpp"
#include "tsa_test_server.hpp"

#include <istmo/tsa/client.hpp>
#include <istmo/xades/xades.hpp>

#include "dsig/reference.hpp"
#include "xades/long_term.hpp"
#include "xades/xades_internal.hpp"
#include "xml/document_impl.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <sstream>

namespace {

using namespace istmo;
using report::Indication;
using report::SubIndication;
using test::RevocationServer;

const std::string k_document = "<invoice><total>100.00</total></invoice>";

// The base64 texts of every element <prefix:name>...</prefix:name> of a document.
std::vector<std::string> element_texts(const std::string& xml, const std::string& qualified_name) {
    std::vector<std::string> out;
    const std::string open = "<" + qualified_name + ">", close = "</" + qualified_name + ">";
    for (std::size_t at = xml.find(open); at != std::string::npos; at = xml.find(open, at + 1)) {
        const std::size_t end = xml.find(close, at);
        if (end == std::string::npos) break;
        out.push_back(xml.substr(at + open.size(), end - at - open.size()));
    }
    return out;
}

crypto::Bytes decode(const std::string& base64) {
    auto der = crypto::base64_decode(base64);
    EXPECT_TRUE(der);
    return der ? *der : crypto::Bytes{};
}

void write_bytes(const std::filesystem::path& path, const crypto::Bytes& bytes) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
}

// `xmlsec1 --verify` of the XMLDSig core (no trust: --insecure), as SOURCES.md runs it.
bool xmlsec_core_valid(const std::string& xml, const test::TempDir& dir) {
    const auto file = dir / "core.xml";
    test::write_file(file, xml);
    const auto r = test::run_command("xmlsec1 --verify --insecure --id-attr:Id SignedProperties --id-attr:Id Object "
                                     "--id-attr:Id collection " + test::shell_quote(file));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.exit_code == 0;
}

class XadesLongTerm : public ::testing::Test {
protected:
    void SetUp() override {
        ISTMO_SKIP_WITHOUT_REVOCATION_SERVER();
        if (!test::have_tool("xmlsec1")) GTEST_SKIP() << "xmlsec1 is not installed: did not run";
        server = std::make_unique<RevocationServer>();
        tsa = std::make_unique<test::TsaTestServer>();
        auto root = crypto::Certificate::from_pem(tsa->pki().root_pem());
        ASSERT_TRUE(root);
        tsa_root = *root;
    }
    crypto::Certificate cert(const std::string& stem) const {
        auto c = crypto::Certificate::from_file(server->file(stem + ".cert.pem").string());
        if (!c) throw std::runtime_error(c.error().to_string());
        return *c;
    }
    crypto::TrustStore root_store() const {
        crypto::TrustStore store;
        store.add(cert("root"));
        return store;
    }
    crypto::TrustStore tsa_store() const {
        crypto::TrustStore store;
        store.add(*tsa_root);
        return store;
    }
    xades::Timestamper timestamper() const {
        tsa::ClientOptions options;
        options.urls = {tsa->url()};
        options.verify.trust = tsa_store();
        auto client = tsa::TimestampClient::create(std::move(options));
        EXPECT_TRUE(client);
        auto shared = std::make_shared<tsa::TimestampClient>(std::move(*client));
        return [shared](std::span<const std::uint8_t> data) -> Result<std::vector<std::uint8_t>> {
            auto request = tsa::TimestampRequest::for_data(data);
            if (!request) return request.error();
            auto stamp = shared->timestamp(*request);
            if (!stamp) return stamp.error();
            return stamp->token;
        };
    }
    std::string sign_bb(const std::string& stem = "good") const {
        auto key = crypto::PrivateKey::from_file(server->file(stem + ".key.pem").string());
        EXPECT_TRUE(key);
        xades::SignOptions options;
        options.dsig.signature_id = "sig-1";
        auto signer = xades::Signer::create(*key, cert(stem), {cert("ca")}, options);
        EXPECT_TRUE(signer) << signer.error().to_string();
        auto out = signer->sign(k_document);
        EXPECT_TRUE(out) << out.error().to_string();
        return out ? *out : std::string();
    }
    xades::AugmentOptions augment_options(xades::AugmentLevel to) const {
        xades::AugmentOptions o;
        o.to = to;
        o.timestamper = timestamper();
        o.long_term.trust = root_store();
        o.long_term.tsa_trust = tsa_store();
        o.long_term.revocation.fetch_timeout = std::chrono::milliseconds(5000);
        return o;
    }
    std::string extend(const std::string& xml, xades::AugmentLevel to) const {
        auto augmenter = xades::Augmenter::create(augment_options(to));
        EXPECT_TRUE(augmenter) << augmenter.error().to_string();
        auto out = augmenter->augment(xml);
        EXPECT_TRUE(out) << out.error().to_string();
        return out ? *out : std::string();
    }
    // Offline: only what the signature carries (and the anchors) is used.
    dsig::VerificationReport verify(const std::string& xml, std::optional<crypto::TimePoint> at = std::nullopt) const {
        xades::VerifyOptions o;
        o.dsig.trust = root_store();
        o.dsig.offline = true;
        o.dsig.validation_time = at;
        o.tsa_trust = tsa_store();
        auto r = xades::Verifier(o).verify(xml);
        EXPECT_TRUE(r);
        return r ? *r : dsig::VerificationReport{};
    }
    // Every embedded OCSP response and CRL reads with the openssl CLI.
    void expect_openssl_reads_revocation_values(const std::string& xml) const {
        const auto ocsp = element_texts(xml, "xades:EncapsulatedOCSPValue");
        const auto crls = element_texts(xml, "xades:EncapsulatedCRLValue");
        EXPECT_FALSE(ocsp.empty() && crls.empty()) << "no revocation values";
        test::TempDir dir;
        for (std::size_t i = 0; i < ocsp.size(); ++i) {
            const auto file = dir / ("r" + std::to_string(i) + ".ocsp");
            write_bytes(file, decode(ocsp[i]));
            const auto r = test::run_command("openssl ocsp -respin " + test::shell_quote(file) + " -noverify -resp_text");
            EXPECT_EQ(r.exit_code, 0) << r.output;
            EXPECT_NE(r.output.find("OCSP Response Status: successful"), std::string::npos) << r.output;
        }
        for (std::size_t i = 0; i < crls.size(); ++i) {
            const auto file = dir / ("c" + std::to_string(i) + ".crl");
            write_bytes(file, decode(crls[i]));
            const auto r = test::run_command("openssl crl -inform DER -in " + test::shell_quote(file) + " -noout -issuer");
            EXPECT_EQ(r.exit_code, 0) << r.output;
        }
    }
    // Marks `stem` revoked (keyCompromise) in the OCSP responder's database of "ca", from `when`.
    void revoke_in_responder(const std::string& stem, std::time_t when) const {
        const auto index = server->file("ocsp/ca/index.txt");
        std::string text = test::read_file(index);
        char stamp[32];
        std::tm tm{};
        gmtime_r(&when, &tm);
        std::strftime(stamp, sizeof stamp, "%y%m%d%H%M%SZ", &tm);
        const std::string serial = server->serial(stem);
        std::string out;
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);) {
            std::vector<std::string> f;
            std::istringstream cells(line);
            for (std::string cell; std::getline(cells, cell, '\t');) f.push_back(cell);
            if (f.size() >= 4 && f[3] == serial && f[0] == "V") {
                f[0] = "R";
                f[2] = std::string(stamp) + ",keyCompromise";
                line = f[0];
                for (std::size_t i = 1; i < f.size(); ++i) line += "\t" + f[i];
            }
            out += line + "\n";
        }
        test::write_file(index, out);
    }

    std::unique_ptr<RevocationServer> server;
    std::unique_ptr<test::TsaTestServer> tsa;
    std::optional<crypto::Certificate> tsa_root;
};

TEST_F(XadesLongTerm, ExtendsOurBBToBTAndBLTWithoutChangingTheCore) {
    test::TempDir dir;
    const std::string bb = sign_bb();
    ASSERT_TRUE(xmlsec_core_valid(bb, dir));
    const std::string bt = extend(bb, xades::AugmentLevel::b_t);
    ASSERT_TRUE(xmlsec_core_valid(bt, dir));
    EXPECT_EQ(element_texts(bt, "xades:EncapsulatedTimeStamp").size(), 1u);
    const std::string blt = extend(bt, xades::AugmentLevel::b_lt);
    ASSERT_TRUE(xmlsec_core_valid(blt, dir));
    EXPECT_EQ(element_texts(blt, "xades:EncapsulatedTimeStamp").size(), 1u) << "B-T time-stamp reused";
    EXPECT_FALSE(element_texts(blt, "xades:EncapsulatedX509Certificate").empty());
    expect_openssl_reads_revocation_values(blt);

    const auto r = verify(blt);
    EXPECT_EQ(r.indication, Indication::total_passed) << test::codes(r);
    ASSERT_EQ(r.signatures.size(), 1u);
    EXPECT_EQ(r.signatures[0].level, "B-LT");
    EXPECT_TRUE(test::has_code(r, "XADES-LT-DATA"));
    ASSERT_FALSE(r.signatures[0].chain.empty());
    EXPECT_EQ(r.signatures[0].chain[0].revocation.status, "good");
    EXPECT_EQ(r.signatures[0].chain[0].revocation.source, "embedded");
    // The same B-T offline has no status for the signer: INDETERMINATE / TRY_LATER.
    const auto t = verify(bt);
    EXPECT_EQ(t.signatures[0].level, "B-T");
    EXPECT_EQ(t.sub_indication, SubIndication::try_later) << test::codes(t);
}

TEST_F(XadesLongTerm, SignsBLTDirectlyAndAgainIsIdempotent) {
    auto key = crypto::PrivateKey::from_file(server->file("good.key.pem").string());
    ASSERT_TRUE(key);
    xades::SignOptions options;
    options.profile = xades::Profile::b_lt;
    options.timestamper = timestamper();
    options.long_term = augment_options(xades::AugmentLevel::b_lt).long_term;
    auto signer = xades::Signer::create(*key, cert("good"), {cert("ca")}, options);
    ASSERT_TRUE(signer) << signer.error().to_string();
    auto blt = signer->sign(k_document);
    ASSERT_TRUE(blt) << blt.error().to_string();
    const auto r = verify(*blt);
    EXPECT_EQ(r.indication, Indication::total_passed) << test::codes(r);
    EXPECT_EQ(r.signatures[0].level, "B-LT");
    // Extending a B-LT to B-LT again embeds nothing twice.
    const std::string again = extend(*blt, xades::AugmentLevel::b_lt);
    EXPECT_EQ(element_texts(again, "xades:EncapsulatedX509Certificate").size(),
              element_texts(*blt, "xades:EncapsulatedX509Certificate").size());
    EXPECT_EQ(element_texts(again, "xades:EncapsulatedOCSPValue").size(),
              element_texts(*blt, "xades:EncapsulatedOCSPValue").size());
}

TEST_F(XadesLongTerm, PastSignatureValidationAfterTheSignerCertificateExpired) {
    const std::string bb = sign_bb();
    const std::string blt = extend(extend(bb, xades::AugmentLevel::b_t), xades::AugmentLevel::b_lt);
    const crypto::TimePoint after_expiry = cert("good").not_after() + std::chrono::hours(24);
    const auto lt = verify(blt, after_expiry);
    EXPECT_EQ(lt.indication, Indication::total_passed) << test::codes(lt);
    EXPECT_TRUE(test::has_code(lt, "XADES-CERT-EXPIRED-AFTER-POE")) << test::codes(lt);
    const auto b = verify(bb, after_expiry);
    EXPECT_EQ(b.indication, Indication::indeterminate) << test::codes(b);
    EXPECT_EQ(b.sub_indication, SubIndication::expired) << test::codes(b);
}

TEST_F(XadesLongTerm, RevokedAfterTheSignatureTimeStampStaysValid) {
    const std::string bt = extend(sign_bb(), xades::AugmentLevel::b_t);
    revoke_in_responder("good", std::time(nullptr) + 5);
    const std::string blt = extend(bt, xades::AugmentLevel::b_lt);
    const auto r = verify(blt);
    EXPECT_EQ(r.indication, Indication::total_passed) << test::codes(r);
    EXPECT_TRUE(test::has_code(r, "DSIG-CERT-REVOKED-AFTER-POE")) << test::codes(r);
    EXPECT_EQ(r.signatures[0].chain[0].revocation.status, "revoked");
}

TEST_F(XadesLongTerm, TamperedRevocationValueOfABLTIsNoStatus) {
    const std::string blt = extend(extend(sign_bb(), xades::AugmentLevel::b_t), xades::AugmentLevel::b_lt);
    const auto ocsp = element_texts(blt, "xades:EncapsulatedOCSPValue");
    ASSERT_FALSE(ocsp.empty());
    std::string tampered = blt;
    std::string changed = ocsp[0];
    changed[changed.size() / 2] = changed[changed.size() / 2] == 'A' ? 'B' : 'A';
    tampered.replace(tampered.find(ocsp[0]), ocsp[0].size(), changed);
    const auto r = verify(tampered);
    EXPECT_NE(r.indication, Indication::total_passed) << test::codes(r);
}

// The archive time-stamp: B-LTA verifies offline, its token verifies with `openssl ts -verify`
// over the input istmo computes; a renewal adds a second one; tampering with what it covers
// fails the signature with HASH_FAILURE.
TEST_F(XadesLongTerm, ArchiveTimeStampRenewalAndTampering) {
    const std::string blt = extend(extend(sign_bb(), xades::AugmentLevel::b_t), xades::AugmentLevel::b_lt);
    const std::string blta = extend(blt, xades::AugmentLevel::b_lta);
    test::TempDir dir;
    ASSERT_TRUE(xmlsec_core_valid(blta, dir));
    const auto r = verify(blta);
    EXPECT_EQ(r.indication, Indication::total_passed) << test::codes(r);
    EXPECT_EQ(r.signatures[0].level, "B-LTA");
    ASSERT_EQ(r.signatures[0].timestamps.size(), 2u);
    EXPECT_EQ(r.signatures[0].timestamps[1].type, "ArchiveTimeStamp");
    EXPECT_TRUE(r.signatures[0].timestamps[1].passed());

    // openssl ts -verify over the exact input.
    {
        auto parsed = xml::XmlDocument::parse(blta);
        ASSERT_TRUE(parsed);
        xmlDocPtr doc = xml::get(*parsed);
        const dsig::IdIndex ids = dsig::build_id_index(doc);
        const xmlNode* signature = nullptr;
        xml::for_each_element(doc, [&](const xmlNode* n) {
            if (xml::is_element(n, "http://www.w3.org/2000/09/xmldsig#", "Signature")) signature = n;
            return signature ? xml::Walk::stop : xml::Walk::descend;
        });
        ASSERT_NE(signature, nullptr);
        const xmlNode* usp = xades::detail::find_unsigned_signature_properties(xades::detail::find_qualifying_properties(signature));
        const auto stamps = xades::detail::element_children(usp, "http://uri.etsi.org/01903/v1.4.1#", "ArchiveTimeStamp");
        ASSERT_EQ(stamps.size(), 1u);
        xml::C14nMethod exc;
        exc.algorithm = xml::C14nAlgorithm::exclusive_1_0;
        auto input = xades::detail::archive_timestamp_input(doc, ids, signature, stamps[0], exc, 8);
        ASSERT_TRUE(input) << input.error().to_string();
        test::write_file(dir / "ats.input", *input);
        const auto tokens = element_texts(blta, "xades:EncapsulatedTimeStamp");
        ASSERT_EQ(tokens.size(), 2u);
        write_bytes(dir / "ats.tst", decode(tokens[1]));
        test::write_file(dir / "tsa-root.pem", tsa->pki().root_pem());
        const auto v = test::run_command("openssl ts -verify -data " + test::shell_quote(dir / "ats.input") + " -in " +
                                         test::shell_quote(dir / "ats.tst") + " -token_in -CAfile " +
                                         test::shell_quote(dir / "tsa-root.pem"));
        EXPECT_EQ(v.exit_code, 0) << v.output;
        EXPECT_NE(v.output.find("Verification: OK"), std::string::npos) << v.output;
        // The same token over other bytes: refused by openssl too.
        test::write_file(dir / "other.input", *input + " ");
        const auto refused = test::run_command("openssl ts -verify -data " + test::shell_quote(dir / "other.input") +
                                               " -in " + test::shell_quote(dir / "ats.tst") + " -token_in -CAfile " +
                                               test::shell_quote(dir / "tsa-root.pem"));
        EXPECT_NE(refused.exit_code, 0) << refused.output;
    }

    // Renewal: a second archive time-stamp over the first.
    const std::string renewed = extend(blta, xades::AugmentLevel::b_lta);
    ASSERT_TRUE(xmlsec_core_valid(renewed, dir));
    const auto rr = verify(renewed);
    EXPECT_EQ(rr.indication, Indication::total_passed) << test::codes(rr);
    ASSERT_EQ(rr.signatures[0].timestamps.size(), 3u);
    EXPECT_TRUE(rr.signatures[0].timestamps[2].passed());

    // A tampered archive time-stamp: the signature time-stamp's token in its place.
    const auto tokens = element_texts(blta, "xades:EncapsulatedTimeStamp");
    std::string swapped = blta;
    swapped.replace(swapped.rfind(tokens[1]), tokens[1].size(), tokens[0]);
    const auto s = verify(swapped);
    EXPECT_EQ(s.indication, Indication::total_failed) << test::codes(s);
    EXPECT_EQ(s.sub_indication, SubIndication::hash_failure);
    EXPECT_TRUE(test::has_code(s, "XADES-ARCHIVE-TS-IMPRINT")) << test::codes(s);

    // A tampered RevocationValues entry under the archive time-stamp.
    const auto ocsp = element_texts(blta, "xades:EncapsulatedOCSPValue");
    ASSERT_FALSE(ocsp.empty());
    std::string changed = ocsp[0];
    changed[10] = changed[10] == 'A' ? 'B' : 'A';
    std::string tampered = blta;
    tampered.replace(tampered.find(ocsp[0]), ocsp[0].size(), changed);
    const auto t = verify(tampered);
    EXPECT_EQ(t.indication, Indication::total_failed) << test::codes(t);
    EXPECT_TRUE(test::has_code(t, "XADES-ARCHIVE-TS-IMPRINT")) << test::codes(t);

    // A missing CertificateValues entry.
    const auto certs = element_texts(blta, "xades:EncapsulatedX509Certificate");
    ASSERT_FALSE(certs.empty());
    std::string missing = blta;
    const std::string whole = "<xades:EncapsulatedX509Certificate>" + certs.back() + "</xades:EncapsulatedX509Certificate>";
    missing.erase(missing.find(whole), whole.size());
    const auto m = verify(missing);
    EXPECT_EQ(m.indication, Indication::total_failed) << test::codes(m);
    EXPECT_EQ(m.sub_indication, SubIndication::hash_failure);
}

// The CLI: sign --profile xades-b-lta, extend (renewal), verify --offline; usage errors.
TEST_F(XadesLongTerm, CliSignsExtendsAndVerifiesOffline) {
    ISTMO_SKIP_WITHOUT_CLI();
    test::TempDir dir;
    test::write_file(dir / "doc.xml", k_document);
    test::write_file(dir / "tsa-root.pem", tsa->pki().root_pem());
    const std::string cli = test::shell_quote(test::cli_path());
    const std::string common = " --tsa " + tsa->url() + " --tsa-trust " + test::shell_quote(dir / "tsa-root.pem") +
                               " --trust " + test::shell_quote(server->file("root.cert.pem"));
    const auto sign = test::run_command(cli + " sign --profile xades-b-lta --key " +
                                        test::shell_quote(server->file("good.key.pem")) + " --cert " +
                                        test::shell_quote(server->file("good.cert.pem")) + " --chain " +
                                        test::shell_quote(server->file("ca.cert.pem")) + common + " -o " +
                                        test::shell_quote(dir / "lta.xml") + " " + test::shell_quote(dir / "doc.xml"));
    ASSERT_EQ(sign.exit_code, 0) << sign.output;
    const auto renew = test::run_command(cli + " extend --to b-lta" + common + " -o " + test::shell_quote(dir / "lta2.xml") +
                                         " " + test::shell_quote(dir / "lta.xml"));
    ASSERT_EQ(renew.exit_code, 0) << renew.output;
    const auto verify_cli = test::run_command(cli + " verify --lang en --offline --trust " +
                                              test::shell_quote(server->file("root.cert.pem")) + " --tsa-trust " +
                                              test::shell_quote(dir / "tsa-root.pem") + " " + test::shell_quote(dir / "lta2.xml"));
    EXPECT_EQ(verify_cli.exit_code, 0) << verify_cli.output;
    EXPECT_NE(verify_cli.output.find("level: B-LTA"), std::string::npos) << verify_cli.output;
    EXPECT_EQ(test::run_command(cli + " extend --to b-x" + common + " " + test::shell_quote(dir / "lta.xml")).exit_code, 64);
    EXPECT_EQ(test::run_command(cli + " extend --to b-lt " + test::shell_quote(dir / "lta.xml")).exit_code, 64);
    EXPECT_EQ(test::run_command(cli + " sign --profile xades-b-b --trust x.pem --key k " + test::shell_quote(dir / "doc.xml"))
                  .exit_code,
              64);
    // Revocation required but unobtainable (offline, nothing given): not B-LT, exit 69.
    test::write_file(dir / "bb.xml", sign_bb());
    const auto offline = test::run_command(cli + " extend --to b-lt --offline" + common + " " +
                                           test::shell_quote(dir / "bb.xml"));
    EXPECT_EQ(offline.exit_code, 69) << offline.output;
}

// Signatures made by others: a DSS B-B extended to B-T, a xades4j B-T to B-LT (its TestCA as
// anchor, at a time inside its certificates' validity); xmlsec1 keeps the core valid.
TEST_F(XadesLongTerm, ExtendsDssAndXades4jSamples) {
    const auto reference = test::shared_reference_dir();
    if (!reference) GTEST_SKIP() << "../shared/reference is absent: did not run";
    const auto samples = *reference / "xades-samples";
    test::TempDir dir;
    const std::string dss = test::read_file(samples / "esig-dss/dss-signed.xml");
    ASSERT_TRUE(xmlsec_core_valid(dss, dir));
    const std::string dss_bt = extend(dss, xades::AugmentLevel::b_t);
    ASSERT_FALSE(dss_bt.empty());
    EXPECT_TRUE(xmlsec_core_valid(dss_bt, dir));
    EXPECT_EQ(element_texts(dss_bt, "xades:EncapsulatedTimeStamp").size() +
                  element_texts(dss_bt, "EncapsulatedTimeStamp").size(),
              1u);

    const std::string x4j = test::read_file(samples / "xades4j/document.signed.t.bes.xml");
    ASSERT_TRUE(xmlsec_core_valid(x4j, dir));
    // As the shared-samples test trusts it: TestCA and Itermediate as anchors (TestCA has no
    // basicConstraints), its TSA under Starfield Class 2, at a time inside the certificates'
    // validity; their CAs' status servers are not reachable: revocation off.
    auto options = augment_options(xades::AugmentLevel::b_lt);
    options.long_term.trust = crypto::TrustStore{};
    for (const char* name : {"xades4j/TestCA.cer", "xades4j/Interm.cer"}) {
        auto anchor = crypto::Certificate::from_file((samples / name).string());
        ASSERT_TRUE(anchor) << anchor.error().to_string();
        options.long_term.trust.add(*anchor);
    }
    auto starfield = crypto::Certificate::from_file((samples / "xades4j/sf-class2-root.cer").string());
    ASSERT_TRUE(starfield);
    options.long_term.tsa_trust.add(*starfield);
    options.long_term.at = *xades::detail::parse_xs_datetime("2024-11-01T00:00:00Z");
    options.long_term.revocation.policy = crypto::RevocationPolicy::off;
    auto augmenter = xades::Augmenter::create(options);
    ASSERT_TRUE(augmenter);
    auto x4j_lt = augmenter->augment(x4j);
    ASSERT_TRUE(x4j_lt) << x4j_lt.error().to_string();
    EXPECT_TRUE(xmlsec_core_valid(*x4j_lt, dir));
    xades::VerifyOptions vo;
    vo.dsig.trust = options.long_term.trust;
    vo.dsig.offline = true;
    vo.dsig.allow_legacy = true;
    vo.dsig.revocation = crypto::RevocationPolicy::off;
    vo.dsig.validation_time = options.long_term.at;
    vo.tsa_trust.add(*starfield);
    auto r = xades::Verifier(vo).verify(*x4j_lt);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->indication, Indication::total_passed) << test::codes(*r);
    EXPECT_EQ(r->signatures[0].level, "B-LT");
}

}  // namespace
