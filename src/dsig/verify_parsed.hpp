#pragma once
// Internal: verification of a document the caller has already parsed, with one subtree treated
// as absent (the Panama invoice's gNoFirm lies outside its enveloped signature). Leaving out
// works on the node-set: canonicalization skips the subtree, Id lookups and the wrapping checks
// do not see it; the document itself is never modified, so the caller may keep reading it.
#include <istmo/dsig/verify.hpp>

#include "internal/c_ptr.hpp"

namespace istmo::dsig {

// Verifies every signature of `document` as if `leave_out` (an element of that document, or
// nullptr) and its subtree were absent. The document is not modified.
// Errors: Errc::invalid_argument when leave_out is not an element of the document or lies
// inside a ds:Signature; otherwise as Verifier::verify.
Result<VerificationReport> verify_parsed(const Verifier& verifier, const xml::XmlDocument& document, const xmlNode* leave_out);

}  // namespace istmo::dsig
