#include "validation_options.hpp"

#include "common.hpp"
#include "exit_codes.hpp"
#include "options.hpp"

#include <chrono>
#include <cstdint>

namespace istmo_cli {

std::vector<OptionSpec> validation_options() {
    std::vector<OptionSpec> out = trust_options();
    for (const OptionSpec& option : std::initializer_list<OptionSpec>{{"profile", '\0', true, false},
                                                                      {"jobs", 'j', true, false},
                                                                      {"max-size", '\0', true, false},
                                                                      {"time-budget", '\0', true, false},
                                                                      {"legacy", '\0', false, false}})
        out.push_back(option);
    return out;
}

int read_validation_options(const std::string& command, const ParsedArgs& args, const std::string& usage,
                            istmo::batch::Options& options) {
    if (auto p = args.value("profile")) {
        auto profile = istmo::batch::parse_profile(*p);
        if (!profile) return usage_error(command + ": " + tr("unknown profile '", "perfil desconocido '") + *p + "'", usage);
        options.profile = *profile;
    }
    if (auto j = args.value("jobs")) {
        auto n = parse_size(*j);
        if (!n || *n == 0 || *n > 4096 || (*j)[j->size() - 1] < '0' || (*j)[j->size() - 1] > '9')
            return usage_error(command + ": " + tr("--jobs needs a number from 1 to 4096", "--jobs necesita un número de 1 a 4096"), usage);
        options.jobs = static_cast<unsigned>(*n);
    }
    if (auto m = args.value("max-size")) {
        auto n = parse_size(*m);
        if (!n || *n == 0) return usage_error(command + ": --max-size '" + *m + tr("' is not a size", "' no es un tamaño"), usage);
        options.max_size = *n;
    }
    if (auto t = args.value("time-budget")) {
        auto n = parse_size(*t);
        if (!n || t->find_first_not_of("0123456789") != std::string::npos || *n > 86'400'000)
            return usage_error(command + ": " + tr("--time-budget needs milliseconds from 0 to 86400000", "--time-budget necesita milisegundos de 0 a 86400000"), usage);
        options.time_budget = std::chrono::milliseconds(static_cast<std::int64_t>(*n));
    }
    options.legacy = args.has("legacy");
    if (auto at = args.value("at"); at && !parse_rfc3339(*at))
        return usage_error(command + ": --at '" + *at + tr("' is not an RFC 3339 time", "' no es una hora RFC 3339"), usage);
    return apply_trust_options(command, args, options.verify);
}

}  // namespace istmo_cli
