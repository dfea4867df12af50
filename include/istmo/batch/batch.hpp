#pragma once
// Batch validation: many documents, one verdict each, nothing lost, every core busy.
//
// A Source yields inputs (files, directory trees, a list of paths, an NDJSON stream of base64
// documents); a Validator checks each one on N worker threads and hands exactly one
// DocumentResult per input to a Sink (or, when resuming, reports it as already done). Inputs that
// cannot be checked at all (unreadable, empty, oversized, not XML, a bad NDJSON line) get a
// failing result with a BATCH-* code; they are never skipped and never stop the run.
//
// Shared state is built once per Validator: one xades::Verifier / dsig::Verifier /
// invoice::panama::InvoiceValidator serves Validator::validate; run() gives each worker thread
// its own copy (kept by the Validator for later runs), so the workers share no document-level
// state. The certificate step is one crypto::CertificateValidator for the whole Validator (every
// profile, validate() and every worker; dsig::VerifyOptions::certificate_validator, made from
// Options::verify unless given there): one cache of certificates and paths, internally
// synchronised, and one certificate status source. Each worker holds one input at a time and the
// queue of results waiting for the sink is bounded, so memory does not grow with the number of
// documents.
//
// Thread safety: Validator::validate may be called from many threads at once; run() calls the
// Source from its worker threads one call at a time (never concurrently) and the Sink from the
// calling thread only.
#include <istmo/core/result.hpp>
#include <istmo/dsig/verify.hpp>
#include <istmo/export.hpp>
#include <istmo/report/report.hpp>

#include <cstddef>
#include <cstdint>
#include <chrono>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace istmo::batch {

// Codes of inputs that could not be validated (docs/batch.md).
inline constexpr std::string_view k_code_not_found = "BATCH-IO-NOT-FOUND";
inline constexpr std::string_view k_code_unreadable = "BATCH-IO-UNREADABLE";
inline constexpr std::string_view k_code_empty = "BATCH-EMPTY";
inline constexpr std::string_view k_code_too_large = "BATCH-TOO-LARGE";
inline constexpr std::string_view k_code_not_xml = "BATCH-NOT-XML";
inline constexpr std::string_view k_code_bad_json = "BATCH-INPUT-BAD-JSON";
inline constexpr std::string_view k_code_bad_base64 = "BATCH-INPUT-BAD-BASE64";
inline constexpr std::string_view k_code_not_xades = "BATCH-PROFILE-NOT-XADES";
inline constexpr std::string_view k_code_internal = "BATCH-INTERNAL";
inline constexpr std::string_view k_code_time_budget = "BATCH-TIME-BUDGET-EXCEEDED";

enum class Profile { panama_fe, xmldsig, xades, automatic };
// "panama-fe", "xmldsig", "xades", "auto"; nullopt when unknown.
ISTMO_API std::optional<Profile> parse_profile(std::string_view name);
ISTMO_API std::string_view to_string(Profile profile) noexcept;

// One input. Either the bytes are given (content), or source names a file to read.
struct Input {
    std::string source;                  // label of the result (a path, or the NDJSON "source")
    std::optional<std::string> content;  // in-memory document; nullopt: read the file `source`
    std::string error_code;              // set by a source for an unusable entry (BATCH-INPUT-*)
    std::string error_message;
};

class ISTMO_API Source {
public:
    Source() = default;
    Source(const Source&) = delete;
    Source& operator=(const Source&) = delete;
    virtual ~Source();
    // The next input, nullopt at the end. Never throws for bad entries: they become inputs
    // with an error_code.
    virtual std::optional<Input> next() = 0;
    // Number of inputs when it can be known up front (for progress), else nullopt.
    virtual std::optional<std::size_t> count() { return std::nullopt; }
};

// Files and directory trees (walked recursively, regular files only, lazily). A path that does
// not exist becomes one failing input.
ISTMO_API std::unique_ptr<Source> paths_source(std::vector<std::string> paths);
// One path per line (files or directories; empty lines ignored). The stream must outlive the source.
ISTMO_API std::unique_ptr<Source> path_list_source(std::istream& in);
// One JSON object per line: {"source": "...", "base64": "..."} ("content_base64" and "data" are
// accepted for base64). Without "source", the label is "<label>:<line number>". Empty lines are
// ignored. A line longer than max_line_bytes is skipped over without being held and becomes one
// BATCH-TOO-LARGE input (the default fits the base64 of a 64 MiB document). The stream must
// outlive the source.
inline constexpr std::size_t k_default_max_ndjson_line = 96u * 1024 * 1024;
ISTMO_API std::unique_ptr<Source> ndjson_source(std::istream& in, std::string label = "ndjson",
                                                std::size_t max_line_bytes = k_default_max_ndjson_line);
// The inputs of several sources, one after the other.
ISTMO_API std::unique_ptr<Source> concat_sources(std::vector<std::unique_ptr<Source>> sources);

struct DocumentResult {
    std::string source;
    std::string sha256;  // lower-case hex of the bytes; "" when they could not be read
    report::Indication indication = report::Indication::total_failed;
    report::SubIndication sub_indication = report::SubIndication::format_failure;
    std::vector<std::string> codes;  // distinct finding codes (warnings and errors), in report order
    std::string cufe;                // invoices: dId (declared CUFE), else ""
    double ms = 0;                   // wall time spent on the input (reading included)
    std::string profile;             // the profile actually applied ("" when never validated)
    // The warnings and errors behind `codes`, each with its field path and its message in English
    // and Spanish: what an issuer must fix. At most k_max_result_findings, plus the first finding
    // of each code met after that (every code keeps one); the rest are counted.
    std::vector<report::Finding> findings;
    std::size_t findings_omitted = 0;

    // One line of NDJSON, without the newline:
    // {"source":..,"sha256":..,"indication":..,"sub_indication":..|null,"codes":[..],
    //  "findings":[{"code","severity","field","rule","message","message_es"}..],"findings_omitted":N,
    //  "cufe":..|null,"ms":..}   (docs/batch.md)
    [[nodiscard]] ISTMO_API std::string to_ndjson() const;
};

// The most findings one result line carries (a broken document can have thousands).
inline constexpr std::size_t k_max_result_findings = 100;

// Parses a line written by to_ndjson (source, sha256, indication, sub_indication, codes, cufe,
// ms; findings when present); nullopt when it is not one (e.g. a half-written line).
ISTMO_API std::optional<DocumentResult> parse_result_line(std::string_view line);

class ISTMO_API Sink {
public:
    Sink() = default;
    Sink(const Sink&) = delete;
    Sink& operator=(const Sink&) = delete;
    virtual ~Sink();
    // Called once per validated input, from the thread that called run(). An error stops the run.
    virtual istmo::Result<void> write(const DocumentResult& result) = 0;
    // Called instead of write for an input that Options::already_done said was recorded.
    virtual void skipped(const std::string& source, const std::string& sha256);
    // Called after each group of write() calls the run hands over at once (the results that
    // were waiting for the sink) and so before run() returns. A sink that gathers results
    // passes them on here at the latest (the verdict store records a group in one
    // transaction). An error stops the run.
    virtual istmo::Result<void> flush();
};

struct Options {
    Profile profile = Profile::automatic;
    unsigned jobs = 0;                          // worker threads; 0 = all cores
    std::size_t max_size = 64u * 1024 * 1024;   // larger inputs fail with BATCH-TOO-LARGE
    // Wall-clock budget per input (reading included); 0 = none. It is also the verifier's
    // time_budget (unless verify.time_budget is set), which stops the signature checks at the
    // next step once it is used up. An input over its budget gets BATCH-TIME-BUDGET-EXCEEDED
    // and is never TOTAL_PASSED.
    std::chrono::milliseconds time_budget{10'000};
    // Results waiting for the sink (workers wait when it is full); 0 = 16 x jobs, at least 64.
    // The calling thread is woken when a quarter of it is filled (or every 100 ms).
    std::size_t queue_capacity = 0;
    dsig::VerifyOptions verify;                 // trust anchors, validation time, limits
    // Accept SHA-1 (and RSA from 1024 bits) with a warning, in every profile: invoices get
    // FE-SIG-LEGACY, signatures DSIG-ALG-WEAK (invoice::panama::ValidateOptions::legacy,
    // dsig::VerifyOptions::allow_legacy). Off: INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE.
    bool legacy = false;
    // Resume: true when (source, sha256) is already recorded; such an input is not validated
    // again and goes to Sink::skipped. Called from worker threads (must be thread-safe for reads).
    std::function<bool(const std::string& source, const std::string& sha256)> already_done;
};

struct Summary {
    std::size_t total = 0;    // inputs seen (validated + skipped)
    std::size_t skipped = 0;  // already recorded (resume)
    std::size_t passed = 0, failed = 0, indeterminate = 0;
    std::map<std::string, std::size_t> codes;  // finding code -> number of inputs with it
    double seconds = 0;                          // wall time of the run
    [[nodiscard]] std::size_t validated() const noexcept { return total - skipped; }
    // The n most frequent codes, most frequent first (ties by name).
    [[nodiscard]] ISTMO_API std::vector<std::pair<std::string, std::size_t>> top_codes(std::size_t n) const;
};

class ISTMO_API Validator {
public:
    explicit Validator(Options options = {});
    Validator(Validator&&) noexcept;
    Validator& operator=(Validator&&) noexcept;
    ~Validator();

    // One document in memory. Never throws; never fails: problems are in the result.
    [[nodiscard]] DocumentResult validate(const std::string& source, std::string_view bytes) const;
    // One input as a source yields it (reads the file when there is no content).
    [[nodiscard]] DocumentResult validate(const Input& input) const;

    // Runs the whole source through the workers into the sink. Exactly one write() or
    // skipped() per input, and a flush() after each group of them. An Error only when the sink failed (the run stops early) or no
    // thread could be started.
    [[nodiscard]] istmo::Result<Summary> run(Source& source, Sink& sink) const;

    [[nodiscard]] const Options& options() const noexcept;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

// ---- results files (NDJSON) -----------------------------------------------------------------

struct ResumeState {
    struct Recorded {
        std::string sha256;
        report::Indication indication = report::Indication::total_failed;
        std::size_t line = 0;  // its line number in the (compacted) file, from 1
    };
    struct SourceHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    // source -> its recorded result: one per source (the last line wins when a source was
    // recorded more than once, since results are appended in time order).
    std::unordered_map<std::string, Recorded, SourceHash, std::equal_to<>> by_source;
    std::size_t lines = 0;       // result lines kept (= by_source.size())
    std::size_t dropped = 0;     // half-written or unreadable lines removed
    std::size_t duplicates = 0;  // older lines of sources recorded more than once, removed

    // The source is recorded with this sha256 (its content did not change).
    [[nodiscard]] bool contains(std::string_view source, std::string_view sha256) const {
        const Recorded* r = find(source);
        return r != nullptr && r->sha256 == sha256;
    }
    [[nodiscard]] const Recorded* find(std::string_view source) const {
        auto it = by_source.find(source);
        return it == by_source.end() ? nullptr : &it->second;
    }
};

// Rewrites a results file so that it holds exactly one line per source: of the lines of one
// source the last one wins (results are appended in time order, so it is the newest), lines
// that are not results (garbage, a half-written last line) are removed. A missing file is an
// empty state. Crash-safe: when only a half-written tail is wrong the file is truncated;
// otherwise the kept lines go to PATH.compact.tmp, which is fsync'ed and renamed over PATH
// (then the directory is fsync'ed), so a kill at any moment leaves either the old or the new
// file, and both read the same under "the last line wins". Reads the file as a stream: memory
// is O(number of sources), not O(file). Errors: Errc::io_error / permission_denied.
ISTMO_API istmo::Result<ResumeState> compact_results(const std::string& path);

// Prepares a results file for --resume: compact_results. After the run, call compact_results
// again when an input was validated although its source was recorded (its content changed:
// ResumeState::find(source) is set but contains(source, sha256) is false), so that its stale
// line goes.
ISTMO_API istmo::Result<ResumeState> prepare_resume(const std::string& path);

// Appends one line per result to a file (created when missing), one write(2) per line, so a
// killed run leaves at most one half-written line. An empty path or "-" writes to stdout.
class ISTMO_API NdjsonFileSink : public Sink {
public:
    static istmo::Result<std::unique_ptr<NdjsonFileSink>> open(const std::string& path, bool append);
    ~NdjsonFileSink() override;
    istmo::Result<void> write(const DocumentResult& result) override;
    // Flushes to stable storage (fsync); a no-op on stdout.
    istmo::Result<void> sync();

private:
    NdjsonFileSink(int fd, bool owned, std::string path) : m_fd(fd), m_owned(owned), m_path(std::move(path)) {}
    int m_fd = -1;
    bool m_owned = false;
    std::string m_path;
};

}  // namespace istmo::batch
