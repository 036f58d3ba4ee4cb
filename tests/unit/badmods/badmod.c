/* Deliberately broken module descriptors for the loader's rejection tests. One source, built
 * once per -DBAD_<KIND>; each .so is named after the type it claims. */
#include <stddef.h>
#include <string.h>

#include "chronus/module.h"

#define UNUSED __attribute__((unused))

UNUSED static void init(void *s, const float *p, float sr, uint32_t fm)
{
	(void)p, (void)sr, (void)fm;
	memset(s, 0, 4);
}

UNUSED static void process(void *s, const cx_process_t *p)
{
	(void)s;
	for (uint32_t i = 0; i < p->frames; i++)
		p->out[0][i] = 0.0f;
}

UNUSED static const cx_port_info_t outs[] = {{"out", CX_PORT_AUDIO, 0.0f, "out"}};
#if defined(BAD_DUP_PORT)
UNUSED static const cx_port_info_t ins[] = {{"in", CX_PORT_AUDIO, 0.0f, ""},
                                            {"in", CX_PORT_AUDIO, 0.0f, ""}};
#define IN_COUNT 2u
#else
UNUSED static const cx_port_info_t ins[] = {{"in", CX_PORT_AUDIO, 0.0f, ""}};
#define IN_COUNT 1u
#endif
UNUSED static const cx_param_info_t params[] = {
#if defined(BAD_RANGE)
    {0, "gain", "", 2.0f, 1.0f, 1.5f, 0, NULL, "min above max"},
#else
    {0, "gain", "", 0.0f, 1.0f, 0.5f, 0, NULL, "fine"},
#endif
};

#if !defined(BAD_NO_SYMBOL)
CX_MODULE_EXPORT cx_module_t chronus_module = {
#if defined(BAD_ABI)
    .abi_version = (CX_ABI_VERSION_MAJOR + 1u) << 16,
#else
    .abi_version = CX_ABI_VERSION,
#endif
    .struct_size = sizeof(cx_module_t),
    .type = BAD_TYPE,
    .summary = "broken on purpose",
    .state_size = 4,
    .in_count = IN_COUNT,
    .ins = ins,
    .out_count = 1,
    .outs = outs,
    .param_count = 1,
    .params = params,
    .init = init,
#if !defined(BAD_NO_PROCESS)
    .process = process,
#endif
};
#endif

#if defined(BAD_CRASH)
#include <signal.h>
__attribute__((constructor)) static void crash_on_load(void)
{
	raise(SIGSEGV); /* a module whose constructor crashes must cost only its probe */
}
#endif
