#pragma once
#include <istmo/crypto/public_key.hpp>

#include "internal/c_ptr.hpp"

namespace istmo::crypto {
struct PublicKey::Impl {
    internal::EvpPkeyPtr key;
};
}  // namespace istmo::crypto
