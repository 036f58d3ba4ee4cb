/*
 * wavetable — a morphing wavetable oscillator with mip-mapped, band-limited tables.
 *
 * Eight single-cycle waves, in morph order: sine, triangle, saw, square, organ, formant, buzz,
 * hollow. Each is defined by its harmonic amplitudes (all in sine phase, with a positive
 * fundamental, so that neighbours cross-fade without cancelling):
 *	sine      a_1 = 1
 *	triangle  a_k = (8 / pi^2) (-1)^((k-1)/2) / k^2, odd k
 *	saw       a_k = (2 / pi) / k (falling ramp, 1 - 2t)
 *	square    a_k = (4 / pi) / k, odd k
 *	organ     harmonics 1, 2, 3, 4, 6, 8 (drawbars 8' 4' 2 2/3' 2' 1 1/3' 1')
 *	formant   a_k = (1 / k) (1 + 8 exp(-((k - 9) / 2.5)^2)): a saw with a resonance near k 9
 *	buzz      a_k = k^-0.6: brighter than a saw
 *	hollow    a_1 = 1, even k: 1 / k, odd k > 1: 0.15 / k
 * Morph 0..1 sweeps across them: 7 morph falls between two neighbours (0.3: 2.1, the saw a tenth
 * of the way to the square), which are cross-faded linearly, so the output is continuous in
 * morph; `morph` ramps (no clicks) and the `morph` input adds to it.
 *
 * Band-limiting: mip-mapping per octave (the classic wavetable scheme; e.g. P. Burk,
 * "Band Limited Oscillators Using Wave Table Synthesis", in Audio Anecdotes II, 2004). Every
 * wave is stored at WT_LEVELS levels of WT_TABLE_SIZE samples; level l holds harmonics 1..K_l
 * with K_0 = 1023 and K_l = 1024 / 2^l. A frame whose phase increment is dt cycles per sample
 * reads the level l = 0 when 2048 dt < 1, else floor(log2(2048 dt)) + 1: then K_l dt < 1/2,
 * so every harmonic it plays lies below Nyquist at the top of that octave, and nothing aliases
 * but the residue of the linear interpolation between table samples (below -90 dB). The
 * levels depend on dt only, not on the sample rate. At the bottom of a level's octave its
 * harmonics reach only a quarter of the sample rate (12 kHz at 48 kHz): above that the waves
 * are a little duller than ideal, the usual price of octave mip-maps.
 *
 * The tables are built at init by inverse FFT (an iterative radix-2 Cooley-Tukey, double
 * precision) from the harmonic amplitudes, into the state blob (WT_WAVES x WT_LEVELS x 2049
 * floats, about 720 KB), and each wave is scaled so that its largest peak over all levels is 1.
 * The phase is a 32-bit fixed-point accumulator as in the vco: frequency freq * 2^pitch,
 * limited to 0.49 sample rate; freq ramps geometrically.
 *
 * |out| <= 1. Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { WT_IN_PITCH, WT_IN_MORPH, WT_IN_COUNT };
enum { WT_OUT_OUT, WT_OUT_COUNT };
enum { WT_PARAM_FREQ_HZ, WT_PARAM_MORPH, WT_PARAM_COUNT };
enum {
	WT_SINE,
	WT_TRIANGLE,
	WT_SAW,
	WT_SQUARE,
	WT_ORGAN,
	WT_FORMANT,
	WT_BUZZ,
	WT_HOLLOW,
	WT_WAVES
};

static const cx_port_info_t wt_ins[] = {
    [WT_IN_PITCH] = {"pitch", CX_PORT_CV, 0.0f, "pitch, 1 V/oct, added to log2 of freq"},
    [WT_IN_MORPH] = {"morph", CX_PORT_CV, 0.0f, "added to morph; the sum is held to 0..1"},
};
_Static_assert(sizeof wt_ins / sizeof wt_ins[0] == WT_IN_COUNT, "one entry per input");

static const cx_port_info_t wt_outs[] = {
    [WT_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "the wave, ±1"},
};
_Static_assert(sizeof wt_outs / sizeof wt_outs[0] == WT_OUT_COUNT, "one entry per output");

static const cx_param_info_t wt_params[] = {
    [WT_PARAM_FREQ_HZ] = {0, "freq", "Hz", 0.1f, 20000.0f, CX_C4_HZ, CX_PARAM_LOG, NULL,
                          "frequency at 0 V on the pitch input"},
    [WT_PARAM_MORPH] = {1, "morph", "", 0.0f, 1.0f, 0.0f, 0, NULL,
                        "sine, triangle, saw, square, organ, formant, buzz, hollow at 0..1"},
};
_Static_assert(sizeof wt_params / sizeof wt_params[0] == WT_PARAM_COUNT, "one entry per parameter");

#define WT_TABLE_BITS           11
#define WT_TABLE_SIZE           (1u << WT_TABLE_BITS) /* samples per cycle */
#define WT_LEVELS               11                    /* K_l = 1024 >> l down to 1 */
#define WT_FRAC_BITS            (32 - WT_TABLE_BITS)
#define WT_CYCLES_PER_FRAME_MAX 0.49f

typedef struct wt_state {
	float hz_to_inc; /* 2^32 / sample rate */
	float freq_hz_max;
	uint32_t ramp_frames;
	uint32_t phase; /* 2^32 = one cycle */
	cx_ramp_log_t freq_hz;
	cx_ramp_t morph;
	/* one guard sample past each table's end (a copy of its first) for interpolation */
	float table[WT_WAVES][WT_LEVELS][WT_TABLE_SIZE + 1];
} wt_state_t;

static float wt_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, wt_params[index].min, wt_params[index].max);
}

/* ---- tables, built at init [worker] -------------------------------------------------------- */

/* The highest harmonic held at level l. */
static uint32_t wt_harmonics(uint32_t level)
{
	return level == 0 ? WT_TABLE_SIZE / 2 - 1 : (WT_TABLE_SIZE / 2) >> level;
}

/* The amplitude of harmonic k (>= 1) of a wave, in sine phase. */
static double wt_amplitude(uint32_t wave, uint32_t k)
{
	static const double drawbars[9] = {0, 1.0, 0.8, 0.6, 0.7, 0, 0.5, 0, 0.4};
	double kd = (double)k, odd = k % 2 ? 1.0 : 0.0;
	switch (wave) {
	case WT_SINE:
		return k == 1 ? 1.0 : 0.0;
	case WT_TRIANGLE:
		return odd * (k % 4 == 1 ? 1.0 : -1.0) * 8.0 / (M_PI * M_PI * kd * kd);
	case WT_SAW:
		return 2.0 / (M_PI * kd);
	case WT_SQUARE:
		return odd * 4.0 / (M_PI * kd);
	case WT_ORGAN:
		return k < 9 ? drawbars[k] : 0.0;
	case WT_FORMANT: {
		double x = (kd - 9.0) / 2.5;
		return (1.0 + 8.0 * exp(-x * x)) / kd;
	}
	case WT_BUZZ:
		return pow(kd, -0.6);
	default: /* WT_HOLLOW */
		return k == 1 ? 1.0 : (odd ? 0.15 : 1.0) / kd;
	}
}

/* Twiddles for wt_ifft: cos and sin of 2 pi k / WT_TABLE_SIZE, k < WT_TABLE_SIZE / 2. */
typedef struct wt_twiddles {
	double cos[WT_TABLE_SIZE / 2], sin[WT_TABLE_SIZE / 2];
} wt_twiddles_t;

/* In-place iterative radix-2 FFT of WT_TABLE_SIZE points with e^(+i...) kernels (an inverse
 * transform without the 1/N). */
static void wt_ifft(double *re, double *im, const wt_twiddles_t *tw)
{
	const uint32_t n = WT_TABLE_SIZE;
	for (uint32_t i = 1, j = 0; i < n; i++) {
		uint32_t bit = n >> 1;
		for (; j & bit; bit >>= 1)
			j ^= bit;
		j ^= bit;
		if (i < j) {
			double t = re[i];
			re[i] = re[j];
			re[j] = t;
			t = im[i];
			im[i] = im[j];
			im[j] = t;
		}
	}
	for (uint32_t len = 2; len <= n; len <<= 1) {
		uint32_t stride = n / len;
		for (uint32_t k = 0; k < len / 2; k++) {
			double wr = tw->cos[k * stride], wi = tw->sin[k * stride];
			for (uint32_t i = k; i < n; i += len) {
				uint32_t q = i + len / 2;
				double tr = re[q] * wr - im[q] * wi;
				double ti = re[q] * wi + im[q] * wr;
				re[q] = re[i] - tr;
				im[q] = im[i] - ti;
				re[i] += tr;
				im[i] += ti;
			}
		}
	}
}

/* Fills one wave's levels and scales them so the largest peak over all levels is 1. */
static void wt_build_wave(wt_state_t *s, uint32_t wave, const wt_twiddles_t *tw)
{
	double re[WT_TABLE_SIZE], im[WT_TABLE_SIZE], peak = 0.0;
	for (uint32_t level = 0; level < WT_LEVELS; level++) {
		for (uint32_t i = 0; i < WT_TABLE_SIZE; i++)
			re[i] = im[i] = 0.0;
		/* a sin(2 pi k t) = a (e^(i 2 pi k t) - e^(-i 2 pi k t)) / 2i */
		for (uint32_t k = 1; k <= wt_harmonics(level); k++) {
			double a = 0.5 * wt_amplitude(wave, k);
			im[k] = -a;
			im[WT_TABLE_SIZE - k] = a;
		}
		wt_ifft(re, im, tw);
		float *t = s->table[wave][level];
		for (uint32_t i = 0; i < WT_TABLE_SIZE; i++) {
			t[i] = (float)re[i];
			peak = fmax(peak, fabs(re[i]));
		}
		t[WT_TABLE_SIZE] = t[0];
	}
	float gain = (float)(1.0 / peak);
	for (uint32_t level = 0; level < WT_LEVELS; level++)
		for (uint32_t i = 0; i <= WT_TABLE_SIZE; i++)
			s->table[wave][level][i] *= gain;
}

static void wt_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	wt_state_t *s = state;
	(void)frames_max;
	s->hz_to_inc = 4294967296.0f / sample_rate;
	s->freq_hz_max = WT_CYCLES_PER_FRAME_MAX * sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	s->phase = 0;
	cx_ramp_log_snap(&s->freq_hz, wt_param_clamp(WT_PARAM_FREQ_HZ, params[WT_PARAM_FREQ_HZ]));
	cx_ramp_snap(&s->morph, wt_param_clamp(WT_PARAM_MORPH, params[WT_PARAM_MORPH]));
	wt_twiddles_t tw;
	for (uint32_t k = 0; k < WT_TABLE_SIZE / 2; k++) {
		tw.cos[k] = cos(2.0 * M_PI * (double)k / WT_TABLE_SIZE);
		tw.sin[k] = sin(2.0 * M_PI * (double)k / WT_TABLE_SIZE);
	}
	for (uint32_t wave = 0; wave < WT_WAVES; wave++)
		wt_build_wave(s, wave, &tw);
}

static void wt_reset(void *state)
{
	wt_state_t *s = state;
	s->phase = 0;
}

static void wt_apply(wt_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= WT_PARAM_COUNT)
		return;
	float v = wt_param_clamp(e->index, e->value);
	if (e->index == WT_PARAM_FREQ_HZ)
		cx_ramp_log_to(&s->freq_hz, v, s->ramp_frames);
	else
		cx_ramp_to(&s->morph, v, s->ramp_frames);
}

/* ---- rendering [rt] ------------------------------------------------------------------------ */

/* The mip level for a phase increment: 0 below 2^21 (2048 dt < 1), else floor(log2(2048 dt))
 * + 1, at most WT_LEVELS - 1 (the increment stays below 2^31). */
static inline uint32_t wt_level(uint32_t inc)
{
	uint32_t top = inc >> WT_FRAC_BITS; /* floor(2048 dt) */
	uint32_t level = top == 0 ? 0u : 32u - (uint32_t)__builtin_clz(top);
	return level < WT_LEVELS ? level : WT_LEVELS - 1;
}

/* Linear interpolation in one table at a phase. */
static inline float wt_read(const float *t, uint32_t phase)
{
	uint32_t i = phase >> WT_FRAC_BITS;
	float frac = (float)(phase & ((1u << WT_FRAC_BITS) - 1)) * 0x1p-21f;
	return t[i] + frac * (t[i + 1] - t[i]);
}

/* The per-frame controls of a chunk: phase increments, and morph positions as a wave index
 * and a cross-fade weight. A stride is 0 when one value serves the whole chunk. */
typedef struct wt_controls {
	uint32_t inc_stride, morph_stride;
	uint32_t inc[CX_CHUNK_FRAMES];
	uint32_t wave[CX_CHUNK_FRAMES]; /* cross-fades wave and wave + 1 */
	float weight[CX_CHUNK_FRAMES];  /* of wave + 1 */
} wt_controls_t;

static inline uint32_t wt_increment(const wt_state_t *s, float freq_hz, float pitch_v)
{
	float hz = freq_hz * cx_exp2f(cx_sanitizef(pitch_v, CX_INPUT_LIMIT));
	return (uint32_t)(cx_clampf(hz, 0.0f, s->freq_hz_max) * s->hz_to_inc);
}

static inline void wt_position(wt_controls_t *c, uint32_t j, float morph, float morph_v)
{
	float m = cx_clampf(morph + cx_sanitizef(morph_v, CX_INPUT_LIMIT), 0.0f, 1.0f);
	float position = m * (float)(WT_WAVES - 1);
	uint32_t wave = (uint32_t)position;
	wave = wave < WT_WAVES - 1 ? wave : WT_WAVES - 2;
	c->wave[j] = wave;
	c->weight[j] = position - (float)wave;
}

static void wt_controls(wt_state_t *s, const float *pitch_v, const float *morph_v, uint32_t n,
                        wt_controls_t *c)
{
	if (s->freq_hz.frames_left == 0 && cx_is_constant(pitch_v, n)) {
		c->inc_stride = 0;
		c->inc[0] = wt_increment(s, s->freq_hz.value, pitch_v[0]);
	} else {
		c->inc_stride = 1;
		for (uint32_t i = 0; i < n; i++)
			c->inc[i] = wt_increment(s, cx_ramp_log_next(&s->freq_hz), pitch_v[i]);
	}
	if (s->morph.frames_left == 0 && cx_is_constant(morph_v, n)) {
		c->morph_stride = 0;
		wt_position(c, 0, s->morph.value, morph_v[0]);
	} else {
		c->morph_stride = 1;
		for (uint32_t i = 0; i < n; i++)
			wt_position(c, i, cx_ramp_next(&s->morph), morph_v[i]);
	}
}

static void wt_render(wt_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	uint32_t n;
	for (uint32_t pos = begin; pos < end; pos += n) {
		n = end - pos < CX_CHUNK_FRAMES ? end - pos : CX_CHUNK_FRAMES;
		wt_controls_t c;
		wt_controls(s, p->in[WT_IN_PITCH] + pos, p->in[WT_IN_MORPH] + pos, n, &c);
		float *out = p->out[WT_OUT_OUT] + pos;
		uint32_t phase = s->phase;
		for (uint32_t i = 0, j = 0, k = 0; i < n;
		     i++, j += c.inc_stride, k += c.morph_stride) {
			uint32_t level = wt_level(c.inc[j]);
			float a = wt_read(s->table[c.wave[k]][level], phase);
			float b = wt_read(s->table[c.wave[k] + 1][level], phase);
			out[i] = cx_clampf(a + c.weight[k] * (b - a), -1.0f, 1.0f);
			phase += c.inc[j];
		}
		s->phase = phase;
	}
}

static void wt_process(void *state, const cx_process_t *p)
{
	wt_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			wt_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		wt_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		wt_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "wavetable",
    .summary = "morphing wavetable oscillator, mip-mapped per octave",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(wt_state_t),
    .in_count = WT_IN_COUNT,
    .ins = wt_ins,
    .out_count = WT_OUT_COUNT,
    .outs = wt_outs,
    .param_count = WT_PARAM_COUNT,
    .params = wt_params,
    .init = wt_init,
    .process = wt_process,
    .reset = wt_reset,
    .migrate = NULL,
};
