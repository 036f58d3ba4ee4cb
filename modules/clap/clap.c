/*
 * clap — an analog-style hand clap: a few fast noise bursts, then a longer tail.
 *
 * The structure is the TR-808's (Roland TR-808 service notes, 1981, "CP/MA": white noise through
 * a band-pass filter into two VCAs in parallel, one opened by a sawtooth envelope that repeats a
 * few times in quick succession, the other by a single longer decay for the "reverb"): here
 * white noise (drums.h) passes a state-variable band-pass with unity gain at its centre, and one
 * envelope strikes CLAP_BURSTS times, CLAP_BURST_GAP_S apart, each strike falling fast (T60
 * CLAP_BURST_T60_S, a rounded sawtooth), then a last time for the tail:
 *   - `decay` IS the T60 of the tail, the clap's main envelope: the time it takes, from the
 *     tail's strike CLAP_BURSTS * CLAP_BURST_GAP_S (30 ms) after the trigger, to fall 60 dB from
 *     its peak;
 *   - `tone` sets the band's centre, 600 Hz at 0 to 3 kHz at 1 (2^(2.32 tone) octaves above),
 *     Q 1.4.
 * `accent` (parameter plus input, read at the trigger) sets the peak of the strikes, 1/2 to 1.
 * The band's output is scaled to an RMS of 0.25 whatever its centre and the sample rate, so it
 * peaks near 0.8; the output times `level` is limited to +-1, which noise
 * peaks reach only rarely at full accent. A trigger at frame f sounds at frame f (the first
 * noise sample passes the band-pass's direct path); a retrigger starts the bursts again.
 *
 * `tone` and `level` ramp; `decay` steps at its event's frame (the output stays continuous in
 * level, only its slope changes); `accent` is read at each trigger.
 *
 * Follows the RT rules in module.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chronus/dsp.h"
#include "chronus/module.h"
#include "drums.h"

enum { CLAP_IN_TRIG, CLAP_IN_ACCENT, CLAP_IN_COUNT };
enum { CLAP_OUT_OUT, CLAP_OUT_COUNT };
enum { CLAP_PARAM_TONE, CLAP_PARAM_DECAY_S, CLAP_PARAM_ACCENT, CLAP_PARAM_LEVEL, CLAP_PARAM_COUNT };

static const cx_port_info_t clap_ins[] = {
    [CLAP_IN_TRIG] = {"trig", CX_PORT_GATE, 0.0f, "a rising edge claps"},
    [CLAP_IN_ACCENT] = {"accent", CX_PORT_CV, 0.0f, "added to accent at each trigger"},
};
_Static_assert(sizeof clap_ins / sizeof clap_ins[0] == CLAP_IN_COUNT, "one entry per input");

static const cx_port_info_t clap_outs[] = {
    [CLAP_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "the clap, within +-1"},
};
_Static_assert(sizeof clap_outs / sizeof clap_outs[0] == CLAP_OUT_COUNT, "one entry per output");

static const cx_param_info_t clap_params[] = {
    [CLAP_PARAM_TONE] = {0, "tone", "", 0.0f, 1.0f, 0.5f, 0, NULL,
                         "centre of the noise band: 600 Hz at 0 to 3 kHz at 1"},
    [CLAP_PARAM_DECAY_S] = {1, "decay", "s", 0.05f, 2.0f, 0.3f, CX_PARAM_LOG | CX_PARAM_NO_RAMP,
                            NULL, "T60 of the tail: time to fall 60 dB from its peak"},
    [CLAP_PARAM_ACCENT] = {2, "accent", "", 0.0f, 1.0f, 0.0f, CX_PARAM_NO_RAMP, NULL,
                           "hit level, -6 dB at 0 to 0 dB at 1; read at each trigger"},
    [CLAP_PARAM_LEVEL] = {3, "level", "", 0.0f, 1.0f, 1.0f, 0, NULL, "output level"},
};
_Static_assert(sizeof clap_params / sizeof clap_params[0] == CLAP_PARAM_COUNT,
               "one entry per parameter");

#define CLAP_BURSTS      3u     /* fast strikes before the tail's */
#define CLAP_BURST_GAP_S 0.010f /* between strikes */
#define CLAP_BURST_T60_S 0.020f /* each burst falls 30 dB before the next */
#define CLAP_LOW_HZ      600.0f /* band centre at tone 0 */
#define CLAP_SPAN_OCT    2.32f  /* octaves from tone 0 to tone 1 */
#define CLAP_DAMP        0.7f   /* k = 1/Q */
#define CLAP_NOISE_RMS   0.25f  /* of the band-passed noise: it peaks near 0.8 */
#define CLAP_SEED        0xc1a9u

typedef struct clap_state {
	float sample_rate_hz;
	float frame_s;
	uint32_t ramp_frames;
	uint32_t trig_high; /* the trig input was high on the previous frame */
	uint32_t active;
	uint32_t seed;
	uint32_t strikes_left; /* strikes still to come: bursts, then the tail's */
	uint32_t frames_to_strike;
	uint32_t gap_frames;
	float accent;
	float gain; /* the hit's gain from accent */
	float env;
	float env_factor; /* the current strike's */
	float burst_factor;
	float tail_factor;
	float held_tone; /* the tone `held` was worked out for */
	float held_gain;
	drum_svf_coefs_t held;
	drum_svf_t filter;
	cx_ramp_t tone;
	cx_ramp_t level;
} clap_state_t;

static float clap_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, clap_params[index].min, clap_params[index].max);
}

static void clap_silence(clap_state_t *s)
{
	s->active = 0;
	s->strikes_left = 0;
	s->frames_to_strike = 0;
	s->env = 0.0f;
	s->env_factor = s->tail_factor;
	s->filter = (drum_svf_t){0.0f, 0.0f};
}

static void clap_reset(void *state)
{
	clap_state_t *s = state;
	s->trig_high = 0;
	s->seed = CLAP_SEED;
	clap_silence(s);
}

static void clap_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	clap_state_t *s = state;
	(void)frames_max;
	s->sample_rate_hz = sample_rate;
	s->frame_s = 1.0f / sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	s->gap_frames = (uint32_t)(CLAP_BURST_GAP_S * sample_rate + 0.5f);
	s->burst_factor = drum_t60_factor(CLAP_BURST_T60_S, sample_rate);
	s->tail_factor = drum_t60_factor(
	    clap_param_clamp(CLAP_PARAM_DECAY_S, params[CLAP_PARAM_DECAY_S]), sample_rate);
	s->accent = clap_param_clamp(CLAP_PARAM_ACCENT, params[CLAP_PARAM_ACCENT]);
	cx_ramp_snap(&s->tone, clap_param_clamp(CLAP_PARAM_TONE, params[CLAP_PARAM_TONE]));
	cx_ramp_snap(&s->level, clap_param_clamp(CLAP_PARAM_LEVEL, params[CLAP_PARAM_LEVEL]));
	s->held_tone = -1.0f; /* below the range: worked out at the first frame */
	clap_reset(s);
}

static void clap_apply(clap_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= CLAP_PARAM_COUNT)
		return;
	float v = clap_param_clamp(e->index, e->value);
	switch (e->index) {
	case CLAP_PARAM_TONE:
		cx_ramp_to(&s->tone, v, s->ramp_frames);
		break;
	case CLAP_PARAM_DECAY_S:
		s->tail_factor = drum_t60_factor(v, s->sample_rate_hz);
		if (s->strikes_left == 0) /* the tail is running */
			s->env_factor = s->tail_factor;
		break;
	case CLAP_PARAM_ACCENT:
		s->accent = v;
		break;
	case CLAP_PARAM_LEVEL:
		cx_ramp_to(&s->level, v, s->ramp_frames);
		break;
	}
}

static void clap_strike(void *state, const cx_process_t *p, uint32_t frame)
{
	clap_state_t *s = state;
	s->gain = drum_accent_gain(s->accent, p->in[CLAP_IN_ACCENT][frame]);
	s->env = s->gain;
	s->env_factor = s->burst_factor;
	s->strikes_left = CLAP_BURSTS; /* the first burst is this one; then 2 more and the tail */
	s->frames_to_strike = s->gap_frames;
	s->active = 1;
}

/* Steps the envelope through n frames, writing each frame's value; returns the number of frames
 * the clap sounds for (n, or fewer when it ends within them). */
static uint32_t clap_envelope(clap_state_t *s, float *env, uint32_t n)
{
	float e = s->env;
	for (uint32_t i = 0; i < n; i++) {
		if (s->strikes_left > 0 && s->frames_to_strike == 0) {
			e = s->gain; /* the next strike: a burst, or the tail's */
			s->frames_to_strike = s->gap_frames;
			s->env_factor = --s->strikes_left > 0 ? s->burst_factor : s->tail_factor;
		}
		env[i] = e;
		e *= s->env_factor;
		s->frames_to_strike -= s->strikes_left > 0;
		if (e < DRUM_SILENT && s->strikes_left == 0) {
			s->active = 0;
			return i + 1;
		}
	}
	s->env = e;
	return n;
}

/* Works out the band-pass for a tone, and the gain that brings its output to CLAP_NOISE_RMS:
 * white noise uniform in [-1, 1] (RMS 1/sqrt 3) through a two-pole band-pass of unity peak gain
 * and bandwidth k fc keeps the power of a band pi/2 k fc wide, out of fs/2. The gain includes
 * k, which turns the filter's band output into that unity-gain band-pass. */
static void clap_hold(clap_state_t *s, float tone)
{
	float centre_hz = CLAP_LOW_HZ * cx_exp2f(CLAP_SPAN_OCT * tone);
	s->held_tone = tone;
	s->held = drum_svf_coefs(centre_hz, CLAP_DAMP, s->frame_s);
	float rms = sqrtf(3.14159265f * CLAP_DAMP * centre_hz * s->frame_s / 3.0f);
	s->held_gain = CLAP_DAMP * CLAP_NOISE_RMS / rms;
}

/* The clap's voice over n <= CX_CHUNK_FRAMES frames into y (CX_CHUNK_FRAMES, zeros past n). */
static void clap_voice(clap_state_t *s, float *y, uint32_t n)
{
	float tone[CX_CHUNK_FRAMES], level[CX_CHUNK_FRAMES], env[CX_CHUNK_FRAMES];
	drum_ramp_fill(&s->tone, tone, n);
	drum_ramp_fill(&s->level, level, n);
	uint32_t live = clap_envelope(s, env, n);
	drum_svf_t f = s->filter;
	for (uint32_t i = 0; i < live; i++) {
		if (tone[i] != s->held_tone)
			clap_hold(s, tone[i]);
		y[i] = env[i] * s->held_gain * drum_svf_tick(&f, s->held, drum_noise(&s->seed)).bp;
	}
	s->filter = f;
	for (uint32_t i = live; i < CX_CHUNK_FRAMES; i++)
		y[i] = 0.0f;
	for (uint32_t i = 0; i < CX_CHUNK_FRAMES; i++)
		y[i] = cx_clampf(level[i] * y[i], -1.0f, 1.0f);
	if (!s->active)
		clap_silence(s);
}

/* Renders frames [begin, end) with no trigger inside (one may have struck at begin). */
static void clap_run(void *state, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	clap_state_t *s = state;
	float *out = p->out[CLAP_OUT_OUT];
	uint32_t n;
	for (uint32_t pos = begin; pos < end; pos += n) {
		n = end - pos < CX_CHUNK_FRAMES ? end - pos : CX_CHUNK_FRAMES;
		if (!s->active) { /* silent: only the ramps move */
			drum_ramp_skip(&s->tone, n);
			drum_ramp_skip(&s->level, n);
			memset(out + pos, 0, n * sizeof *out);
			continue;
		}
		float y[CX_CHUNK_FRAMES];
		clap_voice(s, y, n);
		memcpy(out + pos, y, n * sizeof *out);
	}
}

static void clap_process(void *state, const cx_process_t *p)
{
	clap_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			clap_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		drum_render(s, p->in[CLAP_IN_TRIG], &s->trig_high, p, pos, end, clap_run,
		            clap_strike);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		clap_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "clap",
    .summary = "analog-style hand clap: noise bursts, then a tail",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(clap_state_t),
    .in_count = CLAP_IN_COUNT,
    .ins = clap_ins,
    .out_count = CLAP_OUT_COUNT,
    .outs = clap_outs,
    .param_count = CLAP_PARAM_COUNT,
    .params = clap_params,
    .init = clap_init,
    .process = clap_process,
    .reset = clap_reset,
    .migrate = NULL,
};
