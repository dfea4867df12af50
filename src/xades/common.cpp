#include "xades/xades_internal.hpp"

#include "crypto/native.hpp"
#include "xml/document_impl.hpp"

#include <array>
#include <cctype>

namespace istmo::xades::detail {
namespace {

void append_length(crypto::Bytes& out, std::size_t length) {
    if (length < 0x80) {
        out.push_back(static_cast<std::uint8_t>(length));
        return;
    }
    std::array<std::uint8_t, 8> digits{};
    std::size_t n = 0;
    while (length > 0) {
        digits[n++] = static_cast<std::uint8_t>(length & 0xFF);
        length >>= 8;
    }
    out.push_back(static_cast<std::uint8_t>(0x80 | n));
    while (n > 0) out.push_back(digits[--n]);
}

crypto::Bytes tlv(std::uint8_t tag, const crypto::Bytes& content) {
    crypto::Bytes out{tag};
    append_length(out, content.size());
    out.insert(out.end(), content.begin(), content.end());
    return out;
}

crypto::Bytes i2d_bytes(int length, unsigned char* buffer) {
    internal::OsslBytesPtr owned(buffer);
    if (length <= 0 || !buffer) return {};
    return crypto::Bytes(buffer, buffer + length);
}

}  // namespace

crypto::Bytes issuer_serial_der(const crypto::Certificate& cert) {
    X509* x = cert.impl().cert.get();
    // Two statements each: the order in which function arguments are evaluated is unspecified,
    // so the buffer must be read only after i2d_* has filled it.
    unsigned char* name_der = nullptr;
    const int name_length = i2d_X509_NAME(X509_get_issuer_name(x), &name_der);
    crypto::Bytes name = i2d_bytes(name_length, name_der);
    unsigned char* serial_der = nullptr;
    const int serial_length = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), &serial_der);
    crypto::Bytes serial = i2d_bytes(serial_length, serial_der);
    if (name.empty() || serial.empty()) return {};
    crypto::Bytes general_names = tlv(0x30, tlv(0xA4, name));  // SEQUENCE { [4] EXPLICIT Name }
    crypto::Bytes body = general_names;
    body.insert(body.end(), serial.begin(), serial.end());
    return tlv(0x30, body);
}

std::optional<std::chrono::system_clock::time_point> parse_xs_datetime(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    auto number = [&](std::size_t pos, std::size_t len, int& out) {
        if (pos + len > text.size()) return false;
        out = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
            out = out * 10 + (text[i] - '0');
        }
        return true;
    };
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!number(0, 4, year) || text.size() < 19 || text[4] != '-' || !number(5, 2, month) || text[7] != '-' ||
        !number(8, 2, day) || text[10] != 'T' || !number(11, 2, hour) || text[13] != ':' || !number(14, 2, minute) ||
        text[16] != ':' || !number(17, 2, second))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    std::size_t pos = 19;
    long long micros = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        long long scale = 100000;
        std::size_t digits = 0;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
            if (scale > 0) micros += (text[pos] - '0') * scale;
            scale /= 10;
            ++pos;
            ++digits;
        }
        if (digits == 0) return std::nullopt;
    }
    long offset_seconds = 0;
    if (pos < text.size()) {
        if (text[pos] == 'Z' && pos + 1 == text.size()) {
        } else if ((text[pos] == '+' || text[pos] == '-') && pos + 6 == text.size() && text[pos + 3] == ':') {
            int oh = 0, om = 0;
            if (!number(pos + 1, 2, oh) || !number(pos + 4, 2, om) || oh > 14 || om > 59) return std::nullopt;
            offset_seconds = (oh * 3600L + om * 60L) * (text[pos] == '+' ? 1 : -1);
        } else {
            return std::nullopt;
        }
    }
    // Calendar arithmetic instead of timegm(): the same normalisation (day 31 of a shorter
    // month runs into the next one, second 60 into the next minute), no libc time zone code.
    using namespace std::chrono;
    const sys_days date = sys_days(year_month_day(std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                                  std::chrono::day(1))) +
                          days(day - 1);
    const sys_seconds whole = date + hours(hour) + minutes(minute) + seconds(second) - seconds(offset_seconds);
    // system_clock counts nanoseconds here (years 1678-2261): an instant outside that range is
    // refused rather than overflowed.
    if (whole <= time_point_cast<seconds>(system_clock::time_point::min()) + seconds(1) ||
        whole >= time_point_cast<seconds>(system_clock::time_point::max()) - seconds(1))
        return std::nullopt;
    return time_point_cast<system_clock::duration>(whole) + microseconds(micros);
}

std::string commitment_uri(std::string_view name) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> names{{
        {"proof-of-origin", "ProofOfOrigin"}, {"proof-of-receipt", "ProofOfReceipt"},
        {"proof-of-delivery", "ProofOfDelivery"}, {"proof-of-sender", "ProofOfSender"},
        {"proof-of-approval", "ProofOfApproval"}, {"proof-of-creation", "ProofOfCreation"},
    }};
    for (const auto& [short_name, fragment] : names)
        if (short_name == name) return "http://uri.etsi.org/01903/v1.2.2#" + std::string(fragment);
    return std::string(name);
}

bool inside_counter_signature(const xmlNode* signature) {
    for (const xmlNode* n = signature->parent; n && n->type == XML_ELEMENT_NODE; n = n->parent)
        if (xml::is_element(n, k_xades_ns, "CounterSignature")) return true;
    return false;
}

}  // namespace istmo::xades::detail
