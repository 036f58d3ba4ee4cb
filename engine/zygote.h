/*
 * zygote.h — the single-threaded process every worker and probe is forked from.
 *
 * chronusd forks the zygote at the very start of main(), after creating the shared segment
 * and before JACK, liblo or any thread exists: forking a threaded process can leave a child
 * holding a lock no thread will ever release. The engine asks the zygote, over a SEQPACKET
 * socket, to spawn a worker or to probe a module type; the zygote forks, reaps its children
 * and reports each one's end. If the engine dies, the zygote dies (PR_SET_PDEATHSIG), and
 * with it every worker.
 */
#ifndef CX_ZYGOTE_H
#define CX_ZYGOTE_H

#include <stdint.h>
#include <sys/types.h>

#include "shm.h"

enum cx_zygote_op {
	CX_Z_SPAWN = 1,   /* engine -> zygote: fork worker arg */
	CX_Z_PROBE = 2,   /* engine -> zygote: fork a probe of type slot arg */
	CX_Z_QUIT = 3,    /* engine -> zygote: kill children, exit */
	CX_Z_SPAWNED = 4, /* zygote -> engine: worker arg runs as pid */
	CX_Z_DIED = 5,    /* zygote -> engine: worker arg (pid) ended with wait status */
	CX_Z_PROBED = 6,  /* zygote -> engine: probe of type arg ended with wait status */
};

typedef struct cx_zmsg {
	uint32_t op;
	uint32_t arg;
	int32_t pid;
	int32_t status; /* as from waitpid */
} cx_zmsg_t;

/* Forks the zygote. Returns its pid and the engine's end of the socket in *sock, or -1 with
 * errno. Call before any thread exists. [main] */
pid_t cx_zygote_start(cx_shm_t *shm, int *sock);

/* Sends one request. Returns 0 or -1. [any] */
int cx_zygote_send(int sock, uint32_t op, uint32_t arg);

/* Waits up to timeout_ms for one message. Returns 1 with *m, 0 on timeout, -1 on EOF/error. */
int cx_zygote_recv(int sock, cx_zmsg_t *m, int timeout_ms);

#endif /* CX_ZYGOTE_H */
