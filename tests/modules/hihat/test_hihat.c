/*
 * test_hihat — the hihat's sources and its choke.
 *
 * test_hihat spectrum hihat.so
 *     Tonality: an open hit (T60 4 s) at the default cutoff, 0.1..1.1 s after the trigger, as a
 *     Welch power spectrum (4096-point Blackman-Harris segments, half overlapping); each bin
 *     from cutoff/2 to 16 kHz over the median of the bins within 200 Hz of it; the largest such
 *     ratio is the figure. `noise=white` must be flat-ish: no bin more than 6 dB above its
 *     neighbourhood (averaging ~20 segments leaves about +-2 dB). `noise=metal` must be tonal:
 *     some bin at least 20 dB above. And the six partials: with cutoff 500 Hz (the lowest, so
 *     the band reaches them), one 65536-point spectrum of the metal hit, for tune 1 and tune
 *     1.5: at each of 205.3, 304.4, 369.6, 522.7, 540 and 800 Hz times tune (within 1.5 Hz), a
 *     line at least 20 dB above anything else within 12 Hz of it (more than 3 Hz from every
 *     partial).
 * test_hihat choke hihat.so
 *     An open hit (open = 1 s) with and without a rising edge at `choke` 50 ms after the
 *     trigger: from there, the choked hit must fall 60 dB (RMS of 1 ms windows) within 0.1 s,
 *     where the open one takes about 0.95 s, and 100 ms after the choke it must be at least
 *     60 dB below the open one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drumtest.h"
#include "host.h"
#include "measure.h"

#define RATE_HZ 48000.0f
#define TRIG_AT 480u

static const double partials_hz[] = {205.3, 304.4, 369.6, 522.7, 540.0, 800.0};
#define PARTIALS 6u

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, compare_doubles);
	return v[n / 2];
}

/* Renders one open hit of the hat at m->params into a fresh buffer of `frames` frames. */
static float *render_hit(host_module_t *m, uint64_t frames)
{
	float *out = host_alloc(frames);
	uint64_t at = TRIG_AT;
	dc_render(m, frames, 64, &at, 1, 0.0f, out);
	return out;
}

/* The largest ratio, in dB, of a bin of the Welch spectrum to the median of its 200 Hz
 * neighbourhood, from lo_hz to hi_hz; *at_hz receives the bin's frequency. */
static double tonality_db(const float *x, size_t n, double lo_hz, double hi_hz, double *at_hz)
{
	enum { SEG = 4096 };
	double *mag = malloc((SEG / 2 + 1) * sizeof *mag), *psd = calloc(SEG / 2 + 1, sizeof *psd);
	unsigned segments = 0;
	for (size_t start = 0; start + SEG <= n; start += SEG / 2, segments++) {
		measure_spectrum(x + start, SEG, mag);
		for (size_t k = 0; k <= SEG / 2; k++)
			psd[k] += mag[k] * mag[k];
	}
	double bin_hz = RATE_HZ / SEG, worst = -300.0;
	size_t half = (size_t)(200.0 / bin_hz), a = (size_t)(lo_hz / bin_hz),
	       b = (size_t)(hi_hz / bin_hz);
	double *near = malloc((2 * half + 1) * sizeof *near);
	for (size_t k = a; k <= b && k + half <= SEG / 2; k++) {
		size_t count = 0;
		for (size_t j = k - half; j <= k + half; j++)
			near[count++] = psd[j];
		double db = 10.0 * log10(psd[k] / median(near, count));
		if (db > worst) {
			worst = db;
			*at_hz = (double)k * bin_hz;
		}
	}
	free(mag);
	free(psd);
	free(near);
	return worst;
}

/* Each partial's line over the strongest bin within 12 Hz of it that lies more than 3 Hz from
 * every partial, in dB (each_db); the least of the six is returned. */
static double partials_db(const float *x, double tune, double *each_db)
{
	enum { N = 65536 };
	double *mag = malloc((N / 2 + 1) * sizeof *mag), bin_hz = RATE_HZ / N, least = 300.0;
	measure_spectrum(x, N, mag);
	size_t half = (size_t)(12.0 / bin_hz);
	for (unsigned p = 0; p < PARTIALS; p++) {
		double hz = partials_hz[p] * tune, line = 0.0, rival = 1e-30;
		size_t k = (size_t)(hz / bin_hz + 0.5);
		for (size_t j = k - 2; j <= k + 2; j++)
			line = fmax(line, mag[j]);
		for (size_t j = k - half; j <= k + half; j++) {
			int by_a_partial = 0;
			for (unsigned q = 0; q < PARTIALS; q++)
				by_a_partial |=
				    fabs((double)j * bin_hz - partials_hz[q] * tune) <= 3.0;
			if (!by_a_partial)
				rival = fmax(rival, mag[j]);
		}
		each_db[p] = 20.0 * log10(line / rival);
		least = fmin(least, each_db[p]);
	}
	free(mag);
	return least;
}

static int test_spectrum(host_module_t *m)
{
	uint64_t frames = TRIG_AT + (uint64_t)(1.2 * RATE_HZ);
	size_t skip = TRIG_AT + (size_t)(0.1 * RATE_HZ), n = (size_t)(1.0 * RATE_HZ);
	int ok = 1;
	static const char *const sources[] = {"white", "metal"};
	for (int src = 0; src < 2; src++) {
		host_set(m, "noise", (float)(src == 0 ? 1 : 0)); /* enum: metal 0, white 1 */
		host_set(m, "open", 4.0f);
		host_set(m, "cutoff", 8000.0f);
		host_set(m, "tune", 1.0f);
		float *x = render_hit(m, frames);
		double at_hz = 0.0, db = tonality_db(x + skip, n, 4000.0, 16000.0, &at_hz);
		int good = src == 0 ? db <= 6.0 : db >= 20.0;
		printf(
		    "hihat noise=%s: strongest bin %.1f dB above its neighbourhood (at %.0f Hz), "
		    "%s: %s\n",
		    sources[src], db, at_hz, src == 0 ? "limit 6 dB" : "at least 20 dB",
		    good ? "ok" : "FAIL");
		ok &= good;
		free(x);
	}
	static const double tunes[] = {1.0, 1.5};
	for (int t = 0; t < 2; t++) {
		host_set(m, "noise", 0.0f);
		host_set(m, "open", 4.0f);
		host_set(m, "cutoff", 500.0f);
		host_set(m, "tune", (float)tunes[t]);
		float *x = render_hit(m, TRIG_AT + 65536);
		double each[PARTIALS], least = partials_db(x + TRIG_AT, tunes[t], each);
		int good = least >= 20.0;
		printf("hihat noise=metal tune=%.1f cutoff=500: partials", tunes[t]);
		for (unsigned p = 0; p < PARTIALS; p++)
			printf(" %.1f Hz %+.0f dB%s", partials_hz[p] * tunes[t], each[p],
			       p + 1 < PARTIALS ? "," : "");
		printf(" above anything else within 12 Hz (at least 20 dB): %s\n",
		       good ? "ok" : "FAIL");
		ok &= good;
		free(x);
	}
	return ok;
}

/* One open hit, choked (a rising edge at `choke` at frame choke_at) or not (choke_at 0). */
static float *render_choked(host_module_t *m, uint64_t frames, uint64_t choke_at)
{
	float *trig = host_alloc(frames), *choke = host_alloc(frames), *out = host_alloc(frames);
	for (uint64_t i = TRIG_AT; i < TRIG_AT + 48; i++)
		trig[i] = 1.0f;
	for (uint64_t i = choke_at; choke_at > 0 && i < choke_at + 48; i++)
		choke[i] = 1.0f;
	const float *in[CX_PORTS_MAX] = {0};
	in[host_in(m, "trig")] = trig;
	in[host_in(m, "choke")] = choke;
	float *outs[CX_PORTS_MAX] = {0};
	outs[0] = out;
	host_init(m);
	host_render(m, frames, 64, in, outs, NULL, 0);
	free(trig);
	free(choke);
	return out;
}

static double rms_db(const float *x, size_t n)
{
	double sum = 1e-30;
	for (size_t i = 0; i < n; i++)
		sum += (double)x[i] * x[i];
	return 10.0 * log10(sum / (double)n);
}

/* Seconds from frame `from` until the RMS of 1 ms windows has fallen 60 dB below that of the
 * millisecond before `from`; NaN if it never does. */
static double fall_60db_s(const float *x, size_t n, size_t from)
{
	size_t w = (size_t)(0.001 * RATE_HZ);
	double before = rms_db(x + from - w, w);
	for (size_t at = from; at + w <= n; at += w)
		if (rms_db(x + at, w) < before - 60.0)
			return (double)(at + w - from) / RATE_HZ;
	return NAN;
}

static int test_choke(host_module_t *m)
{
	host_set(m, "open", 1.0f);
	uint64_t frames = TRIG_AT + (uint64_t)(2.5 * RATE_HZ),
	         choke_at = TRIG_AT + (uint64_t)(0.05 * RATE_HZ);
	float *open = render_choked(m, frames, 0), *choked = render_choked(m, frames, choke_at);
	double open_s = fall_60db_s(open, frames, choke_at);
	double choked_s = fall_60db_s(choked, frames, choke_at);
	size_t later = (size_t)(choke_at + (uint64_t)(0.1 * RATE_HZ)), w = (size_t)(0.01 * RATE_HZ);
	double drop = rms_db(open + later, w) - rms_db(choked + later, w);
	int ok = choked_s < 0.1 && drop >= 60.0;
	printf("hihat open=1, from 50 ms after the trigger: falls 60 dB in %.3f s open, in %.3f s "
	       "when choked there (limit 0.1 s); 100 ms after the choke %.0f dB below the open hit "
	       "(at least 60 dB): %s\n",
	       open_s, choked_s, drop, ok ? "ok" : "FAIL");
	free(open);
	free(choked);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "spectrum") != 0 && strcmp(argv[1], "choke") != 0)) {
		fprintf(stderr, "usage: %s spectrum|choke hihat.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[2], RATE_HZ, 64);
	int ok = strcmp(argv[1], "spectrum") == 0 ? test_spectrum(&m) : test_choke(&m);
	host_close(&m);
	printf("%s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
