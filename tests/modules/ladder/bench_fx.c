/*
 * bench_fx — what a filter or effect module costs per sample, alone.
 *
 * For each module given, renders 64-frame blocks at 48 kHz with its default parameters, ±0.5
 * noise on its first input and every other input at its default, and prints the nanoseconds
 * per frame: the best of BENCH_RUNS runs of `blocks` blocks, in thread CPU time, so that other
 * work on the machine disturbs the figure as little as it can. Then, for modules with a
 * `cutoff` input, the same with a slow sweep on that input (coefficients change every frame).
 * A benchmark, not a test: it prints figures and fails only when a module does not load.
 * Usage: bench_fx module.so... [-b blocks]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host.h"

#define BENCH_FRAMES  64u
#define BENCH_RATE_HZ 48000.0f
#define BENCH_RUNS    15

static double bench_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static double bench_module(host_module_t *m, uint64_t blocks, int sweep_cutoff)
{
	const cx_module_t *d = m->desc;
	static float in[CX_PORTS_MAX][BENCH_FRAMES], out[CX_PORTS_MAX][BENCH_FRAMES];
	const float *ins[CX_PORTS_MAX];
	float *outs[CX_PORTS_MAX];
	int cutoff = -1;
	for (uint32_t i = 0; i < d->in_count; i++) {
		for (uint32_t j = 0; j < BENCH_FRAMES; j++)
			in[i][j] = d->ins[i].def;
		ins[i] = in[i];
		if (strcmp(d->ins[i].name, "cutoff") == 0)
			cutoff = (int)i;
	}
	if (sweep_cutoff && cutoff < 0)
		return -1.0;
	for (uint32_t o = 0; o < d->out_count; o++)
		outs[o] = out[o];
	unsigned rng = 1;
	double best = 1e300;
	for (int run = 0; run < BENCH_RUNS; run++) {
		host_init(m);
		double t0 = bench_now_ns();
		for (uint64_t b = 0; b < blocks; b++) {
			for (uint32_t j = 0; j < BENCH_FRAMES; j++) {
				rng = rng * 1103515245u + 12345u;
				in[0][j] = (float)(rng >> 8) / 16777216.0f - 0.5f;
				if (sweep_cutoff)
					in[cutoff][j] =
					    (float)((b * BENCH_FRAMES + j) % 96000u) / 48000.0f -
					    1.0f;
			}
			host_process(m, BENCH_FRAMES, ins, outs, NULL, 0);
		}
		double ns = (bench_now_ns() - t0) / (double)(blocks * BENCH_FRAMES);
		best = ns < best ? ns : best;
	}
	return best;
}

int main(int argc, char **argv)
{
	uint64_t blocks = 3000;
	int ok = 1;
	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-b") == 0 && a + 1 < argc) {
			blocks = strtoull(argv[++a], NULL, 10);
			continue;
		}
		host_module_t m;
		if (host_open(&m, argv[a], BENCH_RATE_HZ, BENCH_FRAMES) != 0) {
			ok = 0;
			continue;
		}
		double ns = bench_module(&m, blocks, 0);
		double swept = bench_module(&m, blocks, 1);
		printf("%-8s %7.2f ns/sample at defaults", m.desc->type, ns);
		if (swept >= 0.0)
			printf(", %7.2f with the cutoff CV moving", swept);
		printf("\n");
		host_close(&m);
	}
	return ok ? 0 : 1;
}
