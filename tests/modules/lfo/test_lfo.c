/*
 * test_lfo — rate accuracy, tempo-sync lock, reset on the exact frame, output ranges.
 *
 *  1. Rate: sync off, sine at 0.5, 1, 7.3 and 100 Hz, 20 s at 48 kHz: the period (interpolated
 *     zero crossings, measure.c) is within 0.01 % of 1 / rate.
 *  2. Tempo sync: the transport plays from beat 0 (host_set_transport; the host advances the
 *     beat per 64-frame block as the engine does). A saw restarts a cycle where it drops from
 *     near +1 to near -1; each restart must fall on the first frame whose beat reaches the
 *     next multiple of the division, and where that beat falls on a frame exactly, the saw
 *     must read exactly -1 there (phase 0), for 2 minutes of play: tempo 120 with quarter (every
 * 24000 frames), sixteenth (6000), eighth_t (8000) and bars4 (384000); tempo 133 with quarter
 *     (every 21654.135... frames); and tempo 120, quarter, with play starting at frame 10 of
 *     the first block.
 *  3. Reset: a rising edge on `reset` at frame 12345 restarts the cycle there: the saw reads
 *     -1 at that frame and not before, free and synced; synced, the next cycle then starts one
 *     beat later, at frame 12345 + 24000.
 *  4. Range: every wave for 10 s (3 Hz; sample-and-hold at 100 Hz, 1000 values), unipolar
 *     within [0, 1] and bipolar within [-1, 1], each reaching within 0.05 of both ends.
 * Usage: test_lfo lfo.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ     48000.0f
#define BLOCK       64u
#define RATE_LIMIT  1e-4 /* 0.01 % */
#define SYNC_FRAMES (120u * 48000u)
#define RESET_AT    12345u

enum { SINE, TRIANGLE, SAW, SQUARE, SH };
enum { OFF, BARS4, BARS2, BAR, HALF, QUARTER, EIGHTH, SIXTEENTH, QUARTER_T, EIGHTH_T };

static float *out_buf;

static const float *render(host_module_t *m, uint64_t frames, const float *reset)
{
	const float *in[CX_PORTS_MAX] = {0};
	in[host_in(m, "reset")] = reset;
	float *outs[CX_PORTS_MAX] = {0};
	outs[host_out(m, "out")] = out_buf;
	host_render(m, frames, BLOCK, in, outs, NULL, 0);
	return out_buf;
}

static void setup(host_module_t *m, int wave, float rate, int sync, int unipolar)
{
	host_set(m, "wave", (float)wave);
	host_set(m, "rate", rate);
	host_set(m, "sync", (float)sync);
	host_set(m, "polarity", (float)unipolar);
	host_set_transport(m, 0.0, 0.0, 0);
	host_init(m);
}

static int test_rate(host_module_t *m)
{
	static const float rates[] = {0.5f, 1.0f, 7.3f, 100.0f};
	double worst = 0.0;
	for (unsigned r = 0; r < sizeof rates / sizeof rates[0]; r++) {
		setup(m, SINE, rates[r], OFF, 0);
		const uint32_t frames = 20u * 48000u;
		double hz = measure_freq_hz(render(m, frames, NULL), frames, RATE_HZ);
		double err =
		    hz / rates[r] - 1.0; /* period error = -frequency error, to first order */
		printf("rate %6.2f Hz: measured %.7f Hz, period error %+.6f %%\n", (double)rates[r],
		       hz, -100.0 * err);
		worst = fabs(err) > worst || isnan(err) ? fabs(err) : worst;
	}
	printf("rate: worst period error %.6f %% (limit %.2f %%)\n", 100.0 * worst,
	       100.0 * RATE_LIMIT);
	return worst <= RATE_LIMIT;
}

/* Checks that the saw starts a cycle exactly on the frames where the beat reaches a multiple
 * of `beats`; start_frame is where play starts. Returns the number of misplaced restarts. */
static unsigned check_restarts(const float *x, uint32_t frames, double tempo, double beats,
                               uint32_t start_frame, unsigned *restarts)
{
	double frames_per_cycle = beats * 60.0 / tempo * RATE_HZ;
	unsigned bad = 0, k = 1;
	*restarts = 0;
	for (uint32_t i = start_frame + 1; i < frames; i++) {
		int restart = x[i - 1] - x[i] > 1.5f;
		/* the first frame at or past cycle k: frames are whole, cycles need not be */
		double at = k * frames_per_cycle;
		uint32_t due = start_frame + (uint32_t)ceil(at - 1e-6);
		int on_frame = fabs(at - round(at)) < 1e-6;
		if (i == due) {
			if (!restart || (on_frame && x[i] != -1.0f)) {
				if (bad++ < 3)
					printf("  cycle %u due at frame %u: output %.6f (previous "
					       "%.6f)\n",
					       k, i, (double)x[i], (double)x[i - 1]);
			}
			k++;
			(*restarts)++;
		} else if (restart) {
			if (bad++ < 3)
				printf("  a cycle restarts at frame %u, not due\n", i);
		}
	}
	return bad;
}

static int test_sync(host_module_t *m)
{
	static const struct {
		double tempo;
		int sync;
		double beats;
		uint32_t start; /* frame of the first block where play starts */
		const char *name;
	} cases[] = {
	    {120.0, QUARTER, 1.0, 0, "quarter"},         {120.0, SIXTEENTH, 0.25, 0, "sixteenth"},
	    {120.0, EIGHTH_T, 1.0 / 3.0, 0, "eighth_t"}, {120.0, BARS4, 16.0, 0, "bars4"},
	    {133.0, QUARTER, 1.0, 0, "quarter"},         {120.0, QUARTER, 1.0, 10, "quarter"},
	};
	int ok = 1;
	for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		setup(m, SAW, 1.0f, cases[c].sync, 0);
		double bpf = cases[c].tempo / 60.0 / RATE_HZ;
		host_set_transport(m, cases[c].tempo, -(double)cases[c].start * bpf, 1);
		const float *x = render(m, SYNC_FRAMES, NULL);
		unsigned restarts;
		unsigned bad = check_restarts(x, SYNC_FRAMES, cases[c].tempo, cases[c].beats,
		                              cases[c].start, &restarts);
		int starts = x[cases[c].start] == -1.0f;
		printf("sync %-9s at %.0f BPM, play from frame %u: %u cycle starts in %u s, %u "
		       "misplaced; cycle 0 starts on the play frame: %s\n",
		       cases[c].name, cases[c].tempo, cases[c].start, restarts,
		       SYNC_FRAMES / 48000u, bad, starts ? "yes" : "NO");
		ok &= bad == 0 && restarts > 0 && starts;
	}
	return ok;
}

static int test_reset(host_module_t *m)
{
	const uint32_t frames = 60000;
	float *reset = host_alloc(frames);
	for (uint32_t i = RESET_AT; i < RESET_AT + 48; i++)
		reset[i] = 1.0f;
	int ok = 1;
	for (int synced = 0; synced < 2; synced++) {
		setup(m, SAW, 1.0f, synced ? QUARTER : OFF, 0);
		if (synced)
			host_set_transport(m, 120.0, 0.0, 1);
		const float *x = render(m, frames, reset);
		uint32_t first = 0;
		for (uint32_t i = 1; i < frames && first == 0; i++)
			if (x[i] == -1.0f && i > 1000 && i != 24000)
				first = i;
		int next_ok = 1;
		if (synced) { /* the cycle now runs from the reset: the next start one beat on */
			next_ok = x[RESET_AT + 24000] == -1.0f && x[RESET_AT + 23999] > 0.9f &&
			          x[24000] != -1.0f;
		}
		printf("reset (%s): the saw restarts at frame %u (edge at %u)%s\n",
		       synced ? "synced, quarter" : "free", first, RESET_AT,
		       synced ? (next_ok ? "; next cycle one beat later" : "; NEXT CYCLE MISPLACED")
		              : "");
		ok &= first == RESET_AT && next_ok;
	}
	/* the sine restarts at 0, rising */
	setup(m, SINE, 1.0f, OFF, 0);
	const float *x = render(m, frames, reset);
	int sine_ok =
	    x[RESET_AT] == 0.0f && x[RESET_AT + 1] > 0.0f && fabsf(x[RESET_AT - 1]) > 0.1f;
	printf("reset (sine): %.6f at the edge, %.6f after: %s\n", (double)x[RESET_AT],
	       (double)x[RESET_AT + 1], sine_ok ? "restarts at 0 rising" : "WRONG");
	free(reset);
	return ok && sine_ok;
}

static int test_range(host_module_t *m)
{
	static const char *const names[] = {"sine", "triangle", "saw", "square", "sh"};
	const uint32_t frames = 10u * 48000u;
	int ok = 1;
	for (int unipolar = 0; unipolar < 2; unipolar++) {
		float lo_limit = unipolar ? 0.0f : -1.0f;
		for (int w = SINE; w <= SH; w++) {
			setup(m, w, w == SH ? 100.0f : 3.0f, OFF, unipolar);
			const float *x = render(m, frames, NULL);
			float lo = INFINITY, hi = -INFINITY;
			for (uint32_t i = 0; i < frames; i++) {
				lo = fminf(lo, x[i]);
				hi = fmaxf(hi, x[i]);
			}
			int w_ok =
			    lo >= lo_limit && hi <= 1.0f && lo <= lo_limit + 0.05f && hi >= 0.95f;
			printf("%s %-8s: %.6f .. %.6f%s\n", unipolar ? "unipolar" : "bipolar ",
			       names[w], (double)lo, (double)hi, w_ok ? "" : "  OUT OF RANGE");
			ok &= w_ok;
		}
	}
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s lfo.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, BLOCK);
	out_buf = host_alloc(SYNC_FRAMES);
	int ok_rate = test_rate(&m);
	int ok_sync = test_sync(&m);
	int ok_reset = test_reset(&m);
	int ok_range = test_range(&m);
	host_close(&m);
	free(out_buf);
	if (!ok_rate)
		printf("FAIL: rate off by more than 0.01 %%\n");
	if (!ok_sync)
		printf("FAIL: tempo sync does not start cycles on their beat frames\n");
	if (!ok_reset)
		printf("FAIL: reset does not restart the cycle on its frame\n");
	if (!ok_range)
		printf("FAIL: output range\n");
	int ok = ok_rate && ok_sync && ok_reset && ok_range;
	if (ok)
		printf("ok: rate, tempo lock, reset and ranges\n");
	return ok ? 0 : 1;
}
