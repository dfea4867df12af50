// istmo: command-line front end of the istmo library (XML signatures for e-invoices).
// Uses the public C++ API only.
#include "common.hpp"
#include "exit_codes.hpp"

#include <exception>
#include <iostream>
#include <span>
#include <string>
#include <vector>

namespace istmo_cli {
int run_timestamp(std::span<const std::string> argv);  // timestamp_command.cpp
int run_invoice(std::span<const std::string> argv);    // invoice_command.cpp
int run_batch(std::span<const std::string> argv);      // batch_command.cpp
}  // namespace istmo_cli

namespace {

constexpr const char* main_usage =
    "usage: istmo <command> [options]\n"
    "\n"
    "Commands:\n"
    "  sign      sign an XML document (XML Signature: enveloped, enveloping or detached)\n"
    "  verify    verify the XML Signatures of a document\n"
    "  timestamp request or verify an RFC 3161 time-stamp of a file\n"
    "  invoice   Panama electronic invoices (rFE 1.00): new, sign, validate, cufe, ruc-dv, qr\n"
    "  batch     validate many documents on all cores: one NDJSON line per input, resumable\n"
    "  version   print the versions of istmo, OpenSSL and libxml2\n"
    "  help      show this help, or 'istmo help <command>' for a command's help\n"
    "\n"
    "Run 'istmo <command> --help' for the options of a command.\n"
    "\n";

int run(const std::vector<std::string>& args) {
    using namespace istmo_cli;
    if (args.empty()) {
        std::cerr << main_usage << exit_codes_help;
        return exit_usage;
    }
    const std::string& command = args.front();
    const std::span<const std::string> rest(args.data() + 1, args.size() - 1);

    if (command == "--help" || command == "-h" || command == "help") {
        if (command == "help" && !rest.empty()) {
            const std::vector<std::string> help{"--help"};
            if (rest.front() == "sign") return run_sign(help);
            if (rest.front() == "verify") return run_verify(help);
            if (rest.front() == "timestamp") return run_timestamp(help);
            if (rest.front() == "invoice") return run_invoice(help);
            if (rest.front() == "batch") return run_batch(help);
            if (rest.front() == "version") return run_version(help);
            return usage_error("unknown command '" + rest.front() + "'", "Try 'istmo --help'.\n");
        }
        std::cout << main_usage << exit_codes_help;
        return exit_ok;
    }
    if (command == "sign") return run_sign(rest);
    if (command == "verify") return run_verify(rest);
    if (command == "timestamp") return run_timestamp(rest);
    if (command == "invoice") return run_invoice(rest);
    if (command == "batch") return run_batch(rest);
    if (command == "version" || command == "--version") return run_version(rest);
    if (!command.empty() && command[0] == '-')
        return usage_error("unknown option '" + command + "'", "Try 'istmo --help'.\n");
    return usage_error("unknown command '" + command + "'", "Try 'istmo --help'.\n");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        std::vector<std::string> args;
        for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
        return run(args);
    } catch (const std::exception& e) {
        istmo_cli::print_error(std::string("internal error: ") + e.what());
    } catch (...) {
        istmo_cli::print_error("internal error: unknown exception");
    }
    return istmo_cli::exit_internal;
}
