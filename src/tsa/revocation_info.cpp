// The revocation information a time-stamp token carries: the SignedData crls field (RFC 5652
// §10.2.1, RFC 5940) and CAdES RevocationValues unsigned attributes, read from the DER with the
// TLV reader (OpenSSL 3.0 has no accessor for OtherRevocationInfoFormat).
#include "tsa/tsa_internal.hpp"

#include <algorithm>
#include <array>

namespace istmo::tsa::detail {

namespace {

// The contents of the OBJECT IDENTIFIERs read here: id-ri-ocsp-response (1.3.6.1.5.5.7.16.2);
// id-pkix-ocsp-basic (1.3.6.1.5.5.7.48.1.1), which some signers (EU DSS) use as the format of
// an OCSP response in the crls field; id-aa-ets-revocationValues (1.2.840.113549.1.9.16.2.24).
constexpr std::array<std::uint8_t, 8> k_id_ri_ocsp_response = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x10, 0x02};
constexpr std::array<std::uint8_t, 9> k_id_pkix_ocsp_basic = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01};
constexpr std::array<std::uint8_t, 11> k_id_aa_ets_revocation_values = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D,
                                                                        0x01, 0x09, 0x10, 0x02, 0x18};

template <std::size_t N>
bool is_oid(const Tlv& tlv, const std::array<std::uint8_t, N>& content) {
    return tlv.tag == 0x06 && std::equal(tlv.content.begin(), tlv.content.end(), content.begin(), content.end());
}

// Calls fn(tlv, whole) for each TLV of a list's content; stops at the first unreadable one.
template <class Fn>
void for_each_tlv(std::span<const std::uint8_t> list, Fn&& fn) {
    TlvError err{};
    while (!list.empty()) {
        const auto item = read_tlv(list, err);
        if (!item) return;
        fn(*item, list.first(item->total()));
        list = list.subspan(item->total());
    }
}

void add_crl(std::span<const std::uint8_t> whole, crypto::RevocationEvidence& out) {
    if (out.crls.size() < k_max_token_evidence) out.crls.emplace_back(whole.begin(), whole.end());
}

void add_ocsp(std::span<const std::uint8_t> whole, crypto::RevocationEvidence& out) {
    if (out.ocsp_responses.size() < k_max_token_evidence) out.ocsp_responses.emplace_back(whole.begin(), whole.end());
}

// The fields of the SignedData inside a ContentInfo, or an empty span.
std::span<const std::uint8_t> signed_data_fields(std::span<const std::uint8_t> token) {
    TlvError err{};
    const auto outer = read_tlv(token, err);
    if (!outer || outer->tag != 0x30) return {};
    const auto oid = read_tlv(outer->content, err);
    if (!oid || oid->tag != 0x06) return {};
    const auto wrapper = read_tlv(outer->content.subspan(oid->total()), err);
    if (!wrapper || wrapper->tag != 0xA0) return {};
    const auto signed_data = read_tlv(wrapper->content, err);
    if (!signed_data || signed_data->tag != 0x30) return {};
    return signed_data->content;
}

// One RevocationInfoChoice: a CertificateList (SEQUENCE), or [1] OtherRevocationInfoFormat
// { otherRevInfoFormat OBJECT IDENTIFIER, otherRevInfo ANY }.
void take_choice(const Tlv& choice, std::span<const std::uint8_t> whole, crypto::RevocationEvidence& out) {
    if (choice.tag == 0x30) return add_crl(whole, out);
    if (choice.tag != 0xA1) return;
    TlvError err{};
    const auto format = read_tlv(choice.content, err);
    if (!format || !(is_oid(*format, k_id_ri_ocsp_response) || is_oid(*format, k_id_pkix_ocsp_basic))) return;
    const auto rest = choice.content.subspan(format->total());
    const auto value = read_tlv(rest, err);
    if (value && value->tag == 0x30 && value->total() == rest.size()) add_ocsp(rest, out);
}

// CAdES RevocationValues (EN 319 122-1, an unsigned attribute of a SignerInfo):
// SEQUENCE { crlVals [0] SEQUENCE OF CertificateList, ocspVals [1] SEQUENCE OF BasicOCSPResponse, ... }.
void take_revocation_values(std::span<const std::uint8_t> attribute_values, crypto::RevocationEvidence& out) {
    for_each_tlv(attribute_values, [&](const Tlv& values, std::span<const std::uint8_t>) {
        if (values.tag != 0x30) return;
        for_each_tlv(values.content, [&](const Tlv& field, std::span<const std::uint8_t>) {
            TlvError err{};
            const auto list = read_tlv(field.content, err);
            if (!list || list->tag != 0x30 || (field.tag != 0xA0 && field.tag != 0xA1)) return;
            for_each_tlv(list->content, [&](const Tlv& item, std::span<const std::uint8_t> whole) {
                if (item.tag != 0x30) return;
                if (field.tag == 0xA0) add_crl(whole, out);
                else add_ocsp(whole, out);
            });
        });
    });
}

// The unsigned attributes [1] of each SignerInfo: their RevocationValues.
void take_signer_infos(const Tlv& signer_infos, crypto::RevocationEvidence& out) {
    for_each_tlv(signer_infos.content, [&](const Tlv& signer_info, std::span<const std::uint8_t>) {
        if (signer_info.tag != 0x30) return;
        for_each_tlv(signer_info.content, [&](const Tlv& field, std::span<const std::uint8_t>) {
            if (field.tag != 0xA1) return;
            for_each_tlv(field.content, [&](const Tlv& attribute, std::span<const std::uint8_t>) {
                TlvError err{};
                const auto type = attribute.tag == 0x30 ? read_tlv(attribute.content, err) : std::nullopt;
                if (!type || !is_oid(*type, k_id_aa_ets_revocation_values)) return;
                const auto set = read_tlv(attribute.content.subspan(type->total()), err);
                if (set && set->tag == 0x31) take_revocation_values(set->content, out);
            });
        });
    });
}

}  // namespace

crypto::RevocationEvidence token_revocation_evidence(std::span<const std::uint8_t> token) {
    crypto::RevocationEvidence out;
    // SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo,
    //                           certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos }
    int index = 0;
    for_each_tlv(signed_data_fields(token), [&](const Tlv& field, std::span<const std::uint8_t>) {
        if (index++ < 3) return;
        if (field.tag == 0xA1) {
            for_each_tlv(field.content, [&](const Tlv& choice, std::span<const std::uint8_t> whole) {
                take_choice(choice, whole, out);
            });
        } else if (field.tag == 0x31) {
            take_signer_infos(field, out);
        }
    });
    return out;
}

}  // namespace istmo::tsa::detail
