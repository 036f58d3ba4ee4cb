/*
 * vca — a linear voltage-controlled amplifier: out = in * cv * gain.
 *
 * An ideal linear, four-quadrant VCA (an analog multiplier; a negative cv inverts the
 * signal, so it also ring-modulates): a multiplication. `gain` ramps linearly over CX_RAMP_S
 * towards each new value so that a step makes no zipper noise (chronus/dsp.h); `cv` defaults
 * to 1, so an unpatched vca passes its input scaled by `gain`. The output is sanitized: NaN
 * reads as 0 and it is limited to ±CX_INPUT_LIMIT, the rails every input is read within.
 *
 * Follows the RT rules in module.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { VCA_IN_IN, VCA_IN_CV, VCA_IN_COUNT };
enum { VCA_OUT_OUT, VCA_OUT_COUNT };
enum { VCA_PARAM_GAIN, VCA_PARAM_COUNT };

static const cx_port_info_t vca_ins[] = {
    [VCA_IN_IN] = {"in", CX_PORT_AUDIO, 0.0f, "signal to amplify"},
    [VCA_IN_CV] = {"cv", CX_PORT_CV, 1.0f, "linear gain control, 0..1 (1 when unpatched)"},
};
_Static_assert(sizeof vca_ins / sizeof vca_ins[0] == VCA_IN_COUNT, "one entry per input");

static const cx_port_info_t vca_outs[] = {
    [VCA_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "in * cv * gain"},
};
_Static_assert(sizeof vca_outs / sizeof vca_outs[0] == VCA_OUT_COUNT, "one entry per output");

static const cx_param_info_t vca_params[] = {
    [VCA_PARAM_GAIN] = {0, "gain", "", 0.0f, 2.0f, 1.0f, 0, NULL, "linear gain"},
};
_Static_assert(sizeof vca_params / sizeof vca_params[0] == VCA_PARAM_COUNT,
               "one entry per parameter");

typedef struct vca_state {
	uint32_t ramp_frames;
	cx_ramp_t gain;
} vca_state_t;

static float vca_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, vca_params[index].min, vca_params[index].max);
}

static void vca_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	vca_state_t *s = state;
	(void)frames_max;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	cx_ramp_snap(&s->gain, vca_param_clamp(VCA_PARAM_GAIN, params[VCA_PARAM_GAIN]));
}

static void vca_reset(void *state)
{
	(void)state; /* no DSP state: the gain is a parameter */
}

static void vca_apply(vca_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index != VCA_PARAM_GAIN)
		return;
	cx_ramp_to(&s->gain, vca_param_clamp(VCA_PARAM_GAIN, e->value), s->ramp_frames);
}

/* Sanitizing the product covers every bad input at once: NaN anywhere (and 0 * inf) gives
 * NaN, which reads as 0; infinities and huge values clamp. */
static inline float vca_tick(float in, float cv, float gain)
{
	return cx_sanitizef(in * cv * gain, CX_INPUT_LIMIT);
}

static void vca_render(vca_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	const float *in = p->in[VCA_IN_IN];
	const float *cv = p->in[VCA_IN_CV];
	float *out = p->out[VCA_OUT_OUT];
	uint32_t i = begin;
	for (; i < end && s->gain.frames_left > 0; i++)
		out[i] = vca_tick(in[i], cv[i], cx_ramp_next(&s->gain));
	float gain =
	    s->gain.value; /* a local: out[] could alias the state for all the compiler knows */
	for (; i < end; i++)
		out[i] = vca_tick(in[i], cv[i], gain);
}

static void vca_process(void *state, const cx_process_t *p)
{
	vca_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			vca_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		vca_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		vca_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "vca",
    .summary = "linear amplifier: out = in * cv * gain",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(vca_state_t),
    .in_count = VCA_IN_COUNT,
    .ins = vca_ins,
    .out_count = VCA_OUT_COUNT,
    .outs = vca_outs,
    .param_count = VCA_PARAM_COUNT,
    .params = vca_params,
    .init = vca_init,
    .process = vca_process,
    .reset = vca_reset,
    .migrate = NULL,
};
