// Results files: appending one NDJSON line per result, and preparing a file for --resume.
#include <istmo/batch/batch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace istmo::batch {

namespace {

Error io_error(const std::string& what, const std::string& path, int e) {
    return make_error(e == EACCES || e == EPERM ? Errc::permission_denied : Errc::io_error, what + " '" + path + "'",
                      std::strerror(e));
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// Reads a file as complete lines (the text before each '\n'); a last line without a newline is
// reported apart (half-written). Memory: one chunk plus the longest line.
class LineReader {
public:
    explicit LineReader(int fd) : m_fd(fd) {}

    // The next complete line; nullopt at the end of the file or on a read error (see error()).
    std::optional<std::string_view> next() {
        for (;;) {
            const std::size_t nl = m_buffer.find('\n', m_scan);
            if (nl != std::string::npos) {
                const std::string_view line(m_buffer.data() + m_begin, nl - m_begin);
                m_begin = m_scan = nl + 1;
                return line;
            }
            m_scan = m_buffer.size();
            if (m_eof) return std::nullopt;
            // Keep the incomplete line, read more after it.
            m_buffer.erase(0, m_begin);
            m_scan -= m_begin;
            m_begin = 0;
            char chunk[65536];
            const ssize_t n = ::read(m_fd, chunk, sizeof chunk);
            if (n < 0) {
                if (errno == EINTR) continue;
                m_error = errno;
                m_eof = true;
                return std::nullopt;
            }
            if (n == 0) m_eof = true;
            else m_buffer.append(chunk, static_cast<std::size_t>(n));
        }
    }
    // Bytes after the last newline (once next() returned nullopt).
    [[nodiscard]] std::size_t tail_size() const noexcept { return m_buffer.size() - m_begin; }
    [[nodiscard]] int error() const noexcept { return m_error; }

private:
    int m_fd;
    std::string m_buffer;
    std::size_t m_begin = 0;  // start of the current (incomplete) line in m_buffer
    std::size_t m_scan = 0;   // where to look for the next newline
    bool m_eof = false;
    int m_error = 0;
};

struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

std::string directory_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

// Writes the lines of `path` whose index is set in `keep` to a temporary file and renames it
// over `path` (fsync of the file before, of the directory after).
Result<void> rewrite(const std::string& path, const std::vector<bool>& keep) {
    Fd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (in.fd < 0) return io_error("cannot open the results file", path, errno);
    const std::string temp = path + ".compact.tmp";
    Fd out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (out.fd < 0) return io_error("cannot repair the results file", temp, errno);
    const auto fail = [&](int e) {
        ::unlink(temp.c_str());
        return io_error("cannot repair the results file", temp, e);
    };
    LineReader reader(in.fd);
    std::string buffer;
    std::size_t index = 0;
    while (auto line = reader.next()) {
        if (index < keep.size() && keep[index]) {
            buffer.append(*line);
            buffer.push_back('\n');
            if (buffer.size() >= 65536) {
                if (!write_all(out.fd, buffer)) return fail(errno);
                buffer.clear();
            }
        }
        ++index;
    }
    if (reader.error() != 0) return fail(reader.error());
    if (!write_all(out.fd, buffer) || ::fsync(out.fd) != 0) return fail(errno);
    if (::close(out.fd) != 0) {
        out.fd = -1;
        return fail(errno);
    }
    out.fd = -1;
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int e = errno;
        ::unlink(temp.c_str());
        return io_error("cannot repair the results file", path, e);
    }
    // Make the rename durable. Some file systems cannot fsync a directory (EINVAL): the
    // rename is atomic all the same.
    const std::string dir = directory_of(path);
    Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d.fd >= 0 && ::fsync(d.fd) != 0 && errno != EINVAL && errno != EROFS)
        return io_error("cannot flush the directory of the results file", dir, errno);
    return {};
}

}  // namespace

Result<ResumeState> compact_results(const std::string& path) {
    ResumeState state;
    std::vector<bool> keep;  // per complete line: it stays in the file
    std::size_t kept_bytes = 0;
    bool rewrite_needed = false;
    std::size_t tail = 0;
    {
        Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.fd < 0) {
            if (errno == ENOENT) return state;
            return io_error("cannot open the results file", path, errno);
        }
        LineReader reader(fd.fd);
        while (auto line = reader.next()) {
            const std::size_t index = keep.size();
            keep.push_back(false);
            if (line->empty()) {
                rewrite_needed = true;
                continue;
            }
            auto result = parse_result_line(*line);
            if (!result) {
                ++state.dropped;
                rewrite_needed = true;
                continue;
            }
            keep[index] = true;
            kept_bytes += line->size() + 1;
            auto [it, inserted] = state.by_source.try_emplace(std::move(result->source));
            if (!inserted) {
                // Recorded before: the older line goes, this one wins.
                ++state.duplicates;
                rewrite_needed = true;
                keep[it->second.line] = false;
            }
            it->second.sha256 = std::move(result->sha256);
            it->second.indication = result->indication;
            it->second.line = index;  // 0-based index among all lines for now
        }
        if (reader.error() != 0) return io_error("cannot read the results file", path, reader.error());
        tail = reader.tail_size();
    }
    if (tail != 0) ++state.dropped;  // a half-written last line
    state.lines = state.by_source.size();

    if (rewrite_needed) {
        if (auto done = rewrite(path, keep); !done) return std::move(done).error();
    } else if (tail != 0) {
        // Only the tail is bad: truncate in place (every complete line is kept).
        if (::truncate(path.c_str(), static_cast<off_t>(kept_bytes)) != 0)
            return io_error("cannot repair the results file", path, errno);
    }
    // Line numbers in the file as it is now.
    std::vector<std::size_t> rank(keep.size(), 0);
    std::size_t n = 0;
    for (std::size_t i = 0; i < keep.size(); ++i)
        if (keep[i]) rank[i] = ++n;
    for (auto& [source, recorded] : state.by_source) recorded.line = rank[recorded.line];
    return state;
}

Result<ResumeState> prepare_resume(const std::string& path) { return compact_results(path); }

Result<std::unique_ptr<NdjsonFileSink>> NdjsonFileSink::open(const std::string& path, bool append) {
    if (path.empty() || path == "-")
        return std::unique_ptr<NdjsonFileSink>(new NdjsonFileSink(STDOUT_FILENO, false, "<stdout>"));
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
    const int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return io_error("cannot open the results file", path, errno);
    return std::unique_ptr<NdjsonFileSink>(new NdjsonFileSink(fd, true, path));
}

NdjsonFileSink::~NdjsonFileSink() {
    if (m_owned && m_fd >= 0) ::close(m_fd);
}

Result<void> NdjsonFileSink::write(const DocumentResult& result) {
    std::string line = result.to_ndjson();
    line.push_back('\n');
    if (!write_all(m_fd, line)) return io_error("cannot write the results file", m_path, errno);
    return {};
}

Result<void> NdjsonFileSink::sync() {
    if (!m_owned) return {};
    if (::fsync(m_fd) != 0) return io_error("cannot flush the results file", m_path, errno);
    return {};
}

}  // namespace istmo::batch
