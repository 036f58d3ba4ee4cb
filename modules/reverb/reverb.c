/*
 * reverb — a stereo plate reverb after J. Dattorro, "Effect Design, Part 1: Reverberator and
 * Other Filters", JAES 45(9), 1997 (the plate of its figure 1 and table 2).
 *
 * Structure, with Dattorro's lengths at his 29761 Hz, scaled to the sample rate:
 *   predelay -> four input allpasses in series (142, 107 at 0.75; 379, 277 at 0.625) -> the
 *   "tank": two halves in a loop, each the sum of the input and the other half's end, then
 *	an allpass modulated by +-16 frames at 1 Hz (672 left, 908 right; coefficient -0.7),
 *	a delay (4453, 4217), the damping lowpass, a decay gain,
 *	an allpass (1800, 2656; 0.5), a delay (3720, 3163), a decay gain -> the other half.
 *   Each output is the sum of seven taps on the tank's lines, with Dattorro's positions and
 *   signs, times 0.6: left from the right half mostly, right from the left, which decorrelates
 *   them. `out` is their mean.
 *
 * Decay: `decay` is the RT60, the time the tail takes to fall 60 dB. Each decay gain covers the
 * stretch of the loop before it (an allpass's and a delay's length, L frames: an allpass
 * delays by its length on average over frequency), and is 10^(-3 L / (fs RT60)), so that a
 * whole trip round the loop, whatever `size` makes its length, loses 60 dB per RT60. (Jot's
 * rule for feedback delay networks, J.-M. Jot, A. Chaigne, "Digital delay networks for
 * designing artificial reverberators", AES 90th convention, 1991, applied to the plate's
 * loop.) Below about 1.5 s the allpasses' own ringing would outlast the tail, so their
 * coefficients are held down to what decays twice as fast as the RT60 over their length.
 * tests/modules/reverb measures the RT60 of the impulse response by Schroeder's backward
 * integration, T30 extrapolated: within 20 % at 0.5, 1.5 and 4 s (at 0.5 s the loop, 0.7 s
 * round, is longer than the decay, and the first pass's diffusion sets the tail's shape).
 *
 * `damping` is a one-pole lowpass in each half of the loop, coefficient a^damping with a that
 * of a 1 kHz one-pole (0: none; 1: 1 kHz each pass), so the highs die sooner. `size` scales
 * the tank's lengths and taps by 0.5..1.5 (1 at 0.5, Dattorro's plate); a change fades the
 * wet signal out over 5 ms, empties the tank, takes the new lengths and fades back in: the
 * tail starts again rather than click (lines read at new lengths would be torn apart, and the
 * tear would ring on in the loop). `predelay` (0..0.5 s) delays the input to the diffusers, in
 * whole frames, gliding like the delay module's time. `mix` blends dry and wet.
 *
 * The lines are sized for size 1.5 at 96 kHz, in the state (above 96 kHz the plate keeps
 * its 96 kHz lengths in frames: a smaller plate). What the two tank delays are
 * written is held within +-REVERB_TANK_MAX (a bound never reached in use: the loop loses
 * energy on every trip), and samples below 1e-15 are written as 0, so the tail ends in
 * silence, not denormals. Outputs are clamped to +-10.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { REVERB_IN_IN, REVERB_IN_COUNT };
enum { REVERB_OUT_OUT, REVERB_OUT_LEFT, REVERB_OUT_RIGHT, REVERB_OUT_COUNT };
enum {
	REVERB_PARAM_SIZE,
	REVERB_PARAM_DECAY_S,
	REVERB_PARAM_DAMPING,
	REVERB_PARAM_PREDELAY_S,
	REVERB_PARAM_MIX,
	REVERB_PARAM_COUNT
};

static const cx_port_info_t reverb_ins[] = {
    [REVERB_IN_IN] = {"in", CX_PORT_AUDIO, 0.0f, "signal to reverberate (mono)"},
};
_Static_assert(sizeof reverb_ins / sizeof reverb_ins[0] == REVERB_IN_COUNT, "one entry per input");

static const cx_port_info_t reverb_outs[] = {
    [REVERB_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "dry and wet, mono"},
    [REVERB_OUT_LEFT] = {"left", CX_PORT_AUDIO, 0.0f, "dry and the left wet signal"},
    [REVERB_OUT_RIGHT] = {"right", CX_PORT_AUDIO, 0.0f, "dry and the right wet signal"},
};
_Static_assert(sizeof reverb_outs / sizeof reverb_outs[0] == REVERB_OUT_COUNT,
               "one entry per output");

static const cx_param_info_t reverb_params[] = {
    [REVERB_PARAM_SIZE] = {0, "size", "", 0.0f, 1.0f, 0.5f, CX_PARAM_NO_RAMP, NULL,
                           "scales the plate 0.5..1.5 (0.5: Dattorro's); fades across a change"},
    [REVERB_PARAM_DECAY_S] = {1, "decay", "s", 0.2f, 20.0f, 2.0f, CX_PARAM_LOG, NULL,
                              "RT60: the time the tail takes to fall 60 dB"},
    [REVERB_PARAM_DAMPING] = {2, "damping", "", 0.0f, 1.0f, 0.3f, 0, NULL,
                              "lowpass in the loop: highs die sooner (1: 1 kHz)"},
    [REVERB_PARAM_PREDELAY_S] = {3, "predelay", "s", 0.0f, 0.5f, 0.02f, 0, NULL,
                                 "delay before the reverb starts"},
    [REVERB_PARAM_MIX] = {4, "mix", "", 0.0f, 1.0f, 0.3f, 0, NULL, "0: dry, 1: wet"},
};
_Static_assert(sizeof reverb_params / sizeof reverb_params[0] == REVERB_PARAM_COUNT,
               "one entry per parameter");

/* The lines, with Dattorro's lengths (frames at 29761 Hz). */
enum {
	RV_IN1,
	RV_IN2,
	RV_IN3,
	RV_IN4,
	RV_AP1_L, /* modulated */
	RV_D1_L,
	RV_AP2_L,
	RV_D2_L,
	RV_AP1_R,
	RV_D1_R,
	RV_AP2_R,
	RV_D2_R,
	RV_PREDELAY,
	RV_LINES
};
#define RV_TANK_FIRST RV_AP1_L
#define RV_TANK_LINES 8

static const float reverb_lengths[RV_PREDELAY] = {
    [RV_IN1] = 142.0f,   [RV_IN2] = 107.0f,   [RV_IN3] = 379.0f,    [RV_IN4] = 277.0f,
    [RV_AP1_L] = 672.0f, [RV_D1_L] = 4453.0f, [RV_AP2_L] = 1800.0f, [RV_D2_L] = 3720.0f,
    [RV_AP1_R] = 908.0f, [RV_D1_R] = 4217.0f, [RV_AP2_R] = 2656.0f, [RV_D2_R] = 3163.0f,
};

/* Capacities: powers of two above each length at 96 kHz and size 1.5 (plus the modulation);
 * the predelay's 0.5 s at 96 kHz. */
static const uint32_t reverb_capacity[RV_LINES] = {
    [RV_IN1] = 1024,       [RV_IN2] = 1024,   [RV_IN3] = 2048,    [RV_IN4] = 2048,
    [RV_AP1_L] = 4096,     [RV_D1_L] = 32768, [RV_AP2_L] = 16384, [RV_D2_L] = 32768,
    [RV_AP1_R] = 8192,     [RV_D1_R] = 32768, [RV_AP2_R] = 16384, [RV_D2_R] = 16384,
    [RV_PREDELAY] = 65536,
};
#define REVERB_POOL (1024 * 2 + 2048 * 2 + 4096 + 8192 + 32768 * 3 + 16384 * 3 + 65536)

/* Dattorro's output taps: line, position (frames at 29761 Hz), sign. */
typedef struct reverb_tap {
	uint8_t line;
	float at;
	float sign;
} reverb_tap_t;

#define REVERB_TAPS 7
static const reverb_tap_t reverb_taps[2][REVERB_TAPS] = {
    {{RV_D1_R, 266.0f, 1.0f},
     {RV_D1_R, 2974.0f, 1.0f},
     {RV_AP2_R, 1913.0f, -1.0f},
     {RV_D2_R, 1996.0f, 1.0f},
     {RV_D1_L, 1990.0f, -1.0f},
     {RV_AP2_L, 187.0f, -1.0f},
     {RV_D2_L, 1066.0f, -1.0f}},
    {{RV_D1_L, 353.0f, 1.0f},
     {RV_D1_L, 3627.0f, 1.0f},
     {RV_AP2_L, 1228.0f, -1.0f},
     {RV_D2_L, 2673.0f, 1.0f},
     {RV_D1_R, 2111.0f, -1.0f},
     {RV_AP2_R, 335.0f, -1.0f},
     {RV_D2_R, 121.0f, -1.0f}},
};

#define REVERB_DATTORRO_HZ  29761.0f
#define REVERB_RATE_MAX_HZ  96000.0f
#define REVERB_IN_DIFF_1    0.75f
#define REVERB_IN_DIFF_2    0.625f
#define REVERB_DECAY_DIFF_1 0.7f
#define REVERB_DECAY_DIFF_2 0.5f
#define REVERB_EXCURSION    16.0f /* frames at 29761 Hz */
#define REVERB_LFO_HZ       1.0f
#define REVERB_DAMP_HZ      1000.0f
#define REVERB_TAP_GAIN     0.6f
#define REVERB_FADE_S       0.005f
#define REVERB_GLIDE_S      0.1f
#define REVERB_TANK_MAX     100.0f
#define REVERB_OUT_MAX      10.0f
#define REVERB_TINY         1e-15f
#define REVERB_LOG2_1000    9.96578428f /* log2(10^3): 60 dB */
#define REVERB_AP_RATE      2.0f

typedef struct reverb_state {
	float sample_rate;
	uint32_t ramp_frames;
	uint32_t fade_frames;
	uint32_t glide_frames;
	float rate_scale;             /* sample rate / 29761 */
	float size;                   /* the size in use */
	float size_pending;           /* the size to take at the end of the fade (or NaN) */
	float fade;                   /* the wet gain of the size fade, 0..1 */
	float fade_step;              /* per frame: negative fading out, positive fading in */
	float damp_log2;              /* log2 of the 1 kHz one-pole coefficient */
	float damp;                   /* the loop lowpass's coefficient now (NaN: work it out) */
	float decay_gain[4];          /* the tank's four decay gains, for `held_decay_s` */
	float diffusion[RV_D2_R + 1]; /* the allpasses' coefficients (delays' entries unused) */
	float held_decay_s;           /* NaN: work them out */
	uint32_t length[RV_PREDELAY]; /* the lines' lengths in frames, at this size */
	uint32_t tap[2][REVERB_TAPS]; /* the taps' positions in frames */
	float excursion;              /* the modulation depth, frames */
	uint32_t lfo_phase;           /* 2^32 a cycle */
	uint32_t lfo_step;
	uint32_t frame; /* frames since reset (wraps): every line's write index */
	cx_ramp_log_t decay_s;
	cx_ramp_t damping;
	cx_ramp_t mix;
	cx_ramp_t predelay; /* frames, gliding to whole frames */
	float predelay_s;
	float lowpass[2];
	uint32_t offset[RV_LINES]; /* each line's place in the pool */
	float pool[REVERB_POOL];
} reverb_state_t;

static float reverb_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, reverb_params[index].min, reverb_params[index].max);
}

/* Sets the lines' lengths and the taps for a size in 0..1. */
static void reverb_set_size(reverb_state_t *s, float size)
{
	s->size = size;
	float in_scale = s->rate_scale, tank_scale = s->rate_scale * (0.5f + size);
	for (int i = 0; i < RV_PREDELAY; i++) {
		float scale = i < RV_TANK_FIRST ? in_scale : tank_scale;
		float frames = roundf(reverb_lengths[i] * scale);
		float cap = (float)reverb_capacity[i] - 2.0f * s->excursion - 4.0f;
		s->length[i] = (uint32_t)cx_clampf(frames, 2.0f * s->excursion + 2.0f, cap);
	}
	for (int side = 0; side < 2; side++)
		for (int k = 0; k < REVERB_TAPS; k++) {
			const reverb_tap_t *t = &reverb_taps[side][k];
			float at = roundf(t->at * tank_scale);
			s->tap[side][k] = (uint32_t)cx_clampf(at, 1.0f, (float)s->length[t->line]);
		}
	s->held_decay_s = NAN;
}

static uint32_t reverb_predelay_frames(const reverb_state_t *s)
{
	float frames = roundf(s->predelay_s * s->sample_rate);
	return (uint32_t)cx_clampf(frames, 0.0f, (float)(reverb_capacity[RV_PREDELAY] - 2u));
}

static void reverb_reset(void *state)
{
	reverb_state_t *s = state;
	memset(s->pool, 0, sizeof s->pool);
	s->lowpass[0] = s->lowpass[1] = 0.0f;
	s->frame = 0;
	s->lfo_phase = 0;
	s->fade = 1.0f;
	s->fade_step = 0.0f;
	if (s->size_pending == s->size_pending) {
		reverb_set_size(s, s->size_pending);
		s->size_pending = NAN;
	}
	cx_ramp_snap(&s->predelay, (float)reverb_predelay_frames(s));
}

static void reverb_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	reverb_state_t *s = state;
	(void)frames_max;
	s->sample_rate = sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	s->fade_frames = (uint32_t)cx_clampf(roundf(REVERB_FADE_S * sample_rate), 1.0f, 1e6f);
	s->glide_frames = (uint32_t)cx_clampf(roundf(REVERB_GLIDE_S * sample_rate), 1.0f, 1e7f);
	s->rate_scale = cx_clampf(sample_rate, 1.0f, REVERB_RATE_MAX_HZ) / REVERB_DATTORRO_HZ;
	s->excursion = REVERB_EXCURSION * s->rate_scale;
	s->damp_log2 = log2f(1.0f - expf(-2.0f * 3.14159265f * REVERB_DAMP_HZ / sample_rate));
	s->lfo_step = (uint32_t)(REVERB_LFO_HZ / sample_rate * 4294967296.0f);
	uint32_t at = 0;
	for (int i = 0; i < RV_LINES; i++) {
		s->offset[i] = at;
		at += reverb_capacity[i];
	}
	s->size_pending = NAN;
	s->damp = NAN;
	reverb_set_size(s, reverb_param_clamp(REVERB_PARAM_SIZE, params[REVERB_PARAM_SIZE]));
	cx_ramp_log_snap(&s->decay_s,
	                 reverb_param_clamp(REVERB_PARAM_DECAY_S, params[REVERB_PARAM_DECAY_S]));
	cx_ramp_snap(&s->damping,
	             reverb_param_clamp(REVERB_PARAM_DAMPING, params[REVERB_PARAM_DAMPING]));
	cx_ramp_snap(&s->mix, reverb_param_clamp(REVERB_PARAM_MIX, params[REVERB_PARAM_MIX]));
	s->predelay_s =
	    reverb_param_clamp(REVERB_PARAM_PREDELAY_S, params[REVERB_PARAM_PREDELAY_S]);
	reverb_reset(s);
}

static void reverb_apply(reverb_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= REVERB_PARAM_COUNT)
		return;
	float v = reverb_param_clamp(e->index, e->value);
	switch (e->index) {
	case REVERB_PARAM_SIZE:
		if (v != s->size || s->size_pending == s->size_pending) {
			s->size_pending = v;
			s->fade_step = -1.0f / (float)s->fade_frames;
		}
		break;
	case REVERB_PARAM_DECAY_S:
		cx_ramp_log_to(&s->decay_s, v, s->ramp_frames);
		break;
	case REVERB_PARAM_DAMPING:
		cx_ramp_to(&s->damping, v, s->ramp_frames);
		break;
	case REVERB_PARAM_PREDELAY_S:
		s->predelay_s = v;
		cx_ramp_to(&s->predelay, (float)reverb_predelay_frames(s), s->glide_frames);
		break;
	case REVERB_PARAM_MIX:
		cx_ramp_to(&s->mix, v, s->ramp_frames);
		break;
	}
}

/* The decay gains for an RT60: 10^(-3 L / (fs RT60)) for each stretch L of the loop; and
 * every allpass's coefficient held at most at the gain that would decay over its own length
 * REVERB_AP_RATE times as fast, so that the allpasses' own ringing (an allpass of length N and
 * coefficient g decays by g every N frames) dies well before the tail and does not lengthen
 * short decays. Dattorro ties his decay diffusion 2 to the decay for the same reason; this
 * only bites below about 1.5 s. */
static void reverb_decay_gains(reverb_state_t *s, float decay_s)
{
	static const int stretch[4][2] = {
	    {RV_AP1_L, RV_D1_L}, {RV_AP2_L, RV_D2_L}, {RV_AP1_R, RV_D1_R}, {RV_AP2_R, RV_D2_R}};
	static const float nominal[RV_D2_R + 1] = {
	    [RV_IN1] = REVERB_IN_DIFF_1,      [RV_IN2] = REVERB_IN_DIFF_1,
	    [RV_IN3] = REVERB_IN_DIFF_2,      [RV_IN4] = REVERB_IN_DIFF_2,
	    [RV_AP1_L] = REVERB_DECAY_DIFF_1, [RV_AP2_L] = REVERB_DECAY_DIFF_2,
	    [RV_AP1_R] = REVERB_DECAY_DIFF_1, [RV_AP2_R] = REVERB_DECAY_DIFF_2,
	};
	float per_frame = -REVERB_LOG2_1000 / (s->sample_rate * decay_s);
	for (int i = 0; i < 4; i++) {
		float frames = (float)(s->length[stretch[i][0]] + s->length[stretch[i][1]]);
		s->decay_gain[i] = cx_exp2f(per_frame * frames);
	}
	for (int i = 0; i <= RV_D2_R; i++) {
		float g = cx_exp2f(per_frame * REVERB_AP_RATE * (float)s->length[i]);
		s->diffusion[i] = nominal[i] < g ? nominal[i] : g;
	}
	s->held_decay_s = decay_s;
}

/* A line: its samples, and the mask of its capacity. */
typedef struct reverb_line {
	float *x;
	uint32_t mask;
} reverb_line_t;

static inline reverb_line_t reverb_line(reverb_state_t *s, int i)
{
	return (reverb_line_t){s->pool + s->offset[i], reverb_capacity[i] - 1u};
}

static inline float reverb_read(reverb_line_t l, uint32_t n, uint32_t delay)
{
	return l.x[(n - delay) & l.mask];
}

/* Read `delay` frames back, between frames by linear interpolation (delay >= 1). */
static inline float reverb_read_frac(reverb_line_t l, uint32_t n, float delay)
{
	float whole = floorf(delay), t = delay - whole;
	uint32_t at = n - (uint32_t)whole;
	float a = l.x[at & l.mask], b = l.x[(at - 1u) & l.mask];
	return a + t * (b - a);
}

static inline float reverb_tiny(float x)
{
	return fabsf(x) > REVERB_TINY ? x : 0.0f;
}

/* A Schroeder allpass on line l of length `delay`: w = x + g d, y = d - g w, w written. */
static inline float reverb_allpass(reverb_line_t l, uint32_t n, float d, float x, float g)
{
	float w = reverb_tiny(x + g * d);
	l.x[n & l.mask] = w;
	return d - g * w;
}

/* One half of the tank: from its input to what its last delay is written. */
static inline float reverb_half(reverb_state_t *s, uint32_t n, int side, float in, float mod,
                                float damp)
{
	int base = side == 0 ? RV_AP1_L : RV_AP1_R;
	reverb_line_t ap1 = reverb_line(s, base), d1 = reverb_line(s, base + 1);
	reverb_line_t ap2 = reverb_line(s, base + 2), d2 = reverb_line(s, base + 3);
	float a = reverb_read_frac(ap1, n, (float)s->length[base] + mod);
	float v = reverb_allpass(ap1, n, a, in, -s->diffusion[base]);
	d1.x[n & d1.mask] = reverb_tiny(cx_clampf(v, -REVERB_TANK_MAX, REVERB_TANK_MAX));
	v = reverb_read(d1, n, s->length[base + 1]);
	s->lowpass[side] += damp * (v - s->lowpass[side]);
	v = s->lowpass[side] * s->decay_gain[2 * side];
	v = reverb_allpass(ap2, n, reverb_read(ap2, n, s->length[base + 2]), v,
	                   s->diffusion[base + 2]);
	d2.x[n & d2.mask] = reverb_tiny(cx_clampf(v, -REVERB_TANK_MAX, REVERB_TANK_MAX));
	return v;
}

/* One frame: the wet left and right for a dry input. */
static inline void reverb_tick(reverb_state_t *s, float x, float damp, float wet[2])
{
	uint32_t n = s->frame++;
	/* Predelay (0 frames reads what was just written). */
	reverb_line_t pre = reverb_line(s, RV_PREDELAY);
	pre.x[n & pre.mask] = x;
	float pd = cx_ramp_next(&s->predelay);
	float u = pd > 0.0f ? reverb_read_frac(pre, n, pd) : x;
	/* Input diffusion. */
	for (int i = RV_IN1; i <= RV_IN4; i++) {
		reverb_line_t l = reverb_line(s, i);
		u = reverb_allpass(l, n, reverb_read(l, n, s->length[i]), u, s->diffusion[i]);
	}
	/* The tank: each half takes the input and the other half's end. Across a size change the
	 * input fades with the output, so that it enters the emptied tank smoothly. */
	u *= s->fade;
	float end_l =
	    reverb_read(reverb_line(s, RV_D2_L), n, s->length[RV_D2_L]) * s->decay_gain[1];
	float end_r =
	    reverb_read(reverb_line(s, RV_D2_R), n, s->length[RV_D2_R]) * s->decay_gain[3];
	s->lfo_phase += s->lfo_step;
	float turns = (float)s->lfo_phase * (2.0f / 4294967296.0f) - 1.0f; /* [-1, 1) */
	float quarter = turns + 0.5f;
	quarter -= quarter >= 1.0f ? 2.0f : 0.0f;
	float mod_l = s->excursion * cx_sinpif(turns), mod_r = s->excursion * cx_sinpif(quarter);
	reverb_half(s, n, 0, u + end_r, mod_l, damp);
	reverb_half(s, n, 1, u + end_l, mod_r, damp);
	/* The taps, read after this frame's writes. */
	for (int side = 0; side < 2; side++) {
		float sum = 0.0f;
		for (int k = 0; k < REVERB_TAPS; k++) {
			const reverb_tap_t *t = &reverb_taps[side][k];
			sum += t->sign * reverb_read(reverb_line(s, t->line), n, s->tap[side][k]);
		}
		wet[side] = REVERB_TAP_GAIN * sum;
	}
}

/* Empties the tank's lines and filters (the input diffusers keep their lengths and their
 * content). Bounded: the tank's lines are a fixed part of the state. */
static void reverb_empty_tank(reverb_state_t *s)
{
	for (int i = RV_TANK_FIRST; i < RV_TANK_FIRST + RV_TANK_LINES; i++)
		memset(s->pool + s->offset[i], 0, reverb_capacity[i] * sizeof(float));
	s->lowpass[0] = s->lowpass[1] = 0.0f;
}

/* Advances the size fade: at its bottom the new size is taken, in an empty tank. */
static inline float reverb_fade_next(reverb_state_t *s)
{
	if (s->fade_step != 0.0f) {
		s->fade += s->fade_step;
		if (s->fade <= 0.0f) {
			s->fade = 0.0f;
			s->fade_step = 1.0f / (float)s->fade_frames;
			reverb_set_size(s, s->size_pending);
			s->size_pending = NAN;
			reverb_empty_tank(s);
		} else if (s->fade >= 1.0f) {
			s->fade = 1.0f;
			s->fade_step = 0.0f;
		}
	}
	return s->fade;
}

static void reverb_render(reverb_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	const float *in = p->in[REVERB_IN_IN];
	float *out = p->out[REVERB_OUT_OUT], *left = p->out[REVERB_OUT_LEFT];
	float *right = p->out[REVERB_OUT_RIGHT];
	for (uint32_t i = begin; i < end; i++) {
		float decay_s = cx_ramp_log_next(&s->decay_s);
		if (decay_s != s->held_decay_s)
			reverb_decay_gains(s, decay_s);
		if (s->damping.frames_left > 0 || s->damp != s->damp) /* NaN: not worked out */
			s->damp = cx_exp2f(cx_ramp_next(&s->damping) * s->damp_log2);
		float damp = s->damp;
		float mix = cx_ramp_next(&s->mix);
		float x = cx_sanitizef(in[i], CX_INPUT_LIMIT);
		float wet[2];
		reverb_tick(s, x, damp, wet);
		float gain = mix * reverb_fade_next(s), dry = (1.0f - mix) * x;
		float l = dry + gain * wet[0], r = dry + gain * wet[1];
		left[i] = cx_clampf(l, -REVERB_OUT_MAX, REVERB_OUT_MAX);
		right[i] = cx_clampf(r, -REVERB_OUT_MAX, REVERB_OUT_MAX);
		out[i] = cx_clampf(0.5f * (l + r), -REVERB_OUT_MAX, REVERB_OUT_MAX);
	}
}

static void reverb_process(void *state, const cx_process_t *p)
{
	reverb_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			reverb_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		reverb_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		reverb_apply(s, e);
	s->lowpass[0] = cx_flush_tinyf(s->lowpass[0]);
	s->lowpass[1] = cx_flush_tinyf(s->lowpass[1]);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "reverb",
    .summary = "stereo plate reverb (Dattorro), RT60 set in seconds",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(reverb_state_t),
    .in_count = REVERB_IN_COUNT,
    .ins = reverb_ins,
    .out_count = REVERB_OUT_COUNT,
    .outs = reverb_outs,
    .param_count = REVERB_PARAM_COUNT,
    .params = reverb_params,
    .init = reverb_init,
    .process = reverb_process,
    .reset = reverb_reset,
    .migrate = NULL,
};
