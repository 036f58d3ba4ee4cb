/*
 * test_mixer — mixer's pan law, mutes, sends, returns and level ramps.
 *
 *  - pan law: each channel alone, DC 1 in, at 41 pan positions: left^2 + right^2 = 1 within
 *    1e-6 (the largest deviation printed), -3.01 dB each side at the centre, and full left
 *    leaves the right side exactly 0;
 *  - the mix: all eight channels with different inputs, levels and pans, and both returns:
 *    left, right, send_a and send_b equal the sums computed here within 1e-6;
 *  - mute: a muted channel's mix and sends fall to exactly 0 10 ms after the event, with no
 *    output step larger than the ramp's (1/480 of the gain), and come back when unmuted;
 *  - sends: post-fader (level 0.5 halves them), post-mute, pre-pan (pan does not move them),
 *    not scaled by master;
 *  - zipper-free: a level step 1 -> 0 and a master step on a 1 kHz sine: the output follows
 *    the sine times a 10 ms linear ramp within 1e-6, where a step would jump by 0.7;
 *  - the outputs stop at ±10 with eight full-scale hot inputs.
 * Usage: test_mixer mixer.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ 48000.0f
#define BLOCK   64u
#define RAMP    480u

static const char *path;
static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		failures++;
}

typedef struct mix {
	float *in[10];
	float *out[4]; /* left, right, send_a, send_b */
	uint32_t frames;
} mix_t;

static mix_t mix_alloc(uint32_t frames)
{
	mix_t x = {.frames = frames};
	for (int i = 0; i < 10; i++)
		x.in[i] = host_alloc(frames);
	for (int i = 0; i < 4; i++)
		x.out[i] = host_alloc(frames);
	return x;
}

static void mix_free(mix_t *x)
{
	for (int i = 0; i < 10; i++)
		free(x->in[i]);
	for (int i = 0; i < 4; i++)
		free(x->out[i]);
}

static void mix_render(host_module_t *m, mix_t *x, const host_event_t *ev, uint32_t n)
{
	host_render(m, x->frames, BLOCK, (const float *const *)x->in, x->out, ev, n);
}

static void set_ch(host_module_t *m, const char *what, int ch, float v)
{
	char name[24];
	snprintf(name, sizeof name, "%s%d", what, ch);
	host_set(m, name, v);
}

static void test_pan_law(void)
{
	double worst = 0.0;
	int centre_ok = 1, ends_ok = 1;
	for (int ch = 1; ch <= 8; ch++) {
		for (int k = 0; k <= 40; k++) {
			float pan = -1.0f + (float)k / 20.0f;
			host_module_t m;
			host_open_or_die(&m, path, RATE_HZ, BLOCK);
			set_ch(&m, "pan", ch, pan);
			host_init(&m);
			mix_t x = mix_alloc(64);
			for (uint32_t i = 0; i < 64; i++)
				x.in[ch - 1][i] = 1.0f;
			mix_render(&m, &x, NULL, 0);
			double l = x.out[0][63], r = x.out[1][63];
			worst = fmax(worst, fabs(l * l + r * r - 1.0));
			if (k == 20)
				centre_ok &=
				    fabs(l - M_SQRT1_2) < 1e-6 && fabs(r - M_SQRT1_2) < 1e-6;
			if (k == 0)
				ends_ok &= r == 0.0 && fabs(l - 1.0) < 1e-6;
			if (k == 40)
				ends_ok &= l == 0.0 && fabs(r - 1.0) < 1e-6;
			mix_free(&x);
			host_close(&m);
		}
	}
	char what[200];
	snprintf(what, sizeof what,
	         "pan law, 8 channels x 41 positions: |L^2 + R^2 - 1| at most %.2e (limit 1e-6), "
	         "centre 0.7071 each (-3.01 dB), ends exact",
	         worst);
	check(worst <= 1e-6 && centre_ok && ends_ok, what);
}

static void set_name(host_module_t *m, const char *fmt, int ch, float v)
{
	char name[24];
	snprintf(name, sizeof name, fmt, ch);
	host_set(m, name, v);
}

static void test_mix(void)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	const uint32_t frames = 4096;
	mix_t x = mix_alloc(frames);
	double level[8], pan[8], sa[8], sb[8];
	for (int c = 0; c < 8; c++) {
		level[c] = 0.1 + 0.1 * c;
		pan[c] = -1.0 + 0.25 * c;
		sa[c] = 0.05 * (c + 1);
		sb[c] = 1.0 - 0.1 * c;
		set_name(&m, "level%d", c + 1, (float)level[c]);
		set_name(&m, "pan%d", c + 1, (float)pan[c]);
		set_name(&m, "send%da", c + 1, (float)sa[c]);
		set_name(&m, "send%db", c + 1, (float)sb[c]);
		for (uint32_t i = 0; i < frames; i++)
			x.in[c][i] =
			    (float)(0.9 * sin(2.0 * M_PI * (100.0 + 77.0 * c) * i / RATE_HZ));
	}
	for (uint32_t i = 0; i < frames; i++) {
		x.in[8][i] = 0.4f;
		x.in[9][i] = (float)(0.5 * sin(2.0 * M_PI * 1234.0 * i / RATE_HZ));
	}
	host_set(&m, "ret1", 0.6f);
	host_set(&m, "ret2", 0.3f);
	host_set(&m, "master", 0.9f);
	host_init(&m);
	mix_render(&m, &x, NULL, 0);
	double worst = 0.0;
	for (uint32_t i = 0; i < frames; i++) {
		double l = 0, r = 0, a = 0, b = 0;
		for (int c = 0; c < 8; c++) {
			double th = (pan[c] + 1.0) * M_PI / 4.0, v = x.in[c][i] * level[c];
			l += cos(th) * v;
			r += sin(th) * v;
			a += sa[c] * v;
			b += sb[c] * v;
		}
		double ret = M_SQRT1_2 * (0.6 * x.in[8][i] + 0.3 * x.in[9][i]);
		l = 0.9 * (l + ret);
		r = 0.9 * (r + ret);
		worst = fmax(worst, fmax(fabs(l - x.out[0][i]), fabs(r - x.out[1][i])));
		worst = fmax(worst, fmax(fabs(a - x.out[2][i]), fabs(b - x.out[3][i])));
	}
	char what[200];
	snprintf(what, sizeof what,
	         "8 channels (levels, pans, sends) + 2 returns, master 0.9: left, right, send_a, "
	         "send_b within %.2e of the sums (limit 1e-6)",
	         worst);
	check(worst <= 1e-6, what);
	mix_free(&x);
	host_close(&m);
}

static void test_mute(void)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	host_set(&m, "send3a", 1.0f);
	host_init(&m);
	const uint32_t frames = 6000, on = 1000, off = 3000;
	mix_t x = mix_alloc(frames);
	for (uint32_t i = 0; i < frames; i++)
		x.in[2][i] = 1.0f;
	host_event_t ev[2] = {{on, host_param(&m, "mute3"), 1.0f},
	                      {off, host_param(&m, "mute3"), 0.0f}};
	mix_render(&m, &x, ev, 2);
	float *l = x.out[0], *a = x.out[2];
	int ok = fabs(l[on - 1] - M_SQRT1_2) < 1e-6 && a[on - 1] == 1.0f;
	ok &= l[on + RAMP - 2] > 0.0f && l[on + RAMP - 1] == 0.0f && a[on + RAMP - 1] == 0.0f;
	for (uint32_t i = on + RAMP - 1; i < off; i++)
		ok &= l[i] == 0.0f && x.out[1][i] == 0.0f && a[i] == 0.0f && x.out[3][i] == 0.0f;
	ok &= fabs(l[off + RAMP - 1] - M_SQRT1_2) < 1e-6 && a[off + RAMP - 1] == 1.0f;
	double step = fmax(measure_max_step(l, frames), measure_max_step(a, frames));
	char what[200];
	snprintf(what, sizeof what,
	         "mute3 at %u: mix and sends exactly 0 from frame %u to the unmute at %u, back "
	         "480 frames later; largest step %.5f (limit 1/480 = %.5f)",
	         on, on + RAMP - 1, off, step, 1.0 / RAMP);
	check(ok && step <= 1.0 / RAMP + 1e-6, what);
	mix_free(&x);
	host_close(&m);
}

static void test_sends(void)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	host_set(&m, "level1", 0.5f);
	host_set(&m, "pan1", -1.0f);
	host_set(&m, "send1a", 0.8f);
	host_set(&m, "send1b", 0.2f);
	host_set(&m, "master", 0.25f);
	host_init(&m);
	mix_t x = mix_alloc(2048);
	for (uint32_t i = 0; i < 2048; i++)
		x.in[0][i] = 1.0f;
	host_event_t ev = {1000, host_param(&m, "pan1"), 1.0f}; /* pan moves, sends stay */
	mix_render(&m, &x, &ev, 1);
	int ok = 1;
	for (uint32_t i = 0; i < 2048; i++)
		ok &= fabsf(x.out[2][i] - 0.4f) < 1e-6f && fabsf(x.out[3][i] - 0.1f) < 1e-6f;
	ok &= fabsf(x.out[0][999] - 0.125f) < 1e-6f && x.out[1][999] == 0.0f;
	ok &= x.out[0][2047] == 0.0f && fabsf(x.out[1][2047] - 0.125f) < 1e-6f;
	char what[200];
	snprintf(
	    what, sizeof what,
	    "sends post-fader (level 0.5: send_a %.6f, send_b %.6f, expected 0.4, 0.1), pre-pan "
	    "(unmoved by a pan sweep), not scaled by master 0.25 (left %.6f)",
	    (double)x.out[2][0], (double)x.out[3][0], (double)x.out[0][999]);
	check(ok, what);
	mix_free(&x);
	host_close(&m);
}

/* A 1 kHz sine through channel 1; `param` steps from 1 to 0 at frame 1000. */
static void test_zipper(const char *param)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	const uint32_t frames = 4096, at = 1000;
	mix_t x = mix_alloc(frames);
	for (uint32_t i = 0; i < frames; i++)
		x.in[0][i] = (float)sin(2.0 * M_PI * 1000.0 * i / RATE_HZ);
	host_event_t ev = {at, host_param(&m, param), 0.0f};
	mix_render(&m, &x, &ev, 1);
	double worst = 0.0;
	for (uint32_t i = 0; i < frames; i++) {
		double g = i < at               ? 1.0
		           : i >= at + RAMP - 1 ? 0.0
		                                : 1.0 - (double)(i - at + 1) / RAMP;
		worst = fmax(worst, fabs(x.out[0][i] - M_SQRT1_2 * g * x.in[0][i]));
	}
	char what[200];
	snprintf(what, sizeof what,
	         "%s 1 -> 0 on a 1 kHz sine: follows a 10 ms linear fade within %.2e (limit 1e-5)",
	         param, worst);
	check(worst <= 1e-5, what);
	mix_free(&x);
	host_close(&m);
}

static void test_rails(void)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	for (int c = 1; c <= 8; c++) {
		set_name(&m, "send%da", c, 1.0f);
		set_name(&m, "send%db", c, 1.0f);
	}
	host_init(&m);
	mix_t x = mix_alloc(256);
	for (int c = 0; c < 10; c++)
		for (uint32_t i = 0; i < 256; i++)
			x.in[c][i] = i % 2 ? 1e30f : -INFINITY;
	mix_render(&m, &x, NULL, 0);
	double peak = 0.0;
	for (int o = 0; o < 4; o++)
		peak = fmax(peak, measure_peak(x.out[o], 256));
	char what[120];
	snprintf(what, sizeof what, "eight hot inputs: outputs peak at %g (limit 10)", peak);
	check(peak == 10.0, what);
	mix_free(&x);
	host_close(&m);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s mixer.so\n", argv[0]);
		return 2;
	}
	path = argv[1];
	test_pan_law();
	test_mix();
	test_mute();
	test_sends();
	test_zipper("level1");
	test_zipper("master");
	test_rails();
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
