#pragma once
// Reports for people, in the language of the messages: the verdict, what was checked, and for
// every result that is not TOTAL_PASSED the reasons (code, field, message).
#include <istmo/dsig/verify.hpp>
#include <istmo/invoice/panama.hpp>

#include <string>

namespace istmo_cli {

// The finding's message in the language of the messages (Spanish from the catalogue when the
// finding was made without it).
[[nodiscard]] std::string message_in_language(const istmo::report::Finding& finding);
// A text of the library (an English message) in the language of the messages: its Spanish
// from the message catalogue under --lang es, else the text as it is.
[[nodiscard]] std::string text_in_language(const std::string& text_en);
// "info" / "warning" / "error" in the language of the messages.
[[nodiscard]] std::string severity_text(istmo::report::Severity severity);

[[nodiscard]] std::string verification_text(const istmo::dsig::VerificationReport& report);
// One input of `invoice validate`: "<path>: <verdict>", the CUFE, issuer and total, then every
// finding of the invoice and, when the signature did not pass, the signature's reasons.
[[nodiscard]] std::string invoice_text(const std::string& path, const istmo::invoice::panama::InvoiceReport& report);

}  // namespace istmo_cli
