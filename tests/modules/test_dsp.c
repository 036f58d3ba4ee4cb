/*
 * test_dsp — the helpers of chronus/dsp.h against libm and their own contracts.
 *
 * cx_exp2f within 0.001 cent of exp2 over ±20 octaves (and exact at whole numbers); cx_sinpif
 * within 1e-6 of sin(pi x) on [-1, 1], cx_sincospif of sin and cos on [0, 1/2]; clamps and
 * sanitizing turn NaN and infinities into finite values; ramps land exactly on their targets after
 * the stated frames, the log ramp moving by a constant ratio; the event cursor splits a block at
 * its events' frames. Usage: test_dsp
 */
#include <math.h>
#include <stdio.h>

#include "chronus/dsp.h"

static int failures;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("FAIL: %s\n", what);
		failures++;
	}
}

static void test_exp2(void)
{
	double worst = 0.0;
	for (double x = -20.0; x <= 20.0; x += 1.0 / 4096.0) {
		double cents = 1200.0 * log2((double)cx_exp2f((float)x) / exp2((double)(float)x));
		worst = fmax(worst, fabs(cents));
	}
	int whole = 1;
	for (int i = -126; i <= 126; i++)
		whole &= cx_exp2f((float)i) == ldexpf(1.0f, i);
	printf("cx_exp2f: worst error %.6f cent over ±20 octaves; exact at whole numbers: %s; "
	       "NaN -> %g, inf -> %g\n",
	       worst, whole ? "yes" : "no", (double)cx_exp2f(NAN), (double)cx_exp2f(INFINITY));
	check(worst < 0.001 && whole, "cx_exp2f accuracy");
	check(cx_exp2f(NAN) == 1.0f && isfinite(cx_exp2f(INFINITY)) && cx_exp2f(-INFINITY) > 0.0f,
	      "cx_exp2f on NaN and infinities");
	check(fabsf(cx_volts_to_hz(0.0f) - 261.6256f) < 1e-4f &&
	          fabsf(cx_volts_to_hz(1.0f) - 523.2512f) < 1e-3f &&
	          fabsf(cx_hz_to_volts(440.0f) - 0.75f) < 1e-3f,
	      "1 V/oct conversions");
}

static void test_sinpi(void)
{
	double worst = 0.0;
	for (double x = -1.0; x <= 1.0; x += 1.0 / 65536.0)
		worst =
		    fmax(worst, fabs((double)cx_sinpif((float)x) - sin(M_PI * (double)(float)x)));
	double worst_sincos = 0.0;
	for (double x = 0.0; x <= 0.5; x += 1.0 / 65536.0) {
		float sn, cs;
		cx_sincospif((float)x, &sn, &cs);
		double xf = (double)(float)x;
		worst_sincos =
		    fmax(worst_sincos, fmax(fabs(sn - sin(M_PI * xf)), fabs(cs - cos(M_PI * xf))));
	}
	printf("cx_sinpif: worst error %.3g on [-1, 1]; cx_sincospif: %.3g on [0, 1/2]\n", worst,
	       worst_sincos);
	check(worst_sincos < 1e-6, "cx_sincospif accuracy");
	check(worst < 1e-6, "cx_sinpif accuracy");
	check(fabsf(cx_sinpif(0.5f)) <= 1.0f && fabsf(cx_sinpif(-0.5f)) <= 1.0f,
	      "|cx_sinpif| <= 1");
}

static void test_clamps(void)
{
	check(cx_clampf(NAN, -1.0f, 1.0f) == -1.0f, "cx_clampf(NaN) is lo");
	check(cx_clampf(INFINITY, -1.0f, 1.0f) == 1.0f, "cx_clampf(inf) is hi");
	check(cx_sanitizef(NAN, 10.0f) == 0.0f, "cx_sanitizef(NaN) is 0");
	check(cx_sanitizef(-INFINITY, 10.0f) == -10.0f, "cx_sanitizef(-inf) is -limit");
	check(cx_sanitizef(3.0f, 10.0f) == 3.0f, "cx_sanitizef passes in-range values");
	check(cx_flush_tinyf(1e-30f) == 0.0f && cx_flush_tinyf(NAN) == 0.0f &&
	          cx_flush_tinyf(1e-3f) == 1e-3f,
	      "cx_flush_tinyf");
	float same[5] = {2, 2, 2, 2, 2}, differ[5] = {2, 2, 2, 2, 3};
	check(cx_is_constant(same, 5) && !cx_is_constant(differ, 5) && cx_is_constant(differ, 1),
	      "cx_is_constant");
}

static void test_ramps(void)
{
	cx_ramp_t r;
	cx_ramp_snap(&r, 0.25f);
	check(cx_ramp_next(&r) == 0.25f, "a snapped ramp holds");
	cx_ramp_to(&r, 1.0f, 480);
	float last = 0.25f, step_max = 0.0f;
	for (int i = 0; i < 480; i++) {
		float v = cx_ramp_next(&r);
		step_max = fmaxf(step_max, fabsf(v - last));
		last = v;
	}
	check(last == 1.0f && r.frames_left == 0, "the linear ramp lands on its target");
	check(step_max < 0.75f / 480.0f * 1.01f, "the linear ramp moves evenly");

	cx_ramp_log_t g;
	cx_ramp_log_snap(&g, 110.0f);
	cx_ramp_log_to(&g, 880.0f, 300);
	double ratio_min = 1e9, ratio_max = 0.0, prev = 110.0;
	for (int i = 0; i < 299; i++) {
		double v = cx_ramp_log_next(&g);
		ratio_min = fmin(ratio_min, v / prev);
		ratio_max = fmax(ratio_max, v / prev);
		prev = v;
	}
	float end = cx_ramp_log_next(&g);
	printf("log ramp 110 -> 880 Hz over 300 frames: ratio per frame %.7f .. %.7f (ideal "
	       "%.7f), ends at %g\n",
	       ratio_min, ratio_max, pow(8.0, 1.0 / 300.0), (double)end);
	check(end == 880.0f && ratio_max - ratio_min < 1e-5, "the log ramp is geometric and lands");
}

static void test_events(void)
{
	const cx_event_t events[] = {{0, CX_EVENT_PARAM, 0, 1.0f},
	                             {0, CX_EVENT_PARAM, 1, 2.0f},
	                             {10, CX_EVENT_PARAM, 0, 3.0f},
	                             {63, CX_EVENT_PARAM, 0, 4.0f}};
	cx_process_t p = {.frames = 64, .events = events, .event_count = 4};
	cx_event_cursor_t ev = cx_event_cursor(&p);
	uint32_t segments[8][2], count = 0, applied = 0;
	for (uint32_t pos = 0; pos < p.frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			applied += e->frame == pos;
		uint32_t end = cx_event_next_frame(&ev);
		segments[count][0] = pos;
		segments[count++][1] = end;
		pos = end;
	}
	check(count == 3 && segments[0][1] == 10 && segments[1][1] == 63 && segments[2][1] == 64 &&
	          applied == 4,
	      "the event cursor splits 64 frames at 10 and 63, applying each event at its frame");
}

int main(void)
{
	test_exp2();
	test_sinpi();
	test_clamps();
	test_ramps();
	test_events();
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
