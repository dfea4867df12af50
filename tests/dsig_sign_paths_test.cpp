// The two signing paths give the same bytes. Signer::sign takes the streamed path (no DOM of the
// input: the canonical document from one streaming pass, the canonical SignedInfo and the
// ds:Signature written as text by src/dsig/signature_text.cpp) for an enveloped URI="" reference
// with C14N 1.0 or exclusive C14N, and the DOM path otherwise. RSA PKCS#1 v1.5 signatures are deterministic, so
// the whole signed document -- SignedInfo, its canonical form's signature, the DigestValue --
// must be byte for byte what the DOM path writes, over every XML test vector and over shapes
// chosen to stress the canonicalizers. The shapes' signatures are also checked by istmo and by
// the xmlsec1 CLI (the independent check).
#include <istmo/istmo.hpp>

#include "dsig/sign_extension.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <unistd.h>
#include <string>
#include <vector>

namespace {

using namespace istmo;

dsig::Signer make_signer_with(const dsig::SignOptions& options, const std::string& key_stem = "rsa2048",
                              std::vector<crypto::Certificate> chain = {}) {
    auto key = crypto::PrivateKey::from_file(test::pki(key_stem + ".key.pem").string());
    auto cert = crypto::Certificate::from_file(test::pki(key_stem + ".cert.pem").string());
    EXPECT_TRUE(key && cert);
    auto signer = dsig::Signer::create(*key, *cert, std::move(chain), options);
    EXPECT_TRUE(signer.has_value()) << (signer ? "" : signer.error().to_string());
    return std::move(signer).value();
}

dsig::Signer make_signer(dsig::Canonicalization c14n, const std::string& prefix) {
    dsig::SignOptions options;
    options.canonicalization = c14n;
    options.signature_prefix = prefix;
    return make_signer_with(options);
}

Result<std::string> sign_by(const dsig::Signer& signer, const std::string& input, dsig::SignPath path) {
    return dsig::sign_with_key(signer, dsig::SignerAccess::key(signer), input, nullptr, path);
}

std::string describe(const Result<std::string>& r) { return r ? *r : "error: " + r.error().to_string(); }

// ECDSA and RSA-PSS signature values are randomized: their documents are compared with the
// SignatureValue's content blanked (every other byte, the canonical SignedInfo's DigestValue
// included, must still be the same; each value is checked by verification instead).
std::string without_signature_value(std::string document) {
    static const std::regex value("(SignatureValue[^>]*>)[^<]*<");
    return std::regex_replace(document, value, "$1<");
}

// Signs by the automatic and the DOM path and expects the same outcome; returns whether the
// streamed path applied (it is what the automatic path took then).
bool expect_same_bytes(const dsig::Signer& signer, const std::string& input, const std::string& what,
                       bool randomized = false) {
    auto automatic = sign_by(signer, input, dsig::SignPath::automatic);
    auto dom = sign_by(signer, input, dsig::SignPath::dom);
    auto streamed = sign_by(signer, input, dsig::SignPath::streamed);
    if (randomized) {
        for (auto* r : {&automatic, &dom, &streamed})
            if (*r) **r = without_signature_value(**r);
    }
    EXPECT_EQ(automatic.has_value(), dom.has_value()) << what << "\nautomatic: " << describe(automatic)
                                                      << "\nDOM: " << describe(dom);
    if (automatic && dom) {
        EXPECT_EQ(*automatic, *dom) << what;
    }
    if (!automatic && !dom) {
        EXPECT_EQ(automatic.error().code, dom.error().code) << what;
    }
    if (streamed) {
        EXPECT_EQ(describe(streamed), describe(automatic)) << what;
    } else {
        EXPECT_EQ(streamed.error().code, Errc::unsupported) << what << ": " << streamed.error().to_string();
    }
    return streamed.has_value();
}

struct C14nCase {
    dsig::Canonicalization c14n;
    const char* name;
};
constexpr C14nCase k_streamed_c14n[] = {
    {dsig::Canonicalization::exclusive, "exc"},
    {dsig::Canonicalization::inclusive, "inc"},
    {dsig::Canonicalization::exclusive_comments, "exc-comments"},
    {dsig::Canonicalization::inclusive_comments, "inc-comments"},
};

struct Shape {
    const char* name;
    std::string input;
    bool streamed;         // the streamed path applies
    bool signs = true;     // signing succeeds (both paths)
    bool xmlsec1 = true;   // the xmlsec1 CLI can check it (it reads the first ds:Signature only)
    bool verifies = true;  // istmo verifies the output (not when an earlier signature covers it)
};

void PrintTo(const Shape& s, std::ostream* os) { *os << s.name; }

const std::string k_big_text = [] {
    std::string text;
    for (int i = 0; i < 20000; ++i) text += "line &amp; &#x20AC; <![CDATA[<x>]]>\r\n";
    return text;
}();

const Shape k_shapes[] = {
    {"plain", "<doc><a>1</a></doc>", true},
    {"default_namespace_on_root", "<?xml version=\"1.0\"?>\n<doc xmlns=\"urn:d\" xmlns:u=\"urn:unused\"><a>x</a></doc>\n", true},
    {"prefixed_root", "<p:doc xmlns:p=\"urn:p\" xmlns:q=\"urn:q\" q:at=\"v\"><q:x/><p:y xmlns:p=\"urn:p2\"/></p:doc >", true},
    {"xml_lang_space_base_on_root",
     "<doc xml:lang=\"es-PA\" xml:space=\"preserve\" xml:base=\"http://example.com/a/\" xmlns:z=\"urn:z\"><a xml:lang=\"en\"> t </a></doc>", true},
    {"xml_id_on_root", "<doc xml:id=\"r1\" Id=\"x\"><a/></doc>", true},
    {"root_redeclares_ds_prefix", "<doc xmlns:ds=\"urn:not-dsig\"><ds:x ds:a=\"1\"/></doc>", true},
    {"root_declares_dsig_as_default", "<doc xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><x/></doc>", true},
    {"empty_default_namespace_on_root", "<doc xmlns=\"\"><a xmlns=\"urn:a\"><b xmlns=\"\"/></a></doc>", true},
    {"attributes_needing_escapes",
     "<doc z=\"3\" a=\"x&#9;y&#10;z&#13;w\" b='\"q\" &apos;' c=\"&lt;&amp;&gt;\" d=\"a\tb\nc\r\nd\">"
     "<e f=\"&#x20;&#xD;&#xA;\" g=\"&#38;&#60;\"/></doc>", true},
    {"crlf_line_ends", "<doc>\r\n  <a>\r\n text\r\n</a>\r\n<b>\r</b></doc>\r\n", true},
    {"comments_before_and_inside", "<!-- c0 --><doc><!-- c1 --><a><!--c2--></a></doc>", true},
    {"pis_before_and_inside", "<?xml version=\"1.0\"?><?pi-a data?>\n<?pi-b?><doc><?inner x y?><a/></doc>", true},
    {"pi_after_root", "<doc><a/></doc><?after?>", false},
    {"comment_after_root", "<doc><a/></doc><!-- after -->", false},
    {"character_references", "<doc>&#x41;&#66;&#x20AC;&#x10000;&gt;&lt;&amp;&quot;&apos;&#13;&#9;</doc>", true},
    {"cdata", "<doc><![CDATA[<raw> & \r\n ]]]]><![CDATA[>]]></doc>", true},
    {"bom", "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<doc>caf\xC3\xA9</doc>", true},
    {"non_ascii_names", "<caf\xC3\xA9 \xC3\xA9t\xC3\xA9=\"\xC3\xBC\"><n\xC3\xB1/></caf\xC3\xA9>", true},
    {"whitespace_in_start_tags", "<doc\n   z = '1'\ta=\"2\"\r\n xmlns:b=\"urn:b\"  b:c=\"3\" ><b:x   /></doc\n>", true},
    {"namespaces_deep", "<a xmlns=\"urn:1\"><b xmlns:p=\"urn:p\"><p:c xmlns=\"urn:2\" p:d=\"1\"><e/></p:c></b></a>", true},
    {"large_text_many_chunks", "<doc>" + k_big_text + "</doc>", true},
    // Filled in below: an enveloped signature already in the input, which the new one covers (and
    // which no longer verifies: it covered the whole document).
    {"already_signed_input", "", true, true, false, false},
    {"latin1_declared", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<doc>caf\xE9</doc>\n", false},
    {"self_closing_root", "<doc a=\"1\"/>", false},
    {"relative_namespace", "<doc xmlns:r=\"rel/path\"><r:a/></doc>", false, false},
    // A namespace error, not a well-formedness one: libxml2 keeps "u:a" as a name without a
    // namespace and the DOM path signs it; the streamed pass gives way.
    {"undeclared_prefix", "<doc><u:a/></doc>", false, true, false},
    {"doctype", "<!DOCTYPE doc [<!ENTITY e \"x\">]><doc>&e;</doc>", false, false},
    {"not_well_formed", "<doc><a></doc>", false, false},
    {"utf16", std::string("\xFF\xFE<\0d\0/\0>\0", 10), false},
};

class SignPaths : public ::testing::TestWithParam<Shape> {};

TEST_P(SignPaths, StreamedAndDomPathsWriteTheSameBytes) {
    Shape shape = GetParam();
    if (std::string(shape.name) == "already_signed_input") {
        auto first = make_signer(dsig::Canonicalization::exclusive, "ds").sign("<doc><a>1</a></doc>");
        ASSERT_TRUE(first.has_value());
        shape.input = *first;
    }
    for (const auto& [c14n, c14n_name] : k_streamed_c14n) {
        for (const std::string prefix : {"ds", ""}) {
            const std::string what = std::string(shape.name) + "/" + c14n_name + "/prefix=" + prefix;
            const dsig::Signer signer = make_signer(c14n, prefix);
            const bool streamed = expect_same_bytes(signer, shape.input, what);
            EXPECT_EQ(streamed, shape.streamed) << what;
            auto out = signer.sign(shape.input);
            ASSERT_EQ(out.has_value(), shape.signs) << what << ": " << describe(out);
            if (!out) continue;
            if (shape.verifies) {
                EXPECT_EQ(test::verify_with_test_pki(*out), report::Indication::total_passed) << what << "\n" << *out;
            }
            const bool independent = (prefix == "ds" && c14n == dsig::Canonicalization::exclusive) ||
                                     (prefix.empty() && c14n == dsig::Canonicalization::inclusive);
            if (shape.xmlsec1 && independent) test::expect_xmlsec1_verifies(*out, std::string(shape.name) + "-" + c14n_name);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Shapes, SignPaths, ::testing::ValuesIn(k_shapes),
                         [](const ::testing::TestParamInfo<Shape>& param_info) { return std::string(param_info.param.name); });

// Every XML file of test-vectors/ as input (signed, unsigned, attacks, invoices): the paths agree,
// and the streamed path applies to most of them (else this test would compare the DOM path with
// itself).
TEST(SignPaths, EveryXmlTestVectorGivesTheSameBytesByBothPaths) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(test::vectors_dir()))
        if (entry.is_regular_file() && entry.path().extension() == ".xml") files.push_back(entry.path());
    ASSERT_GT(files.size(), 100u);
    const dsig::Signer exclusive = make_signer(dsig::Canonicalization::exclusive, "ds");
    const dsig::Signer inclusive = make_signer(dsig::Canonicalization::inclusive, "");
    std::size_t streamed = 0;
    for (const auto& file : files) {
        const std::string input = test::read_file(file);
        const std::string name = std::filesystem::relative(file, test::vectors_dir()).string();
        streamed += expect_same_bytes(exclusive, input, name + " (exc)") ? 1 : 0;
        streamed += expect_same_bytes(inclusive, input, name + " (inc)") ? 1 : 0;
    }
    std::printf("the streamed path applied to %zu of %zu signings\n", streamed, 2 * files.size());
    EXPECT_GT(streamed, files.size()) << "the streamed path applied to " << streamed << " of " << 2 * files.size()
                                      << " signings";
}

// ---- every option the streamed path serves ---------------------------------------------------
// Keys, signature and digest algorithms, prefixes, Ids needing escapes, every KeyInfo part, the
// RSA-PSS parameters form, over documents whose root gives SignedInfo a namespace context (C14N
// 1.0 renders it on SignedInfo): the streamed path applies to each, both paths write the same
// bytes, istmo verifies the result and, on the richest option set, so does the xmlsec1 CLI.

struct KeyCase {
    const char* stem;
    dsig::SignatureAlgorithm algorithm;
    bool randomized;  // ECDSA and RSA-PSS values differ per signing
    bool xmlsec1;     // xmlsec1 1.2 verifies it (no RSA-PSS, no Ed25519)
};
constexpr KeyCase k_keys[] = {
    {"rsa2048", dsig::SignatureAlgorithm::automatic, false, true},
    {"rsa2048", dsig::SignatureAlgorithm::rsa_sha512, false, true},
    {"rsa2048", dsig::SignatureAlgorithm::rsa_pss_sha256, true, false},
    {"ec-p256", dsig::SignatureAlgorithm::automatic, true, true},
    {"ec-p384", dsig::SignatureAlgorithm::automatic, true, false},
    {"ed25519", dsig::SignatureAlgorithm::automatic, false, false},
};

struct OptionSet {
    const char* name;
    void (*apply)(dsig::SignOptions&);
};
const OptionSet k_option_sets[] = {
    {"plain", [](dsig::SignOptions&) {}},
    {"default-prefix-sha384", [](dsig::SignOptions& o) { o.signature_prefix.clear(); o.digest = dsig::DigestAlgorithm::sha384; }},
    {"prefix-x-sha512", [](dsig::SignOptions& o) { o.signature_prefix = "x"; o.digest = dsig::DigestAlgorithm::sha512; }},
    {"id-needing-escapes", [](dsig::SignOptions& o) { o.signature_id = "s&<>\"'\t\n\r x"; }},
    {"every-keyinfo-part", [](dsig::SignOptions& o) {
         o.include_subject_name = o.include_issuer_serial = o.include_key_value = true;
     }},
    {"pss-params-form-default-prefix", [](dsig::SignOptions& o) { o.rsa_pss_params_form = true; o.signature_prefix.clear(); }},
    {"pss-params-form", [](dsig::SignOptions& o) { o.rsa_pss_params_form = true; o.include_key_value = true; }},
};

struct Document {
    const char* name;
    std::string xml;
};
const Document k_documents[] = {
    {"plain", "<doc><a>1</a></doc>"},
    {"context_for_signed_info",
     "<r:doc xmlns:r=\"urn:r\" xmlns=\"urn:d\" xmlns:pss=\"urn:other\" xmlns:ds=\"urn:not-dsig\" xmlns:a=\"urn:a\" "
     "xml:space=\"preserve\" xml:lang=\"es\" xml:id=\"i\" xml:base=\"http://e.com/?a=1&amp;b=&quot;2&quot;&lt;&#9;&#10;&#13;\">"
     "<r:a>1</r:a></r:doc>"},
    {"root_binds_pss_and_ds", "<doc xmlns:pss=\"http://www.w3.org/2007/05/xmldsig-more#\" "
                              "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" xmlns:x=\"urn:x\"><a/></doc>"},
    {"root_declares_xml_prefix", "<doc xmlns:xml=\"http://www.w3.org/XML/1998/namespace\" xml:lang=\"en\"><a/></doc>"},
    {"namespace_uri_with_ampersand", "<doc xmlns:a=\"urn:a&amp;b\" xmlns=\"\"><a:x/></doc>"},
    {"namespace_uri_with_ampersand_on_inner_element", "<doc><a:x xmlns:a=\"urn:a&amp;b\"/></doc>"},
};

TEST(SignPaths, EveryStreamedOptionCombinationGivesTheSameBytesByBothPaths) {
    const auto intermediate = crypto::Certificate::from_file(test::pki("intermediate.cert.pem").string());
    ASSERT_TRUE(intermediate.has_value());
    std::size_t combinations = 0;
    for (const KeyCase& key : k_keys) {
        for (const OptionSet& set : k_option_sets) {
            for (const auto& [c14n, c14n_name] : k_streamed_c14n) {
                dsig::SignOptions options;
                options.algorithm = key.algorithm;
                options.canonicalization = c14n;
                set.apply(options);
                const dsig::Signer signer = make_signer_with(options, key.stem, {*intermediate});
                for (const Document& doc : k_documents) {
                    const std::string what = std::string(key.stem) + "/" + std::to_string(static_cast<int>(key.algorithm)) +
                                             "/" + set.name + "/" + c14n_name + "/" + doc.name;
                    EXPECT_TRUE(expect_same_bytes(signer, doc.xml, what, key.randomized)) << what;
                    auto out = signer.sign(doc.xml);
                    EXPECT_TRUE(out.has_value()) << what << ": " << describe(out);
                    if (!out) continue;
                    // Verification (the slow part) where the comment variants add nothing: their
                    // SignedInfo differs from the one without comments in two URIs only.
                    const bool without_comments = c14n == dsig::Canonicalization::exclusive ||
                                                  c14n == dsig::Canonicalization::inclusive;
                    if (without_comments) {
                        EXPECT_EQ(test::verify_with_test_pki(*out), report::Indication::total_passed) << what << "\n" << *out;
                    }
                    // The xmlsec1 CLI (a process each) on the richest option set only.
                    if (key.xmlsec1 && without_comments && std::string(set.name) == "every-keyinfo-part")
                        test::expect_xmlsec1_verifies(*out, std::to_string(combinations));
                    ++combinations;
                }
            }
        }
    }
    EXPECT_EQ(combinations, std::size(k_keys) * std::size(k_option_sets) * std::size(k_streamed_c14n) * std::size(k_documents));
}

// What the writer would escape differently from libxml2 goes to the DOM path: a signature Id
// outside printable ASCII (libxml2 writes it as character references or not depending on the
// input's declared encoding).
TEST(SignPaths, NonAsciiSignatureIdTakesTheDomPath) {
    dsig::SignOptions options;
    options.signature_id = "firma-caf\xC3\xA9";
    const dsig::Signer signer = make_signer_with(options);
    for (const std::string input : {"<doc/>", "<doc><a/></doc>", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><doc><a/></doc>"})
        EXPECT_FALSE(expect_same_bytes(signer, input, input));
}

// Subject and issuer names with characters to escape and UTF-8 (a certificate made by the
// openssl CLI): the streamed path writes them as libxml2 does.
TEST(SignPaths, CertificateNamesNeedingEscapesGiveTheSameBytes) {
    if (!test::have_tool("openssl")) {
        ADD_FAILURE() << "openssl is not installed: the certificate could not be made";
        return;
    }
    const auto dir = std::filesystem::temp_directory_path() / ("istmo-sign-paths-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto key_file = dir / "k.pem";
    const auto cert_file = dir / "c.pem";
    const auto made = test::run_command(
        "openssl req -x509 -newkey ed25519 -nodes -days 2 -utf8 -keyout " + test::shell_quote(key_file) + " -out " +
        test::shell_quote(cert_file) + " -subj " +
        test::shell_quote(std::string("/CN=Caf\xC3\xA9 & <Co> \"q\" > x/O=A\\, B; C=D/OU=\xC3\x91" "and\xC3\xBA")) + " 2>&1");
    ASSERT_EQ(made.exit_code, 0) << made.output;
    auto key = crypto::PrivateKey::from_file(key_file.string());
    auto cert = crypto::Certificate::from_file(cert_file.string());
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(key && cert);
    ASSERT_NE(cert->subject().find('&'), std::string::npos) << cert->subject();
    for (const auto& [c14n, c14n_name] : k_streamed_c14n) {
        dsig::SignOptions options;
        options.canonicalization = c14n;
        options.include_subject_name = options.include_issuer_serial = options.include_key_value = true;
        auto signer = dsig::Signer::create(*key, *cert, {}, options);
        ASSERT_TRUE(signer.has_value());
        EXPECT_TRUE(expect_same_bytes(*signer, "<doc xml:lang=\"es\"><a/></doc>", c14n_name)) << c14n_name;
    }
}

}  // namespace
