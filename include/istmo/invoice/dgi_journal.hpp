#pragma once
// The contingency journal: invoices emitted offline (iTpEmis 02 or 04) wait in a directory and
// are sent in order once the DGI can be reached again, within the 72-hour window (SECONDARY,
// SPEC §2.6). A crash at any point loses none and sends none twice:
//   - add() writes the rFE to a temporary file, fsyncs it, renames it into place and fsyncs
//     the directory;
//   - before an entry is sent a marker "<entry>.sending" is written the same way; an entry found
//     with its marker (a crash after or during a send) is looked up with feConsFE first and only
//     sent when the DGI does not have it;
//   - an answer is written next to the entry (<entry>.json, fsync'd), then the entry moves to
//     done/ (authorised) or rejected/ (rejected, duplicate) by rename, and the marker is removed.
// One process at a time per directory (a lock file, flock).
#include <istmo/core/result.hpp>
#include <istmo/export.hpp>
#include <istmo/invoice/dgi.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::invoice::panama::dgi {

struct JournalResult {
    std::string entry;   // file name in the journal
    std::string cufe;
    std::optional<Outcome> outcome;  // set when the DGI answered
    std::string protocol;
    bool late = false;               // past 72 hours from dFechaCont (or dFechaEm)
    bool queried_first = false;      // found with its marker: feConsFE before any send
    std::string error;               // the transport error when there was no answer
};

class ISTMO_API PendingJournal {
public:
    // Creates DIR (and DIR/done, DIR/rejected) when missing. Errc::io_error when it cannot.
    static Result<PendingJournal> open(std::string directory);

    // Adds a signed rFE (checked: it parses and has a CUFE); returns the entry's name
    // ("0000000001-<CUFE>.xml"). An rFE already in the journal (same CUFE, pending or done) is
    // refused (Errc::failed_precondition).
    Result<std::string> add(std::string_view signed_rfe) const;

    // The pending entries, in the order they were added.
    [[nodiscard]] Result<std::vector<std::string>> pending() const;

    // Sends the pending entries in order with `client`; stops at the first entry that gets no
    // answer (the DGI unreachable: later entries wait their turn). `step` (tests: crash
    // injection) is called with an increasing number before and after every durable change.
    Result<std::vector<JournalResult>> send_all(const Client& client,
                                                const std::function<void(int)>& step = {}) const;

    [[nodiscard]] const std::string& directory() const noexcept { return m_directory; }

private:
    explicit PendingJournal(std::string directory) : m_directory(std::move(directory)) {}
    std::string m_directory;
};

}  // namespace istmo::invoice::panama::dgi
