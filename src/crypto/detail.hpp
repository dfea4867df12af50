#pragma once
// Internal helpers shared by the src/crypto/*.cpp files only.
#include "crypto/native.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <utility>

namespace istmo::crypto::detail {

inline void openssl_free_chars(char* p) noexcept { OPENSSL_free(p); }
inline void close_file(std::FILE* f) noexcept { static_cast<void>(std::fclose(f)); }

using OsslCharsPtr = internal::CPtr<char, openssl_free_chars>;
using ParamBldPtr = internal::CPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using ParamPtr = internal::CPtr<OSSL_PARAM, OSSL_PARAM_free>;
using X509SigPtr = internal::CPtr<X509_SIG, X509_SIG_free>;
using Pkcs8InfoPtr = internal::CPtr<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>;
using EkuPtr = internal::CPtr<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free>;
using FilePtr = internal::CPtr<std::FILE, close_file>;

// Leaves the OpenSSL error queue of this thread empty when the scope ends, whatever path
// was taken (some OpenSSL 3.0 decoders leave errors behind even on success).
class ErrorQueueGuard {
public:
    ErrorQueueGuard() = default;
    ErrorQueueGuard(const ErrorQueueGuard&) = delete;
    ErrorQueueGuard& operator=(const ErrorQueueGuard&) = delete;
    ~ErrorQueueGuard() { ERR_clear_error(); }
};

// An Error whose cause is the drained OpenSSL error queue.
inline Error openssl_error(Errc code, std::string message) {
    return make_error(code, std::move(message), drain_openssl_errors());
}

// Runs fn() and turns any escaping exception into Errc::internal.
template <class Fn>
auto guarded(const char* what, Fn&& fn) -> decltype(fn()) {
    try {
        return std::forward<Fn>(fn)();
    } catch (const std::bad_alloc&) {
        ERR_clear_error();
        return make_error(Errc::internal, std::string(what) + ": out of memory");
    } catch (const std::exception& e) {
        ERR_clear_error();
        return make_error(Errc::internal, std::string(what) + ": unexpected failure", e.what());
    } catch (...) {
        ERR_clear_error();
        return make_error(Errc::internal, std::string(what) + ": unexpected failure");
    }
}

// Whole file into memory. not_found / permission_denied / io_error / limit_exceeded.
Result<Bytes> read_file_bytes(const std::string& path, std::size_t max_size = 64u << 20);

// True when the bytes contain a PEM armour line.
bool looks_like_pem(std::span<const std::uint8_t> data) noexcept;

// A memory BIO over the bytes (read-only, not copied).
internal::BioPtr memory_bio(std::span<const std::uint8_t> data);

// Wraps an owned X509 into a Certificate (computes the DER).
Result<Certificate> make_certificate(internal::X509Ptr cert);

// The accepted-key policy: RSA 2048..16384, EC P-256/P-384/P-521, Ed25519.
Result<void> check_key_policy(const EVP_PKEY* key);

}  // namespace istmo::crypto::detail
