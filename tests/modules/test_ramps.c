/*
 * test_ramps — vca gain and out level/pan changes ramp: no zipper noise, no click.
 *
 * On a DC input, a parameter jumping 0 -> 1 at frame 1000 must move the output in steps no
 * larger than MAX_STEP (a 10 ms linear ramp at 48 kHz moves 1/480 = 0.0021 a frame; an
 * unramped change moves 1.0 in one frame), must not move before its event, and must reach
 * its target within 25 ms. init() must snap to its values with no ramp.
 * Usage: test_ramps vca.so out.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "measure.h"

#define RATE_HZ       48000.0f
#define BLOCK         64u
#define FRAMES        4800u
#define EVENT_AT      1000u
#define MAX_STEP      0.005
#define SETTLE_FRAMES 1200u /* 25 ms */

/* Renders with DC 1.0 on `in_port` and one event, and checks output `out_port` going from
 * `from` to `to`. */
static int check_ramp(host_module_t *m, const char *label, const char *in_port, const char *param,
                      float start, float end, const char *out_port, float from, float to)
{
	float *dc = host_alloc(FRAMES), *y = host_alloc(FRAMES);
	for (uint32_t i = 0; i < FRAMES; i++)
		dc[i] = 1.0f;
	host_set(m, param, start);
	host_init(m);
	const float *in[CX_PORTS_MAX] = {0};
	in[host_in(m, in_port)] = dc;
	float *outs[CX_PORTS_MAX] = {0};
	outs[host_out(m, out_port)] = y;
	host_event_t ev = {EVENT_AT, host_param(m, param), end};
	host_render(m, FRAMES, BLOCK, in, outs, &ev, 1);
	uint32_t arrived = EVENT_AT;
	while (arrived < FRAMES && fabsf(y[arrived] - to) > 1e-6f)
		arrived++;
	double step = measure_max_step(y, FRAMES);
	int snapped = fabsf(y[0] - from) <= 1e-6f && fabsf(y[EVENT_AT - 1] - from) <= 1e-6f;
	int ok = snapped && step <= MAX_STEP && arrived - EVENT_AT <= SETTLE_FRAMES;
	printf("%-22s %s.%s %g -> %g: output %s %.4f -> %.4f, largest step %.5f (limit %.3f), "
	       "settled in %.2f ms; before the event %s: %s\n",
	       label, m->desc->type, param, (double)start, (double)end, out_port, (double)from,
	       (double)to, step, MAX_STEP, 1000.0 * (arrived - EVENT_AT) / RATE_HZ,
	       snapped ? "at its init value" : "NOT at its init value", ok ? "ok" : "FAIL");
	free(dc);
	free(y);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s vca.so out.so\n", argv[0]);
		return 2;
	}
	host_module_t vca, out;
	host_open_or_die(&vca, argv[1], RATE_HZ, BLOCK);
	host_open_or_die(&out, argv[2], RATE_HZ, BLOCK);
	int ok = check_ramp(&vca, "vca gain", "in", "gain", 0.0f, 1.0f, "out", 0.0f, 1.0f);
	ok &=
	    check_ramp(&vca, "vca gain, unpatched cv", "in", "gain", 1.0f, 0.0f, "out", 1.0f, 0.0f);
	host_set(&out, "pan", 0.0f);
	ok &= check_ramp(&out, "out level, left input", "left", "level", 0.0f, 1.0f, "left", 0.0f,
	                 1.0f);
	host_set(&out, "level", 1.0f);
	ok &=
	    check_ramp(&out, "out pan, mono input", "in", "pan", -1.0f, 1.0f, "right", 0.0f, 1.0f);
	ok &= check_ramp(&out, "out pan, mono input", "in", "pan", -1.0f, 1.0f, "left", 1.0f, 0.0f);
	ok &= check_ramp(&out, "out pan to centre", "in", "pan", -1.0f, 0.0f, "right", 0.0f,
	                 (float)sqrt(0.5));
	host_close(&vca);
	host_close(&out);
	printf("%s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
