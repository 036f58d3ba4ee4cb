/*
 * test_adsr — adsr stage times within 1 %, the curves they follow, and no clicks on retrigger.
 *
 * The definitions tested (adsr.c): attack is the time from 0 to the peak 1.0; decay the time
 * from 1.0 to the sustain level; release the time from the level at gate-off to 0. Each is
 * an RC curve aimed past its end (attack at 1.3, decay and release 0.1 % of their span past),
 * so between its ends a stage must also follow that curve. A gate rising while the envelope
 * is up, or `retrig` rising while the gate is high, must restart the attack from the current
 * level without a jump.
 * Usage: test_adsr adsr.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ         48000.0f
#define BLOCK           64u
#define GATE_AT         100u
#define TIME_TOLERANCE  0.01 /* 1 % */
#define CURVE_TOLERANCE 1e-5 /* float output against the double-precision curve */

static const double times_s[] = {0.005, 0.05, 0.5, 2.0};
static const double sustains[] = {0.5, 0.2};

/* The level n frames into an RC stage from `from` to `to`, aimed `past` spans beyond `to`,
 * that arrives after `frames` frames. */
static double rc_curve(double from, double to, double past, double frames, double n)
{
	double span = to - from, target = to + past * span;
	double coef = exp(-log((1.0 + past) / past) / frames);
	return target + (from - target) * pow(coef, n);
}

static int test_times(host_module_t *m, double time_s, double sustain, double *worst_error,
                      double *worst_curve)
{
	double frames = round(time_s * RATE_HZ); /* adsr.c rounds stage times to whole frames */
	uint64_t hold = GATE_AT + (uint64_t)(2.0 * frames) + 4800u; /* gate-off frame */
	uint64_t total = hold + (uint64_t)(frames) + 4800u;
	float *gate = host_alloc(total), *out = host_alloc(total);
	for (uint64_t i = GATE_AT; i < hold; i++)
		gate[i] = 1.0f;
	host_set(m, "attack", (float)time_s);
	host_set(m, "decay", (float)time_s);
	host_set(m, "release", (float)time_s);
	host_set(m, "sustain", (float)sustain);
	host_init(m);
	const float *in[CX_PORTS_MAX] = {0};
	in[host_in(m, "gate")] = gate;
	float *outs[CX_PORTS_MAX] = {0};
	outs[host_out(m, "out")] = out;
	host_render(m, total, BLOCK, in, outs, NULL, 0);

	uint64_t peak = GATE_AT, settled, silent = hold;
	while (peak < total && out[peak] < 1.0f)
		peak++;
	for (settled = peak; settled < total && out[settled] > (float)sustain;)
		settled++;
	while (silent < total && out[silent] > 0.0f)
		silent++;
	double measured[3] = {(double)(peak - GATE_AT), (double)(settled - peak),
	                      (double)(silent - hold)};
	double curve = 0.0;
	for (double n = 0; n < frames; n++) {
		double a = rc_curve(0.0, 1.0, 0.3, frames, n);
		double d = rc_curve(1.0, sustain, 0.001, frames, n);
		double r = rc_curve(sustain, 0.0, 0.001, frames, n);
		double e = fmax(
		    fabs(out[GATE_AT + (uint64_t)n] - a),
		    fmax(fabs(out[peak + (uint64_t)n] - d), fabs(out[hold + (uint64_t)n] - r)));
		curve = fmax(curve, e);
	}
	const char *names[3] = {"attack", "decay", "release"};
	int ok = curve <= CURVE_TOLERANCE;
	for (int s = 0; s < 3; s++) {
		double error = measured[s] / frames - 1.0;
		printf("adsr %-7s %6.3f s (sustain %.1f): measured %9.6f s, error %+.4f %%\n",
		       names[s], time_s, sustain, measured[s] / RATE_HZ, 100.0 * error);
		ok &= fabs(error) <= TIME_TOLERANCE;
		*worst_error = fmax(*worst_error, fabs(error));
	}
	*worst_curve = fmax(*worst_curve, curve);
	free(gate);
	free(out);
	return ok;
}

/* Gate on, off during the release, on again; then retrig pulses while sustaining. The
 * envelope must never jump: its largest frame-to-frame step stays that of its fastest curve. */
static int test_no_clicks(host_module_t *m)
{
	const uint32_t total = 48000;
	float *gate = host_alloc(total), *retrig = host_alloc(total), *out = host_alloc(total);
	for (uint32_t i = 0; i < total; i++) {
		gate[i] =
		    (i >= 1000 && i < 12000) || i >= 14000 ? 1.0f : 0.0f; /* re-rise in release */
		retrig[i] = (i >= 30000 && i < 30010) || (i >= 40000 && i < 40010) ? 1.0f : 0.0f;
	}
	host_set(m, "attack", 0.05f);
	host_set(m, "decay", 0.1f);
	host_set(m, "sustain", 0.5f);
	host_set(m, "release", 0.2f);
	host_init(m);
	const float *in[CX_PORTS_MAX] = {0};
	in[host_in(m, "gate")] = gate;
	in[host_in(m, "retrig")] = retrig;
	float *outs[CX_PORTS_MAX] = {0};
	outs[host_out(m, "out")] = out;
	host_render(m, total, BLOCK, in, outs, NULL, 0);
	/* The attack's first step from 0 is its steepest: 1.3 (1 - coef). */
	double steepest = 1.3 * (1.0 - exp(-log(1.3 / 0.3) / (0.05 * RATE_HZ)));
	double step = measure_max_step(out, total);
	int rose = out[14000 + 100] > out[14000] && out[30000 + 100] > out[30000] &&
	           out[40000 + 100] > out[40000];
	printf("adsr retrigger in release and by retrig: largest step %.6f (steepest curve step "
	       "%.6f), level rose after each: %s\n",
	       step, steepest, rose ? "yes" : "no");
	free(gate);
	free(retrig);
	free(out);
	return step <= steepest * 1.0001 && rose;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s adsr.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, BLOCK);
	int ok = 1;
	double worst_error = 0.0, worst_curve = 0.0;
	for (unsigned s = 0; s < sizeof sustains / sizeof sustains[0]; s++)
		for (unsigned t = 0; t < sizeof times_s / sizeof times_s[0]; t++)
			ok &= test_times(&m, times_s[t], sustains[s], &worst_error, &worst_curve);
	printf("adsr worst stage time error %.4f %% (limit %.1f %%); worst departure from the RC "
	       "curves %.2g (limit %.0g)\n",
	       100.0 * worst_error, 100.0 * TIME_TOLERANCE, worst_curve, CURVE_TOLERANCE);
	ok &= test_no_clicks(&m);
	host_close(&m);
	printf("%s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
