/*
 * engine_impl.h — the engine's private state, shared by engine.c (life cycle, supervisor),
 * edit.c (the control side's model) and period.c (the realtime period). Not installed.
 */
#ifndef CX_ENGINE_IMPL_H
#define CX_ENGINE_IMPL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "arena.h"
#include "engine.h"
#include "plan.h"
#include "ring.h"
#include "worker.h"

#define CX_MSG_RING   8192u
#define CX_HEAP_MAX   8192u
#define CX_NO_PLAN    0xffffffffu
#define CX_TAP_FRAMES (1u << 19) /* ~11 s at 48 kHz between two drains */

enum cx_msg_kind { CX_MSG_PLAN = 1, CX_MSG_EVENT = 2, CX_MSG_TRANSPORT = 3 };

/* control -> callback. */
typedef struct cx_msg {
	uint16_t kind;    /* cx_msg_kind */
	uint16_t ev_kind; /* cx_shm_event_kind */
	uint16_t index;   /* parameter or input */
	uint16_t pad;
	uint32_t inst;
	uint32_t generation;
	float value;
	uint32_t plan;  /* CX_MSG_PLAN: which copy */
	uint64_t frame; /* absolute frame; 0 = next period. CX_MSG_PLAN: seq */
	uint64_t order; /* tie-break so equal frames keep their sending order */
} cx_msg_t;

typedef struct cx_inst_model {
	char name[CX_INSTANCE_NAME_MAX]; /* "" for a hidden sink replica */
	uint64_t state_off, state_bytes;
	uint64_t out_off, out_bytes;
	uint64_t freed_at_seq;       /* a freed slot is reusable once this plan is applied */
	float params[CX_PARAMS_MAX]; /* values as last set, for info and save */
	uint64_t data_bytes;         /* the arena block at cx_instance_t.data_off */
	float inputs[CX_PORTS_MAX];  /* unpatched inputs' levels as last set */
	uint8_t pushed;              /* appears in a plan already sent to the callback */
	uint8_t zombie;
} cx_inst_model_t;

typedef struct cx_deferred {
	uint64_t off, bytes, seq;
} cx_deferred_t;

struct cx_engine {
	cx_engine_config_t cfg;
	char name[64];
	char module_dirs[CX_MODULE_DIRS_MAX][CX_PATH_MAX];
	cx_shm_t *shm;
	uint32_t workers;
	pid_t zygote;
	int zsock;

	/* control side, under lock */
	pthread_mutex_t lock;
	cx_arena_t arena;
	cx_graph_node_t nodes[CX_INSTANCES_MAX];
	cx_inst_model_t im[CX_INSTANCES_MAX];
	uint32_t node_count; /* high-water mark of used slots */
	cx_graph_edge_t edges[CX_CONNECTIONS_MAX];
	uint32_t edge_count;
	uint32_t frames_cap, stride;
	uint64_t plan_seq, inflight_seq;
	uint64_t msg_order;
	int dirty;
	uint32_t sample_rate;
	cx_deferred_t deferred[CX_INSTANCES_MAX];
	uint32_t deferred_n;

	/* control -> callback */
	cx_ring_t ring;
	cx_msg_t ring_store[CX_MSG_RING];

	/* callback-private */
	uint64_t period;
	uint64_t frame_time;
	uint32_t pending_plan;
	uint64_t pending_seq;
	uint32_t heap_n;
	cx_msg_t heap[CX_HEAP_MAX]; /* events for later periods */
	uint32_t due_n;
	cx_msg_t due[CX_MSG_RING]; /* events for this period, in arrival order */
	float sink_last[CX_INSTANCES_MAX][2];
	uint8_t sink_live[CX_INSTANCES_MAX];
	float limiter_gain, limiter_release;
	double tempo_bpm, beat; /* the transport */
	int playing;
	uint32_t last_stride;

	/* recording tap: callback writes, control reads */
	float *tap; /* CX_TAP_FRAMES * 2 */
	_Atomic uint64_t tap_w, tap_r, tap_left, tap_overruns;

	/* offline: shards rendered in this process */
	cx_worker_ctx_t *octx;

	/* supervisor */
	pthread_t sup;
	int sup_running;
	uint64_t last_spawn_ns[CX_WORKERS_MAX];
};

/* edit.c */
int cx_edit_init(cx_engine_t *e, char *err, size_t errlen);
int cx_commit_locked(cx_engine_t *e, int wait_ms);
void cx_relayout_locked(cx_engine_t *e);
uint32_t cx_stride_for(uint32_t frames);

#endif /* CX_ENGINE_IMPL_H */
