/*
 * edit.c — the control side's model of the patch, and how edits reach the realtime side.
 *
 * Instances live in fixed slots (the same index in the model and in shared memory). An edit
 * changes the model and marks it dirty; cx_engine_commit builds the inactive plan copy and
 * sends it to the callback, which switches at a period boundary. A freed slot and its arena
 * blocks are reused only once a plan without it is in force. Events for an instance no plan
 * has been sent for yet are written straight into its slot, which nothing else reads yet.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine_impl.h"
#include "loader.h"
#include "suggest.h"

static cx_type_t *type_of(cx_engine_t *e, uint32_t slot)
{
	return cx_shm_type(e->shm, e->nodes[slot].type);
}

static int find_instance(cx_engine_t *e, const char *name)
{
	for (uint32_t i = 0; i < e->node_count; i++)
		if (e->nodes[i].used && !e->nodes[i].replica && strcmp(e->im[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void list_instances(cx_engine_t *e, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (uint32_t i = 0; i < e->node_count && n + 40 < len; i++)
		if (e->nodes[i].used && !e->nodes[i].replica)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
			                      e->im[i].name);
	if (!n)
		snprintf(buf, len, "none");
}

static void list_ports(const cx_type_port_t *ports, uint32_t count, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (uint32_t i = 0; i < count && n + CX_NAME_MAX + 2 < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", ports[i].name);
	if (!count)
		snprintf(buf, len, "none");
}

static void list_params(const cx_type_t *t, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (uint32_t i = 0; i < t->param_count && n + CX_NAME_MAX + 2 < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", t->params[i].name);
	if (!t->param_count)
		snprintf(buf, len, "none");
}

/* "<prefix>; did you mean 'X'? <label>: a, b, c" */
static void unknown(char *err, size_t errlen, const char *prefix, const char *word,
                    const char *const *names, size_t n, const char *label, const char *list)
{
	snprintf(err, errlen, "%s", prefix);
	const char *s = cx_suggest(word, names, n);
	size_t len = strlen(err);
	if (s && len < errlen)
		len += (size_t)snprintf(err + len, errlen - len, "; did you mean '%s'?", s);
	if (len < errlen)
		snprintf(err + len, errlen - len, "%s %s: %s", s ? "" : ";", label, list);
}

static int no_such_instance(cx_engine_t *e, const char *name, char *err, size_t errlen)
{
	char names[512], prefix[128];
	static const char *cands[CX_INSTANCES_MAX];
	size_t n = 0;
	for (uint32_t i = 0; i < e->node_count; i++)
		if (e->nodes[i].used && !e->nodes[i].replica)
			cands[n++] = e->im[i].name;
	list_instances(e, names, sizeof names);
	snprintf(prefix, sizeof prefix, "no instance named '%s'", name);
	unknown(err, errlen, prefix, name, cands, n, "instances", names);
	return -1;
}

/* Takes the lock and finds the instance called name. On failure it unlocks, fills err and
 * returns -1: the caller returns at once. */
static int lock_instance(cx_engine_t *e, const char *name, char *err, size_t errlen)
{
	pthread_mutex_lock(&e->lock);
	int i = find_instance(e, name ? name : "");
	if (i < 0) {
		no_such_instance(e, name ? name : "", err, errlen);
		pthread_mutex_unlock(&e->lock);
	}
	return i;
}

static void unknown_param(const cx_type_t *t, const char *word, const char *prefix, char *err,
                          size_t errlen)
{
	const char *cands[CX_PARAMS_MAX];
	for (uint32_t i = 0; i < t->param_count; i++)
		cands[i] = t->params[i].name;
	char names[512];
	list_params(t, names, sizeof names);
	unknown(err, errlen, prefix, word, cands, t->param_count, "parameters", names);
}

static int find_param(const cx_type_t *t, const char *name)
{
	for (uint32_t i = 0; i < t->param_count; i++)
		if (strcmp(t->params[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Checks value against parameter p: finite, in range; rounds whole-number parameters. */
static int check_value(const cx_type_t *t, const cx_type_param_t *p, const char *inst, float *value,
                       char *err, size_t errlen)
{
	float v = *value;
	if (!isfinite(v)) {
		snprintf(err, errlen, "%s.%s needs a finite number, got %g", inst, p->name,
		         (double)v);
		return -1;
	}
	if (p->flags & (CX_PARAM_INTEGER | CX_PARAM_ENUM))
		v = roundf(v);
	if (v < p->min || v > p->max) {
		snprintf(err, errlen, "%s.%s = %g is out of range: %s takes %g to %g%s%s", inst,
		         p->name, (double)*value, t->name, (double)p->min, (double)p->max,
		         p->unit[0] ? " " : "", p->unit);
		return -1;
	}
	*value = v;
	return 0;
}

static int name_ok(const char *s)
{
	if (!s || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	size_t n = 0;
	for (; s[n]; n++)
		if (!(isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '-') ||
		    n + 1 >= CX_INSTANCE_NAME_MAX)
			return 0;
	return 1;
}

/* A slot no model entry uses and no plan in force still references. */
static int alloc_slot(cx_engine_t *e)
{
	uint64_t applied = atomic_load(&e->shm->plan_applied_seq);
	for (uint32_t i = 0; i < CX_INSTANCES_MAX; i++) {
		if (e->nodes[i].used)
			continue;
		if (e->im[i].zombie) {
			if (e->im[i].freed_at_seq > applied)
				continue;
			cx_arena_free(&e->arena, e->im[i].state_off, e->im[i].state_bytes);
			cx_arena_free(&e->arena, e->im[i].out_off, e->im[i].out_bytes);
			if (e->im[i].data_bytes)
				cx_arena_free(&e->arena, cx_shm_instance(e->shm, i)->data_off,
				              e->im[i].data_bytes);
			memset(&e->im[i], 0, sizeof e->im[i]);
		}
		if (i >= e->node_count)
			e->node_count = i + 1u;
		return (int)i;
	}
	return -1;
}

/* Sets up slot i as a fresh instance of type t with the given parameter values. */
static int init_slot(cx_engine_t *e, uint32_t i, uint32_t t, const char *name, const float *values,
                     char *err, size_t errlen)
{
	cx_type_t *ty = cx_shm_type(e->shm, t);
	cx_inst_model_t *m = &e->im[i];
	m->state_bytes = ty->state_size;
	m->out_bytes = (uint64_t)ty->out_count * 2u * e->stride * sizeof(float);
	m->state_off = cx_arena_alloc(&e->arena, m->state_bytes);
	m->out_off = m->out_bytes ? cx_arena_alloc(&e->arena, m->out_bytes) : 0;
	if (!m->state_off || (m->out_bytes && !m->out_off)) {
		cx_arena_free(&e->arena, m->state_off, m->state_bytes);
		cx_arena_free(&e->arena, m->out_off, m->out_bytes);
		snprintf(err, errlen,
		         "out of engine memory for another %s (start with a larger "
		         "--memory)",
		         ty->name);
		return -1;
	}
	memset(cx_shm_at(e->shm, m->out_off), 0, m->out_bytes);
	snprintf(m->name, sizeof m->name, "%s", name);
	m->pushed = 0;
	m->zombie = 0;
	cx_instance_t *inst = cx_shm_instance(e->shm, i);
	inst->type = t;
	inst->generation++;
	inst->state_size = ty->state_size;
	inst->state_off = m->state_off;
	snprintf(inst->name, sizeof inst->name, "%s", name);
	for (uint32_t p = 0; p < ty->param_count; p++)
		inst->param_target[p] = m->params[p] = values[p];
	for (uint32_t p = 0; p < ty->in_count; p++)
		m->inputs[p] = ty->ins[p].def;
	for (uint32_t p = 0; p < ty->in_count; p++)
		inst->in_target[p] = inst->in_level[p] = ty->ins[p].def;
	inst->events[0].period = inst->events[1].period = UINT64_MAX;
	atomic_store(&inst->last_period, -1);
	inst->data_off = 0;
	inst->data_frames = inst->data_channels = 0;
	atomic_store(&inst->data_gen, 0);
	atomic_store(&inst->data_done, 0);
	m->data_bytes = 0;
	atomic_store(&inst->rendered[0], -1);
	atomic_store(&inst->rendered[1], -1);
	atomic_store(&inst->flags, CX_INST_NEEDS_INIT);
	cx_graph_node_t *nd = &e->nodes[i];
	memset(nd, 0, sizeof *nd);
	nd->used = 1;
	nd->sink = (ty->flags & CX_MODULE_SINK) != 0;
	nd->shard = CX_SHARD_NONE;
	nd->owner = i;
	nd->type = t;
	nd->in_count = ty->in_count;
	nd->out_count = ty->out_count;
	nd->out_off = m->out_off;
	return 0;
}

static void release_slot(cx_engine_t *e, uint32_t i)
{
	e->nodes[i].used = 0;
	e->im[i].zombie = 1;
	e->im[i].freed_at_seq = e->plan_seq + 1u; /* the next plan no longer has it */
	cx_shm_instance(e->shm, i)->generation++;
}

static void default_name(cx_engine_t *e, const char *type, char *out, size_t len)
{
	snprintf(out, len, "%s", type);
	for (unsigned k = 2; find_instance(e, out) >= 0 && k < 100000; k++)
		snprintf(out, len, "%s%u", type, k);
}

int cx_engine_create(cx_engine_t *e, const char *type, const char *name,
                     const char *const *param_names, const float *values, uint32_t count,
                     char *created, size_t created_len, char *err, size_t errlen)
{
	pthread_mutex_lock(&e->lock);
	int rc = -1;
	int t = cx_type_find(cx_shm_type(e->shm, 0), e->shm->type_count, type ? type : "");
	if (t < 0) {
		char names[1024], prefix[96];
		const char *cands[CX_TYPES_MAX];
		for (uint32_t k = 0; k < e->shm->type_count; k++)
			cands[k] = cx_shm_type(e->shm, k)->name;
		cx_engine_types(e, names, sizeof names);
		snprintf(prefix, sizeof prefix, "unknown module type '%s'", type ? type : "");
		unknown(err, errlen, prefix, type ? type : "", cands, e->shm->type_count, "types",
		        names);
		goto out;
	}
	cx_type_t *ty = cx_shm_type(e->shm, (uint32_t)t);
	if (ty->status != CX_TYPE_OK) {
		snprintf(err, errlen, "module type '%s' failed to load: %s", type, ty->error);
		goto out;
	}
	char nm[CX_INSTANCE_NAME_MAX];
	if (!name || !name[0]) {
		default_name(e, type, nm, sizeof nm);
	} else if (!name_ok(name)) {
		snprintf(err, errlen,
		         "bad instance name '%s': use a letter, then letters, digits, "
		         "'_' or '-' (at most %u)",
		         name, CX_INSTANCE_NAME_MAX - 1u);
		goto out;
	} else if (find_instance(e, name) >= 0) {
		snprintf(err, errlen,
		         "an instance named '%s' already exists; free it or pick "
		         "another name",
		         name);
		goto out;
	} else {
		snprintf(nm, sizeof nm, "%s", name);
	}
	float v[CX_PARAMS_MAX];
	for (uint32_t p = 0; p < ty->param_count; p++)
		v[p] = ty->params[p].def;
	for (uint32_t k = 0; k < count; k++) {
		int p = find_param(ty, param_names[k]);
		if (p < 0) {
			char prefix[128];
			snprintf(prefix, sizeof prefix, "unknown parameter '%s' on %s",
			         param_names[k], type);
			unknown_param(ty, param_names[k], prefix, err, errlen);
			goto out;
		}
		float val = values[k];
		if (check_value(ty, &ty->params[p], nm, &val, err, errlen))
			goto out;
		v[p] = val;
	}
	uint32_t copies = (ty->flags & CX_MODULE_SINK) ? e->workers : 1u;
	int slots[CX_WORKERS_MAX];
	for (uint32_t c = 0; c < copies; c++) {
		slots[c] = alloc_slot(e);
		if (slots[c] < 0 ||
		    init_slot(e, (uint32_t)slots[c], (uint32_t)t, c ? "" : nm, v, err, errlen)) {
			if (slots[c] < 0)
				snprintf(err, errlen, "the engine holds at most %u instances",
				         CX_INSTANCES_MAX);
			for (uint32_t u = 0; u < c; u++)
				release_slot(e, (uint32_t)slots[u]);
			goto out;
		}
	}
	for (uint32_t c = 0; c < copies; c++) {
		e->nodes[slots[c]].owner = (uint32_t)slots[0];
		e->nodes[slots[c]].replica = c > 0;
		e->nodes[slots[0]].replicas[c] = (uint32_t)slots[c];
	}
	if (created)
		snprintf(created, created_len, "%s", nm);
	e->dirty = 1;
	rc = 0;
out:
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int cx_engine_free(cx_engine_t *e, const char *name, char *err, size_t errlen)
{
	int i = lock_instance(e, name, err, errlen);
	if (i < 0)
		return -1;
	for (uint32_t k = 0; k < e->edge_count;) {
		if (e->edges[k].src == (uint32_t)i || e->edges[k].dst == (uint32_t)i)
			e->edges[k] = e->edges[--e->edge_count];
		else
			k++;
	}
	uint32_t copies = e->nodes[i].sink ? e->workers : 1u;
	for (uint32_t c = copies; c-- > 0;) /* replicas[0] is the instance itself */
		release_slot(e, e->nodes[i].replicas[c]);
	e->dirty = 1;
	pthread_mutex_unlock(&e->lock);
	return 0;
}

/* Resolves "inst" or "inst.port" to a slot and port; output side when is_src. */
static int resolve_port(cx_engine_t *e, const char *spec, int is_src, uint32_t *slot,
                        uint16_t *port, char *err, size_t errlen)
{
	char buf[CX_INSTANCE_NAME_MAX + CX_NAME_MAX + 2];
	if (!spec || strlen(spec) >= sizeof buf) {
		snprintf(err, errlen, "bad port '%s': write instance or instance.port",
		         spec ? spec : "");
		return -1;
	}
	snprintf(buf, sizeof buf, "%s", spec);
	char *dot = strchr(buf, '.');
	if (dot)
		*dot++ = 0;
	int i = find_instance(e, buf);
	if (i < 0)
		return no_such_instance(e, buf, err, errlen);
	const cx_type_t *ty = type_of(e, (uint32_t)i);
	const cx_type_port_t *ports = is_src ? ty->outs : ty->ins;
	uint32_t n = is_src ? ty->out_count : ty->in_count;
	const char *side = is_src ? "output" : "input";
	if (is_src && e->nodes[i].sink) {
		snprintf(err, errlen,
		         "%s is an output sink: its outputs go to the audio outputs "
		         "and cannot be patched",
		         buf);
		return -1;
	}
	if (n == 0) {
		snprintf(err, errlen, "%s '%s' has no %ss", ty->name, buf, side);
		return -1;
	}
	uint32_t p = 0;
	if (dot) {
		for (p = 0; p < n && strcmp(ports[p].name, dot) != 0; p++)
			;
		if (p == n) {
			char names[512], prefix[160], label[16];
			const char *cands[CX_PORTS_MAX];
			for (uint32_t k = 0; k < n; k++)
				cands[k] = ports[k].name;
			list_ports(ports, n, names, sizeof names);
			snprintf(prefix, sizeof prefix, "%s '%s' has no %s '%s'", ty->name, buf,
			         side, dot);
			snprintf(label, sizeof label, "%ss", side);
			unknown(err, errlen, prefix, dot, cands, n, label, names);
			return -1;
		}
	}
	*slot = (uint32_t)i;
	*port = (uint16_t)p;
	return 0;
}

static int find_edge(cx_engine_t *e, uint32_t s, uint16_t sp, uint32_t d, uint16_t dp)
{
	for (uint32_t k = 0; k < e->edge_count; k++)
		if (e->edges[k].src == s && e->edges[k].dst == d && e->edges[k].src_port == sp &&
		    e->edges[k].dst_port == dp)
			return (int)k;
	return -1;
}

int cx_engine_patch(cx_engine_t *e, const char *src, const char *dst, char *err, size_t errlen)
{
	pthread_mutex_lock(&e->lock);
	int rc = -1;
	uint32_t s, d;
	uint16_t sp, dp;
	if (resolve_port(e, src, 1, &s, &sp, err, errlen) ||
	    resolve_port(e, dst, 0, &d, &dp, err, errlen))
		goto out;
	if (find_edge(e, s, sp, d, dp) >= 0) {
		snprintf(err, errlen, "%s is already patched to %s", src, dst);
		goto out;
	}
	if (e->edge_count >= CX_CONNECTIONS_MAX) {
		snprintf(err, errlen, "the engine holds at most %u cables", CX_CONNECTIONS_MAX);
		goto out;
	}
	e->edges[e->edge_count++] = (cx_graph_edge_t){s, d, sp, dp};
	e->dirty = 1;
	rc = 0;
out:
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int cx_engine_unpatch(cx_engine_t *e, const char *src, const char *dst, char *err, size_t errlen)
{
	pthread_mutex_lock(&e->lock);
	int rc = -1;
	uint32_t s, d;
	uint16_t sp, dp;
	if (resolve_port(e, src, 1, &s, &sp, err, errlen) ||
	    resolve_port(e, dst, 0, &d, &dp, err, errlen))
		goto out;
	int k = find_edge(e, s, sp, d, dp);
	if (k < 0) {
		snprintf(err, errlen, "%s is not patched to %s", src, dst);
		goto out;
	}
	e->edges[k] = e->edges[--e->edge_count];
	e->dirty = 1;
	rc = 0;
out:
	pthread_mutex_unlock(&e->lock);
	return rc;
}

/* Sends one event to slot i (and a sink's replicas), or writes it straight into a slot no
 * plan has been sent for. */
static int send_event(cx_engine_t *e, uint32_t i, uint16_t kind, uint16_t index, float value,
                      uint64_t frame, char *err, size_t errlen)
{
	uint32_t copies = e->nodes[i].sink ? e->workers : 1u;
	if (cx_ring_count(&e->ring) + copies > CX_MSG_RING) {
		snprintf(err, errlen, "engine busy: %u events queued; try again", CX_MSG_RING);
		return -1;
	}
	/* Future events wait in the callback's schedule; keep room for what the ring holds. */
	uint64_t soon = atomic_load(&e->shm->frame_time) + 4u * CX_FRAMES_MAX;
	if (frame > soon && atomic_load(&e->shm->scheduled) + cx_ring_count(&e->ring) + copies >
	                        CX_HEAP_MAX - CX_MSG_RING / 2u) {
		snprintf(err, errlen,
		         "the engine's schedule is full (%u events wait for later); "
		         "send this when some have played",
		         atomic_load(&e->shm->scheduled));
		return -1;
	}
	for (uint32_t c = 0; c < copies; c++) {
		uint32_t slot = e->nodes[i].sink ? e->nodes[i].replicas[c] : i;
		cx_instance_t *inst = cx_shm_instance(e->shm, slot);
		if (!e->im[slot].pushed && kind != CX_SEV_TRIG) {
			if (kind == CX_SEV_PARAM)
				inst->param_target[index] = value;
			else
				inst->in_target[index] = inst->in_level[index] = value;
			continue;
		}
		cx_msg_t m = {.kind = CX_MSG_EVENT,
		              .ev_kind = kind,
		              .index = index,
		              .inst = slot,
		              .generation = inst->generation,
		              .value = value,
		              .frame = frame,
		              .order = ++e->msg_order};
		cx_ring_push(&e->ring, &m);
	}
	return 0;
}

int cx_engine_set(cx_engine_t *e, const char *inst, const char *param, float value, uint64_t frame,
                  char *err, size_t errlen)
{
	int rc = -1;
	int i = lock_instance(e, inst, err, errlen);
	if (i < 0)
		return -1;
	const cx_type_t *ty = type_of(e, (uint32_t)i);
	int p = find_param(ty, param ? param : "");
	if (p < 0) {
		char prefix[160];
		snprintf(prefix, sizeof prefix, "unknown parameter '%s' on %s '%s'",
		         param ? param : "", ty->name, inst);
		unknown_param(ty, param ? param : "", prefix, err, errlen);
		goto out;
	}
	if (check_value(ty, &ty->params[p], inst, &value, err, errlen))
		goto out;
	if (frame == CX_FRAME_CHECK) {
		rc = 0;
		goto out;
	}
	rc = send_event(e, (uint32_t)i, CX_SEV_PARAM, (uint16_t)p, value, frame, err, errlen);
	if (rc == 0)
		e->im[i].params[p] = value;
out:
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int cx_engine_transport(cx_engine_t *e, int op, double value, uint64_t frame, char *err,
                        size_t errlen)
{
	if (op == CX_TRANSPORT_TEMPO && !(value >= 20.0 && value <= 999.0)) {
		snprintf(err, errlen, "tempo takes 20 to 999 beats per minute, not %g", value);
		return -1;
	}
	pthread_mutex_lock(&e->lock);
	int rc = 0;
	cx_msg_t m = {.kind = CX_MSG_TRANSPORT,
	              .index = (uint16_t)op,
	              .value = (float)value,
	              .frame = frame,
	              .order = ++e->msg_order};
	if (!cx_ring_push(&e->ring, &m)) {
		snprintf(err, errlen, "engine busy: %u events queued; try again", CX_MSG_RING);
		rc = -1;
	}
	pthread_mutex_unlock(&e->lock);
	return rc;
}

static int gate_or_trig(cx_engine_t *e, const char *inst, const char *port, uint16_t kind,
                        float value, uint64_t frame, char *err, size_t errlen)
{
	int rc = -1;
	int i = lock_instance(e, inst, err, errlen);
	if (i < 0)
		return -1;
	const cx_type_t *ty = type_of(e, (uint32_t)i);
	uint32_t p = 0;
	for (; p < ty->in_count; p++)
		if (port ? strcmp(ty->ins[p].name, port) == 0 : ty->ins[p].kind == CX_PORT_GATE)
			break;
	if (p == ty->in_count) {
		char names[512];
		list_ports(ty->ins, ty->in_count, names, sizeof names);
		if (port)
			snprintf(err, errlen, "%s '%s' has no input '%s'; inputs: %s", ty->name,
			         inst, port, names);
		else
			snprintf(err, errlen, "%s '%s' has no gate input; inputs: %s", ty->name,
			         inst, names);
		goto out;
	}
	if (!isfinite(value)) {
		snprintf(err, errlen, "%s.%s needs a finite value", inst, ty->ins[p].name);
		goto out;
	}
	rc = send_event(e, (uint32_t)i, kind, (uint16_t)p, value, frame, err, errlen);
	if (rc == 0 && kind == CX_SEV_INPUT)
		e->im[i].inputs[p] = value;
out:
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int cx_engine_gate(cx_engine_t *e, const char *inst, const char *port, float value, uint64_t frame,
                   char *err, size_t errlen)
{
	return gate_or_trig(e, inst, port, CX_SEV_INPUT, value, frame, err, errlen);
}

int cx_engine_trig(cx_engine_t *e, const char *inst, const char *port, uint64_t frame, char *err,
                   size_t errlen)
{
	return gate_or_trig(e, inst, port, CX_SEV_TRIG, 1.0f, frame, err, errlen);
}

/* Arena blocks the plan in force may still use, released once a later plan is. */
static void defer_free(cx_engine_t *e, uint64_t off, uint64_t bytes)
{
	if (!off)
		return;
	if (e->deferred_n == CX_INSTANCES_MAX) /* full: keep the block rather than risk it */
		return;
	e->deferred[e->deferred_n++] = (cx_deferred_t){off, bytes, e->plan_seq + 1u};
}

static void release_deferred(cx_engine_t *e)
{
	uint64_t applied = atomic_load(&e->shm->plan_applied_seq);
	for (uint32_t k = 0; k < e->deferred_n;) {
		if (e->deferred[k].seq <= applied) {
			cx_arena_free(&e->arena, e->deferred[k].off, e->deferred[k].bytes);
			e->deferred[k] = e->deferred[--e->deferred_n];
		} else {
			k++;
		}
	}
}

uint32_t cx_stride_for(uint32_t frames)
{
	uint32_t f = frames < 16u ? 16u : frames;
	return (f + 15u) & ~15u;
}

/* Gives every instance new output buffers for the current period size. */
void cx_relayout_locked(cx_engine_t *e)
{
	uint32_t frames = atomic_load(&e->shm->frames);
	if (frames <= e->frames_cap || frames > CX_FRAMES_MAX)
		return;
	e->frames_cap = frames;
	e->stride = cx_stride_for(frames);
	for (uint32_t i = 0; i < e->node_count; i++) {
		if (!e->nodes[i].used)
			continue;
		cx_inst_model_t *m = &e->im[i];
		uint64_t bytes = (uint64_t)e->nodes[i].out_count * 2u * e->stride * sizeof(float);
		uint64_t off = bytes ? cx_arena_alloc(&e->arena, bytes) : 0;
		if (bytes && !off)
			continue; /* keeps its old buffers; the callback stays muted */
		if (off)
			memset(cx_shm_at(e->shm, off), 0, bytes);
		/* Workers read the old buffers until the new plan is in force. */
		defer_free(e, m->out_off, m->out_bytes);
		m->out_off = off;
		m->out_bytes = bytes;
		e->nodes[i].out_off = off;
	}
	e->dirty = 1;
}

static int wait_applied(cx_engine_t *e, uint64_t seq, int wait_ms)
{
	for (int waited_us = 0; waited_us <= wait_ms * 1000; waited_us += 200) {
		if (atomic_load(&e->shm->plan_applied_seq) >= seq)
			return 0;
		if (wait_ms <= 0)
			return -1;
		struct timespec ts = {0, 200 * 1000};
		nanosleep(&ts, NULL);
	}
	return -1;
}

int cx_commit_locked(cx_engine_t *e, int wait_ms)
{
	release_deferred(e);
	if (!e->dirty)
		return wait_applied(e, e->inflight_seq, wait_ms);
	if (e->inflight_seq && wait_applied(e, e->inflight_seq, wait_ms) != 0)
		return -1; /* the previous plan is still on its way; commit again later */
	uint32_t target = 1u - atomic_load(&e->shm->plan_active);
	cx_plan_t *plan = cx_shm_plan(e->shm, target);
	char err[256];
	if (cx_plan_build(plan, e->nodes, e->node_count, e->edges, e->edge_count, e->workers,
	                  e->stride, e->frames_cap, err, sizeof err) != 0) {
		fprintf(stderr, "chronusd: %s\n", err);
		return -1;
	}
	plan->seq = ++e->plan_seq;
	cx_msg_t m = {.kind = CX_MSG_PLAN, .plan = target, .frame = plan->seq};
	if (!cx_ring_push(&e->ring, &m)) {
		e->plan_seq--;
		return -1;
	}
	for (uint32_t i = 0; i < e->node_count; i++)
		if (e->nodes[i].used)
			e->im[i].pushed = 1;
	e->inflight_seq = plan->seq;
	e->dirty = 0;
	if (e->cfg.offline) {
		/* Offline, nothing renders between periods: the plan is in force at once (the
		 * ring's message switches to the same copy again), so freed memory is reusable at
		 * once. */
		atomic_store(&e->shm->plan_active, target);
		atomic_store(&e->shm->plan_applied_seq, plan->seq);
	}
	return wait_applied(e, plan->seq, wait_ms);
}

int cx_engine_pending(cx_engine_t *e)
{
	pthread_mutex_lock(&e->lock);
	int dirty = e->dirty;
	pthread_mutex_unlock(&e->lock);
	return dirty;
}

int cx_engine_commit(cx_engine_t *e, int wait_ms)
{
	pthread_mutex_lock(&e->lock);
	int rc = cx_commit_locked(e, wait_ms);
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int cx_edit_init(cx_engine_t *e, char *err, size_t errlen)
{
	cx_arena_init(&e->arena, e->shm->arena_off, e->shm->arena_size);
	return cx_ring_init(&e->ring, e->ring_store, CX_MSG_RING, sizeof(cx_msg_t)) == 0
	           ? 0
	           : (snprintf(err, errlen, "internal: bad ring size"), -1);
}

static void fill_info(cx_engine_t *e, uint32_t i, cx_instance_info_t *o)
{
	const cx_plan_t *plan = cx_shm_plan(e->shm, atomic_load(&e->shm->plan_active));
	snprintf(o->name, sizeof o->name, "%s", e->im[i].name);
	o->type = e->nodes[i].type;
	o->worker = plan->shard_of[i] == CX_SHARD_NONE || e->nodes[i].sink ? -1 : plan->shard_of[i];
	memcpy(o->params, e->im[i].params, sizeof o->params);
	memcpy(o->inputs, e->im[i].inputs, sizeof o->inputs);
}

uint32_t cx_engine_instances(cx_engine_t *e, cx_instance_info_t *out, uint32_t max)
{
	pthread_mutex_lock(&e->lock);
	uint32_t n = 0;
	for (uint32_t i = 0; i < e->node_count; i++) {
		if (!e->nodes[i].used || e->nodes[i].replica)
			continue;
		if (n < max)
			fill_info(e, i, &out[n]);
		n++;
	}
	pthread_mutex_unlock(&e->lock);
	return n;
}

int cx_engine_instance(cx_engine_t *e, const char *name, cx_instance_info_t *out, char *err,
                       size_t errlen)
{
	pthread_mutex_lock(&e->lock);
	int i = find_instance(e, name ? name : "");
	if (i < 0)
		no_such_instance(e, name ? name : "", err, errlen);
	else
		fill_info(e, (uint32_t)i, out);
	pthread_mutex_unlock(&e->lock);
	return i < 0 ? -1 : 0;
}

uint32_t cx_engine_cables(cx_engine_t *e, cx_cable_info_t *out, uint32_t max)
{
	pthread_mutex_lock(&e->lock);
	uint32_t n = e->edge_count;
	for (uint32_t k = 0; k < n && k < max; k++) {
		const cx_graph_edge_t *c = &e->edges[k];
		cx_cable_info_t *o = &out[k];
		snprintf(o->src, sizeof o->src, "%s", e->im[c->src].name);
		snprintf(o->dst, sizeof o->dst, "%s", e->im[c->dst].name);
		o->src_type = e->nodes[c->src].type;
		o->dst_type = e->nodes[c->dst].type;
		o->src_port = c->src_port;
		o->dst_port = c->dst_port;
	}
	pthread_mutex_unlock(&e->lock);
	return n;
}

const cx_type_t *cx_engine_type(const cx_engine_t *e, uint32_t index)
{
	return index < e->shm->type_count ? cx_shm_type(e->shm, index) : NULL;
}

uint32_t cx_engine_type_count(const cx_engine_t *e)
{
	return e->shm->type_count;
}

int cx_engine_load_data(cx_engine_t *e, const char *name, const float *frames, uint32_t frame_count,
                        uint32_t channels, float rate, char *err, size_t errlen)
{
	int rc = -1;
	int i = lock_instance(e, name, err, errlen);
	if (i < 0)
		return -1;
	const cx_type_t *ty = type_of(e, (uint32_t)i);
	if (!(ty->flags & CX_TYPE_HAS_LOAD)) {
		snprintf(err, errlen, "%s '%s' takes no sample (a sampler does)", ty->name, name);
		goto out;
	}
	if (!frame_count || !channels || channels > 8 || !(rate >= 1000.0f && rate <= 768000.0f)) {
		snprintf(err, errlen, "a sample needs frames, 1 to 8 channels and a rate");
		goto out;
	}
	cx_instance_t *inst = cx_shm_instance(e->shm, (uint32_t)i);
	uint64_t bytes = (uint64_t)frame_count * channels * sizeof(float);
	uint64_t off = cx_arena_alloc(&e->arena, bytes);
	if (!off) {
		snprintf(err, errlen,
		         "out of engine memory for a %.1f MB sample (start with a larger "
		         "--memory)",
		         (double)bytes / 1e6);
		goto out;
	}
	memcpy(cx_shm_at(e->shm, off), frames, bytes);
	/* The old block is read until the worker has loaded the new one: it is freed with the
	 * instance, or here once loaded (a slot has one block at a time). */
	uint32_t gen = atomic_load(&inst->data_gen);
	if (e->im[i].data_bytes && atomic_load(&inst->data_done) == gen)
		cx_arena_free(&e->arena, inst->data_off, e->im[i].data_bytes);
	else if (e->im[i].data_bytes)
		defer_free(e, inst->data_off, e->im[i].data_bytes);
	inst->data_off = off;
	inst->data_frames = frame_count;
	inst->data_channels = channels;
	inst->data_rate = rate;
	e->im[i].data_bytes = bytes;
	atomic_store_explicit(&inst->data_gen, gen + 1u ? gen + 1u : 1u, memory_order_release);
	atomic_fetch_add(&e->shm->data_pending, 1u);
	rc = 0;
out:
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int cx_engine_data_state(cx_engine_t *e, const char *name, int32_t *kept)
{
	pthread_mutex_lock(&e->lock);
	int i = find_instance(e, name ? name : "");
	int st = -1;
	if (i >= 0) {
		cx_instance_t *inst = cx_shm_instance(e->shm, (uint32_t)i);
		uint32_t gen = atomic_load(&inst->data_gen);
		if (gen && atomic_load_explicit(&inst->data_done, memory_order_acquire) == gen) {
			*kept = atomic_load(&inst->data_result);
			st = *kept >= 0 ? 1 : -1;
		} else {
			st = gen ? 0 : -1;
		}
	}
	pthread_mutex_unlock(&e->lock);
	return st;
}
