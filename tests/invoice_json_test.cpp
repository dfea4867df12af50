// The strict JSON parser used for invoice input.
#include "invoice/json/json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace istmo;
using namespace istmo::invoice;

TEST(InvoiceJson, ParsesObjectsArraysAndKeepsNumberText) {
    auto v = json::parse(R"({"a": 1.50, "b": [true, false, null], "c": "x\u00e9\ud83d\ude00\n", "d": -0, "e": 1e2})");
    ASSERT_TRUE(v.has_value()) << v.error().to_string();
    ASSERT_EQ(v->kind, json::Kind::object);
    ASSERT_EQ(v->members.size(), 5u);
    EXPECT_EQ(v->members[0].name, "a");
    EXPECT_EQ(v->find("a")->text, "1.50");  // the decimal text, not a double
    EXPECT_EQ(v->find("b")->items.size(), 3u);
    EXPECT_EQ(v->find("c")->text, "x\xC3\xA9\xF0\x9F\x98\x80\n");
    EXPECT_EQ(v->find("d")->text, "-0");
    EXPECT_EQ(v->find("e")->text, "1e2");
    EXPECT_EQ(v->find("zz"), nullptr);
}

TEST(InvoiceJson, RefusesEverythingOutsideRfc8259) {
    for (const char* bad : {"", "{", "{\"a\":1,}", "[1,]", "{'a':1}", "{\"a\" 1}", "01", "1.", ".5", "+1",
                            "NaN", "[1] x", "\"\x01\"", "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"\xC0\xAF\"",
                            "\"\xED\xA0\x80\"", "{\"a\":1,\"a\":2}", "tru", "[1 2]", "/*c*/1", "\"abc"}) {
        auto v = json::parse(bad);
        EXPECT_FALSE(v.has_value()) << bad;
        if (!v.has_value()) {
            EXPECT_EQ(v.error().code, Errc::parse_error) << bad;
        }
    }
}

TEST(InvoiceJson, ErrorsHaveLineAndColumn) {
    auto v = json::parse("{\n  \"a\": 1,\n  \"b\": x\n}");
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error().line, 3);
    EXPECT_EQ(v.error().column, 8);
    EXPECT_NE(v.error().message.find("line 3, column 8"), std::string::npos);
    auto dup = json::parse("{\"a\":1,\n \"a\":2}");
    ASSERT_FALSE(dup.has_value());
    EXPECT_NE(dup.error().message.find("duplicate member name \"a\""), std::string::npos);
    EXPECT_EQ(dup.error().line, 2);
}

TEST(InvoiceJson, DepthAndSizeLimits) {
    std::string deep(100, '[');
    deep += std::string(100, ']');
    auto v = json::parse(deep);
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error().code, Errc::limit_exceeded);
    json::Limits small;
    small.max_bytes = 4;
    auto big = json::parse("[1,2,3]", small);
    ASSERT_FALSE(big.has_value());
    EXPECT_EQ(big.error().code, Errc::limit_exceeded);
    EXPECT_TRUE(json::parse(std::string(60, '[') + std::string(60, ']')).has_value());
}

}  // namespace
