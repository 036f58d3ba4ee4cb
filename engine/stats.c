/* stats.c — reading the shared-memory histograms (stats.h). */
#include "stats.h"

#include <string.h>

uint64_t cx_hist_quantile(const cx_hist_t *h, double q)
{
	uint64_t n = atomic_load_explicit(&h->count, memory_order_acquire);
	if (n == 0)
		return 0;
	if (q >= 1.0)
		return atomic_load_explicit(&h->max, memory_order_relaxed);
	uint64_t want = (uint64_t)(q * (double)n);
	if (want >= n)
		want = n - 1;
	uint64_t seen = 0;
	for (uint32_t b = 0; b < CX_HIST_BUCKETS; b++) {
		seen += atomic_load_explicit(&h->bucket[b], memory_order_relaxed);
		if (seen > want) {
			uint64_t top = cx_hist_bucket_top(b);
			uint64_t max = atomic_load_explicit(&h->max, memory_order_relaxed);
			return top < max ? top : max;
		}
	}
	return atomic_load_explicit(&h->max, memory_order_relaxed);
}

void cx_hist_snapshot(cx_hist_t *dst, const cx_hist_t *src)
{
	atomic_store(&dst->count, atomic_load(&src->count));
	atomic_store(&dst->max, atomic_load(&src->max));
	atomic_store(&dst->sum, atomic_load(&src->sum));
	for (uint32_t b = 0; b < CX_HIST_BUCKETS; b++)
		atomic_store(&dst->bucket[b], atomic_load(&src->bucket[b]));
}

void cx_hist_diff(cx_hist_t *dst, const cx_hist_t *a, const cx_hist_t *b)
{
	atomic_store(&dst->count, atomic_load(&a->count) - atomic_load(&b->count));
	atomic_store(&dst->max, atomic_load(&a->max));
	atomic_store(&dst->sum, atomic_load(&a->sum) - atomic_load(&b->sum));
	for (uint32_t i = 0; i < CX_HIST_BUCKETS; i++)
		atomic_store(&dst->bucket[i],
		             atomic_load(&a->bucket[i]) - atomic_load(&b->bucket[i]));
}
