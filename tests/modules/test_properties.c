/*
 * test_properties — properties every module must have, run on each module given.
 *
 * For each module:
 *  - it loads and passes the ABI check (host.c), and a zero-frame process() leaves its state
 *    untouched (specs/engine.feature: ABI-03);
 *  - extremes: with every parameter at its minimum and at its maximum (one at a time, all
 *    together, and alternating), and parameters jumping between extremes by events, fed
 *    silence, ±1 noise, ±1e6 noise, NaN, +inf, -inf and a mix of them, every output stays
 *    finite and within the module's stated bound (the table below, from each module's
 *    header comment);
 *  - one 512-frame block equals 512 one-frame blocks with the same events, with inputs held
 *    at their defaults and with noise on every input (bit-identical, or within 1e-6);
 *  - reset() restores: after a render with events, reset then a render equals a fresh init at
 *    the same parameters and the same render;
 *  - effects fall silent: a module with an audio input that is silent while its audio inputs
 *    are (not a source) is fed 0.5 s of the standard audio signal (stimulus.h) at its default
 *    parameters, then silence; every output must stay below 1e-6 from 30 s after the input
 *    ends (a longer tail a module states in the tails table below) to the render's end,
 *    1 s later. Each module's tail, the time its outputs take to fall below 1e-6, is printed.
 * The whole set runs twice: with the transport stopped (120 BPM, as the engine's before
 * `play`) and with it playing from beat 0 (the sequencers follow it).
 * Usage: test_properties module.so...
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "measure.h"
#include "stimulus.h"

#define RATE_HZ         48000.0f
#define BLOCK           64u
#define FRAMES          9600u
#define SPLIT_FRAMES    512u
#define SPLIT_TOLERANCE 1e-6
#define TAIL_INPUT_S    0.5   /* the audio signal fed before the silence */
#define TAIL_S          30.0f /* silent below TAIL_SILENCE this long after it, unless stated */
#define TAIL_CHECK_S    1.0   /* rendered and checked after the tail */
#define TAIL_SILENCE    1e-6

/* What each module promises about its outputs, for any parameters and inputs. */
static const struct {
	const char *type;
	float bound; /* |out| <= bound */
	float floor; /* out >= floor */
} bounds[] = {
    {"vco", 2.0f, -2.0f},   /* ±1 waves whose band-limited edges ring to ±1.4; clamped at ±2 */
    {"vcf", 20.0f, -20.0f}, /* lp, bp within ±4; hp within 10 + sqrt(2) 4 + 4 */
    {"adsr", 1.0f, 0.0f},   /* 0..1 */
    {"vca", 10.0f, -10.0f}, /* output limited to ±10 */
    {"out", 20.0f, -20.0f}, /* level <= 1 times (±10 panned mono + ±10 side input) */
    {"kick", 1.0f, -1.0f},  /* drums: limited to ±1, times level <= 1 */
    {"snare", 1.0f, -1.0f}, /* drums: limited to ±1, times level <= 1 */
    {"hihat", 1.0f, -1.0f}, /* drums: limited to ±1, times level <= 1 */
    {"clap", 1.0f, -1.0f},  /* drums: limited to ±1, times level <= 1 */
    {"tom", 1.0f, -1.0f},   /* drums: limited to ±1, times level <= 1 */
    {"noise", 1.0f, -1.0f}, /* clipped at ±1, times level <= 1 */
    {"fm", 1.0f, -1.0f},    /* a sine times level <= 1 */
    {"wavetable", 1.0f, -1.0f},   /* tables normalized to peak 1, output clamped to ±1 */
    {"lfo", 1.0f, -1.0f},         /* bipolar ±1, unipolar 0..1 */
    {"seq", 5.0f, -5.0f},         /* pitch within its ±5 V range; gate, trig, step 0..1 */
    {"clock", 1.0f, 0.0f},        /* gates 0 or 1 */
    {"euclid", 1.0f, 0.0f},       /* gates 0 or 1 */
    {"ladder", 10.0f, -10.0f},    /* clamped to ±10; within ±2 for inputs within ±1 */
    {"drive", 10.0f, -10.0f},     /* clamped to ±10; the shaped part within ±1 */
    {"comp", 1.0f, -1.0f},        /* clamped to its ceiling, at most 0 dB */
    {"delay", 10.0f, -10.0f},     /* clamped to ±10; the loop within ±4 */
    {"reverb", 10.0f, -10.0f},    /* clamped to ±10 */
    {"chorus", 10.0f, -10.0f},    /* clamped to ±10 */
    {"phaser", 10.0f, -10.0f},    /* clamped to ±10 */
    {"math", 10.0f, -10.0f},      /* clamped to the ±10 rails */
    {"pan", 10.0f, -10.0f},       /* input clamped to ±10, gains <= 1 */
    {"in", 10.0f, -10.0f},        /* clamped to ±10 */
    {"slew", 10.0f, -10.0f},      /* follows its input, clamped to ±10 */
    {"sh", 10.0f, -10.0f},        /* holds its input (±10) or noise (±1) */
    {"quant", 10.125f, -10.125f}, /* ±10 V plus at most 1.5 semitones to a scale note */
    {"mixer", 10.0f, -10.0f},     /* each output limited to the ±10 rails */
    {"arp", 13.0f, -10.0f},       /* pitch: held (±10) or root (±5) plus up to 3 octaves */
    {"sampler", 10.0f, -10.0f},   /* level times the sample, limited to ±10 */
};

/* Tails longer than TAIL_S at default parameters, as each module states it (seconds). */
static const struct {
	const char *type;
	float tail_s;
} tails[] = {
    {NULL, 0.0f}, /* end */
};

/* The transport every render sees (main runs the whole set with 0 and with 1). */
static uint32_t transport_playing;

static void transport_set(host_module_t *m)
{
	host_set_transport(m, STIM_TEMPO_BPM, 0.0, transport_playing);
}

static unsigned rng_state = 1;

static double rng_uniform(void) /* [0, 1) */
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (double)(rng_state >> 8) / 16777216.0;
}

enum { IN_DEFAULT, IN_NOISE, IN_HUGE, IN_NAN, IN_PINF, IN_NINF, IN_MIX, IN_COUNT };
static const char *const input_names[] = {"defaults", "±1 noise", "±1e6 noise", "NaN",
                                          "+inf",     "-inf",     "a mix"};

static void fill_input(float *x, uint32_t n, int kind)
{
	static const float mix[] = {NAN, INFINITY, -INFINITY, 1e30f, -1e30f, 0.0f, 1.0f, -3e38f};
	for (uint32_t i = 0; i < n; i++) {
		switch (kind) {
		case IN_NOISE:
			x[i] = (float)(2.0 * rng_uniform() - 1.0);
			break;
		case IN_HUGE:
			x[i] = (float)(2e6 * rng_uniform() - 1e6);
			break;
		case IN_NAN:
			x[i] = NAN;
			break;
		case IN_PINF:
			x[i] = INFINITY;
			break;
		case IN_NINF:
			x[i] = -INFINITY;
			break;
		default:
			x[i] = mix[(i / 7) % 8];
			break;
		}
	}
}

typedef struct bufs {
	float *in[CX_PORTS_MAX];
	float *out[CX_PORTS_MAX];
} bufs_t;

static int check_outputs(const host_module_t *m, const bufs_t *b, uint32_t frames, float bound,
                         float floor_value, const char *what, double *peak_seen)
{
	for (uint32_t o = 0; o < m->desc->out_count; o++) {
		for (uint32_t i = 0; i < frames; i++) {
			float y = b->out[o][i];
			if (!isfinite(y) || y > bound || y < floor_value) {
				printf("FAIL: %s.%s = %g at frame %u with %s\n", m->desc->type,
				       m->desc->outs[o].name, (double)y, i, what);
				return 0;
			}
			*peak_seen = fmax(*peak_seen, fabs((double)y));
		}
	}
	return 1;
}

/* Sets the parameters for extreme case c: 0 defaults, 1 all min, 2 all max, 3/4 alternating,
 * then each parameter at min and at max in turn. Returns 0 past the last case. */
static int set_extremes(host_module_t *m, unsigned c)
{
	uint32_t count = m->desc->param_count;
	if (c >= 5 + 2 * count)
		return 0;
	for (uint32_t p = 0; p < count; p++) {
		const cx_param_info_t *info = &m->desc->params[p];
		float v = info->def;
		if (c == 1 || (c == 3 && p % 2 == 0) || (c == 4 && p % 2 == 1))
			v = info->min;
		else if (c == 2 || (c == 3 && p % 2 == 1) || (c == 4 && p % 2 == 0))
			v = info->max;
		else if (c >= 5 && (c - 5) / 2 == p)
			v = (c - 5) % 2 ? info->max : info->min;
		m->params[p] = v;
	}
	return 1;
}

/* Events that throw every parameter between its extremes, a few per block. */
static uint32_t extreme_events(const host_module_t *m, host_event_t *ev, uint32_t max)
{
	uint32_t n = 0;
	for (uint64_t f = 0; f < FRAMES && n < max && m->desc->param_count > 0;
	     f += 97 + (uint64_t)(rng_uniform() * 200.0)) {
		uint32_t p = (uint32_t)(rng_uniform() * m->desc->param_count);
		const cx_param_info_t *info = &m->desc->params[p];
		double r = rng_uniform();
		ev[n++] = (host_event_t){f, p,
		                         r < 0.4   ? info->min
		                         : r < 0.8 ? info->max
		                                   : info->def};
	}
	return n;
}

static int test_extremes(host_module_t *m, bufs_t *b, float bound, float floor_value)
{
	int ok = 1;
	double peak = 0.0;
	unsigned cases = 0;
	for (unsigned c = 0; set_extremes(m, c); c++) {
		for (int kind = 0; kind < IN_COUNT; kind++) {
			for (int with_events = 0; with_events < 2; with_events++) {
				set_extremes(m, c);
				host_init(m);
				transport_set(m);
				for (uint32_t i = 0; i < m->desc->in_count; i++)
					fill_input(b->in[i], FRAMES, kind);
				host_event_t ev[128];
				uint32_t n = with_events ? extreme_events(m, ev, 128) : 0;
				host_render(m, FRAMES, BLOCK,
				            kind == IN_DEFAULT ? NULL : (const float *const *)b->in,
				            b->out, ev, n);
				char what[160];
				snprintf(what, sizeof what, "parameter case %u, inputs %s%s", c,
				         input_names[kind], with_events ? ", extreme events" : "");
				ok &= check_outputs(m, b, FRAMES, bound, floor_value, what, &peak);
				cases++;
			}
		}
	}
	printf("%-4s extremes: %u cases (parameters at min/max, inputs silent/noise/huge/NaN/inf, "
	       "events), largest |output| %.4f, bound %.1f: %s\n",
	       m->desc->type, cases, peak, (double)bound, ok ? "ok" : "FAIL");
	return ok;
}

static int test_zero_frames(host_module_t *m, bufs_t *b)
{
	host_init(m);
	transport_set(m);
	unsigned char *before = malloc(m->desc->state_size);
	memcpy(before, m->state, m->desc->state_size);
	host_process(m, 0, (const float *const *)b->in, b->out, NULL, 0);
	int ok = memcmp(before, m->state, m->desc->state_size) == 0;
	free(before);
	printf("%-4s zero-frame process: state %s\n", m->desc->type,
	       ok ? "unchanged, ok" : "CHANGED, FAIL");
	return ok;
}

/* Renders SPLIT_FRAMES frames with events twice: in one block and in one-frame blocks. */
static int test_split(const char *path, host_module_t *m, bufs_t *b, int noisy)
{
	host_module_t one;
	host_open_or_die(&one, path, RATE_HZ, SPLIT_FRAMES);
	transport_set(&one);
	static const uint32_t frames[] = {0, 0, 3, 64, 100, 255, 256, 300, 301, 511};
	host_event_t ev[10];
	uint32_t ev_count = one.desc->param_count > 0 ? 10u : 0u; /* none without parameters */
	for (uint32_t e = 0; e < ev_count; e++) {
		uint32_t p = (uint32_t)(rng_uniform() * one.desc->param_count);
		const cx_param_info_t *info = &one.desc->params[p];
		ev[e] = (host_event_t){
		    frames[e], p, (float)(info->min + rng_uniform() * (info->max - info->min))};
	}
	for (uint32_t i = 0; i < one.desc->in_count; i++)
		fill_input(b->in[i], SPLIT_FRAMES, IN_NOISE);
	const float *const *in = noisy ? (const float *const *)b->in : NULL;
	float *whole[CX_PORTS_MAX], *split[CX_PORTS_MAX];
	for (uint32_t o = 0; o < one.desc->out_count; o++) {
		whole[o] = host_alloc(SPLIT_FRAMES);
		split[o] = host_alloc(SPLIT_FRAMES);
	}
	host_render(&one, SPLIT_FRAMES, SPLIT_FRAMES, in, whole, ev, ev_count);
	host_close(&one);
	host_open_or_die(&one, path, RATE_HZ, SPLIT_FRAMES);
	transport_set(&one);
	host_render(&one, SPLIT_FRAMES, 1, in, split, ev, ev_count);
	double diff = 0.0;
	int identical = 1;
	for (uint32_t o = 0; o < one.desc->out_count; o++) {
		identical &= memcmp(whole[o], split[o], SPLIT_FRAMES * sizeof(float)) == 0;
		for (uint32_t i = 0; i < SPLIT_FRAMES; i++)
			diff = fmax(diff, fabs((double)whole[o][i] - (double)split[o][i]));
		free(whole[o]);
		free(split[o]);
	}
	int ok = diff <= SPLIT_TOLERANCE;
	printf("%-4s one 512-frame block vs 512 one-frame blocks, 10 events, inputs %s: %s "
	       "(largest difference %.3g): %s\n",
	       m->desc->type, noisy ? "noise" : "defaults",
	       identical ? "bit-identical" : "not bit-identical", diff, ok ? "ok" : "FAIL");
	host_close(&one);
	return ok;
}

static int test_reset(const char *path, host_module_t *m, bufs_t *b)
{
	if (m->desc->reset == NULL) {
		printf("%-4s reset: none (the engine calls init instead)\n", m->desc->type);
		return 1;
	}
	set_extremes(m, 0);
	host_init(m);
	transport_set(m);
	for (uint32_t i = 0; i < m->desc->in_count; i++)
		fill_input(b->in[i], FRAMES, IN_NOISE);
	host_event_t ev[4];
	uint32_t ev_count = m->desc->param_count > 0 ? 4u : 0u; /* none without parameters */
	for (uint32_t e = 0; e < ev_count; e++) {
		uint32_t p = e % m->desc->param_count;
		const cx_param_info_t *info = &m->desc->params[p];
		ev[e] =
		    (host_event_t){100u * (uint64_t)e, p,
		                   (float)(info->min + rng_uniform() * (info->max - info->min))};
	}
	host_render(m, FRAMES, BLOCK, (const float *const *)b->in, b->out, ev, ev_count);
	m->desc->reset(m->state);
	transport_set(m); /* both renders start from the same beat */
	host_module_t fresh;
	host_open_or_die(&fresh, path, RATE_HZ, BLOCK);
	memcpy(fresh.params, m->params, sizeof fresh.params);
	host_init(&fresh);
	transport_set(&fresh);
	float *after_reset[CX_PORTS_MAX], *after_init[CX_PORTS_MAX];
	for (uint32_t o = 0; o < m->desc->out_count; o++) {
		after_reset[o] = host_alloc(FRAMES);
		after_init[o] = host_alloc(FRAMES);
	}
	fill_input(b->in[0], FRAMES, IN_NOISE);
	for (uint32_t i = 1; i < m->desc->in_count; i++)
		memcpy(b->in[i], b->in[0], FRAMES * sizeof(float));
	host_render(m, FRAMES, BLOCK, (const float *const *)b->in, after_reset, NULL, 0);
	host_render(&fresh, FRAMES, BLOCK, (const float *const *)b->in, after_init, NULL, 0);
	int ok = 1;
	for (uint32_t o = 0; o < m->desc->out_count; o++) {
		ok &= memcmp(after_reset[o], after_init[o], FRAMES * sizeof(float)) == 0;
		free(after_reset[o]);
		free(after_init[o]);
	}
	host_close(&fresh);
	printf("%-4s reset then render equals init then render: %s\n", m->desc->type,
	       ok ? "ok" : "FAIL");
	return ok;
}

/* Renders seconds of m at block size: audio inputs from audio (NULL: silent), the others at
 * their defaults. Returns the largest |output|; *last_loud receives the end time (s, from
 * frame `start`) of the last block with an output at or above TAIL_SILENCE, when there is one.
 */
static double tail_render(host_module_t *m, uint64_t start, double seconds, int audio,
                          double *last_loud)
{
	enum { CHUNK = 4800 };
	float *in[CX_PORTS_MAX] = {NULL}, *out[CX_PORTS_MAX];
	for (uint32_t i = 0; i < m->desc->in_count; i++)
		if (m->desc->ins[i].kind == CX_PORT_AUDIO)
			in[i] = host_alloc(CHUNK);
	for (uint32_t o = 0; o < m->desc->out_count; o++)
		out[o] = host_alloc(CHUNK);
	uint64_t frames = (uint64_t)(seconds * RATE_HZ + 0.5);
	double peak = 0.0;
	for (uint64_t pos = 0; pos < frames; pos += CHUNK) {
		uint64_t n = frames - pos < CHUNK ? frames - pos : CHUNK;
		for (uint32_t i = 0; i < m->desc->in_count; i++)
			for (uint64_t j = 0; in[i] != NULL && j < n; j++)
				in[i][j] = audio ? stim_audio(start + pos + j) : 0.0f;
		host_render(m, n, BLOCK, (const float *const *)in, out, NULL, 0);
		for (uint32_t o = 0; o < m->desc->out_count; o++) {
			for (uint64_t j = 0; j < n; j++) {
				double y = fabs((double)out[o][j]);
				y = isfinite(y) ? y : INFINITY;
				peak = fmax(peak, y);
				if (y >= TAIL_SILENCE && last_loud != NULL)
					*last_loud = (double)(pos + j + 1) / RATE_HZ;
			}
		}
	}
	for (uint32_t i = 0; i < CX_PORTS_MAX; i++)
		free(in[i]);
	for (uint32_t o = 0; o < m->desc->out_count; o++)
		free(out[o]);
	return peak;
}

static int test_tail(host_module_t *m)
{
	const char *type = m->desc->type;
	int audio_in = 0;
	for (uint32_t i = 0; i < m->desc->in_count; i++)
		audio_in |= m->desc->ins[i].kind == CX_PORT_AUDIO;
	if (!audio_in)
		return 1;
	float limit_s = TAIL_S;
	for (unsigned i = 0; tails[i].type != NULL; i++)
		if (strcmp(tails[i].type, type) == 0)
			limit_s = tails[i].tail_s;
	set_extremes(m, 0);
	host_init(m);
	transport_set(m);
	double idle = tail_render(m, 0, 1.0, 0, NULL);
	if (idle >= TAIL_SILENCE) {
		printf("%-4s tail: a source (|output| %.3g, audio inputs silent): not checked\n",
		       type, idle);
		return 1;
	}
	host_init(m);
	transport_set(m);
	tail_render(m, 0, TAIL_INPUT_S, 1, NULL);
	double last_loud = 0.0;
	uint64_t start = (uint64_t)(TAIL_INPUT_S * RATE_HZ);
	tail_render(m, start, (double)limit_s, 0, &last_loud);
	double after = tail_render(m, start, TAIL_CHECK_S, 0, NULL);
	int ok = after < TAIL_SILENCE;
	if (ok)
		printf("%-4s tail: outputs below %.0e %.3f s after 0.5 s of input (limit %.0f s): "
		       "ok\n",
		       type, TAIL_SILENCE, last_loud, (double)limit_s);
	else
		printf("%-4s tail: |output| up to %.3g from %.0f s to %.0f s after 0.5 s of input, "
		       "not below %.0e: FAIL\n",
		       type, after, (double)limit_s, (double)limit_s + TAIL_CHECK_S, TAIL_SILENCE);
	return ok;
}

static int test_module(const char *path)
{
	host_module_t m;
	if (host_open(&m, path, RATE_HZ, BLOCK) != 0)
		return 0;
	float bound = 0.0f, floor_value = 0.0f;
	int known = 0;
	for (unsigned i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
		if (strcmp(bounds[i].type, m.desc->type) == 0) {
			bound = bounds[i].bound * (1.0f + 1e-6f);
			floor_value = bounds[i].floor * (1.0f + 1e-6f);
			known = 1;
		}
	}
	if (!known) { /* a module not in the table keeps to the modular rails */
		bound = 16.0f * (1.0f + 1e-6f);
		floor_value = -bound;
		printf("%s: no bound stated in this test's table; holding it to +-16\n",
		       m.desc->type);
	}
	bufs_t b;
	for (uint32_t i = 0; i < CX_PORTS_MAX; i++) {
		b.in[i] = host_alloc(FRAMES);
		b.out[i] = host_alloc(FRAMES);
	}
	int ok = test_zero_frames(&m, &b);
	ok &= test_extremes(&m, &b, bound, floor_value);
	ok &= test_split(path, &m, &b, 0);
	ok &= test_split(path, &m, &b, 1);
	ok &= test_reset(path, &m, &b);
	ok &= test_tail(&m);
	for (uint32_t i = 0; i < CX_PORTS_MAX; i++) {
		free(b.in[i]);
		free(b.out[i]);
	}
	host_close(&m);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s module.so...\n", argv[0]);
		return 2;
	}
	int ok = 1;
	for (transport_playing = 0; transport_playing < 2; transport_playing++) {
		printf("== transport %s ==\n",
		       transport_playing ? "playing at 120 BPM from beat 0" : "stopped");
		for (int i = 1; i < argc; i++)
			ok &= test_module(argv[i]);
	}
	printf("%s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
