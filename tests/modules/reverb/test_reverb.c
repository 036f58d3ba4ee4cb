/*
 * test_reverb — the reverb's decay time and its silence after the tail.
 *
 * 1. RT60: the impulse response (mix 1, no predelay) of each output, left and right, for
 *    `decay` 0.5, 1.5 and 4 s. Its energy decay curve by Schroeder's backward integration,
 *    EDC(t) = sum of y^2 from t on (M. R. Schroeder, "New method of measuring reverberation
 *    time", JASA 37, 1965); T30: the least-squares line through the EDC in dB between -5 and
 *    -35 dB, extrapolated to 60 dB (ISO 3382). Broadband with damping 0, and in the octave
 *    around 500 Hz (a two-pole band-pass, Q = sqrt(2)) with the default damping, 0.3: each
 *    within RT60_TOLERANCE of the setting.
 * 2. Silence: 0.5 s of full-scale noise in, then nothing; from 2 RT60 after the input stops,
 *    for 0.1 s, every output must stay below SILENCE (-100 dBFS).
 * 3. Size changes: a 220 Hz sine in, wet only, size 0.2 -> 0.9 -> 0.1: no step between output
 *    frames after the changes larger than SIZE_STEP times the largest before them (the wet
 *    fades out, the tank empties, the input fades back in: no click).
 * Usage: test_reverb reverb.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ        48000.0f
#define BLOCK          64u
#define RT60_TOLERANCE 0.20
#define SILENCE        1e-5
#define SIZE_STEP      1.5
#define PI             3.14159265358979323846

static unsigned rng_state = 1;

static double rng_uniform(void) /* [0, 1) */
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (double)(rng_state >> 8) / 16777216.0;
}

static void render(host_module_t *m, const float *x, uint32_t n, float *left, float *right,
                   float *out)
{
	const float *in[CX_PORTS_MAX] = {x};
	float *outs[CX_PORTS_MAX] = {0};
	outs[host_out(m, "out")] = out;
	outs[host_out(m, "left")] = left;
	outs[host_out(m, "right")] = right;
	host_render(m, n, BLOCK, in, outs, NULL, 0);
}

/* Filters y in place through a two-pole band-pass (RBJ cookbook, constant 0 dB peak) at hz. */
static void band_pass(float *y, uint32_t n, double hz, double q)
{
	double w = 2.0 * PI * hz / RATE_HZ, alpha = sin(w) / (2.0 * q), a0 = 1.0 + alpha;
	double b0 = alpha / a0, b2 = -alpha / a0, a1 = -2.0 * cos(w) / a0, a2 = (1.0 - alpha) / a0;
	double x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0;
	for (uint32_t i = 0; i < n; i++) {
		double x0 = y[i];
		double y0 = b0 * x0 + b2 * x2 - a1 * y1 - a2 * y2;
		x2 = x1;
		x1 = x0;
		y2 = y1;
		y1 = y0;
		y[i] = (float)y0;
	}
}

/* T30 of an impulse response, extrapolated to 60 dB (seconds); 0 when it does not reach -35. */
static double t30(const float *y, uint32_t n)
{
	double *edc = malloc(n * sizeof *edc);
	double sum = 0.0;
	for (uint32_t i = n; i-- > 0;) {
		sum += (double)y[i] * y[i];
		edc[i] = sum;
	}
	double sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0, count = 0.0;
	for (uint32_t i = 0; i < n; i++) {
		double db = 10.0 * log10(edc[i] / edc[0] + 1e-300);
		if (db > -5.0 || db < -35.0)
			continue;
		double t = i / (double)RATE_HZ;
		sx += t;
		sy += db;
		sxx += t * t;
		sxy += t * db;
		count += 1.0;
	}
	free(edc);
	if (count < 10.0)
		return 0.0;
	double slope = (count * sxy - sx * sy) / (count * sxx - sx * sx); /* dB per second */
	return -60.0 / slope;
}

static int test_rt60(host_module_t *m)
{
	static const double decays[] = {0.5, 1.5, 4.0};
	int ok = 1;
	for (unsigned d = 0; d < 3; d++) {
		uint32_t n = (uint32_t)(RATE_HZ * (2.5 * decays[d] + 0.5));
		float *x = host_alloc(n), *l = host_alloc(n), *r = host_alloc(n),
		      *o = host_alloc(n);
		x[0] = 1.0f;
		for (int band = 0; band < 2; band++) {
			host_set(m, "decay", (float)decays[d]);
			host_set(m, "damping", band ? 0.3f : 0.0f);
			host_set(m, "predelay", 0.0f);
			host_set(m, "size", 0.5f);
			host_set(m, "mix", 1.0f);
			host_init(m);
			render(m, x, n, l, r, o);
			if (band) {
				band_pass(l, n, 500.0, sqrt(2.0));
				band_pass(r, n, 500.0, sqrt(2.0));
			}
			double tl = t30(l, n), tr = t30(r, n);
			double el = tl / decays[d] - 1.0, er = tr / decays[d] - 1.0;
			int good = fabs(el) <= RT60_TOLERANCE && fabs(er) <= RT60_TOLERANCE;
			printf("reverb decay %.1f s, %s: RT60 (T30) left %.3f s (%+.1f %%), right "
			       "%.3f "
			       "s (%+.1f %%), limit %.0f %%: %s\n",
			       decays[d],
			       band ? "500 Hz octave, damping 0.3" : "broadband, damping 0", tl,
			       100.0 * el, tr, 100.0 * er, 100.0 * RT60_TOLERANCE,
			       good ? "ok" : "FAIL");
			ok &= good;
		}
		free(x);
		free(l);
		free(r);
		free(o);
	}
	return ok;
}

static int test_silence(host_module_t *m)
{
	static const double decays[] = {0.5, 1.5, 4.0};
	int ok = 1;
	for (unsigned d = 0; d < 3; d++) {
		uint32_t burst = (uint32_t)(RATE_HZ / 2.0f);
		uint32_t from = burst + (uint32_t)(2.0 * decays[d] * RATE_HZ);
		uint32_t n = from + (uint32_t)(RATE_HZ / 10.0f);
		float *x = host_alloc(n), *l = host_alloc(n), *r = host_alloc(n),
		      *o = host_alloc(n);
		for (uint32_t i = 0; i < burst; i++)
			x[i] = (float)(2.0 * rng_uniform() - 1.0);
		host_set(m, "decay", (float)decays[d]);
		host_set(m, "damping", 0.3f);
		host_set(m, "predelay", 0.02f);
		host_set(m, "size", 0.5f);
		host_set(m, "mix", 1.0f);
		host_init(m);
		render(m, x, n, l, r, o);
		double during = measure_peak(l, burst);
		double peak =
		    fmax(measure_peak(l + from, n - from),
		         fmax(measure_peak(r + from, n - from), measure_peak(o + from, n - from)));
		int good = peak < SILENCE;
		printf(
		    "reverb decay %.1f s: after 0.5 s of noise (wet peak %.2f), 2 RT60 later the "
		    "outputs peak at %.1f dBFS (limit %.0f): %s\n",
		    decays[d], during, 20.0 * log10(peak + 1e-30), 20.0 * log10(SILENCE),
		    good ? "ok" : "FAIL");
		ok &= good;
		free(x);
		free(l);
		free(r);
		free(o);
	}
	return ok;
}

static int test_size_change(host_module_t *m)
{
	const uint32_t n = 3u * (uint32_t)RATE_HZ, change1 = 48000, change2 = 96000;
	float *x = host_alloc(n), *l = host_alloc(n), *r = host_alloc(n), *o = host_alloc(n);
	for (uint32_t i = 0; i < n; i++)
		x[i] = (float)(0.5 * sin(2.0 * PI * 220.0 * i / RATE_HZ));
	host_set(m, "decay", 2.0f);
	host_set(m, "damping", 0.3f);
	host_set(m, "predelay", 0.0f);
	host_set(m, "size", 0.2f);
	host_set(m, "mix", 1.0f);
	host_init(m);
	uint32_t size = host_param(m, "size");
	host_event_t ev[] = {{change1, size, 0.9f}, {change2, size, 0.1f}};
	const float *in[CX_PORTS_MAX] = {x};
	float *outs[CX_PORTS_MAX] = {0};
	outs[host_out(m, "out")] = o;
	outs[host_out(m, "left")] = l;
	outs[host_out(m, "right")] = r;
	host_render(m, n, BLOCK, in, outs, ev, 2);
	double before = 0.0, after = 0.0;
	for (int side = 0; side < 3; side++) {
		const float *y = side == 0 ? l : side == 1 ? r : o;
		before = fmax(before, measure_max_step(y + change1 / 2, change1 / 2));
		after = fmax(after, measure_max_step(y + change1, n - change1));
	}
	int ok = after <= SIZE_STEP * before;
	printf("reverb size 0.2 -> 0.9 -> 0.1 under a 220 Hz sine: largest step after the changes "
	       "%.4f, before them %.4f (limit %.1fx): %s\n",
	       after, before, SIZE_STEP, ok ? "ok" : "FAIL");
	free(x);
	free(l);
	free(r);
	free(o);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s reverb.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, BLOCK);
	int ok = test_rt60(&m);
	ok &= test_silence(&m);
	ok &= test_size_change(&m);
	host_close(&m);
	printf("%s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
