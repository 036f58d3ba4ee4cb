/*
 * bench-control.c — chronus-bench-control: the control path of a running engine, measured
 * from outside it, as a client would see it. tools/bench control drives it
 * (docs/PERFORMANCE.md, "Control path"); it works by hand against any engine:
 *
 *   chronus-bench-control [--name ENGINE] [--port N] [--pid PID] latency [--count N]
 *   chronus-bench-control [--name ENGINE] [--port N] [--pid PID] throughput [--rate R]
 *                         [--seconds S] [--bundle K] [--instances N]
 *
 * latency: this program is a JACK client of its own ("bctl-PID") whose input is connected to
 * ENGINE:out_L. It patches `vca bctl_v > out` with the vca's input held at a level, then
 * toggles that level with `/gate ,issf ID bctl_v in 0.5|0`. Just before each send it reads the
 * JACK frame clock (jack_frame_time); its process callback finds the first sample of its
 * input that differs from the level before the send and takes its exact frame,
 * jack_last_frame_time() + index. The latency is (that frame - the frame at the send) / rate:
 * where the change sits in JACK's frame timeline, the timeline every client's buffers are
 * stamped with. A client downstream of another runs after it in the same cycle, so reading
 * the output costs no period; a second client of ours ("bctl-PID-ref") checks that at every
 * run by writing a step on a known frame and reading it back through the same kind of
 * connection (expected: 0 frames). The driver's own playback latency (none with the dummy
 * driver) is not in the figure, as it is the same for any JACK client. Sends are spread over
 * random phases of the period (a random pause of 2 to 12.7 ms before each). Sends near a
 * JACK xrun, or with a cycle that ran more than a period late or 0.3 ms early against the
 * frame clock read at the send, are left out and counted.
 *
 * throughput: R parameter messages a second for S seconds from one thread and one socket,
 * `/set ,issf ID btK freq V` round-robin over N vco instances (so no instance gets more
 * than its 16 events a period), either one message a datagram or K messages to a bundle.
 * Another thread counts the /done replies by request id. Reported: the achieved rate, the
 * replies, what was lost, the engine's counters (status: misses, xruns, late, dropped)
 * before and after, the drops and the deepest queue of the engine's UDP socket
 * (/proc/net/udp), and the CPU time of chronusd (--pid) and its child processes.
 */
#include <errno.h>
#include <jack/jack.h>
#include <jack/thread.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <dirent.h>

#define PKT_MAX    1472 /* one loopback datagram we build; a bundle of K small messages fits */
#define REPLY_MAX  65536
#define REPLY_TEXT 2048

static const char *engine_name = "chronus";
static int engine_port = 57130;
static int engine_pid = 0;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("chronus-bench-control: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

/* --- OSC, by hand: a few fixed shapes, so that sending costs one memcpy and one send ----- */

typedef struct pkt {
	unsigned char b[PKT_MAX];
	size_t n;
} pkt_t;

static void put_str(pkt_t *p, const char *s)
{
	size_t l = strlen(s) + 1u;
	if (p->n + l + 3u > sizeof p->b)
		die("internal: OSC packet too long");
	memcpy(p->b + p->n, s, l);
	p->n += l;
	while (p->n % 4u)
		p->b[p->n++] = 0;
}

static void put_u32(pkt_t *p, uint32_t v)
{
	if (p->n + 4u > sizeof p->b)
		die("internal: OSC packet too long");
	p->b[p->n++] = (unsigned char)(v >> 24);
	p->b[p->n++] = (unsigned char)(v >> 16);
	p->b[p->n++] = (unsigned char)(v >> 8);
	p->b[p->n++] = (unsigned char)v;
}

static void put_f32(pkt_t *p, float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	put_u32(p, u);
}

static uint32_t get_u32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* A reply: its address, whether it carries an id, the id, its last string argument. */
typedef struct reply {
	char addr[32];
	int has_id;
	int32_t id;
	char text[REPLY_TEXT];
} reply_t;

/* Parses the OSC messages we expect back (/done /fail ,[i]ss, /late, /notice). */
static int parse_reply(const unsigned char *b, size_t n, reply_t *r)
{
	size_t at = 0;
	const char *addr = (const char *)b;
	size_t al = strnlen(addr, n);
	if (al == n || al >= sizeof r->addr)
		return -1;
	memcpy(r->addr, addr, al + 1u);
	at = (al + 4u) & ~(size_t)3u;
	if (at >= n || b[at] != ',')
		return -1;
	const char *types = (const char *)b + at;
	size_t tl = strnlen(types, n - at);
	if (tl == n - at)
		return -1;
	at += (tl + 4u) & ~(size_t)3u;
	r->has_id = 0;
	r->id = 0;
	r->text[0] = 0;
	for (size_t k = 1; k < tl; k++) {
		if (types[k] == 'i') {
			if (at + 4u > n)
				return -1;
			if (k == 1) {
				r->has_id = 1;
				r->id = (int32_t)get_u32(b + at);
			}
			at += 4u;
		} else if (types[k] == 'h') {
			at += 8u;
		} else if (types[k] == 's') {
			const char *s = (const char *)b + at;
			size_t sl = strnlen(s, n - at);
			if (sl == n - at)
				return -1;
			size_t keep = sl < sizeof r->text - 1u ? sl : sizeof r->text - 1u;
			memcpy(r->text, s, keep);
			r->text[keep] = 0;
			at += (sl + 4u) & ~(size_t)3u;
		} else {
			return -1;
		}
	}
	return 0;
}

/* A UDP socket connected to the engine, with a receive buffer of at least rcvbuf bytes. */
static int engine_socket(int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)engine_port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		die("connect to 127.0.0.1:%d: %s", engine_port, strerror(errno));
	return fd;
}

static int local_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	return ntohs(sa.sin_port);
}

/* Waits up to timeout_s for a /done or /fail; 1: done, 0: fail, -1: nothing came. */
static int wait_reply(int fd, double timeout_s, reply_t *r)
{
	static unsigned char buf[REPLY_MAX];
	double until = now_s() + timeout_s;
	for (;;) {
		double left = until - now_s();
		if (left <= 0)
			return -1;
		struct timeval tv = {(time_t)left, (suseconds_t)((left - floor(left)) * 1e6)};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				continue;
			return -1;
		}
		if (parse_reply(buf, (size_t)n, r) != 0)
			continue;
		if (strcmp(r->addr, "/done") == 0)
			return 1;
		if (strcmp(r->addr, "/fail") == 0)
			return 0;
	}
}

/* Runs one command line through /cmd; dies unless it is done. The reply text into out. */
static void command(int fd, const char *line, char *out, size_t outlen)
{
	pkt_t p = {.n = 0};
	put_str(&p, "/cmd");
	put_str(&p, ",s");
	put_str(&p, line);
	reply_t r;
	if (send(fd, p.b, p.n, 0) < 0)
		die("send: %s", strerror(errno));
	int rc = wait_reply(fd, 5.0, &r);
	if (rc < 0)
		die("no engine answered on 127.0.0.1:%d within 5 s (to '%s')", engine_port, line);
	if (rc == 0)
		die("'%s' failed: %s", line, r.text);
	if (out)
		snprintf(out, outlen, "%s", r.text);
}

/* The engine's counters from `status`. */
typedef struct status {
	unsigned long long periods, misses, xruns, late, dropped, deaths;
} status_t;

static unsigned long long field(const char *text, const char *key)
{
	char k[64];
	snprintf(k, sizeof k, " %s=", key);
	const char *at = strstr(text, k);
	if (!at && strncmp(text, k + 1, strlen(k + 1)) == 0)
		at = text - 1;
	return at ? strtoull(at + strlen(k), NULL, 10) : 0;
}

static status_t engine_status(int fd)
{
	char text[4096];
	command(fd, "status", text, sizeof text);
	status_t s = {field(text, "periods"), field(text, "misses"),  field(text, "xruns"),
	              field(text, "late"),    field(text, "dropped"), field(text, "deaths")};
	return s;
}

/* --- CPU time from /proc ----------------------------------------------------------------- */

static long clk_tck;

/* utime + stime of /proc/<path>/stat in seconds, and its parent and policy; -1 if gone. */
static double stat_cpu(const char *path, int *ppid, int *policy)
{
	char buf[1024];
	FILE *f = fopen(path, "r");
	if (!f)
		return -1.0;
	size_t n = fread(buf, 1, sizeof buf - 1u, f);
	fclose(f);
	buf[n] = 0;
	const char *p = strrchr(buf, ')');
	if (!p)
		return -1.0;
	/* After "comm)": state ppid ... utime(14) stime(15) ... policy(41) */
	unsigned long long v[40] = {0};
	int k = 0;
	char state;
	p += 2;
	if (sscanf(p, "%c", &state) != 1)
		return -1.0;
	p += 2;
	while (k < 39 && *p) {
		v[k++] = strtoull(p, (char **)&p, 10);
		while (*p == ' ')
			p++;
	}
	/* v[0] = ppid (field 4), so field F is v[F - 4]. */
	if (ppid)
		*ppid = (int)v[0];
	if (policy)
		*policy = k > 37 ? (int)v[37] : -1;
	return (double)(v[10] + v[11]) / (double)clk_tck;
}

typedef struct cpu {
	double process;    /* chronusd, all threads */
	double children;   /* its zygote and workers */
	double thread[64]; /* per thread of chronusd */
	int tid[64], policy[64], nthreads;
} cpu_t;

static void cpu_take(cpu_t *c)
{
	memset(c, 0, sizeof *c);
	if (!engine_pid)
		return;
	char path[256];
	snprintf(path, sizeof path, "/proc/%d/stat", engine_pid);
	c->process = stat_cpu(path, NULL, NULL);
	snprintf(path, sizeof path, "/proc/%d/task", engine_pid);
	DIR *d = opendir(path);
	for (struct dirent *de; d && (de = readdir(d)) && c->nthreads < 64;) {
		if (de->d_name[0] == '.')
			continue;
		char tp[300];
		snprintf(tp, sizeof tp, "/proc/%d/task/%s/stat", engine_pid, de->d_name);
		int pol = 0;
		double t = stat_cpu(tp, NULL, &pol);
		if (t < 0)
			continue;
		c->tid[c->nthreads] = atoi(de->d_name);
		c->policy[c->nthreads] = pol;
		c->thread[c->nthreads++] = t;
	}
	if (d)
		closedir(d);
	/* Descendants: children of chronusd (the zygote) and their children (the workers). */
	int gen1[64], n1 = 0;
	d = opendir("/proc");
	for (struct dirent *de; d && (de = readdir(d));) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		char sp[300];
		snprintf(sp, sizeof sp, "/proc/%s/stat", de->d_name);
		int ppid = 0;
		double t = stat_cpu(sp, &ppid, NULL);
		if (t >= 0 && ppid == engine_pid && n1 < 64)
			gen1[n1++] = atoi(de->d_name), c->children += t;
	}
	if (d) {
		rewinddir(d);
		for (struct dirent *de; (de = readdir(d));) {
			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			char sp[300];
			snprintf(sp, sizeof sp, "/proc/%s/stat", de->d_name);
			int ppid = 0;
			double t = stat_cpu(sp, &ppid, NULL);
			for (int k = 0; t >= 0 && k < n1; k++)
				if (ppid == gen1[k])
					c->children += t;
		}
		closedir(d);
	}
}

static void cpu_report(const cpu_t *a, const cpu_t *b, double secs)
{
	if (!engine_pid) {
		printf("  CPU of chronusd: not measured (give --pid)\n");
		return;
	}
	printf("  CPU of chronusd (PID %d), all its threads: %.1f %% of one core over %.2f s\n",
	       engine_pid, 100.0 * (b->process - a->process) / secs, secs);
	/* The busiest thread is the OSC thread (it parses and answers every message); the
	 * JACK callback is the SCHED_FIFO one that JACK made. */
	double pct[64], top = 0.0;
	for (int k = 0; k < b->nthreads; k++) {
		double before = 0;
		for (int j = 0; j < a->nthreads; j++)
			if (a->tid[j] == b->tid[k])
				before = a->thread[j];
		pct[k] = 100.0 * (b->thread[k] - before) / secs;
		if (pct[k] > top)
			top = pct[k];
	}
	for (int k = 0; k < b->nthreads; k++)
		if (pct[k] >= 0.5)
			printf("    thread %d (%s%s): %.1f %%\n", b->tid[k],
			       b->policy[k] == 1   ? "SCHED_FIFO"
			       : b->policy[k] == 0 ? "SCHED_OTHER"
			                           : "other policy",
			       pct[k] == top ? ", the busiest: the OSC thread" : "", pct[k]);
	printf("  CPU of its zygote and workers: %.1f %% of one core\n",
	       100.0 * (b->children - a->children) / secs);
}

/* --- /proc/net/udp: a socket's queue and drops by its local port ------------------------- */

typedef struct udp_sock {
	unsigned long rx_queue, drops;
	int found;
} udp_sock_t;

static udp_sock_t udp_lookup(int port)
{
	udp_sock_t u = {0, 0, 0};
	FILE *f = fopen("/proc/net/udp", "r");
	if (!f)
		return u;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		unsigned int lport = 0;
		unsigned long txq = 0, rxq = 0, drops = 0;
		char local[64];
		/* sl local rem st tx:rx tr:when retr uid timeout inode ref pointer drops */
		if (sscanf(line, " %*d: %63s %*s %*x %lx:%lx %*x:%*x %*x %*u %*d %*u %*d %*x %lu",
		           local, &txq, &rxq, &drops) != 4)
			continue;
		char *colon = strchr(local, ':');
		if (!colon)
			continue;
		lport = (unsigned int)strtoul(colon + 1, NULL, 16);
		if ((int)lport == port) {
			u.rx_queue = rxq;
			u.drops = drops;
			u.found = 1;
		}
	}
	fclose(f);
	return u;
}

/* The receive buffer in force of the UDP socket bound to port, from `ss -uanm` (skmem's rb);
 * -1 when ss is missing or does not list it. */
static long socket_rcvbuf(int port)
{
	char cmd[128], line[512];
	snprintf(cmd, sizeof cmd, "ss -uanmH 'sport = :%d' 2>/dev/null", port);
	FILE *f = popen(cmd, "r");
	long rb = -1;
	while (f && fgets(line, sizeof line, f)) {
		const char *at = strstr(line, ",rb");
		if (at)
			rb = strtol(at + 3, NULL, 10);
	}
	if (f)
		pclose(f);
	return rb;
}

/* --- statistics -------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The q-quantile of sorted v[0..n-1], nearest rank. */
static double quantile(const double *v, size_t n, double q)
{
	if (!n)
		return NAN;
	size_t k = (size_t)ceil(q * (double)n);
	return v[k ? k - 1u : 0];
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* --- latency ----------------------------------------------------------------------------- */

static jack_client_t *probe, *ref;
static jack_port_t *probe_in, *probe_ref_in, *ref_out;

/* Set by the main thread before a send; the callback reports the first sample off it. */
static _Atomic int armed;             /* 1: look for a change on in; 2: on ref_in */
static _Atomic uint32_t armed_base;   /* the level before the send (float bits) */
static _Atomic uint64_t found_frame;  /* frame of the first changed sample, +1 (0: none yet) */
static _Atomic uint32_t found_index;  /* its index in its cycle */
static _Atomic uint32_t last_sample;  /* the input's last sample (float bits) */
static _Atomic uint64_t cycles;       /* the probe's cycles so far */
static _Atomic uint32_t grid;         /* jack_last_frame_time() mod period */
static _Atomic uint64_t last_frame;   /* jack_last_frame_time() of the latest cycle */
static _Atomic uint64_t xruns;        /* JACK's xrun notices to the probe */
static _Atomic uint64_t jumps;        /* cycles whose frame was not the last one + period */
static _Atomic uint64_t disturbed_us; /* when the last xrun or jump was seen */

/* How late the probe's callback runs after its cycle's start on JACK's clock (the DLL's
 * time of the cycle's frame), in 10 us buckets: JACK runs the engine first, so this bounds how late
 * the engine's drain comes after the period boundary. */
#define LATE_BUCKETS 500
static _Atomic uint64_t late_hist[LATE_BUCKETS];

/* The reference client's step: from frame ref_at on, it writes ref_level. */
static _Atomic uint64_t ref_at;
static _Atomic uint32_t ref_level;
static float ref_now;

static float as_float(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

static uint32_t as_bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u;
}

/* When the probe ran each recent cycle (jack_get_time), by the cycle's frame. */
#define CYCLE_LOG 256u
static struct {
	_Atomic uint64_t frame, us;
} cycle_log[CYCLE_LOG];

/* When the probe ran the cycle of frame f, or 0 when it is not in the log. */
static jack_time_t cycle_us(uint64_t f, uint32_t period)
{
	uint32_t k = (uint32_t)(f / period) % CYCLE_LOG;
	uint64_t us = atomic_load(&cycle_log[k].us);
	return atomic_load(&cycle_log[k].frame) == f ? us : 0;
}

static int probe_process(jack_nframes_t n, void *arg)
{
	(void)arg;
	jack_time_t entered = jack_get_time();
	jack_nframes_t t = jack_last_frame_time(probe);
	uint32_t slot = (uint32_t)(t / n) % CYCLE_LOG;
	atomic_store_explicit(&cycle_log[slot].frame, UINT64_MAX, memory_order_relaxed);
	atomic_store_explicit(&cycle_log[slot].us, entered, memory_order_relaxed);
	atomic_store_explicit(&cycle_log[slot].frame, t, memory_order_release);
	const float *in = jack_port_get_buffer(probe_in, n);
	const float *rin = jack_port_get_buffer(probe_ref_in, n);
	int a = atomic_load_explicit(&armed, memory_order_acquire);
	if (a) {
		const float *x = a == 1 ? in : rin;
		float base = as_float(atomic_load_explicit(&armed_base, memory_order_relaxed));
		for (jack_nframes_t i = 0; i < n; i++) {
			if (fabsf(x[i] - base) > 1e-3f) {
				atomic_store(&found_index, (uint32_t)i);
				atomic_store(&found_frame, (uint64_t)t + i + 1u);
				atomic_store_explicit(&armed, 0, memory_order_release);
				break;
			}
		}
	}
	atomic_store_explicit(&last_sample, as_bits(in[n - 1u]), memory_order_relaxed);
	atomic_store_explicit(&grid, t % n, memory_order_relaxed);
	/* JACK's timer is read as it is now, not as it was when the cycle began: a callback that
	 * runs a period or more late reads a later cycle's frame. Consecutive callbacks must
	 * be one period apart; anything else makes the frames around it untrustworthy. */
	uint64_t prev = atomic_load_explicit(&last_frame, memory_order_relaxed);
	if (prev && (uint64_t)t != prev + n) {
		atomic_fetch_add_explicit(&jumps, 1u, memory_order_relaxed);
		atomic_store_explicit(&disturbed_us, entered, memory_order_relaxed);
	}
	atomic_store_explicit(&last_frame, t, memory_order_relaxed);
	jack_time_t began = jack_frames_to_time(probe, t);
	uint64_t b = entered > began ? (entered - began) / 10u : 0u;
	atomic_fetch_add_explicit(&late_hist[b < LATE_BUCKETS ? b : LATE_BUCKETS - 1u], 1u,
	                          memory_order_relaxed);
	atomic_fetch_add_explicit(&cycles, 1u, memory_order_release);
	return 0;
}

static int probe_xrun(void *arg)
{
	(void)arg;
	atomic_fetch_add(&xruns, 1u);
	atomic_store(&disturbed_us, jack_get_time());
	return 0;
}

/* The q-quantile of the lateness histogram, in ms (bucket tops). */
static double late_quantile(const uint64_t *h, double q)
{
	uint64_t total = 0, acc = 0;
	for (int b = 0; b < LATE_BUCKETS; b++)
		total += h[b];
	for (int b = 0; b < LATE_BUCKETS; b++) {
		acc += h[b];
		if (total && (double)acc >= q * (double)total)
			return (b + 1) * 0.01;
	}
	return NAN;
}

static int ref_process(jack_nframes_t n, void *arg)
{
	(void)arg;
	jack_nframes_t t = jack_last_frame_time(ref);
	float *out = jack_port_get_buffer(ref_out, n);
	uint64_t at = atomic_load_explicit(&ref_at, memory_order_acquire);
	float level = as_float(atomic_load_explicit(&ref_level, memory_order_relaxed));
	for (jack_nframes_t i = 0; i < n; i++) {
		if (at && (uint64_t)t + i >= at)
			ref_now = level;
		out[i] = ref_now;
	}
	return 0;
}

static jack_client_t *open_client(const char *name)
{
	jack_status_t st;
	jack_client_t *c = jack_client_open(name, JackNoStartServer | JackUseExactName, &st);
	if (!c)
		die("cannot open JACK client '%s' (status 0x%x): is JACK running "
		    "($JACK_DEFAULT_SERVER)?",
		    name, (unsigned)st);
	return c;
}

/* Waits until the probe has run k more cycles (or 2 s). */
static void wait_cycles(uint64_t k)
{
	uint64_t c0 = atomic_load(&cycles);
	double until = now_s() + 2.0;
	while (atomic_load(&cycles) < c0 + k && now_s() < until)
		sleep_s(0.0002);
}

/* Waits for the callback to report a change; returns its frame, or -1 after timeout_s. */
static int64_t wait_found(double timeout_s)
{
	double until = now_s() + timeout_s;
	for (;;) {
		uint64_t f = atomic_load(&found_frame);
		if (f)
			return (int64_t)(f - 1u);
		if (now_s() > until)
			return -1;
		sleep_s(0.0001);
	}
}

/* One send of the latency run. */
typedef struct sample {
	double lat, wait, rtt; /* ms: send -> change, send -> next boundary, send -> /done */
	int pl;                /* periods later than the pipeline allows (-1: sooner) */
	int xrun;              /* left out: an xrun or a frame jump near it */
	int late_cycle;        /* one of its cycles ran over 0.3 ms after its frame's time */
	double drain_ran;      /* ms from the send to our callback of the cycle that took it */
} sample_t;

typedef struct weighed {
	double v, w;
} weighed_t;

static int cmp_weighed(const void *a, const void *b)
{
	double x = ((const weighed_t *)a)->v, y = ((const weighed_t *)b)->v;
	return x < y ? -1 : x > y;
}

#define PHASE_BINS 32

/* Latency quantiles as if the sends had fallen on every phase of the period evenly: each
 * kept send weighs 1 / (the kept sends in its 1/32 of the period). Sends do not fall evenly
 * on a busy machine: a thread cannot run while realtime threads hold every CPU, and sends
 * bunch after those spans. q[] in: quantiles; out: values. Returns the empty bins. */
static int evenly(const sample_t *sm, int n, double period_ms, const double *qs, double *out,
                  int nq)
{
	int count[PHASE_BINS] = {0}, empty = 0;
	weighed_t *x = calloc((size_t)n + 1u, sizeof *x);
	if (!x)
		die("out of memory");
	for (int pass = 0; pass < 2; pass++) {
		int m = 0;
		for (int k = 0; k < n; k++) {
			if (sm[k].xrun)
				continue;
			int b = (int)(sm[k].wait / period_ms * PHASE_BINS);
			b = b < 0 ? 0 : b >= PHASE_BINS ? PHASE_BINS - 1 : b;
			if (pass == 0)
				count[b]++;
			else
				x[m++] = (weighed_t){sm[k].lat, 1.0 / count[b]};
		}
		if (pass == 1) {
			qsort(x, (size_t)m, sizeof *x, cmp_weighed);
			double total = 0.0;
			for (int k = 0; k < m; k++)
				total += x[k].w;
			for (int j = 0; j < nq; j++) {
				double acc = 0.0;
				out[j] = m ? x[m - 1].v : NAN;
				for (int k = 0; k < m; k++) {
					acc += x[k].w;
					if (acc >= qs[j] * total - 1e-12) {
						out[j] = x[k].v;
						break;
					}
				}
			}
		}
	}
	for (int b = 0; b < PHASE_BINS; b++)
		empty += count[b] == 0;
	free(x);
	return empty;
}

static void print_ms(const char *label, double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	double sum = 0;
	for (size_t k = 0; k < n; k++)
		sum += v[k];
	printf("  %-44s min %6.3f  p50 %6.3f  p95 %6.3f  p99 %6.3f  max %6.3f  mean %6.3f ms\n",
	       label, v[0], quantile(v, n, 0.5), quantile(v, n, 0.95), quantile(v, n, 0.99),
	       v[n - 1u], sum / (double)n);
}

static int cmd_latency(int count, const char *raw_path, int sender_rt)
{
	char name[64], ref_name[64], port_name[128], err[256];
	snprintf(name, sizeof name, "bctl-%d", (int)getpid());
	snprintf(ref_name, sizeof ref_name, "bctl-%d-ref", (int)getpid());
	probe = open_client(name);
	ref = open_client(ref_name);
	probe_in = jack_port_register(probe, "in", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
	probe_ref_in =
	    jack_port_register(probe, "ref_in", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
	ref_out = jack_port_register(ref, "out", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
	if (!probe_in || !probe_ref_in || !ref_out)
		die("cannot register JACK ports");
	jack_set_process_callback(probe, probe_process, NULL);
	jack_set_process_callback(ref, ref_process, NULL);
	jack_set_xrun_callback(probe, probe_xrun, NULL);
	if (jack_activate(ref) || jack_activate(probe))
		die("cannot activate the JACK clients");
	uint32_t rate = jack_get_sample_rate(probe);
	/* A SCHED_OTHER sender on a small machine cannot run while realtime threads hold every
	 * CPU (workers spinning before a period), so its sends would bunch after those spans
	 * instead of falling on every phase. --sender-rt: SCHED_FIFO one step below JACK's
	 * client threads, so only a JACK callback holds it off. */
	char sender_mode[64] = "SCHED_OTHER";
	if (sender_rt) {
		int prio = jack_client_real_time_priority(probe) - 1;
		struct sched_param sp = {.sched_priority = prio > 1 ? prio : 1};
		if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0)
			snprintf(sender_mode, sizeof sender_mode, "SCHED_FIFO %d",
			         sp.sched_priority);
		else
			snprintf(sender_mode, sizeof sender_mode,
			         "SCHED_OTHER (SCHED_FIFO was refused)");
	}
	uint32_t period = jack_get_buffer_size(probe);
	snprintf(port_name, sizeof port_name, "%s:out_L", engine_name);
	snprintf(err, sizeof err, "%s:in", name);
	if (jack_connect(probe, port_name, err) != 0)
		die("cannot connect %s to %s (is the engine named '%s'? --name)", port_name, err,
		    engine_name);
	char ref_src[128], ref_dst[128];
	snprintf(ref_src, sizeof ref_src, "%s:out", ref_name);
	snprintf(ref_dst, sizeof ref_dst, "%s:ref_in", name);
	if (jack_connect(probe, ref_src, ref_dst) != 0)
		die("cannot connect %s to %s", ref_src, ref_dst);
	jack_latency_range_t lr;
	jack_port_get_latency_range(probe_in, JackCaptureLatency, &lr);

	/* The patch: a vca whose input holds a level, straight to out. */
	int fd = engine_socket(1 << 20);
	command(fd, "create vca bctl_v", NULL, 0);
	command(fd, "patch bctl_v > out", NULL, 0);
	command(fd, "gate bctl_v.in 0", NULL, 0);
	status_t s0 = engine_status(fd);
	wait_cycles(16);

	/* Reference: a step written by an upstream client on a known frame. */
	int ref_worst = 0, ref_n = 0;
	float level = 0.0f;
	for (int k = 0; k < 20; k++) {
		level = level == 0.0f ? 0.5f : 0.0f;
		atomic_store(&found_frame, 0);
		atomic_store(&armed_base, as_bits(level == 0.0f ? 0.5f : 0.0f));
		atomic_store_explicit(&armed, 2, memory_order_release);
		uint64_t at =
		    atomic_load(&last_frame) + 3u * period + (uint64_t)(uniform() * period);
		atomic_store(&ref_level, as_bits(level));
		atomic_store_explicit(&ref_at, at, memory_order_release);
		int64_t f = wait_found(0.5);
		if (f < 0)
			die("the reference step never reached the probe");
		int d = (int)(f - (int64_t)at);
		ref_n++;
		if (abs(d) > abs(ref_worst))
			ref_worst = d;
		wait_cycles(2);
	}
	atomic_store(&armed, 0);

	sample_t *sm = calloc((size_t)count, sizeof *sm);
	if (!sm)
		die("out of memory");
	FILE *raw = raw_path ? fopen(raw_path, "w") : NULL;
	if (raw)
		fprintf(raw, "# send_frame changed_frame index latency_ms to_boundary_ms "
		             "periods_late reply_ms left_out(1)/late_cycle(2) drain_cycle_ran_ms "
		             "latest_cycle_ms\n");
	int lost = 0, off_zero = 0, n = 0;
	for (int b = 0; b < LATE_BUCKETS; b++)
		atomic_store(&late_hist[b], 0);
	uint64_t xr_start = atomic_load(&xruns), jumps_start = atomic_load(&jumps);
	double t_start = now_s();
	level = 0.0f;
	for (int k = 0; k < count; k++) {
		float want = level == 0.0f ? 0.5f : 0.0f;
		/* The level before the send is what the output holds now, steady over two
		 * cycles (out's level and pan scale it; we do not assume them). */
		float expect = as_float(atomic_load(&last_sample));
		for (int w = 0; w < 100; w++) {
			wait_cycles(2);
			float again = as_float(atomic_load(&last_sample));
			if (again == expect)
				break;
			expect = again;
		}
		/* A random pause, so that sends fall on every phase of the period: the wait above
		 * ends just after one of our callbacks. */
		sleep_s(0.002 + uniform() * 8.0 * period / rate);
		pkt_t p = {.n = 0};
		put_str(&p, "/gate");
		put_str(&p, ",issf");
		put_u32(&p, (uint32_t)k);
		put_str(&p, "bctl_v");
		put_str(&p, "in");
		put_f32(&p, want);
		uint64_t xr0 = atomic_load(&xruns) + atomic_load(&jumps);
		atomic_store(&found_frame, 0);
		atomic_store(&armed_base, as_bits(expect));
		atomic_store_explicit(&armed, 1, memory_order_release);
		jack_nframes_t sent = jack_frame_time(probe);
		jack_time_t sent_us = jack_get_time();
		if (send(fd, p.b, p.n, 0) < 0)
			die("send: %s", strerror(errno));
		reply_t r;
		int rc;
		do /* a late reply to an earlier send is not this one's */
			rc = wait_reply(fd, 0.5, &r);
		while (rc >= 0 && !(r.has_id && r.id == k));
		jack_time_t reply_us = jack_get_time();
		int64_t f = wait_found(0.5);
		level = want;
		if (rc != 1 || f < 0) {
			lost++;
			atomic_store(&armed, 0);
			continue;
		}
		wait_cycles(2);
		uint32_t g = atomic_load(&grid);
		/* The first period boundary after the send: the period whose drain can take it. */
		int64_t s = (int64_t)sent;
		int64_t b1 =
		    s - (((s - (int64_t)g) % (int64_t)period + (int64_t)period) % (int64_t)period) +
		    (int64_t)period;
		int64_t idx = (int64_t)atomic_load(&found_index);
		if (idx != 0)
			off_zero++;
		sample_t *x = &sm[n++];
		x->pl = (int)((f - idx - b1) / (int64_t)period) - 1;
		x->lat = (double)(f - s) * 1e3 / rate;
		x->wait = (double)(b1 - s) * 1e3 / rate;
		x->rtt = (double)(reply_us - sent_us) / 1e3;
		/* Frames are the nominal timeline, as a sound card's are: a cycle that runs late
		 * still fills the buffer of its frames. How late each cycle from the one the send
		 * fell in to the one that showed the change ran (our callback, by the wall clock,
		 * against the frame clock read at the send): a cycle more than a period late is
		 * one a sound card would have reported as an xrun. Left out of the figures: sends
		 * within 100 ms of an xrun or a jump in the frames (the dummy driver re-anchors
		 * its clock then) or with such a stalled cycle; sends with a cycle that ran over
		 * 0.3 ms before its frame's time (JACK's clock, a filter over the cycles' wake
		 * times, then stands up to a period behind the cycles after a disturbance, which
		 * would add a period that the engine never took); and changes on a cycle that
		 * began before the send. Kept but counted: a cycle over 0.3 ms late. */
		double skew = 0.0, early = 0.0;
		for (int64_t c = b1 - (int64_t)period; c <= f - idx; c += (int64_t)period) {
			jack_time_t ran = cycle_us((uint64_t)c, period);
			double late = ran ? ((double)ran - (double)sent_us) / 1e3 -
			                        (double)(c - s) * 1e3 / rate
			                  : INFINITY;
			if (late > skew)
				skew = late;
			if (late < early)
				early = late;
		}
		x->xrun = atomic_load(&xruns) + atomic_load(&jumps) != xr0 ||
		          atomic_load(&disturbed_us) + 100000u > sent_us ||
		          skew > 1e3 * period / rate || early < -0.3 || f - idx < b1;
		x->late_cycle = skew > 0.3;
		/* When the probe ran the cycle that drained the message (the engine ran it just
		 * before), measured from the send on the wall clock. */
		jack_time_t dr = cycle_us((uint64_t)(f - idx) - period, period);
		x->drain_ran = dr ? ((double)dr - (double)sent_us) / 1e3 : NAN;
		if (raw)
			fprintf(raw, "%u %lld %lld %.4f %.4f %d %.4f %d %.4f %.4f\n",
			        (unsigned)sent, (long long)f, (long long)idx, x->lat, x->wait,
			        x->pl, x->rtt, x->xrun + 2 * x->late_cycle, x->drain_ran, skew);
	}
	double t_run = now_s() - t_start;
	double mean_wait = 0.0;
	for (int k = 0; k < n; k++)
		mean_wait += sm[k].wait / n;
	uint64_t xr_run = atomic_load(&xruns) - xr_start,
	         jumps_run = atomic_load(&jumps) - jumps_start;
	uint64_t lh[LATE_BUCKETS];
	for (int b = 0; b < LATE_BUCKETS; b++)
		lh[b] = atomic_load(&late_hist[b]);
	if (raw)
		fclose(raw);
	status_t s1 = engine_status(fd);

	printf("control latency: OSC /gate send -> first changed sample at %s:out_L\n",
	       engine_name);
	printf("  JACK %u Hz, %u frames (%.3f ms a period); %d sends at random phases over %.1f "
	       "s: %d answered and seen, %d lost\n",
	       rate, period, 1e3 * period / rate, count, t_run, n, lost);
	printf("  sender thread %s; sends fall %.3f ms before the next boundary on average (0.667 "
	       "when they fall on every phase evenly)\n",
	       sender_mode, mean_wait);
	printf("  reading check: a step an upstream client writes on a known frame is read at "
	       "%+d frames (worst of %d); probe input capture latency %u..%u frames\n",
	       ref_worst, ref_n, lr.min, lr.max);
	printf("  JACK cycle start -> our callback (after the engine's): p50 %.2f  p99 %.2f  "
	       "p99.9 %.2f ms; during the run: %llu JACK xruns, %llu callbacks not one period "
	       "after the last\n",
	       late_quantile(lh, 0.5), late_quantile(lh, 0.99), late_quantile(lh, 0.999),
	       (unsigned long long)xr_run, (unsigned long long)jumps_run);
	int why[2] = {0, 0}, late_cycles = 0;
	for (int k = 0; k < n; k++) {
		why[sm[k].xrun]++;
		late_cycles += !sm[k].xrun && sm[k].late_cycle;
	}
	double *lat = calloc((size_t)n + 1u, sizeof *lat), *wt = calloc((size_t)n + 1u, sizeof *wt);
	double *rtt = calloc((size_t)n + 1u, sizeof *rtt),
	       *all = calloc((size_t)n + 1u, sizeof *all);
	if (!lat || !wt || !rtt || !all)
		die("out of memory");
	int late_n[4] = {0, 0, 0, 0}, m = 0;
	double worst_slack = 0.0;
	for (int k = 0; k < n; k++) {
		all[k] = sm[k].lat;
		if (sm[k].xrun)
			continue;
		lat[m] = sm[k].lat;
		wt[m] = sm[k].wait;
		rtt[m++] = sm[k].rtt;
		int pl = sm[k].pl;
		late_n[pl < 0 ? 0 : pl > 1 ? 3 : pl + 1]++;
		if (pl > 0 && sm[k].wait > worst_slack)
			worst_slack = sm[k].wait;
	}
	if (!m) {
		printf("  no send was free of xruns: nothing measured\n");
		return 1;
	}
	printf("  left out: %d sends within 100 ms of a JACK xrun or frame jump, or with a cycle "
	       "run over a period late or over 0.3 ms early on the frame clock; kept %d, of which "
	       "%d had a cycle over 0.3 ms late\n",
	       why[1], why[0], late_cycles);
	print_ms("latency (send -> changed output sample)", lat, (size_t)m);
	static const double qs[] = {0.5, 0.95, 0.99, 1.0};
	double ev[4];
	int empty = evenly(sm, n, 1e3 * period / rate, qs, ev, 4);
	printf("  %-44s          p50 %6.3f  p95 %6.3f  p99 %6.3f  max %6.3f ms%s\n",
	       "  the same, phases weighed evenly", ev[0], ev[1], ev[2], ev[3],
	       empty ? " (some 1/32 of the period had no send)" : "");
	double lat_p50 = ev[0], lat_p99 = ev[2];
	print_ms("  part: send -> next period boundary", wt, (size_t)m);
	printf("  part: the pipeline, rendered in the period after that boundary and mixed out "
	       "in the next: %.3f ms\n",
	       1e3 * period / rate);
	print_ms("OSC round trip (send -> /done back)", rtt, (size_t)m);
	printf("  landed as the pipeline allows (rendered in the period after the next "
	       "boundary): %d of %d (%.1f %%); a period later: %d (%.1f %%); two or more: %d; "
	       "a period sooner (the cycle began late, after the send): %d\n",
	       late_n[1], m, 100.0 * late_n[1] / m, late_n[2], 100.0 * late_n[2] / m, late_n[3],
	       late_n[0]);
	if (late_n[2] + late_n[3])
		printf(
		    "  the earliest send that still missed its boundary came %.3f ms before it\n",
		    worst_slack);
	/* How close to a boundary a send can come and still make it: the OSC path's delay
	 * (send -> the event in the engine's ring) less how late the engine's callback drains. */
	static const double edge[] = {0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1e9};
	printf("  by time from send to the next boundary: sends a period later / sends, and the "
	       "mean OSC round trip:\n   ");
	for (int b = 0; b < 7; b++) {
		int in = 0, missed = 0;
		double r = 0.0;
		for (int k = 0; k < n; k++)
			if (!sm[k].xrun && sm[k].wait >= edge[b] && sm[k].wait < edge[b + 1]) {
				in++;
				missed += sm[k].pl > 0;
				r += sm[k].rtt;
			}
		if (b < 6)
			printf(" %.2f-%.2f ms: %d/%d %.3f;", edge[b], edge[b + 1], missed, in,
			       in ? r / in : 0.0);
		else
			printf(" >= %.2f ms: %d/%d %.3f\n", edge[b], missed, in, in ? r / in : 0.0);
	}
	if (off_zero)
		printf("  %d changes were not on a period's first frame\n", off_zero);
	if (n != m)
		print_ms("every send, those left out included", all, (size_t)n);
	printf("  engine counters during the run: misses +%llu, xruns +%llu, late +%llu, dropped "
	       "+%llu\n",
	       s1.misses - s0.misses, s1.xruns - s0.xruns, s1.late - s0.late,
	       s1.dropped - s0.dropped);
	printf("  targets, on the figures with phases weighed evenly: p50 < 2.1 ms: %s (%.3f); "
	       "p99 < 3.0 ms: %s (%.3f)\n",
	       lat_p50 < 2.1 ? "met" : "MISSED", lat_p50, lat_p99 < 3.0 ? "met" : "MISSED",
	       lat_p99);
	printf("KV latency_p50_ms=%.3f latency_p99_ms=%.3f measured=%d xrun_sends=%d lost=%d\n",
	       lat_p50, lat_p99, m, n - m, lost);
	command(fd, "free bctl_v", NULL, 0);
	close(fd);
	jack_client_close(probe);
	jack_client_close(ref);
	free(sm);
	free(lat);
	free(wt);
	free(rtt);
	free(all);
	return lost ? 1 : 0;
}

/* --- throughput -------------------------------------------------------------------------- */

static int tp_fd;
static uint32_t tp_total;
static unsigned char *tp_seen; /* one bit per request id */
static _Atomic uint64_t tp_done, tp_fail, tp_other, tp_dup;
static _Atomic int tp_sending = 1;
static _Atomic double tp_last_reply;
static char tp_fail_text[REPLY_TEXT];
static _Atomic unsigned long tp_engine_rxq_max, tp_own_rxq_max;
static int tp_own_port;

static void *tp_receive(void *arg)
{
	(void)arg;
	enum { BATCH = 64 };
	static unsigned char bufs[BATCH][2048];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct timeval tv = {0, 100000};
	setsockopt(tp_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	double quiet_since = 0;
	for (;;) {
		for (int k = 0; k < BATCH; k++) {
			iov[k] = (struct iovec){bufs[k], sizeof bufs[k]};
			msgs[k] =
			    (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[k], .msg_iovlen = 1}};
		}
		int got = recvmmsg(tp_fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		double t = now_s();
		if (got <= 0) {
			if (!atomic_load(&tp_sending)) {
				if (atomic_load(&tp_done) + atomic_load(&tp_fail) >= tp_total)
					break;
				if (!quiet_since)
					quiet_since = t;
				if (t - quiet_since > 3.0)
					break;
			}
			continue;
		}
		quiet_since = 0;
		atomic_store(&tp_last_reply, t);
		for (int k = 0; k < got; k++) {
			reply_t r;
			if (parse_reply(bufs[k], msgs[k].msg_len, &r) != 0) {
				atomic_fetch_add(&tp_other, 1u);
				continue;
			}
			int done = strcmp(r.addr, "/done") == 0,
			    fail = strcmp(r.addr, "/fail") == 0;
			if ((!done && !fail) || !r.has_id || r.id < 0 ||
			    (uint32_t)r.id >= tp_total) {
				atomic_fetch_add(&tp_other, 1u);
				continue;
			}
			uint32_t id = (uint32_t)r.id;
			if (tp_seen[id >> 3] & (1u << (id & 7u))) {
				atomic_fetch_add(&tp_dup, 1u);
				continue;
			}
			tp_seen[id >> 3] |= (unsigned char)(1u << (id & 7u));
			if (done) {
				atomic_fetch_add(&tp_done, 1u);
			} else {
				if (!atomic_load(&tp_fail))
					snprintf(tp_fail_text, sizeof tp_fail_text, "%s", r.text);
				atomic_fetch_add(&tp_fail, 1u);
			}
		}
	}
	return NULL;
}

/* Samples the two sockets' receive queues while the run lasts. */
static void *tp_watch(void *arg)
{
	(void)arg;
	while (atomic_load(&tp_sending)) {
		udp_sock_t e = udp_lookup(engine_port), o = udp_lookup(tp_own_port);
		if (e.rx_queue > atomic_load(&tp_engine_rxq_max))
			atomic_store(&tp_engine_rxq_max, e.rx_queue);
		if (o.rx_queue > atomic_load(&tp_own_rxq_max))
			atomic_store(&tp_own_rxq_max, o.rx_queue);
		sleep_s(0.01);
	}
	return NULL;
}

/* One /set ,issf message into p (appended). */
static void put_set(pkt_t *p, uint32_t id, uint32_t inst, float value)
{
	char name[32];
	snprintf(name, sizeof name, "bt%u", inst);
	put_str(p, "/set");
	put_str(p, ",issf");
	put_u32(p, id);
	put_str(p, name);
	put_str(p, "freq");
	put_f32(p, value);
}

static int cmd_throughput(double rate, double seconds, int bundle, int instances)
{
	char line[256];
	int cfd = engine_socket(1 << 20);
	for (int k = 0; k < instances; k++) {
		snprintf(line, sizeof line, "create vco bt%d freq=220", k);
		command(cfd, line, NULL, 0);
	}
	sleep_s(0.5);
	tp_total = (uint32_t)llround(rate * seconds);
	tp_seen = calloc(tp_total / 8u + 1u, 1);
	if (!tp_seen)
		die("out of memory");
	int want_buf = 32 << 20;
	tp_fd = engine_socket(want_buf);
	int got_buf = 0;
	socklen_t gl = sizeof got_buf;
	getsockopt(tp_fd, SOL_SOCKET, SO_RCVBUF, &got_buf, &gl);
	tp_own_port = local_port(tp_fd);

	status_t s0 = engine_status(cfd);
	udp_sock_t u0 = udp_lookup(engine_port);
	cpu_t c0, c1;
	struct rusage ru0, ru1;
	getrusage(RUSAGE_SELF, &ru0);
	cpu_take(&c0);
	pthread_t rx, watch;
	if (pthread_create(&rx, NULL, tp_receive, NULL) ||
	    pthread_create(&watch, NULL, tp_watch, NULL))
		die("cannot start threads");
	prctl(PR_SET_TIMERSLACK, 1UL);

	/* Paced: every 250 us, send what is due by then. */
	const double tick = 0.00025;
	double t0 = now_s(), next = t0;
	uint32_t sent = 0, datagrams = 0, send_errors = 0;
	/* What is due goes out with sendmmsg, up to 64 datagrams a call. */
	enum { BURST = 64 };
	static pkt_t pk[BURST];
	struct mmsghdr mm[BURST];
	struct iovec iv[BURST];
	while (sent < tp_total) {
		double t = now_s();
		uint64_t due = (uint64_t)((t - t0) * rate);
		if (due > tp_total)
			due = tp_total;
		while (sent < due) {
			int nd = 0;
			for (; nd < BURST && sent < due; nd++) {
				pkt_t *p = &pk[nd];
				p->n = 0;
				uint32_t k = (uint32_t)bundle;
				if (k > tp_total - sent)
					k = tp_total - sent;
				if (bundle > 1) {
					put_str(p, "#bundle");
					put_u32(p, 0);
					put_u32(p, 1); /* immediately */
					for (uint32_t j = 0; j < k; j++) {
						size_t at = p->n;
						put_u32(p, 0);
						uint32_t id = sent + j;
						put_set(p, id, id % (uint32_t)instances,
						        100.0f + (float)(id % 1000u));
						uint32_t len = (uint32_t)(p->n - at - 4u);
						p->b[at] = (unsigned char)(len >> 24);
						p->b[at + 1] = (unsigned char)(len >> 16);
						p->b[at + 2] = (unsigned char)(len >> 8);
						p->b[at + 3] = (unsigned char)len;
					}
				} else {
					k = 1;
					put_set(p, sent, sent % (uint32_t)instances,
					        100.0f + (float)(sent % 1000u));
				}
				iv[nd] = (struct iovec){p->b, p->n};
				mm[nd] = (struct mmsghdr){
				    .msg_hdr = {.msg_iov = &iv[nd], .msg_iovlen = 1}};
				sent += k;
			}
			for (int off = 0; off < nd;) {
				int r = sendmmsg(tp_fd, mm + off, (unsigned)(nd - off), 0);
				if (r <= 0) {
					send_errors += (uint32_t)(nd - off);
					break;
				}
				off += r;
			}
			datagrams += (uint32_t)nd;
		}
		next += tick;
		double wait_for = next - now_s();
		if (wait_for > 0)
			sleep_s(wait_for);
		else
			next = now_s();
	}
	double t_sent = now_s();
	atomic_store(&tp_sending, 0);
	pthread_join(rx, NULL);
	pthread_join(watch, NULL);
	double t_end = atomic_load(&tp_last_reply);
	if (t_end < t_sent)
		t_end = t_sent;
	cpu_take(&c1);
	getrusage(RUSAGE_SELF, &ru1);
	udp_sock_t u1 = udp_lookup(engine_port), own = udp_lookup(tp_own_port);
	status_t s1 = engine_status(cfd);

	uint64_t done = atomic_load(&tp_done), fail = atomic_load(&tp_fail);
	uint64_t lost = tp_total - done - fail;
	double send_s = t_sent - t0;
	printf("control throughput: /set ,issf ID btK freq V over %d vco instances, %s\n",
	       instances, bundle > 1 ? "bundled" : "one message a datagram");
	if (bundle > 1)
		printf("  %d messages to a bundle (timetag: immediately), %u datagrams\n", bundle,
		       datagrams);
	printf("  sent %u messages in %.3f s: %.0f messages/s (asked %.0f)%s\n", sent, send_s,
	       sent / send_s, rate, send_errors ? "" : "");
	if (send_errors)
		printf("  %u sends failed\n", send_errors);
	printf("  replies: %llu /done, %llu /fail, %llu duplicates, %llu other; lost (no reply): "
	       "%llu (%.4f %%)\n",
	       (unsigned long long)done, (unsigned long long)fail,
	       (unsigned long long)atomic_load(&tp_dup), (unsigned long long)atomic_load(&tp_other),
	       (unsigned long long)lost, 100.0 * (double)lost / tp_total);
	if (fail)
		printf("  first /fail: %s\n", tp_fail_text);
	printf("  last reply %.3f s after the last send; answered rate %.0f messages/s\n",
	       t_end - t_sent, (double)(done + fail) / (t_end - t0));
	long rb = socket_rcvbuf(engine_port);
	printf("  engine UDP socket (port %d, receive buffer %ld bytes%s): drops +%lu, deepest "
	       "receive queue %lu bytes\n",
	       engine_port, rb, rb < 0 ? ": ss could not tell" : "", u1.drops - u0.drops,
	       atomic_load(&tp_engine_rxq_max));
	printf("  our socket (port %d, SO_RCVBUF %d bytes): drops %lu, deepest queue %lu bytes\n",
	       tp_own_port, got_buf, own.drops, atomic_load(&tp_own_rxq_max));
	printf("  engine counters: misses +%llu, xruns +%llu, late +%llu, dropped +%llu, deaths "
	       "+%llu, periods +%llu\n",
	       s1.misses - s0.misses, s1.xruns - s0.xruns, s1.late - s0.late,
	       s1.dropped - s0.dropped, s1.deaths - s0.deaths, s1.periods - s0.periods);
	cpu_report(&c0, &c1, t_end - t0);
	double own_cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
	                 (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
	                 (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) * 1e-6 +
	                 (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) * 1e-6;
	printf("  this program (sender and receiver): %.1f %% of one core\n",
	       100.0 * own_cpu / (t_end - t0));
	int clean = lost == 0 && fail == 0 && s1.misses == s0.misses && s1.xruns == s0.xruns &&
	            s1.late == s0.late && s1.dropped == s0.dropped && u1.drops == u0.drops;
	printf("  verdict: %s\n",
	       clean ? "clean (every message answered, no drop, miss, xrun, late or dropped event)"
	             : "NOT clean");
	printf("KV rate=%.0f sent=%u done=%llu fail=%llu lost=%llu sock_drops=%lu misses=%llu "
	       "xruns=%llu late=%llu dropped=%llu\n",
	       sent / send_s, sent, (unsigned long long)done, (unsigned long long)fail,
	       (unsigned long long)lost, u1.drops - u0.drops, s1.misses - s0.misses,
	       s1.xruns - s0.xruns, s1.late - s0.late, s1.dropped - s0.dropped);
	for (int k = 0; k < instances; k++) {
		snprintf(line, sizeof line, "free bt%d", k);
		command(cfd, line, NULL, 0);
	}
	close(cfd);
	close(tp_fd);
	free(tp_seen);
	return clean ? 0 : 1;
}

static void usage(FILE *to)
{
	fprintf(to,
	        "usage: chronus-bench-control [--name ENGINE] [--port N] [--pid PID] latency\n"
	        "                             [--count N] [--raw FILE] [--seed N] [--sender-rt]\n"
	        "       chronus-bench-control [--name ENGINE] [--port N] [--pid PID] throughput\n"
	        "                             [--rate R] [--seconds S] [--bundle K] "
	        "[--instances N]\n"
	        "  --name     the engine's JACK client name (default chronus)\n"
	        "  --port     its OSC port (default 57130)\n"
	        "  --pid      chronusd's PID, for its CPU time (throughput)\n"
	        "  --count    latency: sends (default 1000)\n"
	        "  --raw      latency: one line per send into FILE\n"
	        "  --sender-rt latency: send from a SCHED_FIFO thread one step below JACK's\n"
	        "             clients, so that sends fall on every phase of the period\n"
	        "  --rate     throughput: messages a second (default 100000)\n"
	        "  --seconds  throughput: how long (default 10)\n"
	        "  --bundle   throughput: messages to a bundle (default 1: one a datagram)\n"
	        "  --instances throughput: vco instances the messages go round (default 64)\n"
	        "The JACK server is $JACK_DEFAULT_SERVER's. Exit status 1 when a message was "
	        "lost.\n");
}

int main(int argc, char **argv)
{
	const char *mode = NULL, *raw = NULL;
	int count = 1000, bundle = 1, instances = 64, sender_rt = 0;
	double rate = 100000.0, seconds = 10.0;
	clk_tck = sysconf(_SC_CLK_TCK);
	for (int a = 1; a < argc; a++) {
		const char *o = argv[a];
		const char *v = a + 1 < argc ? argv[a + 1] : NULL;
		int takes = 1;
		if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(o, "latency") == 0 || strcmp(o, "throughput") == 0) {
			mode = o;
			takes = 0;
		} else if (strcmp(o, "--sender-rt") == 0) {
			sender_rt = 1;
			takes = 0;
		} else if (!v) {
			usage(stderr);
			return 2;
		} else if (strcmp(o, "--name") == 0) {
			engine_name = v;
		} else if (strcmp(o, "--port") == 0) {
			engine_port = atoi(v);
		} else if (strcmp(o, "--pid") == 0) {
			engine_pid = atoi(v);
		} else if (strcmp(o, "--count") == 0) {
			count = atoi(v);
		} else if (strcmp(o, "--raw") == 0) {
			raw = v;
		} else if (strcmp(o, "--seed") == 0) {
			rng = strtoull(v, NULL, 10) | 1u;
		} else if (strcmp(o, "--rate") == 0) {
			rate = atof(v);
		} else if (strcmp(o, "--seconds") == 0) {
			seconds = atof(v);
		} else if (strcmp(o, "--bundle") == 0) {
			bundle = atoi(v);
		} else if (strcmp(o, "--instances") == 0) {
			instances = atoi(v);
		} else {
			usage(stderr);
			return 2;
		}
		a += takes;
	}
	if (!mode || count < 1 || rate <= 0 || seconds <= 0 || bundle < 1 || bundle > 20 ||
	    instances < 1 || instances > 1000) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "latency") == 0)
		return cmd_latency(count, raw, sender_rt);
	return cmd_throughput(rate, seconds, bundle, instances);
}
