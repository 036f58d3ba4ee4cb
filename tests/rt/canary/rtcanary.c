/*
 * rtcanary — a module that breaks the RT rules on request, to prove the RT trap sees inside
 * the workers' render loop of a real engine (RT-04). Never install it.
 *
 * While `misbehave` is 0 it outputs silence and does nothing else. When `misbehave` becomes
 * 1, its next process() call does one malloc and one free (rule 1 of the RT rules in
 * module.h), once; setting it to 0 and back to 1 does it again.
 */
#include <stdlib.h>
#include <string.h>

#include "chronus/module.h"

static void *volatile sink; /* keeps the compiler from removing the malloc/free pair */

typedef struct canary_state {
	float misbehave;
	uint32_t done;
} canary_state_t;

static const cx_port_info_t canary_outs[] = {
    {"out", CX_PORT_AUDIO, 0.0f, "silence"},
};

static const cx_param_info_t canary_params[] = {
    {0, "misbehave", "", 0.0f, 1.0f, 0.0f, CX_PARAM_INTEGER | CX_PARAM_NO_RAMP, NULL,
     "1: allocate once in the next process() call"},
};

static void canary_init(void *state, const float *params, float sample_rate, uint32_t frames_max)
{
	(void)sample_rate, (void)frames_max;
	canary_state_t *s = state;
	s->misbehave = params[0];
	s->done = 0;
}

static void canary_process(void *state, const cx_process_t *p)
{
	canary_state_t *s = state;
	for (uint32_t e = 0; e < p->event_count; e++)
		if (p->events[e].index == 0) {
			s->misbehave = p->events[e].value;
			if (s->misbehave < 0.5f)
				s->done = 0;
		}
	if (s->misbehave >= 0.5f && !s->done) {
		sink = malloc(16); /* deliberately against the RT rules */
		free(sink);
		s->done = 1;
	}
	memset(p->out[0], 0, sizeof(float) * p->frames);
}

CX_MODULE_EXPORT cx_module_t chronus_module = {
    .abi_version = CX_ABI_VERSION,
    .struct_size = sizeof(cx_module_t),
    .type = "rtcanary",
    .summary = "breaks the RT rules on request (RT trap test)",
    .version = 1,
    .state_version = 1,
    .state_size = sizeof(canary_state_t),
    .out_count = 1,
    .outs = canary_outs,
    .param_count = 1,
    .params = canary_params,
    .init = canary_init,
    .process = canary_process,
};
