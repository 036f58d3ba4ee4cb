/*
 * test_sampler — sampler plays what load() gave it at the right pitch, from the right frame.
 *
 * The test calls the descriptor's load() itself with synthetic samples, as the engine's worker
 * does between blocks, then renders through the host at 48 kHz in blocks of 64:
 *  - nothing loaded: a trigger leaves all outputs exactly 0;
 *  - rate: a 1 kHz sine recorded at 44.1 kHz plays at 1000 Hz (measured by zero crossings over
 *    1 s, limit 0.05 cent); at pitch +12 st 2000 Hz, -7 st 1000 x 2^(-7/12) Hz, and with
 *    +1 V on the pitch input 2000 Hz; the interpolated samples lie within 2e-3 of the ideal
 *    sine (cubic Hermite, printed);
 *  - a ramp sample at the engine's rate: a trigger at frame 1234 gives 0 up to frame 1233 and
 *    the sample, value for value, from frame 1234; start 0.25 / end 0.5 play that region and
 *    stop; loop wraps round to the region's start; reverse plays it from its last frame down;
 *  - stereo: left and right carry the two channels and out their average; a 3-channel file
 *    keeps its first two; a mono sample is on both;
 *  - load keeps 20 s of stereo or 40 s of mono at 48 kHz and says how much; it refuses no
 *    channels or a rate that is not a positive number;
 *  - a retrigger at a sine's peak fades the old note out: no output step above 0.16 (the
 *    sine's own largest step is 0.13, a cut would step by 1);
 *  - with a loud noise sample loaded (the generic property test loads none), parameters at
 *    their extremes and NaN, infinite or huge inputs: outputs finite and within ±10; and one
 *    512-frame block equals 512 one-frame blocks.
 * Usage: test_sampler sampler.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ 48000.0f
#define BLOCK   64u

static const char *path;
static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		failures++;
}

typedef struct play {
	float *out, *left, *right;
	uint64_t frames;
} play_t;

static void play_free(play_t *p)
{
	free(p->out);
	free(p->left);
	free(p->right);
}

/* Renders `frames` frames with a trigger rising at each frame of trig_at[] (1 ms pulses) and
 * the pitch CV given. */
static play_t play(host_module_t *m, uint64_t frames, const uint64_t *trig_at, uint32_t trigs,
                   float cv, const host_event_t *ev, uint32_t ev_count)
{
	play_t p = {host_alloc(frames), host_alloc(frames), host_alloc(frames), frames};
	float *trig = host_alloc(frames), *pitch = host_alloc(frames);
	for (uint32_t k = 0; k < trigs; k++)
		for (uint64_t i = trig_at[k]; i < trig_at[k] + 48 && i < frames; i++)
			trig[i] = 1.0f;
	for (uint64_t i = 0; i < frames; i++)
		pitch[i] = cv;
	const float *in[] = {trig, pitch};
	float *out[] = {p.out, p.left, p.right};
	host_render(m, frames, BLOCK, in, out, ev, ev_count);
	free(trig);
	free(pitch);
	return p;
}

static int32_t load(host_module_t *m, const float *x, uint32_t frames, uint32_t channels,
                    float rate)
{
	return m->desc->load(m->state, x, frames, channels, rate);
}

static void test_silent(void)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	uint64_t at[2] = {100, 5000};
	play_t p = play(&m, 20000, at, 2, 0.0f, NULL, 0);
	double peak = fmax(measure_peak(p.out, p.frames),
	                   fmax(measure_peak(p.left, p.frames), measure_peak(p.right, p.frames)));
	check(peak == 0.0, "nothing loaded: triggers leave out, left and right exactly 0");
	play_free(&p);
	host_close(&m);
}

static void test_rate(void)
{
	const double file_rate = 44100.0, f0 = 1000.0;
	const uint32_t n = 3 * 44100;
	float *sine = host_alloc(n);
	for (uint32_t i = 0; i < n; i++)
		sine[i] = (float)sin(2.0 * M_PI * f0 * i / file_rate);
	static const struct {
		float pitch_st, cv;
		double expect_hz;
	} cases[] = {
	    {0.0f, 0.0f, 1000.0},
	    {12.0f, 0.0f, 2000.0},
	    {-7.0f, 0.0f, 0.0}, /* worked out below */
	    {0.0f, 1.0f, 2000.0},
	};
	for (int c = 0; c < 4; c++) {
		host_module_t m;
		host_open_or_die(&m, path, RATE_HZ, BLOCK);
		host_set(&m, "pitch", cases[c].pitch_st);
		host_init(&m);
		int32_t kept = load(&m, sine, n, 1, (float)file_rate);
		uint64_t at = 0;
		play_t p = play(&m, 48000, &at, 1, cases[c].cv, NULL, 0);
		double expect = c == 2 ? 1000.0 * pow(2.0, -7.0 / 12.0) : cases[c].expect_hz;
		double hz = measure_freq_hz(p.out, p.frames, RATE_HZ);
		double cents = 1200.0 * log2(hz / expect);
		char what[200];
		snprintf(what, sizeof what,
		         "44.1 kHz file of 1 kHz, pitch %+g st, CV %+g V: %.4f Hz, expected %.4f "
		         "(%+.4f cent, limit 0.05)",
		         (double)cases[c].pitch_st, (double)cases[c].cv, hz, expect, cents);
		check(kept == (int32_t)n && fabs(cents) < 0.05, what);
		if (c == 0) {
			double err = 0.0;
			for (uint64_t i = 0; i < p.frames; i++) {
				double ideal = sin(2.0 * M_PI * f0 * (double)i / RATE_HZ);
				err = fmax(err, fabs(p.out[i] - ideal));
			}
			snprintf(
			    what, sizeof what,
			    "cubic Hermite read of the 44.1 kHz sine: within %.2e of the ideal "
			    "(limit 2e-3)",
			    err);
			check(err < 2e-3, what);
		}
		play_free(&p);
		host_close(&m);
	}
	free(sine);
}

#define RAMP_N 4800u /* 0.1 s at 48 kHz */

static float ramp_value(uint32_t i)
{
	return (float)(i + 1) / (float)RAMP_N;
}

/* Plays the ramp sample with the parameters given; checks out against expect(k) for each
 * frame k after the trigger (NaN: 0 expected). */
static void region_case(const char *what, float start, float end, int loop, int reverse,
                        uint32_t first, uint32_t count, int stops)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	host_set(&m, "start", start);
	host_set(&m, "end", end);
	host_set(&m, "loop", (float)loop);
	host_set(&m, "reverse", (float)reverse);
	host_init(&m);
	float *x = host_alloc(RAMP_N);
	for (uint32_t i = 0; i < RAMP_N; i++)
		x[i] = ramp_value(i);
	load(&m, x, RAMP_N, 1, RATE_HZ);
	const uint64_t at = 1234;
	play_t p = play(&m, at + 3 * RAMP_N, &at, 1, 0.0f, NULL, 0);
	uint32_t bad = 0;
	int ok = p.out[at - 1] == 0.0f;
	for (uint32_t k = 0; k < 2 * RAMP_N + 100 && at + k < p.frames; k++) {
		float expect;
		if (k < count || loop) {
			uint32_t j = k % count;
			expect = ramp_value(reverse ? first - j : first + j);
		} else {
			expect = stops ? 0.0f : NAN;
		}
		if (p.out[at + k] != expect && !isnan(expect)) {
			if (bad++ < 3)
				printf("     frame %llu: %.9g, expected %.9g\n",
				       (unsigned long long)(at + k), (double)p.out[at + k],
				       (double)expect);
		}
	}
	char line[240];
	snprintf(line, sizeof line,
	         "%s: 0 before the trigger at frame %llu, then %u frames "
	         "from sample frame %u exactly%s (%u wrong)",
	         what, (unsigned long long)at, count, first, loop ? ", looping" : ", then 0", bad);
	check(ok && bad == 0, line);
	free(x);
	play_free(&p);
	host_close(&m);
}

static void test_regions(void)
{
	region_case("whole ramp", 0.0f, 1.0f, 0, 0, 0, RAMP_N, 1);
	region_case("start 0.25, end 0.5", 0.25f, 0.5f, 0, 0, RAMP_N / 4, RAMP_N / 4, 1);
	region_case("start 0.5, end 0.25 (same region)", 0.5f, 0.25f, 0, 0, RAMP_N / 4, RAMP_N / 4,
	            1);
	region_case("start 0.25, end 0.5, loop", 0.25f, 0.5f, 1, 0, RAMP_N / 4, RAMP_N / 4, 1);
	region_case("reverse", 0.0f, 1.0f, 0, 1, RAMP_N - 1, RAMP_N, 1);
	region_case("start 0.25, end 0.5, reverse, loop", 0.25f, 0.5f, 1, 1, RAMP_N / 2 - 1,
	            RAMP_N / 4, 1);
}

static void test_channels(void)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	enum { N = 1000 };
	float *x = host_alloc(3 * N);
	for (uint32_t i = 0; i < N; i++) {
		x[3 * i] = 0.001f * (float)i;
		x[3 * i + 1] = -0.0005f * (float)i;
		x[3 * i + 2] = 0.9f; /* a third channel: dropped */
	}
	int32_t kept = load(&m, x, N, 3, RATE_HZ);
	uint64_t at = 10;
	play_t p = play(&m, 2000, &at, 1, 0.0f, NULL, 0);
	int ok = kept == N;
	for (uint32_t k = 0; k < N; k++)
		ok &= p.left[at + k] == x[3 * k] && p.right[at + k] == x[3 * k + 1] &&
		      p.out[at + k] == 0.5f * (x[3 * k] + x[3 * k + 1]);
	play_free(&p);
	host_init(&m);
	load(&m, x, N, 1, RATE_HZ); /* the interleaved values read as mono */
	p = play(&m, 2000, &at, 1, 0.0f, NULL, 0);
	for (uint32_t k = 0; k < N; k++)
		ok &= p.left[at + k] == x[k] && p.right[at + k] == x[k] && p.out[at + k] == x[k];
	check(ok, "3-channel file: left, right = its first two channels, out their average; "
	          "mono: the same on all three");
	play_free(&p);
	free(x);
	host_close(&m);
}

static void test_load_limits(void)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	const uint32_t n = 50u * 48000u; /* 50 s */
	float *x = host_alloc(2u * n);
	int32_t stereo = load(&m, x, n, 2, RATE_HZ);
	int32_t mono = load(&m, x, 2u * n, 1, RATE_HZ);
	int32_t none = load(&m, x, n, 0, RATE_HZ);
	int32_t zero_rate = load(&m, x, n, 1, 0.0f);
	int32_t nan_rate = load(&m, x, n, 1, NAN);
	int32_t empty = load(&m, x, 0, 1, RATE_HZ);
	char what[240];
	snprintf(what, sizeof what,
	         "load keeps %d frames of stereo (20 s) and %d of mono (40 s); refuses 0 channels "
	         "(%d), rate 0 (%d), rate NaN (%d); an empty file keeps %d",
	         stereo, mono, none, zero_rate, nan_rate, empty);
	check(stereo == 960000 && mono == 1920000 && none == -1 && zero_rate == -1 &&
	          nan_rate == -1 && empty == 0,
	      what);
	free(x);
	host_close(&m);
}

static void test_retrigger(void)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	enum { N = 48000 };
	float *x = host_alloc(N);
	for (uint32_t i = 0; i < N; i++)
		x[i] = (float)sin(2.0 * M_PI * 1000.0 * i / RATE_HZ);
	load(&m, x, N, 1, RATE_HZ);
	uint64_t at[2] = {100,
	                  100 + 1 + 12 + 41 * 48}; /* the second lands on a peak of the first */
	play_t p = play(&m, 8000, at, 2, 0.0f, NULL, 0);
	double step = measure_max_step(p.out, p.frames);
	char what[200];
	snprintf(what, sizeof what,
	         "retrigger at the old note's peak (%.3f): largest output step %.4f (limit 0.16)",
	         (double)p.out[at[1] - 1], step);
	check(step < 0.16 && p.out[at[1] - 1] > 0.99f, what);
	play_free(&p);
	free(x);
	host_close(&m);
}

/* With a loud noise sample loaded (the generic property test runs with none): parameters at
 * their extremes, and noise, NaN, infinities and huge values on both inputs. */
static void test_extremes_loaded(void)
{
	enum { N = 9600, F = 9600 };
	float *x = host_alloc(2 * N), *trig = host_alloc(F), *cv = host_alloc(F);
	unsigned seed = 3;
	for (uint32_t i = 0; i < 2 * N; i++) {
		seed = seed * 1103515245u + 12345u;
		x[i] = i % 97 == 0 ? NAN : (float)((double)(seed >> 8) / 8388608.0 - 1.0) * 20.0f;
	}
	static const float odd[] = {NAN, INFINITY, -INFINITY, 1e30f, -1e30f, 0.0f, 1.0f, 10.0f};
	float *out[3] = {host_alloc(F), host_alloc(F), host_alloc(F)};
	double peak = 0.0;
	unsigned cases = 0;
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	for (uint32_t c = 0; c < 64; c++) {
		for (uint32_t k = 0; k < m.desc->param_count; k++) {
			const cx_param_info_t *info = &m.desc->params[k];
			m.params[k] = (c >> (k % 6)) & 1u ? info->max : info->min;
		}
		host_init(&m);
		load(&m, x, N, 2, c % 2 ? 8000.0f : 192000.0f);
		for (uint32_t i = 0; i < F; i++) {
			trig[i] = (i / (7 + c)) % 2 ? 1.0f : 0.0f;
			cv[i] = c % 4 == 0 ? odd[(i / 5) % 8] : (float)(c % 4) * 3.0f - 6.0f;
		}
		const float *in[] = {trig, cv};
		host_render(&m, F, BLOCK, in, out, NULL, 0);
		for (int o = 0; o < 3; o++)
			peak = fmax(peak, measure_peak(out[o], F));
		cases++;
	}
	char what[200];
	snprintf(what, sizeof what,
	         "a loud noise sample loaded, %u cases of parameter extremes and odd inputs: "
	         "outputs finite, peak %g (limit 10)",
	         cases, peak);
	check(peak <= 10.0, what);
	host_close(&m);
	free(x);
	free(trig);
	free(cv);
	for (int o = 0; o < 3; o++)
		free(out[o]);
}

/* One block of 512 against 512 blocks of 1 with a sample loaded and events. */
static void test_split_loaded(void)
{
	enum { N = 4096, F = 512 };
	float *x = host_alloc(N);
	for (uint32_t i = 0; i < N; i++)
		x[i] = (float)sin(0.05 * i) * (float)(i % 7) / 7.0f;
	float trig[F], cv[F];
	for (uint32_t i = 0; i < F; i++) {
		trig[i] = (i / 40) % 3 == 0 ? 1.0f : 0.0f;
		cv[i] = (float)sin(0.01 * i);
	}
	float *a[3], *b[3];
	for (int o = 0; o < 3; o++) {
		a[o] = host_alloc(F);
		b[o] = host_alloc(F);
	}
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, F);
	host_event_t ev[4] = {{0, host_param(&m, "pitch"), 5.0f},
	                      {100, host_param(&m, "reverse"), 1.0f},
	                      {200, host_param(&m, "loop"), 1.0f},
	                      {300, host_param(&m, "level"), 0.3f}};
	const float *in[] = {trig, cv};
	load(&m, x, N, 1, 44100.0f);
	host_render(&m, F, F, in, a, ev, 4);
	host_close(&m);
	host_open_or_die(&m, path, RATE_HZ, F);
	load(&m, x, N, 1, 44100.0f);
	host_render(&m, F, 1, in, b, ev, 4);
	int same = 1;
	for (int o = 0; o < 3; o++)
		same &= memcmp(a[o], b[o], F * sizeof(float)) == 0;
	check(same, "a sample loaded, triggers, pitch CV and events: one 512-frame block and 512 "
	            "one-frame blocks bit-identical");
	host_close(&m);
	free(x);
	for (int o = 0; o < 3; o++) {
		free(a[o]);
		free(b[o]);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s sampler.so\n", argv[0]);
		return 2;
	}
	path = argv[1];
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	int has_load = m.desc->struct_size >= sizeof(cx_module_t) && m.desc->load != NULL;
	printf("     state %u bytes\n", m.desc->state_size);
	host_close(&m);
	check(has_load, "the descriptor has load() (ABI 1.2)");
	if (!has_load)
		return 1;
	test_silent();
	test_rate();
	test_regions();
	test_channels();
	test_load_limits();
	test_retrigger();
	test_extremes_loaded();
	test_split_loaded();
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
