// TimeStampReq (RFC 3161 §2.4.1) built with OpenSSL's TS_REQ, encoded as DER.
#include <istmo/tsa/timestamp.hpp>

#include "crypto/native.hpp"
#include "internal/c_ptr.hpp"
#include "tsa/tsa_internal.hpp"

#include <openssl/objects.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <limits>

namespace istmo::tsa {

std::string_view hash_alg_name(HashAlg alg) noexcept {
    switch (alg) {
        case HashAlg::sha256: return "sha256";
        case HashAlg::sha384: return "sha384";
        case HashAlg::sha512: return "sha512";
    }
    return "sha256";
}

Result<HashAlg> hash_alg_from_name(std::string_view name) {
    std::string n;
    for (char c : name) {
        if (c != '-' && c != '_') n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (n == "sha256") return HashAlg::sha256;
    if (n == "sha384") return HashAlg::sha384;
    if (n == "sha512") return HashAlg::sha512;
    return make_error(Errc::invalid_argument,
                      "unknown time-stamp digest '" + std::string(name) + "' (sha256, sha384, sha512)");
}

namespace detail {

crypto::DigestAlg digest_alg(HashAlg alg) noexcept {
    switch (alg) {
        case HashAlg::sha256: return crypto::DigestAlg::sha256;
        case HashAlg::sha384: return crypto::DigestAlg::sha384;
        case HashAlg::sha512: return crypto::DigestAlg::sha512;
    }
    return crypto::DigestAlg::sha256;
}

int hash_nid(HashAlg alg) noexcept {
    switch (alg) {
        case HashAlg::sha256: return NID_sha256;
        case HashAlg::sha384: return NID_sha384;
        case HashAlg::sha512: return NID_sha512;
    }
    return NID_sha256;
}

}  // namespace detail

namespace {

Result<Bytes> encode_request(const Bytes& imprint, const Bytes& nonce, const RequestOptions& options) {
    using namespace internal;
    TsReqPtr req(TS_REQ_new());
    TsMsgImprintPtr mi(TS_MSG_IMPRINT_new());
    X509AlgorPtr algor(X509_ALGOR_new());
    if (!req || !mi || !algor) return make_error(Errc::internal, "out of memory building a TimeStampReq");
    // AlgorithmIdentifier with NULL parameters, as RFC 3161 clients (and OpenSSL) send it.
    if (X509_ALGOR_set0(algor.get(), OBJ_nid2obj(detail::hash_nid(options.hash)), V_ASN1_NULL,
                        nullptr) != 1 ||
        TS_MSG_IMPRINT_set_algo(mi.get(), algor.get()) != 1 ||
        TS_MSG_IMPRINT_set_msg(mi.get(), const_cast<unsigned char*>(imprint.data()),
                               static_cast<int>(imprint.size())) != 1 ||
        TS_REQ_set_version(req.get(), 1) != 1 || TS_REQ_set_msg_imprint(req.get(), mi.get()) != 1) {
        return make_error(Errc::crypto_error, "cannot build the message imprint",
                          crypto::drain_openssl_errors());
    }
    if (!options.policy.empty()) {
        Asn1ObjectPtr policy(OBJ_txt2obj(options.policy.c_str(), 1));
        if (!policy) {
            crypto::drain_openssl_errors();
            return make_error(Errc::invalid_argument, "the policy '" + options.policy +
                                                          "' is not a dotted object identifier");
        }
        if (TS_REQ_set_policy_id(req.get(), policy.get()) != 1)
            return make_error(Errc::crypto_error, "cannot set reqPolicy", crypto::drain_openssl_errors());
    }
    BignumPtr bn(BN_bin2bn(nonce.data(), static_cast<int>(nonce.size()), nullptr));
    Asn1IntegerPtr nonce_int(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
    if (!nonce_int || TS_REQ_set_nonce(req.get(), nonce_int.get()) != 1)
        return make_error(Errc::crypto_error, "cannot set the nonce", crypto::drain_openssl_errors());
    if (options.cert_req && TS_REQ_set_cert_req(req.get(), 1) != 1)
        return make_error(Errc::crypto_error, "cannot set certReq", crypto::drain_openssl_errors());
    for (const auto& ext : options.extensions) {
        Asn1ObjectPtr oid(OBJ_txt2obj(ext.oid.c_str(), 1));
        if (!oid) {
            crypto::drain_openssl_errors();
            return make_error(Errc::invalid_argument,
                              "the extension OID '" + ext.oid + "' is not a dotted object identifier");
        }
        CPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free> value(ASN1_OCTET_STRING_new());
        if (!value || ASN1_OCTET_STRING_set(value.get(), ext.value.data(),
                                            static_cast<int>(ext.value.size())) != 1)
            return make_error(Errc::internal, "out of memory building an extension");
        X509ExtensionPtr x(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), ext.critical ? 1 : 0,
                                                        value.get()));
        if (!x || TS_REQ_add_ext(req.get(), x.get(), -1) != 1)
            return make_error(Errc::crypto_error, "cannot add a request extension",
                              crypto::drain_openssl_errors());
    }
    unsigned char* out = nullptr;
    const int len = i2d_TS_REQ(req.get(), &out);
    if (len <= 0 || out == nullptr)
        return make_error(Errc::crypto_error, "cannot encode the TimeStampReq", crypto::drain_openssl_errors());
    OsslBytesPtr owned(out);
    return Bytes(out, out + len);
}

}  // namespace

Result<TimestampRequest> TimestampRequest::for_digest(std::span<const std::uint8_t> digest,
                                                      const RequestOptions& options) {
    if (digest.size() != crypto::digest_size(detail::digest_alg(options.hash))) {
        return make_error(Errc::invalid_argument,
                          "a " + std::string(hash_alg_name(options.hash)) + " digest has " +
                              std::to_string(crypto::digest_size(detail::digest_alg(options.hash))) +
                              " bytes, not " + std::to_string(digest.size()));
    }
    Bytes nonce = options.nonce;
    if (nonce.empty()) {
        nonce.resize(16);
        if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1)
            return make_error(Errc::crypto_error, "no random bytes for the nonce",
                              crypto::drain_openssl_errors());
        // Positive, DER-minimal and at least 2^126: top bit clear, next bit set.
        nonce[0] = static_cast<std::uint8_t>((nonce[0] & 0x3Fu) | 0x40u);
    } else {
        const auto first = std::find_if(nonce.begin(), nonce.end(), [](std::uint8_t b) { return b != 0; });
        nonce.erase(nonce.begin(), first);  // DER-minimal magnitude
        if (nonce.size() < 8)
            return make_error(Errc::invalid_argument, "a nonce needs at least 64 significant bits");
    }
    auto der = encode_request(Bytes(digest.begin(), digest.end()), nonce, options);
    if (!der) return std::move(der).error();
    TimestampRequest r;
    r.m_der = std::move(*der);
    r.m_hash = options.hash;
    r.m_imprint.assign(digest.begin(), digest.end());
    r.m_nonce = std::move(nonce);
    r.m_cert_req = options.cert_req;
    r.m_policy = options.policy;
    return r;
}

Result<TimestampRequest> TimestampRequest::for_data(std::span<const std::uint8_t> data,
                                                    const RequestOptions& options) {
    try {
        const Bytes d = crypto::digest(detail::digest_alg(options.hash), data);
        return for_digest(d, options);
    } catch (const std::exception& e) {
        return make_error(Errc::crypto_error, "cannot hash the data", e.what());
    }
}

Result<TimestampRequest> TimestampRequest::for_file(const std::string& path, const RequestOptions& options) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::not_found, "cannot open '" + path + "'");
    try {
        crypto::DigestContext ctx(detail::digest_alg(options.hash));
        std::array<char, 65536> buf{};
        while (in) {
            in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
            const auto got = in.gcount();
            if (got > 0) ctx.update(buf.data(), static_cast<std::size_t>(got));
        }
        if (in.bad()) return make_error(Errc::io_error, "cannot read '" + path + "'");
        const Bytes d = ctx.finish();
        return for_digest(d, options);
    } catch (const std::exception& e) {
        return make_error(Errc::crypto_error, "cannot hash '" + path + "'", e.what());
    }
}

}  // namespace istmo::tsa
