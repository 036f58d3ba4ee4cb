/*
 * osc.h — the OSC control server: the only place OSC is parsed.
 *
 * A UDP socket of our own, bound to 127.0.0.1 unless told otherwise (liblo 0.31 cannot bind a
 * UDP server to one address), read on its own thread; liblo parses each message. Each message
 * is checked (address, type tags, finite numbers), turned into an engine call, and answered to
 * its sender with /done or /fail (with the request id when the message began with an int32).
 * Edits are published as a plan after each burst, without waiting for the callback. [control]
 */
#ifndef CX_OSC_H
#define CX_OSC_H

#include <stddef.h>

#include "engine.h"

typedef struct cx_osc cx_osc_t;

/* Binds host:port (UDP) and starts the thread. Returns 0, or -1 with err. [main] */
int cx_osc_start(cx_osc_t **out, cx_engine_t *e, const char *host, const char *port, char *err,
                 size_t errlen);

/* True once a /quit arrived. [any] */
int cx_osc_quit_requested(const cx_osc_t *o);

int cx_osc_port(const cx_osc_t *o);

/* Runs the OSC thread SCHED_FIFO at prio (0: leave it). Returns 0, or -1 when not allowed. */
int cx_osc_set_rt_priority(cx_osc_t *o, int prio);
void cx_osc_stop(cx_osc_t *o);

#endif /* CX_OSC_H */
