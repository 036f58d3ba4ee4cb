/*
 * selftest.c — proves the RT trap (rttrap.c) counts what it should, and only that (RT-04).
 * Run it with LD_PRELOAD=<the trap> and CX_RTTRAP_OUT=<file>; the test reads the summary.
 *
 *   selftest worker    names itself chronus-w0 as a worker does, makes one FUTEX_WAIT (which
 *                      arms it), then, armed: malloc, free, pthread_mutex_lock, write,
 *                      nanosleep, syscall(SYS_getpid) (one violation each: 6) and a
 *                      FUTEX_WAKE (allowed). The malloc and free before arming are not
 *                      counted. Expect worker counts malloc=1 free=1 mutex_lock=1 write=1
 *                      sleep=1 syscall=1, total worker=6, workers_armed=1.
 *   selftest callback  a JACK client (on $JACK_DEFAULT_SERVER) whose process callback does
 *                      malloc and free on each of its first 3 calls; the main thread
 *                      allocates too. Expect callback counts malloc=3 free=3.
 */
#include <fcntl.h>
#include <jack/jack.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void *volatile sink; /* keeps the compiler from removing a malloc/free pair */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int worker(void)
{
	int fd = open("/dev/null", O_WRONLY);
	if (fd < 0)
		return 2;
	sink = malloc(64); /* not armed yet: not counted */
	free(sink);
	prctl(PR_SET_NAME, "chronus-w0", 0, 0, 0);
	uint32_t word = 0;
	syscall(SYS_futex, &word, FUTEX_WAIT, 1, NULL, NULL, 0); /* EAGAIN at once; arms */
	sink = malloc(64);
	free(sink);
	pthread_mutex_lock(&lock);
	pthread_mutex_unlock(&lock);
	(void)!write(fd, "x", 1);
	struct timespec ts = {0, 1000};
	nanosleep(&ts, NULL);
	syscall(SYS_getpid);
	syscall(SYS_futex, &word, FUTEX_WAKE, 1, NULL, NULL, 0); /* allowed */
	return 0;
}

static _Atomic int calls;

static int process(jack_nframes_t nframes, void *arg)
{
	(void)nframes, (void)arg;
	if (atomic_fetch_add(&calls, 1) < 3) {
		sink = malloc(32);
		free(sink);
	}
	return 0;
}

static int callback(void)
{
	jack_status_t status;
	jack_client_t *c = jack_client_open("rttrap-selftest", JackNoStartServer, &status);
	if (!c) {
		fprintf(stderr, "selftest: cannot open a JACK client (status 0x%x)\n", status);
		return 2;
	}
	jack_set_process_callback(c, process, NULL);
	if (jack_activate(c) != 0) {
		fprintf(stderr, "selftest: cannot activate the JACK client\n");
		jack_client_close(c);
		return 2;
	}
	for (int i = 0; i < 500 && atomic_load(&calls) < 10; i++) {
		sink = malloc(16); /* the main thread is never armed */
		free(sink);
		usleep(10000);
	}
	int n = atomic_load(&calls);
	jack_deactivate(c);
	jack_client_close(c);
	if (n < 10) {
		fprintf(stderr, "selftest: the process callback ran %d times in 5 s\n", n);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "worker") == 0)
		return worker();
	if (argc == 2 && strcmp(argv[1], "callback") == 0)
		return callback();
	fprintf(stderr, "usage: selftest worker|callback\n");
	return 2;
}
