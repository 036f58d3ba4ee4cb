/*
 * sh — sample and hold: on each rising edge of `trig` the output takes the input's value at
 * that very frame and holds it until the next edge.
 *
 * The classic analog sample-and-hold (a switch and a capacitor, as in the Buchla 266 or the
 * ARP 2600), with no droop and no slew: `out` at the edge's frame is already the new value,
 * so the held value is exactly the input sample of that frame (read as specs/signals.md says:
 * NaN as 0, clamped to ±10). `trig` is high above 0.5; an edge is a frame that is high after
 * one that was low (a trigger held high samples once).
 *
 * With nothing patched into `in`, each edge samples the module's own white noise instead:
 * uniform in [-1, 1), from a PCG32 generator (dsp.h; O'Neill 2014) kept in the state and
 * seeded by `seed`, so a patch renders the same every time (two instances with one seed draw
 * the same values: give each its own). One value is drawn per edge, so the values do not depend
 * on how a render is split into blocks. A module cannot see a cable, only the buffer it reads,
 * so "unpatched" is told by the value: the port's default, SH_UNPATCHED (1e9, far beyond the
 * ±10 V rails a cable carries), means no cable. Setting the unpatched input to a level
 * (`gate s.in 1`) samples that level instead.
 *
 * The output starts at 0 and stays within ±10. `seed` restarts the noise sequence at its
 * event's frame (it is a switch, it does not ramp).
 *
 * Follows the RT rules in module.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

#define SH_UNPATCHED 1e9f /* the default of `in`: no cable, sample the noise */
#define SH_SEED_MAX  16777215.0f

enum { SH_IN_IN, SH_IN_TRIG, SH_IN_COUNT };
enum { SH_OUT_OUT, SH_OUT_COUNT };
enum { SH_PARAM_SEED, SH_PARAM_COUNT };

static const cx_port_info_t sh_ins[] = {
    [SH_IN_IN] = {"in", CX_PORT_CV, SH_UNPATCHED,
                  "the value to sample; unpatched: white noise in [-1, 1)"},
    [SH_IN_TRIG] = {"trig", CX_PORT_GATE, 0.0f, "rising: sample `in` at that frame"},
};
_Static_assert(sizeof sh_ins / sizeof sh_ins[0] == SH_IN_COUNT, "one entry per input");

static const cx_port_info_t sh_outs[] = {
    [SH_OUT_OUT] = {"out", CX_PORT_CV, 0.0f, "the value sampled at the last rising trig"},
};
_Static_assert(sizeof sh_outs / sizeof sh_outs[0] == SH_OUT_COUNT, "one entry per output");

static const cx_param_info_t sh_params[] = {
    [SH_PARAM_SEED] = {0, "seed", "", 0.0f, SH_SEED_MAX, 1.0f, CX_PARAM_INTEGER | CX_PARAM_NO_RAMP,
                       NULL, "noise sequence when `in` is unpatched: same seed, same values"},
};
_Static_assert(sizeof sh_params / sizeof sh_params[0] == SH_PARAM_COUNT, "one entry per parameter");

typedef struct sh_state {
	uint32_t seed;
	uint64_t rng;       /* PCG32 state */
	uint32_t trig_high; /* trig was high on the previous frame */
	float held;
} sh_state_t;

static void sh_set_seed(sh_state_t *s, float value)
{
	s->seed = (uint32_t)cx_clampf(value, 0.0f, SH_SEED_MAX);
	cx_pcg32_seed(&s->rng, s->seed);
}

static void sh_reset(void *state)
{
	sh_state_t *s = state;
	cx_pcg32_seed(&s->rng, s->seed);
	s->trig_high = 0;
	s->held = 0.0f;
}

static void sh_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	sh_state_t *s = state;
	(void)sample_rate;
	(void)frames_max;
	sh_set_seed(s, params[SH_PARAM_SEED]);
	sh_reset(s);
}

static void sh_apply(sh_state_t *s, const cx_event_t *e)
{
	if (e->kind == CX_EVENT_PARAM && e->index == SH_PARAM_SEED)
		sh_set_seed(s, e->value);
}

/* The value an edge at a frame whose input reads x takes. */
static inline float sh_sample(sh_state_t *s, float x)
{
	if (x == SH_UNPATCHED)
		return cx_pcg32_bipolar(&s->rng);
	return cx_sanitizef(x, CX_INPUT_LIMIT);
}

static void sh_render(sh_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to)
{
	const float *in = p->in[SH_IN_IN], *trig = p->in[SH_IN_TRIG];
	float *out = p->out[SH_OUT_OUT];
	uint32_t high = s->trig_high;
	float held = s->held;
	for (uint32_t i = from; i < to; i++) {
		uint32_t now = trig[i] > 0.5f;
		if (now && !high)
			held = sh_sample(s, in[i]);
		high = now;
		out[i] = held;
	}
	s->trig_high = high;
	s->held = held;
}

static void sh_process(void *state, const cx_process_t *p)
{
	sh_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			sh_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		sh_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		sh_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "sh",
    .summary = "sample and hold: a rising trig samples the input (or noise) at that frame",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(sh_state_t),
    .in_count = SH_IN_COUNT,
    .ins = sh_ins,
    .out_count = SH_OUT_COUNT,
    .outs = sh_outs,
    .param_count = SH_PARAM_COUNT,
    .params = sh_params,
    .init = sh_init,
    .process = sh_process,
    .reset = sh_reset,
    .migrate = NULL,
};
