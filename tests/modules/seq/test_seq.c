/*
 * test_seq — seq places its steps on exact frames of the transport's grid.
 *
 * At 120 BPM, 48 kHz and div 4 a step is exactly 6000 frames, so every edge has one right
 * frame and each check is an equality:
 *  - the grid helpers in dsp.h (cx_grid_next, cx_transport_start) agree with a frame-by-frame
 *    scan of cx_grid_point at awkward tempi and rates, block starts and beats;
 *  - pattern x...x... over 16 steps x 4 bars: gate rises on frames k 24000, falls 3000 later;
 *    with blocks of 64 and of 1 frame, the outputs bit-identical;
 *  - every step active at length 1: gate rises on every step's frame, after exactly one low
 *    frame; trig is 48 frames (1 ms) from each;
 *  - play starting mid-block (frame 37, and after stopped blocks): edges at 37 + k 24000;
 *  - a 7-step pattern wraps (x.x.... repeating over the 64 steps);
 *  - pitch takes pitchN on each active step's exact frame, holds over rests and after stop;
 *    step reads (n - 1) / steps;
 *  - a rising reset restarts slot 1 on its own frame, slot 2 follows on the next grid step;
 *  - stopped: gate and trig stay low.
 * Prints the edges it found next to those expected and fails on any difference.
 * Usage: test_seq seq.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chronus/dsp.h"
#include "host.h"

#define RATE_HZ     48000.0f
#define BPM         120.0
#define STEP_FRAMES 6000u /* 120 BPM, div 4, 48 kHz */
#define BARS_FRAMES (16u * STEP_FRAMES * 4u)
#define EDGES_MAX   256u
#define GRID_FRAMES 4096u

static const char *path;
static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		failures++;
}

typedef struct render {
	float *gate, *trig, *pitch, *step;
	uint64_t frames;
} render_t;

static void render_free(render_t *r)
{
	free(r->gate);
	free(r->trig);
	free(r->pitch);
	free(r->step);
}

/* Renders seq with the given parameters from a transport at `beat` (playing), in blocks. */
static render_t render(host_module_t *m, uint64_t frames, uint32_t block, double beat,
                       const float *reset, const host_event_t *ev, uint32_t ev_count)
{
	render_t r = {host_alloc(frames), host_alloc(frames), host_alloc(frames),
	              host_alloc(frames), frames};
	host_init(m);
	host_set_transport(m, BPM, beat, 1);
	const float *in[CX_PORTS_MAX] = {0};
	in[host_in(m, "reset")] = reset;
	float *out[CX_PORTS_MAX] = {0};
	out[host_out(m, "gate")] = r.gate;
	out[host_out(m, "trig")] = r.trig;
	out[host_out(m, "pitch")] = r.pitch;
	out[host_out(m, "step")] = r.step;
	host_render(m, frames, block, in, out, ev, ev_count);
	return r;
}

/* Rising (dir 1) or falling (dir 0) edges of x across 0.5, the frame after the crossing. */
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

/* Compares found edges with expected ones; prints the first difference. */
static int same_edges(const char *what, const uint64_t *found, uint32_t nf, const uint64_t *expect,
                      uint32_t ne)
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
	printf("     %s: %u edges, first %llu, last %llu, as expected\n", what, nf,
	       n ? (unsigned long long)found[0] : 0ull,
	       n ? (unsigned long long)found[n - 1] : 0ull);
	return 1;
}

static void set_pattern(host_module_t *m, const char *pattern)
{
	for (int i = 0; i < 16; i++) {
		char name[16];
		snprintf(name, sizeof name, "gate%d", i + 1);
		host_set(m, name, i < (int)strlen(pattern) && pattern[i] == 'x' ? 1.0f : 0.0f);
	}
}

/* The grid helpers against a scan of cx_grid_point, frame by frame. */
static void test_grid(void)
{
	static const double bpms[] = {120.0, 97.3, 999.0, 20.0, 133.33};
	static const double rates[] = {48000.0, 44100.0, 96000.0};
	static const double per_beats[] = {4.0, 1.5, 0.25, 16.0, 2.0 / 3.0};
	int ok = 1;
	unsigned cases = 0;
	for (int b = 0; b < 5; b++) {
		for (int r = 0; r < 3; r++) {
			for (int q = 0; q < 5; q++) {
				for (int start = 0; start < 40; start++) {
					double bpf = bpms[b] / 60.0 / rates[r];
					cx_process_t p = {.frames = GRID_FRAMES,
					                  .playing = 1,
					                  .beats_per_frame = bpf};
					p.beat = -17.0 * bpf + start * 0.37 * per_beats[q] +
					         (start % 3) * 1e-12;
					uint32_t s0 = cx_transport_start(&p), scan = 0;
					while (scan < GRID_FRAMES &&
					       cx_grid_point(&p, 1.0, scan) < 0)
						scan++;
					if (s0 != scan && ok)
						printf("     start: %u, scan %u (bpm %g rate %g "
						       "beat %.17g)\n",
						       s0, scan, bpms[b], rates[r], p.beat);
					ok &= s0 == scan;
					int64_t point = cx_grid_point(&p, per_beats[q], -1);
					for (uint32_t i = 0; i < GRID_FRAMES;) {
						uint32_t next = cx_grid_next(&p, per_beats[q],
						                             point, i, GRID_FRAMES);
						uint32_t j = i;
						while (j < GRID_FRAMES &&
						       cx_grid_point(&p, per_beats[q], j) <= point)
							j++;
						if (next != j && ok)
							printf("     next: %u, scan %u (bpm %g, "
							       "rate %g, grid %g, beat %.17g)\n",
							       next, j, bpms[b], rates[r],
							       per_beats[q], p.beat);
						ok &= next == j;
						if (j >= GRID_FRAMES)
							break;
						point = cx_grid_point(&p, per_beats[q], j);
						i = j + 1;
						cases++;
					}
				}
			}
		}
	}
	check(ok && cases > 1000,
	      "cx_grid_next and cx_transport_start equal a frame-by-frame scan");
	printf("     %u grid steps at 5 tempi, 3 rates, 5 grids, 40 block positions\n", cases);
}

static void test_pattern(host_module_t *m)
{
	set_pattern(m, "x...x...x...x...");
	uint64_t up[EDGES_MAX], down[EDGES_MAX], expect_up[16], expect_down[16];
	for (uint32_t k = 0; k < 16; k++) {
		expect_up[k] = (uint64_t)k * 4u * STEP_FRAMES;
		expect_down[k] = expect_up[k] + STEP_FRAMES / 2u;
	}
	render_t a = render(m, BARS_FRAMES, 64, 0.0, NULL, NULL, 0);
	render_t b = render(m, BARS_FRAMES, 1, 0.0, NULL, NULL, 0);
	uint32_t nu = edges(a.gate, a.frames, 1, up), nd = edges(a.gate, a.frames, 0, down);
	check(same_edges("x...x... gate rises, 64-frame blocks", up, nu, expect_up, 16) &&
	          same_edges("x...x... gate falls (length 0.5)", down, nd, expect_down, 16),
	      "pattern x...x... over 4 bars: gate on frames k 24000, 3000 long");
	nu = edges(b.gate, b.frames, 1, up);
	int same = memcmp(a.gate, b.gate, a.frames * sizeof(float)) == 0 &&
	           memcmp(a.trig, b.trig, a.frames * sizeof(float)) == 0 &&
	           memcmp(a.pitch, b.pitch, a.frames * sizeof(float)) == 0 &&
	           memcmp(a.step, b.step, a.frames * sizeof(float)) == 0;
	check(same_edges("x...x... gate rises, 1-frame blocks", up, nu, expect_up, 16) && same,
	      "blocks of 64 and of 1 frame: every output bit-identical");
	render_free(&a);
	render_free(&b);
}

static void test_every_step(host_module_t *m)
{
	set_pattern(m, "xxxxxxxxxxxxxxxx");
	host_set(m, "length", 1.0f);
	render_t a = render(m, BARS_FRAMES, 64, 0.0, NULL, NULL, 0);
	uint64_t up[EDGES_MAX], tup[EDGES_MAX], tdown[EDGES_MAX], expect[64], expect_t[64];
	for (uint32_t k = 0; k < 64; k++) {
		expect[k] = (uint64_t)k * STEP_FRAMES;
		expect_t[k] = expect[k] + 48u;
	}
	uint32_t nu = edges(a.gate, a.frames, 1, up);
	int one_low = 1;
	for (uint32_t k = 1; k < 64; k++)
		one_low &=
		    a.gate[k * STEP_FRAMES - 1] == 0.0f && a.gate[k * STEP_FRAMES - 2] == 1.0f;
	check(same_edges("all steps, length 1: gate rises", up, nu, expect, 64) && one_low,
	      "16 active steps at length 1: gate rises on every step after exactly 1 low frame");
	uint32_t ntu = edges(a.trig, a.frames, 1, tup), ntd = edges(a.trig, a.frames, 0, tdown);
	check(same_edges("trig rises", tup, ntu, expect, 64) &&
	          same_edges("trig falls", tdown, ntd, expect_t, 64),
	      "trig: 48 frames (1 ms) from each step's frame");
	host_set(m, "length", 0.5f);
	render_free(&a);
}

static void test_play_mid_block(host_module_t *m)
{
	set_pattern(m, "x...x...x...x...");
	double bpf = BPM / 60.0 / RATE_HZ;
	uint64_t up[EDGES_MAX], expect[16];
	for (uint32_t k = 0; k < 16; k++)
		expect[k] = 37u + (uint64_t)k * 4u * STEP_FRAMES;
	render_t a = render(m, BARS_FRAMES + 37u, 64, -37.0 * bpf, NULL, NULL, 0);
	render_t b = render(m, BARS_FRAMES + 37u, 1, -37.0 * bpf, NULL, NULL, 0);
	uint32_t na = edges(a.gate, a.frames, 1, up);
	int ok = same_edges("play at frame 37, 64-frame blocks", up, na, expect, 16);
	uint32_t nb = edges(b.gate, b.frames, 1, up);
	ok &= same_edges("play at frame 37, 1-frame blocks", up, nb, expect, 16);
	check(ok && memcmp(a.gate, b.gate, a.frames * sizeof(float)) == 0,
	      "play starting mid-block: edges at 37 + k 24000, blocks of 64 and 1 identical");
	render_free(&a);
	render_free(&b);

	/* Stopped for 200 blocks, then play lands at frame 13 of a block (frame 12813). */
	host_init(m);
	render_t c = {host_alloc(BARS_FRAMES), host_alloc(BARS_FRAMES), host_alloc(BARS_FRAMES),
	              host_alloc(BARS_FRAMES), BARS_FRAMES};
	float *out[CX_PORTS_MAX] = {0};
	out[host_out(m, "gate")] = c.gate;
	host_set_transport(m, BPM, 0.0, 0);
	host_render(m, 12800, 64, NULL, out, NULL, 0);
	out[host_out(m, "gate")] = c.gate + 12800;
	host_set_transport(m, BPM, -13.0 * bpf, 1);
	host_render(m, BARS_FRAMES - 12800, 64, NULL, out, NULL, 0);
	for (uint32_t k = 0; k < 16; k++)
		expect[k] = 12813u + (uint64_t)k * 4u * STEP_FRAMES;
	uint32_t nc = edges(c.gate, c.frames, 1, up);
	check(same_edges("stopped, then play at frame 12813", up, nc, expect, 16),
	      "play after stopped blocks: edges from play's exact frame");
	render_free(&c);
}

static void test_seven(host_module_t *m)
{
	set_pattern(m, "x.x....");
	host_set(m, "steps", 7.0f);
	render_t a = render(m, BARS_FRAMES, 64, 0.0, NULL, NULL, 0);
	uint64_t up[EDGES_MAX], expect[64];
	uint32_t ne = 0;
	for (uint32_t k = 0; k < 64; k++)
		if (k % 7 == 0 || k % 7 == 2)
			expect[ne++] = (uint64_t)k * STEP_FRAMES;
	uint32_t n = edges(a.gate, a.frames, 1, up);
	int steps_ok = 1;
	for (uint32_t k = 0; k < 64; k++)
		steps_ok &= a.step[k * STEP_FRAMES + 10] == (float)(k % 7) / 7.0f;
	check(same_edges("7 steps, x.x....", up, n, expect, ne) && steps_ok,
	      "a 7-step pattern wraps every 7 steps; step output (n - 1) / 7");
	host_set(m, "steps", 16.0f);
	render_free(&a);
}

static void test_pitch(host_module_t *m)
{
	set_pattern(m, "xxxxxxx.xxxxxxxx"); /* step 8 rests: pitch holds step 7's */
	for (int i = 0; i < 16; i++) {
		char name[16];
		snprintf(name, sizeof name, "pitch%d", i + 1);
		host_set(m, name, (float)(i - 7) * 0.3125f);
	}
	const uint64_t frames = 2u * 16u * STEP_FRAMES + 1000u;
	render_t a = render(m, frames, 64, 0.0, NULL, NULL, 0);
	int ok = a.pitch[0] == -7.0f * 0.3125f;
	for (uint32_t k = 1; k < 32; k++) {
		uint32_t slot = k % 16, prev = (k - 1) % 16;
		float want =
		    slot == 7 ? (float)(6 - 7) * 0.3125f : (float)((int)slot - 7) * 0.3125f;
		float before =
		    prev == 7 ? (float)(6 - 7) * 0.3125f : (float)((int)prev - 7) * 0.3125f;
		if (a.pitch[k * STEP_FRAMES] != want || a.pitch[k * STEP_FRAMES - 1] != before ||
		    a.pitch[k * STEP_FRAMES + 5999] != want) {
			printf(
			    "     step %u: pitch %g at its frame (%g before), expected %g (%g)\n",
			    k, (double)a.pitch[k * STEP_FRAMES],
			    (double)a.pitch[k * STEP_FRAMES - 1], (double)want, (double)before);
			ok = 0;
		}
	}
	check(ok, "pitch: pitchN on each active step's exact frame, held over the rest at step 8");
	render_free(&a);

	/* Stop after 10.5 steps: pitch holds step 11's, gate and trig go low. */
	host_init(m);
	float *pitch = host_alloc(200000), *gate = host_alloc(200000), *trig = host_alloc(200000);
	float *out[CX_PORTS_MAX] = {0};
	out[host_out(m, "pitch")] = pitch;
	out[host_out(m, "gate")] = gate;
	out[host_out(m, "trig")] = trig;
	host_set_transport(m, BPM, 0.0, 1);
	host_render(m, 63000, 64, NULL, out, NULL, 0); /* 10.5 steps: gate high at the end */
	out[host_out(m, "pitch")] = pitch + 63000;
	out[host_out(m, "gate")] = gate + 63000;
	out[host_out(m, "trig")] = trig + 63000;
	host_set_transport(m, BPM, 10.5 / 4.0, 0);
	host_render(m, 200000 - 63000, 64, NULL, out, NULL, 0);
	int held = 1, low = 1;
	for (uint32_t i = 63000; i < 200000; i++) {
		held &= pitch[i] == (float)(10 - 7) * 0.3125f;
		low &= gate[i] == 0.0f && trig[i] == 0.0f;
	}
	check(held && low, "stopped: pitch holds, gate and trig low");
	free(pitch);
	free(gate);
	free(trig);
}

static void test_reset(host_module_t *m)
{
	set_pattern(m, "xx..............");
	const uint64_t frames = 200000, reset_at = 50000;
	float *reset = host_alloc(frames);
	for (uint64_t i = reset_at; i < reset_at + 100; i++)
		reset[i] = 1.0f;
	render_t a = render(m, frames, 64, 0.0, reset, NULL, 0);
	render_t b = render(m, frames, 1, 0.0, reset, NULL, 0);
	/* slots 1, 2 at steps 0, 1; reset at 50000 (in step 8): slot 1 there, slot 2 at step 9
	 * (54000), slot 1 again 15 steps later (144000), slot 2 at 150000. */
	const uint64_t expect[] = {0, 6000, 50000, 54000, 144000, 150000};
	uint64_t up[EDGES_MAX], down[EDGES_MAX];
	uint32_t n = edges(a.gate, frames, 1, up), nd = edges(a.gate, frames, 0, down);
	const uint64_t expect_down[] = {3000, 9000, 53000, 57000, 147000, 153000};
	int ok = same_edges("reset at 50000: gate rises", up, n, expect, 6) &&
	         same_edges("reset at 50000: gate falls", down, nd, expect_down, 6);
	ok &= a.step[reset_at - 1] == 8.0f / 16.0f && a.step[reset_at] == 0.0f &&
	      a.step[54000] == 1.0f / 16.0f;
	check(ok && memcmp(a.gate, b.gate, frames * sizeof(float)) == 0,
	      "reset restarts slot 1 on its frame; slot 2 on the next grid step; blocks 64 == 1");
	render_free(&a);
	render_free(&b);
	free(reset);
}

static unsigned rng_state = 7;

static double rng_uniform(void) /* [0, 1) */
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (double)(rng_state >> 8) / 16777216.0;
}

/* The running transport under abuse: every parameter thrown about by events (steps and div
 * too), at the slowest and fastest tempi, with and without a noisy reset. Outputs stay in
 * range, blocks of 64 and of 1 frame agree bit for bit, and with no reset every trig starts on
 * a frame where gate rises from a low frame. */
static void test_stress(const char *path_so)
{
	static const double bpms[] = {999.0, 20.0, 137.0};
	static const float rates[] = {44100.0f, 48000.0f, 96000.0f};
	const uint64_t frames = 96000;
	int ok = 1;
	for (int c = 0; c < 6; c++) {
		int noisy = c % 2;
		host_module_t a, b;
		host_open_or_die(&a, path_so, rates[c / 2], 64);
		host_open_or_die(&b, path_so, rates[c / 2], 64);
		set_pattern(&a, "xxxxxxxxxxxxxxxx");
		set_pattern(&b, "xxxxxxxxxxxxxxxx");
		host_init(&a);
		host_init(&b);
		host_event_t ev[1024];
		uint32_t n = 0;
		for (uint64_t f = 0; f < frames && n < 1024;
		     f += 97 + (uint64_t)(rng_uniform() * 400.0)) {
			uint32_t p = (uint32_t)(rng_uniform() * a.desc->param_count);
			const cx_param_info_t *info = &a.desc->params[p];
			double r = rng_uniform();
			ev[n++] = (host_event_t){
			    f, p,
			    r < 0.3 ? info->min
			    : r < 0.6
			        ? info->max
			        : (float)(info->min + rng_uniform() * (info->max - info->min))};
		}
		float *reset = host_alloc(frames);
		for (uint64_t i = 0; noisy && i < frames; i++)
			reset[i] = (i / 301) % 3 == 0 && rng_uniform() < 0.9 ? 1.0f : 0.0f;
		render_t x = {host_alloc(frames), host_alloc(frames), host_alloc(frames),
		              host_alloc(frames), frames};
		render_t y = {host_alloc(frames), host_alloc(frames), host_alloc(frames),
		              host_alloc(frames), frames};
		double bpf = bpms[c / 2] / 60.0 / (double)rates[c / 2];
		render_t *rs[2] = {&x, &y};
		host_module_t *ms[2] = {&a, &b};
		for (int k = 0; k < 2; k++) {
			host_set_transport(ms[k], bpms[c / 2], -5.0 * bpf, 1);
			const float *in[CX_PORTS_MAX] = {reset};
			float *out[CX_PORTS_MAX] = {0};
			out[host_out(ms[k], "gate")] = rs[k]->gate;
			out[host_out(ms[k], "trig")] = rs[k]->trig;
			out[host_out(ms[k], "pitch")] = rs[k]->pitch;
			out[host_out(ms[k], "step")] = rs[k]->step;
			host_render(ms[k], frames, k == 0 ? 64 : 1, in, out, ev, n);
		}
		int same = memcmp(x.gate, y.gate, frames * sizeof(float)) == 0 &&
		           memcmp(x.trig, y.trig, frames * sizeof(float)) == 0 &&
		           memcmp(x.pitch, y.pitch, frames * sizeof(float)) == 0 &&
		           memcmp(x.step, y.step, frames * sizeof(float)) == 0;
		int range = 1, gaps = 1;
		uint32_t trigs = 0;
		for (uint64_t i = 0; i < frames; i++) {
			range &= (x.gate[i] == 0.0f || x.gate[i] == 1.0f) &&
			         (x.trig[i] == 0.0f || x.trig[i] == 1.0f) &&
			         fabsf(x.pitch[i]) <= 5.0f && x.step[i] >= 0.0f && x.step[i] < 1.0f;
			if (i > 0 && x.trig[i] > 0.5f && x.trig[i - 1] < 0.5f) {
				trigs++;
				gaps &= noisy || (x.gate[i] > 0.5f && x.gate[i - 1] < 0.5f);
			}
		}
		if (!(same && range && gaps))
			printf(
			    "     %g BPM, %g Hz, reset %s: blocks 64 == 1 %s, range %s, gaps %s\n",
			    bpms[c / 2], (double)rates[c / 2], noisy ? "noise" : "low",
			    same ? "yes" : "NO", range ? "ok" : "BAD", gaps ? "ok" : "BAD");
		printf("     %g BPM, %g Hz, reset %s: %u events, %u trigs\n", bpms[c / 2],
		       (double)rates[c / 2], noisy ? "noise" : "low", n, trigs);
		ok &= same && range && gaps && trigs > 0;
		render_free(&x);
		render_free(&y);
		free(reset);
		host_close(&a);
		host_close(&b);
	}
	check(ok, "playing, parameters thrown about: outputs in range, blocks 64 == 1, gate gaps");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s seq.so\n", argv[0]);
		return 2;
	}
	path = argv[1];
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, 64);
	test_grid();
	test_pattern(&m);
	test_every_step(&m);
	test_play_mid_block(&m);
	test_seven(&m);
	test_pitch(&m);
	test_reset(&m);
	test_stress(path);
	host_close(&m);
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
