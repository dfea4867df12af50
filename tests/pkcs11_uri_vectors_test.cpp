// The PKCS#11 URI vectors of test-vectors/pkcs11-uris/ (README table: file, expected): every
// file has a row, every row parses or is refused as it says, and a refusal never echoes a PIN.
#include "crypto/pkcs11_uri.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <set>

namespace {

using namespace istmo;

TEST(Pkcs11UriVectors, EachFileGivesTheResultItsRowStates) {
    const auto dir = test::vectors_dir() / "pkcs11-uris";
    const auto rows = test::vector_table_rows(test::read_file(dir / "README.md"));
    ASSERT_GE(rows.size(), 10u);
    std::set<std::string> listed;
    for (const auto& row : rows) {
        ASSERT_GE(row.size(), 2u);
        const std::string& file = row[0];
        const std::string& expected = row[1];
        listed.insert(file);
        const std::string text = test::read_file(dir / file);
        auto uri = crypto::pkcs11::parse_uri(text);
        if (expected == "parsed") {
            EXPECT_TRUE(uri.has_value()) << file << ": " << (uri ? "" : uri.error().to_string());
        } else {
            ASSERT_EQ(expected, "refused") << file;
            ASSERT_FALSE(uri.has_value()) << file;
            EXPECT_EQ(uri.error().code, Errc::invalid_argument) << file;
            for (const char* pin : {"1234", "/etc/pin"}) {
                if (text.find(pin) != std::string::npos) {
                    EXPECT_EQ(uri.error().to_string().find(pin), std::string::npos) << file;
                }
            }
        }
    }
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() == ".uri") {
            EXPECT_TRUE(listed.count(entry.path().filename().string())) << entry.path() << " has no README row";
        }
    }
}

TEST(Pkcs11UriVectors, DecodesPercentEscapedUtf8) {
    auto uri = crypto::pkcs11::parse_uri(test::read_file(test::vectors_dir() / "pkcs11-uris" / "ok-percent-utf8.uri"));
    ASSERT_TRUE(uri.has_value());
    EXPECT_EQ(uri->token, "Se\xc3\xb1" "al");
    EXPECT_EQ(uri->object, "m\xc3\xa1quina");
}

}  // namespace
