/*
 * worker.h — rendering one shard of the plan for one period, and the worker process loop.
 *
 * cx_worker_render is the realtime heart of a worker: for each step of its shard, in
 * topological order, it points each input at its producer's buffer (or sums several, or fills
 * an unpatched input's level), hands the period's events to the module and calls process.
 * The offline renderer calls the same function in-process, so what it renders is what a worker
 * renders.
 */
#ifndef CX_WORKER_H
#define CX_WORKER_H

#include <stdint.h>

#include "chronus/module.h"
#include "shm.h"

typedef struct cx_worker_ctx {
	cx_shm_t *shm;
	uint32_t index; /* the shard this worker renders */
	uint32_t types_gen_loaded;
	uint32_t data_seen;                    /* shm data_pending last handled */
	const cx_module_t *desc[CX_TYPES_MAX]; /* NULL: not loaded, or failed to load */
	void *handle[CX_TYPES_MAX];
	float *scratch; /* [CX_PORTS_MAX][CX_FRAMES_MAX]: summed or filled inputs */
	float *zeros;   /* CX_FRAMES_MAX zeros */
	cx_event_t events[CX_EVENTS_MAX + CX_PARAMS_MAX];
} cx_worker_ctx_t;

/* Allocates the context's buffers and loads the types the table holds. Returns 0 or -1. [worker] */
int cx_worker_ctx_init(cx_worker_ctx_t *w, cx_shm_t *shm, uint32_t index);
void cx_worker_ctx_fini(cx_worker_ctx_t *w);

/* dlopens every OK type not loaded yet; a type that fails here renders silence. [worker] */
void cx_worker_load_types(cx_worker_ctx_t *w);

/* Renders this worker's shard for period n (period_info[n & 1] must describe n). Follows the
 * RT rules in module.h, except the one-time init of a newly created instance. [rt] */
void cx_worker_render(cx_worker_ctx_t *w, uint64_t n);

/* Between periods: hands new data (samples) to the load() of this shard's instances. Not
 * realtime: it copies. [worker] */
void cx_worker_housekeep(cx_worker_ctx_t *w);

/* The worker process: set-up (death signal, memory lock, denormals off, name), then wait for
 * periods on the go futex and render them until the engine says quit. Never returns. [worker] */
_Noreturn void cx_worker_main(cx_shm_t *shm, uint32_t index);

#endif /* CX_WORKER_H */
