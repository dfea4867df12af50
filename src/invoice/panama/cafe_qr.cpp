// The QR code of a CAFE: gNoFirm/dQRCode as it is, in byte mode with error correction M (the
// level receipts print at: readable from paper that is a little worn, still small).
#include "invoice/panama/cafe_content.hpp"

#include "internal/c_ptr.hpp"

#include <qrencode.h>

#include <cerrno>

namespace istmo::invoice::panama::detail {

using QrCodePtr = internal::CPtr<QRcode, QRcode_free>;

// The most bytes a QR code holds in byte mode at level M (version 40).
constexpr std::size_t k_max_qr_bytes = 2331;

Result<QrMatrix> qr_matrix(std::string_view text) {
    if (text.size() > k_max_qr_bytes)
        return make_error(Errc::limit_exceeded, "the QR payload (gNoFirm/dQRCode) is too long for a QR code");
    // QRcode_encodeData takes bytes with a length: the payload needs no terminating NUL and may
    // not be cut at an embedded one.
    QrCodePtr code(QRcode_encodeData(static_cast<int>(text.size()), reinterpret_cast<const unsigned char*>(text.data()),
                                     0, QR_ECLEVEL_M));
    if (!code) {
        if (errno == ERANGE || errno == EINVAL)
            return make_error(Errc::limit_exceeded, "the QR payload (gNoFirm/dQRCode) is too long for a QR code");
        return make_error(Errc::internal, "libqrencode could not encode the QR payload");
    }
    QrMatrix m;
    m.size = code->width;
    m.dark.resize(static_cast<std::size_t>(m.size) * static_cast<std::size_t>(m.size));
    // Bit 0 of each byte is the module's colour (1 = dark); the other bits are libqrencode's.
    for (std::size_t i = 0; i < m.dark.size(); ++i) m.dark[i] = code->data[i] & 1u;
    return m;
}

}  // namespace istmo::invoice::panama::detail
