/*
 * out — the stereo sink: what reaches the engine's audio outputs.
 *
 * left  = level * (left_in  + cos(theta) * in)
 * right = level * (right_in + sin(theta) * in),   theta = (pan + 1) pi / 4:
 * the constant-power (sine/cosine) pan law, as in C. Roads, "The Computer Music Tutorial"
 * (MIT Press, 1996), on panning: a centred mono input is -3 dB in each channel, and its power
 * is the same at every pan position.
 *
 * `level` and `pan` ramp linearly over CX_RAMP_S towards each new value; the channel gains are
 * worked out once per segment when neither ramps, else every frame, with the polynomial sine
 * of chronus/dsp.h. The engine mixes the two outputs to its audio outputs and limits after
 * all sinks, so this module does not limit. Inputs are sanitized (NaN reads as 0, beyond
 * ±CX_INPUT_LIMIT is clamped), so |left|, |right| <= 2 * CX_INPUT_LIMIT.
 *
 * Follows the RT rules in module.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { OUT_IN_IN, OUT_IN_LEFT, OUT_IN_RIGHT, OUT_IN_COUNT };
enum { OUT_OUT_LEFT, OUT_OUT_RIGHT, OUT_OUT_COUNT };
enum { OUT_PARAM_LEVEL, OUT_PARAM_PAN, OUT_PARAM_COUNT };

static const cx_port_info_t out_ins[] = {
    [OUT_IN_IN] = {"in", CX_PORT_AUDIO, 0.0f, "mono input, placed by pan"},
    [OUT_IN_LEFT] = {"left", CX_PORT_AUDIO, 0.0f, "left input, straight to the left output"},
    [OUT_IN_RIGHT] = {"right", CX_PORT_AUDIO, 0.0f, "right input, straight to the right output"},
};
_Static_assert(sizeof out_ins / sizeof out_ins[0] == OUT_IN_COUNT, "one entry per input");

/* A sink's first two outputs are what the engine mixes to its left and right outputs. */
static const cx_port_info_t out_outs[] = {
    [OUT_OUT_LEFT] = {"left", CX_PORT_AUDIO, 0.0f, "left channel"},
    [OUT_OUT_RIGHT] = {"right", CX_PORT_AUDIO, 0.0f, "right channel"},
};
_Static_assert(sizeof out_outs / sizeof out_outs[0] == OUT_OUT_COUNT, "one entry per output");

static const cx_param_info_t out_params[] = {
    [OUT_PARAM_LEVEL] = {0, "level", "", 0.0f, 1.0f, 0.8f, 0, NULL, "output level, linear"},
    [OUT_PARAM_PAN] = {1, "pan", "", -1.0f, 1.0f, 0.0f, 0, NULL,
                       "place of the mono input: -1 left, 0 centre, 1 right"},
};
_Static_assert(sizeof out_params / sizeof out_params[0] == OUT_PARAM_COUNT,
               "one entry per parameter");

typedef struct out_state {
	uint32_t ramp_frames;
	cx_ramp_t level;
	cx_ramp_t pan;
} out_state_t;

/* The gains of one frame: left and right inputs, and the mono input to each side. */
typedef struct out_gains {
	float level, in_left, in_right;
} out_gains_t;

static float out_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, out_params[index].min, out_params[index].max);
}

static void out_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	out_state_t *s = state;
	(void)frames_max;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	cx_ramp_snap(&s->level, out_param_clamp(OUT_PARAM_LEVEL, params[OUT_PARAM_LEVEL]));
	cx_ramp_snap(&s->pan, out_param_clamp(OUT_PARAM_PAN, params[OUT_PARAM_PAN]));
}

static void out_reset(void *state)
{
	(void)state; /* no DSP state: level and pan are parameters */
}

static void out_apply(out_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= OUT_PARAM_COUNT)
		return;
	cx_ramp_t *r = e->index == OUT_PARAM_LEVEL ? &s->level : &s->pan;
	cx_ramp_to(r, out_param_clamp(e->index, e->value), s->ramp_frames);
}

static inline out_gains_t out_gains(float level, float pan)
{
	float theta = (pan + 1.0f) * 0.25f; /* in units of pi: 0 (left) .. 1/2 (right) */
	return (out_gains_t){level, level * cx_sinpif(0.5f - theta), level * cx_sinpif(theta)};
}

static inline void out_tick(out_gains_t g, float in, float left, float right, float *out_left,
                            float *out_right)
{
	in = cx_sanitizef(in, CX_INPUT_LIMIT);
	*out_left = g.level * cx_sanitizef(left, CX_INPUT_LIMIT) + g.in_left * in;
	*out_right = g.level * cx_sanitizef(right, CX_INPUT_LIMIT) + g.in_right * in;
}

static void out_render(out_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	const float *in = p->in[OUT_IN_IN], *left = p->in[OUT_IN_LEFT],
	            *right = p->in[OUT_IN_RIGHT];
	float *out_left = p->out[OUT_OUT_LEFT], *out_right = p->out[OUT_OUT_RIGHT];
	uint32_t i = begin;
	for (; i < end && (s->level.frames_left > 0 || s->pan.frames_left > 0); i++) {
		out_gains_t g = out_gains(cx_ramp_next(&s->level), cx_ramp_next(&s->pan));
		out_tick(g, in[i], left[i], right[i], &out_left[i], &out_right[i]);
	}
	out_gains_t g = out_gains(s->level.value, s->pan.value);
	for (; i < end; i++)
		out_tick(g, in[i], left[i], right[i], &out_left[i], &out_right[i]);
}

static void out_process(void *state, const cx_process_t *p)
{
	out_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			out_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		out_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		out_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "out",
    .summary = "stereo sink: level and constant-power pan",
    .version = 1,
    .state_version = 1,
    .flags = CX_MODULE_SINK,
    .state_size = sizeof(out_state_t),
    .in_count = OUT_IN_COUNT,
    .ins = out_ins,
    .out_count = OUT_OUT_COUNT,
    .outs = out_outs,
    .param_count = OUT_PARAM_COUNT,
    .params = out_params,
    .init = out_init,
    .process = out_process,
    .reset = out_reset,
    .migrate = NULL,
};
