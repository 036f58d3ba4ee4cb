/* osc.c — see osc.h. */
#include "osc.h"

#include <lo/lo.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "record.h"

#define REPLY_MAX   65000 /* a reply fits one UDP datagram */
#define PACKET_MAX  65536
#define REPLY_BATCH 64
#define FLOOD_RATE  20000u /* messages a second: a flood, not a person, a script or a sequencer */

/* Who sent the message being handled: replies go back there. */
typedef struct sender {
	struct sockaddr_storage addr;
	socklen_t len;
} sender_t;

#define SUBSCRIBERS_MAX 16

struct cx_osc {
	int fd;   /* our own UDP socket, bound to the listen address */
	int port; /* bound port */
	pthread_t thread;
	_Atomic int running;
	_Atomic int quit;
	cx_engine_t *engine;
	sender_t subs[SUBSCRIBERS_MAX]; /* /notify subscribers (serve thread only) */
	int nsubs;
	uint64_t seen_deaths, seen_misses, last_watch_ns;
	/* Replies of a burst, sent with one sendmmsg: the reply's send is most of a message's
	 * cost, and one call wakes the client once. */
	int nout;
	struct {
		void *data;
		size_t len;
		sender_t to;
	} out[REPLY_BATCH];
	char last_line[2048];  /* a /json command's line, for its notice */
	int rt_prio;           /* SCHED_FIFO priority asked for, 0: none */
	int demoted;           /* running SCHED_OTHER while a flood lasts */
	uint64_t win_start_ns; /* the message-rate window pace() counts in */
	uint32_t win_count;
};

static int same_sender(const sender_t *a, const sender_t *b)
{
	return a->len == b->len && memcmp(&a->addr, &b->addr, a->len) == 0;
}

/* Sends /notice TEXT to every subscriber but `except` (NULL: all). */
static void notice(cx_osc_t *o, const sender_t *except, const char *text)
{
	if (!o->nsubs)
		return;
	lo_message m = lo_message_new();
	if (!m)
		return;
	lo_message_add_string(m, text);
	size_t len = 0;
	void *data = lo_message_serialise(m, "/notice", NULL, &len);
	for (int i = 0; data && i < o->nsubs; i++)
		if (!except || !same_sender(&o->subs[i], except))
			(void)!sendto(o->fd, data, len, MSG_DONTWAIT,
			              (const struct sockaddr *)&o->subs[i].addr, o->subs[i].len);
	free(data);
	lo_message_free(m);
}

static void subscribe(cx_osc_t *o, const sender_t *who, int on)
{
	for (int i = 0; i < o->nsubs; i++)
		if (same_sender(&o->subs[i], who)) {
			if (!on)
				o->subs[i] = o->subs[--o->nsubs];
			return;
		}
	if (on && o->nsubs < SUBSCRIBERS_MAX)
		o->subs[o->nsubs++] = *who;
}

/* A timetag as an engine frame: 0 for "immediately". */
static uint64_t frame_for(cx_osc_t *o, lo_timetag tt)
{
	if (tt.sec == 0 && tt.frac <= 1)
		return 0;
	lo_timetag now;
	lo_timetag_now(&now);
	double ahead_s = lo_timetag_diff(tt, now); /* seconds from now; negative: past */
	uint64_t f0, t0;
	uint32_t sr;
	cx_engine_clock(o->engine, &f0, &t0, &sr);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double now_mono = (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
	double frame = (double)f0 + (now_mono - (double)t0) * sr / 1e9 + ahead_s * sr;
	return frame < 1.0 ? 1u : (uint64_t)llround(frame); /* 1: long past, lands at once */
}

/* Sends the replies collected so far, with one system call. */
static void flush_replies(cx_osc_t *o)
{
	struct mmsghdr mm[REPLY_BATCH];
	struct iovec iov[REPLY_BATCH];
	for (int i = 0; i < o->nout; i++) {
		iov[i] = (struct iovec){o->out[i].data, o->out[i].len};
		mm[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &o->out[i].to.addr,
		                                     .msg_namelen = o->out[i].to.len,
		                                     .msg_iov = &iov[i],
		                                     .msg_iovlen = 1}};
	}
	for (int sent = 0; sent < o->nout;) {
		int n = sendmmsg(o->fd, mm + sent, (unsigned)(o->nout - sent), MSG_DONTWAIT);
		if (n <= 0)
			break; /* the client's buffer is full: it loses replies, we never block */
		sent += n;
	}
	for (int i = 0; i < o->nout; i++)
		free(o->out[i].data);
	o->nout = 0;
}

/* Answers the sender: /done or /fail, [id], the address, the text. */
static void reply(cx_osc_t *o, const sender_t *to, int has_id, int32_t id, const char *path, int ok,
                  const char *text)
{
	lo_message r = lo_message_new();
	if (!r)
		return;
	if (has_id)
		lo_message_add_int32(r, id);
	char short_path[256]; /* an absurd address is echoed in part, so the reply still fits */
	snprintf(short_path, sizeof short_path, "%s", path);
	lo_message_add_string(r, short_path);
	lo_message_add_string(r, text);
	const char *addr = ok ? "/done" : "/fail";
	size_t len = 0;
	void *data = lo_message_serialise(r, addr, NULL, &len);
	lo_message_free(r);
	if (!data)
		return;
	if (o->nout == REPLY_BATCH)
		flush_replies(o);
	o->out[o->nout].data = data;
	o->out[o->nout].len = len;
	o->out[o->nout++].to = *to;
}

/* Argument k as a string, or NULL when it is not one. */
static const char *arg_str(const char *types, lo_arg **argv, int argc, int k)
{
	if (k >= argc || (types[k] != LO_STRING && types[k] != LO_SYMBOL))
		return NULL;
	return (const char *)argv[k]; /* liblo packs strings unaligned */
}

/* Argument k as a number (int, float, double), or NAN when it is not one. liblo packs
 * arguments at 4-byte alignment, so they are copied out rather than read through lo_arg. */
static float arg_num(const char *types, lo_arg **argv, int argc, int k)
{
	if (k >= argc)
		return NAN;
	const void *p = argv[k];
	switch (types[k]) {
	case LO_FLOAT: {
		float f;
		memcpy(&f, p, sizeof f);
		return f;
	}
	case LO_INT32: {
		int32_t i;
		memcpy(&i, p, sizeof i);
		return (float)i;
	}
	case LO_DOUBLE: {
		double d;
		memcpy(&d, p, sizeof d);
		return (float)d;
	}
	case LO_INT64: {
		int64_t h;
		memcpy(&h, p, sizeof h);
		return (float)h;
	}
	default:
		return NAN;
	}
}

static int is_num(char t)
{
	return t == LO_FLOAT || t == LO_INT32 || t == LO_DOUBLE || t == LO_INT64;
}

/* Runs one structured message; returns 0/-1 with text. */
static int dispatch(cx_osc_t *o, const sender_t *from, uint64_t frame, const char *path,
                    const char *types, lo_arg **argv, int argc, char *text, size_t len,
                    int *changed)
{
	cx_engine_t *e = o->engine;
	const char *s0 = arg_str(types, argv, argc, 0), *s1 = arg_str(types, argv, argc, 1);
	*changed = 0;
	if (strcmp(path, "/cmd") == 0 || strcmp(path, "/json") == 0) {
		if (argc != 1 || !s0) {
			snprintf(text, len, "%s takes one string: a command line", path);
			return -1;
		}
		int rc = path[1] == 'c' ? cx_command_line(e, s0, frame, text, len)
		                        : cx_command_json(e, s0, frame, text, len);
		const cx_command_t *k = cx_command_find(s0);
		*changed = rc == 0 && k && k->changes;
		if (*changed && path[1] == 'j') /* subscribers hear the sentence, not the JSON */
			snprintf(o->last_line, sizeof o->last_line, "%s", cx_command_json_text());
		return rc < 0 ? -1 : 0;
	}
	if (strcmp(path, "/notify") == 0) {
		/* /notify 1|0 [PORT]: subscribe the sender, or PORT on the sender's host (so a
		 * listener such as oscdump can hear what a sender such as oscsend changes). */
		float on = arg_num(types, argv, argc, 0), port = arg_num(types, argv, argc, 1);
		if (argc < 1 || argc > 2 || !(on == 0.0f || on == 1.0f) ||
		    (argc == 2 && !(port >= 1.0f && port <= 65535.0f && port == floorf(port)))) {
			snprintf(text, len,
			         "/notify takes 1 (subscribe) or 0 (unsubscribe), then "
			         "optionally a port on your host to send notices to");
			return -1;
		}
		sender_t who = *from;
		if (argc == 2) {
			uint16_t p = htons((uint16_t)port);
			if (who.addr.ss_family == AF_INET6)
				((struct sockaddr_in6 *)&who.addr)->sin6_port = p;
			else
				((struct sockaddr_in *)&who.addr)->sin_port = p;
		}
		subscribe(o, &who, on == 1.0f);
		snprintf(text, len, "%s", on == 1.0f ? "subscribed" : "unsubscribed");
		return 0;
	}
	if (strcmp(path, "/create") == 0) {
		if (argc < 2 || !s0 || !s1 || (argc - 2) % 2 != 0) {
			snprintf(text, len,
			         "/create takes s:type s:name then pairs of s:param "
			         "and a number");
			return -1;
		}
		const char *names[CX_PARAMS_MAX];
		float values[CX_PARAMS_MAX];
		uint32_t n = 0;
		for (int k = 2; k + 1 < argc; k += 2) {
			const char *pn = arg_str(types, argv, argc, k);
			if (!pn || n >= CX_PARAMS_MAX) {
				snprintf(text, len, "/create argument %d must be a parameter name",
				         k);
				return -1;
			}
			names[n] = pn;
			if (is_num(types[k + 1])) {
				values[n] = arg_num(types, argv, argc, k + 1);
			} else if (!arg_str(types, argv, argc, k + 1) ||
			           cx_command_value(e, s0, pn, arg_str(types, argv, argc, k + 1),
			                            &values[n], text, len)) {
				if (!arg_str(types, argv, argc, k + 1))
					snprintf(text, len,
					         "/create: value of '%s' must be a number", pn);
				return -1;
			}
			n++;
		}
		char made[CX_INSTANCE_NAME_MAX];
		if (cx_engine_create(e, s0, s1, names, values, n, made, sizeof made, text, len))
			return -1;
		snprintf(text, len, "created %s %s", s0, made);
		*changed = 1;
		return 0;
	}
	if (strcmp(path, "/free") == 0) {
		if (argc != 1 || !s0) {
			snprintf(text, len, "/free takes s:name");
			return -1;
		}
		if (cx_engine_free(e, s0, text, len))
			return -1;
		snprintf(text, len, "freed %s", s0);
		*changed = 1;
		return 0;
	}
	if (strcmp(path, "/patch") == 0 || strcmp(path, "/unpatch") == 0) {
		int patch = path[1] == 'p';
		if (argc != 2 || !s0 || !s1) {
			snprintf(text, len, "%s takes s:source s:destination (inst or inst.port)",
			         path);
			return -1;
		}
		int rc = patch ? cx_engine_patch(e, s0, s1, text, len)
		               : cx_engine_unpatch(e, s0, s1, text, len);
		if (rc)
			return -1;
		snprintf(text, len, "%s %s > %s", patch ? "patched" : "unpatched", s0, s1);
		*changed = 1;
		return 0;
	}
	if (strcmp(path, "/set") == 0) {
		if (argc != 3 || !s0 || !s1 || !is_num(types[2])) {
			snprintf(text, len, "/set takes s:instance s:param and a number");
			return -1;
		}
		if (cx_engine_set(e, s0, s1, arg_num(types, argv, argc, 2), frame, text, len))
			return -1;
		snprintf(text, len, "set %s.%s", s0, s1);
		*changed = 1;
		return 0;
	}
	if (strcmp(path, "/gate") == 0) {
		int with_port = argc == 3 && s1;
		if (!s0 || !(argc == 2 || with_port) || !is_num(types[argc - 1])) {
			snprintf(text, len, "/gate takes s:instance [s:port] and a number");
			return -1;
		}
		if (cx_engine_gate(e, s0, with_port ? s1 : NULL,
		                   arg_num(types, argv, argc, argc - 1), frame, text, len))
			return -1;
		snprintf(text, len, "gate %s", s0);
		*changed = 1;
		return 0;
	}
	if (strcmp(path, "/trig") == 0) {
		if (!s0 || argc > 2 || (argc == 2 && !s1)) {
			snprintf(text, len, "/trig takes s:instance [s:port]");
			return -1;
		}
		if (cx_engine_trig(e, s0, argc == 2 ? s1 : NULL, frame, text, len))
			return -1;
		snprintf(text, len, "trig %s", s0);
		*changed = 1;
		return 0;
	}
	if (strcmp(path, "/status") == 0 || strcmp(path, "/list") == 0 ||
	    strcmp(path, "/types") == 0) {
		return cx_command_line(e, path + 1, 0, text, len) < 0 ? -1 : 0;
	}
	if (strcmp(path, "/quit") == 0) {
		atomic_store(&o->quit, 1);
		snprintf(text, len, "quitting");
		return 0;
	}
	snprintf(
	    text, len,
	    "unknown address %.64s; addresses: /cmd /json /notify /create /free /patch /unpatch "
	    "/set /gate /trig /status /list /types /quit",
	    path);
	return -1;
}

/* Handles one OSC message (not a bundle) and answers it. */
static void handle_message(cx_osc_t *o, const sender_t *from, char *data, size_t size,
                           lo_timetag tt)
{
	int result = 0;
	const char *path = lo_get_path(data, (ssize_t)size);
	lo_message msg = path ? lo_message_deserialise(data, size, &result) : NULL;
	if (!msg) {
		reply(o, from, 0, 0, path ? path : "?", 0,
		      "malformed OSC message: could not parse its address, type tags or arguments");
		return;
	}
	const char *types = lo_message_get_types(msg);
	lo_arg **argv = lo_message_get_argv(msg);
	int argc = lo_message_get_argc(msg);
	/* A leading int32 is a request id, except /notify's own numbers: /notify carries an id
	 * only as /notify ,iii ID ON PORT. */
	int has_id =
	    argc > 0 && types[0] == LO_INT32 && !(strcmp(path, "/notify") == 0 && argc <= 2);
	int32_t id = 0;
	if (has_id)
		memcpy(&id, argv[0], sizeof id);
	static char text[REPLY_MAX];
	int changed = 0;
	uint64_t frame = frame_for(o, tt);
	uint64_t earliest = cx_engine_now(o->engine);
	int rc = dispatch(o, from, frame, path, types + has_id, argv + has_id, argc - has_id, text,
	                  sizeof text, &changed);
	reply(o, from, has_id, id, path, rc == 0, text);
	if (rc == 0 && frame && frame < earliest) { /* it lands, but later than asked */
		lo_message late = lo_message_new();
		lo_message_add_string(late, path);
		lo_message_add_int64(late, (int64_t)frame);
		lo_message_add_int64(late, (int64_t)earliest);
		size_t len = 0;
		void *d = late ? lo_message_serialise(late, "/late", NULL, &len) : NULL;
		if (d)
			(void)!sendto(o->fd, d, len, MSG_DONTWAIT,
			              (const struct sockaddr *)&from->addr, from->len);
		free(d);
		lo_message_free(late);
	}
	if (changed)
		notice(o, from, o->last_line[0] ? o->last_line : text);
	o->last_line[0] = 0;
	lo_message_free(msg);
}

/* A packet is a message or a bundle of packets ("#bundle", timetag, sized elements). */
static void handle_packet(cx_osc_t *o, const sender_t *from, char *data, size_t size, int depth,
                          lo_timetag tt)
{
	if (size >= 16 && memcmp(data, "#bundle", 8) == 0) {
		const unsigned char *t = (const unsigned char *)data + 8;
		tt.sec = (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
		tt.frac = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7];
		size_t at = 16;
		if (depth >= 8) {
			reply(o, from, 0, 0, "#bundle", 0, "bundles nest at most 8 deep");
			return;
		}
		while (at + 4 <= size) {
			uint32_t n = ((uint32_t)(unsigned char)data[at] << 24) |
			             ((uint32_t)(unsigned char)data[at + 1] << 16) |
			             ((uint32_t)(unsigned char)data[at + 2] << 8) |
			             (uint32_t)(unsigned char)data[at + 3];
			at += 4;
			if (n == 0 || n % 4 != 0 || n > size - at) {
				reply(
				    o, from, 0, 0, "#bundle", 0,
				    "malformed OSC bundle: an element's size runs past the packet");
				return;
			}
			handle_packet(o, from, data + at, n, depth + 1, tt);
			at += n;
		}
		return;
	}
	handle_message(o, from, data, size, tt);
}

/* Between bursts: finish recordings, tell subscribers of deaths and misses. */
static void watch(cx_osc_t *o)
{
	char msg[1200];
	if (cx_record_poll(o->engine, msg, sizeof msg))
		notice(o, NULL, msg);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (now - o->last_watch_ns < 250u * 1000u * 1000u)
		return;
	o->last_watch_ns = now;
	cx_status_t st;
	cx_engine_status(o->engine, &st);
	if (st.deaths > o->seen_deaths && o->seen_deaths != UINT64_MAX) {
		snprintf(msg, sizeof msg, "%s; respawned", st.last_death);
		notice(o, NULL, msg);
	}
	if (st.misses > o->seen_misses && o->seen_misses != UINT64_MAX) {
		snprintf(msg, sizeof msg, "%llu periods missed by a late worker (%llu in all)",
		         (unsigned long long)(st.misses - o->seen_misses),
		         (unsigned long long)st.misses);
		notice(o, NULL, msg);
	}
	o->seen_deaths = st.deaths;
	o->seen_misses = st.misses;
}

static void pace(cx_osc_t *o, int packets);

static void *serve(void *arg)
{
	cx_osc_t *o = arg;
	static char buf[PACKET_MAX];
	while (atomic_load(&o->running)) {
		/* Publish edits without waiting for the callback: a plan still on its way leaves
		 * them pending, and we try again within a millisecond. */
		cx_engine_commit(o->engine, 0);
		watch(o);
		struct pollfd pf = {o->fd, POLLIN, 0};
		if (poll(&pf, 1, cx_engine_pending(o->engine) ? 1 : 20) <= 0) {
			pace(o, 0);
			continue;
		}
		/* Drain the burst, then publish its edits as one plan. */
		int k = 0;
		for (; k < 4096; k++) {
			sender_t from = {.len = sizeof from.addr};
			ssize_t n = recvfrom(o->fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC,
			                     (struct sockaddr *)&from.addr, &from.len);
			if (n < 0)
				break;
			if ((size_t)n > sizeof buf) {
				reply(o, &from, 0, 0, "?", 0,
				      "OSC packet too large (at most 65536 bytes)");
				continue;
			}
			handle_packet(o, &from, buf, (size_t)n, 0, LO_TT_IMMEDIATE);
		}
		flush_replies(o);
		pace(o, k);
	}
	return NULL;
}

/* Binds a UDP socket to host:port. Returns the fd, or -1 with err. */
static int bind_udp(const char *host, const char *port, int *bound_port, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_DGRAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "cannot listen on '%s' port '%s': %s", host, port,
		         gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		/* The default buffer holds 2.6 ms of small messages at 100,000 a second: take
		 * 4 MiB (the kernel doubles it), forced past rmem_max when we may. */
		int want = 4 << 20;
		if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof want) != 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof want);
		if (fd >= 0 && bind(fd, a->ai_addr, a->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		snprintf(err, errlen, "cannot listen for OSC on udp %s:%s (in use? try --port)",
		         host, port);
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &len);
	*bound_port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
	                                       : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

int cx_osc_start(cx_osc_t **out, cx_engine_t *e, const char *host, const char *port, char *err,
                 size_t errlen)
{
	cx_osc_t *o = calloc(1, sizeof *o);
	if (!o)
		return -1;
	o->engine = e;
	o->fd = bind_udp(host, port, &o->port, err, errlen);
	if (o->fd < 0) {
		free(o);
		return -1;
	}
	atomic_store(&o->running, 1);
	if (pthread_create(&o->thread, NULL, serve, o) != 0) {
		close(o->fd);
		free(o);
		snprintf(err, errlen, "cannot start the OSC thread");
		return -1;
	}
	*out = o;
	return 0;
}

int cx_osc_quit_requested(const cx_osc_t *o)
{
	return atomic_load(&o->quit);
}

int cx_osc_port(const cx_osc_t *o)
{
	return o->port;
}

void cx_osc_stop(cx_osc_t *o)
{
	if (!o)
		return;
	atomic_store(&o->running, 0);
	pthread_join(o->thread, NULL);
	close(o->fd);
	free(o);
}

int cx_osc_set_rt_priority(cx_osc_t *o, int prio)
{
	if (prio <= 0)
		return 0;
	struct sched_param sp = {.sched_priority = prio};
	if (pthread_setschedparam(o->thread, SCHED_FIFO, &sp) != 0)
		return -1;
	o->rt_prio = prio;
	return 0;
}

/* A realtime control thread answers a command before the workers' spin can delay it, but a
 * flood of messages would then take the CPU the workers need: while more than FLOOD_RATE
 * messages a second arrive the thread runs SCHED_OTHER (workers first; nothing is lost, the
 * socket buffers), and it is realtime again when the rate falls. Counted over 10 ms windows;
 * called from the OSC thread itself. */
static void pace(cx_osc_t *o, int packets)
{
	if (!o->rt_prio)
		return;
	o->win_count += (uint32_t)packets;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (now - o->win_start_ns < 10u * 1000u * 1000u)
		return;
	uint32_t per_s =
	    (uint32_t)((uint64_t)o->win_count * 1000000000u / (now - o->win_start_ns + 1u));
	o->win_start_ns = now;
	o->win_count = 0;
	struct sched_param sp = {.sched_priority = 0};
	if (!o->demoted && per_s >= FLOOD_RATE) {
		if (pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp) == 0)
			o->demoted = 1;
	} else if (o->demoted && per_s < FLOOD_RATE / 8) {
		sp.sched_priority = o->rt_prio;
		if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0)
			o->demoted = 0;
	}
}
