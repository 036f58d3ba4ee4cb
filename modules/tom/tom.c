/*
 * tom — an analog-style tom: a sine body with a gentle falling pitch.
 *
 * The TR-808 toms are the bass drum's circuit tuned higher, with a shorter and shallower pitch
 * bend: a bridged-T resonator struck by the trigger pulse (K. J. Werner, J. S. Abel, J. O. Smith,
 * "A Physically-Informed, Circuit-Bendable, Digital Model of the Roland TR-808 Bass Drum
 * Circuit", DAFx-14, for the shared structure). As for the kick, the resonator is the tuned body
 * of modules/drums/drums.h, an oscillator with an explicit pitch envelope, so that:
 *   - `freq` is exactly the pitch of the tail once the sweep has settled (time constant 20 ms);
 *   - `decay` IS the T60 of the body: the time its envelope takes to fall 60 dB from its peak;
 *   - `sweep` is the depth of the pitch envelope in octaves: a hit starts at freq 2^sweep.
 * (The 808 toms also mix in a little pink noise; this one is the body alone.)
 *
 * `accent` (parameter plus input, read at the trigger) sets the hit's peak, 1/2 to 1; the body
 * times `level` is limited to +-1, so |out| <= 1. A trigger at frame f sounds at frame f (the
 * body's first step is sin(2 pi inc) != 0); a retrigger restarts the body without a jump (drums.h's
 * declick).
 *
 * `freq`, `sweep` and `level` ramp; `decay` steps at its event's frame (the output stays
 * continuous, only its slope changes); `accent` is read at each trigger.
 *
 * Follows the RT rules in module.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chronus/dsp.h"
#include "chronus/module.h"
#include "drums.h"

enum { TOM_IN_TRIG, TOM_IN_ACCENT, TOM_IN_PITCH, TOM_IN_COUNT };
enum { TOM_OUT_OUT, TOM_OUT_COUNT };
enum {
	TOM_PARAM_FREQ_HZ,
	TOM_PARAM_DECAY_S,
	TOM_PARAM_SWEEP_OCT,
	TOM_PARAM_ACCENT,
	TOM_PARAM_LEVEL,
	TOM_PARAM_COUNT
};

static const cx_port_info_t tom_ins[] = {
    [TOM_IN_TRIG] = {"trig", CX_PORT_GATE, 0.0f, "a rising edge strikes the drum"},
    [TOM_IN_ACCENT] = {"accent", CX_PORT_CV, 0.0f, "added to accent at each trigger"},
    [TOM_IN_PITCH] = {"pitch", CX_PORT_CV, 0.0f, "1 V/oct, added to log2 of freq"},
};
_Static_assert(sizeof tom_ins / sizeof tom_ins[0] == TOM_IN_COUNT, "one entry per input");

static const cx_port_info_t tom_outs[] = {
    [TOM_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "the drum, within +-1"},
};
_Static_assert(sizeof tom_outs / sizeof tom_outs[0] == TOM_OUT_COUNT, "one entry per output");

static const cx_param_info_t tom_params[] = {
    [TOM_PARAM_FREQ_HZ] = {0, "freq", "Hz", 50.0f, 500.0f, 120.0f, CX_PARAM_LOG, NULL,
                           "pitch of the tail, once the sweep has settled"},
    [TOM_PARAM_DECAY_S] = {1, "decay", "s", 0.05f, 4.0f, 0.4f, CX_PARAM_LOG | CX_PARAM_NO_RAMP,
                           NULL, "T60: time for the body to fall 60 dB from its peak"},
    [TOM_PARAM_SWEEP_OCT] = {2, "sweep", "oct", 0.0f, 2.0f, 0.5f, 0, NULL,
                             "pitch envelope depth: a hit starts this far above freq"},
    [TOM_PARAM_ACCENT] = {3, "accent", "", 0.0f, 1.0f, 0.0f, CX_PARAM_NO_RAMP, NULL,
                          "hit level, -6 dB at 0 to 0 dB at 1; read at each trigger"},
    [TOM_PARAM_LEVEL] = {4, "level", "", 0.0f, 1.0f, 1.0f, 0, NULL, "output level"},
};
_Static_assert(sizeof tom_params / sizeof tom_params[0] == TOM_PARAM_COUNT,
               "one entry per parameter");

#define TOM_SWEEP_TAU_S 0.020f /* time constant of the pitch envelope */

typedef struct tom_state {
	float sample_rate_hz;
	uint32_t ramp_frames;
	uint32_t trig_high; /* the trig input was high on the previous frame */
	float accent;
	drum_body_t body;
	cx_ramp_log_t freq_hz;
	cx_ramp_t sweep_oct;
	cx_ramp_t level;
} tom_state_t;

static float tom_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, tom_params[index].min, tom_params[index].max);
}

static void tom_reset(void *state)
{
	tom_state_t *s = state;
	s->trig_high = 0;
	drum_body_silence(&s->body);
}

static void tom_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	tom_state_t *s = state;
	(void)frames_max;
	s->sample_rate_hz = sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	drum_body_init(&s->body, sample_rate,
	               tom_param_clamp(TOM_PARAM_DECAY_S, params[TOM_PARAM_DECAY_S]),
	               TOM_SWEEP_TAU_S);
	s->accent = tom_param_clamp(TOM_PARAM_ACCENT, params[TOM_PARAM_ACCENT]);
	cx_ramp_log_snap(&s->freq_hz,
	                 tom_param_clamp(TOM_PARAM_FREQ_HZ, params[TOM_PARAM_FREQ_HZ]));
	cx_ramp_snap(&s->sweep_oct,
	             tom_param_clamp(TOM_PARAM_SWEEP_OCT, params[TOM_PARAM_SWEEP_OCT]));
	cx_ramp_snap(&s->level, tom_param_clamp(TOM_PARAM_LEVEL, params[TOM_PARAM_LEVEL]));
	tom_reset(s);
}

static void tom_apply(tom_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= TOM_PARAM_COUNT)
		return;
	float v = tom_param_clamp(e->index, e->value);
	switch (e->index) {
	case TOM_PARAM_FREQ_HZ:
		cx_ramp_log_to(&s->freq_hz, v, s->ramp_frames);
		break;
	case TOM_PARAM_DECAY_S:
		s->body.env_factor = drum_t60_factor(v, s->sample_rate_hz);
		break;
	case TOM_PARAM_SWEEP_OCT:
		cx_ramp_to(&s->sweep_oct, v, s->ramp_frames);
		break;
	case TOM_PARAM_ACCENT:
		s->accent = v;
		break;
	case TOM_PARAM_LEVEL:
		cx_ramp_to(&s->level, v, s->ramp_frames);
		break;
	}
}

/* Renders frames [begin, end) with no trigger inside (one may have struck at begin). */
static void tom_voice(void *state, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	tom_state_t *s = state;
	float *out = p->out[TOM_OUT_OUT];
	uint32_t n;
	for (uint32_t pos = begin; pos < end; pos += n) {
		n = end - pos < CX_CHUNK_FRAMES ? end - pos : CX_CHUNK_FRAMES;
		if (!s->body.active) { /* silent: only the ramps move */
			drum_ramp_log_skip(&s->freq_hz, n);
			drum_ramp_skip(&s->sweep_oct, n);
			drum_ramp_skip(&s->level, n);
			memset(out + pos, 0, n * sizeof *out);
			continue;
		}
		float freq_hz[CX_CHUNK_FRAMES], sweep_oct[CX_CHUNK_FRAMES], level[CX_CHUNK_FRAMES],
		    y[CX_CHUNK_FRAMES];
		drum_ramp_log_fill(&s->freq_hz, freq_hz, n);
		drum_ramp_fill(&s->sweep_oct, sweep_oct, n);
		drum_ramp_fill(&s->level, level, n);
		drum_body_render(&s->body, y, n, freq_hz, sweep_oct, p->in[TOM_IN_PITCH] + pos);
		for (uint32_t i = 0; i < CX_CHUNK_FRAMES; i++)
			y[i] = cx_clampf(level[i] * y[i], -1.0f, 1.0f); /* a ramp may overshoot */
		memcpy(out + pos, y, n * sizeof *out);
	}
}

static void tom_strike(void *state, const cx_process_t *p, uint32_t frame)
{
	tom_state_t *s = state;
	drum_body_strike(&s->body, drum_accent_gain(s->accent, p->in[TOM_IN_ACCENT][frame]));
}

static void tom_process(void *state, const cx_process_t *p)
{
	tom_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			tom_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		drum_render(s, p->in[TOM_IN_TRIG], &s->trig_high, p, pos, end, tom_voice,
		            tom_strike);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		tom_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "tom",
    .summary = "analog-style tom: sine body with a gentle pitch bend",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(tom_state_t),
    .in_count = TOM_IN_COUNT,
    .ins = tom_ins,
    .out_count = TOM_OUT_COUNT,
    .outs = tom_outs,
    .param_count = TOM_PARAM_COUNT,
    .params = tom_params,
    .init = tom_init,
    .process = tom_process,
    .reset = tom_reset,
    .migrate = NULL,
};
