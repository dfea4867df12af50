// CertificateValidator: the path check of crypto/path_check.cpp behind two bounded caches
// (certificates by the SHA-256 of their DER, path outcomes by their inputs and the validity
// segment of the time), followed by the per-certificate status step.
#include <istmo/crypto/validator.hpp>

#include "core/time_math.hpp"
#include "crypto/detail.hpp"
#include "crypto/path_check.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <limits>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace istmo::crypto {

std::string_view certificate_purpose_name(CertificatePurpose purpose) noexcept {
    return purpose == CertificatePurpose::time_stamping ? "time_stamping" : "signature";
}

std::string_view revocation_status_name(RevocationStatus status) noexcept {
    switch (status) {
        case RevocationStatus::not_checked: return "not_checked";
        case RevocationStatus::good: return "good";
        case RevocationStatus::revoked: return "revoked";
        case RevocationStatus::unknown: return "unknown";
    }
    return "not_checked";
}

std::string_view status_source_name(StatusSource source) noexcept {
    switch (source) {
        case StatusSource::none: return "none";
        case StatusSource::ocsp: return "ocsp";
        case StatusSource::crl: return "crl";
        case StatusSource::embedded: return "embedded";
    }
    return "none";
}

CertificateStatusSource::~CertificateStatusSource() = default;

CertificateStatus CertificateStatusSource::status(const Certificate& certificate, const Certificate& issuer, TimePoint at,
                                                  const RevocationEvidence& /*evidence*/) const {
    return status(certificate, issuer, at);
}

namespace {

// A map emptied when full: bounded memory under any number of distinct inputs, and no
// bookkeeping on the hit path. Internally synchronised.
template <class Value>
class BoundedCache {
public:
    explicit BoundedCache(std::size_t capacity) : m_capacity(capacity) {}

    std::optional<Value> find(const std::string& key) const {
        if (m_capacity == 0) return std::nullopt;
        std::lock_guard lock(m_mutex);
        const auto it = m_entries.find(key);
        if (it == m_entries.end()) {
            ++m_misses;
            return std::nullopt;
        }
        ++m_hits;
        return it->second;
    }

    void put(std::string key, Value value) const {
        if (m_capacity == 0) return;
        std::lock_guard lock(m_mutex);
        if (m_entries.size() >= m_capacity) m_entries.clear();
        m_entries.insert_or_assign(std::move(key), std::move(value));
    }

    std::uint64_t hits() const noexcept { return m_hits.load(); }
    std::uint64_t misses() const noexcept { return m_misses.load(); }

private:
    std::size_t m_capacity;
    mutable std::mutex m_mutex;
    mutable std::unordered_map<std::string, Value> m_entries;
    mutable std::atomic<std::uint64_t> m_hits{0};
    mutable std::atomic<std::uint64_t> m_misses{0};
};

// The interval [lo, hi) of validation times (seconds) in which no certificate involved changes
// between not-yet-valid, valid and expired. OpenSSL compares the time with notBefore/notAfter
// to the second, so inside one segment every comparison, hence the outcome, is the same.
struct Segment {
    std::int64_t lo = std::numeric_limits<std::int64_t>::min();
    std::int64_t hi = std::numeric_limits<std::int64_t>::max();

    // False when a validity date is unreadable (then nothing is cached).
    bool narrow(const CertificateFacts& facts, std::int64_t at) {
        if (!facts.not_before_seconds || !facts.not_after_seconds) return false;
        using std::chrono::seconds;
        for (const std::int64_t date : {*facts.not_before_seconds, *facts.not_after_seconds}) {
            // OpenSSL's outcome changes at the date and one second after it.
            const std::chrono::sys_seconds t{seconds{date}};
            for (const auto edge : {t, core::time_math::saturating_add(t, seconds{1})}) {
                const std::int64_t b = edge.time_since_epoch().count();
                if (b <= at) lo = std::max(lo, b);
                else hi = std::min(hi, b);
            }
        }
        return true;
    }
};

void append_hash(std::string& key, const Certificate& cert) {
    const Bytes& hash = cert.impl().facts().sha256;
    key.append(hash.begin(), hash.end());
}

}  // namespace

struct CertificateValidator::Impl {
    ValidatorOptions options;                   // trust: a private snapshot
    internal::X509StorePtr store;               // over the anchors; null when there are none
    std::optional<Error> store_error;
    std::string fixed_key;                      // anchors and extra certificates, hashed
    bool fixed_times_known = true;
    BoundedCache<Certificate> certificates;
    BoundedCache<CertificateValidation> paths;

    explicit Impl(ValidatorOptions o);
    // The certificates every check involves: the anchors and the fixed extras.
    std::array<const std::vector<Certificate>*, 2> fixed_lists() const {
        return {&options.trust.anchors(), &options.extra_certificates};
    }
    std::optional<std::string> path_key(const Certificate& target, std::span<const Certificate> candidates,
                                        CertificatePurpose purpose, std::int64_t at) const;
    CertificateValidation check(const Certificate& target, std::span<const Certificate> candidates,
                                CertificatePurpose purpose, TimePoint at) const;
    void check_statuses(CertificateValidation& result, TimePoint at, const RevocationEvidence* evidence) const;
};

CertificateValidator::Impl::Impl(ValidatorOptions o)
    : options(std::move(o)), certificates(options.max_cached_certificates), paths(options.max_cached_paths) {
    // A private copy: anchors added to the caller's store later can neither reach this
    // validator's cached results nor race with it.
    TrustStore snapshot;
    for (const Certificate& anchor : options.trust.anchors()) snapshot.add(anchor);
    options.trust = snapshot;
    if (!options.trust.anchors().empty()) {
        auto made = detail::make_anchor_store(options.trust.anchors());
        if (made) store = std::move(*made);
        else store_error = std::move(made).error();
    }
    DigestContext id(DigestAlg::sha256);
    for (const std::vector<Certificate>* list : fixed_lists()) {
        for (const Certificate& cert : *list) {
            const CertificateFacts& facts = cert.impl().facts();
            id.update(facts.sha256);
            if (!facts.not_before_seconds || !facts.not_after_seconds) fixed_times_known = false;
        }
        id.update("|", 1);
    }
    const Bytes digest = id.finish();
    fixed_key.assign(digest.begin(), digest.end());
}

// The cache key of a check at `at`: the trust set and fixed extras, the purpose, the target,
// every candidate in order (so OpenSSL sees exactly the same inputs), and the validity segment
// of `at` over all of them. nullopt (not cached) when a validity date cannot be read.
std::optional<std::string> CertificateValidator::Impl::path_key(const Certificate& target,
                                                               std::span<const Certificate> candidates,
                                                               CertificatePurpose purpose, std::int64_t at) const {
    if (!fixed_times_known) return std::nullopt;
    Segment segment;
    if (!segment.narrow(target.impl().facts(), at)) return std::nullopt;
    for (const Certificate& c : candidates)
        if (!segment.narrow(c.impl().facts(), at)) return std::nullopt;
    for (const std::vector<Certificate>* list : fixed_lists())
        for (const Certificate& c : *list) segment.narrow(c.impl().facts(), at);
    std::string key = fixed_key;
    key.reserve(key.size() + 32 * (candidates.size() + 1) + 48);
    key += purpose == CertificatePurpose::signature ? 's' : 't';
    append_hash(key, target);
    key += std::to_string(candidates.size()) + ":";
    for (const Certificate& c : candidates) append_hash(key, c);
    key += std::to_string(segment.lo) + ":" + std::to_string(segment.hi);
    return key;
}

CertificateValidation CertificateValidator::Impl::check(const Certificate& target,
                                                        std::span<const Certificate> candidates,
                                                        CertificatePurpose purpose, TimePoint at) const {
    const auto when = static_cast<std::int64_t>(std::chrono::system_clock::to_time_t(at));
    const std::optional<std::string> key = path_key(target, candidates, purpose, when);
    if (key) {
        if (auto hit = paths.find(*key)) return std::move(*hit);
    }
    if (!store) {
        CertificateValidation empty;
        empty.status = store_error ? PathStatus::invalid : PathStatus::no_chain;
        empty.message = store_error ? store_error->to_string() : "the trust store is empty";
        return empty;
    }
    std::vector<Certificate> untrusted(candidates.begin(), candidates.end());
    untrusted.insert(untrusted.end(), options.extra_certificates.begin(), options.extra_certificates.end());
    detail::PathCheck checked = detail::check_path(store.get(), options.trust.anchors(), target, untrusted, purpose, at);
    if (key && checked.cacheable) paths.put(*key, checked.validation);
    return std::move(checked.validation);
}

// The status step: every certificate of a verified path but its anchor, fresh each call.
void CertificateValidator::Impl::check_statuses(CertificateValidation& result, TimePoint at,
                                                 const RevocationEvidence* evidence) const {
    if (!options.status_source || !result.path_verified) return;
    static const RevocationEvidence no_evidence;
    for (std::size_t i = 0; i + 1 < result.chain.size(); ++i) {
        if (result.chain[i].anchor) continue;
        result.chain[i].status = options.status_source->status(
            result.chain[i].certificate, result.chain[i + 1].certificate, at, evidence ? *evidence : no_evidence);
    }
}

CertificateValidator::CertificateValidator(ValidatorOptions options)
    : m_impl(std::make_shared<Impl>(std::move(options))) {}

Result<Certificate> CertificateValidator::certificate(std::span<const std::uint8_t> der) const {
    return detail::guarded("reading a certificate", [&]() -> Result<Certificate> {
        const Bytes hash = digest(DigestAlg::sha256, der);
        std::string key(hash.begin(), hash.end());
        if (auto hit = m_impl->certificates.find(key)) {
            if (hit->der().size() == der.size() && std::equal(der.begin(), der.end(), hit->der().begin()))
                return std::move(*hit);
        }
        auto parsed = Certificate::from_der(der);
        if (!parsed) return std::move(parsed).error();
        m_impl->certificates.put(std::move(key), *parsed);
        return parsed;
    });
}

CertificateValidation CertificateValidator::validate(const Certificate& target,
                                                     std::span<const Certificate> candidates,
                                                     CertificatePurpose purpose, TimePoint at,
                                                     const RevocationEvidence* evidence) const {
    try {
        CertificateValidation result = m_impl->check(target, candidates, purpose, at);
        m_impl->check_statuses(result, at, evidence);
        return result;
    } catch (const std::exception& e) {
        ERR_clear_error();
        CertificateValidation failed;
        failed.message = std::string("path validation failed: ") + e.what();
        return failed;
    }
}

bool CertificateValidator::checks_status() const noexcept { return m_impl->options.status_source != nullptr; }

const TrustStore& CertificateValidator::trust() const noexcept { return m_impl->options.trust; }

const std::vector<Certificate>& CertificateValidator::extra_certificates() const noexcept {
    return m_impl->options.extra_certificates;
}

CertificateValidator::CacheStats CertificateValidator::cache_stats() const noexcept {
    return CacheStats{m_impl->certificates.hits(), m_impl->certificates.misses(), m_impl->paths.hits(),
                      m_impl->paths.misses()};
}

}  // namespace istmo::crypto
