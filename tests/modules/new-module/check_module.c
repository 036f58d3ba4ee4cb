/*
 * check_module — the engine's own loader on a module folder, as it runs at start: every type
 * found there (DIR/NAME/NAME.so) is probed (dlopen, the descriptor checked against the ABI and
 * its tables copied, loader.h), then instantiated at its default parameters and given a
 * zero-frame block and a 64-frame block of silence, whose outputs must be finite
 * (specs/engine.feature: ABI-03). The types named after DIR must be among those found.
 * Usage: check_module DIR TYPE...
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

static cx_type_t table[CX_TYPES_MAX];

/* Instantiates a probed type and renders 0 then 64 frames. Returns 1 when all is well. */
static int check_render(const cx_type_t *t)
{
	void *h;
	const cx_module_t *d;
	char err[256];
	if (cx_module_open(t->path, &h, &d, err, sizeof err) != 0) {
		printf("FAIL: %s\n", err);
		return 0;
	}
	void *state = aligned_alloc(64, (d->state_size + 63u) & ~(size_t)63u);
	memset(state, 0, d->state_size);
	float params[CX_PARAMS_MAX];
	for (uint32_t p = 0; p < d->param_count; p++)
		params[p] = d->params[p].def;
	d->init(state, params, 48000.0f, 64);
	static float buf[2 * CX_PORTS_MAX][64];
	const float *in[CX_PORTS_MAX];
	float *out[CX_PORTS_MAX];
	for (uint32_t p = 0; p < CX_PORTS_MAX; p++) {
		in[p] = buf[p];
		out[p] = buf[CX_PORTS_MAX + p];
	}
	cx_process_t ctx = {.frames = 0,
	                    .sample_rate = 48000.0f,
	                    .in = in,
	                    .out = out,
	                    .host_in = {buf[0], buf[1]},
	                    .tempo_bpm = 120.0,
	                    .beats_per_frame = 120.0 / 60.0 / 48000.0};
	d->process(state, &ctx);
	ctx.frames = 64;
	d->process(state, &ctx);
	int ok = 1;
	for (uint32_t o = 0; o < d->out_count; o++)
		for (uint32_t i = 0; i < 64; i++)
			ok &= isfinite(out[o][i]);
	free(state);
	printf("%s %s: loads, passes the ABI check, processes 0 and 64 frames (%u in, %u out, %u "
	       "params)%s\n",
	       ok ? "ok:" : "FAIL:", t->name, t->in_count, t->out_count, t->param_count,
	       ok ? "" : ": an output is not finite");
	return ok;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s DIR TYPE...\n", argv[0]);
		return 2;
	}
	const char *dirs[1] = {argv[1]};
	unsigned n = cx_types_scan(dirs, 1, table, CX_TYPES_MAX);
	int ok = 1;
	for (int a = 2; a < argc; a++) {
		if (cx_type_find(table, n, argv[a]) < 0) {
			printf("FAIL: the loader found no type '%s' in %s\n", argv[a], argv[1]);
			ok = 0;
		}
	}
	for (unsigned t = 0; t < n; t++) {
		if (cx_type_probe(&table[t]) != 0) {
			printf("FAIL: %s: %s\n", table[t].name, table[t].error);
			ok = 0;
			continue;
		}
		ok &= check_render(&table[t]);
	}
	printf("%s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
