// The safe XML parser: limits, DTD/entity refusal, error positions.
#include <istmo/xml/document.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using istmo::Errc;
using istmo::xml::ParseLimits;
using istmo::xml::XmlDocument;

TEST(XmlParse, ParsesAndReportsTheRoot) {
    auto doc = XmlDocument::parse("<?xml version=\"1.0\"?><rFE xmlns=\"http://dgi-fep.mef.gob.pa\"><a>1</a></rFE>");
    ASSERT_TRUE(doc.has_value());
    EXPECT_EQ(doc->root_name(), "rFE");
    EXPECT_EQ(doc->root_namespace(), "http://dgi-fep.mef.gob.pa");
    EXPECT_NE(doc->to_string().find("<a>1</a>"), std::string::npos);
}

TEST(XmlParse, ErrorsCarryLineAndColumn) {
    auto doc = XmlDocument::parse("<a>\n<b>\n</a>");
    ASSERT_FALSE(doc.has_value());
    EXPECT_EQ(doc.error().code, Errc::parse_error);
    EXPECT_EQ(doc.error().line, 3);
    EXPECT_GT(doc.error().column, 0);
    EXPECT_NE(doc.error().to_string().find("line 3"), std::string::npos);
}

TEST(XmlParse, EmptyAndGarbageInputs) {
    EXPECT_EQ(XmlDocument::parse("").error().code, Errc::parse_error);
    EXPECT_EQ(XmlDocument::parse(std::string("\0\1\2\3", 4)).error().code, Errc::parse_error);
    EXPECT_EQ(XmlDocument::parse("just text").error().code, Errc::parse_error);
    EXPECT_EQ(XmlDocument::parse("<a></a><b/>").error().code, Errc::parse_error);
}

TEST(XmlParse, RefusesExternalEntities) {
    // XXE through a file and through the network: refused before anything is loaded.
    for (const char* xml : {"<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>",
                            "<!DOCTYPE r [<!ENTITY x SYSTEM \"http://127.0.0.1:9/x\">]><r>&x;</r>",
                            "<!DOCTYPE r [<!ENTITY % p SYSTEM \"http://127.0.0.1:9/p.dtd\"> %p;]><r/>",
                            "<!DOCTYPE r SYSTEM \"file:///etc/passwd\"><r/>"}) {
        auto doc = XmlDocument::parse(xml);
        ASSERT_FALSE(doc.has_value()) << xml;
        EXPECT_EQ(doc.error().code, Errc::unsupported) << xml;
    }
}

TEST(XmlParse, RefusesEntityBombsEvenWithDoctypeAllowed) {
    std::string bomb = "<!DOCTYPE lolz [<!ENTITY lol \"lol\">";
    for (int i = 1; i < 10; ++i)
        bomb += "<!ENTITY lol" + std::to_string(i) + " \"" + std::string("&lol") + (i > 1 ? std::to_string(i - 1) : "") +
                ";&lol" + (i > 1 ? std::to_string(i - 1) : "") + ";\">";
    bomb += "]><lolz>&lol9;</lolz>";
    ParseLimits limits;
    limits.allow_doctype = true;
    auto doc = XmlDocument::parse(bomb, limits);
    ASSERT_FALSE(doc.has_value());
    EXPECT_EQ(doc.error().code, Errc::unsupported);
    // Quadratic blow-up: one big entity referenced many times.
    std::string quadratic = "<!DOCTYPE r [<!ENTITY a \"" + std::string(10000, 'a') + "\">]><r>";
    for (int i = 0; i < 1000; ++i) quadratic += "&a;";
    quadratic += "</r>";
    EXPECT_FALSE(XmlDocument::parse(quadratic, limits).has_value());
}

TEST(XmlParse, DoctypeWithoutEntitiesOnlyWhenAllowed) {
    const std::string xml = "<!DOCTYPE r [<!ELEMENT r ANY>]><r/>";
    EXPECT_EQ(XmlDocument::parse(xml).error().code, Errc::unsupported);
    ParseLimits limits;
    limits.allow_doctype = true;
    EXPECT_TRUE(XmlDocument::parse(xml, limits).has_value());
}

TEST(XmlParse, EnforcesInputSize) {
    ParseLimits limits;
    limits.max_input_bytes = 100;
    auto doc = XmlDocument::parse("<a>" + std::string(200, 'x') + "</a>", limits);
    ASSERT_FALSE(doc.has_value());
    EXPECT_EQ(doc.error().code, Errc::limit_exceeded);
}

TEST(XmlParse, EnforcesDepth) {
    auto nest = [](int depth) {
        std::string s;
        for (int i = 0; i < depth; ++i) s += "<a>";
        for (int i = 0; i < depth; ++i) s += "</a>";
        return s;
    };
    ParseLimits limits;
    limits.max_depth = 20;
    EXPECT_TRUE(XmlDocument::parse(nest(20), limits).has_value());
    auto deep = XmlDocument::parse(nest(21), limits);
    ASSERT_FALSE(deep.has_value());
    EXPECT_EQ(deep.error().code, Errc::limit_exceeded);
    // Beyond libxml2's own ceiling (no XML_PARSE_HUGE): still a clean error.
    auto very_deep = XmlDocument::parse(nest(100000));
    ASSERT_FALSE(very_deep.has_value());
    EXPECT_EQ(very_deep.error().code, Errc::limit_exceeded);
}

TEST(XmlParse, EnforcesNodeCountAttributeAndTextSize) {
    ParseLimits limits;
    limits.max_nodes = 50;
    std::string many = "<r>";
    for (int i = 0; i < 100; ++i) many += "<i/>";
    many += "</r>";
    EXPECT_EQ(XmlDocument::parse(many, limits).error().code, Errc::limit_exceeded);

    limits = {};
    limits.max_attribute_bytes = 1000;
    EXPECT_EQ(XmlDocument::parse("<r a=\"" + std::string(2000, 'v') + "\"/>", limits).error().code, Errc::limit_exceeded);

    limits = {};
    limits.max_text_bytes = 1000;
    EXPECT_EQ(XmlDocument::parse("<r>" + std::string(2000, 't') + "</r>", limits).error().code, Errc::limit_exceeded);
}

TEST(XmlParse, LargeDocumentsWithinLimitsParse) {
    std::string big = "<r>";
    for (int i = 0; i < 20000; ++i) big += "<item n=\"" + std::to_string(i) + "\">value</item>";
    big += "</r>";
    EXPECT_TRUE(XmlDocument::parse(big).has_value());
}

}  // namespace
