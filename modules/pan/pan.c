/*
 * pan — a constant-power panner: one input to a left and a right output.
 *
 * The position x = pan + the `pan` CV, limited to [-1, 1], sets an angle theta = (x + 1) pi / 4
 * from 0 (left) to pi / 2 (right), and
 *
 *	left = in cos(theta),   right = in sin(theta),
 *
 * so left^2 + right^2 = in^2 everywhere: the power, and the loudness of a mono source heard in
 * stereo, stays the same wherever it is placed. At the centre each side is cos(pi / 4) =
 * 0.7071 (-3.01 dB). This is the sine/cosine pan law of mixing consoles, as given in
 * C. Roads, "The Computer Music Tutorial" (MIT Press, 1996), ch. 9 ("constant power
 * panning"), and used by the engine's own `out` (specs/signals.md).
 *
 * Both gains are sines, left = sin(pi (1 - x) / 4) and right = sin(pi (1 + x) / 4), from
 * cx_sinpif, which is exactly 0 at 0: full left leaves the right output exactly silent and
 * full right the left. The law holds to the polynomial's error (about 2e-7).
 *
 * The `pan` parameter ramps over CX_RAMP_S; the CV is read every frame. When neither moves over
 * a chunk the gains are computed once for it. The input is read as specs/signals.md says (NaN
 * as 0, clamped to ±10), so the outputs stay within ±10.
 *
 * Follows the RT rules in module.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { PAN_IN_IN, PAN_IN_PAN, PAN_IN_COUNT };
enum { PAN_OUT_LEFT, PAN_OUT_RIGHT, PAN_OUT_COUNT };
enum { PAN_PARAM_PAN, PAN_PARAM_COUNT };

static const cx_port_info_t pan_ins[] = {
    [PAN_IN_IN] = {"in", CX_PORT_AUDIO, 0.0f, "signal to place"},
    [PAN_IN_PAN] = {"pan", CX_PORT_CV, 0.0f, "added to the pan parameter: -1 left, 1 right"},
};
_Static_assert(sizeof pan_ins / sizeof pan_ins[0] == PAN_IN_COUNT, "one entry per input");

static const cx_port_info_t pan_outs[] = {
    [PAN_OUT_LEFT] = {"left", CX_PORT_AUDIO, 0.0f, "in times cos((pan + 1) pi / 4)"},
    [PAN_OUT_RIGHT] = {"right", CX_PORT_AUDIO, 0.0f, "in times sin((pan + 1) pi / 4)"},
};
_Static_assert(sizeof pan_outs / sizeof pan_outs[0] == PAN_OUT_COUNT, "one entry per output");

static const cx_param_info_t pan_params[] = {
    [PAN_PARAM_PAN] = {0, "pan", "", -1.0f, 1.0f, 0.0f, 0, NULL,
                       "-1 full left, 0 centre (-3 dB each side), 1 full right"},
};
_Static_assert(sizeof pan_params / sizeof pan_params[0] == PAN_PARAM_COUNT,
               "one entry per parameter");

typedef struct pan_state {
	uint32_t ramp_frames;
	cx_ramp_t pan;
} pan_state_t;

static float pan_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, pan_params[index].min, pan_params[index].max);
}

static void pan_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	pan_state_t *s = state;
	(void)frames_max;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	cx_ramp_snap(&s->pan, pan_param_clamp(PAN_PARAM_PAN, params[PAN_PARAM_PAN]));
}

static void pan_apply(pan_state_t *s, const cx_event_t *e)
{
	if (e->kind == CX_EVENT_PARAM && e->index == PAN_PARAM_PAN)
		cx_ramp_to(&s->pan, pan_param_clamp(e->index, e->value), s->ramp_frames);
}

/* The gains of a position (the parameter plus the CV), constant power (see the header). */
static inline void pan_gains(float pan, float cv, float *left, float *right)
{
	float x = cx_clampf(pan + cx_sanitizef(cv, CX_INPUT_LIMIT), -1.0f, 1.0f);
	*left = cx_sinpif(0.25f * (1.0f - x));
	*right = cx_sinpif(0.25f * (1.0f + x));
}

static void pan_render(pan_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	const float *in = p->in[PAN_IN_IN], *cv = p->in[PAN_IN_PAN];
	float *left = p->out[PAN_OUT_LEFT], *right = p->out[PAN_OUT_RIGHT];
	uint32_t n;
	for (uint32_t pos = begin; pos < end; pos += n) {
		n = end - pos < CX_CHUNK_FRAMES ? end - pos : CX_CHUNK_FRAMES;
		if (s->pan.frames_left == 0 && cx_is_constant(cv + pos, n)) {
			float gl, gr;
			pan_gains(s->pan.value, cv[pos], &gl, &gr);
			for (uint32_t i = pos; i < pos + n; i++) {
				float x = cx_sanitizef(in[i], CX_INPUT_LIMIT);
				left[i] = gl * x;
				right[i] = gr * x;
			}
			continue;
		}
		for (uint32_t i = pos; i < pos + n; i++) {
			float gl, gr;
			pan_gains(cx_ramp_next(&s->pan), cv[i], &gl, &gr);
			float x = cx_sanitizef(in[i], CX_INPUT_LIMIT);
			left[i] = gl * x;
			right[i] = gr * x;
		}
	}
}

static void pan_process(void *state, const cx_process_t *p)
{
	pan_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			pan_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		pan_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		pan_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "pan",
    .summary = "constant-power panner: -3 dB at the centre",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(pan_state_t),
    .in_count = PAN_IN_COUNT,
    .ins = pan_ins,
    .out_count = PAN_OUT_COUNT,
    .outs = pan_outs,
    .param_count = PAN_PARAM_COUNT,
    .params = pan_params,
    .init = pan_init,
    .process = pan_process,
    .reset = NULL,
    .migrate = NULL,
};
