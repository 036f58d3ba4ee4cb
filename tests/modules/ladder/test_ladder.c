/*
 * test_ladder — the ladder's self-oscillation pitch, its slope, and its bounds.
 *
 * 1. Self-oscillation: at resonance 1, drive 0, with no input but an impulse of 1e-3 at the
 *    first frame, the ladder must ring on at its cutoff: for cutoffs 220, 440, 1000 and
 *    2000 Hz at 48 kHz, the frequency over the third second (measure_freq_hz) within
 *    PITCH_CENTS of the cutoff, at an amplitude of at least MIN_RING.
 * 2. Slope, at resonance 0 and drive 0 with a sine of amplitude 0.01 (the input pair is
 *    linear there), cutoff 250 Hz: a four-pole lowpass with its poles at the cutoff, the
 *    ladder at k = 0, has |H| = (1 + (f / fc)^2)^-2: -27.96 dB one octave above the cutoff
 *    and -49.21 dB two octaves above (1 -> 2 octaves: -21.3 dB; the slope reaches
 *    -24 dB/octave only asymptotically: -23.3 dB from two to three octaves). The gains one and
 *    two octaves above must be within SLOPE_DB of those, and the step from two to three
 *    octaves within SLOPE_DB of -24 dB.
 * 3. Bounds: at cutoffs from 20 Hz to the limit (20 kHz plus 1 V of CV), resonance 1 and
 *    drive 1, fed a ±10 square, ±10 noise, a sine at the cutoff and bursts of NaN, infinities
 *    and 1e30, the output must stay finite and within LOUD_BOUND (the module's clamp); with
 *    inputs within ±1, within NOMINAL_BOUND.
 * Usage: test_ladder ladder.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ       48000.0f
#define BLOCK         64u
#define PITCH_CENTS   5.0
#define MIN_RING      0.05
#define SLOPE_DB      1.5
#define NOMINAL_BOUND 3.0
#define LOUD_BOUND    10.0
#define PI            3.14159265358979323846

static int test_pitch(host_module_t *m)
{
	static const double cutoffs_hz[] = {220.0, 440.0, 1000.0, 2000.0};
	const uint32_t total = 3u * (uint32_t)RATE_HZ, window = (uint32_t)RATE_HZ;
	float *x = host_alloc(total), *y = host_alloc(total);
	x[0] = 1e-3f;
	int ok = 1;
	double worst = 0.0;
	for (unsigned c = 0; c < sizeof cutoffs_hz / sizeof cutoffs_hz[0]; c++) {
		host_set(m, "cutoff", (float)cutoffs_hz[c]);
		host_set(m, "resonance", 1.0f);
		host_set(m, "drive", 0.0f);
		host_init(m);
		const float *in[CX_PORTS_MAX] = {0};
		in[host_in(m, "in")] = x;
		float *out[CX_PORTS_MAX] = {y};
		host_render(m, total, BLOCK, in, out, NULL, 0);
		double hz = measure_freq_hz(y + total - window, window, RATE_HZ);
		double amp = measure_peak(y + total - window, window);
		double cents = hz > 0.0 ? 1200.0 * log2(hz / cutoffs_hz[c]) : INFINITY;
		int good = fabs(cents) <= PITCH_CENTS && amp >= MIN_RING;
		printf("ladder self-oscillation at cutoff %6.0f Hz: %10.4f Hz (%+.3f cents), peak "
		       "%.3f: %s\n",
		       cutoffs_hz[c], hz, cents, amp, good ? "ok" : "FAIL");
		worst = fmax(worst, fabs(cents));
		ok &= good;
	}
	printf("ladder worst self-oscillation pitch error %.3f cents (limit %.1f)\n", worst,
	       PITCH_CENTS);
	free(x);
	free(y);
	return ok;
}

/* Gain in dB of a steady sine of amplitude 0.01 at hz. */
static double gain_db(host_module_t *m, double hz)
{
	uint32_t settle = (uint32_t)(RATE_HZ * 0.2), window = (uint32_t)RATE_HZ;
	uint32_t total = settle + window;
	float *x = host_alloc(total), *y = host_alloc(total);
	for (uint32_t i = 0; i < total; i++)
		x[i] = (float)(0.01 * sin(2.0 * PI * hz * i / RATE_HZ));
	host_init(m);
	const float *in[CX_PORTS_MAX] = {0};
	in[host_in(m, "in")] = x;
	float *out[CX_PORTS_MAX] = {y};
	host_render(m, total, BLOCK, in, out, NULL, 0);
	double g = measure_amplitude(y + settle, window, hz, RATE_HZ) /
	           measure_amplitude(x + settle, window, hz, RATE_HZ);
	free(x);
	free(y);
	return 20.0 * log10(g);
}

static double ideal_db(double ratio)
{
	return -40.0 * log10(1.0 + ratio * ratio);
}

static int test_slope(host_module_t *m)
{
	const double fc = 250.0;
	host_set(m, "cutoff", (float)fc);
	host_set(m, "resonance", 0.0f);
	host_set(m, "drive", 0.0f);
	double pass = gain_db(m, fc / 16.0);
	double one = gain_db(m, 2.0 * fc), two = gain_db(m, 4.0 * fc), three = gain_db(m, 8.0 * fc);
	double err_one = one - ideal_db(2.0), err_two = two - ideal_db(4.0);
	double step = three - two;
	int ok =
	    fabs(err_one) <= SLOPE_DB && fabs(err_two) <= SLOPE_DB && fabs(step + 24.0) <= SLOPE_DB;
	printf("ladder slope at cutoff %.0f Hz, resonance 0: passband %+.2f dB; one octave above "
	       "%.2f dB (four-pole %.2f, %+.2f), two octaves %.2f dB (%.2f, %+.2f); "
	       "1->2 octaves %.2f dB, 2->3 octaves %.2f dB/octave (limit -24 +-%.1f): %s\n",
	       fc, pass, one, ideal_db(2.0), err_one, two, ideal_db(4.0), err_two, two - one, step,
	       SLOPE_DB, ok ? "ok" : "FAIL");
	return ok;
}

enum { SIG_BAD = MEASURE_BAD, SIG_COUNT = MEASURE_SIGNALS };

static int test_bounded(host_module_t *m)
{
	static const float cutoffs[] = {20.0f, 1000.0f, 10000.0f, 20000.0f};
	static const float cvs[] = {0.0f, 0.0f, 0.0f, 1.0f};
	const uint32_t total = 48000;
	float *x = host_alloc(total), *cv = host_alloc(total), *y = host_alloc(total);
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
				for (int drive = 0; drive < 2; drive++) {
					host_set(m, "cutoff", cutoffs[c]);
					host_set(m, "resonance", 1.0f);
					host_set(m, "drive", (float)drive);
					host_init(m);
					const float *in[CX_PORTS_MAX] = {0};
					in[host_in(m, "in")] = x;
					in[host_in(m, "cutoff")] = cv;
					float *out[CX_PORTS_MAX] = {y};
					host_render(m, total, BLOCK, in, out, NULL, 0);
					worst = fmax(worst, measure_peak(y, total));
				}
			}
		}
		double bound = loud ? LOUD_BOUND : NOMINAL_BOUND;
		int good = worst <= bound;
		printf("ladder resonance 1, drive 0 and 1, cutoff 20 Hz..limit, %s inputs: largest "
		       "|out| %.4f (bound %.1f): %s\n",
		       loud ? "±10 and NaN/inf/1e30" : "±1", worst, bound, good ? "ok" : "FAIL");
		ok &= good;
	}
	free(x);
	free(cv);
	free(y);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s ladder.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, BLOCK);
	int ok = test_pitch(&m);
	ok &= test_slope(&m);
	ok &= test_bounded(&m);
	host_close(&m);
	printf("%s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
