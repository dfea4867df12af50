// Documents signed by the xmlsec1 command-line tool with a self-signed signer: the material
// of issue 13's independent measurement (no chain for libxmlsec1 to rebuild). Made once per
// run in a temporary directory, outside the timed loops.
#include "bench_common.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace istmo::bench {
namespace {

bool run(const std::string& command) {
    const int status = std::system((command + " >/dev/null 2>&1").c_str());
    if (status != 0) std::fprintf(stderr, "xmlsec1 CLI case: command failed (%d): %s\n", status, command.c_str());
    return status == 0;
}

// One self-signed RSA-2048 signer per process, shared by every CLI-signed document.
const std::filesystem::path* signer_dir() {
    static const std::optional<std::filesystem::path> dir = []() -> std::optional<std::filesystem::path> {
        char name[] = "/tmp/istmo-bench-xmlsec1-XXXXXX";
        if (!mkdtemp(name)) return std::nullopt;
        const std::filesystem::path d = name;
        if (!run("openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj /CN=istmo-bench-self-signed"
                 " -keyout " + (d / "key.pem").string() + " -out " + (d / "cert.pem").string()))
            return std::nullopt;
        return d;
    }();
    return dir ? &*dir : nullptr;
}

std::string signature_template(bool exclusive) {
    const std::string c14n = exclusive ? "http://www.w3.org/2001/10/xml-exc-c14n#"
                                       : "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
    return "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">\n"
           "<ds:SignedInfo>\n"
           "<ds:CanonicalizationMethod Algorithm=\"" + c14n + "\"/>\n"
           "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>\n"
           "<ds:Reference URI=\"\">\n"
           "<ds:Transforms>\n"
           "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\n"
           "<ds:Transform Algorithm=\"" + c14n + "\"/>\n"
           "</ds:Transforms>\n"
           "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\n"
           "<ds:DigestValue/>\n"
           "</ds:Reference>\n"
           "</ds:SignedInfo>\n"
           "<ds:SignatureValue/>\n"
           "<ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo>\n"
           "</ds:Signature>\n";
}

}  // namespace

std::optional<CliSignedDocument> xmlsec_cli_sign(const std::string& xml, bool exclusive) {
    const std::filesystem::path* dir = signer_dir();
    if (!dir) return std::nullopt;
    // The template goes last in the document element.
    const auto close = xml.rfind("</");
    if (close == std::string::npos) return std::nullopt;
    std::string templated = xml.substr(0, close) + signature_template(exclusive) + xml.substr(close);
    const std::string stem = std::string(exclusive ? "exc-" : "inc-") + std::to_string(xml.size());
    const std::filesystem::path in = *dir / (stem + ".template.xml");
    const std::filesystem::path out = *dir / (stem + ".signed.xml");
    std::ofstream(in, std::ios::binary) << templated;
    if (!run("xmlsec1 --sign --privkey-pem " + (*dir / "key.pem").string() + "," + (*dir / "cert.pem").string() +
             " --output " + out.string() + " " + in.string()))
        return std::nullopt;
    CliSignedDocument document{read_text(out.string()), (*dir / "cert.pem").string()};
    if (document.signed_xml.empty()) return std::nullopt;
    return document;
}

}  // namespace istmo::bench
