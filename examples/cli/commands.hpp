#pragma once
// The command table of the istmo CLI: every command, its one-line summary (English and
// Spanish) and its entry point. main() dispatches, and the main help is printed, from it.
#include <span>
#include <string>
#include <string_view>

namespace istmo_cli {

// Entry points; argv holds the arguments after the command name.
int run_sign(std::span<const std::string> argv);       // sign.cpp
int run_verify(std::span<const std::string> argv);     // verify.cpp
int run_timestamp(std::span<const std::string> argv);  // timestamp_command.cpp
int run_invoice(std::span<const std::string> argv);    // invoice_command.cpp
int run_batch(std::span<const std::string> argv);      // batch_command.cpp
int run_version(std::span<const std::string> argv);    // version.cpp
int run_cert(std::span<const std::string> argv);       // cert_command.cpp
int run_extend(std::span<const std::string> argv);     // extend_command.cpp
int run_countersign(std::span<const std::string> argv);  // countersign_command.cpp
int run_serve(std::span<const std::string> argv);      // serve_command.cpp
int run_worker(std::span<const std::string> argv);     // worker_command.cpp
int run_dgi(std::span<const std::string> argv);        // dgi_command.cpp

struct Command {
    std::string_view name;
    std::string_view summary_en;
    std::string_view summary_es;
    int (*run)(std::span<const std::string> argv);
};

[[nodiscard]] std::span<const Command> commands() noexcept;
// nullptr when there is no such command.
[[nodiscard]] const Command* find_command(std::string_view name) noexcept;

}  // namespace istmo_cli
