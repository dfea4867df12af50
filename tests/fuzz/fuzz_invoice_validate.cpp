// libFuzzer harness: Panama e-invoice validation (structure, arithmetic, CUFE, signature) of
// arbitrary bytes, and the rFE model parser.
#include <istmo/invoice/panama.hpp>

#include "fuzz_common.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

istmo::invoice::panama::InvoiceValidator make_validator() {
    istmo::invoice::panama::ValidateOptions options;
    options.verify.trust = istmo::fuzz::test_trust();
    options.verify.validation_time = istmo::fuzz::fixed_time();
    options.verify.offline = true;  // a harness never waits on the network
    options.verify.limits.max_nodes = 100'000;
    return istmo::invoice::panama::InvoiceValidator(std::move(options));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const istmo::invoice::panama::InvoiceValidator validator = make_validator();
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    if (auto report = validator.validate(bytes)) (void)report->to_json();
    if (auto invoice = istmo::invoice::panama::parse(bytes)) {
        (void)istmo::invoice::panama::cufe_of(*invoice);
        (void)istmo::invoice::panama::validate(*invoice).to_json();
        (void)istmo::invoice::panama::to_xml(*invoice, true);
    }
    return 0;
}
