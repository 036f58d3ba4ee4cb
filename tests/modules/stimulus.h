/*
 * stimulus.h — the standard stimulus that drives every input of any module, chosen by the
 * port's kind, for the golden renders (tests/modules/golden), the generic properties and the
 * module bench (tools/bench-modules.c):
 *   audio: 0.5 sin(2 pi 220 t) + 0.05 sin(2 pi 1000 t), two partials far below Nyquist;
 *   CV:    a slow ramp from -1 V to +1 V over STIM_FRAMES frames;
 *   gate:  high from frame 0 for 2000 frames (a held note that is released), then a 1 ms
 *          trigger pulse at frame 2048: rising edges at frames 0 and 2048.
 * CV and gate repeat every STIM_FRAMES frames; the audio signal runs on. The engine's stereo
 * input (host_in, which the `in` module reads) gets the audio signal on the left and minus
 * half of it on the right. Every value is computed in double from the frame index alone, so
 * it is the same on every machine and build. Header only: the golden test and the bench
 * include it from different folders.
 */
#ifndef CX_TEST_STIMULUS_H
#define CX_TEST_STIMULUS_H

#include <math.h>
#include <stdint.h>

#include "chronus/module.h"

#define STIM_RATE_HZ       48000.0f
#define STIM_FRAMES        4096u  /* one render of the golden scenario */
#define STIM_BLOCK         64u    /* frames per process() call */
#define STIM_TEMPO_BPM     120.0  /* the transport plays from beat 0 at this tempo */
#define STIM_GATE_FRAMES   2000u  /* the held gate */
#define STIM_TRIG_FRAME    2048u  /* the trigger pulse's rising edge */
#define STIM_TRIG_FRAMES   48u    /* 1 ms at 48 kHz, as the engine's `trig` */
#define STIM_SAMPLE_FRAMES 12000u /* what a module with load() is given: 0.25 s of audio */

/* The audio test signal at frame (not wrapped). */
static inline float stim_audio(uint64_t frame)
{
	const double two_pi = 6.283185307179586;
	double t = (double)frame / (double)STIM_RATE_HZ;
	return (float)(0.5 * sin(two_pi * 220.0 * t) + 0.05 * sin(two_pi * 1000.0 * t));
}

/* The value an input of kind (cx_port_kind_t) receives at frame. */
static inline float stim_value(uint32_t kind, uint64_t frame)
{
	uint64_t f = frame % STIM_FRAMES;
	switch (kind) {
	case CX_PORT_CV:
		return (float)(-1.0 + 2.0 * (double)f / (double)(STIM_FRAMES - 1u));
	case CX_PORT_GATE:
		return f < STIM_GATE_FRAMES ||
		               (f >= STIM_TRIG_FRAME && f < STIM_TRIG_FRAME + STIM_TRIG_FRAMES)
		           ? 1.0f
		           : 0.0f;
	default:
		return stim_audio(frame);
	}
}

/* The engine's stereo input at frame: channel 0 left, 1 right. */
static inline float stim_host_in(uint32_t channel, uint64_t frame)
{
	return channel == 0 ? stim_audio(frame) : -0.5f * stim_audio(frame);
}

/* Fills x[0..n) with input kind's stimulus from frame first on. */
static inline void stim_fill(float *x, uint32_t kind, uint64_t first, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		x[i] = stim_value(kind, first + i);
}

#endif /* CX_TEST_STIMULUS_H */
