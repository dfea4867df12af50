// Trust stores and X.509 path validation.
#include "crypto/detail.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <mutex>

namespace istmo::crypto {

struct TrustStore::Impl {
    std::vector<Certificate> anchors;

    // An X509_STORE over the anchors, built on first use and rebuilt after an add.
    mutable std::mutex mutex;
    mutable internal::X509StorePtr store;
};

namespace {

using detail::openssl_error;

// A new reference to the cached X509_STORE (built when needed).
Result<internal::X509StorePtr> shared_store(const TrustStore::Impl& impl) {
    std::lock_guard<std::mutex> lock(impl.mutex);
    if (!impl.store) {
        internal::X509StorePtr store(X509_STORE_new());
        if (!store) return openssl_error(Errc::internal, "cannot create an X509_STORE");
        for (const Certificate& anchor : impl.anchors) {
            if (X509_STORE_add_cert(store.get(), anchor.impl().cert.get()) != 1)
                return openssl_error(Errc::internal, "cannot add a trust anchor to the X509_STORE");
        }
        impl.store = std::move(store);
    }
    if (X509_STORE_up_ref(impl.store.get()) != 1)
        return openssl_error(Errc::internal, "cannot reference the X509_STORE");
    return internal::X509StorePtr(impl.store.get());
}

bool has_certificate_extension(const std::filesystem::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".pem" || ext == ".crt" || ext == ".cer" || ext == ".der";
}

std::string subject_of(X509* cert) {
    if (cert == nullptr) return {};
    internal::X509Ptr copy(X509_dup(cert));  // keeps the Certificate helpers in one place
    if (!copy) return {};
    auto certificate = detail::make_certificate(std::move(copy));
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
        default: return PathStatus::invalid;
    }
}

// Signature-use checks on the leaf. Returns an empty string when acceptable.
std::pair<PathStatus, std::string> check_signer_usage(X509* leaf) {
    // keyUsage: absent is fine; when present, digitalSignature or nonRepudiation is needed.
    const std::uint32_t usage = X509_get_key_usage(leaf);
    if (usage != UINT32_MAX && (usage & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0)
        return {PathStatus::bad_key_usage,
                "the signer certificate's keyUsage allows neither digitalSignature nor nonRepudiation"};

    // extendedKeyUsage: refused only when it names nothing but timeStamping / OCSPSigning.
    int critical = -1;
    detail::EkuPtr eku(static_cast<EXTENDED_KEY_USAGE*>(
        X509_get_ext_d2i(leaf, NID_ext_key_usage, &critical, nullptr)));
    if (!eku) {
        ERR_clear_error();
        if (critical == -1) return {PathStatus::valid, {}};  // no extendedKeyUsage
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
    return {PathStatus::valid, {}};
}

PathValidationResult failed(PathStatus status, std::string message) {
    PathValidationResult result;
    result.status = status;
    result.message = std::move(message);
    return result;
}

PathValidationResult validate_path_impl(const Certificate& leaf, std::span<const Certificate> intermediates,
                                        const TrustStore& trust, TimePoint at) {
    detail::ErrorQueueGuard queue_guard;
    if (trust.size() == 0) return failed(PathStatus::no_chain, "the trust store is empty");

    auto store = shared_store(trust.impl());
    if (!store) return failed(PathStatus::invalid, store.error().to_string());

    internal::X509StackPtr untrusted(sk_X509_new_null());
    if (!untrusted) return failed(PathStatus::invalid, "out of memory");
    for (const Certificate& cert : intermediates) {
        X509* x = cert.impl().cert.get();
        if (X509_up_ref(x) != 1) return failed(PathStatus::invalid, "cannot reference a certificate");
        if (sk_X509_push(untrusted.get(), x) <= 0) {
            X509_free(x);
            return failed(PathStatus::invalid, "out of memory");
        }
    }

    internal::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!ctx || X509_STORE_CTX_init(ctx.get(), store->get(), leaf.impl().cert.get(), untrusted.get()) != 1)
        return failed(PathStatus::invalid, "cannot set up path validation: " + drain_openssl_errors());
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    // Every certificate of the store is an anchor, self-signed or not. No purpose check:
    // the signer usage is checked below with the rules for document signatures.
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(at));

    const int verified = X509_verify_cert(ctx.get());

    PathValidationResult result;
    if (STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get())) {
        const int n = sk_X509_num(chain);
        for (int i = 0; i < n; ++i) {
            X509* x = sk_X509_value(chain, i);
            if (x == nullptr || X509_up_ref(x) != 1) continue;
            auto cert = detail::make_certificate(internal::X509Ptr(x));
            if (cert) result.chain.push_back(std::move(*cert));
        }
    }

    if (verified != 1) {
        const int error = X509_STORE_CTX_get_error(ctx.get());
        if (error == X509_V_OK) {  // an internal failure, not a verdict on the path
            result.status = PathStatus::invalid;
            result.message = "path validation failed: " + drain_openssl_errors();
            return result;
        }
        result.status = map_verify_error(error);
        result.message = X509_verify_cert_error_string(error);
        const std::string subject = subject_of(X509_STORE_CTX_get_current_cert(ctx.get()));
        if (!subject.empty()) result.message += " (" + subject + ")";
        return result;
    }

    auto [usage_status, usage_message] = check_signer_usage(leaf.impl().cert.get());
    if (usage_status != PathStatus::valid) {
        result.status = usage_status;
        result.message = usage_message + " (" + leaf.subject() + ")";
        return result;
    }
    result.status = PathStatus::valid;
    result.message = X509_verify_cert_error_string(X509_V_OK);
    return result;
}

}  // namespace

std::string_view path_status_name(PathStatus status) noexcept {
    switch (status) {
        case PathStatus::valid: return "valid";
        case PathStatus::no_chain: return "no_chain";
        case PathStatus::expired: return "expired";
        case PathStatus::not_yet_valid: return "not_yet_valid";
        case PathStatus::bad_key_usage: return "bad_key_usage";
        case PathStatus::bad_signature: return "bad_signature";
        case PathStatus::invalid: return "invalid";
    }
    return "invalid";
}

TrustStore::TrustStore() : m_impl(std::make_shared<Impl>()) {}

void TrustStore::add(const Certificate& anchor) {
    const bool known = std::any_of(m_impl->anchors.begin(), m_impl->anchors.end(),
                                   [&](const Certificate& c) { return c.der() == anchor.der(); });
    if (known) return;
    std::lock_guard<std::mutex> lock(m_impl->mutex);
    m_impl->anchors.push_back(anchor);
    m_impl->store.reset();
}

Result<void> TrustStore::add_file(const std::string& path) {
    return detail::guarded("adding trust anchors", [&]() -> Result<void> {
        auto certs = Certificate::all_from_file(path);
        if (!certs) return std::move(certs).error();
        for (const Certificate& cert : *certs) add(cert);
        return {};
    });
}

Result<void> TrustStore::add_directory(const std::string& path) {
    return detail::guarded("adding trust anchors", [&]() -> Result<void> {
        std::error_code ec;
        const std::filesystem::path dir(path);
        if (!std::filesystem::is_directory(dir, ec)) {
            if (!std::filesystem::exists(dir, ec))
                return make_error(Errc::not_found, "directory not found: " + path);
            return make_error(Errc::invalid_argument, "not a directory: " + path);
        }
        std::vector<std::filesystem::path> files;
        std::filesystem::directory_iterator it(dir, ec);
        if (ec) return make_error(Errc::io_error, "cannot list " + path, ec.message());
        for (const auto& entry : it) {
            std::error_code entry_ec;
            if (entry.is_regular_file(entry_ec) && has_certificate_extension(entry.path()))
                files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());  // deterministic order
        std::vector<Certificate> found;
        for (const auto& file : files) {
            auto certs = Certificate::all_from_file(file.string());
            if (!certs) return std::move(certs).error();
            found.insert(found.end(), certs->begin(), certs->end());
        }
        for (const Certificate& cert : found) add(cert);
        return {};
    });
}

std::size_t TrustStore::size() const noexcept { return m_impl->anchors.size(); }

const std::vector<Certificate>& TrustStore::anchors() const noexcept { return m_impl->anchors; }

std::string TrustStore::fingerprint() const {
    std::vector<std::string> prints;
    prints.reserve(m_impl->anchors.size());
    for (const Certificate& anchor : m_impl->anchors) prints.push_back(anchor.sha256_hex());
    std::sort(prints.begin(), prints.end());
    DigestContext ctx(DigestAlg::sha256);
    for (const std::string& print : prints) ctx.update(print.data(), print.size());
    return hex_lower(ctx.finish());
}

PathValidationResult validate_path(const Certificate& leaf, std::span<const Certificate> intermediates,
                                   const TrustStore& trust, TimePoint at) {
    try {
        return validate_path_impl(leaf, intermediates, trust, at);
    } catch (const std::exception& e) {
        ERR_clear_error();
        return failed(PathStatus::invalid, std::string("path validation failed: ") + e.what());
    } catch (...) {
        ERR_clear_error();
        return failed(PathStatus::invalid, "path validation failed");
    }
}

}  // namespace istmo::crypto
