#pragma once
// What `istmo sign --profile xades-b-lt|xades-b-lta` and `istmo extend` share: the time-stamping
// authority (--tsa, --tsa-trust) and where long-term validation data comes from (--trust,
// --trust-dir, --untrusted, --at and the revocation options).
#include "args.hpp"

#include <istmo/xades/xades.hpp>

#include <string>
#include <vector>

namespace istmo_cli {

// A timestamper over --tsa URLs whose answers are verified against the --tsa-trust anchors
// (added to `anchors` too, when given). Returns 0, or prints the problem and returns its exit code.
[[nodiscard]] int make_timestamper(const std::vector<std::string>& urls, const std::vector<std::string>& trust_files,
                                   istmo::xades::Timestamper& out, istmo::crypto::TrustStore* anchors);

// --trust, --trust-dir, --untrusted, --at and the revocation options into `out`.
// Returns 0, or prints the problem and returns its exit code.
[[nodiscard]] int read_long_term_options(const std::string& command, const ParsedArgs& args,
                                         istmo::xades::LongTermOptions& out);

// The help lines of the options above (English, Spanish).
[[nodiscard]] const char* long_term_help();
[[nodiscard]] const char* long_term_help_es();

}  // namespace istmo_cli
