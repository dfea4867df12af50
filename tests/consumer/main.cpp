// Signs and verifies a document with a key generated on the fly: proves the installed headers
// and libraries are complete and usable.
#include <istmo/istmo.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    if (argc != 2) return 64;
    auto key = istmo::crypto::PrivateKey::from_file(argv[1]);
    if (!key) {
        std::fprintf(stderr, "%s\n", key.error().to_string().c_str());
        return 1;
    }
    auto signer = istmo::dsig::Signer::create(*key, std::nullopt, {}, {});
    if (!signer) return 1;
    auto signed_xml = signer->sign("<doc><v>42</v></doc>");
    if (!signed_xml) return 1;
    istmo::dsig::VerifyOptions options;
    options.trusted_keys.push_back(*istmo::crypto::PublicKey::from_file(std::string(argv[1]) + ".pub"));
    auto report = istmo::dsig::Verifier(options).verify(*signed_xml);
    if (!report || !report->passed()) return 1;
    std::printf("consumer ok: istmo %s, %s\n", istmo::version(), std::string(istmo::report::to_string(report->indication)).c_str());
    return 0;
}
