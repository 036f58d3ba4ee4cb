/*
 * mixer — eight mono channels to a stereo pair, with two aux sends and two aux returns.
 *
 * The layout of a console's input strip, as in any small-format mixer:
 *
 *	g_i     = level_i (1 - mute_i)                     the fader, after the mute
 *	left    = master (sum_i g_i cos(theta_i) in_i + c (ret1 ret1_in + ret2 ret2_in))
 *	right   = master (sum_i g_i sin(theta_i) in_i + c (ret1 ret1_in + ret2 ret2_in))
 *	send_a  = sum_i g_i send<i>a in_i,   send_b = sum_i g_i send<i>b in_i
 *
 * with theta_i = (pan_i + 1) pi / 4, the constant-power sine/cosine law of the `pan` module
 * (C. Roads, "The Computer Music Tutorial", 1996, ch. 9): left^2 + right^2 is the same at every
 * pan position, -3 dB each side at the centre. The sends are post-fader and post-mute (a muted
 * channel sends nothing; pulling a fader down pulls its reverb down with it) and pre-pan, and
 * do not go through `master`, so an effect's return keeps its balance with the dry mix when
 * the master moves. The returns are mono, placed in the centre (c = cos(pi / 4), the centre
 * of the same pan law), each at its own level `ret1`, `ret2`; patch an effect's two outputs
 * into ret1 and ret2 for a return that keeps a little width.
 *
 * 43 parameters of the 64 a module may have: level, pan and mute for each of the 8 channels,
 * two send levels each, the two return levels and master. Every one ramps over CX_RAMP_S
 * (linearly, landing on its value exactly), mutes included (a mute fades out over 10 ms rather
 * than clicking), so no change makes zipper noise. A channel whose settings all hold still over
 * a chunk is mixed with four gains worked out once for it; one whose input reads exactly 0
 * (unpatched) or whose gain is 0 costs nothing. Inputs are read as specs/signals.md says (NaN
 * as 0, clamped to ±10); each output is limited to the ±10 rails (eight hot channels at full
 * level could sum past them).
 *
 * Follows the RT rules in module.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "chronus/dsp.h"
#include "chronus/module.h"

#define MIXER_CHANNELS  8u
#define MIXER_RETURNS   2u
#define MIXER_OUT_LIMIT 10.0f

enum {
	MIXER_IN_IN1,
	MIXER_IN_RET1 = MIXER_IN_IN1 + MIXER_CHANNELS,
	MIXER_IN_COUNT = MIXER_IN_RET1 + MIXER_RETURNS
};
enum { MIXER_OUT_LEFT, MIXER_OUT_RIGHT, MIXER_OUT_SEND_A, MIXER_OUT_SEND_B, MIXER_OUT_COUNT };
enum {
	MIXER_PARAM_LEVEL1,
	MIXER_PARAM_PAN1 = MIXER_PARAM_LEVEL1 + MIXER_CHANNELS,
	MIXER_PARAM_MUTE1 = MIXER_PARAM_PAN1 + MIXER_CHANNELS,
	MIXER_PARAM_SEND1A = MIXER_PARAM_MUTE1 + MIXER_CHANNELS,
	MIXER_PARAM_SEND1B = MIXER_PARAM_SEND1A + MIXER_CHANNELS,
	MIXER_PARAM_RET1 = MIXER_PARAM_SEND1B + MIXER_CHANNELS,
	MIXER_PARAM_MASTER = MIXER_PARAM_RET1 + MIXER_RETURNS,
	MIXER_PARAM_COUNT
};
_Static_assert(MIXER_PARAM_COUNT == 43 && MIXER_PARAM_COUNT <= CX_PARAMS_MAX, "43 parameters");
_Static_assert(MIXER_IN_COUNT <= CX_PORTS_MAX, "ten inputs");

#define MIXER_IN(n) [MIXER_IN_IN1 + (n)-1] = {"in" #n, CX_PORT_AUDIO, 0.0f, "channel " #n}
static const cx_port_info_t mixer_ins[] = {
    MIXER_IN(1),
    MIXER_IN(2),
    MIXER_IN(3),
    MIXER_IN(4),
    MIXER_IN(5),
    MIXER_IN(6),
    MIXER_IN(7),
    MIXER_IN(8),
    [MIXER_IN_RET1] = {"ret1", CX_PORT_AUDIO, 0.0f, "aux return 1, centred, at level ret1"},
    [MIXER_IN_RET1 + 1] = {"ret2", CX_PORT_AUDIO, 0.0f, "aux return 2, centred, at level ret2"},
};
_Static_assert(sizeof mixer_ins / sizeof mixer_ins[0] == MIXER_IN_COUNT, "one entry per input");

static const cx_port_info_t mixer_outs[] = {
    [MIXER_OUT_LEFT] = {"left", CX_PORT_AUDIO, 0.0f, "the stereo mix, left"},
    [MIXER_OUT_RIGHT] = {"right", CX_PORT_AUDIO, 0.0f, "the stereo mix, right"},
    [MIXER_OUT_SEND_A] = {"send_a", CX_PORT_AUDIO, 0.0f, "aux send A: post-fader, mono"},
    [MIXER_OUT_SEND_B] = {"send_b", CX_PORT_AUDIO, 0.0f, "aux send B: post-fader, mono"},
};
_Static_assert(sizeof mixer_outs / sizeof mixer_outs[0] == MIXER_OUT_COUNT, "one entry per output");

/* Parameter ids are the table indices: stable, in the order of the enum above. */
#define MIXER_LEVEL(n)                                                                             \
	[MIXER_PARAM_LEVEL1 + (n)-1] = {MIXER_PARAM_LEVEL1 + (n)-1,                                \
	                                "level" #n,                                                \
	                                "",                                                        \
	                                0.0f,                                                      \
	                                1.0f,                                                      \
	                                1.0f,                                                      \
	                                0,                                                         \
	                                NULL,                                                      \
	                                "channel " #n " fader, linear gain 0..1"}
#define MIXER_PAN(n)                                                                               \
	[MIXER_PARAM_PAN1 + (n)-1] = {MIXER_PARAM_PAN1 + (n)-1,                                    \
	                              "pan" #n,                                                    \
	                              "",                                                          \
	                              -1.0f,                                                       \
	                              1.0f,                                                        \
	                              0.0f,                                                        \
	                              0,                                                           \
	                              NULL,                                                        \
	                              "channel " #n " pan, constant power: -1 left, 1 right"}
#define MIXER_MUTE(n)                                                                              \
	[MIXER_PARAM_MUTE1 + (n)-1] = {MIXER_PARAM_MUTE1 + (n)-1,                                  \
	                               "mute" #n,                                                  \
	                               "",                                                         \
	                               0.0f,                                                       \
	                               1.0f,                                                       \
	                               0.0f,                                                       \
	                               CX_PARAM_INTEGER,                                           \
	                               NULL,                                                       \
	                               "1: channel " #n " silent, sends too (fades over 10 ms)"}
#define MIXER_SEND(n, bus, first)                                                                  \
	[first + (n)-1] = {first + (n)-1,                                                          \
	                   "send" #n #bus,                                                         \
	                   "",                                                                     \
	                   0.0f,                                                                   \
	                   1.0f,                                                                   \
	                   0.0f,                                                                   \
	                   0,                                                                      \
	                   NULL,                                                                   \
	                   "channel " #n " to send_" #bus ", post-fader, 0..1"}

static const cx_param_info_t mixer_params[] = {
    MIXER_LEVEL(1),
    MIXER_LEVEL(2),
    MIXER_LEVEL(3),
    MIXER_LEVEL(4),
    MIXER_LEVEL(5),
    MIXER_LEVEL(6),
    MIXER_LEVEL(7),
    MIXER_LEVEL(8),
    MIXER_PAN(1),
    MIXER_PAN(2),
    MIXER_PAN(3),
    MIXER_PAN(4),
    MIXER_PAN(5),
    MIXER_PAN(6),
    MIXER_PAN(7),
    MIXER_PAN(8),
    MIXER_MUTE(1),
    MIXER_MUTE(2),
    MIXER_MUTE(3),
    MIXER_MUTE(4),
    MIXER_MUTE(5),
    MIXER_MUTE(6),
    MIXER_MUTE(7),
    MIXER_MUTE(8),
    MIXER_SEND(1, a, MIXER_PARAM_SEND1A),
    MIXER_SEND(2, a, MIXER_PARAM_SEND1A),
    MIXER_SEND(3, a, MIXER_PARAM_SEND1A),
    MIXER_SEND(4, a, MIXER_PARAM_SEND1A),
    MIXER_SEND(5, a, MIXER_PARAM_SEND1A),
    MIXER_SEND(6, a, MIXER_PARAM_SEND1A),
    MIXER_SEND(7, a, MIXER_PARAM_SEND1A),
    MIXER_SEND(8, a, MIXER_PARAM_SEND1A),
    MIXER_SEND(1, b, MIXER_PARAM_SEND1B),
    MIXER_SEND(2, b, MIXER_PARAM_SEND1B),
    MIXER_SEND(3, b, MIXER_PARAM_SEND1B),
    MIXER_SEND(4, b, MIXER_PARAM_SEND1B),
    MIXER_SEND(5, b, MIXER_PARAM_SEND1B),
    MIXER_SEND(6, b, MIXER_PARAM_SEND1B),
    MIXER_SEND(7, b, MIXER_PARAM_SEND1B),
    MIXER_SEND(8, b, MIXER_PARAM_SEND1B),
    [MIXER_PARAM_RET1] = {MIXER_PARAM_RET1, "ret1", "", 0.0f, 1.0f, 1.0f, 0, NULL,
                          "level of aux return 1 in the mix"},
    [MIXER_PARAM_RET1 + 1] = {MIXER_PARAM_RET1 + 1, "ret2", "", 0.0f, 1.0f, 1.0f, 0, NULL,
                              "level of aux return 2 in the mix"},
    [MIXER_PARAM_MASTER] = {MIXER_PARAM_MASTER, "master", "", 0.0f, 1.0f, 1.0f, 0, NULL,
                            "level of the stereo mix (not the sends)"},
};
_Static_assert(sizeof mixer_params / sizeof mixer_params[0] == MIXER_PARAM_COUNT,
               "one entry per parameter");

/* One channel's settings, each a ramp. */
enum { MIXER_LEVEL, MIXER_PAN, MIXER_MUTE, MIXER_SEND_A, MIXER_SEND_B, MIXER_STRIP };

typedef struct mixer_state {
	uint32_t ramp_frames;
	float centre; /* cos(pi / 4), as the pan law computes it */
	cx_ramp_t strip[MIXER_CHANNELS][MIXER_STRIP];
	cx_ramp_t ret[MIXER_RETURNS];
	cx_ramp_t master;
} mixer_state_t;

/* The ramp a parameter drives. */
static cx_ramp_t *mixer_ramp(mixer_state_t *s, uint32_t index)
{
	if (index < MIXER_PARAM_RET1)
		return &s->strip[index % MIXER_CHANNELS][index / MIXER_CHANNELS];
	if (index < MIXER_PARAM_MASTER)
		return &s->ret[index - MIXER_PARAM_RET1];
	return &s->master;
}

static float mixer_param_clamp(uint32_t index, float value)
{
	return cx_clampf(value, mixer_params[index].min, mixer_params[index].max);
}

static void mixer_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	mixer_state_t *s = state;
	(void)frames_max;
	s->ramp_frames = cx_ramp_frames(sample_rate);
	s->centre = cx_sinpif(0.25f);
	for (uint32_t i = 0; i < MIXER_PARAM_COUNT; i++)
		cx_ramp_snap(mixer_ramp(s, i), mixer_param_clamp(i, params[i]));
}

static void mixer_apply(mixer_state_t *s, const cx_event_t *e)
{
	if (e->kind == CX_EVENT_PARAM && e->index < MIXER_PARAM_COUNT)
		cx_ramp_to(mixer_ramp(s, e->index), mixer_param_clamp(e->index, e->value),
		           s->ramp_frames);
}

/* A channel's four gains (left, right, send a, send b) from its settings. */
typedef struct mixer_gains {
	float l, r, a, b;
} mixer_gains_t;

static inline mixer_gains_t mixer_gains(float level, float pan, float mute, float send_a,
                                        float send_b)
{
	float g = level * (1.0f - mute);
	return (mixer_gains_t){
	    .l = g * cx_sinpif(0.25f * (1.0f - pan)),
	    .r = g * cx_sinpif(0.25f * (1.0f + pan)),
	    .a = g * send_a,
	    .b = g * send_b,
	};
}

/* The four mix buses of one chunk. */
typedef struct mixer_bus {
	float l[CX_CHUNK_FRAMES], r[CX_CHUNK_FRAMES], a[CX_CHUNK_FRAMES], b[CX_CHUNK_FRAMES];
} mixer_bus_t;

static int mixer_idle(const cx_ramp_t *strip)
{
	uint32_t left = 0;
	for (uint32_t k = 0; k < MIXER_STRIP; k++)
		left |= strip[k].frames_left;
	return left == 0;
}

/* Adds channel c's frames [pos, pos + n) to the buses. */
static void mixer_channel(mixer_state_t *s, uint32_t c, const float *x, uint32_t n,
                          mixer_bus_t *bus)
{
	cx_ramp_t *st = s->strip[c];
	if (mixer_idle(st)) {
		mixer_gains_t g =
		    mixer_gains(st[MIXER_LEVEL].value, st[MIXER_PAN].value, st[MIXER_MUTE].value,
		                st[MIXER_SEND_A].value, st[MIXER_SEND_B].value);
		if ((g.l == 0.0f && g.r == 0.0f && g.a == 0.0f && g.b == 0.0f) ||
		    (x[0] == 0.0f && cx_is_constant(x, n)))
			return;
		for (uint32_t i = 0; i < n; i++) {
			float v = cx_sanitizef(x[i], CX_INPUT_LIMIT);
			bus->l[i] += g.l * v;
			bus->r[i] += g.r * v;
			bus->a[i] += g.a * v;
			bus->b[i] += g.b * v;
		}
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		float level = cx_ramp_next(&st[MIXER_LEVEL]), pan = cx_ramp_next(&st[MIXER_PAN]);
		float mute = cx_ramp_next(&st[MIXER_MUTE]);
		float send_a = cx_ramp_next(&st[MIXER_SEND_A]);
		float send_b = cx_ramp_next(&st[MIXER_SEND_B]);
		mixer_gains_t g = mixer_gains(level, pan, mute, send_a, send_b);
		float v = cx_sanitizef(x[i], CX_INPUT_LIMIT);
		bus->l[i] += g.l * v;
		bus->r[i] += g.r * v;
		bus->a[i] += g.a * v;
		bus->b[i] += g.b * v;
	}
}

/* Adds the returns (centred, each at its level) to the stereo buses. */
static void mixer_returns(mixer_state_t *s, const cx_process_t *p, uint32_t pos, uint32_t n,
                          mixer_bus_t *bus)
{
	for (uint32_t k = 0; k < MIXER_RETURNS; k++) {
		const float *x = p->in[MIXER_IN_RET1 + k] + pos;
		cx_ramp_t *level = &s->ret[k];
		if (level->frames_left == 0 &&
		    (level->value == 0.0f || (x[0] == 0.0f && cx_is_constant(x, n))))
			continue;
		for (uint32_t i = 0; i < n; i++) {
			float v =
			    s->centre * cx_ramp_next(level) * cx_sanitizef(x[i], CX_INPUT_LIMIT);
			bus->l[i] += v;
			bus->r[i] += v;
		}
	}
}

static void mixer_render(mixer_state_t *s, const cx_process_t *p, uint32_t begin, uint32_t end)
{
	float *left = p->out[MIXER_OUT_LEFT], *right = p->out[MIXER_OUT_RIGHT];
	float *send_a = p->out[MIXER_OUT_SEND_A], *send_b = p->out[MIXER_OUT_SEND_B];
	uint32_t n;
	for (uint32_t pos = begin; pos < end; pos += n) {
		n = end - pos < CX_CHUNK_FRAMES ? end - pos : CX_CHUNK_FRAMES;
		mixer_bus_t bus;
		memset(&bus, 0, sizeof bus);
		for (uint32_t c = 0; c < MIXER_CHANNELS; c++)
			mixer_channel(s, c, p->in[MIXER_IN_IN1 + c] + pos, n, &bus);
		mixer_returns(s, p, pos, n, &bus);
		const float lim = MIXER_OUT_LIMIT;
		for (uint32_t i = 0; i < n; i++) {
			float master = cx_ramp_next(&s->master);
			left[pos + i] = cx_clampf(master * bus.l[i], -lim, lim);
			right[pos + i] = cx_clampf(master * bus.r[i], -lim, lim);
			send_a[pos + i] = cx_clampf(bus.a[i], -lim, lim);
			send_b[pos + i] = cx_clampf(bus.b[i], -lim, lim);
		}
	}
}

static void mixer_process(void *state, const cx_process_t *p)
{
	mixer_state_t *s = state;
	cx_event_cursor_t ev = cx_event_cursor(p);
	for (uint32_t pos = 0; pos < p->frames;) {
		for (const cx_event_t *e; (e = cx_event_due(&ev, pos));)
			mixer_apply(s, e);
		uint32_t end = cx_event_next_frame(&ev);
		mixer_render(s, p, pos, end);
		pos = end;
	}
	for (const cx_event_t *e; (e = cx_event_due(&ev, UINT32_MAX));)
		mixer_apply(s, e);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "mixer",
    .summary = "8-channel stereo mixer: level, constant-power pan, mute, 2 aux sends, 2 returns",
    .version = 1,
    .state_version = 1,
    .flags = 0,
    .state_size = sizeof(mixer_state_t),
    .in_count = MIXER_IN_COUNT,
    .ins = mixer_ins,
    .out_count = MIXER_OUT_COUNT,
    .outs = mixer_outs,
    .param_count = MIXER_PARAM_COUNT,
    .params = mixer_params,
    .init = mixer_init,
    .process = mixer_process,
    .reset = NULL,
    .migrate = NULL,
};
