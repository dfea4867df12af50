// Panama FE deadlines (SPEC §2.6 / §6, quoted from PAC documentation and unverified in the law,
// hence warnings): contingency over 72 hours (FE-CONT-72H, FE-CONT-72H-AT with a validation time)
// and a credit note more than 180 days after the FE it refers to (FE-NC-180D).
#include <istmo/invoice/panama.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace {

using namespace istmo;
using namespace istmo::invoice::panama;
using namespace std::chrono;

std::string json_of(const std::string& name) {
    return test::read_file(test::vectors_dir() / "panama-fe" / "json" / (name + ".json"));
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
    const auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) s.replace(pos, from.size(), to);
    return s;
}

// The unsigned invoice of a JSON vector after one replacement in the JSON.
std::string invoice_xml(const std::string& name, const std::string& from = {}, const std::string& to = {}) {
    auto inv = from_json(from.empty() ? json_of(name) : replaced(json_of(name), from, to));
    EXPECT_TRUE(inv.has_value()) << (inv ? "" : inv.error().to_string());
    return inv ? to_xml(*inv) : std::string();
}

// Structure and rules only (no signature); `at` is the validation time when given.
InvoiceReport check(const std::string& xml, std::optional<system_clock::time_point> at = std::nullopt) {
    ValidateOptions o;
    o.check_signature = false;
    o.require_signature = false;
    o.verify.validation_time = at;
    auto r = InvoiceValidator(o).validate(xml);
    EXPECT_TRUE(r.has_value());
    return r ? *r : InvoiceReport{};
}

const InvoiceFinding* finding(const InvoiceReport& r, std::string_view code) {
    for (const auto& f : r.findings)
        if (f.code == code) return &f;
    return nullptr;
}

// 2026-11-20T10:15:00-05:00, the dFechaEm of every JSON vector.
const system_clock::time_point k_emitted = sys_days{2026y / November / 20} + 15h + 15min;
// 2026-11-20T09:00:00-05:00, the dFechaCont of 08-zona-franca-contingencia.
const system_clock::time_point k_contingency = sys_days{2026y / November / 20} + 14h;

const std::string k_cont = "\"dFechaCont\": \"2026-11-20T09:00:00-05:00\"";

TEST(InvoiceDeadlines, ContingencyWithinSeventyTwoHoursHasNoFinding) {
    const auto r = check(invoice_xml("08-zona-franca-contingencia"));
    EXPECT_TRUE(r.findings.empty()) << r.to_json();
    EXPECT_TRUE(r.passed());
}

TEST(InvoiceDeadlines, IssuedMoreThanSeventyTwoHoursIntoTheContingency) {
    // dFechaEm 2026-11-20T10:15:00-05:00; the contingency began 4 days earlier.
    const auto r = check(invoice_xml("08-zona-franca-contingencia", k_cont, "\"dFechaCont\": \"2026-11-16T09:00:00-05:00\""));
    const auto* f = finding(r, "FE-CONT-72H");
    ASSERT_NE(f, nullptr) << r.to_json();
    EXPECT_EQ(f->severity, report::Severity::warning);
    EXPECT_EQ(f->rule, "B04");
    EXPECT_EQ(f->location, "/rFE/gDGen/dFechaEm");
    EXPECT_GT(f->line, 0);
    EXPECT_NE(f->message.find("97 hours"), std::string::npos) << f->message;
    EXPECT_NE(f->message_es.find("97 horas"), std::string::npos) << f->message_es;
    EXPECT_NE(f->message.find("unverified"), std::string::npos);
    // A warning: the invoice still passes.
    EXPECT_TRUE(r.passed()) << r.to_json();
    EXPECT_NE(r.to_json().find("\"code\":\"FE-CONT-72H\",\"severity\":\"warning\""), std::string::npos) << r.to_json();
}

TEST(InvoiceDeadlines, SeventyTwoHoursIsTheLimitAcrossOffsets) {
    // Exactly 72 h before 2026-11-20T10:15:00-05:00, written with the same and with another offset.
    for (const char* start : {"2026-11-17T10:15:00-05:00", "2026-11-17T15:15:00+00:00", "2026-11-17T20:45:00+05:30"}) {
        const auto r = check(invoice_xml("08-zona-franca-contingencia", k_cont, std::string("\"dFechaCont\": \"") + start + "\""));
        EXPECT_EQ(finding(r, "FE-CONT-72H"), nullptr) << start << "\n" << r.to_json();
    }
    // One second more.
    for (const char* start : {"2026-11-17T10:14:59-05:00", "2026-11-17T15:14:59+00:00", "2026-11-17T20:44:59+05:30"}) {
        const auto r = check(invoice_xml("08-zona-franca-contingencia", k_cont, std::string("\"dFechaCont\": \"") + start + "\""));
        EXPECT_NE(finding(r, "FE-CONT-72H"), nullptr) << start << "\n" << r.to_json();
    }
}

TEST(InvoiceDeadlines, ValidationTimeMoreThanSeventyTwoHoursAfterTheContingencyBegan) {
    const std::string xml = invoice_xml("08-zona-franca-contingencia");
    // Without an explicit validation time nothing is compared with "now" (this invoice is from
    // 2026-11-20; an archived invoice is not late because it is validated today).
    EXPECT_EQ(finding(check(xml), "FE-CONT-72H-AT"), nullptr);
    EXPECT_EQ(finding(check(xml, k_contingency + 72h), "FE-CONT-72H-AT"), nullptr);
    const auto late = check(xml, k_contingency + 73h);
    const auto* f = finding(late, "FE-CONT-72H-AT");
    ASSERT_NE(f, nullptr) << late.to_json();
    EXPECT_EQ(f->severity, report::Severity::warning);
    EXPECT_EQ(f->rule, "B04");
    EXPECT_EQ(f->location, "/rFE/gDGen/dFechaCont");
    EXPECT_NE(f->message.find("73 hours"), std::string::npos) << f->message;
    EXPECT_TRUE(late.passed()) << late.to_json();
    // The document itself was issued in time: only the validation-time rule fires.
    EXPECT_EQ(finding(late, "FE-CONT-72H"), nullptr);
    // A normal emission has no contingency window, whenever it is validated.
    const auto normal = check(invoice_xml("01-factura"), k_emitted + hours(24 * 365));
    EXPECT_TRUE(normal.findings.empty()) << normal.to_json();
}

TEST(InvoiceDeadlines, SignedContingencyInvoiceThroughTheValidatorWithTrust) {
    // The signed vector, validated as a PAC would at reception: the time also governs the path.
    ValidateOptions o;
    ASSERT_TRUE(o.verify.trust.add_file((test::vectors_dir() / "pki" / "chain.pem").string()).has_value());
    o.verify.validation_time = k_contingency + 96h;
    const InvoiceValidator validator(o);
    auto r = validator.validate(test::read_file(test::vectors_dir() / "panama-fe" / "valid" / "08-zona-franca-contingencia.xml"));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->indication, report::Indication::total_passed) << r->to_json();
    ASSERT_EQ(r->findings.size(), 1u) << r->to_json();
    EXPECT_EQ(r->findings[0].code, "FE-CONT-72H-AT");
}

const std::string k_ref = "\"dFechaDFRef\": \"2026-11-20T10:15:00-05:00\"";

TEST(InvoiceDeadlines, CreditNoteMoreThanOneHundredEightyDaysAfterTheInvoice) {
    // 2026-05-24 -> 2026-11-20 is 180 days; 2026-05-23 is 181.
    for (const char* date : {"2026-05-24T00:00:00-05:00", "2026-05-24T23:59:59-05:00", "2026-11-20T10:15:00-05:00"}) {
        const auto r = check(invoice_xml("04-nota-credito-fe", k_ref, std::string("\"dFechaDFRef\": \"") + date + "\""));
        EXPECT_EQ(finding(r, "FE-NC-180D"), nullptr) << date << "\n" << r.to_json();
        EXPECT_TRUE(r.findings.empty()) << date << "\n" << r.to_json();
    }
    const auto r = check(invoice_xml("04-nota-credito-fe", k_ref, "\"dFechaDFRef\": \"2026-05-23T23:59:59-05:00\""));
    const auto* f = finding(r, "FE-NC-180D");
    ASSERT_NE(f, nullptr) << r.to_json();
    EXPECT_EQ(f->severity, report::Severity::warning);
    EXPECT_EQ(f->rule, "B603");
    EXPECT_EQ(f->location, "/rFE/gDGen/gDFRef[1]/dFechaDFRef");
    EXPECT_GT(f->line, 0);
    EXPECT_NE(f->message.find("181 days"), std::string::npos) << f->message;
    EXPECT_NE(f->message_es.find("181 días"), std::string::npos) << f->message_es;
    EXPECT_TRUE(r.passed()) << r.to_json();
    // The rule needs no validation time, and one does not change it.
    EXPECT_NE(finding(check(invoice_xml("04-nota-credito-fe", k_ref, "\"dFechaDFRef\": \"2026-05-23T23:59:59-05:00\""),
                            k_emitted),
                      "FE-NC-180D"),
              nullptr);
}

TEST(InvoiceDeadlines, OnlyCreditNotesReferringToAnFeHaveTheWindow) {
    // A debit note (05) and a generic credit note (06) with a reference from 2021: no FE-NC-180D.
    for (const char* name : {"05-nota-debito-fe", "06-nota-credito-generica"}) {
        const auto r = check(invoice_xml(name, k_ref, "\"dFechaDFRef\": \"2021-03-01T12:00:00-05:00\""));
        EXPECT_EQ(finding(r, "FE-NC-180D"), nullptr) << name << "\n" << r.to_json();
        EXPECT_TRUE(r.passed()) << name << "\n" << r.to_json();
    }
}

TEST(InvoiceDeadlines, MalformedDatesGiveTheirStructureFindingOnly) {
    // A date the structure check refuses is not also judged by the deadline rules.
    std::string xml = invoice_xml("08-zona-franca-contingencia");
    xml = replaced(xml, "<dFechaCont>2026-11-20T09:00:00-05:00</dFechaCont>", "<dFechaCont>2026-11-2T09:00:00-05:00</dFechaCont>");
    const auto r = check(xml, k_contingency + hours(24 * 30));
    EXPECT_TRUE(r.has("FE-XSD-VALUE")) << r.to_json();
    EXPECT_FALSE(r.has("FE-CONT-72H")) << r.to_json();
    EXPECT_FALSE(r.has("FE-CONT-72H-AT")) << r.to_json();
}

// The calendar's ends (year 1, year 9999) and the clock's (time_point::max()) in the deadline
// rules: the exact number of hours or days, never an overflowed one (core/time_math.hpp).
TEST(InvoiceDeadlines, CalendarExtremesGiveExactCounts) {
    // A contingency that began in year 1: the hours up to 2026-11-20T15:15:00Z.
    const auto r = check(invoice_xml("08-zona-franca-contingencia", k_cont, "\"dFechaCont\": \"0001-01-01T00:00:00+00:00\""),
                         system_clock::time_point::max());
    const auto* f = finding(r, "FE-CONT-72H");
    ASSERT_NE(f, nullptr) << r.to_json();
    const auto hours_since_year_1 = duration_cast<hours>(sys_seconds{k_emitted.time_since_epoch() / 1s * 1s} -
                                                         sys_seconds{sys_days{year{1} / January / 1}})
                                        .count();
    EXPECT_NE(f->message.find(" " + std::to_string(hours_since_year_1) + " hours"), std::string::npos) << f->message;
    // The validation time at system_clock's last instant (2262): also counted exactly.
    const auto* at = finding(r, "FE-CONT-72H-AT");
    ASSERT_NE(at, nullptr) << r.to_json();
    const auto hours_to_2262 = duration_cast<hours>(time_point_cast<seconds>(system_clock::time_point::max()) -
                                                    sys_seconds{sys_days{year{1} / January / 1}})
                                   .count();
    EXPECT_NE(at->message.find(" " + std::to_string(hours_to_2262) + " hours"), std::string::npos) << at->message;
    // A contingency "beginning" in year 9999 is not late.
    const auto future = check(invoice_xml("08-zona-franca-contingencia", k_cont, "\"dFechaCont\": \"9999-12-31T23:59:59-05:00\""),
                              system_clock::time_point::min());
    EXPECT_EQ(finding(future, "FE-CONT-72H"), nullptr) << future.to_json();
    EXPECT_EQ(finding(future, "FE-CONT-72H-AT"), nullptr) << future.to_json();
    // A credit note for an FE of year 1: every day from 0001-01-01 to 2026-11-20.
    const auto nc = check(invoice_xml("04-nota-credito-fe", k_ref, "\"dFechaDFRef\": \"0001-01-01T00:00:00+00:00\""));
    const auto* days_finding = finding(nc, "FE-NC-180D");
    ASSERT_NE(days_finding, nullptr) << nc.to_json();
    const auto days_since_year_1 = (sys_days{2026y / November / 20} - sys_days{year{1} / January / 1}).count();
    EXPECT_NE(days_finding->message.find(" " + std::to_string(days_since_year_1) + " days"), std::string::npos)
        << days_finding->message;
}

}  // namespace
