/*
 * comp — a feed-forward compressor with a lookahead peak limiter after it, for the master.
 *
 * Channels: `in` (mono) and `left`, `right` (stereo) are three channels under one linked gain:
 * patch a mono signal through in -> out, a stereo pair through left/right -> left/right.
 *
 * 1. The compressor, a hard-knee design in the log domain after D. Giannoulis, M. Massberg,
 *    J. D. Reiss, "Digital Dynamic Range Compressor Design — A Tutorial and Analysis", JAES
 *    60(6), 2012 (the gain computer, then the smoothing of the gain reduction in dB):
 *	level = 20 log10 of the peak of |in|, |left|, |right| over the last W frames,
 *	target = (1 - 1 / ratio) (level - threshold) when above the threshold, else 0 (dB),
 *	reduction moves towards target as a one-pole: with attack's time constant when target is
 *	  above it (more reduction), release's when below,
 *	gain = makeup - reduction (dB), and the output blends in (1 - mix) of the dry signal.
 *    The level detector is a sliding maximum over W = COMP_LOOKAHEAD_S (a monotonic wedge,
 *    amortized O(1) a frame), and the audio is delayed by the same W - 1 frames, so:
 *      - a steady sine of any frequency above 1 / (2 W) = 100 Hz reads its exact peak: the
 *        static curve holds to a hundredth of a dB with no ripple;
 *      - a step up in level reaches the gain computer at once, W - 1 frames before it reaches
 *        the output (the attack starts that much early); a step down leaves the window exactly
 *        when the quieter signal reaches the output (the release starts on time).
 *    Time constants, as tests/modules/comp measures them: after a step of the target, the
 *    reduction in dB covers 1 - 1/e (63 %) of its change in `attack` (or `release`) seconds:
 *    its coefficient is exp(-1 / (time x sample rate)).
 *
 * 2. The ceiling: a lookahead limiter that lets no sample past `ceiling`. For each frame the
 *    largest gain that keeps it under, r = min(1, ceiling / peak), is taken through a sliding
 *    minimum over L + 1 frames, a release (instant down, one-pole up with `release`'s time
 *    constant, never above the minimum), and a moving average over L + 1 frames, while the
 *    audio is delayed by L = COMP_CEILING_LOOKAHEAD_S. Every value in the average at the frame
 *    a peak leaves is at most that peak's r, so the average is too: the gain ramps down
 *    linearly over L frames ahead of a peak and never clips it. The average is summed in
 *    integers (gains in units of 2^-24, rounded down) so that it cannot drift, and a final
 *    clamp at the ceiling catches the last rounding and a ceiling lowered while peaks are in
 *    the lookahead. (The min-hold and moving-average pair is a common lookahead limiter
 *    structure; the guarantee is the argument above.)
 *
 * Latency: W - 1 + L frames (6 ms). With the ceiling at 0 dB, |out| <= 1, always.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { COMP_IN_IN, COMP_IN_LEFT, COMP_IN_RIGHT, COMP_IN_COUNT };
enum { COMP_OUT_OUT, COMP_OUT_LEFT, COMP_OUT_RIGHT, COMP_OUT_COUNT };
enum {
	COMP_PARAM_THRESHOLD_DB,
	COMP_PARAM_RATIO,
	COMP_PARAM_ATTACK_S,
	COMP_PARAM_RELEASE_S,
	COMP_PARAM_MAKEUP_DB,
	COMP_PARAM_CEILING_DB,
	COMP_PARAM_MIX,
	COMP_PARAM_COUNT
};
#define COMP_CHANNELS 3

static const cx_port_info_t comp_ins[] = {
    [COMP_IN_IN] = {"in", CX_PORT_AUDIO, 0.0f, "mono signal"},
    [COMP_IN_LEFT] = {"left", CX_PORT_AUDIO, 0.0f, "stereo left, under the same gain"},
    [COMP_IN_RIGHT] = {"right", CX_PORT_AUDIO, 0.0f, "stereo right, under the same gain"},
};
_Static_assert(sizeof comp_ins / sizeof comp_ins[0] == COMP_IN_COUNT, "one entry per input");

static const cx_port_info_t comp_outs[] = {
    [COMP_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "in, compressed and limited"},
    [COMP_OUT_LEFT] = {"left", CX_PORT_AUDIO, 0.0f, "left, compressed and limited"},
    [COMP_OUT_RIGHT] = {"right", CX_PORT_AUDIO, 0.0f, "right, compressed and limited"},
};
_Static_assert(sizeof comp_outs / sizeof comp_outs[0] == COMP_OUT_COUNT, "one entry per output");

static const cx_param_info_t comp_params[] = {
    [COMP_PARAM_THRESHOLD_DB] = {0, "threshold", "dB", -60.0f, 0.0f, -20.0f, 0, NULL,
                                 "peak level where compression starts"},
    [COMP_PARAM_RATIO] = {1, "ratio", "", 1.0f, 100.0f, 4.0f, CX_PARAM_LOG, NULL,
                          "dB in per dB out above the threshold; 100 limits"},
    [COMP_PARAM_ATTACK_S] = {2, "attack", "s", 0.0001f, 1.0f, 0.01f,
                             CX_PARAM_LOG | CX_PARAM_NO_RAMP, NULL,
                             "time constant of gain reduction (63 %)"},
    [COMP_PARAM_RELEASE_S] = {3, "release", "s", 0.001f, 5.0f, 0.1f,
                              CX_PARAM_LOG | CX_PARAM_NO_RAMP, NULL,
                              "time constant of recovery (63 %), also the ceiling's"},
    [COMP_PARAM_MAKEUP_DB] = {4, "makeup", "dB", 0.0f, 40.0f, 0.0f, 0, NULL,
                              "gain after compression"},
    [COMP_PARAM_CEILING_DB] = {5, "ceiling", "dB", -20.0f, 0.0f, 0.0f, 0, NULL,
                               "no output sample goes past this"},
    [COMP_PARAM_MIX] = {6, "mix", "", 0.0f, 1.0f, 1.0f, 0, NULL,
                        "0: dry (still under the ceiling), 1: compressed"},
};
_Static_assert(sizeof comp_params / sizeof comp_params[0] == COMP_PARAM_COUNT,
               "one entry per parameter");

#define COMP_LOOKAHEAD_S         0.005f /* the detector's window; the audio waits W - 1 frames */
#define COMP_CEILING_LOOKAHEAD_S 0.001f
#define COMP_RATE_MAX_HZ         96000.0f
#define COMP_W_MAX               512u        /* >= 0.005 s at 96 kHz + 1, a power of two */
#define COMP_L_MAX               128u        /* >= 0.001 s at 96 kHz + 1, a power of two */
#define COMP_DB_TO_LOG2          0.16609640f /* log2(10) / 20 */
#define COMP_LOG2_TO_DB          6.02059991f /* 20 / log2(10) */
#define COMP_LEVEL_FLOOR         1e-6f       /* -120 dB: the level of silence */
#define COMP_UNITY               16777216u   /* a gain of 1 in the ceiling's integer units */
#define COMP_OUT_FLUSH           1e-30f

/* A sliding extremum over the last `window` values (a monotonic wedge): values that can
 * never be the extremum again are dropped from the back; the front is the extremum. */
typedef struct comp_wedge {
	float value[COMP_W_MAX];
	uint32_t frame[COMP_W_MAX];
	uint32_t head, count; /* the front is at head, the back at head + count - 1 (mod size) */
} comp_wedge_t;

typedef struct comp_state {
	float sample_rate;
	uint32_t ramp_frames;
	uint32_t w;     /* detector window, frames */
	uint32_t l;     /* ceiling lookahead, frames */
	uint32_t frame; /* frames since reset (wraps) */
	cx_ramp_t threshold_db;
	cx_ramp_t ratio;
	cx_ramp_t makeup_db;
	cx_ramp_t ceiling_db;
	cx_ramp_t mix;
	float attack_coef, release_coef;
	float slope;   /* 1 - 1 / ratio, for the ratio's value (NaN: work it out) */
	float ceiling; /* the ceiling as a gain (NaN: work it out) */
	float held_level, held_level_db; /* the last level and its dB (NaN: none yet) */
	float held_gain_db, held_gain;   /* the last gain in dB and as a factor (NaN: none yet) */
	float reduction_db;              /* the smoothed gain reduction */
	float release_gain;              /* the ceiling's released gain */
	uint64_t average_sum;            /* sum of avg[], in units of 2^-24 */
	uint32_t avg[COMP_L_MAX];        /* the ceiling's last l + 1 released gains */
	comp_wedge_t peak;               /* detector: sliding max over w */
	comp_wedge_t floor;              /* ceiling: sliding min over l + 1 */
	float delay1[COMP_CHANNELS][COMP_W_MAX]; /* the audio, w - 1 frames */
	float delay2[COMP_CHANNELS][COMP_L_MAX]; /* the compressed audio, l frames */
} comp_state_t;

static float comp_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, comp_params[index].min, comp_params[index].max);
}

static float comp_coef(float time_s, float sample_rate)
{
	return expf(-1.0f / (time_s * sample_rate));
}

static void comp_reset(void *state)
{
	comp_state_t *s = state;
	s->held_level = NAN;
	s->held_gain_db = NAN;
	s->frame = 0;
	s->reduction_db = 0.0f;
	s->release_gain = 1.0f;
	for (uint32_t i = 0; i < COMP_L_MAX; i++)
		s->avg[i] = COMP_UNITY;
	s->average_sum = (uint64_t)(s->l + 1) * COMP_UNITY;
	memset(&s->peak, 0, sizeof s->peak);
	memset(&s->floor, 0, sizeof s->floor);
	memset(s->delay1, 0, sizeof s->delay1);
	memset(s->delay2, 0, sizeof s->delay2);
}

static void comp_set(comp_state_t *s, uint32_t index, float v, int ramp)
{
	uint32_t frames = ramp ? s->ramp_frames : 1u;
	v = comp_param_clamp(index, v);
	switch (index) {
	case COMP_PARAM_THRESHOLD_DB:
		cx_ramp_to(&s->threshold_db, v, frames);
		break;
	case COMP_PARAM_RATIO:
		cx_ramp_to(&s->ratio, v, frames);
		break;
	case COMP_PARAM_ATTACK_S:
		s->attack_coef = comp_coef(v, s->sample_rate);
		break;
	case COMP_PARAM_RELEASE_S:
		s->release_coef = comp_coef(v, s->sample_rate);
		break;
	case COMP_PARAM_MAKEUP_DB:
		cx_ramp_to(&s->makeup_db, v, frames);
		break;
	case COMP_PARAM_CEILING_DB:
		cx_ramp_to(&s->ceiling_db, v, frames);
		break;
	case COMP_PARAM_MIX:
		cx_ramp_to(&s->mix, v, frames);
		break;
	}
}

static void comp_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	comp_state_t *s = state;
	(void)frames_max;
	s->sample_rate = sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	float w = roundf(COMP_LOOKAHEAD_S * sample_rate) + 1.0f;
	float l = roundf(COMP_CEILING_LOOKAHEAD_S * sample_rate);
	s->w = (uint32_t)cx_clampf(w, 1.0f, (float)COMP_W_MAX);
	s->l = (uint32_t)cx_clampf(l, 0.0f, (float)(COMP_L_MAX - 1));
	cx_ramp_t *ramps[] = {&s->threshold_db, &s->ratio, &s->makeup_db, &s->ceiling_db, &s->mix};
	static const uint32_t ramp_params[] = {COMP_PARAM_THRESHOLD_DB, COMP_PARAM_RATIO,
	                                       COMP_PARAM_MAKEUP_DB, COMP_PARAM_CEILING_DB,
	                                       COMP_PARAM_MIX};
	for (int i = 0; i < 5; i++)
		cx_ramp_snap(ramps[i], comp_param_clamp(ramp_params[i], params[ramp_params[i]]));
	s->slope = NAN;
	s->ceiling = NAN;
	comp_set(s, COMP_PARAM_ATTACK_S, params[COMP_PARAM_ATTACK_S], 0);
	comp_set(s, COMP_PARAM_RELEASE_S, params[COMP_PARAM_RELEASE_S], 0);
	comp_reset(s);
}

static void comp_apply(comp_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= COMP_PARAM_COUNT)
		return;
	comp_set(s, e->index, e->value, 1);
}

/* Adds value at frame to a wedge over `window` frames and returns the extremum: the maximum
 * when max is 1, else the minimum. Each value is added and dropped once, so a frame costs
 * O(1) amortized and at most `window` steps. */
static inline float comp_wedge_push(comp_wedge_t *q, float value, uint32_t frame, uint32_t window,
                                    int max)
{
	const uint32_t mask = COMP_W_MAX - 1u;
	while (q->count > 0) {
		float back = q->value[(q->head + q->count - 1u) & mask];
		if (max ? back > value : back < value)
			break;
		q->count--;
	}
	uint32_t at = (q->head + q->count) & mask;
	q->value[at] = value;
	q->frame[at] = frame;
	q->count++;
	if (frame - q->frame[q->head] >= window) { /* the front has left the window */
		q->head = (q->head + 1u) & mask;
		q->count--;
	}
	return q->value[q->head];
}

/* log2(x) for x > 0 (normal): the exponent from the bits, the mantissa m in [1, 2) by
 * log2(m) = (2 / ln 2) atanh(t), t = (m - 1) / (m + 1) <= 1/3, to t^7 (error < 2e-5). */
static inline float comp_log2f(float x)
{
	uint32_t bits;
	memcpy(&bits, &x, sizeof bits);
	float e = (float)((int32_t)(bits >> 23) - 127);
	bits = (bits & 0x007fffffu) | 0x3f800000u;
	float m;
	memcpy(&m, &bits, sizeof m);
	float t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
	float series = t * (1.0f + t2 * (1.0f / 3.0f + t2 * (1.0f / 5.0f + t2 * (1.0f / 7.0f))));
	return e + 2.88539008f * series;
}

/* One frame: x[COMP_CHANNELS] in, y[COMP_CHANNELS] out. */
static inline void comp_tick(comp_state_t *s, const float *x, float *y)
{
	const uint32_t mask1 = COMP_W_MAX - 1u, mask2 = COMP_L_MAX - 1u;
	uint32_t n = s->frame++;
	float threshold_db = cx_ramp_next(&s->threshold_db);
	float makeup_db = cx_ramp_next(&s->makeup_db), mix = cx_ramp_next(&s->mix);
	if (s->ratio.frames_left > 0 || s->slope != s->slope) /* slope NaN: not known yet */
		s->slope = 1.0f - 1.0f / cx_ramp_next(&s->ratio);
	if (s->ceiling_db.frames_left > 0 || s->ceiling != s->ceiling)
		s->ceiling = cx_exp2f(cx_ramp_next(&s->ceiling_db) * COMP_DB_TO_LOG2);
	float ceiling = s->ceiling;
	/* The compressor's detector and gain. */
	float peak = 0.0f;
	for (int c = 0; c < COMP_CHANNELS; c++)
		peak = fmaxf(peak, fabsf(x[c]));
	float level = comp_wedge_push(&s->peak, peak, n, s->w, 1);
	if (level != s->held_level) { /* a sliding maximum holds still for long stretches */
		s->held_level = level;
		s->held_level_db = COMP_LOG2_TO_DB * comp_log2f(fmaxf(level, COMP_LEVEL_FLOOR));
	}
	float level_db = s->held_level_db;
	float over_db = level_db - threshold_db;
	float target_db = over_db > 0.0f ? over_db * s->slope : 0.0f;
	float coef = target_db > s->reduction_db ? s->attack_coef : s->release_coef;
	s->reduction_db = target_db + (s->reduction_db - target_db) * coef;
	float gain_db = makeup_db - s->reduction_db;
	if (gain_db != s->held_gain_db) {
		s->held_gain_db = gain_db;
		s->held_gain = cx_exp2f(gain_db * COMP_DB_TO_LOG2);
	}
	float gain = s->held_gain;
	gain = 1.0f - mix + mix * gain;
	/* The audio, w - 1 frames late, under that gain; then the ceiling's detector. */
	float z[COMP_CHANNELS], peak2 = 0.0f;
	for (int c = 0; c < COMP_CHANNELS; c++) {
		s->delay1[c][n & mask1] = x[c];
		z[c] = s->delay1[c][(n - (s->w - 1u)) & mask1] * gain;
		peak2 = fmaxf(peak2, fabsf(z[c]));
	}
	float r = peak2 > ceiling ? ceiling / peak2 : 1.0f;
	uint32_t r_units = (uint32_t)(r * (float)COMP_UNITY);
	float held = comp_wedge_push(&s->floor, (float)r_units, n, s->l + 1u, 0);
	float released = s->release_gain * (float)COMP_UNITY;
	released = held + (released - held) * s->release_coef;
	released = released < held ? released : held;
	uint32_t units = (uint32_t)released;
	s->release_gain = (float)units * (1.0f / (float)COMP_UNITY);
	s->average_sum += units;
	s->average_sum -= s->avg[(n - (s->l + 1u)) & mask2];
	s->avg[n & mask2] = units;
	float g2 = (float)s->average_sum * (1.0f / (float)COMP_UNITY) / (float)(s->l + 1u);
	for (int c = 0; c < COMP_CHANNELS; c++) {
		s->delay2[c][n & mask2] = z[c];
		float out = s->delay2[c][(n - s->l) & mask2] * g2;
		y[c] = cx_clampf(out, -ceiling, ceiling);
	}
}

static void comp_render(comp_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	for (uint32_t i = begin; i < end; i++) {
		float x[COMP_CHANNELS], y[COMP_CHANNELS];
		for (int c = 0; c < COMP_CHANNELS; c++)
			x[c] = cx_sanitizef(p->in[c][i], CX_INPUT_LIMIT);
		comp_tick(s, x, y);
		for (int c = 0; c < COMP_CHANNELS; c++)
			p->out[c][i] = y[c];
	}
}

static void comp_process(void *state, const cx_process_t *p)
{
	comp_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			comp_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		comp_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		comp_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "comp",
    .summary = "compressor with a lookahead ceiling limiter, mono or linked stereo",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(comp_state_t),
    .in_count = COMP_IN_COUNT,
    .ins = comp_ins,
    .out_count = COMP_OUT_COUNT,
    .outs = comp_outs,
    .param_count = COMP_PARAM_COUNT,
    .params = comp_params,
    .init = comp_init,
    .process = comp_process,
    .reset = comp_reset,
    .migrate = NULL,
};
