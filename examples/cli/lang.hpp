#pragma once
// The language of the CLI's human messages: English or Spanish (every message exists in both).
#include <istmo/report/html.hpp>

#include <string>
#include <string_view>

namespace istmo_cli {

enum class Lang { en, es };
// --lang when given, else the environment (LC_ALL, then LC_MESSAGES, then LANG; es* -> Spanish).
[[nodiscard]] Lang lang() noexcept;
void set_lang(Lang value) noexcept;
// True once --lang was given (set_lang called): documents that default to Spanish (the CAFE)
// follow --lang only when it was asked for, never the environment.
[[nodiscard]] bool lang_given() noexcept;
[[nodiscard]] Lang lang_from_environment() noexcept;
// The language of HTML reports: the CLI's (--lang, else the environment).
[[nodiscard]] istmo::report::Language html_language() noexcept;
// The text in the current language.
[[nodiscard]] std::string tr(std::string_view en, std::string_view es);

}  // namespace istmo_cli
