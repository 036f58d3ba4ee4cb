/*
 * futex.h — the one system call the realtime path may make (the RT rules in module.h).
 *
 * The callback publishes a period by storing the go word and, only when some worker sleeps on
 * it, waking them with FUTEX_WAKE. Workers sleep with FUTEX_WAIT on the value they last saw,
 * so a publish that races with going to sleep is never lost: the kernel compares the word
 * before sleeping. The word lives in a MAP_SHARED segment, so the non-private futex ops are
 * used.
 */
#ifndef CX_FUTEX_H
#define CX_FUTEX_H

#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Sleeps while *word == expected, at most timeout (NULL: forever). Returns when woken, on a
 * changed word, a signal or the timeout; callers re-check their condition. [worker] */
static inline void cx_futex_wait(_Atomic uint32_t *word, uint32_t expected,
                                 const struct timespec *timeout)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected, timeout, NULL, 0);
}

/* Wakes every sleeper on word. The single syscall allowed on the RT path. [rt] */
static inline void cx_futex_wake_all(_Atomic uint32_t *word)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* CLOCK_MONOTONIC in ns, through the vDSO (no system call). [any] */
static inline uint64_t cx_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif /* CX_FUTEX_H */
