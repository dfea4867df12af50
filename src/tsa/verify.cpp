// TimeStampResp / TimeStampToken verification with OpenSSL's CMS API (not the PKCS7-based
// TS_RESP_verify path, which cannot check RSASSA-PSS tokens nor parse tokens with OCSP data).
// Every check runs; each failure is one Finding with a stable code.
#include <istmo/tsa/timestamp.hpp>

#include "core/time_math.hpp"
#include "crypto/native.hpp"
#include "crypto/revocation_options.hpp"
#include "internal/c_ptr.hpp"
#include "tsa/tsa_internal.hpp"
#include "crypto/path_check.hpp"

#include <istmo/crypto/validator.hpp>
#include <istmo/report/messages.hpp>

#include <openssl/objects.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <limits>
#include <memory>

// OpenSSL's STACK_OF accessors are macros with C casts.
#pragma GCC diagnostic ignored "-Wold-style-cast"

namespace istmo::tsa {

using report::Finding;
using report::Severity;

bool TokenVerification::valid() const noexcept { return first_error() == nullptr; }

const report::Finding* TokenVerification::first_error() const noexcept {
    for (const auto& f : findings) {
        if (f.severity == Severity::error) return &f;
    }
    return nullptr;
}

std::string TokenVerification::summary() const {
    const Finding* f = first_error();
    return f ? f->code + ": " + f->message : std::string();
}

std::string fail_info_name(int bit) {
    switch (bit) {
        case 0: return "badAlg";
        case 2: return "badRequest";
        case 5: return "badDataFormat";
        case 14: return "timeNotAvailable";
        case 15: return "unacceptedPolicy";
        case 16: return "unacceptedExtension";
        case 17: return "addInfoNotAvailable";
        case 25: return "systemFailure";
        default: return "bit" + std::to_string(bit);
    }
}

namespace detail {

std::optional<Tlv> read_tlv(std::span<const std::uint8_t> in, TlvError& err) noexcept {
    err = TlvError::none;
    if (in.size() < 2) {
        err = in.empty() ? TlvError::empty : TlvError::truncated;
        return std::nullopt;
    }
    Tlv t;
    t.tag = in[0];
    if ((t.tag & 0x1Fu) == 0x1Fu) {
        err = TlvError::bad_tag;
        return std::nullopt;
    }
    const std::uint8_t l0 = in[1];
    std::size_t len = 0;
    std::size_t pos = 2;
    if (l0 < 0x80u) {
        len = l0;
    } else if (l0 == 0x80u) {
        err = TlvError::indefinite;
        return std::nullopt;
    } else {
        const std::size_t n = l0 & 0x7Fu;
        if (n > 4 || in.size() < 2 + n) {
            err = n > 4 ? TlvError::bad_length : TlvError::truncated;
            return std::nullopt;
        }
        for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in[2 + i];
        // DER: minimal length encoding.
        if (in[2] == 0 || (n == 1 && len < 0x80u)) {
            err = TlvError::bad_length;
            return std::nullopt;
        }
        pos = 2 + n;
    }
    if (in.size() - pos < len) {
        err = TlvError::truncated;
        return std::nullopt;
    }
    t.header = pos;
    t.content = in.subspan(pos, len);
    return t;
}

}  // namespace detail

namespace {

using namespace internal;

struct Expect {
    const crypto::RevocationEvidence* evidence = nullptr;  // the caller's, offered after the token's
    std::optional<Bytes> imprint;      // expected digest
    int imprint_nid = NID_undef;       // expected algorithm (with imprint)
    std::optional<Bytes> data;         // or: data hashed with the token's algorithm
    std::optional<Bytes> nonce;
    std::string policy;
    bool require_certs = false;
};

void add(TokenVerification& v, std::string code, std::string message, Severity sev = Severity::error) {
    v.findings.push_back(report::make_finding(std::move(code), sev, std::move(message)));
}

std::string obj_text(const ASN1_OBJECT* obj) {
    if (obj == nullptr) return {};
    char buf[256];
    const int n = OBJ_obj2txt(buf, sizeof buf, obj, 1);
    if (n <= 0) return {};
    return std::string(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
}

std::string integer_hex(const ASN1_INTEGER* value) {
    if (value == nullptr) return {};
    BignumPtr bn(ASN1_INTEGER_to_BN(value, nullptr));
    if (!bn) return {};
    char* hex = BN_bn2hex(bn.get());
    if (hex == nullptr) return {};
    std::string out(hex);
    OPENSSL_free(hex);
    return out;
}

long asn1_long(const ASN1_INTEGER* v) { return v ? ASN1_INTEGER_get(v) : 0; }

std::string general_name_text(GENERAL_NAME* name) {
    if (name == nullptr) return {};
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) return {};
    if (name->type == GEN_DIRNAME) {
        X509_NAME_print_ex(bio.get(), name->d.directoryName, 0, XN_FLAG_RFC2253);
    } else {
        GENERAL_NAME_print(bio.get(), name);
    }
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return n > 0 && data ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

// genTime (GeneralizedTime "YYYYMMDDhhmmss[.f*]Z") to a time point with millisecond precision.
bool parse_gen_time(const ASN1_GENERALIZEDTIME* t, TimePoint& out, std::string& text) {
    if (t == nullptr) return false;
    text.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(t)),
                static_cast<std::size_t>(ASN1_STRING_length(t)));
    std::tm tm{};
    if (ASN1_TIME_to_tm(t, &tm) != 1) return false;
    const std::time_t secs = timegm(&tm);
    long millis = 0;
    const auto dot = text.find('.');
    if (dot != std::string::npos) {
        long scale = 100;
        for (std::size_t i = dot + 1; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
            millis += (text[i] - '0') * scale;
            scale /= 10;
        }
    }
    out = crypto::time_point_from_epoch_seconds(static_cast<std::int64_t>(secs));
    // A saturated instant (before 1677 or after 2262) stays at its end of the range.
    if (out != TimePoint::max() && out != TimePoint::min())
        out = core::time_math::saturating_add(out, std::chrono::milliseconds(millis));
    return true;
}

std::optional<crypto::DigestAlg> digest_for_nid(int nid) {
    switch (nid) {
        case NID_sha1: return crypto::DigestAlg::sha1;
        case NID_sha224: return crypto::DigestAlg::sha224;
        case NID_sha256: return crypto::DigestAlg::sha256;
        case NID_sha384: return crypto::DigestAlg::sha384;
        case NID_sha512: return crypto::DigestAlg::sha512;
        default: return std::nullopt;
    }
}

std::string signature_alg_name(const X509_ALGOR* alg) {
    if (alg == nullptr) return {};
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
    const int nid = OBJ_obj2nid(obj);
    if (nid == NID_rsassaPss) return "rsa-pss";
    int pknid = NID_undef;
    if (OBJ_find_sigid_algs(nid, nullptr, &pknid) == 0) pknid = nid;
    switch (pknid) {
        case NID_rsaEncryption: return "rsa-pkcs1";
        case NID_rsassaPss: return "rsa-pss";
        case NID_X9_62_id_ecPublicKey: return "ecdsa";
        case NID_ED25519: return "ed25519";
        default: return obj_text(obj);
    }
}

Bytes der_of(X509* x) {
    unsigned char* out = nullptr;
    const int len = i2d_X509(x, &out);
    OsslBytesPtr owned(out);
    if (len <= 0 || out == nullptr) return {};
    return Bytes(out, out + len);
}

}  // namespace

struct TokenVerifier::Impl {
    VerifyOptions options;                 // trust: the validator's private snapshot
    // Why the status source could not be made from the options (a CRL file unreadable, ...).
    std::optional<Error> status_source_error;
    crypto::CertificateValidator validator;  // trust anchors, extra certificates, status source

    Impl(VerifyOptions o, bool caching)
        : options(std::move(o)), validator(validator_options(options, caching, status_source_error)) {
        options.trust = validator.trust();
    }

    static crypto::ValidatorOptions validator_options(const VerifyOptions& o, bool caching,
                                                      std::optional<Error>& status_source_error) {
        crypto::ValidatorOptions v;
        v.trust = o.trust;
        v.extra_certificates = o.extra_certificates;
        if (!caching) {
            v.max_cached_certificates = 0;
            v.max_cached_paths = 0;
        }
        v.status_source = o.status_source;
        if (!v.status_source) {
            auto made = crypto::make_status_source(o);
            if (made) v.status_source = std::move(*made);
            else status_source_error = std::move(made).error();
        }
        return v;
    }
};

namespace {

using Impl = TokenVerifier::Impl;
using Certificates = std::vector<crypto::Certificate>;

// The EKU rule of RFC 3161 §2.3 (the validator's rule for time-stamping), as findings that say
// precisely what is wrong; checked even when the path is not.
void check_eku(TokenVerification& v, const crypto::Certificate& signer) {
    using Problem = crypto::detail::TimestampingEkuProblem;
    switch (crypto::detail::timestamping_eku_problem(signer.impl().cert.get())) {
        case Problem::none: return;
        case Problem::missing:
            add(v, "TSA-CERT-EKU", "the TSA certificate has no extended key usage (it must have exactly "
                                   "timeStamping, marked critical)");
            return;
        case Problem::not_exactly_timestamping:
            add(v, "TSA-CERT-EKU", "the TSA certificate's extended key usage is not exactly timeStamping");
            return;
        case Problem::not_critical:
            add(v, "TSA-CERT-EKU", "the TSA certificate's extended key usage is not marked critical");
            return;
    }
}

// The findings of the TSA certificate path validation.
void add_path_findings(TokenVerification& v, const crypto::CertificateValidation& path) {
    using crypto::PathStatus;
    if (path.status == PathStatus::valid) return;
    if (path.reason.empty() && !path.path_verified) {  // set-up failure: nothing said about the path
        add(v, "TSA-CERT-INVALID", "cannot set up certificate path validation: " + path.message);
        return;
    }
    const std::string where = path.error_depth == 0 ? "the TSA certificate" : "a CA certificate of the TSA chain";
    switch (path.status) {
        case PathStatus::expired:
            add(v, "TSA-CERT-EXPIRED", where + " had expired at the validation time (genTime)");
            break;
        case PathStatus::not_yet_valid:
            add(v, "TSA-CERT-NOT-YET-VALID", where + " was not yet valid at the validation time (genTime)");
            break;
        case PathStatus::no_chain:
            add(v, "TSA-CERT-UNTRUSTED",
                "the TSA certificate does not chain to a configured trust anchor (" + path.reason + ")");
            break;
        case PathStatus::bad_key_usage:
            if (path.error_depth == 0) break;  // reported by the EKU check with a precise message
            add(v, "TSA-CERT-INVALID", where + " may not be used for time-stamping (" + path.reason + ")");
            break;
        default:
            add(v, "TSA-CERT-INVALID", "the TSA certificate path is not valid: " + path.reason);
            break;
    }
}

void check_ess(TokenVerification& v, CMS_SignerInfo* si, STACK_OF(X509)* chain) {
    auto* v1 = static_cast<ASN1_STRING*>(CMS_signed_get0_data_by_OBJ(
        si, OBJ_nid2obj(NID_id_smime_aa_signingCertificate), -3, V_ASN1_SEQUENCE));
    auto* v2 = static_cast<ASN1_STRING*>(CMS_signed_get0_data_by_OBJ(
        si, OBJ_nid2obj(NID_id_smime_aa_signingCertificateV2), -3, V_ASN1_SEQUENCE));
    v.info.ess_version = v1 && v2 ? "v1+v2" : v1 ? "v1" : v2 ? "v2" : "";
    if (!v1 && !v2) {
        add(v, "TSA-ESSCERTID-MISSING",
            "the token has no signing-certificate attribute (ESSCertID / ESSCertIDv2) binding the TSA certificate");
        return;
    }
    EssSigningCertPtr ss;
    EssSigningCertV2Ptr ss2;
    if (v1) {
        const unsigned char* p = ASN1_STRING_get0_data(v1);
        ss.reset(d2i_ESS_SIGNING_CERT(nullptr, &p, ASN1_STRING_length(v1)));
    }
    if (v2) {
        const unsigned char* p = ASN1_STRING_get0_data(v2);
        ss2.reset(d2i_ESS_SIGNING_CERT_V2(nullptr, &p, ASN1_STRING_length(v2)));
    }
    if ((v1 && !ss) || (v2 && !ss2)) {
        crypto::drain_openssl_errors();
        add(v, "TSA-ESSCERTID-MALFORMED", "the signing-certificate attribute cannot be decoded");
        return;
    }
    if (OSSL_ESS_check_signing_certs(ss.get(), ss2.get(), chain, 1) <= 0) {
        const std::string cause = crypto::drain_openssl_errors();
        add(v, "TSA-ESSCERTID-MISMATCH",
            "the signing-certificate attribute does not identify the TSA certificate that signed the token" +
                (cause.empty() ? std::string() : " (" + cause + ")"));
    }
}


void put_header(Bytes& out, std::uint8_t tag, std::size_t length) {
    out.push_back(tag);
    if (length < 0x80u) {
        out.push_back(static_cast<std::uint8_t>(length));
        return;
    }
    std::uint8_t bytes[sizeof(std::size_t)];
    std::size_t n = 0;
    for (std::size_t rest = length; rest != 0; rest >>= 8) bytes[n++] = static_cast<std::uint8_t>(rest & 0xFFu);
    out.push_back(static_cast<std::uint8_t>(0x80u | n));
    while (n > 0) out.push_back(bytes[--n]);
}

std::size_t header_size(std::size_t length) {
    if (length < 0x80u) return 2;
    std::size_t n = 0;
    for (std::size_t rest = length; rest != 0; rest >>= 8) ++n;
    return 2 + n;
}

}  // namespace

// The CMS signature does not cover the SignedData certificates field, so the rest verifies the
// same without it; the certificates are then looked up in the verifier's cache instead of being
// parsed again (OpenSSL 3.0 decodes each public key through its provider decoders, most of a
// token's parsing time). Tokens not of exactly this shape are parsed whole, as before.
std::optional<detail::SplitToken> detail::split_certificates(std::span<const std::uint8_t> token) {
    detail::TlvError err{};
    const auto outer = detail::read_tlv(token, err);
    if (!outer || outer->tag != 0x30 || outer->total() != token.size()) return std::nullopt;
    const auto oid = detail::read_tlv(outer->content, err);
    if (!oid || oid->tag != 0x06) return std::nullopt;
    const auto after_oid = outer->content.subspan(oid->total());
    const auto wrapper = detail::read_tlv(after_oid, err);
    if (!wrapper || wrapper->tag != 0xA0 || wrapper->total() != after_oid.size()) return std::nullopt;
    const auto signed_data = detail::read_tlv(wrapper->content, err);
    if (!signed_data || signed_data->tag != 0x30 || signed_data->total() != wrapper->content.size())
        return std::nullopt;
    // SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo,
    //                           certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos }
    const auto fields = signed_data->content;
    detail::SplitToken out;
    std::size_t cert_offset = 0;
    std::size_t cert_size = 0;
    std::size_t pos = 0;
    for (int index = 0; pos < fields.size(); ++index) {
        const auto field = detail::read_tlv(fields.subspan(pos), err);
        if (!field) return std::nullopt;
        if (index == 3 && field->tag == 0xA0) {
            cert_offset = pos;
            cert_size = field->total();
            auto list = field->content;
            while (!list.empty()) {
                const auto cert = detail::read_tlv(list, err);
                if (!cert || cert->tag != 0x30) return std::nullopt;  // other CertificateChoices
                out.certificates.push_back(list.first(cert->total()));
                list = list.subspan(cert->total());
            }
        }
        pos += field->total();
    }
    if (cert_size == 0) return std::nullopt;
    const std::size_t sd_length = fields.size() - cert_size;
    const std::size_t wrapper_length = header_size(sd_length) + sd_length;
    const std::size_t outer_length = oid->total() + header_size(wrapper_length) + wrapper_length;
    Bytes& der = out.without_certificates;
    der.reserve(header_size(outer_length) + outer_length);
    put_header(der, 0x30, outer_length);
    const auto oid_bytes = outer->content.first(oid->total());
    der.insert(der.end(), oid_bytes.begin(), oid_bytes.end());
    put_header(der, 0xA0, wrapper_length);
    put_header(der, 0x30, sd_length);
    const auto before = fields.first(cert_offset);
    const auto after = fields.subspan(cert_offset + cert_size);
    der.insert(der.end(), before.begin(), before.end());
    der.insert(der.end(), after.begin(), after.end());
    return out;
}

namespace {

void fill_signer(TokenInfo& info, const crypto::Certificate& signer) {
    const crypto::CertificateFacts& f = signer.impl().facts();
    info.signer_subject = f.subject;
    info.signer_issuer = f.issuer;
    info.signer_serial_hex = f.serial_hex;
    info.signer_sha256 = f.sha256_hex;
    info.signer_not_before = f.not_before;
    info.signer_not_after = f.not_after;
}

// A token taken apart: the CMS structure and the certificates it embeds.
struct ParsedToken {
    CmsContentInfoPtr cms;
    Certificates embedded;
    bool have_embedded = false;  // embedded is filled (from the validator's certificate cache)
};

// The usual DER shape: the certificates come from the validator's cache and OpenSSL parses the
// rest only. false when the token is not of that shape.
bool parse_split(const Impl& st, std::span<const std::uint8_t> bytes, ParsedToken& out) {
    auto split = detail::split_certificates(bytes);
    if (!split) return false;
    Certificates found;
    for (const auto der : split->certificates) {
        auto c = st.validator.certificate(der);
        if (!c) return false;
        found.push_back(std::move(*c));
    }
    const auto& rest = split->without_certificates;
    const unsigned char* p = rest.data();
    out.cms.reset(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(rest.size())));
    if (!out.cms || p != rest.data() + rest.size()) {
        out.cms.reset();
        crypto::drain_openssl_errors();
        return false;
    }
    out.embedded = std::move(found);
    out.have_embedded = true;
    return true;
}

// Step 1: the ContentInfo. nullopt (with a finding) when it cannot be parsed.
std::optional<ParsedToken> parse_token(const Impl& st, TokenVerification& v, std::span<const std::uint8_t> bytes,
                                       bool bare) {
    ParsedToken out;
    if (parse_split(st, bytes, out)) return out;
    // Not the usual DER shape (BER, other certificate choices, ...): OpenSSL parses it all.
    const unsigned char* p = bytes.data();
    out.cms.reset(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(bytes.size())));
    if (!out.cms) {
        add(v, "TSA-TOKEN-MALFORMED", "the time-stamp token is not a CMS ContentInfo: " + crypto::drain_openssl_errors());
        return std::nullopt;
    }
    if (bare && p != bytes.data() + bytes.size()) {
        add(v, "TSA-TRAILING-DATA", std::to_string(bytes.data() + bytes.size() - p) + " bytes follow the time-stamp token");
    } else if (!bare && p != bytes.data() + bytes.size()) {
        add(v, "TSA-RESPONSE-MALFORMED", "unexpected bytes follow the token inside the TimeStampResp");
    }
    return out;
}

// Step 2: SignedData over id-ct-TSTInfo with exactly one SignerInfo. nullptr when unusable.
CMS_SignerInfo* check_signed_data(TokenVerification& v, CMS_ContentInfo* cms) {
    if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
        add(v, "TSA-TOKEN-MALFORMED", "the time-stamp token is not CMS SignedData");
        return nullptr;
    }
    if (OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_id_smime_ct_TSTInfo) {
        add(v, "TSA-CONTENT-TYPE", "the signed content is not id-ct-TSTInfo but " + obj_text(CMS_get0_eContentType(cms)));
        return nullptr;
    }
    STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms);
    const int nsigners = sis ? sk_CMS_SignerInfo_num(sis) : 0;
    if (nsigners != 1) {
        add(v, "TSA-SIGNER-COUNT", "the token has " + std::to_string(nsigners) +
                                       " SignerInfos; a time-stamp token must have exactly one");
        if (nsigners < 1) return nullptr;
    }
    return sk_CMS_SignerInfo_value(sis, 0);
}

// Step 3: the TSTInfo, decoded into v.info. Null (with a finding) when it cannot be decoded.
TsTstInfoPtr read_tst_info(TokenVerification& v, CMS_ContentInfo* cms, bool& time_ok) {
    ASN1_OCTET_STRING** content = CMS_get0_content(cms);
    if (content == nullptr || *content == nullptr) {
        add(v, "TSA-TSTINFO-MALFORMED", "the token carries no TSTInfo");
        return nullptr;
    }
    const unsigned char* tp = ASN1_STRING_get0_data(*content);
    const long tlen = ASN1_STRING_length(*content);
    TsTstInfoPtr tst(d2i_TS_TST_INFO(nullptr, &tp, tlen));
    if (!tst || tp != ASN1_STRING_get0_data(*content) + tlen) {
        add(v, "TSA-TSTINFO-MALFORMED", "the TSTInfo cannot be decoded" +
                                            (tst ? std::string(" (trailing bytes)") : ": " + crypto::drain_openssl_errors()));
        return nullptr;
    }
    TokenInfo& info = v.info;
    info.version = TS_TST_INFO_get_version(tst.get());
    if (info.version != 1) add(v, "TSA-TSTINFO-MALFORMED", "TSTInfo version " + std::to_string(info.version) + " (must be 1)");
    info.policy = obj_text(TS_TST_INFO_get_policy_id(tst.get()));
    TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(tst.get());
    const ASN1_OBJECT* alg_obj = nullptr;
    X509_ALGOR_get0(&alg_obj, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(mi));
    const int alg_nid = OBJ_obj2nid(alg_obj);
    info.imprint_algorithm = alg_nid != NID_undef ? OBJ_nid2sn(alg_nid) : obj_text(alg_obj);
    std::transform(info.imprint_algorithm.begin(), info.imprint_algorithm.end(), info.imprint_algorithm.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    if (info.imprint_algorithm == "sha-256" || info.imprint_algorithm == "sha-384" || info.imprint_algorithm == "sha-512")
        info.imprint_algorithm.erase(3, 1);
    ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(mi);
    info.imprint.assign(ASN1_STRING_get0_data(msg), ASN1_STRING_get0_data(msg) + ASN1_STRING_length(msg));
    info.serial_hex = integer_hex(TS_TST_INFO_get_serial(tst.get()));
    time_ok = parse_gen_time(TS_TST_INFO_get_time(tst.get()), info.gen_time, info.gen_time_text);
    if (!time_ok) add(v, "TSA-TSTINFO-MALFORMED", "the genTime cannot be read");
    if (TS_ACCURACY* acc = TS_TST_INFO_get_accuracy(tst.get())) {
        info.accuracy = Accuracy{asn1_long(TS_ACCURACY_get_seconds(acc)), asn1_long(TS_ACCURACY_get_millis(acc)),
                                 asn1_long(TS_ACCURACY_get_micros(acc))};
    }
    info.ordering = TS_TST_INFO_get_ordering(tst.get()) != 0;
    if (const ASN1_INTEGER* nonce = TS_TST_INFO_get_nonce(tst.get())) info.nonce_hex = integer_hex(nonce);
    info.tsa_name = general_name_text(TS_TST_INFO_get_tsa(tst.get()));
    return tst;
}

void check_imprint(TokenVerification& v, TS_TST_INFO* tst, const Expect& expect) {
    const TokenInfo& info = v.info;
    const ASN1_OBJECT* alg_obj = nullptr;
    X509_ALGOR_get0(&alg_obj, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst)));
    const int alg_nid = OBJ_obj2nid(alg_obj);
    if (expect.imprint) {
        if (alg_nid != expect.imprint_nid) {
            add(v, "TSA-IMPRINT-MISMATCH", "the token hashes with " + info.imprint_algorithm +
                                               ", but the request used " + OBJ_nid2sn(expect.imprint_nid));
        } else if (info.imprint != *expect.imprint) {
            add(v, "TSA-IMPRINT-MISMATCH", "the token's message imprint is not the hash of the time-stamped data");
        }
    } else if (expect.data) {
        const auto d = digest_for_nid(alg_nid);
        if (!d) {
            add(v, "TSA-IMPRINT-ALG-UNSUPPORTED", "the imprint algorithm " + info.imprint_algorithm + " is not supported");
        } else if (crypto::digest(*d, *expect.data) != info.imprint) {
            add(v, "TSA-IMPRINT-MISMATCH", "the token's message imprint is not the hash of the time-stamped data");
        }
    } else {
        add(v, "TSA-IMPRINT-NOT-CHECKED", "no data or digest was given, so the token is not bound to any data",
            Severity::warning);
    }
}

// Step 4: the binding to the request (imprint, nonce, policy).
void check_binding(TokenVerification& v, TS_TST_INFO* tst, const Expect& expect) {
    check_imprint(v, tst, expect);
    const ASN1_INTEGER* nonce = TS_TST_INFO_get_nonce(tst);
    if (nonce) {
        BignumPtr bn(ASN1_INTEGER_to_BN(nonce, nullptr));
        if (bn && BN_is_negative(bn.get()))
            add(v, "TSA-NONCE-NEGATIVE", "the TSA returned a negative nonce", Severity::warning);
    }
    if (expect.nonce) {
        if (!nonce) {
            add(v, "TSA-NONCE-MISSING", "the TSA did not return the request's nonce (replay protection is missing)");
        } else {
            BignumPtr got(ASN1_INTEGER_to_BN(nonce, nullptr));
            BignumPtr want(BN_bin2bn(expect.nonce->data(), static_cast<int>(expect.nonce->size()), nullptr));
            if (!got || !want || BN_cmp(got.get(), want.get()) != 0)
                add(v, "TSA-NONCE-MISMATCH", "the token's nonce differs from the request's (a replayed or foreign token)");
        }
    }
    if (!expect.policy.empty() && v.info.policy != expect.policy)
        add(v, "TSA-POLICY-MISMATCH", "the token's policy " + v.info.policy + " is not the requested " + expect.policy);
}

// The embedded certificates of a token OpenSSL parsed whole.
Certificates certificates_parsed_with(CMS_ContentInfo* cms) {
    Certificates out;
    X509StackPtr parsed(CMS_get1_certs(cms));
    for (int i = 0; parsed && i < sk_X509_num(parsed.get()); ++i) {
        X509* x = sk_X509_value(parsed.get(), i);
        Bytes der = der_of(x);
        if (!der.empty()) out.push_back(crypto::certificate_from_parsed(x, std::move(der)));
    }
    return out;
}

// The signer among the candidates (the token's certificates, then the caller's extra ones), or
// a TSA certificate the caller trusts directly.
std::optional<crypto::Certificate> find_signer(const Impl& st, CMS_SignerInfo* si, const Certificates& embedded) {
    for (const auto* list : {&embedded, &st.options.extra_certificates, &st.validator.trust().anchors()}) {
        for (const crypto::Certificate& c : *list)
            if (CMS_SignerInfo_cert_cmp(si, c.impl().cert.get()) == 0) return c;
    }
    return std::nullopt;
}

// The signature over the signed attributes and the TSTInfo digest, with the signer given.
void check_cms_signature(TokenVerification& v, CMS_ContentInfo* cms, const crypto::Certificate& signer) {
    X509StackPtr just_signer(sk_X509_new_null());
    X509* x = signer.impl().cert.get();
    X509_up_ref(x);
    sk_X509_push(just_signer.get(), x);
    crypto::drain_openssl_errors();
    const int ok = CMS_verify(cms, just_signer.get(), nullptr, nullptr, nullptr, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY);
    if (ok != 1)
        add(v, "TSA-SIGNATURE-INVALID",
            "the TSA's signature over the token does not verify (" + crypto::drain_openssl_errors() + ")");
}

void push_certificate(STACK_OF(X509)* stack, const crypto::Certificate& c) {
    X509* x = c.impl().cert.get();
    X509_up_ref(x);
    sk_X509_push(stack, x);
}

// The CRLs and OCSP responses the token carries. A BER token (indefinite lengths) is re-encoded
// first: i2d writes definite lengths.
crypto::RevocationEvidence token_evidence(const ParsedToken& token, std::span<const std::uint8_t> bytes) {
    detail::TlvError err{};
    if (token.have_embedded || detail::read_tlv(bytes, err)) return detail::token_revocation_evidence(bytes);
    unsigned char* der = nullptr;
    const int len = i2d_CMS_ContentInfo(token.cms.get(), &der);
    OsslBytesPtr owned(der);
    if (len <= 0 || der == nullptr) {
        crypto::drain_openssl_errors();
        return {};
    }
    return detail::token_revocation_evidence(std::span<const std::uint8_t>(der, static_cast<std::size_t>(len)));
}

// Step 6: the TSA certificate path at the validation time, and the status of each of its
// certificates (the token's own CRLs / OCSP responses first). Returns the certificates the
// signing-certificate attribute may name: the validated chain, else the signer, then every
// candidate not in it.
X509StackPtr check_tsa_path(const Impl& st, TokenVerification& v, const crypto::Certificate& signer,
                            const ParsedToken& token, std::optional<TimePoint> at, std::optional<TimePoint> gen_time,
                            const crypto::RevocationEvidence* caller_evidence) {
    X509StackPtr chain(sk_X509_new_null());
    if (at && st.validator.trust().size() == 0) {
        add(v, "TSA-CERT-UNTRUSTED", "no TSA trust anchors are configured, so the TSA cannot be trusted");
    } else if (at) {
        crypto::RevocationEvidence evidence = token_evidence(token, v.token);
        if (caller_evidence) {
            evidence.crls.insert(evidence.crls.end(), caller_evidence->crls.begin(), caller_evidence->crls.end());
            evidence.ocsp_responses.insert(evidence.ocsp_responses.end(), caller_evidence->ocsp_responses.begin(),
                                           caller_evidence->ocsp_responses.end());
        }
        auto path = st.validator.validate(signer, token.embedded, crypto::CertificatePurpose::time_stamping, *at,
                                          evidence.empty() ? nullptr : &evidence);
        add_path_findings(v, path);
        if (path.status == crypto::PathStatus::valid)
            detail::add_status_findings(v.findings, path, gen_time, st.status_source_error);
        if (path.path_verified) {
            for (const auto& element : path.chain) push_certificate(chain.get(), element.certificate);
            v.tsa_path = std::move(path.chain);
        }
    }
    if (sk_X509_num(chain.get()) == 0) push_certificate(chain.get(), signer);
    for (const auto* list : {&token.embedded, &st.options.extra_certificates}) {
        for (const crypto::Certificate& c : *list) {
            bool present = false;
            for (int j = 0; j < sk_X509_num(chain.get()) && !present; ++j)
                present = X509_cmp(sk_X509_value(chain.get(), j), c.impl().cert.get()) == 0;
            if (!present) push_certificate(chain.get(), c);
        }
    }
    return chain;
}

void check_clock_skew(TokenVerification& v, const VerifyOptions& options) {
    const TokenInfo& info = v.info;
    const TimePoint now = options.now ? *options.now : std::chrono::system_clock::now();
    // genTime comes from the token: it may be TimePoint::min() or max() (saturated), so neither
    // the distance nor its comparison with the allowed skew may overflow.
    if (!core::time_math::apart_by_more_than(info.gen_time, now, *options.max_clock_skew)) return;
    const auto diff = info.gen_time > now ? core::time_math::saturating_difference(info.gen_time, now)
                                          : core::time_math::saturating_difference(now, info.gen_time);
    add(v, "TSA-GENTIME-SKEW", "the token's genTime " + info.gen_time_text + " is " +
                                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(diff).count()) +
                                   " s away from the local clock (allowed: " +
                                   std::to_string(options.max_clock_skew->count()) + " s)");
}

// Step 5 onwards: the signer, its signature, pin, EKU and path, the signing-certificate
// attribute and the clock.
void check_signer(const Impl& st, TokenVerification& v, const ParsedToken& token, CMS_SignerInfo* si,
                  bool time_ok, const crypto::RevocationEvidence* caller_evidence) {
    const VerifyOptions& options = st.options;
    TokenInfo& info = v.info;
    const std::optional<crypto::Certificate> signer = find_signer(st, si, token.embedded);
    X509_ALGOR* sig_alg = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, nullptr, &sig_alg);
    info.signature_algorithm = signature_alg_name(sig_alg);
    if (!signer) {
        add(v, "TSA-CERT-NOT-FOUND",
            "the TSA certificate is neither in the token nor among the given certificates, so the token cannot be checked");
        return;
    }
    fill_signer(info, *signer);
    check_cms_signature(v, token.cms.get(), *signer);
    if (options.pinned_tsa_certificate &&
        X509_cmp(signer->impl().cert.get(), options.pinned_tsa_certificate->impl().cert.get()) != 0)
        add(v, "TSA-CERT-PIN-MISMATCH", "the token was signed by " + info.signer_subject +
                                            ", not by the pinned TSA certificate");
    check_eku(v, *signer);
    std::optional<TimePoint> at = options.validation_time;
    if (!at && time_ok) at = info.gen_time;
    const std::optional<TimePoint> gen_time = time_ok ? std::optional<TimePoint>(info.gen_time) : std::nullopt;
    const X509StackPtr chain = check_tsa_path(st, v, *signer, token, at, gen_time, caller_evidence);
    check_ess(v, si, chain.get());
    if (options.max_clock_skew && time_ok) check_clock_skew(v, options);
}

void verify_token_impl(const Impl& st, TokenVerification& v, std::span<const std::uint8_t> bytes,
                       const Expect& expect, bool bare) {
    v.token.assign(bytes.begin(), bytes.end());
    std::optional<ParsedToken> token = parse_token(st, v, bytes, bare);
    if (!token) return;
    CMS_SignerInfo* si = check_signed_data(v, token->cms.get());
    if (si == nullptr) return;
    bool time_ok = false;
    const TsTstInfoPtr tst = read_tst_info(v, token->cms.get(), time_ok);
    if (!tst) return;
    check_binding(v, tst.get(), expect);
    if (!token->have_embedded) token->embedded = certificates_parsed_with(token->cms.get());
    v.info.embedded_certificates = token->embedded.size();
    if (expect.require_certs && v.info.embedded_certificates == 0)
        add(v, "TSA-CERTS-MISSING", "certificates were requested (certReq) but the token embeds none");
    check_signer(st, v, *token, si, time_ok, expect.evidence);
}

void verify_response_impl(const Impl& st, TokenVerification& v, std::span<const std::uint8_t> bytes,
                          const Expect& expect) {
    detail::TlvError err{};
    const auto outer = detail::read_tlv(bytes, err);
    if (!outer || outer->tag != 0x30) {
        std::string why = err == detail::TlvError::empty       ? "the response is empty"
                          : err == detail::TlvError::truncated ? "the response is truncated"
                          : err == detail::TlvError::indefinite
                              ? "the response is BER with indefinite lengths, not DER"
                              : "the response is not a DER TimeStampResp";
        add(v, "TSA-RESPONSE-MALFORMED", why);
        return;
    }
    if (outer->total() != bytes.size())
        add(v, "TSA-TRAILING-DATA", std::to_string(bytes.size() - outer->total()) +
                                        " bytes follow the TimeStampResp");
    const auto status_tlv = detail::read_tlv(outer->content, err);
    if (!status_tlv || status_tlv->tag != 0x30) {
        add(v, "TSA-RESPONSE-MALFORMED", "the TimeStampResp has no PKIStatusInfo");
        return;
    }
    const unsigned char* sp = outer->content.data();
    TsStatusInfoPtr status(d2i_TS_STATUS_INFO(nullptr, &sp, static_cast<long>(status_tlv->total())));
    if (!status || sp != outer->content.data() + status_tlv->total()) {
        crypto::drain_openssl_errors();
        add(v, "TSA-RESPONSE-MALFORMED", "the PKIStatusInfo cannot be decoded");
        return;
    }
    v.status = static_cast<int>(asn1_long(TS_STATUS_INFO_get0_status(status.get())));
    if (const auto* texts = TS_STATUS_INFO_get0_text(status.get())) {
        for (int i = 0; i < sk_ASN1_UTF8STRING_num(texts); ++i) {
            const ASN1_UTF8STRING* s = sk_ASN1_UTF8STRING_value(texts, i);
            if (!v.status_text.empty()) v.status_text += "; ";
            v.status_text.append(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                 static_cast<std::size_t>(ASN1_STRING_length(s)));
        }
    }
    if (const ASN1_BIT_STRING* fi = TS_STATUS_INFO_get0_failure_info(status.get())) {
        for (int bit = 0; bit < 32; ++bit) {
            if (ASN1_BIT_STRING_get_bit(fi, bit)) v.fail_info.push_back(fail_info_name(bit));
        }
    }
    const auto rest = outer->content.subspan(status_tlv->total());
    const bool has_token = !rest.empty();
    if (v.status != 0 && v.status != 1) {
        static const char* names[] = {"granted", "grantedWithMods", "rejection", "waiting",
                                      "revocationWarning", "revocationNotification"};
        std::string what = v.status >= 0 && v.status <= 5 ? names[v.status] : "unknown status " + std::to_string(v.status);
        std::string extra;
        if (!v.fail_info.empty()) {
            extra += "; failInfo ";
            for (std::size_t i = 0; i < v.fail_info.size(); ++i) extra += (i ? "," : "") + v.fail_info[i];
        }
        if (!v.status_text.empty()) extra += "; \"" + v.status_text + "\"";
        const std::string code = v.status == 3 ? "TSA-STATUS-WAITING" : "TSA-STATUS-REJECTED";
        add(v, code, "the TSA did not grant the time-stamp (status " + what + extra + ")");
        if (has_token) add(v, "TSA-RESPONSE-MALFORMED", "the TSA sent a token with a non-granted status");
        return;
    }
    if (v.status == 1)
        add(v, "TSA-STATUS-GRANTED-WITH-MODS", "the TSA granted the time-stamp with modifications", Severity::warning);
    if (!has_token) {
        add(v, "TSA-TOKEN-MISSING", "the TSA granted the request but sent no token");
        return;
    }
    verify_token_impl(st, v, rest, expect, false);
}


Expect expect_from_request(const TimestampRequest& request) {
    Expect e;
    e.imprint = request.imprint();
    e.imprint_nid = detail::hash_nid(request.hash());
    e.nonce = request.nonce();
    e.policy = request.policy();
    e.require_certs = request.cert_req();
    return e;
}

Expect expect_from(const TokenExpectations& t) {
    Expect e;
    if (t.digest_alg) {
        e.imprint = t.digest;
        e.imprint_nid = detail::hash_nid(*t.digest_alg);
    } else if (t.data) {
        e.data = t.data;
    }
    e.nonce = t.nonce;
    e.policy = t.policy;
    e.require_certs = t.require_certificates;
    if (!t.revocation_evidence.empty()) e.evidence = &t.revocation_evidence;
    return e;
}

// Every public entry point: one place that turns an exception into a finding.
template <class Fn>
TokenVerification guarded(Fn&& fn) {
    TokenVerification v;
    try {
        fn(v);
    } catch (const std::exception& ex) {
        add(v, "TSA-INTERNAL", std::string("verification failed unexpectedly: ") + ex.what());
    }
    return v;
}

TokenVerification response_with(const Impl& st, std::span<const std::uint8_t> response,
                                const TimestampRequest& request) {
    return guarded([&](TokenVerification& v) { verify_response_impl(st, v, response, expect_from_request(request)); });
}

TokenVerification token_with(const Impl& st, std::span<const std::uint8_t> token, const TokenExpectations& expect) {
    return guarded([&](TokenVerification& v) { verify_token_impl(st, v, token, expect_from(expect), true); });
}

TokenVerification response_or_token_with(const Impl& st, std::span<const std::uint8_t> bytes,
                                         const TokenExpectations& expect) {
    // A ContentInfo starts SEQUENCE { OID ...; a TimeStampResp starts SEQUENCE { SEQUENCE ...
    bool is_token = false;
    detail::TlvError err{};
    if (bytes.size() >= 2 && bytes[0] == 0x30 && bytes[1] == 0x80) {
        is_token = true;  // BER indefinite length: only tokens come like that
    } else if (const auto outer = detail::read_tlv(bytes, err)) {
        is_token = !outer->content.empty() && outer->content[0] == 0x06;
    }
    if (is_token) return token_with(st, bytes, expect);
    return guarded([&](TokenVerification& v) { verify_response_impl(st, v, bytes, expect_from(expect)); });
}

// The free functions: a verifier state made for one call (nothing is cached).
template <class Fn>
TokenVerification with_one_shot(const VerifyOptions& options, Fn&& fn) {
    try {
        const Impl st(options, false);
        return fn(st);
    } catch (const std::exception& ex) {
        TokenVerification v;
        add(v, "TSA-INTERNAL", std::string("verification failed unexpectedly: ") + ex.what());
        return v;
    }
}

}  // namespace

TokenVerifier::TokenVerifier(VerifyOptions options) : m_impl(std::make_shared<Impl>(std::move(options), true)) {}

TokenVerification TokenVerifier::verify_response(std::span<const std::uint8_t> response,
                                                 const TimestampRequest& request) const {
    return response_with(*m_impl, response, request);
}

TokenVerification TokenVerifier::verify_token(std::span<const std::uint8_t> token,
                                              const TokenExpectations& expect) const {
    return token_with(*m_impl, token, expect);
}

TokenVerification TokenVerifier::verify_response_or_token(std::span<const std::uint8_t> bytes,
                                                          const TokenExpectations& expect) const {
    return response_or_token_with(*m_impl, bytes, expect);
}

const VerifyOptions& TokenVerifier::options() const noexcept { return m_impl->options; }

TokenVerifier::CacheStats TokenVerifier::cache_stats() const noexcept {
    return m_impl->validator.cache_stats();
}

TokenVerification verify_response(std::span<const std::uint8_t> response, const TimestampRequest& request,
                                  const VerifyOptions& options) {
    return with_one_shot(options, [&](const Impl& st) { return response_with(st, response, request); });
}

TokenVerification verify_token(std::span<const std::uint8_t> token, const TokenExpectations& expect,
                               const VerifyOptions& options) {
    return with_one_shot(options, [&](const Impl& st) { return token_with(st, token, expect); });
}

TokenVerification verify_response_or_token(std::span<const std::uint8_t> bytes, const TokenExpectations& expect,
                                           const VerifyOptions& options) {
    return with_one_shot(options, [&](const Impl& st) { return response_or_token_with(st, bytes, expect); });
}

}  // namespace istmo::tsa
