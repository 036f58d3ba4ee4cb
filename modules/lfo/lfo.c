/*
 * lfo — a low-frequency oscillator: sine, triangle, saw, square and sample-and-hold, free or
 * locked to the transport's tempo.
 *
 * Free (`sync` off): a double-precision phase advances by rate / sample rate each frame, so
 * the period holds to a few parts in 10^12. `rate` ramps geometrically.
 *
 * Synced: one cycle lasts a note value, in beats (quarter notes): bars4 (4/1) 16, bars2 (2/1)
 * 8, bar (1/1) 4, half 2, quarter 1, eighth 1/2, sixteenth 1/4, quarter_t (1/4 triplet) 2/3,
 * eighth_t 1/3. While the transport plays, the phase is not accumulated but derived from the
 * transport's beat on every frame (module.h, ABI 1.1: beat + i * beats_per_frame), so it stays
 * locked however long it plays and follows tempo changes at once:
 *	phase = frac((beat - anchor) / beats_per_cycle),
 * with anchor 0 from the frame play starts (cycles begin on beat 0, bar lines included), or
 * the beat of the last reset. A beat a hair below a whole cycle (the beat is a running sum of
 * beats_per_frame, which is not exact in binary) counts as the whole cycle: LFO_BEAT_EPSILON,
 * far below one frame's worth of beats, so a cycle starts on the exact frame of its beat. While
 * the transport is stopped, a synced LFO runs free at the tempo's rate from where it was, and
 * locks again when play starts.
 *
 * The `reset` input: on a rising edge (through 0.5) the cycle restarts at that frame; the
 * output at that frame is the wave's start (sine and triangle 0 rising, saw -1, square +1,
 * sample-and-hold a new value).
 *
 * Waves over phase t in [0, 1): sine sin(2 pi t); triangle from 0 up to 1 at t = 1/4, down to
 * -1 at 3/4; saw rising from -1 to 1; square +1 then -1 at t = 1/2; sh a uniform random value
 * drawn at the start of each cycle from a PCG32 generator seeded by `seed` (M. E. O'Neill,
 * "PCG: A Family of Simple Fast Space-Efficient Statistically Good Algorithms for Random
 * Number Generation", 2014), so a patch renders the same every time. `polarity` bipolar gives
 * ±1, unipolar (y + 1) / 2, 0..1.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { LFO_IN_RESET, LFO_IN_COUNT };
enum { LFO_OUT_OUT, LFO_OUT_COUNT };
enum {
	LFO_PARAM_WAVE,
	LFO_PARAM_RATE_HZ,
	LFO_PARAM_SYNC,
	LFO_PARAM_POLARITY,
	LFO_PARAM_SEED,
	LFO_PARAM_COUNT
};
enum { LFO_SINE, LFO_TRIANGLE, LFO_SAW, LFO_SQUARE, LFO_SH, LFO_WAVE_COUNT };
enum {
	LFO_SYNC_OFF,
	LFO_SYNC_4_1,
	LFO_SYNC_2_1,
	LFO_SYNC_1_1,
	LFO_SYNC_1_2,
	LFO_SYNC_1_4,
	LFO_SYNC_1_8,
	LFO_SYNC_1_16,
	LFO_SYNC_1_4T,
	LFO_SYNC_1_8T,
	LFO_SYNC_COUNT
};
enum { LFO_BIPOLAR, LFO_UNIPOLAR, LFO_POLARITY_COUNT };

static const cx_port_info_t lfo_ins[] = {
    [LFO_IN_RESET] = {"reset", CX_PORT_GATE, 0.0f, "rising edge: the cycle restarts there"},
};
_Static_assert(sizeof lfo_ins / sizeof lfo_ins[0] == LFO_IN_COUNT, "one entry per input");

static const cx_port_info_t lfo_outs[] = {
    [LFO_OUT_OUT] = {"out", CX_PORT_CV, 0.0f, "the wave: ±1 bipolar, 0..1 unipolar"},
};
_Static_assert(sizeof lfo_outs / sizeof lfo_outs[0] == LFO_OUT_COUNT, "one entry per output");

static const char *const lfo_wave_names[] = {
    [LFO_SINE] = "sine", [LFO_TRIANGLE] = "triangle", [LFO_SAW] = "saw", [LFO_SQUARE] = "square",
    [LFO_SH] = "sh",
};
_Static_assert(sizeof lfo_wave_names / sizeof lfo_wave_names[0] == LFO_WAVE_COUNT,
               "one name per wave");

static const char *const lfo_sync_names[] = {
    [LFO_SYNC_OFF] = "off",       [LFO_SYNC_4_1] = "bars4",      [LFO_SYNC_2_1] = "bars2",
    [LFO_SYNC_1_1] = "bar",       [LFO_SYNC_1_2] = "half",       [LFO_SYNC_1_4] = "quarter",
    [LFO_SYNC_1_8] = "eighth",    [LFO_SYNC_1_16] = "sixteenth", [LFO_SYNC_1_4T] = "quarter_t",
    [LFO_SYNC_1_8T] = "eighth_t",
};
_Static_assert(sizeof lfo_sync_names / sizeof lfo_sync_names[0] == LFO_SYNC_COUNT,
               "one name per sync division");

/* Beats (quarter notes) per cycle of each division; 0 for off. */
static const double lfo_sync_beats[LFO_SYNC_COUNT] = {
    [LFO_SYNC_OFF] = 0.0,        [LFO_SYNC_4_1] = 16.0,  [LFO_SYNC_2_1] = 8.0,
    [LFO_SYNC_1_1] = 4.0,        [LFO_SYNC_1_2] = 2.0,   [LFO_SYNC_1_4] = 1.0,
    [LFO_SYNC_1_8] = 0.5,        [LFO_SYNC_1_16] = 0.25, [LFO_SYNC_1_4T] = 2.0 / 3.0,
    [LFO_SYNC_1_8T] = 1.0 / 3.0,
};

static const char *const lfo_polarity_names[] = {
    [LFO_BIPOLAR] = "bipolar",
    [LFO_UNIPOLAR] = "unipolar",
};
_Static_assert(sizeof lfo_polarity_names / sizeof lfo_polarity_names[0] == LFO_POLARITY_COUNT,
               "one name per polarity");

static const cx_param_info_t lfo_params[] = {
    [LFO_PARAM_WAVE] = {0, "wave", "", 0.0f, (float)(LFO_WAVE_COUNT - 1), (float)LFO_SINE,
                        CX_PARAM_ENUM | CX_PARAM_NO_RAMP, lfo_wave_names,
                        "sine, triangle, saw, square or sh (sample and hold)"},
    [LFO_PARAM_RATE_HZ] = {1, "rate", "Hz", 0.01f, 100.0f, 1.0f, CX_PARAM_LOG, NULL,
                           "cycles per second while sync is off"},
    [LFO_PARAM_SYNC] = {2, "sync", "", 0.0f, (float)(LFO_SYNC_COUNT - 1), (float)LFO_SYNC_OFF,
                        CX_PARAM_ENUM | CX_PARAM_NO_RAMP, lfo_sync_names,
                        "off, or one cycle per 4/1 2/1 1/1 1/2 1/4 1/8 1/16 1/4t 1/8t note"},
    [LFO_PARAM_POLARITY] = {3, "polarity", "", 0.0f, (float)(LFO_POLARITY_COUNT - 1),
                            (float)LFO_BIPOLAR, CX_PARAM_ENUM | CX_PARAM_NO_RAMP,
                            lfo_polarity_names, "bipolar ±1 or unipolar 0..1"},
    [LFO_PARAM_SEED] = {4, "seed", "", 0.0f, 16777215.0f, 1.0f, CX_PARAM_INTEGER | CX_PARAM_NO_RAMP,
                        NULL, "sample-and-hold sequence: same seed, same values"},
};
_Static_assert(sizeof lfo_params / sizeof lfo_params[0] == LFO_PARAM_COUNT,
               "one entry per parameter");

#define LFO_BEAT_EPSILON   1e-9  /* in cycles: a frame is at least 1e-6 of a cycle */
#define LFO_TEMPO_DEFAULT  120.0 /* beats per minute, when the host gives none */
#define LFO_PCG_MULTIPLIER 6364136223846793005ull
#define LFO_PCG_INCREMENT  1442695040888963407ull

typedef struct lfo_state {
	double frame_s; /* 1 / sample rate */
	double phase;   /* [0, 1): the phase of the next frame when free */
	double anchor;  /* synced: the beat where cycle 0 starts */
	double cycle;   /* synced: the whole cycles since the anchor, at the last frame */
	uint64_t rng;   /* PCG32 state */
	uint32_t wave;  /* LFO_* */
	uint32_t sync;  /* LFO_SYNC_* */
	uint32_t polarity;
	uint32_t seed;
	uint32_t ramp_frames;
	uint32_t reset_high; /* the reset input was high on the last frame */
	uint32_t locked;     /* the last frame was locked to the playing transport */
	float held;          /* the sample-and-hold value */
	cx_ramp_log_t rate_hz;
} lfo_state_t;

static float lfo_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, lfo_params[index].min, lfo_params[index].max);
}

/* PCG32 XSH-RR: returns 32 random bits and advances the state. */
static inline uint32_t lfo_pcg32(uint64_t *state)
{
	uint64_t x = *state;
	*state = x * LFO_PCG_MULTIPLIER + LFO_PCG_INCREMENT;
	uint32_t xorshifted = (uint32_t)(((x >> 18u) ^ x) >> 27u);
	uint32_t rot = (uint32_t)(x >> 59u);
	return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

/* A new sample-and-hold value, uniform in [-1, 1). */
static inline void lfo_draw(lfo_state_t *s)
{
	s->held = (float)(int32_t)lfo_pcg32(&s->rng) * 0x1p-31f;
}

/* Restarts the random sequence of `seed` (O'Neill's pcg32_srandom) and the cycle. */
static void lfo_restart(lfo_state_t *s)
{
	s->rng = 0;
	(void)lfo_pcg32(&s->rng);
	s->rng += s->seed;
	(void)lfo_pcg32(&s->rng);
	s->phase = 0.0;
	s->anchor = 0.0;
	s->cycle = 0.0;
	s->reset_high = 0;
	s->locked = 0;
	lfo_draw(s);
}

static void lfo_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	lfo_state_t *s = state;
	(void)frames_max;
	s->frame_s = 1.0 / (double)sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	s->wave = (uint32_t)lfo_param_clamp(LFO_PARAM_WAVE, params[LFO_PARAM_WAVE]);
	s->sync = (uint32_t)lfo_param_clamp(LFO_PARAM_SYNC, params[LFO_PARAM_SYNC]);
	s->polarity = (uint32_t)lfo_param_clamp(LFO_PARAM_POLARITY, params[LFO_PARAM_POLARITY]);
	s->seed = (uint32_t)lfo_param_clamp(LFO_PARAM_SEED, params[LFO_PARAM_SEED]);
	cx_ramp_log_snap(&s->rate_hz,
	                 lfo_param_clamp(LFO_PARAM_RATE_HZ, params[LFO_PARAM_RATE_HZ]));
	lfo_restart(s);
}

static void lfo_reset(void *state)
{
	lfo_restart(state);
}

static void lfo_apply(lfo_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= LFO_PARAM_COUNT)
		return;
	float v = lfo_param_clamp(e->index, e->value);
	switch (e->index) {
	case LFO_PARAM_WAVE:
		s->wave = (uint32_t)v;
		break;
	case LFO_PARAM_RATE_HZ:
		cx_ramp_log_to(&s->rate_hz, v, s->ramp_frames);
		break;
	case LFO_PARAM_SYNC:
		s->sync = (uint32_t)v;
		break;
	case LFO_PARAM_POLARITY:
		s->polarity = (uint32_t)v;
		break;
	case LFO_PARAM_SEED:
		s->seed = (uint32_t)v;
		lfo_restart(s);
		break;
	}
}

/* The wave at phase t in [0, 1), bipolar. */
static inline float lfo_shape(const lfo_state_t *s, double t)
{
	float x = (float)t;
	switch (s->wave) {
	case LFO_SINE:
		return -cx_sinpif(2.0f * x - 1.0f); /* sin(2 pi t) = -sin(pi (2t - 1)) */
	case LFO_TRIANGLE: {
		float u = x + 0.25f; /* from the trough at t = 3/4 */
		u -= u >= 1.0f ? 1.0f : 0.0f;
		return 1.0f - 4.0f * fabsf(u - 0.5f);
	}
	case LFO_SAW:
		return 2.0f * x - 1.0f;
	case LFO_SQUARE:
		return x < 0.5f ? 1.0f : -1.0f;
	default:
		return s->held;
	}
}

/* Locked to a playing transport: sets the phase of this frame from its beat (>= 0); starts a
 * cycle (and draws a new held value) when the cycle count changes, at play and at a reset. */
static double lfo_locked_phase(lfo_state_t *s, double beat, double beats_per_cycle, int edge)
{
	if (!s->locked)
		s->anchor = 0.0; /* play starts: cycles begin on beat 0 */
	if (edge)
		s->anchor = beat;
	double x = (beat - s->anchor) / beats_per_cycle;
	double whole = floor(x + LFO_BEAT_EPSILON);
	double t = x - whole;
	if (whole != s->cycle || edge || !s->locked)
		lfo_draw(s);
	s->cycle = whole;
	return t > 0.0 ? (t < 1.0 ? t : 0.0) : 0.0;
}

static void lfo_render(lfo_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	const float *reset = p->in[LFO_IN_RESET];
	float *out = p->out[LFO_OUT_OUT];
	const double beats_per_cycle = lfo_sync_beats[s->sync];
	double beats_per_frame = p->beats_per_frame;
	if (!(beats_per_frame > 0.0 && beats_per_frame < 1.0)) /* no tempo given (or absurd) */
		beats_per_frame = LFO_TEMPO_DEFAULT / 60.0 * s->frame_s;
	const float offset = s->polarity == LFO_UNIPOLAR ? 1.0f : 0.0f;
	const float scale = s->polarity == LFO_UNIPOLAR ? 0.5f : 1.0f;
	for (uint32_t i = begin; i < end; i++) {
		uint32_t high = reset[i] > 0.5f;
		int edge = high && !s->reset_high;
		s->reset_high = high;
		double beat = p->beat + (double)i * beats_per_frame;
		int lock = beats_per_cycle > 0.0 && p->playing && beat >= -LFO_BEAT_EPSILON;
		double rate_hz = (double)cx_ramp_log_next(&s->rate_hz);
		double step = beats_per_cycle > 0.0 ? beats_per_frame / beats_per_cycle
		                                    : rate_hz * s->frame_s;
		double t;
		if (lock) {
			t = lfo_locked_phase(s, beat > 0.0 ? beat : 0.0, beats_per_cycle, edge);
		} else {
			if (edge) {
				s->phase = 0.0;
				lfo_draw(s);
			}
			t = s->phase;
		}
		s->locked = (uint32_t)lock;
		out[i] = (lfo_shape(s, t) + offset) * scale;
		/* the next frame's phase when free; a wrap starts a new held value */
		s->phase = t + step;
		if (s->phase >= 1.0) {
			s->phase -= floor(s->phase);
			if (!lock)
				lfo_draw(s);
		}
	}
}

static void lfo_process(void *state, const cx_process_t *p)
{
	lfo_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			lfo_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		lfo_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		lfo_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "lfo",
    .summary = "low-frequency oscillator, free or locked to the transport",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(lfo_state_t),
    .in_count = LFO_IN_COUNT,
    .ins = lfo_ins,
    .out_count = LFO_OUT_COUNT,
    .outs = lfo_outs,
    .param_count = LFO_PARAM_COUNT,
    .params = lfo_params,
    .init = lfo_init,
    .process = lfo_process,
    .reset = lfo_reset,
    .migrate = NULL,
};
