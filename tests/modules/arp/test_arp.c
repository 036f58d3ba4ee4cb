/*
 * test_arp — arp plays its notes in each mode's order, in exact volts, on exact frames.
 *
 * At 120 BPM, 48 kHz and div 4 a step is exactly 6000 frames:
 *  - a C major chord (root 0 V) over 2 octaves, the list 0, 4/12, 7/12, 1, 1 4/12, 1 7/12 V:
 *    up, down and updown play the orders the header gives for 30 steps, the pitch at each
 *    gate's rising frame equal bit for bit to (float)(root + semitones / 12 + octave); random
 *    plays the notes PCG32 (dsp.h) draws from `seed`, covers all six, and another seed draws
 *    another order;
 *  - gate rises on frames k 6000 and falls 3000 later (length 0.5); trig is 48 frames;
 *  - held notes (gate1..3 high, pitches given out of order) are sorted and played over 2
 *    octaves, exact volts;
 *  - blocks of 64 and of 1 frame: every output bit-identical;
 *  - at 133 BPM, div 3 (a step of 7218.045 frames) the gate rises on the first frame whose beat
 *    reaches k / 3, for 40 steps;
 *  - chord none and no gate held: no note; a rising reset makes the next step the first note;
 *  - play starting mid-block (frame 37): steps at 37 + k 6000; stopped: gate low.
 * Usage: test_arp arp.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chronus/dsp.h"
#include "host.h"

#define RATE_HZ     48000.0f
#define BPM         120.0
#define STEP_FRAMES 6000u
#define STEPS       30u
#define EDGES_MAX   128u

static const char *path;
static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		failures++;
}

typedef struct render {
	float *pitch, *gate, *trig;
	uint64_t frames;
} render_t;

static void render_free(render_t *r)
{
	free(r->pitch);
	free(r->gate);
	free(r->trig);
}

/* Renders the arp (its parameters already set) from a transport at `beat`, playing. in[] may
 * give inputs by index (NULL: defaults). */
static render_t render(host_module_t *m, uint64_t frames, uint32_t block, double bpm, double beat,
                       const float *const *in, const host_event_t *ev, uint32_t ev_count)
{
	render_t r = {host_alloc(frames), host_alloc(frames), host_alloc(frames), frames};
	host_init(m);
	host_set_transport(m, bpm, beat, 1);
	float *out[CX_PORTS_MAX] = {0};
	out[host_out(m, "pitch")] = r.pitch;
	out[host_out(m, "gate")] = r.gate;
	out[host_out(m, "trig")] = r.trig;
	host_render(m, frames, block, in, out, ev, ev_count);
	return r;
}

/* Rising (dir 1) or falling (dir 0) edges across 0.5. */
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

/* The chord list over 2 octaves, as the header defines it. */
static void major_list(float root, float list[6])
{
	static const int semis[3] = {0, 4, 7};
	for (int o = 0; o < 2; o++)
		for (int v = 0; v < 3; v++)
			list[o * 3 + v] = (float)((double)root + semis[v] / 12.0 + o);
}

static uint32_t order_index(int mode, uint32_t k, uint32_t n, uint64_t *rng)
{
	switch (mode) {
	case 1:
		return n - 1 - k % n;
	case 2: {
		uint32_t period = 2 * n - 2, q = k % period;
		return q < n ? q : period - q;
	}
	case 3:
		return cx_pcg32_below(rng, n);
	default:
		return k % n;
	}
}

/* Checks gate edges at k STEP_FRAMES + offset and the pitch at each against list[]. */
static int check_steps(const render_t *r, const float *list, uint32_t n, int mode, float seed,
                       uint64_t offset, const char *what)
{
	uint64_t up[EDGES_MAX], down[EDGES_MAX];
	uint32_t nu = edges(r->gate, r->frames, 1, up), nd = edges(r->gate, r->frames, 0, down);
	uint64_t rng;
	cx_pcg32_seed(&rng, (uint64_t)seed);
	int ok = nu == STEPS && nd == STEPS;
	uint32_t bad = 0;
	for (uint32_t k = 0; k < nu && k < STEPS; k++) {
		uint64_t at = offset + (uint64_t)k * STEP_FRAMES;
		float expect = list[order_index(mode, k, n, &rng)];
		int good = up[k] == at && down[k] == at + STEP_FRAMES / 2 &&
		           r->pitch[at] == expect && r->trig[at + 47] == 1.0f &&
		           r->trig[at + 48] == 0.0f && (at == 0 || r->gate[at - 1] == 0.0f);
		if (!good && bad++ < 3)
			printf(
			    "     step %u: rise %llu (expected %llu), pitch %.9g (expected %.9g)\n",
			    k, (unsigned long long)up[k], (unsigned long long)at,
			    (double)r->pitch[up[k]], (double)expect);
		ok &= good;
	}
	char line[240];
	snprintf(line, sizeof line,
	         "%s: %u steps on frames %llu + k 6000, gate 3000, trig 48, "
	         "exact volts (%u wrong)",
	         what, nu, (unsigned long long)offset, bad);
	check(ok, line);
	return ok;
}

static void test_modes(void)
{
	static const char *const modes[] = {"up", "down", "updown", "random"};
	float list[6];
	major_list(0.0f, list);
	for (int mode = 0; mode < 4; mode++) {
		host_module_t m;
		host_open_or_die(&m, path, RATE_HZ, 64);
		host_set(&m, "mode", (float)mode);
		host_set(&m, "octaves", 2.0f);
		host_set(&m, "seed", 77.0f);
		render_t a = render(&m, STEPS * STEP_FRAMES, 64, BPM, 0.0, NULL, NULL, 0);
		char what[120];
		snprintf(what, sizeof what, "C major, 2 octaves, %-6s", modes[mode]);
		check_steps(&a, list, 6, mode, 77.0f, 0, what);
		if (mode == 3) {
			int seen[6] = {0}, covered = 1;
			for (uint32_t k = 0; k < STEPS; k++)
				for (int j = 0; j < 6; j++)
					seen[j] |= a.pitch[k * STEP_FRAMES] == list[j];
			for (int j = 0; j < 6; j++)
				covered &= seen[j];
			host_set(&m, "seed", 78.0f);
			render_t c = render(&m, STEPS * STEP_FRAMES, 64, BPM, 0.0, NULL, NULL, 0);
			uint32_t differ = 0;
			for (uint32_t k = 0; k < STEPS; k++)
				differ += c.pitch[k * STEP_FRAMES] != a.pitch[k * STEP_FRAMES];
			snprintf(
			    what, sizeof what,
			    "random: all 6 notes played in %u steps; seed 78 differs on %u of them",
			    STEPS, differ);
			check(covered && differ > STEPS / 2, what);
			render_free(&c);
		}
		render_t b = render(&m, STEPS * STEP_FRAMES, 1, BPM, 0.0, NULL, NULL, 0);
		if (mode != 3) {
			int same = memcmp(a.pitch, b.pitch, a.frames * sizeof(float)) == 0 &&
			           memcmp(a.gate, b.gate, a.frames * sizeof(float)) == 0 &&
			           memcmp(a.trig, b.trig, a.frames * sizeof(float)) == 0;
			snprintf(what, sizeof what, "%-6s: blocks of 64 and of 1 bit-identical",
			         modes[mode]);
			check(same, what);
		}
		render_free(&a);
		render_free(&b);
		host_close(&m);
	}
}

static void test_held(void)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, 64);
	host_set(&m, "octaves", 2.0f);
	uint64_t frames = STEPS * STEP_FRAMES;
	float *in[CX_PORTS_MAX] = {0};
	const float pitches[3] = {0.5f, -0.25f, 0.1f};
	for (int v = 0; v < 3; v++) {
		char name[8];
		snprintf(name, sizeof name, "note%d", v + 1);
		in[host_in(&m, name)] = host_alloc(frames);
		snprintf(name, sizeof name, "gate%d", v + 1);
		in[host_in(&m, name)] = host_alloc(frames);
		for (uint64_t i = 0; i < frames; i++) {
			in[host_in(&m, "note1") + (uint32_t)v][i] = pitches[v];
			in[host_in(&m, "gate1") + (uint32_t)v][i] = 1.0f;
		}
	}
	render_t a = render(&m, frames, 64, BPM, 0.0, (const float *const *)in, NULL, 0);
	float list[6];
	const float sorted[3] = {-0.25f, 0.1f, 0.5f};
	for (int o = 0; o < 2; o++)
		for (int v = 0; v < 3; v++)
			list[o * 3 + v] = (float)((double)sorted[v] + o);
	check_steps(&a, list, 6, 0, 1.0f, 0, "held 0.5, -0.25, 0.1 V, 2 octaves, up");
	render_free(&a);
	for (uint32_t i = 0; i < CX_PORTS_MAX; i++)
		free(in[i]);
	host_close(&m);
}

static void test_tempo(void)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, 64);
	host_set(&m, "div", 3.0f);
	const double bpm = 133.0, bpf = bpm / 60.0 / RATE_HZ;
	uint64_t frames = (uint64_t)(40.0 / 3.0 / bpf) + 100;
	render_t a = render(&m, frames, 64, bpm, 0.0, NULL, NULL, 0);
	uint64_t up[EDGES_MAX];
	uint32_t nu = edges(a.gate, a.frames, 1, up);
	int ok = nu >= 40;
	for (uint32_t k = 0; k < nu && k < 40; k++) {
		/* the first frame f with f bpf >= k / 3 (within the grid's 1e-3 frame tolerance) */
		uint64_t expect = (uint64_t)ceil((double)k / 3.0 / bpf - CX_GRID_TOLERANCE_FRAMES);
		if (up[k] != expect && ok)
			printf("     step %u at %llu, expected %llu\n", k,
			       (unsigned long long)up[k], (unsigned long long)expect);
		ok &= up[k] == expect;
	}
	check(ok, "133 BPM, div 3: 40 steps on the first frame whose beat reaches k / 3");
	render_free(&a);
	host_close(&m);
}

static void test_rest_reset_play(void)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, 64);
	host_set(&m, "chord", 0.0f); /* none */
	render_t a = render(&m, 10 * STEP_FRAMES, 64, BPM, 0.0, NULL, NULL, 0);
	uint64_t up[EDGES_MAX];
	check(edges(a.gate, a.frames, 1, up) == 0 && a.pitch[a.frames - 1] == 0.0f,
	      "chord none, no gate held: no note, pitch holds");
	render_free(&a);

	host_set(&m, "chord", 1.0f); /* major, 1 octave: 0, 4/12, 7/12 */
	uint64_t frames = 10 * STEP_FRAMES;
	float *in[CX_PORTS_MAX] = {0};
	float *reset = in[host_in(&m, "reset")] = host_alloc(frames);
	for (uint64_t i = 4 * STEP_FRAMES + 1000; i < 4 * STEP_FRAMES + 1100; i++)
		reset[i] = 1.0f; /* after step 4 (which plays 4 mod 3 = 1) */
	for (uint64_t i = 7 * STEP_FRAMES; i < 7 * STEP_FRAMES + 10; i++)
		reset[i] = 1.0f; /* on step 7's own frame */
	a = render(&m, frames, 64, BPM, 0.0, (const float *const *)in, NULL, 0);
	float list[6];
	major_list(0.0f, list);
	/* steps 0..9: 0 1 2 0 1 | reset | 0 1 | reset on 7 | 0 1 2 */
	static const int expect[10] = {0, 1, 2, 0, 1, 0, 1, 0, 1, 2};
	int ok = 1;
	for (int k = 0; k < 10; k++)
		ok &= a.pitch[(uint64_t)k * STEP_FRAMES] == list[expect[k]];
	check(ok, "reset between steps and on a step's frame: the next step plays the first note");
	render_free(&a);
	free(reset);

	/* play at frame 37 of the first block */
	a = render(&m, STEPS * STEP_FRAMES + 37, 64, BPM, -37.0 * BPM / 60.0 / RATE_HZ, NULL, NULL,
	           0);
	float list1[3] = {list[0], list[1], list[2]};
	check_steps(&a, list1, 3, 0, 1.0f, 37, "play at frame 37, C major, up");
	render_free(&a);

	host_init(&m);
	host_set_transport(&m, BPM, 0.0, 0);
	render_t s = {host_alloc(frames), host_alloc(frames), host_alloc(frames), frames};
	float *out[CX_PORTS_MAX] = {0};
	out[0] = s.pitch;
	out[1] = s.gate;
	out[2] = s.trig;
	host_render(&m, frames, 64, NULL, out, NULL, 0);
	check(edges(s.gate, frames, 1, up) == 0 && edges(s.trig, frames, 1, up) == 0,
	      "stopped: gate and trig stay low");
	render_free(&s);
	host_close(&m);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s arp.so\n", argv[0]);
		return 2;
	}
	path = argv[1];
	test_modes();
	test_held();
	test_tempo();
	test_rest_reset_play();
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
