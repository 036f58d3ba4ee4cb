/*
 * test_vcf — the vcf lowpass -3 dB point at resonance 0, and boundedness at resonance 1.
 *
 * 1. At resonance 0 the filter is Butterworth with a prewarped cutoff, so the lowpass gain is
 *    exactly -3.01 dB at `cutoff`. For cutoffs 100, 1000 and 5000 Hz at 48 kHz, the frequency
 *    where a steady sine (amplitude 0.5) comes out at 1/sqrt(2) of its input amplitude is
 *    found by bisection; it must be within 2 % of the cutoff.
 * 2. At resonance 1 the filter rings on: after an impulse, at the cutoff within 1 cent and
 *    with an amplitude steady within 1 % over a second. With cutoffs from 20 Hz up to the
 *    0.49 fs limit (reached through the cutoff CV), fed a sine at the cutoff, a ±10 square,
 *    ±10 noise and bursts of NaN, infinities and 1e30, every output must stay finite and
 *    within LOUD_BOUND; fed signals within ±1, within NOMINAL_BOUND.
 * Usage: test_vcf vcf.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ          48000.0f
#define BLOCK            64u
#define CUTOFF_TOLERANCE 0.02
/* |out| with inputs within ±1. The state limit keeps lp and bp within 4; hp = in - lp at
 * resonance 1 could in principle reach 5, the signals here reach 3.4. */
#define NOMINAL_BOUND 4.0f
#define LOUD_BOUND    20.0f /* |out| with any input at all: vcf.c's bound on hp */
#define PI            3.14159265358979323846

static const double cutoffs_hz[] = {100.0, 1000.0, 5000.0};

/* Gain of output `port` for a steady sine at hz. */
static double gain_at(host_module_t *m, const char *port, double hz)
{
	uint32_t settle = (uint32_t)(RATE_HZ * 0.05),
	         window = (uint32_t)(fmax(50.0 / hz, 0.1) * RATE_HZ);
	uint32_t total = settle + window;
	float *x = host_alloc(total), *y = host_alloc(total);
	for (uint32_t i = 0; i < total; i++)
		x[i] = (float)(0.5 * sin(2.0 * PI * hz * i / RATE_HZ));
	host_init(m);
	const float *in[CX_PORTS_MAX] = {0};
	in[host_in(m, "in")] = x;
	float *outs[CX_PORTS_MAX] = {0};
	outs[host_out(m, port)] = y;
	host_render(m, total, BLOCK, in, outs, NULL, 0);
	double g = measure_amplitude(y + settle, window, hz, RATE_HZ) /
	           measure_amplitude(x + settle, window, hz, RATE_HZ);
	free(x);
	free(y);
	return g;
}

/* The frequency where the gain of `port` crosses 1/sqrt(2), searched an octave either side of
 * the cutoff; falling says whether the gain falls with frequency there. */
static double minus_3db_hz(host_module_t *m, const char *port, double cutoff_hz, int falling)
{
	double lo = cutoff_hz / 2.0, hi = cutoff_hz * 2.0;
	for (int i = 0; i < 30; i++) {
		double mid = sqrt(lo * hi);
		int above = gain_at(m, port, mid) > sqrt(0.5);
		if (above == falling)
			lo = mid;
		else
			hi = mid;
	}
	return sqrt(lo * hi);
}

static int test_cutoff(host_module_t *m)
{
	int ok = 1;
	double worst = 0.0;
	for (unsigned c = 0; c < sizeof cutoffs_hz / sizeof cutoffs_hz[0]; c++) {
		host_set(m, "cutoff", (float)cutoffs_hz[c]);
		host_set(m, "resonance", 0.0f);
		double lp_hz = minus_3db_hz(m, "lp", cutoffs_hz[c], 1);
		double hp_hz = minus_3db_hz(m, "hp", cutoffs_hz[c], 0);
		double lp_error = lp_hz / cutoffs_hz[c] - 1.0,
		       hp_error = hp_hz / cutoffs_hz[c] - 1.0;
		printf("vcf cutoff %5.0f Hz, resonance 0: lowpass -3 dB at %10.4f Hz (%+.1f ppm), "
		       "highpass -3 dB at %10.4f Hz (%+.1f ppm)\n",
		       cutoffs_hz[c], lp_hz, 1e6 * lp_error, hp_hz, 1e6 * hp_error);
		ok &= fabs(lp_error) <= CUTOFF_TOLERANCE;
		worst = fmax(worst, fabs(lp_error));
	}
	printf("vcf worst lowpass -3 dB error %.5f %% (limit %.0f %%)\n", 100.0 * worst,
	       100.0 * CUTOFF_TOLERANCE);
	return ok;
}

enum { SIG_BAD = MEASURE_BAD, SIG_COUNT = MEASURE_SIGNALS };
static const char *const signal_names[] = {"sine at cutoff", "square", "noise", "NaN/inf/1e30"};

static int test_bounded(host_module_t *m)
{
	static const float cutoffs[] = {20.0f, 1000.0f, 10000.0f, 20000.0f};
	static const float cvs[] = {0.0f, 0.0f, 0.0f, 1.0f}; /* 20 kHz + 1 V: up to 0.49 fs */
	const uint32_t total = 48000;
	float *x = host_alloc(total), *cv = host_alloc(total), *y[4];
	for (int o = 0; o < 4; o++)
		y[o] = host_alloc(total);
	int ok = 1;
	for (int loud = 0; loud < 2; loud++) {
		double worst = 0.0;
		for (unsigned c = 0; c < 4; c++) {
			for (int kind = 0; kind < SIG_COUNT; kind++) {
				if (kind == SIG_BAD && !loud)
					continue;
				measure_test_signal(x, total, kind, loud ? 10.0 : 1.0, cutoffs[c],
				                    RATE_HZ);
				for (uint32_t i = 0; i < total; i++)
					cv[i] = cvs[c];
				host_set(m, "cutoff", cutoffs[c]);
				host_set(m, "resonance", 1.0f);
				host_init(m);
				const float *in[CX_PORTS_MAX] = {0};
				in[host_in(m, "in")] = x;
				in[host_in(m, "cutoff")] = cv;
				float *outs[CX_PORTS_MAX] = {y[0], y[1], y[2], y[3]};
				host_render(m, total, BLOCK, in, outs, NULL, 0);
				double peak = 0.0;
				for (int o = 0; o < 4; o++)
					peak = fmax(peak, measure_peak(y[o], total));
				worst = fmax(worst, peak);
				float bound = loud ? LOUD_BOUND : NOMINAL_BOUND;
				if (!(peak <= bound)) {
					printf("FAIL: resonance 1, cutoff %.0f Hz + %.0f V, %s at "
					       "±%d: peak %g "
					       "> %g\n",
					       (double)cutoffs[c], (double)cvs[c],
					       signal_names[kind], loud ? 10 : 1, peak,
					       (double)bound);
					ok = 0;
				}
			}
		}
		printf(
		    "vcf resonance 1, cutoffs 20 Hz .. 0.49 fs, inputs %s: largest |output| %.3f "
		    "(bound %.0f), all finite: %s\n",
		    loud ? "±10 and NaN/inf/1e30" : "within ±1", worst,
		    (double)(loud ? LOUD_BOUND : NOMINAL_BOUND), isfinite(worst) ? "yes" : "no");
	}
	free(x);
	free(cv);
	for (int o = 0; o < 4; o++)
		free(y[o]);
	return ok;
}

/* At resonance 1 the filter is lossless: an impulse must ring on at the cutoff, in tune
 * (within 1 cent) and without decaying (within 1 % over a second). */
static int test_ringing(host_module_t *m)
{
	const uint32_t total = 48000;
	float *x = host_alloc(total), *y = host_alloc(total);
	x[0] = 0.5f;
	host_set(m, "cutoff", 440.0f);
	host_set(m, "resonance", 1.0f);
	host_init(m);
	const float *in[CX_PORTS_MAX] = {0};
	in[host_in(m, "in")] = x;
	float *outs[CX_PORTS_MAX] = {0};
	outs[host_out(m, "lp")] = y;
	host_render(m, total, BLOCK, in, outs, NULL, 0);
	double cents = 1200.0 * log2(measure_freq_hz(y, total, RATE_HZ) / 440.0);
	double first = measure_peak(y, 4800), last = measure_peak(y + total - 4800, 4800);
	double change = last / first - 1.0;
	printf("vcf resonance 1, cutoff 440 Hz, after an impulse: rings at %+.4f cent from the "
	       "cutoff, amplitude %.4f -> %.4f over 1 s (%+.3f %%)\n",
	       cents, first, last, 100.0 * change);
	free(x);
	free(y);
	return fabs(cents) <= 1.0 && fabs(change) <= 0.01;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s vcf.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, BLOCK);
	int ok = test_cutoff(&m);
	ok &= test_ringing(&m);
	ok &= test_bounded(&m);
	host_close(&m);
	printf("%s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
