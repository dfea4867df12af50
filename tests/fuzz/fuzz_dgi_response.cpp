// libFuzzer harness: the DGI web-service answer parser (dgi::parse_response) over arbitrary
// bytes, as every service, with a present rProtFe signature verified against the test PKI.
#include <istmo/invoice/dgi.hpp>

#include "fuzz_common.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

istmo::invoice::panama::dgi::ParseOptions make_options() {
    istmo::invoice::panama::dgi::ParseOptions options;
    options.max_bytes = 1 << 20;
    options.verify.trust = istmo::fuzz::test_trust();
    options.verify.validation_time = istmo::fuzz::fixed_time();
    options.verify.revocation = istmo::crypto::RevocationPolicy::off;
    options.verify.offline = true;
    return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace dgi = istmo::invoice::panama::dgi;
    static const dgi::ParseOptions options = make_options();
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    for (const auto op : {dgi::Operation::recep_fe, dgi::Operation::cons_fe, dgi::Operation::recep_evento,
                          dgi::Operation::result_lote_fe}) {
        auto r = dgi::parse_response(op, bytes, options);
        if (r) {
            (void)r->to_json();
            (void)r->protocol();
        }
    }
    return 0;
}
