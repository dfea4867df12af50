// The contingency journal (dgi_journal.hpp): durable files (write, fsync, rename, fsync the
// directory) so that a crash at any point loses no invoice and sends none twice.
#include <istmo/invoice/dgi_journal.hpp>
#include <istmo/invoice/panama.hpp>

#include "invoice/panama/services/services_internal.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace istmo::invoice::panama::dgi {

namespace {

namespace fs = std::filesystem;

Error io(const std::string& what, const std::string& path, int err = errno) {
    return make_error(Errc::io_error, what + " '" + path + "'", std::strerror(err));
}

Result<void> sync_directory(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io("cannot open the directory", dir);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0 && err != EINVAL && err != EROFS) return io("cannot flush the directory", dir, err);
    return {};
}

// `data` at `path`, durably: a temporary file written and fsync'd, renamed into place, the
// directory fsync'd.
Result<void> write_durably(const fs::path& path, std::string_view data) {
    const std::string temp = path.string() + ".tmp";
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return io("cannot create", temp);
    std::size_t done = 0;
    while (done < data.size()) {
        const auto n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = errno;
            ::close(fd);
            return io("cannot write", temp, err);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        const int err = errno;
        ::close(fd);
        return io("cannot flush", temp, err);
    }
    ::close(fd);
    if (::rename(temp.c_str(), path.c_str()) != 0) return io("cannot rename into place", path.string());
    return sync_directory(path.parent_path().string());
}

Result<void> move_durably(const fs::path& from, const fs::path& to) {
    if (::rename(from.c_str(), to.c_str()) != 0) return io("cannot move", from.string());
    if (auto ok = sync_directory(to.parent_path().string()); !ok) return ok;
    return sync_directory(from.parent_path().string());
}

// Seconds since the epoch of a fechaTZ ("2026-11-20T10:15:00-05:00"); nullopt when not one.
std::optional<std::chrono::system_clock::time_point> fecha_tz(std::string_view t) {
    if (t.size() != 25 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' ||
        (t[19] != '+' && t[19] != '-') || t[22] != ':')
        return std::nullopt;
    const auto num = [&](std::size_t at, std::size_t len) {
        int v = 0;
        for (std::size_t i = at; i < at + len; ++i) {
            if (t[i] < '0' || t[i] > '9') return -1;
            v = v * 10 + (t[i] - '0');
        }
        return v;
    };
    const int y = num(0, 4), m = num(5, 2), d = num(8, 2), hh = num(11, 2), mm = num(14, 2), ss = num(17, 2);
    const int oh = num(20, 2), om = num(23, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31 || hh < 0 || mm < 0 || ss < 0 || oh < 0 || om < 0) return std::nullopt;
    const std::chrono::sys_days day = std::chrono::year{y} / std::chrono::month{static_cast<unsigned>(m)} /
                                      std::chrono::day{static_cast<unsigned>(d)};
    const auto offset = std::chrono::hours(oh) + std::chrono::minutes(om);
    auto at = std::chrono::system_clock::time_point(day) + std::chrono::hours(hh) + std::chrono::minutes(mm) +
              std::chrono::seconds(ss);
    return t[19] == '+' ? at - offset : at + offset;
}

struct Lock {
    int fd = -1;
    ~Lock() {
        if (fd >= 0) ::close(fd);
    }
};

std::string cufe_of_entry(const std::string& name) {
    const auto dash = name.find('-');
    const auto dot = name.rfind(".xml");
    return dash == std::string::npos || dot == std::string::npos ? std::string() : name.substr(dash + 1, dot - dash - 1);
}

}  // namespace

Result<PendingJournal> PendingJournal::open(std::string directory) {
    std::error_code ec;
    for (const char* sub : {"", "done", "rejected"}) {
        fs::create_directories(fs::path(directory) / sub, ec);
        if (ec) return make_error(Errc::io_error, "cannot create the journal directory '" + directory + "'", ec.message());
    }
    return PendingJournal(std::move(directory));
}

Result<std::vector<std::string>> PendingJournal::pending() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(m_directory, ec)) {
        const std::string name = e.path().filename().string();
        if (e.is_regular_file() && name.size() > 15 && name.compare(name.size() - 4, 4, ".xml") == 0 &&
            name.find(".tmp") == std::string::npos)
            names.push_back(name);
    }
    if (ec) return make_error(Errc::io_error, "cannot list the journal '" + m_directory + "'", ec.message());
    std::sort(names.begin(), names.end());
    return names;
}

Result<std::string> PendingJournal::add(std::string_view signed_rfe) const {
    auto invoice = panama::parse(signed_rfe);
    if (!invoice) return std::move(invoice).error();
    const std::string cufe(invoice->get("dId"));
    if (!detail::is_cufe_text(cufe)) return make_error(Errc::invalid_argument, "the rFE has no usable CUFE in dId");
    unsigned long long last = 0;
    std::error_code ec;
    for (const char* sub : {"", "done", "rejected"})
        for (const auto& e : fs::directory_iterator(fs::path(m_directory) / sub, ec)) {
            const std::string name = e.path().filename().string();
            if (name.find(cufe) != std::string::npos && name.find(".tmp") == std::string::npos)
                return make_error(Errc::failed_precondition, "the journal already holds " + cufe);
            if (name.size() > 11 && name[10] == '-') last = std::max(last, std::strtoull(name.substr(0, 10).c_str(), nullptr, 10));
        }
    char number[11];
    std::snprintf(number, sizeof number, "%010llu", last + 1);
    const std::string name = std::string(number) + "-" + cufe + ".xml";
    if (auto ok = write_durably(fs::path(m_directory) / name, signed_rfe); !ok) return std::move(ok).error();
    return name;
}

Result<std::vector<JournalResult>> PendingJournal::send_all(const Client& client, const std::function<void(int)>& step) const {
    Lock lock;
    const std::string lock_path = (fs::path(m_directory) / ".lock").string();
    lock.fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock.fd < 0 || ::flock(lock.fd, LOCK_EX | LOCK_NB) != 0)
        return make_error(Errc::failed_precondition, "another process is sending the journal '" + m_directory + "'");
    auto names = pending();
    if (!names) return std::move(names).error();
    int counter = 0;
    const auto mark = [&] {
        if (step) step(++counter);
    };
    std::vector<JournalResult> results;
    const fs::path dir(m_directory);
    for (const auto& name : *names) {
        JournalResult r;
        r.entry = name;
        r.cufe = cufe_of_entry(name);
        const fs::path entry = dir / name;
        const fs::path marker = dir / (name + ".sending");
        std::error_code ec;
        const bool was_sending = fs::exists(marker, ec);
        std::string text;
        {
            FILE* f = std::fopen(entry.c_str(), "rb");
            if (!f) return io("cannot read", entry.string());
            char buffer[65536];
            for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) text.append(buffer, n);
            std::fclose(f);
        }
        if (auto invoice = panama::parse(text)) {
            std::string start(invoice->get("gDGen/dFechaCont"));
            if (start.empty()) start = std::string(invoice->get("gDGen/dFechaEm"));
            if (auto at = fecha_tz(start)) r.late = std::chrono::system_clock::now() - *at > std::chrono::hours(72);
        }
        Result<Response> answer = make_error(Errc::internal, "not sent");
        if (was_sending) {
            // A crash after (or during) a send: ask before sending again.
            r.queried_first = true;
            auto known = client.query(r.cufe);
            if (!known) {
                r.error = known.error().message;
                results.push_back(std::move(r));
                break;
            }
            if (known->outcome == Outcome::found) {
                known->operation = Operation::recep_fe;
                known->outcome = known->protocol().empty() ? Outcome::found : Outcome::authorised;
                known->recovered_by_query = true;
                answer = std::move(*known);
            }
        }
        if (!answer) {
            mark();
            if (!was_sending)
                if (auto ok = write_durably(marker, "sending\n"); !ok) return std::move(ok).error();
            mark();
            answer = client.send(text);
            mark();
        }
        if (!answer) {
            r.error = answer.error().message;
            results.push_back(std::move(r));
            break;  // in order: later entries wait
        }
        r.outcome = answer->outcome;
        r.protocol = answer->protocol();
        if (auto ok = write_durably(dir / (name + ".json"), answer->to_json()); !ok) return std::move(ok).error();
        mark();
        const char* target = answer->outcome == Outcome::authorised || answer->outcome == Outcome::found ? "done" : "rejected";
        if (auto ok = move_durably(dir / (name + ".json"), dir / target / (name + ".json")); !ok) return std::move(ok).error();
        if (auto ok = move_durably(entry, dir / target / name); !ok) return std::move(ok).error();
        mark();
        fs::remove(marker, ec);
        (void)sync_directory(m_directory);
        mark();
        results.push_back(std::move(r));
    }
    return results;
}

}  // namespace istmo::invoice::panama::dgi
