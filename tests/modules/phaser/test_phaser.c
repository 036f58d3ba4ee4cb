/*
 * test_phaser — the phaser's sweep rate, its notches, mix, bounds and silence.
 *
 * 1. Modulation rate: a 1 kHz sine through the chain alone (mix 1, no feedback) comes out with
 *    its phase swung by the moving stages. The phase is demodulated (the output times
 *    e^(-j w n), averaged over each 48-frame period of the carrier, then its angle, unwrapped)
 *    and its frequency (measure_freq_hz over 8 s) must equal `rate` within RATE_TOLERANCE at
 *    0.5, 2 and 7 Hz, for 4, 6 and 12 stages.
 * 2. Notches: with depth 0 (the stages' break frequency held at `freq`), mix 0.5 and no
 *    feedback, an even number N of stages cancels the input where each stage turns
 *    (2k - 1) 180 / N degrees, tan(pi f / fs) = tan(pi freq / fs) tan((2k - 1) pi / 2N) for
 *    k = 1..N/2 (the analog f = freq tan(...) through the bilinear transform). A sine at each
 *    such frequency must come out at least NOTCH_DB down; a sine half-way (in log frequency)
 *    between two notches must not (within 6 dB of unity: it is a peak).
 * 3. No zipper: a 200 Hz sine, mix jumping 0 -> 1 -> 0 -> 0.7 by events: the largest step
 *    between output frames at most ZIPPER_STEP times the sine's own.
 * 4. Bounds: ±10 noise and square, feedback ±0.9, 12 stages, depth 1, rate 10 Hz: within ±10.
 * 5. Silence: after 0.5 s of noise, at the defaults the output is exactly 0 within 1 s; at
 *    feedback 0.9 with 12 stages at 50 Hz (the longest loop) below 1e-5 within 8 s.
 * Usage: test_phaser phaser.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ        48000.0f
#define BLOCK          64u
#define RATE_TOLERANCE 1e-4
#define NOTCH_DB       -40.0
#define ZIPPER_STEP    1.5 /* a 10 ms mix ramp adds up to 1/480 of |wet - dry| a frame */
#define CARRIER_HZ     1000.0
#define PI             3.14159265358979323846

static unsigned rng_state = 1;

static double rng_uniform(void) /* [0, 1) */
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (double)(rng_state >> 8) / 16777216.0;
}

static void render(host_module_t *m, const float *x, uint32_t n, float *y, const host_event_t *ev,
                   uint32_t event_count)
{
	const float *in[CX_PORTS_MAX] = {x};
	float *out[CX_PORTS_MAX] = {y};
	host_render(m, n, BLOCK, in, out, ev, event_count);
}

static void set_all(host_module_t *m, float rate, float depth, float feedback, float mix,
                    float stages, float freq)
{
	host_set(m, "rate", rate);
	host_set(m, "depth", depth);
	host_set(m, "feedback", feedback);
	host_set(m, "mix", mix);
	host_set(m, "stages", stages);
	host_set(m, "freq", freq);
}

static int test_rate(host_module_t *m)
{
	static const float rates[] = {0.5f, 2.0f, 7.0f};
	static const float stages[] = {4.0f, 6.0f, 12.0f};
	const uint32_t n = 8u * (uint32_t)RATE_HZ, period = 48, skip = 4800;
	float *x = host_alloc(n), *y = host_alloc(n), *phase = host_alloc(n);
	for (uint32_t i = 0; i < n; i++)
		x[i] = (float)(0.5 * sin(2.0 * PI * CARRIER_HZ * i / RATE_HZ));
	int ok = 1;
	double worst = 0.0;
	for (unsigned r = 0; r < 3; r++) {
		for (unsigned st = 0; st < 3; st++) {
			set_all(m, rates[r], 0.5f, 0.0f, 1.0f, stages[st], 1000.0f);
			host_init(m);
			render(m, x, n, y, NULL, 0);
			/* Demodulate: a running sum over one carrier period of y e^(-j w n). */
			double re = 0.0, im = 0.0, unwrap = 0.0, prev = 0.0;
			for (uint32_t i = 0; i < n; i++) {
				double w = 2.0 * PI * CARRIER_HZ * i / RATE_HZ;
				re += y[i] * cos(w);
				im -= y[i] * sin(w);
				if (i >= period) {
					double wo = 2.0 * PI * CARRIER_HZ * (i - period) / RATE_HZ;
					re -= y[i - period] * cos(wo);
					im += y[i - period] * sin(wo);
				}
				double angle = atan2(im, re);
				double step = angle - prev;
				unwrap -= 2.0 * PI * round(step / (2.0 * PI));
				prev = angle;
				phase[i] = (float)(angle + unwrap);
			}
			double hz = measure_freq_hz(phase + skip, n - skip, RATE_HZ);
			double err = hz / rates[r] - 1.0;
			worst = fmax(worst, fabs(err));
			int good = fabs(err) <= RATE_TOLERANCE;
			if (!good)
				printf(
				    "phaser FAIL: rate %.1f Hz, %.0f stages: the phase swings at "
				    "%.6f Hz\n",
				    rates[r], stages[st], hz);
			ok &= good;
		}
	}
	printf("phaser rate 0.5/2/7 Hz, 4/6/12 stages: the chain's phase at 1 kHz swings at the "
	       "rate within %.5f %% (limit %.2f %%): %s\n",
	       100.0 * worst, 100.0 * RATE_TOLERANCE, ok ? "ok" : "FAIL");
	free(x);
	free(y);
	free(phase);
	return ok;
}

/* Gain in dB of a steady sine at hz through the module as set. */
static double gain_db(host_module_t *m, double hz)
{
	const uint32_t n = 24000, settle = 4800;
	float *x = host_alloc(n), *y = host_alloc(n);
	for (uint32_t i = 0; i < n; i++)
		x[i] = (float)(0.5 * sin(2.0 * PI * hz * i / RATE_HZ));
	host_init(m);
	render(m, x, n, y, NULL, 0);
	double g = measure_amplitude(y + settle, n - settle, hz, RATE_HZ) /
	           measure_amplitude(x + settle, n - settle, hz, RATE_HZ);
	free(x);
	free(y);
	return 20.0 * log10(g + 1e-12);
}

static int test_notches(host_module_t *m)
{
	static const float stages[] = {4.0f, 6.0f, 12.0f};
	const double freq = 800.0;
	int ok = 1;
	for (unsigned st = 0; st < 3; st++) {
		set_all(m, 0.5f, 0.0f, 0.0f, 0.5f, stages[st], (float)freq);
		int count = (int)stages[st] / 2;
		double deepest = -1e9, peak_worst = 0.0;
		double prev_hz = 0.0;
		for (int k = 1; k <= count; k++) {
			/* a stage's phase is -2 atan(tan(pi f / fs) / tan(pi freq / fs)) */
			double hz = RATE_HZ / PI *
			            atan(tan(PI * freq / RATE_HZ) *
			                 tan((2.0 * k - 1.0) * PI / (2.0 * stages[st])));
			if (hz >= 0.45 * RATE_HZ)
				continue;
			double g = gain_db(m, hz);
			deepest = fmax(deepest, g);
			if (prev_hz > 0.0)
				peak_worst = fmin(peak_worst, gain_db(m, sqrt(prev_hz * hz)));
			prev_hz = hz;
		}
		int good = deepest <= NOTCH_DB && peak_worst >= -6.0;
		printf("phaser %.0f stages at %.0f Hz, mix 0.5: %d notches, the shallowest %.1f dB "
		       "(limit %.0f); between them at least %.1f dB (limit -6): %s\n",
		       stages[st], freq, count, deepest, NOTCH_DB, peak_worst,
		       good ? "ok" : "FAIL");
		ok &= good;
	}
	return ok;
}

static int test_zipper(host_module_t *m)
{
	const uint32_t n = 48000;
	float *x = host_alloc(n), *y = host_alloc(n);
	for (uint32_t i = 0; i < n; i++)
		x[i] = (float)(0.5 * sin(2.0 * PI * 200.0 * i / RATE_HZ));
	set_all(m, 0.5f, 0.7f, 0.3f, 0.0f, 6.0f, 600.0f);
	host_init(m);
	uint32_t mix = host_param(m, "mix");
	host_event_t ev[] = {{12000, mix, 1.0f}, {24000, mix, 0.0f}, {36000, mix, 0.7f}};
	render(m, x, n, y, ev, 3);
	double sine = measure_max_step(x, n), step = measure_max_step(y, n);
	int ok = step <= ZIPPER_STEP * sine;
	printf("phaser mix 0 -> 1 -> 0 -> 0.7 under a 200 Hz sine: largest step %.5f, the sine's "
	       "own %.5f (limit %.1fx): %s\n",
	       step, sine, ZIPPER_STEP, ok ? "ok" : "FAIL");
	free(x);
	free(y);
	return ok;
}

static int test_bounds(host_module_t *m)
{
	const uint32_t n = 96000;
	float *x = host_alloc(n), *y = host_alloc(n);
	double peak = 0.0;
	for (int kind = 0; kind < 2; kind++) {
		for (uint32_t i = 0; i < n; i++)
			x[i] = kind ? ((i / 100) % 2 ? 10.0f : -10.0f)
			            : (float)(20.0 * rng_uniform() - 10.0);
		for (int sign = -1; sign <= 1; sign += 2) {
			set_all(m, 10.0f, 1.0f, 0.9f * (float)sign, 0.7f, 12.0f, 600.0f);
			host_init(m);
			render(m, x, n, y, NULL, 0);
			peak = fmax(peak, measure_peak(y, n));
		}
	}
	int ok = peak <= 10.0;
	printf("phaser ±10 noise and square, feedback ±0.9, 12 stages, depth 1, rate 10 Hz: "
	       "largest |output| %.4f (bound 10): %s\n",
	       peak, ok ? "ok" : "FAIL");
	free(x);
	free(y);
	return ok;
}

static int test_silence(host_module_t *m)
{
	const uint32_t burst = 24000, n = burst + 8u * 48000u;
	float *x = host_alloc(n), *y = host_alloc(n);
	for (uint32_t i = 0; i < burst; i++)
		x[i] = (float)(2.0 * rng_uniform() - 1.0);
	int ok = 1;
	for (int hard = 0; hard < 2; hard++) {
		if (hard)
			set_all(m, 0.5f, 0.0f, 0.9f, 0.5f, 12.0f, 50.0f);
		else
			for (uint32_t p = 0; p < m->desc->param_count; p++)
				m->params[p] = m->desc->params[p].def;
		host_init(m);
		render(m, x, n, y, NULL, 0);
		uint32_t zero_from = burst, quiet_from = burst;
		for (uint32_t i = burst; i < n; i++) {
			if (y[i] != 0.0f)
				zero_from = i + 1;
			if (fabsf(y[i]) >= 1e-5f)
				quiet_from = i + 1;
		}
		double zero_s = (double)(zero_from - burst) / RATE_HZ;
		double quiet_s = (double)(quiet_from - burst) / RATE_HZ;
		int good = hard ? quiet_s <= 8.0 : zero_s <= 1.0;
		printf("phaser %s: after 0.5 s of noise, below -100 dB from %.3f s, exactly 0 from "
		       "%s%.3f s (limit: %s): %s\n",
		       hard ? "feedback 0.9, 12 stages at 50 Hz" : "defaults", quiet_s,
		       zero_from == n ? "after " : "", zero_s,
		       hard ? "below -100 dB within 8 s" : "0 within 1 s", good ? "ok" : "FAIL");
		ok &= good;
	}
	free(x);
	free(y);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s phaser.so\n", argv[0]);
		return 2;
	}
	host_module_t m;
	host_open_or_die(&m, argv[1], RATE_HZ, BLOCK);
	int ok = test_rate(&m);
	ok &= test_notches(&m);
	ok &= test_zipper(&m);
	ok &= test_bounds(&m);
	ok &= test_silence(&m);
	host_close(&m);
	printf("%s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
