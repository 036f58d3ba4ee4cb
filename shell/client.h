/*
 * client.h — the shell's OSC link to one engine.
 *
 * One UDP socket, connected to the engine's address (so only its datagrams arrive, and a
 * local port that nobody listens on is known at once), sends requests encoded with liblo that
 * carry an int32 request id (`/cmd ,is ID LINE`, `/json ,is ID LINE`,
 * `/notify ,iii ID 1|0 PORT`, or `/notify ,ii ID 1|0` for engines that take no port), and
 * waits for the `/done` or `/fail` that echoes that id; answers to older requests are dropped.
 * `/notice` messages that arrive meanwhile, or while the shell is idle, are queued for the
 * caller to print. [shell]
 */
#ifndef SH_CLIENT_H
#define SH_CLIENT_H

#include <signal.h>
#include <stddef.h>

enum {
	SH_DONE = 0,    /* /done */
	SH_FAIL = 1,    /* /fail */
	SH_NOREPLY = 3, /* nothing within the timeout (or interrupted) */
};

typedef struct sh_client sh_client_t;

/* Set from a signal handler: a request being waited for gives up at once. */
extern volatile sig_atomic_t sh_interrupted;

/* NULL with a reason in err when HOST:PORT cannot be resolved or reached. */
sh_client_t *sh_client_open(const char *host, const char *port, char *err, size_t errlen,
                            int timeout_ms);
void sh_client_close(sh_client_t *c);
int sh_client_fd(const sh_client_t *c);
const char *sh_client_host(const sh_client_t *c);
const char *sh_client_port(const sh_client_t *c);

/* Sends LINE to ADDR (/cmd or /json) and waits for its answer. *text (when text is not NULL)
 * gets the answer's text, malloc'd, or NULL. Returns SH_DONE, SH_FAIL or SH_NOREPLY. */
int sh_request(sh_client_t *c, const char *addr, const char *line, char **text);

/* /notify ON: subscribe to notices (1) or stop (0). Same returns as sh_request. */
int sh_notify(sh_client_t *c, int on, char **text);

/* Reads what has arrived, waiting up to ms (0: only what is there). */
void sh_client_pump(sh_client_t *c, int ms);

/* The oldest queued notice (malloc'd; the caller frees it), or NULL. */
char *sh_client_notice(sh_client_t *c);

#endif /* SH_CLIENT_H */
