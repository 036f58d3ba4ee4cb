/*
 * engine.c — the engine's life cycle (open, start, close), status, and the supervisor thread
 * that reaps, logs and respawns workers.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine_impl.h"
#include "futex.h"
#include "loader.h"
#include "zygote.h"

#define ARENA_DEFAULT   (256ull << 20)
#define SPIN_US_DEFAULT 150 /* docs/ARCHITECTURE.md: what a futex wake costs */

const cx_shm_t *cx_engine_shm(const cx_engine_t *e)
{
	return e->shm;
}

uint32_t cx_engine_worker_count(const cx_engine_t *e)
{
	return e->workers;
}

int cx_engine_open(cx_engine_t **out, const cx_engine_config_t *cfg, char *err, size_t errlen)
{
	cx_engine_t *e = calloc(1, sizeof *e);
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->cfg = *cfg;
	snprintf(e->name, sizeof e->name, "%s", cfg->name && cfg->name[0] ? cfg->name : "chronus");
	e->cfg.name = e->name;
	for (uint32_t d = 0; d < cfg->module_dir_count && d < CX_MODULE_DIRS_MAX; d++) {
		snprintf(e->module_dirs[d], CX_PATH_MAX, "%s", cfg->module_dirs[d]);
		e->cfg.module_dirs[d] = e->module_dirs[d];
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	e->workers = cfg->workers ? cfg->workers : (uint32_t)(cores > 0 ? cores : 1);
	if (cfg->offline && !cfg->workers)
		e->workers = 1; /* offline output must not depend on the machine */
	if (e->workers > CX_WORKERS_MAX) {
		snprintf(err, errlen, "--workers %u is more than the %u the engine supports",
		         e->workers, CX_WORKERS_MAX);
		free(e);
		return -1;
	}
	e->zygote = -1;
	e->zsock = -1;
	e->pending_plan = CX_NO_PLAN;
	e->period = 1;
	e->limiter_gain = 1.0f;
	e->tempo_bpm = 120.0;
	pthread_mutex_init(&e->lock, NULL);
	e->tap = calloc((size_t)CX_TAP_FRAMES * 2u, sizeof(float));
	if (!e->tap) {
		snprintf(err, errlen, "out of memory");
		free(e);
		return -1;
	}
	uint64_t arena = cfg->arena_bytes ? cfg->arena_bytes : ARENA_DEFAULT;
	if (cx_shm_create(&e->shm, e->name, arena, e->workers, err, errlen) != 0) {
		free(e->tap);
		free(e);
		return -1;
	}
	if (cfg->offline) { /* nobody else maps an offline engine's segment: no name to leave */
		char nm[256];
		if (cx_shm_name(nm, sizeof nm, e->name) == 0)
			shm_unlink(nm);
	}
	atomic_store(&e->shm->spin_ns,
	             (uint32_t)(cfg->spin_us < 0 ? SPIN_US_DEFAULT : cfg->spin_us) * 1000u);
	if (cx_edit_init(e, err, errlen) != 0) {
		cx_engine_close(e);
		return -1;
	}
	if (!cfg->offline) {
		e->zygote = cx_zygote_start(e->shm, &e->zsock);
		if (e->zygote < 0) {
			snprintf(err, errlen, "cannot fork the zygote: %s", strerror(errno));
			cx_engine_close(e);
			return -1;
		}
	}
	*out = e;
	return 0;
}

/* Probes every type found in the module folders, in a child each (online) or here. */
static int probe_types(cx_engine_t *e, char *err, size_t errlen)
{
	cx_type_t *table = cx_shm_type(e->shm, 0);
	unsigned n =
	    cx_types_scan(e->cfg.module_dirs, e->cfg.module_dir_count, table, CX_TYPES_MAX);
	e->shm->type_count = n;
	if (n == 0) {
		snprintf(err, errlen, "no module types found in %s%s",
		         e->cfg.module_dir_count ? e->cfg.module_dirs[0] : "(no --modules folder)",
		         e->cfg.module_dir_count > 1 ? " and the other --modules folders" : "");
		return -1;
	}
	for (unsigned t = 0; t < n; t++) {
		if (e->cfg.offline) {
			cx_type_probe(&table[t]);
			continue;
		}
		cx_zmsg_t m;
		if (cx_zygote_send(e->zsock, CX_Z_PROBE, t) != 0) {
			snprintf(err, errlen, "the zygote is gone");
			return -1;
		}
		int r;
		while ((r = cx_zygote_recv(e->zsock, &m, 5000)) == 1 &&
		       !(m.op == CX_Z_PROBED && m.arg == t))
			;
		if (r != 1) {
			snprintf(err, errlen, "probing module type '%s' timed out", table[t].name);
			return -1;
		}
		if (table[t].status != CX_TYPE_OK) {
			table[t].status = CX_TYPE_BROKEN;
			if (!table[t].error[0])
				snprintf(table[t].error, sizeof table[t].error,
				         "crashed while loading (%s %d)",
				         WIFSIGNALED(m.status) ? "signal" : "exit status",
				         WIFSIGNALED(m.status) ? WTERMSIG(m.status)
				                               : WEXITSTATUS(m.status));
		}
	}
	for (unsigned t = 0; t < n; t++)
		if (table[t].status != CX_TYPE_OK)
			fprintf(stderr, "chronusd: module type '%s' not loaded: %s\n",
			        table[t].name, table[t].error);
	atomic_fetch_add(&e->shm->types_gen, 1u);
	return 0;
}

static int spawn_workers(cx_engine_t *e, char *err, size_t errlen)
{
	for (uint32_t k = 0; k < e->workers; k++) {
		atomic_store(&cx_shm_worker(e->shm, k)->state, CX_WORKER_STARTING);
		if (cx_zygote_send(e->zsock, CX_Z_SPAWN, k) != 0) {
			snprintf(err, errlen, "the zygote is gone");
			return -1;
		}
		cx_zmsg_t m;
		if (cx_zygote_recv(e->zsock, &m, 5000) != 1 || m.op != CX_Z_SPAWNED) {
			snprintf(err, errlen, "worker %u did not start", k);
			return -1;
		}
		atomic_store(&cx_shm_worker(e->shm, k)->pid, m.pid);
		e->last_spawn_ns[k] = cx_now_ns();
	}
	for (int ms = 0; ms < 10000; ms += 5) {
		uint32_t ready = 0;
		for (uint32_t k = 0; k < e->workers; k++)
			ready += atomic_load(&cx_shm_worker(e->shm, k)->state) == CX_WORKER_READY;
		if (ready == e->workers)
			return 0;
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	snprintf(err, errlen, "workers did not become ready within 10 s");
	return -1;
}

int cx_engine_start(cx_engine_t *e, uint32_t sample_rate, uint32_t frames, char *err, size_t errlen)
{
	if (frames == 0 || frames > CX_FRAMES_MAX || sample_rate == 0) {
		snprintf(err, errlen, "unsupported format: %u Hz, %u frames (at most %u)",
		         sample_rate, frames, CX_FRAMES_MAX);
		return -1;
	}
	atomic_store(&e->shm->sample_rate, sample_rate);
	atomic_store(&e->shm->frames, frames);
	e->sample_rate = sample_rate;
	e->frames_cap = frames;
	e->stride = cx_stride_for(frames);
	e->last_stride = e->stride;
	e->limiter_release = 1.0f - expf(-1.0f / (0.05f * (float)sample_rate));
	if (probe_types(e, err, errlen) != 0)
		return -1;
	if (e->cfg.offline) {
		e->octx = calloc(e->workers, sizeof *e->octx);
		if (!e->octx) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (uint32_t k = 0; k < e->workers; k++) {
			if (cx_worker_ctx_init(&e->octx[k], e->shm, k) != 0) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			atomic_store(&cx_shm_worker(e->shm, k)->state, CX_WORKER_READY);
		}
	} else if (spawn_workers(e, err, errlen) != 0) {
		return -1;
	}
	if (cx_type_find(cx_shm_type(e->shm, 0), e->shm->type_count, "out") >= 0) {
		char made[CX_INSTANCE_NAME_MAX];
		if (cx_engine_create(e, "out", "out", NULL, NULL, 0, made, sizeof made, err,
		                     errlen) != 0)
			return -1;
	}
	/* The first plan goes in before any period runs: no waiting needed. */
	pthread_mutex_lock(&e->lock);
	cx_commit_locked(e, 0);
	cx_msg_t m;
	while (cx_ring_pop(&e->ring, &m))
		if (m.kind == CX_MSG_PLAN) {
			atomic_store(&e->shm->plan_active, m.plan);
			atomic_store(&e->shm->plan_applied_seq, m.frame);
		}
	pthread_mutex_unlock(&e->lock);
	return 0;
}

void cx_engine_close(cx_engine_t *e)
{
	if (!e)
		return;
	if (e->sup_running) {
		e->sup_running = 0;
		pthread_join(e->sup, NULL);
	}
	if (e->shm) {
		atomic_store(&e->shm->quit, 1);
		cx_futex_wake_all(&e->shm->go);
	}
	if (e->zsock >= 0) {
		cx_zygote_send(e->zsock, CX_Z_QUIT, 0);
		close(e->zsock);
	}
	if (e->zygote > 0)
		waitpid(e->zygote, NULL, 0);
	if (e->octx) {
		for (uint32_t k = 0; k < e->workers; k++)
			cx_worker_ctx_fini(&e->octx[k]);
		free(e->octx);
	}
	cx_shm_destroy(e->shm, e->name, 1);
	pthread_mutex_destroy(&e->lock);
	free(e->tap);
	free(e);
}

void cx_engine_status(cx_engine_t *e, cx_status_t *st)
{
	memset(st, 0, sizeof *st);
	const cx_shm_t *s = e->shm;
	st->sample_rate = atomic_load(&s->sample_rate);
	st->frames = atomic_load(&s->frames);
	st->workers = e->workers;
	pthread_mutex_lock(&e->lock);
	for (uint32_t i = 0; i < e->node_count; i++)
		st->instances += e->nodes[i].used && !e->nodes[i].replica;
	st->cables = e->edge_count;
	pthread_mutex_unlock(&e->lock);
	st->types = s->type_count;
	st->periods = atomic_load(&s->periods);
	st->frame_time = atomic_load(&s->frame_time);
	st->misses = atomic_load(&s->misses);
	st->xruns = atomic_load(&s->xruns);
	st->events_late = atomic_load(&s->events_late);
	st->events_dropped = atomic_load(&s->events_dropped);
	st->muted_periods = atomic_load(&s->muted_periods);
	for (uint32_t k = 0; k < e->workers; k++) {
		cx_worker_t *w = cx_shm_worker(s, k);
		st->workers_ready += atomic_load(&w->state) == CX_WORKER_READY;
		st->deaths += atomic_load(&w->deaths);
		st->respawns += atomic_load(&w->respawns);
		if (w->last_death[0])
			snprintf(st->last_death, sizeof st->last_death, "%s", w->last_death);
	}
	st->callback_p50_ns = cx_hist_quantile(&s->callback_ns, 0.5);
	st->callback_p99_ns = cx_hist_quantile(&s->callback_ns, 0.99);
	st->callback_max_ns = atomic_load(&s->callback_ns.max);
	const cx_period_info_t *pi = &s->period_info[atomic_load(&s->periods) & 1u];
	st->tempo_bpm = pi->tempo_bpm ? pi->tempo_bpm : 120.0;
	st->beat = pi->beat;
	st->playing = (int)pi->playing;
}

void cx_engine_list(cx_engine_t *e, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	pthread_mutex_lock(&e->lock);
	const cx_plan_t *plan = cx_shm_plan(e->shm, atomic_load(&e->shm->plan_active));
	for (uint32_t i = 0; i < e->node_count && n + 80 < len; i++) {
		if (!e->nodes[i].used || e->nodes[i].replica)
			continue;
		uint8_t shard = plan->shard_of[i];
		n += (size_t)snprintf(buf + n, len - n, "%s%s %s", n ? "; " : "", e->im[i].name,
		                      cx_shm_type(e->shm, e->nodes[i].type)->name);
		if (shard != CX_SHARD_NONE && !e->nodes[i].sink)
			n += (size_t)snprintf(buf + n, len - n, " worker=%u", shard);
	}
	for (uint32_t k = 0; k < e->edge_count && n + 80 < len; k++) {
		const cx_graph_edge_t *c = &e->edges[k];
		const cx_type_t *ts = cx_shm_type(e->shm, e->nodes[c->src].type);
		const cx_type_t *td = cx_shm_type(e->shm, e->nodes[c->dst].type);
		n += (size_t)snprintf(buf + n, len - n, "%s%s.%s > %s.%s", n ? "; " : "",
		                      e->im[c->src].name, ts->outs[c->src_port].name,
		                      e->im[c->dst].name, td->ins[c->dst_port].name);
	}
	pthread_mutex_unlock(&e->lock);
}

void cx_engine_types(cx_engine_t *e, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (uint32_t t = 0; t < e->shm->type_count && n + CX_NAME_MAX + 12 < len; t++) {
		const cx_type_t *ty = cx_shm_type(e->shm, t);
		n += (size_t)snprintf(buf + n, len - n, "%s%s%s", n ? ", " : "", ty->name,
		                      ty->status == CX_TYPE_OK ? "" : " (broken)");
	}
	if (!n)
		snprintf(buf, len, "none");
}

void cx_engine_set_format(cx_engine_t *e, uint32_t sample_rate, uint32_t frames)
{
	if (frames)
		atomic_store(&e->shm->frames, frames);
	if (sample_rate && sample_rate != atomic_load(&e->shm->sample_rate)) {
		atomic_store(&e->shm->sample_rate, sample_rate);
		e->limiter_release = 1.0f - expf(-1.0f / (0.05f * (float)sample_rate));
		for (uint32_t i = 0; i < CX_INSTANCES_MAX; i++) /* coefficients depend on it */
			atomic_fetch_or(&cx_shm_instance(e->shm, i)->flags, CX_INST_NEEDS_INIT);
	}
}

void cx_engine_xrun(cx_engine_t *e)
{
	atomic_fetch_add(&e->shm->xruns, 1u);
}

void cx_engine_set_rt_priority(cx_engine_t *e, int prio)
{
	/* Workers run two steps below the JACK thread: the step between is the OSC thread's, so
	 * workers spinning before a period cannot hold a command off until after its drain. */
	atomic_store(&e->shm->rt_prio, prio > 2 ? (uint32_t)(prio - 2) : prio > 1 ? 1u : 0u);
}

/* A worker ended: say why and what it was running, reset that instance, start another. */
static void worker_died(cx_engine_t *e, const cx_zmsg_t *m)
{
	if (m->arg >= e->workers)
		return;
	cx_worker_t *w = cx_shm_worker(e->shm, m->arg);
	atomic_store(&w->state, CX_WORKER_DEAD);
	atomic_store(&w->waiting, 0);
	atomic_fetch_add(&w->deaths, 1u);
	uint32_t crumb = atomic_exchange(&w->breadcrumb, 0);
	char what[96] = "between modules";
	if (crumb && crumb - 1u < CX_INSTANCES_MAX) {
		cx_instance_t *inst = cx_shm_instance(e->shm, crumb - 1u);
		snprintf(what, sizeof what, "while running '%s' (%s)",
		         inst->name[0] ? inst->name : "a sink replica",
		         cx_shm_type(e->shm, inst->type)->name);
		/* Its state may be half-written: it restarts from its parameters. */
		atomic_fetch_or(&inst->flags, CX_INST_NEEDS_INIT);
	}
	char how[48];
	if (WIFSIGNALED(m->status))
		snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(m->status));
	else
		snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(m->status));
	snprintf(w->last_death, sizeof w->last_death, "worker %u (pid %d) %s %s", m->arg,
	         (int)m->pid, how, what);
	fprintf(stderr, "chronusd: %s; respawning it\n", w->last_death);
	uint64_t since = cx_now_ns() - e->last_spawn_ns[m->arg];
	if (since < 100u * 1000u * 1000u) { /* dying at birth: do not spin */
		struct timespec ts = {0, (long)(100u * 1000u * 1000u - since)};
		nanosleep(&ts, NULL);
	}
	atomic_store(&w->state, CX_WORKER_STARTING);
	if (cx_zygote_send(e->zsock, CX_Z_SPAWN, m->arg) == 0)
		e->last_spawn_ns[m->arg] = cx_now_ns();
}

static void *supervise(void *arg)
{
	cx_engine_t *e = arg;
	while (e->sup_running) {
		cx_zmsg_t m;
		int r = cx_zygote_recv(e->zsock, &m, 10);
		pthread_mutex_lock(&e->lock);
		if (r == 1 && m.op == CX_Z_DIED) {
			worker_died(e, &m);
		} else if (r == 1 && m.op == CX_Z_SPAWNED && m.arg < e->workers) {
			cx_worker_t *w = cx_shm_worker(e->shm, m.arg);
			atomic_store(&w->pid, m.pid);
			atomic_fetch_add(&w->respawns, 1u);
		} else if (r < 0) {
			fprintf(stderr, "chronusd: the zygote is gone; workers that die now stay "
			                "dead\n");
			e->sup_running = 0;
		}
		cx_relayout_locked(e);
		if (e->dirty)
			cx_commit_locked(e, 0);
		pthread_mutex_unlock(&e->lock);
	}
	return NULL;
}

int cx_engine_supervise(cx_engine_t *e)
{
	if (e->cfg.offline || e->zsock < 0)
		return 0;
	e->sup_running = 1;
	if (pthread_create(&e->sup, NULL, supervise, e) != 0) {
		e->sup_running = 0;
		return -1;
	}
	return 0;
}

int cx_engine_tap_start(cx_engine_t *e, uint64_t frames)
{
	if (atomic_load(&e->tap_left) || !frames)
		return -1;
	atomic_store(&e->tap_overruns, 0);
	atomic_store(&e->tap_r, atomic_load(&e->tap_w));
	atomic_store_explicit(&e->tap_left, frames, memory_order_release);
	return 0;
}

void cx_engine_tap_stop(cx_engine_t *e)
{
	atomic_store(&e->tap_left, 0);
}

uint32_t cx_engine_tap_read(cx_engine_t *e, float *buf, uint32_t max_frames, uint64_t *left,
                            uint64_t *overruns)
{
	uint64_t r = atomic_load_explicit(&e->tap_r, memory_order_relaxed);
	uint64_t w = atomic_load_explicit(&e->tap_w, memory_order_acquire);
	uint32_t n = w - r < max_frames ? (uint32_t)(w - r) : max_frames;
	for (uint32_t i = 0; i < n; i++) {
		size_t at = (size_t)((r + i) & (CX_TAP_FRAMES - 1u)) * 2u;
		buf[2u * i] = e->tap[at];
		buf[2u * i + 1u] = e->tap[at + 1];
	}
	atomic_store_explicit(&e->tap_r, r + n, memory_order_release);
	if (left)
		*left = atomic_load_explicit(&e->tap_left, memory_order_acquire);
	if (overruns)
		*overruns = atomic_load(&e->tap_overruns);
	return n;
}

uint64_t cx_engine_now(const cx_engine_t *e)
{
	return atomic_load(&e->shm->frame_time) + atomic_load(&e->shm->frames);
}

void cx_engine_clock(const cx_engine_t *e, uint64_t *frame, uint64_t *mono_ns,
                     uint32_t *sample_rate)
{
	const cx_shm_t *s = e->shm;
	for (int tries = 0; tries < 4; tries++) { /* the slot may be rewritten as we read */
		uint64_t n = atomic_load(&s->periods);
		const cx_period_info_t *pi = &s->period_info[n & 1u];
		*frame = pi->frame_time;
		*mono_ns = pi->publish_ns;
		if (atomic_load(&pi->period) == n)
			break;
	}
	*sample_rate = atomic_load(&s->sample_rate);
}
