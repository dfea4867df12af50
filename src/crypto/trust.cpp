// Trust stores and X.509 path validation.
#include "crypto/detail.hpp"
#include "crypto/path_check.hpp"

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
        auto store = detail::make_anchor_store(impl.anchors);
        if (!store) return std::move(store).error();
        impl.store = std::move(*store);
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

PathValidationResult failed(PathStatus status, std::string message) {
    PathValidationResult result;
    result.status = status;
    result.message = std::move(message);
    return result;
}

PathValidationResult validate_path_impl(const Certificate& leaf, std::span<const Certificate> intermediates,
                                        const TrustStore& trust, TimePoint at) {
    if (trust.size() == 0) return failed(PathStatus::no_chain, "the trust store is empty");
    auto store = shared_store(trust.impl());
    if (!store) return failed(PathStatus::invalid, store.error().to_string());
    detail::PathCheck checked =
        detail::check_path(store->get(), trust.anchors(), leaf, intermediates, CertificatePurpose::signature, at);
    PathValidationResult result = failed(checked.validation.status, std::move(checked.validation.message));
    for (ChainElement& element : checked.validation.chain) result.chain.push_back(std::move(element.certificate));
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
