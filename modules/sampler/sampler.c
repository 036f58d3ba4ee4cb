/*
 * sampler — plays a sound file the engine loaded for it (`sample INST FILE.wav`), from a
 * trigger, at a pitch, forwards or backwards, once or looping.
 *
 * The sample. load() (ABI 1.2) copies the file's frames into the state, which holds
 * SAMPLER_VALUES_MAX floats (7.7 MB): 20 s of stereo or 40 s of mono at 48 kHz (at 96 kHz,
 * 10 s of stereo). A longer file keeps its first 20 s (of stereo); a file of more than two
 * channels keeps its first two. Values are read as specs/signals.md reads inputs (NaN as 0,
 * clamped to ±10). The sample stays through reset() and through a new trigger; a new load
 * replaces it and stops playback.
 *
 * Playback. A rising `trig` (high above 0.5; the first input) starts the sample on that very
 * frame: the output at that frame is the region's first sample. The region runs from
 * min(start, end) to max(start, end) of the sample's length; forwards, the position moves
 * from the region's start up to its end, backwards (`reverse` 1) from its last frame down to
 * its start; at the end it stops, or with `loop` 1 wraps round to play the region again. The
 * position advances each frame by
 *
 *	(file_rate / sample_rate) 2^(pitch / 12 + pitch CV)
 *
 * frames of the file, so a file plays at its own speed whatever the engine's rate, `pitch`
 * transposes in semitones and the `pitch` input adds volts at 1 V/oct. Between frames the
 * sample is read by 4-point cubic Hermite (Catmull-Rom) interpolation, in the x-form of
 * O. Niemitalo, "Polynomial Interpolators for High-Quality Resampling of Oversampled Audio"
 * (2001): exact at whole positions, continuous in slope; the sample's ends repeat their edge
 * values. There is no band-limiting: pitched far up, a bright sample aliases, as a classic
 * sampler's does.
 *
 * A trigger while a note plays starts the new note at once and fades the old one out over
 * SAMPLER_FADE_S (2 ms) beside it, so a retrigger does not click. `start`, `end`, `loop` and
 * `reverse` are read every frame (moving the region moves a playing note's bounds); they step,
 * as positions and switches. `pitch` and `level` ramp over CX_RAMP_S.
 *
 * Outputs: left and right are the sample's two channels (a mono sample's one channel on
 * both), out their average (mono); each is level times the sample, limited to ±10. With no
 * sample loaded, or no note playing, all three are 0.
 *
 * Follows the RT rules in module.h; load() is [worker] and copies at most the state's size.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

#define SAMPLER_SECONDS    20u
#define SAMPLER_RATE_HZ    48000u
#define SAMPLER_VALUES_MAX (SAMPLER_SECONDS * SAMPLER_RATE_HZ * 2u) /* 20 s of stereo */
#define SAMPLER_FADE_S     0.002
#define SAMPLER_OUT_LIMIT  10.0f
#define SAMPLER_STEP_MAX   1e6 /* frames of the file a frame: bounds a pitch far out of use */

enum { SAMPLER_IN_TRIG, SAMPLER_IN_PITCH, SAMPLER_IN_COUNT };
enum { SAMPLER_OUT_OUT, SAMPLER_OUT_LEFT, SAMPLER_OUT_RIGHT, SAMPLER_OUT_COUNT };
enum {
	SAMPLER_PARAM_PITCH_ST,
	SAMPLER_PARAM_START,
	SAMPLER_PARAM_END,
	SAMPLER_PARAM_LOOP,
	SAMPLER_PARAM_REVERSE,
	SAMPLER_PARAM_LEVEL,
	SAMPLER_PARAM_COUNT
};

static const cx_port_info_t sampler_ins[] = {
    [SAMPLER_IN_TRIG] = {"trig", CX_PORT_GATE, 0.0f, "rising: play from the start, on that frame"},
    [SAMPLER_IN_PITCH] = {"pitch", CX_PORT_CV, 0.0f, "added to pitch, 1 V/oct"},
};
_Static_assert(sizeof sampler_ins / sizeof sampler_ins[0] == SAMPLER_IN_COUNT,
               "one entry per input");

static const cx_port_info_t sampler_outs[] = {
    [SAMPLER_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "the sample, mono (left and right averaged)"},
    [SAMPLER_OUT_LEFT] = {"left", CX_PORT_AUDIO, 0.0f, "the sample's first channel"},
    [SAMPLER_OUT_RIGHT] = {"right", CX_PORT_AUDIO, 0.0f,
                           "the sample's second channel (a mono sample's first)"},
};
_Static_assert(sizeof sampler_outs / sizeof sampler_outs[0] == SAMPLER_OUT_COUNT,
               "one entry per output");

static const cx_param_info_t sampler_params[] = {
    [SAMPLER_PARAM_PITCH_ST] = {0, "pitch", "st", -24.0f, 24.0f, 0.0f, 0, NULL,
                                "transposition in semitones (0: the file's own speed)"},
    [SAMPLER_PARAM_START] = {1, "start", "", 0.0f, 1.0f, 0.0f, CX_PARAM_NO_RAMP, NULL,
                             "where the region starts, 0..1 of the sample"},
    [SAMPLER_PARAM_END] = {2, "end", "", 0.0f, 1.0f, 1.0f, CX_PARAM_NO_RAMP, NULL,
                           "where the region ends, 0..1 of the sample"},
    [SAMPLER_PARAM_LOOP] = {3, "loop", "", 0.0f, 1.0f, 0.0f, CX_PARAM_INTEGER | CX_PARAM_NO_RAMP,
                            NULL, "1: play the region round and round"},
    [SAMPLER_PARAM_REVERSE] = {4, "reverse", "", 0.0f, 1.0f, 0.0f,
                               CX_PARAM_INTEGER | CX_PARAM_NO_RAMP, NULL,
                               "1: play the region backwards, from its end"},
    [SAMPLER_PARAM_LEVEL] = {5, "level", "", 0.0f, 1.0f, 1.0f, 0, NULL, "output gain, linear"},
};
_Static_assert(sizeof sampler_params / sizeof sampler_params[0] == SAMPLER_PARAM_COUNT,
               "one entry per parameter");

/* A note under way: the main one, or the one fading out after a retrigger. */
typedef struct sampler_voice {
	uint32_t active;
	double pos;      /* frames of the file */
	float gain;      /* 1, or falling to 0 */
	float gain_step; /* per frame (0 for the main note) */
} sampler_voice_t;

enum { SAMPLER_MAIN, SAMPLER_TAIL, SAMPLER_VOICES };

typedef struct sampler_state {
	float sample_rate_hz;
	uint32_t ramp_frames;
	uint32_t fade_frames;
	/* parameters */
	cx_ramp_t pitch_st;
	cx_ramp_t level;
	float start, end;
	uint32_t loop, reverse;
	/* playback */
	float held_octaves; /* the pitch held_step was worked out for (NaN: none yet) */
	double held_step;   /* frames of the file a frame at that pitch */
	uint32_t trig_high;
	sampler_voice_t voice[SAMPLER_VOICES];
	/* the sample: frames x channels values, interleaved */
	uint32_t frames;
	uint32_t channels; /* 1 or 2 (0: none loaded) */
	float file_rate_hz;
	float data[SAMPLER_VALUES_MAX];
} sampler_state_t;

static float sampler_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, sampler_params[index].min, sampler_params[index].max);
}

static void sampler_set(sampler_state_t *s, uint32_t index, float value, int ramp)
{
	value = sampler_param_clamp(index, value);
	switch (index) {
	case SAMPLER_PARAM_PITCH_ST:
		if (ramp)
			cx_ramp_to(&s->pitch_st, value, s->ramp_frames);
		else
			cx_ramp_snap(&s->pitch_st, value);
		break;
	case SAMPLER_PARAM_LEVEL:
		if (ramp)
			cx_ramp_to(&s->level, value, s->ramp_frames);
		else
			cx_ramp_snap(&s->level, value);
		break;
	case SAMPLER_PARAM_START:
		s->start = value;
		break;
	case SAMPLER_PARAM_END:
		s->end = value;
		break;
	case SAMPLER_PARAM_LOOP:
		s->loop = value > 0.5f;
		break;
	case SAMPLER_PARAM_REVERSE:
		s->reverse = value > 0.5f;
		break;
	}
}

/* Silence: no note, no trigger seen; parameters land on their values; the sample stays. */
static void sampler_reset(void *state)
{
	sampler_state_t *s = state;
	s->trig_high = 0;
	s->held_octaves = NAN;
	for (uint32_t v = 0; v < SAMPLER_VOICES; v++)
		s->voice[v] = (sampler_voice_t){0, 0.0, 0.0f, 0.0f};
	cx_ramp_snap(&s->pitch_st, s->pitch_st.target);
	cx_ramp_snap(&s->level, s->level.target);
}

static void sampler_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	sampler_state_t *s = state;
	(void)frames_max;
	s->sample_rate_hz = sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	double fade = round(SAMPLER_FADE_S * (double)sample_rate);
	s->fade_frames = fade >= 1.0 ? (uint32_t)fade : 1u;
	for (uint32_t i = 0; i < SAMPLER_PARAM_COUNT; i++)
		sampler_set(s, i, params[i], 0);
	sampler_reset(s);
	s->frames = 0;
	s->channels = 0;
	s->file_rate_hz = sample_rate;
}

/* Copies a file's frames into the state (see the header). Returns the frames kept, or -1 for
 * data it cannot take. [worker] */
static int32_t sampler_load(void *state, const float *frames, uint32_t frame_count,
                            uint32_t channels, float file_rate)
{
	sampler_state_t *s = state;
	if (channels == 0 || !(file_rate > 0.0f) || !isfinite(file_rate) ||
	    (frames == NULL && frame_count > 0))
		return -1;
	uint32_t kept_channels = channels < 2u ? channels : 2u;
	uint32_t kept = SAMPLER_VALUES_MAX / kept_channels;
	kept = frame_count < kept ? frame_count : kept;
	for (uint32_t i = 0; i < kept; i++)
		for (uint32_t c = 0; c < kept_channels; c++)
			s->data[i * kept_channels + c] =
			    cx_sanitizef(frames[(size_t)i * channels + c], CX_INPUT_LIMIT);
	s->frames = kept;
	s->channels = kept > 0 ? kept_channels : 0;
	s->file_rate_hz = file_rate;
	s->held_octaves = NAN; /* the step depends on the file's rate */
	for (uint32_t v = 0; v < SAMPLER_VOICES; v++)
		s->voice[v].active = 0;
	return (int32_t)kept;
}

static void sampler_apply(sampler_state_t *s, const cx_event_t *e)
{
	if (e->kind == CX_EVENT_PARAM && e->index < SAMPLER_PARAM_COUNT)
		sampler_set(s, e->index, e->value, 1);
}

/* The region in frames of the file, [lo, hi). */
typedef struct sampler_region {
	double lo, hi;
} sampler_region_t;

static sampler_region_t sampler_region(const sampler_state_t *s)
{
	double a = (double)s->start * (double)s->frames, b = (double)s->end * (double)s->frames;
	return (sampler_region_t){a < b ? a : b, a < b ? b : a};
}

/* One channel's cubic Hermite (Catmull-Rom) interpolation between x0 and x1 at t in [0, 1),
 * in Niemitalo's x-form. Exact at t = 0. */
static inline float sampler_hermite(float xm1, float x0, float x1, float x2, float t)
{
	float c1 = 0.5f * (x1 - xm1);
	float c2 = xm1 - 2.5f * x0 + 2.0f * x1 - 0.5f * x2;
	float c3 = 0.5f * (x2 - xm1) + 1.5f * (x0 - x1);
	return ((c3 * t + c2) * t + c1) * t + x0;
}

/* Reads the sample at position pos into *l and *r (a mono sample's one channel into both); the
 * four frames around pos are clamped to the sample, so its ends repeat their edge values. */
static inline void sampler_read(const sampler_state_t *s, double pos, float *l, float *r)
{
	int64_t i = (int64_t)pos; /* floor without a libm call: truncates, then steps down */
	i -= (double)i > pos;
	float t = (float)(pos - (double)i);
	int64_t last = (int64_t)s->frames - 1;
	size_t k0 = (size_t)(i - 1 < 0 ? 0 : i - 1 > last ? last : i - 1);
	size_t k1 = (size_t)(i < 0 ? 0 : i > last ? last : i);
	size_t k2 = (size_t)(i + 1 < 0 ? 0 : i + 1 > last ? last : i + 1);
	size_t k3 = (size_t)(i + 2 < 0 ? 0 : i + 2 > last ? last : i + 2);
	const float *d = s->data;
	if (s->channels == 1) {
		*l = *r = sampler_hermite(d[k0], d[k1], d[k2], d[k3], t);
		return;
	}
	*l = sampler_hermite(d[2 * k0], d[2 * k1], d[2 * k2], d[2 * k3], t);
	*r = sampler_hermite(d[2 * k0 + 1], d[2 * k1 + 1], d[2 * k2 + 1], d[2 * k3 + 1], t);
}

/* Moves a voice on by step frames (backwards when reverse), wrapping or stopping at the
 * region's ends. */
static inline void sampler_advance(const sampler_state_t *s, sampler_voice_t *v, double step,
                                   sampler_region_t r)
{
	double len = r.hi - r.lo;
	v->pos += s->reverse ? -step : step;
	if (v->pos >= r.lo && v->pos < r.hi)
		return;
	if (s->loop && len >= 1.0) {
		double off = fmod(v->pos - r.lo, len);
		v->pos = r.lo + (off < 0.0 ? off + len : off);
		v->pos = v->pos < r.hi ? v->pos : r.lo; /* rounding */
	} else if (s->reverse ? v->pos < r.lo : v->pos >= r.hi) {
		v->active = 0;
	}
}

/* Starts the main note at the region's first frame (its last, reversed); the note under way,
 * if any, fades out beside it. */
static void sampler_trigger(sampler_state_t *s)
{
	sampler_region_t r = sampler_region(s);
	sampler_voice_t *m = &s->voice[SAMPLER_MAIN];
	if (m->active) {
		s->voice[SAMPLER_TAIL] = *m;
		s->voice[SAMPLER_TAIL].gain_step = -1.0f / (float)s->fade_frames;
	}
	if (s->channels == 0 || r.hi - r.lo < 1.0) {
		m->active = 0;
		return;
	}
	*m = (sampler_voice_t){1, s->reverse ? r.hi - 1.0 : r.lo, 1.0f, 0.0f};
}

static void sampler_render(sampler_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to)
{
	const float *trig = p->in[SAMPLER_IN_TRIG], *cv = p->in[SAMPLER_IN_PITCH];
	float *out = p->out[SAMPLER_OUT_OUT];
	float *left = p->out[SAMPLER_OUT_LEFT], *right = p->out[SAMPLER_OUT_RIGHT];
	const double ratio = (double)s->file_rate_hz / (double)s->sample_rate_hz;
	const float lim = SAMPLER_OUT_LIMIT;
	for (uint32_t i = from; i < to; i++) {
		uint32_t high = trig[i] > 0.5f;
		if (high && !s->trig_high)
			sampler_trigger(s);
		s->trig_high = high;
		float octaves = cx_ramp_next(&s->pitch_st) * (1.0f / 12.0f) +
		                cx_sanitizef(cv[i], CX_INPUT_LIMIT);
		if (octaves != s->held_octaves) { /* a held pitch costs no exp2 a frame */
			s->held_octaves = octaves;
			s->held_step = ratio * (double)cx_exp2f(octaves);
			s->held_step =
			    s->held_step < SAMPLER_STEP_MAX ? s->held_step : SAMPLER_STEP_MAX;
		}
		const double step = s->held_step;
		float level = cx_ramp_next(&s->level);
		float l = 0.0f, r = 0.0f;
		if (s->voice[SAMPLER_MAIN].active || s->voice[SAMPLER_TAIL].active) {
			sampler_region_t reg = sampler_region(s);
			for (uint32_t k = 0; k < SAMPLER_VOICES; k++) {
				sampler_voice_t *v = &s->voice[k];
				if (!v->active)
					continue;
				float vl, vr;
				sampler_read(s, v->pos, &vl, &vr);
				l += v->gain * vl;
				r += v->gain * vr;
				v->gain += v->gain_step;
				if (v->gain <= 0.0f)
					v->active = 0;
				else
					sampler_advance(s, v, step, reg);
			}
		}
		left[i] = cx_clampf(level * l, -lim, lim);
		right[i] = cx_clampf(level * r, -lim, lim);
		out[i] = cx_clampf(level * (0.5f * (l + r)), -lim, lim);
	}
}

static void sampler_process(void *state, const cx_process_t *p)
{
	sampler_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			sampler_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		sampler_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		sampler_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "sampler",
    .summary = "plays a loaded sound file from a trigger: pitch, start/end, loop, reverse",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(sampler_state_t),
    .in_count = SAMPLER_IN_COUNT,
    .ins = sampler_ins,
    .out_count = SAMPLER_OUT_COUNT,
    .outs = sampler_outs,
    .param_count = SAMPLER_PARAM_COUNT,
    .params = sampler_params,
    .init = sampler_init,
    .process = sampler_process,
    .reset = sampler_reset,
    .migrate = NULL,
    .load = sampler_load,
};
