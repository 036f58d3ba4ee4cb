/*
 * chronus/dsp.h — small DSP helpers shared by modules.
 *
 * Header-only: every helper is `static inline`, there are no globals and nothing here
 * allocates, locks or calls the system, so all of it may be used in process() under the RT
 * rules in module.h. The helpers work on floats (double only where a module needs it) and on
 * plain structs a module keeps inside its state blob.
 *
 * Contents, and where each comes from:
 *   - clamps and input sanitizing that turn NaN and infinities into safe finite values;
 *   - a denormal flush for recursive state kept between blocks;
 *   - cx_exp2f: 2^x from a degree-5 polynomial on [0, 1) plus an exponent splice (the
 *     classic split used by e.g. Cephes exp2f); the coefficients are a relative-error minimax
 *     fit made for this file, max relative error 1.8e-7 (0.0003 cent) over all x;
 *   - cx_sinpif: sin(pi x), an odd degree-9 minimax polynomial on [-1/2, 1/2] (absolute error
 *     2e-7) folded by symmetry onto [-1, 1]; cx_sincospif adds an even degree-10 one for
 *     cos(pi x) on [0, 1/2] (the fits, like exp2's, made for this file);
 *   - 1 V/oct pitch <-> Hz, 0 V = C4 = 261.6256 Hz (specs/signals.md);
 *   - parameter ramps: linear (value steps by a constant) and log-domain (value multiplies
 *     by a constant: a geometric ramp, used for pitch and cutoff so that a glide is even in
 *     octaves);
 *   - PolyBLEP and PolyBLAMP residuals, the two-sample polynomial band-limited step and ramp
 *     (V. Välimäki, A. Huovilainen, "Antialiasing Oscillators in Subtractive Synthesis", IEEE
 *     Signal Processing Magazine 24(2), 2007; F. Esqueda, V. Välimäki, S. Bilbao, "Rounding
 *     Corners with BLAMP", DAFx-16, 2016);
 *   - PCG32 random numbers (O'Neill 2014), with the generator's state in the module's state;
 *   - an event cursor that splits a block at its events' frames (CLAP's sample-accurate
 *     event model), so that every process() reads "render until the next event's frame,
 *     apply it, continue":
 *
 *	cx_event_cursor_t ev = cx_event_cursor(p);
 *	for (uint32_t pos = 0; pos < p->frames;) {
 *		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
 *			thing_apply(s, e);
 *		uint32_t end = cx_event_next_frame(&ev);
 *		thing_render(s, p, pos, end);
 *		pos = end;
 *	}
 *	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
 *		thing_apply(s, e);	// events at or past the block's end: none in a valid block
 */
#ifndef CHRONUS_DSP_H
#define CHRONUS_DSP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "chronus/module.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pitch CV reference: 0 V is C4 (specs/signals.md). */
#define CX_C4_HZ 261.6256f

/* Default length of a parameter ramp: long enough that a step makes no zipper noise, short
 * enough that a change feels immediate. */
#define CX_RAMP_S 0.01f

/* Inputs are read as if they came through the ±10 V rails of an analog modular: anything
 * beyond is clamped there, NaN reads as 0. Audio is ±1 nominal, so this is 20 dB of headroom
 * for sums of cables and hot signals, and a bound for what a module must withstand. */
#define CX_INPUT_LIMIT 10.0f

/* Modules that need per-frame scratch arrays (phase increments, coefficients) work in chunks
 * of at most this many frames, with the arrays on the stack: bounded whatever frames_max is. */
#define CX_CHUNK_FRAMES 64u

/* ---- clamps and sanitizing ---------------------------------------------------------------- */

/* Returns x limited to [lo, hi]; NaN becomes lo (every comparison with NaN is false). */
static inline float cx_clampf(float x, float lo, float hi)
{
	return x > lo ? (x < hi ? x : hi) : lo;
}

/* Returns x limited to [-limit, limit]; NaN becomes 0. For reading input buffers. */
static inline float cx_sanitizef(float x, float limit)
{
	x = x == x ? x : 0.0f;
	x = x < limit ? x : limit;
	return x > -limit ? x : -limit;
}

/* Returns x, or 0 when |x| is so small it would soon be (or already is) a denormal. Applied
 * once per block to recursive state: workers run with FTZ/DAZ, but a module must not rely on
 * it (tests and the offline renderer may not set it). Also turns NaN into 0. */
static inline float cx_flush_tinyf(float x)
{
	return fabsf(x) > 1e-20f ? x : 0.0f;
}

/* Returns 1 when buf[0..n) holds one value, bit for bit (n > 0): then per-frame work can be
 * done once, with the same result. Comparing each sample with the next one, as bytes, lets
 * memcmp do it at memory speed; +0 and -0 or different NaNs merely count as a change. */
static inline int cx_is_constant(const float *buf, uint32_t n)
{
	return n < 2 || memcmp(buf, buf + 1, (n - 1) * sizeof *buf) == 0;
}

/* ---- fast functions ----------------------------------------------------------------------- */

/* Returns 2^x for x clamped to [-126, 126] (NaN reads as 0). Relative error < 2e-7, i.e.
 * 0.0003 cent when x is in octaves; exact at whole x. Branch-free, so loops of it vectorize. */
static inline float cx_exp2f(float x)
{
	x = x == x ? x : 0.0f;
	x = cx_clampf(x, -126.0f, 126.0f);
	float whole = (float)(int32_t)x;  /* truncates toward zero */
	whole -= whole > x ? 1.0f : 0.0f; /* floor */
	float f = x - whole;              /* [0, 1) */
	float p = 1.879349817e-03f;
	p = p * f + 8.990927599e-03f;
	p = p * f + 5.581872165e-02f;
	p = p * f + 2.401592582e-01f;
	p = p * f + 6.931517124e-01f;
	p = p * f + 1.0f;
	uint32_t bits = (uint32_t)((int32_t)whole + 127) << 23;
	float scale;
	memcpy(&scale, &bits, sizeof scale);
	return p * scale;
}

/* Returns sin(pi x) for x in [-1, 1] (absolute error 2e-7; |result| <= 1). */
static inline float cx_sinpif(float x)
{
	float a = fabsf(x);
	a = a < 1.0f - a ? a : 1.0f - a; /* sin(pi x) = sin(pi (1 - x)) */
	float a2 = a * a;
	float p = 7.722016724e-02f;
	p = p * a2 - 5.980451959e-01f;
	p = p * a2 + 2.550031381e+00f;
	p = p * a2 - 5.167706879e+00f;
	p = p * a2 + 3.141592580e+00f;
	return copysignf(p * a, x);
}

/* Writes sin(pi x) and cos(pi x) for x in [0, 1/2] (absolute error 2e-7): two polynomials
 * sharing x^2, with no folding, for angles known to lie in the first quadrant (filter
 * cutoffs up to Nyquist). cos(0) is exactly 1. */
static inline void cx_sincospif(float x, float *sin_out, float *cos_out)
{
	float x2 = x * x;
	float s = 7.722016724e-02f;
	s = s * x2 - 5.980451959e-01f;
	s = s * x2 + 2.550031381e+00f;
	s = s * x2 - 5.167706879e+00f;
	s = s * x2 + 3.141592580e+00f;
	float c = -2.439672082e-02f;
	c = c * x2 + 2.349375617e-01f;
	c = c * x2 - 1.335212057e+00f;
	c = c * x2 + 4.058709164e+00f;
	c = c * x2 - 4.934802137e+00f;
	c = c * x2 + 1.0f;
	*sin_out = s * x;
	*cos_out = c;
}

/* ---- pitch -------------------------------------------------------------------------------- */

/* 1 V/oct: returns the frequency of a pitch CV, 0 V = C4. Fast enough for every frame. */
static inline float cx_volts_to_hz(float volts)
{
	return CX_C4_HZ * cx_exp2f(volts);
}

/* The inverse, with libm: for events and set-up, not for every frame. hz > 0. */
static inline float cx_hz_to_volts(float hz)
{
	return log2f(hz / CX_C4_HZ);
}

/* ---- parameter ramps ---------------------------------------------------------------------- */

/* Returns the length of a CX_RAMP_S ramp in frames, at least 1. [worker] */
static inline uint32_t cx_ramp_frames(float sample_rate_hz)
{
	float frames = CX_RAMP_S * sample_rate_hz + 0.5f;
	return frames >= 1.0f ? (uint32_t)frames : 1u;
}

/* A linear ramp: `value` moves by `step` each frame and lands exactly on `target` after
 * `frames_left` frames. An idle ramp has frames_left == 0 and value == target. */
typedef struct cx_ramp {
	float value;
	float target;
	float step;
	uint32_t frames_left;
} cx_ramp_t;

/* Jumps to v with no ramp (init). */
static inline void cx_ramp_snap(cx_ramp_t *r, float v)
{
	r->value = v;
	r->target = v;
	r->step = 0.0f;
	r->frames_left = 0;
}

/* Starts a ramp from the current value to target over frames (>= 1) frames. A ramp to the
 * target it already has changes nothing: the engine re-sends every parameter after a missed
 * period, and restarting ramps then (a module's slow per-frame path) made a late worker later. */
static inline void cx_ramp_to(cx_ramp_t *r, float target, uint32_t frames)
{
	if (target == r->target)
		return;
	r->target = target;
	r->step = (target - r->value) / (float)frames;
	r->frames_left = frames;
}

/* Returns the value for this frame and advances one frame. */
static inline float cx_ramp_next(cx_ramp_t *r)
{
	if (r->frames_left > 0) {
		r->value = --r->frames_left > 0 ? r->value + r->step : r->target;
	}
	return r->value;
}

/* A log-domain ramp for positive values (frequencies): `value` is multiplied by `ratio` each
 * frame, so it moves evenly in octaves, and lands exactly on `target`. One multiply a frame. */
typedef struct cx_ramp_log {
	float value;
	float target;
	float ratio;
	uint32_t frames_left;
} cx_ramp_log_t;

static inline void cx_ramp_log_snap(cx_ramp_log_t *r, float v)
{
	r->value = v;
	r->target = v;
	r->ratio = 1.0f;
	r->frames_left = 0;
}

/* Starts a geometric ramp to target (> 0) over frames (>= 1) frames. Uses libm once: call it
 * when an event arrives, not every frame. */
static inline void cx_ramp_log_to(cx_ramp_log_t *r, float target, uint32_t frames)
{
	if (target == r->target) /* as cx_ramp_to */
		return;
	r->target = target;
	r->ratio = exp2f(log2f(target / r->value) / (float)frames);
	r->frames_left = frames;
}

static inline float cx_ramp_log_next(cx_ramp_log_t *r)
{
	if (r->frames_left > 0) {
		r->value = --r->frames_left > 0 ? r->value * r->ratio : r->target;
	}
	return r->value;
}

/* ---- band-limited discontinuities --------------------------------------------------------- */

/* PolyBLEP: the correction to add to a naive waveform at a unit upward step, for a sample at
 * phase t in [0, 1) of a cycle whose step sits at phase 0, with |phase increment| dt in
 * [0, 1/2]. Nonzero only within one sample of the step (t < dt or t > 1 - dt). The same
 * expression holds for a phase running backwards (through-zero FM): it depends only on the
 * distance to the step. Välimäki & Huovilainen 2007, eq. for the two-point polyBLEP. */
static inline float cx_polyblep(float t, float dt)
{
	if (t < dt) { /* just after the step */
		float x = t / dt;
		return x + x - x * x - 1.0f;
	}
	if (t > 1.0f - dt) { /* just before it */
		float x = (t - 1.0f) / dt;
		return x * x + x + x + 1.0f;
	}
	return 0.0f;
}

/* PolyBLAMP: the correction to add at a corner where the slope rises by one unit per sample,
 * for a sample at phase t of a cycle whose corner sits at phase 0. It is the integral of the
 * polyBLEP residual: (1 - d)^3 / 6 at a distance of d samples (d < 1) on either side.
 * Esqueda, Välimäki & Bilbao 2016. */
static inline float cx_polyblamp(float t, float dt)
{
	float d;
	if (t < dt)
		d = t / dt;
	else if (t > 1.0f - dt)
		d = (1.0f - t) / dt;
	else
		return 0.0f;
	float u = 1.0f - d;
	return u * u * u * (1.0f / 6.0f);
}

/* ---- random numbers ----------------------------------------------------------------------- */

/* PCG32 (M. E. O'Neill, "PCG: A Family of Simple Fast Space-Efficient Statistically Good
 * Algorithms for Random Number Generation", HMC-CS-2014-0905, 2014): the XSH-RR output of a
 * 64-bit LCG with the paper's default increment. The state is one uint64_t a module keeps in
 * its state blob, so a seeded module renders the same every time and no global generator is
 * shared. */
#define CX_PCG32_MULTIPLIER 6364136223846793005ull
#define CX_PCG32_INCREMENT  1442695040888963407ull

/* Returns 32 random bits and advances the state. */
static inline uint32_t cx_pcg32(uint64_t *state)
{
	uint64_t x = *state;
	*state = x * CX_PCG32_MULTIPLIER + CX_PCG32_INCREMENT;
	uint32_t xorshifted = (uint32_t)(((x >> 18u) ^ x) >> 27u);
	uint32_t rot = (uint32_t)(x >> 59u);
	return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

/* Starts the sequence of a seed (O'Neill's pcg32_srandom: step, add the seed, step). */
static inline void cx_pcg32_seed(uint64_t *state, uint64_t seed)
{
	*state = 0;
	(void)cx_pcg32(state);
	*state += seed;
	(void)cx_pcg32(state);
}

/* Returns a uniform float in [-1, 1) (multiples of 2^-31) and advances the state. */
static inline float cx_pcg32_bipolar(uint64_t *state)
{
	return (float)(int32_t)cx_pcg32(state) * 0x1p-31f;
}

/* Returns a whole number uniform in [0, n), n >= 1 (D. Lemire, "Fast Random Integer Generation
 * in an Interval", ACM TOMACS 29(1), 2019: the multiply-shift, without the rejection; bias below
 * n / 2^32), and advances the state. */
static inline uint32_t cx_pcg32_below(uint64_t *state, uint32_t n)
{
	return (uint32_t)(((uint64_t)cx_pcg32(state) * n) >> 32);
}

/* ---- the transport's grid ----------------------------------------------------------------- */

/* Sequencers and tempo-synced modules follow the transport (cx_process_t, ABI 1.1) through a
 * grid of `per_beat` points per beat (4: sixteenth notes; 1.5: quarter-note triplets; 0.25: one
 * a bar of 4/4). Point k lies at beat k / per_beat, k = 0 at the frame play starts, and falls on
 * the first frame whose beat is at least that. Everything is derived from the block's beat and
 * beats_per_frame, in double, so a module accumulates no error from block to block. The engine
 * itself accumulates its beat across periods, so a frame meant to land exactly on a point may
 * fall a hair short of it: a frame within CX_GRID_TOLERANCE_FRAMES of a point counts as on it.
 * Every helper below computes "the point a frame has reached" one way, cx_grid_point, so that
 * the same frames come out however a render is split into blocks. */
#define CX_GRID_TOLERANCE_FRAMES 1e-3

/* Returns 1 when the block carries a transport a module can follow: playing, with a finite beat
 * of sane size and 0 < beats_per_frame <= 1/2. */
static inline int cx_transport_usable(const cx_process_t *p)
{
	return p->playing && p->beat == p->beat && fabs(p->beat) < 1e12 &&
	       p->beats_per_frame > 0.0 && p->beats_per_frame <= 0.5;
}

/* Returns the number of the last grid point that frame `frame` of the block has reached:
 * floor(per_beat (beat + (frame + tolerance) beats_per_frame)). -1 before play starts; frame may
 * lie outside the block (-1: the frame before it). per_beat > 0; the transport usable. */
static inline int64_t cx_grid_point(const cx_process_t *p, double per_beat, int64_t frame)
{
	double at = p->beat + ((double)frame + CX_GRID_TOLERANCE_FRAMES) * p->beats_per_frame;
	return (int64_t)floor(per_beat * at);
}

/* Returns the first frame in [from, to] whose grid point exceeds `point`, or `to` when none in
 * [from, to) does. Solved from the beat, then checked against cx_grid_point (at most two frames
 * either way, for rounding), so it costs the same however far the point lies. */
static inline uint32_t cx_grid_next(const cx_process_t *p, double per_beat, int64_t point,
                                    uint32_t from, uint32_t to)
{
	double guess = ceil(((double)(point + 1) / per_beat - p->beat) / p->beats_per_frame -
	                    CX_GRID_TOLERANCE_FRAMES);
	uint32_t g = guess <= (double)from ? from : guess >= (double)to ? to : (uint32_t)guess;
	for (int i = 0; i < 2 && g > from && cx_grid_point(p, per_beat, (int64_t)g - 1) > point;
	     i++)
		g--;
	for (int i = 0; i < 2 && g < to && cx_grid_point(p, per_beat, g) <= point; i++)
		g++;
	return g;
}

/* Returns the first frame of the block at which the transport runs: 0 while it plays from the
 * block's start, the frame play starts at when the beat is negative, p->frames when it is
 * stopped or not usable. The frames before it are stopped. */
static inline uint32_t cx_transport_start(const cx_process_t *p)
{
	if (!cx_transport_usable(p))
		return p->frames;
	return cx_grid_next(p, 1.0, -1, 0, p->frames);
}

/* ---- event splitting ---------------------------------------------------------------------- */

/* Walks a block's events in frame order; see the loop at the top of this file. */
typedef struct cx_event_cursor {
	const cx_event_t *events;
	uint32_t count;
	uint32_t next;
	uint32_t frames;
} cx_event_cursor_t;

static inline cx_event_cursor_t cx_event_cursor(const cx_process_t *p)
{
	cx_event_cursor_t c = {p->events, p->event_count, 0, p->frames};
	if (c.events == NULL)
		c.count = 0;
	return c;
}

/* Returns the next event whose frame is <= frame and consumes it, or NULL. */
static inline const cx_event_t *cx_event_due(cx_event_cursor_t *c, uint32_t frame)
{
	if (c->next < c->count && c->events[c->next].frame <= frame)
		return &c->events[c->next++];
	return NULL;
}

/* Returns the frame the current segment ends at: the next event's frame, or the block end.
 * Call it after consuming the events due at the segment's start, so it is past that start. */
static inline uint32_t cx_event_next_frame(const cx_event_cursor_t *c)
{
	if (c->next < c->count && c->events[c->next].frame < c->frames)
		return c->events[c->next].frame;
	return c->frames;
}

#ifdef __cplusplus
}
#endif

#endif /* CHRONUS_DSP_H */
