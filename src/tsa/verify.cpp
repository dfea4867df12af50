// TimeStampResp / TimeStampToken verification with OpenSSL's CMS API (not the PKCS7-based
// TS_RESP_verify path, which cannot check RSASSA-PSS tokens nor parse tokens with OCSP data).
// Every check runs; each failure is one Finding with a stable code.
#include <istmo/tsa/timestamp.hpp>

#include "crypto/native.hpp"
#include "internal/c_ptr.hpp"
#include "tsa/tsa_internal.hpp"

#include <openssl/objects.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <ctime>
#include <limits>
#include <memory>
#include <mutex>
#include <unordered_map>

// OpenSSL's STACK_OF accessors are macros with C casts.
#pragma GCC diagnostic ignored "-Wold-style-cast"

namespace istmo::tsa {

using report::Finding;
using report::Severity;

bool TokenVerification::valid() const noexcept { return first_error() == nullptr; }

const report::Finding* TokenVerification::first_error() const noexcept {
    for (const auto& f : findings) {
        if (f.severity == Severity::error) return &f;
    }
    return nullptr;
}

std::string TokenVerification::summary() const {
    const Finding* f = first_error();
    return f ? f->code + ": " + f->message : std::string();
}

std::string fail_info_name(int bit) {
    switch (bit) {
        case 0: return "badAlg";
        case 2: return "badRequest";
        case 5: return "badDataFormat";
        case 14: return "timeNotAvailable";
        case 15: return "unacceptedPolicy";
        case 16: return "unacceptedExtension";
        case 17: return "addInfoNotAvailable";
        case 25: return "systemFailure";
        default: return "bit" + std::to_string(bit);
    }
}

namespace detail {

std::optional<Tlv> read_tlv(std::span<const std::uint8_t> in, TlvError& err) noexcept {
    err = TlvError::none;
    if (in.size() < 2) {
        err = in.empty() ? TlvError::empty : TlvError::truncated;
        return std::nullopt;
    }
    Tlv t;
    t.tag = in[0];
    if ((t.tag & 0x1Fu) == 0x1Fu) {
        err = TlvError::bad_tag;
        return std::nullopt;
    }
    const std::uint8_t l0 = in[1];
    std::size_t len = 0;
    std::size_t pos = 2;
    if (l0 < 0x80u) {
        len = l0;
    } else if (l0 == 0x80u) {
        err = TlvError::indefinite;
        return std::nullopt;
    } else {
        const std::size_t n = l0 & 0x7Fu;
        if (n > 4 || in.size() < 2 + n) {
            err = n > 4 ? TlvError::bad_length : TlvError::truncated;
            return std::nullopt;
        }
        for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in[2 + i];
        // DER: minimal length encoding.
        if (in[2] == 0 || (n == 1 && len < 0x80u)) {
            err = TlvError::bad_length;
            return std::nullopt;
        }
        pos = 2 + n;
    }
    if (in.size() - pos < len) {
        err = TlvError::truncated;
        return std::nullopt;
    }
    t.header = pos;
    t.content = in.subspan(pos, len);
    return t;
}

}  // namespace detail

namespace {

using namespace internal;

struct Expect {
    std::optional<Bytes> imprint;      // expected digest
    int imprint_nid = NID_undef;       // expected algorithm (with imprint)
    std::optional<Bytes> data;         // or: data hashed with the token's algorithm
    std::optional<Bytes> nonce;
    std::string policy;
    bool require_certs = false;
};

void add(TokenVerification& v, std::string code, std::string message, Severity sev = Severity::error) {
    v.findings.push_back(Finding{std::move(code), sev, std::move(message), {}});
}

std::string obj_text(const ASN1_OBJECT* obj) {
    if (obj == nullptr) return {};
    char buf[256];
    const int n = OBJ_obj2txt(buf, sizeof buf, obj, 1);
    if (n <= 0) return {};
    return std::string(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
}

std::string integer_hex(const ASN1_INTEGER* value) {
    if (value == nullptr) return {};
    BignumPtr bn(ASN1_INTEGER_to_BN(value, nullptr));
    if (!bn) return {};
    char* hex = BN_bn2hex(bn.get());
    if (hex == nullptr) return {};
    std::string out(hex);
    OPENSSL_free(hex);
    return out;
}

long asn1_long(const ASN1_INTEGER* v) { return v ? ASN1_INTEGER_get(v) : 0; }

std::string general_name_text(GENERAL_NAME* name) {
    if (name == nullptr) return {};
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) return {};
    if (name->type == GEN_DIRNAME) {
        X509_NAME_print_ex(bio.get(), name->d.directoryName, 0, XN_FLAG_RFC2253);
    } else {
        GENERAL_NAME_print(bio.get(), name);
    }
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return n > 0 && data ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

// genTime (GeneralizedTime "YYYYMMDDhhmmss[.f*]Z") to a time point with millisecond precision.
bool parse_gen_time(const ASN1_GENERALIZEDTIME* t, TimePoint& out, std::string& text) {
    if (t == nullptr) return false;
    text.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(t)),
                static_cast<std::size_t>(ASN1_STRING_length(t)));
    std::tm tm{};
    if (ASN1_TIME_to_tm(t, &tm) != 1) return false;
    const std::time_t secs = timegm(&tm);
    long millis = 0;
    const auto dot = text.find('.');
    if (dot != std::string::npos) {
        long scale = 100;
        for (std::size_t i = dot + 1; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
            millis += (text[i] - '0') * scale;
            scale /= 10;
        }
    }
    out = crypto::time_point_from_epoch_seconds(static_cast<std::int64_t>(secs));
    if (out != TimePoint::max() && out != TimePoint::min()) out += std::chrono::milliseconds(millis);
    return true;
}

std::optional<crypto::DigestAlg> digest_for_nid(int nid) {
    switch (nid) {
        case NID_sha1: return crypto::DigestAlg::sha1;
        case NID_sha224: return crypto::DigestAlg::sha224;
        case NID_sha256: return crypto::DigestAlg::sha256;
        case NID_sha384: return crypto::DigestAlg::sha384;
        case NID_sha512: return crypto::DigestAlg::sha512;
        default: return std::nullopt;
    }
}

std::string signature_alg_name(const X509_ALGOR* alg) {
    if (alg == nullptr) return {};
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
    const int nid = OBJ_obj2nid(obj);
    if (nid == NID_rsassaPss) return "rsa-pss";
    int pknid = NID_undef;
    if (OBJ_find_sigid_algs(nid, nullptr, &pknid) == 0) pknid = nid;
    switch (pknid) {
        case NID_rsaEncryption: return "rsa-pkcs1";
        case NID_rsassaPss: return "rsa-pss";
        case NID_X9_62_id_ecPublicKey: return "ecdsa";
        case NID_ED25519: return "ed25519";
        default: return obj_text(obj);
    }
}

std::optional<std::int64_t> asn1_seconds(const ASN1_TIME* t) {
    std::tm tm{};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
    return static_cast<std::int64_t>(timegm(&tm));
}

Bytes der_of(X509* x) {
    unsigned char* out = nullptr;
    const int len = i2d_X509(x, &out);
    OsslBytesPtr owned(out);
    if (len <= 0 || out == nullptr) return {};
    return Bytes(out, out + len);
}

// A crypto::Certificate over an X509 that is already parsed (no second parse of its DER).
crypto::Certificate certificate_of(X509* x, const Bytes& der) {
    auto impl = std::make_shared<crypto::Certificate::Impl>();
    X509_up_ref(x);
    impl->cert.reset(x);
    impl->der = der;
    return crypto::Certificate(std::shared_ptr<const crypto::Certificate::Impl>(std::move(impl)));
}

}  // namespace

namespace detail {

// The TokenInfo fields that describe the signer.
struct SignerFields {
    std::string subject;
    std::string issuer;
    std::string serial_hex;
    std::string sha256;
    TimePoint not_before{};
    TimePoint not_after{};
};

inline SignerFields signer_fields_of(const crypto::Certificate& cert) {
    return SignerFields{cert.subject(), cert.issuer(), cert.serial_hex(), cert.sha256_hex(), cert.not_before(),
                        cert.not_after()};
}

// A certificate from a token (or from the caller's extra certificates), parsed once. Immutable
// once made, except for the signer fields, computed at most once on first use.
struct CachedCertificate {
    internal::X509Ptr x509;
    Bytes der;
    Bytes sha256;                            // of der
    std::optional<std::int64_t> not_before;  // seconds since the epoch; nullopt when unreadable
    std::optional<std::int64_t> not_after;

    const SignerFields& signer_fields() const {
        std::call_once(m_once, [this] { m_signer = signer_fields_of(certificate_of(x509.get(), der)); });
        return m_signer;
    }

private:
    mutable std::once_flag m_once;
    mutable SignerFields m_signer;
};

inline std::shared_ptr<const CachedCertificate> make_cached(internal::X509Ptr x, Bytes der) {
    auto c = std::make_shared<CachedCertificate>();
    c->sha256 = crypto::digest(crypto::DigestAlg::sha256, der);
    c->not_before = asn1_seconds(X509_get0_notBefore(x.get()));
    c->not_after = asn1_seconds(X509_get0_notAfter(x.get()));
    c->x509 = std::move(x);
    c->der = std::move(der);
    return c;
}

// The outcome of one TSA certificate path validation: its findings and the chain it built.
struct PathOutcome {
    std::vector<Finding> findings;
    internal::X509StackPtr chain;  // leaf first; null when no path was built
    bool cacheable = true;         // false when OpenSSL could not even be set up
};

using Pool = std::vector<std::shared_ptr<const CachedCertificate>>;

}  // namespace detail

struct TokenVerifier::Impl {
    VerifyOptions options;
    bool caching = false;
    std::vector<crypto::Certificate> anchors;  // the snapshot every check uses
    detail::Pool extras;                       // options.extra_certificates
    internal::X509StorePtr store;              // over the anchors; null when there are none
    // Caching only: the anchors' identity and every instant at which one of them changes
    // between not-yet-valid, valid and expired (sorted).
    Bytes trust_id;
    std::vector<std::int64_t> anchor_bounds;
    bool anchor_times_known = true;

    mutable std::mutex mutex;
    mutable std::unordered_map<std::string, std::shared_ptr<const detail::CachedCertificate>> certificates;
    mutable std::unordered_map<std::string, std::shared_ptr<const detail::PathOutcome>> paths;
    mutable std::atomic<std::uint64_t> certificate_hits{0};
    mutable std::atomic<std::uint64_t> certificate_misses{0};
    mutable std::atomic<std::uint64_t> path_hits{0};
    mutable std::atomic<std::uint64_t> path_misses{0};

    Impl(VerifyOptions o, bool cache);

    // The certificate with this DER: from the cache, else `parsed` when given, else parsed here.
    // nullptr when the DER is not exactly one certificate.
    std::shared_ptr<const detail::CachedCertificate> certificate(std::span<const std::uint8_t> der,
                                                                 X509* parsed = nullptr) const;
    // The path from the signer to the anchors at `at`, from the cache when the same inputs were
    // validated at a time in the same validity segment.
    std::shared_ptr<const detail::PathOutcome> path(X509* signer, const detail::CachedCertificate* signer_cached,
                                                    const detail::Pool& pool, STACK_OF(X509)* untrusted,
                                                    TimePoint at) const;

private:
    detail::PathOutcome validate(X509* signer, STACK_OF(X509)* untrusted, std::time_t at) const;
    std::optional<std::string> path_key(const detail::CachedCertificate& leaf, const detail::Pool& pool,
                                        std::int64_t at) const;
};

namespace {

constexpr std::size_t kMaxCachedCertificates = 256;
constexpr std::size_t kMaxCachedPaths = 1024;

}  // namespace

TokenVerifier::Impl::Impl(VerifyOptions o, bool cache) : options(std::move(o)), caching(cache) {
    if (caching) {
        // A private copy of the store, so that anchors added to the caller's store later can
        // neither reach this verifier's cached results nor race with it.
        crypto::TrustStore snapshot;
        for (const auto& anchor : options.trust.anchors()) snapshot.add(anchor);
        options.trust = snapshot;
    }
    anchors = options.trust.anchors();
    for (const auto& c : options.extra_certificates) {
        X509* x = c.impl().cert.get();
        X509_up_ref(x);
        extras.push_back(detail::make_cached(internal::X509Ptr(x), c.der()));
    }
    if (!anchors.empty()) {
        store.reset(X509_STORE_new());
        for (const auto& anchor : anchors) {
            if (store) X509_STORE_add_cert(store.get(), anchor.impl().cert.get());
        }
        crypto::drain_openssl_errors();
    }
    if (!caching) return;
    crypto::DigestContext id(crypto::DigestAlg::sha256);
    for (const auto& anchor : anchors) {
        id.update(crypto::digest(crypto::DigestAlg::sha256, anchor.der()));
        const auto nb = asn1_seconds(X509_get0_notBefore(anchor.impl().cert.get()));
        const auto na = asn1_seconds(X509_get0_notAfter(anchor.impl().cert.get()));
        if (!nb || !na) {
            anchor_times_known = false;
            continue;
        }
        for (const std::int64_t b : {*nb, *nb + 1, *na, *na + 1}) anchor_bounds.push_back(b);
    }
    trust_id = id.finish();
    std::sort(anchor_bounds.begin(), anchor_bounds.end());
}

std::shared_ptr<const detail::CachedCertificate> TokenVerifier::Impl::certificate(std::span<const std::uint8_t> der,
                                                                                  X509* parsed) const {
    Bytes hash = crypto::digest(crypto::DigestAlg::sha256, der);
    const std::string key(hash.begin(), hash.end());
    if (caching) {
        std::lock_guard lock(mutex);
        const auto it = certificates.find(key);
        if (it != certificates.end() && std::equal(der.begin(), der.end(), it->second->der.begin(), it->second->der.end())) {
            ++certificate_hits;
            return it->second;
        }
    }
    internal::X509Ptr x;
    if (parsed != nullptr) {
        X509_up_ref(parsed);
        x.reset(parsed);
    } else {
        const unsigned char* p = der.data();
        x.reset(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
        if (!x || p != der.data() + der.size()) {
            crypto::drain_openssl_errors();
            return nullptr;
        }
    }
    auto cached = detail::make_cached(std::move(x), Bytes(der.begin(), der.end()));
    if (caching) {
        ++certificate_misses;
        std::lock_guard lock(mutex);
        if (certificates.size() >= kMaxCachedCertificates) certificates.clear();
        certificates.emplace(key, cached);
    }
    return cached;
}

// The cache key of a path validation at `at`: the anchors' identity, the signer, every other
// candidate certificate in order (so X509_verify_cert sees exactly the same inputs), and the
// validity segment of `at`: the interval between the nearest instants, before and after, at
// which any of those certificates or anchors becomes valid or expires. OpenSSL uses the time
// only to compare it with notBefore/notAfter (valid iff notBefore <= t < notAfter, to the
// second), so inside one segment every comparison, hence the outcome, is the same.
// nullopt (not cached) when a validity date cannot be read.
std::optional<std::string> TokenVerifier::Impl::path_key(const detail::CachedCertificate& leaf,
                                                         const detail::Pool& pool, std::int64_t at) const {
    if (!anchor_times_known) return std::nullopt;
    std::int64_t lo = std::numeric_limits<std::int64_t>::min();
    std::int64_t hi = std::numeric_limits<std::int64_t>::max();
    const auto bound = [&](const std::optional<std::int64_t>& t) {
        if (!t) return false;
        for (const std::int64_t b : {*t, *t + 1}) {
            if (b <= at) lo = std::max(lo, b);
            else hi = std::min(hi, b);
        }
        return true;
    };
    if (!bound(leaf.not_before) || !bound(leaf.not_after)) return std::nullopt;
    for (const auto& c : pool) {
        if (!bound(c->not_before) || !bound(c->not_after)) return std::nullopt;
    }
    const auto next = std::upper_bound(anchor_bounds.begin(), anchor_bounds.end(), at);
    if (next != anchor_bounds.end()) hi = std::min(hi, *next);
    if (next != anchor_bounds.begin()) lo = std::max(lo, *std::prev(next));
    std::string key;
    key.reserve(trust_id.size() + 32 * (pool.size() + 1) + 24);
    key.append(trust_id.begin(), trust_id.end());
    key.append(leaf.sha256.begin(), leaf.sha256.end());
    key += std::to_string(pool.size()) + ":";
    for (const auto& c : pool) key.append(c->sha256.begin(), c->sha256.end());
    key += std::to_string(lo) + ":" + std::to_string(hi);
    return key;
}

std::shared_ptr<const detail::PathOutcome> TokenVerifier::Impl::path(X509* signer,
                                                                     const detail::CachedCertificate* signer_cached,
                                                                     const detail::Pool& pool,
                                                                     STACK_OF(X509)* untrusted, TimePoint at) const {
    const std::time_t when = std::chrono::system_clock::to_time_t(at);
    std::optional<std::string> key;
    if (caching && signer_cached != nullptr && !anchors.empty()) key = path_key(*signer_cached, pool, when);
    if (key) {
        std::lock_guard lock(mutex);
        const auto it = paths.find(*key);
        if (it != paths.end()) {
            ++path_hits;
            return it->second;
        }
    }
    auto outcome = std::make_shared<const detail::PathOutcome>(validate(signer, untrusted, when));
    if (key && outcome->cacheable) {
        ++path_misses;
        std::lock_guard lock(mutex);
        if (paths.size() >= kMaxCachedPaths) paths.clear();
        paths.emplace(std::move(*key), outcome);
    }
    return outcome;
}

detail::PathOutcome TokenVerifier::Impl::validate(X509* signer, STACK_OF(X509)* untrusted, std::time_t at) const {
    detail::PathOutcome out;
    const auto add_finding = [&](std::string code, std::string message) {
        out.findings.push_back(Finding{std::move(code), Severity::error, std::move(message), {}});
    };
    if (anchors.empty()) {
        add_finding("TSA-CERT-UNTRUSTED", "no TSA trust anchors are configured, so the TSA cannot be trusted");
        return out;
    }
    X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!store || !ctx || X509_STORE_CTX_init(ctx.get(), store.get(), signer, untrusted) != 1) {
        add_finding("TSA-CERT-INVALID", "cannot set up certificate path validation: " + crypto::drain_openssl_errors());
        out.cacheable = false;
        return out;
    }
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    X509_VERIFY_PARAM_set_time(param, at);
    X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_TIMESTAMP_SIGN);
    const int ok = X509_verify_cert(ctx.get());
    if (ok == 1) {
        out.chain.reset(X509_STORE_CTX_get1_chain(ctx.get()));
        return out;
    }
    const int err = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    const std::string why = X509_verify_cert_error_string(err);
    crypto::drain_openssl_errors();
    const std::string where = depth == 0 ? "the TSA certificate" : "a CA certificate of the TSA chain";
    switch (err) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            add_finding("TSA-CERT-EXPIRED", where + " had expired at the validation time (genTime)");
            break;
        case X509_V_ERR_CERT_NOT_YET_VALID:
            add_finding("TSA-CERT-NOT-YET-VALID", where + " was not yet valid at the validation time (genTime)");
            break;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            add_finding("TSA-CERT-UNTRUSTED",
                        "the TSA certificate does not chain to a configured trust anchor (" + why + ")");
            break;
        case X509_V_ERR_INVALID_PURPOSE:
            if (depth == 0) break;  // reported by the EKU check with a precise message
            add_finding("TSA-CERT-INVALID", where + " may not be used for time-stamping (" + why + ")");
            break;
        default:
            add_finding("TSA-CERT-INVALID", "the TSA certificate path is not valid: " + why);
            break;
    }
    return out;
}

namespace {

using Impl = TokenVerifier::Impl;

// The EKU rule of RFC 3161 §2.3: exactly one purpose, id-kp-timeStamping, extension critical.
void check_eku(TokenVerification& v, X509* signer) {
    int crit = -1;
    int idx = -1;
    ExtKeyUsagePtr eku(static_cast<EXTENDED_KEY_USAGE*>(
        X509_get_ext_d2i(signer, NID_ext_key_usage, &crit, &idx)));
    if (!eku) {
        add(v, "TSA-CERT-EKU", "the TSA certificate has no extended key usage (it must have exactly "
                               "timeStamping, marked critical)");
        return;
    }
    if (sk_ASN1_OBJECT_num(eku.get()) != 1 ||
        OBJ_obj2nid(sk_ASN1_OBJECT_value(eku.get(), 0)) != NID_time_stamp) {
        add(v, "TSA-CERT-EKU", "the TSA certificate's extended key usage is not exactly timeStamping");
        return;
    }
    if (crit != 1) add(v, "TSA-CERT-EKU", "the TSA certificate's extended key usage is not marked critical");
}


void check_ess(TokenVerification& v, CMS_SignerInfo* si, STACK_OF(X509)* chain) {
    auto* v1 = static_cast<ASN1_STRING*>(CMS_signed_get0_data_by_OBJ(
        si, OBJ_nid2obj(NID_id_smime_aa_signingCertificate), -3, V_ASN1_SEQUENCE));
    auto* v2 = static_cast<ASN1_STRING*>(CMS_signed_get0_data_by_OBJ(
        si, OBJ_nid2obj(NID_id_smime_aa_signingCertificateV2), -3, V_ASN1_SEQUENCE));
    v.info.ess_version = v1 && v2 ? "v1+v2" : v1 ? "v1" : v2 ? "v2" : "";
    if (!v1 && !v2) {
        add(v, "TSA-ESSCERTID-MISSING",
            "the token has no signing-certificate attribute (ESSCertID / ESSCertIDv2) binding the TSA certificate");
        return;
    }
    EssSigningCertPtr ss;
    EssSigningCertV2Ptr ss2;
    if (v1) {
        const unsigned char* p = ASN1_STRING_get0_data(v1);
        ss.reset(d2i_ESS_SIGNING_CERT(nullptr, &p, ASN1_STRING_length(v1)));
    }
    if (v2) {
        const unsigned char* p = ASN1_STRING_get0_data(v2);
        ss2.reset(d2i_ESS_SIGNING_CERT_V2(nullptr, &p, ASN1_STRING_length(v2)));
    }
    if ((v1 && !ss) || (v2 && !ss2)) {
        crypto::drain_openssl_errors();
        add(v, "TSA-ESSCERTID-MALFORMED", "the signing-certificate attribute cannot be decoded");
        return;
    }
    if (OSSL_ESS_check_signing_certs(ss.get(), ss2.get(), chain, 1) <= 0) {
        const std::string cause = crypto::drain_openssl_errors();
        add(v, "TSA-ESSCERTID-MISMATCH",
            "the signing-certificate attribute does not identify the TSA certificate that signed the token" +
                (cause.empty() ? std::string() : " (" + cause + ")"));
    }
}


void put_header(Bytes& out, std::uint8_t tag, std::size_t length) {
    out.push_back(tag);
    if (length < 0x80u) {
        out.push_back(static_cast<std::uint8_t>(length));
        return;
    }
    std::uint8_t bytes[sizeof(std::size_t)];
    std::size_t n = 0;
    for (std::size_t rest = length; rest != 0; rest >>= 8) bytes[n++] = static_cast<std::uint8_t>(rest & 0xFFu);
    out.push_back(static_cast<std::uint8_t>(0x80u | n));
    while (n > 0) out.push_back(bytes[--n]);
}

std::size_t header_size(std::size_t length) {
    if (length < 0x80u) return 2;
    std::size_t n = 0;
    for (std::size_t rest = length; rest != 0; rest >>= 8) ++n;
    return 2 + n;
}

}  // namespace

// The CMS signature does not cover the SignedData certificates field, so the rest verifies the
// same without it; the certificates are then looked up in the verifier's cache instead of being
// parsed again (OpenSSL 3.0 decodes each public key through its provider decoders, most of a
// token's parsing time). Tokens not of exactly this shape are parsed whole, as before.
std::optional<detail::SplitToken> detail::split_certificates(std::span<const std::uint8_t> token) {
    detail::TlvError err{};
    const auto outer = detail::read_tlv(token, err);
    if (!outer || outer->tag != 0x30 || outer->total() != token.size()) return std::nullopt;
    const auto oid = detail::read_tlv(outer->content, err);
    if (!oid || oid->tag != 0x06) return std::nullopt;
    const auto after_oid = outer->content.subspan(oid->total());
    const auto wrapper = detail::read_tlv(after_oid, err);
    if (!wrapper || wrapper->tag != 0xA0 || wrapper->total() != after_oid.size()) return std::nullopt;
    const auto signed_data = detail::read_tlv(wrapper->content, err);
    if (!signed_data || signed_data->tag != 0x30 || signed_data->total() != wrapper->content.size())
        return std::nullopt;
    // SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo,
    //                           certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos }
    const auto fields = signed_data->content;
    detail::SplitToken out;
    std::size_t cert_offset = 0;
    std::size_t cert_size = 0;
    std::size_t pos = 0;
    for (int index = 0; pos < fields.size(); ++index) {
        const auto field = detail::read_tlv(fields.subspan(pos), err);
        if (!field) return std::nullopt;
        if (index == 3 && field->tag == 0xA0) {
            cert_offset = pos;
            cert_size = field->total();
            auto list = field->content;
            while (!list.empty()) {
                const auto cert = detail::read_tlv(list, err);
                if (!cert || cert->tag != 0x30) return std::nullopt;  // other CertificateChoices
                out.certificates.push_back(list.first(cert->total()));
                list = list.subspan(cert->total());
            }
        }
        pos += field->total();
    }
    if (cert_size == 0) return std::nullopt;
    const std::size_t sd_length = fields.size() - cert_size;
    const std::size_t wrapper_length = header_size(sd_length) + sd_length;
    const std::size_t outer_length = oid->total() + header_size(wrapper_length) + wrapper_length;
    Bytes& der = out.without_certificates;
    der.reserve(header_size(outer_length) + outer_length);
    put_header(der, 0x30, outer_length);
    const auto oid_bytes = outer->content.first(oid->total());
    der.insert(der.end(), oid_bytes.begin(), oid_bytes.end());
    put_header(der, 0xA0, wrapper_length);
    put_header(der, 0x30, sd_length);
    const auto before = fields.first(cert_offset);
    const auto after = fields.subspan(cert_offset + cert_size);
    der.insert(der.end(), before.begin(), before.end());
    der.insert(der.end(), after.begin(), after.end());
    return out;
}

namespace {

void fill_signer(TokenInfo& info, const detail::SignerFields& f) {
    info.signer_subject = f.subject;
    info.signer_issuer = f.issuer;
    info.signer_serial_hex = f.serial_hex;
    info.signer_sha256 = f.sha256;
    info.signer_not_before = f.not_before;
    info.signer_not_after = f.not_after;
}

void verify_token_impl(const Impl& st, TokenVerification& v, std::span<const std::uint8_t> bytes,
                       const Expect& expect, bool bare) {
    const VerifyOptions& options = st.options;
    v.token.assign(bytes.begin(), bytes.end());
    CmsContentInfoPtr cms;
    detail::Pool embedded;
    bool have_embedded = false;
    if (auto split = detail::split_certificates(bytes)) {
        detail::Pool found;
        for (const auto der : split->certificates) {
            auto c = st.certificate(der);
            if (!c) break;
            found.push_back(std::move(c));
        }
        if (found.size() == split->certificates.size()) {
            const unsigned char* p = split->without_certificates.data();
            cms.reset(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(split->without_certificates.size())));
            if (cms && p == split->without_certificates.data() + split->without_certificates.size()) {
                embedded = std::move(found);
                have_embedded = true;
            } else {
                cms.reset();
                crypto::drain_openssl_errors();
            }
        }
    }
    if (!cms) {
        // Not the usual DER shape (BER, other certificate choices, ...): OpenSSL parses it all.
        const unsigned char* p = bytes.data();
        cms.reset(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(bytes.size())));
        if (!cms) {
            add(v, "TSA-TOKEN-MALFORMED", "the time-stamp token is not a CMS ContentInfo: " + crypto::drain_openssl_errors());
            return;
        }
        if (bare && p != bytes.data() + bytes.size()) {
            add(v, "TSA-TRAILING-DATA", std::to_string(bytes.data() + bytes.size() - p) +
                                            " bytes follow the time-stamp token");
        } else if (!bare && p != bytes.data() + bytes.size()) {
            add(v, "TSA-RESPONSE-MALFORMED", "unexpected bytes follow the token inside the TimeStampResp");
        }
    }
    if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
        add(v, "TSA-TOKEN-MALFORMED", "the time-stamp token is not CMS SignedData");
        return;
    }
    if (OBJ_obj2nid(CMS_get0_eContentType(cms.get())) != NID_id_smime_ct_TSTInfo) {
        add(v, "TSA-CONTENT-TYPE", "the signed content is not id-ct-TSTInfo but " +
                                       obj_text(CMS_get0_eContentType(cms.get())));
        return;
    }
    STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
    const int nsigners = sis ? sk_CMS_SignerInfo_num(sis) : 0;
    if (nsigners != 1) {
        add(v, "TSA-SIGNER-COUNT", "the token has " + std::to_string(nsigners) +
                                       " SignerInfos; a time-stamp token must have exactly one");
        if (nsigners < 1) return;
    }
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, 0);

    // ---- TSTInfo ----
    ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
    if (content == nullptr || *content == nullptr) {
        add(v, "TSA-TSTINFO-MALFORMED", "the token carries no TSTInfo");
        return;
    }
    const unsigned char* tp = ASN1_STRING_get0_data(*content);
    const long tlen = ASN1_STRING_length(*content);
    TsTstInfoPtr tst(d2i_TS_TST_INFO(nullptr, &tp, tlen));
    if (!tst || tp != ASN1_STRING_get0_data(*content) + tlen) {
        add(v, "TSA-TSTINFO-MALFORMED", "the TSTInfo cannot be decoded" +
                                            (tst ? std::string(" (trailing bytes)") : ": " + crypto::drain_openssl_errors()));
        return;
    }
    TokenInfo& info = v.info;
    info.version = TS_TST_INFO_get_version(tst.get());
    if (info.version != 1) add(v, "TSA-TSTINFO-MALFORMED", "TSTInfo version " + std::to_string(info.version) + " (must be 1)");
    info.policy = obj_text(TS_TST_INFO_get_policy_id(tst.get()));
    TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(tst.get());
    const ASN1_OBJECT* alg_obj = nullptr;
    X509_ALGOR_get0(&alg_obj, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(mi));
    const int alg_nid = OBJ_obj2nid(alg_obj);
    info.imprint_algorithm = alg_nid != NID_undef ? OBJ_nid2sn(alg_nid) : obj_text(alg_obj);
    std::transform(info.imprint_algorithm.begin(), info.imprint_algorithm.end(), info.imprint_algorithm.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    if (info.imprint_algorithm == "sha-256" || info.imprint_algorithm == "sha-384" || info.imprint_algorithm == "sha-512")
        info.imprint_algorithm.erase(3, 1);
    ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(mi);
    info.imprint.assign(ASN1_STRING_get0_data(msg), ASN1_STRING_get0_data(msg) + ASN1_STRING_length(msg));
    info.serial_hex = integer_hex(TS_TST_INFO_get_serial(tst.get()));
    const bool time_ok = parse_gen_time(TS_TST_INFO_get_time(tst.get()), info.gen_time, info.gen_time_text);
    if (!time_ok) add(v, "TSA-TSTINFO-MALFORMED", "the genTime cannot be read");
    if (TS_ACCURACY* acc = TS_TST_INFO_get_accuracy(tst.get())) {
        info.accuracy = Accuracy{asn1_long(TS_ACCURACY_get_seconds(acc)), asn1_long(TS_ACCURACY_get_millis(acc)),
                                 asn1_long(TS_ACCURACY_get_micros(acc))};
    }
    info.ordering = TS_TST_INFO_get_ordering(tst.get()) != 0;
    const ASN1_INTEGER* nonce = TS_TST_INFO_get_nonce(tst.get());
    if (nonce) info.nonce_hex = integer_hex(nonce);
    info.tsa_name = general_name_text(TS_TST_INFO_get_tsa(tst.get()));

    // ---- binding to the request ----
    if (expect.imprint) {
        if (alg_nid != expect.imprint_nid) {
            add(v, "TSA-IMPRINT-MISMATCH", "the token hashes with " + info.imprint_algorithm +
                                               ", but the request used " + OBJ_nid2sn(expect.imprint_nid));
        } else if (info.imprint != *expect.imprint) {
            add(v, "TSA-IMPRINT-MISMATCH", "the token's message imprint is not the hash of the time-stamped data");
        }
    } else if (expect.data) {
        const auto d = digest_for_nid(alg_nid);
        if (!d) {
            add(v, "TSA-IMPRINT-ALG-UNSUPPORTED", "the imprint algorithm " + info.imprint_algorithm + " is not supported");
        } else if (crypto::digest(*d, *expect.data) != info.imprint) {
            add(v, "TSA-IMPRINT-MISMATCH", "the token's message imprint is not the hash of the time-stamped data");
        }
    } else {
        add(v, "TSA-IMPRINT-NOT-CHECKED", "no data or digest was given, so the token is not bound to any data",
            Severity::warning);
    }
    if (nonce) {
        BignumPtr bn(ASN1_INTEGER_to_BN(nonce, nullptr));
        if (bn && BN_is_negative(bn.get()))
            add(v, "TSA-NONCE-NEGATIVE", "the TSA returned a negative nonce", Severity::warning);
    }
    if (expect.nonce) {
        if (!nonce) {
            add(v, "TSA-NONCE-MISSING", "the TSA did not return the request's nonce (replay protection is missing)");
        } else {
            BignumPtr got(ASN1_INTEGER_to_BN(nonce, nullptr));
            BignumPtr want(BN_bin2bn(expect.nonce->data(), static_cast<int>(expect.nonce->size()), nullptr));
            if (!got || !want || BN_cmp(got.get(), want.get()) != 0)
                add(v, "TSA-NONCE-MISMATCH", "the token's nonce differs from the request's (a replayed or foreign token)");
        }
    }
    if (!expect.policy.empty() && info.policy != expect.policy)
        add(v, "TSA-POLICY-MISMATCH", "the token's policy " + info.policy + " is not the requested " + expect.policy);

    // ---- certificates and signer ----
    if (!have_embedded) {
        X509StackPtr parsed(CMS_get1_certs(cms.get()));
        for (int i = 0; parsed && i < sk_X509_num(parsed.get()); ++i) {
            X509* x = sk_X509_value(parsed.get(), i);
            const Bytes der = der_of(x);
            if (auto c = st.certificate(der, x)) embedded.push_back(std::move(c));
        }
    }
    info.embedded_certificates = embedded.size();
    if (expect.require_certs && info.embedded_certificates == 0)
        add(v, "TSA-CERTS-MISSING", "certificates were requested (certReq) but the token embeds none");
    // Candidates: the token's certificates, then the caller's extra ones.
    detail::Pool pool = embedded;
    pool.insert(pool.end(), st.extras.begin(), st.extras.end());
    X509StackPtr untrusted(sk_X509_new_null());
    if (!untrusted) {
        add(v, "TSA-TOKEN-MALFORMED", "out of memory");
        return;
    }
    for (const auto& c : pool) {
        X509_up_ref(c->x509.get());
        sk_X509_push(untrusted.get(), c->x509.get());
    }
    X509* signer = nullptr;
    const detail::CachedCertificate* signer_cached = nullptr;
    const crypto::Certificate* signer_anchor = nullptr;
    for (const auto& c : pool) {
        if (CMS_SignerInfo_cert_cmp(si, c->x509.get()) == 0) {
            signer = c->x509.get();
            signer_cached = c.get();
            break;
        }
    }
    // A TSA certificate the caller trusts directly may also be the signer.
    for (const auto& anchor : st.anchors) {
        if (signer != nullptr) break;
        if (CMS_SignerInfo_cert_cmp(si, anchor.impl().cert.get()) == 0) {
            signer = anchor.impl().cert.get();
            signer_anchor = &anchor;
        }
    }
    X509_ALGOR* sig_alg = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, nullptr, &sig_alg);
    info.signature_algorithm = signature_alg_name(sig_alg);
    if (signer == nullptr) {
        add(v, "TSA-CERT-NOT-FOUND",
            "the TSA certificate is neither in the token nor among the given certificates, so the token cannot be checked");
        return;
    }
    fill_signer(info, signer_cached ? signer_cached->signer_fields() : detail::signer_fields_of(*signer_anchor));

    // Signature over the signed attributes and the TSTInfo digest. The signer is given; its
    // path is checked below at genTime with the time-stamping rules.
    {
        X509StackPtr just_signer(sk_X509_new_null());
        X509_up_ref(signer);
        sk_X509_push(just_signer.get(), signer);
        crypto::drain_openssl_errors();
        const int ok = CMS_verify(cms.get(), just_signer.get(), nullptr, nullptr, nullptr,
                                  CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY);
        if (ok != 1) {
            add(v, "TSA-SIGNATURE-INVALID", "the TSA's signature over the token does not verify (" +
                                                crypto::drain_openssl_errors() + ")");
        }
    }
    if (options.pinned_tsa_certificate && X509_cmp(signer, options.pinned_tsa_certificate->impl().cert.get()) != 0)
        add(v, "TSA-CERT-PIN-MISMATCH", "the token was signed by " + info.signer_subject +
                                            ", not by the pinned TSA certificate");
    check_eku(v, signer);
    X509StackPtr chain;
    const TimePoint at = options.validation_time ? *options.validation_time : info.gen_time;
    if (time_ok || options.validation_time) {
        const auto outcome = st.path(signer, signer_cached, pool, untrusted.get(), at);
        v.findings.insert(v.findings.end(), outcome->findings.begin(), outcome->findings.end());
        if (outcome->chain) chain.reset(X509_chain_up_ref(outcome->chain.get()));
    }
    // ESSCertID lists may name the whole chain (D-Trust does). The first entry must be the
    // signer; the others are looked up in the validated chain plus every certificate we have.
    if (!chain) {
        chain.reset(sk_X509_new_null());
        X509_up_ref(signer);
        sk_X509_push(chain.get(), signer);
    }
    for (int i = 0; i < sk_X509_num(untrusted.get()); ++i) {
        X509* x = sk_X509_value(untrusted.get(), i);
        bool present = false;
        for (int j = 0; j < sk_X509_num(chain.get()) && !present; ++j)
            present = X509_cmp(sk_X509_value(chain.get(), j), x) == 0;
        if (present) continue;
        X509_up_ref(x);
        sk_X509_push(chain.get(), x);
    }
    check_ess(v, si, chain.get());

    if (options.max_clock_skew && time_ok) {
        const TimePoint now = options.now ? *options.now : std::chrono::system_clock::now();
        const auto diff = info.gen_time > now ? info.gen_time - now : now - info.gen_time;
        if (diff > *options.max_clock_skew) {
            add(v, "TSA-GENTIME-SKEW", "the token's genTime " + info.gen_time_text + " is " +
                                           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(diff).count()) +
                                           " s away from the local clock (allowed: " +
                                           std::to_string(options.max_clock_skew->count()) + " s)");
        }
    }
}

void verify_response_impl(const Impl& st, TokenVerification& v, std::span<const std::uint8_t> bytes,
                          const Expect& expect) {
    detail::TlvError err{};
    const auto outer = detail::read_tlv(bytes, err);
    if (!outer || outer->tag != 0x30) {
        std::string why = err == detail::TlvError::empty       ? "the response is empty"
                          : err == detail::TlvError::truncated ? "the response is truncated"
                          : err == detail::TlvError::indefinite
                              ? "the response is BER with indefinite lengths, not DER"
                              : "the response is not a DER TimeStampResp";
        add(v, "TSA-RESPONSE-MALFORMED", why);
        return;
    }
    if (outer->total() != bytes.size())
        add(v, "TSA-TRAILING-DATA", std::to_string(bytes.size() - outer->total()) +
                                        " bytes follow the TimeStampResp");
    const auto status_tlv = detail::read_tlv(outer->content, err);
    if (!status_tlv || status_tlv->tag != 0x30) {
        add(v, "TSA-RESPONSE-MALFORMED", "the TimeStampResp has no PKIStatusInfo");
        return;
    }
    const unsigned char* sp = outer->content.data();
    TsStatusInfoPtr status(d2i_TS_STATUS_INFO(nullptr, &sp, static_cast<long>(status_tlv->total())));
    if (!status || sp != outer->content.data() + status_tlv->total()) {
        crypto::drain_openssl_errors();
        add(v, "TSA-RESPONSE-MALFORMED", "the PKIStatusInfo cannot be decoded");
        return;
    }
    v.status = static_cast<int>(asn1_long(TS_STATUS_INFO_get0_status(status.get())));
    if (const auto* texts = TS_STATUS_INFO_get0_text(status.get())) {
        for (int i = 0; i < sk_ASN1_UTF8STRING_num(texts); ++i) {
            const ASN1_UTF8STRING* s = sk_ASN1_UTF8STRING_value(texts, i);
            if (!v.status_text.empty()) v.status_text += "; ";
            v.status_text.append(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                 static_cast<std::size_t>(ASN1_STRING_length(s)));
        }
    }
    if (const ASN1_BIT_STRING* fi = TS_STATUS_INFO_get0_failure_info(status.get())) {
        for (int bit = 0; bit < 32; ++bit) {
            if (ASN1_BIT_STRING_get_bit(fi, bit)) v.fail_info.push_back(fail_info_name(bit));
        }
    }
    const auto rest = outer->content.subspan(status_tlv->total());
    const bool has_token = !rest.empty();
    if (v.status != 0 && v.status != 1) {
        static const char* names[] = {"granted", "grantedWithMods", "rejection", "waiting",
                                      "revocationWarning", "revocationNotification"};
        std::string what = v.status >= 0 && v.status <= 5 ? names[v.status] : "unknown status " + std::to_string(v.status);
        std::string extra;
        if (!v.fail_info.empty()) {
            extra += "; failInfo ";
            for (std::size_t i = 0; i < v.fail_info.size(); ++i) extra += (i ? "," : "") + v.fail_info[i];
        }
        if (!v.status_text.empty()) extra += "; \"" + v.status_text + "\"";
        const std::string code = v.status == 3 ? "TSA-STATUS-WAITING" : "TSA-STATUS-REJECTED";
        add(v, code, "the TSA did not grant the time-stamp (status " + what + extra + ")");
        if (has_token) add(v, "TSA-RESPONSE-MALFORMED", "the TSA sent a token with a non-granted status");
        return;
    }
    if (v.status == 1)
        add(v, "TSA-STATUS-GRANTED-WITH-MODS", "the TSA granted the time-stamp with modifications", Severity::warning);
    if (!has_token) {
        add(v, "TSA-TOKEN-MISSING", "the TSA granted the request but sent no token");
        return;
    }
    verify_token_impl(st, v, rest, expect, false);
}


Expect expect_from_request(const TimestampRequest& request) {
    Expect e;
    e.imprint = request.imprint();
    e.imprint_nid = detail::hash_nid(request.hash());
    e.nonce = request.nonce();
    e.policy = request.policy();
    e.require_certs = request.cert_req();
    return e;
}

Expect expect_from(const TokenExpectations& t) {
    Expect e;
    if (t.digest_alg) {
        e.imprint = t.digest;
        e.imprint_nid = detail::hash_nid(*t.digest_alg);
    } else if (t.data) {
        e.data = t.data;
    }
    e.nonce = t.nonce;
    e.policy = t.policy;
    e.require_certs = t.require_certificates;
    return e;
}

// Every public entry point: one place that turns an exception into a finding.
template <class Fn>
TokenVerification guarded(Fn&& fn) {
    TokenVerification v;
    try {
        fn(v);
    } catch (const std::exception& ex) {
        add(v, "TSA-INTERNAL", std::string("verification failed unexpectedly: ") + ex.what());
    }
    return v;
}

TokenVerification response_with(const Impl& st, std::span<const std::uint8_t> response,
                                const TimestampRequest& request) {
    return guarded([&](TokenVerification& v) { verify_response_impl(st, v, response, expect_from_request(request)); });
}

TokenVerification token_with(const Impl& st, std::span<const std::uint8_t> token, const TokenExpectations& expect) {
    return guarded([&](TokenVerification& v) { verify_token_impl(st, v, token, expect_from(expect), true); });
}

TokenVerification response_or_token_with(const Impl& st, std::span<const std::uint8_t> bytes,
                                         const TokenExpectations& expect) {
    // A ContentInfo starts SEQUENCE { OID ...; a TimeStampResp starts SEQUENCE { SEQUENCE ...
    bool is_token = false;
    detail::TlvError err{};
    if (bytes.size() >= 2 && bytes[0] == 0x30 && bytes[1] == 0x80) {
        is_token = true;  // BER indefinite length: only tokens come like that
    } else if (const auto outer = detail::read_tlv(bytes, err)) {
        is_token = !outer->content.empty() && outer->content[0] == 0x06;
    }
    if (is_token) return token_with(st, bytes, expect);
    return guarded([&](TokenVerification& v) { verify_response_impl(st, v, bytes, expect_from(expect)); });
}

// The free functions: a verifier state made for one call (nothing is cached).
template <class Fn>
TokenVerification with_one_shot(const VerifyOptions& options, Fn&& fn) {
    try {
        const Impl st(options, false);
        return fn(st);
    } catch (const std::exception& ex) {
        TokenVerification v;
        add(v, "TSA-INTERNAL", std::string("verification failed unexpectedly: ") + ex.what());
        return v;
    }
}

}  // namespace

TokenVerifier::TokenVerifier(VerifyOptions options) : m_impl(std::make_shared<Impl>(std::move(options), true)) {}

TokenVerification TokenVerifier::verify_response(std::span<const std::uint8_t> response,
                                                 const TimestampRequest& request) const {
    return response_with(*m_impl, response, request);
}

TokenVerification TokenVerifier::verify_token(std::span<const std::uint8_t> token,
                                              const TokenExpectations& expect) const {
    return token_with(*m_impl, token, expect);
}

TokenVerification TokenVerifier::verify_response_or_token(std::span<const std::uint8_t> bytes,
                                                          const TokenExpectations& expect) const {
    return response_or_token_with(*m_impl, bytes, expect);
}

const VerifyOptions& TokenVerifier::options() const noexcept { return m_impl->options; }

TokenVerifier::CacheStats TokenVerifier::cache_stats() const noexcept {
    return CacheStats{m_impl->certificate_hits.load(), m_impl->certificate_misses.load(), m_impl->path_hits.load(),
                      m_impl->path_misses.load()};
}

TokenVerification verify_response(std::span<const std::uint8_t> response, const TimestampRequest& request,
                                  const VerifyOptions& options) {
    return with_one_shot(options, [&](const Impl& st) { return response_with(st, response, request); });
}

TokenVerification verify_token(std::span<const std::uint8_t> token, const TokenExpectations& expect,
                               const VerifyOptions& options) {
    return with_one_shot(options, [&](const Impl& st) { return token_with(st, token, expect); });
}

TokenVerification verify_response_or_token(std::span<const std::uint8_t> bytes, const TokenExpectations& expect,
                                           const VerifyOptions& options) {
    return with_one_shot(options, [&](const Impl& st) { return response_or_token_with(st, bytes, expect); });
}

}  // namespace istmo::tsa
