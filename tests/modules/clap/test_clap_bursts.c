/*
 * test_clap_bursts — the clap's structure: several fast noise bursts, then a tail.
 *
 * clap.c strikes its envelope 3 times 10 ms apart, each strike falling 60 dB in 20 ms, then a
 * fourth time for the tail. In one hit, the energy of the 3 ms after each millisecond t is
 * compared with that of the 3 ms before it: a strike is a jump of at least JUMP_DB (the
 * envelope has fallen 30 dB since the strike before; band-passed noise scatters a few dB over
 * 3 ms). The first 60 ms must show such jumps at 10, 20 and 30 ms (within 1 ms) and nowhere
 * else, after sound from the trigger's frame on. Printed: where the jumps are, and how large.
 * Usage: test_clap_bursts clap.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "drumtest.h"
#include "host.h"

#define RATE_HZ 48000.0f
#define MS      48u /* frames */
#define SPAN_MS 60u
#define SIDE_MS 3u
#define TRIG_AT 480u
#define JUMP_DB 10.0

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s clap.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, 64);
	host_set(&m, "decay", 0.5f);
	uint64_t at = TRIG_AT, frames = TRIG_AT + (SPAN_MS + SIDE_MS) * MS;
	float *out = host_alloc(frames);
	dc_render(&m, frames, 64, &at, 1, 0.0f, out);
	double e[SPAN_MS + SIDE_MS]; /* energy of each millisecond after the trigger */
	for (unsigned w = 0; w < SPAN_MS + SIDE_MS; w++) {
		e[w] = 1e-30;
		for (unsigned i = 0; i < MS; i++)
			e[w] += (double)out[TRIG_AT + w * MS + i] * out[TRIG_AT + w * MS + i];
	}
	double jump[SPAN_MS];
	for (unsigned t = SIDE_MS; t < SPAN_MS; t++) {
		double before = 0.0, after = 0.0;
		for (unsigned k = 0; k < SIDE_MS; k++) {
			before += e[t - 1 - k];
			after += e[t + k];
		}
		jump[t] = 10.0 * log10(after / before);
	}
	static const unsigned expected_ms[] = {10, 20, 30};
	unsigned count = 0;
	int ok = out[TRIG_AT] != 0.0f && out[TRIG_AT - 1] == 0.0f;
	printf("clap: sound from the trigger's frame: %s; jumps of >= %.0f dB at",
	       ok ? "yes" : "NO", JUMP_DB);
	for (unsigned t = SIDE_MS; t < SPAN_MS; t++) {
		int peak = (t == SIDE_MS || jump[t] >= jump[t - 1]) &&
		           (t + 1 == SPAN_MS || jump[t] > jump[t + 1]);
		if (jump[t] < JUMP_DB || !peak)
			continue;
		printf(" %u ms (%+.1f dB)", t, jump[t]);
		ok &= count < 3 && (unsigned)abs((int)t - (int)expected_ms[count]) <= 1;
		count++;
	}
	ok &= count == 3;
	printf(" (expected 10, 20, 30): %s\n", ok ? "ok" : "FAIL");
	free(out);
	host_close(&m);
	return ok ? 0 : 1;
}
