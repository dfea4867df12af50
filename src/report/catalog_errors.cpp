// Spanish for the operation errors (Error::message) a person meets most when signing: keys,
// PKCS#12 files, certificates, files and invoices. Messages not listed stay English.
#include "report/catalog_data.hpp"

namespace istmo::report::detail {

namespace {

constexpr CatalogEntry k_error_phrases[] = {
    {"", "{1} is encrypted and no password was given", "{t1} está cifrada y no se indicó la contraseña"},
    {"", "cannot decrypt {1}: wrong password", "no se puede descifrar {t1}: contraseña incorrecta"},
    {"", "the PEM private key", "la clave privada PEM"},
    {"", "the DER private key is encrypted and no password was given",
     "la clave privada DER está cifrada y no se indicó la contraseña"},
    {"", "cannot decrypt the DER private key: wrong password",
     "no se puede descifrar la clave privada DER: contraseña incorrecta"},
    {"", "the PKCS#12 file needs a password", "el archivo PKCS#12 necesita una contraseña"},
    {"", "cannot open the PKCS#12 file: wrong password", "no se puede abrir el archivo PKCS#12: contraseña incorrecta"},
    {"", "cannot decrypt the PKCS#12 file", "no se puede descifrar el archivo PKCS#12"},
    {"", "cannot read the PKCS#12 file", "no se puede leer el archivo PKCS#12"},
    {"", "the PKCS#12 file holds no private key", "el archivo PKCS#12 no contiene ninguna clave privada"},
    {"", "not a PKCS#12 file", "no es un archivo PKCS#12"},
    {"", "no private key found", "no se encontró ninguna clave privada"},
    {"", "no readable private key in the PEM data", "no hay ninguna clave privada legible en los datos PEM"},
    {"", "not a PEM, DER or PKCS#12 private key", "no es una clave privada PEM, DER ni PKCS#12"},
    {"", "empty private key data", "los datos de la clave privada están vacíos"},
    {"", "the certificate does not belong to the private key", "el certificado no corresponde a la clave privada"},
    {"", "no certificate in the PEM data", "no hay ningún certificado en los datos PEM"},
    {"", "no readable certificate in the PEM data", "no hay ningún certificado legible en los datos PEM"},
    {"", "unreadable certificate number {1} in the PEM data", "el certificado número {1} de los datos PEM es ilegible"},
    {"", "not a DER certificate", "no es un certificado DER"},
    {"", "empty certificate data", "los datos del certificado están vacíos"},
    {"", "not a directory: {1}", "no es un directorio: {1}"},
    {"", "the invoice is already signed", "la factura ya está firmada"},
    {"", "the document element is not rFE in namespace http://dgi-fep.mef.gob.pa",
     "el elemento raíz no es rFE en el espacio de nombres http://dgi-fep.mef.gob.pa"},
    {"", "QR: the HMAC secret is empty", "QR: el secreto HMAC está vacío"},
    {"", "empty document", "documento vacío"},
    // General forms last: the first phrase that matches wins.
    {"", "cannot open {1}", "no se puede abrir {1}"},
};

}  // namespace

std::span<const CatalogEntry> error_phrases() noexcept { return k_error_phrases; }

}  // namespace istmo::report::detail
