/*
 * golden — every module's render of one fixed scenario, compared with the render stored when
 * it was last accepted, so that a change to a module's sound never passes unnoticed.
 *
 * The scenario, the same for every module: default parameters, 48 kHz, 64-frame blocks,
 * STIM_FRAMES (4096) frames, the transport playing at 120 BPM from beat 0, every input driven
 * by the standard stimulus of its kind (stimulus.h: audio a 220 Hz sine plus a 1 kHz one, CV
 * a -1..1 V ramp, gate held for 2000 frames then a trigger at 2048), the engine's stereo input
 * filled likewise, and a module that takes data (load(), ABI 1.2) given 0.25 s of the audio
 * signal first. The outputs, concatenated in port order, are compared with
 * DATA/<type>.f32 (raw little-endian float32): the largest absolute difference must be at
 * most 1e-4. Each module's worst difference is printed.
 *
 * A module with no golden file fails, printing the command that creates it. With --update,
 * the files of the modules given are written where they are missing or differ by more than
 * the tolerance (renders within it are kept, so rebuilding with other flags makes no churn),
 * and each one written is named. CX_TEST_WAV_DIR=FOLDER writes each output as a WAV there, to
 * listen to before accepting a render (WAV files are never committed).
 *
 * Usage: golden [--update] --data DIR module.so...
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "stimulus.h"

#define GOLDEN_TOLERANCE 1e-4

/* Renders the scenario; out receives out_count * STIM_FRAMES floats, output after output. */
static void golden_render(host_module_t *m, float *out)
{
	const cx_module_t *d = m->desc;
	float in_buf[CX_PORTS_MAX][STIM_BLOCK], out_buf[CX_PORTS_MAX][STIM_BLOCK];
	float host_in[2][STIM_BLOCK];
	const float *in_ptr[CX_PORTS_MAX];
	float *out_ptr[CX_PORTS_MAX];
	for (uint32_t i = 0; i < CX_PORTS_MAX; i++) {
		in_ptr[i] = in_buf[i];
		out_ptr[i] = out_buf[i];
	}
	host_set_transport(m, STIM_TEMPO_BPM, 0.0, 1);
	double beats_per_frame = STIM_TEMPO_BPM / 60.0 / (double)STIM_RATE_HZ;
	for (uint64_t pos = 0; pos < STIM_FRAMES; pos += STIM_BLOCK) {
		for (uint32_t i = 0; i < d->in_count; i++)
			stim_fill(in_buf[i], d->ins[i].kind, pos, STIM_BLOCK);
		for (uint32_t c = 0; c < 2; c++)
			for (uint32_t j = 0; j < STIM_BLOCK; j++)
				host_in[c][j] = stim_host_in(c, pos + j);
		cx_process_t p = {
		    .frames = STIM_BLOCK,
		    .sample_rate = STIM_RATE_HZ,
		    .frame_time = pos,
		    .in = in_ptr,
		    .out = out_ptr,
		    .events = NULL,
		    .event_count = 0,
		    .host_in = {host_in[0], host_in[1]},
		    .tempo_bpm = STIM_TEMPO_BPM,
		    .beat = (double)pos * beats_per_frame,
		    .beats_per_frame = beats_per_frame,
		    .playing = 1,
		};
		d->process(m->state, &p);
		for (uint32_t o = 0; o < d->out_count; o++)
			memcpy(out + (size_t)o * STIM_FRAMES + pos, out_buf[o],
			       STIM_BLOCK * sizeof(float));
	}
}

/* Gives a module that takes data (ABI 1.2 load()) the standard sample: 0.25 s of the audio
 * signal, mono, at the render's rate. */
static void golden_load(host_module_t *m)
{
	const cx_module_t *d = m->desc;
	if (d->struct_size < offsetof(cx_module_t, load) + sizeof d->load || d->load == NULL)
		return;
	float *sample = host_alloc(STIM_SAMPLE_FRAMES);
	for (uint32_t i = 0; i < STIM_SAMPLE_FRAMES; i++)
		sample[i] = stim_audio(i);
	int32_t kept = d->load(m->state, sample, STIM_SAMPLE_FRAMES, 1, STIM_RATE_HZ);
	printf("%s: load() given %u frames of the audio signal, kept %d\n", d->type,
	       STIM_SAMPLE_FRAMES, (int)kept);
	free(sample);
}

/* Reads a golden file of at most max floats; returns the count, or -1 when there is none. */
static long golden_read(const char *path, float *x, size_t max)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	size_t n = 0;
	unsigned char b[4];
	while (fread(b, 1, 4, f) == 4) {
		if (n == max) {
			n++; /* longer than this render: a size mismatch */
			break;
		}
		uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
		             (uint32_t)b[3] << 24;
		memcpy(&x[n++], &u, sizeof u);
	}
	fclose(f);
	return (long)n;
}

static int golden_write(const char *path, const float *x, size_t n)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	if (f == NULL) {
		fprintf(stderr, "cannot write %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, &x[i], sizeof u);
		unsigned char b[4] = {(unsigned char)u, (unsigned char)(u >> 8),
		                      (unsigned char)(u >> 16), (unsigned char)(u >> 24)};
		fwrite(b, 1, 4, f);
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		remove(tmp);
		return -1;
	}
	return 0;
}

typedef struct golden_diff {
	double worst;   /* largest |render - golden|; INFINITY for a NaN or infinity */
	uint32_t out;   /* where */
	uint32_t frame; /* where */
} golden_diff_t;

static golden_diff_t golden_compare(const float *a, const float *b, size_t n)
{
	golden_diff_t d = {0.0, 0, 0};
	for (size_t i = 0; i < n; i++) {
		double e = fabs((double)a[i] - (double)b[i]);
		if (!isfinite(e))
			e = INFINITY;
		if (e > d.worst) {
			d.worst = e;
			d.out = (uint32_t)(i / STIM_FRAMES);
			d.frame = (uint32_t)(i % STIM_FRAMES);
		}
	}
	return d;
}

/* Checks (or, updating, writes) one module's golden file. Returns 1 when it passes. */
static int golden_module(const char *argv0, const char *dir, const char *path, int update)
{
	host_module_t m;
	if (host_open(&m, path, STIM_RATE_HZ, STIM_BLOCK) != 0) {
		printf("FAIL: %s does not load (above)\n", path);
		return 0;
	}
	const cx_module_t *d = m.desc;
	size_t n = (size_t)d->out_count * STIM_FRAMES;
	float *render = host_alloc(n + 1), *golden = host_alloc(n + 1);
	golden_load(&m);
	golden_render(&m, render);
	for (uint32_t o = 0; o < d->out_count; o++) { /* to listen: CX_TEST_WAV_DIR=folder */
		char name[96];
		snprintf(name, sizeof name, "golden_%s_%s", d->type, d->outs[o].name);
		host_write_wav(name, render + (size_t)o * STIM_FRAMES, STIM_FRAMES, STIM_RATE_HZ);
	}
	char file[4096];
	snprintf(file, sizeof file, "%s/%s.f32", dir, d->type);
	long have = golden_read(file, golden, n);
	int ok = 1;
	golden_diff_t diff = golden_compare(render, render, n); /* finite check: NaN - NaN */
	if (diff.worst > 0.0) {
		printf("FAIL: %s.%s is not finite at frame %u: a golden render must be finite\n",
		       d->type, d->outs[diff.out].name, diff.frame);
		ok = 0;
	} else if (have < 0 || (size_t)have != n) {
		if (update) {
			ok = golden_write(file, render, n) == 0;
			printf("%s: %s %s (%u outputs x %u frames)\n", d->type,
			       have < 0 ? "written, new:" : "written, its size changed:", file,
			       d->out_count, STIM_FRAMES);
		} else {
			if (have < 0)
				printf(
				    "FAIL: %s has no golden file %s; after listening to it, create "
				    "it with\n  %s --update --data %s %s\nand commit that file\n",
				    d->type, file, argv0, dir, path);
			else
				printf("FAIL: %s: golden file %s holds %ld floats, the render %zu "
				       "(%u outputs x %u frames): its outputs changed; if that is "
				       "meant, update it with\n  %s --update --data %s %s\n",
				       d->type, file, have, n, d->out_count, STIM_FRAMES, argv0,
				       dir, path);
			ok = 0;
		}
	} else {
		diff = golden_compare(render, golden, n);
		int within = diff.worst <= GOLDEN_TOLERANCE;
		if (within || !update) {
			printf("%s%s: worst difference %.3g (%s frame %u), tolerance %.0e: %s\n",
			       within ? "" : "FAIL: ", d->type, diff.worst,
			       d->out_count ? d->outs[diff.out].name : "-", diff.frame,
			       GOLDEN_TOLERANCE, within ? "ok" : "differs");
			if (!within)
				printf("  if the change is meant, listen to it, then update with\n"
				       "  %s --update --data %s %s\n",
				       argv0, dir, path);
			ok = within;
		} else {
			ok = golden_write(file, render, n) == 0;
			printf("%s: written, changed: %s (worst difference was %.3g at %s frame "
			       "%u)\n",
			       d->type, file, diff.worst, d->outs[diff.out].name, diff.frame);
		}
	}
	free(render);
	free(golden);
	host_close(&m);
	return ok;
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	int update = 0, first = 1;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (strcmp(argv[first], "--update") == 0)
			update = 1;
		else if (strcmp(argv[first], "--data") == 0 && first + 1 < argc)
			dir = argv[++first];
		else
			break;
	}
	if (dir == NULL || first >= argc) {
		fprintf(stderr, "usage: %s [--update] --data DIR module.so...\n", argv[0]);
		return 2;
	}
	int passed = 0, failed = 0;
	for (int i = first; i < argc; i++) {
		if (golden_module(argv[0], dir, argv[i], update))
			passed++;
		else
			failed++;
	}
	printf("golden: %d modules ok, %d failed%s\n", passed, failed, update ? " (--update)" : "");
	return failed ? 1 : 0;
}
