/*
 * thread.h - more threads in this process (RDOS_SYS_THREAD).
 *
 * A thread gets a stack of its own, reserved here and, once the thread has
 * started, never given back while the process lives (there is no join:
 * threads signal their end through memory they share, and the process's
 * exit frees every stack).
 * Returning from fn ends the thread; the last thread to end ends the
 * process with status 0, and any thread's exit() ends them all.
 */
#ifndef USER_RUNTIME_THREAD_H
#define USER_RUNTIME_THREAD_H

#include <stdint.h>

/* Starts fn(arg) on a new thread with stack_pages of stack.  Returns the
 * thread's number (>= 1) or -RDOS_E*. */
int64_t thread_start(void (*fn)(void *), void *arg, uint64_t stack_pages);

#endif
