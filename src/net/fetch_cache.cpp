// FetchCache: bodies kept until they expire, one fetch in flight per key (single flight), and
// optionally one file per key in a directory.
//
// File format (all integers big-endian): "ISTMOFC1", u32 key length, key bytes, i64 expiry
// (milliseconds since the Unix epoch), u64 body length, body bytes. The key is stored so that
// a hash collision of the file name is never served as the other key's body.
#include <istmo/net/http.hpp>

#include "core/time_math.hpp"

#include <openssl/evp.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <unordered_map>

namespace istmo::net {

namespace fs = std::filesystem;
using SysClock = std::chrono::system_clock;

namespace {

constexpr char kMagic[8] = {'I', 'S', 'T', 'M', 'O', 'F', 'C', '1'};
constexpr std::uint64_t kMaxFileBody = std::uint64_t{1} << 31;

std::string file_name_for(const std::string& key) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_Digest(key.data(), key.size(), md, &md_len, EVP_sha256(), nullptr);
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < md_len; ++i) {
        out += digits[md[i] >> 4];
        out += digits[md[i] & 0x0F];
    }
    return out + ".cache";
}

void put_be(std::string& out, std::uint64_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

bool get_be(std::istream& in, std::uint64_t& value, int bytes) {
    value = 0;
    for (int i = 0; i < bytes; ++i) {
        const int c = in.get();
        if (c == std::char_traits<char>::eof()) return false;
        value = (value << 8) | static_cast<std::uint64_t>(c);
    }
    return true;
}

std::int64_t to_millis(SysClock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The entry stored in `path` for `key`; nullopt when absent, unreadable, corrupt or for
// another key.
std::optional<CachedBody> read_entry(const fs::path& path, const std::string& key) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    char magic[sizeof kMagic];
    if (!in.read(magic, sizeof magic) || !std::equal(magic, magic + sizeof magic, kMagic)) return std::nullopt;
    std::uint64_t key_len = 0;
    if (!get_be(in, key_len, 4) || key_len != key.size()) return std::nullopt;
    std::string stored_key(key_len, '\0');
    if (!in.read(stored_key.data(), static_cast<std::streamsize>(key_len)) || stored_key != key) return std::nullopt;
    std::uint64_t expires = 0;
    std::uint64_t body_len = 0;
    if (!get_be(in, expires, 8) || !get_be(in, body_len, 8) || body_len > kMaxFileBody) return std::nullopt;
    CachedBody entry;
    // From a file: any 64-bit value, saturated to the clock's range (nanoseconds: 1677-2262).
    entry.expires = core::time_math::saturating_time_point_cast<SysClock::duration>(
        std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(static_cast<std::int64_t>(expires))));
    entry.body.resize(body_len);
    if (body_len > 0 && !in.read(reinterpret_cast<char*>(entry.body.data()), static_cast<std::streamsize>(body_len)))
        return std::nullopt;
    if (in.peek() != std::char_traits<char>::eof()) return std::nullopt;  // trailing bytes: not ours
    return entry;
}

// Written to a temporary file in the same directory, then renamed over the entry: a reader
// sees the old file or the new one, never half of one.
void write_entry(const fs::path& path, const std::string& key, const CachedBody& entry) {
    std::string data(kMagic, sizeof kMagic);
    put_be(data, key.size(), 4);
    data += key;
    put_be(data, static_cast<std::uint64_t>(to_millis(entry.expires)), 8);
    put_be(data, entry.body.size(), 8);
    data.append(reinterpret_cast<const char*>(entry.body.data()), entry.body.size());
    thread_local std::mt19937_64 random{std::random_device{}()};
    fs::path tmp = path;
    tmp += ".tmp" + std::to_string(random());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return;
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
        if (!out.flush()) {
            out.close();
            std::error_code ignored;
            fs::remove(tmp, ignored);
            return;
        }
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) fs::remove(tmp, ec);
}

}  // namespace

struct FetchCache::Impl {
    using Shared = std::shared_ptr<const CachedBody>;
    // One fetch in flight: the first caller fetches, the others wait on `done`.
    struct Flight {
        bool finished = false;
        std::optional<Result<Shared>> result;
        std::condition_variable done;
    };

    Options options;
    mutable std::mutex mutex;
    std::unordered_map<std::string, Shared> entries;
    std::unordered_map<std::string, std::shared_ptr<Flight>> flights;
    Stats stats;

    [[nodiscard]] fs::path file_for(const std::string& key) const {
        return fs::path(options.persist_dir) / file_name_for(key);
    }

    // Under the lock: the live entry from memory; nullopt when absent or expired.
    Shared from_memory(const std::string& key, SysClock::time_point now) {
        const auto it = entries.find(key);
        if (it == entries.end()) return nullptr;
        if (now < it->second->expires) return it->second;
        entries.erase(it);
        return nullptr;
    }

    // Without the lock: the live entry from the directory; expired or corrupt files removed.
    std::optional<CachedBody> from_disk(const std::string& key, SysClock::time_point now) const {
        if (options.persist_dir.empty()) return std::nullopt;
        const fs::path path = file_for(key);
        std::error_code ec;
        if (!fs::exists(path, ec)) return std::nullopt;
        auto entry = read_entry(path, key);
        if (entry && now < entry->expires) return entry;
        fs::remove(path, ec);  // expired, or corrupt (a SHA-256 file name collision is not expected)
        return std::nullopt;
    }

    // Under the lock: keeps an entry, dropping the one expiring first when full.
    void remember(const std::string& key, Shared entry) {
        if (options.max_entries == 0) return;
        if (entries.size() >= options.max_entries && entries.find(key) == entries.end()) {
            auto victim = entries.begin();
            for (auto it = entries.begin(); it != entries.end(); ++it)
                if (it->second->expires < victim->second->expires) victim = it;
            entries.erase(victim);
        }
        entries[key] = std::move(entry);
    }
};

FetchCache::FetchCache(Options options) : m_impl(std::make_unique<Impl>()) {
    m_impl->options = std::move(options);
    if (!m_impl->options.persist_dir.empty()) {
        std::error_code ec;
        fs::create_directories(m_impl->options.persist_dir, ec);
    }
}

FetchCache::~FetchCache() = default;

std::optional<CachedBody> FetchCache::lookup(const std::string& key, SysClock::time_point now) {
    {
        std::lock_guard lock(m_impl->mutex);
        if (auto hit = m_impl->from_memory(key, now)) return *hit;
    }
    auto disk = m_impl->from_disk(key, now);
    if (disk) {
        std::lock_guard lock(m_impl->mutex);
        m_impl->remember(key, std::make_shared<const CachedBody>(*disk));
    }
    return disk;
}

Result<CachedBody> FetchCache::get_or_fetch(const std::string& key, SysClock::time_point now,
                                            const std::function<Result<CachedBody>()>& fetch) {
    auto shared = get_or_fetch_shared(key, now, fetch);
    if (!shared) return std::move(shared).error();
    return **shared;
}

Result<std::shared_ptr<const CachedBody>> FetchCache::get_or_fetch_shared(
    const std::string& key, SysClock::time_point now, const std::function<Result<CachedBody>()>& fetch) {
    std::shared_ptr<Impl::Flight> flight;
    {
        std::unique_lock lock(m_impl->mutex);
        if (auto hit = m_impl->from_memory(key, now)) {
            ++m_impl->stats.hits;
            return hit;
        }
        if (auto it = m_impl->flights.find(key); it != m_impl->flights.end()) {
            // Someone fetches this key already: share their result.
            ++m_impl->stats.waits;
            auto theirs = it->second;
            theirs->done.wait(lock, [&] { return theirs->finished; });
            return *theirs->result;
        }
        flight = std::make_shared<Impl::Flight>();
        m_impl->flights.emplace(key, flight);
    }
    // This caller owns the flight: the directory first, then the fetch.
    std::optional<Result<Impl::Shared>> result;
    bool from_disk = false;
    try {
        if (auto disk = m_impl->from_disk(key, now)) {
            result.emplace(std::make_shared<const CachedBody>(std::move(*disk)));
            from_disk = true;
        } else if (auto fetched = fetch()) {
            result.emplace(std::make_shared<const CachedBody>(std::move(*fetched)));
        } else {
            result.emplace(std::move(fetched).error());
        }
    } catch (...) {
        result.emplace(make_error(Errc::internal, "the fetch for '" + key + "' threw an exception"));
    }
    const bool keep = result->has_value() && now < (**result)->expires;
    if (keep && !from_disk && !m_impl->options.persist_dir.empty()) write_entry(m_impl->file_for(key), key, ***result);
    {
        std::lock_guard lock(m_impl->mutex);
        if (from_disk) ++m_impl->stats.hits;
        else {
            ++m_impl->stats.misses;
            ++m_impl->stats.fetches;
        }
        if (keep) m_impl->remember(key, **result);
        flight->result = *result;
        flight->finished = true;
        m_impl->flights.erase(key);
    }
    flight->done.notify_all();
    return std::move(*result);
}

void FetchCache::clear() {
    std::lock_guard lock(m_impl->mutex);
    m_impl->entries.clear();
    if (m_impl->options.persist_dir.empty()) return;
    std::error_code ec;
    for (const auto& file : fs::directory_iterator(m_impl->options.persist_dir, ec)) {
        if (file.path().extension() == ".cache") fs::remove(file.path(), ec);
    }
}

FetchCache::Stats FetchCache::stats() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->stats;
}

}  // namespace istmo::net
