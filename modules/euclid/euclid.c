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
 * The transport, the grid, `reset` and the pulses are the step modules' shared core,
 * modules/steps/steps.h (reset mode STEPS_RESET_NOW); this file holds the pattern.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"
#include "steps.h"

#define EUCLID_STEPS_MAX 32u

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
	steps_t core; /* the transport, the grid, `reset` and the pulses (steps.h) */
	/* parameters */
	uint32_t steps, hits, rotate; /* (`div` is the core's grid) */
	float length;
	uint32_t pattern; /* bit n: step n (after rotation) is a hit */
	uint32_t step;    /* 0-based step of the pattern under way */
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
static void euclid_set(void *state, uint32_t index, float value, const cx_process_t *p,
                       uint32_t pos)
{
	euclid_state_t *s = state;
	const cx_param_info_t *info = &euclid_params[index];
	value = cx_clampf(value, info->min, info->max);
	uint32_t whole = (uint32_t)lroundf(value);
	switch (index) {
	case EUCLID_PARAM_STEPS:
		s->steps = whole;
		/* the next step is the next one, or the first */
		steps_keep_slot(&s->core, p, s->step < s->steps ? s->step : s->steps - 1);
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
	case EUCLID_PARAM_DIV: /* renumbered on the new grid, the next step is the next one */
		if (steps_set_grid(&s->core, p, pos, (double)whole))
			steps_keep_slot(&s->core, p, s->step);
		break;
	case EUCLID_PARAM_LENGTH:
		s->length = value;
		break;
	default:
		break;
	}
}

/* Starts the step at frame i: a hit or a rest. */
static void euclid_step(void *state, const cx_process_t *p, uint32_t i, uint32_t restart)
{
	euclid_state_t *s = state;
	(void)restart; /* the core counts the steps from the reset's step */
	s->step = steps_slot(&s->core, s->steps);
	if ((s->pattern >> s->step) & 1u)
		steps_pulse(&s->core, p, i, s->length);
}

static const steps_spec_t euclid_spec = {
    .param_count = EUCLID_PARAM_COUNT,
    .reset_in = EUCLID_IN_RESET,
    .reset_mode = STEPS_RESET_NOW,
    .gate_out = EUCLID_OUT_GATE,
    .trig_out = EUCLID_OUT_TRIG,
    .set = euclid_set,
    .play = NULL,
    .step = euclid_step,
    .hold = NULL,
};

static void euclid_reset(void *state)
{
	euclid_state_t *s = state;
	steps_clear(&s->core);
	s->step = 0;
}

static void euclid_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	euclid_state_t *s = state;
	(void)frames_max;
	steps_init(&s->core, sample_rate);
	for (uint32_t i = 0; i < EUCLID_PARAM_COUNT; i++)
		euclid_set(s, i, params[i], NULL, 0);
	euclid_reset(s);
}

static void euclid_process(void *state, const cx_process_t *p)
{
	euclid_state_t *s = state;
	steps_process(&s->core, &euclid_spec, s, p);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "euclid",
    .summary = "Euclidean rhythm (Bjorklund) on the transport's grid",
    .version = 1,
    .state_version = 3,
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
