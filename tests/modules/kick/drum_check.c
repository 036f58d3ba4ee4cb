/*
 * drum_check — the measurements every drum module is held to (kick, snare, hihat, clap, tom):
 * one program, a mode per property, so each drum's meson.build registers its tests with the
 * drum's own parameters. Each mode prints the figures it measured and exits 1 when one is out
 * of its limit. Every mode renders at 48 kHz.
 *
 * drum_check DRUM.so decay peaks|rms SKIP_S D1 D2 ... [t60=PARAM] [name=value ...]
 *     For each Dk (seconds, set as the `decay` parameter or PARAM), one hit; its T60 must lie
 *     within 10 % of Dk. "peaks": for tonal drums, the time from the trigger until the envelope
 *     (the local maxima of |x|) has fallen 60 dB below its peak, interpolated in dB between
 *     maxima. "rms": for noisy drums, whose instantaneous peaks scatter, the RMS over 2 ms
 *     windows in dB, fitted by a line from where it has fallen 10 dB below its peak to where it
 *     falls 50 dB below, T60 = 60 dB / the slope. Both start looking SKIP_S seconds after the
 *     trigger (the clap's bursts).
 * drum_check DRUM.so pitch FREQ_PARAM DECAY_S F1 F2 ... [name=value ...]
 *     For each Fk (Hz, set as FREQ_PARAM), one hit of decay DECAY_S; the tail's frequency, from
 *     the upward zero crossings between 40 % and 80 % of DECAY_S (located by linear
 *     interpolation; the sweep has long settled), must lie within 5 cents of Fk.
 * drum_check DRUM.so peak [name=value ...]
 *     With the parameters given (full accent, full drive...) and the accent input at +10 V,
 *     single hits and bursts of retriggers (every 1, 5, 20 and 100 ms) must keep |x| <= 1.0.
 * drum_check DRUM.so tail DECAY_MAX_S [t60=PARAM] [name=value ...]
 *     Denormals: a hit with decay (or PARAM) 0.1 s and one with DECAY_MAX_S, each rendered for
 *     4 s in 64-frame blocks and timed block by block, best of 7 renders per block; the mean
 *     cost of a block in the last second must be at most 2x that in the first second. And,
 *     timing aside: the 0.1 s hit has fallen 120 dB within 0.2 s, so in the last second its
 *     voice must have ended and its output be exactly 0 (a decay left to run into denormals
 *     never gets there).
 * drum_check DRUM.so trigger [name=value ...]
 *     A trigger at frame 1037 (not on a block boundary), rendered in 64-frame blocks and in
 *     one-frame blocks: the outputs must be bit-identical, silent before frame 1037 and
 *     non-zero at frame 1037 itself.
 * drum_check DRUM.so bench [name=value ...]
 *     Cost of a voice: the time in process() over 2 s with a hit every 250 ms, 64-frame
 *     blocks, each block's time the least of 15 renders, in ns per sample; and the cost while
 *     idle. A figure, not a verdict: always exits 0.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drumtest.h"
#include "host.h"

#define RATE_HZ         48000.0f
#define BLOCK           64u
#define T60_TOLERANCE   0.10
#define CENTS_TOLERANCE 5.0
#define TAIL_RATIO_MAX  2.0
#define TRIGGER_AT      1037u

/* Takes a "t60=NAME" argument out of argv, if there is one: the parameter that sets the T60
 * (the hihat's `open`); "decay" otherwise. */
static const char *t60_param_arg(int *argc, char **argv)
{
	const char *name = "decay";
	int kept = 0;
	for (int i = 0; i < *argc; i++) {
		if (strncmp(argv[i], "t60=", 4) == 0)
			name = argv[i] + 4;
		else
			argv[kept++] = argv[i];
	}
	*argc = kept;
	return name;
}

static int mode_decay(host_module_t *m, int argc, char **argv)
{
	if (argc < 3)
		return 2;
	int rms = strcmp(argv[0], "rms") == 0;
	double skip_s = atof(argv[1]);
	int values = 0;
	while (2 + values < argc && strchr(argv[2 + values], '=') == NULL)
		values++;
	const char *t60_param = t60_param_arg(&argc, argv);
	dc_set_args(m, argc - 2 - values, argv + 2 + values);
	int ok = 1;
	for (int v = 0; v < values; v++) {
		double decay_s = atof(argv[2 + v]);
		host_set(m, t60_param, (float)decay_s);
		uint64_t at = 480,
		         frames = at + (uint64_t)((skip_s + 2.5 * decay_s + 0.2) * RATE_HZ);
		float *out = host_alloc(frames);
		dc_render(m, frames, BLOCK, &at, 1, 0.0f, out);
		uint64_t from = at + (uint64_t)(skip_s * RATE_HZ);
		double t60 = rms ? dc_t60_rms(out, frames, from, RATE_HZ)
		                 : dc_t60_peaks(out, frames, from, RATE_HZ);
		double err = t60 / decay_s - 1.0;
		int good = fabs(err) <= T60_TOLERANCE;
		printf("%s %s %.3f s: T60 %.4f s (%s), error %+.2f %%: %s\n", m->desc->type,
		       t60_param, decay_s, t60, rms ? "RMS slope" : "peaks", 100.0 * err,
		       good ? "ok" : "FAIL");
		ok &= good;
		free(out);
	}
	return ok ? 0 : 1;
}

/* The frequency of x[a..b) from its upward zero crossings, linearly interpolated: (count - 1)
 * periods between the first and the last. */
static double crossing_freq_hz(const float *x, uint64_t a, uint64_t b, float rate_hz)
{
	double first = -1.0, last = -1.0;
	uint64_t count = 0;
	for (uint64_t i = a + 1; i < b; i++) {
		if (x[i - 1] < 0.0f && x[i] >= 0.0f) {
			double at =
			    (double)(i - 1) + (double)x[i - 1] / ((double)x[i - 1] - (double)x[i]);
			if (count == 0)
				first = at;
			last = at;
			count++;
		}
	}
	return count < 3 ? 0.0 : (double)(count - 1) * rate_hz / (last - first);
}

static int mode_pitch(host_module_t *m, int argc, char **argv)
{
	if (argc < 3)
		return 2;
	const char *param = argv[0];
	double decay_s = atof(argv[1]);
	int values = 0;
	while (2 + values < argc && strchr(argv[2 + values], '=') == NULL)
		values++;
	dc_set_args(m, argc - 2 - values, argv + 2 + values);
	host_set(m, "decay", (float)decay_s);
	int ok = 1;
	for (int v = 0; v < values; v++) {
		double hz = atof(argv[2 + v]);
		host_set(m, param, (float)hz);
		uint64_t at = 480, frames = at + (uint64_t)(decay_s * RATE_HZ);
		float *out = host_alloc(frames);
		dc_render(m, frames, BLOCK, &at, 1, 0.0f, out);
		uint64_t a = at + (uint64_t)(0.4 * decay_s * RATE_HZ),
		         b = at + (uint64_t)(0.8 * decay_s * RATE_HZ);
		double got = crossing_freq_hz(out, a, b, RATE_HZ);
		double cents = 1200.0 * log2(got / hz);
		int good = fabs(cents) <= CENTS_TOLERANCE;
		printf("%s %s %.1f Hz: tail %.4f Hz (%.2f-%.2f s), %+.3f cents: %s\n",
		       m->desc->type, param, hz, got, 0.4 * decay_s, 0.8 * decay_s, cents,
		       good ? "ok" : "FAIL");
		ok &= good;
		free(out);
	}
	return ok ? 0 : 1;
}

static int mode_peak(host_module_t *m, int argc, char **argv)
{
	dc_set_args(m, argc, argv);
	static const double gaps_s[] = {0.0, 0.001, 0.005, 0.02, 0.1};
	double worst = 0.0;
	for (unsigned g = 0; g < sizeof gaps_s / sizeof gaps_s[0]; g++) {
		uint64_t trigs[40], gap = (uint64_t)(gaps_s[g] * RATE_HZ) + 50u;
		uint32_t count = gaps_s[g] == 0.0 ? 1u : 40u;
		for (uint32_t k = 0; k < count; k++)
			trigs[k] = 100u + k * gap;
		uint64_t frames = (uint64_t)(2.0 * RATE_HZ);
		float *out = host_alloc(frames);
		dc_render(m, frames, BLOCK, trigs, count, 10.0f, out);
		for (uint64_t i = 0; i < frames; i++)
			worst = fmax(worst, isfinite(out[i]) ? fabs((double)out[i]) : INFINITY);
		free(out);
	}
	int ok = worst <= 1.0;
	printf("%s peak at full accent (parameter 1, input +10 V), single hits and retrigger "
	       "bursts: %.7f (%.2f dBFS), limit 1.0: %s\n",
	       m->desc->type, worst, 20.0 * log10(worst), ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}

/* Mean cost of a 64-frame block over the first and the last second of a 4 s render after one
 * hit, each block's cost the best of `runs` renders; *last_peak receives the largest |output|
 * in the last second. */
static void tail_costs(host_module_t *m, int runs, double *first_ns, double *last_ns,
                       double *last_peak)
{
	uint32_t blocks = (uint32_t)(4.0f * RATE_HZ) / BLOCK, per_s = (uint32_t)RATE_HZ / BLOCK;
	double *best = malloc(blocks * sizeof *best);
	for (uint32_t b = 0; b < blocks; b++)
		best[b] = INFINITY;
	double peak = 0.0;
	float *trig = host_alloc(BLOCK), *zero = host_alloc(BLOCK), *out[CX_PORTS_MAX];
	const float *in[CX_PORTS_MAX];
	for (uint32_t i = 0; i < CX_PORTS_MAX; i++) {
		out[i] = host_alloc(BLOCK);
		in[i] = zero;
	}
	for (int r = 0; r < runs; r++) {
		host_init(m);
		for (uint32_t b = 0; b < blocks; b++) {
			for (uint32_t i = 0; i < BLOCK; i++)
				trig[i] = b == 0 && i >= 4 && i < 52 ? 1.0f : 0.0f;
			in[0] = trig;
			double t0 = dc_now_s();
			host_process(m, BLOCK, in, out, NULL, 0);
			best[b] = fmin(best[b], dc_now_s() - t0);
			for (uint32_t i = 0; b >= blocks - per_s && i < BLOCK; i++)
				peak = fmax(peak, fabs((double)out[0][i]));
		}
	}
	double first = 0.0, last = 0.0;
	for (uint32_t b = 0; b < per_s; b++) {
		first += best[b];
		last += best[blocks - per_s + b];
	}
	*first_ns = 1e9 * first / per_s;
	*last_ns = 1e9 * last / per_s;
	*last_peak = peak;
	free(best);
	free(trig);
	free(zero);
	for (uint32_t i = 0; i < CX_PORTS_MAX; i++)
		free(out[i]);
}

static int mode_tail(host_module_t *m, int argc, char **argv)
{
	if (argc < 1)
		return 2;
	double decays_s[2] = {0.1, atof(argv[0])};
	const char *t60_param = t60_param_arg(&argc, argv);
	dc_set_args(m, argc - 1, argv + 1);
	int ok = 1;
	for (int d = 0; d < 2; d++) {
		host_set(m, t60_param, (float)decays_s[d]);
		double first_ns, last_ns, last_peak;
		tail_costs(m, 7, &first_ns, &last_ns, &last_peak);
		double ratio = last_ns / first_ns;
		/* 0.1 s falls 120 dB in 0.2 s: by the last second the voice must have ended. */
		int good = ratio <= TAIL_RATIO_MAX && (d == 1 || last_peak == 0.0);
		printf(
		    "%s 4 s tail, %s %.2f s: %.0f ns per 64-frame block in the first second, "
		    "%.0f ns in the last, ratio %.2f (limit %.1f); largest |x| in the last second "
		    "%.3g%s: %s\n",
		    m->desc->type, t60_param, decays_s[d], first_ns, last_ns, ratio, TAIL_RATIO_MAX,
		    last_peak, d == 0 ? " (must be 0: the voice has ended)" : "",
		    good ? "ok" : "FAIL");
		ok &= good;
	}
	return ok ? 0 : 1;
}

static int mode_trigger(host_module_t *m, int argc, char **argv)
{
	dc_set_args(m, argc, argv);
	uint64_t frames = 9600, at = TRIGGER_AT;
	float *a = host_alloc(frames), *b = host_alloc(frames);
	dc_render(m, frames, BLOCK, &at, 1, 0.0f, a);
	dc_render(m, frames, 1, &at, 1, 0.0f, b);
	int same = memcmp(a, b, frames * sizeof *a) == 0;
	uint64_t first = 0;
	while (first < frames && a[first] == 0.0f)
		first++;
	int ok = same && first == at;
	printf("%s trigger at frame %llu: first non-zero sample at frame %llu (%.3g); 64-frame "
	       "and 1-frame blocks %s: %s\n",
	       m->desc->type, (unsigned long long)at, (unsigned long long)first,
	       first < frames ? (double)a[first] : 0.0, same ? "bit-identical" : "DIFFER",
	       ok ? "ok" : "FAIL");
	free(a);
	free(b);
	return ok ? 0 : 1;
}

/* Renders `frames` frames in 64-frame blocks with the trigger pulses in trig (the module's first
 * input; the others at 0), lowering best[b] to the seconds process() took for block b. */
static void timed_render(host_module_t *m, const float *trig, uint64_t frames, double *best)
{
	float *zero = host_alloc(BLOCK), *out[CX_PORTS_MAX];
	const float *in[CX_PORTS_MAX];
	for (uint32_t i = 0; i < CX_PORTS_MAX; i++) {
		out[i] = host_alloc(BLOCK);
		in[i] = zero;
	}
	host_init(m);
	for (uint64_t pos = 0; pos + BLOCK <= frames; pos += BLOCK) {
		in[0] = trig + pos;
		double t0 = dc_now_s();
		host_process(m, BLOCK, in, out, NULL, 0);
		best[pos / BLOCK] = fmin(best[pos / BLOCK], dc_now_s() - t0);
	}
	free(zero);
	for (uint32_t i = 0; i < CX_PORTS_MAX; i++)
		free(out[i]);
}

/* Nanoseconds per frame: each block's least time over `runs` renders, summed, so that a render
 * interrupted by the (shared) machine counts only where it was not. */
static double cost_ns(host_module_t *m, const float *trig, uint64_t frames, int runs)
{
	uint64_t blocks = frames / BLOCK;
	double *best = malloc(blocks * sizeof *best), sum = 0.0;
	for (uint64_t b = 0; b < blocks; b++)
		best[b] = INFINITY;
	for (int r = 0; r < runs; r++)
		timed_render(m, trig, frames, best);
	for (uint64_t b = 0; b < blocks; b++)
		sum += best[b];
	free(best);
	return 1e9 * sum / (double)(blocks * BLOCK);
}

static int mode_bench(host_module_t *m, int argc, char **argv)
{
	dc_set_args(m, argc, argv);
	uint64_t frames = (uint64_t)(2.0f * RATE_HZ), gap = (uint64_t)(0.25f * RATE_HZ);
	float *trig = host_alloc(frames), *none = host_alloc(frames);
	for (uint64_t i = 0; i < frames; i++)
		trig[i] = i % gap < 48u ? 1.0f : 0.0f;
	double busy = cost_ns(m, trig, frames, 15), idle = cost_ns(m, none, frames, 15);
	printf("%s cost: %.2f ns/sample with a hit every 250 ms, %.2f ns/sample idle (64-frame "
	       "blocks, the time in process() of each block the least of 15 renders; the clock "
	       "reads add about 0.5 ns/sample)\n",
	       m->desc->type, busy, idle);
	free(trig);
	free(none);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s drum.so decay|pitch|peak|tail|trigger|bench ...\n",
		        argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, BLOCK);
	int rc = 2;
	const char *mode = argv[2];
	if (strcmp(mode, "decay") == 0)
		rc = mode_decay(&m, argc - 3, argv + 3);
	else if (strcmp(mode, "pitch") == 0)
		rc = mode_pitch(&m, argc - 3, argv + 3);
	else if (strcmp(mode, "peak") == 0)
		rc = mode_peak(&m, argc - 3, argv + 3);
	else if (strcmp(mode, "tail") == 0)
		rc = mode_tail(&m, argc - 3, argv + 3);
	else if (strcmp(mode, "trigger") == 0)
		rc = mode_trigger(&m, argc - 3, argv + 3);
	else if (strcmp(mode, "bench") == 0)
		rc = mode_bench(&m, argc - 3, argv + 3);
	if (rc == 2)
		fprintf(stderr, "bad arguments for mode %s\n", mode);
	host_close(&m);
	return rc;
}
