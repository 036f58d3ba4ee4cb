/*
 * ladder — a four-pole nonlinear transistor ladder lowpass (24 dB/octave), self-oscillating
 * at full resonance.
 *
 * Model: the transistor ladder as a chain of four one-pole stages with saturating
 * differential pairs, as in A. Huovilainen, "Non-linear digital implementation of the Moog
 * ladder filter" (DAFx-04, 2004):
 *	u = tanh(v),  v = G x - k y4                 (the driven input pair, with feedback)
 *	dy1/dt = wc (u - S(y1)),  dyn/dt = wc (S(y(n-1)) - S(yn)),  n = 2..4,
 * with S(y) = V tanh(y / V). Discretized as V. Zavalishin, "The Art of VA Filter Design"
 * (rev. 2.1.2, 2020) does it: each stage a trapezoidal ("topology-preserving transform")
 * integrator with the prewarped gain g = tan(pi fc / fs), and the feedback loop solved with no
 * unit delay in it (ch. 5, the ladder's zero-delay feedback equation; ch. 6, nonlinear
 * zero-delay feedback). Per frame:
 *   - the stages' saturators are linearized at their secant gain a = S(y) / y taken at the
 *     last frame's state (Zavalishin's "cheap" instantaneous linearization): stage n is then
 *	yn = (sn + g in_n) dn,  dn = 1 / (1 + g an),  in_1 = u,  in_n = a(n-1) y(n-1),
 *     so that y4 = P u + Q, with P and Q known before u;
 *   - the input pair is solved properly: v + k P tanh(v) = G x - k Q, one Newton step from the
 *     last frame's v (the solution moves little from frame to frame at audio rates);
 *   - u = tanh(v) gives every yn, and the states take the trapezoidal step sn' = 2 yn - sn.
 * tanh is the [3/2] Pade approximant v (27 + v^2) / (27 + 9 v^2), which meets 1 with zero
 * slope at |v| = 3 and is held at +-1 beyond; a Newton step over its common denominator costs
 * one division. The stages' secants come from tanh(w) / w's Taylor series to w^6 and dn from
 * the geometric series of d1 / (1 - g d1 (1 - a)), d1 = 1 / (1 + g): no division per stage.
 *
 * Tuning. With the stages linear, the loop is exactly the bilinear transform of the analog
 * ladder, whose four poles each turn 45 degrees at fc: it oscillates at the cutoff when
 * k > 4. Saturating stages lower their poles as the level rises (that is how a hot ladder
 * goes flat), so here the stages get V = LADDER_STAGE_V, more headroom than the input pair:
 * self-oscillation is limited by the input pair, whose saturation turns no phase, and stays in
 * tune (tests/modules/ladder: within 5 cents; the stages pull it about 3 cents flat), while
 * loud input still bends the stages. `resonance` maps linearly to k = LADDER_K_MAX resonance:
 * at 1 the loop gain exceeds 1 and it rings on at the cutoff, about 0.6 peak. The passband
 * loses 1 / (1 + k) to the feedback; the output is raised by (1 + k / 2), half of that back,
 * as many ladders do.
 *
 * `drive` 0..1 raises the input gain G into the input pair by 0..24 dB; the output is lowered
 * by half as many dB, so hard driving saturates more and gets somewhat louder.
 *
 * Cost: about six times the vcf's (tests/modules/ladder, benchmark ladder_cost): four poles
 * where the vcf has two, a per-frame recursion that cannot be vectorized, the secants redone
 * every frame and a Newton step (two divisions in series) inside the zero-delay loop.
 *
 * Bounds: |u| <= 1, the states are clamped to +-LADDER_STATE_MAX (never reached in use; the
 * saturators hold them near 1), and the output is clamped to +-LADDER_OUT_MAX; with inputs
 * within ±1 it stays within ±2.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

enum { LADDER_IN_IN, LADDER_IN_CUTOFF, LADDER_IN_COUNT };
enum { LADDER_OUT_OUT, LADDER_OUT_COUNT };
enum { LADDER_PARAM_CUTOFF_HZ, LADDER_PARAM_RESONANCE, LADDER_PARAM_DRIVE, LADDER_PARAM_COUNT };

static const cx_port_info_t ladder_ins[] = {
    [LADDER_IN_IN] = {"in", CX_PORT_AUDIO, 0.0f, "signal to filter"},
    [LADDER_IN_CUTOFF] = {"cutoff", CX_PORT_CV, 0.0f, "cutoff CV, 1 V/oct, added to log2 cutoff"},
};
_Static_assert(sizeof ladder_ins / sizeof ladder_ins[0] == LADDER_IN_COUNT, "one entry per input");

static const cx_port_info_t ladder_outs[] = {
    [LADDER_OUT_OUT] = {"out", CX_PORT_AUDIO, 0.0f, "lowpass, 24 dB/octave"},
};
_Static_assert(sizeof ladder_outs / sizeof ladder_outs[0] == LADDER_OUT_COUNT,
               "one entry per output");

static const cx_param_info_t ladder_params[] = {
    [LADDER_PARAM_CUTOFF_HZ] = {0, "cutoff", "Hz", 20.0f, 20000.0f, 1000.0f, CX_PARAM_LOG, NULL,
                                "cutoff frequency at 0 V on the cutoff input"},
    [LADDER_PARAM_RESONANCE] = {1, "resonance", "", 0.0f, 1.0f, 0.0f, 0, NULL,
                                "feedback: at 1 it rings on at the cutoff"},
    [LADDER_PARAM_DRIVE] = {2, "drive", "", 0.0f, 1.0f, 0.0f, 0, NULL,
                            "input gain into the saturating ladder: 0..24 dB"},
};
_Static_assert(sizeof ladder_params / sizeof ladder_params[0] == LADDER_PARAM_COUNT,
               "one entry per parameter");

#define LADDER_K_MAX        4.6f  /* feedback at resonance 1: the loop gain is 1.15 */
#define LADDER_STAGE_V      4.0f  /* stage saturator scale, against 1 at the input pair */
#define LADDER_DRIVE_DB     24.0f /* input gain at drive 1 */
#define LADDER_CUTOFF_MIN   1e-5f /* of the sample rate */
#define LADDER_CUTOFF_MAX   0.45f /* of the sample rate */
#define LADDER_STATE_MAX    8.0f
#define LADDER_OUT_MAX      10.0f
#define LADDER_V_MAX        200.0f      /* |G x - k y4| < 16 * 10 + 4.6 * 8 */
#define LADDER_DB_TO_LOG2   0.16609640f /* log2(10) / 20 */
#define LADDER_STAGES       4
#define LADDER_NEWTON_STEPS 1 /* from the last frame: enough at audio rates */

/* The running state of the ladder, kept in locals while a chunk renders. */
typedef struct ladder_run {
	float s[LADDER_STAGES]; /* the trapezoidal integrators */
	float e[LADDER_STAGES]; /* the stages' 1 - secant gain for this frame (from the last one) */
	float v;                /* the input pair's v at the last frame */
} ladder_run_t;

typedef struct ladder_state {
	ladder_run_t run;
	float frame_s;
	uint32_t ramp_frames;
	cx_ramp_log_t cutoff_hz;
	cx_ramp_t resonance;
	cx_ramp_t drive;
	float held_cutoff_hz; /* the cutoff and CV `held_g` was computed for (NaN: none yet) */
	float held_cv;
	float held_g;
} ladder_state_t;

static float ladder_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, ladder_params[index].min, ladder_params[index].max);
}

static void ladder_reset(void *state)
{
	ladder_state_t *s = state;
	for (int i = 0; i < LADDER_STAGES; i++) {
		s->run.s[i] = 0.0f;
		s->run.e[i] = 0.0f;
	}
	s->run.v = 0.0f;
}

static void ladder_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	ladder_state_t *s = state;
	(void)frames_max;
	s->frame_s = 1.0f / sample_rate;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	cx_ramp_log_snap(&s->cutoff_hz, ladder_param_clamp(LADDER_PARAM_CUTOFF_HZ,
	                                                   params[LADDER_PARAM_CUTOFF_HZ]));
	cx_ramp_snap(&s->resonance,
	             ladder_param_clamp(LADDER_PARAM_RESONANCE, params[LADDER_PARAM_RESONANCE]));
	cx_ramp_snap(&s->drive, ladder_param_clamp(LADDER_PARAM_DRIVE, params[LADDER_PARAM_DRIVE]));
	s->held_cutoff_hz = NAN;
	ladder_reset(s);
}

static void ladder_apply(ladder_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= LADDER_PARAM_COUNT)
		return;
	float v = ladder_param_clamp(e->index, e->value);
	switch (e->index) {
	case LADDER_PARAM_CUTOFF_HZ:
		cx_ramp_log_to(&s->cutoff_hz, v, s->ramp_frames);
		break;
	case LADDER_PARAM_RESONANCE:
		cx_ramp_to(&s->resonance, v, s->ramp_frames);
		break;
	case LADDER_PARAM_DRIVE:
		cx_ramp_to(&s->drive, v, s->ramp_frames);
		break;
	}
}

/* The integrator gain g = tan(pi fc / fs) for a cutoff and a CV in volts. */
static inline float ladder_g(const ladder_state_t *s, float cutoff_hz, float cv)
{
	float ratio = cutoff_hz * cx_exp2f(cx_sanitizef(cv, CX_INPUT_LIMIT)) * s->frame_s;
	ratio = cx_clampf(ratio, LADDER_CUTOFF_MIN, LADDER_CUTOFF_MAX);
	float sn, cs;
	cx_sincospif(ratio, &sn, &cs);
	return sn / cs;
}

/* How far a stage's saturator bends: 1 - tanh(w) / w at w = state / V, from the Taylor
 * series of tanh(w) / w to w^6, with w^2 held at 1 beyond (the states stay well inside; the
 * clamp keeps the gain positive and falling). e is in [0, 0.26]. */
static inline float ladder_stage_e(float state)
{
	float z = state * state * (1.0f / (LADDER_STAGE_V * LADDER_STAGE_V));
	z = z < 1.0f ? z : 1.0f;
	return z * (1.0f / 3.0f - z * (2.0f / 15.0f - z * (17.0f / 315.0f)));
}

/* Solves v + kp tanh(v) = c for v (kp >= 0) by Newton steps from the guess v, on the Pade
 * tanh t(v) = v (27 + v^2) / D, D = 27 + 9 v^2, whose slope is 9 (9 - v^2)^2 / D^2 inside
 * |v| < 3 (0 outside, where t = +-1). f(v) = v + kp t(v) - c rises at a slope of at least 1,
 * so the steps converge; over a common denominator a step costs one division:
 * f / f' = (v D + kp v (27 + v^2) - c D) D / (D^2 + 9 kp (9 - v^2)^2). */
static inline float ladder_solve_input(float v, float kp, float c)
{
	for (int i = 0; i < LADDER_NEWTON_STEPS; i++) {
		float v2 = v * v;
		if (v2 < 9.0f) {
			float dd = 27.0f + 9.0f * v2, w = 9.0f - v2;
			v -= (v * dd + kp * v * (27.0f + v2) - c * dd) * dd /
			     (dd * dd + 9.0f * kp * w * w);
		} else {
			v = c - copysignf(kp, v);
		}
	}
	return v;
}

/* The Pade tanh (see ladder_solve_input). */
static inline float ladder_tanh(float v)
{
	float v2 = v * v;
	return v2 < 9.0f ? v * (27.0f + v2) / (27.0f + 9.0f * v2) : copysignf(1.0f, v);
}

/* The per-frame settings: integrator gain g and 1 / (1 + g), feedback, input and output gain. */
typedef struct ladder_frame {
	float g, d1, k, gain_in, gain_out;
} ladder_frame_t;

/* A stage's 1 / (1 + g a) for a secant gain a = 1 - e: d1 / (1 - r), r = g d1 e < 0.26, from
 * the geometric series to r^3 (within 0.5 %, and exact for the linear ladder): no division. */
static inline float ladder_stage_d(ladder_frame_t f, float e)
{
	float r = f.g * f.d1 * e;
	return f.d1 * (1.0f + r * (1.0f + r * (1.0f + r)));
}

static inline ladder_frame_t ladder_frame(float g, float resonance, float drive)
{
	float k = LADDER_K_MAX * resonance;
	float drive_log2 = drive * LADDER_DRIVE_DB * LADDER_DB_TO_LOG2;
	return (ladder_frame_t){
	    .g = g,
	    .d1 = 1.0f / (1.0f + g),
	    .k = k,
	    .gain_in = cx_exp2f(drive_log2),
	    .gain_out = (1.0f + 0.5f * k) * cx_exp2f(-0.5f * drive_log2),
	};
}

/* One frame of the ladder (see the header); returns the output. */
static inline float ladder_tick(ladder_run_t *r, ladder_frame_t f, float in)
{
	float x = f.gain_in * cx_sanitizef(in, CX_INPUT_LIMIT);
	float g = f.g;
	/* Stage n: yn = (sn + g in_n) dn, in_1 = u, in_n = a(n-1) y(n-1), so y4 = P u + Q. */
	float d[LADDER_STAGES], gain[LADDER_STAGES], pn[LADDER_STAGES], qn[LADDER_STAGES];
	float p = 1.0f, q = 0.0f;
	for (int n = 0; n < LADDER_STAGES; n++) {
		d[n] = ladder_stage_d(f, r->e[n]);
		gain[n] = g * d[n] * (n == 0 ? 1.0f : 1.0f - r->e[n - 1]);
		p *= gain[n];
		q = q * gain[n] + r->s[n] * d[n];
		pn[n] = p;
		qn[n] = q;
	}
	/* The input pair: u = tanh(v), v = x - k y4 = x - k (P u + Q). */
	float v = ladder_solve_input(r->v, f.k * p, x - f.k * q);
	float u = ladder_tanh(v);
	r->v = cx_clampf(v, -LADDER_V_MAX, LADDER_V_MAX);
	float y = 0.0f;
	for (int n = 0; n < LADDER_STAGES; n++) {
		y = pn[n] * u + qn[n];
		r->e[n] = ladder_stage_e(r->s[n]);
		r->s[n] = cx_clampf(2.0f * y - r->s[n], -LADDER_STATE_MAX, LADDER_STATE_MAX);
	}
	return cx_clampf(y * f.gain_out, -LADDER_OUT_MAX, LADDER_OUT_MAX);
}

static void ladder_render(ladder_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	const float *in = p->in[LADDER_IN_IN];
	const float *cv = p->in[LADDER_IN_CUTOFF];
	float *out = p->out[LADDER_OUT_OUT];
	ladder_run_t r = s->run;
	uint32_t n;
	for (uint32_t pos = begin; pos < end; pos += n) {
		n = end - pos < CX_CHUNK_FRAMES ? end - pos : CX_CHUNK_FRAMES;
		int still = s->cutoff_hz.frames_left == 0 && s->resonance.frames_left == 0 &&
		            s->drive.frames_left == 0 && cx_is_constant(cv + pos, n);
		if (still) {
			float cutoff_hz = s->cutoff_hz.value;
			if (!(cutoff_hz == s->held_cutoff_hz && cv[pos] == s->held_cv)) {
				s->held_g = ladder_g(s, cutoff_hz, cv[pos]);
				s->held_cutoff_hz = cutoff_hz;
				s->held_cv = cv[pos];
			}
			ladder_frame_t f =
			    ladder_frame(s->held_g, s->resonance.value, s->drive.value);
			for (uint32_t i = pos; i < pos + n; i++)
				out[i] = ladder_tick(&r, f, in[i]);
		} else {
			ladder_frame_t f[CX_CHUNK_FRAMES];
			for (uint32_t i = 0; i < n; i++) {
				float g = ladder_g(s, cx_ramp_log_next(&s->cutoff_hz), cv[pos + i]);
				f[i] = ladder_frame(g, cx_ramp_next(&s->resonance),
				                    cx_ramp_next(&s->drive));
			}
			for (uint32_t i = 0; i < n; i++)
				out[pos + i] = ladder_tick(&r, f[i], in[pos + i]);
		}
	}
	s->run = r;
}

static void ladder_process(void *state, const cx_process_t *p)
{
	ladder_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			ladder_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		ladder_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		ladder_apply(s, e);
	for (int n = 0; n < LADDER_STAGES; n++)
		s->run.s[n] = cx_flush_tinyf(s->run.s[n]);
	s->run.v = cx_flush_tinyf(s->run.v);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "ladder",
    .summary = "four-pole nonlinear transistor ladder lowpass, self-oscillating",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(ladder_state_t),
    .in_count = LADDER_IN_COUNT,
    .ins = ladder_ins,
    .out_count = LADDER_OUT_COUNT,
    .outs = ladder_outs,
    .param_count = LADDER_PARAM_COUNT,
    .params = ladder_params,
    .init = ladder_init,
    .process = ladder_process,
    .reset = ladder_reset,
    .migrate = NULL,
};
