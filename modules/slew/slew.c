/*
 * slew — glide (portamento, a slew limiter) for pitch CV, timed in seconds per octave.
 *
 * The output follows the input at a limited rate. `rise` sets the time while the output climbs
 * towards an input above it and `fall` while it drops towards one below, both in seconds per
 * octave (per volt, at 1 V/oct), so a glide's length is in proportion to its interval: at
 * 0.1 s/oct a 2 V (two-octave) step takes 0.2 s. Two shapes:
 *
 *   linear       the output moves by 1 / (time x sample rate) volts a frame until it lands on
 *                the input exactly: a constant rate in octaves per second, the "constant rate"
 *                portamento of synthesizers such as the Minimoog and of analog slew limiters
 *                built from a comparator and an integrator (the glide of a Doepfer A-170);
 *   exponential  an RC lag (one-pole lowpass), y += (x - y) (1 - e^(-1 / (tau fs))), whose
 *                time constant tau = time / ln 1200 brings a one-octave jump within one cent of
 *                its target in `time` seconds: the glide of a resistor and capacitor, fast then
 *                slowing, as in most analog portamento circuits. A jump of n octaves takes
 *                time x ln(1200 n) / ln 1200 to come within a cent; it snaps onto the input
 *                once within 1e-9 V.
 * A time of 0 passes the input through unchanged. The state runs in double, so that a long
 * linear glide (10 s/oct over 20 octaves: 9.6 million frames at 48 kHz) keeps its time.
 *
 * The times and the shape step at their event's frame, as adsr's times do: the output stays
 * continuous and only its slope changes, so there is no zipper noise to smooth. The input is
 * read as specs/signals.md says (NaN as 0, clamped to ±10), so the output stays within ±10.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

#define SLEW_SNAP_V 1e-9 /* an exponential glide this close to its input lands on it */

enum { SLEW_IN_IN, SLEW_IN_COUNT };
enum { SLEW_OUT_OUT, SLEW_OUT_COUNT };
enum { SLEW_PARAM_RISE_S, SLEW_PARAM_FALL_S, SLEW_PARAM_SHAPE, SLEW_PARAM_COUNT };
enum { SLEW_SHAPE_LINEAR, SLEW_SHAPE_EXP, SLEW_SHAPE_COUNT };

static const cx_port_info_t slew_ins[] = {
    [SLEW_IN_IN] = {"in", CX_PORT_CV, 0.0f, "the CV to glide, 1 V/oct"},
};
_Static_assert(sizeof slew_ins / sizeof slew_ins[0] == SLEW_IN_COUNT, "one entry per input");

static const cx_port_info_t slew_outs[] = {
    [SLEW_OUT_OUT] = {"out", CX_PORT_CV, 0.0f, "the input, reached at the rise or fall rate"},
};
_Static_assert(sizeof slew_outs / sizeof slew_outs[0] == SLEW_OUT_COUNT, "one entry per output");

static const char *const slew_shape_names[] = {
    [SLEW_SHAPE_LINEAR] = "linear",
    [SLEW_SHAPE_EXP] = "exp",
};
_Static_assert(sizeof slew_shape_names / sizeof slew_shape_names[0] == SLEW_SHAPE_COUNT,
               "one name per shape");

static const cx_param_info_t slew_params[] = {
    [SLEW_PARAM_RISE_S] = {0, "rise", "s/oct", 0.0f, 10.0f, 0.1f, CX_PARAM_NO_RAMP, NULL,
                           "glide time upwards, seconds per octave (0: none)"},
    [SLEW_PARAM_FALL_S] = {1, "fall", "s/oct", 0.0f, 10.0f, 0.1f, CX_PARAM_NO_RAMP, NULL,
                           "glide time downwards, seconds per octave (0: none)"},
    [SLEW_PARAM_SHAPE] = {2, "shape", "", 0.0f, (float)(SLEW_SHAPE_COUNT - 1),
                          (float)SLEW_SHAPE_LINEAR, CX_PARAM_ENUM | CX_PARAM_NO_RAMP,
                          slew_shape_names, "linear: constant octaves per second; exp: an RC lag"},
};
_Static_assert(sizeof slew_params / sizeof slew_params[0] == SLEW_PARAM_COUNT,
               "one entry per parameter");

typedef struct slew_state {
	double sample_rate_hz;
	uint32_t shape;            /* SLEW_SHAPE_* */
	double up_v, down_v;       /* linear: volts a frame (1e30 for time 0: any distance) */
	double up_coef, down_coef; /* exponential: the part of the distance kept each frame */
	double out_v;
	uint32_t started; /* out_v holds a value (the first frame jumps to the input) */
} slew_state_t;

static float slew_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, slew_params[index].min, slew_params[index].max);
}

/* Linear: the volts a frame for a time in s/oct; 0 s moves any distance at once. */
static double slew_step_v(double sample_rate_hz, float time_s)
{
	return time_s > 0.0f ? 1.0 / ((double)time_s * sample_rate_hz) : 1e30;
}

/* Exponential: the distance kept each frame, e^(-1 / (tau fs)) with tau = time / ln 1200. */
static double slew_coef(double sample_rate_hz, float time_s)
{
	return time_s > 0.0f ? exp(-log(1200.0) / ((double)time_s * sample_rate_hz)) : 0.0;
}

static void slew_set(slew_state_t *s, uint32_t index, float value)
{
	value = slew_param_clamp(index, value);
	switch (index) {
	case SLEW_PARAM_RISE_S:
		s->up_v = slew_step_v(s->sample_rate_hz, value);
		s->up_coef = slew_coef(s->sample_rate_hz, value);
		break;
	case SLEW_PARAM_FALL_S:
		s->down_v = slew_step_v(s->sample_rate_hz, value);
		s->down_coef = slew_coef(s->sample_rate_hz, value);
		break;
	case SLEW_PARAM_SHAPE:
		s->shape = (uint32_t)value;
		break;
	}
}

static void slew_reset(void *state)
{
	slew_state_t *s = state;
	s->out_v = 0.0;
	s->started = 0;
}

static void slew_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	slew_state_t *s = state;
	(void)frames_max;
	s->sample_rate_hz = (double)sample_rate;
	for (uint32_t i = 0; i < SLEW_PARAM_COUNT; i++)
		slew_set(s, i, params[i]);
	slew_reset(s);
}

static void slew_apply(slew_state_t *s, const cx_event_t *e)
{
	if (e->kind == CX_EVENT_PARAM && e->index < SLEW_PARAM_COUNT)
		slew_set(s, e->index, e->value);
}

static void slew_linear(slew_state_t *s, const float *in, float *out, uint32_t from, uint32_t to)
{
	double y = s->out_v;
	const double up = s->up_v, down = s->down_v;
	for (uint32_t i = from; i < to; i++) {
		double x = (double)cx_sanitizef(in[i], CX_INPUT_LIMIT);
		if (x > y)
			y = y + up < x ? y + up : x;
		else
			y = y - down > x ? y - down : x;
		out[i] = (float)y;
	}
	s->out_v = y;
}

static void slew_exp(slew_state_t *s, const float *in, float *out, uint32_t from, uint32_t to)
{
	double y = s->out_v;
	const double up = s->up_coef, down = s->down_coef;
	for (uint32_t i = from; i < to; i++) {
		double x = (double)cx_sanitizef(in[i], CX_INPUT_LIMIT);
		double d = y - x;
		d *= d < 0.0 ? up : down;
		y = fabs(d) > SLEW_SNAP_V ? x + d : x;
		out[i] = (float)y;
	}
	s->out_v = y;
}

static void slew_render(slew_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to)
{
	const float *in = p->in[SLEW_IN_IN];
	if (!s->started && from < to) {
		/* a new instance starts where its input is, not gliding up from 0 V */
		s->out_v = (double)cx_sanitizef(in[from], CX_INPUT_LIMIT);
		s->started = 1;
	}
	if (s->shape == SLEW_SHAPE_EXP)
		slew_exp(s, in, p->out[SLEW_OUT_OUT], from, to);
	else
		slew_linear(s, in, p->out[SLEW_OUT_OUT], from, to);
}

static void slew_process(void *state, const cx_process_t *p)
{
	slew_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			slew_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		slew_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		slew_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "slew",
    .summary = "glide: the output follows the input at a rate in seconds per octave",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(slew_state_t),
    .in_count = SLEW_IN_COUNT,
    .ins = slew_ins,
    .out_count = SLEW_OUT_COUNT,
    .outs = slew_outs,
    .param_count = SLEW_PARAM_COUNT,
    .params = slew_params,
    .init = slew_init,
    .process = slew_process,
    .reset = slew_reset,
    .migrate = NULL,
};
