// A scripted PKCS#11 module for the failures SoftHSM2 cannot show: a locked user PIN and a token
// removed while signing. One slot, one token "fake", one RSA private key "key" whose modulus
// (hex) comes from FAKE_PKCS11_MODULUS. FAKE_PKCS11_MODE, read at each call:
//   "pin-locked"   C_Login answers CKR_PIN_LOCKED
//   "flag-locked"  the token info carries CKF_USER_PIN_LOCKED
//   "removed"      C_Sign answers CKR_DEVICE_REMOVED
// Anything else: every call succeeds (C_Sign returns zeros).
#define CRYPTOKI_GNU 1
#include <p11-kit/pkcs11.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::string mode() {
    const char* value = std::getenv("FAKE_PKCS11_MODE");
    return value != nullptr ? value : "";
}

std::vector<unsigned char> modulus() {
    const char* hex = std::getenv("FAKE_PKCS11_MODULUS");
    std::vector<unsigned char> out;
    for (std::size_t i = 0; hex != nullptr && hex[i] != '\0' && hex[i + 1] != '\0'; i += 2)
        out.push_back(static_cast<unsigned char>(std::stoi(std::string(hex + i, 2), nullptr, 16)));
    return out;
}

void pad(unsigned char* field, std::size_t size, const char* text) {
    std::memset(field, ' ', size);
    std::memcpy(field, text, std::strlen(text));
}

constexpr ck_object_handle_t k_key = 7;
bool g_found = false;

ck_rv_t initialize(void*) { return CKR_OK; }
ck_rv_t finalize(void*) { return CKR_OK; }
ck_rv_t get_info(ck_info* info) {
    std::memset(info, 0, sizeof *info);
    pad(info->manufacturer_id, sizeof info->manufacturer_id, "istmo tests");
    pad(info->library_description, sizeof info->library_description, "fake");
    return CKR_OK;
}
ck_rv_t get_slot_list(unsigned char, ck_slot_id_t* list, unsigned long* count) {
    if (list != nullptr) list[0] = 1;
    *count = 1;
    return CKR_OK;
}
ck_rv_t get_slot_info(ck_slot_id_t, ck_slot_info* info) {
    std::memset(info, 0, sizeof *info);
    pad(info->slot_description, sizeof info->slot_description, "fake slot");
    pad(info->manufacturer_id, sizeof info->manufacturer_id, "istmo tests");
    info->flags = CKF_TOKEN_PRESENT;
    return CKR_OK;
}
ck_rv_t get_token_info(ck_slot_id_t, ck_token_info* info) {
    std::memset(info, 0, sizeof *info);
    pad(info->label, sizeof info->label, "fake");
    pad(info->manufacturer_id, sizeof info->manufacturer_id, "istmo tests");
    pad(info->model, sizeof info->model, "fake");
    pad(info->serial_number, sizeof info->serial_number, "0001");
    info->flags = CKF_TOKEN_INITIALIZED | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED;
    if (mode() == "flag-locked") info->flags |= CKF_USER_PIN_LOCKED;
    return CKR_OK;
}
ck_rv_t open_session(ck_slot_id_t, ck_flags_t, void*, ck_notify_t, ck_session_handle_t* session) {
    static unsigned long next = 100;
    *session = next++;
    return CKR_OK;
}
ck_rv_t close_session(ck_session_handle_t) { return CKR_OK; }
ck_rv_t login(ck_session_handle_t, ck_user_type_t, unsigned char*, unsigned long) {
    return mode() == "pin-locked" ? CKR_PIN_LOCKED : CKR_OK;
}
ck_rv_t find_init(ck_session_handle_t, ck_attribute* templ, unsigned long count) {
    g_found = false;
    for (unsigned long i = 0; i < count; ++i)
        if (templ[i].type == CKA_CLASS && *static_cast<ck_object_class_t*>(templ[i].value) == CKO_PRIVATE_KEY) g_found = true;
    return CKR_OK;
}
ck_rv_t find(ck_session_handle_t, ck_object_handle_t* objects, unsigned long max, unsigned long* count) {
    *count = 0;
    if (g_found && max > 0) {
        objects[0] = k_key;
        *count = 1;
        g_found = false;
    }
    return CKR_OK;
}
ck_rv_t find_final(ck_session_handle_t) { return CKR_OK; }

ck_rv_t copy_attribute(ck_attribute& attr, const void* data, unsigned long size) {
    if (attr.value == nullptr) {
        attr.value_len = size;
        return CKR_OK;
    }
    if (attr.value_len < size) return CKR_BUFFER_TOO_SMALL;
    std::memcpy(attr.value, data, size);
    attr.value_len = size;
    return CKR_OK;
}
ck_rv_t get_attribute(ck_session_handle_t, ck_object_handle_t, ck_attribute* templ, unsigned long count) {
    static const ck_key_type_t rsa = CKK_RSA;
    static const unsigned char exponent[] = {0x01, 0x00, 0x01};
    static const char label[] = "key";
    const std::vector<unsigned char> n = modulus();
    ck_rv_t rv = CKR_OK;
    for (unsigned long i = 0; i < count; ++i) {
        ck_attribute& a = templ[i];
        if (a.type == CKA_KEY_TYPE) rv = copy_attribute(a, &rsa, sizeof rsa);
        else if (a.type == CKA_MODULUS) rv = copy_attribute(a, n.data(), n.size());
        else if (a.type == CKA_PUBLIC_EXPONENT) rv = copy_attribute(a, exponent, sizeof exponent);
        else if (a.type == CKA_LABEL) rv = copy_attribute(a, label, 3);
        else {
            a.value_len = static_cast<unsigned long>(-1);
            rv = CKR_ATTRIBUTE_TYPE_INVALID;
        }
    }
    return rv;
}
ck_rv_t sign_init(ck_session_handle_t, ck_mechanism*, ck_object_handle_t) { return CKR_OK; }
ck_rv_t sign(ck_session_handle_t, unsigned char*, unsigned long, unsigned char* out, unsigned long* out_len) {
    if (mode() == "removed") return CKR_DEVICE_REMOVED;
    const std::size_t size = modulus().size();
    if (out != nullptr) {
        if (*out_len < size) return CKR_BUFFER_TOO_SMALL;
        std::memset(out, 0, size);
    }
    *out_len = size;
    return CKR_OK;
}

ck_function_list make_list() {
    ck_function_list list{};
    list.version = {2, 40};
    list.C_Initialize = initialize;
    list.C_Finalize = finalize;
    list.C_GetInfo = get_info;
    list.C_GetSlotList = get_slot_list;
    list.C_GetSlotInfo = get_slot_info;
    list.C_GetTokenInfo = get_token_info;
    list.C_OpenSession = open_session;
    list.C_CloseSession = close_session;
    list.C_Login = login;
    list.C_FindObjectsInit = find_init;
    list.C_FindObjects = find;
    list.C_FindObjectsFinal = find_final;
    list.C_GetAttributeValue = get_attribute;
    list.C_SignInit = sign_init;
    list.C_Sign = sign;
    return list;
}

ck_function_list g_list = make_list();

}  // namespace

extern "C" __attribute__((visibility("default"))) ck_rv_t C_GetFunctionList(ck_function_list** list) {
    *list = &g_list;
    return CKR_OK;
}
