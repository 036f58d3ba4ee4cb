/*
 * adsr — an attack/decay/sustain/release envelope generator, 0..1.
 *
 * Each stage is an exponential approach (a one-pole RC charge or discharge) aimed a little
 * past where the stage ends, so that it reaches its end in a finite, exact time and then
 * stops there. This is the scheme of N. Redmon, "Envelope generators—ADSR" (EarLevel
 * Engineering, 2013), with the decay and release aimed relative to their own span so that
 * their times do not depend on the levels involved:
 *
 *	level[n+1] = target + (level[n] - target) coef,   i.e. level = level coef + base
 *
 *   attack:  from the current level towards 1 + ADSR_ATTACK_OVERSHOOT; ends at 1.0 exactly.
 *            `attack` is the time from 0 to 1.0. Rising from a level L above 0 follows the same
 *            curve, so it takes the remaining part of that time (constant rate, like an RC).
 *   decay:   from 1.0 towards sustain - ADSR_SETTLE (1 - sustain); ends at the sustain level.
 *            `decay` is the time from 1.0 to the sustain level, whatever the sustain level.
 *   sustain: holds the sustain level (which ramps when the parameter changes).
 *   release: from the level L at gate-off towards -ADSR_SETTLE L; ends at 0.
 *            `release` is the time from L to 0, whatever L.
 * With ADSR_SETTLE = 0.001, decay and release are RC curves that would fall by 60 dB of their
 * span in their stated time, cut to land on their end at that time.
 *
 * Stage times are rounded to whole frames. The output is the level before each frame's step,
 * so a gate rising at frame n puts the peak at frame n + round(attack * sample_rate). The gate is
 *high above 0.5. A gate rising in any stage, or a `retrig` rising while the gate is high, restarts
 *the attack from the current level, so nothing clicks. The level runs in double: a 30 s stage moves
 *by 5e-6 of its span per frame, too close to float rounding for its time to hold within 1 %.
 *
 * Times step at their event's frame rather than ramping: the output stays continuous and only
 * its slope changes, so there is no zipper noise to smooth. Sustain ramps.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { ADSR_IN_GATE, ADSR_IN_RETRIG, ADSR_IN_COUNT };
enum { ADSR_OUT_OUT, ADSR_OUT_COUNT };
enum {
	ADSR_PARAM_ATTACK_S,
	ADSR_PARAM_DECAY_S,
	ADSR_PARAM_SUSTAIN,
	ADSR_PARAM_RELEASE_S,
	ADSR_PARAM_COUNT
};
enum { ADSR_IDLE, ADSR_ATTACK, ADSR_DECAY, ADSR_SUSTAIN, ADSR_RELEASE };

static const cx_port_info_t adsr_ins[] = {
    [ADSR_IN_GATE] = {"gate", CX_PORT_GATE, 0.0f, "high: attack, decay, sustain; low: release"},
    [ADSR_IN_RETRIG] = {"retrig", CX_PORT_GATE, 0.0f,
                        "rising while the gate is high: attack again from the current level"},
};
_Static_assert(sizeof adsr_ins / sizeof adsr_ins[0] == ADSR_IN_COUNT, "one entry per input");

static const cx_port_info_t adsr_outs[] = {
    [ADSR_OUT_OUT] = {"out", CX_PORT_CV, 0.0f, "the envelope, 0..1"},
};
_Static_assert(sizeof adsr_outs / sizeof adsr_outs[0] == ADSR_OUT_COUNT, "one entry per output");

static const cx_param_info_t adsr_params[] = {
    [ADSR_PARAM_ATTACK_S] = {0, "attack", "s", 0.0005f, 30.0f, 0.01f,
                             CX_PARAM_LOG | CX_PARAM_NO_RAMP, NULL, "time from 0 to the peak 1.0"},
    [ADSR_PARAM_DECAY_S] = {1, "decay", "s", 0.0005f, 30.0f, 0.1f, CX_PARAM_LOG | CX_PARAM_NO_RAMP,
                            NULL, "time from the peak to the sustain level"},
    [ADSR_PARAM_SUSTAIN] = {2, "sustain", "", 0.0f, 1.0f, 0.7f, 0, NULL,
                            "level held while the gate is high"},
    [ADSR_PARAM_RELEASE_S] = {3, "release", "s", 0.0005f, 30.0f, 0.3f,
                              CX_PARAM_LOG | CX_PARAM_NO_RAMP, NULL,
                              "time from the level at gate-off to 0"},
};
_Static_assert(sizeof adsr_params / sizeof adsr_params[0] == ADSR_PARAM_COUNT,
               "one entry per parameter");

#define ADSR_ATTACK_OVERSHOOT 0.3   /* the attack aims at 1.3: a gently rounded RC rise */
#define ADSR_SETTLE           0.001 /* decay and release aim this fraction of their span past */
#define ADSR_LAND             1e-9  /* a stage has arrived this close to its end (rounding) */

typedef struct adsr_state {
	float sample_rate_hz;
	uint32_t ramp_frames;
	uint32_t stage;       /* ADSR_* */
	uint32_t gate_high;   /* the gate input was high on the previous frame */
	uint32_t retrig_high; /* the retrig input was high on the previous frame */
	double level;         /* the envelope, 0..1 */
	double target;        /* where the current stage aims */
	double coef;          /* per frame: level = level coef + base */
	double base;          /* target (1 - coef) */
	double attack_coef, decay_coef, release_coef;
	cx_ramp_t sustain;
} adsr_state_t;

static float adsr_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, adsr_params[index].min, adsr_params[index].max);
}

/* The coefficient of an RC stage that covers its span in time_s, aimed `past` spans beyond.
 * The time is rounded to whole frames, so that a stage lands on its end exactly. */
static double adsr_coef(float sample_rate_hz, float time_s, double past)
{
	double frames = round((double)time_s * (double)sample_rate_hz);
	return exp(-log((1.0 + past) / past) / (frames > 1.0 ? frames : 1.0));
}

static void adsr_aim(adsr_state_t *s, uint32_t stage, double target, double coef)
{
	s->stage = stage;
	s->target = target;
	s->coef = coef;
	s->base = target * (1.0 - coef);
}

static void adsr_set_time(adsr_state_t *s, uint32_t index, float time_s)
{
	time_s = adsr_param_clamp(index, time_s);
	switch (index) {
	case ADSR_PARAM_ATTACK_S:
		s->attack_coef = adsr_coef(s->sample_rate_hz, time_s, ADSR_ATTACK_OVERSHOOT);
		if (s->stage == ADSR_ATTACK)
			adsr_aim(s, ADSR_ATTACK, s->target, s->attack_coef);
		break;
	case ADSR_PARAM_DECAY_S:
		s->decay_coef = adsr_coef(s->sample_rate_hz, time_s, ADSR_SETTLE);
		if (s->stage == ADSR_DECAY)
			adsr_aim(s, ADSR_DECAY, s->target, s->decay_coef);
		break;
	case ADSR_PARAM_RELEASE_S:
		s->release_coef = adsr_coef(s->sample_rate_hz, time_s, ADSR_SETTLE);
		if (s->stage == ADSR_RELEASE)
			adsr_aim(s, ADSR_RELEASE, s->target, s->release_coef);
		break;
	}
}

static void adsr_reset(void *state)
{
	adsr_state_t *s = state;
	s->level = 0.0;
	s->gate_high = 0;
	s->retrig_high = 0;
	adsr_aim(s, ADSR_IDLE, 0.0, 0.0);
}

static void adsr_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	adsr_state_t *s = state;
	(void)frames_max;
	s->sample_rate_hz = sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	adsr_reset(s);
	adsr_set_time(s, ADSR_PARAM_ATTACK_S, params[ADSR_PARAM_ATTACK_S]);
	adsr_set_time(s, ADSR_PARAM_DECAY_S, params[ADSR_PARAM_DECAY_S]);
	adsr_set_time(s, ADSR_PARAM_RELEASE_S, params[ADSR_PARAM_RELEASE_S]);
	cx_ramp_snap(&s->sustain, adsr_param_clamp(ADSR_PARAM_SUSTAIN, params[ADSR_PARAM_SUSTAIN]));
}

static void adsr_apply(adsr_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= ADSR_PARAM_COUNT)
		return;
	if (e->index == ADSR_PARAM_SUSTAIN) {
		float sustain = adsr_param_clamp(ADSR_PARAM_SUSTAIN, e->value);
		cx_ramp_to(&s->sustain, sustain, s->ramp_frames);
		if (s->stage == ADSR_DECAY && s->level > sustain) /* re-aim at the new level */
			adsr_aim(s, ADSR_DECAY, sustain - ADSR_SETTLE * (s->level - sustain),
			         s->decay_coef);
		return;
	}
	adsr_set_time(s, e->index, e->value);
}

/* Takes the inputs of one frame: a rising gate, or a rising retrig while the gate is high,
 * starts the attack from the current level; a falling gate starts the release. */
static void adsr_take_inputs(adsr_state_t *s, uint32_t gate, uint32_t retrig)
{
	if (gate && (!s->gate_high || (retrig && !s->retrig_high)))
		adsr_aim(s, ADSR_ATTACK, 1.0 + ADSR_ATTACK_OVERSHOOT, s->attack_coef);
	else if (!gate && s->gate_high)
		adsr_aim(s, ADSR_RELEASE, -ADSR_SETTLE * s->level, s->release_coef);
	s->gate_high = gate;
	s->retrig_high = retrig;
}

/* Returns the first frame in [i, end) where the gate or retrig input crosses 0.5, or end.
 * Frame i - 1 has been taken. Inputs that hold one value, the common case, are seen at
 * memory speed without looking at each frame. */
static uint32_t adsr_inputs_hold(const adsr_state_t *s, const float *gate, const float *retrig,
                                 uint32_t i, uint32_t end)
{
	if (cx_is_constant(gate + i - 1, end - i + 1) &&
	    cx_is_constant(retrig + i - 1, end - i + 1))
		return end;
	for (; i < end; i++)
		if ((gate[i] > 0.5f) != s->gate_high || (retrig[i] > 0.5f) != s->retrig_high)
			return i;
	return end;
}

/* The stage has arrived at its end: land exactly on it and go on to the next stage. */
static void adsr_arrive(adsr_state_t *s, double sustain)
{
	switch (s->stage) {
	case ADSR_ATTACK:
		s->level = 1.0;
		adsr_aim(s, ADSR_DECAY, sustain - ADSR_SETTLE * (1.0 - sustain), s->decay_coef);
		break;
	case ADSR_DECAY:
		s->level = sustain;
		adsr_aim(s, ADSR_SUSTAIN, 0.0, 0.0);
		break;
	default:
		s->level = 0.0;
		adsr_aim(s, ADSR_IDLE, 0.0, 0.0);
		break;
	}
}

/* Renders frames from i until stop or until the current stage ends, whichever is first, with
 * the inputs and the sustain level holding still. Returns the frame after the last rendered
 * one. Each frame outputs the level, then steps it. */
static uint32_t adsr_run(adsr_state_t *s, float *out, uint32_t i, uint32_t stop, double sustain)
{
	if (s->stage == ADSR_IDLE || s->stage == ADSR_SUSTAIN) {
		s->level = s->stage == ADSR_SUSTAIN ? sustain : 0.0;
		for (; i < stop; i++)
			out[i] = (float)s->level;
		return stop;
	}
	/* The stage ends when dir (level - end) >= -ADSR_LAND. */
	double end = s->stage == ADSR_ATTACK ? 1.0 : s->stage == ADSR_DECAY ? sustain : 0.0;
	double dir = s->stage == ADSR_ATTACK ? 1.0 : -1.0;
	double level = s->level;
	const double coef = s->coef, base = s->base;
	while (i < stop) {
		out[i++] = (float)level;
		level = level * coef + base;
		if (dir * (level - end) >= -ADSR_LAND) {
			adsr_arrive(s, sustain);
			return i;
		}
	}
	s->level = level;
	return i;
}

static void adsr_render(adsr_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	const float *gate = p->in[ADSR_IN_GATE];
	const float *retrig = p->in[ADSR_IN_RETRIG];
	float *out = p->out[ADSR_OUT_OUT];
	for (uint32_t i = begin; i < end;) {
		adsr_take_inputs(s, gate[i] > 0.5f, retrig[i] > 0.5f);
		uint32_t stop = adsr_inputs_hold(s, gate, retrig, i + 1, end);
		if (s->sustain.frames_left > 0) /* a moving sustain level: one frame at a time */
			stop = i + 1;
		double sustain = (double)cx_ramp_next(&s->sustain);
		while (i < stop)
			i = adsr_run(s, out, i, stop, sustain);
	}
}

static void adsr_process(void *state, const cx_process_t *p)
{
	adsr_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			adsr_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		adsr_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		adsr_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "adsr",
    .summary = "attack/decay/sustain/release envelope, 0..1",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(adsr_state_t),
    .in_count = ADSR_IN_COUNT,
    .ins = adsr_ins,
    .out_count = ADSR_OUT_COUNT,
    .outs = adsr_outs,
    .param_count = ADSR_PARAM_COUNT,
    .params = adsr_params,
    .init = adsr_init,
    .process = adsr_process,
    .reset = adsr_reset,
    .migrate = NULL,
};
