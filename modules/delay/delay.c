/*
 * delay — a feedback delay, mono or ping-pong, free or synced to the transport's tempo.
 *
 * The delay is a whole number of frames, D = round(time x sample rate), so a `time` of N / rate
 * delays by exactly N frames (at least 1 frame: a time of 0 is one frame); with `sync` on, D
 * is the note value at the transport's tempo, rounded to the frame (at most half a frame, 10
 * microseconds, off the grid: inaudible, and it keeps the repeats free of interpolation). The
 * note values are named as clock's and lfo's (bar, half, quarter, eighth, sixteenth, with _t
 * for triplets and _d for dotted), the beat a quarter note. The tempo is read from the
 * transport every block, playing or not (120 BPM when the host gives none); a tempo change
 * glides the delay to its new length.
 *
 * When D changes, the read position glides linearly to it over DELAY_GLIDE_S and lands on it
 * exactly; while it moves it falls between frames, and the line is read by 4-point cubic
 * Hermite (Catmull-Rom) interpolation (linear below 2 frames), so the output bends in pitch
 * like a tape delay's instead of clicking. On whole frames the interpolation returns the
 * stored sample itself.
 *
 * The loop: the line is written with in + feedback x lowpass(delayed). The lowpass is a
 * one-pole whose coefficient is a^damping, a the coefficient of a 500 Hz one-pole at the
 * sample rate: `damping` 0 leaves the repeats untouched, 1 darkens each pass to 500 Hz. So
 * that no input can run the loop away, what is written passes a soft knee (linear to ±2,
 * then bending towards ±4, as tape saturates); below it the loop is linear and each repeat is
 * exactly `feedback` times the last. Samples whose size falls under 1e-15 (-300 dB) are
 * written as 0, so the tail ends in true silence instead of denormals.
 *
 * `mode` mono: one line, `out` = `left` = `right`. pingpong: two lines, the input feeds the
 * left one, whose output feeds the right one, whose output feeds back to the left: the
 * repeats alternate left, right, left... and `out` is their mean. `mix` blends dry and wet.
 *
 * The lines hold DELAY_LINE_FRAMES each (4 s at 96 kHz and more), inside the state.
 *
 * Bounds: the lines stay within ±4, the interpolation within 1.25 times that, and the outputs
 * are clamped to ±10 (the dry signal is clamped to ±10 on the way in).
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { DELAY_IN_IN, DELAY_IN_COUNT };
enum { DELAY_OUT_OUT, DELAY_OUT_LEFT, DELAY_OUT_RIGHT, DELAY_OUT_COUNT };
enum {
	DELAY_PARAM_TIME_S,
	DELAY_PARAM_SYNC,
	DELAY_PARAM_FEEDBACK,
	DELAY_PARAM_DAMPING,
	DELAY_PARAM_MODE,
	DELAY_PARAM_MIX,
	DELAY_PARAM_COUNT
};
enum { DELAY_MONO, DELAY_PINGPONG, DELAY_MODE_COUNT };
enum {
	DELAY_SYNC_OFF,
	DELAY_SYNC_BAR,
	DELAY_SYNC_HALF,
	DELAY_SYNC_QUARTER,
	DELAY_SYNC_EIGHTH,
	DELAY_SYNC_SIXTEENTH,
	DELAY_SYNC_HALF_T,
	DELAY_SYNC_QUARTER_T,
	DELAY_SYNC_EIGHTH_T,
	DELAY_SYNC_SIXTEENTH_T,
	DELAY_SYNC_HALF_D,
	DELAY_SYNC_QUARTER_D,
	DELAY_SYNC_EIGHTH_D,
	DELAY_SYNC_SIXTEENTH_D,
	DELAY_SYNC_COUNT
};

static const cx_port_info_t delay_ins[] = {
    [DELAY_IN_IN] = {"in", CX_PORT_AUDIO, 0.0f, "signal to delay"},
};
_Static_assert(sizeof delay_ins / sizeof delay_ins[0] == DELAY_IN_COUNT, "one entry per input");

static const cx_port_info_t delay_outs[] = {
    [DELAY_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "dry and wet, mono"},
    [DELAY_OUT_LEFT] = {"left", CX_PORT_AUDIO, 0.0f, "dry and the left repeats"},
    [DELAY_OUT_RIGHT] = {"right", CX_PORT_AUDIO, 0.0f, "dry and the right repeats"},
};
_Static_assert(sizeof delay_outs / sizeof delay_outs[0] == DELAY_OUT_COUNT, "one entry per output");

static const char *const delay_mode_names[] = {
    [DELAY_MONO] = "mono",
    [DELAY_PINGPONG] = "pingpong",
};
_Static_assert(sizeof delay_mode_names / sizeof delay_mode_names[0] == DELAY_MODE_COUNT,
               "one name per mode");

static const char *const delay_sync_names[] = {
    [DELAY_SYNC_OFF] = "off",           [DELAY_SYNC_BAR] = "bar",
    [DELAY_SYNC_HALF] = "half",         [DELAY_SYNC_QUARTER] = "quarter",
    [DELAY_SYNC_EIGHTH] = "eighth",     [DELAY_SYNC_SIXTEENTH] = "sixteenth",
    [DELAY_SYNC_HALF_T] = "half_t",     [DELAY_SYNC_QUARTER_T] = "quarter_t",
    [DELAY_SYNC_EIGHTH_T] = "eighth_t", [DELAY_SYNC_SIXTEENTH_T] = "sixteenth_t",
    [DELAY_SYNC_HALF_D] = "half_d",     [DELAY_SYNC_QUARTER_D] = "quarter_d",
    [DELAY_SYNC_EIGHTH_D] = "eighth_d", [DELAY_SYNC_SIXTEENTH_D] = "sixteenth_d",
};
_Static_assert(sizeof delay_sync_names / sizeof delay_sync_names[0] == DELAY_SYNC_COUNT,
               "one name per division");

/* Beats (quarter notes) in each note value; 0 for off. */
static const double delay_sync_beats[] = {
    [DELAY_SYNC_OFF] = 0.0,
    [DELAY_SYNC_BAR] = 4.0,
    [DELAY_SYNC_HALF] = 2.0,
    [DELAY_SYNC_QUARTER] = 1.0,
    [DELAY_SYNC_EIGHTH] = 0.5,
    [DELAY_SYNC_SIXTEENTH] = 0.25,
    [DELAY_SYNC_HALF_T] = 4.0 / 3.0,
    [DELAY_SYNC_QUARTER_T] = 2.0 / 3.0,
    [DELAY_SYNC_EIGHTH_T] = 1.0 / 3.0,
    [DELAY_SYNC_SIXTEENTH_T] = 1.0 / 6.0,
    [DELAY_SYNC_HALF_D] = 3.0,
    [DELAY_SYNC_QUARTER_D] = 1.5,
    [DELAY_SYNC_EIGHTH_D] = 0.75,
    [DELAY_SYNC_SIXTEENTH_D] = 0.375,
};
_Static_assert(sizeof delay_sync_beats / sizeof delay_sync_beats[0] == DELAY_SYNC_COUNT,
               "one entry per division");

static const cx_param_info_t delay_params[] = {
    [DELAY_PARAM_TIME_S] = {0, "time", "s", 0.0f, 4.0f, 0.5f, 0, NULL,
                            "delay while sync is off (whole frames, at least one)"},
    [DELAY_PARAM_SYNC] = {1, "sync", "", 0.0f, (float)(DELAY_SYNC_COUNT - 1), (float)DELAY_SYNC_OFF,
                          CX_PARAM_ENUM | CX_PARAM_NO_RAMP, delay_sync_names,
                          "off, or the delay as a note value at the tempo; _t triplet, _d dotted"},
    [DELAY_PARAM_FEEDBACK] = {2, "feedback", "", 0.0f, 0.99f, 0.4f, 0, NULL,
                              "each repeat's level relative to the last"},
    [DELAY_PARAM_DAMPING] = {3, "damping", "", 0.0f, 1.0f, 0.2f, 0, NULL,
                             "lowpass in the loop: 0 none, 1 down to 500 Hz each pass"},
    [DELAY_PARAM_MODE] = {4, "mode", "", 0.0f, (float)(DELAY_MODE_COUNT - 1), (float)DELAY_MONO,
                          CX_PARAM_ENUM | CX_PARAM_NO_RAMP, delay_mode_names,
                          "mono, or pingpong: repeats alternate left and right"},
    [DELAY_PARAM_MIX] = {5, "mix", "", 0.0f, 1.0f, 0.5f, 0, NULL, "0: dry, 1: wet"},
};
_Static_assert(sizeof delay_params / sizeof delay_params[0] == DELAY_PARAM_COUNT,
               "one entry per parameter");

#define DELAY_LINE_FRAMES 524288u /* a power of two >= 4 s at 96 kHz + 4 */
#define DELAY_GLIDE_S     0.1f
#define DELAY_DAMP_HZ     500.0f
#define DELAY_TEMPO_BPM   120.0 /* when the host gives no usable tempo */
#define DELAY_KNEE        2.0f
#define DELAY_LINE_MAX    4.0f
#define DELAY_OUT_MAX     10.0f
#define DELAY_TINY        1e-15f

typedef struct delay_state {
	float sample_rate;
	uint32_t ramp_frames;
	uint32_t glide_frames;
	uint32_t sync;
	uint32_t mode;
	float time_s;
	float damp_log2;  /* log2 of the one-pole coefficient at damping 1 */
	double tempo_bpm; /* the tempo the target was worked out for */
	uint32_t target;  /* the delay D, frames */
	cx_ramp_t delay;  /* the read position, frames, gliding to target */
	cx_ramp_t feedback;
	cx_ramp_t damping;
	cx_ramp_t mix;
	float lowpass[2]; /* the loop filters' states, left and right line */
	uint32_t write;   /* the next frame written, in both lines */
	float line[2][DELAY_LINE_FRAMES];
} delay_state_t;

static float delay_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, delay_params[index].min, delay_params[index].max);
}

/* The longest delay the lines allow, frames (4 s, or less above 96 kHz). */
static uint32_t delay_max_frames(const delay_state_t *s)
{
	double frames = floor(4.0 * (double)s->sample_rate);
	double cap = (double)(DELAY_LINE_FRAMES - 4u);
	return (uint32_t)(frames < cap ? frames : cap);
}

/* The delay D the settings ask for, in whole frames. */
static uint32_t delay_wanted(const delay_state_t *s)
{
	double seconds = s->time_s;
	if (s->sync != DELAY_SYNC_OFF)
		seconds = delay_sync_beats[s->sync] * 60.0 / s->tempo_bpm;
	double frames = round(seconds * (double)s->sample_rate);
	double max = (double)delay_max_frames(s);
	return (uint32_t)(frames < 1.0 ? 1.0 : frames > max ? max : frames);
}

/* Points the delay at what the settings ask for: a glide when it changes. */
static void delay_retarget(delay_state_t *s, int glide)
{
	uint32_t target = delay_wanted(s);
	if (!glide) {
		s->target = target;
		cx_ramp_snap(&s->delay, (float)target);
	} else if (target != s->target) {
		s->target = target;
		cx_ramp_to(&s->delay, (float)target, s->glide_frames);
	}
}

static void delay_reset(void *state)
{
	delay_state_t *s = state;
	memset(s->line, 0, sizeof s->line);
	s->lowpass[0] = s->lowpass[1] = 0.0f;
	s->write = 0;
	s->tempo_bpm = DELAY_TEMPO_BPM;
	delay_retarget(s, 0);
}

static void delay_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	delay_state_t *s = state;
	(void)frames_max;
	s->sample_rate = sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	float glide = roundf(DELAY_GLIDE_S * sample_rate);
	s->glide_frames = glide >= 1.0f ? (uint32_t)glide : 1u;
	s->damp_log2 = log2f(1.0f - expf(-2.0f * 3.14159265f * DELAY_DAMP_HZ / sample_rate));
	s->time_s = delay_param_clamp(DELAY_PARAM_TIME_S, params[DELAY_PARAM_TIME_S]);
	s->sync = (uint32_t)delay_param_clamp(DELAY_PARAM_SYNC, params[DELAY_PARAM_SYNC]);
	s->mode = (uint32_t)delay_param_clamp(DELAY_PARAM_MODE, params[DELAY_PARAM_MODE]);
	cx_ramp_snap(&s->feedback,
	             delay_param_clamp(DELAY_PARAM_FEEDBACK, params[DELAY_PARAM_FEEDBACK]));
	cx_ramp_snap(&s->damping,
	             delay_param_clamp(DELAY_PARAM_DAMPING, params[DELAY_PARAM_DAMPING]));
	cx_ramp_snap(&s->mix, delay_param_clamp(DELAY_PARAM_MIX, params[DELAY_PARAM_MIX]));
	delay_reset(s);
}

static void delay_apply(delay_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= DELAY_PARAM_COUNT)
		return;
	float v = delay_param_clamp(e->index, e->value);
	switch (e->index) {
	case DELAY_PARAM_TIME_S:
		s->time_s = v;
		delay_retarget(s, 1);
		break;
	case DELAY_PARAM_SYNC:
		s->sync = (uint32_t)v;
		delay_retarget(s, 1);
		break;
	case DELAY_PARAM_FEEDBACK:
		cx_ramp_to(&s->feedback, v, s->ramp_frames);
		break;
	case DELAY_PARAM_DAMPING:
		cx_ramp_to(&s->damping, v, s->ramp_frames);
		break;
	case DELAY_PARAM_MODE:
		if ((uint32_t)v == DELAY_PINGPONG && s->mode != DELAY_PINGPONG) {
			memset(s->line[1], 0, sizeof s->line[1]); /* stale since it last ran */
			s->lowpass[1] = 0.0f;
		}
		s->mode = (uint32_t)v;
		break;
	case DELAY_PARAM_MIX:
		cx_ramp_to(&s->mix, v, s->ramp_frames);
		break;
	}
}

/* Reads line at `delay` frames before the frame `write` is about to take (delay >= 1). */
static inline float delay_read(const float *line, uint32_t write, float delay)
{
	const uint32_t mask = DELAY_LINE_FRAMES - 1u;
	float whole = floorf(delay);
	float t = delay - whole;
	uint32_t at = write - (uint32_t)whole; /* the sample `whole` frames back */
	float y0 = line[at & mask], ym1 = line[(at - 1u) & mask];
	if (t == 0.0f)
		return y0;
	if (whole < 2.0f) /* the newer neighbour is not written yet: linear */
		return y0 + t * (ym1 - y0);
	/* Catmull-Rom through y1 (newer), y0, ym1, ym2 (older), t from y0 towards ym1. */
	float y1 = line[(at + 1u) & mask], ym2 = line[(at - 2u) & mask];
	float c1 = 0.5f * (ym1 - y1);
	float c2 = y1 - 2.5f * y0 + 2.0f * ym1 - 0.5f * ym2;
	float c3 = 0.5f * (ym2 - y1) + 1.5f * (y0 - ym1);
	return ((c3 * t + c2) * t + c1) * t + y0;
}

/* What the loop writes: linear to ±DELAY_KNEE, then bending towards ±DELAY_LINE_MAX; tiny
 * values become 0. */
static inline float delay_limit(float x)
{
	float over = fabsf(x) - DELAY_KNEE;
	if (over > 0.0f) {
		over = over / (1.0f + over * (1.0f / (DELAY_LINE_MAX - DELAY_KNEE)));
		x = copysignf(DELAY_KNEE + over, x);
	}
	return fabsf(x) > DELAY_TINY ? x : 0.0f;
}

static void delay_render(delay_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	const float *in = p->in[DELAY_IN_IN];
	float *out = p->out[DELAY_OUT_OUT], *left = p->out[DELAY_OUT_LEFT];
	float *right = p->out[DELAY_OUT_RIGHT];
	const uint32_t mask = DELAY_LINE_FRAMES - 1u;
	int pingpong = s->mode == DELAY_PINGPONG;
	for (uint32_t i = begin; i < end; i++) {
		float x = cx_sanitizef(in[i], CX_INPUT_LIMIT);
		float d = cx_ramp_next(&s->delay), fb = cx_ramp_next(&s->feedback);
		float a = cx_exp2f(cx_ramp_next(&s->damping) * s->damp_log2);
		float mix = cx_ramp_next(&s->mix);
		uint32_t w = s->write;
		float wet_l = delay_read(s->line[0], w, d);
		s->lowpass[0] += a * (wet_l - s->lowpass[0]);
		float wet_r = wet_l;
		if (pingpong) {
			wet_r = delay_read(s->line[1], w, d);
			s->lowpass[1] += a * (wet_r - s->lowpass[1]);
			s->line[0][w & mask] = delay_limit(x + fb * s->lowpass[1]);
			s->line[1][w & mask] = delay_limit(fb * s->lowpass[0]);
		} else {
			s->line[0][w & mask] = delay_limit(x + fb * s->lowpass[0]);
		}
		s->write = w + 1u;
		float dry = (1.0f - mix) * x;
		left[i] = cx_clampf(dry + mix * wet_l, -DELAY_OUT_MAX, DELAY_OUT_MAX);
		right[i] = cx_clampf(dry + mix * wet_r, -DELAY_OUT_MAX, DELAY_OUT_MAX);
		out[i] =
		    cx_clampf(dry + mix * 0.5f * (wet_l + wet_r), -DELAY_OUT_MAX, DELAY_OUT_MAX);
	}
}

/* The transport's tempo, or DELAY_TEMPO_BPM when it gives none usable. */
static double delay_tempo(const cx_process_t *p)
{
	double bpm = p->tempo_bpm;
	return bpm == bpm && bpm >= 1.0 && bpm <= 10000.0 ? bpm : DELAY_TEMPO_BPM;
}

static void delay_process(void *state, const cx_process_t *p)
{
	delay_state_t *s = state;
	double bpm = delay_tempo(p);
	if (bpm != s->tempo_bpm) {
		s->tempo_bpm = bpm;
		if (s->sync != DELAY_SYNC_OFF)
			delay_retarget(s, 1);
	}
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			delay_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		delay_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		delay_apply(s, e);
	s->lowpass[0] = cx_flush_tinyf(s->lowpass[0]);
	s->lowpass[1] = cx_flush_tinyf(s->lowpass[1]);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "delay",
    .summary = "feedback delay, mono or ping-pong, free or tempo-synced",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(delay_state_t),
    .in_count = DELAY_IN_COUNT,
    .ins = delay_ins,
    .out_count = DELAY_OUT_COUNT,
    .outs = delay_outs,
    .param_count = DELAY_PARAM_COUNT,
    .params = delay_params,
    .init = delay_init,
    .process = delay_process,
    .reset = delay_reset,
    .migrate = NULL,
};
