/*
 * shm_peek — print a running engine's counters from its shared memory, on one line:
 *   periods=N misses=N xruns=N w0_state=N w0_periods=N w0_misses=N w0_deaths=N ...
 * It maps the segment read-only (cx_shm_open_readonly), so it never disturbs the engine. The
 * fault test takes one snapshot before and one after a take to learn whether the surviving
 * worker was late during it (a miss: its sound fades by design, which is not the fault's
 * doing).
 *
 * usage: shm_peek NAME
 */
#include <stdio.h>

#include "shm.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: shm_peek NAME\n");
		return 2;
	}
	const cx_shm_t *shm;
	char err[256];
	if (cx_shm_open_readonly(&shm, argv[1], err, sizeof err) != 0) {
		fprintf(stderr, "shm_peek: %s\n", err);
		return 1;
	}
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
	cx_shm_close_readonly(shm);
	return 0;
}
