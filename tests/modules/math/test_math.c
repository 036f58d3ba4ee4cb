/*
 * test_math — math computes each mode exactly, then scales, offsets and clamps.
 *
 *  - every mode (sum, diff, mul, min, max, invert, abs) on a grid of 41 x 41 input pairs from
 *    -10 to 10 V, including fractions: at scale 1 and offset 0 the output equals the float
 *    expression bit for bit; at scale -2.5 and offset 0.75 it equals scale f + offset
 *    computed in float, clamped to ±10;
 *  - NaN reads as 0, inputs beyond ±10 as ±10, the output stays within ±10;
 *  - a step of `scale` ramps: the output moves to its new value over 480 frames (10 ms at
 *    48 kHz) in equal steps, and lands on it exactly.
 * Prints the number of mismatches for each mode and fails on any.
 * Usage: test_math math.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ 48000.0f
#define BLOCK   64u
#define GRID    41u
#define PAIRS   (GRID * GRID)

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		failures++;
}

static const char *const mode_names[] = {"sum", "diff", "mul", "min", "max", "invert", "abs"};

static float expect_f(int mode, float a, float b)
{
	switch (mode) {
	case 0:
		return a + b;
	case 1:
		return a - b;
	case 2:
		return a * b;
	case 3:
		return a < b ? a : b;
	case 4:
		return a > b ? a : b;
	case 5:
		return -a;
	default:
		return fabsf(a);
	}
}

static float clamp10(float x)
{
	return x > 10.0f ? 10.0f : x < -10.0f ? -10.0f : x;
}

/* Renders every grid pair through math at the mode, scale and offset given. Returns mismatches. */
static unsigned run_mode(const char *path, int mode, float scale, float offset)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	host_set(&m, "mode", (float)mode);
	host_set(&m, "scale", scale);
	host_set(&m, "offset", offset);
	host_init(&m);
	float *a = host_alloc(PAIRS), *b = host_alloc(PAIRS), *y = host_alloc(PAIRS);
	for (uint32_t i = 0; i < GRID; i++)
		for (uint32_t j = 0; j < GRID; j++) {
			/* -10 .. 10 in steps of 0.5, then a few awkward fractions */
			a[i * GRID + j] = -10.0f + 0.5f * (float)i + (i % 3 == 1 ? 0.1f : 0.0f);
			b[i * GRID + j] = -10.0f + 0.5f * (float)j - (j % 4 == 1 ? 0.3f : 0.0f);
		}
	const float *in[] = {a, b};
	float *out[] = {y};
	host_render(&m, PAIRS, BLOCK, in, out, NULL, 0);
	unsigned bad = 0;
	for (uint32_t i = 0; i < PAIRS; i++) {
		float e = clamp10(scale * expect_f(mode, clamp10(a[i]), clamp10(b[i])) + offset);
		if (y[i] != e) {
			if (bad < 3)
				printf("  %s a %g b %g: got %.9g, expected %.9g\n",
				       mode_names[mode], (double)a[i], (double)b[i], (double)y[i],
				       (double)e);
			bad++;
		}
	}
	free(a);
	free(b);
	free(y);
	host_close(&m);
	return bad;
}

static void test_modes(const char *path)
{
	char what[160];
	for (int mode = 0; mode < 7; mode++) {
		unsigned bad = run_mode(path, mode, 1.0f, 0.0f);
		snprintf(what, sizeof what,
		         "%-6s exact on %u pairs at scale 1, offset 0 (%u differ)",
		         mode_names[mode], PAIRS, bad);
		check(bad == 0, what);
		bad = run_mode(path, mode, -2.5f, 0.75f);
		snprintf(what, sizeof what,
		         "%-6s exact on %u pairs at scale -2.5, offset 0.75, clamped (%u differ)",
		         mode_names[mode], PAIRS, bad);
		check(bad == 0, what);
	}
}

static void test_bad_inputs(const char *path)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	host_set(&m, "mode", 0.0f);
	host_init(&m);
	float a[8] = {NAN, INFINITY, -INFINITY, 1e30f, 3.0f, NAN, 20.0f, -20.0f};
	float b[8] = {1.0f, NAN, 1.0f, 1.0f, NAN, NAN, 20.0f, 5.0f};
	float y[8];
	const float *in[] = {a, b};
	float *out[] = {y};
	host_render(&m, 8, 8, in, out, NULL, 0);
	float e[8] = {1.0f, 10.0f, -9.0f, 10.0f, 3.0f, 0.0f, 10.0f, -5.0f};
	int ok = 1;
	for (int i = 0; i < 8; i++)
		ok &= y[i] == e[i];
	check(ok, "sum: NaN reads 0, inputs clamp at ±10, output clamps at ±10");
	host_close(&m);
}

static void test_ramp(const char *path)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	host_set(&m, "mode", 0.0f);
	host_set(&m, "scale", 0.0f);
	host_init(&m);
	const uint32_t frames = 2048, at = 1000, ramp = 480;
	float *a = host_alloc(frames), *b = host_alloc(frames), *y = host_alloc(frames);
	for (uint32_t i = 0; i < frames; i++)
		a[i] = 1.0f;
	host_event_t ev = {at, host_param(&m, "scale"), 1.0f};
	const float *in[] = {a, b};
	float *out[] = {y};
	host_render(&m, frames, BLOCK, in, out, &ev, 1);
	int ok = y[at - 1] == 0.0f && y[at + ramp - 1] == 1.0f && y[frames - 1] == 1.0f;
	double step_max = measure_max_step(y, frames);
	uint32_t reach = frames;
	for (uint32_t i = 0; i < frames; i++)
		if (y[i] == 1.0f && reach == frames)
			reach = i;
	char what[160];
	snprintf(what, sizeof what,
	         "scale 0 -> 1 at frame %u ramps to 1 at frame %u (expected %u), largest step "
	         "%.6f (limit 1/%u + 1e-6)",
	         at, reach, at + ramp - 1, step_max, ramp);
	check(ok && reach == at + ramp - 1 && step_max <= 1.0 / ramp + 1e-6, what);
	free(a);
	free(b);
	free(y);
	host_close(&m);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s math.so\n", argv[0]);
		return 2;
	}
	test_modes(argv[1]);
	test_bad_inputs(argv[1]);
	test_ramp(argv[1]);
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
