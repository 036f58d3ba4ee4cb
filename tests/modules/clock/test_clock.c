/*
 * test_clock — clock pulses on exact frames of the transport's grid, at every rate.
 *
 * Pulse k of a rate with q pulses a beat must start on the first frame f with
 * f x bpm / 60 / rate_hz >= k / q. With q = a / b and whole bpm and sample rate that frame is
 * ceil(k 60 rate_hz b / (bpm a)), computed here in integers, so each check is an equality:
 *  - every rate at 120 BPM, 48 kHz (periods of whole frames) over 4 bars: `out` rises on
 *    each expected frame and falls round(width x period) later, `trig` 48 frames (1 ms) later;
 *    blocks of 64 and of 1 frame bit-identical;
 *  - the rate names are the test's list, valid names for the engine ([a-z][a-z0-9_]*), at
 *    most 16 of them;
 *  - periods of fractional frames: sixteenth at 44.1 kHz (5512.5 frames), eighth_d,
 *    quarter_t and sixteenth_t at 137 BPM, where the grid falls between frames;
 *  - width 0.05 and 0.95;
 *  - play starting at frame 37 of a block;
 *  - a change of rate mid-play (quarter to sixteenth at frame 31000): the next pulse on the new
 *    grid's
 *    next point, 36000, after a low frame;
 *  - stopped: both outputs low; parameters thrown about while playing: outputs 0 or 1,
 *    blocks of 64 and 1 agree, each trig starts on a rising `out` after a low frame.
 * Usage: test_clock clock.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define EDGES_MAX 4096u

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		failures++;
}

/* The rates in clock.c's order, as pulses a beat a / b; the check below holds each name to
 * the engine's rule for names, [a-z][a-z0-9_]*. */
static const struct {
	const char *name;
	uint64_t a, b;
} rates[] = {
    {"bars4", 1, 16},  {"bars2", 1, 8},     {"bar", 1, 4},       {"half", 1, 2},
    {"quarter", 1, 1}, {"eighth", 2, 1},    {"sixteenth", 4, 1}, {"thirtysecond", 8, 1},
    {"half_t", 3, 4},  {"quarter_t", 3, 2}, {"eighth_t", 3, 1},  {"sixteenth_t", 6, 1},
    {"half_d", 1, 3},  {"quarter_d", 2, 3}, {"eighth_d", 4, 3},  {"sixteenth_d", 8, 3},
};
#define RATE_COUNT (sizeof rates / sizeof rates[0])

static uint32_t rate_index(const char *name)
{
	for (uint32_t i = 0; i < RATE_COUNT; i++)
		if (strcmp(rates[i].name, name) == 0)
			return i;
	exit(2);
}

/* The module's rate names: the list above, in its order, each a name the engine takes. */
static void test_names(const char *path)
{
	host_module_t m;
	host_open_or_die(&m, path, 48000.0f, 64);
	const cx_param_info_t *rate = &m.desc->params[host_param(&m, "rate")];
	uint32_t count = (uint32_t)rate->max + 1u;
	int ok = rate->min == 0.0f && count == RATE_COUNT && count <= 16u;
	for (uint32_t i = 0; ok && i < count; i++) {
		const char *s = rate->enum_names[i];
		ok = strcmp(s, rates[i].name) == 0 && s[0] >= 'a' && s[0] <= 'z' && strlen(s) < 24;
		for (const char *q = s; ok && *q; q++)
			ok = (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_';
		if (!ok)
			printf("     rate %u: '%s', expected '%s'\n", i, s, rates[i].name);
	}
	check(ok, "rate names: the 16 expected, each [a-z][a-z0-9_]* as the engine wants");
	host_close(&m);
}

/* The frame pulse k of rate r starts on, `start` frames after play. */
static uint64_t pulse_frame(uint32_t r, uint64_t k, uint64_t bpm, uint64_t rate_hz, uint64_t start)
{
	uint64_t num = k * 60u * rate_hz * rates[r].b, den = bpm * rates[r].a;
	return start + (num + den - 1u) / den;
}

static uint32_t edges(const float *x, uint64_t n, int dir, uint64_t *at)
{
	uint32_t count = 0;
	int high = 0;
	for (uint64_t i = 0; i < n; i++) {
		int h = x[i] > 0.5f;
		if (h != high && h == dir && count < EDGES_MAX)
			at[count++] = i;
		high = h;
	}
	return count;
}

static int same_edges(const char *what, const uint64_t *found, uint32_t nf, const uint64_t *expect,
                      uint32_t ne, int quiet)
{
	uint32_t n = nf < ne ? nf : ne;
	for (uint32_t i = 0; i < n; i++) {
		if (found[i] != expect[i]) {
			printf("     %s: edge %u at frame %llu, expected %llu\n", what, i,
			       (unsigned long long)found[i], (unsigned long long)expect[i]);
			return 0;
		}
	}
	if (nf != ne) {
		printf("     %s: %u edges, expected %u\n", what, nf, ne);
		return 0;
	}
	if (!quiet)
		printf("     %s: %u edges, first %llu, last %llu, as expected\n", what, nf,
		       n ? (unsigned long long)found[0] : 0ull,
		       n ? (unsigned long long)found[n - 1] : 0ull);
	return 1;
}

typedef struct run {
	float *out, *trig;
} run_t;

/* Renders `frames` frames at rate r, playing from `start` frames in (stopped before). */
static run_t render(const char *path, float rate_hz, double bpm, uint32_t r, float width,
                    uint64_t frames, uint32_t block, uint32_t start)
{
	host_module_t m;
	host_open_or_die(&m, path, rate_hz, 64);
	host_set(&m, "rate", (float)r);
	host_set(&m, "width", width);
	host_init(&m);
	run_t x = {host_alloc(frames), host_alloc(frames)};
	float *out[CX_PORTS_MAX] = {0};
	out[host_out(&m, "out")] = x.out;
	out[host_out(&m, "trig")] = x.trig;
	host_set_transport(&m, bpm, -(double)start * bpm / 60.0 / (double)rate_hz, 1);
	host_render(&m, frames, block, NULL, out, NULL, 0);
	host_close(&m);
	return x;
}

static void run_free(run_t *x)
{
	free(x->out);
	free(x->trig);
}

/* One rate: rises, falls and trigs on their frames, and blocks of 64 == blocks of 1. */
static int test_rate(const char *path, float rate_hz, uint64_t bpm, uint32_t r, float width,
                     uint64_t frames, uint32_t start, int quiet)
{
	static uint64_t up[EDGES_MAX], down[EDGES_MAX], want_up[EDGES_MAX], want_down[EDGES_MAX],
	    want_trig[EDGES_MAX];
	uint32_t n = 0;
	for (uint64_t k = 0; n < EDGES_MAX; k++) {
		uint64_t f = pulse_frame(r, k, bpm, (uint64_t)rate_hz, start);
		if (f >= frames)
			break;
		uint64_t next = pulse_frame(r, k + 1, bpm, (uint64_t)rate_hz, start);
		double period = 60.0 * (double)rate_hz * (double)rates[r].b /
		                ((double)bpm * (double)rates[r].a);
		uint64_t len = (uint64_t)floor((double)width * period + 0.5);
		len = len < next - f - 1 ? len : next - f - 1;
		want_up[n] = f;
		want_down[n] = f + len;
		want_trig[n] = f + 48u * (uint64_t)rate_hz / 48000u;
		n++;
	}
	uint32_t nd = n;
	if (nd > 0 && want_down[nd - 1] >= frames)
		nd--;
	run_t a = render(path, rate_hz, (double)bpm, r, width, frames, 64, start);
	run_t b = render(path, rate_hz, (double)bpm, r, width, frames, 1, start);
	char what[128];
	snprintf(what, sizeof what, "%s at %llu BPM, %g Hz, width %g: out rises", rates[r].name,
	         (unsigned long long)bpm, (double)rate_hz, (double)width);
	int ok = same_edges(what, up, edges(a.out, frames, 1, up), want_up, n, quiet);
	ok &= same_edges("  out falls", down, edges(a.out, frames, 0, down), want_down, nd, 1);
	ok &= same_edges("  trig rises", up, edges(a.trig, frames, 1, up), want_up, n, 1);
	uint32_t nt = n;
	if (nt > 0 && want_trig[nt - 1] >= frames)
		nt--;
	ok &= same_edges("  trig falls", down, edges(a.trig, frames, 0, down), want_trig, nt, 1);
	int same = memcmp(a.out, b.out, frames * sizeof(float)) == 0 &&
	           memcmp(a.trig, b.trig, frames * sizeof(float)) == 0;
	if (!same)
		printf("     %s: blocks of 64 and 1 differ\n", what);
	run_free(&a);
	run_free(&b);
	return ok && same && n > 0;
}

static void test_rate_change(const char *path)
{
	host_module_t m;
	host_open_or_die(&m, path, 48000.0f, 64);
	const uint64_t frames = 96000;
	float *out = host_alloc(frames), *trig = host_alloc(frames);
	float *outs[CX_PORTS_MAX] = {0};
	outs[host_out(&m, "out")] = out;
	outs[host_out(&m, "trig")] = trig;
	host_event_t ev = {31000, host_param(&m, "rate"), (float)rate_index("sixteenth")};
	host_set(&m, "rate", (float)rate_index("quarter"));
	host_init(&m);
	host_set_transport(&m, 120.0, 0.0, 1);
	host_render(&m, frames, 64, NULL, outs, &ev, 1);
	uint64_t up[EDGES_MAX], want[16] = {0, 24000};
	uint32_t n = 2;
	for (uint64_t f = 36000; f < frames; f += 6000)
		want[n++] = f;
	int ok = same_edges("quarter then sixteenth from frame 31000: out rises", up,
	                    edges(out, frames, 1, up), want, n, 0);
	ok &= out[35998] == 1.0f && out[35999] == 0.0f && out[36000] == 1.0f;
	/* A change on a point of the new grid (frame 30000 is sixteenth 5) pulses there. */
	host_set(&m, "rate", (float)rate_index("quarter"));
	host_init(&m);
	ev.frame = 30000;
	host_set_transport(&m, 120.0, 0.0, 1);
	host_render(&m, frames, 64, NULL, outs, &ev, 1);
	n = 2;
	for (uint64_t f = 30000; f < frames; f += 6000)
		want[n++] = f;
	ok &= same_edges("quarter then sixteenth from frame 30000: trig rises", up,
	                 edges(trig, frames, 1, up), want, n, 0);
	check(ok, "a change of rate: next pulse on the new grid, the pulse under way cut a frame "
	          "before it");
	free(out);
	free(trig);
	host_close(&m);
}

static void test_stopped(const char *path)
{
	host_module_t m;
	host_open_or_die(&m, path, 48000.0f, 64);
	const uint64_t frames = 48000;
	float *out = host_alloc(frames), *trig = host_alloc(frames);
	float *outs[CX_PORTS_MAX] = {0};
	outs[host_out(&m, "out")] = out;
	outs[host_out(&m, "trig")] = trig;
	host_set_transport(&m, 120.0, 0.0, 1);
	host_render(&m, 30000, 64, NULL, outs, NULL, 0);
	outs[host_out(&m, "out")] = out + 30000;
	outs[host_out(&m, "trig")] = trig + 30000;
	host_set_transport(&m, 120.0, 1.25, 0);
	host_render(&m, frames - 30000, 64, NULL, outs, NULL, 0);
	int ok = out[24000] == 1.0f && out[29999] == 1.0f;
	for (uint64_t i = 30000; i < frames; i++)
		ok &= out[i] == 0.0f && trig[i] == 0.0f;
	check(ok, "stop: both outputs low from the stopped block on");
	free(out);
	free(trig);
	host_close(&m);
}

static unsigned rng_state = 11;

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
	for (int c = 0; c < 3; c++) {
		host_module_t m;
		host_open_or_die(&m, path, rates_hz[c], 64);
		host_event_t ev[1024];
		uint32_t n = 0;
		for (uint64_t f = 0; f < frames && n < 1024;
		     f += 97 + (uint64_t)(rng_uniform() * 400.0)) {
			uint32_t p = (uint32_t)(rng_uniform() * m.desc->param_count);
			const cx_param_info_t *info = &m.desc->params[p];
			ev[n++] = (host_event_t){
			    f, p, (float)(info->min + rng_uniform() * (info->max - info->min))};
		}
		float *x[2][2];
		float params[CX_PARAMS_MAX];
		memcpy(params, m.params, sizeof params);
		for (int k = 0; k < 2; k++) {
			x[k][0] = host_alloc(frames);
			x[k][1] = host_alloc(frames);
			memcpy(m.params, params,
			       sizeof params); /* the render leaves the last values */
			host_init(&m);
			host_set_transport(&m, bpms[c], -5.0 * bpms[c] / 60.0 / (double)rates_hz[c],
			                   1);
			float *out[CX_PORTS_MAX] = {x[k][0], x[k][1]};
			host_render(&m, frames, k == 0 ? 64 : 1, NULL, out, ev, n);
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
				gaps &= x[0][0][i] > 0.5f && x[0][0][i - 1] < 0.5f;
			}
		}
		printf("     %g BPM, %g Hz: %u events, %u pulses%s%s%s\n", bpms[c],
		       (double)rates_hz[c], n, trigs, same ? "" : ", blocks 64 != 1",
		       range ? "" : ", out of range", gaps ? "" : ", a pulse without a low frame");
		ok &= same && range && gaps && trigs > 0;
		for (int k = 0; k < 2; k++) {
			free(x[k][0]);
			free(x[k][1]);
		}
		host_close(&m);
	}
	check(ok, "rate and width thrown about while playing: outputs 0 or 1, blocks 64 == 1, "
	          "every pulse after a low frame");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s clock.so\n", argv[0]);
		return 2;
	}
	const char *path = argv[1];
	test_names(path);
	const uint64_t bars4 = 384000; /* 4 bars at 120 BPM, 48 kHz */
	int ok = 1;
	for (uint32_t r = 0; r < RATE_COUNT; r++)
		ok &= test_rate(path, 48000.0f, 120, r, 0.5f, bars4, 0, 0);
	check(ok, "every rate at 120 BPM, 48 kHz: pulses on their exact frames, width 0.5, "
	          "trig 1 ms, blocks of 64 and 1 identical");
	ok = test_rate(path, 44100.0f, 120, rate_index("sixteenth"), 0.5f, 352800, 0, 0);
	ok &= test_rate(path, 48000.0f, 137, rate_index("eighth_d"), 0.5f, 400000, 0, 0);
	ok &= test_rate(path, 48000.0f, 137, rate_index("quarter_t"), 0.5f, 400000, 0, 0);
	ok &= test_rate(path, 44100.0f, 137, rate_index("sixteenth_t"), 0.5f, 400000, 0, 0);
	check(ok, "grids between frames: each pulse on the first frame at or past its beat");
	ok = test_rate(path, 48000.0f, 120, rate_index("eighth"), 0.05f, bars4, 0, 0);
	ok &= test_rate(path, 48000.0f, 120, rate_index("eighth"), 0.95f, bars4, 0, 0);
	check(ok, "width 0.05 and 0.95");
	ok = test_rate(path, 48000.0f, 120, rate_index("sixteenth"), 0.5f, bars4, 37, 0);
	ok &= test_rate(path, 48000.0f, 120, rate_index("quarter_t"), 0.5f, bars4, 37, 0);
	check(ok, "play at frame 37 of a block: pulses from there");
	test_rate_change(path);
	test_stopped(path);
	test_stress(path);
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
