// Batch validator: profiles, one result per input, the worker pool with bounded queues.
#include <istmo/batch/batch.hpp>
#include <istmo/report/json.hpp>
#include <istmo/report/messages.hpp>
#include <istmo/invoice/panama.hpp>
#include <istmo/xades/xades.hpp>

#include "batch/batch_util.hpp"
#include "dsig/status_source.hpp"
#include "core/time_math.hpp"
#include "crypto/native.hpp"

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
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <variant>

namespace istmo::batch {

namespace {

// The names of the profiles, for parsing and printing ("auto" picks one per document).
struct ProfileName {
    Profile profile;
    std::string_view name;
};
constexpr ProfileName k_profile_names[] = {
    {Profile::panama_fe, "panama-fe"}, {Profile::xmldsig, "xmldsig"}, {Profile::xades, "xades"}, {Profile::automatic, "auto"}};

}  // namespace

std::optional<Profile> parse_profile(std::string_view name) {
    for (const ProfileName& entry : k_profile_names)
        if (entry.name == name) return entry.profile;
    return std::nullopt;
}

std::string_view to_string(Profile profile) noexcept {
    for (const ProfileName& entry : k_profile_names)
        if (entry.profile == profile) return entry.name;
    return "auto";
}

Sink::~Sink() = default;
void Sink::skipped(const std::string&, const std::string&) {}
istmo::Result<void> Sink::flush() { return {}; }

// ---- results as NDJSON ------------------------------------------------------------------------

std::string DocumentResult::to_ndjson() const {
    std::string buffer;
    buffer.reserve(180 + source.size() + cufe.size() + codes.size() * 24 + findings.size() * 240);
    report::JsonWriter w(std::move(buffer));
    w.begin_object().member("source", source).member("sha256", sha256).member("indication", report::to_string(indication));
    w.key("sub_indication").string_or_null(report::to_string(sub_indication));
    w.key("codes").strings(codes);
    w.key("findings").begin_array();
    for (const auto& f : findings) {
        w.begin_object().member("code", f.code).member("severity", report::to_string(f.severity));
        w.key("field").string_or_null(f.field.empty() ? f.location : f.field);
        w.key("rule").string_or_null(f.rule);
        w.member("message", f.message);
        w.key("message_es").string_or_null(f.message_es.empty() ? report::message_es_for(f) : f.message_es);
        w.end_object();
    }
    w.end_array();
    w.key("findings_omitted").value(static_cast<std::uint64_t>(findings_omitted));
    w.key("cufe").string_or_null(cufe);
    w.key("ms").value(ms, 3);
    w.end_object();
    return std::move(w).take();
}

namespace {

std::optional<report::Indication> indication_from(std::string_view text) {
    for (auto i : {report::Indication::total_passed, report::Indication::total_failed, report::Indication::indeterminate})
        if (report::to_string(i) == text) return i;
    return std::nullopt;
}

std::optional<report::SubIndication> sub_indication_from(std::string_view text) {
    for (int i = 0; i <= static_cast<int>(report::SubIndication::try_later); ++i) {
        const auto s = static_cast<report::SubIndication>(i);
        if (s != report::SubIndication::none && report::to_string(s) == text) return s;
    }
    return std::nullopt;
}

std::optional<report::Severity> severity_from(std::string_view text) {
    for (auto s : {report::Severity::info, report::Severity::warning, report::Severity::error})
        if (report::to_string(s) == text) return s;
    return std::nullopt;
}

// The "findings" member of a result line (lines written before it existed have none).
bool read_result_findings(const report::json::Value& findings, DocumentResult& r) {
    using report::json::Kind;
    if (!findings.is(Kind::array)) return false;
    for (const auto& item : findings.items) {
        if (!item.is(Kind::object)) return false;
        const auto* code = item.find("code");
        const auto* severity = item.find("severity");
        const auto* message = item.find("message");
        if (!code || !code->is(Kind::string) || !severity || !severity->is(Kind::string) || !message ||
            !message->is(Kind::string))
            return false;
        const auto level = severity_from(severity->text);
        if (!level) return false;
        report::Finding f{code->text, *level, message->text, {}};
        if (const auto* field = item.find("field"); field && field->is(Kind::string)) f.field = field->text;
        if (const auto* rule = item.find("rule"); rule && rule->is(Kind::string)) f.rule = rule->text;
        if (const auto* es = item.find("message_es"); es && es->is(Kind::string)) f.message_es = es->text;
        r.findings.push_back(std::move(f));
    }
    return true;
}

}  // namespace

std::optional<DocumentResult> parse_result_line(std::string_view line) {
    using report::json::Kind;
    auto object = detail::parse_line_object(line);
    if (!object) return std::nullopt;
    const auto* source = object->find("source");
    const auto* sha = object->find("sha256");
    const auto* indication = object->find("indication");
    const auto* sub = object->find("sub_indication");
    const auto* codes = object->find("codes");
    const auto* cufe = object->find("cufe");
    const auto* ms = object->find("ms");
    if (!source || !source->is(Kind::string) || !sha || !sha->is(Kind::string) || !indication ||
        !indication->is(Kind::string) || !sub || !codes || !codes->is(Kind::array) || !cufe || !ms || !ms->is(Kind::number))
        return std::nullopt;
    auto ind = indication_from(indication->text);
    if (!ind) return std::nullopt;
    DocumentResult r;
    r.source = source->text;
    r.sha256 = sha->text;
    r.indication = *ind;
    if (sub->is(Kind::null)) {
        r.sub_indication = report::SubIndication::none;
    } else {
        if (!sub->is(Kind::string)) return std::nullopt;
        auto s = sub_indication_from(sub->text);
        if (!s) return std::nullopt;
        r.sub_indication = *s;
    }
    for (const auto& code : codes->items) {
        if (!code.is(Kind::string)) return std::nullopt;
        r.codes.push_back(code.text);
    }
    if (const auto* findings = object->find("findings"); findings && !read_result_findings(*findings, r)) return std::nullopt;
    if (const auto* omitted = object->find("findings_omitted"); omitted && omitted->is(Kind::number))
        r.findings_omitted = static_cast<std::size_t>(std::strtoull(omitted->text.c_str(), nullptr, 10));
    if (cufe->is(Kind::string)) r.cufe = cufe->text;
    else if (!cufe->is(Kind::null)) return std::nullopt;
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

// The project's one "worst wins" rule (report::Verdict) applied to a result line.
void worsen(DocumentResult& r, report::Indication indication, report::SubIndication sub) {
    report::Verdict verdict{r.indication, r.sub_indication};
    verdict.add(indication, sub);
    r.indication = verdict.indication;
    r.sub_indication = verdict.sub_indication;
}

void add_code(std::vector<std::string>& codes, const std::string& code) {
    if (code.empty()) return;
    if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.push_back(code);
}

// A warning or an error of the document: its code, and the finding itself while the line has room.
void add_finding(DocumentResult& r, const report::Finding& f) {
    if (f.severity == report::Severity::info) return;
    add_code(r.codes, f.code);
    // Over the cap a finding is kept only when it is the first of its code, so that every code
    // of the line still comes with one finding that says what to fix.
    if (r.findings.size() >= k_max_result_findings &&
        std::any_of(r.findings.begin(), r.findings.end(), [&](const report::Finding& k) { return k.code == f.code; })) {
        ++r.findings_omitted;
        return;
    }
    r.findings.push_back(f);
    report::localize(r.findings.back());
}

// A BATCH-* finding: `message` (English) when given, else the code's meaning from the catalogue.
void add_batch_finding(DocumentResult& r, std::string code, std::string message = {}) {
    if (message.empty())
        if (const report::CatalogEntry* entry = report::catalog_entry(code)) message = std::string(entry->en);
    add_finding(r, report::make_finding(std::move(code), report::Severity::error, std::move(message)));
}

DocumentResult failure(std::string source, std::string sha256, std::string_view code, std::string message = {}) {
    DocumentResult r;
    r.source = std::move(source);
    r.sha256 = std::move(sha256);
    r.indication = report::Indication::total_failed;
    r.sub_indication = report::SubIndication::format_failure;
    add_batch_finding(r, std::string(code), std::move(message));
    return r;
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
    for (const auto& f : report.findings) add_finding(r, f);
}

double elapsed_ms(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

namespace {

void internal_error(DocumentResult& r, const Error& error) {
    r.indication = report::Indication::indeterminate;
    r.sub_indication = report::SubIndication::none;
    r.codes.clear();
    r.findings.clear();
    r.findings_omitted = 0;
    add_batch_finding(r, std::string(k_code_internal) + "-" + std::string(errc_name(error.code)),
                      "the validator failed on this input: " + error.message);
}

// One profile's validator: judges one document into a result line (indication, codes, CUFE).
class ProfileValidator {
public:
    virtual ~ProfileValidator() = default;
    virtual void check(DocumentResult& r, std::string_view bytes) const = 0;
};

class InvoiceProfile final : public ProfileValidator {
public:
    explicit InvoiceProfile(const Options& options) {
        invoice::panama::ValidateOptions vo;
        vo.verify = options.verify;
        vo.legacy = options.legacy;
        m_validator = std::make_unique<invoice::panama::InvoiceValidator>(std::move(vo));
    }
    void check(DocumentResult& r, std::string_view bytes) const override {
        auto report = m_validator->validate(bytes);
        if (!report) return internal_error(r, report.error());
        r.indication = report->indication;
        r.sub_indication = report->sub_indication;
        r.cufe = report->cufe_declared;
        for (const auto& f : report->findings) add_finding(r, f);
        if (report->signature)
            for (const auto& f : report->signature->findings) add_finding(r, f);
    }
private:
    std::unique_ptr<invoice::panama::InvoiceValidator> m_validator;
};

class XmldsigProfile final : public ProfileValidator {
public:
    explicit XmldsigProfile(const Options& options) : m_verifier(options.verify) {}
    void check(DocumentResult& r, std::string_view bytes) const override {
        auto report = m_verifier.verify(bytes);
        if (!report) return internal_error(r, report.error());
        take_dsig(r, *report);
    }
private:
    dsig::Verifier m_verifier;
};

// XAdES; asked for by name (not picked by "auto"), a document whose signatures are all plain
// XMLDSig fails.
class XadesProfile final : public ProfileValidator {
public:
    explicit XadesProfile(const Options& options) : m_require_xades(options.profile == Profile::xades) {
        xades::VerifyOptions xo;
        xo.dsig = options.verify;
        m_verifier = std::make_unique<xades::Verifier>(std::move(xo));
    }
    void check(DocumentResult& r, std::string_view bytes) const override {
        auto report = m_verifier->verify(bytes);
        if (!report) return internal_error(r, report.error());
        take_dsig(r, *report);
        if (!m_require_xades || !report->well_formed || report->signatures.empty()) return;
        const bool any_xades = std::any_of(report->signatures.begin(), report->signatures.end(),
                                           [](const dsig::SignatureResult& s) { return s.level.is_xades(); });
        if (!any_xades) {
            add_batch_finding(r, std::string(k_code_not_xades));
            worsen(r, report::Indication::total_failed, report::SubIndication::format_failure);
        }
    }
private:
    bool m_require_xades;
    std::unique_ptr<xades::Verifier> m_verifier;
};

// The profile registry: each concrete profile's validator factory.
struct ProfileEntry {
    Profile profile;
    std::unique_ptr<ProfileValidator> (*make)(const Options&);
};
template <typename P>
std::unique_ptr<ProfileValidator> make_profile(const Options& options) {
    return std::make_unique<P>(options);
}
constexpr ProfileEntry k_profiles[] = {
    {Profile::panama_fe, &make_profile<InvoiceProfile>},
    {Profile::xmldsig, &make_profile<XmldsigProfile>},
    {Profile::xades, &make_profile<XadesProfile>},
};

// The profiles "auto" chooses from (see Engine::resolve).
bool automatic_uses(Profile p) noexcept { return p == Profile::panama_fe || p == Profile::xades; }

// The validators of one batch's profile. Validator::validate uses the Validator's own; run()
// gives each worker thread its own (their certificate step is the Validator's one
// CertificateValidator, see State).
class Engine {
public:
    explicit Engine(const Options& batch_options) {
        // The per-input budget also stops the signature checks (at their next step).
        Options options = batch_options;
        if (options.verify.time_budget.count() == 0) options.verify.time_budget = options.time_budget;
        options.verify.allow_legacy = options.verify.allow_legacy || options.legacy;
        for (const ProfileEntry& entry : k_profiles)
            if (entry.profile == options.profile || (options.profile == Profile::automatic && automatic_uses(entry.profile)))
                m_validators.emplace_back(entry.profile, entry.make(options));
    }

    // The concrete profile for a document: "auto" takes an rFE, or a receiver's/PAC's container
    // of one, as panama-fe (SOAP envelopes need --profile panama-fe), anything else as xades.
    static Profile resolve(Profile asked, std::string_view bytes) {
        if (asked != Profile::automatic) return asked;
        const std::string root = root_local_name(bytes);
        const bool invoice = root == "rFE" || root == "rContFe" || root == "rEnviFe" || root == "rEnviFeDGI";
        return invoice ? Profile::panama_fe : Profile::xades;
    }

    [[nodiscard]] const ProfileValidator& validator(Profile profile) const {
        for (const auto& [p, v] : m_validators)
            if (p == profile) return *v;
        throw std::logic_error("batch: no validator built for the profile");
    }

private:
    std::vector<std::pair<Profile, std::unique_ptr<ProfileValidator>>> m_validators;
};

}  // namespace

struct Validator::State {
    Options options;
    Engine shared;  // Validator::validate

    // The engines of run()'s workers, kept between runs so that their caches stay warm; an
    // engine is used by one worker at a time (concurrent runs take different ones).
    mutable std::mutex pool_mutex;
    mutable std::vector<std::unique_ptr<Engine>> pool;
    static constexpr std::size_t k_max_pooled = 64;

    // One status source and one certificate validator for every engine and profile: one
    // revocation cache (one download per URL), one cache of certificates and paths.
    explicit State(Options o) : options(with_shared_validator(std::move(o))), shared(options) {}

    static Options with_shared_validator(Options o) {
        o.verify = dsig::with_certificate_validator(std::move(o.verify));
        return o;
    }

    std::vector<std::unique_ptr<Engine>> acquire(unsigned n) const {
        std::vector<std::unique_ptr<Engine>> out;
        out.reserve(n);
        {
            std::lock_guard lock(pool_mutex);
            while (out.size() < n && !pool.empty()) {
                out.push_back(std::move(pool.back()));
                pool.pop_back();
            }
        }
        while (out.size() < n) out.push_back(std::make_unique<Engine>(options));
        return out;
    }

    void release(std::vector<std::unique_ptr<Engine>>& engines) const noexcept {
        try {
            std::lock_guard lock(pool_mutex);
            for (auto& e : engines)
                if (e && pool.size() < k_max_pooled) pool.push_back(std::move(e));
        } catch (...) {
        }
        engines.clear();
    }

    void check(const Engine& engine, DocumentResult& r, std::string_view bytes) const {
        const Profile profile = Engine::resolve(options.profile, bytes);
        r.profile = std::string(to_string(profile));
        r.codes.clear();
        r.findings.clear();
        r.findings_omitted = 0;
        engine.validator(profile).check(r, bytes);
    }

    // An input that used up its time budget is never TOTAL_PASSED, whatever was found.
    void over_budget(DocumentResult& r, Clock::time_point start) const {
        if (options.time_budget.count() <= 0 || !core::time_math::exceeds(Clock::now(), start, options.time_budget)) return;
        add_batch_finding(r, std::string(k_code_time_budget),
                          "the input used up its time budget of " + std::to_string(options.time_budget.count()) + " ms");
        worsen(r, report::Indication::indeterminate, report::SubIndication::none);
    }

    // `sha256`: the hash of `bytes` when the caller has it already, else empty.
    DocumentResult validate_bytes(const Engine& engine, const std::string& source, std::string_view bytes,
                                  Clock::time_point start, std::string sha256 = {}) const {
        DocumentResult r;
        try {
            r.source = source;
            r.sha256 = sha256.empty() ? crypto::sha256_hex(bytes) : std::move(sha256);
            if (bytes.empty()) {
                r = failure(source, r.sha256, k_code_empty);
            } else if (bytes.size() > options.max_size) {
                r = failure(source, r.sha256, k_code_too_large);
            } else if (clearly_not_xml(bytes)) {
                r = failure(source, r.sha256, k_code_not_xml);
            } else {
                check(engine, r, bytes);
                over_budget(r, start);
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
        crypto::DigestContext hash(crypto::DigestAlg::sha256);
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
        if (too_large) return failure(path, hash.finish_hex(), k_code_too_large);
        return content;
    }

    DocumentResult validate_input(const Engine& engine, const Input& input) const {
        const auto start = Clock::now();
        if (!input.error_code.empty()) {
            DocumentResult r = failure(input.source, input.content ? crypto::sha256_hex(*input.content) : std::string(),
                                       input.error_code, input.error_message);
            r.ms = elapsed_ms(start);
            return r;
        }
        if (input.content) return validate_bytes(engine, input.source, *input.content, start);
        try {
            auto read = read_file(input.source);
            if (auto* failed = std::get_if<DocumentResult>(&read)) {
                failed->ms = elapsed_ms(start);
                return std::move(*failed);
            }
            return validate_bytes(engine, input.source, std::get<std::string>(read), start);
        } catch (...) {
            DocumentResult r = failure(input.source, {}, k_code_internal);
            r.ms = elapsed_ms(start);
            return r;
        }
    }
};

Validator::Validator(Options options) : m_state(std::make_unique<State>(std::move(options))) {}
Validator::Validator(Validator&&) noexcept = default;
Validator& Validator::operator=(Validator&&) noexcept = default;
Validator::~Validator() = default;

const Options& Validator::options() const noexcept { return m_state->options; }

DocumentResult Validator::validate(const std::string& source, std::string_view bytes) const {
    return m_state->validate_bytes(m_state->shared, source, bytes, Clock::now());
}

DocumentResult Validator::validate(const Input& input) const { return m_state->validate_input(m_state->shared, input); }

// ---- the worker pool --------------------------------------------------------------------------
//
// jobs worker threads each take the next input from the source (under a mutex: one call at a
// time), read, hash and validate it with their own Engine and put the result into one bounded
// queue; the calling thread takes the results in batches and hands them to the sink (then calls
// its flush(), so that a sink can store a batch at once). There is
// no reader thread competing with the workers for the cores, and the calling thread is woken
// once per batch (a quarter of the queue, or every 100 ms), not once per document.

namespace {

struct Outcome {
    DocumentResult result;
    bool skipped = false;
};

class ResultQueue {
public:
    ResultQueue(std::size_t capacity, std::size_t wake_at)
        : m_capacity(std::max<std::size_t>(capacity, 1)), m_wake_at(std::clamp<std::size_t>(wake_at, 1, m_capacity)) {
        m_items.reserve(m_capacity);
    }

    // Waits while the queue is full; false when it was cancelled (the result is dropped).
    bool push(Outcome outcome) {
        std::unique_lock lock(m_mutex);
        m_not_full.wait(lock, [&] { return m_items.size() < m_capacity || m_cancelled; });
        if (m_cancelled) return false;
        m_items.push_back(std::move(outcome));
        const bool wake = m_items.size() == m_wake_at;
        lock.unlock();
        if (wake) m_ready.notify_one();
        return true;
    }

    // Waits until wake_at results are there, the workers are done or 100 ms passed, then moves
    // everything queued into `out` (emptied first). False once the queue is closed and drained,
    // or cancelled.
    bool take(std::vector<Outcome>& out) {
        out.clear();
        std::unique_lock lock(m_mutex);
        m_ready.wait_for(lock, std::chrono::milliseconds(100),
                         [&] { return m_items.size() >= m_wake_at || m_closed || m_cancelled; });
        if (m_cancelled) return false;
        if (m_items.empty()) return !m_closed;
        const bool was_full = m_items.size() >= m_capacity;
        out.swap(m_items);  // `out` was empty: the queue keeps the other buffer
        lock.unlock();
        if (was_full) m_not_full.notify_all();
        return true;
    }

    // The last worker is done: the consumer drains what is left.
    void close() {
        {
            std::lock_guard lock(m_mutex);
            m_closed = true;
        }
        m_ready.notify_all();
    }

    // Drops everything and wakes everyone.
    void cancel() {
        {
            std::lock_guard lock(m_mutex);
            m_cancelled = true;
            m_items.clear();
        }
        m_ready.notify_all();
        m_not_full.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_ready, m_not_full;
    std::vector<Outcome> m_items;
    std::size_t m_capacity;
    std::size_t m_wake_at;
    bool m_closed = false;
    bool m_cancelled = false;
};

// The source, called by the workers one at a time.
class SharedSource {
public:
    explicit SharedSource(Source& source) : m_source(source) {}

    std::optional<Input> next() {
        std::lock_guard lock(m_mutex);
        if (m_done) return std::nullopt;
        try {
            auto in = m_source.next();
            if (!in) m_done = true;
            return in;
        } catch (const std::exception& e) {
            // The source cannot go on: the failure itself becomes a result.
            m_done = true;
            return Input{"<source>", std::nullopt, std::string(k_code_unreadable), e.what()};
        } catch (...) {
            m_done = true;
            return Input{"<source>", std::nullopt, std::string(k_code_unreadable), "unknown exception"};
        }
    }

private:
    std::mutex m_mutex;
    Source& m_source;
    bool m_done = false;
};

}  // namespace

istmo::Result<Summary> Validator::run(Source& source, Sink& sink) const {
    const State& state = *m_state;
    const Options& options = state.options;
    unsigned jobs = options.jobs;
    if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t capacity =
        options.queue_capacity != 0 ? options.queue_capacity : std::max<std::size_t>(64, 16u * std::size_t{jobs});
    ResultQueue results(capacity, capacity / 4);
    SharedSource inputs(source);
    std::atomic<bool> stop{false};
    std::atomic<unsigned> running{jobs};
    const auto started = Clock::now();

    // One Engine per worker (from the pool, or built here so that a failure is an Error of run()).
    std::vector<std::unique_ptr<Engine>> engines;
    try {
        engines = state.acquire(jobs);
    } catch (const std::exception& e) {
        return make_error(Errc::internal, "cannot prepare the batch validators", e.what());
    }
    struct GiveBack {
        const State& state;
        std::vector<std::unique_ptr<Engine>>& engines;
        ~GiveBack() { state.release(engines); }
    } give_back{state, engines};

    const auto process = [&](const Engine& engine, Input& in) {
        Outcome outcome;
        try {
            if (options.already_done && in.error_code.empty()) {
                const auto start = Clock::now();
                std::string sha;
                if (!in.content) {
                    auto read = state.read_file(in.source);
                    if (auto* failed = std::get_if<DocumentResult>(&read)) {
                        // Unreadable: its failure is the result (unless recorded as such).
                        if (options.already_done(in.source, failed->sha256)) {
                            outcome.skipped = true;
                            outcome.result.source = in.source;
                            outcome.result.sha256 = std::move(failed->sha256);
                        } else {
                            failed->ms = elapsed_ms(start);
                            outcome.result = std::move(*failed);
                        }
                        return outcome;
                    }
                    // Read once: validate from memory if it is not done yet.
                    in.content = std::move(std::get<std::string>(read));
                }
                sha = crypto::sha256_hex(*in.content);
                if (options.already_done(in.source, sha)) {
                    outcome.skipped = true;
                    outcome.result.source = in.source;
                    outcome.result.sha256 = std::move(sha);
                    return outcome;
                }
                outcome.result = state.validate_bytes(engine, in.source, *in.content, start, std::move(sha));
                return outcome;
            }
            outcome.result = state.validate_input(engine, in);
        } catch (...) {
            outcome.skipped = false;
            outcome.result = failure(in.source, {}, k_code_internal);
        }
        return outcome;
    };
    const auto work = [&](const Engine& engine) {
        try {
            while (!stop.load(std::memory_order_relaxed)) {
                auto in = inputs.next();
                if (!in) break;
                if (!results.push(process(engine, *in))) break;
            }
        } catch (...) {
        }
        if (running.fetch_sub(1) == 1) results.close();
    };

    std::vector<std::thread> threads;
    try {
        threads.reserve(jobs);
        for (unsigned i = 0; i < jobs; ++i) threads.emplace_back(work, std::cref(*engines[i]));
    } catch (const std::system_error& e) {
        stop = true;
        results.cancel();
        // Threads that did start see the cancel; the missing workers never decrement `running`.
        for (auto& t : threads) t.join();
        return make_error(Errc::internal, "cannot start the batch threads", e.what());
    }

    Summary summary;
    std::optional<Error> sink_error;
    std::vector<Outcome> taken;
    while (!sink_error && results.take(taken)) {
        for (auto& outcome : taken) {
            ++summary.total;
            if (outcome.skipped) {
                ++summary.skipped;
                sink.skipped(outcome.result.source, outcome.result.sha256);
                continue;
            }
            const DocumentResult& r = outcome.result;
            switch (r.indication) {
                case report::Indication::total_passed: ++summary.passed; break;
                case report::Indication::total_failed: ++summary.failed; break;
                case report::Indication::indeterminate: ++summary.indeterminate; break;
            }
            for (const auto& c : r.codes) ++summary.codes[c];
            auto written = sink.write(r);
            if (!written) {
                sink_error = written.error();
                break;
            }
        }
        if (!sink_error && !taken.empty()) {
            if (auto flushed = sink.flush(); !flushed) sink_error = flushed.error();
        }
        if (sink_error) {
            stop = true;
            results.cancel();
        }
    }
    for (auto& t : threads) t.join();
    summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (sink_error) return std::move(*sink_error);
    return summary;
}

}  // namespace istmo::batch
