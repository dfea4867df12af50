// Panama e-invoice (rFE 1.00) throughput, one thread: full validation and generation + signing.
//
//   BM_InvoiceValidate/full            InvoiceValidator::validate of a signed invoice: parse,
//                                      structure, arithmetic and cross-field rules, CUFE, RUC DVs,
//                                      gNoFirm removal, XMLDSig verification and certificate path
//                                      (one validator for all iterations: its path cache is warm
//                                      after the first one), QR consistency
//   BM_InvoiceValidate/no-signature    the same with check_signature = false
//   BM_InvoiceGenerateSign/json        from_json -> sign(signer, Invoice) (panama-fe, RSA-2048) + QR
//   BM_InvoiceGenerateSign/builder     set()/add_item()/append() -> complete -> sign(signer, Invoice) + QR
//   BM_InvoiceGenerateSign/json-text   from_json -> to_xml -> sign(signer, text) + QR (re-parses the text)
//   BM_InvoiceGenerate/json|builder    the same without signing
//   BM_InvoiceStep/...                 the sub-steps, to see where the time goes
//   BM_RawOpenSSL/rsa2048-sha256-sign  EVP_DigestSign over 32 bytes (the floor for any signer)
//       items_per_second = invoices per CPU second (Google Benchmark divides by CPU time)
//
// The document: test-vectors/panama-fe/json/01-factura.json (2 items), ~2.9 KB unsigned,
// ~5.6 KB signed (signature with the signer certificate, and gNoFirm/dQRCode), key
// test-vectors/pki/rsa2048, trust anchors test-vectors/pki/chain.pem (root and intermediate CA:
// the panama-fe profile embeds only the signer certificate). Every benchmark checks its
// result once before timing and aborts with an error when it is not what it should be.
//
//   build-invoice-bench/bench/istmo_invoice_bench [--benchmark_filter=...] [--benchmark_min_time=1]
#include <istmo/crypto/keys.hpp>
#include <istmo/dsig/sign.hpp>
#include <istmo/dsig/verify.hpp>
#include <istmo/invoice/panama.hpp>
#include <istmo/xml/document.hpp>

#include "bench_common.hpp"

#include <benchmark/benchmark.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace {

namespace pa = istmo::invoice::panama;
using istmo::invoice::Decimal;

const char* const k_qr_secret = "istmo-test-qr-secret";

using istmo::bench::read_text;

std::string vectors(const std::string& relative) { return istmo::bench::vectors_file(relative); }

[[noreturn]] void die(const std::string& what) { istmo::bench::die("invoice_bench", what); }

// Everything the benchmarks share, made once.
struct Fixture {
    std::string json;            // json/01-factura.json
    std::string unsigned_xml;    // to_xml(from_json(json))
    std::string signed_xml;      // sign(unsigned_xml) with the QR
    std::string stripped_xml;    // signed_xml without gNoFirm
    pa::ValidateOptions options;  // trust = chain.pem
    std::unique_ptr<istmo::dsig::Signer> signer;
    istmo::crypto::Secret qr_secret{k_qr_secret};

    Fixture() {
        json = read_text(vectors("panama-fe/json/01-factura.json"));
        if (json.empty()) die("cannot read panama-fe/json/01-factura.json");
        auto inv = pa::from_json(json);
        if (!inv) die(inv.error().to_string());
        unsigned_xml = pa::to_xml(*inv);
        auto key = istmo::crypto::PrivateKey::from_file(vectors("pki/rsa2048.key.pem"));
        auto cert = istmo::crypto::Certificate::from_file(vectors("pki/rsa2048.cert.pem"));
        if (!key || !cert) die("cannot load test-vectors/pki/rsa2048");
        auto s = pa::make_signer(std::move(*key), std::move(*cert));
        if (!s) die(s.error().to_string());
        signer = std::make_unique<istmo::dsig::Signer>(std::move(*s));
        pa::QrOptions qr;
        qr.secret = qr_secret;
        auto signed_doc = pa::sign(*signer, unsigned_xml, qr);
        if (!signed_doc) die(signed_doc.error().to_string());
        signed_xml = std::move(*signed_doc);
        auto stripped = pa::strip_no_firm(signed_xml);
        if (!stripped) die(stripped.error().to_string());
        stripped_xml = std::move(*stripped);
        if (!options.verify.trust.add_file(vectors("pki/chain.pem"))) die("cannot load pki/chain.pem");
    }
};

const Fixture& fixture() {
    static const Fixture f;
    return f;
}

void label(benchmark::State& state, std::size_t bytes) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes));
    state.counters["doc_bytes"] = static_cast<double>(bytes);
}

// ---- validation ---------------------------------------------------------------------------

void BM_InvoiceValidate(benchmark::State& state, bool check_signature) {
    const Fixture& f = fixture();
    pa::ValidateOptions options = f.options;
    options.check_signature = check_signature;
    const pa::InvoiceValidator validator(options);
    {
        auto r = validator.validate(f.signed_xml);
        if (!r || !r->passed() || !r->findings.empty() || (check_signature && !r->signature)) {
            state.SkipWithError(r ? ("not TOTAL_PASSED: " + r->to_json()).c_str() : r.error().to_string().c_str());
            return;
        }
    }
    for (auto _ : state) {
        auto r = validator.validate(f.signed_xml);
        benchmark::DoNotOptimize(r);
    }
    label(state, f.signed_xml.size());
}
BENCHMARK_CAPTURE(BM_InvoiceValidate, full, true)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_InvoiceValidate, no-signature, false)->Unit(benchmark::kMicrosecond);

// ---- generation ---------------------------------------------------------------------------

// 01-factura.json through the builder API: the same invoice, field by field.
istmo::Result<pa::Invoice> build_invoice() {
    pa::Invoice inv;
    const std::pair<const char*, const char*> fields[] = {
        {"gDGen/iAmb", "2"}, {"gDGen/iTpEmis", "01"}, {"gDGen/iDoc", "01"}, {"gDGen/dNroDF", "0000000001"},
        {"gDGen/dPtoFacDF", "001"}, {"gDGen/dSeg", "123456789"}, {"gDGen/dFechaEm", "2026-11-20T10:15:00-05:00"},
        {"gDGen/iNatOp", "01"}, {"gDGen/iTipoOp", "1"}, {"gDGen/iDest", "1"}, {"gDGen/iFormCAFE", "1"},
        {"gDGen/iEntCAFE", "1"}, {"gDGen/dEnvFE", "1"}, {"gDGen/iProGen", "1"}, {"gDGen/iTipoTranVenta", "1"},
        {"gDGen/gEmis/gRucEmi/dTipoRuc", "2"}, {"gDGen/gEmis/gRucEmi/dRuc", "155596713-2-2015"},
        {"gDGen/gEmis/gRucEmi/dDV", "59"}, {"gDGen/gEmis/dNombEm", "Istmo Pruebas, S.A."},
        {"gDGen/gEmis/dSucEm", "0000"}, {"gDGen/gEmis/dCoordEm", "+8.9824,-79.5199"},
        {"gDGen/gEmis/dDirecEm", "Calle 50, Ciudad de Panamá"}, {"gDGen/gEmis/gUbiEm/dCodUbi", "8-8-7"},
        {"gDGen/gEmis/gUbiEm/dCorreg", "BELLA VISTA"}, {"gDGen/gEmis/gUbiEm/dDistr", "PANAMA"},
        {"gDGen/gEmis/gUbiEm/dProv", "PANAMA"}, {"gDGen/gEmis/dTfnEm", "300-9200"},
        {"gDGen/gEmis/dCorElectEmi", "facturas@istmo.example"}, {"gDGen/gDatRec/iTipoRec", "01"},
        {"gDGen/gDatRec/gRucRec/dTipoRuc", "2"}, {"gDGen/gDatRec/gRucRec/dRuc", "2679372-1-844914"},
        {"gDGen/gDatRec/gRucRec/dDV", "73"}, {"gDGen/gDatRec/dNombRec", "Cliente Contribuyente, S.A."},
        {"gDGen/gDatRec/dDirecRec", "Avenida Balboa"}, {"gDGen/gDatRec/gUbiRec/dCodUbi", "8-8-7"},
        {"gDGen/gDatRec/gUbiRec/dCorreg", "BELLA VISTA"}, {"gDGen/gDatRec/gUbiRec/dDistr", "PANAMA"},
        {"gDGen/gDatRec/gUbiRec/dProv", "PANAMA"}, {"gDGen/gDatRec/cPaisRec", "PA"}, {"gTot/iPzPag", "1"},
    };
    for (const auto& [path, value] : fields)
        if (auto r = pa::set(inv, path, value); !r) return std::move(r).error();
    pa::ItemInput first;
    first.description = "Servicio de consultoría";
    first.code = "SRV-01";
    first.unit = "und";
    first.quantity = Decimal::from_int(3);
    first.unit_price = *Decimal::parse("100.00");
    first.unit_discount = *Decimal::parse("10.00");
    first.itbms_rate = "01";
    if (auto r = pa::add_item(inv, first); !r) return std::move(r).error();
    // The second item has freight, which ItemInput does not carry: field by field.
    auto second = pa::append(inv, "gItem");
    if (!second) return std::move(second).error();
    const std::pair<const char*, const char*> item_fields[] = {
        {"dDescProd", "Licor importado"}, {"dCantCodInt", "2.5"}, {"gPrecios/dPrUnit", "12.333333"},
        {"gPrecios/dPrAcarItem", "5.00"}, {"gITBMSItem/dTasaITBMS", "02"},
    };
    for (const auto& [path, value] : item_fields)
        if (auto r = pa::set(**second, "gItem", path, value); !r) return std::move(r).error();
    auto pago = pa::append(inv, "gTot/gFormaPago");
    if (!pago) return std::move(pago).error();
    if (auto r = pa::set(**pago, "gTot/gFormaPago", "iFormaPago", "02"); !r) return std::move(r).error();
    if (auto r = pa::set(**pago, "gTot/gFormaPago", "dVlrCuota", "350.00"); !r) return std::move(r).error();
    if (auto r = pa::complete(inv); !r) return std::move(r).error();
    return inv;
}

istmo::Result<std::string> generate(bool builder) {
    auto inv = builder ? build_invoice() : pa::from_json(fixture().json);
    if (!inv) return std::move(inv).error();
    return pa::to_xml(*inv);
}

void BM_InvoiceGenerate(benchmark::State& state, bool builder) {
    const Fixture& f = fixture();
    {
        auto xml = generate(builder);
        if (!xml || *xml != f.unsigned_xml) {
            state.SkipWithError(xml ? "the generated invoice differs from to_xml(from_json(01-factura.json))"
                                    : xml.error().to_string().c_str());
            return;
        }
    }
    std::size_t bytes = 0;
    for (auto _ : state) {
        auto xml = generate(builder);
        bytes = xml ? xml->size() : 0;
        benchmark::DoNotOptimize(xml);
    }
    label(state, bytes);
}
BENCHMARK_CAPTURE(BM_InvoiceGenerate, json, false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_InvoiceGenerate, builder, true)->Unit(benchmark::kMicrosecond);

enum class SignPath { json_model, builder_model, json_text };

void BM_InvoiceGenerateSign(benchmark::State& state, SignPath path) {
    const Fixture& f = fixture();
    pa::QrOptions qr;
    qr.secret = f.qr_secret;
    const auto run = [&]() -> istmo::Result<std::string> {
        if (path == SignPath::json_text) {
            // The text overload: parses the generated XML again to check it and read dId/iAmb.
            auto xml = generate(false);
            if (!xml) return std::move(xml).error();
            return pa::sign(*f.signer, *xml, qr);
        }
        auto inv = path == SignPath::builder_model ? build_invoice() : pa::from_json(f.json);
        if (!inv) return std::move(inv).error();
        return pa::sign(*f.signer, *inv, qr);
    };
    {
        // RSA PKCS#1 v1.5 is deterministic: the result must be the fixture's signed document, and
        // that document validates (BM_InvoiceValidate/full checks it too).
        auto once = run();
        if (!once || *once != f.signed_xml) {
            state.SkipWithError(once ? "the signed invoice differs from the fixture" : once.error().to_string().c_str());
            return;
        }
    }
    for (auto _ : state) {
        auto s = run();
        benchmark::DoNotOptimize(s);
    }
    label(state, f.signed_xml.size());
}
BENCHMARK_CAPTURE(BM_InvoiceGenerateSign, json, SignPath::json_model)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_InvoiceGenerateSign, builder, SignPath::builder_model)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_InvoiceGenerateSign, json-text, SignPath::json_text)->Unit(benchmark::kMicrosecond);

// ---- sub-steps ----------------------------------------------------------------------------

template <class Body>
void step(benchmark::State& state, std::size_t bytes, Body&& body) {
    if (!body()) {
        state.SkipWithError("the step failed before timing");
        return;
    }
    for (auto _ : state) {
        bool ok = body();
        benchmark::DoNotOptimize(ok);
    }
    label(state, bytes);
}

void BM_InvoiceStep_XmlParse(benchmark::State& state) {
    const Fixture& f = fixture();
    step(state, f.signed_xml.size(), [&] { return istmo::xml::XmlDocument::parse(f.signed_xml).has_value(); });
}
void BM_InvoiceStep_Parse(benchmark::State& state) {
    const Fixture& f = fixture();
    step(state, f.signed_xml.size(), [&] { return pa::parse(f.signed_xml).has_value(); });
}
void BM_InvoiceStep_RulesOnModel(benchmark::State& state) {
    // Structure + arithmetic + cross-field rules + CUFE + RUC DVs on an already parsed model.
    const Fixture& f = fixture();
    const auto inv = pa::parse(f.unsigned_xml);
    if (!inv) die(inv.error().to_string());
    step(state, f.unsigned_xml.size(), [&] { return pa::validate(*inv).passed(); });
}
void BM_InvoiceStep_Cufe(benchmark::State& state) {
    const Fixture& f = fixture();
    const auto inv = pa::parse(f.unsigned_xml);
    if (!inv) die(inv.error().to_string());
    step(state, 0, [&] {
        auto c = pa::cufe_of(*inv);
        return c && *c == inv->get("dId");
    });
}
void BM_InvoiceStep_StripNoFirm(benchmark::State& state) {
    const Fixture& f = fixture();
    step(state, f.signed_xml.size(), [&] {
        auto s = pa::strip_no_firm(f.signed_xml);
        return s && *s == f.stripped_xml;
    });
}
void BM_InvoiceStep_DsigVerify(benchmark::State& state) {
    const Fixture& f = fixture();
    const istmo::dsig::Verifier verifier(f.options.verify);
    step(state, f.stripped_xml.size(), [&] {
        auto r = verifier.verify(f.stripped_xml);
        return r && r->passed();
    });
}
void BM_InvoiceStep_DsigVerifyNoSignedContent(benchmark::State& state) {
    const Fixture& f = fixture();
    istmo::dsig::VerifyOptions o = f.options.verify;
    o.keep_signed_content = false;
    const istmo::dsig::Verifier verifier(o);
    step(state, f.stripped_xml.size(), [&] {
        auto r = verifier.verify(f.stripped_xml);
        return r && r->passed();
    });
}
void BM_InvoiceStep_FromJson(benchmark::State& state) {
    const Fixture& f = fixture();
    step(state, f.json.size(), [&] { return pa::from_json(f.json).has_value(); });
}
void BM_InvoiceStep_Builder(benchmark::State& state) {
    step(state, 0, [&] { return build_invoice().has_value(); });
}
void BM_InvoiceStep_ToXml(benchmark::State& state) {
    const Fixture& f = fixture();
    const auto inv = pa::from_json(f.json);
    if (!inv) die(inv.error().to_string());
    step(state, f.unsigned_xml.size(), [&] { return pa::to_xml(*inv).size() == f.unsigned_xml.size(); });
}
void BM_InvoiceStep_DsigSign(benchmark::State& state) {
    // dsig::Signer::sign alone (no gNoFirm handling, no QR).
    const Fixture& f = fixture();
    step(state, f.unsigned_xml.size(), [&] { return f.signer->sign(f.unsigned_xml).has_value(); });
}
void BM_InvoiceStep_SignWithQr(benchmark::State& state) {
    // panama::sign: gNoFirm check, root check, dsig sign, QR (HS256 JWT) and gNoFirm insertion.
    const Fixture& f = fixture();
    pa::QrOptions qr;
    qr.secret = f.qr_secret;
    step(state, f.unsigned_xml.size(), [&] {
        auto s = pa::sign(*f.signer, f.unsigned_xml, qr);
        return s && s->size() == f.signed_xml.size();
    });
}
void BM_InvoiceStep_QrUrl(benchmark::State& state) {
    const Fixture& f = fixture();
    const auto inv = pa::parse(f.signed_xml);
    if (!inv) die(inv.error().to_string());
    const std::string cufe(inv->get("dId"));
    step(state, 0, [&] {
        auto u = pa::qr_url(cufe, "2", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", k_qr_secret);
        return u.has_value();
    });
}
BENCHMARK(BM_InvoiceStep_XmlParse)->Name("BM_InvoiceStep/xml-parse")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InvoiceStep_Parse)->Name("BM_InvoiceStep/parse-to-model")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InvoiceStep_RulesOnModel)->Name("BM_InvoiceStep/structure-rules-cufe")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InvoiceStep_Cufe)->Name("BM_InvoiceStep/cufe")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InvoiceStep_StripNoFirm)->Name("BM_InvoiceStep/strip-no-firm")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InvoiceStep_DsigVerify)->Name("BM_InvoiceStep/dsig-verify")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InvoiceStep_DsigVerifyNoSignedContent)
    ->Name("BM_InvoiceStep/dsig-verify-nokeep")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InvoiceStep_FromJson)->Name("BM_InvoiceStep/from-json")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InvoiceStep_Builder)->Name("BM_InvoiceStep/builder")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InvoiceStep_ToXml)->Name("BM_InvoiceStep/to-xml")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InvoiceStep_DsigSign)->Name("BM_InvoiceStep/dsig-sign")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InvoiceStep_SignWithQr)->Name("BM_InvoiceStep/sign-with-qr")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InvoiceStep_QrUrl)->Name("BM_InvoiceStep/qr-url")->Unit(benchmark::kMicrosecond);

// ---- the floor: one RSA-2048 signature ------------------------------------------------------

void BM_RawRsaSign(benchmark::State& state) {
    FILE* file = std::fopen(vectors("pki/rsa2048.key.pem").c_str(), "rb");
    if (!file) die("cannot open pki/rsa2048.key.pem");
    EVP_PKEY* key = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
    std::fclose(file);
    if (!key) die("cannot read pki/rsa2048.key.pem");
    const unsigned char data[32] = {1, 2, 3};
    unsigned char sig[512];
    for (auto _ : state) {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        std::size_t len = sizeof sig;
        const bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                        EVP_DigestSign(ctx, sig, &len, data, sizeof data) == 1;
        EVP_MD_CTX_free(ctx);
        if (!ok) {
            state.SkipWithError("EVP_DigestSign failed");
            break;
        }
    }
    EVP_PKEY_free(key);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_RawRsaSign)->Name("BM_RawOpenSSL/rsa2048-sha256-sign")->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
