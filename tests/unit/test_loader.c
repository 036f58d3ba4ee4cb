/* Unit: loading module types and rejecting bad ones (ABI-01, ABI-02); every real module (ABI-03)
 * dlopens, passes its check and processes zero frames. argv[1]: folder of broken modules,
 * argv[2]: the build's module folder. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "loader.h"

static cx_type_t table[CX_TYPES_MAX];

/* Loads dir/name.so and expects the check to fail with a reason containing want. */
static void expect_reject(const char *dir, const char *name, const char *want)
{
	char path[512], err[256] = "";
	snprintf(path, sizeof path, "%s/%s.so", dir, name);
	void *h;
	const cx_module_t *d;
	int rc = cx_module_open(path, &h, &d, err, sizeof err);
	if (rc == 0) {
		static cx_type_t t;
		rc = cx_descriptor_check(d, name, &t, err, sizeof err);
	}
	CHECK(rc != 0);
	CHECK(strstr(err, want) != NULL);
	printf("  %-16s rejected: %s\n", name, err);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_loader BADMODS_DIR MODULES_DIR\n");
		return 2;
	}
	CHECK(cx_name_valid("vco") && cx_name_valid("a_1"));
	CHECK(!cx_name_valid("") && !cx_name_valid("Vco") && !cx_name_valid("1a") &&
	      !cx_name_valid("a.b") && !cx_name_valid("abcdefghijklmnopqrstuvwxyz"));

	expect_reject(argv[1], "bad_abi", "ABI");
	expect_reject(argv[1], "bad_nosym", "exports no");
	expect_reject(argv[1], "bad_range", "min <= default <= max");
	expect_reject(argv[1], "bad_dupport", "two input ports");
	expect_reject(argv[1], "bad_noprocess", "process()");
	expect_reject(argv[1], "bad_name", "file is named for type");
	expect_reject(argv[1], "missing", "cannot load");

	/* A constructor that crashes: the probe runs in a child, which dies; we live. */
	cx_type_t *slot = &table[0];
	memset(slot, 0, sizeof *slot);
	snprintf(slot->name, sizeof slot->name, "bad_crash");
	snprintf(slot->path, sizeof slot->path, "%s/bad_crash.so", argv[1]);
	pid_t pid = fork();
	if (pid == 0)
		_exit(cx_type_probe(slot) == 0 ? 0 : 1);
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status)); /* SIGSEGV, or SIGABRT when a sanitizer catches it first */

	/* Every real module: found, checked, processes zero frames. */
	const char *dirs[1] = {argv[2]};
	unsigned n = cx_types_scan(dirs, 1, table, CX_TYPES_MAX);
	CHECK(n >= 5);
	static const char *want[] = {"vco", "vcf", "adsr", "vca", "out"};
	for (unsigned w = 0; w < 5; w++)
		CHECK(cx_type_find(table, n, want[w]) >= 0);
	for (unsigned t = 0; t < n; t++) {
		CHECK(cx_type_probe(&table[t]) == 0);
		if (table[t].status != CX_TYPE_OK) {
			fprintf(stderr, "  %s: %s\n", table[t].name, table[t].error);
			continue;
		}
		void *h;
		const cx_module_t *d;
		char err[256];
		CHECK(cx_module_open(table[t].path, &h, &d, err, sizeof err) == 0);
		void *state = aligned_alloc(64, (d->state_size + 63u) & ~63u);
		memset(state, 0, d->state_size);
		float params[CX_PARAMS_MAX];
		for (uint32_t p = 0; p < d->param_count; p++)
			params[p] = d->params[p].def;
		d->init(state, params, 48000.0f, 64);
		float buf[CX_PORTS_MAX][1];
		const float *in[CX_PORTS_MAX];
		float *out[CX_PORTS_MAX];
		for (uint32_t p = 0; p < CX_PORTS_MAX; p++)
			in[p] = out[p] = buf[p];
		cx_process_t ctx = {.frames = 0,
		                    .sample_rate = 48000.0f,
		                    .in = in,
		                    .out = out,
		                    .host_in = {buf[0], buf[1]}};
		d->process(state, &ctx);
		free(state);
		printf("  %-6s loads, checks, processes 0 frames (%u in, %u out, %u params)\n",
		       table[t].name, table[t].in_count, table[t].out_count, table[t].param_count);
	}
	return check_report("loader");
}
