// Keys on PKCS#11 tokens: the token the URI names, its private key and certificate, and the
// KeyBackend that has the token sign digests.
#include <istmo/crypto/pkcs11.hpp>

#include "crypto/detail.hpp"
#include "crypto/pkcs11_module.hpp"
#include "crypto/pkcs11_uri.hpp"

#include <openssl/objects.h>

#include <array>
#include <cstdlib>
#include <cstring>

namespace istmo::crypto {
namespace pkcs11 {
namespace {

// A fixed-width, blank-padded CK_*_INFO field as a string.
template <std::size_t N>
std::string trimmed(const unsigned char (&field)[N]) {
    std::string text(reinterpret_cast<const char*>(field), N);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\0')) text.pop_back();
    return text;
}

bool matches(const std::optional<std::string>& wanted, const std::string& actual) {
    return !wanted || *wanted == actual;
}

struct FoundToken {
    ck_slot_id_t slot = 0;
    ck_flags_t flags = 0;
};

Result<bool> library_matches(const ck_function_list& fn, const Uri& uri) {
    if (!uri.library_manufacturer && !uri.library_description) return true;
    ck_info info{};
    if (const ck_rv_t rv = fn.C_GetInfo(&info); rv != CKR_OK) return rv_error(rv, "cannot read the module information");
    return matches(uri.library_manufacturer, trimmed(info.manufacturer_id)) &&
           matches(uri.library_description, trimmed(info.library_description));
}

bool slot_matches(const ck_function_list& fn, ck_slot_id_t slot, const Uri& uri) {
    if (uri.slot_id && *uri.slot_id != slot) return false;
    if (!uri.slot_description && !uri.slot_manufacturer) return true;
    ck_slot_info info{};
    if (fn.C_GetSlotInfo(slot, &info) != CKR_OK) return false;
    return matches(uri.slot_description, trimmed(info.slot_description)) &&
           matches(uri.slot_manufacturer, trimmed(info.manufacturer_id));
}

// The one initialised token that the URI's token and slot attributes name.
Result<FoundToken> find_token(const ck_function_list& fn, const Uri& uri) {
    auto library = library_matches(fn, uri);
    if (!library) return std::move(library).error();
    unsigned long count = 0;
    if (const ck_rv_t rv = fn.C_GetSlotList(1, nullptr, &count); rv != CKR_OK)
        return rv_error(rv, "cannot list the token slots", Errc::module_error);
    std::vector<ck_slot_id_t> slots(count);
    if (count > 0)
        if (const ck_rv_t rv = fn.C_GetSlotList(1, slots.data(), &count); rv != CKR_OK)
            return rv_error(rv, "cannot list the token slots", Errc::module_error);
    slots.resize(count);
    std::vector<FoundToken> found;
    for (ck_slot_id_t slot : slots) {
        ck_token_info info{};
        if (!*library || fn.C_GetTokenInfo(slot, &info) != CKR_OK) continue;
        if (!(info.flags & CKF_TOKEN_INITIALIZED)) continue;
        if (matches(uri.token, trimmed(info.label)) && matches(uri.manufacturer, trimmed(info.manufacturer_id)) &&
            matches(uri.model, trimmed(info.model)) && matches(uri.serial, trimmed(info.serial_number)) &&
            slot_matches(fn, slot, uri))
            found.push_back({slot, info.flags});
    }
    if (found.empty()) {
        return make_error(Errc::token_not_present,
                          uri.token ? "no token matching the PKCS#11 URI is present (token=\"" + *uri.token + "\")"
                                    : std::string("no token matching the PKCS#11 URI is present"));
    }
    if (found.size() > 1)
        return make_error(Errc::invalid_argument,
                          "the PKCS#11 URI matches " + std::to_string(found.size()) + " tokens; name one with token=");
    return found.front();
}

// An attribute's value; nullopt when the object does not have it (or keeps it secret).
std::optional<Bytes> attribute(const ck_function_list& fn, ck_session_handle_t session, ck_object_handle_t object,
                               ck_attribute_type_t type) {
    ck_attribute attr{type, nullptr, 0};
    if (fn.C_GetAttributeValue(session, object, &attr, 1) != CKR_OK || attr.value_len == static_cast<unsigned long>(-1))
        return std::nullopt;
    Bytes value(attr.value_len);
    attr.value = value.data();
    if (fn.C_GetAttributeValue(session, object, &attr, 1) != CKR_OK) return std::nullopt;
    value.resize(attr.value_len);
    return value;
}

// Every object of the class whose label and id are as given (absent: any).
Result<std::vector<ck_object_handle_t>> find_objects(const ck_function_list& fn, ck_session_handle_t session,
                                                     ck_object_class_t object_class, const std::optional<std::string>& label,
                                                     const std::optional<Bytes>& id) {
    std::vector<ck_attribute> wanted;
    wanted.push_back({CKA_CLASS, &object_class, sizeof object_class});
    std::string label_copy = label.value_or("");
    Bytes id_copy = id.value_or(Bytes{});
    if (label) wanted.push_back({CKA_LABEL, label_copy.data(), label_copy.size()});
    if (id) wanted.push_back({CKA_ID, id_copy.data(), id_copy.size()});
    if (const ck_rv_t rv = fn.C_FindObjectsInit(session, wanted.data(), wanted.size()); rv != CKR_OK)
        return rv_error(rv, "cannot search the token");
    std::vector<ck_object_handle_t> objects;
    std::array<ck_object_handle_t, 8> batch{};
    unsigned long got = 0;
    ck_rv_t rv = CKR_OK;
    while ((rv = fn.C_FindObjects(session, batch.data(), batch.size(), &got)) == CKR_OK && got > 0 && objects.size() < 64)
        objects.insert(objects.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(got));
    static_cast<void>(fn.C_FindObjectsFinal(session));
    if (rv != CKR_OK) return rv_error(rv, "cannot search the token");
    return objects;
}

std::string curve_from_params(const Bytes& params) {
    const unsigned char* p = params.data();
    internal::Asn1ObjectPtr oid(d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(params.size())));
    if (!oid) return {};
    switch (OBJ_obj2nid(oid.get())) {
        case NID_X9_62_prime256v1: return "P-256";
        case NID_secp384r1: return "P-384";
        case NID_secp521r1: return "P-521";
        default: return {};
    }
}

// CKA_EC_POINT is a DER OCTET STRING holding the point; some tokens give the bare point.
Bytes point_from_attribute(const Bytes& value, std::size_t width) {
    if (value.size() == 1 + 2 * width && value[0] == 0x04) return value;
    const unsigned char* p = value.data();
    internal::CPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free> octets(
        d2i_ASN1_OCTET_STRING(nullptr, &p, static_cast<long>(value.size())));
    if (!octets) return value;
    const unsigned char* data = ASN1_STRING_get0_data(octets.get());
    return Bytes(data, data + ASN1_STRING_length(octets.get()));
}

}  // namespace
}  // namespace pkcs11

namespace pkcs11 {
namespace {

ck_mechanism_type_t hash_mechanism(DigestAlg alg) noexcept {
    switch (alg) {
        case DigestAlg::sha1: return CKM_SHA_1;
        case DigestAlg::sha224: return CKM_SHA224;
        case DigestAlg::sha256: return CKM_SHA256;
        case DigestAlg::sha384: return CKM_SHA384;
        case DigestAlg::sha512: return CKM_SHA512;
    }
    return CKM_SHA256;
}

ck_rsa_pkcs_mgf_type_t mgf1(DigestAlg alg) noexcept {
    switch (alg) {
        case DigestAlg::sha1: return CKG_MGF1_SHA1;
        case DigestAlg::sha224: return CKG_MGF1_SHA224;
        case DigestAlg::sha256: return CKG_MGF1_SHA256;
        case DigestAlg::sha384: return CKG_MGF1_SHA384;
        case DigestAlg::sha512: return CKG_MGF1_SHA512;
    }
    return CKG_MGF1_SHA256;
}

// The DER DigestInfo that RSA PKCS#1 v1.5 signs (RFC 8017 §9.2, note 1): CKM_RSA_PKCS only pads.
Bytes digest_info(DigestAlg alg, std::span<const std::uint8_t> digest) {
    static const Bytes sha1{0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14};
    // SHA-2: the same header up to the last byte of the algorithm OID and the lengths.
    auto sha2 = [](std::uint8_t total, std::uint8_t oid_last, std::uint8_t size) {
        return Bytes{0x30, total, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                     oid_last, 0x05, 0x00, 0x04, size};
    };
    Bytes out;
    switch (alg) {
        case DigestAlg::sha1: out = sha1; break;
        case DigestAlg::sha224: out = sha2(0x2d, 0x04, 0x1c); break;
        case DigestAlg::sha256: out = sha2(0x31, 0x01, 0x20); break;
        case DigestAlg::sha384: out = sha2(0x41, 0x02, 0x30); break;
        case DigestAlg::sha512: out = sha2(0x51, 0x03, 0x40); break;
    }
    out.insert(out.end(), digest.begin(), digest.end());
    return out;
}

// The private key on a token: signs digests in a session from the token's pool.
class TokenKey final : public KeyBackend {
public:
    TokenKey(std::shared_ptr<Token> token, ck_object_handle_t handle, std::size_t value_size,
             std::optional<Secret> context_pin)
        : m_token(std::move(token)), m_handle(handle), m_value_size(value_size), m_context_pin(std::move(context_pin)) {}

    Result<Bytes> sign_digest(const SignatureParams& params, std::span<const std::uint8_t> digest) const override {
        Bytes input;
        ck_rsa_pkcs_pss_params pss{};
        ck_mechanism mechanism{CKM_RSA_PKCS, nullptr, 0};
        switch (params.scheme) {
            case SigScheme::rsa_pkcs1: input = digest_info(params.digest, digest); break;
            case SigScheme::rsa_pss:
                pss.hash_alg = hash_mechanism(params.digest);
                pss.mgf = mgf1(params.mgf1_digest);
                pss.s_len = params.pss_salt_length < 0 ? digest_size(params.digest)
                                                       : static_cast<unsigned long>(params.pss_salt_length);
                mechanism = {CKM_RSA_PKCS_PSS, &pss, sizeof pss};
                input.assign(digest.begin(), digest.end());
                break;
            case SigScheme::ecdsa:
                mechanism = {CKM_ECDSA, nullptr, 0};
                input.assign(digest.begin(), digest.end());
                break;
            case SigScheme::ed25519:
                return make_error(Errc::key_error, "Ed25519 keys on PKCS#11 tokens are not supported");
        }
        auto lease = m_token->acquire();
        if (!lease) return std::move(lease).error();
        auto value = sign_in(lease->session(), mechanism, input);
        if (!value) lease->discard();  // the session may still hold an operation: do not reuse it
        else if (params.scheme == SigScheme::ecdsa && value->size() != m_value_size)
            return make_error(Errc::crypto_error, "the token's ECDSA signature has an unexpected length");
        return value;
    }

private:
    Result<Bytes> sign_in(ck_session_handle_t session, ck_mechanism& mechanism, Bytes& input) const {
        const ck_function_list& fn = m_token->fn();
        if (const ck_rv_t rv = fn.C_SignInit(session, &mechanism, m_handle); rv != CKR_OK)
            return rv_error(rv, "the token refused to start the signature");
        if (m_context_pin) {  // CKA_ALWAYS_AUTHENTICATE: the PIN again for each signature
            std::string_view pin = m_context_pin->view();
            const ck_rv_t rv = fn.C_Login(session, CKU_CONTEXT_SPECIFIC,
                                          reinterpret_cast<unsigned char*>(const_cast<char*>(pin.data())), pin.size());
            if (rv != CKR_OK) return rv_error(rv, "the token refused the PIN for this signature");
        }
        Bytes value(m_value_size);
        unsigned long length = value.size();
        ck_rv_t rv = fn.C_Sign(session, input.data(), input.size(), value.data(), &length);
        if (rv == CKR_BUFFER_TOO_SMALL) {
            value.resize(length);
            rv = fn.C_Sign(session, input.data(), input.size(), value.data(), &length);
        }
        if (rv != CKR_OK) return rv_error(rv, "the token could not sign");
        value.resize(length);
        return value;
    }

    std::shared_ptr<Token> m_token;
    ck_object_handle_t m_handle;
    std::size_t m_value_size;  // RSA: modulus bytes; ECDSA: r||s bytes
    std::optional<Secret> m_context_pin;
};

std::string module_path_for(const Uri& uri, const Pkcs11Options& options) {
    if (!options.module_path.empty()) return options.module_path;
    if (uri.module_path) return *uri.module_path;
    const char* env = std::getenv("ISTMO_PKCS11_MODULE");
    return env != nullptr ? std::string(env) : std::string();
}

struct KeyFacts {
    ck_key_type_t type = 0;
    std::optional<Bytes> id;
    std::optional<std::string> label;
    bool always_authenticate = false;
};

KeyFacts read_key_facts(const ck_function_list& fn, ck_session_handle_t session, ck_object_handle_t key) {
    KeyFacts facts;
    if (auto type = attribute(fn, session, key, CKA_KEY_TYPE); type && type->size() == sizeof(ck_key_type_t))
        std::memcpy(&facts.type, type->data(), sizeof(ck_key_type_t));
    else
        facts.type = static_cast<ck_key_type_t>(-1);
    if (auto id = attribute(fn, session, key, CKA_ID); id && !id->empty()) facts.id = std::move(*id);
    if (auto label = attribute(fn, session, key, CKA_LABEL); label && !label->empty())
        facts.label = std::string(label->begin(), label->end());
    if (auto always = attribute(fn, session, key, CKA_ALWAYS_AUTHENTICATE); always && !always->empty())
        facts.always_authenticate = (*always)[0] != 0;
    return facts;
}

// The first object of the class stored with the key: same CKA_ID, else (no id) same label.
std::optional<ck_object_handle_t> companion(const ck_function_list& fn, ck_session_handle_t session,
                                            ck_object_class_t object_class, const KeyFacts& facts) {
    if (!facts.id && !facts.label) return std::nullopt;
    auto found = facts.id ? find_objects(fn, session, object_class, std::nullopt, facts.id)
                          : find_objects(fn, session, object_class, facts.label, std::nullopt);
    if (!found || found->empty()) return std::nullopt;
    return found->front();
}

std::optional<Certificate> read_certificate(const ck_function_list& fn, ck_session_handle_t session, const KeyFacts& facts) {
    auto object = companion(fn, session, CKO_CERTIFICATE, facts);
    if (!object) return std::nullopt;
    auto der = attribute(fn, session, *object, CKA_VALUE);
    if (!der) return std::nullopt;
    auto cert = Certificate::from_der(*der);
    if (!cert) return std::nullopt;
    return std::move(*cert);
}

// The key's public half: RSA from the private key object, EC from the public key object (or
// the certificate when the token keeps no public key object).
Result<internal::EvpPkeyPtr> read_public_key(const ck_function_list& fn, ck_session_handle_t session,
                                             ck_object_handle_t key, const KeyFacts& facts,
                                             const std::optional<Certificate>& certificate) {
    if (facts.type == CKK_RSA) {
        auto modulus = attribute(fn, session, key, CKA_MODULUS);
        auto exponent = attribute(fn, session, key, CKA_PUBLIC_EXPONENT);
        if (modulus && exponent) return rsa_public_key(*modulus, *exponent);
    } else if (facts.type == CKK_EC) {
        auto params = attribute(fn, session, key, CKA_EC_PARAMS);
        const std::string curve = params ? curve_from_params(*params) : std::string();
        if (params && curve.empty()) return make_error(Errc::key_error, "the token's EC key is not on P-256, P-384 or P-521");
        auto public_object = companion(fn, session, CKO_PUBLIC_KEY, facts);
        if (auto point = public_object ? attribute(fn, session, *public_object, CKA_EC_POINT) : std::nullopt; point && !curve.empty()) {
            const std::size_t width = curve == "P-521" ? 66 : curve == "P-384" ? 48 : 32;
            return ec_public_key(curve, point_from_attribute(*point, width));
        }
    } else {
        return make_error(Errc::key_error, "the token's key is neither RSA nor EC (unsupported key type)");
    }
    if (certificate) {
        EVP_PKEY* from_cert = get0_public_key(*certificate);
        if (from_cert != nullptr && EVP_PKEY_up_ref(from_cert) == 1) return internal::EvpPkeyPtr(from_cert);
    }
    return make_error(Errc::key_error, "cannot read the public half of the key on the token");
}

std::size_t value_size(const EVP_PKEY* public_key) {
    const int bits = key_bits_of(public_key);
    const std::size_t bytes = bits > 0 ? (static_cast<std::size_t>(bits) + 7) / 8 : 0;
    return key_type_of(public_key) == KeyType::ec ? 2 * bytes : bytes;
}

Result<Pkcs11Key> load_key(std::string_view text, const Pkcs11Options& options) {
    auto uri = parse_uri(text);
    if (!uri) return std::move(uri).error();
    const std::string path = module_path_for(*uri, options);
    if (path.empty())
        return make_error(Errc::invalid_argument,
                          "no PKCS#11 module: give --pkcs11-module PATH or set ISTMO_PKCS11_MODULE");
    auto module = Module::load(path);
    if (!module) return std::move(module).error();
    auto found = find_token((*module)->fn(), *uri);
    if (!found) return std::move(found).error();
    auto token = Token::open(*module, found->slot, found->flags, options.pin);
    if (!token) return std::move(token).error();
    auto lease = (*token)->acquire();
    if (!lease) return std::move(lease).error();
    const ck_function_list& fn = (*token)->fn();
    auto keys = find_objects(fn, lease->session(), CKO_PRIVATE_KEY, uri->object, uri->id);
    if (!keys) return std::move(keys).error();
    if (keys->empty()) return make_error(Errc::not_found, "no private key on the token matches the PKCS#11 URI");
    if (keys->size() > 1)
        return make_error(Errc::invalid_argument, "the PKCS#11 URI matches " + std::to_string(keys->size()) +
                                                      " private keys; name one with object= or id=");
    const KeyFacts facts = read_key_facts(fn, lease->session(), keys->front());
    std::optional<Certificate> certificate = read_certificate(fn, lease->session(), facts);
    auto public_key = read_public_key(fn, lease->session(), keys->front(), facts, certificate);
    if (!public_key) return std::move(public_key).error();
    if (auto ok = detail::check_key_policy(public_key->get()); !ok) return std::move(ok).error();
    auto impl = std::make_shared<PrivateKey::Impl>();
    const std::size_t size = value_size(public_key->get());
    impl->key = std::move(*public_key);
    impl->backend = std::make_shared<TokenKey>(*token, keys->front(), size,
                                               facts.always_authenticate ? options.pin : std::nullopt);
    return Pkcs11Key{PrivateKey(std::shared_ptr<const PrivateKey::Impl>(std::move(impl))), std::move(certificate)};
}

}  // namespace
}  // namespace pkcs11

Result<Pkcs11Key> load_pkcs11_key(std::string_view uri, const Pkcs11Options& options) {
    return detail::guarded("PKCS#11 key", [&]() -> Result<Pkcs11Key> {
        detail::ErrorQueueGuard queue_guard;
        return pkcs11::load_key(uri, options);
    });
}

}  // namespace istmo::crypto
