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
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

#define SEQ_SLOTS  16u
#define SEQ_TRIG_S 0.001
#define SEQ_PULSE_MAX                                                                              \
	(1u << 30) /* frames: bounds a gate at absurd tempi, far past any real one                 \
	            */

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
	uint32_t trig_frames; /* 1 ms */
	/* parameters */
	uint32_t steps;
	uint32_t div;
	float length;
	uint32_t gate_on[SEQ_SLOTS];
	float pitch_v[SEQ_SLOTS];
	/* where the transport was at the last frame rendered */
	uint32_t running;       /* that frame ran (playing, past play's frame) */
	double last_beat;       /* its beat */
	int64_t point;          /* the grid step it had reached, counted from beat 0 */
	int64_t offset;         /* the grid step that played slot 1 after play or the last reset */
	uint32_t reset_high;    /* the reset input was high */
	uint32_t reset_pending; /* a reset came while stopped: the next step plays slot 1 */
	/* outputs */
	uint32_t slot;      /* 0-based slot of the step under way */
	uint32_t gate_left; /* frames `gate` stays high, from the next frame written */
	uint32_t trig_left;
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
static void seq_set(seq_state_t *s, uint32_t index, float value, const cx_process_t *p,
                    uint32_t pos)
{
	if (index == SEQ_PARAM_STEPS) {
		s->steps = seq_param_whole(index, value);
		if (p != NULL && s->running) /* the next step plays the next slot, or slot 1 */
			s->offset =
			    s->point - (int64_t)(s->slot < s->steps ? s->slot : s->steps - 1);
	} else if (index == SEQ_PARAM_DIV) {
		uint32_t div = seq_param_whole(index, value);
		if (p != NULL && s->running && div != s->div) {
			/* Renumber on the new grid so that the next step plays the next slot. A
			 * step of the new grid exactly at pos still starts at pos. */
			s->point = cx_grid_point(p, (double)div, (int64_t)pos - 1);
			s->offset = s->point - (int64_t)s->slot;
		}
		s->div = div;
	} else if (index == SEQ_PARAM_LENGTH) {
		s->length = seq_param_clamp(index, value);
	} else if (index >= SEQ_PARAM_GATE1 && index < SEQ_PARAM_PITCH1) {
		s->gate_on[index - SEQ_PARAM_GATE1] = seq_param_clamp(index, value) > 0.5f;
	} else if (index >= SEQ_PARAM_PITCH1 && index < SEQ_PARAM_COUNT) {
		s->pitch_v[index - SEQ_PARAM_PITCH1] = seq_param_clamp(index, value);
	}
}

static void seq_reset(void *state)
{
	seq_state_t *s = state;
	s->running = 0;
	s->last_beat = 0.0;
	s->point = 0;
	s->offset = 0;
	s->reset_high = 0;
	s->reset_pending = 0;
	s->slot = 0;
	s->gate_left = 0;
	s->trig_left = 0;
	s->pitch_v_out = 0.0f;
	s->step_out = 0.0f;
}

static void seq_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	seq_state_t *s = state;
	(void)frames_max;
	double trig = round(SEQ_TRIG_S * (double)sample_rate);
	s->trig_frames = trig >= 1.0 ? (uint32_t)trig : 1u;
	for (uint32_t i = 0; i < SEQ_PARAM_COUNT; i++)
		seq_set(s, i, params[i], NULL, 0);
	seq_reset(s);
}

/* Returns the first frame in [from, to) where `reset` rises, or to; tracks it up to there. */
static uint32_t seq_next_reset(seq_state_t *s, const float *reset, uint32_t from, uint32_t to)
{
	if (from < to && cx_is_constant(reset + from, to - from)) {
		uint32_t high = reset[from] > 0.5f;
		if (high && !s->reset_high)
			return from;
		s->reset_high = high;
		return to;
	}
	for (uint32_t i = from; i < to; i++) {
		uint32_t high = reset[i] > 0.5f;
		if (high && !s->reset_high)
			return i;
		s->reset_high = high;
	}
	return to;
}

/* Writes a pulse's frames [from, to): 1 for the first `high`, then 0. */
static void seq_fill(float *x, uint32_t from, uint32_t high, uint32_t to)
{
	uint32_t i = from;
	for (; i < from + high; i++)
		x[i] = 1.0f;
	for (; i < to; i++)
		x[i] = 0.0f;
}

/* Writes frames [from, to) of the outputs from the pulses under way and the held values. */
static void seq_write(seq_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to)
{
	float *gate = p->out[SEQ_OUT_GATE], *trig = p->out[SEQ_OUT_TRIG];
	float *pitch = p->out[SEQ_OUT_PITCH], *step = p->out[SEQ_OUT_STEP];
	uint32_t n = to - from;
	uint32_t gate_n = s->gate_left < n ? s->gate_left : n;
	uint32_t trig_n = s->trig_left < n ? s->trig_left : n;
	const float pitch_v = s->pitch_v_out, step_v = s->step_out;
	seq_fill(gate, from, gate_n, to);
	seq_fill(trig, from, trig_n, to);
	for (uint32_t i = from; i < to; i++) {
		pitch[i] = pitch_v;
		step[i] = step_v;
	}
	s->gate_left -= gate_n;
	s->trig_left -= trig_n;
}

/* Frames [from, to) with the transport stopped: pulses low, levels held, resets remembered. */
static void seq_stopped(seq_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to)
{
	s->running = 0;
	s->gate_left = 0;
	s->trig_left = 0;
	seq_write(s, p, from, to);
	const float *reset = p->in[SEQ_IN_RESET];
	for (uint32_t i = from; i < to;) {
		i = seq_next_reset(s, reset, i, to);
		if (i < to) {
			s->reset_pending = 1;
			s->reset_high = 1;
			i++;
		}
	}
}

/* Returns the frames from `at` to one before the next grid step after `point`, at most cap. */
static uint32_t seq_room(const seq_state_t *s, const cx_process_t *p, uint32_t at, uint32_t cap)
{
	uint32_t next = cx_grid_next(p, (double)s->div, s->point, at + 1, at + cap + 1);
	return next - at - 1;
}

/* Starts a step at frame i (which the grid step s->point is under way at). */
static void seq_start_step(seq_state_t *s, const cx_process_t *p, uint32_t i)
{
	int64_t k = (s->point - s->offset) % (int64_t)s->steps;
	s->slot = (uint32_t)(k < 0 ? k + (int64_t)s->steps : k);
	s->step_out = (float)s->slot / (float)s->steps;
	s->gate_left = 0;
	s->trig_left = 0;
	if (!s->gate_on[s->slot])
		return;
	double step_frames = 1.0 / ((double)s->div * p->beats_per_frame);
	double gate = floor((double)s->length * step_frames + 0.5);
	uint32_t gate_frames = gate < (double)SEQ_PULSE_MAX ? (uint32_t)gate : SEQ_PULSE_MAX;
	uint32_t longest = gate_frames > s->trig_frames ? gate_frames : s->trig_frames;
	uint32_t room = seq_room(s, p, i, longest);
	gate_frames = gate_frames < room ? gate_frames : room;
	s->gate_left = gate_frames > 1 ? gate_frames : 1;
	s->trig_left = s->trig_frames < room ? s->trig_frames : room;
	s->trig_left = s->trig_left > 1 ? s->trig_left : 1;
	s->pitch_v_out = s->pitch_v[s->slot];
}

/* Frames [from, to) with the transport running. */
static void seq_running(seq_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to)
{
	const double div = (double)s->div;
	double beat = p->beat + (double)from * p->beats_per_frame;
	if (!s->running || beat < s->last_beat) {
		/* Play (again), or joining a running transport: a grid step exactly at `from`
		 * starts there, else the next one does. */
		s->point = cx_grid_point(p, div, (int64_t)from - 1);
		s->offset = 0;
		s->gate_left = 0;
		s->trig_left = 0;
		s->running = 1;
	} else if (s->gate_left > 0 || s->trig_left > 0) {
		/* The tempo may have risen since the pulses began: keep the low frame before the
		 * next step. (A step exactly at `from` starts below and sets them anew.) */
		uint32_t longest = s->gate_left > s->trig_left ? s->gate_left : s->trig_left;
		uint32_t room = seq_room(s, p, from, longest);
		s->gate_left = s->gate_left < room ? s->gate_left : room;
		s->trig_left = s->trig_left < room ? s->trig_left : room;
	}
	const float *reset = p->in[SEQ_IN_RESET];
	for (uint32_t i = from; i < to;) {
		int64_t point = cx_grid_point(p, div, i);
		uint32_t reset_rise = reset[i] > 0.5f && !s->reset_high;
		s->reset_high = reset[i] > 0.5f;
		if (point > s->point || reset_rise) {
			s->point = point > s->point ? point : s->point;
			if (reset_rise || s->reset_pending) {
				s->offset = s->point;
				s->reset_pending = 0;
			}
			seq_start_step(s, p, i);
		}
		uint32_t next = cx_grid_next(p, div, s->point, i + 1, to);
		next = seq_next_reset(s, reset, i + 1, next);
		seq_write(s, p, i, next);
		i = next;
	}
	s->last_beat = p->beat + (double)(to - 1) * p->beats_per_frame;
}

static void seq_render(seq_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to,
                       uint32_t start)
{
	if (from < start) {
		uint32_t stop = to < start ? to : start;
		seq_stopped(s, p, from, stop);
		from = stop;
	}
	if (from < to)
		seq_running(s, p, from, to);
}

static void seq_process(void *state, const cx_process_t *p)
{
	seq_state_t *s = state;
	uint32_t start = cx_transport_start(p);
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			if (e->kind == CX_EVENT_PARAM && e->index < SEQ_PARAM_COUNT)
				seq_set(s, e->index, e->value, pos >= start ? p : NULL, pos);
		uint32_t end = cx_event_next_frame(&ev);
		seq_render(s, p, pos, end, start);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		if (e->kind == CX_EVENT_PARAM && e->index < SEQ_PARAM_COUNT)
			seq_set(s, e->index, e->value, NULL, 0);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "seq",
    .summary = "16-step gate and pitch sequencer on the transport's grid",
    .version = 1,
    .state_version = 1,
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
