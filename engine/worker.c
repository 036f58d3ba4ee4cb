/* worker.c — see worker.h. */
#include "worker.h"

#include <dlfcn.h>
#include <stddef.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

#include "futex.h"
#include "loader.h"

int cx_worker_ctx_init(cx_worker_ctx_t *w, cx_shm_t *shm, uint32_t index)
{
	memset(w, 0, sizeof *w);
	w->shm = shm;
	w->index = index;
	w->scratch = aligned_alloc(64, sizeof(float) * CX_PORTS_MAX * CX_FRAMES_MAX);
	w->zeros = aligned_alloc(64, sizeof(float) * CX_FRAMES_MAX);
	if (!w->scratch || !w->zeros)
		return -1;
	memset(w->scratch, 0, sizeof(float) * CX_PORTS_MAX * CX_FRAMES_MAX);
	memset(w->zeros, 0, sizeof(float) * CX_FRAMES_MAX);
	cx_worker_load_types(w);
	return 0;
}

void cx_worker_ctx_fini(cx_worker_ctx_t *w)
{
	free(w->scratch);
	free(w->zeros);
	w->scratch = w->zeros = NULL;
}

void cx_worker_load_types(cx_worker_ctx_t *w)
{
	uint32_t gen = atomic_load_explicit(&w->shm->types_gen, memory_order_acquire);
	uint32_t count = w->shm->type_count;
	for (uint32_t t = 0; t < count && t < CX_TYPES_MAX; t++) {
		cx_type_t *ty = cx_shm_type(w->shm, t);
		if (w->desc[t] || ty->status != CX_TYPE_OK)
			continue;
		char err[256];
		if (cx_module_open(ty->path, &w->handle[t], &w->desc[t], err, sizeof err) != 0) {
			w->desc[t] = NULL;
			fprintf(stderr, "chronusd: worker %u: %s\n", w->index, err);
		}
	}
	w->types_gen_loaded = gen;
}

/* Fills buf with an unpatched input's level, stepping at its gate and trigger events. */
static const float *input_level(cx_worker_ctx_t *w, cx_instance_t *inst, uint32_t port,
                                const cx_shm_events_t *el, uint32_t frames, float sr, int gap)
{
	float level = gap ? inst->in_target[port] : inst->in_level[port];
	int has_events = 0;
	if (el)
		for (uint32_t e = 0; e < el->count; e++)
			if (el->ev[e].kind != CX_SEV_PARAM && el->ev[e].index == port)
				has_events = 1;
	if (!has_events) {
		inst->in_level[port] = level;
		if (level == 0.0f)
			return w->zeros;
		float *buf = w->scratch + (size_t)port * CX_FRAMES_MAX;
		for (uint32_t i = 0; i < frames; i++)
			buf[i] = level;
		return buf;
	}
	float *buf = w->scratch + (size_t)port * CX_FRAMES_MAX;
	uint32_t trig_frames = (uint32_t)(sr * 0.001f) + 1u;
	uint32_t at = 0;
	for (uint32_t e = 0; e <= el->count; e++) {
		uint32_t until = frames;
		const cx_shm_event_t *ev = NULL;
		if (e < el->count) {
			ev = &el->ev[e];
			if (ev->kind == CX_SEV_PARAM || ev->index != port)
				continue;
			until = ev->frame < frames ? ev->frame : frames;
		}
		for (; at < until; at++)
			buf[at] = level;
		if (!ev)
			break;
		if (ev->kind == CX_SEV_INPUT) {
			level = ev->value;
		} else { /* trigger: high for 1 ms within this block, then the level again */
			uint32_t end = at + trig_frames < frames ? at + trig_frames : frames;
			for (; at < end; at++)
				buf[at] = 1.0f;
		}
	}
	inst->in_level[port] = level;
	return buf;
}

/* Points in[] at each input's signal for this step. */
static void gather_inputs(cx_worker_ctx_t *w, const cx_plan_t *plan, const cx_plan_step_t *st,
                          const cx_type_t *ty, cx_instance_t *inst, const cx_shm_events_t *el,
                          uint64_t n, uint32_t frames, float sr, int gap, const float **in)
{
	char *arena = (char *)w->shm;
	const cx_plan_input_t *c = &plan->inputs[st->input_first];
	const cx_plan_input_t *c_end = c + st->input_count;
	uint32_t stride = plan->stride;
	for (uint32_t p = 0; p < ty->in_count; p++) {
		const cx_plan_input_t *first = c;
		while (c < c_end && c->port == p)
			c++;
		uint32_t ncables = (uint32_t)(c - first);
		if (ncables == 0) {
			in[p] = input_level(w, inst, p, el, frames, sr, gap);
			continue;
		}
		if (ncables == 1) {
			uint64_t parity = (n - first->delayed) & 1u;
			in[p] = (const float *)(arena + first->src_off) + parity * stride;
			continue;
		}
		float *sum = w->scratch + (size_t)p * CX_FRAMES_MAX;
		for (const cx_plan_input_t *k = first; k < c; k++) {
			uint64_t parity = (n - k->delayed) & 1u;
			const float *s = (const float *)(arena + k->src_off) + parity * stride;
			if (k == first)
				memcpy(sum, s, sizeof(float) * frames);
			else
				for (uint32_t i = 0; i < frames; i++)
					sum[i] += s[i];
		}
		in[p] = sum;
	}
}

/* The module's events for this period: all parameters after a gap, then the period's list. */
static uint32_t gather_events(cx_worker_ctx_t *w, const cx_type_t *ty, const cx_instance_t *inst,
                              const cx_shm_events_t *el, int gap)
{
	uint32_t ne = 0;
	if (gap)
		for (uint32_t i = 0; i < ty->param_count; i++)
			w->events[ne++] =
			    (cx_event_t){0, CX_EVENT_PARAM, (uint16_t)i, inst->param_target[i]};
	if (el)
		for (uint32_t e = 0; e < el->count; e++)
			if (el->ev[e].kind == CX_SEV_PARAM)
				w->events[ne++] = (cx_event_t){el->ev[e].frame, CX_EVENT_PARAM,
				                               el->ev[e].index, el->ev[e].value};
	return ne;
}

void cx_worker_render(cx_worker_ctx_t *w, uint64_t n)
{
	cx_shm_t *shm = w->shm;
	const cx_period_info_t *pi = &shm->period_info[n & 1u];
	const cx_plan_t *plan = cx_shm_plan(shm, pi->plan);
	if (w->index >= plan->shard_count)
		return;
	uint32_t frames = pi->frames;
	float sr = (float)atomic_load_explicit(&shm->sample_rate, memory_order_relaxed);
	uint32_t parity = (uint32_t)(n & 1u);
	cx_worker_t *me = cx_shm_worker(shm, w->index);
	const float *in[CX_PORTS_MAX];
	float *out[CX_PORTS_MAX];
	cx_process_t ctx = {
	    .frames = frames,
	    .sample_rate = sr,
	    .frame_time = pi->frame_time,
	    .in = in,
	    .out = out,
	    .events = w->events,
	    .host_in = {cx_shm_host_in(shm, n, 0), cx_shm_host_in(shm, n, 1)},
	    .tempo_bpm = pi->tempo_bpm,
	    .beat = pi->beat,
	    .beats_per_frame = pi->beats_per_frame,
	    .playing = pi->playing,
	};
	for (uint32_t s = plan->shard_first[w->index]; s < plan->shard_first[w->index + 1]; s++) {
		const cx_plan_step_t *st = &plan->steps[s];
		cx_instance_t *inst = cx_shm_instance(shm, st->inst);
		const cx_type_t *ty = cx_shm_type(shm, st->type);
		const cx_module_t *d = w->desc[st->type];
		float *obase = (float *)cx_shm_at(shm, st->out_off);
		for (uint32_t p = 0; p < ty->out_count; p++) /* [port][parity][stride] */
			out[p] = obase + ((size_t)p * 2u + parity) * plan->stride;
		if (!d) { /* the type failed to load in this worker: silence */
			for (uint32_t p = 0; p < ty->out_count; p++)
				memset(out[p], 0, sizeof(float) * frames);
			continue;
		}
		const cx_shm_events_t *el = &inst->events[parity];
		if (el->period != n)
			el = NULL;
		int gap = atomic_load_explicit(&inst->last_period, memory_order_relaxed) !=
		          (int64_t)n - 1;
		void *state = cx_shm_at(shm, inst->state_off);
		atomic_store_explicit(&me->breadcrumb, st->inst + 1u, memory_order_relaxed);
		if (atomic_load_explicit(&inst->flags, memory_order_acquire) & CX_INST_NEEDS_INIT) {
			memset(state, 0, inst->state_size);
			d->init(state, inst->param_target, sr, CX_FRAMES_MAX);
			atomic_fetch_and(&inst->flags, ~(uint32_t)CX_INST_NEEDS_INIT);
			if (atomic_load_explicit(&inst->data_gen, memory_order_relaxed)) {
				atomic_store(&inst->data_done, 0); /* init cleared it: load again */
				w->data_seen = ~atomic_load(&shm->data_pending);
			}
		}
		gather_inputs(w, plan, st, ty, inst, el, n, frames, sr, gap, in);
		ctx.event_count = gather_events(w, ty, inst, el, gap);
		d->process(state, &ctx);
		atomic_store_explicit(&inst->last_period, (int64_t)n, memory_order_relaxed);
		atomic_store_explicit(&inst->rendered[parity], (int64_t)n, memory_order_release);
	}
	atomic_store_explicit(&me->breadcrumb, 0, memory_order_relaxed);
}

void cx_worker_housekeep(cx_worker_ctx_t *w)
{
	cx_shm_t *shm = w->shm;
	uint32_t pending = atomic_load_explicit(&shm->data_pending, memory_order_acquire);
	if (pending == w->data_seen)
		return;
	const cx_plan_t *plan = cx_shm_plan(shm, atomic_load(&shm->plan_active));
	int again = 0;
	for (uint32_t s = plan->shard_first[w->index];
	     w->index < plan->shard_count && s < plan->shard_first[w->index + 1]; s++) {
		const cx_plan_step_t *st = &plan->steps[s];
		cx_instance_t *inst = cx_shm_instance(shm, st->inst);
		uint32_t gen = atomic_load_explicit(&inst->data_gen, memory_order_acquire);
		const cx_module_t *d = w->desc[st->type];
		if (!gen || gen == atomic_load(&inst->data_done) || !d)
			continue;
		if (atomic_load(&inst->flags) & CX_INST_NEEDS_INIT) {
			again = 1; /* init has not run yet: it would clear what load writes */
			continue;
		}
		int32_t kept = -1;
		if (d->struct_size >= offsetof(cx_module_t, load) + sizeof d->load && d->load)
			kept = d->load(cx_shm_at(shm, inst->state_off),
			               (const float *)cx_shm_at(shm, inst->data_off),
			               inst->data_frames, inst->data_channels, inst->data_rate);
		atomic_store(&inst->data_result, kept);
		atomic_store_explicit(&inst->data_done, gen, memory_order_release);
	}
	if (!again)
		w->data_seen = pending;
}

static void worker_setup(uint32_t index)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	char nm[16];
	snprintf(nm, sizeof nm, "chronus-w%u", index);
	prctl(PR_SET_NAME, nm);
#if defined(__x86_64__) || defined(__i386__)
	_mm_setcsr(_mm_getcsr() | 0x8040u); /* flush-to-zero and denormals-are-zero */
#endif
	prctl(PR_SET_TIMERSLACK, 1UL); /* wake when asked, not up to 50 us later */
	/* Lock pages as they are touched: the segment is large and mostly untouched. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0)
		(void)0; /* without the privilege we run unlocked, as JACK clients do */
}

static void apply_rt_prio(cx_worker_t *me, uint32_t prio)
{
	struct sched_param sp = {.sched_priority = (int)prio};
	int policy = prio ? SCHED_FIFO : SCHED_OTHER;
	if (!prio)
		sp.sched_priority = 0;
	if (sched_setscheduler(0, policy, &sp) == 0)
		atomic_store(&me->rt_prio_set, prio);
	else
		atomic_store(&me->rt_prio_set, 0); /* not allowed: fall back silently */
}

/* When to start spinning for the period after the one pi describes; 0: never. A worker spins
 * only when it runs SCHED_FIFO below the JACK thread, which preempts it: a SCHED_OTHER worker
 * spinning on a small machine would take the CPU the callback needs. */
static uint64_t spin_from(const cx_shm_t *shm, const cx_worker_t *me, const cx_period_info_t *pi)
{
	uint64_t spin = atomic_load_explicit(&shm->spin_ns, memory_order_relaxed);
	uint32_t sr = atomic_load_explicit(&shm->sample_rate, memory_order_relaxed);
	if (!spin || !sr || !atomic_load_explicit(&me->rt_prio_set, memory_order_relaxed))
		return 0;
	uint64_t period_ns = (uint64_t)pi->frames * 1000000000u / sr;
	return pi->publish_ns + (period_ns > spin ? period_ns - spin : 0);
}

/* Waits until go moves past last. Sleeps on the futex until shortly before the next period is
 * due, then spins for it, so the callback finds nobody asleep and makes no system call; a
 * period that comes early, or late, falls back to the futex wake. [worker] */
static uint32_t wait_for_period(cx_shm_t *shm, cx_worker_t *me, uint32_t last, uint64_t spin_at)
{
	uint64_t spin = atomic_load_explicit(&shm->spin_ns, memory_order_relaxed);
	for (;;) {
		uint32_t g = atomic_load_explicit(&shm->go, memory_order_acquire);
		if (g != last || atomic_load_explicit(&shm->quit, memory_order_relaxed))
			return g;
		uint64_t now = cx_now_ns();
		if (spin_at && now >= spin_at && now < spin_at + 4u * spin) {
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
			continue; /* bounded: the window closes four spin times after it opens */
		}
		struct timespec to = {0, 100 * 1000 * 1000};
		if (spin_at && now < spin_at)
			to = (struct timespec){(time_t)((spin_at - now) / 1000000000u),
			                       (long)((spin_at - now) % 1000000000u)};
		atomic_store(&me->waiting, 1);
		if (atomic_load(&shm->go) == last)
			cx_futex_wait(&shm->go, last, &to);
		atomic_store(&me->waiting, 0);
	}
}

_Noreturn void cx_worker_main(cx_shm_t *shm, uint32_t index)
{
	worker_setup(index);
	cx_worker_ctx_t w;
	cx_worker_t *me = cx_shm_worker(shm, index);
	if (cx_worker_ctx_init(&w, shm, index) != 0)
		_exit(70);
	uint32_t last = atomic_load_explicit(&shm->go, memory_order_acquire);
	uint32_t prio_seen = 0xffffffffu;
	uint64_t spin_at = 0;
	atomic_store(&me->state, CX_WORKER_READY);
	for (;;) {
		if (atomic_load_explicit(&shm->quit, memory_order_relaxed))
			_exit(0);
		/* Housekeeping between periods, never inside one. */
		if (atomic_load_explicit(&shm->types_gen, memory_order_acquire) !=
		    w.types_gen_loaded) {
			cx_worker_load_types(&w);
			atomic_store(&me->types_loaded, w.types_gen_loaded);
		}
		cx_worker_housekeep(&w);
		uint32_t prio = atomic_load_explicit(&shm->rt_prio, memory_order_relaxed);
		if (prio != prio_seen) {
			apply_rt_prio(me, prio);
			prio_seen = prio;
		}
		uint32_t g = wait_for_period(shm, me, last, spin_at);
		if (g == last)
			continue;
		const cx_period_info_t *pi = &shm->period_info[g & 1u];
		uint64_t n = atomic_load_explicit(&pi->period, memory_order_acquire);
		if ((uint32_t)n != g)
			continue; /* the callback moved on while we looked: take the newer one */
		uint64_t t0 = cx_now_ns();
		if (t0 > pi->publish_ns)
			cx_hist_add(&me->wake_ns, t0 - pi->publish_ns);
		cx_worker_render(&w, n);
		cx_hist_add(&me->render_ns, cx_now_ns() - t0);
		atomic_store_explicit(&me->periods, atomic_load(&me->periods) + 1u,
		                      memory_order_relaxed);
		atomic_store_explicit(&me->done, g, memory_order_release);
		spin_at = spin_from(shm, me, pi);
		last = g;
	}
}
