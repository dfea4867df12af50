// Shared plumbing of the crypto module: OpenSSL error text, file reading, small helpers.
#include "crypto/detail.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <string_view>

namespace istmo::crypto {

std::string drain_openssl_errors() {
    std::string out;
    const char* data = nullptr;
    int flags = 0;
    for (;;) {
        const unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags);
        if (code == 0) break;
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        if (!out.empty()) out += "; ";
        out += buffer;
        if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
            out += " (";
            out += data;
            out += ")";
        }
    }
    return out;
}

std::string_view key_type_name(KeyType type) noexcept {
    switch (type) {
        case KeyType::rsa: return "rsa";
        case KeyType::rsa_pss: return "rsa-pss";
        case KeyType::ec: return "ec";
        case KeyType::ed25519: return "ed25519";
        case KeyType::other: return "other";
    }
    return "other";
}

namespace detail {

Result<Bytes> read_file_bytes(const std::string& path, std::size_t max_size) {
    errno = 0;
    FilePtr file(std::fopen(path.c_str(), "rb"));
    if (!file) {
        const int err = errno;
        const std::string reason = std::strerror(err);
        if (err == ENOENT || err == ENOTDIR)
            return make_error(Errc::not_found, "file not found: " + path, reason);
        if (err == EACCES || err == EPERM)
            return make_error(Errc::permission_denied, "cannot open " + path, reason);
        return make_error(Errc::io_error, "cannot open " + path, reason);
    }
    Bytes out;
    std::uint8_t buffer[16384];
    for (;;) {
        const std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get());
        if (n > 0) {
            if (out.size() + n > max_size)
                return make_error(Errc::limit_exceeded,
                                  "file larger than " + std::to_string(max_size) + " bytes: " + path);
            out.insert(out.end(), buffer, buffer + n);
        }
        if (n < sizeof buffer) {
            if (std::ferror(file.get()) != 0) {
                const int err = errno;
                return make_error(Errc::io_error, "cannot read " + path, std::strerror(err));
            }
            break;
        }
    }
    return out;
}

bool looks_like_pem(std::span<const std::uint8_t> data) noexcept {
    const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    return text.find("-----BEGIN ") != std::string_view::npos;
}

internal::BioPtr memory_bio(std::span<const std::uint8_t> data) {
    static const std::uint8_t empty = 0;
    const void* p = data.empty() ? static_cast<const void*>(&empty) : static_cast<const void*>(data.data());
    if (data.size() > static_cast<std::size_t>(INT_MAX)) return internal::BioPtr{};
    return internal::BioPtr(BIO_new_mem_buf(p, static_cast<int>(data.size())));
}

}  // namespace detail
}  // namespace istmo::crypto
