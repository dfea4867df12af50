// The printed invoice (CAFE), one thread: CAFEs per second for a 5-item and a 200-item invoice,
// as PDF (letter, and the 80 mm roll) and as HTML. The invoice is 01-factura.json with its items
// replaced by N generated ones, signed with test-vectors/pki/rsa2048 and the QR secret of the
// vectors; the render parses the signed XML, encodes the QR and writes the document each time.
//
//   build-bench/bench/istmo_cafe_bench [--benchmark_filter=...]
//       items_per_second = CAFEs per CPU second
#include <istmo/crypto/keys.hpp>
#include <istmo/invoice/cafe.hpp>
#include <istmo/invoice/panama.hpp>

#include "bench_common.hpp"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

namespace pa = istmo::invoice::panama;

[[noreturn]] void fail(const std::string& why) {
    std::fprintf(stderr, "cafe bench: %s\n", why.c_str());
    std::exit(1);
}

// 01-factura.json with `items` generated items, signed, with gNoFirm/dQRCode.
std::string signed_invoice(std::size_t items) {
    std::string json = istmo::bench::read_text(istmo::bench::vectors_file("panama-fe/json/01-factura.json"));
    const auto begin = json.find("\"gItem\": [");
    const auto end = json.find("\"gTot\"");
    std::string list = "\"gItem\": [";
    for (std::size_t i = 1; i <= items; ++i) {
        if (i > 1) list += ",";
        list += "{\"dDescProd\": \"Artículo de prueba número " + std::to_string(i) + "\", \"dCodProd\": \"COD-" +
                std::to_string(i) + "\", \"dCantCodInt\": \"" + std::to_string(1 + i % 7) +
                "\", \"gPrecios\": {\"dPrUnit\": \"" + std::to_string(1 + i % 40) +
                ".25\"}, \"gITBMSItem\": {\"dTasaITBMS\": \"0" + std::to_string(i % 3) + "\"}}";
    }
    json.replace(begin, end - begin, list + "],\n  ");
    const std::string fixed_payment = ", \"dVlrCuota\": \"350.00\"";
    json.erase(json.find(fixed_payment), fixed_payment.size());
    auto invoice = pa::from_json(json);
    if (!invoice) fail(invoice.error().to_string());
    auto key = istmo::crypto::PrivateKey::from_file(istmo::bench::pki_file("rsa2048.key.pem"));
    auto cert = istmo::crypto::Certificate::from_file(istmo::bench::pki_file("rsa2048.cert.pem"));
    if (!key || !cert) fail("cannot load the test key");
    auto signer = pa::make_signer(std::move(*key), std::move(*cert));
    if (!signer) fail(signer.error().to_string());
    pa::QrOptions qr;
    qr.secret = istmo::crypto::Secret("istmo-test-qr-secret");
    auto xml = pa::sign(*signer, *invoice, qr);
    if (!xml) fail(xml.error().to_string());
    return *xml;
}

void BM_Cafe(benchmark::State& state, pa::CafeFormat format, pa::CafePaper paper) {
    const std::string xml = signed_invoice(static_cast<std::size_t>(state.range(0)));
    pa::CafeOptions options;
    options.format = format;
    options.paper = paper;
    auto first = pa::render_cafe(xml, options);
    if (!first || first->size() < 1000) fail(first ? "output too small" : first.error().to_string());
    for (auto _ : state) {
        auto out = pa::render_cafe(xml, options);
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["output_bytes"] = static_cast<double>(first->size());
}

}  // namespace

BENCHMARK_CAPTURE(BM_Cafe, pdf-letter, pa::CafeFormat::pdf, pa::CafePaper::letter)
    ->Arg(5)->Arg(200)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Cafe, pdf-80mm, pa::CafeFormat::pdf, pa::CafePaper::roll_80mm)
    ->Arg(5)->Arg(200)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Cafe, html, pa::CafeFormat::html, pa::CafePaper::letter)
    ->Arg(5)->Arg(200)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
