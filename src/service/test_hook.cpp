#include "service/test_hook.hpp"

#include <atomic>
#include <memory>
#include <mutex>

namespace istmo::service::detail {

namespace {
std::mutex g_hook_mutex;
std::shared_ptr<const std::function<void()>> g_hook;  // under g_hook_mutex
std::atomic<bool> g_hook_set{false};
}  // namespace

void set_test_validation_hook(std::function<void()> hook) {
    std::lock_guard lock(g_hook_mutex);
    g_hook = hook ? std::make_shared<const std::function<void()>>(std::move(hook)) : nullptr;
    g_hook_set = g_hook != nullptr;
}

void run_test_validation_hook() {
    if (!g_hook_set.load(std::memory_order_acquire)) return;
    std::shared_ptr<const std::function<void()>> hook;
    {
        std::lock_guard lock(g_hook_mutex);
        hook = g_hook;
    }
    if (hook) (*hook)();
}

}  // namespace istmo::service::detail
