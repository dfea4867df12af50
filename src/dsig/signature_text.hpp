#pragma once
// Internal: the streamed signer's ds:Signature written as text, without libxml2 nodes. It is
// the bytes xmlSaveTree writes for the enveloped signature the DOM path builds (sign.cpp), and
// the canonical form of its SignedInfo where it is appended to the document element, for
// exclusive C14N and C14N 1.0. Whatever this writer cannot render exactly (see
// writes_exactly and canonical_context) goes to the DOM path instead;
// tests/dsig_sign_paths_test.cpp holds both paths to the same bytes.
#include <istmo/crypto/keys.hpp>
#include <istmo/dsig/sign.hpp>

#include "xml/stream_c14n.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace istmo::dsig {

// RSAPSSParams of the generic RSA-PSS URI (SignOptions::rsa_pss_params_form).
struct PssParamsText {
    std::string_view digest_uri;
    std::size_t salt_length = 0;
};

// A SignedInfo with one reference, URI="" with the enveloped-signature transform.
struct SignedInfoText {
    std::string_view prefix;  // of the ds elements; empty = the default namespace
    std::string_view c14n_uri;
    std::string_view method_uri;
    std::optional<PssParamsText> pss;
    std::string_view digest_uri;
    std::string digest_value;  // base64
};

// Where xmlns:pss is rendered in the canonical SignedInfo: on RSAPSSParams (exclusive C14N,
// where it is first used), on SignatureMethod (C14N 1.0, where it is declared), or nowhere
// (C14N 1.0 when the document element already has pss bound to the same URI).
enum class PssNamespace { on_params, on_method, inherited };

// What the canonical SignedInfo takes from where it sits.
struct CanonicalContext {
    std::string signed_info_attributes;  // its start tag's namespace declarations and xml:* attributes
    PssNamespace pss = PssNamespace::on_params;
};

// The context of a SignedInfo inside a signature appended to the document element `root`.
// nullopt when a namespace there is one this writer does not render as the DOM canonicalizer
// does (a prefixed namespace bound to "", which only XML 1.1 allows).
std::optional<CanonicalContext> canonical_context(const xml::StreamRoot& root, std::string_view prefix,
                                                  bool exclusive);

// The canonical SignedInfo octets: what is signed.
std::string canonical_signed_info(const SignedInfoText& info, const CanonicalContext& context);

// Whether the signer's own strings (signature Id, subject and issuer names) are ones this
// writer escapes as libxml2 does: printable ASCII in the Id, well-formed UTF-8 without
// control characters in the names.
bool writes_exactly(const Signer& signer);

// What ds:KeyValue holds for a key, base64: RSA modulus and exponent, or the EC curve's OID and
// public point; nothing for Ed25519 (no KeyValue form) or when the key does not give them.
struct KeyValueParts {
    std::string modulus;
    std::string exponent;
    std::string curve_oid;
    std::string public_key;
};
KeyValueParts key_value_parts(const crypto::PrivateKey& key);

// Base64 with 76-character lines, as the signature's binary values are written.
std::string base64_lines(std::span<const std::uint8_t> bytes);

// The serialized ds:Signature: SignedInfo, SignatureValue (base64), KeyInfo.
std::string signature_text(const SignedInfoText& info, const Signer& signer, const crypto::PrivateKey& key,
                           std::string_view signature_value);

}  // namespace istmo::dsig
