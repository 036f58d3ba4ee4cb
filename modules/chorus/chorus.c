/*
 * chorus — a stereo chorus: the input read back from a delay line whose length a sine LFO
 * sweeps, once for the left output and once for the right, their LFOs apart by `spread`.
 *
 * The classic modulated-delay chorus (e.g. J. Dattorro, "Effect Design, Part 2: Delay-Line
 * Modulation and Chorus", JAES 45(10), 1997): each voice reads the line at
 *	d(t) = CHORUS_CENTRE_S + depth CHORUS_EXCURSION_S sin(2 pi rate t + phase),
 * 12 ms plus or minus up to 6 ms, so the copy's pitch wavers against the dry signal's. The
 * right voice's phase leads the left's by spread x 180 degrees (0: the same voice on both
 * sides; 1: opposite). The line is read by 4-point cubic Hermite (Catmull-Rom) interpolation,
 * which follows a moving read point smoothly and reproduces straight lines exactly (the test
 * reads the delay back from a ramp). The LFO's phase is a 32-bit fraction of a cycle stepped
 * every frame, so its rate is exact to 2^-32 of a cycle a frame and it never drifts.
 *
 * left = (1 - mix) in + mix voice_l, right likewise, out = their mean. There is no feedback:
 * 18 ms after the input stops, the output is exactly 0.
 *
 * Bounds: the input is clamped to ±10, the interpolation stays within 1.25 times its points,
 * and the outputs are clamped to ±10.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { CHORUS_IN_IN, CHORUS_IN_COUNT };
enum { CHORUS_OUT_OUT, CHORUS_OUT_LEFT, CHORUS_OUT_RIGHT, CHORUS_OUT_COUNT };
enum {
	CHORUS_PARAM_RATE_HZ,
	CHORUS_PARAM_DEPTH,
	CHORUS_PARAM_MIX,
	CHORUS_PARAM_SPREAD,
	CHORUS_PARAM_COUNT
};

static const cx_port_info_t chorus_ins[] = {
    [CHORUS_IN_IN] = {"in", CX_PORT_AUDIO, 0.0f, "signal to chorus"},
};
_Static_assert(sizeof chorus_ins / sizeof chorus_ins[0] == CHORUS_IN_COUNT, "one entry per input");

static const cx_port_info_t chorus_outs[] = {
    [CHORUS_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "mean of left and right"},
    [CHORUS_OUT_LEFT] = {"left", CX_PORT_AUDIO, 0.0f, "dry and the left voice"},
    [CHORUS_OUT_RIGHT] = {"right", CX_PORT_AUDIO, 0.0f, "dry and the right voice"},
};
_Static_assert(sizeof chorus_outs / sizeof chorus_outs[0] == CHORUS_OUT_COUNT,
               "one entry per output");

static const cx_param_info_t chorus_params[] = {
    [CHORUS_PARAM_RATE_HZ] = {0, "rate", "Hz", 0.01f, 10.0f, 0.5f, CX_PARAM_LOG, NULL,
                              "LFO rate: how often the delay sweeps"},
    [CHORUS_PARAM_DEPTH] = {1, "depth", "", 0.0f, 1.0f, 0.5f, 0, NULL,
                            "sweep: 1 is +-6 ms around 12 ms"},
    [CHORUS_PARAM_MIX] = {2, "mix", "", 0.0f, 1.0f, 0.5f, 0, NULL, "0: dry, 1: voices only"},
    [CHORUS_PARAM_SPREAD] = {3, "spread", "", 0.0f, 1.0f, 0.5f, 0, NULL,
                             "right LFO ahead of the left by 0..180 degrees"},
};
_Static_assert(sizeof chorus_params / sizeof chorus_params[0] == CHORUS_PARAM_COUNT,
               "one entry per parameter");

#define CHORUS_CENTRE_S    0.012f
#define CHORUS_EXCURSION_S 0.006f
#define CHORUS_LINE_FRAMES 4096u /* > 18 ms at 96 kHz + 4, a power of two */
#define CHORUS_RATE_MAX_HZ 96000.0f
#define CHORUS_OUT_MAX     10.0f

typedef struct chorus_state {
	float sample_rate;
	uint32_t ramp_frames;
	float centre;    /* frames */
	float excursion; /* frames, at depth 1 */
	cx_ramp_log_t rate_hz;
	cx_ramp_t depth;
	cx_ramp_t mix;
	cx_ramp_t spread;
	uint32_t phase;     /* the left LFO's phase, 2^32 a cycle */
	uint32_t step;      /* its step a frame, for `held_rate_hz` */
	float held_rate_hz; /* NaN: work the step out */
	uint32_t write;     /* the next frame written */
	float line[CHORUS_LINE_FRAMES];
} chorus_state_t;

static float chorus_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, chorus_params[index].min, chorus_params[index].max);
}

static void chorus_reset(void *state)
{
	chorus_state_t *s = state;
	memset(s->line, 0, sizeof s->line);
	s->write = 0;
	s->phase = 0;
}

static void chorus_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	chorus_state_t *s = state;
	(void)frames_max;
	s->sample_rate = sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	float rate = cx_clampf(sample_rate, 1.0f, CHORUS_RATE_MAX_HZ);
	s->centre = CHORUS_CENTRE_S * rate;
	s->excursion = CHORUS_EXCURSION_S * rate;
	cx_ramp_log_snap(&s->rate_hz,
	                 chorus_param_clamp(CHORUS_PARAM_RATE_HZ, params[CHORUS_PARAM_RATE_HZ]));
	cx_ramp_snap(&s->depth, chorus_param_clamp(CHORUS_PARAM_DEPTH, params[CHORUS_PARAM_DEPTH]));
	cx_ramp_snap(&s->mix, chorus_param_clamp(CHORUS_PARAM_MIX, params[CHORUS_PARAM_MIX]));
	cx_ramp_snap(&s->spread,
	             chorus_param_clamp(CHORUS_PARAM_SPREAD, params[CHORUS_PARAM_SPREAD]));
	s->held_rate_hz = NAN;
	chorus_reset(s);
}

static void chorus_apply(chorus_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= CHORUS_PARAM_COUNT)
		return;
	float v = chorus_param_clamp(e->index, e->value);
	switch (e->index) {
	case CHORUS_PARAM_RATE_HZ:
		cx_ramp_log_to(&s->rate_hz, v, s->ramp_frames);
		break;
	case CHORUS_PARAM_DEPTH:
		cx_ramp_to(&s->depth, v, s->ramp_frames);
		break;
	case CHORUS_PARAM_MIX:
		cx_ramp_to(&s->mix, v, s->ramp_frames);
		break;
	case CHORUS_PARAM_SPREAD:
		cx_ramp_to(&s->spread, v, s->ramp_frames);
		break;
	}
}

/* sin(2 pi phase / 2^32). */
static inline float chorus_sine(uint32_t phase)
{
	return cx_sinpif((float)phase * (2.0f / 4294967296.0f) - 1.0f) * -1.0f;
}

/* Reads the line `delay` frames (>= 2) before the frame `write` is about to take, by
 * Catmull-Rom through the samples either side. */
static inline float chorus_read(const float *line, uint32_t write, float delay)
{
	const uint32_t mask = CHORUS_LINE_FRAMES - 1u;
	float whole = floorf(delay), t = delay - whole;
	uint32_t at = write - (uint32_t)whole;
	float y1 = line[(at + 1u) & mask], y0 = line[at & mask];
	float ym1 = line[(at - 1u) & mask], ym2 = line[(at - 2u) & mask];
	float c1 = 0.5f * (ym1 - y1);
	float c2 = y1 - 2.5f * y0 + 2.0f * ym1 - 0.5f * ym2;
	float c3 = 0.5f * (ym2 - y1) + 1.5f * (y0 - ym1);
	return ((c3 * t + c2) * t + c1) * t + y0;
}

static void chorus_render(chorus_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	const float *in = p->in[CHORUS_IN_IN];
	float *out = p->out[CHORUS_OUT_OUT], *left = p->out[CHORUS_OUT_LEFT];
	float *right = p->out[CHORUS_OUT_RIGHT];
	const uint32_t mask = CHORUS_LINE_FRAMES - 1u;
	for (uint32_t i = begin; i < end; i++) {
		float rate_hz = cx_ramp_log_next(&s->rate_hz);
		if (rate_hz != s->held_rate_hz) {
			s->step =
			    (uint32_t)((double)rate_hz / (double)s->sample_rate * 4294967296.0 +
			               0.5);
			s->held_rate_hz = rate_hz;
		}
		float sweep = s->excursion * cx_ramp_next(&s->depth);
		float mix = cx_ramp_next(&s->mix);
		uint32_t offset = (uint32_t)(cx_ramp_next(&s->spread) * 2147483648.0f);
		float x = cx_sanitizef(in[i], CX_INPUT_LIMIT);
		uint32_t w = s->write;
		s->line[w & mask] = x;
		s->write = w + 1u;
		uint32_t phase = s->phase;
		s->phase = phase + s->step;
		float wet_l = chorus_read(s->line, w, s->centre + sweep * chorus_sine(phase));
		float wet_r =
		    chorus_read(s->line, w, s->centre + sweep * chorus_sine(phase + offset));
		float dry = (1.0f - mix) * x;
		float l = dry + mix * wet_l, r = dry + mix * wet_r;
		left[i] = cx_clampf(l, -CHORUS_OUT_MAX, CHORUS_OUT_MAX);
		right[i] = cx_clampf(r, -CHORUS_OUT_MAX, CHORUS_OUT_MAX);
		out[i] = cx_clampf(0.5f * (l + r), -CHORUS_OUT_MAX, CHORUS_OUT_MAX);
	}
}

static void chorus_process(void *state, const cx_process_t *p)
{
	chorus_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			chorus_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		chorus_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		chorus_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "chorus",
    .summary = "stereo chorus: two LFO-swept delay voices",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(chorus_state_t),
    .in_count = CHORUS_IN_COUNT,
    .ins = chorus_ins,
    .out_count = CHORUS_OUT_COUNT,
    .outs = chorus_outs,
    .param_count = CHORUS_PARAM_COUNT,
    .params = chorus_params,
    .init = chorus_init,
    .process = chorus_process,
    .reset = chorus_reset,
    .migrate = NULL,
};
