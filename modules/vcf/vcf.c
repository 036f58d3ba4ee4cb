/*
 * vcf — a resonant state-variable filter with lowpass, highpass and bandpass outputs.
 *
 * The linear core is the trapezoidal-integrated ("topology-preserving transform") SVF of
 * V. Zavalishin, "The Art of VA Filter Design" (rev. 2.1.2, 2020), ch. 4, in the form given by
 * A. Simper, "Linear Trapezoidal Integrated State Variable Filter With Low Noise
 * Optimisation" (Cytomic technical paper SvfLinearTrapOptimised2): two integrator states ic1eq
 *(band) and ic2eq (low), v3 = v0 - ic2eq;  v1 = a1 ic1eq + a2 v3;  v2 = ic2eq + a2 ic1eq + a3 v3;
 *	ic1eq = 2 v1 - ic1eq;  ic2eq = 2 v2 - ic2eq;
 *	low = v2, band = v1, high = v0 - k v1 - v2,
 * with g = tan(pi fc / fs), a1 = 1 / (1 + g (g + k)), a2 = g a1, a3 = g a2. Writing g = s / c
 * with s = sin(pi fc / fs), c = cos(pi fc / fs) gives a1 = c^2 / D, a2 = s c / D, a3 = s^2 / D,
 * D = c^2 + s^2 + k s c: one division and a polynomial sine and cosine per coefficient set,
 * and no tangent pole: fc is limited to 0.49 fs, so the filter is stable at any cutoff.
 *
 * The update is rearranged (exactly, by substituting v1 and v2) into increments of the states,
 *	ic1eq' = (ic1eq - c1 ic1eq) + (b v0 - b ic2eq),      c1 = 2 (1 - a1), b = 2 a2,
 *	ic2eq' = (ic2eq - c3 ic2eq) + (b ic1eq + c3 v0),      c3 = 2 a3,
 *	band = (ic1eq + ic1eq') / 2,  low = (ic2eq + ic2eq') / 2,
 * grouped so each new state is one multiply and two adds deep in the previous ones (the
 * recursion is what bounds the speed), while small coefficients still scale only the
 * increments, keeping Simper's low-noise property at low cutoffs.
 *
 * Damping k = sqrt(2) (1 - resonance): at resonance 0 it is Butterworth (Q = 1/sqrt(2)) and,
 * since g is prewarped, the lowpass is exactly -3 dB at `cutoff`; at resonance 1, k = 0 and
 * the filter is lossless: it rings on indefinitely at the cutoff. The band output is v1, whose
 * peak gain is 1 / k (Q).
 *
 * To stay bounded at high resonance with any input, each integrator state passes through a
 * soft knee: linear up to ±VCF_KNEE, then compressed towards ±VCF_STATE_MAX (like an OTA
 * integrator running out of current). Normal signals never reach the knee, so the branch
 * costs nothing in the common case and the filter is exactly linear there. The outputs are
 * averages of limited states, so |lp|, |bp| < 4 and, with the input clamped to ±10,
 * |hp| < 10 + sqrt(2) 4 + 4 < 20, whatever comes in.
 *
 * When the cutoff CV holds still over a chunk and no ramp runs, the coefficients are kept
 * from the last chunk or computed once for the chunk; else they are computed every frame,
 * into an array the recursion then reads.
 *
 * Follows the RT rules in module.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { VCF_IN_IN, VCF_IN_CUTOFF, VCF_IN_COUNT };
enum { VCF_OUT_OUT, VCF_OUT_LP, VCF_OUT_HP, VCF_OUT_BP, VCF_OUT_COUNT };
enum { VCF_PARAM_CUTOFF_HZ, VCF_PARAM_RESONANCE, VCF_PARAM_MODE, VCF_PARAM_COUNT };
enum { VCF_MODE_LP, VCF_MODE_HP, VCF_MODE_BP, VCF_MODE_COUNT };

static const cx_port_info_t vcf_ins[] = {
    [VCF_IN_IN] = {"in", CX_PORT_AUDIO, 0.0f, "signal to filter"},
    [VCF_IN_CUTOFF] = {"cutoff", CX_PORT_CV, 0.0f, "cutoff CV, 1 V/oct, added to log2 cutoff"},
};
_Static_assert(sizeof vcf_ins / sizeof vcf_ins[0] == VCF_IN_COUNT, "one entry per input");

static const cx_port_info_t vcf_outs[] = {
    [VCF_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "the output chosen by mode"},
    [VCF_OUT_LP] = {"lp", CX_PORT_AUDIO, 0.0f, "lowpass, 12 dB/oct"},
    [VCF_OUT_HP] = {"hp", CX_PORT_AUDIO, 0.0f, "highpass, 12 dB/oct"},
    [VCF_OUT_BP] = {"bp", CX_PORT_AUDIO, 0.0f, "bandpass, peak gain Q"},
};
_Static_assert(sizeof vcf_outs / sizeof vcf_outs[0] == VCF_OUT_COUNT, "one entry per output");

static const char *const vcf_mode_names[] = {
    [VCF_MODE_LP] = "lp",
    [VCF_MODE_HP] = "hp",
    [VCF_MODE_BP] = "bp",
};
_Static_assert(sizeof vcf_mode_names / sizeof vcf_mode_names[0] == VCF_MODE_COUNT,
               "one name per mode");

static const cx_param_info_t vcf_params[] = {
    [VCF_PARAM_CUTOFF_HZ] = {0, "cutoff", "Hz", 20.0f, 20000.0f, 1000.0f, CX_PARAM_LOG, NULL,
                             "cutoff frequency at 0 V on the cutoff input"},
    [VCF_PARAM_RESONANCE] = {1, "resonance", "", 0.0f, 1.0f, 0.0f, 0, NULL,
                             "0: Butterworth, 1: rings on at the cutoff"},
    [VCF_PARAM_MODE] = {2, "mode", "", 0.0f, (float)(VCF_MODE_COUNT - 1), (float)VCF_MODE_LP,
                        CX_PARAM_ENUM | CX_PARAM_NO_RAMP, vcf_mode_names,
                        "which response the out port carries: lp, hp or bp"},
};
_Static_assert(sizeof vcf_params / sizeof vcf_params[0] == VCF_PARAM_COUNT,
               "one entry per parameter");

#define VCF_CUTOFF_RATIO_MIN 1e-5f /* of the sample rate: 0.48 Hz at 48 kHz */
#define VCF_CUTOFF_RATIO_MAX 0.49f /* of the sample rate: below Nyquist, g stays finite */
#define VCF_KNEE             2.0f  /* integrator states are linear up to this */
#define VCF_STATE_MAX        4.0f  /* and never reach this */

typedef struct vcf_coefs {
	float c1, b, c3, k; /* see the header: c1 = 2 (1 - a1), b = 2 a2, c3 = 2 a3 */
} vcf_coefs_t;

typedef struct vcf_state {
	float frame_s; /* 1 / sample rate */
	uint32_t ramp_frames;
	uint32_t mode; /* VCF_MODE_* */
	cx_ramp_log_t cutoff_hz;
	cx_ramp_t resonance;
	float ic1eq;          /* band integrator state */
	float ic2eq;          /* low integrator state */
	float held_cutoff_hz; /* the settings `held` was computed for (NaN: none yet) */
	float held_cv;
	float held_resonance;
	vcf_coefs_t held; /* coefficients kept while nothing moves */
} vcf_state_t;

static float vcf_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, vcf_params[index].min, vcf_params[index].max);
}

static void vcf_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	vcf_state_t *s = state;
	(void)frames_max;
	s->frame_s = 1.0f / sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	s->mode = (uint32_t)vcf_param_clamp(VCF_PARAM_MODE, params[VCF_PARAM_MODE]);
	cx_ramp_log_snap(&s->cutoff_hz,
	                 vcf_param_clamp(VCF_PARAM_CUTOFF_HZ, params[VCF_PARAM_CUTOFF_HZ]));
	cx_ramp_snap(&s->resonance,
	             vcf_param_clamp(VCF_PARAM_RESONANCE, params[VCF_PARAM_RESONANCE]));
	s->ic1eq = 0.0f;
	s->ic2eq = 0.0f;
	s->held_cutoff_hz = NAN;
}

static void vcf_reset(void *state)
{
	vcf_state_t *s = state;
	s->ic1eq = 0.0f;
	s->ic2eq = 0.0f;
}

static void vcf_apply(vcf_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= VCF_PARAM_COUNT)
		return;
	float v = vcf_param_clamp(e->index, e->value);
	switch (e->index) {
	case VCF_PARAM_CUTOFF_HZ:
		cx_ramp_log_to(&s->cutoff_hz, v, s->ramp_frames);
		break;
	case VCF_PARAM_RESONANCE:
		cx_ramp_to(&s->resonance, v, s->ramp_frames);
		break;
	case VCF_PARAM_MODE:
		s->mode = (uint32_t)v;
		break;
	}
}

/* The coefficients for a cutoff, a cutoff CV in volts and a resonance (see the header). */
static inline vcf_coefs_t vcf_coefs(const vcf_state_t *s, float cutoff_hz, float cv,
                                    float resonance)
{
	float ratio = cutoff_hz * cx_exp2f(cx_sanitizef(cv, CX_INPUT_LIMIT)) * s->frame_s;
	ratio = cx_clampf(ratio, VCF_CUTOFF_RATIO_MIN, VCF_CUTOFF_RATIO_MAX);
	float sn, cs;
	cx_sincospif(ratio, &sn, &cs);
	float k = 1.41421356f * (1.0f - resonance);
	float two_over_d = 2.0f / (cs * cs + sn * sn + k * sn * cs);
	return (vcf_coefs_t){
	    .c1 = sn * (sn + k * cs) * two_over_d, /* 2 (1 - a1) = 2 s (s + k c) / D */
	    .b = sn * cs * two_over_d,
	    .c3 = sn * sn * two_over_d,
	    .k = k,
	};
}

/* Fills c[0..n) with the coefficients of each frame (the one place vcf_coefs is called, so
 * that it is inlined into this loop). */
static void vcf_coefs_frames(const vcf_state_t *s, const float *cutoff_hz, const float *cv,
                             const float *resonance, uint32_t n, vcf_coefs_t *c)
{
	for (uint32_t i = 0; i < n; i++)
		c[i] = vcf_coefs(s, cutoff_hz[i], cv[i], resonance[i]);
}

/* The coefficients while the cutoff, its CV and the resonance hold still: worked out again
 * only when one of them has changed since the last time. */
static inline vcf_coefs_t vcf_held_coefs(vcf_state_t *s, float cv)
{
	float cutoff_hz = s->cutoff_hz.value, resonance = s->resonance.value;
	if (!(cutoff_hz == s->held_cutoff_hz && cv == s->held_cv &&
	      resonance == s->held_resonance)) {
		vcf_coefs_frames(s, &cutoff_hz, &cv, &resonance, 1, &s->held);
		s->held_cutoff_hz = cutoff_hz;
		s->held_cv = cv;
		s->held_resonance = resonance;
	}
	return s->held;
}

/* Soft knee: identity up to ±VCF_KNEE, then approaching ±VCF_STATE_MAX; continuous slope. */
static inline float vcf_limit(float x)
{
	float over = fabsf(x) - VCF_KNEE;
	if (over <= 0.0f)
		return x;
	over = over / (1.0f + over * (1.0f / (VCF_STATE_MAX - VCF_KNEE)));
	return copysignf(VCF_KNEE + over, x);
}

/* The two integrator states, kept in locals while a chunk renders (the output buffers could
 * alias the state blob as far as the compiler knows, which would put memory in the loop). */
typedef struct vcf_ic {
	float ic1eq, ic2eq;
} vcf_ic_t;

/* One frame of the filter; writes the three responses. */
static inline vcf_ic_t vcf_tick(vcf_ic_t ic, vcf_coefs_t c, float in, float *lp, float *hp,
                                float *bp)
{
	float v0 = cx_sanitizef(in, CX_INPUT_LIMIT);
	float ic1eq = vcf_limit((ic.ic1eq - c.c1 * ic.ic1eq) + (c.b * v0 - c.b * ic.ic2eq));
	float ic2eq = vcf_limit((ic.ic2eq - c.c3 * ic.ic2eq) + (c.b * ic.ic1eq + c.c3 * v0));
	float band = 0.5f * (ic.ic1eq + ic1eq);
	float low = 0.5f * (ic.ic2eq + ic2eq);
	*lp = low;
	*bp = band;
	*hp = v0 - c.k * band - low;
	return (vcf_ic_t){ic1eq, ic2eq};
}

static void vcf_render(vcf_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	const float *in = p->in[VCF_IN_IN];
	const float *cv = p->in[VCF_IN_CUTOFF];
	float *lp = p->out[VCF_OUT_LP], *hp = p->out[VCF_OUT_HP], *bp = p->out[VCF_OUT_BP];
	vcf_ic_t ic = {s->ic1eq, s->ic2eq};
	uint32_t n;
	for (uint32_t pos = begin; pos < end; pos += n) {
		n = end - pos < CX_CHUNK_FRAMES ? end - pos : CX_CHUNK_FRAMES;
		int still = s->cutoff_hz.frames_left == 0 && s->resonance.frames_left == 0 &&
		            cx_is_constant(cv + pos, n);
		if (still) {
			vcf_coefs_t c = vcf_held_coefs(s, cv[pos]);
			for (uint32_t i = pos; i < pos + n; i++)
				ic = vcf_tick(ic, c, in[i], &lp[i], &hp[i], &bp[i]);
		} else {
			float cutoff_hz[CX_CHUNK_FRAMES], resonance[CX_CHUNK_FRAMES];
			for (uint32_t i = 0; i < n; i++) {
				cutoff_hz[i] = cx_ramp_log_next(&s->cutoff_hz);
				resonance[i] = cx_ramp_next(&s->resonance);
			}
			vcf_coefs_t c[CX_CHUNK_FRAMES];
			vcf_coefs_frames(s, cutoff_hz, cv + pos, resonance, n, c);
			for (uint32_t i = 0; i < n; i++)
				ic = vcf_tick(ic, c[i], in[pos + i], &lp[pos + i], &hp[pos + i],
				              &bp[pos + i]);
		}
	}
	s->ic1eq = ic.ic1eq;
	s->ic2eq = ic.ic2eq;
	const float *chosen = s->mode == VCF_MODE_HP ? hp : s->mode == VCF_MODE_BP ? bp : lp;
	memcpy(p->out[VCF_OUT_OUT] + begin, chosen + begin, (end - begin) * sizeof(float));
}

static void vcf_process(void *state, const cx_process_t *p)
{
	vcf_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			vcf_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		vcf_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		vcf_apply(s, e);
	s->ic1eq = cx_flush_tinyf(s->ic1eq);
	s->ic2eq = cx_flush_tinyf(s->ic2eq);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "vcf",
    .summary = "resonant state-variable filter: lowpass, highpass, bandpass",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(vcf_state_t),
    .in_count = VCF_IN_COUNT,
    .ins = vcf_ins,
    .out_count = VCF_OUT_COUNT,
    .outs = vcf_outs,
    .param_count = VCF_PARAM_COUNT,
    .params = vcf_params,
    .init = vcf_init,
    .process = vcf_process,
    .reset = vcf_reset,
    .migrate = NULL,
};
