/*
 * euclid — a Euclidean rhythm on the transport's grid: `hits` onsets spread as evenly as
 * possible over `steps` steps.
 *
 * The pattern is E(hits, steps) of G. T. Toussaint, "The Euclidean Algorithm Generates
 * Traditional Musical Rhythms" (BRIDGES 2005), built with E. Bjorklund's algorithm ("The
 * Theory of Rep-Rate Pattern Generation in the SNS Timing System", SNS-NOTE-CNTRL-99, 2003)
 * as Toussaint states it: start from `hits` sequences [x] and steps - hits sequences [.];
 * repeatedly append one of the second group to each of the first, as many as pair up, and let
 * whichever group had some left over become the new second group; stop once that group holds
 * at most one sequence, and read the first group, then the second. E(3,8) = x..x..x.,
 * E(5,8) = x.xx.xx., E(7,16) = x..x.x.x..x.x.x., as the paper lists them. hits above steps
 * clamps to steps (every step a hit); `rotate` r moves the pattern r steps later:
 * step n plays pattern position (n - r) mod steps (E(3,8) rotated by 1 is .x..x..x).
 *
 * Steps follow the transport like seq's: step k, counted from beat 0, lies at beat k / div and
 * starts on the first frame whose beat is at least that (the grid helpers in dsp.h: every
 * frame's beat is derived from the block's, nothing accumulates). Step k plays pattern step
 * (k - k0) mod steps, k0 being 0 from play and the step a `reset` rose in. A step on a hit
 * raises `gate` for round(length x step) frames and `trig` for 1 ms, both ending at least one
 * frame before the next step, so adjacent hits always retrigger. A change of steps, hits or
 * rotate rebuilds the pattern at its frame and acts from the next step, the step count going
 * on (the next step is the one after the current, or the first when the pattern got
 * shorter); `div` renumbers on the new grid the same way; `length` is read at each step.
 *
 * A rising `reset` restarts the pattern at its first step on that very frame; the next grid
 * step plays the second. A reset while stopped makes the first step after play the first (as
 * play does anyway). While the transport is stopped (or before play's frame) both outputs are
 * low. Play starts the first step on its exact frame; a euclid created while the transport
 * runs waits for the next grid step, then plays the pattern counted from beat 0.
 *
 * Outputs: 0 or 1.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

#define EUCLID_STEPS_MAX 32u
#define EUCLID_TRIG_S    0.001
#define EUCLID_PULSE_MAX (1u << 30) /* frames: bounds a gate at absurd tempi */

enum { EUCLID_IN_RESET, EUCLID_IN_COUNT };
enum { EUCLID_OUT_GATE, EUCLID_OUT_TRIG, EUCLID_OUT_COUNT };
enum {
	EUCLID_PARAM_STEPS,
	EUCLID_PARAM_HITS,
	EUCLID_PARAM_ROTATE,
	EUCLID_PARAM_DIV,
	EUCLID_PARAM_LENGTH,
	EUCLID_PARAM_COUNT
};

static const cx_port_info_t euclid_ins[] = {
    [EUCLID_IN_RESET] = {"reset", CX_PORT_GATE, 0.0f,
                         "rising: restart at the first step on that frame"},
};
_Static_assert(sizeof euclid_ins / sizeof euclid_ins[0] == EUCLID_IN_COUNT, "one entry per input");

static const cx_port_info_t euclid_outs[] = {
    [EUCLID_OUT_GATE] = {"gate", CX_PORT_GATE, 0.0f, "high for length x step from each hit"},
    [EUCLID_OUT_TRIG] = {"trig", CX_PORT_GATE, 0.0f, "1 ms pulse at each hit"},
};
_Static_assert(sizeof euclid_outs / sizeof euclid_outs[0] == EUCLID_OUT_COUNT,
               "one entry per output");

static const cx_param_info_t euclid_params[] = {
    [EUCLID_PARAM_STEPS] = {0, "steps", "", 1.0f, 32.0f, 8.0f, CX_PARAM_INTEGER | CX_PARAM_NO_RAMP,
                            NULL, "pattern length in steps"},
    [EUCLID_PARAM_HITS] = {1, "hits", "", 0.0f, 32.0f, 3.0f, CX_PARAM_INTEGER | CX_PARAM_NO_RAMP,
                           NULL, "onsets spread over the steps (at most steps)"},
    [EUCLID_PARAM_ROTATE] = {2, "rotate", "", 0.0f, 31.0f, 0.0f,
                             CX_PARAM_INTEGER | CX_PARAM_NO_RAMP, NULL,
                             "moves the pattern this many steps later"},
    [EUCLID_PARAM_DIV] = {3, "div", "/beat", 1.0f, 16.0f, 4.0f, CX_PARAM_INTEGER | CX_PARAM_NO_RAMP,
                          NULL, "steps per beat (4: sixteenth notes)"},
    [EUCLID_PARAM_LENGTH] = {4, "length", "step", 0.05f, 1.0f, 0.5f, CX_PARAM_NO_RAMP, NULL,
                             "gate length as a fraction of a step"},
};
_Static_assert(sizeof euclid_params / sizeof euclid_params[0] == EUCLID_PARAM_COUNT,
               "one entry per parameter");

typedef struct euclid_state {
	uint32_t trig_frames; /* 1 ms */
	/* parameters */
	uint32_t steps, hits, rotate, div;
	float length;
	uint32_t pattern; /* bit n: step n (after rotation) is a hit */
	/* where the transport was at the last frame rendered */
	uint32_t running;       /* that frame ran (playing, past play's frame) */
	double last_beat;       /* its beat */
	int64_t point;          /* the grid step it had reached, counted from beat 0 */
	int64_t offset;         /* the grid step that played the first step after play or reset */
	uint32_t reset_high;    /* the reset input was high */
	uint32_t reset_pending; /* a reset came while stopped: the next step is the first */
	/* outputs */
	uint32_t step;      /* 0-based step of the pattern under way */
	uint32_t gate_left; /* frames `gate` stays high, from the next frame written */
	uint32_t trig_left;
} euclid_state_t;

/* A run of steps as bits, the earliest in bit 0. */
typedef struct euclid_run {
	uint32_t bits;
	uint32_t len;
} euclid_run_t;

static euclid_run_t euclid_join(euclid_run_t a, euclid_run_t b)
{
	return (euclid_run_t){a.bits | b.bits << a.len, a.len + b.len};
}

/* Returns E(hits, steps) as bits, step 0 in bit 0 (Bjorklund, as Toussaint states it). At
 * most EUCLID_STEPS_MAX rounds of at most EUCLID_STEPS_MAX joins: bounded, no allocation. */
static uint32_t euclid_bjorklund(uint32_t steps, uint32_t hits)
{
	uint32_t all = steps >= 32u ? UINT32_MAX : (1u << steps) - 1u;
	if (hits >= steps)
		return all;
	euclid_run_t first[EUCLID_STEPS_MAX], rest[EUCLID_STEPS_MAX];
	uint32_t n_first = hits, n_rest = steps - hits;
	for (uint32_t i = 0; i < n_first; i++)
		first[i] = (euclid_run_t){1u, 1u};
	for (uint32_t i = 0; i < n_rest; i++)
		rest[i] = (euclid_run_t){0u, 1u};
	for (uint32_t pass = 0; pass < EUCLID_STEPS_MAX && n_first > 0; pass++) {
		uint32_t pairs = n_first < n_rest ? n_first : n_rest;
		for (uint32_t i = 0; i < pairs; i++)
			first[i] = euclid_join(first[i], rest[i]);
		if (n_first > pairs) { /* firsts left over: they become the rest */
			for (uint32_t i = pairs; i < n_first; i++)
				rest[i - pairs] = first[i];
			n_rest = n_first - pairs;
		} else { /* rests left over: they stay, moved down */
			for (uint32_t i = pairs; i < n_rest; i++)
				rest[i - pairs] = rest[i];
			n_rest -= pairs;
		}
		n_first = pairs;
		if (n_rest <= 1)
			break;
	}
	euclid_run_t out = {0u, 0u};
	for (uint32_t i = 0; i < n_first; i++)
		out = euclid_join(out, first[i]);
	for (uint32_t i = 0; i < n_rest; i++)
		out = euclid_join(out, rest[i]);
	return out.bits;
}

static void euclid_build(euclid_state_t *s)
{
	uint32_t bits = euclid_bjorklund(s->steps, s->hits);
	uint32_t r = s->rotate % s->steps;
	if (r > 0) { /* later by r: bit n moves to bit (n + r) mod steps */
		uint32_t all = s->steps >= 32u ? UINT32_MAX : (1u << s->steps) - 1u;
		bits = ((bits << r) | (bits >> (s->steps - r))) & all;
	}
	s->pattern = bits;
}

/* Sets a parameter; p is the block and pos the frame, for a change while running. */
static void euclid_set(euclid_state_t *s, uint32_t index, float value, const cx_process_t *p,
                       uint32_t pos)
{
	const cx_param_info_t *info = &euclid_params[index];
	value = cx_clampf(value, info->min, info->max);
	uint32_t whole = (uint32_t)lroundf(value);
	switch (index) {
	case EUCLID_PARAM_STEPS:
		s->steps = whole;
		if (p != NULL && s->running) /* the next step is the next one, or the first */
			s->offset =
			    s->point - (int64_t)(s->step < s->steps ? s->step : s->steps - 1);
		euclid_build(s);
		break;
	case EUCLID_PARAM_HITS:
		s->hits = whole;
		euclid_build(s);
		break;
	case EUCLID_PARAM_ROTATE:
		s->rotate = whole;
		euclid_build(s);
		break;
	case EUCLID_PARAM_DIV:
		if (p != NULL && s->running && whole != s->div) {
			/* Renumber on the new grid; a step exactly at pos still starts at pos. */
			s->point = cx_grid_point(p, (double)whole, (int64_t)pos - 1);
			s->offset = s->point - (int64_t)s->step;
		}
		s->div = whole;
		break;
	case EUCLID_PARAM_LENGTH:
		s->length = value;
		break;
	default:
		break;
	}
}

static void euclid_reset(void *state)
{
	euclid_state_t *s = state;
	s->running = 0;
	s->last_beat = 0.0;
	s->point = 0;
	s->offset = 0;
	s->reset_high = 0;
	s->reset_pending = 0;
	s->step = 0;
	s->gate_left = 0;
	s->trig_left = 0;
}

static void euclid_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	euclid_state_t *s = state;
	(void)frames_max;
	double trig = round(EUCLID_TRIG_S * (double)sample_rate);
	s->trig_frames = trig >= 1.0 ? (uint32_t)trig : 1u;
	for (uint32_t i = 0; i < EUCLID_PARAM_COUNT; i++)
		euclid_set(s, i, params[i], NULL, 0);
	euclid_reset(s);
}

/* Returns the first frame in [from, to) where `reset` rises, or to; tracks it up to there. */
static uint32_t euclid_next_reset(euclid_state_t *s, const float *reset, uint32_t from, uint32_t to)
{
	if (from < to && cx_is_constant(reset + from, to - from)) {
		uint32_t high = reset[from] > 0.5f;
		if (high && !s->reset_high)
			return from;
		s->reset_high = high;
		return to;
	}
	for (uint32_t i = from; i < to; i++) {
		uint32_t high = reset[i] > 0.5f;
		if (high && !s->reset_high)
			return i;
		s->reset_high = high;
	}
	return to;
}

/* Writes a pulse's frames [from, to): 1 for the first `high`, then 0. */
static void euclid_fill(float *x, uint32_t from, uint32_t high, uint32_t to)
{
	uint32_t i = from;
	for (; i < from + high; i++)
		x[i] = 1.0f;
	for (; i < to; i++)
		x[i] = 0.0f;
}

/* Writes frames [from, to) from the pulses under way. */
static void euclid_write(euclid_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to)
{
	float *gate = p->out[EUCLID_OUT_GATE], *trig = p->out[EUCLID_OUT_TRIG];
	uint32_t n = to - from;
	uint32_t gate_n = s->gate_left < n ? s->gate_left : n;
	uint32_t trig_n = s->trig_left < n ? s->trig_left : n;
	euclid_fill(gate, from, gate_n, to);
	euclid_fill(trig, from, trig_n, to);
	s->gate_left -= gate_n;
	s->trig_left -= trig_n;
}

/* Frames [from, to) with the transport stopped: outputs low, resets remembered. */
static void euclid_stopped(euclid_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to)
{
	s->running = 0;
	s->gate_left = 0;
	s->trig_left = 0;
	euclid_write(s, p, from, to);
	const float *reset = p->in[EUCLID_IN_RESET];
	for (uint32_t i = from; i < to;) {
		i = euclid_next_reset(s, reset, i, to);
		if (i < to) {
			s->reset_pending = 1;
			s->reset_high = 1;
			i++;
		}
	}
}

/* Returns the frames from `at` to one before the next grid step after s->point, at most cap. */
static uint32_t euclid_room(const euclid_state_t *s, const cx_process_t *p, uint32_t at,
                            uint32_t cap)
{
	uint32_t next = cx_grid_next(p, (double)s->div, s->point, at + 1, at + cap + 1);
	return next - at - 1;
}

/* Starts a step at frame i (which the grid step s->point is under way at). */
static void euclid_start_step(euclid_state_t *s, const cx_process_t *p, uint32_t i)
{
	int64_t k = (s->point - s->offset) % (int64_t)s->steps;
	s->step = (uint32_t)(k < 0 ? k + (int64_t)s->steps : k);
	s->gate_left = 0;
	s->trig_left = 0;
	if (((s->pattern >> s->step) & 1u) == 0)
		return;
	double step_frames = 1.0 / ((double)s->div * p->beats_per_frame);
	double gate = floor((double)s->length * step_frames + 0.5);
	uint32_t gate_frames = gate < (double)EUCLID_PULSE_MAX ? (uint32_t)gate : EUCLID_PULSE_MAX;
	uint32_t longest = gate_frames > s->trig_frames ? gate_frames : s->trig_frames;
	uint32_t room = euclid_room(s, p, i, longest);
	gate_frames = gate_frames < room ? gate_frames : room;
	uint32_t trig_frames = s->trig_frames < room ? s->trig_frames : room;
	s->gate_left = gate_frames > 1 ? gate_frames : 1;
	s->trig_left = trig_frames > 1 ? trig_frames : 1;
}

/* Frames [from, to) with the transport running. */
static void euclid_running(euclid_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to)
{
	const double div = (double)s->div;
	double beat = p->beat + (double)from * p->beats_per_frame;
	if (!s->running || beat < s->last_beat) {
		/* Play (again), or joining a running transport: a grid step exactly at `from`
		 * starts there, else the next one does. */
		s->point = cx_grid_point(p, div, (int64_t)from - 1);
		s->offset = 0;
		s->gate_left = 0;
		s->trig_left = 0;
		s->running = 1;
	} else if (s->gate_left > 0 || s->trig_left > 0) {
		/* The tempo may have risen since the pulses began: keep the low frame before the
		 * next step. (A step exactly at `from` starts below and sets them anew.) */
		uint32_t longest = s->gate_left > s->trig_left ? s->gate_left : s->trig_left;
		uint32_t room = euclid_room(s, p, from, longest);
		s->gate_left = s->gate_left < room ? s->gate_left : room;
		s->trig_left = s->trig_left < room ? s->trig_left : room;
	}
	const float *reset = p->in[EUCLID_IN_RESET];
	for (uint32_t i = from; i < to;) {
		int64_t point = cx_grid_point(p, div, i);
		uint32_t reset_rise = reset[i] > 0.5f && !s->reset_high;
		s->reset_high = reset[i] > 0.5f;
		if (point > s->point || reset_rise) {
			s->point = point > s->point ? point : s->point;
			if (reset_rise || s->reset_pending) {
				s->offset = s->point;
				s->reset_pending = 0;
			}
			euclid_start_step(s, p, i);
		}
		uint32_t next = cx_grid_next(p, div, s->point, i + 1, to);
		next = euclid_next_reset(s, reset, i + 1, next);
		euclid_write(s, p, i, next);
		i = next;
	}
	s->last_beat = p->beat + (double)(to - 1) * p->beats_per_frame;
}

static void euclid_render(euclid_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to,
                          uint32_t start)
{
	if (from < start) {
		uint32_t stop = to < start ? to : start;
		euclid_stopped(s, p, from, stop);
		from = stop;
	}
	if (from < to)
		euclid_running(s, p, from, to);
}

static void euclid_process(void *state, const cx_process_t *p)
{
	euclid_state_t *s = state;
	uint32_t start = cx_transport_start(p);
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			if (e->kind == CX_EVENT_PARAM && e->index < EUCLID_PARAM_COUNT)
				euclid_set(s, e->index, e->value, pos >= start ? p : NULL, pos);
		uint32_t end = cx_event_next_frame(&ev);
		euclid_render(s, p, pos, end, start);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		if (e->kind == CX_EVENT_PARAM && e->index < EUCLID_PARAM_COUNT)
			euclid_set(s, e->index, e->value, NULL, 0);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "euclid",
    .summary = "Euclidean rhythm (Bjorklund) on the transport's grid",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(euclid_state_t),
    .in_count = EUCLID_IN_COUNT,
    .ins = euclid_ins,
    .out_count = EUCLID_OUT_COUNT,
    .outs = euclid_outs,
    .param_count = EUCLID_PARAM_COUNT,
    .params = euclid_params,
    .init = euclid_init,
    .process = euclid_process,
    .reset = euclid_reset,
    .migrate = NULL,
};
