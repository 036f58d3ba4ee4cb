/*
 * quant — pitch quantizer: snaps a 1 V/oct CV to the nearest note of a scale in a key.
 *
 * The input, in semitones above C4 (12 x volts), is moved to the nearest note of `scale`
 * transposed to `key`, in any octave; a point exactly halfway between two scale notes goes to
 * the lower one (ties round down). "Exactly" allows 1e-4 semitone, so that an input written as
 * n / 12 V in float, which lands a hair above or below n semitones, still counts as on note n
 * or halfway, as it was meant. The output is the note's volts, n / 12 rounded once to float:
 * the same number a sequencer's pitch of that note holds. This is the nearest-note quantizer of
 * Eurorack modules such as the Doepfer A-156 or Mutable Instruments' Braids/Ornaments
 * quantizers, with the scales as interval sets of music theory (the seven modes of the major
 * scale, harmonic and melodic minor (ascending form), the two pentatonics, the six-note blues
 * scale and the whole-tone scale; see e.g. S. Kostka, D. Payne, "Tonal Harmony").
 *
 * `trig` goes high for 1 ms on each frame the output note changes (a new input note, or a new
 * key or scale that moves it); the first frame after init sets the note without a pulse. A
 * change while `trig` is still high restarts its 1 ms, so changes closer together than that
 * merge into one pulse.
 *
 * The last input and its note are kept, so a held CV costs one comparison a frame. `key` and
 * `scale` step at their event's frame. The input is read as specs/signals.md says (NaN as 0,
 * clamped to ±10); the nearest scale note is at most 1.5 semitones away (the widest gap of any
 * scale here is 3), so the output stays within ±(10 + 1.5 / 12) V; trig is 0 or 1.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

#define QUANT_TRIG_S 0.001
#define QUANT_EPS    1e-4 /* semitones: how near counts as on a note, or halfway */

enum { QUANT_IN_IN, QUANT_IN_COUNT };
enum { QUANT_OUT_OUT, QUANT_OUT_TRIG, QUANT_OUT_COUNT };
enum { QUANT_PARAM_KEY, QUANT_PARAM_SCALE, QUANT_PARAM_COUNT };
enum {
	QUANT_SCALE_CHROMATIC,
	QUANT_SCALE_MAJOR,
	QUANT_SCALE_MINOR,
	QUANT_SCALE_DORIAN,
	QUANT_SCALE_PHRYGIAN,
	QUANT_SCALE_LYDIAN,
	QUANT_SCALE_MIXOLYDIAN,
	QUANT_SCALE_LOCRIAN,
	QUANT_SCALE_HARMONIC_MINOR,
	QUANT_SCALE_MELODIC_MINOR,
	QUANT_SCALE_PENTATONIC_MAJOR,
	QUANT_SCALE_PENTATONIC_MINOR,
	QUANT_SCALE_BLUES,
	QUANT_SCALE_WHOLE_TONE,
	QUANT_SCALE_COUNT
};

static const cx_port_info_t quant_ins[] = {
    [QUANT_IN_IN] = {"in", CX_PORT_CV, 0.0f, "pitch to quantize, 1 V/oct, 0 V = C4"},
};
_Static_assert(sizeof quant_ins / sizeof quant_ins[0] == QUANT_IN_COUNT, "one entry per input");

static const cx_port_info_t quant_outs[] = {
    [QUANT_OUT_OUT] = {"out", CX_PORT_CV, 0.0f, "the nearest scale note, 1 V/oct"},
    [QUANT_OUT_TRIG] = {"trig", CX_PORT_GATE, 0.0f, "1 ms pulse when the note changes"},
};
_Static_assert(sizeof quant_outs / sizeof quant_outs[0] == QUANT_OUT_COUNT, "one entry per output");

static const char *const quant_key_names[] = {"c",  "cs", "d",  "ds", "e",  "f",
                                              "fs", "g",  "gs", "a",  "as", "b"};
#define QUANT_KEY_COUNT (sizeof quant_key_names / sizeof quant_key_names[0])
_Static_assert(QUANT_KEY_COUNT == 12, "one name per pitch class");

static const char *const quant_scale_names[] = {
    [QUANT_SCALE_CHROMATIC] = "chromatic",
    [QUANT_SCALE_MAJOR] = "major",
    [QUANT_SCALE_MINOR] = "minor",
    [QUANT_SCALE_DORIAN] = "dorian",
    [QUANT_SCALE_PHRYGIAN] = "phrygian",
    [QUANT_SCALE_LYDIAN] = "lydian",
    [QUANT_SCALE_MIXOLYDIAN] = "mixolydian",
    [QUANT_SCALE_LOCRIAN] = "locrian",
    [QUANT_SCALE_HARMONIC_MINOR] = "harmonic_minor",
    [QUANT_SCALE_MELODIC_MINOR] = "melodic_minor",
    [QUANT_SCALE_PENTATONIC_MAJOR] = "pentatonic_major",
    [QUANT_SCALE_PENTATONIC_MINOR] = "pentatonic_minor",
    [QUANT_SCALE_BLUES] = "blues",
    [QUANT_SCALE_WHOLE_TONE] = "whole_tone",
};
_Static_assert(sizeof quant_scale_names / sizeof quant_scale_names[0] == QUANT_SCALE_COUNT,
               "one name per scale");

/* Each scale as a 12-bit set of the semitones above its tonic (bit n: semitone n). */
#define QUANT_BITS(a, b, c, d, e, f, g, h, i, j, k, l)                                             \
	(uint16_t)((a) | (b) << 1 | (c) << 2 | (d) << 3 | (e) << 4 | (f) << 5 | (g) << 6 |         \
	           (h) << 7 | (i) << 8 | (j) << 9 | (k) << 10 | (l) << 11)
static const uint16_t quant_scale_sets[] = {
    /* one flag per semitone above the tonic, 0 to 11 (in C: C C# D D# E F F# G G# A A# B) */
    [QUANT_SCALE_CHROMATIC] = QUANT_BITS(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
    [QUANT_SCALE_MAJOR] = QUANT_BITS(1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1),
    [QUANT_SCALE_MINOR] = QUANT_BITS(1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0),
    [QUANT_SCALE_DORIAN] = QUANT_BITS(1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 1, 0),
    [QUANT_SCALE_PHRYGIAN] = QUANT_BITS(1, 1, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0),
    [QUANT_SCALE_LYDIAN] = QUANT_BITS(1, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1),
    [QUANT_SCALE_MIXOLYDIAN] = QUANT_BITS(1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0),
    [QUANT_SCALE_LOCRIAN] = QUANT_BITS(1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0),
    [QUANT_SCALE_HARMONIC_MINOR] = QUANT_BITS(1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1),
    [QUANT_SCALE_MELODIC_MINOR] = QUANT_BITS(1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1),
    [QUANT_SCALE_PENTATONIC_MAJOR] = QUANT_BITS(1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0),
    [QUANT_SCALE_PENTATONIC_MINOR] = QUANT_BITS(1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0),
    [QUANT_SCALE_BLUES] = QUANT_BITS(1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0),
    [QUANT_SCALE_WHOLE_TONE] = QUANT_BITS(1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0),
};
_Static_assert(sizeof quant_scale_sets / sizeof quant_scale_sets[0] == QUANT_SCALE_COUNT,
               "one set per scale");

static const cx_param_info_t quant_params[] = {
    [QUANT_PARAM_KEY] = {0, "key", "", 0.0f, (float)(QUANT_KEY_COUNT - 1), 0.0f,
                         CX_PARAM_ENUM | CX_PARAM_NO_RAMP, quant_key_names,
                         "the scale's tonic: c, cs (C sharp), d, ... b"},
    [QUANT_PARAM_SCALE] = {1, "scale", "", 0.0f, (float)(QUANT_SCALE_COUNT - 1),
                           (float)QUANT_SCALE_MAJOR, CX_PARAM_ENUM | CX_PARAM_NO_RAMP,
                           quant_scale_names, "the notes allowed, from the key"},
};
_Static_assert(sizeof quant_params / sizeof quant_params[0] == QUANT_PARAM_COUNT,
               "one entry per parameter");

typedef struct quant_state {
	uint32_t trig_frames; /* 1 ms */
	uint32_t key;         /* 0 (C) .. 11 (B) */
	uint32_t scale;       /* QUANT_SCALE_* */
	/* below[r]: the highest scale degree at or below semitone r (0..11) above the key;
	 * above[r]: the lowest one above r, up to 12 (the key an octave up). */
	int32_t below[12];
	int32_t above[12];
	uint32_t have_note; /* a note was set since init or reset */
	float last_in;      /* the input `note` was worked out for */
	int32_t note;       /* semitones above C4 */
	float note_v;       /* note / 12 */
	uint32_t trig_left; /* frames `trig` stays high */
} quant_state_t;

/* Fills below[] and above[] for the key's scale. [worker or rt: 144 steps at most] */
static void quant_tables(quant_state_t *s)
{
	uint16_t set = quant_scale_sets[s->scale];
	for (int32_t r = 0; r < 12; r++) {
		int32_t lo = r, hi = r + 1;
		while (!(set >> ((lo + 12) % 12) & 1u)) /* bit 0 (the tonic) ends both loops */
			lo--;
		while (!(set >> (hi % 12) & 1u))
			hi++;
		s->below[r] = lo;
		s->above[r] = hi;
	}
}

/* The note nearest to x semitones above C4, in semitones above C4 (see the header: ties go
 * down). */
static int32_t quant_nearest(const quant_state_t *s, double x)
{
	double rel = x - (double)s->key;
	double t = rel + QUANT_EPS; /* a hair below a note counts as on it */
	double octave = floor(t / 12.0);
	double r = t - 12.0 * octave; /* [0, 12] */
	int32_t slot = (int32_t)r;
	slot = slot > 11 ? 11 : slot < 0 ? 0 : slot;
	double base = 12.0 * octave;
	double down = rel - (base + (double)s->below[slot]);
	double up = base + (double)s->above[slot] - rel;
	int32_t degree = down <= up + 2.0 * QUANT_EPS ? s->below[slot] : s->above[slot];
	return (int32_t)s->key + 12 * (int32_t)octave + degree;
}

static void quant_set_note(quant_state_t *s, int32_t note)
{
	if (s->have_note && note != s->note)
		s->trig_left = s->trig_frames;
	s->have_note = 1;
	s->note = note;
	s->note_v = (float)((double)note / 12.0);
}

static void quant_reset(void *state)
{
	quant_state_t *s = state;
	s->have_note = 0;
	s->last_in = 0.0f;
	s->note = 0;
	s->note_v = 0.0f;
	s->trig_left = 0;
}

static void quant_set(quant_state_t *s, uint32_t index, float value)
{
	uint32_t v = (uint32_t)cx_clampf(value, quant_params[index].min, quant_params[index].max);
	if (index == QUANT_PARAM_KEY)
		s->key = v;
	else if (index == QUANT_PARAM_SCALE)
		s->scale = v;
	quant_tables(s);
	if (s->have_note) /* the held input may fall on another note now */
		quant_set_note(s, quant_nearest(s, 12.0 * (double)s->last_in));
}

static void quant_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	quant_state_t *s = state;
	(void)frames_max;
	double trig = round(QUANT_TRIG_S * (double)sample_rate);
	s->trig_frames = trig >= 1.0 ? (uint32_t)trig : 1u;
	quant_reset(s);
	quant_set(s, QUANT_PARAM_KEY, params[QUANT_PARAM_KEY]);
	quant_set(s, QUANT_PARAM_SCALE, params[QUANT_PARAM_SCALE]);
}

static void quant_apply(quant_state_t *s, const cx_event_t *e)
{
	if (e->kind == CX_EVENT_PARAM && e->index < QUANT_PARAM_COUNT)
		quant_set(s, e->index, e->value);
}

static void quant_render(quant_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to)
{
	const float *in = p->in[QUANT_IN_IN];
	float *out = p->out[QUANT_OUT_OUT], *trig = p->out[QUANT_OUT_TRIG];
	for (uint32_t i = from; i < to; i++) {
		float x = cx_sanitizef(in[i], CX_INPUT_LIMIT);
		if (x != s->last_in || !s->have_note) {
			s->last_in = x;
			quant_set_note(s, quant_nearest(s, 12.0 * (double)x));
		}
		out[i] = s->note_v;
		trig[i] = s->trig_left > 0 ? 1.0f : 0.0f;
		s->trig_left -= s->trig_left > 0;
	}
}

static void quant_process(void *state, const cx_process_t *p)
{
	quant_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			quant_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		quant_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		quant_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "quant",
    .summary = "pitch quantizer: the nearest note of a scale in a key, with a trigger",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(quant_state_t),
    .in_count = QUANT_IN_COUNT,
    .ins = quant_ins,
    .out_count = QUANT_OUT_COUNT,
    .outs = quant_outs,
    .param_count = QUANT_PARAM_COUNT,
    .params = quant_params,
    .init = quant_init,
    .process = quant_process,
    .reset = quant_reset,
    .migrate = NULL,
};
