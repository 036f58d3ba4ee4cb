/*
 * measure.c — see measure.h.
 */
#include "measure.h"

#include <math.h>
#include <stdlib.h>

#define MEASURE_PI 3.14159265358979323846

double measure_freq_hz(const float *x, size_t n, double sample_rate_hz)
{
	double mean = 0.0;
	for (size_t i = 0; i < n; i++)
		mean += x[i];
	mean /= (double)n;
	/* Least-squares line through (crossing index, crossing time), accumulated on the fly. */
	double sum_k = 0.0, sum_t = 0.0, sum_kk = 0.0, sum_kt = 0.0;
	size_t count = 0;
	for (size_t i = 1; i < n; i++) {
		double a = x[i - 1] - mean, b = x[i] - mean;
		if (a < 0.0 && b >= 0.0) {
			double t = (double)(i - 1) + a / (a - b);
			double k = (double)count++;
			sum_k += k;
			sum_t += t;
			sum_kk += k * k;
			sum_kt += k * t;
		}
	}
	if (count < 3)
		return 0.0;
	double c = (double)count;
	double period = (c * sum_kt - sum_k * sum_t) / (c * sum_kk - sum_k * sum_k);
	return sample_rate_hz / period;
}

double measure_amplitude(const float *x, size_t n, double freq_hz, double sample_rate_hz)
{
	double re = 0.0, im = 0.0, weight = 0.0;
	double w = 2.0 * MEASURE_PI * freq_hz / sample_rate_hz;
	for (size_t i = 0; i < n; i++) {
		double hann = 0.5 - 0.5 * cos(2.0 * MEASURE_PI * (double)i / (double)n);
		re += hann * x[i] * cos(w * (double)i);
		im += hann * x[i] * sin(w * (double)i);
		weight += hann;
	}
	return 2.0 * sqrt(re * re + im * im) / weight;
}

/* In-place iterative radix-2 FFT (Cooley-Tukey), n a power of two. */
static void measure_fft(double *re, double *im, size_t n)
{
	for (size_t i = 1, j = 0; i < n; i++) {
		size_t bit = n >> 1;
		for (; j & bit; bit >>= 1)
			j ^= bit;
		j ^= bit;
		if (i < j) {
			double t = re[i];
			re[i] = re[j];
			re[j] = t;
			t = im[i];
			im[i] = im[j];
			im[j] = t;
		}
	}
	for (size_t len = 2; len <= n; len <<= 1) {
		double a = -2.0 * MEASURE_PI / (double)len;
		for (size_t i = 0; i < n; i += len) {
			for (size_t k = 0; k < len / 2; k++) {
				double wr = cos(a * (double)k), wi = sin(a * (double)k);
				size_t p = i + k, q = i + k + len / 2;
				double tr = re[q] * wr - im[q] * wi;
				double ti = re[q] * wi + im[q] * wr;
				re[q] = re[p] - tr;
				im[q] = im[p] - ti;
				re[p] += tr;
				im[p] += ti;
			}
		}
	}
}

void measure_spectrum(const float *x, size_t n, double *mag)
{
	double *re = calloc(n, sizeof *re), *im = calloc(n, sizeof *im);
	if (re == NULL || im == NULL)
		abort();
	double sum = 0.0;
	for (size_t i = 0; i < n; i++) {
		double p = 2.0 * MEASURE_PI * (double)i / (double)n;
		double w = 0.35875 - 0.48829 * cos(p) + 0.14128 * cos(2 * p) - 0.01168 * cos(3 * p);
		re[i] = w * x[i];
		sum += w;
	}
	measure_fft(re, im, n);
	for (size_t k = 0; k <= n / 2; k++)
		mag[k] = 2.0 * sqrt(re[k] * re[k] + im[k] * im[k]) / sum;
	free(re);
	free(im);
}

double measure_alias_db(const double *mag, size_t n, double sample_rate_hz, double f0_hz,
                        double guard_hz, double max_hz, double *at_hz)
{
	double bin_hz = sample_rate_hz / (double)n;
	double fundamental = 0.0;
	for (size_t k = 0; k <= n / 2; k++)
		if (fabs((double)k * bin_hz - f0_hz) <= guard_hz && mag[k] > fundamental)
			fundamental = mag[k];
	double worst = 0.0;
	*at_hz = 0.0;
	for (size_t k = 0; k <= n / 2; k++) {
		double f = (double)k * bin_hz;
		if (f > max_hz || f < guard_hz)
			continue;
		double harmonic = round(f / f0_hz) * f0_hz;
		if (harmonic >= f0_hz && fabs(f - harmonic) <= guard_hz)
			continue;
		if (mag[k] > worst) {
			worst = mag[k];
			*at_hz = f;
		}
	}
	return 20.0 * log10((worst + 1e-30) / fundamental);
}

double measure_max_step(const float *x, size_t n)
{
	double step = 0.0;
	for (size_t i = 1; i < n; i++) {
		double d = fabs((double)x[i] - (double)x[i - 1]);
		step = d > step ? d : step;
	}
	return step;
}

double measure_peak(const float *x, size_t n)
{
	double peak = 0.0;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(x[i]))
			return INFINITY;
		double a = fabs((double)x[i]);
		peak = a > peak ? a : peak;
	}
	return peak;
}

void measure_test_signal(float *x, uint32_t n, int kind, double level, double hz,
                         double sample_rate_hz)
{
	srand(1);
	for (uint32_t i = 0; i < n; i++) {
		double t = i / sample_rate_hz;
		switch (kind) {
		case MEASURE_SINE:
			x[i] = (float)(level * sin(2.0 * M_PI * hz * t));
			break;
		case MEASURE_SQUARE:
			x[i] = (float)(fmod(t * 100.0, 1.0) < 0.5 ? level : -level);
			break;
		case MEASURE_NOISE:
			x[i] = (float)(level * (2.0 * rand() / RAND_MAX - 1.0));
			break;
		default: {
			static const float bad[] = {NAN, INFINITY, -INFINITY, 1e30f, -1e30f};
			x[i] =
			    (i / 1000) % 2 ? bad[(i / 2000) % 5] : (float)(level * sin(t * 6283.0));
			break;
		}
		}
	}
}
