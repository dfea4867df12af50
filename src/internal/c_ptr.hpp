#pragma once
// RAII for C library objects: a stateless deleter keyed on the free function, one alias per
// type. No raw owning pointers anywhere in src/.
#include <memory>

#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/parser.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/ess.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/ts.h>
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
// RFC 3161 / CMS (src/tsa/).
using CmsContentInfoPtr = CPtr<CMS_ContentInfo, CMS_ContentInfo_free>;
using TsReqPtr = CPtr<TS_REQ, TS_REQ_free>;
using TsMsgImprintPtr = CPtr<TS_MSG_IMPRINT, TS_MSG_IMPRINT_free>;
using TsTstInfoPtr = CPtr<TS_TST_INFO, TS_TST_INFO_free>;
using TsStatusInfoPtr = CPtr<TS_STATUS_INFO, TS_STATUS_INFO_free>;
using EssSigningCertPtr = CPtr<ESS_SIGNING_CERT, ESS_SIGNING_CERT_free>;
using EssSigningCertV2Ptr = CPtr<ESS_SIGNING_CERT_V2, ESS_SIGNING_CERT_V2_free>;
using Asn1IntegerPtr = CPtr<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1ObjectPtr = CPtr<ASN1_OBJECT, ASN1_OBJECT_free>;
using X509AlgorPtr = CPtr<X509_ALGOR, X509_ALGOR_free>;
using X509ExtensionPtr = CPtr<X509_EXTENSION, X509_EXTENSION_free>;
using ExtKeyUsagePtr = CPtr<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free>;

using XmlDocPtr = CPtr<xmlDoc, xmlFreeDoc>;
using XmlCharsPtr = CPtr<xmlChar, xml_free_chars>;
using XmlParserCtxtPtr = CPtr<xmlParserCtxt, xmlFreeParserCtxt>;
using XmlXPathContextPtr = CPtr<xmlXPathContext, xmlXPathFreeContext>;
using XmlXPathObjectPtr = CPtr<xmlXPathObject, xmlXPathFreeObject>;
using XmlOutputBufferPtr = CPtr<xmlOutputBuffer, xmlOutputBufferClose>;

}  // namespace istmo::internal
