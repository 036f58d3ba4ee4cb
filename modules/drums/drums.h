/*
 * drums.h — the pieces the drum modules (kick, snare, hihat, clap, tom) share. Not a module: this
 * folder has no meson.build and is not listed in modules/MODULES; each drum's meson.build adds it
 * to its include path.
 *
 * Every drum follows the same pattern, set out in the TR-808 service notes and in the circuit
 * analyses the drums cite: a trigger (a rising edge on the first input, `trig`) strikes a voice;
 * the voice is a tuned body, shaped noise, or both, under exponential envelopes; `decay` is the
 * T60 of the main envelope, the time it takes to fall 60 dB from its peak; `accent` raises the
 * level of a hit, read at the trigger from the parameter plus the `accent` input.
 *
 * What is here:
 *   - drum_t60_factor: the per-frame factor of an exponential decay with a given T60;
 *   - drum_noise: white noise from a 32-bit linear congruential generator (Knuth, TAOCP vol. 2,
 *     3.2.1; the multiplier and increment of Numerical Recipes, 2nd ed., 7.1), one multiply-add
 *     a frame, the top bits used (an LCG's low bits are poor); a seed in the state, so a render
 *     repeats exactly;
 *   - drum_next_rise: sample-accurate rising edges of a gate input; drum_render, a drum's
 *     render split at its trigger's rising edges;
 *   - drum_accent_gain: accent 0..1 -> gain 1/2..1 (-6 dB .. 0 dB);
 *   - a trapezoidal state-variable filter (Zavalishin, "The Art of VA Filter Design", ch. 4;
 *     A. Simper, Cytomic "SvfLinearTrapOptimised2"), coefficients from cx_sincospif as in
 *     modules/vcf;
 *   - drum_saturate: the rational approximant x (27 + x^2) / (27 + 9 x^2) of tanh, which meets
 *     +-1 with zero slope at x = +-3 and is held there beyond: a soft clipper bounded by 1;
 *   - the tuned body of the kick and the tom (drum_body_*), described at its type below.
 *
 * Denormals. Envelopes and offsets decay towards zero: each is flushed to zero in the frame it
 * drops below DRUM_TINY (a select per frame, not a per-block flush, so that the output does not
 * depend on how a render is split into blocks), and a voice whose envelope has dropped below
 * DRUM_SILENT (-120 dB) stops and zeroes all its states, filters included (which, while it
 * sounds, are driven by the full-level source, the envelope coming after them or being far above
 * the denormal range). No state can reach the denormal range, with or without FTZ/DAZ.
 *
 * Follows the RT rules in module.h: all of it is inline arithmetic on plain state.
 */
#ifndef CHRONUS_DRUMS_H
#define CHRONUS_DRUMS_H

#include <math.h>
#include <stdint.h>

#include "chronus/dsp.h"

#define DRUM_TINY   1e-12f            /* a decaying state below this is flushed to 0 */
#define DRUM_SILENT 1e-6f             /* an envelope below this (-120 dB) has ended */
#define DRUM_LN1000 6.907755278982137 /* ln(1000): 60 dB as a natural log */

/* Returns the per-frame factor of an exponential decay that falls by 60 dB in t60_s seconds
 * (t60_s > 0). Uses libm: for set-up and events. */
static inline float drum_t60_factor(float t60_s, float sample_rate_hz)
{
	return (float)exp(-DRUM_LN1000 / ((double)t60_s * (double)sample_rate_hz));
}

/* Returns white noise, uniform in [-1, 1], and advances *seed. */
static inline float drum_noise(uint32_t *seed)
{
	*seed = *seed * 1664525u + 1013904223u;
	return (float)(int32_t)*seed * (1.0f / 2147483648.0f);
}

/* Returns the first frame in [i, end) where gate rises above 0.5 from at or below it, or end.
 * *high says whether the gate was high at frame i - 1; it is updated to the last frame looked
 * at (the returned frame, or end - 1). NaN reads as low. A gate that holds one value over the
 * span, the common case, is seen at memory speed. */
static inline uint32_t drum_next_rise(const float *gate, uint32_t i, uint32_t end, uint32_t *high)
{
	if (i < end && cx_is_constant(gate + i, end - i) && (gate[i] > 0.5f) == (*high != 0))
		return end;
	for (; i < end; i++) {
		uint32_t h = gate[i] > 0.5f;
		if (h && !*high) {
			*high = 1;
			return i;
		}
		*high = h;
	}
	return end;
}

/* What a drum renders between triggers, and how it is struck: see drum_render. */
typedef void (*drum_span_fn)(void *state, const cx_process_t *p, uint32_t begin, uint32_t end);
typedef void (*drum_strike_fn)(void *state, const cx_process_t *p, uint32_t frame);

/* Renders frames [begin, end) of a drum split at the rising edges of `gate` (its trigger, or
 * another gate input): span() over the frames between edges, strike() at each edge's frame
 * before the frames from it on. *high is the drum's memory of the gate's level (see
 * drum_next_rise). */
static inline void drum_render(void *state, const float *gate, uint32_t *high,
                               const cx_process_t *p, uint32_t begin, uint32_t end,
                               drum_span_fn span, drum_strike_fn strike)
{
	uint32_t from = begin, scan = begin;
	for (;;) {
		uint32_t rise = drum_next_rise(gate, scan, end, high);
		span(state, p, from, rise);
		if (rise >= end)
			return;
		strike(state, p, rise);
		from = rise;
		scan = rise + 1;
	}
}

/* Returns the gain of a hit: accent (the parameter plus the input, limited to 0..1) maps to
 * 1/2..1, i.e. -6 dB .. 0 dB. */
static inline float drum_accent_gain(float accent_param, float accent_in)
{
	float a = cx_clampf(accent_param + cx_sanitizef(accent_in, CX_INPUT_LIMIT), 0.0f, 1.0f);
	return 0.5f + 0.5f * a;
}

/* Returns x (27 + x^2) / (27 + 9 x^2) for |x| < 3, else +-1: tanh-like, |result| <= 1, odd,
 * monotonic. NaN gives -1. */
static inline float drum_saturate(float x)
{
	x = cx_clampf(x, -3.0f, 3.0f);
	float x2 = x * x;
	return x * (27.0f + x2) / (27.0f + 9.0f * x2);
}

/* ---- state-variable filter ---------------------------------------------------------------- */

typedef struct drum_svf_coefs {
	float a1, a2, a3, k;
} drum_svf_coefs_t;

typedef struct drum_svf {
	float ic1eq, ic2eq; /* band and low integrator states */
} drum_svf_t;

typedef struct drum_svf_out {
	float lp, bp, hp;
} drum_svf_out_t;

/* The coefficients for a cutoff (limited to 0.49 of the sample rate) and damping k = 1/Q. */
static inline drum_svf_coefs_t drum_svf_coefs(float cutoff_hz, float k, float frame_s)
{
	float ratio = cx_clampf(cutoff_hz * frame_s, 1e-5f, 0.49f);
	float sn, cs;
	cx_sincospif(ratio, &sn, &cs);
	float inv_d = 1.0f / (1.0f + k * sn * cs); /* c^2 + s^2 = 1 */
	return (drum_svf_coefs_t){cs * cs * inv_d, sn * cs * inv_d, sn * sn * inv_d, k};
}

/* One frame of the filter. */
static inline drum_svf_out_t drum_svf_tick(drum_svf_t *f, drum_svf_coefs_t c, float v0)
{
	float v3 = v0 - f->ic2eq;
	float v1 = c.a1 * f->ic1eq + c.a2 * v3;
	float v2 = f->ic2eq + c.a2 * f->ic1eq + c.a3 * v3;
	f->ic1eq = 2.0f * v1 - f->ic1eq;
	f->ic2eq = 2.0f * v2 - f->ic2eq;
	return (drum_svf_out_t){v2, v1, v0 - c.k * v1 - v2};
}

/* ---- the tuned body of the kick and the tom ----------------------------------------------- */

/* A sine whose pitch falls from freq 2^sweep to freq, under an exponential amplitude envelope:
 *
 *	y(t) = a e^(-t/tau) sin(2 pi phase(t)),  phase' = freq 2^(pitch + sweep e^(-t/tau_p)),
 *
 * with tau = decay / ln(1000), so `decay` is exactly the T60 of the amplitude. This is the
 * TR-808 bass drum reduced to what it sounds like: in the circuit (K. J. Werner, J. S. Abel,
 * J. O. Smith, "A Physically-Informed, Circuit-Bendable, Digital Model of the Roland TR-808
 * Bass Drum Circuit", DAFx-14) a bridged-T resonator is struck by the trigger pulse and its
 * pitch is pulled up while the pulse's envelope lasts; here the resonator is an oscillator
 * with an explicit pitch envelope, so its settled pitch is exactly `freq` whatever the sweep,
 * and its decay exactly `decay` (DaisySP's and Plaits' "synthetic" bass drum take the same
 * route). The phase is a 32-bit fixed-point accumulator, so the pitch holds to far better than
 * a cent.
 *
 * A trigger restarts the phase at 0 and the envelopes at their peaks. From silence the first
 * frame of a hit is already the first step of the sine: sin(2 pi inc) != 0, so a hit starts
 * sounding at its trigger's frame. A retrigger while the body rings would jump from the ringing
 * value to the new hit's start; the jump is carried as an offset that fades out with a 1 ms
 * time constant (a "declick"), so the restart is continuous. */
typedef struct drum_body {
	uint32_t phase;       /* 2^32 = one cycle */
	uint32_t active;      /* the envelope has not yet ended */
	float env;            /* amplitude of the sine */
	float env_factor;     /* per frame */
	float sweep;          /* pitch-envelope position: 1 at the trigger, falling to 0 */
	float sweep_factor;   /* per frame */
	float declick;        /* offset fading out after a retrigger */
	float declick_factor; /* per frame */
	float last;           /* the last value output */
	float hz_to_inc;      /* 2^32 / sample rate */
	float hz_max;         /* 0.45 of the sample rate */
} drum_body_t;

#define DRUM_DECLICK_S 0.001f

/* Sets up a silent body; decay_s is the T60, sweep_tau_s the pitch envelope's time constant. */
static inline void drum_body_init(drum_body_t *b, float sample_rate_hz, float decay_s,
                                  float sweep_tau_s)
{
	*b = (drum_body_t){0};
	b->hz_to_inc = 4294967296.0f / sample_rate_hz;
	b->hz_max = 0.45f * sample_rate_hz;
	b->env_factor = drum_t60_factor(decay_s, sample_rate_hz);
	b->sweep_factor = (float)exp(-1.0 / ((double)sweep_tau_s * (double)sample_rate_hz));
	b->declick_factor = (float)exp(-1.0 / ((double)DRUM_DECLICK_S * (double)sample_rate_hz));
}

/* Back to silence, keeping the coefficients. */
static inline void drum_body_silence(drum_body_t *b)
{
	b->phase = 0;
	b->active = 0;
	b->env = 0.0f;
	b->sweep = 0.0f;
	b->declick = 0.0f;
	b->last = 0.0f;
}

/* A hit with peak amplitude `gain`. */
static inline void drum_body_strike(drum_body_t *b, float gain)
{
	b->declick = b->last;
	b->phase = 0;
	b->env = gain;
	b->sweep = 1.0f;
	b->active = 1;
}

/* Steps the body's envelopes through n frames, writing each frame's values, and returns the
 * number of frames it sounds for: n, or fewer when it ends within them (it is then silenced). */
static inline uint32_t drum_body_envelopes(drum_body_t *b, float *env, float *sweep, float *declick,
                                           uint32_t n)
{
	if (!b->active)
		return 0;
	float e = b->env, sw = b->sweep, d = b->declick;
	for (uint32_t i = 0; i < n; i++) {
		env[i] = e;
		sweep[i] = sw;
		declick[i] = d;
		e *= b->env_factor;
		sw = sw > DRUM_TINY ? sw * b->sweep_factor : 0.0f;
		d = fabsf(d) > DRUM_TINY ? d * b->declick_factor : 0.0f;
		if (e < DRUM_SILENT && d == 0.0f) {
			drum_body_silence(b);
			return i + 1;
		}
	}
	b->env = e;
	b->sweep = sw;
	b->declick = d;
	return n;
}

/* Renders n <= CX_CHUNK_FRAMES frames into y[0..CX_CHUNK_FRAMES): freq_hz[i] and sweep_oct[i]
 * per frame (CX_CHUNK_FRAMES each, the first n used), pitch_v the 1 V/oct input (n frames).
 * Writes zeros once the body has ended, and past n. The recursions (envelopes, phase) run frame by
 * frame; the pitch and the sine run over whole chunks, lanes past n included, in loops without a
 * carried dependency and of a fixed count, which the compiler vectorizes even at -O2. */
static inline void drum_body_render(drum_body_t *b, float *y, uint32_t n, float *freq_hz,
                                    const float *sweep_oct, const float *pitch_v)
{
	float env[CX_CHUNK_FRAMES], sweep[CX_CHUNK_FRAMES], declick[CX_CHUNK_FRAMES];
	float oct[CX_CHUNK_FRAMES];
	uint32_t phase[CX_CHUNK_FRAMES];
	uint32_t live = drum_body_envelopes(b, env, sweep, declick, n);
	for (uint32_t i = 0; i < live; i++)
		oct[i] = cx_sanitizef(pitch_v[i], CX_INPUT_LIMIT) + sweep_oct[i] * sweep[i];
	for (uint32_t i = live; i < CX_CHUNK_FRAMES; i++) {
		oct[i] = 0.0f;
		freq_hz[i] = 0.0f;
		env[i] = 0.0f;
		declick[i] = 0.0f;
	}
	for (uint32_t i = 0; i < CX_CHUNK_FRAMES; i++) {
		float hz = cx_clampf(freq_hz[i] * cx_exp2f(oct[i]), 0.0f, b->hz_max);
		phase[i] = (uint32_t)(int32_t)(hz * b->hz_to_inc); /* < 2^31: 0.45 cycles */
	}
	uint32_t ph = b->phase;
	for (uint32_t i = 0; i < live; i++) {
		ph += phase[i];
		phase[i] = ph;
	}
	for (uint32_t i = 0; i < CX_CHUNK_FRAMES; i++) {
		/* sin(2 pi t) = -sin(pi (2t - 1)), t = phase / 2^32 */
		float t = (float)(phase[i] >> 8) * 0x1p-24f;
		y[i] = env[i] * -cx_sinpif(2.0f * t - 1.0f) + declick[i];
	}
	if (b->active && n > 0) {
		b->phase = ph;
		b->last = y[n - 1];
	}
}

/* Fills v[0..CX_CHUNK_FRAMES) with a ramp's values for the next n frames, the last repeated
 * past n (at memory speed when the ramp is idle). */
static inline void drum_ramp_fill(cx_ramp_t *r, float *v, uint32_t n)
{
	uint32_t i = 0;
	for (; i < n && r->frames_left > 0; i++)
		v[i] = cx_ramp_next(r);
	for (float last = r->value; i < CX_CHUNK_FRAMES; i++)
		v[i] = last;
}

static inline void drum_ramp_log_fill(cx_ramp_log_t *r, float *v, uint32_t n)
{
	uint32_t i = 0;
	for (; i < n && r->frames_left > 0; i++)
		v[i] = cx_ramp_log_next(r);
	for (float last = r->value; i < CX_CHUNK_FRAMES; i++)
		v[i] = last;
}

/* Advances a ramp by n frames without writing its values (a silent voice). */
static inline void drum_ramp_skip(cx_ramp_t *r, uint32_t n)
{
	for (uint32_t i = 0; i < n && r->frames_left > 0; i++)
		cx_ramp_next(r);
}

static inline void drum_ramp_log_skip(cx_ramp_log_t *r, uint32_t n)
{
	for (uint32_t i = 0; i < n && r->frames_left > 0; i++)
		cx_ramp_log_next(r);
}

#endif /* CHRONUS_DRUMS_H */
