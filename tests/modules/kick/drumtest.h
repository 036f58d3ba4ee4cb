/*
 * drumtest.h — helpers the drum modules' tests share (tests/modules/{kick,snare,hihat,clap,tom}):
 * rendering hits, and the two ways of measuring a decay's T60.
 */
#ifndef CX_DRUMTEST_H
#define CX_DRUMTEST_H

#include <stdint.h>

#include "host.h"

/* Seconds on the monotonic clock. */
double dc_now_s(void);

/* Sets parameters from "name=value" strings (before host_init), an enum's value by number or by
 * name; exits 2 on a malformed one. */
void dc_set_args(host_module_t *m, int argc, char **argv);

/* Inits the module at m->params and renders `frames` frames of its first output into out, in
 * blocks of `block`, with 1 ms trigger pulses on its first input starting at the frames trigs[]
 * (sorted) and accent_in on its `accent` input (when it has one); other inputs at their
 * defaults. */
void dc_render(host_module_t *m, uint64_t frames, uint32_t block, const uint64_t *trigs,
               uint32_t trig_count, float accent_in, float *out);

/* T60 from the local maxima of |x| after frame `from` (the trigger): the time from `from` until
 * they have fallen 60 dB below the largest, interpolated in dB between maxima. NaN if never. */
double dc_t60_peaks(const float *x, uint64_t n, uint64_t from, float rate_hz);

/* T60 from the slope of the RMS level in dB (2 ms windows from frame `from`), fitted by least
 * squares from where it has fallen 10 dB below its peak to where it falls 50 dB below:
 * 60 dB / slope. NaN when that span is too short to fit. */
double dc_t60_rms(const float *x, uint64_t n, uint64_t from, float rate_hz);

#endif /* CX_DRUMTEST_H */
