// libFuzzer harness: OCSP response checking (crypto/ocsp.cpp) over arbitrary bytes: an
// OCSPResponse or BasicOCSPResponse for a leaf of test-vectors/revocation/ (signature, responder
// authorization, CertID, status, freshness), and the same bytes as a response a document
// carries (RevocationChecker, offline).
#include <istmo/crypto/revocation.hpp>

#include "crypto/revocation_check.hpp"
#include "fuzz_common.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace {

using namespace istmo;

struct Fixture {
    crypto::Certificate ca = fuzz::revocation_certificate("ca");
    crypto::Certificate good = fuzz::revocation_certificate("good");
    crypto::Certificate revoked = fuzz::revocation_certificate("revoked");
    std::shared_ptr<const crypto::RevocationChecker> checker = fuzz::offline_checker();
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Fixture fixture;
    const std::span<const std::uint8_t> bytes(data, size);
    crypto::detail::Freshness freshness;
    freshness.at = fuzz::fixed_time();
    freshness.now = fuzz::fixed_time();
    for (const crypto::Certificate* leaf : {&fixture.good, &fixture.revoked}) {
        const auto checked = crypto::detail::check_ocsp_response(bytes, *leaf, fixture.ca, nullptr, freshness);
        if (checked.status) (void)crypto::detail::ocsp_freshness(*checked.status, freshness);
    }
    crypto::RevocationEvidence evidence;
    evidence.ocsp_responses.emplace_back(bytes.begin(), bytes.end());
    (void)fixture.checker->status(fixture.good, fixture.ca, fuzz::fixed_time(), evidence);
    return 0;
}
