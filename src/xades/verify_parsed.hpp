#pragma once
// Internal: XAdES verification of a document the caller has already parsed, with one subtree
// treated as absent — dsig::verify_parsed with the XAdES checks (see dsig/verify_parsed.hpp).
#include <istmo/xades/xades.hpp>

#include "internal/c_ptr.hpp"

namespace istmo::xades {

// Verifies every signature of `document` (XMLDSig and, where present, XAdES) as if `leave_out`
// (an element of that document, or nullptr) and its subtree were absent. The document is not
// modified.
Result<dsig::VerificationReport> verify_parsed(const Verifier& verifier, const xml::XmlDocument& document,
                                               const xmlNode* leave_out);

}  // namespace istmo::xades
