#pragma once
// Internal: the algorithm URIs istmo knows, and what each means.
#include <istmo/dsig/sign.hpp>

#include "crypto/native.hpp"
#include "xml/c14n.hpp"

#include <optional>
#include <string_view>

namespace istmo::dsig::uri {
inline constexpr std::string_view ds_ns = "http://www.w3.org/2000/09/xmldsig#";
inline constexpr std::string_view dsig11_ns = "http://www.w3.org/2009/xmldsig11#";
inline constexpr std::string_view more07_ns = "http://www.w3.org/2007/05/xmldsig-more#";
inline constexpr std::string_view exc_c14n_ns = "http://www.w3.org/2001/10/xml-exc-c14n#";
inline constexpr std::string_view enveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
inline constexpr std::string_view base64 = "http://www.w3.org/2000/09/xmldsig#base64";
inline constexpr std::string_view xslt = "http://www.w3.org/TR/1999/REC-xslt-19991116";
inline constexpr std::string_view xpath = "http://www.w3.org/TR/1999/REC-xpath-19991116";
inline constexpr std::string_view xpath_filter2 = "http://www.w3.org/2002/06/xmldsig-filter2";
inline constexpr std::string_view decrypt_xml = "http://www.w3.org/2002/07/decrypt#XML";
inline constexpr std::string_view rsa_pss_generic = "http://www.w3.org/2007/05/xmldsig-more#rsa-pss";
inline constexpr std::string_view mgf1 = "http://www.w3.org/2007/05/xmldsig-more#MGF1";
}  // namespace istmo::dsig::uri

namespace istmo::dsig {

// How a known algorithm URI may be used.
enum class AlgorithmStatus { allowed, legacy /* SHA-1: only with allow_legacy */, forbidden /* MD5 */ };

struct DigestInfo {
    crypto::DigestAlg alg;
    AlgorithmStatus status;
};
std::optional<DigestInfo> digest_from_uri(std::string_view uri);
std::string_view digest_uri(crypto::DigestAlg alg);

enum class SignatureFamily { rsa, rsa_pss, ecdsa, ed25519, hmac, dsa };
struct SignatureInfo {
    SignatureFamily family;
    crypto::SignatureParams params;
    AlgorithmStatus status;
    bool generic_pss = false;  // parameters come from RSAPSSParams
};
std::optional<SignatureInfo> signature_from_uri(std::string_view uri);

std::optional<xml::C14nMethod> c14n_from_uri(std::string_view uri);
bool is_c14n_uri(std::string_view uri);

}  // namespace istmo::dsig
