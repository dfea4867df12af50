#pragma once
// RAII for C library objects: a stateless deleter keyed on the free function, one alias per
// type. No raw owning pointers anywhere in src/.
#include <memory>

#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/parser.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace istmo::internal {

template <auto FreeFn>
struct CDeleter {
    template <class T>
    void operator()(T* p) const noexcept {
        if (p) FreeFn(p);
    }
};

template <class T, auto FreeFn>
using CPtr = std::unique_ptr<T, CDeleter<FreeFn>>;

// xmlFree is a function-pointer variable, not a function: wrap it.
inline void xml_free_chars(xmlChar* p) noexcept { xmlFree(p); }
inline void x509_stack_free(STACK_OF(X509)* s) noexcept { sk_X509_pop_free(s, X509_free); }
inline void openssl_free_bytes(unsigned char* p) noexcept { OPENSSL_free(p); }

using EvpPkeyPtr = CPtr<EVP_PKEY, EVP_PKEY_free>;
using EvpPkeyCtxPtr = CPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpMdCtxPtr = CPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using X509Ptr = CPtr<X509, X509_free>;
using X509StorePtr = CPtr<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = CPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using X509StackPtr = CPtr<STACK_OF(X509), x509_stack_free>;
using BioPtr = CPtr<BIO, BIO_free_all>;
using Pkcs12Ptr = CPtr<PKCS12, PKCS12_free>;
using BignumPtr = CPtr<BIGNUM, BN_free>;
using EcdsaSigPtr = CPtr<ECDSA_SIG, ECDSA_SIG_free>;
using OsslBytesPtr = CPtr<unsigned char, openssl_free_bytes>;

using XmlDocPtr = CPtr<xmlDoc, xmlFreeDoc>;
using XmlCharsPtr = CPtr<xmlChar, xml_free_chars>;
using XmlParserCtxtPtr = CPtr<xmlParserCtxt, xmlFreeParserCtxt>;
using XmlXPathContextPtr = CPtr<xmlXPathContext, xmlXPathFreeContext>;
using XmlXPathObjectPtr = CPtr<xmlXPathObject, xmlXPathFreeObject>;
using XmlOutputBufferPtr = CPtr<xmlOutputBuffer, xmlOutputBufferClose>;

}  // namespace istmo::internal
