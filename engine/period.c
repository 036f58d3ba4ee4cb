/*
 * period.c — the realtime period: what the JACK callback (or the offline driver) runs.
 *
 * In period n it: switches to a pending plan when every live worker has finished n-1; drains
 * the control ring and the schedule of timed events into the instances' event lists for n;
 * publishes "go n" and wakes sleeping workers with one futex wake; then mixes into the audio
 * outputs the sink blocks that workers finished in period n-1, fading a late sink to silence
 * rather than waiting for it. Follows the RT rules in module.h.
 */
#include <math.h>
#include <string.h>

#include "engine_impl.h"
#include "futex.h"

/* The schedule of future events: a binary min-heap on (frame, order). */
static int heap_less(const cx_msg_t *a, const cx_msg_t *b)
{
	return a->frame < b->frame || (a->frame == b->frame && a->order < b->order);
}

static int heap_push(cx_engine_t *e, const cx_msg_t *m)
{
	if (e->heap_n >= CX_HEAP_MAX)
		return -1;
	uint32_t i = e->heap_n++;
	while (i > 0) {
		uint32_t up = (i - 1u) / 2u;
		if (!heap_less(m, &e->heap[up]))
			break;
		e->heap[i] = e->heap[up];
		i = up;
	}
	e->heap[i] = *m;
	return 0;
}

static void heap_pop(cx_engine_t *e)
{
	cx_msg_t last = e->heap[--e->heap_n];
	uint32_t i = 0;
	for (;;) {
		uint32_t c = 2u * i + 1u;
		if (c >= e->heap_n)
			break;
		if (c + 1u < e->heap_n && heap_less(&e->heap[c + 1u], &e->heap[c]))
			c++;
		if (!heap_less(&e->heap[c], &last))
			break;
		e->heap[i] = e->heap[c];
		i = c;
	}
	if (e->heap_n)
		e->heap[i] = last;
}

static void count(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1u,
	                      memory_order_relaxed);
}

/* Has every worker that is up finished period n-1? */
static int workers_idle(const cx_engine_t *e, uint64_t n)
{
	if (e->cfg.offline)
		return 1;
	for (uint32_t k = 0; k < e->workers; k++) {
		cx_worker_t *w = cx_shm_worker(e->shm, k);
		if (atomic_load_explicit(&w->state, memory_order_acquire) != CX_WORKER_READY)
			continue;
		if (atomic_load_explicit(&w->done, memory_order_acquire) != (uint32_t)(n - 1u))
			return 0;
	}
	return 1;
}

static void try_switch(cx_engine_t *e, uint64_t n)
{
	if (e->pending_plan == CX_NO_PLAN || !workers_idle(e, n))
		return;
	atomic_store_explicit(&e->shm->plan_active, e->pending_plan, memory_order_release);
	atomic_store_explicit(&e->shm->plan_applied_seq, e->pending_seq, memory_order_release);
	e->pending_plan = CX_NO_PLAN;
}

/* Puts one due event into its instance's list for period n at offset frame. */
static void place(cx_engine_t *e, const cx_plan_t *plan, uint64_t n, const cx_msg_t *m,
                  uint32_t frame, uint32_t frames)
{
	cx_instance_t *inst = cx_shm_instance(e->shm, m->inst);
	if (inst->generation != m->generation) {
		count(&e->shm->events_dropped); /* its instance was freed */
		return;
	}
	uint8_t shard = plan->shard_of[m->inst];
	if (shard == CX_SHARD_NONE) {
		cx_msg_t later = *m; /* created but not in the plan yet: next period */
		later.frame = e->frame_time + frames;
		if (e->pending_plan == CX_NO_PLAN || heap_push(e, &later) != 0)
			count(&e->shm->events_dropped);
		return;
	}
	if (m->ev_kind == CX_SEV_PARAM)
		inst->param_target[m->index] = m->value;
	else if (m->ev_kind == CX_SEV_INPUT)
		inst->in_target[m->index] = m->value;
	/* A worker still inside period n-2 reads this parity's list: leave it alone; the
	 * targets above reach the instance when the worker catches up. */
	if (!e->cfg.offline) {
		cx_worker_t *w = cx_shm_worker(e->shm, shard);
		uint32_t lag = (uint32_t)n - atomic_load_explicit(&w->done, memory_order_acquire);
		if (lag > 2u) {
			count(&e->shm->events_dropped);
			return;
		}
	}
	cx_shm_events_t *el = &inst->events[n & 1u];
	if (el->period != n) {
		el->count = 0;
		el->period = n;
	}
	if (el->count >= CX_EVENTS_MAX) {
		el->dropped++;
		count(&e->shm->events_dropped);
		return;
	}
	uint32_t i = el->count++;
	while (i > 0 && el->ev[i - 1u].frame > frame) { /* stable insertion by frame */
		el->ev[i] = el->ev[i - 1u];
		i--;
	}
	el->ev[i] = (cx_shm_event_t){frame, m->ev_kind, m->index, m->value};
}

/* Takes everything control sent: plans become pending, events join the schedule. */
static void drain(cx_engine_t *e, uint64_t n)
{
	uint64_t start = e->frame_time;
	cx_msg_t m;
	/* Bounded: the ring holds at most CX_MSG_RING messages. */
	for (uint32_t k = 0; k < CX_MSG_RING && cx_ring_pop(&e->ring, &m); k++) {
		if (m.kind == CX_MSG_PLAN) {
			e->pending_plan = m.plan;
			e->pending_seq = m.frame;
			try_switch(e, n);
			continue;
		}
		if (m.frame == 0)
			m.frame = start;
		if (m.frame < start) {
			count(&e->shm->events_late);
			m.frame = start;
		}
		/* Events for the next period never wait behind the schedule of later ones. */
		if (m.frame < start + atomic_load_explicit(&e->shm->frames, memory_order_relaxed) &&
		    e->due_n < CX_MSG_RING)
			e->due[e->due_n++] = m;
		else if (heap_push(e, &m) != 0)
			count(&e->shm->events_dropped);
	}
}

/* Tempo and stop act from this block's start; play restarts the transport at beat 0 on its
 * exact frame (a negative beat at the block's start tells modules where). */
static void transport(cx_engine_t *e, const cx_msg_t *m, uint32_t frame, double sr)
{
	if (m->index == CX_TRANSPORT_TEMPO) {
		e->tempo_bpm = (double)m->value;
	} else if (m->index == CX_TRANSPORT_PLAY) {
		e->playing = 1;
		e->beat = -(double)frame * e->tempo_bpm / 60.0 / sr;
	} else if (m->index == CX_TRANSPORT_STOP) {
		e->playing = 0;
	}
}

/* Places the events due in this period into their instances' lists. */
static void place_due(cx_engine_t *e, const cx_plan_t *plan, uint64_t n, uint32_t frames)
{
	uint64_t start = e->frame_time, end = start + frames;
	double sr = (double)atomic_load_explicit(&e->shm->sample_rate, memory_order_relaxed);
	/* Scheduled events first (sent earlier), then this period's; requeued ones are past
	 * `end`, so this ends. place() keeps each instance's list sorted by frame. */
	for (uint32_t k = 0; (e->heap_n && e->heap[0].frame < end) || k < e->due_n;) {
		cx_msg_t due;
		if (e->heap_n && e->heap[0].frame < end) {
			due = e->heap[0];
			heap_pop(e);
		} else {
			due = e->due[k++];
		}
		if (due.frame >= end) { /* the period shrank since it was sent: keep it for later */
			if (heap_push(e, &due) != 0)
				count(&e->shm->events_dropped);
			continue;
		}
		if (due.kind == CX_MSG_TRANSPORT)
			transport(e, &due, (uint32_t)(due.frame - start), sr);
		else
			place(e, plan, n, &due, (uint32_t)(due.frame - start), frames);
	}
	e->due_n = 0;
	atomic_store_explicit(&e->shm->scheduled, e->heap_n, memory_order_relaxed);
}

/* Mixes the sinks' blocks of period n-1 into out, fading late ones. */
static void mix(cx_engine_t *e, const cx_plan_t *plan, uint64_t n, uint32_t frames,
                float *const out[2], int layout_changed)
{
	for (uint32_t c = 0; c < 2; c++)
		memset(out[c], 0, sizeof(float) * frames);
	uint64_t prev = n - 1u;
	float inv = 1.0f / (float)frames;
	for (uint32_t s = 0; s < plan->sink_count; s++) {
		const cx_plan_sink_t *sk = &plan->sinks[s];
		cx_instance_t *inst = cx_shm_instance(e->shm, sk->inst);
		int ok = !layout_changed &&
		         atomic_load_explicit(&inst->rendered[prev & 1u], memory_order_acquire) ==
		             (int64_t)prev;
		const float *buf = (const float *)cx_shm_at(e->shm, sk->out_off);
		for (uint32_t c = 0; c < 2; c++) {
			float *o = out[c];
			if (ok) {
				const float *b =
				    buf + ((size_t)c * 2u + (prev & 1u)) * plan->stride;
				if (e->sink_live[sk->inst]) {
					for (uint32_t i = 0; i < frames; i++)
						o[i] += b[i];
				} else { /* coming back: fade in over the period */
					for (uint32_t i = 0; i < frames; i++)
						o[i] += b[i] * ((float)i * inv);
				}
				e->sink_last[sk->inst][c] = frames ? b[frames - 1u] : 0.0f;
			} else if (e->sink_live[sk->inst]) { /* late: hold and fade the last sample
				                              */
				float v = e->sink_last[sk->inst][c];
				for (uint32_t i = 0; i < frames; i++)
					o[i] += v * (1.0f - (float)(i + 1u) * inv);
				e->sink_last[sk->inst][c] = 0.0f;
			}
		}
		e->sink_live[sk->inst] = (uint8_t)ok;
	}
}

/* The safety limiter: instant attack, 50 ms release, and nothing non-finite passes. */
static void limit(cx_engine_t *e, uint32_t frames, float *const out[2])
{
	float g = e->limiter_gain;
	int active = 0;
	for (uint32_t i = 0; i < frames; i++) {
		float l = out[0][i], r = out[1][i];
		if (!isfinite(l))
			l = 0.0f;
		if (!isfinite(r))
			r = 0.0f;
		float peak = fmaxf(fabsf(l), fabsf(r));
		if (peak * g > 1.0f)
			g = 1.0f / peak;
		out[0][i] = fminf(fmaxf(l * g, -1.0f), 1.0f);
		out[1][i] = fminf(fmaxf(r * g, -1.0f), 1.0f);
		active |= g < 1.0f;
		g += (1.0f - g) * e->limiter_release;
	}
	e->limiter_gain = g;
	if (active)
		count(&e->shm->limiter_active);
}

/* Copies this period's output to the recording tap while a capture runs. */
static void tap(cx_engine_t *e, uint32_t frames, float *const out[2])
{
	uint64_t left = atomic_load_explicit(&e->tap_left, memory_order_acquire);
	if (!left)
		return;
	uint32_t n = left < frames ? (uint32_t)left : frames;
	uint64_t w = atomic_load_explicit(&e->tap_w, memory_order_relaxed);
	uint64_t r = atomic_load_explicit(&e->tap_r, memory_order_acquire);
	if (w - r + n > CX_TAP_FRAMES) {
		atomic_fetch_add_explicit(&e->tap_overruns, n, memory_order_relaxed);
	} else {
		for (uint32_t i = 0; i < n; i++) {
			size_t at = (size_t)((w + i) & (CX_TAP_FRAMES - 1u)) * 2u;
			e->tap[at] = out[0][i];
			e->tap[at + 1] = out[1][i];
		}
		atomic_store_explicit(&e->tap_w, w + n, memory_order_release);
	}
	atomic_store_explicit(&e->tap_left, left - n, memory_order_release);
}

static void count_misses(cx_engine_t *e, uint64_t n)
{
	if (e->cfg.offline)
		return;
	for (uint32_t k = 0; k < e->workers; k++) {
		cx_worker_t *w = cx_shm_worker(e->shm, k);
		if (atomic_load_explicit(&w->done, memory_order_acquire) != (uint32_t)(n - 1u)) {
			count(&w->misses);
			count(&e->shm->misses);
		}
	}
}

void cx_engine_period(cx_engine_t *e, uint32_t frames, const float *const in[2],
                      float *const out[2])
{
	uint64_t t0 = cx_now_ns();
	cx_shm_t *shm = e->shm;
	uint64_t n = e->period;
	atomic_store_explicit(&shm->frames, frames, memory_order_relaxed);
	try_switch(e, n);
	drain(e, n);
	const cx_plan_t *plan = cx_shm_plan(shm, atomic_load(&shm->plan_active));
	if (frames > plan->frames_cap || frames > CX_FRAMES_MAX) {
		/* Buffers are smaller than this period: mute until control lays them out again. */
		for (uint32_t c = 0; c < 2; c++)
			memset(out[c], 0, sizeof(float) * frames);
		count(&shm->muted_periods);
		e->frame_time += frames;
		atomic_store_explicit(&shm->frame_time, e->frame_time, memory_order_relaxed);
		return;
	}
	place_due(e, plan, n, frames);

	cx_period_info_t *pi = &shm->period_info[n & 1u];
	pi->frame_time = e->frame_time;
	pi->frames = frames;
	pi->plan = atomic_load(&shm->plan_active);
	double sr = (double)atomic_load_explicit(&shm->sample_rate, memory_order_relaxed);
	pi->tempo_bpm = e->tempo_bpm;
	pi->beat = e->beat;
	pi->beats_per_frame = e->tempo_bpm / 60.0 / sr;
	pi->playing = (uint32_t)e->playing;
	for (uint32_t c = 0; c < 2; c++) {
		float *dst = cx_shm_host_in(shm, n, c);
		if (in && in[c])
			memcpy(dst, in[c], sizeof(float) * frames);
		else
			memset(dst, 0, sizeof(float) * frames);
	}
	count_misses(e, n);
	pi->publish_ns = cx_now_ns();
	atomic_store_explicit(&pi->period, n, memory_order_release);
	atomic_store_explicit(&shm->go, (uint32_t)n, memory_order_seq_cst);
	if (e->cfg.offline) {
		for (uint32_t k = 0; k < e->workers; k++) {
			cx_worker_housekeep(&e->octx[k]);
			cx_worker_render(&e->octx[k], n);
			atomic_store(&cx_shm_worker(shm, k)->done, (uint32_t)n);
		}
	} else {
		for (uint32_t k = 0; k < e->workers; k++) {
			if (atomic_load(&cx_shm_worker(shm, k)->waiting)) {
				cx_futex_wake_all(&shm->go);
				break;
			}
		}
	}
	int layout_changed = plan->stride != e->last_stride;
	e->last_stride = plan->stride;
	mix(e, plan, n, frames, out, layout_changed);
	limit(e, frames, out);
	tap(e, frames, out);

	if (e->playing)
		e->beat += (double)frames * pi->beats_per_frame;
	e->period = n + 1u;
	e->frame_time += frames;
	atomic_store_explicit(&shm->frame_time, e->frame_time, memory_order_relaxed);
	atomic_store_explicit(&shm->periods, n, memory_order_relaxed);
	cx_hist_add(&shm->callback_ns, cx_now_ns() - t0);
}
