/*
 * test_delay — the delay's exactness, its repeats, sync, ping-pong, glides, bounds and tail.
 *
 * 1. Exact to the frame: with mix 1 and no feedback, an impulse comes out of out, left and
 *    right exactly N frames later, unchanged, and nothing else, for a `time` of N / 48000 s,
 *    N = 1, 2, 3, 100, 1234, 48000 and 191999 (4 s less a frame).
 * 2. Repeats: with feedback 0.5 or 0.99 and no damping, repeat k of an impulse is exactly
 *    feedback^(k - 1) (within 1e-6) for k = 1..6; with damping, each is smaller than the last.
 * 3. Sync: at 120 BPM a quarter delays 24000 frames, eighth_t 8000, half_d 72000, sixteenth
 *    6000; at 133 BPM a quarter delays round(48000 x 60 / 133) = 21654 frames.
 * 4. Ping-pong: the repeats of an impulse alternate left (odd repeats) and right (even ones),
 *    each silent on the other side; out carries half of each.
 * 5. Glide: with a steady 440 Hz sine in, mix 1, the time moves from 0.30 s to 0.32 s; the
 *    largest step between frames of the output may not exceed GLIDE_STEP times the sine's own
 *    (a jump of the read position would step by up to twice the amplitude: a click).
 * 6. Bounds: feedback 0.99, no damping, fed ±10 noise for 10 s: finite and within ±10.
 * 7. Tail: feedback 0.5, damping 0.2, 0.5 s: after 1 s of noise and 60 s of silence the last
 *    second is exactly 0 on every output.
 * Usage: test_delay delay.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ    48000.0f
#define BLOCK      64u
#define GLIDE_STEP 1.05
#define PI         3.14159265358979323846

static unsigned rng_state = 1;

static double rng_uniform(void) /* [0, 1) */
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (double)(rng_state >> 8) / 16777216.0;
}

typedef struct outs {
	float *out, *left, *right;
} outs_t;

static outs_t outs_alloc(uint32_t n)
{
	return (outs_t){host_alloc(n), host_alloc(n), host_alloc(n)};
}

static void outs_free(outs_t o)
{
	free(o.out);
	free(o.left);
	free(o.right);
}

static void render(host_module_t *m, const float *x, uint32_t n, outs_t o, const host_event_t *ev,
                   uint32_t event_count)
{
	const float *in[CX_PORTS_MAX] = {x};
	float *out[CX_PORTS_MAX] = {0};
	out[host_out(m, "out")] = o.out;
	out[host_out(m, "left")] = o.left;
	out[host_out(m, "right")] = o.right;
	host_render(m, n, BLOCK, in, out, ev, event_count);
}

static void set_plain(host_module_t *m, float time_s, float feedback, float damping,
                      const char *mode)
{
	host_set(m, "time", time_s);
	host_set(m, "sync", 0.0f);
	host_set(m, "feedback", feedback);
	host_set(m, "damping", damping);
	host_set(m, "mode", mode[0] == 'p' ? 1.0f : 0.0f);
	host_set(m, "mix", 1.0f);
}

/* 1 when x is `value` at frame `at` and 0 everywhere else. */
static int only_at(const float *x, uint32_t n, uint32_t at, float value)
{
	for (uint32_t i = 0; i < n; i++)
		if (x[i] != (i == at ? value : 0.0f))
			return 0;
	return 1;
}

static int test_exact(host_module_t *m)
{
	static const uint32_t delays[] = {1, 2, 3, 100, 1234, 48000, 191999};
	const uint32_t total = 192100;
	float *x = host_alloc(total);
	outs_t o = outs_alloc(total);
	x[0] = 1.0f;
	int ok = 1;
	printf("delay impulse, time N / 48000 s, mix 1:");
	for (unsigned k = 0; k < sizeof delays / sizeof delays[0]; k++) {
		set_plain(m, (float)delays[k] / RATE_HZ, 0.0f, 0.0f, "mono");
		host_init(m);
		render(m, x, total, o, NULL, 0);
		int good = only_at(o.out, total, delays[k], 1.0f) &&
		           only_at(o.left, total, delays[k], 1.0f) &&
		           only_at(o.right, total, delays[k], 1.0f);
		printf(" N=%u %s;", delays[k], good ? "exact" : "WRONG");
		ok &= good;
	}
	printf(" %s\n", ok ? "ok" : "FAIL");
	free(x);
	outs_free(o);
	return ok;
}

static int test_repeats(host_module_t *m)
{
	static const float feedbacks[] = {0.5f, 0.99f};
	const uint32_t d = 1000, total = 7 * d + 10;
	float *x = host_alloc(total);
	outs_t o = outs_alloc(total);
	x[0] = 1.0f;
	int ok = 1;
	for (int f = 0; f < 2; f++) {
		set_plain(m, (float)d / RATE_HZ, feedbacks[f], 0.0f, "mono");
		host_init(m);
		render(m, x, total, o, NULL, 0);
		double worst = 0.0;
		for (uint32_t k = 1; k <= 6; k++)
			worst =
			    fmax(worst, fabs(o.out[k * d] - pow(feedbacks[f], (double)k - 1.0)));
		int good = worst <= 1e-6;
		printf(
		    "delay feedback %.2f, damping 0: repeats 1..6 of an impulse off feedback^(k-1) "
		    "by at most %.2g: %s\n",
		    feedbacks[f], worst, good ? "ok" : "FAIL");
		ok &= good;
	}
	set_plain(m, (float)d / RATE_HZ, 0.9f, 0.5f, "mono");
	host_init(m);
	render(m, x, total, o, NULL, 0);
	int falling = 1;
	double last = 1e9;
	for (uint32_t k = 1; k <= 6; k++) {
		double e = 0.0;
		for (uint32_t i = k * d; i < (k + 1) * d; i++)
			e += (double)o.out[i] * o.out[i];
		falling &= e < last && e > 0.0;
		last = e;
	}
	printf("delay feedback 0.9, damping 0.5: each repeat's energy below the last: %s\n",
	       falling ? "ok" : "FAIL");
	free(x);
	outs_free(o);
	return ok && falling;
}

/* The frame where the impulse's first repeat comes out, or -1. */
static long first_repeat(const float *y, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++)
		if (y[i] != 0.0f)
			return (long)i;
	return -1;
}

static int test_sync(host_module_t *m)
{
	static const struct {
		const char *name;
		float value;
		double bpm;
		long frames;
	} cases[] = {{"quarter", 3, 120.0, 24000},
	             {"eighth_t", 8, 120.0, 8000},
	             {"half_d", 10, 120.0, 72000},
	             {"sixteenth", 5, 120.0, 6000},
	             {"quarter", 3, 133.0, 21654}};
	const uint32_t total = 80000;
	float *x = host_alloc(total);
	outs_t o = outs_alloc(total);
	x[0] = 1.0f;
	int ok = 1;
	printf("delay sync:");
	for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		set_plain(m, 0.5f, 0.0f, 0.0f, "mono");
		host_set(m, "sync", cases[c].value);
		host_init(m);
		host_set_transport(m, cases[c].bpm, 0.0, 1);
		render(m, x, total, o, NULL, 0);
		long at = first_repeat(o.out, total);
		int good = at == cases[c].frames && o.out[at] == 1.0f;
		printf(" %s at %.0f BPM %ld frames (expected %ld);", cases[c].name, cases[c].bpm,
		       at, cases[c].frames);
		ok &= good;
	}
	host_set_transport(m, 0.0, 0.0, 0);
	printf(" %s\n", ok ? "ok" : "FAIL");
	free(x);
	outs_free(o);
	return ok;
}

static int test_pingpong(host_module_t *m)
{
	const uint32_t d = 500, total = 6 * d + 10;
	float *x = host_alloc(total);
	outs_t o = outs_alloc(total);
	x[0] = 1.0f;
	set_plain(m, (float)d / RATE_HZ, 0.5f, 0.0f, "pingpong");
	host_init(m);
	render(m, x, total, o, NULL, 0);
	int ok = 1;
	for (uint32_t i = 1; i < total; i++) {
		uint32_t k = i / d;
		float want = i % d == 0 ? (float)pow(0.5, k - 1) : 0.0f;
		float want_l = k % 2 == 1 ? want : 0.0f, want_r = k % 2 == 0 ? want : 0.0f;
		ok &= fabsf(o.left[i] - want_l) <= 1e-6f && fabsf(o.right[i] - want_r) <= 1e-6f &&
		      fabsf(o.out[i] - 0.5f * want) <= 1e-6f;
	}
	printf("delay pingpong, feedback 0.5: repeats 1, 3, 5 left only, 2, 4 right only, out half "
	       "of each: %s\n",
	       ok ? "ok" : "FAIL");
	free(x);
	outs_free(o);
	return ok;
}

static int test_glide(host_module_t *m)
{
	const uint32_t total = 48000, change = 24000;
	float *x = host_alloc(total);
	outs_t o = outs_alloc(total);
	for (uint32_t i = 0; i < total; i++)
		x[i] = (float)(0.5 * sin(2.0 * PI * 440.0 * i / RATE_HZ));
	set_plain(m, 0.3f, 0.0f, 0.0f, "mono");
	host_init(m);
	host_event_t ev = {change, host_param(m, "time"), 0.32f};
	render(m, x, total, o, &ev, 1);
	double sine_step = measure_max_step(x, total);
	double step = measure_max_step(o.out + 16000, total - 16000);
	int ok = step <= GLIDE_STEP * sine_step;
	printf("delay time 0.30 -> 0.32 s under a 440 Hz sine: largest step %.5f, the sine's own "
	       "%.5f (limit %.2fx): %s\n",
	       step, sine_step, GLIDE_STEP, ok ? "ok" : "FAIL");
	free(x);
	outs_free(o);
	return ok;
}

static int test_bounded(host_module_t *m)
{
	const uint32_t total = 480000;
	float *x = host_alloc(total);
	outs_t o = outs_alloc(total);
	for (uint32_t i = 0; i < total; i++)
		x[i] = (float)(20.0 * rng_uniform() - 10.0);
	int ok = 1;
	for (int mode = 0; mode < 2; mode++) {
		set_plain(m, 0.0123f, 0.99f, 0.0f, mode ? "pingpong" : "mono");
		host_set(m, "mix", 0.7f);
		host_init(m);
		render(m, x, total, o, NULL, 0);
		double peak = fmax(measure_peak(o.out, total),
		                   fmax(measure_peak(o.left, total), measure_peak(o.right, total)));
		int good = peak <= 10.0;
		printf("delay %s, feedback 0.99, ±10 noise for 10 s: largest |output| %.4f (bound "
		       "10): %s\n",
		       mode ? "pingpong" : "mono", peak, good ? "ok" : "FAIL");
		ok &= good;
	}
	free(x);
	outs_free(o);
	return ok;
}

static int test_tail(host_module_t *m)
{
	const uint32_t noise = 48000, total = 61u * 48000u;
	float *x = host_alloc(total);
	outs_t o = outs_alloc(total);
	for (uint32_t i = 0; i < noise; i++)
		x[i] = (float)(2.0 * rng_uniform() - 1.0);
	int ok = 1;
	for (int mode = 0; mode < 2; mode++) {
		set_plain(m, 0.5f, 0.5f, 0.2f, mode ? "pingpong" : "mono");
		host_set(m, "mix", 0.5f);
		host_init(m);
		render(m, x, total, o, NULL, 0);
		uint32_t from = total - 48000;
		double peak = fmax(
		    measure_peak(o.out + from, 48000),
		    fmax(measure_peak(o.left + from, 48000), measure_peak(o.right + from, 48000)));
		uint32_t last = 0;
		for (uint32_t i = 0; i < total; i++)
			if (o.out[i] != 0.0f || o.left[i] != 0.0f || o.right[i] != 0.0f)
				last = i;
		int good = peak == 0.0;
		printf(
		    "delay %s, feedback 0.5: after 1 s of noise, silent (exactly 0) from %.2f s: "
		    "%s\n",
		    mode ? "pingpong" : "mono", (double)(last + 1) / RATE_HZ, good ? "ok" : "FAIL");
		ok &= good;
	}
	free(x);
	outs_free(o);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s delay.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, BLOCK);
	int ok = test_exact(&m);
	ok &= test_repeats(&m);
	ok &= test_sync(&m);
	ok &= test_pingpong(&m);
	ok &= test_glide(&m);
	ok &= test_bounded(&m);
	ok &= test_tail(&m);
	host_close(&m);
	printf("%s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
