/*
 * clock — gate and trigger pulses on a note-value grid of the engine's transport.
 *
 * `rate` is a note value, as a DAW's sync menu or a drum machine's clock divider offers it,
 * with the beat a quarter note (module.h) and 4/4 bars: quarter pulses once a beat, sixteenth
 * four times, thirtysecond eight; half, bar, bars2 and bars4 every 2, 4, 8 and 16 beats. A
 * name ending in _t is a triplet (three in the time of two: eighth_t is three a beat) and one
 * in _d dotted (half as long again: eighth_d every 3/4 beat). The names are those of lfo's
 * sync, as the engine wants them ([a-z][a-z0-9_]*, at most 16).
 *
 * The pulses lie on that grid counted from beat 0, so clocks of every rate line up at beat 0
 * and at every bar where their grids meet. Pulse k of a grid with q pulses a beat lies at beat
 * k / q and starts on the first frame whose beat is at least that (the grid helpers in dsp.h
 * derive every frame's beat from the block's beat and beats_per_frame in double: there is
 * nothing to drift).
 *
 * At each pulse `out` goes high for round(width x period) frames and `trig` for 1 ms; both end
 * at least one frame before the next pulse, so each pulse is a fresh rising edge. `width` is
 * read at each pulse (it sets a length, sampled once a pulse, so it does not ramp); a change
 * of `rate` acts at once: the next pulse is the next point of the new grid (a point exactly
 * on the change's frame included), and the pulse under way is cut before it.
 *
 * While the transport is stopped (or before play's frame in the block it starts in) both
 * outputs are low. Play pulses on its exact frame (beat 0 is on every grid). A clock created
 * while the transport runs waits for the next point of its grid.
 *
 * Outputs: 0 or 1.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

#define CLOCK_TRIG_S    0.001
#define CLOCK_PULSE_MAX (1u << 30) /* frames: bounds a pulse at absurd tempi */

enum { CLOCK_IN_COUNT };
enum { CLOCK_OUT_OUT, CLOCK_OUT_TRIG, CLOCK_OUT_COUNT };
enum { CLOCK_PARAM_RATE, CLOCK_PARAM_WIDTH, CLOCK_PARAM_COUNT };

/* The note values `rate` offers (the engine takes at most 16 names), named as lfo's sync. */
enum {
	CLOCK_RATE_BARS4,
	CLOCK_RATE_BARS2,
	CLOCK_RATE_BAR,
	CLOCK_RATE_HALF,
	CLOCK_RATE_QUARTER,
	CLOCK_RATE_EIGHTH,
	CLOCK_RATE_SIXTEENTH,
	CLOCK_RATE_THIRTYSECOND,
	CLOCK_RATE_HALF_T,
	CLOCK_RATE_QUARTER_T,
	CLOCK_RATE_EIGHTH_T,
	CLOCK_RATE_SIXTEENTH_T,
	CLOCK_RATE_HALF_D,
	CLOCK_RATE_QUARTER_D,
	CLOCK_RATE_EIGHTH_D,
	CLOCK_RATE_SIXTEENTH_D,
	CLOCK_RATE_COUNT
};

static const char *const clock_rate_names[] = {
    [CLOCK_RATE_BARS4] = "bars4",
    [CLOCK_RATE_BARS2] = "bars2",
    [CLOCK_RATE_BAR] = "bar",
    [CLOCK_RATE_HALF] = "half",
    [CLOCK_RATE_QUARTER] = "quarter",
    [CLOCK_RATE_EIGHTH] = "eighth",
    [CLOCK_RATE_SIXTEENTH] = "sixteenth",
    [CLOCK_RATE_THIRTYSECOND] = "thirtysecond",
    [CLOCK_RATE_HALF_T] = "half_t",
    [CLOCK_RATE_QUARTER_T] = "quarter_t",
    [CLOCK_RATE_EIGHTH_T] = "eighth_t",
    [CLOCK_RATE_SIXTEENTH_T] = "sixteenth_t",
    [CLOCK_RATE_HALF_D] = "half_d",
    [CLOCK_RATE_QUARTER_D] = "quarter_d",
    [CLOCK_RATE_EIGHTH_D] = "eighth_d",
    [CLOCK_RATE_SIXTEENTH_D] = "sixteenth_d",
};
_Static_assert(sizeof clock_rate_names / sizeof clock_rate_names[0] == CLOCK_RATE_COUNT,
               "one name per rate");

/* Pulses a beat (a quarter note) for each rate. */
static const double clock_per_beats[] = {
    [CLOCK_RATE_BARS4] = 1.0 / 16.0,   [CLOCK_RATE_BARS2] = 1.0 / 8.0,
    [CLOCK_RATE_BAR] = 1.0 / 4.0,      [CLOCK_RATE_HALF] = 1.0 / 2.0,
    [CLOCK_RATE_QUARTER] = 1.0,        [CLOCK_RATE_EIGHTH] = 2.0,
    [CLOCK_RATE_SIXTEENTH] = 4.0,      [CLOCK_RATE_THIRTYSECOND] = 8.0,
    [CLOCK_RATE_HALF_T] = 3.0 / 4.0,   [CLOCK_RATE_QUARTER_T] = 3.0 / 2.0,
    [CLOCK_RATE_EIGHTH_T] = 3.0,       [CLOCK_RATE_SIXTEENTH_T] = 6.0,
    [CLOCK_RATE_HALF_D] = 1.0 / 3.0,   [CLOCK_RATE_QUARTER_D] = 2.0 / 3.0,
    [CLOCK_RATE_EIGHTH_D] = 4.0 / 3.0, [CLOCK_RATE_SIXTEENTH_D] = 8.0 / 3.0,
};
_Static_assert(sizeof clock_per_beats / sizeof clock_per_beats[0] == CLOCK_RATE_COUNT,
               "one entry per rate");

static const cx_port_info_t clock_outs[] = {
    [CLOCK_OUT_OUT] = {"out", CX_PORT_GATE, 0.0f, "high for width x period from each pulse"},
    [CLOCK_OUT_TRIG] = {"trig", CX_PORT_GATE, 0.0f, "1 ms pulse at each point of the grid"},
};
_Static_assert(sizeof clock_outs / sizeof clock_outs[0] == CLOCK_OUT_COUNT, "one entry per output");

static const cx_param_info_t clock_params[] = {
    [CLOCK_PARAM_RATE] = {0, "rate", "", 0.0f, (float)(CLOCK_RATE_COUNT - 1),
                          (float)CLOCK_RATE_QUARTER, CX_PARAM_ENUM | CX_PARAM_NO_RAMP,
                          clock_rate_names,
                          "note value of a pulse (quarter: a beat); _t triplet, _d dotted"},
    [CLOCK_PARAM_WIDTH] = {1, "width", "", 0.05f, 0.95f, 0.5f, CX_PARAM_NO_RAMP, NULL,
                           "pulse width as a fraction of the period"},
};
_Static_assert(sizeof clock_params / sizeof clock_params[0] == CLOCK_PARAM_COUNT,
               "one entry per parameter");

typedef struct clock_state {
	uint32_t trig_frames; /* 1 ms */
	uint32_t rate;        /* CLOCK_RATE_* */
	float width;
	uint32_t running;  /* the last frame rendered ran (playing, past play's frame) */
	double last_beat;  /* its beat */
	int64_t point;     /* the grid point it had reached, counted from beat 0 */
	uint32_t out_left; /* frames `out` stays high, from the next frame written */
	uint32_t trig_left;
} clock_state_t;

static double clock_per_beat(const clock_state_t *s)
{
	return clock_per_beats[s->rate];
}

/* Sets a parameter; p is the block and pos the frame, for a rate change while running. */
static void clock_set(clock_state_t *s, uint32_t index, float value, const cx_process_t *p,
                      uint32_t pos)
{
	const cx_param_info_t *info = &clock_params[index];
	value = cx_clampf(value, info->min, info->max);
	if (index == CLOCK_PARAM_RATE) {
		uint32_t rate = (uint32_t)lroundf(value);
		if (p != NULL && s->running && rate != s->rate) {
			/* Renumber on the new grid; a point exactly at pos still pulses at pos. The
			 * render cuts the pulse under way before the new grid's next point. */
			s->point = cx_grid_point(p, clock_per_beats[rate], (int64_t)pos - 1);
		}
		s->rate = rate;
	} else if (index == CLOCK_PARAM_WIDTH) {
		s->width = value;
	}
}

static void clock_reset(void *state)
{
	clock_state_t *s = state;
	s->running = 0;
	s->last_beat = 0.0;
	s->point = 0;
	s->out_left = 0;
	s->trig_left = 0;
}

static void clock_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	clock_state_t *s = state;
	(void)frames_max;
	double trig = round(CLOCK_TRIG_S * (double)sample_rate);
	s->trig_frames = trig >= 1.0 ? (uint32_t)trig : 1u;
	for (uint32_t i = 0; i < CLOCK_PARAM_COUNT; i++)
		clock_set(s, i, params[i], NULL, 0);
	clock_reset(s);
}

/* Writes a pulse's frames [from, to): 1 for the first `high`, then 0. */
static void clock_fill(float *x, uint32_t from, uint32_t high, uint32_t to)
{
	uint32_t i = from;
	for (; i < from + high; i++)
		x[i] = 1.0f;
	for (; i < to; i++)
		x[i] = 0.0f;
}

/* Writes frames [from, to) from the pulses under way. */
static void clock_write(clock_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to)
{
	float *out = p->out[CLOCK_OUT_OUT], *trig = p->out[CLOCK_OUT_TRIG];
	uint32_t n = to - from;
	uint32_t out_n = s->out_left < n ? s->out_left : n;
	uint32_t trig_n = s->trig_left < n ? s->trig_left : n;
	clock_fill(out, from, out_n, to);
	clock_fill(trig, from, trig_n, to);
	s->out_left -= out_n;
	s->trig_left -= trig_n;
}

/* Returns the frames from `at` to one before the grid's next point after s->point, at most
 * cap: the longest a pulse from `at` may last. */
static uint32_t clock_room(const clock_state_t *s, const cx_process_t *p, uint32_t at, uint32_t cap)
{
	uint32_t next = cx_grid_next(p, clock_per_beat(s), s->point, at + 1, at + cap + 1);
	return next - at - 1;
}

/* Starts a pulse at frame i. */
static void clock_pulse(clock_state_t *s, const cx_process_t *p, uint32_t i)
{
	double period_frames = 1.0 / (clock_per_beat(s) * p->beats_per_frame);
	double width = floor((double)s->width * period_frames + 0.5);
	uint32_t out_frames = width < (double)CLOCK_PULSE_MAX ? (uint32_t)width : CLOCK_PULSE_MAX;
	uint32_t longest = out_frames > s->trig_frames ? out_frames : s->trig_frames;
	uint32_t room = clock_room(s, p, i, longest);
	out_frames = out_frames < room ? out_frames : room;
	uint32_t trig_frames = s->trig_frames < room ? s->trig_frames : room;
	s->out_left = out_frames > 1 ? out_frames : 1;
	s->trig_left = trig_frames > 1 ? trig_frames : 1;
}

/* Frames [from, to) with the transport running. */
static void clock_running(clock_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to)
{
	const double per_beat = clock_per_beat(s);
	double beat = p->beat + (double)from * p->beats_per_frame;
	if (!s->running || beat < s->last_beat) {
		/* Play (again), or joining a running transport: a point exactly at `from` pulses
		 * there, else the next one does. */
		s->point = cx_grid_point(p, per_beat, (int64_t)from - 1);
		s->out_left = 0;
		s->trig_left = 0;
		s->running = 1;
	} else if (s->out_left > 0 || s->trig_left > 0) {
		/* The tempo may have risen since the pulses began: keep the low frame before the
		 * next point. (A point exactly at `from` pulses below and sets them anew.) */
		uint32_t longest = s->out_left > s->trig_left ? s->out_left : s->trig_left;
		uint32_t room = clock_room(s, p, from, longest);
		s->out_left = s->out_left < room ? s->out_left : room;
		s->trig_left = s->trig_left < room ? s->trig_left : room;
	}
	for (uint32_t i = from; i < to;) {
		int64_t point = cx_grid_point(p, per_beat, i);
		if (point > s->point) {
			s->point = point;
			clock_pulse(s, p, i);
		}
		uint32_t next = cx_grid_next(p, per_beat, s->point, i + 1, to);
		clock_write(s, p, i, next);
		i = next;
	}
	s->last_beat = p->beat + (double)(to - 1) * p->beats_per_frame;
}

static void clock_render(clock_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to,
                         uint32_t start)
{
	if (from < start) { /* stopped, or before play's frame */
		uint32_t stop = to < start ? to : start;
		s->running = 0;
		s->out_left = 0;
		s->trig_left = 0;
		clock_write(s, p, from, stop);
		from = stop;
	}
	if (from < to)
		clock_running(s, p, from, to);
}

static void clock_process(void *state, const cx_process_t *p)
{
	clock_state_t *s = state;
	uint32_t start = cx_transport_start(p);
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			if (e->kind == CX_EVENT_PARAM && e->index < CLOCK_PARAM_COUNT)
				clock_set(s, e->index, e->value, pos >= start ? p : NULL, pos);
		uint32_t end = cx_event_next_frame(&ev);
		clock_render(s, p, pos, end, start);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		if (e->kind == CX_EVENT_PARAM && e->index < CLOCK_PARAM_COUNT)
			clock_set(s, e->index, e->value, NULL, 0);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "clock",
    .summary = "gate and trigger pulses on a note-value grid of the transport",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(clock_state_t),
    .in_count = CLOCK_IN_COUNT,
    .ins = NULL,
    .out_count = CLOCK_OUT_COUNT,
    .outs = clock_outs,
    .param_count = CLOCK_PARAM_COUNT,
    .params = clock_params,
    .init = clock_init,
    .process = clock_process,
    .reset = clock_reset,
    .migrate = NULL,
};
