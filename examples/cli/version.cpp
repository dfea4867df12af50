// istmo version: the versions of istmo and of the C libraries it runs on.
#include "commands.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "options.hpp"

#include <istmo/version.hpp>

#include <iostream>
#include <string_view>

namespace istmo_cli {

int run_version(std::span<const std::string> argv) {
    const CommandSpec command{"version", {}, "usage: istmo version\n",
                              tr("usage: istmo version\n\nPrints the versions of istmo, OpenSSL and libxml2, once each.\n\n",
                                 "uso: istmo version\n\nMuestra las versiones de istmo, OpenSSL y libxml2, una vez cada una.\n\n")};
    ParsedArgs args;
    if (auto done = parse_command_line(command, argv, args)) return *done;
    if (!args.positionals().empty())
        return usage_error("version: " + tr("unexpected argument '", "argumento inesperado '") +
                               args.positionals().front() + "'",
                           command.usage);
    // OpenSSL's own text starts with its name ("OpenSSL 3.0.19 27 Jan 2026"): print it once.
    std::string_view openssl = istmo::openssl_version();
    if (openssl.rfind("OpenSSL ", 0) == 0) openssl.remove_prefix(8);
    std::cout << "istmo " << istmo::version() << '\n'
              << "OpenSSL " << openssl << '\n'
              << "libxml2 " << istmo::libxml2_version() << '\n';
    std::cout.flush();
    if (!std::cout) {
        print_error(tr("cannot write to standard output", "no se puede escribir en la salida estándar"));
        return exit_io;
    }
    return exit_ok;
}

}  // namespace istmo_cli
