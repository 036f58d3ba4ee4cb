/*
 * test_noise_spectrum — the noise colors' spectral slopes: white 0, pink -3 and brown
 * -6 dB/octave, each within ±1 dB from 20 Hz to 20 kHz at 48 kHz.
 *
 * For each color, renders SEGMENTS x 65536 frames (about 44 s), averages the power spectra of
 * the segments (Blackman-Harris window, measure.c), and takes the mean power density in the
 * ten octave bands 20-40, 40-80, ... 10240-20000 Hz. Each band is compared with an ideal
 * density f^(slope/3.01 dB) averaged over the same bins, after fitting one overall offset; the
 * largest band deviation must be within ±1 dB. Also prints the least-squares slope of the band
 * levels, and the RMS of each color (the module promises 0.25, -12 dBFS).
 * Usage: test_noise_spectrum noise.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ    48000.0f
#define FFT_N      65536u
#define SEGMENTS   64u
#define BLOCK      64u
#define BANDS      10
#define LIMIT_DB   1.0
#define RMS_TARGET 0.25

static const char *const colors[] = {"white", "pink", "brown"};
static const double slopes_db[] = {0.0, -3.0, -6.0}; /* per octave */

/* Band b spans [20 2^b, 20 2^(b+1)) Hz, the last one cut at 20 kHz. */
static void band_edges(int b, double *lo_hz, double *hi_hz)
{
	*lo_hz = 20.0 * pow(2.0, b);
	*hi_hz = b == BANDS - 1 ? 20000.0 : 20.0 * pow(2.0, b + 1);
}

/* Renders one color and returns the worst band deviation in dB; prints the figures. */
static double color_deviation(host_module_t *m, int color, float *x, double *power, double *mag)
{
	host_set(m, "color", (float)color);
	host_set(m, "seed", 1234.0f);
	host_init(m);
	float *outs[CX_PORTS_MAX] = {0};
	outs[host_out(m, "out")] = x;
	for (uint32_t k = 0; k <= FFT_N / 2; k++)
		power[k] = 0.0;
	double sum_sq = 0.0;
	host_render(m, RATE_HZ, BLOCK, NULL, outs, NULL, 0); /* 1 s: let the filters settle */
	for (uint32_t seg = 0; seg < SEGMENTS; seg++) {
		host_render(m, FFT_N, BLOCK, NULL, outs, NULL, 0);
		measure_spectrum(x, FFT_N, mag);
		for (uint32_t k = 0; k <= FFT_N / 2; k++)
			power[k] += mag[k] * mag[k];
		for (uint32_t i = 0; i < FFT_N; i++)
			sum_sq += (double)x[i] * x[i];
	}
	double rms = sqrt(sum_sq / (SEGMENTS * (double)FFT_N));
	double bin_hz = RATE_HZ / FFT_N, alpha = slopes_db[color] / (10.0 * log10(2.0));
	double diff[BANDS], level[BANDS], offset = 0.0;
	for (int b = 0; b < BANDS; b++) {
		double lo, hi, measured = 0.0, ideal = 0.0;
		band_edges(b, &lo, &hi);
		uint32_t count = 0;
		for (uint32_t k = (uint32_t)ceil(lo / bin_hz); k * bin_hz < hi; k++, count++) {
			measured += power[k];
			ideal += pow(k * bin_hz, alpha);
		}
		level[b] = 10.0 * log10(measured / count);
		diff[b] = level[b] - 10.0 * log10(ideal / count);
		offset += diff[b] / BANDS;
	}
	/* least-squares slope of level against octave number */
	double mean_b = (BANDS - 1) / 2.0, mean_l = 0.0, num = 0.0, den = 0.0;
	for (int b = 0; b < BANDS; b++)
		mean_l += level[b] / BANDS;
	for (int b = 0; b < BANDS; b++) {
		num += (b - mean_b) * (level[b] - mean_l);
		den += (b - mean_b) * (b - mean_b);
	}
	double worst = 0.0;
	int worst_band = 0;
	for (int b = 0; b < BANDS; b++) {
		double d = diff[b] - offset;
		if (!(fabs(d) <= fabs(worst))) {
			worst = d;
			worst_band = b;
		}
	}
	double lo, hi;
	band_edges(worst_band, &lo, &hi);
	printf("noise %-5s: fitted slope %+6.3f dB/oct (ideal %+4.1f); worst octave-band "
	       "deviation %+6.3f dB (%.0f-%.0f Hz; limit ±%.1f); RMS %.4f (%.2f dBFS)\n",
	       colors[color], num / den, slopes_db[color], worst, lo, hi, LIMIT_DB, rms,
	       20.0 * log10(rms));
	if (fabs(20.0 * log10(rms / RMS_TARGET)) > 0.5) {
		printf("FAIL: %s RMS %.4f is more than 0.5 dB from %.2f\n", colors[color], rms,
		       RMS_TARGET);
		return INFINITY;
	}
	return worst;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s noise.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, BLOCK);
	float *x = host_alloc(FFT_N > RATE_HZ ? FFT_N : (uint64_t)RATE_HZ);
	double *power = calloc(FFT_N / 2 + 1, sizeof *power);
	double *mag = calloc(FFT_N / 2 + 1, sizeof *mag);
	double worst_all = 0.0;
	for (int c = 0; c < 3; c++) {
		double d = fabs(color_deviation(&m, c, x, power, mag));
		worst_all = d > worst_all || isnan(d) ? d : worst_all;
	}
	host_close(&m);
	free(x);
	free(power);
	free(mag);
	if (!(worst_all <= LIMIT_DB)) {
		printf("FAIL: worst deviation %.3f dB exceeds ±%.1f dB\n", worst_all, LIMIT_DB);
		return 1;
	}
	printf("ok: every color within ±%.1f dB of its slope from 20 Hz to 20 kHz (worst %.3f "
	       "dB)\n",
	       LIMIT_DB, worst_all);
	return 0;
}
