// PKCS#11 modules (dlopen), tokens, login and the session pool.
#include "crypto/pkcs11_module.hpp"

#include "crypto/native.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <dlfcn.h>

#include <map>

namespace istmo::crypto::pkcs11 {

std::string rv_name(ck_rv_t rv) {
    switch (rv) {
        case CKR_OK: return "CKR_OK";
        case CKR_HOST_MEMORY: return "CKR_HOST_MEMORY";
        case CKR_SLOT_ID_INVALID: return "CKR_SLOT_ID_INVALID";
        case CKR_GENERAL_ERROR: return "CKR_GENERAL_ERROR";
        case CKR_FUNCTION_FAILED: return "CKR_FUNCTION_FAILED";
        case CKR_ARGUMENTS_BAD: return "CKR_ARGUMENTS_BAD";
        case CKR_DEVICE_ERROR: return "CKR_DEVICE_ERROR";
        case CKR_DEVICE_MEMORY: return "CKR_DEVICE_MEMORY";
        case CKR_DEVICE_REMOVED: return "CKR_DEVICE_REMOVED";
        case CKR_KEY_TYPE_INCONSISTENT: return "CKR_KEY_TYPE_INCONSISTENT";
        case CKR_KEY_FUNCTION_NOT_PERMITTED: return "CKR_KEY_FUNCTION_NOT_PERMITTED";
        case CKR_MECHANISM_INVALID: return "CKR_MECHANISM_INVALID";
        case CKR_MECHANISM_PARAM_INVALID: return "CKR_MECHANISM_PARAM_INVALID";
        case CKR_OPERATION_ACTIVE: return "CKR_OPERATION_ACTIVE";
        case CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
        case CKR_PIN_INVALID: return "CKR_PIN_INVALID";
        case CKR_PIN_LEN_RANGE: return "CKR_PIN_LEN_RANGE";
        case CKR_PIN_EXPIRED: return "CKR_PIN_EXPIRED";
        case CKR_PIN_LOCKED: return "CKR_PIN_LOCKED";
        case CKR_SESSION_CLOSED: return "CKR_SESSION_CLOSED";
        case CKR_SESSION_COUNT: return "CKR_SESSION_COUNT";
        case CKR_SESSION_HANDLE_INVALID: return "CKR_SESSION_HANDLE_INVALID";
        case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
        case CKR_TOKEN_NOT_RECOGNIZED: return "CKR_TOKEN_NOT_RECOGNIZED";
        case CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
        case CKR_USER_PIN_NOT_INITIALIZED: return "CKR_USER_PIN_NOT_INITIALIZED";
        case CKR_CRYPTOKI_NOT_INITIALIZED: return "CKR_CRYPTOKI_NOT_INITIALIZED";
        case CKR_BUFFER_TOO_SMALL: return "CKR_BUFFER_TOO_SMALL";
        case CKR_DATA_LEN_RANGE: return "CKR_DATA_LEN_RANGE";
        case CKR_KEY_SIZE_RANGE: return "CKR_KEY_SIZE_RANGE";
        case CKR_OBJECT_HANDLE_INVALID: return "CKR_OBJECT_HANDLE_INVALID";
        default: break;
    }
    static const char* const digits = "0123456789abcdef";
    std::string hex;
    for (ck_rv_t v = rv; v != 0 || hex.empty(); v >>= 4) hex.insert(hex.begin(), digits[v & 0xf]);
    return "CKR 0x" + hex;
}

Error rv_error(ck_rv_t rv, const std::string& what, Errc fallback) {
    Errc code = fallback;
    std::string reason;
    switch (rv) {
        case CKR_PIN_INCORRECT: case CKR_PIN_INVALID: case CKR_PIN_LEN_RANGE: case CKR_PIN_EXPIRED:
            code = Errc::bad_password;
            reason = ": wrong PIN";
            break;
        case CKR_USER_PIN_NOT_INITIALIZED: case CKR_USER_NOT_LOGGED_IN:
            code = Errc::bad_password;
            reason = ": the token needs a login with the user PIN";
            break;
        case CKR_PIN_LOCKED:
            code = Errc::pin_locked;
            reason = ": the user PIN is locked";
            break;
        case CKR_TOKEN_NOT_PRESENT: case CKR_DEVICE_REMOVED: case CKR_TOKEN_NOT_RECOGNIZED:
        case CKR_SESSION_HANDLE_INVALID: case CKR_SESSION_CLOSED: case CKR_SLOT_ID_INVALID:
            code = Errc::token_not_present;
            reason = ": the token is not present (removed?)";
            break;
        case CKR_KEY_TYPE_INCONSISTENT: case CKR_KEY_FUNCTION_NOT_PERMITTED: case CKR_MECHANISM_INVALID:
        case CKR_MECHANISM_PARAM_INVALID: case CKR_KEY_SIZE_RANGE:
            code = Errc::key_error;
            reason = ": the key or the token does not do this signature algorithm";
            break;
        default: break;
    }
    return make_error(code, what + reason, rv_name(rv));
}

namespace {

struct Registry {
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<const Module>> modules;
};

Registry& registry() {
    static Registry instance;
    return instance;
}

Result<std::shared_ptr<const Module>> load_new(const std::string& path) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* reason = dlerror();
        return make_error(Errc::module_error, "cannot load the PKCS#11 module '" + path + "'",
                          reason != nullptr ? reason : "");
    }
    using GetFunctionList = ck_rv_t (*)(ck_function_list**);
    void* symbol = dlsym(handle, "C_GetFunctionList");
    ck_function_list* functions = nullptr;
    if (symbol == nullptr || reinterpret_cast<GetFunctionList>(symbol)(&functions) != CKR_OK || functions == nullptr) {
        dlclose(handle);
        return make_error(Errc::module_error, "'" + path + "' is not a PKCS#11 module (no C_GetFunctionList)");
    }
    // The module's own OS locking: sessions are then used from several threads.
    ck_c_initialize_args args{};
    args.flags = CKF_OS_LOCKING_OK;
    const ck_rv_t rv = functions->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        dlclose(handle);
        return make_error(Errc::module_error, "the PKCS#11 module '" + path + "' does not initialise",
                          rv_name(rv));
    }
    return std::shared_ptr<const Module>(std::make_shared<Module>(path, handle, functions));
}

}  // namespace

Result<std::shared_ptr<const Module>> Module::load(const std::string& path) {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (auto it = r.modules.find(path); it != r.modules.end()) return it->second;
    auto loaded = load_new(path);
    if (loaded) r.modules.emplace(path, *loaded);
    return loaded;
}

namespace {

struct TokenRegistry {
    std::mutex mutex;
    std::map<std::pair<const Module*, ck_slot_id_t>, std::weak_ptr<Token>> tokens;
};

TokenRegistry& token_registry() {
    static TokenRegistry instance;
    return instance;
}

}  // namespace

void Token::remember_pin(const std::optional<Secret>& pin) {
    if (!pin) return;
    m_pin_salt.assign(16, 0);
    if (RAND_bytes(m_pin_salt.data(), static_cast<int>(m_pin_salt.size())) != 1) m_pin_salt.clear();
    Bytes salted = m_pin_salt;
    salted.insert(salted.end(), pin->view().begin(), pin->view().end());
    m_pin_digest = digest(DigestAlg::sha256, salted);
    OPENSSL_cleanse(salted.data(), salted.size());
}

bool Token::same_pin(const std::optional<Secret>& pin) const {
    if (!pin) return m_pin_digest.empty();
    if (m_pin_digest.empty()) return false;
    Bytes salted = m_pin_salt;
    salted.insert(salted.end(), pin->view().begin(), pin->view().end());
    const Bytes candidate = digest(DigestAlg::sha256, salted);
    OPENSSL_cleanse(salted.data(), salted.size());
    return candidate.size() == m_pin_digest.size() &&
           CRYPTO_memcmp(candidate.data(), m_pin_digest.data(), candidate.size()) == 0;
}

Result<std::shared_ptr<Token>> Token::open(std::shared_ptr<const Module> module, ck_slot_id_t slot,
                                           ck_flags_t token_flags, const std::optional<Secret>& pin) {
    TokenRegistry& registry = token_registry();
    std::lock_guard lock(registry.mutex);
    std::weak_ptr<Token>& known = registry.tokens[{module.get(), slot}];
    if (auto existing = known.lock()) {
        if (existing->same_pin(pin)) return existing;  // one login per token and process
        return make_error(Errc::bad_password, "cannot log in to the token: wrong PIN (the token is in use in this "
                                              "process with another PIN)");
    }
    auto token = log_in(std::move(module), slot, token_flags, pin);
    if (token) known = *token;
    return token;
}

Result<std::shared_ptr<Token>> Token::log_in(std::shared_ptr<const Module> module, ck_slot_id_t slot,
                                             ck_flags_t token_flags, const std::optional<Secret>& pin) {
    auto token = std::make_shared<Token>(std::move(module), slot);
    if (token_flags & CKF_USER_PIN_LOCKED)
        return make_error(Errc::pin_locked, "cannot log in to the token: the user PIN is locked");
    auto lease = token->acquire();
    if (!lease) return std::move(lease).error();
    const bool needs_login = (token_flags & CKF_LOGIN_REQUIRED) != 0;
    ck_rv_t rv = CKR_OK;
    if (pin) {
        std::string_view text = pin->view();
        rv = token->fn().C_Login(lease->session(), CKU_USER,
                                 reinterpret_cast<unsigned char*>(const_cast<char*>(text.data())), text.size());
    } else if (needs_login && (token_flags & CKF_PROTECTED_AUTHENTICATION_PATH)) {
        rv = token->fn().C_Login(lease->session(), CKU_USER, nullptr, 0);  // the reader's PIN pad
    } else if (needs_login) {
        return make_error(Errc::bad_password, "the token needs a PIN (give it with --pin-env or --pin-file)");
    }
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) return rv_error(rv, "cannot log in to the token");
    token->remember_pin(pin);
    return token;
}

Token::~Token() {
    // The login ends with the last session of the application on this token.
    for (ck_session_handle_t session : m_idle) static_cast<void>(fn().C_CloseSession(session));
}

Result<Token::Lease> Token::acquire() {
    {
        std::lock_guard lock(m_mutex);
        if (!m_idle.empty()) {
            const ck_session_handle_t session = m_idle.back();
            m_idle.pop_back();
            return Lease(*this, session);
        }
    }
    ck_session_handle_t session = CK_INVALID_HANDLE;
    const ck_rv_t rv = fn().C_OpenSession(m_slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session);
    if (rv != CKR_OK) return rv_error(rv, "cannot open a session with the token", Errc::unavailable);
    return Lease(*this, session);
}

void Token::give_back(ck_session_handle_t session, bool discard) noexcept {
    constexpr std::size_t max_idle = 32;
    {
        std::lock_guard lock(m_mutex);
        // Keep at least one session open: closing the last one would end the login.
        if (!discard && (m_idle.size() < max_idle)) {
            try {
                m_idle.push_back(session);
                return;
            } catch (...) {
            }
        }
        if (m_idle.empty() && !discard) return;  // out of memory: keep it open, leaked to the module
    }
    static_cast<void>(fn().C_CloseSession(session));
}

Token::Lease::~Lease() {
    if (m_token != nullptr) m_token->give_back(m_session, m_discard);
}

}  // namespace istmo::crypto::pkcs11
