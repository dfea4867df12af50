#pragma once
// Internal: the state behind a cancel handle given to a caller (net::HttpCall, tsa::CancelHandle).
// The operation registers how to stop itself; cancel() runs that at most once, from any thread,
// and does nothing once the operation has finished and withdrawn it.
#include <functional>
#include <mutex>
#include <utility>

namespace istmo::core {

class Cancellation {
public:
    void cancel() {
        std::function<void()> stop;
        {
            std::lock_guard lock(m_mutex);
            if (m_cancelled) return;
            m_cancelled = true;
            stop = m_stop;
        }
        // Outside the lock: the stop action may post work or take the operation's own locks.
        if (stop) stop();
    }
    void set_stop(std::function<void()> stop) {
        std::lock_guard lock(m_mutex);
        m_stop = std::move(stop);
    }
    void withdraw() { set_stop(nullptr); }

private:
    std::mutex m_mutex;
    bool m_cancelled = false;
    std::function<void()> m_stop;
};

}  // namespace istmo::core
