// istmo version: the versions of istmo and of the C libraries it runs on.
#include "args.hpp"
#include "common.hpp"
#include "exit_codes.hpp"

#include <istmo/version.hpp>

#include <iostream>

namespace istmo_cli {

int run_version(std::span<const std::string> argv) {
    const ArgParser parser({});
    ParseOutcome parsed = parser.parse(argv);
    const char* const usage = "usage: istmo version\n";
    if (!parsed.error.empty()) return usage_error("version: " + parsed.error, usage);
    if (parsed.args.help()) {
        std::cout << usage << "\nPrints the versions of istmo, OpenSSL and libxml2.\n\n" << exit_codes_help;
        return exit_ok;
    }
    if (!parsed.args.positionals().empty())
        return usage_error("version: unexpected argument '" + parsed.args.positionals().front() + "'", usage);
    std::cout << "istmo " << istmo::version() << '\n'
              << "OpenSSL " << istmo::openssl_version() << '\n'
              << "libxml2 " << istmo::libxml2_version() << '\n';
    std::cout.flush();
    if (!std::cout) {
        print_error("cannot write to standard output");
        return exit_io;
    }
    return exit_ok;
}

}  // namespace istmo_cli
