/*
 * noise — white, pink and brown noise, seeded, so that a patch renders the same every time.
 *
 * White: the PCG32 generator (M. E. O'Neill, "PCG: A Family of Simple Fast Space-Efficient
 * Statistically Good Algorithms for Random Number Generation", HMC-CS-2014-0905, 2014; the
 * XSH-RR output of a 64-bit LCG), kept in the state and seeded from the `seed` parameter, read
 * as uniform numbers in [-1, 1). No global generator is used: two instances with the same seed
 * play the same noise, so give each instance its own seed when they should differ. A seed
 * event restarts the sequence at its frame.
 *
 * Pink (-3 dB/octave): Paul Kellett's "refined" pinking filter (musicdsp.org, "Filter to make
 * pink noise from white", March 2000): a weighted sum of six one-pole lowpasses, the white
 * input and its one-sample delay, accurate to ±0.05 dB above 9.2 Hz at 44.1 kHz. It is a fixed
 * digital filter, so at 48 kHz it holds from 10 Hz and at 96 kHz from 20 Hz (computed: 0.06 and
 * 0.07 dB peak-to-peak from 20 Hz to 20 kHz).
 *
 * Brown (-6 dB/octave): white through a leaky integrator, 1 / (1 - a z^-1), then a DC blocker,
 * (1 - z^-1) / (1 - r z^-1), both with corners at NOISE_BROWN_CORNER_HZ, far enough below
 * 20 Hz that the slope holds there within 0.2 dB; without the blocker the leaky integral
 * wanders with an offset. Folded into one update: y = r y + v - (1 - a) i, i = a i + v. The
 * sampled integrator's response, 1 / (2 sin(pi f / fs)), rises above the ideal 1 / (2 pi f / fs)
 * towards Nyquist (+2.6 dB at 20 kHz, 48 kHz), so its input v is the white noise through the
 * one-zero (1 + c z^-1) / (1 + c), c = NOISE_BROWN_ZERO, whose response follows sin(x) / x,
 * x = pi f / fs, within 0.23 dB up to 20 kHz at 48 kHz (c fitted for this module, minimax).
 *
 * Level: every color is scaled to the same RMS, NOISE_RMS (-12 dBFS), so switching color keeps
 * the loudness: white is uniform in ±NOISE_RMS sqrt(3); pink and brown come out near-Gaussian
 * (sums of many uniforms), with peaks past 4 RMS (±1) on about 6e-5 of the samples, which are
 * clipped at ±1. Then `level` (linear, ramped) scales the output: |out| <= 1.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { NOISE_OUT_OUT, NOISE_OUT_COUNT };
enum { NOISE_PARAM_COLOR, NOISE_PARAM_LEVEL, NOISE_PARAM_SEED, NOISE_PARAM_COUNT };
enum { NOISE_WHITE, NOISE_PINK, NOISE_BROWN, NOISE_COLOR_COUNT };

static const cx_port_info_t noise_outs[] = {
    [NOISE_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "the noise, RMS 0.25 times level, within ±1"},
};
_Static_assert(sizeof noise_outs / sizeof noise_outs[0] == NOISE_OUT_COUNT, "one entry per output");

static const char *const noise_color_names[] = {
    [NOISE_WHITE] = "white",
    [NOISE_PINK] = "pink",
    [NOISE_BROWN] = "brown",
};
_Static_assert(sizeof noise_color_names / sizeof noise_color_names[0] == NOISE_COLOR_COUNT,
               "one name per color");

#define NOISE_SEED_MAX 16777215.0f /* 2^24 - 1: every integer up to it is exact in a float */

static const cx_param_info_t noise_params[] = {
    [NOISE_PARAM_COLOR] = {0, "color", "", 0.0f, (float)(NOISE_COLOR_COUNT - 1), (float)NOISE_WHITE,
                           CX_PARAM_ENUM | CX_PARAM_NO_RAMP, noise_color_names,
                           "white (flat), pink (-3 dB/oct), brown (-6 dB/oct)"},
    [NOISE_PARAM_LEVEL] = {1, "level", "", 0.0f, 1.0f, 1.0f, 0, NULL,
                           "linear gain; at 1 the RMS is 0.25 (-12 dBFS)"},
    [NOISE_PARAM_SEED] = {2, "seed", "", 0.0f, NOISE_SEED_MAX, 1.0f,
                          CX_PARAM_INTEGER | CX_PARAM_NO_RAMP, NULL,
                          "random sequence: same seed, same noise; a change restarts it"},
};
_Static_assert(sizeof noise_params / sizeof noise_params[0] == NOISE_PARAM_COUNT,
               "one entry per parameter");

#define NOISE_RMS              0.25f
#define NOISE_BROWN_CORNER_HZ  3.0
#define NOISE_BROWN_ZERO       0.152f
#define NOISE_PCG_MULTIPLIER   6364136223846793005ull
#define NOISE_PCG_INCREMENT    1442695040888963407ull /* odd: the LCG's full period */
#define NOISE_PINK_POLES       6
#define NOISE_PINK_RMS_UNIFORM 1.7623776f /* Kellett's filter fed uniform ±1 (computed) */

/* Kellett's six one-poles, b[k] = pole b[k] + gain w; then pink = sum b + 0.5362 w + 0.115926
 * w[n-1]. */
static const float noise_pink_pole[NOISE_PINK_POLES] = {0.99886f, 0.99332f, 0.96900f,
                                                        0.86650f, 0.55000f, -0.7616f};
static const float noise_pink_gain[NOISE_PINK_POLES] = {0.0555179f, 0.0750759f, 0.1538520f,
                                                        0.3104856f, 0.5329522f, -0.0168980f};
#define NOISE_PINK_DIRECT  0.5362f
#define NOISE_PINK_DELAYED 0.115926f

typedef struct noise_state {
	uint64_t rng;   /* PCG32 state */
	uint32_t color; /* NOISE_* */
	uint32_t seed;
	uint32_t ramp_frames;
	float pink[NOISE_PINK_POLES];  /* Kellett's one-pole states */
	float white_prev;              /* w[n-1] */
	float brown_leak;              /* 1 - a */
	float brown_pole;              /* r */
	float brown_int;               /* the leaky integral */
	float brown_out;               /* the DC-blocked integral */
	float gain[NOISE_COLOR_COUNT]; /* from uniform ±1 white to NOISE_RMS */
	cx_ramp_t level;
} noise_state_t;

static float noise_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, noise_params[index].min, noise_params[index].max);
}

/* PCG32 XSH-RR: returns 32 random bits and advances the state. */
static inline uint32_t noise_pcg32(uint64_t *state)
{
	uint64_t x = *state;
	*state = x * NOISE_PCG_MULTIPLIER + NOISE_PCG_INCREMENT;
	uint32_t xorshifted = (uint32_t)(((x >> 18u) ^ x) >> 27u);
	uint32_t rot = (uint32_t)(x >> 59u);
	return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

/* Returns a uniform number in [-1, 1). */
static inline float noise_uniform(uint64_t *state)
{
	return (float)(int32_t)noise_pcg32(state) * 0x1p-31f;
}

/* Restarts the sequence of `seed` (O'Neill's pcg32_srandom: step, add the seed, step) and
 * clears the filters. */
static void noise_restart(noise_state_t *s)
{
	s->rng = 0;
	(void)noise_pcg32(&s->rng);
	s->rng += s->seed;
	(void)noise_pcg32(&s->rng);
	for (int k = 0; k < NOISE_PINK_POLES; k++)
		s->pink[k] = 0.0f;
	s->white_prev = 0.0f;
	s->brown_int = 0.0f;
	s->brown_out = 0.0f;
}

/* The RMS of the brown filter (1 - z^-1) / ((1 - a z^-1)(1 - r z^-1)) for unit-variance white,
 * a != r: with 1 / ((1 - a z^-1)(1 - r z^-1)) = A / (1 - a z^-1) + B / (1 - r z^-1), A = a / (a -
 * r), B = -r / (a - r), the sum of the squared impulse response is
 * 2 (A^2 / (1 + a) + A B (2 - a - r) / (1 - a r) + B^2 / (1 + r)). */
static double noise_brown_rms(double a, double r)
{
	double A = a / (a - r), B = -r / (a - r);
	return sqrt(
	    2.0 * (A * A / (1.0 + a) + A * B * (2.0 - a - r) / (1.0 - a * r) + B * B / (1.0 + r)));
}

static void noise_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	noise_state_t *s = state;
	(void)frames_max;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	s->color = (uint32_t)noise_param_clamp(NOISE_PARAM_COLOR, params[NOISE_PARAM_COLOR]);
	s->seed = (uint32_t)noise_param_clamp(NOISE_PARAM_SEED, params[NOISE_PARAM_SEED]);
	cx_ramp_snap(&s->level, noise_param_clamp(NOISE_PARAM_LEVEL, params[NOISE_PARAM_LEVEL]));
	/* Two poles a hair apart (the closed form needs a != r), both near the corner. */
	double w = 2.0 * M_PI * NOISE_BROWN_CORNER_HZ / (double)sample_rate;
	double a = exp(-w * 0.95), r = exp(-w * 1.05);
	s->brown_leak = (float)(1.0 - a);
	s->brown_pole = (float)r;
	const double uniform_rms = 1.0 / sqrt(3.0);
	s->gain[NOISE_WHITE] = NOISE_RMS / (float)uniform_rms;
	s->gain[NOISE_PINK] = NOISE_RMS / NOISE_PINK_RMS_UNIFORM;
	s->gain[NOISE_BROWN] = (float)(NOISE_RMS / (uniform_rms * noise_brown_rms(a, r)));
	noise_restart(s);
}

static void noise_reset(void *state)
{
	noise_restart(state);
}

static void noise_apply(noise_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= NOISE_PARAM_COUNT)
		return;
	float v = noise_param_clamp(e->index, e->value);
	switch (e->index) {
	case NOISE_PARAM_COLOR:
		s->color = (uint32_t)v;
		break;
	case NOISE_PARAM_LEVEL:
		cx_ramp_to(&s->level, v, s->ramp_frames);
		break;
	case NOISE_PARAM_SEED:
		s->seed = (uint32_t)v;
		noise_restart(s);
		break;
	}
}

/* Every color runs every frame, so that a color switch finds its filter already settled and
 * the output continues without a thump. */
static void noise_render(noise_state_t *s, float *out, uint32_t n)
{
	const float leak = s->brown_leak, pole = s->brown_pole;
	const float gain = s->gain[s->color];
	for (uint32_t i = 0; i < n; i++) {
		float w = noise_uniform(&s->rng);
		float pink = NOISE_PINK_DIRECT * w + NOISE_PINK_DELAYED * s->white_prev;
		for (int k = 0; k < NOISE_PINK_POLES; k++) {
			s->pink[k] = noise_pink_pole[k] * s->pink[k] + noise_pink_gain[k] * w;
			pink += s->pink[k];
		}
		float v =
		    (w + NOISE_BROWN_ZERO * s->white_prev) * (1.0f / (1.0f + NOISE_BROWN_ZERO));
		s->white_prev = w;
		s->brown_out = pole * s->brown_out + v - leak * s->brown_int;
		s->brown_int = s->brown_int - leak * s->brown_int + v;
		float y = s->color == NOISE_WHITE  ? w
		          : s->color == NOISE_PINK ? pink
		                                   : s->brown_out;
		out[i] = cx_clampf(gain * y, -1.0f, 1.0f) * cx_ramp_next(&s->level);
	}
}

static void noise_process(void *state, const cx_process_t *p)
{
	noise_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			noise_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		noise_render(s, p->out[NOISE_OUT_OUT] + pos, end - pos);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		noise_apply(s, e);
	for (int k = 0; k < NOISE_PINK_POLES; k++)
		s->pink[k] = cx_flush_tinyf(s->pink[k]);
	s->brown_int = cx_flush_tinyf(s->brown_int);
	s->brown_out = cx_flush_tinyf(s->brown_out);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "noise",
    .summary = "seeded white, pink or brown noise",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(noise_state_t),
    .in_count = 0,
    .ins = NULL,
    .out_count = NOISE_OUT_COUNT,
    .outs = noise_outs,
    .param_count = NOISE_PARAM_COUNT,
    .params = noise_params,
    .init = noise_init,
    .process = noise_process,
    .reset = noise_reset,
    .migrate = NULL,
};
