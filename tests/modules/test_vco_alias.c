/*
 * test_vco_alias — how much the vco's saw and square alias: at or below -75 dB from 0 to 16 kHz.
 *
 * For fundamentals 1234, 2637 and 4987 Hz at 48 kHz, renders 65536 frames (1.4 s, after 1024
 * frames of start) of the saw and of the square (width 0.5 and 0.25), and measures
 * (Blackman-Harris window, measure.c; side lobes at -92 dB) every spectral component from 0 to
 * 16 kHz that is not a harmonic of the fundamental, relative to the fundamental. The strongest
 * must be at or below -75 dB. Components past 16 kHz are not held to the limit: the minBLEP's
 * transition band (flat to 16 kHz, -90 dB from 30 kHz at 48 kHz) lets some aliasing through
 * between 16 kHz and Nyquist, which is printed for the record. The triangle (minBLAMP) is held
 * to the same limit.
 *
 * A naive saw (2 frac(f t) - 1) is measured too, and must fail the limit at every note: else the
 * test would prove nothing.
 * Usage: test_vco_alias vco.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ  48000.0f
#define FFT_N    65536u
#define SKIP     1024u
#define BLOCK    64u
#define BAND_HZ  16000.0
#define LIMIT_DB -75.0

static const double notes_hz[] = {1234.0, 2637.0, 4987.0};
static const struct {
	const char *name;
	float wave, width;
} waves[] = {
    {"saw", 2.0f, 0.5f},
    {"square", 3.0f, 0.5f},
    {"square 0.25", 3.0f, 0.25f},
    {"triangle", 1.0f, 0.5f},
};

/* The strongest non-harmonic component below max_hz, in dB relative to the fundamental. */
static double alias_db(const float *x, double f0, double max_hz, double *at_hz)
{
	static double mag[FFT_N / 2 + 1];
	measure_spectrum(x, FFT_N, mag);
	return measure_alias_db(mag, FFT_N, RATE_HZ, f0, 8.0 * RATE_HZ / FFT_N, max_hz, at_hz);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s vco.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, BLOCK);
	float *out = host_alloc(FFT_N + SKIP), *naive = host_alloc(FFT_N);
	int ok = 1;
	double worst = -400.0;
	for (unsigned n = 0; n < sizeof notes_hz / sizeof notes_hz[0]; n++) {
		double f0 = notes_hz[n], at, at_full;
		for (unsigned w = 0; w < sizeof waves / sizeof waves[0]; w++) {
			host_set(&m, "wave", waves[w].wave);
			host_set(&m, "width", waves[w].width);
			host_set(&m, "freq", (float)f0);
			host_init(&m);
			float *outs[CX_PORTS_MAX] = {0};
			outs[host_out(&m, "out")] = out;
			host_render(&m, FFT_N + SKIP, BLOCK, NULL, outs, NULL, 0);
			char name[64];
			snprintf(name, sizeof name, "vco_%s_%.0f", waves[w].name, f0);
			host_write_wav(name, out, FFT_N + SKIP, RATE_HZ);
			double db = alias_db(out + SKIP, f0, BAND_HZ, &at);
			double full = alias_db(out + SKIP, f0, RATE_HZ / 2, &at_full);
			printf(
			    "%-11s %4.0f Hz: strongest alias 0-16 kHz %6.1f dB (at %5.0f Hz; limit "
			    "%.0f); up to Nyquist %6.1f dB (at %5.0f Hz)\n",
			    waves[w].name, f0, db, at, LIMIT_DB, full, at_full);
			worst = fmax(worst, db);
			if (!(db <= LIMIT_DB)) {
				printf("FAIL: the vco %s at %.0f Hz aliases above %.0f dB below 16 "
				       "kHz\n",
				       waves[w].name, f0, LIMIT_DB);
				ok = 0;
			}
		}
		double phase = 0.0;
		for (uint32_t i = 0; i < FFT_N; i++) {
			naive[i] = (float)(2.0 * phase - 1.0);
			phase += f0 / RATE_HZ;
			phase -= floor(phase);
		}
		double db = alias_db(naive, f0, BAND_HZ, &at);
		printf("naive saw   %4.0f Hz: strongest alias 0-16 kHz %6.1f dB (at %5.0f Hz)\n",
		       f0, db, at);
		if (db <= LIMIT_DB) {
			printf(
			    "FAIL: a naive saw at %.0f Hz meets the limit, so it tests nothing\n",
			    f0);
			ok = 0;
		}
	}
	host_close(&m);
	free(out);
	free(naive);
	if (ok)
		printf("ok: saw, square and triangle alias at most %.1f dB below 16 kHz (limit "
		       "%.0f); a naive saw does not\n",
		       worst, LIMIT_DB);
	return ok ? 0 : 1;
}
