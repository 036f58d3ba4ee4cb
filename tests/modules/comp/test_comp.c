/*
 * test_comp — the compressor's static curve, its time constants, and the ceiling.
 *
 * 1. Static curve: steady sines (1 kHz and 150 Hz) at peak levels from -40 to 0 dB in 5 dB
 *    steps, after 1 s to settle, must come out at the level of the hard-knee curve, the input
 *    below the threshold and threshold + (level - threshold) / ratio above it, within
 *    CURVE_DB: threshold -20 dB with ratios 2, 4 and 100 (a limiter), and threshold -30 dB,
 *    ratio 4 with 6 dB of makeup.
 * 2. Time constants: comp.c defines them as the time the gain reduction, in dB, takes to cover
 *    63 % (1 - 1/e) of a step's change. A 100 Hz square (whose level is its |value| at every
 *    frame, so the detector reads a step as a step) goes from -40 dB to -10 dB and back;
 *    threshold -20 dB, ratio 4: the reduction goes 0 -> 7.5 dB -> 0. The gain is read at
 *    every frame as out / in (in taken the latency earlier, found with an impulse first), and
 *    the time from its last frame before it moves to 63 % of the change must be within
 *    TIME_TOLERANCE of attack (5 ms, 20 ms) and release (50 ms, 300 ms).
 * 3. Ceiling: with the ceiling at 0, -1, -6 and -20 dB, compression off (ratio 1) with 20 dB
 *    of makeup, or at its defaults, fed a +20 dB sine, isolated full-scale and +20 dB spikes,
 *    full-scale and +20 dB noise, a +20 dB square and bursts of NaN and infinities (different
 *    signals on in, left and right), no sample of any output may pass the ceiling; nor when
 *    the ceiling drops from 0 to -12 dB during +20 dB noise (from the end of its 10 ms ramp
 *    on, -12 dB). Printed: the largest output relative to the ceiling.
 * Usage: test_comp comp.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ        48000.0f
#define BLOCK          64u
#define CURVE_DB       0.5
#define TIME_TOLERANCE 0.10
#define PI             3.14159265358979323846

static unsigned rng_state = 1;

static double rng_uniform(void) /* [0, 1) */
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (double)(rng_state >> 8) / 16777216.0;
}

static void set_all(host_module_t *m, float threshold, float ratio, float attack, float release,
                    float makeup, float ceiling)
{
	host_set(m, "threshold", threshold);
	host_set(m, "ratio", ratio);
	host_set(m, "attack", attack);
	host_set(m, "release", release);
	host_set(m, "makeup", makeup);
	host_set(m, "ceiling", ceiling);
	host_set(m, "mix", 1.0f);
}

static double expected_db(double level, double threshold, double ratio, double makeup)
{
	double out = level <= threshold ? level : threshold + (level - threshold) / ratio;
	return out + makeup;
}

static int test_curve(host_module_t *m)
{
	static const struct {
		float threshold, ratio, makeup;
	} cases[] = {{-20.0f, 2.0f, 0.0f},
	             {-20.0f, 4.0f, 0.0f},
	             {-20.0f, 100.0f, 0.0f},
	             {-30.0f, 4.0f, 6.0f}};
	static const double freqs[] = {1000.0, 150.0};
	const uint32_t settle = (uint32_t)RATE_HZ, window = (uint32_t)RATE_HZ / 2u;
	const uint32_t total = settle + window;
	float *x = host_alloc(total), *y = host_alloc(total);
	int ok = 1;
	for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		for (unsigned f = 0; f < 2; f++) {
			double worst = 0.0;
			for (int level = -40; level <= 0; level += 5) {
				double amp = pow(10.0, level / 20.0);
				for (uint32_t i = 0; i < total; i++)
					x[i] =
					    (float)(amp * sin(2.0 * PI * freqs[f] * i / RATE_HZ));
				set_all(m, cases[c].threshold, cases[c].ratio, 0.01f, 0.1f,
				        cases[c].makeup, 0.0f);
				host_init(m);
				const float *in[CX_PORTS_MAX] = {x};
				float *out[CX_PORTS_MAX] = {y};
				host_render(m, total, BLOCK, in, out, NULL, 0);
				double got = 20.0 * log10(measure_amplitude(y + settle, window,
				                                            freqs[f], RATE_HZ));
				double want = expected_db(level, cases[c].threshold, cases[c].ratio,
				                          cases[c].makeup);
				worst = fmax(worst, fabs(got - want));
			}
			int good = worst <= CURVE_DB;
			printf("comp static curve, threshold %.0f dB, ratio %g, makeup %.0f dB, "
			       "%.0f Hz, "
			       "-40..0 dB: largest error %.4f dB (limit %.1f): %s\n",
			       cases[c].threshold, cases[c].ratio, cases[c].makeup, freqs[f], worst,
			       CURVE_DB, good ? "ok" : "FAIL");
			ok &= good;
		}
	}
	free(x);
	free(y);
	return ok;
}

/* The module's latency in frames: where a quiet impulse comes out. */
static uint32_t latency_of(host_module_t *m)
{
	const uint32_t total = 4096;
	float *x = host_alloc(total), *y = host_alloc(total);
	x[0] = 0.001f;
	set_all(m, -20.0f, 4.0f, 0.01f, 0.1f, 0.0f, 0.0f);
	host_init(m);
	const float *in[CX_PORTS_MAX] = {x};
	float *out[CX_PORTS_MAX] = {y};
	host_render(m, total, BLOCK, in, out, NULL, 0);
	uint32_t at = 0;
	for (uint32_t i = 0; i < total; i++)
		if (fabsf(y[i]) > fabsf(y[at]))
			at = i;
	free(x);
	free(y);
	return at;
}

/* Frames from the last frame before gain_db[from..] leaves `start` to the first where it has
 * covered 63.2 % of the way to `end`. */
static double time_to_63(const double *gain_db, uint32_t from, uint32_t to, double start,
                         double end)
{
	uint32_t origin = from;
	while (origin + 1 < to && fabs(gain_db[origin + 1] - start) < 1e-4)
		origin++;
	double mark = start + (1.0 - exp(-1.0)) * (end - start);
	uint32_t i = origin + 1;
	while (i < to && (end < start ? gain_db[i] > mark : gain_db[i] < mark))
		i++;
	return (double)(i - origin);
}

static int test_times(host_module_t *m)
{
	static const float attacks[] = {0.005f, 0.02f}, releases[] = {0.05f, 0.3f};
	uint32_t latency = latency_of(m);
	const uint32_t t0 = 24000, t1 = 96000, total = 192000;
	float *x = host_alloc(total), *y = host_alloc(total);
	double *g = malloc(total * sizeof *g);
	for (uint32_t i = 0; i < total; i++) {
		double amp = i >= t0 && i < t1 ? pow(10.0, -10.0 / 20.0) : 0.01;
		x[i] = (float)((i / 240u) % 2u ? -amp : amp);
	}
	int ok = 1;
	printf("comp latency %u frames\n", latency);
	for (int k = 0; k < 2; k++) {
		set_all(m, -20.0f, 4.0f, attacks[k], releases[k], 0.0f, 0.0f);
		host_init(m);
		const float *in[CX_PORTS_MAX] = {x};
		float *out[CX_PORTS_MAX] = {y};
		host_render(m, total, BLOCK, in, out, NULL, 0);
		for (uint32_t i = 0; i < total; i++)
			g[i] =
			    i >= latency ? 20.0 * log10(fabs((double)y[i] / x[i - latency])) : 0.0;
		double reduced = g[t1 - 1];
		double attack = time_to_63(g, t0 - 2000, t1, 0.0, reduced) / RATE_HZ;
		double release = time_to_63(g, t1 + latency - 1000, total, reduced, 0.0) / RATE_HZ;
		double ea = attack / attacks[k] - 1.0, er = release / releases[k] - 1.0;
		int good = fabs(ea) <= TIME_TOLERANCE && fabs(er) <= TIME_TOLERANCE &&
		           fabs(reduced + 7.5) < 0.05;
		printf("comp -40 -> -10 dB -> -40 dB, threshold -20, ratio 4: reduction %.3f dB; "
		       "attack %.2f ms to 63 %% (set %.0f ms, %+.2f %%), release %.2f ms (set %.0f "
		       "ms, %+.2f %%), limit %.0f %%: %s\n",
		       -reduced, 1e3 * attack, 1e3 * attacks[k], 100.0 * ea, 1e3 * release,
		       1e3 * releases[k], 100.0 * er, 100.0 * TIME_TOLERANCE, good ? "ok" : "FAIL");
		ok &= good;
	}
	free(x);
	free(y);
	free(g);
	return ok;
}

enum { SIG_SINE, SIG_SPIKES, SIG_NOISE, SIG_LOUD_NOISE, SIG_SQUARE, SIG_BAD, SIG_COUNT };
static const char *const signal_names[] = {"+20 dB sine",  "spikes",        "full-scale noise",
                                           "+20 dB noise", "+20 dB square", "NaN/inf bursts"};

static void make_signal(float *x, uint32_t n, int kind, double hz)
{
	for (uint32_t i = 0; i < n; i++) {
		double t = i / (double)RATE_HZ;
		switch (kind) {
		case SIG_SINE:
			x[i] = (float)(10.0 * sin(2.0 * PI * hz * t));
			break;
		case SIG_SPIKES:
			x[i] = i % 1000 == 17 ? 10.0f : i % 333 == 5 ? -1.0f : 0.0f;
			break;
		case SIG_NOISE:
			x[i] = (float)(2.0 * rng_uniform() - 1.0);
			break;
		case SIG_LOUD_NOISE:
			x[i] = (float)(20.0 * rng_uniform() - 10.0);
			break;
		case SIG_SQUARE:
			x[i] = fmod(t * hz, 1.0) < 0.5 ? 10.0f : -10.0f;
			break;
		default: {
			static const float bad[] = {NAN, INFINITY, -INFINITY, 1e30f};
			x[i] = (i / 500) % 2 ? bad[(i / 1000) % 4] : (float)(sin(t * 6283.0));
			break;
		}
		}
	}
}

static double worst_over(const float *const *y, uint32_t from, uint32_t to, double ceiling)
{
	double worst = -INFINITY;
	for (int o = 0; o < 3; o++)
		for (uint32_t i = from; i < to; i++) {
			if (!isfinite(y[o][i]))
				return INFINITY;
			worst = fmax(worst, fabs((double)y[o][i]) / ceiling);
		}
	return worst;
}

static int test_ceiling(host_module_t *m)
{
	static const float ceilings[] = {0.0f, -1.0f, -6.0f, -20.0f};
	static const double freqs[] = {997.0, 50.0, 5000.0};
	const uint32_t total = 48000;
	float *x[3], *y[3];
	for (int c = 0; c < 3; c++) {
		x[c] = host_alloc(total);
		y[c] = host_alloc(total);
	}
	int ok = 1;
	double overall = -INFINITY;
	for (unsigned c = 0; c < 4; c++) {
		for (int kind = 0; kind < SIG_COUNT; kind++) {
			for (int setting = 0; setting < 2; setting++) {
				for (int ch = 0; ch < 3; ch++)
					make_signal(x[ch], total, kind, freqs[ch]);
				if (setting == 0)
					set_all(m, 0.0f, 1.0f, 0.01f, 0.1f, 20.0f, ceilings[c]);
				else
					set_all(m, -20.0f, 4.0f, 0.01f, 0.1f, 0.0f, ceilings[c]);
				host_init(m);
				host_render(m, total, BLOCK, (const float *const *)x, y, NULL, 0);
				double ceiling = pow(10.0, ceilings[c] / 20.0);
				double worst =
				    worst_over((const float *const *)y, 0, total, ceiling);
				overall = fmax(overall, worst);
				if (worst > 1.0) {
					printf("comp FAIL: ceiling %.0f dB, %s, %s: output reaches "
					       "%.6f "
					       "of the ceiling\n",
					       ceilings[c], signal_names[kind],
					       setting ? "defaults" : "ratio 1 +20 dB", worst);
					ok = 0;
				}
			}
		}
	}
	printf("comp ceilings 0/-1/-6/-20 dB, +20 dB sine, spikes, noise, +20 dB noise and "
	       "square, NaN/inf: largest output %.4f dB re the ceiling: %s\n",
	       20.0 * log10(overall), ok ? "ok" : "FAIL");
	/* The ceiling falls from 0 to -12 dB at 0.5 s during +20 dB noise. */
	for (int ch = 0; ch < 3; ch++)
		make_signal(x[ch], total, SIG_LOUD_NOISE, 0.0);
	set_all(m, 0.0f, 1.0f, 0.01f, 0.1f, 20.0f, 0.0f);
	host_init(m);
	host_event_t ev = {24000, host_param(m, "ceiling"), -12.0f};
	host_render(m, total, BLOCK, (const float *const *)x, y, &ev, 1);
	double before = worst_over((const float *const *)y, 0, total, 1.0);
	double after = worst_over((const float *const *)y, 24000 + 480, total, pow(10.0, -0.6));
	int good = before <= 1.0 && after <= 1.0;
	printf("comp ceiling 0 -> -12 dB under +20 dB noise: largest output %.4f dB re 0 dB "
	       "throughout, %.4f dB re -12 dB after the ramp: %s\n",
	       20.0 * log10(before), 20.0 * log10(after), good ? "ok" : "FAIL");
	ok &= good;
	for (int c = 0; c < 3; c++) {
		free(x[c]);
		free(y[c]);
	}
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s comp.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, BLOCK);
	int ok = test_curve(&m);
	ok &= test_times(&m);
	ok &= test_ceiling(&m);
	host_close(&m);
	printf("%s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
