/*
 * jack_driver.h — runs the engine's period as a JACK client's process callback.
 *
 * Client `name` with stereo outputs out_L/out_R and inputs in_L/in_R, following the server's
 * buffer size and sample rate. All set-up happens before jack_activate; the process callback
 * only calls cx_engine_period. [main] unless noted.
 */
#ifndef CX_JACK_DRIVER_H
#define CX_JACK_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

typedef struct cx_jack cx_jack_t;

/* Opens the client (never starts a server). server NULL: JACK_DEFAULT_SERVER or "default".
 * Returns 0 with the server's rate and period, or -1 with err saying how to start JACK. */
int cx_jack_open(cx_jack_t **out, const char *name, const char *server, uint32_t *sample_rate,
                 uint32_t *frames, char *err, size_t errlen);

/* Sets the callbacks, activates, and (connect) links out_L/out_R to the system playback
 * ports when there are any. Returns 0 or -1. */
int cx_jack_activate(cx_jack_t *j, cx_engine_t *e, int connect, char *err, size_t errlen);

/* The playback ports out_L/out_R feed, as one line ("" when none). */
void cx_jack_connections(cx_jack_t *j, char *buf, size_t len);

/* The JACK thread's SCHED_FIFO priority, or 0 when JACK does not run realtime. */
int cx_jack_rt_priority(const cx_jack_t *j);

/* Whether the server is gone (shutdown callback ran). [any] */
int cx_jack_dead(const cx_jack_t *j);

void cx_jack_close(cx_jack_t *j);

#endif /* CX_JACK_DRIVER_H */
