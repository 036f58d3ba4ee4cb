/*
 * test_chorus — the chorus's modulation rate and depth, its mix, bounds and silence.
 *
 * 1. Modulation: fed a slow straight ramp x[n] = k n (which the cubic interpolation
 *    reproduces exactly), with mix 1 the left output is k (n - d(n)): the delay d(n) is read
 *    back at every frame. Its frequency (measure_freq_hz over 8 s, after a 10 ms moving
 *    average that keeps the ramp's rounding from splitting slow crossings) must equal `rate` within
 *    RATE_TOLERANCE at 0.5, 2 and 7 Hz, and its swing (half its peak to peak) depth x 6 ms
 *    within 1 %, centred on 12 ms; with spread 1 the right voice's delay swings opposite.
 * 2. No zipper: with a steady 200 Hz sine in, mix jumps 0 -> 1 and back by events; the
 *    largest step between output frames may not exceed ZIPPER_STEP times the sine's own.
 * 3. Bounds: ±10 noise and square, at depth 1 and rate 10 Hz: every output within ±10.
 * 4. Silence: 0.5 s of noise, then nothing: from 20 ms after the input stops, every output
 *    is exactly 0.
 * Usage: test_chorus chorus.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ        48000.0f
#define BLOCK          64u
#define RATE_TOLERANCE 1e-4
#define ZIPPER_STEP    1.5 /* a 10 ms mix ramp adds up to 1/480 of |wet - dry| a frame */
#define RAMP_K         1e-5
#define PI             3.14159265358979323846

static unsigned rng_state = 1;

static double rng_uniform(void) /* [0, 1) */
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (double)(rng_state >> 8) / 16777216.0;
}

static void render(host_module_t *m, const float *x, uint32_t n, float *left, float *right,
                   float *out, const host_event_t *ev, uint32_t event_count)
{
	const float *in[CX_PORTS_MAX] = {x};
	float *outs[CX_PORTS_MAX] = {0};
	outs[host_out(m, "out")] = out;
	outs[host_out(m, "left")] = left;
	outs[host_out(m, "right")] = right;
	host_render(m, n, BLOCK, in, outs, ev, event_count);
}

static int test_modulation(host_module_t *m)
{
	static const float rates[] = {0.5f, 2.0f, 7.0f};
	const uint32_t n = 8u * (uint32_t)RATE_HZ, skip = 2000;
	float *x = host_alloc(n), *l = host_alloc(n), *r = host_alloc(n), *o = host_alloc(n);
	float *dl = host_alloc(n), *dr = host_alloc(n);
	for (uint32_t i = 0; i < n; i++)
		x[i] = (float)(RAMP_K * i - 2.0);
	int ok = 1;
	for (unsigned k = 0; k < 3; k++) {
		host_set(m, "rate", rates[k]);
		host_set(m, "depth", 0.5f);
		host_set(m, "mix", 1.0f);
		host_set(m, "spread", 1.0f);
		host_init(m);
		render(m, x, n, l, r, o, NULL, 0);
		double lo = 1e9, hi = -1e9, anti = 0.0;
		for (uint32_t i = 0; i < n; i++) {
			dl[i] = (float)((double)i - ((double)l[i] + 2.0) / RAMP_K);
			dr[i] = (float)((double)i - ((double)r[i] + 2.0) / RAMP_K);
		}
		for (uint32_t i = skip; i < n; i++) {
			lo = fmin(lo, dl[i]);
			hi = fmax(hi, dl[i]);
			/* spread 1: the right delay mirrors the left about the centre */
			anti = fmax(anti, fabs((double)dl[i] + dr[i] - 2.0 * 0.012 * RATE_HZ));
		}
		/* The read-back delay carries the ramp's rounding (0.05 frames): a 10 ms moving
		 * average keeps slow zero crossings single without moving them in frequency. */
		float *smooth = host_alloc(n);
		double acc = 0.0;
		for (uint32_t i = 0; i < n; i++) {
			acc += dl[i] - (i >= 480 ? dl[i - 480] : 0.0f);
			smooth[i] = (float)(acc / 480.0);
		}
		double hz = measure_freq_hz(smooth + skip, n - skip, RATE_HZ);
		free(smooth);
		double swing_ms = 1e3 * (hi - lo) / 2.0 / RATE_HZ;
		double centre_ms = 1e3 * (hi + lo) / 2.0 / RATE_HZ;
		double err = hz / rates[k] - 1.0;
		int good = fabs(err) <= RATE_TOLERANCE && fabs(swing_ms / 3.0 - 1.0) <= 0.01 &&
		           fabs(centre_ms - 12.0) <= 0.05 && anti <= 0.5;
		printf(
		    "chorus rate %.1f Hz, depth 0.5: delay swings at %.5f Hz (%+.4f %%), +-%.3f ms "
		    "(3 expected) about %.3f ms; right mirrors left within %.2f frames: %s\n",
		    rates[k], hz, 100.0 * err, swing_ms, centre_ms, anti, good ? "ok" : "FAIL");
		ok &= good;
	}
	free(x);
	free(l);
	free(r);
	free(o);
	free(dl);
	free(dr);
	return ok;
}

static int test_zipper(host_module_t *m)
{
	const uint32_t n = 48000;
	float *x = host_alloc(n), *l = host_alloc(n), *r = host_alloc(n), *o = host_alloc(n);
	for (uint32_t i = 0; i < n; i++)
		x[i] = (float)(0.5 * sin(2.0 * PI * 200.0 * i / RATE_HZ));
	host_set(m, "rate", 0.5f);
	host_set(m, "depth", 0.5f);
	host_set(m, "mix", 0.0f);
	host_set(m, "spread", 0.5f);
	host_init(m);
	uint32_t mix = host_param(m, "mix");
	host_event_t ev[] = {{12000, mix, 1.0f}, {24000, mix, 0.0f}, {36000, mix, 0.7f}};
	render(m, x, n, l, r, o, ev, 3);
	double sine = measure_max_step(x, n);
	double step =
	    fmax(measure_max_step(o, n), fmax(measure_max_step(l, n), measure_max_step(r, n)));
	int ok = step <= ZIPPER_STEP * sine;
	printf("chorus mix 0 -> 1 -> 0 -> 0.7 under a 200 Hz sine: largest step %.5f, the sine's "
	       "own %.5f (limit %.1fx): %s\n",
	       step, sine, ZIPPER_STEP, ok ? "ok" : "FAIL");
	free(x);
	free(l);
	free(r);
	free(o);
	return ok;
}

static int test_bounds_and_silence(host_module_t *m)
{
	const uint32_t n = 96000, burst = 24000;
	float *x = host_alloc(n), *l = host_alloc(n), *r = host_alloc(n), *o = host_alloc(n);
	int ok = 1;
	double peak = 0.0;
	for (int kind = 0; kind < 2; kind++) {
		for (uint32_t i = 0; i < n; i++)
			x[i] = kind ? ((i / 100) % 2 ? 10.0f : -10.0f)
			            : (float)(20.0 * rng_uniform() - 10.0);
		host_set(m, "rate", 10.0f);
		host_set(m, "depth", 1.0f);
		host_set(m, "mix", 0.5f);
		host_set(m, "spread", 0.3f);
		host_init(m);
		render(m, x, n, l, r, o, NULL, 0);
		peak = fmax(peak,
		            fmax(measure_peak(o, n), fmax(measure_peak(l, n), measure_peak(r, n))));
	}
	int good = peak <= 10.0;
	printf("chorus ±10 noise and square, depth 1, rate 10 Hz: largest |output| %.4f (bound "
	       "10): %s\n",
	       peak, good ? "ok" : "FAIL");
	ok &= good;
	for (uint32_t i = 0; i < n; i++)
		x[i] = i < burst ? (float)(2.0 * rng_uniform() - 1.0) : 0.0f;
	host_set(m, "rate", 0.5f);
	host_set(m, "depth", 1.0f);
	host_set(m, "mix", 0.5f);
	host_init(m);
	render(m, x, n, l, r, o, NULL, 0);
	uint32_t last = 0;
	for (uint32_t i = 0; i < n; i++)
		if (o[i] != 0.0f || l[i] != 0.0f || r[i] != 0.0f)
			last = i;
	double after_ms = 1e3 * (double)(last + 1 - burst) / RATE_HZ;
	good = after_ms <= 20.0;
	printf("chorus: after 0.5 s of noise, exactly 0 from %.2f ms after the input stops (limit "
	       "20): %s\n",
	       after_ms, good ? "ok" : "FAIL");
	ok &= good;
	free(x);
	free(l);
	free(r);
	free(o);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s chorus.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, BLOCK);
	int ok = test_modulation(&m);
	ok &= test_zipper(&m);
	ok &= test_bounds_and_silence(&m);
	host_close(&m);
	printf("%s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
