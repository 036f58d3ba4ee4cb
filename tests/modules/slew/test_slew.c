/*
 * test_slew — slew's glide takes the time its rate in seconds per octave says, within 1 %.
 *
 * A glide's time is counted from the frame the input steps (the output's last frame at the old
 * value is the one before) to the first frame the output sits on the new value (linear) or
 * within one cent of it (exponential):
 *  - linear, rise 0.1 s/oct, 0 -> 2 V: 0.2 s (9600 frames at 48 kHz);
 *  - linear, fall 0.05 s/oct, 2 -> 0 V: 0.1 s; rise 1 s/oct, -1 -> -0.5 V: 0.5 s;
 *  - linear, rise 10 s/oct, -1 -> 1 V: 20 s (the double state keeps a long glide's time);
 *  - exponential, rise 0.1 s/oct, 0 -> 1 V: within a cent in 0.1 s; 0 -> 2 V: in
 *    0.1 ln(2400) / ln(1200) s; fall alike;
 *  - every glide moves one way only (no overshoot) and lands exactly on the input;
 *  - a time of 0 passes the input through bit for bit; the output starts at the input.
 * Prints each measured time and its error, and fails on an error above 1 %.
 * Usage: test_slew slew.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"

#define RATE_HZ 48000.0f
#define BLOCK   64u
#define STEP_AT 1000u

static const char *path;
static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		failures++;
}

/* Glides from v0 to v1 (stepping at STEP_AT) and checks the time against expect_s. */
static void glide(int exp_shape, float rise, float fall, float v0, float v1, double expect_s)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	host_set(&m, "rise", rise);
	host_set(&m, "fall", fall);
	host_set(&m, "shape", exp_shape ? 1.0f : 0.0f);
	host_init(&m);
	uint64_t frames = STEP_AT + (uint64_t)(expect_s * (exp_shape ? 4.0 : 1.2) * RATE_HZ) + 1000;
	float *in = host_alloc(frames), *out = host_alloc(frames);
	for (uint64_t i = 0; i < frames; i++)
		in[i] = i < STEP_AT ? v0 : v1;
	const float *ins[] = {in};
	float *outs[] = {out};
	host_render(&m, frames, BLOCK, ins, outs, NULL, 0);
	double cent = 1.0 / 1200.0;
	uint64_t arrive = frames;
	int monotonic = out[STEP_AT - 1] == v0;
	for (uint64_t i = STEP_AT; i < frames; i++) {
		double d = (double)out[i] - (double)v1;
		if (arrive == frames && (exp_shape ? fabs(d) <= cent : out[i] == v1))
			arrive = i;
		monotonic &= v1 > v0 ? out[i] >= out[i - 1] && out[i] <= v1
		                     : out[i] <= out[i - 1] && out[i] >= v1;
	}
	int lands = out[frames - 1] == v1;
	double t = (double)(arrive - STEP_AT + 1) / RATE_HZ;
	double err = 100.0 * (t - expect_s) / expect_s;
	char what[240];
	snprintf(what, sizeof what,
	         "%s rise %g fall %g s/oct, %g -> %g V: %s in %.5f s, expected %.5f (%+.3f %%, "
	         "limit 1 %%), one way, lands exactly",
	         exp_shape ? "exp   " : "linear", (double)rise, (double)fall, (double)v0,
	         (double)v1, exp_shape ? "within a cent" : "arrives", t, expect_s, err);
	check(fabs(err) <= 1.0 && monotonic && lands, what);
	free(in);
	free(out);
	host_close(&m);
}

static void test_zero_time(void)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	host_set(&m, "rise", 0.0f);
	host_set(&m, "fall", 0.0f);
	host_init(&m);
	enum { N = 4096 };
	float *in = host_alloc(N), *out = host_alloc(N);
	for (int i = 0; i < N; i++)
		in[i] = (float)(3.0 * sin(0.01 * i) + (i % 100 == 0 ? 5.0 : 0.0));
	const float *ins[] = {in};
	float *outs[] = {out};
	host_render(&m, N, BLOCK, ins, outs, NULL, 0);
	int same = 1;
	for (int i = 0; i < N; i++)
		same &= out[i] == in[i];
	check(same, "rise 0, fall 0: the input passes through bit for bit");
	host_close(&m);
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	for (int i = 0; i < N; i++)
		in[i] = 2.5f;
	host_render(&m, N, BLOCK, ins, outs, NULL, 0);
	check(out[0] == 2.5f && out[N - 1] == 2.5f,
	      "a new slew starts at its input (2.5 V), not gliding up from 0 V");
	free(in);
	free(out);
	host_close(&m);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s slew.so\n", argv[0]);
		return 2;
	}
	path = argv[1];
	glide(0, 0.1f, 0.1f, 0.0f, 2.0f, 0.2);
	glide(0, 0.1f, 0.05f, 2.0f, 0.0f, 0.1);
	glide(0, 1.0f, 0.01f, -1.0f, -0.5f, 0.5);
	glide(0, 10.0f, 0.0f, -1.0f, 1.0f, 20.0);
	glide(0, 0.3f, 0.02f, 3.0f, -4.0f, 0.14);
	glide(1, 0.1f, 0.1f, 0.0f, 1.0f, 0.1);
	glide(1, 0.1f, 0.1f, 0.0f, 2.0f, 0.1 * log(2400.0) / log(1200.0));
	glide(1, 5.0f, 0.25f, 1.0f, 0.0f, 0.25);
	test_zero_time();
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
