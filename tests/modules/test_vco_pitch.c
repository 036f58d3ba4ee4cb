/*
 * test_vco_pitch — vco pitch within ±0.1 cent from 27.5 Hz to 4186 Hz, every wave.
 *
 * Each note is set twice: by the `freq` parameter, and by 1 V/oct CV on `pitch` with `freq`
 * at its default (C4), which exercises the fast exp2. The frequency is measured from 2 s of
 * output at 48 kHz by interpolated upward zero crossings fitted by least squares
 * (measure.c). Prints the worst error per wave; fails above 0.1 cent.
 * Usage: test_vco_pitch vco.so
 */
#include <math.h>
#include <stdio.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ     48000.0f
#define FRAMES      96000u
#define BLOCK       64u
#define LIMIT_CENTS 0.1

static const double notes_hz[] = {27.5, 55, 110, 220, 440, 880, 1760, 3520, 4186.009};
static const char *const waves[] = {"sine", "triangle", "saw", "square"};

/* Renders one note and returns its error in cents. by_cv: set it on the pitch input. */
static double pitch_error_cents(host_module_t *m, float wave, double hz, int by_cv, float *out)
{
	static float pitch[FRAMES];
	float volts = by_cv ? (float)log2(hz / 261.6256) : 0.0f;
	for (uint32_t i = 0; i < FRAMES; i++)
		pitch[i] = volts;
	m->params[host_param(m, "freq")] = 261.6256f;
	host_set(m, "wave", wave);
	if (!by_cv)
		host_set(m, "freq", (float)hz);
	host_init(m);
	const float *in[CX_PORTS_MAX] = {0};
	in[host_in(m, "pitch")] = pitch;
	float *outs[CX_PORTS_MAX] = {0};
	outs[host_out(m, "out")] = out;
	host_render(m, FRAMES, BLOCK, in, outs, NULL, 0);
	double measured = measure_freq_hz(out, FRAMES, RATE_HZ);
	return 1200.0 * log2(measured / hz);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s vco.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, BLOCK);
	static float out[FRAMES];
	double worst_all = 0.0;
	for (unsigned w = 0; w < 4; w++) {
		double worst = 0.0, worst_hz = 0.0;
		for (unsigned n = 0; n < sizeof notes_hz / sizeof notes_hz[0]; n++) {
			for (int by_cv = 0; by_cv < 2; by_cv++) {
				double cents =
				    pitch_error_cents(&m, (float)w, notes_hz[n], by_cv, out);
				if (!(fabs(cents) <= fabs(worst))) {
					worst = cents;
					worst_hz = notes_hz[n];
				}
			}
		}
		printf("vco %-8s worst pitch error %+.5f cent (at %.1f Hz), 27.5..4186 Hz, by freq "
		       "and by 1 V/oct CV\n",
		       waves[w], worst, worst_hz);
		worst_all = fabs(worst) > worst_all || isnan(worst) ? fabs(worst) : worst_all;
	}
	host_close(&m);
	if (!(worst_all <= LIMIT_CENTS)) {
		printf("FAIL: worst pitch error %.5f cent exceeds %.1f cent\n", worst_all,
		       LIMIT_CENTS);
		return 1;
	}
	printf("ok: worst pitch error %.5f cent <= %.1f cent\n", worst_all, LIMIT_CENTS);
	return 0;
}
