#include "lang.hpp"

#include <cstdlib>

namespace istmo_cli {

namespace {
// Set once by parse_command_line (or main) before any message; the CLI is single-threaded there.
Lang g_lang = lang_from_environment();
bool g_lang_given = false;
}  // namespace

Lang lang() noexcept { return g_lang; }
void set_lang(Lang value) noexcept {
    g_lang = value;
    g_lang_given = true;
}
bool lang_given() noexcept { return g_lang_given; }
istmo::report::Language html_language() noexcept {
    return g_lang == Lang::es ? istmo::report::Language::es : istmo::report::Language::en;
}

Lang lang_from_environment() noexcept {
    // POSIX precedence: the first of these that is set and not empty decides.
    for (const char* variable : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
        const char* value = std::getenv(variable);
        if (value == nullptr || *value == '\0') continue;
        const std::string_view text(value);
        return text.rfind("es", 0) == 0 ? Lang::es : Lang::en;
    }
    return Lang::en;
}

std::string tr(std::string_view en, std::string_view es) { return std::string(g_lang == Lang::es ? es : en); }

}  // namespace istmo_cli
