// libFuzzer harness: the NDJSON batch input (batch::ndjson_source: one JSON object per line with
// a base64 document) and every document it yields through batch::Validator (profile "auto"), plus
// the results-file line parser used by --resume (batch::parse_result_line). Inputs without
// in-memory content are never validated here (that would read a file named by the input).
#include <istmo/batch/batch.hpp>

#include "fuzz_common.hpp"

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

namespace {

istmo::batch::Validator make_validator() {
    istmo::batch::Options options;
    options.jobs = 1;
    options.max_size = 1024 * 1024;
    options.verify.trust = istmo::fuzz::test_trust();
    options.verify.validation_time = istmo::fuzz::fixed_time();
    options.verify.offline = true;  // a harness never waits on the network
    options.verify.limits.max_nodes = 100'000;
    return istmo::batch::Validator(std::move(options));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const istmo::batch::Validator validator = make_validator();
    const std::string text(reinterpret_cast<const char*>(data), size);

    std::istringstream in(text);
    auto source = istmo::batch::ndjson_source(in, "fuzz");
    while (auto input = source->next()) {
        if (!input->content) continue;
        (void)validator.validate(*input).to_ndjson();
    }

    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line))
        if (auto result = istmo::batch::parse_result_line(line)) (void)result->to_ndjson();
    return 0;
}
