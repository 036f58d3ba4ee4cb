/* zygote.c — see zygote.h. */
#include "zygote.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loader.h"
#include "worker.h"

#define CHILDREN_MAX (CX_WORKERS_MAX * 4u + CX_TYPES_MAX)

typedef struct child {
	pid_t pid;
	uint32_t op; /* CX_Z_SPAWN or CX_Z_PROBE */
	uint32_t arg;
} child_t;

static void send_msg(int sock, uint32_t op, uint32_t arg, pid_t pid, int status)
{
	cx_zmsg_t m = {op, arg, (int32_t)pid, status};
	(void)!send(sock, &m, sizeof m, MSG_NOSIGNAL);
}

static void reap(int sock, child_t *kids)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (uint32_t i = 0; i < CHILDREN_MAX; i++) {
			if (kids[i].pid != pid)
				continue;
			send_msg(sock, kids[i].op == CX_Z_SPAWN ? CX_Z_DIED : CX_Z_PROBED,
			         kids[i].arg, pid, status);
			kids[i].pid = 0;
			break;
		}
	}
}

static void quit_all(child_t *kids)
{
	for (uint32_t i = 0; i < CHILDREN_MAX; i++)
		if (kids[i].pid > 0)
			kill(kids[i].pid, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0)
		;
	_exit(0);
}

static void fork_child(cx_shm_t *shm, int sock, int sfd, child_t *kids, const cx_zmsg_t *req)
{
	uint32_t slot = 0;
	while (slot < CHILDREN_MAX && kids[slot].pid != 0)
		slot++;
	if (slot == CHILDREN_MAX) {
		send_msg(sock, req->op == CX_Z_SPAWN ? CX_Z_DIED : CX_Z_PROBED, req->arg, 0,
		         -EAGAIN);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(sock);
		close(sfd);
		sigset_t all;
		sigemptyset(&all);
		sigaddset(&all, SIGCHLD);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		if (req->op == CX_Z_SPAWN)
			cx_worker_main(shm, req->arg);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(cx_type_probe(cx_shm_type(shm, req->arg)) == 0 ? 0 : 1);
	}
	if (pid < 0) {
		send_msg(sock, req->op == CX_Z_SPAWN ? CX_Z_DIED : CX_Z_PROBED, req->arg, 0,
		         -errno);
		return;
	}
	kids[slot] = (child_t){pid, req->op, req->arg};
	if (req->op == CX_Z_SPAWN)
		send_msg(sock, CX_Z_SPAWNED, req->arg, pid, 0);
}

static _Noreturn void zygote_main(cx_shm_t *shm, int sock, pid_t engine)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != engine)
		_exit(0);
	prctl(PR_SET_NAME, "chronus-zygote");
	signal(SIGINT, SIG_IGN); /* ^C in the terminal is the engine's to handle */
	signal(SIGPIPE, SIG_IGN);
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	int sfd = signalfd(-1, &chld, SFD_CLOEXEC);
	static child_t kids[CHILDREN_MAX];
	for (;;) {
		struct pollfd pf[2] = {{sock, POLLIN, 0}, {sfd, POLLIN, 0}};
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			quit_all(kids);
		}
		if (pf[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			(void)!read(sfd, &si, sizeof si);
			reap(sock, kids);
		}
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			cx_zmsg_t req;
			ssize_t n = recv(sock, &req, sizeof req, 0);
			if (n != (ssize_t)sizeof req || req.op == CX_Z_QUIT)
				quit_all(kids);
			if (req.op == CX_Z_SPAWN || req.op == CX_Z_PROBE)
				fork_child(shm, sock, sfd, kids, &req);
		}
	}
}

pid_t cx_zygote_start(cx_shm_t *shm, int *sock)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	pid_t engine = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		zygote_main(shm, sv[1], engine);
	}
	close(sv[1]);
	*sock = sv[0];
	return pid;
}

int cx_zygote_send(int sock, uint32_t op, uint32_t arg)
{
	cx_zmsg_t m = {op, arg, 0, 0};
	return send(sock, &m, sizeof m, MSG_NOSIGNAL) == (ssize_t)sizeof m ? 0 : -1;
}

int cx_zygote_recv(int sock, cx_zmsg_t *m, int timeout_ms)
{
	struct pollfd pf = {sock, POLLIN, 0};
	int r = poll(&pf, 1, timeout_ms);
	if (r == 0)
		return 0;
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	ssize_t n = recv(sock, m, sizeof *m, 0);
	return n == (ssize_t)sizeof *m ? 1 : -1;
}
