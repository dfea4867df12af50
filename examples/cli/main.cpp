// istmo: command-line front end of the istmo library (XML signatures for e-invoices).
// Uses the public C++ API only.
#include "commands.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "lang.hpp"
#include "manual.hpp"
#include "options.hpp"

#include <algorithm>
#include <exception>
#include <iostream>
#include <span>
#include <string>
#include <vector>

namespace {

using namespace istmo_cli;

std::string main_usage() {
    std::string text = tr("usage: istmo <command> [options]\n\nCommands:\n",
                          "uso: istmo <comando> [opciones]\n\nComandos:\n");
    for (const Command& command : commands()) {
        std::string name(command.name);
        name.resize(std::max<std::size_t>(10, name.size() + 1), ' ');  // a longer name keeps a space
        text += "  " + name + tr(command.summary_en, command.summary_es) + "\n";
    }
    text += tr("  help      show this help, or 'istmo help <command>' for a command's help\n"
               "\nRun 'istmo <command> --help' for the options of a command; --lang es|en on every command.\n\n",
               "  help      muestra esta ayuda, o 'istmo help <comando>' la de un comando\n"
               "\n'istmo <comando> --help' muestra las opciones de un comando; --lang es|en en todos.\n\n");
    return text;
}

int run(const std::vector<std::string>& args) {
    if (!args.empty() && (args.front() == "--lang" || args.front().rfind("--lang=", 0) == 0)) {
        // "istmo --lang es <command> ...": the same as giving --lang to the command.
        const bool inline_value = args.front().size() > 6;
        const std::size_t skip = inline_value ? 1 : 2;
        const std::string value = inline_value ? args.front().substr(7) : (args.size() > 1 ? args[1] : "");
        if (value != "es" && value != "en")
            return usage_error(tr("--lang must be es or en", "--lang debe ser es o en"), "Try 'istmo --help'.\n");
        set_lang(value == "es" ? Lang::es : Lang::en);
        return run(std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(std::min(skip, args.size())),
                                            args.end()));
    }
    if (args.empty()) {
        std::cerr << main_usage() << exit_codes_text();
        return exit_usage;
    }
    const std::string& command = args.front();
    const std::span<const std::string> rest(args.data() + 1, args.size() - 1);
    const std::string try_help = tr("Try 'istmo --help'.\n", "Pruebe 'istmo --help'.\n");

    set_lang_from_arguments(rest);  // before any command builds its texts
    if (command == "--help" || command == "-h" || command == "help") {
        if (command == "help" && !rest.empty()) {
            const std::vector<std::string> help{"--help"};
            if (const Command* found = find_command(rest.front())) return found->run(help);
            return usage_error(tr("unknown command '", "comando desconocido '") + rest.front() + "'", try_help);
        }
        std::cout << main_usage() << exit_codes_text();
        return exit_ok;
    }
    if (command == "--version") return find_command("version")->run(rest);
    // Hidden: used by the build to generate the manual pages and the completion (manual.hpp).
    if (command == "--generate-man") return run_generate_man(rest);
    if (command == "--generate-completion") return run_generate_completion(rest);
    if (const Command* found = find_command(command)) {
        // "istmo invoice --lang es validate ...": a --lang before the subcommand (already applied
        // above) is taken off so that the command finds its subcommand first.
        if (!rest.empty() && (rest.front() == "--lang" || rest.front().rfind("--lang=", 0) == 0)) {
            const bool inline_value = rest.front().size() > 6;
            const std::string value = inline_value ? rest.front().substr(7) : (rest.size() > 1 ? rest[1] : "");
            if (value != "es" && value != "en")
                return usage_error(command + ": " + tr("--lang must be es or en", "--lang debe ser es o en"), try_help);
            const std::size_t skip = std::min<std::size_t>(inline_value ? 1 : 2, rest.size());
            return found->run(std::vector<std::string>(rest.begin() + static_cast<std::ptrdiff_t>(skip), rest.end()));
        }
        return found->run(rest);
    }
    if (!command.empty() && command[0] == '-')
        return usage_error(tr("unknown option '", "opción desconocida '") + command + "'", try_help);
    return usage_error(tr("unknown command '", "comando desconocido '") + command + "'", try_help);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        std::vector<std::string> args;
        for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
        return run(args);
    } catch (const std::exception& e) {
        istmo_cli::print_error(istmo_cli::tr("internal error: ", "error interno: ") + e.what());
    } catch (...) {
        istmo_cli::print_error(istmo_cli::tr("internal error: unknown exception", "error interno: excepción desconocida"));
    }
    return istmo_cli::exit_internal;
}
