/*
 * chronus-bench-modules — what each module costs, in nanoseconds of CPU per sample (frame).
 *
 * For every module found (DIR/NAME/NAME.so, or .so paths given), in a test host of its own
 * (tests/modules/host.h): init at default parameters, 48 kHz, 64-frame blocks, the transport
 * playing at 120 BPM, a module that takes data given the standard 0.25 s sample, and every
 * input driven by the standard stimulus of its kind (tests/modules/stimulus.h, as the golden
 * renders: audio a 220 Hz plus 1 kHz sine, CV a slow -1..1 V ramp, gate a held gate and a
 * trigger, repeating every 4096 frames). It renders about 0.2 s of CPU time in runs of about
 * 10 ms each and keeps the best run, in thread CPU time (time descheduled is not the
 * module's), per sample: the figure the module costs when nothing else disturbs it. Then
 * twice more: with its CV inputs held at their defaults (as when nothing is patched into them,
 * the best case for modules that keep coefficients while their CV holds still), and with them
 * moving, a new random value in -1..1 V every sample (the worst case). All that for every
 * module in 3 rounds, the best of each case kept: on a shared machine, others' work that
 * crowds the caches for seconds then spoils one round rather than the figure.
 *
 * Each module is set beside a peer, the module of the same kind of work it should cost about
 * as much as (ladder beside vcf, fm beside vco, chorus beside delay...): a module that costs
 * more than twice its peer is flagged, to be looked at, not failed. Denormals are flushed
 * (FTZ/DAZ) as in the engine's workers. A benchmark: its figures depend on the machine.
 *
 * Usage: chronus-bench-modules [--markdown] [--seconds S] [--rounds N] (DIR | module.so)...
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "host.h"
#include "stimulus.h"

#define BENCH_MODULES_MAX 256
#define BENCH_RUN_NS      1e7 /* one run: about 10 ms of CPU */

/* Each module's peer: the reference module of its kind of work (vco for oscillators, vcf for
 * filters, delay for delay-line effects, kick for drums, vca for gains, adsr for control
 * signals, seq for the transport's sequencers). A reference, and a module with no like (the
 * 8-channel mixer), has none; so has a new module until it gets a line here. */
static const struct {
	const char *type, *peer;
} peers[] = {
    {"wavetable", "vco"}, {"fm", "vco"},       {"noise", "vco"},    {"sampler", "wavetable"},
    {"ladder", "vcf"},    {"chorus", "delay"}, {"reverb", "delay"}, {"phaser", "chorus"},
    {"snare", "kick"},    {"tom", "kick"},     {"clap", "kick"},    {"hihat", "kick"},
    {"pan", "vca"},       {"math", "vca"},     {"in", "vca"},       {"out", "pan"},
    {"drive", "comp"},    {"comp", "drive"},   {"slew", "adsr"},    {"lfo", "adsr"},
    {"sh", "slew"},       {"quant", "slew"},   {"euclid", "seq"},   {"clock", "seq"},
    {"arp", "seq"},
};

/* The three ways the inputs are driven. */
enum { BENCH_STIMULUS, BENCH_CV_HELD, BENCH_CV_MOVING, BENCH_CASES };
static const char *const case_names[BENCH_CASES] = {"", " with CV held", " with CV moving"};

typedef struct bench_result {
	char type[CX_NAME_MAX];
	double ns[BENCH_CASES]; /* CPU per sample, each case */
} bench_result_t;

static bench_result_t results[BENCH_MODULES_MAX];
static double run_cpu_s = 0.2;
static int rounds = 3;

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* A deterministic value in [-1, 1) for the moving CV (a 32-bit LCG; the bits are enough). */
static float moving_cv(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return (float)((double)(*state >> 8) / 8388608.0 - 1.0);
}

/* The module's inputs, STIM_FRAMES long, and its outputs for one block. */
typedef struct bench_bufs {
	float in[CX_PORTS_MAX][STIM_FRAMES];
	float host_in[2][STIM_FRAMES];
	float out[CX_PORTS_MAX][STIM_BLOCK];
} bench_bufs_t;

static void fill_inputs(const cx_module_t *d, bench_bufs_t *b, int how)
{
	uint32_t seed = 12345u;
	for (uint32_t i = 0; i < d->in_count; i++) {
		int cv = d->ins[i].kind == CX_PORT_CV;
		for (uint32_t f = 0; f < STIM_FRAMES; f++)
			b->in[i][f] = cv && how == BENCH_CV_HELD ? d->ins[i].def
			              : cv && how == BENCH_CV_MOVING
			                  ? moving_cv(&seed)
			                  : stim_value(d->ins[i].kind, f);
	}
	for (uint32_t c = 0; c < 2; c++)
		for (uint32_t f = 0; f < STIM_FRAMES; f++)
			b->host_in[c][f] = stim_host_in(c, f);
}

/* Renders blocks blocks from *pos on (frames wrap in the stimulus). */
static void render(host_module_t *m, bench_bufs_t *b, uint64_t *pos, uint64_t blocks)
{
	const cx_module_t *d = m->desc;
	const float *in[CX_PORTS_MAX];
	float *out[CX_PORTS_MAX];
	for (uint32_t o = 0; o < CX_PORTS_MAX; o++)
		out[o] = b->out[o];
	double beats_per_frame = STIM_TEMPO_BPM / 60.0 / (double)STIM_RATE_HZ;
	for (uint64_t k = 0; k < blocks; k++) {
		uint32_t at = (uint32_t)(*pos % STIM_FRAMES);
		for (uint32_t i = 0; i < d->in_count; i++)
			in[i] = b->in[i] + at;
		cx_process_t p = {
		    .frames = STIM_BLOCK,
		    .sample_rate = STIM_RATE_HZ,
		    .frame_time = *pos,
		    .in = in,
		    .out = out,
		    .host_in = {b->host_in[0] + at, b->host_in[1] + at},
		    .tempo_bpm = STIM_TEMPO_BPM,
		    .beat = (double)*pos * beats_per_frame,
		    .beats_per_frame = beats_per_frame,
		    .playing = 1,
		};
		d->process(m->state, &p);
		*pos += STIM_BLOCK;
	}
}

/* Best ns per sample over runs of about BENCH_RUN_NS, for about run_cpu_s of CPU time. */
static double measure(const char *path, bench_bufs_t *b, int how)
{
	host_module_t m;
	if (host_open(&m, path, STIM_RATE_HZ, STIM_BLOCK) != 0)
		exit(1);
	const cx_module_t *d = m.desc;
	if (d->struct_size >= offsetof(cx_module_t, load) + sizeof d->load && d->load != NULL) {
		float *sample = host_alloc(STIM_SAMPLE_FRAMES);
		for (uint32_t i = 0; i < STIM_SAMPLE_FRAMES; i++)
			sample[i] = stim_audio(i);
		d->load(m.state, sample, STIM_SAMPLE_FRAMES, 1, STIM_RATE_HZ);
		free(sample);
	}
	fill_inputs(d, b, how);
	uint64_t pos = 0, blocks = STIM_FRAMES / STIM_BLOCK;
	render(&m, b, &pos, blocks); /* warm up: caches, first-touch faults */
	double t0 = now_ns();
	render(&m, b, &pos, blocks);
	double one = now_ns() - t0;
	uint64_t per_run = (uint64_t)(BENCH_RUN_NS / (one > 1.0 ? one : 1.0)) + 1u;
	per_run *= blocks;
	double best = 1e300, spent = 0.0;
	for (int run = 0; run < 3 || spent < run_cpu_s * 1e9; run++) {
		t0 = now_ns();
		render(&m, b, &pos, per_run);
		double ns = now_ns() - t0;
		spent += ns;
		double per_sample = ns / (double)(per_run * STIM_BLOCK);
		best = per_sample < best ? per_sample : best;
	}
	host_close(&m);
	return best;
}

static const char *peer_of(const char *type)
{
	for (size_t i = 0; i < sizeof peers / sizeof peers[0]; i++)
		if (strcmp(peers[i].type, type) == 0)
			return peers[i].peer;
	return NULL;
}

static const bench_result_t *find(unsigned count, const char *type)
{
	for (unsigned i = 0; type != NULL && i < count; i++)
		if (strcmp(results[i].type, type) == 0)
			return &results[i];
	return NULL;
}

static int by_type(const void *a, const void *b)
{
	return strcmp(((const bench_result_t *)a)->type, ((const bench_result_t *)b)->type);
}

static void print_table(unsigned count, int markdown)
{
	if (markdown)
		printf("| module | ns/sample | CV held | CV moving | peer | vs peer | |\n"
		       "|---|---:|---:|---:|---|---:|---|\n");
	else
		printf("%-10s %9s %9s %9s  %-10s %7s\n", "module", "ns/sample", "CV held",
		       "CV moving", "peer", "vs peer");
	for (unsigned i = 0; i < count; i++) {
		const bench_result_t *r = &results[i];
		const char *peer = peer_of(r->type);
		const bench_result_t *p = find(count, peer);
		char ratio[32] = "-", flag[64] = "";
		if (p != NULL) {
			snprintf(ratio, sizeof ratio, "%.1fx", r->ns[0] / p->ns[0]);
			for (int c = 0; c < BENCH_CASES && flag[0] == '\0'; c++)
				if (r->ns[c] > 2.0 * p->ns[c])
					snprintf(flag, sizeof flag, "more than 2x %s%s", peer,
					         case_names[c]);
		}
		if (markdown)
			printf("| %s | %.2f | %.2f | %.2f | %s | %s | %s |\n", r->type, r->ns[0],
			       r->ns[1], r->ns[2], peer ? peer : "-", ratio, flag);
		else
			printf("%-10s %9.2f %9.2f %9.2f  %-10s %7s  %s\n", r->type, r->ns[0],
			       r->ns[1], r->ns[2], peer ? peer : "-", ratio, flag);
	}
}

/* Adds DIR/NAME/NAME.so for each NAME in dir, or path itself when it is a file. */
static void add_paths(const char *arg, char **paths, unsigned *n)
{
	struct stat st;
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
		DIR *dir = opendir(arg);
		for (struct dirent *e; dir != NULL && (e = readdir(dir)) != NULL;) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s/%s.so", arg, e->d_name, e->d_name);
			if (e->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
			    *n < BENCH_MODULES_MAX)
				paths[(*n)++] = strdup(path);
		}
		if (dir != NULL)
			closedir(dir);
	} else if (*n < BENCH_MODULES_MAX) {
		paths[(*n)++] = strdup(arg);
	}
}

int main(int argc, char **argv)
{
	int markdown = 0;
	char *paths[BENCH_MODULES_MAX];
	unsigned n = 0;
	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--markdown") == 0)
			markdown = 1;
		else if (strcmp(argv[a], "--seconds") == 0 && a + 1 < argc)
			run_cpu_s = atof(argv[++a]);
		else if (strcmp(argv[a], "--rounds") == 0 && a + 1 < argc)
			rounds = atoi(argv[++a]) > 0 ? atoi(argv[a]) : 1;
		else if (argv[a][0] == '-') {
			fprintf(stderr,
			        "usage: %s [--markdown] [--seconds S] [--rounds N] (DIR | "
			        "module.so)...\n",
			        argv[0]);
			return 2;
		} else
			add_paths(argv[a], paths, &n);
	}
	if (n == 0) {
		fprintf(stderr, "%s: no module given (DIR/NAME/NAME.so or module.so paths)\n",
		        argv[0]);
		return 2;
	}
#if defined(__SSE__)
	_mm_setcsr(_mm_getcsr() | 0x8040u); /* FTZ and DAZ, as the engine's workers */
#endif
	bench_bufs_t *b = calloc(1, sizeof *b);
	if (b == NULL)
		return 1;
	for (unsigned i = 0; i < n; i++) {
		host_module_t m;
		if (host_open(&m, paths[i], STIM_RATE_HZ, STIM_BLOCK) != 0)
			return 1;
		snprintf(results[i].type, sizeof results[i].type, "%s", m.desc->type);
		host_close(&m);
		for (int c = 0; c < BENCH_CASES; c++)
			results[i].ns[c] = 1e300;
	}
	/* Rounds over all modules, the best of each case kept: a stretch of the machine busy
	 * with others' work then spoils one round of a module, not its figure. */
	for (int r = 0; r < rounds; r++) {
		for (unsigned i = 0; i < n; i++) {
			for (int c = 0; c < BENCH_CASES; c++) {
				double ns = measure(paths[i], b, c);
				results[i].ns[c] = ns < results[i].ns[c] ? ns : results[i].ns[c];
			}
			fprintf(stderr,
			        "  round %d/%d %-10s %.2f ns/sample, %.2f with CV held, %.2f "
			        "moving\n",
			        r + 1, rounds, results[i].type, results[i].ns[0], results[i].ns[1],
			        results[i].ns[2]);
		}
	}
	for (unsigned i = 0; i < n; i++)
		free(paths[i]);
	free(b);
	qsort(results, n, sizeof results[0], by_type);
	printf("ns of CPU per sample (frame), the best %.0f ms run in %d rounds of %g s of each "
	       "case; 48 kHz, 64-frame blocks, defaults, transport playing.\nns/sample: the "
	       "standard stimulus (CV a slow ramp); CV held: CV inputs at their defaults; CV "
	       "moving: a new value every sample.\n",
	       BENCH_RUN_NS / 1e6, rounds, run_cpu_s);
	print_table(n, markdown);
	return 0;
}
