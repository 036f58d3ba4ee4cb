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
/* frame CX_FRAME_CHECK: check the command, send nothing (to validate a batch first). */
#define CX_FRAME_CHECK UINT64_MAX
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

/* Hands interleaved frames to an instance's load() (ABI 1.2): copied into engine memory here,
 * loaded by the owning worker between periods. Replaces the instance's previous data. Fails
 * when the type takes no data or the engine lacks room. [control] */
int cx_engine_load_data(cx_engine_t *e, const char *inst, const float *frames, uint32_t frame_count,
                        uint32_t channels, float rate, char *err, size_t errlen);
/* The data's state: 1 loaded (*kept frames), 0 still on its way, -1 refused. [control] */
int cx_engine_data_state(cx_engine_t *e, const char *inst, int32_t *kept);

/* Publishes edits made since the last commit as a new plan. wait_ms > 0: block up to that
 * long for the realtime side to apply it. Returns 0, or -1 when not applied in time (it still
 * will be). [control] */
int cx_engine_commit(cx_engine_t *e, int wait_ms);

/* Whether edits wait to be published (a plan was still on its way). [control] */
int cx_engine_pending(cx_engine_t *e);

void cx_engine_status(cx_engine_t *e, cx_status_t *st); /* [control] */
/* The engine's frame clock: the first frame of the newest period and when (CLOCK_MONOTONIC)
 * it was published. Maps wall-clock times (OSC timetags) to frames. [any] */
void cx_engine_clock(const cx_engine_t *e, uint64_t *frame, uint64_t *mono_ns,
                     uint32_t *sample_rate);

/* The first frame of the next period: the earliest frame an event can still land on. [any] */
uint64_t cx_engine_now(const cx_engine_t *e);
const cx_shm_t *cx_engine_shm(const cx_engine_t *e);   /* [any] */
uint32_t cx_engine_worker_count(const cx_engine_t *e); /* [any] */

/* What `info` and `list` show of an instance: values as last set (a scheduled value shows once
 * it was sent). [control] */
typedef struct cx_instance_info {
	char name[CX_INSTANCE_NAME_MAX];
	uint32_t type; /* index into the type table */
	int worker;    /* shard in the plan in force; -1 before it is placed */
	float params[CX_PARAMS_MAX];
	float inputs[CX_PORTS_MAX]; /* unpatched inputs' levels */
} cx_instance_info_t;

typedef struct cx_cable_info {
	char src[CX_INSTANCE_NAME_MAX], dst[CX_INSTANCE_NAME_MAX];
	uint32_t src_type, dst_type;
	uint16_t src_port, dst_port;
} cx_cable_info_t;

/* Fill out[0..max) in creation-slot order; return how many there are in all. [control] */
uint32_t cx_engine_instances(cx_engine_t *e, cx_instance_info_t *out, uint32_t max);
uint32_t cx_engine_cables(cx_engine_t *e, cx_cable_info_t *out, uint32_t max);
/* One instance by name: 0, or -1 with err (naming the ones there are). [control] */
int cx_engine_instance(cx_engine_t *e, const char *name, cx_instance_info_t *out, char *err,
                       size_t errlen);
/* The type table (index < count), as probed. [any] */
const cx_type_t *cx_engine_type(const cx_engine_t *e, uint32_t index);
uint32_t cx_engine_type_count(const cx_engine_t *e);

/* Writes a human-readable list: instances (with their type and shard) or types. [control] */
void cx_engine_list(cx_engine_t *e, char *buf, size_t len);
void cx_engine_types(cx_engine_t *e, char *buf, size_t len);

/* Recording tap: the callback copies the next `frames` output frames (stereo, interleaved)
 * into a lock-free buffer; cx_engine_tap_read drains it off the realtime path. start fails
 * while a capture runs. [control] */
int cx_engine_tap_start(cx_engine_t *e, uint64_t frames);
void cx_engine_tap_stop(cx_engine_t *e);
/* Copies up to max_frames captured frames into buf (2 floats each); returns how many. *left
 * gets the frames still to capture, *overruns how many were lost for want of room. */
uint32_t cx_engine_tap_read(cx_engine_t *e, float *buf, uint32_t max_frames, uint64_t *left,
                            uint64_t *overruns);

/* Realtime: one period. in may hold NULLs (silence). [rt] */
void cx_engine_period(cx_engine_t *e, uint32_t frames, const float *const in[2],
                      float *const out[2]);

/* Driver notices, off the realtime thread. [driver] */
void cx_engine_set_format(cx_engine_t *e, uint32_t sample_rate, uint32_t frames);
void cx_engine_xrun(cx_engine_t *e);
/* prio: the JACK thread's SCHED_FIFO priority; workers run two steps below it, leaving the
 * step between for the control thread. [driver] */
void cx_engine_set_rt_priority(cx_engine_t *e, int prio);

/* Starts the supervisor thread: reaps and respawns workers, logs their deaths, commits
 * leftover edits, follows buffer-size changes. [main] */
int cx_engine_supervise(cx_engine_t *e);

#endif /* CX_ENGINE_H */
