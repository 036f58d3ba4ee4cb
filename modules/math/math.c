/*
 * math — a CV utility: combines two inputs by `mode`, then scales and offsets the result.
 *
 *	out = clamp(scale f(a, b) + offset, -10, 10)
 *
 * with f one of: sum a + b, diff a - b, mul a b, min, max, invert -a, abs |a| (the last two
 * read `a` alone). Inputs are read as specs/signals.md says (NaN as 0, clamped to ±10), so
 * f stays within ±100 and the output, clamped to the modular rails, within ±10. This is the
 * attenuverter-plus-offset of an analog utility module (a Doepfer A-183 or a Befaco A*B+C)
 * with a mode switch for the combination; nothing here needs an algorithm beyond arithmetic.
 *
 * `scale` and `offset` ramp over CX_RAMP_S (linearly, landing on their value exactly), so a
 * change makes no zipper noise; `mode` steps at its event's frame. With both held still the
 * arithmetic is exact in float: sum, diff and mul round once, min, max, invert and abs not at
 * all, and scale 1 and offset 0 leave that unchanged.
 *
 * Follows the RT rules in module.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

#define MATH_OUT_LIMIT 10.0f /* the modular rails */

enum { MATH_IN_A, MATH_IN_B, MATH_IN_COUNT };
enum { MATH_OUT_OUT, MATH_OUT_COUNT };
enum { MATH_PARAM_SCALE, MATH_PARAM_OFFSET_V, MATH_PARAM_MODE, MATH_PARAM_COUNT };
enum {
	MATH_MODE_SUM,
	MATH_MODE_DIFF,
	MATH_MODE_MUL,
	MATH_MODE_MIN,
	MATH_MODE_MAX,
	MATH_MODE_INVERT,
	MATH_MODE_ABS,
	MATH_MODE_COUNT
};

static const cx_port_info_t math_ins[] = {
    [MATH_IN_A] = {"a", CX_PORT_CV, 0.0f, "first operand"},
    [MATH_IN_B] = {"b", CX_PORT_CV, 0.0f, "second operand (sum, diff, mul, min, max)"},
};
_Static_assert(sizeof math_ins / sizeof math_ins[0] == MATH_IN_COUNT, "one entry per input");

static const cx_port_info_t math_outs[] = {
    [MATH_OUT_OUT] = {"out", CX_PORT_CV, 0.0f, "scale f(a, b) + offset, within ±10"},
};
_Static_assert(sizeof math_outs / sizeof math_outs[0] == MATH_OUT_COUNT, "one entry per output");

static const char *const math_mode_names[] = {
    [MATH_MODE_SUM] = "sum", [MATH_MODE_DIFF] = "diff", [MATH_MODE_MUL] = "mul",
    [MATH_MODE_MIN] = "min", [MATH_MODE_MAX] = "max",   [MATH_MODE_INVERT] = "invert",
    [MATH_MODE_ABS] = "abs",
};
_Static_assert(sizeof math_mode_names / sizeof math_mode_names[0] == MATH_MODE_COUNT,
               "one name per mode");

static const cx_param_info_t math_params[] = {
    [MATH_PARAM_SCALE] = {0, "scale", "", -10.0f, 10.0f, 1.0f, 0, NULL,
                          "multiplies f(a, b); negative inverts"},
    [MATH_PARAM_OFFSET_V] = {1, "offset", "V", -10.0f, 10.0f, 0.0f, 0, NULL, "added after scaling"},
    [MATH_PARAM_MODE] = {2, "mode", "", 0.0f, (float)(MATH_MODE_COUNT - 1), (float)MATH_MODE_SUM,
                         CX_PARAM_ENUM | CX_PARAM_NO_RAMP, math_mode_names,
                         "sum, diff, mul, min, max, invert (-a), abs (|a|)"},
};
_Static_assert(sizeof math_params / sizeof math_params[0] == MATH_PARAM_COUNT,
               "one entry per parameter");

typedef struct math_state {
	uint32_t ramp_frames;
	uint32_t mode; /* MATH_MODE_* */
	cx_ramp_t scale;
	cx_ramp_t offset_v;
} math_state_t;

static float math_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, math_params[index].min, math_params[index].max);
}

static void math_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	math_state_t *s = state;
	(void)frames_max;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	s->mode = (uint32_t)math_param_clamp(MATH_PARAM_MODE, params[MATH_PARAM_MODE]);
	cx_ramp_snap(&s->scale, math_param_clamp(MATH_PARAM_SCALE, params[MATH_PARAM_SCALE]));
	cx_ramp_snap(&s->offset_v,
	             math_param_clamp(MATH_PARAM_OFFSET_V, params[MATH_PARAM_OFFSET_V]));
}

static void math_apply(math_state_t *s, const cx_event_t *e)
{
	if (e->kind != CX_EVENT_PARAM || e->index >= MATH_PARAM_COUNT)
		return;
	float v = math_param_clamp(e->index, e->value);
	switch (e->index) {
	case MATH_PARAM_SCALE:
		cx_ramp_to(&s->scale, v, s->ramp_frames);
		break;
	case MATH_PARAM_OFFSET_V:
		cx_ramp_to(&s->offset_v, v, s->ramp_frames);
		break;
	case MATH_PARAM_MODE:
		s->mode = (uint32_t)v;
		break;
	}
}

/* One loop per mode, so that each is a plain loop the compiler vectorizes. */
#define MATH_LOOP(expr)                                                                            \
	for (uint32_t i = from; i < to; i++) {                                                     \
		float x = cx_sanitizef(a[i], CX_INPUT_LIMIT);                                      \
		float z = cx_sanitizef(b[i], CX_INPUT_LIMIT);                                      \
		(void)z;                                                                           \
		y[i] = (expr);                                                                     \
	}

/* Writes f(a, b) for frames [from, to) of the mode into y. */
static void math_combine(uint32_t mode, const float *a, const float *b, float *y, uint32_t from,
                         uint32_t to)
{
	switch (mode) {
	case MATH_MODE_DIFF:
		MATH_LOOP(x - z);
		break;
	case MATH_MODE_MUL:
		MATH_LOOP(x * z);
		break;
	case MATH_MODE_MIN:
		MATH_LOOP(x < z ? x : z);
		break;
	case MATH_MODE_MAX:
		MATH_LOOP(x > z ? x : z);
		break;
	case MATH_MODE_INVERT:
		MATH_LOOP(-x);
		break;
	case MATH_MODE_ABS:
		MATH_LOOP(fabsf(x));
		break;
	default:
		MATH_LOOP(x + z);
		break;
	}
}

static void math_render(math_state_t *s, const cx_process_t *p, uint32_t from, uint32_t to)
{
	float *y = p->out[MATH_OUT_OUT];
	math_combine(s->mode, p->in[MATH_IN_A], p->in[MATH_IN_B], y, from, to);
	if (s->scale.frames_left == 0 && s->offset_v.frames_left == 0) {
		const float scale = s->scale.value, offset = s->offset_v.value;
		for (uint32_t i = from; i < to; i++)
			y[i] = cx_clampf(scale * y[i] + offset, -MATH_OUT_LIMIT, MATH_OUT_LIMIT);
		return;
	}
	for (uint32_t i = from; i < to; i++) {
		float scale = cx_ramp_next(&s->scale), offset = cx_ramp_next(&s->offset_v);
		y[i] = cx_clampf(scale * y[i] + offset, -MATH_OUT_LIMIT, MATH_OUT_LIMIT);
	}
}

static void math_process(void *state, const cx_process_t *p)
{
	math_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			math_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		math_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		math_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "math",
    .summary = "CV utility: sum, diff, mul, min, max, invert, abs; then scale and offset",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(math_state_t),
    .in_count = MATH_IN_COUNT,
    .ins = math_ins,
    .out_count = MATH_OUT_COUNT,
    .outs = math_outs,
    .param_count = MATH_PARAM_COUNT,
    .params = math_params,
    .init = math_init,
    .process = math_process,
    .reset = NULL,
    .migrate = NULL,
};
