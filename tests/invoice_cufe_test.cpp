// CUFE known answers (SPEC §3.3, 12 real or test CUFEs) and RUC check digits (dDV).
#include <istmo/invoice/cufe.hpp>
#include <istmo/invoice/decimal.hpp>

#include "invoice/panama/schema.hpp"

#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <string>
#include <vector>

namespace {

using namespace istmo::invoice;
using namespace istmo::invoice::panama;

const std::vector<std::string> k_real_cufes = {
    "FE0120000155596713-2-2015-5900002020021000000050185050221010989249",
    "FE0120000155596713-2-2015-5900002020071300000185800520124121596372",
    "FE0120000155596713-2-2015-5900002021031500000991815050128384073517",
    "FE0120000155596713-2-2015-5900002021051200000992155050121410079104",
    "FE0120000155596713-2-2015-5900012019052800055000155650121566749040",
    "FE0120000155646463-2-2017-8600012024032052095049600010128158741019",
    "FE012000000521-136-113133-0270062022051590000008910080125781091727",
    "FE01200002679372-1-844914-7300002025051500311570140020317481978892",
    "FE01200000045400-2-299934-0900002022050500000000389990117686690628",
    "FE0120000000138-289-35920-0489172020090301000861280010117979798825",
    "FE0920000025046169-3-2021-4000002026091700000000010010121650905584",
    "FE011000008-PE-3824-00523-2800012017071500000151340010117450183432",
};

// Splits a CUFE at its fixed positions back into the fields it was built from.
CufeFields fields_of(const std::string& c) {
    CufeFields f;
    f.iDoc = c.substr(2, 2);
    f.dTipoRuc = c.substr(4, 1);
    f.dRuc = c.substr(5, 20);
    f.dDV = c.substr(26, 2);
    f.dSucEm = c.substr(28, 4);
    f.dFechaEm = c.substr(32, 4) + "-" + c.substr(36, 2) + "-" + c.substr(38, 2) + "T09:00:00-05:00";
    f.dNroDF = c.substr(40, 10);
    f.dPtoFacDF = c.substr(50, 3);
    f.iTpEmis = c.substr(53, 2);
    f.iAmb = c.substr(55, 1);
    f.dSeg = c.substr(56, 9);
    return f;
}

TEST(CufeKnownAnswer, CheckDigitOfTheTwelveRealCufes) {
    for (const auto& c : k_real_cufes) {
        ASSERT_EQ(c.size(), 66u) << c;
        EXPECT_TRUE(cufe_check_digit_valid(c)) << c;
        const auto digit = cufe_check_digit(std::string_view(c).substr(2, 63));
        ASSERT_TRUE(digit.has_value()) << c;
        EXPECT_EQ(*digit, c[65]) << c;
    }
}

TEST(CufeKnownAnswer, RebuiltFromFieldsIsIdentical) {
    for (const auto& c : k_real_cufes) {
        auto built = cufe(fields_of(c));
        ASSERT_TRUE(built.has_value()) << c << ": " << built.error().to_string();
        EXPECT_EQ(*built, c);
    }
}

TEST(CufeKnownAnswer, SignedTestInvoiceFromItsFields) {
    CufeFields f;
    f.iDoc = "01";
    f.dTipoRuc = "2";
    f.dRuc = "521-136-113133";  // padded to 20 with '0'
    f.dDV = "02";
    f.dSucEm = "7006";
    f.dFechaEm = "2022-05-15T01:00:00-05:00";
    f.dNroDF = "9000000891";
    f.dPtoFacDF = "008";
    f.iTpEmis = "01";
    f.iAmb = "2";
    f.dSeg = "578109172";
    auto built = cufe(f);
    ASSERT_TRUE(built.has_value());
    EXPECT_EQ(*built, "FE012000000521-136-113133-0270062022051590000008910080125781091727");
}

TEST(CufeKnownAnswer, EveryAlteredDigitIsDetected) {
    const std::string good = k_real_cufes[0];
    for (std::size_t i = 2; i < 66; ++i) {
        if (good[i] < '0' || good[i] > '9') continue;
        std::string bad = good;
        bad[i] = static_cast<char>('0' + (good[i] - '0' + 1) % 10);
        EXPECT_FALSE(cufe_check_digit_valid(bad)) << "position " << i;
    }
}

TEST(CufeFieldsTest, BadFieldsAreNamed) {
    CufeFields f = fields_of(k_real_cufes[0]);
    f.dNroDF = "123";
    auto r = cufe(f);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("dNroDF"), std::string::npos);
    f = fields_of(k_real_cufes[0]);
    f.dRuc = "123456789012345678901";
    EXPECT_FALSE(cufe(f).has_value());
    f = fields_of(k_real_cufes[0]);
    f.dSucEm = "00 1";
    EXPECT_FALSE(cufe(f).has_value());
    EXPECT_FALSE(cufe_check_digit("short").has_value());
    EXPECT_FALSE(cufe_check_digit_valid("XX" + k_real_cufes[0].substr(2)));
}

// The RUCs and DVs inside the real CUFEs above (legal persons, new and old RUCs): primary data.
struct RucCase {
    const char* ruc;
    RucKind kind;
    const char* dv;
};

TEST(RucCheckDigits, RealRucsFromCufes) {
    const RucCase cases[] = {
        {"155596713-2-2015", RucKind::automatic, "59"}, {"155646463-2-2017", RucKind::automatic, "86"},
        {"521-136-113133", RucKind::automatic, "02"},   {"2679372-1-844914", RucKind::automatic, "73"},
        {"45400-2-299934", RucKind::automatic, "09"},   {"138-289-35920", RucKind::automatic, "04"},
        {"25046169-3-2021", RucKind::automatic, "40"},  {"155596713-2-2015", RucKind::juridical, "59"},
    };
    for (const auto& c : cases) {
        auto dv = ruc_check_digits(c.ruc, c.kind);
        ASSERT_TRUE(dv.has_value()) << c.ruc << ": " << dv.error().to_string();
        EXPECT_EQ(*dv, c.dv) << c.ruc;
    }
}

// Secondary vectors for the cédula forms (natural, E, N, PE, AV, PI, NT natural and legal) from the
// test data of juancorradine/Panama-RUC-DV-Calculator (their values, not ours; only forms whose
// parts fit the standard widths: province <= 2, folio <= 3, asiento <= 5 digits).
TEST(RucCheckDigits, CedulaFormsSecondaryVectors) {
    const RucCase cases[] = {
        {"8-769-1080", RucKind::natural, "56"},     {"5-257-218", RucKind::natural, "09"},
        {"6-108-289", RucKind::natural, "79"},      {"8-28-1284", RucKind::natural, "33"},
        {"2-7-89", RucKind::natural, "20"},         {"8-769-1080", RucKind::automatic, "56"},
        {"E-8-12770", RucKind::natural, "72"},      {"E-1-11", RucKind::natural, "63"},
        {"E-8-96407", RucKind::natural, "29"},      {"N-19-1821", RucKind::natural, "11"},
        {"N-1-24", RucKind::natural, "89"},         {"PE-1-19", RucKind::natural, "60"},
        {"PE-123-12345", RucKind::natural, "42"},   {"8AV-1-196", RucKind::natural, "90"},
        {"13PI-1-196", RucKind::natural, "58"},     {"8PI-1-80", RucKind::natural, "05"},
        {"8PI-23-65", RucKind::natural, "91"},      {"2PI-123-1234", RucKind::natural, "41"},
        {"8-NT-1-24", RucKind::natural, "33"},      {"3-NT-465-45624", RucKind::natural, "03"},
        {"12-NT-45-2154", RucKind::natural, "17"},  {"8-NT-1-13656", RucKind::juridical, "43"},
        {"1-NT-45-56544", RucKind::juridical, "03"}, {"5-NT-478-2351", RucKind::juridical, "94"},
        {"7-NT-102-33575", RucKind::juridical, "03"},
    };
    for (const auto& c : cases) {
        auto dv = ruc_check_digits(c.ruc, c.kind);
        ASSERT_TRUE(dv.has_value()) << c.ruc << ": " << dv.error().to_string();
        EXPECT_EQ(*dv, c.dv) << c.ruc;
    }
}

// The DGI pattern writes AV and PI with a dash after the province ("8-AV-1-196"): the same RUC,
// the same check digits as the compact form, whose values come from the secondary vectors above.
TEST(RucCheckDigits, HyphenatedAvAndPiFormsEqualTheCompactOnes) {
    const RucCase cases[] = {
        {"8-AV-1-196", RucKind::natural, "90"},   {"8-PI-1-80", RucKind::natural, "05"},
        {"13-PI-1-196", RucKind::natural, "58"},  {"2-PI-123-1234", RucKind::natural, "41"},
        {"8-AV-1-196", RucKind::automatic, "90"}, {"8-PI-23-65", RucKind::automatic, "91"},
    };
    for (const auto& c : cases) {
        auto dv = ruc_check_digits(c.ruc, c.kind);
        ASSERT_TRUE(dv.has_value()) << c.ruc << ": " << dv.error().to_string();
        EXPECT_EQ(*dv, c.dv) << c.ruc;
    }
    for (const char* bad : {"-AV-1-196", "123-AV-1-196", "8-AV-X-196", "8-PI-1-"})
        EXPECT_FALSE(ruc_check_digits(bad).has_value()) << bad;
}

TEST(RucCheckDigits, MalformedRucsAreRefused) {
    for (const char* bad : {"", "12", "ABC-1-2", "8-1", "8-1-2-3", "8-X-2", "NT-1-2-3", "123-45678-1",
                            "1234567890123456789012"}) {
        EXPECT_FALSE(ruc_check_digits(bad).has_value()) << bad;
    }
}

TEST(InvoiceDecimal, ParseFormatAndRound) {
    auto d = Decimal::parse("12.345");
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->to_string(), "12.345");
    EXPECT_EQ(d->rounded(2).to_string(), "12.35");  // half away from zero
    EXPECT_EQ(Decimal::parse("-12.345")->rounded(2).to_string(), "-12.35");
    EXPECT_EQ(Decimal::parse("0.344999")->rounded(2).to_string(), "0.34");
    EXPECT_EQ(Decimal::parse("7")->rescaled(2).to_string(), "7.00");
    EXPECT_EQ(Decimal::parse("1.500000")->normalized(2).to_string(), "1.50");
    EXPECT_EQ(Decimal::parse("0.000001")->to_string(), "0.000001");
    for (const char* bad : {"", "-", ".5", "5.", "1e3", "+1", "1,5", " 1", "0x10", "1.0000000000001"})
        EXPECT_FALSE(Decimal::parse(bad).has_value()) << bad;
    EXPECT_FALSE(Decimal::parse("99999999999999999999").has_value());
}

TEST(InvoiceDecimal, ExactArithmetic) {
    const Decimal a = *Decimal::parse("0.10");
    const Decimal b = *Decimal::parse("0.20");
    EXPECT_EQ((a + b).to_string(), "0.30");
    EXPECT_EQ(a + b, *Decimal::parse("0.3"));
    EXPECT_EQ((*Decimal::parse("558.00") * *Decimal::parse("0.07")).rounded(2).to_string(), "39.06");
    EXPECT_EQ(multiply_rounded(*Decimal::parse("3.333333"), *Decimal::parse("3"), 2).to_string(), "10.00");
    EXPECT_EQ((b - a - a - a).to_string(), "-0.10");
    EXPECT_LT(a, b);
    const Decimal huge = Decimal::from_units(INT64_MAX, 0);
    EXPECT_FALSE((huge + huge).valid());
    EXPECT_FALSE((huge * huge).valid());
    EXPECT_FALSE(((huge + huge) + a).valid());  // invalid propagates
    EXPECT_EQ(multiply_rounded(*Decimal::parse("999999999.999999"), *Decimal::parse("999999999.999999"), 6).valid(),
              false);
}

// The RUC form check (schema type RucType) is a hand-written matcher; the DGI pattern, run by
// std::regex, is the reference it must agree with on generated near-miss and random strings.
TEST(InvoiceRucForm, MatcherAgreesWithTheSchemaPattern) {
    const std::regex pattern(
        "(([P][E][-](([-]|[0-9]){1,17})|[N][-](([-]|[0-9]){1,18})|[E][-](([-]|[0-9]){1,18})|(([-]|[0-9]){5,20}))|"
        "(((([0-9]{1})[-][A][V][-](([-]|[0-9]){1,15}))|(([0-9]{2})[-][A][V][-](([-]|[0-9]){1,14})))|"
        "((([0-9]{1,2})[-][N][T][-](([-]|[0-9]){1,15}))|(([0-9]{1,2})[-][N][T][-](([-]|[0-9]){1,14}))|"
        "([N][T][-](([-]|[0-9]){1,14}))|(([0-9]{1,2})[-][P][I][-](([-]|[0-9]){1,14}))|"
        "([P][I][-](([-]|[0-9]){1,14}))|(([0-9]){1,2}[P][I][-](([-]|[0-9]){1,14})))))?");
    const detail::Def* def = detail::find_path("gDGen/gEmis/gRucEmi/dRuc");
    ASSERT_NE(def, nullptr);
    std::mt19937 rng(20261128);
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    const std::string tail_chars = "0123456789-";
    const std::string noise = "0123456789-PENTAVIX";
    const char* const heads[] = {"", "PE-", "N-", "E-", "NT-", "PI-", "P-", "PE", "NT", "AV-", "X-"};
    const char* const infixes[] = {"", "-AV-", "-NT-", "-PI-", "PI-", "AV-", "-AV", "NT-", "-P-", "--"};
    std::size_t accepted = 0, compared = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string s;
        if (i % 4 == 3) {
            for (std::size_t n = pick(22); n > 0; --n) s += noise[pick(noise.size())];
        } else {
            s = heads[pick(std::size(heads))];
            for (std::size_t n = pick(4); n > 0; --n) s += static_cast<char>('0' + pick(10));
            s += infixes[pick(std::size(infixes))];
            for (std::size_t n = pick(20); n > 0; --n) s += tail_chars[pick(tail_chars.size())];
        }
        const bool expected = s.size() >= 5 && s.size() <= 20 && std::regex_match(s, pattern);
        const bool ours = detail::check_value(*def, s).empty();
        EXPECT_EQ(ours, expected) << "'" << s << "'";
        accepted += expected ? 1 : 0;
        ++compared;
    }
    // Both outcomes are well represented.
    EXPECT_GT(accepted, 1000u);
    EXPECT_LT(accepted, compared - 1000u);
    for (const char* ruc : {"155596713-2-2015", "8-123-456", "PE-1-19", "N-1-24", "E-8-1234", "8-AV-1-196",
                            "12-AV-1-196", "8-NT-1-24", "NT-1-24", "8-PI-1-80", "PI-1-80", "8PI-1-80"})
        EXPECT_TRUE(detail::check_value(*def, ruc).empty()) << ruc;
    for (const char* ruc : {"123-AV-1-1", "8-AV-", "ABCDEFG", "PE-1234567890123456789", "8 123 456"})
        EXPECT_FALSE(detail::check_value(*def, ruc).empty()) << ruc;
}

}  // namespace
