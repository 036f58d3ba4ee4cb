/*
 * test_wavetable_morph — morph moves without clicks.
 *
 * A click is a step the waves themselves do not make. At 110 Hz, 48 kHz:
 *  1. `morph` jumps by event between 0 (sine) and 1/7 (triangle) at a frame where the two
 *     differ by about 0.2: the largest second difference |y[n] - 2 y[n-1] + y[n-2]| around
 *     the jump stays within 5 % (+1e-4) of the larger of the two waves' own. A morph that
 *     stepped instead of ramping would show a second difference of about 0.2 against the
 *     triangle's 0.02.
 *  2. The `morph` input sweeps 0 to 1 over 2 s: the largest first difference stays within
 *     1 % (+1e-3) of the largest any of the eight waves makes alone at that pitch.
 * Usage: test_wavetable_morph wavetable.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"

#define RATE_HZ 48000.0f
#define FRAMES  96000u
#define BLOCK   64u
#define FREQ_HZ 110.0f
#define WAVES   8
#define JUMP_AT 4418u /* phase 0.125 of a 110 Hz cycle, where sine and triangle differ */

static float *render(host_module_t *m, float morph, const float *morph_in, const host_event_t *ev,
                     uint32_t n_ev, uint32_t frames)
{
	static float out[FRAMES];
	host_set(m, "freq", FREQ_HZ);
	host_set(m, "morph", morph);
	host_init(m);
	const float *in[CX_PORTS_MAX] = {0};
	in[host_in(m, "morph")] = morph_in;
	float *outs[CX_PORTS_MAX] = {0};
	outs[host_out(m, "out")] = out;
	host_render(m, frames, BLOCK, in, outs, ev, n_ev);
	return out;
}

static double max_diff(const float *x, uint32_t begin, uint32_t end, int order)
{
	double worst = 0.0;
	for (uint32_t i = begin + 2; i < end; i++) {
		double d = order == 1 ? (double)x[i] - x[i - 1]
		                      : (double)x[i] - 2.0 * x[i - 1] + (double)x[i - 2];
		worst = fmax(worst, fabs(d));
	}
	return worst;
}

static int test_jump(host_module_t *m, float from, float to)
{
	const uint32_t frames = JUMP_AT + 4800;
	double own = fmax(max_diff(render(m, from, NULL, NULL, 0, frames), 0, frames, 2),
	                  max_diff(render(m, to, NULL, NULL, 0, frames), 0, frames, 2));
	host_event_t ev = {JUMP_AT, host_param(m, "morph"), to};
	double jump =
	    max_diff(render(m, from, NULL, &ev, 1, frames), JUMP_AT - 480, JUMP_AT + 1440, 2);
	double limit = own * 1.05 + 1e-4;
	printf("morph %.3f -> %.3f by event: largest second difference %.5f, the waves' own "
	       "%.5f (limit %.5f)\n",
	       (double)from, (double)to, jump, own, limit);
	return jump <= limit;
}

static int test_sweep(host_module_t *m)
{
	static float sweep[FRAMES];
	double own = 0.0;
	for (int w = 0; w < WAVES; w++)
		own = fmax(own, max_diff(render(m, (float)w / (WAVES - 1), NULL, NULL, 0, 9600), 0,
		                         9600, 1));
	for (uint32_t i = 0; i < FRAMES; i++)
		sweep[i] = (float)i / (FRAMES - 1);
	double swept = max_diff(render(m, 0.0f, sweep, NULL, 0, FRAMES), 0, FRAMES, 1);
	double limit = own * 1.01 + 1e-3;
	printf("morph input swept 0 -> 1 in 2 s: largest step %.5f, the waves' own %.5f (limit "
	       "%.5f)\n",
	       swept, own, limit);
	return swept <= limit;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s wavetable.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, BLOCK);
	int ok = test_jump(&m, 0.0f, 1.0f / 7.0f);
	ok &= test_jump(&m, 1.0f / 7.0f, 0.0f);
	ok &= test_sweep(&m);
	host_close(&m);
	printf("%s\n", ok ? "ok: morph moves without clicks" : "FAIL: morph clicks");
	return ok ? 0 : 1;
}
