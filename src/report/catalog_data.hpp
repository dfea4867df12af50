#pragma once
// Internal: the tables of the message catalogue (istmo/report/messages.hpp), one file per family.
#include <istmo/report/messages.hpp>

#include <span>

namespace istmo::report::detail {

// Codes with their meaning.
std::span<const CatalogEntry> signature_codes() noexcept;  // XML-*, DSIG-*, XADES-*, STREAM-*
std::span<const CatalogEntry> timestamp_codes() noexcept;  // TSA-*
std::span<const CatalogEntry> invoice_codes() noexcept;    // FE-*
std::span<const CatalogEntry> batch_codes() noexcept;      // BATCH-*

// Message forms of those codes; phrases (empty code) are texts quoted inside messages.
std::span<const CatalogEntry> signature_forms() noexcept;
std::span<const CatalogEntry> timestamp_forms() noexcept;
std::span<const CatalogEntry> batch_forms() noexcept;
std::span<const CatalogEntry> phrases() noexcept;
// Messages of common operation errors (Error::message) a person meets: keys, PKCS#12, files.
std::span<const CatalogEntry> error_phrases() noexcept;

}  // namespace istmo::report::detail
