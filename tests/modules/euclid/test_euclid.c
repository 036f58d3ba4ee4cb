/*
 * test_euclid — euclid plays Toussaint's Euclidean rhythms on exact frames of the grid.
 *
 * At 120 BPM, 48 kHz and div 4 a step is exactly 6000 frames. Checked, each as an equality:
 *  - the 26 patterns E(k, n) listed in G. T. Toussaint, "The Euclidean Algorithm Generates
 *    Traditional Musical Rhythms" (2005), from E(1,2) to E(13,24): gate rises on frame
 *    k 6000 for every hit of step k over 64 steps, and nowhere else; blocks of 64 and of 1
 *    frame identical;
 *  - hits above steps clamps (every step a hit), hits 0 is silent;
 *  - rotate r plays E(3,8) r steps later (r = 1, 3, 7, and 9 = 1 with 8 steps), and E(5,16)
 *    rotated by 2;
 *  - adjacent hits (E(7,8)) at length 1: a rising edge on each, after exactly one low frame;
 *  - play at frame 37 of a block; a rising reset restarts the pattern on its own frame;
 *  - parameters thrown about while playing: outputs 0 or 1, blocks of 64 and 1 agree.
 * Usage: test_euclid euclid.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define RATE_HZ     48000.0f
#define STEP_FRAMES 6000u
#define STEPS       64u
#define FRAMES      ((uint64_t)STEPS * STEP_FRAMES)
#define EDGES_MAX   256u

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		failures++;
}

static const struct {
	unsigned hits, steps;
	const char *pattern;
} known[] = {
    {1, 2, "x."},
    {1, 3, "x.."},
    {1, 4, "x..."},
    {4, 12, "x..x..x..x.."},
    {2, 3, "x.x"},
    {2, 5, "x.x.."},
    {3, 4, "x.xx"},
    {3, 5, "x.x.x"},
    {3, 7, "x.x.x.."},
    {3, 8, "x..x..x."},
    {4, 7, "x.x.x.x"},
    {4, 9, "x.x.x.x.."},
    {4, 11, "x..x..x..x."},
    {5, 6, "x.xxxx"},
    {5, 7, "x.xx.xx"},
    {5, 8, "x.xx.xx."},
    {5, 9, "x.x.x.x.x"},
    {5, 11, "x.x.x.x.x.."},
    {5, 12, "x..x.x..x.x."},
    {5, 16, "x..x..x..x..x..."},
    {7, 8, "x.xxxxxx"},
    {7, 12, "x.xx.x.xx.x."},
    {7, 16, "x..x.x.x..x.x.x."},
    {9, 16, "x.xx.x.x.xx.x.x."},
    {11, 24, "x..x.x.x.x.x..x.x.x.x.x."},
    {13, 24, "x.xx.x.x.x.x.xx.x.x.x.x."},
};

static uint32_t edges(const float *x, uint64_t n, uint64_t *at)
{
	uint32_t count = 0;
	int high = 0;
	for (uint64_t i = 0; i < n; i++) {
		int h = x[i] > 0.5f;
		if (h && !high && count < EDGES_MAX)
			at[count++] = i;
		high = h;
	}
	return count;
}

/* Renders gate (and trig) with the parameters given, playing from `start` frames in. */
static void render(const char *path, unsigned steps, unsigned hits, unsigned rotate, float length,
                   uint32_t block, uint32_t start, const float *reset, float *gate, float *trig)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, 64);
	host_set(&m, "steps", (float)steps);
	host_set(&m, "hits", (float)hits);
	host_set(&m, "rotate", (float)rotate);
	host_set(&m, "length", length);
	host_init(&m);
	const float *in[CX_PORTS_MAX] = {0};
	in[host_in(&m, "reset")] = reset;
	float *out[CX_PORTS_MAX] = {0};
	out[host_out(&m, "gate")] = gate;
	out[host_out(&m, "trig")] = trig;
	host_set_transport(&m, 120.0, -(double)start * 120.0 / 60.0 / (double)RATE_HZ, 1);
	host_render(&m, FRAMES + start, block, in, out, NULL, 0);
	host_close(&m);
}

/* Checks the gate's rising edges against a pattern string repeated from `start`. */
static int pattern_plays(const char *path, unsigned steps, unsigned hits, unsigned rotate,
                         const char *pattern, uint32_t start, int both_blocks)
{
	float *gate = host_alloc(FRAMES + start), *gate1 = host_alloc(FRAMES + start);
	render(path, steps, hits, rotate, 0.5f, 64, start, NULL, gate, NULL);
	uint64_t found[EDGES_MAX], want[EDGES_MAX];
	uint32_t nf = edges(gate, FRAMES + start, found), nw = 0;
	size_t len = strlen(pattern);
	for (uint32_t k = 0; k < STEPS; k++)
		if (pattern[k % len] == 'x')
			want[nw++] = start + (uint64_t)k * STEP_FRAMES;
	int ok = nf == nw;
	for (uint32_t i = 0; ok && i < nf; i++)
		ok = found[i] == want[i];
	int same = 1;
	if (both_blocks) {
		render(path, steps, hits, rotate, 0.5f, 1, start, NULL, gate1, NULL);
		same = memcmp(gate, gate1, (FRAMES + start) * sizeof(float)) == 0;
	}
	char heard[40] = {0};
	for (uint32_t k = 0; k < len && k < sizeof heard - 1; k++)
		heard[k] = gate[start + k * STEP_FRAMES] > 0.5f ? 'x' : '.';
	printf("     E(%u,%u) rotate %u: heard %s, expected %s, %u edges over 64 steps%s%s\n", hits,
	       steps, rotate, heard, pattern, nf, ok ? "" : ": WRONG FRAMES",
	       same ? "" : ", blocks of 64 and 1 differ");
	free(gate);
	free(gate1);
	return ok && same;
}

static void test_known(const char *path)
{
	int ok = 1;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		ok &= pattern_plays(path, known[i].steps, known[i].hits, 0, known[i].pattern, 0,
		                    i % 4 == 0);
	check(ok, "Toussaint's 26 Euclidean rhythms, each hit on its step's exact frame");
}

static void test_clamp_rotate(const char *path)
{
	int ok = pattern_plays(path, 8, 12, 0, "xxxxxxxx", 0, 0);
	ok &= pattern_plays(path, 8, 0, 0, "........", 0, 0);
	ok &= pattern_plays(path, 32, 32, 0, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0, 0);
	check(ok, "hits above steps clamp to steps; hits 0 is silent");
	ok = pattern_plays(path, 8, 3, 1, ".x..x..x", 0, 0);
	ok &= pattern_plays(path, 8, 3, 3, ".x.x..x.", 0, 0);
	ok &= pattern_plays(path, 8, 3, 7, "..x..x.x", 0, 0);
	ok &= pattern_plays(path, 8, 3, 9, ".x..x..x", 0, 0);
	ok &= pattern_plays(path, 16, 5, 2, "..x..x..x..x..x.", 0, 0);
	check(ok, "rotate r plays the pattern r steps later (modulo steps)");
}

static void test_adjacent(const char *path)
{
	float *gate = host_alloc(FRAMES), *trig = host_alloc(FRAMES);
	render(path, 8, 7, 0, 1.0f, 64, 0, NULL, gate, trig);
	uint64_t found[EDGES_MAX];
	uint32_t n = edges(gate, FRAMES, found), want = STEPS / 8u * 7u;
	int ok = n == want;
	for (uint32_t k = 1; k < STEPS; k++) {
		if (k % 8 == 1) /* the rest: low all through */
			continue;
		ok &= gate[k * STEP_FRAMES - 1] == 0.0f && gate[k * STEP_FRAMES] == 1.0f;
		if (k % 8 != 2)
			ok &= gate[k * STEP_FRAMES - 2] == 1.0f;
	}
	uint32_t nt = edges(trig, FRAMES, found);
	printf("     E(7,8) at length 1: %u gate edges (expected %u), %u trigs\n", n, want, nt);
	check(ok && nt == want,
	      "adjacent hits at length 1: each rises after exactly one low frame");
	free(gate);
	free(trig);
}

static void test_play_reset(const char *path)
{
	int ok = pattern_plays(path, 8, 5, 0, "x.xx.xx.", 37, 1);
	check(ok, "play at frame 37 of a block: E(5,8) from there, blocks of 64 and 1 identical");
	float *reset = host_alloc(FRAMES), *gate = host_alloc(FRAMES), *gate1 = host_alloc(FRAMES);
	for (uint64_t i = 52000; i < 52100; i++)
		reset[i] = 1.0f;
	render(path, 8, 3, 0, 0.5f, 64, 0, reset, gate, NULL);
	render(path, 8, 3, 0, 0.5f, 1, 0, reset, gate1, NULL);
	/* E(3,8) = x..x..x.: hits at steps 0, 3, 6 (0, 18000, 36000) and 8 (48000, its gate
	 * low from 51000); reset at 52000, in grid step 8: the first step there, then steps 3
	 * and 6 of the pattern at grid steps 8 + 3 and 8 + 6 (66000, 84000), and so on from grid
	 * step 16 (96000). */
	const uint64_t want[] = {0,     18000, 36000, 48000,  52000,
	                         66000, 84000, 96000, 114000, 132000};
	uint64_t found[EDGES_MAX];
	uint32_t n = edges(gate, 140000, found);
	ok = n == 10;
	for (uint32_t i = 0; ok && i < n; i++)
		ok = found[i] == want[i];
	printf("     reset at 52000: %u edges:", n);
	for (uint32_t i = 0; i < n && i < 10; i++)
		printf(" %llu", (unsigned long long)found[i]);
	printf("\n");
	check(ok && memcmp(gate, gate1, FRAMES * sizeof(float)) == 0,
	      "reset restarts the pattern on its frame; blocks of 64 and 1 identical");
	free(reset);
	free(gate);
	free(gate1);
}

static unsigned rng_state = 5;

static double rng_uniform(void) /* [0, 1) */
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (double)(rng_state >> 8) / 16777216.0;
}

static void test_stress(const char *path)
{
	static const double bpms[] = {999.0, 20.0, 137.0};
	static const float rates_hz[] = {44100.0f, 48000.0f, 96000.0f};
	const uint64_t frames = 96000;
	int ok = 1;
	for (int c = 0; c < 6; c++) {
		host_module_t a, b;
		host_open_or_die(&a, path, rates_hz[c / 2], 64);
		host_open_or_die(&b, path, rates_hz[c / 2], 64);
		host_event_t ev[1024];
		uint32_t n = 0;
		for (uint64_t f = 0; f < frames && n < 1024;
		     f += 97 + (uint64_t)(rng_uniform() * 400.0)) {
			uint32_t p = (uint32_t)(rng_uniform() * a.desc->param_count);
			const cx_param_info_t *info = &a.desc->params[p];
			ev[n++] = (host_event_t){
			    f, p, (float)(info->min + rng_uniform() * (info->max - info->min))};
		}
		float *reset = host_alloc(frames);
		for (uint64_t i = 0; c % 2 && i < frames; i++)
			reset[i] = (i / 301) % 3 == 0 && rng_uniform() < 0.9 ? 1.0f : 0.0f;
		float *x[2][2];
		host_module_t *ms[2] = {&a, &b};
		for (int k = 0; k < 2; k++) {
			x[k][0] = host_alloc(frames);
			x[k][1] = host_alloc(frames);
			host_set_transport(ms[k], bpms[c / 2],
			                   -5.0 * bpms[c / 2] / 60.0 / (double)rates_hz[c / 2], 1);
			const float *in[CX_PORTS_MAX] = {reset};
			float *out[CX_PORTS_MAX] = {x[k][0], x[k][1]};
			host_render(ms[k], frames, k == 0 ? 64 : 1, in, out, ev, n);
		}
		int same = memcmp(x[0][0], x[1][0], frames * sizeof(float)) == 0 &&
		           memcmp(x[0][1], x[1][1], frames * sizeof(float)) == 0;
		int range = 1, gaps = 1;
		uint32_t trigs = 0;
		for (uint64_t i = 0; i < frames; i++) {
			range &= (x[0][0][i] == 0.0f || x[0][0][i] == 1.0f) &&
			         (x[0][1][i] == 0.0f || x[0][1][i] == 1.0f);
			if (i > 0 && x[0][1][i] > 0.5f && x[0][1][i - 1] < 0.5f) {
				trigs++;
				gaps &= c % 2 || (x[0][0][i] > 0.5f && x[0][0][i - 1] < 0.5f);
			}
		}
		printf("     %g BPM, %g Hz, reset %s: %u events, %u hits%s%s%s\n", bpms[c / 2],
		       (double)rates_hz[c / 2], c % 2 ? "noise" : "low", n, trigs,
		       same ? "" : ", blocks 64 != 1", range ? "" : ", out of range",
		       gaps ? "" : ", a hit without a low frame");
		ok &= same && range && gaps && trigs > 0;
		for (int k = 0; k < 2; k++) {
			free(x[k][0]);
			free(x[k][1]);
		}
		free(reset);
		host_close(&a);
		host_close(&b);
	}
	check(ok, "parameters thrown about while playing: outputs 0 or 1, blocks 64 == 1, gaps");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s euclid.so\n", argv[0]);
		return 2;
	}
	test_known(argv[1]);
	test_clamp_rotate(argv[1]);
	test_adjacent(argv[1]);
	test_play_reset(argv[1]);
	test_stress(argv[1]);
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
