/*
 * shm.h — the engine's shared-memory segment: layout and lifetime.
 *
 * One segment per engine instance, /chronus-<uid>-<name>, mode 0600, created by the engine
 * process before it forks the zygote, so the zygote and every worker inherit the mapping.
 * Everything in it is plain data addressed by offsets from the segment's base: each process
 * may map it at its own address (tools map it read-only to read statistics).
 *
 * Writers. Each field has exactly one writing side, named in its comment:
 *   [cb]      the JACK callback (or the offline driver standing in for it);
 *   [control] the control thread, only while no worker or callback can read the field
 *             (before an instance is in the active plan, after it left it);
 *   [worker]  the worker that owns the shard the instance is placed on;
 *   [sup]     the supervisor thread.
 * Fields two sides touch are _Atomic; 32- and 64-bit atomics are lock-free on every target.
 */
#ifndef CX_SHM_H
#define CX_SHM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/module.h"
#include "stats.h"

#define CX_SHM_MAGIC          0x4348524eu /* "CHRN" */
#define CX_SHM_LAYOUT_VERSION 4u

#define CX_WORKERS_MAX       32u
#define CX_INSTANCES_MAX     8192u
#define CX_TYPES_MAX         128u
#define CX_EVENTS_MAX        16u /* per instance per period; more are dropped and counted */
#define CX_CONNECTIONS_MAX   32768u
#define CX_ENUM_MAX          32u /* names one enum parameter may have */
#define CX_PATH_MAX          256u
#define CX_INSTANCE_NAME_MAX 32u
#define CX_FRAMES_MAX        8192u /* largest period the engine follows */
#define CX_SHARD_NONE        0xffu

/* A probed module type: the descriptor's tables copied out of the .so. [control, at start] */
typedef struct cx_type_port {
	char name[CX_NAME_MAX];
	uint32_t kind;
	float def;
	char help[80];
} cx_type_port_t;

typedef struct cx_type_param {
	uint32_t id;
	char name[CX_NAME_MAX];
	char unit[12];
	float min, max, def;
	uint32_t flags;
	uint32_t enum_count;
	char enum_names[CX_ENUM_MAX][CX_NAME_MAX];
	char help[80];
} cx_type_param_t;

enum cx_type_status { CX_TYPE_EMPTY = 0, CX_TYPE_OK = 1, CX_TYPE_BROKEN = 2 };

/* Engine-side type flags, beside the module's own (cx_module_flags uses the low bits). */
#define CX_TYPE_HAS_LOAD (1u << 31) /* the module takes data through load() (ABI 1.2) */

typedef struct cx_type {
	uint32_t status; /* cx_type_status */
	char name[CX_NAME_MAX];
	char path[CX_PATH_MAX];
	char summary[96];
	char error[200]; /* why it failed to load, when BROKEN */
	uint32_t version, state_version, flags, state_size;
	uint32_t in_count, out_count, param_count;
	cx_type_port_t ins[CX_PORTS_MAX];
	cx_type_port_t outs[CX_PORTS_MAX];
	cx_type_param_t params[CX_PARAMS_MAX];
} cx_type_t;

/* One event waiting for a period, as the callback hands it to a worker. */
enum cx_shm_event_kind {
	CX_SEV_PARAM = 0, /* params[index] = value at frame */
	CX_SEV_INPUT = 1, /* unpatched input index holds value from frame on (a gate) */
	CX_SEV_TRIG = 2,  /* unpatched input index is high for 1 ms from frame (a trigger) */
};

typedef struct cx_shm_event {
	uint32_t frame;
	uint16_t kind;
	uint16_t index;
	float value;
} cx_shm_event_t;

typedef struct cx_shm_events {
	uint64_t period; /* the period these events are for; stale lists are ignored */
	uint32_t count;
	uint32_t dropped;
	cx_shm_event_t ev[CX_EVENTS_MAX];
} cx_shm_events_t;

enum cx_instance_flags {
	CX_INST_NEEDS_INIT = 1u << 0, /* the owning worker calls init before the next process */
};

typedef struct cx_instance {
	_Atomic uint32_t flags;      /* [control] sets, [worker] clears NEEDS_INIT */
	uint32_t type;               /* [control] index into the type table */
	uint32_t generation;         /* [control] bumped on every create and free */
	uint32_t state_size;         /* [control] */
	uint64_t state_off;          /* [control] arena offset of the state blob */
	_Atomic int64_t last_period; /* [worker] last period rendered; -1 before the first */
	_Atomic int64_t rendered[2]; /* [worker] period whose block each parity's buffers hold */
	char name[CX_INSTANCE_NAME_MAX];   /* [control] for breadcrumbs and tools */
	float param_target[CX_PARAMS_MAX]; /* [cb] newest value of each parameter */
	float in_target[CX_PORTS_MAX];     /* [cb] newest value of each unpatched input */
	float in_level[CX_PORTS_MAX];      /* [worker] value of each unpatched input now */
	cx_shm_events_t events[2];         /* [cb] by period parity */
	/* Data for the module's load() (a sample): control writes the block and then bumps
	 * data_gen; the owning worker calls load() between periods and sets data_done. */
	uint64_t data_off; /* [control] arena offset of interleaved frames */
	uint32_t data_frames, data_channels;
	float data_rate;
	_Atomic uint32_t data_gen;   /* [control] */
	_Atomic uint32_t data_done;  /* [worker] the generation loaded (0: none yet) */
	_Atomic int32_t data_result; /* [worker] what load() returned */
} cx_instance_t;

enum cx_worker_state {
	CX_WORKER_OFF = 0,
	CX_WORKER_STARTING = 1,
	CX_WORKER_READY = 2,
	CX_WORKER_DEAD = 3,
};

typedef struct cx_worker {
	_Atomic uint32_t done;         /* [worker] low 32 bits of the last period finished */
	_Atomic uint32_t waiting;      /* [worker] 1 while asleep on the go futex */
	_Atomic uint32_t state;        /* [worker] STARTING->READY, [sup] ->DEAD */
	_Atomic uint32_t breadcrumb;   /* [worker] 1 + instance being processed, 0 when none */
	_Atomic int32_t pid;           /* [sup] */
	_Atomic uint32_t types_loaded; /* [worker] type-table generation it has loaded */
	_Atomic uint32_t rt_prio_set;  /* [worker] SCHED_FIFO priority in force, 0 = none */
	uint32_t pad0;
	_Atomic uint64_t periods;  /* [worker] periods rendered */
	_Atomic uint64_t respawns; /* [sup] */
	_Atomic uint64_t misses;   /* [cb] periods this worker was not done in time */
	_Atomic uint64_t deaths;   /* [sup] */
	char last_death[160];      /* [sup] human-readable reason of the last death */
	cx_hist_t wake_ns;         /* [worker] publish -> running */
	cx_hist_t render_ns;       /* [worker] shard render time */
} __attribute__((aligned(64))) cx_worker_t;

/* What workers need to know about one period; slot [n & 1] is written before go = n. */
typedef struct cx_period_info {
	_Atomic uint64_t period;
	uint64_t frame_time;
	uint32_t frames;
	uint32_t plan;       /* 0 or 1: which plan copy is active for this period */
	uint64_t publish_ns; /* CLOCK_MONOTONIC at go */
	double tempo_bpm;    /* the transport, as cx_process_t hands it to modules */
	double beat;
	double beats_per_frame;
	uint32_t playing;
	uint32_t pad;
} cx_period_info_t;

/* The execution plan: which instance each worker renders, in which order, reading which
 * buffers. Two copies; control writes the inactive one, the callback switches at a period
 * boundary once every live worker has finished the previous period. */
typedef struct cx_plan_input {
	uint16_t port;     /* input port of the consuming step */
	uint16_t delayed;  /* 1: read the producer's previous period (other shard, or feedback) */
	uint32_t src_inst; /* producer instance */
	uint64_t src_off;  /* arena offset of the producer port's parity-0 buffer */
} cx_plan_input_t;

typedef struct cx_plan_step {
	uint32_t inst;
	uint32_t type;
	uint32_t input_first; /* into inputs[], sorted by port */
	uint32_t input_count;
	uint64_t out_off; /* arena offset of this instance's output buffers */
} cx_plan_step_t;

typedef struct cx_plan_sink {
	uint32_t inst;
	uint32_t shard;
	uint64_t out_off;
} cx_plan_sink_t;

#define CX_SINKS_MAX 256u

typedef struct cx_plan {
	uint64_t seq;
	uint32_t frames_cap; /* buffers hold this many frames; callback mutes above it */
	uint32_t stride;     /* floats between consecutive port buffers */
	uint32_t shard_count;
	uint32_t step_count;
	uint32_t input_count;
	uint32_t sink_count;
	uint32_t shard_first[CX_WORKERS_MAX + 1]; /* steps of shard s: [first[s], first[s+1]) */
	uint8_t shard_of[CX_INSTANCES_MAX];       /* CX_SHARD_NONE when not in this plan */
	cx_plan_sink_t sinks[CX_SINKS_MAX];
	cx_plan_step_t steps[CX_INSTANCES_MAX];
	cx_plan_input_t inputs[CX_CONNECTIONS_MAX];
} cx_plan_t;

typedef struct cx_shm {
	uint32_t magic;
	uint32_t layout_version;
	uint64_t size;
	int32_t owner_pid;
	uint32_t worker_count;
	uint64_t owner_start; /* the owner's start time: with the pid, it names one process */
	char name[64];

	_Atomic uint32_t go;          /* [cb] futex word: low 32 bits of the period published */
	_Atomic uint32_t quit;        /* [control] workers exit when set */
	_Atomic uint32_t plan_active; /* [cb] */
	_Atomic uint64_t plan_applied_seq; /* [cb] seq of the plan in force */
	_Atomic uint32_t types_gen;        /* [control] bumped when the type table grows */
	uint32_t type_count;               /* [control] */
	_Atomic uint32_t rt_prio;          /* [control] SCHED_FIFO priority for workers, 0 = none */
	_Atomic uint32_t spin_ns;     /* [control] workers wake this long before the next period is
	                               * due and spin for it; 0 = sleep on the futex only */
	_Atomic uint32_t sample_rate; /* [cb] Hz */
	_Atomic uint32_t frames;      /* [cb] current period size */

	cx_period_info_t period_info[2]; /* [cb] */

	/* Statistics. [cb] unless noted. */
	_Atomic uint64_t periods;
	_Atomic uint64_t frame_time;
	_Atomic uint64_t misses;
	_Atomic uint64_t xruns; /* [control] from JACK's xrun callback */
	_Atomic uint64_t events_late;
	_Atomic uint64_t events_dropped;
	_Atomic uint32_t scheduled;     /* events waiting for a later period */
	_Atomic uint32_t data_pending;  /* [control] bumped when some instance has new data */
	_Atomic uint64_t muted_periods; /* periods larger than the plan's buffers */
	_Atomic uint64_t limiter_active;
	cx_hist_t callback_ns;

	uint64_t workers_off;   /* cx_worker_t[CX_WORKERS_MAX] */
	uint64_t types_off;     /* cx_type_t[CX_TYPES_MAX] */
	uint64_t instances_off; /* cx_instance_t[CX_INSTANCES_MAX] */
	uint64_t plans_off[2];  /* cx_plan_t */
	uint64_t host_in_off;   /* float[2 parities][2 channels][CX_FRAMES_MAX] */
	uint64_t arena_off;     /* state blobs and port buffers, handed out by control */
	uint64_t arena_size;
} cx_shm_t;

/* Address of an arena offset (or any offset) inside a mapped segment. */
static inline void *cx_shm_at(const cx_shm_t *shm, uint64_t off)
{
	return (char *)shm + off;
}
static inline cx_worker_t *cx_shm_worker(const cx_shm_t *shm, uint32_t k)
{
	return (cx_worker_t *)cx_shm_at(shm, shm->workers_off) + k;
}
static inline cx_type_t *cx_shm_type(const cx_shm_t *shm, uint32_t t)
{
	return (cx_type_t *)cx_shm_at(shm, shm->types_off) + t;
}
static inline cx_instance_t *cx_shm_instance(const cx_shm_t *shm, uint32_t i)
{
	return (cx_instance_t *)cx_shm_at(shm, shm->instances_off) + i;
}
static inline cx_plan_t *cx_shm_plan(const cx_shm_t *shm, uint32_t p)
{
	return (cx_plan_t *)cx_shm_at(shm, shm->plans_off[p & 1u]);
}
static inline float *cx_shm_host_in(const cx_shm_t *shm, uint64_t period, uint32_t ch)
{
	float *base = (float *)cx_shm_at(shm, shm->host_in_off);
	return base + ((period & 1u) * 2u + ch) * CX_FRAMES_MAX;
}

/* Builds the segment name for an instance into buf: "/chronus-<uid>-<name>". Returns 0, or
 * -ENAMETOOLONG / -EINVAL when name is empty, too long, or holds a '/'. [main] */
int cx_shm_name(char *buf, size_t len, const char *instance_name);

/* Creates and maps the segment for instance_name with an arena of arena_bytes. A segment left
 * by a crashed engine is removed first; one whose owner still runs is refused with -EEXIST and
 * a message naming its pid. Returns 0 and *out, or a negative errno with err filled. [main] */
int cx_shm_create(cx_shm_t **out, const char *instance_name, uint64_t arena_bytes,
                  uint32_t worker_count, char *err, size_t errlen);

/* Maps an existing segment read-only (tools, tests). Returns 0 or a negative errno. [main] */
int cx_shm_open_readonly(const cx_shm_t **out, const char *instance_name, char *err, size_t errlen);

/* Unmaps; when unlink_too, also removes the name. [main] */
void cx_shm_destroy(cx_shm_t *shm, const char *instance_name, int unlink_too);
void cx_shm_close_readonly(const cx_shm_t *shm);

#endif /* CX_SHM_H */
