/*
 * steps.h — the transport-following core of the step modules (seq, euclid, clock, arp). Not a
 * module: this folder has no meson.build and is not listed in modules/MODULES; each of those
 * modules' meson.build adds it to its include path.
 *
 * A step module plays steps on a grid of the engine's transport (cx_process_t, ABI 1.1): with
 * q steps a beat (seq's, euclid's and arp's `div`, clock's note value), step k, counted from
 * beat 0, lies at beat k / q and starts on the first frame whose beat is at least that. The
 * frames come from cx_grid_point / cx_grid_next in dsp.h, which derive every frame's beat from
 * the block's beat and beats_per_frame in double, so nothing drifts and a render comes out the
 * same however it is split into blocks. This is the transport-locked grid of a DAW's step
 * editor or a drum machine, not a clocked analog sequencer: there is no clock input to count.
 *
 * What the core does, so that each module keeps only what is its own (seq its slots, euclid
 * its Bjorklund pattern, clock its rate table, arp its note order):
 *   - steps_process: a module's whole process(): parameter events at their frames, then the
 *     frames between them stopped (outputs low, a rising `reset` remembered) or running;
 *   - running: play (or the beat going back, or a module joining a running transport) starts
 *     over: a grid step exactly at that frame starts there, else the next one does. At each
 *     grid step the module's step() hook decides what the step plays;
 *   - `reset`, in one of two ways (steps_reset_mode_t): seq and euclid restart their pattern on
 *     the very frame it rises, arp makes the next step (one on that frame included) the first;
 *     a reset while stopped makes the first step after play the first;
 *   - steps_pulse: a `gate` of a given fraction of a step and a 1 ms `trig`, both cut to end
 *     at least one frame before the next grid step (so adjacent steps always leave a low frame
 *     and an envelope retriggers), kept so when the tempo rises while they are high;
 *   - steps_set_grid, steps_slot, steps_keep_slot: the grid (and its change at an event's
 *     frame), and a pattern's slot counted on the grid (seq, euclid).
 *
 * Ownership and threading. steps_t is plain data embedded in the module's state blob (no
 * pointers, module.h); the hooks are a `static const steps_spec_t` of the module, never stored
 * in the state. Functions tagged [rt] follow the RT rules in module.h: bounded loops over the
 * block's frames, no allocation, no system call; [worker] ones run in init and reset.
 */
#ifndef CHRONUS_STEPS_H
#define CHRONUS_STEPS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

#define STEPS_TRIG_S    0.001      /* `trig`'s length */
#define STEPS_PULSE_MAX (1u << 30) /* frames: bounds a gate at absurd tempi, far past real ones */
#define STEPS_NO_INPUT  UINT32_MAX /* steps_spec_t.reset_in of a module without `reset` */

/* Where a step module stands on the transport; one in each module's state. */
typedef struct steps {
	uint32_t trig_frames; /* `trig`'s length in frames: 1 ms, at least 1 */
	double per_beat;      /* grid steps a beat (> 0), the module's, set with steps_set_grid */
	/* the transport at the last frame rendered */
	uint32_t running; /* that frame ran (playing, past play's frame) */
	double last_beat; /* its beat */
	int64_t point;    /* the grid step it had reached, counted from beat 0 */
	int64_t offset;   /* the grid step that played a pattern's slot 0 (steps_slot) */
	/* the reset input */
	uint32_t reset_high;  /* it was high at the last frame looked at */
	uint32_t reset_armed; /* it rose where no step took it yet: the next step restarts */
	/* the pulses under way */
	uint32_t gate_left; /* frames `gate` stays high, from the next frame written */
	uint32_t trig_left; /* the same for `trig` */
} steps_t;

/* How a rising `reset` acts while the transport runs. */
typedef enum steps_reset_mode {
	STEPS_RESET_NOW, /* a step starts on the reset's frame, the pattern's first (seq, euclid) */
	STEPS_RESET_NEXT, /* the next grid step, one on the reset's frame included, is the first */
} steps_reset_mode_t;

/* What a step module tells the core about itself. The hooks get the module's state. */
typedef struct steps_spec {
	uint32_t param_count; /* events for indices at or past it are ignored */
	uint32_t reset_in;    /* the `reset` input's index, or STEPS_NO_INPUT */
	uint32_t reset_mode;  /* steps_reset_mode_t */
	uint32_t gate_out;    /* the outputs steps_pulse's pulses are written to */
	uint32_t trig_out;
	/* Sets parameter `index` at `frame` of block p; p is NULL unless the transport runs at
	 * that frame (see steps_set_grid). [worker] from init, [rt] */
	void (*set)(void *state, uint32_t index, float value, const cx_process_t *p,
	            uint32_t frame);
	/* Play: the pattern starts over (the grid position is the core's). May be NULL. [rt] */
	void (*play)(void *state);
	/* Starts the step at `frame` (the grid step steps_t.point): sets the pulses with
	 * steps_pulse, or leaves them off for a rest (the core has cut those under way). restart:
	 * a reset made this step the pattern's first (steps_t.offset already points at it). [rt] */
	void (*step)(void *state, const cx_process_t *p, uint32_t frame, uint32_t restart);
	/* Writes frames [from, to) of the module's other outputs. May be NULL. [rt] */
	void (*hold)(void *state, const cx_process_t *p, uint32_t from, uint32_t to);
} steps_spec_t;

/* Sets up the core for sample_rate_hz, stopped; state zeroed before. The module's init then
 * sets the grid (steps_set_grid, from its parameters). [worker] */
static inline void steps_init(steps_t *c, float sample_rate_hz)
{
	double trig = round(STEPS_TRIG_S * (double)sample_rate_hz);
	c->trig_frames = trig >= 1.0 ? (uint32_t)trig : 1u;
}

/* Forgets the transport, the reset input and the pulses (not the grid): as after init.
 * [worker] */
static inline void steps_clear(steps_t *c)
{
	c->running = 0;
	c->last_beat = 0.0;
	c->point = 0;
	c->offset = 0;
	c->reset_high = 0;
	c->reset_armed = 0;
	c->gate_left = 0;
	c->trig_left = 0;
}

/* ---- the grid ----------------------------------------------------------------------------- */

/* Returns the frames from `at` to one before the next grid step after c->point, at most cap:
 * the longest a pulse from `at` may last. [rt] */
static inline uint32_t steps_room(const steps_t *c, const cx_process_t *p, uint32_t at,
                                  uint32_t cap)
{
	uint32_t next = cx_grid_next(p, c->per_beat, c->point, at + 1, at + cap + 1);
	return next - at - 1;
}

/* Sets the grid to per_beat (> 0) steps a beat, at `frame` of block p (p NULL: the transport
 * does not run there). A change while the transport runs renumbers c->point on the new grid,
 * so that the next step is the new grid's next one (one exactly at `frame` included); returns
 * 1 then, else 0. [worker] from init, [rt] */
static inline int steps_set_grid(steps_t *c, const cx_process_t *p, uint32_t frame, double per_beat)
{
	int renumber = p != NULL && c->running && per_beat != c->per_beat;
	if (renumber)
		c->point = cx_grid_point(p, per_beat, (int64_t)frame - 1);
	c->per_beat = per_beat;
	return renumber;
}

/* Returns the slot (0..n-1, n >= 1) of a pattern of n slots that the step under way plays:
 * grid steps are counted from c->offset, 0 from play (so that a pattern is in phase with beat
 * 0) and the reset's step after a reset. [rt] */
static inline uint32_t steps_slot(const steps_t *c, uint32_t n)
{
	int64_t k = (c->point - c->offset) % (int64_t)n;
	return (uint32_t)(k < 0 ? k + (int64_t)n : k);
}

/* While the transport runs (p not NULL), counts the step under way as `slot`, so that the next
 * step plays the slot after it: for a change of a pattern's length or grid. [worker], [rt] */
static inline void steps_keep_slot(steps_t *c, const cx_process_t *p, uint32_t slot)
{
	if (p != NULL && c->running)
		c->offset = c->point - (int64_t)slot;
}

/* ---- pulses ------------------------------------------------------------------------------- */

/* Starts the pulses of a step at frame `at`: `gate` high for round(length x step) frames and
 * `trig` for trig_frames, each at least 1 frame and ending at least one frame before the next
 * grid step. [rt] */
static inline void steps_pulse(steps_t *c, const cx_process_t *p, uint32_t at, float length)
{
	double step_frames = 1.0 / (c->per_beat * p->beats_per_frame);
	double gate = floor((double)length * step_frames + 0.5);
	uint32_t gate_frames = gate < (double)STEPS_PULSE_MAX ? (uint32_t)gate : STEPS_PULSE_MAX;
	uint32_t longest = gate_frames > c->trig_frames ? gate_frames : c->trig_frames;
	uint32_t room = steps_room(c, p, at, longest);
	gate_frames = gate_frames < room ? gate_frames : room;
	uint32_t trig_frames = c->trig_frames < room ? c->trig_frames : room;
	c->gate_left = gate_frames > 1 ? gate_frames : 1;
	c->trig_left = trig_frames > 1 ? trig_frames : 1;
}

/* Writes a pulse's frames [from, to): 1 for the first `high`, then 0. [rt] */
static inline void steps_fill(float *x, uint32_t from, uint32_t high, uint32_t to)
{
	uint32_t i = from;
	for (; i < from + high; i++)
		x[i] = 1.0f;
	for (; i < to; i++)
		x[i] = 0.0f;
}

/* Writes frames [from, to) of the outputs: the pulses under way, then the module's hold().
 * [rt] */
static inline void steps_write(steps_t *c, const steps_spec_t *spec, void *state,
                               const cx_process_t *p, uint32_t from, uint32_t to)
{
	uint32_t n = to - from;
	uint32_t gate_n = c->gate_left < n ? c->gate_left : n;
	uint32_t trig_n = c->trig_left < n ? c->trig_left : n;
	steps_fill(p->out[spec->gate_out], from, gate_n, to);
	steps_fill(p->out[spec->trig_out], from, trig_n, to);
	c->gate_left -= gate_n;
	c->trig_left -= trig_n;
	if (spec->hold != NULL)
		spec->hold(state, p, from, to);
}

/* ---- the reset input ---------------------------------------------------------------------- */

/* Returns 1 when `reset` rises at a frame whose value is x, and follows it. [rt] */
static inline uint32_t steps_rise_at(steps_t *c, float x)
{
	uint32_t high = x > 0.5f;
	uint32_t rise = high && !c->reset_high;
	c->reset_high = high;
	return rise;
}

/* Returns the first frame in [from, to) where `reset` rises, or to; follows it up to there (the
 * rising frame itself not included). NaN reads as low. [rt] */
static inline uint32_t steps_next_rise(steps_t *c, const float *reset, uint32_t from, uint32_t to)
{
	if (from < to && cx_is_constant(reset + from, to - from)) {
		uint32_t high = reset[from] > 0.5f;
		if (high && !c->reset_high)
			return from;
		c->reset_high = high;
		return to;
	}
	for (uint32_t i = from; i < to; i++) {
		uint32_t high = reset[i] > 0.5f;
		if (high && !c->reset_high)
			return i;
		c->reset_high = high;
	}
	return to;
}

/* Follows `reset` over frames [from, to); any rise arms a restart for the next step. [rt] */
static inline void steps_arm(steps_t *c, const float *reset, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; (i = steps_next_rise(c, reset, i, to)) < to; i++) {
		c->reset_armed = 1;
		c->reset_high = 1;
	}
}

/* ---- following the transport -------------------------------------------------------------- */

/* Frames [from, to) with the transport stopped: pulses off and low, held levels held, resets
 * remembered. [rt] */
static inline void steps_stopped(steps_t *c, const steps_spec_t *spec, void *state,
                                 const cx_process_t *p, uint32_t from, uint32_t to)
{
	c->running = 0;
	c->gate_left = 0;
	c->trig_left = 0;
	steps_write(c, spec, state, p, from, to);
	if (spec->reset_in != STEPS_NO_INPUT)
		steps_arm(c, p->in[spec->reset_in], from, to);
}

/* At the first running frame `from` of a span: on play (again), when the beat went back, or when
 * the module joins a running transport, starts over (a grid step exactly at `from` starts
 * there, else the next one does); otherwise cuts the pulses under way to keep their low frame
 * before the next step, which a tempo risen since they began may have moved closer (a step
 * exactly at `from` starts after this and sets them anew). [rt] */
static inline void steps_follow(steps_t *c, const steps_spec_t *spec, void *state,
                                const cx_process_t *p, uint32_t from)
{
	double beat = p->beat + (double)from * p->beats_per_frame;
	if (!c->running || beat < c->last_beat) {
		c->point = cx_grid_point(p, c->per_beat, (int64_t)from - 1);
		c->offset = 0;
		c->gate_left = 0;
		c->trig_left = 0;
		c->running = 1;
		if (spec->play != NULL)
			spec->play(state);
	} else if (c->gate_left > 0 || c->trig_left > 0) {
		uint32_t longest = c->gate_left > c->trig_left ? c->gate_left : c->trig_left;
		uint32_t room = steps_room(c, p, from, longest);
		c->gate_left = c->gate_left < room ? c->gate_left : room;
		c->trig_left = c->trig_left < room ? c->trig_left : room;
	}
}

/* Starts a step at frame i (c->point set to its grid step): a reset at i or one armed before
 * restarts the pattern there; the pulses under way end; the module's step() plays it. [rt] */
static inline void steps_start(steps_t *c, const steps_spec_t *spec, void *state,
                               const cx_process_t *p, uint32_t i, uint32_t reset_rise)
{
	uint32_t restart = reset_rise || c->reset_armed;
	c->reset_armed = 0;
	if (restart)
		c->offset = c->point;
	c->gate_left = 0;
	c->trig_left = 0;
	spec->step(state, p, i, restart);
}

/* Frames [from, to) with the transport running: a step at each grid step (and, in
 * STEPS_RESET_NOW, at each rise of `reset`), the outputs written between them. [rt] */
static inline void steps_running(steps_t *c, const steps_spec_t *spec, void *state,
                                 const cx_process_t *p, uint32_t from, uint32_t to)
{
	const double per_beat = c->per_beat; /* events, which may change it, split the render */
	const float *reset = spec->reset_in != STEPS_NO_INPUT ? p->in[spec->reset_in] : NULL;
	const int now = spec->reset_mode == STEPS_RESET_NOW;
	steps_follow(c, spec, state, p, from);
	for (uint32_t i = from; i < to;) {
		uint32_t rise = reset != NULL && steps_rise_at(c, reset[i]);
		if (rise && !now) { /* a reset on a step's frame counts for that step */
			c->reset_armed = 1;
			rise = 0;
		}
		int64_t point = cx_grid_point(p, per_beat, i);
		if (point > c->point || rise) {
			c->point = point > c->point ? point : c->point;
			steps_start(c, spec, state, p, i, rise);
		}
		uint32_t next = cx_grid_next(p, per_beat, c->point, i + 1, to);
		if (reset != NULL && now)
			next = steps_next_rise(c, reset, i + 1, next);
		else if (reset != NULL)
			steps_arm(c, reset, i + 1, next);
		steps_write(c, spec, state, p, i, next);
		i = next;
	}
	c->last_beat = p->beat + (double)(to - 1) * p->beats_per_frame;
}

/* The whole process() of a step module: parameter events at their frames (spec->set gets the
 * block while the transport runs at the event, for steps_set_grid), the frames between them
 * stopped or running; events at or past the block's end last. [rt] */
static inline void steps_process(steps_t *c, const steps_spec_t *spec, void *state,
                                 const cx_process_t *p)
{
	uint32_t start = cx_transport_start(p);
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			if (e->kind == CX_EVENT_PARAM && e->index < spec->param_count)
				spec->set(state, e->index, e->value, pos >= start ? p : NULL, pos);
		uint32_t end = cx_event_next_frame(&ev);
		if (pos < start) {
			uint32_t stop = end < start ? end : start;
			steps_stopped(c, spec, state, p, pos, stop);
			pos = stop;
		}
		if (pos < end)
			steps_running(c, spec, state, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		if (e->kind == CX_EVENT_PARAM && e->index < spec->param_count)
			spec->set(state, e->index, e->value, NULL, 0);
}

#endif /* CHRONUS_STEPS_H */
