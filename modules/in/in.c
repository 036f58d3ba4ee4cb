/*
 * in — the engine's stereo audio input (its JACK capture ports) as a module.
 *
 * The engine copies its two input channels for each period into cx_process_t.host_in[0] and
 * [1] (module.h); this module reads them and hands them to the patch:
 *
 *	left = gain L,   right = gain R,   mono = gain (L + R) / 2,
 *
 * each limited to ±10. The mono sum is the average, so a source centred in both channels
 * comes out at the level it went in. There is no algorithm here beyond the gain; the reading
 * is as specs/signals.md asks of any input (NaN as 0, clamped to ±10), and a block whose
 * host_in is NULL (a host with no audio input) reads silence.
 *
 * `gain` ramps over CX_RAMP_S, linearly, so a change makes no zipper noise. The engine's input
 * arrives in the period it was captured in: a patch from `in` to `out` has the engine's
 * round-trip latency, no more.
 *
 * Follows the RT rules in module.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

#define IN_OUT_LIMIT 10.0f

enum { IN_IN_COUNT };
enum { IN_OUT_LEFT, IN_OUT_RIGHT, IN_OUT_MONO, IN_OUT_COUNT };
enum { IN_PARAM_GAIN, IN_PARAM_COUNT };

static const cx_port_info_t in_outs[] = {
    [IN_OUT_LEFT] = {"left", CX_PORT_AUDIO, 0.0f, "the engine's left input times gain"},
    [IN_OUT_RIGHT] = {"right", CX_PORT_AUDIO, 0.0f, "the engine's right input times gain"},
    [IN_OUT_MONO] = {"mono", CX_PORT_AUDIO, 0.0f, "(left + right) / 2 times gain"},
};
_Static_assert(sizeof in_outs / sizeof in_outs[0] == IN_OUT_COUNT, "one entry per output");

static const cx_param_info_t in_params[] = {
    [IN_PARAM_GAIN] = {0, "gain", "", 0.0f, 4.0f, 1.0f, 0, NULL,
                       "linear gain, 0 (silent) .. 4 (+12 dB); 1 passes the input as it is"},
};
_Static_assert(sizeof in_params / sizeof in_params[0] == IN_PARAM_COUNT, "one entry per parameter");

typedef struct in_state {
	uint32_t ramp_frames;
	cx_ramp_t gain;
} in_state_t;

static float in_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, in_params[index].min, in_params[index].max);
}

static void in_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	in_state_t *s = state;
	(void)frames_max;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	cx_ramp_snap(&s->gain, in_param_clamp(IN_PARAM_GAIN, params[IN_PARAM_GAIN]));
}

static void in_apply(in_state_t *s, const cx_event_t *e)
{
	if (e->kind == CX_EVENT_PARAM && e->index == IN_PARAM_GAIN)
		cx_ramp_to(&s->gain, in_param_clamp(e->index, e->value), s->ramp_frames);
}

static void in_render(in_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to)
{
	const float *hl = p->host_in[0], *hr = p->host_in[1];
	float *left = p->out[IN_OUT_LEFT], *right = p->out[IN_OUT_RIGHT];
	float *mono = p->out[IN_OUT_MONO];
	if (s->gain.frames_left == 0 && hl != NULL && hr != NULL) { /* the usual case */
		const float g = s->gain.value;
		for (uint32_t i = from; i < to; i++) {
			float l = cx_sanitizef(hl[i], CX_INPUT_LIMIT);
			float r = cx_sanitizef(hr[i], CX_INPUT_LIMIT);
			left[i] = cx_clampf(g * l, -IN_OUT_LIMIT, IN_OUT_LIMIT);
			right[i] = cx_clampf(g * r, -IN_OUT_LIMIT, IN_OUT_LIMIT);
			mono[i] = cx_clampf(g * (0.5f * (l + r)), -IN_OUT_LIMIT, IN_OUT_LIMIT);
		}
		return;
	}
	for (uint32_t i = from; i < to; i++) {
		float g = cx_ramp_next(&s->gain);
		float l = hl != NULL ? cx_sanitizef(hl[i], CX_INPUT_LIMIT) : 0.0f;
		float r = hr != NULL ? cx_sanitizef(hr[i], CX_INPUT_LIMIT) : 0.0f;
		left[i] = cx_clampf(g * l, -IN_OUT_LIMIT, IN_OUT_LIMIT);
		right[i] = cx_clampf(g * r, -IN_OUT_LIMIT, IN_OUT_LIMIT);
		mono[i] = cx_clampf(g * (0.5f * (l + r)), -IN_OUT_LIMIT, IN_OUT_LIMIT);
	}
}

static void in_process(void *state, const cx_process_t *p)
{
	in_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			in_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		in_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		in_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "in",
    .summary = "the engine's stereo audio input: left, right and a mono sum",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(in_state_t),
    .in_count = IN_IN_COUNT,
    .ins = NULL,
    .out_count = IN_OUT_COUNT,
    .outs = in_outs,
    .param_count = IN_PARAM_COUNT,
    .params = in_params,
    .init = in_init,
    .process = in_process,
    .reset = NULL,
    .migrate = NULL,
};
