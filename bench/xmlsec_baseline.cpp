// The libxmlsec1 baseline: the same operations as the istmo benchmarks, written the way the
// xmlsec examples (sign1/sign3, verify1/verify3) and most integrations do them.
#include "bench_common.hpp"

#include <benchmark/benchmark.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace istmo::bench {

namespace {

struct DocDeleter {
    void operator()(xmlDoc* doc) const noexcept { xmlFreeDoc(doc); }
};
struct DSigCtxDeleter {
    void operator()(xmlSecDSigCtx* ctx) const noexcept { xmlSecDSigCtxDestroy(ctx); }
};
struct KeyDeleter {
    void operator()(xmlSecKey* key) const noexcept { xmlSecKeyDestroy(key); }
};
struct KeysMngrDeleter {
    void operator()(xmlSecKeysMngr* mngr) const noexcept { xmlSecKeysMngrDestroy(mngr); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;
using DSigCtxPtr = std::unique_ptr<xmlSecDSigCtx, DSigCtxDeleter>;
using KeyPtr = std::unique_ptr<xmlSecKey, KeyDeleter>;
using KeysMngrPtr = std::unique_ptr<xmlSecKeysMngr, KeysMngrDeleter>;

const xmlChar* xstr(const char* s) noexcept { return reinterpret_cast<const xmlChar*>(s); }

// Plain libxml2 parse, as the examples do with xmlParseFile (no network access).
DocPtr parse(std::string_view xml) {
    return DocPtr(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr, XML_PARSE_NONET));
}

// Private key + its certificate + the intermediate, so that X509Data carries both
// certificates (as istmo's signer does with include_chain).
KeyPtr load_key(const KeySpec& spec) {
    KeyPtr key(xmlSecCryptoAppKeyLoad(spec.key_file.c_str(), xmlSecKeyDataFormatPem, nullptr, nullptr, nullptr));
    if (!key) throw std::runtime_error("xmlSecCryptoAppKeyLoad failed for " + spec.key_file);
    if (xmlSecCryptoAppKeyCertLoad(key.get(), spec.cert_file.c_str(), xmlSecKeyDataFormatPem) < 0)
        throw std::runtime_error("xmlSecCryptoAppKeyCertLoad failed for " + spec.cert_file);
    const std::string intermediate = pki_file("intermediate.cert.pem");
    if (xmlSecCryptoAppKeyCertLoad(key.get(), intermediate.c_str(), xmlSecKeyDataFormatPem) < 0)
        throw std::runtime_error("xmlSecCryptoAppKeyCertLoad failed for " + intermediate);
    return key;
}

// <ds:Signature> template appended to the document element: exc-c14n, rsa-sha256 or
// ecdsa-sha256, one Reference URI="" with enveloped + exc-c14n, KeyInfo/X509Data/X509Certificate.
xmlNodePtr add_template(xmlDocPtr doc, bool ecdsa) {
    xmlNodePtr sign_node = xmlSecTmplSignatureCreate(
        doc, xmlSecTransformExclC14NId, ecdsa ? xmlSecTransformEcdsaSha256Id : xmlSecTransformRsaSha256Id, nullptr);
    if (!sign_node) throw std::runtime_error("xmlSecTmplSignatureCreate failed");
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root) {
        xmlFreeNode(sign_node);
        throw std::runtime_error("document has no root element");
    }
    xmlAddChild(root, sign_node);
    xmlNodePtr ref = xmlSecTmplSignatureAddReference(sign_node, xmlSecTransformSha256Id, nullptr, xstr(""), nullptr);
    if (!ref) throw std::runtime_error("xmlSecTmplSignatureAddReference failed");
    if (!xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) ||
        !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId))
        throw std::runtime_error("xmlSecTmplReferenceAddTransform failed");
    xmlNodePtr key_info = xmlSecTmplSignatureEnsureKeyInfo(sign_node, nullptr);
    if (!key_info) throw std::runtime_error("xmlSecTmplSignatureEnsureKeyInfo failed");
    xmlNodePtr x509 = xmlSecTmplKeyInfoAddX509Data(key_info);
    if (!x509 || !xmlSecTmplX509DataAddCertificate(x509)) throw std::runtime_error("xmlSecTmplKeyInfoAddX509Data failed");
    return sign_node;
}

// One full signing: parse, template, key (loaded from the files, or duplicated from
// `preloaded`), xmlSecDSigCtxSign, serialization.
std::string sign_document(const KeySpec& spec, std::string_view xml, const xmlSecKey* preloaded) {
    DocPtr doc = parse(xml);
    if (!doc) throw std::runtime_error("xmlReadMemory failed");
    xmlNodePtr sign_node = add_template(doc.get(), spec.ecdsa);
    DSigCtxPtr ctx(xmlSecDSigCtxCreate(nullptr));
    if (!ctx) throw std::runtime_error("xmlSecDSigCtxCreate failed");
    // The context owns signKey and destroys it.
    ctx->signKey = preloaded ? xmlSecKeyDuplicate(const_cast<xmlSecKey*>(preloaded)) : load_key(spec).release();
    if (!ctx->signKey) throw std::runtime_error("xmlSecKeyDuplicate failed");
    if (xmlSecDSigCtxSign(ctx.get(), sign_node) < 0) throw std::runtime_error("xmlSecDSigCtxSign failed");
    xmlChar* mem = nullptr;
    int size = 0;
    xmlDocDumpMemory(doc.get(), &mem, &size);
    if (!mem) throw std::runtime_error("xmlDocDumpMemory failed");
    std::string out(reinterpret_cast<const char*>(mem), static_cast<std::size_t>(size));
    xmlFree(mem);
    return out;
}

// The keys manager for verification, created once: ca.cert.pem trusted, the intermediate
// known but untrusted (the documents also carry it in X509Data).
xmlSecKeysMngr* verify_manager() {
    static KeysMngrPtr mngr = [] {
        xmlsec_global_init();
        KeysMngrPtr m(xmlSecKeysMngrCreate());
        if (!m) throw std::runtime_error("xmlSecKeysMngrCreate failed");
        if (xmlSecCryptoAppDefaultKeysMngrInit(m.get()) < 0)
            throw std::runtime_error("xmlSecCryptoAppDefaultKeysMngrInit failed");
        const std::string ca = pki_file("ca.cert.pem");
        const std::string intermediate = pki_file("intermediate.cert.pem");
        if (xmlSecCryptoAppKeysMngrCertLoad(m.get(), ca.c_str(), xmlSecKeyDataFormatPem, xmlSecKeyDataTypeTrusted) < 0)
            throw std::runtime_error("xmlSecCryptoAppKeysMngrCertLoad failed for " + ca);
        if (xmlSecCryptoAppKeysMngrCertLoad(m.get(), intermediate.c_str(), xmlSecKeyDataFormatPem,
                                            xmlSecKeyDataTypeNone) < 0)
            throw std::runtime_error("xmlSecCryptoAppKeysMngrCertLoad failed for " + intermediate);
        return m;
    }();
    return mngr.get();
}

// A keys manager that trusts one certificate (a self-signed signer), one per file, kept for
// the whole run.
xmlSecKeysMngr* trusting_manager(const std::string& trusted_cert_file) {
    static std::mutex lock;
    static std::map<std::string, KeysMngrPtr> managers;
    std::lock_guard<std::mutex> guard(lock);
    KeysMngrPtr& m = managers[trusted_cert_file];
    if (!m) {
        xmlsec_global_init();
        KeysMngrPtr fresh(xmlSecKeysMngrCreate());
        if (!fresh) throw std::runtime_error("xmlSecKeysMngrCreate failed");
        if (xmlSecCryptoAppDefaultKeysMngrInit(fresh.get()) < 0)
            throw std::runtime_error("xmlSecCryptoAppDefaultKeysMngrInit failed");
        if (xmlSecCryptoAppKeysMngrCertLoad(fresh.get(), trusted_cert_file.c_str(), xmlSecKeyDataFormatPem,
                                            xmlSecKeyDataTypeTrusted) < 0)
            throw std::runtime_error("xmlSecCryptoAppKeysMngrCertLoad failed for " + trusted_cert_file);
        m = std::move(fresh);
    }
    return m.get();
}

// One full verification: parse, find ds:Signature, new DSig context, verify, check status.
bool verify_document(xmlSecKeysMngr* mngr, std::string_view xml, std::string& why) {
    DocPtr doc = parse(xml);
    if (!doc) {
        why = "xmlReadMemory failed";
        return false;
    }
    xmlNodePtr node = xmlSecFindNode(xmlDocGetRootElement(doc.get()), xmlSecNodeSignature, xmlSecDSigNs);
    if (!node) {
        why = "no ds:Signature";
        return false;
    }
    DSigCtxPtr ctx(xmlSecDSigCtxCreate(mngr));
    if (!ctx) {
        why = "xmlSecDSigCtxCreate failed";
        return false;
    }
    if (xmlSecDSigCtxVerify(ctx.get(), node) < 0) {
        why = "xmlSecDSigCtxVerify failed";
        return false;
    }
    if (ctx->status != xmlSecDSigStatusSucceeded) {
        why = "xmlsec status is not succeeded (" + std::to_string(static_cast<int>(ctx->status)) + ")";
        return false;
    }
    return true;
}

}  // namespace

void xmlsec_global_init() {
    static std::once_flag once;
    std::call_once(once, [] {
        xmlInitParser();
        if (xmlSecInit() < 0) throw std::runtime_error("xmlSecInit failed");
        if (xmlSecCheckVersion() != 1) throw std::runtime_error("loaded libxmlsec1 is not compatible with the headers");
        if (xmlSecCryptoAppInit(nullptr) < 0) throw std::runtime_error("xmlSecCryptoAppInit failed");
        if (xmlSecCryptoInit() < 0) throw std::runtime_error("xmlSecCryptoInit failed");
    });
}

std::string xmlsec_sign_once(const KeySpec& key, std::string_view xml) {
    xmlsec_global_init();
    return sign_document(key, xml, nullptr);
}

bool xmlsec_verify_once(std::string_view xml, std::string& why) {
    try {
        return verify_document(verify_manager(), xml, why);
    } catch (const std::exception& e) {
        why = e.what();
        return false;
    }
}

bool xmlsec_verify_once_trusting(std::string_view xml, const std::string& trusted_cert_file, std::string& why) {
    try {
        return verify_document(trusting_manager(trusted_cert_file), xml, why);
    } catch (const std::exception& e) {
        why = e.what();
        return false;
    }
}

void xmlsec_sign_benchmark(benchmark::State& state, const KeySpec& key, const std::string& xml,
                           bool key_per_iteration) {
    KeyPtr preloaded;
    try {
        xmlsec_global_init();
        if (!key_per_iteration) preloaded = load_key(key);
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        return;
    }
    for (auto _ : state) {
        try {
            std::string signed_xml = sign_document(key, xml, preloaded.get());
            benchmark::DoNotOptimize(signed_xml.data());
        } catch (const std::exception& e) {
            state.SkipWithError(e.what());
            break;
        }
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(xml.size()));
}

namespace {

// The timed loop of both verify benchmarks, over a keys manager made once outside it.
template <typename MakeManager>
void run_verify_benchmark(benchmark::State& state, const std::string& signed_xml, MakeManager&& make_manager) {
    xmlSecKeysMngr* mngr = nullptr;
    try {
        mngr = make_manager();
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        return;
    }
    std::string why;
    for (auto _ : state) {
        if (!verify_document(mngr, signed_xml, why)) {
            state.SkipWithError(("libxmlsec1 did not verify the document: " + why).c_str());
            break;
        }
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(signed_xml.size()));
}

}  // namespace

void xmlsec_verify_benchmark(benchmark::State& state, const std::string& signed_xml) {
    run_verify_benchmark(state, signed_xml, [] { return verify_manager(); });
}

void xmlsec_verify_benchmark_trusting(benchmark::State& state, const std::string& signed_xml,
                                      const std::string& trusted_cert_file) {
    run_verify_benchmark(state, signed_xml, [&] { return trusting_manager(trusted_cert_file); });
}

void libxml2_parse_benchmark(benchmark::State& state, const std::string& xml) {
    for (auto _ : state) {
        DocPtr doc = parse(xml);
        if (!doc) {
            state.SkipWithError("xmlReadMemory failed");
            break;
        }
        benchmark::DoNotOptimize(doc.get());
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(xml.size()));
}

}  // namespace istmo::bench
