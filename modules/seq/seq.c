/*
 * seq — a 16-step gate and pitch sequencer that follows the engine's transport.
 *
 * The transport (cx_process_t, ABI 1.1) is read as a grid of `div` steps per beat: step k,
 * counted from beat 0, lies at beat k / div and starts on the first frame whose beat is at
 * least that (the grid helpers in dsp.h, which derive every frame's beat from the block's beat
 * and beats_per_frame in double, so no error builds up from step to step or block to block).
 * Step k plays pattern slot (k - k0) mod `steps`, where k0 is 0 from play and the step number
 * a `reset` rose in. This is the transport-locked step sequencer of a DAW's step editor or a
 * drum machine, rather than a clocked analog one: there is no clock input to count, so a
 * pattern stays in phase with beat 0 whatever the block size.
 *
 * At the frame a step starts (call the step's slot n, 1-based as the parameters are):
 *   - `step` moves to (n - 1) / steps, a 0..1 staircase (0 for step 1, 15/16 for step 16 of 16;
 *     multiply by `steps` to get the slot back), for every step;
 *   - if gate<n> is 1 the step is active: `gate` goes high for round(length x step) frames,
 *     `trig` for 1 ms, and `pitch` takes pitch<n> volts. Both pulses end at least one frame
 *     before the next step starts, so two adjacent active steps always leave a low frame
 *     between them and an envelope retriggers. A rest cuts a gate still high and leaves
 *     `pitch` where it was (a release tail keeps its note).
 * The parameters are read at each step's start (a gate, pitch or length changed during a step
 * acts from the next one): they are switches and levels sampled once a step, so none ramps.
 * `steps` and `div` act at the next step; a change of `div` keeps the slot count going (the
 * next step is the slot after the current one) on the new grid.
 *
 * A rising `reset` restarts the pattern at slot 1 on that very frame, whatever the grid: the
 * slot plays from there to the next grid step, which plays slot 2. A reset while the
 * transport is stopped makes the first step after play start slot 1 (as play does anyway).
 * A reset that lands while the gate is high starts the new gate without a low frame (only
 * `trig` marks it): the frame before is already written.
 *
 * While the transport is stopped (or before play's frame in the block it starts in) `gate` and
 * `trig` are low and `pitch` and `step` hold. Play starts slot 1 on its exact frame. A sequencer
 * created while the transport runs waits for the next grid step, then plays the slot that step
 * has in the pattern counted from beat 0, in phase with sequencers that were there from play.
 *
 * Outputs: gate and trig 0 or 1; pitch within ±5 V (the parameter range); step 0..1.
 *
 * The transport, the grid, `reset` and the pulses are the step modules' shared core,
 * modules/steps/steps.h (reset mode STEPS_RESET_NOW); this file holds the slots.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"
#include "steps.h"

#define SEQ_SLOTS 16u

enum { SEQ_IN_RESET, SEQ_IN_COUNT };
enum { SEQ_OUT_GATE, SEQ_OUT_TRIG, SEQ_OUT_PITCH, SEQ_OUT_STEP, SEQ_OUT_COUNT };
enum {
	SEQ_PARAM_STEPS,
	SEQ_PARAM_DIV,
	SEQ_PARAM_LENGTH,
	SEQ_PARAM_GATE1,
	SEQ_PARAM_PITCH1 = SEQ_PARAM_GATE1 + SEQ_SLOTS,
	SEQ_PARAM_COUNT = SEQ_PARAM_PITCH1 + SEQ_SLOTS
};

static const cx_port_info_t seq_ins[] = {
    [SEQ_IN_RESET] = {"reset", CX_PORT_GATE, 0.0f, "rising: restart at step 1 on that frame"},
};
_Static_assert(sizeof seq_ins / sizeof seq_ins[0] == SEQ_IN_COUNT, "one entry per input");

static const cx_port_info_t seq_outs[] = {
    [SEQ_OUT_GATE] = {"gate", CX_PORT_GATE, 0.0f, "high for length x step from each active step"},
    [SEQ_OUT_TRIG] = {"trig", CX_PORT_GATE, 0.0f, "1 ms pulse at each active step's start"},
    [SEQ_OUT_PITCH] = {"pitch", CX_PORT_CV, 0.0f, "the last active step's pitch, 1 V/oct"},
    [SEQ_OUT_STEP] = {"step", CX_PORT_CV, 0.0f, "current step as (step - 1) / steps, 0..1"},
};
_Static_assert(sizeof seq_outs / sizeof seq_outs[0] == SEQ_OUT_COUNT, "one entry per output");

#define SEQ_GATE(n)                                                                                \
	[SEQ_PARAM_GATE1 + (n)-1] = {10 + (n)-1,                                                   \
	                             "gate" #n,                                                    \
	                             "",                                                           \
	                             0.0f,                                                         \
	                             1.0f,                                                         \
	                             0.0f,                                                         \
	                             CX_PARAM_INTEGER | CX_PARAM_NO_RAMP,                          \
	                             NULL,                                                         \
	                             "1: step " #n " plays a note; 0: a rest"}
#define SEQ_PITCH(n)                                                                               \
	[SEQ_PARAM_PITCH1 + (n)-1] = {30 + (n)-1,                                                  \
	                              "pitch" #n,                                                  \
	                              "V",                                                         \
	                              -5.0f,                                                       \
	                              5.0f,                                                        \
	                              0.0f,                                                        \
	                              CX_PARAM_NO_RAMP,                                            \
	                              NULL,                                                        \
	                              "step " #n "'s pitch, 1 V/oct, 0 V = C4"}

static const cx_param_info_t seq_params[] = {
    [SEQ_PARAM_STEPS] = {0, "steps", "", 1.0f, 16.0f, 16.0f, CX_PARAM_INTEGER | CX_PARAM_NO_RAMP,
                         NULL, "pattern length in steps; acts at the next step"},
    [SEQ_PARAM_DIV] = {1, "div", "/beat", 1.0f, 16.0f, 4.0f, CX_PARAM_INTEGER | CX_PARAM_NO_RAMP,
                       NULL, "steps per beat (4: sixteenth notes)"},
    [SEQ_PARAM_LENGTH] = {2, "length", "step", 0.05f, 1.0f, 0.5f, CX_PARAM_NO_RAMP, NULL,
                          "gate length as a fraction of a step"},
    SEQ_GATE(1),
    SEQ_GATE(2),
    SEQ_GATE(3),
    SEQ_GATE(4),
    SEQ_GATE(5),
    SEQ_GATE(6),
    SEQ_GATE(7),
    SEQ_GATE(8),
    SEQ_GATE(9),
    SEQ_GATE(10),
    SEQ_GATE(11),
    SEQ_GATE(12),
    SEQ_GATE(13),
    SEQ_GATE(14),
    SEQ_GATE(15),
    SEQ_GATE(16),
    SEQ_PITCH(1),
    SEQ_PITCH(2),
    SEQ_PITCH(3),
    SEQ_PITCH(4),
    SEQ_PITCH(5),
    SEQ_PITCH(6),
    SEQ_PITCH(7),
    SEQ_PITCH(8),
    SEQ_PITCH(9),
    SEQ_PITCH(10),
    SEQ_PITCH(11),
    SEQ_PITCH(12),
    SEQ_PITCH(13),
    SEQ_PITCH(14),
    SEQ_PITCH(15),
    SEQ_PITCH(16),
};
_Static_assert(sizeof seq_params / sizeof seq_params[0] == SEQ_PARAM_COUNT,
               "one entry per parameter");

typedef struct seq_state {
	steps_t core; /* the transport, the grid, `reset` and the pulses (steps.h) */
	/* parameters */
	uint32_t steps; /* (`div` is the core's grid) */
	float length;
	uint32_t gate_on[SEQ_SLOTS];
	float pitch_v[SEQ_SLOTS];
	/* outputs */
	uint32_t slot; /* 0-based slot of the step under way */
	float pitch_v_out;
	float step_out; /* slot / steps */
} seq_state_t;

static float seq_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, seq_params[index].min, seq_params[index].max);
}

static uint32_t seq_param_whole(uint32_t index, float value)
{
	return (uint32_t)lroundf(seq_param_clamp(index, value));
}

/* Sets a parameter; p is the block and pos the frame, for a grid change while running. */
static void seq_set(void *state, uint32_t index, float value, const cx_process_t *p, uint32_t pos)
{
	seq_state_t *s = state;
	if (index == SEQ_PARAM_STEPS) {
		s->steps = seq_param_whole(index, value);
		/* the next step plays the next slot, or slot 1 */
		steps_keep_slot(&s->core, p, s->slot < s->steps ? s->slot : s->steps - 1);
	} else if (index == SEQ_PARAM_DIV) {
		/* renumbered on the new grid, the next step plays the next slot */
		if (steps_set_grid(&s->core, p, pos, (double)seq_param_whole(index, value)))
			steps_keep_slot(&s->core, p, s->slot);
	} else if (index == SEQ_PARAM_LENGTH) {
		s->length = seq_param_clamp(index, value);
	} else if (index >= SEQ_PARAM_GATE1 && index < SEQ_PARAM_PITCH1) {
		s->gate_on[index - SEQ_PARAM_GATE1] = seq_param_clamp(index, value) > 0.5f;
	} else if (index >= SEQ_PARAM_PITCH1 && index < SEQ_PARAM_COUNT) {
		s->pitch_v[index - SEQ_PARAM_PITCH1] = seq_param_clamp(index, value);
	}
}

/* Starts the step at frame i: its slot, and a note or a rest. */
static void seq_step(void *state, const cx_process_t *p, uint32_t i, uint32_t restart)
{
	seq_state_t *s = state;
	(void)restart; /* the core counts the slots from the reset's step */
	s->slot = steps_slot(&s->core, s->steps);
	s->step_out = (float)s->slot / (float)s->steps;
	if (!s->gate_on[s->slot])
		return;
	steps_pulse(&s->core, p, i, s->length);
	s->pitch_v_out = s->pitch_v[s->slot];
}

/* Writes frames [from, to) of `pitch` and `step`. */
static void seq_hold(void *state, const cx_process_t *p, uint32_t from, uint32_t to)
{
	const seq_state_t *s = state;
	float *pitch = p->out[SEQ_OUT_PITCH], *step = p->out[SEQ_OUT_STEP];
	const float pitch_v = s->pitch_v_out, step_v = s->step_out;
	for (uint32_t i = from; i < to; i++) {
		pitch[i] = pitch_v;
		step[i] = step_v;
	}
}

static const steps_spec_t seq_spec = {
    .param_count = SEQ_PARAM_COUNT,
    .reset_in = SEQ_IN_RESET,
    .reset_mode = STEPS_RESET_NOW,
    .gate_out = SEQ_OUT_GATE,
    .trig_out = SEQ_OUT_TRIG,
    .set = seq_set,
    .play = NULL,
    .step = seq_step,
    .hold = seq_hold,
};

static void seq_reset(void *state)
{
	seq_state_t *s = state;
	steps_clear(&s->core);
	s->slot = 0;
	s->pitch_v_out = 0.0f;
	s->step_out = 0.0f;
}

static void seq_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	seq_state_t *s = state;
	(void)frames_max;
	steps_init(&s->core, sample_rate);
	for (uint32_t i = 0; i < SEQ_PARAM_COUNT; i++)
		seq_set(s, i, params[i], NULL, 0);
	seq_reset(s);
}

static void seq_process(void *state, const cx_process_t *p)
{
	seq_state_t *s = state;
	steps_process(&s->core, &seq_spec, s, p);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "seq",
    .summary = "16-step gate and pitch sequencer on the transport's grid",
    .version = 1,
    .state_version = 3,
    .flags = 0,
    .state_size = sizeof(seq_state_t),
    .in_count = SEQ_IN_COUNT,
    .ins = seq_ins,
    .out_count = SEQ_OUT_COUNT,
    .outs = seq_outs,
    .param_count = SEQ_PARAM_COUNT,
    .params = seq_params,
    .init = seq_init,
    .process = seq_process,
    .reset = seq_reset,
    .migrate = NULL,
};
