/*
 * plan.h — turning the patch graph into an execution plan (shm.h's cx_plan_t).
 *
 * Placement keeps every connected group of instances (sinks aside) on one shard, so
 * audio-rate chains have no cable delay; an instance keeps its shard across edits, a new
 * group goes to the lightest shard, and when a patch joins two groups the smaller one moves.
 * Sinks run one replica per shard: a cable into a sink lands on the replica of the producer's
 * shard, so every voice reaches the output with the same latency whatever shard it is on.
 * Within a shard, steps are in topological order; a cable from another shard, or one that
 * closes a feedback loop, reads the producer's previous period (one block of delay).
 * Pure function of its inputs: unit-tested without an engine. [control]
 */
#ifndef CX_PLAN_H
#define CX_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "shm.h"

typedef struct cx_graph_node {
	uint8_t used;
	uint8_t sink;    /* the type has CX_MODULE_SINK */
	uint8_t replica; /* a hidden per-shard copy of a sink; owner is its user instance */
	uint8_t shard;   /* CX_SHARD_NONE until placed */
	uint32_t owner;  /* replica: the user-visible sink; else itself */
	uint32_t type;
	uint32_t in_count, out_count;
	uint64_t out_off;                  /* arena offset of the output buffers */
	uint32_t replicas[CX_WORKERS_MAX]; /* user sink: replica on shard s (itself on 0) */
} cx_graph_node_t;

typedef struct cx_graph_edge {
	uint32_t src, dst; /* node indices; dst may be a user sink */
	uint16_t src_port, dst_port;
} cx_graph_edge_t;

/* Places unplaced nodes (updating nodes[].shard), orders each shard and writes plan. Returns
 * 0, or -1 with err when the plan would not fit its tables. */
int cx_plan_build(cx_plan_t *plan, cx_graph_node_t *nodes, uint32_t node_count,
                  const cx_graph_edge_t *edges, uint32_t edge_count, uint32_t shard_count,
                  uint32_t stride, uint32_t frames_cap, char *err, size_t errlen);

#endif /* CX_PLAN_H */
