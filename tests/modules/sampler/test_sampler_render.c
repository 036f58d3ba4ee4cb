/*
 * test_sampler_render — sampler through the whole engine: sox writes a WAV into a samples
 * folder, `sample` loads it, `trig` plays it, and chronus-render's output is the file read
 * back at the engine's rate, frame for frame.
 *
 * In a fresh folder: `sox -D -n -r 44100 -c 1 -e floating-point -b 32 samples/tone.wav synth 1
 * sine 1000 0 25 vol 0.5` (one second of a 1 kHz tone starting near its peak, so the first
 * frame is far from 0), then the script
 *	create sampler s
 *	patch s.out > out
 *	sample s tone.wav
 *	@0.5 trig s
 * rendered for 2 s at 48 kHz, run in that folder (the renderer looks for ./samples). The trigger
 * lands on frame 24000 and `out` delays by one 64-frame period, so:
 *  - every frame before 24064 is 0 in both channels;
 *  - from frame 24064, channel c frame 24064 + k is 0.8 x 0.70711 (out's level and centre pan)
 *    times the file read at position k x 44100 / 48000 by cubic Hermite interpolation, worked
 *    out here from the file's own values, within 1e-6, for the 48000 frames the second lasts;
 *  - then 0 again, from the frame after next (the position adds up 0.91875 a frame in double,
 *    so the last one may fall a hair short of the end and play one frame more); the tone
 *    measures 1000 Hz (limit 0.05 cent).
 * Usage: test_sampler_render chronus-render module-dir
 */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "measure.h"

#define RATE_HZ   48000
#define FILE_HZ   44100
#define FIRST     24064u /* trig at 0.5 s, plus out's one period */
#define PLAYED    48000u /* one second of the file at the engine's rate */
#define OUT_GAIN  (0.8 * 0.70710678118654752)
#define TOLERANCE 1e-6

static float *read_wav(const char *path, int *channels, int *rate, sf_count_t *frames)
{
	SF_INFO info = {0};
	SNDFILE *f = sf_open(path, SFM_READ, &info);
	if (f == NULL)
		return NULL;
	float *x = malloc((size_t)info.frames * (size_t)info.channels * sizeof *x);
	*frames = x ? sf_readf_float(f, x, info.frames) : 0;
	sf_close(f);
	*channels = info.channels;
	*rate = info.samplerate;
	return x;
}

/* Catmull-Rom read of x[0..n) at pos, the ends repeating their edge values. */
static double hermite(const float *x, sf_count_t n, double pos)
{
	double whole = floor(pos), t = pos - whole;
	sf_count_t i = (sf_count_t)whole, k[4];
	for (int j = 0; j < 4; j++) {
		sf_count_t v = i - 1 + j;
		k[j] = v < 0 ? 0 : v > n - 1 ? n - 1 : v;
	}
	double xm1 = x[k[0]], x0 = x[k[1]], x1 = x[k[2]], x2 = x[k[3]];
	double c1 = 0.5 * (x1 - xm1), c2 = xm1 - 2.5 * x0 + 2.0 * x1 - 0.5 * x2;
	double c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
	return ((c3 * t + c2) * t + c1) * t + x0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s chronus-render module-dir\n", argv[0]);
		return 2;
	}
	char dir[] = "/tmp/test_sampler_render_XXXXXX";
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
	         "cd '%s' && mkdir samples && sox -D -n -r %d -c 1 -e floating-point -b 32 "
	         "samples/tone.wav synth 1 sine 1000 0 25 vol 0.5 && printf '%%s\\n' "
	         "'create sampler s' 'patch s.out > out' 'sample s tone.wav' '@0.5 trig s' "
	         "> script && '%s' -q -m '%s' -t 2 -o out.wav script",
	         dir, FILE_HZ, argv[1], argv[2]);
	printf("%s\n", cmd);
	int rc = system(cmd);
	char path[256];
	int fch = 0, frate = 0, ch = 0, rate = 0;
	sf_count_t fn = 0, n = 0;
	snprintf(path, sizeof path, "%s/samples/tone.wav", dir);
	float *file = read_wav(path, &fch, &frate, &fn);
	snprintf(path, sizeof path, "%s/out.wav", dir);
	float *y = rc == 0 ? read_wav(path, &ch, &rate, &n) : NULL;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	if (rc != 0 || file == NULL || y == NULL || fch != 1 || frate != FILE_HZ || ch != 2 ||
	    rate != RATE_HZ || n < (sf_count_t)(FIRST + PLAYED + 100)) {
		printf("FAIL: the render did not run (exit %d) or its files are not as expected "
		       "(tone %d ch %d Hz %lld frames, render %d ch %d Hz %lld frames)\n",
		       rc, fch, frate, (long long)fn, ch, rate, (long long)n);
		return 1;
	}
	printf("     tone.wav: %lld frames at %d Hz, first value %.6f\n", (long long)fn, frate,
	       (double)file[0]);
	double before = 0.0, after = 0.0, worst = 0.0;
	for (sf_count_t i = 0; i < n; i++) {
		for (int c = 0; c < 2; c++) {
			double v = y[2 * i + c];
			if (i < FIRST) {
				before = fmax(before, fabs(v));
			} else if (i < FIRST + PLAYED) {
				double pos = (double)(i - FIRST) * FILE_HZ / RATE_HZ;
				double e = OUT_GAIN * hermite(file, fn, pos);
				worst = fmax(worst, fabs(v - e));
			} else if (i > FIRST + PLAYED) {
				after = fmax(after, fabs(v));
			}
		}
	}
	float *left = malloc(PLAYED * sizeof *left);
	for (uint32_t k = 0; k < PLAYED; k++)
		left[k] = y[2 * (FIRST + k)];
	double hz = measure_freq_hz(left, PLAYED, RATE_HZ), cents = 1200.0 * log2(hz / 1000.0);
	int ok = before == 0.0 && after == 0.0 && worst <= TOLERANCE && fabs(cents) < 0.05 &&
	         fabs(y[2 * FIRST] - OUT_GAIN * file[0]) <= TOLERANCE;
	printf("%s: silent before frame %u (peak %g), frame %u = %.6f (0.8 x 0.7071 x %.6f), the "
	       "next %u frames within %.2e of the file resampled 44.1 -> 48 kHz (limit %.0e), "
	       "%.4f Hz (%+.4f cent), silent after (peak %g)\n",
	       ok ? "ok" : "FAIL", FIRST, before, FIRST, (double)y[2 * FIRST], (double)file[0],
	       PLAYED, worst, TOLERANCE, hz, cents, after);
	free(left);
	free(file);
	free(y);
	return ok ? 0 : 1;
}
