#include "test_support/signed_invoices.hpp"

#include <istmo/invoice/panama.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <cstdio>

namespace istmo::test {

std::string signed_panama_invoice(int n) {
    namespace pa = istmo::invoice::panama;
    static const dsig::Signer signer = [] {
        auto s = pa::make_signer(pki_key("rsa2048"), pki_cert("rsa2048"));
        EXPECT_TRUE(s.has_value());
        return std::move(*s);
    }();
    std::string json = read_file(vectors_dir() / "panama-fe" / "json" / "01-factura.json");
    const std::string from = "\"dNroDF\": \"0000000001\"";
    char number[32];
    std::snprintf(number, sizeof number, "\"dNroDF\": \"%010d\"", n + 1);
    json.replace(json.find(from), from.size(), number);
    auto inv = pa::from_json(json);
    EXPECT_TRUE(inv.has_value());
    pa::QrOptions qr;
    qr.secret = crypto::Secret("istmo-test-qr-secret");
    auto s = pa::sign(signer, pa::to_xml(*inv), qr);
    EXPECT_TRUE(s.has_value());
    return s ? *s : std::string();
}

}  // namespace istmo::test
