// Batch validator: profiles, one result per input, the worker pool with bounded queues.
#include <istmo/batch/batch.hpp>
#include <istmo/invoice/panama.hpp>
#include <istmo/xades/xades.hpp>

#include "batch/batch_util.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <variant>

namespace istmo::batch {

std::optional<Profile> parse_profile(std::string_view name) {
    if (name == "panama-fe") return Profile::panama_fe;
    if (name == "xmldsig") return Profile::xmldsig;
    if (name == "xades") return Profile::xades;
    if (name == "auto") return Profile::automatic;
    return std::nullopt;
}

std::string_view to_string(Profile profile) noexcept {
    switch (profile) {
        case Profile::panama_fe: return "panama-fe";
        case Profile::xmldsig: return "xmldsig";
        case Profile::xades: return "xades";
        case Profile::automatic: return "auto";
    }
    return "auto";
}

Sink::~Sink() = default;
void Sink::skipped(const std::string&, const std::string&) {}

// ---- results as NDJSON ------------------------------------------------------------------------

std::string DocumentResult::to_ndjson() const {
    std::string out;
    out.reserve(160 + source.size() + cufe.size() + codes.size() * 24);
    out += "{\"source\":";
    report::append_json_string(out, source);
    out += ",\"sha256\":";
    report::append_json_string(out, sha256);
    out += ",\"indication\":";
    report::append_json_string(out, report::to_string(indication));
    out += ",\"sub_indication\":";
    if (sub_indication == report::SubIndication::none) out += "null";
    else report::append_json_string(out, report::to_string(sub_indication));
    out += ",\"codes\":[";
    for (std::size_t i = 0; i < codes.size(); ++i) {
        if (i) out += ',';
        report::append_json_string(out, codes[i]);
    }
    out += "],\"cufe\":";
    if (cufe.empty()) out += "null";
    else report::append_json_string(out, cufe);
    char ms_text[32];
    std::snprintf(ms_text, sizeof ms_text, "%.3f", ms);
    out += ",\"ms\":";
    out += ms_text;
    out += '}';
    return out;
}

namespace {

std::optional<report::Indication> indication_from(std::string_view text) {
    for (auto i : {report::Indication::total_passed, report::Indication::total_failed, report::Indication::indeterminate})
        if (report::to_string(i) == text) return i;
    return std::nullopt;
}

std::optional<report::SubIndication> sub_indication_from(std::string_view text) {
    for (int i = 0; i <= static_cast<int>(report::SubIndication::out_of_bounds_no_poe); ++i) {
        const auto s = static_cast<report::SubIndication>(i);
        if (s != report::SubIndication::none && report::to_string(s) == text) return s;
    }
    return std::nullopt;
}

}  // namespace

std::optional<DocumentResult> parse_result_line(std::string_view line) {
    using Kind = detail::JsonValue::Kind;
    auto object = detail::parse_flat_object(line);
    if (!object) return std::nullopt;
    const auto get = [&](std::string_view name) -> const detail::JsonValue* {
        auto it = object->find(name);
        return it == object->end() ? nullptr : &it->second;
    };
    DocumentResult r;
    const auto* source = get("source");
    const auto* sha = get("sha256");
    const auto* indication = get("indication");
    const auto* sub = get("sub_indication");
    const auto* codes = get("codes");
    const auto* cufe = get("cufe");
    const auto* ms = get("ms");
    if (!source || source->kind != Kind::string || !sha || sha->kind != Kind::string || !indication ||
        indication->kind != Kind::string || !sub || !codes || codes->kind != Kind::string_array || !cufe || !ms ||
        ms->kind != Kind::number)
        return std::nullopt;
    auto ind = indication_from(indication->text);
    if (!ind) return std::nullopt;
    r.source = source->text;
    r.sha256 = sha->text;
    r.indication = *ind;
    if (sub->kind == Kind::null) {
        r.sub_indication = report::SubIndication::none;
    } else {
        if (sub->kind != Kind::string) return std::nullopt;
        auto s = sub_indication_from(sub->text);
        if (!s) return std::nullopt;
        r.sub_indication = *s;
    }
    r.codes = codes->items;
    if (cufe->kind == Kind::string) r.cufe = cufe->text;
    else if (cufe->kind != Kind::null) return std::nullopt;
    r.ms = std::strtod(ms->text.c_str(), nullptr);
    return r;
}

std::vector<std::pair<std::string, std::size_t>> Summary::top_codes(std::size_t n) const {
    std::vector<std::pair<std::string, std::size_t>> all(codes.begin(), codes.end());
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    if (all.size() > n) all.resize(n);
    return all;
}

// ---- one document -----------------------------------------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;

DocumentResult failure(std::string source, std::string sha256, std::string_view code) {
    DocumentResult r;
    r.source = std::move(source);
    r.sha256 = std::move(sha256);
    r.indication = report::Indication::total_failed;
    r.sub_indication = report::SubIndication::format_failure;
    r.codes.emplace_back(code);
    return r;
}

void add_code(std::vector<std::string>& codes, const std::string& code) {
    if (code.empty()) return;
    if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.push_back(code);
}

// Local name of the document element ("" when none is found in the first bytes).
std::string root_local_name(std::string_view xml) {
    std::size_t pos = 0;
    if (xml.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;
    for (;;) {
        pos = xml.find('<', pos);
        if (pos == std::string_view::npos || pos + 1 >= xml.size()) return {};
        const char c = xml[pos + 1];
        if (c == '?') {
            pos = xml.find("?>", pos + 2);
            if (pos == std::string_view::npos) return {};
            pos += 2;
        } else if (xml.substr(pos, 4) == "<!--") {
            pos = xml.find("-->", pos + 4);
            if (pos == std::string_view::npos) return {};
            pos += 3;
        } else if (c == '!') {
            // DOCTYPE, possibly with an internal subset.
            const std::size_t bracket = xml.find('[', pos);
            const std::size_t close = xml.find('>', pos);
            if (close == std::string_view::npos) return {};
            if (bracket != std::string_view::npos && bracket < close) {
                const std::size_t end = xml.find("]", bracket);
                if (end == std::string_view::npos) return {};
                pos = xml.find('>', end);
                if (pos == std::string_view::npos) return {};
                ++pos;
            } else {
                pos = close + 1;
            }
        } else {
            std::size_t end = pos + 1;
            while (end < xml.size() && xml[end] != ' ' && xml[end] != '\t' && xml[end] != '\r' && xml[end] != '\n' &&
                   xml[end] != '/' && xml[end] != '>')
                ++end;
            std::string_view name = xml.substr(pos + 1, end - pos - 1);
            if (auto colon = name.find(':'); colon != std::string_view::npos) name.remove_prefix(colon + 1);
            return std::string(name);
        }
    }
}

// True when the bytes cannot be an XML document: a NUL byte, or (UTF-8) the first non-blank
// character is not '<'. UTF-16 input (with a byte order mark) is left to the parser.
bool clearly_not_xml(std::string_view bytes) {
    if (bytes.size() >= 2 && ((bytes[0] == '\xFE' && bytes[1] == '\xFF') || (bytes[0] == '\xFF' && bytes[1] == '\xFE')))
        return false;
    if (std::memchr(bytes.data(), '\0', bytes.size()) != nullptr) return true;
    std::size_t pos = bytes.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
    while (pos < bytes.size() && (bytes[pos] == ' ' || bytes[pos] == '\t' || bytes[pos] == '\r' || bytes[pos] == '\n'))
        ++pos;
    return pos >= bytes.size() || bytes[pos] != '<';
}

void take_dsig(DocumentResult& r, const dsig::VerificationReport& report) {
    r.indication = report.indication;
    r.sub_indication = report.sub_indication;
    for (const auto& f : report.findings)
        if (f.severity != report::Severity::info) add_code(r.codes, f.code);
}

double elapsed_ms(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

struct Validator::State {
    Options options;
    std::unique_ptr<invoice::panama::InvoiceValidator> invoices;  // panama-fe, auto
    std::unique_ptr<xades::Verifier> xades;                       // xades, auto
    std::unique_ptr<dsig::Verifier> dsig;                         // xmldsig

    explicit State(Options o) : options(std::move(o)) {
        if (options.profile == Profile::panama_fe || options.profile == Profile::automatic) {
            invoice::panama::ValidateOptions vo;
            vo.verify = options.verify;
            invoices = std::make_unique<invoice::panama::InvoiceValidator>(std::move(vo));
        }
        if (options.profile == Profile::xades || options.profile == Profile::automatic) {
            xades::VerifyOptions xo;
            xo.dsig = options.verify;
            xades = std::make_unique<xades::Verifier>(std::move(xo));
        }
        if (options.profile == Profile::xmldsig) dsig = std::make_unique<dsig::Verifier>(options.verify);
    }

    void check(DocumentResult& r, std::string_view bytes) const {
        Profile profile = options.profile;
        if (profile == Profile::automatic) profile = root_local_name(bytes) == "rFE" ? Profile::panama_fe : Profile::xades;
        r.profile = std::string(to_string(profile));
        r.codes.clear();
        switch (profile) {
            case Profile::panama_fe: {
                auto report = invoices->validate(bytes);
                if (!report) return internal(r, report.error());
                r.indication = report->indication;
                r.sub_indication = report->sub_indication;
                r.cufe = report->cufe_declared;
                for (const auto& f : report->findings)
                    if (f.severity != report::Severity::info) add_code(r.codes, f.code);
                if (report->signature)
                    for (const auto& f : report->signature->findings)
                        if (f.severity != report::Severity::info) add_code(r.codes, f.code);
                return;
            }
            case Profile::xmldsig: {
                auto report = dsig->verify(bytes);
                if (!report) return internal(r, report.error());
                return take_dsig(r, *report);
            }
            case Profile::xades:
            case Profile::automatic: {
                auto report = xades->verify(bytes);
                if (!report) return internal(r, report.error());
                take_dsig(r, *report);
                if (options.profile == Profile::xades && report->well_formed && !report->signatures.empty()) {
                    const bool any_xades = std::any_of(report->signatures.begin(), report->signatures.end(),
                                                       [](const dsig::SignatureResult& s) { return s.level != "XMLDSig"; });
                    if (!any_xades) {
                        add_code(r.codes, std::string(k_code_not_xades));
                        if (r.indication != report::Indication::total_failed) {
                            r.indication = report::Indication::total_failed;
                            r.sub_indication = report::SubIndication::format_failure;
                        }
                    }
                }
                return;
            }
        }
    }

    static void internal(DocumentResult& r, const Error& error) {
        r.indication = report::Indication::indeterminate;
        r.sub_indication = report::SubIndication::none;
        r.codes.assign({std::string(k_code_internal) + "-" + std::string(errc_name(error.code))});
    }

    DocumentResult validate_bytes(const std::string& source, std::string_view bytes, Clock::time_point start) const {
        DocumentResult r;
        try {
            r.source = source;
            r.sha256 = detail::sha256_hex(bytes);
            if (bytes.empty()) {
                r = failure(source, r.sha256, k_code_empty);
            } else if (bytes.size() > options.max_size) {
                r = failure(source, r.sha256, k_code_too_large);
            } else if (clearly_not_xml(bytes)) {
                r = failure(source, r.sha256, k_code_not_xml);
            } else {
                check(r, bytes);
            }
        } catch (const std::exception&) {
            r = failure(source, r.sha256, k_code_internal);
        } catch (...) {
            r = failure(source, r.sha256, k_code_internal);
        }
        r.ms = elapsed_ms(start);
        return r;
    }

    // Reads a file within max_size; an oversized file is hashed in chunks and never held whole.
    // Returns the content, or a failure result.
    std::variant<std::string, DocumentResult> read_file(const std::string& path) const {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            const int e = errno;
            return failure(path, {}, e == ENOENT || e == ENOTDIR ? k_code_not_found : k_code_unreadable);
        }
        struct FdCloser {
            int fd;
            ~FdCloser() { ::close(fd); }
        } closer{fd};
        struct stat st {};
        if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) return failure(path, {}, k_code_unreadable);
        std::string content;
        if (S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) <= options.max_size)
            content.reserve(static_cast<std::size_t>(st.st_size));
        detail::Sha256 hash;
        bool too_large = false;
        char buffer[65536];
        for (;;) {
            const ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n < 0) {
                if (errno == EINTR) continue;
                return failure(path, {}, k_code_unreadable);
            }
            if (n == 0) break;
            const std::string_view chunk(buffer, static_cast<std::size_t>(n));
            if (!too_large && content.size() + chunk.size() > options.max_size) {
                too_large = true;
                hash.update(content);
                content = std::string();
            }
            if (too_large) hash.update(chunk);
            else content.append(chunk);
        }
        if (too_large) return failure(path, hash.hex_final(), k_code_too_large);
        return content;
    }
};

Validator::Validator(Options options) : m_state(std::make_unique<State>(std::move(options))) {}
Validator::Validator(Validator&&) noexcept = default;
Validator& Validator::operator=(Validator&&) noexcept = default;
Validator::~Validator() = default;

const Options& Validator::options() const noexcept { return m_state->options; }

DocumentResult Validator::validate(const std::string& source, std::string_view bytes) const {
    return m_state->validate_bytes(source, bytes, Clock::now());
}

DocumentResult Validator::validate(const Input& input) const {
    const auto start = Clock::now();
    if (!input.error_code.empty()) {
        DocumentResult r = failure(input.source, input.content ? detail::sha256_hex(*input.content) : std::string(),
                                   input.error_code);
        r.ms = elapsed_ms(start);
        return r;
    }
    if (input.content) return m_state->validate_bytes(input.source, *input.content, start);
    try {
        auto read = m_state->read_file(input.source);
        if (auto* failed = std::get_if<DocumentResult>(&read)) {
            failed->ms = elapsed_ms(start);
            return std::move(*failed);
        }
        return m_state->validate_bytes(input.source, std::get<std::string>(read), start);
    } catch (...) {
        DocumentResult r = failure(input.source, {}, k_code_internal);
        r.ms = elapsed_ms(start);
        return r;
    }
}

// ---- the worker pool --------------------------------------------------------------------------

namespace {

template <class T>
class BoundedQueue {
public:
    explicit BoundedQueue(std::size_t capacity) : m_capacity(std::max<std::size_t>(capacity, 1)) {}

    // False when the queue was cancelled.
    bool push(T value) {
        std::unique_lock lock(m_mutex);
        m_not_full.wait(lock, [&] { return m_items.size() < m_capacity || m_cancelled; });
        if (m_cancelled) return false;
        m_items.push_back(std::move(value));
        m_not_empty.notify_one();
        return true;
    }
    // nullopt once closed (or cancelled) and empty.
    std::optional<T> pop() {
        std::unique_lock lock(m_mutex);
        m_not_empty.wait(lock, [&] { return !m_items.empty() || m_closed || m_cancelled; });
        if (m_items.empty()) return std::nullopt;
        T value = std::move(m_items.front());
        m_items.pop_front();
        m_not_full.notify_one();
        return value;
    }
    // No more pushes: consumers drain what is left.
    void close() {
        std::lock_guard lock(m_mutex);
        m_closed = true;
        m_not_empty.notify_all();
    }
    // Drops everything and wakes everyone.
    void cancel() {
        std::lock_guard lock(m_mutex);
        m_cancelled = true;
        m_items.clear();
        m_not_empty.notify_all();
        m_not_full.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_not_empty, m_not_full;
    std::deque<T> m_items;
    std::size_t m_capacity;
    bool m_closed = false;
    bool m_cancelled = false;
};

struct Outcome {
    DocumentResult result;
    bool skipped = false;
};

}  // namespace

istmo::Result<Summary> Validator::run(Source& source, Sink& sink) const {
    const Options& options = m_state->options;
    unsigned jobs = options.jobs;
    if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t capacity = options.queue_capacity != 0 ? options.queue_capacity : 4u * jobs;
    BoundedQueue<Input> inputs(capacity);
    BoundedQueue<Outcome> outcomes(capacity);
    std::atomic<bool> stop{false};
    std::atomic<unsigned> running{jobs};
    const auto started = Clock::now();

    const auto produce = [&] {
        try {
            while (!stop.load(std::memory_order_relaxed)) {
                std::optional<Input> in;
                try {
                    in = source.next();
                } catch (const std::exception& e) {
                    // The source cannot go on: the failure itself becomes a result.
                    inputs.push(Input{"<source>", std::nullopt, std::string(k_code_unreadable), e.what()});
                    break;
                }
                if (!in || !inputs.push(std::move(*in))) break;
            }
        } catch (...) {
        }
        inputs.close();
    };
    const auto work = [&] {
        while (auto in = inputs.pop()) {
            Outcome outcome;
            try {
                if (options.already_done && in->error_code.empty()) {
                    std::string sha;
                    if (in->content) {
                        sha = detail::sha256_hex(*in->content);
                    } else if (auto read = m_state->read_file(in->source); std::holds_alternative<std::string>(read)) {
                        // Read once: validate from memory if it is not done yet.
                        in->content = std::move(std::get<std::string>(read));
                        sha = detail::sha256_hex(*in->content);
                    } else {
                        sha = std::get<DocumentResult>(read).sha256;
                    }
                    if (options.already_done(in->source, sha)) {
                        outcome.skipped = true;
                        outcome.result.source = in->source;
                        outcome.result.sha256 = std::move(sha);
                    }
                }
                if (!outcome.skipped) outcome.result = validate(*in);
            } catch (...) {
                outcome.skipped = false;
                outcome.result = failure(in->source, {}, k_code_internal);
            }
            if (!outcomes.push(std::move(outcome))) break;
        }
        if (running.fetch_sub(1) == 1) outcomes.close();
    };

    std::vector<std::thread> threads;
    try {
        threads.reserve(jobs + 1u);
        threads.emplace_back(produce);
        for (unsigned i = 0; i < jobs; ++i) threads.emplace_back(work);
    } catch (const std::system_error& e) {
        stop = true;
        inputs.cancel();
        outcomes.cancel();
        // Threads that did start see the cancel; the missing workers never decrement `running`.
        for (auto& t : threads) t.join();
        return make_error(Errc::internal, "cannot start the batch threads", e.what());
    }

    Summary summary;
    std::optional<Error> sink_error;
    while (auto outcome = outcomes.pop()) {
        if (sink_error) continue;  // draining after a sink failure
        ++summary.total;
        if (outcome->skipped) {
            ++summary.skipped;
            sink.skipped(outcome->result.source, outcome->result.sha256);
            continue;
        }
        const DocumentResult& r = outcome->result;
        switch (r.indication) {
            case report::Indication::total_passed: ++summary.passed; break;
            case report::Indication::total_failed: ++summary.failed; break;
            case report::Indication::indeterminate: ++summary.indeterminate; break;
        }
        for (const auto& c : r.codes) ++summary.codes[c];
        auto written = sink.write(r);
        if (!written) {
            sink_error = written.error();
            stop = true;
            inputs.cancel();
        }
    }
    for (auto& t : threads) t.join();
    summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (sink_error) return std::move(*sink_error);
    return summary;
}

}  // namespace istmo::batch
