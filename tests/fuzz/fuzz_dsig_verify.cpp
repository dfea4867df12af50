// libFuzzer harness: xades::Verifier (XMLDSig core + XAdES rules) over arbitrary bytes, once
// through the DOM path and once through the streaming path, with the test PKI as trust store.
// The reports are rendered too (JSON, ETSI XML, text).
#include <istmo/xades/xades.hpp>

#include "fuzz_common.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

istmo::xades::Verifier make_verifier(std::size_t streaming_threshold) {
    istmo::xades::VerifyOptions options;
    options.dsig.trust = istmo::fuzz::test_trust();
    options.dsig.validation_time = istmo::fuzz::fixed_time();
    options.dsig.offline = true;  // a harness never waits on the network
    options.dsig.streaming_threshold_bytes = streaming_threshold;
    options.dsig.limits.max_nodes = 100'000;
    return istmo::xades::Verifier(std::move(options));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const istmo::xades::Verifier dom = make_verifier(0);
    static const istmo::xades::Verifier streaming = make_verifier(1);
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    for (const istmo::xades::Verifier* verifier : {&dom, &streaming}) {
        auto report = verifier->verify(bytes);
        if (!report) continue;
        (void)report->to_json();
        (void)report->to_etsi_xml();
        (void)report->to_text();
    }
    return 0;
}
