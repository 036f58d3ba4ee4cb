/*
 * test_vco_alias — how much the band-limited saw aliases, against a naive saw.
 *
 * For fundamentals 1234, 2637 and 4987 Hz at 48 kHz, renders 65536 frames of the vco saw and
 * measures (Blackman-Harris spectrum, measure.c) the strongest component that is not a
 * harmonic of the fundamental, relative to the fundamental, over the whole band up to
 * Nyquist and over the audible band up to 20 kHz.
 *
 * The limits are per note, because aliasing grows with the fundamental for any short-kernel
 * band-limiting: a two-sample PolyBLEP removes most aliasing below ~18 kHz but little of what
 * folds from just above Nyquist to just below it. The limits sit about 3 dB above what the
 * vco measured when they were set, and 7 dB or more below what a naive saw
 * (2 frac(f t) - 1) measures; the test renders the naive saw too and fails if it passes,
 * since then the limits would prove nothing.
 * Usage: test_vco_alias vco.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ    48000.0f
#define FFT_N      65536u
#define SKIP       1024u
#define BLOCK      64u
#define AUDIBLE_HZ 20000.0

/* fundamental, limit over the full band, limit below 20 kHz */
static const double notes[][3] = {
    {1234.0, -32.0, -35.0},
    {2637.0, -26.0, -29.0},
    {4987.0, -20.0, -25.0},
};

typedef struct alias {
	double full_db, full_hz, audible_db, audible_hz;
} alias_t;

static alias_t alias_of(const float *x, double f0_hz)
{
	static double mag[FFT_N / 2 + 1];
	measure_spectrum(x, FFT_N, mag);
	double guard_hz = 8.0 * RATE_HZ / FFT_N;
	alias_t a;
	a.full_db = measure_alias_db(mag, FFT_N, RATE_HZ, f0_hz, guard_hz, RATE_HZ / 2, &a.full_hz);
	a.audible_db =
	    measure_alias_db(mag, FFT_N, RATE_HZ, f0_hz, guard_hz, AUDIBLE_HZ, &a.audible_hz);
	return a;
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
	for (unsigned n = 0; n < sizeof notes / sizeof notes[0]; n++) {
		double f0 = notes[n][0], full_limit = notes[n][1], audible_limit = notes[n][2];
		host_set(&m, "wave", 2.0f); /* saw */
		host_set(&m, "freq", (float)f0);
		host_init(&m);
		float *outs[CX_PORTS_MAX] = {0};
		outs[host_out(&m, "out")] = out;
		host_render(&m, FFT_N + SKIP, BLOCK, NULL, outs, NULL, 0);
		char name[64];
		snprintf(name, sizeof name, "vco_saw_%.0f", f0);
		host_write_wav(name, out, FFT_N + SKIP, RATE_HZ);
		alias_t v = alias_of(out + SKIP, f0);

		double phase = 0.0;
		for (uint32_t i = 0; i < FFT_N; i++) {
			naive[i] = (float)(2.0 * phase - 1.0);
			phase += f0 / RATE_HZ;
			phase -= floor(phase);
		}
		alias_t a = alias_of(naive, f0);
		printf("saw %4.0f Hz: strongest alias %6.1f dB (at %5.0f Hz; limit %5.1f), below "
		       "20 kHz "
		       "%6.1f dB (at %5.0f Hz; limit %5.1f); naive saw %6.1f dB, below 20 kHz "
		       "%6.1f dB\n",
		       f0, v.full_db, v.full_hz, full_limit, v.audible_db, v.audible_hz,
		       audible_limit, a.full_db, a.audible_db);
		if (!(v.full_db < full_limit && v.audible_db < audible_limit)) {
			printf("FAIL: the vco saw at %.0f Hz aliases above its limits\n", f0);
			ok = 0;
		}
		if (a.full_db < full_limit || a.audible_db < audible_limit) {
			printf(
			    "FAIL: a naive saw at %.0f Hz meets the limits, so they test nothing\n",
			    f0);
			ok = 0;
		}
	}
	host_close(&m);
	free(out);
	free(naive);
	if (ok)
		printf("ok: the vco saw is within its alias limits at every note; a naive saw is "
		       "not\n");
	return ok ? 0 : 1;
}
