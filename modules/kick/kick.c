/*
 * kick — an analog-style bass drum: a sine body with a falling pitch, a click, and drive.
 *
 * The body is the tuned body of modules/drums/drums.h: a sine at freq 2^(pitch + sweep e^(-t /
 * KICK_SWEEP_TAU_S)) under an exponential envelope, the TR-808 bass drum reduced to its sound
 * (K. J. Werner, J. S. Abel, J. O. Smith, "A Physically-Informed, Circuit-Bendable, Digital
 * Model of the Roland TR-808 Bass Drum Circuit", DAFx-14: a bridged-T resonator struck by the
 * trigger pulse, its pitch pulled up while the pulse's envelope lasts; DaisySP's and Mutable
 * Instruments Plaits' bass drums are read for how they parametrise the same structure). The
 * resonator is replaced by an oscillator with an explicit pitch envelope, so that:
 *   - `freq` is exactly the pitch of the tail, once the sweep has settled (the sweep's time
 *     constant is 10 ms: 6 octaves of sweep are within 1 cent of freq after 90 ms);
 *   - `decay` IS the T60 of the body: the time its envelope takes to fall 60 dB from its peak;
 *   - `sweep` is the depth of the pitch envelope in octaves: a hit starts at freq 2^sweep.
 * The click is the trigger pulse leaking through, as in the circuit: a unipolar pulse with a
 * 0.3 ms time constant, `click` times the hit's gain, added to the body.
 *
 * Gain and drive. `accent` (parameter plus input, read at the trigger) sets the hit's peak,
 * 1/2 to 1. The body plus click is limited to +-1, then drive crossfades from that signal to a
 * soft-clipped copy of it pushed up to +19 dB (drum_saturate, bounded by 1):
 *	out = level ((1 - drive) x + drive sat((1 + 8 drive) x)),   |x| <= 1,
 * so |out| <= level <= 1 at any accent and drive (the product is limited to +-1 once more: a
 * level ramp's rounding could overshoot 1 by a hair). At drive 0 the output is the body itself and
 * its T60 is `decay`; drive, by compressing the peak, lengthens the audible tail.
 *
 * A trigger at frame f sounds at frame f (the body's first step is sin(2 pi inc) != 0, and the
 * click starts at its peak). A retrigger restarts the body without a jump (drums.h's declick).
 *
 * `freq`, `sweep`, `drive` and `level` ramp; `decay` steps at its event's frame (the output
 * stays continuous, only its slope changes); `accent` and `click` are read at each trigger.
 *
 * Follows the RT rules in module.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chronus/dsp.h"
#include "chronus/module.h"
#include "drums.h"

enum { KICK_IN_TRIG, KICK_IN_ACCENT, KICK_IN_PITCH, KICK_IN_COUNT };
enum { KICK_OUT_OUT, KICK_OUT_COUNT };
enum {
	KICK_PARAM_FREQ_HZ,
	KICK_PARAM_DECAY_S,
	KICK_PARAM_SWEEP_OCT,
	KICK_PARAM_CLICK,
	KICK_PARAM_DRIVE,
	KICK_PARAM_ACCENT,
	KICK_PARAM_LEVEL,
	KICK_PARAM_COUNT
};

static const cx_port_info_t kick_ins[] = {
    [KICK_IN_TRIG] = {"trig", CX_PORT_GATE, 0.0f, "a rising edge strikes the drum"},
    [KICK_IN_ACCENT] = {"accent", CX_PORT_CV, 0.0f, "added to accent at each trigger"},
    [KICK_IN_PITCH] = {"pitch", CX_PORT_CV, 0.0f, "1 V/oct, added to log2 of freq"},
};
_Static_assert(sizeof kick_ins / sizeof kick_ins[0] == KICK_IN_COUNT, "one entry per input");

static const cx_port_info_t kick_outs[] = {
    [KICK_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "the drum, within +-1"},
};
_Static_assert(sizeof kick_outs / sizeof kick_outs[0] == KICK_OUT_COUNT, "one entry per output");

static const cx_param_info_t kick_params[] = {
    [KICK_PARAM_FREQ_HZ] = {0, "freq", "Hz", 20.0f, 200.0f, 60.0f, CX_PARAM_LOG, NULL,
                            "pitch of the tail, once the sweep has settled"},
    [KICK_PARAM_DECAY_S] = {1, "decay", "s", 0.05f, 4.0f, 0.5f, CX_PARAM_LOG | CX_PARAM_NO_RAMP,
                            NULL, "T60: time for the body to fall 60 dB from its peak"},
    [KICK_PARAM_SWEEP_OCT] = {2, "sweep", "oct", 0.0f, 6.0f, 2.0f, 0, NULL,
                              "pitch envelope depth: a hit starts this far above freq"},
    [KICK_PARAM_CLICK] = {3, "click", "", 0.0f, 1.0f, 0.2f, CX_PARAM_NO_RAMP, NULL,
                          "level of the trigger pulse's click"},
    [KICK_PARAM_DRIVE] = {4, "drive", "", 0.0f, 1.0f, 0.0f, 0, NULL,
                          "0: clean; 1: soft-clipped 19 dB hotter"},
    [KICK_PARAM_ACCENT] = {5, "accent", "", 0.0f, 1.0f, 0.0f, CX_PARAM_NO_RAMP, NULL,
                           "hit level, -6 dB at 0 to 0 dB at 1; read at each trigger"},
    [KICK_PARAM_LEVEL] = {6, "level", "", 0.0f, 1.0f, 1.0f, 0, NULL, "output level"},
};
_Static_assert(sizeof kick_params / sizeof kick_params[0] == KICK_PARAM_COUNT,
               "one entry per parameter");

#define KICK_SWEEP_TAU_S 0.010f  /* time constant of the pitch envelope */
#define KICK_CLICK_TAU_S 0.0003f /* time constant of the click */
#define KICK_DRIVE_GAIN  8.0f    /* drive 1 pushes the signal up by 1 + 8 (19 dB) */

typedef struct kick_state {
	float sample_rate_hz;
	uint32_t ramp_frames;
	uint32_t trig_high; /* the trig input was high on the previous frame */
	float accent;
	float click;
	float click_env; /* the click now */
	float click_factor;
	drum_body_t body;
	cx_ramp_log_t freq_hz;
	cx_ramp_t sweep_oct;
	cx_ramp_t drive;
	cx_ramp_t level;
} kick_state_t;

static float kick_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, kick_params[index].min, kick_params[index].max);
}

static void kick_reset(void *state)
{
	kick_state_t *s = state;
	s->trig_high = 0;
	s->click_env = 0.0f;
	drum_body_silence(&s->body);
}

static void kick_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	kick_state_t *s = state;
	(void)frames_max;
	s->sample_rate_hz = sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	drum_body_init(&s->body, sample_rate,
	               kick_param_clamp(KICK_PARAM_DECAY_S, params[KICK_PARAM_DECAY_S]),
	               KICK_SWEEP_TAU_S);
	s->click_factor = (float)exp(-1.0 / ((double)KICK_CLICK_TAU_S * (double)sample_rate));
	s->accent = kick_param_clamp(KICK_PARAM_ACCENT, params[KICK_PARAM_ACCENT]);
	s->click = kick_param_clamp(KICK_PARAM_CLICK, params[KICK_PARAM_CLICK]);
	cx_ramp_log_snap(&s->freq_hz,
	                 kick_param_clamp(KICK_PARAM_FREQ_HZ, params[KICK_PARAM_FREQ_HZ]));
	cx_ramp_snap(&s->sweep_oct,
	             kick_param_clamp(KICK_PARAM_SWEEP_OCT, params[KICK_PARAM_SWEEP_OCT]));
	cx_ramp_snap(&s->drive, kick_param_clamp(KICK_PARAM_DRIVE, params[KICK_PARAM_DRIVE]));
	cx_ramp_snap(&s->level, kick_param_clamp(KICK_PARAM_LEVEL, params[KICK_PARAM_LEVEL]));
	kick_reset(s);
}

static void kick_apply(kick_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= KICK_PARAM_COUNT)
		return;
	float v = kick_param_clamp(e->index, e->value);
	switch (e->index) {
	case KICK_PARAM_FREQ_HZ:
		cx_ramp_log_to(&s->freq_hz, v, s->ramp_frames);
		break;
	case KICK_PARAM_DECAY_S:
		s->body.env_factor = drum_t60_factor(v, s->sample_rate_hz);
		break;
	case KICK_PARAM_SWEEP_OCT:
		cx_ramp_to(&s->sweep_oct, v, s->ramp_frames);
		break;
	case KICK_PARAM_CLICK:
		s->click = v;
		break;
	case KICK_PARAM_DRIVE:
		cx_ramp_to(&s->drive, v, s->ramp_frames);
		break;
	case KICK_PARAM_ACCENT:
		s->accent = v;
		break;
	case KICK_PARAM_LEVEL:
		cx_ramp_to(&s->level, v, s->ramp_frames);
		break;
	}
}

static void kick_strike(void *state, const cx_process_t *p, uint32_t frame)
{
	kick_state_t *s = state;
	float gain = drum_accent_gain(s->accent, p->in[KICK_IN_ACCENT][frame]);
	drum_body_strike(&s->body, gain);
	s->click_env = s->click * gain;
}

/* The click, the limit to +-1, drive and level (see the header), over a chunk of y (n frames
 * in use). */
static void kick_finish(kick_state_t *s, float *y, uint32_t n)
{
	float drive[CX_CHUNK_FRAMES], level[CX_CHUNK_FRAMES];
	drum_ramp_fill(&s->drive, drive, n);
	drum_ramp_fill(&s->level, level, n);
	if (s->click_env > 0.0f) {
		float click = s->click_env;
		for (uint32_t i = 0; i < n; i++) {
			y[i] += click;
			click = click > DRUM_TINY ? click * s->click_factor : 0.0f;
		}
		s->click_env = click;
	}
	if (s->drive.frames_left == 0 && s->drive.value == 0.0f) {
		for (uint32_t i = 0; i < CX_CHUNK_FRAMES; i++) /* two factors within +-1 */
			y[i] = cx_clampf(level[i], 0.0f, 1.0f) * cx_clampf(y[i], -1.0f, 1.0f);
		return;
	}
	for (uint32_t i = 0; i < CX_CHUNK_FRAMES; i++) {
		float x = cx_clampf(y[i], -1.0f, 1.0f), d = drive[i];
		float driven = x + d * (drum_saturate((1.0f + KICK_DRIVE_GAIN * d) * x) - x);
		y[i] = cx_clampf(level[i] * driven, -1.0f, 1.0f); /* +-1 after rounding */
	}
}

/* Renders frames [begin, end) with no trigger inside (one may have struck at begin). */
static void kick_voice(void *state, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	kick_state_t *s = state;
	float *out = p->out[KICK_OUT_OUT];
	uint32_t n;
	for (uint32_t pos = begin; pos < end; pos += n) {
		n = end - pos < CX_CHUNK_FRAMES ? end - pos : CX_CHUNK_FRAMES;
		if (!s->body.active && s->click_env == 0.0f) { /* silent: only the ramps move */
			drum_ramp_log_skip(&s->freq_hz, n);
			drum_ramp_skip(&s->sweep_oct, n);
			drum_ramp_skip(&s->drive, n);
			drum_ramp_skip(&s->level, n);
			memset(out + pos, 0, n * sizeof *out);
			continue;
		}
		float freq_hz[CX_CHUNK_FRAMES], sweep_oct[CX_CHUNK_FRAMES], y[CX_CHUNK_FRAMES];
		drum_ramp_log_fill(&s->freq_hz, freq_hz, n);
		drum_ramp_fill(&s->sweep_oct, sweep_oct, n);
		drum_body_render(&s->body, y, n, freq_hz, sweep_oct, p->in[KICK_IN_PITCH] + pos);
		kick_finish(s, y, n);
		memcpy(out + pos, y, n * sizeof *out);
	}
}

static void kick_process(void *state, const cx_process_t *p)
{
	kick_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			kick_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		drum_render(s, p->in[KICK_IN_TRIG], &s->trig_high, p, pos, end, kick_voice,
		            kick_strike);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		kick_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "kick",
    .summary = "analog-style bass drum: swept sine body, click, drive",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(kick_state_t),
    .in_count = KICK_IN_COUNT,
    .ins = kick_ins,
    .out_count = KICK_OUT_COUNT,
    .outs = kick_outs,
    .param_count = KICK_PARAM_COUNT,
    .params = kick_params,
    .init = kick_init,
    .process = kick_process,
    .reset = kick_reset,
    .migrate = NULL,
};
