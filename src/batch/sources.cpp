// Document sources of the batch validator: paths and directory trees, a list of paths, an
// NDJSON stream of base64 documents.
#include <istmo/batch/batch.hpp>

#include "batch/batch_util.hpp"

#include <deque>
#include <filesystem>
#include <istream>
#include <string>
#include <system_error>

namespace istmo::batch {

Source::~Source() = default;

namespace {

namespace fs = std::filesystem;

// Expands paths lazily: files are yielded as they are, directories are walked recursively.
class PathsSource final : public Source {
public:
    explicit PathsSource(std::vector<std::string> paths) : m_pending(paths.begin(), paths.end()) {}

    std::optional<Input> next() override {
        for (;;) {
            if (m_walking) {
                if (auto in = next_in_walk()) return in;
                continue;
            }
            if (m_pending.empty()) return std::nullopt;
            std::string path = std::move(m_pending.front());
            m_pending.pop_front();
            if (auto in = start(std::move(path))) return in;
        }
    }

    std::optional<std::size_t> count() override {
        std::size_t n = 0;
        for (const auto& p : m_pending) n += count_one(p);
        return n;
    }

private:
    static std::size_t count_one(const std::string& path) {
        std::error_code ec;
        if (!fs::is_directory(path, ec)) return 1;
        std::size_t n = 0;
        fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
        if (ec) return 1;
        for (; it != end; it.increment(ec)) {
            if (ec) break;
            std::error_code ec2;
            const auto status = it->symlink_status(ec2);
            if (fs::is_regular_file(status) || (fs::is_symlink(status) && !fs::is_directory(it->path(), ec2))) ++n;
        }
        return n;
    }

    // A file or a missing path: an input; a directory: starts a walk and returns nullopt.
    std::optional<Input> start(std::string path) {
        std::error_code ec;
        if (fs::is_directory(path, ec)) {
            m_walk = fs::recursive_directory_iterator(path, fs::directory_options::none, ec);
            if (ec) return Input{std::move(path), std::nullopt, std::string(k_code_unreadable), ec.message()};
            m_walking = true;
            m_first = true;
            return std::nullopt;
        }
        return Input{std::move(path), std::nullopt, {}, {}};
    }

    std::optional<Input> next_in_walk() {
        const fs::recursive_directory_iterator end;
        std::error_code ec;
        for (;;) {
            if (!m_first) {
                const std::string where = m_walk != end ? m_walk->path().string() : std::string();
                m_walk.increment(ec);
                if (ec) {
                    // An unreadable subdirectory: report it once and go on with its siblings.
                    m_walking = m_walk != end;
                    if (m_walking) m_walk.disable_recursion_pending();
                    return Input{where, std::nullopt, std::string(k_code_unreadable), ec.message()};
                }
            }
            m_first = false;
            if (m_walk == end) {
                m_walking = false;
                return std::nullopt;
            }
            std::error_code ec2;
            const auto status = m_walk->symlink_status(ec2);
            if (fs::is_regular_file(status)) return Input{m_walk->path().string(), std::nullopt, {}, {}};
            // A symbolic link to anything but a directory is an input too (a dangling one
            // then fails with BATCH-IO-NOT-FOUND instead of silently disappearing).
            if (fs::is_symlink(status) && !fs::is_directory(m_walk->path(), ec2))
                return Input{m_walk->path().string(), std::nullopt, {}, {}};
        }
    }

    std::deque<std::string> m_pending;
    fs::recursive_directory_iterator m_walk;
    bool m_walking = false;
    bool m_first = false;
};

class PathListSource final : public Source {
public:
    explicit PathListSource(std::istream& in) : m_in(in) {}
    std::optional<Input> next() override {
        for (;;) {
            if (m_inner) {
                if (auto in = m_inner->next()) return in;
                m_inner.reset();
            }
            std::string line;
            if (!std::getline(m_in, line)) return std::nullopt;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) continue;
            m_inner = paths_source({std::move(line)});
        }
    }

private:
    std::istream& m_in;
    std::unique_ptr<Source> m_inner;
};

enum class LineRead { ok, too_long, end };

// std::getline without its unbounded buffer: a line longer than `limit` is consumed and dropped.
LineRead read_bounded_line(std::istream& in, std::string& line, std::size_t limit) {
    line.clear();
    std::streambuf* buffer = in.rdbuf();
    if (!buffer || !in.good()) return LineRead::end;
    bool any = false;
    bool too_long = false;
    for (;;) {
        const int c = buffer->sbumpc();
        if (c == std::char_traits<char>::eof()) {
            in.setstate(std::ios::eofbit);
            if (!any) return LineRead::end;
            return too_long ? LineRead::too_long : LineRead::ok;
        }
        any = true;
        if (c == '\n') return too_long ? LineRead::too_long : LineRead::ok;
        if (too_long) continue;
        if (line.size() >= limit) {
            too_long = true;
            std::string().swap(line);
            continue;
        }
        line.push_back(static_cast<char>(c));
    }
}

class NdjsonSource final : public Source {
public:
    NdjsonSource(std::istream& in, std::string label, std::size_t max_line_bytes)
        : m_in(in), m_label(std::move(label)), m_max_line(max_line_bytes) {}
    std::optional<Input> next() override {
        std::string line;
        for (;;) {
            const LineRead read = read_bounded_line(m_in, line, m_max_line);
            if (read == LineRead::end) return std::nullopt;
            ++m_line;
            if (read == LineRead::too_long)
                return Input{m_label + ":" + std::to_string(m_line), std::nullopt, std::string(k_code_too_large),
                             "line " + std::to_string(m_line) + " is longer than " + std::to_string(m_max_line) + " bytes"};
            if (line.find_first_not_of(" \t\r") != std::string::npos) break;
        }
        const std::string fallback = m_label + ":" + std::to_string(m_line);
        auto object = detail::parse_line_object(line);
        if (!object)
            return Input{fallback, std::nullopt, std::string(k_code_bad_json), "line " + std::to_string(m_line) + " is not a JSON object"};
        std::string source = fallback;
        if (const auto* s = object->find("source"); s && s->is(report::json::Kind::string) && !s->text.empty())
            source = s->text;
        const report::json::Value* data = nullptr;
        for (const char* name : {"base64", "content_base64", "data"}) {
            if ((data = object->find(name)) != nullptr) break;
        }
        if (!data || !data->is(report::json::Kind::string))
            return Input{source, std::nullopt, std::string(k_code_bad_json), "no \"base64\" string member"};
        auto bytes = detail::decode_document_base64(data->text, m_max_line);
        if (!bytes) return Input{source, std::nullopt, std::string(k_code_bad_base64), "the base64 member is not base64"};
        return Input{std::move(source), std::move(*bytes), {}, {}};
    }

private:
    std::istream& m_in;
    std::string m_label;
    std::size_t m_max_line;
    std::size_t m_line = 0;
};

class ConcatSource final : public Source {
public:
    explicit ConcatSource(std::vector<std::unique_ptr<Source>> sources) : m_sources(std::move(sources)) {}
    std::optional<Input> next() override {
        while (m_index < m_sources.size()) {
            if (auto in = m_sources[m_index]->next()) return in;
            ++m_index;
        }
        return std::nullopt;
    }
    std::optional<std::size_t> count() override {
        std::size_t n = 0;
        for (std::size_t i = m_index; i < m_sources.size(); ++i) {
            auto c = m_sources[i]->count();
            if (!c) return std::nullopt;
            n += *c;
        }
        return n;
    }

private:
    std::vector<std::unique_ptr<Source>> m_sources;
    std::size_t m_index = 0;
};

}  // namespace

std::unique_ptr<Source> paths_source(std::vector<std::string> paths) {
    return std::make_unique<PathsSource>(std::move(paths));
}
std::unique_ptr<Source> path_list_source(std::istream& in) { return std::make_unique<PathListSource>(in); }
std::unique_ptr<Source> ndjson_source(std::istream& in, std::string label, std::size_t max_line_bytes) {
    return std::make_unique<NdjsonSource>(in, std::move(label), max_line_bytes);
}
std::unique_ptr<Source> concat_sources(std::vector<std::unique_ptr<Source>> sources) {
    return std::make_unique<ConcatSource>(std::move(sources));
}

}  // namespace istmo::batch
