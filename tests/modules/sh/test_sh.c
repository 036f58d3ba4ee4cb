/*
 * test_sh — sh holds exactly the input's value at each rising trigger's frame.
 *
 *  - a 3 Hz sine plus a ramp (a different value every frame) sampled by 300 triggers at
 *    irregular frames (first and last frames of blocks, one-frame pulses one frame apart,
 *    long gates): from each edge's frame to the frame before the next, out equals in at the
 *    edge bit for bit; before the first edge it is 0; in blocks of 64 and of 1 frame alike;
 *  - a trigger held high samples once; NaN samples as 0 and 100 as 10;
 *  - unpatched (the port's default): each edge draws seeded white noise: 20000 draws are
 *    within [-1, 1), mean within 0.02 of 0, variance within 0.01 of 1/3 (uniform), lag-1
 *    correlation below 0.03; the same seed draws the same values, another seed others.
 * Usage: test_sh sh.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"

#define RATE_HZ 48000.0f
#define BLOCK   64u
#define FRAMES  96000u
#define EDGES   300u
#define DRAWS   20000u

static const char *path;
static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		failures++;
}

static void test_exact(uint32_t block)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	float *in = host_alloc(FRAMES), *trig = host_alloc(FRAMES), *out = host_alloc(FRAMES);
	uint32_t edge[EDGES];
	for (uint32_t i = 0; i < FRAMES; i++)
		in[i] = (float)(4.0 * sin(2.0 * M_PI * 3.0 * i / RATE_HZ) + (double)i / FRAMES);
	/* edges: irregular spacing, some on block boundaries, some one-frame pulses */
	uint32_t f = 5;
	for (uint32_t k = 0; k < EDGES; k++) {
		edge[k] = f;
		uint32_t width = k % 5 == 0 ? 1 : k % 5 == 1 ? 200 : 7;
		for (uint32_t i = f; i < f + width && i < FRAMES; i++)
			trig[i] = 1.0f;
		uint32_t gap = k % 7 == 0 ? 2 : k % 3 == 0 ? 64 - f % 64 : 37 + 13 * (k % 11);
		f += width + gap - (k % 7 == 0 ? 1 : 0);
		if (k % 4 == 3)
			f += 63 - f % 64; /* the last frame of a block */
	}
	const float *ins[] = {in, trig};
	float *outs[] = {out};
	host_render(&m, FRAMES, block, ins, outs, NULL, 0);
	uint32_t bad = 0, k = 0;
	for (uint32_t i = 0; i < FRAMES; i++) {
		while (k < EDGES && edge[k] <= i)
			k++;
		float expect = k == 0 ? 0.0f : in[edge[k - 1]];
		if (out[i] != expect) {
			if (bad < 3)
				printf("  frame %u: out %.9g, expected %.9g\n", i, (double)out[i],
				       (double)expect);
			bad++;
		}
	}
	char what[200];
	snprintf(what, sizeof what,
	         "blocks of %u: %u edges (last at frame %u), out = in at each edge's frame, held "
	         "to the next (%u frames differ)",
	         block, EDGES, edge[EDGES - 1], bad);
	check(bad == 0 && edge[EDGES - 1] < FRAMES, what);
	free(in);
	free(trig);
	free(out);
	host_close(&m);
}

static void test_odd(void)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	float in[12] = {1, 2, 3, 4, NAN, NAN, 100.0f, 7, 8, 9, 10, 11};
	float trig[12] = {0, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0};
	float out[12];
	const float *ins[] = {in, trig};
	float *outs[] = {out};
	host_render(&m, 12, 12, ins, outs, NULL, 0);
	int ok = out[0] == 0.0f && out[1] == 2.0f && out[4] == 2.0f && out[6] == 10.0f &&
	         out[11] == 10.0f;
	host_init(&m);
	trig[1] = 0.0f;
	trig[4] = 1.0f;
	trig[3] = 0.0f;
	host_render(&m, 12, 12, ins, outs, NULL, 0);
	ok &= out[2] == 3.0f && out[4] == 0.0f && out[5] == 0.0f;
	check(ok, "a trigger held high samples once; NaN samples as 0, 100 as 10");
	host_close(&m);
}

/* Draws DRAWS noise values with the input unpatched (a trigger every 4 frames). */
static void draw(float seed, float *values)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	host_set(&m, "seed", seed);
	host_init(&m);
	uint32_t frames = 4 * DRAWS;
	float *trig = host_alloc(frames), *out = host_alloc(frames);
	for (uint32_t i = 0; i < frames; i += 4)
		trig[i] = 1.0f;
	const float *ins[] = {NULL, trig};
	float *outs[] = {out};
	host_render(&m, frames, BLOCK, ins, outs, NULL, 0);
	for (uint32_t k = 0; k < DRAWS; k++)
		values[k] = out[4 * k + 3];
	free(trig);
	free(out);
	host_close(&m);
}

static void test_noise(void)
{
	float *a = host_alloc(DRAWS), *b = host_alloc(DRAWS), *c = host_alloc(DRAWS);
	draw(1.0f, a);
	draw(1.0f, b);
	draw(2.0f, c);
	double sum = 0.0, sum2 = 0.0, lag = 0.0;
	int within = 1, same = 1;
	uint32_t differ = 0;
	for (uint32_t k = 0; k < DRAWS; k++) {
		within &= a[k] >= -1.0f && a[k] < 1.0f;
		same &= a[k] == b[k];
		differ += a[k] != c[k];
		sum += a[k];
		sum2 += (double)a[k] * a[k];
		if (k > 0)
			lag += (double)a[k] * a[k - 1];
	}
	double mean = sum / DRAWS, var = sum2 / DRAWS - mean * mean;
	double corr = (lag / (DRAWS - 1) - mean * mean) / var;
	char what[240];
	snprintf(what, sizeof what,
	         "unpatched: %u draws in [-1, 1), mean %+.4f (limit 0.02), variance %.4f "
	         "(1/3 within 0.01), lag-1 correlation %+.4f (limit 0.03)",
	         DRAWS, mean, var, corr);
	check(within && fabs(mean) < 0.02 && fabs(var - 1.0 / 3.0) < 0.01 && fabs(corr) < 0.03,
	      what);
	snprintf(what, sizeof what, "seed 1 twice: the same values; seed 2: %u of %u values differ",
	         differ, DRAWS);
	check(same && differ > DRAWS - 10, what);
	free(a);
	free(b);
	free(c);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s sh.so\n", argv[0]);
		return 2;
	}
	path = argv[1];
	test_exact(BLOCK);
	test_exact(1);
	test_odd();
	test_noise();
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
