/*
 * rttrap.c — an LD_PRELOAD trap that counts what realtime code must never do (RT-04).
 *
 * Preloaded into chronusd (and inherited by its zygote and workers through fork), it wraps
 * the allocator, locks, blocking and I/O calls, and syscall(2), and counts each call made
 * from an *armed* thread. It never changes what a call does: every wrapper forwards to the
 * real function.
 *
 * Which threads are armed, without touching engine code:
 *   callback  JACK's process thread while it runs chronusd's process callback: the trap
 *             wraps jack_set_process_callback and registers a trampoline that arms the
 *             thread around the real callback. JACK API calls made from the callback
 *             (jack_port_get_buffer, jack_get_cycle_times, jack_frame_time,
 *             jack_transport_query, ...) are counted apart, as "jack", to tell JACK's own
 *             behaviour from chronus's. Allowed: syscall(SYS_futex, FUTEX_WAKE) (the one
 *             system call of the RT rules).
 *   worker    a process that named itself "chronus-w*" (prctl PR_SET_NAME, worker_setup in
 *             engine/worker.c), from the moment its first FUTEX_WAIT returns: everything
 *             before that is start-up (allocation of scratch buffers, dlopen of the modules,
 *             mlockall). Allowed: FUTEX_WAIT and FUTEX_WAKE through syscall(2), and
 *             sched_setscheduler (not wrapped). A dlopen in an armed worker (module types
 *             reloaded between periods when types_gen changes) disarms it until its next
 *             FUTEX_WAIT returns; such loads are counted, as "worker_loads", not as faults.
 *
 * Results. Counters live in a MAP_SHARED anonymous mapping made by the constructor in the
 * preloaded process, so the zygote and every worker (forked from it) count into the same
 * table, and workers killed by SIGKILL lose nothing. Each violation's first occurrences are
 * also written at once, with a short backtrace, to the file named by $CX_RTTRAP_OUT (opened
 * O_APPEND before anything is armed). A frame in a function without a dynamic symbol is
 * printed as its offset in its object, for `addr2line -f -e OBJECT OFFSET`. When the
 * preloading process exits, a summary is appended there and to stderr:
 *   rttrap: summary pid=P callbacks=N callback_futex_wakes=N workers_armed=N
 *           worker_futex_waits=N worker_loads=N
 *   rttrap: count ctx=callback|jack|worker kind=KIND n=N      (one line per non-zero count)
 *   rttrap: total callback=N jack=N worker=N
 * The trap's own work (backtraces, reports) runs with a guard so it never counts itself.
 */
#undef _FILE_OFFSET_BITS /* meson defines it; the wrappers name open and open64 separately */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <jack/jack.h>
#include <jack/transport.h>
#include <linux/futex.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define TLS    __attribute__((tls_model("initial-exec"))) __thread
#define EXPORT __attribute__((visibility("default")))

/* glibc's own allocator entry points: forwarding to them needs no dlsym at start-up. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

enum ctx { CTX_CALLBACK, CTX_JACK, CTX_WORKER, CTX_N };
static const char *const ctx_names[CTX_N] = {"callback", "jack", "worker"};

enum kind {
	K_MALLOC,
	K_CALLOC,
	K_REALLOC,
	K_FREE,
	K_MEMALIGN,
	K_LOCK,
	K_COND,
	K_SEM,
	K_READ,
	K_WRITE,
	K_OPEN,
	K_CLOSE,
	K_MMAP,
	K_MUNMAP,
	K_SLEEP,
	K_YIELD,
	K_POLL,
	K_SOCKET,
	K_IOCTL,
	K_SYSCALL,
	K_FUTEX_WAIT,
	K_FUTEX_OTHER,
	K_PRCTL,
	K_STDIO,
	K_DLOPEN,
	K_N
};
static const char *const kind_names[K_N] = {
    "malloc",      "calloc", "realloc", "free",   "memalign", "mutex_lock", "cond",
    "sem",         "read",   "write",   "open",   "close",    "mmap",       "munmap",
    "sleep",       "yield",  "poll",    "socket", "ioctl",    "syscall",    "futex_wait",
    "futex_other", "prctl",  "stdio",   "dlopen",
};
_Static_assert(sizeof kind_names / sizeof kind_names[0] == K_N, "one name per kind");

#define EVENTS_MAX 24u
#define FRAMES_MAX 10

typedef struct trap_event {
	int32_t ctx, kind, pid;
	char comm[16];
	char where[FRAMES_MAX][112];
} trap_event_t;

typedef struct trap_shared {
	_Atomic uint64_t count[CTX_N][K_N];
	_Atomic uint64_t callbacks;
	_Atomic uint64_t callback_futex_wakes;
	_Atomic uint64_t workers_armed;
	_Atomic uint64_t worker_futex_waits;
	_Atomic uint64_t worker_loads;
	_Atomic uint32_t events;
	trap_event_t event[EVENTS_MAX];
} trap_shared_t;

static trap_shared_t *S;   /* shared with forked children */
static int report_fd = -1; /* O_APPEND, opened before any thread is armed */
static pid_t owner_pid;
static _Atomic int finished; /* the summary is written: count nothing more in this process */

enum worker_state { W_NONE = 0, W_STARTING, W_ARMED, W_LOADING };

static TLS int t_callback; /* depth inside the process callback */
static TLS int t_in_jack;  /* depth inside a JACK API call made from the callback */
static TLS int t_guard;    /* depth inside the trap's own work */
static TLS int t_worker;   /* worker_state */
static TLS int t_was_armed;

/* The real functions, looked up once by the constructor (before anything is armed). */
#define REAL(name) static __typeof__(name) *real_##name
REAL(pthread_mutex_lock);
REAL(pthread_mutex_trylock);
REAL(pthread_mutex_timedlock);
REAL(pthread_rwlock_rdlock);
REAL(pthread_rwlock_wrlock);
REAL(pthread_spin_lock);
REAL(pthread_cond_wait);
REAL(pthread_cond_timedwait);
REAL(pthread_cond_signal);
REAL(pthread_cond_broadcast);
REAL(sem_wait);
REAL(sem_timedwait);
REAL(sem_post);
REAL(read);
REAL(write);
REAL(pread);
REAL(pwrite);
REAL(readv);
REAL(writev);
REAL(open);
REAL(open64);
REAL(openat);
REAL(openat64);
REAL(close);
REAL(fopen);
REAL(fopen64);
REAL(mmap);
REAL(mmap64);
REAL(munmap);
REAL(mprotect);
REAL(nanosleep);
REAL(clock_nanosleep);
REAL(usleep);
REAL(sleep);
REAL(sched_yield);
REAL(poll);
REAL(ppoll);
REAL(select);
REAL(epoll_wait);
REAL(send);
REAL(sendto);
REAL(sendmsg);
REAL(recv);
REAL(recvfrom);
REAL(recvmsg);
REAL(ioctl);
REAL(syscall);
REAL(prctl);
REAL(vfprintf);
REAL(vprintf);
REAL(fputs);
REAL(puts);
REAL(fwrite);
REAL(fflush);
REAL(dlopen);
REAL(jack_set_process_callback);
REAL(jack_port_get_buffer);
REAL(jack_get_cycle_times);
REAL(jack_frame_time);
REAL(jack_last_frame_time);
REAL(jack_frames_since_cycle_start);
REAL(jack_transport_query);
REAL(jack_get_current_transport_frame);

/* The next definition of a function after this library's (ISO C has no void * to function
 * pointer conversion, so the address is copied). */
#define NEXT(var, name)                                                                            \
	do {                                                                                       \
		void *p_ = dlsym(RTLD_NEXT, name);                                                 \
		memcpy(&(var), &p_, sizeof p_);                                                    \
	} while (0)

/* The context a call from this thread counts in, or -1 when it is not armed. */
static int armed_ctx(void)
{
	if (t_guard || atomic_load_explicit(&finished, memory_order_relaxed))
		return -1;
	if (t_callback)
		return t_in_jack ? CTX_JACK : CTX_CALLBACK;
	if (t_worker == W_ARMED)
		return CTX_WORKER;
	return -1;
}

static size_t put(char *buf, size_t len, size_t n, const char *s)
{
	while (*s && n + 1 < len)
		buf[n++] = *s++;
	buf[n] = 0;
	return n;
}

static size_t put_num(char *buf, size_t len, size_t n, uint64_t v)
{
	char tmp[24];
	int i = 0;
	do
		tmp[i++] = (char)('0' + v % 10u);
	while ((v /= 10u) && i < 23);
	while (i > 0 && n + 1 < len)
		buf[n++] = tmp[--i];
	buf[n] = 0;
	return n;
}

static void emit(const char *line, size_t n)
{
	if (report_fd >= 0 && real_write)
		(void)!real_write(report_fd, line, n);
}

/* Records one violation: the counter always; the first EVENTS_MAX with a backtrace, written
 * out at once (a worker may be SIGKILLed at any moment). */
static void violation(int ctx, int kind)
{
	atomic_fetch_add_explicit(&S->count[ctx][kind], 1u, memory_order_relaxed);
	uint32_t k = atomic_fetch_add(&S->events, 1u);
	if (k >= EVENTS_MAX)
		return;
	int saved = errno;
	t_guard++;
	trap_event_t *ev = &S->event[k];
	ev->ctx = ctx;
	ev->kind = kind;
	ev->pid = (int32_t)getpid();
	if (real_prctl)
		real_prctl(PR_GET_NAME, (unsigned long)ev->comm, 0ul, 0ul, 0ul);
	void *frames[FRAMES_MAX + 2];
	int nf = backtrace(frames, FRAMES_MAX + 2);
	char line[2048];
	size_t n = 0;
	n = put(line, sizeof line, n, "rttrap: VIOLATION ctx=");
	n = put(line, sizeof line, n, ctx_names[ctx]);
	n = put(line, sizeof line, n, " kind=");
	n = put(line, sizeof line, n, kind_names[kind]);
	n = put(line, sizeof line, n, " pid=");
	n = put_num(line, sizeof line, n, (uint64_t)ev->pid);
	n = put(line, sizeof line, n, " comm=");
	n = put(line, sizeof line, n, ev->comm);
	n = put(line, sizeof line, n, " at");
	/* Frame 0 is violation(), frame 1 the wrapper: start at the caller. */
	for (int f = 2, w = 0; f < nf && w < FRAMES_MAX; f++, w++) {
		Dl_info di;
		memset(&di, 0, sizeof di);
		if (!dladdr(frames[f], &di))
			memset(&di, 0, sizeof di);
		char *where = ev->where[w];
		size_t m = 0;
		if (di.dli_sname && di.dli_saddr) {
			m = put(where, sizeof ev->where[w], m, di.dli_sname);
			m = put(where, sizeof ev->where[w], m, "+");
			m = put_num(where, sizeof ev->where[w], m,
			            (uint64_t)((char *)frames[f] - (char *)di.dli_saddr));
		} else if (di.dli_fbase) { /* a static function: offset for addr2line */
			static const char hex[] = "0123456789abcdef";
			uintptr_t off = (uintptr_t)((char *)frames[f] - (char *)di.dli_fbase);
			char tmp[2 + 2 * sizeof off + 1];
			int i = (int)sizeof tmp - 1;
			tmp[i] = 0;
			do
				tmp[--i] = hex[off & 15u];
			while ((off >>= 4) && i > 2);
			tmp[--i] = 'x';
			tmp[--i] = '0';
			m = put(where, sizeof ev->where[w], m, tmp + i);
		} else {
			m = put(where, sizeof ev->where[w], m, "?");
		}
		if (di.dli_fname) {
			const char *base = strrchr(di.dli_fname, '/');
			m = put(where, sizeof ev->where[w], m, " (");
			m = put(where, sizeof ev->where[w], m, base ? base + 1 : di.dli_fname);
			m = put(where, sizeof ev->where[w], m, ")");
		}
		n = put(line, sizeof line, n, w ? " < " : " ");
		n = put(line, sizeof line, n, where);
	}
	n = put(line, sizeof line, n, "\n");
	emit(line, n);
	t_guard--;
	errno = saved;
}

#define CHECK(kind)                                                                                \
	do {                                                                                       \
		int c_ = armed_ctx();                                                              \
		if (c_ >= 0)                                                                       \
			violation(c_, (kind));                                                     \
	} while (0)

/* ---- memory ---------------------------------------------------------------------------- */

EXPORT void *malloc(size_t n)
{
	CHECK(K_MALLOC);
	return __libc_malloc(n);
}

EXPORT void *calloc(size_t a, size_t b)
{
	CHECK(K_CALLOC);
	return __libc_calloc(a, b);
}

EXPORT void *realloc(void *p, size_t n)
{
	CHECK(K_REALLOC);
	return __libc_realloc(p, n);
}

EXPORT void *reallocarray(void *p, size_t a, size_t b)
{
	CHECK(K_REALLOC);
	if (b && a > SIZE_MAX / b) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, a * b);
}

EXPORT void free(void *p)
{
	if (p)
		CHECK(K_FREE);
	__libc_free(p);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	CHECK(K_MEMALIGN);
	if (align < sizeof(void *) || (align & (align - 1u)))
		return EINVAL;
	void *p = __libc_memalign(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
	CHECK(K_MEMALIGN);
	return __libc_memalign(align, n);
}

EXPORT void *memalign(size_t align, size_t n)
{
	CHECK(K_MEMALIGN);
	return __libc_memalign(align, n);
}

EXPORT void *valloc(size_t n)
{
	CHECK(K_MEMALIGN);
	return __libc_valloc(n);
}

EXPORT void *pvalloc(size_t n)
{
	CHECK(K_MEMALIGN);
	return __libc_pvalloc(n);
}

/* ---- locks ----------------------------------------------------------------------------- */

EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
	CHECK(K_LOCK);
	return real_pthread_mutex_lock(m);
}

EXPORT int pthread_mutex_trylock(pthread_mutex_t *m)
{
	CHECK(K_LOCK);
	return real_pthread_mutex_trylock(m);
}

EXPORT int pthread_mutex_timedlock(pthread_mutex_t *restrict m, const struct timespec *restrict at)
{
	CHECK(K_LOCK);
	return real_pthread_mutex_timedlock(m, at);
}

EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	CHECK(K_LOCK);
	return real_pthread_rwlock_rdlock(l);
}

EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	CHECK(K_LOCK);
	return real_pthread_rwlock_wrlock(l);
}

EXPORT int pthread_spin_lock(pthread_spinlock_t *l)
{
	CHECK(K_LOCK);
	return real_pthread_spin_lock(l);
}

EXPORT int pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m)
{
	CHECK(K_COND);
	return real_pthread_cond_wait(c, m);
}

EXPORT int pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
                                  const struct timespec *restrict at)
{
	CHECK(K_COND);
	return real_pthread_cond_timedwait(c, m, at);
}

EXPORT int pthread_cond_signal(pthread_cond_t *c)
{
	CHECK(K_COND);
	return real_pthread_cond_signal(c);
}

EXPORT int pthread_cond_broadcast(pthread_cond_t *c)
{
	CHECK(K_COND);
	return real_pthread_cond_broadcast(c);
}

EXPORT int sem_wait(sem_t *s)
{
	CHECK(K_SEM);
	return real_sem_wait(s);
}

EXPORT int sem_timedwait(sem_t *restrict s, const struct timespec *restrict at)
{
	CHECK(K_SEM);
	return real_sem_timedwait(s, at);
}

EXPORT int sem_post(sem_t *s)
{
	CHECK(K_SEM);
	return real_sem_post(s);
}

/* ---- I/O and other system calls -------------------------------------------------------- */

EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	CHECK(K_READ);
	return real_read(fd, buf, n);
}

EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	CHECK(K_WRITE);
	return real_write(fd, buf, n);
}

EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	CHECK(K_READ);
	return real_pread(fd, buf, n, off);
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	CHECK(K_WRITE);
	return real_pwrite(fd, buf, n, off);
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int n)
{
	CHECK(K_READ);
	return real_readv(fd, iov, n);
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int n)
{
	CHECK(K_WRITE);
	return real_writev(fd, iov, n);
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | __O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	CHECK(K_OPEN);
	return real_open(path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	CHECK(K_OPEN);
	return real_open64(path, flags, mode);
}

EXPORT int openat(int dir, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	CHECK(K_OPEN);
	return real_openat(dir, path, flags, mode);
}

EXPORT int openat64(int dir, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	CHECK(K_OPEN);
	return real_openat64(dir, path, flags, mode);
}

EXPORT int close(int fd)
{
	CHECK(K_CLOSE);
	return real_close(fd);
}

EXPORT FILE *fopen(const char *restrict path, const char *restrict mode)
{
	CHECK(K_OPEN);
	return real_fopen(path, mode);
}

EXPORT FILE *fopen64(const char *restrict path, const char *restrict mode)
{
	CHECK(K_OPEN);
	return real_fopen64(path, mode);
}

EXPORT void *mmap(void *addr, size_t n, int prot, int flags, int fd, off_t off)
{
	CHECK(K_MMAP);
	return real_mmap(addr, n, prot, flags, fd, off);
}

EXPORT void *mmap64(void *addr, size_t n, int prot, int flags, int fd, off64_t off)
{
	CHECK(K_MMAP);
	return real_mmap64(addr, n, prot, flags, fd, off);
}

EXPORT int munmap(void *addr, size_t n)
{
	CHECK(K_MUNMAP);
	return real_munmap(addr, n);
}

EXPORT int mprotect(void *addr, size_t n, int prot)
{
	CHECK(K_MMAP);
	return real_mprotect(addr, n, prot);
}

EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	CHECK(K_SLEEP);
	return real_nanosleep(req, rem);
}

EXPORT int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
                           struct timespec *rem)
{
	CHECK(K_SLEEP);
	return real_clock_nanosleep(clk, flags, req, rem);
}

EXPORT int usleep(useconds_t us)
{
	CHECK(K_SLEEP);
	return real_usleep(us);
}

EXPORT unsigned int sleep(unsigned int s)
{
	CHECK(K_SLEEP);
	return real_sleep(s);
}

EXPORT int sched_yield(void)
{
	CHECK(K_YIELD);
	return real_sched_yield();
}

EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	CHECK(K_POLL);
	return real_poll(fds, n, timeout);
}

EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *to, const sigset_t *mask)
{
	CHECK(K_POLL);
	return real_ppoll(fds, n, to, mask);
}

EXPORT int select(int n, fd_set *restrict r, fd_set *restrict w, fd_set *restrict e,
                  struct timeval *restrict to)
{
	CHECK(K_POLL);
	return real_select(n, r, w, e, to);
}

EXPORT int epoll_wait(int fd, struct epoll_event *ev, int n, int timeout)
{
	CHECK(K_POLL);
	return real_epoll_wait(fd, ev, n, timeout);
}

EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	CHECK(K_SOCKET);
	return real_send(fd, buf, n, flags);
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, __CONST_SOCKADDR_ARG to,
                      socklen_t tolen)
{
	CHECK(K_SOCKET);
	return real_sendto(fd, buf, n, flags, to, tolen);
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	CHECK(K_SOCKET);
	return real_sendmsg(fd, msg, flags);
}

EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	CHECK(K_SOCKET);
	return real_recv(fd, buf, n, flags);
}

EXPORT ssize_t recvfrom(int fd, void *restrict buf, size_t n, int flags, __SOCKADDR_ARG from,
                        socklen_t *restrict fromlen)
{
	CHECK(K_SOCKET);
	return real_recvfrom(fd, buf, n, flags, from, fromlen);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	CHECK(K_SOCKET);
	return real_recvmsg(fd, msg, flags);
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	CHECK(K_IOCTL);
	return real_ioctl(fd, req, arg);
}

/* syscall(2): the engine's futex calls come this way (engine/futex.h). */
EXPORT long syscall(long nr, ...)
{
	va_list ap;
	va_start(ap, nr);
	long a[6];
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	int ctx = armed_ctx();
	int wait = 0;
	if (nr == SYS_futex) {
		int op = (int)a[1] & FUTEX_CMD_MASK;
		wait = op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET;
		if (op == FUTEX_WAKE || op == FUTEX_WAKE_BITSET) {
			if (ctx == CTX_CALLBACK)
				atomic_fetch_add_explicit(&S->callback_futex_wakes, 1u,
				                          memory_order_relaxed);
			else if (ctx == CTX_JACK)
				violation(ctx, K_FUTEX_OTHER);
			/* workers may wake too */
		} else if (wait) {
			if (ctx == CTX_CALLBACK || ctx == CTX_JACK)
				violation(ctx, K_FUTEX_WAIT);
			else if (ctx == CTX_WORKER)
				atomic_fetch_add_explicit(&S->worker_futex_waits, 1u,
				                          memory_order_relaxed);
		} else if (ctx >= 0) {
			violation(ctx, K_FUTEX_OTHER);
		}
	} else if (ctx >= 0) {
		violation(ctx, K_SYSCALL);
	}
	long r = real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (wait && t_worker != W_NONE && t_worker != W_ARMED && !t_guard) {
		/* Start-up (or a module load) is over: from here on this worker is realtime. */
		t_worker = W_ARMED;
		if (!t_was_armed) {
			t_was_armed = 1;
			atomic_fetch_add(&S->workers_armed, 1u);
		}
	}
	return r;
}

EXPORT int prctl(int option, ...)
{
	va_list ap;
	va_start(ap, option);
	unsigned long a[4];
	for (int i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	CHECK(K_PRCTL);
	int r = real_prctl(option, a[0], a[1], a[2], a[3]);
	if (option == PR_SET_NAME && r == 0 && !t_guard) {
		const char *nm = (const char *)a[0];
		if (nm && strncmp(nm, "chronus-w", 9) == 0) {
			if (t_worker == W_NONE)
				t_worker = W_STARTING;
		}
	}
	return r;
}

/* ---- stdio: formatted output ends in a write the wrappers above cannot see ------------- */

EXPORT int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	CHECK(K_STDIO);
	return real_vfprintf(f, fmt, ap);
}

EXPORT int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
	CHECK(K_STDIO);
	va_list ap;
	va_start(ap, fmt);
	int r = real_vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

EXPORT int vprintf(const char *restrict fmt, va_list ap)
{
	CHECK(K_STDIO);
	return real_vprintf(fmt, ap);
}

EXPORT int printf(const char *restrict fmt, ...)
{
	CHECK(K_STDIO);
	va_list ap;
	va_start(ap, fmt);
	int r = real_vprintf(fmt, ap);
	va_end(ap);
	return r;
}

EXPORT int fputs(const char *restrict s, FILE *restrict f)
{
	CHECK(K_STDIO);
	return real_fputs(s, f);
}

EXPORT int puts(const char *s)
{
	CHECK(K_STDIO);
	return real_puts(s);
}

EXPORT size_t fwrite(const void *restrict p, size_t size, size_t n, FILE *restrict f)
{
	CHECK(K_STDIO);
	return real_fwrite(p, size, n, f);
}

EXPORT int fflush(FILE *f)
{
	CHECK(K_STDIO);
	return real_fflush(f);
}

/* ---- dynamic loading ------------------------------------------------------------------- */

EXPORT void *dlopen(const char *path, int flags)
{
	int ctx = armed_ctx();
	if (ctx == CTX_WORKER) {
		/* Module types reloaded between periods: allowed; the worker re-arms at its next
		 * FUTEX_WAIT. */
		atomic_fetch_add(&S->worker_loads, 1u);
		t_worker = W_LOADING;
	} else if (ctx >= 0) {
		violation(ctx, K_DLOPEN);
	}
	return real_dlopen(path, flags);
}

/* ---- JACK ------------------------------------------------------------------------------ */

#define SLOTS_MAX 8
typedef struct cb_slot {
	JackProcessCallback cb;
	void *arg;
} cb_slot_t;
static cb_slot_t slots[SLOTS_MAX];
static _Atomic int slot_count;

static int trampoline(jack_nframes_t nframes, void *arg)
{
	cb_slot_t *s = arg;
	t_callback++;
	int r = s->cb(nframes, s->arg);
	t_callback--;
	atomic_fetch_add_explicit(&S->callbacks, 1u, memory_order_relaxed);
	return r;
}

EXPORT int jack_set_process_callback(jack_client_t *client, JackProcessCallback cb, void *arg)
{
	if (!real_jack_set_process_callback)
		NEXT(real_jack_set_process_callback, "jack_set_process_callback");
	if (!real_jack_set_process_callback)
		return -1;
	int k = cb ? atomic_fetch_add(&slot_count, 1) : SLOTS_MAX;
	if (k >= SLOTS_MAX) /* no callback, or too many clients: pass it through unwatched */
		return real_jack_set_process_callback(client, cb, arg);
	slots[k] = (cb_slot_t){cb, arg};
	return real_jack_set_process_callback(client, trampoline, &slots[k]);
}

EXPORT void *jack_port_get_buffer(jack_port_t *port, jack_nframes_t nframes)
{
	if (!real_jack_port_get_buffer)
		NEXT(real_jack_port_get_buffer, "jack_port_get_buffer");
	t_in_jack++;
	void *r = real_jack_port_get_buffer(port, nframes);
	t_in_jack--;
	return r;
}

/* The JACK calls a process callback may make (JACK documents them as realtime-safe): what
 * they do is counted apart, as "jack". */
#define JACK_WRAP(ret, name, params, args)                                                         \
	EXPORT ret name params                                                                     \
	{                                                                                          \
		if (!real_##name)                                                                  \
			NEXT(real_##name, #name);                                                  \
		t_in_jack++;                                                                       \
		ret r_ = real_##name args;                                                         \
		t_in_jack--;                                                                       \
		return r_;                                                                         \
	}

JACK_WRAP(int, jack_get_cycle_times,
          (const jack_client_t *c, jack_nframes_t *frames, jack_time_t *usecs, jack_time_t *next,
           float *period),
          (c, frames, usecs, next, period))
JACK_WRAP(jack_nframes_t, jack_frame_time, (const jack_client_t *c), (c))
JACK_WRAP(jack_nframes_t, jack_last_frame_time, (const jack_client_t *c), (c))
JACK_WRAP(jack_nframes_t, jack_frames_since_cycle_start, (const jack_client_t *c), (c))
JACK_WRAP(jack_transport_state_t, jack_transport_query,
          (const jack_client_t *c, jack_position_t *pos), (c, pos))
JACK_WRAP(jack_nframes_t, jack_get_current_transport_frame, (const jack_client_t *c), (c))

/* ---- set-up and the summary ------------------------------------------------------------ */

__attribute__((constructor)) static void trap_init(void)
{
	t_guard++;
#define LOOKUP(name) NEXT(real_##name, #name)
	LOOKUP(pthread_mutex_lock);
	LOOKUP(pthread_mutex_trylock);
	LOOKUP(pthread_mutex_timedlock);
	LOOKUP(pthread_rwlock_rdlock);
	LOOKUP(pthread_rwlock_wrlock);
	LOOKUP(pthread_spin_lock);
	LOOKUP(pthread_cond_wait);
	LOOKUP(pthread_cond_timedwait);
	LOOKUP(pthread_cond_signal);
	LOOKUP(pthread_cond_broadcast);
	LOOKUP(sem_wait);
	LOOKUP(sem_timedwait);
	LOOKUP(sem_post);
	LOOKUP(read);
	LOOKUP(write);
	LOOKUP(pread);
	LOOKUP(pwrite);
	LOOKUP(readv);
	LOOKUP(writev);
	LOOKUP(open);
	LOOKUP(open64);
	LOOKUP(openat);
	LOOKUP(openat64);
	LOOKUP(close);
	LOOKUP(fopen);
	LOOKUP(fopen64);
	LOOKUP(mmap);
	LOOKUP(mmap64);
	LOOKUP(munmap);
	LOOKUP(mprotect);
	LOOKUP(nanosleep);
	LOOKUP(clock_nanosleep);
	LOOKUP(usleep);
	LOOKUP(sleep);
	LOOKUP(sched_yield);
	LOOKUP(poll);
	LOOKUP(ppoll);
	LOOKUP(select);
	LOOKUP(epoll_wait);
	LOOKUP(send);
	LOOKUP(sendto);
	LOOKUP(sendmsg);
	LOOKUP(recv);
	LOOKUP(recvfrom);
	LOOKUP(recvmsg);
	LOOKUP(ioctl);
	LOOKUP(syscall);
	LOOKUP(prctl);
	LOOKUP(vfprintf);
	LOOKUP(vprintf);
	LOOKUP(fputs);
	LOOKUP(puts);
	LOOKUP(fwrite);
	LOOKUP(fflush);
	LOOKUP(dlopen);
	LOOKUP(jack_set_process_callback);
	LOOKUP(jack_port_get_buffer);
#undef LOOKUP
	if (!real_mmap || !real_write || !real_open || !real_syscall || !real_prctl) {
		static const char msg[] = "rttrap: cannot find the C library's functions\n";
		if (real_write)
			(void)!real_write(2, msg, sizeof msg - 1);
		_exit(99);
	}
	S = real_mmap(NULL, sizeof *S, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (S == MAP_FAILED) {
		static const char msg[] = "rttrap: cannot map the counters\n";
		(void)!real_write(2, msg, sizeof msg - 1);
		_exit(99);
	}
	owner_pid = getpid();
	const char *out = getenv("CX_RTTRAP_OUT");
	if (out && *out)
		report_fd = real_open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	/* backtrace() loads libgcc_s on first use: do it now, not in an armed thread. */
	void *warm[4];
	(void)backtrace(warm, 4);
	t_guard--;
}

__attribute__((destructor)) static void trap_fini(void)
{
	if (getpid() != owner_pid || !S)
		return;
	t_guard++;
	atomic_store(&finished,
	             1); /* what runs after this (other libraries' destructors) is exit */
	char line[512];
	uint64_t total[CTX_N] = {0};
	snprintf(line, sizeof line,
	         "rttrap: summary pid=%d callbacks=%llu callback_futex_wakes=%llu "
	         "workers_armed=%llu worker_futex_waits=%llu worker_loads=%llu\n",
	         (int)owner_pid, (unsigned long long)atomic_load(&S->callbacks),
	         (unsigned long long)atomic_load(&S->callback_futex_wakes),
	         (unsigned long long)atomic_load(&S->workers_armed),
	         (unsigned long long)atomic_load(&S->worker_futex_waits),
	         (unsigned long long)atomic_load(&S->worker_loads));
	emit(line, strlen(line));
	(void)!real_write(2, line, strlen(line));
	for (int c = 0; c < CTX_N; c++)
		for (int k = 0; k < K_N; k++) {
			uint64_t v = atomic_load(&S->count[c][k]);
			total[c] += v;
			if (!v)
				continue;
			snprintf(line, sizeof line, "rttrap: count ctx=%s kind=%s n=%llu\n",
			         ctx_names[c], kind_names[k], (unsigned long long)v);
			emit(line, strlen(line));
			(void)!real_write(2, line, strlen(line));
		}
	snprintf(line, sizeof line, "rttrap: total callback=%llu jack=%llu worker=%llu\n",
	         (unsigned long long)total[CTX_CALLBACK], (unsigned long long)total[CTX_JACK],
	         (unsigned long long)total[CTX_WORKER]);
	emit(line, strlen(line));
	(void)!real_write(2, line, strlen(line));
	t_guard--;
}
