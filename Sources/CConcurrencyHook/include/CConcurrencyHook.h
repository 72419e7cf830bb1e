#ifndef C_CONCURRENCY_HOOK_H
#define C_CONCURRENCY_HOOK_H

/// The address of the Swift runtime's global-enqueue hook (`swift_task_enqueueGlobal_hook` in the
/// concurrency library): when it holds a function, every job for the global executor goes to it.
///
/// The symbol is reached by reference at link time rather than looked up by name at run time: a binary
/// linked with the static Swift runtime keeps the runtime's symbols out of its dynamic symbol table
/// (`--exclude-libs ALL`), so a `dlsym` of it finds nothing there.
void **concurrency_enqueue_global_hook(void);

#endif
