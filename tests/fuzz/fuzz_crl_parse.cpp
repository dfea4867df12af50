// libFuzzer harness: CRL parsing and checking (crypto/crl.cpp) over arbitrary bytes: DER or PEM
// parse, the checks against the issuing CA of test-vectors/revocation/, the look-up of a
// certificate, and the same bytes as a CRL a document carries (RevocationChecker, offline).
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
    crypto::Certificate leaf = fuzz::revocation_certificate("revoked");
    std::shared_ptr<const crypto::RevocationChecker> checker = fuzz::offline_checker();
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Fixture fixture;
    const std::span<const std::uint8_t> bytes(data, size);
    crypto::detail::Freshness freshness;
    freshness.at = fuzz::fixed_time();
    freshness.now = fuzz::fixed_time();
    if (auto crl = crypto::detail::parse_crl(bytes, 1u << 20)) {
        (void)crypto::detail::verify_crl(crl->get(), fixture.ca);
        (void)crypto::detail::crl_status(crl->get(), fixture.leaf, freshness);
        (void)crypto::detail::crl_next_update(crl->get());
    }
    crypto::RevocationEvidence evidence;
    evidence.crls.emplace_back(bytes.begin(), bytes.end());
    (void)fixture.checker->status(fixture.leaf, fixture.ca, fuzz::fixed_time(), evidence);
    return 0;
}
