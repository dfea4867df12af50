#pragma once
// What every command shares: the message language, the option groups (trust, key, language),
// one parse_command_line for usage, --help and exit codes, and loading what those groups name.
#include "args.hpp"
#include "lang.hpp"

#include <istmo/crypto/keys.hpp>
#include <istmo/crypto/pkcs11.hpp>
#include <istmo/crypto/revocation.hpp>
#include <istmo/dsig/verify.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace istmo_cli {

// ---- option groups --------------------------------------------------------------------------

// --trust FILE, --trust-dir DIR, --untrusted FILE (all repeatable), --at TIME, and the
// certificate status options --revocation, --crl, --ocsp-response, --offline, --revocation-cache.
[[nodiscard]] const std::vector<OptionSpec>& trust_options();
// --revocation, --crl, --ocsp-response, --offline, --revocation-cache (part of trust_options(),
// and on its own for commands with their own trust options: timestamp verify).
[[nodiscard]] const std::vector<OptionSpec>& revocation_options();
// The help lines of the revocation options.
[[nodiscard]] const char* revocation_help();
[[nodiscard]] const char* revocation_help_es();
// --key FILE, --cert FILE, --chain FILE, --pass-env VAR, --pass-file FILE.
[[nodiscard]] const std::vector<OptionSpec>& key_options();

// One command: its name as typed ("invoice sign"), its options (groups appended) and texts.
struct CommandSpec {
    std::string name;
    std::vector<OptionSpec> options;
    std::string usage;  // short usage, printed on stderr with a usage error
    std::string help;   // full help, printed on stdout by --help (the exit-code table follows)
};

// While a sink is set (manual.cpp), parse_command_line records each command's spec in it and
// returns 0 at once: the manual pages and the completion are generated from what is recorded.
void set_spec_sink(std::vector<CommandSpec>* sink) noexcept;

// Sets the language from a --lang es|en among the arguments (before "--"); other values are left
// to parse_command_line to refuse. A command's texts (its help, its usage) are made before its
// options are parsed, so the dispatcher calls this first: "istmo sign --help --lang es" is Spanish.
void set_lang_from_arguments(std::span<const std::string> argv);

// Parses argv for a command; --lang is accepted by every command. Returns the exit code when the
// command is done (help printed: 0; usage error printed: 64), nullopt to go on with args.
[[nodiscard]] std::optional<int> parse_command_line(const CommandSpec& command, std::span<const std::string> argv,
                                                    ParsedArgs& args);

// ---- loading what the groups name ----------------------------------------------------------

// What the revocation options say.
struct RevocationArgs {
    istmo::crypto::RevocationPolicy policy = istmo::crypto::RevocationPolicy::automatic;
    std::vector<std::string> crl_files;
    std::vector<std::string> ocsp_response_files;
    bool offline = false;
    std::string cache_dir;
};
// Reads the revocation options into out. Returns 0, or prints the problem and returns 64.
[[nodiscard]] int read_revocation_options(const std::string& command, const ParsedArgs& args, RevocationArgs& out);
// The same into any options struct with the revocation fields of dsig::VerifyOptions
// (dsig::VerifyOptions, tsa::VerifyOptions); fields of options not given stay as they are.
template <class Options>
[[nodiscard]] int apply_revocation_options(const std::string& command, const ParsedArgs& args, Options& options) {
    RevocationArgs given;
    given.policy = options.revocation;
    given.offline = options.offline;
    given.cache_dir = options.revocation_cache_dir;
    if (const int code = read_revocation_options(command, args, given); code != 0) return code;
    options.revocation = given.policy;
    options.crl_files.insert(options.crl_files.end(), given.crl_files.begin(), given.crl_files.end());
    options.ocsp_response_files.insert(options.ocsp_response_files.end(), given.ocsp_response_files.begin(),
                                       given.ocsp_response_files.end());
    options.offline = given.offline;
    options.revocation_cache_dir = given.cache_dir;
    return 0;
}

// Applies --trust, --trust-dir, --untrusted and --at to options (and the revocation options). Returns 0, or prints the
// problem (prefixed with the command name) and returns its exit code.
[[nodiscard]] int apply_trust_options(const std::string& command, const ParsedArgs& args,
                                      istmo::dsig::VerifyOptions& options);

// The secret named by --<env_option> VAR or --<file_option> FILE; an empty Secret when neither
// is given; nullopt after printing the problem (code set).
[[nodiscard]] std::optional<istmo::crypto::Secret> read_secret(const ParsedArgs& args, const char* env_option,
                                                              const char* file_option, int& code);

// The signer: --key (PEM, DER or PKCS#12; a PKCS#12 also gives the certificate and the chain),
// --cert and --chain (override the PKCS#12's), the password from --pass-env / --pass-file.
struct SigningMaterial {
    std::optional<istmo::crypto::PrivateKey> key;
    std::optional<istmo::crypto::Certificate> certificate;
    std::vector<istmo::crypto::Certificate> chain;
    bool from_pkcs12 = false;
};
// --key may also be an RFC 7512 URI (pkcs11:...): the module from --pkcs11-module (or
// ISTMO_PKCS11_MODULE), the PIN from --pin-env / --pin-file, the certificate from the token
// unless --cert is given.
// Returns 0, or prints the problem and returns its exit code.
[[nodiscard]] int load_signing_material(const ParsedArgs& args, SigningMaterial& out);
// --cert and --chain into out (they override what the key file or the token gave).
[[nodiscard]] int load_certificates(const ParsedArgs& args, SigningMaterial& out);

// "standard input" or 'PATH', for messages.
[[nodiscard]] std::string shown_path(const std::string& path);

}  // namespace istmo_cli
