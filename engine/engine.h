/*
 * engine.h — the engine's C API: what control/ (the OSC server, the text commands, the offline
 * renderer) calls. The engine knows nothing of OSC or of text.
 *
 * Threads. cx_engine_open runs first in main(), before any thread exists (it forks the
 * zygote). The control functions ([control]) may be called from any one non-realtime thread at
 * a time; they serialise on an internal mutex the supervisor shares. cx_engine_period is the
 * realtime entry point ([rt]), called once per period by a driver (JACK, or the offline
 * renderer): it never waits for a worker, never allocates, never locks.
 *
 * Edits. create, free, patch and unpatch change the control side's model at once and reach the
 * realtime side as a new plan at the next period boundary after cx_engine_commit (the OSC
 * server commits after each burst of messages). set, gate and trig travel as events with an
 * absolute frame (0 = the next period) and land on that frame.
 *
 * Errors. Every control function returns 0, or -1 with err holding one sentence naming what was
 * wrong and what would be right. A failing call changes nothing.
 */
#ifndef CX_ENGINE_H
#define CX_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "shm.h"

#define CX_MODULE_DIRS_MAX 8u

typedef struct cx_engine cx_engine_t;

typedef struct cx_engine_config {
	const char *name; /* instance name; shm, JACK client; default "chronus" */
	uint32_t workers; /* worker processes (shards); 0 = online cores */
	const char *module_dirs[CX_MODULE_DIRS_MAX];
	uint32_t module_dir_count;
	uint64_t arena_bytes; /* 0 = 256 MiB */
	int offline;          /* no zygote or worker processes: shards render in-process */
	int spin_us;          /* workers spin this long before each period; < 0: default; 0: off */
	int verbose;
} cx_engine_config_t;

typedef struct cx_status {
	uint32_t sample_rate, frames, workers, workers_ready;
	uint32_t instances, cables, types;
	uint64_t periods, frame_time, misses, xruns, events_late, events_dropped;
	uint64_t deaths, respawns, muted_periods;
	uint64_t callback_p50_ns, callback_p99_ns, callback_max_ns;
	double tempo_bpm, beat;
	int playing;
	char last_death[160];
} cx_status_t;

/* Creates the segment and (online) forks the zygote. Call first in main(). [main] */
int cx_engine_open(cx_engine_t **out, const cx_engine_config_t *cfg, char *err, size_t errlen);

/* Probes the module types, spawns the workers, creates the default sink `out`, and readies the
 * first plan for sample_rate and frames. [main] */
int cx_engine_start(cx_engine_t *e, uint32_t sample_rate, uint32_t frames, char *err,
                    size_t errlen);

/* Stops workers and zygote, removes the segment. Safe on a half-opened engine. [main] */
void cx_engine_close(cx_engine_t *e);

/* Control. [control] */
int cx_engine_create(cx_engine_t *e, const char *type, const char *name,
                     const char *const *param_names, const float *values, uint32_t count,
                     char *created, size_t created_len, char *err, size_t errlen);
int cx_engine_free(cx_engine_t *e, const char *name, char *err, size_t errlen);
int cx_engine_patch(cx_engine_t *e, const char *src, const char *dst, char *err, size_t errlen);
int cx_engine_unpatch(cx_engine_t *e, const char *src, const char *dst, char *err, size_t errlen);
int cx_engine_set(cx_engine_t *e, const char *inst, const char *param, float value, uint64_t frame,
                  char *err, size_t errlen);
/* port NULL: the instance's first gate input. */
int cx_engine_gate(cx_engine_t *e, const char *inst, const char *port, float value, uint64_t frame,
                   char *err, size_t errlen);
int cx_engine_trig(cx_engine_t *e, const char *inst, const char *port, uint64_t frame, char *err,
                   size_t errlen);

/* The transport that sequencers follow: tempo (beats per minute, 20..999), play (restart at
 * beat 0, on the exact frame), stop. frame 0: the next period. [control] */
enum cx_transport_op { CX_TRANSPORT_TEMPO = 1, CX_TRANSPORT_PLAY = 2, CX_TRANSPORT_STOP = 3 };
int cx_engine_transport(cx_engine_t *e, int op, double value, uint64_t frame, char *err,
                        size_t errlen);

/* Publishes edits made since the last commit as a new plan. wait_ms > 0: block up to that
 * long for the realtime side to apply it. Returns 0, or -1 when not applied in time (it still
 * will be). [control] */
int cx_engine_commit(cx_engine_t *e, int wait_ms);

/* Whether edits wait to be published (a plan was still on its way). [control] */
int cx_engine_pending(cx_engine_t *e);

void cx_engine_status(cx_engine_t *e, cx_status_t *st); /* [control] */
const cx_shm_t *cx_engine_shm(const cx_engine_t *e);    /* [any] */
uint32_t cx_engine_worker_count(const cx_engine_t *e);  /* [any] */

/* Writes a human-readable list: instances (with their type and shard) or types. [control] */
void cx_engine_list(cx_engine_t *e, char *buf, size_t len);
void cx_engine_types(cx_engine_t *e, char *buf, size_t len);

/* Realtime: one period. in may hold NULLs (silence). [rt] */
void cx_engine_period(cx_engine_t *e, uint32_t frames, const float *const in[2],
                      float *const out[2]);

/* Driver notices, off the realtime thread. [driver] */
void cx_engine_set_format(cx_engine_t *e, uint32_t sample_rate, uint32_t frames);
void cx_engine_xrun(cx_engine_t *e);
void cx_engine_set_rt_priority(cx_engine_t *e, int prio); /* workers run just below this */

/* Starts the supervisor thread: reaps and respawns workers, logs their deaths, commits
 * leftover edits, follows buffer-size changes. [main] */
int cx_engine_supervise(cx_engine_t *e);

#endif /* CX_ENGINE_H */
