/*
 * bench_voice — what one subtractive voice costs: vco saw -> vcf lp -> vca <- adsr.
 *
 * Renders the voice through the test host at 64 frames / 48 kHz, a note every half second
 * (gate high for 0.25 s), for many blocks, and prints the nanoseconds per 64-frame block for
 * the whole voice and for each module alone: the best of 15 runs of `blocks` blocks, in thread
 * CPU time, so that other work on the machine disturbs the figure as little as it can. Usage:
 *	bench_voice vco.so vcf.so adsr.so vca.so [blocks]
 * Then the same with the envelope also patched into the vcf cutoff CV, where the filter
 * coefficients change every frame. A benchmark, not a test: it prints figures and fails only
 * when a module does not load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "host.h"

#define BENCH_FRAMES  64u
#define BENCH_RATE_HZ 48000.0f
#define BENCH_RUNS    15

enum { BENCH_VCO, BENCH_VCF, BENCH_ADSR, BENCH_VCA, BENCH_MODULES };

typedef struct bench_voice {
	host_module_t m[BENCH_MODULES];
	float zero[BENCH_FRAMES], one[BENCH_FRAMES], gate[BENCH_FRAMES];
	float osc[BENCH_FRAMES], lp[BENCH_FRAMES], hp[BENCH_FRAMES], bp[BENCH_FRAMES];
	float chosen[BENCH_FRAMES], env[BENCH_FRAMES], out[BENCH_FRAMES];
	int env_to_cutoff; /* also patch the envelope into the vcf cutoff CV (+1 octave at peak) */
} bench_voice_t;

/* CPU time of this thread: on a shared machine, time spent descheduled is not the voice's. */
static double bench_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* One block of the voice; `only` limits the work to one module (or -1 for all). */
static void bench_block(bench_voice_t *v, uint64_t block, int only)
{
	/* 0.5 s per note at 64 frames: 375 blocks; gate high for the first 187. */
	float g = block % 375u < 187u ? 1.0f : 0.0f;
	for (uint32_t i = 0; i < BENCH_FRAMES; i++)
		v->gate[i] = g;
	if (only < 0 || only == BENCH_ADSR) {
		const float *in[] = {v->gate, v->zero};
		float *out[] = {v->env};
		host_process(&v->m[BENCH_ADSR], BENCH_FRAMES, in, out, NULL, 0);
	}
	if (only < 0 || only == BENCH_VCO) {
		const float *in[] = {v->zero, v->zero, v->zero, v->zero}; /* pitch fm sync pwm */
		float *out[] = {v->osc};
		host_process(&v->m[BENCH_VCO], BENCH_FRAMES, in, out, NULL, 0);
	}
	if (only < 0 || only == BENCH_VCF) {
		const float *in[] = {v->osc, v->env_to_cutoff ? v->env : v->zero};
		float *out[] = {v->chosen, v->lp, v->hp, v->bp};
		host_process(&v->m[BENCH_VCF], BENCH_FRAMES, in, out, NULL, 0);
	}
	if (only < 0 || only == BENCH_VCA) {
		const float *in[] = {v->chosen, v->env};
		float *out[] = {v->out};
		host_process(&v->m[BENCH_VCA], BENCH_FRAMES, in, out, NULL, 0);
	}
}

static double bench_run(bench_voice_t *v, uint64_t blocks, int only)
{
	double best = 1e300;
	for (int run = 0; run < BENCH_RUNS; run++) {
		double t0 = bench_now_ns();
		for (uint64_t b = 0; b < blocks; b++)
			bench_block(v, b, only);
		double ns = (bench_now_ns() - t0) / (double)blocks;
		best = ns < best ? ns : best;
	}
	return best;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: %s vco.so vcf.so adsr.so vca.so [blocks]\n", argv[0]);
		return 2;
	}
	uint64_t blocks = argc > 5 ? strtoull(argv[5], NULL, 10) : 20000u;
	static bench_voice_t v;
	for (int i = 0; i < BENCH_MODULES; i++)
		host_open_or_die(&v.m[i], argv[1 + i], BENCH_RATE_HZ, BENCH_FRAMES);
	for (uint32_t i = 0; i < BENCH_FRAMES; i++)
		v.one[i] = 1.0f;
	host_set(&v.m[BENCH_VCO], "wave", 2.0f); /* saw */
	host_set(&v.m[BENCH_VCO], "freq", 110.0f);
	host_set(&v.m[BENCH_VCF], "cutoff", 2000.0f);
	host_set(&v.m[BENCH_VCF], "resonance", 0.3f);
	host_set(&v.m[BENCH_VCF], "mode", 0.0f); /* lp */
	for (int i = 0; i < BENCH_MODULES; i++)
		host_init(&v.m[i]);

	bench_run(&v, blocks / 10u, -1); /* warm up caches and clocks */
	double voice_ns = bench_run(&v, blocks, -1);
	printf("voice vco saw -> vcf lp -> vca <- adsr, %u frames at %.0f Hz, %llu blocks:\n",
	       BENCH_FRAMES, (double)BENCH_RATE_HZ, (unsigned long long)blocks);
	printf("  %.1f ns per voice per %u-frame block (%.2f ns per frame)\n", voice_ns,
	       BENCH_FRAMES, voice_ns / BENCH_FRAMES);
	const char *names[BENCH_MODULES] = {"vco", "vcf", "adsr", "vca"};
	for (int i = 0; i < BENCH_MODULES; i++)
		printf("  %-5s alone: %.1f ns per block\n", names[i], bench_run(&v, blocks, i));
	v.env_to_cutoff = 1;
	double modulated_ns = bench_run(&v, blocks, -1);
	printf("the same voice with the envelope also on the vcf cutoff CV (coefficients every "
	       "frame):\n  %.1f ns per voice per block (%+.1f ns)\n",
	       modulated_ns, modulated_ns - voice_ns);
	for (int i = 0; i < BENCH_MODULES; i++)
		host_close(&v.m[i]);
	return 0;
}
