// RevocationChecker: the status of one certificate from the evidence a document carries, the
// CRL and OCSP files given, or (unless offline) the certificate's OCSP responder and CRL
// distribution points, under a policy. Verified CRLs and checked OCSP responses are reused
// across calls (keyed by their bytes and the certificates), fetched bodies cached until their
// nextUpdate with one download in flight per URL.
#include <istmo/crypto/revocation.hpp>
#include <istmo/net/http.hpp>

#include "crypto/detail.hpp"
#include "crypto/revocation_check.hpp"
#include "crypto/revocation_collect.hpp"

#include <atomic>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace istmo::crypto {

std::string_view revocation_policy_name(RevocationPolicy policy) noexcept {
    switch (policy) {
        case RevocationPolicy::automatic: return "auto";
        case RevocationPolicy::require: return "require";
        case RevocationPolicy::off: return "off";
    }
    return "auto";
}

Result<RevocationPolicy> parse_revocation_policy(std::string_view name) {
    if (name == "auto") return RevocationPolicy::automatic;
    if (name == "require") return RevocationPolicy::require;
    if (name == "off") return RevocationPolicy::off;
    return make_error(Errc::invalid_argument,
                      "unknown revocation policy '" + std::string(name) + "' (expected auto, require or off)");
}

namespace {

using detail::Freshness;
using detail::SourceCheck;
using detail::StatusProblem;

std::string hash_key(std::span<const std::uint8_t> data) {
    const Bytes h = digest(DigestAlg::sha256, data);
    return std::string(h.begin(), h.end());
}

std::string cert_key(const Certificate& c) {
    const Bytes& h = c.impl().facts().sha256;
    return std::string(h.begin(), h.end());
}

// A CRL parsed once, with its verification against each issuer it was checked for.
struct ParsedCrl {
    std::shared_ptr<detail::X509CrlPtr> crl;
    std::string bytes_key;
};

// The problems met while looking for a status. The one reported: the first answer that was
// refused (it says most), else the last failure to get an answer.
struct Attempts {
    StatusProblem last;
    std::optional<TimePoint> next_try;
    void note(StatusProblem p) {
        if (p.code.empty()) return;
        if (last.code.empty() || last.code == "REV-FETCH-FAILED") last = std::move(p);
    }
};

bool is_conclusive(const SourceCheck& check) {
    return check.status && check.status->status != RevocationStatus::unknown;
}

}  // namespace

struct RevocationChecker::Impl {
    RevocationOptions options;
    std::vector<ParsedCrl> file_crls;
    std::vector<Bytes> file_responses;
    std::optional<net::HttpClient> http;
    std::unique_ptr<net::FetchCache> fetched;
    mutable std::mutex mutex;
    mutable std::unordered_map<std::string, StatusProblem> crl_verdicts;       // crl bytes + issuer
    mutable std::unordered_map<std::string, SourceCheck> ocsp_checks;          // response + cert + issuer
    // The CRL body the fetch cache holds for a URL, parsed and hashed once (a warm look-up then
    // neither copies nor parses nor hashes a CRL that may be megabytes): by URL, valid while
    // the cache holds that same body.
    struct FetchedCrl {
        std::shared_ptr<const net::CachedBody> body;
        ParsedCrl parsed;
    };
    mutable std::unordered_map<std::string, FetchedCrl> fetched_crls;
    mutable std::atomic<std::uint64_t> fetches{0};
    mutable std::atomic<std::uint64_t> cache_hits{0};
    mutable std::atomic<std::uint64_t> reused{0};
    static constexpr std::size_t k_max_checked = 4096;

    Freshness freshness(TimePoint at) const {
        Freshness f;
        f.at = at;
        f.now = std::chrono::system_clock::now();
        f.tolerance = options.freshness_tolerance;
        f.max_age = options.max_age;
        return f;
    }

    CertificateStatus status(const Certificate& cert, const Certificate& issuer, TimePoint at,
                             const RevocationEvidence& evidence, int depth) const;
    // The steps of status(), in order.
    struct Search;
    void search_given(Search& search, const RevocationEvidence& evidence) const;
    void search_urls(Search& search, const std::vector<std::string>& ocsp, const std::vector<std::string>& crl) const;
    CertificateStatus conclude(Search& search) const;
    ParsedCrl parsed_fetched_crl(const std::string& url, const std::shared_ptr<const net::CachedBody>& body) const;
    SourceCheck from_crl(X509_CRL* crl, const std::string& bytes_key, const Certificate& cert,
                         const Certificate& issuer, const Freshness& f, bool must_match) const;
    SourceCheck from_ocsp(std::span<const std::uint8_t> response, const Certificate& cert, const Certificate& issuer,
                          const Freshness& f, bool must_match, const RevocationEvidence& evidence, int depth) const;
    SourceCheck fetch_ocsp(const std::string& url, const Certificate& cert, const Certificate& issuer,
                           const Freshness& f, const RevocationEvidence& evidence, int depth, Attempts& attempts) const;
    SourceCheck fetch_crl(const std::string& url, const Certificate& cert, const Certificate& issuer,
                          const Freshness& f, Attempts& attempts) const;
    Result<std::shared_ptr<const net::CachedBody>> fetch(const std::string& key, const std::string& url,
                                                         const Bytes* post_body, std::size_t max_bytes,
                                                         Attempts& attempts,
                                                         const std::function<StatusProblem(const Bytes&)>& vet = {}) const;
};

// A CRL for `cert`: its issuer's name must match unless the CRL was offered for any
// certificate (files, embedded evidence: then a CRL of another CA is simply not relevant).
SourceCheck RevocationChecker::Impl::from_crl(X509_CRL* crl, const std::string& bytes_key, const Certificate& cert,
                                              const Certificate& issuer, const Freshness& f, bool must_match) const {
    if (!must_match && X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer.impl().cert.get())) != 0)
        return {};
    const std::string key = bytes_key + cert_key(issuer);
    StatusProblem verdict;
    bool known = false;
    {
        std::lock_guard lock(mutex);
        if (auto it = crl_verdicts.find(key); it != crl_verdicts.end()) {
            verdict = it->second;
            known = true;
        }
    }
    if (known) {
        ++reused;
    } else {
        verdict = detail::verify_crl(crl, issuer);
        std::lock_guard lock(mutex);
        if (crl_verdicts.size() >= k_max_checked) crl_verdicts.clear();
        crl_verdicts.emplace(key, verdict);
    }
    if (!verdict.code.empty()) {
        SourceCheck refused;
        refused.problem = std::move(verdict);
        return refused;
    }
    return detail::crl_status(crl, cert, f);
}

SourceCheck RevocationChecker::Impl::from_ocsp(std::span<const std::uint8_t> response, const Certificate& cert,
                                               const Certificate& issuer, const Freshness& f, bool must_match,
                                               const RevocationEvidence& evidence, int depth) const {
    const std::string key = hash_key(response) + cert_key(cert) + cert_key(issuer);
    std::optional<SourceCheck> checked;
    {
        std::lock_guard lock(mutex);
        if (auto it = ocsp_checks.find(key); it != ocsp_checks.end()) checked = it->second;
    }
    if (checked) {
        ++reused;
    } else {
        Freshness lenient = f;
        lenient.enforce = false;  // applied below on every use
        checked = detail::check_ocsp_response(response, cert, issuer, nullptr, lenient);
        std::lock_guard lock(mutex);
        if (ocsp_checks.size() >= k_max_checked) ocsp_checks.clear();
        ocsp_checks.emplace(key, *checked);
    }
    SourceCheck out = std::move(*checked);
    if (!out.status) {
        if (!must_match && out.problem.code == "REV-OCSP-WRONG-CERTID") return {};  // about another certificate
        return out;
    }
    if (StatusProblem stale = detail::ocsp_freshness(*out.status, f); !stale.code.empty()) {
        SourceCheck refused;
        refused.problem = std::move(stale);
        return refused;
    }
    if (out.responder_to_check) {
        // RFC 6960 §4.2.2.2.1: a delegated responder without id-pkix-ocsp-nocheck is checked
        // itself, by CRL only (no loop through OCSP).
        const CertificateStatus responder = depth > 0 ? CertificateStatus{}
                                                      : status(*out.responder_to_check, issuer, f.at, evidence, depth + 1);
        if (responder.status != RevocationStatus::good) {
            SourceCheck refused;
            refused.problem = {"REV-OCSP-RESPONDER-STATUS",
                               "the OCSP responder's own certificate has no good status (" +
                                   std::string(revocation_status_name(responder.status)) + ")",
                               "el certificado del propio respondedor OCSP no tiene un estado válido (" +
                                   std::string(revocation_status_name(responder.status)) + ")"};
            return refused;
        }
        out.responder_to_check.reset();
    }
    return out;
}

namespace {

bool is_http(const std::string& url) { return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0; }

StatusProblem scheme_problem(const std::string& url) {
    return {"REV-URL-SCHEME", "the status URL '" + url + "' is not http(s): it is not fetched",
            "la URL de estado '" + url + "' no es http(s): no se descarga"};
}

// How long a fetched body may be reused: until its nextUpdate, or a few minutes without one.
TimePoint expiry(std::optional<TimePoint> next_update, TimePoint now) {
    return next_update ? *next_update : now + std::chrono::minutes(5);
}

}  // namespace

// One GET (post_body null) or OCSP POST through the shared cache. A failed fetch is a problem
// with the time to try again when the server said so.
Result<std::shared_ptr<const net::CachedBody>> RevocationChecker::Impl::fetch(
    const std::string& key, const std::string& url, const Bytes* post_body, std::size_t max_bytes, Attempts& attempts,
    const std::function<StatusProblem(const Bytes&)>& vet) const {
    const TimePoint now = std::chrono::system_clock::now();
    bool fetched_here = false;
    bool refused_by_vet = false;
    std::optional<TimePoint> retry_after;
    auto got = fetched->get_or_fetch_shared(key, now, [&]() -> Result<net::CachedBody> {
        fetched_here = true;
        ++fetches;
        auto response = post_body ? http->post(url, *post_body, "application/ocsp-request") : http->get(url);
        if (!response) return std::move(response).error();
        if (!response->ok()) {
            retry_after = response->retry_after;
            return make_error(Errc::unavailable, "HTTP status " + std::to_string(response->status));
        }
        if (response->body.size() > max_bytes)
            return make_error(Errc::limit_exceeded, "the answer is larger than " + std::to_string(max_bytes) + " bytes");
        if (vet) {
            if (StatusProblem refused = vet(response->body); !refused.code.empty()) {
                attempts.note(refused);
                refused_by_vet = true;
                return make_error(Errc::unavailable, refused.message);
            }
        }
        std::optional<TimePoint> next_update;
        if (post_body) {
            // The nextUpdate is read without judging the response (that happens on each use).
            const unsigned char* p = response->body.data();
            detail::OcspResponsePtr parsed(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(response->body.size())));
            detail::OcspBasicPtr basic(parsed ? OCSP_response_get1_basic(parsed.get()) : nullptr);
            ASN1_GENERALIZEDTIME* next = nullptr;
            if (basic && OCSP_resp_count(basic.get()) == 1 &&
                OCSP_single_get0_status(OCSP_resp_get0(basic.get(), 0), nullptr, nullptr, nullptr, &next) >= 0 &&
                next != nullptr)
                next_update = detail::time_from_asn1(next);
            ERR_clear_error();
        } else {
            auto crl = detail::parse_crl(response->body, max_bytes);
            if (crl) next_update = detail::crl_next_update(crl->get());
        }
        return net::CachedBody{std::move(response->body), expiry(next_update, now)};
    });
    if (!fetched_here && got) ++cache_hits;
    if (!got && !refused_by_vet) {
        const Error& e = got.error();
        const bool too_large = e.code == Errc::limit_exceeded;
        attempts.note({too_large ? "REV-RESPONSE-TOO-LARGE" : "REV-FETCH-FAILED",
                       "fetching '" + url + "' failed: " + e.message,
                       "la descarga de '" + url + "' falló: " + e.message});
        if (retry_after) attempts.next_try = retry_after;
    }
    return got;
}

SourceCheck RevocationChecker::Impl::fetch_ocsp(const std::string& url, const Certificate& cert,
                                                const Certificate& issuer, const Freshness& f,
                                                const RevocationEvidence& evidence, int depth,
                                                Attempts& attempts) const {
    const std::string key = "ocsp " + url + " " + cert.sha256_hex() + " " + issuer.sha256_hex();
    std::optional<net::CachedBody> cached = fetched->lookup(key, std::chrono::system_clock::now());
    if (cached) {
        ++cache_hits;
        return from_ocsp(cached->body, cert, issuer, f, true, evidence, depth);
    }
    auto request = detail::make_ocsp_request(cert, issuer, options.ocsp_sha1_cert_id ? DigestAlg::sha1 : DigestAlg::sha256,
                                             options.ocsp_nonce);
    if (!request) {
        attempts.note({"REV-FETCH-FAILED", request.error().message, "no se pudo preparar la consulta OCSP"});
        return {};
    }
    // The response is checked inside the fetch, nonce included, against the request sent: one
    // that fails is neither used nor cached (callers sharing that fetch share its outcome).
    const auto vet = [&](const Bytes& body) -> StatusProblem {
        SourceCheck fresh = detail::check_ocsp_response(body, cert, issuer, request->request.get(), f);
        return fresh.status ? StatusProblem{} : fresh.problem;
    };
    auto got = fetch(key, url, &request->der, options.max_ocsp_response_bytes, attempts, vet);
    if (!got) return {};
    return from_ocsp((*got)->body, cert, issuer, f, true, evidence, depth);
}

SourceCheck RevocationChecker::Impl::fetch_crl(const std::string& url, const Certificate& cert,
                                               const Certificate& issuer, const Freshness& f,
                                               Attempts& attempts) const {
    // A CRL that cannot be used is not cached (the next caller fetches again).
    const auto vet = [&](const Bytes& body) -> StatusProblem {
        auto crl = detail::parse_crl(body, options.max_crl_bytes);
        if (!crl) {
            const bool too_large = crl.error().code == Errc::limit_exceeded;
            return {too_large ? "REV-CRL-TOO-LARGE" : "REV-CRL-UNREADABLE",
                    "the CRL from '" + url + "' cannot be used: " + crl.error().message,
                    too_large ? "la CRL de '" + url + "' supera el tamaño máximo"
                              : "la CRL de '" + url + "' no se puede leer"};
        }
        SourceCheck checked = from_crl(crl->get(), hash_key(body), cert, issuer, f, true);
        return checked.status ? StatusProblem{} : checked.problem;
    };
    auto got = fetch("crl " + url, url, nullptr, options.max_crl_bytes, attempts, vet);
    if (!got) return {};
    const ParsedCrl parsed = parsed_fetched_crl(url, *got);
    if (!parsed.crl) {
        SourceCheck refused;
        refused.problem = {"REV-CRL-UNREADABLE", "the CRL from '" + url + "' cannot be used",
                           "la CRL de '" + url + "' no se puede leer"};
        return refused;
    }
    return from_crl(parsed.crl->get(), parsed.bytes_key, cert, issuer, f, true);
}

ParsedCrl RevocationChecker::Impl::parsed_fetched_crl(const std::string& url,
                                                      const std::shared_ptr<const net::CachedBody>& body) const {
    {
        std::lock_guard lock(mutex);
        if (auto it = fetched_crls.find(url); it != fetched_crls.end() && it->second.body == body)
            return it->second.parsed;
    }
    auto crl = detail::parse_crl(body->body, options.max_crl_bytes);
    if (!crl) return {};
    ParsedCrl parsed{std::make_shared<detail::X509CrlPtr>(std::move(*crl)), hash_key(body->body)};
    std::lock_guard lock(mutex);
    if (fetched_crls.size() >= k_max_checked) fetched_crls.clear();
    fetched_crls[url] = FetchedCrl{body, parsed};
    return parsed;
}

// One status() search: what it looks for, and what it found so far.
struct RevocationChecker::Impl::Search {
    const Certificate& cert;
    const Certificate& issuer;
    const RevocationEvidence& evidence;
    int depth = 0;
    Freshness freshness;
    bool required = false;
    Attempts attempts;
    std::optional<SourceCheck> found;  // the first good / revoked answer, else the first unknown
    bool done = false;                 // a good or revoked answer was found

    // Takes one source's answer (a refusal is noted as a problem).
    void consider(SourceCheck check, StatusSource source) {
        if (done) return;
        if (!check.status) {
            attempts.note(std::move(check.problem));
            return;
        }
        if (source == StatusSource::embedded) check.status->source = StatusSource::embedded;
        done = is_conclusive(check);
        if (done || !found) found = std::move(check);
    }
};

// The CRLs and OCSP responses given: the document's (embedded) first, then the files. OCSP is
// not used for a responder's own status (depth > 0: no loop through OCSP).
void RevocationChecker::Impl::search_given(Search& search, const RevocationEvidence& evidence) const {
    const Freshness& f = search.freshness;
    for (const Bytes& r : evidence.ocsp_responses)
        if (!search.done && search.depth == 0)
            search.consider(from_ocsp(r, search.cert, search.issuer, f, false, evidence, search.depth), StatusSource::embedded);
    for (const Bytes& c : evidence.crls) {
        if (search.done) break;
        auto parsed = detail::parse_crl(c, options.max_crl_bytes);
        if (parsed)
            search.consider(from_crl(parsed->get(), hash_key(c), search.cert, search.issuer, f, false), StatusSource::embedded);
    }
    for (const Bytes& r : file_responses)
        if (!search.done && search.depth == 0)
            search.consider(from_ocsp(r, search.cert, search.issuer, f, false, evidence, search.depth), StatusSource::ocsp);
    for (const ParsedCrl& c : file_crls)
        if (!search.done)
            search.consider(from_crl(c.crl->get(), c.bytes_key, search.cert, search.issuer, f, false), StatusSource::crl);
}

// Unless offline: the certificate's OCSP responders, then its CRL distribution points (http(s)
// only; any other scheme is a problem, never a fetch).
void RevocationChecker::Impl::search_urls(Search& search, const std::vector<std::string>& ocsp,
                                          const std::vector<std::string>& crl) const {
    if (options.offline) return;
    for (const std::string& url : ocsp) {
        if (search.done) return;
        if (!is_http(url)) search.attempts.note(scheme_problem(url));
        else
            search.consider(fetch_ocsp(url, search.cert, search.issuer, search.freshness, search.evidence, search.depth,
                                       search.attempts),
                            StatusSource::ocsp);
    }
    for (const std::string& url : crl) {
        if (search.done) return;
        if (!is_http(url)) search.attempts.note(scheme_problem(url));
        else search.consider(fetch_crl(url, search.cert, search.issuer, search.freshness, search.attempts), StatusSource::crl);
    }
}

// The status found, or why there is none: a warning when none was required, else the problem
// that says most.
CertificateStatus RevocationChecker::Impl::conclude(Search& search) const {
    CertificateStatus result;
    if (search.found) {
        result = std::move(*search.found->status);
        result.required = search.required;
        if (result.status == RevocationStatus::unknown) {
            result.code = "REV-STATUS-UNKNOWN";
            result.message = "the status source does not know the certificate";
            result.message_es = "la fuente de estado no conoce el certificado";
        }
        return result;
    }
    result.required = search.required;
    result.next_try = search.attempts.next_try;
    const StatusProblem& last = search.attempts.last;
    if (!result.required) {
        detail::mark_no_status_source(result);
        if (!last.code.empty()) result.message += " (" + last.message + ")";
    } else if (!last.code.empty()) {
        result.code = last.code;
        result.message = last.message;
        result.message_es = last.message_es;
    } else {
        result.code = "REV-UNAVAILABLE";
        result.message = options.offline ? "no status for the certificate among the CRLs and OCSP responses given (offline)"
                                         : "no status could be obtained for the certificate";
        result.message_es = options.offline
                                ? "ningún estado para el certificado entre las CRL y respuestas OCSP dadas (sin conexión)"
                                : "no se pudo obtener el estado del certificado";
    }
    return result;
}

CertificateStatus detail::revocation_off_status() {
    CertificateStatus off;
    off.code = "REV-OFF";
    off.message = "revocation checking is off: the certificate's status was not checked";
    off.message_es = "la comprobación de revocación está desactivada: no se comprobó el estado del certificado";
    return off;
}

void detail::mark_no_status_source(CertificateStatus& status) {
    status.code = "REV-NO-SOURCE";
    status.message = "the certificate publishes no CRL distribution point or OCSP URL: accepted on its validity alone";
    status.message_es = "el certificado no publica punto de distribución de CRL ni URL OCSP: se acepta solo por su vigencia";
}

// The first good or revoked answer wins; an OCSP "unknown" lets the later sources speak.
CertificateStatus RevocationChecker::Impl::status(const Certificate& cert, const Certificate& issuer, TimePoint at,
                                                  const RevocationEvidence& evidence, int depth) const {
    if (options.policy == RevocationPolicy::off) return detail::revocation_off_status();
    const std::vector<std::string> ocsp = depth == 0 ? detail::ocsp_urls(cert) : std::vector<std::string>{};
    const std::vector<std::string> crl = detail::crl_distribution_urls(cert);
    const bool publishes = !crl.empty() || !ocsp.empty() || (depth > 0 && !detail::ocsp_urls(cert).empty());
    Search search{cert, issuer, evidence, depth, freshness(at), options.policy == RevocationPolicy::require || publishes,
                  Attempts{}, std::nullopt, false};
    search_given(search, evidence);
    search_urls(search, ocsp, crl);
    return conclude(search);
}

RevocationChecker::RevocationChecker(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
RevocationChecker::~RevocationChecker() = default;

namespace {

Result<std::unique_ptr<RevocationChecker::Impl>> make_checker_impl(RevocationOptions options) {
    auto impl = std::make_unique<RevocationChecker::Impl>();
    for (const std::string& path : options.crl_files) {
        auto bytes = detail::read_file_bytes(path, options.max_crl_bytes + 1);
        if (!bytes) return std::move(bytes).error();
        auto crl = detail::parse_crl(*bytes, options.max_crl_bytes);
        if (!crl) return make_error(crl.error().code, "CRL file '" + path + "': " + crl.error().message, crl.error().cause);
        impl->file_crls.push_back(ParsedCrl{std::make_shared<detail::X509CrlPtr>(std::move(*crl)), hash_key(*bytes)});
    }
    for (const std::string& path : options.ocsp_response_files) {
        auto bytes = detail::read_file_bytes(path, options.max_ocsp_response_bytes);
        if (!bytes) return std::move(bytes).error();
        impl->file_responses.push_back(std::move(*bytes));
    }
    if (!options.offline && options.policy != RevocationPolicy::off) {
        net::HttpOptions http;
        http.connect_timeout = options.fetch_timeout;
        http.request_timeout = options.fetch_timeout;
        http.total_timeout = options.fetch_timeout;
        http.max_response_bytes = std::max(options.max_crl_bytes, options.max_ocsp_response_bytes);
        http.retries = 1;
        http.backoff = std::chrono::milliseconds(100);
        http.proxy = options.proxy;
        auto client = net::HttpClient::create(std::move(http));
        if (!client) return std::move(client).error();
        impl->http.emplace(std::move(*client));
        net::FetchCache::Options cache;
        cache.persist_dir = options.cache_dir;
        impl->fetched = std::make_unique<net::FetchCache>(std::move(cache));
    }
    impl->options = std::move(options);
    return impl;
}

}  // namespace

Result<std::shared_ptr<const RevocationChecker>> RevocationChecker::create(RevocationOptions options) {
    auto impl = make_checker_impl(std::move(options));
    if (!impl) return std::move(impl).error();
    return std::shared_ptr<const RevocationChecker>(std::make_shared<RevocationChecker>(std::move(*impl)));
}

namespace detail {

Result<CollectingChecker> CollectingChecker::create(RevocationOptions options) {
    auto impl = make_checker_impl(std::move(options));
    if (!impl) return std::move(impl).error();
    const RevocationChecker::Impl* raw = impl->get();
    return CollectingChecker(std::make_shared<RevocationChecker>(std::move(*impl)), raw);
}

// The status as RevocationChecker gives it; then the bytes of the source that gave it: the body
// the fetch cache holds for the certificate's OCSP URL or CRL distribution point, else the file
// given that answers for this certificate.
CollectedStatus CollectingChecker::collect(const Certificate& cert, const Certificate& issuer, TimePoint at,
                                           const RevocationEvidence& known) const {
    CollectedStatus out;
    out.status = m_checker->status(cert, issuer, at, known);
    const bool conclusive =
        out.status.status == RevocationStatus::good || out.status.status == RevocationStatus::revoked;
    if (!conclusive || out.status.source == StatusSource::embedded) return out;
    const RevocationChecker::Impl& impl = *m_impl;
    const TimePoint now = std::chrono::system_clock::now();
    try {
        if (out.status.source == StatusSource::ocsp) {
            for (const std::string& url : ocsp_urls(cert)) {
                if (!impl.fetched) break;
                const std::string key = "ocsp " + url + " " + cert.sha256_hex() + " " + issuer.sha256_hex();
                if (auto cached = impl.fetched->lookup(key, now)) {
                    out.used.ocsp_responses.push_back(std::move(cached->body));
                    return out;
                }
            }
            static const RevocationEvidence none;
            for (const Bytes& r : impl.file_responses)
                if (impl.from_ocsp(r, cert, issuer, impl.freshness(at), false, none, 0).status) {
                    out.used.ocsp_responses.push_back(r);
                    return out;
                }
        } else if (out.status.source == StatusSource::crl) {
            for (const std::string& url : crl_distribution_urls(cert)) {
                if (!impl.fetched) break;
                if (auto cached = impl.fetched->lookup("crl " + url, now)) {
                    out.used.crls.push_back(std::move(cached->body));
                    return out;
                }
            }
            for (const ParsedCrl& c : impl.file_crls) {
                X509_CRL* crl = c.crl->get();
                if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer.impl().cert.get())) != 0) continue;
                unsigned char* der = nullptr;
                const int length = i2d_X509_CRL(crl, &der);
                internal::OsslBytesPtr owned(der);
                if (length > 0) out.used.crls.emplace_back(der, der + length);
                return out;
            }
        }
    } catch (const std::exception&) {
        ERR_clear_error();
    }
    return out;
}

}  // namespace detail

CertificateStatus RevocationChecker::status(const Certificate& certificate, const Certificate& issuer, TimePoint at) const {
    static const RevocationEvidence none;
    return status(certificate, issuer, at, none);
}

CertificateStatus RevocationChecker::status(const Certificate& certificate, const Certificate& issuer, TimePoint at,
                                            const RevocationEvidence& evidence) const {
    try {
        return m_impl->status(certificate, issuer, at, evidence, 0);
    } catch (const std::exception& e) {
        ERR_clear_error();
        CertificateStatus failed;
        failed.required = m_impl->options.policy != RevocationPolicy::off;
        failed.code = "REV-UNAVAILABLE";
        failed.message = std::string("the status check failed: ") + e.what();
        failed.message_es = "la comprobación del estado falló";
        return failed;
    }
}

const RevocationOptions& RevocationChecker::options() const noexcept { return m_impl->options; }

RevocationChecker::Stats RevocationChecker::stats() const {
    return Stats{m_impl->fetches.load(), m_impl->cache_hits.load(), m_impl->reused.load()};
}

}  // namespace istmo::crypto
