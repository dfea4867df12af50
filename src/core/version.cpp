#include <istmo/version.hpp>

#include <libxml/xmlversion.h>
#include <openssl/crypto.h>

namespace istmo {
const char* version() noexcept { return ISTMO_VERSION_STRING; }
const char* openssl_version() noexcept { return OpenSSL_version(OPENSSL_VERSION); }
const char* libxml2_version() noexcept { return LIBXML_DOTTED_VERSION; }
}  // namespace istmo
