#pragma once
// Signing keys on PKCS#11 tokens and HSMs (smart cards, USB tokens, network HSMs, SoftHSM2),
// named by an RFC 7512 URI such as "pkcs11:token=Firma;object=signer;type=private".
//
// The key never leaves the token: istmo hashes the data and the token signs the digest
// (RSA PKCS#1 v1.5, RSA-PSS, ECDSA on P-256/P-384/P-521). The PrivateKey returned is used like a
// key from a file (dsig::Signer, xades, invoice signing). One login per key; the key may sign
// from many threads at once (each signature takes a session of its own from a small pool).
//
// Thread safety: load_pkcs11_key may be called from several threads; the keys it returns are
// immutable and safe to share.
#include <istmo/core/result.hpp>
#include <istmo/crypto/keys.hpp>
#include <istmo/export.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace istmo::crypto {

struct Pkcs11Options {
    // The PKCS#11 module (a shared library, e.g. /usr/lib/softhsm/libsofthsm2.so). Empty: the
    // URI's module-path attribute, then the ISTMO_PKCS11_MODULE environment variable.
    std::string module_path;
    // The user PIN. Without one, the token must not need a login (or have a protected
    // authentication path such as a PIN pad). A PIN inside the URI (pin-value) is refused.
    std::optional<Secret> pin;
};

// A key on a token, and the certificate stored next to it (same CKA_ID, else same label)
// when the token has one.
struct Pkcs11Key {
    PrivateKey key;
    std::optional<Certificate> certificate;
};

// True when text starts with the "pkcs11:" scheme (case-insensitive).
[[nodiscard]] ISTMO_API bool is_pkcs11_uri(std::string_view text) noexcept;

// Opens the module, finds the token and the private key the URI names, logs in once.
// Errors (Error::code):
//   invalid_argument   the URI is malformed, has unknown attributes or a PIN in it, or names
//                      several keys; no module given
//   module_error       the module does not load, is not PKCS#11, or does not initialise
//   token_not_present  no token matching the URI is present
//   bad_password       wrong PIN, or the token needs a PIN and none was given
//   pin_locked         the user PIN is locked
//   not_found          no private key matches the URI on the token
//   key_error          a key type or size istmo does not sign with, or its public half unreadable
[[nodiscard]] ISTMO_API Result<Pkcs11Key> load_pkcs11_key(std::string_view uri, const Pkcs11Options& options);

}  // namespace istmo::crypto
