/*
 * measure.h — signal measurements for the module tests: frequency, amplitude, spectrum.
 */
#ifndef CX_TEST_MEASURE_H
#define CX_TEST_MEASURE_H

#include <stddef.h>
#include <stdint.h>

/* Frequency of a periodic signal, from its upward zero crossings (of x minus its mean),
 * located by linear interpolation between samples and fitted by least squares over all of
 * them. Returns 0 when there are fewer than 3 crossings. */
double measure_freq_hz(const float *x, size_t n, double sample_rate_hz);

/* Amplitude of the component of x at freq_hz: a Hann-weighted single-bin DFT (lock-in),
 * unbiased for a steady sinusoid spanning many periods. */
double measure_amplitude(const float *x, size_t n, double freq_hz, double sample_rate_hz);

/* Magnitude spectrum of x[0..n) (n a power of two) under a 4-term Blackman-Harris window
 * (side lobes at -92 dB): mag[0..n/2] receives |X[k]| scaled so a full-scale sine reads 1. */
void measure_spectrum(const float *x, size_t n, double *mag);

/* Strongest spectral component not within guard_hz of DC or of a harmonic k * f0 below
 * Nyquist, below max_hz, in dB relative to the fundamental. *at_hz receives its frequency. */
double measure_alias_db(const double *mag, size_t n, double sample_rate_hz, double f0_hz,
                        double guard_hz, double max_hz, double *at_hz);

/* Largest |x[i] - x[i-1]| over [1, n). */
double measure_max_step(const float *x, size_t n);

/* Largest |x[i]| over [0, n); returns INFINITY when any sample is not finite. */
double measure_peak(const float *x, size_t n);

/* The filter tests' stimuli: a sine at hz, a 100 Hz square, seeded white noise, or a sine
 * broken every other 1000 frames by NaN, infinities and 1e30. Peak level (but the breaks). */
enum measure_signal { MEASURE_SINE, MEASURE_SQUARE, MEASURE_NOISE, MEASURE_BAD, MEASURE_SIGNALS };
void measure_test_signal(float *x, uint32_t n, int kind, double level, double hz,
                         double sample_rate_hz);

#endif /* CX_TEST_MEASURE_H */
