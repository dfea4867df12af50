// Secret: a string that is wiped with OPENSSL_cleanse whenever its value goes away.
#include "crypto/detail.hpp"

#include <openssl/crypto.h>

#include <cstdlib>

namespace istmo::crypto {
namespace {

void cleanse(std::string& text) noexcept {
    if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
    text.clear();
}

// After `text` was moved from: a short (in-object) string may still hold the old characters
// beyond its new, zero length. Overwrite them without allocating.
void scrub_moved_from(std::string& text, std::size_t old_size) noexcept {
    if (old_size != 0 && old_size <= text.capacity()) {
        text.resize(old_size, '\0');  // within capacity: no allocation
        OPENSSL_cleanse(text.data(), text.size());
    }
    text.clear();
}

}  // namespace

Secret::Secret(std::string_view text) : m_text(text) {}

Secret::Secret(const Secret& other) : m_text(other.m_text) {}

Secret& Secret::operator=(const Secret& other) {
    if (this != &other) {
        wipe();
        m_text = other.m_text;
    }
    return *this;
}

Secret::Secret(Secret&& other) noexcept : m_text(std::move(other.m_text)) {
    scrub_moved_from(other.m_text, m_text.size());
}

Secret& Secret::operator=(Secret&& other) noexcept {
    if (this != &other) {
        wipe();
        m_text = std::move(other.m_text);
        scrub_moved_from(other.m_text, m_text.size());
    }
    return *this;
}

Secret::~Secret() { wipe(); }

void Secret::wipe() noexcept { cleanse(m_text); }

Result<Secret> Secret::from_env(const std::string& variable) {
    return detail::guarded("reading a secret from the environment", [&]() -> Result<Secret> {
        const char* value = std::getenv(variable.c_str());
        if (value == nullptr)
            return make_error(Errc::not_found, "environment variable " + variable + " is not set");
        return Secret(std::string_view(value));
    });
}

Result<Secret> Secret::from_file(const std::string& path) {
    return detail::guarded("reading a secret from a file", [&]() -> Result<Secret> {
        auto bytes = detail::read_file_bytes(path, 1u << 20);
        if (!bytes) return std::move(bytes).error();
        Bytes& data = *bytes;
        std::size_t end = 0;
        while (end < data.size() && data[end] != '\n') ++end;
        if (end > 0 && data[end - 1] == '\r') --end;
        Secret secret(std::string_view(reinterpret_cast<const char*>(data.data()), end));
        if (!data.empty()) OPENSSL_cleanse(data.data(), data.size());
        return secret;
    });
}

}  // namespace istmo::crypto
