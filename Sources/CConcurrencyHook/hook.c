#include "CConcurrencyHook.h"

// Defined in the Swift runtime's concurrency library (ConcurrencyHooks.cpp).
extern void *swift_task_enqueueGlobal_hook;

void **concurrency_enqueue_global_hook(void) {
    return &swift_task_enqueueGlobal_hook;
}
