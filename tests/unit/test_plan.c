/* Unit: plan building (engine/plan.h): PLAN-01 order, PLAN-02 placement, PLAN-03 feedback,
 * PLAN-04 sink replicas. */
#include <string.h>

#include "check.h"
#include "plan.h"

static cx_plan_t plan;
static cx_graph_node_t nodes[CX_INSTANCES_MAX];
static cx_graph_edge_t edges[64];
static uint32_t ne;

static void node(uint32_t i, uint32_t ins, uint32_t outs)
{
	memset(&nodes[i], 0, sizeof nodes[i]);
	nodes[i].used = 1;
	nodes[i].shard = CX_SHARD_NONE;
	nodes[i].owner = i;
	nodes[i].in_count = ins;
	nodes[i].out_count = outs;
	nodes[i].out_off = 4096u * (i + 1u);
	nodes[i].replicas[0] = i;
}

static void sink(uint32_t i, uint32_t shards, uint32_t first_replica)
{
	node(i, 3, 2);
	nodes[i].sink = 1;
	for (uint32_t s = 1; s < shards; s++) {
		uint32_t r = first_replica + s - 1u;
		node(r, 3, 2);
		nodes[r].sink = 1;
		nodes[r].replica = 1;
		nodes[r].owner = i;
		nodes[i].replicas[s] = r;
	}
}

static void edge(uint32_t s, uint32_t d, uint16_t dp)
{
	edges[ne++] = (cx_graph_edge_t){s, d, 0, dp};
}

static int build(uint32_t count, uint32_t shards)
{
	char err[128];
	return cx_plan_build(&plan, nodes, count, edges, ne, shards, 64, 64, err, sizeof err);
}

static int step_of(uint32_t inst)
{
	for (uint32_t k = 0; k < plan.step_count; k++)
		if (plan.steps[k].inst == inst)
			return (int)k;
	return -1;
}

/* The input record feeding inst from src, or NULL. */
static const cx_plan_input_t *input(uint32_t inst, uint32_t src)
{
	int k = step_of(inst);
	if (k < 0)
		return NULL;
	const cx_plan_step_t *st = &plan.steps[k];
	for (uint32_t i = 0; i < st->input_count; i++)
		if (plan.inputs[st->input_first + i].src_inst == src)
			return &plan.inputs[st->input_first + i];
	return NULL;
}

int main(void)
{
	/* A chain given in reverse slot order still renders source first, no delay. */
	ne = 0;
	node(0, 1, 1), node(1, 1, 1), node(2, 1, 1);
	edge(2, 1, 0), edge(1, 0, 0);
	CHECK(build(3, 1) == 0);
	CHECK(plan.step_count == 3);
	CHECK(step_of(2) < step_of(1) && step_of(1) < step_of(0));
	CHECK(input(1, 2) && !input(1, 2)->delayed);
	CHECK(input(0, 1) && !input(0, 1)->delayed);
	CHECK(input(1, 2)->src_off == nodes[2].out_off);

	/* Two independent chains on two shards: one each. */
	ne = 0;
	node(0, 1, 1), node(1, 1, 1), node(2, 1, 1), node(3, 1, 1);
	edge(0, 1, 0), edge(2, 3, 0);
	CHECK(build(4, 2) == 0);
	CHECK(nodes[0].shard == nodes[1].shard);
	CHECK(nodes[2].shard == nodes[3].shard);
	CHECK(nodes[0].shard != nodes[2].shard);
	CHECK(plan.shard_first[2] == 4);
	/* Placement is stable: a new lone node does not move them. */
	uint8_t s0 = nodes[0].shard, s2 = nodes[2].shard;
	node(4, 1, 1);
	CHECK(build(5, 2) == 0);
	CHECK(nodes[0].shard == s0 && nodes[2].shard == s2);
	/* Joining the groups moves the smaller one onto the bigger one's shard. */
	edge(1, 4, 0); /* group {0,1,4} now bigger */
	CHECK(build(5, 2) == 0);
	edge(3, 0, 0); /* joins {2,3} into it */
	CHECK(build(5, 2) == 0);
	CHECK(nodes[2].shard == nodes[0].shard && nodes[3].shard == nodes[0].shard);
	CHECK(input(0, 3) && !input(0, 3)->delayed);

	/* Feedback: a -> b -> a: exactly one of the two cables is delayed. */
	ne = 0;
	node(0, 1, 1), node(1, 1, 1);
	edge(0, 1, 0), edge(1, 0, 0);
	CHECK(build(2, 1) == 0);
	CHECK(plan.step_count == 2);
	CHECK(input(1, 0) && input(0, 1));
	CHECK(input(1, 0)->delayed + input(0, 1)->delayed == 1);
	/* A self-loop is delayed. */
	ne = 0;
	node(0, 1, 1);
	edge(0, 0, 0);
	CHECK(build(1, 1) == 0);
	CHECK(input(0, 0) && input(0, 0)->delayed);

	/* Sinks: one replica per shard, each fed by its own shard without delay, listed last. */
	ne = 0;
	sink(0, 2, 10);
	node(1, 1, 1), node(2, 1, 1), node(3, 1, 1), node(4, 1, 1);
	edge(1, 2, 0), edge(2, 0, 0), edge(3, 4, 0), edge(4, 0, 0);
	CHECK(build(11, 2) == 0);
	CHECK(plan.sink_count == 2);
	CHECK(nodes[1].shard != nodes[3].shard);
	uint32_t r2 = nodes[0].replicas[nodes[2].shard], r4 = nodes[0].replicas[nodes[4].shard];
	CHECK(r2 != r4);
	CHECK(input(r2, 2) && !input(r2, 2)->delayed);
	CHECK(input(r4, 4) && !input(r4, 4)->delayed);
	CHECK(!input(r2, 4) && !input(r4, 2));
	for (uint32_t s = 0; s < 2; s++) /* the sink replica is the last step of its shard */
		CHECK(plan.steps[plan.shard_first[s + 1] - 1].inst == nodes[0].replicas[s]);
	CHECK(plan.shard_of[1] == nodes[1].shard && plan.shard_of[5] == CX_SHARD_NONE);

	/* Inputs of a step are sorted by port, several cables on one port are kept. */
	ne = 0;
	node(0, 3, 1), node(1, 0, 1), node(2, 0, 1), node(3, 0, 1);
	edge(1, 0, 2), edge(2, 0, 0), edge(3, 0, 2);
	CHECK(build(4, 1) == 0);
	const cx_plan_step_t *st = &plan.steps[step_of(0)];
	CHECK(st->input_count == 3);
	CHECK(plan.inputs[st->input_first].port == 0);
	CHECK(plan.inputs[st->input_first + 1].port == 2 &&
	      plan.inputs[st->input_first + 2].port == 2);
	return check_report("plan");
}
