/*
 * test_in — in hands the engine's stereo input (cx_process_t.host_in) to its outputs.
 *
 * The test host leaves host_in NULL, so this test calls process() itself with host_in filled,
 * as the engine does each period:
 *  - gain 1: left and right equal the host's channels bit for bit, and mono their average,
 *    over 20 blocks of 64 frames of a 440 Hz sine (left) and noise (right), frame for frame;
 *  - gain 0.5: exactly half;
 *  - NaN reads 0, ±inf and 1e30 read ±10, and every output stays within ±10 at gain 4;
 *  - host_in NULL: all three outputs are silent;
 *  - a gain step 1 -> 0 ramps over 480 frames (no output step above 1/480 of a full-scale DC
 *    input) and lands on exactly 0.
 * Usage: test_in in.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ 48000.0f
#define BLOCK   64u
#define BLOCKS  20u
#define FRAMES  (BLOCK * BLOCKS)

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		failures++;
}

/* Renders `frames` frames in blocks with host_in from hl and hr (NULL: no host input). */
static void render(host_module_t *m, const float *hl, const float *hr, float *l, float *r,
                   float *mono, uint32_t frames, const cx_event_t *ev, uint32_t ev_block)
{
	for (uint32_t pos = 0; pos < frames; pos += BLOCK) {
		float *out[] = {l + pos, r + pos, mono + pos};
		cx_process_t p = {
		    .frames = BLOCK,
		    .sample_rate = RATE_HZ,
		    .frame_time = pos,
		    .in = NULL,
		    .out = out,
		    .events = ev != NULL && pos / BLOCK == ev_block ? ev : NULL,
		    .event_count = ev != NULL && pos / BLOCK == ev_block ? 1u : 0u,
		    .host_in = {hl != NULL ? hl + pos : NULL, hr != NULL ? hr + pos : NULL},
		};
		m->desc->process(m->state, &p);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s in.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, BLOCK);
	float *hl = host_alloc(FRAMES), *hr = host_alloc(FRAMES);
	float *l = host_alloc(FRAMES), *r = host_alloc(FRAMES), *mono = host_alloc(FRAMES);
	unsigned seed = 7;
	for (uint32_t i = 0; i < FRAMES; i++) {
		hl[i] = 0.8f * (float)sin(2.0 * M_PI * 440.0 * i / RATE_HZ);
		seed = seed * 1103515245u + 12345u;
		hr[i] = (float)((double)(seed >> 8) / 8388608.0 - 1.0);
	}
	render(&m, hl, hr, l, r, mono, FRAMES, NULL, 0);
	unsigned bad = 0;
	for (uint32_t i = 0; i < FRAMES; i++)
		bad += l[i] != hl[i] || r[i] != hr[i] || mono[i] != 0.5f * (hl[i] + hr[i]);
	char what[200];
	snprintf(what, sizeof what,
	         "gain 1: left, right = host_in[0], [1] and mono = their average, exactly, on "
	         "%u frames in %u blocks (%u differ)",
	         FRAMES, BLOCKS, bad);
	check(bad == 0, what);

	host_set(&m, "gain", 0.5f);
	host_init(&m);
	render(&m, hl, hr, l, r, mono, FRAMES, NULL, 0);
	bad = 0;
	for (uint32_t i = 0; i < FRAMES; i++)
		bad += l[i] != 0.5f * hl[i] || r[i] != 0.5f * hr[i] ||
		       mono[i] != 0.5f * (0.5f * (hl[i] + hr[i]));
	snprintf(what, sizeof what, "gain 0.5: exactly half (%u differ)", bad);
	check(bad == 0, what);

	static const float odd[] = {NAN, INFINITY, -INFINITY, 1e30f, -1e30f, 20.0f, 0.5f, -0.25f};
	for (uint32_t i = 0; i < FRAMES; i++) {
		hl[i] = odd[i % 8];
		hr[i] = odd[(i + 3) % 8];
	}
	host_set(&m, "gain", 1.0f);
	host_init(&m);
	render(&m, hl, hr, l, r, mono, BLOCK, NULL, 0);
	int ok = l[0] == 0.0f && l[1] == 10.0f && l[2] == -10.0f && l[3] == 10.0f &&
	         l[4] == -10.0f && l[5] == 10.0f && l[6] == 0.5f && r[0] == 10.0f &&
	         mono[0] == 5.0f;
	host_set(&m, "gain", 4.0f);
	host_init(&m);
	render(&m, hl, hr, l, r, mono, FRAMES, NULL, 0);
	double peak = fmax(measure_peak(l, FRAMES),
	                   fmax(measure_peak(r, FRAMES), measure_peak(mono, FRAMES)));
	snprintf(what, sizeof what,
	         "NaN reads 0, inf and 1e30 read ±10; at gain 4 the outputs peak at %g (limit 10)",
	         peak);
	check(ok && peak <= 10.0, what);

	host_set(&m, "gain", 1.0f);
	host_init(&m);
	render(&m, NULL, NULL, l, r, mono, FRAMES, NULL, 0);
	peak = fmax(measure_peak(l, FRAMES),
	            fmax(measure_peak(r, FRAMES), measure_peak(mono, FRAMES)));
	snprintf(what, sizeof what, "host_in NULL: outputs silent (peak %g)", peak);
	check(peak == 0.0, what);

	for (uint32_t i = 0; i < FRAMES; i++)
		hl[i] = hr[i] = 1.0f;
	cx_event_t ev = {.frame = 10, .kind = CX_EVENT_PARAM, .index = 0, .value = 0.0f};
	render(&m, hl, hr, l, r, mono, FRAMES, &ev, 2); /* at frame 2 * 64 + 10 = 138 */
	uint32_t at = 2 * BLOCK + 10, reach = FRAMES;
	for (uint32_t i = 0; i < FRAMES && reach == FRAMES; i++)
		if (l[i] == 0.0f)
			reach = i;
	double step = measure_max_step(l, FRAMES);
	snprintf(what, sizeof what,
	         "gain 1 -> 0 at frame %u: reaches 0 at frame %u (expected %u), largest step %.6f "
	         "(limit 1/480 + 1e-6)",
	         at, reach, at + 479, step);
	check(l[at - 1] == 1.0f && reach == at + 479 && step <= 1.0 / 480.0 + 1e-6, what);

	free(hl);
	free(hr);
	free(l);
	free(r);
	free(mono);
	host_close(&m);
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
