/*
 * phaser — a chain of 4 to 12 first-order allpass stages swept by a sine LFO, mixed with the
 * dry signal so that notches move through the spectrum, with feedback around the chain.
 *
 * The analog phaser's structure (the MXR Phase 90, the Uni-Vibe's ancestors) in its usual
 * digital form (e.g. J. O. Smith, "Physical Audio Signal Processing", online book, 2010,
 * "Phasing with First-Order Allpass Filters"): every stage is the same first-order allpass
 *	H(z) = (a + z^-1) / (1 + a z^-1),   a = (tan(pi f / fs) - 1) / (tan(pi f / fs) + 1),
 * whose phase passes -90 degrees at its break frequency f, computed every frame (as
 * (sin - cos) / (sin + cos) of pi f / fs, one division) for
 *	f = freq x 2^(3 depth sin(2 pi rate t)),
 * a sweep of up to +-3 octaves around `freq`, held within 10 Hz..0.45 fs. Each stage runs in
 * transposed direct form II: y = a v + s, s = v - a y. Summed with the dry signal (`mix` 0.5:
 * equal parts), the chain's output cancels it wherever the chain turns an odd multiple of 180
 * degrees: stages / 2 notches. `feedback` adds the chain's last output, one frame late, to its
 * input: positive sharpens the peaks between the notches, negative moves them. What is fed
 * back passes a soft knee (linear to ±1, bending towards ±2), so loud input cannot pile up
 * around the loop (at 0.9 and DC the loop would otherwise gain 20 dB).
 *
 * The LFO's phase is a 32-bit fraction of a cycle stepped every frame: its rate is exact to
 * 2^-32 of a cycle a frame (tests/modules/phaser reads it back from the chain's phase).
 * `stages` steps at its frame (a new chain length is a new filter; the states carry over).
 *
 * out = (1 - mix) in + mix chain. Bounds: the input is clamped to ±10, the feedback to ±2,
 * and the output clamped to ±10.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { PHASER_IN_IN, PHASER_IN_COUNT };
enum { PHASER_OUT_OUT, PHASER_OUT_COUNT };
enum {
	PHASER_PARAM_RATE_HZ,
	PHASER_PARAM_DEPTH,
	PHASER_PARAM_FEEDBACK,
	PHASER_PARAM_MIX,
	PHASER_PARAM_STAGES,
	PHASER_PARAM_FREQ_HZ,
	PHASER_PARAM_COUNT
};

static const cx_port_info_t phaser_ins[] = {
    [PHASER_IN_IN] = {"in", CX_PORT_AUDIO, 0.0f, "signal to phase"},
};
_Static_assert(sizeof phaser_ins / sizeof phaser_ins[0] == PHASER_IN_COUNT, "one entry per input");

static const cx_port_info_t phaser_outs[] = {
    [PHASER_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "dry and the allpass chain"},
};
_Static_assert(sizeof phaser_outs / sizeof phaser_outs[0] == PHASER_OUT_COUNT,
               "one entry per output");

#define PHASER_STAGES_MAX 12

static const cx_param_info_t phaser_params[] = {
    [PHASER_PARAM_RATE_HZ] = {0, "rate", "Hz", 0.01f, 10.0f, 0.5f, CX_PARAM_LOG, NULL,
                              "LFO rate: how often the notches sweep"},
    [PHASER_PARAM_DEPTH] = {1, "depth", "", 0.0f, 1.0f, 0.7f, 0, NULL,
                            "sweep: 1 is +-3 octaves around freq"},
    [PHASER_PARAM_FEEDBACK] = {2, "feedback", "", -0.9f, 0.9f, 0.3f, 0, NULL,
                               "chain output back to its input: sharper peaks"},
    [PHASER_PARAM_MIX] = {3, "mix", "", 0.0f, 1.0f, 0.5f, 0, NULL,
                          "0: dry, 0.5: deepest notches, 1: chain only"},
    [PHASER_PARAM_STAGES] = {4, "stages", "", 4.0f, (float)PHASER_STAGES_MAX, 6.0f,
                             CX_PARAM_INTEGER | CX_PARAM_NO_RAMP, NULL,
                             "allpass stages: stages / 2 notches"},
    [PHASER_PARAM_FREQ_HZ] = {5, "freq", "Hz", 50.0f, 5000.0f, 600.0f, CX_PARAM_LOG, NULL,
                              "centre of the sweep (the stages' break frequency)"},
};
_Static_assert(sizeof phaser_params / sizeof phaser_params[0] == PHASER_PARAM_COUNT,
               "one entry per parameter");

#define PHASER_OCTAVES      3.0f /* the sweep at depth 1, each way */
#define PHASER_FREQ_MIN_HZ  10.0f
#define PHASER_FREQ_MAX     0.45f /* of the sample rate */
#define PHASER_KNEE         1.0f
#define PHASER_FEEDBACK_MAX 2.0f
#define PHASER_OUT_MAX      10.0f

typedef struct phaser_state {
	float frame_s;
	float sample_rate;
	uint32_t ramp_frames;
	uint32_t stages;
	cx_ramp_log_t rate_hz;
	cx_ramp_t depth;
	cx_ramp_t feedback;
	cx_ramp_t mix;
	cx_ramp_log_t freq_hz;
	uint32_t phase;     /* 2^32 a cycle */
	uint32_t step;      /* for `held_rate_hz` */
	float held_rate_hz; /* NaN: work the step out */
	float last;         /* the chain's last output, through the knee */
	float s[PHASER_STAGES_MAX];
} phaser_state_t;

static float phaser_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, phaser_params[index].min, phaser_params[index].max);
}

static void phaser_reset(void *state)
{
	phaser_state_t *s = state;
	memset(s->s, 0, sizeof s->s);
	s->last = 0.0f;
	s->phase = 0;
}

static void phaser_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	phaser_state_t *s = state;
	(void)frames_max;
	s->frame_s = 1.0f / sample_rate;
	s->sample_rate = sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	s->stages = (uint32_t)phaser_param_clamp(PHASER_PARAM_STAGES, params[PHASER_PARAM_STAGES]);
	cx_ramp_log_snap(&s->rate_hz,
	                 phaser_param_clamp(PHASER_PARAM_RATE_HZ, params[PHASER_PARAM_RATE_HZ]));
	cx_ramp_snap(&s->depth, phaser_param_clamp(PHASER_PARAM_DEPTH, params[PHASER_PARAM_DEPTH]));
	cx_ramp_snap(&s->feedback,
	             phaser_param_clamp(PHASER_PARAM_FEEDBACK, params[PHASER_PARAM_FEEDBACK]));
	cx_ramp_snap(&s->mix, phaser_param_clamp(PHASER_PARAM_MIX, params[PHASER_PARAM_MIX]));
	cx_ramp_log_snap(&s->freq_hz,
	                 phaser_param_clamp(PHASER_PARAM_FREQ_HZ, params[PHASER_PARAM_FREQ_HZ]));
	s->held_rate_hz = NAN;
	phaser_reset(s);
}

static void phaser_apply(phaser_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= PHASER_PARAM_COUNT)
		return;
	float v = phaser_param_clamp(e->index, e->value);
	switch (e->index) {
	case PHASER_PARAM_RATE_HZ:
		cx_ramp_log_to(&s->rate_hz, v, s->ramp_frames);
		break;
	case PHASER_PARAM_DEPTH:
		cx_ramp_to(&s->depth, v, s->ramp_frames);
		break;
	case PHASER_PARAM_FEEDBACK:
		cx_ramp_to(&s->feedback, v, s->ramp_frames);
		break;
	case PHASER_PARAM_MIX:
		cx_ramp_to(&s->mix, v, s->ramp_frames);
		break;
	case PHASER_PARAM_STAGES:
		s->stages = (uint32_t)v;
		break;
	case PHASER_PARAM_FREQ_HZ:
		cx_ramp_log_to(&s->freq_hz, v, s->ramp_frames);
		break;
	}
}

/* Linear to ±PHASER_KNEE, then bending towards ±PHASER_FEEDBACK_MAX. */
static inline float phaser_knee(float x)
{
	float over = fabsf(x) - PHASER_KNEE;
	if (over <= 0.0f)
		return x;
	over = over / (1.0f + over * (1.0f / (PHASER_FEEDBACK_MAX - PHASER_KNEE)));
	return copysignf(PHASER_KNEE + over, x);
}

/* The stages' coefficient a for the LFO at `phase`. */
static inline float phaser_coef(const phaser_state_t *s, uint32_t phase, float freq_hz, float depth)
{
	float sine = -cx_sinpif((float)phase * (2.0f / 4294967296.0f) - 1.0f);
	float f = freq_hz * cx_exp2f(PHASER_OCTAVES * depth * sine);
	float ratio = cx_clampf(f * s->frame_s, PHASER_FREQ_MIN_HZ * s->frame_s, PHASER_FREQ_MAX);
	float sn, cs;
	cx_sincospif(ratio, &sn, &cs);
	return (sn - cs) / (sn + cs);
}

static void phaser_render(phaser_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	const float *in = p->in[PHASER_IN_IN];
	float *out = p->out[PHASER_OUT_OUT];
	uint32_t stages = s->stages;
	float st[PHASER_STAGES_MAX];
	memcpy(st, s->s, sizeof st);
	float last = s->last;
	for (uint32_t i = begin; i < end; i++) {
		float rate_hz = cx_ramp_log_next(&s->rate_hz);
		if (rate_hz != s->held_rate_hz) {
			double step = (double)rate_hz / (double)s->sample_rate * 4294967296.0;
			s->step = (uint32_t)(step + 0.5);
			s->held_rate_hz = rate_hz;
		}
		float a = phaser_coef(s, s->phase, cx_ramp_log_next(&s->freq_hz),
		                      cx_ramp_next(&s->depth));
		s->phase += s->step;
		float fb = cx_ramp_next(&s->feedback), mix = cx_ramp_next(&s->mix);
		float x = cx_sanitizef(in[i], CX_INPUT_LIMIT);
		float v = x + fb * last;
		for (uint32_t k = 0; k < stages; k++) {
			float y = a * v + st[k];
			st[k] = v - a * y;
			v = y;
		}
		last = phaser_knee(v);
		out[i] = cx_clampf((1.0f - mix) * x + mix * v, -PHASER_OUT_MAX, PHASER_OUT_MAX);
	}
	memcpy(s->s, st, sizeof st);
	s->last = last;
}

static void phaser_process(void *state, const cx_process_t *p)
{
	phaser_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			phaser_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		phaser_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		phaser_apply(s, e);
	for (int k = 0; k < PHASER_STAGES_MAX; k++)
		s->s[k] = cx_flush_tinyf(s->s[k]);
	s->last = cx_flush_tinyf(s->last);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "phaser",
    .summary = "phaser: 4-12 swept allpass stages with feedback",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(phaser_state_t),
    .in_count = PHASER_IN_COUNT,
    .ins = phaser_ins,
    .out_count = PHASER_OUT_COUNT,
    .outs = phaser_outs,
    .param_count = PHASER_PARAM_COUNT,
    .params = phaser_params,
    .init = phaser_init,
    .process = phaser_process,
    .reset = phaser_reset,
    .migrate = NULL,
};
