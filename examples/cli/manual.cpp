// Manual pages (roff) and shell completion, generated from the command table and from the
// CommandSpec of every command and subcommand, as --help prints them (manual.hpp).
#include "manual.hpp"

#include "commands.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "lang.hpp"
#include "options.hpp"

#include <istmo/version.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace istmo_cli {

namespace {

// ---- what the commands say about themselves ------------------------------------------------

// Everything a command prints goes to strings while it is described.
class Capture {
public:
    Capture() : m_out(std::cout.rdbuf(m_out_text.rdbuf())), m_err(std::cerr.rdbuf(m_err_text.rdbuf())) {}
    ~Capture() {
        std::cout.rdbuf(m_out);
        std::cerr.rdbuf(m_err);
    }
    Capture(const Capture&) = delete;
    Capture& operator=(const Capture&) = delete;
    [[nodiscard]] std::string out() const { return m_out_text.str(); }

private:
    std::ostringstream m_out_text;
    std::ostringstream m_err_text;
    std::streambuf* m_out;
    std::streambuf* m_err;
};

struct Described {
    std::string name;                // "invoice"
    std::string summary;             // one line, in the current language
    std::string help;                // what `istmo <name> --help` prints, without the exit codes
    std::vector<CommandSpec> specs;  // the command's own, or one per subcommand
};

// Runs `istmo <words...> --help` with the specs recorded instead of parsed; returns stdout.
std::string run_described(const Command& command, std::vector<std::string> words, std::vector<CommandSpec>& specs) {
    words.emplace_back("--help");
    const Capture capture;
    set_spec_sink(&specs);
    (void)command.run(words);
    set_spec_sink(nullptr);
    return capture.out();
}

std::string without_exit_codes(std::string help) {
    const std::string table = exit_codes_text();
    if (const auto at = help.find(table); at != std::string::npos) help.erase(at, table.size());
    return help;
}

// The words of a command's help that may name a subcommand: after "istmo <name> ", in
// "istmo <name> <a|b|c>", and first on a line indented by two spaces ("  new --from ...").
std::set<std::string> subcommand_candidates(const std::string& name, const std::string& help) {
    std::set<std::string> words;
    const std::regex after("istmo " + name + " ([a-z][a-z0-9-]*)");
    const std::regex alternatives("istmo " + name + " <([a-z0-9|-]+)>");
    const std::regex listed("(^|\n)  ([a-z][a-z0-9-]*)");
    for (std::sregex_iterator it(help.begin(), help.end(), after), end; it != end; ++it) words.insert((*it)[1]);
    for (std::sregex_iterator it(help.begin(), help.end(), listed), end; it != end; ++it) words.insert((*it)[2]);
    for (std::sregex_iterator it(help.begin(), help.end(), alternatives), end; it != end; ++it) {
        std::istringstream list{std::string((*it)[1])};
        for (std::string word; std::getline(list, word, '|');) words.insert(word);
    }
    return words;
}

// A command and its subcommands: a candidate word W is a subcommand when
// `istmo <name> W --help` reaches the spec named "<name> W".
Described describe(const Command& command) {
    Described d{std::string(command.name), tr(command.summary_en, command.summary_es), {}, {}};
    std::vector<CommandSpec> own;
    d.help = run_described(command, {}, own);
    if (!own.empty() && own.front().name == d.name) {
        d.help = own.front().help;
        d.specs = std::move(own);
        return d;
    }
    d.help = without_exit_codes(d.help);
    for (const std::string& word : subcommand_candidates(d.name, d.help)) {
        std::vector<CommandSpec> sub;
        (void)run_described(command, {word}, sub);
        if (!sub.empty() && sub.front().name == d.name + " " + word) d.specs.push_back(std::move(sub.front()));
    }
    return d;
}

std::vector<Described> describe_all() {
    std::vector<Described> all;
    for (const Command& command : commands()) all.push_back(describe(command));
    return all;
}

// Every option of a spec as the parser accepts it, --lang and --help included.
std::vector<OptionSpec> all_options(const CommandSpec& spec) {
    std::vector<OptionSpec> options = spec.options;
    options.push_back({"lang", '\0', true, false});
    options.push_back({"help", 'h', false, false});
    return options;
}

// The values an option takes when its help names them: "--revocation auto|require|off".
std::map<std::string, std::string> value_choices(const std::vector<Described>& all) {
    std::map<std::string, std::string> choices{{"lang", "es en"}};
    const std::regex listed("--([a-z0-9-]+)[ =]([a-z0-9-]+(\\|[a-z0-9-]+)+)");
    for (const Described& d : all) {
        std::string text = d.help;
        for (const CommandSpec& spec : d.specs) text += spec.help;
        for (std::sregex_iterator it(text.begin(), text.end(), listed), end; it != end; ++it) {
            std::string values = (*it)[2];
            std::replace(values.begin(), values.end(), '|', ' ');
            choices.emplace((*it)[1], values);
        }
    }
    return choices;
}

// ---- roff ------------------------------------------------------------------------------------

std::string roff_text(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\\') out += "\\e";
        else if (c == '-') out += "\\-";
        else out += c;
    }
    if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
    return out;
}

// An option or subcommand form: options bold, upper-case placeholders italic.
std::string roff_term(std::string_view term) {
    std::string out;
    std::istringstream words{std::string(term)};
    for (std::string word; words >> word;) {
        if (!out.empty()) out += ' ';
        const bool placeholder = std::any_of(word.begin(), word.end(), [](char c) { return c >= 'A' && c <= 'Z'; }) &&
                                 std::none_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
        if (word.front() == '-') out += "\\fB" + roff_text(word) + "\\fR";
        else if (placeholder) out += "\\fI" + roff_text(word) + "\\fR";
        else out += roff_text(word);
    }
    return out;
}

std::size_t indent_of(const std::string& line) { return line.find_first_not_of(' '); }

// A help text as roff: headings ("Options:"), option and subcommand lists (.TP), paragraphs,
// and literal lines (examples, formats) that must keep their shape.
std::string roff_help(const std::string& help) {
    std::vector<std::string> lines;
    std::istringstream in(help);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::string out;
    bool literal_section = false;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string& line = lines[i];
        const std::size_t indent = indent_of(line);
        if (indent == std::string::npos) {
            out += ".PP\n";
            continue;
        }
        const std::string text = line.substr(indent);
        const bool deeper_next = i + 1 < lines.size() && indent_of(lines[i + 1]) != std::string::npos &&
                                 indent_of(lines[i + 1]) > indent + 1;
        if (indent == 0 && text.back() == ':' && text.size() < 40) {
            literal_section = text.find("xampl") != std::string::npos || text.find("jempl") != std::string::npos;
            out += ".SS " + roff_text(text.substr(0, text.size() - 1)) + "\n";
        } else if (indent == 2 && !literal_section &&
                   (text.front() == '-' || text.find("  ") != std::string::npos || deeper_next)) {
            const std::size_t gap = text.find("  ");
            out += ".TP\n" + roff_term(text.substr(0, gap)) + "\n";
            if (gap != std::string::npos) out += roff_text(text.substr(text.find_first_not_of(' ', gap))) + "\n";
        } else if (indent >= 2 && (literal_section || indent == 2)) {
            out += ".nf\n" + roff_text(line) + "\n.fi\n";
        } else {
            out += roff_text(text) + "\n";
        }
    }
    return out;
}

// The lines of a help text that start with "usage:" / "uso:", and their continuation lines.
std::pair<std::string, std::string> split_usage(const std::string& help) {
    std::istringstream in(help);
    std::string usage;
    std::string rest;
    bool in_usage = true;
    for (std::string line; std::getline(in, line);) {
        if (in_usage && (line.rfind("usage: ", 0) == 0 || line.rfind("uso: ", 0) == 0)) {
            usage += line.substr(line.find(' ') + 1) + "\n";
        } else if (in_usage && !usage.empty() && line.rfind("  ", 0) == 0) {
            usage += line.substr(indent_of(line)) + "\n";
        } else {
            in_usage = false;
            rest += line + "\n";
        }
    }
    return {usage, rest};
}

std::string roff_header(const std::string& page, const std::string& summary) {
    std::string title = page;
    std::transform(title.begin(), title.end(), title.begin(), [](unsigned char c) { return std::toupper(c); });
    return ".\\\" Generated by 'istmo --generate-man' from the istmo option tables; do not edit.\n"
           ".TH " + title + " 1 \"\" \"istmo " + istmo::version() + "\" \"istmo\"\n" +
           ".SH " + tr("NAME", "NOMBRE") + "\n" + roff_text(page) + " \\- " + roff_text(summary) + "\n";
}

std::string roff_synopsis(const std::string& usage) {
    std::string out = ".SH " + tr("SYNOPSIS", "SINOPSIS") + "\n.nf\n";
    std::istringstream in(usage);
    for (std::string line; std::getline(in, line);) out += roff_text(line) + "\n";
    return out + ".fi\n";
}

std::string roff_exit_status() {
    std::string out = ".SH " + tr("EXIT STATUS", "ESTADO DE SALIDA") + "\n";
    std::istringstream in(exit_codes_text());
    std::string line;
    std::getline(in, line);  // the table's own title
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string code;
        fields >> code;
        std::string meaning;
        std::getline(fields, meaning);
        out += ".TP\n.B " + code + "\n" + roff_text(meaning.substr(std::min(meaning.size(), meaning.find_first_not_of(' ')))) + "\n";
    }
    return out;
}

// Every option each (sub)command accepts, from its table, so that none is left out of the page.
std::string roff_option_index(const Described& d) {
    std::string out = ".SH " + tr("OPTION INDEX", "ÍNDICE DE OPCIONES") + "\n";
    for (const CommandSpec& spec : d.specs) {
        out += ".TP\n\\fBistmo " + roff_text(spec.name) + "\\fR\n";
        std::string list;
        for (const OptionSpec& option : all_options(spec)) {
            if (!list.empty()) list += ", ";
            list += "\\fB\\-\\-" + roff_text(option.name) + "\\fR";
            if (option.takes_value) list += " \\fI" + tr("VALUE", "VALOR") + "\\fR";
            if (option.repeatable) list += tr(" (repeatable)", " (repetible)");
        }
        out += list + "\n";
    }
    return out;
}

std::string see_also(const std::vector<Described>& all, const std::string& except) {
    std::string out = ".SH " + tr("SEE ALSO", "VÉASE TAMBIÉN") + "\n";
    std::string list = except == "istmo" ? "" : "\\fBistmo\\fR(1)";
    for (const Described& d : all) {
        if ("istmo-" + d.name == except) continue;
        list += (list.empty() ? "" : ", ") + std::string("\\fBistmo\\-") + roff_text(d.name) + "\\fR(1)";
    }
    return out + list + "\n";
}

std::string command_page(const Described& d, const std::vector<Described>& all) {
    const auto [usage, description] = split_usage(d.help);
    std::string page = roff_header("istmo-" + d.name, d.summary);
    page += roff_synopsis(usage);
    page += ".SH " + tr("DESCRIPTION", "DESCRIPCIÓN") + "\n" + roff_help(description);
    std::set<std::string> shown{d.help};
    for (const CommandSpec& spec : d.specs) {
        // Subcommands with a help of their own (invoice's share the command's).
        if (!shown.insert(spec.help).second || d.help.find(spec.help) != std::string::npos) continue;
        page += ".SH \"ISTMO " + roff_text(spec.name) + "\"\n";
        const auto [sub_usage, sub_description] = split_usage(spec.help);
        page += ".nf\n" + roff_text(sub_usage) + ".fi\n" + roff_help(sub_description);
    }
    return page + roff_option_index(d) + roff_exit_status() + see_also(all, "istmo-" + d.name);
}

std::string main_page(const std::vector<Described>& all) {
    std::string page = roff_header("istmo", tr("XML signatures, XAdES, Panama e-invoices and RFC 3161 time-stamps",
                                               "firmas XML, XAdES, facturas electrónicas de Panamá y sellos de tiempo RFC 3161"));
    page += roff_synopsis(tr("istmo <command> [options]\nistmo help <command>\nistmo --version\n",
                             "istmo <comando> [opciones]\nistmo help <comando>\nistmo --version\n"));
    page += ".SH " + tr("DESCRIPTION", "DESCRIPCIÓN") + "\n" +
            roff_text(tr("istmo signs and verifies XML documents, validates Panama electronic invoices (DGI rFE 1.00) and "
                         "obtains RFC 3161 time-stamps. Every command takes --lang es|en (default: LC_ALL, LC_MESSAGES, "
                         "LANG) and --help.",
                         "istmo firma y verifica documentos XML, valida facturas electrónicas de Panamá (DGI rFE 1.00) y "
                         "obtiene sellos de tiempo RFC 3161. Todos los comandos aceptan --lang es|en (por defecto: LC_ALL, "
                         "LC_MESSAGES, LANG) y --help.")) +
            "\n.SH " + tr("COMMANDS", "COMANDOS") + "\n";
    for (const Described& d : all)
        page += ".TP\n\\fBistmo\\-" + roff_text(d.name) + "\\fR(1)\n" + roff_text(d.summary) + "\n";
    return page + roff_exit_status() + see_also(all, "istmo");
}

int write_file_or_fail(const std::filesystem::path& path, const std::string& content) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary);
    out << content;
    out.close();
    if (!out) {
        print_error(tr("cannot write '", "no se puede escribir '") + path.string() + "'");
        return exit_io;
    }
    return exit_ok;
}

// ---- completion ------------------------------------------------------------------------------

std::string words_of(const std::vector<OptionSpec>& options, bool with_values) {
    std::string out;
    for (const OptionSpec& option : options) {
        if (option.takes_value != with_values) continue;
        out += (out.empty() ? "--" : " --") + std::string(option.name);
        if (option.short_name != '\0') out += std::string(" -") + option.short_name;
    }
    return out;
}

std::string bash_completion(const std::vector<Described>& all) {
    std::string commands = "help";
    std::string subcommands;
    std::string options;
    for (const Described& d : all) {
        commands += " " + d.name;
        std::string subs;
        for (const CommandSpec& spec : d.specs) {
            const auto space = spec.name.find(' ');
            if (space != std::string::npos) subs += (subs.empty() ? "" : " ") + spec.name.substr(space + 1);
            const std::vector<OptionSpec> opts = all_options(spec);
            options += "    \"" + spec.name + "\") flags='" + words_of(opts, false) + "'; valued='" + words_of(opts, true) +
                       "' ;;\n";
        }
        if (!subs.empty()) subcommands += "    " + d.name + ") echo '" + subs + "' ;;\n";
    }
    std::string choices;
    for (const auto& [name, values] : value_choices(all)) choices += "    --" + name + ") echo '" + values + "' ;;\n";
    return "# bash completion for istmo. Generated by 'istmo --generate-completion bash' from the option\n"
           "# tables of the istmo program; do not edit.\n"
           "_istmo_subcommands() {\n  case \"$1\" in\n" + subcommands + "  esac\n}\n"
           "_istmo_choices() {\n  case \"$1\" in\n" + choices + "  esac\n}\n"
           "_istmo_options() {  # sets flags and valued for the command \"$1\"\n  flags=''; valued=''\n"
           "  case \"$1\" in\n" + options + "  esac\n}\n"
           "_istmo() {\n"
           "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} first=1 subs key flags valued\n"
           "  COMPREPLY=()\n"
           "  if [[ ${COMP_WORDS[1]} == --lang ]]; then first=3; fi\n"
           "  if (( COMP_CWORD == first - 1 )) && [[ $prev == --lang ]]; then\n"
           "    COMPREPLY=($(compgen -W 'es en' -- \"$cur\")); return\n  fi\n"
           "  if (( COMP_CWORD == first )); then\n"
           "    COMPREPLY=($(compgen -W '" + commands + " --help --version --lang' -- \"$cur\")); return\n  fi\n"
           "  key=${COMP_WORDS[first]}\n"
           "  if [[ $key == help ]]; then\n"
           "    (( COMP_CWORD == first + 1 )) && COMPREPLY=($(compgen -W '" + commands.substr(5) + "' -- \"$cur\"))\n"
           "    return\n  fi\n"
           "  subs=$(_istmo_subcommands \"$key\")\n"
           "  if [[ -n $subs ]]; then\n"
           "    if (( COMP_CWORD == first + 1 )); then COMPREPLY=($(compgen -W \"$subs --help\" -- \"$cur\")); return; fi\n"
           "    key=\"$key ${COMP_WORDS[first+1]}\"\n  fi\n"
           "  _istmo_options \"$key\"\n"
           "  if [[ \" $valued \" == *\" $prev \"* ]]; then\n"
           "    local values; values=$(_istmo_choices \"$prev\")\n"
           "    if [[ -n $values ]]; then COMPREPLY=($(compgen -W \"$values\" -- \"$cur\")); else COMPREPLY=($(compgen -f -- \"$cur\")); fi\n"
           "    return\n  fi\n"
           "  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$flags $valued\" -- \"$cur\")); return; fi\n"
           "  COMPREPLY=($(compgen -f -- \"$cur\"))\n"
           "}\n"
           "complete -o filenames -o bashdefault -F _istmo istmo\n";
}

}  // namespace

int run_generate_man(std::span<const std::string> argv) {
    if (argv.size() != 1) return usage_error("--generate-man: " + tr("needs one directory", "necesita un directorio"), "");
    const std::filesystem::path dir = argv.front();
    const Lang before = lang();
    for (const Lang language : {Lang::en, Lang::es}) {
        set_lang(language);
        const std::filesystem::path man1 = language == Lang::es ? dir / "es" / "man1" : dir / "man1";
        const std::vector<Described> all = describe_all();
        if (int rc = write_file_or_fail(man1 / "istmo.1", main_page(all)); rc != exit_ok) return rc;
        for (const Described& d : all)
            if (int rc = write_file_or_fail(man1 / ("istmo-" + d.name + ".1"), command_page(d, all)); rc != exit_ok)
                return rc;
    }
    set_lang(before);
    return exit_ok;
}

int run_generate_completion(std::span<const std::string> argv) {
    if (argv.size() != 1 || argv.front() != "bash")
        return usage_error("--generate-completion: " + tr("give bash", "indique bash"), "");
    set_lang(Lang::en);
    std::cout << bash_completion(describe_all());
    std::cout.flush();
    return std::cout ? exit_ok : exit_io;
}

}  // namespace istmo_cli
