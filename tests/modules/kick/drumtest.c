/*
 * drumtest.c — see drumtest.h.
 */
#include "drumtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RMS_WINDOW_S 0.002

double dc_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void dc_set_args(host_module_t *m, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		char name[64];
		const char *eq = strchr(argv[i], '=');
		if (eq == NULL || (size_t)(eq - argv[i]) >= sizeof name) {
			fprintf(stderr, "expected name=value, got '%s'\n", argv[i]);
			exit(2);
		}
		memcpy(name, argv[i], (size_t)(eq - argv[i]));
		name[eq - argv[i]] = '\0';
		const cx_param_info_t *info = &m->desc->params[host_param(m, name)];
		float value = (float)atof(eq + 1);
		for (int k = 0; (info->flags & CX_PARAM_ENUM) && k <= (int)info->max; k++)
			if (strcmp(info->enum_names[k], eq + 1) == 0)
				value = (float)k; /* an enum's value by its name: noise=white */
		host_set(m, name, value);
	}
}

void dc_render(host_module_t *m, uint64_t frames, uint32_t block, const uint64_t *trigs,
               uint32_t trig_count, float accent_in, float *out)
{
	float *trig = host_alloc(frames), *accent = host_alloc(frames);
	uint64_t pulse = (uint64_t)(0.001f * m->sample_rate_hz) + 1u;
	for (uint32_t k = 0; k < trig_count; k++)
		for (uint64_t i = trigs[k]; i < trigs[k] + pulse && i < frames; i++)
			trig[i] = 1.0f;
	for (uint64_t i = 0; i < frames; i++)
		accent[i] = accent_in;
	const float *in[CX_PORTS_MAX] = {0};
	in[0] = trig; /* every drum's first input is its trigger */
	for (uint32_t i = 0; i < m->desc->in_count; i++)
		if (strcmp(m->desc->ins[i].name, "accent") == 0)
			in[i] = accent;
	float *outs[CX_PORTS_MAX] = {0};
	outs[0] = out;
	host_init(m);
	host_render(m, frames, block, in, outs, NULL, 0);
	free(trig);
	free(accent);
}

double dc_t60_peaks(const float *x, uint64_t n, uint64_t from, float rate_hz)
{
	double peak = 0.0, prev_db = 0.0;
	uint64_t prev_at = from;
	int past_peak = 0;
	for (uint64_t i = from + 1; i + 1 < n; i++) {
		double a = fabs((double)x[i]);
		if (!(a >= fabs((double)x[i - 1]) && a > fabs((double)x[i + 1])))
			continue;
		if (a > peak) {
			peak = a;
			past_peak = 1;
		}
		double db = 20.0 * log10(a / peak);
		if (past_peak && db < -60.0) {
			double at = (double)prev_at +
			            (double)(i - prev_at) * (prev_db + 60.0) / (prev_db - db);
			return (at - (double)from) / rate_hz;
		}
		prev_db = db;
		prev_at = i;
	}
	return NAN;
}

double dc_t60_rms(const float *x, uint64_t n, uint64_t from, float rate_hz)
{
	uint64_t w = (uint64_t)(RMS_WINDOW_S * rate_hz);
	uint64_t count = (n - from) / w;
	double *db = malloc(count * sizeof *db);
	double peak = -400.0;
	for (uint64_t j = 0; j < count; j++) {
		double sum = 0.0;
		for (uint64_t i = 0; i < w; i++) {
			double v = x[from + j * w + i];
			sum += v * v;
		}
		db[j] = 10.0 * log10(sum / (double)w + 1e-30);
		peak = fmax(peak, db[j]);
	}
	uint64_t a = 0, b;
	while (a < count && db[a] > peak - 10.0)
		a++;
	for (b = a; b < count && db[b] > peak - 50.0; b++)
		;
	double sx = 0, sy = 0, sxx = 0, sxy = 0, k = (double)(b - a);
	for (uint64_t j = a; j < b; j++) {
		double t = (double)j * RMS_WINDOW_S;
		sx += t;
		sy += db[j];
		sxx += t * t;
		sxy += t * db[j];
	}
	free(db);
	if (k < 8)
		return NAN;
	double slope = (k * sxy - sx * sy) / (k * sxx - sx * sx); /* dB per second */
	return -60.0 / slope;
}
