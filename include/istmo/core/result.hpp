#pragma once
// Operation results: Result<T> holds either a value or an Error. The interface follows
// std::expected (has_value, value, error, operator*, operator->) so that switching to
// std::expected later is an alias change. Operation errors ("could not do the job") are
// Errors; findings about a document ("the signature is invalid") are report data.
#include <istmo/export.hpp>

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace istmo {

// Stable operation error codes (abseil-style canonical codes, renamed for us).
enum class Errc {
    invalid_argument = 1,  // caller passed something unusable (bad option, malformed input)
    not_found,             // a file or item does not exist
    permission_denied,     // could not read or write because of permissions
    io_error,              // read/write failed
    parse_error,           // input is not well-formed XML / PEM / DER / base64
    limit_exceeded,        // a configured safety limit was hit (size, depth, nodes, ...)
    unsupported,           // algorithm or feature not supported (or refused by policy)
    bad_password,          // key could not be decrypted with the given password
    key_error,             // key unusable (wrong type, too small, does not match)
    certificate_error,     // certificate unreadable or unusable
    crypto_error,          // an OpenSSL operation failed
    unavailable,           // a remote service could not be reached
    deadline_exceeded,     // a time budget ran out
    failed_precondition,   // object in the wrong state for the call
    internal,              // a bug or an unexpected library failure
    // PKCS#11 (keys on tokens and HSMs). A wrong PIN is bad_password, a URI naming no object
    // is not_found, a key the algorithm does not fit is key_error.
    module_error,          // the PKCS#11 module does not load or does not initialise
    token_not_present,     // no token matches the URI, or the token was removed
    pin_locked,            // the token's user PIN is locked (too many wrong PINs)
};

// Stable lower-case name of an error code, e.g. "parse_error".
ISTMO_API std::string_view errc_name(Errc code) noexcept;

struct [[nodiscard]] Error {
    Errc code = Errc::internal;
    std::string message;  // English, for humans
    std::string cause;    // lower-level detail (OpenSSL/libxml2 messages), may be empty
    int line = 0;         // 1-based position in the input when known, else 0
    int column = 0;

    // "parse_error: message (line 3, column 7): cause"
    [[nodiscard]] ISTMO_API std::string to_string() const;
};

[[nodiscard]] inline Error make_error(Errc code, std::string message, std::string cause = {}) {
    return Error{code, std::move(message), std::move(cause), 0, 0};
}

template <class T>
class [[nodiscard]] Result {
public:
    Result(const T& value) : m_state(std::in_place_index<0>, value) {}
    Result(T&& value) : m_state(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_state(std::in_place_index<1>, std::move(error)) {}

    [[nodiscard]] bool has_value() const noexcept { return m_state.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { assert(has_value()); return std::get<0>(m_state); }
    const T& value() const& { assert(has_value()); return std::get<0>(m_state); }
    T&& value() && { assert(has_value()); return std::get<0>(std::move(m_state)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const& { assert(!has_value()); return std::get<1>(m_state); }
    Error&& error() && { assert(!has_value()); return std::get<1>(std::move(m_state)); }

private:
    std::variant<T, Error> m_state;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_failed(true) {}
    [[nodiscard]] bool has_value() const noexcept { return !m_failed; }
    explicit operator bool() const noexcept { return has_value(); }
    void value() const { assert(has_value()); }
    const Error& error() const& { assert(m_failed); return m_error; }
    Error&& error() && { assert(m_failed); return std::move(m_error); }

private:
    Error m_error{};
    bool m_failed = false;
};

}  // namespace istmo
