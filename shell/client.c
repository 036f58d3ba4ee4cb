/* client.c — see client.h. */
#include "client.h"

#include <errno.h>
#include <lo/lo.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NOTICES_MAX 256
#define PACKET_MAX  65536

volatile sig_atomic_t sh_interrupted;

struct sh_client {
	int fd; /* UDP, connected to the engine: only its datagrams arrive */
	char host[256], port[32];
	int timeout_ms;
	int32_t next_id, want_id;
	int got, status, refused;
	char *text;
	char *notices[NOTICES_MAX];
	unsigned head, count;
	char buf[PACKET_MAX];
};

static const char *str_arg(const char *types, lo_arg **argv, int k)
{
	return types[k] == LO_STRING || types[k] == LO_SYMBOL ? (const char *)argv[k] : NULL;
}

static void queue_notice(sh_client_t *c, const char *text)
{
	char *dup = strdup(text);
	if (!dup)
		return;
	if (c->count == NOTICES_MAX) { /* keep the newest */
		free(c->notices[c->head]);
		c->head = (c->head + 1) % NOTICES_MAX;
		c->count--;
	}
	c->notices[(c->head + c->count) % NOTICES_MAX] = dup;
	c->count++;
}

static void on_message(sh_client_t *c, const char *path, const char *types, lo_arg **argv, int argc)
{
	if (strcmp(path, "/notice") == 0) {
		/* The last string argument is the notice's text. */
		for (int k = argc - 1; k >= 0; k--)
			if (str_arg(types, argv, k)) {
				queue_notice(c, str_arg(types, argv, k));
				break;
			}
		return;
	}
	int done = strcmp(path, "/done") == 0;
	if (!done && strcmp(path, "/fail") != 0)
		return;
	/* /done|/fail ,iss ID ADDRESS TEXT — ours carry the id we are waiting for. */
	if (argc < 3 || types[0] != LO_INT32)
		return;
	int32_t id;
	memcpy(&id, argv[0], sizeof id); /* liblo packs arguments at 4-byte alignment */
	if (c->got || id != c->want_id)
		return;
	const char *text = str_arg(types, argv, 2);
	free(c->text);
	c->text = strdup(text ? text : "");
	c->status = done ? SH_DONE : SH_FAIL;
	c->got = 1;
}

sh_client_t *sh_client_open(const char *host, const char *port, char *err, size_t errlen,
                            int timeout_ms)
{
	sh_client_t *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(c->host, sizeof c->host, "%s", host);
	snprintf(c->port, sizeof c->port, "%s", port);
	c->timeout_ms = timeout_ms;
	/* Ids start from a value of this process's own, so that a late answer to an earlier
	 * shell that had the same local port is not taken for ours. */
	c->next_id = (int32_t)((((uint32_t)time(NULL) ^ (uint32_t)getpid() << 8) * 2654435761u) &
	                       0x3fffffffu) +
	             2;
	struct addrinfo hints = {0}, *ai = NULL;
	hints.ai_family = AF_INET; /* the engine listens on IPv4 ("localhost" may be ::1 first) */
	hints.ai_socktype = SOCK_DGRAM;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		hints.ai_family = AF_UNSPEC;
		rc = getaddrinfo(host, port, &hints, &ai);
	}
	if (rc) {
		snprintf(err, errlen, "cannot resolve %s:%s: %s", host, port, gai_strerror(rc));
		free(c);
		return NULL;
	}
	c->fd = -1;
	for (struct addrinfo *a = ai; a && c->fd < 0; a = a->ai_next) {
		c->fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		/* Connected: the kernel passes only the engine's datagrams, and says at once
		 * (ECONNREFUSED) when nothing listens on a local port. */
		if (c->fd >= 0 && connect(c->fd, a->ai_addr, a->ai_addrlen) != 0) {
			snprintf(err, errlen, "cannot reach %s:%s: %s", host, port,
			         strerror(errno));
			close(c->fd);
			c->fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (c->fd < 0) {
		if (!err[0])
			snprintf(err, errlen, "cannot open a UDP socket: %s", strerror(errno));
		free(c);
		return NULL;
	}
	return c;
}

void sh_client_close(sh_client_t *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->text);
	while (c->count) {
		free(c->notices[c->head]);
		c->head = (c->head + 1) % NOTICES_MAX;
		c->count--;
	}
	free(c);
}

int sh_client_fd(const sh_client_t *c)
{
	return c->fd;
}

const char *sh_client_host(const sh_client_t *c)
{
	return c->host;
}

const char *sh_client_port(const sh_client_t *c)
{
	return c->port;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Reads and handles one datagram, waiting up to ms. Returns 1 when one was read. */
static int recv_one(sh_client_t *c, int ms)
{
	struct pollfd pf = {c->fd, POLLIN, 0};
	if (poll(&pf, 1, ms) <= 0)
		return 0;
	ssize_t n = recv(c->fd, c->buf, sizeof c->buf, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == ECONNREFUSED)
			c->refused = 1;
		return 0;
	}
	const char *path = lo_get_path(c->buf, n);
	int res = 0;
	lo_message m = path ? lo_message_deserialise(c->buf, (size_t)n, &res) : NULL;
	if (!m)
		return 1;
	on_message(c, path, lo_message_get_types(m), lo_message_get_argv(m),
	           lo_message_get_argc(m));
	lo_message_free(m);
	return 1;
}

static int wait_reply(sh_client_t *c, char **text)
{
	double end = now_ms() + c->timeout_ms;
	while (!c->got && !c->refused && !sh_interrupted) {
		double left = end - now_ms();
		if (left <= 0)
			break;
		recv_one(c, left > 50 ? 50 : (int)left + 1);
	}
	if (text) {
		*text = c->got ? c->text : NULL;
		if (c->got)
			c->text = NULL;
	}
	return c->got ? c->status : SH_NOREPLY;
}

/* Sends ADDR with an int32 request id, then the string s (when not NULL) or the n ints. */
static int send_request(sh_client_t *c, const char *addr, const char *s, const int32_t *ints, int n)
{
	c->got = 0;
	c->refused = 0;
	c->want_id = c->next_id++;
	if (c->next_id <= 1)
		c->next_id = 2; /* never 0 or 1: those read as /notify's flag on some engines */
	/* What arrived before this request (late answers, notices) is read first. */
	sh_client_pump(c, 0);
	c->refused = 0;
	lo_message m = lo_message_new();
	if (!m)
		return -1;
	lo_message_add_int32(m, c->want_id);
	if (s)
		lo_message_add_string(m, s);
	for (int k = 0; k < n; k++)
		lo_message_add_int32(m, ints[k]);
	size_t len = 0;
	void *data = lo_message_serialise(m, addr, NULL, &len);
	lo_message_free(m);
	if (!data)
		return -1;
	ssize_t sent = send(c->fd, data, len, 0);
	if (sent < 0 && errno == ECONNREFUSED) /* an earlier datagram's refusal: send again */
		sent = send(c->fd, data, len, 0);
	free(data);
	return sent == (ssize_t)len ? 0 : -1;
}

int sh_request(sh_client_t *c, const char *addr, const char *line, char **text)
{
	if (text)
		*text = NULL;
	if (send_request(c, addr, line, NULL, 0))
		return SH_NOREPLY;
	return wait_reply(c, text);
}

int sh_notify(sh_client_t *c, int on, char **text)
{
	if (text)
		*text = NULL;
	/* /notify ,iii ID ON PORT (PORT: ours), so that the answer carries our id; engines that
	 * take no port understand /notify ,ii ID ON instead. */
	struct sockaddr_storage me;
	socklen_t ml = sizeof me;
	int32_t port = 0;
	if (getsockname(c->fd, (struct sockaddr *)&me, &ml) == 0)
		port = ntohs(me.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&me)->sin6_port
		                                      : ((struct sockaddr_in *)&me)->sin_port);
	int32_t args[2] = {on ? 1 : 0, port};
	int st = SH_FAIL;
	if (port > 0) {
		if (send_request(c, "/notify", NULL, args, 2))
			return SH_NOREPLY;
		st = wait_reply(c, text);
	}
	if (st != SH_FAIL)
		return st;
	if (text) {
		free(*text);
		*text = NULL;
	}
	if (send_request(c, "/notify", NULL, args, 1))
		return SH_NOREPLY;
	return wait_reply(c, text);
}

void sh_client_pump(sh_client_t *c, int ms)
{
	if (!recv_one(c, ms))
		return;
	while (recv_one(c, 0))
		;
}

char *sh_client_notice(sh_client_t *c)
{
	if (!c->count)
		return NULL;
	char *n = c->notices[c->head];
	c->head = (c->head + 1) % NOTICES_MAX;
	c->count--;
	return n;
}
