// istmo_extend (C API node ISTMO_C_0.3): a B-B made through the C API extended to B-T, B-LT and
// B-LTA with the in-process TSA, verified again through the C API (the level in the JSON); and
// every error path (NULL arguments, an unknown level, no XAdES signature, an unreachable TSA).
#include <istmo/istmo.h>

#include "tsa_test_server.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <unistd.h>

namespace {

const std::string k_pki = std::string(ISTMO_SOURCE_DIR) + "/test-vectors/pki/";
const std::string k_document = "<Invoice xmlns=\"urn:example:invoice\"><Total>100.00</Total></Invoice>";

struct Free {
    void operator()(istmo_key* p) const { istmo_key_free(p); }
    void operator()(istmo_cert* p) const { istmo_cert_free(p); }
    void operator()(istmo_trust* p) const { istmo_trust_free(p); }
    void operator()(istmo_verify_options* p) const { istmo_verify_options_free(p); }
    void operator()(istmo_report* p) const { istmo_report_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

std::string last_error() { return istmo_last_error_message(); }

std::string take_text(char* text, size_t len) {
    std::string out = text ? std::string(text, len) : std::string();
    istmo_free(text);
    return out;
}

class CapiExtend : public ::testing::Test {
protected:
    void SetUp() override {
        istmo_key* key = nullptr;
        ASSERT_EQ(istmo_key_load_file(&key, (k_pki + "ec-p256.key.pem").c_str(), nullptr), ISTMO_OK) << last_error();
        m_key.reset(key);
        istmo_cert* cert = nullptr;
        ASSERT_EQ(istmo_cert_load_file(&cert, (k_pki + "ec-p256.cert.pem").c_str()), ISTMO_OK) << last_error();
        m_cert.reset(cert);
        char* out = nullptr;
        size_t len = 0;
        ASSERT_EQ(istmo_sign(&out, &len, k_document.data(), k_document.size(), m_key.get(), m_cert.get(), "xades-b-b"),
                  ISTMO_OK)
            << last_error();
        m_bb = take_text(out, len);
        istmo_trust* tsa_trust = nullptr;
        ASSERT_EQ(istmo_trust_new(&tsa_trust), ISTMO_OK);
        m_tsa_trust.reset(tsa_trust);
        const auto root = m_dir / "tsa-root.pem";
        std::filesystem::create_directories(m_dir);
        std::ofstream(root) << m_tsa.pki().root_pem();
        ASSERT_EQ(istmo_trust_add_file(tsa_trust, root.c_str()), ISTMO_OK) << last_error();
        istmo_verify_options* options = nullptr;
        ASSERT_EQ(istmo_verify_options_new(&options), ISTMO_OK);
        m_options.reset(options);
        ASSERT_EQ(istmo_verify_options_add_trust_file(options, (k_pki + "ca.cert.pem").c_str()), ISTMO_OK) << last_error();
        ASSERT_EQ(istmo_verify_options_add_untrusted_file(options, (k_pki + "intermediate.cert.pem").c_str()), ISTMO_OK);
        ASSERT_EQ(istmo_verify_options_set_revocation(options, "off"), ISTMO_OK);  // the test PKI publishes no status
        ASSERT_EQ(istmo_verify_options_add_trust_file(options, root.c_str()), ISTMO_OK) << last_error();
    }
    void TearDown() override {
        std::error_code ec;
        std::filesystem::remove_all(m_dir, ec);
    }
    std::string extend(const std::string& xml, const char* level) {
        char* out = nullptr;
        size_t len = 0;
        const int rc = istmo_extend(&out, &len, xml.data(), xml.size(), level, m_tsa.url().c_str(), m_tsa_trust.get(),
                                    m_options.get());
        EXPECT_EQ(rc, ISTMO_OK) << last_error();
        return take_text(out, len);
    }
    std::string verify_json(const std::string& xml) {
        istmo_report* report = nullptr;
        EXPECT_EQ(istmo_verify_with_options(&report, xml.data(), xml.size(), nullptr, m_options.get()), ISTMO_OK)
            << last_error();
        Owned<istmo_report> owned(report);
        EXPECT_EQ(istmo_report_indication(report), ISTMO_INDICATION_TOTAL_PASSED) << istmo_report_json(report);
        return istmo_report_json(report);
    }

    istmo::test::TsaTestServer m_tsa;
    std::filesystem::path m_dir = std::filesystem::temp_directory_path() / ("istmo-capi-extend-" + std::to_string(::getpid()));
    Owned<istmo_key> m_key;
    Owned<istmo_cert> m_cert;
    Owned<istmo_trust> m_tsa_trust;
    Owned<istmo_verify_options> m_options;
    std::string m_bb;
};

TEST_F(CapiExtend, ExtendsToBTBLTAndBLTA) {
    const std::string bt = extend(m_bb, "b-t");
    EXPECT_NE(verify_json(bt).find("\"level\":\"B-T\""), std::string::npos);
    const std::string blt = extend(bt, "b-lt");
    EXPECT_NE(blt.find("CertificateValues"), std::string::npos);
    EXPECT_NE(verify_json(blt).find("\"level\":\"B-LT\""), std::string::npos);
    const std::string blta = extend(blt, "b-lta");
    const std::string json = verify_json(blta);
    EXPECT_NE(json.find("\"level\":\"B-LTA\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"type\":\"ArchiveTimeStamp\""), std::string::npos) << json;
}

TEST_F(CapiExtend, ErrorPaths) {
    char* out = reinterpret_cast<char*>(1);
    size_t len = 7;
    const std::string url = m_tsa.url();
    EXPECT_EQ(istmo_extend(nullptr, &len, m_bb.data(), m_bb.size(), "b-t", url.c_str(), m_tsa_trust.get(), nullptr),
              ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_extend(&out, &len, m_bb.data(), m_bb.size(), nullptr, url.c_str(), m_tsa_trust.get(), nullptr),
              ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(out, nullptr);
    EXPECT_EQ(len, 0u);
    EXPECT_EQ(istmo_extend(&out, &len, m_bb.data(), m_bb.size(), "b-x", url.c_str(), m_tsa_trust.get(), nullptr),
              ISTMO_E_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("unknown level"), std::string::npos) << last_error();
    EXPECT_EQ(istmo_extend(&out, &len, m_bb.data(), m_bb.size(), "b-t", nullptr, m_tsa_trust.get(), nullptr),
              ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_extend(&out, &len, m_bb.data(), m_bb.size(), "b-t", url.c_str(), nullptr, nullptr),
              ISTMO_E_INVALID_ARGUMENT);
    EXPECT_EQ(istmo_extend(&out, &len, k_document.data(), k_document.size(), "b-t", url.c_str(), m_tsa_trust.get(), nullptr),
              ISTMO_E_INVALID_ARGUMENT);  // no XAdES signature
    EXPECT_NE(last_error().find("no XAdES signature"), std::string::npos) << last_error();
    EXPECT_EQ(istmo_extend(&out, &len, "<a", 2, "b-t", url.c_str(), m_tsa_trust.get(), nullptr), ISTMO_E_PARSE);
    EXPECT_EQ(istmo_extend(&out, &len, m_bb.data(), m_bb.size(), "b-t", "http://127.0.0.1:9/tsa", m_tsa_trust.get(), nullptr),
              ISTMO_E_UNAVAILABLE)
        << last_error();
    EXPECT_EQ(out, nullptr);
}

}  // namespace
