/*
 * vco — a band-limited oscillator: sine, triangle, saw and variable-width square, with hard
 * sync and pulse-width modulation.
 *
 * Band-limiting is E. Brandt's minBLEP ("Hard Sync Without Aliasing", Proc. ICMC 2001): the
 * oscillator renders the naive (unfiltered) waveform and, at every discontinuity, adds a
 * precomputed residual: the difference between a minimum-phase band-limited step and the ideal
 * step, placed at the discontinuity's sub-sample time and scaled by its size. Corners (changes
 * of slope: the triangle's, and any wave's at a sync) get the integral of that residual, a
 * band-limited ramp (minBLAMP). The tables are static, made by minblep_gen.py (vco_minblep.h):
 * 16 samples long, 64 phases per sample with linear interpolation between them; flat to 1/3 of
 * the sample rate (-0.12 dB: 16 kHz at 48 kHz) and at least 82 dB down from 0.62 of it (30 kHz
 * at 48 kHz), so what would fold back below 16 kHz at 48 kHz (from 32 kHz up) is cut by more. The
 * minimum-phase step is centred on a whole number of frames, VCO_BLEP_DELAY, and the naive waveform
 * is delayed by as many frames, so both residuals end at zero (see minblep_gen.py): the output is
 * the naive wave VCO_BLEP_DELAY frames late plus the residuals, which run ahead of it; its latency
 * is that delay, 3 frames.
 *
 * The phase is a double in [0, 1): it resolves frequency far beyond a cent and lets every
 * discontinuity's time be solved exactly from the phase itself. It runs backwards for negative
 * frequencies (through-zero linear FM). Frequency, per frame: freq * 2^pitch + fm * fm_in, where
 * `freq` ramps geometrically (even in octaves), `pitch` is 1 V/oct CV and `fm` is linear FM
 * depth in Hz of deviation per unit of the fm input; limited to ±0.49 * sample rate.
 *
 * Waves start a cycle at phase 0: sine and triangle cross zero rising there, the saw jumps from
 * +1 to -1 there, the square rises to +1 there and falls at phase width, where width is `width`
 * plus the `pwm` input, held to 0.01..0.99. A width change that moves the edge across the
 * phase, and a `wave` change, step at the frame's start and get their residual too. Hard sync:
 * where the `sync` input rises through 0 the phase restarts at 0, and the jumps in value and
 * slope there get a step and a ramp residual. The crossing's time between two frames is the
 * root of the cubic through the input's last four samples (exact for a ramp master, close for
 * smooth ones), else of the line through the last two. Saw, square and triangle are straight
 * lines between their corners, so these two residuals band-limit them exactly; the sine's jumps
 * in curvature and higher derivatives are left, so a synced sine aliases more (test_vco_sync).
 *
 * The band-limited waves ring past ±1 at their edges (Gibbs; a minimum-phase step overshoots
 * by 20 % of its size): the saw and square peak near ±1.4. The output is clamped to ±VCO_OUT_MAX,
 * which only unusual cases reach (many overlapping edges at the top of the range, noise on sync).
 *
 * Follows the RT rules in module.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"
#include "vco_minblep.h"

enum { VCO_IN_PITCH, VCO_IN_FM, VCO_IN_SYNC, VCO_IN_PWM, VCO_IN_COUNT };
enum { VCO_OUT_OUT, VCO_OUT_COUNT };
enum { VCO_PARAM_FREQ_HZ, VCO_PARAM_WAVE, VCO_PARAM_WIDTH, VCO_PARAM_FM_HZ, VCO_PARAM_COUNT };
enum { VCO_WAVE_SINE, VCO_WAVE_TRIANGLE, VCO_WAVE_SAW, VCO_WAVE_SQUARE, VCO_WAVE_COUNT };

static const cx_port_info_t vco_ins[] = {
    [VCO_IN_PITCH] = {"pitch", CX_PORT_CV, 0.0f, "pitch, 1 V/oct, added to log2 of freq"},
    [VCO_IN_FM] = {"fm", CX_PORT_AUDIO, 0.0f, "linear FM: fm Hz of deviation per unit"},
    [VCO_IN_SYNC] = {"sync", CX_PORT_AUDIO, 0.0f, "hard sync: rising through 0 restarts the cycle"},
    [VCO_IN_PWM] = {"pwm", CX_PORT_CV, 0.0f, "added to width; the sum is held to 0.01..0.99"},
};
_Static_assert(sizeof vco_ins / sizeof vco_ins[0] == VCO_IN_COUNT, "one entry per input");

static const cx_port_info_t vco_outs[] = {
    [VCO_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "the wave, ±1 (band-limited edges ring to 1.4)"},
};
_Static_assert(sizeof vco_outs / sizeof vco_outs[0] == VCO_OUT_COUNT, "one entry per output");

static const char *const vco_wave_names[] = {
    [VCO_WAVE_SINE] = "sine",
    [VCO_WAVE_TRIANGLE] = "triangle",
    [VCO_WAVE_SAW] = "saw",
    [VCO_WAVE_SQUARE] = "square",
};
_Static_assert(sizeof vco_wave_names / sizeof vco_wave_names[0] == VCO_WAVE_COUNT,
               "one name per wave");

#define VCO_WIDTH_MIN 0.01f
#define VCO_WIDTH_MAX 0.99f

static const cx_param_info_t vco_params[] = {
    [VCO_PARAM_FREQ_HZ] = {0, "freq", "Hz", 0.1f, 20000.0f, CX_C4_HZ, CX_PARAM_LOG, NULL,
                           "frequency at 0 V on the pitch input"},
    [VCO_PARAM_WAVE] = {1, "wave", "", 0.0f, (float)(VCO_WAVE_COUNT - 1), (float)VCO_WAVE_SAW,
                        CX_PARAM_ENUM | CX_PARAM_NO_RAMP, vco_wave_names,
                        "sine, triangle, saw or square"},
    [VCO_PARAM_WIDTH] = {2, "width", "", VCO_WIDTH_MIN, VCO_WIDTH_MAX, 0.5f, 0, NULL,
                         "pulse width of the square, as a fraction of the cycle"},
    [VCO_PARAM_FM_HZ] = {3, "fm", "Hz", 0.0f, 20000.0f, 0.0f, 0, NULL,
                         "linear FM depth: Hz of deviation per unit of the fm input"},
};
_Static_assert(sizeof vco_params / sizeof vco_params[0] == VCO_PARAM_COUNT,
               "one entry per parameter");

/* The highest |frequency| as a fraction of the sample rate. */
#define VCO_CYCLES_PER_FRAME_MAX 0.49f
#define VCO_OUT_MAX              2.0f

typedef struct vco_state {
	double phase;      /* [0, 1) */
	float frame_s;     /* 1 / sample rate */
	float freq_hz_max; /* VCO_CYCLES_PER_FRAME_MAX * sample rate */
	uint32_t ramp_frames;
	uint32_t wave;        /* VCO_WAVE_* */
	uint32_t wave_played; /* the wave of the last frame rendered */
	float width_played;   /* the square's width at the last frame rendered */
	float sync_last[3];   /* the sync input at the last three frames, newest first */
	cx_ramp_log_t freq_hz;
	cx_ramp_t width;
	cx_ramp_t fm_hz;
	float naive[VCO_BLEP_DELAY];   /* the naive wave of the last frames, oldest first */
	float residual[VCO_BLEP_TAPS]; /* residuals already due for the next frames */
} vco_state_t;

static float vco_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, vco_params[index].min, vco_params[index].max);
}

static void vco_reset(void *state)
{
	vco_state_t *s = state;
	s->phase = 0.0;
	s->wave_played = s->wave;
	s->width_played = s->width.value;
	s->sync_last[0] = s->sync_last[1] = s->sync_last[2] = 0.0f;
	for (uint32_t i = 0; i < VCO_BLEP_DELAY; i++)
		s->naive[i] = 0.0f;
	for (uint32_t i = 0; i < VCO_BLEP_TAPS; i++)
		s->residual[i] = 0.0f;
}

static void vco_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	vco_state_t *s = state;
	(void)frames_max;
	s->frame_s = 1.0f / sample_rate;
	s->freq_hz_max = VCO_CYCLES_PER_FRAME_MAX * sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	s->wave = (uint32_t)vco_param_clamp(VCO_PARAM_WAVE, params[VCO_PARAM_WAVE]);
	cx_ramp_log_snap(&s->freq_hz,
	                 vco_param_clamp(VCO_PARAM_FREQ_HZ, params[VCO_PARAM_FREQ_HZ]));
	cx_ramp_snap(&s->width, vco_param_clamp(VCO_PARAM_WIDTH, params[VCO_PARAM_WIDTH]));
	cx_ramp_snap(&s->fm_hz, vco_param_clamp(VCO_PARAM_FM_HZ, params[VCO_PARAM_FM_HZ]));
	vco_reset(s);
}

static void vco_apply(vco_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= VCO_PARAM_COUNT)
		return;
	float v = vco_param_clamp(e->index, e->value);
	switch (e->index) {
	case VCO_PARAM_FREQ_HZ:
		cx_ramp_log_to(&s->freq_hz, v, s->ramp_frames);
		break;
	case VCO_PARAM_WAVE:
		s->wave = (uint32_t)v;
		break;
	case VCO_PARAM_WIDTH:
		cx_ramp_to(&s->width, v, s->ramp_frames);
		break;
	case VCO_PARAM_FM_HZ:
		cx_ramp_to(&s->fm_hz, v, s->ramp_frames);
		break;
	}
}

/* ---- the residuals ------------------------------------------------------------------------ */

/* Adds `size` times a residual table (vco_blep or vco_blamp) for a discontinuity `ago` frames
 * (0..1) before frame 0 of res: res[m] += size * table(m + ago), m < VCO_BLEP_TAPS. */
static inline void vco_add(float *res, const float (*table)[VCO_BLEP_TAPS], float ago, float size)
{
	float x = cx_clampf(ago, 0.0f, 1.0f) * (float)VCO_BLEP_PHASES;
	int32_t row = (int32_t)x;
	row = row < VCO_BLEP_PHASES ? row : VCO_BLEP_PHASES - 1;
	float frac = x - (float)row;
	const float *a = table[row], *b = table[row + 1];
	float ca = size * (1.0f - frac), cb = size * frac;
	for (uint32_t m = 0; m < VCO_BLEP_TAPS; m++)
		res[m] += ca * a[m] + cb * b[m];
}

/* ---- the naive waves, as functions of the phase ----------------------------------------- */

static inline float vco_sin2pi(float t) /* sin(2 pi t), t in [0, 1] */
{
	return -cx_sinpif(2.0f * t - 1.0f);
}

static inline float vco_naive(uint32_t wave, double phase, float width)
{
	float t = (float)phase;
	switch (wave) {
	case VCO_WAVE_SINE:
		return vco_sin2pi(t);
	case VCO_WAVE_TRIANGLE: {
		float u = t + 0.25f; /* from the trough */
		u -= u >= 1.0f ? 1.0f : 0.0f;
		return 1.0f - 4.0f * fabsf(u - 0.5f);
	}
	case VCO_WAVE_SAW:
		return 2.0f * t - 1.0f;
	default:
		return phase < (double)width ? 1.0f : -1.0f;
	}
}

/* The slope of a naive wave at a phase, per frame, for a phase increment dt. */
static inline float vco_slope(uint32_t wave, double phase, float dt)
{
	float t = (float)phase;
	switch (wave) {
	case VCO_WAVE_SINE: {
		float x = 2.0f * t + 0.5f; /* cos(2 pi t) = sin(pi (2t + 1/2)) */
		x -= x >= 1.0f ? 2.0f : 0.0f;
		return 2.0f * (float)M_PI * dt * cx_sinpif(x);
	}
	case VCO_WAVE_TRIANGLE:
		return t < 0.25f || t >= 0.75f ? 4.0f * dt : -4.0f * dt;
	case VCO_WAVE_SAW:
		return 2.0f * dt;
	default:
		return 0.0f;
	}
}

/* ---- one frame ---------------------------------------------------------------------------- */

/* A stretch of one frame's interval: the phase moves from p by len * dt, and the stretch ends
 * `end` frames before the frame (0 for the last stretch). A discontinuity at unwrapped phase c
 * lies (e - c) / dt frames before the stretch's end, e = p + len * dt. */
typedef struct vco_stretch {
	double p, e;
	float dt, end;
	float *res;
} vco_stretch_t;

static inline float vco_ago(const vco_stretch_t *st, double c)
{
	return st->end + (float)((st->e - c) / (double)st->dt);
}

/* Saw: from +1 to -1 crossing phase 1 upwards; from -1 to +1 crossing 0 downwards. */
static inline void vco_saw_edges(const vco_stretch_t *st)
{
	if (st->e >= 1.0)
		vco_add(st->res, vco_blep, vco_ago(st, 1.0), -2.0f);
	else if (st->e < 0.0)
		vco_add(st->res, vco_blep, vco_ago(st, 0.0), 2.0f);
}

/* Square: +1 below the width, -1 from it; rises at 0 (going up), falls at the width. */
static inline void vco_square_edges(const vco_stretch_t *st, double w)
{
	double p = st->p, e = st->e;
	if (st->dt > 0.0f) {
		if (p < w && e >= w)
			vco_add(st->res, vco_blep, vco_ago(st, w), -2.0f);
		if (e >= 1.0) {
			vco_add(st->res, vco_blep, vco_ago(st, 1.0), 2.0f);
			if (e >= 1.0 + w)
				vco_add(st->res, vco_blep, vco_ago(st, 1.0 + w), -2.0f);
		}
	} else {
		if (p >= w && e < w)
			vco_add(st->res, vco_blep, vco_ago(st, w), 2.0f);
		if (e < 0.0) {
			vco_add(st->res, vco_blep, vco_ago(st, 0.0), -2.0f);
			if (e < w - 1.0)
				vco_add(st->res, vco_blep, vco_ago(st, w - 1.0), 2.0f);
		}
	}
}

/* floor(x) for x > -8 (phases here stay within (-1, 2)), without a libm call. */
static inline int32_t vco_floor(double x)
{
	return (int32_t)(x + 8.0) - 8;
}

/* Triangle: corners at phases 1/4 + k/2, peaks for even k (the slope falls by 8 |dt|),
 * troughs for odd k (it rises by as much), whichever way the phase runs. A stretch spans less
 * than half a cycle, so it passes at most one corner: going up, the one in (p, e]; going
 * down, the one in [e, p). */
static inline void vco_triangle_corners(const vco_stretch_t *st)
{
	int32_t k;
	if (st->dt > 0.0f) {
		k = vco_floor(2.0 * st->e - 0.5);
		if (k == vco_floor(2.0 * st->p - 0.5))
			return;
	} else {
		k = -vco_floor(0.5 - 2.0 * st->e); /* ceil(2e - 1/2) */
		if (k >= -vco_floor(0.5 - 2.0 * st->p))
			return;
	}
	float change = 8.0f * fabsf(st->dt);
	vco_add(st->res, vco_blamp, vco_ago(st, 0.25 + 0.5 * (double)k),
	        k % 2 == 0 ? -change : change);
}

/* Moves the phase through one stretch and band-limits what the wave does there; returns the
 * phase at the stretch's end, wrapped into [0, 1). */
static inline double vco_run(uint32_t wave, double p, float dt, double width, float len, float end,
                             float *res)
{
	vco_stretch_t st = {p, p + (double)(len * dt), dt, end, res};
	if (wave == VCO_WAVE_SAW)
		vco_saw_edges(&st);
	else if (wave == VCO_WAVE_SQUARE)
		vco_square_edges(&st, width);
	else if (wave == VCO_WAVE_TRIANGLE)
		vco_triangle_corners(&st);
	double e = st.e;
	e -= e >= 1.0 ? 1.0 : 0.0;
	e += e < 0.0 ? 1.0 : 0.0;
	return e;
}

/* The sync input rose through 0 `ago` frames before the frame: the phase restarts at 0 there,
 * with a step and a ramp residual for the jumps in value and slope. */
static void vco_sync(uint32_t wave, double p, float dt, float width, float ago, float *res)
{
	float jump = vco_naive(wave, 0.0, width) - vco_naive(wave, p, width);
	float bend = vco_slope(wave, 0.0, dt) - vco_slope(wave, p, dt);
	if (jump != 0.0f)
		vco_add(res, vco_blep, ago, jump);
	if (bend != 0.0f)
		vco_add(res, vco_blamp, ago, bend);
}

/* ---- rendering ---------------------------------------------------------------------------- */

/* The per-frame controls of a chunk: phase increments (cycles per frame, signed) and widths.
 * A stride is 0 when one value serves the whole chunk. */
typedef struct vco_controls {
	uint32_t dt_stride, width_stride;
	float dt[CX_CHUNK_FRAMES];
	float width[CX_CHUNK_FRAMES];
} vco_controls_t;

static inline float vco_dt(const vco_state_t *s, float freq_hz, float pitch_v, float fm_hz,
                           float fm)
{
	float hz = freq_hz * cx_exp2f(cx_sanitizef(pitch_v, CX_INPUT_LIMIT)) +
	           fm_hz * cx_sanitizef(fm, CX_INPUT_LIMIT);
	return cx_clampf(hz, -s->freq_hz_max, s->freq_hz_max) * s->frame_s;
}

static inline float vco_width(float width, float pwm)
{
	return cx_clampf(width + cx_sanitizef(pwm, CX_INPUT_LIMIT), VCO_WIDTH_MIN, VCO_WIDTH_MAX);
}

static void vco_controls(vco_state_t *s, const cx_process_t *p, uint32_t pos, uint32_t n,
                         vco_controls_t *c)
{
	const float *pitch_v = p->in[VCO_IN_PITCH] + pos, *fm = p->in[VCO_IN_FM] + pos;
	const float *pwm = p->in[VCO_IN_PWM] + pos;
	if (s->freq_hz.frames_left == 0 && s->fm_hz.frames_left == 0 &&
	    cx_is_constant(pitch_v, n) && (s->fm_hz.value == 0.0f || cx_is_constant(fm, n))) {
		c->dt_stride = 0;
		c->dt[0] = vco_dt(s, s->freq_hz.value, pitch_v[0], s->fm_hz.value, fm[0]);
	} else {
		c->dt_stride = 1;
		for (uint32_t i = 0; i < n; i++)
			c->dt[i] = vco_dt(s, cx_ramp_log_next(&s->freq_hz), pitch_v[i],
			                  cx_ramp_next(&s->fm_hz), fm[i]);
	}
	if (s->width.frames_left == 0 && cx_is_constant(pwm, n)) {
		c->width_stride = 0;
		c->width[0] = vco_width(s->width.value, pwm[0]);
	} else {
		c->width_stride = 1;
		for (uint32_t i = 0; i < n; i++)
			c->width[i] = vco_width(cx_ramp_next(&s->width), pwm[i]);
	}
}

/* A change of wave, or of width across the phase, since the last frame: a step at the frame's
 * start (one frame before it), band-limited like any other. */
static inline void vco_switch(vco_state_t *s, double phase, float width, float *res)
{
	if (s->wave == s->wave_played && width == s->width_played)
		return;
	float before = vco_naive(s->wave_played, phase, s->width_played);
	float after = vco_naive(s->wave, phase, width);
	if (after != before)
		vco_add(res, vco_blep, 1.0f, after - before);
	s->wave_played = s->wave;
	s->width_played = width;
}

/* Renders frames [0, n) of a chunk with no sync: naive[VCO_BLEP_DELAY + i] receives frame i's
 * naive value, res[i + m] the residuals of its discontinuities. Inlined once per wave, so that
 * each wave gets a loop of its own. */
static inline void vco_frames_free(vco_state_t *s, const vco_controls_t *c, uint32_t n,
                                   float *naive, float *res, const uint32_t wave)
{
	double phase = s->phase;
	for (uint32_t i = 0, j = 0, k = 0; i < n; i++, j += c->dt_stride, k += c->width_stride) {
		float dt = c->dt[j], width = c->width[k];
		if (wave == VCO_WAVE_SQUARE)
			vco_switch(s, phase, width, res + i);
		phase = vco_run(wave, phase, dt, width, 1.0f, 0.0f, res + i);
		naive[VCO_BLEP_DELAY + i] = vco_naive(wave, phase, width);
	}
	s->phase = phase;
}

static void vco_frames_sine(vco_state_t *s, const vco_controls_t *c, uint32_t n, float *naive,
                            float *res)
{
	vco_frames_free(s, c, n, naive, res, VCO_WAVE_SINE);
}

static void vco_frames_triangle(vco_state_t *s, const vco_controls_t *c, uint32_t n, float *naive,
                                float *res)
{
	vco_frames_free(s, c, n, naive, res, VCO_WAVE_TRIANGLE);
}

static void vco_frames_saw(vco_state_t *s, const vco_controls_t *c, uint32_t n, float *naive,
                           float *res)
{
	vco_frames_free(s, c, n, naive, res, VCO_WAVE_SAW);
}

static void vco_frames_square(vco_state_t *s, const vco_controls_t *c, uint32_t n, float *naive,
                              float *res)
{
	vco_frames_free(s, c, n, naive, res, VCO_WAVE_SQUARE);
}

/* Where in (frame - 1, frame] a signal rising through 0 crosses it, as a fraction of the
 * interval: the root of the cubic through its last four samples x[3] (oldest) .. x[0] (the
 * frame), found by Newton's method from the linear estimate, which it falls back to when the
 * cubic does not rise through the interval. */
static float vco_crossing(const float *x)
{
	float lin = -x[1] / (x[0] - x[1]);
	/* Lagrange cubic in t, t = 0 at x[1], t = 1 at x[0], t = -1 at x[2], t = -2 at x[3] */
	float a = x[1];
	float b = (2.0f * x[0] + 3.0f * x[1] - 6.0f * x[2] + x[3]) / 6.0f;
	float c = (x[0] - 2.0f * x[1] + x[2]) / 2.0f;
	float d = (x[0] - 3.0f * x[1] + 3.0f * x[2] - x[3]) / 6.0f;
	float t = lin;
	for (int k = 0; k < 3; k++) {
		float slope = b + t * (2.0f * c + 3.0f * d * t);
		if (!(slope > 0.0f))
			return lin;
		t -= (a + t * (b + t * (c + t * d))) / slope;
	}
	return t >= 0.0f && t <= 1.0f ? t : lin;
}

/* The same with the sync input watched on every frame. */
static void vco_frames_sync(vco_state_t *s, const vco_controls_t *c, const float *sync, uint32_t n,
                            float *naive, float *res)
{
	const uint32_t wave = s->wave;
	double phase = s->phase;
	float x[4] = {0.0f, s->sync_last[0], s->sync_last[1], s->sync_last[2]};
	for (uint32_t i = 0, j = 0, k = 0; i < n; i++, j += c->dt_stride, k += c->width_stride) {
		float dt = c->dt[j], width = c->width[k];
		vco_switch(s, phase, width, res + i);
		x[0] = cx_sanitizef(sync[i], CX_INPUT_LIMIT);
		if (x[1] <= 0.0f && x[0] > 0.0f) {
			float at = vco_crossing(x);
			phase = vco_run(wave, phase, dt, width, at, 1.0f - at, res + i);
			vco_sync(wave, phase, dt, width, 1.0f - at, res + i);
			phase = vco_run(wave, 0.0, dt, width, 1.0f - at, 0.0f, res + i);
		} else {
			phase = vco_run(wave, phase, dt, width, 1.0f, 0.0f, res + i);
		}
		x[3] = x[2];
		x[2] = x[1];
		x[1] = x[0];
		naive[VCO_BLEP_DELAY + i] = vco_naive(wave, phase, width);
	}
	s->phase = phase;
	s->sync_last[0] = x[1];
	s->sync_last[1] = x[2];
	s->sync_last[2] = x[3];
}

/* Returns 1 when the sync input can make no rising edge in a chunk: it holds one value, and
 * does not rise through 0 from the last chunk's end to it. */
static int vco_sync_quiet(const vco_state_t *s, const float *sync, uint32_t n)
{
	float x = cx_sanitizef(sync[0], CX_INPUT_LIMIT);
	return cx_is_constant(sync, n) && !(s->sync_last[0] <= 0.0f && x > 0.0f) &&
	       s->sync_last[1] == x && s->sync_last[2] == x;
}

static void vco_render(vco_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	uint32_t n;
	for (uint32_t pos = begin; pos < end; pos += n) {
		n = end - pos < CX_CHUNK_FRAMES ? end - pos : CX_CHUNK_FRAMES;
		vco_controls_t c;
		vco_controls(s, p, pos, n, &c);
		float naive[VCO_BLEP_DELAY + CX_CHUNK_FRAMES];
		float res[CX_CHUNK_FRAMES + VCO_BLEP_TAPS];
		memcpy(naive, s->naive, sizeof s->naive);
		memcpy(res, s->residual, sizeof s->residual);
		memset(res + VCO_BLEP_TAPS, 0, n * sizeof *res);
		const float *sync = p->in[VCO_IN_SYNC] + pos;
		if (!vco_sync_quiet(s, sync, n)) {
			vco_frames_sync(s, &c, sync, n, naive, res);
		} else {
			vco_switch(s, s->phase, c.width[0], res);
			s->sync_last[0] = s->sync_last[1] = s->sync_last[2] =
			    cx_sanitizef(sync[0], CX_INPUT_LIMIT);
			switch (s->wave) {
			case VCO_WAVE_SINE:
				vco_frames_sine(s, &c, n, naive, res);
				break;
			case VCO_WAVE_TRIANGLE:
				vco_frames_triangle(s, &c, n, naive, res);
				break;
			case VCO_WAVE_SAW:
				vco_frames_saw(s, &c, n, naive, res);
				break;
			default:
				vco_frames_square(s, &c, n, naive, res);
				break;
			}
		}
		float *out = p->out[VCO_OUT_OUT] + pos;
		for (uint32_t i = 0; i < n; i++)
			out[i] = cx_clampf(naive[i] + res[i], -VCO_OUT_MAX, VCO_OUT_MAX);
		memcpy(s->naive, naive + n, sizeof s->naive);
		memcpy(s->residual, res + n, sizeof s->residual);
	}
}

static void vco_process(void *state, const cx_process_t *p)
{
	vco_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			vco_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		vco_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		vco_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "vco",
    .summary = "band-limited (minBLEP) oscillator: sine, triangle, saw, square; sync, pwm",
    .version = 2,
    .state_version = 2,
    .flags = 0,
    .state_size = sizeof(vco_state_t),
    .in_count = VCO_IN_COUNT,
    .ins = vco_ins,
    .out_count = VCO_OUT_COUNT,
    .outs = vco_outs,
    .param_count = VCO_PARAM_COUNT,
    .params = vco_params,
    .init = vco_init,
    .process = vco_process,
    .reset = vco_reset,
    .migrate = NULL,
};
