/*
 * test_quant — quant maps every input to the nearest note of the scale, in exact volts.
 *
 * For the keys c, e and as (A sharp) and all 14 scales, written out here as lists of
 * intervals (independently of the module's bit sets):
 *  - every semitone from -3 to +3 octaves, as the float n / 12 V, goes to the nearest scale
 *    note m, ties (an input halfway between two scale notes) to the lower one, and the output
 *    is (float)(m / 12.0) bit for bit;
 *  - inputs 0.3 and 0.45 semitone either side of every semitone go to the nearest scale note
 *    (none of these is a tie);
 *  - the ends of the range: ±10 V and beyond;
 *  - trig: 48 frames (1 ms) high from each frame the note changes, none when the input moves
 *    within one note, one when a key change moves the held note; none at the first frame.
 * Prints the mismatches for each key and scale and fails on any.
 * Usage: test_quant quant.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"

#define RATE_HZ 48000.0f
#define BLOCK   64u
#define LOW     (-36)
#define HIGH    36
#define SEMIS   (HIGH - LOW + 1)
#define FRACS   4
#define N       (SEMIS * (1 + FRACS))

static const char *path;
static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		failures++;
}

static const struct {
	const char *name;
	int degrees[13]; /* ended by -1 */
} scales[] = {
    {"chromatic", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -1}},
    {"major", {0, 2, 4, 5, 7, 9, 11, -1}},
    {"minor", {0, 2, 3, 5, 7, 8, 10, -1}},
    {"dorian", {0, 2, 3, 5, 7, 9, 10, -1}},
    {"phrygian", {0, 1, 3, 5, 7, 8, 10, -1}},
    {"lydian", {0, 2, 4, 6, 7, 9, 11, -1}},
    {"mixolydian", {0, 2, 4, 5, 7, 9, 10, -1}},
    {"locrian", {0, 1, 3, 5, 6, 8, 10, -1}},
    {"harmonic_minor", {0, 2, 3, 5, 7, 8, 11, -1}},
    {"melodic_minor", {0, 2, 3, 5, 7, 9, 11, -1}},
    {"pentatonic_major", {0, 2, 4, 7, 9, -1}},
    {"pentatonic_minor", {0, 3, 5, 7, 10, -1}},
    {"blues", {0, 3, 5, 6, 7, 10, -1}},
    {"whole_tone", {0, 2, 4, 6, 8, 10, -1}},
};
#define SCALES (int)(sizeof scales / sizeof scales[0])

static int in_scale(int scale, int key, int note)
{
	int r = ((note - key) % 12 + 12) % 12;
	for (int i = 0; scales[scale].degrees[i] >= 0; i++)
		if (scales[scale].degrees[i] == r)
			return 1;
	return 0;
}

/* The nearest scale note to x semitones (ties down), by scanning whole semitones. */
static int nearest(int scale, int key, double x)
{
	int lo = (int)floor(x), hi = lo + 1;
	while (!in_scale(scale, key, lo))
		lo--;
	while (!in_scale(scale, key, hi))
		hi++;
	return x - lo <= hi - x ? lo : hi;
}

static unsigned run(int key, int scale)
{
	static const double fracs[FRACS] = {-0.45, -0.3, 0.3, 0.45};
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	host_set(&m, "key", (float)key);
	host_set(&m, "scale", (float)scale);
	host_init(&m);
	float in[N], out[N], trig[N];
	int expect[N];
	uint32_t k = 0;
	for (int n = LOW; n <= HIGH; n++) {
		in[k] = (float)(n / 12.0);
		expect[k++] = nearest(scale, key, n);
		for (int f = 0; f < FRACS; f++) {
			in[k] = (float)((n + fracs[f]) / 12.0);
			expect[k++] = nearest(scale, key, n + fracs[f]);
		}
	}
	const float *ins[] = {in};
	float *outs[] = {out, trig};
	host_render(&m, N, BLOCK, ins, outs, NULL, 0);
	unsigned bad = 0;
	for (uint32_t i = 0; i < N; i++) {
		float e = (float)(expect[i] / 12.0);
		if (out[i] != e) {
			if (bad < 3)
				printf("  key %d %s: in %.6f st -> %.6f st, expected %d\n", key,
				       scales[scale].name, 12.0 * in[i], 12.0 * out[i], expect[i]);
			bad++;
		}
	}
	host_close(&m);
	return bad;
}

static void test_scales(void)
{
	static const int keys[] = {0, 4, 10};
	static const char *const key_names[] = {"c", "e", "as"};
	for (int k = 0; k < 3; k++) {
		char what[200];
		unsigned total = 0;
		for (int sc = 0; sc < SCALES; sc++) {
			unsigned bad = run(keys[k], sc);
			total += bad;
			if (bad) {
				snprintf(what, sizeof what, "key %s, %s: %u of %u inputs wrong",
				         key_names[k], scales[sc].name, bad, N);
				check(0, what);
			}
		}
		snprintf(
		    what, sizeof what,
		    "key %-2s, all %d scales: %d semitones (-3..+3 octaves) and %d off-semitone "
		    "inputs each, exact volts (%u wrong)",
		    key_names[k], SCALES, SEMIS, SEMIS * FRACS, total);
		check(total == 0, what);
	}
}

static void test_ties_and_ends(void)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	host_set(&m, "scale", 1.0f); /* C major */
	host_init(&m);
	float in[6] = {3.0f / 12.0f, 10.0f / 12.0f, 10.0f, 12.0f, -10.0f, -1.0f / 12.0f};
	float out[6], trig[6];
	const float *ins[] = {in};
	float *outs[] = {out, trig};
	host_render(&m, 6, 6, ins, outs, NULL, 0);
	int ok = out[0] == (float)(2 / 12.0) && out[1] == (float)(9 / 12.0) && out[2] == 10.0f &&
	         out[3] == 10.0f && out[4] == -10.0f && out[5] == (float)(-1 / 12.0);
	char what[200];
	snprintf(what, sizeof what,
	         "C major: D# -> D and A# -> A (ties down), ±10 V stay (C), 12 V reads 10 V, B3 "
	         "stays: %.4f %.4f %g %g %g %.4f",
	         (double)out[0] * 12, (double)out[1] * 12, (double)out[2], (double)out[3],
	         (double)out[4], (double)out[5] * 12);
	check(ok, what);
	host_close(&m);
}

static void test_trig(void)
{
	host_module_t m;
	host_open_or_die(&m, path, RATE_HZ, BLOCK);
	host_set(&m, "scale", 1.0f); /* C major */
	host_init(&m);
	enum { F = 2000 };
	float in[F], out[F], trig[F];
	/* E, then a wobble within E, then G at 500, G at 530 (no pulse), C at 1000 */
	for (int i = 0; i < F; i++)
		in[i] = i < 200    ? 4.0f / 12
		        : i < 500  ? 4.2f / 12
		        : i < 530  ? 7.0f / 12
		        : i < 1000 ? 6.9f / 12
		                   : 0.0f;
	uint32_t key_at = 1500; /* key d: C, halfway between B and C# of D major, goes down to B */
	host_event_t ev = {key_at, host_param(&m, "key"), 2.0f};
	const float *ins[] = {in};
	float *outs[] = {out, trig};
	host_render(&m, F, BLOCK, ins, outs, &ev, 1);
	uint32_t rises[8], n = 0, widths[8];
	for (uint32_t i = 0; i < F; i++)
		if (trig[i] > 0.5f && (i == 0 || trig[i - 1] < 0.5f) && n < 8) {
			uint32_t w = 0;
			while (i + w < F && trig[i + w] > 0.5f)
				w++;
			widths[n] = w;
			rises[n++] = i;
		}
	int ok = n == 3 && rises[0] == 500 && rises[1] == 1000 && rises[2] == key_at &&
	         widths[0] == 48 && widths[1] == 48 && widths[2] == 48 &&
	         out[key_at] == (float)(-1 / 12.0) && out[key_at - 1] == 0.0f;
	char what[240];
	snprintf(what, sizeof what,
	         "trig: %u pulses at %u, %u, %u (expected 500, 1000, %u), 48 frames each; none "
	         "at the start or within a note",
	         n, n > 0 ? rises[0] : 0, n > 1 ? rises[1] : 0, n > 2 ? rises[2] : 0, key_at);
	check(ok, what);
	host_close(&m);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s quant.so\n", argv[0]);
		return 2;
	}
	path = argv[1];
	test_scales();
	test_ties_and_ends();
	test_trig();
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
