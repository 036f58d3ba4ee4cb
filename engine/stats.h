/*
 * stats.h — lock-free timing histograms that live in shared memory.
 *
 * One writer per histogram (the callback, or one worker), any number of readers (status,
 * tools/bench). Buckets are logarithmic with 16 steps per octave (about 4.4 % wide), from 1 ns
 * to about 2^40 ns, so a percentile read from them is within one bucket of the truth.
 */
#ifndef CX_STATS_H
#define CX_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#define CX_HIST_SUB     16u
#define CX_HIST_OCTAVES 40u
#define CX_HIST_BUCKETS (CX_HIST_SUB * CX_HIST_OCTAVES)

typedef struct cx_hist {
	_Atomic uint64_t count;
	_Atomic uint64_t max;
	_Atomic uint64_t sum;
	_Atomic uint64_t bucket[CX_HIST_BUCKETS];
} cx_hist_t;

static inline uint32_t cx_hist_bucket(uint64_t v)
{
	if (v < CX_HIST_SUB)
		return (uint32_t)v;
	uint32_t octave = 63u - (uint32_t)__builtin_clzll(v); /* >= 4 */
	uint32_t sub = (uint32_t)(v >> (octave - 4u)) & (CX_HIST_SUB - 1u);
	uint32_t b = (octave - 3u) * CX_HIST_SUB + sub;
	return b < CX_HIST_BUCKETS ? b : CX_HIST_BUCKETS - 1u;
}

/* The smallest value that falls in bucket b's successor: an upper bound for bucket b. */
static inline uint64_t cx_hist_bucket_top(uint32_t b)
{
	if (b < CX_HIST_SUB)
		return b;
	uint32_t octave = b / CX_HIST_SUB + 3u;
	uint64_t sub = b % CX_HIST_SUB;
	return ((CX_HIST_SUB + sub + 1u) << (octave - 4u)) - 1u;
}

/* Records one value. Single writer; relaxed stores are enough for statistics. [rt] */
static inline void cx_hist_add(cx_hist_t *h, uint64_t v)
{
	uint32_t b = cx_hist_bucket(v);
	atomic_store_explicit(&h->bucket[b],
	                      atomic_load_explicit(&h->bucket[b], memory_order_relaxed) + 1u,
	                      memory_order_relaxed);
	atomic_store_explicit(&h->sum, atomic_load_explicit(&h->sum, memory_order_relaxed) + v,
	                      memory_order_relaxed);
	if (v > atomic_load_explicit(&h->max, memory_order_relaxed))
		atomic_store_explicit(&h->max, v, memory_order_relaxed);
	atomic_store_explicit(&h->count, atomic_load_explicit(&h->count, memory_order_relaxed) + 1u,
	                      memory_order_release);
}

/* Value at quantile q (0..1) as a bucket's upper bound; 0 when empty. [any] */
uint64_t cx_hist_quantile(const cx_hist_t *h, double q);

/* Copies src into dst so a reader can take differences over an interval. [any] */
void cx_hist_snapshot(cx_hist_t *dst, const cx_hist_t *src);

/* dst = a - b, bucket by bucket (max is a's). [any] */
void cx_hist_diff(cx_hist_t *dst, const cx_hist_t *a, const cx_hist_t *b);

#endif /* CX_STATS_H */
