/* Unit: the arena allocator (engine/arena.h) and the histograms (engine/stats.h). */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "stats.h"

static cx_arena_t a;
static cx_hist_t h, h2, d;

int main(void)
{
	cx_arena_init(&a, 100, 1u << 20);
	uint64_t total = cx_arena_free_bytes(&a);
	CHECK(total > 0 && total <= (1u << 20));
	uint64_t x = cx_arena_alloc(&a, 10), y = cx_arena_alloc(&a, 100),
	         z = cx_arena_alloc(&a, 64);
	CHECK(x && y && z);
	CHECK(x % 64 == 0 && y % 64 == 0 && z % 64 == 0);
	CHECK(y >= x + 64 && z >= y + 128);       /* no overlap */
	CHECK(cx_arena_alloc(&a, 2u << 20) == 0); /* too big */
	cx_arena_free(&a, y, 100);
	uint64_t y2 = cx_arena_alloc(&a, 128); /* first fit reuses the hole */
	CHECK(y2 == y);
	cx_arena_free(&a, x, 10);
	cx_arena_free(&a, y2, 128);
	cx_arena_free(&a, z, 64);
	CHECK(cx_arena_free_bytes(&a) == total); /* coalesced back */
	CHECK(a.holes == 1);
	/* Random churn never overlaps and returns everything. */
	uint64_t off[256] = {0}, sz[256] = {0};
	srand(7);
	for (int it = 0; it < 20000; it++) {
		int k = rand() % 256;
		if (off[k]) {
			cx_arena_free(&a, off[k], sz[k]);
			off[k] = 0;
		} else {
			sz[k] = (uint64_t)(rand() % 5000 + 1);
			off[k] = cx_arena_alloc(&a, sz[k]);
		}
	}
	int overlap = 0;
	for (int i = 0; i < 256; i++)
		for (int j = 0; j < 256; j++)
			if (i != j && off[i] && off[j] && off[i] < off[j] &&
			    off[i] + sz[i] > off[j])
				overlap = 1;
	CHECK(!overlap);
	for (int k = 0; k < 256; k++)
		cx_arena_free(&a, off[k], sz[k]);
	CHECK(cx_arena_free_bytes(&a) == total);

	/* Histograms: quantiles within a bucket (<7 %) of the truth. */
	for (uint64_t v = 1; v <= 100000; v++)
		cx_hist_add(&h, v);
	uint64_t p50 = cx_hist_quantile(&h, 0.5), p99 = cx_hist_quantile(&h, 0.99);
	CHECK(p50 >= 50000 && p50 <= 53500);
	CHECK(p99 >= 99000 && p99 <= 100000);
	CHECK(cx_hist_quantile(&h, 1.0) == 100000);
	CHECK(cx_hist_bucket(cx_hist_bucket_top(200)) == 200);
	CHECK(cx_hist_bucket(cx_hist_bucket_top(200) + 1) == 201);
	cx_hist_snapshot(&h2, &h);
	for (int i = 0; i < 10; i++)
		cx_hist_add(&h, 7);
	cx_hist_diff(&d, &h, &h2);
	CHECK(atomic_load(&d.count) == 10);
	CHECK(cx_hist_quantile(&d, 0.5) == 7);
	return check_report("arena+stats");
}
