#pragma once
// A signature verification report as the page model of istmo/report/html.hpp.
//
// Thread safety: pure functions.
#include <istmo/dsig/verify.hpp>
#include <istmo/export.hpp>
#include <istmo/report/html.hpp>

#include <string>
#include <vector>

namespace istmo::dsig {

// Each signature: level, verdict, signer, claimed signing time, the chain with each
// certificate's revocation status, the time-stamps and what each reference covers.
[[nodiscard]] ISTMO_API std::vector<report::HtmlSignature> html_signatures(const VerificationReport& report,
                                                                         report::Language language);
// The whole report; `name` labels it (the input file).
[[nodiscard]] ISTMO_API report::HtmlDocument html_document(const VerificationReport& report, std::string name,
                                                         report::Language language);

}  // namespace istmo::dsig
