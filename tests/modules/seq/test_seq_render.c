/*
 * test_seq_render — seq through the whole engine: chronus-render plays a script and the gate
 * edges in its WAV land on exact frames.
 *
 * The script: tempo 120, `create seq s gate1=1 gate5=1 gate9=1 gate13=1`, `patch s.gate > out`,
 * `@0.5 play`. Play lands on frame 24000; `out` delays by one 64-frame period; a step is 6000
 * frames and every fourth step is active, so gate rises at 24064 + k 24000, exactly, and is
 * 0.8 x 0.7071 high in each channel (out's level and constant-power pan).
 * A WAV with no edge at all means the engine did not hand its transport to the module: a
 * failure.
 * Usage: test_seq_render chronus-render module-dir
 */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECONDS   3
#define RATE_HZ   48000
#define FIRST     24064u /* play at 0.5 s, plus out's one period */
#define EVERY     24000u /* four steps of 6000 frames */
#define HIGH      (0.8 * 0.70710678)
#define EDGES_MAX 64u

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s chronus-render module-dir\n", argv[0]);
		return 2;
	}
	char script[] = "/tmp/test_seq_render_XXXXXX";
	int fd = mkstemp(script);
	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	const char *text = "tempo 120\n"
	                   "create seq s gate1=1 gate5=1 gate9=1 gate13=1\n"
	                   "patch s.gate > out\n"
	                   "@0.5 play\n";
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror("write");
		return 1;
	}
	close(fd);
	char wav[sizeof script + 4];
	snprintf(wav, sizeof wav, "%s.wav", script);
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "'%s' -q -m '%s' -t %d -o '%s' '%s'", argv[1], argv[2], SECONDS,
	         wav, script);
	printf("%s\n", cmd);
	int rc = system(cmd);
	unlink(script);
	if (rc != 0) {
		printf("FAIL: chronus-render exited with %d\n", rc);
		return 1;
	}
	SF_INFO info = {0};
	SNDFILE *f = sf_open(wav, SFM_READ, &info);
	if (f == NULL || info.channels != 2 || info.samplerate != RATE_HZ) {
		printf("FAIL: cannot read a stereo %d Hz WAV from %s\n", RATE_HZ, wav);
		return 1;
	}
	float *x = malloc((size_t)info.frames * 2u * sizeof *x);
	sf_count_t frames = sf_readf_float(f, x, info.frames);
	sf_close(f);
	unlink(wav);

	uint64_t expect[EDGES_MAX], found[EDGES_MAX];
	uint32_t ne = 0, nf = 0;
	for (uint64_t e = FIRST; e < (uint64_t)frames && ne < EDGES_MAX; e += EVERY)
		expect[ne++] = e;
	int ok = 1, high = 0;
	double peak = 0.0;
	for (sf_count_t i = 0; i < frames; i++) {
		for (int c = 0; c < 2; c++) {
			float y = x[2 * i + c];
			peak = fmax(peak, fabs((double)y));
			if (y != 0.0f && fabs((double)y - HIGH) > 1e-6)
				ok = 0; /* a gate is 0 or HIGH, nothing between */
		}
		int h = x[2 * i] > 0.25f;
		if (h && !high && nf < EDGES_MAX)
			found[nf++] = (uint64_t)i;
		high = h;
	}
	free(x);
	if (nf == 0) {
		printf("FAIL: no gate edge in the render (peak %g): the engine did not hand the "
		       "transport (tempo_bpm, beat, beats_per_frame, playing) to the module\n",
		       peak);
		return 1;
	}
	ok &= nf == ne;
	for (uint32_t i = 0; i < nf && i < ne; i++) {
		printf("  edge %u at frame %llu, expected %llu%s\n", i,
		       (unsigned long long)found[i], (unsigned long long)expect[i],
		       found[i] == expect[i] ? "" : "  <- FAIL");
		ok &= found[i] == expect[i];
	}
	printf("%s: %u gate edges at 24064 + k 24000 (found %u), level %.6f (expected %.6f)\n",
	       ok ? "ok" : "FAIL", ne, nf, peak, HIGH);
	return ok ? 0 : 1;
}
