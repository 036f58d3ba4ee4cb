/*
 * test_fm — the two-operator FM voice: a pure, in-tune sine at index 0, Bessel sidebands at
 * index I, finite and bounded at every extreme.
 *
 *  1. Index 0: notes 27.5 Hz to 4186 Hz, set by `freq` and by 1 V/oct on `pitch`; the
 *     frequency (interpolated zero crossings over 2 s, measure.c) is within ±0.1 cent, and
 *     every harmonic 2..10 is below -100 dB (a pure sine).
 *  2. Sidebands, no feedback: carrier 8000 Hz, ratio 1/8 (modulator 1000 Hz), index 1, 2 and
 *     3.5: the partials at 8000 + k 1000 Hz, k = -5..5, have amplitudes |J_k(I)| (libm jn),
 *     within 0.5 dB wherever |J_k(I)| > 0.01. The partials stay clear of 0 Hz and Nyquist, so
 *     nothing folds onto them.
 *  3. Every combination of freq, ratio, index and feedback at their extremes, with the pitch
 *     and index inputs at -10, +10 and NaN: the output is finite and |out| <= 1.
 * Usage: test_fm fm.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ      48000.0f
#define FRAMES       96000u
#define BLOCK        64u
#define CENTS_LIMIT  0.1
#define PURITY_DB    -100.0
#define SIDEBAND_DB  0.5
#define SIDEBAND_MIN 0.01

static float *render(host_module_t *m, const float *pitch, const float *index_v, uint64_t n)
{
	static float out[FRAMES];
	host_init(m);
	const float *in[CX_PORTS_MAX] = {0};
	in[host_in(m, "pitch")] = pitch;
	in[host_in(m, "index")] = index_v;
	float *outs[CX_PORTS_MAX] = {0};
	outs[host_out(m, "out")] = out;
	host_render(m, n, BLOCK, in, outs, NULL, 0);
	return out;
}

/* The strongest of the harmonics 2..10 of f0 below Nyquist, in dB relative to f0 (Hann
 * lock-in amplitudes, measure.c: its leakage from f0 at these distances is below -120 dB). */
static double distortion_db(const float *x, double f0)
{
	double fundamental = measure_amplitude(x, FRAMES, f0, RATE_HZ), worst = 0.0;
	for (int h = 2; h <= 10 && h * f0 < RATE_HZ / 2; h++)
		worst = fmax(worst, measure_amplitude(x, FRAMES, h * f0, RATE_HZ));
	return 20.0 * log10((worst + 1e-30) / fundamental);
}

static int test_sine(host_module_t *m)
{
	static const double notes_hz[] = {27.5, 55, 110, 220, 440, 880, 1760, 3520, 4186.009};
	static float pitch[FRAMES], zero[FRAMES];
	double worst_cents = 0.0, worst_hz = 0.0, worst_db = -400.0;
	host_set(m, "index", 0.0f);
	for (unsigned n = 0; n < sizeof notes_hz / sizeof notes_hz[0]; n++) {
		for (int by_cv = 0; by_cv < 2; by_cv++) {
			double hz = notes_hz[n];
			float volts = by_cv ? (float)log2(hz / 261.6256) : 0.0f;
			for (uint32_t i = 0; i < FRAMES; i++)
				pitch[i] = volts;
			host_set(m, "freq", by_cv ? 261.6256f : (float)hz);
			const float *x = render(m, pitch, zero, FRAMES);
			double cents = 1200.0 * log2(measure_freq_hz(x, FRAMES, RATE_HZ) / hz);
			double db = distortion_db(x, hz);
			if (!(fabs(cents) <= fabs(worst_cents))) {
				worst_cents = cents;
				worst_hz = hz;
			}
			worst_db = isnan(db) || db > worst_db ? db : worst_db;
		}
	}
	printf("index 0: worst pitch error %+.5f cent (at %.1f Hz; limit ±%.1f), strongest "
	       "harmonic %.1f dB (limit %.0f), 27.5..4186 Hz by freq and by CV\n",
	       worst_cents, worst_hz, CENTS_LIMIT, worst_db, PURITY_DB);
	return fabs(worst_cents) <= CENTS_LIMIT && worst_db < PURITY_DB;
}

static int test_sidebands(host_module_t *m)
{
	static const double indexes[] = {1.0, 2.0, 3.5};
	static float zero[FRAMES];
	const double fc = 8000.0, fmod = 1000.0;
	double worst = 0.0;
	int worst_k = 0;
	double worst_i = 0.0;
	host_set(m, "freq", (float)fc);
	host_set(m, "ratio", (float)(fmod / fc));
	host_set(m, "feedback", 0.0f);
	for (unsigned t = 0; t < sizeof indexes / sizeof indexes[0]; t++) {
		double I = indexes[t];
		host_set(m, "index", (float)I);
		const float *x = render(m, zero, zero, FRAMES);
		printf("index %.1f:", I);
		for (int k = -5; k <= 5; k++) {
			double expect = fabs(jn(abs(k), I));
			double got = measure_amplitude(x, FRAMES, fc + k * fmod, RATE_HZ);
			if (expect <= SIDEBAND_MIN)
				continue;
			double db = 20.0 * log10(got / expect);
			printf(" J%+d %+.3f dB", k, db);
			if (!(fabs(db) <= fabs(worst))) {
				worst = db;
				worst_k = k;
				worst_i = I;
			}
		}
		printf("\n");
	}
	printf("sidebands: worst |J_k(I)| error %+.4f dB (k %+d, index %.1f; limit ±%.1f)\n", worst,
	       worst_k, worst_i, SIDEBAND_DB);
	return fabs(worst) <= SIDEBAND_DB;
}

static int test_extremes(host_module_t *m)
{
	static const float freq[] = {0.1f, 20000.0f}, ratio[] = {0.125f, 16.0f};
	static const float index[] = {0.0f, 20.0f}, feedback[] = {0.0f, 1.0f};
	static const float inputs[] = {-10.0f, 10.0f, NAN};
	static float pitch[4800], index_v[4800];
	double peak = 0.0;
	unsigned cases = 0;
	for (unsigned c = 0; c < 16 * 9; c++) {
		host_set(m, "freq", freq[c & 1]);
		host_set(m, "ratio", ratio[(c >> 1) & 1]);
		host_set(m, "index", index[(c >> 2) & 1]);
		host_set(m, "feedback", feedback[(c >> 3) & 1]);
		host_set(m, "level", 1.0f);
		for (uint32_t i = 0; i < 4800; i++) {
			pitch[i] = inputs[(c / 16) % 3];
			index_v[i] = inputs[(c / 48) % 3];
		}
		double p = measure_peak(render(m, pitch, index_v, 4800), 4800);
		peak = isnan(p) || p > peak ? p : peak;
		cases++;
	}
	printf("extremes: %u cases, largest |out| %.6f (limit 1)\n", cases, peak);
	return peak <= 1.0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s fm.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, BLOCK);
	int ok_sine = test_sine(&m);
	int ok_sidebands = test_sidebands(&m);
	int ok_extremes = test_extremes(&m);
	host_close(&m);
	if (!ok_sine)
		printf("FAIL: at index 0 the fm voice is not a pure sine in tune\n");
	if (!ok_sidebands)
		printf("FAIL: the sidebands do not follow the Bessel functions\n");
	if (!ok_extremes)
		printf("FAIL: the output is not finite and within ±1 at the extremes\n");
	int ok = ok_sine && ok_sidebands && ok_extremes;
	if (ok)
		printf("ok: pure and in tune at index 0, Bessel sidebands, bounded at extremes\n");
	return ok ? 0 : 1;
}
