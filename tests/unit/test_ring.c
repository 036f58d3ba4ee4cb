/* Unit (RING-01): the SPSC ring (engine/ring.h) — order, full/empty, wrap-around, and two threads.
 */
#include <pthread.h>
#include <stdint.h>

#include "check.h"
#include "ring.h"

static cx_ring_t ring;
static uint64_t store[64];
#define N_MSGS 2000000u

static void *producer(void *arg)
{
	(void)arg;
	for (uint64_t i = 1; i <= N_MSGS;)
		if (cx_ring_push(&ring, &i))
			i++;
	return NULL;
}

int main(void)
{
	uint64_t st[8];
	cx_ring_t r;
	CHECK(cx_ring_init(&r, st, 6, sizeof(uint64_t)) == -1); /* not a power of two */
	CHECK(cx_ring_init(&r, st, 8, sizeof(uint64_t)) == 0);
	uint64_t v = 0, out;
	CHECK(!cx_ring_pop(&r, &out));
	for (v = 0; v < 8; v++)
		CHECK(cx_ring_push(&r, &v));
	CHECK(!cx_ring_push(&r, &v)); /* full */
	CHECK(cx_ring_count(&r) == 8);
	for (uint64_t k = 0; k < 8; k++) {
		CHECK(cx_ring_pop(&r, &out));
		CHECK(out == k);
	}
	CHECK(!cx_ring_pop(&r, &out));
	for (uint64_t k = 0; k < 100; k++) { /* wrap many times */
		CHECK(cx_ring_push(&r, &k));
		CHECK(cx_ring_pop(&r, &out) && out == k);
	}

	/* Two threads: every message arrives once, in order. */
	CHECK(cx_ring_init(&ring, store, 64, sizeof(uint64_t)) == 0);
	pthread_t t;
	pthread_create(&t, NULL, producer, NULL);
	uint64_t expect = 1;
	int in_order = 1;
	while (expect <= N_MSGS) {
		if (cx_ring_pop(&ring, &out)) {
			if (out != expect)
				in_order = 0;
			expect++;
		}
	}
	pthread_join(t, NULL);
	CHECK(in_order);
	CHECK(!cx_ring_pop(&ring, &out));
	return check_report("ring");
}
