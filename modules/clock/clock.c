/*
 * clock — gate and trigger pulses on a note-value grid of the engine's transport.
 *
 * `rate` is a note value, as a DAW's sync menu or a drum machine's clock divider offers it,
 * with the beat a quarter note (module.h) and 4/4 bars: quarter pulses once a beat, sixteenth
 * four times, thirtysecond eight; half, bar, bars2 and bars4 every 2, 4, 8 and 16 beats. A
 * name ending in _t is a triplet (three in the time of two: eighth_t is three a beat) and one
 * in _d dotted (half as long again: eighth_d every 3/4 beat). The names are those of lfo's
 * sync, as the engine wants them ([a-z][a-z0-9_]*, at most 16).
 *
 * The pulses lie on that grid counted from beat 0, so clocks of every rate line up at beat 0
 * and at every bar where their grids meet. Pulse k of a grid with q pulses a beat lies at beat
 * k / q and starts on the first frame whose beat is at least that (the grid helpers in dsp.h
 * derive every frame's beat from the block's beat and beats_per_frame in double: there is
 * nothing to drift).
 *
 * At each pulse `out` goes high for round(width x period) frames and `trig` for 1 ms; both end
 * at least one frame before the next pulse, so each pulse is a fresh rising edge. `width` is
 * read at each pulse (it sets a length, sampled once a pulse, so it does not ramp); a change
 * of `rate` acts at once: the next pulse is the next point of the new grid (a point exactly
 * on the change's frame included), and the pulse under way is cut before it.
 *
 * While the transport is stopped (or before play's frame in the block it starts in) both
 * outputs are low. Play pulses on its exact frame (beat 0 is on every grid). A clock created
 * while the transport runs waits for the next point of its grid.
 *
 * Outputs: 0 or 1.
 *
 * The transport, the grid and the pulses are the step modules' shared core,
 * modules/steps/steps.h (without a reset input); this file holds the rate table.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"
#include "steps.h"

enum { CLOCK_IN_COUNT };
enum { CLOCK_OUT_OUT, CLOCK_OUT_TRIG, CLOCK_OUT_COUNT };
enum { CLOCK_PARAM_RATE, CLOCK_PARAM_WIDTH, CLOCK_PARAM_COUNT };

/* The note values `rate` offers (the engine takes at most 16 names), named as lfo's sync. */
enum {
	CLOCK_RATE_BARS4,
	CLOCK_RATE_BARS2,
	CLOCK_RATE_BAR,
	CLOCK_RATE_HALF,
	CLOCK_RATE_QUARTER,
	CLOCK_RATE_EIGHTH,
	CLOCK_RATE_SIXTEENTH,
	CLOCK_RATE_THIRTYSECOND,
	CLOCK_RATE_HALF_T,
	CLOCK_RATE_QUARTER_T,
	CLOCK_RATE_EIGHTH_T,
	CLOCK_RATE_SIXTEENTH_T,
	CLOCK_RATE_HALF_D,
	CLOCK_RATE_QUARTER_D,
	CLOCK_RATE_EIGHTH_D,
	CLOCK_RATE_SIXTEENTH_D,
	CLOCK_RATE_COUNT
};

static const char *const clock_rate_names[] = {
    [CLOCK_RATE_BARS4] = "bars4",
    [CLOCK_RATE_BARS2] = "bars2",
    [CLOCK_RATE_BAR] = "bar",
    [CLOCK_RATE_HALF] = "half",
    [CLOCK_RATE_QUARTER] = "quarter",
    [CLOCK_RATE_EIGHTH] = "eighth",
    [CLOCK_RATE_SIXTEENTH] = "sixteenth",
    [CLOCK_RATE_THIRTYSECOND] = "thirtysecond",
    [CLOCK_RATE_HALF_T] = "half_t",
    [CLOCK_RATE_QUARTER_T] = "quarter_t",
    [CLOCK_RATE_EIGHTH_T] = "eighth_t",
    [CLOCK_RATE_SIXTEENTH_T] = "sixteenth_t",
    [CLOCK_RATE_HALF_D] = "half_d",
    [CLOCK_RATE_QUARTER_D] = "quarter_d",
    [CLOCK_RATE_EIGHTH_D] = "eighth_d",
    [CLOCK_RATE_SIXTEENTH_D] = "sixteenth_d",
};
_Static_assert(sizeof clock_rate_names / sizeof clock_rate_names[0] == CLOCK_RATE_COUNT,
               "one name per rate");

/* Pulses a beat (a quarter note) for each rate. */
static const double clock_per_beats[] = {
    [CLOCK_RATE_BARS4] = 1.0 / 16.0,   [CLOCK_RATE_BARS2] = 1.0 / 8.0,
    [CLOCK_RATE_BAR] = 1.0 / 4.0,      [CLOCK_RATE_HALF] = 1.0 / 2.0,
    [CLOCK_RATE_QUARTER] = 1.0,        [CLOCK_RATE_EIGHTH] = 2.0,
    [CLOCK_RATE_SIXTEENTH] = 4.0,      [CLOCK_RATE_THIRTYSECOND] = 8.0,
    [CLOCK_RATE_HALF_T] = 3.0 / 4.0,   [CLOCK_RATE_QUARTER_T] = 3.0 / 2.0,
    [CLOCK_RATE_EIGHTH_T] = 3.0,       [CLOCK_RATE_SIXTEENTH_T] = 6.0,
    [CLOCK_RATE_HALF_D] = 1.0 / 3.0,   [CLOCK_RATE_QUARTER_D] = 2.0 / 3.0,
    [CLOCK_RATE_EIGHTH_D] = 4.0 / 3.0, [CLOCK_RATE_SIXTEENTH_D] = 8.0 / 3.0,
};
_Static_assert(sizeof clock_per_beats / sizeof clock_per_beats[0] == CLOCK_RATE_COUNT,
               "one entry per rate");

static const cx_port_info_t clock_outs[] = {
    [CLOCK_OUT_OUT] = {"out", CX_PORT_GATE, 0.0f, "high for width x period from each pulse"},
    [CLOCK_OUT_TRIG] = {"trig", CX_PORT_GATE, 0.0f, "1 ms pulse at each point of the grid"},
};
_Static_assert(sizeof clock_outs / sizeof clock_outs[0] == CLOCK_OUT_COUNT, "one entry per output");

static const cx_param_info_t clock_params[] = {
    [CLOCK_PARAM_RATE] = {0, "rate", "", 0.0f, (float)(CLOCK_RATE_COUNT - 1),
                          (float)CLOCK_RATE_QUARTER, CX_PARAM_ENUM | CX_PARAM_NO_RAMP,
                          clock_rate_names,
                          "note value of a pulse (quarter: a beat); _t triplet, _d dotted"},
    [CLOCK_PARAM_WIDTH] = {1, "width", "", 0.05f, 0.95f, 0.5f, CX_PARAM_NO_RAMP, NULL,
                           "pulse width as a fraction of the period"},
};
_Static_assert(sizeof clock_params / sizeof clock_params[0] == CLOCK_PARAM_COUNT,
               "one entry per parameter");

typedef struct clock_state {
	steps_t core; /* the transport, the grid (`rate`) and the pulses (steps.h) */
	float width;
} clock_state_t;

/* Sets a parameter; p is the block and pos the frame, for a rate change while running. */
static void clock_set(void *state, uint32_t index, float value, const cx_process_t *p, uint32_t pos)
{
	clock_state_t *s = state;
	const cx_param_info_t *info = &clock_params[index];
	value = cx_clampf(value, info->min, info->max);
	if (index == CLOCK_PARAM_RATE) {
		/* Renumbered on the new grid: a point exactly at pos still pulses at pos. The
		 * render cuts the pulse under way before the new grid's next point. */
		steps_set_grid(&s->core, p, pos, clock_per_beats[lroundf(value)]);
	} else if (index == CLOCK_PARAM_WIDTH) {
		s->width = value;
	}
}

/* Starts a pulse at frame i: every point of the grid pulses. */
static void clock_step(void *state, const cx_process_t *p, uint32_t i, uint32_t restart)
{
	clock_state_t *s = state;
	(void)restart; /* a clock has no reset */
	steps_pulse(&s->core, p, i, s->width);
}

static const steps_spec_t clock_spec = {
    .param_count = CLOCK_PARAM_COUNT,
    .reset_in = STEPS_NO_INPUT,
    .reset_mode = STEPS_RESET_NOW,
    .gate_out = CLOCK_OUT_OUT,
    .trig_out = CLOCK_OUT_TRIG,
    .set = clock_set,
    .play = NULL,
    .step = clock_step,
    .hold = NULL,
};

static void clock_reset(void *state)
{
	clock_state_t *s = state;
	steps_clear(&s->core);
}

static void clock_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	clock_state_t *s = state;
	(void)frames_max;
	steps_init(&s->core, sample_rate);
	for (uint32_t i = 0; i < CLOCK_PARAM_COUNT; i++)
		clock_set(s, i, params[i], NULL, 0);
	clock_reset(s);
}

static void clock_process(void *state, const cx_process_t *p)
{
	clock_state_t *s = state;
	steps_process(&s->core, &clock_spec, s, p);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "clock",
    .summary = "gate and trigger pulses on a note-value grid of the transport",
    .version = 1,
    .state_version = 3,
    .flags = 0,
    .state_size = sizeof(clock_state_t),
    .in_count = CLOCK_IN_COUNT,
    .ins = NULL,
    .out_count = CLOCK_OUT_COUNT,
    .outs = clock_outs,
    .param_count = CLOCK_PARAM_COUNT,
    .params = clock_params,
    .init = clock_init,
    .process = clock_process,
    .reset = clock_reset,
    .migrate = NULL,
};
