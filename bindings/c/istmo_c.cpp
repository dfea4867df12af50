// The istmo C API (bindings/c/istmo.h) over the public C++ API (include/istmo/).
//
// Rules kept here (docs/c-api.md):
//  - no exception crosses extern "C": every entry point runs inside guard(), which turns
//    std::bad_alloc into ISTMO_E_OUT_OF_MEMORY and anything else into ISTMO_E_INTERNAL;
//  - handles start with a 32-bit tag, checked on entry (wrong kind -> ISTMO_E_INVALID_OBJECT)
//    and wiped on free;
//  - the last error message is per thread, set on failure and cleared on success;
//  - on failure every out-parameter is NULL / 0.
#include <istmo/crypto/revocation.hpp>
#include <istmo/invoice/cafe.hpp>
#include <istmo/invoice/dgi.hpp>
#include <istmo/invoice/panama.hpp>
#include <istmo/istmo.hpp>
#include <istmo/report/messages.hpp>
#include <istmo/tsa/client.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The C entry points are the only symbols of this library with default visibility; the
// linker version script (istmo_c.map) additionally keeps everything but istmo_* local.
#pragma GCC visibility push(default)
#include "istmo.h"
#pragma GCC visibility pop

namespace {

// Tags: "IKEY", "ICRT", "ITRS", "IREP" (as little-endian text), and one value for freed handles.
constexpr std::uint32_t k_key_magic = 0x59454B49u;
constexpr std::uint32_t k_cert_magic = 0x54524349u;
constexpr std::uint32_t k_trust_magic = 0x53525449u;
constexpr std::uint32_t k_report_magic = 0x50455249u;
constexpr std::uint32_t k_options_magic = 0x504F5649u;  // "IVOP"
constexpr std::uint32_t k_dgi_options_magic = 0x4F474449u;  // "IDGO"
constexpr std::uint32_t k_dgi_answer_magic = 0x41474449u;   // "IDGA"
constexpr std::uint32_t k_dgi_client_magic = 0x43474449u;   // "IDGC"
constexpr std::uint32_t k_dead_magic = 0xDEADF4EEu;

}  // namespace

// The handle types. The tag is the first member (offset 0), read with memcpy so that a
// pointer of the wrong kind is inspected only as bytes.
struct istmo_key {
    std::uint32_t magic = k_key_magic;
    istmo::crypto::PrivateKey key;
};

struct istmo_cert {
    std::uint32_t magic = k_cert_magic;
    istmo::crypto::Certificate cert;
    std::vector<istmo::crypto::Certificate> chain;  // further certificates of the same file
};

struct istmo_trust {
    std::uint32_t magic = k_trust_magic;
    istmo::crypto::TrustStore store;
};

// Verification options (istmo_verify_options_*): the dsig options the setters fill, and the
// certificate status checker made from them, so that fetched CRLs / OCSP responses are cached
// across every call that uses the object. Setters rebuild the checker; verifications only read.
struct istmo_verify_options {
    std::uint32_t magic = k_options_magic;
    istmo::dsig::VerifyOptions verify;
};

// DGI connection options (istmo_dgi_options_*): the client options the setter fills; a client
// is made from them for each istmo_dgi_send / istmo_dgi_query, or once by istmo_dgi_client_new.
struct istmo_dgi_options {
    std::uint32_t magic = k_dgi_options_magic;
    istmo::invoice::panama::dgi::ClientOptions client;
    ~istmo_dgi_options() {  // the password does not outlive the handle in freed memory
        volatile char* p = client.http.client_key_password.data();
        for (std::size_t i = 0; i < client.http.client_key_password.size(); ++i) p[i] = 0;
    }
};

// A DGI client made once (istmo_dgi_client_new): its HTTP clients, TLS contexts and I/O thread
// serve every call on the handle. dgi::Client is safe to use from many threads at once.
struct istmo_dgi_client {
    std::uint32_t magic = k_dgi_client_magic;
    istmo::invoice::panama::dgi::Client client;
};

// One DGI answer: what the C API exposes of it, computed once.
struct istmo_dgi_answer {
    std::uint32_t magic = k_dgi_answer_magic;
    int outcome = 0;
    std::string protocol;
    std::vector<std::pair<std::string, std::string>> codes;  // (code, message)
    std::string container;
    std::string json;
};

// A report of any kind (signature verification or e-invoice validation): what the C API
// exposes of it, computed once when the report is made.
struct istmo_report {
    std::uint32_t magic = k_report_magic;
    istmo::report::Indication indication = istmo::report::Indication::total_failed;
    std::string sub_indication;
    std::string json;
};

namespace {

// ---- per-thread last error ---------------------------------------------------------------

thread_local std::string t_message;
thread_local std::string t_message_es;  // the same in Spanish (istmo_last_error_message_es)
// Used instead of t_message when even recording the message ran out of memory.
thread_local const char* t_static_message = nullptr;
thread_local const char* t_static_message_es = nullptr;

void clear_error() noexcept {
    t_message.clear();
    t_message_es.clear();
    t_static_message = nullptr;
    t_static_message_es = nullptr;
}

// Records "function: message" and its Spanish: `message_es` when given, else the message
// catalogue's phrase for `message` (src/report/catalog_errors.cpp), else the English text.
int set_error(int code, std::string_view function, std::string_view message, std::string_view message_es = {}) noexcept {
    try {
        t_static_message = nullptr;
        t_static_message_es = nullptr;
        t_message.assign(function);
        t_message += ": ";
        t_message += message;
        t_message_es.assign(function);
        t_message_es += ": ";
        if (!message_es.empty()) {
            t_message_es += message_es;
        } else {
            const auto spanish = istmo::report::translate_text(message);
            t_message_es += spanish ? std::string_view(*spanish) : message;
        }
    } catch (...) {
        t_static_message = "out of memory while recording an error message";
        t_static_message_es = "memoria agotada al registrar un mensaje de error";
    }
    return code;
}

int to_code(istmo::Errc errc) noexcept {
    switch (errc) {
        case istmo::Errc::invalid_argument: return ISTMO_E_INVALID_ARGUMENT;
        case istmo::Errc::not_found: return ISTMO_E_NOT_FOUND;
        case istmo::Errc::permission_denied: return ISTMO_E_PERMISSION_DENIED;
        case istmo::Errc::io_error: return ISTMO_E_IO;
        case istmo::Errc::parse_error: return ISTMO_E_PARSE;
        case istmo::Errc::limit_exceeded: return ISTMO_E_LIMIT_EXCEEDED;
        case istmo::Errc::unsupported: return ISTMO_E_UNSUPPORTED;
        case istmo::Errc::bad_password: return ISTMO_E_BAD_PASSWORD;
        case istmo::Errc::key_error: return ISTMO_E_KEY;
        case istmo::Errc::certificate_error: return ISTMO_E_CERTIFICATE;
        case istmo::Errc::crypto_error: return ISTMO_E_CRYPTO;
        case istmo::Errc::unavailable: return ISTMO_E_UNAVAILABLE;
        case istmo::Errc::deadline_exceeded: return ISTMO_E_DEADLINE_EXCEEDED;
        case istmo::Errc::failed_precondition: return ISTMO_E_FAILED_PRECONDITION;
        case istmo::Errc::internal: return ISTMO_E_INTERNAL;
        case istmo::Errc::module_error: return ISTMO_E_MODULE;
        case istmo::Errc::token_not_present: return ISTMO_E_TOKEN_NOT_PRESENT;
        case istmo::Errc::pin_locked: return ISTMO_E_PIN_LOCKED;
    }
    return ISTMO_E_INTERNAL;
}

// Error::to_string() in Spanish: "errc: mensaje (línea L, columna C): causa".
std::string spanish_error_text(const istmo::Error& error) {
    std::string out{istmo::errc_name(error.code)};
    out += ": ";
    out += istmo::report::translate_text(error.message).value_or(error.message);
    if (error.line > 0) {
        out += " (línea " + std::to_string(error.line);
        if (error.column > 0) out += ", columna " + std::to_string(error.column);
        out += ")";
    }
    if (!error.cause.empty()) out += ": " + error.cause;
    return out;
}

int set_error(std::string_view function, const istmo::Error& error) noexcept {
    try {
        return set_error(to_code(error.code), function, error.to_string(), spanish_error_text(error));
    } catch (...) {
        return set_error(to_code(error.code), function, "(message unavailable: out of memory)");
    }
}

// Runs body (which returns an istmo_error) so that no exception leaves the C API.
template <class Body>
int guard(std::string_view function, Body&& body) noexcept {
    clear_error();
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return set_error(ISTMO_E_OUT_OF_MEMORY, function, "out of memory");
    } catch (const std::exception& e) {
        return set_error(ISTMO_E_INTERNAL, function, std::string("unexpected exception: ") + e.what());
    } catch (...) {
        return set_error(ISTMO_E_INTERNAL, function, "unexpected exception");
    }
}

// ---- handle checks ------------------------------------------------------------------------

std::uint32_t tag_of(const void* handle) noexcept {
    std::uint32_t tag = 0;
    std::memcpy(&tag, handle, sizeof tag);
    return tag;
}

// ISTMO_OK when handle is a live handle of the expected kind, else an error (message set).
int check_handle(const void* handle, std::uint32_t expected, std::string_view function,
                 std::string_view argument, std::string_view kind) noexcept {
    if (handle == nullptr)
        return set_error(ISTMO_E_INVALID_ARGUMENT, function,
                         std::string(argument) + " is NULL");
    const std::uint32_t tag = tag_of(handle);
    if (tag == expected) return ISTMO_OK;
    if (tag == k_dead_magic)
        return set_error(ISTMO_E_INVALID_OBJECT, function,
                         std::string(argument) + " was already freed");
    return set_error(ISTMO_E_INVALID_OBJECT, function,
                     std::string(argument) + " is not an " + std::string(kind) + " handle");
}

// Length checks for (pointer, length) inputs.
int check_buffer(const void* data, std::size_t len, std::string_view function,
                 std::string_view argument) noexcept {
    if (data == nullptr)
        return set_error(ISTMO_E_INVALID_ARGUMENT, function, std::string(argument) + " is NULL");
    if (len > static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max()))
        return set_error(ISTMO_E_INVALID_ARGUMENT, function,
                         "length of " + std::string(argument) +
                             " is larger than PTRDIFF_MAX (a negative value cast to size_t?)");
    return ISTMO_OK;
}

// Frees a handle: wipes its tag first so that a stale pointer is (usually) recognised.
template <class Handle>
void destroy(Handle* handle, std::uint32_t expected) noexcept {
    if (handle == nullptr || tag_of(handle) != expected) return;  // NULL or foreign: ignore
    // volatile: the store must not be optimised away although the object dies right after.
    *static_cast<volatile std::uint32_t*>(&handle->magic) = k_dead_magic;
    delete handle;
}

// A malloc'ed, NUL-terminated copy (freed by istmo_free), or nullptr when out of memory.
char* copy_out(std::string_view text) noexcept {
    auto* buffer = static_cast<char*>(std::malloc(text.size() + 1));
    if (buffer == nullptr) return nullptr;
    if (!text.empty()) std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
    return buffer;
}

// Text out-parameters (char** + size_t*): cleared first, so that the caller never sees a stale
// pointer on failure; an error when either is NULL.
int clear_text_out(char** out, size_t* out_len, std::string_view function) noexcept {
    if (out != nullptr) *out = nullptr;
    if (out_len != nullptr) *out_len = 0;
    if (out == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, function, "out_xml is NULL");
    if (out_len == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, function, "out_len is NULL");
    return ISTMO_OK;
}

// Hands a copy of text to the caller (freed with istmo_free).
int hand_out_text(char** out, size_t* out_len, std::string_view text, std::string_view function) noexcept {
    char* buffer = copy_out(text);
    if (buffer == nullptr) return set_error(ISTMO_E_OUT_OF_MEMORY, function, "out of memory");
    *out = buffer;
    *out_len = text.size();
    return ISTMO_OK;
}

std::once_flag g_init_once;
bool g_init_ok = false;

void initialise() {
    // Parsing a tiny document runs libxml2's one-time initialisation (std::call_once inside
    // the library), so that it does not happen first on a busy worker thread.
    auto document = istmo::xml::XmlDocument::parse("<istmo/>");
    g_init_ok = document.has_value();
}

// The status checker of a set of options, made from its revocation settings (reads the CRL and
// OCSP files: their errors are the setter's).
int rebuild_status_source(std::string_view fn, istmo::dsig::VerifyOptions& verify) {
    istmo::crypto::RevocationOptions revocation;
    revocation.policy = verify.revocation;
    revocation.crl_files = verify.crl_files;
    revocation.ocsp_response_files = verify.ocsp_response_files;
    revocation.offline = verify.offline;
    revocation.cache_dir = verify.revocation_cache_dir;
    auto checker = istmo::crypto::RevocationChecker::create(std::move(revocation));
    if (!checker) return set_error(fn, checker.error());
    verify.status_source = std::move(*checker);
    return ISTMO_OK;
}

// Runs change on a copy of the options and keeps the copy only when it succeeds, so that a
// failed setter leaves the object unchanged. change returns an istmo_error.
template <class Change>
int update_options(std::string_view fn, istmo_verify_options* options, bool revocation, Change&& change) {
    return guard(fn, [&] {
        if (int rc = check_handle(options, k_options_magic, fn, "options", "istmo_verify_options"); rc != ISTMO_OK)
            return rc;
        istmo::dsig::VerifyOptions copy = options->verify;
        // TrustStore copies share their anchors: a store of its own, so that a failed setter
        // (a directory that fails half-way) leaves the object's anchors as they were.
        istmo::crypto::TrustStore anchors;
        for (const auto& anchor : options->verify.trust.anchors()) anchors.add(anchor);
        copy.trust = std::move(anchors);
        if (int rc = change(copy); rc != ISTMO_OK) return rc;
        if (revocation)
            if (int rc = rebuild_status_source(fn, copy); rc != ISTMO_OK) return rc;
        options->verify = std::move(copy);
        return static_cast<int>(ISTMO_OK);
    });
}

// The certificates of a PEM bundle or DER file; an error (message set) when there are none.
int load_certificates(std::string_view fn, const char* path, std::vector<istmo::crypto::Certificate>& out) {
    if (path == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "path is NULL");
    auto certs = istmo::crypto::Certificate::all_from_file(path);
    if (!certs) return set_error(fn, certs.error());
    if (certs->empty()) return set_error(ISTMO_E_CERTIFICATE, fn, std::string("no certificate in ") + path);
    out = std::move(*certs);
    return ISTMO_OK;
}

// A file named by a revocation setter (read when the checker is rebuilt).
int check_file_path(std::string_view fn, const char* path) {
    if (path == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "path is NULL");
    return ISTMO_OK;
}

istmo_report* new_report(istmo::report::Indication indication, istmo::report::SubIndication sub, std::string json) {
    return new istmo_report{k_report_magic, indication, std::string(istmo::report::to_string(sub)), std::move(json)};
}

// The options of one call: the defaults (options NULL) or a copy of the object's (which shares
// its status checker), plus the anchors of trust (which may be NULL when allowed).
int call_options(std::string_view fn, const istmo_trust* trust, bool trust_required,
                 const istmo_verify_options* options, istmo::dsig::VerifyOptions& out) {
    if (trust != nullptr || trust_required) {
        if (int rc = check_handle(trust, k_trust_magic, fn, "trust", "istmo_trust"); rc != ISTMO_OK) return rc;
    }
    if (options != nullptr) {
        if (int rc = check_handle(options, k_options_magic, fn, "options", "istmo_verify_options"); rc != ISTMO_OK)
            return rc;
        out = options->verify;
    }
    if (trust != nullptr) {
        // A new store: TrustStore copies share their anchors, and the object's must not change.
        istmo::crypto::TrustStore combined;
        for (const auto& anchor : out.trust.anchors()) combined.add(anchor);
        for (const auto& anchor : trust->store.anchors()) combined.add(anchor);
        out.trust = std::move(combined);
    }
    return ISTMO_OK;
}

int verify(std::string_view fn, istmo_report** out, const char* xml, size_t len, const istmo_trust* trust,
           bool trust_required, const istmo_verify_options* options) {
    return guard(fn, [&] {
        if (out == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out is NULL");
        *out = nullptr;
        if (int rc = check_buffer(xml, len, fn, "xml"); rc != ISTMO_OK) return rc;
        // XAdES rules apply where a signature carries QualifyingProperties; plain XMLDSig otherwise.
        istmo::xades::VerifyOptions xades_options;
        if (int rc = call_options(fn, trust, trust_required, options, xades_options.dsig); rc != ISTMO_OK) return rc;
        const istmo::xades::Verifier verifier(std::move(xades_options));
        auto result = verifier.verify(std::string_view(xml, len));
        if (!result) return set_error(fn, result.error());
        *out = new_report(result->indication, result->sub_indication, result->to_json());
        return static_cast<int>(ISTMO_OK);
    });
}

}  // namespace

extern "C" {

int istmo_version(void) {
    // Parsed from the version of the library actually linked ("MAJOR.MINOR.PATCH").
    const char* text = istmo::version();
    int parts[3] = {0, 0, 0};
    int index = 0;
    for (const char* p = text; *p != '\0' && index < 3; ++p) {
        if (*p >= '0' && *p <= '9') parts[index] = parts[index] * 10 + (*p - '0');
        else if (*p == '.') ++index;
        else break;
    }
    return parts[0] * 10000 + parts[1] * 100 + parts[2];
}

const char* istmo_version_string(void) { return istmo::version(); }

int istmo_init(void) {
    return guard("istmo_init", [] {
        std::call_once(g_init_once, initialise);
        if (!g_init_ok) return set_error(ISTMO_E_INTERNAL, "istmo_init", "XML parser initialisation failed");
        return static_cast<int>(ISTMO_OK);
    });
}

const char* istmo_last_error_message(void) {
    return t_static_message != nullptr ? t_static_message : t_message.c_str();
}

const char* istmo_last_error_message_es(void) {
    return t_static_message_es != nullptr ? t_static_message_es : t_message_es.c_str();
}

const char* istmo_strerror(int code) {
    switch (code) {
        case ISTMO_OK: return "success";
        case ISTMO_E_INVALID_ARGUMENT: return "invalid argument";
        case ISTMO_E_INVALID_OBJECT: return "invalid object (wrong or freed handle)";
        case ISTMO_E_NOT_FOUND: return "not found";
        case ISTMO_E_PERMISSION_DENIED: return "permission denied";
        case ISTMO_E_IO: return "input/output error";
        case ISTMO_E_PARSE: return "parse error";
        case ISTMO_E_LIMIT_EXCEEDED: return "limit exceeded";
        case ISTMO_E_UNSUPPORTED: return "unsupported";
        case ISTMO_E_BAD_PASSWORD: return "bad password";
        case ISTMO_E_KEY: return "key error";
        case ISTMO_E_CERTIFICATE: return "certificate error";
        case ISTMO_E_CRYPTO: return "cryptographic error";
        case ISTMO_E_UNAVAILABLE: return "service unavailable";
        case ISTMO_E_DEADLINE_EXCEEDED: return "deadline exceeded";
        case ISTMO_E_FAILED_PRECONDITION: return "failed precondition";
        case ISTMO_E_OUT_OF_MEMORY: return "out of memory";
        case ISTMO_E_INTERNAL: return "internal error";
        case ISTMO_E_MODULE: return "PKCS#11 module does not load";
        case ISTMO_E_TOKEN_NOT_PRESENT: return "token not present";
        case ISTMO_E_PIN_LOCKED: return "PIN locked";
        default: return "unknown error code";
    }
}

void istmo_free(void* buffer) { std::free(buffer); }

// ---- keys, certificates, trust --------------------------------------------------------------

int istmo_key_load_file(istmo_key** out, const char* path, const char* password) {
    constexpr std::string_view fn = "istmo_key_load_file";
    return guard(fn, [&] {
        if (out == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out is NULL");
        *out = nullptr;
        if (path == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "path is NULL");
        std::optional<istmo::crypto::Secret> secret;
        if (password != nullptr) secret.emplace(std::string_view(password));
        auto key = istmo::crypto::PrivateKey::from_file(path, secret ? &*secret : nullptr);
        if (!key) return set_error(fn, key.error());
        *out = new istmo_key{k_key_magic, std::move(*key)};
        return static_cast<int>(ISTMO_OK);
    });
}

void istmo_key_free(istmo_key* key) { destroy(key, k_key_magic); }

int istmo_key_load_pkcs11(istmo_key** out, istmo_cert** out_cert, const char* uri, const char* module_path,
                          const char* pin) {
    constexpr std::string_view fn = "istmo_key_load_pkcs11";
    return guard(fn, [&] {
        if (out == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out is NULL");
        *out = nullptr;
        if (out_cert != nullptr) *out_cert = nullptr;
        if (uri == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "uri is NULL");
        istmo::crypto::Pkcs11Options options;
        if (module_path != nullptr) options.module_path = module_path;
        if (pin != nullptr) options.pin = istmo::crypto::Secret(std::string_view(pin));
        auto loaded = istmo::crypto::load_pkcs11_key(uri, options);
        if (!loaded) return set_error(fn, loaded.error());
        auto key = std::make_unique<istmo_key>(istmo_key{k_key_magic, std::move(loaded->key)});
        if (out_cert != nullptr && loaded->certificate)
            *out_cert = new istmo_cert{k_cert_magic, std::move(*loaded->certificate), {}};
        *out = key.release();
        return static_cast<int>(ISTMO_OK);
    });
}

int istmo_cert_load_file(istmo_cert** out, const char* path) {
    constexpr std::string_view fn = "istmo_cert_load_file";
    return guard(fn, [&] {
        if (out == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out is NULL");
        *out = nullptr;
        if (path == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "path is NULL");
        auto certs = istmo::crypto::Certificate::all_from_file(path);
        if (!certs) return set_error(fn, certs.error());
        if (certs->empty())
            return set_error(ISTMO_E_CERTIFICATE, fn, std::string("no certificate in ") + path);
        std::vector<istmo::crypto::Certificate> chain(certs->begin() + 1, certs->end());
        *out = new istmo_cert{k_cert_magic, certs->front(), std::move(chain)};
        return static_cast<int>(ISTMO_OK);
    });
}

void istmo_cert_free(istmo_cert* cert) { destroy(cert, k_cert_magic); }

int istmo_trust_new(istmo_trust** out) {
    constexpr std::string_view fn = "istmo_trust_new";
    return guard(fn, [&] {
        if (out == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out is NULL");
        *out = nullptr;
        *out = new istmo_trust{k_trust_magic, istmo::crypto::TrustStore{}};
        return static_cast<int>(ISTMO_OK);
    });
}

int istmo_trust_add_file(istmo_trust* trust, const char* path) {
    constexpr std::string_view fn = "istmo_trust_add_file";
    return guard(fn, [&] {
        if (int rc = check_handle(trust, k_trust_magic, fn, "trust", "istmo_trust"); rc != ISTMO_OK)
            return rc;
        if (path == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "path is NULL");
        // Load first, add after: a file that fails leaves the store unchanged.
        auto certs = istmo::crypto::Certificate::all_from_file(path);
        if (!certs) return set_error(fn, certs.error());
        if (certs->empty())
            return set_error(ISTMO_E_CERTIFICATE, fn, std::string("no certificate in ") + path);
        for (const auto& cert : *certs) trust->store.add(cert);
        return static_cast<int>(ISTMO_OK);
    });
}

void istmo_trust_free(istmo_trust* trust) { destroy(trust, k_trust_magic); }

// ---- verification options -----------------------------------------------------------------------

int istmo_verify_options_new(istmo_verify_options** out) {
    constexpr std::string_view fn = "istmo_verify_options_new";
    return guard(fn, [&] {
        if (out == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out is NULL");
        *out = nullptr;
        auto options = std::make_unique<istmo_verify_options>();
        if (int rc = rebuild_status_source(fn, options->verify); rc != ISTMO_OK) return rc;
        *out = options.release();
        return static_cast<int>(ISTMO_OK);
    });
}

void istmo_verify_options_free(istmo_verify_options* options) { destroy(options, k_options_magic); }

int istmo_verify_options_set_time(istmo_verify_options* options, long long unix_seconds) {
    constexpr std::string_view fn = "istmo_verify_options_set_time";
    return update_options(fn, options, false, [&](istmo::dsig::VerifyOptions& v) {
        // Years 1..9999, the range of RFC 3339 and of the reports' times.
        constexpr long long first = -62135596800LL;
        constexpr long long last = 253402300799LL;
        if (unix_seconds < first || unix_seconds > last)
            return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "unix_seconds is outside the years 1 to 9999");
        v.validation_time = std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds));
        return static_cast<int>(ISTMO_OK);
    });
}

int istmo_verify_options_add_trust_file(istmo_verify_options* options, const char* path) {
    constexpr std::string_view fn = "istmo_verify_options_add_trust_file";
    return update_options(fn, options, false, [&](istmo::dsig::VerifyOptions& v) {
        std::vector<istmo::crypto::Certificate> certs;
        if (int rc = load_certificates(fn, path, certs); rc != ISTMO_OK) return rc;
        for (const auto& cert : certs) v.trust.add(cert);
        return static_cast<int>(ISTMO_OK);
    });
}

int istmo_verify_options_add_trust_dir(istmo_verify_options* options, const char* dir) {
    constexpr std::string_view fn = "istmo_verify_options_add_trust_dir";
    return update_options(fn, options, false, [&](istmo::dsig::VerifyOptions& v) {
        if (dir == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "dir is NULL");
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec))
            return set_error(ISTMO_E_NOT_FOUND, fn, std::string("not a directory: ") + dir);
        auto added = v.trust.add_directory(dir);
        if (!added) return set_error(fn, added.error());
        return static_cast<int>(ISTMO_OK);
    });
}

int istmo_verify_options_add_untrusted_file(istmo_verify_options* options, const char* path) {
    constexpr std::string_view fn = "istmo_verify_options_add_untrusted_file";
    return update_options(fn, options, false, [&](istmo::dsig::VerifyOptions& v) {
        std::vector<istmo::crypto::Certificate> certs;
        if (int rc = load_certificates(fn, path, certs); rc != ISTMO_OK) return rc;
        for (auto& cert : certs) v.extra_certificates.push_back(std::move(cert));
        return static_cast<int>(ISTMO_OK);
    });
}

int istmo_verify_options_set_legacy(istmo_verify_options* options, int enabled) {
    return update_options("istmo_verify_options_set_legacy", options, false, [&](istmo::dsig::VerifyOptions& v) {
        v.allow_legacy = enabled != 0;
        return static_cast<int>(ISTMO_OK);
    });
}

int istmo_verify_options_set_revocation(istmo_verify_options* options, const char* policy) {
    constexpr std::string_view fn = "istmo_verify_options_set_revocation";
    return update_options(fn, options, true, [&](istmo::dsig::VerifyOptions& v) {
        if (policy == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "policy is NULL");
        auto parsed = istmo::crypto::parse_revocation_policy(policy);
        if (!parsed)
            return set_error(ISTMO_E_INVALID_ARGUMENT, fn,
                             "unknown policy \"" + std::string(policy) + "\" (known: \"auto\", \"require\", \"off\")");
        v.revocation = *parsed;
        return static_cast<int>(ISTMO_OK);
    });
}

int istmo_verify_options_set_offline(istmo_verify_options* options, int enabled) {
    return update_options("istmo_verify_options_set_offline", options, true, [&](istmo::dsig::VerifyOptions& v) {
        v.offline = enabled != 0;
        return static_cast<int>(ISTMO_OK);
    });
}

int istmo_verify_options_add_crl_file(istmo_verify_options* options, const char* path) {
    constexpr std::string_view fn = "istmo_verify_options_add_crl_file";
    return update_options(fn, options, true, [&](istmo::dsig::VerifyOptions& v) {
        if (int rc = check_file_path(fn, path); rc != ISTMO_OK) return rc;
        v.crl_files.emplace_back(path);
        return static_cast<int>(ISTMO_OK);
    });
}

int istmo_verify_options_add_ocsp_response_file(istmo_verify_options* options, const char* path) {
    constexpr std::string_view fn = "istmo_verify_options_add_ocsp_response_file";
    return update_options(fn, options, true, [&](istmo::dsig::VerifyOptions& v) {
        if (int rc = check_file_path(fn, path); rc != ISTMO_OK) return rc;
        v.ocsp_response_files.emplace_back(path);
        return static_cast<int>(ISTMO_OK);
    });
}

int istmo_verify_options_set_revocation_cache_dir(istmo_verify_options* options, const char* dir) {
    return update_options("istmo_verify_options_set_revocation_cache_dir", options, true,
                          [&](istmo::dsig::VerifyOptions& v) {
                              v.revocation_cache_dir = dir == nullptr ? std::string() : std::string(dir);
                              return static_cast<int>(ISTMO_OK);
                          });
}

// ---- signing ------------------------------------------------------------------------------

int istmo_sign(char** out_xml, size_t* out_len, const char* xml, size_t len, const istmo_key* key,
               const istmo_cert* cert, const char* profile) {
    constexpr std::string_view fn = "istmo_sign";
    return guard(fn, [&] {
        if (int rc = clear_text_out(out_xml, out_len, fn); rc != ISTMO_OK) return rc;
        if (int rc = check_buffer(xml, len, fn, "xml"); rc != ISTMO_OK) return rc;
        if (int rc = check_handle(key, k_key_magic, fn, "key", "istmo_key"); rc != ISTMO_OK) return rc;
        if (cert != nullptr) {
            if (int rc = check_handle(cert, k_cert_magic, fn, "cert", "istmo_cert"); rc != ISTMO_OK)
                return rc;
        }
        const std::string_view name = profile == nullptr ? std::string_view("xmldsig") : profile;
        if (name != "xmldsig" && name != "xades-b-b" && name != "panama-fe")
            return set_error(ISTMO_E_INVALID_ARGUMENT, fn,
                             "unknown profile \"" + std::string(name) +
                                 "\" (known: \"xmldsig\", \"xades-b-b\", \"panama-fe\")");

        std::optional<istmo::crypto::Certificate> certificate;
        std::vector<istmo::crypto::Certificate> chain;
        if (cert != nullptr) {
            certificate = cert->cert;
            chain = cert->chain;
        }
        istmo::Result<std::string> signed_xml = istmo::make_error(istmo::Errc::internal, "not signed");
        if (name == "panama-fe") {
            // Panama DGI rFE: the signer certificate only (no chain), and no QR (gNoFirm): the QR
            // needs its secret, which istmo_invoice_sign takes (docs/c-api.md).
            if (!certificate)
                return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "profile \"panama-fe\" needs the signer's certificate");
            auto signer = istmo::invoice::panama::make_signer(key->key, std::move(*certificate));
            if (!signer) return set_error(fn, signer.error());
            signed_xml = istmo::invoice::panama::sign(*signer, std::string_view(xml, len));
        } else if (name == "xades-b-b") {
            if (!certificate)
                return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "profile \"xades-b-b\" needs the signer's certificate");
            auto signer = istmo::xades::Signer::create(key->key, std::move(*certificate), std::move(chain),
                                                       istmo::xades::SignOptions{});
            if (!signer) return set_error(fn, signer.error());
            signed_xml = signer->sign(std::string_view(xml, len));
        } else {
            auto signer = istmo::dsig::Signer::create(key->key, std::move(certificate), std::move(chain),
                                                      istmo::dsig::SignOptions{});
            if (!signer) return set_error(fn, signer.error());
            signed_xml = signer->sign(std::string_view(xml, len));
        }
        if (!signed_xml) return set_error(fn, signed_xml.error());
        return hand_out_text(out_xml, out_len, *signed_xml, fn);
    });
}

int istmo_sign_prepare(char** out_state, size_t* out_state_len, char** out_request, size_t* out_request_len,
                       const char* xml, size_t len, const istmo_cert* cert, const char* profile) {
    constexpr std::string_view fn = "istmo_sign_prepare";
    return guard(fn, [&] {
        if (out_request != nullptr) *out_request = nullptr;
        if (out_request_len != nullptr) *out_request_len = 0;
        if (int rc = clear_text_out(out_state, out_state_len, fn); rc != ISTMO_OK) return rc;
        if (out_request == nullptr || out_request_len == nullptr)
            return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out_request or out_request_len is NULL");
        if (int rc = check_buffer(xml, len, fn, "xml"); rc != ISTMO_OK) return rc;
        if (int rc = check_handle(cert, k_cert_magic, fn, "cert", "istmo_cert"); rc != ISTMO_OK) return rc;
        const std::string_view name = profile == nullptr ? std::string_view("xmldsig") : profile;
        istmo::Result<istmo::dsig::PendingSignature> pending = istmo::make_error(istmo::Errc::internal, "not prepared");
        if (name == "xades-b-b") {
            auto signer = istmo::xades::Signer::for_certificate(cert->cert, cert->chain, istmo::xades::SignOptions{});
            if (!signer) return set_error(fn, signer.error());
            pending = signer->prepare(std::string_view(xml, len));
        } else if (name == "xmldsig") {
            auto signer = istmo::dsig::Signer::for_certificate(cert->cert, cert->chain);
            if (!signer) return set_error(fn, signer.error());
            pending = signer->prepare(std::string_view(xml, len));
        } else {
            return set_error(ISTMO_E_INVALID_ARGUMENT, fn,
                             "unknown profile \"" + std::string(name) + "\" (known: \"xmldsig\", \"xades-b-b\")");
        }
        if (!pending) return set_error(fn, pending.error());
        const std::string request = pending->request_json();
        if (int rc = hand_out_text(out_state, out_state_len, pending->state(), fn); rc != ISTMO_OK) return rc;
        if (int rc = hand_out_text(out_request, out_request_len, request, fn); rc != ISTMO_OK) {
            std::free(*out_state);
            *out_state = nullptr;
            *out_state_len = 0;
            return rc;
        }
        return static_cast<int>(ISTMO_OK);
    });
}

int istmo_sign_complete(char** out_xml, size_t* out_len, const char* state, size_t state_len,
                        const unsigned char* value, size_t value_len) {
    constexpr std::string_view fn = "istmo_sign_complete";
    return guard(fn, [&] {
        if (int rc = clear_text_out(out_xml, out_len, fn); rc != ISTMO_OK) return rc;
        if (int rc = check_buffer(state, state_len, fn, "state"); rc != ISTMO_OK) return rc;
        if (value == nullptr && value_len > 0) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "value is NULL");
        auto pending = istmo::dsig::PendingSignature::from_state(std::string_view(state, state_len));
        if (!pending) return set_error(fn, pending.error());
        auto signed_xml = pending->complete(std::span<const std::uint8_t>(value, value_len));
        if (!signed_xml) return set_error(fn, signed_xml.error());
        return hand_out_text(out_xml, out_len, *signed_xml, fn);
    });
}

// ---- verification and reports --------------------------------------------------------------

int istmo_verify(istmo_report** out, const char* xml, size_t len, const istmo_trust* trust) {
    return verify("istmo_verify", out, xml, len, trust, true, nullptr);
}

int istmo_verify_with_options(istmo_report** out, const char* xml, size_t len, const istmo_trust* trust,
                              const istmo_verify_options* options) {
    return verify("istmo_verify_with_options", out, xml, len, trust, false, options);
}

int istmo_report_indication(const istmo_report* report) {
    constexpr std::string_view fn = "istmo_report_indication";
    return guard(fn, [&] {
        if (int rc = check_handle(report, k_report_magic, fn, "report", "istmo_report"); rc != ISTMO_OK)
            return rc;
        switch (report->indication) {
            case istmo::report::Indication::total_passed: return static_cast<int>(ISTMO_INDICATION_TOTAL_PASSED);
            case istmo::report::Indication::total_failed: return static_cast<int>(ISTMO_INDICATION_TOTAL_FAILED);
            case istmo::report::Indication::indeterminate: return static_cast<int>(ISTMO_INDICATION_INDETERMINATE);
        }
        return set_error(ISTMO_E_INTERNAL, fn, "unknown indication");
    });
}

const char* istmo_report_sub_indication(const istmo_report* report) {
    const char* result = nullptr;
    guard("istmo_report_sub_indication", [&] {
        const int rc = check_handle(report, k_report_magic, "istmo_report_sub_indication", "report",
                                    "istmo_report");
        if (rc == ISTMO_OK) result = report->sub_indication.c_str();
        return rc;
    });
    return result;
}

const char* istmo_report_json(const istmo_report* report) {
    const char* result = nullptr;
    guard("istmo_report_json", [&] {
        const int rc = check_handle(report, k_report_magic, "istmo_report_json", "report", "istmo_report");
        if (rc == ISTMO_OK) result = report->json.c_str();
        return rc;
    });
    return result;
}

void istmo_report_free(istmo_report* report) { destroy(report, k_report_magic); }

// ---- e-invoices (Panama DGI rFE 1.00) ---------------------------------------------------------

namespace {

int invoice_validate(std::string_view fn, istmo_report** out, const char* xml, size_t len, const istmo_trust* trust,
                     bool trust_required, const istmo_verify_options* options_handle, unsigned int flags) {
    return guard(fn, [&] {
        if (out == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out is NULL");
        *out = nullptr;
        if ((flags & ~ISTMO_INVOICE_LEGACY) != 0u) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "unknown flag bits");
        if (int rc = check_buffer(xml, len, fn, "xml"); rc != ISTMO_OK) return rc;
        istmo::invoice::panama::ValidateOptions options;
        if (int rc = call_options(fn, trust, trust_required, options_handle, options.verify); rc != ISTMO_OK) return rc;
        options.legacy = (flags & ISTMO_INVOICE_LEGACY) != 0u || options.verify.allow_legacy;
        auto result = istmo::invoice::panama::validate(std::string_view(xml, len), options);
        if (!result) return set_error(fn, result.error());
        *out = new_report(result->indication, result->sub_indication, result->to_json());
        return static_cast<int>(ISTMO_OK);
    });
}

}  // namespace

int istmo_invoice_validate(istmo_report** out, const char* xml, size_t len, const istmo_trust* trust) {
    return invoice_validate("istmo_invoice_validate", out, xml, len, trust, true, nullptr, 0u);
}

int istmo_invoice_validate_ex(istmo_report** out, const char* xml, size_t len, const istmo_trust* trust,
                              unsigned int flags) {
    return invoice_validate("istmo_invoice_validate_ex", out, xml, len, trust, true, nullptr, flags);
}

int istmo_invoice_validate_with_options(istmo_report** out, const char* xml, size_t len, const istmo_trust* trust,
                                        const istmo_verify_options* options) {
    return invoice_validate("istmo_invoice_validate_with_options", out, xml, len, trust, false, options, 0u);
}

int istmo_invoice_from_json(char** out_xml, size_t* out_len, const char* json, size_t len) {
    constexpr std::string_view fn = "istmo_invoice_from_json";
    return guard(fn, [&] {
        if (int rc = clear_text_out(out_xml, out_len, fn); rc != ISTMO_OK) return rc;
        if (int rc = check_buffer(json, len, fn, "json"); rc != ISTMO_OK) return rc;
        auto invoice = istmo::invoice::panama::from_json(std::string_view(json, len));
        if (!invoice) return set_error(fn, invoice.error());
        const std::string xml = istmo::invoice::panama::to_xml(*invoice);
        return hand_out_text(out_xml, out_len, xml, fn);
    });
}

int istmo_invoice_cafe(char** out, size_t* out_len, const char* xml, size_t len, unsigned int flags) {
    constexpr std::string_view fn = "istmo_invoice_cafe";
    return guard(fn, [&] {
        if (int rc = clear_text_out(out, out_len, fn); rc != ISTMO_OK) return rc;
        if (int rc = check_buffer(xml, len, fn, "xml"); rc != ISTMO_OK) return rc;
        constexpr unsigned int known = ISTMO_CAFE_HTML | ISTMO_CAFE_PAPER_A4 | ISTMO_CAFE_PAPER_80MM | ISTMO_CAFE_ENGLISH;
        if ((flags & ~known) != 0u) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "unknown flag bits");
        if ((flags & ISTMO_CAFE_PAPER_A4) != 0u && (flags & ISTMO_CAFE_PAPER_80MM) != 0u)
            return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "ISTMO_CAFE_PAPER_A4 and ISTMO_CAFE_PAPER_80MM exclude each other");
        namespace pa = istmo::invoice::panama;
        pa::CafeOptions options;
        if ((flags & ISTMO_CAFE_HTML) != 0u) options.format = pa::CafeFormat::html;
        if ((flags & ISTMO_CAFE_PAPER_A4) != 0u) options.paper = pa::CafePaper::a4;
        if ((flags & ISTMO_CAFE_PAPER_80MM) != 0u) options.paper = pa::CafePaper::roll_80mm;
        if ((flags & ISTMO_CAFE_ENGLISH) != 0u) options.language = istmo::report::Language::en;
        auto cafe = pa::render_cafe(std::string_view(xml, len), options);
        if (!cafe) return set_error(fn, cafe.error());
        return hand_out_text(out, out_len, *cafe, fn);
    });
}

int istmo_invoice_cufe(char** out, const char* xml, size_t len) {
    constexpr std::string_view fn = "istmo_invoice_cufe";
    return guard(fn, [&] {
        if (out == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out is NULL");
        *out = nullptr;
        if (int rc = check_buffer(xml, len, fn, "xml"); rc != ISTMO_OK) return rc;
        auto invoice = istmo::invoice::panama::parse(std::string_view(xml, len));
        if (!invoice) return set_error(fn, invoice.error());
        auto cufe = istmo::invoice::panama::cufe_of(*invoice);
        if (!cufe) return set_error(fn, cufe.error());
        char* buffer = copy_out(*cufe);
        if (buffer == nullptr) return set_error(ISTMO_E_OUT_OF_MEMORY, fn, "out of memory");
        *out = buffer;
        return static_cast<int>(ISTMO_OK);
    });
}

int istmo_invoice_sign(char** out_xml, size_t* out_len, const char* xml, size_t len, const istmo_key* key,
                       const istmo_cert* cert, const unsigned char* qr_secret, size_t qr_secret_len,
                       const char* qr_base_url) {
    constexpr std::string_view fn = "istmo_invoice_sign";
    return guard(fn, [&] {
        if (int rc = clear_text_out(out_xml, out_len, fn); rc != ISTMO_OK) return rc;
        if (int rc = check_buffer(xml, len, fn, "xml"); rc != ISTMO_OK) return rc;
        if (int rc = check_handle(key, k_key_magic, fn, "key", "istmo_key"); rc != ISTMO_OK) return rc;
        if (int rc = check_handle(cert, k_cert_magic, fn, "cert", "istmo_cert"); rc != ISTMO_OK) return rc;
        // The secret is never part of a message: only its absence or length is reported.
        if (int rc = check_buffer(qr_secret, qr_secret_len, fn, "qr_secret"); rc != ISTMO_OK) return rc;
        if (qr_secret_len == 0) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "qr_secret is empty (length 0)");
        istmo::invoice::panama::QrOptions qr;
        // Copied once into a Secret, which wipes its buffer when it is destroyed (also on errors
        // and exceptions); the caller's buffer is only read.
        qr.secret = istmo::crypto::Secret(std::string_view(reinterpret_cast<const char*>(qr_secret), qr_secret_len));
        if (qr_base_url != nullptr) qr.base_url = qr_base_url;
        auto signer = istmo::invoice::panama::make_signer(key->key, cert->cert);
        if (!signer) return set_error(fn, signer.error());
        auto signed_xml = istmo::invoice::panama::sign(*signer, std::string_view(xml, len), qr);
        if (!signed_xml) return set_error(fn, signed_xml.error());
        return hand_out_text(out_xml, out_len, *signed_xml, fn);
    });
}

// ---- timestamps (RFC 3161) ---------------------------------------------------------------------

int istmo_timestamp_request(unsigned char** out_der, size_t* out_len, const unsigned char* data, size_t len,
                            const char* tsa_url, const istmo_trust* tsa_trust) {
    constexpr std::string_view fn = "istmo_timestamp_request";
    return guard(fn, [&] {
        if (out_der != nullptr) *out_der = nullptr;
        if (out_len != nullptr) *out_len = 0;
        if (out_der == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out_der is NULL");
        if (out_len == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out_len is NULL");
        if (int rc = check_buffer(data, len, fn, "data"); rc != ISTMO_OK) return rc;
        if (tsa_url == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "tsa_url is NULL");
        if (int rc = check_handle(tsa_trust, k_trust_magic, fn, "tsa_trust", "istmo_trust"); rc != ISTMO_OK)
            return rc;
        istmo::tsa::ClientOptions options;
        options.urls.emplace_back(tsa_url);
        options.verify.trust = tsa_trust->store;
        auto client = istmo::tsa::TimestampClient::create(std::move(options));
        if (!client) return set_error(fn, client.error());
        auto request = istmo::tsa::TimestampRequest::for_data(
            std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data), len));
        if (!request) return set_error(fn, request.error());
        auto stamp = client->timestamp(*request);
        if (!stamp) return set_error(fn, stamp.error());
        const auto& token = stamp->token;
        auto* buffer = static_cast<unsigned char*>(std::malloc(token.size() + 1));
        if (buffer == nullptr) return set_error(ISTMO_E_OUT_OF_MEMORY, fn, "out of memory");
        if (!token.empty()) std::memcpy(buffer, token.data(), token.size());
        buffer[token.size()] = 0;
        *out_der = buffer;
        *out_len = token.size();
        return static_cast<int>(ISTMO_OK);
    });
}

int istmo_extend(char** out_xml, size_t* out_len, const char* xml, size_t len, const char* level,
                 const char* tsa_url, const istmo_trust* tsa_trust, const istmo_verify_options* options) {
    constexpr std::string_view fn = "istmo_extend";
    return guard(fn, [&] {
        if (int rc = clear_text_out(out_xml, out_len, fn); rc != ISTMO_OK) return rc;
        if (int rc = check_buffer(xml, len, fn, "xml"); rc != ISTMO_OK) return rc;
        if (level == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "level is NULL");
        if (tsa_url == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "tsa_url is NULL");
        if (int rc = check_handle(tsa_trust, k_trust_magic, fn, "tsa_trust", "istmo_trust"); rc != ISTMO_OK) return rc;
        if (options != nullptr)
            if (int rc = check_handle(options, k_options_magic, fn, "options", "istmo_verify_options"); rc != ISTMO_OK)
                return rc;
        istmo::xades::AugmentOptions augment;
        const auto to = istmo::xades::parse_augment_level(level);
        if (!to)
            return set_error(ISTMO_E_INVALID_ARGUMENT, fn,
                             "unknown level \"" + std::string(level) + "\" (known: \"b-t\", \"b-lt\", \"b-lta\")");
        augment.to = *to;
        if (options != nullptr) {
            const istmo::dsig::VerifyOptions& v = options->verify;
            augment.long_term.trust = v.trust;
            augment.long_term.extra_certificates = v.extra_certificates;
            augment.long_term.at = v.validation_time;
            augment.long_term.revocation.policy = v.revocation;
            augment.long_term.revocation.crl_files = v.crl_files;
            augment.long_term.revocation.ocsp_response_files = v.ocsp_response_files;
            augment.long_term.revocation.offline = v.offline;
            augment.long_term.revocation.cache_dir = v.revocation_cache_dir;
        }
        augment.long_term.tsa_trust = tsa_trust->store;
        istmo::tsa::ClientOptions client_options;
        client_options.urls.emplace_back(tsa_url);
        client_options.verify.trust = tsa_trust->store;
        auto client = istmo::tsa::TimestampClient::create(std::move(client_options));
        if (!client) return set_error(fn, client.error());
        auto shared = std::make_shared<istmo::tsa::TimestampClient>(std::move(*client));
        augment.timestamper = [shared](std::span<const std::uint8_t> data) -> istmo::Result<std::vector<std::uint8_t>> {
            auto request = istmo::tsa::TimestampRequest::for_data(data);
            if (!request) return request.error();
            auto stamp = shared->timestamp(*request);
            if (!stamp) return stamp.error();
            return stamp->token;
        };
        auto augmenter = istmo::xades::Augmenter::create(std::move(augment));
        if (!augmenter) return set_error(fn, augmenter.error());
        auto extended = augmenter->augment(std::string_view(xml, len));
        if (!extended) return set_error(fn, extended.error());
        return hand_out_text(out_xml, out_len, *extended, fn);
    });
}

}  // extern "C"

// ---- DGI web services --------------------------------------------------------------------------

namespace {

namespace dgi = istmo::invoice::panama::dgi;

std::optional<long long> whole_number(const char* text, long long low, long long high) {
    if (text == nullptr || *text == '\0' || std::strlen(text) > 12) return std::nullopt;
    long long value = 0;
    for (const char* c = text; *c; ++c) {
        if (*c < '0' || *c > '9') return std::nullopt;
        value = value * 10 + (*c - '0');
    }
    if (value < low || value > high) return std::nullopt;
    return value;
}

// One named option into the client options; ISTMO_OK or the error (message set).
int set_dgi_option(dgi::ClientOptions& o, std::string_view fn, const std::string& name, const char* value) {
    const auto number = [&](long long low, long long high) -> std::optional<long long> {
        auto n = whole_number(value, low, high);
        if (!n)
            set_error(ISTMO_E_INVALID_ARGUMENT, fn,
                      "option \"" + name + "\" needs a whole number from " + std::to_string(low) + " to " + std::to_string(high));
        return n;
    };
    if (name == "endpoint") o.base_url = value;
    else if (name == "cacert") o.http.ca_file = value;
    else if (name == "client-cert") o.http.client_cert_file = value;
    else if (name == "client-key") o.http.client_key_file = value;
    else if (name == "client-p12") o.http.client_p12_file = value;
    else if (name == "password") o.http.client_key_password = value;
    else if (name == "proxy") o.http.proxy = value;
    else if (name == "soap") {
        if (std::string_view(value) != "1.2" && std::string_view(value) != "1.1")
            return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "option \"soap\" must be \"1.2\" or \"1.1\"");
        o.soap = std::string_view(value) == "1.1" ? dgi::SoapVersion::soap11 : dgi::SoapVersion::soap12;
    } else if (name == "timeout") {
        auto n = number(1, 600);
        if (!n) return ISTMO_E_INVALID_ARGUMENT;
        o.http.request_timeout = std::chrono::seconds(*n);
        o.http.total_timeout = std::chrono::seconds(*n * 3);
    } else if (name == "resends") {
        auto n = number(0, 5);
        if (!n) return ISTMO_E_INVALID_ARGUMENT;
        o.max_resends = static_cast<int>(*n);
    } else if (name == "max-response") {
        auto n = number(1024, 1LL << 30);
        if (!n) return ISTMO_E_INVALID_ARGUMENT;
        o.http.max_response_bytes = static_cast<std::size_t>(*n);
        o.max_query_response_bytes = static_cast<std::size_t>(*n);
    } else {
        return set_error(ISTMO_E_INVALID_ARGUMENT, fn,
                         "unknown DGI option \"" + name +
                             "\" (known: endpoint, soap, cacert, client-cert, client-key, client-p12, password, proxy, "
                             "timeout, resends, max-response)");
    }
    return ISTMO_OK;
}

int dgi_outcome_code(dgi::Outcome outcome) noexcept {
    switch (outcome) {
        case dgi::Outcome::authorised: return ISTMO_DGI_AUTHORISED;
        case dgi::Outcome::registered: return ISTMO_DGI_REGISTERED;
        case dgi::Outcome::found: return ISTMO_DGI_FOUND;
        case dgi::Outcome::accepted: return ISTMO_DGI_ACCEPTED;
        case dgi::Outcome::duplicate: return ISTMO_DGI_DUPLICATE;
        case dgi::Outcome::rejected: return ISTMO_DGI_REJECTED;
        case dgi::Outcome::fault: return ISTMO_DGI_FAULT;
    }
    return ISTMO_DGI_REJECTED;
}

// Hands out the answer of one DGI call.
int hand_out_answer(std::string_view fn, istmo_dgi_answer** out, istmo::Result<dgi::Response> answer) {
    if (!answer) return set_error(fn, answer.error());
    auto handle = std::make_unique<istmo_dgi_answer>();
    handle->outcome = dgi_outcome_code(answer->outcome);
    handle->protocol = answer->protocol();
    for (const dgi::ResultCode* c : answer->all_codes()) handle->codes.emplace_back(c->code, c->message);
    handle->container = answer->container_xml;
    handle->json = answer->to_json();
    *out = handle.release();
    return ISTMO_OK;
}

// Runs one DGI call with a client made from the options for it.
template <class Call>
int dgi_call(std::string_view fn, istmo_dgi_answer** out, const istmo_dgi_options* options, Call&& call) {
    if (int rc = check_handle(options, k_dgi_options_magic, fn, "options", "istmo_dgi_options"); rc != ISTMO_OK) return rc;
    auto client = dgi::Client::create(options->client);
    if (!client) return set_error(fn, client.error());
    return hand_out_answer(fn, out, call(*client));
}

// Runs one DGI call on a client made once.
template <class Call>
int dgi_client_call(std::string_view fn, istmo_dgi_answer** out, const istmo_dgi_client* client, Call&& call) {
    if (int rc = check_handle(client, k_dgi_client_magic, fn, "client", "istmo_dgi_client"); rc != ISTMO_OK) return rc;
    return hand_out_answer(fn, out, call(client->client));
}

template <class Getter>
const char* dgi_answer_text(const istmo_dgi_answer* answer, std::string_view fn, Getter&& get) noexcept {
    const char* result = nullptr;
    guard(fn, [&]() -> int {
        const int rc = check_handle(answer, k_dgi_answer_magic, fn, "answer", "istmo_dgi_answer");
        if (rc == ISTMO_OK) result = get(*answer);
        return rc;
    });
    return result;
}

}  // namespace

extern "C" {

int istmo_dgi_options_new(istmo_dgi_options** out, int environment) {
    constexpr std::string_view fn = "istmo_dgi_options_new";
    return guard(fn, [&]() -> int {
        if (out == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out is NULL");
        *out = nullptr;
        if (environment != 1 && environment != 2)
            return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "environment must be 1 (production) or 2 (test)");
        auto handle = std::make_unique<istmo_dgi_options>();
        handle->client.environment = environment == 1 ? dgi::Environment::production : dgi::Environment::test;
        handle->client.http.user_agent = "istmo-c-dgi";
        *out = handle.release();
        return ISTMO_OK;
    });
}

int istmo_dgi_options_set(istmo_dgi_options* options, const char* name, const char* value) {
    constexpr std::string_view fn = "istmo_dgi_options_set";
    return guard(fn, [&]() -> int {
        if (int rc = check_handle(options, k_dgi_options_magic, fn, "options", "istmo_dgi_options"); rc != ISTMO_OK) return rc;
        if (name == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "name is NULL");
        if (value == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "value is NULL");
        return set_dgi_option(options->client, fn, name, value);
    });
}

void istmo_dgi_options_free(istmo_dgi_options* options) { destroy(options, k_dgi_options_magic); }

int istmo_dgi_send(istmo_dgi_answer** out, const char* xml, size_t len, const istmo_dgi_options* options) {
    constexpr std::string_view fn = "istmo_dgi_send";
    return guard(fn, [&]() -> int {
        if (out == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out is NULL");
        *out = nullptr;
        if (int rc = check_buffer(xml, len, fn, "xml"); rc != ISTMO_OK) return rc;
        return dgi_call(fn, out, options, [&](const dgi::Client& c) { return c.send(std::string_view(xml, len)); });
    });
}

int istmo_dgi_query(istmo_dgi_answer** out, const char* cufe, const istmo_dgi_options* options) {
    constexpr std::string_view fn = "istmo_dgi_query";
    return guard(fn, [&]() -> int {
        if (out == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out is NULL");
        *out = nullptr;
        if (cufe == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "cufe is NULL");
        return dgi_call(fn, out, options, [&](const dgi::Client& c) { return c.query(cufe); });
    });
}

int istmo_dgi_client_new(istmo_dgi_client** out, const istmo_dgi_options* options) {
    constexpr std::string_view fn = "istmo_dgi_client_new";
    return guard(fn, [&]() -> int {
        if (out == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out is NULL");
        *out = nullptr;
        if (int rc = check_handle(options, k_dgi_options_magic, fn, "options", "istmo_dgi_options"); rc != ISTMO_OK)
            return rc;
        auto client = dgi::Client::create(options->client);
        if (!client) return set_error(fn, client.error());
        *out = new istmo_dgi_client{k_dgi_client_magic, std::move(*client)};
        return ISTMO_OK;
    });
}

void istmo_dgi_client_free(istmo_dgi_client* client) { destroy(client, k_dgi_client_magic); }

int istmo_dgi_client_send(istmo_dgi_answer** out, const istmo_dgi_client* client, const char* xml, size_t len) {
    constexpr std::string_view fn = "istmo_dgi_client_send";
    return guard(fn, [&]() -> int {
        if (out == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out is NULL");
        *out = nullptr;
        if (int rc = check_buffer(xml, len, fn, "xml"); rc != ISTMO_OK) return rc;
        return dgi_client_call(fn, out, client, [&](const dgi::Client& c) { return c.send(std::string_view(xml, len)); });
    });
}

int istmo_dgi_client_query(istmo_dgi_answer** out, const istmo_dgi_client* client, const char* cufe) {
    constexpr std::string_view fn = "istmo_dgi_client_query";
    return guard(fn, [&]() -> int {
        if (out == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "out is NULL");
        *out = nullptr;
        if (cufe == nullptr) return set_error(ISTMO_E_INVALID_ARGUMENT, fn, "cufe is NULL");
        return dgi_client_call(fn, out, client, [&](const dgi::Client& c) { return c.query(cufe); });
    });
}

int istmo_dgi_answer_outcome(const istmo_dgi_answer* answer) {
    constexpr std::string_view fn = "istmo_dgi_answer_outcome";
    return guard(fn, [&]() -> int {
        if (int rc = check_handle(answer, k_dgi_answer_magic, fn, "answer", "istmo_dgi_answer"); rc != ISTMO_OK) return rc;
        return answer->outcome;
    });
}

const char* istmo_dgi_answer_protocol(const istmo_dgi_answer* answer) {
    return dgi_answer_text(answer, "istmo_dgi_answer_protocol", [](const istmo_dgi_answer& a) { return a.protocol.c_str(); });
}

int istmo_dgi_answer_code_count(const istmo_dgi_answer* answer) {
    constexpr std::string_view fn = "istmo_dgi_answer_code_count";
    return guard(fn, [&]() -> int {
        if (int rc = check_handle(answer, k_dgi_answer_magic, fn, "answer", "istmo_dgi_answer"); rc != ISTMO_OK) return rc;
        return static_cast<int>(std::min<std::size_t>(answer->codes.size(), static_cast<std::size_t>(INT32_MAX)));
    });
}

int istmo_dgi_answer_code(const istmo_dgi_answer* answer, size_t index, const char** code, const char** message) {
    constexpr std::string_view fn = "istmo_dgi_answer_code";
    return guard(fn, [&]() -> int {
        if (code != nullptr) *code = nullptr;
        if (message != nullptr) *message = nullptr;
        if (int rc = check_handle(answer, k_dgi_answer_magic, fn, "answer", "istmo_dgi_answer"); rc != ISTMO_OK) return rc;
        if (index >= answer->codes.size())
            return set_error(ISTMO_E_INVALID_ARGUMENT, fn,
                             "index " + std::to_string(index) + " is out of range (the answer has " +
                                 std::to_string(answer->codes.size()) + " result codes)");
        if (code != nullptr) *code = answer->codes[index].first.c_str();
        if (message != nullptr) *message = answer->codes[index].second.c_str();
        return ISTMO_OK;
    });
}

const char* istmo_dgi_answer_container(const istmo_dgi_answer* answer, size_t* len) {
    if (len != nullptr) *len = 0;
    return dgi_answer_text(answer, "istmo_dgi_answer_container", [&](const istmo_dgi_answer& a) {
        if (len != nullptr) *len = a.container.size();
        return a.container.c_str();
    });
}

const char* istmo_dgi_answer_json(const istmo_dgi_answer* answer) {
    return dgi_answer_text(answer, "istmo_dgi_answer_json", [](const istmo_dgi_answer& a) { return a.json.c_str(); });
}

void istmo_dgi_answer_free(istmo_dgi_answer* answer) { destroy(answer, k_dgi_answer_magic); }

}  // extern "C"
