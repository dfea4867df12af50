// The one JSON writer, the one JSON reader and the "worst wins" verdict of src/report.
#include <istmo/report/json.hpp>
#include <istmo/report/report.hpp>

#include "core/utf8.hpp"
#include "report/json_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace istmo;
using report::Indication;
using report::SubIndication;

TEST(ReportJson, WriterSeparatesAndEscapes) {
    report::JsonWriter w;
    w.begin_object()
        .member("a", "x\"y\\z\n\x01")
        .key("n").value(42)
        .key("t").value(true)
        .key("none").null()
        .key("empty").string_or_null("")
        .key("list").begin_array().value("1").begin_object().end_object().begin_array().end_array().end_array()
        .key("ms").value(1.23456, 3)
        .end_object();
    EXPECT_EQ(w.text(), R"({"a":"x\"y\\z\n\u0001","n":42,"t":true,"none":null,"empty":null,"list":["1",{},[]],"ms":1.235})");
    // What it writes is what the strict reader reads back.
    auto back = report::json::parse(w.text());
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(back->find("a")->text, "x\"y\\z\n\x01");
    EXPECT_EQ(back->find("empty")->kind, report::json::Kind::null);
}

TEST(ReportJson, WriterKeepsUtf8AndReplacesInvalidBytes) {
    std::string out;
    report::append_json_string(out, "Jos\xC3\xA9 \xF0\x9F\x98\x80");
    EXPECT_EQ(out, "\"Jos\xC3\xA9 \xF0\x9F\x98\x80\"");
    out.clear();
    // A lone continuation byte, an overlong '/', a UTF-16 surrogate and a truncated sequence.
    report::append_json_string(out, "a\x80" "b\xC0\xAF" "c\xED\xA0\x80" "d\xE2\x82");
    EXPECT_TRUE(core::utf8::is_valid(out));
    EXPECT_EQ(out, "\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "d\xEF\xBF\xBD\xEF\xBF\xBD\"");
    EXPECT_TRUE(report::json::parse(out));
}

TEST(ReportJson, WriterRawAndNonFiniteNumbers) {
    report::JsonWriter w;
    w.begin_array().raw(R"({"x":1})").value(std::numeric_limits<double>::infinity(), 2).end_array();
    EXPECT_EQ(w.text(), R"([{"x":1},null])");
}

TEST(ReportJson, ReaderRefusesDuplicatesAndOverLimits) {
    EXPECT_FALSE(report::json::parse(R"({"a":1,"a":2})"));
    report::json::Limits limits;
    limits.max_string_bytes = 4;
    EXPECT_TRUE(report::json::parse(R"(["abcd"])", limits));
    auto long_string = report::json::parse(R"(["abcde"])", limits);
    ASSERT_FALSE(long_string);
    EXPECT_EQ(long_string.error().code, Errc::limit_exceeded);
    limits = {};
    limits.max_depth = 2;
    EXPECT_TRUE(report::json::parse("[[1]]", limits));
    EXPECT_EQ(report::json::parse("[[[1]]]", limits).error().code, Errc::limit_exceeded);
    limits = {};
    limits.max_bytes = 3;
    EXPECT_EQ(report::json::parse("[1,2]", limits).error().code, Errc::limit_exceeded);
    // Numbers keep their text: nothing is rounded through a double.
    auto exact = report::json::parse("[0.10000000000000000000001]");
    ASSERT_TRUE(exact);
    EXPECT_EQ(exact->items.at(0).text, "0.10000000000000000000001");
    // Invalid UTF-8 and unpaired surrogates are refused.
    EXPECT_FALSE(report::json::parse("[\"\xC0\xAF\"]"));
    EXPECT_FALSE(report::json::parse(R"(["\ud800"])"));
}

TEST(ReportJson, Utf8EncoderRoundTrips) {
    for (std::uint32_t cp : {0x24u, 0xA2u, 0x20ACu, 0x10348u, 0x10FFFFu}) {
        std::string s;
        core::utf8::append(s, cp);
        EXPECT_EQ(core::utf8::sequence_length(s, 0), s.size()) << cp;
    }
}

TEST(ReportVerdict, WorstWinsAndFirstReasonStaysOnTies) {
    report::Verdict v;
    EXPECT_TRUE(v.passed());
    EXPECT_TRUE(v.add(Indication::indeterminate, SubIndication::no_certificate_chain_found));
    EXPECT_FALSE(v.add(Indication::indeterminate, SubIndication::expired));  // tie: first reason stays
    EXPECT_EQ(v.sub_indication, SubIndication::no_certificate_chain_found);
    EXPECT_FALSE(v.add(Indication::total_passed));
    EXPECT_TRUE(v.add(report::Verdict{Indication::total_failed, SubIndication::hash_failure}));
    EXPECT_FALSE(v.add(Indication::indeterminate, SubIndication::none));
    EXPECT_EQ(v.indication, Indication::total_failed);
    EXPECT_EQ(v.sub_indication, SubIndication::hash_failure);
    static_assert(report::indication_rank(Indication::total_failed) > report::indication_rank(Indication::indeterminate));
}

}  // namespace
