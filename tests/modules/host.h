/*
 * host.h — a minimal module host for tests and benchmarks.
 *
 * Loads one module .so by path, checks its descriptor the way the engine does (ABI major,
 * table limits), owns one state blob and one set of port buffers, and renders blocks with
 * events. Not realtime and not the engine: it exists so modules can be measured alone.
 * Failures print a sentence to stderr and return -1 (or exit the test, for the helpers marked
 * so): tests are short programs and have nobody else to report to.
 */
#ifndef CX_TEST_HOST_H
#define CX_TEST_HOST_H

#include <stdint.h>

#include "chronus/module.h"

typedef struct host_module {
	void *dl;
	const cx_module_t *desc;
	void *state; /* state_size bytes, 64-byte aligned */
	float sample_rate_hz;
	uint32_t frames_max;
	float params[CX_PARAMS_MAX]; /* the values last given (init or event) */
	/* The transport process() sees (cx_process_t, ABI 1.1); zero (stopped) unless set by
	 * host_set_transport. host_render advances beat by each block's frames while playing. */
	double tempo_bpm;
	double beat;
	uint32_t playing;
} host_module_t;

/* An event at an absolute frame of a render. */
typedef struct host_event {
	uint64_t frame;
	uint32_t param;
	float value;
} host_event_t;

/* Loads the module at path and inits it at its default parameter values. Returns 0 or -1. */
int host_open(host_module_t *m, const char *path, float sample_rate_hz, uint32_t frames_max);

/* Loads like host_open, or prints why not and exits the test with status 1. */
void host_open_or_die(host_module_t *m, const char *path, float sample_rate_hz,
                      uint32_t frames_max);

/* Re-initializes the state (zeroed, then init) with m->params. */
void host_init(host_module_t *m);

void host_close(host_module_t *m);

/* Index of a parameter, input or output by name; exits the test when there is none. */
uint32_t host_param(const host_module_t *m, const char *name);
uint32_t host_in(const host_module_t *m, const char *name);
uint32_t host_out(const host_module_t *m, const char *name);

/* Sets a parameter before host_init (a value clamped to the table's range). */
void host_set(host_module_t *m, const char *name, float value);

/* Sets the transport for the next process() or render: tempo, the beat at the next block's
 * first frame (below 0: play starts within that block, at frame -beat / beats_per_frame, as
 * the engine does it) and whether it plays. beats_per_frame is tempo_bpm / 60 / sample rate.
 * host_render then advances the beat by frames * beats_per_frame after each block while
 * playing, as the engine does after each period. */
void host_set_transport(host_module_t *m, double tempo_bpm, double beat, uint32_t playing);

/* Calls process() once: frames <= frames_max, events sorted, frames relative to the block. */
void host_process(host_module_t *m, uint32_t frames, const float *const *in, float *const *out,
                  const cx_event_t *events, uint32_t event_count);

/* Renders `frames` frames in blocks of `block` frames (<= frames_max). in[i] is a buffer of
 * `frames` samples for input i, or NULL for the port's default value; out[i] receives `frames`
 * samples, or NULL to drop output i. Events carry absolute frames, sorted. */
void host_render(host_module_t *m, uint64_t frames, uint32_t block, const float *const *in,
                 float *const *out, const host_event_t *events, uint32_t event_count);

/* Writes a mono float WAV when the environment variable CX_TEST_WAV_DIR names a folder
 * (for listening to what a test heard); does nothing otherwise. */
void host_write_wav(const char *name, const float *x, uint64_t frames, float sample_rate_hz);

/* Allocates n floats (zeroed) or exits the test. */
float *host_alloc(uint64_t n);

#endif /* CX_TEST_HOST_H */
