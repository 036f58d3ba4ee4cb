/*
 * drive — a waveshaping distortion: soft clip, hard clip or sine wavefolder, anti-aliased.
 *
 * The input, raised by `drive` (0..40 dB), is shaped by one of three odd curves, each with a
 * slope of 1 at 0:
 *	soft:  x - (4/27) x^3 inside |x| <= 3/2, +-1 beyond (a cubic knee with zero slope there);
 *	hard:  x clipped to +-1;
 *	fold:  sin(x): past +-pi/2 the wave folds back on itself, again and again as it grows.
 * `mix` blends the shaped signal with the input (dry), `level` scales the result.
 *
 * Aliasing, which is what makes naive waveshaping sound harsh, is fought twice over:
 *   1. 4x oversampling: two cascaded halfband FIR interpolators (47 and 15 taps) raise the rate
 *	by 2 and 2 again, and the same filters decimate after the curve. Each is a windowed
 *	sinc (Kaiser window, beta 9 and 7), designed at init; in polyphase form every other tap
 *	is zero and one phase is a plain delay (the classic halfband structure, e.g. R. Crochiere,
 *	L. Rabiner, "Multirate Digital Signal Processing", 1983, ch. 4 and 5).
 *   2. first-order antiderivative anti-aliasing (ADAA) at the oversampled rate: J. Parker,
 *	V. Zavalishin, E. Le Bivic, "Reducing the aliasing of nonlinear waveshaping using
 *	continuous-time convolution", DAFx-16, 2016, with the formulation of S. Bilbao,
 *	F. Esqueda, J. Parker, V. Välimäki, "Antiderivative Antialiasing for Memoryless
 *	Nonlinearities", IEEE Signal Processing Letters 24(7), 2017: each output is the curve's
 *	mean over the segment from the last input to this one, (F(x1) - F(x0)) / (x1 - x0) with F
 *	the curve's antiderivative. The means are worked out in closed forms that do not cancel:
 *	the cubic's mean over a segment inside the knee is m - (x0 + x1)(x0^2 + x1^2) / 27, sin's
 *	is sin(m) sin(h) / h (m the midpoint, h half the step), and only segments crossing a knee
 *	use F, in double, with the midpoint when the step is too short to divide by.
 * ADAA delays the shaped signal by half an oversampled frame; the dry signal gets the same
 * mean over its segment, (x0 + x1) / 2, so that `mix` blends aligned signals.
 * tests/modules/drive measures what this buys: a 2637 Hz sine driven by 24 dB, the strongest
 * component below 16 kHz that is not a harmonic, against the same curve rendered naively.
 *
 * Work goes in chunks of up to 64 frames, one stage at a time over the chunk (up, up, curve,
 * down, down), each filter reading its input with its history in front of it.
 *
 * The whole path, dry included, runs through the filters: its latency is 26.625 frames. The
 * filters' passband is flat within 0.02 dB to 18 kHz at 48 kHz; ADAA's two-point mean at 4x
 * adds cos(pi f / 4 fs): -0.12 dB at 10 kHz, -0.38 dB at 18 kHz.
 *
 * Bounds: the curves are within ±1; the output is clamped to ±10 (the dry signal is clamped
 * to ±10 on the way in; the filters' ringing could take it a little past).
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { DRIVE_IN_IN, DRIVE_IN_COUNT };
enum { DRIVE_OUT_OUT, DRIVE_OUT_COUNT };
enum {
	DRIVE_PARAM_MODE,
	DRIVE_PARAM_DRIVE_DB,
	DRIVE_PARAM_MIX,
	DRIVE_PARAM_LEVEL,
	DRIVE_PARAM_COUNT
};
enum { DRIVE_SOFT, DRIVE_HARD, DRIVE_FOLD, DRIVE_MODE_COUNT };

static const cx_port_info_t drive_ins[] = {
    [DRIVE_IN_IN] = {"in", CX_PORT_AUDIO, 0.0f, "signal to distort"},
};
_Static_assert(sizeof drive_ins / sizeof drive_ins[0] == DRIVE_IN_COUNT, "one entry per input");

static const cx_port_info_t drive_outs[] = {
    [DRIVE_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "level x (shaped x mix + dry x (1 - mix))"},
};
_Static_assert(sizeof drive_outs / sizeof drive_outs[0] == DRIVE_OUT_COUNT, "one entry per output");

static const char *const drive_mode_names[] = {
    [DRIVE_SOFT] = "soft",
    [DRIVE_HARD] = "hard",
    [DRIVE_FOLD] = "fold",
};
_Static_assert(sizeof drive_mode_names / sizeof drive_mode_names[0] == DRIVE_MODE_COUNT,
               "one name per mode");

static const cx_param_info_t drive_params[] = {
    [DRIVE_PARAM_MODE] = {0, "mode", "", 0.0f, (float)(DRIVE_MODE_COUNT - 1), (float)DRIVE_SOFT,
                          CX_PARAM_ENUM | CX_PARAM_NO_RAMP, drive_mode_names,
                          "soft (cubic knee), hard (clip) or fold (sine wavefolder)"},
    [DRIVE_PARAM_DRIVE_DB] = {1, "drive", "dB", 0.0f, 40.0f, 12.0f, 0, NULL, "gain into the curve"},
    [DRIVE_PARAM_MIX] = {2, "mix", "", 0.0f, 1.0f, 1.0f, 0, NULL, "0: dry only, 1: shaped only"},
    [DRIVE_PARAM_LEVEL] = {3, "level", "", 0.0f, 1.0f, 1.0f, 0, NULL, "output gain"},
};
_Static_assert(sizeof drive_params / sizeof drive_params[0] == DRIVE_PARAM_COUNT,
               "one entry per parameter");

/* The two halfband filters: N = 4 M + 3 taps, the centre tap 1/2 and the 2 (M + 1) taps an odd
 * distance from it nonzero. DRIVE_A_* runs between 1x and 2x, DRIVE_B_* between 2x and 4x. */
#define DRIVE_A_TAPS  47
#define DRIVE_A_BETA  9.0
#define DRIVE_B_TAPS  15
#define DRIVE_B_BETA  7.0
#define DRIVE_A_PHASE ((DRIVE_A_TAPS + 1) / 2) /* nonzero taps besides the centre */
#define DRIVE_B_PHASE ((DRIVE_B_TAPS + 1) / 2)
_Static_assert(DRIVE_A_PHASE % 4 == 0 && DRIVE_B_PHASE % 4 == 0, "drive_dot takes 4 at a time");
#define DRIVE_OUT_MAX    10.0f
#define DRIVE_DB_TO_LOG2 0.16609640f /* log2(10) / 20 */
#define DRIVE_TINY_STEP  1e-9        /* shorter segments take the curve at their midpoint */
#define DRIVE_CHUNK      CX_CHUNK_FRAMES

typedef struct drive_state {
	uint32_t ramp_frames;
	uint32_t mode;
	cx_ramp_t drive_db;
	cx_ramp_t mix;
	cx_ramp_t level;
	float tap_a[DRIVE_A_PHASE]; /* the nonzero off-centre taps, times 2 (they sum to 1) */
	float tap_b[DRIVE_B_PHASE];
	/* Each filter's input history: the last PHASE - 1 samples of its (polyphase) input. */
	float up_a[DRIVE_A_PHASE - 1];      /* 1x input, for the 1x -> 2x interpolator */
	float up_b[DRIVE_B_PHASE - 1];      /* 2x, for the 2x -> 4x interpolator */
	float down_b[2][DRIVE_B_PHASE - 1]; /* 4x even and odd samples, for 4x -> 2x */
	float down_a[2][DRIVE_A_PHASE - 1]; /* 2x even and odd samples, for 2x -> 1x */
	double x0;                          /* the last 4x input to the curve (ADAA) */
	float dry0;                         /* the last 4x dry sample */
} drive_state_t;

static float drive_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, drive_params[index].min, drive_params[index].max);
}

/* I0, the modified Bessel function of the first kind, by its power series. [worker] */
static double drive_bessel_i0(double x)
{
	double sum = 1.0, term = 1.0;
	for (int k = 1; k < 50; k++) {
		term *= (x / (2.0 * k)) * (x / (2.0 * k));
		sum += term;
	}
	return sum;
}

/* Fills tap[0..phase) with the nonzero off-centre taps of a Kaiser-windowed halfband lowpass
 * of `taps` taps, in the order they meet the history (oldest first), normalized to sum to 1
 * (twice the 1/2 that each polyphase branch must pass at DC). [worker] */
static void drive_design(float *tap, int taps, int phase, double beta)
{
	const double pi = 3.14159265358979323846;
	int centre = (taps - 1) / 2;
	double h[DRIVE_A_PHASE], sum = 0.0;
	for (int k = 0; k < phase; k++) {
		int n = 2 * k - centre; /* odd distances from the centre: -centre .. centre */
		double r = (double)n / centre;
		double window = drive_bessel_i0(beta * sqrt(1.0 - r * r)) / drive_bessel_i0(beta);
		h[k] = sin(pi * n / 2.0) / (pi * n) * window;
		sum += h[k];
	}
	for (int k = 0; k < phase; k++)
		tap[k] = (float)(h[k] / sum);
}

static void drive_reset(void *state)
{
	drive_state_t *s = state;
	memset(s->up_a, 0, sizeof s->up_a);
	memset(s->up_b, 0, sizeof s->up_b);
	memset(s->down_b, 0, sizeof s->down_b);
	memset(s->down_a, 0, sizeof s->down_a);
	s->x0 = 0.0;
	s->dry0 = 0.0f;
}

static void drive_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	drive_state_t *s = state;
	(void)frames_max;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	s->mode = (uint32_t)drive_param_clamp(DRIVE_PARAM_MODE, params[DRIVE_PARAM_MODE]);
	cx_ramp_snap(&s->drive_db,
	             drive_param_clamp(DRIVE_PARAM_DRIVE_DB, params[DRIVE_PARAM_DRIVE_DB]));
	cx_ramp_snap(&s->mix, drive_param_clamp(DRIVE_PARAM_MIX, params[DRIVE_PARAM_MIX]));
	cx_ramp_snap(&s->level, drive_param_clamp(DRIVE_PARAM_LEVEL, params[DRIVE_PARAM_LEVEL]));
	drive_design(s->tap_a, DRIVE_A_TAPS, DRIVE_A_PHASE, DRIVE_A_BETA);
	drive_design(s->tap_b, DRIVE_B_TAPS, DRIVE_B_PHASE, DRIVE_B_BETA);
	drive_reset(s);
}

static void drive_apply(drive_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= DRIVE_PARAM_COUNT)
		return;
	float v = drive_param_clamp(e->index, e->value);
	switch (e->index) {
	case DRIVE_PARAM_MODE:
		s->mode = (uint32_t)v;
		break;
	case DRIVE_PARAM_DRIVE_DB:
		cx_ramp_to(&s->drive_db, v, s->ramp_frames);
		break;
	case DRIVE_PARAM_MIX:
		cx_ramp_to(&s->mix, v, s->ramp_frames);
		break;
	case DRIVE_PARAM_LEVEL:
		cx_ramp_to(&s->level, v, s->ramp_frames);
		break;
	}
}

/* tap . x over n taps (n a multiple of 4), in four interleaved sums so that the additions
 * need not wait for each other (and vectorize). */
static inline float drive_dot(const float *tap, const float *x, int n)
{
	float sum[4] = {0.0f, 0.0f, 0.0f, 0.0f};
	for (int k = 0; k < n; k += 4)
		for (int j = 0; j < 4; j++)
			sum[j] += tap[k + j] * x[k + j];
	return (sum[0] + sum[1]) + (sum[2] + sum[3]);
}

/* The curves' antiderivatives, for segments that cross a knee. */
static double drive_soft_f(double x)
{
	double a = fabs(x);
	return a <= 1.5 ? x * x * (0.5 - x * x * (1.0 / 27.0)) : a - 0.5625;
}

static double drive_hard_f(double x)
{
	double a = fabs(x);
	return a <= 1.0 ? 0.5 * x * x : a - 0.5;
}

/* The mean of the curve over the segment [x0, x1] (ADAA; see the header). */
static inline float drive_shape(uint32_t mode, double x0, double x1)
{
	double m = 0.5 * (x0 + x1), dx = x1 - x0;
	double a0 = fabs(x0), a1 = fabs(x1);
	switch (mode) {
	case DRIVE_HARD:
		if (a0 <= 1.0 && a1 <= 1.0)
			return (float)m;
		if (x0 * x1 > 0.0 && a0 >= 1.0 && a1 >= 1.0)
			return x1 > 0.0 ? 1.0f : -1.0f;
		if (fabs(dx) < DRIVE_TINY_STEP)
			return (float)fmax(-1.0, fmin(1.0, m));
		return (float)((drive_hard_f(x1) - drive_hard_f(x0)) / dx);
	case DRIVE_FOLD: {
		/* mean of sin over [m - h, m + h] = sin(m) sin(h) / h */
		double h = 0.5 * dx;
		float sinc = 1.0f;
		if (fabs(h) > 1e-3) {
			double turns = h * (1.0 / 3.14159265358979323846);
			turns -= 2.0 * floor(0.5 * turns + 0.5); /* into [-1, 1) */
			sinc = (float)(cx_sinpif((float)turns) / h);
		} else {
			sinc = (float)(1.0 - h * h * (1.0 / 6.0));
		}
		double turns = m * (1.0 / 3.14159265358979323846);
		turns -= 2.0 * floor(0.5 * turns + 0.5);
		return cx_sinpif((float)turns) * sinc;
	}
	default:
		if (a0 <= 1.5 && a1 <= 1.5)
			return (float)(m - (x0 + x1) * (x0 * x0 + x1 * x1) * (1.0 / 27.0));
		if (x0 * x1 > 0.0 && a0 >= 1.5 && a1 >= 1.5)
			return x1 > 0.0 ? 1.0f : -1.0f;
		if (fabs(dx) < DRIVE_TINY_STEP) {
			double c = fmax(-1.5, fmin(1.5, m));
			return (float)(c - c * c * c * (4.0 / 27.0));
		}
		return (float)((drive_soft_f(x1) - drive_soft_f(x0)) / dx);
	}
}

/* The chunk's scratch: each stage's input with its history in front. */
#define DRIVE_N DRIVE_CHUNK
typedef struct drive_scratch {
	float x1[DRIVE_A_PHASE - 1 + DRIVE_N];     /* 1x input */
	float x2[DRIVE_B_PHASE - 1 + 2 * DRIVE_N]; /* 2x */
	float x4[4 * DRIVE_N];                     /* 4x */
	float e4[DRIVE_B_PHASE - 1 + 2 * DRIVE_N]; /* 4x shaped and mixed, even samples */
	float o4[DRIVE_B_PHASE - 1 + 2 * DRIVE_N]; /* and odd ones */
	float e2[DRIVE_A_PHASE - 1 + DRIVE_N];     /* 2x, even */
	float o2[DRIVE_A_PHASE - 1 + DRIVE_N];     /* 2x, odd */
	float gain[DRIVE_N], mix[DRIVE_N], level[DRIVE_N];
} drive_scratch_t;

/* Halfband interpolation by 2 of n samples in[hist .. hist + n), with `hist` = phase - 1
 * samples of history in front: out[2 j] is the filtered phase, out[2 j + 1] the centre tap's
 * plain delay. */
static inline void drive_up(const float *tap, int phase, const float *in, uint32_t n, float *out)
{
	for (uint32_t j = 0; j < n; j++) {
		out[2 * j] = drive_dot(tap, in + j, phase);
		out[2 * j + 1] = in[j + (uint32_t)phase / 2];
	}
}

/* Halfband decimation by 2: out[j] from the even samples even[hist + j] (filtered) and the odd
 * ones (the centre tap), each with `hist` = phase - 1 samples of history in front. */
static inline void drive_down(const float *tap, int phase, const float *even, const float *odd,
                              uint32_t n, float *out)
{
	for (uint32_t j = 0; j < n; j++)
		out[j] =
		    0.5f * (drive_dot(tap, even + j, phase) + odd[j + (uint32_t)phase / 2 - 1]);
}

/* Renders n <= DRIVE_N frames, stage by stage over the chunk. */
static void drive_chunk(drive_state_t *s, const float *in, float *out, uint32_t n)
{
	enum { HA = DRIVE_A_PHASE - 1, HB = DRIVE_B_PHASE - 1 };
	drive_scratch_t t;
	for (uint32_t i = 0; i < n; i++) {
		t.gain[i] = cx_exp2f(cx_ramp_next(&s->drive_db) * DRIVE_DB_TO_LOG2);
		t.mix[i] = cx_ramp_next(&s->mix);
		t.level[i] = cx_ramp_next(&s->level);
		t.x1[HA + i] = cx_sanitizef(in[i], CX_INPUT_LIMIT);
	}
	/* Up to 4x. */
	memcpy(t.x1, s->up_a, sizeof s->up_a);
	memcpy(s->up_a, t.x1 + n, sizeof s->up_a);
	drive_up(s->tap_a, DRIVE_A_PHASE, t.x1, n, t.x2 + HB);
	memcpy(t.x2, s->up_b, sizeof s->up_b);
	memcpy(s->up_b, t.x2 + 2 * n, sizeof s->up_b);
	drive_up(s->tap_b, DRIVE_B_PHASE, t.x2, 2 * n, t.x4);
	/* The curve, by ADAA, and the mix, with the dry signal averaged the same way. */
	double x0 = s->x0;
	float dry0 = s->dry0;
	uint32_t mode = s->mode;
	for (uint32_t i = 0; i < 4 * n; i++) {
		float dry = t.x4[i];
		double x1 = (double)t.gain[i / 4] * (double)dry;
		float wet = drive_shape(mode, x0, x1);
		float aligned = 0.5f * (dry0 + dry);
		float y = aligned + t.mix[i / 4] * (wet - aligned);
		if (i % 2 == 0)
			t.e4[HB + i / 2] = y;
		else
			t.o4[HB + i / 2] = y;
		x0 = x1;
		dry0 = dry;
	}
	s->x0 = x0;
	s->dry0 = dry0;
	/* Down to 1x. */
	memcpy(t.e4, s->down_b[0], sizeof s->down_b[0]);
	memcpy(t.o4, s->down_b[1], sizeof s->down_b[1]);
	memcpy(s->down_b[0], t.e4 + 2 * n, sizeof s->down_b[0]);
	memcpy(s->down_b[1], t.o4 + 2 * n, sizeof s->down_b[1]);
	float y2[2 * DRIVE_N];
	drive_down(s->tap_b, DRIVE_B_PHASE, t.e4, t.o4, 2 * n, y2);
	for (uint32_t j = 0; j < n; j++) {
		t.e2[HA + j] = y2[2 * j];
		t.o2[HA + j] = y2[2 * j + 1];
	}
	memcpy(t.e2, s->down_a[0], sizeof s->down_a[0]);
	memcpy(t.o2, s->down_a[1], sizeof s->down_a[1]);
	memcpy(s->down_a[0], t.e2 + n, sizeof s->down_a[0]);
	memcpy(s->down_a[1], t.o2 + n, sizeof s->down_a[1]);
	drive_down(s->tap_a, DRIVE_A_PHASE, t.e2, t.o2, n, out);
	for (uint32_t i = 0; i < n; i++)
		out[i] = cx_clampf(t.level[i] * out[i], -DRIVE_OUT_MAX, DRIVE_OUT_MAX);
}

static void drive_render(drive_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	const float *in = p->in[DRIVE_IN_IN];
	float *out = p->out[DRIVE_OUT_OUT];
	uint32_t n;
	for (uint32_t pos = begin; pos < end; pos += n) {
		n = end - pos < DRIVE_CHUNK ? end - pos : DRIVE_CHUNK;
		drive_chunk(s, in + pos, out + pos, n);
	}
}

static void drive_process(void *state, const cx_process_t *p)
{
	drive_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			drive_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		drive_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		drive_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "drive",
    .summary = "distortion: soft clip, hard clip or wavefolder, 4x oversampled with ADAA",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(drive_state_t),
    .in_count = DRIVE_IN_COUNT,
    .ins = drive_ins,
    .out_count = DRIVE_OUT_COUNT,
    .outs = drive_outs,
    .param_count = DRIVE_PARAM_COUNT,
    .params = drive_params,
    .init = drive_init,
    .process = drive_process,
    .reset = drive_reset,
    .migrate = NULL,
};
