// libFuzzer harness: the RFC 3161 TimeStampResp / TimeStampToken parser and verifier
// (tsa::verify_response_or_token) over arbitrary bytes, with and without expectations.
#include <istmo/tsa/timestamp.hpp>

#include "fuzz_common.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace {

istmo::tsa::VerifyOptions make_options() {
    istmo::tsa::VerifyOptions options;
    options.trust = istmo::fuzz::test_trust();
    options.max_clock_skew = std::chrono::seconds{300};
    options.now = istmo::fuzz::fixed_time();
    options.offline = true;  // a harness never waits on the network (the TSA samples name CRL/OCSP URLs)
    return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const istmo::tsa::VerifyOptions options = make_options();
    const std::span<const std::uint8_t> bytes(data, size);

    istmo::tsa::TokenExpectations none;
    auto plain = istmo::tsa::verify_response_or_token(bytes, none, options);
    (void)plain.valid();
    (void)plain.summary();

    istmo::tsa::TokenExpectations strict;
    strict.data = istmo::tsa::Bytes{'i', 's', 't', 'm', 'o'};
    strict.nonce = istmo::tsa::Bytes{0x01, 0x02, 0x03};
    strict.policy = "1.2.3.4.1";
    strict.require_certificates = true;
    auto checked = istmo::tsa::verify_response_or_token(bytes, strict, options);
    (void)checked.summary();
    return 0;
}
