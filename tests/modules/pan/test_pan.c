/*
 * test_pan — pan keeps constant power and places the centre at -3 dB.
 *
 *  - centre: each side 0.70711 of the input (-3.01 dB), within 1e-6;
 *  - full left (pan -1): left is the input within 1e-6, right exactly 0; full right mirrors it;
 *  - the law: at 201 positions from -1 to 1, set by the parameter and again by the CV input,
 *    left^2 + right^2 = 1 within 1e-6 (the largest deviation is printed in dB), and left falls
 *    while right rises;
 *  - the CV adds to the parameter and the sum is limited to [-1, 1];
 *  - a pan step from -1 to 1 ramps: no output step larger than the ramp's 10 ms allow.
 * Usage: test_pan pan.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ 48000.0f
#define BLOCK   64u
#define FRAMES  256u

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		failures++;
}

/* Renders a DC input of 1 at the parameter and CV given; writes the last frame's gains. */
static void gains(const char *path, float pan, float cv, float *left, float *right)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	host_set(&m, "pan", pan);
	host_init(&m);
	float in[FRAMES], c[FRAMES], l[FRAMES], r[FRAMES];
	for (uint32_t i = 0; i < FRAMES; i++) {
		in[i] = 1.0f;
		c[i] = cv;
	}
	const float *ins[] = {in, c};
	float *outs[] = {l, r};
	host_render(&m, FRAMES, BLOCK, ins, outs, NULL, 0);
	*left = l[FRAMES - 1];
	*right = r[FRAMES - 1];
	host_close(&m);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s pan.so\n", argv[0]);
		return 2;
	}
	const char *path = argv[1];
	char what[200];
	float l, r;

	gains(path, 0.0f, 0.0f, &l, &r);
	snprintf(what, sizeof what,
	         "centre: left %.7f (%.3f dB), right %.7f (%.3f dB), expected "
	         "0.7071068 (-3.010 dB)",
	         (double)l, 20.0 * log10((double)l), (double)r, 20.0 * log10((double)r));
	check(fabs((double)l - M_SQRT1_2) < 1e-6 && fabs((double)r - M_SQRT1_2) < 1e-6, what);

	gains(path, -1.0f, 0.0f, &l, &r);
	snprintf(what, sizeof what, "full left: left %.7f, right %g (expected 1, exactly 0)",
	         (double)l, (double)r);
	check(fabs((double)l - 1.0) < 1e-6 && r == 0.0f, what);
	gains(path, 1.0f, 0.0f, &l, &r);
	snprintf(what, sizeof what, "full right: left %g, right %.7f (expected exactly 0, 1)",
	         (double)l, (double)r);
	check(fabs((double)r - 1.0) < 1e-6 && l == 0.0f, what);

	for (int by_cv = 0; by_cv < 2; by_cv++) {
		double worst = 0.0;
		int monotonic = 1;
		float last_l = 2.0f, last_r = -1.0f;
		for (int k = 0; k <= 200; k++) {
			float x = -1.0f + (float)k / 100.0f;
			gains(path, by_cv ? 0.0f : x, by_cv ? x : 0.0f, &l, &r);
			double power = (double)l * l + (double)r * r;
			worst = fmax(worst, fabs(power - 1.0));
			monotonic &= l < last_l && r > last_r;
			last_l = l;
			last_r = r;
		}
		snprintf(what, sizeof what,
		         "law by %s at 201 positions: |L^2 + R^2 - 1| at most %.2e (%.6f dB; limit "
		         "1e-6), left falls and right rises",
		         by_cv ? "CV" : "parameter", worst, 10.0 * log10(1.0 + worst));
		check(worst <= 1e-6 && monotonic, what);
	}

	float l2, r2;
	gains(path, 0.5f, -0.25f, &l, &r);
	gains(path, 0.25f, 0.0f, &l2, &r2);
	int ok = l == l2 && r == r2;
	gains(path, 0.5f, 1.0f, &l, &r);
	ok &= l == 0.0f && fabs((double)r - 1.0) < 1e-6;
	gains(path, -1.0f, -5.0f, &l, &r);
	ok &= r == 0.0f && fabs((double)l - 1.0) < 1e-6;
	check(ok, "the CV adds to the parameter (0.5 - 0.25 = 0.25); the sum is limited to ±1");

	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	host_set(&m, "pan", -1.0f);
	host_init(&m);
	enum { N = 2048 };
	float *in = host_alloc(N), *cv = host_alloc(N), *lo = host_alloc(N), *ro = host_alloc(N);
	for (int i = 0; i < N; i++)
		in[i] = 1.0f;
	host_event_t ev = {1000, 0, 1.0f};
	const float *ins[] = {in, cv};
	float *outs[] = {lo, ro};
	host_render(&m, N, BLOCK, ins, outs, &ev, 1);
	double step = fmax(measure_max_step(lo, N), measure_max_step(ro, N));
	/* the position moves 2/480 a frame; a gain's slope is at most pi/4 per unit of position */
	double limit = 2.0 / 480.0 * M_PI / 4.0 * 1.001;
	snprintf(what, sizeof what,
	         "pan -1 -> 1 ramps: largest output step %.5f (limit %.5f), ends at right %.6f",
	         step, limit, (double)ro[N - 1]);
	check(step <= limit && lo[N - 1] == 0.0f && fabs((double)ro[N - 1] - 1.0) < 1e-6, what);
	free(in);
	free(cv);
	free(lo);
	free(ro);
	host_close(&m);
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
