/* plan.c — see plan.h. */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Scratch tables, sized once: plan building runs on the control thread only. */
static uint32_t uf_parent[CX_INSTANCES_MAX];
static uint32_t order[CX_INSTANCES_MAX];
static uint32_t pos[CX_INSTANCES_MAX];
static uint32_t indeg[CX_INSTANCES_MAX];
static uint32_t comp_weight[CX_INSTANCES_MAX];
static uint32_t comp_votes[CX_INSTANCES_MAX][2]; /* best shard so far, its weight */
static uint32_t adj_first[CX_INSTANCES_MAX + 1];
static uint32_t adj[CX_CONNECTIONS_MAX];
static uint32_t in_first[CX_INSTANCES_MAX + 1];
static uint32_t in_edges[CX_CONNECTIONS_MAX];

static uint32_t uf_find(uint32_t x)
{
	while (uf_parent[x] != x) {
		uf_parent[x] = uf_parent[uf_parent[x]];
		x = uf_parent[x];
	}
	return x;
}

static void uf_join(uint32_t a, uint32_t b)
{
	a = uf_find(a);
	b = uf_find(b);
	if (a != b)
		uf_parent[a > b ? a : b] = a < b ? a : b;
}

static int plain(const cx_graph_node_t *n)
{
	return n->used && !n->sink;
}

/* Assigns a shard to every used non-sink node, keeping groups together. */
static void place(cx_graph_node_t *nodes, uint32_t count, const cx_graph_edge_t *edges,
                  uint32_t edge_count, uint32_t shards)
{
	for (uint32_t i = 0; i < count; i++)
		uf_parent[i] = i;
	for (uint32_t e = 0; e < edge_count; e++)
		if (plain(&nodes[edges[e].src]) && plain(&nodes[edges[e].dst]))
			uf_join(edges[e].src, edges[e].dst);
	/* Each group votes for the shard holding most of its placed members. */
	uint32_t votes[CX_WORKERS_MAX];
	for (uint32_t i = 0; i < count; i++)
		comp_weight[i] = 0, comp_votes[i][0] = CX_SHARD_NONE, comp_votes[i][1] = 0;
	for (uint32_t root = 0; root < count; root++) {
		if (!plain(&nodes[root]) || uf_find(root) != root)
			continue;
		memset(votes, 0, sizeof votes);
		for (uint32_t i = root; i < count; i++) {
			if (!plain(&nodes[i]) || uf_find(i) != root)
				continue;
			comp_weight[root]++;
			if (nodes[i].shard < shards)
				votes[nodes[i].shard]++;
		}
		for (uint32_t s = 0; s < shards; s++)
			if (votes[s] > comp_votes[root][1])
				comp_votes[root][0] = s, comp_votes[root][1] = votes[s];
	}
	uint32_t load[CX_WORKERS_MAX] = {0};
	for (uint32_t root = 0; root < count; root++)
		if (comp_votes[root][0] != CX_SHARD_NONE)
			load[comp_votes[root][0]] += comp_weight[root];
	for (uint32_t root = 0; root < count; root++) {
		if (!plain(&nodes[root]) || uf_find(root) != root ||
		    comp_votes[root][0] != CX_SHARD_NONE)
			continue;
		uint32_t best = 0;
		for (uint32_t s = 1; s < shards; s++)
			if (load[s] < load[best])
				best = s;
		comp_votes[root][0] = best;
		load[best] += comp_weight[root];
	}
	for (uint32_t i = 0; i < count; i++)
		if (plain(&nodes[i]))
			nodes[i].shard = (uint8_t)comp_votes[uf_find(i)][0];
}

/* The node a cable really lands on: a sink's replica on the producer's shard. */
static uint32_t real_dst(const cx_graph_node_t *nodes, const cx_graph_edge_t *e)
{
	const cx_graph_node_t *d = &nodes[e->dst];
	if (!d->sink)
		return e->dst;
	return d->replicas[nodes[e->src].shard];
}

/* Kahn's algorithm over one shard's plain nodes; a stall means a cycle: the lowest-index
 * remaining node goes next and its incoming cables become delayed. */
static uint32_t order_shard(const cx_graph_node_t *nodes, uint32_t count, uint32_t shard,
                            uint32_t *out)
{
	uint32_t n = 0, head = 0, remaining = 0;
	for (uint32_t i = 0; i < count; i++) {
		pos[i] = UINT32_MAX;
		if (!plain(&nodes[i]) || nodes[i].shard != shard)
			continue;
		remaining++;
		indeg[i] = 0;
		for (uint32_t k = in_first[i]; k < in_first[i + 1]; k++) {
			uint32_t src = in_edges[k];
			if (plain(&nodes[src]) && nodes[src].shard == shard && src != i)
				indeg[i]++;
		}
	}
	for (uint32_t i = 0; i < count; i++)
		if (plain(&nodes[i]) && nodes[i].shard == shard && indeg[i] == 0)
			pos[i] = 0, out[n++] = i;
	while (n < remaining) {
		if (head == n) { /* cycle: break it at the lowest-index node left */
			for (uint32_t i = 0; i < count; i++)
				if (plain(&nodes[i]) && nodes[i].shard == shard &&
				    pos[i] == UINT32_MAX) {
					pos[i] = 0, out[n++] = i;
					break;
				}
		}
		uint32_t u = out[head++];
		for (uint32_t k = adj_first[u]; k < adj_first[u + 1]; k++) {
			uint32_t v = adj[k];
			if (!plain(&nodes[v]) || nodes[v].shard != shard || pos[v] != UINT32_MAX)
				continue;
			if (--indeg[v] == 0)
				pos[v] = 0, out[n++] = v;
		}
	}
	return n;
}

static void build_adjacency(const cx_graph_node_t *nodes, uint32_t count,
                            const cx_graph_edge_t *edges, uint32_t edge_count)
{
	memset(adj_first, 0, sizeof(uint32_t) * (count + 1u));
	memset(in_first, 0, sizeof(uint32_t) * (count + 1u));
	for (uint32_t e = 0; e < edge_count; e++) {
		adj_first[edges[e].src + 1]++;
		in_first[real_dst(nodes, &edges[e]) + 1]++;
	}
	for (uint32_t i = 0; i < count; i++) {
		adj_first[i + 1] += adj_first[i];
		in_first[i + 1] += in_first[i];
	}
	uint32_t *fill = indeg; /* reused as cursors */
	for (uint32_t i = 0; i < count; i++)
		fill[i] = adj_first[i];
	for (uint32_t e = 0; e < edge_count; e++)
		adj[fill[edges[e].src]++] = real_dst(nodes, &edges[e]);
	for (uint32_t i = 0; i < count; i++)
		fill[i] = in_first[i];
	for (uint32_t e = 0; e < edge_count; e++)
		in_edges[fill[real_dst(nodes, &edges[e])]++] = e;
}

int cx_plan_build(cx_plan_t *plan, cx_graph_node_t *nodes, uint32_t count,
                  const cx_graph_edge_t *edges, uint32_t edge_count, uint32_t shards,
                  uint32_t stride, uint32_t frames_cap, char *err, size_t errlen)
{
	if (count > CX_INSTANCES_MAX || edge_count > CX_CONNECTIONS_MAX || shards == 0 ||
	    shards > CX_WORKERS_MAX) {
		snprintf(err, errlen, "patch too large: %u instances, %u cables", count,
		         edge_count);
		return -1;
	}
	place(nodes, count, edges, edge_count, shards);
	for (uint32_t i = 0; i < count; i++) /* replicas sit on their own shard */
		if (nodes[i].used && nodes[i].sink && !nodes[i].replica)
			for (uint32_t s = 0; s < shards; s++)
				nodes[nodes[i].replicas[s]].shard = (uint8_t)s;
	/* in_edges holds edge ids; order_shard wants sources: build both views. */
	build_adjacency(nodes, count, edges, edge_count);
	static uint32_t in_src_first[CX_INSTANCES_MAX + 1];
	memcpy(in_src_first, in_first, sizeof(uint32_t) * (count + 1u));
	static uint32_t edge_of[CX_CONNECTIONS_MAX];
	memcpy(edge_of, in_edges, sizeof(uint32_t) * edge_count);
	for (uint32_t k = 0; k < edge_count; k++)
		in_edges[k] = edges[edge_of[k]].src;

	memset(plan->shard_of, CX_SHARD_NONE, sizeof plan->shard_of);
	plan->stride = stride;
	plan->frames_cap = frames_cap;
	plan->shard_count = shards;
	plan->sink_count = 0;
	uint32_t nsteps = 0;
	for (uint32_t s = 0; s < shards; s++) {
		plan->shard_first[s] = nsteps;
		uint32_t n = order_shard(nodes, count, s, order + nsteps);
		nsteps += n;
		for (uint32_t i = 0; i < count; i++) { /* this shard's sink replicas come last */
			if (!nodes[i].used || !nodes[i].sink || nodes[i].shard != s)
				continue;
			order[nsteps++] = i;
			if (plan->sink_count >= CX_SINKS_MAX) {
				snprintf(err, errlen, "too many output sinks (at most %u)",
				         CX_SINKS_MAX);
				return -1;
			}
			plan->sinks[plan->sink_count++] = (cx_plan_sink_t){i, s, nodes[i].out_off};
		}
	}
	plan->shard_first[shards] = nsteps;
	for (uint32_t k = 0; k < nsteps; k++) {
		pos[order[k]] = k;
		plan->shard_of[order[k]] = nodes[order[k]].shard;
	}
	uint32_t ninputs = 0;
	for (uint32_t k = 0; k < nsteps; k++) {
		uint32_t i = order[k];
		cx_plan_step_t *st = &plan->steps[k];
		*st = (cx_plan_step_t){i, nodes[i].type, ninputs, 0, nodes[i].out_off};
		for (uint32_t p = 0; p < nodes[i].in_count; p++) { /* sorted by port */
			for (uint32_t q = in_src_first[i]; q < in_src_first[i + 1]; q++) {
				const cx_graph_edge_t *e = &edges[edge_of[q]];
				if (e->dst_port != p)
					continue;
				const cx_graph_node_t *src = &nodes[e->src];
				int delayed = src->shard != nodes[i].shard || pos[e->src] >= k;
				plan->inputs[ninputs++] =
				    (cx_plan_input_t){(uint16_t)p, (uint16_t)delayed, e->src,
				                      src->out_off + (uint64_t)e->src_port * 2u *
				                                         stride * sizeof(float)};
			}
		}
		st->input_count = ninputs - st->input_first;
	}
	plan->step_count = nsteps;
	plan->input_count = ninputs;
	return 0;
}
