// crypto::CertificateValidator: cached outcomes equal fresh ones, purposes, untrusted extras,
// trust-set separation, the status seam, threads. Cross-checked with `openssl verify`.
#include <istmo/crypto/validator.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>

#include <atomic>
#include <ctime>
#include <thread>

namespace istmo::crypto {
namespace {

namespace fs = std::filesystem;

std::string pki_file(const std::string& name) { return (istmo::test::vectors_dir() / "pki" / name).string(); }

Certificate load(const std::string& name) {
    auto cert = Certificate::from_file(pki_file(name + ".cert.pem"));
    EXPECT_TRUE(cert) << (cert ? "" : cert.error().to_string());
    return std::move(cert).value();
}

TimePoint at_seconds(std::int64_t seconds) { return std::chrono::system_clock::from_time_t(static_cast<std::time_t>(seconds)); }
std::int64_t seconds_of(TimePoint t) { return std::chrono::system_clock::to_time_t(t); }

TrustStore trusting(const std::string& name) {
    TrustStore store;
    store.add(load(name));
    return store;
}

ValidatorOptions options_for(TrustStore trust, bool caching = true) {
    ValidatorOptions o;
    o.trust = std::move(trust);
    if (!caching) {
        o.max_cached_certificates = 0;
        o.max_cached_paths = 0;
    }
    return o;
}

// Everything a caller can see of a result, as one comparable text.
std::string describe(const CertificateValidation& r) {
    std::string out = std::string(path_status_name(r.status)) + "|" + r.message + "|" + r.reason + "|" +
                      std::to_string(r.error_depth) + "|" + (r.path_verified ? "verified" : "-");
    for (const ChainElement& e : r.chain)
        out += "|" + e.certificate.sha256_hex() + (e.anchor ? "*" : "") + ":" +
               std::string(revocation_status_name(e.status.status));
    return out;
}

// The instants around every validity bound of the certificates involved.
std::vector<std::int64_t> times_around(const std::vector<Certificate>& certs) {
    std::vector<std::int64_t> times;
    for (const Certificate& c : certs) {
        for (const TimePoint bound : {c.not_before(), c.not_after()}) {
            const std::int64_t s = seconds_of(bound);
            for (const std::int64_t d : {-86400, -1, 0, 1, 86400}) times.push_back(s + d);
        }
    }
    return times;
}

TEST(CryptoValidator, CacheHitEqualsFreshResultAcrossValidityBoundsAndPurposes) {
    const CertificateValidator cached(options_for(trusting("ca")));
    const CertificateValidator fresh(options_for(trusting("ca"), false));
    const std::vector<Certificate> inter{load("intermediate")};
    for (const std::string leaf_name : {"expired", "not-yet-valid", "rsa2048", "tsa-only"}) {
        const Certificate leaf = load(leaf_name);
        const auto times = times_around({leaf, inter[0], load("ca")});
        for (const auto purpose : {CertificatePurpose::signature, CertificatePurpose::time_stamping}) {
            for (const std::int64_t t : times) {
                SCOPED_TRACE(leaf_name + " " + std::string(certificate_purpose_name(purpose)) + " at " + std::to_string(t));
                const auto want = describe(fresh.validate(leaf, inter, purpose, at_seconds(t)));
                EXPECT_EQ(describe(cached.validate(leaf, inter, purpose, at_seconds(t))), want);
                EXPECT_EQ(describe(cached.validate(leaf, inter, purpose, at_seconds(t))), want);  // a hit
                if (purpose == CertificatePurpose::signature) {  // the one-shot function agrees
                    const auto one_shot = validate_path(leaf, inter, trusting("ca"), at_seconds(t));
                    EXPECT_EQ(path_status_name(one_shot.status), want.substr(0, want.find('|')));
                }
            }
        }
    }
    const auto stats = cached.cache_stats();
    EXPECT_GT(stats.path_hits, stats.path_misses);  // repeated inputs in one segment hit
    EXPECT_EQ(fresh.cache_stats().path_hits, 0u);
    EXPECT_EQ(ERR_peek_error(), 0UL);
}

TEST(CryptoValidator, PurposeRules) {
    const CertificateValidator validator(options_for(trusting("ca")));
    const std::vector<Certificate> inter{load("intermediate")};
    const TimePoint now = std::chrono::system_clock::now();
    auto r = validator.validate(load("rsa2048"), inter, CertificatePurpose::signature, now);
    EXPECT_EQ(r.status, PathStatus::valid) << r.message;
    ASSERT_EQ(r.chain.size(), 3u);
    EXPECT_FALSE(r.chain[0].anchor);
    EXPECT_TRUE(r.chain[2].anchor);
    EXPECT_EQ(validator.validate(load("nonrep-only"), inter, CertificatePurpose::signature, now).status,
              PathStatus::valid);
    // A document-signing certificate is no time-stamping unit, and the other way round.
    r = validator.validate(load("rsa2048"), inter, CertificatePurpose::time_stamping, now);
    EXPECT_EQ(r.status, PathStatus::bad_key_usage) << r.message;
    EXPECT_EQ(r.error_depth, 0);
    r = validator.validate(load("tsa-only"), inter, CertificatePurpose::signature, now);
    EXPECT_EQ(r.status, PathStatus::bad_key_usage) << r.message;
    EXPECT_TRUE(r.path_verified);
    r = validator.validate(load("tsa-only"), inter, CertificatePurpose::time_stamping, now);
    EXPECT_EQ(r.status, PathStatus::valid) << r.message;
}

TEST(CryptoValidator, UntrustedCertificatesNeverBecomeAnchors) {
    const TimePoint now = std::chrono::system_clock::now();
    // A self-signed certificate offered as a candidate or as a fixed extra is not trusted.
    ValidatorOptions with_extra = options_for(trusting("ca"));
    with_extra.extra_certificates = {load("untrusted"), load("intermediate")};
    const CertificateValidator validator(with_extra);
    const std::vector<Certificate> self{load("untrusted")};
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(validator.validate(load("untrusted"), self, CertificatePurpose::signature, now).status,
                  PathStatus::no_chain);
    }
    // The fixed extras are path candidates: the leaf reaches the root through them.
    EXPECT_EQ(validator.validate(load("rsa2048"), {}, CertificatePurpose::signature, now).status, PathStatus::valid);
    // An intermediate given as a candidate is not an anchor when the trust set lacks its root.
    const CertificateValidator other_root(options_for(trusting("untrusted")));
    const std::vector<Certificate> inter{load("intermediate")};
    for (int i = 0; i < 2; ++i) {
        const auto r = other_root.validate(load("rsa2048"), inter, CertificatePurpose::signature, now);
        EXPECT_EQ(r.status, PathStatus::no_chain) << r.message;
        EXPECT_FALSE(r.path_verified);
    }
}

TEST(CryptoValidator, TrustSetsNeverShareResults) {
    const TimePoint now = std::chrono::system_clock::now();
    const std::vector<Certificate> inter{load("intermediate")};
    TrustStore caller = trusting("untrusted");
    const CertificateValidator wrong(options_for(caller));
    const CertificateValidator right(options_for(trusting("ca")));
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(wrong.validate(load("rsa2048"), inter, CertificatePurpose::signature, now).status, PathStatus::no_chain);
        EXPECT_EQ(right.validate(load("rsa2048"), inter, CertificatePurpose::signature, now).status, PathStatus::valid);
    }
    // Anchors are copied at construction: adding the root to the caller's store later does not
    // reach the existing validator.
    caller.add(load("ca"));
    EXPECT_EQ(wrong.trust().size(), 1u);
    EXPECT_EQ(wrong.validate(load("rsa2048"), inter, CertificatePurpose::signature, now).status, PathStatus::no_chain);
    EXPECT_EQ(CertificateValidator(options_for(caller)).validate(load("rsa2048"), inter, CertificatePurpose::signature, now).status,
              PathStatus::valid);
    // An empty trust set trusts nothing.
    const auto empty = CertificateValidator(options_for(TrustStore{})).validate(load("rsa2048"), inter,
                                                                                CertificatePurpose::signature, now);
    EXPECT_EQ(empty.status, PathStatus::no_chain);
}

// A status source that answers "good" and counts its calls.
class CountingSource : public CertificateStatusSource {
public:
    CertificateStatus status(const Certificate& certificate, const Certificate& issuer, TimePoint) const override {
        ++calls;
        CertificateStatus s;
        s.status = answer.load();
        s.source = StatusSource::crl;
        s.message = certificate.subject() + " <- " + issuer.subject();
        return s;
    }
    mutable std::atomic<int> calls{0};
    std::atomic<RevocationStatus> answer{RevocationStatus::good};
};

TEST(CryptoValidator, StatusSeamReportsEveryCertificateAndIsNeverCached) {
    const TimePoint now = std::chrono::system_clock::now();
    const std::vector<Certificate> inter{load("intermediate")};
    const auto plain = CertificateValidator(options_for(trusting("ca"))).validate(load("rsa2048"), inter,
                                                                                  CertificatePurpose::signature, now);
    ASSERT_EQ(plain.chain.size(), 3u);
    for (const ChainElement& e : plain.chain) {
        EXPECT_EQ(e.status.status, RevocationStatus::not_checked);
        EXPECT_EQ(e.status.source, StatusSource::none);
    }

    auto source = std::make_shared<CountingSource>();
    ValidatorOptions o = options_for(trusting("ca"));
    o.status_source = source;
    const CertificateValidator validator(o);
    auto r = validator.validate(load("rsa2048"), inter, CertificatePurpose::signature, now);
    ASSERT_EQ(r.chain.size(), 3u);
    EXPECT_EQ(source->calls.load(), 2);  // leaf and intermediate; never the anchor
    EXPECT_EQ(r.chain[0].status.status, RevocationStatus::good);
    EXPECT_EQ(r.chain[0].status.message, load("rsa2048").subject() + " <- " + inter[0].subject());
    EXPECT_EQ(r.chain[1].status.message, inter[0].subject() + " <- " + load("ca").subject());
    EXPECT_EQ(r.chain[2].status.status, RevocationStatus::not_checked);
    // The path comes from the cache; the status is asked again.
    source->answer = RevocationStatus::revoked;
    r = validator.validate(load("rsa2048"), inter, CertificatePurpose::signature, now);
    EXPECT_EQ(validator.cache_stats().path_hits, 1u);
    EXPECT_EQ(source->calls.load(), 4);
    EXPECT_EQ(r.chain[0].status.status, RevocationStatus::revoked);
    // A path that does not verify gets no status.
    r = validator.validate(load("expired"), inter, CertificatePurpose::signature, now);
    EXPECT_EQ(source->calls.load(), 4);
}

TEST(CryptoValidator, CertificateCacheParsesOnce) {
    const CertificateValidator validator(options_for(trusting("ca")));
    const Bytes der = load("rsa2048").der();
    auto a = validator.certificate(der);
    auto b = validator.certificate(der);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(&a->impl(), &b->impl());
    EXPECT_EQ(validator.cache_stats().certificate_misses, 1u);
    EXPECT_EQ(validator.cache_stats().certificate_hits, 1u);
    Bytes garbage = der;
    garbage.push_back(0);
    auto bad = validator.certificate(garbage);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::parse_error);
    EXPECT_FALSE(validator.certificate(Bytes{}));
}

TEST(CryptoValidator, CachesStayBounded) {
    ValidatorOptions o = options_for(trusting("ca"));
    o.max_cached_paths = 4;
    const CertificateValidator validator(o);
    const std::vector<Certificate> inter{load("intermediate")};
    const Certificate leaf = load("expired");
    // Distinct segments, each a miss; then the first again: evicted (the cache was emptied),
    // and still the fresh answer.
    const auto times = times_around({leaf});
    for (const std::int64_t t : times) (void)validator.validate(leaf, inter, CertificatePurpose::signature, at_seconds(t));
    const auto misses = validator.cache_stats().path_misses;
    EXPECT_GE(misses, 5u);
    const auto again = validator.validate(leaf, inter, CertificatePurpose::signature, at_seconds(times.front()));
    EXPECT_EQ(describe(again), describe(CertificateValidator(options_for(trusting("ca"), false))
                                            .validate(leaf, inter, CertificatePurpose::signature, at_seconds(times.front()))));
}

TEST(CryptoValidator, FourThreadsAgreeWithFreshResults) {
    const CertificateValidator validator(options_for(trusting("ca")));
    const CertificateValidator fresh(options_for(trusting("ca"), false));
    const std::vector<Certificate> inter{load("intermediate")};
    struct Case {
        Certificate leaf;
        CertificatePurpose purpose;
        TimePoint at;
        std::string want;
    };
    std::vector<Case> cases;
    for (const std::string name : {"rsa2048", "expired", "tsa-only"}) {
        const Certificate leaf = load(name);
        for (const std::int64_t t : times_around({leaf}))
            for (const auto purpose : {CertificatePurpose::signature, CertificatePurpose::time_stamping})
                cases.push_back({leaf, purpose, at_seconds(t), describe(fresh.validate(leaf, inter, purpose, at_seconds(t)))});
    }
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < 20; ++round)
                for (std::size_t i = 0; i < cases.size(); ++i) {
                    const Case& c = cases[(i + static_cast<std::size_t>(t) * 7) % cases.size()];
                    if (describe(validator.validate(c.leaf, inter, c.purpose, c.at)) != c.want) ++mismatches;
                }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(mismatches.load(), 0);
    const auto stats = validator.cache_stats();
    EXPECT_EQ(stats.path_hits + stats.path_misses, 4u * 20u * cases.size());
    EXPECT_LE(stats.path_misses, 4u * cases.size());
}

// The verdicts agree with `openssl verify` (an independent implementation of the same checks).
TEST(CryptoValidator, AgreesWithOpensslVerify) {
    if (!istmo::test::have_tool("openssl")) GTEST_SKIP() << "openssl CLI not installed";
    const CertificateValidator validator(options_for(trusting("ca")));
    const std::vector<Certificate> inter{load("intermediate")};
    for (const std::string name : {"rsa2048", "expired", "tsa-only"}) {
        const Certificate leaf = load(name);
        for (const std::int64_t t : times_around({leaf})) {
            for (const auto purpose : {CertificatePurpose::signature, CertificatePurpose::time_stamping}) {
                const std::string cmd = "openssl verify -partial_chain -attime " + std::to_string(t) +
                                        (purpose == CertificatePurpose::time_stamping ? " -purpose timestampsign" : "") +
                                        " -CAfile '" + pki_file("ca.cert.pem") + "' -untrusted '" +
                                        pki_file("intermediate.cert.pem") + "' '" + pki_file(name + ".cert.pem") + "'";
                const bool cli_ok = istmo::test::run_command(cmd + " 2>&1").exit_code == 0;
                const auto r = validator.validate(leaf, inter, purpose, at_seconds(t));
                SCOPED_TRACE(cmd);
                // OpenSSL has no document-signing purpose: compare the path part there.
                const bool ours = purpose == CertificatePurpose::signature ? r.path_verified : r.status == PathStatus::valid;
                EXPECT_EQ(ours, cli_ok) << r.message;
            }
        }
    }
}

}  // namespace
}  // namespace istmo::crypto
