#pragma once
// The validation options that batch validate, serve and worker share: --profile, --jobs,
// --max-size, --time-budget, --legacy and the trust and revocation options.
#include "args.hpp"

#include <istmo/batch/batch.hpp>

#include <string>
#include <vector>

namespace istmo_cli {

// The option specs (trust_options() included).
[[nodiscard]] std::vector<OptionSpec> validation_options();

// Reads them into options. Returns 0, or prints the problem (a usage error with `usage`, or
// what loading the trust files said) and returns the exit code.
[[nodiscard]] int read_validation_options(const std::string& command, const ParsedArgs& args, const std::string& usage,
                                          istmo::batch::Options& options);

}  // namespace istmo_cli
