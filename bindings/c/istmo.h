/*
 * istmo C API: XML signatures, verification reports, e-invoices and RFC 3161 timestamps
 * through a stable C ABI (C99, no varargs, no structs to lay out, no callbacks).
 *
 * Installed as <istmo/istmo.h>; link with -listmo-c (pkg-config: istmo-c, CMake:
 * istmo::istmo_c). Only symbols starting with istmo_ are exported.
 *
 * Conventions (see docs/c-api.md for the full policy):
 *  - Every function that can fail returns int: ISTMO_OK (0) or a negative istmo_error code.
 *    After a failure, istmo_last_error_message() gives an English message for the calling
 *    thread, istmo_last_error_message_es() the same in Spanish. A successful call clears them.
 *  - Out-parameters come first. On failure every out-parameter is set to NULL / 0 (when the
 *    out pointer itself is not NULL), so nothing has to be freed after an error.
 *  - Handles are opaque. Each kind has its own free function; free functions accept NULL.
 *    Passing a handle of the wrong kind (or a pointer that is not a handle) is detected by a
 *    tag and reported as ISTMO_E_INVALID_OBJECT. Using a handle after freeing it is undefined
 *    behaviour (the tag is wiped on free, so it is usually, not always, detected).
 *  - Buffers go in as (pointer, length) and need no terminating NUL. Buffers coming out are
 *    allocated by the library, NUL-terminated (the NUL is not counted in the length) and freed
 *    by the caller with istmo_free(). Strings returned as const char* are borrowed: they
 *    belong to the handle (or are static) and must not be freed.
 *  - Strings (paths, passwords, profile names) are NUL-terminated UTF-8.
 *  - Thread safety: each function lists its own. In short, the library may be used from
 *    many threads; keys, certificates and (once filled) trust stores may be shared
 *    read-only between threads; a handle that is being modified (istmo_trust_add_file) or
 *    freed must not be used by another thread at the same time.
 */
#ifndef ISTMO_ISTMO_H
#define ISTMO_ISTMO_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- error codes ------------------------------------------------------------------------ */

/* Return codes. Values never change once released (since 0.1). */
typedef enum istmo_error {
    ISTMO_OK = 0,
    ISTMO_E_INVALID_ARGUMENT = -1,    /* NULL where a value is required, bad length, unknown name */
    ISTMO_E_INVALID_OBJECT = -2,      /* a handle of the wrong kind, or not a handle at all */
    ISTMO_E_NOT_FOUND = -3,           /* a file does not exist */
    ISTMO_E_PERMISSION_DENIED = -4,   /* a file could not be read because of permissions */
    ISTMO_E_IO = -5,                  /* reading or writing failed */
    ISTMO_E_PARSE = -6,               /* input is not well-formed XML / PEM / DER */
    ISTMO_E_LIMIT_EXCEEDED = -7,      /* a safety limit (size, depth, count) was hit */
    ISTMO_E_UNSUPPORTED = -8,         /* feature, profile or algorithm not available in this build */
    ISTMO_E_BAD_PASSWORD = -9,        /* a key could not be decrypted: password missing or wrong */
    ISTMO_E_KEY = -10,                /* key unusable: type, size, or does not match the certificate */
    ISTMO_E_CERTIFICATE = -11,        /* certificate unreadable or unusable */
    ISTMO_E_CRYPTO = -12,             /* a cryptographic operation failed */
    ISTMO_E_UNAVAILABLE = -13,        /* a remote service could not be reached */
    ISTMO_E_DEADLINE_EXCEEDED = -14,  /* a time budget ran out */
    ISTMO_E_FAILED_PRECONDITION = -15,/* an object is in the wrong state for the call */
    ISTMO_E_OUT_OF_MEMORY = -16,      /* an allocation failed */
    ISTMO_E_INTERNAL = -17,           /* a bug or an unexpected library failure: please report it */
    ISTMO_E_MODULE = -18,             /* a PKCS#11 module does not load or does not initialise */
    ISTMO_E_TOKEN_NOT_PRESENT = -19,  /* no PKCS#11 token matches the URI, or it was removed */
    ISTMO_E_PIN_LOCKED = -20          /* the token's user PIN is locked */
} istmo_error;

/* Verification result of a report (ETSI EN 319 102-1). Values never change (since 0.1). */
typedef enum istmo_indication {
    ISTMO_INDICATION_TOTAL_PASSED = 0,
    ISTMO_INDICATION_TOTAL_FAILED = 1,
    ISTMO_INDICATION_INDETERMINATE = 2
} istmo_indication;

/* ---- opaque handles --------------------------------------------------------------------- */

typedef struct istmo_key istmo_key;       /* a private key (with its public half) */
typedef struct istmo_cert istmo_cert;     /* a signer certificate, plus optional chain */
typedef struct istmo_trust istmo_trust;   /* a set of trust anchors */
typedef struct istmo_report istmo_report; /* the result of a verification or validation */

/* ---- library ---------------------------------------------------------------------------- */

/* The library version as MAJOR * 10000 + MINOR * 100 + PATCH (0.1.0 -> 100).
 * Never fails. Thread-safe. Since 0.1. */
int istmo_version(void);

/* The library version as text, e.g. "0.1.0". Static string: do not free.
 * Never fails. Thread-safe. Since 0.1. */
const char* istmo_version_string(void);

/* Initialises the library (the XML parser) once per process. Optional: every other call
 * initialises on demand, but hosts that start many threads at once may call it first.
 * Idempotent and thread-safe. Returns ISTMO_OK, or ISTMO_E_INTERNAL if initialisation
 * failed. Since 0.1. */
int istmo_init(void);

/* The message of the last failed istmo_ call on the calling thread, or "" when the last call
 * succeeded. The string belongs to the library and stays valid until the next istmo_ call
 * on the same thread. Never NULL. Thread-safe (the message is per thread). Since 0.1. */
const char* istmo_last_error_message(void);

/* The same message in Spanish ("" when the last call succeeded): the library's message catalogue
 * gives every message istmo writes in both languages; names, paths and numbers stay as they are,
 * and a lower-level cause (OpenSSL, the OS) stays as that layer wrote it. Same lifetime and
 * thread safety as istmo_last_error_message(). Since 0.2. */
const char* istmo_last_error_message_es(void);

/* A short static description of an istmo_error code ("invalid argument", ...); for an
 * unknown code "unknown error code". Never NULL, do not free. Thread-safe. Since 0.1. */
const char* istmo_strerror(int code);

/* Frees a buffer returned by the library (istmo_sign's out_xml, ...). NULL is a no-op.
 * Never pass handles here: they have their own free functions. Thread-safe. Since 0.1. */
void istmo_free(void* buffer);

/* ---- keys, certificates and trust ------------------------------------------------------- */

/* Loads a private key from a file: PEM (PKCS#8, traditional, encrypted PKCS#8), DER, or
 * PKCS#12, detected by content. password may be NULL (no password); it is needed for
 * encrypted PEM and PKCS#12 files. Accepted keys: RSA 2048..16384 bits, EC P-256/P-384/P-521,
 * Ed25519.
 * Ownership: *out is a new handle, freed with istmo_key_free. path and password are borrowed
 * (the library keeps no copy of the password after the call).
 * Errors: ISTMO_E_INVALID_ARGUMENT (out or path NULL), ISTMO_E_NOT_FOUND,
 * ISTMO_E_PERMISSION_DENIED, ISTMO_E_IO, ISTMO_E_PARSE, ISTMO_E_BAD_PASSWORD (missing or wrong
 * password), ISTMO_E_KEY (unsupported type or size).
 * Thread safety: thread-safe; the key may then be shared read-only by many threads.
 * Since 0.1. */
int istmo_key_load_file(istmo_key** out, const char* path, const char* password);

/* Frees a key. NULL is a no-op. Not while another thread uses the key. Since 0.1. */
void istmo_key_free(istmo_key* key);

/* Opens a key on a PKCS#11 token or HSM named by an RFC 7512 URI ("pkcs11:token=...;object=...").
 * module_path: the PKCS#11 module; NULL: the URI's module-path, then the ISTMO_PKCS11_MODULE
 * environment variable. pin: the user PIN, or NULL (no login / protected authentication path);
 * never put the PIN in the URI (refused). The key signs on the token, from many threads.
 * out_cert may be NULL; otherwise *out_cert is the certificate stored next to the key on the
 * token (same CKA_ID, else label), or NULL when the token has none.
 * Ownership: *out (istmo_key_free) and *out_cert (istmo_cert_free) are new handles; the
 * arguments are borrowed (the PIN is kept only for keys that need it for every signature).
 * Errors: ISTMO_E_INVALID_ARGUMENT (out or uri NULL, malformed URI, several keys match, no
 * module), ISTMO_E_MODULE, ISTMO_E_TOKEN_NOT_PRESENT, ISTMO_E_BAD_PASSWORD (wrong or missing
 * PIN), ISTMO_E_PIN_LOCKED, ISTMO_E_NOT_FOUND (no such key), ISTMO_E_KEY.
 * Thread-safe. Added after 0.1.0 (additive). */
int istmo_key_load_pkcs11(istmo_key** out, istmo_cert** out_cert, const char* uri, const char* module_path,
                          const char* pin);

/* Loads a certificate from a file: DER, or PEM. The first certificate of a PEM file is the
 * signer certificate; any further certificates of the same file are its chain
 * (intermediates), embedded in the signature by istmo_sign so that verifiers can build the
 * path to their trust anchor.
 * Ownership: *out is a new handle, freed with istmo_cert_free; path is borrowed.
 * Errors: ISTMO_E_INVALID_ARGUMENT (out or path NULL), ISTMO_E_NOT_FOUND,
 * ISTMO_E_PERMISSION_DENIED, ISTMO_E_IO, ISTMO_E_PARSE / ISTMO_E_CERTIFICATE (no usable
 * certificate in the file).
 * Thread safety: thread-safe; the certificate may then be shared read-only. Since 0.1. */
int istmo_cert_load_file(istmo_cert** out, const char* path);

/* Frees a certificate. NULL is a no-op. Not while another thread uses it. Since 0.1. */
void istmo_cert_free(istmo_cert* cert);

/* Creates an empty trust store. An empty store trusts nothing: a correct signature is then
 * INDETERMINATE, never TOTAL_PASSED.
 * Ownership: *out is a new handle, freed with istmo_trust_free.
 * Errors: ISTMO_E_INVALID_ARGUMENT (out NULL), ISTMO_E_OUT_OF_MEMORY.
 * Thread-safe. Since 0.1. */
int istmo_trust_new(istmo_trust** out);

/* Adds every certificate of a file (PEM bundle, or one DER certificate) as a trust anchor.
 * On failure the store is unchanged.
 * Errors: ISTMO_E_INVALID_ARGUMENT (trust or path NULL), ISTMO_E_INVALID_OBJECT,
 * ISTMO_E_NOT_FOUND, ISTMO_E_PERMISSION_DENIED, ISTMO_E_IO, ISTMO_E_PARSE,
 * ISTMO_E_CERTIFICATE.
 * Thread safety: modifies the store: no other thread may use this store during the call.
 * Once the last anchor is added the store may be shared read-only. Since 0.1. */
int istmo_trust_add_file(istmo_trust* trust, const char* path);

/* Frees a trust store. NULL is a no-op. Not while another thread uses it. Since 0.1. */
void istmo_trust_free(istmo_trust* trust);

/* ---- signing ---------------------------------------------------------------------------- */

/* Signs the XML document (xml, len) and returns the signed document.
 * profile: "xmldsig" (or NULL, the same): an enveloped XML Signature (W3C XMLDSig 1.1) over
 *   the whole document, exclusive C14N, algorithm from the key (RSA: rsa-sha256; EC:
 *   ecdsa-sha256/384/512 by curve; Ed25519), KeyInfo with the certificate and its chain.
 *   "xades-b-b": XAdES baseline B-B; cert is required (ISTMO_E_INVALID_ARGUMENT without it).
 *   "panama-fe": the Panama DGI e-invoice profile (rFE 1.00): the document must be an unsigned
 *   rFE; enveloped XML Signature placed as the last signed child of rFE, RSA-SHA256, exclusive
 *   C14N, X509SubjectName + X509Certificate of the signer only (a chain in cert is not
 *   embedded); cert is required (ISTMO_E_INVALID_ARGUMENT without it), the key must be RSA
 *   (ISTMO_E_INVALID_ARGUMENT for another key type).
 *   No QR code (gNoFirm/dQRCode) is added: this function has no parameter for the DGI QR
 *   secret, and istmo_invoice_validate reports the missing gNoFirm (FE-XSD-MISSING) of such a
 *   document; istmo_invoice_sign signs with the same profile and adds the QR. A gNoFirm
 *   already in the input is removed before signing.
 *   Any other name: ISTMO_E_INVALID_ARGUMENT.
 * cert may be NULL: KeyInfo then carries the public key (ds:KeyValue). A certificate must
 * belong to the key (ISTMO_E_KEY otherwise).
 * Ownership: *out_xml is a new NUL-terminated buffer of *out_len bytes (NUL not counted),
 * freed with istmo_free. xml, key, cert and profile are borrowed.
 * Errors: ISTMO_E_INVALID_ARGUMENT (out_xml, out_len, xml or key NULL; len larger than
 * PTRDIFF_MAX), ISTMO_E_INVALID_OBJECT, ISTMO_E_UNSUPPORTED, ISTMO_E_PARSE (not well-formed
 * XML), ISTMO_E_LIMIT_EXCEEDED, ISTMO_E_KEY, ISTMO_E_CRYPTO.
 * Thread safety: thread-safe; key and cert may be used by other threads at the same time.
 * Since 0.1. */
int istmo_sign(char** out_xml, size_t* out_len, const char* xml, size_t len,
               const istmo_key* key, const istmo_cert* cert, const char* profile);

/* Two-step signing, first step: builds the signature of (xml, len) for cert without the private
 * key. profile: "xmldsig" (or NULL) or "xades-b-b" (SigningTime fixed now).
 * *out_state: the pending state (JSON) to keep and give to istmo_sign_complete.
 * *out_request: JSON with what the key holder must sign: signature_algorithm (URI),
 * digest_algorithm (URI; null for Ed25519), digest (base64 of that hash of the canonical
 * SignedInfo; null for Ed25519), and for Ed25519 signed_info (base64 of the octets to sign).
 * Ownership: both buffers are new (istmo_free); the rest is borrowed.
 * Errors: ISTMO_E_INVALID_ARGUMENT (NULL arguments, unknown profile), ISTMO_E_INVALID_OBJECT,
 * ISTMO_E_PARSE, ISTMO_E_LIMIT_EXCEEDED, ISTMO_E_KEY, ISTMO_E_UNSUPPORTED.
 * Thread-safe. Added after 0.1.0 (additive). */
int istmo_sign_prepare(char** out_state, size_t* out_state_len, char** out_request, size_t* out_request_len,
                       const char* xml, size_t len, const istmo_cert* cert, const char* profile);

/* Two-step signing, second step: inserts the signature value (value, value_len: RSA bytes,
 * ECDSA r||s or DER, Ed25519 64 bytes) into the pending state (state, state_len) and returns the
 * signed document. The value is verified against the certificate first.
 * Errors: ISTMO_E_INVALID_ARGUMENT (NULL arguments; a value that does not verify; a state that
 * was edited or is not one), ISTMO_E_PARSE.
 * Thread-safe. Added after 0.1.0 (additive). */
int istmo_sign_complete(char** out_xml, size_t* out_len, const char* state, size_t state_len,
                        const unsigned char* value, size_t value_len);

/* ---- verification and reports ----------------------------------------------------------- */

/* Verifies every XML Signature of the document (xml, len) against the trust anchors of
 * trust, at the current time. A document that is broken (not well-formed, no signature,
 * wrong digest, untrusted signer) is NOT an error: the call succeeds and the report says
 * TOTAL_FAILED or INDETERMINATE with findings. An error means the job could not be done.
 * Ownership: *out is a new report handle, freed with istmo_report_free; xml and trust are
 * borrowed.
 * Errors: ISTMO_E_INVALID_ARGUMENT (out, xml or trust NULL; len larger than PTRDIFF_MAX),
 * ISTMO_E_INVALID_OBJECT, ISTMO_E_INTERNAL.
 * Thread safety: thread-safe; the same trust store may be used by many threads at once as
 * long as nobody adds anchors to it meanwhile. Since 0.1. */
int istmo_verify(istmo_report** out, const char* xml, size_t len, const istmo_trust* trust);

/* The overall indication of a report: ISTMO_INDICATION_TOTAL_PASSED (0),
 * ISTMO_INDICATION_TOTAL_FAILED (1) or ISTMO_INDICATION_INDETERMINATE (2); a negative
 * istmo_error (ISTMO_E_INVALID_ARGUMENT for NULL, ISTMO_E_INVALID_OBJECT) otherwise.
 * Thread safety: a report may be read by many threads at once. Since 0.1. */
int istmo_report_indication(const istmo_report* report);

/* The ETSI sub-indication ("HASH_FAILURE", "NO_CERTIFICATE_CHAIN_FOUND", ...), or "" when
 * there is none. Owned by the report: valid until istmo_report_free. NULL (and the last
 * error set) when report is NULL or not a report. Readable from many threads. Since 0.1. */
const char* istmo_report_sub_indication(const istmo_report* report);

/* The whole report as one JSON object (UTF-8). For istmo_verify: the format of
 * docs/report-json.md and of `istmo verify --json` (indication, sub_indication, findings,
 * signatures, references). For istmo_invoice_validate: the invoice report (indication,
 * sub_indication, cufe (the declared dId), cufe_computed, findings with their FE-* codes,
 * signature).
 * Owned by the report: valid until istmo_report_free, do not free it. NULL (and the last
 * error set) when report is NULL or not a report. Readable from many threads. Since 0.1. */
const char* istmo_report_json(const istmo_report* report);

/* Frees a report (and the strings it owns). NULL is a no-op. Since 0.1. */
void istmo_report_free(istmo_report* report);

/* ---- verification options ---------------------------------------------------------------- */

/* Everything the CLI's validation options set (`istmo verify`, `istmo invoice validate`), in one
 * opaque object used by istmo_verify_with_options and istmo_invoice_validate_with_options:
 *
 *   CLI option                istmo_verify_options_...
 *   --at TIME                 set_time (seconds since 1970-01-01T00:00:00Z)
 *   --trust FILE              add_trust_file
 *   --trust-dir DIR           add_trust_dir
 *   --untrusted FILE          add_untrusted_file
 *   --legacy                  set_legacy
 *   --revocation POLICY       set_revocation ("auto", "require", "off")
 *   --offline                 set_offline
 *   --crl FILE                add_crl_file
 *   --ocsp-response FILE      add_ocsp_response_file
 *   --revocation-cache DIR    set_revocation_cache_dir
 *
 * A new object holds the defaults: validation at the current time, no trust anchors, no
 * untrusted certificates, no legacy algorithms, revocation policy "auto" (a status is required
 * for every certificate that publishes a CRL or OCSP URL; fetched when needed), no CRL or OCSP
 * files, no cache directory (docs/revocation.md).
 * Files are read by the setter (a file that cannot be loaded is the setter's error), and on
 * failure a setter leaves the object unchanged. Fetched CRLs and OCSP responses are cached in
 * the object and shared by every call that uses it.
 * Thread safety: setters modify the object: no other thread may use it during a setter. Once
 * set up, one object may be used by many threads at once for verifications.
 * Since 0.2 (version node ISTMO_C_0.2), additively: istmo_verify and istmo_invoice_validate
 * are unchanged. A program that must also run with a 0.1 libistmo-c.so.0 can look these
 * symbols up with dlsym.
 */
typedef struct istmo_verify_options istmo_verify_options;

/* Creates an options object with the defaults above.
 * Ownership: *out is a new handle, freed with istmo_verify_options_free.
 * Errors: ISTMO_E_INVALID_ARGUMENT (out NULL), ISTMO_E_OUT_OF_MEMORY. Thread-safe. */
int istmo_verify_options_new(istmo_verify_options** out);

/* Frees an options object. NULL is a no-op. Not while another thread uses it. */
void istmo_verify_options_free(istmo_verify_options* options);

/* Validates certificate paths (and certificate status) at unix_seconds (seconds since
 * 1970-01-01T00:00:00Z, UTC) instead of the current time. For an invoice, an explicit time also
 * enables the checks that compare the invoice with it (docs/panama-fe.md, FE-CONT-72H-AT).
 * Errors: ISTMO_E_INVALID_ARGUMENT (options NULL; a time before year 1 or after year 9999),
 * ISTMO_E_INVALID_OBJECT. */
int istmo_verify_options_set_time(istmo_verify_options* options, long long unix_seconds);

/* Adds every certificate of a file (PEM bundle or DER) as a trust anchor.
 * Errors: ISTMO_E_INVALID_ARGUMENT (options or path NULL), ISTMO_E_INVALID_OBJECT,
 * ISTMO_E_NOT_FOUND, ISTMO_E_PERMISSION_DENIED, ISTMO_E_IO, ISTMO_E_PARSE, ISTMO_E_CERTIFICATE. */
int istmo_verify_options_add_trust_file(istmo_verify_options* options, const char* path);

/* Adds every *.pem, *.crt, *.cer and *.der file of a directory (not recursive) as anchors.
 * Errors: as istmo_verify_options_add_trust_file; ISTMO_E_NOT_FOUND when dir is not a
 * directory. */
int istmo_verify_options_add_trust_dir(istmo_verify_options* options, const char* dir);

/* Adds the certificates of a file (PEM bundle or DER) as untrusted intermediates: offered for
 * building the signer's (and a time-stamp authority's) path when the document does not carry
 * them; never trust anchors.
 * Errors: as istmo_verify_options_add_trust_file. */
int istmo_verify_options_add_untrusted_file(istmo_verify_options* options, const char* path);

/* enabled != 0: accept SHA-1 digests and signatures and RSA keys from 1024 bits, reported as
 * weak (warning findings; for invoices FE-SIG-LEGACY). 0 (the default): such a signature is
 * INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE.
 * Errors: ISTMO_E_INVALID_ARGUMENT (options NULL), ISTMO_E_INVALID_OBJECT. */
int istmo_verify_options_set_legacy(istmo_verify_options* options, int enabled);

/* The revocation policy: "auto" (the default; a status is required for every certificate that
 * publishes a CRL distribution point or an OCSP URL, one that publishes none is accepted with a
 * warning finding), "require" (every certificate of the path but the anchor needs a status;
 * none to be had gives INDETERMINATE / TRY_LATER), "off" (nothing is checked; a warning
 * finding says so).
 * Errors: ISTMO_E_INVALID_ARGUMENT (options or policy NULL; another name),
 * ISTMO_E_INVALID_OBJECT. */
int istmo_verify_options_set_revocation(istmo_verify_options* options, const char* policy);

/* enabled != 0: never fetch CRLs or OCSP responses; only the files given and what the document
 * carries are used.
 * Errors: ISTMO_E_INVALID_ARGUMENT (options NULL), ISTMO_E_INVALID_OBJECT. */
int istmo_verify_options_set_offline(istmo_verify_options* options, int enabled);

/* Adds a CRL (DER or PEM file) to use for certificate status. Its signature and dates are
 * checked when it is used, like a fetched one.
 * Errors: ISTMO_E_INVALID_ARGUMENT (options or path NULL), ISTMO_E_INVALID_OBJECT,
 * ISTMO_E_NOT_FOUND, ISTMO_E_PERMISSION_DENIED, ISTMO_E_IO, ISTMO_E_PARSE (not a CRL),
 * ISTMO_E_LIMIT_EXCEEDED (larger than 16 MiB). */
int istmo_verify_options_add_crl_file(istmo_verify_options* options, const char* path);

/* Adds an OCSP response (DER OCSPResponse file) to use for certificate status; verified when
 * it is used, like a fetched one.
 * Errors: as istmo_verify_options_add_crl_file (ISTMO_E_LIMIT_EXCEEDED above 64 KiB). */
int istmo_verify_options_add_ocsp_response_file(istmo_verify_options* options, const char* path);

/* Keeps fetched CRLs and OCSP responses in the directory dir between runs (until their
 * nextUpdate); NULL or "" for none (the default). The directory is created when needed.
 * Errors: ISTMO_E_INVALID_ARGUMENT (options NULL), ISTMO_E_INVALID_OBJECT. */
int istmo_verify_options_set_revocation_cache_dir(istmo_verify_options* options, const char* dir);

/* istmo_verify with options: the anchors of trust (which may be NULL) and those of options
 * are used together; options NULL is the defaults, so istmo_verify_with_options(out, xml, len,
 * trust, NULL) is istmo_verify(out, xml, len, trust).
 * Ownership, errors and thread safety: as istmo_verify (trust may be NULL here);
 * ISTMO_E_INVALID_OBJECT also for an options handle of the wrong kind. */
int istmo_verify_with_options(istmo_report** out, const char* xml, size_t len,
                              const istmo_trust* trust, const istmo_verify_options* options);

/* istmo_invoice_validate with options (set_legacy is ISTMO_INVOICE_LEGACY): the anchors of
 * trust (which may be NULL) and those of options are used together; options NULL is the
 * defaults.
 * Ownership, errors and thread safety: as istmo_invoice_validate (trust may be NULL here). */
int istmo_invoice_validate_with_options(istmo_report** out, const char* xml, size_t len,
                                        const istmo_trust* trust,
                                        const istmo_verify_options* options);

/* ---- e-invoices (Panama DGI "rFE" 1.00) -------------------------------------------------- */

/* Validates a Panama e-invoice (rFE 1.00) into a report: well-formedness, structure (element
 * order, occurrences, types, lengths, patterns, catalogues), arithmetic, cross-field rules,
 * CUFE (dId), RUC check digits, the QR (gNoFirm) and the XML Signature against the anchors of
 * trust, at the current time. A signature and gNoFirm are required. An invalid invoice is NOT
 * an error: the call succeeds and the report says TOTAL_FAILED (or INDETERMINATE when only the
 * signer could not be trusted), with findings whose codes ("FE-CUFE-MISMATCH", ...) are listed
 * in docs/panama-fe.md. istmo_report_indication, istmo_report_sub_indication and
 * istmo_report_json work on the report; the JSON is the invoice report (indication,
 * sub_indication, cufe (the declared dId), cufe_computed, findings, signature, ...).
 * Ownership: *out is a new report handle, freed with istmo_report_free; xml and trust are
 * borrowed.
 * Errors: ISTMO_E_INVALID_ARGUMENT (out, xml or trust NULL; len larger than PTRDIFF_MAX),
 * ISTMO_E_INVALID_OBJECT, ISTMO_E_INTERNAL.
 * Thread safety: thread-safe, like istmo_verify. Since 0.1. */
int istmo_invoice_validate(istmo_report** out, const char* xml, size_t len,
                           const istmo_trust* trust);

/* Flags of istmo_invoice_validate_ex (bits; unknown bits are refused). */
/* Accept SHA-1 digests and signatures (and RSA keys from 1024 bits) with a warning
 * (FE-SIG-LEGACY): the DGI accepts SHA-1 in production. Without it such a signature is
 * INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE with the finding FE-SIG-LEGACY-REFUSED. */
#define ISTMO_INVOICE_LEGACY 0x1u

/* istmo_invoice_validate with options as flag bits (ISTMO_INVOICE_*); flags 0 is exactly
 * istmo_invoice_validate. Later options become new bits, never a new signature.
 * Errors: as istmo_invoice_validate, and ISTMO_E_INVALID_ARGUMENT for an unknown flag bit.
 * Thread safety: thread-safe, like istmo_verify. Since 0.1 (added after istmo_invoice_validate). */
int istmo_invoice_validate_ex(istmo_report** out, const char* xml, size_t len,
                              const istmo_trust* trust, unsigned int flags);

/* Builds an unsigned Panama e-invoice XML document (rFE 1.00, UTF-8, default namespace
 * http://dgi-fep.mef.gob.pa, schema element order) from its JSON description, which mirrors
 * the XML with the DGI field names: {"dVerForm": "1.00", "gDGen": {...}, "gItem": [{...}],
 * "gTot": {...}} (objects are groups, arrays repeated elements, strings and numbers field
 * values). What can be derived and is absent is filled in: item prices and taxes, the gTot
 * totals, dNroItems, dSecItem, a single payment form's dVlrCuota, and dId (the CUFE); values
 * that are given are checked. Sign the result with istmo_sign(..., "panama-fe").
 * Ownership: *out_xml is a new NUL-terminated buffer of *out_len bytes (NUL not counted),
 * freed with istmo_free. json is borrowed.
 * Errors: ISTMO_E_INVALID_ARGUMENT (out_xml, out_len or json NULL; len larger than
 * PTRDIFF_MAX; unknown field name, wrong value, or a given value that does not match the
 * derived one: the message names the field), ISTMO_E_PARSE (not JSON),
 * ISTMO_E_LIMIT_EXCEEDED.
 * Thread-safe. Since 0.1. */
int istmo_invoice_from_json(char** out_xml, size_t* out_len, const char* json, size_t len);

/* Computes the CUFE (Codigo Unico de Factura Electronica, 66 characters) of a Panama
 * e-invoice from its fields (iDoc, dTipoRuc, dRuc, dDV, dSucEm, dFechaEm, dNroDF, dPtoFacDF,
 * iTpEmis, iAmb, dSeg), whatever the dId of the document says: compare the two to check it.
 * Ownership: *out is a new NUL-terminated string, freed with istmo_free; xml is borrowed.
 * Errors: ISTMO_E_INVALID_ARGUMENT (out or xml NULL; len larger than PTRDIFF_MAX; a CUFE
 * field missing or malformed: the message names it; a root that is not rFE in the DGI
 * namespace), ISTMO_E_PARSE (not well-formed XML), ISTMO_E_LIMIT_EXCEEDED.
 * Thread-safe. Since 0.1. */
int istmo_invoice_cufe(char** out, const char* xml, size_t len);

/* Signs an unsigned Panama e-invoice (rFE 1.00) with the "panama-fe" profile, as
 * istmo_sign(..., "panama-fe") does, and then adds the QR code that the DGI requires:
 * gNoFirm/dQRCode after the Signature, outside the signed content, holding the consultation URL
 * with chFE (the dId), iAmb, digestValue (the signature's DigestValue) and an HS256 JWT over
 * them keyed with the "codigo QR" secret. The result is what istmo_invoice_validate accepts.
 * qr_secret, qr_secret_len: the QR secret as bytes (any values, NUL included; no terminating
 *   NUL needed). The library copies it into a buffer that it wipes after use, never writes it
 *   to an error message, and keeps nothing after the call; wiping the caller's own copy is the
 *   caller's business.
 * qr_base_url: NULL for the DGI consultation URL that matches the invoice's iAmb (production
 *   https://dgi-fep.mef.gob.pa/Consultas/FacturasPorQR, test
 *   https://dgi-fep-test.mef.gob.pa:40001/Consultas/FacturasPorQR), or a NUL-terminated URL to
 *   use instead (e.g. a PAC's).
 * cert is required (the signer certificate goes into KeyInfo; a chain in cert is not embedded)
 * and the key must be RSA. A gNoFirm already in the input is removed first; an input that is
 * already signed is ISTMO_E_FAILED_PRECONDITION.
 * Ownership: *out_xml is a new NUL-terminated buffer of *out_len bytes (NUL not counted),
 * freed with istmo_free. xml, key, cert, qr_secret and qr_base_url are borrowed.
 * Errors: ISTMO_E_INVALID_ARGUMENT (out_xml, out_len, xml, key, cert or qr_secret NULL;
 * qr_secret_len 0; a length larger than PTRDIFF_MAX; a key that is not RSA; a root that is not
 * rFE in the DGI namespace), ISTMO_E_INVALID_OBJECT, ISTMO_E_PARSE (not well-formed XML),
 * ISTMO_E_LIMIT_EXCEEDED, ISTMO_E_FAILED_PRECONDITION, ISTMO_E_KEY, ISTMO_E_CRYPTO.
 * Thread safety: thread-safe; key and cert may be used by other threads at the same time.
 * Added after 0.1.0 (an additive change: istmo_sign is unchanged); a program that must also
 * run with an older libistmo-c.so.0 can look the symbol up with dlsym. */
int istmo_invoice_sign(char** out_xml, size_t* out_len, const char* xml, size_t len,
                       const istmo_key* key, const istmo_cert* cert,
                       const unsigned char* qr_secret, size_t qr_secret_len,
                       const char* qr_base_url);

/* Flags of istmo_invoice_cafe (bits; unknown bits are refused). Paper: letter by default. */
#define ISTMO_CAFE_HTML 0x1u        /* one self-contained HTML page instead of PDF */
#define ISTMO_CAFE_PAPER_A4 0x2u    /* A4 pages */
#define ISTMO_CAFE_PAPER_80MM 0x4u  /* an 80 mm receipt roll (excludes ISTMO_CAFE_PAPER_A4) */
#define ISTMO_CAFE_ENGLISH 0x8u     /* English instead of Spanish */

/* Renders the CAFE (Comprobante Auxiliar de Factura Electronica), the printed form of a signed
 * Panama e-invoice with its verification QR (gNoFirm/dQRCode): PDF with DejaVu fonts embedded
 * as subsets, or HTML (ISTMO_CAFE_HTML). xml is a signed rFE, or an rContFe whose xProtFe holds
 * the authorisation protocol (then printed with its date). Without a protocol answering 0260
 * for this CUFE the CAFE says "documento no autorizado"; iAmb 2 adds the test-environment
 * legend. Long invoices continue on further pages, the totals on the last. The CAFE shows what
 * the document says: validate it first (istmo_invoice_validate).
 * Ownership: *out is a new buffer of *out_len bytes followed by a NUL (not counted), freed with
 * istmo_free; xml is borrowed.
 * Errors: ISTMO_E_INVALID_ARGUMENT (out, out_len or xml NULL; len larger than PTRDIFF_MAX; an
 * unknown flag bit or both paper bits; no rFE; an rFE without gNoFirm/dQRCode), ISTMO_E_PARSE
 * (not well-formed XML), ISTMO_E_LIMIT_EXCEEDED (input limits, or a dQRCode too long for a QR
 * code), ISTMO_E_INTERNAL (the PDF could not be written).
 * Thread-safe. Added after 0.1.0 (additive); look it up with dlsym to run with an older
 * libistmo-c.so.0. */
int istmo_invoice_cafe(char** out, size_t* out_len, const char* xml, size_t len, unsigned int flags);

/* ---- timestamps (RFC 3161) ------------------------------------------------------------- */

/* Requests an RFC 3161 timestamp over data (hashed with SHA-256, a fresh nonce, certReq set)
 * from the TSA at tsa_url ("http://..." or "https://...", HTTPS verified against the system
 * CAs) and returns the DER TimeStampToken (the ContentInfo that XAdES and CAdES embed). The
 * answer is verified before it is returned: status, imprint, nonce, the TSA's signature and
 * certificate (extended key usage timeStamping) against the anchors of tsa_trust, and the
 * genTime within 5 minutes of the local clock. Timeouts: 5 s to connect, 15 s per exchange,
 * 60 s in all, with 2 retries of failures that may pass.
 * Ownership: *out_der is a new buffer of *out_len bytes, freed with istmo_free (one extra
 * zero byte follows it, not counted). data, tsa_url and tsa_trust are borrowed.
 * Errors: ISTMO_E_INVALID_ARGUMENT (out_der, out_len, data, tsa_url or tsa_trust NULL; len
 * larger than PTRDIFF_MAX; an unusable URL), ISTMO_E_INVALID_OBJECT, ISTMO_E_UNAVAILABLE (no
 * answer from the TSA: refused, unreachable, HTTP error, request rejected, or a token that
 * failed verification -- the message says which), ISTMO_E_DEADLINE_EXCEEDED,
 * ISTMO_E_LIMIT_EXCEEDED (response larger than 1 MiB).
 * Thread-safe; the trust store may be shared. Blocks the calling thread for the exchange.
 * Since 0.1. */
int istmo_timestamp_request(unsigned char** out_der, size_t* out_len, const unsigned char* data,
                            size_t len, const char* tsa_url, const istmo_trust* tsa_trust);

/* ---- long-term signatures ---------------------------------------------------------------- */

/* Augments the XAdES signatures of xml (made by istmo or anyone else; every one that is not a
 * counter-signature) to level "b-t", "b-lt" or "b-lta" (ETSI EN 319 132-1) without changing a
 * signed byte: a SignatureTimeStamp when there is none; for b-lt also CertificateValues and
 * RevocationValues (OCSP responses / CRLs fetched for the signer's and the TSAs' paths); for b-lta
 * also an ArchiveTimeStamp (on a B-LTA a new one: renewal). Time-stamps come from tsa_url and are
 * verified against tsa_trust (also the anchors of TSA paths). options (may be NULL: nothing
 * trusted) gives the anchors of the signer's path (istmo_verify_options_add_trust_file/dir),
 * intermediates, the time (istmo_verify_options_set_time) and the revocation settings (policy,
 * CRL / OCSP files, offline, cache).
 * Ownership: *out_xml is a new NUL-terminated buffer of *out_len bytes, freed with istmo_free;
 * the other arguments are borrowed.
 * Errors: ISTMO_E_INVALID_ARGUMENT (NULL arguments; an unknown level; no XAdES signature; the
 * signer's path not valid), ISTMO_E_INVALID_OBJECT, ISTMO_E_PARSE, ISTMO_E_UNAVAILABLE (no
 * time-stamp, or a required certificate status that could not be had),
 * ISTMO_E_DEADLINE_EXCEEDED. Thread-safe; blocks for the network exchanges. Since 0.2. */
int istmo_extend(char** out_xml, size_t* out_len, const char* xml, size_t len, const char* level,
                 const char* tsa_url, const istmo_trust* tsa_trust, const istmo_verify_options* options);

/* ---- DGI web services (Panama e-invoice) ------------------------------------------------- */

typedef struct istmo_dgi_options istmo_dgi_options; /* how to reach the DGI (or a PAC, or the simulator) */
typedef struct istmo_dgi_answer istmo_dgi_answer;   /* one answer of the DGI, read into its parts */

/* What a DGI answer says (istmo_dgi_answer_outcome). Values never change (since 0.2). */
typedef enum istmo_dgi_outcome {
    ISTMO_DGI_AUTHORISED = 0, /* feRecepFE: a protocol with code 0260 */
    ISTMO_DGI_REGISTERED = 1, /* an event registered (0600) */
    ISTMO_DGI_FOUND = 2,      /* feConsFE: the CUFE is known (0422) */
    ISTMO_DGI_ACCEPTED = 3,   /* a batch accepted */
    ISTMO_DGI_DUPLICATE = 4,  /* a code that means "already registered" (e.g. 0622) */
    ISTMO_DGI_REJECTED = 5,   /* an error code (see istmo_dgi_answer_code) */
    ISTMO_DGI_FAULT = 6       /* a SOAP Fault */
} istmo_dgi_outcome;

/* New connection options for environment 1 (production) or 2 (test): the iAmb of every request,
 * never assumed. Defaults: the DGI's base URL of that environment (docs/dgi.md), SOAP 1.2, the
 * system CAs, no client certificate, 30 s per request, answers up to 1 MiB (feConsFE: 16 MiB).
 * Ownership: *out is a new handle, freed with istmo_dgi_options_free.
 * Errors: ISTMO_E_INVALID_ARGUMENT (out NULL, environment not 1 or 2). Thread-safe. Since 0.2. */
int istmo_dgi_options_new(istmo_dgi_options** out, int environment);

/* Sets one option by the name `istmo dgi` gives it on the command line (docs/dgi.md):
 *   "endpoint" base URL (http:// or https://; the service path is added),
 *   "soap" "1.2" or "1.1", "cacert" PEM file to verify the server with,
 *   "client-cert" and "client-key" the transmission certificate and key (PEM files),
 *   "client-p12" the same as PKCS#12, "password" of the key or PKCS#12 (copied, never logged),
 *   "proxy" http://host:port, "timeout" seconds per request (1..600),
 *   "resends" sends after a lost answer that feConsFE did not find (0..5),
 *   "max-response" largest answer in bytes, for every operation (1 KiB .. 1 GiB).
 * Errors: ISTMO_E_INVALID_ARGUMENT (NULL arguments, an unknown name, a value out of range),
 * ISTMO_E_INVALID_OBJECT. Not thread-safe on the same handle. Since 0.2. */
int istmo_dgi_options_set(istmo_dgi_options* options, const char* name, const char* value);

/* Frees connection options (wiping the password). NULL is a no-op. Since 0.2. */
void istmo_dgi_options_free(istmo_dgi_options* options);

/* feRecepFE: sends one signed rFE for authorisation, with safe resend: when the answer is lost
 * (deadline, broken connection, HTTP error) the rFE is looked up with feConsFE before it is sent
 * again, so that it is never authorised twice by istmo's doing. A rejection is NOT an error: the
 * call succeeds and the answer says ISTMO_DGI_REJECTED with its codes.
 * Ownership: *out is a new answer, freed with istmo_dgi_answer_free; the rest is borrowed.
 * Errors: ISTMO_E_INVALID_ARGUMENT (NULL arguments; len larger than PTRDIFF_MAX; an rFE without
 * a usable CUFE or for the other environment), ISTMO_E_INVALID_OBJECT, ISTMO_E_PARSE (not XML, or
 * the answer is not a DGI answer), ISTMO_E_UNAVAILABLE / ISTMO_E_DEADLINE_EXCEEDED (no answer:
 * the rFE's state is unknown; query it before sending again), ISTMO_E_LIMIT_EXCEEDED (answer
 * larger than "max-response"), ISTMO_E_CERTIFICATE / ISTMO_E_KEY / ISTMO_E_BAD_PASSWORD (the
 * client certificate). Thread-safe; blocks for the exchange. Since 0.2. */
int istmo_dgi_send(istmo_dgi_answer** out, const char* xml, size_t len, const istmo_dgi_options* options);

/* feConsFE: the DGI's record of the rFE whose CUFE is given (66 characters): ISTMO_DGI_FOUND with
 * its protocol and the container rContFe (istmo_dgi_answer_container), or ISTMO_DGI_REJECTED.
 * Errors as istmo_dgi_send. Thread-safe; blocks for the exchange. Since 0.2. */
int istmo_dgi_query(istmo_dgi_answer** out, const char* cufe, const istmo_dgi_options* options);

/* A DGI client made once and reused for many calls: its TLS context (with the client
 * certificate loaded once), its connections and its I/O thread live as long as the handle, where
 * istmo_dgi_send / istmo_dgi_query make (and tear down) a client for every call. */
typedef struct istmo_dgi_client istmo_dgi_client;

/* A new client with (a copy of) these options; the options may be changed or freed afterwards
 * without affecting it. The client certificate and key are read here, so their errors come here.
 * Ownership: *out is a new handle, freed with istmo_dgi_client_free.
 * Errors: ISTMO_E_INVALID_ARGUMENT (NULL arguments, an unusable endpoint or transport option, a
 * client certificate, key or PKCS#12 that cannot be read or a wrong password for it),
 * ISTMO_E_INVALID_OBJECT. Thread-safe. Since 0.2. */
int istmo_dgi_client_new(istmo_dgi_client** out, const istmo_dgi_options* options);

/* Frees a client (no other thread may still be using it). NULL is a no-op. Since 0.2. */
void istmo_dgi_client_free(istmo_dgi_client* client);

/* istmo_dgi_send and istmo_dgi_query on a client made once: the same answers and errors.
 * Thread-safe: one client may serve many threads at once. Since 0.2. */
int istmo_dgi_client_send(istmo_dgi_answer** out, const istmo_dgi_client* client, const char* xml, size_t len);
int istmo_dgi_client_query(istmo_dgi_answer** out, const istmo_dgi_client* client, const char* cufe);

/* The answer's istmo_dgi_outcome (>= 0), or a negative istmo_error (ISTMO_E_INVALID_ARGUMENT
 * for NULL, ISTMO_E_INVALID_OBJECT). Since 0.2. */
int istmo_dgi_answer_outcome(const istmo_dgi_answer* answer);

/* The authorisation protocol as the DGI's 20 digits ("" when the answer has none); NULL for a
 * NULL or foreign handle. Borrowed from the answer. Since 0.2. */
const char* istmo_dgi_answer_protocol(const istmo_dgi_answer* answer);

/* How many result codes (gResProc) the answer carries (>= 0), or a negative istmo_error. */
int istmo_dgi_answer_code_count(const istmo_dgi_answer* answer);

/* Result code `index` (0-based, document order): *code the DGI's code ("0260", "1602", ...),
 * *message its dMsgRes as sent (for people; never interpret it). Both borrowed from the answer;
 * either out pointer may be NULL. Errors: ISTMO_E_INVALID_ARGUMENT (index out of range),
 * ISTMO_E_INVALID_OBJECT. Since 0.2. */
int istmo_dgi_answer_code(const istmo_dgi_answer* answer, size_t index, const char** code, const char** message);

/* feConsFE's container rContFe as an XML document ("" when the answer has none), its length in
 * *len when len is not NULL; NULL for a NULL or foreign handle. Borrowed. Since 0.2. */
const char* istmo_dgi_answer_container(const istmo_dgi_answer* answer, size_t* len);

/* The whole answer as one JSON object (the form `istmo dgi --json` prints: outcome, protocol,
 * codes with their meaning in English and Spanish, findings); NULL for a NULL or foreign handle.
 * Borrowed. Since 0.2. */
const char* istmo_dgi_answer_json(const istmo_dgi_answer* answer);

/* Frees an answer. NULL is a no-op. Since 0.2. */
void istmo_dgi_answer_free(istmo_dgi_answer* answer);

#ifdef __cplusplus
}
#endif

#endif /* ISTMO_ISTMO_H */
