// TokenVerifier's caches (parsed TSA certificates, path validation results) must never change a
// verdict: every cached verification is compared with the free functions, which cache nothing.
// Tokens are made here: by OpenSSL's TSA (tsa_test_sign) for whole responses, and by hand
// (TSTInfo + CMS_sign) where the genTime or the ESSCertID must be chosen.
#include "tsa_test_token.hpp"

#include "tsa/tsa_internal.hpp"

#include <istmo/crypto/keys.hpp>
#include <istmo/tsa/timestamp.hpp>

#include <gtest/gtest.h>
#include <openssl/cms.h>
#include <openssl/ess.h>
#include <openssl/sha.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#pragma GCC diagnostic ignored "-Wold-style-cast"

namespace istmo::tsa {
namespace {

using namespace istmo::internal;
using istmo::test::TsaTestCertKind;
using istmo::test::TsaTestPki;
using Clock = std::chrono::system_clock;

const Bytes kData = {'r', 'F', 'E', '-', '4', '2'};

crypto::Certificate cert_of(X509* x) {
    const std::string der = istmo::test::tsa_test_der(x);
    auto c = crypto::Certificate::from_der(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(der.data()), der.size()));
    EXPECT_TRUE(c);
    return *c;
}

VerifyOptions trusting(X509* root) {
    VerifyOptions o;
    o.trust.add(cert_of(root));
    return o;
}

// A TimeStampToken over kData with the given genTime, signed by pki.tsa (TSA cert and root
// embedded), whose SigningCertificateV2 names `ess_target` (the TSA certificate when correct).
Bytes make_token(const TsaTestPki& pki, std::time_t gen_time, X509* ess_target) {
    return istmo::test::tsa_test_token(pki, kData, gen_time, static_cast<long>(gen_time % 100000), ess_target);
}

Bytes signed_response(const TsaTestPki& pki, const TimestampRequest& request) {
    const std::string der(request.der().begin(), request.der().end());
    const std::string response = istmo::test::tsa_test_sign(pki, der);
    EXPECT_FALSE(response.empty());
    return Bytes(response.begin(), response.end());
}

TimestampRequest request_for(std::string_view data) {
    auto r = TimestampRequest::for_data(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
    EXPECT_TRUE(r);
    return *r;
}

// Everything a verification says, for comparing a cached verdict with a fresh one.
std::vector<std::string> verdict(const TokenVerification& v) {
    std::vector<std::string> out;
    for (const auto& f : v.findings)
        out.push_back(std::string(f.severity == report::Severity::error ? "E " : "W ") + f.code + " " + f.message);
    out.push_back("signer " + v.info.signer_subject + " / " + v.info.signer_issuer + " / " + v.info.signer_serial_hex +
                  " / " + v.info.signer_sha256);
    out.push_back("certificates " + std::to_string(v.info.embedded_certificates) + " ess " + v.info.ess_version);
    return out;
}

bool has_error(const TokenVerification& v, const std::string& code) {
    return std::any_of(v.findings.begin(), v.findings.end(), [&](const report::Finding& f) {
        return f.code == code && f.severity == report::Severity::error;
    });
}

TokenExpectations expect_data() {
    TokenExpectations e;
    e.data = kData;
    e.policy = istmo::test::tsa_test_policy;
    e.require_certificates = true;
    return e;
}

// The verifier parses a token without its certificates field (cached certificates are used
// instead): the cut must keep every other byte and give DER that OpenSSL reads and verifies.
TEST(TsaVerifierCache, CertificatesAreCutOutOfTheTokenDerExactly) {
    const TsaTestPki pki;
    const Bytes token = make_token(pki, std::time(nullptr), pki.tsa.get());
    const auto split = detail::split_certificates(token);
    ASSERT_TRUE(split);
    std::vector<std::string> got;
    for (const auto c : split->certificates) got.emplace_back(c.begin(), c.end());
    std::sort(got.begin(), got.end());
    std::vector<std::string> want = {istmo::test::tsa_test_der(pki.root.get()), istmo::test::tsa_test_der(pki.tsa.get())};
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want);
    std::size_t cert_bytes = 0;
    for (const auto c : split->certificates) cert_bytes += c.size();
    // Only the certificates field went (its header included); outer headers may shrink.
    EXPECT_LT(split->without_certificates.size(), token.size() - cert_bytes);
    EXPECT_GE(split->without_certificates.size() + 12, token.size() - cert_bytes);
    // DER: one definite-length TLV spanning the whole buffer.
    detail::TlvError err{};
    const auto outer = detail::read_tlv(split->without_certificates, err);
    ASSERT_TRUE(outer);
    EXPECT_EQ(outer->total(), split->without_certificates.size());
    // OpenSSL reads it, finds no certificates, and the signature still verifies with the signer given.
    const unsigned char* p = split->without_certificates.data();
    CmsContentInfoPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(split->without_certificates.size())));
    ASSERT_TRUE(cms);
    EXPECT_EQ(p, split->without_certificates.data() + split->without_certificates.size());
    X509StackPtr embedded(CMS_get1_certs(cms.get()));
    EXPECT_TRUE(!embedded || sk_X509_num(embedded.get()) == 0);
    X509StackPtr signer(sk_X509_new_null());
    X509_up_ref(pki.tsa.get());
    sk_X509_push(signer.get(), pki.tsa.get());
    EXPECT_EQ(CMS_verify(cms.get(), signer.get(), nullptr, nullptr, nullptr, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY), 1);

    // Anything else is left to OpenSSL whole: truncated, trailing bytes, BER, no certificates.
    EXPECT_FALSE(detail::split_certificates(std::span<const std::uint8_t>(token).first(token.size() - 1)));
    Bytes trailing = token;
    trailing.push_back(0);
    EXPECT_FALSE(detail::split_certificates(trailing));
    EXPECT_FALSE(detail::split_certificates(Bytes{0x30, 0x80, 0x06, 0x00, 0x00, 0x00}));
    RequestOptions ro;
    ro.cert_req = false;
    auto request = TimestampRequest::for_data(kData, ro);
    ASSERT_TRUE(request);
    const Bytes response = signed_response(pki, *request);
    const auto resp_outer = detail::read_tlv(response, err);
    ASSERT_TRUE(resp_outer);
    const auto status = detail::read_tlv(resp_outer->content, err);
    ASSERT_TRUE(status);
    EXPECT_FALSE(detail::split_certificates(resp_outer->content.subspan(status->total())));
}

TEST(TsaVerifierCache, CacheHitStillChecksImprintAndNonce) {
    const TsaTestPki pki;
    const TokenVerifier verifier(trusting(pki.root.get()));
    const auto first = request_for("first");
    const Bytes response = signed_response(pki, first);
    const auto good = verifier.verify_response(response, first);
    EXPECT_TRUE(good.valid()) << good.summary();
    EXPECT_EQ(verifier.cache_stats().path_misses, 1u);
    EXPECT_EQ(verifier.cache_stats().path_hits, 0u);

    // The same answer for another request: the TSA certificate path comes from the cache, the
    // imprint and the nonce are still compared.
    const auto second = request_for("second");
    const auto replayed = verifier.verify_response(response, second);
    EXPECT_EQ(verifier.cache_stats().path_hits, 1u);
    EXPECT_FALSE(replayed.valid());
    EXPECT_TRUE(has_error(replayed, "TSA-IMPRINT-MISMATCH")) << replayed.summary();
    EXPECT_TRUE(has_error(replayed, "TSA-NONCE-MISMATCH")) << replayed.summary();
    EXPECT_EQ(verdict(replayed), verdict(verify_response(response, second, trusting(pki.root.get()))));
    // The embedded certificates were parsed once.
    EXPECT_EQ(verifier.cache_stats().certificate_misses, 2u);
    EXPECT_EQ(verifier.cache_stats().certificate_hits, 2u);
}

TEST(TsaVerifierCache, CacheHitStillChecksEssCertIdAndSignature) {
    const TsaTestPki pki;
    const VerifyOptions options = trusting(pki.root.get());
    const TokenVerifier verifier(options);
    const std::time_t now = std::time(nullptr);
    const Bytes good = make_token(pki, now, pki.tsa.get());
    const auto ok = verifier.verify_token(good, expect_data());
    EXPECT_TRUE(ok.valid()) << ok.summary();
    EXPECT_EQ(verifier.cache_stats().path_misses, 1u);

    // Same signer, same certificates, same validity segment: a cache hit, and the
    // signing-certificate attribute naming the root instead of the TSA is still refused.
    const Bytes wrong_ess = make_token(pki, now, pki.root.get());
    const auto ess = verifier.verify_token(wrong_ess, expect_data());
    EXPECT_EQ(verifier.cache_stats().path_hits, 1u);
    EXPECT_TRUE(has_error(ess, "TSA-ESSCERTID-MISMATCH")) << ess.summary();
    EXPECT_EQ(verdict(ess), verdict(verify_token(wrong_ess, expect_data(), options)));

    // A flipped signature byte: still a hit, still refused.
    Bytes tampered = good;
    tampered.back() = static_cast<std::uint8_t>(tampered.back() ^ 0x01);
    const auto sig = verifier.verify_token(tampered, expect_data());
    EXPECT_EQ(verifier.cache_stats().path_hits, 2u);
    EXPECT_TRUE(has_error(sig, "TSA-SIGNATURE-INVALID")) << sig.summary();
    EXPECT_EQ(verdict(sig), verdict(verify_token(tampered, expect_data(), options)));

    // And other data: the imprint is compared on a hit too.
    TokenExpectations other = expect_data();
    other.data = Bytes{'x'};
    const auto imprint = verifier.verify_token(good, other);
    EXPECT_TRUE(has_error(imprint, "TSA-IMPRINT-MISMATCH")) << imprint.summary();
    EXPECT_EQ(verifier.cache_stats().path_hits, 3u);
}

// A cached path result is reused only while no certificate involved changes between not yet
// valid, valid and expired; across such an instant the path is validated again.
TEST(TsaVerifierCache, PathResultsFollowTheCertificatesValidity) {
    const TsaTestPki pki;  // TSA certificate valid from a day ago for 30 days
    const VerifyOptions options = trusting(pki.root.get());
    const TokenVerifier verifier(options);
    const std::time_t now = std::time(nullptr);
    const std::time_t day = 86400;
    struct Step {
        std::time_t gen_time;
        const char* error;  // nullptr: valid
        std::uint64_t hits, misses;
    };
    const Step steps[] = {
        {now, nullptr, 0, 1},
        {now + 3600, nullptr, 1, 1},                   // same segment
        {now + 40 * day, "TSA-CERT-EXPIRED", 1, 2},    // after the TSA certificate's notAfter
        {now + 41 * day, "TSA-CERT-EXPIRED", 2, 2},    // same (expired) segment
        {now - 2 * day, "TSA-CERT-NOT-YET-VALID", 2, 3},
        {now + 7200, nullptr, 3, 3},                   // back to the first segment
    };
    for (const Step& s : steps) {
        SCOPED_TRACE("genTime now" + std::to_string((s.gen_time - now) / 3600) + " h");
        const Bytes token = make_token(pki, s.gen_time, pki.tsa.get());
        const auto cached = verifier.verify_token(token, expect_data());
        const auto fresh = verify_token(token, expect_data(), options);
        EXPECT_EQ(verdict(cached), verdict(fresh));
        if (s.error == nullptr) {
            EXPECT_TRUE(cached.valid()) << cached.summary();
        } else {
            ASSERT_NE(cached.first_error(), nullptr);
            EXPECT_EQ(cached.first_error()->code, s.error);
        }
        EXPECT_EQ(verifier.cache_stats().path_hits, s.hits);
        EXPECT_EQ(verifier.cache_stats().path_misses, s.misses);
    }
}

TEST(TsaVerifierCache, DifferentTrustSetsDoNotShareResults) {
    const TsaTestPki pki;
    const TsaTestPki other;  // another root (and TSA)
    const auto request = request_for("doc");
    const Bytes response = signed_response(pki, request);

    const TokenVerifier right(trusting(pki.root.get()));
    const TokenVerifier wrong(trusting(other.root.get()));
    EXPECT_TRUE(right.verify_response(response, request).valid());
    for (int i = 0; i < 2; ++i) {
        const auto v = wrong.verify_response(response, request);
        ASSERT_NE(v.first_error(), nullptr);
        EXPECT_EQ(v.first_error()->code, "TSA-CERT-UNTRUSTED");
    }
    EXPECT_EQ(wrong.cache_stats().path_misses, 1u);
    EXPECT_EQ(wrong.cache_stats().path_hits, 1u);
    EXPECT_TRUE(right.verify_response(response, request).valid());
    EXPECT_EQ(right.cache_stats().path_hits, 1u);

    // A copy shares the cache.
    const TokenVerifier copy = right;
    EXPECT_TRUE(copy.verify_response(response, request).valid());
    EXPECT_EQ(right.cache_stats().path_hits, 2u);

    // The anchors are copied at construction: adding the right root to the caller's store later
    // changes neither that verifier's anchors nor its cached verdict; a new verifier sees it.
    VerifyOptions options = trusting(other.root.get());
    const TokenVerifier before(options);
    EXPECT_EQ(before.verify_response(response, request).first_error()->code, "TSA-CERT-UNTRUSTED");
    options.trust.add(cert_of(pki.root.get()));
    EXPECT_EQ(options.trust.size(), 2u);
    EXPECT_EQ(before.options().trust.size(), 1u);
    EXPECT_EQ(before.verify_response(response, request).first_error()->code, "TSA-CERT-UNTRUSTED");
    const TokenVerifier after(options);
    EXPECT_TRUE(after.verify_response(response, request).valid());
    EXPECT_TRUE(verify_response(response, request, options).valid());
}

TEST(TsaVerifierCache, TokenWithoutCertificatesUsesTheExtraCertificates) {
    const TsaTestPki pki;
    RequestOptions ro;
    ro.cert_req = false;
    auto request = TimestampRequest::for_data(kData, ro);
    ASSERT_TRUE(request);
    const Bytes response = signed_response(pki, *request);
    VerifyOptions options = trusting(pki.root.get());
    const TokenVerifier without(options);
    const auto missing = without.verify_response(response, *request);
    ASSERT_NE(missing.first_error(), nullptr);
    EXPECT_EQ(missing.first_error()->code, "TSA-CERT-NOT-FOUND");
    options.extra_certificates.push_back(cert_of(pki.tsa.get()));
    const TokenVerifier with(options);
    for (int i = 0; i < 2; ++i) {
        const auto v = with.verify_response(response, *request);
        EXPECT_TRUE(v.valid()) << v.summary();
        EXPECT_EQ(v.info.embedded_certificates, 0u);
        EXPECT_EQ(verdict(v), verdict(verify_response(response, *request, options)));
    }
    EXPECT_EQ(with.cache_stats().path_misses, 1u);
    EXPECT_EQ(with.cache_stats().path_hits, 1u);
}

TEST(TsaVerifierCache, SharedByManyThreads) {
    const TsaTestPki pki;
    const TokenVerifier verifier(trusting(pki.root.get()));
    const auto request = request_for("threads");
    const Bytes response = signed_response(pki, request);
    const auto other = request_for("other");
    std::atomic<int> valid{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                if (verifier.verify_response(response, request).valid()) ++valid;
                if (has_error(verifier.verify_response(response, other), "TSA-NONCE-MISMATCH")) ++refused;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(valid.load(), 100);
    EXPECT_EQ(refused.load(), 100);
    const auto stats = verifier.cache_stats();
    EXPECT_EQ(stats.path_hits + stats.path_misses, 200u);
    EXPECT_LE(stats.path_misses, 4u);
}

}  // namespace
}  // namespace istmo::tsa
