// Results files: appending one NDJSON line per result, and preparing a file for --resume.
#include <istmo/batch/batch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

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

}  // namespace

std::string ResumeState::key(std::string_view source, std::string_view sha256) {
    std::string k;
    k.reserve(source.size() + sha256.size() + 1);
    k.append(source);
    k.push_back('\0');
    k.append(sha256);
    return k;
}

Result<ResumeState> prepare_resume(const std::string& path) {
    ResumeState state;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return state;
        return io_error("cannot open the results file", path, errno);
    }
    std::string content;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int e = errno;
            ::close(fd);
            return io_error("cannot read the results file", path, e);
        }
        if (n == 0) break;
        content.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);

    // Keep every complete line that is a result; drop the rest (a half-written tail, garbage).
    std::string kept;
    kept.reserve(content.size());
    std::size_t pos = 0;
    while (pos < content.size()) {
        const std::size_t nl = content.find('\n', pos);
        if (nl == std::string::npos) {  // no newline: a half-written last line
            ++state.dropped;
            break;
        }
        const std::string_view line(content.data() + pos, nl - pos);
        pos = nl + 1;
        if (line.empty()) continue;
        auto result = parse_result_line(line);
        if (!result) {
            ++state.dropped;
            continue;
        }
        state.done.emplace(ResumeState::key(result->source, result->sha256), result->indication);
        ++state.lines;
        kept.append(line);
        kept.push_back('\n');
    }
    if (kept.size() == content.size()) return state;

    if (content.compare(0, kept.size(), kept) == 0) {
        // Only the tail is bad: truncate in place.
        if (::truncate(path.c_str(), static_cast<off_t>(kept.size())) != 0)
            return io_error("cannot repair the results file", path, errno);
        return state;
    }
    const std::string temp = path + ".repair.tmp";
    const int out = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) return io_error("cannot repair the results file", temp, errno);
    if (!write_all(out, kept) || ::fsync(out) != 0) {
        const int e = errno;
        ::close(out);
        ::unlink(temp.c_str());
        return io_error("cannot repair the results file", temp, e);
    }
    ::close(out);
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int e = errno;
        ::unlink(temp.c_str());
        return io_error("cannot repair the results file", path, e);
    }
    return state;
}

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
