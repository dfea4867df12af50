#pragma once
// Internal: the PKCS#11 C API reached through a module loaded at run time (dlopen), with
// p11-kit's pkcs11.h in its GNU form (no compatibility macros that would rename C++ members).
#include <istmo/core/result.hpp>
#include <istmo/crypto/keys.hpp>

#define CRYPTOKI_GNU 1
#include <p11-kit/pkcs11.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace istmo::crypto::pkcs11 {

// "CKR_PIN_INCORRECT" for the well-known values, "CKR 0x..." otherwise.
std::string rv_name(ck_rv_t rv);

// An Error for a failed call: wrong/locked PIN, token gone, key unfit get their own codes,
// anything else `fallback`. The message never holds a PIN.
Error rv_error(ck_rv_t rv, const std::string& what, Errc fallback = Errc::crypto_error);

// A loaded and initialised module. Modules stay loaded for the life of the process (one per
// path): finalising one while another key of the same module may still sign would break it.
class Module {
public:
    static Result<std::shared_ptr<const Module>> load(const std::string& path);
    [[nodiscard]] const ck_function_list& fn() const noexcept { return *m_functions; }
    [[nodiscard]] const std::string& path() const noexcept { return m_path; }

    Module(std::string path, void* handle, ck_function_list* functions)
        : m_path(std::move(path)), m_handle(handle), m_functions(functions) {}

private:
    std::string m_path;
    void* m_handle = nullptr;  // dlopen handle, kept open
    ck_function_list* m_functions = nullptr;
};

// One token of a module: one login, and a pool of sessions so that several threads sign at
// once (a PKCS#11 session runs one operation at a time; the login is shared by all sessions
// of the application).
class Token : public std::enable_shared_from_this<Token> {
public:
    // Opens a session and logs in with the PIN (none: no login, or the protected path).
    static Result<std::shared_ptr<Token>> open(std::shared_ptr<const Module> module, ck_slot_id_t slot,
                                               ck_flags_t token_flags, const std::optional<Secret>& pin);
    ~Token();
    Token(const Token&) = delete;
    Token& operator=(const Token&) = delete;

    // A session borrowed from the pool, given back when the lease ends (or closed when
    // discarded after a failure left it in an unknown state).
    class Lease {
    public:
        Lease(Token& token, ck_session_handle_t session) : m_token(&token), m_session(session) {}
        Lease(Lease&& other) noexcept : m_token(other.m_token), m_session(other.m_session) { other.m_token = nullptr; }
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease();
        [[nodiscard]] ck_session_handle_t session() const noexcept { return m_session; }
        void discard() noexcept { m_discard = true; }
    private:
        Token* m_token;
        ck_session_handle_t m_session;
        bool m_discard = false;
    };
    Result<Lease> acquire();

    [[nodiscard]] const ck_function_list& fn() const noexcept { return m_module->fn(); }

    Token(std::shared_ptr<const Module> module, ck_slot_id_t slot) : m_module(std::move(module)), m_slot(slot) {}

private:
    // A salted SHA-256 of the PIN the token was logged in with: a second key of the same token
    // in this process shares the login only when its PIN is the same (the module itself would
    // answer CKR_USER_ALREADY_LOGGED_IN to any PIN).
    void remember_pin(const std::optional<Secret>& pin);
    [[nodiscard]] bool same_pin(const std::optional<Secret>& pin) const;
    static Result<std::shared_ptr<Token>> log_in(std::shared_ptr<const Module> module, ck_slot_id_t slot,
                                                 ck_flags_t token_flags, const std::optional<Secret>& pin);
    void give_back(ck_session_handle_t session, bool discard) noexcept;
    Bytes m_pin_salt;
    Bytes m_pin_digest;  // empty: logged in without a PIN
    std::shared_ptr<const Module> m_module;
    ck_slot_id_t m_slot;
    std::mutex m_mutex;
    std::vector<ck_session_handle_t> m_idle;
};

}  // namespace istmo::crypto::pkcs11
