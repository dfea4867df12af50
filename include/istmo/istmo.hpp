#pragma once
// Umbrella header: the whole public C++ API.
#include <istmo/core/result.hpp>
#include <istmo/crypto/keys.hpp>
#include <istmo/crypto/pkcs11.hpp>
#include <istmo/crypto/public_key.hpp>
#include <istmo/dsig/sign.hpp>
#include <istmo/dsig/verify.hpp>
#include <istmo/report/report.hpp>
#include <istmo/version.hpp>
#include <istmo/xades/xades.hpp>
#include <istmo/xml/document.hpp>
