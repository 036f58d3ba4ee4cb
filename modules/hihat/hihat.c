/*
 * hihat — an analog-style hi-hat: a metallic square-wave bank (or white noise), band-passed,
 * enveloped, high-passed.
 *
 * The structure is the TR-808's (Roland TR-808 service notes, 1981; the six Schmitt-trigger
 * square oscillators of the cymbal and hats, at 205.3, 304.4, 369.6, 522.7, 540 and 800 Hz, as
 * measured in the 808 and listed in many analyses; the 808 runs them through band-pass filters
 * into the hats' VCAs, then a high-pass). DaisySP's and Plaits' 808-style hi-hats were read for
 * how they shape the same parts.
 *   source: `noise=metal` (the default): the six squares, their frequencies times `tune`, made
 *           band-limited with PolyBLEP residuals (chronus/dsp.h; Välimäki & Huovilainen 2007)
 *           and mixed with slightly unequal weights (so no combination of their signs sums to
 *           zero, and the hat sounds from its trigger's frame); the squares run freely: a hit
 *           from silence takes up their phases where they would be had they run since init, as
 *           analog oscillators do, so hits differ a little. `noise=white`: white noise
 *           (drums.h), flat.
 *   shaping: a state-variable band-pass (drums.h) at `cutoff` with Q 1, unity gain at its
 *           centre; after the envelope, a 12 dB/oct high-pass at cutoff / 2.
 *   level:  each source is scaled for a steady RMS through the band at any cutoff, tune and
 *           sample rate: the squares' partials fall as 1/f and lie 2 f0 apart, so their power in
 *           a band of width fc / Q goes as tune / fc; white noise's goes as fc / fs.
 * The envelope is exponential: `decay` IS the T60 of a closed hit, the time its envelope takes
 * to fall 60 dB from its peak; with `open` above 0 every hit is open and its T60 is `open`. A
 * rising edge at the `choke` input cuts a ringing hit short: from that frame on it falls with a
 * T60 of HIHAT_CHOKE_S (patch the gate that strikes a closed hat into an open hat's choke
 * too). A choke at a trigger's frame chokes the new hit: the closed hat wins.
 *
 * `accent` (parameter plus input, read at the trigger) sets the hit's peak, 1/2 to 1; the output
 * times `level` is limited to +-1, which the sources' peaks reach only rarely at full accent.
 * A trigger at frame f sounds at frame f: both filters pass their input's first sample.
 *
 * `tune`, `cutoff` and `level` ramp; `decay`, `open` and `noise` step at their event's frame;
 * `accent` is read at each trigger.
 *
 * Follows the RT rules in module.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chronus/dsp.h"
#include "chronus/module.h"
#include "drums.h"

enum { HIHAT_IN_TRIG, HIHAT_IN_CHOKE, HIHAT_IN_ACCENT, HIHAT_IN_COUNT };
enum { HIHAT_OUT_OUT, HIHAT_OUT_COUNT };
enum {
	HIHAT_PARAM_NOISE,
	HIHAT_PARAM_TUNE,
	HIHAT_PARAM_DECAY_S,
	HIHAT_PARAM_OPEN_S,
	HIHAT_PARAM_CUTOFF_HZ,
	HIHAT_PARAM_ACCENT,
	HIHAT_PARAM_LEVEL,
	HIHAT_PARAM_COUNT
};
enum { HIHAT_NOISE_METAL, HIHAT_NOISE_WHITE, HIHAT_NOISE_COUNT };

static const cx_port_info_t hihat_ins[] = {
    [HIHAT_IN_TRIG] = {"trig", CX_PORT_GATE, 0.0f, "a rising edge strikes the hat"},
    [HIHAT_IN_CHOKE] = {"choke", CX_PORT_GATE, 0.0f, "a rising edge cuts the hat short"},
    [HIHAT_IN_ACCENT] = {"accent", CX_PORT_CV, 0.0f, "added to accent at each trigger"},
};
_Static_assert(sizeof hihat_ins / sizeof hihat_ins[0] == HIHAT_IN_COUNT, "one entry per input");

static const cx_port_info_t hihat_outs[] = {
    [HIHAT_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "the hat, within +-1"},
};
_Static_assert(sizeof hihat_outs / sizeof hihat_outs[0] == HIHAT_OUT_COUNT, "one entry per output");

static const char *const hihat_noise_names[] = {
    [HIHAT_NOISE_METAL] = "metal",
    [HIHAT_NOISE_WHITE] = "white",
};
_Static_assert(sizeof hihat_noise_names / sizeof hihat_noise_names[0] == HIHAT_NOISE_COUNT,
               "one name per source");

static const cx_param_info_t hihat_params[] = {
    [HIHAT_PARAM_NOISE] = {0, "noise", "", 0.0f, (float)(HIHAT_NOISE_COUNT - 1),
                           (float)HIHAT_NOISE_METAL, CX_PARAM_ENUM | CX_PARAM_NO_RAMP,
                           hihat_noise_names, "source: metal (six squares) or white noise"},
    [HIHAT_PARAM_TUNE] = {1, "tune", "x", 0.5f, 2.0f, 1.0f, CX_PARAM_LOG, NULL,
                          "the squares' frequencies, times the 808's"},
    [HIHAT_PARAM_DECAY_S] = {2, "decay", "s", 0.01f, 1.0f, 0.06f, CX_PARAM_LOG | CX_PARAM_NO_RAMP,
                             NULL, "T60 of a closed hit: time to fall 60 dB from its peak"},
    [HIHAT_PARAM_OPEN_S] = {3, "open", "s", 0.0f, 4.0f, 0.0f, CX_PARAM_NO_RAMP, NULL,
                            "0: closed; else every hit is open, with this T60"},
    [HIHAT_PARAM_CUTOFF_HZ] = {4, "cutoff", "Hz", 500.0f, 16000.0f, 8000.0f, CX_PARAM_LOG, NULL,
                               "band-pass centre; the high-pass is an octave below"},
    [HIHAT_PARAM_ACCENT] = {5, "accent", "", 0.0f, 1.0f, 0.0f, CX_PARAM_NO_RAMP, NULL,
                            "hit level, -6 dB at 0 to 0 dB at 1; read at each trigger"},
    [HIHAT_PARAM_LEVEL] = {6, "level", "", 0.0f, 1.0f, 1.0f, 0, NULL, "output level"},
};
_Static_assert(sizeof hihat_params / sizeof hihat_params[0] == HIHAT_PARAM_COUNT,
               "one entry per parameter");

#define HIHAT_OSCS      6u
#define HIHAT_CHOKE_S   0.02f /* T60 of a choked hit */
#define HIHAT_BP_DAMP   1.0f  /* k = 1/Q of the band-pass */
#define HIHAT_HP_DAMP   1.41421356f
#define HIHAT_WHITE_RMS 0.2f  /* aimed at for white noise through the band */
#define HIHAT_METAL_RMS 0.13f /* the squares' sum has a higher crest factor */
#define HIHAT_WHITE_CAL 1.4f  /* measured at 8 kHz, see hihat_hold */
#define HIHAT_METAL_CAL 0.72f /* measured at 8 kHz, see hihat_hold */
/* (4/pi^2) sum w^2 f0 over the six oscillators, in Hz: their power density times f^2 */
#define HIHAT_METAL_POWER 29.0f
#define HIHAT_SEED        0x4a7u

/* The TR-808's six square oscillators, and their weights in the mix (sum 1). */
static const float hihat_osc_hz[HIHAT_OSCS] = {205.3f, 304.4f, 369.6f, 522.7f, 540.0f, 800.0f};
static const float hihat_osc_weight[HIHAT_OSCS] = {0.1907f, 0.1774f, 0.1681f,
                                                   0.1596f, 0.1553f, 0.1489f};

typedef struct hihat_state {
	float sample_rate_hz;
	float frame_s;
	float hz_to_inc; /* 2^32 / sample rate */
	uint32_t ramp_frames;
	uint32_t trig_high;  /* the trig input was high on the previous frame */
	uint32_t choke_high; /* the choke input was high on the previous frame */
	uint32_t noise;      /* HIHAT_NOISE_* */
	uint32_t active;
	uint32_t seed;
	uint64_t frames; /* frames rendered since init: the squares' free-running clock */
	uint32_t phase[HIHAT_OSCS];
	float accent;
	float env;
	float env_factor; /* of the hit under way */
	float closed_factor, open_factor, choke_factor;
	float open_s;
	float held_cutoff_hz; /* the cutoff the filters were worked out for */
	float held_tune;      /* the tune the metal gain was worked out for */
	float held_metal_gain, held_white_gain;
	drum_svf_coefs_t held_bp, held_hp;
	drum_svf_t bp, hp;
	cx_ramp_log_t tune;
	cx_ramp_log_t cutoff_hz;
	cx_ramp_t level;
} hihat_state_t;

static float hihat_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, hihat_params[index].min, hihat_params[index].max);
}

static void hihat_silence(hihat_state_t *s)
{
	s->active = 0;
	s->env = 0.0f;
	s->bp = (drum_svf_t){0.0f, 0.0f};
	s->hp = (drum_svf_t){0.0f, 0.0f};
}

static void hihat_reset(void *state)
{
	hihat_state_t *s = state;
	s->trig_high = 0;
	s->choke_high = 0;
	s->seed = HIHAT_SEED;
	s->frames = 0;
	hihat_silence(s);
}

static void hihat_set_open(hihat_state_t *s, float open_s)
{
	s->open_s = open_s;
	if (open_s > 0.0f)
		s->open_factor = drum_t60_factor(open_s, s->sample_rate_hz);
}

static void hihat_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	hihat_state_t *s = state;
	(void)frames_max;
	s->sample_rate_hz = sample_rate;
	s->frame_s = 1.0f / sample_rate;
	s->hz_to_inc = 4294967296.0f / sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	s->noise = (uint32_t)hihat_param_clamp(HIHAT_PARAM_NOISE, params[HIHAT_PARAM_NOISE]);
	s->closed_factor = drum_t60_factor(
	    hihat_param_clamp(HIHAT_PARAM_DECAY_S, params[HIHAT_PARAM_DECAY_S]), sample_rate);
	hihat_set_open(s, hihat_param_clamp(HIHAT_PARAM_OPEN_S, params[HIHAT_PARAM_OPEN_S]));
	s->choke_factor = drum_t60_factor(HIHAT_CHOKE_S, sample_rate);
	s->accent = hihat_param_clamp(HIHAT_PARAM_ACCENT, params[HIHAT_PARAM_ACCENT]);
	cx_ramp_log_snap(&s->tune, hihat_param_clamp(HIHAT_PARAM_TUNE, params[HIHAT_PARAM_TUNE]));
	cx_ramp_log_snap(&s->cutoff_hz,
	                 hihat_param_clamp(HIHAT_PARAM_CUTOFF_HZ, params[HIHAT_PARAM_CUTOFF_HZ]));
	cx_ramp_snap(&s->level, hihat_param_clamp(HIHAT_PARAM_LEVEL, params[HIHAT_PARAM_LEVEL]));
	s->held_cutoff_hz = 0.0f; /* below the range: worked out at the first frame */
	s->held_tune = 0.0f;
	s->env_factor = s->closed_factor;
	hihat_reset(s);
}

static void hihat_apply(hihat_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= HIHAT_PARAM_COUNT)
		return;
	float v = hihat_param_clamp(e->index, e->value);
	switch (e->index) {
	case HIHAT_PARAM_NOISE:
		s->noise = (uint32_t)v;
		break;
	case HIHAT_PARAM_TUNE:
		cx_ramp_log_to(&s->tune, v, s->ramp_frames);
		break;
	case HIHAT_PARAM_DECAY_S:
		s->closed_factor = drum_t60_factor(v, s->sample_rate_hz);
		break;
	case HIHAT_PARAM_OPEN_S:
		hihat_set_open(s, v);
		break;
	case HIHAT_PARAM_CUTOFF_HZ:
		cx_ramp_log_to(&s->cutoff_hz, v, s->ramp_frames);
		break;
	case HIHAT_PARAM_ACCENT:
		s->accent = v;
		break;
	case HIHAT_PARAM_LEVEL:
		cx_ramp_to(&s->level, v, s->ramp_frames);
		break;
	}
}

static uint32_t hihat_inc(const hihat_state_t *s, unsigned osc, float tune)
{
	return (uint32_t)(int32_t)(hihat_osc_hz[osc] * tune * s->hz_to_inc); /* < 2^31 */
}

static void hihat_strike(void *state, const cx_process_t *p, uint32_t frame)
{
	hihat_state_t *s = state;
	if (!s->active) { /* the squares' phases, had they run since init (mod 2^32, exactly) */
		for (unsigned o = 0; o < HIHAT_OSCS; o++)
			s->phase[o] =
			    (uint32_t)((s->frames + frame) * hihat_inc(s, o, s->tune.value));
	}
	s->env = drum_accent_gain(s->accent, p->in[HIHAT_IN_ACCENT][frame]);
	s->env_factor = s->open_s > 0.0f ? s->open_factor : s->closed_factor;
	s->active = 1;
}

/* Works out the filters for a cutoff and the sources' gains for a cutoff and a tune (see the
 * header). White noise, uniform in [-1, 1] (RMS 1/sqrt 3), keeps the power of a band pi/2 k fc
 * wide out of fs/2 through a two-pole band-pass of unity peak gain; the squares' partials (odd
 * harmonics of amplitude 4/(pi h) at h f0, spaced 2 f0) have a power density of
 * (4/pi^2) w^2 f0 / f^2 summed over the oscillators, which the band takes near fc. What these
 * leave out (the high-pass takes part of the band's lower skirt; a band holds few of the
 * squares' lines, and they are not spread evenly) is the factor HIHAT_*_CAL, measured at the
 * default cutoff: the RMS then holds within about 3 dB from 500 Hz to 16 kHz. */
static void hihat_hold(hihat_state_t *s, float cutoff_hz, float tune)
{
	if (cutoff_hz != s->held_cutoff_hz) {
		s->held_cutoff_hz = cutoff_hz;
		s->held_bp = drum_svf_coefs(cutoff_hz, HIHAT_BP_DAMP, s->frame_s);
		s->held_hp = drum_svf_coefs(0.5f * cutoff_hz, HIHAT_HP_DAMP, s->frame_s);
		float white_rms =
		    sqrtf(3.14159265f * HIHAT_BP_DAMP * cutoff_hz * s->frame_s / 3.0f);
		s->held_white_gain = HIHAT_WHITE_CAL * HIHAT_WHITE_RMS / white_rms;
	}
	s->held_tune = tune;
	float metal_rms =
	    sqrtf(HIHAT_METAL_POWER * tune * HIHAT_BP_DAMP / (3.14159265f * cutoff_hz));
	s->held_metal_gain = HIHAT_METAL_CAL * HIHAT_METAL_RMS / metal_rms;
}

/* The PolyBLEP residual of cx_polyblep, without branches (both sides worked out, one kept), so
 * that a chunk of it vectorizes: t the phase in cycles, dt the increment, inv_dt = 1 / dt. */
static inline float hihat_blep(float t, float dt, float inv_dt)
{
	float a = t * inv_dt, b = (t - 1.0f) * inv_dt;
	float after = a + a - a * a - 1.0f, before = b * b + b + b + 1.0f;
	return t < dt ? after : t > 1.0f - dt ? before : 0.0f;
}

/* The six band-limited squares, summed, for n <= CX_CHUNK_FRAMES frames into x: each
 * oscillator's phases first (a running sum), then its wave over the whole chunk. */
static void hihat_metal(hihat_state_t *s, const float *tune, float *x, uint32_t n)
{
	for (uint32_t i = 0; i < CX_CHUNK_FRAMES; i++)
		x[i] = 0.0f;
	for (unsigned o = 0; o < HIHAT_OSCS; o++) {
		uint32_t phase[CX_CHUNK_FRAMES], inc[CX_CHUNK_FRAMES], ph = s->phase[o];
		for (uint32_t i = 0; i < n; i++) {
			inc[i] = hihat_inc(s, o, tune[i]);
			ph += inc[i];
			phase[i] = ph;
		}
		s->phase[o] = ph;
		for (uint32_t i = n; i < CX_CHUNK_FRAMES;
		     i++) { /* lanes past n: any valid values */
			inc[i] = 1u << 24;
			phase[i] = 1u << 30;
		}
		const float w = hihat_osc_weight[o];
		for (uint32_t i = 0; i < CX_CHUNK_FRAMES; i++) {
			float t = (float)(phase[i] >> 8) * 0x1p-24f, dt = (float)inc[i] * 0x1p-32f;
			float inv_dt = 1.0f / dt;
			float u = t < 0.5f ? t + 0.5f : t - 0.5f; /* phase from the falling edge */
			float sq = t < 0.5f ? 1.0f : -1.0f;
			x[i] += w * (sq + hihat_blep(t, dt, inv_dt) - hihat_blep(u, dt, inv_dt));
		}
	}
}

/* Steps the envelope through n frames, writing each frame's value; returns the number of
 * frames the hat sounds for (n, or fewer when it ends within them). */
static uint32_t hihat_envelope(hihat_state_t *s, float *env, uint32_t n)
{
	float e = s->env;
	for (uint32_t i = 0; i < n; i++) {
		env[i] = e;
		e *= s->env_factor;
		if (e < DRUM_SILENT) {
			s->active = 0;
			return i + 1;
		}
	}
	s->env = e;
	return n;
}

/* The hat's voice over n <= CX_CHUNK_FRAMES frames into y (CX_CHUNK_FRAMES, zeros past n). */
static void hihat_voice(hihat_state_t *s, float *y, uint32_t n)
{
	float tune[CX_CHUNK_FRAMES], cutoff_hz[CX_CHUNK_FRAMES], level[CX_CHUNK_FRAMES],
	    env[CX_CHUNK_FRAMES], x[CX_CHUNK_FRAMES];
	drum_ramp_log_fill(&s->tune, tune, n);
	drum_ramp_log_fill(&s->cutoff_hz, cutoff_hz, n);
	drum_ramp_fill(&s->level, level, n);
	uint32_t live = hihat_envelope(s, env, n);
	if (s->noise == HIHAT_NOISE_METAL) {
		hihat_metal(s, tune, x, live);
	} else {
		for (uint32_t i = 0; i < live; i++)
			x[i] = drum_noise(&s->seed);
	}
	drum_svf_t bp = s->bp, hp = s->hp;
	const int metal = s->noise == HIHAT_NOISE_METAL;
	for (uint32_t i = 0; i < live; i++) {
		if (cutoff_hz[i] != s->held_cutoff_hz || tune[i] != s->held_tune)
			hihat_hold(s, cutoff_hz[i], tune[i]);
		float gain = metal ? s->held_metal_gain : s->held_white_gain;
		/* gain includes k: k band is the band-pass of unity peak gain */
		float band = HIHAT_BP_DAMP * gain * drum_svf_tick(&bp, s->held_bp, x[i]).bp;
		y[i] = drum_svf_tick(&hp, s->held_hp, env[i] * band).hp;
	}
	s->bp = bp;
	s->hp = hp;
	for (uint32_t i = live; i < CX_CHUNK_FRAMES; i++)
		y[i] = 0.0f;
	for (uint32_t i = 0; i < CX_CHUNK_FRAMES; i++)
		y[i] = cx_clampf(level[i] * y[i], -1.0f, 1.0f);
	if (!s->active)
		hihat_silence(s);
}

/* Renders frames [begin, end) with no trigger or choke edge inside (one may be at begin). */
static void hihat_run(void *state, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	hihat_state_t *s = state;
	float *out = p->out[HIHAT_OUT_OUT];
	uint32_t n;
	for (uint32_t pos = begin; pos < end; pos += n) {
		n = end - pos < CX_CHUNK_FRAMES ? end - pos : CX_CHUNK_FRAMES;
		if (!s->active) { /* silent: only the ramps move */
			drum_ramp_log_skip(&s->tune, n);
			drum_ramp_log_skip(&s->cutoff_hz, n);
			drum_ramp_skip(&s->level, n);
			memset(out + pos, 0, n * sizeof *out);
			continue;
		}
		float y[CX_CHUNK_FRAMES];
		hihat_voice(s, y, n);
		memcpy(out + pos, y, n * sizeof *out);
	}
}

static void hihat_choke(void *state, const cx_process_t *p, uint32_t frame)
{
	hihat_state_t *s = state;
	(void)p;
	(void)frame;
	s->env_factor = s->choke_factor;
}

/* Renders frames [begin, end) with no trigger inside, split at the choke's rising edges. */
static void hihat_span(void *state, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	hihat_state_t *s = state;
	drum_render(s, p->in[HIHAT_IN_CHOKE], &s->choke_high, p, begin, end, hihat_run,
	            hihat_choke);
}

static void hihat_process(void *state, const cx_process_t *p)
{
	hihat_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			hihat_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		drum_render(s, p->in[HIHAT_IN_TRIG], &s->trig_high, p, pos, end, hihat_span,
		            hihat_strike);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		hihat_apply(s, e);
	s->frames += p->frames;
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "hihat",
    .summary = "analog-style hi-hat: 808 square bank or white noise, band- and high-passed",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(hihat_state_t),
    .in_count = HIHAT_IN_COUNT,
    .ins = hihat_ins,
    .out_count = HIHAT_OUT_COUNT,
    .outs = hihat_outs,
    .param_count = HIHAT_PARAM_COUNT,
    .params = hihat_params,
    .init = hihat_init,
    .process = hihat_process,
    .reset = hihat_reset,
    .migrate = NULL,
};
