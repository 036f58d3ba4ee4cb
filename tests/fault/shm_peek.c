/*
 * shm_peek — read a running engine's counters from its shared memory (read-only mapping:
 * it never disturbs the engine). For the fault test.
 *
 *   shm_peek NAME
 *       one line: periods=N misses=N xruns=N w0_state=N w0_periods=N w0_misses=N
 *       w0_deaths=N w1_...
 *   shm_peek --watch NAME SECONDS KEEP VICTIM
 *       polls every 200 us for SECONDS and prints, with the callback's period count at the
 *       moment it saw it:
 *         miss period=N since=M
 *                            worker KEEP's miss counter went up (once per miss) between the
 *                            poll that saw period M and this one (a poll can come late on a
 *                            busy machine: the miss was in one of the periods M+1..N+1)
 *         xrun period=N since=M
 *                            the engine's JACK xrun counter went up (once per xrun)
 *         victim_last period=P
 *                            worker VICTIM stopped being ready (it died); P is the last
 *                            period it finished
 *         end period=N
 *       The fault test lines these up with a recording: the callback mixes in period n the
 *       blocks of period n-1, so the killed worker's sound stops at period P+2, and a miss
 *       counted in period n fades the late worker's sound in period n.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shm.h"

static void snapshot(const cx_shm_t *shm)
{
	printf("periods=%llu misses=%llu xruns=%llu",
	       (unsigned long long)atomic_load(&shm->periods),
	       (unsigned long long)atomic_load(&shm->misses),
	       (unsigned long long)atomic_load(&shm->xruns));
	for (uint32_t k = 0; k < shm->worker_count && k < CX_WORKERS_MAX; k++) {
		const cx_worker_t *w = cx_shm_worker(shm, k);
		printf(" w%u_state=%u w%u_periods=%llu w%u_misses=%llu w%u_deaths=%llu", k,
		       atomic_load(&w->state), k, (unsigned long long)atomic_load(&w->periods), k,
		       (unsigned long long)atomic_load(&w->misses), k,
		       (unsigned long long)atomic_load(&w->deaths));
	}
	printf("\n");
}

/* The full period number of a worker's 32-bit done word, given the callback's count now. */
static uint64_t full_period(uint64_t now, uint32_t done)
{
	uint64_t p = (now & ~(uint64_t)0xffffffffu) | done;
	if (p > now && p >= ((uint64_t)1 << 32))
		p -= (uint64_t)1 << 32;
	return p;
}

static int watch(const cx_shm_t *shm, double seconds, uint32_t keep, uint32_t victim)
{
	if (keep >= shm->worker_count || victim >= shm->worker_count) {
		fprintf(stderr, "shm_peek: the engine has %u workers\n", shm->worker_count);
		return 2;
	}
	const cx_worker_t *wk = cx_shm_worker(shm, keep), *wv = cx_shm_worker(shm, victim);
	uint64_t misses = atomic_load(&wk->misses), xruns = atomic_load(&shm->xruns);
	uint32_t last_done = atomic_load(&wv->done);
	int victim_seen = 0;
	uint64_t before = atomic_load(&shm->periods);
	long polls = (long)(seconds * 5000.0);
	for (long i = 0; i < polls; i++) {
		uint64_t now = atomic_load(&shm->periods);
		uint64_t m = atomic_load(&wk->misses), x = atomic_load(&shm->xruns);
		for (; misses < m; misses++)
			printf("miss period=%llu since=%llu\n", (unsigned long long)now,
			       (unsigned long long)before);
		for (; xruns < x; xruns++)
			printf("xrun period=%llu since=%llu\n", (unsigned long long)now,
			       (unsigned long long)before);
		before = now;
		if (!victim_seen) {
			if (atomic_load(&wv->state) != CX_WORKER_READY) {
				printf("victim_last period=%llu\n",
				       (unsigned long long)full_period(now, last_done));
				victim_seen = 1;
			} else {
				last_done = atomic_load(&wv->done);
			}
		}
		struct timespec ts = {0, 200 * 1000};
		nanosleep(&ts, NULL);
	}
	printf("end period=%llu\n", (unsigned long long)atomic_load(&shm->periods));
	return 0;
}

int main(int argc, char **argv)
{
	int watching = argc == 6 && strcmp(argv[1], "--watch") == 0;
	if (argc != 2 && !watching) {
		fprintf(stderr,
		        "usage: shm_peek NAME | shm_peek --watch NAME SECONDS KEEP VICTIM\n");
		return 2;
	}
	const cx_shm_t *shm;
	char err[256];
	if (cx_shm_open_readonly(&shm, argv[watching ? 2 : 1], err, sizeof err) != 0) {
		fprintf(stderr, "shm_peek: %s\n", err);
		return 1;
	}
	int rc = 0;
	if (watching)
		rc = watch(shm, atof(argv[3]), (uint32_t)atoi(argv[4]), (uint32_t)atoi(argv[5]));
	else
		snapshot(shm);
	cx_shm_close_readonly(shm);
	return rc;
}
