#pragma once
// Internal, for tests only: a function every validation task calls on its pool thread before it
// validates, so that a test can hold validations in flight (load shedding, draining) without
// relying on timing. Unset (the default) costs one atomic load per request.
#include <functional>

namespace istmo::service::detail {

// Sets (or, with an empty function, clears) the hook for every server of the process.
void set_test_validation_hook(std::function<void()> hook);
// Calls the hook when one is set.
void run_test_validation_hook();

}  // namespace istmo::service::detail
