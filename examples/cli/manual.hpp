#pragma once
// Manual pages and shell completion, generated from the command table (commands.hpp) and from
// each command's CommandSpec (options.hpp): the option tables and help texts that --help
// prints. Nothing here is written a second time: a command, subcommand or option added there
// appears in the manual pages and the completion by itself.
//
// Hidden options of the istmo program, used by the build (examples/CMakeLists.txt):
//   istmo --generate-man DIR                writes DIR/man1/istmo.1, DIR/man1/istmo-<command>.1
//                                           and the same in Spanish under DIR/es/man1/
//   istmo --generate-completion bash        prints the bash completion script (zsh can use it
//                                           through bashcompinit)
#include <span>
#include <string>

namespace istmo_cli {

int run_generate_man(std::span<const std::string> argv);
int run_generate_completion(std::span<const std::string> argv);

}  // namespace istmo_cli
