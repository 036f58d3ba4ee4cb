/*
 * fm — a two-operator FM voice: a sine modulator, with self-feedback, modulating the phase of
 * a sine carrier.
 *
 *	out = level sin(2 pi fc t + I m(t)),   m(t) = sin(2 pi ratio fc t + beta (m[n-1] + m[n-2]) /
 *2)
 *
 * This is J. Chowning's simple FM ("The Synthesis of Complex Audio Spectra by Means of
 * Frequency Modulation", JAES 21(7), 1973), done as phase modulation the way Yamaha's
 * operators do it, so that the spectrum is the textbook one: partials at fc + k ratio fc with
 * amplitudes J_k(I), the Bessel functions of the first kind, for modulation index I (radians
 * of carrier phase deviation). The modulator's self-feedback is N. Tomisawa's (US patent
 * 4,249,447, 1981), fed back through the mean of its last two outputs, which damps the
 * period-two oscillation plain one-sample feedback breaks into at high gain; `feedback` 0..1
 * maps to beta 0..FM_BETA_MAX, from a pure sine to a near-saw.
 *
 * Phases are 32-bit fixed-point accumulators (2^32 = one cycle) as in the vco, so the pitch
 * holds far better than 0.1 cent; the phase offsets I m and beta m are added in fixed point
 * too, wrapping for free, and the sines are the polynomial of chronus/dsp.h (error 2e-7).
 *
 * Carrier frequency, per frame: freq * 2^pitch, limited to 0.49 sample rate; the modulator
 * runs at ratio times that, limited the same way. Index: `index` plus the `index` input, held
 * to 0..20. freq and ratio ramp geometrically, index, feedback and level linearly. No
 * envelope: patch a vca after it, and an envelope into `index` for the classic brass and bell
 * sweeps. There is no anti-aliasing: sidebands past Nyquist fold, as in the hardware.
 *
 * |out| <= level <= 1. Follows the RT rules in module.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { FM_IN_PITCH, FM_IN_INDEX, FM_IN_COUNT };
enum { FM_OUT_OUT, FM_OUT_COUNT };
enum {
	FM_PARAM_FREQ_HZ,
	FM_PARAM_RATIO,
	FM_PARAM_INDEX,
	FM_PARAM_FEEDBACK,
	FM_PARAM_LEVEL,
	FM_PARAM_COUNT
};

static const cx_port_info_t fm_ins[] = {
    [FM_IN_PITCH] = {"pitch", CX_PORT_CV, 0.0f, "pitch, 1 V/oct, added to log2 of freq"},
    [FM_IN_INDEX] = {"index", CX_PORT_CV, 0.0f,
                     "added to the index (radians per volt); the sum is held to 0..20"},
};
_Static_assert(sizeof fm_ins / sizeof fm_ins[0] == FM_IN_COUNT, "one entry per input");

static const cx_port_info_t fm_outs[] = {
    [FM_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "the carrier, ±level"},
};
_Static_assert(sizeof fm_outs / sizeof fm_outs[0] == FM_OUT_COUNT, "one entry per output");

#define FM_INDEX_MAX 20.0f

static const cx_param_info_t fm_params[] = {
    [FM_PARAM_FREQ_HZ] = {0, "freq", "Hz", 0.1f, 20000.0f, CX_C4_HZ, CX_PARAM_LOG, NULL,
                          "carrier frequency at 0 V on the pitch input"},
    [FM_PARAM_RATIO] = {1, "ratio", "", 0.125f, 16.0f, 1.0f, CX_PARAM_LOG, NULL,
                        "modulator frequency over carrier frequency"},
    [FM_PARAM_INDEX] = {2, "index", "", 0.0f, FM_INDEX_MAX, 1.0f, 0, NULL,
                        "modulation index: peak phase deviation of the carrier, radians"},
    [FM_PARAM_FEEDBACK] = {3, "feedback", "", 0.0f, 1.0f, 0.0f, 0, NULL,
                           "modulator self-feedback: 0 sine, 1 near-saw"},
    [FM_PARAM_LEVEL] = {4, "level", "", 0.0f, 1.0f, 1.0f, 0, NULL, "output gain"},
};
_Static_assert(sizeof fm_params / sizeof fm_params[0] == FM_PARAM_COUNT, "one entry per parameter");

#define FM_CYCLES_PER_FRAME_MAX 0.49f
#define FM_BETA_MAX             1.5f         /* feedback gain at feedback 1, radians */
#define FM_RADIANS_TO_PHASE     683565275.6f /* 2^32 / (2 pi) */

typedef struct fm_state {
	float hz_to_inc; /* 2^32 / sample rate */
	float freq_hz_max;
	uint32_t ramp_frames;
	uint32_t carrier; /* phases, 2^32 = one cycle */
	uint32_t modulator;
	float mod_prev[2]; /* the modulator's last two outputs, newest first */
	cx_ramp_log_t freq_hz;
	cx_ramp_log_t ratio;
	cx_ramp_t index;
	cx_ramp_t feedback;
	cx_ramp_t level;
} fm_state_t;

static float fm_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, fm_params[index].min, fm_params[index].max);
}

static void fm_reset(void *state)
{
	fm_state_t *s = state;
	s->carrier = 0;
	s->modulator = 0;
	s->mod_prev[0] = s->mod_prev[1] = 0.0f;
}

static void fm_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	fm_state_t *s = state;
	(void)frames_max;
	s->hz_to_inc = 4294967296.0f / sample_rate;
	s->freq_hz_max = FM_CYCLES_PER_FRAME_MAX * sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	cx_ramp_log_snap(&s->freq_hz, fm_param_clamp(FM_PARAM_FREQ_HZ, params[FM_PARAM_FREQ_HZ]));
	cx_ramp_log_snap(&s->ratio, fm_param_clamp(FM_PARAM_RATIO, params[FM_PARAM_RATIO]));
	cx_ramp_snap(&s->index, fm_param_clamp(FM_PARAM_INDEX, params[FM_PARAM_INDEX]));
	cx_ramp_snap(&s->feedback, fm_param_clamp(FM_PARAM_FEEDBACK, params[FM_PARAM_FEEDBACK]));
	cx_ramp_snap(&s->level, fm_param_clamp(FM_PARAM_LEVEL, params[FM_PARAM_LEVEL]));
	fm_reset(s);
}

static void fm_apply(fm_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= FM_PARAM_COUNT)
		return;
	float v = fm_param_clamp(e->index, e->value);
	switch (e->index) {
	case FM_PARAM_FREQ_HZ:
		cx_ramp_log_to(&s->freq_hz, v, s->ramp_frames);
		break;
	case FM_PARAM_RATIO:
		cx_ramp_log_to(&s->ratio, v, s->ramp_frames);
		break;
	case FM_PARAM_INDEX:
		cx_ramp_to(&s->index, v, s->ramp_frames);
		break;
	case FM_PARAM_FEEDBACK:
		cx_ramp_to(&s->feedback, v, s->ramp_frames);
		break;
	case FM_PARAM_LEVEL:
		cx_ramp_to(&s->level, v, s->ramp_frames);
		break;
	}
}

/* sin(2 pi phase / 2^32), from the phase's top 24 bits. */
static inline float fm_sin(uint32_t phase)
{
	return -cx_sinpif((float)(phase >> 8) * 0x1p-23f -
	                  1.0f); /* sin(2 pi t) = -sin(pi (2t-1)) */
}

/* A phase offset of x radians, |x| well inside 2^31 / FM_RADIANS_TO_PHASE turns, wrapped. */
static inline uint32_t fm_offset(float radians)
{
	return (uint32_t)(int64_t)(radians * FM_RADIANS_TO_PHASE);
}

/* The per-frame controls of a chunk; stride 0 when one set serves the whole chunk. */
typedef struct fm_controls {
	uint32_t stride;
	uint32_t carrier_inc[CX_CHUNK_FRAMES];
	uint32_t modulator_inc[CX_CHUNK_FRAMES];
	float index[CX_CHUNK_FRAMES];
	float beta[CX_CHUNK_FRAMES];
	float level[CX_CHUNK_FRAMES];
} fm_controls_t;

static void fm_control(const fm_state_t *s, fm_controls_t *c, uint32_t j, float freq_hz,
                       float ratio, float pitch_v, float index, float index_v, float feedback,
                       float level)
{
	float hz = freq_hz * cx_exp2f(cx_sanitizef(pitch_v, CX_INPUT_LIMIT));
	float carrier_hz = cx_clampf(hz, 0.0f, s->freq_hz_max);
	float modulator_hz = cx_clampf(carrier_hz * ratio, 0.0f, s->freq_hz_max);
	c->carrier_inc[j] = (uint32_t)(carrier_hz * s->hz_to_inc);
	c->modulator_inc[j] = (uint32_t)(modulator_hz * s->hz_to_inc);
	c->index[j] = cx_clampf(index + cx_sanitizef(index_v, CX_INPUT_LIMIT), 0.0f, FM_INDEX_MAX);
	c->beta[j] = feedback * (FM_BETA_MAX * 0.5f); /* times the sum of the last two */
	c->level[j] = level;
}

static int fm_ramps_idle(const fm_state_t *s)
{
	return s->freq_hz.frames_left == 0 && s->ratio.frames_left == 0 &&
	       s->index.frames_left == 0 && s->feedback.frames_left == 0 &&
	       s->level.frames_left == 0;
}

static void fm_controls(fm_state_t *s, const float *pitch_v, const float *index_v, uint32_t n,
                        fm_controls_t *c)
{
	if (fm_ramps_idle(s) && cx_is_constant(pitch_v, n) && cx_is_constant(index_v, n)) {
		c->stride = 0;
		fm_control(s, c, 0, s->freq_hz.value, s->ratio.value, pitch_v[0], s->index.value,
		           index_v[0], s->feedback.value, s->level.value);
		return;
	}
	c->stride = 1;
	for (uint32_t i = 0; i < n; i++)
		fm_control(s, c, i, cx_ramp_log_next(&s->freq_hz), cx_ramp_log_next(&s->ratio),
		           pitch_v[i], cx_ramp_next(&s->index), index_v[i],
		           cx_ramp_next(&s->feedback), cx_ramp_next(&s->level));
}

/* Renders a chunk whose modulator feeds back: each frame waits for the last one's sine. */
static void fm_run_feedback(fm_state_t *s, const fm_controls_t *c, float *out, uint32_t n)
{
	uint32_t carrier = s->carrier, modulator = s->modulator;
	float m1 = s->mod_prev[0], m2 = s->mod_prev[1];
	for (uint32_t i = 0, j = 0; i < n; i++, j += c->stride) {
		float m = fm_sin(modulator + fm_offset(c->beta[j] * (m1 + m2)));
		out[i] = c->level[j] * fm_sin(carrier + fm_offset(c->index[j] * m));
		m2 = m1;
		m1 = m;
		carrier += c->carrier_inc[j];
		modulator += c->modulator_inc[j];
	}
	s->carrier = carrier;
	s->modulator = modulator;
	s->mod_prev[0] = m1;
	s->mod_prev[1] = m2;
}

/* The same with no feedback: the frames are independent, so they pipeline (and vectorize). */
static void fm_run_plain(fm_state_t *s, const fm_controls_t *c, float *out, float *m, uint32_t n)
{
	uint32_t carrier = s->carrier, modulator = s->modulator;
	for (uint32_t i = 0, j = 0; i < n; i++, j += c->stride) {
		m[i] = fm_sin(modulator);
		out[i] = c->level[j] * fm_sin(carrier + fm_offset(c->index[j] * m[i]));
		carrier += c->carrier_inc[j];
		modulator += c->modulator_inc[j];
	}
	s->carrier = carrier;
	s->modulator = modulator;
	s->mod_prev[1] = n > 1 ? m[n - 2] : s->mod_prev[0];
	s->mod_prev[0] = m[n - 1];
}

static int fm_no_feedback(const fm_controls_t *c, uint32_t n)
{
	for (uint32_t i = 0, j = 0; i < n; i++, j += c->stride)
		if (c->beta[j] != 0.0f)
			return 0;
	return 1;
}

static void fm_render(fm_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	uint32_t n;
	for (uint32_t pos = begin; pos < end; pos += n) {
		n = end - pos < CX_CHUNK_FRAMES ? end - pos : CX_CHUNK_FRAMES;
		fm_controls_t c;
		fm_controls(s, p->in[FM_IN_PITCH] + pos, p->in[FM_IN_INDEX] + pos, n, &c);
		float *out = p->out[FM_OUT_OUT] + pos;
		if (fm_no_feedback(&c, n)) {
			float m[CX_CHUNK_FRAMES];
			fm_run_plain(s, &c, out, m, n);
		} else {
			fm_run_feedback(s, &c, out, n);
		}
	}
}

static void fm_process(void *state, const cx_process_t *p)
{
	fm_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			fm_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		fm_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		fm_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "fm",
    .summary = "two-operator FM voice: sine modulator with feedback into a sine carrier",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(fm_state_t),
    .in_count = FM_IN_COUNT,
    .ins = fm_ins,
    .out_count = FM_OUT_COUNT,
    .outs = fm_outs,
    .param_count = FM_PARAM_COUNT,
    .params = fm_params,
    .init = fm_init,
    .process = fm_process,
    .reset = fm_reset,
    .migrate = NULL,
};
