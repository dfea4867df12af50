// The X.509 path check: OpenSSL builds and verifies the path, then the purpose's usage rules
// are applied to the target. One implementation for document signatures and time-stamping.
#include "crypto/path_check.hpp"

#include "crypto/detail.hpp"

#include <openssl/x509v3.h>

#include <initializer_list>
#include <optional>

namespace istmo::crypto::detail {
namespace {

std::string subject_of(X509* cert) {
    if (cert == nullptr) return {};
    X509_up_ref(cert);
    auto certificate = make_certificate(internal::X509Ptr(cert));  // keeps the name format in one place
    if (!certificate) return {};
    return certificate->subject();
}

PathStatus map_verify_error(int error) {
    switch (error) {
        case X509_V_ERR_CERT_HAS_EXPIRED: return PathStatus::expired;
        case X509_V_ERR_CERT_NOT_YET_VALID: return PathStatus::not_yet_valid;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: return PathStatus::no_chain;
        case X509_V_ERR_CERT_SIGNATURE_FAILURE: return PathStatus::bad_signature;
        case X509_V_ERR_INVALID_PURPOSE: return PathStatus::bad_key_usage;
        default: return PathStatus::invalid;
    }
}

struct UsageProblem {
    PathStatus status = PathStatus::valid;
    std::string message;
};

// Document signatures: keyUsage absent, or digitalSignature or nonRepudiation; an
// extendedKeyUsage is refused only when it names nothing but timeStamping / OCSPSigning.
UsageProblem signature_usage_problem(X509* leaf) {
    const std::uint32_t usage = X509_get_key_usage(leaf);
    if (usage != UINT32_MAX && (usage & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0)
        return {PathStatus::bad_key_usage,
                "the signer certificate's keyUsage allows neither digitalSignature nor nonRepudiation"};
    int critical = -1;
    EkuPtr eku(static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(leaf, NID_ext_key_usage, &critical, nullptr)));
    if (!eku) {
        ERR_clear_error();
        if (critical == -1) return {};  // no extendedKeyUsage
        if (critical == -2) return {PathStatus::invalid, "the signer certificate has several extendedKeyUsage extensions"};
        return {PathStatus::invalid, "the signer certificate has an unreadable extendedKeyUsage"};
    }
    const int count = sk_ASN1_OBJECT_num(eku.get());
    bool only_service_usages = count > 0;
    for (int i = 0; i < count; ++i) {
        const int nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku.get(), i));
        if (nid != NID_time_stamp && nid != NID_OCSP_sign) only_service_usages = false;
    }
    if (only_service_usages)
        return {PathStatus::bad_key_usage,
                "the signer certificate's extendedKeyUsage only allows time-stamping / OCSP signing"};
    return {};
}

UsageProblem timestamping_usage_problem(X509* leaf) {
    switch (timestamping_eku_problem(leaf)) {
        case TimestampingEkuProblem::none: return {};
        case TimestampingEkuProblem::missing:
            return {PathStatus::bad_key_usage, "the time-stamping certificate has no extendedKeyUsage"};
        case TimestampingEkuProblem::not_exactly_timestamping:
            return {PathStatus::bad_key_usage, "the time-stamping certificate's extendedKeyUsage is not exactly timeStamping"};
        case TimestampingEkuProblem::not_critical:
            return {PathStatus::bad_key_usage, "the time-stamping certificate's extendedKeyUsage is not marked critical"};
    }
    return {PathStatus::invalid, "unknown usage rule"};
}

PathCheck setup_failure(std::string message) {
    PathCheck out;
    out.validation.status = PathStatus::invalid;
    out.validation.message = std::move(message);
    out.cacheable = false;
    return out;
}

// The given Certificate whose X509 is x (OpenSSL builds the chain from the very objects it was
// given), else a new one.
std::optional<Certificate> certificate_for(X509* x, std::initializer_list<std::span<const Certificate>> known) {
    for (const auto list : known)
        for (const Certificate& c : list)
            if (c.impl().cert.get() == x) return c;
    if (X509_up_ref(x) != 1) return std::nullopt;
    auto made = make_certificate(internal::X509Ptr(x));
    if (!made) return std::nullopt;
    return std::move(*made);
}

// The path OpenSSL built, as far as it got (target first).
std::vector<ChainElement> chain_of(X509_STORE_CTX* ctx, std::initializer_list<std::span<const Certificate>> known) {
    std::vector<ChainElement> chain;
    STACK_OF(X509)* stack = X509_STORE_CTX_get0_chain(ctx);
    const int n = stack != nullptr ? sk_X509_num(stack) : 0;
    for (int i = 0; i < n; ++i) {
        X509* x = sk_X509_value(stack, i);
        if (x == nullptr) continue;
        if (auto cert = certificate_for(x, known)) chain.push_back(ChainElement{std::move(*cert), false, {}});
    }
    return chain;
}

// Fills the verdict of a failed X509_verify_cert.
void describe_failure(X509_STORE_CTX* ctx, CertificateValidation& out) {
    const int error = X509_STORE_CTX_get_error(ctx);
    out.status = map_verify_error(error);
    out.reason = X509_verify_cert_error_string(error);
    out.error_depth = X509_STORE_CTX_get_error_depth(ctx);
    out.message = out.reason;
    const std::string subject = subject_of(X509_STORE_CTX_get_current_cert(ctx));
    if (!subject.empty()) out.message += " (" + subject + ")";
}

}  // namespace

TimestampingEkuProblem timestamping_eku_problem(X509* cert) {
    int critical = -1;
    EkuPtr eku(static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert, NID_ext_key_usage, &critical, nullptr)));
    if (!eku) {
        ERR_clear_error();
        return TimestampingEkuProblem::missing;
    }
    if (sk_ASN1_OBJECT_num(eku.get()) != 1 || OBJ_obj2nid(sk_ASN1_OBJECT_value(eku.get(), 0)) != NID_time_stamp)
        return TimestampingEkuProblem::not_exactly_timestamping;
    if (critical != 1) return TimestampingEkuProblem::not_critical;
    return TimestampingEkuProblem::none;
}

Result<internal::X509StorePtr> make_anchor_store(std::span<const Certificate> anchors) {
    internal::X509StorePtr store(X509_STORE_new());
    if (!store) return openssl_error(Errc::internal, "cannot create an X509_STORE");
    for (const Certificate& anchor : anchors) {
        if (X509_STORE_add_cert(store.get(), anchor.impl().cert.get()) != 1)
            return openssl_error(Errc::internal, "cannot add a trust anchor to the X509_STORE");
    }
    return store;
}

PathCheck check_path(X509_STORE* store, std::span<const Certificate> anchors, const Certificate& target,
                     std::span<const Certificate> untrusted, CertificatePurpose purpose, TimePoint at) {
    ErrorQueueGuard queue_guard;
    internal::X509StackPtr stack(sk_X509_new_null());
    if (!stack) return setup_failure("out of memory");
    for (const Certificate& cert : untrusted) {
        X509* x = cert.impl().cert.get();
        if (X509_up_ref(x) != 1) return setup_failure("cannot reference a certificate");
        if (sk_X509_push(stack.get(), x) <= 0) {
            X509_free(x);
            return setup_failure("out of memory");
        }
    }
    internal::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!ctx || X509_STORE_CTX_init(ctx.get(), store, target.impl().cert.get(), stack.get()) != 1)
        return setup_failure("cannot set up path validation: " + drain_openssl_errors());
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    // Every certificate of the store is an anchor, self-signed or not.
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(at));
    // Signatures: no OpenSSL purpose; the document-signing rules are applied below.
    if (purpose == CertificatePurpose::time_stamping) X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_TIMESTAMP_SIGN);

    const int verified = X509_verify_cert(ctx.get());
    PathCheck out;
    CertificateValidation& result = out.validation;
    result.chain = chain_of(ctx.get(), {std::span<const Certificate>(&target, 1), untrusted, anchors});
    if (verified != 1) {
        if (X509_STORE_CTX_get_error(ctx.get()) == X509_V_OK)  // an internal failure, not a verdict
            return setup_failure("path validation failed: " + drain_openssl_errors());
        describe_failure(ctx.get(), result);
        return out;
    }
    result.path_verified = true;
    if (!result.chain.empty()) result.chain.back().anchor = true;
    X509* leaf = target.impl().cert.get();
    const UsageProblem usage = purpose == CertificatePurpose::signature ? signature_usage_problem(leaf)
                                                                        : timestamping_usage_problem(leaf);
    if (usage.status != PathStatus::valid) {
        result.status = usage.status;
        result.message = usage.message + " (" + target.subject() + ")";
        result.error_depth = 0;
        return out;
    }
    result.status = PathStatus::valid;
    result.message = X509_verify_cert_error_string(X509_V_OK);
    return out;
}

}  // namespace istmo::crypto::detail
