// libFuzzer harness: the JSON input of `istmo invoice new` (invoice::from_json), then what the
// CLI does with an accepted model: XML output, CUFE, model validation, and a re-parse.
#include <istmo/invoice/panama.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto invoice = istmo::invoice::panama::from_json(bytes);
    if (!invoice) return 0;
    (void)istmo::invoice::panama::cufe_of(*invoice);
    (void)istmo::invoice::panama::validate(*invoice).to_json();
    const std::string xml = istmo::invoice::panama::to_xml(*invoice);
    if (auto again = istmo::invoice::panama::parse(xml)) (void)istmo::invoice::panama::cufe_of(*again);
    return 0;
}
