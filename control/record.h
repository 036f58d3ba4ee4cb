/*
 * record.h — writing the engine's output to a WAV file, off the realtime path.
 *
 * The engine's tap hands over output frames; cx_record_poll drains them into libsndfile. The
 * file is written as NAME.part and renamed to NAME when complete, so a recording never
 * replaces a file half-way. One recording at a time. [control]
 */
#ifndef CX_RECORD_H
#define CX_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

/* Starts recording seconds of output to path. Returns 0, or -1 with err. */
int cx_record_start(cx_engine_t *e, const char *path, double seconds, char *err, size_t errlen);

/* Drains what the tap holds. Returns 1 when a recording just finished (msg says where and
 * how long, or what failed), else 0. Call every few ms, and after each offline period. */
int cx_record_poll(cx_engine_t *e, char *msg, size_t len);

/* Whether a recording runs; its file and seconds left in msg. */
int cx_record_busy(char *msg, size_t len);

/* Stops a running recording early, keeping what was captured. */
void cx_record_stop(cx_engine_t *e);

#endif /* CX_RECORD_H */
