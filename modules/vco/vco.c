/*
 * vco — a band-limited oscillator: sine, triangle, saw and variable-width square.
 *
 * The phase is a 32-bit fixed-point accumulator (2^32 = one cycle), as in direct digital
 * synthesis: it wraps for free, runs backwards for negative frequencies (through-zero linear
 * FM), and resolves frequency to sample_rate / 2^32 (0.00001 Hz at 48 kHz), so the pitch holds
 * to far better than a cent over the whole audio range. Saw and square are made band-limited
 * with two-sample PolyBLEP residuals at their steps, the triangle with PolyBLAMP residuals at
 * its corners (Välimäki & Huovilainen, "Antialiasing Oscillators in Subtractive Synthesis",
 * IEEE SPM 2007; Esqueda, Välimäki & Bilbao, "Rounding Corners with BLAMP", DAFx-16); the sine
 * is a polynomial (chronus/dsp.h).
 *
 * Frequency, per frame: freq * 2^pitch + fm * fm_in, where `freq` ramps geometrically (even in
 * octaves), `pitch` is 1 V/oct CV and `fm` is linear FM depth in Hz of deviation per unit of
 * the fm input. The result is limited to ±0.49 * sample rate. When the ramps are idle and the
 * inputs hold still over a chunk, the phase increment is computed once for the chunk.
 *
 * Waves all start a cycle at phase 0: sine and triangle cross zero rising there, the saw jumps
 * from +1 to -1 there, the square rises to +1 there and falls at phase `width`.
 *
 * Follows the RT rules in module.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { VCO_IN_PITCH, VCO_IN_FM, VCO_IN_COUNT };
enum { VCO_OUT_OUT, VCO_OUT_COUNT };
enum { VCO_PARAM_FREQ_HZ, VCO_PARAM_WAVE, VCO_PARAM_WIDTH, VCO_PARAM_FM_HZ, VCO_PARAM_COUNT };
enum { VCO_WAVE_SINE, VCO_WAVE_TRIANGLE, VCO_WAVE_SAW, VCO_WAVE_SQUARE, VCO_WAVE_COUNT };

static const cx_port_info_t vco_ins[] = {
    [VCO_IN_PITCH] = {"pitch", CX_PORT_CV, 0.0f, "pitch, 1 V/oct, added to log2 of freq"},
    [VCO_IN_FM] = {"fm", CX_PORT_AUDIO, 0.0f, "linear FM: fm Hz of deviation per unit"},
};
_Static_assert(sizeof vco_ins / sizeof vco_ins[0] == VCO_IN_COUNT, "one entry per input");

static const cx_port_info_t vco_outs[] = {
    [VCO_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "the wave, ±1"},
};
_Static_assert(sizeof vco_outs / sizeof vco_outs[0] == VCO_OUT_COUNT, "one entry per output");

static const char *const vco_wave_names[] = {
    [VCO_WAVE_SINE] = "sine",
    [VCO_WAVE_TRIANGLE] = "triangle",
    [VCO_WAVE_SAW] = "saw",
    [VCO_WAVE_SQUARE] = "square",
};
_Static_assert(sizeof vco_wave_names / sizeof vco_wave_names[0] == VCO_WAVE_COUNT,
               "one name per wave");

static const cx_param_info_t vco_params[] = {
    [VCO_PARAM_FREQ_HZ] = {0, "freq", "Hz", 0.1f, 20000.0f, CX_C4_HZ, CX_PARAM_LOG, NULL,
                           "frequency at 0 V on the pitch input"},
    [VCO_PARAM_WAVE] = {1, "wave", "", 0.0f, (float)(VCO_WAVE_COUNT - 1), (float)VCO_WAVE_SAW,
                        CX_PARAM_ENUM | CX_PARAM_NO_RAMP, vco_wave_names,
                        "sine, triangle, saw or square"},
    [VCO_PARAM_WIDTH] = {2, "width", "", 0.01f, 0.99f, 0.5f, 0, NULL,
                         "pulse width of the square, as a fraction of the cycle"},
    [VCO_PARAM_FM_HZ] = {3, "fm", "Hz", 0.0f, 20000.0f, 0.0f, 0, NULL,
                         "linear FM depth: Hz of deviation per unit of the fm input"},
};
_Static_assert(sizeof vco_params / sizeof vco_params[0] == VCO_PARAM_COUNT,
               "one entry per parameter");

/* The highest |frequency| as a fraction of the sample rate; also keeps the increment in
 * int32 range. */
#define VCO_CYCLES_PER_FRAME_MAX 0.49f

typedef struct vco_state {
	float hz_to_inc;   /* phase increment per Hz: 2^32 / sample rate */
	float freq_hz_max; /* VCO_CYCLES_PER_FRAME_MAX * sample rate */
	uint32_t ramp_frames;
	uint32_t wave;  /* VCO_WAVE_* */
	uint32_t phase; /* 2^32 = one cycle */
	cx_ramp_log_t freq_hz;
	cx_ramp_t width;
	cx_ramp_t fm_hz;
} vco_state_t;

static float vco_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, vco_params[index].min, vco_params[index].max);
}

static void vco_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	vco_state_t *s = state;
	(void)frames_max;
	s->hz_to_inc = 4294967296.0f / sample_rate;
	s->freq_hz_max = VCO_CYCLES_PER_FRAME_MAX * sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	s->wave = (uint32_t)vco_param_clamp(VCO_PARAM_WAVE, params[VCO_PARAM_WAVE]);
	s->phase = 0;
	cx_ramp_log_snap(&s->freq_hz,
	                 vco_param_clamp(VCO_PARAM_FREQ_HZ, params[VCO_PARAM_FREQ_HZ]));
	cx_ramp_snap(&s->width, vco_param_clamp(VCO_PARAM_WIDTH, params[VCO_PARAM_WIDTH]));
	cx_ramp_snap(&s->fm_hz, vco_param_clamp(VCO_PARAM_FM_HZ, params[VCO_PARAM_FM_HZ]));
}

static void vco_reset(void *state)
{
	vco_state_t *s = state;
	s->phase = 0;
}

static void vco_apply(vco_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= VCO_PARAM_COUNT)
		return;
	float v = vco_param_clamp(e->index, e->value);
	switch (e->index) {
	case VCO_PARAM_FREQ_HZ:
		cx_ramp_log_to(&s->freq_hz, v, s->ramp_frames);
		break;
	case VCO_PARAM_WAVE:
		s->wave = (uint32_t)v;
		break;
	case VCO_PARAM_WIDTH:
		cx_ramp_to(&s->width, v, s->ramp_frames);
		break;
	case VCO_PARAM_FM_HZ:
		cx_ramp_to(&s->fm_hz, v, s->ramp_frames);
		break;
	}
}

/* Returns the phase increment for an instantaneous frequency (any sign, NaN reads as 0). */
static inline int32_t vco_increment(const vco_state_t *s, float hz)
{
	return (int32_t)(cx_clampf(hz, -s->freq_hz_max, s->freq_hz_max) * s->hz_to_inc);
}

static inline float vco_hz(float freq_hz, float pitch_v, float fm_hz, float fm)
{
	return freq_hz * cx_exp2f(cx_sanitizef(pitch_v, CX_INPUT_LIMIT)) +
	       fm_hz * cx_sanitizef(fm, CX_INPUT_LIMIT);
}

/* The phase increments of a chunk of frames: inc[j] and dt[j] = |inc[j]| in cycles per frame,
 * j = i * stride. stride is 0 when one increment serves the whole chunk, else 1. */
typedef struct vco_incs {
	uint32_t stride;
	int32_t inc[CX_CHUNK_FRAMES];
	float dt[CX_CHUNK_FRAMES];
} vco_incs_t;

static inline void vco_set_inc(vco_incs_t *c, uint32_t j, int32_t inc)
{
	c->inc[j] = inc;
	c->dt[j] = fabsf((float)inc * 0x1p-32f);
}

static void vco_increments(vco_state_t *s, const float *pitch_v, const float *fm, uint32_t n,
                           vco_incs_t *c)
{
	int still = s->freq_hz.frames_left == 0 && s->fm_hz.frames_left == 0 &&
	            cx_is_constant(pitch_v, n) && (s->fm_hz.value == 0.0f || cx_is_constant(fm, n));
	if (still) {
		c->stride = 0;
		vco_set_inc(
		    c, 0,
		    vco_increment(s, vco_hz(s->freq_hz.value, pitch_v[0], s->fm_hz.value, fm[0])));
		return;
	}
	c->stride = 1;
	for (uint32_t i = 0; i < n; i++) {
		float freq_hz = cx_ramp_log_next(&s->freq_hz);
		float fm_hz = cx_ramp_next(&s->fm_hz);
		vco_set_inc(c, i, vco_increment(s, vco_hz(freq_hz, pitch_v[i], fm_hz, fm[i])));
	}
}

/* The phase as a float in [0, 1): its top 24 bits, exactly. */
static inline float vco_t(uint32_t phase)
{
	return (float)(phase >> 8) * 0x1p-24f;
}

static void vco_sine(uint32_t *phase, const vco_incs_t *c, float *out, uint32_t n)
{
	uint32_t ph = *phase;
	for (uint32_t i = 0, j = 0; i < n; i++, j += c->stride) {
		ph += (uint32_t)c->inc[j];
		out[i] = -cx_sinpif(2.0f * vco_t(ph) - 1.0f); /* sin(2 pi t) = -sin(pi (2t - 1)) */
	}
	*phase = ph;
}

/* Corners at t = 1/4 (the peak: the slope changes by -8 per cycle) and t = 3/4 (the trough:
 * +8 per cycle). */
static void vco_triangle(uint32_t *phase, const vco_incs_t *c, float *out, uint32_t n)
{
	uint32_t ph = *phase;
	for (uint32_t i = 0, j = 0; i < n; i++, j += c->stride) {
		ph += (uint32_t)c->inc[j];
		float dt = c->dt[j];
		float u = vco_t(ph + 0x40000000u); /* phase from the trough */
		float naive = 1.0f - 4.0f * fabsf(u - 0.5f);
		float trough = cx_polyblamp(u, dt);
		float peak = cx_polyblamp(vco_t(ph + 0xC0000000u), dt);
		out[i] = naive + 8.0f * dt * (trough - peak);
	}
	*phase = ph;
}

static void vco_saw(uint32_t *phase, const vco_incs_t *c, float *out, uint32_t n)
{
	uint32_t ph = *phase;
	for (uint32_t i = 0, j = 0; i < n; i++, j += c->stride) {
		ph += (uint32_t)c->inc[j];
		float t = vco_t(ph);
		out[i] = 2.0f * t - 1.0f - cx_polyblep(t, c->dt[j]);
	}
	*phase = ph;
}

static void vco_square(uint32_t *phase, const vco_incs_t *c, const float *width, float *out,
                       uint32_t n)
{
	uint32_t ph = *phase;
	for (uint32_t i = 0, j = 0; i < n; i++, j += c->stride) {
		ph += (uint32_t)c->inc[j];
		float dt = c->dt[j];
		float t = vco_t(ph);
		float fall = t - width[i];
		fall += fall < 0.0f ? 1.0f : 0.0f; /* phase from the falling edge */
		float naive = t < width[i] ? 1.0f : -1.0f;
		float y = naive + cx_polyblep(t, dt) - cx_polyblep(fall, dt);
		out[i] = cx_clampf(y, -1.0f, 1.0f); /* the two residuals overlap at narrow widths */
	}
	*phase = ph;
}

static void vco_render(vco_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	uint32_t n;
	for (uint32_t pos = begin; pos < end; pos += n) {
		n = end - pos < CX_CHUNK_FRAMES ? end - pos : CX_CHUNK_FRAMES;
		vco_incs_t c;
		vco_increments(s, p->in[VCO_IN_PITCH] + pos, p->in[VCO_IN_FM] + pos, n, &c);
		float *out = p->out[VCO_OUT_OUT] + pos;
		switch (s->wave) {
		case VCO_WAVE_SINE:
			vco_sine(&s->phase, &c, out, n);
			break;
		case VCO_WAVE_TRIANGLE:
			vco_triangle(&s->phase, &c, out, n);
			break;
		case VCO_WAVE_SAW:
			vco_saw(&s->phase, &c, out, n);
			break;
		default: {
			float width[CX_CHUNK_FRAMES];
			for (uint32_t i = 0; i < n; i++)
				width[i] = cx_ramp_next(&s->width);
			vco_square(&s->phase, &c, width, out, n);
			break;
		}
		}
	}
}

static void vco_process(void *state, const cx_process_t *p)
{
	vco_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			vco_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		vco_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		vco_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "vco",
    .summary = "band-limited oscillator: sine, triangle, saw, square",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(vco_state_t),
    .in_count = VCO_IN_COUNT,
    .ins = vco_ins,
    .out_count = VCO_OUT_COUNT,
    .outs = vco_outs,
    .param_count = VCO_PARAM_COUNT,
    .params = vco_params,
    .init = vco_init,
    .process = vco_process,
    .reset = vco_reset,
    .migrate = NULL,
};
