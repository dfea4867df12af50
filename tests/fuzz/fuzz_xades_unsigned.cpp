// libFuzzer harness: the XAdES unsigned signature properties (CertificateValues, RevocationValues,
// TimeStampValidationData, SignatureTimeStamp, ArchiveTimeStamp, CounterSignature) of a validly
// signed B-B document. The input is spliced into the signature's UnsignedSignatureProperties, so
// every run reaches the long-term steps (the signature value verifies) instead of stopping at the
// XMLDSig core; xades::Verifier then checks it offline. Seeds: fragments made by scripts/fuzz.sh
// from the OCSP responses, CRLs and time-stamp tokens of test-vectors/.
#include <istmo/xades/xades.hpp>

#include "fuzz_common.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

// A B-B over a small document by the test PKI's RSA signer, made once.
std::string signed_document() {
    const std::string pki = std::string(ISTMO_SOURCE_DIR) + "/test-vectors/pki/";
    auto key = istmo::crypto::PrivateKey::from_file(pki + "rsa2048.key.pem");
    auto cert = istmo::crypto::Certificate::from_file(pki + "rsa2048.cert.pem");
    auto intermediate = istmo::crypto::Certificate::from_file(pki + "intermediate.cert.pem");
    if (!key || !cert || !intermediate) std::abort();
    istmo::xades::SignOptions options;
    options.dsig.signature_id = "s";
    auto signer = istmo::xades::Signer::create(*key, *cert, {*intermediate}, options);
    if (!signer) std::abort();
    auto out = signer->sign("<doc><total>1.00</total></doc>");
    if (!out) std::abort();
    return *out;
}

istmo::xades::Verifier make_verifier() {
    istmo::xades::VerifyOptions options;
    options.dsig.trust = istmo::fuzz::test_trust();
    options.dsig.validation_time = istmo::fuzz::fixed_time();
    options.dsig.offline = true;
    options.dsig.streaming_threshold_bytes = 0;
    options.dsig.limits.max_nodes = 100'000;
    return istmo::xades::Verifier(std::move(options));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string document = signed_document();
    static const std::size_t end = document.find("</xades:QualifyingProperties>");
    static const istmo::xades::Verifier verifier = make_verifier();
    if (end == std::string::npos) std::abort();
    std::string xml = document.substr(0, end);
    xml += "<xades:UnsignedProperties><xades:UnsignedSignatureProperties xmlns:xades141=\"http://uri.etsi.org/01903/v1.4.1#\">";
    xml.append(reinterpret_cast<const char*>(data), size);
    xml += "</xades:UnsignedSignatureProperties></xades:UnsignedProperties>";
    xml += document.substr(end);
    auto report = verifier.verify(xml);
    if (report) {
        (void)report->to_json();
        (void)report->to_text();
    }
    return 0;
}
