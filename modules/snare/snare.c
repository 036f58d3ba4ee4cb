/*
 * snare — an analog-style snare drum: two tuned body modes and band-passed noise.
 *
 * The structure is the TR-808's (Roland TR-808 service notes, 1981: "two bridged T-networks for
 * fundamental waveforms and harmonic waveforms", and a noise source whose "snappy envelope"
 * amplitude is a control; measured tunings of the revised 808 put the two modes near 177 and
 * 315 Hz, and the noise through a wide band-pass near 7 kHz: "808 Snare - Mutations",
 * norgatronics.blogspot.com, 2021). DaisySP's and Plaits' analog snare drums were read for how they
 * balance the same parts. body:  sines at tune and 1.78 tune, amplitudes 1 and 1/2, restarted at
 * phase 0 by each hit; noise: white noise through a state-variable band-pass (drums.h) at 39 tune
 * (7 kHz at the default 180 Hz) with Q 0.4, so the whole drum retunes together; both under one
 * exponential envelope: `decay` IS the T60 of the drum, the time its envelope takes to fall 60 dB
 * from its peak. `tone` crossfades linearly from the body (0) to the noise (1), so that their peaks
 * cannot add up past the body's; `snappy` scales the noise (the 808's snappy control), so at tone 1
 * and snappy 0 the drum is silent.
 *
 * `accent` (parameter plus input, read at the trigger) sets the hit's peak, 1/2 to 1. The body is
 * normalized to a peak of 1 and the noise to about 0.8 at most; the mix times `level` is limited
 * to +-1, which noise peaks reach only rarely at full accent. A trigger at frame f sounds at
 * frame f (the body's first step is sin(2 pi inc) != 0, and the noise's first sample passes the
 * filter); a retrigger carries the jump from the ringing value to the new hit as an offset
 * fading out in 1 ms, so nothing clicks.
 *
 * `tune`, `tone`, `snappy` and `level` ramp; `decay` steps at its event's frame (the output
 * stays continuous, only its slope changes); `accent` is read at each trigger.
 *
 * Follows the RT rules in module.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chronus/dsp.h"
#include "chronus/module.h"
#include "drums.h"

enum { SNARE_IN_TRIG, SNARE_IN_ACCENT, SNARE_IN_COUNT };
enum { SNARE_OUT_OUT, SNARE_OUT_COUNT };
enum {
	SNARE_PARAM_TUNE_HZ,
	SNARE_PARAM_TONE,
	SNARE_PARAM_SNAPPY,
	SNARE_PARAM_DECAY_S,
	SNARE_PARAM_ACCENT,
	SNARE_PARAM_LEVEL,
	SNARE_PARAM_COUNT
};

static const cx_port_info_t snare_ins[] = {
    [SNARE_IN_TRIG] = {"trig", CX_PORT_GATE, 0.0f, "a rising edge strikes the drum"},
    [SNARE_IN_ACCENT] = {"accent", CX_PORT_CV, 0.0f, "added to accent at each trigger"},
};
_Static_assert(sizeof snare_ins / sizeof snare_ins[0] == SNARE_IN_COUNT, "one entry per input");

static const cx_port_info_t snare_outs[] = {
    [SNARE_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "the drum, within +-1"},
};
_Static_assert(sizeof snare_outs / sizeof snare_outs[0] == SNARE_OUT_COUNT, "one entry per output");

static const cx_param_info_t snare_params[] = {
    [SNARE_PARAM_TUNE_HZ] = {0, "tune", "Hz", 100.0f, 400.0f, 180.0f, CX_PARAM_LOG, NULL,
                             "frequency of the body's low mode; the rest follows"},
    [SNARE_PARAM_TONE] = {1, "tone", "", 0.0f, 1.0f, 0.5f, 0, NULL,
                          "crossfade from the body (0) to the noise (1)"},
    [SNARE_PARAM_SNAPPY] = {2, "snappy", "", 0.0f, 1.0f, 0.8f, 0, NULL, "amount of noise"},
    [SNARE_PARAM_DECAY_S] = {3, "decay", "s", 0.05f, 2.0f, 0.25f, CX_PARAM_LOG | CX_PARAM_NO_RAMP,
                             NULL, "T60: time for the drum to fall 60 dB from its peak"},
    [SNARE_PARAM_ACCENT] = {4, "accent", "", 0.0f, 1.0f, 0.0f, CX_PARAM_NO_RAMP, NULL,
                            "hit level, -6 dB at 0 to 0 dB at 1; read at each trigger"},
    [SNARE_PARAM_LEVEL] = {5, "level", "", 0.0f, 1.0f, 1.0f, 0, NULL, "output level"},
};
_Static_assert(sizeof snare_params / sizeof snare_params[0] == SNARE_PARAM_COUNT,
               "one entry per parameter");

#define SNARE_MODE_RATIO  1.78f /* the upper body mode, over tune */
#define SNARE_MODE_LEVEL  0.5f  /* its amplitude */
#define SNARE_NOISE_RATIO 39.0f /* the noise band's centre, over tune */
#define SNARE_NOISE_DAMP  2.5f  /* its damping k = 1/Q */
#define SNARE_NOISE_GAIN  0.75f /* band-passed noise then peaks near 0.8 */
#define SNARE_SEED        0x5eedu

typedef struct snare_state {
	float sample_rate_hz;
	float frame_s;
	float hz_to_inc; /* 2^32 / sample rate */
	uint32_t ramp_frames;
	uint32_t trig_high; /* the trig input was high on the previous frame */
	uint32_t active;
	uint32_t seed;
	uint32_t phase_low, phase_high; /* 2^32 = one cycle */
	float accent;
	float env; /* the envelope, the hit's gain at the trigger */
	float env_factor;
	float declick; /* offset fading out after a retrigger */
	float declick_factor;
	float last;         /* the last value output, before level */
	float held_tune_hz; /* the tune `held` was worked out for */
	drum_svf_coefs_t held;
	drum_svf_t noise_filter;
	cx_ramp_log_t tune_hz;
	cx_ramp_t tone;
	cx_ramp_t snappy;
	cx_ramp_t level;
} snare_state_t;

static float snare_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, snare_params[index].min, snare_params[index].max);
}

static void snare_silence(snare_state_t *s)
{
	s->active = 0;
	s->phase_low = 0;
	s->phase_high = 0;
	s->env = 0.0f;
	s->declick = 0.0f;
	s->last = 0.0f;
	s->noise_filter = (drum_svf_t){0.0f, 0.0f};
}

static void snare_reset(void *state)
{
	snare_state_t *s = state;
	s->trig_high = 0;
	s->seed = SNARE_SEED;
	snare_silence(s);
}

static void snare_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	snare_state_t *s = state;
	(void)frames_max;
	s->sample_rate_hz = sample_rate;
	s->frame_s = 1.0f / sample_rate;
	s->hz_to_inc = 4294967296.0f / sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	s->env_factor = drum_t60_factor(
	    snare_param_clamp(SNARE_PARAM_DECAY_S, params[SNARE_PARAM_DECAY_S]), sample_rate);
	s->declick_factor = (float)exp(-1.0 / ((double)DRUM_DECLICK_S * (double)sample_rate));
	s->accent = snare_param_clamp(SNARE_PARAM_ACCENT, params[SNARE_PARAM_ACCENT]);
	cx_ramp_log_snap(&s->tune_hz,
	                 snare_param_clamp(SNARE_PARAM_TUNE_HZ, params[SNARE_PARAM_TUNE_HZ]));
	cx_ramp_snap(&s->tone, snare_param_clamp(SNARE_PARAM_TONE, params[SNARE_PARAM_TONE]));
	cx_ramp_snap(&s->snappy, snare_param_clamp(SNARE_PARAM_SNAPPY, params[SNARE_PARAM_SNAPPY]));
	cx_ramp_snap(&s->level, snare_param_clamp(SNARE_PARAM_LEVEL, params[SNARE_PARAM_LEVEL]));
	s->held_tune_hz = 0.0f; /* below the range: worked out at the first frame */
	snare_reset(s);
}

static void snare_apply(snare_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= SNARE_PARAM_COUNT)
		return;
	float v = snare_param_clamp(e->index, e->value);
	switch (e->index) {
	case SNARE_PARAM_TUNE_HZ:
		cx_ramp_log_to(&s->tune_hz, v, s->ramp_frames);
		break;
	case SNARE_PARAM_TONE:
		cx_ramp_to(&s->tone, v, s->ramp_frames);
		break;
	case SNARE_PARAM_SNAPPY:
		cx_ramp_to(&s->snappy, v, s->ramp_frames);
		break;
	case SNARE_PARAM_DECAY_S:
		s->env_factor = drum_t60_factor(v, s->sample_rate_hz);
		break;
	case SNARE_PARAM_ACCENT:
		s->accent = v;
		break;
	case SNARE_PARAM_LEVEL:
		cx_ramp_to(&s->level, v, s->ramp_frames);
		break;
	}
}

static void snare_strike(void *state, const cx_process_t *p, uint32_t frame)
{
	snare_state_t *s = state;
	s->declick = s->last;
	s->phase_low = 0;
	s->phase_high = 0;
	s->env = drum_accent_gain(s->accent, p->in[SNARE_IN_ACCENT][frame]);
	s->active = 1;
}

/* Steps the envelope and the declick through n frames, writing each frame's values; returns
 * the number of frames the drum sounds for (n, or fewer when it ends within them). */
static uint32_t snare_envelopes(snare_state_t *s, float *env, float *declick, uint32_t n)
{
	float e = s->env, d = s->declick;
	for (uint32_t i = 0; i < n; i++) {
		env[i] = e;
		declick[i] = d;
		e *= s->env_factor;
		d = fabsf(d) > DRUM_TINY ? d * s->declick_factor : 0.0f;
		if (e < DRUM_SILENT && d == 0.0f) {
			s->active = 0;
			return i + 1;
		}
	}
	s->env = e;
	s->declick = d;
	return n;
}

/* Band-passed noise for n frames; the filter follows tune frame by frame (its coefficients are
 * worked out again only when tune has moved). */
static void snare_noise(snare_state_t *s, const float *tune_hz, float *noise, uint32_t n)
{
	drum_svf_t f = s->noise_filter;
	for (uint32_t i = 0; i < n; i++) {
		if (tune_hz[i] != s->held_tune_hz) {
			s->held_tune_hz = tune_hz[i];
			s->held = drum_svf_coefs(SNARE_NOISE_RATIO * tune_hz[i], SNARE_NOISE_DAMP,
			                         s->frame_s);
		}
		/* k band: unity gain at the centre */
		noise[i] = SNARE_NOISE_DAMP * drum_svf_tick(&f, s->held, drum_noise(&s->seed)).bp;
	}
	s->noise_filter = f;
}

/* The drum's voice over n <= CX_CHUNK_FRAMES frames into y (CX_CHUNK_FRAMES, zeros past n). */
static void snare_voice(snare_state_t *s, float *y, uint32_t n)
{
	float tune_hz[CX_CHUNK_FRAMES], tone[CX_CHUNK_FRAMES], snappy[CX_CHUNK_FRAMES],
	    level[CX_CHUNK_FRAMES], env[CX_CHUNK_FRAMES], declick[CX_CHUNK_FRAMES],
	    noise[CX_CHUNK_FRAMES];
	uint32_t low[CX_CHUNK_FRAMES], high[CX_CHUNK_FRAMES];
	drum_ramp_log_fill(&s->tune_hz, tune_hz, n);
	drum_ramp_fill(&s->tone, tone, n);
	drum_ramp_fill(&s->snappy, snappy, n);
	drum_ramp_fill(&s->level, level, n);
	uint32_t live = snare_envelopes(s, env, declick, n);
	snare_noise(s, tune_hz, noise, live);
	for (uint32_t i = live; i < CX_CHUNK_FRAMES; i++) {
		env[i] = 0.0f;
		declick[i] = 0.0f;
		noise[i] = 0.0f;
	}
	uint32_t pl = s->phase_low, ph = s->phase_high;
	for (uint32_t i = 0; i < live; i++) {
		float inc = tune_hz[i] * s->hz_to_inc; /* < 2^31: tune <= 400 Hz */
		pl += (uint32_t)(int32_t)inc;
		ph += (uint32_t)(int32_t)(SNARE_MODE_RATIO * inc);
		low[i] = pl;
		high[i] = ph;
	}
	s->phase_low = pl;
	s->phase_high = ph;
	for (uint32_t i = 0; i < CX_CHUNK_FRAMES; i++) {
		/* sin(2 pi t) = -sin(pi (2t - 1)), t = phase / 2^32 */
		float a = (float)(low[i] >> 8) * 0x1p-24f, b = (float)(high[i] >> 8) * 0x1p-24f;
		float body =
		    -(cx_sinpif(2.0f * a - 1.0f) + SNARE_MODE_LEVEL * cx_sinpif(2.0f * b - 1.0f)) *
		    (1.0f / (1.0f + SNARE_MODE_LEVEL));
		float mix = body + tone[i] * (snappy[i] * SNARE_NOISE_GAIN * noise[i] - body);
		y[i] = env[i] * mix + declick[i];
	}
	if (live > 0)
		s->last = y[live - 1];
	for (uint32_t i = 0; i < CX_CHUNK_FRAMES; i++)
		y[i] = cx_clampf(level[i] * y[i], -1.0f, 1.0f);
	if (!s->active)
		snare_silence(s);
}

/* Renders frames [begin, end) with no trigger inside (one may have struck at begin). */
static void snare_run(void *state, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	snare_state_t *s = state;
	float *out = p->out[SNARE_OUT_OUT];
	uint32_t n;
	for (uint32_t pos = begin; pos < end; pos += n) {
		n = end - pos < CX_CHUNK_FRAMES ? end - pos : CX_CHUNK_FRAMES;
		if (!s->active) { /* silent: only the ramps move */
			drum_ramp_log_skip(&s->tune_hz, n);
			drum_ramp_skip(&s->tone, n);
			drum_ramp_skip(&s->snappy, n);
			drum_ramp_skip(&s->level, n);
			memset(out + pos, 0, n * sizeof *out);
			continue;
		}
		float y[CX_CHUNK_FRAMES];
		snare_voice(s, y, n);
		memcpy(out + pos, y, n * sizeof *out);
	}
}

static void snare_process(void *state, const cx_process_t *p)
{
	snare_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			snare_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		drum_render(s, p->in[SNARE_IN_TRIG], &s->trig_high, p, pos, end, snare_run,
		            snare_strike);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		snare_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "snare",
    .summary = "analog-style snare drum: two tuned modes and band-passed noise",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(snare_state_t),
    .in_count = SNARE_IN_COUNT,
    .ins = snare_ins,
    .out_count = SNARE_OUT_COUNT,
    .outs = snare_outs,
    .param_count = SNARE_PARAM_COUNT,
    .params = snare_params,
    .init = snare_init,
    .process = snare_process,
    .reset = snare_reset,
    .migrate = NULL,
};
