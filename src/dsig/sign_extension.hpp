#pragma once
// Internal: how a profile built on XMLDSig (XAdES) adds its objects and references to a
// signature being made, and acts once the SignatureValue exists.
#include <istmo/dsig/sign.hpp>

#include "crypto/native.hpp"
#include "internal/c_ptr.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace istmo::dsig {

struct SignContext {
    xmlDocPtr doc = nullptr;             // the document that holds the signature
    xmlNodePtr signature = nullptr;      // ds:Signature
    xmlNsPtr ds = nullptr;               // the ds namespace declared on it
    std::string signature_id;            // always set when an extension is used
    std::vector<std::string> data_reference_ids;  // Id of each data ds:Reference
    xmlNodePtr signature_value = nullptr;
    const crypto::Certificate* certificate = nullptr;
    Canonicalization canonicalization = Canonicalization::exclusive;
    crypto::DigestAlg digest = crypto::DigestAlg::sha256;
};

struct ExtraReference {
    std::string uri;   // "#id" of an element the extension added
    std::string type;  // Type attribute, may be empty
};

class SignExtension {
public:
    virtual ~SignExtension() = default;
    // Adds ds:Object content (after KeyInfo); returns the references SignedInfo must carry.
    virtual Result<std::vector<ExtraReference>> add_objects(SignContext& context) const = 0;
    // Runs once the SignatureValue is set (e.g. to add a signature timestamp).
    virtual Result<void> after_signing(SignContext& context) const = 0;
};

// The signer's private key, for the internal signing function below (Signer befriends it).
struct SignerAccess {
    static const crypto::PrivateKey& key(const Signer& signer) noexcept { return signer.m_key; }
};

// Signer::sign, with an extension's objects and references added (nullptr = plain XMLDSig).
Result<std::string> sign_with_extension(const Signer& signer, std::string_view xml, const SignExtension* extension);
// Which way a plain XMLDSig signature is made: the streamed path when it applies (an enveloped
// URI="" reference with C14N 1.0 or exclusive C14N: no DOM of the input), else the DOM path.
// Tests force one of them to compare their output byte for byte; `streamed` fails with
// Errc::unsupported when that path does not apply.
enum class SignPath { automatic, dom, streamed };

// The same with another key than the signer's (two-step signing records the digest with it).
Result<std::string> sign_with_key(const Signer& signer, const crypto::PrivateKey& key, std::string_view xml,
                                  const SignExtension* extension, SignPath path = SignPath::automatic);
// Signer::sign that also gives the DigestValue text of each reference (SignedInfo order), for a
// caller that needs it (the Panama QR code) without reading the signed document again.
struct SignedWithDigests {
    std::string document;
    std::vector<std::string> digest_values;
};
Result<SignedWithDigests> sign_with_digests(const Signer& signer, std::string_view xml);

// Signer::prepare, with an extension.
Result<PendingSignature> prepare_with_extension(const Signer& signer, std::string_view xml, const SignExtension* extension);
// A key with the certificate's public half whose signing is refused (Signer::for_certificate).
crypto::PrivateKey certificate_only_key(const crypto::Certificate& certificate);

}  // namespace istmo::dsig
