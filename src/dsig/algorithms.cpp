#include "dsig/algorithms.hpp"

#include <array>

namespace istmo::dsig {
namespace {

using crypto::DigestAlg;
using crypto::SigScheme;

struct DigestRow { std::string_view uri; DigestAlg alg; AlgorithmStatus status; };
constexpr std::array<DigestRow, 6> k_digests{{
    {"http://www.w3.org/2000/09/xmldsig#sha1", DigestAlg::sha1, AlgorithmStatus::legacy},
    {"http://www.w3.org/2001/04/xmldsig-more#sha224", DigestAlg::sha224, AlgorithmStatus::allowed},
    {"http://www.w3.org/2001/04/xmlenc#sha256", DigestAlg::sha256, AlgorithmStatus::allowed},
    {"http://www.w3.org/2001/04/xmldsig-more#sha384", DigestAlg::sha384, AlgorithmStatus::allowed},
    {"http://www.w3.org/2001/04/xmlenc#sha512", DigestAlg::sha512, AlgorithmStatus::allowed},
    {"http://www.w3.org/2001/04/xmldsig-more#md5", DigestAlg::sha1, AlgorithmStatus::forbidden},
}};

struct SignatureRow {
    std::string_view uri;
    SignatureFamily family;
    SigScheme scheme;
    DigestAlg digest;
    AlgorithmStatus status;
};
constexpr std::array<SignatureRow, 25> k_signatures{{
    {"http://www.w3.org/2000/09/xmldsig#rsa-sha1", SignatureFamily::rsa, SigScheme::rsa_pkcs1, DigestAlg::sha1, AlgorithmStatus::legacy},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha224", SignatureFamily::rsa, SigScheme::rsa_pkcs1, DigestAlg::sha224, AlgorithmStatus::allowed},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", SignatureFamily::rsa, SigScheme::rsa_pkcs1, DigestAlg::sha256, AlgorithmStatus::allowed},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha384", SignatureFamily::rsa, SigScheme::rsa_pkcs1, DigestAlg::sha384, AlgorithmStatus::allowed},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", SignatureFamily::rsa, SigScheme::rsa_pkcs1, DigestAlg::sha512, AlgorithmStatus::allowed},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-md5", SignatureFamily::rsa, SigScheme::rsa_pkcs1, DigestAlg::sha1, AlgorithmStatus::forbidden},
    {"http://www.w3.org/2007/05/xmldsig-more#sha1-rsa-MGF1", SignatureFamily::rsa_pss, SigScheme::rsa_pss, DigestAlg::sha1, AlgorithmStatus::legacy},
    {"http://www.w3.org/2007/05/xmldsig-more#sha224-rsa-MGF1", SignatureFamily::rsa_pss, SigScheme::rsa_pss, DigestAlg::sha224, AlgorithmStatus::allowed},
    {"http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1", SignatureFamily::rsa_pss, SigScheme::rsa_pss, DigestAlg::sha256, AlgorithmStatus::allowed},
    {"http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1", SignatureFamily::rsa_pss, SigScheme::rsa_pss, DigestAlg::sha384, AlgorithmStatus::allowed},
    {"http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1", SignatureFamily::rsa_pss, SigScheme::rsa_pss, DigestAlg::sha512, AlgorithmStatus::allowed},
    {"http://www.w3.org/2007/05/xmldsig-more#rsa-pss", SignatureFamily::rsa_pss, SigScheme::rsa_pss, DigestAlg::sha256, AlgorithmStatus::allowed},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1", SignatureFamily::ecdsa, SigScheme::ecdsa, DigestAlg::sha1, AlgorithmStatus::legacy},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha224", SignatureFamily::ecdsa, SigScheme::ecdsa, DigestAlg::sha224, AlgorithmStatus::allowed},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", SignatureFamily::ecdsa, SigScheme::ecdsa, DigestAlg::sha256, AlgorithmStatus::allowed},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", SignatureFamily::ecdsa, SigScheme::ecdsa, DigestAlg::sha384, AlgorithmStatus::allowed},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512", SignatureFamily::ecdsa, SigScheme::ecdsa, DigestAlg::sha512, AlgorithmStatus::allowed},
    {"http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519", SignatureFamily::ed25519, SigScheme::ed25519, DigestAlg::sha512, AlgorithmStatus::allowed},
    {"http://www.w3.org/2000/09/xmldsig#hmac-sha1", SignatureFamily::hmac, SigScheme::rsa_pkcs1, DigestAlg::sha1, AlgorithmStatus::forbidden},
    {"http://www.w3.org/2001/04/xmldsig-more#hmac-sha224", SignatureFamily::hmac, SigScheme::rsa_pkcs1, DigestAlg::sha224, AlgorithmStatus::forbidden},
    {"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256", SignatureFamily::hmac, SigScheme::rsa_pkcs1, DigestAlg::sha256, AlgorithmStatus::forbidden},
    {"http://www.w3.org/2001/04/xmldsig-more#hmac-sha384", SignatureFamily::hmac, SigScheme::rsa_pkcs1, DigestAlg::sha384, AlgorithmStatus::forbidden},
    {"http://www.w3.org/2001/04/xmldsig-more#hmac-sha512", SignatureFamily::hmac, SigScheme::rsa_pkcs1, DigestAlg::sha512, AlgorithmStatus::forbidden},
    {"http://www.w3.org/2000/09/xmldsig#dsa-sha1", SignatureFamily::dsa, SigScheme::rsa_pkcs1, DigestAlg::sha1, AlgorithmStatus::forbidden},
    {"http://www.w3.org/2009/xmldsig11#dsa-sha256", SignatureFamily::dsa, SigScheme::rsa_pkcs1, DigestAlg::sha256, AlgorithmStatus::forbidden},
}};

struct C14nRow { std::string_view uri; xml::C14nAlgorithm alg; bool comments; };
constexpr std::array<C14nRow, 6> k_c14n{{
    {"http://www.w3.org/TR/2001/REC-xml-c14n-20010315", xml::C14nAlgorithm::inclusive_1_0, false},
    {"http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments", xml::C14nAlgorithm::inclusive_1_0, true},
    {"http://www.w3.org/2001/10/xml-exc-c14n#", xml::C14nAlgorithm::exclusive_1_0, false},
    {"http://www.w3.org/2001/10/xml-exc-c14n#WithComments", xml::C14nAlgorithm::exclusive_1_0, true},
    {"http://www.w3.org/2006/12/xml-c14n11", xml::C14nAlgorithm::inclusive_1_1, false},
    {"http://www.w3.org/2006/12/xml-c14n11#WithComments", xml::C14nAlgorithm::inclusive_1_1, true},
}};

}  // namespace

std::optional<DigestInfo> digest_from_uri(std::string_view uri) {
    for (const auto& row : k_digests)
        if (row.uri == uri) return DigestInfo{row.alg, row.status};
    return std::nullopt;
}

std::string_view digest_uri(crypto::DigestAlg alg) {
    for (const auto& row : k_digests)
        if (row.alg == alg && row.status != AlgorithmStatus::forbidden) return row.uri;
    return {};
}

std::optional<SignatureInfo> signature_from_uri(std::string_view uri) {
    for (const auto& row : k_signatures) {
        if (row.uri != uri) continue;
        SignatureInfo info{row.family, {}, row.status, uri == uri::rsa_pss_generic};
        info.params.scheme = row.scheme;
        info.params.digest = row.digest;
        info.params.mgf1_digest = row.digest;
        info.params.pss_salt_length = -1;
        return info;
    }
    return std::nullopt;
}

std::optional<xml::C14nMethod> c14n_from_uri(std::string_view uri) {
    for (const auto& row : k_c14n)
        if (row.uri == uri) return xml::C14nMethod{row.alg, row.comments, {}};
    return std::nullopt;
}

bool is_c14n_uri(std::string_view uri) { return c14n_from_uri(uri).has_value(); }

// ---- public names -------------------------------------------------------------------------

std::optional<SignatureAlgorithm> parse_signature_algorithm(std::string_view name) {
    struct Row { std::string_view name; SignatureAlgorithm alg; };
    static constexpr std::array<Row, 11> rows{{
        {"auto", SignatureAlgorithm::automatic},
        {"rsa-sha256", SignatureAlgorithm::rsa_sha256}, {"rsa-sha384", SignatureAlgorithm::rsa_sha384},
        {"rsa-sha512", SignatureAlgorithm::rsa_sha512}, {"rsa-pss-sha256", SignatureAlgorithm::rsa_pss_sha256},
        {"rsa-pss-sha384", SignatureAlgorithm::rsa_pss_sha384}, {"rsa-pss-sha512", SignatureAlgorithm::rsa_pss_sha512},
        {"ecdsa-sha256", SignatureAlgorithm::ecdsa_sha256}, {"ecdsa-sha384", SignatureAlgorithm::ecdsa_sha384},
        {"ecdsa-sha512", SignatureAlgorithm::ecdsa_sha512}, {"ed25519", SignatureAlgorithm::ed25519},
    }};
    for (const auto& r : rows)
        if (r.name == name) return r.alg;
    return std::nullopt;
}

std::optional<Canonicalization> parse_canonicalization(std::string_view name) {
    if (name == "exc") return Canonicalization::exclusive;
    if (name == "exc-comments") return Canonicalization::exclusive_comments;
    if (name == "inc") return Canonicalization::inclusive;
    if (name == "inc-comments") return Canonicalization::inclusive_comments;
    if (name == "c14n11") return Canonicalization::c14n11;
    if (name == "c14n11-comments") return Canonicalization::c14n11_comments;
    return std::nullopt;
}

std::optional<SignMode> parse_sign_mode(std::string_view name) {
    if (name == "enveloped") return SignMode::enveloped;
    if (name == "enveloping") return SignMode::enveloping;
    if (name == "detached") return SignMode::detached;
    return std::nullopt;
}

std::string_view signature_algorithm_uri(SignatureAlgorithm alg) noexcept {
    switch (alg) {
        case SignatureAlgorithm::automatic: return {};
        case SignatureAlgorithm::rsa_sha256: return k_signatures[2].uri;
        case SignatureAlgorithm::rsa_sha384: return k_signatures[3].uri;
        case SignatureAlgorithm::rsa_sha512: return k_signatures[4].uri;
        case SignatureAlgorithm::rsa_pss_sha256: return k_signatures[8].uri;
        case SignatureAlgorithm::rsa_pss_sha384: return k_signatures[9].uri;
        case SignatureAlgorithm::rsa_pss_sha512: return k_signatures[10].uri;
        case SignatureAlgorithm::ecdsa_sha256: return k_signatures[14].uri;
        case SignatureAlgorithm::ecdsa_sha384: return k_signatures[15].uri;
        case SignatureAlgorithm::ecdsa_sha512: return k_signatures[16].uri;
        case SignatureAlgorithm::ed25519: return k_signatures[17].uri;
    }
    return {};
}

std::string_view canonicalization_uri(Canonicalization c14n) noexcept {
    switch (c14n) {
        case Canonicalization::inclusive: return k_c14n[0].uri;
        case Canonicalization::inclusive_comments: return k_c14n[1].uri;
        case Canonicalization::exclusive: return k_c14n[2].uri;
        case Canonicalization::exclusive_comments: return k_c14n[3].uri;
        case Canonicalization::c14n11: return k_c14n[4].uri;
        case Canonicalization::c14n11_comments: return k_c14n[5].uri;
    }
    return {};
}

}  // namespace istmo::dsig
