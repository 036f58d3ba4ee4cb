/*
 * arp — an arpeggiator on the transport's grid: plays the held notes, or a chord, one at a
 * time, up, down, up and down, or at random, over 1 to 4 octaves.
 *
 * The notes. Each step reads its notes at its own frame: the pitch inputs note1..note4 whose
 * gate1..gate4 are high (above 0.5) are the held notes, sorted from low to high (equal pitches
 * keep the order of their inputs). With no gate high, the notes are `chord` built on `root`
 * (semitones above root: major 0 4 7, minor 0 3 7, seventh 0 4 7 10, major7 0 4 7 11, minor7
 * 0 3 7 10, sus2 0 2 7, sus4 0 5 7, dim 0 3 6, aug 0 4 8, fifth 0 7, octave 0: the root
 * alone); chord `none` leaves no notes, and the step rests. The list is then repeated an
 * octave higher for each of `octaves`: with notes a < b < c over 2 octaves it is
 * a b c a+1 b+1 c+1 (volts), at most 4 x 4 = 16 notes. A note's volts are worked out in double
 * and rounded once: root + semitones / 12 + octave, or the held pitch + octave.
 *
 * The order, as the arpeggiators of the Roland Jupiter-8 and its descendants play it, over a
 * list of n notes and a step count k (0 at the first step after play or a reset):
 *   up      note k mod n: a b c a+1 b+1 c+1 a b ...
 *   down    the list backwards: c+1 b+1 a+1 c b a c+1 ...
 *   updown  up then down without repeating the ends (a period of 2n - 2 steps):
 *           a b c a+1 b+1 c+1 b+1 a+1 c b | a ...
 *   random  a note drawn uniformly from the list at each step, by a PCG32 generator (dsp.h;
 *           O'Neill 2014) in the state, seeded by `seed` at every play and reset: a render
 *           plays the same notes every time, however it is split into blocks.
 * The count k runs on through changes of the notes, so a chord change mid-pattern carries on
 * from the same place in it (k mod the new length).
 *
 * The timing follows modules/seq/seq.c and clock.c: `div` steps per beat, step k of the grid at
 * beat k / div, on the first frame whose beat is at least that (the grid helpers in dsp.h,
 * which derive every frame's beat from the block's beat in double, so nothing drifts). At each
 * step with a note, `pitch` takes the note, `gate` goes high for round(length x step) frames
 * and `trig` for 1 ms; both end at least one frame before the next step, so every step is a
 * fresh rising edge. A rest leaves both low and `pitch` where it was (a release tail keeps its
 * note). Play starts a step on its exact frame; an arp created while the transport runs waits
 * for the next point of its grid. While stopped, gate and trig are low and pitch holds. A
 * rising `reset` makes the next step the first of the pattern (k = 0, the random sequence
 * restarted), including a step on the reset's own frame.
 *
 * Parameters are read at each step (none ramps: they choose notes and lengths); a change of
 * `div` acts at once on the new grid, as clock's rate does. Outputs: gate and trig 0 or 1;
 * pitch within root (±5) plus 11/12 plus 3 octaves, or a held pitch (±10) plus 3 octaves:
 * |pitch| <= 13 V.
 *
 * The transport, the grid, `reset` and the pulses are the step modules' shared core,
 * modules/steps/steps.h (reset mode STEPS_RESET_NEXT); this file holds the notes and their order.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"
#include "steps.h"

#define ARP_VOICES    4u
#define ARP_NOTES_MAX 16u /* 4 notes x 4 octaves */
#define ARP_SEED_MAX  16777215.0f

enum {
	ARP_IN_NOTE1,
	ARP_IN_GATE1 = ARP_IN_NOTE1 + ARP_VOICES,
	ARP_IN_RESET = ARP_IN_GATE1 + ARP_VOICES,
	ARP_IN_COUNT
};
enum { ARP_OUT_PITCH, ARP_OUT_GATE, ARP_OUT_TRIG, ARP_OUT_COUNT };
enum {
	ARP_PARAM_MODE,
	ARP_PARAM_ROOT_V,
	ARP_PARAM_CHORD,
	ARP_PARAM_OCTAVES,
	ARP_PARAM_DIV,
	ARP_PARAM_LENGTH,
	ARP_PARAM_SEED,
	ARP_PARAM_COUNT
};
enum { ARP_MODE_UP, ARP_MODE_DOWN, ARP_MODE_UPDOWN, ARP_MODE_RANDOM, ARP_MODE_COUNT };
enum {
	ARP_CHORD_NONE,
	ARP_CHORD_MAJOR,
	ARP_CHORD_MINOR,
	ARP_CHORD_SEVENTH,
	ARP_CHORD_MAJOR7,
	ARP_CHORD_MINOR7,
	ARP_CHORD_SUS2,
	ARP_CHORD_SUS4,
	ARP_CHORD_DIM,
	ARP_CHORD_AUG,
	ARP_CHORD_FIFTH,
	ARP_CHORD_OCTAVE,
	ARP_CHORD_COUNT
};

#define ARP_NOTE_IN(n)                                                                             \
	[ARP_IN_NOTE1 + (n)-1] = {"note" #n, CX_PORT_CV, 0.0f, "held note " #n ", 1 V/oct"}
#define ARP_GATE_IN(n)                                                                             \
	[ARP_IN_GATE1 + (n)-1] = {"gate" #n, CX_PORT_GATE, 0.0f, "high: note" #n " is held"}
static const cx_port_info_t arp_ins[] = {
    ARP_NOTE_IN(1),
    ARP_NOTE_IN(2),
    ARP_NOTE_IN(3),
    ARP_NOTE_IN(4),
    ARP_GATE_IN(1),
    ARP_GATE_IN(2),
    ARP_GATE_IN(3),
    ARP_GATE_IN(4),
    [ARP_IN_RESET] = {"reset", CX_PORT_GATE, 0.0f, "rising: the next step starts the pattern"},
};
_Static_assert(sizeof arp_ins / sizeof arp_ins[0] == ARP_IN_COUNT, "one entry per input");

static const cx_port_info_t arp_outs[] = {
    [ARP_OUT_PITCH] = {"pitch", CX_PORT_CV, 0.0f, "the step's note, 1 V/oct"},
    [ARP_OUT_GATE] = {"gate", CX_PORT_GATE, 0.0f, "high for length x step from each note"},
    [ARP_OUT_TRIG] = {"trig", CX_PORT_GATE, 0.0f, "1 ms pulse at each note's start"},
};
_Static_assert(sizeof arp_outs / sizeof arp_outs[0] == ARP_OUT_COUNT, "one entry per output");

static const char *const arp_mode_names[] = {
    [ARP_MODE_UP] = "up",
    [ARP_MODE_DOWN] = "down",
    [ARP_MODE_UPDOWN] = "updown",
    [ARP_MODE_RANDOM] = "random",
};
_Static_assert(sizeof arp_mode_names / sizeof arp_mode_names[0] == ARP_MODE_COUNT,
               "one name per mode");

static const char *const arp_chord_names[] = {
    [ARP_CHORD_NONE] = "none",       [ARP_CHORD_MAJOR] = "major",   [ARP_CHORD_MINOR] = "minor",
    [ARP_CHORD_SEVENTH] = "seventh", [ARP_CHORD_MAJOR7] = "major7", [ARP_CHORD_MINOR7] = "minor7",
    [ARP_CHORD_SUS2] = "sus2",       [ARP_CHORD_SUS4] = "sus4",     [ARP_CHORD_DIM] = "dim",
    [ARP_CHORD_AUG] = "aug",         [ARP_CHORD_FIFTH] = "fifth",   [ARP_CHORD_OCTAVE] = "octave",
};
_Static_assert(sizeof arp_chord_names / sizeof arp_chord_names[0] == ARP_CHORD_COUNT,
               "one name per chord");

/* Each chord's semitones above the root; count 0 for none. */
static const struct {
	uint32_t count;
	int32_t semis[ARP_VOICES];
} arp_chords[] = {
    [ARP_CHORD_NONE] = {0, {0}},
    [ARP_CHORD_MAJOR] = {3, {0, 4, 7}},
    [ARP_CHORD_MINOR] = {3, {0, 3, 7}},
    [ARP_CHORD_SEVENTH] = {4, {0, 4, 7, 10}},
    [ARP_CHORD_MAJOR7] = {4, {0, 4, 7, 11}},
    [ARP_CHORD_MINOR7] = {4, {0, 3, 7, 10}},
    [ARP_CHORD_SUS2] = {3, {0, 2, 7}},
    [ARP_CHORD_SUS4] = {3, {0, 5, 7}},
    [ARP_CHORD_DIM] = {3, {0, 3, 6}},
    [ARP_CHORD_AUG] = {3, {0, 4, 8}},
    [ARP_CHORD_FIFTH] = {2, {0, 7}},
    [ARP_CHORD_OCTAVE] = {1, {0}},
};
_Static_assert(sizeof arp_chords / sizeof arp_chords[0] == ARP_CHORD_COUNT,
               "one interval set per chord");

static const cx_param_info_t arp_params[] = {
    [ARP_PARAM_MODE] = {0, "mode", "", 0.0f, (float)(ARP_MODE_COUNT - 1), (float)ARP_MODE_UP,
                        CX_PARAM_ENUM | CX_PARAM_NO_RAMP, arp_mode_names,
                        "order: up, down, updown, random"},
    [ARP_PARAM_ROOT_V] = {1, "root", "V", -5.0f, 5.0f, 0.0f, CX_PARAM_NO_RAMP, NULL,
                          "the chord's root, 1 V/oct, 0 V = C4 (no gate held)"},
    [ARP_PARAM_CHORD] = {2, "chord", "", 0.0f, (float)(ARP_CHORD_COUNT - 1), (float)ARP_CHORD_MAJOR,
                         CX_PARAM_ENUM | CX_PARAM_NO_RAMP, arp_chord_names,
                         "notes when no gate is held (none: rest)"},
    [ARP_PARAM_OCTAVES] = {3, "octaves", "", 1.0f, 4.0f, 1.0f, CX_PARAM_INTEGER | CX_PARAM_NO_RAMP,
                           NULL, "octaves the notes are repeated over, upwards"},
    [ARP_PARAM_DIV] = {4, "div", "/beat", 1.0f, 16.0f, 4.0f, CX_PARAM_INTEGER | CX_PARAM_NO_RAMP,
                       NULL, "steps per beat (4: sixteenth notes)"},
    [ARP_PARAM_LENGTH] = {5, "length", "step", 0.05f, 1.0f, 0.5f, CX_PARAM_NO_RAMP, NULL,
                          "gate length as a fraction of a step"},
    [ARP_PARAM_SEED] = {6, "seed", "", 0.0f, ARP_SEED_MAX, 1.0f,
                        CX_PARAM_INTEGER | CX_PARAM_NO_RAMP, NULL,
                        "random mode's sequence: same seed, same notes"},
};
_Static_assert(sizeof arp_params / sizeof arp_params[0] == ARP_PARAM_COUNT,
               "one entry per parameter");

typedef struct arp_state {
	steps_t core; /* the transport, the grid, `reset` and the pulses (steps.h) */
	/* parameters */
	uint32_t mode, chord, octaves, seed; /* (`div` is the core's grid) */
	float root_v, length;
	/* the pattern */
	uint64_t count; /* steps since play or the last reset (k in the header) */
	uint64_t rng;   /* PCG32 state for random mode */
	float pitch_v;  /* the `pitch` output */
} arp_state_t;

static float arp_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, arp_params[index].min, arp_params[index].max);
}

static uint32_t arp_param_whole(uint32_t index, float value)
{
	return (uint32_t)lroundf(arp_param_clamp(index, value));
}

/* Sets a parameter; p is the block and pos the frame, for a grid change while running. */
static void arp_set(void *state, uint32_t index, float value, const cx_process_t *p, uint32_t pos)
{
	arp_state_t *s = state;
	switch (index) {
	case ARP_PARAM_MODE:
		s->mode = arp_param_whole(index, value);
		break;
	case ARP_PARAM_ROOT_V:
		s->root_v = arp_param_clamp(index, value);
		break;
	case ARP_PARAM_CHORD:
		s->chord = arp_param_whole(index, value);
		break;
	case ARP_PARAM_OCTAVES:
		s->octaves = arp_param_whole(index, value);
		break;
	case ARP_PARAM_DIV: {
		/* renumbered on the new grid: a step exactly at pos plays */
		steps_set_grid(&s->core, p, pos, (double)arp_param_whole(index, value));
		break;
	}
	case ARP_PARAM_LENGTH:
		s->length = arp_param_clamp(index, value);
		break;
	case ARP_PARAM_SEED:
		s->seed = arp_param_whole(index, value);
		break;
	}
}

/* Starts the pattern from its first step: at play, and at the step a reset makes the first. */
static void arp_restart(void *state)
{
	arp_state_t *s = state;
	s->count = 0;
	cx_pcg32_seed(&s->rng, s->seed);
}

/* Fills notes[] (volts, the list the header describes) from frame i; returns how many. */
static uint32_t arp_notes(const arp_state_t *s, const cx_process_t *p, uint32_t i,
                          float notes[ARP_NOTES_MAX])
{
	double base[ARP_VOICES];
	uint32_t n = 0;
	for (uint32_t v = 0; v < ARP_VOICES; v++) {
		if (!(p->in[ARP_IN_GATE1 + v][i] > 0.5f))
			continue;
		double x = (double)cx_sanitizef(p->in[ARP_IN_NOTE1 + v][i], CX_INPUT_LIMIT);
		uint32_t j = n++;
		for (; j > 0 && base[j - 1] > x; j--) /* insertion sort: stable, 4 at most */
			base[j] = base[j - 1];
		base[j] = x;
	}
	if (n == 0) {
		n = arp_chords[s->chord].count;
		for (uint32_t v = 0; v < n; v++)
			base[v] = (double)s->root_v + (double)arp_chords[s->chord].semis[v] / 12.0;
	}
	for (uint32_t o = 0; o < s->octaves; o++)
		for (uint32_t v = 0; v < n; v++)
			notes[o * n + v] = (float)(base[v] + (double)o);
	return n * s->octaves;
}

/* The index into a list of n (>= 1) notes of the step under way; advances the count. */
static uint32_t arp_pick(arp_state_t *s, uint32_t n)
{
	uint64_t k = s->count++;
	switch (s->mode) {
	case ARP_MODE_DOWN:
		return n - 1u - (uint32_t)(k % n);
	case ARP_MODE_UPDOWN: {
		uint64_t period = n > 1 ? 2u * n - 2u : 1u;
		uint32_t q = (uint32_t)(k % period);
		return q < n ? q : (uint32_t)period - q;
	}
	case ARP_MODE_RANDOM:
		return cx_pcg32_below(&s->rng, n);
	default:
		return (uint32_t)(k % n);
	}
}

/* Starts the step at frame i: a note, or a rest. */
static void arp_step(void *state, const cx_process_t *p, uint32_t i, uint32_t restart)
{
	arp_state_t *s = state;
	if (restart)
		arp_restart(s);
	float notes[ARP_NOTES_MAX];
	uint32_t n = arp_notes(s, p, i, notes);
	if (n == 0) {
		s->count++; /* a rest still takes its place in the pattern */
		return;
	}
	s->pitch_v = notes[arp_pick(s, n)];
	steps_pulse(&s->core, p, i, s->length);
}

/* Writes frames [from, to) of `pitch`. */
static void arp_hold(void *state, const cx_process_t *p, uint32_t from, uint32_t to)
{
	const arp_state_t *s = state;
	float *pitch = p->out[ARP_OUT_PITCH];
	const float v = s->pitch_v;
	for (uint32_t i = from; i < to; i++)
		pitch[i] = v;
}

static const steps_spec_t arp_spec = {
    .param_count = ARP_PARAM_COUNT,
    .reset_in = ARP_IN_RESET,
    .reset_mode = STEPS_RESET_NEXT,
    .gate_out = ARP_OUT_GATE,
    .trig_out = ARP_OUT_TRIG,
    .set = arp_set,
    .play = arp_restart,
    .step = arp_step,
    .hold = arp_hold,
};

static void arp_reset(void *state)
{
	arp_state_t *s = state;
	steps_clear(&s->core);
	arp_restart(s);
	s->pitch_v = 0.0f;
}

static void arp_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	arp_state_t *s = state;
	(void)frames_max;
	steps_init(&s->core, sample_rate);
	for (uint32_t i = 0; i < ARP_PARAM_COUNT; i++)
		arp_set(s, i, params[i], NULL, 0);
	arp_reset(s);
}

static void arp_process(void *state, const cx_process_t *p)
{
	arp_state_t *s = state;
	steps_process(&s->core, &arp_spec, s, p);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "arp",
    .summary = "arpeggiator on the transport's grid: held notes or a chord, up/down/random",
    .version = 1,
    .state_version = 3,
    .flags = 0,
    .state_size = sizeof(arp_state_t),
    .in_count = ARP_IN_COUNT,
    .ins = arp_ins,
    .out_count = ARP_OUT_COUNT,
    .outs = arp_outs,
    .param_count = ARP_PARAM_COUNT,
    .params = arp_params,
    .init = arp_init,
    .process = arp_process,
    .reset = arp_reset,
    .migrate = NULL,
};
